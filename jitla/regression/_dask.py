"""OLS and WLS on Dask arrays and DataFrames: one pass for the fit, a second only when asked.

``OLS(y, X)`` / ``WLS(y, X, weights)`` with Dask input build the Dask
models of :mod:`jitla.regression._model`; their fits return these results.
The fit reads the data once (:func:`jitla.distributed.design_stats`: the R
factor of ``diag(sqrt(w)) [X | y]`` merged up a fixed tree, plus a few
sums), and everything the in-memory results compute from R -- params,
bse, t/p values, intervals, R^2, F, llf, AIC/BIC, t/F tests -- follows
exactly as for in-memory data, through the same :class:`RegressionResults`
code.  What needs the rows again is a second pass, run only on request:
HC0-HC3 covariances (the meat ``Q^T diag(u) Q`` summed over chunks) and
the residual diagnostics of ``summary()``.  Residuals, fitted values,
influence measures and predictions for new Dask rows are lazy Dask
collections (per-row formulas from R^{-1}, the coefficients and the SSR),
never collected.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from jitla.distributed import map_row_blocks
from jitla.distributed._tsqr import aligned_row_blocks
from jitla.regression._results import PredictionResults, RegressionResults

__all__ = ["DaskRegressionResults", "DaskPredictionResults", "DaskOLSInfluence"]


# --------------------------------------------------------------------------
# second passes (per chunk: numpy; merged in index order)
# --------------------------------------------------------------------------
def _chunk_arrays(X, y, w):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    sw = None if w is None else np.sqrt(np.asarray(w, dtype=np.float64).reshape(-1))
    if sw is not None:
        X = X * sw[:, None]
        y = y * sw
    return X, y


def _sum_arrays(*parts):
    out = parts[0]
    for part in parts[1:]:
        out = tuple(a + b for a, b in zip(out, part, strict=True))
    return out


class _MeatPass:
    """``(sum Q_i^T diag(u) Q_i for HC0..HC3)`` with ``Q_i = sqrt(w) X_i[:, kept] Rinv`` (picklable)."""

    def __init__(self, kept, Rinv, beta):
        self.kept, self.Rinv, self.beta = kept, Rinv, beta

    def __call__(self, i, X, y, w):
        Xw, yw = _chunk_arrays(X, y, w)
        r = self.Rinv.shape[0]
        if Xw.shape[0] == 0:
            z = np.zeros((r, r))
            return (z, z.copy(), z.copy())
        e = yw - Xw @ self.beta
        Q = Xw[:, self.kept] @ self.Rinv
        h = np.einsum("ij,ij->i", Q, Q)
        e2 = e * e
        out = []
        for u in (e2, e2 / (1.0 - h), e2 / (1.0 - h) ** 2):
            out.append((Q * u[:, None]).T @ Q)
        return tuple(out)


class _MomentPass:
    """Residual power sums and the Durbin-Watson pieces of one chunk (picklable)."""

    def __init__(self, beta):
        self.beta = beta

    def __call__(self, i, X, y, w):
        Xw, yw = _chunk_arrays(X, y, w)
        e = yw - Xw @ self.beta
        if e.size == 0:
            return (0, np.zeros(4), 0.0, None, None)
        powers = np.array([e.sum(), (e**2).sum(), (e**3).sum(), (e**4).sum()])
        return (e.size, powers, float((np.diff(e) ** 2).sum()), float(e[0]), float(e[-1]))


def _merge_moments(*parts):
    n, powers, dw, first, last = 0, np.zeros(4), 0.0, None, None
    for m, pw, d, f, lst in parts:
        if m == 0:
            continue
        if last is not None:
            dw += (f - last) ** 2  # the difference across the chunk boundary
        if first is None:
            first = f
        n, powers, dw, last = n + m, powers + pw, dw + d, lst
    return (n, powers, dw, first, last)


class _PredictPass:
    """Per partition of new rows: statsmodels' prediction frame (mean, mean_se, mean_ci_*, obs_ci_*)."""

    def __init__(self, beta, kept, d, Rs, scale, cov_s, df, use_t, alpha):
        self.beta, self.kept, self.d, self.Rs = beta, kept, d, Rs
        self.scale, self.cov_s, self.df, self.use_t, self.alpha = scale, cov_s, df, use_t, alpha

    def __call__(self, part):
        from jitla.linalg import solve_triangular

        X = np.asarray(part, dtype=np.float64)
        X = X[:, np.newaxis] if X.ndim == 1 else X
        mean = X @ self.beta
        Xk = X[:, self.kept] / self.d
        if X.shape[0] == 0:
            var_mean = np.zeros(0)
        elif self.cov_s is None:
            Z = solve_triangular(self.Rs, np.ascontiguousarray(Xk.T), trans=1)
            var_mean = self.scale * np.einsum("ij,ij->j", Z, Z)
        else:
            var_mean = np.einsum("ij,jk,ik->i", Xk, self.cov_s, Xk)
        var_resid = np.full(mean.shape, self.scale)
        frame = PredictionResults(mean, var_mean, var_resid, self.df, self.use_t).summary_frame(self.alpha)
        frame.index = part.index if hasattr(part, "index") else frame.index
        return frame


