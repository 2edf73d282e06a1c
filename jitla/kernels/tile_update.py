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
def _lu_tile(F, ld, a0, b0, c0, k, rows, chunks, rskip, lskip):
    """One tile ``C[0:rows, 0:W] -= A[0:rows] @ B[:, 0:W]`` (W = chunks x 64 bytes) of :func:`sub_product`.

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
        _lu_tile(F, ld, a0 + i * ld, b0, c0 + i * ld, k, TILE_ROWS, chunks, 0, lskip)
        i += TILE_ROWS
    if i < m:
        if m >= TILE_ROWS:
            s = m - TILE_ROWS
            _lu_tile(F, ld, a0 + s * ld, b0, c0 + s * ld, k, TILE_ROWS, chunks, i - s, lskip)
        else:
            for r in range(i, m):
                _lu_tile(F, ld, a0 + r * ld, b0, c0 + r * ld, k, 1, chunks, 0, lskip)


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


@vector_kernel(inline="always")
def _sub_tile(FA, a0, ars, acs, FB, b0, ldb, FC, c0, ldc, k, rows, chunks, rskip, lskip, dskip):
    """One tile ``C[0:rows, 0:W] -= A[0:rows] @ B[:, 0:W]`` (W = chunks x 64 bytes).

    Entry (i, p) of A is ``FA[a0 + i*ars + p*acs]``, (p, j) of B
    ``FB[b0 + p*ldb + j]``, (i, j) of C ``FC[c0 + i*ldc + j]``.  Stores only
    the entries with ``r >= rskip``, ``l >= lskip`` and ``l - r >= dskip``;
    the rest is written back unchanged (a select, so the tile stays in
    registers).  *rows* and *chunks* are integer literals.
    """
    acc = register_tile(FC, rows, chunks)
    R, W = acc.shape
    for r in range(R):
        c = uint64(c0) + uint64(r) * uint64(ldc)
        for l in range(W):
            acc[r, l] = FC[c + uint64(l)]
    for p in range(k):
        b = uint64(b0) + uint64(p) * uint64(ldb)
        ap = uint64(a0) + uint64(p) * uint64(acs)
        for r in range(R):
            a = FA[ap + uint64(r) * uint64(ars)]
            for l in range(W):
                acc[r, l] -= a * FB[b + uint64(l)]  # acc -= outer(A[:, p], B[p, :])
    for r in range(R):
        c = uint64(c0) + uint64(r) * uint64(ldc)
        keep = r >= rskip
        for l in range(W):
            old = FC[c + uint64(l)]
            FC[c + uint64(l)] = acc[r, l] if keep and l >= lskip and l - r >= dskip else old


@vector_kernel(inline="always")
def _row_block(FA, a0, ars, acs, FB, b0, ldb, FC, c0, ldc, j_lo, n, k, rows, rskip, dskip0):
    """Columns j_lo..n-1 of a block of *rows* rows (a literal), in strips of 2W or W columns.

    *dskip0* is the diagonal mask of a strip starting at column 0 (see
    :func:`_sub_tile`); a strip starting at j0 gets ``dskip0 - j0``.
    """
    W = 64 // FC.itemsize
    j0 = j_lo
    if tile_width(FC) >= 4 * W:  # 32 lanes of float64: 32 registers of 64 bytes (AVX-512)
        while j0 + 2 * W <= n:
            _sub_tile(FA, a0, ars, acs, FB, b0 + j0, ldb, FC, c0 + j0, ldc, k, rows, 2, rskip, 0, dskip0 - j0)
            j0 += 2 * W
    while j0 + W <= n:
        _sub_tile(FA, a0, ars, acs, FB, b0 + j0, ldb, FC, c0 + j0, ldc, k, rows, 1, rskip, 0, dskip0 - j0)
        j0 += W
    if j0 < n:
        s = n - W
        _sub_tile(FA, a0, ars, acs, FB, b0 + s, ldb, FC, c0 + s, ldc, k, rows, 1, rskip, j0 - s, dskip0 - s)


@vector_kernel(inline="always")
def _sub_product(FA, a0, ars, acs, FB, b0, ldb, FC, c0, ldc, m, n, k, upper):
    """:func:`sub_product` with A's strides given, and *upper*: only ``C[i, j]`` with j >= i."""
    W = 64 // FC.itemsize
    if n < W:
        # fewer than W columns in all: entry by entry
        for i in range(m):
            for j in range(i if upper else 0, n):
                t = FC[c0 + i * ldc + j]
                for p in range(k):
                    t -= FA[a0 + i * ars + p * acs] * FB[b0 + p * ldb + j]
                FC[c0 + i * ldc + j] = t
        return
    R = TILE_ROWS
    i = 0
    while i + R <= m:
        j_lo = min(i, n - W) if upper else 0
        dskip0 = i if upper else -n
        _row_block(FA, a0 + i * ars, ars, acs, FB, b0, ldb, FC, c0 + i * ldc, ldc, j_lo, n, k, R, 0, dskip0)
        i += R
    if i < m:
        if m >= R:
            s = m - R
            j_lo = min(s, n - W) if upper else 0
            dskip0 = s if upper else -n
            _row_block(
                FA, a0 + s * ars, ars, acs, FB, b0, ldb, FC, c0 + s * ldc, ldc, j_lo, n, k, R, i - s, dskip0
            )
        else:
            for r in range(i, m):
                j_lo = min(r, n - W) if upper else 0
                dskip0 = r if upper else -n
                _row_block(
                    FA, a0 + r * ars, ars, acs, FB, b0, ldb, FC, c0 + r * ldc, ldc, j_lo, n, k, 1, 0, dskip0
                )


@vector_kernel
def syrk_upper(F, ld, u0, c0, n, k):
    """``C -= U^T U`` on and above the diagonal of C, for U (k x n) and C (n x n) in the flat row-major F.

    Parameters
    ----------
    F : 1-D ndarray, C-contiguous
        The storage of one C-ordered matrix with *ld* columns.
    ld : int
        Its leading dimension.
    u0, c0 : int
        Offsets of ``U[0, 0]`` and ``C[0, 0]`` in F.
    n, k : int
        The shapes.  C must not overlap U.

    Notes
    -----
    The upper-triangle update of a right-looking Cholesky (``A22 -= U12^T
    U12``, LAPACK ``dsyrk``), by the tiles of :func:`sub_product`: A's
    entry (i, p) is ``U[p, i]`` (read as broadcasts, so its column order
    costs nothing), each block of rows starts at its diagonal, and the
    diagonal tiles store only their upper part -- C's strict lower
    triangle is never written.  Flops n^2 k (plus the diagonal tiles'
    lower halves, computed and discarded).
    """
    _sub_product(F, u0, 1, ld, F, u0, ld, F, c0, ld, n, n, k, True)
