"""Layout helpers: cache-blocked transposes used at the API boundary, aligned and split rows.

A plain ``np.array(a.T, order="C")`` walks one of the two arrays with a
stride of n elements: for n = 2048 float64 that is a new cache line (and
often a new page) for every element.  Transposing TILE x TILE blocks
keeps both blocks in L1 while they are read and written (measured in
devlog 002).  The complex reductions work on *split* rows (each row's
real parts, then its imaginary parts: :func:`zsplit_copy`), where the
loops of interleaved complex numbers did not vectorise.  No checks are
made on the inputs.
"""

from __future__ import annotations

import numpy as np

from jitla._jit import kernel

#: Tile edge in elements: two 32 x 32 float64 tiles take 16 KiB of L1.
TILE = 32

#: float64 as a dtype *object*, for the workspaces of float64-only kernels (``np.empty(n,
#: dtype=F64)``).  Numba types it as the ``x.dtype`` of a float64 array, not as the class
#: ``np.float64``, so these allocations use the same compiled ``np.empty`` / ``np.zeros`` /
#: ``np.finfo`` as the float32/float64 kernels beside them (each spelling is compiled apart).
F64 = np.dtype(np.float64)


@kernel
def transpose_triangle(src, dst, lower_only):
    """``dst = src.T`` tile by tile; with *lower_only*, zero the strict upper triangle of dst.

    Parameters
    ----------
    src : (m, n) ndarray
    dst : (n, m) ndarray, overwritten
    lower_only : bool
        Keep only ``dst[j, i]`` with ``j >= i`` (the transpose of src's upper
        triangle) and write zeros above the diagonal.

    Notes
    -----
    Workspace none; reads and writes m*n elements once each.
    """
    m, n = src.shape
    for i0 in range(0, m, TILE):
        i1 = min(i0 + TILE, m)
        for j0 in range(0, n, TILE):
            j1 = min(j0 + TILE, n)
            for i in range(i0, i1):
                for j in range(j0, j1):
                    if lower_only and j < i:
                        dst[j, i] = 0
                    else:
                        dst[j, i] = src[i, j]


@kernel
def transpose_small(src, dst):
    """``dst = src.T`` four rows of src at a time, for operands that fit in L2.

    Parameters
    ----------
    src : (m, n) ndarray, rows contiguous
    dst : (n, m) ndarray, rows contiguous, overwritten

    Notes
    -----
    Each pass reads four rows of src along their length and writes four
    adjacent entries of every row of dst, so a 64-byte line of dst
    (float64) is written in two passes instead of eight.  No tiles: for
    gecon's transposed factors, an O(n^2) step beside an O(n^3)
    factorisation, at n = 100 it took 1.8 us against 2.6 for a plain
    double loop and 6.8 for 8 x 8 tiles (devlog 081).  Workspace
    none; m*n moves.
    """
    m, n = src.shape
    i = 0
    while i + 4 <= m:
        r0 = src[i]
        r1 = src[i + 1]
        r2 = src[i + 2]
        r3 = src[i + 3]
        for j in range(n):
            d = dst[j]
            d[i] = r0[j]
            d[i + 1] = r1[j]
            d[i + 2] = r2[j]
            d[i + 3] = r3[j]
        i += 4
    for r in range(i, m):
        s = src[r]
        for j in range(n):
            dst[j, r] = s[j]


#: Byte alignment of :func:`aligned_empty` arrays: one cache line, one zmm register.
ALIGNMENT = 64


