"""Box-Cox and Box-Tidwell (MPV Sec. 5.3-5.4).

Oracles: with no design, :func:`scipy.stats.boxcox` / ``boxcox_llf`` (the same
likelihood); with a design, ``naive.boxcox_llf`` (exact normal equations) and
a brute-force maximiser over it; for Box-Tidwell, scipy's bounded scalar
minimiser of the profile residual sum of squares, and statsmodels' OLS for
the score test.  Optimiser-limited quantities (the MLE, interval edges)
agree to 1e-6; likelihood values are sums over n <= 60: rtol 1e-10.
"""

import matplotlib
import naive
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import optimize, stats

from jitla.regression import box_tidwell, boxcox, boxcox_llf

matplotlib.use("Agg")
sm = pytest.importorskip("statsmodels.api")


def _sample(n=50, seed=0):
    return np.random.default_rng(seed).lognormal(size=n)


def _model(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 5, n)
    X = np.column_stack([np.ones(n), x, rng.standard_normal(n)])
    y = (1 + 0.5 * x + 0.2 * X[:, 2] + 0.1 * rng.standard_normal(n)) ** 2
    return X, y


def test_no_design_equals_scipy_boxcox():
    y = _sample()
    y_before = y.copy()
    out = boxcox(y)
    transformed, lmbda, ci = stats.boxcox(y, alpha=0.05)
    assert_allclose(out.lmbda, lmbda, rtol=1e-6, atol=1e-7)
    assert_allclose(out.conf_int, ci, rtol=1e-6, atol=1e-7)
    assert_allclose(out.transform(y, lmbda), transformed, rtol=1e-12)
    for lam in (0.0, 0.3, -1.5, 3.0, 40.0):
        assert_allclose(boxcox_llf(lam, y), stats.boxcox_llf(lam, y), rtol=1e-12)
    assert_array_equal(y, y_before)


def test_with_design_against_exact_profile_likelihood():
    X, y = _model()
    X_before = X.copy()
    out = boxcox(y, X)
    for lam in (0.0, 0.5, -0.7):
        assert_allclose(boxcox_llf(lam, y, X), naive.boxcox_llf(lam, y, X), rtol=1e-10)
    best = optimize.minimize_scalar(
        lambda lam: -naive.boxcox_llf(lam, y, X), bounds=(-2, 2), method="bounded", options={"xatol": 1e-9}
    )
    assert_allclose(out.lmbda, best.x, atol=1e-6)
    cut = naive.boxcox_llf(out.lmbda, y, X) - 0.5 * stats.chi2.ppf(0.95, 1)
    for edge in out.conf_int:
        assert_allclose(naive.boxcox_llf(edge, y, X), cut, rtol=1e-9)
    assert out.conf_int[0] < out.lmbda < out.conf_int[1]
    assert_allclose(out.llf_curve, boxcox_llf(out.lmbdas, y, X), rtol=1e-12)
    assert_array_equal(X, X_before)


def test_layouts_dtypes_and_rank_deficiency_give_the_same_fit():
    X, y = _model()
    ref = boxcox(y, X)
    for variant in (np.asfortranarray(X), np.hstack([X, X[:, 1:2]]), X.astype(np.float32).astype(np.float64)):
        got = boxcox(y, variant)
        assert_allclose(got.lmbda, ref.lmbda, atol=1e-6 if variant.dtype == np.float64 else 1e-3)
    assert boxcox(y, np.hstack([X, X[:, 1:2]])).rank == 3
    assert_allclose(
        boxcox(y.astype(np.float32), X).lmbda, boxcox(y.astype(np.float32).astype(float), X).lmbda
    )


def test_plot_draws_the_curve_and_marks():
    X, y = _model()
    out = boxcox(y, X, alpha=0.1)
    fig = out.plot()
    ax = fig.axes[0]
    curve = ax.lines[0]
    assert_allclose(curve.get_xdata(), out.lmbdas)
    assert_allclose(curve.get_ydata(), out.llf_curve)
    xs = [line.get_xdata()[0] for line in ax.lines[1:] if line.get_xdata()[0] == line.get_xdata()[1]]
    assert_allclose(sorted(xs), sorted([out.lmbda, *out.conf_int]))
    cut = [line.get_ydata()[0] for line in ax.lines[1:] if line.get_ydata()[0] == line.get_ydata()[1]]
    assert_allclose(cut, [out.llf - 0.5 * stats.chi2.ppf(0.9, 1)])


def test_boxcox_errors():
    X, y = _model()
    with pytest.raises(ValueError, match="Data must be positive."):
        boxcox(np.r_[y[:-1], 0.0], X)
    with pytest.raises(ValueError, match="alpha must be between"):
        boxcox(y, X, alpha=1.5)
    with pytest.raises(ValueError, match="same number of observations"):
        boxcox(y, X[:-1])
    with pytest.raises(ValueError, match="infs or NaNs"):
        boxcox(np.r_[y[:-1], np.nan], X)
    with pytest.raises(ValueError, match="must not be constant"):
        boxcox(np.full(10, 2.0))


def _tidwell_data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.uniform(1, 5, n), rng.uniform(0.5, 3, n)
    X = np.column_stack([np.ones(n), x1, x2])
    y = 2 + 3 * x1**-0.5 + 0.8 * x2**2 + 0.01 * rng.standard_normal(n)
    return X, y


def _profile_ssr(a, X, y, cols):
    W = X.copy()
    W[:, cols] = X[:, cols] ** a
    r = y - W @ np.linalg.lstsq(W, y, rcond=None)[0]
    return r @ r


def test_box_tidwell_one_column_against_direct_minimisation():
    X, y = _tidwell_data()
    X_before = X.copy()
    out = box_tidwell(y, X, 1)
    best = optimize.minimize_scalar(
        lambda a: _profile_ssr(np.array([a]), X, y, [1]),
        bounds=(-3, 3),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert out.converged and out.columns == (1,)
    assert_allclose(out.powers, [best.x], atol=1e-6)
    assert_allclose(out.ssr, _profile_ssr(out.powers, X, y, [1]), rtol=1e-10)
    assert_array_equal(X, X_before)


def test_box_tidwell_two_columns_and_score_test():
    X, y = _tidwell_data()
    out = box_tidwell(y, X, [1, 2])
    best = optimize.minimize(
        lambda a: _profile_ssr(a, X, y, [1, 2]),
        x0=out.powers + 0.05,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-16, "maxiter": 4000},
    )
    assert_allclose(out.powers, best.x, atol=1e-5)
    assert out.ssr <= _profile_ssr(best.x, X, y, [1, 2]) * (1 + 1e-10)
    aug = np.column_stack([X, X[:, 1] * np.log(X[:, 1]), X[:, 2] * np.log(X[:, 2])])
    t = sm.OLS(y, aug).fit().tvalues[3:]
    assert_allclose(out.score_statistic, t, rtol=1e-9)
    assert_allclose(out.score_pvalue, 2 * stats.norm.sf(np.abs(t)), rtol=1e-9)


def test_box_tidwell_errors():
    X, y = _tidwell_data()
    bad = X.copy()
    bad[0, 1] = -1.0
    with pytest.raises(ValueError, match="must be positive"):
        box_tidwell(y, bad, 1)
    with pytest.raises(ValueError, match="distinct column indices"):
        box_tidwell(y, X, [1, 1])
    with pytest.raises(ValueError, match="distinct column indices"):
        box_tidwell(y, X, 5)
    with pytest.raises(ValueError, match="sequence of ints"):
        box_tidwell(y, X, 1.5)
