"""Transformations for a linear model: Box-Cox of the response, Box-Tidwell of a regressor.

Both are profile-likelihood problems in one or a few scalar powers: for a
fixed power the rest of the model is an ordinary least-squares fit, so every
evaluation is a projection onto the column space of the design, computed
from one column-pivoted Householder QR of the design (:func:`jitla.linalg.qr`)
that is reused for every power tried.  Nothing forms ``X^T X``.

References
----------
G. E. P. Box and D. R. Cox (1964), "An analysis of transformations",
*J. Royal Statistical Society B* 26, 211-252.
G. E. P. Box and P. W. Tidwell (1962), "Transformation of the independent
variables", *Technometrics* 4, 531-550.
D. C. Montgomery, E. A. Peck and G. G. Vining, *Introduction to Linear
Regression Analysis*, 5th ed., Wiley 2012, Sec. 5.3-5.4.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from jitla.linalg import lstsq, qr
from jitla.regression._fit import CollinearityWarning

__all__ = ["boxcox", "boxcox_llf", "BoxCoxResult", "box_tidwell", "BoxTidwellResult"]


# --------------------------------------------------------------------------
# shared pieces
# --------------------------------------------------------------------------
def _float_array(x, name: str, ndim: int) -> np.ndarray:
    """*x* as float64 with *ndim* dimensions (a 1-D design becomes one column); finite."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if ndim == 2 and a.ndim == 1:
        a = a[:, None]
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must not contain infs or NaNs")
    return a


def _design(y: np.ndarray, X) -> np.ndarray:
    """The design: a column of ones when *X* is None, else *X* (n rows, as y)."""
    if X is None:
        return np.ones((y.shape[0], 1))
    X = _float_array(X, "X", 2)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"y and X must have the same number of observations: y has shape {y.shape}, X has shape {X.shape}"
        )
    return X


def _column_basis(X: np.ndarray) -> np.ndarray:
    """An orthonormal basis (n, r) of the column space of X, r its numerical rank.

    Column-pivoted Householder QR, ``X P = Q R``; the rank is the number of
    ``|R_kk| > max(n, p) eps |R_00|`` (numpy.linalg.matrix_rank's tolerance
    applied to R's diagonal, which pivoting makes non-increasing).
    About ``4 n p^2`` flops with the explicit Q.
    """
    n, p = X.shape
    if p == 0:
        return np.zeros((n, 0))
    Q, R, _ = qr(X, mode="reduced", pivoting=True)
    d = np.abs(np.diag(R))
    if d.size == 0 or d[0] == 0.0:
        return np.zeros((n, 0))
    rank = int(np.count_nonzero(d > max(n, p) * np.finfo(np.float64).eps * d[0]))
    return np.ascontiguousarray(Q[:, :rank])


