"""Cholesky: numpy.linalg.cholesky and scipy.linalg.cho_factor / cho_solve.

The kernels (:mod:`jitla.kernels.cholesky`) compute the upper factor U of a
C-ordered array from its upper triangle; numpy's lower factor is ``U.T`` of
the transposed copy, so every variant reads exactly the triangle numpy or
scipy would read.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from jitla import config
from jitla._validate import (
    LinAlgError,
    as_float_operand,
    assert_stacked_2d,
    assert_stacked_square,
    result_float_dtype,
    square_work_copy,
)
from jitla.kernels import get_kernel
from jitla.kernels._layout import transpose_triangle
from jitla.linalg._dispatch import complex_extras, kernel_extras
from jitla.linalg._policy import cholesky_plan
from jitla.linalg._triangular import (
    check_finite_scipy,
    complex_triangular_solve,
    rhs_stacks,
    triangular_solve_inplace,
)
from jitla.linalg._wrap import array_wrap

__all__ = ["cholesky", "cho_factor", "cho_solve", "cholesky_variant"]


def cholesky_variant(n: int, nthreads: int | None = None) -> str:
    """The variant of :func:`jitla.linalg._policy.cholesky_plan` (the "auto" policy)."""
    return cholesky_plan(n, nthreads).variant


def _factor_upper(U: np.ndarray, kernel: str = "auto") -> np.ndarray:
    """Overwrite the upper triangle of each matrix of the C stack ``U`` with its factor.

    Returns the status per matrix (0, or k for a non-positive k-th leading minor).
    """
    *batch, n, _ = U.shape
    info = np.zeros(tuple(batch), dtype=np.int64)
    if U.size == 0:
        return info
    variant = cholesky_variant(n) if kernel == "auto" else kernel
    k_info = get_kernel("cholesky", variant)
    extra = kernel_extras(k_info, U.dtype)
    if variant == "blocked":
        extra = (extra[0], config.cholesky_nb(n, "cholesky"))
    U3 = U.reshape(math.prod(batch), n, n)
    flat = info.reshape(-1)
    for i in range(U3.shape[0]):
        flat[i] = k_info.func(U3[i], *extra)
        if flat[i]:
            break
    return info


def _upper_work(a: np.ndarray, dtype, lower: bool) -> np.ndarray:
    """A C-ordered copy whose upper triangle is the triangle of *a* to be read."""
    if not lower:
        return np.array(a, dtype=dtype, order="C", copy=True)
    src = as_float_operand(a, dtype).reshape((math.prod(a.shape[:-2]),) + a.shape[-2:])
    work = np.empty(src.shape[:1] + a.shape[-2:][::-1], dtype=dtype)
    for i in range(src.shape[0]):  # blocked: both tiles stay in L1 (kernels/_layout.py)
        transpose_triangle(src[i], work[i], False)
    return work.reshape(a.shape[:-2] + a.shape[-2:][::-1])


@functools.cache
def _lower_blocked_kernel(dtype: np.dtype):
    """``(func, blocks)`` of the blocked lower kernel for *dtype*, looked up once."""
    info = get_kernel("cholesky_lower", "blocked")
    return info.func, kernel_extras(info, dtype)[0]


@functools.cache
def _upper_kernel(variant: str):
    """The in-place upper kernel ``A -> info`` of *variant* ("unblocked" or "tiled"), looked up once."""
    return get_kernel("cholesky", variant).func


@functools.cache
def _lower_kernel(variant: str):
    """The one-call lower kernel ``(A, L) -> info`` of *variant* ("unblocked" or "tiled"), looked up once."""
    return get_kernel("cholesky_lower", variant).func


def _lower_blocked(a: np.ndarray, dtype) -> np.ndarray:
    """numpy's L for each matrix of *a* by the in-place lower kernel: one copy, no transposes."""
    L = np.array(a, dtype=dtype, order="C", copy=True)
    func, blocks = _lower_blocked_kernel(np.dtype(dtype))
    n = a.shape[-1]
    nb = config.cholesky_nb(n)
    for L_i in L.reshape(-1, n, n):
        if func(L_i, blocks, nb):
            raise LinAlgError("Matrix is not positive definite")
    return L


