"""``Ridge``, ``RidgeCV``, ``ridge`` against exact references and scikit-learn.

Oracles: :func:`naive.ridge` (the normal equations solved in exact rational
arithmetic), :func:`naive.ridge_loo` (brute-force leave-one-out: n exact
refits), :func:`naive.ridge_inference` (tr H and the sandwich covariances
from explicit exact matrices), scikit-learn's ``Ridge`` / ``RidgeCV`` and
its estimator checks.

Tolerances: the designs are random with cond(X) ~ 10 and alpha >= 0.05, so
the ridge systems have cond <= cond(X)^2 ~ 1e2; every jitla route (QR of
the augmented matrix, SVD, Cholesky of the Gram matrix, eigh of X^T X or
X X^T) then has relative error ~ n cond eps < 1e-12 against the exact
answer; rtol 1e-10 (atol 1e-12 for entries near zero) leaves room for the
routes' rounding.  scikit-learn (LAPACK) carries the same ~1e-13 error, so
the comparison with it uses the same tolerance.
"""

import naive
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.regression import LinearRegression, Ridge, RidgeCV, ridge

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import Ridge as SkRidge  # noqa: E402
from sklearn.linear_model import RidgeCV as SkRidgeCV  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

RTOL = 1e-10
ATOL = 1e-12
GRID = np.logspace(-1.3, 2, 7)


