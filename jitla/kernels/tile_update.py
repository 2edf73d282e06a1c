"""Small trailing updates ``C -= A @ B`` inside one row-major matrix, in register tiles.

The right-looking factorisations at small and middle orders (n up to a few
hundred) spend most of their flops in updates of depth 8-16:
``A22 -= L21 @ U12`` for LU, ``A22 -= L21 @ L21^T`` for Cholesky.  At those
shapes the packed GEMM (:func:`jitla.kernels.gemm.gemm_packed`) costs more
in packing and buffer allocation than in arithmetic (devlog 020: 88 x 12 x
88 took 9 us against numpy's 4.9).  :func:`tile_update` does the update
with no packing: each register tile of C is loaded once, gets the k
rank-1 updates from a row of B (vector loads) and a column of A
(broadcasts), and is stored once.

B and C are addressed in the flat storage ``F`` of one C-contiguous
matrix (its ``reshape(-1)``) with leading dimension ``ld``: B (k x n) at
``F[b0]``, C (m x n) at ``F[c0]``, row i of each ``ld`` elements after row
i - 1.  A (m x k) is read from its transpose stored by rows, in F or in
another flat array: column p of A is contiguous, so the R broadcasts of a
k step sit at fixed offsets from one pointer.  That is how both callers
hold it -- LU's panel is factored in a transposed buffer, Cholesky's
``U12^T`` is the rows of U12 -- and it keeps the address arithmetic of the
inner loop to one increment per step.  A 2-D view such as ``A[k1:, k1:]`` has
Numba layout 'A' (unknown inner stride), and loops over it compile to
scalar code; offsets into a 1-D contiguous array keep the unit stride
visible to LLVM.  Indices are unsigned so that Numba emits no
negative-index wraparound.

Edges are done by overlap, not by scalar remainder loops: the last tile of
a strip is moved back to end at the edge, computed in full (its loads stay
inside the matrix), and stored only in the rows and columns the regular
tiles did not cover (a per-row bound on the column; the diagonal tiles of
the upper update use the same bound).  Only an update narrower than one
strip (16 float64 columns with AVX-512, 8 with AVX2) or shorter than one
tile goes by row axpys.

Each entry is ``C[i, j] - A[i, 0] B[0, j] - ... - A[i, k-1] B[k-1, j]`` in
that order, with fused multiply-adds (the rounding of the right-looking
rank-1 updates of the unblocked kernels, fused).

One body, :func:`tile_update`, serves LU's ``C -= A @ B`` and Cholesky's
``C -= U^T U`` (the upper-triangle mask a flag),
and the factorisations call it out of line (:func:`jitla._jit.out_of_line`):
its unrolled register tiles are the costliest code of the LU / Cholesky
family to compile, and a pointer call keeps them from being optimised again
in every kernel above (``lu_tiled``, ``gesv_tiled``, ``cholesky_tiled``,
``cholesky_lower_tiled``, ...).  Within it, the regular tiles and the
overlapping edge tiles are one inlined copy of the tile (the edge bounds are
run-time values, tested once per tile before the stores), of one width
known at typing (:func:`jitla.kernels._tile.strip_chunks`): a second copy
for the narrow strips cost about 0.3 s of every cold process that factors
(devlog 092).

References: Goto & van de Geijn, ACM TOMS 34(3), 2008 (the register tile
of GEBP, here without packing); Van Zee & van de Geijn, BLIS, ACM TOMS
41(3), 2015, Sec. 3.  Flops 2mnk.
"""

from __future__ import annotations

from numba import uint64

from jitla._jit import out_of_line, vector_kernel
from jitla.kernels._tile import register_tile, strip_chunks, tile_width

#: Rows of C per register tile: each k step broadcasts this many entries of A.
TILE_ROWS = 4


