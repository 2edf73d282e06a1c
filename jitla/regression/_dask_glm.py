"""GLM by IRLS on Dask arrays and DataFrames: one pass over the chunks per iteration.

``GLM(y, X, family)`` with Dask input builds :class:`DaskGLM`.  Each IRLS
iteration is one pass (:func:`jitla.distributed.map_row_blocks`): a chunk
task evaluates the means at the trial coefficients, its deviance, and the
R factor of ``W^{1/2} [X | z]`` (working weights and response at those
means) with jitla's serial ``nogil`` Householder kernel; the factors merge
up the fixed tree of the OLS pass, so a run is bit-reproducible for a
given chunking.  The next coefficients are ``R11^{-1} r12`` on the client:
only (p+1)^2 numbers per chunk travel.  The iteration, its convergence
test (R's deviance test plus the coefficient test) and the step halving
are those of the in-memory :class:`jitla.regression.GLM`, so the results
agree with it (and with statsmodels) to rounding.

After convergence one more pass sums the deviance, Pearson's chi^2 and the
log-likelihood at the fit and at the constant-only model (a second one
for families whose likelihood needs the estimated scale).  Means and
response residuals are lazy Dask collections.

Not for Dask input (said by a ValueError): offsets, exposure, frequency
or variance weights, (successes, failures) Binomial responses, the
negative binomial with estimated alpha, a rank-deficient design, a first
IRLS step that leaves the family's range (give ``start_params``), and
HC covariances; influence measures are n-sized and not computed.
"""

from __future__ import annotations

import math
import warnings
from functools import cached_property

import numpy as np

from jitla.distributed import map_row_blocks
from jitla.distributed._tsqr import _as_matrix, _merge_r, aligned_row_blocks
from jitla.linalg import qr_r_augmented
from jitla.regression._fit import _fit_from_r
from jitla.regression._glm import (
    DASK_MODEL,
    GLM,
    MAX_HALVINGS,
    PARAM_TOL_FACTOR,
    GLMConvergenceWarning,
    GLMResults,
    _IRLSState,
    glm,
)
from jitla.regression.families import Gaussian, Identity, NegativeBinomial, Poisson, Tweedie

__all__ = ["DaskGLM", "DaskGLMResults", "GLM", "glm"]  # GLM, glm: jitla.regression loads them here


# --------------------------------------------------------------------------
# chunk passes (picklable callables; merged in partition order)
# --------------------------------------------------------------------------
class _IRLSPass:
    """At coefficients *beta* (None: the family's starting means) per chunk:
    ``(R of W^{1/2} [X | z], deviance, valid, rows, sum y)``."""

    def __init__(self, family, beta):
        self.family, self.beta = family, beta

    def __call__(self, i, X, y):
        fam, link = self.family, self.family.link
        X = _as_matrix(X, "exog", i)
        y = _as_matrix(y, "endog", i)[:, 0]
        m, p = X.shape
        if y.shape[0] != m:
            raise ValueError(f"partition {i}: exog has {m} rows but endog has {y.shape[0]}")
        ones = np.ones(m)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if self.beta is None:
                fam.check_endog(y)
                mu = fam.starting_mu(y, ones)
                eta = link(mu)
                valid = fam.valid_mu(mu) and bool(np.all(np.isfinite(eta)))
            else:
                eta = X @ self.beta
                mu = fam.clip_mu(link.inverse(eta))
                valid = fam.valid_mu(mu)
            dev = fam.deviance(y, mu, ones) if valid else math.inf
            if not (valid and math.isfinite(dev)):
                return (None, math.inf, False, m, float(y.sum()))
            g = link.deriv(mu)
            z = eta + (y - mu) * g
            w = 1.0 / (g * g * fam.variance(mu))
        if m == 0:
            R = np.zeros((p + 1, p + 1))
        else:
            R = qr_r_augmented(X, z[:, np.newaxis], sqrt_weights=np.sqrt(w), nthreads=1)
        return (R, dev, True, m, float(y.sum()))


