"""scikit-learn's GLM estimators on jitla's IRLS: LogisticRegression, Poisson/Gamma/TweedieRegressor.

Same names, defaults and objectives as scikit-learn (1.8+), solved by
penalised IRLS instead of L-BFGS, plus ``result_``: the unpenalised fit's
:class:`~jitla.regression.GLMResults` (standard errors, p-values), which
scikit-learn does not give (scikit-learn#16802).

Objectives (s: sample weights, S = sum(s); dev: the family's unit deviance)::

    LogisticRegression   C sum_i s_i logloss_i + (1 - r)/2 ||w||^2 + r ||w||_1    (r = l1_ratio)
    *Regressor           1/(2S) sum_i s_i dev_i + alpha/2 ||w||^2

both are ``sum_i s_i dev_i / 2 + l2/2 ||w||^2 + l1 ||w||_1`` after scaling
(``l2 = (1 - r)/C, l1 = r/C``; ``l2 = alpha S``).  The intercept is never
penalised.  Each iteration minimises the quadratic model of the deviance
(Fisher scoring, McCullagh & Nelder sec. 2.5) plus the penalty:

* l1 = 0: the penalised weighted least-squares problem, as a QR of the
  design with ``sqrt(l2) I`` rows appended (the augmented-QR route of
  :class:`~jitla.regression.Ridge`; ``X^T W X`` is never formed);
* l1 > 0: glmnet's proximal Newton step (Friedman, Hastie & Tibshirani, J.
  Stat. Softw. 33, 2010): the weighted elastic net of the working response
  by jitla's coordinate-descent kernel in covariance mode, to its duality gap.

A step that does not decrease the penalised objective is halved.  Stops
when the objective changes by less than ``tol`` (relative) and no
coefficient moves by more than ``sqrt(tol)`` relative to the largest.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from jitla.regression._estimator import (
    BaseEstimator,
    RegressorMixin,
    check_is_fitted,
    check_sample_weight,
    check_X,
    check_y,
)
from jitla.regression._fit import fit_least_squares
from jitla.regression.families import Binomial, Gamma, Identity, Log, Poisson, Tweedie

__all__ = [
    "LogisticRegression",
    "LogisticRegressionCV",
    "logistic_path",
    "PoissonRegressor",
    "GammaRegressor",
    "TweedieRegressor",
]

try:
    from sklearn.base import ClassifierMixin
    from sklearn.exceptions import ConvergenceWarning
except ImportError:  # pragma: no cover - exercised only without scikit-learn

    class ClassifierMixin:
        """``score`` = accuracy of ``predict(X)``."""

        _estimator_type = "classifier"

        def score(self, X, y, sample_weight=None):
            y = np.asarray(y)
            w = np.ones(y.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
            return float(np.average(self.predict(X) == y, weights=w))

    class ConvergenceWarning(UserWarning):
        """scikit-learn's warning for an iteration limit reached."""


#: Step halvings per iteration before the iteration stops improving.
_MAX_HALVINGS = 30


def _objective(family, y, mu, s, beta, l1, l2):
    return (
        0.5 * float(np.sum(s * family.unit_deviance(y, mu)))
        + 0.5 * l2 * float(beta @ beta)
        + l1 * float(np.abs(beta).sum())
    )


#: The l1 inner problem is solved in covariance mode (``X^T V X`` formed once per IRLS step, then
#: CD epochs cost p^2) up to this many columns when n >= 2p, in residual mode (the weighted,
#: centred X, epochs cost n per active column) beyond: glmnet's default switch (``type.gaussian``).
COVARIANCE_MODE_MAX_COLUMNS = 500


def _inner_enet(X, z, v, beta, l1, l2, fit_intercept, gap_tol):
    """The proximal Newton step: the weighted elastic net of the working response (b0, b)."""
    from jitla.linalg import matmul
    from jitla.linalg._enet import enet_cd

    n, p = X.shape
    V = float(v.sum())
    xbar = (v @ X) / V if fit_intercept else np.zeros(p)
    zbar = float(v @ z) / V if fit_intercept else 0.0
    new_beta = beta.copy()
    if p <= COVARIANCE_MODE_MAX_COLUMNS and n >= 2 * p:
        Xv = X * v[:, None]
        G = matmul(X.T, Xv) - V * np.outer(xbar, xbar)
        Xty = Xv.T @ z - V * xbar * zbar
        yty = float(v @ (z * z)) - V * zbar * zbar
        enet_cd(new_beta, l1, l2, gap_tol * max(yty, 1e-300), G=np.ascontiguousarray(G), Xty=Xty, yty=yty)
    else:
        sv = np.sqrt(v)
        XT = np.ascontiguousarray(((X - xbar) * sv[:, None]).T)
        zt = (z - zbar) * sv
        norms = np.einsum("ij,ij->i", XT, XT)
        enet_cd(new_beta, l1, l2, gap_tol * max(float(zt @ zt), 1e-300), XT=XT, y=zt, norms=norms)
    return zbar - float(xbar @ new_beta), new_beta


