"""Lack of fit (MPV Sec. 4.5): the pure-error F test and the near-neighbour estimate.

Oracles: statsmodels' ``anova_lm`` of the fitted model against the saturated
cell-means model (the same F test by a different route: two fits and their
residual sums of squares) and the loop references in ``naive``.  Both sides
are sums over a few dozen values: rtol 1e-10.
"""

import naive
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.regression import GLS, OLS, WLS
from jitla.regression.diagnostics import lack_of_fit_test, near_neighbour_lack_of_fit

smf = pytest.importorskip("statsmodels.formula.api")
from statsmodels.stats.anova import anova_lm  # noqa: E402


def _replicated(seed=1):
    rng = np.random.default_rng(seed)
    x = np.repeat(np.arange(1.0, 9.0), 3)[:-2]  # 8 levels, the last one with a single run
    y = 1 + 0.5 * x + 0.08 * x**2 + 0.3 * rng.standard_normal(x.size)
    return x, y, rng.uniform(0.5, 2.0, x.size)


@pytest.mark.parametrize("weighted", [False, True])
def test_pure_error_matches_saturated_anova_and_naive(weighted):
    x, y, w = _replicated()
    X = np.column_stack([np.ones_like(x), x])
    X_before, y_before = X.copy(), y.copy()
    res = WLS(y, X, weights=w).fit() if weighted else OLS(y, X).fit()
    out = lack_of_fit_test(res)
    df = pd.DataFrame({"x": x, "y": y})
    kw = {"weights": w} if weighted else {}
    fit = smf.wls if weighted else smf.ols
    table = anova_lm(fit("y ~ x", df, **kw).fit(), fit("y ~ C(x)", df, **kw).fit())
    assert out.n_groups == 8 and out.df_pure_error == 14 and out.df_lack_of_fit == 6
    assert_allclose(out.ss_pure_error, table["ssr"].iloc[1], rtol=1e-10)
    assert_allclose(out.ss_lack_of_fit, table["ss_diff"].iloc[1], rtol=1e-10)
    assert_allclose(out.fvalue, table["F"].iloc[1], rtol=1e-10)
    assert_allclose(out.pvalue, table["Pr(>F)"].iloc[1], rtol=1e-8)
    ref = naive.lack_of_fit_test(X, y, res.ssr, res.df_resid, w if weighted else None)
    assert_allclose(
        [out.ss_pure_error, out.ss_lack_of_fit, out.fvalue],
        [ref["ss_pe"], ref["ss_lof"], ref["fvalue"]],
        rtol=1e-10,
    )
    assert_array_equal(X, X_before)
    assert_array_equal(y, y_before)


def test_two_regressors_rows_group_on_the_whole_row():
    rng = np.random.default_rng(3)
    g = np.array([[a, b] for a in range(3) for b in range(3)] * 2, dtype=float)
    X = np.column_stack([np.ones(len(g)), g])
    y = X @ [1.0, 0.5, -0.2] + 0.2 * g[:, 0] * g[:, 1] + 0.1 * rng.standard_normal(len(g))
    out = lack_of_fit_test(OLS(y, X).fit())
    ref = naive.lack_of_fit_test(X, y, OLS(y, X).fit().ssr, 18 - 3)
    assert (out.n_groups, out.df_pure_error, out.df_lack_of_fit) == (9, 9, 6)
    assert_allclose(out.fvalue, ref["fvalue"], rtol=1e-10)


def test_pure_error_errors():
    x, y, _ = _replicated()
    X = np.column_stack([np.ones_like(x), x])
    with pytest.raises(ValueError, match="no replicated rows"):
        lack_of_fit_test(OLS(y[::3], X[::3]).fit())
    saturated = np.column_stack([x == v for v in np.unique(x)]).astype(float)
    with pytest.raises(ValueError, match="no lack of fit to test"):
        lack_of_fit_test(OLS(y, saturated).fit())
    with pytest.raises(TypeError, match="OLS or WLS"):
        lack_of_fit_test(GLS(y, X, sigma=np.ones(x.size)).fit())


def _curved(n=40, seed=2):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, n)
    y = 1 + 0.5 * x + 0.05 * x**2 + 0.3 * rng.standard_normal(n)
    return np.column_stack([np.ones(n), x]), y


def test_near_neighbour_matches_naive_double_loop():
    X, y = _curved()
    res = OLS(y, X).fit()
    out = near_neighbour_lack_of_fit(res, n_pairs=15)
    sigma, pairs = naive.near_neighbour_sigma(X, res.resid, res.params, res.mse_resid, 15)
    assert_allclose(out.sigma, sigma, rtol=1e-12)
    assert [tuple(p) for p in out.pairs[:15].tolist()] == pairs
    assert out.sigma_path.shape == (40,) and out.n_pairs == 15
    assert_allclose(out.sigma_path[14], out.sigma, rtol=0)
    assert_allclose(out.ratio, np.sqrt(res.mse_resid) / sigma, rtol=1e-12)
    # the curvature the straight line misses inflates MS_Res, not the near-neighbour estimate
    assert out.ratio > 1.3
    default = near_neighbour_lack_of_fit(res)
    assert default.n_pairs == 20


def test_near_neighbour_errors():
    X, y = _curved()
    res = OLS(y, X).fit()
    with pytest.raises(ValueError, match="n_pairs must be between 1 and 780"):
        near_neighbour_lack_of_fit(res, n_pairs=781)
    with pytest.raises(ValueError, match="no non-constant regressor"):
        near_neighbour_lack_of_fit(OLS(y, X[:, :1]).fit())
