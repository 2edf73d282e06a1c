"""jitla.regression OLS / WLS / GLS fits against statsmodels (the oracle).

Tolerances
----------
Both libraries solve the same least-squares problem with backward-stable
methods (jitla: Householder QR; statsmodels: pinv via LAPACK's SVD), so the
coefficients agree to about ``kappa(X) * eps`` relative, plus
``kappa(X)^2 * eps * ||r|| / (||X|| ||b||)`` (Golub & Van Loan, 4th ed.,
Thm. 5.3.1).  The random designs below have kappa < 10 with unit-scale
columns, so ``rtol = 1e-10`` leaves four orders of magnitude of headroom
over ``kappa^2 * eps ~ 2e-14`` while still catching any formula mistake
(those show up at 1e-3 or worse).  Longley has kappa ~ 5e9, so the
solutions of two stable solvers may differ by ``kappa * eps ~ 1e-6``
relative in the worst-determined coefficient: rtol = 1e-6 there.
p-values are functions of the t statistics through scipy's t / normal
survival functions in both libraries; their relative error is that of the
statistic times ``|t| f(t) / sf(t)`` (< 40 for the |t| < 10 here), so they
get the same rtol plus an absolute floor of 1e-14 for values that
underflow toward 0.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.regression import GLS, OLS, WLS, CollinearityWarning, MissingDataError, ols

sm = pytest.importorskip("statsmodels.api")
smf = pytest.importorskip("statsmodels.formula.api")

RTOL = 1e-10  # well-conditioned random designs (kappa < 10): see the module docstring
RTOL_LONGLEY = 1e-6  # kappa ~ 5e9: kappa * eps ~ 1e-6

SCALARS = [
    "rsquared",
    "rsquared_adj",
    "fvalue",
    "f_pvalue",
    "llf",
    "aic",
    "bic",
    "ssr",
    "ess",
    "centered_tss",
    "uncentered_tss",
    "mse_resid",
    "mse_model",
    "mse_total",
    "scale",
    "nobs",
    "df_model",
    "df_resid",
]
VECTORS = ["params", "bse", "tvalues", "pvalues", "fittedvalues", "resid", "wresid"]


def _a(x):
    return np.asarray(x, dtype=np.float64)


def assert_matches(res, ref, rtol, *, scalars=SCALARS, vectors=VECTORS, atol=1e-14, order=None):
    """Every listed statistic of jitla's *res* agrees with statsmodels' *ref*.

    *order*: jitla's parameter index for each of statsmodels' parameters
    (formulaic and patsy may order the terms differently).
    """
    k = order if order is not None else slice(None)
    for name in vectors:
        got, want = _a(getattr(res, name)), _a(getattr(ref, name))
        got = got[k] if name in ("params", "bse", "tvalues", "pvalues") else got
        scale = np.max(np.abs(want)) if name in ("fittedvalues", "resid", "wresid") else 0.0
        assert_allclose(got, want, rtol=rtol, atol=max(atol, rtol * scale), err_msg=name)
    for name in scalars:
        assert_allclose(
            float(getattr(res, name)), float(getattr(ref, name)), rtol=rtol, atol=atol, err_msg=name
        )
    assert_allclose(_a(res.conf_int())[k], _a(ref.conf_int()), rtol=rtol, atol=atol)
    assert_allclose(_a(res.conf_int(0.1))[k], _a(ref.conf_int(0.1)), rtol=rtol, atol=atol)
    kk = np.ix_(order, order) if order is not None else (slice(None), slice(None))
    assert_allclose(_a(res.cov_params())[kk], _a(ref.cov_params()), rtol=rtol, atol=atol * 1e-2)
    assert_allclose(res.normalized_cov_params[kk], ref.normalized_cov_params, rtol=rtol, atol=1e-16)
    assert res.use_t == ref.use_t


def make_data(n=60, p=3, seed=0, const=True):
    """A well-conditioned design (independent N(0, 1) columns, kappa < 10) and a noisy response."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if const:
        X = np.column_stack([np.ones(n), X])
    beta = np.linspace(1.0, -1.0, X.shape[1])
    y = X @ beta + 0.5 * rng.standard_normal(n)
    return y, X


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def longley():
    d = sm.datasets.longley.load_pandas()
    return d.endog.to_numpy(), sm.add_constant(d.exog.to_numpy())


def ar1_sigma(n, rho=0.6, seed=1):
    """AR(1) covariance with heteroscedastic scale: symmetric positive definite, kappa ~ 20."""
    i = np.arange(n)
    s = np.random.default_rng(seed).uniform(0.5, 2.0, n)
    return rho ** np.abs(i[:, None] - i[None, :]) * np.outer(s, s)


# ---------------------------------------------------------------------- OLS / WLS / GLS values
def test_ols_matches_statsmodels(data):
    y, X = data
    res, ref = OLS(y, X).fit(), sm.OLS(y, X).fit()
    assert_matches(res, ref, RTOL)
    assert res.k_constant == 1 and res.model.const_idx == 0
    assert res.model.exog_names == ["const", "x1", "x2", "x3"] == ref.model.exog_names
    assert res.rank == 4 and not res.aliased.any()
    assert_allclose(res.condition_number, ref.condition_number, rtol=RTOL)
    assert_allclose(res.eigenvals, ref.eigenvals, rtol=RTOL)


def test_ols_without_constant_uses_uncentered_rsquared(data):
    y, X = data
    X = X[:, 1:]
    res, ref = OLS(y, X).fit(), sm.OLS(y, X).fit()
    assert res.k_constant == 0 and res.model.const_idx is None
    assert_matches(res, ref, RTOL)
    assert_allclose(res.rsquared, 1 - res.ssr / res.uncentered_tss, rtol=1e-15)
    assert res.df_model == 3.0


def test_single_regressor_no_constant(data):
    y, X = data
    x = X[:, 1]
    res, ref = OLS(y, x).fit(), sm.OLS(y, x).fit()
    assert res.params.shape == (1,)
    assert_matches(res, ref, RTOL)


