"""scikit-learn's GLM estimators on jitla's penalised IRLS: same optimum, plus result_.

Oracles: scikit-learn at a tight tolerance (its L-BFGS stops ~1e-8 from the
optimum, so the comparison is to 1e-6 and jitla's own gradient must be the
smaller one), the KKT conditions of the l1 problems checked directly, and
statsmodels' GLM for ``result_``.
"""

import warnings

import numpy as np
import pytest

skl = pytest.importorskip("sklearn.linear_model")
sm = pytest.importorskip("statsmodels.api")
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from jitla.regression import (  # noqa: E402
    GammaRegressor,
    LogisticRegression,
    LogisticRegressionCV,
    PoissonRegressor,
    TweedieRegressor,
)

RNG = np.random.default_rng(11)
N, P = 300, 5
X = RNG.standard_normal((N, P))
ETA = 0.3 + X @ np.array([0.5, -0.3, 0.2, 0.0, 0.1])
Y_BIN = RNG.binomial(1, 1 / (1 + np.exp(-ETA)))
Y_POIS = RNG.poisson(np.exp(ETA)).astype(float)
Y_GAMMA = RNG.gamma(2.0, np.exp(ETA) / 2)
SW = RNG.uniform(0.5, 2.0, N)


def _grad_logistic(est, y, s, C, l2):
    # gradient of C sum s logloss + l2 C/2 ||w||^2 (scaled by 1/C): sum s (mu - y) [1, x] + l2 [0, w]
    mu = est.predict_proba(X)[:, 1]
    r = s * (mu - y)
    return np.r_[r.sum(), X.T @ r + l2 / C * est.coef_[0] * C]


@pytest.mark.parametrize("C", [np.inf, 1.0, 0.05])
def test_logistic_l2_matches_sklearn(C):
    ours = LogisticRegression(C=C, tol=1e-12).fit(X, Y_BIN, sample_weight=SW)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = skl.LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, Y_BIN, sample_weight=SW)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-7)
    # the penalised objective's gradient vanishes at jitla's answer
    mu = ours.predict_proba(X)[:, 1]
    r = SW * (mu - Y_BIN)
    pen = 0.0 if np.isinf(C) else 1.0 / C
    grad = np.r_[r.sum(), X.T @ r + pen * ours.coef_[0]]
    assert np.abs(grad).max() < 1e-8
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-6)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_logistic_l1_and_elasticnet_kkt(l1_ratio):
    C = 0.05
    ours = LogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-12).fit(X, Y_BIN)
    w = ours.coef_[0]
    mu = ours.predict_proba(X)[:, 1]
    # KKT of sum logloss + (1-r)/(2C) ||w||^2 + r/C ||w||_1: g_j = -(X^T (mu - y))_j - (1-r)/C w_j
    g = -(X.T @ (mu - Y_BIN)) - (1 - l1_ratio) / C * w
    lam = l1_ratio / C
    nz = w != 0
    assert abs(np.sum(mu - Y_BIN)) < 1e-8  # the unpenalised intercept
    np.testing.assert_allclose(g[nz], lam * np.sign(w[nz]), atol=1e-7)
    assert np.all(np.abs(g[~nz]) <= lam + 1e-7)
    assert 0 < nz.sum() < P  # the penalty is strong enough to zero something and weak enough not all
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = skl.LogisticRegression(C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-12, max_iter=100_000).fit(
            X, Y_BIN
        )
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)


@pytest.mark.parametrize(
    ("ours", "ref", "y"),
    [
        (PoissonRegressor, skl.PoissonRegressor, Y_POIS),
        (GammaRegressor, skl.GammaRegressor, Y_GAMMA),
        (
            lambda **k: TweedieRegressor(power=1.5, **k),
            lambda **k: skl.TweedieRegressor(power=1.5, **k),
            Y_GAMMA,
        ),
        (lambda **k: TweedieRegressor(power=0, **k), lambda **k: skl.TweedieRegressor(power=0, **k), ETA),
    ],
    ids=["poisson", "gamma", "tweedie-1.5", "tweedie-0"],
)
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_regressors_match_sklearn(ours, ref, y, alpha):
    a = ours(alpha=alpha, tol=1e-12).fit(X, y, sample_weight=SW)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = ref(alpha=alpha, tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=SW)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-7)
    assert a.intercept_ == pytest.approx(b.intercept_, rel=1e-6, abs=1e-7)
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-6, atol=1e-7)
    assert a.score(X, y, sample_weight=SW) == pytest.approx(b.score(X, y, sample_weight=SW), rel=1e-6)


