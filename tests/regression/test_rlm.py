"""Robust regression (RLM, M-estimation by IRLS) against statsmodels' RLM and norms.

Tolerances: the issue's 1e-8 on params and 1e-6 on bse.  Both libraries run
the same iteration from the same least-squares start and stop at the same
step (same criterion, same count), so in practice the two agree to ~1e-12;
the norms are the same closed forms and agree to a few ulps (rtol 1e-13).
"""

import math
import warnings

import numpy as np
import pytest

sm = pytest.importorskip("statsmodels.api")
smn = pytest.importorskip("statsmodels.robust.norms")
sms = pytest.importorskip("statsmodels.robust.scale")

import naive  # noqa: E402

from jitla.regression import LTS, MM, RLM, CollinearityWarning, ExactFitWarning, RLMConvergenceWarning  # noqa: E402
from jitla.regression import robust_norms as rn  # noqa: E402
from jitla.regression._data import MissingDataError  # noqa: E402
from jitla.regression._high_breakdown import m_scale  # noqa: E402

NORMS = ("HuberT", "TukeyBiweight", "Hampel", "AndrewWave")

_stack = sm.datasets.stackloss.load()
X_STACK = sm.add_constant(np.asarray(_stack.exog, dtype=np.float64))
Y_STACK = np.asarray(_stack.endog, dtype=np.float64)


def _quiet_fit(model, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RLMConvergenceWarning)
        return model.fit(**kw)


