"""Regression on derived components: principal components regression (PCR) and PLS.

Both replace the p columns of X by k < p linear combinations and regress y
on those (ESL Sec. 3.5):

* **PCR** (ESL Sec. 3.5.1): the combinations are the first k principal
  directions of the centred X -- they maximise the variance of X alone,
  whatever y is.  One SVD ``X_c = U S V^T`` gives everything: the scores
  ``z_m = s_m u_m`` are orthogonal, so the regression on them is k
  separate projections, ``theta_m = u_m^T y / s_m``, and the coefficients in
  the original variables are ``beta = V_k theta``.  It is least squares
  (``k = rank``) with the small-variance directions of X dropped, where
  ridge shrinks them smoothly (ESL Fig. 3.17).
* **PLS** (ESL Sec. 3.5.2, Algorithm 3.3): the combinations maximise the
  covariance with y, one at a time on the deflated data (NIPALS,
  :mod:`jitla.kernels.pls`).

Conventions stated once.  :class:`PCR` centres X and y (``fit_intercept``)
but does not scale X: it is scikit-learn's
``make_pipeline(PCA(n_components=k), LinearRegression())`` (PCA centres and
does not scale); put a ``StandardScaler`` in front for PCR on correlations.
:class:`PLSRegression` is scikit-learn's, which by default (``scale=True``)
scales X and y by their sample standard deviations (ddof = 1).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from jitla.linalg import matmul, pinv, qr_r_augmented, svd
from jitla.linalg._pls import nipals
from jitla.regression._estimator import (
    BaseEstimator,
    RegressorMixin,
    TransformerMixin,
    check_is_fitted,
    check_X,
    check_y,
)

try:
    from sklearn.exceptions import ConvergenceWarning
except ImportError:  # pragma: no cover - exercised only without scikit-learn

    class ConvergenceWarning(UserWarning):
        """An iterative solver stopped early (scikit-learn's warning)."""


__all__ = ["PCR", "PLSRegression"]


def _check_int(owner, name, value, low):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be an int in the range [{low}, inf). "
            f"Got {value!r} instead."
        )
    return int(value)


