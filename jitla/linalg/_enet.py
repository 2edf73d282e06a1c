"""Checked wrappers of the coordinate-descent kernels (:mod:`jitla.kernels.coordinate_descent`).

The regression layer's lasso and elastic net call these: each one checks
what its kernel trusts (float64, shapes, C order), packs the options, calls
the kernel and returns the solution with its certificate.  A failed check is
a bug in the caller, so the messages name the argument.
"""

from __future__ import annotations

import numpy as np

from jitla.kernels import get_kernel
from jitla.kernels.coordinate_descent import (
    ANDERSON,
    DUAL,
    GAP,
    L1,
    L2,
    MAX_ITER,
    N_CORR,
    N_ITER,
    N_OUTER,
    N_SCREENED,
    NINFO,
    NOPT,
    POSITIVE,
    RANDOM,
    SCREEN,
    SEED,
    TOL,
    WS_START,
)
from jitla.linalg._checked import _require

__all__ = ["CDResult", "enet_cd"]

#: First working-set size (skglm's default ``p0``).
WS_START_SIZE = 10


class CDResult(tuple):
    """``(w, gap, n_iter, converged, n_outer, n_screened, n_corr)`` of one coordinate-descent solve.

    ``n_corr``: dot products ``x_j^T r`` of the outer gaps (residual mode; 0 in covariance mode).
    """

    __slots__ = ()

    def __new__(cls, w, gap, n_iter, converged, n_outer, n_screened, n_corr=0):
        return super().__new__(cls, (w, gap, n_iter, converged, n_outer, n_screened, n_corr))

    w = property(lambda self: self[0])
    gap = property(lambda self: self[1])
    n_iter = property(lambda self: self[2])
    converged = property(lambda self: self[3])
    n_outer = property(lambda self: self[4])
    n_screened = property(lambda self: self[5])
    n_corr = property(lambda self: self[6])


def _options(l1, l2, tol, max_iter, positive, working_sets, anderson, screening, seed=None, enet_dual=False):
    opts = np.zeros(NOPT)
    opts[L1] = l1
    opts[L2] = l2
    opts[TOL] = tol
    opts[MAX_ITER] = max_iter
    opts[POSITIVE] = bool(positive)
    opts[WS_START] = WS_START_SIZE if working_sets else 0
    opts[ANDERSON] = bool(anderson)
    opts[SCREEN] = bool(screening)
    opts[RANDOM] = seed is not None
    opts[SEED] = 0 if seed is None else seed
    opts[DUAL] = bool(enet_dual)
    return opts


def enet_cd(
    w,
    l1,
    l2,
    tol,
    *,
    XT=None,
    y=None,
    norms=None,
    G=None,
    Xty=None,
    yty=None,
    max_iter=1000,
    positive=False,
    working_sets=True,
    anderson=True,
    screening=True,
    seed=None,
    enet_dual=False,
    carry=None,
):
    """Minimise ``1/2 ||y - X w||^2 + l1 ||w||_1 + l2/2 ||w||^2`` from *w* until the gap is ``<= tol``.

    Residual mode: pass ``XT`` ((p, n), C-contiguous: X transposed), ``y``
    and ``norms`` (``||x_j||^2``).  Covariance mode: pass ``G = X^T X``
    ((p, p), C-contiguous), ``Xty`` and ``yty``.  All float64.

    *w* (p,) is the starting point and is overwritten with the solution.
    Returns a :class:`CDResult`; ``gap`` is the certified duality gap (in
    this unscaled objective) and ``converged`` says whether ``gap <= tol``
    was reached within *max_iter* epochs.

    *seed* (an int in [0, 2^53)): visit the coordinates of each epoch in a
    random order drawn from a generator seeded with it (scikit-learn's
    ``selection="random"``); None: cyclic order.

    *enet_dual*: also certify at the elastic net's own Fenchel dual point
    (the kernel's ``DUAL`` option; the smaller gap is reported).

    *carry* (residual mode): a float64 array of ``2 p + n + 2`` zeros, then
    passed unchanged to every later call on the same ``XT`` (a path): each
    call starts from the correlations and bounds the previous one left
    instead of a pass over X (see the kernel).  None: a fresh one.
    """
    if (XT is None) == (G is None):
        raise ValueError("pass either XT, y, norms (residual mode) or G, Xty, yty (covariance mode)")
    _require("w", w, (None,))
    p = w.shape[0]
    if seed is not None and not 0 <= seed < 2**53:
        raise ValueError(f"seed must be an integer in [0, 2**53), got {seed}")
    opts = _options(l1, l2, tol, max_iter, positive, working_sets, anderson, screening, seed, enet_dual)
    if min(l1, l2, tol) < 0 or max_iter < 0:
        raise ValueError(f"l1, l2, tol and max_iter must be >= 0, got {l1}, {l2}, {tol}, {max_iter}")
    info = np.zeros(NINFO)
    if XT is not None:
        _require("XT", XT, (p, None))
        _require("y", y, (XT.shape[1],))
        _require("norms", norms, (p,))
        if carry is None:
            carry = np.zeros(2 * p + XT.shape[1] + 2)
        _require("carry", carry, (2 * p + XT.shape[1] + 2,))
        converged = get_kernel("enet_cd", "residual").func(XT, y, norms, w, opts, info, carry)
    else:
        _require("G", G, (p, p))
        _require("Xty", Xty, (p,))
        converged = get_kernel("enet_cd", "gram").func(G, Xty, float(yty), w, opts, info)
    return CDResult(
        w,
        float(info[GAP]),
        int(info[N_ITER]),
        bool(converged),
        int(info[N_OUTER]),
        int(info[N_SCREENED]),
        int(info[N_CORR]),
    )
