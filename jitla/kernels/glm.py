"""GLM kernels: the elementwise part of an IRLS iteration for the two canonical count/binary models.

Given the linear predictor eta of a new coefficient vector, IRLS needs the
means, their validity and the deviance (to accept or halve the step), and
for the next iteration the working weights and residuals.  In numpy that is
a dozen passes over n-vectors (exp, where, clip, two logs, the weights...);
here it is one loop, for

* ``BINOMIAL_LOGIT``: ``mu = 1 / (1 + e^-eta)`` (without overflow), clipped
  to ``[eps, 1 - eps]``; ``V = mu (1 - mu)``; working weight ``prior V``,
  working residual ``(y - mu) / V``; unit deviance
  ``2 (y log(y / mu) + (1 - y) log((1 - y) / (1 - mu)))`` (0 log 0 = 0);
* ``POISSON_LOG``: ``mu = e^eta`` (at least eps); weight ``prior mu``,
  residual ``(y - mu) / mu``; unit deviance ``2 (y log(y / mu) - (y - mu))``,

the formulas of :mod:`jitla.regression.families` (McCullagh & Nelder, 2nd
ed., Sec. 2.5 and Table 2.1).  The deviance is summed in blocks of
:data:`EVAL_BLOCK` rows whose partial sums are added in order (rounding
``~(EVAL_BLOCK + n / EVAL_BLOCK) eps``, independent of the thread count).

Kernel contract: ``code`` one of the constants; ``eta``, ``y``, ``prior``
(n,) float64 read only; ``mu``, ``sw`` (square roots of the working
weights), ``resid`` (n,) overwritten.  Returns the deviance, or NaN when a
mean is not finite (the step left the family's range).  No checks are made
on the inputs.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from jitla._jit import kernel, parallel_kernel
from jitla.kernels._registry import register

__all__ = ["BINOMIAL_LOGIT", "POISSON_LOG", "EVAL_BLOCK", "glm_eval", "glm_eval_parallel"]

BINOMIAL_LOGIT = 1
POISSON_LOG = 2

#: Rows per partial deviance sum.
EVAL_BLOCK = 4096

_EPS = float(np.finfo(np.float64).eps)


def _eval_flops(n):
    """Nominal: about 20 operations per row (one exp, up to two logs, a square root counted as one each)."""
    return 20.0 * n


def _eval_example(dtype):
    n = 9
    eta = np.linspace(-2.0, 2.0, n).astype(dtype)
    y = (np.arange(n) % 2).astype(dtype)
    return (
        BINOMIAL_LOGIT,
        eta,
        y,
        np.ones(n, dtype),
        np.empty(n, dtype),
        np.empty(n, dtype),
        np.empty(n, dtype),
    )


@kernel(inline="always")
def _eval_block(code, eta, y, prior, lo, hi, mu, sw, resid):
    """Rows ``lo:hi``: means, weights, residuals; returns the block's deviance (NaN: a mean not finite)."""
    dev = 0.0
    for i in range(lo, hi):
        t = eta[i]
        yi = y[i]
        if code == BINOMIAL_LOGIT:
            e = math.exp(-abs(t))
            m = 1.0 / (1.0 + e) if t >= 0 else e / (1.0 + e)
            m = min(max(m, _EPS), 1.0 - _EPS)
            v = m * (1.0 - m)
            d = 0.0
            if yi > 0:
                d += yi * math.log(yi / m)
            if yi < 1:
                d += (1.0 - yi) * math.log((1.0 - yi) / (1.0 - m))
        else:
            m = max(math.exp(t), _EPS)
            v = m
            d = -(yi - m)
            if yi > 0:
                d += yi * math.log(yi / m)
        if not math.isfinite(m) or math.isnan(t):
            return math.nan
        mu[i] = m
        sw[i] = math.sqrt(prior[i] * v)
        resid[i] = (yi - m) / v
        dev += prior[i] * (2.0 * d)
    return dev


@register(
    "glm_eval",
    "serial",
    "means, working weights and residuals, deviance of a canonical binomial/Poisson GLM, one loop",
    flops=_eval_flops,
    example=_eval_example,
)
@kernel
def glm_eval(code, eta, y, prior, mu, sw, resid):
    """One IRLS evaluation at *eta* (module docstring); returns the deviance or NaN."""
    n = eta.shape[0]
    nb = max(1, (n + EVAL_BLOCK - 1) // EVAL_BLOCK)
    total = 0.0
    for b in range(nb):
        total += _eval_block(code, eta, y, prior, b * EVAL_BLOCK, min(n, (b + 1) * EVAL_BLOCK), mu, sw, resid)
    return total


@register(
    "glm_eval",
    "parallel",
    "as serial, prange over the blocks (the same sums in the same order)",
    flops=_eval_flops,
    example=_eval_example,
    parallel=True,
)
@parallel_kernel
def glm_eval_parallel(code, eta, y, prior, mu, sw, resid):
    """As :func:`glm_eval`, blocks in parallel; the partial sums are added in block order."""
    n = eta.shape[0]
    nb = max(1, (n + EVAL_BLOCK - 1) // EVAL_BLOCK)
    parts = np.empty(nb)
    for b in prange(nb):
        parts[b] = _eval_block(
            code, eta, y, prior, b * EVAL_BLOCK, min(n, (b + 1) * EVAL_BLOCK), mu, sw, resid
        )
    total = 0.0
    for b in range(nb):
        total += parts[b]
    return total