def cholesky(a, /, *, upper=False):
    """Cholesky factor of a symmetric positive definite matrix, as numpy.linalg.cholesky.

    Parameters
    ----------
    a : (..., M, M) array_like
        Only the lower triangle is read (the upper one with ``upper=True``).
    upper : bool
        Return U with ``a = U.T @ U`` instead of L with ``a = L @ L.T``.

    Returns
    -------
    ndarray
        Triangular factor, the other triangle zero; float32 for float32
        input, else float64.

    Raises
    ------
    LinAlgError
        ``"Matrix is not positive definite"`` (also for NaN on the way, as
        numpy's LAPACK call); numpy's messages for bad shapes.

    Notes
    -----
    Kernels ``cholesky`` unblocked / tiled / blocked / parallel, chosen by
    :func:`cholesky_variant`; one 2-D matrix takes the one-call
    ``cholesky_lower`` kernel of the unblocked and tiled variants (the
    lower triangle transposed in, factored, transposed back); where the
    policy picks "blocked", numpy's lower
    factor comes from ``cholesky_lower`` blocked instead, which works on
    the lower triangle in place (no transposes of the whole matrix), with
    the block size :func:`jitla.config.cholesky_nb` gives for M.  One 2-D
    matrix goes from here to the kernel in one call.  Flops M^3/3.
    """
    if not upper and type(a) is np.ndarray and a.ndim == 2:
        # one matrix: numpy's lower factor in a single kernel call
        n = a.shape[0]
        # the policy's first rules, without building its Plan (a microsecond at n = 3)
        if n <= config.CHOLESKY_UNBLOCKED_MAX:
            variant = "unblocked"
        elif n <= config.CHOLESKY_TILED_MAX and n < config.CHOLESKY_PARALLEL_MIN:
            variant = "tiled"
        else:
            variant = cholesky_variant(n)
        if variant in ("unblocked", "tiled"):
            A = square_work_copy(a, copy=False)
            if A is not None:
                L = np.empty_like(A)
                if _lower_kernel(variant)(A, L):
                    raise LinAlgError("Matrix is not positive definite")
                return L
        elif variant == "blocked":
            L = square_work_copy(a)
            if L is not None:
                func, blocks = _lower_blocked_kernel(L.dtype)
                if func(L, blocks, config.cholesky_nb(n)):
                    raise LinAlgError("Matrix is not positive definite")
                return L
    wrap = array_wrap(a)
    L = _cholesky_stack(np.asarray(a), upper)
    return L if wrap is None else wrap(L)


def _cholesky_stack(a: np.ndarray, upper: bool) -> np.ndarray:
    """:func:`cholesky`'s general path: any stack, dtype and layout, numpy's checks and errors."""
    dtype = result_float_dtype(a, allow_complex=True)
    assert_stacked_2d(a)
    assert_stacked_square(a)
    if dtype.kind == "c":
        U, info = _zfactor_upper(a, dtype, lower=not upper)
        if info:
            raise LinAlgError("Matrix is not positive definite")
        if upper:
            return np.triu(U)
        # L = U^T of the factor of conj(a) (see _zfactor_upper), in one blocked pass
        shape = (math.prod(a.shape[:-2]),) + a.shape[-2:]
        L = np.empty_like(U)
        for Uk, Lk in zip(U.reshape(shape), L.reshape(shape), strict=True):
            transpose_triangle(Uk, Lk, True)
        return L
    n = a.shape[-1]
    if not upper and a.size and cholesky_variant(n) == "blocked":
        return _lower_blocked(a, dtype)
    work = _upper_work(a, dtype, lower=not upper)
    if _factor_upper(work).any():
        raise LinAlgError("Matrix is not positive definite")
    if upper:
        return np.triu(work)
    # L = triu(work)^T in one blocked pass
    flat = work.reshape((math.prod(work.shape[:-2]),) + work.shape[-2:])
    L = np.empty_like(flat)
    for i in range(flat.shape[0]):
        transpose_triangle(flat[i], L[i], True)
    return L.reshape(work.shape)


