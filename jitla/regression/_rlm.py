"""Robust linear models: M-estimation by iteratively reweighted least squares on jitla's QR.

Model (Huber, *Robust Statistics*, 1981, ch. 7)::

    beta = argmin sum_i rho((y_i - x_i^T beta) / s)

for a robust norm rho (:mod:`jitla.regression.robust_norms`) and a robust
scale s.  Its estimating equation ``sum_i psi(r_i / s) x_i = 0`` is a
weighted least-squares problem with weights ``w_i = psi(z_i) / z_i``
evaluated at the current residuals, so the fit alternates (Holland &
Welsch, *Comm. Statist.* A6, 1977; statsmodels' ``RLM.fit``)::

    w    = M.weights(r / s)                        from the last residuals and scale
    beta = argmin || W^{1/2} (y - X beta) ||       one QR of W^{1/2} [X | y]
    r    = y - X beta,   s = MAD(r) or Huber's proposal 2

starting from ordinary least squares, never forming ``X^T W X``.  The
iteration stops when the chosen criterion changes by at most ``tol``
(absolute, statsmodels' test) or after ``maxiter`` fits, the least-squares
start counted.

Covariance (Huber 1981, sec. 7.6, as statsmodels implements it), with
``z = r / s``, ``m = mean psi'(z)``, ``K = 1 + p / n * var psi'(z) / m^2``
and ``tau = s^2 sum psi(z)^2 / (n - p)``::

    H1 = K^2 tau / m^2 (X^T X)^{-1}
    H2 = K   tau / m   W^{-1}                      W = X^T diag(psi'(z)) X
    H3 = K^-1 tau      W^{-1} X^T X W^{-1}

computed from the R factor of X: with ``Q = X R^{-1}`` and
``M = Q^T diag(psi'(z)) Q`` (p x p, symmetric, possibly indefinite for
redescending norms), ``W^{-1} = R^{-1} M^{-1} R^{-T}`` and
``W^{-1} X^T X W^{-1} = S^T S`` with ``S = M^{-1} R^{-T}``: two small
solves, no inverse of a Gram matrix.  z statistics and normal intervals, as
statsmodels.
"""

from __future__ import annotations

import inspect
import math
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from jitla.linalg import matmul, solve
from jitla.regression._data import as_endog_exog, is_pandas
from jitla.regression._fit import fit_least_squares, warn_aliased
from jitla.regression._results import IterativeFitResults, _frozen
from jitla.regression._summary import _num, _pvalue
from jitla.regression.robust_norms import HuberScale, HuberT, mad

__all__ = ["RLM", "RLMResults", "RLMConvergenceWarning", "ExactFitWarning"]

COV_TYPES = ("H1", "H2", "H3")
CONV = ("dev", "coefs", "weights", "sresid")

#: A robust scale at most this many units of roundoff of the data's typical size is zero: more than
#: half the observations lie on the fitted hyperplane up to rounding (the residuals there are
#: ~eps |y|, not exactly 0, so statsmodels' test ``scale == 0`` misses them and iterates on noise).
EXACT_FIT_ULPS = 1000.0


class RLMConvergenceWarning(UserWarning):
    """IRLS stopped at ``maxiter`` before the convergence criterion settled."""


class ExactFitWarning(UserWarning):
    """More than half the observations lie exactly on the fit: the robust scale is 0.

    The coefficients are the exact fit through those observations; the
    scale, the standardized residuals and the standard errors are 0
    (statsmodels' result for a scale of exactly 0).
    """


@dataclass(frozen=True)
class _RLMState:
    params: np.ndarray  # (p,) NaN for aliased columns
    kept: np.ndarray  # (p,) bool
    R: np.ndarray  # (k, k) factor of X[:, kept] (unweighted)
    resid: np.ndarray
    weights: np.ndarray  # the weights of the last weighted least-squares fit
    scale: float
    n_iter: int
    converged: bool
    exact_fit: bool
    history: dict