@kernel
def aligned_empty(rows, cols, like):
    """An uninitialised C-contiguous (rows, cols) array of *like*'s dtype, 64-byte aligned.

    numpy aligns large arrays to 16 bytes and Numba to 32, so a 512-bit
    load or store of a row can straddle two cache lines.  For the level-1
    loops of the Jacobi SVD (two rows rotated per step, store-bound) that
    cost 7 % at 32-byte alignment and 35-40 % at 16 (n = 512, devlog 005).
    Rows stay aligned when ``cols * itemsize`` is a multiple of 64.
    """
    item = like.itemsize
    buf = np.empty(rows * cols + ALIGNMENT // item, dtype=like.dtype)
    offset = ((ALIGNMENT - buf.ctypes.data % ALIGNMENT) % ALIGNMENT) // item
    return buf[offset : offset + rows * cols].reshape((rows, cols))


@kernel
def zsplit_copy(G, like, Lp):
    """G (k, L) complex as a 64-byte aligned real (k, 2, Lp): row r's real parts, then its imaginary parts.

    The split rows of the complex reductions (``devlog/076``): every loop
    over them is a real loop over unit-stride lanes, with no shuffles
    between the parts of interleaved complex numbers.  ``Lp >= L``; the
    padding (columns L..Lp-1) is zero.  *like* is a real array of G's
    precision (its dtype only).  Workspace ``2 k Lp`` reals.
    """
    k, L = G.shape
    P = aligned_empty(2 * k, Lp, like).reshape((k, 2, Lp))
    for r in range(k):
        for c in range(L):
            P[r, 0, c] = G[r, c].real
            P[r, 1, c] = G[r, c].imag
        for c in range(L, Lp):
            P[r, 0, c] = 0
            P[r, 1, c] = 0
    return P


@kernel
def zsplit_store(P, G):
    """G (k, L) complex from the split rows P (k, 2, Lp): the inverse of :func:`zsplit_copy`."""
    k, L = G.shape
    for r in range(k):
        for c in range(L):
            G[r, c] = complex(P[r, 0, c], P[r, 1, c])


@kernel
def insertion_sort_by_key(idx, keys):
    """Sort the index vector *idx* in place so that ``keys[idx]`` ascends (stable).

    Straight insertion (Knuth, *TAOCP* vol. 3, 5.2.1, Algorithm S): for
    short or nearly sorted index lists, such as the values a
    divide-and-conquer merge deflates (found in ascending order but for
    rotated pairs).  Up to ``len(idx)^2 / 2`` comparisons; no workspace.
    """
    for t in range(1, idx.shape[0]):
        g = idx[t]
        q = t - 1
        while q >= 0 and keys[idx[q]] > keys[g]:
            idx[q + 1] = idx[q]
            q -= 1
        idx[q + 1] = g


@kernel
def argsort_stable(keys, descending):
    """Indices that sort *keys* stably, ascending (or descending), NaN last.

    Bottom-up merge sort (Knuth, *TAOCP* vol. 3, 5.2.4, Algorithm N's
    straight two-way merge), written out instead of
    ``np.argsort(kind="mergesort")``: the loops below compile in a fraction
    of the time Numba's generic sort takes, and results equal numpy's
    (stable, equal keys keep their order, NaN after every number).

    Parameters
    ----------
    keys : (n,) ndarray
    descending : bool

    Returns
    -------
    (n,) int64 ndarray

    Notes
    -----
    n log2(n) comparisons; workspace two n-element index arrays.
    """
    n = keys.shape[0]
    order = np.empty(n, dtype=np.int64)
    buf = np.empty(n, dtype=np.int64)
    for i in range(n):
        order[i] = i
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                a = keys[order[i]]
                b = keys[order[j]]
                # the right run's head goes first only if it sorts strictly before (stability)
                if descending:
                    right_first = b > a or (a != a and b == b)
                else:
                    right_first = b < a or (a != a and b == b)
                if right_first:
                    buf[k] = order[j]
                    j += 1
                else:
                    buf[k] = order[i]
                    i += 1
                k += 1
            while i < mid:
                buf[k] = order[i]
                i += 1
                k += 1
            while j < hi:
                buf[k] = order[j]
                j += 1
                k += 1
        order, buf = buf, order
        width *= 2
    return order


@kernel
def permute(x, X, order, rows_too):
    """``x = x[order]``, and with *rows_too* ``X = X[order, :]``, in place.

    Explicit loops instead of fancy indexing: Numba compiles a formatted
    shape-mismatch message for every fancy slice assignment, which costs
    seconds of compilation per kernel that contains one.  Workspace a copy
    of x (and of X).
    """
    old = x.copy()
    for i in range(order.shape[0]):
        x[i] = old[order[i]]
    if rows_too:
        old_rows = X.copy()
        for i in range(order.shape[0]):
            src = order[i]
            for j in range(X.shape[1]):
                X[i, j] = old_rows[src, j]
