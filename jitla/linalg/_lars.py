"""Checked wrapper of the LARS kernel (:mod:`jitla.kernels.lars`).

The regression layer's ``lars_path``, ``Lars`` and ``LassoLars`` call
:func:`lars`: it checks what the kernel trusts (float64, shapes, C order),
packs the options, calls the kernel and returns the path with its report.
A failed check is a bug in the caller, so the messages name the argument.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from jitla.kernels import get_kernel
from jitla.kernels.lars import (
    ALPHA_MIN,
    EPS,
    LASSO,
    MAX_ITER,
    N_ACTIVE,
    N_DEGENERATE,
    N_ITER,
    N_SAMPLES,
    NINFO,
    NOPT,
    POSITIVE,
    STOPPED_EARLY,
)
from jitla.linalg._checked import _require

__all__ = ["LarsResult", "lars"]


class LarsResult(NamedTuple):
    """The path of :func:`lars` and what happened on the way."""

    alphas: np.ndarray  #: (n_iter + 1,) knots' alphas
    coefs: np.ndarray  #: (n_iter + 1, p) coefficients at the knots
    active: np.ndarray  #: (n_active,) int64, in the order of joining
    n_iter: int
    n_degenerate: int  #: columns excluded as collinear with the active set
    stopped_early: bool  #: a lasso knot's alpha rose (rounding errors dominate): path cut there


_EPS = float(np.finfo(np.float64).eps)


def lars(Xy, *, XT=None, y=None, G=None, n_samples, max_iter=500, alpha_min=0.0, lasso=False,
         positive=False, eps=_EPS):  # fmt: skip
    """The LARS or lasso-LARS path from ``X^T y`` and either the data or the Gram matrix.

    Data mode: pass ``XT`` ((p, n), C-contiguous: X transposed) and ``y``.
    Gram mode: pass ``G = X^T X`` ((p, p), C-contiguous).  All float64.
    ``alpha = max |x_j^T r| / n_samples`` at the knots.
    """
    _require("Xy", Xy, (None,))
    p = Xy.shape[0]
    if G is None:
        if XT is None or y is None:
            raise ValueError("pass XT and y (data mode) or G (Gram mode)")
        _require("XT", XT, (p, None))
        _require("y", y, (XT.shape[1],))
        G = np.empty((0, 0))
    else:
        _require("G", G, (p, p))
        if XT is None:
            XT = np.empty((p, 0))
        if y is None:
            y = np.empty(0)
        _require("XT", XT, (p, None))
        _require("y", y, (XT.shape[1],))
    if max_iter < 0 or not n_samples > 0 or eps < 0:
        raise ValueError(
            f"max_iter, n_samples and eps must be >= 0, > 0, >= 0; got {max_iter}, {n_samples}, {eps}"
        )
    opts = np.zeros(NOPT)
    opts[N_SAMPLES] = n_samples
    opts[MAX_ITER] = max_iter
    opts[ALPHA_MIN] = alpha_min
    opts[LASSO] = bool(lasso)
    opts[POSITIVE] = bool(positive)
    opts[EPS] = eps
    info = np.zeros(NINFO)
    alphas, coefs, active = get_kernel("lars", "cholesky").func(XT, y, Xy, G, opts, info)
    assert int(info[N_ACTIVE]) == active.shape[0]
    return LarsResult(
        alphas, coefs, active, int(info[N_ITER]), int(info[N_DEGENERATE]), bool(info[STOPPED_EARLY])
    )
