"""LU factorisation with partial pivoting, ``P A = L U``, as a progression.

1. :func:`lu_unblocked` right-looking k-i-j Gaussian elimination (rank-1 updates)
2. :func:`lu_tiled`     panels of 8-16 columns, trailing update in register
                        tiles without packing (small and middle orders)
3. :func:`lu_blocked`   panel factorisation + row swaps + TRSM + GEMM update
4. :func:`lu_parallel`  the blocked algorithm with the parallel GEMM and a
                        parallel TRSM for the update of the trailing matrix

plus :func:`lu_solve_batched`, one compiled loop over a stack of small
systems (factor and solve each, sizes 2..8 fully unrolled), and the complex
:func:`zlu_blocked` / :func:`zlu_solve` (``zgetrf`` / ``zgetrs``: cabs1
pivoting, panels factored on split real / imaginary planes, trailing
update by the 1m complex GEMM).

Kernel contract: ``A`` is (m, n), C-contiguous (or a view of a C array),
overwritten with L (strictly below the diagonal, unit diagonal implied) and
U (on and above it), as LAPACK ``xGETRF`` stores them.  ``piv`` is an
int32 array of min(m, n) entries, overwritten with LAPACK's ``ipiv``
0-based: row i was interchanged with row ``piv[i]`` (>= i) at step i.
Status: 0, or ``k + 1`` for the first exactly-zero pivot ``U[k, k]`` (the
factorisation is completed anyway, as LAPACK does).  No checks are made on
the inputs.

Row-major note: a row interchange swaps two contiguous rows (cheap), the
pivot search reads a column (strided, n reads per step), and every update
is an axpy along rows -- so the LAPACK algorithm carries over unchanged;
only the loops are ordered so that the innermost one runs along a row.

References: Golub & Van Loan, *Matrix Computations*, 4th ed., Algorithm
3.4.1 (outer-product Gaussian elimination with partial pivoting) and Sec.
3.4.7 (block LU with pivoting); LAPACK ``dgetf2``, ``dgetrf``, ``dlaswp``.
Flops 2n^3/3 for a square matrix (mn^2 - n^3/3 for m >= n).
"""

from __future__ import annotations

import functools

import numpy as np
from numba import prange, uint64

from jitla._jit import kernel, out_of_line, parallel_kernel, vector_kernel, vector_parallel_kernel
from jitla.kernels._layout import transpose_small
from jitla.kernels._registry import register
from jitla.kernels._tile import register_tile
from jitla.kernels.condest import gecon, gecon_transposed, solve_lu_columns, solve_lu_rows_ool
from jitla.kernels.gemm import gemm_packed, gemm_parallel, zgemm_1m
from jitla.kernels.tile_update import tile_update_ool
from jitla.kernels.triangular import (
    _trsm_forward_blocked,
    _trsm_kernel,
    panel_rows_solve,
    trsm_blocked,
    trsm_unchecked,
    ztrsm,
)


def lu_flops(m, n=None):
    """Nominal flop count of LU: 2n^3/3 for n x n; ``m n^2 - n^3/3`` for m x n, m >= n."""
    if n is None:
        n = m
    k = min(m, n)
    return float(m) * n * k - (m + n) * k * k / 2.0 + k**3 / 3.0


def _lu_example(dtype):
    A = np.array([[1, 2, 3, 4], [5, 6, 7, 9], [2, 1, 0, 8], [3, 3, 1, 1], [1, 0, 1, 0]], dtype)
    return A, np.zeros(4, np.int32)


@kernel
def _lu_panel(A, piv):
    """Unblocked right-looking LU of the (m, n) array or view A; see :func:`lu_unblocked`."""
    m, n = A.shape
    info = 0
    tiny = np.finfo(A.dtype).tiny
    for k in range(min(m, n)):
        # pivot: first entry of largest magnitude in column k, rows k..m-1 (idamax)
        p = k
        big = abs(A[k, k])
        for i in range(k + 1, m):
            if abs(A[i, k]) > big:
                big = abs(A[i, k])
                p = i
        piv[k] = p
        if A[p, k] != 0:
            if p != k:
                row_k = A[k]
                row_p = A[p]
                for j in range(n):
                    row_k[j], row_p[j] = row_p[j], row_k[j]
            # multipliers: column k below the diagonal divided by the pivot
            d = A[k, k]
            if abs(d) >= tiny:
                r = 1 / d
                for i in range(k + 1, m):
                    A[i, k] *= r
            else:
                for i in range(k + 1, m):
                    A[i, k] /= d
        elif info == 0:
            info = k + 1
        # rank-1 update of the trailing block: A[k+1:, k+1:] -= A[k+1:, k] A[k, k+1:]
        U_k = A[k, k + 1 :]
        for i in range(k + 1, m):
            a = A[i, k]
            if a != 0:
                A_i = A[i, k + 1 :]
                for j in range(n - k - 1):
                    A_i[j] -= a * U_k[j]
    return info


@register(
    "lu",
    "unblocked",
    "right-looking k-i-j elimination: one rank-1 update per column (dgetf2)",
    flops=lu_flops,
    example=_lu_example,
)
@kernel
def lu_unblocked(A, piv):
    """Factor ``P A = L U`` in place by right-looking Gaussian elimination.

    Parameters
    ----------
    A : (m, n) ndarray
        Overwritten with L (unit lower, below the diagonal) and U.
    piv : (min(m, n),) int32 ndarray
        Overwritten with the 0-based row interchanges.

    Returns
    -------
    info : int
        0, or ``k + 1`` for the first zero pivot.

    Notes
    -----
    Golub & Van Loan, 4th ed., Algorithm 3.4.1; LAPACK ``dgetf2``.  For each
    column k: find the pivot, swap it into row k, scale the column below it
    (by the reciprocal of the pivot, as dgetf2, unless that would overflow),
    and subtract the rank-1 product from the trailing block, one row axpy at
    a time.  Every step streams the whole trailing block through the cache:
    2n^3/3 flops on O(n^3) memory traffic, so this is memory-bound once the
    matrix leaves L2.  Flops 2n^3/3; no workspace.
    """
    return _lu_panel(A, piv)


@kernel
def _swap_rows(A, piv, k0, k1, j0, j1):
    """Apply the interchanges ``piv[k0:k1]`` to columns j0:j1 of A (LAPACK ``dlaswp``)."""
    for k in range(k0, k1):
        p = piv[k]
        if p != k:
            row_k = A[k, j0:j1]
            row_p = A[p, j0:j1]
            for j in range(j1 - j0):
                row_k[j], row_p[j] = row_p[j], row_k[j]


# inline="always": a helper with one or two callers is compiled inside them, not as a
# library of its own that every level above re-optimises (devlog 029)
@kernel(inline="always")
def _lu_columns(T, piv):
    """Unblocked LU of a panel stored transposed: row j of ``T`` is column j of the panel.

    The panel is m x kb, tall and narrow; row-major, its rows are only kb
    long, so the row axpys of :func:`_lu_panel` are too short to vectorise
    well.  Transposed (kb x m), every operation of ``dgetf2`` runs along a
    long contiguous row: the pivot search and the scaling along column k,
    and the rank-1 update as one axpy of length m - k per column j > k --
    LAPACK's column-major loops, literally.  A row interchange of the panel
    becomes a swap of two entries in each of the kb rows of ``T``.
    Same status and pivots as :func:`_lu_panel`.
    """
    kb, m = T.shape
    info = 0
    tiny = np.finfo(T.dtype).tiny
    for k in range(min(m, kb)):
        col = T[k, k:]
        p = 0
        big = abs(col[0])
        for i in range(1, m - k):
            if abs(col[i]) > big:
                big = abs(col[i])
                p = i
        p += k
        piv[k] = p
        if T[k, p] != 0:
            if p != k:
                for j in range(kb):
                    T[j, k], T[j, p] = T[j, p], T[j, k]
            d = T[k, k]
            below = T[k, k + 1 :]
            if abs(d) >= tiny:
                r = 1 / d
                for i in range(m - k - 1):
                    below[i] *= r
            else:
                for i in range(m - k - 1):
                    below[i] /= d
        elif info == 0:
            info = k + 1
        L_k = T[k, k + 1 :]
        for j in range(k + 1, kb):
            a = T[j, k]
            if a != 0:
                T_j = T[j, k + 1 :]
                for i in range(m - k - 1):
                    T_j[i] -= a * L_k[i]  # column j of the panel -= a * column k below the pivot
    return info


@kernel(inline="always")
def _lu_subpanel(A, piv, T):
    """LU of a narrow view A (m x kb) via :func:`_lu_columns` on its transpose in ``T``."""
    m, kb = A.shape
    Tv = T[:kb, :m]
    for i in range(m):
        row = A[i]
        for j in range(kb):
            Tv[j, i] = row[j]
    info = _lu_columns(Tv, piv)
    for i in range(m):
        row = A[i]
        for j in range(kb):
            row[j] = Tv[j, i]
    return info


@kernel
def _lu_panel_blocked(A, piv, blocks, ib):
    """LU of a tall panel (or any view) in column blocks of *ib*, each factored unblocked.

    The second level of the blocking: an m x nb panel streamed nb times
    through :func:`_lu_panel` does not fit in L2 for large m, but an m x ib
    sub-panel (ib = 16) does; the update of the rest of the panel by each
    sub-panel is a (thin) GEMM.  Same contract as :func:`lu_unblocked`.
    """
    m, n = A.shape
    minus_one = A.dtype.type(-1)
    info = 0
    kmax = min(m, n)
    T = np.empty((ib, m), dtype=A.dtype)
    # loop over sub-panels of ib columns
    for k0 in range(0, kmax, ib):
        kb = min(ib, kmax - k0)
        k1 = k0 + kb
        pinfo = _lu_subpanel(A[k0:, k0:k1], piv[k0:k1], T)
        for i in range(k0, k1):
            piv[i] += k0
        if info == 0 and pinfo > 0:
            info = pinfo + k0
        _swap_rows(A, piv, k0, k1, 0, k0)
        _swap_rows(A, piv, k0, k1, k1, n)
        if k1 < n:
            _trsm_kernel(A[k0:k1, k0:k1], A[k0:k1, k1:], True, False, True)
            if k1 < m:
                gemm_packed(A[k1:, k0:k1], A[k0:k1, k1:], A[k1:, k1:], minus_one, blocks)
    return info


