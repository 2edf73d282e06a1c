"""``lstsq``: numpy.linalg.lstsq semantics on jitla's QR kernels.

Solvers, one small function each (``_solve_<method>``):

* ``"qr"`` (default) -- Householder QR of A (m >= n; on ``[A | B]`` with n
  reflectors, so ``Q^T B`` comes from the same passes) or of A^T (m < n:
  the minimum-norm solution); tall-skinny A: TSQR of ``[A | B]``; narrow
  ``[A | B]``: its R factor by the regression fit's kernels
  (:mod:`jitla.kernels.least_squares`).  Backward stable, error ~ cond(A)
  eps for small-residual problems.
* ``"pivoted"`` -- column-pivoted (rank-revealing) QR: for rank-deficient
  data, the *basic* solution (zeros in the dependent columns, LAPACK
  ``xGELSY`` without its final complete orthogonal step).
* ``"normal"`` -- the normal equations ``A^T A x = A^T b`` by Cholesky:
  fewest flops for m >> n, but it squares the condition number (error ~
  cond(A)^2 eps), kept to show why one does not use it (devlog 004).
* ``"svd"`` -- jitla's SVD: numpy's truncated minimum-norm solution.

``refine=True`` adds extra-precise iterative refinement on Bjorck's
augmented system (:mod:`jitla.linalg._refine`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from jitla import config
from jitla._validate import LinAlgError, as_float_operand, result_float_dtype
from jitla.kernels import get_kernel
from jitla.kernels.qr_householder import apply_q, apply_qt
from jitla.kernels.qr_pivoted import geqp3, numerical_rank
from jitla.kernels.qr_tall import tsqr
from jitla.linalg._dispatch import kernel_extras
from jitla.linalg._policy import householder_plan, lstsq_plan, lstsq_small_route, trsm_plan
from jitla.linalg._refine import RefineInfo, dd_residual, refine_lstsq
from jitla.linalg._triangular import triangular_solve_inplace
from jitla.linalg._wrap import array_wrap

__all__ = ["lstsq", "LstsqRankWarning", "METHODS", "RefineInfo"]

#: The solvers ``lstsq(method=...)`` accepts.
METHODS = ("qr", "pivoted", "normal", "svd")


class LstsqRankWarning(UserWarning):
    """``method="qr"`` found A numerically rank-deficient and used pivoted QR instead."""


# --------------------------------------------------------------------------
# factorisations and solves on the factored form
# --------------------------------------------------------------------------
def householder_qr(A: np.ndarray):
    """Factor a C-contiguous (m, n) array in place; return ``tau`` (LAPACK storage)."""
    m, n = A.shape
    tau = np.zeros(min(m, n), dtype=A.dtype)
    if A.size:
        info = get_kernel(*householder_plan(m, n)[:2])
        info.func(A, tau, *kernel_extras(info, A.dtype))
    return tau


def _apply_qt(QA, tau, B) -> None:
    """``B := Q^T B`` from the factored form (no-op when there is nothing to do)."""
    if B.size and tau.size:
        apply_qt(QA, tau, B)


def _apply_q(QA, tau, B) -> None:
    """``B := Q B`` from the factored form."""
    if B.size and tau.size:
        apply_q(QA, tau, B)


def _solve_upper(R: np.ndarray, X: np.ndarray, *, trans: bool = False) -> None:
    """``X := R^{-1} X`` (or ``R^{-T} X``) in place; R square, upper, nonsingular."""
    if X.size:
        info = triangular_solve_inplace(R, X, False, trans, False)
        if info > 0:  # unreachable after the rank checks; never return garbage
            raise LinAlgError("Singular matrix")


def _diag_rank(QA: np.ndarray, rcond: float) -> int:
    """Number of leading ``|R[i, i]| > rcond * max |R[j, j]|`` (all of them for a full-rank R)."""
    d = np.abs(np.diagonal(QA))
    if d.size == 0:
        return 0
    big = d > rcond * d.max()
    return int(d.size if big.all() else np.argmin(big))


def _singular_values(T):
    """Singular values of the triangular (or trapezoidal) factor in the upper part of T.

    ``A = Q [R; 0]`` with orthogonal Q, so R and A have the same singular
    values.  They come from Householder bidiagonalisation of R and dqds
    (:func:`jitla.linalg.svdvals` with
    ``method="bidiagonal"``): backward stable, each value within about
    ``eps * s[0]`` of the exact one -- the guarantee of numpy's ``dgelsd``,
    and all numpy's rank rule ``s > rcond * s[0]`` needs (rcond >= eps
    max(M, N) by default).  Flops about ``8 k^3 / 3`` for a k x k factor,
    at matrix-vector speed.  The relatively accurate one-sided Jacobi SVD
    of R (``method="jacobi_values"``, more accurate than needed) is several
    times slower from k ~ 14 on (devlog 022) but as fast for the few
    columns of a typical fit, and compiles in a fraction of the time: R
    with at most ``config.LSTSQ_VALUES_JACOBI_MAX`` rows takes it (devlog
    059).
    """
    from jitla.linalg._svd import svd

    small = min(T.shape) <= config.LSTSQ_VALUES_JACOBI_MAX
    return svd(np.triu(T), compute_uv=False, method="jacobi_values" if small else "bidiagonal")


def _numpy_rank(s, rcond: float) -> int:
    """numpy.linalg.lstsq's rank rule: the number of ``s > rcond * s[0]``."""
    if s.size == 0 or s[0] == 0:
        return 0
    return int(np.count_nonzero(s > rcond * s[0]))


def _qr_rank(T, rcond, want_s):
    """``(rank, s)`` of the factor T of ``method="qr"``: numpy's rule on its singular values
    when they are computed, else the diagonal test of :func:`_diag_rank` (s None)."""
    if want_s:
        s = _singular_values(T)
        return _numpy_rank(s, rcond), s
    return _diag_rank(T, rcond), None