def test_longley(longley):
    y, X = longley
    res, ref = OLS(y, X).fit(), sm.OLS(y, X).fit()
    assert_matches(res, ref, RTOL_LONGLEY, atol=1e-12)
    # cond ~ 5e9: eigenvalues span 19 decades; the smallest is found to kappa^2 * eps relative
    # by statsmodels' eigvalsh of X^T X (ours come from R's singular values), so 1e-4 is its accuracy
    assert_allclose(res.condition_number, ref.condition_number, rtol=1e-4)
    assert_allclose(res.eigenvals, ref.eigenvals, rtol=1e-4)


def test_wls_matches_statsmodels(data):
    y, X = data
    w = np.random.default_rng(3).uniform(0.2, 3.0, y.size)
    res, ref = WLS(y, X, weights=w).fit(), sm.WLS(y, X, weights=w).fit()
    assert_matches(res, ref, RTOL)
    assert_allclose(res.model.wexog, ref.model.wexog, rtol=1e-15)
    assert_allclose(res.model.wendog, ref.model.wendog, rtol=1e-15)


def test_wls_scalar_weight_is_ols_with_weight_term(data):
    y, X = data
    res, ref = WLS(y, X, weights=2.5).fit(), sm.WLS(y, X, weights=2.5).fit()
    assert_matches(res, ref, RTOL)


@pytest.mark.parametrize("kind", ["full", "diagonal", "scalar"])
def test_gls_matches_statsmodels(data, kind):
    y, X = data
    n = y.size
    sigmas = {"full": ar1_sigma(n), "diagonal": np.random.default_rng(4).uniform(0.5, 2.0, n), "scalar": 2.0}
    sigma = sigmas[kind]
    res, ref = GLS(y, X, sigma=sigma).fit(), sm.GLS(y, X, sigma=sigma).fit()
    # both whiten by W = L^{-1}, Sigma = L L^T (statsmodels 0.15's cholsigmainv), so wresid agrees too
    assert_matches(res, ref, RTOL)
    for cov_type in ["HC0", "HC3"]:
        assert_allclose(res.cov(cov_type), getattr(ref, f"cov_{cov_type}"), rtol=RTOL, atol=1e-16)


def test_gls_diagonal_equals_wls(data):
    y, X = data
    v = np.random.default_rng(5).uniform(0.5, 2.0, y.size)
    g, w = GLS(y, X, sigma=v).fit(), WLS(y, X, weights=1 / v).fit()
    for name in ["params", "bse", "llf", "rsquared", "ssr", "centered_tss"]:
        assert_allclose(_a(getattr(g, name)), _a(getattr(w, name)), rtol=RTOL)


# ---------------------------------------------------------------------- covariance types
@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "HC2", "HC3"])
@pytest.mark.parametrize("model", ["ols", "wls"])
def test_robust_cov_types(data, cov_type, model):
    y, X = data
    w = np.random.default_rng(6).uniform(0.2, 3.0, y.size)
    # heteroscedastic response, so that the sandwich differs clearly from the nonrobust covariance
    y = y + np.abs(X[:, 1]) * np.random.default_rng(7).standard_normal(y.size)
    mk, smk = (OLS(y, X), sm.OLS(y, X)) if model == "ols" else (WLS(y, X, w), sm.WLS(y, X, w))
    res, ref = mk.fit(cov_type=cov_type), smk.fit(cov_type=cov_type)
    assert res.use_t is False and ref.use_t is False  # statsmodels: normal / chi2 for robust types
    for name in ["params", "bse", "tvalues", "pvalues"]:
        assert_allclose(_a(getattr(res, name)), _a(getattr(ref, name)), rtol=RTOL, atol=1e-14, err_msg=name)
    assert_allclose(res.conf_int(), ref.conf_int(), rtol=RTOL)
    assert_allclose(res.cov_params(), ref.cov_params(), rtol=RTOL, atol=1e-16)
    assert_allclose(res.fvalue, ref.fvalue, rtol=RTOL)
    assert_allclose(res.f_pvalue, ref.f_pvalue, rtol=RTOL, atol=1e-14)
    # from a nonrobust fit: cov(kind), cov_HCk and HCk_se agree with statsmodels' attributes
    plain, plain_ref = mk.fit(), smk.fit()
    assert_allclose(plain.cov(cov_type), getattr(plain_ref, f"cov_{cov_type}"), rtol=RTOL, atol=1e-16)
    assert_allclose(
        getattr(plain, f"cov_{cov_type}"), getattr(plain_ref, f"cov_{cov_type}"), rtol=RTOL, atol=1e-16
    )
    assert_allclose(_a(getattr(plain, f"{cov_type}_se")), getattr(plain_ref, f"{cov_type}_se"), rtol=RTOL)
    assert plain.use_t is True
    assert not np.allclose(plain.cov(cov_type), plain.cov("nonrobust"), rtol=1e-3)


def test_use_t_override(data):
    y, X = data
    res, ref = OLS(y, X).fit(cov_type="HC1", use_t=True), sm.OLS(y, X).fit(cov_type="HC1", use_t=True)
    assert res.use_t is True
    assert_allclose(res.pvalues, ref.pvalues, rtol=RTOL)
    assert_allclose(res.conf_int(), ref.conf_int(), rtol=RTOL)


def test_bad_cov_type(data):
    y, X = data
    with pytest.raises(ValueError, match="cov_type"):
        OLS(y, X).fit(cov_type="HC9")
    with pytest.raises(ValueError, match="HC9"):
        OLS(y, X).fit().cov("HC9")


# ---------------------------------------------------------------------- hypothesis tests
def assert_t_test(got, want, rtol=RTOL):
    assert_allclose(np.ravel(got.effect), np.ravel(want.effect), rtol=rtol, atol=1e-14)
    assert_allclose(np.ravel(got.sd), np.ravel(want.sd), rtol=rtol)
    assert_allclose(np.ravel(got.tvalue), np.ravel(want.tvalue), rtol=rtol, atol=1e-14)
    assert_allclose(np.ravel(got.pvalue), np.ravel(want.pvalue), rtol=rtol, atol=1e-14)
    assert_allclose(got.conf_int(), want.conf_int(), rtol=rtol, atol=1e-14)
    assert_allclose(got.conf_int(0.2), want.conf_int(alpha=0.2), rtol=rtol, atol=1e-14)
    got_frame, want_frame = got.summary_frame(), want.summary_frame()
    assert list(got_frame.columns) == list(want_frame.columns)
    assert_allclose(got_frame.to_numpy(), want_frame.to_numpy(dtype=float), rtol=rtol, atol=1e-14)