@kernel(inline="always")
def _factor_panel(A, piv, k0, kb, blocks):
    """Factor the panel ``A[k0:, k0:k0+kb]``, swap the rows of the rest, and offset piv.

    The panel is factored in sub-panels of ``ib = kb // 8`` columns (16 for
    nb = 128: an m x 16 float64 sub-panel is 256 KiB at m = 2048, inside L2).

    Returns the panel's status offset to global numbering (0 if none).
    """
    m, n = A.shape
    pinfo = _lu_panel_blocked(A[k0:, k0 : k0 + kb], piv[k0 : k0 + kb], blocks, max(4, min(16, kb // 8)))
    for i in range(k0, k0 + kb):
        piv[i] += k0
    _swap_rows(A, piv, k0, k0 + kb, 0, k0)
    _swap_rows(A, piv, k0, k0 + kb, k0 + kb, n)
    return pinfo + k0 if pinfo > 0 else 0


@kernel(inline="always")
def _magnitude(re, im, i, cabs1):
    """``|re[i]|``, or ``|re[i]| + |im[i]|`` (LAPACK's ``cabs1`` of a split complex entry) when *cabs1*."""
    if cabs1:
        return abs(re[i]) + abs(im[i])
    return abs(re[i])


@vector_kernel(inline="always")
def _first_largest(re, im, cabs1):
    """Index of the first entry of largest :func:`_magnitude` in *re* (and *im*, with *cabs1*).

    The same index as a sequential search (``>`` keeps the first of equal
    magnitudes; a NaN never wins, unless it is the first entry, which is
    then returned), in two passes that vectorise: the largest magnitude in
    W lanes (each lane a strided subsequence, started from the first
    entry's), then the first entry that has it.  *cabs1* is a constant of
    each caller, so the inlined copy keeps one of the two magnitudes.
    """
    m = re.shape[0]
    big = _magnitude(re, im, 0, cabs1)
    if big != big or m == 1:
        return 0
    lanes = register_tile(re, 1, 1)
    W = lanes.shape[1]
    for l in range(W):
        lanes[0, l] = big
    i0 = 1
    while i0 + W <= m:
        for l in range(W):
            v = _magnitude(re, im, uint64(i0 + l), cabs1)
            lanes[0, l] = v if v > lanes[0, l] else lanes[0, l]
        i0 += W
    for i in range(i0, m):
        v = _magnitude(re, im, i, cabs1)
        big = v if v > big else big
    for l in range(W):
        big = lanes[0, l] if lanes[0, l] > big else big
    for i in range(m):
        if _magnitude(re, im, i, cabs1) == big:
            return i
    return 0


@vector_kernel(inline="always")
def _pivot_index(col):
    """Index of the first entry of largest magnitude in *col* (LAPACK ``idamax``): :func:`_first_largest`."""
    return _first_largest(col, col, False)


@vector_kernel(inline="always")
def _lu_columns_c(T, piv):
    """:func:`_lu_columns` on a C-contiguous T, with the pivot search of :func:`_pivot_index`."""
    kb, m = T.shape
    info = 0
    tiny = np.finfo(T.dtype).tiny
    for k in range(min(m, kb)):
        p = _pivot_index(T[k, k:]) + k
        piv[k] = p
        if T[k, p] != 0:
            if p != k:
                for j in range(kb):
                    T[j, k], T[j, p] = T[j, p], T[j, k]
            d = T[k, k]
            below = T[k, k + 1 :]
            if abs(d) >= tiny:
                r = 1 / d
                for i in range(m - k - 1):
                    below[i] *= r
            else:
                for i in range(m - k - 1):
                    below[i] /= d
        elif info == 0:
            info = k + 1
        L_k = T[k, k + 1 :]
        for j in range(k + 1, kb):
            a = T[j, k]
            if a != 0:
                T_j = T[j, k + 1 :]
                for i in range(m - k - 1):
                    T_j[i] -= a * L_k[i]  # column j of the panel -= a * column k below the pivot
    return info


#: Panel width of :func:`lu_tiled`: 8 columns below min(m, n) = TILED_WIDE_FROM,
#: 16 from there (devlog 031).
TILED_WIDE_FROM = 128


@register(
    "lu",
    "tiled",
    "panels of ib columns factored transposed, register-tile trailing update without packing",
    flops=lu_flops,
    example=_lu_example,
)
@vector_kernel
def lu_tiled(A, piv):
    """Factor ``P A = L U`` in place, right-looking, *ib* columns at a time, for small and middle orders.

    Parameters
    ----------
    A : (m, n) ndarray, C-contiguous
        Overwritten with L (unit lower, below the diagonal) and U.
    piv : (min(m, n),) int32 ndarray
        Overwritten with the 0-based row interchanges.

    Returns
    -------
    info : int
        0, or ``k + 1`` for the first zero pivot.

    Notes
    -----
    LAPACK ``dgetrf``'s right-looking blocked algorithm (Golub & Van Loan,
    4th ed., Sec. 3.4.7) with narrow panels and no packed GEMM.  For each
    panel of ib columns (8, or 16 from min(m, n) = :data:`TILED_WIDE_FROM`):

    1. the m' x ib panel is copied transposed to a C-contiguous ib x m'
       buffer and factored there by ``dgetf2``'s column-oriented loops
       (pivot search, scaling and rank-1 updates along contiguous rows;
       :func:`_lu_columns_c`), then copied back;
    2. its interchanges are applied to the columns left and right of it;
    3. ``U12 = L11^{-1} A12``, four solved rows per pass
       (:func:`jitla.kernels.triangular.panel_rows_solve`);
    4. ``A22 -= L21 @ U12`` by :func:`jitla.kernels.tile_update.tile_update`:
       register tiles of C loaded and stored once per panel, no packing.

    Each entry of A22 gets its rank-ib update in one pass, against ib
    passes of the unblocked kernel; the whole matrix stays in L2 up to
    n ~ 350 (float64), and from there :func:`lu_blocked`'s cache blocking
    is needed.  Same pivots and status as :func:`lu_unblocked`.  Flops
    2n^3/3; workspace ib x m for the transposed panel.
    """
    m, n = A.shape
    F = A.reshape(m * n)
    info = 0
    kmax = min(m, n)
    ib = 8 if kmax < TILED_WIDE_FROM else 16
    buffer = np.empty(ib * m, dtype=A.dtype)
    # loop over panels of ib columns
    for k0 in range(0, kmax, ib):
        kb = min(ib, kmax - k0)
        k1 = k0 + kb
        rows = m - k0
        T = buffer[: kb * rows].reshape((kb, rows))
        for i in range(rows):
            A_i = A[k0 + i, k0:k1]
            for j in range(kb):
                T[j, i] = A_i[j]
        pinfo = _lu_columns_c(T, piv[k0:k1])
        for i in range(rows):
            A_i = A[k0 + i, k0:k1]
            for j in range(kb):
                A_i[j] = T[j, i]
        for i in range(k0, k1):
            piv[i] += k0
        if info == 0 and pinfo > 0:
            info = pinfo + k0
        # the panel's interchanges on the columns left and right of it
        for s in range(k0, k1):
            p = piv[s]
            if p != s:
                A_s = A[s, :k0]
                A_p = A[p, :k0]
                for j in range(k0):
                    A_s[j], A_p[j] = A_p[j], A_s[j]
                A_s = A[s, k1:]
                A_p = A[p, k1:]
                for j in range(n - k1):
                    A_s[j], A_p[j] = A_p[j], A_s[j]
        if k1 < n:
            # U12 = L11^{-1} A12 (unit lower triangular), four rows of U12 per pass
            panel_rows_solve(A, k0, k1, True)
            if k1 < m:
                # A22 -= L21 @ U12, L21 read from its transposed copy in the panel buffer (T[:, kb:])
                tile_update_ool(buffer, kb, rows, F, n, k0 * n + k1, k1 * n + k1, m - k1, n - k1, kb, False)
    return info


@register(
    "lu",
    "blocked",
    "panel of nb columns + row swaps + TRSM + packed-GEMM trailing update (dgetrf)",
    flops=lu_flops,
    example=_lu_example,
    extra_args=("blocks", "nb"),
)
@kernel
def lu_blocked(A, piv, blocks, nb):
    """Factor ``P A = L U`` in place, right-looking, *nb* columns at a time.

    Parameters
    ----------
    A, piv
        As :func:`lu_unblocked`.
    blocks : tuple of int
        ``(MC, KC, NC)`` of the packed GEMM.
    nb : int
        Panel width.

    Returns
    -------
    info : int
        As :func:`lu_unblocked`.

    Notes
    -----
    Golub & Van Loan, 4th ed., Sec. 3.4.7; LAPACK ``dgetrf``.  For each
    panel of nb columns:

    1. factor the tall panel ``A[k0:, k0:k1]`` with :func:`lu_unblocked`
       (it chooses the pivots, so it must see the whole column);
    2. apply its interchanges to the columns left and right of the panel;
    3. ``U12 = L11^{-1} A12``: a unit lower triangular solve on nb rows;
    4. ``A22 -= L21 @ U12``: one GEMM of (m - k1) x nb times nb x (n - k1).

    All but O(nb/n) of the 2n^3/3 flops are in step 4, at packed-GEMM
    speed; step 1 is memory-bound on an m x nb panel.  Flops 2n^3/3;
    workspace: the GEMM's packing buffers.
    """
    m, n = A.shape
    minus_one = A.dtype.type(-1)
    info = 0
    kmax = min(m, n)
    # loop over panels of nb columns
    for k0 in range(0, kmax, nb):
        kb = min(nb, kmax - k0)
        k1 = k0 + kb
        pinfo = _factor_panel(A, piv, k0, kb, blocks)
        if info == 0:
            info = pinfo
        if k1 < n:
            # U12 = L11^{-1} A12 (unit lower triangular solve)
            _trsm_forward_blocked(A[k0:k1, k0:k1], A[k0:k1, k1:], True, False, True, blocks, max(4, nb // 8))
            if k1 < m:
                # trailing update A22 -= L21 @ U12
                gemm_packed(A[k1:, k0:k1], A[k0:k1, k1:], A[k1:, k1:], minus_one, blocks)
    return info


@register(
    "lu",
    "parallel",
    "blocked LU, parallel TRSM (column parts) and parallel GEMM trailing update",
    flops=lu_flops,
    parallel=True,
    example=_lu_example,
    extra_args=("blocks", "nb", "nthreads"),
)
@parallel_kernel
def lu_parallel(A, piv, blocks, nb, nthreads):
    """:func:`lu_blocked` with the trailing update done by *nthreads* threads.

    Parameters
    ----------
    A, piv, blocks, nb
        As :func:`lu_blocked`.
    nthreads : int
        Threads for the TRSM and GEMM (explicit partitions: the result does
        not depend on the thread count, as every element is computed by the
        same sequence of operations).

    Notes
    -----
    The panel factorisation stays serial (its pivot search is a reduction
    over the whole column at every step); the TRSM on the nb block rows is
    split by columns and the GEMM by :func:`jitla.kernels.gemm.gemm_parallel`'s
    thread grid.  Flops 2n^3/3; workspace: per-thread packing buffers.
    """
    m, n = A.shape
    minus_one = A.dtype.type(-1)
    info = 0
    kmax = min(m, n)
    # loop over panels of nb columns
    for k0 in range(0, kmax, nb):
        kb = min(nb, kmax - k0)
        k1 = k0 + kb
        pinfo = _factor_panel(A, piv, k0, kb, blocks)
        if info == 0:
            info = pinfo
        if k1 < n:
            # U12 = L11^{-1} A12, the columns of A12 in nthreads contiguous parts
            width = n - k1
            parts = max(1, min(nthreads, width // 32))
            for t in prange(parts):
                j0 = k1 + t * width // parts
                j1 = k1 + (t + 1) * width // parts
                _trsm_kernel(A[k0:k1, k0:k1], A[k0:k1, j0:j1], True, False, True)
            if k1 < m:
                gemm_parallel(A[k1:, k0:k1], A[k0:k1, k1:], A[k1:, k1:], minus_one, blocks, nthreads)
    return info


def _unpack_example(dtype):
    A, piv = _lu_example(dtype)
    return A, piv, np.empty((5, 4), dtype), np.empty((4, 4), dtype), np.empty(5, np.int32)


@register(
    "lu_unpack",
    "serial",
    "scipy.linalg.lu's L, U and row indices p from the factors and interchanges, in one pass",
    flops=lambda m, n: 0.0,
    example=_unpack_example,
)
@kernel
def lu_unpack(LU, piv, L, U, p):
    """Split ``P A = L U`` as stored by the LU kernels into L, U and the row indices p.

    Parameters
    ----------
    LU : (m, n) ndarray
        Factors (L's multipliers below the diagonal, U on and above).
    piv : (k,) int32 ndarray, k = min(m, n)
        0-based interchanges.
    L : (m, k) ndarray, C-contiguous
        Overwritten with the unit lower trapezoidal factor.
    U : (k, n) ndarray, C-contiguous
        Overwritten with the upper trapezoidal factor.
    p : (m,) int32 ndarray
        Overwritten with scipy's ``p_indices``: ``A[i] = (L @ U)[p[i]]``.

    Notes
    -----
    The interchanges applied to ``0, 1, ..., m-1`` give the row order r of
    ``P A`` (``(P A)[s] = A[r[s]]``); p is its inverse.  No flops; O(mn).
    """
    m, n = LU.shape
    k = min(m, n)
    for i in range(m):
        L_i = L[i]
        LU_i = LU[i]
        for j in range(k):
            L_i[j] = LU_i[j] if j < i else (1 if j == i else 0)
    for i in range(k):
        U_i = U[i]
        LU_i = LU[i]
        for j in range(n):
            U_i[j] = LU_i[j] if j >= i else 0
    order = np.arange(m)
    for s in range(k):
        t = piv[s]
        order[s], order[t] = order[t], order[s]
    for s in range(m):
        p[order[s]] = s


# --------------------------------------------------------------------------
# stacks of small systems
# --------------------------------------------------------------------------
@kernel(inline="always")
def _solve_small(A, X, info, b, n, k, T):
    """Factor ``A[b]`` (n x n) with partial pivoting and solve ``A[b] Y = X[b]`` in place.

    Inlined into :func:`_solve_small_dispatch`, which calls it with literal
    n (and k = 1), so every loop below has a constant trip count and is
    fully unrolled.  ``A[b]`` is copied to the small work array ``T`` (a
    stack tile for n <= 8) and eliminated there; X[b] is transformed
    alongside.  ``info[b]`` gets the LU status.

    Unlike :func:`_lu_panel`, each elimination step updates whole rows of
    T (``for j in range(n)``, a constant trip count that vectorises) rather
    than columns ``c+1:``: the extra entries are the ones being eliminated,
    which are never read again, so L is not kept -- only U and the
    transformed right-hand side are needed.
    """
    A_b = A[b]
    X_b = X[b]
    for i in range(n):
        for j in range(n):
            T[i, j] = A_b[i, j]
    status = 0
    for c in range(n):
        p = c
        big = abs(T[c, c])
        for i in range(c + 1, n):
            if abs(T[i, c]) > big:
                big = abs(T[i, c])
                p = i
        if big == 0:
            if status == 0:
                status = c + 1
            continue
        if p != c:
            for j in range(n):
                T[c, j], T[p, j] = T[p, j], T[c, j]
            for j in range(k):
                X_b[c, j], X_b[p, j] = X_b[p, j], X_b[c, j]
        r = 1 / T[c, c]
        for i in range(c + 1, n):
            a = T[i, c] * r
            for j in range(n):
                T[i, j] -= a * T[c, j]  # whole row: see the docstring
            for j in range(k):
                X_b[i, j] -= a * X_b[c, j]
    info[b] = status
    if status == 0:
        # back substitution with U
        for c in range(n - 1, -1, -1):
            r = 1 / T[c, c]
            for j in range(k):
                X_b[c, j] *= r
            for i in range(c):
                a = T[i, c]
                for j in range(k):
                    X_b[i, j] -= a * X_b[c, j]


@kernel(inline="always")
def _solve_small_vector(A, X, info, b, n, T, x):
    """As :func:`_solve_small` for one right-hand side (k = 1), with no data-dependent index.

    The pivot row p is found without branches (``idamax``'s choice), and
    rows c and p are swapped by blending row c with every row i > c under
    the mask ``i == p`` rather than by indexing with the computed p.  With
    n a literal every index is then a constant: LLVM keeps T and x in
    registers and the blends become vector selects (a data-dependent row
    index kept T in memory and the swap branches mispredicted on random
    data: 2.5x slower at n = 8, devlog 002).  A zero pivot is recorded
    (``info[b]``) and the elimination goes on regardless; the caller
    discards such systems.
    """
    for i in range(n):
        x[0, i] = X[b, i, 0]
        for j in range(n):
            T[i, j] = A[b, i, j]
    status = 0
    for c in range(n):
        # pivot row: the first entry of largest magnitude in column c (idamax)
        p = c
        big = abs(T[c, c])
        for i in range(c + 1, n):
            bigger = abs(T[i, c]) > big
            p = i if bigger else p
            big = abs(T[i, c]) if bigger else big
        # swap rows c and p by blending every candidate row: constant indices only
        for i in range(c + 1, n):
            swap = i == p
            for j in range(n):
                u = T[c, j]
                v = T[i, j]
                T[c, j] = v if swap else u
                T[i, j] = u if swap else v
            u = x[0, c]
            v = x[0, i]
            x[0, c] = v if swap else u
            x[0, i] = u if swap else v
        if T[c, c] == 0 and status == 0:
            status = c + 1
        r = 1 / T[c, c]
        for i in range(c + 1, n):
            a = T[i, c] * r
            for j in range(n):
                T[i, j] -= a * T[c, j]
            x[0, i] -= a * x[0, c]
    info[b] = status
    # back substitution with U
    for c in range(n - 1, -1, -1):
        s = x[0, c]
        for j in range(c + 1, n):
            s -= T[c, j] * x[0, j]
        x[0, c] = s / T[c, c]
    for i in range(n):
        X[b, i, 0] = x[0, i]


@kernel(inline="always")
def _solve_lanes(A, X, info, b0, n, T, x, t):
    """Solve the W systems ``b0 .. b0+W-1`` (k = 1) at once, one per vector lane.

    W is the tile width (8 float64 / 16 float32 lanes).  ``T[i*n + j, l]``
    holds entry (i, j) of system ``b0 + l``, ``x[i, l]`` its right-hand
    side, ``t`` two rows of per-lane scalars.  Every operation of
    Gaussian elimination is then a loop over the W lanes with a constant
    trip count -- one vector instruction -- and pivoting becomes per-lane
    selects: for each row i > c, lanes where ``|T[i, c]| > |T[c, c]|`` swap
    rows c and i (the running maximum ends in row c: the first entry of
    largest magnitude, ``idamax``'s choice).  A zero pivot is recorded in
    ``info`` and the (discarded) lane goes on computing infs/NaNs.
    """
    W = T.shape[1]
    for l in range(W):
        for i in range(n):
            x[i, l] = X[b0 + l, i, 0]
            for j in range(n):
                T[i * n + j, l] = A[b0 + l, i, j]
    for c in range(n):
        cc = c * n + c
        for i in range(c + 1, n):
            ic = i * n + c
            for l in range(W):
                t[0, l] = 1.0 if abs(T[ic, l]) > abs(T[cc, l]) else 0.0
            for j in range(n):
                for l in range(W):
                    u = T[c * n + j, l]
                    v = T[i * n + j, l]
                    swap = t[0, l] != 0
                    T[c * n + j, l] = v if swap else u
                    T[i * n + j, l] = u if swap else v
            for l in range(W):
                u = x[c, l]
                v = x[i, l]
                swap = t[0, l] != 0
                x[c, l] = v if swap else u
                x[i, l] = u if swap else v
        for l in range(W):
            if T[cc, l] == 0 and info[b0 + l] == 0:
                info[b0 + l] = c + 1
        for l in range(W):
            t[1, l] = 1 / T[cc, l]
        for i in range(c + 1, n):
            for l in range(W):
                t[0, l] = T[i * n + c, l] * t[1, l]
            for j in range(n):
                for l in range(W):
                    T[i * n + j, l] -= t[0, l] * T[c * n + j, l]
            for l in range(W):
                x[i, l] -= t[0, l] * x[c, l]
    # back substitution with U
    for c in range(n - 1, -1, -1):
        for j in range(c + 1, n):
            for l in range(W):
                x[c, l] -= T[c * n + j, l] * x[j, l]
        for l in range(W):
            x[c, l] /= T[c * n + c, l]
    for l in range(W):
        for i in range(n):
            X[b0 + l, i, 0] = x[i, l]


@kernel(inline="always")
def _solve_small_n(A, X, info, b, n, T, x):
    """One system of literal order n: the k = 1 path or the general one."""
    k = X.shape[2]
    if k == 1:
        _solve_small_vector(A, X, info, b, n, T, x)
    else:
        _solve_small(A, X, info, b, n, k, T)


@kernel
def _solve_each(A, X, info, lo, hi, T, x):
    """Systems lo..hi-1 one at a time, n taken at run time (the tails and k > 1)."""
    n = A.shape[1]
    for b in range(lo, hi):
        _solve_small_n(A, X, info, b, n, T, x)


@kernel(inline="always")
def _solve_range(A, X, info, lo, hi, n, T, x):
    """Systems lo..hi-1 of the stack, all of order n (a literal where the caller can).

    With one right-hand side and n <= 8, W systems at a time go through
    :func:`_solve_lanes` (one per vector lane); the rest one by one
    through :func:`_solve_each`, which is not specialised (it is compiled
    once, not once per size: compile time, devlog 002).
    """
    b = lo
    if X.shape[2] == 1 and n <= 8:
        TL = register_tile(X, 64, 1)
        xl = register_tile(X, 8, 1)
        tl = register_tile(X, 2, 1)
        W = TL.shape[1]
        for l in range(W):
            tl[0, l] = 0
        while b + W <= hi:
            for l in range(W):
                info[b + l] = 0
            _solve_lanes(A, X, info, b, n, TL, xl, tl)
            b += W
    _solve_each(A, X, info, b, hi, T, x)


@kernel(inline="always")
def _solve_small_dispatch(A, X, info, lo, hi, order):
    """Systems lo..hi-1: :func:`_solve_range` for a constant *order* 1..8, else one at a time.

    *order* is the systems' order n as a compile-time constant (one
    right-hand side): every loop of :func:`_solve_range` then has a
    constant trip count and LLVM unrolls it.  ``order == 0``: any n and k,
    one system at a time (:func:`_solve_each`, compiled once).
    """
    if order == 0:
        n = A.shape[1]
        big = np.empty((n, n), dtype=X.dtype)
        xbig = np.empty((1, n), dtype=X.dtype)
        _solve_each(A, X, info, lo, hi, big, xbig)
    else:
        tile = register_tile(X, 8, 1)  # 8 x 8 (float64) or 8 x 16 (float32), on the stack
        x = register_tile(X, 1, 1)  # one right-hand side of up to 8 entries
        _solve_range(A, X, info, lo, hi, order, tile, x)


def _batched_example(dtype):
    A = np.array([[[4, 1, 0], [1, 4, 1], [0, 1, 4]]], dtype)
    return A, np.ones((1, 3, 2), dtype), np.zeros(1, np.int32)


@register(
    "lu_solve_batched",
    "serial",
    "stack of small systems: LU with pivoting + solve per system (any n and k)",
    flops=lambda batch, n, k: batch * (2.0 * n**3 / 3 + 2.0 * n * n * k),
    example=_batched_example,
)
@vector_kernel
def lu_solve_batched(A, X, info):
    """Solve ``A[b] Y[b] = X[b]`` for every b of a stack of small systems.

    Parameters
    ----------
    A : (batch, n, n) ndarray, C-contiguous
        The matrices (read only; each is eliminated in a small work array).
    X : (batch, n, k) ndarray, C-contiguous
        Right-hand sides, overwritten with the solutions (left as the
        partially eliminated right-hand side where ``info[b] > 0``).
    info : (batch,) int32 ndarray
        Per-system status: 0, or ``c + 1`` for the first zero pivot.

    Notes
    -----
    Golub & Van Loan, 4th ed., Algorithm 3.4.1 with the elimination applied
    to X as it goes (3.4.3's "solving with the factored form" folded in),
    then back substitution, one system at a time.  One compiled loop over
    the stack removes the per-matrix call overhead of a LAPACK-per-matrix
    gufunc.  With one right-hand side and n <= 8 the API calls the kernel
    of that order from :func:`lu_solve_batched_order` instead.  Flops
    batch * (2n^3/3 + 2n^2 k) nominal (the whole-row updates do up to n^3
    for the factorisation); workspace one n x n and one n-vector.
    """
    _solve_small_dispatch(A, X, info, 0, A.shape[0], 0)


@register(
    "lu_solve_batched",
    "parallel",
    "stack of small systems, prange over equal parts of the stack",
    flops=lambda batch, n, k: batch * (2.0 * n**3 / 3 + 2.0 * n * n * k),
    parallel=True,
    example=_batched_example,
    extra_args=("nthreads",),
)
@vector_parallel_kernel
def lu_solve_batched_parallel(A, X, info, nthreads):
    """:func:`lu_solve_batched` with the stack split into *nthreads* equal parts."""
    batch = A.shape[0]
    parts = max(1, min(nthreads, batch))
    for t in prange(parts):
        _solve_small_dispatch(A, X, info, t * batch // parts, (t + 1) * batch // parts, 0)


@functools.cache
def lu_solve_batched_order(order: int, parallel: bool):
    """The batched solve for stacks of systems of one order (1..8) and one right-hand side.

    Returns a kernel ``(A, X, info)`` (serial) or ``(A, X, info, nthreads)``
    (parallel) with the arguments of :func:`lu_solve_batched` and *order*
    a constant of its code: W = 8 (float64) or 16 (float32) systems are
    solved together, one per vector lane (:func:`_solve_lanes`), with
    every loop over the matrix unrolled for that order; the systems left
    over go one at a time (:func:`_solve_small_vector`).  Each order is a
    kernel of its own, compiled (and cached) when it is first called:
    the eight unrolled copies in one kernel took ~37 s to compile on the
    first batched solve of any size.  Flops and workspace as
    :func:`lu_solve_batched` (stack tiles only).
    """
    if parallel:

        @vector_parallel_kernel
        def solve_order_parallel(A, X, info, nthreads):
            batch = A.shape[0]
            parts = max(1, min(nthreads, batch))
            for t in prange(parts):
                _solve_small_dispatch(A, X, info, t * batch // parts, (t + 1) * batch // parts, order)

        return solve_order_parallel

    @vector_kernel
    def solve_order(A, X, info):
        _solve_small_dispatch(A, X, info, 0, A.shape[0], order)

    return solve_order


# --------------------------------------------------------------------------
# one matrix, the whole operation in one call
# --------------------------------------------------------------------------
# At n = 3 the arithmetic of a solve is a few dozen flops; the time goes to
# getting into compiled code.  Each kernel below does a complete numpy.linalg
# operation (factor, then solve / invert / reduce the diagonal) in a single
# Numba call, so the API pays one dispatch.  They use the unblocked
# factorisation: the API calls them for the orders :func:`lu_unblocked` is
# chosen for.
@register(
    "laswp",
    "serial",
    "row interchanges of an LU factorisation applied to a right-hand side (dlaswp)",
    flops=lambda n, k=1: 0.0,
    example=lambda dtype: (np.array([1, 1], np.int32), np.ones((2, 2), dtype), True),
)
@kernel
def apply_pivots(piv, X, forward):
    """Apply LAPACK row interchanges to the rows of X in place (``dlaswp``).

    Parameters
    ----------
    piv : (k,) int32 ndarray
        0-based interchanges from an LU kernel.
    X : (n, m) ndarray
        Rows ``i`` and ``piv[i]`` are swapped for i = 0, 1, ... (``forward``,
        giving ``P X``) or for i = k-1, ..., 0 (``P^T X``).
    forward : bool
    """
    k = piv.shape[0]
    m = X.shape[1]
    for s in range(k):
        i = s if forward else k - 1 - s
        p = piv[i]
        if p != i:
            X_i = X[i]
            X_p = X[p]
            for j in range(m):
                X_i[j], X_p[j] = X_p[j], X_i[j]


@kernel
def lu_solve_factored(LU, piv, X, trans):
    """Overwrite X (n, m) with ``A^{-1} X`` (or ``A^{-T} X``) from ``P A = L U``.

    Parameters
    ----------
    LU : (n, n) ndarray
        Factors from an LU kernel; no zero on U's diagonal (not checked:
        a zero gives infs/NaNs, as LAPACK ``getrs``).
    piv : (n,) int32 ndarray
    X : (n, m) ndarray, C-contiguous, overwritten
    trans : bool
        Solve with A^T: ``U^T L^T P X = B``.

    Notes
    -----
    LAPACK ``dgetrs``: interchanges, then the unit-lower and upper
    triangular solves (:func:`jitla.kernels.triangular._trsm_kernel`), in
    the reverse order for A^T.  Flops 2 n^2 m.
    """
    if not trans:
        apply_pivots(piv, X, True)
        _trsm_kernel(LU, X, True, False, True)
        _trsm_kernel(LU, X, False, False, False)
    else:
        _trsm_kernel(LU, X, False, True, False)
        _trsm_kernel(LU, X, True, True, True)
        apply_pivots(piv, X, False)


@kernel
def _lu_solve_vector(LU, piv, x, w):
    """``x <- A^{-1} x`` from ``P A = L U`` for one right-hand side, through the contiguous work vector *w*.

    *x* may be strided (a column of an (n, 1) array); it is copied to *w*
    with the interchanges applied, solved there by the dot forms of the
    substitutions (Golub & Van Loan, 4th ed., Algorithm 3.1.1, each row of L
    and U read once, contiguous) in blocks of rows
    (:func:`jitla.kernels.condest.solve_lu_rows`), and copied back.  The row-axpy form
    (:func:`lu_solve_factored`) would read a column of LU per step, with a
    one-element axpy per row.  Flops 2n^2.
    """
    n = x.shape[0]
    for i in range(n):
        w[i] = x[i]
    for i in range(n):  # w <- P w
        p = piv[i]
        if p != i:
            w[i], w[p] = w[p], w[i]
    # the condition estimate's own substitutions: every solve has compiled them already
    solve_lu_rows_ool(LU, w)
    for i in range(n):
        x[i] = w[i]


@kernel
def _lu_solve_rhs(LU, piv, X):
    """``X <- A^{-1} X``, X (n, k): :func:`_lu_solve_vector` when k = 1, else :func:`lu_solve_factored`."""
    n = LU.shape[0]
    if X.shape[1] == 1:
        _lu_solve_vector(LU, piv, X[:, 0], np.empty(n, dtype=X.dtype))
    else:
        lu_solve_factored(LU, piv, X, False)


@kernel(driver=True)
def _solve_rhs_of(LU, piv, X):
    """``X <- A^{-1} X`` for X (n,) or (n, k): the one-vector substitution for a vector.

    The branch is on ``X.ndim``, a compile-time constant, so Numba prunes
    the other one: a solve with a vector right-hand side never compiles the
    many-column :func:`lu_solve_factored`.
    """
    if X.ndim == 1:
        _lu_solve_vector(LU, piv, X, np.empty(LU.shape[0], dtype=X.dtype))
    else:
        _lu_solve_rhs(LU, piv, X)


@register(
    "getrs",
    "serial",
    "solve with LU factors in one call: interchanges and both triangular solves (dgetrs)",
    flops=lambda n, k=1: 2.0 * n * n * k,
    example=lambda dtype: (
        np.array([[4, 1], [0.25, 3.75]], dtype),
        np.array([0, 1], np.int32),
        np.ones(2, dtype),
        False,
    ),
)
@kernel
def lu_solve_one(LU, piv, X, trans):
    """Overwrite X with ``A^{-1} X`` (or ``A^{-T} X``) from ``P A = L U``, as LAPACK ``dgetrs``.

    Parameters
    ----------
    LU : (n, n) ndarray, C-contiguous
        Factors from an LU kernel.
    piv : (n,) int32 ndarray
        0-based interchanges, each in [0, n) (not checked).
    X : (n,) or (n, k) ndarray, C-contiguous
        Right-hand side(s), overwritten with the solution.
    trans : bool
        Solve with A^T.

    Notes
    -----
    :func:`_lu_solve_rhs` for ``A x = b`` (dot forms for one right-hand
    side), :func:`lu_solve_factored` for A^T.  A zero on U's diagonal is
    divided by, column by column as LAPACK's dtrsm
    (:func:`jitla.kernels.triangular.trsm_unchecked`), so the solution
    holds the infs/NaNs of ``getrs``.  Flops 2n^2 k.
    """
    n = LU.shape[0]
    X2 = X.reshape((n, -1))
    for i in range(n):
        if LU[i, i] == 0:
            if not trans:
                apply_pivots(piv, X2, True)
                trsm_unchecked(LU, X2, True, False, True)
                trsm_unchecked(LU, X2, False, False, False)
            else:
                trsm_unchecked(LU, X2, False, True, False)
                trsm_unchecked(LU, X2, True, True, True)
                apply_pivots(piv, X2, False)
            return
    if trans:
        lu_solve_factored(LU, piv, X2, True)
    else:
        _lu_solve_rhs(LU, piv, X2)


@kernel(inline="always")
def _gecon_copy(A, LU):
    """``rcond`` by :func:`gecon_transposed` on a transposed copy of the factors; returns ``(rcond, LUT)``.

    The copy also serves the solution of a vector right-hand side
    (:func:`_solve_columns`).  Inlined into :func:`gesv` and
    :func:`gesv_tiled`: as a kernel of its own, its library (with the
    estimate's) was optimised and emitted once more than the code needs.
    Workspace n^2 for the transposed factors.
    """
    n = LU.shape[0]
    # a length and a reshape, as lu_tiled's panel buffer: no 2-D allocation to compile
    LUT = np.empty(n * n, dtype=LU.dtype).reshape((n, n))
    transpose_small(LU, LUT)
    return gecon_transposed(A, LU, LUT), LUT


@kernel(inline="always")
def _solve_columns(LUT, piv, x):
    """``x <- A^{-1} x`` for a vector x: the pivots, then :func:`solve_lu_columns` on ``LUT = LU^T``."""
    for i in range(x.shape[0]):  # x <- P x
        p = piv[i]
        if p != i:
            x[i], x[p] = x[p], x[i]
    solve_lu_columns(LUT, x)


def _one_example(dtype):
    A = np.array([[4, 1, 0], [1, 4, 1], [0, 1, 4]], dtype)
    return A, A.copy(), np.ones(3, dtype)


@register(
    "gesv",
    "unblocked",
    "one system in one call: unblocked LU with partial pivoting, rcond estimate, the two triangular solves",
    flops=lambda n, k=1: 2.0 * n**3 / 3 + 2.0 * n * n * k,
    example=_one_example,
)
@kernel
def gesv(A, LU, X):
    """Solve ``A Y = X`` for one (n, n) system, with LAPACK's condition estimate.

    Parameters
    ----------
    A : (n, n) ndarray, C-contiguous
        The matrix (read only: its 1-norm for the estimate).
    LU : (n, n) ndarray, C-contiguous
        A copy of A, overwritten with its LU factors (:func:`lu_unblocked`'s layout).
    X : (n,) or (n, k) ndarray, C-contiguous
        Right-hand side(s), overwritten with the solution (left as it was
        when A is singular).

    Returns
    -------
    info : int
        0, or ``c + 1`` for the first exactly-zero pivot (then X is unchanged).
    rcond : float
        :func:`jitla.kernels.condest.gecon`'s estimate of the reciprocal
        1-norm condition number (0 when singular).

    Notes
    -----
    LAPACK ``dgesvx`` without equilibration or refinement: ``dgetrf``
    (:func:`_lu_panel`), ``dgecon`` and ``dgetrs`` (:func:`_gecon_copy`, :func:`_solve_columns`:
    both on a transposed copy of the factors for a vector right-hand side)
    in one Numba call, so that the API pays one dispatch.  Flops 2n^3/3 +
    2n^2 k + O(n^2) for the estimate; workspace n pivots, two n-vectors
    and n^2 for the transposed factors.
    """
    n = LU.shape[0]
    piv = np.empty(n, np.int32)
    info = _lu_panel(LU, piv)
    if info != 0:
        return info, 0.0
    rcond, LUT = _gecon_copy(A, LU)
    # X.ndim is a constant of the signature: the branch not taken is pruned before typing,
    # so a vector never compiles the matrix path (nor a matrix the vector's)
    _solve_columns(LUT, piv, X) if X.ndim == 1 else _solve_rhs_of(LU, piv, X)
    return info, rcond


# gesv_blocked calls the blocked LU through a pointer: linked in, its whole tree (panel,
# TRSM, GEMM wrapper) would be optimised and emitted once more in gesv_blocked's module
_lu_blocked_ool = out_of_line(lu_blocked)


@register(
    "gesv",
    "blocked",
    "one system in one call: blocked LU (lu_blocked), rcond estimate, the two triangular solves",
    flops=lambda n, k=1: 2.0 * n**3 / 3 + 2.0 * n * n * k,
    example=_one_example,
    extra_args=("blocks", "nb"),
)
@kernel(driver=True)
def gesv_blocked(A, LU, X, blocks, nb):
    """:func:`gesv` with the factorisation by :func:`lu_blocked` (GEMM updates).

    Parameters
    ----------
    A, LU, X
        As :func:`gesv`.
    blocks : tuple of int
        ``(MC, KC, NC)`` of the packed GEMM.
    nb : int
        Panel width of :func:`lu_blocked`.

    Returns
    -------
    info, rcond : int, float
        As :func:`gesv`.

    Notes
    -----
    For the orders where the blocked factorisation is the faster one but
    the API's general path (a kernel call per step, numpy between them)
    would cost more than the arithmetic.  A separate kernel from
    :func:`gesv`, so that a program solving only small systems never
    compiles the GEMM.  Flops and workspace as :func:`gesv`, plus the
    GEMM's packing buffers.
    """
    n = LU.shape[0]
    piv = np.empty(n, np.int32)
    info = _lu_blocked_ool(LU, piv, blocks, nb)
    if info != 0:
        return info, 0.0
    rcond = gecon(A, LU)
    _solve_rhs_of(LU, piv, X)
    return info, rcond


@register(
    "gesv",
    "tiled",
    "one system in one call: tiled LU (lu_tiled), rcond estimate, the two triangular solves",
    flops=lambda n, k=1: 2.0 * n**3 / 3 + 2.0 * n * n * k,
    example=_one_example,
)
@kernel(driver=True)
def gesv_tiled(A, LU, X):
    """:func:`gesv` with the factorisation by :func:`lu_tiled`; arguments and results as :func:`gesv`.

    For the middle orders, where the tiled factorisation is the fastest and
    the general path's Python would cost more than the arithmetic.  Flops
    and workspace as :func:`gesv`, plus lu_tiled's panel buffer.
    """
    n = LU.shape[0]
    piv = np.empty(n, np.int32)
    info = lu_tiled(LU, piv)
    if info != 0:
        return info, 0.0
    rcond, LUT = _gecon_copy(A, LU)
    _solve_columns(LUT, piv, X) if X.ndim == 1 else _solve_rhs_of(LU, piv, X)  # pruned as in gesv
    return info, rcond


@kernel
def _lower_inverse(LU, X):
    """``X <- L^{-1}`` for the unit lower triangular L held below the diagonal of LU.

    Row i of L^{-1} is ``e_i - sum_{p<i} L[i, p] X[p]``, and row p of X is
    zero right of column p, so each axpy is only p + 1 long: n^3/3 flops,
    not the n^3 of a solve with the identity.  Written with plain 2-D
    indices: a row view per axpy (``X[i, :p+1]``) and a test for zero
    multipliers cost more than the arithmetic at the orders that use this
    kernel alone (n <= LU_UNBLOCKED_MAX: 5 times slower at n = 10).
    """
    n = LU.shape[0]
    for i in range(n):
        for j in range(n):
            X[i, j] = 0
    _unit_lower_rows(LU, X, 0, n)


@kernel
def _unit_lower_rows(LU, X, i0, i1):
    """Rows ``i0..i1`` of ``L_II^{-1} X_I`` in place, L_II the unit lower diagonal block of LU.

    Forward substitution by row axpys, ``X[i, :p+1] -= L[i, p] X[p, :p+1]``
    for ``i0 <= p < i``, then the unit diagonal ``X[i, i] = 1``: rows of X
    are zero right of the diagonal on entry and on exit (the axpys stop at
    column p).  Flops ``(i1 - i0)^2 i1`` at most.
    """
    for i in range(i0, i1):
        for p in range(i0, i):
            a = LU[i, p]
            for j in range(p + 1):
                X[i, j] -= a * X[p, j]  # X[i, :p+1] -= L[i, p] X[p, :p+1]
        X[i, i] = 1


@kernel
def _upper_solve_rows(LU, X):
    """``X <- U^{-1} X`` for the upper triangle U of LU, bottom row first, each row once.

    Left-looking back substitution (Golub & Van Loan, 4th ed., Alg. 3.1.2,
    row-oriented): ``X[p] = (X[p] - sum_{q>p} U[p, q] X[q]) / U[p, p]``,
    the sum accumulated in row p while the rows below it are final.  n^2 k
    flops for k columns; the diagonal must be nonzero.
    """
    n = LU.shape[0]
    k = X.shape[1]
    for p in range(n - 1, -1, -1):
        for q in range(p + 1, n):
            a = LU[p, q]
            for j in range(k):
                X[p, j] -= a * X[q, j]
        d = LU[p, p]
        for j in range(k):
            X[p, j] /= d


@kernel
def _lower_inverse_blocked(LU, X, nb, blocks):
    """``X <- L^{-1}`` as :func:`_lower_inverse`, *nb* rows at a time, most of it in a GEMM.

    With ``I = [i0, i1)`` a block of rows and X[:i0] already holding
    rows :i0 of L^{-1} (zero right of the diagonal), rows I of ``L X = E``
    read ``L_II X_I = E_I - L[I, :i0] X[:i0]``: one product
    ``X[I, :i0] = -L[I, :i0] @ X[:i0, :i0]`` (:func:`~jitla.kernels.gemm.gemm_packed`,
    which the inverse kernels link anyway for their triangular solve), then
    forward substitution with the unit lower ``L_II`` on the nb rows
    (:func:`_unit_lower_rows`).  This is the row-block form of LAPACK
    ``dtrtri``'s blocked inverse (Du Croz & Higham, IMA J. Numer. Anal. 12,
    1992, method 2C): the GEMM does 2n^3/3 flops (the zeros of X[:i0, :i0]
    above the diagonal included) where the row axpys of
    :func:`_lower_inverse` do n^3/3, but at GEMM speed.  Workspace: the
    GEMM's packing buffers.
    """
    n = LU.shape[0]
    minus_one = X.dtype.type(-1)
    for i0 in range(0, n, nb):
        i1 = min(i0 + nb, n)
        for i in range(i0, i1):
            for j in range(n):
                X[i, j] = 0
        if i0 > 0:
            gemm_packed(LU[i0:i1, :i0], X[:i0, :i0], X[i0:i1, :i0], minus_one, blocks)
        _unit_lower_rows(LU, X, i0, i1)


@kernel
def _swap_columns_back(piv, X):
    """``X <- X P`` for ``P`` the row interchanges *piv*: columns s and piv[s] swapped, last s first."""
    n = X.shape[0]
    for s in range(piv.shape[0] - 1, -1, -1):
        p = piv[s]
        if p != s:
            for i in range(n):
                X[i, s], X[i, p] = X[i, p], X[i, s]


@kernel
def _inverse_from_lu(LU, piv, X):
    """``X <- A^{-1} = U^{-1} L^{-1} P`` from the factors of ``P A = L U``.

    1. ``X <- L^{-1}`` (:func:`_lower_inverse`, n^3/3 flops);
    2. ``X <- U^{-1} X`` by back substitution (:func:`_upper_solve_rows`, n^3 flops);
    3. ``X <- X P``: the interchanges as column swaps, last first.

    2n^3 flops after the factorisation, as LAPACK ``dgetri``, against
    8n^3/3 for solving with the identity (numpy's ``dgesv`` route).  The
    ordering "form L^{-1}, then solve U X = L^{-1}" is one of those
    compared in Higham, *Accuracy and Stability of Numerical Algorithms*,
    2nd ed., Sec. 14.3 (dgetri instead forms U^{-1} and solves X L = U^{-1}).
    """
    _lower_inverse(LU, X)
    _upper_solve_rows(LU, X)
    _swap_columns_back(piv, X)


@register(
    "inv",
    "unblocked",
    "inverse in one call: unblocked LU, rcond estimate, then L^-1 and U^-1 (dgetri's work)",
    flops=lambda n: 2.0 * n**3 / 3 + 2.0 * n**3,
    example=lambda dtype: (*_one_example(dtype)[:2], np.empty((3, 3), dtype)),
)
@kernel
def lu_inverse(A, LU, X):
    """Overwrite X with ``A^{-1}``, factoring a copy of A; with LAPACK's condition estimate.

    Parameters
    ----------
    A : (n, n) ndarray, C-contiguous
        The matrix (read only).
    LU : (n, n) ndarray, C-contiguous
        A copy of A, overwritten with its LU factors.
    X : (n, n) ndarray, C-contiguous
        Overwritten with the inverse (left as it was when A is singular).

    Returns
    -------
    info, rcond : int, float
        As :func:`gesv`.

    Notes
    -----
    :func:`_lu_panel`, ``dgecon`` (:func:`gecon`), then
    :func:`_inverse_from_lu`.  Flops 2n^3/3 + 2n^3.
    """
    n = LU.shape[0]
    piv = np.empty(n, np.int32)
    info = _lu_panel(LU, piv)
    if info != 0:
        return info, 0.0
    rcond = gecon(A, LU)
    _inverse_from_lu(LU, piv, X)
    return info, rcond


@register(
    "inv",
    "blocked",
    "inverse in one call: blocked LU (lu_blocked), rcond estimate, then L^-1 and U^-1",
    flops=lambda n: 2.0 * n**3 / 3 + 2.0 * n**3,
    example=lambda dtype: (*_one_example(dtype)[:2], np.empty((3, 3), dtype)),
    extra_args=("blocks", "nb"),
)
@kernel
def lu_inverse_blocked(A, LU, X, blocks, nb):
    """:func:`lu_inverse` with the factorisation by :func:`lu_blocked`; arguments as :func:`gesv_blocked`.

    Step 2 of :func:`_inverse_from_lu`, the n^3 flops of ``U^{-1} X``, is
    :func:`jitla.kernels.triangular.trsm_blocked` with diagonal blocks of
    nb / 4 rows, so that most of it runs in the packed GEMM.
    """
    n = LU.shape[0]
    piv = np.empty(n, np.int32)
    info = lu_blocked(LU, piv, blocks, nb)
    if info != 0:
        return info, 0.0
    rcond = gecon(A, LU)
    _lower_inverse_blocked(LU, X, max(8, nb // 4), blocks)
    trsm_blocked(LU, X, False, False, False, blocks, max(8, nb // 4))
    _swap_columns_back(piv, X)
    return info, rcond


@register(
    "inv",
    "tiled",
    "inverse in one call: tiled LU (lu_tiled), rcond estimate, then L^-1 and U^-1",
    flops=lambda n: 2.0 * n**3 / 3 + 2.0 * n**3,
    example=lambda dtype: (*_one_example(dtype)[:2], np.empty((3, 3), dtype)),
    extra_args=("blocks", "nb"),
)
@kernel
def lu_inverse_tiled(A, LU, X, blocks, nb):
    """:func:`lu_inverse_blocked` with the factorisation by :func:`lu_tiled`; same arguments."""
    n = LU.shape[0]
    piv = np.empty(n, np.int32)
    info = lu_tiled(LU, piv)
    if info != 0:
        return info, 0.0
    rcond = gecon(A, LU)
    _lower_inverse_blocked(LU, X, max(8, nb // 4), blocks)
    trsm_blocked(LU, X, False, False, False, blocks, max(8, nb // 4))
    _swap_columns_back(piv, X)
    return info, rcond


@kernel
def _logdet_from_lu(LU, piv, info, with_log):
    """``(sign, logabsdet, det)`` from LU factors and the factorisation's status; see :func:`lu_slogdet`."""
    sign = 1.0
    logabsdet = 0.0
    magnitude = 1.0
    for i in range(LU.shape[0]):
        if piv[i] != i:
            sign = -sign
        d = np.float64(LU[i, i])
        if d < 0:  # a NaN leaves the sign alone, as numpy's slogdet
            sign = -sign
        magnitude *= abs(d)
        if with_log:
            logabsdet += np.log(abs(d))
    if info != 0:  # an exactly zero pivot: (0, -inf) whatever else the diagonal holds
        return 0.0, -np.inf, 0.0
    return sign, logabsdet, sign * magnitude


@register(
    "slogdet",
    "blocked",
    "sign, log|det| and det in one call: blocked LU (lu_blocked), then the diagonal",
    flops=lambda n: 2.0 * n**3 / 3,
    example=lambda dtype: (_one_example(dtype)[1], True),
    extra_args=("blocks", "nb"),
)
@kernel
def lu_slogdet_blocked(A, with_log, blocks, nb):
    """Sign, log of |det| and det of A, factoring A in place by :func:`lu_blocked`.

    Parameters
    ----------
    A : (n, n) ndarray, C-contiguous
        Overwritten with its LU factors.
    with_log : bool
        Compute logabsdet (else it is returned as 0: det needs no logarithms).
    blocks, nb
        As :func:`gesv_blocked`.

    Returns
    -------
    sign, logabsdet, det : float
        As :func:`lu_slogdet`.
    """
    piv = np.empty(A.shape[0], np.int32)
    info = lu_blocked(A, piv, blocks, nb)
    return _logdet_from_lu(A, piv, info, with_log)


@register(
    "slogdet",
    "tiled",
    "sign, log|det| and det in one call: tiled LU (lu_tiled), then the diagonal",
    flops=lambda n: 2.0 * n**3 / 3,
    example=lambda dtype: (_one_example(dtype)[1], True),
)
@kernel
def lu_slogdet_tiled(A, with_log):
    """:func:`lu_slogdet_blocked` with the factorisation by :func:`lu_tiled` (no GEMM arguments)."""
    piv = np.empty(A.shape[0], np.int32)
    info = lu_tiled(A, piv)
    return _logdet_from_lu(A, piv, info, with_log)


@kernel
def _slogdet_factored(A, piv, with_log):
    """``(sign, logabsdet, det)`` of A from LU in place with workspace *piv*; see :func:`lu_slogdet`.

    Without *with_log* logabsdet is left 0 (det alone needs no logarithms).
    """
    info = _lu_panel(A, piv)
    return _logdet_from_lu(A, piv, info, with_log)


@register(
    "slogdet",
    "unblocked",
    "sign and log|det| in one call: unblocked LU, then the diagonal",
    flops=lambda n: 2.0 * n**3 / 3,
    example=lambda dtype: (_one_example(dtype)[1],),
)
@kernel
def lu_slogdet(A):
    """Sign, log of |det| and det of A, factoring A in place.

    Parameters
    ----------
    A : (n, n) ndarray, C-contiguous
        Overwritten with its LU factors.

    Returns
    -------
    sign, logabsdet, det : float
        ``det = sign * prod |U[i, i]|`` with ``sign = (-1)^(interchanges +
        negative U[i, i])``, 0 for a singular matrix (NaNs do not change
        it); ``logabsdet = sum log |U[i, i]|`` (-inf when singular), as
        numpy.linalg.slogdet and det compute them from ``getrf``.

    Notes
    -----
    Accumulated in float64 whatever A's dtype.  Flops 2n^3/3.
    """
    return _slogdet_factored(A, np.empty(A.shape[0], np.int32), True)


@kernel(inline="always")
def _slogdet_lanes(A, b0, n, T, t, with_log):
    """Sign, log|det| and |det| of the W matrices ``A[b0 .. b0+W-1]`` at once, one per vector lane.

    W is the tile width (8 float64 / 16 float32 lanes).  ``T[i*n + j, l]``
    holds entry (i, j) of matrix ``b0 + l``; on return the rows of ``t``
    hold, per lane: 0 the sign, 1 log|det| (with *with_log*: the log of
    row 2 where that is a normal number, else the sum of the pivots' logs),
    2 |det|, 3 a 1 where a pivot was exactly zero; rows 4-7 are scratch.  Every step of
    Gaussian elimination is a loop over the W lanes with a constant trip
    count -- one vector instruction -- as in :func:`_solve_lanes`, but the
    pivoting follows dgetf2 exactly: the pivot row p is the first entry of
    largest magnitude (``idamax``), found per lane, and rows c and p are
    exchanged by blending row c with every row i > c under the mask
    ``i == p``.  Each column then makes one interchange or none, the sign
    flips once for it and once for a negative pivot (a NaN pivot flips
    nothing, as numpy's slogdet); a zero pivot leaves its column as
    dgetf2 does, and so does a zero multiplier (no ``0 * inf``).
    """
    W = T.shape[1]
    for l in range(W):
        for i in range(n):
            for j in range(n):
                T[i * n + j, l] = A[b0 + l, i, j]
    for l in range(W):
        t[0, l] = 1
        t[1, l] = 0
        t[2, l] = 1
        t[3, l] = 0
    tiny = np.finfo(T.dtype).tiny
    for c in range(n):
        cc = c * n + c
        # pivot row p (t[4]) and its magnitude (t[5]) per lane: idamax on column c
        for l in range(W):
            t[4, l] = c
            t[5, l] = abs(T[cc, l])
        for i in range(c + 1, n):
            for l in range(W):
                bigger = abs(T[i * n + c, l]) > t[5, l]
                t[4, l] = i if bigger else t[4, l]
                t[5, l] = abs(T[i * n + c, l]) if bigger else t[5, l]
        # exchange rows c and p (columns c..n-1: the others are multipliers, not needed)
        for i in range(c + 1, n):
            for j in range(c, n):
                for l in range(W):
                    swap = t[4, l] == i
                    u = T[c * n + j, l]
                    v = T[i * n + j, l]
                    T[c * n + j, l] = v if swap else u
                    T[i * n + j, l] = u if swap else v
        for l in range(W):
            d = T[cc, l]
            flip = (t[4, l] != c) != (d < 0)
            t[0, l] = -t[0, l] if flip else t[0, l]
            t[2, l] *= abs(d)
            t[3, l] = 1 if d == 0 else t[3, l]
            t[6, l] = 1 / d
        for i in range(c + 1, n):
            # multiplier (t[7]): times the reciprocal unless the pivot is below
            # the smallest normal number (dgetf2 divides then); 0 for a zero pivot
            for l in range(W):
                d = T[cc, l]
                x = T[i * n + c, l]
                a = x * t[6, l] if abs(d) >= tiny else x / d
                t[7, l] = a if d != 0 else 0
            for j in range(c + 1, n):
                for l in range(W):
                    a = t[7, l]
                    v = T[i * n + j, l]
                    T[i * n + j, l] = v - a * T[c * n + j, l] if a != 0 else v
    if with_log:
        # log|det| = log(prod |d|), one logarithm per matrix instead of n, where the
        # product is a normal number (its rounding error, n eps, is what the sum of
        # the n logarithms would make too); where it over- or underflowed, the sum
        huge = np.finfo(T.dtype).max
        for l in range(W):
            magnitude = t[2, l]
            if tiny <= magnitude <= huge:
                t[1, l] = np.log(magnitude)
            else:
                for c in range(n):
                    t[1, l] += np.log(abs(T[c * n + c, l]))


@kernel
def _slogdet_each(A, sign, logabsdet, det, lo, hi):
    """Matrices lo..hi-1 of the stack one by one (:func:`_slogdet_factored`); see :func:`slogdet_batched`."""
    n = A.shape[1]
    W = np.empty((n, n), A.dtype)
    piv = np.empty(n, np.int32)
    with_log = logabsdet.shape[0] > 0
    for b in range(lo, hi):
        W[:, :] = A[b]
        s, logabs, d = _slogdet_factored(W, piv, with_log)
        if sign.shape[0] > 0:
            sign[b] = s
        if with_log:
            logabsdet[b] = logabs
        if det.shape[0] > 0:
            det[b] = d


@kernel(inline="always")
def _slogdet_range(A, sign, logabsdet, det, n):
    """The whole stack: W matrices at a time (:func:`_slogdet_lanes`), the rest one by one."""
    T = register_tile(A, 64, 1)  # n*n <= 64 rows of W lanes, on the stack
    t = register_tile(A, 8, 1)
    W = T.shape[1]
    count = A.shape[0]
    with_log = logabsdet.shape[0] > 0
    b = 0
    while b + W <= count:
        _slogdet_lanes(A, b, n, T, t, with_log)
        for l in range(W):
            singular = t[3, l] != 0
            if sign.shape[0] > 0:
                sign[b + l] = 0 if singular else t[0, l]
            if with_log:
                logabsdet[b + l] = -np.inf if singular else t[1, l]
            if det.shape[0] > 0:
                det[b + l] = 0 if singular else t[0, l] * t[2, l]
        b += W
    _slogdet_each(A, sign, logabsdet, det, b, count)


def _slogdet_batched_example(dtype):
    A = _one_example(dtype)[0][None]
    return A, np.empty(1, dtype), np.empty(1, dtype), np.empty(1, dtype)


@register(
    "slogdet_batched",
    "serial",
    "stack of small matrices: sign, log|det| and det, W matrices per vector (n <= 8), in one call",
    flops=lambda batch, n: batch * 2.0 * n**3 / 3,
    example=_slogdet_batched_example,
)
@vector_kernel
def slogdet_batched(A, sign, logabsdet, det):
    """``sign[b]``, ``logabsdet[b]`` and ``det[b]`` of every matrix ``A[b]`` of a stack.

    Parameters
    ----------
    A : (batch, n, n) ndarray, C-contiguous
        Read only.
    sign, logabsdet, det : (batch,) or (0,) ndarray of A's dtype
        Overwritten, each unless it is empty (pass an empty array for what
        is not wanted: an empty *logabsdet* skips the logarithms).  As
        :func:`lu_slogdet`: ``det = sign * prod |U[i, i]|``; sign 0,
        logabsdet -inf and det 0 where a pivot is exactly zero; a NaN pivot
        leaves the sign alone.

    Notes
    -----
    Golub & Van Loan, 4th ed., Algorithm 3.4.1 (Gaussian elimination with
    partial pivoting), keeping only U's diagonal and the interchanges.  For
    n <= 8 the matrices go W at a time through :func:`_slogdet_lanes`, one
    per vector lane (W = 8 float64, 16 float32); the last ``batch % W``
    matrices, and every matrix when n > 8, go one at a time through the
    unblocked LU.  Unlike :func:`lu_solve_batched`, n is not made a literal
    per size: the lanes alone already make a 3 x 3 or 4 x 4 stack 3-6
    times faster than numpy, and each literal size would add seconds of
    compilation (devlog 019).
    Accumulated in A's dtype, as LAPACK's ``getrf`` + numpy do.  Flops
    batch * 2n^3/3 nominal; workspace stack tiles (n^2 + n for the
    one-at-a-time path).
    """
    n = A.shape[1]
    if n <= 8:
        _slogdet_range(A, sign, logabsdet, det, n)
    else:
        _slogdet_each(A, sign, logabsdet, det, 0, A.shape[0])


# --------------------------------------------------------------------------
# complex LU: zgetrf / zgetrs
# --------------------------------------------------------------------------
@kernel
def _whole_lines(w, itemsize):
    """w rounded up to whole 64-byte lines of entries of *itemsize* bytes."""
    line = 64 // itemsize
    return (w + line - 1) // line * line


@kernel
def _plane_stride(m, itemsize):
    """Row stride (entries) of a split-plane panel of m rows: whole 64-byte lines, plus one.

    Rows a multiple of 4 KiB apart fall into the same L1 sets (a 1024-row
    float64 panel's rows are 8 KiB apart); one spare line per row spreads
    them over the sets.
    """
    return _whole_lines(m, itemsize) + 64 // itemsize


@kernel(inline="always")
def _split_gaxpy(Yr, Yi, ur, ui, Xr, Xi, lo):
    """``y -= sum_p u_p X[p, lo : lo + len(y)]`` for complex y, u, X held as split real and imaginary parts.

    Row p of the planes ``Xr``, ``Xi`` is multiplied by ``u_p = ur[p] + i
    ui[p]``, p over ``len(ur)``, four rows per pass, so y is loaded and
    stored once per four rows; each complex product is four real fused
    multiply-adds ``y_r -= u_r x_r - u_i x_i``, ``y_i -= u_r x_i + u_i x_r``,
    the terms in ascending p (the rounding of the 1m GEMM's real kernel).
    y must not overlap the rows read.  Flops 8 len(u) len(y).
    """
    w = Yr.shape[0]
    hi = lo + w
    q = ur.shape[0]
    p = 0
    while p + 4 <= q:
        u0r = ur[p]
        u0i = ui[p]
        u1r = ur[p + 1]
        u1i = ui[p + 1]
        u2r = ur[p + 2]
        u2i = ui[p + 2]
        u3r = ur[p + 3]
        u3i = ui[p + 3]
        X0r = Xr[p, lo:hi]
        X0i = Xi[p, lo:hi]
        X1r = Xr[p + 1, lo:hi]
        X1i = Xi[p + 1, lo:hi]
        X2r = Xr[p + 2, lo:hi]
        X2i = Xi[p + 2, lo:hi]
        X3r = Xr[p + 3, lo:hi]
        X3i = Xi[p + 3, lo:hi]
        for i in range(w):
            Yr[i] = (
                Yr[i]
                - u0r * X0r[i]
                + u0i * X0i[i]
                - u1r * X1r[i]
                + u1i * X1i[i]
                - u2r * X2r[i]
                + u2i * X2i[i]
                - u3r * X3r[i]
                + u3i * X3i[i]
            )
            Yi[i] = (
                Yi[i]
                - u0r * X0i[i]
                - u0i * X0r[i]
                - u1r * X1i[i]
                - u1i * X1r[i]
                - u2r * X2i[i]
                - u2i * X2r[i]
                - u3r * X3i[i]
                - u3i * X3r[i]
            )
        p += 4
    while p < q:
        u_r = ur[p]
        u_i = ui[p]
        Xpr = Xr[p, lo:hi]
        Xpi = Xi[p, lo:hi]
        for i in range(w):
            Yr[i] = Yr[i] - u_r * Xpr[i] + u_i * Xpi[i]
            Yi[i] = Yi[i] - u_r * Xpi[i] - u_i * Xpr[i]
        p += 1


@out_of_line
@vector_kernel
def _zlu_panel_split(A, piv, buffer):
    """Left-looking unblocked complex LU (``zgetf2``) of a panel, on its transpose in split planes.

    Parameters
    ----------
    A : (m, kb) complex ndarray, rows contiguous, m >= kb
        A panel (a view into the matrix); overwritten with its L and U.
    piv : (kb,) int32 ndarray
        Overwritten with the 0-based interchanges within A.
    buffer : real ndarray, flat
        At least ``2 kb ld`` entries, ``ld = _plane_stride(m, itemsize)``:
        the planes ``T[0, j, :m]``, ``T[1, j, :m]``, the real and imaginary
        parts of column j, each row padded with zeros to ld.

    Returns
    -------
    info : int
        0, or ``k + 1`` for the first exactly zero pivot.

    Notes
    -----
    A complex row of a row-major panel is only kb numbers long, and loops
    over interleaved complex numbers do not vectorise (devlog 076); on
    split, transposed columns every step is a loop of real operations
    along contiguous rows.  Column j receives all its updates when it is
    reached (the left-looking, "gaxpy" order of Gaussian elimination;
    Golub & Van Loan, 4th ed., Ch. 3, with partial pivoting as Sec. 3.4;
    LAPACK's ``zgetf2`` is the right-looking order):

    1. its top j entries become ``U[:j, j] = L11^{-1} A[:j, j]`` (unit
       lower, one column of L11 at a time);
    2. the entries below take ``- L[j:, :j] U[:j, j]`` by
       :func:`_split_gaxpy` (four columns of L per pass);
    3. the pivot: first largest ``|re| + |im|`` (:func:`_first_largest`,
       LAPACK's ``izamax``), swapped in every column of the panel, done or
       not (the updates still owed are row by row, so they commute with
       the interchange);
    4. the multipliers: the column below the pivot times its reciprocal,
       or divided by it when its modulus is below the smallest normal
       number, as ``zgetf2``.

    Each column is loaded and stored once per four columns of L, where the
    right-looking rank-1 updates load and store every remaining column at
    every step.  Zero multipliers are not skipped (a zero times an inf is
    a NaN, as in a GEMM update).  Flops 4 kb^2 m real, less the triangle.
    """
    m, kb = A.shape
    ld = _plane_stride(m, buffer.itemsize)
    T = buffer[: 2 * kb * ld].reshape((2, kb, ld))
    for i in range(m):
        row = A[i]
        for j in range(kb):
            z = row[j]
            T[0, j, i] = z.real
            T[1, j, i] = z.imag
    for j in range(kb):
        for i in range(m, ld):
            T[0, j, i] = 0
            T[1, j, i] = 0
    Tr = T[0]
    Ti = T[1]
    info = 0
    tiny = np.finfo(T.dtype).tiny
    for j in range(min(m, kb)):
        Cr = Tr[j, :m]
        Ci = Ti[j, :m]
        # 1. U[:j, j] = L11^{-1} A[:j, j], column p of L11 (row p of T) at a time
        for p in range(j):
            ur = Cr[p]
            ui = Ci[p]
            Lr = Tr[p, p + 1 : j]
            Li = Ti[p, p + 1 : j]
            Ur = Cr[p + 1 : j]
            Ui = Ci[p + 1 : j]
            for i in range(j - p - 1):
                Ur[i] = Ur[i] - ur * Lr[i] + ui * Li[i]
                Ui[i] = Ui[i] - ur * Li[i] - ui * Lr[i]
        # 2. A[j:, j] -= L[j:, :j] U[:j, j], four columns of L per pass
        # (over whole lines: the rows' zeroed padding takes the remainder, so no scalar tail)
        hi = j + _whole_lines(m - j, T.itemsize)
        _split_gaxpy(Tr[j, j:hi], Ti[j, j:hi], Cr[:j], Ci[:j], Tr, Ti, j)
        w = m - j
        Dr = Cr[j:]
        Di = Ci[j:]
        # 3. pivot and interchange
        q = _first_largest(Dr, Di, True) + j
        piv[j] = q
        if Cr[q] != 0 or Ci[q] != 0:
            if q != j:
                for c in range(kb):
                    Tr[c, j], Tr[c, q] = Tr[c, q], Tr[c, j]
                    Ti[c, j], Ti[c, q] = Ti[c, q], Ti[c, j]
            # 4. multipliers
            d = complex(Cr[j], Ci[j])
            re = Cr[j + 1 :]
            im = Ci[j + 1 :]
            if abs(d) >= tiny:
                r = 1 / d
                rr = r.real
                ri = r.imag
                for i in range(w - 1):
                    xr = re[i]
                    xi = im[i]
                    re[i] = xr * rr - xi * ri
                    im[i] = xr * ri + xi * rr
            else:
                for i in range(w - 1):
                    z = complex(re[i], im[i]) / d
                    re[i] = z.real
                    im[i] = z.imag
        elif info == 0:
            info = j + 1
    for i in range(m):
        row = A[i]
        for j in range(kb):
            row[j] = complex(T[0, j, i], T[1, j, i])
    return info


@kernel
def zlu_blocked(A, piv, blocks, nb):
    """Factor the complex ``P A = L U`` in place, right-looking, *nb* columns at a time.

    Parameters
    ----------
    A : (m, n) complex ndarray, C-contiguous
        Overwritten with L (unit lower, below the diagonal) and U.
    piv : (min(m, n),) int32 ndarray
        Overwritten with the 0-based row interchanges (LAPACK's ipiv - 1).
    blocks : tuple of int
        ``(MC, KC, NC)`` of the real packed GEMM under :func:`zgemm_1m`.
    nb : int
        Panel width (a matrix of order <= nb is one panel).

    Returns
    -------
    info : int
        0, or ``k + 1`` for the first exactly zero pivot (the factorisation
        is completed anyway).

    Notes
    -----
    :func:`lu_blocked` with complex arithmetic (LAPACK ``zgetrf``): the
    pivot is the first entry of largest ``cabs1 = |Re| + |Im|``, as
    ``izamax``, the division by a complex pivot is Numba's complex division
    (scaled as Smith's algorithm), and the trailing update
    ``A22 -= L21 @ U12`` runs on the real packed kernel by the 1m method
    (:func:`jitla.kernels.gemm.zgemm_1m`).  Each panel is copied
    transposed into split real and imaginary planes and factored there
    left-looking (:func:`_zlu_panel_split`), where loops over interleaved
    complex numbers would not vectorise, and :func:`ztrsm` solves
    ``U12 = L11^{-1} A12`` (diagonal blocks of ib = max(4, nb // 4), the
    rest by GEMM).  Flops 8n^3/3 real (2n^3/3 complex multiply-adds);
    workspace: the panel's planes (2 nb m reals, rows padded), the expanded
    U12 (4 nb n reals) and packing buffers.
    """
    m, n = A.shape
    real = A.real.dtype
    minus_one = real.type(-1)
    info = 0
    kmax = min(m, n)
    ib = max(4, nb // 4)
    buffer = np.empty(2 * min(nb, kmax) * _plane_stride(m, A.itemsize // 2), real)
    for k0 in range(0, kmax, nb):
        kb = min(nb, kmax - k0)
        k1 = k0 + kb
        pinfo = _zlu_panel_split(A[k0:, k0:k1], piv[k0:k1], buffer)
        for i in range(k0, k1):
            piv[i] += k0
        if info == 0 and pinfo:
            info = pinfo + k0
        # the panel's interchanges, applied to the columns left and right of it
        for i in range(k0, k1):
            p = piv[i]
            if p != i:
                for j in range(k0):
                    A[i, j], A[p, j] = A[p, j], A[i, j]
                for j in range(k1, n):
                    A[i, j], A[p, j] = A[p, j], A[i, j]
        if k1 < n:
            # U12 = L11^{-1} A12 (unit lower triangular solve)
            ztrsm(A[k0:k1, k0:k1], A[k0:k1, k1:], True, 0, True, blocks, ib)
            if k1 < m:
                # trailing update A22 -= L21 @ U12
                zgemm_1m(A[k1:, k0:k1], A[k0:k1, k1:], A[k1:, k1:], minus_one, blocks)
    return info


@kernel
def zlu_solve(LU, piv, X, trans, blocks, nb):
    """Overwrite X (n, k) with ``op(A)^{-1} X`` from the complex factors of :func:`zlu_blocked`.

    Parameters
    ----------
    LU : (n, n) complex ndarray
    piv : (n,) int32 ndarray
        0-based interchanges.
    X : (n, k) complex ndarray, C-contiguous, overwritten
    trans : int
        0: ``A X = B``; 1: ``A^T X = B``; 2: ``A^H X = B`` (LAPACK 'N', 'T', 'C').
    blocks, nb
        As :func:`zlu_blocked`.

    Notes
    -----
    LAPACK ``zgetrs``: ``A = P^T L U``, so ``A X = B`` is
    ``L U X = P B`` (interchanges, then :func:`ztrsm` with unit L and with
    U); ``A^T X = B`` (``A^H``) is ``U^T L^T (P X) = B``: the two solves
    with op = T (C), then the interchanges in reverse.  A zero pivot is
    divided by.  Flops 8n^2 k real.
    """
    n = LU.shape[0]
    if trans == 0:
        for i in range(n):
            p = piv[i]
            if p != i:
                for j in range(X.shape[1]):
                    X[i, j], X[p, j] = X[p, j], X[i, j]
        ztrsm(LU, X, True, 0, True, blocks, nb)
        ztrsm(LU, X, False, 0, False, blocks, nb)
    else:
        ztrsm(LU, X, False, trans, False, blocks, nb)
        ztrsm(LU, X, True, trans, True, blocks, nb)
        for i in range(n - 1, -1, -1):
            p = piv[i]
            if p != i:
                for j in range(X.shape[1]):
                    X[i, j], X[p, j] = X[p, j], X[i, j]
