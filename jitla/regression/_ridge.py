"""Ridge regression: ``Ridge``, ``RidgeCV`` (leave-one-out for a grid of alphas) and ``ridge`` results.

The objective (scikit-learn's, sample weights ``w``, intercept ``b`` not penalised)::

    minimise over (b, beta)   sum_i w_i (y_i - b - x_i^T beta)^2  +  alpha ||beta||^2

Standardisation conventions
---------------------------
glmnet (and R's ``glmnet(alpha=0)``) minimises instead::

    1/(2 N) sum_i w_i (y_i - b - x_i^T beta)^2 + lambda/2 ||beta||^2,   N = sum_i w_i

on features standardised by their (1/N, not 1/(N-1)) standard deviations
``sd_j`` when ``standardize=TRUE`` (the default), the coefficients mapped
back to the original scale afterwards.  Multiplying glmnet's objective by
``2 N`` gives scikit-learn's, so

* ``standardize=FALSE``: ``alpha = N * lambda`` gives the same coefficients;
* ``standardize=TRUE``: it is a ridge on ``z_j = (x_j - mean_j) / sd_j``, so
  fit ``Ridge(alpha=N * lambda)`` to the standardised columns and divide
  coefficient j by ``sd_j`` -- equivalently, a ridge on the raw features with
  the *per-feature* penalty ``N * lambda * sd_j^2`` (not one scikit-learn can
  state with a scalar alpha);
* glmnet's Gaussian family also standardises y internally, and users report
  a further factor ``sd(y)`` between glmnet's ridge lambda and the alpha
  above (glmnet's lambda ~ ``alpha / (N sd(y))``); that factor is not
  verified by jitla's tests (no R in the test environment).

jitla follows scikit-learn and does not standardise; :class:`Ridge` has no
``standardize`` parameter (compose ``StandardScaler`` in a pipeline, which
uses the same 1/N standard deviation as glmnet).

References: Hoerl & Kennard (1970); Hastie, Tibshirani & Friedman, *The
Elements of Statistical Learning*, 2nd ed., Sec. 3.4.1 (ridge via the SVD,
effective degrees of freedom) and Sec. 7.10.1 (leave-one-out shortcut);
Golub, Heath & Wahba (1979), generalised cross-validation; Rifkin & Lippert,
*Notes on Regularized Least Squares*, MIT-CSAIL-TR-2007-025 (2007).
"""

from __future__ import annotations

import numbers
import warnings
from functools import cached_property
from types import SimpleNamespace

import numpy as np

from jitla.linalg import (
    LinAlgError,
    cho_factor,
    cho_solve,
    eigh,
    lstsq,
    matmul,
    qr_r_augmented,
    solve_triangular,
    svd,
)
from jitla.regression._estimator import (
    BaseEstimator,
    RegressorMixin,
    check_is_fitted,
    check_sample_weight,
    check_X,
    check_y,
)

__all__ = ["Ridge", "RidgeCV", "RidgeResults", "ridge"]

_SOLVERS = ("auto", "cholesky", "qr", "svd")
_GCV_MODES = (None, "auto", "svd", "eigen")


# --------------------------------------------------------------------------
# input checks with scikit-learn's messages
# --------------------------------------------------------------------------
def _check_alpha(alpha, who: str) -> np.ndarray:
    """Ridge's alpha as a float64 (k,) array; scikit-learn's message for a negative one."""
    a = np.asarray(alpha, dtype=np.float64).ravel()
    if a.size == 0 or not np.isfinite(a).all() or (a < 0).any():
        raise ValueError(
            f"The 'alpha' parameter of {who} must be a float in the range [0.0, inf) or an array-like. "
            f"Got {alpha!r} instead."
        )
    return a


def _check_alphas(alphas) -> np.ndarray:
    """RidgeCV's grid as a float64 (m,) array; every alpha must be > 0 (scikit-learn's messages)."""
    if isinstance(alphas, numbers.Real) or np.ndim(alphas) == 0:
        if not float(alphas) > 0:
            raise ValueError(
                "The 'alphas' parameter of RidgeCV must be an array-like or a float in the range "
                f"(0.0, inf). Got {alphas!r} instead."
            )
        return np.array([float(alphas)])
    a = np.asarray(alphas, dtype=np.float64).ravel()
    if a.size == 0:
        raise ValueError("alphas must be a non-empty array-like of positive floats")
    for i, v in enumerate(a):
        if not v > 0:
            raise ValueError(f"alphas[{i}] == {v}, must be > 0.0.")
    return a