def _check_against(res, ref, *, rtol_params=1e-8, rtol_bse=1e-6):
    np.testing.assert_allclose(res.params, ref.params, rtol=rtol_params, atol=0)
    np.testing.assert_allclose(res.bse, ref.bse, rtol=rtol_bse, atol=0)
    np.testing.assert_allclose(res.tvalues, ref.tvalues, rtol=rtol_bse)
    np.testing.assert_allclose(res.pvalues, ref.pvalues, rtol=1e-5, atol=1e-300)
    np.testing.assert_allclose(res.conf_int(0.1), ref.conf_int(0.1), rtol=rtol_bse)
    np.testing.assert_allclose(res.cov_params(), ref.cov_params(), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(res.scale, ref.scale, rtol=1e-8)
    np.testing.assert_allclose(res.weights, ref.weights, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(res.resid, ref.resid, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(res.sresid, ref.sresid, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(res.fittedvalues, ref.fittedvalues, rtol=1e-10)
    np.testing.assert_allclose(res.normalized_cov_params, ref.normalized_cov_params, rtol=1e-10, atol=1e-14)
    assert (res.df_model, res.df_resid, res.nobs) == (ref.df_model, ref.df_resid, ref.nobs)


# ------------------------------------------------------------------------------ norms


def _grid(norm):
    """Both signs, zero, the breakpoints themselves and points just beside them."""
    knots = [getattr(norm, k) for k in ("t", "a", "b", "c") if hasattr(norm, k)]
    if isinstance(norm, rn.AndrewWave):
        knots = [norm.a * math.pi]
    base = np.concatenate([np.linspace(0.0, 12.0, 121), [1e-300, 1e-17, 1e-9, 1e3]])
    for k in knots:
        base = np.concatenate([base, [k, np.nextafter(k, 0), np.nextafter(k, np.inf)]])
    return np.concatenate([-base[::-1], base])


@pytest.mark.parametrize("name", NORMS)
def test_norms_match_statsmodels_and_naive(name):
    ours, ref = getattr(rn, name)(), getattr(smn, name)()
    z = _grid(ours)
    for fn in ("rho", "psi", "weights", "psi_deriv"):
        got = getattr(ours, fn)(z)
        np.testing.assert_allclose(got, getattr(ref, fn)(z), rtol=1e-13, atol=1e-15, err_msg=fn)
        expect = [naive.robust_norm(name, v)[fn] for v in z]
        np.testing.assert_allclose(got, expect, rtol=1e-13, atol=1e-15, err_msg=fn)
    np.testing.assert_allclose(ours(z), ours.rho(z), rtol=0)
    if np.isfinite(ours.max_rho()):
        assert ours.max_rho() == pytest.approx(float(ref.max_rho()), rel=1e-14)


@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("HuberT", {"t": 2.0}),
        ("TukeyBiweight", {"c": 3.0}),
        ("Hampel", {"a": 1.5, "b": 3.5, "c": 9.0}),
        ("AndrewWave", {"a": 1.0}),
    ],
)
def test_norm_tuning_constants(name, kw):
    ours, ref = getattr(rn, name)(**kw), getattr(smn, name)(**kw)
    z = _grid(ours)
    for fn in ("rho", "psi", "weights", "psi_deriv"):
        np.testing.assert_allclose(getattr(ours, fn)(z), getattr(ref, fn)(z), rtol=1e-13, atol=1e-15)


def test_norm_defaults_and_psi_is_rho_derivative():
    assert rn.HuberT().t == 1.345 and rn.TukeyBiweight().c == 4.685 and rn.AndrewWave().a == 1.339
    assert (rn.Hampel().a, rn.Hampel().b, rn.Hampel().c) == (2.0, 4.0, 8.0)
    z = np.linspace(-9.7, 9.7, 97)  # avoids the breakpoints, where rho' has a kink in psi
    h = 1e-6
    for name in NORMS:
        norm = getattr(rn, name)()
        np.testing.assert_allclose((norm.rho(z + h) - norm.rho(z - h)) / (2 * h), norm.psi(z), atol=1e-7)
        np.testing.assert_allclose(norm.weights(z) * z, norm.psi(z), atol=1e-14)


def test_scales_match_statsmodels(rng):
    r = rng.standard_t(3, 101)
    assert rn.mad(r) == pytest.approx(sms.mad(r, center=0), rel=1e-14)
    assert rn.mad(r, center="median") == pytest.approx(sms.mad(r), rel=1e-14)
    for kw in ({}, {"d": 1.5}, {"d": 2.0, "tol": 1e-12, "maxiter": 100}):
        assert rn.HuberScale(**kw)(97.0, 101.0, r) == pytest.approx(
            sms.HuberScale(**kw)(97.0, 101.0, r), rel=1e-13
        )


# ------------------------------------------------------------------------------ fits on stackloss


@pytest.mark.parametrize("name", NORMS)
@pytest.mark.parametrize("cov", ["H1", "H2", "H3"])
@pytest.mark.parametrize("scale", ["mad", "HuberScale"])
def test_stackloss_against_statsmodels(name, cov, scale):
    sm_scale = "mad" if scale == "mad" else sms.HuberScale()
    ref = sm.RLM(Y_STACK, X_STACK, M=getattr(smn, name)()).fit(cov=cov, scale_est=sm_scale)
    res = _quiet_fit(RLM(Y_STACK, X_STACK, M=getattr(rn, name)()), cov=cov, scale_est=scale)
    _check_against(res, ref)
    assert res.n_iter == ref.fit_history["iteration"]
    assert res.fit_options["cov"] == cov and res.fit_options["norm"] == name


@pytest.mark.parametrize("conv", ["dev", "coefs", "weights", "sresid"])
def test_convergence_criteria_stop_where_statsmodels_does(conv):
    ref = sm.RLM(Y_STACK, X_STACK, M=smn.TukeyBiweight()).fit(conv=conv, tol=1e-10)
    res = RLM(Y_STACK, X_STACK, M=rn.TukeyBiweight()).fit(conv=conv, tol=1e-10)
    _check_against(res, ref)
    assert res.n_iter == ref.fit_history["iteration"]


def test_params_alias_for_coefs():
    a = RLM(Y_STACK, X_STACK).fit(conv="params")
    b = RLM(Y_STACK, X_STACK).fit(conv="coefs")
    np.testing.assert_array_equal(a.params, b.params)


def test_default_is_huber_mad_h1_and_the_documented_numbers():
    res = RLM(Y_STACK, X_STACK).fit()
    # statsmodels' RLM docstring example (its columns in the order of the loaded data)
    np.testing.assert_allclose(
        res.params, [-41.02649835, 0.82938433, 0.92606597, -0.12784672], rtol=0, atol=6e-9
    )
    np.testing.assert_allclose(res.bse, [9.79189854, 0.11100521, 0.30293016, 0.12864961], rtol=0, atol=6e-9)
    assert res.fit_options == {"cov": "H1", "scale_est": "mad", "norm": "HuberT", "conv": "dev"}


def test_fixed_scale_start_params_and_maxiter():
    b0 = np.array([-40.0, 0.8, 1.0, -0.1])
    kw = {"start_params": b0, "start_scale": 3.0, "update_scale": False}
    ref = sm.RLM(Y_STACK, X_STACK, M=smn.Hampel()).fit(**kw)
    res = RLM(Y_STACK, X_STACK, M=rn.Hampel()).fit(**kw)
    _check_against(res, ref)
    assert res.scale == 3.0 and res.fit_options["scale_est"] == "fixed"
    ref = sm.RLM(Y_STACK, X_STACK).fit(maxiter=3)
    with pytest.warns(RLMConvergenceWarning, match="did not converge in 3 fits"):
        res = RLM(Y_STACK, X_STACK).fit(maxiter=3)
    _check_against(res, ref)
    assert not res.converged


def test_callable_scales_follow_statsmodels_conventions():
    def aad(resid):
        return math.sqrt(math.pi / 2) * np.mean(np.abs(resid - np.median(resid)))

    def aad_model(model, resid):
        return aad(resid)

    for f in (aad, aad_model):
        ref = sm.RLM(Y_STACK, X_STACK).fit(scale_est=f)
        res = RLM(Y_STACK, X_STACK).fit(scale_est=f)
        _check_against(res, ref)


def test_estimating_equation_holds_at_the_solution():
    # M-estimator with a fixed scale: sum_i psi(r_i / s) x_i = 0 (checked without statsmodels)
    for name in NORMS:
        norm = getattr(rn, name)()
        res = RLM(Y_STACK, X_STACK, M=norm).fit(update_scale=False, start_scale=3.0, conv="coefs", tol=1e-13)
        score = X_STACK.T @ norm.psi(np.asarray(res.resid) / 3.0)
        assert np.max(np.abs(score)) < 1e-9 * np.abs(X_STACK).sum(axis=0).max()


def test_summary_and_predict():
    res = RLM(Y_STACK, X_STACK, M=rn.TukeyBiweight()).fit(cov="H2")
    text = res.summary()
    assert "Robust Linear Model Regression Results" in text
    assert "TukeyBiweight" in text and "H2" in text and "No. Iterations:" in text
    assert f"{res.params[1]:.4f}" in text
    np.testing.assert_allclose(res.predict(), res.fittedvalues, rtol=1e-14)
    Xn = X_STACK[:3] + 1.0
    np.testing.assert_allclose(res.predict(Xn), Xn @ np.asarray(res.params), rtol=1e-14)
    np.testing.assert_allclose(res.chisq, np.asarray(res.tvalues) ** 2, rtol=1e-14)
    with pytest.raises(AttributeError, match="immutable"):
        res.scale = 1.0


# ------------------------------------------------------------------------------ edge cases


def test_one_regressor_and_constant_only(rng):
    x = rng.uniform(1, 5, 40)
    y = 2.0 * x + rng.standard_t(2, 40)
    for X in (x[:, None], np.ones((40, 1))):
        for name in NORMS:
            ref = sm.RLM(y, X, M=getattr(smn, name)()).fit(cov="H2")
            res = RLM(y, X, M=getattr(rn, name)()).fit(cov="H2")
            _check_against(res, ref)


def test_exact_fit_from_the_start():
    # more than half the residuals are rounding: statsmodels iterates on the noise (its test is
    # scale == 0); jitla stops, warns, and reports the exact fit with scale and bse 0
    X = np.column_stack([np.ones(20), np.arange(20.0)])
    y = 1.0 + 2.0 * np.arange(20.0)
    with pytest.warns(ExactFitWarning, match="exactly on the fitted"):
        res = RLM(y, X).fit()
    np.testing.assert_allclose(res.params, [1.0, 2.0], rtol=1e-13)
    assert res.scale == 0.0 and np.all(np.asarray(res.bse) == 0.0) and np.all(np.asarray(res.sresid) == 0)
    np.testing.assert_allclose(res.params, sm.RLM(y, X).fit().params, rtol=1e-12)


def test_exact_fit_reached_by_reweighting():
    X = np.column_stack([np.ones(20), np.arange(20.0)])
    y = 1.0 + 2.0 * np.arange(20.0)
    y[3] += 10.0  # one outlier: the Huber weights pull the fit onto the other 19 points
    with pytest.warns(ExactFitWarning):
        res = RLM(y, X).fit()
    np.testing.assert_allclose(res.params, [1.0, 2.0], rtol=1e-10)
    np.testing.assert_allclose(res.params, sm.RLM(y, X).fit().params, rtol=1e-10)
    assert res.weights[3] < 1e-6


def test_float32_fortran_and_pandas_inputs_untouched():
    pd = pytest.importorskip("pandas")
    ref = sm.RLM(Y_STACK, X_STACK, M=smn.AndrewWave()).fit()
    X32, y32 = X_STACK.astype(np.float32), Y_STACK.astype(np.float32)
    ref32 = sm.RLM(y32.astype(np.float64), X32.astype(np.float64), M=smn.AndrewWave()).fit()
    _check_against(RLM(y32, X32, M=rn.AndrewWave()).fit(), ref32)
    XF = np.asfortranarray(X_STACK)
    keep = XF.copy()
    res = RLM(Y_STACK, XF, M=rn.AndrewWave()).fit()
    _check_against(res, ref)
    np.testing.assert_array_equal(XF, keep)
    df = pd.DataFrame(X_STACK, columns=["const", "air", "water", "acid"], index=np.arange(100, 121))
    yser = pd.Series(Y_STACK, index=df.index, name="loss")
    res = RLM(yser, df, M=rn.AndrewWave()).fit()
    assert list(res.params.index) == ["const", "air", "water", "acid"]
    assert list(res.resid.index) == list(range(100, 121))
    np.testing.assert_allclose(res.bse.to_numpy(), ref.bse, rtol=1e-6)
    assert "loss" in res.summary() and "water" in res.summary()


def test_collinear_column_is_nan_and_the_rest_match():
    X = np.column_stack([X_STACK, X_STACK[:, 1] + X_STACK[:, 2]])
    with pytest.warns(CollinearityWarning):
        res = RLM(Y_STACK, X).fit(cov="H3")
    ref = sm.RLM(Y_STACK, X_STACK).fit(cov="H3")
    assert np.isnan(res.params[4]) and np.isnan(res.bse[4])
    np.testing.assert_allclose(res.params[:4], ref.params, rtol=1e-8)
    np.testing.assert_allclose(res.bse[:4], ref.bse, rtol=1e-6)
    assert (res.df_model, res.df_resid) == (3.0, 17.0)


def test_bad_input_and_options():
    y = Y_STACK.copy()
    y[4] = np.nan
    with pytest.raises(MissingDataError, match="endog contains inf or nans"):
        RLM(y, X_STACK)
    X = X_STACK.copy()
    X[2, 1] = np.inf
    with pytest.raises(MissingDataError, match="exog contains inf or nans"):
        RLM(Y_STACK, X)
    model = RLM(Y_STACK, X_STACK)
    with pytest.raises(ValueError, match="cov must be one of"):
        model.fit(cov="H4")
    with pytest.raises(ValueError, match="conv must be one of"):
        model.fit(conv="loglike")
    with pytest.raises(ValueError, match="start_params must by a 1-d array with 4 values"):
        model.fit(start_params=[1.0, 2.0])
    with pytest.raises(ValueError, match="scale_est must be"):
        model.fit(scale_est="iqr")
    with pytest.raises(TypeError, match="robust norm"):
        RLM(Y_STACK, X_STACK, M="huber")
    with pytest.raises(ValueError, match="more observations than coefficients"):
        RLM(Y_STACK[:4], X_STACK[:4]).fit()


# ------------------------------------------------------------------------------ high breakdown: LTS, MM


def _leverage_data(n=60, frac=0.4, seed=3):
    """A line plus bad leverage points: 40% of the rows moved far out in x with wrong y."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = 1.0 + 2.0 * x + 0.3 * rng.standard_normal(n)
    bad = np.arange(n) < int(frac * n)
    x[bad] = 8.0 + rng.standard_normal(bad.sum())
    y[bad] = -5.0 + rng.standard_normal(bad.sum())
    return np.column_stack([np.ones(n), x]), y, bad


def test_lts_finds_the_exhaustive_optimum():
    rng = np.random.default_rng(11)
    x = rng.standard_normal(12)
    y = 0.5 - x + 0.2 * rng.standard_normal(12)
    y[:4] += rng.uniform(5, 10, 4)
    X = np.column_stack([np.ones(12), x])
    res = LTS(y, X).fit(n_starts=100)
    h = (12 + 2 + 1) // 2
    q, b0, b1 = naive.lts_exhaustive(x, y, h)
    assert res.h == h
    assert res.objective == pytest.approx(q, rel=1e-10)
    np.testing.assert_allclose(res.params, [b0, b1], rtol=1e-8)
    # the fit is a C-step fixed point: least squares on the h rows it fits best
    keep = np.asarray(res.support)
    np.testing.assert_allclose(res.params, np.linalg.lstsq(X[keep], y[keep], rcond=None)[0], rtol=1e-10)


def test_lts_and_mm_resist_bad_leverage_points():
    X, y, bad = _leverage_data()
    huber = RLM(y, X).fit()
    assert abs(huber.params[1] - 2.0) > 1.0  # an M-estimate from least squares breaks down
    lts = LTS(y, X).fit(n_starts=200)
    np.testing.assert_allclose(lts.params, [1.0, 2.0], atol=0.3)
    assert np.all(np.asarray(lts.outliers)[bad])
    # the raw LTS scale assumes the h rows are the central half of a normal sample: with 40% bad rows
    # they are most of the good rows and it overestimates sigma; the reweighted fit's does not
    rw = lts.reweighted
    np.testing.assert_allclose(rw.params, [1.0, 2.0], atol=0.2)
    assert math.sqrt(rw.scale) == pytest.approx(0.3, rel=0.3)
    assert math.sqrt(rw.scale) < lts.scale
    mm = MM(y, X).fit(n_starts=200)
    np.testing.assert_allclose(mm.params, [1.0, 2.0], atol=0.2)
    assert np.all(np.asarray(mm.weights)[bad] == 0.0)
    assert mm.fit_options["method"] == "MM" and mm.fit_options["norm"] == "TukeyBiweight"


def test_s_scale_solves_its_equation_and_matches_statsmodels_mscale(rng):
    c = 1.547645
    r = rng.standard_t(2, 80)
    s = m_scale(r, c)
    rho = smn.TukeyBiweight(c=c)
    assert np.mean(rho.rho(r / s)) / (c * c / 6) == pytest.approx(0.5, rel=1e-10)
    ref = sms.MScale(rho, 0.5 * c * c / 6).fit(r, rtol=1e-12, atol=1e-14, maxiter=1000)
    assert s == pytest.approx(ref, rel=1e-8)


def test_mm_step_matches_statsmodels_from_the_same_s_estimate():
    X, y, _ = _leverage_data(n=50, frac=0.3, seed=5)
    mm = MM(y, X).fit(n_starts=100, cov="H2")
    b_s, s = mm.fit_options["s_params"], mm.fit_options["s_scale"]
    ref = sm.RLM(y, X, M=smn.TukeyBiweight(c=4.685061)).fit(
        start_params=b_s, start_scale=s, update_scale=False, conv="coefs", tol=1e-10, maxiter=200, cov="H2"
    )
    _check_against(mm, ref)
    # statsmodels' deterministic S-estimate (its scale carries a sqrt(n / (n - p)) factor) is no better
    from statsmodels.robust.resistant_linear_model import RLMDetS

    det = RLMDetS(y, X).fit(h=26)
    assert s <= det.scale / math.sqrt(50 / 48) * (1 + 1e-8)
