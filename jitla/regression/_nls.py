"""Nonlinear least squares: Levenberg-Marquardt (Moré's trust-region form) and Gauss-Newton on jitla's QR.

Model::

    y_i = f(x_i, theta) + e_i,   e_i independent, Var[e_i] = sigma^2 / w_i,

fitted by minimising ``S(theta) = sum_i w_i (f(x_i, theta) - y_i)^2``::

    from jitla.regression import NLS, curve_fit
    res = NLS(lambda x, a, k: a * np.exp(-k * x), x, y, p0=[1, 0.1]).fit()
    res.params, res.bse, res.conf_int(), res.conf_int_profile(1), res.summary()
    popt, pcov = curve_fit(f, x, y, p0)           # scipy.optimize.curve_fit's semantics

Solver (Moré 1978; MINPACK ``lmder``): per iteration one Jacobian J of the
weighted residuals r, one column-pivoted Householder QR ``J P = Q R``
(:func:`jitla.linalg.qr`), and for each trial step the Levenberg-Marquardt
parameter by :func:`jitla.kernels.levenberg_marquardt.lmpar` -- a few
O(n^3) Givens eliminations of the damped system ``[J; sqrt(lam) D] p =
[-r; 0]`` on R, never the normal equations.  D holds the largest column
norms of J seen so far (the trust region is an ellipsoid in the variables'
own units), the radius follows the ratio of actual to predicted reduction,
and the fit stops on MINPACK's ftol/xtol/gtol tests.

Bounds: the variables are transformed so that the box becomes all of R^n
(MINUIT's and lmfit's transformation, James & Roos 1975): ``theta = lb +
(ub - lb) (sin u + 1) / 2`` for a two-sided box, ``theta = lb - 1 +
sqrt(u^2 + 1)`` (``ub + 1 - sqrt(u^2 + 1)``) for one side.  The
unconstrained method and its convergence theory then apply unchanged to u,
no active-set logic is needed, and the standard errors are computed from
the Jacobian in theta at the solution.  The price: at an optimum on a bound
``d theta / d u = 0``, so such a parameter converges only linearly (to
about ``sqrt(xtol)`` relative in theta) and its standard error is that of
an unconstrained fit (meaningless at a bound; scipy's ``curve_fit`` reports
the same).
"""

from __future__ import annotations

import inspect
import math
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from jitla.linalg import solve_triangular, svd
from jitla.linalg._levenberg_marquardt import jacobian_qr, lm_step
from jitla.regression._results import _frozen, _stats

__all__ = ["NLS", "NLSResults", "curve_fit", "NLSConvergenceWarning", "least_squares_lm"]

EPS = np.finfo(np.float64).eps

#: MINPACK's exit codes (``info``) and messages; 1-4 and 6-8 are convergence, 5 and the negative ones failure.
MESSAGES = {
    1: "Both actual and predicted relative reductions in the sum of squares are at most ftol.",
    2: "Relative error between two consecutive iterates is at most xtol.",
    3: "Both ftol and xtol tests are satisfied.",
    4: "The cosine of the angle between the residuals and any column of the Jacobian is at most gtol.",
    5: "The number of function evaluations reached max_nfev.",
    6: "ftol is too small: no further reduction in the sum of squares is possible.",
    7: "xtol is too small: no further improvement in the approximate solution is possible.",
    8: "gtol is too small: the residuals are orthogonal to the Jacobian to machine precision.",
    -1: "The Jacobian contains non-finite values.",
    -2: "Step halving failed: no Gauss-Newton step fraction reduces the sum of squares.",
}

#: Step halvings tried by Gauss-Newton before it gives up.
MAX_HALVINGS = 30


class NLSConvergenceWarning(UserWarning):
    """The nonlinear least-squares iteration stopped without meeting its convergence tests."""


# --------------------------------------------------------------------------
# bounds by transformation
# --------------------------------------------------------------------------
class _Box:
    """The variable transformation theta = T(u) that maps R^n onto the box [lb, ub]."""

    def __init__(self, lb, ub):
        self.lb, self.ub = lb, ub
        self.lower = np.isfinite(lb) & ~np.isfinite(ub)
        self.upper = ~np.isfinite(lb) & np.isfinite(ub)
        self.both = np.isfinite(lb) & np.isfinite(ub)
        self.active = bool(self.lower.any() or self.upper.any() or self.both.any())

    def to_theta(self, u):
        t = u.copy()
        lo, up, bo = self.lower, self.upper, self.both
        t[lo] = self.lb[lo] - 1.0 + np.sqrt(u[lo] ** 2 + 1.0)
        t[up] = self.ub[up] + 1.0 - np.sqrt(u[up] ** 2 + 1.0)
        t[bo] = self.lb[bo] + (self.ub[bo] - self.lb[bo]) * (np.sin(u[bo]) + 1.0) / 2.0
        # rounding can leave the box by an ulp
        return np.clip(t, self.lb, self.ub)

    def to_u(self, theta):
        u = theta.copy()
        lo, up, bo = self.lower, self.upper, self.both
        u[lo] = np.sqrt((theta[lo] - self.lb[lo] + 1.0) ** 2 - 1.0)
        u[up] = np.sqrt((self.ub[up] - theta[up] + 1.0) ** 2 - 1.0)
        s = 2.0 * (theta[bo] - self.lb[bo]) / (self.ub[bo] - self.lb[bo]) - 1.0
        u[bo] = np.arcsin(np.clip(s, -1.0, 1.0))
        return u

    def dtheta_du(self, u):
        d = np.ones_like(u)
        lo, up, bo = self.lower, self.upper, self.both
        d[lo] = u[lo] / np.sqrt(u[lo] ** 2 + 1.0)
        d[up] = -u[up] / np.sqrt(u[up] ** 2 + 1.0)
        d[bo] = (self.ub[bo] - self.lb[bo]) * np.cos(u[bo]) / 2.0
        return d


