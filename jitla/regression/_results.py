"""The results layer: inference for a fitted linear model, statsmodels' names and values.

Every derived statistic is a cached property with a one-line definition, so
the object reads as a table of formulas (Greene, *Econometric Analysis*,
7th ed., ch. 4-5; Seber & Lee, *Linear Regression Analysis*, 2nd ed., ch. 3-4):

===================  ===================================================
``ssr``              ``e^T e`` (whitened residuals)
``scale``            ``ssr / df_resid``  (sigma^2 hat)
``cov_params``       ``scale * (X^T X)^{-1} = scale * R^{-1} R^{-T}``
``bse``              ``sqrt(diag(cov_params))``
``tvalues``          ``params / bse``
``rsquared``         ``1 - ssr / centered_tss`` (uncentered without a constant)
``llf``              ``-n/2 (log(2 pi ssr / n) + 1)`` (+ the weights' or Sigma's term)
``HC0..HC3``         ``R^{-1} Q^T diag(u) Q R^{-T}``, ``u = e^2 * c_i`` (White / MacKinnon-White)
===================  ===================================================

``(X^T X)^{-1}`` is never formed from ``X^T X``: it is ``R^{-1} R^{-T}`` with
R from the QR factorisation of the fit.  The object is immutable.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from jitla.linalg import matmul, solve_triangular, svdvals
from jitla.linalg._checked import gram_design

__all__ = ["RegressionResults", "ContrastResults", "PredictionResults", "IterativeFitResults"]


def _stats():
    try:
        from scipy import stats
    except ImportError as exc:  # pragma: no cover - exercised only without scipy
        raise ImportError(
            "p-values and intervals need scipy's distribution functions: pip install 'jitla[regression]'"
        ) from exc
    return stats


def _frozen(a: np.ndarray) -> np.ndarray:
    """*a*, marked read-only: cached results are shared between accesses, so they must not change."""
    a.flags.writeable = False
    return a


def _dist(use_t: bool, df: float):
    stats = _stats()
    return stats.t(df) if use_t else stats.norm()


class IterativeFitResults:
    """Shared pieces of the results of iterative fits (GLM, RLM): pandas wrapping, R^{-1}, aliased rows.

    Needs ``self.model`` (``data_is_pandas``, ``exog_names``, ``row_labels``),
    ``self._state`` (``params``; ``R``, the factor of the kept columns;
    ``kept``), ``self._cov`` (the covariance of the estimates, p x p),
    ``self.use_t`` and ``self.df_resid``.  Immutable: attributes are set
    in ``__init__`` through ``self.__dict__``.
    """

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    @cached_property
    def params(self):
        return self._wrap(_frozen(self._state.params.copy()))

    def _wrap(self, values):
        """A per-parameter array as a pandas Series named by the columns, when the data were pandas."""
        if self.model.data_is_pandas:
            import pandas as pd

            return pd.Series(values, index=self.model.exog_names)
        return values

    def _wrap_rows(self, values):
        """A per-observation array as a pandas Series on the data's index, when the data were pandas."""
        if self.model.data_is_pandas and self.model.row_labels is not None:
            import pandas as pd

            return pd.Series(values, index=self.model.row_labels)
        return values

    @cached_property
    def _Rinv(self) -> np.ndarray:
        R = self._state.R
        return solve_triangular(R, np.eye(R.shape[0]), lower=False)

    @cached_property
    def normalized_cov_params(self) -> np.ndarray:
        """``R^{-1} R^{-T}`` from the fit's R factor; NaN rows/columns for aliased parameters."""
        Ri = self._Rinv
        return _frozen(self._expand(matmul(Ri, Ri.T)))

    def _expand(self, C_kept: np.ndarray) -> np.ndarray:
        """A (k, k) matrix of the kept parameters as (p, p), NaN in the rows and columns of aliased ones."""
        p = self._state.kept.size
        kept = self._state.kept
        C = np.full((p, p), np.nan)
        C[np.ix_(kept, kept)] = C_kept
        return C

    def cov_params(self, r_matrix=None, column=None):
        """Covariance of the estimates (``self._cov``); NaN rows/columns for aliased parameters.

        ``r_matrix``: ``R C R^T`` instead; ``column``: the block of those indices.
        """
        C = self._cov
        if r_matrix is not None:
            Rm = np.atleast_2d(np.asarray(r_matrix, dtype=np.float64))
            return Rm @ np.nan_to_num(C) @ Rm.T
        if column is not None:
            idx = np.atleast_1d(column)
            return C[np.ix_(idx, idx)]
        if self.model.data_is_pandas:
            import pandas as pd

            return pd.DataFrame(C, index=self.model.exog_names, columns=self.model.exog_names)
        return C

    @cached_property
    def _bse(self) -> np.ndarray:
        return np.sqrt(np.diagonal(self._cov))

    @cached_property
    def bse(self):
        return self._wrap(_frozen(self._bse.copy()))

    @cached_property
    def _z(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 for an exact fit's zero bse
            return self._state.params / self._bse

    @cached_property
    def tvalues(self):
        return self._wrap(_frozen(self._z.copy()))

    def _dist(self):
        """t(df_resid) with ``use_t``, else the standard normal (z statistics, statsmodels' default)."""
        stats = _stats()
        return stats.t(self.df_resid) if self.use_t else stats.norm()

    @cached_property
    def pvalues(self):
        return self._wrap(_frozen(2.0 * self._dist().sf(np.abs(self._z))))

    def conf_int(self, alpha: float = 0.05):
        """Wald intervals ``params -+ q_{1 - alpha/2} bse`` (q from :meth:`_dist`)."""
        q = self._dist().ppf(1.0 - alpha / 2.0)
        b = self._state.params
        ci = np.column_stack([b - q * self._bse, b + q * self._bse])
        if self.model.data_is_pandas:
            import pandas as pd

            return pd.DataFrame(ci, index=self.model.exog_names, columns=[0, 1])
        return ci


@dataclass(frozen=True)
class ContrastResults:
    """A t or F (Wald) test of linear restrictions ``R beta = q`` (statsmodels' ContrastResults).

    Attributes
    ----------
    effect : ndarray or None
        The estimates ``R beta`` (t tests: one per row of R; statsmodels'
        ``effect``, so ``conf_int`` is an interval for ``R beta``); None for F tests.
    sd : ndarray or None
        Standard errors of the effects (t tests).
    statistic : ndarray or float
        t values ``(R beta - q) / sd`` (``tvalue``) or the F statistic (``fvalue``).
    pvalue : ndarray or float
    df_num, df_denom : float
    distribution : {"t", "norm", "F", "chi2"}
    """

    effect: np.ndarray | None
    sd: np.ndarray | None
    statistic: object
    pvalue: object
    df_num: float
    df_denom: float
    distribution: str
    names: tuple = ()

    @property
    def tvalue(self):
        """The t (or z) statistics: ``statistic`` under statsmodels' name."""
        return self.statistic

    @property
    def fvalue(self):
        """The F statistic: ``statistic`` under statsmodels' name."""
        return self.statistic

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """(m, 2) interval for each effect (t tests only)."""
        if self.effect is None:
            raise ValueError("confidence intervals are defined for t tests, not for an F test")
        q = _dist(self.distribution == "t", self.df_denom).ppf(1 - alpha / 2)
        return np.column_stack([self.effect - q * self.sd, self.effect + q * self.sd])

    def summary_frame(self, alpha: float = 0.05):
        """pandas DataFrame: coef, std err, t (or z), P>|t|, interval bounds (t tests)."""
        import pandas as pd

        ci = self.conf_int(alpha)
        stat = "t" if self.distribution == "t" else "z"
        names = list(self.names) or [f"c{i}" for i in range(len(self.effect))]
        return pd.DataFrame(
            {
                "coef": self.effect,
                "std err": self.sd,
                stat: self.statistic,
                f"P>|{stat}|": self.pvalue,
                "Conf. Int. Low": ci[:, 0],
                "Conf. Int. Upp.": ci[:, 1],
            },
            index=names,
        )

    def __str__(self) -> str:
        if self.effect is None:
            return (
                f"<F test: F={float(self.statistic):.6g}, p={float(self.pvalue):.6g}, "
                f"df_denom={self.df_denom:g}, df_num={self.df_num:g}>"
            )
        rows = [
            f"{n:>12s} {e: .6g} (se {s:.6g}) {self.distribution}={t: .4g} p={p:.4g}"
            for n, e, s, t, p in zip(
                self.names or [f"c{i}" for i in range(len(self.effect))],
                self.effect,
                self.sd,
                self.statistic,
                self.pvalue,
                strict=True,
            )
        ]
        return "Test for constraints:\n" + "\n".join(rows)


@dataclass(frozen=True)
class PredictionResults:
    """Predictions with standard errors (statsmodels' ``get_prediction`` result).

    ``se_mean**2 = x^T Cov(beta) x`` (the fitted mean); ``se_obs**2 =
    se_mean**2 + scale / w`` (a new observation, w its weight).
    """

    predicted_mean: np.ndarray
    var_pred_mean: np.ndarray
    var_resid: np.ndarray
    df: float
    use_t: bool
    row_labels: object = None

    @property
    def se_mean(self) -> np.ndarray:
        """Standard error of the predicted mean, ``sqrt(x^T Cov(beta) x)``."""
        return np.sqrt(self.var_pred_mean)

    @property
    def se_obs(self) -> np.ndarray:
        """Standard error of a new observation, ``sqrt(se_mean**2 + scale / w)``."""
        return np.sqrt(self.var_pred_mean + self.var_resid)

    def conf_int(self, obs: bool = False, alpha: float = 0.05) -> np.ndarray:
        """(m, 2) confidence interval for the mean, or prediction interval (``obs=True``)."""
        q = _dist(self.use_t, self.df).ppf(1 - alpha / 2)
        se = self.se_obs if obs else self.se_mean
        return np.column_stack([self.predicted_mean - q * se, self.predicted_mean + q * se])

    def summary_frame(self, alpha: float = 0.05):
        """pandas DataFrame with statsmodels' columns: mean, mean_se, mean_ci_*, obs_ci_*."""
        import pandas as pd

        ci, oi = self.conf_int(False, alpha), self.conf_int(True, alpha)
        return pd.DataFrame(
            {
                "mean": self.predicted_mean,
                "mean_se": self.se_mean,
                "mean_ci_lower": ci[:, 0],
                "mean_ci_upper": ci[:, 1],
                "obs_ci_lower": oi[:, 0],
                "obs_ci_upper": oi[:, 1],
            },
            index=self.row_labels,
        )


def _hc_cov(kind: str) -> cached_property:
    """statsmodels' ``cov_HCk`` attribute: :meth:`RegressionResults.cov` of that kind, read-only."""

    def get(self):
        return _frozen(self.cov(kind))

    get.__doc__ = f"{kind} heteroscedasticity-consistent covariance of the estimates (``cov({kind!r})``)."
    return cached_property(get)


def _hc_se(kind: str) -> cached_property:
    """statsmodels' ``HCk_se`` attribute: square roots of ``cov_HCk``'s diagonal."""

    def get(self):
        return self._by_param(self._se(kind))

    get.__doc__ = f"{kind} standard errors, ``sqrt(diag(cov_{kind}))``."
    return cached_property(get)


class RegressionResults:
    """Results of a linear-model fit: estimates, inference, diagnostics (statsmodels' names).

    Built by :meth:`OLS.fit` (also WLS, GLS).  Immutable; statistics are
    computed on first access and cached.  With pandas or formula input,
    ``params``, ``bse``, ``tvalues``, ``pvalues``, ``conf_int()`` come back
    as pandas objects labelled by the column names, and ``resid`` /
    ``fittedvalues`` carry the data's index.

    Aliased (collinear) columns have NaN ``params``, ``bse``, ``tvalues``
    and ``pvalues``; the other statistics are those of the fit without
    them (R's ``lm`` convention).
    """

    def __init__(self, model, fit, *, method, refine, cov_type, use_t, cov_kwds=None):
        d = self.__dict__
        d["model"] = model
        d["_fit"] = fit
        d["method"] = method
        d["refine"] = refine
        d["cov_type"] = cov_type
        d["cov_kwds"] = cov_kwds
        d["use_t"] = use_t
        p = fit.aliased.size
        d["aliased"] = _frozen(fit.aliased.copy())
        d["rank"] = rank = int(fit.rank)
        d["_R"] = _frozen(fit.R.copy())
        d["_params"] = _frozen(fit.params[:, 0].copy())
        d["_kept"] = _frozen(np.arange(p) if rank == p else np.flatnonzero(~fit.aliased))
        scale = np.ones(p) if fit.colscale is None else fit.colscale
        d["_d"] = _frozen(np.array(scale if rank == p else scale[d["_kept"]], dtype=np.float64))
        if fit.Rinv is not None:
            # the fit's kernel computed these on the way (full rank): they fill the caches below
            d["_Rinv_s"] = _frozen(fit.Rinv.copy())
            d["_rinv_sq"] = _frozen(fit.rinv_sq.copy())
            d["ssr"] = float(fit.ssr[0])

    def __setattr__(self, name, value):
        raise AttributeError(f"RegressionResults is immutable (cannot set {name!r})")

    # ---------------------------------------------------------------- wrapping
    def _by_param(self, values):
        if not self.model.data_is_pandas:
            return _frozen(values)
        import pandas as pd

        return pd.Series(values, index=self.model.exog_names)

    def _by_row(self, values):
        if self.model.row_labels is None:
            return _frozen(values)
        import pandas as pd

        return pd.Series(values, index=self.model.row_labels)

    def _zeros_for_aliased(self):
        if self.rank == self._params.size:
            return self._params
        return np.nan_to_num(self._params, nan=0.0)

    # ---------------------------------------------------------------- estimates
    @cached_property
    def params(self):
        """Coefficients (NaN for aliased columns)."""
        return self._by_param(self._params.copy())

    @cached_property
    def _fitted(self) -> np.ndarray:
        return matmul(self.model.exog, self._zeros_for_aliased())

    @cached_property
    def fittedvalues(self):
        """``exog @ params`` on the original (unwhitened) scale."""
        return self._by_row(self._fitted.copy())

    @cached_property
    def resid(self):
        """``endog - fittedvalues``."""
        return self._by_row(self.model.endog - self._fitted)

    @cached_property
    def wresid(self) -> np.ndarray:
        """Whitened residuals ``wendog - wexog @ params`` (equal to resid for OLS)."""
        if getattr(self.model, "_sqrt_w", None) is not None:  # WLS: the weights, no (n, p) wexog
            return _frozen(self.model._sqrt_w * (self.model.endog - self._fitted))
        if self.model.wexog is self.model.exog:
            return _frozen(self.model.endog - self._fitted)
        return _frozen(self.model.wendog - matmul(self.model.wexog, self._zeros_for_aliased()))

    # ---------------------------------------------------------------- sizes
    @cached_property
    def nobs(self) -> float:
        """Number of observations (a float, as statsmodels)."""
        return self.model.nobs

    @cached_property
    def k_constant(self) -> int:
        """1 when the design has a constant (explicit or implicit), else 0."""
        return self.model.k_constant

    @cached_property
    def df_model(self) -> float:
        """Model degrees of freedom: ``rank - k_constant``."""
        return float(self.rank - self.k_constant)

    @cached_property
    def df_resid(self) -> float:
        """Residual degrees of freedom: ``nobs - rank``."""
        return float(self.nobs - self.rank)

    # ---------------------------------------------------------------- sums of squares
    @cached_property
    def ssr(self) -> float:
        """Sum of squared (whitened) residuals."""
        e = self.wresid
        return float(e @ e)

    @cached_property
    def centered_tss(self) -> float:
        """Total sum of squares about the model's mean: ``||W (y - mu 1)||^2``.

        ``mu`` is the (weighted / GLS) least-squares mean, the fit of the
        constant alone: ``mu = (W 1)^T (W y) / ||W 1||^2``.  OLS: the plain
        mean; WLS: ``sum w (y - mu)^2`` with the weighted mean (statsmodels).
        """
        w1 = self.model.whiten(np.ones_like(self.model.endog))
        y = self.model.wendog
        mu = (w1 @ y) / (w1 @ w1)
        d = y - mu * w1
        return float(d @ d)

    @cached_property
    def uncentered_tss(self) -> float:
        """``wendog^T wendog``."""
        y = self.model.wendog
        return float(y @ y)

    @cached_property
    def ess(self) -> float:
        """Explained sum of squares (about the mean with a constant, else about 0)."""
        return (self.centered_tss if self.k_constant else self.uncentered_tss) - self.ssr

    @cached_property
    def rsquared(self) -> float:
        """``1 - ssr / centered_tss``; uncentered without a constant (statsmodels, NIST).

        A constant response (total sum of squares 0) gives statsmodels' IEEE
        values: ``-inf`` when rounding left ``ssr > 0``, NaN when ``ssr == 0``.
        """
        tss = self.centered_tss if self.k_constant else self.uncentered_tss
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(1.0 - np.float64(self.ssr) / np.float64(tss))

    @cached_property
    def rsquared_adj(self) -> float:
        """``1 - (nobs - k_constant) / df_resid * (1 - rsquared)``."""
        if self.df_resid <= 0:  # an exact fit (n == rank): undefined, not a ZeroDivisionError
            return np.nan
        return 1.0 - (self.nobs - self.k_constant) / self.df_resid * (1.0 - self.rsquared)

    @cached_property
    def scale(self) -> float:
        """Residual variance estimate ``ssr / df_resid``."""
        return self.ssr / self.df_resid if self.df_resid > 0 else np.nan

    @cached_property
    def mse_resid(self) -> float:
        """Mean squared error of the residuals, ``ssr / df_resid`` (= ``scale``)."""
        return self.scale

    @cached_property
    def mse_model(self) -> float:
        """Mean square of the model, ``ess / df_model``."""
        return self.ess / self.df_model if self.df_model > 0 else np.nan

    @cached_property
    def mse_total(self) -> float:
        """Mean square of the total, ``(ess + ssr) / (df_resid + df_model)``."""
        return (self.ess + self.ssr) / (self.df_resid + self.df_model)

    # ---------------------------------------------------------------- likelihood
    @cached_property
    def llf(self) -> float:
        """Gaussian log-likelihood at the estimate (sigma^2 profiled out: ``ssr / n``); inf if ssr = 0."""
        n = self.nobs
        with np.errstate(divide="ignore"):
            return float(-0.5 * n * (np.log(2 * np.pi * self.ssr / n) + 1.0) + self.model.loglike_const())

    @cached_property
    def aic(self) -> float:
        """``-2 llf + 2 (df_model + k_constant)``."""
        return -2.0 * self.llf + 2.0 * (self.df_model + self.k_constant)

    @cached_property
    def bic(self) -> float:
        """``-2 llf + log(nobs) (df_model + k_constant)``."""
        return -2.0 * self.llf + np.log(self.nobs) * (self.df_model + self.k_constant)

    def info_criteria(self, convention: str = "statsmodels") -> dict:
        """AIC and BIC in statsmodels' or R's convention.

        statsmodels counts the ``k = df_model + k_constant`` coefficients;
        R's ``AIC(lm)`` / ``BIC(lm)`` also count sigma^2 as a parameter,
        ``k + 1``, so ``aic_R = aic + 2`` and ``bic_R = bic + log(nobs)``.
        Differences between models fitted to the same data are the same in
        both conventions; only the levels differ.

        Parameters
        ----------
        convention : {"statsmodels", "R"}

        Returns
        -------
        dict
            ``{"aic": ..., "bic": ..., "k": ...}`` with k the number of
            parameters counted.
        """
        if convention not in ("statsmodels", "R"):
            raise ValueError(f"convention must be 'statsmodels' or 'R', got {convention!r}")
        k = self.df_model + self.k_constant + (1 if convention == "R" else 0)
        return {
            "aic": -2.0 * self.llf + 2.0 * k,
            "bic": -2.0 * self.llf + np.log(self.nobs) * k,
            "k": float(k),
        }

    # ---------------------------------------------------------------- covariance
    # The p-sized algebra is done on the equilibrated design ``X D^{-1}`` (D = self._d, powers of
    # two near the kept columns' lengths, so the scaling is exact): its factor is ``R D^{-1}``,
    # the covariance of ``D beta`` is ``C_s``, and ``Cov(beta) = D^{-1} C_s D^{-1}``.  A column
    # scaled by 1e-300 then gives a standard error of ~1e300, not ``sqrt(inf)``; only entries of
    # ``cov_params`` that are themselves beyond float64 (1e600) overflow.
    @cached_property
    def _Rinv_s(self) -> np.ndarray:
        """``(R D^{-1})^{-1} = D R^{-1}``, the inverse factor of the equilibrated design."""
        r = self.rank
        return solve_triangular(self._R / self._d, np.eye(r)) if r else np.zeros((0, 0))

    @cached_property
    def _rinv_sq(self) -> np.ndarray:
        """Squared row norms of ``_Rinv_s``: ``diag((R D^{-1})^{-1} (R D^{-1})^{-T})``."""
        Ri = self._Rinv_s
        return np.einsum("ij,ij->i", Ri, Ri)

    @cached_property
    def _Rinv(self) -> np.ndarray:
        with np.errstate(over="ignore"):
            return self._Rinv_s / self._d[:, np.newaxis]

    def _expand(self, C_kept: np.ndarray) -> np.ndarray:
        p = self._params.size
        if self.rank == p:
            return C_kept
        C = np.full((p, p), np.nan)
        C[np.ix_(self._kept, self._kept)] = C_kept
        return C

    def _unscale(self, C_s: np.ndarray) -> np.ndarray:
        """``D^{-1} C_s D^{-1}`` expanded to (p, p) with NaN for aliased columns."""
        d = self._d
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            return self._expand(C_s / d[:, np.newaxis] / d[np.newaxis, :])

    @cached_property
    def normalized_cov_params(self) -> np.ndarray:
        """``(X^T X)^{-1} = R^{-1} R^{-T}`` on the kept columns; NaN rows/columns for aliased ones."""
        Ri = self._Rinv_s
        return _frozen(self._unscale(Ri @ Ri.T))

    def _wexog_kept(self) -> np.ndarray:
        """``wexog[:, kept]``, C-ordered (the design itself, no copy, when nothing is aliased)."""
        W = self.model.wexog
        return np.ascontiguousarray(W if self.rank == W.shape[1] else W[:, self._kept])

    @cached_property
    def _q(self) -> np.ndarray:
        """``Q = wexog[:, kept] @ R^{-1}`` (n, rank): orthonormal columns spanning the design."""
        return matmul(self._wexog_kept(), self._Rinv)

    @cached_property
    def press(self) -> float:
        """PRESS, the sum of squared leave-one-out prediction errors ``sum (e_i / (1 - h_i))^2``.

        From the fit's own QR (leverages ``h_i = ||Q[i]||^2``), no refits
        (Allen 1974; Montgomery, Peck & Vining, Sec. 11.2.2); whitened
        residuals for WLS/GLS.  Infinite when some ``h_i = 1``.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            r = self.wresid / (1.0 - self._hat)
        return float(r @ r)

    @cached_property
    def rsquared_pred(self) -> float:
        """Predicted R^2, ``1 - PRESS / centered_tss`` (uncentered without a constant)."""
        tss = self.centered_tss if self.k_constant else self.uncentered_tss
        return 1.0 - self.press / tss if tss > 0 else np.nan

    @cached_property
    def _one_minus_hat(self) -> np.ndarray:
        """``1 - h_i``, NaN where the leverage is 1 to rounding (``h_i >= 1 - 4 rank eps``).

        Such a row is fitted exactly whatever its response (e.g. n = p), so
        the HC2/HC3 corrections ``1 / (1 - h_i)`` are undefined: NaN, not the
        ratio of two rounding errors (``1 - h`` ~ 1e-16 over ``e^2`` ~ 1e-30).
        """
        one_minus = 1.0 - self._hat
        with np.errstate(invalid="ignore"):
            return np.where(one_minus <= 4.0 * self.rank * np.finfo(np.float64).eps, np.nan, one_minus)

    @cached_property
    def _hat(self) -> np.ndarray:
        """Leverages ``h_i = ||Q[i]||^2``."""
        Q = self._q
        return np.einsum("ij,ij->i", Q, Q)

    def _sandwich_s(self, u: np.ndarray) -> np.ndarray:
        # (X^T X)^{-1} X^T diag(u) X (X^T X)^{-1} = R^{-1} (Q^T diag(u) Q) R^{-T}, here for D beta.
        # The meat is the Gram matrix of the rows sqrt(u_i) x_i^T R^{-1}, each formed in cache as it
        # is added (gram_design's T): no n x p Q, no transposed copy.  u >= 0 (or NaN: HC2/HC3 at
        # leverage 1, which then makes the covariance NaN, as the product with Q did).
        if self.rank == 0:
            return np.zeros((0, 0))
        with np.errstate(invalid="ignore"):
            s = np.sqrt(u)
        meat = gram_design(self._wexog_kept(), sqrt_weights=s, T=self._Rinv)
        Ri = self._Rinv_s
        return Ri @ meat @ Ri.T

    def _cov_s(self, kind: str | None = None) -> np.ndarray:
        """Covariance of the equilibrated estimates ``D beta`` (kept columns), of the given kind."""
        kind = self.cov_type if kind is None else kind
        if kind == "nonrobust":
            Ri = self._Rinv_s
            return self.scale * (Ri @ Ri.T)
        e2 = self.wresid**2
        if kind == "HC0":
            return self._sandwich_s(e2)
        if kind == "HC1":
            return self._sandwich_s(e2) * (self.nobs / self.df_resid if self.df_resid > 0 else np.nan)
        if kind in ("HC2", "HC3"):
            return self._sandwich_s(e2 / self._one_minus_hat ** (2 if kind == "HC3" else 1))
        if kind in ("HAC", "cluster"):
            if kind != self.cov_type:
                raise ValueError(f"the {kind} covariance needs its options: fit with cov_type={kind!r}")
            return self._correlated_sandwich_s()
        raise ValueError(
            f"unknown covariance kind {kind!r}; choose nonrobust, HC0, HC1, HC2, HC3 "
            "(or the fit's own HAC/cluster)"
        )

    def _correlated_sandwich_s(self) -> np.ndarray:
        """The HAC (Newey-West) or cluster-robust sandwich of the fit's ``cov_kwds``, for ``D beta``.

        With ``U = Q diag(e)`` (rows ``u_t = e_t q_t``, q_t the rows of
        ``Q = X R^{-1}``) the meat is ``sum_l w_l (U_l^T U_0 + U_0^T U_l)``
        over lags ``l <= maxlags`` (``U_l``: U shifted by l rows; w_0 = 1/2
        counted twice), ``w_l = 1 - l / (maxlags + 1)`` (Bartlett; Newey &
        West 1987) or 1 (uniform); for clusters it is ``S^T S``, S the
        (G, r) sums of U's rows within each group (Liang & Zeger 1986;
        Cameron & Miller 2015).  Cost ``O(maxlags n r^2)`` or ``O(n r^2)``.
        """
        kw = self.cov_kwds
        U = self._q * self.wresid[:, np.newaxis]
        n, k = U.shape[0], self.aliased.size
        if self.cov_type == "HAC":
            meat = U.T @ U
            L = kw["maxlags"]
            for lag in range(1, min(L, n - 1) + 1):
                w = 1.0 - lag / (L + 1.0) if kw["kernel"] == "bartlett" else 1.0
                G = U[lag:].T @ U[:-lag]
                meat += w * (G + G.T)
            factor = n / (n - k) if kw["use_correction"] else 1.0
        else:
            S = np.zeros((kw["n_groups"], U.shape[1]))
            np.add.at(S, kw["groups"], U)
            meat = S.T @ S
            g = kw["n_groups"]
            factor = g / (g - 1.0) * (n - 1.0) / (n - k) if kw["use_correction"] else 1.0
        Ri = self._Rinv_s
        return factor * (Ri @ meat @ Ri.T)

    @cached_property
    def df_resid_inference(self) -> float:
        """Residual df of the t and F tests: ``G - 1`` for clusters (df_correction), else df_resid."""
        kw = self.cov_kwds
        if self.cov_type == "cluster" and kw["df_correction"]:
            return float(kw["n_groups"] - 1)
        return self.df_resid

    def _sandwich(self, u: np.ndarray) -> np.ndarray:
        return self._unscale(self._sandwich_s(u))

    def cov(self, kind: str | None = None) -> np.ndarray:
        """Covariance matrix of the estimates of the given kind (default: the fit's ``cov_type``).

        Parameters
        ----------
        kind : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "HAC", "cluster"}
            ``"nonrobust"``: ``scale (X^T X)^{-1}``.  Heteroscedasticity-
            consistent sandwiches ``(X^T X)^{-1} X^T diag(u) X (X^T X)^{-1}``
            with ``u_i = e_i^2`` (HC0, White 1980), ``e_i^2 n / df_resid``
            (HC1), ``e_i^2 / (1 - h_i)`` (HC2), ``e_i^2 / (1 - h_i)^2`` (HC3,
            MacKinnon & White 1985).  ``"HAC"`` (Newey & West 1987) and
            ``"cluster"`` (Liang & Zeger 1986) replace ``X^T diag(u) X`` by
            the lagged or within-group sums of ``x_t e_t`` products; they
            need the options given at fit time (``cov_kwds``), so only the
            fit's own of these two kinds is available.
        """
        return self._unscale(self._cov_s(kind))

    def cov_params(self):
        """Covariance of the estimates for the fit's ``cov_type`` (pandas with names)."""
        C = self._cov
        if not self.model.data_is_pandas:
            return C.copy()
        import pandas as pd

        return pd.DataFrame(C, index=self.model.exog_names, columns=self.model.exog_names)

    @cached_property
    def _cov(self) -> np.ndarray:
        return self.cov()

    def _se(self, kind):
        kind = self.cov_type if kind is None else kind
        if kind == "nonrobust":
            # diag(scale Ri Ri^T) is scale times the squared row norms of Ri: no (p, p) product
            return self._se_from_diag(self.scale * self._rinv_sq)
        return self._se_from_diag(np.diag(self._cov_s(kind)))

    def _se_from_diag(self, v: np.ndarray) -> np.ndarray:
        """Standard errors ``sqrt(v) / D``, v the diagonal of C_s (NaN for aliased): no 1e600 on the way."""
        with np.errstate(over="ignore"):
            se_kept = np.sqrt(v) / self._d
        if self.rank == self._params.size:
            return se_kept
        se = np.full(self._params.size, np.nan)
        se[self._kept] = se_kept
        return se

    cov_HC0 = _hc_cov("HC0")
    cov_HC1 = _hc_cov("HC1")
    cov_HC2 = _hc_cov("HC2")
    cov_HC3 = _hc_cov("HC3")
    HC0_se = _hc_se("HC0")
    HC1_se = _hc_se("HC1")
    HC2_se = _hc_se("HC2")
    HC3_se = _hc_se("HC3")

    # ---------------------------------------------------------------- inference
    @cached_property
    def _bse(self) -> np.ndarray:
        return self._se(self.cov_type)

    @cached_property
    def bse(self):
        """Standard errors of the estimates (for the fit's ``cov_type``)."""
        return self._by_param(self._bse.copy())

    @cached_property
    def _t(self) -> np.ndarray:
        return self._params / self._bse

    @cached_property
    def tvalues(self):
        """``params / bse`` (z values with ``use_t=False``)."""
        return self._by_param(self._t.copy())

    @cached_property
    def pvalues(self):
        """Two-sided p-values of ``tvalues`` (t with df_resid, or normal)."""
        return self._by_param(2.0 * _dist(self.use_t, self.df_resid_inference).sf(np.abs(self._t)))

    def conf_int(self, alpha: float = 0.05):
        """(p, 2) confidence intervals ``params -+ q bse``, q the ``1 - alpha/2`` quantile."""
        q = _dist(self.use_t, self.df_resid_inference).ppf(1 - alpha / 2)
        ci = np.column_stack([self._params - q * self._bse, self._params + q * self._bse])
        if not self.model.data_is_pandas:
            return ci
        import pandas as pd

        return pd.DataFrame(ci, index=self.model.exog_names, columns=[0, 1])

    def _restrictions(self, r_matrix):
        from jitla.regression._constraints import linear_constraints

        R, q = linear_constraints(r_matrix, self.model.exog_names)
        R = np.atleast_2d(np.asarray(R, dtype=np.float64))
        q = np.asarray(q, dtype=np.float64).reshape(-1)
        if np.any(R[:, self.aliased] != 0):
            bad = [self.model.exog_names[j] for j in np.flatnonzero((R[:, self.aliased] != 0).any(axis=0))]
            raise ValueError(
                f"the hypothesis involves aliased (collinear) coefficient(s) {bad}, which are NaN"
            )
        return R, q

    def _wald_parts(self, R, q):
        """``(d, V, g)``: the restrictions ``R beta = q`` rescaled so that no square overflows.

        Each row i of ``R D^{-1}`` (the restriction on the equilibrated
        estimates ``D beta``) is multiplied by a power of two ``g_i`` near
        the inverse of its largest entry; ``d = g (R beta - q)`` and
        ``V = Cov(d)``.  Tests are invariant under this exact scaling;
        ``sqrt(V_ii) / g_i`` is the standard error of ``(R beta)_i``.
        """
        G = R[:, self._kept] / self._d
        big = np.abs(G).max(axis=1) if G.shape[1] else np.zeros(G.shape[0])
        with np.errstate(divide="ignore"):
            e = -np.round(np.log2(np.where(big > 0.0, big, 1.0)))
        g = np.ldexp(1.0, e.astype(np.int64))
        G = G * g[:, np.newaxis]
        d = g * (R @ self._zeros_for_aliased() - q)
        return d, G @ self._cov_s() @ G.T, g

    def t_test(self, r_matrix) -> ContrastResults:
        """t tests of each row of ``R beta = q`` (strings "x1 = x2, x3 = 0", a matrix, or (R, q)).

        Each row is its own test, so rows that contradict each other
        (``"x1 = 0, x1 = 1"``) are allowed, as in statsmodels; the joint
        :meth:`f_test` refuses them.
        """
        R, q = self._restrictions(r_matrix)
        d, V, g = self._wald_parts(R, q)
        root = np.sqrt(np.diag(V))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            t = d / root
            sd = root / g
        effect = R @ self._zeros_for_aliased()  # R beta, what the interval is for (statsmodels)
        p = 2.0 * _dist(self.use_t, self.df_resid_inference).sf(np.abs(t))
        names = (
            tuple(r_matrix)
            if isinstance(r_matrix, (list, tuple)) and all(isinstance(s, str) for s in r_matrix)
            else (tuple(s.strip() for s in r_matrix.split(",")) if isinstance(r_matrix, str) else ())
        )
        if len(names) != effect.size:
            names = ()
        return ContrastResults(
            effect, sd, t, p, float(R.shape[0]), self.df_resid_inference, "t" if self.use_t else "norm", names
        )

    def f_test(self, r_matrix) -> ContrastResults:
        """Joint F (Wald) test of ``R beta = q``: ``F = d^T (R Cov R^T)^{-1} d / m``, d = R beta - q.

        Linearly dependent restrictions (``"x1 = 0, 2*x1 = 0"``) count once:
        ``m`` is the rank of R, as statsmodels' pseudo-inverse gives.
        Restrictions that no ``beta`` satisfies (``"x1 = 0, x1 = 1"``) raise
        ``ValueError`` (statsmodels returns an F statistic for them, computed
        with a pseudo-inverse, that tests nothing).
        """
        return self._f_from(*self._restrictions(r_matrix))

    def _f_from(self, R, q) -> ContrastResults:
        d, V, g = self._wald_parts(R, q)
        m = R.shape[0]
        if m and np.isfinite(V).all() and np.isfinite(d).all():
            # rank of the restrictions (rows of g R D^{-1}, each of length ~1) and whether they are
            # consistent: g q must lie in their column space, up to rounding
            G = R[:, self._kept] / self._d * g[:, np.newaxis]
            U, S, _ = np.linalg.svd(G, full_matrices=False)
            eps = np.finfo(np.float64).eps
            k = int(np.count_nonzero(S > S[0] * max(G.shape) * eps)) if S.size and S[0] > 0 else 0
            if k < m:
                gq = g * q
                off = gq - U[:, :k] @ (U[:, :k].T @ gq)
                if np.linalg.norm(off) > 100 * max(G.shape) * eps * np.linalg.norm(gq):
                    raise ValueError(
                        "the constraints are inconsistent: no parameter vector satisfies all of "
                        f"R @ params = q at once ({m} restrictions of rank {k} whose right-hand "
                        "sides disagree); test them one at a time with t_test"
                    )
                if k == 0:
                    raise ValueError("the constraints restrict no estimable parameter (R is zero)")
                d, V = U[:, :k].T @ d, U[:, :k].T @ V @ U[:, :k]
                m = k
            F = self._quadratic_form(d, V) / m
        else:
            F = np.nan
        p = float(_stats().f.sf(F, m, self.df_resid_inference))
        return ContrastResults(None, None, F, p, float(m), self.df_resid_inference, "F")

    @staticmethod
    def _quadratic_form(d: np.ndarray, V: np.ndarray) -> float:
        """``d^T V^{-1} d``; for a singular V (zero residuals: an exact fit) inf, or NaN when d = 0."""
        try:
            L = np.linalg.cholesky(V)
        except np.linalg.LinAlgError:
            return np.nan if not d.any() else np.inf
        z = np.linalg.solve(L, d)
        return float(z @ z)

    @cached_property
    def _overall_f(self) -> ContrastResults:
        # all coefficients except the constant (and aliased ones) are zero
        if self.k_constant and self.model.const_idx is None:
            # implicit constant (e.g. a full set of dummies): no coefficient is "the constant";
            # statsmodels' F = mse_model / mse_resid, which is the Wald test against the mean-only
            # model, and NaN for robust covariances (no such Wald restriction exists)
            if self.cov_type != "nonrobust" or not self.df_model > 0:
                return ContrastResults(None, None, np.nan, np.nan, self.df_model, self.df_resid, "F")
            with np.errstate(divide="ignore", invalid="ignore"):
                F = float(np.float64(self.mse_model) / np.float64(self.mse_resid))
            p = float(_stats().f.sf(F, self.df_model, self.df_resid))
            return ContrastResults(None, None, F, p, self.df_model, self.df_resid, "F")
        tss = self.centered_tss if self.k_constant else self.uncentered_tss
        if tss == 0.0:
            # a constant response: nothing to explain, and what the fit "explains" is rounding
            # (statsmodels reports NaN for y = 0 and an F of rounding noise, even negative, for
            # y = c); NaN for both
            return ContrastResults(None, None, np.nan, np.nan, self.df_model, self.df_resid, "F")
        keep = [j for j in self._kept if j != self.model.const_idx]
        R = np.zeros((len(keep), self._params.size))
        R[np.arange(len(keep)), keep] = 1.0
        if not keep:
            return ContrastResults(None, None, np.nan, np.nan, 0.0, self.df_resid, "F")
        return self._f_from(R, np.zeros(len(keep)))

    @cached_property
    def fvalue(self) -> float:
        """F statistic of "all coefficients but the constant are zero"."""
        return self._overall_f.statistic

    @cached_property
    def f_pvalue(self) -> float:
        """p-value of :attr:`fvalue` (F distribution with df_model, df_resid)."""
        return self._overall_f.pvalue

    def compare_f_test(self, restricted):
        """F test of this model against a nested *restricted* one: ``(F, p, df_diff)``.

        ``F = ((ssr_r - ssr) / df_diff) / (ssr / df_resid)``, df_diff the
        difference in residual degrees of freedom (nonrobust covariance).
        """
        df_diff = restricted.df_resid - self.df_resid
        if df_diff <= 0:
            raise ValueError(
                "the restricted model must have more residual degrees of freedom (fewer parameters)"
            )
        F = ((restricted.ssr - self.ssr) / df_diff) / (self.ssr / self.df_resid)
        return F, float(_stats().f.sf(F, df_diff, self.df_resid)), df_diff

    def compare_lr_test(self, restricted):
        """Likelihood-ratio test against a nested model: ``(2 (llf - llf_r), p, df_diff)``."""
        df_diff = restricted.df_resid - self.df_resid
        lr = -2.0 * (restricted.llf - self.llf)
        return lr, float(_stats().chi2.sf(lr, df_diff)), df_diff

    # ---------------------------------------------------------------- conditioning
    @cached_property
    def eigenvals(self) -> np.ndarray:
        """Eigenvalues of ``wexog^T wexog`` (squared singular values of R), descending."""
        s = svdvals(self._fit.R_all)
        return _frozen(s**2)

    @cached_property
    def condition_number(self) -> float:
        """``sqrt(max eigenvalue / min eigenvalue)`` of ``wexog^T wexog`` = cond_2(wexog)."""
        ev = self.eigenvals
        return float(np.sqrt(ev[0] / ev[-1])) if ev[-1] > 0 else np.inf

    # ---------------------------------------------------------------- prediction
    def _new_exog(self, exog):
        m = self.model
        if exog is None:
            return m.exog, m.row_labels
        if m.formula_spec is not None and not isinstance(exog, np.ndarray):
            X = m.formula_spec.get_model_matrix(exog)
            return np.asarray(X, dtype=np.float64), getattr(X, "index", None)
        from jitla.regression._data import is_pandas

        labels = exog.index if is_pandas(exog) else None
        X = np.asarray(exog, dtype=np.float64)
        if X.ndim == 1:
            X = X[np.newaxis, :] if X.shape[0] == self._params.size else X[:, np.newaxis]
        if X.ndim != 2 or X.shape[1] != self._params.size:
            raise ValueError(
                f"exog must have {self._params.size} columns (as in the fit), got shape {X.shape}"
            )
        if labels is not None and len(labels) != X.shape[0]:
            labels = None  # a Series holding one row: its index names the columns, not rows
        if not np.isfinite(X).all():
            from jitla.regression._data import MissingDataError

            raise MissingDataError("exog contains inf or nans")
        return X, labels

    def predict(self, exog=None):
        """Predicted mean ``exog @ params`` (aliased coefficients count as 0)."""
        X, labels = self._new_exog(exog)
        if self.aliased.any() and exog is not None:
            warnings.warn("prediction from a rank-deficient fit may be misleading", UserWarning, stacklevel=2)
        out = X @ self._zeros_for_aliased()
        if labels is None:
            return out
        import pandas as pd

        return pd.Series(out, index=labels)

    def get_prediction(self, exog=None, weights=None, alpha: float | None = None) -> PredictionResults:
        """Predictions with standard errors and intervals (``.summary_frame(alpha)``).

        Parameters
        ----------
        exog : array_like or DataFrame, optional
            New design rows (a DataFrame of raw variables for formula models).
        weights : scalar or array_like, optional
            Weights of the new observations (WLS): the observation variance
            is ``scale / weights``.  Default 1.
        """
        X, labels = self._new_exog(exog)
        mean = X @ self._zeros_for_aliased()
        # x^T Cov(beta) x on the kept columns, equilibrated (x D^{-1}: no 1e600).  Classical
        # covariance: scale ||R_s^{-T} x_s||^2 by one triangular solve per row (R's predict.lm),
        # a sum of squares that cannot cancel, where the quadratic form with the explicit
        # covariance loses digits on ill-conditioned designs
        Xk = X[:, self._kept] / self._d
        if self.cov_type == "nonrobust" and self.rank:
            Z = solve_triangular(self._R / self._d, np.ascontiguousarray(Xk.T), trans=1)
            var_mean = self.scale * np.einsum("ij,ij->j", Z, Z)
        else:
            var_mean = np.einsum("ij,jk,ik->i", Xk, self._cov_s(), Xk)
        if weights is None:
            w = self.model.weights if (exog is None and self.model.weights is not None) else 1.0
        else:
            w = np.asarray(weights, dtype=np.float64)
        var_resid = self.scale / np.broadcast_to(w, mean.shape)
        return PredictionResults(mean, var_mean, var_resid, self.df_resid, self.use_t, labels)

    # ---------------------------------------------------------------- diagnostics
    def get_influence(self):
        """Leverage and influence measures in closed form (:class:`OLSInfluence`)."""
        from jitla.regression._influence import OLSInfluence

        return OLSInfluence(self)

    def plot_diagnostics(self, *, id_n: int = 3, smooth: bool = True):
        """R's four ``plot(lm)`` panels, a matplotlib Figure (:func:`jitla.regression.plot_diagnostics`)."""
        from jitla.regression._plots import plot_diagnostics

        return plot_diagnostics(self, id_n=id_n, smooth=smooth)

    def plot_partregress(self, names=None):
        """Added-variable plots (see :func:`jitla.regression.plot_partregress`)."""
        from jitla.regression._plots import plot_partregress

        return plot_partregress(self, names)

    def plot_ccpr(self, names=None):
        """Component-plus-residual plots (see :func:`jitla.regression.plot_ccpr`)."""
        from jitla.regression._plots import plot_ccpr

        return plot_ccpr(self, names)

    def plot_influence(self, *, id_n: int = 3, ax=None):
        """Studentized residuals vs leverage, sized by Cook's D (:func:`jitla.regression.plot_influence`)."""
        from jitla.regression._plots import plot_influence

        return plot_influence(self, id_n=id_n, ax=ax)

    def _residual_diagnostics(self) -> dict:
        """The residual statistics of ``summary()``: omnibus, Jarque-Bera, skew, kurtosis, Durbin-Watson."""
        from jitla.regression import diagnostics as dg

        e = np.asarray(self.wresid)
        omni, omni_p = dg.omni_normtest(e) if e.size >= 8 else (np.nan, np.nan)
        jb, jb_p, skew, kurt = dg.jarque_bera(e)
        return {
            "omnibus": omni,
            "omnibus_p": omni_p,
            "jarque_bera": jb,
            "jarque_bera_p": jb_p,
            "skew": skew,
            "kurtosis": kurt,
            "durbin_watson": dg.durbin_watson(e),
        }

    def summary(self, alpha: float = 0.05, title: str | None = None):
        """The regression table a statistician expects (``str()`` for text, ``.as_html()``)."""
        from jitla.regression._summary import Summary

        return Summary(self, alpha=alpha, title=title)

    def __repr__(self) -> str:
        return (
            f"<jitla.regression.RegressionResults: {self.model._name}, nobs={int(self.nobs)}, "
            f"rank={self.rank}, method={self.method!r}, cov_type={self.cov_type!r}>"
        )
