"""Deming regression and calibration (MPV ch. 15).

Oracles: orthogonal regression as the leading right singular vector of the
centred data (lmbda = 1), scipy.odr (the same likelihood, solved
iteratively: rtol 1e-7), brute-force leave-one-out refits for the jackknife
(rtol 1e-10), and for calibration intervals, Brent's root finder on
statsmodels' prediction intervals (rtol 1e-9).
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import optimize, stats

from jitla.regression import OLS, calibrate, deming

sm = pytest.importorskip("statsmodels.api")


def _paired(n=40, seed=0):
    rng = np.random.default_rng(seed)
    xi = rng.uniform(0, 10, n)
    return xi + 0.4 * rng.standard_normal(n), 1.5 + 0.8 * xi + 0.6 * rng.standard_normal(n)


def test_orthogonal_regression_is_the_principal_axis():
    x, y = _paired()
    x0, y0 = x.copy(), y.copy()
    out = deming(x, y, 1.0)
    _, _, vt = np.linalg.svd(np.column_stack([x - x.mean(), y - y.mean()]))
    assert_allclose(out.params[1], vt[0, 1] / vt[0, 0], rtol=1e-12)
    assert_allclose(out.params[0], y.mean() - out.params[1] * x.mean(), rtol=1e-12)
    assert_array_equal(x, x0)
    assert_array_equal(y, y0)


@pytest.mark.parametrize("lmbda", [0.25, 4.0])
def test_matches_scipy_odr(lmbda):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from scipy import odr
    x, y = _paired()
    out = deming(x, y, lmbda)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        data = odr.RealData(x, y, sx=np.ones_like(x), sy=np.full_like(y, np.sqrt(lmbda)))
        fit = odr.ODR(data, odr.unilinear, beta0=[1.0, 0.0], sstol=1e-15, partol=1e-15).run()
    assert_allclose(out.params, fit.beta[::-1], rtol=1e-7)
    ols_slope = np.polyfit(x, y, 1)[0]
    assert abs(deming(x, y, 1e8).params[1] - ols_slope) < 1e-6


def test_jackknife_standard_errors_against_refits():
    x, y = _paired(n=25)
    out = deming(x, y, 2.0, alpha=0.1)
    loo = np.array([deming(np.delete(x, i), np.delete(y, i), 2.0).params for i in range(len(x))])
    n = len(x)
    ref = np.sqrt((n - 1) / n * ((loo - loo.mean(axis=0)) ** 2).sum(axis=0))
    assert_allclose(out.bse, ref, rtol=1e-10)
    q = stats.t.ppf(0.95, n - 2)
    assert_allclose(out.conf_int, np.column_stack([out.params - q * ref, out.params + q * ref]), rtol=1e-10)
    assert_allclose(out.predict([0.0, 1.0]), [out.params[0], out.params.sum()], rtol=1e-14)


def test_deming_errors():
    x, y = _paired()
    with pytest.raises(ValueError, match="lmbda must be a positive"):
        deming(x, y, 0.0)
    with pytest.raises(ValueError, match="same length"):
        deming(x, y[:-1])
    with pytest.raises(ValueError, match="both vary"):
        deming(np.ones(5), np.arange(5.0))
    with pytest.raises(ValueError, match="uncorrelated"):
        deming(np.array([-1.0, 0.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0, -1.0]))


def _line(n=20, seed=1, slope=2.0):
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 10, n)
    X = np.column_stack([np.ones(n), x])
    return X, 1.0 + slope * x + rng.standard_normal(n)


@pytest.mark.parametrize("y0", [12.0, [14.0, 15.0, 13.5]])
def test_inversion_interval_inverts_statsmodels_prediction_intervals(y0):
    X, y = _line()
    res = OLS(y, X).fit()
    out = calibrate(res, y0, alpha=0.05)
    ref = sm.OLS(y, X).fit()
    ys = np.atleast_1d(y0)
    m, ybar = ys.size, ys.mean()
    t = stats.t.ppf(0.975, ref.df_resid)

    def gap(x, side):
        pred = ref.get_prediction(np.array([[1.0, x]]))
        half = t * np.sqrt(pred.se_mean[0] ** 2 + ref.scale / m)
        return pred.predicted_mean[0] + side * half - ybar

    x0 = (ybar - ref.params[0]) / ref.params[1]
    lo = optimize.brentq(gap, x0 - 20, x0, args=(1.0,), xtol=1e-14)
    hi = optimize.brentq(gap, x0, x0 + 20, args=(-1.0,), xtol=1e-14)
    assert out.bounded and out.method == "inversion"
    assert_allclose(out.estimate, x0, rtol=1e-12)
    assert_allclose([out.lower, out.upper], [lo, hi], rtol=1e-9)
    wald = calibrate(res, y0, method="wald")
    assert_allclose([wald.lower, wald.upper], [x0 - t * wald.se, x0 + t * wald.se], rtol=1e-12)


def test_flat_line_gives_unbounded_interval_and_errors():
    X, y = _line(slope=0.02, seed=3)
    out = calibrate(OLS(y, X).fit(), 1.5)
    assert not out.bounded and (out.lower, out.upper) == (-np.inf, np.inf)
    X3 = np.column_stack([X, X[:, 1] ** 2])
    with pytest.raises(ValueError, match="straight-line fit"):
        calibrate(OLS(y, X3).fit(), 1.0)
    with pytest.raises(ValueError, match="method must be"):
        calibrate(OLS(y, X).fit(), 1.0, method="bootstrap")
