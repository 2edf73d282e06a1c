"""``LinearRegression``: a scikit-learn estimator on jitla's QR least squares."""

from __future__ import annotations

import numpy as np

from jitla.linalg import svdvals
from jitla.regression._estimator import (
    BaseEstimator,
    RegressorMixin,
    check_is_fitted,
    check_sample_weight,
    check_X,
    check_y,
)
from jitla.regression._fit import SOLVERS, fit_augmented, warn_aliased

__all__ = ["LinearRegression"]


class LinearRegression(RegressorMixin, BaseEstimator):
    """Ordinary least squares as scikit-learn's ``LinearRegression``, solved by QR.

    Parameters
    ----------
    fit_intercept : bool
        Fit an intercept (a column of ones, weighted with the sample weights).
    method : {"qr", "pivoted", "svd", "normal"}
        Solver (see :meth:`jitla.regression.OLS.fit`).  ``"qr"`` factors
        ``[1 | X | y]`` once (TSQR for tall-skinny X, Q never formed).
    refine : bool
        Extra-precise iterative refinement of the coefficients.
    tol : float, optional
        Collinearity tolerance (default ``max(n, p) * eps``): a column whose
        part orthogonal to the earlier kept columns is at most ``tol`` times
        its length is *aliased*.

    Attributes
    ----------
    coef_ : (n_features,) or (n_targets, n_features) ndarray
        Coefficients; NaN for aliased (collinear) features, which
        :meth:`predict` then leaves out (R's ``NA`` convention; a
        :class:`~jitla.regression.CollinearityWarning` names them at fit).
    intercept_ : float or (n_targets,) ndarray
        0.0 without ``fit_intercept``.
    rank_ : int
        Numerical rank of X (centred when ``fit_intercept``).
    singular_ : (n_features,) ndarray
        Singular values of X (centred when ``fit_intercept``; weighted with
        ``sqrt(sample_weight)``), from the small triangular factor.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Notes
    -----
    Unlike scikit-learn (``scipy.linalg.lstsq``, an SVD-based minimum-norm
    solution) an underdetermined problem (fewer samples than features plus
    intercept) raises ``ValueError``, and collinear features are reported
    rather than shared out.  Flops: ``2 n (p+2)^2`` for the QR plus
    O(p^3); workspace one (n, p + 1 + k) array.  Sample weights of 0
    remove their rows, as repetition semantics require.  Every input dtype
    (float32, integers) is solved in float64 and the attributes are float64
    (scikit-learn keeps float32 for float32 input).  X is validated in one
    summing pass and copied once, straight into ``[1 | X | y]``.
    """

    def __init__(
        self,
        *,
        fit_intercept: bool = True,
        method: str = "qr",
        refine: bool = False,
        tol: float | None = None,
    ):
        self.fit_intercept = fit_intercept
        self.method = method
        self.refine = refine
        self.tol = tol

    def fit(self, X, y, sample_weight=None):
        """Fit the coefficients; returns ``self``."""
        if self.method not in SOLVERS:
            raise ValueError(f"method must be one of {list(SOLVERS)}, got {self.method!r}")
        A = check_X(self, X, reset=True, copy=False)  # read only: copied into [1 | X | y] below
        Y = check_y(y, A.shape[0])
        w = check_sample_weight(sample_weight, A.shape[0])
        one_target = Y.ndim == 1
        Y = Y.reshape(Y.shape[0], -1)
        if w is not None and (w == 0).any():
            keep = w > 0
            A, Y, w = A[keep], Y[keep], w[keep]
        n, p = A.shape
        c = 1 if self.fit_intercept else 0
        if n < p + c:
            raise ValueError(
                f"LinearRegression needs at least as many samples as coefficients: n_samples = {n} "
                f"< {p + c} (n_features + intercept); the least-squares problem has no unique solution"
            )
        k = Y.shape[1]
        # [1 | X | Y], rows scaled by sqrt(w): one pass over the data, factored in place
        XY = np.empty((n, c + p + k))
        if w is None:
            if c:
                XY[:, 0] = 1.0
            XY[:, c : c + p] = A
            XY[:, c + p :] = Y
        else:
            sw = np.sqrt(w)
            if c:
                XY[:, 0] = sw
            np.multiply(A, sw[:, np.newaxis], out=XY[:, c : c + p])
            np.multiply(Y, sw[:, np.newaxis], out=XY[:, c + p :])
        fit = fit_augmented(XY, c + p, method=self.method, refine=self.refine, tol=self.tol)
        params = fit.params  # (c + p, k)
        aliased = fit.aliased[c:]
        if aliased.any():
            names = list(getattr(self, "feature_names_in_", [f"x{j}" for j in range(p)]))
            warn_aliased([str(s) for s in names], aliased, stacklevel=3, out_of_range=fit.out_of_range[c:])
        coef = params[c:].T
        self.coef_ = coef[0].copy() if one_target else np.ascontiguousarray(coef)
        if c:
            self.intercept_ = float(params[0, 0]) if one_target else params[0].copy()
        else:
            self.intercept_ = 0.0  # scikit-learn: 0.0 for any number of targets
        self.rank_ = int(fit.rank - c)
        self.singular_ = np.asarray(svdvals(np.ascontiguousarray(fit.R_all[c:, c:])))
        return self

    def predict(self, X):
        """``X @ coef_.T + intercept_`` (aliased coefficients count as 0)."""
        check_is_fitted(self, "coef_")
        A = check_X(self, X, reset=False, copy=False)
        coef = np.nan_to_num(self.coef_, nan=0.0)
        return A @ coef.T + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