def assert_f_test(got, want, rtol=RTOL):
    assert_allclose(float(got.fvalue), float(np.squeeze(want.fvalue)), rtol=rtol)
    assert_allclose(float(got.pvalue), float(want.pvalue), rtol=rtol, atol=1e-14)
    assert got.df_num == want.df_num and got.df_denom == want.df_denom


HYPOTHESES = ["x1 = x2, x3 = 0", "x1 + 2*x2 = 1", "const = 1, x1 = -x3"]


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC3"])
@pytest.mark.parametrize("hypothesis", HYPOTHESES)
def test_t_and_f_test_strings(data, hypothesis, cov_type):
    y, X = data
    res, ref = OLS(y, X).fit(cov_type=cov_type), sm.OLS(y, X).fit(cov_type=cov_type)
    assert_t_test(res.t_test(hypothesis), ref.t_test(hypothesis))
    assert_f_test(res.f_test(hypothesis), ref.f_test(hypothesis))


def test_t_and_f_test_matrices(data):
    y, X = data
    res, ref = OLS(y, X).fit(), sm.OLS(y, X).fit()
    R = np.array([[0.0, 1.0, -1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    q = np.array([0.5, -0.25])
    R_before, q_before = R.copy(), q.copy()
    assert_t_test(res.t_test(R), ref.t_test(R))
    assert_f_test(res.f_test(R), ref.f_test(R))
    assert_t_test(res.t_test((R, q)), ref.t_test((R, q)))
    assert_f_test(res.f_test((R, q)), ref.f_test((R, q)))
    assert_t_test(res.t_test(R[0]), ref.t_test(R[0]))  # one row as a 1-D array
    assert_array_equal(R, R_before)
    assert_array_equal(q, q_before)
    # the overall F test is the f_test of "all slopes are zero"
    assert_allclose(res.f_test(np.eye(4)[1:]).fvalue, ref.fvalue, rtol=RTOL)


def test_t_test_pandas_names(data):
    y, X = data
    df = pd.DataFrame(X[:, 1:], columns=["a", "b", "c"]).assign(const=1.0)[["const", "a", "b", "c"]]
    res, ref = OLS(y, df).fit(), sm.OLS(y, df).fit()
    assert_t_test(res.t_test("a = b, c = 0"), ref.t_test("a = b, c = 0"))
    assert_f_test(res.f_test("a = b, c = 0"), ref.f_test("a = b, c = 0"))
    with pytest.raises(ValueError):
        res.t_test("nosuchname = 0")


def test_f_test_wrong_width(data):
    y, X = data
    res = OLS(y, X).fit()
    with pytest.raises(ValueError):
        res.f_test(np.eye(3))


def test_compare_nested_models(data):
    y, X = data
    full, full_ref = OLS(y, X).fit(), sm.OLS(y, X).fit()
    small, small_ref = OLS(y, X[:, :2]).fit(), sm.OLS(y, X[:, :2]).fit()
    assert_allclose(full.compare_f_test(small), full_ref.compare_f_test(small_ref), rtol=RTOL)
    assert_allclose(full.compare_lr_test(small), full_ref.compare_lr_test(small_ref), rtol=RTOL)
    with pytest.raises(ValueError):
        small.compare_f_test(full)


# ---------------------------------------------------------------------- prediction
def assert_frames(got, want, rtol=RTOL):
    assert list(got.columns) == list(want.columns)
    assert_allclose(got.to_numpy(), want.to_numpy(), rtol=rtol, atol=1e-13)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC2"])
def test_get_prediction_ols(data, cov_type):
    y, X = data
    X_new = make_data(n=7, seed=11)[1]
    res, ref = OLS(y, X).fit(cov_type=cov_type), sm.OLS(y, X).fit(cov_type=cov_type)
    assert_frames(res.get_prediction(X_new).summary_frame(), ref.get_prediction(X_new).summary_frame())
    assert_frames(
        res.get_prediction(X_new).summary_frame(alpha=0.1), ref.get_prediction(X_new).summary_frame(alpha=0.1)
    )
    assert_frames(res.get_prediction().summary_frame(), ref.get_prediction().summary_frame())
    assert_allclose(res.predict(X_new), ref.predict(X_new), rtol=RTOL)
    assert_allclose(res.predict(X_new[0]), ref.predict(X_new[:1]), rtol=RTOL)  # one row as 1-D


def test_get_prediction_wls_with_new_weights(data):
    y, X = data
    w = np.random.default_rng(8).uniform(0.2, 3.0, y.size)
    X_new = make_data(n=5, seed=12)[1]
    w_new = np.array([0.5, 1.0, 2.0, 3.0, 4.0])
    res, ref = WLS(y, X, w).fit(), sm.WLS(y, X, w).fit()
    assert_frames(
        res.get_prediction(X_new, weights=w_new).summary_frame(),
        ref.get_prediction(X_new, weights=w_new).summary_frame(),
    )
    assert_frames(res.get_prediction(X_new).summary_frame(), ref.get_prediction(X_new).summary_frame())
    # in-sample: the fit's own weights
    assert_frames(res.get_prediction().summary_frame(), ref.get_prediction().summary_frame())


def test_predict_wrong_width(data):
    y, X = data
    res = OLS(y, X).fit()
    with pytest.raises(ValueError, match="4 columns"):
        res.predict(np.ones((3, 3)))
    with pytest.raises(ValueError, match="4 columns"):
        res.get_prediction(np.ones((3, 5)))
    with pytest.raises(MissingDataError, match="exog contains inf or nans"):
        res.predict(np.full((2, 4), np.nan))


# ---------------------------------------------------------------------- pandas and formulas
@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(9)
    n = 40
    df = pd.DataFrame(
        {
            "x1": rng.standard_normal(n),
            "x2": rng.uniform(0.5, 4.0, n),
            "g": rng.choice(["a", "b", "c"], n),
        },
        index=pd.Index([f"r{i}" for i in range(n)], name="obs"),
    )
    effect = df["g"].map({"a": 0.0, "b": 1.0, "c": -0.5}).to_numpy()
    df["y"] = 1.0 + 2.0 * df["x1"] - np.log(df["x2"]) + effect + 0.3 * rng.standard_normal(n)
    return df


def test_pandas_names_and_index(frame):
    X = sm.add_constant(frame[["x1", "x2"]])
    res, ref = OLS(frame["y"], X).fit(), sm.OLS(frame["y"], X).fit()
    for name in ["params", "bse", "tvalues", "pvalues", "HC3_se"]:
        got = getattr(res, name)
        assert isinstance(got, pd.Series), name
        assert list(got.index) == ["const", "x1", "x2"], name
        assert_allclose(got.to_numpy(), _a(getattr(ref, name)), rtol=RTOL, err_msg=name)
    for name in ["resid", "fittedvalues"]:
        got = getattr(res, name)
        assert isinstance(got, pd.Series) and got.index.equals(frame.index), name
        assert_allclose(got.to_numpy(), getattr(ref, name).to_numpy(), rtol=RTOL, atol=1e-13)
    ci = res.conf_int()
    assert isinstance(ci, pd.DataFrame) and list(ci.index) == ["const", "x1", "x2"]
    assert_allclose(ci.to_numpy(), ref.conf_int().to_numpy(), rtol=RTOL)
    cov = res.cov_params()
    assert list(cov.index) == list(cov.columns) == ["const", "x1", "x2"]
    assert res.model.endog_names == "y"
    pred = res.get_prediction(X.iloc[:4]).summary_frame()
    assert pred.index.equals(frame.index[:4])
    assert_frames(pred, ref.get_prediction(X.iloc[:4]).summary_frame())


FORMULA = "y ~ x1 + np.log(x2) + C(g)"


def test_formula_matches_statsmodels(frame):
    res, ref = ols(FORMULA, data=frame), smf.ols(FORMULA, data=frame).fit()
    # formulaic and patsy order and name the columns the same way here
    assert list(res.params.index) == ["Intercept", "C(g)[T.b]", "C(g)[T.c]", "x1", "np.log(x2)"] or list(
        res.params.index
    ) == ["Intercept", "x1", "np.log(x2)", "C(g)[T.b]", "C(g)[T.c]"]
    # compare by name (formulaic may order terms differently from patsy)
    order = [list(res.params.index).index(n) for n in ref.params.index]
    assert_matches(res, ref, RTOL, order=order)
    assert res.k_constant == 1
    assert res.resid.index.equals(frame.index)
    assert_t_test(res.t_test("x1 = 2, np.log(x2) = -1"), ref.t_test("x1 = 2, np.log(x2) = -1"))
    new = frame.iloc[:6].drop(columns="y")
    assert_frames(res.get_prediction(new).summary_frame(), ref.get_prediction(new).summary_frame())
    assert_allclose(_a(res.predict(new)), _a(ref.predict(new)), rtol=RTOL)


def test_from_formula(frame):
    w = np.linspace(0.5, 2.0, len(frame))
    res = OLS.from_formula(FORMULA, data=frame).fit()
    ref = smf.ols(FORMULA, data=frame).fit()
    assert_allclose(res.llf, ref.llf, rtol=RTOL)
    assert_allclose(res.rsquared, ref.rsquared, rtol=RTOL)
    wres, wref = (
        WLS.from_formula(FORMULA, data=frame, weights=w).fit(),
        smf.wls(FORMULA, frame, weights=w).fit(),
    )
    assert_allclose(wres.llf, wref.llf, rtol=RTOL)
    assert_allclose(np.sort(_a(wres.bse)), np.sort(_a(wref.bse)), rtol=RTOL)
    # "- 1" removes the intercept, as in R; C(g) then has all three levels
    res0, ref0 = ols("y ~ x1 + C(g) - 1", data=frame), smf.ols("y ~ x1 + C(g) - 1", data=frame).fit()
    assert "Intercept" not in res0.params.index
    assert_allclose(np.sort(_a(res0.params)), np.sort(_a(ref0.params)), rtol=RTOL)
    assert_allclose(res0.ssr, ref0.ssr, rtol=RTOL)


def test_ols_function_adds_constant(data):
    y, X = data
    res, ref = ols(X[:, 1:], y), sm.OLS(y, X).fit()
    assert res.model.exog_names[0] == "const"
    assert_allclose(res.params, ref.params, rtol=RTOL)
    # already has a constant: not added twice
    assert ols(X, y).params.shape == (4,)
    assert ols(X[:, 1:], y, fit_intercept=False).params.shape == (3,)
    w = np.linspace(0.5, 1.5, y.size)
    assert_allclose(ols(X[:, 1:], y, weights=w).params, sm.WLS(y, X, w).fit().params, rtol=RTOL)


# ---------------------------------------------------------------------- collinearity
def fit_warned(model, **kw):
    with pytest.warns(CollinearityWarning) as rec:
        res = model.fit(**kw)
    return res, " ".join(str(w.message) for w in rec)


def assert_equals_fit_without(res, ref, dropped, rtol=RTOL):
    """NaN for the aliased columns, the others as statsmodels fitted without them."""
    keep = np.setdiff1d(np.arange(len(res.model.exog_names)), dropped)
    assert_array_equal(res.aliased, np.isin(np.arange(keep.size + len(dropped)), dropped))
    assert res.rank == keep.size
    for name in ["params", "bse", "tvalues", "pvalues"]:
        got = _a(getattr(res, name))
        assert np.isnan(got[dropped]).all(), name
        assert_allclose(got[keep], _a(getattr(ref, name)), rtol=rtol, atol=1e-14, err_msg=name)
    ci = _a(res.conf_int())
    assert np.isnan(ci[dropped]).all()
    assert_allclose(ci[keep], _a(ref.conf_int()), rtol=rtol)
    for name in [
        "ssr",
        "rsquared",
        "rsquared_adj",
        "fvalue",
        "f_pvalue",
        "llf",
        "aic",
        "bic",
        "df_model",
        "df_resid",
    ]:
        assert_allclose(float(getattr(res, name)), float(getattr(ref, name)), rtol=rtol, err_msg=name)
    assert_allclose(_a(res.resid), _a(ref.resid), rtol=rtol, atol=1e-12)
    kk = np.ix_(keep, keep)
    for kind in ["nonrobust", "HC0", "HC3"]:
        C = res.cov(kind)
        assert np.isnan(C[dropped]).all() and np.isnan(C[:, dropped]).all()
        assert_allclose(
            C[kk],
            ref.cov_params() if kind == "nonrobust" else getattr(ref, f"cov_{kind}"),
            rtol=rtol,
            atol=1e-15,
        )
    # predictions: the aliased coefficient counts as 0 (predict warns for new data, as R's)
    X_new = res.model.exog[:5]
    assert_frames(
        res.get_prediction(X_new).summary_frame(), ref.get_prediction(X_new[:, keep]).summary_frame(), rtol
    )
    with pytest.warns(UserWarning, match="rank-deficient"):
        assert_allclose(res.predict(X_new), ref.predict(X_new[:, keep]), rtol=rtol)


def test_exactly_collinear_column_is_aliased(data):
    y, X = data
    Xc = np.column_stack([X, X[:, 1] + X[:, 2]])  # x4 = x1 + x2
    res, msg = fit_warned(OLS(y, Xc))
    assert "x4" in msg and "x1" not in msg
    assert_equals_fit_without(res, sm.OLS(y, X).fit(), [4])
    # the aliased column is reported by its pandas name
    df = pd.DataFrame(Xc, columns=["const", "a", "b", "c", "a_plus_b"])
    res, msg = fit_warned(OLS(y, df))
    assert "a_plus_b" in msg
    assert np.isnan(res.params["a_plus_b"])
    assert_allclose(res.params[["const", "a", "b", "c"]].to_numpy(), sm.OLS(y, X).fit().params, rtol=RTOL)


def test_numerically_collinear_column_and_tol(data):
    y, X = data
    rng = np.random.default_rng(13)
    # x4 = x1 + x2 + rounding-level noise (relative size ~1e-15 < default tol max(n, p) eps ~ 1.3e-14)
    x4 = X[:, 1] + X[:, 2] + 1e-15 * rng.standard_normal(y.size)
    res, msg = fit_warned(OLS(y, np.column_stack([X, x4])))
    assert "x4" in msg
    assert_equals_fit_without(res, sm.OLS(y, X).fit(), [4])
    # noise at 1e-12 (relative ~7e-13) is above the default tolerance: kept (kappa ~ 1e12, as
    # statsmodels keeps it); tol=1e-10 aliases it, and tol=0 keeps even the 1e-15 one
    x4 = X[:, 1] + X[:, 2] + 1e-12 * rng.standard_normal(y.size)
    Xn = np.column_stack([X, x4])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollinearityWarning)
        kept = OLS(y, Xn).fit()
    assert not kept.aliased.any() and kept.condition_number > 1e11
    res, msg = fit_warned(OLS(y, Xn), tol=1e-10)
    assert "x4" in msg
    assert_equals_fit_without(res, sm.OLS(y, X).fit(), [4])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollinearityWarning)
        assert not OLS(y, np.column_stack([X, X[:, 1] + X[:, 2] + 1e-15 * x4])).fit(tol=0.0).aliased.any()


def test_constant_plus_full_dummy_set(data):
    y, X = data
    n = y.size
    g = np.arange(n) % 3
    D = (g[:, None] == np.arange(3)).astype(float)  # three dummies summing to the constant
    Xd = np.column_stack([X, D])
    res, msg = fit_warned(OLS(y, Xd))
    assert "x6" in msg  # the last dummy, as R's lm drops it
    assert res.k_constant == 1
    assert_equals_fit_without(res, sm.OLS(y, Xd[:, :-1]).fit(), [6])


def test_zero_column_is_aliased(data):
    y, X = data
    Xz = np.column_stack([X[:, :2], np.zeros(y.size), X[:, 2:]])
    res, msg = fit_warned(OLS(y, Xz))
    assert "x2" in msg
    assert_equals_fit_without(res, sm.OLS(y, X).fit(), [2])


def test_collinear_t_test_on_aliased_raises(data):
    y, X = data
    res, _ = fit_warned(OLS(y, np.column_stack([X, X[:, 1] + X[:, 2]])))
    with pytest.raises(ValueError, match="aliased"):
        res.t_test("x4 = 0")
    ref = sm.OLS(y, X).fit()
    assert_t_test(res.t_test("x1 = x2"), ref.t_test("x1 = x2"))


# ---------------------------------------------------------------------- solvers
@pytest.mark.parametrize(
    ("method", "refine"),
    [("qr", False), ("qr", True), ("pivoted", False), ("pivoted", True), ("svd", False), ("normal", False)],
)
def test_solvers_agree(data, method, refine):
    y, X = data
    res, ref = OLS(y, X).fit(method=method, refine=refine), sm.OLS(y, X).fit()
    # kappa < 10: even the normal equations (kappa^2 eps ~ 1e-14) are well inside 1e-10
    assert_matches(res, ref, RTOL)
    assert res.method == method and res.refine is refine


def test_solvers_agree_on_collinear(data):
    y, X = data
    Xc = np.column_stack([X, X[:, 1] - X[:, 3]])
    ref = sm.OLS(y, X).fit()
    for method in ["qr", "pivoted", "svd", "normal"]:
        res, _ = fit_warned(OLS(y, Xc), method=method)
        assert_equals_fit_without(res, ref, [4])


def test_bad_method(data):
    y, X = data
    with pytest.raises(ValueError, match="bogus"):
        OLS(y, X).fit(method="bogus")
    with pytest.raises(ValueError, match="refine"):
        OLS(y, X).fit(method="svd", refine=True)


def test_longley_refine_close_to_reference(longley):
    # statsmodels' pinv and our QR are both backward stable: kappa * eps ~ 1e-6 apart at most
    y, X = longley
    ref = sm.OLS(y, X).fit()
    for method, refine in [("qr", True), ("pivoted", False), ("svd", False)]:
        assert_allclose(OLS(y, X).fit(method=method, refine=refine).params, ref.params, rtol=RTOL_LONGLEY)


# ---------------------------------------------------------------------- bad input
def test_nan_and_inf(data):
    y, X = data
    for bad in (np.nan, np.inf, -np.inf):
        Xb = X.copy()
        Xb[3, 2] = bad
        with pytest.raises(MissingDataError, match="exog contains inf or nans"):
            OLS(y, Xb)
        yb = y.copy()
        yb[5] = bad
        with pytest.raises(MissingDataError, match="endog contains inf or nans"):
            OLS(yb, X)
    assert issubclass(MissingDataError, ValueError)
    df = pd.DataFrame(X, columns=list("abcd"))
    df.iloc[0, 1] = np.nan
    with pytest.raises(MissingDataError, match="exog contains inf or nans"):
        OLS(y, df)
    w = np.ones(y.size)
    w[0] = np.nan
    with pytest.raises(ValueError, match="weights"):
        WLS(y, X, weights=w)


def test_shape_errors(data):
    y, X = data
    with pytest.raises(ValueError, match="different sizes"):
        OLS(y[:-1], X)
    with pytest.raises(ValueError, match="fewer observations"):
        OLS(y[:3], X[:3])
    with pytest.raises(ValueError, match="one-dimensional"):
        OLS(np.column_stack([y, y]), X)
    with pytest.raises(ValueError, match="no columns"):
        OLS(y, np.empty((y.size, 0)))
    with pytest.raises(ValueError, match="weights"):
        WLS(y, X, weights=np.ones(y.size - 1))
    with pytest.raises(ValueError, match="sigma"):
        GLS(y, X, sigma=np.ones(y.size + 1))
    with pytest.raises(ValueError, match="sigma"):
        GLS(y, X, sigma=np.eye(y.size + 1))


def test_type_errors(data):
    y, X = data
    df = pd.DataFrame(X, columns=list("abcd")).assign(g=["u", "v"] * (y.size // 2))
    with pytest.raises(ValueError, match=r"non-numeric column\(s\) \['g'\]"):
        OLS(y, df)
    with pytest.raises(TypeError, match="complex"):
        OLS(y, X.astype(complex))
    with pytest.raises(TypeError, match="complex"):
        OLS(y.astype(complex), X)
    with pytest.raises(ValueError, match="not numeric"):
        OLS(y, X.astype(str))


def test_weights_and_sigma_errors(data):
    y, X = data
    for bad in (0.0, -1.0):
        w = np.ones(y.size)
        w[7] = bad
        with pytest.raises(ValueError, match="strictly positive"):
            WLS(y, X, weights=w)
    with pytest.raises(ValueError, match="strictly positive"):
        WLS(y, X, weights=0.0)
    S = ar1_sigma(y.size)
    S[0, 0] = -1.0  # symmetric, not positive definite
    with pytest.raises(np.linalg.LinAlgError):
        GLS(y, X, sigma=S)
    S = ar1_sigma(y.size)
    S[0, 1] += 0.1
    with pytest.raises(ValueError, match="symmetric"):
        GLS(y, X, sigma=S)
    with pytest.raises(ValueError, match="positive"):
        GLS(y, X, sigma=-np.ones(y.size))


def test_inputs_are_never_modified(data, frame):
    y, X = data
    yF, XF = np.asfortranarray(y), np.asfortranarray(X)
    w = np.random.default_rng(14).uniform(0.5, 2.0, y.size)
    S = ar1_sigma(y.size)
    X_new = make_data(n=4, seed=15)[1]
    df = frame.copy()
    originals = [a.copy() for a in (y, X, w, S, X_new)]
    df_before = df.copy(deep=True)
    models = [OLS(y, X), OLS(yF, XF), WLS(y, X, w), GLS(y, X, sigma=S), GLS(y, X, sigma=w)]
    results = [m.fit(cov_type=c) for m in models for c in ("nonrobust", "HC3")]
    results.append(ols(FORMULA, data=df))
    results.append(OLS(df["y"], sm.add_constant(df[["x1", "x2"]])).fit(method="pivoted", refine=True))
    for res in results:
        for name in (
            SCALARS + VECTORS + ["HC0_se", "HC1_se", "HC2_se", "HC3_se", "condition_number", "eigenvals"]
        ):
            getattr(res, name)
        res.conf_int()
        res.cov_params()
        res.get_prediction().summary_frame()
        if res.model.formula_spec is None:
            p = res.params.shape[0]
            if p == 4:
                res.get_prediction(X_new).summary_frame()
                res.predict(X_new)
                res.t_test(np.eye(4)[1:])
                res.f_test(np.eye(4)[1:])
        else:
            res.get_prediction(df.iloc[:3]).summary_frame()
        res.compare_f_test(OLS(res.model.endog, res.model.exog[:, :1]).fit())
        res.compare_lr_test(OLS(res.model.endog, res.model.exog[:, :1]).fit())
        assert not np.shares_memory(res.model.exog, X) and not np.shares_memory(res.model.endog, y)
    for a, b in zip((y, X, w, S, X_new), originals, strict=True):
        assert_array_equal(a, b)
    assert_array_equal(yF, y)
    assert_array_equal(XF, X)
    pd.testing.assert_frame_equal(df, df_before)


def test_results_are_immutable(data):
    y, X = data
    res = OLS(y, X).fit()
    _ = res.params, res.bse
    for name in ["params", "bse", "rsquared", "model", "new_attribute", "scale", "aliased"]:
        with pytest.raises(AttributeError):
            setattr(res, name, 1.0)
    assert_allclose(res.params, sm.OLS(y, X).fit().params, rtol=RTOL)
    # the fit never changes the model
    model = OLS(y, X)
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(model).items()}
    model.fit(cov_type="HC1")
    for k, v in vars(model).items():
        if isinstance(v, np.ndarray):
            assert_array_equal(v, before[k])
        else:
            assert v is before[k] or v == before[k], k


# ---------------------------------------------------------------------- edge cases
def test_n_equals_p(data):
    y, X = data
    res = OLS(y[:4], X[:4]).fit()  # exact fit: df_resid 0
    assert res.df_resid == 0.0
    # kappa(X[:4]) ~ 10: the solution agrees with numpy's LU solve to ~kappa * eps
    assert_allclose(res.params, np.linalg.solve(X[:4], y[:4]), rtol=1e-12)
    assert_allclose(res.resid, 0.0, atol=1e-14)
    # everything that divides by df_resid is NaN (no ZeroDivisionError, no LinAlgError)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 leverages in HC2/HC3
        for name in ["scale", "mse_resid", "rsquared_adj", "fvalue", "f_pvalue"]:
            assert np.isnan(getattr(res, name)), name
        for name in ["bse", "tvalues", "pvalues", "HC1_se", "HC2_se", "HC3_se"]:
            assert np.isnan(_a(getattr(res, name))).all(), name
        assert np.isnan(res.conf_int()).all()
        frame = res.get_prediction(X[:6]).summary_frame()
        assert_allclose(frame["mean"], X[:6] @ _a(res.params), rtol=1e-12)
        assert np.isnan(frame.drop(columns="mean").to_numpy()).all()  # unknown variance: NaN, not 0
        t = res.t_test("x1 = 0")
        assert np.isnan(t.sd).all() and np.isnan(t.pvalue).all()
        assert np.isnan(res.f_test("x1 = 0, x2 = 0").fvalue)
        assert np.isnan(OLS(y[:4], X[:4]).fit(cov_type="HC1").bse).all()
    assert res.rsquared == 1.0 or abs(res.rsquared - 1.0) < 1e-14


def test_one_observation_one_column():
    res = OLS([3.0], [[2.0]]).fit()
    assert_allclose(res.params, [1.5], rtol=1e-15)
    assert res.df_resid == 0.0 and np.isnan(res.scale)


def test_constant_only(data):
    y, _ = data
    ones = np.ones(y.size)
    res, ref = OLS(y, ones).fit(), sm.OLS(y, ones).fit()
    assert_allclose(res.params, [y.mean()], rtol=1e-14)
    for name in ["bse", "llf", "ssr", "df_model", "df_resid", "rsquared"]:
        assert_allclose(_a(getattr(res, name)), _a(getattr(ref, name)), rtol=RTOL, atol=1e-14, err_msg=name)
    assert np.isnan(res.fvalue) or res.fvalue == ref.fvalue


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_float32_and_int_inputs_computed_in_float64(dtype):
    rng = np.random.default_rng(16)
    X = np.column_stack([np.ones(30), rng.integers(-5, 6, (30, 2))]).astype(dtype)
    y = (X @ np.array([1, 2, -1]) + rng.integers(-2, 3, 30)).astype(dtype)
    model = OLS(y, X)
    assert model.exog.dtype == np.float64 and model.endog.dtype == np.float64
    res, ref = model.fit(), sm.OLS(y.astype(np.float64), X.astype(np.float64)).fit()
    assert res.params.dtype == np.float64
    assert_matches(res, ref, RTOL)


def test_layouts_f_order_and_strided(data):
    y, X = data
    ref = sm.OLS(y, X).fit()
    big = np.zeros((2 * y.size, 2 * X.shape[1]))
    big[::2, ::2] = X
    yy = np.repeat(y, 2)
    for Xv, yv in [(np.asfortranarray(X), y), (big[::2, ::2], yy[::2])]:
        res = OLS(yv, Xv).fit()
        assert res.model.exog.flags.c_contiguous
        assert_matches(res, ref, RTOL)
    rev = OLS(y[::-1], X[::-1]).fit()  # negative strides; rows reversed, same coefficients
    assert rev.model.exog.flags.c_contiguous
    assert_allclose(rev.params, ref.params, rtol=RTOL)
    assert_allclose(rev.resid[::-1], ref.resid, rtol=RTOL, atol=1e-13)


def test_tall_design_through_tsqr():
    rng = np.random.default_rng(17)
    n = 20000
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 4))])
    y = X @ np.array([0.5, 1.0, -2.0, 0.0, 3.0]) + rng.standard_normal(n)
    from jitla.linalg._policy import qr_plan

    # [X | y] is 20000 x 6: jitla.linalg.qr's "auto" rule sends it to TSQR
    assert qr_plan(n, 6).op == "tsqr"
    res, ref = OLS(y, X).fit(), sm.OLS(y, X).fit()
    # n = 2e4: the sums of squares accumulate n roundings (~n eps ~ 4e-12 relative); 1e-10 holds
    assert_matches(res, ref, RTOL)
    assert_allclose(res.cov("HC3"), ref.cov_HC3, rtol=RTOL)


