"""PCR and PLSRegression against scikit-learn and against their own definitions.

Oracles: scikit-learn's ``PLSRegression`` (NIPALS in numpy; jitla's kernel
follows the same iteration, so even a power iteration stopped at its
tolerance agrees to rounding) and ``make_pipeline(PCA(k),
LinearRegression())`` (LAPACK's SVD, then least squares on the scores --
the PCR convention: X centred, not scaled); numpy's least squares for PCR
with every component; the sum-of-squares identities of both fits.

Tolerances: 1e-10 relative (the issue's figure) on designs of condition
number ~10; the fits agree to ~1e-14 there.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from jitla.regression import PCR, PLSRegression

sklearn = pytest.importorskip("sklearn")
from sklearn.cross_decomposition import PLSRegression as SkPLS  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.metrics import r2_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

RTOL = 1e-10


@parametrize_with_checks([PCR(), PCR(fit_intercept=False), PLSRegression(n_components=1)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _data(n=50, p=8, q=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) @ (np.eye(p) + 0.3 * rng.standard_normal((p, p))) + 3.0
    y = X[:, :3] @ [1.0, -2.0, 0.5] + rng.standard_normal(n)
    if q is not None:
        y = np.column_stack([y] + [X[:, 4 + j] * (j + 1) + rng.standard_normal(n) for j in range(q - 1)])
    return X, y


def _close(a, b):
    assert_allclose(a, b, rtol=RTOL, atol=RTOL * max(1.0, np.abs(b).max()))


# --------------------------------------------------------------------------
# PLS
# --------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize("q", [None, 3], ids=["pls1", "pls2"])
def test_pls_matches_sklearn(scale, q):
    X, y = _data(q=q, seed=1)
    ours = PLSRegression(n_components=3, scale=scale).fit(X, y)
    ref = SkPLS(n_components=3, scale=scale).fit(X, y)
    for name in (
        "x_weights_",
        "y_weights_",
        "x_loadings_",
        "y_loadings_",
        "x_scores_",
        "y_scores_",
        "x_rotations_",
        "y_rotations_",
        "coef_",
        "intercept_",
    ):
        _close(getattr(ours, name), getattr(ref, name))
    assert ours.coef_.shape == ref.coef_.shape == (1 if q is None else q, 8)
    assert ours.n_iter_ == ref.n_iter_
    if q is not None:
        assert max(ours.n_iter_) > 1  # the power iteration ran (and stopped where scikit-learn's did)
    X_new = X[:7] + 0.5
    _close(ours.predict(X_new), ref.predict(X_new))
    assert ours.predict(X_new).shape == ref.predict(X_new).shape
    _close(ours.transform(X_new), ref.transform(X_new))
    xs, ys = ours.transform(X_new, y[:7])
    rxs, rys = ref.transform(X_new, y[:7])
    _close(ys, rys)
    _close(ours.inverse_transform(xs), ref.inverse_transform(rxs))


def test_pls_explained_variance_adds_up():
    # ||X_0||^2 = sum_m ||t_m||^2 ||p_m||^2 + ||X_k||^2: the shares of the m components plus the
    # residual's are 1, for X and for Y, computed here from scikit-learn's fit and its own deflation
    X, y = _data(q=2, seed=2)
    ours = PLSRegression(n_components=4).fit(X, y)
    ref = SkPLS(n_components=4).fit(X, y)
    Xs = (X - X.mean(0)) / X.std(0, ddof=1)
    Ys = (y - y.mean(0)) / y.std(0, ddof=1)
    T = ref.x_scores_
    X_res = Xs - T @ ref.x_loadings_.T
    Y_res = Ys - T @ ref.y_loadings_.T
    x_ratio = (T**2).sum(0) * (ref.x_loadings_**2).sum(0) / (Xs**2).sum()
    y_ratio = (T**2).sum(0) * (ref.y_loadings_**2).sum(0) / (Ys**2).sum()
    _close(ours.x_explained_variance_ratio_, x_ratio)
    _close(ours.y_explained_variance_ratio_, y_ratio)
    assert ours.x_explained_variance_ratio_.sum() + (X_res**2).sum() / (Xs**2).sum() == pytest.approx(1.0)
    assert ours.y_explained_variance_ratio_.sum() + (Y_res**2).sum() / (Ys**2).sum() == pytest.approx(1.0)


def test_pls_full_rank_is_least_squares():
    # with as many components as columns, PLS spans X: its fit is ordinary least squares
    X, y = _data(seed=3)
    ours = PLSRegression(n_components=8, scale=False).fit(X, y)
    ols = LinearRegression().fit(X, y)
    assert_allclose(ours.coef_[0], ols.coef_, rtol=1e-8)
    assert_allclose(ours.predict(X), ols.predict(X), rtol=1e-10)


def test_pls_errors_and_constant_target():
    X, y = _data(seed=4)
    with pytest.raises(ValueError, match="`n_components` upper bound is 8"):
        PLSRegression(n_components=9).fit(X, y)
    with pytest.raises(ValueError, match="minimum of 2 is required"):
        PLSRegression(n_components=1).fit(X[:1], y[:1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = PLSRegression(n_components=2).fit(X, np.full(len(y), 2.0))
    assert any("y residual is constant at iteration 0" in str(w.message) for w in caught)
    assert_allclose(model.predict(X), 2.0)
    Xc = X.copy()
    PLSRegression().fit(X, y)
    assert (X == Xc).all()


# --------------------------------------------------------------------------
# PCR
# --------------------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 3, 8])
@pytest.mark.parametrize("q", [None, 2], ids=["one", "two"])
def test_pcr_matches_pca_then_least_squares(k, q):
    X, y = _data(q=q, seed=5)
    ours = PCR(n_components=k).fit(X, y)
    pipe = make_pipeline(PCA(n_components=k), LinearRegression()).fit(X, y)
    pca, lr = pipe[0], pipe[1]
    _close(ours.components_, pca.components_)
    _close(ours.explained_variance_, pca.explained_variance_)
    _close(ours.explained_variance_ratio_, pca.explained_variance_ratio_)
    _close(ours.singular_values_, pca.singular_values_)
    _close(ours.coef_, lr.coef_ @ pca.components_)
    _close(ours.predict(X + 1.0), pipe.predict(X + 1.0))
    _close(ours.transform(X), pca.transform(X))
    # y's share per component: the components are orthogonal, so the shares add up to the R^2
    r2 = r2_score(y, pipe.predict(X), multioutput="raw_values")
    assert_allclose(ours.y_explained_variance_ratio_.sum(axis=-1), r2 if q else r2[0], rtol=1e-10)
    assert ours.y_explained_variance_ratio_.shape == ((k,) if q is None else (q, k))


def test_pcr_all_components_is_minimum_norm_least_squares():
    X, y = _data(n=12, p=20, seed=6)  # p > n: rank 11 after centring
    Xc, yc = X - X.mean(0), y - y.mean()
    ours = PCR().fit(X, y)
    beta = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    assert ours.n_components_ == 12
    assert_allclose(ours.coef_, beta, rtol=1e-9, atol=1e-12)
    assert_allclose(ours.intercept_, y.mean() - X.mean(0) @ beta, rtol=1e-9)


def test_pcr_without_intercept_and_errors():
    X, y = _data(seed=7)
    ours = PCR(n_components=2, fit_intercept=False).fit(X, y)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    beta = Vt[:2].T @ ((U[:, :2].T @ y) / s[:2])
    assert_allclose(ours.coef_, beta, rtol=1e-10)
    assert ours.intercept_ == 0.0
    with pytest.raises(ValueError, match="n_components=9 must be between 1 and min"):
        PCR(n_components=9).fit(X, y)
    with pytest.raises(ValueError, match="'n_components' parameter of PCR"):
        PCR(n_components=0).fit(X, y)