def test_result_gives_statsmodels_inference():
    est = PoissonRegressor(alpha=0, tol=1e-12).fit(X, Y_POIS)
    res = est.result_
    ref = sm.GLM(Y_POIS, sm.add_constant(X), family=sm.families.Poisson()).fit(tol=1e-12)
    np.testing.assert_allclose(res.params[1:], est.coef_, rtol=1e-8)
    np.testing.assert_allclose(res.bse, ref.bse, rtol=1e-6)
    np.testing.assert_allclose(res.pvalues, ref.pvalues, rtol=1e-5)
    logit = LogisticRegression(C=np.inf, tol=1e-12).fit(X, Y_BIN)
    ref = sm.GLM(Y_BIN, sm.add_constant(X), family=sm.families.Binomial()).fit(tol=1e-12)
    np.testing.assert_allclose(logit.result_.bse, ref.bse, rtol=1e-6)
    with pytest.raises(AttributeError, match="unpenalised"):
        _ = PoissonRegressor(alpha=1.0).fit(X, Y_POIS).result_


def test_bad_input():
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        LogisticRegression().fit(X, np.arange(N) % 3)
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit(X, ETA)
    with pytest.raises(ValueError, match="'alpha' parameter of PoissonRegressor"):
        PoissonRegressor(alpha=-1.0).fit(X, Y_POIS)
    with pytest.raises(ValueError, match="needs endog >= 0"):
        PoissonRegressor().fit(X, -Y_POIS - 1)
    X0 = X.copy()
    LogisticRegression().fit(X, Y_BIN)
    np.testing.assert_array_equal(X, X0)


@parametrize_with_checks(
    [
        LogisticRegression(),
        PoissonRegressor(),
        GammaRegressor(),
        TweedieRegressor(),
        TweedieRegressor(power=1.5),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_logistic_path_starts_empty_and_matches_sklearn_along_the_grid():
    from jitla.regression import logistic_path

    rng = np.random.default_rng(12)
    Xp = rng.standard_normal((300, 12))
    beta = np.r_[1.0, -1.0, 0.5, np.zeros(9)]
    yp = rng.binomial(1, 1 / (1 + np.exp(-(0.2 + Xp @ beta))))
    Cs, coefs, b0, _ = logistic_path(Xp, yp, Cs=15)
    assert np.all(coefs[0] == 0) and np.any(coefs[1] != 0)  # C_min: the first C with a non-zero
    assert np.all(np.diff(Cs) > 0)
    for k in (4, 14):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = skl.LogisticRegression(
                C=Cs[k], l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=100_000
            ).fit(Xp, yp)
        np.testing.assert_allclose(coefs[k], ref.coef_[0], atol=1e-6)
        assert b0[k] == pytest.approx(ref.intercept_[0], abs=1e-6)
        # each point of the path is the solution at its C, not just close to its neighbour
        direct = LogisticRegression(C=Cs[k], l1_ratio=1.0, tol=1e-10).fit(Xp, yp)
        np.testing.assert_allclose(coefs[k], direct.coef_[0], atol=1e-7)


def test_logistic_regression_cv_picks_sklearns_c():
    rng = np.random.default_rng(13)
    Xc = rng.standard_normal((300, 8))
    yc = rng.binomial(1, 1 / (1 + np.exp(-(Xc @ np.r_[1.0, -0.5, np.zeros(6)]))))
    ours = LogisticRegressionCV(Cs=8).fit(Xc, yc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = skl.LogisticRegressionCV(Cs=8, tol=1e-10, max_iter=10_000).fit(Xc, yc)
    assert ours.C_[0] == pytest.approx(ref.C_[0])
    np.testing.assert_allclose(
        ours.scores_[1], np.asarray(ref.scores_[1]).reshape(ours.scores_[1].shape), atol=1e-12
    )
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-7)
    assert ours.coefs_paths_[1].shape == (5, 8, 9)
