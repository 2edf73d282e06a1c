"""Checked wrappers of the Levenberg-Marquardt kernels (:mod:`jitla.kernels.levenberg_marquardt`).

The regression layer's nonlinear least squares (``jitla.regression.NLS``,
``curve_fit``) calls :func:`jacobian_qr` once per Jacobian and
:func:`lm_step` for each trial step.  The Jacobian arrives transposed, ``G =
J^T`` (n, m) C-contiguous: a finite-difference column is then a contiguous
row, and the pivoted QR is the row-oriented
:func:`~jitla.kernels.qr_pivoted.geqp3_rows` (one contiguous pass per
reflector; the same pivots and R as ``jitla.linalg.qr(J, pivoting=True)``
to rounding), which for a tall-skinny J avoids the strided column walks of
the C-ordered kernel.  A failed check is a bug in the caller, so the
messages name the argument.
"""

from __future__ import annotations

import numpy as np

from jitla.kernels.levenberg_marquardt import apply_qt_rows, lmpar
from jitla.kernels.qr_pivoted import geqp3_rows
from jitla.linalg._checked import _require

__all__ = ["jacobian_qr", "lm_step"]


def jacobian_qr(G, r):
    """Column-pivoted QR of ``J = G^T``: ``J P = Q R``; returns R, the permutation and ``(Q^T r)[:n]``.

    Parameters
    ----------
    G : (n, m) float64 ndarray, C-contiguous, m >= n
        The transposed Jacobian; overwritten (Householder vectors).
    r : (m,) float64 ndarray
        The residuals (read only).

    Returns
    -------
    R : (n, n) ndarray
        Upper triangular, ``|R[0, 0]| >= |R[1, 1]| >= ...``.
    perm : (n,) int64 ndarray
        Column j of ``J P`` is column ``perm[j]`` of J.
    qtr : (n,) ndarray

    Notes
    -----
    Businger-Golub pivoting with LAPACK's norm downdating (``geqp3_rows``),
    then the n reflectors applied to r: ``2 m n^2 + 4 m n`` flops.
    """
    n, m = G.shape
    _require("G", G, (n, m))
    _require("r", r, (m,))
    if not G.flags.writeable:
        raise ValueError("G must be writeable (it is overwritten)")
    if m < n:
        raise ValueError(f"G must have at least as many columns as rows, got {G.shape}")
    perm = np.empty(n, np.int64)
    tau = np.zeros(n)
    geqp3_rows(G, perm, tau)
    qtr = np.empty(n)
    apply_qt_rows(G, tau, r, qtr)
    R = np.ascontiguousarray(np.tril(G[:, :n]).T)
    return R, perm, qtr


def lm_step(R, perm, diag, qtr, delta: float, par: float):
    """The Levenberg-Marquardt parameter and step for radius *delta* (MINPACK's ``lmpar``).

    Parameters
    ----------
    R, perm, qtr
        From :func:`jacobian_qr` (not modified).
    diag : (n,) float64 ndarray
        The positive scaling D.
    delta : float
        Trust-region radius, > 0 (``inf`` gives the Gauss-Newton step).
    par : float
        Starting guess for the parameter, >= 0.

    Returns
    -------
    par : float
    x : (n,) ndarray
        Solves ``[J; sqrt(par) D] x ~ [r; 0]`` in the least-squares sense;
        the step is ``-x``.
    """
    n = R.shape[0]
    _require("R", R, (n, n))
    _require("perm", perm, (n,), (np.int64,))
    _require("diag", diag, (n,))
    _require("qtr", qtr, (n,))
    x = np.empty(n)
    sdiag = np.empty(n)
    par = lmpar(R.copy(), perm, diag, qtr, float(delta), float(par), x, sdiag)
    return par, x
