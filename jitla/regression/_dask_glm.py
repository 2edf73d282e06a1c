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
for families whose likelihood needs the estimated scale).  Passes run
only when asked for: the HC0-HC3 sandwich (the meat summed over chunks in
``R^{-1}`` coordinates, as the in-memory fit), and for a Binomial fit with
fitted probabilities at 0 or 1 the separation check (below).  Means, every
kind of residual and the influence measures are lazy Dask collections,
one task per partition, never collected.

Separation: the in-memory check solves a linear program over all rows,
which a larger-than-memory fit cannot.  Here one pass counts the rows
with extreme fitted probabilities and keeps a bounded, deterministic
sample of them and of the other 0/1 rows; the program is solved on the
sample, and a second pass verifies the direction it finds on every row.
A verified direction proves the separation and names its columns; an
unverified one still warns (the symptom), naming no columns.

Not for Dask input (said by a ValueError): offsets, exposure, frequency
or variance weights, (successes, failures) Binomial responses, the
negative binomial with estimated alpha, a rank-deficient design and a
first IRLS step that leaves the family's range (give ``start_params``).
"""

from __future__ import annotations

import math
import warnings
from functools import cached_property

import numpy as np

from jitla.distributed import map_row_blocks
from jitla.distributed._tsqr import _as_matrix, _merge_r, aligned_row_blocks, chunk_r
from jitla.regression._fit import _fit_from_r
from jitla.regression._glm import (
    COV_TYPES,
    DASK_MODEL,
    EXTREME_MU,
    GLM,
    GLMConvergenceWarning,
    GLMResults,
    _IRLSState,
    glm,
    irls_step,
    separating_columns,
    separating_direction,
    warn_separation,
)
from jitla.regression.families import Binomial, Gaussian, Identity, NegativeBinomial, Poisson, Tweedie

# GLM, glm: jitla.regression loads them here
__all__ = ["DaskGLM", "DaskGLMResults", "DaskGLMInfluence", "GLM", "glm"]


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
            R = chunk_r(X, z[:, np.newaxis], np.sqrt(w))
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


class _MeatPass:
    """``(sum G^T G for HC0/HC1, HC2, HC3)`` with rows ``G_i = u_i x_i^T R^{-1}`` (picklable).

    ``u_i = (y_i - mu_i) / (V(mu_i) g'(mu_i))`` is the score weight,
    divided by ``sqrt(1 - h_i)`` (HC2) or ``1 - h_i`` (HC3) with the
    leverage ``h_i = w_i ||x_i^T R^{-1}||^2``.
    """

    def __init__(self, family, beta, Rinv):
        self.family, self.beta, self.Rinv = family, beta, Rinv

    def __call__(self, i, X, y):
        fam, link = self.family, self.family.link
        X = _as_matrix(X, "exog", i)
        y = _as_matrix(y, "endog", i)[:, 0]
        r = self.Rinv.shape[0]
        if X.shape[0] == 0:
            return tuple(np.zeros((r, r)) for _ in range(3))
        mu = fam.clip_mu(link.inverse(X @ self.beta))
        g, v = link.deriv(mu), fam.variance(mu)
        u = (y - mu) / (v * g)
        Q = X @ self.Rinv
        h = np.einsum("ij,ij->i", Q, Q) / (g * g * v)
        return tuple(
            (Q * uk[:, None]).T @ (Q * uk[:, None]) for uk in (u, u / np.sqrt(1.0 - h), u / (1.0 - h))
        )


def _merge_meats(*parts):
    out = parts[0]
    for part in parts[1:]:
        out = tuple(a + b for a, b in zip(out, part, strict=True))
    return out


#: Per-row columns of :class:`_RowPass`, in order.
ROW_COLUMNS = (
    "mu",
    "resid_response",
    "resid_pearson",
    "resid_deviance",
    "resid_working",
    "resid_anscombe",
    "hat_diag",
    "standard_resid",
    "cooks_d",
)


class _RowPass:
    """Per partition: the ``ROW_COLUMNS`` of each row from its data, ``R^{-1}`` and the fit (picklable)."""

    def __init__(self, family, beta, Rinv, scale, frame):
        self.family, self.beta, self.Rinv, self.scale, self.frame = family, beta, Rinv, scale, frame

    def __call__(self, i, X, y):
        fam, link = self.family, self.family.link
        index = getattr(X, "index", None)
        X = _as_matrix(X, "exog", i)
        y = _as_matrix(y, "endog", i)[:, 0]
        m, k = X.shape[0], self.Rinv.shape[0]
        ones = np.ones(m)
        with np.errstate(invalid="ignore", divide="ignore"):
            mu = fam.clip_mu(link.inverse(X @ self.beta))
            g, v = link.deriv(mu), fam.variance(mu)
            r = y - mu
            pearson = r / np.sqrt(v)
            Q = X @ self.Rinv
            h = np.einsum("ij,ij->i", Q, Q) / (g * g * v)
            student = pearson / np.sqrt(self.scale * (1.0 - h))
            try:
                anscombe = fam.resid_anscombe(y, mu, ones, ones) / math.sqrt(self.scale)
            except NotImplementedError:
                anscombe = np.full(m, np.nan)
            table = np.column_stack(
                [
                    mu,
                    r,
                    pearson,
                    fam.resid_dev(y, mu, ones),
                    r * g,
                    anscombe,
                    h,
                    student,
                    student**2 * h / ((1.0 - h) * k),
                ]
            )
        if not self.frame:
            return table
        import pandas as pd

        return pd.DataFrame(table, columns=list(ROW_COLUMNS), index=index)


class _ExtremePass:
    """Binomial fit: ``(rows at 0 or 1, sample of s_i x_i of those, sample of s_i x_i of the others)``.

    The samples are the first *keep* rows of each kind in the partition, so
    they depend on the partitioning only (picklable).
    """

    def __init__(self, beta, keep):
        self.beta, self.keep = beta, keep

    def __call__(self, i, X, y):
        X = _as_matrix(X, "exog", i)
        y = _as_matrix(y, "endog", i)[:, 0]
        with np.errstate(over="ignore"):
            mu = 1.0 / (1.0 + np.exp(-(X @ self.beta)))
        binary = (y == 0) | (y == 1)
        extreme = binary & ((mu < EXTREME_MU) | (mu > 1 - EXTREME_MU))
        SX = np.where(y > 0.5, 1.0, -1.0)[:, None] * X
        return (
            int(extreme.sum()),
            SX[extreme][: self.keep],
            SX[binary & ~extreme][: self.keep],
        )


def _merge_extremes(*parts):
    return (
        sum(p[0] for p in parts),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


class _FirstRows:
    """Merge one partition's slabs as :func:`_merge_extremes`, keeping its first *keep* rows of each kind."""

    def __init__(self, keep):
        self.keep = keep

    def __call__(self, *parts):
        count, extreme, other = _merge_extremes(*parts)
        return (count, extreme[: self.keep], other[: self.keep])


class _VerifyPass:
    """``(min_i s_i x_i^T d / (||x_i|| ||d||), sum_i s_i x_i^T d)`` over the 0/1 rows (picklable)."""

    def __init__(self, d):
        self.d = d

    def __call__(self, i, X, y):
        X = _as_matrix(X, "exog", i)
        y = _as_matrix(y, "endog", i)[:, 0]
        binary = (y == 0) | (y == 1)
        SX = np.where(y > 0.5, 1.0, -1.0)[binary, None] * X[binary]
        if SX.shape[0] == 0:
            return (math.inf, 0.0)
        t = SX @ self.d
        scale = np.linalg.norm(SX, axis=1) * np.linalg.norm(self.d)
        return (float(np.min(t / np.maximum(scale, 1e-300))), float(t.sum()))


def _merge_verify(*parts):
    return (min(p[0] for p in parts), sum(p[1] for p in parts))


#: Rows of each kind the separation check samples, over all partitions together.
SEPARATION_SAMPLE = 20_000


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

            def evaluate(b):
                R_b, dev_b, ok_b, _, _ = self._evaluate(b)
                return R_b, dev_b, ok_b

            # the in-memory GLM's step halving and convergence test (no restart: a first step out of
            # the family's range asks for start_params)
            beta, R_next, dev, n_halved, converged = irls_step(evaluate, fit.params[:, 0], beta, dev, tol)
            halvings += n_halved
            if converged:
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

        Parameters as :meth:`GLM.fit`.  An HC ``cov_type`` costs one more
        pass over the data, run when the covariance is first needed.
        """
        if str(method).upper() != "IRLS":
            raise ValueError(f"method must be 'IRLS', got {method!r}")
        if cov_type not in COV_TYPES:
            raise ValueError(f"cov_type must be one of {COV_TYPES}, got {cov_type!r}")
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
        if isinstance(self.family, Binomial):
            self._check_separation(state.params)
        return DaskGLMResults(self, state, scale=scale, cov_type=cov_type, use_t=bool(use_t))

    def _check_separation(self, beta) -> None:
        """Warn when the fit shows separation: a pass for the symptom, a pass to verify the direction."""
        beta = np.asarray(beta, dtype=np.float64)
        blocks = aligned_row_blocks((self.exog, "exog"), (self.endog, "endog"))
        keep = max(50, SEPARATION_SAMPLE // max(1, len(blocks[0])))
        found = map_row_blocks(
            _ExtremePass(beta, keep), blocks, _merge_extremes, self.split_every, slab_merge=_FirstRows(keep)
        )
        count, ext, other = found
        if count == 0:
            return
        detail = f" ({count} of {int(self.nobs)} fitted probabilities are 0 or 1 to within {EXTREME_MU:g})"
        d = separating_direction(np.concatenate([ext, other]))
        if d is False and ext.shape[0] == count:
            # every extreme row was in the program, and nothing separates them from the sampled rest:
            # large effects, not separation (as the in-memory check)
            return
        if d is None or d is False:
            # no direction separates even the sample: the symptom without a proof
            warn_separation([], stacklevel=4, detail=detail + "; no separating direction was verified")
            return
        worst, total = map_row_blocks(_VerifyPass(d), blocks, _merge_verify, self.split_every)
        if worst >= -1e-9 and total > 0:
            warn_separation(separating_columns(self.exog_names, d), stacklevel=4, detail=detail)
        else:
            detail += "; the sampled direction did not separate every row"
            warn_separation([], stacklevel=4, detail=detail)


class DaskGLMResults(GLMResults):
    """:class:`GLMResults` of a Dask fit: sums over the chunks instead of n-sized arrays.

    ``mu`` / ``fittedvalues`` and every kind of residual are lazy Dask
    arrays; HC covariances run one more pass when first needed; influence
    measures are a lazy Dask DataFrame (``get_influence().summary_frame()``).
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

    # ------------------------------------------------------------------ per-row, lazy
    def _row_parts(self, frame: bool):
        m = self.model
        beta = np.asarray(self._state.params, dtype=np.float64)
        func = _RowPass(self.family, beta, np.ascontiguousarray(self._Rinv), self.scale, frame)
        X, y = aligned_row_blocks((m.exog, "exog"), (m.endog, "endog"))
        from dask import delayed

        return [delayed(func, pure=True)(i, xb, yb) for i, (xb, yb) in enumerate(zip(X, y, strict=True))]

    @cached_property
    def _rows(self):
        """The ``ROW_COLUMNS`` of every row as one lazy (n, 9) Dask array."""
        import dask.array as da

        X = self.model.exog
        lengths = X.chunks[0] if hasattr(X, "chunks") and hasattr(X, "ndim") else None
        parts = self._row_parts(frame=False)
        if lengths is None or len(lengths) != len(parts):
            lengths = [math.nan] * len(parts)
        k = len(ROW_COLUMNS)
        return da.concatenate(
            [da.from_delayed(p, shape=(n, k), dtype=np.float64) for p, n in zip(parts, lengths, strict=True)]
        )

    def _column(self, name: str):
        return self._rows[:, ROW_COLUMNS.index(name)]

    @cached_property
    def mu(self):
        """Fitted means, a lazy Dask array."""
        return self._column("mu")

    @property
    def fittedvalues(self):
        return self.mu

    @property
    def _mu(self):
        raise NotImplementedError("the fitted means of Dask input are lazy: use mu")

    @property
    def resid_response(self):
        """``endog - mu``, lazy."""
        return self._column("resid_response")

    @property
    def resid_pearson(self):
        """``(y - mu) / sqrt(V(mu))``, lazy."""
        return self._column("resid_pearson")

    @property
    def resid_deviance(self):
        """Signed square roots of the unit deviances, lazy."""
        return self._column("resid_deviance")

    @property
    def resid_working(self):
        """``(y - mu) g'(mu)``, lazy."""
        return self._column("resid_working")

    @property
    def resid_anscombe(self):
        """Anscombe residuals over ``sqrt(scale)``, lazy (NaN for families without them)."""
        return self._column("resid_anscombe")

    # ------------------------------------------------------------------ covariance
    @cached_property
    def _hc_meats(self):
        m = self.model
        beta = np.asarray(self._state.params, dtype=np.float64)
        return m._pass(_MeatPass(self.family, beta, np.ascontiguousarray(self._Rinv)), _merge_meats)

    def _sandwich(self, kind: str) -> np.ndarray:
        meat = dict(zip(("HC0", "HC2", "HC3"), self._hc_meats, strict=True))[kind.replace("HC1", "HC0")]
        Ri = self._Rinv
        C = Ri @ meat @ Ri.T
        if kind == "HC1":
            n = self.nobs
            C = C * (n / (n - self.rank))
        return self._expand(C)

    def get_influence(self):
        """Leverage, studentized residuals and Cook's distance as a lazy frame (:class:`DaskGLMInfluence`)."""
        return DaskGLMInfluence(self)

    def get_prediction(self, exog=None, exposure=None, offset=None):
        if exog is None:
            raise NotImplementedError("predictions for the Dask data itself: use mu (lazy)")
        return super().get_prediction(exog, exposure=exposure, offset=offset)

    def predict(self, exog=None, exposure=None, offset=None, which: str = "mean"):
        if exog is None:
            return self.mu if which == "mean" else self.mu.map_blocks(self.family.link, dtype=np.float64)
        return self.model.predict(self._state.params, exog, exposure=exposure, offset=offset, which=which)


class DaskGLMInfluence:
    """Influence measures of a Dask GLM fit, per partition from its rows, ``R^{-1}`` and the fit.

    The measures of :class:`jitla.regression._glm.GLMInfluence` (Pregibon,
    Ann. Statist. 9, 1981): ``hat_diag`` = ``w_i ||x_i^T R^{-1}||^2``,
    ``standard_resid`` = Pearson residual over ``sqrt(scale (1 - h_i))``,
    ``cooks_d`` = ``r_i^2 h_i / (k (1 - h_i))``.  ``summary_frame()`` is a
    lazy Dask DataFrame (write it with ``to_parquet``) with the input's
    index for DataFrame input.
    """

    def __init__(self, results: DaskGLMResults):
        self.results = results
        self.k_vars = results.rank

    @property
    def hat_matrix_diag(self):
        return self.results._column("hat_diag")

    @property
    def resid_studentized(self):
        return self.results._column("standard_resid")

    def summary_frame(self):
        import dask.dataframe as dd
        import pandas as pd

        parts = self.results._row_parts(frame=True)
        meta = pd.DataFrame({c: pd.Series(dtype=np.float64) for c in ROW_COLUMNS})
        frame = dd.from_delayed(parts, meta=meta, verify_meta=False)
        return frame[["cooks_d", "standard_resid", "hat_diag"]]


DASK_MODEL[:] = [DaskGLM]