def qr_augmented_correction(QA, tau, n):
    """``correction(F, G)`` for :func:`jitla.linalg._refine.refine_lstsq` from a QR of A (m >= n).

    Solves ``[[I, A], [A^T, 0]] [dr; dx] = [f; g]`` with ``A = Q [R; 0]``
    (Bjorck 1996, Sec. 2.9.3, eq. 2.9.13)::

        h  = R^{-T} g                  (triangular solve)
        d  = Q^T f = [d1; d2]
        dx = R^{-1} (d1 - h)
        dr = Q [h; d2]

    Check: ``dr + A dx = Q [h + d1 - h; d2] = f`` and ``A^T dr = R^T h = g``.
    Flops about ``8mnk`` for k right-hand sides.
    """
    R = QA[:n]

    def correction(F, G):
        H = np.array(G, order="C")
        _solve_upper(R, H, trans=True)
        D = np.array(F, order="C")
        _apply_qt(QA, tau, D)
        dX = D[:n] - H
        _solve_upper(R, dX)
        D[:n] = H
        _apply_q(QA, tau, D)
        return D, dX

    return correction


# --------------------------------------------------------------------------
# the solvers: each returns (X, residual_sq or None, rank, refine_info or None, s or None)
# --------------------------------------------------------------------------
def _solve_qr(A, B, rcond, refine, want_s):
    # min ||A x - b||: A = Q [R; 0], x = R^{-1} (Q^T b)[:n]  (m >= n);
    # min ||x|| s.t. A x = b: A^T = Q [R; 0], x = Q [R^{-T} b; 0]  (m < n)
    m, n = A.shape
    if m < n:
        return _solve_qr_wide(A, B, rcond, refine, want_s)
    plan = lstsq_plan(m, n, B.shape[1])
    if plan.op == "tsqr":
        if refine:
            return _solve_tsqr_refined(A, B, rcond, want_s)
        return _solve_tsqr(A, B, rcond, want_s)
    if plan.op == "least_squares" and not refine:
        solved = _solve_augmented(A, B, rcond, want_s)
        if solved is not None:
            return solved
    if not refine:
        return _solve_householder(A, B, rcond, want_s)
    QA = A.copy()
    tau = householder_qr(QA)
    rank, s = _qr_rank(QA[:n], rcond, want_s)
    if rank < n:
        _warn_rank_deficient()
        return _solve_pivoted(A, B, rcond, refine, want_s, s, rank if want_s else None)
    C = B.copy()
    _apply_qt(QA, tau, C)
    X = C[:n].copy()
    _solve_upper(QA[:n], X)
    Rres = C
    Rres[:n] = 0
    _apply_q(QA, tau, Rres)  # r = Q [0; d2] = b - A x
    info = refine_lstsq(A, X, Rres, B, qr_augmented_correction(QA, tau, n))
    return X, np.einsum("ij,ij->j", Rres, Rres), n, info, s


def _augmented_householder(A, B):
    """``[A | B]`` after the n reflectors of A's Householder QR: ``[[R, C1], [0, C2]]``, ``C = Q^T B``.

    One factorisation of the (m, n + k) array with n reflector scalars (the
    QR kernels factor as many columns as tau is long and apply the
    reflectors to the columns after them), by :func:`householder_plan` for
    that shape: ``Q^T B`` goes through the same passes over the rows as the
    trailing columns of A -- the blocked kernel's GEMM updates, or the
    unblocked one's strips of 32 columns over ``n + k - j`` columns instead
    of a separate pass over B's k (LAPACK ``xGEQRF`` then ``xORMQR``
    recomputes each block's T factor and re-reads the reflectors).  Flops
    ``2 m n^2 - 2 n^3 / 3 + 4 m n k - 2 n^2 k``; workspace ``m (n + k)``.
    """
    m, n = A.shape
    AB = np.empty((m, n + B.shape[1]), dtype=A.dtype)
    AB[:, :n] = A
    AB[:, n:] = B
    tau = np.zeros(n, dtype=A.dtype)
    info = get_kernel(*householder_plan(m, n + B.shape[1])[:2])
    info.func(AB, tau, *kernel_extras(info, A.dtype))
    return AB, tau


def _solve_householder(A, B, rcond, want_s):
    # A = Q [R; 0] with Q^T B in the same factorisation (_augmented_householder):
    # x = R^{-1} (Q^T b)[:n], ||b_j - A x_j||^2 = ||(Q^T b_j)[n:]||^2
    n = A.shape[1]
    AB, _ = _augmented_householder(A, B)
    rank, s = _qr_rank(AB[:n, :n], rcond, want_s)
    if rank < n:
        _warn_rank_deficient(stacklevel=6)
        return _solve_pivoted(A, B, rcond, False, want_s, s, rank if want_s else None)
    X = AB[:n, n:].copy()
    _solve_upper(np.ascontiguousarray(AB[:n, :n]), X)
    D = AB[n:, n:]
    return X, np.einsum("ij,ij->j", D, D), n, None, s


def _warn_rank_deficient(stacklevel=5):
    warnings.warn(
        "lstsq(method='qr'): A is numerically rank-deficient (rank < n with rcond); "
        "using column-pivoted QR, which returns the basic solution (zeros for dependent columns), "
        "not numpy's minimum-norm solution",
        LstsqRankWarning,
        stacklevel=stacklevel,
    )


def _solve_augmented(A, B, rcond, want_s):
    # the regression fit's two kernels (least_squares/design_r, solve_from_r): the R factor of
    # [A | B] = [[R11, R12], [0, R22]], x = R11^{-1} R12 (on the equilibrated columns of R11),
    # ||b_j - A x_j||^2 = ||R22[:, j]||^2.  None when the solves are not clean (a zero pivot,
    # a coefficient out of range): the caller takes the Householder route then.
    from jitla.linalg._checked import least_squares_qr

    n = A.shape[1]
    status, R, X, _, _ = least_squares_qr(A, B, None, False, 0.0, residuals=False)
    rank, s = _qr_rank(R[:n, :n], rcond, want_s)
    if rank < n:
        _warn_rank_deficient(stacklevel=6)
        return _solve_pivoted(A, B, rcond, False, want_s, s, rank if want_s else None)
    if status != 0:
        return None
    R22 = R[n:, n:]
    return X, np.einsum("ij,ij->j", R22, R22), n, None, s


