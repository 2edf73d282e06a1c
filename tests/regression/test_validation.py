"""Validation tools (MPV ch. 11): PRESS / predicted R^2, k-fold scores, DUPLEX; small R-parity items.

Oracles: brute-force leave-one-out refits (PRESS), scikit-learn's
``cross_val_score`` with ``KFold``/``RepeatedKFold`` (identical folds), the
loop DUPLEX of ``naive``; R's ``AIC(lm)`` rule (sigma^2 counted);
statsmodels' VIF and the determinant definition (GVIF); a seeded Monte
Carlo of the Durbin-Watson null distribution (exact p-value).
"""

import functools

import naive
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.regression import GLM, OLS, WLS, cross_val_score, duplex_split, families, kfold_indices, ols
from jitla.regression.diagnostics import durbin_watson_test, gvif

sklearn_ms = pytest.importorskip("sklearn.model_selection")
from sklearn.linear_model import LinearRegression as SkLinearRegression  # noqa: E402


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal(n), rng.uniform(0, 2, n)])
    y = X @ [1.0, 2.0, -1.0] + 0.5 * rng.standard_normal(n)
    return X, y, rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("weighted", [False, True])
def test_press_equals_brute_force_leave_one_out(weighted):
    X, y, w = _data()
    res = (WLS(y, X, weights=w) if weighted else OLS(y, X)).fit()
    errs = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        fit = (WLS(y[keep], X[keep], weights=w[keep]) if weighted else OLS(y[keep], X[keep])).fit()
        errs.append(np.sqrt(w[i] if weighted else 1.0) * (y[i] - X[i] @ fit.params))
    press = float(np.sum(np.square(errs)))
    assert_allclose(res.press, press, rtol=1e-10)
    assert_allclose(res.rsquared_pred, 1 - press / res.centered_tss, rtol=1e-12)
    assert res.rsquared_pred < res.rsquared


def test_kfold_indices_equal_sklearn():
    for n, k, reps, seed in [(23, 5, 1, 0), (23, 4, 3, 7), (10, 10, 1, 3)]:
        ours = kfold_indices(n, k, n_repeats=reps, random_state=seed)
        splitter = (
            sklearn_ms.RepeatedKFold(n_splits=k, n_repeats=reps, random_state=seed)
            if reps > 1
            else sklearn_ms.KFold(k, shuffle=True, random_state=seed)
        )
        ref = list(splitter.split(np.zeros(n)))
        assert len(ours) == len(ref)
        for (a_tr, a_te), (b_tr, b_te) in zip(ours, ref, strict=True):
            assert_array_equal(a_tr, b_tr)
            assert_array_equal(a_te, b_te)
    plain = kfold_indices(7, 3, shuffle=False)
    assert_array_equal(plain[0][1], [0, 1, 2])


@pytest.mark.parametrize("scoring", ["neg_mean_squared_error", "r2", "neg_mean_absolute_error"])
def test_cross_val_score_matches_sklearn(scoring):
    X, y, _ = _data(n=50)
    splitter = sklearn_ms.RepeatedKFold(n_splits=5, n_repeats=2, random_state=4)
    ref = sklearn_ms.cross_val_score(
        SkLinearRegression(fit_intercept=False), X, y, cv=splitter, scoring=scoring
    )
    by_class = cross_val_score(OLS, X, y, cv=5, n_repeats=2, random_state=4, scoring=scoring)
    assert_allclose(by_class, ref, rtol=1e-10)
    from jitla.regression import LinearRegression

    by_estimator = cross_val_score(
        LinearRegression(fit_intercept=False), X, y, cv=splitter.split(X), scoring=scoring
    )
    assert_allclose(by_estimator, ref, rtol=1e-10)


def test_leave_one_out_scores_sum_to_press_and_glm_class():
    X, y, _ = _data(n=25)
    loo = cross_val_score(OLS, X, y, cv=25, shuffle=False)
    assert_allclose(-loo.sum(), OLS(y, X).fit().press, rtol=1e-10)
    counts = np.random.default_rng(1).poisson(np.exp(0.3 * X[:, 1]))
    scores = cross_val_score(
        functools.partial(GLM, family=families.Poisson()), X, counts, cv=5, random_state=0
    )
    assert scores.shape == (5,) and np.all(scores < 0)


def test_cross_val_errors():
    X, y, _ = _data()
    with pytest.raises(ValueError, match="n_splits must be an integer of at least 2"):
        cross_val_score(OLS, X, y, cv=1)
    with pytest.raises(ValueError, match="greater than the number of samples"):
        kfold_indices(4, 5)
    with pytest.raises(ValueError, match="scoring must be"):
        cross_val_score(OLS, X, y, scoring="accuracy")
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        cross_val_score(OLS, X, y[:-1])
    with pytest.raises(TypeError, match="model must be"):
        cross_val_score(3, X, y)