def test_implicit_constant_full_dummy_set(data):
    # no constant column, but the three dummies sum to one: statsmodels' k_constant = 1
    # (rank([1 | X]) == rank(X)), so R^2 is centered, df_model = rank - 1, F against the mean
    y, X = data
    g = np.arange(y.size) % 3
    Xd = np.column_stack([X[:, 1:], (g[:, None] == np.arange(3)).astype(float)])
    for cov_type in ["nonrobust", "HC1"]:
        res, ref = OLS(y, Xd).fit(cov_type=cov_type), sm.OLS(y, Xd).fit(cov_type=cov_type)
        assert res.k_constant == 1 == ref.k_constant and res.model.const_idx is None
        scalars = [s for s in SCALARS if s not in ("fvalue", "f_pvalue")]
        assert_matches(res, ref, RTOL, scalars=scalars)
        if cov_type == "nonrobust":
            assert_allclose([res.fvalue, res.f_pvalue], [ref.fvalue, ref.f_pvalue], rtol=RTOL)
        else:  # no Wald restriction "all but the constant" exists: statsmodels gives NaN
            assert np.isnan(res.fvalue) and np.isnan(ref.fvalue)
    # hasconst=False overrides the detection (uncentered R^2, as statsmodels)
    res, ref = OLS(y, Xd, hasconst=False).fit(), sm.OLS(y, Xd, hasconst=False).fit()
    assert res.k_constant == 0 == ref.k_constant
    assert_allclose(res.rsquared, ref.rsquared, rtol=RTOL)
    # two dummies of three do not span the constant
    assert OLS(y, Xd[:, :-1]).k_constant == 0 == sm.OLS(y, Xd[:, :-1]).k_constant