# --------------------------------------------------------------------------
# Jacobians
# --------------------------------------------------------------------------
def _fd_jacobian(resid, theta, r0, diff, lb, ub):
    """Finite-difference Jacobian of *resid* at *theta* (r0 = resid(theta)), transposed: returns (J^T, calls).

    Steps as scipy's ``approx_derivative``: forward ``h_j = sqrt(eps) max(|theta_j|, 1)``
    (error O(h) + O(eps/h), balanced at sqrt(eps)), central ``h_j = eps^(1/3)
    max(|theta_j|, 1)`` (O(h^2) + O(eps/h), balanced at eps^(1/3)), signed as theta_j
    and turned away from a bound it would cross; ``h_j`` is then the representable
    difference ``(theta_j + h_j) - theta_j``.  A central step that would cross a bound
    falls back to a one-sided forward difference.
    """
    n, m = theta.size, r0.size
    G = np.empty((n, m))  # J^T: column j of J is the contiguous row G[j]
    calls = 0
    for j in range(n):
        scale = max(abs(theta[j]), 1.0)
        sign = 1.0 if theta[j] >= 0 else -1.0
        if diff == "central":
            h = EPS ** (1 / 3) * scale
            if lb[j] <= theta[j] - h and theta[j] + h <= ub[j]:
                tp, tm = theta.copy(), theta.copy()
                tp[j] += h
                tm[j] -= h
                G[j] = (resid(tp) - resid(tm)) / (tp[j] - tm[j])
                calls += 2
                continue
        h = math.sqrt(EPS) * scale * sign
        if not lb[j] <= theta[j] + h <= ub[j]:
            h = -h
        tp = theta.copy()
        tp[j] += h
        G[j] = (resid(tp) - r0) / (tp[j] - theta[j])
        calls += 1
    return G, calls


def _qr_of_jacobian(G, r):
    """``J P = Q R`` for ``J = G^T`` (G overwritten).

    Returns R (n, n), the permutation, ``(Q^T r)[:n]`` and J's column norms.
    """
    # column norms of J, each scaled by its largest entry so that they do not overflow
    big = np.max(np.abs(G), axis=1, initial=0.0)
    scale = np.where((big > 0) & np.isfinite(big), big, 1.0)
    acnorm = big * np.sqrt(np.einsum("ij,ij->i", G / scale[:, None], G / scale[:, None]))
    R, perm, qtr = jacobian_qr(G, r)
    return R, perm, qtr, acnorm


def _scaled_gradient_norm(R, perm, qtr, rnorm, acnorm):
    """MINPACK's gtol measure: max_j |cos(angle between r and column j of J)|."""
    if rnorm == 0.0:
        return 0.0
    g = R.T @ (qtr / rnorm)  # (R^T Q^T r)_j / ||r|| in pivoted order
    col = acnorm[perm]
    ok = col != 0
    return float(np.max(np.abs(g[ok] / col[ok]), initial=0.0))


# --------------------------------------------------------------------------
# the solvers
# --------------------------------------------------------------------------
@dataclass
class _Solution:
    x: np.ndarray
    r: np.ndarray
    nfev: int
    njev: int
    niter: int
    status: int

    @property
    def converged(self) -> bool:
        return self.status > 0 and self.status != 5

    @property
    def message(self) -> str:
        return MESSAGES[self.status]


def _norm(v) -> float:
    """``||v||`` scaled by its largest entry (MINPACK's ``enorm``): residuals of 1e160 do not overflow.

    inf when v has a non-finite entry: a trial point there is rejected as a failed step.
    """
    big = float(np.max(np.abs(v), initial=0.0))
    if big == 0.0 or not math.isfinite(big):
        return 0.0 if big == 0.0 else math.inf
    return big * float(np.linalg.norm(v / big))


