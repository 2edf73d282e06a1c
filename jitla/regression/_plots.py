"""Diagnostic pictures of a linear fit: R's ``plot(lm)`` panels, added-variable, CCPR and influence plots.

Every function returns a matplotlib Figure built with the object-oriented
API (``matplotlib.figure.Figure``, no pyplot state, nothing shown), so it
works under any backend and in tests with Agg.  matplotlib is an optional
extra (``pip install 'jitla[plot]'``).

References: R's ``plot.lm`` (Becker, Chambers & Wilks; the panels of
``stats:::plot.lm``), Cook & Weisberg, *Residuals and Influence in
Regression* (1982), Montgomery, Peck & Vining, Sec. 4.2.
"""

from __future__ import annotations

import numpy as np

from jitla.regression._lasso_plot import _new_axes

__all__ = ["lowess", "plot_diagnostics", "plot_partregress", "plot_ccpr", "plot_influence"]


def _figure(nrows: int, ncols: int, size=(10.0, 8.0)):
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError("plotting needs matplotlib: pip install 'jitla[plot]'") from exc
    fig = Figure(figsize=size)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes.ravel()


def lowess(x, y, frac=2.0 / 3.0, it=3):
    """Cleveland's robust locally weighted linear smoother, evaluated at the sorted x.

    For each x_i, a straight line is fitted to its ``floor(frac * n)``
    nearest neighbours with tricube weights ``(1 - (d/h)^3)^3``, h the
    distance to the farthest of them; then *it* robustness passes
    reweight the points by the bisquare of their residual over six median
    absolute residuals (Cleveland 1979, *JASA* 74, 829-836, with the
    cut-offs of his ``clowess``: the smoother of R's ``lowess`` and
    statsmodels' ``lowess`` with ``delta=0``; R's default ``delta``
    interpolation shortcut is not used).

    Parameters
    ----------
    x, y : (n,) array_like
    frac : float
        Span, the fraction of points in each local fit.
    it : int
        Robustness iterations.

    Returns
    -------
    xs, ys : (n,) ndarray
        Sorted x and the smoothed values there.

    Notes
    -----
    O(n^2) time (every local fit looks at all points), O(n) memory.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"x and y must be 1-D, got shapes {x.shape} and {y.shape}")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.shape[0]} and {y.shape[0]}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must not contain NaN or inf (drop those points first)")
    if not 0.0 < frac <= 1.0:
        raise ValueError(f"frac must be in (0, 1], got {frac!r}")
    if int(it) != it or it < 0:
        raise ValueError(f"it must be a non-negative integer, got {it!r}")
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    n = xs.shape[0]
    if n < 2:
        return xs, ys.copy()
    ns = max(min(int(frac * n + 1e-7), n), 2)  # neighbours per local fit (Cleveland's clowess)
    span = xs[-1] - xs[0]
    robust = np.ones(n)
    fitted = np.empty(n)
    for step in range(int(it) + 1):
        for i in range(n):
            d = np.abs(xs - xs[i])
            h = np.partition(d, ns - 1)[ns - 1]  # distance to the ns-th nearest point (itself first)
            w = np.zeros(n)
            inside = d <= 0.999 * h
            w[inside] = (1.0 - (d[inside] / h) ** 3) ** 3 if h > 0 else 1.0
            w[d <= 0.001 * h] = 1.0
            w *= robust
            sw = w.sum()
            if sw <= 0.0:
                fitted[i] = ys[i]
                continue
            w /= sw
            xm = w @ xs
            sxx = w @ (xs - xm) ** 2
            if np.sqrt(sxx) > 0.001 * span:
                w = w * (1.0 + (xs[i] - xm) * (xs - xm) / sxx)
            fitted[i] = w @ ys
        if step == int(it):
            break
        resid = ys - fitted
        cmad = 6.0 * np.median(np.abs(resid))
        if cmad < 1e-7 * np.mean(np.abs(resid)) or cmad == 0.0:
            break
        u = np.abs(resid) / cmad
        robust = np.where(u <= 0.001, 1.0, np.where(u <= 0.999, (1.0 - u**2) ** 2, 0.0))
    return xs, fitted


def _ppoints(n: int) -> np.ndarray:
    """R's ``ppoints``: ``(i - a) / (n + 1 - 2a)``, a = 3/8 for n <= 10, else 1/2."""
    a = 3.0 / 8.0 if n <= 10 else 0.5
    return (np.arange(1, n + 1) - a) / (n + 1 - 2 * a)


def _label_worst(ax, x, y, score, labels, k):
    """Annotate the k points with the largest *score* (R's ``id.n``)."""
    if k <= 0:
        return []
    worst = np.argsort(-score, kind="stable")[:k]
    for i in worst:
        ax.annotate(str(labels[i]), (x[i], y[i]), fontsize=8, xytext=(3, 3), textcoords="offset points")
    return worst.tolist()


def _row_labels(res):
    labels = getattr(res.model, "row_labels", None)
    n = np.asarray(res.model.endog).shape[0]
    return list(range(n)) if labels is None else list(labels)