def _merge_irls(*parts):
    dev, valid, m, sy = 0.0, True, 0, 0.0
    for _R, d, ok, rows, s in parts:
        dev, valid, m, sy = dev + d, valid and ok, m + rows, sy + s
    R = _merge_r(*[part[0] for part in parts]) if valid else None
    return (R, dev if valid else math.inf, valid, m, sy)


class _SumPass:
    """Per chunk ``[deviance, Pearson chi^2, loglike]`` at the fit and ``[deviance, loglike]`` at the null."""

    def __init__(self, family, beta, mu_null, scale, scale_null):
        self.family, self.beta, self.mu_null = family, beta, mu_null
        self.scale, self.scale_null = scale, scale_null

    def __call__(self, i, X, y):
        fam = self.family
        X = _as_matrix(X, "exog", i)
        y = _as_matrix(y, "endog", i)[:, 0]
        m = y.shape[0]
        if m == 0:
            return np.zeros(5)
        ones = np.ones(m)
        mu = fam.clip_mu(fam.link.inverse(X @ self.beta))
        mu0 = np.full(m, self.mu_null)
        r = y - mu
        return np.array(
            [
                fam.deviance(y, mu, ones),
                float(np.sum(r * r / fam.variance(mu))),
                float(np.sum(fam.loglike_obs(y, mu, ones, self.scale, ones))),
                fam.deviance(y, mu0, ones),
                float(np.sum(fam.loglike_obs(y, mu0, ones, self.scale_null, ones))),
            ]
        )


def _merge_sums(*parts):
    out = parts[0]
    for part in parts[1:]:
        out = out + part
    return out