def least_squares_lm(
    fun, jac, x0, *, xtol=1.49012e-8, ftol=1.49012e-8, gtol=0.0, max_nfev=None, factor=100.0
):
    """Minimise ``||fun(x)||^2`` by Moré's Levenberg-Marquardt method (MINPACK ``lmder``).

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (m,) ndarray`` of residuals, m >= n.
    jac : callable
        ``jac(x, r) -> ((n, m) ndarray, calls)``: the Jacobian at x
        *transposed*, C-contiguous (it is overwritten), given ``r = fun(x)``,
        and the number of extra calls of fun it made.
    x0 : (n,) ndarray
    xtol, ftol, gtol : float
        MINPACK's tests: the scaled step ``||D p|| <= xtol ||D x||`` (via the
        trust radius), the actual and predicted relative reductions of
        ``||r||^2`` at most ftol, and the largest cosine between r and a
        column of J at most gtol.
    max_nfev : int, optional
        Residual evaluations at trial points (finite-difference calls not
        counted); default ``100 (n + 1)``.
    factor : float
        The initial radius is ``factor ||D x0||`` (MINPACK's 100).

    Returns
    -------
    _Solution
        x, residuals, counts, MINPACK's status (:data:`MESSAGES`).

    Notes
    -----
    Moré (1978), Sec. 6-7; the step bound update, the ratio ``rho`` of
    actual to predicted reduction (accept when ``rho >= 1e-4``; shrink the
    radius when ``rho <= 1/4``, with the quadratic-interpolation factor
    ``0.5 dirder / (dirder + 0.5 actred)`` clamped to ``[0.1, 0.5]``; double
    it and halve ``lam`` when ``rho >= 3/4`` or ``lam = 0``) follow
    ``lmder`` line by line.  The scaling ``D = diag(max over iterations of
    ||J[:, j]||)`` makes the iteration invariant under a rescaling of the
    variables.
    """
    x = np.array(x0, dtype=np.float64)
    n = x.size
    if max_nfev is None:
        max_nfev = 100 * (n + 1)
    r = fun(x)
    nfev, njev, niter = 1, 0, 0
    rnorm = _norm(r)
    par = 0.0
    delta = xnorm = 0.0
    diag = None
    status = 0
    while status == 0:
        J, calls = jac(x, r)
        njev += 1
        if not np.isfinite(J).all():
            status = -1
            break
        R, perm, qtr, acnorm = _qr_of_jacobian(J, r)
        if diag is None:
            diag = np.where(acnorm == 0.0, 1.0, acnorm)
            xnorm = _norm(diag * x)
            delta = factor * xnorm if xnorm != 0.0 else factor
        gnorm = _scaled_gradient_norm(R, perm, qtr, rnorm, acnorm)
        if gnorm <= gtol:
            status = 4
            break
        np.maximum(diag, acnorm, out=diag)
        niter += 1
        while True:  # inner loop: until a step is accepted or a test stops the fit
            par, step = lm_step(R, perm, diag, qtr, delta, par)
            p = -step
            pnorm = _norm(diag * p)
            if njev == 1:
                delta = min(delta, pnorm)
            x_new = x + p
            r_new = fun(x_new)
            nfev += 1
            rnorm_new = _norm(r_new)
            actred = 1.0 - (rnorm_new / rnorm) ** 2 if 0.1 * rnorm_new < rnorm else -1.0
            # predicted reduction and directional derivative of the linear model
            Jp = R @ p[perm]
            temp1 = _norm(Jp) / rnorm
            temp2 = math.sqrt(par) * pnorm / rnorm
            prered = temp1**2 + temp2**2 / 0.5
            dirder = -(temp1**2 + temp2**2)
            ratio = actred / prered if prered != 0.0 else 0.0
            if ratio <= 0.25:
                temp = 0.5 if actred >= 0.0 else 0.5 * dirder / (dirder + 0.5 * actred)
                if 0.1 * rnorm_new >= rnorm or temp < 0.1:
                    temp = 0.1
                delta = temp * min(delta, pnorm / 0.1)
                par /= temp
            elif par == 0.0 or ratio >= 0.75:
                delta = pnorm / 0.5
                par *= 0.5
            if ratio >= 1e-4:  # a successful step
                x, r, rnorm = x_new, r_new, rnorm_new
                xnorm = _norm(diag * x)
            ftest = abs(actred) <= ftol and prered <= ftol and 0.5 * ratio <= 1.0
            xtest = delta <= xtol * xnorm
            if ftest or xtest:
                status = 3 if ftest and xtest else 1 if ftest else 2
            elif nfev >= max_nfev:
                status = 5
            elif abs(actred) <= EPS and prered <= EPS and 0.5 * ratio <= 1.0:
                status = 6
            elif delta <= EPS * xnorm:
                status = 7
            elif gnorm <= EPS:
                status = 8
            if status or ratio >= 1e-4:
                break
    return _Solution(x, r, nfev, njev, niter, status)


def least_squares_gn(fun, jac, x0, *, xtol=1.49012e-8, ftol=1.49012e-8, gtol=0.0, max_nfev=None):
    """Minimise ``||fun(x)||^2`` by Gauss-Newton with step halving (arguments as :func:`least_squares_lm`).

    Notes
    -----
    The Gauss-Newton step solves ``J p ~ -r`` from the pivoted QR (the basic
    solution when J is rank deficient: ``lmpar`` with an infinite
    radius); the step is halved until ``||r||`` decreases (Hartley's
    modified Gauss-Newton, Bates & Watts 1988, Sec. 2.2.1).  Stops on the
    tests of :func:`least_squares_lm` with ``D = diag(||J[:, j]||)``.  Fast
    near a small-residual optimum; far from one, or on a large-residual
    problem, Levenberg-Marquardt is the safer method.
    """
    x = np.array(x0, dtype=np.float64)
    n = x.size
    if max_nfev is None:
        max_nfev = 100 * (n + 1)
    r = fun(x)
    nfev, njev, niter = 1, 0, 0
    rnorm = _norm(r)
    status = 0
    while status == 0:
        J, calls = jac(x, r)
        njev += 1
        if not np.isfinite(J).all():
            status = -1
            break
        R, perm, qtr, acnorm = _qr_of_jacobian(J, r)
        diag = np.where(acnorm == 0.0, 1.0, acnorm)
        gnorm = _scaled_gradient_norm(R, perm, qtr, rnorm, acnorm)
        if gnorm <= max(gtol, EPS):
            status = 4 if gnorm <= gtol else 8
            break
        niter += 1
        _, step = lm_step(R, perm, diag, qtr, math.inf, 0.0)
        p = -step
        prered = (_norm(R @ p[perm]) / rnorm) ** 2 if rnorm else 0.0
        t = 1.0
        for _ in range(MAX_HALVINGS):
            r_new = fun(x + t * p)
            nfev += 1
            rnorm_new = _norm(r_new)
            if rnorm_new < rnorm or nfev >= max_nfev:
                break
            t *= 0.5
        if not rnorm_new < rnorm:
            status = 1 if prered <= ftol else 5 if nfev >= max_nfev else -2
            break
        actred = 1.0 - (rnorm_new / rnorm) ** 2
        x = x + t * p
        r, rnorm = r_new, rnorm_new
        ftest = actred <= ftol and prered <= ftol
        xtest = t * _norm(diag * p) <= xtol * _norm(diag * x)
        if ftest or xtest:
            status = 3 if ftest and xtest else 1 if ftest else 2
        elif nfev >= max_nfev:
            status = 5
    return _Solution(x, r, nfev, njev, niter, status)


