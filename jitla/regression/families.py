"""Exponential-family distributions and link functions for :class:`jitla.regression.GLM`.

A GLM says ``g(E[y]) = X beta`` (the *link* g) and ``Var[y] = phi V(mu) / w``
(the *variance function* V, the dispersion phi, prior weights w).  IRLS needs
only g, its derivative and V (McCullagh & Nelder, *Generalized Linear Models*,
2nd ed., ch. 2); the deviance, the log-likelihood and the residuals need the
distribution itself.  Each family here is a small object with those pieces
and statsmodels' method names, so a reader can check any formula against
McCullagh & Nelder's tables (their Table 2.1) or R's ``family`` objects.

Everything is elementwise numpy: O(n) work per IRLS iteration next to the
O(n p^2) QR in jitla's kernels.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "Link",
    "Identity",
    "Log",
    "Logit",
    "Probit",
    "CLogLog",
    "InversePower",
    "InverseSquared",
    "Sqrt",
    "Power",
    "Family",
    "Gaussian",
    "Binomial",
    "Poisson",
    "Gamma",
    "InverseGaussian",
    "NegativeBinomial",
    "Tweedie",
]

#: Fitted means are kept this far inside (0, 1) / above 0 (R's ``binomial()$linkinv`` clamps
#: eta to +-30; the same end, stated on mu): logs and divisions stay finite at separation.
_TINY = np.finfo(np.float64).eps


def _special():
    try:
        from scipy import special
    except ImportError as exc:  # pragma: no cover - exercised only without scipy
        raise ImportError(
            "this family's likelihood needs scipy's special functions: pip install 'jitla[regression]'"
        ) from exc
    return special


# ---------------------------------------------------------------------------------------- links


class Link:
    """A link function ``eta = g(mu)``: ``inverse``, ``deriv`` (dg/dmu), ``inverse_deriv`` (dmu/deta)."""

    name = "link"

    def __call__(self, mu):
        raise NotImplementedError

    def inverse(self, eta):
        raise NotImplementedError

    def deriv(self, mu):
        raise NotImplementedError

    def inverse_deriv(self, eta):
        """dmu/deta = 1 / g'(g^{-1}(eta))."""
        return 1.0 / self.deriv(self.inverse(eta))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(vars(self).items()))))


class Power(Link):
    """``eta = mu ** power`` (power 1: identity; -1: inverse; -2: inverse squared; 0.5: sqrt)."""

    def __init__(self, power: float = 1.0):
        self.power = float(power)

    @property
    def name(self) -> str:
        return {1.0: "identity", -1.0: "inverse_power", -2.0: "inverse_squared", 0.5: "sqrt"}.get(
            self.power, f"power({self.power:g})"
        )

    def __call__(self, mu):
        return np.power(mu, self.power)

    def inverse(self, eta):
        return np.power(eta, 1.0 / self.power)

    def deriv(self, mu):
        return self.power * np.power(mu, self.power - 1.0)

    def inverse_deriv(self, eta):
        return np.power(eta, 1.0 / self.power - 1.0) / self.power

    def __repr__(self) -> str:
        return f"Power(power={self.power:g})"


class Identity(Power):
    """``eta = mu``."""

    def __init__(self):
        super().__init__(1.0)

    def __call__(self, mu):
        return np.array(mu, dtype=np.float64)

    def inverse(self, eta):
        return np.array(eta, dtype=np.float64)

    def deriv(self, mu):
        return np.ones_like(mu, dtype=np.float64)

    def inverse_deriv(self, eta):
        return np.ones_like(eta, dtype=np.float64)

    def __repr__(self) -> str:
        return "Identity()"


class InversePower(Power):
    """``eta = 1 / mu`` (the canonical link of the Gamma family)."""

    def __init__(self):
        super().__init__(-1.0)

    def __repr__(self) -> str:
        return "InversePower()"


class InverseSquared(Power):
    """``eta = 1 / mu^2`` (the canonical link of the inverse Gaussian family)."""

    def __init__(self):
        super().__init__(-2.0)

    def __repr__(self) -> str:
        return "InverseSquared()"


