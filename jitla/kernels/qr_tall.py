"""Tall-skinny QR (m >> n): TSQR over row blocks, R only or with Q.

LAPACK's ``dgeqrf`` does not block when n is below its crossover (128 in
the reference ``ilaenv``): for a 100,000 x 50 matrix it runs ``dgeqr2``,
whose every step streams the whole trailing matrix from memory -- 50 passes
over 40 MB.  TSQR instead splits A into row blocks of ``mb`` rows that fit
in cache, factors each block independently (one pass over A, every block
factored from cache), stacks the small R factors and factors the stack:

    A = [A_0; A_1; ...; A_{p-1}],  A_i = Q_i R_i,
    [R_0; R_1; ...; R_{p-1}] = Q_S R   =>   A = diag(Q_0, ..., Q_{p-1}) Q_S R.

1. :func:`tsqr_r`           R only (``mode="r"``), serial
2. :func:`tsqr_r_parallel`  R only, ``prange`` over the row blocks
3. :func:`tsqr`             R and the reduced Q (parallel over blocks)

The row partition depends only on m, n and ``mb``, never on the thread
count, and the stacked factorisation is serial, so results are bitwise
identical for any number of threads.  R is unique only up to the signs of
its rows; TSQR's signs are those of the final factorisation of the stack,
which need not be LAPACK's.

Kernel contract: ``A`` (m, n) C-contiguous float32/float64 with m >= n
(read only); ``R`` (n, n) and ``Q`` (m, n) of the same dtype, overwritten;
``mb`` the target rows per block (at least n is used).  No checks are made
on the inputs.  Returns 0.

References: Demmel, Grigori, Hoemmen & Langou, "Communication-optimal
parallel and sequential QR and LU factorizations", SIAM J. Sci. Comput.
34(1), 2012 (TSQR, flat tree); Golub & Van Loan, 4th ed., Sec. 5.2.3.
"""

from __future__ import annotations

import numpy as np
from numba import prange, uint64

from jitla._jit import kernel, parallel_kernel, vector_kernel
from jitla.kernels._registry import register
from jitla.kernels._tile import MR, register_tile, tile_width, unit_stride_row
from jitla.kernels.qr_householder import apply_q, form_q, geqr2, householder
from jitla.kernels.tile_update import _sub_product

__all__ = [
    "gram_design",
    "gram_design_parallel",
    "gram_flops",
    "tsqr",
    "tsqr_blocks",
    "tsqr_flops",
    "tsqr_r",
    "tsqr_r_design",
    "tsqr_r_design_parallel",
    "tsqr_r_parallel",
]


def tsqr_flops(m, n):
    """Nominal flop count, that of Householder QR: ``2mn^2 - 2n^3/3`` (m >= n).

    TSQR does ``2n^3`` more per extra block (for the stacked R's); GFLOP/s
    are quoted against the standard count, as for every QR variant.
    """
    return 2.0 * m * n * n - 2.0 * n**3 / 3.0


def _tsqr_r_example(dtype):
    A = np.arange(1.0, 64.0).reshape(21, 3).astype(dtype)
    A[np.diag_indices(3)] += 10
    return A, np.empty((3, 3), dtype)


