"""``jitla.linalg.qr``: numpy.linalg.qr's modes plus scipy.linalg.qr's pivoting.

One function takes both conventions:

* ``qr(a, mode)`` follows :func:`numpy.linalg.qr` (numpy 2): ``QRResult(Q,
  R)`` for ``"reduced"`` / ``"complete"``, ``R`` for ``"r"``, ``(h, tau)``
  for ``"raw"`` with numpy's layout (``h`` is the transpose of the LAPACK
  storage, shape (..., n, m)); stacked ``(..., M, N)`` inputs; numpy's
  deprecated ``"full"`` / ``"economic"`` modes with numpy's warnings.
* ``qr(a, mode, pivoting=True)`` follows :func:`scipy.linalg.qr`'s
  pivoting convention: ``(Q, R, P)`` with ``P`` the 0-based column
  permutation (``a[:, P] = Q @ R``), ``(R, P)`` for ``mode="r"``.

Where jitla differs from scipy: the modes are numpy's names (``"reduced"``
where scipy says ``"economic"``, ``"complete"`` for scipy's default
``"full"``), so the default with ``pivoting=True`` is the *reduced* Q;
``mode="raw"`` with pivoting returns ``((h, tau), P)`` in numpy's raw
layout (scipy returns ``((qr, tau), R, P)`` in Fortran layout); stacked
inputs are accepted with pivoting too (``P`` is then (..., N)).  Where it
differs from numpy: float32 input is factored in float32 (numpy computes in
float64 and rounds), and float16 is promoted to float32 rather than
rejected, as everywhere in jitla.

``method=`` picks the algorithm: Householder (``"householder"``, the
default), the Gram-Schmidt teaching kernels (``"mgs"``, ``"cgs"``,
``"cgs2"``; reduced/r modes, full column rank only) or TSQR (``"tsqr"``,
m >= n, reduced/r modes).  ``"auto"`` is Householder except for tall-skinny
matrices (see :func:`qr_method`).  ``kernel=`` picks the Householder
variant (``"unblocked"``, ``"blocked"``, ``"parallel"``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from jitla import config
from jitla._validate import LinAlgError, assert_stacked_2d, result_float_dtype
from jitla.kernels import get_kernel, variants
from jitla.linalg._dispatch import kernel_extras
from jitla.linalg._policy import householder_plan, orgqr_plan, qr_plan, tsqr_plan
from jitla.linalg._wrap import array_wrap

__all__ = ["QRResult", "qr", "qr_method", "qr_r_augmented", "qr_rank"]

try:  # numpy >= 2.0
    from numpy.linalg._linalg import QRResult
except ImportError:  # pragma: no cover - numpy 1.x
    from typing import NamedTuple

    class QRResult(NamedTuple):
        """``(Q, R)`` as numpy.linalg.qr returns it."""

        Q: np.ndarray
        R: np.ndarray


_MODES = ("reduced", "complete", "r", "raw")
_METHODS = ("auto", "householder", "mgs", "cgs", "cgs2", "tsqr")


def _normalise_mode(mode):
    """numpy's mode handling, including its deprecated spellings."""
    if mode in _MODES:
        return mode
    if mode in ("f", "full"):
        warnings.warn(
            "The 'full' option is deprecated in favor of 'reduced'.\n"
            "For backward compatibility let mode default.",
            DeprecationWarning,
            stacklevel=3,
        )
        return "reduced"
    if mode in ("e", "economic"):
        warnings.warn("The 'economic' option is deprecated.", DeprecationWarning, stacklevel=3)
        return "economic"
    raise ValueError(f"Unrecognized mode '{mode}'")


def qr_method(m: int, n: int, mode: str = "reduced", *, pivoting: bool = False, nthreads: int | None = None):
    """The documented ``method="auto"`` policy, :func:`jitla.linalg._policy.qr_plan`.

    Returns a :class:`~jitla.linalg._policy.Plan` ``(op, variant, reason)``:
    op "qr_pivoted" (``pivoting=True``), "tsqr" (tall-skinny, mode
    reduced/r) or "qr" (Householder; variant "unblocked", "blocked" or
    "parallel").
    """
    return qr_plan(m, n, mode, pivoting=pivoting, nthreads=nthreads)