def test_duplex_matches_naive_and_covers_the_data():
    X, _, _ = _data(n=30)
    X_before = X.copy()
    est, pred = duplex_split(X, test_size=12)
    ref_est, ref_pred = naive.duplex_split(X, 12)
    assert est.tolist() == ref_est and pred.tolist() == ref_pred
    assert len(pred) == 12 and len(est) == 18 and not set(est) & set(pred)
    half = duplex_split(X)
    assert len(half[1]) == 15
    assert_array_equal(X, X_before)
    with pytest.raises(ValueError, match="between 2 and n - 2"):
        duplex_split(X, test_size=29)


def test_info_criteria_conventions():
    X, y, _ = _data()
    res = OLS(y, X).fit()
    sm_style = res.info_criteria()
    r_style = res.info_criteria("R")
    assert_allclose([sm_style["aic"], sm_style["bic"]], [res.aic, res.bic], rtol=1e-14)
    # R: AIC = -2 logLik + 2 (p + 1), BIC = -2 logLik + log(n) (p + 1)
    assert_allclose(r_style["aic"], -2 * res.llf + 2 * 4, rtol=1e-14)
    assert_allclose(r_style["bic"] - sm_style["bic"], np.log(40), rtol=1e-12)
    with pytest.raises(ValueError, match="convention"):
        res.info_criteria("SAS")


def test_gvif_against_vif_and_determinants():
    rng = np.random.default_rng(2)
    n = 60
    df = pd.DataFrame({"x": rng.standard_normal(n), "g": rng.choice(list("abc"), n)})
    df["z"] = df["x"] + 0.5 * (df["g"] == "b") + 0.3 * rng.standard_normal(n)
    df["y"] = df["x"] + df["z"] + rng.standard_normal(n)
    res = ols("y ~ x + z + C(g)", data=df)
    table = gvif(res)
    assert list(table.index) == ["x", "z", "C(g)"]
    assert table["Df"].tolist() == [1, 1, 2]
    X = np.asarray(res.model.exog)[:, 1:]
    R = np.corrcoef(X, rowvar=False)
    for name, cols in {"x": [0], "z": [1], "C(g)": [2, 3]}.items():
        other = [j for j in range(4) if j not in cols]
        ref = np.linalg.det(R[np.ix_(cols, cols)]) * np.linalg.det(R[np.ix_(other, other)]) / np.linalg.det(R)
        assert_allclose(table.loc[name, "GVIF"], ref, rtol=1e-10)
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    assert_allclose(
        table.loc["x", "GVIF"], variance_inflation_factor(np.asarray(res.model.exog), 1), rtol=1e-10
    )
    assert_allclose(table["GVIF^(1/(2*Df))"], table["GVIF"] ** (1 / (2 * table["Df"])), rtol=1e-14)
    with pytest.raises(ValueError, match="intercept"):
        gvif(OLS(df["y"].to_numpy(), X).fit())


def test_durbin_watson_exact_pvalue_against_monte_carlo():
    rng = np.random.default_rng(5)
    n = 20
    X = np.column_stack([np.ones(n), rng.standard_normal(n), np.arange(n) / n])
    e = np.zeros(n)
    u = rng.standard_normal(n)
    for t in range(1, n):
        e[t] = 0.5 * e[t - 1] + u[t]
    res = OLS(X @ [1.0, 1.0, 1.0] + e, X).fit()
    out = durbin_watson_test(res)
    assert out.method == "exact"
    M = np.eye(n) - X @ np.linalg.pinv(X)
    sims = rng.standard_normal((100_000, n)) @ M
    d = (np.diff(sims, axis=1) ** 2).sum(1) / (sims**2).sum(1)
    p_mc = (d <= out.statistic).mean()
    assert abs(out.pvalue - p_mc) < 4 * np.sqrt(out.pvalue * (1 - out.pvalue) / d.size) + 1e-4
    assert_allclose([out.mean, out.var], [d.mean(), d.var()], rtol=2e-2)
    two = durbin_watson_test(res, alternative="two-sided")
    assert_allclose(two.pvalue, 2 * min(out.pvalue, 1 - out.pvalue), rtol=1e-12)
    approx = durbin_watson_test(res, exact=False)
    assert approx.method == "normal" and abs(approx.pvalue - out.pvalue) < 0.05
    with pytest.raises(ValueError, match="alternative"):
        durbin_watson_test(res, alternative="both")