def _penalised_irls(X, y, s, family, l1, l2, fit_intercept, tol, max_iter, start=None):
    """Minimise ``sum s dev / 2 + l2/2 ||b||^2 + l1 ||b||_1``, intercept free.

    *start*: ``(b0, b)`` to start from (a warm start along a path); default
    the intercept-only model.  Returns ``(b0, b, n_iter, converged)``.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # trial steps are checked
        return _penalised_irls_loop(X, y, s, family, l1, l2, fit_intercept, tol, max_iter, start)


def _penalised_irls_loop(X, y, s, family, l1, l2, fit_intercept, tol, max_iter, start):
    fam, link = family, family.link
    n, p = X.shape
    b0, beta = 0.0, np.zeros(p)
    if start is not None:
        b0, beta = float(start[0]), np.array(start[1], dtype=np.float64)
    elif fit_intercept:
        b0 = float(link(np.average(fam.starting_mu(y, np.ones(n)), weights=s)))
    eta = X @ beta + b0
    mu = fam.clip_mu(link.inverse(eta))
    if not fam.valid_mu(mu):  # e.g. an identity link at zero: start from R's means instead
        mu = fam.starting_mu(y, np.ones(n))
        eta = link(mu)
    obj = _objective(fam, y, mu, s, beta, l1, l2)
    converged, it = False, 0
    c = 1 if fit_intercept else 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        g = link.deriv(mu)
        z = eta + (y - mu) * g
        v = s / (g * g * fam.variance(mu))
        if l1 == 0.0:
            A = np.zeros((n + p, p + c))
            sv = np.sqrt(v)
            if c:
                A[:n, 0] = sv
            A[:n, c:] = X * sv[:, None]
            A[n + np.arange(p), c + np.arange(p)] = math.sqrt(l2)
            rhs = np.zeros((n + p, 1))
            rhs[:n, 0] = sv * z
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theta = fit_least_squares(A, rhs).params[:, 0]
            theta = np.nan_to_num(theta)
            new_b0, new_beta = (float(theta[0]) if c else 0.0), theta[c:]
        else:
            new_b0, new_beta = _inner_enet(X, z, v, beta, l1, l2, fit_intercept, 1e-3 * tol)
        # halve the step until the penalised objective does not increase
        for _ in range(_MAX_HALVINGS + 1):
            eta_new = X @ new_beta + new_b0
            mu_new = fam.clip_mu(link.inverse(eta_new))
            ok = fam.valid_mu(mu_new)
            obj_new = _objective(fam, y, mu_new, s, new_beta, l1, l2) if ok else math.inf
            if ok and obj_new <= obj + 1e-12 * abs(obj):
                break
            new_beta = 0.5 * (new_beta + beta)
            new_b0 = 0.5 * (new_b0 + b0)
        else:
            break  # no decrease along the step: at the optimum to working precision
        moved = max(abs(new_b0 - b0), float(np.max(np.abs(new_beta - beta), initial=0.0)))
        size = max(abs(new_b0), float(np.max(np.abs(new_beta), initial=0.0)))
        change = abs(obj - obj_new) / max(abs(obj_new), 1e-300)
        b0, beta, eta, mu, obj = new_b0, new_beta, eta_new, mu_new, obj_new
        if change < tol and moved <= math.sqrt(tol) * (size + 1.0):
            converged = True
            break
    return b0, beta, it, converged


def logistic_path(
    X,
    y,
    *,
    Cs=100,
    l1_ratio: float = 1.0,
    fit_intercept: bool = True,
    sample_weight=None,
    tol: float = 1e-8,
    max_iter: int = 100,
    min_ratio: float | None = None,
):
    """Binary logistic regression along a grid of C, each fit warm-started from the previous one.

    Parameters
    ----------
    X : (n, p) array_like
    y : (n,) array_like with two classes (the larger one is the positive class)
    Cs : int or array_like
        The grid (scikit-learn's C, the inverse penalty; objective as
        :class:`LogisticRegression`).  An int asks for that many values:
        with an l1 part, glmnet's grid -- from ``C_min``, the smallest C
        with a non-zero coefficient, up by a factor ``1 / min_ratio``
        (default 1e-4 when n > p, else 1e-2), log-spaced; for pure l2
        (``l1_ratio=0``) scikit-learn's ``logspace(-4, 4, Cs)``.
    l1_ratio : float in [0, 1]
        1: lasso, 0: ridge, between: elastic net.
    fit_intercept, sample_weight, tol, max_iter
        As :class:`LogisticRegression` (tol: relative change of the
        penalised objective).

    Returns
    -------
    Cs : (k,) ndarray, increasing
    coefs : (k, p) ndarray
    intercepts : (k,) ndarray
    n_iter : (k,) ndarray of int

    Notes
    -----
    Friedman, Hastie & Tibshirani (J. Stat. Softw. 33, 2010): from the
    sparse end of the path each solution starts from its neighbour's, so
    each C costs a few proximal-Newton steps whose inner elastic-net
    problems start almost solved (jitla's CD kernel, screening and working
    sets).  ``C_min = l1_ratio / max_j |sum_i s_i x_ij (y_i - ybar)|``.
    """
    from jitla.regression._estimator import _as_float_2d

    A = _as_float_2d(X)
    yv = np.asarray(y)
    classes = np.unique(yv)
    if classes.size != 2:
        raise ValueError(f"Only binary classification is supported; y has {classes.size} classes")
    t = (yv == classes[1]).astype(np.float64)
    s = check_sample_weight(sample_weight, A.shape[0])
    s = np.ones(A.shape[0]) if s is None else s
    _check_number(l1_ratio, "l1_ratio", "logistic_path", high=1.0)
    n, p = A.shape
    if isinstance(Cs, numbers.Integral):
        if l1_ratio > 0:
            tbar = float(np.average(t, weights=s)) if fit_intercept else 0.5
            grad = A.T @ (s * (t - tbar))
            c_min = l1_ratio / max(float(np.abs(grad).max()), 1e-300)
            ratio = (1e-4 if n > p else 1e-2) if min_ratio is None else float(min_ratio)
            grid = c_min * np.logspace(0.0, -np.log10(ratio), int(Cs))
        else:
            grid = np.logspace(-4, 4, int(Cs))
    else:
        grid = np.sort(np.asarray(Cs, dtype=np.float64))
        if grid.size == 0 or np.any(grid <= 0):
            raise ValueError("Cs must be positive")
    family = Binomial()
    coefs = np.zeros((grid.size, p))
    intercepts = np.zeros(grid.size)
    iters = np.zeros(grid.size, dtype=np.int64)
    start = None
    for k, C in enumerate(grid):
        l1, l2 = l1_ratio / C, (1.0 - l1_ratio) / C
        b0, beta, it, _ = _penalised_irls(A, t, s, family, l1, l2, fit_intercept, tol, max_iter, start)
        coefs[k], intercepts[k], iters[k] = beta, b0, it
        start = (b0, beta)
    return grid, coefs, intercepts, iters


def _check_number(value, name, who, low=0.0, include_low=True, high=None):
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"The '{name}' parameter of {who} must be a float. Got {value!r} instead.")
    bad = value < low or (not include_low and value == low) or (high is not None and value > high)
    if bad or math.isnan(value):
        bound = f"{'>=' if include_low else '>'} {low}" + (f" and <= {high}" if high is not None else "")
        raise ValueError(f"The '{name}' parameter of {who} must be a float {bound}. Got {value!r} instead.")


def _target_type(y) -> str:
    """scikit-learn's ``type_of_target`` (binary / multiclass / continuous / ...) when available."""
    try:
        from sklearn.utils.multiclass import type_of_target
    except ImportError:  # pragma: no cover - exercised only without scikit-learn
        vals = np.unique(y)
        if y.dtype.kind == "f" and np.any(vals != np.round(vals)):
            return "continuous"
        return "binary" if vals.size <= 2 else "multiclass"
    return type_of_target(y, input_name="y", raise_unknown=True)