def _scale_function(model, scale_est):
    """``resid -> scale`` for fit's *scale_est* (statsmodels' ``RLM._estimate_scale`` conventions)."""
    if isinstance(scale_est, str):
        key = scale_est.lower()
        if key == "mad":
            return mad  # about 0, as statsmodels' RLM (residuals of a fit with an intercept centre near 0)
        if key in ("huberscale", "huber"):
            scale_est = HuberScale()
        else:
            raise ValueError(
                f"scale_est must be 'mad', 'HuberScale', a HuberScale or a callable, got {scale_est!r}"
            )
    if isinstance(scale_est, HuberScale):
        return lambda r: scale_est(model.df_resid, model.nobs, r)
    if not callable(scale_est):
        raise TypeError(
            f"scale_est must be 'mad', 'HuberScale', a HuberScale or a callable, got {scale_est!r}"
        )
    try:
        n_args = len(inspect.signature(scale_est).parameters)
    except (TypeError, ValueError):
        n_args = 1
    if n_args >= 2:
        return lambda r: float(scale_est(model, r))
    # statsmodels: a one-argument scale is corrected for the degrees of freedom, a two-argument one is not
    correction = math.sqrt(model.nobs / model.df_resid)
    return lambda r: float(scale_est(r)) * correction


class RLM:
    """Robust linear model by M-estimation (statsmodels' ``RLM``): ``RLM(endog, exog, M).fit()``.

    Parameters
    ----------
    endog : (n,) array_like
    exog : (n, p) array_like
        Design matrix; no constant is added (as statsmodels).
    M : RobustNorm, default HuberT()
        A :mod:`jitla.regression.robust_norms` norm (``HuberT``,
        ``TukeyBiweight``, ``Hampel``, ``AndrewWave``, ``LeastSquares``) or
        any object with ``rho``, ``psi``, ``weights`` and ``psi_deriv``.
    missing : {"none", "raise"}
        NaN or inf in the data raise :class:`MissingDataError` either way.

    Notes
    -----
    Cost per IRLS iteration: one QR of the n x (p + 1) weighted system,
    ``2 n (p + 1)^2`` flops, plus O(n) elementwise work and a median
    (MAD) or a short fixed-point iteration (Huber's scale); typically
    10-30 iterations with the default tolerance.  Workspace: the QR's
    (TSQR's cache-sized blocks for tall data), a few n-vectors.
    The data are copied once; the inputs are never modified.
    """

    def __init__(self, endog, exog, M=None, missing: str = "none", *, hasconst=None):
        if missing not in ("none", "raise"):
            raise ValueError("missing must be 'none' or 'raise' (drop rows before fitting)")
        M = HuberT() if M is None else M
        for name in ("rho", "psi", "weights", "psi_deriv"):
            if not callable(getattr(M, name, None)):
                raise TypeError(f"M must be a robust norm with rho, psi, weights and psi_deriv, got {M!r}")
        self.M = M
        data = as_endog_exog(endog, exog)
        self.endog = data.endog
        self.exog = data.exog
        self.endog_names = data.endog_name
        self.exog_names = list(data.exog_names)
        self.row_labels = data.row_labels
        self.data_is_pandas = is_pandas(exog)
        n, p = self.exog.shape
        self.nobs = float(n)
        self.k_constant = 1 if (data.const_idx is not None and hasconst is not False) or hasconst else 0
        # statsmodels' degrees of freedom from the rank of exog (set by the first fit when columns alias)
        self.df_resid = float(n - p)
        self.df_model = float(p - 1)

    @classmethod
    def from_formula(cls, formula: str, data, M=None, **kwargs):
        """``RLM.from_formula("y ~ x1 + C(g)", data, M=TukeyBiweight())`` via formulaic."""
        from jitla.regression._model import _formula_matrices

        y, X, _spec = _formula_matrices(formula, data)
        return cls(y, X, M, **kwargs)

    def __repr__(self) -> str:
        return f"RLM(nobs={int(self.nobs)}, k={self.exog.shape[1]}, M={self.M!r})"

    def predict(self, params, exog=None):
        """Linear prediction ``exog @ params`` (the model's exog by default)."""
        params = np.nan_to_num(np.asarray(params, dtype=np.float64))
        X = self.exog if exog is None else np.asarray(exog, dtype=np.float64)
        return (X[np.newaxis, :] if X.ndim == 1 else X) @ params

    # ------------------------------------------------------------------ fitting
    def _criterion(self, conv, beta, resid, w, k):
        """The quantity whose change stops the iteration (statsmodels' ``_update_history``).

        statsmodels divides the residuals for ``"dev"`` and ``"sresid"`` by the
        weighted least-squares *variance* ``sum w r^2 / (n - k)`` of the last fit,
        not by the robust scale: kept, so that both stop at the same iteration.
        """
        if conv == "coefs":
            return beta
        if conv == "weights":
            return w
        wvar = float(np.dot(w, resid * resid)) / (resid.shape[0] - k)
        sresid = resid / wvar
        if conv == "sresid":
            return sresid
        return float(np.sum(self.M.rho(sresid)))

    def _irls(self, ols, maxiter, tol, scale_of, update_scale, conv, start_params, start_scale) -> _RLMState:
        """IRLS from the least-squares fit *ols* of the whole design (its R and aliased columns)."""
        X, y = self.exog, self.endog
        n, p = X.shape
        kept = ~ols.aliased
        k = int(kept.sum())
        Xk = X if k == p else np.ascontiguousarray(X[:, kept])
        if start_params is None:
            beta = ols.params[kept, 0]
            resid = y - Xk @ beta
        else:
            beta = np.atleast_1d(np.asarray(start_params, dtype=np.float64).squeeze())
            if beta.ndim != 1 or beta.shape[0] != p:
                raise ValueError(f"start_params must by a 1-d array with {p} values")
            if not np.all(np.isfinite(beta)):
                raise ValueError("start_params must be finite")
            resid = y - X @ beta
            beta = beta[kept]
        scale = float(start_scale) if start_scale else scale_of(resid)
        w = np.ones(n)
        hist = {"params": [beta], "scale": [scale], conv: [self._criterion(conv, beta, resid, w, k)]}
        # a scale this small is zero to rounding: more than half the residuals are roundoff of the
        # data's typical size (from the start: the fitted values keep the size of y's bulk)
        size = max(float(np.median(np.abs(y))), float(np.median(np.abs(y - resid))))
        tiny = EXACT_FIT_ULPS * np.finfo(np.float64).eps * size
        it, converged, exact = 1, False, False
        while True:
            if scale <= tiny:
                exact = True
                break
            w = self.M.weights(resid / scale)
            fit = fit_least_squares(Xk, y[:, np.newaxis], sqrt_weights=np.sqrt(w))
            if fit.rank < k:
                raise ValueError(
                    f"the weighted least-squares step of iteration {it} is rank-deficient: too many "
                    "observations have weight 0 (a redescending norm with too few points inside its "
                    "support); try HuberT, a larger tuning constant or start_params"
                )
            beta = fit.params[:, 0]
            resid = y - Xk @ beta
            if update_scale:
                scale = scale_of(resid)
            crit = self._criterion(conv, beta, resid, w, k)
            hist["params"].append(beta)
            hist["scale"].append(scale)
            hist[conv].append(crit)
            it += 1
            change = np.abs(np.asarray(hist[conv][-1]) - np.asarray(hist[conv][-2]))
            if not np.any(change > tol):
                converged = True
                break
            if it >= maxiter:
                break
            if len(hist["params"]) > 2:  # keep the last two iterates only: the criterion needs no more
                for key in hist:
                    del hist[key][0]
        hist["iteration"] = it
        params = np.full(p, np.nan)
        params[kept] = beta
        return _RLMState(params, kept, ols.R, resid, w, 0.0 if exact else scale, it, converged, exact, hist)

    def fit(
        self,
        maxiter: int = 50,
        tol: float = 1e-8,
        scale_est="mad",
        cov: str = "H1",
        update_scale: bool = True,
        conv: str = "dev",
        start_params=None,
        start_scale=None,
    ) -> RLMResults:
        """Fit by IRLS from least squares; returns :class:`RLMResults`.

        Parameters
        ----------
        maxiter : int
            Most least-squares fits, the unweighted start included
            (statsmodels' count); a :class:`RLMConvergenceWarning` when reached.
        tol : float
            Stop when the criterion changes by at most *tol* (absolute).
        scale_est : "mad", "HuberScale", HuberScale or callable
            ``"mad"``: median absolute residual over Phi^{-1}(3/4);
            ``HuberScale(d=2.5)``: Huber's proposal 2; a callable ``f(resid)``
            (times ``sqrt(n / df_resid)``, as statsmodels) or
            ``f(model, resid)`` (as returned).
        cov : {"H1", "H2", "H3"}
            Huber's covariance estimates (module docstring).
        update_scale : bool
            Re-estimate the scale after every fit (else keep the first one).
        conv : {"dev", "coefs", "weights", "sresid"}
            Criterion: statsmodels' deviance ``sum rho(r / sigma^2)`` (sigma^2
            the weighted LS variance), the coefficients, the weights, or
            ``r / sigma^2``.  ``"params"`` is accepted for ``"coefs"``.
        start_params : (p,) array_like, optional
            Starting coefficients instead of least squares.
        start_scale : float, optional
            Starting scale; with ``update_scale=False`` it is kept throughout.

        Raises
        ------
        ValueError
            Bad options, fewer observations than estimable coefficients plus
            one, a weighted step that loses rank.
        """
        cov = str(cov).upper()
        if cov not in COV_TYPES:
            raise ValueError(f"cov must be one of {list(COV_TYPES)}, got {cov!r}")
        conv = "coefs" if conv == "params" else conv
        if conv not in CONV:
            raise ValueError(f"conv must be one of {list(CONV)}, got {conv!r}")
        maxiter = int(maxiter)
        if maxiter < 1:
            raise ValueError("maxiter must be at least 1")
        if start_scale is not None and not (math.isfinite(float(start_scale)) and float(start_scale) >= 0):
            raise ValueError("start_scale must be a finite non-negative number")
        scale_name = (
            scale_est
            if isinstance(scale_est, str)
            else type(scale_est).__name__
            if isinstance(scale_est, HuberScale)
            else getattr(scale_est, "__name__", repr(scale_est))
        )
        if start_scale and not update_scale:
            scale_name = "fixed"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # aliasing is reported once, below
            ols = fit_least_squares(self.exog, self.endog[:, np.newaxis])
        model = self._with_rank(ols.rank)
        if model.df_resid <= 0:
            raise ValueError(
                f"RLM needs more observations than coefficients: {int(model.nobs)} observations, "
                f"{int(model.df_model) + 1} estimable coefficients"
            )
        scale_of = _scale_function(model, scale_est)
        with np.errstate(divide="ignore", invalid="ignore"):
            state = model._irls(
                ols, maxiter, float(tol), scale_of, bool(update_scale), conv, start_params, start_scale
            )
        if not state.kept.all():
            warn_aliased(model.exog_names, ~state.kept, stacklevel=3)
        if state.exact_fit:
            warnings.warn(
                "the robust scale is 0: more than half the observations lie exactly on the fitted "
                f"hyperplane (after {state.n_iter} fits); the coefficients are that exact fit and the "
                "scale, standardized residuals and standard errors are 0",
                ExactFitWarning,
                stacklevel=2,
            )
        elif not state.converged:
            warnings.warn(
                f"IRLS did not converge in {state.n_iter} fits (maxiter={maxiter}); "
                f"the {conv!r} criterion was still changing by more than tol={tol:g}",
                RLMConvergenceWarning,
                stacklevel=2,
            )
        options = {"cov": cov, "scale_est": scale_name, "norm": type(self.M).__name__, "conv": conv}
        return RLMResults(model, state, cov, options)

    def _with_rank(self, rank: int) -> RLM:
        """The model itself when exog has full column rank, else a copy with statsmodels' rank-based df."""
        if rank == self.exog.shape[1]:
            return self
        m = RLM.__new__(RLM)
        m.__dict__.update(self.__dict__)
        m.df_resid = self.nobs - rank
        m.df_model = float(rank - 1)
        return m


