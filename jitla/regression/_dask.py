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
the residual diagnostics of ``summary()``.  Residuals and fitted values
are lazy Dask collections, never collected.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from jitla.distributed import map_row_blocks
from jitla.distributed._tsqr import row_blocks
from jitla.regression._results import RegressionResults

__all__ = ["DaskRegressionResults"]


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


class DaskRegressionResults(RegressionResults):
    """:class:`RegressionResults` of a Dask fit: statistics from R and the one-pass sums.

    Residuals and fitted values are lazy Dask collections.  HC covariances
    and the residual diagnostics of ``summary()`` each run one more pass
    over the data when first asked for.  Influence measures are not
    available for Dask input (they are n-sized).
    """

    def _blocks(self):
        m = self.model
        return [
            row_blocks(m.exog, "exog"),
            row_blocks(m.endog, "endog"),
            row_blocks(m._dask_weights, "weights"),
        ]

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
        raise NotImplementedError("influence measures are n-sized; they are not computed for Dask input")

    def get_prediction(self, exog=None, weights=None, alpha=None):
        if exog is None:
            raise NotImplementedError("predictions for the Dask data itself: use fittedvalues (lazy)")
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