# --------------------------------------------------------------------------
# one matrix at a time
# --------------------------------------------------------------------------
def _factor_householder(F, variant, dtype):
    """Factor the C array F in place with the registered QR *variant*; return tau."""
    info = get_kernel("qr", variant)
    tau = np.zeros(min(F.shape), dtype)
    info.func(F, tau, *kernel_extras(info, dtype))
    return tau


def _q_and_r(F, tau, mode, dtype):
    """Q (blocked ``orgqr`` or unblocked ``form_q``, as :func:`~jitla.linalg._policy.orgqr_plan`) and R."""
    from jitla.kernels.qr_householder import form_q, orgqr

    m, n = F.shape
    k = min(m, n)
    q = m if mode == "complete" else k
    Q = np.empty((m, q), dtype)
    if orgqr_plan(k, m).variant == "blocked":
        orgqr(F, tau, Q, config.factor_nb("qr", dtype), config.gemm_blocks(dtype).as_tuple())
    else:
        form_q(F, tau, Q)
    return Q, np.triu(F[:q])


def _qr_unblocked_2d(F, mode):
    """One matrix within the unblocked threshold: factor, form Q and copy R in one kernel call."""
    from jitla.kernels.qr_householder import geqr2, geqr2_q_r

    m, n = F.shape
    k = min(m, n)
    if mode == "raw":
        tau = np.empty(k, F.dtype)
        geqr2(F, tau)
        return F.T, tau  # numpy's layout: the transposed LAPACK storage
    rows = m if mode == "complete" else k
    Q = np.empty((m, 0 if mode == "r" else rows), F.dtype)
    R = np.empty((rows, n), F.dtype)
    geqr2_q_r(F, np.empty(k, F.dtype), Q, R)
    return R if mode == "r" else QRResult(Q, R)


def _gram_schmidt(A, method, dtype):
    from jitla.kernels import gram_schmidt

    m, n = A.shape
    Q = np.empty((m, n), dtype)
    R = np.empty((n, n), dtype)
    status = getattr(gram_schmidt, method)(A, Q, R)
    if status:
        raise LinAlgError(
            f"Gram-Schmidt ({method}) needs full column rank: column {status - 1} "
            "is linearly dependent on the previous ones"
        )
    return Q, R


def _tsqr(A, variant, want_q, dtype):
    from jitla.kernels import qr_tall

    m, n = A.shape
    mb = config.tsqr_rows(dtype, n)
    R = np.empty((n, n), dtype)
    if want_q:
        Q = np.empty((m, n), dtype)
        qr_tall.tsqr(A, Q, R, mb)
    else:
        Q = None
        get_kernel("tsqr", variant).func(A, R, mb)
    # TSQR's row signs are arbitrary: return the canonical R with diag >= 0
    signs = np.where(np.diag(R) < 0, -1, 1).astype(dtype)
    R *= signs[:, None]
    R[np.tril_indices(n, -1)] = 0  # no -0.0 below the diagonal
    if Q is not None:
        Q *= signs[None, :]
    return Q, R


def _pivoted(F, dtype):
    from jitla.kernels.qr_pivoted import geqp3

    jpvt = np.empty(F.shape[1], np.int64)
    tau = np.zeros(min(F.shape), dtype)
    geqp3(F, jpvt, tau)
    return tau, jpvt


