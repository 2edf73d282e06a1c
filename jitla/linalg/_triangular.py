"""``solve_triangular`` (scipy.linalg semantics) and the right-hand-side plumbing
shared by the other solvers (:mod:`jitla.linalg._lu`, :mod:`jitla.linalg._cholesky`)."""

from __future__ import annotations

import math

import numpy as np

from jitla._validate import LinAlgError, as_float_operand, result_float_dtype, square_work_copy
from jitla.kernels import get_kernel
from jitla.kernels.triangular import trsm_unchecked
from jitla.linalg._dispatch import complex_extras, kernel_extras
from jitla.linalg._policy import trsm_plan

__all__ = ["solve_triangular"]


def check_finite_scipy(*arrays) -> None:
    """scipy.linalg's ``check_finite``: ``ValueError("array must not contain infs or NaNs")``."""
    for a in arrays:
        if a.dtype.kind in "fc" and not np.isfinite(a).all():
            raise ValueError("array must not contain infs or NaNs")


def rhs_stacks(A, B, dtype):
    """Broadcast a stack of (n, n) matrices against right-hand sides, numpy 2 style.

    ``B`` is a vector (n,) when it is 1-D, else a stack of (n, k) matrices
    (numpy >= 2.0 and scipy's batched solvers use this rule).  Returns
    ``(batch, A3, X3, shape)``: ``A3`` (batch, n, n) and ``X3`` (batch, n, k)
    are fresh C-contiguous arrays of *dtype* (``X3`` is the one to solve in
    place), *shape* that of the result.  ``A3`` shares memory with A only
    if no copy was needed; kernels never write it.  Raises nothing: the
    caller has checked that the sizes agree.
    """
    vector = B.ndim == 1
    n = A.shape[-1]
    if A.ndim == 2 and B.ndim <= 2:
        # one matrix: nothing to broadcast (np.broadcast_to costs more than a small solve)
        X = np.array(B, dtype=dtype, order="C")
        return (), as_float_operand(A, dtype)[np.newaxis], X.reshape(1, n, -1 if X.size else 0), X.shape
    B_core = (n, 1) if vector else B.shape[-2:]
    batch = np.broadcast_shapes(A.shape[:-2], () if vector else B.shape[:-2])
    shape = batch + ((n,) if vector else tuple(B_core))
    count = math.prod(batch)
    # broadcast_to returns a read-only view, which as_float_operand would copy (a second
    # copy of the whole stack): only broadcast when A lacks the batch shape
    A_full = A if A.shape[:-2] == batch else np.broadcast_to(A, batch + (n, n))
    A3 = as_float_operand(A_full, dtype).reshape(count, n, n)
    B_full = np.broadcast_to(B.reshape(B.shape + (1,)) if vector else B, batch + tuple(B_core))
    X3 = np.array(B_full, dtype=dtype, order="C", copy=True).reshape(count, *B_core)
    return batch, A3, X3, shape


def triangular_solve_inplace(A, X, lower: bool, trans: bool, unit: bool, unchecked: bool = False) -> int:
    """Solve ``op(A) Y = X`` in place with the kernel the "auto" policy picks; return its status.

    With *unchecked*, a zero on the diagonal is divided by (infs/NaNs in Y,
    LAPACK ``xGETRS`` semantics) instead of reported; the status is then 0.
    """
    n, k = X.shape
    if unchecked:
        trsm_unchecked(A, X, lower, trans, unit)
        return 0
    plan = trsm_plan(n, k)
    if plan.op == "trsv":
        return get_kernel(*plan[:2]).func(A, X[:, 0], lower, trans, unit) if n else 0
    info = get_kernel(*plan[:2])
    return info.func(A, X, lower, trans, unit, *kernel_extras(info, A.dtype))


