"""LU with partial pivoting and what is built on it.

scipy.linalg: ``lu_factor``, ``lu_solve``, ``lu``.
numpy.linalg: ``solve``, ``inv``, ``det``, ``slogdet``.

One handler (:func:`_factor`) runs the LU kernels and turns their status
into the error or warning each caller needs.
"""

from __future__ import annotations

import functools
import math
import sys
import warnings

import numpy as np
from numpy.lib.stride_tricks import as_strided

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
from jitla.linalg._dispatch import complex_extras, kernel_extras
from jitla.linalg._policy import lu_call_plan, lu_plan, solve_stack_plan
from jitla.linalg._refine import refine_square
from jitla.linalg._triangular import check_finite_scipy, rhs_stacks, triangular_solve_inplace
from jitla.linalg._wrap import array_wrap


class _LinAlgWarning(RuntimeWarning):
    """Emitted when a factorisation is exactly singular (as scipy.linalg.LinAlgWarning)."""


def _linalg_warning() -> type[Warning]:
    """scipy's ``LinAlgWarning`` when scipy is installed, so filters written for scipy apply.

    Imported only when a warning is due: ``import scipy.linalg`` takes longer
    than importing all of jitla.linalg.
    """
    try:
        from scipy.linalg import LinAlgWarning
    except ImportError:  # pragma: no cover - scipy is a test dependency only
        return _LinAlgWarning
    return LinAlgWarning


try:
    from numpy.linalg._linalg import SlogdetResult
except ImportError:  # pragma: no cover - numpy < 2
    from collections import namedtuple

    SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])

__all__ = ["lu_factor", "lu_solve", "lu", "solve", "inv", "det", "slogdet", "lu_variant"]


def lu_variant(m: int, n: int, nthreads: int | None = None) -> str:
    """The variant of :func:`jitla.linalg._policy.lu_plan` (the "auto" policy for one matrix)."""
    return lu_plan(m, n, nthreads).variant


def _factor(LU: np.ndarray, kernel: str = "auto"):
    """Factor each (m, n) matrix of the C-contiguous stack ``LU`` in place.

    Returns ``(piv, info)``: int32 pivots (..., min(m, n)) and the status of
    each matrix (0 or the 1-based index of the first zero pivot).  A complex
    stack runs the ``zlu`` kernel (*kernel* is for the real variants).
    """
    *batch, m, n = LU.shape
    if LU.dtype.kind == "c":
        return _zfactor(LU)
    count = math.prod(batch)
    piv = np.zeros((*batch, min(m, n)), dtype=np.int32)
    info = np.zeros(tuple(batch), dtype=np.int64)
    if LU.size == 0:
        return piv, info
    variant = lu_variant(m, n) if kernel == "auto" else kernel
    k_info = get_kernel("lu", variant)
    extra = kernel_extras(k_info, LU.dtype)
    LU3 = LU.reshape(count, m, n)
    piv2 = piv.reshape(count, min(m, n))
    flat = info.reshape(count)
    for i in range(count):
        flat[i] = k_info.func(LU3[i], piv2[i], *extra)
    return piv, info


def _zfactor(LU: np.ndarray):
    """:func:`_factor` of a complex stack: ``zlu_blocked`` on each matrix."""
    *batch, m, n = LU.shape
    count = math.prod(batch)
    piv = np.zeros((*batch, min(m, n)), dtype=np.int32)
    info = np.zeros(tuple(batch), dtype=np.int64)
    if LU.size == 0:
        return piv, info
    from jitla.kernels.lu import zlu_blocked as func

    extras = complex_extras(LU.dtype, min(m, n))
    LU3 = LU.reshape(count, m, n)
    piv2 = piv.reshape(count, min(m, n))
    flat = info.reshape(count)
    for i in range(count):
        flat[i] = func(LU3[i], piv2[i], *extras)
    return piv, info


@functools.cache
def _unpack():
    """The ``lu_unpack`` kernel, looked up once."""
    return get_kernel("lu_unpack", "serial").func


@functools.cache
def _factor_kernel(variant: str, dtype: np.dtype):
    """``(func, extras)`` of the LU kernel *variant* for *dtype*, looked up once."""
    info = get_kernel("lu", variant)
    return info.func, kernel_extras(info, dtype)


def _factor_one(a, check_finite: bool):
    """``(LU, piv, info)`` of one 2-D float64/float32 non-empty ndarray in one kernel call; else None."""
    if not (type(a) is np.ndarray and a.ndim == 2 and a.size and a.dtype in _EPS):
        return None
    if check_finite:
        check_finite_scipy(a)
    m, n = a.shape
    LU = np.array(a, order="C")
    piv = np.empty(min(m, n), np.int32)
    func, extras = _factor_kernel(lu_plan(m, n).variant, LU.dtype)
    return LU, piv, func(LU, piv, *extras)