# --------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------
class DaskGLM(GLM):
    """:class:`GLM` on Dask data (built by ``GLM(y, X, family)`` when y or X is a Dask collection).

    Parameters
    ----------
    endog : (n,) Dask array or Series
    exog : (n, p) Dask array or DataFrame, row-chunked like endog
    family : Family, default Gaussian()
    split_every : int
        Fan-in of the merge tree.

    Notes
    -----
    Per IRLS iteration (and per step halving): one pass over the data,
    ``2 n (p+1)^2`` flops in the chunk kernels, (p+1)^2 doubles per chunk
    through the tree.  Typically 4-8 passes, plus one (two when the scale
    is estimated) for the deviance, Pearson chi^2 and likelihoods.
    """

    def __init__(
        self,
        endog,
        exog,
        family=None,
        offset=None,
        exposure=None,
        freq_weights=None,
        var_weights=None,
        *,
        hasconst=None,
        missing="none",
        split_every=8,
    ):
        from jitla.regression._model import _names

        for name, value in (
            ("offset", offset),
            ("exposure", exposure),
            ("freq_weights", freq_weights),
            ("var_weights", var_weights),
        ):
            if value is not None:
                raise ValueError(f"{name} is not available for Dask input")
        if missing not in ("none", "raise"):
            raise ValueError("missing must be 'none' or 'raise' (drop rows before fitting)")
        family = Gaussian() if family is None else family
        from jitla.regression.families import Family

        if not isinstance(family, Family):
            raise TypeError(f"family must be a jitla.regression.families instance, got {family!r}")
        if isinstance(family, NegativeBinomial) and family.alpha is None:
            raise ValueError("the negative binomial with estimated alpha is not available for Dask input")
        if exog is None:
            raise ValueError("exog is required for Dask input")
        if getattr(exog, "ndim", 2) == 1 and not hasattr(exog, "columns"):
            exog = exog[:, None]
        if getattr(endog, "ndim", 1) == 2 and not hasattr(endog, "columns"):
            if endog.shape[1] != 1:
                raise ValueError("a (successes, failures) Binomial response is not available for Dask input")
        self.family = family
        self.endog, self.exog = endog, exog
        self.exog_names = _names(exog, None)
        self.endog_names = str(endog.name) if hasattr(endog, "to_frame") and endog.name is not None else "y"
        self.row_labels = None
        self.data_is_pandas = hasattr(exog, "columns")
        self._hasconst = hasconst
        self.k_constant = 1 if hasconst else 0
        self.split_every = int(split_every)
        self.offset = self.exposure = None
        self.nobs = self.wnobs = float("nan")  # known after the first pass

    def __repr__(self) -> str:
        return f"DaskGLM(k={len(self.exog_names)}, family={self.family!r})"

    def _pass(self, func, merge):
        blocks = aligned_row_blocks((self.exog, "exog"), (self.endog, "endog"))
        return map_row_blocks(func, blocks, merge, self.split_every)

    def _evaluate(self, beta):
        return self._pass(_IRLSPass(self.family, beta), _merge_irls)

    def _irls(self, start_params, maxiter: int, tol: float) -> _IRLSState:
        p = len(self.exog_names)
        kept = np.ones(p, dtype=bool)
        beta = None
        if start_params is not None:
            beta = np.asarray(start_params, dtype=np.float64).reshape(-1)
            if beta.shape != (p,):
                raise ValueError(f"start_params must have length {p}, got {beta.shape[0]}")
        R_next, dev, ok, n, sum_y = self._evaluate(beta)
        if not ok:
            raise ValueError(
                "cannot find valid starting values: please specify start_params"
                if beta is None
                else "start_params give means outside the family's range"
            )
        if n == 0:
            raise ValueError("the data have no rows")
        counts = isinstance(self.family, (Poisson, NegativeBinomial)) or (
            isinstance(self.family, Tweedie) and self.family.var_power >= 1
        )
        if counts and sum_y == 0:
            raise ValueError(
                f"endog is all zero: the {self.family.name} log-likelihood increases without bound as the "
                "means go to 0, so the maximum-likelihood estimate does not exist"
            )
        self.nobs = self.wnobs = float(n)
        self._mean_y = sum_y / n
        converged, halvings, R, it = False, 0, None, 0
        for it in range(1, maxiter + 1):  # noqa: B007 - the count is reported
            fit = _fit_from_r(np.ascontiguousarray(R_next), n, p, method="qr", refine=False, tol=None)
            if fit.rank < p:
                raise ValueError("the design is rank-deficient: not fitted on Dask input")
            R = fit.R
            step = fit.params[:, 0]
            old = beta
            for _ in range(MAX_HALVINGS + 1):
                R_trial, dev_new, ok, _, _ = self._evaluate(step)
                worse = beta is not None and dev_new > dev + 1e-10 * (abs(dev) + 0.1)
                if ok and math.isfinite(dev_new) and not worse:
                    break
                if old is None:
                    raise ValueError(
                        "the first IRLS step leaves the family's range: please specify start_params"
                    )
                step = 0.5 * (step + old)
                halvings += 1
            else:
                step = old
                R_trial, dev_new, ok, _, _ = self._evaluate(step)
            change = abs(dev_new - dev) / (abs(dev_new) + 0.1)
            moved = math.inf if beta is None else float(np.max(np.abs(step - beta), initial=0.0))
            size = float(np.max(np.abs(step), initial=0.0))
            beta, dev, R_next = step, dev_new, R_trial
            if change < tol and moved <= PARAM_TOL_FACTOR * tol * (size + 1.0):
                converged = True
                break
        return _IRLSState(beta.copy(), kept, R, None, None, dev, it, converged, halvings)

    def fit(
        self,
        start_params=None,
        maxiter: int = 100,
        method: str = "IRLS",
        tol: float = 1e-8,
        scale=None,
        cov_type: str = "nonrobust",
        use_t: bool = False,
    ):
        """Fit by IRLS, one pass over the chunks per iteration; returns :class:`DaskGLMResults`.

        Parameters as :meth:`GLM.fit`, except ``cov_type``: only
        ``"nonrobust"`` (the model-based covariance) for Dask input.
        """
        if str(method).upper() != "IRLS":
            raise ValueError(f"method must be 'IRLS', got {method!r}")
        if cov_type != "nonrobust":
            raise ValueError(f"cov_type must be 'nonrobust' for a GLM on Dask input, got {cov_type!r}")
        maxiter = int(maxiter)
        if maxiter < 1:
            raise ValueError("maxiter must be at least 1")
        state = self._irls(start_params, maxiter, float(tol))
        if not state.converged:
            warnings.warn(
                f"IRLS did not converge in {state.n_iter} iterations (maxiter={maxiter}); "
                "the deviance was still changing",
                GLMConvergenceWarning,
                stacklevel=2,
            )
        return DaskGLMResults(self, state, scale=scale, cov_type=cov_type, use_t=bool(use_t))


