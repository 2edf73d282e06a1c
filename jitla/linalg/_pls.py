"""Checked wrapper of the NIPALS PLS kernel (:mod:`jitla.kernels.pls`).

The regression layer's ``PLSRegression`` calls :func:`nipals`: it checks
what the kernel trusts (float64, shapes, C order), copies X and Y (the
kernel deflates them in place) and returns the components.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from jitla.kernels import get_kernel
from jitla.linalg._checked import _require

__all__ = ["NipalsResult", "nipals"]


class NipalsResult(NamedTuple):
    """Components of a NIPALS PLS fit (columns past ``done`` are zero)."""

    x_weights: np.ndarray  #: (p, k)
    y_weights: np.ndarray  #: (q, k)
    x_scores: np.ndarray  #: (n, k)
    y_scores: np.ndarray  #: (n, k)
    x_loadings: np.ndarray  #: (p, k)
    y_loadings: np.ndarray  #: (q, k)
    n_iter: np.ndarray  #: (k,) power passes per component
    done: int  #: components computed (fewer when Y's residual became zero)
    x_residual: np.ndarray  #: (n, p) X after the last deflation
    y_residual: np.ndarray  #: (n, q) Y after the last deflation


def nipals(X, Y, n_components, *, max_iter=500, tol=1e-6):
    """PLS2 components of centred (and scaled) X (n, p) and Y (n, q) by NIPALS; inputs not modified."""
    _require("X", X, (None, None), order="any")
    _require("Y", Y, (X.shape[0], None), order="any")
    if n_components < 1 or max_iter < 1 or tol < 0:
        raise ValueError(
            f"n_components, max_iter must be >= 1 and tol >= 0; got {n_components}, {max_iter}, {tol}"
        )
    Xk = np.array(X, dtype=np.float64, order="C", copy=True)
    Yk = np.array(Y, dtype=np.float64, order="C", copy=True)
    out = get_kernel("pls", "nipals").func(Xk, Yk, int(n_components), int(max_iter), float(tol))
    return NipalsResult(*out[:7], int(out[7]), Xk, Yk)