def _per_target(a: np.ndarray, k: int) -> np.ndarray:
    if a.size == 1:
        return np.full(k, a[0])
    if a.size != k:
        raise ValueError(f"Number of targets and number of penalties do not correspond: {a.size} != {k}")
    return a


def _centre(A, Y, w, fit_intercept):
    """``(Xw, Yw, x_mean, y_mean, sqrt_w)``: X, Y minus their weighted means, rows times sqrt(w).

    Centring with the weighted means removes the (unpenalised) intercept from
    the problem exactly: the ridge coefficients of the centred data are those
    of the full model, and ``b = y_mean - x_mean @ beta``.  Xw is a new array.
    """
    n, p = A.shape
    if fit_intercept:
        x_mean = np.average(A, axis=0, weights=w)
        y_mean = np.average(Y, axis=0, weights=w)
        Xw = A - x_mean
        Yw = Y - y_mean
    else:
        x_mean = np.zeros(p)
        y_mean = np.zeros(Y.shape[1])
        Xw = np.array(A, dtype=np.float64, order="C")
        Yw = Y.copy()
    if w is None:
        sqrt_w = np.ones(n)
    else:
        sqrt_w = np.sqrt(w)
        Xw *= sqrt_w[:, None]
        Yw *= sqrt_w[:, None]
    return np.ascontiguousarray(Xw), np.ascontiguousarray(Yw), x_mean, y_mean, sqrt_w


# --------------------------------------------------------------------------
# the solvers: each returns the (p, k) coefficients of the centred, weighted problem
# --------------------------------------------------------------------------
def _solve_svd(Xw, Yw, alphas):
    # beta_j = V diag(s / (s^2 + alpha_j)) U^T y_j  (one SVD for every alpha; ESL eq. 3.47)
    U, s, Vt = svd(Xw, full_matrices=False)
    UtY = matmul(np.ascontiguousarray(U.T), Yw)
    denom = s[:, None] ** 2 + alphas[None, :]
    # alpha = 0: numpy's pseudo-inverse rule drops singular values <= eps max(n, p) s_max
    cut = np.finfo(np.float64).eps * max(Xw.shape) * (s[0] if s.size else 0.0)
    keep = (s[:, None] > cut) | (alphas[None, :] > 0)
    d = np.divide(s[:, None], denom, out=np.zeros_like(denom), where=keep & (denom > 0))
    return matmul(np.ascontiguousarray(Vt.T), d * UtY)


def _solve_cholesky(Xw, Yw, alphas):
    # (X^T X + alpha I) beta = X^T y, or for p > n the dual: beta = X^T (X X^T + alpha I)^{-1} y
    n, p = Xw.shape
    dual = p > n
    G = matmul(Xw, np.ascontiguousarray(Xw.T)) if dual else matmul(np.ascontiguousarray(Xw.T), Xw)
    rhs = Yw if dual else matmul(np.ascontiguousarray(Xw.T), Yw)
    sol = np.empty((G.shape[0], Yw.shape[1]))
    for a in np.unique(alphas):
        idx = np.flatnonzero(alphas == a)
        M = G.copy()
        M[np.diag_indices_from(M)] += a
        try:
            sol[:, idx] = cho_solve(cho_factor(M), rhs[:, idx])
        except LinAlgError:
            warnings.warn(
                "Singular matrix in solving the ridge normal equations (alpha = "
                f"{a}); using the SVD (minimum-norm least-squares) solution instead.",
                UserWarning,
                stacklevel=4,
            )
            return _solve_svd(Xw, Yw, alphas)
    return matmul(np.ascontiguousarray(Xw.T), sol) if dual else sol