# --------------------------------------------------------------------------
# the API
# --------------------------------------------------------------------------
def qr(a, mode="reduced", *, pivoting=False, method="auto", kernel="auto", overwrite_a=False):
    """QR factorisation, ``a = Q R`` (numpy.linalg.qr), optionally pivoted (scipy.linalg.qr).

    Parameters
    ----------
    a : (..., M, N) array_like
        Real or complex input (integers and booleans are promoted to
        float64; complex64 / complex128 are factored with complex
        reflectors, Householder only, pivoting included).  Not modified
        (unless *overwrite_a*, real input only).
    mode : {"reduced", "complete", "r", "raw"}
        As numpy: ``"reduced"`` gives Q (..., M, K), R (..., K, N) with
        K = min(M, N); ``"complete"`` Q (..., M, M), R (..., M, N); ``"r"``
        only R (..., K, N); ``"raw"`` ``(h, tau)`` with ``h`` (..., N, M) the
        transposed Householder storage and ``tau`` (..., K).
    pivoting : bool
        Column pivoting (Businger-Golub), scipy's convention: also returns
        P with ``a[..., :, P] = Q @ R`` and ``|diag(R)|`` non-increasing.
    method : {"auto", "householder", "mgs", "cgs", "cgs2", "tsqr"}
        Algorithm (module docstring); "auto" follows :func:`qr_method`.
    kernel : str
        Householder variant ("unblocked", "blocked", "parallel") or "auto".
    overwrite_a : bool
        scipy.linalg.qr's option: when ``a`` is already a writeable
        C-contiguous 2-D array of the working dtype, factor it in place
        (its contents are destroyed) and save the copy -- 400 MB for a
        1,000,000 x 50 design.  Otherwise ignored (a copy is made).

    Returns
    -------
    QRResult(Q, R), R, (h, tau), or with pivoting (Q, R, P), (R, P), ((h, tau), P)

    Raises
    ------
    LinAlgError
        If ``a`` has fewer than 2 dimensions (numpy's message), or a
        Gram-Schmidt method meets a rank-deficient matrix.
    ValueError
        For an unknown mode, method or kernel, or a method that does not
        support the mode / shape / pivoting asked for.
    TypeError
        For complex input, a Gram-Schmidt / TSQR method or a blocked
        kernel (not ported to complex yet).

    Notes
    -----
    Householder QR: Golub & Van Loan, 4th ed., Alg. 5.2.1 / 5.2.2 (LAPACK
    ``dgeqrf``, ``dorgqr``), with LAPACK's signs, so Q and R agree with
    numpy's to rounding.  TSQR returns R with a non-negative diagonal
    (its signs are otherwise arbitrary), as do the Gram-Schmidt methods.
    NaN and inf are not rejected (numpy does not reject them either): they
    propagate into the result.  Complex input: LAPACK ``zgeqr2``'s
    reflectors (:mod:`jitla.kernels.qr_complex`, ``beta`` real), so R's
    diagonal is real and Q, R, ``(h, tau)`` agree with numpy's to rounding;
    from ``config.ZQR_BLOCKED_MIN`` reflectors on, blocked in compact WY
    form (``zgeqrf`` / ``zungqr``, trailing updates by the complex GEMM).
    An ndarray subclass gets back what numpy.linalg.qr returns it: Q and R,
    R, or h (not tau) through its ``__array_wrap__``; with *pivoting*
    (scipy's option) plain ndarrays, as scipy.linalg.qr.
    """
    mode = _normalise_mode(mode)
    wrap = None if pivoting else array_wrap(a)
    result = _qr(a, mode, pivoting, method, kernel, overwrite_a)
    if wrap is None:
        return result
    if mode == "raw":
        return wrap(result[0]), result[1]
    if mode in ("r", "economic"):
        return wrap(result)
    return QRResult(wrap(result.Q), wrap(result.R))


