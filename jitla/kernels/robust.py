"""Robust-regression kernels: the M-scale of residuals under Tukey's bisquare.

The S-estimate of regression (Rousseeuw & Yohai, 1984) and its Fast-S
search (Salibian-Barrera & Yohai, *JCGS* 15, 2006) evaluate the M-scale of
a residual vector hundreds of times per fit: the s > 0 solving

    (1/n) sum_i rho(r_i / s) = b,    rho(u) = 1 - (1 - (u/c)^2)^3 for |u| <= c, 1 beyond

(Tukey's bisquare normalised to sup 1).  Each fixed-point step
``s^2 <- s^2 (1/(n b)) sum_i rho(r_i / s)`` is one pass over the residuals;
numpy would make four temporaries per pass, this loop makes none.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel
from jitla.kernels._registry import register

__all__ = ["m_scale_bisquare"]


def m_scale_flops(n, iterations=20):
    """Nominal flops of :func:`m_scale_bisquare`: about 8 per residual and step, 20 steps."""
    return 8.0 * n * iterations


def _example(dtype):
    r = np.array([0.5, -1.0, 2.0, 0.1, -0.3, 8.0, -0.7], dtype=dtype)
    return r, 1.547645, 0.5, 0.6, 1e-12, 200


@register(
    "m_scale",
    "bisquare",
    "M-scale of residuals under Tukey's bisquare by fixed-point iteration, one pass per step",
    flops=m_scale_flops,
    example=_example,
)
@kernel
def m_scale_bisquare(r, c, b, s0, tol, maxiter):
    """The bisquare M-scale of *r* (module docstring), from the start ``s0 > 0``.

    Parameters
    ----------
    r : (n,) float64 array, residuals.  Not modified.
    c : float
        Bisquare tuning constant (1.547645 gives breakdown 1/2 with b = 1/2).
    b : float in (0, 1)
    s0 : float > 0
        Starting scale (the MAD of r / 0.6745 is the usual one).
    tol : float
        Stop when ``|s_new - s| <= tol * s``.
    maxiter : int

    Returns
    -------
    float
        The scale after the last step (the iteration is monotone from any
        start: Huber, *Robust Statistics*, 1981, sec. 5.7).

    Notes
    -----
    ~8 flops per residual per step; no workspace.  No checks are made on
    the inputs.
    """
    n = r.shape[0]
    s = s0
    for _ in range(maxiter):
        inv = 1.0 / (c * s)
        total = 0.0
        for i in range(n):
            u = r[i] * inv
            u2 = u * u
            if u2 >= 1.0:
                total += 1.0
            else:
                v = 1.0 - u2
                total += 1.0 - v * v * v
        s_new = s * math.sqrt(total / (n * b))
        if abs(s_new - s) <= tol * s:
            return s_new
        s = s_new
    return s