class PCR(RegressorMixin, TransformerMixin, BaseEstimator):
    """Principal components regression: least squares on the first k principal components of X.

    Parameters
    ----------
    n_components : int or None
        k; None keeps ``min(n_samples, n_features)`` (least squares, minimum norm).
    fit_intercept : bool
        Centre X and y (the principal components of the centred X); without
        it the SVD is of X itself and there is no intercept.

    Attributes
    ----------
    components_ : (n_components, n_features) ndarray
        Principal directions (rows of V^T), each signed so its largest
        entry in absolute value is positive (scikit-learn's ``svd_flip``).
    explained_variance_ : (n_components,) ndarray
        ``s_m^2 / (n - 1)``: the variance of X along each direction.
    explained_variance_ratio_ : (n_components,) ndarray
        ``s_m^2 / sum(s^2)`` over all the singular values.
    singular_values_ : (n_components,) ndarray
    y_explained_variance_ratio_ : (n_components,) or (n_targets, n_components) ndarray
        ``(u_m^T y_c)^2 / ||y_c||^2``: the share of y's sum of squares that
        component m explains (they add up to the R^2 of the fit, the
        components being orthogonal).
    coef_ : (n_features,) or (n_targets, n_features) ndarray
        In the original variables: ``V_k theta``.
    intercept_ : float or (n_targets,) ndarray
    mean_ : (n_features,) ndarray
        The column means of X (zeros without ``fit_intercept``).

    Notes
    -----
    ESL Sec. 3.5.1 (Eq. 3.61-3.62).  Tall X (n > p): one Householder/TSQR
    pass over ``[1 | X | y]`` (:func:`jitla.linalg.qr_r_augmented`,
    ``2 n p^2`` flops; the column of ones centres the rest, X itself is
    never copied) and the SVD of the p x p triangle R (``O(p^3)``), as
    LAPACK's ``dgesvd`` does for m >> n: backward stable like the SVD of
    X_c, with no ``X^T X`` formed.  Wide X: the thin SVD of the centred X
    (``O(n^2 p)``).  Then ``2 r k q`` for ``U_k^T y`` and ``2 p k q`` for
    the coefficients.  Workspace: R ((p + q + 1)^2) when tall; the centred
    copy of X and its thin SVD (n r + r + r p, r = min(n, p)) when wide.
    """

    def __init__(self, n_components=None, *, fit_intercept=True):
        self.n_components = n_components
        self.fit_intercept = fit_intercept

    def fit(self, X, y):
        """Fit the components and the regression on them; returns ``self``."""
        owner = type(self).__name__
        A = check_X(self, X, reset=True, copy=False)
        Y = check_y(y, A.shape[0])
        n, p = A.shape
        r = min(n, p)
        if self.n_components is None:
            k = r
        else:
            k = _check_int(owner, "n_components", self.n_components, 1)
            if k > r:
                raise ValueError(
                    f"n_components={k} must be between 1 and min(n_samples, n_features)={r} with "
                    f"svd_solver='full'"
                )
        self.mean_ = A.mean(axis=0) if self.fit_intercept else np.zeros(p)
        y_mean = Y.mean(axis=0) if self.fit_intercept else np.zeros(Y.shape[1:])
        Yc = (Y - y_mean).reshape(n, -1)
        c = int(bool(self.fit_intercept))
        if n > p + c:
            # tall: X_c = Q R from one TSQR pass over [1 | X | y] (the ones column centres the rest),
            # then the SVD of the small R = U_R S V^T: X_c = (Q U_R) S V^T and U^T y_c = U_R^T (Q^T y_c)
            R = qr_r_augmented(A, Yc, ones=bool(c))
            U, s, Vt = svd(np.ascontiguousarray(R[c : c + p, c : c + p]), full_matrices=False)
            QtY = R[c : c + p, c + p :]
        else:
            U, s, Vt = svd(np.ascontiguousarray(A - self.mean_), full_matrices=False)
            QtY = Yc
        # scikit-learn's sign rule (svd_flip, V-based): the largest |v_mj| of each direction positive
        flip = np.sign(Vt[np.arange(r), np.argmax(np.abs(Vt), axis=1)])
        flip[flip == 0] = 1.0
        U *= flip
        Vt *= flip[:, None]
        total = float((s**2).sum())
        self.components_ = np.ascontiguousarray(Vt[:k])
        self.singular_values_ = s[:k].copy()
        self.explained_variance_ = s[:k] ** 2 / max(n - 1, 1)
        self.explained_variance_ratio_ = s[:k] ** 2 / total if total > 0 else np.zeros(k)
        UtY = matmul(np.ascontiguousarray(U[:, :k].T), np.ascontiguousarray(QtY))  # (k, q)
        # theta_m = u_m^T y / s_m; a zero singular value's direction carries nothing of X
        cut = np.finfo(np.float64).eps * max(n, p) * (s[0] if s.size else 0.0)
        inv_s = np.divide(1.0, s[:k], out=np.zeros(k), where=s[:k] > cut)
        theta = inv_s[:, None] * UtY
        coef = matmul(np.ascontiguousarray(Vt[:k].T), theta).T  # (q, p)
        yss = (Yc**2).sum(axis=0)
        share = np.divide(UtY.T**2, yss[:, None], out=np.zeros_like(UtY.T), where=yss[:, None] > 0)
        intercept = y_mean - coef @ self.mean_ if self.fit_intercept else 0.0
        if Y.ndim == 1:
            self.coef_ = coef[0]
            self.intercept_ = float(intercept[0]) if self.fit_intercept else 0.0
            self.y_explained_variance_ratio_ = share[0]
        else:
            self.coef_ = coef
            self.intercept_ = np.asarray(intercept, dtype=np.float64) if self.fit_intercept else 0.0
            self.y_explained_variance_ratio_ = share
        self.n_components_ = k
        return self

    def transform(self, X):
        """Principal component scores ``(X - mean_) @ components_.T``."""
        check_is_fitted(self, "components_")
        A = check_X(self, X, reset=False, copy=False)
        return (A - self.mean_) @ self.components_.T

    def predict(self, X):
        """``X @ coef_.T + intercept_``."""
        check_is_fitted(self, "coef_")
        A = check_X(self, X, reset=False, copy=False)
        return A @ self.coef_.T + self.intercept_

    def fit_transform(self, X, y=None, **params):
        """Fit, then the scores of X."""
        return self.fit(X, y).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.required = True
        return tags


