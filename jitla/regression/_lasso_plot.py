"""Pictures of a lasso / elastic-net fit: the coefficient path and the cross-validation curve.

Both follow glmnet's ``plot.glmnet`` / ``plot.cv.glmnet`` layout: the
horizontal axis is ``log(alpha)`` (natural logarithm, alpha decreasing to the
right as the model grows), the CV-chosen alpha and glmnet's ``lambda.1se``
are dotted vertical lines.  matplotlib is an optional dependency (the
``plot`` extra: ``pip install jitla[plot]``); the functions draw on a
:class:`matplotlib.figure.Figure` of their own (no pyplot state, nothing is
shown) or on the Axes passed, and return the Figure.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_cv", "plot_path"]


def _new_axes(ax):
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError("plotting needs matplotlib: pip install 'jitla[plot]'") from exc
    if ax is None:
        fig = Figure(figsize=(6.4, 4.0))
        ax = fig.add_subplot()
    return ax


def _cv_row(model):
    """(alphas, mse (n_alphas, n_folds)) of the model's chosen l1_ratio."""
    from jitla.regression._estimator import check_is_fitted

    check_is_fitted(model, "alpha_")
    alphas = np.asarray(model.alphas_, dtype=np.float64)
    mse = np.asarray(model.mse_path_, dtype=np.float64)
    if alphas.ndim == 2:  # several l1_ratios: the chosen one's row
        r = int(np.flatnonzero(np.atleast_1d(model.l1_ratio) == model.l1_ratio_)[0])
        alphas, mse = alphas[r], mse[r]
    if mse.ndim == 1:  # one fold
        mse = mse[:, None]
    return alphas, mse


def _mark(ax, alpha, alpha_1se):
    if alpha is not None:
        ax.axvline(np.log(alpha), color="k", linestyle=":", linewidth=1.0, label="alpha_")
    if alpha_1se is not None:
        ax.axvline(np.log(alpha_1se), color="0.5", linestyle=":", linewidth=1.0, label="alpha_1se_")


def plot_path(path, coefs=None, y=None, *, alpha=None, alpha_1se=None, ax=None, feature_names=None):
    """Coefficients against ``log(alpha)``, one line per feature, the chosen alpha(s) marked.

    Two ways to call it:

    * ``plot_path(alphas, coefs)``: a path as :func:`lasso_path` /
      :func:`enet_path` return it (``coefs`` (n_features, n_alphas)); mark
      ``alpha`` / ``alpha_1se`` if given.
    * ``plot_path(cv_model, X, y)``: a fitted :class:`LassoCV` /
      :class:`ElasticNetCV`; the path is computed here on (X, y) over the
      model's ``alphas_`` (its ``l1_ratio_``, intercept, ``standardize``,
      ``tol`` and ``max_iter``: the coefficients of the final fit's problem at
      every alpha, in the units of X) and ``alpha_`` and ``alpha_1se_``
      are marked.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Draw there instead of on a new Figure.
    feature_names : sequence of str, optional
        Line labels (default ``x0, x1, ...``).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0].lines[j]`` is feature j's line (x: ``log(alphas)``,
        y: its coefficients); the vertical markers follow.

    Notes
    -----
    Cost of the second form: one warm-started path (see :func:`enet_path`).
    """
    if coefs is not None and hasattr(path, "alphas_"):
        model = path
        from jitla.regression._estimator import check_X, check_y
        from jitla.regression._lasso import _Design, _Owner, _run_path, _warn_not_converged

        alphas, _ = _cv_row(model)
        ratio = getattr(model, "l1_ratio_", 1.0)
        A = check_X(_Owner(), coefs, reset=True, copy=False)
        Y = check_y(y, A.shape[0])
        design = _Design(A, Y.reshape(-1), None, model.fit_intercept, False, model.standardize)
        C, _, _, failed = _run_path(
            design, design.Y, alphas, ratio, model.tol, model.max_iter, model.positive
        )
        _warn_not_converged(failed, stacklevel=2)
        alpha, alpha_1se = model.alpha_, model.alpha_1se_
    else:
        alphas = np.asarray(path, dtype=np.float64).ravel()
        C = np.asarray(coefs, dtype=np.float64)
        if C.ndim != 2 or C.shape[1] != alphas.shape[0]:
            raise ValueError(f"coefs must be (n_features, {alphas.shape[0]}), got shape {C.shape}")
    if (alphas <= 0).any():
        raise ValueError("alphas must be positive to be drawn on a log scale")
    ax = _new_axes(ax)
    names = feature_names if feature_names is not None else [f"x{j}" for j in range(C.shape[0])]
    x = np.log(alphas)
    for j in range(C.shape[0]):
        ax.plot(x, C[j], linewidth=1.0, label=str(names[j]))
    _mark(ax, alpha, alpha_1se)
    ax.set_xlabel("log(alpha)")
    ax.set_ylabel("coefficient")
    ax.invert_xaxis()  # glmnet: the model grows to the right
    return ax.figure


def plot_cv(model, *, ax=None):
    """Mean cross-validated MSE against ``log(alpha)`` with a band of +-1 standard error.

    *model*: a fitted :class:`LassoCV` / :class:`ElasticNetCV` (its chosen
    ``l1_ratio_``'s row).  The standard error of each alpha is
    ``std(fold MSEs, ddof=1) / sqrt(n_folds)`` (glmnet's ``cvsd`` with equal
    fold weights); ``alpha_`` and ``alpha_1se_`` are marked.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0].lines[0]`` is the mean curve, ``collections[0]`` the
        band; the vertical markers follow the curve.
    """
    alphas, mse = _cv_row(model)
    mean = mse.mean(axis=1)
    k = mse.shape[1]
    se = mse.std(axis=1, ddof=1) / np.sqrt(k) if k > 1 else np.zeros_like(mean)
    ax = _new_axes(ax)
    x = np.log(alphas)
    ax.plot(x, mean, color="C3", marker=".", linewidth=1.0, label="mean CV MSE")
    ax.fill_between(x, mean - se, mean + se, color="C3", alpha=0.2, linewidth=0, label="+-1 SE")
    _mark(ax, model.alpha_, model.alpha_1se_)
    ax.set_xlabel("log(alpha)")
    ax.set_ylabel("mean squared error")
    ax.invert_xaxis()
    return ax.figure