def _zfactor_upper(a: np.ndarray, dtype, lower: bool):
    """Complex Hermitian stack: a C-ordered work copy whose upper triangle holds U (``b = U^H U``).

    Without *lower*, ``b = a`` (its upper triangle read).  With *lower*, the
    work copy is ``a^T`` (one blocked transposing pass, no conjugation), whose
    upper triangle is a's lower one: the Hermitian matrix it defines is
    ``b = conj(a)``, and ``conj(a) = U^H U`` gives ``a = U^T conj(U)``, so
    numpy's lower factor is ``L = U^T`` -- again without a conjugation.
    Returns ``(work, info)``: info 0, or the order of the first leading
    minor that is not positive definite (of the first such matrix of the
    stack; conj(a) has the same minors).
    """
    n = a.shape[-1]
    if lower:
        count = math.prod(a.shape[:-2])  # not reshape(-1, n, n): ambiguous when n = 0
        src = np.ascontiguousarray(a, dtype=dtype).reshape((count, n, n))
        work = np.empty(a.shape, dtype)
        for S, W in zip(src, work.reshape((count, n, n)), strict=True):
            transpose_triangle(S, W, False)
    else:
        work = np.array(a, dtype=dtype, order="C", copy=True)
    if work.size == 0:
        return work, 0
    from jitla.kernels.cholesky import zcholesky as func

    extras = complex_extras(dtype, n)
    for W in work.reshape(-1, n, n):
        info = func(W, *extras)
        if info:
            return work, int(info)
    return work, 0


def _cho_factor_one(a: np.ndarray, dtype, lower: bool) -> np.ndarray:
    """cho_factor of one matrix by a kernel that writes only the upper triangle (unblocked or tiled).

    Upper: a C-ordered copy of *a*, factored in place; its strict lower
    triangle keeps a's entries, as scipy's.  Lower: the same on a C-ordered
    copy of ``a.T`` (whose upper triangle is a's lower one), returned as its
    transpose -- F-ordered, like scipy's -- holding ``L = U^T`` below the
    diagonal and a's entries above it.  No transposes or merges.
    """
    c = np.array(a.T if lower else a, dtype=dtype, order="C", copy=True)
    info = _upper_kernel(cholesky_variant(a.shape[0]))(c)
    if info:
        raise LinAlgError(f"{int(info)}-th leading minor of the array is not positive definite")
    return c.T if lower else c


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """Cholesky factorisation for :func:`cho_solve`, as scipy.linalg.cho_factor.

    Parameters
    ----------
    a : (..., M, M) array_like
        Only the triangle chosen by *lower* is read.
    lower : bool
        Factor as ``L L^T`` in the lower triangle (default: ``U^T U``, upper).
    overwrite_a : bool
        Accepted for compatibility; inputs are never modified.
    check_finite : bool
        Reject infs and NaNs (``ValueError``, scipy's message).

    Returns
    -------
    c : (..., M, M) ndarray
        The factor in the chosen triangle.  The other triangle holds the
        corresponding entries of *a* unchanged -- what scipy returns too
        (LAPACK ``potrf`` does not touch it), though scipy documents it
        only as "random data": do not rely on it with either library.
    lower : bool
        As given.

    Raises
    ------
    LinAlgError
        ``"%d-th leading minor of the array is not positive definite"``
        (scipy's message, 1-based).
    ValueError
        Non-square input (scipy's messages) or non-finite values.
    """
    del overwrite_a
    a = np.asarray(a)
    dtype = result_float_dtype(a, allow_complex=True)
    if check_finite:
        check_finite_scipy(a)
    if a.ndim < 2:
        a = np.atleast_2d(a)
    if a.shape[-1] != a.shape[-2]:
        raise ValueError(f"Input array is expected to be square but has the shape: {a.shape[-2:]}.")
    if dtype.kind == "c":
        U, info = _zfactor_upper(a, dtype, bool(lower))
        if info:
            raise LinAlgError(f"{info}-th leading minor of the array is not positive definite")
        n = a.shape[-1]
        if lower:
            keep = np.tril(np.ones((n, n), dtype=bool))
            # L = U^T: U factors conj(a) here (_zfactor_upper)
            c = np.where(keep, U.swapaxes(-1, -2), a.astype(dtype, copy=False))
        else:
            keep = np.triu(np.ones((n, n), dtype=bool))
            c = np.where(keep, U, a.astype(dtype, copy=False))
        return np.ascontiguousarray(c), lower
    if a.ndim == 2 and a.size and cholesky_variant(a.shape[0]) in ("unblocked", "tiled"):
        return _cho_factor_one(a, dtype, bool(lower)), lower
    work = _upper_work(a, dtype, lower)
    info = _factor_upper(work)
    bad = info[info > 0]
    if bad.size:
        raise LinAlgError(f"{int(bad.flat[0])}-th leading minor of the array is not positive definite")
    n = a.shape[-1]
    if lower:
        keep = np.tril(np.ones((n, n), dtype=bool))
        c = np.where(keep, work.swapaxes(-1, -2), a.astype(dtype, copy=False))
    else:
        keep = np.triu(np.ones((n, n), dtype=bool))
        c = np.where(keep, work, a.astype(dtype, copy=False))
    return np.ascontiguousarray(c), lower


