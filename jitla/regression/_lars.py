"""Least angle regression: ``lars_path``, ``Lars``, ``LassoLars``, ``LassoLarsIC``.

scikit-learn's names, scaling and semantics.  The LARS path (Efron, Hastie,
Johnstone & Tibshirani 2004; ESL Sec. 3.4.4, Algorithm 3.2) adds one
column at a time, moving the active coefficients along the equiangular
direction until the next column is as correlated with the residual; the
lasso modification (ESL Algorithm 3.2a) also removes a column whose
coefficient reaches zero, which makes the path the lasso's::

    1/(2 n) ||y - X w||^2 + alpha ||w||_1,    alpha = max_j |x_j^T r| / n  at each knot

between knots the coefficients are linear in alpha.  The loop is one
Numba kernel (:mod:`jitla.kernels.lars`), the Cholesky factor of the
active columns' Gram matrix updated by one row per join and by Givens
rotations per drop.

Two deliberate differences from scikit-learn (``sklearn.linear_model._least_angle``):

* ``method="lar"``: the direction's signs stay those of the correlations
  (Efron et al.'s definition), so every knot keeps all active correlations
  equal to ``n alpha``.  scikit-learn flips the sign of a column whose
  coefficient changes sign and skips the next join; from that knot on its
  "lar" path no longer has equal active correlations.  Before the first
  sign change both paths are the same.
* a column collinear with the active set (pivot below 1e-7) is excluded
  for the rest of the path, with one ``ConvergenceWarning``.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from jitla.linalg import lstsq
from jitla.linalg._lars import lars
from jitla.regression._estimator import BaseEstimator, RegressorMixin, check_is_fitted, check_X, check_y
from jitla.regression._lasso import _COLUMN_Y, DataConversionWarning

try:
    from sklearn.exceptions import ConvergenceWarning
except ImportError:  # pragma: no cover - exercised only without scikit-learn

    class ConvergenceWarning(UserWarning):
        """An iterative solver stopped early (scikit-learn's warning)."""


__all__ = ["Lars", "LassoLars", "LassoLarsIC", "lars_path"]

_EPS = float(np.finfo(float).eps)


def _report(res, method):
    """The kernel's report as scikit-learn's warnings."""
    if res.n_degenerate:
        warnings.warn(
            f"Regressors in active set degenerate: {res.n_degenerate} column(s) in the span of the active "
            "set were excluded from the path. Reduce max_iter or increase eps parameters.",
            ConvergenceWarning,
            stacklevel=4,
        )
    if res.stopped_early and method == "lasso":
        warnings.warn(
            "Early stopping the lars path, as the residues are small and the current value of alpha is no "
            f"longer well controlled. {res.n_iter} iterations, alpha={res.alphas[-1]:.3e}.",
            ConvergenceWarning,
            stacklevel=4,
        )


def _check_method(method, positive):
    if method not in ("lar", "lasso"):
        raise ValueError(
            "The 'method' parameter of lars_path must be a str among {'lar', 'lasso'}. "
            f"Got {method!r} instead."
        )
    if method == "lar" and positive:
        raise ValueError("Positive constraint not supported for 'lar' coding method.")


def _path(XT, y, Xy, G, n_samples, max_iter, alpha_min, method, positive, eps):
    """One target's path (float64): the kernel call and its warnings."""
    res = lars(
        Xy,
        XT=XT,
        y=y,
        G=G,
        n_samples=n_samples,
        max_iter=max_iter,
        alpha_min=alpha_min,
        lasso=method == "lasso",
        positive=positive,
        eps=eps,
    )
    _report(res, method)
    return res


def lars_path(
    X,
    y,
    Xy=None,
    *,
    Gram=None,
    max_iter=500,
    alpha_min=0,
    method="lar",
    copy_X=True,
    eps=_EPS,
    copy_Gram=True,
    verbose=0,
    return_path=True,
    return_n_iter=False,
    positive=False,
):
    """The LARS or lasso path (scikit-learn's ``lars_path``).

    X and y are used as given: centre them first for a model with an
    intercept (the estimators do).

    Parameters
    ----------
    X : (n_samples, n_features) ndarray
    y : (n_samples,) ndarray
    Xy : (n_features,) ndarray, optional
        ``X^T y``.
    Gram : None, "auto", bool or (n_features, n_features) ndarray
        ``X^T X``: the steps use it instead of X ("auto": formed when
        n_samples > n_features; None / False: never formed).
    max_iter : int
        Steps at most (``max_iter`` knots after the first).
    alpha_min : float
        Stop at this alpha (the last knot is interpolated to it).
    method : "lar" or "lasso"
        LARS, or LARS with the lasso modification (the lasso path).
    copy_X, copy_Gram, verbose
        Accepted for scikit-learn's signature; the inputs are never modified.
    eps : float
        Floor of a Cholesky pivot (scikit-learn's regularisation of an
        ill-conditioned active set).
    return_path : bool
        Every knot, or only the last.
    return_n_iter : bool
        Also return the number of steps.
    positive : bool
        Non-negative coefficients ("lasso" only).

    Returns
    -------
    alphas : (n_alphas + 1,) ndarray
        ``max_j |x_j^T r| / n_samples`` at each knot (shape (1,) without the path).
    active : list of int
        Active columns at the end, in the order they joined.
    coefs : (n_features, n_alphas + 1) ndarray
        Coefficients at the knots ((n_features,) without the path).
    n_iter : int
        Only with ``return_n_iter``.

    Notes
    -----
    Efron et al. (2004) Sec. 2-3; ESL Algorithms 3.2 and 3.2a.  Flops per
    step with k active columns: ``3 k^2`` for the factor and the direction,
    plus ``2 p k`` with a Gram matrix or ``2 n (k + p)`` without; forming
    the Gram matrix costs ``n p^2``.  Workspace: X transposed (n p), the
    Gram matrix if used (p^2), the factor (min(max_iter, p)^2) and the path
    (steps x p).
    """
    _check_method(method, positive)
    if X is None and Gram is not None:
        raise ValueError("X cannot be None if Gram is not NoneUse lars_path_gram to avoid passing X and y.")
    if X is None:
        raise ValueError("X and Gram cannot both be unspecified.")
    if not isinstance(max_iter, numbers.Integral) or max_iter < 0:
        raise ValueError(
            "The 'max_iter' parameter of lars_path must be an int in the range [0, inf). "
            f"Got {max_iter!r} instead."
        )
    if not (isinstance(alpha_min, numbers.Real) and alpha_min >= 0):
        raise ValueError(
            "The 'alpha_min' parameter of lars_path must be a float in the range [0, inf). "
            f"Got {alpha_min!r} instead."
        )
    A = np.asarray(X)
    yv = np.asarray(y)
    dtypes = {a.dtype for a in (A, yv, Xy, Gram) if isinstance(a, np.ndarray)}
    out_dtype = dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float64)
    A = np.asarray(A, dtype=np.float64)
    yv = np.asarray(yv, dtype=np.float64).ravel()
    n, p = A.shape
    XT = np.ascontiguousarray(A.T)
    Xty = XT @ yv if Xy is None else np.array(Xy, dtype=np.float64).ravel()
    if isinstance(Gram, np.ndarray):
        G = np.ascontiguousarray(Gram, dtype=np.float64)
        if G.shape != (p, p):
            raise ValueError("The shapes of the inputs Gram and Xy do not match.")
    elif Gram is True or (isinstance(Gram, str) and Gram == "auto" and n > p):
        G = XT @ XT.T
    else:
        G = None
    res = _path(XT, yv, Xty, G, yv.size, max_iter, float(alpha_min), method, positive, eps)
    active = [int(j) for j in res.active]
    if return_path:
        out = (res.alphas.astype(out_dtype), active, res.coefs.T.astype(out_dtype))
    else:
        out = (res.alphas[-1:].astype(out_dtype), active, res.coefs[-1].astype(out_dtype))
    return (*out, res.n_iter) if return_n_iter else out