def _solve_qr(A, Y, sqrt_w, alphas, fit_intercept):
    # min || [R_A; 0 sqrt(alpha) I] theta - [r_y; 0] ||, R_A from the QR of diag(sqrt w)[1 | X | Y]:
    # X is read once by the TSQR, never centred, copied or squared (X^T X is never formed)
    c = 1 if fit_intercept else 0
    n, p = A.shape
    k = Y.shape[1]
    R = qr_r_augmented(A, Y, sqrt_weights=None if sqrt_w is None else sqrt_w, ones=bool(c))
    RA = R[: c + p, : c + p]
    RY = R[: c + p, c + p :]
    theta = np.empty((c + p, k))
    for a in np.unique(alphas):
        idx = np.flatnonzero(alphas == a)
        M = np.zeros((2 * p + c, c + p))
        M[: c + p] = RA
        M[c + p :, c:] = np.sqrt(a) * np.eye(p)
        B = np.zeros((2 * p + c, idx.size))
        B[: c + p] = RY[:, idx]
        if a > 0:
            # [M | B] = Q [S  Q^T B]: one more QR and a triangular solve.  M has full
            # column rank for alpha > 0 (its sqrt(alpha) I rows), so no rank-revealing
            # step is needed (lstsq would compute M's singular values too: O(p^3) again)
            S = qr_r_augmented(M, B)
            theta[:, idx] = solve_triangular(S[: c + p, : c + p], S[: c + p, c + p :])
        else:
            theta[:, idx] = lstsq(M, B, method="qr")[0]
    return theta  # intercept first when fit_intercept


def _output_dtype(X):
    dtype = getattr(X, "dtype", None)
    return np.float32 if dtype == np.float32 else np.float64