# --------------------------------------------------------------------------
# the problem: residuals, Jacobian, bounds
# --------------------------------------------------------------------------
def _as_bounds(bounds, n):
    lb, ub = (np.broadcast_to(np.asarray(b, dtype=np.float64), (n,)).copy() for b in bounds)
    if np.any(lb >= ub):
        raise ValueError("Each lower bound must be strictly less than each upper bound.")
    return lb, ub


@dataclass
class _Problem:
    """Weighted residuals ``L^{-1} (f(x, theta) - y)`` and their Jacobian in theta."""

    f: object
    x: object
    y: np.ndarray
    jac: object  # callable(x, *theta) -> (m, n), or None
    diff: str
    whiten: object  # callable: residual vector -> whitened, or None
    lb: np.ndarray
    ub: np.ndarray
    calls: list = field(default_factory=lambda: [0])

    def model(self, theta):
        return np.asarray(self.f(self.x, *theta), dtype=np.float64)

    def resid(self, theta):
        self.calls[0] += 1
        r = self.model(theta) - self.y
        if r.shape != self.y.shape:
            raise ValueError(
                f"f(x, *params) returned shape {r.shape}; expected {self.y.shape}, the shape of y"
            )
        r = r.ravel()
        return self.whiten(r) if self.whiten is not None else r

    def jacobian(self, theta, r):
        """The weighted residuals' Jacobian, transposed ((n, m), C-contiguous), and the calls it made."""
        if self.jac is None:
            return _fd_jacobian(self.resid, theta, r, self.diff, self.lb, self.ub)
        J = np.asarray(self.jac(self.x, *theta), dtype=np.float64)
        if J.ndim == 1 and theta.size == 1:
            J = J[:, None]
        if J.shape != (r.size, theta.size):
            raise ValueError(f"jac(x, *params) returned shape {J.shape}; expected {(r.size, theta.size)}")
        if self.whiten is not None:
            J = self.whiten(J)
        # a copy: the QR overwrites it, and J.T of a one-column J would be a view of the caller's array
        return np.array(J.T, order="C"), 0

    def solve(self, theta0, method, fixed=None, **options):
        """Fit from theta0; *fixed* = (j, value) holds parameter j at value. Returns (theta, solution)."""
        free = np.ones(theta0.size, bool)
        theta_full = np.array(theta0, dtype=np.float64)
        if fixed is not None:
            free[fixed[0]] = False
            theta_full[fixed[0]] = fixed[1]
        box = _Box(self.lb[free], self.ub[free])

        def full(u):
            t = theta_full.copy()
            t[free] = box.to_theta(u) if box.active else u
            return t

        def fun(u):
            return self.resid(full(u))

        def jac(u, r):
            G, calls = self.jacobian(full(u), r)
            if not free.all():
                G = np.ascontiguousarray(G[free])
            if box.active:
                G *= box.dtheta_du(u)[:, None]
            return G, calls

        u0 = box.to_u(theta_full[free]) if box.active else theta_full[free]
        solver = least_squares_lm if method == "lm" else least_squares_gn
        sol = solver(fun, jac, u0, **options)
        return full(sol.x), sol