def _solve_tsqr(A, B, rcond, want_s):
    # R factor of [A | B] = [[R11, R12], [0, R22]] (TSQR, Q never formed):
    # x = R11^{-1} R12, and ||b_j - A x_j||^2 = ||R22[:, j]||^2
    m, n = A.shape
    k = B.shape[1]
    AB = np.empty((m, n + k), dtype=A.dtype)
    AB[:, :n] = A
    AB[:, n:] = B
    R = np.zeros((n + k, n + k), dtype=A.dtype)
    info = get_kernel("tsqr", "serial")
    info.func(AB, R, *kernel_extras(info, A.dtype))
    rank, s = _qr_rank(R[:n, :n], rcond, want_s)
    if rank < n:
        _warn_rank_deficient()
        return _solve_pivoted(A, B, rcond, False, want_s, s, rank if want_s else None)
    X = R[:n, n:].copy()
    _solve_upper(np.ascontiguousarray(R[:n, :n]), X)
    R22 = R[n:, n:]
    return X, np.einsum("ij,ij->j", R22, R22), n, None, s


def _times(M, V, *, transpose: bool = False) -> np.ndarray:
    """``M @ V`` (or ``M.T @ V``) for a C-contiguous (m, n) M and a few columns V, via jitla.matmul.

    ``M.T @ V`` is computed as ``(V.T @ M).T`` so that the big operand is
    never copied into transposed order.
    """
    from jitla.linalg._matmul import matmul

    if V.shape[1] == 1:
        y = matmul(V[:, 0], M) if transpose else matmul(M, V[:, 0])
        return y.reshape(-1, 1)
    return np.ascontiguousarray(matmul(V.T, M).T) if transpose else matmul(M, V)


def thin_q_correction(Q, R):
    """``correction(F, G)`` for :func:`jitla.linalg._refine.refine_lstsq` from an explicit thin Q.

    The same solve as :func:`qr_augmented_correction` with ``A = Q R``, Q
    (m, n) with orthonormal columns (from TSQR): ``Q [h; d2]`` of the full
    factorisation equals ``Q h + (I - Q Q^T) f``, so with ``d1 = Q^T f``::

        h  = R^{-T} g,   dx = R^{-1} (d1 - h),   dr = f - Q (d1 - h).

    Two GEMVs over Q per correction (row-major friendly), instead of
    applying n reflectors column by column.  Flops ``4mnk``.
    """

    def correction(F, G):
        H = np.array(G, order="C")
        _solve_upper(R, H, trans=True)
        W = _times(Q, F, transpose=True) - H
        dR = F - _times(Q, W)
        _solve_upper(R, W)
        return dR, W

    return correction


def _solve_tsqr_refined(A, B, rcond, want_s):
    # A = Q R by TSQR with the thin Q formed, x = R^{-1} Q^T b, then refinement
    # with corrections from Q and R (thin_q_correction)
    m, n = A.shape
    Q = np.empty((m, n), dtype=A.dtype)
    R = np.empty((n, n), dtype=A.dtype)
    tsqr(A, Q, R, config.tsqr_rows(A.dtype))
    rank, s = _qr_rank(R, rcond, want_s)
    if rank < n:
        _warn_rank_deficient()
        return _solve_pivoted(A, B, rcond, True, want_s, s, rank if want_s else None)
    X = _times(Q, B, transpose=True)
    _solve_upper(R, X)
    Rres = dd_residual(A, X, B).astype(A.dtype)
    info = refine_lstsq(A, X, Rres, B, thin_q_correction(Q, R))
    return X, np.einsum("ij,ij->j", Rres, Rres), n, info, s


def _solve_qr_wide(A, B, rcond, refine, want_s):
    m, n = A.shape
    if refine:
        raise ValueError(
            "lstsq(refine=True) needs m >= n (an overdetermined or square system); "
            f"got a {m} x {n} underdetermined one"
        )
    QA = np.array(A.T, order="C")  # always a copy: the factorisation overwrites it
    tau = householder_qr(QA)
    rank, s = _qr_rank(QA[:m], rcond, want_s)
    if rank < m:
        raise LinAlgError(
            "lstsq(method='qr'): the underdetermined system's A is numerically rank-deficient "
            "(rank < m); method='svd' gives its minimum-norm solution, "
            "method='pivoted' a basic solution"
        )
    Y = B.copy()
    _solve_upper(QA[:m], Y, trans=True)
    X = np.zeros((n, B.shape[1]), dtype=A.dtype)
    X[:m] = Y
    _apply_q(QA, tau, X)
    return X, None, m, None, s


def _solve_pivoted(A, B, rcond, refine, want_s, s=None, rank=None):
    # A P = Q [R11 R12; 0 R22], rank r from |R[i, i]| > rcond |R[0, 0]|;
    # basic solution: (P^T x)[:r] = R11^{-1} (Q^T b)[:r], (P^T x)[r:] = 0
    m, n = A.shape
    QA = A.copy()
    jpvt = np.zeros(n, dtype=np.int64)
    tau = np.zeros(min(m, n), dtype=A.dtype)
    geqp3(QA, jpvt, tau)
    # rank: given by the caller ("qr" falling back, from singular values), else the pivots'
    r = int(numerical_rank(QA, rcond)) if rank is None else rank
    if want_s and s is None:
        s = _singular_values(QA[: min(m, n)])
    k = B.shape[1]
    X = np.zeros((n, k), dtype=A.dtype)
    if r == 0:
        return X, None, 0, None, s
    C = B.copy()
    _apply_qt(QA, tau, C)
    Y = C[:r].copy()
    R11 = np.ascontiguousarray(QA[:r, :r])
    _solve_upper(R11, Y)
    info = None
    ssq = np.einsum("ij,ij->j", C[n:], C[n:]) if r == n else None
    if refine:
        # the basic solution is the LS solution of the r chosen columns, and the
        # first r reflectors with R11 are a QR factorisation of exactly those
        Ar = np.ascontiguousarray(A[:, jpvt[:r]])
        QAr = np.ascontiguousarray(QA[:, :r])
        Rres = dd_residual(Ar, Y, B).astype(A.dtype)
        info = refine_lstsq(Ar, Y, Rres, B, qr_augmented_correction(QAr, tau[:r].copy(), r))
        ssq = np.einsum("ij,ij->j", Rres, Rres) if r == n else None
    X[jpvt[:r]] = Y
    return X, ssq, r, info, s