def _binary_target(y, n: int):
    """``(y, classes)`` of a binary classification target, with scikit-learn's errors."""
    if y is None:
        raise ValueError("This estimator requires y to be passed, but the target y is None.")
    yv = np.asarray(y)
    if yv.ndim == 2 and yv.shape[1] == 1:
        _warn_column_vector()
        yv = yv[:, 0]
    if yv.ndim != 1 or yv.shape[0] != n:
        raise ValueError(f"y should be a 1d array with {n} entries, got shape {yv.shape}")
    kind = _target_type(yv)
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"Unknown label type: {kind}. Maybe you are trying to fit a classifier, which expects "
            "discrete classes on a regression target with continuous values."
        )
    classes = np.unique(yv)
    if classes.size < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but the data contains only one "
            f"class: {classes[0]!r}"
        )
    if kind != "binary":
        raise ValueError(f"Only binary classification is supported. The type of the target is {kind}.")
    return yv, classes


def _class_weights(class_weight, classes, y) -> np.ndarray:
    """Per-sample multipliers for ``class_weight`` (None, "balanced" or a dict), as scikit-learn."""
    if class_weight is None:
        return np.ones(y.shape[0])
    if class_weight == "balanced":
        counts = np.array([np.sum(y == c) for c in classes], dtype=np.float64)
        per_class = y.shape[0] / (classes.size * counts)
    elif isinstance(class_weight, dict):
        per_class = np.array([float(class_weight.get(c, 1.0)) for c in classes])
    else:
        raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}")
    out = np.empty(y.shape[0])
    for c, wgt in zip(classes, per_class, strict=True):
        out[y == c] = wgt
    return out