def _prepare(f, x, y, p0, jac, bounds, diff, whiten=None):
    if diff not in ("forward", "central"):
        raise ValueError(f"diff must be 'forward' or 'central', not {diff!r}")
    if jac is not None and not callable(jac):
        raise TypeError("jac must be callable or None")
    p0 = np.atleast_1d(np.asarray(p0, dtype=np.float64)).copy()
    if p0.ndim != 1:
        raise ValueError("p0 must be a 1-D sequence of starting values")
    if not np.isfinite(p0).all():
        raise ValueError("p0 must contain only finite values")
    n = p0.size
    lb, ub = _as_bounds(bounds, n)
    if np.any((p0 < lb) | (p0 > ub)):
        raise ValueError("Initial guess is outside of provided bounds")
    # the transformation cannot move a one-sided variable off its bound: start just inside
    inside = np.minimum(
        1e-10 * np.maximum(np.abs(p0), 1.0), np.where(np.isfinite(ub - lb), (ub - lb) / 4, np.inf)
    )
    p0 = np.where(p0 == lb, lb + inside, np.where(p0 == ub, ub - inside, p0))
    problem = _Problem(f, x, y, jac, diff, whiten, lb, ub)
    try:
        r0 = problem.model(p0)
    except TypeError as exc:
        # scipy lets the call's own TypeError through; say what was called
        raise TypeError(
            f"calling f(x, *p0) with {n} parameters failed (is p0 the right length?): {exc}"
        ) from exc
    if r0.shape != y.shape:
        raise ValueError(f"f(x, *p0) returned shape {r0.shape}; expected {y.shape}, the shape of y")
    if y.size < n:
        raise TypeError(
            f"The number of func parameters={n} must not exceed the number of data points={y.size}"
        )
    if not np.isfinite(r0).all():
        raise ValueError("Residuals are not finite in the initial point.")
    return problem, p0


def _tolerances(n, xtol, ftol, gtol, max_nfev):
    return dict(xtol=xtol, ftol=ftol, gtol=gtol, max_nfev=max_nfev if max_nfev is not None else 100 * (n + 1))


def _final_jacobian(problem, theta, r):
    """The Jacobian (m, n) in theta at the solution, what the covariance is built from."""
    G, _ = problem.jacobian(theta, r)
    return G.T.copy()


def _inverse_gram(J):
    """``(J^T J)^{-1}`` from the pivoted QR's R (``P R^-1 R^-T P^T``); scipy's pseudo-inverse below full rank.

    Returns (matrix, rank).  Rank: the count of ``|R_kk| > eps max(m, n) |R_00|``;
    below full rank, the pseudo-inverse from the SVD of J with scipy's
    ``curve_fit`` threshold ``eps max(m, n) s_0``.
    """
    m, n = J.shape
    if n == 0:
        return np.zeros((0, 0)), 0
    R, perm, _ = jacobian_qr(np.array(J.T, order="C"), np.zeros(m))
    d = np.abs(np.diagonal(R))
    rank = int(np.sum(d > EPS * max(m, n) * d[0]))
    if rank == n:
        Rinv = solve_triangular(R, np.eye(n))
        out = np.empty((n, n))
        out[np.ix_(perm, perm)] = Rinv @ Rinv.T
        return out, rank
    _, s, VT = svd(J, full_matrices=False)
    keep = s > EPS * max(m, n) * s[0]
    VT = VT[keep]
    return (VT.T / s[keep] ** 2) @ VT, rank


# --------------------------------------------------------------------------
# the model and its results
# --------------------------------------------------------------------------
class NLS:
    """Nonlinear least squares ``y = f(x, theta) + e`` (R's ``nls``, statsmodels' naming).

    Parameters
    ----------
    model : callable
        ``model(x, *theta) -> array`` of y's shape (the convention of
        :func:`scipy.optimize.curve_fit`).
    x : object
        Passed to *model* unchanged (an array, a tuple of arrays, a frame...).
    y : (m,) array_like
        Observations; must be finite.  Not modified.
    p0 : (n,) array_like
        Starting values, inside *bounds*.
    jac : callable, optional
        ``jac(x, *theta) -> (m, n)``: the Jacobian of model in theta.  By
        default finite differences (*diff* in :meth:`fit`).
    weights : (m,) array_like, optional
        Weights ``w_i = 1 / Var[e_i]`` up to a common factor (WLS's
        convention): the fit minimises ``sum w_i (f_i - y_i)^2``.
    bounds : (lb, ub), optional
        Scalars or length-n arrays, ``-inf``/``inf`` for none (scipy's form);
        handled by the transformation of the module docstring.
    names : sequence of str, optional
        Parameter names for :meth:`NLSResults.summary`; by default the
        model's argument names after the first, else ``theta0, theta1...``.

    Raises
    ------
    ValueError
        For NaN or inf in y or weights, weights <= 0, model returning the
        wrong shape, a p0 outside the bounds or empty bounds (scipy's messages).
    TypeError
        When calling the model with p0 fails (p0 of the wrong length: scipy
        lets the same error through), or there are fewer observations than
        parameters (scipy's ``leastsq`` message).
    """

    def __init__(self, model, x, y, p0, *, jac=None, weights=None, bounds=(-np.inf, np.inf), names=None):
        y = np.asarray(y, dtype=np.float64)
        if not np.isfinite(y).all():
            raise ValueError("array must not contain infs or NaNs")
        self.model, self.x, self.y, self.jac, self.bounds = model, x, y, jac, bounds
        self.p0 = np.atleast_1d(np.asarray(p0, dtype=np.float64)).copy()
        self.weights = None
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != y.shape:
                raise ValueError(f"weights has shape {w.shape}; expected {y.shape}, the shape of y")
            if not np.isfinite(w).all() or np.any(w <= 0):
                raise ValueError("weights must be finite and positive")
            self.weights = w.copy()
        n = self.p0.size
        if names is None:
            try:
                params = list(inspect.signature(model).parameters.values())[1:]
                simple = all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)
                names = [p.name for p in params] if simple and len(params) == n else None
            except (TypeError, ValueError):
                names = None
        self.names = list(names) if names is not None else [f"theta{j}" for j in range(n)]
        if len(self.names) != n:
            raise ValueError(f"{len(self.names)} names for {n} parameters")

    def _problem(self, diff):
        whiten = None
        if self.weights is not None:
            sw = np.sqrt(self.weights).ravel()
            whiten = lambda v: v * sw if v.ndim == 1 else v * sw[:, None]  # noqa: E731
        return _prepare(self.model, self.x, self.y, self.p0, self.jac, self.bounds, diff, whiten)

    def fit(self, method="lm", *, diff="forward", xtol=1.49012e-8, ftol=1.49012e-8, gtol=0.0, max_nfev=None):
        """Fit by Levenberg-Marquardt (``"lm"``) or Gauss-Newton with step halving (``"gn"``).

        Parameters
        ----------
        method : {"lm", "gn"}
        diff : {"forward", "central"}
            Finite differences when no *jac* was given (steps: :func:`_fd_jacobian`).
        xtol, ftol, gtol, max_nfev
            As :func:`least_squares_lm` (MINPACK's defaults: sqrt(eps), 0).

        Returns
        -------
        NLSResults
            ``converged`` False (with an :class:`NLSConvergenceWarning`) when
            the iteration stopped on max_nfev, a non-finite Jacobian or
            failed step halving; ``message`` says which test stopped it.
        """
        if method not in ("lm", "gn"):
            raise ValueError(f"method must be 'lm' or 'gn', not {method!r}")
        problem, p0 = self._problem(diff)
        options = _tolerances(p0.size, xtol, ftol, gtol, max_nfev)
        theta, sol = problem.solve(p0, method, **options)
        J = _final_jacobian(problem, theta, sol.r)
        if not sol.converged:
            warnings.warn(f"NLS did not converge: {sol.message}", NLSConvergenceWarning, stacklevel=2)
        return NLSResults(
            params=_frozen(theta),
            names=tuple(self.names),
            nobs=self.y.size,
            wresid=_frozen(sol.r.copy()),
            jacobian=_frozen(J),
            nfev=problem.calls[0],
            njev=sol.njev + 1,
            niter=sol.niter,
            converged=sol.converged,
            status=sol.status,
            message=sol.message,
            method=method,
            _problem=problem,
            _options=options,
        )


