"""Extra-precise iterative refinement: residuals in double-double, corrections in working precision.

Two refinements share one stopping rule (:func:`_step_accepted`):

* :func:`refine_square` -- ``A x = b`` with an LU factorisation (what
  ``solve(..., refine=True)`` runs): ``r = b - A x`` in double-double,
  ``x += LU \\ r``.
* :func:`refine_lstsq` -- ``min ||A x - b||`` with a Householder QR of A, on
  Bjorck's augmented system

  .. math::

      \\begin{bmatrix} I & A \\\\ A^T & 0 \\end{bmatrix}
      \\begin{bmatrix} r \\\\ x \\end{bmatrix} =
      \\begin{bmatrix} b \\\\ 0 \\end{bmatrix},

  refining the residual r together with x.  Refining x alone (``x += A \\ (b -
  A x)``) cannot fix a large-residual problem: the error of x there is
  ``~cond(A)^2 eps ||r||`` and comes from the second block row, which the
  plain iteration never looks at.

Both block rows' residuals are computed by the double-double kernels of
:mod:`jitla.kernels.double_double` (error-free ``two_sum`` / ``two_prod``,
no fastmath), then rounded to the working precision; x and r are kept in
the working precision.  For float32 data the residuals are computed in
double-double from the float32 values (products exact) and rounded to
float32, so the refined result is float32 to full float32 accuracy.

Stopping rule, per right-hand side (column): a correction dx is applied
when it is smaller than the previous one; iteration stops after a
correction that is negligible (``max_i |dx_i| / |x_i| <= eps``, componentwise,
so that small entries of x are refined too), after one
that shrank by less than half (further steps would gain little), when a
correction did not shrink (it is then *not* applied: the iteration has
reached its limiting accuracy or diverges), or after :data:`MAX_ITER`
corrections.  This is the rule of LAPACK's ``xGERFS`` family in spirit
(Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.,
Sec. 12.1-12.3; Demmel et al., "Error bounds from extra-precise iterative
refinement", ACM TOMS 32(2), 2006, Sec. 3).

References
----------
A. Bjorck, "Iterative refinement of linear least squares solutions I",
BIT 7, 1967.  A. Bjorck, *Numerical Methods for Least Squares Problems*,
SIAM 1996, Sec. 2.9 (refinement of least-squares solutions with the QR
factors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jitla.kernels import get_kernel

__all__ = [
    "MAX_ITER",
    "RefineInfo",
    "dd_residual",
    "dd_residual_t",
    "refine_lstsq",
    "refine_square",
]

#: Cap on the number of corrections.  Each one gains about
#: ``-log10(cond * eps)`` digits, so three or four suffice whenever the
#: iteration converges at all.
MAX_ITER = 10


@dataclass(frozen=True)
class RefineInfo:
    """What a refinement did.

    Attributes
    ----------
    iterations : int
        Steps in which a correction was applied (to any right-hand side).
    converged : ndarray of bool
        Per right-hand side: the last applied correction was negligible,
        ``max_i |dx_i| / |x_i| <= eps``.  False means the corrections
        stopped shrinking (or shrank slowly) first, or the cap was hit: the
        problem is too ill-conditioned for refinement to reach full
        precision.
    dx_rels : list of ndarray
        Componentwise relative size ``max_i |dx_i| / |x_i|`` per column of
        each correction computed (applied or not); see :func:`_relative_size`.
    """

    iterations: int
    converged: np.ndarray
    dx_rels: list


def dd_residual(A, X, B, C=None) -> np.ndarray:
    """``B - C - A @ X`` accumulated in double-double, rounded to float64.

    A, X, B, C are 2-D C-contiguous arrays of one float dtype (C optional).
    """
    R = np.empty(B.shape, dtype=np.float64)
    if C is None:
        C = np.zeros_like(B)
    get_kernel("dd_residual", "serial").func(A, X, B, C, R)
    return R


def dd_residual_t(A, Y, B=None) -> np.ndarray:
    """``B - A.T @ Y`` accumulated in double-double, rounded to float64 (B defaults to 0)."""
    shape = (A.shape[1], Y.shape[1])
    if B is None:
        B = np.zeros(shape, dtype=A.dtype)
    R = np.empty(shape, dtype=np.float64)
    get_kernel("dd_residual_t", "serial").func(A, Y, B, R)
    return R


def _relative_size(D, X) -> np.ndarray:
    """Per column, ``max_i |D[i]| / |X[i]|`` (``|X[i]| = 0`` entries measured against ``max |X|``).

    Componentwise, so that refinement goes on until the *small* entries of
    x are right too (a polynomial fit's high-order coefficients are many
    orders of magnitude below the first ones).
    """
    if D.shape[0] == 0:
        return np.zeros(D.shape[1])
    ax = np.abs(X).astype(np.float64)
    top = ax.max(axis=0)
    scale = np.where(ax > 0, ax, np.where(top > 0, top, 1.0))
    return (np.abs(D) / scale).max(axis=0)


def _step_accepted(dx_rel, prev_rel, eps, active, converged):
    """Apply the stopping rule to one correction; return the mask of columns to update.

    *dx_rel* is the correction's componentwise relative size
    (:func:`_relative_size`), *prev_rel* that of the last applied one.
    Updates *active* and *converged* in place (module docstring).
    """
    shrinking = dx_rel < prev_rel
    apply = active & shrinking
    small = dx_rel <= eps
    fast = dx_rel <= 0.5 * prev_rel
    converged |= apply & small
    # keep going only while corrections shrink fast and are not yet negligible
    active &= shrinking & fast & ~small
    return apply


def _iterate(X, step, max_iter):
    """The refinement loop shared by both problems.

    ``step()`` computes one correction and returns ``(dX, apply)``, where
    ``apply(columns)`` adds it (and whatever else the problem updates) to
    those columns; the stopping rule (:func:`_step_accepted`) looks at dX
    relative to X, per column.
    """
    eps = float(np.finfo(X.dtype).eps)
    k = X.shape[1]
    active = np.ones(k, dtype=bool)
    converged = np.zeros(k, dtype=bool)
    prev = np.full(k, np.inf)
    norms = []
    applied = 0
    for _ in range(max_iter):
        if not active.any():
            break
        dX, apply = step()
        dx_rel = _relative_size(dX, X)
        norms.append(dx_rel)
        columns = _step_accepted(dx_rel, prev, eps, active, converged)
        if columns.any():
            apply(columns)
            applied += 1
        prev = np.where(columns, dx_rel, prev)
    return RefineInfo(applied, converged, norms)


def refine_square(A, X, B, solve_correction, *, max_iter: int = MAX_ITER):
    """Refine the solutions X of ``A X = B`` in place with double-double residuals.

    Parameters
    ----------
    A : (n, n) ndarray
        C-contiguous, float32 or float64 (the matrix, not its factors).
    X : (n, k) ndarray, same dtype
        Initial solutions, overwritten with the refined ones.
    B : (n, k) ndarray, same dtype
    solve_correction : callable
        ``solve_correction(R)`` returns the solution of ``A D = R`` for a
        (n, k) array R of A's dtype, from the existing factorisation.
    max_iter : int

    Returns
    -------
    RefineInfo
    """

    def step():
        D = solve_correction(dd_residual(A, X, B).astype(X.dtype))

        def apply(columns):
            X[:, columns] += D[:, columns]

        return D, apply

    return _iterate(X, step, max_iter)


def refine_lstsq(A, X, Rres, B, correction, *, max_iter: int = MAX_ITER):
    """Refine least-squares solutions X and residuals Rres in place (Bjorck's augmented system).

    Parameters
    ----------
    A : (m, n) ndarray, m >= n
        C-contiguous float32/float64: the columns the solution uses (full
        column rank).
    X : (n, k) ndarray
        Initial solutions, overwritten with the refined ones.
    Rres : (m, k) ndarray
        Initial residuals ``B - A X``, overwritten with the refined ones.
    B : (m, k) ndarray
    correction : callable
        ``correction(F, G)`` returns ``(dR, dX)``, the solution of
        ``[[I, A], [A^T, 0]] [dR; dX] = [F; G]`` from a QR of A
        (:func:`jitla.linalg._lstsq.qr_augmented_correction`).
    max_iter : int

    Returns
    -------
    RefineInfo

    Notes
    -----
    Each step (Bjorck 1996, Sec. 2.9.3): ``F = B - Rres - A X`` and
    ``G = -A^T Rres`` in double-double, rounded to the working precision;
    solve the augmented system for the corrections with the QR factors;
    ``Rres += dR``, ``X += dX``.  The stopping rule looks at dX (the
    solution is what the caller wants), per column.  Cost per step: two
    double-double residuals (about 50mnk flops) and a QR correction
    (about 8mnk flops).
    """

    def step():
        F = dd_residual(A, X, B, Rres).astype(X.dtype)
        G = dd_residual_t(A, Rres).astype(X.dtype)
        dR, dX = correction(F, G)

        def apply(columns):
            X[:, columns] += dX[:, columns]
            Rres[:, columns] += dR[:, columns]

        return dX, apply

    return _iterate(X, step, max_iter)