def _solve_normal(A, B, rcond, refine, want_s):
    # A^T A x = A^T b (m >= n) or A A^T y = b, x = A^T y (m < n), by Cholesky
    from jitla.linalg._cholesky import cho_factor, cho_solve
    from jitla.linalg._matmul import matmul

    # the Gram matrix is formed and factored in working precision: its
    # condition number is cond(A)**2, which is the whole story (devlog 004)
    if refine:
        raise ValueError("lstsq(refine=True) refines with QR factors: use method='qr' or 'pivoted'")
    m, n = A.shape
    wide = m < n
    G = matmul(A, A.T) if wide else matmul(A.T, A)
    try:
        factor = cho_factor(G, lower=False, check_finite=False)
    except LinAlgError as exc:
        raise LinAlgError(
            "lstsq(method='normal'): the Gram matrix is not numerically positive definite "
            "(A is rank-deficient, or cond(A)**2 >~ 1/eps); use method='qr' or 'pivoted'"
        ) from exc
    # rank test on the Cholesky factor U (U^T U = G, so |U[i, i]| plays the role of
    # QR's |R[i, i]|); rounding in G leaves an exactly dependent column with
    # |U[i, i]| ~ sqrt(eps) |U|, not eps |U|, hence the square root of rcond
    if _diag_rank(factor[0], np.sqrt(rcond)) < min(m, n):
        raise LinAlgError(
            "lstsq(method='normal'): A is numerically rank-deficient (some |U[i, i]| <= sqrt(rcond) "
            "* max |U| in the Cholesky factor of the Gram matrix); use method='pivoted'"
        )
    # U^T U = A^T A, so U has A's singular values -- but only as accurately as
    # the Gram matrix holds them: absolute error ~ eps * s[0]**2 / s[i]
    s = _singular_values(factor[0]) if want_s else None
    if wide:
        X = matmul(A.T, cho_solve(factor, B, check_finite=False))
        return X, None, m, None, s
    X = cho_solve(factor, matmul(A.T, B), check_finite=False)
    Rres = B - matmul(A, X)
    return X, np.einsum("ij,ij->j", Rres, Rres), n, None, s


def _solve_svd(A, B, rcond, refine, want_s):
    # A = U diag(s) V^T; x = V[:, :r] diag(1/s[:r]) U[:, :r]^T b with r = #{s > rcond s[0]}:
    # numpy's (LAPACK gelsd's) minimum-norm solution, by jitla's SVD
    from jitla.linalg._matmul import matmul
    from jitla.linalg._svd import svd

    if refine:
        raise ValueError("lstsq(refine=True) refines with QR factors: use method='qr' or 'pivoted'")
    m, n = A.shape
    U, s, Vh = svd(A, full_matrices=False)
    r = _numpy_rank(s, rcond)
    X = np.zeros((n, B.shape[1]), dtype=A.dtype)
    if r > 0:
        C = _times(np.ascontiguousarray(U[:, :r]), B, transpose=True) / s[:r, np.newaxis]
        X = np.ascontiguousarray(matmul(np.ascontiguousarray(Vh[:r].T), C))
    ssq = None
    if r == n and m > n:
        Rres = B - matmul(A, X)
        ssq = np.einsum("ij,ij->j", Rres, Rres)
    return X, ssq, r, None, s


_SOLVERS = {"qr": _solve_qr, "pivoted": _solve_pivoted, "normal": _solve_normal, "svd": _solve_svd}


# --------------------------------------------------------------------------
# the API
# --------------------------------------------------------------------------
def _assert_2d(*arrays) -> None:
    for a in arrays:
        if a.ndim != 2:
            raise LinAlgError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")