class _InfluencePass:
    """Per partition: OLSInfluence.summary_frame's columns from R^{-1}, beta and the SSR (picklable)."""

    def __init__(self, names, Rinv, beta, ssr, df_resid):
        self.names, self.Rinv, self.beta, self.ssr, self.df_resid = names, Rinv, beta, ssr, df_resid

    def __call__(self, part, y, w=None):
        import pandas as pd

        Xw, yw = _chunk_arrays(part, y, w)
        p = self.Rinv.shape[0]
        e = yw - Xw @ self.beta
        Q = Xw @ self.Rinv
        h = np.einsum("ij,ij->i", Q, Q)
        s2 = self.ssr / self.df_resid
        r_int = e / np.sqrt(s2 * (1.0 - h))
        s2_i = (self.ssr - e * e / (1.0 - h)) / (self.df_resid - 1.0)
        r_ext = e / np.sqrt(s2_i * (1.0 - h))
        lev = np.sqrt(h / (1.0 - h))
        # DFBETAS: (X^T X)^{-1} x_i e_i / (1 - h_i), each over s_(i) sqrt(diag((X^T X)^{-1}))
        dfb = (Q @ self.Rinv.T) * (e / (1.0 - h))[:, None]
        dfb = dfb / (np.sqrt(s2_i)[:, None] * np.sqrt(np.einsum("ij,ij->i", self.Rinv, self.Rinv))[None, :])
        table = np.column_stack(
            [dfb, r_int**2 * h / (p * (1.0 - h)), r_int, h, r_int * lev, r_ext, r_ext * lev]
        )
        columns = [f"dfb_{name}" for name in self.names]
        columns += ["cooks_d", "standard_resid", "hat_diag", "dffits_internal", "student_resid", "dffits"]
        return pd.DataFrame(table, columns=columns, index=getattr(part, "index", None))


class DaskPredictionResults:
    """Predictions for new Dask rows: ``summary_frame(alpha)`` is a lazy Dask DataFrame."""

    def __init__(self, results, exog):
        self._results, self._exog = results, exog

    def summary_frame(self, alpha: float = 0.05):
        import dask.dataframe as dd
        import pandas as pd

        r = self._results
        X = self._exog
        if not hasattr(X, "map_partitions") or not hasattr(X, "columns"):
            X = dd.from_dask_array(X if X.ndim == 2 else X[:, None])
        beta = np.asarray(r._zeros_for_aliased(), dtype=np.float64)
        robust = r.cov_type != "nonrobust" or not r.rank
        func = _PredictPass(
            beta,
            np.asarray(r._kept),
            np.asarray(r._d),
            np.ascontiguousarray(r._R / r._d),
            float(r.scale),
            np.ascontiguousarray(r._cov_s()) if robust else None,
            float(r.df_resid),
            bool(r.use_t),
            float(alpha),
        )
        cols = ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper", "obs_ci_lower", "obs_ci_upper"]
        meta = pd.DataFrame({c: np.zeros(0) for c in cols})
        return X.map_partitions(func, meta=meta)

    @property
    def predicted_mean(self):
        """``exog @ params``, lazy."""
        return self.summary_frame()["mean"]


class DaskOLSInfluence:
    """Influence measures of a Dask OLS/WLS fit, computed per partition once R and the SSR are known.

    ``summary_frame()`` is a lazy Dask DataFrame with the columns of
    :meth:`OLSInfluence.summary_frame` (write it with ``to_parquet``); each
    row needs only its own data, ``R^{-1}``, the coefficients and the SSR
    (leave-one-out variances ``(SSR - e_i^2 / (1 - h_i)) / (n - p - 1)``,
    Belsley, Kuh & Welsch, *Regression Diagnostics*, 1980, ch. 2).
    """

    def __init__(self, results):
        self.results = results

    def summary_frame(self):
        import dask.dataframe as dd

        r = self.results
        m = r.model
        if r.rank < len(m.exog_names):
            raise ValueError("influence measures of a rank-deficient Dask fit are not computed")
        X, y, w = m.exog, m.endog, m._dask_weights
        if not hasattr(X, "map_partitions") or not hasattr(X, "columns"):
            X = dd.from_dask_array(X, columns=list(m.exog_names))
        else:
            X = X.copy()
            X.columns = list(m.exog_names)
        frame_y = (
            y if hasattr(y, "map_partitions") else dd.from_dask_array(y.reshape(-1) if y.ndim == 2 else y)
        )
        args = (
            [frame_y]
            if w is None
            else [frame_y, w if hasattr(w, "map_partitions") else dd.from_dask_array(w)]
        )
        func = _InfluencePass(
            list(m.exog_names),
            np.ascontiguousarray(r._Rinv),
            np.asarray(r._zeros_for_aliased(), dtype=np.float64),
            float(r.ssr),
            float(r.df_resid),
        )
        meta = func(X._meta, y._meta, None if w is None else w._meta)
        return X.map_partitions(func, *args, meta=meta, align_dataframes=False)