class DaskGLMResults(GLMResults):
    """:class:`GLMResults` of a Dask fit: sums over the chunks instead of n-sized arrays.

    ``mu`` / ``fittedvalues`` and ``resid_response`` are lazy Dask
    collections; the other residuals, HC covariances and influence
    measures are not available for Dask input.
    """

    def __init__(self, model, state, *, scale, cov_type, use_t):
        super().__init__(model, state, scale=scale, cov_type=cov_type, use_t=use_t)
        self.__dict__["nobs"] = model.nobs

    def _sums(self, scale, scale_null):
        m = self.model
        beta = np.asarray(self._state.params, dtype=np.float64)
        return m._pass(_SumPass(self.family, beta, m._mean_y, scale, scale_null), _merge_sums)

    @cached_property
    def _first_sums(self):
        return self._sums(1.0, 1.0)

    @cached_property
    def deviance(self) -> float:
        return float(self._first_sums[0])

    @cached_property
    def pearson_chi2(self) -> float:
        return float(self._first_sums[1])

    @cached_property
    def null_deviance(self) -> float:
        return float(self._first_sums[3])

    @cached_property
    def _loglikes(self):
        s_model, s_null = self._llf_scale(), self.scale
        if s_model == 1.0 and s_null == 1.0:
            sums = self._first_sums
        else:
            sums = self._sums(s_model, s_null)
        return float(sums[2]), float(sums[4])

    def _llf_scale(self) -> float:
        fam = self.family
        if isinstance(fam, Gaussian) and isinstance(fam.link, Identity):
            return self.deviance / self.model.wnobs  # the concentrated likelihood
        return self.scale

    @cached_property
    def llf(self) -> float:
        return self._loglikes[0]

    @cached_property
    def llnull(self) -> float:
        return self._loglikes[1]

    @cached_property
    def mu(self):
        """Fitted means, a lazy Dask collection."""
        beta = np.asarray(self._state.params, dtype=np.float64)
        X, inverse = self.model.exog, self.family.link.inverse
        if hasattr(X, "map_partitions"):
            return X.map_partitions(lambda df: inverse(np.asarray(df, dtype=np.float64) @ beta))
        return X.map_blocks(lambda b: inverse(b @ beta), drop_axis=1, dtype=np.float64)

    @property
    def fittedvalues(self):
        return self.mu

    @property
    def _mu(self):
        raise NotImplementedError("the fitted means of Dask input are lazy: use mu")

    @cached_property
    def resid_response(self):
        """``endog - mu``, lazy."""
        y = self.model.endog
        if getattr(y, "ndim", 1) == 2:
            y = y[:, 0]
        return y - self.mu

    def _not_for_dask(self, what):
        raise NotImplementedError(f"{what} are not computed for Dask input")

    @property
    def resid_pearson(self):
        self._not_for_dask("Pearson residuals")

    @property
    def resid_deviance(self):
        self._not_for_dask("deviance residuals")

    @property
    def resid_working(self):
        self._not_for_dask("working residuals")

    @property
    def resid_anscombe(self):
        self._not_for_dask("Anscombe residuals")

    def get_influence(self):
        self._not_for_dask("influence measures (n-sized)")

    def get_prediction(self, exog=None, exposure=None, offset=None):
        if exog is None:
            raise NotImplementedError("predictions for the Dask data itself: use mu (lazy)")
        return super().get_prediction(exog, exposure=exposure, offset=offset)

    def predict(self, exog=None, exposure=None, offset=None, which: str = "mean"):
        if exog is None:
            return self.mu if which == "mean" else self.mu.map_blocks(self.family.link, dtype=np.float64)
        return self.model.predict(self._state.params, exog, exposure=exposure, offset=offset, which=which)


DASK_MODEL[:] = [DaskGLM]
