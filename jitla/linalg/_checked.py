"""Checked wrappers of the kernels the regression layer needs and numpy.linalg has no name for.

The regression layer calls :mod:`jitla.linalg` only (DESIGN.md's layers);
where it needs a kernel of its own -- influence measures, double-double
designs and residuals, orthogonal polynomials -- it calls one of these.
Each one checks what its kernel trusts (dtype, shapes, C order), allocates
the outputs, picks the variant through :mod:`jitla.linalg._policy` where
there is a choice, and calls the kernel.  A failed check is a bug in the
caller, so the messages name the argument and what was expected.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._validate import writeable_view
from jitla.kernels import get_kernel
from jitla.kernels.regression import (
    COOKS,
    COVRATIO,
    DFFITS,
    DFFITS_INTERNAL,
    HAT,
    INFLUENCE,
    NSTAT,
    PRESS,
    RESID_STD,
    SIGMA_I,
    STUDENT_EXTERNAL,
    STUDENT_INTERNAL,
)
from jitla.linalg._policy import influence_plan, least_squares_plan

__all__ = [
    "COOKS",
    "COVRATIO",
    "DFFITS",
    "DFFITS_INTERNAL",
    "HAT",
    "INFLUENCE",
    "NSTAT",
    "PRESS",
    "RESID_STD",
    "SIGMA_I",
    "STUDENT_EXTERNAL",
    "STUDENT_INTERNAL",
    "BINOMIAL_LOGIT",
    "POISSON_LOG",
    "dd_residual_split",
    "glm_eval",
    "glm_gram",
    "glm_score",
    "gram_design",
    "influence_measures",
    "least_squares_qr",
    "scan_design",
    "monomials",
    "monomials_split",
    "orthopoly_eval",
    "orthopoly_fit",
]


def _require(name: str, a, shape: tuple, dtypes=(np.float64,), order: str = "C") -> None:
    """ValueError unless *a* is an ndarray of one of *dtypes*, of *shape* (None: any), C-contiguous."""
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(a).__name__}")
    if a.dtype not in [np.dtype(d) for d in dtypes]:
        names = " or ".join(np.dtype(d).name for d in dtypes)
        raise ValueError(f"{name} must have dtype {names}, got {a.dtype}")
    if a.ndim != len(shape) or any(s is not None and s != t for s, t in zip(shape, a.shape, strict=True)):
        want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got {a.shape}")
    if order == "C" and not a.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous")


def influence_measures(X, e, R, dinv, fit):
    """Leverage and deletion statistics of every row of a least-squares fit.

    Parameters
    ----------
    X : (n, k) float64 ndarray, C-contiguous
        The (whitened) design's kept columns.
    e : (n,) float64 ndarray
        Residuals.
    R : (k, k) float64 ndarray, C-contiguous
        Upper-triangular factor of X, non-zero diagonal.
    dinv : (k,) float64 ndarray
        Row norms of ``R^{-1}``.
    fit : tuple of 3 floats
        ``(ssr, df_resid, tol)``.

    Returns
    -------
    stats : (NSTAT, n) ndarray
        Rows indexed by ``HAT``, ``STUDENT_INTERNAL``, ... (re-exported here).
    dfbeta, dfbetas : (n, k) ndarrays
    flagged : int
        Rows with leverage 1 (within ``tol``); their measures are NaN.

    Notes
    -----
    :mod:`jitla.kernels.regression`; serial or parallel as
    :func:`jitla.linalg._policy.influence_plan` decides (bitwise the same
    numbers either way).
    """
    _require("X", X, (None, None))
    n, k = X.shape
    _require("e", e, (n,))
    _require("R", R, (k, k))
    _require("dinv", dinv, (k,))
    if len(fit) != 3:
        raise ValueError(f"fit must be (ssr, df_resid, tol), got {fit!r}")
    fit = tuple(float(v) for v in fit)
    stats = np.empty((NSTAT, n))
    dfbeta = np.empty((n, k))
    dfbetas = np.empty((n, k))
    kernel = get_kernel(*influence_plan(n, k)[:2]).func
    flagged = int(kernel(X, e, R, dinv, fit, stats, dfbeta, dfbetas))
    return stats, dfbeta, dfbetas, flagged


def least_squares_qr(X, Y, sqrt_weights, ones: bool, rtol: float, *, residuals: bool = True):
    """``min ||diag(w) (Y - [1 | X] B)||`` by one QR of the augmented matrix: R, B, the inverse factor, SSR.

    Parameters
    ----------
    X : (m, p0) ndarray
        float64 (anything else, or a strided array, is converted: a copy).
    Y : (m, k) ndarray
        As X.
    sqrt_weights : (m,) ndarray or None
        Row weights w (square roots of regression weights).
    ones : bool
        A column of ones (an intercept) before X.
    rtol : float
        Full-rank test of :func:`jitla.kernels.least_squares.solve_from_r`.
    residuals : bool
        False: the residual sums of squares (``2 m p k`` flops over the data)
        are not computed and ``aux[2 p:]`` holds zeros -- for a caller that
        takes them from R's last k rows (``||R22[:, j]||^2``).

    Returns
    -------
    status : int
        0: full rank, every output written; 1: the rank test failed; 2: a
        coefficient is not finite.  After 1 or 2 only R is meaningful.
    R : (n, n) ndarray
        Upper-triangular factor of ``diag(w) [1 | X | Y]`` with a
        non-negative diagonal, ``n = ones + p0 + k`` (as
        :func:`jitla.linalg.qr_r_augmented`).
    B : (p, k) ndarray
        Coefficients (``p = ones + p0``).
    Rinv : (p, p) ndarray
        ``D R11^{-1}``, the inverse factor of the equilibrated design.
    aux : (2 p + k,) ndarray
        The column scales d, ``diag(Rinv Rinv^T)`` and the residual sums of
        squares.

    Notes
    -----
    :mod:`jitla.kernels.least_squares`: R by ``design_r`` unless
    :func:`jitla.linalg._policy.least_squares_plan` sends it to TSQR or the
    blocked QR (:func:`jitla.linalg.qr_r_augmented`), then ``solve_from_r``.
    """
    # strided or non-float64 operands are converted once (the kernels read rows)
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    if X.ndim != 2 or Y.ndim != 2 or Y.shape[0] != X.shape[0]:
        raise ValueError(f"X and Y must be 2-D with the same number of rows, got {X.shape} and {Y.shape}")
    m, p0 = X.shape
    if sqrt_weights is None:
        w = np.empty(0)  # the kernels' "no weights" (one array type for both cases: one compilation)
    else:
        w = np.ascontiguousarray(sqrt_weights, dtype=np.float64)
        if w.shape != (m,):
            raise ValueError(f"sqrt_weights must have shape ({m},), got {w.shape}")
    c = 1 if ones else 0
    p = c + p0
    k = Y.shape[1]
    n = p + k
    R = np.empty((n, n))
    B = np.empty((p, k))
    Rinv = np.empty((p, p))
    aux = np.empty(2 * p + k)
    if least_squares_plan(m, n, 1).op == "least_squares":  # threads do not change this answer
        get_kernel("least_squares", "design_r").func(X, Y, w, c, R)
    else:
        from jitla.linalg._qr import qr_r_augmented

        R = qr_r_augmented(X, Y, sqrt_weights=None if sqrt_weights is None else w, ones=ones)
    if not residuals:  # no rows: the same argument types, a loop of no iterations
        X, Y, w = X[:0], Y[:0], w[:0]
    status = get_kernel("least_squares", "solve_from_r").func(R, X, Y, w, c, float(rtol), B, Rinv, aux)
    return int(status), R, B, Rinv, aux


def scan_design(A) -> int:
    """-2 if A holds a NaN or inf, else its first constant non-zero column, else -1.

    A is a C-contiguous float64 array, 1-D (one column) or 2-D.  One pass
    (:func:`jitla.kernels.least_squares.scan_design`).
    """
    if not (
        isinstance(A, np.ndarray) and A.dtype == np.float64 and A.flags.c_contiguous and A.ndim in (1, 2)
    ):
        raise ValueError(f"A must be a C-contiguous float64 array of 1 or 2 dimensions, got {A!r:.60}")
    if A.ndim == 1:
        A = A.reshape(A.shape[0], 1)
    return int(get_kernel("scan_design", "serial").func(A))


def dd_residual_split(A_hi, A_lo, x, y, r):
    """``f = y - r - (A_hi + A_lo) x`` and ``g = -(A_hi + A_lo)^T r``, each entry in double-double.

    All float64, A_hi and A_lo (m, n) C-contiguous, x (n,), y and r (m,).
    Returns ``(f, g)`` rounded to float64
    (:func:`jitla.kernels.polynomial.dd_residual_split`).
    """
    _require("A_hi", A_hi, (None, None))
    m, n = A_hi.shape
    _require("A_lo", A_lo, (m, n))
    _require("x", x, (n,))
    _require("y", y, (m,))
    _require("r", r, (m,))
    f = np.empty(m)
    g = np.empty(n)
    get_kernel("dd_residual_split", "serial").func(A_hi, A_lo, x, y, r, f, g)
    return f, g


def _require_tree(X, parent, factor, column, q):
    _require("X", X, (None, None), (np.float64, np.float32))
    size = parent.shape[0] if isinstance(parent, np.ndarray) else -1
    for name, a in (("parent", parent), ("factor", factor), ("column", column)):
        _require(name, a, (size,), (np.int64,))
    if size and (column.max() >= q or factor.max() >= X.shape[1]):
        raise ValueError("column or factor index out of range")


def monomials(X, parent, factor, column, q: int):
    """The (n, q) monomial design of X, each entry correctly rounded (dtype of X).

    Monomial ``k`` is monomial ``parent[k]`` times feature ``factor[k]`` and
    goes to column ``column[k]`` (none when negative)
    (:func:`jitla.kernels.polynomial.monomials_dd`).
    """
    _require_tree(X, parent, factor, column, q)
    out = np.empty((X.shape[0], q), dtype=X.dtype)
    if q:
        get_kernel("monomials", "dd").func(X, parent, factor, column, out)
    return out


def monomials_split(X, parent, factor, column, q: int):
    """``(hi, lo)``: the monomial design of :func:`monomials` as a double-double sum, float64."""
    _require_tree(X, parent, factor, column, q)
    hi = np.empty((X.shape[0], q))
    lo = np.empty_like(hi)
    get_kernel("monomials", "dd_split").func(X, parent, factor, column, hi, lo)
    return hi, lo


def orthopoly_fit(t, degree: int):
    """Discrete orthogonal polynomials on the points t (float64, 1-D, C-contiguous).

    Returns ``(P, alpha, norm2)``: P (n, degree + 1) their values, alpha
    (degree,) and norm2 (degree + 2,) the recurrence coefficients
    (:func:`jitla.kernels.polynomial.stieltjes`).
    """
    _require("t", t, (None,))
    if degree < 0:
        raise ValueError(f"degree must be >= 0, got {degree}")
    alpha = np.empty(degree, np.float64)
    norm2 = np.empty(degree + 2, np.float64)
    P = np.empty((t.size, degree + 1), np.float64)
    get_kernel("orthopoly", "stieltjes").func(t, P, alpha, norm2)
    return P, alpha, norm2


def orthopoly_eval(t, alpha, norm2):
    """Values (n, degree) of the orthogonal polynomials of degree 1..degree at t, from their recurrence.

    (:func:`jitla.kernels.polynomial.three_term_eval`.)
    """
    _require("t", t, (None,))
    _require("alpha", alpha, (None,))
    degree = alpha.shape[0]
    _require("norm2", norm2, (degree + 2,))
    Z = np.empty((t.size, degree), np.float64)
    get_kernel("orthopoly", "three_term").func(t, alpha, norm2, Z)
    return Z


def m_scale_bisquare(r, c: float, b: float, s0: float, tol: float, maxiter: int) -> float:
    """The bisquare M-scale of the residuals *r* from the start ``s0 > 0`` (:mod:`jitla.kernels.robust`)."""
    _require("r", r, (None,))
    if not (c > 0 and 0 < b < 1 and s0 > 0 and tol >= 0 and maxiter >= 1):
        raise ValueError(
            f"need c > 0, 0 < b < 1, s0 > 0, tol >= 0, maxiter >= 1; got {(c, b, s0, tol, maxiter)}"
        )
    return float(
        get_kernel("m_scale", "bisquare").func(r, float(c), float(b), float(s0), float(tol), int(maxiter))
    )


#: :mod:`jitla.kernels.glm`'s model codes (exact families with their canonical links).
BINOMIAL_LOGIT = 1
POISSON_LOG = 2


def _threaded_variant() -> str:
    from jitla.linalg._policy import _threads

    return "parallel" if _threads(None) > 1 else "serial"


def gram_design(X, u=None, sqrt_weights=None, T=None) -> np.ndarray:
    """Gram matrix of ``diag(s) [X | u]`` (times T on the right), one pass (:mod:`jitla.kernels.qr_tall`).

    X (n, p) is converted to C-ordered float64 when it is not (a copy);
    u and s are (n,) or None; T (q, q) or None with ``q = p + (u given)``.
    The parallel variant when Numba runs more than one thread (bitwise the
    same result).
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got {X.ndim}-D")
    n, p = X.shape
    if n == 0:
        raise ValueError("X must have at least one row")
    q = p + (0 if u is None else 1)
    u = np.empty(0) if u is None else np.ascontiguousarray(u, dtype=np.float64)
    s = np.empty(0) if sqrt_weights is None else np.ascontiguousarray(sqrt_weights, dtype=np.float64)
    for name, v in (("u", u), ("sqrt_weights", s)):
        if v.size and v.shape != (n,):
            raise ValueError(f"{name} must have shape ({n},), got {v.shape}")
    T = np.empty((0, 0)) if T is None else np.ascontiguousarray(T, dtype=np.float64)
    if T.size and T.shape != (q, q):
        raise ValueError(f"T must have shape ({q}, {q}), got {T.shape}")
    G = np.empty((q, q))
    get_kernel("gram_design", _threaded_variant()).func(X, u, s, T, G)
    return G