def lstsq(a, b, rcond=None, *, method: str = "qr", refine: bool = False, compute_s: bool = True):
    """Least-squares solution of ``a @ x = b`` (numpy.linalg.lstsq semantics).

    Parameters
    ----------
    a : (M, N) array_like
        Coefficient matrix.  Not modified.
    b : (M,) or (M, K) array_like
        Right-hand side(s).  Not modified.
    rcond : float, optional
        Relative rank tolerance.  ``"qr"`` and ``"svd"``: numpy's rule, rank
        = number of singular values ``> rcond * s[0]`` (with
        ``compute_s=False``, ``"qr"`` instead counts a rank deficiency when
        some ``|R[i, i]| <= rcond * max |R[j, j]|``).  ``"pivoted"``: the
        number of pivots ``|R[i, i]| > rcond * |R[0, 0]|`` (LAPACK
        ``xGELSY``'s kind of rule).  Default ``eps * max(M, N)`` as numpy;
        a value <= 0 or >= 1 means the unit roundoff ``eps / 2``, as numpy
        (whose LAPACK ``gelsd`` does so).
    method : {"qr", "pivoted", "normal", "svd"}
        ``"qr"`` (default): Householder QR; for M < N the minimum-norm
        solution via a QR of ``a.T``; for tall-skinny ``[a | b]`` (the rule
        of :func:`jitla.linalg._policy.lstsq_plan`, the same as
        :func:`jitla.linalg.qr`'s) and no refinement, the R factor of
        ``[a | b]`` by TSQR (``x = R11^{-1} R12``, residuals from R22; Q is
        never formed); for narrow ``[a | b]`` (``N + K <=
        config.QR_UNBLOCKED_MAX``, ``M >= config.LSTSQ_FIT_ASPECT (N + K)``)
        and no refinement, the same with the R
        factor of the regression fit (:mod:`jitla.kernels.least_squares`:
        an LQ factorisation of ``[a | b]^T``, then ``R11^{-1} R12`` on
        R11's equilibrated columns).  Small float64 ndarrays of full rank
        (min(M, N) <= ``config.LSTSQ_VALUES_JACOBI_MAX``, the rule of
        :func:`jitla.linalg._policy.lstsq_small_route`) skip the general
        path's Python (:func:`_lstsq_small`): narrow ones as above, square
        and nearly square ones (M >= N) with the same R of ``[a | b]``,
        those with more right-hand sides (K > N, or K > N / 2 from M >= 2 N
        on) with the Householder QR of ``[a | b]`` below, wide ones with the
        QR of ``a.T`` above -- the same answers to rounding.  Otherwise,
        M >= N: the Householder QR of A factors ``[a | b]`` with N
        reflectors, so ``Q^T b`` comes out of the same passes (blocked:
        the same GEMM updates).  When the rank test above finds a tall A
        rank-deficient it warns (:class:`LstsqRankWarning`) and continues
        as ``"pivoted"``; a rank-deficient wide A raises ``LinAlgError``.
        ``"pivoted"``: column-pivoted QR; rank-deficient data give the basic
        solution (zeros for the dependent columns), not numpy's
        minimum-norm one.
        ``"normal"``: Cholesky of ``a.T @ a`` (or ``a @ a.T`` when M < N);
        squares the condition number: only for well-conditioned data.
        Rank test: ``LinAlgError`` when the Gram matrix is not numerically
        positive definite or some ``|U[i, i]| <= sqrt(rcond) max |U[j, j]|``
        in its Cholesky factor U (rounding in ``a.T @ a`` leaves a
        dependent column at ~sqrt(eps), not eps); this catches rank
        deficiency, *not* ill-conditioning: a degree-10 polynomial fit
        passes it and comes back with no correct digit (devlog 004).
        ``"svd"``: jitla's SVD of a (:func:`jitla.linalg.svd`, "auto"):
        numpy's truncated minimum-norm solution, also for rank-deficient and
        wide a; slower than the QR methods.
    refine : bool
        Extra-precise iterative refinement on Bjorck's augmented system
        (residuals in double-double, corrections with the QR factors),
        for ``"qr"`` and ``"pivoted"`` with M >= N (tall-skinny a: TSQR
        with the thin Q formed, corrections by two GEMVs over Q; otherwise
        the Householder factors).  On ill-conditioned,
        full-rank problems it brings x to nearly full working precision
        (devlog 004).
    compute_s : bool
        jitla extension: ``False`` skips the singular values (s is None),
        which saves the O(N^3) SVD of R for large N.

    Returns
    -------
    x : (N,) or (N, K) ndarray
        Solution(s); float32 when a and b are float32, else float64.
    residuals : (K,) or (1,) or (0,) ndarray
        Squared 2-norms of ``b - a @ x`` per column when rank == N < M,
        else empty (numpy's rule).  From ``(Q^T b)[N:]`` (QR; the column
        norms of R22 on the ``[a | b]`` routes), or from the refined
        residual vector with ``refine=True``.
    rank : numpy.int32
        Numerical rank found with *rcond* (see above).
    s : (min(M, N),) ndarray or None
        Singular values of a, descending.  ``"svd"``: from jitla's SVD
        of a (:func:`jitla.linalg.svd`, "auto"); ``"qr"`` / ``"pivoted"``: from the
        bidiagonalisation of the small triangular factor R (same singular
        values as a; O(N^3) at matrix-vector speed), each within about
        ``eps * s[0]`` -- numpy's (``dgelsd``'s) accuracy, so a value
        below ~``eps * s[0]`` may come back as 0 (for R of at most
        ``config.LSTSQ_VALUES_JACOBI_MAX`` rows by one-sided Jacobi, which
        is relatively accurate: as fast there, and quicker to compile);
        ``"normal"``: from the
        Cholesky factor, accurate only to ``~eps * s[0]**2 / s[i]`` (the
        Gram matrix's precision).  None with ``compute_s=False``.

    Raises
    ------
    LinAlgError
        "``d``-dimensional array given. Array must be two-dimensional",
        "Incompatible dimensions" (as numpy); "Array must not contain infs
        or NaNs" (numpy's SVD fails with "SVD did not converge in Linear
        Least Squares" there); an underdetermined rank-deficient A with
        ``"qr"``; Cholesky failure with ``"normal"``.
    TypeError
        Complex input with ``refine=True`` or a method other than "qr" / "svd".
    ValueError
        Unknown *method*; ``refine=True`` with ``"normal"`` or ``"svd"``,
        or with ``"qr"`` and M < N.

    Notes
    -----
    Complex a or b (complex64 / complex128, numpy's promotion): methods
    ``"qr"`` (complex Householder QR; a rank-deficient A is solved from
    its SVD, which is numpy's minimum-norm answer) and ``"svd"``; x is
    complex, residuals and s real; ``refine`` and the other methods raise
    ``TypeError``.

    As LAPACK's ``xGELSD`` (under numpy's lstsq), A and b whose largest
    entry lies outside ``[smlnum, 1 / smlnum]`` (``smlnum`` = the smallest
    normal number / eps, about 1e-292) are scaled by a power of two first
    and the results scaled back: a factorisation of subnormal data would
    round at an absolute level and misjudge the rank.

    Flops: QR ``2MN^2 - 2N^3/3`` (+ ``4MNK`` to apply Q^T); normal
    equations ``2MN^2 + N^3/3`` (jitla forms A^T A with the general GEMM,
    not a symmetric rank-k update); each refinement step about ``58MNK``
    (two double-double residuals at ~25 flops per term, and a QR
    correction).  References: Golub & Van Loan, *Matrix Computations*, 4th
    ed., Sec. 5.3 (the full-rank LS problem), 5.4.1-5.4.2 (rank
    deficiency, the basic solution); Bjorck, *Numerical Methods for Least
    Squares Problems*, SIAM 1996, Sec. 1.3.2 (minimum norm via QR of A^T),
    2.9 (refinement); LAPACK ``xGELSY``, ``xGELSD``.

    Examples
    --------
    >>> import numpy as np
    >>> from jitla.linalg import lstsq
    >>> x, res, rank, s = lstsq(np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), np.array([1.0, 2.0, 2.0]))
    >>> np.round(x, 6), int(rank), np.round(s, 6)
    (array([1.166667, 0.5     ]), 2, array([2.676243, 0.915272]))
    """
    if type(method) is str and method == "qr" and not refine and compute_s:
        solved = _lstsq_small(a, b, rcond)
        if solved is not None:
            return solved
    x, residuals, rank, s, _ = _lstsq_core(a, b, rcond, method, refine, compute_s)
    wrap = array_wrap(b)  # numpy's rule: b's subclass, for x and the residuals
    if wrap is not None:
        return wrap(x), wrap(residuals), rank, s
    return x, residuals, rank, s