class PLSRegression(RegressorMixin, TransformerMixin, BaseEstimator):
    """Partial least squares regression, PLS1 / PLS2 by NIPALS (scikit-learn's ``PLSRegression``).

    Parameters
    ----------
    n_components : int
        Components, in ``[1, min(n_samples, n_features)]``.
    scale : bool
        Scale X and y to unit sample standard deviation (ddof = 1) after centring.
    max_iter : int
        Power passes per component at most (several targets only).
    tol : float
        The passes stop when ``||w - w_old||^2 < tol``.
    copy : bool
        Accepted for scikit-learn's signature; X and y are never modified.

    Attributes
    ----------
    x_weights_ : (n_features, n_components) ndarray
    y_weights_ : (n_targets, n_components) ndarray
    x_loadings_ : (n_features, n_components) ndarray
    y_loadings_ : (n_targets, n_components) ndarray
    x_scores_ : (n_samples, n_components) ndarray
    y_scores_ : (n_samples, n_components) ndarray
    x_rotations_ : (n_features, n_components) ndarray
        ``W (P^T W)^+``: scores of new data are ``X_scaled @ x_rotations_``.
    y_rotations_ : (n_targets, n_components) ndarray
    coef_ : (n_targets, n_features) ndarray
        ``y = X @ coef_.T + intercept_`` (scikit-learn >= 1.3's shape, for one target too).
    intercept_ : (n_targets,) ndarray
    n_iter_ : list of int
        Power passes of each component.
    x_explained_variance_ratio_ : (n_components,) ndarray
        ``||t_m||^2 ||p_m||^2 / ||X_0||_F^2``: the share of the (scaled,
        centred) X's sum of squares removed by component m's deflation.
        The deflations are orthogonal (``t_m^T X_{m+1} = 0``), so the shares
        add up to the fraction of X explained by the k components.
    y_explained_variance_ratio_ : (n_components,) ndarray
        ``||t_m||^2 ||q_m||^2 / ||Y_0||_F^2``, likewise for Y (summed over targets).

    Notes
    -----
    Wold et al. (2001); ESL Algorithm 3.3; :mod:`jitla.kernels.pls`.  Flops:
    ``4 n (p + q)`` per power pass and ``6 n (p + q)`` per component, plus
    ``O(p k^2)`` for the rotations.  Workspace: centred, scaled copies of X
    and Y (deflated in place) and the (n + p + q) x k components.
    """

    def __init__(self, n_components=2, *, scale=True, max_iter=500, tol=1e-06, copy=True):
        self.n_components = n_components
        self.scale = scale
        self.max_iter = max_iter
        self.tol = tol
        self.copy = copy

    def fit(self, X, y):
        """Fit the components; returns ``self``."""
        owner = type(self).__name__
        k = _check_int(owner, "n_components", self.n_components, 1)
        max_iter = _check_int(owner, "max_iter", self.max_iter, 0)
        if not (isinstance(self.tol, numbers.Real) and self.tol >= 0):
            raise ValueError(
                f"The 'tol' parameter of {owner} must be a float in the range [0, inf). "
                f"Got {self.tol!r} instead."
            )
        A = check_X(self, X, reset=True, copy=False)
        Y = check_y(y, A.shape[0])
        n, p = A.shape
        if n < 2:
            raise ValueError(
                f"Found array with {n} sample(s) (shape={A.shape}) while a minimum of 2 is required."
            )
        self._predict_1d = Y.ndim == 1
        Y = Y.reshape(n, -1)
        q = Y.shape[1]
        if k > min(n, p):
            raise ValueError(
                f"`n_components` upper bound is {min(n, p)}. Got {k} instead. Reduce `n_components`."
            )
        self._x_mean = A.mean(axis=0)
        self._y_mean = Y.mean(axis=0)
        Xc = A - self._x_mean
        Yc = Y - self._y_mean
        if self.scale:
            self._x_std = Xc.std(axis=0, ddof=1)
            self._x_std[self._x_std == 0.0] = 1.0
            self._y_std = Yc.std(axis=0, ddof=1)
            self._y_std[self._y_std == 0.0] = 1.0
            Xc /= self._x_std
            Yc /= self._y_std
        else:
            self._x_std = np.ones(p)
            self._y_std = np.ones(q)
        res = nipals(Xc, Yc, k, max_iter=max(max_iter, 1), tol=float(self.tol))
        if res.done < k:
            warnings.warn(f"y residual is constant at iteration {res.done}", UserWarning, stacklevel=2)
        if q > 1 and (res.n_iter[: res.done] >= max_iter).any():
            warnings.warn("Maximum number of iterations reached", ConvergenceWarning, stacklevel=2)
        self.x_weights_ = res.x_weights
        self.y_weights_ = res.y_weights
        self.x_scores_ = res.x_scores
        self.y_scores_ = res.y_scores
        self.x_loadings_ = res.x_loadings
        self.y_loadings_ = res.y_loadings
        self.n_iter_ = [int(i) for i in res.n_iter[: res.done]]
        self.x_rotations_ = self.x_weights_ @ pinv(self.x_loadings_.T @ self.x_weights_)
        self.y_rotations_ = self.y_weights_ @ pinv(self.y_loadings_.T @ self.y_weights_)
        coef = self.x_rotations_ @ self.y_loadings_.T
        self.coef_ = (coef * self._y_std).T / self._x_std
        self.intercept_ = self._y_mean
        tt = (res.x_scores**2).sum(axis=0)
        x_total = float((Xc**2).sum())
        y_total = float((Yc**2).sum())
        x_part = tt * (res.x_loadings**2).sum(axis=0)
        y_part = tt * (res.y_loadings**2).sum(axis=0)
        self.x_explained_variance_ratio_ = x_part / x_total if x_total > 0 else np.zeros(k)
        self.y_explained_variance_ratio_ = y_part / y_total if y_total > 0 else np.zeros(k)
        self._n_features_out = k
        return self

    def transform(self, X, y=None, copy=True):
        """X scores ``((X - mean) / std) @ x_rotations_`` (and the y scores when y is given)."""
        check_is_fitted(self, "x_rotations_")
        A = check_X(self, X, reset=False, copy=False)
        x_scores = ((A - self._x_mean) / self._x_std) @ self.x_rotations_
        if y is None:
            return x_scores
        Y = np.asarray(y, dtype=np.float64)
        Y = Y.reshape(Y.shape[0], -1)
        return x_scores, ((Y - self._y_mean) / self._y_std) @ self.y_rotations_

    def inverse_transform(self, X, y=None):
        """Back from scores to the original space: ``X @ x_loadings_.T * std + mean``."""
        check_is_fitted(self, "x_loadings_")
        Z = np.asarray(X, dtype=np.float64)
        X_rec = Z @ self.x_loadings_.T * self._x_std + self._x_mean
        if y is None:
            return X_rec
        W = np.asarray(y, dtype=np.float64).reshape(Z.shape[0], -1)
        return X_rec, W @ self.y_loadings_.T * self._y_std + self._y_mean

    def predict(self, X, copy=True):
        """``(X - mean) @ coef_.T + intercept_`` (1-D when fitted on a 1-D y)."""
        check_is_fitted(self, "coef_")
        A = check_X(self, X, reset=False, copy=False)
        pred = (A - self._x_mean) @ self.coef_.T + self.intercept_
        return pred.ravel() if self._predict_1d else pred

    def fit_transform(self, X, y=None):
        """Fit, then :meth:`transform` (X scores, and y scores when y is given)."""
        return self.fit(X, y).transform(X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.regressor_tags.poor_score = True
        return tags
