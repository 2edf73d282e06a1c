"""Regression with autoregressive errors: Cochrane-Orcutt and Prais-Winsten (statsmodels' GLSAR).

The model is ``y_t = x_t^T beta + u_t`` with AR(p) errors
``u_t = rho_1 u_{t-1} + ... + rho_p u_{t-p} + e_t``, e white noise.  For a
given rho the quasi-differenced data ``y_t - sum_i rho_i y_{t-i}`` (and the
same of each regressor) satisfy the classical model, so beta is a least-
squares fit of the transformed data (jitla's QR); rho is re-estimated from
the residuals by the Yule-Walker equations, and the two steps alternate
(Cochrane & Orcutt 1949; Prais & Winsten 1954; Montgomery, Peck & Vining,
*Introduction to Linear Regression Analysis*, 5th ed., Sec. 14.3).
"""

from __future__ import annotations

import copy

import numpy as np

from jitla.linalg import solve
from jitla.regression._model import _LinearModel

__all__ = ["GLSAR", "yule_walker"]


def yule_walker(x, order=1, method="adjusted", df=None, demean=True):
    r"""AR(p) coefficients from the Yule-Walker equations (statsmodels' ``yule_walker``).

    Solves the Toeplitz system :math:`R \rho = r`, ``R[i, j] = r_{|i-j|}``,
    with the sample autocovariances :math:`r_k = \sum_t x_t x_{t+k} / d_k`,
    ``d_0 = n`` and ``d_k = n - k`` (``"adjusted"``) or ``n`` (``"mle"``).

    Parameters
    ----------
    x : (n,) array_like
        The series (e.g. regression residuals).  Not modified.
    order : int
        p >= 1.
    method : {"adjusted", "mle"}
        The autocovariances' divisor (see above).
    df : int, optional
        Replaces n in the divisors (statsmodels' option, e.g. ``n - k``).
    demean : bool
        Subtract the mean first.

    Returns
    -------
    rho : (order,) ndarray
    sigma : float
        ``sqrt(r_0 - rho^T r)``, the innovations' standard deviation (NaN
        if that variance is not positive).

    Notes
    -----
    O(n p) for the autocovariances and a p x p solve (:func:`jitla.linalg.solve`).
    """
    if method not in ("adjusted", "mle"):
        raise ValueError(f"method must be 'adjusted' or 'mle', got {method!r}")
    x = np.array(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"expecting a vector to estimate AR parameters, got shape {x.shape}")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"order must be a positive integer, got {order!r}")
    if x.shape[0] <= order:
        raise ValueError(f"the series is too short ({x.shape[0]}) for order {order}")
    if demean:
        x -= x.mean()
    n = df or x.shape[0]
    adjusted = method == "adjusted"
    r = np.empty(order + 1)
    r[0] = (x @ x) / n
    for k in range(1, order + 1):
        r[k] = (x[:-k] @ x[k:]) / (n - k * adjusted)
    idx = np.arange(order)
    R = r[np.abs(idx[:, None] - idx[None, :])]
    rho = solve(R, r[1:])
    var = r[0] - r[1:] @ rho
    return rho, float(np.sqrt(var)) if var > 0 else np.nan


