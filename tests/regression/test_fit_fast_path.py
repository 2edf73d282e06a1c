"""The one-call fit (jitla.linalg._checked.least_squares_qr) behind OLS / WLS / GLS and LinearRegression.

A full-rank design takes the fast path: one kernel computes R, the
coefficients, ``D R^{-1}`` and the residual sum of squares, and the results
object starts with them cached.  These tests check that path against the
general one it short-cuts (aliasing decided column by column, the inverse
factor and SSR computed by the results object), against statsmodels and
scikit-learn, and that everything that leaves it (collinear columns,
coefficients out of range) still does what it did: NaN coefficients and a
CollinearityWarning.  Tolerances: the fast and the general path do the same
operations with sums in another order, so they agree to a few ulps of
well-conditioned problems (rtol 1e-13); against statsmodels, RTOL of
test_ols.py (1e-10: kappa < 10, module docstring there).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.linalg._checked import least_squares_qr
from jitla.regression import GLS, OLS, WLS, CollinearityWarning, LinearRegression, MissingDataError
from jitla.regression._fit import _fit_from_r, default_tol, fit_least_squares
from jitla.regression._results import RegressionResults

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-10


def _data(n=60, p=3, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, p - 1))])
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    w = rng.uniform(0.5, 2.0, n)
    return X, y, w


def _models(X, y, w):
    return [
        (OLS(y, X), sm.OLS(y, X)),
        (WLS(y, X, weights=w), sm.WLS(y, X, weights=w)),
        (GLS(y, X, sigma=1.0 / w), sm.GLS(y, X, sigma=1.0 / w)),
    ]


@pytest.mark.parametrize("kind", ["OLS", "WLS", "GLS"])
def test_fast_path_equals_the_general_path_on_the_same_r(kind):
    X, y, w = _data()
    model = dict(zip(["OLS", "WLS", "GLS"], [m for m, _ in _models(X, y, w)], strict=True))[kind]
    fast = model.fit()
    assert fast._fit.Rinv is not None  # the kernel's path was taken
    Xf, yf, sqrt_w = model._fit_inputs()
    # the general path (aliasing column by column, no cached extras) from the very same R
    R_full = least_squares_qr(Xf, yf[:, np.newaxis], sqrt_w, False, 0.0)[1]
    general_fit = _fit_from_r(
        R_full, X.shape[0], 3, method="qr", refine=False, tol=default_tol(X.shape[0], 3)
    )
    assert general_fit.Rinv is None
    general = RegressionResults(
        model, general_fit, method="qr", refine=False, cov_type="nonrobust", use_t=True
    )
    for name in ("params", "bse", "tvalues", "pvalues", "fittedvalues", "resid"):
        assert_allclose(getattr(fast, name), getattr(general, name), rtol=1e-13, atol=1e-14, err_msg=name)
    for name in ("ssr", "scale", "rsquared", "llf", "fvalue"):
        assert_allclose(getattr(fast, name), getattr(general, name), rtol=1e-13, err_msg=name)
    assert_allclose(fast.cov_params(), general.cov_params(), rtol=1e-13, atol=1e-16)
    assert_allclose(fast.normalized_cov_params, general.normalized_cov_params, rtol=1e-13, atol=1e-16)
    assert_allclose(fast.HC3_se, general.HC3_se, rtol=1e-13)


def test_ols_wls_gls_match_statsmodels_on_the_fast_path():
    X, y, w = _data()
    for model, ref_model in _models(X, y, w):
        res, ref = model.fit(), ref_model.fit()
        assert_allclose(res.params, ref.params, rtol=RTOL)
        assert_allclose(res.bse, ref.bse, rtol=RTOL)
        assert_allclose(res.ssr, ref.ssr, rtol=RTOL)
        assert_allclose(res.cov_params(), ref.cov_params(), rtol=RTOL, atol=1e-16)
        assert_allclose(res.HC1_se, ref.HC1_se, rtol=RTOL)


def test_bse_ssr_and_cov_params_are_consistent():
    X, y, w = _data(p=4, seed=3)
    for model, _ in _models(X, y, w):
        res = model.fit()
        assert_allclose(res.bse, np.sqrt(np.diag(res.cov_params())), rtol=1e-14)
        e = res.wresid
        assert_allclose(res.ssr, e @ e, rtol=1e-13)


def test_pandas_and_numpy_input_give_the_same_numbers():
    X, y, _ = _data()
    frame = pd.DataFrame(X, columns=["const", "a", "b"], index=pd.RangeIndex(100, 160))
    series = pd.Series(y, index=frame.index, name="target")
    res_np, res_pd = OLS(y, X).fit(), OLS(series, frame).fit()
    assert isinstance(res_pd.bse, pd.Series) and list(res_pd.bse.index) == ["const", "a", "b"]
    assert isinstance(res_np.bse, np.ndarray)
    assert_array_equal(res_pd.bse.to_numpy(), res_np.bse)
    assert_array_equal(res_pd.params.to_numpy(), res_np.params)
    assert res_pd.ssr == res_np.ssr
    assert list(res_pd.resid.index) == list(frame.index)
    # a DataFrame's values are often F-ordered: converted once, same answer
    frame_f = pd.DataFrame(np.asfortranarray(X), columns=["const", "a", "b"])
    assert_array_equal(OLS(y, frame_f).fit().bse.to_numpy(), res_np.bse)


def test_constant_column_found_once_names_and_k_constant():
    X, y, _ = _data()
    moved = X[:, [1, 0, 2]]  # the constant in the middle
    res = OLS(y, moved).fit()
    assert res.model.exog_names == ["x1", "const", "x2"]
    assert res.k_constant == 1
    assert OLS(y, X[:, 1:]).fit().model.exog_names == ["x1", "x2"]
    zero = X.copy()
    zero[:, 0] = 0.0  # constant but zero: not an intercept (and aliased)
    with pytest.warns(CollinearityWarning):
        assert OLS(y, zero).fit().model.exog_names == ["x1", "x2", "x3"]


@pytest.mark.parametrize("where", ["endog", "exog"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_is_missing_data(where, bad):
    X, y, _ = _data()
    X, y = X.copy(), y.copy()
    if where == "endog":
        y[7] = bad
    else:
        X[11, 2] = bad
    with pytest.raises(MissingDataError, match=f"{where} contains inf or nans"):
        OLS(y, X)
    frame = pd.DataFrame(np.asfortranarray(X))
    with pytest.raises(MissingDataError, match=f"{where} contains inf or nans"):
        OLS(pd.Series(y), frame)


@pytest.mark.parametrize("make", ["duplicate", "combination", "zero"])
def test_aliased_columns_still_nan_with_a_warning(make):
    X, y, _ = _data(p=4)
    X = X.copy()
    if make == "duplicate":
        X[:, 3] = X[:, 1]
    elif make == "combination":
        X[:, 3] = 2.0 * X[:, 1] - X[:, 2]
    else:
        X[:, 3] = 0.0
    with pytest.warns(CollinearityWarning, match="x3"):
        res = OLS(y, X).fit()
    assert res._fit.Rinv is None  # left the fast path
    assert res.aliased.tolist() == [False, False, False, True]
    assert np.isnan(res.params[3]) and np.isnan(res.bse[3])
    ref = sm.OLS(y, X[:, :3]).fit()
    assert_allclose(res.params[:3], ref.params, rtol=RTOL)
    assert_allclose(res.bse[:3], ref.bse, rtol=RTOL)
    assert_allclose(res.ssr, ref.ssr, rtol=RTOL)
    with pytest.warns(CollinearityWarning, match="x2"):  # scikit-learn's names count from x0
        est = LinearRegression().fit(X[:, 1:], y)
    assert np.isnan(est.coef_[2]) and est.rank_ == 2


def test_coefficient_out_of_range_leaves_the_fast_path_with_a_warning():
    X, y, _ = _data(p=4)
    X = X.copy()
    X[:, 2] *= 1e-310
    with pytest.warns(CollinearityWarning, match="outside float64's range"):
        res = OLS(y, X).fit()
    assert res.aliased.tolist() == [False, False, True, False]


def test_inputs_are_not_modified_and_read_only_inputs_work():
    X, y, w = _data()
    for arrays in ((X, y, w), tuple(np.asfortranarray(a) for a in (X, y, w))):
        copies = [a.copy() for a in arrays]
        for a in arrays:
            a.flags.writeable = False
        Xa, ya, wa = arrays
        res = WLS(ya, Xa, weights=wa).fit()
        assert np.isfinite(np.concatenate([res.bse, res.HC3_se, res.resid])).all()
        assert np.isfinite(OLS(ya, Xa).fit().bse).all()
        assert np.isfinite(LinearRegression().fit(Xa[:, 1:], ya, sample_weight=wa).coef_).all()
        for a, b in zip(arrays, copies, strict=True):
            assert_array_equal(a, b)
            assert not a.flags.writeable
    frame = pd.DataFrame(X, columns=["c", "a", "b"])
    before = frame.copy()
    assert np.isfinite(OLS(pd.Series(y), frame).fit().bse).all()
    pd.testing.assert_frame_equal(frame, before)


def test_results_do_not_share_memory_with_the_fit_or_each_other():
    X, y, _ = _data()
    res = OLS(y, X).fit()
    fit = res._fit
    for name, a in (("params", res.params), ("bse", res.bse), ("_Rinv_s", res._Rinv_s)):
        assert not np.shares_memory(a, fit.params) and not np.shares_memory(a, fit.Rinv), name
        assert not a.flags.writeable, name
    with pytest.raises(ValueError):
        res._Rinv_s[0, 0] = 1.0


@pytest.mark.parametrize("weighted", [False, True])
def test_linear_regression_matches_scikit_learn(weighted):
    skl = pytest.importorskip("sklearn.linear_model")
    X, y, w = _data(n=80, p=5, seed=4)
    X = X[:, 1:] * np.array([1.0, 1e3, 1e-3, 5.0])
    sw = w if weighted else None
    est = LinearRegression().fit(X, y, sample_weight=sw)
    ref = skl.LinearRegression().fit(X, y, sample_weight=sw)
    assert_allclose(est.coef_, ref.coef_, rtol=1e-9)
    assert_allclose(est.intercept_, ref.intercept_, rtol=1e-9)
    assert est.rank_ == ref.rank_ == 4
    Y = np.column_stack([y, 2 * y + 1])
    est2 = LinearRegression().fit(X, Y, sample_weight=sw)
    ref2 = skl.LinearRegression().fit(X, Y, sample_weight=sw)
    assert_allclose(est2.coef_, ref2.coef_, rtol=1e-9)
    assert_allclose(est2.intercept_, ref2.intercept_, rtol=1e-9)


def test_tall_skinny_fit_takes_tsqr_and_matches_statsmodels():
    X, y, w = _data(n=20_000, p=4, seed=5)
    for model, ref_model in _models(X, y, w)[:2]:
        res, ref = model.fit(), ref_model.fit()
        assert res._fit.Rinv is not None
        assert_allclose(res.params, ref.params, rtol=RTOL)
        assert_allclose(res.bse, ref.bse, rtol=RTOL)
        assert_allclose(res.ssr, ref.ssr, rtol=RTOL)


def test_fit_least_squares_fast_result_is_complete():
    X, y, _ = _data()
    fit = fit_least_squares(X, y[:, np.newaxis])
    assert fit.rank == 3 and not fit.aliased.any() and not fit.out_of_range.any()
    assert fit.Rinv.shape == (3, 3) and fit.rinv_sq.shape == (3,) and fit.ssr.shape == (1,)
    assert_array_equal(fit.R, fit.R_all)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_least_squares(X, y[:, np.newaxis], method="svd")  # other methods: unchanged route