def _vector_in(v) -> np.ndarray:
    """A kernel input vector: C-contiguous float64 and writeable (Numba types read-only apart)."""
    return writeable_view(np.ascontiguousarray(v, dtype=np.float64))


def glm_eval(code: int, eta, y, prior):
    """Means, deviance, square-root working weights and residuals at *eta* (:mod:`jitla.kernels.glm`).

    Returns ``(mu, deviance, sqrt_weights, resid)``; the deviance is NaN
    when a mean is not finite.
    """
    if code not in (BINOMIAL_LOGIT, POISSON_LOG):
        raise ValueError(f"code must be BINOMIAL_LOGIT or POISSON_LOG, got {code!r}")
    eta, y, prior = (_vector_in(v) for v in (eta, y, prior))
    n = eta.shape[0]
    if eta.ndim != 1 or y.shape != (n,) or prior.shape != (n,):
        raise ValueError(
            f"eta, y and prior must be 1-D of one length, got {eta.shape}, {y.shape}, {prior.shape}"
        )
    mu, sw, resid = np.empty(n), np.empty(n), np.empty(n)
    dev = get_kernel("glm_eval", _threaded_variant()).func(int(code), eta, y, prior, mu, sw, resid)
    return mu, float(dev), sw, resid


def glm_score(code: int, X, beta, offset, y, prior, score: bool = True):
    """``eta = X beta + offset``, :func:`glm_eval` there and the score ``X^T W r``, one read of X.

    Returns ``(eta, mu, deviance, sqrt_weights, resid, score or None)``
    (:func:`jitla.kernels.glm.glm_score`); the deviance is NaN when a mean
    is not finite.  X must be C-contiguous float64 (never copied here: the
    caller holds one).
    """
    if code not in (BINOMIAL_LOGIT, POISSON_LOG):
        raise ValueError(f"code must be BINOMIAL_LOGIT or POISSON_LOG, got {code!r}")
    _require("X", X, (None, None))
    n, p = X.shape
    X = writeable_view(X)
    beta = _vector_in(beta)
    vecs = [_vector_in(v) for v in (offset, y, prior)]
    if beta.shape != (p,) or any(v.shape != (n,) for v in vecs):
        raise ValueError(f"beta must have shape ({p},) and offset, y, prior ({n},)")
    eta, mu, sw, resid = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    g = np.empty((1 if score else 0, p))
    dev = get_kernel("glm_score", _threaded_variant()).func(int(code), X, beta, *vecs, eta, mu, sw, resid, g)
    return eta, mu, float(dev), sw, resid, (g[0] if score else None)