def complex_triangular_solve(A, X, lower: bool, trans: int, unit: bool, unchecked: bool = False) -> int:
    """:func:`triangular_solve_inplace` for complex A, X (the callers branch on the dtype, so the
    real function has no complex test): ``ztrsm`` with *trans* 0, 1 or 2 (``A^H``).

    Returns the 1-based index of the first zero on the diagonal (X untouched),
    or 0; with *unchecked* or *unit* the diagonal is not checked.
    """
    if not (unchecked or unit):
        zero = np.flatnonzero(np.diagonal(A) == 0)
        if zero.size:
            return int(zero[0]) + 1
    from jitla.kernels.triangular import ztrsm

    ztrsm(A, X, bool(lower), trans, bool(unit), *complex_extras(A.dtype))
    return 0


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` for x, assuming a is a triangular matrix (scipy.linalg semantics).

    Parameters
    ----------
    a : (..., M, M) array_like
        Triangular matrix; only the triangle chosen by *lower* is read (and
        not its diagonal when *unit_diagonal*).
    b : (M,) or (..., M, K) array_like
        Right-hand side(s).  A 1-D b is one vector; otherwise the last two
        dimensions are a matrix and leading dimensions broadcast with a's.
    trans : {0, 1, 2, 'N', 'T', 'C'}
        Solve ``a x = b`` (0, 'N'), ``a.T x = b`` (1, 'T') or ``a^H x = b``
        (2, 'C'; the same as 1 for real matrices).
    lower : bool
        Use the lower triangle of a (default: upper).
    unit_diagonal : bool
        Take the diagonal of a to be ones.
    overwrite_b : bool
        Accepted for compatibility; jitla never modifies its inputs.
    check_finite : bool
        Reject infs and NaNs with ``ValueError`` as scipy.

    Returns
    -------
    x : ndarray
        Shape of the broadcast b; float32 when a and b are float32, else
        float64; complex64 / complex128 when either is complex (numpy's
        promotion).

    Raises
    ------
    LinAlgError
        ``"singular matrix: resolution failed at diagonal i"`` when
        ``a[i, i] == 0`` (scipy's message, 0-based i).
    ValueError
        For a non-square a, mismatched shapes, a bad *trans*, or non-finite
        values when *check_finite*.

    Notes
    -----
    Kernels: :func:`jitla.kernels.triangular.trsv` for one right-hand
    side, ``trsm_unblocked`` for few or small, ``trsm_blocked`` (GEMM for
    the off-diagonal blocks) otherwise.  Flops M^2 K.
    """
    del overwrite_b  # inputs are never modified
    if type(trans) is int and 0 <= trans <= 2 and type(b) is np.ndarray and 0 < b.ndim <= 2:
        A = square_work_copy(a, copy=False)
        if A is not None and b.dtype is A.dtype and b.shape[0] == A.shape[0] and b.size:
            # one matrix of the kernels' dtype: straight to the kernel
            if check_finite:
                check_finite_scipy(A, b)
            X = np.array(b, order="C")
            info = triangular_solve_inplace(
                A, X.reshape(A.shape[0], -1), bool(lower), trans != 0, bool(unit_diagonal)
            )
            if info > 0:
                raise LinAlgError(f"singular matrix: resolution failed at diagonal {info - 1}")
            return X
    a = np.asarray(a)
    b = np.asarray(b)
    dtype = result_float_dtype(a, b, allow_complex=True)
    if check_finite:
        check_finite_scipy(a, b)
    trans = {"N": 0, "T": 1, "C": 2}.get(trans, trans)
    if trans not in (0, 1, 2):
        raise ValueError(f"trans must be one of 0, 1, 2, 'N', 'T', 'C', got {trans!r}")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError("expected square matrix")
    rows = b.shape[0] if b.ndim == 1 else (b.shape[-2] if b.ndim >= 2 else -1)
    if rows != a.shape[-1]:
        raise ValueError(f"shapes of a {a.shape} and b {b.shape} are incompatible")
    batch, A3, X3, shape = rhs_stacks(a, b, dtype)
    if X3.size == 0:
        return X3.reshape(shape)
    for i in range(X3.shape[0]):
        # real kernels take trans as a bool (2, 'C' is 1 for them); complex ones 0, 1, 2
        if dtype.kind == "c":
            info = complex_triangular_solve(A3[i], X3[i], bool(lower), trans, bool(unit_diagonal))
        else:
            info = triangular_solve_inplace(A3[i], X3[i], bool(lower), trans != 0, bool(unit_diagonal))
        if info > 0:
            raise LinAlgError(f"singular matrix: resolution failed at diagonal {info - 1}")
    return X3.reshape(shape)