class Ridge(RegressorMixin, BaseEstimator):
    """Linear least squares with an l2 penalty, as scikit-learn's ``Ridge``.

    Minimises ``||diag(sqrt w)(y - b - X beta)||^2 + alpha ||beta||^2`` (the
    intercept b is not penalised); for a 2-D y each column is its own problem,
    with its own alpha when *alpha* is an array.

    Parameters
    ----------
    alpha : float or (n_targets,) array_like
        Penalty, >= 0.  0 gives least squares (minimum-norm when X is rank
        deficient, through the SVD).
    fit_intercept : bool
        Fit an unpenalised intercept (X and y are centred by their weighted
        means, which removes it exactly).
    solver : {"auto", "cholesky", "qr", "svd"}
        ``"qr"``: the R factor of ``diag(sqrt w) [1 | X | y]`` by one TSQR
        pass over X (never centred, copied or squared), then for each alpha
        the small least-squares problem with the rows ``[0 | sqrt(alpha) I]``
        appended (the augmented-QR route: ``X^T X`` is never formed, so the
        conditioning is cond(X), not its square).  ``"svd"``: one SVD of the
        centred X serves every alpha; minimum-norm for alpha = 0.
        ``"cholesky"``: the normal equations ``(X^T X + alpha I)`` (or the
        dual ``X X^T + alpha I`` when p > n), squaring cond(X); falls back
        to ``"svd"`` with a warning when the matrix is singular.
        ``"auto"``: ``"svd"`` when some alpha is 0 or the targets have more
        than one distinct alpha, else ``"qr"``.

    Attributes
    ----------
    coef_ : (n_features,) or (n_targets, n_features) ndarray
    intercept_ : float or (n_targets,) ndarray
    solver_ : str
        The solver that ran.
    n_iter_ : None
        (scikit-learn's attribute; the direct solvers do not iterate.)
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Notes
    -----
    Flops: ``"qr"`` ``2 n (p + k + 1)^2`` for the TSQR plus ``O(p^3)`` per
    distinct alpha; ``"svd"`` jitla's Jacobi SVD of the (n, p) centred X
    (slower than the QR, but one for all alphas); ``"cholesky"`` ``n p^2``
    for ``X^T X`` plus ``p^3 / 3`` per alpha.  Workspace: ``"qr"`` a
    cache-sized row block; the others a centred copy of X.  Coefficients of
    float32 input are returned as float32 (computed in float64), as
    scikit-learn.  See :mod:`jitla.regression._ridge` for how alpha maps to
    glmnet's lambda.  Inference (effective degrees of freedom, sandwich
    covariance) is in :func:`jitla.regression.ridge`.
    """

    def __init__(self, alpha=1.0, *, fit_intercept: bool = True, solver: str = "auto"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver

    def fit(self, X, y, sample_weight=None):
        """Fit the coefficients; returns ``self``."""
        if self.solver not in _SOLVERS:
            raise ValueError(
                "The 'solver' parameter of Ridge must be a str among "
                f"{{{', '.join(repr(s) for s in _SOLVERS)}}}. Got {self.solver!r} instead."
            )
        alpha = _check_alpha(self.alpha, "Ridge")
        dtype = _output_dtype(X)
        A = check_X(self, X, reset=True, copy=False)  # read only
        Y = check_y(y, A.shape[0])
        w = check_sample_weight(sample_weight, A.shape[0])
        one_target = Y.ndim == 1
        Y = Y.reshape(Y.shape[0], -1)
        k = Y.shape[1]
        alphas = _per_target(alpha, k)
        solver = self.solver
        if solver == "auto":
            solver = "svd" if (alphas == 0).any() or np.unique(alphas).size > 1 else "qr"
        sqrt_w = None if w is None else np.sqrt(w)
        if solver == "qr":
            theta = _solve_qr(A, Y, sqrt_w, alphas, self.fit_intercept)
            c = 1 if self.fit_intercept else 0
            coef = theta[c:]
            intercept = theta[0] if c else np.zeros(k)
        else:
            Xw, Yw, x_mean, y_mean, _ = _centre(A, Y, w, self.fit_intercept)
            coef = _solve_svd(Xw, Yw, alphas) if solver == "svd" else _solve_cholesky(Xw, Yw, alphas)
            intercept = y_mean - x_mean @ coef
        coef = np.ascontiguousarray(coef.T, dtype=dtype)  # (k, p)
        intercept = intercept.astype(dtype)
        if one_target or k == 1:  # scikit-learn ravels a single column's coefficients
            self.coef_ = coef[0].copy()
        else:
            self.coef_ = coef
        if not self.fit_intercept:
            self.intercept_ = 0.0
        elif one_target:
            self.intercept_ = intercept[0]
        else:
            self.intercept_ = intercept
        self.solver_ = solver
        self.n_iter_ = None
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


# --------------------------------------------------------------------------
# leave-one-out errors for a whole grid of alphas from one decomposition
# --------------------------------------------------------------------------
def _spectral(Xw, mode):
    """``(Z, lam, basis, mode)`` with ``H(alpha) = Z diag(1/(lam + alpha)) Z^T`` for every alpha.

    H(alpha) = Xw (Xw^T Xw + alpha I)^{-1} Xw^T is the ridge hat matrix of the
    centred, weighted design.  ``"svd"``: Xw = U S V^T, Z = U S, lam = s^2.
    ``"cov"`` (n > p): Xw^T Xw = V diag(lam) V^T, Z = Xw V (= U S).  ``"gram"``
    (n <= p): Xw Xw^T = Q diag(lam) Q^T, Z = Q diag(sqrt lam).  *basis* maps
    ``Z^T y / (lam + alpha)`` to the coefficients: V for "svd" and "cov";
    for "gram", Q (the coefficients are then ``Xw^T Q diag(1/(lam + alpha)) Q^T y``).
    """
    n, p = Xw.shape
    if mode == "svd":
        U, s, Vt = svd(Xw, full_matrices=False)
        return U * s, s * s, np.ascontiguousarray(Vt.T), mode
    if mode == "cov":
        lam, V = eigh(matmul(np.ascontiguousarray(Xw.T), Xw))
        lam = np.maximum(lam, 0.0)  # X^T X is positive semidefinite; rounding can leave -eps
        return matmul(Xw, np.ascontiguousarray(V)), lam, np.ascontiguousarray(V), mode
    lam, Q = eigh(matmul(Xw, np.ascontiguousarray(Xw.T)))
    lam = np.maximum(lam, 0.0)
    Q = np.ascontiguousarray(Q)
    return Q * np.sqrt(lam), lam, Q, mode


def _coef(spec, Xw, y, zty, alpha):
    """Ridge coefficients (p,) of one (centred, weighted) target y, ``zty = Z^T y`` (:func:`_spectral`)."""
    Z, lam, basis, mode = spec
    if mode == "gram":
        # beta = Xw^T (K + alpha I)^{-1} y = Xw^T Q diag(1/(lam + alpha)) Q^T y
        return Xw.T @ (basis @ ((basis.T @ y) / (lam + alpha)))
    return basis @ (zty / (lam + alpha))


def _zty(spec, Yw):
    """``Z^T Y`` (r, k), as ``(Y^T Z)^T``: Y^T is small, Z^T would be a copy as large as X."""
    return np.ascontiguousarray(matmul(np.ascontiguousarray(Yw.T), spec[0]).T)


def loo_errors(spec, Yw, ZtY, sqrt_w, alphas, fit_intercept, chunk: int = 1 << 22):
    """Leave-one-out residuals ``(n, k, m)`` of every target for every alpha, weighted by sqrt(w).

    *ZtY* is ``Z^T Yw`` (:func:`_zty`).

    ``e(alpha) = y - H(alpha) y`` and ``looe_i = e_i / (1 - h_ii)``, with
    ``h_ii = w_i / sum(w) + sum_j Z_ij^2 / (lam_j + alpha)`` (the first term
    is the unpenalised intercept's share of the hat matrix).  All alphas at
    once: ``diag H`` for the grid is one product ``(Z * Z) @ F`` and the
    fitted values one product ``Z @ (F * Z^T y)`` with ``F_jl = 1/(lam_j +
    alpha_l)``; the grid is split so that each block holds at most *chunk*
    numbers.
    """
    Z, lam, _, _ = spec
    n = Z.shape[0]
    k = Yw.shape[1]
    m = alphas.size
    Z2 = Z * Z
    base = sqrt_w * sqrt_w / (sqrt_w @ sqrt_w) if fit_intercept else np.zeros(n)
    out = np.empty((n, k, m))
    step = max(1, chunk // max(1, n * k))
    for lo in range(0, m, step):
        a = alphas[lo : lo + step]
        F = 1.0 / (lam[:, None] + a[None, :])  # (r, ma)
        h = matmul(Z2, np.ascontiguousarray(F)) + base[:, None]  # (n, ma)
        # column (t, l) of G is F[:, l] * Z^T y_t: the fitted values of all targets and alphas at once
        G = np.ascontiguousarray((ZtY[:, :, None] * F[:, None, :]).reshape(F.shape[0], -1))
        fitted = matmul(Z, G).reshape(n, k, a.size)
        out[:, :, lo : lo + a.size] = (Yw[:, :, None] - fitted) / (1.0 - h)[:, None, :]
    return out


class _IdentityRegressor(RegressorMixin, BaseEstimator):
    """A fitted 'estimator' whose predictions are its input: lets a scorer score LOO predictions."""

    def fit(self, X=None, y=None):
        return self

    def predict(self, y_predict):
        return y_predict


class RidgeCV(RegressorMixin, BaseEstimator):
    """Ridge with alpha chosen by efficient leave-one-out cross-validation, as scikit-learn's ``RidgeCV``.

    One decomposition of the centred (weighted) design gives the
    leave-one-out errors of every alpha in the grid (scikit-learn's
    ``_RidgeGCV``, its ``cv=None`` mode).

    Parameters
    ----------
    alphas : array_like of float > 0, or float
        The grid.
    fit_intercept : bool
    gcv_mode : {None, "auto", "svd", "eigen"}
        ``"svd"``: SVD of the centred X.  ``"eigen"`` (and None, "auto", as
        scikit-learn): eigendecomposition of ``X^T X`` (p x p) when
        n > p, of ``X X^T`` (n x n) otherwise.  The eigen routes square the
        condition number (alphas far below ``eps * ||X||^2`` lose accuracy)
        but cost a Gram product and a small eigh instead of an (n, p) SVD.
    scoring : None, str or callable
        None: mean squared leave-one-out error (weighted by the sample
        weights).  Else a scikit-learn scorer (name or callable) applied to
        the leave-one-out predictions.
    cv : None, int, cross-validation generator or iterable of splits
        None: the efficient leave-one-out below.  Otherwise scikit-learn's
        ``GridSearchCV`` over :class:`Ridge` fits with these folds (as
        scikit-learn; ``gcv_mode``, ``store_cv_results`` and
        ``alpha_per_target`` then do not apply).
    store_cv_results : bool
        Keep ``cv_results_``.
    alpha_per_target : bool
        Choose alpha separately for each column of a 2-D y.

    Attributes
    ----------
    alpha_ : float or (n_targets,) ndarray
    best_score_ : float or (n_targets,) ndarray
        Score of ``alpha_`` (negative mean squared error when *scoring* is None).
    cv_results_ : (n_samples, n_alphas) or (n_samples, n_targets, n_alphas) ndarray
        Squared leave-one-out errors times the sample weights (scoring None),
        else the leave-one-out predictions.
    coef_, intercept_, n_features_in_, feature_names_in_

    Notes
    -----
    The leave-one-out shortcut (Allen's PRESS): for any linear smoother
    ``y_hat = H y`` whose fit to the data with row i deleted is the fit to the
    data with ``y_i`` replaced by its own prediction (true of every penalised
    least-squares fit with a data-independent penalty), the deleted residual
    is ``e_i / (1 - H_ii)``.  With the decomposition of :func:`_spectral`,
    ``H(alpha) = Z diag(1/(lam + alpha)) Z^T``, so the whole grid costs two
    (n, r) x (r, m) products after the decomposition.  Flops: ``"eigen"``
    with n > p: ``n p^2`` (Gram) + ``~9 p^3`` (eigh) + ``2 n p^2`` (Z = X V)
    + ``4 n p m`` (the grid); ``"svd"``: jitla's Jacobi SVD of (n, p) plus
    ``4 n p m``.  Workspace: a centred copy of X, Z (n x min(n, p)) and
    ``(n, m)`` blocks.

    With sample weights the leave-one-out errors leave out a whole weighted
    row, so integer weights are *not* equivalent to repeated rows (leaving
    out one copy of a repeated row leaves the others in); scikit-learn's
    ``RidgeCV`` behaves the same.
    """

    def __init__(
        self,
        alphas=(0.1, 1.0, 10.0),
        *,
        fit_intercept: bool = True,
        scoring=None,
        cv=None,
        gcv_mode=None,
        store_cv_results: bool = False,
        alpha_per_target: bool = False,
    ):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.gcv_mode = gcv_mode
        self.store_cv_results = store_cv_results
        self.alpha_per_target = alpha_per_target

    def fit(self, X, y, sample_weight=None):
        """Choose alpha and fit the coefficients; returns ``self``."""
        if self.gcv_mode not in _GCV_MODES:
            raise ValueError(
                "The 'gcv_mode' parameter of RidgeCV must be a str among {'svd', 'eigen', 'auto'} or "
                f"None. Got {self.gcv_mode!r} instead."
            )
        alphas = _check_alphas(self.alphas)
        if self.cv is not None:
            return self._fit_grid_search(X, y, sample_weight, alphas)
        dtype = _output_dtype(X)
        A = check_X(self, X, reset=True, copy=False)
        Y = check_y(y, A.shape[0])
        w = check_sample_weight(sample_weight, A.shape[0])
        one_target = Y.ndim == 1
        Y = Y.reshape(Y.shape[0], -1)
        n, p = A.shape
        k = Y.shape[1]
        Xw, Yw, x_mean, y_mean, sqrt_w = _centre(A, Y, w, self.fit_intercept)
        mode = "svd" if self.gcv_mode == "svd" else ("cov" if n > p else "gram")
        spec = _spectral(Xw, mode)
        zty = _zty(spec, Yw)
        looe = loo_errors(spec, Yw, zty, sqrt_w, alphas, self.fit_intercept)  # (n, k, m)
        per_target = self.alpha_per_target and k > 1
        if self.scoring is None:
            results = looe * looe
            scores = -results.mean(axis=0) if per_target else -results.mean(axis=(0, 1))  # (k, m) | (m,)
        else:
            results = (Yw[:, :, None] - looe) / sqrt_w[:, None, None] + y_mean[None, :, None]
            scores = self._scores(results, Y, per_target, one_target)
        best = np.argmax(scores, axis=-1)  # the first best, as scikit-learn's strict '>' update
        if per_target:
            self.alpha_ = alphas[best]
            self.best_score_ = scores[np.arange(k), best]
            chosen = alphas[best]
        else:
            self.alpha_ = float(alphas[best])
            self.best_score_ = np.float64(scores[best])
            chosen = np.full(k, alphas[best])
        coef = np.column_stack([_coef(spec, Xw, Yw[:, t], zty[:, t], chosen[t]) for t in range(k)])  # (p, k)
        intercept = y_mean - x_mean @ coef if self.fit_intercept else None
        coef = np.ascontiguousarray(coef.T, dtype=dtype)
        self.coef_ = coef[0].copy() if k == 1 else coef
        if intercept is None:
            self.intercept_ = 0.0
        else:
            intercept = intercept.astype(dtype)
            self.intercept_ = intercept[0] if one_target else intercept
        if self.store_cv_results:
            cv = results[:, 0, :] if one_target else results
            self.cv_results_ = np.ascontiguousarray(cv, dtype=dtype)
        elif hasattr(self, "cv_results_"):
            del self.cv_results_
        return self

    def _fit_grid_search(self, X, y, sample_weight, alphas):
        # scikit-learn's cv != None branch: an ordinary grid search over Ridge fits
        from sklearn.model_selection import GridSearchCV

        if self.store_cv_results:
            raise ValueError("cv!=None and store_cv_results=True are incompatible")
        if self.alpha_per_target:
            raise ValueError("cv!=None and alpha_per_target=True are incompatible")
        search = GridSearchCV(
            Ridge(fit_intercept=self.fit_intercept), {"alpha": list(alphas)}, cv=self.cv, scoring=self.scoring
        )
        search.fit(X, y, sample_weight=sample_weight)
        best = search.best_estimator_
        self.alpha_ = float(best.alpha)
        self.best_score_ = np.float64(search.best_score_)
        self.coef_ = best.coef_
        self.intercept_ = best.intercept_
        self.n_features_in_ = best.n_features_in_
        if hasattr(best, "feature_names_in_"):
            self.feature_names_in_ = best.feature_names_in_
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        if hasattr(self, "cv_results_"):
            del self.cv_results_
        return self

    def _scores(self, predictions, Y, per_target, one_target):
        from sklearn.metrics import check_scoring

        scorer = check_scoring(self, scoring=self.scoring)
        identity = _IdentityRegressor()
        m = predictions.shape[2]
        if per_target:
            return np.array(
                [
                    [scorer(identity, predictions[:, t, l], Y[:, t]) for l in range(m)]
                    for t in range(Y.shape[1])
                ]
            )
        if one_target:
            return np.array([scorer(identity, predictions[:, 0, l], Y[:, 0]) for l in range(m)])
        return np.array([scorer(identity, predictions[:, :, l], Y) for l in range(m)])

    def predict(self, X):
        """``X @ coef_.T + intercept_``."""
        check_is_fitted(self, "coef_")
        A = check_X(self, X, reset=False, copy=False)
        return A @ np.asarray(self.coef_, dtype=np.float64).T + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# --------------------------------------------------------------------------
# inference for a ridge fit (statsmodels-style results)
# --------------------------------------------------------------------------
class RidgeResults:
    """A ridge fit at a fixed alpha with its effective degrees of freedom and sandwich covariance.

    Built by :func:`ridge`.  Immutable; statistics are computed on first
    access and cached.  ``params`` holds the intercept first (when fitted),
    then the coefficients.

    The covariance is that of the ridge *estimator* given alpha (a sandwich
    ``M^{-1} X^T W Omega W X M^{-1}``, ``M = X^T W X + P``, P the penalty):
    it measures the estimator's variability around its own expectation, which
    is **biased** towards zero (``E beta_hat = M^{-1} X^T W X beta != beta``
    for alpha > 0), so intervals built from it do not cover the true
    coefficients at the nominal rate; and it treats alpha as fixed, ignoring
    that alpha was chosen from the same data (e.g. by :class:`RidgeCV`).
    Report it as a description of the estimator's sampling spread, not as a
    basis for p-values (statsmodels issue 9434 discusses the same caveats).
    """

    def __init__(self, d):
        self.__dict__.update(d)

    def __setattr__(self, name, value):
        raise AttributeError(f"RidgeResults is immutable (cannot set {name!r})")

    @cached_property
    def shrink(self):
        """``s^2 / (s^2 + alpha)``: the factor by which ridge shrinks each principal direction."""
        s2 = self.singular_values**2
        return s2 / (s2 + self.alpha)

    @cached_property
    def edf(self):
        """Effective degrees of freedom ``tr(H)`` = intercept + ``sum s^2/(s^2 + alpha)`` (ESL eq. 3.50)."""
        return float(self.fit_intercept) + float(self.shrink.sum())

    @cached_property
    def df_resid(self):
        """``n - tr(H)`` (rows of weight 0 not counted)."""
        return self.nobs - self.edf

    @cached_property
    def ssr(self):
        """Weighted sum of squared residuals."""
        return float(self.weights @ self.resid**2)

    @cached_property
    def scale(self):
        """``sigma^2`` estimate ``ssr / (n - tr(H))``."""
        return self.ssr / self.df_resid

    def _linear_map(self):
        """L ((c + p), n) with ``params = L @ y``, from the SVD of the centred, weighted X."""
        s = self.singular_values
        G = (self._V * (s / (s * s + self.alpha))) @ (self._U * self._sqrt_w[:, None]).T  # (p, n)
        if not self.fit_intercept:
            return G
        w = self.weights
        return np.vstack([w / w.sum() - self._x_mean @ G, G])

    def cov_params(self, cov_type: str = "nonrobust"):
        """Covariance of ``params`` given alpha (biased estimator: see the class notes).

        ``"nonrobust"``: ``Var(y_i) = scale / w_i``; ``"HC0"``: ``Var(y_i) =
        e_i^2`` (White's sandwich).  Both are ``L Omega L^T`` for the linear
        map ``params = L y``.
        """
        if cov_type == "nonrobust":
            s = self.singular_values
            C = (self._V * (s * s / (s * s + self.alpha) ** 2)) @ self._V.T * self.scale
            if not self.fit_intercept:
                return C
            xm = self._x_mean
            out = np.empty((C.shape[0] + 1,) * 2)
            out[1:, 1:] = C
            out[0, 1:] = out[1:, 0] = -(C @ xm)
            out[0, 0] = self.scale / self.weights.sum() + xm @ C @ xm
            return out
        if cov_type == "HC0":
            L = self._linear_map()
            return (L * self.resid**2) @ L.T
        raise ValueError(f"cov_type must be 'nonrobust' or 'HC0', got {cov_type!r}")

    @cached_property
    def bse(self):
        """Standard errors, ``sqrt(diag(cov_params()))`` (nonrobust)."""
        return np.sqrt(np.diag(self.cov_params()))


def ridge(X, y, alpha: float = 1.0, *, fit_intercept: bool = True, sample_weight=None) -> RidgeResults:
    """Fit a ridge regression with inference at a fixed alpha (one target).

    Parameters
    ----------
    X : (n, p) array_like
    y : (n,) array_like
    alpha : float >= 0
    fit_intercept : bool
        Add an unpenalised intercept (first in ``params``).
    sample_weight : (n,) array_like, optional

    Returns
    -------
    RidgeResults
        ``params``, ``fittedvalues``, ``resid``, ``edf`` (``tr H``),
        ``df_resid``, ``scale``, ``cov_params(cov_type)``, ``bse``,
        ``singular_values`` (of the centred, weighted X).

    Notes
    -----
    One SVD ``diag(sqrt w)(X - x_mean) = U S V^T`` gives the coefficients
    ``V diag(s/(s^2+alpha)) U^T sqrt(w) y``, ``tr H`` and both covariances
    (ESL Sec. 3.4.1).  See :class:`RidgeResults` for what the covariance
    does and does not mean.
    """
    alpha = float(_check_alpha(alpha, "ridge")[0])
    A = check_X(SimpleNamespace(), X, reset=True, copy=False)  # scikit-learn's checks; nothing is kept
    Y = check_y(y, A.shape[0])
    if Y.ndim != 1:
        raise ValueError(f"ridge fits one target: y must be 1-D, got shape {Y.shape}")
    w = check_sample_weight(sample_weight, A.shape[0])
    Xw, Yw, x_mean, y_mean, sqrt_w = _centre(A, Y[:, None], w, fit_intercept)
    U, s, Vt = svd(Xw, full_matrices=False)
    V = np.ascontiguousarray(Vt.T)
    coef = V @ (s / (s * s + alpha) * (U.T @ Yw[:, 0]))
    intercept = float(y_mean[0] - x_mean @ coef) if fit_intercept else 0.0
    fitted = A @ coef + intercept
    weights = np.ones(A.shape[0]) if w is None else w
    return RidgeResults(
        {
            "alpha": alpha,
            "fit_intercept": bool(fit_intercept),
            "params": np.r_[intercept, coef] if fit_intercept else coef,
            "fittedvalues": fitted,
            "resid": Y - fitted,
            "weights": weights,
            "nobs": int(np.count_nonzero(weights)),
            "singular_values": s,
            "_U": U,
            "_V": V,
            "_sqrt_w": sqrt_w,
            "_x_mean": x_mean,
        }
    )
