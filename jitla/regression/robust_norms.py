"""Robust norms (M-estimator criteria) and robust scales for :class:`jitla.regression.RLM`.

An M-estimator of regression minimises ``sum_i rho(r_i / s)`` over the
coefficients, r the residuals and s a robust scale (Huber, *Robust
Statistics*, 1981, ch. 7).  Setting the gradient to zero gives
``sum_i psi(r_i / s) x_i = 0`` with ``psi = rho'``; writing
``psi(z) = w(z) z`` turns it into weighted least squares with weights
``w(r_i / s)``, which is the IRLS iteration (Holland & Welsch, *Comm.
Statist.* A6, 1977).  The covariance of the estimate needs ``psi'`` too.

Each norm here is a small object with statsmodels' names (``rho``, ``psi``,
``weights``, ``psi_deriv``, calling the norm is ``rho``) and statsmodels'
tuning constants and defaults, which give 95% asymptotic efficiency at the
normal distribution:

=================  ========================  ==================================
norm               constants                 psi(z) for small |z| ... large |z|
=================  ========================  ==================================
``HuberT``         t = 1.345                 z, then t sign(z) (monotone)
``TukeyBiweight``  c = 4.685                 z (1 - (z/c)^2)^2, 0 beyond c
``Hampel``         a = 2, b = 4, c = 8       z, a sign(z), linear descent to 0
``AndrewWave``     a = 1.339                 a sin(z/a), 0 beyond a pi
``LeastSquares``   (none)                    z (ordinary least squares)
=================  ========================  ==================================

The redescending norms (all but Huber's and least squares) give outliers
weight zero but make the criterion non-convex: the IRLS fit depends on its
start (least squares by default).

Scales: :func:`mad` (the median absolute deviation over Phi^{-1}(3/4), a
consistent estimate of sigma at the normal), and :class:`HuberScale`
(Huber's proposal 2, a fixed-point iteration on the residuals).

Everything is elementwise numpy on float64: O(n) work per IRLS iteration
next to the O(n p^2) QR of the weighted least-squares step.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

__all__ = [
    "RobustNorm",
    "LeastSquares",
    "HuberT",
    "TukeyBiweight",
    "Hampel",
    "AndrewWave",
    "mad",
    "HuberScale",
    "MAD_NORMAL",
]

#: Phi^{-1}(3/4): the MAD of a standard normal sample tends to it, so MAD / MAD_NORMAL estimates sigma.
MAD_NORMAL = NormalDist().inv_cdf(0.75)


def _z(z) -> np.ndarray:
    return np.asarray(z, dtype=np.float64)


class RobustNorm:
    """A robust criterion rho with its derivatives (statsmodels' ``RobustNorm`` interface).

    Subclasses define ``rho``, ``psi`` (= rho'), ``weights`` (= psi(z) / z,
    the IRLS weights, with its limit at 0) and ``psi_deriv`` (= psi'),
    each elementwise on float64 arrays; ``norm(z)`` is ``norm.rho(z)``.
    """

    def rho(self, z):
        raise NotImplementedError

    def psi(self, z):
        raise NotImplementedError

    def weights(self, z):
        raise NotImplementedError

    def psi_deriv(self, z):
        raise NotImplementedError

    def max_rho(self) -> float:
        """sup rho (infinite for the monotone norms)."""
        return math.inf

    def __call__(self, z):
        return self.rho(z)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(vars(self).items()))))


class LeastSquares(RobustNorm):
    """``rho(z) = z^2 / 2``: ordinary least squares (every weight 1)."""

    def rho(self, z):
        z = _z(z)
        return 0.5 * z * z

    def psi(self, z):
        return _z(z).copy()

    def weights(self, z):
        return np.ones_like(_z(z))

    def psi_deriv(self, z):
        return np.ones_like(_z(z))


class HuberT(RobustNorm):
    """Huber's t: quadratic for ``|z| <= t``, linear beyond (Huber, *Ann. Math. Statist.* 35, 1964).

    ``rho = z^2/2`` or ``t |z| - t^2/2``; ``psi = clip(z, -t, t)``;
    ``weights = min(1, t / |z|)``; ``psi_deriv = [|z| <= t]``.
    ``t = 1.345`` gives 95% efficiency at the normal.
    """

    def __init__(self, t: float = 1.345):
        self.t = float(t)

    def rho(self, z):
        z = _z(z)
        a = np.abs(z)
        return np.where(a <= self.t, 0.5 * z * z, self.t * a - 0.5 * self.t**2)

    def psi(self, z):
        return np.clip(_z(z), -self.t, self.t)

    def weights(self, z):
        a = np.abs(_z(z))
        with np.errstate(divide="ignore"):
            return np.where(a <= self.t, 1.0, self.t / a)

    def psi_deriv(self, z):
        return (np.abs(_z(z)) <= self.t).astype(np.float64)


class TukeyBiweight(RobustNorm):
    """Tukey's biweight (bisquare): redescending, zero weight beyond ``c`` (Beaton & Tukey, 1974).

    With ``u = z / c`` and ``|z| <= c``: ``rho = c^2/6 (1 - (1 - u^2)^3)``,
    ``psi = z (1 - u^2)^2``, ``weights = (1 - u^2)^2``,
    ``psi_deriv = (1 - u^2)(1 - 5 u^2)``; beyond c, ``rho = c^2 / 6`` and the
    rest 0.  ``c = 4.685`` gives 95% efficiency at the normal.
    """

    def __init__(self, c: float = 4.685):
        self.c = float(c)

    def _v(self, z):
        """``(inside, 1 - u^2)``; the second is zeroed outside so every formula vanishes there."""
        u = _z(z) / self.c
        inside = np.abs(u) <= 1.0
        return inside, np.where(inside, 1.0 - u * u, 0.0)

    def max_rho(self) -> float:
        return self.c**2 / 6.0

    def rho(self, z):
        _, v = self._v(z)
        return self.c**2 / 6.0 * (1.0 - v * v * v)

    def psi(self, z):
        _, v = self._v(z)
        return _z(z) * v * v

    def weights(self, z):
        _, v = self._v(z)
        return v * v

    def psi_deriv(self, z):
        inside, v = self._v(z)
        # (1 - u^2)^2 - 4 u^2 (1 - u^2) = v (v - 4 (1 - v)) = v (5 v - 4)
        return np.where(inside, v * (5.0 * v - 4.0), 0.0)


class Hampel(RobustNorm):
    """Hampel's three-part redescending norm (Hampel et al., *Robust Statistics*, 1986, sec. 2.6).

    ``psi(z) = z`` for ``|z| <= a``, ``a sign(z)`` up to b, then falls
    linearly to 0 at c: ``a sign(z) (c - |z|) / (c - b)``; 0 beyond c.
    ``rho`` is its integral (``a (b + c - a) / 2`` beyond c),
    ``weights = psi(z) / z``, ``psi_deriv`` is 1, 0, ``-a / (c - b)``, 0.
    """

    def __init__(self, a: float = 2.0, b: float = 4.0, c: float = 8.0):
        self.a, self.b, self.c = float(a), float(b), float(c)

    def max_rho(self) -> float:
        return 0.5 * self.a * (self.b + self.c - self.a)

    def _parts(self, z):
        az = np.abs(_z(z))
        return az, az <= self.a, az <= self.b, az <= self.c

    def rho(self, z):
        a, b, c = self.a, self.b, self.c
        az, t1, t2, t3 = self._parts(z)
        top = 0.5 * a * (b + c - a)
        descent = top - 0.5 * a * (c - az) ** 2 / (c - b)
        return np.where(t1, 0.5 * az * az, np.where(t2, a * az - 0.5 * a * a, np.where(t3, descent, top)))

    def psi(self, z):
        a, b, c = self.a, self.b, self.c
        z = _z(z)
        az, t1, t2, t3 = self._parts(z)
        s = np.sign(z)
        return np.where(t1, z, np.where(t2, a * s, np.where(t3, a * s * (c - az) / (c - b), 0.0)))

    def weights(self, z):
        a, b, c = self.a, self.b, self.c
        az, t1, t2, t3 = self._parts(z)
        safe = np.where(t1, 1.0, az)  # |z| > a > 0 wherever it divides
        return np.where(t1, 1.0, np.where(t2, a / safe, np.where(t3, a * (c - az) / (safe * (c - b)), 0.0)))

    def psi_deriv(self, z):
        _, t1, t2, t3 = self._parts(z)
        return np.where(t1, 1.0, np.where(t2, 0.0, np.where(t3, -self.a / (self.c - self.b), 0.0)))


class AndrewWave(RobustNorm):
    """Andrews' sine wave (Andrews, *Technometrics* 16, 1974): ``psi = a sin(z / a)`` for ``|z| <= a pi``.

    ``rho = a^2 (1 - cos(z / a))`` (``2 a^2`` beyond ``a pi``),
    ``weights = sin(z / a) / (z / a)`` (1 at 0), ``psi_deriv = cos(z / a)``;
    zero beyond ``a pi``.  ``a = 1.339`` gives 95% efficiency at the normal.
    """

    def __init__(self, a: float = 1.339):
        self.a = float(a)

    def max_rho(self) -> float:
        return 2.0 * self.a**2

    def _u(self, z):
        u = _z(z) / self.a
        return u, np.abs(u) <= math.pi

    def rho(self, z):
        u, inside = self._u(z)
        return self.a**2 * np.where(inside, 1.0 - np.cos(u), 2.0)

    def psi(self, z):
        u, inside = self._u(z)
        return np.where(inside, self.a * np.sin(u), 0.0)

    def weights(self, z):
        u, inside = self._u(z)
        tiny = np.abs(u) < np.finfo(np.float64).eps  # sin(u) / u rounds to 1 there; avoids 0 / 0
        safe = np.where(tiny, 1.0, u)
        return np.where(tiny, 1.0, np.where(inside, np.sin(safe) / safe, 0.0))

    def psi_deriv(self, z):
        u, inside = self._u(z)
        return np.where(inside, np.cos(u), 0.0)


# ---------------------------------------------------------------------------------------- scales


def mad(resid, center=0.0) -> float:
    """Median absolute deviation from *center* over Phi^{-1}(3/4): a consistent sigma at the normal.

    ``center=0`` (RLM's choice: residuals of a model with an intercept
    centre near 0 already), a number, or ``"median"``.  Hampel's (1974)
    estimator; breakdown point 50%.
    """
    r = _z(resid).reshape(-1)
    if r.size == 0:
        return math.nan
    c = float(np.median(r)) if isinstance(center, str) and center == "median" else float(center)
    return float(np.median(np.abs(r - c))) / MAD_NORMAL


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


class HuberScale:
    """Huber's proposal 2 scale (Huber, *Robust Statistics*, 1981, sec. 7.8), as statsmodels iterates it.

    The scale s solving ``sum_i chi(r_i / s) = (n - p) E_Phi[chi]`` with
    ``chi(x) = min(x^2, d^2) / 2``, found by the fixed-point iteration
    ``s_new^2 = sum_i chi(r_i / s) s^2 / (n h)``,
    ``h = (n - p) / n E_Phi[chi]``, ``E_Phi[chi] = d^2 + (1 - d^2) Phi(d) - 1/2 - d phi(d)``,
    from the MAD about the median, until ``|s_new - s| <= tol`` or
    ``maxiter`` scales (statsmodels' count, so the two stop at the same
    iterate).

    Parameters
    ----------
    d : float
        Huber's tuning constant for the scale (statsmodels' default 2.5).
    tol : float
    maxiter : int
    """

    def __init__(self, d: float = 2.5, tol: float = 1e-8, maxiter: int = 30):
        self.d, self.tol, self.maxiter = float(d), float(tol), int(maxiter)

    def __repr__(self) -> str:
        return f"HuberScale(d={self.d!r}, tol={self.tol!r}, maxiter={self.maxiter!r})"

    def __call__(self, df_resid: float, nobs: float, resid) -> float:
        d = self.d
        phi = math.exp(-0.5 * d * d) / math.sqrt(2.0 * math.pi)
        h = df_resid / nobs * (d * d + (1.0 - d * d) * _normal_cdf(d) - 0.5 - d * phi)
        r = _z(resid).reshape(-1)
        s_old, s = math.inf, mad(r, center="median")
        n_scales = 1
        if s == 0.0:
            return 0.0  # more than half the residuals equal: an exact fit, no spread to measure
        while abs(s_old - s) > self.tol and n_scales < self.maxiter:
            x = r / s
            chi = np.where(np.abs(x) < d, 0.5 * x * x, 0.5 * d * d)
            s_old, s = s, math.sqrt(float(np.sum(chi)) * s * s / (nobs * h))
            n_scales += 1
        return s