def test_cached_arrays_are_read_only(data):
    y, X = data
    res = OLS(y, X).fit()
    before = res.params.copy()
    for name in [
        "params",
        "bse",
        "tvalues",
        "pvalues",
        "resid",
        "fittedvalues",
        "wresid",
        "aliased",
        "normalized_cov_params",
        "eigenvals",
        "cov_HC0",
        "HC3_se",
    ]:
        arr = getattr(res, name)
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 99
    assert_array_equal(res.params, before)
    res.cov_params()[0, 0] = 99.0  # a method returns a fresh copy the caller may change
    assert res.cov_params()[0, 0] != 99.0


def test_predict_single_row_series(frame):
    X = sm.add_constant(frame[["x1", "x2"]])
    res, ref = OLS(frame["y"], X).fit(), sm.OLS(frame["y"], X).fit()
    row = X.iloc[2]  # a Series indexed by the column names: one new observation
    assert_allclose(_a(res.predict(row)), _a(ref.predict(X.iloc[[2]])), rtol=RTOL)
    assert_frames(res.get_prediction(row).summary_frame(), ref.get_prediction(X.iloc[[2]]).summary_frame())
    # a single-regressor model: a Series is a column of observations, labelled by its index
    one = OLS(frame["y"], frame["x1"]).fit()
    pred = one.predict(frame["x1"].iloc[:3])
    assert pred.index.equals(frame.index[:3])
    assert_allclose(
        pred.to_numpy(), sm.OLS(frame["y"], frame["x1"]).fit().predict(frame["x1"].iloc[:3]), rtol=RTOL
    )


