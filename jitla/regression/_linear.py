"""``LinearRegression``: a scikit-learn estimator on jitla's QR least squares."""

from __future__ import annotations

import numpy as np

from jitla.linalg import lstsq, svdvals
from jitla.regression._estimator import (
    BaseEstimator,
    RegressorMixin,
    check_is_fitted,
    check_sample_weight,
    check_X,
    check_y,
)
from jitla.regression._fit import SOLVERS, fit_least_squares, warn_aliased
from jitla.regression._ridge import _centre

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
        ``sqrt(sample_weight)``), from the small triangular factor, computed
        when first read (a fit that never reads it compiles no SVD).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Notes
    -----
    An underdetermined problem (fewer samples of non-zero weight than
    features plus intercept) has infinitely many exact least-squares
    solutions; as scikit-learn (``scipy.linalg.lstsq``) the fit then returns
    the minimum-norm one, from the SVD of the centred, weighted X
    (:func:`jitla.linalg.lstsq` ``method="svd"``, whatever *method* says),
    and the residuals are zero.  Inference is undefined there (no residual
    degrees of freedom, and the coefficients depend on the choice of the
    minimum-norm member, not on the data alone): :class:`jitla.regression.OLS`
    refuses such data.  In the determined case collinear features are
    reported rather than shared out, unlike scikit-learn.  Flops: ``2 n (p+2)^2`` for the QR plus
    O(p^3); no workspace of size n for ``method="qr"``.  Sample weights of 0
    remove their rows, as repetition semantics require.  Every input dtype
    (float32, integers) is solved in float64 and the attributes are float64
    (scikit-learn keeps float32 for float32 input).  X is validated in one
    summing pass and, for the default ``method="qr"``, never copied: the QR
    of ``[1 | X | y]`` assembles its cache-sized row blocks from X
    (:func:`jitla.linalg.qr_r_augmented`); F-ordered or non-float64 X is
    converted once.
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
        A = check_X(self, X, reset=True, copy=False)  # read only: the QR reads it block by block
        Y = check_y(y, A.shape[0])
        w = check_sample_weight(sample_weight, A.shape[0])
        one_target = Y.ndim == 1
        Y = Y.reshape(Y.shape[0], -1)
        n, p = A.shape
        c = 1 if self.fit_intercept else 0
        # rows of weight 0 are rows of zeros after scaling by sqrt(w): they add nothing to R, so
        # they are left in place rather than removed by a copy of X
        n_used = n if w is None else int(np.count_nonzero(w))
        if n_used < p + c:
            return self._fit_minimum_norm(A, Y, w, one_target)
        # the QR of [1 | X | Y] (rows times sqrt(w)), assembled block by block from the user's X
        fit = fit_least_squares(
            A,
            Y,
            method=self.method,
            refine=self.refine,
            tol=self.tol,
            sqrt_weights=None if w is None else np.sqrt(w),
            ones=bool(c),
        )
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
        # singular_ is computed from this p x p factor when first read: the Jacobi SVD it compiles
        # was 0.3-0.5 CPU s of every first fit (devlog 086)
        self._singular_of = np.ascontiguousarray(fit.R_all[c:, c:])
        self._singular = None
        return self

    @property
    def singular_(self):
        """Singular values of X (centred when ``fit_intercept``; weighted), descending.

        :func:`jitla.linalg.svdvals` of the triangular factor :meth:`fit`
        kept, on first access; then stored.
        """
        s = self.__dict__.get("_singular")
        if s is None:
            R = self.__dict__.get("_singular_of")
            if R is None:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute 'singular_'")
            s = self._singular = np.asarray(svdvals(R))
        return s

    def _fit_minimum_norm(self, A, Y, w, one_target):
        # fewer (weighted) samples than coefficients: the least-squares solutions form an affine
        # set; return its shortest member, as scikit-learn (scipy.linalg.lstsq): centre X and y by
        # their weighted means (the intercept is not part of the norm), scale rows by sqrt(w), and
        # solve with the SVD, x = V diag(1/s) U^T y over the singular values above numpy's cutoff
        Xw, Yw, x_mean, y_mean, _ = _centre(A, Y, w, self.fit_intercept)
        coef, _, rank, s = lstsq(Xw, Yw, method="svd")
        self.coef_ = coef[:, 0].copy() if one_target else np.ascontiguousarray(coef.T)
        if self.fit_intercept:
            intercept = y_mean - x_mean @ coef
            self.intercept_ = float(intercept[0]) if one_target else intercept
        else:
            self.intercept_ = 0.0
        self.rank_ = int(rank)
        self._singular_of = None
        self._singular = np.asarray(s)
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
