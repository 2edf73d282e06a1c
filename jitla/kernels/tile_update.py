"""Small trailing updates ``C -= A @ B`` inside one row-major matrix, in register tiles.

The right-looking factorisations at small and middle orders (n up to a few
hundred) spend most of their flops in updates of depth 8-16:
``A22 -= L21 @ U12`` for LU, ``A22 -= L21 @ L21^T`` for Cholesky.  At those
shapes the packed GEMM (:func:`jitla.kernels.gemm.gemm_packed`) costs more
in packing and buffer allocation than in arithmetic (devlog 020: 88 x 12 x
88 took 9 us against numpy's 4.9).  :func:`sub_product` does the update
with no packing: each register tile of C is loaded once, gets the k
rank-1 updates from a row of B (vector loads) and a column of A
(broadcasts), and is stored once.

Operands are addressed in the flat storage ``F`` of one C-contiguous
matrix (its ``reshape(-1)``) with leading dimension ``ld``: A (m x k) starts
at ``F[a0]``, B (k x n) at ``F[b0]``, C (m x n) at ``F[c0]``, row i of each
``ld`` elements after row i - 1.  A 2-D view such as ``A[k1:, k1:]`` has
Numba layout 'A' (unknown inner stride), and loops over it compile to
scalar code; offsets into a 1-D contiguous array keep the unit stride
visible to LLVM.  Indices are unsigned so that Numba emits no
negative-index wraparound.

Edges are done by overlap, not by scalar remainder loops: the last tile of
a strip is moved back to end at the edge, computed in full (its loads stay
inside the matrix), and stored only in the rows and columns the regular
tiles did not cover -- the others are written back as they were, with a
vector select.  Only a strip narrower than one vector (< 8 float64
columns) goes entry by entry.

Each entry is ``C[i, j] - A[i, 0] B[0, j] - ... - A[i, k-1] B[k-1, j]`` in
that order, with fused multiply-adds (the rounding of the right-looking
rank-1 updates of the unblocked kernels, fused).

References: Goto & van de Geijn, ACM TOMS 34(3), 2008 (the register tile
of GEBP, here without packing); Van Zee & van de Geijn, BLIS, ACM TOMS
41(3), 2015, Sec. 3.  Flops 2mnk.
"""

from __future__ import annotations

from numba import uint64

from jitla._jit import vector_kernel
from jitla.kernels._tile import register_tile, tile_width

#: Rows of C per register tile: each k step broadcasts this many entries of A.
TILE_ROWS = 4


@vector_kernel(inline="always")
def _sub_tile(F, ld, a0, b0, c0, k, rows, chunks, rskip, lskip):
    """One tile ``C[0:rows, 0:W] -= A[0:rows] @ B[:, 0:W]`` (W = chunks x 64 bytes), offsets as :func:`sub_product`.

    Stores only rows ``>= rskip`` and columns ``>= lskip`` of the tile; the
    rest is written back unchanged (a select, so the tile stays in
    registers).  *rows* and *chunks* are integer literals.
    """
    acc = register_tile(F, rows, chunks)
    R, W = acc.shape
    uld = uint64(ld)
    for r in range(R):
        c = uint64(c0) + uint64(r) * uld
        for l in range(W):
            acc[r, l] = F[c + uint64(l)]
    for p in range(k):
        b = uint64(b0) + uint64(p) * uld
        for r in range(R):
            a = F[uint64(a0) + uint64(r) * uld + uint64(p)]
            for l in range(W):
                acc[r, l] -= a * F[b + uint64(l)]  # acc -= outer(A[:, p], B[p, :])
    for r in range(R):
        c = uint64(c0) + uint64(r) * uld
        keep = r >= rskip
        for l in range(W):
            old = F[c + uint64(l)]
            F[c + uint64(l)] = acc[r, l] if keep and l >= lskip else old


@vector_kernel(inline="always")
def _column_strip(F, ld, a0, b0, c0, m, k, chunks, lskip):
    """All m rows of one strip of W columns: TILE_ROWS-row tiles, the last one overlapping."""
    i = 0
    while i + TILE_ROWS <= m:
        _sub_tile(F, ld, a0 + i * ld, b0, c0 + i * ld, k, TILE_ROWS, chunks, 0, lskip)
        i += TILE_ROWS
    if i < m:
        if m >= TILE_ROWS:
            s = m - TILE_ROWS
            _sub_tile(F, ld, a0 + s * ld, b0, c0 + s * ld, k, TILE_ROWS, chunks, i - s, lskip)
        else:
            for r in range(i, m):
                _sub_tile(F, ld, a0 + r * ld, b0, c0 + r * ld, k, 1, chunks, 0, lskip)


@vector_kernel
def sub_product(F, ld, a0, b0, c0, m, n, k):
    """``C -= A @ B`` for A (m x k), B (k x n), C (m x n) stored in the flat row-major array F.

    Parameters
    ----------
    F : 1-D ndarray, C-contiguous
        The storage of one C-ordered matrix with *ld* columns (``M.reshape(-1)``).
    ld : int
        Its leading dimension (row length).
    a0, b0, c0 : int
        Offsets of ``A[0, 0]``, ``B[0, 0]`` and ``C[0, 0]`` in F.
    m, n, k : int
        The shapes.  C must not overlap A or B.

    Notes
    -----
    Strips of 16 columns where the target has 32 vector registers of 64
    bytes (4 x 16 float64: 8 zmm accumulators), else of 8 (4 x 8: 8 ymm
    accumulators with AVX2), each covered by 4-row tiles; the edges
    overlap (see the module notes).  Flops 2mnk; no workspace.
    """
    W = 64 // F.itemsize
    j0 = 0
    if tile_width(F) >= 4 * W:  # 32 lanes of float64: 32 registers of 64 bytes (AVX-512)
        while j0 + 2 * W <= n:
            _column_strip(F, ld, a0, b0 + j0, c0 + j0, m, k, 2, 0)
            j0 += 2 * W
    while j0 + W <= n:
        _column_strip(F, ld, a0, b0 + j0, c0 + j0, m, k, 1, 0)
        j0 += W
    if j0 < n:
        if n >= W:
            s = n - W
            _column_strip(F, ld, a0, b0 + s, c0 + s, m, k, 1, j0 - s)
        else:
            # fewer than W columns in all: entry by entry
            for i in range(m):
                for j in range(j0, n):
                    t = F[c0 + i * ld + j]
                    for p in range(k):
                        t -= F[a0 + i * ld + p] * F[b0 + p * ld + j]
                    F[c0 + i * ld + j] = t