def _ssr_columns(Q: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Residual sum of squares of each column of Z after projection onto range(Q).

    The residual ``Z - Q (Q^T Z)`` is formed explicitly (not
    ``||z||^2 - ||Q^T z||^2``, which cancels when the fit is close).
    """
    R = Z - Q @ (Q.T @ Z)
    return np.einsum("ij,ij->j", R, R)


def _positive_response(y) -> np.ndarray:
    y = _float_array(y, "y", 1)
    if y.size < 2:
        raise ValueError("y must have at least two observations")
    if np.any(y <= 0):
        raise ValueError("Data must be positive.")
    return y


def _boxcox_columns(logy: np.ndarray, lmbdas: np.ndarray, log_gm: float) -> tuple[np.ndarray, np.ndarray]:
    """Columns proportional to ``(y^l - 1) / (l g^(l-1))`` and the log of each column's factor.

    Column j times ``exp(offset[j])`` is the Box-Cox transform of y at power
    ``l = lmbdas[j]`` divided by the Jacobian factor ``g^(l-1)`` (g the
    geometric mean); the scaling makes residual sums of squares of
    different powers comparable (Box & Cox 1964, Sec. 3), so the profile
    log-likelihood is ``-n/2 log(SSR / n)``.  Where ``|l log y|`` stays
    below 1, ``expm1`` keeps powers near 0 exact (``g log y`` at 0);
    elsewhere ``exp(c)``, ``c = max(l log y)``, is factored out so large
    powers cannot overflow.
    """
    n, k = logy.shape[0], lmbdas.shape[0]
    Z = np.empty((n, k))
    offset = np.empty(k)
    for j, lam in enumerate(lmbdas):
        if lam == 0.0:
            Z[:, j] = logy
            offset[j] = log_gm
            continue
        t = lam * logy
        c = float(t.max())
        if c <= 1.0:
            Z[:, j] = np.expm1(t)
            offset[j] = 0.0
        else:
            Z[:, j] = np.exp(t - c) - np.exp(-c)
            offset[j] = c
        offset[j] -= np.log(abs(lam)) + (lam - 1.0) * log_gm
    return Z, offset


def _profile_llf(Q: np.ndarray, logy: np.ndarray, lmbdas) -> np.ndarray:
    """``(l-1) sum log y - n/2 log(SSR_l / n)``: scipy.stats.boxcox_llf's convention, with a design."""
    lmbdas = np.atleast_1d(np.asarray(lmbdas, dtype=np.float64))
    n = logy.shape[0]
    Z, offset = _boxcox_columns(logy, lmbdas, float(logy.mean()))
    with np.errstate(divide="ignore"):
        log_ssr = np.log(_ssr_columns(Q, Z)) + 2.0 * offset
    return -0.5 * n * (log_ssr - np.log(n))


# --------------------------------------------------------------------------
# Box-Cox
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class BoxCoxResult:
    """The Box-Cox profile likelihood of a linear model (see :func:`boxcox`).

    Attributes
    ----------
    lmbda : float
        The maximum-likelihood power.
    conf_int : (2,) ndarray
        The profile-likelihood confidence interval for lambda at level
        ``1 - alpha``: ``{l : llf(l) >= llf(lmbda) - chi2_{1, 1-alpha} / 2}``.
    alpha : float
        The interval's significance level.
    llf : float
        The profile log-likelihood at *lmbda* (scipy.stats.boxcox_llf's
        convention: the additive constant ``-n/2 (1 + log 2 pi)`` omitted).
    lmbdas, llf_curve : (k,) ndarray
        A grid of powers covering [-2, 2] and the interval, and the profile
        log-likelihood on it (what :meth:`plot` draws).
    nobs : int
        Number of observations.
    rank : int
        Numerical rank of the design.
    """

    lmbda: float
    conf_int: np.ndarray
    alpha: float
    llf: float
    lmbdas: np.ndarray
    llf_curve: np.ndarray
    nobs: int
    rank: int

    def transform(self, y, lmbda=None) -> np.ndarray:
        """scipy.stats.boxcox's transform ``(y^l - 1) / l`` (``log y`` at 0) at *lmbda* (default the MLE)."""
        lam = self.lmbda if lmbda is None else float(lmbda)
        y = _positive_response(y)
        if lam == 0.0:
            return np.log(y)
        return np.expm1(lam * np.log(y)) / lam

    def plot(self, ax=None):
        """Draw the profile log-likelihood with the MLE and the confidence interval marked.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Axes to draw on; a new Figure is made when omitted.

        Returns
        -------
        matplotlib.figure.Figure
            The figure (never shown: call ``fig.savefig`` or display it).
        """
        from scipy import stats

        from jitla.regression._lasso_plot import _new_axes

        ax = _new_axes(ax)
        fig = ax.figure
        cut = self.llf - 0.5 * stats.chi2.ppf(1.0 - self.alpha, 1)
        ax.plot(self.lmbdas, self.llf_curve, color="C0", label="profile log-likelihood")
        ax.axhline(cut, color="0.5", linestyle=":", label=f"{100 * (1 - self.alpha):g}% cut-off")
        ax.axvline(self.lmbda, color="C3", linestyle="--", label=f"lambda = {self.lmbda:.3g}")
        for edge in self.conf_int:
            ax.axvline(edge, color="0.5", linestyle="--")
        ax.set_xlabel("lambda")
        ax.set_ylabel("log-likelihood")
        ax.set_title("Box-Cox profile likelihood")
        ax.legend(loc="best")
        return fig


def boxcox_llf(lmbda, y, X=None):
    """The Box-Cox profile log-likelihood of the linear model ``y^(lambda) = X b + e``.

    Parameters
    ----------
    lmbda : float or array_like
        Power(s) at which to evaluate.
    y : (n,) array_like
        Positive response.  Not modified.
    X : (n, p) array_like, optional
        Design; a column of ones (the model of :func:`scipy.stats.boxcox_llf`)
        when omitted.  Include the constant yourself otherwise.

    Returns
    -------
    float or ndarray
        ``(l - 1) sum(log y) - n/2 log(SSR_l / n)``, where ``SSR_l`` is the
        residual sum of squares of the least-squares fit of ``y^(l)`` on X;
        with ``X`` omitted this is exactly :func:`scipy.stats.boxcox_llf`.

    Notes
    -----
    One pivoted QR of X (about ``4 n p^2`` flops), then ``O(n r)`` per power.
    """
    y = _positive_response(y)
    Q = _column_basis(_design(y, X))
    out = _profile_llf(Q, np.log(y), lmbda)
    return float(out[0]) if np.ndim(lmbda) == 0 else out


def _maximise(f, bracket=(-2.0, 2.0)) -> float:
    from scipy import optimize

    return float(optimize.brent(lambda lam: -f(lam), brack=bracket, tol=1e-10))


def _interval_edge(f, start: float, target: float, step: float) -> float:
    """Where f crosses *target* walking from *start* in steps of *step* (then Brent's root finder)."""
    from scipy import optimize

    lo = start
    for _ in range(400):
        hi = lo + step
        if f(hi) < target:
            return float(optimize.brentq(lambda lam: f(lam) - target, min(lo, hi), max(lo, hi), xtol=1e-12))
        lo = hi
    raise RuntimeError(
        "the Box-Cox likelihood did not fall below the interval's cut-off within |lambda| < 40"
    )


def boxcox(y, X=None, *, alpha=0.05, lmbdas=None):
    r"""Box-Cox transformation of the response of a linear model, by profile likelihood.

    For each power lambda the model ``y^(lambda) = X b + e``,
    ``y^(lambda) = (y^lambda - 1) / lambda`` (``log y`` at 0), is fitted by
    least squares; the profile log-likelihood

    .. math:: \ell(\lambda) = (\lambda - 1) \sum_i \log y_i - \frac{n}{2} \log\frac{SSR(\lambda)}{n}

    is maximised by Brent's method, and the confidence interval is the set
    where :math:`\ell` stays within :math:`\chi^2_{1, 1-\alpha} / 2` of its
    maximum (Box & Cox 1964; Montgomery, Peck & Vining, Sec. 5.4.1).

    Parameters
    ----------
    y : (n,) array_like
        Positive response.  Not modified.
    X : (n, p) array_like, optional
        Design, constant included; a column of ones when omitted (then the
        result equals :func:`scipy.stats.boxcox`'s lambda and interval).
    alpha : float
        The interval's level is ``1 - alpha``; ``0 < alpha < 1``.
    lmbdas : array_like, optional
        Grid for the stored curve (``llf_curve``, the plot); by default 201
        points covering [-2, 2] and the interval.

    Returns
    -------
    BoxCoxResult
        ``lmbda``, ``conf_int``, ``llf``, the curve, ``transform``, ``plot``.

    Raises
    ------
    ValueError
        Non-positive or non-finite y, a design of the wrong length or with
        infs/NaNs, *alpha* outside (0, 1).

    Notes
    -----
    Cost: one column-pivoted QR of X with the explicit Q (about
    ``4 n p^2`` flops), then about ``4 n r`` flops per power evaluated
    (r = rank of X); Brent's method needs some 20-40 evaluations.
    Workspace ``O(n k)`` for a grid of k powers.  A rank-deficient X is
    handled by the pivoted QR's numerical rank.
    """
    from scipy import stats

    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"alpha must be between 0.0 and 1.0, got {alpha!r}")
    y = _positive_response(y)
    Q = _column_basis(_design(y, X))
    if Q.shape[1] >= y.shape[0]:
        raise ValueError("the design fits y exactly (rank >= n): the Box-Cox likelihood is unbounded")
    logy = np.log(y)
    if np.ptp(logy) == 0.0:
        raise ValueError("Data must not be constant.")

    def f(lam):
        return float(_profile_llf(Q, logy, lam)[0])

    lmbda = _maximise(f)
    llf = f(lmbda)
    target = llf - 0.5 * stats.chi2.ppf(1.0 - float(alpha), 1)
    ci = np.array([_interval_edge(f, lmbda, target, -0.1), _interval_edge(f, lmbda, target, 0.1)])
    if lmbdas is None:
        lo, hi = min(-2.0, ci[0] - 0.25), max(2.0, ci[1] + 0.25)
        lmbdas = np.linspace(lo, hi, 201)
    else:
        lmbdas = _float_array(lmbdas, "lmbdas", 1)
    curve = _profile_llf(Q, logy, lmbdas)
    return BoxCoxResult(
        lmbda=lmbda,
        conf_int=ci,
        alpha=float(alpha),
        llf=llf,
        lmbdas=lmbdas,
        llf_curve=curve,
        nobs=int(y.shape[0]),
        rank=int(Q.shape[1]),
    )