def glm_gram(code: int, X, beta, offset, y, prior):
    """As :func:`glm_score`, with the Gram matrix of ``diag(sw) [X | resid]`` instead of the score.

    Returns ``(eta, mu, deviance, sqrt_weights, resid, G)``, G (p+1, p+1)
    bitwise ``gram_design(X, resid, sqrt_weights)``
    (:func:`jitla.kernels.glm.glm_gram`); G is None when the deviance is
    NaN (a mean not finite).
    """
    if code not in (BINOMIAL_LOGIT, POISSON_LOG):
        raise ValueError(f"code must be BINOMIAL_LOGIT or POISSON_LOG, got {code!r}")
    _require("X", X, (None, None))
    n, p = X.shape
    X = writeable_view(X)
    beta = _vector_in(beta)
    vecs = [_vector_in(v) for v in (offset, y, prior)]
    if beta.shape != (p,) or any(v.shape != (n,) for v in vecs):
        raise ValueError(f"beta must have shape ({p},) and offset, y, prior ({n},)")
    eta, mu, sw, resid = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    G = np.empty((p + 1, p + 1))
    dev = get_kernel("glm_gram", _threaded_variant()).func(int(code), X, beta, *vecs, eta, mu, sw, resid, G)
    return eta, mu, float(dev), sw, resid, (G if math.isfinite(dev) else None)