def _permutation(piv: np.ndarray, m: int) -> np.ndarray:
    """Row order of ``P A`` from LAPACK interchanges: ``(P A)[r] = A[perm[r]]``, for a stack of piv.

    The interchanges are applied (``laswp`` kernel) to the column ``0, 1, ..., m-1``
    held as float64, exact for any m an array can have.
    """
    *batch, k = piv.shape
    count = math.prod(batch)
    perm = np.empty((count, m, 1))
    perm[:, :, 0] = np.arange(m)
    pv = np.ascontiguousarray(piv.reshape(count, k), dtype=np.int32)
    apply_pivots = get_kernel("laswp", "serial").func
    for i in range(count):
        apply_pivots(pv[i], perm[i], True)
    return perm.reshape(*batch, m).astype(np.intp)


def lu_factor(a, overwrite_a=False, check_finite=True):
    """LU decomposition with partial pivoting, as scipy.linalg.lu_factor.

    Parameters
    ----------
    a : (..., M, N) array_like
    overwrite_a : bool
        Accepted for compatibility; jitla never modifies its inputs.
    check_finite : bool
        Reject infs and NaNs (``ValueError``, scipy's message).

    Returns
    -------
    lu : (..., M, N) ndarray
        U on and above the diagonal, L's multipliers below it (unit diagonal
        not stored), C-ordered.  float32 for float32 input, else float64.
    piv : (..., min(M, N)) int32 ndarray
        0-based LAPACK pivots: row i was interchanged with row ``piv[i]``.

    Warns
    -----
    LinAlgWarning
        ``"Diagonal number %d is exactly zero. Singular matrix."`` (1-based,
        scipy's wording) when a pivot is exactly zero; the factors are
        returned anyway.

    Notes
    -----
    Kernels ``lu`` unblocked / blocked / parallel (:mod:`jitla.kernels.lu`),
    chosen by :func:`lu_variant`.  Flops 2n^3/3.
    """
    del overwrite_a
    one = _factor_one(a, check_finite)
    if one is not None:
        LU, piv, info = one
        if info:
            warnings.warn(
                f"Diagonal number {info} is exactly zero. Singular matrix.", _linalg_warning(), stacklevel=2
            )
        return LU, piv
    a = np.asarray(a)
    dtype = result_float_dtype(a, allow_complex=True)
    if check_finite:
        check_finite_scipy(a)
    if a.ndim < 2:
        raise ValueError("expected matrix")  # scipy's getrf wrapper rejects 0-D/1-D input
    LU = np.array(a, dtype=dtype, order="C", copy=True)
    if LU.size == 0:
        return LU, np.zeros((*a.shape[:-2], 0), dtype=np.int32)
    piv, info = _factor(LU)
    bad = info[info > 0]
    if bad.size:
        warnings.warn(
            f"Diagonal number {int(bad.flat[0])} is exactly zero. Singular matrix.",
            _linalg_warning(),
            stacklevel=2,
        )
    return LU, piv


def _solve_factored(LU, piv, X, trans: int, unchecked: bool = False) -> None:
    """Overwrite X (n, k) with ``A^{-1} X`` (or ``A^{-T} X``) from one LU factorisation.

    *piv* holds LAPACK's int32 interchanges; they are applied to the rows of
    X by a kernel (``dlaswp``) and the triangular solves use the trsm policy.
    *unchecked*: a zero pivot is divided by (infs/NaNs, as ``xGETRS``).
    Complex factors go to ``zlu_solve``, where *trans* 2 is ``A^{-H} X``
    (a zero pivot is always divided by there).
    """
    if LU.dtype.kind == "c":
        from jitla.kernels.lu import zlu_solve

        zlu_solve(LU, piv, X, int(trans), *complex_extras(LU.dtype))
        return
    apply_pivots = get_kernel("laswp", "serial").func
    if not trans:
        apply_pivots(piv, X, True)
        triangular_solve_inplace(LU, X, True, False, True, unchecked)
        triangular_solve_inplace(LU, X, False, False, False, unchecked)
    else:
        triangular_solve_inplace(LU, X, False, True, False, unchecked)
        triangular_solve_inplace(LU, X, True, True, True, unchecked)
        apply_pivots(piv, X, False)


