"""Measurement error and calibration (MPV ch. 15): Deming regression and inverse prediction.

Deming regression fits a straight line when both variables are measured
with error, given the ratio of the two error variances; inverse prediction
(calibration) runs a fitted straight line backwards, from a new response
to the x that produced it, with Fieller's interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["deming", "DemingResult", "calibrate", "CalibrationResult"]


def _vector(v, name: str) -> np.ndarray:
    try:
        a = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must not contain infs or NaNs")
    return a


@dataclass(frozen=True)
class DemingResult:
    """A Deming regression fit (see :func:`deming`).

    Attributes
    ----------
    params : (2,) ndarray
        ``(intercept, slope)``.
    bse : (2,) ndarray
        Jackknife standard errors.
    conf_int : (2, 2) ndarray
        Rows ``(lower, upper)`` for intercept and slope: ``params -+ t bse``,
        t with n - 2 degrees of freedom.
    lmbda : float
        The error-variance ratio used, ``var(error in y) / var(error in x)``.
    nobs : int
    alpha : float
    """

    params: np.ndarray
    bse: np.ndarray
    conf_int: np.ndarray
    lmbda: float
    nobs: int
    alpha: float

    def predict(self, x) -> np.ndarray:
        """``intercept + slope * x``."""
        return self.params[0] + self.params[1] * np.asarray(x, dtype=np.float64)


def _deming_slopes(sxx, syy, sxy, lmbda):
    """Deming's slope from centred sums of squares and products (vectorised over leave-one-out sums)."""
    d = syy - lmbda * sxx
    with np.errstate(divide="ignore", invalid="ignore"):
        return (d + np.sqrt(d * d + 4.0 * lmbda * sxy * sxy)) / (2.0 * sxy)


def deming(x, y, lmbda=1.0, *, alpha=0.05):
    r"""Deming regression: a straight line when x and y both carry measurement error.

    With ``x_i = xi_i + d_i``, ``y_i = b0 + b1 xi_i + e_i`` and
    ``var(e) / var(d) = lmbda`` known, the maximum-likelihood slope is

    .. math:: b_1 = \frac{s_{yy} - \lambda s_{xx} + \sqrt{(s_{yy} - \lambda s_{xx})^2
              + 4 \lambda s_{xy}^2}}{2 s_{xy}},

    ``b0 = ybar - b1 xbar`` (Deming 1943; Fuller, *Measurement Error
    Models*, 1987, Sec. 1.3; Montgomery, Peck & Vining, Sec. 15.1):
    ``lmbda = 1`` is orthogonal regression, ``lmbda -> inf`` ordinary least
    squares of y on x, ``lmbda -> 0`` that of x on y.

    Parameters
    ----------
    x, y : (n,) array_like
        Measurements, n >= 3.  Not modified.
    lmbda : float
        Error-variance ratio ``var(error in y) / var(error in x)``, > 0.
        (R's ``mcr`` package takes the reciprocal, ``error.ratio``.)
    alpha : float
        Intervals at level ``1 - alpha``.

    Returns
    -------
    DemingResult

    Raises
    ------
    ValueError
        Shapes, n < 3, non-finite data, ``lmbda <= 0``, x or y constant,
        or ``s_xy = 0`` (no linear relation: the slope is undefined).

    Notes
    -----
    Standard errors by the jackknife over observations (Linnet 1990, the
    method of R's ``mcr::mcreg``): the n leave-one-out fits come from
    downdated sums in O(n) in all, so the whole fit costs O(n).
    """
    from scipy import stats

    x = _vector(x, "x")
    y = _vector(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.shape[0]} and {y.shape[0]}")
    n = x.shape[0]
    if n < 3:
        raise ValueError("Deming regression needs at least three observations")
    lmbda = float(lmbda)
    if not lmbda > 0 or not np.isfinite(lmbda):
        raise ValueError(f"lmbda must be a positive finite number, got {lmbda!r}")
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"alpha must be between 0.0 and 1.0, got {alpha!r}")
    xm, ym = x.mean(), y.mean()
    dx, dy = x - xm, y - ym
    sxx, syy, sxy = dx @ dx, dy @ dy, dx @ dy
    if sxx == 0 or syy == 0:
        raise ValueError("x and y must both vary")
    if sxy == 0:
        raise ValueError("x and y are uncorrelated (s_xy = 0): the Deming slope is undefined")
    b1 = float(_deming_slopes(sxx, syy, sxy, lmbda))
    b0 = float(ym - b1 * xm)
    # leave-one-out centred sums: removing point i from a sample with mean m changes the
    # centred cross-product by - n / (n - 1) * d_i e_i
    f = n / (n - 1.0)
    xm_i = (n * xm - x) / (n - 1.0)
    ym_i = (n * ym - y) / (n - 1.0)
    b1_i = _deming_slopes(sxx - f * dx * dx, syy - f * dy * dy, sxy - f * dx * dy, lmbda)
    b0_i = ym_i - b1_i * xm_i
    jack = np.column_stack((b0_i, b1_i))
    bse = np.sqrt((n - 1.0) / n * ((jack - jack.mean(axis=0)) ** 2).sum(axis=0))
    q = stats.t.ppf(1.0 - float(alpha) / 2.0, n - 2)
    params = np.array([b0, b1])
    ci = np.column_stack((params - q * bse, params + q * bse))
    return DemingResult(params, bse, ci, lmbda, n, float(alpha))