@dataclass(frozen=True, eq=False)
class NLSResults:
    """Results of :meth:`NLS.fit` (immutable; statistics computed on first access).

    Attributes
    ----------
    params : (n,) ndarray
    names : tuple of str
    nobs : int
    wresid : (m,) ndarray
        Weighted residuals ``sqrt(w) (f(x, params) - y)`` (scipy's sign).
    jacobian : (m, n) ndarray
        Jacobian of the weighted residuals at params, in the parameters
        (not the bound-transformed variables).
    nfev : int
        Calls of the model function, finite-difference calls included.
    njev : int
        Jacobian evaluations, the final one at params included.
    niter : int
        Iterations (Jacobians) of the solver.
    converged : bool
    status : int
        MINPACK's exit code (:data:`MESSAGES`).
    message : str
    method : str
    """

    params: np.ndarray
    names: tuple
    nobs: int
    wresid: np.ndarray
    jacobian: np.ndarray
    nfev: int
    njev: int
    niter: int
    converged: bool
    status: int
    message: str
    method: str
    _problem: object = field(repr=False)
    _options: dict = field(repr=False)

    @property
    def df_model(self) -> int:
        return self.params.size

    @property
    def df_resid(self) -> int:
        return self.nobs - self.params.size

    @cached_property
    def ssr(self) -> float:
        """Weighted sum of squared residuals ``S(theta_hat)``."""
        return float(self.wresid @ self.wresid)

    @cached_property
    def scale(self) -> float:
        """``sigma^2 = S / (m - n)``."""
        return self.ssr / self.df_resid if self.df_resid > 0 else math.nan

    @property
    def sigma(self) -> float:
        """Residual standard error ``sqrt(S / (m - n))`` (R's ``sigma(nls)``)."""
        return math.sqrt(self.scale)

    @cached_property
    def _inverse_gram(self):
        return _inverse_gram(self.jacobian)

    @property
    def rank(self) -> int:
        """Numerical rank of the Jacobian at the solution."""
        return self._inverse_gram[1]

    def cov_params(self) -> np.ndarray:
        """``sigma^2 (J^T J)^{-1}`` from R of the Jacobian's pivoted QR (the linearisation's covariance)."""
        return _frozen(self.scale * self._inverse_gram[0])

    def corr_params(self) -> np.ndarray:
        """Correlation matrix of the estimates."""
        C = self.cov_params()
        d = np.sqrt(np.diagonal(C))
        return _frozen(C / np.outer(d, d))

    @cached_property
    def bse(self) -> np.ndarray:
        return _frozen(np.sqrt(np.diagonal(self.cov_params()).copy()))

    @cached_property
    def tvalues(self) -> np.ndarray:
        return _frozen(self.params / self.bse)

    @cached_property
    def pvalues(self) -> np.ndarray:
        """Two-sided p-values from Student's t with ``m - n`` degrees of freedom."""
        return _frozen(2 * _stats().t.sf(np.abs(self.tvalues), self.df_resid))

    @cached_property
    def fittedvalues(self) -> np.ndarray:
        return _frozen(self._problem.model(self.params).copy())

    @cached_property
    def resid(self) -> np.ndarray:
        """Unweighted residuals ``y - f(x, params)`` (statsmodels' sign)."""
        return _frozen(self._problem.y - self.fittedvalues)

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """Wald intervals ``params -+ t_{m-n, 1-alpha/2} bse``, shape (n, 2)."""
        q = _stats().t.ppf(1 - alpha / 2, self.df_resid)
        return np.column_stack([self.params - q * self.bse, self.params + q * self.bse])

    def profile(self, j: int, value: float):
        """``S(theta_j = value)``: the sum of squares minimised over the other parameters, and the fit.

        Returns (ssr, converged, params).
        """
        problem = self._problem
        start = self.params.copy()
        lb, ub = problem.lb[j], problem.ub[j]
        if not lb <= value <= ub:
            return math.inf, True, start
        start[j] = value
        if self.params.size == 1:
            r = problem.resid(start)
            return float(r @ r), True, start
        theta, sol = problem.solve(start, "lm", fixed=(j, value), **self._options)
        return float(sol.r @ sol.r), sol.converged, theta

    def conf_int_profile(self, j: int, alpha: float = 0.05, *, max_steps: int = 40) -> np.ndarray:
        """Profile-likelihood interval for parameter j (Bates & Watts 1988, Sec. 6.1).

        The interval is ``{theta_j : S(theta_j) - S(theta_hat) <= s^2 t^2_{m-n, 1-alpha/2}}``
        with ``S(theta_j)`` the sum of squares minimised over the other
        parameters (:meth:`profile`): where the profile t statistic
        ``tau(theta_j) = sign(theta_j - theta_hat_j) sqrt(S(theta_j) - S(theta_hat)) / s``
        crosses ``-+t``.  Each end is bracketed by steps of one standard
        error doubling outwards, then found by Brent's method; for a model
        linear in its parameters it is the Wald interval.

        Returns
        -------
        (2,) ndarray
            ``[lower, upper]``; an end the profile never reaches (the
            sum of squares levels off, a bound or ``max_steps`` doublings
            intervene, or a refit fails) is ``-inf`` / ``inf`` with an
            :class:`NLSConvergenceWarning`.
        """
        from scipy.optimize import brentq

        n = self.params.size
        if not -n <= j < n:
            raise IndexError(f"parameter index {j} is out of bounds for {n} parameters")
        j %= n
        s2 = self.scale
        level = self.ssr + s2 * _stats().t.ppf(1 - alpha / 2, self.df_resid) ** 2
        theta_hat, se = self.params[j], self.bse[j]
        if not (math.isfinite(se) and se > 0 and math.isfinite(s2)):
            return np.array([math.nan, math.nan])
        ends = []
        for sign in (-1.0, 1.0):

            def g(t):
                ssr, _, _ = self.profile(j, t)
                return ssr - level

            near, step, far = theta_hat, se, None
            for _ in range(max_steps):
                t = theta_hat + sign * step
                ssr, ok, _ = self.profile(j, t)
                if not ok:
                    break
                if ssr - level >= 0:
                    far = t
                    break
                near, step = t, 2 * step
            if far is None or not math.isfinite(g(far)):
                warnings.warn(
                    f"the profile of {self.names[j]} does not reach the {1 - alpha:.0%} level "
                    f"{'below' if sign < 0 else 'above'} the estimate: that end is infinite",
                    NLSConvergenceWarning,
                    stacklevel=2,
                )
                ends.append(sign * math.inf)
                continue
            lo, hi = min(near, far), max(near, far)
            ends.append(brentq(g, lo, hi, xtol=1e-10 * max(abs(theta_hat), se), rtol=1e-12))
        return np.array(ends)

    def summary(self, alpha: float = 0.05) -> str:
        """A text table: estimates, standard errors, t, p, Wald intervals, and the fit's statistics."""
        from jitla.regression._summary import _num, _pvalue

        ci = self.conf_int(alpha)
        lo, hi = f"[{alpha / 2:g}", f"{1 - alpha / 2:g}]"
        width = max(10, *(len(s) for s in self.names))
        lines = [
            "Nonlinear least squares ("
            + ("Levenberg-Marquardt" if self.method == "lm" else "Gauss-Newton")
            + ")",
            "=" * 78,
            f"{'':{width}} {'coef':>10} {'std err':>10} {'t':>9} {'P>|t|':>9} {lo:>10} {hi:>10}",
            "-" * 78,
        ]
        for k, name in enumerate(self.names):
            lines.append(
                f"{name:{width}} {_num(self.params[k]):>10} {_num(self.bse[k]):>10} "
                f"{_num(self.tvalues[k], 9):>9} {_pvalue(self.pvalues[k]):>9} "
                f"{_num(ci[k, 0]):>10} {_num(ci[k, 1]):>10}"
            )
        lines += [
            "-" * 78,
            f"Residual standard error: {self.sigma:.6g} on {self.df_resid} degrees of freedom",
            f"Sum of squares: {self.ssr:.6g}   Observations: {self.nobs}",
            f"Converged: {self.converged} after {self.niter} iterations "
            f"({self.nfev} function calls, {self.njev} Jacobians)",
            f"Stop: {self.message}",
        ]
        return "\n".join(lines)


