"""R factors of weighted tall-skinny designs from their Gram matrices (CholeskyQR), with the checks.

A regression on n >> p rows needs the R factor of ``F = diag(s) X`` (and
``Q^T z``), never Q.  Householder QR of p ~ 50 columns runs at BLAS-2 speed;
the Gram matrix ``F^T F`` is a matrix product (:func:`jitla.kernels.qr_tall.gram_design`,
the GEMM micro-kernel), and its Cholesky factor is R (CholeskyQR).  The price
is the condition number squared: the Gram's rounding ``~ eps |F|^T |F|`` is
amplified by ``kappa(F)^2`` in ``R^{-1} R^{-T}``.  So every factor comes with
``kappa``, the condition number of its column-equilibrated triangle (the
Cholesky of ``D F^T F D``, ``D = diag(F^T F)^{-1/2}``; equilibration removes
the harmless part of the conditioning, column scales, van der Sluis 1969),
and the caller picks:

* ``kappa <= KAPPA_ONE_PASS``: the Gram's factor is as good as Householder's
  for what regression reads from it (covariances to ~kappa^2 eps ~ 1e-10).
* ``kappa <= KAPPA_TWO_PASS``: CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa &
  Yamamoto, ScalA 2014; Yamamoto et al., ETNA 44, 2015): a second Gram, of
  ``Q1 = F R1^{-1}`` (formed block by block, never stored), whose Cholesky
  factor R2 is within ~kappa^2 eps of the identity; ``R = R2 R1`` is as
  accurate as Householder's (orthogonality of the implied Q ~ eps).
* beyond, or when the Cholesky fails: Householder (TSQR).

Newton / Fisher-scoring steps tolerate more: a step ``d = (F^T F)^{-1} g``
with the gradient g computed from the data is off by a relative
``~kappa^2 eps``, which only slows the (then linear) convergence to the
same fixed point, so IRLS iterates with the Gram up to ``KAPPA_ITERATE``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jitla.linalg import LinAlgError, cholesky, solve_triangular
from jitla.linalg._checked import gram_design

__all__ = [
    "GramFactor",
    "weighted_gram",
    "gram_factor",
    "cholqr2_r",
    "KAPPA_ITERATE",
    "KAPPA_ONE_PASS",
    "KAPPA_TWO_PASS",
]

#: Largest equilibrated condition number for which a Gram factor serves an IRLS step.
KAPPA_ITERATE = 1e6
#: Largest one for which the Gram's own factor is returned as the design's R.
KAPPA_ONE_PASS = 1e3
#: Largest one for which CholeskyQR2 is used; beyond it, Householder.
KAPPA_TWO_PASS = 1e5


@dataclass(frozen=True)
class GramFactor:
    """``G = R^T R`` with ``R^{-1}`` and the equilibrated condition number (Frobenius norms)."""

    R: np.ndarray
    Rinv: np.ndarray
    kappa: float


def weighted_gram(X: np.ndarray, u=None, sqrt_weights=None, T=None) -> np.ndarray:
    """Gram matrix of ``diag(s) [X | u]`` (times T on the right), one pass over X.

    Parameters
    ----------
    X : (n, p) ndarray, float64, C-contiguous.  Not modified.
    u : (n,) ndarray, optional
        An extra last column: row p of the result is then ``X^T diag(s)^2 u``.
    sqrt_weights : (n,) ndarray, optional
        Row weights s.
    T : (q, q) ndarray, optional
        Right factor applied to each weighted row (CholeskyQR2's ``R1^{-1}``).

    Returns
    -------
    (q, q) ndarray, symmetric; ``q = p + 1`` with u, else p.

    Notes
    -----
    :func:`jitla.kernels.qr_tall.gram_design` (parallel variant when Numba
    runs more than one thread; the same result bitwise).  Flops ``n q (q+1)``
    plus ``2 n q^2`` with T.
    """
    return gram_design(X, u, sqrt_weights, T)


def gram_factor(G: np.ndarray) -> GramFactor | None:
    """Cholesky factor of a Gram matrix, equilibrated; None when G is not numerically positive definite."""
    d = np.sqrt(np.diagonal(G).copy())
    if not np.all(np.isfinite(d)) or np.any(d <= 0):
        return None
    Gs = G / d[:, None] / d[None, :]
    try:
        Rs = cholesky(Gs, upper=True)
    except LinAlgError:
        return None
    if not np.all(np.isfinite(Rs)) or np.any(np.diagonal(Rs) <= 0):
        return None
    Rs_inv = solve_triangular(Rs, np.eye(G.shape[0]), lower=False)
    kappa = float(np.linalg.norm(Rs) * np.linalg.norm(Rs_inv))
    if not np.isfinite(kappa):
        return None
    return GramFactor(Rs * d[None, :], Rs_inv / d[:, None], kappa)


def cholqr2_r(X: np.ndarray, sqrt_weights, first: GramFactor) -> np.ndarray | None:
    """CholeskyQR2's R of ``diag(s) X`` from the first pass's factor, or None if the second Cholesky fails.

    ``R2`` is the Cholesky factor of the Gram of ``Q1 = diag(s) X R1^{-1}``
    (one more pass over X); ``R = R2 R1``.  Its condition number must be
    close to 1 (it is ``1 + O(kappa^2 eps)``); anything else means the
    first factor was too inaccurate, and the caller uses Householder.
    """
    G2 = weighted_gram(X, None, sqrt_weights, first.Rinv)
    second = gram_factor(G2)
    if second is None or second.kappa > 2.0 * G2.shape[0]:
        return None
    return np.triu(second.R @ first.R)