def _qr(a, mode, pivoting, method, kernel, overwrite_a):
    """:func:`qr` after the mode is normalised, before a subclass's result is wrapped."""
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {list(_METHODS)}")
    if kernel != "auto" and kernel not in variants("qr"):
        get_kernel("qr", kernel)  # ValueError naming the choices
    a = np.asarray(a)
    assert_stacked_2d(a)
    dtype = result_float_dtype(a, allow_complex=True)
    if dtype.kind == "c":
        return _qr_complex(a, mode, dtype, pivoting, method, kernel)
    m, n = a.shape[-2:]
    batch = a.shape[:-2]
    k = min(m, n)

    if method == "auto":
        op, variant, _ = qr_plan(m, n, mode, pivoting=pivoting)
        method = "tsqr" if op == "tsqr" else "householder"
        if op == "qr" and kernel != "auto":
            variant = kernel
    elif method == "householder":
        variant = "businger_golub" if pivoting else kernel
        if variant == "auto":
            variant = householder_plan(m, n).variant
    else:
        if pivoting:
            raise ValueError(f"pivoting=True needs method='householder' (or 'auto'), not {method!r}")
        if mode not in ("reduced", "r"):
            raise ValueError(f"method {method!r} supports mode 'reduced' and 'r' only, not {mode!r}")
        if m < n:
            raise ValueError(f"method {method!r} needs M >= N (a tall or square matrix), got {m} x {n}")
        variant = tsqr_plan().variant if method == "tsqr" else method

    # one C-contiguous working copy: the kernels overwrite it, never the caller's array
    # (unless the caller gave it away with overwrite_a)
    in_place = overwrite_a and a.ndim == 2 and a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable
    if (
        a.ndim == 2
        and k
        and method == "householder"
        and variant == "unblocked"
        and not pivoting
        and mode in ("reduced", "complete", "r", "raw")
        and orgqr_plan(k, m).variant == "unblocked"
    ):
        return _qr_unblocked_2d(a if in_place else np.array(a, dtype=dtype, order="C", copy=True), mode)
    work = (a if in_place else np.array(a, dtype=dtype, order="C", copy=True)).reshape(
        (math.prod(a.shape[:-2]), m, n)
    )
    count = work.shape[0]

    if method in ("mgs", "cgs", "cgs2", "tsqr"):
        want_q = mode == "reduced"
        Qs = np.empty((count, m, n), dtype) if want_q else None
        Rs = np.empty((count, n, n), dtype)
        for i in range(count):
            if m == 0 or n == 0:
                Q, R = np.zeros((m, n), dtype), np.zeros((n, n), dtype)
            elif method == "tsqr":
                Q, R = _tsqr(work[i], variant, want_q, dtype)
            else:
                Q, R = _gram_schmidt(work[i], method, dtype)
            Rs[i] = R
            if want_q:
                Qs[i] = Q
        Rs = Rs.reshape(batch + (n, n))
        return QRResult(Qs.reshape(batch + (m, n)), Rs) if want_q else Rs

    taus = np.zeros((count, k), dtype)
    perms = np.empty((count, n), np.int64) if pivoting else None
    for i in range(count):
        if pivoting:
            taus[i], perms[i] = _pivoted(work[i], dtype)
        elif k:
            taus[i] = _factor_householder(work[i], variant, dtype)
    P = perms.reshape(batch + (n,)).astype(np.int32) if pivoting else None

    if mode == "economic":
        return work.reshape(batch + (m, n))
    if mode == "raw":
        h = np.swapaxes(work.reshape(batch + (m, n)), -1, -2)
        raw = (h, taus.reshape(batch + (k,)))
        return (raw, P) if pivoting else raw
    if mode == "r":
        R = np.triu(work[:, :k, :]).reshape(batch + (k, n))
        return (R, P) if pivoting else R
    q = m if mode == "complete" else k
    Qs = np.empty((count, m, q), dtype)
    Rs = np.empty((count, q, n), dtype)
    for i in range(count):
        Qs[i], Rs[i] = _q_and_r(work[i], taus[i], mode, dtype)
    Q, R = Qs.reshape(batch + (m, q)), Rs.reshape(batch + (q, n))
    return (Q, R, P) if pivoting else QRResult(Q, R)


def _qr_complex(a, mode, dtype, pivoting, method, kernel):
    """Complex input: unblocked Householder QR with complex reflectors (:mod:`jitla.linalg._complex`)."""
    from jitla.linalg import _complex

    if method not in ("auto", "householder"):
        if pivoting:
            raise ValueError(f"pivoting=True needs method='householder' (or 'auto'), not {method!r}")
        raise _complex.unsupported(f"qr(method={method!r})", dtype)
    if kernel not in ("auto", "unblocked"):
        raise _complex.unsupported(f"qr(kernel={kernel!r})", dtype)
    result = _complex.qr(a, mode, dtype, pivoting)
    return QRResult(*result) if mode in ("reduced", "complete") and not pivoting else result