def _lu_solve_one(lu_, piv, b, trans, check_finite: bool):
    """lu_solve of one matrix in one kernel call (``getrs``); None where the general path must run.

    Taken for a 2-D square float32/float64 *lu_* (an F-ordered one, as
    scipy's lu_factor returns, is copied to C order), 1-D integer pivots of
    length n, and a *b* of the same dtype, (n,) or (n, k).
    """
    if not (type(lu_) is np.ndarray and type(piv) is np.ndarray and type(b) is np.ndarray):
        return None
    if lu_.ndim != 2 or lu_.dtype is not b.dtype or lu_.dtype.kind != "f" or lu_.dtype.itemsize not in (4, 8):
        return None
    n = lu_.shape[0]
    if (
        lu_.shape[1] != n
        or not n
        or piv.shape != (n,)
        or piv.dtype.kind not in "iu"
        or trans not in (0, 1, 2)
    ):
        return None
    if not (b.shape == (n,) or (b.ndim == 2 and b.shape[0] == n and b.shape[1])):
        return None
    if check_finite:
        check_finite_scipy(b)
    if piv.min() < 0 or piv.max() >= n:
        return None  # the general path raises scipy's error
    if not (lu_.flags.c_contiguous and lu_.flags.writeable):  # Numba compiles read-only arrays apart
        lu_ = np.array(lu_, order="C")
    X = np.array(b, order="C")
    get_kernel("getrs", "serial").func(lu_, piv.astype(np.int32), X, trans != 0)
    return X


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` given ``lu_factor(a)``, as scipy.linalg.lu_solve.

    Parameters
    ----------
    lu_and_piv : tuple
        ``(lu, piv)`` from :func:`lu_factor` (or scipy's).
    b : (M,) or (..., M, K) array_like
    trans : {0, 1, 2}
        Solve ``a x = b`` (0) or ``a.T x = b`` (1, 2).
    overwrite_b : bool
        Accepted for compatibility; inputs are never modified.
    check_finite : bool
        Reject infs and NaNs in b (``ValueError``).

    Returns
    -------
    x : ndarray
        Shape of b (broadcast with the leading dimensions of lu).

    Notes
    -----
    A zero pivot is not reported (as in scipy): it is divided by, so the
    solution holds infs or NaNs, the values LAPACK's ``getrs`` gives
    (:func:`jitla.kernels.triangular.trsm_unchecked`).  Flops 2 n^2 K.
    """
    del overwrite_b
    lu_, piv = lu_and_piv
    X = _lu_solve_one(lu_, piv, b, trans, check_finite)
    if X is not None:
        return X
    lu_ = np.asarray(lu_)
    piv = np.asarray(piv)
    b = np.asarray(b)
    dtype = result_float_dtype(lu_, b, allow_complex=True)
    if check_finite:
        check_finite_scipy(b)
    if trans not in (0, 1, 2):
        raise ValueError(f"trans must be 0, 1 or 2, got {trans!r}")
    if lu_.ndim < 2 or lu_.shape[-1] != lu_.shape[-2]:
        raise ValueError("expected square matrix")
    rows = b.shape[0] if b.ndim == 1 else (b.shape[-2] if b.ndim >= 2 else -1)
    if rows != lu_.shape[-1]:
        raise ValueError(f"Shapes of lu {lu_.shape} and b {b.shape} are incompatible")
    batch, LU3, X3, shape = rhs_stacks(lu_, b, dtype)
    if X3.size == 0:
        return X3.reshape(shape)
    n = lu_.shape[-1]
    if piv.shape[-1:] != (n,) or (n and (piv.min() < 0 or piv.max() >= n)):
        # the interchanges are applied by a kernel, which trusts its indices
        raise ValueError(f"piv must hold {n} row indices in [0, {n}), got shape {piv.shape}")
    piv3 = np.broadcast_to(piv, batch + (n,)).reshape(-1, n).astype(np.int32)
    for i in range(X3.shape[0]):
        singular = not np.diagonal(LU3[i]).all()  # getrs divides by a zero pivot: infs/NaNs
        _solve_factored(LU3[i], piv3[i], X3[i], trans, singular)
    return X3.reshape(shape)


def lu(a, permute_l=False, overwrite_a=False, check_finite=True, p_indices=False):
    """LU decomposition ``A = P L U`` with partial pivoting, as scipy.linalg.lu.

    Parameters
    ----------
    a : (..., M, N) array_like
        Square, tall or wide.
    permute_l : bool
        Return ``(P @ L, U)`` instead of ``(P, L, U)``.
    overwrite_a : bool
        Accepted for compatibility; inputs are never modified.
    check_finite : bool
        Reject infs and NaNs (``ValueError``).
    p_indices : bool
        Return the permutation as int32 row indices p (``A = L[p] @ U``)
        instead of a matrix.

    Returns
    -------
    (P, L, U) or (PL, U)
        P (..., M, M) float (or p (..., M) int32), L (..., M, K) unit lower
        trapezoidal, U (..., K, N) upper trapezoidal, K = min(M, N).

    Notes
    -----
    Same kernels as :func:`lu_factor`.  Unlike lu_factor, scipy's ``lu``
    does not warn for a singular matrix, and neither does this.
    """
    del overwrite_a
    one = _factor_one(a, check_finite)
    if one is not None:
        LU, piv, _ = one
        m, n = LU.shape
        k = min(m, n)
        L = np.empty((m, k), LU.dtype)
        U = np.empty((k, n), LU.dtype)
        p = np.empty(m, np.int32)
        _unpack()(LU, piv, L, U, p)
        if permute_l:
            return L[p], U
        if p_indices:
            return p, L, U
        P = np.zeros((m, m), LU.dtype)
        P[np.arange(m), p] = 1
        return P, L, U
    a = np.asarray(a)
    dtype = result_float_dtype(a, allow_complex=True)
    if check_finite:
        check_finite_scipy(a)
    if a.ndim < 2:
        raise ValueError("The input array must be at least two-dimensional.")
    *nd, m, n = a.shape
    k = min(m, n)
    if k == 0:
        L = np.empty((*nd, m, k), dtype=dtype)
        U = np.empty((*nd, k, n), dtype=dtype)
        if permute_l:
            return L, U
        P = np.empty((*nd, 0), dtype=np.int32) if p_indices else np.empty((*nd, 0, 0), dtype=dtype)
        return P, L, U
    LU = np.array(a, dtype=dtype, order="C", copy=True)
    piv, _ = _factor(LU)
    L = np.tril(LU[..., :, :k], -1)
    idx = np.arange(k)
    L[..., idx, idx] = 1
    U = np.triu(LU[..., :k, :])
    perm = _permutation(piv, m)
    p = np.argsort(perm, axis=-1).astype(np.int32)  # A[i] = (L U)[p[i]]
    if permute_l:
        return np.take_along_axis(L, p[..., :, None].astype(np.intp), axis=-2), U
    if p_indices:
        return p, L, U
    P = np.zeros((*nd, m, m), dtype=dtype)
    np.put_along_axis(P, p[..., :, None].astype(np.intp), 1, axis=-1)
    return P, L, U


# --------------------------------------------------------------------------
# numpy.linalg: solve, inv, det, slogdet
# --------------------------------------------------------------------------
def _raise_numpy_solve_shape_error(a: np.ndarray, b: np.ndarray) -> None:
    """Raise numpy.linalg.solve's own error for these shapes (zero-stride stand-ins, no memory)."""
    fake_a = as_strided(np.zeros(1), shape=a.shape, strides=(0,) * a.ndim)
    fake_b = as_strided(np.zeros(1), shape=b.shape, strides=(0,) * b.ndim)
    np.linalg.solve(fake_a, fake_b)
    raise AssertionError(f"jitla rejected shapes {a.shape}, {b.shape} that numpy.linalg.solve accepts")


def _user_stacklevel() -> int:
    """``stacklevel`` for a warning raised from here that points at the first caller outside jitla."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("jitla"):
        frame, level = frame.f_back, level + 1
    return level


#: Machine epsilon by dtype (``np.finfo`` costs about a microsecond per call).
_EPS = {np.dtype(t): float(np.finfo(t).eps) for t in (np.float64, np.float32)}


@functools.cache
def _gecon():
    """The condition estimator kernel, looked up once (the lookup costs more than the kernel at small n)."""
    return get_kernel("gecon", "hager_higham").func


@functools.cache
def _bound_kernel(op: str, variant: str, dtype: np.dtype):
    """``(func, extras)`` of a one-call kernel for *dtype*, looked up once (the lookup
    and the block sizes cost microseconds, the kernel itself tens at the orders that need them)."""
    info = get_kernel(op, variant)
    return info.func, kernel_extras(info, dtype)


def _one_call(op: str, n: int, dtype: np.dtype):
    """``(func, extras)`` of the one-call kernel :func:`lu_call_plan` picks for order n, or None."""
    # the policy's first rules without building its Plan (whose reason string costs about
    # as much as the whole kernel call at n = 3); the same choice as lu_call_plan
    if n <= config.LU_UNBLOCKED_MAX:
        return _bound_kernel(op, "unblocked", dtype)
    if n < config.LU_PARALLEL_MIN and n * n <= config.LU_TILED_MAX_ELEMENTS:
        return _bound_kernel(op, "tiled", dtype)
    plan = lu_call_plan(op, n)
    return None if plan is None else _bound_kernel(plan.op, plan.variant, dtype)


def warn_if_ill_conditioned(A: np.ndarray, LU: np.ndarray) -> None:
    """scipy.linalg.solve's ``LinAlgWarning`` when the estimated 1-norm rcond of A is below eps.

    *LU* holds the factors of the square matrix *A*.  The estimate is
    LAPACK ``dgecon``'s (kernel ``gecon``, O(n^2)); scipy warns on the same
    test, ``rcond < eps``.  A NaN estimate (NaN in A) does not warn: the
    NaNs in the solution already say it.
    """
    rcond = _gecon()(A, LU)
    if rcond < _EPS[LU.dtype]:
        _warn_ill_conditioned(rcond)


def _warn_ill_conditioned(rcond: float) -> None:
    """Emit :func:`warn_if_ill_conditioned`'s warning for an estimate already made."""
    warnings.warn(
        f"Ill-conditioned matrix (rcond={rcond:.6g}): result may not be accurate.",
        _linalg_warning(),
        stacklevel=_user_stacklevel(),
    )


def _solve_stack(A3: np.ndarray, X3: np.ndarray) -> None:
    """Overwrite each X3[i] with ``A3[i]^{-1} X3[i]``; LinAlgError("Singular matrix") as numpy."""
    count, n = A3.shape[0], A3.shape[1]
    if A3.dtype.kind == "c":
        LU = A3.copy()
        piv, info = _zfactor(LU)
        if info.any():
            raise LinAlgError("Singular matrix")
        for i in range(count):
            _solve_factored(LU[i], piv[i], X3[i], 0)
        return
    plan = solve_stack_plan(count, n)
    if plan.op == "lu_solve_batched":
        info = np.zeros(count, dtype=np.int32)
        k_info = get_kernel(*plan[:2])
        extras = kernel_extras(k_info, A3.dtype)
        if X3.shape[2] == 1 and 1 <= n <= 8:
            # the kernel of this order: its loops unrolled, compiled on first use
            from jitla.kernels.lu import lu_solve_batched_order

            lu_solve_batched_order(n, plan.variant == "parallel")(A3, X3, info, *extras)
        else:
            k_info.func(A3, X3, info, *extras)
        if info.any():
            raise LinAlgError("Singular matrix")
        return
    for i in range(count):
        LU = A3[i].copy()
        piv, info = _factor(LU)
        if info:
            raise LinAlgError("Singular matrix")
        warn_if_ill_conditioned(A3[i], LU)
        _solve_factored(LU, piv, X3[i], False)


def solve_refined(A3, X3):
    """``solve(..., refine=True)``: overwrite each ``X3[i]`` with the refined solution of ``A3[i] x = X3[i]``.

    Parameters
    ----------
    A3 : (count, n, n) ndarray
        C-contiguous float32/float64 stack (read only).
    X3 : (count, n, k) ndarray
        Right-hand sides on entry, refined solutions on return.

    Returns
    -------
    list of RefineInfo
        One per matrix.

    Raises
    ------
    LinAlgError
        ``"Singular matrix"`` (numpy's message) for an exactly zero pivot.

    Notes
    -----
    Each matrix is factored once by :func:`jitla.linalg.lu_factor`; the
    first solution and every correction come from
    :func:`jitla.linalg.lu_solve`; the residuals ``b - A x`` are
    accumulated in double-double (:func:`refine_square`).  With
    ``cond(A) * eps`` well below 1 the result is the exact solution
    rounded to working precision, up to a few units in the last place
    (Higham, *Accuracy and Stability*, 2nd ed., Thm. 12.1 with an
    extra-precise residual).  Cost per step: 25 n^2 k flops for the residual
    and 2 n^2 k for the correction, on top of the 2n^3/3 factorisation.
    """
    infos = []
    for i in range(X3.shape[0]):
        A = A3[i]
        B = X3[i].copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an exactly zero pivot is raised below instead
            LU, piv = lu_factor(A, check_finite=False)
        if (np.diagonal(LU) == 0).any():
            raise LinAlgError("Singular matrix")

        def correction(R, LU=LU, piv=piv):
            return lu_solve((LU, piv), R, check_finite=False)

        X = correction(B)
        infos.append(refine_square(A, X, B, correction))
        X3[i] = X
    return infos


def solve(a, b, *, refine=False, assume_a=None, lower=False):
    """Solve ``a @ x = b``, as numpy.linalg.solve (numpy 2 semantics).

    Parameters
    ----------
    a : (..., M, M) array_like
    b : (M,) or (..., M, K) array_like
        A 1-D b is a single vector (broadcast against every matrix of a);
        otherwise the last two dimensions are the right-hand-side matrix and
        the leading ones broadcast with a's.
    refine : bool
        jitla extension: extra-precise iterative refinement, residuals
        ``b - a x`` accumulated in double-double, corrections from the same
        LU factors, until the correction stops shrinking (at most 10 steps;
        :func:`solve_refined`).  Gives nearly full
        working precision when ``cond(a) * eps`` is well below 1.

    Returns
    -------
    x : ndarray
        float32 when a and b are float32, else float64.

    Raises
    ------
    LinAlgError
        ``"Singular matrix"`` for an exactly singular a (a zero pivot);
        numpy's messages for arrays of fewer than 2 dimensions and
        non-square a.
    ValueError
        Mismatched shapes (numpy's own message).

    Warns
    -----
    LinAlgWarning
        jitla extension, scipy.linalg.solve's test and wording:
        ``"Ill-conditioned matrix (rcond=...): result may not be accurate."``
        when the 1-norm reciprocal condition estimate (LAPACK ``dgecon``,
        O(M^2) from the LU factors) is below eps.  numpy raises "Singular
        matrix" only when rounding leaves a pivot exactly zero, which for a
        matrix that is singular in exact arithmetic (``u @ u.T``, a column
        equal to the sum of two others) is a matter of luck; the warning
        catches those cases whichever way the rounding falls.  Not checked
        for stacks of matrices of order <= 8 (the batched kernel keeps no
        factors) nor with *refine*.

    Notes
    -----
    Like numpy, no check for infs/NaNs (they propagate).  Stacks of small
    systems (M <= 8) run in one compiled loop (``lu_solve_batched``, sizes
    2..8 unrolled); otherwise each matrix is factored by the ``lu`` kernels
    and solved with two triangular solves.  Flops 2M^3/3 + 2M^2 K each.
    """
    if assume_a not in (None, "gen", "general"):
        from jitla.linalg._ldl import solve_assumed

        return solve_assumed(a, b, assume_a, lower)
    if not refine:
        A = square_work_copy(a, copy=False)
        if (
            A is not None
            and type(b) is np.ndarray
            and b.dtype is A.dtype
            and (b.shape == (A.shape[0],) or (b.ndim == 2 and b.shape[0] == A.shape[0] and b.shape[1]))
        ):
            one = _one_call("gesv", A.shape[0], A.dtype)
            if one is not None:
                # one matrix, one dtype: factor and solve in a single kernel call
                X = np.array(b, order="C")
                info, rcond = one[0](A, A.copy(), X, *one[1])
                if info:
                    raise LinAlgError("Singular matrix")
                if rcond < _EPS[A.dtype]:
                    _warn_ill_conditioned(rcond)
                return X
    wrap = array_wrap(b)
    a = np.asarray(a)
    b = np.asarray(b)
    dtype = result_float_dtype(a, b, allow_complex=True)
    if refine and dtype.kind == "c":
        raise TypeError("solve(refine=True) supports real float32/float64 only, not complex")
    assert_stacked_2d(a)
    assert_stacked_square(a)
    n = a.shape[-1]
    if b.ndim == 0 or (b.ndim == 1 and b.shape[0] != n) or (b.ndim >= 2 and b.shape[-2] != n):
        _raise_numpy_solve_shape_error(a, b)
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2] if b.ndim >= 2 else ())
    except ValueError:
        _raise_numpy_solve_shape_error(a, b)
    _, A3, X3, shape = rhs_stacks(a, b, dtype)
    if X3.size and n:
        if refine:
            solve_refined(A3, X3)
        else:
            _solve_stack(A3, X3)
    X = X3.reshape(shape)
    return X if wrap is None else wrap(X)


def inv(a):
    """Inverse of a matrix (or stack), as numpy.linalg.inv.

    Raises
    ------
    LinAlgError
        ``"Singular matrix"``; numpy's messages for bad shapes.

    Warns
    -----
    LinAlgWarning
        As :func:`solve`: the estimated rcond is below eps.

    Notes
    -----
    ``solve(a, I)``: one LU and 2n^3 flops of triangular solves (LAPACK's
    ``getri`` does 4n^3/3 in total by inverting U in place; the difference
    matters little next to the clarity of "solve with the identity").
    """
    A = square_work_copy(a, copy=False)
    one = None if A is None else _one_call("inv", A.shape[0], A.dtype)
    if one is not None:
        X = np.empty_like(A)
        info, rcond = one[0](A, A.copy(), X, *one[1])
        if info:
            raise LinAlgError("Singular matrix")
        if rcond < _EPS[A.dtype]:
            _warn_ill_conditioned(rcond)
        return X
    wrap = array_wrap(a)
    a = np.asarray(a)
    dtype = result_float_dtype(a, allow_complex=True)
    assert_stacked_2d(a)
    assert_stacked_square(a)
    n = a.shape[-1]
    eye = np.broadcast_to(np.eye(n, dtype=dtype), a.shape)
    X = solve(a, eye)
    return X if wrap is None else wrap(X)


def _logdet_parts(a):
    """``(sign, logabsdet)`` arrays for a stack, from its LU factors (sign 0, -inf when singular)."""
    a = np.asarray(a)
    dtype = result_float_dtype(a, allow_complex=True)
    assert_stacked_2d(a)
    assert_stacked_square(a)
    if dtype.kind == "c":
        return _complex_logdet_parts(a, dtype)
    n = a.shape[-1]
    LU = np.array(a, dtype=dtype, order="C", copy=True)
    batch = a.shape[:-2]
    if n == 0:
        return np.ones(batch, dtype=dtype), np.zeros(batch, dtype=dtype), LU
    piv, _ = _factor(LU)
    d = np.diagonal(LU, axis1=-2, axis2=-1)
    swaps = np.count_nonzero(piv != np.arange(n, dtype=np.int32), axis=-1)
    # as numpy's umath_linalg: a NaN pivot counts as positive (sign +-1, logabsdet NaN);
    # an exactly zero pivot gives (0, -inf) whatever else the diagonal holds
    singular = np.any(d == 0, axis=-1)
    negative = swaps + np.count_nonzero(d < 0, axis=-1)
    sign = np.where(singular, 0.0, np.where(negative % 2 == 1, -1.0, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        logabsdet = np.where(singular, -np.inf, np.sum(np.log(np.abs(d)), axis=-1))
    return sign.astype(dtype), logabsdet.astype(dtype), LU


def _complex_logdet_parts(a, dtype):
    """:func:`_logdet_parts` of a complex stack: sign is the phase ``det / |det|``.

    Computed in complex128 and rounded to *dtype* at the end, as numpy does
    for complex64: ``sign = (-1)^swaps prod(u_kk / |u_kk|)``,
    ``logabsdet = sum(log |u_kk|)``; (0, -inf) for an exactly zero pivot.
    """
    real = np.dtype(dtype.char.lower())
    batch = a.shape[:-2]
    n = a.shape[-1]
    LU = np.array(a, dtype=np.complex128, order="C", copy=True)
    if n == 0:
        return np.ones(batch, dtype=dtype), np.zeros(batch, dtype=real), LU
    piv, _ = _factor(LU)
    d = np.diagonal(LU, axis1=-2, axis2=-1)
    swaps = np.count_nonzero(piv != np.arange(n, dtype=np.int32), axis=-1)
    singular = np.any(d == 0, axis=-1)
    modulus = np.abs(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        phase = np.prod(d / modulus, axis=-1) * np.where(swaps % 2 == 1, -1.0, 1.0)
        logabsdet = np.where(singular, -np.inf, np.sum(np.log(modulus), axis=-1))
    sign = np.where(singular, 0.0, phase)
    return sign.astype(dtype), logabsdet.astype(real), LU


def _stacked_slogdet(a, with_log=True):
    """``(sign, logabsdet)`` (*with_log*) or ``det`` of a stack of float32/float64 matrices of
    order 1..config.SLOGDET_BATCHED_MAX, in one kernel call (``slogdet_batched``); None for anything else."""
    if type(a) is not np.ndarray or a.ndim < 3 or a.dtype.kind != "f" or a.dtype.itemsize not in (4, 8):
        return None
    n = a.shape[-1]
    if a.shape[-2] != n or not 0 < n <= config.SLOGDET_BATCHED_MAX or a.size == 0:
        return None
    batch = a.shape[:-2]
    A3 = as_float_operand(a, a.dtype).reshape(-1, n, n)
    count, unused = A3.shape[0], np.empty(0, a.dtype)
    kernel = get_kernel("slogdet_batched", "serial").func
    if with_log:
        sign, logabsdet = np.empty(count, a.dtype), np.empty(count, a.dtype)
        kernel(A3, sign, logabsdet, unused)
        return sign.reshape(batch), logabsdet.reshape(batch)
    det = np.empty(count, a.dtype)
    kernel(A3, unused, unused, det)
    return det.reshape(batch)


def _one_call_logdet(LU: np.ndarray, with_log: bool):
    """``(sign, logabsdet, det)`` of the matrix in the work copy *LU* by one kernel call, or None.

    The unblocked kernel always computes the logarithm (it is shared with
    the registry's small-n entry); the blocked one only when asked.
    """
    if LU.shape[0] <= config.LU_UNBLOCKED_MAX:
        # lu_call_plan's first rule without building its Plan (as _one_call)
        func, extras = _bound_kernel("slogdet", "unblocked", LU.dtype)
        return func(LU, *extras)
    plan = lu_call_plan("slogdet", LU.shape[0])
    if plan is None:
        return None
    func, extras = _bound_kernel(plan.op, plan.variant, LU.dtype)
    if plan.variant == "unblocked":
        return func(LU, *extras)
    return func(LU, with_log, *extras)


_FLOAT64_DTYPE = np.dtype(np.float64)


def _single_precision(a):
    """*a* converted to float64 when it is a float32 array (numpy's double computation), else None."""
    dtype = getattr(a, "dtype", None)
    # float64 first by identity: comparing a dtype with the type np.float32
    # converts the type on every call
    if dtype is None or dtype is _FLOAT64_DTYPE or dtype != np.float32:
        return None
    return np.asarray(a, dtype=np.float64)


def _to_single(x):
    return np.float32(x) if np.ndim(x) == 0 else np.asarray(x, dtype=np.float32)


def slogdet(a):
    """Sign and natural log of the absolute determinant, as numpy.linalg.slogdet.

    Returns
    -------
    SlogdetResult
        numpy's namedtuple ``(sign, logabsdet)``; for a singular matrix
        (an exactly zero pivot) ``sign = 0`` and ``logabsdet = -inf`` (no
        error).  With NaN input, as numpy: a NaN pivot counts as positive,
        so ``sign`` is +1 or -1 and ``logabsdet`` is NaN.

    Notes
    -----
    From the LU factors: ``det(A) = (-1)^(number of interchanges) * prod(diag(U))``,
    summed as logs so that it neither overflows nor underflows.  float32
    input is factored in float64 and the results rounded to float32, as
    numpy does (numpy.linalg computes every single-precision input in
    double): the float32 kernel's ``logabsdet`` can differ in the last bit.
    """
    single = _single_precision(a)
    if single is not None:
        sign, logabsdet = slogdet(single)
        return SlogdetResult(_to_single(sign), _to_single(logabsdet))
    LU = square_work_copy(a)
    parts = None if LU is None else _one_call_logdet(LU, True)
    if parts is not None:
        scalar = LU.dtype.type
        return SlogdetResult(scalar(parts[0]), scalar(parts[1]))
    parts = _stacked_slogdet(a)
    if parts is not None:
        return SlogdetResult(*parts)
    sign, logabsdet, _ = _logdet_parts(a)
    if sign.ndim == 0:
        return SlogdetResult(sign[()], logabsdet[()])
    return SlogdetResult(sign, logabsdet)


def det(a):
    """Determinant of a matrix (or stack), as numpy.linalg.det.

    A singular matrix has determinant 0.0 (no error).  Computed as the
    product of U's diagonal with the sign of the permutation, as numpy;
    float32 input in float64, rounded once at the end, as numpy (so
    ``det([[1, 2], [3, 4]])`` is exactly -2.0 in float32 too, where a
    float32 LU gives -1.9999999: ``2 - 4 fl(1/3)`` is not 2/3).
    """
    single = _single_precision(a)
    if single is not None:
        return _to_single(det(single))
    LU = square_work_copy(a)
    parts = None if LU is None else _one_call_logdet(LU, False)
    if parts is not None:
        return LU.dtype.type(parts[2])
    result = _stacked_slogdet(a, with_log=False)
    if result is not None:
        return result
    a = np.asarray(a)
    sign, logabsdet, LU = _logdet_parts(a)
    if sign.dtype.kind == "c":
        # numpy's det of a complex matrix: sign * exp(logabsdet), computed in complex128
        with np.errstate(over="ignore"):
            result = (sign.astype(np.complex128) * np.exp(logabsdet.astype(np.float64))).astype(sign.dtype)
        return result[()] if result.ndim == 0 else result
    if a.shape[-1] == 0:
        result = sign
    else:
        result = np.where(
            sign == 0, 0.0, sign * np.prod(np.abs(np.diagonal(LU, axis1=-2, axis2=-1)), axis=-1)
        )
        result = result.astype(sign.dtype)
    return result[()] if result.ndim == 0 else result