def plot_diagnostics(res, *, id_n=3, smooth=True):
    """R's four ``plot(lm)`` panels for a fitted linear model.

    1. Residuals vs fitted values, with a lowess smoother (curvature =
       a missing term).
    2. Normal Q-Q of the standardized (internally studentized) residuals
       against ``qnorm(ppoints(n))``, with the line through the quartiles.
    3. Scale-location: ``sqrt(|standardized residual|)`` vs fitted, with a
       smoother (a trend = non-constant variance).
    4. Standardized residuals vs leverage, with Cook's distance contours
       at 0.5 and 1: ``r = +-sqrt(D p (1 - h) / h)``.

    The *id_n* most extreme points are labelled by their row label (index
    for pandas input, else position): largest |residual| in panels 1-3,
    largest Cook's distance in panel 4.

    Parameters
    ----------
    res : RegressionResults
        An OLS/WLS fit (weighted residuals and leverages for WLS).
    id_n : int
        How many points to label per panel.
    smooth : bool
        Draw the lowess smoothers.

    Returns
    -------
    matplotlib.figure.Figure
        Four axes, in R's order; the plotted data are the lines' and
        collections' data (``fig.axes[k]``).
    """
    from scipy import stats

    infl = res.get_influence()
    fitted = np.asarray(res.fittedvalues, dtype=np.float64)
    resid = np.asarray(res.wresid, dtype=np.float64)
    std = np.asarray(infl.resid_studentized_internal, dtype=np.float64)
    h = np.asarray(infl.hat_matrix_diag, dtype=np.float64)
    cooks = np.asarray(infl.cooks_distance[0], dtype=np.float64)
    labels = _row_labels(res)
    p = int(res.rank)
    fig, (a1, a2, a3, a4) = _figure(2, 2)

    a1.scatter(fitted, resid, s=12, facecolors="none", edgecolors="k")
    a1.axhline(0.0, color="0.6", linestyle=":")
    if smooth:
        a1.plot(*lowess(fitted, resid), color="C3")
    _label_worst(a1, fitted, resid, np.abs(resid), labels, id_n)
    a1.set(xlabel="Fitted values", ylabel="Residuals", title="Residuals vs Fitted")

    n = std.shape[0]
    order = np.argsort(std, kind="stable")
    theo = stats.norm.ppf(_ppoints(n))
    a2.scatter(theo, std[order], s=12, facecolors="none", edgecolors="k")
    q_s = np.quantile(std, [0.25, 0.75])
    q_t = stats.norm.ppf([0.25, 0.75])
    slope = (q_s[1] - q_s[0]) / (q_t[1] - q_t[0])
    a2.axline((q_t[0], q_s[0]), slope=slope, color="0.6", linestyle=":")
    worst = np.argsort(-np.abs(std), kind="stable")[:id_n]
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[order] = np.arange(n)
    for i in worst:
        a2.annotate(
            str(labels[i]), (theo[rank_of[i]], std[i]), fontsize=8, xytext=(3, 3), textcoords="offset points"
        )
    a2.set(xlabel="Theoretical Quantiles", ylabel="Standardized residuals", title="Normal Q-Q")

    root = np.sqrt(np.abs(std))
    a3.scatter(fitted, root, s=12, facecolors="none", edgecolors="k")
    if smooth:
        a3.plot(*lowess(fitted, root), color="C3")
    _label_worst(a3, fitted, root, root, labels, id_n)
    a3.set(xlabel="Fitted values", ylabel="sqrt(|Standardized residuals|)", title="Scale-Location")

    a4.scatter(h, std, s=12, facecolors="none", edgecolors="k")
    a4.axhline(0.0, color="0.6", linestyle=":")
    h_max = float(np.nanmax(h)) if h.size else 1.0
    grid = np.linspace(max(1e-3, 0.01 * h_max), min(0.999, 1.05 * h_max), 101)
    for level in (0.5, 1.0):
        r = np.sqrt(level * p * (1.0 - grid) / grid)
        a4.plot(grid, r, color="C3", linestyle="--", linewidth=0.8, label=f"Cook's distance {level:g}")
        a4.plot(grid, -r, color="C3", linestyle="--", linewidth=0.8)
    lim = np.nanmax(np.abs(std)) * 1.1 if n else 1.0
    a4.set_ylim(-lim, lim)
    _label_worst(a4, h, std, np.nan_to_num(cooks, nan=-np.inf), labels, id_n)
    a4.set(xlabel="Leverage", ylabel="Standardized residuals", title="Residuals vs Leverage")
    fig.tight_layout()
    return fig


def _design_columns(res, names):
    exog_names = list(res.model.exog_names)
    const = getattr(res.model, "const_idx", None)
    if names is None:
        return [j for j in range(len(exog_names)) if j != const]
    cols = []
    for name in [names] if isinstance(names, (str, int)) else names:
        if isinstance(name, str):
            if name not in exog_names:
                raise ValueError(f"{name!r} is not a column of the model: {exog_names}")
            cols.append(exog_names.index(name))
        else:
            cols.append(int(name))
    return cols