@vector_kernel(inline="always")
def _tile(FA, a0, lda, F, ld, b0, c0, k, rows, chunks, rskip, lskip, dskip):
    """One tile ``C[0:rows, 0:W] -= A[0:rows] @ B[:, 0:W]`` (W = chunks x 64 bytes) of :func:`tile_update`.

    Entry (r, p) of A is ``FA[a0 + p*lda + r]``, (p, l) of B
    ``F[b0 + p*ld + l]``, (r, l) of C ``F[c0 + r*ld + l]``.  Stores only
    the entries with ``r >= rskip``, ``l >= lskip`` and ``l - r >= dskip``
    (the others are left as they are), tested as one bound on l per row; a
    tile with nothing to mask (every regular tile) takes plain stores.
    *rows* and *chunks* are integer literals.
    """
    acc = register_tile(F, rows, chunks)
    R, W = acc.shape
    uld = uint64(ld)
    ulda = uint64(lda)
    for r in range(R):
        c = uint64(c0) + uint64(r) * uld
        for l in range(W):
            acc[r, l] = F[c + uint64(l)]
    for p in range(k):
        b = uint64(b0) + uint64(p) * uld
        ap = uint64(a0) + uint64(p) * ulda  # A[:, p] is contiguous: R broadcasts at fixed offsets
        for r in range(R):
            a = FA[ap + uint64(r)]
            for l in range(W):
                acc[r, l] -= a * F[b + uint64(l)]  # acc -= outer(A[:, p], B[p, :])
    if rskip == 0 and lskip == 0 and dskip <= 1 - R:
        for r in range(R):
            c = uint64(c0) + uint64(r) * uld
            for l in range(W):
                F[c + uint64(l)] = acc[r, l]
    else:
        for r in range(R):
            c = uint64(c0) + uint64(r) * uld
            # the row's first stored column, one scalar per row: a select on l - r (or any
            # blend of acc with the old entries) lets the SLP vectoriser repack the whole
            # tile's k loop across rows, at half the speed
            first = max(lskip, dskip + r) if r >= rskip else W
            for l in range(W):
                if l >= first:
                    F[c + uint64(l)] = acc[r, l]


@vector_kernel
def tile_update(FA, a0, lda, F, ld, b0, c0, m, n, k, upper):
    """``C -= A @ B``, B and C in the flat row-major F, A^T stored by rows; *upper*: only ``C[i, j]``, j >= i.

    Parameters
    ----------
    FA : 1-D ndarray, C-contiguous
        Holds A (m x k) by columns: entry (i, p) is ``FA[a0 + p*lda + i]``
        (A^T stored by rows with leading dimension *lda*: LU's transposed
        panel buffer, or Cholesky's U12 rows, A = U12^T).  May be F itself.
    a0, lda : int
        Offset of ``A[0, 0]`` in FA and the distance between its columns.
    F : 1-D ndarray, C-contiguous
        The storage of one C-ordered matrix with *ld* columns (``M.reshape(-1)``).
    ld : int
        Its leading dimension (row length): the row stride of B and C.
    b0, c0 : int
        Offsets of ``B[0, 0]`` (k x n) and ``C[0, 0]`` (m x n) in F.
    m, n, k : int
        The shapes.  C must not overlap A or B.
    upper : bool
        Update only on and above C's diagonal (C square); the strict lower
        triangle is never written.

    Notes
    -----
    Strips of 16 columns where the target has 32 vector registers of 64
    bytes (4 x 16 float64: 8 zmm accumulators), else of 8 (4 x 8: 8 ymm
    accumulators with AVX2), each covered by 4-row tiles; the edges
    overlap (see the module notes).  Fewer columns than one strip, or
    fewer than 4 rows: row axpys.  Flops 2mnk (n^2 k with *upper*, plus the discarded
    lower halves of the diagonal tiles); no workspace.
    """
    W = 64 // F.itemsize
    CH = strip_chunks(F)  # a literal: 2 (AVX-512) or 1
    S = CH * W
    if n < S or m < TILE_ROWS:
        # too small for one tile: row axpys (each entry gets the same k updates in the same order)
        for i in range(m):
            j_lo = i if upper else 0
            for p in range(k):
                a = FA[a0 + p * lda + i]
                c = c0 + i * ld
                b = b0 + p * ld
                for j in range(j_lo, n):
                    F[c + j] -= a * F[b + j]
        return
    # strips of S columns, each in 4-row tiles; the last strip and the last tile of each
    # move back to end at the edge.  With upper, a strip stops at the rows below its last
    # column, and its tiles store only on and above the diagonal.  One strip width, known
    # at typing, so the tile is inlined once.
    R = TILE_ROWS
    j0 = 0
    while j0 < n:
        t = min(j0, n - S)
        end = min(m, t + S) if upper else m
        i = 0
        while i < end:
            s = min(i, end - R)
            dskip = s - t if upper else -R
            _tile(FA, a0 + s, lda, F, ld, b0 + t, c0 + s * ld + t, k, R, CH, i - s, j0 - t, dskip)
            i += R
        j0 += S


#: :func:`tile_update` through a pointer: the one compiled copy that LU and Cholesky share.
tile_update_ool = out_of_line(tile_update)


# --------------------------------------------------------------------------
# the general form with three arrays and any strides of A, inlined into its callers
# (the Gram kernels of qr_tall.py); LU and Cholesky use tile_update above
# --------------------------------------------------------------------------
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