@kernel
def tsqr_blocks(m, n, mb):
    """Number of row blocks: ``max(1, m // max(mb, n))`` (each block has at least n rows)."""
    rows = max(mb, n, 1)
    return max(1, m // rows)


@kernel
def _block_bounds(m, p, b):
    """Rows ``[lo, hi)`` of block b of p (sizes differ by at most one)."""
    return b * m // p, (b + 1) * m // p


@kernel(inline="always")
def _reflect_row(v, r, t, acc):
    """``r := (I - t v v^T) r`` for contiguous rows v (``v[0] = 1`` implicit) and r.

    The dot product ``v^T r`` is summed in the ``acc.size`` interleaved
    partial sums of a register tile (a fixed order: vector lanes without
    reassociating fastmath), then the axpy ``r -= (t v^T r) v`` runs while
    r is still in L1.  Flops ``4 len(r)``.
    """
    L = r.shape[0]
    Q, W = acc.shape
    U = Q * W
    for q in range(Q):
        for l in range(W):
            acc[q, l] = 0
    i = 1
    while i + U <= L:
        for q in range(Q):
            for l in range(W):
                acc[q, l] += v[i + q * W + l] * r[i + q * W + l]
        i += U
    s = r[0]
    for q in range(Q):
        for l in range(W):
            s += acc[q, l]
    for ii in range(i, L):
        s += v[ii] * r[ii]
    s *= t
    r[0] -= s
    for ii in range(1, L):
        r[ii] -= s * v[ii]


@vector_kernel
def _factor_block(A, lo, hi, S, b, n):
    """Factor ``A[lo:hi]`` from a transposed copy, its R into rows ``b*n:(b+1)*n`` of the stack S.

    The block F is copied as ``Ft = F^T`` (n, mb), so that each Householder
    vector (a column of F) is a contiguous row of Ft, and applying it to a
    later column is one dot product and one axpy over a row that stays in
    L1 between the two (:func:`_reflect_row`): one pass over the trailing
    block per reflector, where :func:`~jitla.kernels.qr_householder.geqr2`
    on the row-major block makes two.  This is the LQ factorisation
    ``Ft = R^T Q^T`` (LAPACK ``dgelq2``) with the same reflectors
    (:func:`~jitla.kernels.qr_householder.householder`, ``dlarfg``).
    """
    mb = hi - lo
    Ft = np.empty((n, mb), dtype=A.dtype)
    # transpose in 8-row strips: 8 contiguous elements written per column
    for i0 in range(0, mb, 8):
        i1 = min(i0 + 8, mb)
        for j in range(n):
            for i in range(i0, i1):
                Ft[j, i] = A[lo + i, j]
    acc = register_tile(A, 4, 1)  # 4 vectors of partial sums
    for k in range(min(n, mb)):
        v = Ft[k, k:]
        beta, t = householder(v)
        if t != 0:
            for j in range(k + 1, n):
                _reflect_row(v, Ft[j, k:], t, acc)
    for i in range(n):
        row = S[b * n + i]
        for j in range(n):
            row[j] = Ft[j, i] if j >= i and i < mb else 0
    return mb


@kernel
def _r_of_stack(S, R):
    """R := the R factor of the stacked (p n, n) matrix S (overwritten)."""
    n = R.shape[0]
    tau = np.empty(n, dtype=S.dtype)
    geqr2(S, tau)
    for i in range(n):
        for j in range(n):
            R[i, j] = S[i, j] if j >= i else 0
    return tau


@register(
    "tsqr",
    "serial",
    "TSQR, R only: cache-sized row blocks factored one by one, then their stacked R's",
    flops=tsqr_flops,
    example=_tsqr_r_example,
    extra_args=("mb",),
)
@kernel
def tsqr_r(A, R, mb):
    """R factor of a tall-skinny A by TSQR (flat tree), serial.

    Parameters
    ----------
    A : (m, n) ndarray, m >= n
        Read only.
    R : (n, n) ndarray, overwritten
    mb : int
        Target rows per block (:func:`tsqr_blocks`); chosen so an mb x n
        block fits in L2.

    Returns
    -------
    int
        0.

    Notes
    -----
    Demmel et al. 2012, Alg. 1 with a flat (one-level) tree.  Each block
    is copied, transposed, to a workspace (A is not modified) and factored
    while it is in cache by :func:`_factor_block` (an LQ factorisation of
    the transpose: one pass over the block per reflector).
    Flops ``2mn^2 - 2n^3/3 + (p - 1) 2n^3`` for p blocks.  Workspace
    ``mb n`` + ``p n^2``.
    """
    m, n = A.shape
    p = tsqr_blocks(m, n, mb)
    S = np.empty((p * n, n), dtype=A.dtype)
    for b in range(p):
        lo, hi = _block_bounds(m, p, b)
        _factor_block(A, lo, hi, S, b, n)
    _r_of_stack(S, R)
    return 0


@register(
    "tsqr",
    "parallel",
    "TSQR, R only, prange over the row blocks",
    flops=tsqr_flops,
    example=_tsqr_r_example,
    parallel=True,
    extra_args=("mb",),
)
@parallel_kernel
def tsqr_r_parallel(A, R, mb):
    """As :func:`tsqr_r` with the row blocks factored in parallel.

    The blocks are independent and each writes its own rows of the stack:
    ``prange`` over blocks, no sharing; the stack is factored serially
    afterwards.  Same partition and results as :func:`tsqr_r` for any
    thread count.  Returns 0.
    """
    m, n = A.shape
    p = tsqr_blocks(m, n, mb)
    S = np.empty((p * n, n), dtype=A.dtype)
    for t in prange(p):
        b = np.int64(t)  # prange's index is unsigned: signed, the callees are the serial loop's compilations
        lo, hi = _block_bounds(m, p, b)
        _factor_block(A, lo, hi, S, b, n)
    _r_of_stack(S, R)
    return 0


@parallel_kernel
def tsqr(A, Q, R, mb):
    """Reduced QR of a tall-skinny A by TSQR: ``A = Q R``, Q (m, n), R (n, n).

    Parameters
    ----------
    A : (m, n) ndarray, m >= n
        Read only.
    Q : (m, n) ndarray, overwritten
    R : (n, n) ndarray, overwritten
    mb : int
        Target rows per block.

    Returns
    -------
    int
        0.

    Notes
    -----
    The block factors are kept (a copy of A holds them), the stack's Q_S
    is formed, and each block of Q is ``Q_i [Q_S block i; 0]``, applied
    with :func:`~jitla.kernels.qr_householder.apply_q` -- in parallel over
    blocks.  Flops about twice :func:`tsqr_r`'s.  Workspace ``mn + p n^2``.
    """
    m, n = A.shape
    p = tsqr_blocks(m, n, mb)
    F = A.copy()
    taus = np.empty((p, n), dtype=A.dtype)
    S = np.empty((p * n, n), dtype=A.dtype)
    for t in prange(p):
        b = np.int64(t)  # signed, as in tsqr_r_parallel: one compilation of _block_bounds
        lo, hi = _block_bounds(m, p, b)
        Fb = F[lo:hi]
        geqr2(Fb, taus[b])
        for i in range(n):
            for j in range(n):
                S[b * n + i, j] = Fb[i, j] if j >= i else 0
    tau_s = _r_of_stack(S, R)
    QS = np.empty((p * n, n), dtype=A.dtype)
    form_q(S, tau_s, QS)
    for t in prange(p):
        b = np.int64(t)
        lo, hi = _block_bounds(m, p, b)
        Qb = Q[lo:hi]
        for i in range(hi - lo):
            for j in range(n):
                Qb[i, j] = QS[b * n + i, j] if i < n else 0
        apply_q(F[lo:hi], taus[b], Qb)
    return 0


def _tsqr_design_example(dtype):
    X = np.arange(1.0, 43.0).reshape(21, 2).astype(dtype) ** 0.5
    Y = np.arange(21.0).reshape(21, 1).astype(dtype)
    w = np.empty(0, dtype)
    return X, Y, w, 1, np.empty((4, 4), dtype)


@kernel
def _factor_design_block(X, Y, w, ones, lo, hi, S, b):
    """Build rows ``lo:hi`` of ``[1 | X | Y]`` (times w) in a workspace, factor it, R into S."""
    p = X.shape[1]
    k = Y.shape[1]
    n = ones + p + k
    F = np.empty((hi - lo, n), dtype=X.dtype)
    weighted = w.shape[0] > 0
    for i in range(hi - lo):
        s = w[lo + i] if weighted else 1.0
        row = F[i]
        if ones:
            row[0] = s
        x = X[lo + i]
        for j in range(p):
            row[ones + j] = x[j] * s if weighted else x[j]
        y = Y[lo + i]
        for j in range(k):
            row[ones + p + j] = y[j] * s if weighted else y[j]
    tau = np.empty(n, dtype=X.dtype)
    geqr2(F, tau)
    for i in range(n):
        row = S[b * n + i]
        for j in range(n):
            row[j] = F[i, j] if j >= i and i < hi - lo else 0


@register(
    "tsqr_design",
    "serial",
    "TSQR, R only, of [1 | X | Y] (rows times w) built block by block: no (m, n) copy",
    flops=tsqr_flops,
    example=_tsqr_design_example,
    extra_args=("mb",),
)
@kernel
def tsqr_r_design(X, Y, w, ones, R, mb):
    """R factor of the augmented design ``diag(w) [1 | X | Y]`` by TSQR, never forming it.

    Parameters
    ----------
    X : (m, p) ndarray, C-contiguous
        Read only.
    Y : (m, k) ndarray, C-contiguous
        Read only.
    w : (m,) or (0,) ndarray
        Row weights (the square roots of regression weights); an empty
        array means all ones.  Read only.
    ones : int
        1 to put a column of ones (times w) first, 0 not to.
    R : (n, n) ndarray, overwritten; ``n = ones + p + k``
    mb : int
        Target rows per block (:func:`tsqr_blocks`).

    Returns
    -------
    int
        0.

    Notes
    -----
    :func:`tsqr_r` (Demmel et al. 2012, Alg. 1, flat tree) with the row
    block assembled from X, Y and w inside the block loop instead of copied
    from a prepared matrix: a least-squares fit needs the R factor of
    ``[1 | X | y]`` but not that matrix, so its (m, n) copy -- as large as
    the data -- is never made.  Flops as :func:`tsqr_r` plus ``m n`` for
    the assembly.  Workspace ``mb n + blocks n^2``.  No checks are made on
    the inputs.
    """
    m = X.shape[0]
    n = ones + X.shape[1] + Y.shape[1]
    nb = tsqr_blocks(m, n, mb)
    S = np.empty((nb * n, n), dtype=X.dtype)
    for b in range(nb):
        lo, hi = _block_bounds(m, nb, b)
        _factor_design_block(X, Y, w, ones, lo, hi, S, b)
    _r_of_stack(S, R)
    return 0


@register(
    "tsqr_design",
    "parallel",
    "as serial, prange over the row blocks",
    flops=tsqr_flops,
    example=_tsqr_design_example,
    parallel=True,
    extra_args=("mb",),
)
@parallel_kernel
def tsqr_r_design_parallel(X, Y, w, ones, R, mb):
    """As :func:`tsqr_r_design` with the row blocks factored in parallel (same partition, same R)."""
    m = X.shape[0]
    n = ones + X.shape[1] + Y.shape[1]
    nb = tsqr_blocks(m, n, mb)
    S = np.empty((nb * n, n), dtype=X.dtype)
    for t in prange(nb):
        b = np.int64(t)  # prange's index is unsigned: signed, the callees are the serial loop's compilations
        lo, hi = _block_bounds(m, nb, b)
        _factor_design_block(X, Y, w, ones, lo, hi, S, b)
    _r_of_stack(S, R)
    return 0


# ---------------------------------------------------------------------------------------------------
# Gram matrices of weighted tall-skinny designs (CholeskyQR)
#
# CholeskyQR (Stathopoulos & Wu 2002; Fukaya, Nakatsukasa, Yanagisawa & Yamamoto, "CholeskyQR2: a
# simple and communication-avoiding algorithm for computing a tall-skinny QR factorization on a
# large-scale parallel system", ScalA 2014; Yamamoto, Nakatsukasa, Yanagisawa & Fukaya, ETNA 44,
# 2015): the R factor of a tall-skinny F is the Cholesky factor of F^T F.  The Gram costs m n^2
# flops (half of Householder's 2 m n^2) and, unlike Householder QR of few columns, runs as a
# matrix-matrix product -- at GEMM speed instead of BLAS-2 speed.  Its accuracy depends on
# kappa(F)^2 (the Cholesky fails beyond kappa ~ eps^-1/2); a second pass over Q1 = F R1^{-1}
# (CholeskyQR2: R = R2 R1 with R2 the Cholesky factor of Q1^T Q1) restores Householder accuracy
# for kappa(F) up to ~eps^-1/2.  The caller decides which pass is needed and when to fall back
# to TSQR; these kernels only form the Gram matrices.

#: Rows of the design assembled (weighted, optionally times T) in a workspace at a time.
GRAM_BLOCK_ROWS = 512

#: Rows per partial Gram matrix.  The partial sums are added in a fixed order, so the result does
#: not depend on the thread count, and each entry is summed in ~GRAM_CHUNK_ROWS + m/GRAM_CHUNK_ROWS
#: steps instead of m.
GRAM_CHUNK_ROWS = 16384


def gram_flops(m, n):
    """Nominal flops of the Gram matrix of an (m, n) matrix: ``m n (n + 1)`` (the upper triangle)."""
    return float(m) * n * (n + 1)


def _gram_example(dtype):
    X = (np.arange(1.0, 43.0).reshape(21, 2) ** 0.5).astype(dtype)
    u = np.arange(21.0).astype(dtype)
    s = np.linspace(0.5, 1.5, 21).astype(dtype)
    return X, u, s, np.empty((0, 0), dtype), np.empty((3, 3), dtype)


@kernel(inline="always")
def _tri_tile(kc, B, ldb, i0, j0, acc, tile):
    """``acc[i0:i0+MR, j0:j0+w] += B[:kc, i0:i0+MR]^T B[:kc, j0:j0+w]`` (w = tile's width), B row-major.

    Both operands come from the same rows of the block ``B`` (leading
    dimension ldb): MR broadcasts of ``B[k, i0 + i]`` and the w-wide row
    segment ``B[k, j0:j0+w]`` per k, MR * w / lanes vector FMAs.  *tile* is
    a :func:`~jitla.kernels._tile.register_tile` of the width wanted.
    """
    w = tile.shape[1]
    for i in range(MR):
        for j in range(w):
            tile[i, j] = 0
    for k in range(kc):
        base = uint64(k) * uint64(ldb)
        for i in range(MR):
            a = B[base + uint64(i0 + i)]
            for j in range(w):
                tile[i, j] += a * B[base + uint64(j0 + j)]
    for i in range(MR):
        row = unit_stride_row(acc, i0 + i, j0, w)
        for j in range(w):
            row[j] += tile[i, j]


@kernel(inline="always")
def _tri_panel_tile(kc, B, ldb, i0, j0, acc, tile):
    """As :func:`_tri_tile` for a tile of any number of rows (the tile's first dimension)."""
    R = tile.shape[0]
    w = tile.shape[1]
    for i in range(R):
        for j in range(w):
            tile[i, j] = 0
    for k in range(kc):
        base = uint64(k) * uint64(ldb)
        for i in range(R):
            a = B[base + uint64(i0 + i)]
            for j in range(w):
                tile[i, j] += a * B[base + uint64(j0 + j)]
    for i in range(R):
        row = unit_stride_row(acc, i0 + i, j0, w)
        for j in range(w):
            row[j] += tile[i, j]


@kernel(inline="always")
def _panel_row(kc, B, ldb, i0, j0, end, acc, t3, t2, t1):
    """Columns ``j0:end`` (a whole number of t1's widths) of the row panel at i0: t3 tiles, a t2, t1 tiles."""
    rem = end - j0
    while rem >= t3.shape[1]:
        _tri_panel_tile(kc, B, ldb, i0, j0, acc, t3)
        j0 += t3.shape[1]
        rem -= t3.shape[1]
    if rem >= t2.shape[1]:
        _tri_panel_tile(kc, B, ldb, i0, j0, acc, t2)
        j0 += t2.shape[1]
        rem -= t2.shape[1]
    while rem > 0:
        _tri_panel_tile(kc, B, ldb, i0, j0, acc, t1)
        j0 += t1.shape[1]
        rem -= t1.shape[1]


@kernel(inline="always")
def gram_shift(q, acc):
    """Zero columns in front of the q real ones in the Gram workspace (:func:`_tri_update`).

    ``(-q) mod lanes`` on targets with 32 vector registers (the 8-row panels
    end at a multiple of the lanes), else 0.
    """
    lanes = 64 // acc.itemsize
    if tile_width(acc) >= 4 * lanes:
        return (lanes - q % lanes) % lanes
    return 0


@kernel(inline="always")
def _tri_update(rows, B, ldb, q, acc):
    """``acc += B[:rows]^T B[:rows]`` on and above the diagonal of its ``s + q`` columns, by register tiles.

    The q columns of the block sit at ``s:s + q`` of each row of B,
    ``s = gram_shift(q, acc)`` (zeros in front), and acc holds the Gram of
    all ``s + q`` columns (rows and columns ``s:s + q`` are the design's).

    * 32 vector registers (AVX-512): s pads ``s + q`` to a multiple of the
      lanes.  Row panels of 8 rows end at ``s + q``: the panel at i0 needs
      columns ``i0:s + q``, a whole number of chunks of lanes (float64),
      covered by 8 x 3, 2 and 1-chunk tiles (24 of the 32 registers for
      the accumulators); rows 0..7 last, by one 8-row panel, or a 4-row
      one at rows 4..7 when the first 4 are padding.  For q = 51 that is
      1,568 entries for the 1,326 of the triangle (an 8 x 8 lower triangle
      per panel and the padding of the top one), all tiles FMA-bound.
    * Otherwise (AVX2: 16 registers): MR-row panels from the chunk
      boundary at or below the diagonal by MR x 1-chunk tiles.
    """
    NR = tile_width(acc)
    lanes = 64 // acc.itemsize
    if NR >= 4 * lanes:
        t3 = register_tile(acc, 8, 3)
        t2 = register_tile(acc, 8, 2)
        t1 = register_tile(acc, 8, 1)
        h3 = register_tile(acc, 4, 3)
        h1 = register_tile(acc, 4, 1)
        qq = q + gram_shift(q, acc)
        i0 = qq - 8
        while i0 >= 8:
            _panel_row(rows, B, ldb, i0, (i0 // lanes) * lanes, qq, acc, t3, t2, t1)
            i0 -= 8
        if gram_shift(q, acc) >= 4:
            _panel_row(rows, B, ldb, 4, 0, qq, acc, h3, h1, h1)
        else:
            _panel_row(rows, B, ldb, 0, 0, qq, acc, t3, t2, t1)
    else:
        t = register_tile(acc, MR, 1)
        for ip in range((q + MR - 1) // MR):
            i0 = ip * MR
            j0 = (i0 // lanes) * lanes
            while j0 < q:
                _tri_tile(rows, B, ldb, i0, j0, acc, t)
                j0 += lanes


@vector_kernel
def _gram_chunk(X, u, s, lo, hi, acc):
    """``acc += F^T F`` on and above the diagonal for rows ``lo:hi`` of ``F = diag(s) [X | u]``.

    Each block of rows is written, weighted, into a row-major workspace
    ``B`` whose rows are padded with zeros to ``ldb`` (a multiple of one
    64-byte chunk of lanes).  Row panel ``i0:i0+MR`` of the Gram needs the
    columns ``i0:q`` only: it is covered from the chunk boundary at or
    below ``i0``, by the register tiles of :func:`_tri_update` (AVX-512:
    8-row panels, the block's columns shifted right by
    :func:`gram_shift`), whose operands are both read from the rows of
    ``B`` -- no separate packing.  acc is :func:`gram_parts`' for one chunk.
    """
    p = X.shape[1]
    extra = 1 if u.shape[0] > 0 else 0
    q = p + extra
    weighted = s.shape[0] > 0
    ldb = acc.shape[1]
    kb = GRAM_BLOCK_ROWS
    B = np.zeros(kb * ldb, dtype=X.dtype)  # the padding columns (gram_shift's and after q) stay zero
    sh = gram_shift(q, acc)
    for b0 in range(lo, hi, kb):
        rows = min(kb, hi - b0)
        for i in range(rows):
            r = b0 + i
            c = s[r] if weighted else 1.0
            x = X[r]
            row = B[i * ldb + sh : i * ldb + sh + q]  # a view from 0: the copy vectorises
            for j in range(p):
                row[j] = x[j] * c
            if extra:
                row[p] = u[r] * c
        _tri_update(rows, B, ldb, q, acc)


@vector_kernel
def _gram_chunk_t(X, u, s, T, lo, hi, acc):
    """As :func:`_gram_chunk` for ``F = diag(s) [X | u] T`` (T: register tiles of ``_sub_product``).

    A function of its own: with the product's code the copy loop of the
    plain Gram compiles to slower code.
    """
    p = X.shape[1]
    extra = 1 if u.shape[0] > 0 else 0
    q = p + extra
    weighted = s.shape[0] > 0
    ldb = acc.shape[1]
    kb = GRAM_BLOCK_ROWS
    B = np.zeros(kb * ldb, dtype=X.dtype)  # the padding columns (gram_shift's and after q) stay zero
    F = np.empty(kb * q, dtype=X.dtype)
    Qb = np.empty(kb * q, dtype=X.dtype)
    Tf = T.reshape(-1)
    sh = gram_shift(q, acc)
    for b0 in range(lo, hi, kb):
        rows = min(kb, hi - b0)
        for i in range(rows):
            r = b0 + i
            c = s[r] if weighted else 1.0
            x = X[r]
            for j in range(p):
                F[i * q + j] = x[j] * c
            if extra:
                F[i * q + p] = u[r] * c
        for t in range(rows * q):
            Qb[t] = 0.0
        _sub_product(F, 0, q, 1, Tf, 0, q, Qb, 0, q, rows, q, q, False)  # Qb = -F T
        for i in range(rows):
            row = B[i * ldb + sh : i * ldb + sh + q]
            for j in range(q):
                row[j] = -Qb[i * q + j]
        _tri_update(rows, B, ldb, q, acc)


@kernel(inline="always")
def gram_parts(nc, q, like):
    """Zeroed partial Grams of :func:`_tri_update` for nc chunks of a q-column design (*like*'s dtype).

    ``(nc, R, L)``: L the columns padded to whole chunks of lanes (with
    :func:`gram_shift`'s in front), R rows enough for the row panels.
    """
    lanes = 64 // like.itemsize
    L = (q + lanes - 1) // lanes * lanes
    R = max((q + MR - 1) // MR * MR, L)
    return np.zeros((nc, R, L), dtype=like.dtype)


@kernel
def _gram_reduce(parts, G):
    """``G = sum(parts)`` on the upper triangle, in chunk order, mirrored to the lower."""
    q = G.shape[0]
    sh = gram_shift(q, parts)
    for i in range(q):
        for j in range(i, q):
            t = 0.0
            for c in range(parts.shape[0]):
                t += parts[c, sh + i, sh + j]
            G[i, j] = t
            G[j, i] = t


@register(
    "gram_design",
    "serial",
    "Gram matrix of diag(s) [X | u] (times T), row blocks through register tiles along the upper triangle",
    flops=lambda m, n: gram_flops(m, n),
    example=_gram_example,
)
@kernel
def gram_design(X, u, s, T, G):
    """Gram matrix ``F^T F`` of ``F = diag(s) [X | u]`` (or ``diag(s) [X | u] T``), never forming F.

    Parameters
    ----------
    X : (m, p) ndarray, C-contiguous
        Read only.
    u : (m,) or (0,) ndarray
        An extra last column (a working residual: the last row of G is then
        ``X^T diag(s)^2 u``); empty for none.  Read only.
    s : (m,) or (0,) ndarray
        Row weights (square roots of regression weights); empty: ones.
    T : (q, q) or (0, 0) ndarray, C-contiguous
        Applied on the right of each weighted row (``R1^{-1}`` for the
        second pass of CholeskyQR2); empty for none.
    G : (q, q) ndarray, overwritten; ``q = p + 1`` with u, else p

    Returns
    -------
    int
        0.

    Notes
    -----
    Rows are assembled, :data:`GRAM_BLOCK_ROWS` at a time, in a workspace
    that stays in cache, and each block's ``F_b^T F_b`` is accumulated by
    register tiles that follow the upper triangle (:func:`_tri_update`:
    8 x 24, 8 x 16 and 8 x 8 on AVX-512); partial sums over :data:`GRAM_CHUNK_ROWS` rows
    are added in a fixed order.  Flops ``m q (q + 1)`` (plus ``2 m q^2``
    with T); workspace ``GRAM_BLOCK_ROWS q`` (twice with T) and
    ``q^2 ceil(m / GRAM_CHUNK_ROWS)``.  No checks are made on the inputs.
    """
    m = X.shape[0]
    q = G.shape[0]
    nc = max(1, (m + GRAM_CHUNK_ROWS - 1) // GRAM_CHUNK_ROWS)
    parts = gram_parts(nc, q, X)
    for c in range(nc):
        lo, hi = c * GRAM_CHUNK_ROWS, min(m, (c + 1) * GRAM_CHUNK_ROWS)
        if T.shape[0] > 0:
            _gram_chunk_t(X, u, s, T, lo, hi, parts[c])
        else:
            _gram_chunk(X, u, s, lo, hi, parts[c])
    _gram_reduce(parts, G)
    return 0


@register(
    "gram_design",
    "parallel",
    "as serial, prange over the row chunks (same partition and order of sums: same G)",
    flops=lambda m, n: gram_flops(m, n),
    example=_gram_example,
    parallel=True,
)
@parallel_kernel
def gram_design_parallel(X, u, s, T, G):
    """As :func:`gram_design` with the row chunks in parallel (bitwise the same G for any thread count)."""
    m = X.shape[0]
    q = G.shape[0]
    nc = max(1, (m + GRAM_CHUNK_ROWS - 1) // GRAM_CHUNK_ROWS)
    parts = gram_parts(nc, q, X)
    for c in prange(nc):
        lo, hi = c * GRAM_CHUNK_ROWS, min(m, (c + 1) * GRAM_CHUNK_ROWS)
        if T.shape[0] > 0:
            _gram_chunk_t(X, u, s, T, lo, hi, parts[c])
        else:
            _gram_chunk(X, u, s, lo, hi, parts[c])
    _gram_reduce(parts, G)
    return 0