def qr_rank(a, rtol=None):
    """Numerical rank from column-pivoted QR: the count of ``|R[k, k]| > rtol * |R[0, 0]|``.

    Parameters
    ----------
    a : (..., M, N) array_like
    rtol : float, optional
        Relative tolerance; default ``max(M, N) * eps`` of the working dtype
        (numpy.linalg.matrix_rank's rule, applied to R's diagonal, which
        pivoting makes non-increasing).

    Returns
    -------
    int or ndarray of int
        One rank per matrix of the stack.

    Notes
    -----
    Pivoted QR reveals the rank of almost every matrix met in practice but
    can overestimate the smallest singular value by up to ``2^n`` on
    contrived ones (Kahan's matrix; Golub & Van Loan, 4th ed., Sec. 5.4.3);
    the SVD is the guarantee.
    """
    from jitla.kernels.qr_pivoted import numerical_rank, rank_tolerance

    a = np.asarray(a)
    assert_stacked_2d(a)
    dtype = result_float_dtype(a)
    m, n = a.shape[-2:]
    if rtol is None:
        rtol = rank_tolerance(m, n, dtype)
    work = np.array(a, dtype=dtype, order="C", copy=True).reshape((math.prod(a.shape[:-2]), m, n))
    ranks = np.zeros(work.shape[0], np.int64)
    for i in range(work.shape[0]):
        if min(m, n):
            _pivoted(work[i], dtype)
            ranks[i] = numerical_rank(work[i], float(rtol))
    ranks = ranks.reshape(a.shape[:-2])
    return int(ranks) if ranks.ndim == 0 else ranks


def qr_r_augmented(X, Y, *, sqrt_weights=None, ones: bool = False, nthreads: int | None = None):
    """R factor of ``diag(w) [1 | X | Y]`` without forming that matrix (least squares' one QR).

    Parameters
    ----------
    X : (m, p) array_like
        Read only; float64 (other dtypes are converted, a copy).
    Y : (m, k) array_like
        Read only; float64.
    sqrt_weights : (m,) array_like, optional
        Row weights w (for weighted least squares, the square roots of the
        weights); default all ones.
    ones : bool
        Put a column of ones (times w) first.
    nthreads : int, optional
        Threads the kernel may use (the policy's default: jitla's thread
        count); ``1`` picks a serial ``nogil`` kernel, as work inside Dask
        tasks or Python threads must.

    Returns
    -------
    R : (n, n) ndarray, float64
        Upper triangular with a non-negative diagonal, ``n = ones + p + k``;
        ``R^T R = A^T A`` for ``A = diag(w) [1 | X | Y]``.  For m < n the
        missing rows are zero.

    Raises
    ------
    ValueError
        When X is not 2-D, Y not 1-D or 2-D, or X, Y and sqrt_weights do
        not have the same number of rows (the kernel would read past them).

    Notes
    -----
    Tall-skinny inputs (``qr_method``'s TSQR rule) go through
    :func:`jitla.kernels.qr_tall.tsqr_r_design`, which assembles each
    cache-sized row block of A in a workspace and factors it there, so the
    (m, n) matrix A -- as large as the data -- is never allocated
    (workspace ``mb n + blocks n^2`` floats).  Smaller inputs are assembled
    and factored by :func:`qr` in place.  Flops ``2 m n^2 - 2 n^3 / 3``.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, np.newaxis]
    if X.ndim != 2 or Y.ndim != 2:
        raise ValueError(f"X must be 2-D and Y 1-D or 2-D, got {X.ndim}-D and {Y.ndim}-D")
    m, p = X.shape
    k = Y.shape[1]
    if Y.shape[0] != m:
        raise ValueError(f"X and Y have different numbers of rows: {m} and {Y.shape[0]}")
    c = 1 if ones else 0
    n = c + p + k
    w = np.empty(0) if sqrt_weights is None else np.ascontiguousarray(sqrt_weights, dtype=np.float64)
    if sqrt_weights is not None and w.shape != (m,):
        raise ValueError(f"sqrt_weights must have shape ({m},), got {w.shape}")
    method, variant, _ = qr_method(m, n, "r", nthreads=nthreads)
    if method == "tsqr":
        R = np.empty((n, n))
        info = get_kernel("tsqr_design", variant)
        info.func(X, Y, w, c, R, config.tsqr_rows(np.float64, n))
        signs = np.where(np.diag(R) < 0, -1.0, 1.0)
        R *= signs[:, None]
        R[np.tril_indices(n, -1)] = 0.0
        return R
    A = np.empty((m, n))
    if c:
        A[:, 0] = 1.0
    A[:, c : c + p] = X
    A[:, c + p :] = Y
    if w.size:
        A *= w[:, np.newaxis]
    R = qr(A, mode="r", overwrite_a=True, kernel=variant if nthreads == 1 else "auto")
    out = np.zeros((n, n))
    out[: R.shape[0]] = R
    out *= np.where(np.diag(out) < 0, -1.0, 1.0)[:, None]
    return out