# --------------------------------------------------------------------------
# Box-Tidwell
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class BoxTidwellResult:
    """Powers of regressors estimated by the Box-Tidwell iteration (see :func:`box_tidwell`).

    Attributes
    ----------
    powers : (k,) ndarray
        The least-squares estimates of the powers, one per transformed column.
    score_statistic, score_pvalue : (k,) ndarray
        The test of "no transformation" (power 1) for each column: the t
        statistic of ``x log x`` added to the untransformed model (all such
        terms together, as R's ``car::boxTidwell``) and its two-sided
        normal p-value.
    columns : tuple of int
        The transformed columns of X.
    n_iter : int
        Iterations used.
    converged : bool
        Whether the largest relative change of a power fell below *tol*.
    ssr : float
        Residual sum of squares of the model at the estimated powers.
    """

    powers: np.ndarray
    score_statistic: np.ndarray
    score_pvalue: np.ndarray
    columns: tuple
    n_iter: int
    converged: bool
    ssr: float


def _coefficients(y: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, float]:
    beta, residuals, rank, _ = lstsq(W, y, method="pivoted", compute_s=False)
    if residuals.size:
        return beta, float(residuals[0])
    r = y - W @ beta
    return beta, float(r @ r)


def box_tidwell(y, X, columns, *, maxiter=25, tol=1e-10):
    r"""Box-Tidwell estimates of powers ``a_j`` in ``y = b_0 + sum_j b_j x_j^{a_j} + (other terms) + e``.

    Each iteration linearises ``x^a`` about the current power: with
    ``w = x^{a}``, fit y on the design with w, then on the design augmented
    by ``w log w``; the coefficients b (of w) and c (of ``w log w``) give
    the update ``a <- a (1 + c / b)`` (Box & Tidwell 1962; Montgomery, Peck
    & Vining, Sec. 5.4.2).  A fixed point is a stationary point of the
    residual sum of squares in the powers, i.e. the least-squares (and,
    with normal errors, maximum-likelihood) estimate.

    Parameters
    ----------
    y : (n,) array_like
        Response.  Not modified.
    X : (n, p) array_like
        Design, constant included.  Not modified.
    columns : int or sequence of int
        The columns of X to transform; their values must be positive.
    maxiter : int
        Iteration limit.
    tol : float
        Stop when every power changes by less than ``tol * max(1, |a|)``.

    Returns
    -------
    BoxTidwellResult

    Raises
    ------
    ValueError
        Non-positive values in a transformed column, bad *columns*, y and
        X of different lengths, infs/NaNs, a power that leaves the design
        without the column's effect (b = 0).

    Notes
    -----
    Two pivoted-QR least-squares fits per iteration, about
    ``4 n (p + k)^2`` flops; the score test is one more fit.  The score
    statistic is R's ``car::boxTidwell`` "Score Statistic" (Fox & Weisberg,
    *An R Companion to Applied Regression*).
    """
    from scipy import stats

    y = _float_array(y, "y", 1)
    X = _design(y, X)
    p = X.shape[1]
    cols = np.atleast_1d(np.asarray(columns))
    if cols.ndim != 1 or cols.size == 0 or not np.issubdtype(cols.dtype, np.integer):
        raise ValueError(f"columns must be an int or a non-empty sequence of ints, got {columns!r}")
    cols = np.where(cols < 0, cols + p, cols)
    if np.any((cols < 0) | (cols >= p)) or np.unique(cols).size != cols.size:
        raise ValueError(f"columns must be distinct column indices of X (p = {p}), got {columns!r}")
    Xc = X[:, cols]
    if np.any(Xc <= 0):
        raise ValueError("the transformed columns must be positive")
    logx = np.log(Xc)

    # score test of a = 1: t statistics of x log x added to the untransformed model
    from jitla.regression._model import OLS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollinearityWarning)
        score = np.asarray(OLS(y, np.hstack([X, Xc * logx])).fit().tvalues)[p:]
    score_p = 2.0 * stats.norm.sf(np.abs(score))

    a = np.ones(cols.size)
    converged = False
    n_iter = 0
    while n_iter < int(maxiter):
        n_iter += 1
        W = X.copy()
        W[:, cols] = np.exp(a * logx)
        b, _ = _coefficients(y, W)
        c, _ = _coefficients(y, np.hstack([W, W[:, cols] * (a * logx)]))
        slope = b[cols]
        if np.any(slope == 0):
            raise ValueError("a transformed column has a zero coefficient: its power is not identified")
        a_new = a * (1.0 + c[p:] / slope)
        step = np.abs(a_new - a)
        a = a_new
        if np.all(step <= tol * np.maximum(1.0, np.abs(a))):
            converged = True
            break
    W = X.copy()
    W[:, cols] = np.exp(a * logx)
    _, ssr = _coefficients(y, W)
    return BoxTidwellResult(
        powers=a,
        score_statistic=score,
        score_pvalue=score_p,
        columns=tuple(int(c) for c in cols),
        n_iter=n_iter,
        converged=converged,
        ssr=ssr,
    )