def test_formula_drops_missing_rows(frame):
    df = frame.copy()
    df.loc[df.index[3], "x1"] = np.nan
    df.loc[df.index[7], "y"] = np.nan
    res, ref = ols(FORMULA, data=df), smf.ols(FORMULA, data=df).fit()
    assert res.nobs == ref.nobs == len(df) - 2
    assert res.resid.index.equals(ref.resid.index)
    order = [list(res.params.index).index(n) for n in ref.params.index]
    assert_matches(res, ref, RTOL, order=order)
    # per-observation weights given for all rows lose the dropped rows too (as statsmodels)
    w = np.linspace(0.5, 2.0, len(df))
    wref = smf.wls(FORMULA, df, weights=w).fit()
    assert_matches(WLS.from_formula(FORMULA, data=df, weights=w).fit(), wref, RTOL, order=order)
    assert_matches(ols(FORMULA, data=df, weights=w), wref, RTOL, order=order)


@pytest.mark.parametrize("scale", [1e-170, 1e160])
def test_extreme_column_scales_are_not_aliased(data, scale):
    # a column measured in tiny or huge units is not collinear: its squared length under/overflows
    # (1e-340, 1e320), so the aliasing test must scale before squaring (as LAPACK's dnrm2)
    y, X = data
    Xs = X.copy()
    Xs[:, 2] *= scale
    ref = sm.OLS(y, X).fit()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollinearityWarning)
        res = OLS(y, Xs).fit()
    assert not res.aliased.any()
    expected = _a(ref.params) / np.where(np.arange(4) == 2, scale, 1.0)
    assert_allclose(res.params, expected, rtol=RTOL)
    assert_allclose(res.ssr, ref.ssr, rtol=RTOL)