# --------------------------------------------------------------------------
# estimators
# --------------------------------------------------------------------------
def _check_int(owner, name, value, low):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be an int in the range [{low}, inf). "
            f"Got {value!r} instead."
        )
    return int(value)


def _check_real(owner, name, value, low_open=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = value > 0 if low_open else value >= 0
    if not ok:
        left = "(" if low_open else "["
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a float in the range {left}0.0, inf). "
            f"Got {value!r} instead."
        )
    return float(value)


class Lars(RegressorMixin, BaseEstimator):
    """Least angle regression (scikit-learn's ``Lars``): the LARS path up to ``n_nonzero_coefs`` steps.

    X and y are centred (``fit_intercept``); the path is computed on the
    centred data and ``coef_`` is its last knot; ``intercept_ = mean(y) -
    mean(X) @ coef_``.

    Parameters
    ----------
    fit_intercept : bool
    verbose : ignored
    precompute : "auto", bool or (p, p) ndarray
        Use ``X^T X`` in the steps ("auto": when n > p, or several targets).
    n_nonzero_coefs : int
        Steps at most.
    eps : float
        Floor of a Cholesky pivot.
    copy_X : bool
        Accepted for scikit-learn's signature; X is never modified.
    fit_path : bool
        Keep ``coef_path_`` (and ``active_``).
    jitter : float, optional
        Upper bound of uniform noise added to y (breaks ties).
    random_state : int, RandomState or None
        For ``jitter``.

    Attributes
    ----------
    alphas_ : (n_alphas + 1,) ndarray or list of such
        ``max_j |x_j^T r| / n`` at each knot.
    active_ : list of int or list of such lists
    coef_path_ : (n_features, n_alphas + 1) ndarray or list of such
    coef_ : (n_features,) or (n_targets, n_features) ndarray
    intercept_ : float or (n_targets,) ndarray
    n_iter_ : int or list of int

    Notes
    -----
    :func:`lars_path` gives the algorithm, flops and workspace.
    """

    method = "lar"
    positive = False

    def __init__(
        self,
        *,
        fit_intercept=True,
        verbose=False,
        precompute="auto",
        n_nonzero_coefs=500,
        eps=_EPS,
        copy_X=True,
        fit_path=True,
        jitter=None,
        random_state=None,
    ):
        self.fit_intercept = fit_intercept
        self.verbose = verbose
        self.precompute = precompute
        self.n_nonzero_coefs = n_nonzero_coefs
        self.eps = eps
        self.copy_X = copy_X
        self.fit_path = fit_path
        self.jitter = jitter
        self.random_state = random_state

    def _settings(self):
        """``(max_iter, alpha_min)`` of the path."""
        return _check_int(type(self).__name__, "n_nonzero_coefs", self.n_nonzero_coefs, 1), 0.0

    def fit(self, X, y, Xy=None):
        """Fit the path on (X, y); returns ``self``."""
        owner = type(self).__name__
        max_iter, alpha_min = self._settings()
        eps = _check_real(owner, "eps", self.eps, low_open=True)
        positive = bool(self.positive)
        dtype = np.float32 if getattr(X, "dtype", None) == np.float32 else np.float64
        A = check_X(self, X, reset=True, copy=False)
        Y = check_y(y, A.shape[0])
        if self.jitter is not None:
            from sklearn.utils import check_random_state

            jitter = _check_real(owner, "jitter", self.jitter)
            Y = Y + check_random_state(self.random_state).uniform(high=jitter, size=Y.shape[0]).reshape(
                (-1,) + (1,) * (Y.ndim - 1)
            )
        n, p = A.shape
        if self.fit_intercept:
            x_mean = A.mean(axis=0)
            y_mean = Y.mean(axis=0)
        else:
            x_mean = np.zeros(p)
            y_mean = np.zeros(Y.shape[1:]) if Y.ndim > 1 else 0.0
        XT = np.empty((p, n))
        np.subtract(A.T, x_mean[:, None], out=XT)
        Yc = np.ascontiguousarray((Y - y_mean).reshape(n, -1))
        k = Yc.shape[1]
        pre = self.precompute
        if isinstance(pre, np.ndarray):
            G = np.ascontiguousarray(pre, dtype=np.float64)
            if G.shape != (p, p):
                raise ValueError("The shapes of the inputs Gram and Xy do not match.")
        elif pre is True or (isinstance(pre, str) and pre == "auto" and (n > p or k > 1)):
            G = XT @ XT.T
        elif pre is False or (isinstance(pre, str) and pre == "auto"):
            G = None
        else:
            raise ValueError(
                f"The 'precompute' parameter of {owner} must be a str among {{'auto'}}, an instance of "
                f"'bool' or an array-like. Got {pre!r} instead."
            )
        XtY = XT @ Yc if Xy is None else np.asarray(Xy, dtype=np.float64).reshape(p, k)
        coef = np.empty((k, p))
        alphas, actives, paths, n_iters = [], [], [], []
        for t in range(k):
            yt = np.ascontiguousarray(Yc[:, t])
            res = _path(
                XT, yt, np.ascontiguousarray(XtY[:, t]), G, n, max_iter, alpha_min, self.method, positive, eps
            )
            coef[t] = res.coefs[-1]
            alphas.append(res.alphas if self.fit_path else res.alphas[-1:])
            actives.append([int(j) for j in res.active])
            paths.append(res.coefs.T.astype(dtype))
            n_iters.append(res.n_iter)
        intercept = y_mean - coef @ x_mean if self.fit_intercept else 0.0
        single = Y.ndim == 1
        self.alphas_ = alphas[0] if single else alphas
        self.n_iter_ = n_iters[0] if single else n_iters
        if self.fit_path:
            self.active_ = actives[0] if single else actives
            self.coef_path_ = paths[0] if single else paths
        else:
            for name in ("active_", "coef_path_"):
                if hasattr(self, name):
                    delattr(self, name)
        self.coef_ = (coef[0] if single else coef).astype(dtype)
        if self.fit_intercept:
            self.intercept_ = float(intercept[0]) if single else np.asarray(intercept, dtype=np.float64)
        else:
            self.intercept_ = 0.0
        return self

    def predict(self, X):
        """``X @ coef_.T + intercept_``."""
        check_is_fitted(self, "coef_")
        A = check_X(self, X, reset=False, copy=False)
        return A @ np.asarray(self.coef_, dtype=np.float64).T + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class LassoLars(Lars):
    """The lasso by LARS (scikit-learn's ``LassoLars``): the lasso-LARS path down to ``alpha``.

    Minimises ``1/(2n) ||y - X w||^2 + alpha ||w||_1`` (the intercept not
    penalised): the lasso path is followed from ``alpha_max`` and cut at
    ``alpha`` (interpolated between the two knots around it), so ``coef_``
    is the lasso solution at ``alpha`` -- exact up to rounding, not to a
    tolerance as coordinate descent's.

    Parameters
    ----------
    alpha : float
    fit_intercept, verbose, precompute, eps, copy_X, fit_path, jitter, random_state
        As :class:`Lars`.
    max_iter : int
        Steps at most.
    positive : bool
        Non-negative coefficients.

    Attributes
    ----------
    As :class:`Lars`.
    """

    method = "lasso"

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        verbose=False,
        precompute="auto",
        max_iter=500,
        eps=_EPS,
        copy_X=True,
        fit_path=True,
        positive=False,
        jitter=None,
        random_state=None,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.verbose = verbose
        self.positive = positive
        self.precompute = precompute
        self.copy_X = copy_X
        self.eps = eps
        self.fit_path = fit_path
        self.jitter = jitter
        self.random_state = random_state

    def _settings(self):
        owner = type(self).__name__
        return _check_int(owner, "max_iter", self.max_iter, 0), _check_real(owner, "alpha", self.alpha)