def _grid(k: int):
    ncols = min(3, k)
    nrows = -(-k // ncols)
    return _figure(nrows, ncols, size=(4.0 * ncols, 3.4 * nrows))


def plot_partregress(res, names=None):
    """Added-variable (partial regression) plots: y and x_j, each with the other regressors removed.

    For regressor j both y and x_j are regressed on the other columns; the
    scatter of the two residual vectors has least-squares slope exactly
    beta_j and residuals exactly the model's (Mosteller & Tukey 1977;
    Cook & Weisberg 1982), so it shows the evidence for x_j and the
    points that drive it.

    Parameters
    ----------
    res : RegressionResults
    names : str, int or sequence, optional
        Columns (names or indices); default every non-constant column.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per column with the scatter and the fitted line (slope
        beta_j through the origin).

    Notes
    -----
    Two least-squares fits on p - 1 columns per panel (jitla's QR via
    :func:`jitla.linalg.lstsq`), O(n p^2) each.
    """
    from jitla.linalg import lstsq

    X = np.asarray(res.model.wexog, dtype=np.float64)
    y = np.asarray(res.model.wendog, dtype=np.float64)
    cols = _design_columns(res, names)
    fig, axes = _grid(len(cols))
    names_all = list(res.model.exog_names)
    for ax, j in zip(axes, cols, strict=False):
        others = np.delete(X, j, axis=1)
        if others.shape[1]:
            ey = y - others @ lstsq(others, y, method="pivoted", compute_s=False)[0]
            ex = X[:, j] - others @ lstsq(others, X[:, j], method="pivoted", compute_s=False)[0]
        else:
            ey, ex = y, X[:, j]
        ax.scatter(ex, ey, s=12, facecolors="none", edgecolors="k")
        slope = float(np.asarray(res.params)[j])
        ax.axline((0.0, 0.0), slope=slope, color="C3")
        ax.set(
            xlabel=f"e({names_all[j]} | others)",
            ylabel="e(y | others)",
            title=f"Added variable: {names_all[j]}",
        )
    for ax in axes[len(cols) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_ccpr(res, names=None):
    """Component-plus-residual (partial residual) plots: ``x_j beta_j + e`` against x_j.

    A straight line with slope beta_j fits the points when x_j enters
    linearly; curvature suggests a transformation of x_j (Larsen &
    McCleary 1972; Wood 1973; Montgomery, Peck & Vining, Sec. 4.2.4).

    Parameters and returns as :func:`plot_partregress`; each panel also
    carries a lowess smoother of the partial residuals.
    """
    X = np.asarray(res.model.exog, dtype=np.float64)
    e = np.asarray(res.resid, dtype=np.float64)
    params = np.asarray(res.params, dtype=np.float64)
    cols = _design_columns(res, names)
    fig, axes = _grid(len(cols))
    names_all = list(res.model.exog_names)
    for ax, j in zip(axes, cols, strict=False):
        comp = X[:, j] * params[j]
        ax.scatter(X[:, j], comp + e, s=12, facecolors="none", edgecolors="k")
        ax.axline((0.0, 0.0), slope=params[j], color="C0")
        ax.plot(*lowess(X[:, j], comp + e), color="C3", linestyle="--")
        ax.set(xlabel=names_all[j], ylabel="Component + residual", title=f"CCPR: {names_all[j]}")
    for ax in axes[len(cols) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_influence(res, *, id_n=3, size_scale=400.0, ax=None):
    """Influence plot: externally studentized residuals vs leverage, point area proportional to Cook's D.

    Reference lines at leverage ``2p/n`` and ``3p/n`` and residuals
    ``+-2``; the *id_n* points with the largest Cook's distance are
    labelled (as statsmodels' ``influence_plot`` and car's
    ``influencePlot``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    infl = res.get_influence()
    h = np.asarray(infl.hat_matrix_diag, dtype=np.float64)
    t = np.asarray(infl.resid_studentized_external, dtype=np.float64)
    cooks = np.nan_to_num(np.asarray(infl.cooks_distance[0], dtype=np.float64), nan=0.0)
    ax = _new_axes(ax)
    fig = ax.figure
    sizes = size_scale * cooks / cooks.max() if cooks.max() > 0 else np.full(h.shape, 10.0)
    ax.scatter(h, t, s=sizes, alpha=0.5, edgecolors="k")
    n, p = h.shape[0], int(res.rank)
    for level in (2.0, 3.0):
        ax.axvline(level * p / n, color="0.6", linestyle=":")
    for level in (-2.0, 2.0):
        ax.axhline(level, color="0.6", linestyle=":")
    _label_worst(ax, h, t, cooks, _row_labels(res), id_n)
    ax.set(xlabel="Leverage (H)", ylabel="Studentized residuals", title="Influence plot")
    return fig
