"""Eigenvalues one at a time: power, inverse and Rayleigh-quotient iteration.

Teaching methods (Golub & Van Loan, 4th ed., Sec. 7.3 and 8.2.3): each step
is a matrix-vector product (:func:`jitla.matmul`, the ``gemv`` kernel) or a
solve with an LU factorisation computed once (:func:`jitla.linalg.lu_factor`
/ :func:`lu_solve`), so the loops here are Python loops around kernels, and
every iteration's estimate is kept in ``history`` to show how fast each
method converges: linearly with ratio ``|lambda_2 / lambda_1|`` for the
power method, ``|(lambda_1 - mu) / (lambda_2 - mu)|`` for inverse iteration
with shift mu, and cubically for Rayleigh-quotient iteration on symmetric
matrices.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from jitla._validate import LinAlgError, as_float_operand, assert_finite, result_float_dtype
from jitla.linalg._lu import lu_factor, lu_solve, solve
from jitla.linalg._matmul import matmul

__all__ = ["IterationResult", "power_iteration", "inverse_iteration", "rayleigh_quotient_iteration"]


class IterationResult(NamedTuple):
    """Result of an eigenvalue iteration.

    Attributes
    ----------
    eigenvalue : float
        The final Rayleigh quotient ``x^T A x`` (x of unit norm).
    eigenvector : ndarray
        Unit 2-norm; its sign makes the largest-magnitude entry positive.
    iterations : int
        Steps taken.
    history : ndarray
        The eigenvalue estimate after every step.
    residual : float
        ``||A x - eigenvalue x||``, the stopping quantity.
    """

    eigenvalue: float
    eigenvector: np.ndarray
    iterations: int
    history: np.ndarray
    residual: float


def _prepare(a, x0):
    a = np.asarray(a)
    if a.ndim != 2:
        raise LinAlgError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
    n, m = a.shape
    if n != m:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    if n == 0:
        raise ValueError("an eigenvalue iteration needs a matrix of size at least 1 x 1")
    dtype = result_float_dtype(a)
    A = as_float_operand(a, dtype)
    assert_finite(A)
    if x0 is None:
        x = np.random.default_rng(0).standard_normal(n).astype(dtype)
    else:
        x = np.array(x0, dtype=dtype).reshape(-1)
        if x.shape != (n,):
            raise ValueError(f"x0 must have {n} entries, got {x.size}")
        if not np.any(x):
            raise ValueError("x0 must not be the zero vector")
    return A, x / np.linalg.norm(x)


def _result(A, x, history, iterations):
    x = x / np.linalg.norm(x)
    k = int(np.argmax(np.abs(x)))
    if x[k] < 0:
        x = -x
    Ax = matmul(A, x)
    value = float(x @ Ax)
    residual = float(np.linalg.norm(Ax - value * x))
    return IterationResult(value, x, iterations, np.array(history), residual)


def _tolerance(A, tol):
    if tol is None:
        return 10 * A.shape[0] * np.finfo(A.dtype).eps * max(float(np.abs(A).max()), np.finfo(A.dtype).tiny)
    return float(tol)


def power_iteration(a, x0=None, *, tol=None, maxiter=10_000):
    """The dominant eigenpair by the power method.

    ``x <- A x / ||A x||`` until ``||A x - rho x|| <= tol`` with ``rho =
    x^T A x``.

    Parameters
    ----------
    a : (n, n) array_like
    x0 : (n,) array_like, optional
        Start vector (default: a fixed pseudo-random vector).
    tol : float, optional
        Residual tolerance; default ``10 n eps max|a|``.
    maxiter : int

    Returns
    -------
    IterationResult

    Raises
    ------
    LinAlgError
        If the residual has not reached *tol* after *maxiter* steps (e.g.
        two dominant eigenvalues of equal modulus, such as a complex pair).

    Notes
    -----
    Golub & Van Loan, 4th ed., Sec. 7.3.1.  Converges linearly with ratio
    ``|lambda_2| / |lambda_1|``.  2n^2 flops per step.
    """
    A, x = _prepare(a, x0)
    tol = _tolerance(A, tol)
    history = []
    for k in range(1, maxiter + 1):
        y = matmul(A, x)
        rho = float(x @ y)
        history.append(rho)
        if np.linalg.norm(y - rho * x) <= tol:
            return _result(A, x, history, k)
        norm = np.linalg.norm(y)
        if norm == 0:  # x is in the null space: eigenvalue 0
            return _result(A, x, history, k)
        x = y / norm
    raise LinAlgError(f"power iteration did not converge in {maxiter} iterations")


def inverse_iteration(a, shift, x0=None, *, tol=None, maxiter=1_000):
    """The eigenpair whose eigenvalue is closest to *shift*, by inverse iteration.

    Factor ``A - shift I = P L U`` once, then ``x <- (A - shift I)^{-1} x``
    normalised, until the residual of the Rayleigh quotient is below *tol*.

    Parameters
    ----------
    a : (n, n) array_like
    shift : float
        The target; an exact eigenvalue makes the factorisation singular
        and is perturbed by a relative eps so the iteration can proceed (the
        solve then returns the eigenvector in one step, as in LAPACK's
        ``stein``).
    x0, tol, maxiter
        As :func:`power_iteration`.

    Notes
    -----
    Golub & Van Loan, 4th ed., Sec. 7.6.1.  Linear convergence with ratio
    ``|lambda_1 - shift| / |lambda_2 - shift|``.  One LU (2n^3/3 flops),
    then 2n^2 flops per step.
    """
    A, x = _prepare(a, x0)
    tol = _tolerance(A, tol)
    n = A.shape[0]
    scale = max(float(np.abs(A).max()), 1.0)
    with warnings.catch_warnings():  # an exactly singular shift is handled below
        warnings.simplefilter("ignore")
        factor = lu_factor(A - float(shift) * np.eye(n, dtype=A.dtype))
    if np.any(np.diag(factor[0]) == 0):
        nudged = float(shift) + np.finfo(A.dtype).eps * scale
        factor = lu_factor(A - nudged * np.eye(n, dtype=A.dtype))
    history = []
    for k in range(1, maxiter + 1):
        y = lu_solve(factor, x)
        x = y / np.linalg.norm(y)
        Ax = matmul(A, x)
        rho = float(x @ Ax)
        history.append(rho)
        if np.linalg.norm(Ax - rho * x) <= tol:
            return _result(A, x, history, k)
    raise LinAlgError(f"inverse iteration did not converge in {maxiter} iterations")


def rayleigh_quotient_iteration(a, x0=None, *, tol=None, maxiter=100):
    """An eigenpair by Rayleigh-quotient iteration (shift updated every step).

    ``rho = x^T A x``; ``x <- (A - rho I)^{-1} x`` normalised.  Cubically
    convergent for symmetric A (Golub & Van Loan, 4th ed., Sec. 8.2.3),
    quadratically in general; which eigenpair it finds depends on *x0*.

    Notes
    -----
    An LU factorisation per step (2n^3/3 flops).  When ``A - rho I`` is
    exactly singular the current x is already an eigenvector and the
    iteration stops.
    """
    A, x = _prepare(a, x0)
    tol = _tolerance(A, tol)
    n = A.shape[0]
    history = []
    for k in range(1, maxiter + 1):
        Ax = matmul(A, x)
        rho = float(x @ Ax)
        history.append(rho)
        if np.linalg.norm(Ax - rho * x) <= tol:
            return _result(A, x, history, k)
        try:
            y = solve(A - rho * np.eye(n, dtype=A.dtype), x)
        except LinAlgError:  # rho is an eigenvalue to working precision
            return _result(A, x, history, k)
        x = y / np.linalg.norm(y)
    raise LinAlgError(f"Rayleigh quotient iteration did not converge in {maxiter} iterations")
