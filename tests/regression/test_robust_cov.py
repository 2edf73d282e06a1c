"""HAC (Newey-West) and cluster-robust covariances, and the Breusch-Godfrey test, against statsmodels.

The covariances are a few (p, p) products of sums over n = 60-120 rows;
statsmodels forms them from pinv(X) where jitla uses R^{-1}: rtol 1e-10
(1e-8 on p-values, whose tails amplify relative error).  The naive
reference builds the same sandwich with exact normal equations and an
``fsum`` meat.
"""

import naive
import numpy as np
import pytest
from numpy.testing import assert_allclose

from jitla.regression import OLS, WLS
from jitla.regression.diagnostics import acorr_breusch_godfrey

sm = pytest.importorskip("statsmodels.api")
from statsmodels.stats.diagnostic import acorr_breusch_godfrey as sm_bg  # noqa: E402


def _ar1_data(n=120, rho=0.6, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal(n), rng.uniform(size=n)])
    e = np.zeros(n)
    u = rng.standard_normal(n)
    for t in range(1, n):
        e[t] = rho * e[t - 1] + u[t]
    y = X @ [1.0, 2.0, -1.0] + e * (1 + X[:, 2])
    return X, y, rng.integers(0, 12, n), rng.uniform(0.5, 2.0, n)


CASES = [
    ("HAC", {"maxlags": 4}),
    ("HAC", {"maxlags": 3, "kernel": "uniform", "use_correction": True}),
    ("cluster", {}),
    ("cluster", {"use_correction": False, "df_correction": False}),
]


@pytest.mark.parametrize("cov_type, kw", CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_statsmodels(cov_type, kw, weighted):
    X, y, groups, w = _ar1_data()
    if cov_type == "cluster":
        kw = {"groups": groups, **kw}
    args = (y, X) + ((w,) if weighted else ())
    ours = (WLS if weighted else OLS)(*args).fit(cov_type=cov_type, cov_kwds=kw, use_t=True)
    ref = (sm.WLS if weighted else sm.OLS)(*args).fit(cov_type=cov_type, cov_kwds=kw, use_t=True)
    assert_allclose(ours.cov_params(), ref.cov_params(), rtol=1e-10)
    assert_allclose(ours.bse, ref.bse, rtol=1e-10)
    assert_allclose(ours.pvalues, ref.pvalues, rtol=1e-8)
    assert_allclose(ours.conf_int(), ref.conf_int(), rtol=1e-10)
    R = np.eye(3)[1:]
    assert_allclose(ours.f_test(R).statistic, float(np.squeeze(ref.f_test(R).fvalue)), rtol=1e-10)
    assert_allclose(ours.f_test(R).pvalue, float(ref.f_test(R).pvalue), rtol=1e-8)
    assert ours.df_resid_inference == getattr(ref, "df_resid_inference", ref.df_resid)


def test_against_naive_sandwich_and_summary_note():
    X, y, groups, _ = _ar1_data(n=40)
    hac = OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 2})
    assert_allclose(hac.cov_params(), naive.sandwich_cov(X, hac.resid, maxlags=2), rtol=1e-10)
    clu = OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    assert_allclose(clu.cov_params(), naive.sandwich_cov(X, clu.resid, groups=groups), rtol=1e-10)
    assert "autocorrelation robust (HAC) using 2 lags and without small sample correction" in str(
        hac.summary()
    ).replace("\n    ", " ")
    assert "robust to cluster correlation" in str(clu.summary())
    # string labels group like integer codes
    labels = np.array([f"g{k}" for k in groups])
    again = OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": labels, "use_correction": False})
    assert_allclose(again.bse, clu.bse, rtol=1e-14)


def test_errors():
    X, y, groups, _ = _ar1_data(n=40)
    model = OLS(y, X)
    with pytest.raises(ValueError, match="needs cov_kwds=\\{'maxlags'"):
        model.fit(cov_type="HAC")
    with pytest.raises(ValueError, match="maxlags must be a non-negative integer"):
        model.fit(cov_type="HAC", cov_kwds={"maxlags": 1.5})
    with pytest.raises(ValueError, match="kernel must be"):
        model.fit(cov_type="HAC", cov_kwds={"maxlags": 2, "kernel": "parzen"})
    with pytest.raises(ValueError, match="unknown cov_kwds"):
        model.fit(cov_type="HAC", cov_kwds={"maxlags": 2, "lags": 3})
    with pytest.raises(ValueError, match="groups must be one-dimensional with 40 labels"):
        model.fit(cov_type="cluster", cov_kwds={"groups": groups[:-1]})
    with pytest.raises(ValueError, match="at least two groups"):
        model.fit(cov_type="cluster", cov_kwds={"groups": np.zeros(40)})
    with pytest.raises(ValueError, match="not used by cov_type='HC1'"):
        model.fit(cov_type="HC1", cov_kwds={"maxlags": 2})
    with pytest.raises(ValueError, match="fit with cov_type='HAC'"):
        model.fit().cov("HAC")


@pytest.mark.parametrize("nlags", [None, 1, 4])
@pytest.mark.parametrize("constant", [True, False])
def test_breusch_godfrey_matches_statsmodels(nlags, constant):
    X, y, _, _ = _ar1_data(rho=0.4)
    Xd = X if constant else X[:, 1:]
    ours = acorr_breusch_godfrey(OLS(y, Xd).fit(), nlags)
    ref = sm_bg(sm.OLS(y, Xd).fit(), nlags, result_object=False)
    assert_allclose(ours, ref, rtol=1e-10)
    lm, lmpval, fval, fpval = ours
    assert (lm, fpval) == (ours.lm, ours.fpval)


def test_breusch_godfrey_errors():
    X, y, _, _ = _ar1_data(n=30)
    res = OLS(y, X).fit()
    with pytest.raises(ValueError, match="nlags must be a positive integer"):
        acorr_breusch_godfrey(res, 0)
    with pytest.raises(ValueError, match="no residual degrees of freedom"):
        acorr_breusch_godfrey(res, 27)