@pytest.mark.parametrize("method", ["pivoted", "svd", "normal"])
def test_second_solve_on_huge_column(data, method):
    # lstsq's rank rules are relative to the largest singular value (numpy's too): a column
    # 1e150 long makes the others look dependent.  The regression layer decides aliasing on
    # unit-length columns and solves on power-of-two-scaled columns, so every solver agrees.
    y, X = data
    Xs = X.copy()
    Xs[:, 2] *= 1e150
    ref = sm.OLS(y, X).fit()
    res = OLS(y, Xs).fit(method=method)
    assert_allclose(res.params[2] * 1e150, ref.params[2], rtol=RTOL)
    assert_allclose(np.delete(res.params, 2), np.delete(ref.params, 2), rtol=RTOL)


def test_constant_detection_variants(data):
    y, X = data
    n = y.size
    shifted = X[:, 1:] + 3.0  # no constant column: hasconst=True declares one (statsmodels' option)
    const_last = np.column_stack([X[:, 1:], np.ones(n)])
    const_two = np.column_stack([2.0 * np.ones(n), X[:, 1:]])
    for model, ref in [
        (OLS(y, shifted, hasconst=True), sm.OLS(y, shifted, hasconst=True)),
        (OLS(y, const_last), sm.OLS(y, const_last)),
        (OLS(y, const_two), sm.OLS(y, const_two)),
    ]:
        res, want = model.fit(), ref.fit()
        assert res.k_constant == 1 == want.k_constant
        assert res.model.exog_names == want.model.exog_names
        assert_matches(res, want, RTOL)


def test_formula_with_a_dict_of_columns():
    # formulaic wants a DataFrame; ols converts a plain dict of columns
    rng = np.random.default_rng(7)
    d = {"x": rng.standard_normal(30)}
    d["y"] = 2.0 * d["x"] + 0.5 + rng.standard_normal(30)
    res = ols("y ~ x", data=d)
    ref = sm.OLS(d["y"], sm.add_constant(d["x"])).fit()
    assert list(res.params.index) == ["Intercept", "x"]
    assert_allclose(np.asarray(res.params), ref.params, rtol=1e-10)