def _rank_rcond(rcond, eps: float, m: int, n: int) -> float:
    """The rcond of numpy's rank rule: ``eps max(m, n)`` by default.

    numpy passes rcond to LAPACK's gelsd, whose dlalsd then uses the unit
    roundoff (dlamch('Epsilon') = eps / 2) for rcond <= 0 or >= 1.
    """
    rcond = eps * max(m, n) if rcond is None else float(rcond)
    return eps / 2 if rcond <= 0 or rcond >= 1 else rcond


def _lstsq_core(a, b, rcond, method, refine, compute_s):
    """:func:`lstsq` returning ``(x, residuals, rank, s, RefineInfo or None)``."""
    a = np.asarray(a)
    b = np.asarray(b)
    is_1d = b.ndim == 1
    b2 = b.reshape(b.shape[0], 1) if is_1d else b
    _assert_2d(a, b2)
    m, n = a.shape
    if b2.shape[0] != m:
        raise LinAlgError("Incompatible dimensions")
    dtype = result_float_dtype(a, b, allow_complex=True)
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    if dtype.kind == "c" and (refine or method not in ("qr", "svd")):
        from jitla.linalg._complex import unsupported

        raise unsupported("lstsq(refine=True)" if refine else f"lstsq(method={method!r})", dtype)
    eps = float(np.finfo(dtype).eps)
    rcond = _rank_rcond(rcond, eps, m, n)
    # single precision is solved in double and rounded once at the end (the rank rule keeps the
    # single-precision eps): float32 kernels would leave residuals of ~10 eps32, which numpy's own
    # tests of lstsq reject (numpy's cgelsd/sgelsd are that much better), and compile twice
    work = {np.dtype(np.float32): np.dtype(np.float64), np.dtype(np.complex64): np.dtype(np.complex128)}
    work = work.get(dtype, dtype)
    # no copy of C-ordered float data: every solver reads A and B only (copies where it writes);
    # a fresh (m, k) array here costs a pass and, from glibc's mmap threshold on, a page fault per
    # 4 KiB the first time it is written (devlog 103)
    A = as_float_operand(a, work)
    B = as_float_operand(b2, work)
    A, ea = _finite_in_range(A)
    B, eb = _finite_in_range(B)
    k = B.shape[1]

    info = None
    real = np.finfo(dtype).dtype  # residuals and s are real, also for complex a, b (numpy)
    if m == 0 or n == 0:
        X, ssq, rank = np.zeros((n, k), dtype=work), np.einsum("ij,ij->j", B.conj(), B).real, 0
        s = np.zeros(0, dtype=real) if compute_s else None
    elif dtype.kind == "c":
        from jitla.linalg import _complex

        X, ssq, rank, s = _complex.lstsq(A, B, rcond, method, bool(compute_s))
    else:
        X, ssq, rank, info, s = _SOLVERS[method](A, B, rcond, refine, bool(compute_s))
    if ea or eb:  # undo the scaling: x = 2**(ea - eb) x', residuals 2**(-2 eb), s 2**(-ea)
        X = _times_power_of_two(X, ea - eb)
        ssq = None if ssq is None else np.ldexp(np.asarray(ssq, dtype=float), -2 * eb)
        s = None if s is None else np.ldexp(np.asarray(s, dtype=float), -ea)
    X = X.astype(dtype, copy=False)
    if is_1d:
        X = X[:, 0]
    if rank != n or m <= n or ssq is None:
        residuals = np.array([], dtype=real)
    else:
        residuals = np.asarray(ssq, dtype=real)
    if s is not None:
        s = np.asarray(s, dtype=real)
    return X, residuals, np.int32(rank), s, info


#: LAPACK xGELSD's range for ``max |A|`` and ``max |B|``: ``smlnum = safe minimum / eps`` and
#: ``bignum = 1 / smlnum`` (about 1e-292 and 1e+292 in double precision)
_SMLNUM = float(np.finfo(np.float64).tiny / np.finfo(np.float64).eps)
_BIGNUM = 1.0 / _SMLNUM
#: The small route's column scales (powers of two near R11's column lengths) must lie within
#: 2**+-_RANGE_EXPONENT, inside [smlnum, bignum]; outside it the general path scales the data
_RANGE_EXPONENT = 960


def _finite_in_range(M):
    """``(M, e)``: M, or ``2**e M`` (exact) when ``max |M|`` lies outside LAPACK's range.

    numpy's ``LinAlgError`` for a NaN or an inf (the maximum propagates
    both).  As LAPACK's ``xGELSD`` (``xLASCL`` when ``anrm < smlnum`` or
    ``> bignum``), data whose largest entry is outside ``[smlnum,
    bignum]`` are scaled, here by a power of two that brings it into
    ``[0.5, 1)``: subnormal entries carry fewer significant bits, so a
    factorisation of unscaled subnormal data rounds at an absolute, not a
    relative, level (a constant 12 x 10 matrix of 1e-310 would get rank 5),
    and data near overflow overflow in the sums of squares.  ``e = 0``
    (and M itself) otherwise, or for an empty or zero M.
    """
    if M.size == 0:
        return M, 0
    # max and min, not abs(M).max(): no temporary of M's size (a NaN propagates through both)
    big = max(float(M.max()), -float(M.min())) if M.dtype.kind != "c" else float(np.abs(M).max())
    if not math.isfinite(big):
        raise LinAlgError("Array must not contain infs or NaNs")
    if big == 0.0 or _SMLNUM <= big <= _BIGNUM:
        return M, 0
    e = -math.frexp(big)[1]
    return _times_power_of_two(M, e), e


def _times_power_of_two(M, e: int):
    """``2**e M`` for a real or complex M (exact unless it overflows or underflows)."""
    if M.dtype.kind != "c":
        return np.ldexp(M, e)
    out = np.empty_like(M)
    out.real = np.ldexp(M.real, e)
    out.imag = np.ldexp(M.imag, e)
    return out


_FLOAT64 = np.dtype(np.float64)
_EPS64 = float(np.finfo(np.float64).eps)
_NO_WEIGHTS = np.empty(0)  # the fit kernels' "no row weights"
_SQRT_HUGE = float(np.sqrt(np.finfo(np.float64).max))
#: numpy's int32 ranks of the small route, made once (numpy scalars are immutable)
_RANKS = [np.int32(r) for r in range(config.LSTSQ_VALUES_JACOBI_MAX + 1)]