def _cho_solve_one(c, b, lower, check_finite: bool):
    """cho_solve of one matrix in one kernel call (``potrs``); None where the general path must run.

    Taken for a 2-D square float32/float64 *c* that is C- or F-contiguous and a
    *b* of the same dtype, (n,) or (n, k).  An F-ordered factor is passed as
    its transpose, a C array, with the other triangle named: the transpose
    of L in the upper triangle is U = L^T, the same system.
    """
    if not (type(c) is np.ndarray and type(b) is np.ndarray and c.ndim == 2 and c.dtype is b.dtype):
        return None
    n = c.shape[0]
    if c.dtype.kind != "f" or c.dtype.itemsize not in (4, 8) or c.shape[1] != n or not n:
        return None
    if not (b.shape == (n,) or (b.ndim == 2 and b.shape[0] == n and b.shape[1])):
        return None
    lower = bool(lower)
    if not c.flags.c_contiguous:
        if not c.flags.f_contiguous:
            return None
        c, lower = c.T, not lower
    if not c.flags.writeable:  # Numba compiles read-only arrays separately
        c = c.copy()
    if check_finite:
        check_finite_scipy(b, c)
    X = np.array(b, order="C")
    get_kernel("potrs", "serial").func(c, X, lower)
    return X


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` given ``cho_factor(a)``, as scipy.linalg.cho_solve.

    Parameters
    ----------
    c_and_lower : tuple
        ``(c, lower)`` from :func:`cho_factor` (or scipy's); only the
        triangle named by ``lower`` is read.
    b : (M,) or (..., M, K) array_like
    overwrite_b : bool
        Accepted for compatibility; inputs are never modified.
    check_finite : bool
        Reject infs and NaNs in c and b (``ValueError``).

    Returns
    -------
    x : ndarray

    Notes
    -----
    Two triangular solves: ``L y = b, L^T x = y`` (or ``U^T y = b, U x = y``).
    A zero on the factor's diagonal is divided by (infs/NaNs in x, as
    scipy / LAPACK ``potrs``).  Flops 2 M^2 K.
    """
    del overwrite_b
    c, lower = c_and_lower
    X = _cho_solve_one(c, b, lower, check_finite)
    if X is not None:
        return X
    c = np.asarray(c)
    b = np.asarray(b)
    dtype = result_float_dtype(c, b, allow_complex=True)
    if check_finite:
        check_finite_scipy(b, c)
    if c.ndim < 2 or c.shape[-1] != c.shape[-2]:
        raise ValueError("The factored matrix c is not square.")
    rows = b.shape[0] if b.ndim == 1 else (b.shape[-2] if b.ndim >= 2 else -1)
    if rows != c.shape[-1]:
        raise ValueError(f"incompatible dimensions ({c.shape} and {b.shape})")
    _, C3, X3, shape = rhs_stacks(c, b, dtype)
    if X3.size == 0:
        return X3.reshape(shape)
    lower = bool(lower)
    if dtype.kind == "c":
        # L y = b, L^H x = y; or U^H y = b, U x = y (a zero diagonal is divided by, as zpotrs)
        for i in range(X3.shape[0]):
            complex_triangular_solve(C3[i], X3[i], lower, 0 if lower else 2, False, True)
            complex_triangular_solve(C3[i], X3[i], lower, 2 if lower else 0, False, True)
        return X3.reshape(shape)
    for i in range(X3.shape[0]):
        singular = not np.diagonal(C3[i]).all()  # potrs divides by a zero: infs/NaNs
        # first op(T) with op(T) lower: L (no transpose) or U^T; then its transpose
        triangular_solve_inplace(C3[i], X3[i], lower, not lower, False, singular)
        triangular_solve_inplace(C3[i], X3[i], lower, lower, False, singular)
    return X3.reshape(shape)