class DaskRegressionResults(RegressionResults):
    """:class:`RegressionResults` of a Dask fit: statistics from R and the one-pass sums.

    Residuals and fitted values are lazy Dask collections.  HC covariances
    and the residual diagnostics of ``summary()`` each run one more pass
    over the data when first asked for.  Influence measures
    (``get_influence().summary_frame()``) and predictions for new Dask
    rows (``get_prediction(dask_exog).summary_frame()``) are lazy Dask
    DataFrames, one task per partition.
    """

    def _blocks(self):
        m = self.model
        return aligned_row_blocks((m.exog, "exog"), (m.endog, "endog"), (m._dask_weights, "weights"))

    @cached_property
    def ssr(self) -> float:
        p = self._params.size
        return float(self.model.stats.R[p, p] ** 2)

    @cached_property
    def centered_tss(self) -> float:
        return float(self.model.stats.ss_y)

    @cached_property
    def uncentered_tss(self) -> float:
        return float(self.model.stats.ss_y0)

    @cached_property
    def fittedvalues(self):
        """``exog @ params``, a lazy Dask collection."""
        beta = np.nan_to_num(np.asarray(self._params, dtype=np.float64), nan=0.0)
        X = self.model.exog
        if hasattr(X, "map_partitions"):
            return X.map_partitions(lambda df: np.asarray(df, dtype=np.float64) @ beta)
        return X @ beta

    @cached_property
    def resid(self):
        """``endog - fittedvalues``, a lazy Dask collection."""
        y = self.model.endog
        f = self.fittedvalues
        if hasattr(y, "map_partitions") and hasattr(f, "map_partitions"):
            return y - f
        return y.reshape(-1) - f if getattr(y, "ndim", 1) == 2 else y - f

    @cached_property
    def wresid(self):
        """Whitened residuals, lazy (``sqrt(w) resid``)."""
        w = self.model._dask_weights
        return self.resid if w is None else self.resid * w**0.5

    @cached_property
    def _hc_meats(self):
        beta = np.nan_to_num(np.asarray(self._params, dtype=np.float64), nan=0.0)
        Rinv = np.ascontiguousarray(self._Rinv)
        kept = np.asarray(self._kept)
        X, y, w = self._blocks()
        return map_row_blocks(_MeatPass(kept, Rinv, beta), [X, y, w], _sum_arrays, self.model.split_every)

    def _cov_s(self, kind=None):
        kind = self.cov_type if kind is None else kind
        if kind == "nonrobust":
            return super()._cov_s(kind)
        if kind not in ("HC0", "HC1", "HC2", "HC3"):
            raise ValueError(f"covariance kind {kind!r} is not available for Dask input")
        meat0, meat2, meat3 = self._hc_meats
        Ri = self._Rinv_s
        meat = {"HC0": meat0, "HC1": meat0, "HC2": meat2, "HC3": meat3}[kind]
        C = Ri @ meat @ Ri.T
        if kind == "HC1":
            C = C * (self.nobs / self.df_resid if self.df_resid > 0 else np.nan)
        return C

    def get_influence(self):
        """Influence measures as a lazy Dask DataFrame (:class:`DaskOLSInfluence`)."""
        return DaskOLSInfluence(self)

    def get_prediction(self, exog=None, weights=None, alpha=None):
        """Predictions for new rows; Dask rows give :class:`DaskPredictionResults` (lazy frame)."""
        if exog is None:
            raise NotImplementedError("predictions for the Dask data itself: use fittedvalues (lazy)")
        if hasattr(exog, "__dask_graph__"):
            if weights is not None:
                raise ValueError("weights of new Dask rows are not supported")
            return DaskPredictionResults(self, exog)
        return super().get_prediction(exog, weights, alpha)

    @cached_property
    def residual_moments(self):
        """``(n, [sum e^k for k = 1..4], sum (e_t - e_{t-1})^2)`` of the whitened residuals (one pass)."""
        beta = np.nan_to_num(np.asarray(self._params, dtype=np.float64), nan=0.0)
        X, y, w = self._blocks()
        n, powers, dw, _, _ = map_row_blocks(
            _MomentPass(beta), [X, y, w], _merge_moments, self.model.split_every
        )
        return n, powers, dw

    def _residual_diagnostics(self):
        from jitla.regression.diagnostics import normal_tests_from_moments

        n, s, dw = self.residual_moments
        mean = s[0] / n
        m2 = s[1] / n - mean**2
        m3 = s[2] / n - 3 * mean * s[1] / n + 2 * mean**3
        m4 = s[3] / n - 4 * mean * s[2] / n + 6 * mean**2 * s[1] / n - 3 * mean**4
        skew = m3 / m2**1.5
        kurt = m4 / m2**2
        out = normal_tests_from_moments(n, skew, kurt)
        out["durbin_watson"] = dw / s[1] if s[1] > 0 else np.nan
        return out
