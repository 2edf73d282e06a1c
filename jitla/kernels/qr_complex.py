"""Complex Householder reflectors and QR (LAPACK ``zlarfg``, ``zgeqr2``, ``zung2r``, ``zunm2r``).

The complex counterparts of :mod:`jitla.kernels.qr_householder`'s unblocked
kernels, for complex64 / complex128 C-contiguous arrays.  A complex
reflector is ``H = I - tau v v^H`` with ``v[0] = 1``; unlike the real one it
is not Hermitian (``tau`` is complex), so ``H^H = I - conj(tau) v v^H`` is
the one that maps x onto ``beta e_0``, and LAPACK's choice makes ``beta``
*real* (``zlarfg``).  Consequences a reader meets in every caller:

* QR: ``A = Q R`` with ``Q = H_0 H_1 ... H_{k-1}``; the factorisation
  applies ``H_j^H`` to the trailing columns, so R's diagonal is real (it
  may be negative), as numpy's (LAPACK ``zgeqrf``) is.
* Tridiagonal / bidiagonal / Hessenberg reductions built from these
  reflectors have *real* off-diagonals, which lets the real tridiagonal QL
  and bidiagonal QR of :mod:`jitla.kernels.eig_symmetric` and
  :mod:`jitla.kernels.svd_bidiag` finish the complex problems (their real
  plane rotations applied to complex rows).

The unblocked kernels are BLAS-2 (one reflector at a time, rows updated
in place); the complex arithmetic is written out as plain loops over
complex scalars, which Numba lowers to pairs of real operations.
:func:`zgeqr2_split` (section 4) is the same factorisation on a split copy
of the rows (real parts, then imaginary parts), where the loops
vectorise; it factors the panels of the blocked kernels (:func:`zgeqrf`,
:func:`zungqr`, section 5), which gather nb reflectors into the compact WY
form ``I - V T V^H`` (``zlarft``) and apply it with complex GEMMs
(``zlarfb``) on the real packed kernel (the 1m method,
:func:`jitla.kernels.gemm.zgemm_1m`, and ``V^H B`` with V read in place,
:func:`~jitla.kernels.gemm.zgemm_1m_ah`).  No checks are made on the
inputs.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel, vector_kernel
from jitla.kernels._layout import zsplit_copy, zsplit_store
from jitla.kernels._tile import register_tile, unit_stride_row
from jitla.kernels.gemm import zgemm_1m, zgemm_1m_ah
from jitla.kernels.qr_pivoted import _downdate

__all__ = [
    "zlarfg",
    "reflect_rows",
    "reflect_cols",
    "zgeqr2",
    "zgeqp3",
    "zform_q",
    "zapply_qh",
    "zapply_q",
    "zsolve_upper",
    "zgeqr2_split",
    "zgeqrf",
    "zungqr",
]


# --------------------------------------------------------------------------
# 1. the reflector
# --------------------------------------------------------------------------
@kernel
def zlarfg(x):
    """Complex Householder reflector with a real ``beta`` (LAPACK ``zlarfg``).

    Finds ``tau`` (complex), ``beta`` (real) and ``v`` (``v[0] = 1``) with
    ``H^H x = beta e_0`` for ``H = I - tau v v^H``.  On return ``x[0] =
    beta`` and ``x[1:] = v[1:]``.

    Parameters
    ----------
    x : (n,) complex ndarray, overwritten
        May be strided (a column of a C-order matrix).

    Returns
    -------
    beta, tau : complex
        ``beta`` has a zero imaginary part.  ``tau = 0`` (``H = I``) when
        ``x[1:]`` is zero and ``x[0]`` is real already; a lone complex
        ``x[0]`` still gets a reflector (``1 <= Re tau <= 2``), so that
        ``beta`` is real -- which is why a complex R has a real diagonal.

    Notes
    -----
    LAPACK ``zlarfg``: ``beta = -sign(Re x0) ||x||``, ``tau = (beta - x0) /
    beta``, ``v[1:] = x[1:] / (x0 - beta)``; ``Re(x0) - beta`` adds two
    numbers of the same sign, so there is no cancellation.  ``||x[1:]||`` is
    summed in float64 and retaken scaled by ``max |x_i|`` only when that
    lies outside 1e-140 .. 1e140 (the real :func:`householder`'s scheme);
    ``dlapy3`` is two ``hypot`` calls.  Unlike ``zlarfg`` there is no
    rescaling loop for ``|beta| < safmin``: the API layer scales matrices into
    range first.  Flops ~8n; no workspace.
    """
    n = x.shape[0]
    alpha = x[0]
    zero = x.dtype.type(0)
    ar = float(alpha.real)
    ai = float(alpha.imag)
    ssq = 0.0
    scale = 0.0
    for i in range(1, n):
        re = float(x[i].real)
        im = float(x[i].imag)
        ssq += re * re + im * im
        a = max(abs(re), abs(im))
        if a > scale:
            scale = a
    if scale != 0.0 and not 1e-140 < scale < 1e140:
        ssq = 0.0
        for i in range(1, n):
            re = float(x[i].real) / scale
            im = float(x[i].imag) / scale
            ssq += re * re + im * im
        xnorm = scale * math.sqrt(ssq)
    else:
        xnorm = math.sqrt(ssq)
    if xnorm == 0.0 and ai == 0.0:
        return alpha, zero
    beta = -math.copysign(math.hypot(math.hypot(ar, ai), xnorm), ar)
    tau = x.dtype.type(complex((beta - ar) / beta, -ai / beta))
    v0 = complex(ar - beta, ai)  # x0 - beta: real parts of the same sign added
    if abs(v0) >= np.finfo(np.float64).tiny:
        r = 1.0 / v0
        for i in range(1, n):
            x[i] = x[i] * r
    else:
        for i in range(1, n):
            x[i] = x[i] / v0
    b = x.dtype.type(beta)
    x[0] = b
    return b, tau


@kernel
def reflect_rows(V, col, r0, t, B, c0, c1, w):
    """``B[r0:, c0:c1] -= t v (v^H B[r0:, c0:c1])`` with ``v = [1, V[r0+1:, col]]``.

    The left application of ``I - t v v^H`` (``t = tau`` for H, ``conj(tau)``
    for ``H^H``) along C rows: ``w = v^H B`` summed row by row into the
    workspace *w* (at least ``c1 - c0`` long), then ``B[i, :] -= (t v_i)
    w``.  LAPACK ``zlarf`` (side "L").  Flops ``16 (m - r0) (c1 - c0)`` real.
    """
    m = B.shape[0]
    nc = c1 - c0
    if t == 0 or nc <= 0:
        return
    wv = w[:nc]
    src = B[r0, c0:c1]
    for c in range(nc):
        wv[c] = src[c]
    for i in range(r0 + 1, m):
        vi = V[i, col].conjugate()
        row = B[i, c0:c1]
        for c in range(nc):
            wv[c] += vi * row[c]
    for c in range(nc):
        wv[c] *= t
    for c in range(nc):
        src[c] -= wv[c]
    for i in range(r0 + 1, m):
        vi = V[i, col]
        row = B[i, c0:c1]
        for c in range(nc):
            row[c] -= vi * wv[c]


@kernel
def reflect_cols(B, r0, r1, c0, v, t):
    """``B[r0:r1, c0:c0+len(v)] := B[r0:r1, c0:...] (I - t v v^H)`` (``zlarf`` side "R").

    *v* contiguous with ``v[0] = 1``.  Each row: ``s = t (row . v)``, then
    ``row -= s conj(v)``.  Flops ``16 (r1 - r0) len(v)`` real.
    """
    p = v.shape[0]
    if t == 0:
        return
    for r in range(r0, r1):
        row = B[r, c0 : c0 + p]
        s = row[0] * v[0]
        for c in range(1, p):
            s += row[c] * v[c]
        s *= t
        for c in range(p):
            row[c] -= s * v[c].conjugate()


# --------------------------------------------------------------------------
# 2. QR and its Q
# --------------------------------------------------------------------------
@kernel
def zgeqr2(A, tau):
    """Complex Householder QR, unblocked (LAPACK ``zgeqr2``): ``A = Q R`` in place.

    Parameters
    ----------
    A : (m, n) complex ndarray, overwritten
        R on and above the diagonal (real diagonal), the vectors ``v[1:]``
        of ``H_j`` below it.
    tau : (min(m, n),) complex ndarray, overwritten

    Returns
    -------
    int
        0.

    Notes
    -----
    Golub & Van Loan, 4th ed., Alg. 5.2.1 with complex reflectors
    (:func:`zlarfg`); step j applies ``H_j^H`` to the trailing columns
    (:func:`reflect_rows` with ``conj(tau_j)``), so ``Q^H A = R`` with ``Q =
    H_0 ... H_{k-1}``.  Flops ``8mn^2 - 8n^3/3`` real (4x the real
    algorithm's); workspace n.
    """
    m, n = A.shape
    k = min(m, n)
    w = np.empty(max(n, 1), dtype=A.dtype)
    for j in range(k):
        _, tau[j] = zlarfg(A[j:, j])
        reflect_rows(A, j, j, tau[j].conjugate(), A, j + 1, n, w)
    return 0


@kernel
def _zcolumn_norm(A, r0, j):
    """``||A[r0:, j]||`` of a complex column, scaled by its largest ``|Re|``, ``|Im|``."""
    m = A.shape[0]
    scale = 0.0
    for i in range(r0, m):
        scale = max(scale, abs(A[i, j].real), abs(A[i, j].imag))
    if scale == 0.0:
        return 0.0
    ssq = 0.0
    for i in range(r0, m):
        re = A[i, j].real / scale
        im = A[i, j].imag / scale
        ssq += re * re + im * im
    return scale * math.sqrt(ssq)


@kernel
def zgeqp3(A, jpvt, tau):
    """Complex Householder QR with column pivoting: ``A P = Q R`` in place (LAPACK ``zlaqp2``).

    Parameters
    ----------
    A : (m, n) complex ndarray, overwritten
        As :func:`zgeqr2`: R on and above the diagonal (real diagonal,
        ``|R[0, 0]| >= |R[1, 1]| >= ...``), the vectors below.
    jpvt : (n,) int64 ndarray, overwritten
        ``(A P)[:, j] = A[:, jpvt[j]]``.
    tau : (min(m, n),) complex ndarray, overwritten

    Returns
    -------
    int
        0.

    Notes
    -----
    Businger & Golub's pivoting (Golub & Van Loan, 4th ed., Alg. 5.4.1)
    as the real :func:`jitla.kernels.qr_pivoted.geqp3`, with the complex
    reflectors of :func:`zgeqr2`: at step i the remaining column of largest
    partial norm is swapped in, :func:`zlarfg` maps it onto a real
    ``beta e_0`` and ``H_i^H`` is applied to the trailing columns.  The
    partial norms are downdated by ``|R[i, j]|`` (a modulus) with
    ``dlaqp2``'s recomputation safeguard
    (:func:`~jitla.kernels.qr_pivoted._downdate`), so the pivots are
    LAPACK ``zgeqp3``'s.  Flops ``8mnk - 4(m + n)k^2 + 8k^3/3`` real;
    workspace 3n.
    """
    m, n = A.shape
    kmax = min(m, n)
    rdt = A.real.dtype
    tol3z = math.sqrt(np.finfo(rdt).eps)
    w = np.empty(max(n, 1), dtype=A.dtype)
    vn1 = np.empty(n, dtype=rdt)
    vn2 = np.empty(n, dtype=rdt)
    stale = np.empty(n, dtype=np.bool_)
    for j in range(n):
        jpvt[j] = j
        vn1[j] = _zcolumn_norm(A, 0, j)
        vn2[j] = vn1[j]
    for i in range(kmax):
        pvt = i
        for j in range(i + 1, n):
            if vn1[j] > vn1[pvt]:
                pvt = j
        if pvt != i:
            for r in range(m):
                A[r, i], A[r, pvt] = A[r, pvt], A[r, i]
            jpvt[i], jpvt[pvt] = jpvt[pvt], jpvt[i]
            vn1[pvt] = vn1[i]
            vn2[pvt] = vn2[i]
        _, tau[i] = zlarfg(A[i:, i])
        reflect_rows(A, i, i, tau[i].conjugate(), A, i + 1, n, w)
        if _downdate(vn1, vn2, A[i], i + 1, tol3z, stale):
            for j in range(i + 1, n):
                if stale[j]:
                    vn1[j] = _zcolumn_norm(A, i + 1, j) if i + 1 < m else 0.0
                    vn2[j] = vn1[j]
    return 0


@kernel
def zform_q(A, tau, Q):
    """The first ``Q.shape[1]`` columns of ``Q = H_0 ... H_{k-1}`` from :func:`zgeqr2`'s storage (``zung2r``).

    Parameters
    ----------
    A : (m, n) complex ndarray
        :func:`zgeqr2`'s output (read; the unit heads are implied).
    tau : (k,) complex ndarray
    Q : (m, q) complex ndarray, overwritten, ``k <= q <= m``

    Notes
    -----
    Backward accumulation: ``Q = H_0 (H_1 (... (H_{k-1} I[:, :q])))``; when
    ``H_j`` comes, columns ``0..j-1`` are still those of the identity and
    only rows and columns ``j..`` change.  Flops ``16 m q k - 8 (m + q) k^2
    + 16 k^3 / 3`` real; workspace q.
    """
    m, q = Q.shape
    k = tau.shape[0]
    w = np.empty(max(q, 1), dtype=Q.dtype)
    for i in range(m):
        for c in range(q):
            Q[i, c] = 0
        if i < q:
            Q[i, i] = 1
    for j in range(k - 1, -1, -1):
        reflect_rows(A, j, j, tau[j], Q, j, q, w)
    return 0


@kernel
def zapply_qh(A, tau, B):
    """``B := Q^H B`` for Q from :func:`zgeqr2` (LAPACK ``zunm2r``, "L", "C").

    ``Q^H = H_{k-1}^H ... H_0^H``: the reflectors in order, each with
    ``conj(tau)``.  B (m, r); flops ``16 m r k`` real; workspace r.
    """
    k = tau.shape[0]
    r = B.shape[1]
    w = np.empty(max(r, 1), dtype=B.dtype)
    for j in range(k):
        reflect_rows(A, j, j, tau[j].conjugate(), B, 0, r, w)
    return 0


@kernel
def zapply_q(A, tau, B):
    """``B := Q B`` for Q from :func:`zgeqr2` (LAPACK ``zunm2r``, "L", "N"): reflectors last-first."""
    k = tau.shape[0]
    r = B.shape[1]
    w = np.empty(max(r, 1), dtype=B.dtype)
    for j in range(k - 1, -1, -1):
        reflect_rows(A, j, j, tau[j], B, 0, r, w)
    return 0


# --------------------------------------------------------------------------
# 3. triangular solves with R
# --------------------------------------------------------------------------
@kernel
def zsolve_upper(R, X, conj_trans):
    """``X := R^{-1} X`` or, with *conj_trans*, ``X := R^{-H} X``, in place; R (n, n) upper triangular.

    Row-oriented substitution (each step one row of X times a scalar,
    subtracted from the others), LAPACK ``ztrsm`` ("L", "U", "N"/"C",
    "N") in plain loops.  R's diagonal must be nonzero (the callers test
    the rank first).  Flops ``4 n^2 r`` complex multiply-adds for r columns.
    """
    n, r = X.shape
    if not conj_trans:
        # back substitution: x_i = (b_i - sum_{j > i} r_ij x_j) / r_ii
        for i in range(n - 1, -1, -1):
            xi = X[i]
            for j in range(i + 1, n):
                rij = R[i, j]
                xj = X[j]
                for c in range(r):
                    xi[c] -= rij * xj[c]
            d = R[i, i]
            for c in range(r):
                xi[c] = xi[c] / d
    else:
        # forward substitution with R^H (lower): x_i = (b_i - sum_{j < i} conj(r_ji) x_j) / conj(r_ii)
        for i in range(n):
            xi = X[i]
            d = R[i, i].conjugate()
            for c in range(r):
                xi[c] = xi[c] / d
            for j in range(i + 1, n):
                rij = R[i, j].conjugate()
                xj = X[j]
                for c in range(r):
                    xj[c] -= rij * xi[c]
    return 0


# --------------------------------------------------------------------------
# 4. the panel on split rows
# --------------------------------------------------------------------------
# zgeqr2's reflector steps on a split copy of the panel (each row's real
# parts, then its imaginary parts, ``_layout.zsplit_copy``): the complex
# row loops of reflect_rows compile to scalar code on interleaved storage
# (devlog 076); on split rows every loop is a real one over unit-stride
# lanes, two 64-byte chunks of columns at a time in registers, as the real
# ``qr_householder._apply_reflector``.
@vector_kernel(inline="always")
def _zreflect_split_cols(Ps, j, c, tr, ti, w):
    """``B := (I - t v v^H) B`` on the columns ``c .. c + w.shape[1]`` of the split rows ``Ps[j:]``.

    ``v = [1, Ps[j+1:, :, j]]`` (column j), ``t = tr + i ti``.  *w* is a
    (4, W) register tile (``w.shape[1]`` is a compile-time width): pass 1
    sums ``v^H B`` down the rows in it (``Re v Re B``, ``Re v Im B``,
    ``Im v Im B``, ``Im v Re B`` in four rows of accumulators, combined
    once), pass 2 subtracts ``v (t v^H B)`` row by row.  Every access is
    through a unit-stride view indexed from 0 (``unit_stride_row``), and
    ``t v^H B`` stays in the tile from pass 1 to pass 2: stored to a
    buffer, or with lanes masked to zero (to start at an aligned column),
    it reached pass 2 as scalars and that pass compiled to scalar code.
    Flops ``16 (m - j) W``.
    """
    W = w.shape[1]
    mk = Ps.shape[0]
    Pj = Ps[j]
    br = unit_stride_row(Pj, 0, c, W)
    bi = unit_stride_row(Pj, 1, c, W)
    for t in range(W):
        w[0, t] = br[t]
        w[1, t] = bi[t]
        w[2, t] = 0
        w[3, t] = 0
    for r in range(j + 1, mk):
        Pr = Ps[r]
        vr = Pr[0, j]
        vi = Pr[1, j]
        br = unit_stride_row(Pr, 0, c, W)
        bi = unit_stride_row(Pr, 1, c, W)
        for t in range(W):
            w[0, t] += vr * br[t]
            w[1, t] += vr * bi[t]
        for t in range(W):
            w[2, t] += vi * bi[t]
            w[3, t] += vi * br[t]
    for t in range(W):
        sr = w[0, t] + w[2, t]  # Re (v^H B)
        si = w[1, t] - w[3, t]  # Im (v^H B)
        w[0, t] = tr * sr - ti * si
        w[1, t] = tr * si + ti * sr
    br = unit_stride_row(Pj, 0, c, W)
    bi = unit_stride_row(Pj, 1, c, W)
    for t in range(W):
        br[t] -= w[0, t]
    for t in range(W):
        bi[t] -= w[1, t]
    for r in range(j + 1, mk):
        Pr = Ps[r]
        vr = Pr[0, j]
        vi = Pr[1, j]
        br = unit_stride_row(Pr, 0, c, W)
        for t in range(W):
            br[t] -= vr * w[0, t]
        for t in range(W):
            br[t] += vi * w[1, t]
        bi = unit_stride_row(Pr, 1, c, W)
        for t in range(W):
            bi[t] -= vr * w[1, t]
        for t in range(W):
            bi[t] -= vi * w[0, t]


@vector_kernel
def _zreflect_split_strip(Ps, j, c, tr, ti):
    """:func:`_zreflect_split_cols` on two 64-byte chunks of columns from c (16 float64, 32 float32)."""
    _zreflect_split_cols(Ps, j, c, tr, ti, register_tile(Ps[0], 4, 2))


@kernel
def zgeqr2_split(P, tau):
    """:func:`zgeqr2` of a panel, worked on a split copy of its rows: the same reflectors, vectorised.

    Parameters
    ----------
    P : (mk, kb) complex ndarray, rows contiguous, overwritten
        As :func:`zgeqr2`'s A.
    tau : (min(mk, kb),) complex ndarray, overwritten

    Returns
    -------
    int
        0.

    Notes
    -----
    LAPACK ``zgeqr2`` (Golub & Van Loan, 4th ed., Alg. 5.2.1, complex
    reflectors by :func:`zlarfg`), on a 64-byte aligned (mk, 2, Lp) copy
    (:func:`~jitla.kernels._layout.zsplit_copy`).  Step j gathers column j
    into a complex buffer for :func:`zlarfg` and writes it back, then
    applies ``H_j^H`` to the columns ``j+1 ..`` from column j+1 itself (no
    alignment: the columns at and before j must not change), in strips of
    two 64-byte chunks, S = 2W columns (:func:`_zreflect_split_strip`).
    The last strip may run up to S - 1 columns past kb, so Lp is kb rounded
    up to a chunk plus S, and the padding is zeros, which the reflectors
    leave zero.  Strips of four chunks with single chunks for the rest
    were no faster and took two kernels, twice the compilation.
    The sums run in another order than :func:`zgeqr2`'s, so the results
    agree to rounding.  Flops ``8 mk kb^2 - 8 kb^3 / 3`` real (plus the
    padding of each step's last strip); workspace ``2 mk (kb + 3 W)``
    reals and mk complex.
    """
    mk, kb = P.shape
    like = P.real
    W = register_tile(like, 1, 1).shape[1]
    S = 2 * W
    Ps = zsplit_copy(P, like, (kb + W - 1) // W * W + S)
    x = np.empty(max(mk, 1), dtype=P.dtype)
    for j in range(min(mk, kb)):
        n = mk - j
        for q in range(n):
            x[q] = complex(Ps[j + q, 0, j], Ps[j + q, 1, j])
        _, t = zlarfg(x[:n])
        tau[j] = t
        for q in range(n):
            Ps[j + q, 0, j] = x[q].real
            Ps[j + q, 1, j] = x[q].imag
        if j + 1 >= kb or t == 0:
            continue
        # H_j^H: t = conj(tau_j)
        tr = t.real
        ti = -t.imag
        for c in range(j + 1, kb, S):
            _zreflect_split_strip(Ps, j, c, tr, ti)
    zsplit_store(Ps, P)
    return 0


# --------------------------------------------------------------------------
# 5. blocked: compact WY (zlarft / zlarfb), GEMM updates
# --------------------------------------------------------------------------
@kernel
def _zlarft(P, tau, blocks):
    """``V`` and the upper triangular T of ``H_0 ... H_{kb-1} = I - V T V^H`` (``zlarft``).

    Parameters
    ----------
    P : (mk, kb) complex ndarray, rows contiguous
        A factored panel: the vectors ``v[1:]`` below its diagonal (the
        unit heads implied, R above them ignored).
    tau : (kb,) complex ndarray
    blocks : tuple of int
        The real packed GEMM's ``(MC, KC, NC)``.

    Returns
    -------
    V : (mk, kb) complex ndarray
        Unit lower trapezoidal, zeros above the diagonal.
    T : (kb, kb) complex ndarray
        Upper triangular.

    Notes
    -----
    LAPACK ``zlarft`` (forward, columnwise): ``T[i, i] = tau_i``,
    ``T[:i, i] = -tau_i T[:i, :i] (V[:, :i]^H v_i)`` (Golub & Van Loan, 4th
    ed., Sec. 5.1.7; Schreiber & Van Loan 1989).  All the products
    ``V^H v_i`` are taken at once as the Gram matrix ``G = V^H V`` by one
    complex GEMM that reads V in place for ``V^H``
    (:func:`~jitla.kernels.gemm.zgemm_1m_ah`), as the real ``_larft`` does.
    Flops ``8 kb^2 mk`` real plus O(kb^3); workspace ``mk kb + 2 kb^2``
    complex plus the GEMM's.
    """
    mk, kb = P.shape
    V = np.empty((mk, kb), dtype=P.dtype)
    for r in range(mk):
        src = P[r]
        row = V[r]
        for j in range(min(r, kb)):
            row[j] = src[j]
        if r < kb:
            row[r] = 1
            for j in range(r + 1, kb):
                row[j] = 0
    G = np.zeros((kb, kb), dtype=P.dtype)
    # (the [:, :] views give every 1m call here and in _zlarfb one operand signature)
    zgemm_1m_ah(V, V[:, :], G[:, :], P.real.dtype.type(1), blocks)
    T = np.zeros((kb, kb), dtype=P.dtype)
    for i in range(kb):
        t = tau[i]
        for p in range(i):
            s = P.dtype.type(0)
            for q in range(p, i):
                s += T[p, q] * G[q, i]
            T[p, i] = -t * s
        T[i, i] = t
    return V, T


@kernel
def _zlarfb(V, T, B, conj_t, blocks):
    """``B := (I - V op(T) V^H) B`` in place, ``op(T) = T^H`` with *conj_t* (``H^H``), else T (``zlarfb``).

    ``Y = V op(T)`` (GEMM, mk x kb x kb), ``W = V^H B`` (GEMM reading V in
    place for ``V^H``), ``B -= Y W`` (GEMM).  B (mk, nc) with contiguous
    rows, a view into the matrix being factored.

    Notes
    -----
    LAPACK ``zlarfb`` multiplies ``W := op(T) W`` in place (``ztrmm``, kb^2
    nc / 2 complex multiply-adds); here T goes onto V instead, by the
    packed GEMM: twice the multiplies of the triangle (mk kb^2, with mk ~ nc),
    but at the GEMM's speed, where the complex row axpys of a triangular
    multiply on interleaved storage ran at a fraction of it.  Flops ``16 mk
    nc kb + 8 mk kb^2`` real; workspace ``kb (2 mk + nc + kb)`` complex plus
    the GEMMs' expanded operands.
    """
    kb = T.shape[0]
    mk = V.shape[0]
    nc = B.shape[1]
    one = B.real.dtype.type(1)
    opT = np.empty((kb, kb), dtype=T.dtype)
    for i in range(kb):
        for j in range(kb):
            opT[i, j] = T[j, i].conjugate() if conj_t else T[i, j]
    Y = np.zeros((mk, kb), dtype=V.dtype)
    zgemm_1m(V, opT[:, :], Y[:, :], one, blocks)
    W = np.zeros((kb, nc), dtype=B.dtype)
    zgemm_1m_ah(V, B, W[:, :], one, blocks)
    zgemm_1m(Y, W[:, :], B, -one, blocks)


@kernel(driver=True)
def zgeqrf(A, tau, nb, blocks):
    """Complex Householder QR, blocked compact WY (LAPACK ``zgeqrf``): ``A = Q R`` in place.

    Parameters
    ----------
    A : (m, n) complex ndarray, C-contiguous, overwritten
        As :func:`zgeqr2` (same storage, same reflectors).
    tau : (min(m, n),) complex ndarray, overwritten
    nb : int
        Panel width (reflectors per block reflector of the trailing update).
    blocks : tuple of int
        ``(MC, KC, NC)`` of the real packed GEMM under :func:`zgemm_1m`.

    Returns
    -------
    int
        0.

    Notes
    -----
    Golub & Van Loan, 4th ed., Alg. 5.2.2 (block Householder QR) with the
    compact WY form of Sec. 5.1.7 (LAPACK ``zlarft`` + ``zlarfb``), as the
    real :func:`jitla.kernels.qr_householder.geqrf`.  Per panel of nb
    columns:

    1. factor the panel ``A[k:, k:k+nb]`` by :func:`zgeqr2_split`, in its
       split copy (in place the panel's rows alias in the caches).  The
       panels were factored in two levels before (ib columns by the
       interleaved loops, then the rest of the panel by their block
       reflector, after Elmroth & Gustavson, IBM J. Res. Dev. 44(4), 2000);
       on split rows one level is faster;
    2. V and T of the panel (:func:`_zlarft`);
    3. trailing update ``A2 := H^H A2 = (I - V T^H V^H) A2`` by
       :func:`_zlarfb`: three complex GEMMs on the real packed kernel.

    The reflectors are :func:`zlarfg`'s, so R and the stored vectors agree
    with :func:`zgeqr2`'s (and numpy's) to rounding.  Flops ``8mn^2 -
    8n^3/3`` real plus ``~2 nb/n`` of that for T and ``V T^H``; workspace
    ``nb (3m + n + nb)`` complex plus the GEMMs' expanded operands.
    """
    m, n = A.shape
    kmax = min(m, n)
    for k in range(0, kmax, nb):
        kb = min(nb, kmax - k)
        zgeqr2_split(A[k:, k : k + kb], tau[k : k + kb])
        if k + kb < n:
            V, T = _zlarft(A[k:, k : k + kb], tau[k : k + kb], blocks)
            _zlarfb(V, T, A[k:, k + kb :], True, blocks)
    return 0


@kernel(driver=True)
def zungqr(A, tau, Q, nb, blocks):
    """The first ``q = Q.shape[1]`` columns of ``Q = H_0 ... H_{k-1}``, blocked (LAPACK ``zungqr``).

    Parameters
    ----------
    A : (m, n) complex ndarray
        :func:`zgeqrf`'s (or :func:`zgeqr2`'s) output, read only.
    tau : (k,) complex ndarray
    Q : (m, q) complex ndarray, C-contiguous, overwritten; ``k <= q <= m``
    nb : int
        Reflectors per block.
    blocks : tuple of int
        ``(MC, KC, NC)`` of the real packed GEMM.

    Returns
    -------
    int
        0.

    Notes
    -----
    :func:`zform_q`'s backward accumulation, nb reflectors at a time:
    ``Q[j:, j:] := (I - V T V^H) Q[j:, j:]`` (:func:`_zlarfb` without the
    conjugate of T), the columns ``< j`` of those rows being still zero.
    Golub & Van Loan, 4th ed., Sec. 5.1.6 and 5.2.3.  Flops as
    :func:`zform_q`, mostly in the GEMMs; workspace ``nb (3m + q + nb)``
    complex plus the GEMMs' expanded operands.
    """
    m, q = Q.shape
    k = tau.shape[0]
    for i in range(m):
        row = Q[i]
        for c in range(q):
            row[c] = 0
        if i < q:
            row[i] = 1
    if k == 0:
        return 0
    last = ((k - 1) // nb) * nb
    # loop over panels of nb reflectors, last panel first
    for j in range(last, -1, -nb):
        kb = min(nb, k - j)
        V, T = _zlarft(A[j:, j : j + kb], tau[j : j + kb], blocks)
        _zlarfb(V, T, Q[j:, j:], False, blocks)
    return 0