def _warn_column_vector() -> None:
    try:
        from sklearn.exceptions import DataConversionWarning
    except ImportError:  # pragma: no cover - exercised only without scikit-learn
        DataConversionWarning = UserWarning  # noqa: N806
    warnings.warn(
        "A column-vector y was passed when a 1d array was expected. Please change the shape of y to "
        "(n_samples, ), for example using ravel().",
        DataConversionWarning,
        stacklevel=4,
    )


def _as_1d_target(y, n: int, who: str) -> np.ndarray:
    yv = check_y(y, n).astype(np.float64)
    if yv.ndim == 2 and yv.shape[1] == 1:
        _warn_column_vector()
        yv = yv[:, 0]
    if yv.ndim != 1:
        raise ValueError(f"{who} supports one target; y has shape {yv.shape}")
    return yv


class _GLMRegressor(RegressorMixin, BaseEstimator):
    """Shared fit/predict/score of the GLM regressors (scikit-learn's ``_GeneralizedLinearRegressor``)."""

    def __init__(
        self,
        *,
        alpha=1.0,
        fit_intercept=True,
        solver="lbfgs",
        max_iter=100,
        tol=1e-4,
        warm_start=False,
        verbose=0,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose

    def _family(self):
        raise NotImplementedError

    def fit(self, X, y, sample_weight=None):
        """Fit by penalised IRLS; returns ``self``."""
        who = type(self).__name__
        _check_number(self.alpha, "alpha", who)
        _check_number(self.tol, "tol", who, include_low=False)
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(
                f"The 'max_iter' parameter of {who} must be an int >= 1. Got {self.max_iter!r} instead."
            )
        if self.solver not in ("lbfgs", "newton-cholesky", "irls"):
            raise ValueError(f"The 'solver' parameter of {who} must be 'lbfgs', 'newton-cholesky' or 'irls'.")
        A = check_X(self, X, reset=True, copy=False)
        yv = _as_1d_target(y, A.shape[0], who)
        s = check_sample_weight(sample_weight, A.shape[0])
        s = np.ones(A.shape[0]) if s is None else s
        family = self._family()
        family.check_endog(yv)
        l2 = float(self.alpha) * float(s.sum())
        b0, beta, n_iter, converged = _penalised_irls(
            A, yv, s, family, 0.0, l2, self.fit_intercept, float(self.tol), int(self.max_iter)
        )
        if not converged:
            warnings.warn(
                f"{who} did not converge in {n_iter} IRLS iterations (max_iter={self.max_iter})",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.coef_ = beta
        self.intercept_ = b0
        self.n_iter_ = n_iter
        self._family_ = family
        self._sample_weight = s
        self._fit_data = (A, yv)
        return self

    @property
    def result_(self):
        """The unpenalised fit with statsmodels-style inference (``alpha == 0`` only)."""
        check_is_fitted(self, "coef_")
        if self.alpha != 0:
            raise AttributeError(
                "result_ (standard errors, p-values) is defined for the unpenalised fit, alpha=0"
            )
        return _glm_result(self._fit_data, self._sample_weight, self._family_, self.fit_intercept)

    def predict(self, X):
        """Predicted means ``h(X @ coef_ + intercept_)``."""
        check_is_fitted(self, "coef_")
        A = check_X(self, X, reset=False, copy=False)
        return self._family_.link.inverse(A @ self.coef_ + self.intercept_)

    def score(self, X, y, sample_weight=None):
        """D^2, the fraction of deviance explained (scikit-learn's score for GLMs)."""
        check_is_fitted(self, "coef_")
        yv = np.asarray(y, dtype=np.float64)
        w = np.ones(yv.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        mu = self.predict(X)
        fam = self._family_
        dev = np.sum(w * fam.unit_deviance(yv, mu))
        ybar = np.full_like(yv, np.average(yv, weights=w))
        dev_null = np.sum(w * fam.unit_deviance(yv, ybar))
        return float(1.0 - dev / dev_null)


def _glm_result(data, s, family, fit_intercept):
    from jitla.regression._glm import GLM

    A, y = data
    Xd = np.column_stack([np.ones(A.shape[0]), A]) if fit_intercept else A
    model = GLM(y, Xd, family, freq_weights=s)
    names = [f"x{i}" for i in range(A.shape[1])]
    model.exog_names = (["const"] if fit_intercept else []) + names
    return model.fit(tol=1e-10)


def _positive_only(tags):
    tags.target_tags.positive_only = True
    return tags


class PoissonRegressor(_GLMRegressor):
    """Poisson regression with a log link (scikit-learn's ``PoissonRegressor``), plus ``result_``."""

    def _family(self):
        return Poisson(Log())

    def __sklearn_tags__(self):
        return _positive_only(super().__sklearn_tags__())


class GammaRegressor(_GLMRegressor):
    """Gamma regression with a log link (scikit-learn's ``GammaRegressor``), plus ``result_``."""

    def _family(self):
        return Gamma(Log())

    def __sklearn_tags__(self):
        return _positive_only(super().__sklearn_tags__())


class TweedieRegressor(_GLMRegressor):
    """Tweedie regression (scikit-learn's ``TweedieRegressor``), power 0, 1, (1, 2), 2 or 3."""

    def __init__(
        self,
        *,
        power=0.0,
        alpha=1.0,
        fit_intercept=True,
        link="auto",
        solver="lbfgs",
        max_iter=100,
        tol=1e-4,
        warm_start=False,
        verbose=0,
    ):
        super().__init__(
            alpha=alpha,
            fit_intercept=fit_intercept,
            solver=solver,
            max_iter=max_iter,
            tol=tol,
            warm_start=warm_start,
            verbose=verbose,
        )
        self.power = power
        self.link = link

    def _family(self):
        if self.link not in ("auto", "identity", "log"):
            raise ValueError(
                "The 'link' parameter of TweedieRegressor must be 'auto', 'identity' or 'log'. "
                f"Got {self.link!r}."
            )
        p = float(self.power)
        if 0 < p < 1:
            raise ValueError("Tweedie power between 0 and 1 does not define a distribution")
        link = self.link
        if link == "auto":
            link = "identity" if p <= 0 else "log"
        return Tweedie(Identity() if link == "identity" else Log(), var_power=p)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if float(self.power) > 0:
            tags.target_tags.positive_only = True
        return tags


class _BinaryLogistic(ClassifierMixin, BaseEstimator):
    """Prediction of a fitted binary logistic model (``coef_`` (1, p), ``intercept_`` (1,), ``classes_``)."""

    def decision_function(self, X):
        check_is_fitted(self, "coef_")
        A = check_X(self, X, reset=False, copy=False)
        return A @ self.coef_[0] + self.intercept_[0]

    def predict_proba(self, X):
        p1 = Binomial().link.inverse(self.decision_function(X))
        return np.column_stack([1.0 - p1, p1])

    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))

    def predict(self, X):
        scores = self.decision_function(X)
        return self.classes_[(scores > 0).astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags


class LogisticRegression(_BinaryLogistic):
    """Binary logistic regression (scikit-learn's ``LogisticRegression``), plus ``result_``.

    Minimises ``C sum_i s_i logloss_i + (1 - l1_ratio)/2 ||w||^2 +
    l1_ratio ||w||_1`` (``C = inf``: no penalty) by penalised IRLS (module
    docstring).  ``penalty`` ("l2", "l1", "elasticnet", None) is accepted as
    scikit-learn before 1.8 took it.  Binary targets only (two classes).
    """

    def __init__(
        self,
        penalty="deprecated",
        *,
        C=1.0,
        l1_ratio=0.0,
        dual=False,
        tol=1e-4,
        fit_intercept=True,
        intercept_scaling=1,
        class_weight=None,
        random_state=None,
        solver="lbfgs",
        max_iter=100,
        verbose=0,
        warm_start=False,
        n_jobs=None,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs

    def _penalties(self):
        C, r = self.C, self.l1_ratio
        _check_number(C, "C", "LogisticRegression", include_low=False)
        pen = self.penalty
        if pen == "deprecated":
            _check_number(r, "l1_ratio", "LogisticRegression", high=1.0)
        elif pen is None or pen == "none":
            C = math.inf
        elif pen == "l2":
            r = 0.0
        elif pen == "l1":
            r = 1.0
        elif pen == "elasticnet":
            _check_number(r, "l1_ratio", "LogisticRegression", high=1.0)
        else:
            raise ValueError(
                "The 'penalty' parameter of LogisticRegression must be a str among "
                "{'l1', 'l2', 'elasticnet'} "
                f"or None. Got {pen!r} instead."
            )
        if math.isinf(C):
            return 0.0, 0.0
        return float(r) / C, (1.0 - float(r)) / C

    def fit(self, X, y, sample_weight=None):
        """Fit by penalised IRLS; returns ``self``."""
        l1, l2 = self._penalties()
        _check_number(self.tol, "tol", "LogisticRegression", include_low=False)
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(
                f"The 'max_iter' parameter of LogisticRegression must be an int >= 1. Got {self.max_iter!r}."
            )
        A = check_X(self, X, reset=True, copy=False)
        yv, classes = _binary_target(y, A.shape[0])
        t = (yv == classes[1]).astype(np.float64)
        s = check_sample_weight(sample_weight, A.shape[0])
        s = np.ones(A.shape[0]) if s is None else s.copy()
        s *= _class_weights(self.class_weight, classes, yv)
        family = Binomial()
        b0, beta, n_iter, converged = _penalised_irls(
            A, t, s, family, l1, l2, self.fit_intercept, float(self.tol), int(self.max_iter)
        )
        if not converged:
            warnings.warn(
                f"LogisticRegression did not converge in {n_iter} IRLS iterations (max_iter={self.max_iter})",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.classes_ = classes
        self.coef_ = beta[np.newaxis, :]
        self.intercept_ = np.array([b0])
        self.n_iter_ = np.array([n_iter])
        self._unpenalised = l1 == 0.0 and l2 == 0.0
        self._fit_data = (A, t)
        self._sample_weight = s
        return self

    @property
    def result_(self):
        """The unpenalised fit's :class:`~jitla.regression.GLMResults` (``C=inf`` / ``penalty=None``)."""
        check_is_fitted(self, "coef_")
        if not self._unpenalised:
            raise AttributeError(
                "result_ (standard errors, p-values) is defined for the unpenalised fit, C=inf"
            )
        return _glm_result(self._fit_data, self._sample_weight, Binomial(), self.fit_intercept)


class LogisticRegressionCV(_BinaryLogistic):
    """Binary logistic regression with C (and l1_ratio) chosen by cross-validation.

    scikit-learn's ``LogisticRegressionCV`` (legacy attribute layout): for
    each fold and each l1_ratio, :func:`logistic_path` over the grid
    ``Cs`` (warm-started along C), scored on the held-out part (accuracy
    unless *scoring* names a scikit-learn scorer); the best mean score
    picks ``C_`` / ``l1_ratio_``, then (``refit=True``) the model is fitted
    to all the data at that C.  Folds: scikit-learn's ``check_cv`` (5
    stratified folds by default).
    """

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios=None,
        fit_intercept=True,
        cv=None,
        penalty="deprecated",
        scoring=None,
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        refit=True,
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.penalty = penalty
        self.scoring = scoring
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.refit = refit
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _ratios(self):
        pen, ratios = self.penalty, self.l1_ratios
        if pen == "l1":
            return [1.0], False
        if pen in ("l2", None) or (pen == "deprecated" and ratios is None):
            return [0.0], False
        if pen not in ("deprecated", "elasticnet"):
            raise ValueError(f"penalty must be 'l1', 'l2', 'elasticnet' or None, got {pen!r}")
        if ratios is None:
            raise ValueError("l1_ratios must be given for the elastic net")
        ratios = [float(r) for r in np.atleast_1d(ratios)]
        for r in ratios:
            _check_number(r, "l1_ratios", "LogisticRegressionCV", high=1.0)
        return ratios, True

    def fit(self, X, y, sample_weight=None):
        """Cross-validate the grid, then refit at the best C; returns ``self``."""
        from sklearn.metrics import get_scorer
        from sklearn.model_selection import check_cv

        ratios, grid_of_ratios = self._ratios()
        A = check_X(self, X, reset=True, copy=False)
        yv, classes = _binary_target(y, A.shape[0])
        s = check_sample_weight(sample_weight, A.shape[0])
        s = np.ones(A.shape[0]) if s is None else s.copy()
        s *= _class_weights(self.class_weight, classes, yv)
        grid = (
            np.logspace(-4, 4, int(self.Cs))
            if isinstance(self.Cs, numbers.Integral)
            else np.sort(np.asarray(self.Cs, dtype=np.float64))
        )
        folds = list(check_cv(self.cv, yv, classifier=True).split(A, yv))
        scorer = get_scorer(self.scoring if self.scoring is not None else "accuracy")
        n_dof = A.shape[1] + (1 if self.fit_intercept else 0)
        paths = np.zeros((len(folds), grid.size, len(ratios), n_dof))
        scores = np.zeros((len(folds), grid.size, len(ratios)))
        iters = np.zeros((1, len(folds), grid.size, len(ratios)), dtype=np.int64)
        probe = LogisticRegression(fit_intercept=self.fit_intercept)
        probe.classes_ = classes
        probe.n_features_in_ = A.shape[1]
        for f, (train, test) in enumerate(folds):
            for r, ratio in enumerate(ratios):
                _, coefs, b0s, its = logistic_path(
                    A[train],
                    yv[train],
                    Cs=grid,
                    l1_ratio=ratio,
                    fit_intercept=self.fit_intercept,
                    sample_weight=s[train],
                    tol=self.tol,
                    max_iter=self.max_iter,
                )
                iters[0, f, :, r] = its
                for k in range(grid.size):
                    paths[f, k, r] = np.r_[coefs[k], b0s[k]] if self.fit_intercept else coefs[k]
                    probe.coef_ = coefs[k][np.newaxis, :]
                    probe.intercept_ = np.array([b0s[k]])
                    scores[f, k, r] = scorer(probe, A[test], yv[test])
        mean = scores.mean(axis=0)
        k_best, r_best = np.unravel_index(int(np.argmax(mean)), mean.shape)
        C_best, ratio_best = float(grid[k_best]), ratios[r_best]
        if self.refit:
            l1, l2 = ratio_best / C_best, (1.0 - ratio_best) / C_best
            t = (yv == classes[1]).astype(np.float64)
            b0, beta, _, _ = _penalised_irls(
                A, t, s, Binomial(), l1, l2, self.fit_intercept, float(self.tol), int(self.max_iter)
            )
        else:  # scikit-learn: the average over folds of the best-scoring coefficients
            best = paths[np.arange(len(folds)), scores[:, :, r_best].argmax(axis=1), r_best]
            avg = best.mean(axis=0)
            beta, b0 = (avg[:-1], float(avg[-1])) if self.fit_intercept else (avg, 0.0)
        key = classes[1]
        squeeze = (slice(None), slice(None), 0) if not grid_of_ratios else (slice(None),) * 3
        self.classes_ = classes
        self.Cs_ = grid
        self.l1_ratios_ = np.array(ratios) if grid_of_ratios else np.array([None])
        self.coefs_paths_ = {key: paths[squeeze]}
        self.scores_ = {key: scores[squeeze]}
        self.n_iter_ = iters[squeeze if grid_of_ratios else (slice(None), slice(None), slice(None), 0)]
        self.C_ = np.array([C_best])
        self.l1_ratio_ = np.array([ratio_best if grid_of_ratios else None])
        self.coef_ = np.asarray(beta)[np.newaxis, :]
        self.intercept_ = np.array([b0])
        return self
