"""Generalized linear models by iteratively reweighted least squares on jitla's QR.

Model (McCullagh & Nelder, *Generalized Linear Models*, 2nd ed., ch. 2)::

    g(mu_i) = x_i^T beta + offset_i,    Var[y_i] = phi V(mu_i) / w_i

Fisher scoring for beta is a weighted least-squares problem per iteration
(Green, JRSS B 46, 1984; R's ``glm.fit``)::

    z_i = eta_i - offset_i + (y_i - mu_i) g'(mu_i)          working response
    W_i = w_i / (g'(mu_i)^2 V(mu_i))                          working weights
    beta_new = argmin || W^{1/2} (z - X beta) ||

solved by jitla's Householder QR of ``W^{1/2} [X | z]`` (TSQR for tall data),
never by forming ``X^T W X``.  For the canonical link Fisher scoring is
Newton's method.  The iteration stops when the deviance changes by less
than ``tol * (|dev| + 0.1)`` (R's test); a step that makes the deviance
non-finite, the means leave the family's range or the deviance increase is
halved (R's ``glm.fit`` does the first two, Marschner's ``glm2`` the third).
Starting means are R's ``mustart`` (``Family.starting_mu``), so fits start
where R's do: the inverse-Gaussian fits that statsmodels cannot start from
its ``(y + mean(y)) / 2`` converge.

Inference: ``cov_params = phi (X^T W X)^{-1} = phi R^{-1} R^{-T}`` with R
from the last iteration's QR (phi = 1 for Binomial, Poisson and the negative
binomial with known alpha, else Pearson's chi^2 / df_resid, as statsmodels
and R); z statistics and normal intervals, as statsmodels' GLM.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from jitla.linalg import matmul
from jitla.linalg._checked import BINOMIAL_LOGIT, POISSON_LOG, glm_eval, glm_gram, glm_score
from jitla.linalg._qr import qr_r_augmented
from jitla.regression._constraints import linear_constraints
from jitla.regression._data import _numeric_values, as_endog_exog, constant_column, is_pandas
from jitla.regression._fit import fit_least_squares, warn_aliased
from jitla.regression._gram import (
    KAPPA_ITERATE,
    KAPPA_ONE_PASS,
    KAPPA_TWO_PASS,
    GramFactor,
    cholqr2_r,
    gram_factor,
    weighted_gram,
)
from jitla.regression._results import ContrastResults, IterativeFitResults, _frozen, _stats
from jitla.regression.families import (
    Binomial,
    Family,
    Gaussian,
    Identity,
    Log,
    Logit,
    NegativeBinomial,
    Poisson,
    Tweedie,
)

__all__ = ["GLM", "GLMResults", "glm", "PerfectSeparationWarning", "GLMConvergenceWarning"]

COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3")

#: Step halvings tried before an iteration gives up (R's glm.fit halves until the step is valid).
MAX_HALVINGS = 30

#: Tall data: IRLS first runs on a systematic subsample (every k-th row, about n / SUBSAMPLE_FRACTION
#: rows but at least SUBSAMPLE_ROWS_PER_COLUMN per coefficient, at most SUBSAMPLE_MAXITER iterations,
#: tolerance SUBSAMPLE_TOL) and the full-data iterations start from its coefficients: Fisher scoring
#: converges quadratically (canonical links) from there, so the full data are factored 2-3 times
#: instead of 4-8.  The answer is the same optimum (the full-data convergence test decides); only
#: ``n_iter`` (full-data iterations) differs from R's.  Skipped when the subsample fit fails.
SUBSAMPLE_MIN_ROWS = 50_000
SUBSAMPLE_FRACTION = 16
SUBSAMPLE_ROWS_PER_COLUMN = 200
SUBSAMPLE_MAXITER = 15
#: The subsample's convergence tolerance: coefficient moves below ``1e-2 (max|beta| + 1)`` (the
#: coefficient test's ``PARAM_TOL_FACTOR tol``).  Its optimum is a sampling error (~sqrt(p / m)
#: relative) from the full data's, and after such a move quadratic convergence has put the iterate
#: ~move^2 from it: iterating further only confirms, at one subsample Gram per iteration.
SUBSAMPLE_TOL = 1e-4

#: Fisher scoring by the Gram matrix (:mod:`jitla.regression._gram`) for designs with at least this
#: many rows per column; shorter ones (where a QR costs little) always use Householder QR.
GRAM_MIN_ROWS_PER_COLUMN = 4

#: Convergence also needs every coefficient step below ``PARAM_TOL_FACTOR * tol * (max|beta| + 1)``.
PARAM_TOL_FACTOR = 100.0


#: The Dask model class (:class:`jitla.regression._dask_glm.DaskGLM`), registered by its module, which
#: ``jitla.regression`` loads with GLM; ``GLM(y, X)`` builds it for Dask input (this module cannot
#: import it: that module subclasses GLM).
DASK_MODEL: list = []


class PerfectSeparationWarning(UserWarning):
    """A binomial fit whose classes are (quasi-)completely separated: the MLE does not exist.

    statsmodels' name (``statsmodels.tools.sm_exceptions``).  The message
    names the columns along which the log-likelihood keeps increasing.
    """


class GLMConvergenceWarning(UserWarning):
    """IRLS stopped at ``maxiter`` before the deviance settled (statsmodels' ``ConvergenceWarning``)."""


def _as_vector(values, n: int, what: str, *, positive: bool = False, allow_zero: bool = True) -> np.ndarray:
    v = _numeric_values(values, what)
    v = np.broadcast_to(v.reshape(-1) if v.ndim else v, (n,)).astype(np.float64).copy()
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{what} must be finite")
    if positive and (np.any(v < 0) or (not allow_zero and np.any(v == 0))):
        raise ValueError(f"{what} must be {'non-negative' if allow_zero else 'positive'}")
    return v


@dataclass(frozen=True)
class _IRLSState:
    params: np.ndarray  # (p,) NaN for aliased columns
    kept: np.ndarray  # (p,) bool
    R: np.ndarray  # (rank, rank) factor of W^{1/2} X[:, kept] at the last weights
    mu: np.ndarray
    eta: np.ndarray  # linear predictor including the offset
    deviance: float
    n_iter: int
    converged: bool
    halvings: int
    gram: object = None  # GramFactor of the last iteration's weighted design, when it had one


@dataclass(frozen=True)
class _Start:
    """Where the full-data IRLS starts after the subsample fit (its means, deviance and information)."""

    params: np.ndarray
    eta: np.ndarray
    mu: np.ndarray
    dev: float
    pending: tuple | None
    hessian: object
    score: np.ndarray | None = None  # X^T W r at params (canonical models: from the same pass)
    sensitivity: float = 1.0  # weighted RMS of d log(w) / d eta (see _weight_change)


class GLM:
    """Generalized linear model (statsmodels' ``GLM``): ``GLM(endog, exog, family).fit()``.

    Parameters
    ----------
    endog : (n,) array_like, or (n, 2) for Binomial
        Response; for Binomial either 0/1, proportions, or (successes,
        failures) columns (then the trials are their sum, as statsmodels).
    exog : (n, p) array_like
        Design matrix; no constant is added (as statsmodels: use
        :func:`glm` or add a column of ones).
    family : Family, default Gaussian()
        A :mod:`jitla.regression.families` instance with its link.
    offset : (n,) array_like, optional
        Added to the linear predictor with coefficient 1.
    exposure : (n,) array_like, optional
        ``log(exposure)`` is added to the offset (log link only).
    freq_weights : (n,) array_like, optional
        Frequency weights: observation i counts ``freq_weights[i]`` times
        (changes nobs and df_resid).
    var_weights : (n,) array_like, optional
        Variance (prior) weights: ``Var[y_i] = phi V(mu_i) / var_weights[i]``.

    Notes
    -----
    Cost per IRLS iteration: one QR of the n x (p + 1) weighted system,
    ``2 n (p+1)^2`` flops, plus O(n) elementwise work; typically 4-8
    iterations.  Workspace: the QR's (TSQR's cache-sized blocks for tall
    data), three n-vectors.
    """

    def __new__(cls, endog=None, exog=None, *args, **kwargs):
        dask_input = any(hasattr(v, "__dask_graph__") and hasattr(v, "to_delayed") for v in (endog, exog))
        if cls is GLM and dask_input:
            if not DASK_MODEL:
                raise TypeError("GLM on Dask input: import GLM from jitla.regression")
            return object.__new__(DASK_MODEL[0])
        return object.__new__(cls)

    def __init__(
        self,
        endog,
        exog,
        family: Family | None = None,
        offset=None,
        exposure=None,
        freq_weights=None,
        var_weights=None,
        *,
        hasconst=None,
        missing="none",
    ):
        if missing not in ("none", "raise"):
            raise ValueError("missing must be 'none' or 'raise' (drop rows before fitting)")
        family = Gaussian() if family is None else family
        if not isinstance(family, Family):
            raise TypeError(f"family must be a jitla.regression.families instance, got {family!r}")
        self.family = family
        n_trials = None
        y_in = endog
        if isinstance(family, Binomial):
            arr = np.asarray(endog.to_numpy() if is_pandas(endog) else endog)
            if arr.ndim == 2 and arr.shape[1] == 2:
                arr = _numeric_values(arr, "endog")
                total = arr.sum(axis=1)
                if np.any(arr < 0) or np.any(total <= 0):
                    raise ValueError(
                        "Binomial (successes, failures) must be non-negative with a positive total"
                    )
                n_trials = total
                y_in = arr[:, 0] / total
        data = as_endog_exog(
            y_in, exog, copy=False
        )  # held, never written (statsmodels holds a reference too)
        self.endog = data.endog
        self.exog = data.exog
        self.endog_names = data.endog_name if n_trials is None else "proportion"
        self.exog_names = list(data.exog_names)
        self.row_labels = data.row_labels
        self.data_is_pandas = is_pandas(exog)
        n, p = self.exog.shape
        self.nobs = float(n)
        self.k_constant = 1 if (data.const_idx is not None and hasconst is not False) or hasconst else 0
        family.check_endog(self.endog)
        counts = isinstance(family, (Poisson, NegativeBinomial)) or (
            isinstance(family, Tweedie) and family.var_power >= 1
        )
        if counts and not np.any(self.endog):
            raise ValueError(
                f"endog is all zero: the {family.name} log-likelihood increases without bound as the "
                "means go to 0, so the maximum-likelihood estimate does not exist"
            )
        # weights not given are one read-only vector of ones, shared (and never multiplied)
        ones = np.ones(n)
        ones.flags.writeable = False
        self.n_trials = ones if n_trials is None else n_trials
        self.freq_weights = (
            ones if freq_weights is None else _as_vector(freq_weights, n, "freq_weights", positive=True)
        )
        self.var_weights = (
            ones if var_weights is None else _as_vector(var_weights, n, "var_weights", positive=True)
        )
        self.offset = None if offset is None else _as_vector(offset, n, "offset")
        if exposure is not None:
            exposure = _as_vector(exposure, n, "exposure", positive=True, allow_zero=False)
            self.exposure = np.log(exposure)
        else:
            self.exposure = None
        off = np.zeros(n)
        if self.offset is not None:
            off += self.offset
        if self.exposure is not None:
            off += self.exposure
        self._offset_exposure = off
        fw, vw = self.freq_weights, self.var_weights
        self.iweights = fw if vw is ones else (vw if fw is ones else fw * vw)
        # the prior weights of the likelihood (frequency x variance weights x binomial trials)
        prior = self.iweights if self.n_trials is ones else self.iweights * self.n_trials
        # writeable (a private copy of the shared read-only ones): the kernels are typed for
        # writeable inputs, and a read-only one would compile every GLM kernel a second time
        self._prior = prior if prior.flags.writeable else prior.copy()
        self.wnobs = float(n) if fw is ones else float(fw.sum())

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def from_formula(cls, formula: str, data, family: Family | None = None, **kwargs):
        """``GLM.from_formula("y ~ x1 + C(g)", data, family=Poisson())`` via formulaic."""
        from jitla.regression._model import _formula_matrices

        y, X, _spec = _formula_matrices(formula, data)
        return cls(y, X, family, **kwargs)

    def __repr__(self) -> str:
        return f"GLM(nobs={int(self.nobs)}, k={self.exog.shape[1]}, family={self.family!r})"

    # ------------------------------------------------------------------ prediction
    def predict(self, params, exog=None, exposure=None, offset=None, which: str = "mean"):
        """Mean (``which="mean"``) or linear predictor (``"linear"``) at *params*.

        Without *exog* the model's own offset and exposure apply; with it,
        only those given here (as statsmodels).
        """
        params = np.nan_to_num(np.asarray(params, dtype=np.float64), nan=0.0)
        if exog is None:
            eta = self.exog @ params + self._offset_exposure
        else:
            X = np.asarray(exog, dtype=np.float64)
            X = X[np.newaxis, :] if X.ndim == 1 else X
            eta = X @ params
            if offset is not None:
                eta = eta + np.asarray(offset, dtype=np.float64)
            if exposure is not None:
                eta = eta + np.log(np.asarray(exposure, dtype=np.float64))
        if which == "linear":
            return eta
        if which != "mean":
            raise ValueError("which must be 'mean' or 'linear'")
        return self.family.link.inverse(eta)

    # ------------------------------------------------------------------ fitting
    def _deviance(self, mu) -> float:
        return self.family.deviance(self.endog, mu, self._prior)

    def _evaluate(self, eta):
        """Means at *eta* (offset included): ``(mu, deviance, valid, (sqrt weights, residuals) or None)``.

        The canonical binomial-logit and Poisson-log models get all of it from
        one loop (:func:`jitla.kernels.glm.glm_eval`), the weights and
        residuals of the next iteration included; other families from their
        numpy methods.  An invalid point has deviance ``inf``.
        """
        fam = self.family
        code = _canonical_code(fam)
        if code:
            mu, dev, sw, resid = glm_eval(code, eta, self.endog, self._prior)
            if not math.isfinite(dev):
                return mu, math.inf, False, None
            return mu, float(dev), True, (sw, resid)
        mu = fam.clip_mu(fam.link.inverse(eta))
        ok = fam.valid_mu(mu)
        return mu, (self._deviance(mu) if ok else math.inf), ok, None

    def _subsample_start(self, tol: float):
        """Coefficients from IRLS on a systematic subsample, or None (see :data:`SUBSAMPLE_MIN_ROWS`)."""
        n, p = self.exog.shape
        m = max(n // SUBSAMPLE_FRACTION, SUBSAMPLE_ROWS_PER_COLUMN * p)
        if n < SUBSAMPLE_MIN_ROWS or 2 * m > n:
            return None
        step = n // m
        sub = GLM.__new__(GLM)
        sub.__dict__.update(self.__dict__)
        for name in ("endog", "n_trials", "iweights", "_prior", "_offset_exposure"):
            setattr(sub, name, np.ascontiguousarray(getattr(self, name)[::step]))
        sub.exog = np.ascontiguousarray(self.exog[::step])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                st = sub._irls(None, SUBSAMPLE_MAXITER, max(tol, SUBSAMPLE_TOL))
        except (ValueError, FloatingPointError):
            return None
        if not (st.converged and st.kept.all()):
            return None  # e.g. separation in the subsample: start from R's means instead
        code = _canonical_code(self.family)
        score = None
        if code and st.gram is not None and self.exog.dtype == np.float64 and self.exog.flags.c_contiguous:
            # the means, weights and the score at the subsample's coefficients in one read of X
            eta, mu, dev, sw, resid, score = glm_score(
                code, self.exog, st.params, self._offset_exposure, self.endog, self._prior
            )
            ok, pending = math.isfinite(dev), (sw, resid)
        else:
            eta = self.exog @ st.params + self._offset_exposure
            mu, dev, ok, pending = self._evaluate(eta)
        if not ok:
            return None
        hessian = None
        if st.gram is not None:
            # the subsample's information matrix, scaled to the full data's total weight: the first
            # full-data step is quasi-Newton with it (a few per cent from the full Hessian)
            prior = self._prior
            c = math.sqrt(float(np.sum(prior)) / float(np.sum(sub._prior)))
            hessian = GramFactor(st.gram.R * c, st.gram.Rinv / c, st.gram.kappa)
        sensitivity = 1.0
        if code == BINOMIAL_LOGIT:
            # d log(w) / d eta = 1 - 2 mu for w = prior mu (1 - mu); weighted RMS over the subsample
            w_s = sub._prior * st.mu * (1.0 - st.mu)
            sensitivity = math.sqrt(float(np.sum(w_s * (1.0 - 2.0 * st.mu) ** 2)) / float(np.sum(w_s)))
        return _Start(st.params, eta, mu, dev, pending, hessian, score, sensitivity)

    def _irls_quasi(self, start: _Start, maxiter: int, tol: float, code: int):
        """Full-data IRLS from a subsample start: quasi-Newton, then one Newton step (canonical models).

        Each quasi-Newton step is ``beta + H_s^{-1} X^T W r`` with the exact
        score and the subsample's information matrix ``H_s`` (scaled to the
        full weight); eta, the evaluation and the score at the new point are
        one read of X (:func:`jitla.kernels.glm.glm_score`), against a full
        Gram matrix per Newton step.  Near the optimum the iteration is
        linear, contracting by ``||I - H_s^{-1} H||`` (~ sqrt(p / m) for a
        subsample of m rows: a few per cent).  The exact information
        ``X^T W X`` (one Gram) is formed once, at a point near enough to the
        optimum for two purposes:

        * the Newton step from there must pass the coefficient test
          (``PARAM_TOL_FACTOR tol (max|beta| + 1)``);
        * the Gram is the covariance's, so the working weights there must
          be those of the final point to ``PARAM_TOL_FACTOR tol`` (weighted
          RMS of their relative change, :func:`_weight_change`; statsmodels'
          and R's covariance is the information at the iterate before the
          last, which quadratic convergence puts closer still).

        The ratio of the last two quasi-Newton steps predicts the next one
        (linear convergence), so the pass at the point where both will hold
        is the fused :func:`jitla.kernels.glm.glm_gram` instead of the score
        alone.  The Newton step's deviance and coefficient change decide
        convergence as in :meth:`_irls`; a Newton step that moves more than
        the coefficient test allows is followed by one more step with the
        same information (its pass then forms the score too).  A step whose
        deviance increases is halved (R's ``glm.fit``).

        Returns ``(state, None)``, or ``(None, start)`` with the point to go
        on from by :meth:`_irls` (no Gram factor, not converged), plus the
        iterations and halvings spent.
        """
        X, y, off = self.exog, self.endog, self._offset_exposure
        prior = self._prior
        p = X.shape[1]
        Hs = start.hessian
        beta, eta, mu, dev = start.params, start.eta, start.mu, start.dev
        sw, resid = start.pending
        g = start.score
        it = halvings = 0
        last = math.inf
        G = None
        weight = float(np.dot(sw, sw))  # total working weight (sensitivity of the weights: start's)
        cov_tol = PARAM_TOL_FACTOR * tol

        def accept(dev_new):
            return math.isfinite(dev_new) and dev_new <= dev + 1e-10 * (abs(dev) + 0.1)

        def near(d, b):
            return float(np.max(np.abs(d))) <= PARAM_TOL_FACTOR * tol * (float(np.max(np.abs(b))) + 1.0)

        def cov_near(d, R):
            return _weight_change(d, R, weight, start.sensitivity) <= cov_tol

        def halved(step, base, score):
            # the Newton step from ``base``, halved towards it while the deviance increases (R's
            # glm.fit); ``out`` is None when no halving decreased it
            nonlocal halvings
            for _ in range(MAX_HALVINGS + 1):
                out = glm_score(code, X, step, off, y, prior, score=score)
                if accept(out[2]):
                    return out, step
                step = 0.5 * (step + base)
                halvings += 1
            return None, step

        while it < maxiter - 1:
            d = Hs.Rinv @ (Hs.Rinv.T @ g)
            size = float(np.max(np.abs(d)))
            if size > 0.5 * last or (near(d, beta) and cov_near(d, Hs.R)):
                break  # near enough for the exact information, or not contracting: Newton from here
            # linear convergence at the rate of the last two steps: when the step from the new point
            # will be near enough, the new point is where the Newton step is taken, so its pass
            # forms the Gram matrix (whose last column is the score) instead of the score alone
            ahead = d * (size / last)
            fused = math.isfinite(last) and near(ahead, beta + d) and cov_near(ahead, Hs.R)
            last = size
            for _ in range(MAX_HALVINGS + 1):
                if fused:
                    out = glm_gram(code, X, beta + d, off, y, prior)
                else:
                    out = glm_score(code, X, beta + d, off, y, prior)
                if accept(out[2]):
                    break
                d = 0.5 * d
                halvings += 1
                fused = False
            else:
                break  # no decrease along the quasi-Newton direction
            beta = beta + d
            it += 1
            if fused:
                eta, mu, dev, sw, resid, G = out
                break
            eta, mu, dev, sw, resid, g = out
        if G is None:
            G = weighted_gram(X, resid, sw)
        gram = gram_factor(G[:p, :p])
        if gram is None or gram.kappa > KAPPA_ITERATE:
            return None, _Start(beta, eta, mu, dev, (sw, resid), None), it, halvings
        gram_at, sw_at = beta, sw
        step = beta + gram.Rinv @ (gram.Rinv.T @ G[:p, p])
        # a Newton step that moves more than the coefficient test allows cannot end the iteration:
        # its pass also forms the score, for one more step with the information just formed
        out, step = halved(step, beta, not near(step - beta, step))
        if out is None:
            return None, _Start(beta, eta, mu, dev, (sw, resid), None), it, halvings
        it += 1
        while True:
            eta_n, mu_n, dev_n, sw_n, resid_n, g_n = out
            change = abs(dev_n - dev) / (abs(dev_n) + 0.1)
            moved = float(np.max(np.abs(step - beta)))
            size = float(np.max(np.abs(step)))
            converged = change < tol and moved <= PARAM_TOL_FACTOR * tol * (size + 1.0)
            # the Gram is the covariance's while the weights at its point are the last point's
            close = cov_near(step - gram_at, gram.R)
            if (converged and close) or it >= maxiter:
                kept = np.ones(p, dtype=bool)
                R = _covariance_r(X, sw_at, gram)
                state = _IRLSState(step, kept, R, mu_n, eta_n, dev_n, it, converged, halvings, gram)
                return state, None, it, halvings
            if g_n is None or not close:
                return None, _Start(step, eta_n, mu_n, dev_n, (sw_n, resid_n), None), it, halvings
            # one more step with the exact information of a point this close: the next iterate of
            # quadratic convergence, whose pass need not form the score again
            beta, eta, mu, dev, sw, resid = step, eta_n, mu_n, dev_n, sw_n, resid_n
            out, step = halved(beta + gram.Rinv @ (gram.Rinv.T @ g_n), beta, False)
            if out is None:
                return None, _Start(beta, eta, mu, dev, (sw, resid), None), it, halvings
            it += 1

    def _irls(self, start_params, maxiter: int, tol: float) -> _IRLSState:
        fam, link = self.family, self.family.link
        X, y, off = self.exog, self.endog, self._offset_exposure
        prior = self._prior
        p = X.shape[1]
        kept = np.ones(p, dtype=bool)
        hessian = None
        if isinstance(start_params, _Start):
            beta, eta, mu, dev, pending = (
                start_params.params,
                start_params.eta,
                start_params.mu,
                start_params.dev,
                start_params.pending,
            )
            hessian = start_params.hessian
        elif start_params is None:
            mu = fam.starting_mu(y, self.n_trials)
            eta = link(mu)
            if not (np.all(np.isfinite(eta)) and fam.valid_mu(mu)):
                raise ValueError("cannot find valid starting values: please specify start_params")
            beta = None
        else:
            beta = np.asarray(start_params, dtype=np.float64).reshape(-1)
            if beta.shape != (p,):
                raise ValueError(f"start_params must have length {p}, got {beta.shape[0]}")
            eta = X @ beta + off
            mu, dev, ok, pending = self._evaluate(eta)
            if not ok:
                raise ValueError("start_params give means outside the family's range")
        if start_params is None:
            dev, pending = self._deviance(mu), None
        converged, halvings, R, it = False, 0, None, 0
        # Fisher scoring through the Gram matrix (CholeskyQR) while it is well enough conditioned,
        # else (and from then on) through Householder QR of the weighted design
        use_gram = X.shape[0] >= GRAM_MIN_ROWS_PER_COLUMN * p
        if use_gram:
            X = np.ascontiguousarray(X, dtype=np.float64)  # the Gram kernel reads rows
        gram, sw = None, None
        for it in range(1, maxiter + 1):  # noqa: B007 - the count is reported
            all_kept = bool(kept.all())
            if pending is not None:
                sw, resid = pending  # computed with the means, by the canonical models' kernel
                w = sw * sw
            else:
                gprime = link.deriv(mu)
                resid = (y - mu) * gprime
                w = prior / (gprime * gprime * fam.variance(mu))
                sw = np.sqrt(w)
            gram = None
            quasi = hessian is not None and use_gram and beta is not None
            if quasi:
                # quasi-Newton step: the score by one pass over X, the subsample's information matrix
                score = start_params.score if start_params.score is not None else X.T @ (w * resid)
                fit_params = beta + hessian.Rinv @ (hessian.Rinv.T @ score)
                R, hessian = hessian.R, None
            elif use_gram and all_kept:
                # the step from the score X^T W r (r the working residual): exact at the fixed point
                # whatever the Gram's rounding; the first step solves for beta itself (z = eta + r)
                G = weighted_gram(X, resid if beta is not None else (eta - off) + resid, sw)
                gram = gram_factor(G[:p, :p])
                if gram is None or gram.kappa > KAPPA_ITERATE:
                    gram, use_gram = None, False
            if quasi:
                pass  # fit_params and R set above
            elif gram is not None:
                fit_params = gram.Rinv @ (gram.Rinv.T @ G[:p, p])
                if beta is not None:
                    fit_params = beta + fit_params
                R = gram.R
            else:
                z = (eta - off) + resid
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # aliasing is reported once, after the fit
                    fit = fit_least_squares(
                        X if all_kept else np.ascontiguousarray(X[:, kept]),
                        z[:, np.newaxis],
                        sqrt_weights=sw,
                    )
                if fit.rank < int(kept.sum()):
                    idx = np.flatnonzero(kept)
                    kept = kept.copy()
                    kept[idx[fit.aliased]] = False
                    fit_params = fit.params[~fit.aliased, 0]
                else:
                    fit_params = fit.params[:, 0]
                R = fit.R
            new = np.full(p, np.nan)
            Xk = X if kept.all() else X[:, kept]

            def evaluate(b, Xk=Xk):
                eta_b = Xk @ b + off
                mu_b, dev_b, ok_b, pend_b = self._evaluate(eta_b)
                return (eta_b, mu_b, pend_b), dev_b, ok_b

            def valid_start(Xk=Xk, eta=eta, w=w):
                # the first step from R's starting means left the family's range: halve towards the
                # least-squares fit of the starting linear predictor, if that one is valid
                b = _valid_start(self, Xk, eta - off, w)
                return b, self._deviance(fam.clip_mu(link.inverse(Xk @ b + off)))

            old = None if beta is None else beta[kept]
            step, (eta, mu, pending), dev, n_halved, ok = irls_step(
                evaluate, fit_params, old, dev, tol, valid_start
            )
            halvings += n_halved
            new[kept] = step
            beta = new
            # (never converged after a quasi-Newton step: the covariance needs this data's information)
            if ok and not quasi:
                converged = True
                break
        if gram is not None:
            R = _covariance_r(X, sw, gram)
        return _IRLSState(beta, kept, R, mu, eta, dev, it, converged, halvings, gram)

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
        """Fit by IRLS (Fisher scoring); returns :class:`GLMResults`.

        Parameters
        ----------
        start_params : (p,) array_like, optional
            Starting coefficients; default: R's starting means.
        maxiter : int
            Iteration limit (a :class:`GLMConvergenceWarning` when reached).
        method : {"IRLS"}
        tol : float
            Convergence: ``|dev - dev_old| / (|dev| + 0.1) < tol`` (R's).
        scale : None, float, "X2" or "dev"
            Dispersion: None (1 for Binomial/Poisson/NegativeBinomial,
            Pearson's chi^2 / df_resid otherwise), a number, or Pearson
            ("X2") / deviance ("dev") over df_resid.
        cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3"}
            Model-based or sandwich covariance.  HC0 is statsmodels' (which
            gives HC0 for every HCx of a GLM); HC1 scales by n / (n - k),
            HC2 / HC3 divide each score by (1 - h_i) / (1 - h_i)^2 with the
            GLM hat values h (R's ``sandwich::vcovHC``).
        use_t : bool
            t / F distributions instead of normal / chi^2.
        """
        if str(method).upper() != "IRLS":
            raise ValueError(f"method must be 'IRLS', got {method!r}")
        if cov_type not in COV_TYPES:
            raise ValueError(f"cov_type must be one of {list(COV_TYPES)}, got {cov_type!r}")
        maxiter = int(maxiter)
        if maxiter < 1:
            raise ValueError("maxiter must be at least 1")
        fam = self.family
        if isinstance(fam, NegativeBinomial) and fam.alpha is None:
            return _fit_nb_profile(self, start_params, maxiter, tol, scale, cov_type, use_t)
        # trial steps may leave the family's range (NaN means, overflow): they are detected and
        # halved, so numpy's floating-point warnings from them say nothing to the user
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if start_params is None:
                start_params = self._subsample_start(float(tol))
            state = None
            if isinstance(start_params, _Start) and start_params.score is not None:
                code = _canonical_code(fam)
                state, start_params, it, halvings = self._irls_quasi(start_params, maxiter, float(tol), code)
                if state is None:
                    state = self._irls(start_params, maxiter - it, float(tol))
                    state = replace(state, n_iter=state.n_iter + it, halvings=state.halvings + halvings)
            else:
                state = self._irls(start_params, maxiter, float(tol))
        if not state.converged:
            warnings.warn(
                f"IRLS did not converge in {state.n_iter} iterations (maxiter={maxiter}); "
                "the deviance was still changing",
                GLMConvergenceWarning,
                stacklevel=2,
            )
        if not state.kept.all():
            warn_aliased(self.exog_names, ~state.kept, stacklevel=3)
        if isinstance(fam, Binomial):
            _check_separation(self, state)
        return GLMResults(self, state, scale=scale, cov_type=cov_type, use_t=bool(use_t))


def irls_step(evaluate, proposal, old, dev: float, tol: float, restart=None):
    """Accept or halve one IRLS step, then R's convergence test (in-memory and Dask GLM alike).

    Parameters
    ----------
    evaluate : callable
        ``evaluate(b) -> (payload, deviance, valid)`` at coefficients b (the
        payload is what the next iteration needs: means and weights, or the
        merged R factor of a Dask pass).
    proposal : (k,) ndarray
        The weighted least-squares solution of this iteration.
    old : (k,) ndarray or None
        The previous coefficients; None on the first iteration (from
        starting means), when no increase of the deviance is refused.
    dev : float
        The deviance at *old* (or at the starting means).
    tol : float
    restart : callable, optional
        ``restart() -> (b, deviance)``: a valid point to halve towards when
        the first step leaves the family's range (``old`` is None); without
        it that is a ValueError.

    Returns
    -------
    (step, payload, deviance, halvings, converged)

    Notes
    -----
    A step that makes the deviance non-finite, the means leave the family's
    range or the deviance increase (by more than 1e-10 relative) is halved
    towards the previous point (R's ``glm.fit`` the first two, Marschner's
    ``glm2`` the third), :data:`MAX_HALVINGS` times at most, after which
    the previous point is kept.  Converged: ``|dev - dev_old| / (|dev| + 0.1)
    < tol`` (R's test) and every coefficient moved by at most
    ``PARAM_TOL_FACTOR tol (max|b| + 1)`` -- for a non-canonical link Fisher
    scoring converges only linearly, and a deviance that changes by tol
    leaves the coefficients ~sqrt(tol) from the optimum.
    """
    step, base, halvings = proposal, old, 0
    for _ in range(MAX_HALVINGS + 1):
        payload, dev_new, ok = evaluate(step)
        worse = old is not None and dev_new > dev + 1e-10 * (abs(dev) + 0.1)
        if ok and math.isfinite(dev_new) and not worse:
            break
        if base is None:
            if restart is None:
                raise ValueError("the first IRLS step leaves the family's range: please specify start_params")
            base, dev = restart()
        step = 0.5 * (step + base)
        halvings += 1
    else:
        # halving did not help: keep the last valid coefficients
        step = base
        payload, dev_new, ok = evaluate(step)
    change = abs(dev_new - dev) / (abs(dev_new) + 0.1)
    moved = math.inf if old is None else float(np.max(np.abs(step - old), initial=0.0))
    size = float(np.max(np.abs(step), initial=0.0))
    converged = change < tol and moved <= PARAM_TOL_FACTOR * tol * (size + 1.0)
    return step, payload, dev_new, halvings, converged


def _weight_change(d, R, weight: float, sensitivity: float) -> float:
    """Predicted weighted RMS of the relative change of the working weights over a move *d*.

    ``w_i`` changes by ``w_i c_i x_i^T d`` to first order (``c_i = d log w_i /
    d eta_i``: 1 for Poisson-log, ``1 - 2 mu_i`` for binomial-logit), so
    ``sqrt(sum w_i (c_i x_i^T d)^2 / sum w_i)`` is about ``s sqrt(d^T H d / W)``
    with ``H = R^T R`` the information, ``W = sum w_i`` (*weight*) and ``s``
    the weighted RMS of c (*sensitivity*).  The information at a point whose
    weights are within a relative ``e`` (this measure) of the optimum's
    gives standard errors within about ``e / 4`` (measured at 10^6 x 50: 0.2 to
    0.25 for both families).
    """
    return sensitivity * float(np.linalg.norm(R @ d)) / math.sqrt(weight)


def _covariance_r(X, sw, gram: GramFactor) -> np.ndarray:
    """R of ``diag(sw) X`` for the covariance from the Gram factor at the same weights.

    The Gram's own factor while its equilibrated condition number is at
    most :data:`KAPPA_ONE_PASS`; beyond, CholeskyQR2 at the same weights, or
    Householder (TSQR) when the design is too ill-conditioned for it.
    """
    if gram.kappa <= KAPPA_ONE_PASS:
        return gram.R
    R = None if gram.kappa > KAPPA_TWO_PASS else cholqr2_r(X, sw, gram)
    if R is None:
        R = qr_r_augmented(X, np.empty((X.shape[0], 0)), sqrt_weights=sw)
    return R


def _canonical_code(fam) -> int:
    """The :mod:`jitla.kernels.glm` code of a family with its own IRLS kernel, else 0."""
    if type(fam) is Binomial and type(fam.link) is Logit:
        return BINOMIAL_LOGIT
    if type(fam) is Poisson and type(fam.link) is Log:
        return POISSON_LOG
    return 0


def _valid_start(model, Xk, eta0, w) -> np.ndarray:
    """A valid previous point to halve towards when the first IRLS step leaves the family's range.

    Tried in turn: the weighted LS fit of the starting linear predictor;
    the intercept-only model (``g(weighted mean of y)`` on a constant
    column, valid whenever the mean is, and without an offset).  R's error
    when neither is valid.
    """
    fam = model.family

    def valid(b):
        mu = fam.clip_mu(fam.link.inverse(Xk @ b + model._offset_exposure))
        return fam.valid_mu(mu) and math.isfinite(model._deviance(mu))

    fit = fit_least_squares(np.ascontiguousarray(Xk), eta0[:, np.newaxis], sqrt_weights=np.sqrt(w))
    b = np.nan_to_num(fit.params[:, 0])
    if valid(b):
        return b
    const = constant_column(np.ascontiguousarray(Xk))
    if const is not None:
        prior = model._prior
        ybar = float(np.sum(prior * model.endog) / np.sum(prior))
        b = np.zeros(Xk.shape[1])
        b[const] = float(fam.link(np.array([ybar]))[0]) / Xk[0, const]
        if np.isfinite(b[const]) and valid(b):
            return b
    raise ValueError(
        "no valid set of coefficients has been found from the starting values: please supply start_params"
    )


def _fit_nb_profile(model, start_params, maxiter, tol, scale, cov_type, use_t):
    """NegativeBinomial with alpha estimated: maximise the profile log-likelihood over log(alpha).

    For each alpha the coefficients are the IRLS fit; the profile
    log-likelihood is maximised by Brent's bounded method in log(alpha)
    (MASS::glm.nb alternates the two instead; the optimum is the same joint
    MLE).  The results belong to a copy of the model whose family holds the
    estimate (``results.family.alpha``, also ``results.alpha``); the user's
    model and family are not modified.
    """
    from scipy.optimize import minimize_scalar

    link = model.family.link

    def with_alpha(alpha):
        m = GLM.__new__(GLM)
        m.__dict__.update(model.__dict__)
        m.family = NegativeBinomial(link, alpha=alpha)
        return m

    last = {"params": start_params}

    def negll(log_alpha):
        m = with_alpha(math.exp(log_alpha))
        st = m._irls(last["params"], maxiter, tol)  # warm start: neighbouring alphas, close optima
        if st.converged and st.kept.all():
            last["params"] = st.params
        ll = m.family.loglike_obs(m.endog, st.mu, m.var_weights, 1.0, m.n_trials)
        return -float(np.sum(m.freq_weights * ll))

    opt = minimize_scalar(
        negll, bounds=(math.log(1e-8), math.log(1e4)), method="bounded", options={"xatol": 1e-10}
    )
    fitted = with_alpha(math.exp(opt.x))
    res = fitted.fit(start_params, maxiter, "IRLS", tol, scale, cov_type, use_t)
    res.__dict__["alpha"] = fitted.family.alpha
    return res


def _check_separation(model, state: _IRLSState) -> None:
    """Warn when the binomial MLE does not exist (complete or quasi-complete separation).

    Fitted probabilities within ~1e-10 of 0 or 1 are the symptom; the proof
    is a direction d != 0 with ``(2 y_i - 1) x_i^T d >= 0`` for every
    observation with ``0 < y_i < 1`` excluded and equality not everywhere
    (Albert & Anderson, Biometrika 71, 1984), found by the linear program
    of :func:`separating_direction`; the warning names the columns in which
    d is non-zero.
    """
    mu = state.mu
    y = model.endog
    extreme = (mu < EXTREME_MU) | (mu > 1 - EXTREME_MU)
    if not np.any(extreme):
        return
    binary = (y == 0) | (y == 1)
    X = model.exog[:, state.kept][binary]
    s = np.where(y[binary] > 0.5, 1.0, -1.0)
    names = [n for n, k in zip(model.exog_names, state.kept, strict=True) if k]
    d = separating_direction(s[:, None] * X)
    if d is False:
        return  # extreme fits but no separating direction: large effects, not separation
    warn_separation(separating_columns(names, d), stacklevel=5)


#: Fitted probabilities closer than this to 0 or 1 count as the symptom of separation.
EXTREME_MU = 1e-10


def separating_direction(SX: np.ndarray):
    """The sparsest d with ``SX d >= 0`` and ``sum(SX d) >= 1`` (rows ``s_i x_i``), by linear programming.

    Konis (2007, R's ``detectseparation``) in its sparsest form: minimise
    ``||d||_1`` (``d = d+ - d-``, both >= 0) subject to those constraints;
    the program is infeasible exactly when the classes are not separated.
    Returns d, ``False`` when infeasible, or None when scipy is missing.
    """
    try:
        from scipy.optimize import linprog
    except ImportError:  # pragma: no cover - scipy is part of the regression extra
        return None
    if not SX.shape[0]:
        return None
    k = SX.shape[1]
    A_ub = np.vstack([-np.hstack([SX, -SX]), -np.hstack([SX.sum(axis=0), -SX.sum(axis=0)])[None, :]])
    b_ub = np.r_[np.zeros(SX.shape[0]), -1.0]
    res = linprog(np.ones(2 * k), A_ub=A_ub, b_ub=b_ub, bounds=[(0, None)] * (2 * k), method="highs")
    if res.status != 0:
        return False
    return res.x[:k] - res.x[k:]


def separating_columns(names, d) -> list[str]:
    """The names of the columns in which the separating direction *d* is non-zero."""
    if d is None:
        return []
    return [n for n, v in zip(names, d, strict=True) if abs(v) > 1e-8 * np.abs(d).max()]


def warn_separation(culprits, stacklevel: int, detail: str = "") -> None:
    what = ", ".join(culprits) if culprits else "unknown columns"
    warnings.warn(
        "Perfect separation or prediction detected: the maximum-likelihood estimate does not exist "
        f"and the coefficients of {what} diverge (their estimates and standard errors are meaningless)"
        + detail,
        PerfectSeparationWarning,
        stacklevel=stacklevel,
    )


def glm(formula_or_X, data_or_y=None, family: Family | None = None, **kwargs) -> GLMResults:
    """Fit a GLM: ``glm("y ~ x", df, Poisson())``, or ``glm(X, y, family)`` with a constant added."""
    if isinstance(formula_or_X, str):
        return GLM.from_formula(
            formula_or_X, data_or_y, family, **{k: v for k, v in kwargs.items() if k in _MODEL_KW}
        ).fit(**{k: v for k, v in kwargs.items() if k not in _MODEL_KW})
    X = np.asarray(formula_or_X, dtype=np.float64)
    X = X[:, np.newaxis] if X.ndim == 1 else X
    Xc = np.column_stack([np.ones(X.shape[0]), X])
    model = GLM(data_or_y, Xc, family, **{k: v for k, v in kwargs.items() if k in _MODEL_KW})
    model.exog_names = ["const"] + [f"x{i + 1}" for i in range(X.shape[1])]
    return model.fit(**{k: v for k, v in kwargs.items() if k not in _MODEL_KW})


_MODEL_KW = ("offset", "exposure", "freq_weights", "var_weights", "hasconst")


class GLMResults(IterativeFitResults):
    """Results of :meth:`GLM.fit`, with statsmodels' names and values.  Immutable.

    ``params``, ``bse``, ``tvalues`` (z), ``pvalues``, ``conf_int()``,
    ``cov_params()``, ``scale``, ``deviance``, ``null_deviance``,
    ``pearson_chi2``, ``llf``, ``llnull``, ``aic``, ``bic`` (= ``bic_llf``),
    ``bic_deviance``, ``df_model``, ``df_resid``, ``mu`` / ``fittedvalues``,
    residuals (``resid_response``, ``resid_pearson``, ``resid_deviance``,
    ``resid_working``, ``resid_anscombe``), ``pseudo_rsquared``,
    ``predict``, ``get_prediction``, ``t_test``, ``wald_test`` / ``f_test``,
    ``compare_lr_test``, ``get_influence``, ``summary``.
    """

    def __init__(self, model: GLM, state: _IRLSState, *, scale, cov_type, use_t):
        d = self.__dict__
        d["model"] = model
        d["family"] = model.family
        d["_state"] = state
        d["_scale_arg"] = scale
        d["cov_type"] = cov_type
        d["use_t"] = use_t
        d["converged"] = state.converged
        d["n_iter"] = state.n_iter
        d["nobs"] = model.nobs

    # ------------------------------------------------------------------ basics
    @property
    def _y(self):
        return self.model.endog

    @cached_property
    def mu(self):
        return self._wrap_rows(_frozen(self._state.mu.copy()))

    @property
    def fittedvalues(self):
        return self.mu

    @property
    def _mu(self) -> np.ndarray:
        return self._state.mu

    @cached_property
    def rank(self) -> int:
        return int(self._state.kept.sum())

    @cached_property
    def df_model(self) -> float:
        return float(self.rank - 1)  # statsmodels' GLM: rank - 1 whether or not there is a constant

    @cached_property
    def df_resid(self) -> float:
        return float(self.model.wnobs - self.rank)

    @cached_property
    def _prior(self) -> np.ndarray:
        return self.model.iweights * self.model.n_trials

    @cached_property
    def deviance(self) -> float:
        return self.model._deviance(self._mu)

    @cached_property
    def pearson_chi2(self) -> float:
        r = self._y - self._mu
        return float(np.sum(self._prior * r * r / self.family.variance(self._mu)))

    @cached_property
    def scale(self) -> float:
        s = self._scale_arg
        if s is None:
            if self.family.fixed_scale:
                return 1.0
            return self.pearson_chi2 / self.df_resid
        if isinstance(s, str):
            if s.upper() == "X2":
                return self.pearson_chi2 / self.df_resid
            if s.lower() == "dev":
                return self.deviance / self.df_resid
            raise ValueError(f"scale must be None, a number, 'X2' or 'dev', got {s!r}")
        return float(s)

    # ------------------------------------------------------------------ likelihood
    def _loglike(self, mu, scale) -> float:
        m = self.model
        return float(
            np.sum(m.freq_weights * self.family.loglike_obs(self._y, mu, m.var_weights, scale, m.n_trials))
        )

    def _llf_scale(self) -> float:
        fam = self.family
        if isinstance(fam, Gaussian) and isinstance(fam.link, Identity):
            r = self._y - self._mu
            return float(
                np.sum(self.model.iweights * r * r) / self.model.wnobs
            )  # the concentrated likelihood
        return self.scale

    @cached_property
    def llf(self) -> float:
        return self._loglike(self._mu, self._llf_scale())

    @cached_property
    def null(self) -> np.ndarray:
        """Fitted means of the model with a constant only (and the offset / exposure)."""
        m = self.model
        n = m.endog.shape[0]
        if np.all(m._offset_exposure == 0):
            w = self._prior
            return np.full(n, float(np.sum(w * m.endog) / np.sum(w)))
        null_model = GLM.__new__(GLM)
        null_model.__dict__.update(m.__dict__)
        null_model.exog = np.ones((n, 1))
        null_model.exog_names = ["const"]
        return null_model._irls(None, 100, 1e-12).mu

    @cached_property
    def null_deviance(self) -> float:
        return self.model._deviance(self.null)

    @cached_property
    def llnull(self) -> float:
        return self._loglike(self.null, self.scale)

    @cached_property
    def aic(self) -> float:
        return -2.0 * self.llf + 2.0 * (self.df_model + 1)

    @cached_property
    def bic_llf(self) -> float:
        return -2.0 * self.llf + math.log(self.model.wnobs) * (self.df_model + 1)

    @property
    def bic(self) -> float:
        return self.bic_llf

    @cached_property
    def bic_deviance(self) -> float:
        return self.deviance - self.df_resid * math.log(self.model.wnobs)

    def pseudo_rsquared(self, kind: str = "cs") -> float:
        """Cox-Snell (``"cs"``, default) or McFadden (``"mcf"``) pseudo R^2, as statsmodels."""
        kind = kind.lower()
        if kind.startswith("mcf"):
            return 1.0 - self.llf / self.llnull
        if kind.startswith("cox") or kind in ("cs", "lr"):
            return 1.0 - math.exp((self.llnull - self.llf) * (2.0 / self.nobs))
        raise ValueError("only McFadden and Cox-Snell are available")

    # ------------------------------------------------------------------ residuals
    @cached_property
    def resid_response(self):
        return self._wrap_rows(_frozen(self.model.n_trials * (self._y - self._mu)))

    @cached_property
    def resid_pearson(self):
        m = self.model
        r = (
            np.sqrt(m.var_weights * m.n_trials)
            * (self._y - self._mu)
            / np.sqrt(self.family.variance(self._mu))
        )
        return self._wrap_rows(_frozen(r))

    @cached_property
    def resid_deviance(self):
        m = self.model
        return self._wrap_rows(_frozen(self.family.resid_dev(self._y, self._mu, m.var_weights * m.n_trials)))

    @cached_property
    def resid_working(self):
        """IRLS working residuals ``(y - mu) g'(mu)`` (R's ``residuals(fit, "working")``).

        statsmodels multiplies these by the binomial trials twice (its own
        source doubts it); for 0/1 data and every other family the two agree.
        """
        r = (self._y - self._mu) * self.family.link.deriv(self._mu)
        return self._wrap_rows(_frozen(r))

    @cached_property
    def resid_anscombe_unscaled(self):
        m = self.model
        return self._wrap_rows(
            _frozen(self.family.resid_anscombe(self._y, self._mu, m.var_weights, m.n_trials))
        )

    @cached_property
    def resid_anscombe(self):
        """Anscombe residuals over ``sqrt(scale)`` (statsmodels' ``resid_anscombe_scaled``)."""
        return self._wrap_rows(_frozen(np.asarray(self.resid_anscombe_unscaled) / math.sqrt(self.scale)))

    # ------------------------------------------------------------------ covariance
    @cached_property
    def _working_weights(self) -> np.ndarray:
        g = self.family.link.deriv(self._mu)
        return self._prior / (g * g * self.family.variance(self._mu))

    @cached_property
    def _q(self) -> np.ndarray:
        """Rows of ``W^{1/2} X R^{-1}``: an orthonormal basis of the weighted design's columns."""
        kept = self._state.kept
        Xw = self.model.exog[:, kept] * np.sqrt(self._working_weights)[:, None]
        return matmul(Xw, self._Rinv)

    @cached_property
    def _hat(self) -> np.ndarray:
        q = self._q
        return np.einsum("ij,ij->i", q, q)

    def _sandwich(self, kind: str) -> np.ndarray:
        # score_i = x_i * u_i with u_i = prior_i (y_i - mu_i) / (V(mu_i) g'(mu_i)); bread (X^T W X)^{-1}
        mu = self._mu
        u = self._prior * (self._y - mu) / (self.family.variance(mu) * self.family.link.deriv(mu))
        if kind == "HC2":
            u = u / np.sqrt(1.0 - self._hat)
        elif kind == "HC3":
            u = u / (1.0 - self._hat)
        Ri = self._Rinv
        kept = self._state.kept
        G = matmul(self.model.exog[:, kept] * u[:, None], Ri)  # rows: (x_i u_i)^T R^{-1}
        C = matmul(G.T, G)
        C = matmul(Ri, matmul(C, Ri.T))
        if kind == "HC1":
            n = self.nobs
            C = C * (n / (n - self.rank))
        return self._expand(C)

    @cached_property
    def _cov(self) -> np.ndarray:
        if self.cov_type == "nonrobust":
            return _frozen(self.scale * np.asarray(self.normalized_cov_params))
        return _frozen(self._sandwich(self.cov_type))

    # ------------------------------------------------------------------ tests
    def _restrictions(self, r_matrix):
        R, q = linear_constraints(r_matrix, self.model.exog_names)
        if np.any(R[:, ~self._state.kept] != 0):
            raise ValueError("the hypothesis involves aliased (NaN) parameters")
        return R, q

    def t_test(self, r_matrix) -> ContrastResults:
        """Wald tests of each row of ``R beta = q`` (z statistics unless ``use_t``)."""
        R, q = self._restrictions(r_matrix)
        b = np.nan_to_num(self._state.params)
        V = np.nan_to_num(self._cov)
        effect = R @ b
        sd = np.sqrt(np.einsum("ij,jk,ik->i", R, V, R))
        stat = (effect - q) / sd
        pval = 2.0 * self._dist().sf(np.abs(stat))
        return ContrastResults(effect, sd, stat, pval, 1.0, self.df_resid, "t" if self.use_t else "norm")

    def wald_test(self, r_matrix, scalar: bool = True) -> ContrastResults:
        """Joint Wald test of ``R beta = q``: chi^2 (F with ``use_t``), statsmodels' ``wald_test``."""
        R, q = self._restrictions(r_matrix)
        b = np.nan_to_num(self._state.params)
        V = np.nan_to_num(self._cov)
        d = R @ b - q
        M = R @ V @ R.T
        from jitla.linalg import lstsq

        stat = float(d @ lstsq(M, d)[0])
        m = R.shape[0]
        stats = _stats()
        if self.use_t:
            F = stat / m
            return ContrastResults(
                None, None, F, float(stats.f.sf(F, m, self.df_resid)), m, self.df_resid, "F"
            )
        return ContrastResults(None, None, stat, float(stats.chi2.sf(stat, m)), m, self.df_resid, "chi2")

    def f_test(self, r_matrix) -> ContrastResults:
        """The Wald test as an F statistic (``wald_test / m``, F(m, df_resid)), as statsmodels' ``f_test``."""
        R, q = self._restrictions(r_matrix)
        b = np.nan_to_num(self._state.params)
        V = np.nan_to_num(self._cov)
        d = R @ b - q
        from jitla.linalg import lstsq

        m = R.shape[0]
        F = float(d @ lstsq(R @ V @ R.T, d)[0]) / m
        return ContrastResults(
            None, None, F, float(_stats().f.sf(F, m, self.df_resid)), m, self.df_resid, "F"
        )

    def compare_lr_test(self, restricted) -> tuple[float, float, float]:
        """Likelihood-ratio test against a nested *restricted* fit: ``(statistic, p-value, df_diff)``.

        ``2 (llf - llf_restricted)`` for families with fixed dispersion;
        with an estimated dispersion, the deviance difference over this
        model's scale (the scaled-deviance test, McCullagh & Nelder sec. 4.4.5).
        """
        df = self.df_model - restricted.df_model
        if df <= 0:
            raise ValueError("the restricted model must have fewer parameters than this one")
        if self.family.fixed_scale:
            stat = 2.0 * (self.llf - restricted.llf)
        else:
            stat = (restricted.deviance - self.deviance) / self.scale
        return float(stat), float(_stats().chi2.sf(stat, df)), float(df)

    # ------------------------------------------------------------------ prediction
    def predict(self, exog=None, exposure=None, offset=None, which: str = "mean"):
        return self.model.predict(self._state.params, exog, exposure=exposure, offset=offset, which=which)

    def get_prediction(self, exog=None, exposure=None, offset=None) -> GLMPredictionResults:
        """Predicted means with delta-method standard errors and intervals on the link and mean scales."""
        X = self.model.exog if exog is None else np.atleast_2d(np.asarray(exog, dtype=np.float64))
        eta = self.predict(exog, exposure=exposure, offset=offset, which="linear")
        V = np.nan_to_num(self._cov)
        Xb = np.nan_to_num(X)
        se_eta = np.sqrt(np.einsum("ij,jk,ik->i", Xb, V, Xb))
        return GLMPredictionResults(np.atleast_1d(eta), se_eta, self.family.link, self._dist())

    def get_influence(self) -> GLMInfluence:
        return GLMInfluence(self)

    def summary(self, alpha: float = 0.05) -> str:
        """A statsmodels-style text table of the fit."""
        return _summary_text(self, alpha)


@dataclass(frozen=True)
class GLMPredictionResults:
    """Predicted means: ``predicted``, ``linpred``, ``se`` (delta method), ``conf_int``, ``summary_frame``."""

    linpred: np.ndarray
    linpred_se: np.ndarray
    link: object
    dist: object

    @property
    def predicted(self) -> np.ndarray:
        return self.link.inverse(self.linpred)

    @property
    def se(self) -> np.ndarray:
        return np.abs(self.link.inverse_deriv(self.linpred)) * self.linpred_se

    def conf_int(self, alpha: float = 0.05, which: str = "mean") -> np.ndarray:
        """Interval on the link scale, mapped through the inverse link for ``which="mean"``."""
        q = self.dist.ppf(1.0 - alpha / 2.0)
        lo, hi = self.linpred - q * self.linpred_se, self.linpred + q * self.linpred_se
        if which == "linear":
            return np.column_stack([lo, hi])
        a, b = self.link.inverse(lo), self.link.inverse(hi)
        return np.column_stack([np.minimum(a, b), np.maximum(a, b)])

    def summary_frame(self, alpha: float = 0.05):
        import pandas as pd

        ci = self.conf_int(alpha)
        return pd.DataFrame(
            {"mean": self.predicted, "mean_se": self.se, "mean_ci_lower": ci[:, 0], "mean_ci_upper": ci[:, 1]}
        )


class GLMInfluence:
    """Leverage and influence of a GLM fit (Pregibon, Ann. Statist. 9, 1981; statsmodels' ``GLMInfluence``).

    ``hat_matrix_diag``: diagonal of ``W^{1/2} X (X^T W X)^{-1} X^T W^{1/2}``,
    the squared row norms of the Q factor the fit already has.
    ``resid_studentized``: Pearson residuals over ``sqrt(scale (1 - h))``.
    ``cooks_distance``: ``r_i^2 h_i / (k (1 - h_i))`` with the studentized
    residual r_i (one-step approximation), and its F(k, df_resid) p-value.
    """

    def __init__(self, results: GLMResults):
        self.results = results
        self.k_vars = results.rank

    @cached_property
    def hat_matrix_diag(self) -> np.ndarray:
        return _frozen(self.results._hat.copy())

    @cached_property
    def resid_studentized(self) -> np.ndarray:
        r = np.asarray(self.results.resid_pearson)
        return _frozen(r / np.sqrt(self.results.scale * (1.0 - self.hat_matrix_diag)))

    @cached_property
    def cooks_distance(self) -> tuple[np.ndarray, np.ndarray]:
        h = self.hat_matrix_diag
        d = self.resid_studentized**2 * h / ((1.0 - h) * self.k_vars)
        p = _stats().f.sf(d, self.k_vars, self.results.df_resid)
        return _frozen(d), _frozen(p)

    def summary_frame(self):
        import pandas as pd

        res = self.results
        frame = pd.DataFrame(
            {
                "cooks_d": self.cooks_distance[0],
                "standard_resid": self.resid_studentized,
                "hat_diag": self.hat_matrix_diag,
            }
        )
        if res.model.row_labels is not None:
            frame.index = res.model.row_labels
        return frame


def _summary_text(res: GLMResults, alpha: float) -> str:
    m = res.model
    fam = res.family
    width = 78
    left = [
        ("Dep. Variable:", str(m.endog_names)),
        ("Model:", "GLM"),
        ("Model Family:", fam.name),
        ("Link Function:", type(fam.link).__name__),
        ("Method:", "IRLS"),
        ("No. Iterations:", str(res.n_iter)),
        ("Covariance Type:", res.cov_type),
    ]
    right = [
        ("No. Observations:", f"{int(res.nobs)}"),
        ("Df Residuals:", f"{res.df_resid:g}"),
        ("Df Model:", f"{res.df_model:g}"),
        ("Scale:", f"{res.scale:.5g}"),
        ("Log-Likelihood:", f"{res.llf:.5g}"),
        ("Deviance:", f"{res.deviance:.5g}"),
        ("Pearson chi2:", f"{res.pearson_chi2:.3g}"),
    ]
    lines = ["Generalized Linear Model Regression Results".center(width), "=" * width]
    for (a, b), (c, d) in zip(left, right, strict=True):
        lines.append(f"{a:<18}{b:>20} {c:<20}{d:>18}"[:width])
    lines.append("=" * width)
    ci = np.asarray(res.conf_int(alpha))
    stat = "t" if res.use_t else "z"
    lo, hi = f"[{alpha / 2:g}", f"{1 - alpha / 2:g}]"
    lines.append(f"{'':<16}{'coef':>10}{'std err':>11}{stat:>9}{'P>|' + stat + '|':>9}{lo:>11}{hi:>11}")
    lines.append("-" * width)
    b, se, z, pv = (np.asarray(v) for v in (res.params, res.bse, res.tvalues, res.pvalues))
    for i, name in enumerate(m.exog_names):
        nm = name if len(name) <= 15 else name[:14] + "~"
        lines.append(
            f"{nm:<16}{b[i]:>10.4f}{se[i]:>11.3f}{z[i]:>9.3f}{pv[i]:>9.3f}{ci[i, 0]:>11.3f}{ci[i, 1]:>11.3f}"
        )
    lines.append("=" * width)
    return "\n".join(lines)
