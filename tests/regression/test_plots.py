"""Diagnostic pictures, rendered with Agg and checked by the data they plot.

Oracles: the influence measures (tested elsewhere against statsmodels),
scipy's normal quantiles with R's ``ppoints``, statsmodels' lowess (the
same Cleveland algorithm, rtol 1e-6), and the added-variable identity (the
slope of the residual scatter equals beta_j, its residuals the model's).
"""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from jitla.regression import OLS, lowess

matplotlib.use("Agg")
sm_lowess = pytest.importorskip("statsmodels.nonparametric.smoothers_lowess").lowess


def _fit(n=40, seed=0, pandas=False):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.uniform(0, 4, n), rng.standard_normal(n)])
    y = X @ [1.0, 0.5, -1.0] + 0.2 * X[:, 1] ** 2 + 0.4 * rng.standard_normal(n)
    y[7] += 4.0  # an outlier to be labelled
    if pandas:
        X = pd.DataFrame(X, columns=["const", "x1", "x2"], index=[f"r{i}" for i in range(n)])
        y = pd.Series(y, index=X.index)
    return OLS(y, X).fit()


def test_lowess_matches_statsmodels():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 10, 60)
    y = np.sin(x) + 0.3 * rng.standard_normal(60)
    y[5] += 4
    xs, ys = lowess(x, y)
    ref = sm_lowess(y, x, frac=2 / 3, it=3, delta=0.0)
    assert_allclose(xs, ref[:, 0], rtol=0)
    assert_allclose(ys, ref[:, 1], rtol=1e-6, atol=1e-9)


def test_lowess_rejects_bad_input_and_leaves_it_alone():
    x = np.linspace(0.0, 1.0, 10)
    y = x**2
    x0, y0 = x.copy(), y.copy()
    for kwargs, match in (
        ({"x": x, "y": y[:-1]}, "same length"),
        ({"x": x[:, None], "y": y}, "1-D"),
        ({"x": np.r_[x[:-1], np.nan], "y": y}, "NaN"),
        ({"x": x, "y": y, "frac": 0.0}, "frac must be in"),
        ({"x": x, "y": y, "frac": 1.5}, "frac must be in"),
        ({"x": x, "y": y, "it": -1}, "non-negative integer"),
        ({"x": x, "y": y, "it": 1.5}, "non-negative integer"),
    ):
        with pytest.raises(ValueError, match=match):
            lowess(**kwargs)
    lowess(x, y, frac=1.0, it=0)
    assert_array_equal(x, x0)
    assert_array_equal(y, y0)


def test_four_panels_plot_the_right_data():
    res = _fit()
    infl = res.get_influence()
    fig = res.plot_diagnostics()
    a1, a2, a3, a4 = fig.axes
    fitted, resid = np.asarray(res.fittedvalues), np.asarray(res.resid)
    std = infl.resid_studentized_internal
    assert_allclose(a1.collections[0].get_offsets(), np.column_stack([fitted, resid]))
    smooth = a1.lines[-1]
    assert_allclose(smooth.get_ydata(), lowess(fitted, resid)[1])
    n = len(std)
    q = stats.norm.ppf((np.arange(1, n + 1) - 0.5) / n)
    assert_allclose(a2.collections[0].get_offsets(), np.column_stack([q, np.sort(std)]))
    assert_allclose(a3.collections[0].get_offsets()[:, 1], np.sqrt(np.abs(std)))
    assert_allclose(a4.collections[0].get_offsets(), np.column_stack([infl.hat_matrix_diag, std]))
    # Cook's contour at D = 0.5: r^2 h / (p (1 - h)) = 0.5 along the curve
    contour = a4.lines[1]
    h, r = contour.get_xdata(), contour.get_ydata()
    assert_allclose(r**2 * h / (3 * (1 - h)), 0.5, rtol=1e-12)
    labels = {t.get_text() for t in a1.texts}
    assert "7" in labels and len(a1.texts) == 3
    worst_cook = np.argsort(-infl.cooks_distance[0])[:3]
    assert {t.get_text() for t in a4.texts} == {str(i) for i in worst_cook}


def test_labels_use_the_pandas_index_and_small_n_ppoints():
    res = _fit(n=9, pandas=True)
    fig = res.plot_diagnostics(id_n=2, smooth=False)
    assert all(t.get_text().startswith("r") for t in fig.axes[0].texts)
    q = stats.norm.ppf((np.arange(1, 10) - 3 / 8) / (9 + 1 - 3 / 4))
    assert_allclose(fig.axes[1].collections[0].get_offsets()[:, 0], q)
    assert len(fig.axes[0].lines) == 1  # the zero line only: no smoother


def test_added_variable_plot_slope_is_the_coefficient():
    res = _fit()
    fig = res.plot_partregress()
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2
    for ax, j in zip(fig.axes, [1, 2], strict=False):
        pts = ax.collections[0].get_offsets()
        ex, ey = pts[:, 0], pts[:, 1]
        slope = (ex @ ey) / (ex @ ex)
        assert_allclose(slope, res.params[j], rtol=1e-10)
        assert_allclose(ey - slope * ex, res.resid, rtol=1e-8, atol=1e-10)
    single = res.plot_partregress(2)
    assert len([ax for ax in single.axes if ax.get_visible()]) == 1


def test_ccpr_and_influence_plot_data():
    res = _fit()
    X = res.model.exog
    fig = res.plot_ccpr([1])
    pts = fig.axes[0].collections[0].get_offsets()
    assert_allclose(pts, np.column_stack([X[:, 1], X[:, 1] * res.params[1] + res.resid]))
    infl = res.get_influence()
    fig = res.plot_influence()
    ax = fig.axes[0]
    assert_allclose(
        ax.collections[0].get_offsets(),
        np.column_stack([infl.hat_matrix_diag, infl.resid_studentized_external]),
    )
    sizes = ax.collections[0].get_sizes()
    assert_allclose(sizes / sizes.max(), infl.cooks_distance[0] / infl.cooks_distance[0].max())
    with pytest.raises(ValueError, match="not a column"):
        res.plot_partregress("nope")