class Sqrt(Power):
    """``eta = sqrt(mu)``."""

    def __init__(self):
        super().__init__(0.5)

    def __repr__(self) -> str:
        return "Sqrt()"


class Log(Link):
    """``eta = log(mu)``."""

    name = "log"

    def __call__(self, mu):
        return np.log(mu)

    def inverse(self, eta):
        return np.exp(eta)

    def deriv(self, mu):
        return 1.0 / np.asarray(mu, dtype=np.float64)

    def inverse_deriv(self, eta):
        return np.exp(eta)


class Logit(Link):
    """``eta = log(mu / (1 - mu))``, the canonical binomial link."""

    name = "logit"

    def __call__(self, mu):
        mu = np.asarray(mu, dtype=np.float64)
        return np.log(mu) - np.log1p(-mu)

    def inverse(self, eta):
        eta = np.asarray(eta, dtype=np.float64)
        # 1 / (1 + e^-eta) without overflow of e^-eta for very negative eta
        e = np.exp(-np.abs(eta))
        return np.where(eta >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def deriv(self, mu):
        mu = np.asarray(mu, dtype=np.float64)
        return 1.0 / (mu * (1.0 - mu))

    def inverse_deriv(self, eta):
        e = np.exp(-np.abs(np.asarray(eta, dtype=np.float64)))
        return e / (1.0 + e) ** 2


class Probit(Link):
    """``eta = Phi^{-1}(mu)``, the standard normal quantile."""

    name = "probit"

    def __call__(self, mu):
        return _special().ndtri(mu)

    def inverse(self, eta):
        return _special().ndtr(eta)

    def deriv(self, mu):
        return 1.0 / self.inverse_deriv(self(mu))

    def inverse_deriv(self, eta):
        eta = np.asarray(eta, dtype=np.float64)
        return np.exp(-0.5 * eta * eta) / math.sqrt(2.0 * math.pi)


class CLogLog(Link):
    """``eta = log(-log(1 - mu))``, the complementary log-log link."""

    name = "cloglog"

    def __call__(self, mu):
        return np.log(-np.log1p(-np.asarray(mu, dtype=np.float64)))

    def inverse(self, eta):
        return -np.expm1(-np.exp(eta))

    def deriv(self, mu):
        mu = np.asarray(mu, dtype=np.float64)
        return 1.0 / ((mu - 1.0) * np.log1p(-mu))

    def inverse_deriv(self, eta):
        eta = np.asarray(eta, dtype=np.float64)
        return np.exp(eta - np.exp(eta))


# ------------------------------------------------------------------------------------- families


class Family:
    """An exponential-dispersion family: variance function, deviance, log-likelihood, residuals.

    Subclasses define ``variance``, ``unit_deviance`` (the deviance of one
    observation of unit weight), ``loglike_obs``, ``starting_mu`` (R's
    ``mustart``), the support checks and, where it has a closed form,
    ``resid_anscombe``.  ``links`` lists the link classes accepted, the first
    being the canonical one (the default).
    """

    name = "family"
    links: tuple = ()
    #: True when the dispersion is fixed at 1 (Binomial, Poisson, NegativeBinomial)
    fixed_scale = False

    def __init__(self, link: Link | None = None):
        if link is None:
            link = self.links[0]()
        elif isinstance(link, type):
            link = link()
        if not isinstance(link, Link):
            raise TypeError(f"link must be a jitla.regression link instance, got {link!r}")
        if not isinstance(link, self.links):
            allowed = ", ".join(c.__name__ for c in self.links)
            raise ValueError(f"{link!r} is not a valid link for the {self.name} family (allowed: {allowed})")
        self.link = link

    def __repr__(self) -> str:
        return f"{type(self).__name__}(link={self.link!r})"

    # the pieces IRLS needs -----------------------------------------------------------------
    def variance(self, mu):
        raise NotImplementedError

    def weights(self, mu):
        """IRLS weights of unit prior weight: ``1 / (g'(mu)^2 V(mu))``."""
        return 1.0 / (self.link.deriv(mu) ** 2 * self.variance(mu))

    def clip_mu(self, mu):
        """*mu* kept inside the family's open range (no-op where the range is unbounded)."""
        return mu

    def valid_mu(self, mu) -> bool:
        return bool(np.all(np.isfinite(mu)))

    def check_endog(self, y) -> None:
        """Raise ValueError when y is outside the family's support."""

    def starting_mu(self, y, n_trials):
        """R's ``mustart``: starting means from which the first IRLS step is taken."""
        return np.array(y, dtype=np.float64)

    # deviance and likelihood ------------------------------------------------------------------
    def unit_deviance(self, y, mu):
        raise NotImplementedError

    def deviance(self, y, mu, iweights):
        """``sum_i w_i d(y_i, mu_i)`` (*iweights*: frequency x variance weights x trials)."""
        return float(np.sum(iweights * self.unit_deviance(y, mu)))

    def loglike_obs(self, y, mu, var_weights, scale, n_trials):
        raise NotImplementedError

    def resid_dev(self, y, mu, iweights):
        d = np.maximum(self.unit_deviance(y, mu), 0.0)
        return np.sign(y - mu) * np.sqrt(iweights * d)

    def resid_anscombe(self, y, mu, var_weights, n_trials):
        raise NotImplementedError(f"Anscombe residuals are not defined for {self.name}")


def _xlogy_ratio(y, mu):
    """``y log(y / mu)``, 0 where y = 0."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)


class Gaussian(Family):
    """Normal errors: ``V(mu) = 1``; dispersion sigma^2 estimated."""

    name = "Gaussian"
    links = (Identity, Log, InversePower, Power)

    def variance(self, mu):
        return np.ones_like(mu, dtype=np.float64)

    def unit_deviance(self, y, mu):
        return (y - mu) ** 2

    def valid_mu(self, mu) -> bool:
        if isinstance(self.link, Log) or (isinstance(self.link, Power) and self.link.power < 0):
            return bool(np.all(np.isfinite(mu)) and np.all(mu != 0))
        return bool(np.all(np.isfinite(mu)))

    def loglike_obs(self, y, mu, var_weights, scale, n_trials):
        return -(var_weights * (y - mu) ** 2) / (2.0 * scale) - 0.5 * np.log(
            2.0 * np.pi * scale / var_weights
        )

    def resid_anscombe(self, y, mu, var_weights, n_trials):
        return (y - mu) * np.sqrt(var_weights)


class Binomial(Family):
    """Binomial proportions ``y = successes / trials``: ``V(mu) = mu (1 - mu)``, dispersion 1."""

    name = "Binomial"
    links = (Logit, Probit, CLogLog, Log, Identity)
    fixed_scale = True

    def variance(self, mu):
        return mu * (1.0 - mu)

    def clip_mu(self, mu):
        return np.clip(mu, _TINY, 1.0 - _TINY)

    def valid_mu(self, mu) -> bool:
        return bool(np.all(np.isfinite(mu)) and np.all(mu > 0) and np.all(mu < 1))

    def check_endog(self, y) -> None:
        if np.any(y < 0) or np.any(y > 1):
            raise ValueError("The Binomial family needs endog in [0, 1] (or a (successes, failures) pair)")

    def starting_mu(self, y, n_trials):
        return (n_trials * y + 0.5) / (n_trials + 1.0)

    def unit_deviance(self, y, mu):
        return 2.0 * (_xlogy_ratio(y, mu) + _xlogy_ratio(1.0 - y, 1.0 - mu))

    def loglike_obs(self, y, mu, var_weights, scale, n_trials):
        sp = _special()
        k = n_trials * y
        comb = sp.gammaln(n_trials + 1) - sp.gammaln(k + 1) - sp.gammaln(n_trials - k + 1)
        ll = comb + sp.xlogy(k, mu) + sp.xlog1py(n_trials - k, -mu)
        return var_weights / scale * ll

    def resid_anscombe(self, y, mu, var_weights, n_trials):
        sp = _special()

        def cox_snell(x):
            return sp.betainc(2 / 3.0, 2 / 3.0, x) * sp.beta(2 / 3.0, 2 / 3.0)

        r = np.sqrt(n_trials) * (cox_snell(y) - cox_snell(mu)) / (mu ** (1 / 6.0) * (1 - mu) ** (1 / 6.0))
        return r * np.sqrt(var_weights)


class Poisson(Family):
    """Counts: ``V(mu) = mu``, dispersion 1."""

    name = "Poisson"
    links = (Log, Identity, Sqrt)
    fixed_scale = True

    def variance(self, mu):
        return np.asarray(mu, dtype=np.float64)

    def clip_mu(self, mu):
        return np.maximum(mu, _TINY)

    def valid_mu(self, mu) -> bool:
        return bool(np.all(np.isfinite(mu)) and np.all(mu > 0))

    def check_endog(self, y) -> None:
        if np.any(y < 0):
            raise ValueError("The Poisson family needs endog >= 0")

    def starting_mu(self, y, n_trials):
        return np.asarray(y, dtype=np.float64) + 0.1

    def unit_deviance(self, y, mu):
        return 2.0 * (_xlogy_ratio(y, mu) - (y - mu))

    def loglike_obs(self, y, mu, var_weights, scale, n_trials):
        sp = _special()
        return var_weights / scale * (sp.xlogy(y, mu) - mu - sp.gammaln(y + 1.0))

    def resid_anscombe(self, y, mu, var_weights, n_trials):
        return 1.5 * (y ** (2 / 3.0) - mu ** (2 / 3.0)) / mu ** (1 / 6.0) * np.sqrt(var_weights)


class Gamma(Family):
    """Positive continuous data with constant coefficient of variation: ``V(mu) = mu^2``."""

    name = "Gamma"
    links = (InversePower, Log, Identity, Power)

    def variance(self, mu):
        return np.asarray(mu, dtype=np.float64) ** 2

    def valid_mu(self, mu) -> bool:
        return bool(np.all(np.isfinite(mu)) and np.all(mu > 0))

    def check_endog(self, y) -> None:
        if np.any(y <= 0):
            raise ValueError("The Gamma family needs endog > 0")

    def unit_deviance(self, y, mu):
        return 2.0 * ((y - mu) / mu - np.log(y / mu))

    def loglike_obs(self, y, mu, var_weights, scale, n_trials):
        sp = _special()
        ws = var_weights / scale
        ymu = y / mu
        return ws * np.log(ws * ymu) - ws * ymu - sp.gammaln(ws) - np.log(y)

    def resid_anscombe(self, y, mu, var_weights, n_trials):
        return 3.0 * (y ** (1 / 3.0) - mu ** (1 / 3.0)) / mu ** (1 / 3.0) * np.sqrt(var_weights)


class InverseGaussian(Family):
    """Positive, right-skewed data: ``V(mu) = mu^3``."""

    name = "InverseGaussian"
    links = (InverseSquared, InversePower, Identity, Log, Power)

    def variance(self, mu):
        return np.asarray(mu, dtype=np.float64) ** 3

    def valid_mu(self, mu) -> bool:
        return bool(np.all(np.isfinite(mu)) and np.all(mu > 0))

    def check_endog(self, y) -> None:
        if np.any(y <= 0):
            raise ValueError("The InverseGaussian family needs endog > 0")

    def unit_deviance(self, y, mu):
        return (y - mu) ** 2 / (y * mu * mu)

    def loglike_obs(self, y, mu, var_weights, scale, n_trials):
        return -0.5 * (
            var_weights * (y - mu) ** 2 / (y * mu * mu * scale)
            + np.log(scale * y**3 / var_weights)
            + np.log(2 * np.pi)
        )

    def resid_anscombe(self, y, mu, var_weights, n_trials):
        return np.log(y / mu) / np.sqrt(mu) * np.sqrt(var_weights)


class NegativeBinomial(Family):
    """Overdispersed counts, NB2 with known ``alpha``: ``V(mu) = mu + alpha mu^2``, dispersion 1.

    :class:`jitla.regression.GLM` estimates alpha by profile likelihood when
    it is given as ``alpha=None`` (``GLM.fit`` then reports ``alpha`` on the results).
    """

    name = "NegativeBinomial"
    links = (Log, Identity, Sqrt, InversePower, Power)
    fixed_scale = True

    def __init__(self, link: Link | None = None, alpha: float | None = 1.0):
        super().__init__(link)
        if alpha is not None and not (float(alpha) > 0):
            raise ValueError(f"alpha must be positive, got {alpha!r}")
        self.alpha = None if alpha is None else float(alpha)

    def __repr__(self) -> str:
        return f"NegativeBinomial(link={self.link!r}, alpha={self.alpha!r})"

    def variance(self, mu):
        mu = np.asarray(mu, dtype=np.float64)
        return mu + self.alpha * mu * mu

    def clip_mu(self, mu):
        return np.maximum(mu, _TINY)

    def valid_mu(self, mu) -> bool:
        return bool(np.all(np.isfinite(mu)) and np.all(mu > 0))

    def check_endog(self, y) -> None:
        if np.any(y < 0):
            raise ValueError("The NegativeBinomial family needs endog >= 0")

    def starting_mu(self, y, n_trials):
        y = np.asarray(y, dtype=np.float64)
        return y + (y == 0) / 6.0  # MASS::negative.binomial's mustart

    def unit_deviance(self, y, mu):
        a = self.alpha
        return 2.0 * (_xlogy_ratio(y, mu) - (y + 1.0 / a) * np.log((1.0 + a * y) / (1.0 + a * mu)))

    def loglike_obs(self, y, mu, var_weights, scale, n_trials):
        sp = _special()
        a = self.alpha
        ll = (
            sp.xlogy(y, a * mu / (1.0 + a * mu))
            - np.log1p(a * mu) / a
            + sp.gammaln(y + 1.0 / a)
            - sp.gammaln(y + 1.0)
            - sp.gammaln(1.0 / a)
        )
        return var_weights / scale * ll

    def resid_anscombe(self, y, mu, var_weights, n_trials):
        sp = _special()
        a = self.alpha

        def h(x):
            return 1.5 * x ** (2 / 3.0) * sp.hyp2f1(2 / 3.0, 1 / 3.0, 5 / 3.0, -a * x)

        return (h(y) - h(mu)) / (mu ** (1 / 6.0) * (1 + a * mu) ** (1 / 6.0)) * np.sqrt(var_weights)


class Tweedie(Family):
    """Tweedie (compound Poisson-gamma for 1 < p < 2): ``V(mu) = mu^p``.

    ``var_power`` p: 0 normal, 1 Poisson, 2 gamma, 3 inverse Gaussian; the
    log-likelihood of 1 < p < 2 is Dunn & Smyth's series (*Statistics and
    Computing* 15, 2005), summed over the terms that matter.
    """

    name = "Tweedie"
    links = (Log, Power, Identity, InversePower, Sqrt)

    def __init__(self, link: Link | None = None, var_power: float = 1.0):
        super().__init__(link)
        self.var_power = float(var_power)
        if 0 < self.var_power < 1:
            raise ValueError("Tweedie var_power between 0 and 1 does not define a distribution")
        self.fixed_scale = False

    def __repr__(self) -> str:
        return f"Tweedie(link={self.link!r}, var_power={self.var_power:g})"

    def variance(self, mu):
        return np.power(np.asarray(mu, dtype=np.float64), self.var_power)

    def clip_mu(self, mu):
        return np.maximum(mu, _TINY) if self.var_power >= 1 else mu

    def valid_mu(self, mu) -> bool:
        if self.var_power >= 1:
            return bool(np.all(np.isfinite(mu)) and np.all(mu > 0))
        return bool(np.all(np.isfinite(mu)))

    def check_endog(self, y) -> None:
        p = self.var_power
        if 1 <= p < 2 and np.any(y < 0):
            raise ValueError(f"The Tweedie family with var_power {p:g} needs endog >= 0")
        if p >= 2 and np.any(y <= 0):
            raise ValueError(f"The Tweedie family with var_power {p:g} needs endog > 0")

    def starting_mu(self, y, n_trials):
        y = np.asarray(y, dtype=np.float64)
        return y + 0.1 * (y == 0) if self.var_power >= 1 else y  # statmod::tweedie's mustart

    def unit_deviance(self, y, mu):
        p = self.var_power
        y = np.asarray(y, dtype=np.float64)
        if p == 0:
            return (y - mu) ** 2
        if p == 1:
            return 2.0 * (_xlogy_ratio(y, mu) - (y - mu))
        if p == 2:
            return 2.0 * ((y - mu) / mu - np.log(y / mu))
        y1 = np.power(y, 2.0 - p) / ((1.0 - p) * (2.0 - p))
        return 2.0 * (y1 - y * np.power(mu, 1.0 - p) / (1.0 - p) + np.power(mu, 2.0 - p) / (2.0 - p))

    def resid_anscombe(self, y, mu, var_weights, n_trials):
        p = self.var_power
        if p == 3:
            r = np.log(y / mu) / np.sqrt(mu)
        else:
            c = (3.0 - p) / 3.0
            r = (np.power(y, c) - np.power(mu, c)) / (c * np.power(mu, p / 6.0))
        return r * np.sqrt(var_weights)

    def loglike_obs(self, y, mu, var_weights, scale, n_trials):
        p = self.var_power
        if p == 0:
            return Gaussian().loglike_obs(y, mu, var_weights, scale, n_trials)
        if p == 1:
            return Poisson().loglike_obs(y, mu, var_weights, scale, n_trials)
        if p == 2:
            return Gamma(Log()).loglike_obs(y, mu, var_weights, scale, n_trials)
        if p == 3:
            return InverseGaussian(Log()).loglike_obs(y, mu, var_weights, scale, n_trials)
        if not 1 < p < 2:
            raise NotImplementedError(
                "the Tweedie log-likelihood is implemented for var_power in {0} U [1, 2] U {3}"
            )
        return _tweedie_series_loglike(np.asarray(y, dtype=np.float64), mu, scale / var_weights, p)


def _tweedie_series_loglike(y, mu, phi, p):
    """Dunn & Smyth (2005) series for the compound Poisson-gamma log-density, 1 < p < 2."""
    sp = _special()
    phi = np.broadcast_to(phi, y.shape).astype(np.float64)
    theta_term = y * np.power(mu, 1.0 - p) / (1.0 - p) - np.power(mu, 2.0 - p) / (2.0 - p)
    out = theta_term / phi
    zero = y == 0
    out = np.where(zero, -np.power(mu, 2.0 - p) / (phi * (2.0 - p)), out)
    pos = ~zero
    if np.any(pos):
        yp, ph = y[pos], phi[pos]
        alpha = (2.0 - p) / (1.0 - p)  # negative
        # log W_j = j log z - lgamma(j + 1) - lgamma(-alpha j),
        # z = y^-alpha (p-1)^alpha / (phi^(1-alpha) (2-p))
        logz = (
            -alpha * np.log(yp) + alpha * math.log(p - 1.0) - (1.0 - alpha) * np.log(ph) - math.log(2.0 - p)
        )
        jmax = np.maximum(1.0, np.power(yp, 2.0 - p) / (ph * (2.0 - p)))
        span = np.ceil(10.0 + 10.0 * np.sqrt(jmax)).astype(np.int64)
        lo = np.maximum(1, np.floor(jmax).astype(np.int64) - span)
        hi = np.floor(jmax).astype(np.int64) + span
        width = int(np.max(hi - lo)) + 1
        j = lo[:, None] + np.arange(width)[None, :]
        valid = j <= hi[:, None]
        logw = j * logz[:, None] - sp.gammaln(j + 1.0) - sp.gammaln(-alpha * j)
        logw = np.where(valid, logw, -np.inf)
        m = np.max(logw, axis=1)
        logsum = m + np.log(np.sum(np.exp(logw - m[:, None]), axis=1))
        out[pos] = out[pos] + logsum - np.log(yp)
    return out
