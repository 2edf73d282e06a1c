"""High-breakdown regression: least trimmed squares (FAST-LTS) and MM-estimation (Fast-S start).

An M-estimator started from least squares (:class:`RLM`) resists outliers in
y but not bad leverage points: one far-out x row can pull the start, and
with it the fit, anywhere (breakdown point 1/n).  The estimators here stay
bounded with up to half the rows replaced (breakdown point ~50%):

**LTS** (Rousseeuw, *JASA* 79, 1984) minimises the sum of the h smallest
squared residuals, ``h = floor((n + p + 1) / 2)`` by default.  FAST-LTS
(Rousseeuw & Van Driessen, *Data Min. Knowl. Discov.* 12, 2006) searches
it with *concentration steps*: from a fit, take the h rows with the smallest
squared residuals and refit least squares on them; the trimmed sum never
increases (their Theorem 1), so a C-step sequence stops at a fixed point
in finitely many steps.  Starts: ``n_starts`` elemental fits (p random rows
solved exactly), two C-steps each; the ``n_best`` best are iterated to
their fixed point.  Each C-step is one small QR (jitla's) of the h chosen
rows.  The paper's nested subsets for n > 600 are not used: every start
sees all n rows (O(n p) per C-step).

**MM** (Yohai, *Ann. Statist.* 15, 1987): an S-estimate of regression
(Rousseeuw & Yohai, 1984; the coefficients minimising the M-scale ``s``
of the residuals, ``mean(rho_c0(r_i / s)) = 1/2`` with Tukey's bisquare
``c0 = 1.547645``: 50% breakdown) gives a robust start and scale; then
Tukey's bisquare M-estimate with ``c = 4.685061`` (95% efficiency at the
normal) at that fixed scale, by :class:`RLM`'s IRLS.  The S-estimate is
found by Fast-S (Salibian-Barrera & Yohai, *JCGS* 15, 2006): elemental
starts, two I-steps (reweighted least squares at the current M-scale)
each, the ``n_best`` best iterated to convergence.

Random starts use ``numpy.random.default_rng(random_state)``: the result is
reproducible for a given seed; different seeds can give different (equally
good) fits when the optimum is not unique.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import cached_property
from statistics import NormalDist

import numpy as np

from jitla.linalg._checked import m_scale_bisquare
from jitla.regression._data import as_endog_exog, is_pandas
from jitla.regression._fit import fit_least_squares
from jitla.regression._results import _frozen
from jitla.regression._rlm import RLM, RLMResults
from jitla.regression.robust_norms import MAD_NORMAL, TukeyBiweight

__all__ = ["LTS", "LTSResults", "MM"]

#: Tukey bisquare constant of the S-estimate with breakdown point 1/2 (with ``b = 1/2``).
C_BREAKDOWN_HALF = 1.547645
#: Tukey bisquare constant of the M-step with 95% efficiency at the normal.
C_EFFICIENCY_95 = 4.685061


def _ls(X, y, rows=None, sqrt_weights=None):
    """Least-squares coefficients (None when the chosen rows do not determine them)."""
    Xs, ys = (X, y) if rows is None else (X[rows], y[rows])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_least_squares(Xs, ys[:, np.newaxis], sqrt_weights=sqrt_weights)
    return None if fit.rank < X.shape[1] else fit.params[:, 0]


def _elemental_starts(X, y, n_starts, rng):
    """Exact fits through p random rows (singular draws are skipped), then the least-squares fit."""
    n, p = X.shape
    for _ in range(n_starts):
        beta = _ls(X, y, rng.choice(n, size=p, replace=False))
        if beta is not None:
            yield beta
    beta = _ls(X, y)
    if beta is not None:
        yield beta


def _data(endog, exog):
    data = as_endog_exog(endog, exog)
    n, p = data.exog.shape
    if n <= p:
        raise ValueError(f"high-breakdown fits need more observations ({n}) than coefficients ({p})")
    return data


# ---------------------------------------------------------------------------------------- LTS


def _c_step(X, y, beta, h):
    """One concentration step: LS on the h rows best fitted by *beta*; returns (beta, trimmed SS, rows)."""
    r = y - X @ beta
    rows = np.argpartition(r * r, h - 1)[:h]
    new = _ls(X, y, np.sort(rows))
    if new is None:
        return beta, _trimmed_ss(X, y, beta, h), rows
    return new, _trimmed_ss(X, y, new, h), rows


def _trimmed_ss(X, y, beta, h) -> float:
    r = y - X @ beta
    r2 = r * r
    return float(np.sum(np.partition(r2, h - 1)[:h]))


def _lts_consistency(h: int, n: int) -> float:
    """``E[Z^2 | |Z| <= q]``, Z standard normal, ``P(|Z| <= q) = h / n``: Q / h estimates sigma^2 times it."""
    gamma = h / n
    if gamma >= 1.0:
        return 1.0
    q = NormalDist().inv_cdf(0.5 + gamma / 2.0)
    phi = math.exp(-0.5 * q * q) / math.sqrt(2.0 * math.pi)
    return 1.0 - 2.0 * q * phi / gamma


class LTS:
    """Least trimmed squares regression by FAST-LTS (module docstring).

    Parameters
    ----------
    endog : (n,) array_like
    exog : (n, p) array_like
        No constant is added (as statsmodels).

    Notes
    -----
    Cost: ``n_starts`` x (an elemental p x p solve + 2 C-steps) +
    ``n_best`` x (C-steps to convergence); a C-step is O(n p) for the
    residuals and the selection plus a QR of h x p, ``2 h p^2`` flops.
    """

    def __init__(self, endog, exog):
        data = _data(endog, exog)
        self.endog, self.exog = data.endog, data.exog
        self.exog_names = list(data.exog_names)
        self.data_is_pandas = is_pandas(exog)

    def fit(
        self,
        alpha: float = 0.5,
        n_starts: int = 500,
        n_best: int = 10,
        max_csteps: int = 100,
        random_state=0,
    ) -> LTSResults:
        """Fit; returns :class:`LTSResults`.

        Parameters
        ----------
        alpha : float in [0.5, 1]
            Fraction of rows fitted: ``h = floor((n + p + 1) / 2)`` at 0.5,
            n at 1 (robustbase's ``h.alpha.n``).
        n_starts, n_best : int
            Elemental starts, and how many of the best are concentrated to convergence.
        max_csteps : int
            C-steps per start at most in the final concentration.
        random_state : int, Generator or None
        """
        X, y = self.exog, self.endog
        n, p = X.shape
        if not 0.5 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0.5, 1], got {alpha!r}")
        if n_starts < 1 or n_best < 1:
            raise ValueError("n_starts and n_best must be at least 1")
        m = (n + p + 1) // 2
        h = min(n, int(2 * m - n + 2 * (n - m) * alpha))
        rng = np.random.default_rng(random_state)
        candidates = []
        for beta in _elemental_starts(X, y, int(n_starts), rng):
            for _ in range(2):
                beta, q, _rows = _c_step(X, y, beta, h)
            candidates.append((q, beta))
        if not candidates:
            raise ValueError("every elemental subset was singular: exog has no p rows of full rank")
        candidates.sort(key=lambda c: c[0])
        best = (math.inf, None, None, 0)
        for q, beta in candidates[: int(n_best)]:
            steps = 0
            for steps in range(1, int(max_csteps) + 1):  # noqa: B007 - the count is reported
                new, q_new, rows = _c_step(X, y, beta, h)
                if q_new >= q:  # the trimmed sum cannot decrease any more: a fixed point
                    break
                beta, q = new, q_new
            if q < best[0]:
                best = (q, beta, rows, steps)
        q, beta, _rows, steps = best
        return LTSResults(self, beta, q, h, steps)


@dataclass(frozen=True)
class _LTSCore:
    params: np.ndarray
    objective: float
    h: int


class LTSResults:
    """Result of :meth:`LTS.fit`.  Immutable.

    ``params`` (raw LTS), ``objective`` (the trimmed sum of squares),
    ``h``, ``scale`` (``sqrt(objective / h)`` made consistent at the
    normal), ``resid``, ``fittedvalues``, ``support`` (the h rows fitted),
    ``outliers`` (``|r| / scale > 2.2414``, Phi^{-1}(0.9875), robustbase's
    cutoff), and ``reweighted``: jitla's OLS results on the rows that are
    not outliers (the reweighted LTS of Rousseeuw & Leroy, 1987, with the
    usual inference for that subset).
    """

    def __init__(self, model: LTS, params, objective, h, n_csteps):
        d = self.__dict__
        d["model"] = model
        d["_core"] = _LTSCore(np.asarray(params, dtype=np.float64).copy(), float(objective), int(h))
        d["h"] = int(h)
        d["objective"] = float(objective)
        d["n_csteps"] = int(n_csteps)
        d["nobs"] = float(model.endog.shape[0])

    def __setattr__(self, name, value):
        raise AttributeError("LTSResults is immutable")

    @cached_property
    def params(self):
        b = _frozen(self._core.params.copy())
        if self.model.data_is_pandas:
            import pandas as pd

            return pd.Series(b, index=self.model.exog_names)
        return b

    @cached_property
    def fittedvalues(self) -> np.ndarray:
        return _frozen(self.model.exog @ self._core.params)

    @cached_property
    def resid(self) -> np.ndarray:
        return _frozen(self.model.endog - self.fittedvalues)

    @cached_property
    def scale(self) -> float:
        return math.sqrt(self.objective / self.h / _lts_consistency(self.h, self.model.endog.shape[0]))

    @cached_property
    def support(self) -> np.ndarray:
        r = np.asarray(self.resid)
        mask = np.zeros(r.shape[0], dtype=bool)
        mask[np.argpartition(r * r, self.h - 1)[: self.h]] = True
        return _frozen(mask)

    @cached_property
    def outliers(self) -> np.ndarray:
        cut = NormalDist().inv_cdf(0.9875)
        if self.scale == 0.0:
            return _frozen(np.asarray(self.resid) != 0.0)
        return _frozen(np.abs(np.asarray(self.resid)) / self.scale > cut)

    @cached_property
    def reweighted(self):
        from jitla.regression import OLS

        keep = ~np.asarray(self.outliers)
        return OLS(self.model.endog[keep], self.model.exog[keep]).fit()

    def predict(self, exog=None):
        X = self.model.exog if exog is None else np.atleast_2d(np.asarray(exog, dtype=np.float64))
        return X @ self._core.params


# ---------------------------------------------------------------------------------------- MM


def m_scale(resid, c: float = C_BREAKDOWN_HALF, b: float = 0.5, s0=None, tol: float = 1e-12) -> float:
    """The M-scale s with ``mean(rho(r_i / s)) = b``, rho Tukey's bisquare normalised to sup 1.

    Fixed-point iteration ``s^2 <- s^2 mean(rho(r / s)) / b`` (Huber 1981,
    sec. 5.7; monotone from any start) from *s0* or the MAD, in
    the kernel :func:`jitla.kernels.robust.m_scale_bisquare`; 0 when the MAD is 0
    and no *s0* is given (more than half the residuals are 0).
    """
    r = np.ascontiguousarray(resid, dtype=np.float64)
    s = float(np.median(np.abs(r))) / MAD_NORMAL if s0 is None or not s0 > 0 else float(s0)
    if s == 0.0:
        return 0.0
    return m_scale_bisquare(r, c, b, s, tol, 500)


def _i_step(X, y, beta, s, c):
    """One Fast-S I-step: bisquare weights at scale *s*, weighted LS; then the M-scale of the new fit."""
    r = y - X @ beta
    new = _ls(X, y, sqrt_weights=np.sqrt(TukeyBiweight(c).weights(r / s)))
    if new is None:
        return beta, s
    return new, m_scale(y - X @ new, c, s0=s)


class MM:
    """MM-estimate of regression (Yohai 1987): Fast-S start, Tukey bisquare M-step (module docstring).

    Parameters
    ----------
    endog : (n,) array_like
    exog : (n, p) array_like
    efficiency : {0.95}
        Efficiency at the normal of the M-step (c = 4.685061).
    """

    def __init__(self, endog, exog, efficiency: float = 0.95):
        if efficiency != 0.95:
            raise ValueError("only efficiency=0.95 (Tukey bisquare c = 4.685061) is tabulated")
        data = _data(endog, exog)
        self.endog, self.exog = data.endog, data.exog
        self._endog_in, self._exog_in = endog, exog

    def fit_s(self, n_starts: int = 500, n_best: int = 5, maxiter: int = 200, random_state=0):
        """The S-estimate by Fast-S: ``(params, scale)``."""
        X, y = self.exog, self.endog
        c = C_BREAKDOWN_HALF
        rng = np.random.default_rng(random_state)
        candidates = []
        for beta in _elemental_starts(X, y, int(n_starts), rng):
            s = m_scale(y - X @ beta, c)
            for _ in range(2):
                if s == 0.0:
                    break
                beta, s = _i_step(X, y, beta, s, c)
            candidates.append((s, beta))
        if not candidates:
            raise ValueError("every elemental subset was singular: exog has no p rows of full rank")
        candidates.sort(key=lambda t: t[0])
        best_s, best_beta = math.inf, None
        for s, beta in candidates[: int(n_best)]:
            for _ in range(int(maxiter)):
                if s == 0.0:
                    break
                new, s_new = _i_step(X, y, beta, s, c)
                done = s_new >= s * (1.0 - 1e-12)
                if s_new <= s:
                    beta, s = new, s_new
                if done:
                    break
            if s < best_s:
                best_s, best_beta = s, beta
        return best_beta, best_s

    def fit(
        self, n_starts: int = 500, n_best: int = 5, cov: str = "H1", tol: float = 1e-10, random_state=0
    ) -> RLMResults:
        """S-estimate, then the bisquare M-step at its scale; returns :class:`RLMResults`.

        ``fit_options`` holds ``"method": "MM"``, ``"s_params"`` and
        ``"s_scale"`` (the S-estimate).
        """
        beta_s, s = self.fit_s(n_starts, n_best, random_state=random_state)
        model = RLM(self._endog_in, self._exog_in, M=TukeyBiweight(C_EFFICIENCY_95))
        if s == 0.0:
            raise ValueError("the S-scale is 0: more than half the observations lie exactly on a hyperplane")
        res = model.fit(
            start_params=beta_s,
            start_scale=s,
            update_scale=False,
            conv="coefs",
            tol=tol,
            cov=cov,
            maxiter=200,
        )
        options = {**res.fit_options, "method": "MM", "s_params": beta_s, "s_scale": s}
        return RLMResults(res.model, res._state, res.cov, options)