# --------------------------------------------------------------------------
# scipy's interface
# --------------------------------------------------------------------------
def curve_fit(
    f,
    xdata,
    ydata,
    p0=None,
    sigma=None,
    absolute_sigma=False,
    check_finite=True,
    bounds=(-np.inf, np.inf),
    method=None,
    jac=None,
    *,
    full_output=False,
    **kwargs,
):
    """Fit ``f(xdata, *params)`` to ydata with scipy.optimize.curve_fit's interface and :class:`NLS`'s solver.

    Parameters
    ----------
    f : callable
        ``f(xdata, *params)``.
    xdata : object
        Passed to f unchanged.
    ydata : (m,) array_like
        Not modified.
    p0 : (n,) array_like, optional
        Starting values; default all ones, n read from f's signature.
    sigma : (m,) or (m, m) array_like, optional
        Standard deviations of ydata (residuals divided by them) or the
        covariance of its errors (residuals whitened by its Cholesky factor).
    absolute_sigma : bool
        False: pcov is scaled by the reduced chi-square ``S / (m - n)``.
    check_finite : bool
        Raise ``ValueError`` for NaN or inf in xdata (when an array) or ydata.
    bounds : (lb, ub)
        As scipy; the transformation of the module docstring (scipy uses
        its "trf" method instead, so with bounds the two agree at the
        optimum, not along the way).
    method : {None, "lm", "gn"}
        None means "lm".  scipy's "trf" and "dogbox" are not provided.
    jac : callable, "2-point", "3-point" or None
        Analytic ``jac(xdata, *params) -> (m, n)``, or forward / central
        differences ("2-point", the default / "3-point").
    full_output : bool
        Also return ``infodict`` (``nfev``, ``njev``, ``fvec``), ``mesg``, ``ier``.
    **kwargs
        ``xtol``, ``ftol``, ``gtol``, ``max_nfev`` (or scipy's ``maxfev``).

    Returns
    -------
    popt : (n,) ndarray
    pcov : (n, n) ndarray
        ``(J^T J)^{-1}`` (times the reduced chi-square unless
        *absolute_sigma*), from the pivoted QR's R at full rank, the SVD
        pseudo-inverse with scipy's threshold otherwise; inf with a warning
        when ``m <= n`` and not *absolute_sigma*.

    Raises
    ------
    RuntimeError
        "Optimal parameters not found: ..." when the fit does not converge.
    ValueError, TypeError
        As scipy for bad input.
    """
    if method is None:
        method = "lm"
    if method not in ("lm", "gn"):
        raise ValueError(
            f"method must be 'lm' or 'gn' (jitla handles bounds by transformation), not {method!r}"
        )
    if p0 is None:
        params = list(inspect.signature(f).parameters)
        if len(params) < 2:
            raise ValueError("Unable to determine number of fit parameters.")
        p0 = np.ones(len(params) - 1)
    ydata = np.asarray_chkfinite(ydata, dtype=np.float64) if check_finite else np.asarray(ydata, np.float64)
    if isinstance(xdata, (list, tuple, np.ndarray)):
        xdata = (
            np.asarray_chkfinite(xdata, dtype=np.float64) if check_finite else np.asarray(xdata, np.float64)
        )
    if ydata.size == 0:
        raise ValueError("`ydata` must not be empty!")
    diff = "forward"
    if isinstance(jac, str):
        if jac not in ("2-point", "3-point"):
            raise ValueError("jac must be callable, '2-point', '3-point' or None")
        diff, jac = ("central" if jac == "3-point" else "forward"), None
    whiten = None
    if sigma is not None:
        sigma = np.asarray(sigma, dtype=np.float64)
        m = ydata.size
        if sigma.shape == (m,):
            inv = 1.0 / sigma
            whiten = lambda v: v * inv if v.ndim == 1 else v * inv[:, None]  # noqa: E731
        elif sigma.shape == (m, m):
            from jitla.linalg import cholesky

            L = cholesky(sigma)
            whiten = lambda v: solve_triangular(L, v, lower=True)  # noqa: E731
        else:
            raise ValueError("`sigma` has incorrect shape.")
    xtol = kwargs.pop("xtol", 1.49012e-8)
    ftol = kwargs.pop("ftol", 1.49012e-8)
    gtol = kwargs.pop("gtol", 0.0)
    max_nfev = kwargs.pop("max_nfev", kwargs.pop("maxfev", None))
    if kwargs:
        raise TypeError(f"curve_fit got unexpected keyword arguments {sorted(kwargs)}")
    problem, p0 = _prepare(f, xdata, ydata, p0, jac, bounds, diff, whiten)
    theta, sol = problem.solve(p0, method, **_tolerances(p0.size, xtol, ftol, gtol, max_nfev))
    if not sol.converged:
        raise RuntimeError("Optimal parameters not found: " + sol.message)
    J = _final_jacobian(problem, theta, sol.r)
    m, n = J.shape
    pcov = _inverse_gram(J)[0]
    if not absolute_sigma:
        if m > n:
            pcov = pcov * (float(sol.r @ sol.r) / (m - n))
        else:
            pcov = np.full((n, n), np.inf)
            from scipy.optimize import OptimizeWarning

            warnings.warn(
                "Covariance of the parameters could not be estimated", OptimizeWarning, stacklevel=2
            )
    if full_output:
        info = {"nfev": problem.calls[0], "njev": sol.njev + 1, "fvec": sol.r}
        return theta, pcov, info, sol.message, sol.status
    return theta, pcov