class LassoLarsIC(LassoLars):
    """Lasso-LARS with alpha chosen by AIC or BIC (scikit-learn's ``LassoLarsIC``).

    The whole lasso path is computed once; at each knot, with ``df`` the
    number of non-zero coefficients (Zou, Hastie & Tibshirani 2007, "On the
    degrees of freedom of the lasso") and the noise variance ``s^2`` from
    the least-squares fit on all the columns (or given)::

        criterion = n log(2 pi s^2) + RSS / s^2 + c df,      c = 2 (AIC) or log n (BIC)

    and the knot with the smallest criterion gives ``alpha_`` and ``coef_``.

    Parameters
    ----------
    criterion : "aic" or "bic"
    fit_intercept, verbose, precompute, max_iter, eps, copy_X, positive
        As :class:`LassoLars`.
    noise_variance : float, optional
        ``s^2``; estimated by least squares when None (needs n > p + fit_intercept).

    Attributes
    ----------
    alpha_ : float
    alphas_ : (n_alphas + 1,) ndarray
    criterion_ : (n_alphas + 1,) ndarray
    noise_variance_ : float
    coef_, intercept_, n_iter_
    """

    def __init__(
        self,
        criterion="aic",
        *,
        fit_intercept=True,
        verbose=False,
        precompute="auto",
        max_iter=500,
        eps=_EPS,
        copy_X=True,
        positive=False,
        noise_variance=None,
    ):
        self.criterion = criterion
        self.fit_intercept = fit_intercept
        self.positive = positive
        self.max_iter = max_iter
        self.verbose = verbose
        self.copy_X = copy_X
        self.precompute = precompute
        self.eps = eps
        self.noise_variance = noise_variance

    fit_path = True
    jitter = None
    random_state = None
    alpha = 0.0

    def fit(self, X, y, copy_X=None):
        """Fit the lasso path and pick the knot with the smallest criterion; returns ``self``."""
        owner = type(self).__name__
        if self.criterion not in ("aic", "bic"):
            raise ValueError(
                f"The 'criterion' parameter of {owner} must be a str among {{'aic', 'bic'}}. "
                f"Got {self.criterion!r} instead."
            )
        if self.noise_variance is not None:
            _check_real(owner, "noise_variance", self.noise_variance)
        A = check_X(self, X, reset=True, copy=False)
        yv = check_y(y, A.shape[0])
        if yv.ndim == 2:
            if yv.shape[1] != 1:
                raise ValueError(f"y should be a 1d array, got an array of shape {yv.shape} instead.")
            warnings.warn(_COLUMN_Y, DataConversionWarning, stacklevel=2)
            yv = yv[:, 0]
        super().fit(A, yv)
        n, p = A.shape
        x_mean = A.mean(axis=0) if self.fit_intercept else np.zeros(p)
        y_mean = yv.mean() if self.fit_intercept else 0.0
        Xc = A - x_mean
        yc = yv - y_mean
        path = np.asarray(self.coef_path_, dtype=np.float64)
        rss = ((yc[:, None] - Xc @ path) ** 2).sum(axis=0)
        df = (np.abs(path) > np.finfo(np.float64).eps).sum(axis=0)
        if self.noise_variance is None:
            self.noise_variance_ = self._estimate_noise_variance(Xc, yc)
        else:
            self.noise_variance_ = float(self.noise_variance)
        factor = 2.0 if self.criterion == "aic" else math.log(n)
        self.criterion_ = (
            n * np.log(2 * np.pi * self.noise_variance_) + rss / self.noise_variance_ + factor * df
        )
        best = int(np.argmin(self.criterion_))
        self.alpha_ = float(self.alphas_[best])
        coef = path[:, best]
        self.coef_ = coef.astype(self.coef_.dtype)
        self.intercept_ = float(y_mean - x_mean @ coef) if self.fit_intercept else 0.0
        return self

    def _estimate_noise_variance(self, Xc, yc):
        """``RSS / (n - p - fit_intercept)`` of the least-squares fit of the centred data."""
        n, p = Xc.shape
        if n <= p + self.fit_intercept:
            raise ValueError(
                f"You are using {type(self).__name__} in the case where the number of samples is smaller "
                "than the number of features. In this setting, getting a good estimate for the variance of "
                "the noise is not possible. Provide an estimate of the noise variance in the constructor."
            )
        if self.positive:
            from scipy.optimize import nnls

            beta = nnls(Xc, yc)[0]
        else:
            beta = lstsq(Xc, yc, rcond=None)[0]
        return float(((yc - Xc @ beta) ** 2).sum() / (n - p - self.fit_intercept))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        return tags