@dataclass(frozen=True)
class CalibrationResult:
    """Inverse prediction of x from new responses (see :func:`calibrate`).

    Attributes
    ----------
    estimate : float
        ``x0 = (ybar0 - b0) / b1``.
    lower, upper : float
        The interval's ends (``-inf``/``inf`` when it is unbounded).
    se : float
        The delta-method standard error of the estimate (used by ``"wald"``).
    method : str
    bounded : bool
        False when the slope is not significantly different from 0 at
        level alpha: Fieller's set is then the whole line or two rays, and
        ``(lower, upper)`` is reported as ``(-inf, inf)``.
    """

    estimate: float
    lower: float
    upper: float
    se: float
    method: str
    bounded: bool


def calibrate(res, y0, *, alpha=0.05, method="inversion"):
    r"""Estimate the x that produced new response(s) *y0* on a fitted straight line, with an interval.

    With the fit ``y = b0 + b1 x`` (n points, residual variance s^2,
    ``S_xx = sum (x_i - xbar)^2``) and m new responses with mean ``ybar0``,
    the estimate is ``x0 = (ybar0 - b0) / b1``.  The ``"inversion"``
    interval (Fieller 1954; Graybill 1976; Montgomery, Peck & Vining,
    Sec. 15.2) is the set of x whose prediction interval for the mean of m
    new observations contains ``ybar0``:

    .. math:: (\bar y_0 - b_0 - b_1 x)^2 \le t^2 s^2 \left(\frac1m + \frac1n
              + \frac{(x - \bar x)^2}{S_{xx}}\right),

    a quadratic inequality in x; ``"wald"`` is ``x0 -+ t se`` with the
    delta-method ``se = (s / |b1|) sqrt(1/m + 1/n + (x0 - xbar)^2 / S_xx)``.

    Parameters
    ----------
    res : regression results
        An OLS fit of y on a constant and one regressor (in that order or
        not: the constant is found).  Nothing is modified.
    y0 : float or array_like
        The new response(s); their mean and count m are used.
    alpha : float
        Level ``1 - alpha``; t has ``df_resid`` degrees of freedom.
    method : {"inversion", "wald"}

    Returns
    -------
    CalibrationResult

    Raises
    ------
    ValueError
        A model that is not a straight line with intercept, weights, bad
        *alpha*/*method*, empty or non-finite *y0*.

    Notes
    -----
    O(n) for the sums; the inversion interval is the roots of a quadratic.
    """
    from scipy import stats

    if method not in ("inversion", "wald"):
        raise ValueError(f"method must be 'inversion' or 'wald', got {method!r}")
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"alpha must be between 0.0 and 1.0, got {alpha!r}")
    model = res.model
    X = np.asarray(model.exog, dtype=np.float64)
    const = getattr(model, "const_idx", None)
    if X.ndim != 2 or X.shape[1] != 2 or const is None or getattr(model, "weights", None) is not None:
        raise ValueError("calibrate needs an unweighted straight-line fit: a constant and one regressor")
    if getattr(model, "sigma", None) is not None:
        raise ValueError("calibrate needs an unweighted straight-line fit: a constant and one regressor")
    j = 1 - int(const)
    y0 = np.atleast_1d(_vector(np.atleast_1d(y0), "y0"))
    if y0.size == 0:
        raise ValueError("y0 must hold at least one response")
    m = y0.size
    params = np.asarray(res.params, dtype=np.float64)
    b0, b1 = params[const], params[j]
    if not np.isfinite(b1) or b1 == 0.0:
        raise ValueError("the fitted slope is zero or aliased: x cannot be recovered from y")
    x = X[:, j]
    n = x.shape[0]
    xbar = x.mean()
    sxx = float(((x - xbar) ** 2).sum())
    s2 = float(res.scale)
    ybar0 = float(y0.mean())
    x0 = (ybar0 - b0) / b1
    t = stats.t.ppf(1.0 - float(alpha) / 2.0, res.df_resid)
    se = np.sqrt(s2) / abs(b1) * np.sqrt(1.0 / m + 1.0 / n + (x0 - xbar) ** 2 / sxx)
    if method == "wald":
        return CalibrationResult(float(x0), float(x0 - t * se), float(x0 + t * se), float(se), method, True)
    # in u = x - xbar:  (c - b1 u)^2 <= t^2 s^2 (1/m + 1/n + u^2 / Sxx),  c = ybar0 - b0 - b1 xbar
    c = ybar0 - b0 - b1 * xbar
    k = t * t * s2
    a2 = b1 * b1 - k / sxx
    a1 = -2.0 * b1 * c
    a0 = c * c - k * (1.0 / m + 1.0 / n)
    disc = a1 * a1 - 4.0 * a2 * a0
    if a2 <= 0.0 or disc < 0.0:
        return CalibrationResult(float(x0), -np.inf, np.inf, float(se), method, False)
    root = np.sqrt(disc)
    # the two roots without cancellation (Numerical Recipes' q form)
    q = -0.5 * (a1 + np.copysign(root, a1)) if a1 != 0.0 else 0.5 * root
    r1, r2 = (q / a2, a0 / q) if q != 0.0 else (-root / (2 * a2), root / (2 * a2))
    lo, hi = sorted((r1, r2))
    return CalibrationResult(float(x0), float(lo + xbar), float(hi + xbar), float(se), method, True)
