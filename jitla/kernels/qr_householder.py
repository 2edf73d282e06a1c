"""Householder QR as a progression: reflector, unblocked, blocked compact-WY, parallel.

1. :func:`householder`     one stable reflector (LAPACK ``dlarfg``)
2. :func:`geqr2`           unblocked QR, one reflector at a time (LAPACK ``dgeqr2``)
3. :func:`geqrf`           blocked compact-WY QR, GEMM-rich trailing update (``dgeqrf``)
4. :func:`geqrf_parallel`  :func:`geqrf` with the trailing update split over threads

and the operations on the factored form: :func:`apply_qt` (``B := Q^T B``),
:func:`apply_q` (``B := Q B``), both without forming Q, and :func:`form_q`
(the first columns of Q, LAPACK ``dorg2r``) with its blocked form
:func:`orgqr` (``dorgqr``).

Storage (all variants, LAPACK's): after the factorisation of the (m, n)
matrix ``A``, ``R`` is on and above the diagonal of ``A``, and the
Householder vector ``v_j`` of reflector ``H_j = I - tau[j] v_j v_j^T`` is
below the diagonal of column ``j`` (``v_j[j] = 1`` implicit, zeros above).
``Q = H_0 H_1 ... H_{k-1}``, ``k = min(m, n)``.

Row-major layout
----------------
A reflector works on a *column* of A, which in a C-order array is strided.
Two ways out were considered: factor the transpose (an LQ factorisation of
``A^T``, whose rows are contiguous) or keep LAPACK's storage and arrange
the hot loops along rows.  This module does the latter: only the O(mn)
work of generating each reflector (its norm and scaling) walks a column;
the O(mn^2) work of applying it to the trailing matrix is two row-oriented
passes (``w = v^T B`` as a sum of row axpys, then ``B -= tau v w^T`` as
row axpys), unit stride and vectorised.  So the interface (and the storage
the least-squares and refinement code reads) stays LAPACK's, and numpy's
``mode="raw"`` layout is simply ``A.T`` of it.

Kernel contract: ``A`` (m, n), ``B``, ``Q`` C-contiguous float32/float64,
``tau`` of length ``min(m, n)`` of the same dtype.  No checks are made on
the inputs.  Every kernel returns 0 (a LAPACK-style ``info``).

Flops: ``2mn^2 - 2n^3/3`` for the factorisation (m >= n; LAPACK's count
``2nm^2 - 2m^3/3`` when m < n).  References: Golub & Van Loan, *Matrix
Computations*, 4th ed., Sec. 5.1 (Householder reflections), 5.2.2
(Householder QR, Alg. 5.2.1), 5.2.3 (block Householder QR, Alg. 5.2.2);
Schreiber & Van Loan, "A storage-efficient WY representation for products
of Householder transformations", SIAM J. Sci. Stat. Comput. 10(1), 1989;
LAPACK ``dlarfg``, ``dlarf``, ``dgeqr2``, ``dlarft``, ``dlarfb``,
``dgeqrf``, ``dorm2r``, ``dorg2r``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from jitla._jit import kernel, parallel_kernel, vector_kernel
from jitla.kernels._registry import register
from jitla.kernels._tile import MR, register_tile, tile_width, unit_stride_row
from jitla.kernels.gemm import _I0, packed_region
from jitla.kernels.level1 import round_up

__all__ = [
    "apply_q",
    "apply_q_blocked",
    "apply_qt",
    "form_q",
    "geqr2",
    "geqr2_q_r",
    "geqrf",
    "geqrf_parallel",
    "householder",
    "orgqr",
    "qr_flops",
]


def qr_flops(m, n):
    """Nominal Householder QR flop count: ``2mn^2 - 2n^3/3`` (m >= n), else ``2nm^2 - 2m^3/3``."""
    if m >= n:
        return 2.0 * m * n * n - 2.0 * n**3 / 3.0
    return 2.0 * n * m * m - 2.0 * m**3 / 3.0


def _qr_example(dtype):
    """Operands of a tiny QR call (for :func:`jitla.warmup`)."""
    A = np.arange(1.0, 36.0).reshape(7, 5).astype(dtype)
    A[np.diag_indices(5)] += 10
    return A, np.zeros(5, dtype)


# --------------------------------------------------------------------------
# 1. the reflector
# --------------------------------------------------------------------------
@kernel
def householder(x):
    """Generate a Householder reflector that maps *x* onto a multiple of e_0 (``dlarfg``).

    Finds ``beta``, ``tau`` and ``v`` (``v[0] = 1``) such that
    ``(I - tau v v^T) x = beta e_0``.  On return ``x[0] = beta`` and
    ``x[1:] = v[1:]``.

    Parameters
    ----------
    x : (n,) ndarray, overwritten
        May be a strided view (a column of a C-order matrix).

    Returns
    -------
    beta, tau : float
        ``tau = 0`` (and ``H = I``) when ``x[1:]`` is zero, so that the
        factorisation of an already triangular column is exact.

    Notes
    -----
    LAPACK ``dlarfg``; Golub & Van Loan, 4th ed., Alg. 5.1.1 with the
    stability discussion of Sec. 5.1.3.  The cancellation that 5.1.1 avoids
    with ``v0 = -sigma / (x0 + mu)`` is avoided here as LAPACK does: ``beta
    = -sign(x0) ||x||``, so ``v0 = x0 - beta = x0 + sign(x0) ||x||`` adds two
    numbers of the same sign.  (Unlike 5.1.1 the diagonal of R may then be
    negative; that is LAPACK's, and numpy's, convention.)  ``||x[1:]||`` is
    one pass summing the squares (in float64 whatever x's dtype) while it
    finds ``max |x_i|``; only where that maximum lies outside 1e-140 ..
    1e140, where a square could have overflowed or every square underflowed,
    is the sum taken again scaled by the maximum (``dnrm2``'s purpose), and
    ``hypot`` combines it with ``x0``.  ``v`` is formed by multiplying by
    ``1 / (x0 - beta)``, as ``dlarfg`` does, or by division where that
    divisor is below the smallest normal number (its reciprocal would
    overflow; ``dlarfg`` rescales instead).  The scaled two-pass norm and a
    division per entry took about half of :func:`geqr2`'s time outside
    the trailing updates (devlog 040).
    Flops ~3n; no workspace.
    """
    n = x.shape[0]
    zero = x.dtype.type(0)
    alpha = x[0]
    if n <= 1:
        return alpha, zero
    scale = 0.0
    ssq = 0.0
    for i in range(1, n):
        a = float(x[i])
        ssq += a * a
        a = abs(a)
        if a > scale:
            scale = a
    if scale == 0.0:
        return alpha, zero
    if not 1e-140 < scale < 1e140:
        # a square overflowed, or the small ones underflowed: the scaled sum
        ssq = 0.0
        for i in range(1, n):
            t = float(x[i]) / scale
            ssq += t * t
        xnorm = scale * math.sqrt(ssq)
    else:
        xnorm = math.sqrt(ssq)
    beta = x.dtype.type(-math.copysign(math.hypot(alpha, xnorm), alpha))
    tau = (beta - alpha) / beta
    v0 = alpha - beta  # same signs added: no cancellation
    if abs(v0) >= np.finfo(x.dtype).tiny:
        r = 1 / v0
        for i in range(1, n):
            x[i] = x[i] * r
    else:
        for i in range(1, n):
            x[i] = x[i] / v0
    x[0] = beta
    return beta, tau


@vector_kernel
def _apply_reflector(V, k, tau_k, B, c0, c1, w):
    """``B[k:, c0:c1] := (I - tau_k v v^T) B[k:, c0:c1]``, ``v = [1, V[k+1:, k]]`` (``dlarf``).

    Strips of 32 float64 / 64 float32 columns (four 64-byte chunks, a
    compile-time width): for each strip ``w = v^T B`` is summed down the
    rows in four vector registers, then ``B -= tau v w^T`` is applied row by
    row, so the only memory traffic is B's rows (two loads and one store
    per element: on Zen 4 the stores are the limit).  The last
    ``(c1 - c0) mod 32`` columns go as two row-oriented passes through the
    workspace ``w`` (at least ``c1 - c0`` elements): ``w += v_i B[i, :]``,
    then ``B[i, :] -= tau v_i w``.  Tried and slower for those last columns
    (devlog 040): strips of one chunk, whose single accumulator waits on the
    FMA latency every row.  Every index is a loop counter from 0 on a row
    view (an offset LLVM cannot prove non-negative keeps Numba's
    negative-index wraparound on every access).  Flops ``4 (m - k) (c1 - c0)``.
    """
    m = B.shape[0]
    nc = c1 - c0
    if tau_k == 0 or nc <= 0:
        return
    acc = register_tile(B, 1, 4)
    width = acc.shape[1]
    nw = nc - nc % width
    src = unit_stride_row(B, k, c0, nc)
    for b in range(0, nw, width):
        for t in range(width):
            acc[0, t] = src[b + t]
        for i in range(k + 1, m):
            vi = V[i, k]
            row = unit_stride_row(B, i, c0, nc)
            for t in range(width):
                acc[0, t] += vi * row[b + t]  # w += v_i * B[i, :]
        for t in range(width):
            acc[0, t] *= tau_k
        for t in range(width):
            src[b + t] -= acc[0, t]
        for i in range(k + 1, m):
            vi = V[i, k]
            row = unit_stride_row(B, i, c0, nc)
            for t in range(width):
                row[b + t] -= vi * acc[0, t]  # B[i, :] -= tau v_i w
    last = nc - nw
    if last == 0:
        return
    wv = w[:last]
    src = unit_stride_row(B, k, c0 + nw, last)
    for t in range(last):
        wv[t] = src[t]
    for i in range(k + 1, m):
        vi = V[i, k]
        row = unit_stride_row(B, i, c0 + nw, last)
        for t in range(last):
            wv[t] += vi * row[t]
    for t in range(last):
        wv[t] *= tau_k
    for t in range(last):
        src[t] -= wv[t]
    for i in range(k + 1, m):
        vi = V[i, k]
        row = unit_stride_row(B, i, c0 + nw, last)
        for t in range(last):
            row[t] -= vi * wv[t]


# --------------------------------------------------------------------------
# 2. unblocked
# --------------------------------------------------------------------------
@register(
    "qr",
    "unblocked",
    "geqr2: one reflector at a time, rank-1 updates along rows (BLAS-2 speed)",
    flops=qr_flops,
    example=_qr_example,
)
@kernel
def geqr2(A, tau):
    """Householder QR, unblocked (LAPACK ``dgeqr2``): ``A = Q R`` in place.

    Parameters
    ----------
    A : (m, n) ndarray, overwritten
        On return, R on and above the diagonal, the Householder vectors
        below it (``v[0] = 1`` implicit).
    tau : (q,) ndarray, overwritten
        The reflectors' scalars, ``q = min(m, n)`` for the whole
        factorisation.  A shorter tau factors the first q columns only, and
        the rows of the columns after them come back multiplied by ``Q^T``
        (lstsq's ``Q^T b`` in the same passes, on ``[A | b]``).

    Returns
    -------
    int
        0.

    Notes
    -----
    Golub & Van Loan, 4th ed., Alg. 5.2.1, with the vectors stored as in
    LAPACK (unit first entry implicit, ``tau`` kept, 5.1.1's ``beta``).
    Each step reads the whole trailing matrix twice, so the kernel runs at
    memory speed once A leaves the cache (this is the BLAS-2 algorithm that
    :func:`geqrf` blocks).  Flops ``2mn^2 - 2n^3/3``; workspace n.
    """
    m, n = A.shape
    kmax = min(m, n, tau.shape[0])
    w = np.empty(max(n, 1), dtype=A.dtype)
    for k in range(kmax):
        beta, tau[k] = householder(A[k:, k])
        _apply_reflector(A, k, tau[k], A, k + 1, n, w)
    return 0


# --------------------------------------------------------------------------
# 3. blocked compact WY
# --------------------------------------------------------------------------
# inline="always": a helper with one or two callers is compiled inside them, not as a
# library of its own that every level above re-optimises (devlog 029)
@kernel(inline="always")
def _panel_load(A, k, ib):
    """The panel ``A[k:, k:k+ib]`` as an (m-k, ib) C array.

    In A the panel's rows are ib elements out of every n: at n = 2048 its
    rows are 16 KiB apart, all in the same few cache sets, and factoring it
    in place ran at 1.7 GFLOP/s from conflict misses (devlog 003).  The
    copy's rows are consecutive.
    """
    mk = A.shape[0] - k
    P = np.empty((mk, ib), dtype=A.dtype)
    for r in range(mk):
        src = A[k + r, k : k + ib]
        dst = P[r]
        for j in range(ib):
            dst[j] = src[j]
    return P


@kernel(inline="always")
def _panel_store(P, A, k):
    """Copy the factored panel back to ``A[k:, k:k+ib]``."""
    mk, ib = P.shape
    for r in range(mk):
        src = P[r]
        dst = A[k + r, k : k + ib]
        for j in range(ib):
            dst[j] = src[j]


@kernel(inline="always")
def _larft(Vt, V, tau, T, blocks, Ap, Bp):
    """Upper-triangular T with ``H_k ... H_{k+ib-1} = I - V T V^T`` (``dlarft``, forward, columnwise).

    ``T[i, i] = tau_i`` and ``T[:i, i] = -tau_i T[:i, :i] (V[:, :i]^T v_i)``
    (Golub & Van Loan, 4th ed., Sec. 5.1.7, the compact WY representation
    of Schreiber & Van Loan).  All the products ``V^T v_i`` are taken at
    once as the Gram matrix ``G = V^T V`` by the packed GEMM (``Vt`` is
    ``V^T`` as an (ib, m-k) C array, ``V`` as an (m-k, ib) one); the
    recurrence then costs O(ib^3).  Unlike ``dlarft``,
    which takes them column by column with ``dgemv``, this is one BLAS-3
    call: the column-by-column dot products were a scalar reduction (no
    reassociation allowed, so no vectorisation); with the strided copy
    to ``V^T`` they took 0.054 s of a 0.5 s factorisation at n = 2048
    (devlog 003).  Flops ``2 ib^2 (m - k)``.
    """
    ib = Vt.shape[0]
    G = np.zeros((ib, ib), dtype=Vt.dtype)
    packed_region(Vt, V, G, Vt.dtype.type(1), blocks, (_I0, ib, _I0, ib), Ap, Bp)
    for i in range(ib):
        t = tau[i]
        for p in range(i):
            s = Vt.dtype.type(0)
            for q in range(p, i):
                s += T[p, q] * G[q, i]
            T[p, i] = -t * s
        T[i, i] = t
        for p in range(i + 1, ib):
            T[p, i] = 0


@kernel
def _block_reflector(P, tau, T, blocks, Ap, Bp):
    """``V`` (mk, ib), ``V^T`` (ib, mk) and T of a factored panel P (mk, ib).

    V is P's strict lower part with a unit diagonal (zeros above); ``tau``
    holds the panel's ib scalars.
    """
    mk, ib = P.shape
    V = np.zeros((mk, ib), dtype=P.dtype)
    Vt = np.zeros((ib, mk), dtype=P.dtype)
    for r in range(mk):
        src = P[r]
        row = V[r]
        for jj in range(min(r, ib)):
            row[jj] = src[jj]
            Vt[jj, r] = src[jj]
        if r < ib:
            row[r] = 1
            Vt[r, r] = 1
    _larft(Vt, V, tau, T, blocks, Ap, Bp)
    return Vt, V


@kernel(inline="always")
def _trmm_tt(T, W, ib, j0, j1):
    """``W[:ib, j0:j1] := T^T W[:ib, j0:j1]`` in place, T upper triangular (``dtrmm``).

    Row i of the result needs rows ``0..i`` of W, so rows are updated from
    the bottom up.  Row axpys, unit stride.  Flops ``ib^2 (j1 - j0)``.
    """
    nc = j1 - j0
    for i in range(ib - 1, -1, -1):
        wi = W[i, j0:j1]
        d = T[i, i]
        for j in range(nc):
            wi[j] *= d
        for p in range(i):
            tp = T[p, i]
            wp = W[p, j0:j1]
            for j in range(nc):
                wi[j] += tp * wp[j]


@kernel(inline="always")
def _panel_factor(A, tau, k, ib, w):
    """Unblocked QR of the panel ``A[k:, k:k+ib]`` (:func:`geqr2` on a column range)."""
    for jj in range(ib):
        j = k + jj
        beta, tau[j] = householder(A[j:, j])
        _apply_reflector(A, j, tau[j], A, j + 1, k + ib, w)


@kernel(inline="always")
def _gemm_buffers(A, blocks, kdim, ncols):
    """Packing buffers for :func:`packed_region` with depth <= kdim and <= ncols columns."""
    MC, KC, NC = blocks
    m = A.shape[0]
    kc_max = max(1, min(KC, kdim))
    Ap = np.empty(round_up(min(MC, max(m, 1)), MR) * kc_max, dtype=A.dtype)
    Bp = np.empty(round_up(min(NC, max(ncols, 1)), tile_width(A)) * kc_max, dtype=A.dtype)
    return Ap, Bp


@register(
    "qr",
    "blocked",
    "geqrf: compact-WY panels of nb columns, trailing update by the packed GEMM",
    flops=qr_flops,
    example=_qr_example,
    extra_args=("nb", "blocks"),
)
@kernel
def geqrf(A, tau, nb, blocks):
    """Householder QR, blocked compact WY (LAPACK ``dgeqrf``): ``A = Q R`` in place.

    Parameters
    ----------
    A : (m, n) ndarray, overwritten
        As :func:`geqr2` (same storage).
    tau : (q,) ndarray, overwritten
        As :func:`geqr2`: ``q = min(m, n)``, or fewer to factor only the
        first q columns and apply ``Q^T`` to the rest.
    nb : int
        Panel width (columns per block reflector).
    blocks : tuple of int
        ``(MC, KC, NC)`` of the packed GEMM (:mod:`jitla.config`).

    Returns
    -------
    int
        0.

    Notes
    -----
    Golub & Van Loan, 4th ed., Alg. 5.2.2 (block Householder QR) with the
    compact WY form ``Q_panel = I - V T V^T`` of Sec. 5.1.7 (LAPACK
    ``dlarft`` + ``dlarfb``).  Per panel of ib columns:

    1. factor the panel ``A[k:, k:k+ib]`` unblocked (:func:`geqr2`), in a
       contiguous copy (:func:`_panel_load`: in place its rows alias in the
       caches);
    2. form V and ``V^T`` as C arrays and ``T`` from their Gram matrix
       (:func:`_larft`);
    3. trailing update ``A2 := (I - V T^T V^T) A2`` =  ``Q_panel^T A2`` as
       ``W = V^T A2`` (GEMM), ``W := T^T W`` (small triangular multiply),
       ``A2 -= V W`` (GEMM); both GEMMs go through the packed kernel's
       :func:`~jitla.kernels.gemm.packed_region`, the second one writing
       into A itself (no copy of A2).

    All but ``~nb/n`` of the flops are in the two GEMMs.  Flops
    ``2mn^2 - 2n^3/3`` plus ``~nb`` times fewer for T.  Workspace
    ``nb (2m + n + nb)`` plus the GEMM packing buffers.
    """
    m, n = A.shape
    kmax = min(m, n, tau.shape[0])
    one = A.dtype.type(1)
    w = np.empty(max(n, 1), dtype=A.dtype)
    T = np.zeros((nb, nb), dtype=A.dtype)
    Ap, Bp = _gemm_buffers(A, blocks, max(m, nb), n)
    # loop over panels of nb columns
    for k in range(0, kmax, nb):
        ib = min(nb, kmax - k)
        P = _panel_load(A, k, ib)
        _panel_factor(P, tau[k : k + ib], 0, ib, w)
        _panel_store(P, A, k)
        if k + ib >= n:
            continue
        Vt, V = _block_reflector(P, tau[k : k + ib], T, blocks, Ap, Bp)
        W = np.zeros((ib, n), dtype=A.dtype)  # columns k+ib.. used
        A2 = A[k:]  # rows k.. of A (C layout); the trailing block is its columns k+ib..
        # W = V^T A2
        packed_region(Vt, A2, W, one, blocks, (_I0, ib, k + ib, n), Ap, Bp)
        # W = T^T W
        _trmm_tt(T, W, ib, k + ib, n)
        # A2 -= V W
        packed_region(V, W, A2, -one, blocks, (_I0, m - k, k + ib, n), Ap, Bp)
    return 0


# --------------------------------------------------------------------------
# 4. parallel
# --------------------------------------------------------------------------
@parallel_kernel
def _update_parallel(A, Vt, V, T, W, k, ib, blocks, nthreads, Ap, Bp):
    """The trailing update of :func:`geqrf`, columns split into ``nthreads`` strips.

    Each strip of whole NR-column micro-panels is independent (its W
    columns depend only on its own A2 columns), so one ``prange``
    iteration does all three steps on its strip with its own packing
    buffers.  Every element is computed in the same order whatever the
    thread count: results are bitwise identical for 1, 2 or 16 threads.
    """
    m, n = A.shape
    one = A.dtype.type(1)
    NR = tile_width(A)
    j_start = k + ib
    panels = (n - j_start + NR - 1) // NR
    parts = max(1, min(nthreads, panels))
    for t in prange(parts):
        j_lo = min(n, j_start + (t * panels // parts) * NR)
        j_hi = min(n, j_start + ((t + 1) * panels // parts) * NR)
        if j_hi > j_lo:
            packed_region(Vt, A[k:], W, one, blocks, (_I0, ib, j_lo, j_hi), Ap[t], Bp[t])
            _trmm_tt(T, W, ib, j_lo, j_hi)
            packed_region(V, W, A[k:], -one, blocks, (_I0, m - k, j_lo, j_hi), Ap[t], Bp[t])


@register(
    "qr",
    "parallel",
    "geqrf with the trailing update split over threads (column strips, own buffers)",
    flops=qr_flops,
    example=_qr_example,
    parallel=True,
    extra_args=("nb", "blocks", "nthreads"),
)
@parallel_kernel
def geqrf_parallel(A, tau, nb, blocks, nthreads):
    """Householder QR, blocked compact WY, trailing update in parallel.

    Parameters
    ----------
    A, tau, nb, blocks
        As :func:`geqrf`.
    nthreads : int
        Number of column strips of the trailing update (normally
        ``numba.get_num_threads()``).

    Returns
    -------
    int
        0.

    Notes
    -----
    As :func:`geqrf`; the panel factorisation stays serial (it is
    ``~nb/n`` of the flops but BLAS-2, so it limits the speed-up at small
    n: Amdahl).  LAPACK does the same; a look-ahead (factoring the next
    panel while the rest is updated) is the known next step.  Workspace:
    as :func:`geqrf`, plus packing buffers per thread.
    """
    m, n = A.shape
    kmax = min(m, n, tau.shape[0])
    w = np.empty(max(n, 1), dtype=A.dtype)
    T = np.zeros((nb, nb), dtype=A.dtype)
    p = max(1, nthreads)
    Ap0, Bp0 = _gemm_buffers(A, blocks, max(m, nb), n)
    Ap = np.empty((p, Ap0.shape[0]), dtype=A.dtype)
    Bp = np.empty((p, Bp0.shape[0]), dtype=A.dtype)
    # loop over panels of nb columns
    for k in range(0, kmax, nb):
        ib = min(nb, kmax - k)
        P = _panel_load(A, k, ib)
        _panel_factor(P, tau[k : k + ib], 0, ib, w)
        _panel_store(P, A, k)
        if k + ib >= n:
            continue
        Vt, V = _block_reflector(P, tau[k : k + ib], T, blocks, Ap0, Bp0)
        W = np.zeros((ib, n), dtype=A.dtype)
        _update_parallel(A, Vt, V, T, W, k, ib, blocks, p, Ap, Bp)
    return 0


# --------------------------------------------------------------------------
# Q from the factored form
# --------------------------------------------------------------------------
@kernel
def apply_qt(A, tau, B):
    """``B := Q^T B`` without forming Q (LAPACK ``dorm2r``, side L, trans T).

    Parameters
    ----------
    A : (m, n) ndarray
        Factored form from :func:`geqr2` / :func:`geqrf` (read only).
    tau : (k,) ndarray
        Its reflector scalars; the first k reflectors are applied.
    B : (m, nrhs) ndarray, overwritten

    Returns
    -------
    int
        0.

    Notes
    -----
    ``Q^T = H_{k-1} ... H_0``: applies ``H_0`` first.  Golub & Van Loan,
    4th ed., Sec. 5.1.6 (applying reflectors without forming them).
    Flops ``4 nrhs (mk - k^2/2)``; workspace nrhs.
    """
    k = tau.shape[0]
    nrhs = B.shape[1]
    w = np.empty(max(nrhs, 1), dtype=B.dtype)
    for j in range(k):
        _apply_reflector(A, j, tau[j], B, 0, nrhs, w)
    return 0


@kernel
def apply_q(A, tau, B):
    """``B := Q B`` without forming Q (LAPACK ``dorm2r``, side L, no trans).

    As :func:`apply_qt`, with the reflectors applied in reverse order
    (``Q = H_0 ... H_{k-1}``, so ``H_{k-1}`` acts first).  Returns 0.
    """
    k = tau.shape[0]
    nrhs = B.shape[1]
    w = np.empty(max(nrhs, 1), dtype=B.dtype)
    for j in range(k - 1, -1, -1):
        _apply_reflector(A, j, tau[j], B, 0, nrhs, w)
    return 0


@kernel
def apply_q_blocked(A, tau, B, nb, blocks):
    """``B := Q B`` without forming Q, blocked (LAPACK ``dormqr``, side L, no trans).

    Parameters
    ----------
    A : (m, n) ndarray
        Factored form from :func:`geqr2` / :func:`geqrf` /
        :func:`jitla.kernels.qr_pivoted.geqp3` (read only).
    tau : (k,) ndarray
        Its reflector scalars; the first k reflectors are applied.
    B : (m, nrhs) ndarray, overwritten
    nb : int
        Reflectors per block.
    blocks : tuple of int
        ``(MC, KC, NC)`` of the packed GEMM.

    Returns
    -------
    int
        0.

    Notes
    -----
    ``Q = Q_0 Q_1 ...`` with each block of nb reflectors in compact WY form
    ``Q_j = I - V T V^T`` (Schreiber & Van Loan; Golub & Van Loan, 4th ed.,
    Sec. 5.1.7), applied last block first: ``W = V^T B[k:]`` (GEMM),
    ``W := T W`` (:func:`_trmm_t`), ``B[k:] -= V W`` (GEMM).  The same
    flops as :func:`apply_q`, ``4 nrhs (mk - k^2/2)``, but all except
    ``~nb/k`` of them in the packed GEMM (devlog 005 measures the
    difference).  Workspace ``nb (2m + nrhs + nb)`` plus
    the GEMM packing buffers.
    """
    m = A.shape[0]
    k = tau.shape[0]
    nrhs = B.shape[1]
    if k == 0 or nrhs == 0:
        return 0
    one = B.dtype.type(1)
    T = np.zeros((nb, nb), dtype=A.dtype)
    Ap, Bp = _gemm_buffers(A, blocks, max(m, nb), max(nrhs, nb))  # T needs nb columns
    for kk in range(((k - 1) // nb) * nb, -1, -nb):
        ib = min(nb, k - kk)
        P = _panel_load(A, kk, ib)
        Vt, V = _block_reflector(P, tau[kk : kk + ib], T, blocks, Ap, Bp)
        B2 = B[kk:]
        W = np.zeros((ib, nrhs), dtype=B.dtype)
        packed_region(Vt, B2, W, one, blocks, (_I0, ib, _I0, nrhs), Ap, Bp)
        _trmm_t(T, W, ib, 0, nrhs)
        packed_region(V, W, B2, -one, blocks, (_I0, m - kk, _I0, nrhs), Ap, Bp)
    return 0


@kernel
def form_q(A, tau, Q):
    """The first ``q = Q.shape[1]`` columns of Q (LAPACK ``dorg2r``).

    Parameters
    ----------
    A : (m, n) ndarray
        Factored form (read only).
    tau : (k,) ndarray
    Q : (m, q) ndarray, overwritten
        ``q`` may be anything from 0 to m: ``q = min(m, n)`` gives the
        reduced Q, ``q = m`` the complete one.

    Returns
    -------
    int
        0.

    Notes
    -----
    ``Q[:, :q] = H_0 ... H_{k-1} I[:, :q]``, applied backwards so that
    ``H_j`` only touches rows and columns ``j..`` (columns ``< j`` of those
    rows are still zero): Golub & Van Loan, 4th ed., Sec. 5.1.6
    ("backward accumulation").  Flops ``4 (m q k - (m + q) k^2/2 + k^3/3)``;
    workspace q.
    """
    m, q = Q.shape
    k = tau.shape[0]
    for i in range(m):
        row = Q[i]
        for j in range(q):
            row[j] = 0
        if i < q:
            row[i] = 1
    w = np.empty(max(q, 1), dtype=Q.dtype)
    for j in range(k - 1, -1, -1):
        if j < q:
            _apply_reflector(A, j, tau[j], Q, j, q, w)
    return 0


@kernel(inline="always")
def _trmm_t(T, W, ib, j0, j1):
    """``W[:ib, j0:j1] := T W[:ib, j0:j1]`` in place, T upper triangular (``dtrmm``).

    Row i of the result needs rows ``i..ib-1`` of W, so rows are updated
    from the top down.  Row axpys, unit stride.  Flops ``ib^2 (j1 - j0)``.
    """
    nc = j1 - j0
    for i in range(ib):
        wi = W[i, j0:j1]
        d = T[i, i]
        for j in range(nc):
            wi[j] *= d
        for p in range(i + 1, ib):
            tp = T[i, p]
            wp = W[p, j0:j1]
            for j in range(nc):
                wi[j] += tp * wp[j]


@kernel
def orgqr(A, tau, Q, nb, blocks):
    """The first ``q = Q.shape[1]`` columns of Q, blocked (LAPACK ``dorgqr``).

    Parameters
    ----------
    A : (m, n) ndarray
        Factored form (read only).
    tau : (k,) ndarray
    Q : (m, q) ndarray, overwritten; ``k <= q <= m``
    nb : int
        Panel width.
    blocks : tuple of int
        ``(MC, KC, NC)`` of the packed GEMM.

    Returns
    -------
    int
        0.

    Notes
    -----
    :func:`form_q`'s backward accumulation, a panel of ib reflectors at a
    time: ``Q[j:, j:] := (I - V T V^T) Q[j:, j:]`` as ``W = V^T Q2``
    (GEMM), ``W := T W``, ``Q2 -= V W`` (GEMM), with V and T rebuilt from
    the factored panel (:func:`_block_reflector`).  Golub & Van Loan, 4th
    ed., Sec. 5.1.6 and 5.2.3.  Flops as :func:`form_q`, mostly in GEMM.
    Workspace ``nb (2m + q + nb)`` plus packing buffers.
    """
    m, q = Q.shape
    k = tau.shape[0]
    one = Q.dtype.type(1)
    for i in range(m):
        row = Q[i]
        for j in range(q):
            row[j] = 0
        if i < q:
            row[i] = 1
    if k == 0:
        return 0
    T = np.zeros((nb, nb), dtype=Q.dtype)
    Ap, Bp = _gemm_buffers(Q, blocks, max(m, nb), q)
    last = ((k - 1) // nb) * nb
    # loop over panels of nb reflectors, last panel first
    for j in range(last, -1, -nb):
        ib = min(nb, k - j)
        P = _panel_load(A, j, ib)
        Vt, V = _block_reflector(P, tau[j : j + ib], T, blocks, Ap, Bp)
        W = np.zeros((ib, q), dtype=Q.dtype)
        Q2 = Q[j:]
        # W = V^T Q2 ; W = T W ; Q2 -= V W   (columns j.. of Q: the others are still e_i)
        packed_region(Vt, Q2, W, one, blocks, (_I0, ib, j, q), Ap, Bp)
        _trmm_t(T, W, ib, j, q)
        packed_region(V, W, Q2, -one, blocks, (_I0, m - j, j, q), Ap, Bp)
    return 0


@kernel
def geqr2_q_r(A, tau, Q, R):
    """Unblocked QR in one call: :func:`geqr2`, then Q (:func:`form_q`) and R as separate arrays.

    Parameters
    ----------
    A : (m, n) ndarray, overwritten
        Factored in place (:func:`geqr2`'s storage).
    tau : (min(m, n),) ndarray, overwritten
    Q : (m, q) ndarray, out
        The first q columns of Q (q = 0: none are formed).
    R : (r, n) ndarray, out
        The first r rows of R: A's upper trapezoid, zeros below the diagonal
        (r = min(m, n) for numpy's reduced and "r" modes, m for "complete").

    Returns
    -------
    int
        0.

    Notes
    -----
    What ``jitla.linalg.qr`` does for a matrix within the unblocked
    threshold, without the Python steps between the factorisation, Q and
    ``numpy.triu`` (they were about a tenth of the call at 100 x 100).
    Flops as :func:`geqr2` plus :func:`form_q`; no workspace beyond theirs.
    """
    geqr2(A, tau)
    if Q.shape[1] > 0:
        form_q(A, tau, Q)
    zero = A.dtype.type(0)
    rows, n = R.shape
    for i in range(rows):
        out = R[i]
        for j in range(min(i, n)):
            out[j] = zero
        src = A[i]  # r <= m
        for j in range(i, n):
            out[j] = src[j]
    return 0