def _lstsq_small(a, b, rcond):
    """:func:`lstsq` of a small float64 problem without the general path's Python, else None.

    float64 ndarrays, A (m, n) with a ``lstsq_small_route(m, n, k)``, full
    rank: for m >= n the regression fit's kernels (``design_r``,
    ``solve_from_r``, the Jacobi values of R11), called from here
    (:func:`_three_calls`) with only the Python they need, or, for B wider
    than A and not narrow, the general path's Householder QR of A
    (:func:`_householder_calls`); for m < n the general path's kernels for
    the minimum-norm solution (:func:`_wide_calls`).
    Every kernel is one of the general path or of a cold narrow lstsq / OLS
    fit, on the same signatures.  None (the caller takes the general path, which raises,
    warns or falls back as it does) for anything else, and whenever the
    kernels find a non-finite input, a rank deficiency or an unclean solve.
    At ``m x n = 100 x 3`` (devlog 095) and ``3 x 3`` (devlog 097) the
    general path's Python (checks, copies, the public SVD of R, ufunc
    reductions) took several times the arithmetic.
    """
    # (a float64 dtype other than numpy's own instance, e.g. byte-swapped, takes the general path)
    if (
        type(a) is not np.ndarray
        or type(b) is not np.ndarray
        or a.dtype is not _FLOAT64
        or b.dtype is not _FLOAT64
    ):
        return None
    if a.ndim != 2 or b.ndim not in (1, 2):
        return None
    m, n = a.shape
    is_1d = b.ndim == 1
    k = 1 if is_1d else b.shape[1]
    route = lstsq_small_route(m, n, k) if b.shape[0] == m else None
    if not route:
        return None
    rcond = _rank_rcond(rcond, _EPS64, m, n)
    # the kernels read rows and are compiled for writeable C-order operands (as_float_operand)
    if not (a.flags.c_contiguous and a.flags.writeable):
        a = np.array(a, order="C")
    b2 = b.reshape(m, 1) if is_1d else b
    if not (b2.flags.c_contiguous and b2.flags.writeable):
        b2 = np.array(b2, order="C")
    if route != "fit":
        solved = (_wide_calls if route == "wide" else _householder_calls)(a, b2, rcond)
        if solved is None:
            return None
        X, residuals, s = solved
    else:
        X = np.empty((n, k))
        s = np.empty(n)
        residuals = _three_calls(a, b2, rcond, X, s)
        if residuals is None:
            return None
    rank = min(m, n)
    return (X[:, 0] if is_1d else X), residuals, _RANKS[rank] if rank < len(_RANKS) else np.int32(rank), s


def _three_calls(A, B, rcond, X, s):
    """The fit's steps as three kernel calls: X and s written; the residuals, or None.

    ``design_r``; ``solve_from_r`` (on the data: its residual sums over the
    rows are finite exactly when A and B are, since a NaN or inf in a row
    reaches that row's residual and no sum of a non-finite term is finite
    -- the finiteness check, which R alone is not: a NaN in a column that
    is otherwise zero leaves a Householder vector the reflector skips);
    the Jacobi values of R11 (:func:`_jacobi_operand`); numpy's rank rule
    on the sorted values (full rank iff ``s[n-1] > rcond s[0]``); the
    residuals ``||R22[:, j]||^2`` when m > n (R22's rows past m are zero),
    else none (numpy's rule).  A narrow ``[A | B]`` gives the Jacobi kernel
    the columns of R11, as the general path does (the same values, bit for
    bit); a square or nearly square one its rows (faster, below).
    """
    m, n = A.shape
    k = B.shape[1]
    R = np.empty((n + k, n + k))
    aux = np.empty(2 * n + k)
    design_r, solve_from_r, svdvals, _, _, _ = _small_kernels or _load_small_kernels()
    design_r(A, B, _NO_WEIGHTS, 0, R)
    if solve_from_r(R, A, B, _NO_WEIGHTS, 0, 0.0, X, np.empty((n, n)), aux):
        return None
    scales = aux.tolist()
    if not math.isfinite(sum(scales[2 * n :])):  # a NaN or inf in A or B (or a sum that overflowed)
        return None
    dmax = max(scales[:n])
    if not -_RANGE_EXPONENT <= math.frexp(dmax)[1] <= _RANGE_EXPONENT:
        return None  # subnormal or nearly overflowing data: the general path scales them first
    G, e = _jacobi_operand(R, n, dmax, m >= config.LSTSQ_FIT_ASPECT * (n + k))
    if svdvals(G, s):
        return None
    if e:
        np.ldexp(s, -e, out=s)
    if not _full_rank(s, rcond):
        return None
    if m <= n:
        return np.empty(0)
    if k == 1:
        r = R.item(n, n)
        return np.array([r * r])
    R22 = R[n:, n:]
    return np.einsum("ij,ij->j", R22, R22)


def _full_rank(s, rcond) -> bool:
    """numpy's rank rule on descending values *s*: full rank iff ``s[-1] > rcond s[0]``, s[0] != 0."""
    s0 = s.item(0)
    return s0 != 0.0 and s.item(s.shape[0] - 1) > rcond * s0


def _jacobi_operand(R, n, dmax, columns):
    """``(G, e)``: the operand of the Jacobi values kernel for R11 = ``R[:n, :n]``, scaled by ``2**e``.

    G holds the columns of R11 as rows (``columns``, what the general path
    gives the kernel) or the rows of R11 (one-sided Jacobi on R11^T, which
    after a QR needs fewer sweeps: Drmac & Veselic, SIAM J. Matrix Anal.
    Appl. 29 (2008), 1322-1342; 10 x 10 Gaussian, 6 sweeps against 7, and
    4 against 10 at condition number 1e12).  ``dmax``: the largest of
    ``solve_from_r``'s column scales, a power of two within sqrt(2) of
    R11's longest column, so ``max |R11| <= sqrt(2) dmax = 2**(t - 0.5)``
    with t the exponent ``frexp(dmax)`` gives.  The values are invariant
    under scaling by a power of two as long as nothing overflows or
    underflows, so R11 is scaled (``_svd._scale_exponent``'s target: largest
    entry below ``sqrt(huge) / (2 n)``, within a factor ``4 sqrt(2 n)`` of
    it) only when ``|t| > 256`` -- otherwise no squared row norm can
    overflow and no product that affects a value above ``eps * s[0]`` can
    underflow, and the copy is all (a scaling ufunc costs a microsecond).
    """
    R11 = R[:n, :n]
    if columns:
        R11 = R11.T
    t = math.frexp(dmax)[1]
    if -256 <= t <= 256:
        return R11.copy(), 0
    e = math.floor(math.log2(_SQRT_HUGE / (2 * n))) - t
    # C order, as the copy above: a ufunc's own output follows R11.T's (F) order, and an F
    # operand would compile a second signature of the Jacobi kernel in the middle of a call
    return np.ldexp(R11, e, out=np.empty((n, n))), e