class RLMResults(IterativeFitResults):
    """Results of :meth:`RLM.fit`, with statsmodels' names and values.  Immutable.

    ``params``, ``bse``, ``tvalues`` (z), ``pvalues``, ``conf_int()``,
    ``cov_params()`` (= ``bcov_scaled``, the chosen H1/H2/H3),
    ``bcov_unscaled`` / ``normalized_cov_params`` (``(X^T X)^{-1}``),
    ``scale``, ``weights`` (of the last weighted fit), ``resid``,
    ``sresid`` (``resid / scale``), ``fittedvalues``, ``chisq``,
    ``df_model``, ``df_resid``, ``nobs``, ``n_iter``, ``converged``,
    ``fit_history``, ``fit_options``, ``predict``, ``summary``.
    """

    def __init__(self, model: RLM, state: _RLMState, cov: str, options: dict):
        d = self.__dict__
        d["model"] = model
        d["_state"] = state
        d["cov"] = cov
        d["fit_options"] = options
        d["scale"] = state.scale
        d["nobs"] = model.nobs
        d["df_model"] = model.df_model
        d["df_resid"] = model.df_resid
        d["n_iter"] = state.n_iter
        d["converged"] = state.converged
        d["fit_history"] = state.history
        d["use_t"] = False

    # ------------------------------------------------------------------ fit
    @cached_property
    def fittedvalues(self):
        return self._wrap_rows(_frozen(self.model.endog - self._state.resid))

    @cached_property
    def resid(self):
        return self._wrap_rows(_frozen(self._state.resid.copy()))

    @cached_property
    def _sresid(self) -> np.ndarray:
        if self.scale == 0.0:
            return np.zeros_like(self._state.resid)
        return self._state.resid / self.scale

    @cached_property
    def sresid(self):
        return self._wrap_rows(_frozen(self._sresid.copy()))

    @cached_property
    def weights(self):
        return self._wrap_rows(_frozen(self._state.weights.copy()))

    def predict(self, exog=None):
        """Fitted values (``exog=None``) or ``exog @ params``."""
        return self.model.predict(self._state.params, exog)

    # ------------------------------------------------------------------ covariance
    @property
    def bcov_unscaled(self) -> np.ndarray:
        return self.normalized_cov_params

    @cached_property
    def bcov_scaled(self) -> np.ndarray:
        """The covariance chosen by ``cov`` (H1, H2 or H3; module docstring)."""
        z = self._sresid
        M = self.model.M
        dpsi = M.psi_deriv(z)
        m = float(np.mean(dpsi))
        K = 1.0 + (self.df_model + 1.0) / self.nobs * float(np.var(dpsi)) / (m * m)
        psi = M.psi(z)
        tau = float(np.dot(psi, psi)) / self.df_resid * self.scale**2
        Ri = self._Rinv
        if self.cov == "H1":
            return _frozen(self._expand(K * K * tau / (m * m) * matmul(Ri, Ri.T)))
        # W = X^T diag(psi') X = R^T (Q^T diag(psi') Q) R with Q = X R^{-1}
        kept = self._state.kept
        Xk = self.model.exog if kept.all() else self.model.exog[:, kept]
        Q = matmul(Xk, Ri)
        Mq = matmul((Q * dpsi[:, np.newaxis]).T, Q)
        S = solve(Mq, Ri.T)  # M^{-1} R^{-T}
        if self.cov == "H2":
            return _frozen(self._expand(K * tau / m * matmul(Ri, S)))
        return _frozen(self._expand(tau / K * matmul(S.T, S)))

    @property
    def _cov(self) -> np.ndarray:
        return self.bcov_scaled

    @cached_property
    def chisq(self):
        return self._wrap(_frozen(self._z**2))

    # ------------------------------------------------------------------ presentation
    def summary(self, alpha: float = 0.05) -> str:
        """A statsmodels-style text table of the fit."""
        opts = self.fit_options
        head = [
            ("Dep. Variable:", str(self.model.endog_names), "No. Observations:", f"{int(self.nobs)}"),
            ("Model:", "RLM", "Df Residuals:", f"{self.df_resid:g}"),
            ("Method:", "IRLS", "Df Model:", f"{self.df_model:g}"),
            ("Norm:", opts["norm"], "Scale:", f"{self.scale:.5g}"),
            ("Scale Est.:", str(opts["scale_est"])[:20], "Converged:", "yes" if self.converged else "no"),
            ("Cov Type:", opts["cov"], "No. Iterations:", f"{self.n_iter}"),
        ]
        width = 78
        out = ["Robust Linear Model Regression Results".center(width), "=" * width]
        out += [f"{a:<16}{b:>22}   {c:<18}{d:>19}" for a, b, c, d in head]
        out.append("=" * width)
        lo, hi = f"[{alpha / 2:g}", f"{1 - alpha / 2:g}]"
        out.append(f"{'':<16}" + "".join(f"{h:>10}" for h in ("coef", "std err", "z", "P>|z|", lo, hi)))
        out.append("-" * width)
        ci = np.asarray(self.conf_int(alpha))
        table = zip(
            self.model.exog_names,
            self._state.params,
            self._bse,
            self._z,
            np.asarray(self.pvalues),
            ci,
            strict=True,
        )
        for name, b, se, z, pv, (c0, c1) in table:
            label = name if len(name) <= 15 else name[:14] + "~"
            cells = [_num(b, 9), _num(se, 9), _num(z, 9), _pvalue(pv), _num(c0, 9), _num(c1, 9)]
            out.append(f"{label:<16}" + "".join(f"{c:>10}" for c in cells))
        out.append("=" * width)
        if self._state.exact_fit:
            out.append(
                "More than half the observations lie exactly on the fit: scale and standard errors are 0."
            )
        return "\n".join(out)