class GLSAR(_LinearModel):
    r"""Linear regression with AR(p) errors, fitted by feasible GLS (statsmodels' ``GLSAR``).

    Parameters
    ----------
    endog : (n,) array_like
        Response, in time order.  Copied, never modified.
    exog : (n, k) array_like, optional
        Design (no constant added); a column of ones when omitted.
    rho : int or array_like
        An int: the order p, with rho starting at zeros (the first fit is
        OLS); a vector: the AR coefficients.
    method : {"cochrane-orcutt", "prais-winsten"}
        ``"cochrane-orcutt"`` (statsmodels' GLSAR): the first p
        observations are dropped by the quasi-differencing, so the fit
        uses n - p rows.  ``"prais-winsten"`` (order 1 only): the first
        observation is kept, scaled by :math:`\sqrt{1 - \rho^2}`, which
        makes the transform the exact GLS whitening of the stationary
        AR(1) covariance :math:`\Sigma_{ts} = \rho^{|t-s|} / (1 - \rho^2)`
        (and the log-likelihood includes :math:`\tfrac12 \log(1-\rho^2)`).
    hasconst : bool, optional
        Override the detection of a constant column.

    Notes
    -----
    :meth:`fit` fits beta at the current rho; :meth:`iterative_fit`
    alternates that with a Yule-Walker estimate of rho from the
    (untransformed) residuals, with statsmodels' stopping rule.  Each fit
    is one Householder QR of the transformed (n - p, k) design, about
    ``2 n k^2`` flops.  The results refer to a snapshot of the model, so a
    later change of rho does not alter them.
    """

    _name = "GLSAR"

    def __init__(self, endog, exog=None, rho=1, *, method="cochrane-orcutt", hasconst=None):
        if exog is None:
            exog = np.ones((np.shape(endog)[0], 1))
        super().__init__(endog, exog, hasconst=hasconst)
        if isinstance(rho, (int, np.integer)) and not isinstance(rho, bool):
            if rho < 1:
                raise ValueError(f"the AR order must be at least 1, got {rho}")
            self.order = int(rho)
            self.rho = np.zeros(self.order)
        else:
            r = np.atleast_1d(np.asarray(rho, dtype=np.float64))
            if r.ndim != 1 or r.size == 0:
                raise ValueError("AR parameters must be a scalar or a vector")
            if not np.isfinite(r).all():
                raise ValueError("AR parameters must be finite")
            self.order = r.shape[0]
            self.rho = r.copy()
        if method not in ("cochrane-orcutt", "prais-winsten"):
            raise ValueError(f"method must be 'cochrane-orcutt' or 'prais-winsten', got {method!r}")
        if method == "prais-winsten" and self.order != 1:
            raise ValueError("method='prais-winsten' is for AR(1) errors (rho of order 1)")
        if self.exog.shape[0] <= self.order:
            raise ValueError(f"too few observations ({self.exog.shape[0]}) for AR order {self.order}")
        self.method = method
        self._set_whitened()

    def _check_rho(self):
        if self.method == "prais-winsten" and not abs(self.rho[0]) < 1.0:
            raise ValueError(f"Prais-Winsten needs a stationary AR(1), |rho| < 1; got rho = {self.rho[0]!r}")

    def _set_whitened(self):
        self._check_rho()
        super()._set_whitened()
        self.nobs = float(self._wendog.shape[0])

    def whiten(self, x):
        """Quasi-differences ``x_t - sum_i rho_i x_{t-i}`` (rows), first p rows dropped or (PW) rescaled."""
        x = np.asarray(x, dtype=np.float64)
        out = x.copy()
        for i in range(self.order):
            out[i + 1 :] -= self.rho[i] * x[: -(i + 1)]
        if self.method == "prais-winsten":
            out[0] = np.sqrt(1.0 - self.rho[0] ** 2) * x[0]
            return out
        return out[self.order :]

    def loglike_const(self) -> float:
        """Prais-Winsten: ``log(1 - rho^2) / 2`` (the AR(1) covariance's log-determinant term); else 0."""
        if self.method == "prais-winsten":
            return 0.5 * float(np.log1p(-(self.rho[0] ** 2)))
        return 0.0

    def fit(self, method="qr", **kwargs):
        """Least squares on the data transformed with the current rho (see :meth:`OLS.fit`)."""
        snapshot = copy.copy(self)
        snapshot.rho = self.rho.copy()
        return _LinearModel.fit(snapshot, method, **kwargs)

    def iterative_fit(self, maxiter=3, rtol=1e-4, **kwargs):
        """Alternate fits of beta and Yule-Walker estimates of rho (statsmodels' algorithm).

        Up to ``maxiter - 1`` rounds of: fit beta; stop when the largest
        relative change of beta since the previous round is below *rtol*;
        else ``rho = yule_walker(resid, order)``.  Then a final fit.  The
        model's ``rho`` is left at the last estimate.

        Returns
        -------
        RegressionResults
            With the extra attributes ``iter`` (fits done), ``converged``
            and ``history`` (``{"params": [...], "rho": [...]}``).
        """
        converged = False
        n_iter = 0
        history = {"params": [], "rho": [self.rho.copy()]}
        last = None
        while n_iter < int(maxiter) - 1:
            n_iter += 1
            res = self.fit(**kwargs)
            params = np.asarray(res.params, dtype=np.float64)
            history["params"].append(params)
            if last is not None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    diff = np.max(np.abs(last - params) / np.abs(last))
                if diff < rtol:
                    converged = True
                    break
            last = params
            self.rho, _ = yule_walker(np.asarray(res.resid, dtype=np.float64), order=self.order)
            history["rho"].append(self.rho.copy())
            self._set_whitened()
        res = self.fit(**kwargs)
        if not converged:
            history["params"].append(np.asarray(res.params, dtype=np.float64))
            n_iter += 1
        d = res.__dict__
        d["iter"] = n_iter
        d["converged"] = converged
        d["history"] = history
        return res