@parametrize_with_checks(
    [
        Ridge(),
        Ridge(solver="svd"),
        Ridge(solver="cholesky", fit_intercept=False),
        RidgeCV(),
        RidgeCV(gcv_mode="svd", fit_intercept=False),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _data(n=12, p=3, k=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + np.linspace(-1.0, 2.0, p)  # non-zero means: the intercept matters
    beta = rng.standard_normal((p,) if k is None else (p, k))
    y = 2.0 + X @ beta + 0.7 * rng.standard_normal((n,) if k is None else (n, k))
    w = rng.uniform(0.3, 3.0, n)
    return X, y, w


@pytest.mark.parametrize("solver", ["auto", "qr", "svd", "cholesky"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", [(12, 3), (5, 8)], ids=["tall", "wide"])
def test_ridge_matches_exact_solution(solver, fit_intercept, shape):
    X, y, w = _data(*shape, seed=1)
    for sw in (None, w):
        est = Ridge(alpha=0.7, solver=solver, fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
        coef, intercept = naive.ridge(X, y, 0.7, fit_intercept, sw)
        assert_allclose(est.coef_, coef, rtol=RTOL, atol=ATOL)
        assert_allclose(est.intercept_, intercept, rtol=RTOL, atol=ATOL)
        assert_allclose(est.predict(X), X @ coef + intercept, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("solver", ["auto", "qr", "svd", "cholesky"])
def test_ridge_alpha_per_target_matches_sklearn(solver):
    X, Y, w = _data(n=15, p=4, k=3, seed=2)
    alphas = np.array([0.1, 2.0, 0.1])
    ours = Ridge(alpha=alphas, solver=solver).fit(X, Y, sample_weight=w)
    ref = SkRidge(alpha=alphas).fit(X, Y, sample_weight=w)
    assert ours.coef_.shape == ref.coef_.shape == (3, 4)
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)
    for t in range(3):
        coef, intercept = naive.ridge(X, Y[:, t], alphas[t], True, w)
        assert_allclose(ours.coef_[t], coef, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.intercept_[t], intercept, rtol=RTOL)
    # a single 2-D column: scikit-learn's shapes (coef raveled, intercept kept 1-D)
    one = Ridge(solver=solver).fit(X, Y[:, :1])
    ref_one = SkRidge().fit(X, Y[:, :1])
    assert one.coef_.shape == ref_one.coef_.shape and np.shape(one.intercept_) == np.shape(ref_one.intercept_)


def test_ridge_alpha_zero_is_least_squares():
    """alpha = 0: ordinary least squares; for p > n scikit-learn's minimum-norm solution."""
    X, y, _ = _data(n=12, p=3, seed=3)
    assert_allclose(Ridge(alpha=0.0).fit(X, y).coef_, LinearRegression().fit(X, y).coef_, rtol=RTOL)
    Xw, yw, _ = _data(n=5, p=8, seed=3)
    ours = Ridge(alpha=0.0).fit(Xw, yw)
    assert ours.solver_ == "svd"
    assert_allclose(ours.coef_, LinearRegression().fit(Xw, yw).coef_, rtol=1e-9, atol=ATOL)
    assert_allclose(ours.predict(Xw), yw, rtol=1e-10)


@pytest.mark.parametrize("mode", [None, "svd", "eigen"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", [(11, 3), (6, 9)], ids=["tall", "wide"])
def test_ridgecv_loo_errors_equal_brute_force_refits(mode, fit_intercept, shape):
    """Every alpha's LOO errors from one decomposition == n exact refits without each row, to 1e-10."""
    X, y, w = _data(*shape, seed=4)
    grid = GRID[::3]
    for sw in (None, w):
        est = RidgeCV(alphas=grid, gcv_mode=mode, fit_intercept=fit_intercept, store_cv_results=True)
        est.fit(X, y, sample_weight=sw)
        assert est.cv_results_.shape == (X.shape[0], grid.size)
        for j, alpha in enumerate(grid):
            looe = naive.ridge_loo(X, y, alpha, fit_intercept, sw)
            assert_allclose(est.cv_results_[:, j], looe**2, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("mode", [None, "svd", "eigen"])
@pytest.mark.parametrize("shape", [(20, 4), (7, 10)], ids=["tall", "wide"])
def test_ridgecv_matches_sklearn(mode, shape):
    X, Y, w = _data(*shape, k=2, seed=5)
    for sw in (None, w):
        for per_target in (False, True):
            kw = dict(alphas=GRID, gcv_mode=mode, store_cv_results=True, alpha_per_target=per_target)
            ours = RidgeCV(**kw).fit(X, Y, sample_weight=sw)
            ref = SkRidgeCV(**kw).fit(X, Y, sample_weight=sw)
            assert_array_equal(ours.alpha_, ref.alpha_)
            assert_allclose(ours.best_score_, ref.best_score_, rtol=RTOL)
            assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
            assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)
            assert ours.cv_results_.shape == ref.cv_results_.shape
            assert_allclose(ours.cv_results_, ref.cv_results_, rtol=RTOL, atol=ATOL)
    # 1-D y, and a scorer on the LOO predictions
    ours = RidgeCV(alphas=GRID, gcv_mode=mode, scoring="r2", store_cv_results=True).fit(X, Y[:, 0])
    ref = SkRidgeCV(alphas=GRID, gcv_mode=mode, scoring="r2", store_cv_results=True).fit(X, Y[:, 0])
    assert ours.alpha_ == ref.alpha_ and isinstance(ours.alpha_, float)
    assert_allclose(ours.best_score_, ref.best_score_, rtol=RTOL)
    assert_allclose(ours.cv_results_, ref.cv_results_, rtol=RTOL)
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)


def test_ridgecv_coef_is_ridge_at_alpha():
    X, y, w = _data(n=12, p=4, seed=6)
    grid = GRID[::2]
    est = RidgeCV(alphas=grid).fit(X, y, sample_weight=w)
    coef, intercept = naive.ridge(X, y, est.alpha_, True, w)
    assert_allclose(est.coef_, coef, rtol=RTOL, atol=ATOL)
    assert_allclose(est.intercept_, intercept, rtol=RTOL)
    # the chosen alpha has the smallest weighted mean squared LOO error, computed by brute force
    mse = [np.mean(naive.ridge_loo(X, y, a, True, w) ** 2) for a in grid]
    assert est.alpha_ == grid[int(np.argmin(mse))]
    assert 0 < int(np.argmin(mse)) < grid.size - 1  # an interior choice: the comparison means something
    assert_allclose(est.best_score_, -min(mse), rtol=RTOL)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_results_edf_and_sandwich(fit_intercept, weighted):
    X, y, w = _data(n=10, p=3, seed=7)
    sw = w if weighted else None
    res = ridge(X, y, 1.5, fit_intercept=fit_intercept, sample_weight=sw)
    ref = naive.ridge_inference(X, y, 1.5, fit_intercept, sw)
    coef, intercept = naive.ridge(X, y, 1.5, fit_intercept, sw)
    assert_allclose(res.params, np.r_[intercept, coef] if fit_intercept else coef, rtol=RTOL)
    assert_allclose(res.edf, ref["edf"], rtol=1e-12)
    assert res.edf < 3 + fit_intercept  # shrinkage: fewer effective parameters than coefficients
    assert_allclose(res.scale, ref["scale"], rtol=RTOL)
    assert_allclose(res.cov_params(), ref["nonrobust"], rtol=RTOL, atol=1e-14)
    assert_allclose(res.cov_params("HC0"), ref["HC0"], rtol=RTOL, atol=1e-14)
    assert_allclose(res.bse, np.sqrt(np.diag(ref["nonrobust"])), rtol=RTOL)
    with pytest.raises(AttributeError, match="immutable"):
        res.alpha = 2.0
    with pytest.raises(ValueError, match="cov_type"):
        res.cov_params("HC3")


def test_bad_input_errors():
    X, y, _ = _data(seed=8)
    with pytest.raises(
        ValueError, match=r"'alpha' parameter of Ridge must be a float in the range \[0.0, inf\)"
    ):
        Ridge(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="'alpha' parameter of Ridge"):
        Ridge(alpha=np.nan).fit(X, y)
    with pytest.raises(ValueError, match=r"alphas\[1\] == -1.0, must be > 0.0."):
        RidgeCV(alphas=[1.0, -1.0]).fit(X, y)
    with pytest.raises(ValueError, match=r"alphas\[0\] == 0.0, must be > 0.0."):
        RidgeCV(alphas=[0.0, 1.0]).fit(X, y)
    with pytest.raises(ValueError, match=r"'alphas' parameter of RidgeCV must be an array-like or a float"):
        RidgeCV(alphas=-2.0).fit(X, y)
    with pytest.raises(
        ValueError, match="Number of targets and number of penalties do not correspond: 2 != 1"
    ):
        Ridge(alpha=[1.0, 2.0]).fit(X, y)
    with pytest.raises(ValueError, match="'solver' parameter of Ridge must be a str among"):
        Ridge(solver="lsqr").fit(X, y)
    with pytest.raises(ValueError, match="'gcv_mode' parameter of RidgeCV"):
        RidgeCV(gcv_mode="gram").fit(X, y)
    bad = X.copy()
    bad[2, 1] = np.nan
    for est in (Ridge(), RidgeCV()):
        with pytest.raises(ValueError, match="Input X contains NaN"):
            est.fit(bad, y)
        with pytest.raises(ValueError, match="Input y contains NaN"):
            est.fit(X, np.where(np.arange(y.size) == 1, np.nan, y))
        with pytest.raises(sklearn.exceptions.NotFittedError):
            clone(est).predict(X)
    # the same errors as scikit-learn's own estimators
    with pytest.raises(ValueError, match=r"alphas\[1\] == -1.0, must be > 0.0."):
        SkRidgeCV(alphas=[1.0, -1.0]).fit(X, y)
    with pytest.raises(
        ValueError, match=r"'alpha' parameter of Ridge must be a float in the range \[0.0, inf\)"
    ):
        SkRidge(alpha=-1.0).fit(X, y)


def test_inputs_not_modified():
    X, Y, w = _data(n=14, p=4, k=2, seed=9)
    Xf = np.asfortranarray(X)
    copies = [Xf.copy(), Y.copy(), w.copy()]
    for solver in ("qr", "svd", "cholesky"):
        Ridge(alpha=[0.5, 2.0], solver=solver).fit(Xf, Y, sample_weight=w).predict(Xf)
    for mode in ("svd", "eigen"):
        RidgeCV(gcv_mode=mode, alpha_per_target=True).fit(Xf, Y, sample_weight=w)
    ridge(Xf, Y[:, 0], 1.0, sample_weight=w).cov_params("HC0")
    assert_array_equal(Xf, copies[0])
    assert_array_equal(Y, copies[1])
    assert_array_equal(w, copies[2])


@pytest.mark.parametrize("est_pair", ["ridge", "ridgecv"])
def test_float32_input(est_pair):
    """float32 data are solved in float64; coefficients come back float32, as scikit-learn."""
    X, y, _ = _data(n=20, p=3, seed=10)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    ours, ref = (Ridge(), SkRidge()) if est_pair == "ridge" else (RidgeCV(), SkRidgeCV())
    ours.fit(X32, y32)
    ref.fit(X32, y32)
    assert ours.coef_.dtype == ref.coef_.dtype == np.float32
    # both solve the float32 data in float64 and round the result: agreement to float32's eps
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6)
    coef, _ = naive.ridge(X32, y32, getattr(ours, "alpha_", 1.0))
    assert_allclose(ours.coef_, coef, rtol=1e-6)


def test_ridgecv_k_fold_is_a_grid_search_as_sklearn():
    X, y, _ = _data(n=30, p=4, seed=11)
    ours = RidgeCV(alphas=GRID, cv=3).fit(X, y)
    ref = SkRidgeCV(alphas=GRID, cv=3).fit(X, y)
    assert ours.alpha_ == ref.alpha_
    assert_allclose(ours.best_score_, ref.best_score_, rtol=RTOL)
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL)
    with pytest.raises(ValueError, match="cv!=None and store_cv_results=True are incompatible"):
        RidgeCV(cv=3, store_cv_results=True).fit(X, y)
    with pytest.raises(ValueError, match="cv!=None and alpha_per_target=True are incompatible"):
        RidgeCV(cv=3, alpha_per_target=True).fit(X, y)


@pytest.mark.parametrize("standardize", [False, True])
def test_glmnet_objective_mapping(standardize):
    """The module docstring's mapping: glmnet's ridge at lambda is Ridge(alpha = N lambda).

    glmnet's objective ``1/(2N) sum w r^2 + lambda/2 sum_j pen_j beta_j^2`` (pen_j = 1, or
    sd_j^2 with 1/N standard deviations when standardize) is written out here, and its gradient
    at the mapped Ridge solution must vanish (relative to the gradient's terms).
    """
    X, y, w = _data(n=25, p=4, seed=12)
    w = w * (w.size / w.sum())  # glmnet normalises the weights to sum N
    N, lam = w.sum(), 0.3
    if standardize:
        mean = np.average(X, axis=0, weights=w)
        sd = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=w))  # 1/N, as glmnet
        fit = Ridge(alpha=N * lam).fit((X - mean) / sd, y, sample_weight=w)
        beta = fit.coef_ / sd
        b = fit.intercept_ - mean @ beta
        pen = sd**2
    else:
        fit = Ridge(alpha=N * lam).fit(X, y, sample_weight=w)
        beta, b, pen = fit.coef_, fit.intercept_, np.ones(4)
    r = y - b - X @ beta
    grad_b = -(w @ r) / N
    grad_beta = -(X.T @ (w * r)) / N + lam * pen * beta
    scale = np.abs(X.T @ (w * y)).max() / N
    assert abs(grad_b) < 1e-12 * scale
    assert np.abs(grad_beta).max() < 1e-12 * scale
    # the 1/(N-1) standard deviation would be a different penalty: the test can tell
    if standardize:
        assert np.abs(-(X.T @ (w * r)) / N + lam * pen * (N / (N - 1)) * beta).max() > 1e-6 * scale