def _wide_calls(A, B, rcond):
    """``(X, residuals, s)`` of an underdetermined problem of full row rank (m < n), or None.

    The residuals are empty (numpy's rule for m <= n).

    :func:`_solve_qr_wide`'s steps on its kernels (``A^T = Q [R; 0]`` by
    ``geqr2``, ``x = Q [R^{-T} b; 0]``), so X bit for bit its answer; s the
    Jacobi values of the rows of R (:func:`_jacobi_operand`'s reason).
    Finiteness without a pass of its own: a NaN or inf in A makes a
    reflector scalar tau or an entry of R non-finite (then s is, and the
    rank test fails) unless its reflector is skipped (tau = 0: None,
    whatever the data); one in B makes ``R^{-T} B`` non-finite.  None also
    when R's largest diagonal entry leaves ``[2**-257, 2**256)`` (the
    general path scales R; here an overflow in the Jacobi sweeps would only
    make s non-finite, and the rank test fail).
    """
    m, n = A.shape
    k = B.shape[1]
    _, _, svdvals, geqr2, trsv, trsm = _small_kernels or _load_small_kernels()
    QA = np.array(A.T, order="C")  # (n, m): the factorisation overwrites it
    tau = np.zeros(m)
    geqr2(QA, tau)
    taus = tau.tolist()
    if 0.0 in taus or not math.isfinite(sum(taus)):
        return None
    R = QA[:m]
    G = np.multiply(R, _upper_mask(m))
    if not -256 <= math.frexp(max(map(abs, G.diagonal().tolist())))[1] <= 256:
        return None
    s = np.empty(m)
    if svdvals(G, s):
        return None
    if not _full_rank(s, rcond):
        return None
    Y = B.copy()
    # _solve_upper's kernels (trsm_plan's rules 1 and 2; a zero pivot is unreachable here)
    if k == 1:
        if trsv(R, Y[:, 0], False, True, False):
            return None
    elif trsm_plan(m, k).variant == "unblocked":
        if trsm(R, Y, False, True, False):
            return None
    else:
        _solve_upper(R, Y, trans=True)
    if not math.isfinite(sum(Y.ravel().tolist())):
        return None
    X = np.zeros((n, k))
    X[:m] = Y
    apply_q(QA, tau, X)
    return X, np.empty(0), s


def _householder_calls(A, B, rcond):
    """``(X, residuals, s)`` of a full-rank problem with B wider than A (m >= n), or None.

    :func:`_solve_householder`'s steps on its kernels (``geqr2`` of ``[A |
    B]`` with n reflectors: R and ``C = Q^T B``; ``x = R^{-1} C[:n]``; the
    residuals ``||C[n:, j]||^2`` when m > n), so X bit for bit its answer;
    s the Jacobi values of the rows of R, as :func:`_wide_calls`, whose
    checks these are: a zero reflector scalar among the first ``min(n, m -
    1)`` (the last of a square A is always zero) or a non-finite one, R's
    largest diagonal entry outside ``[2**-257, 2**256)``, a zero pivot, a
    non-finite x (a NaN or inf in B reaches every entry of its column of C
    through the first reflector), a non-converged Jacobi, rank below n --
    None, and the general path decides.  The fit's R of ``[A | B]`` would
    factor B's columns too: ``2 m (n + k)^2`` flops against ``2 m n (n +
    2 k)`` here (devlog 097).
    """
    m, n = A.shape
    k = B.shape[1]
    _, _, svdvals, geqr2, _, trsm = _small_kernels or _load_small_kernels()
    AB = np.empty((m, n + k))
    AB[:, :n] = A
    AB[:, n:] = B
    tau = np.zeros(n)
    geqr2(AB, tau)  # _augmented_householder's call (householder_plan's rule 1: m n small)
    taus = tau.tolist()
    if 0.0 in taus[: m - 1] or not math.isfinite(sum(taus)):
        return None
    R = np.multiply(AB[:n, :n], _upper_mask(n))  # C order: the solve's operand, then the Jacobi's
    if not -256 <= math.frexp(max(map(abs, R.diagonal().tolist())))[1] <= 256:
        return None
    X = AB[:n, n:].copy()
    # _solve_upper's kernel for k > 1 (trsm_plan's rule 2: n < 2 nb); a zero pivot: None (rank < n)
    if trsm_plan(n, k).variant == "unblocked":
        if trsm(R, X, False, False, False):
            return None
    else:
        _solve_upper(R, X)
    if not math.isfinite(sum(X.ravel().tolist())):
        return None
    s = np.empty(n)
    if svdvals(R, s) or not _full_rank(s, rcond):
        return None
    if m <= n:
        return X, np.empty(0), s
    D = AB[n:, n:]
    return X, np.einsum("ij,ij->j", D, D), s


#: float (m, m) masks of the upper triangle, made on first use
_upper_masks: dict = {}


def _upper_mask(m):
    mask = _upper_masks.get(m)
    if mask is None:
        mask = np.triu(np.ones((m, m)))
        mask.flags.writeable = False
        _upper_masks[m] = mask
    return mask


#: (design_r, solve_from_r, svdvals jacobi, qr unblocked, trsv, trsm unblocked) once looked up
_small_kernels: list = []


def _load_small_kernels():
    names = (
        ("least_squares", "design_r"),
        ("least_squares", "solve_from_r"),
        ("svdvals", "jacobi"),
        ("qr", "unblocked"),
        ("trsv", "serial"),
        ("trsm", "unblocked"),
    )
    _small_kernels[:] = [get_kernel(*name).func for name in names]
    return _small_kernels
