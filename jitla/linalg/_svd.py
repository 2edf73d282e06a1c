"""``svd`` and ``svdvals`` with numpy.linalg's semantics, on one-sided Jacobi."""

from __future__ import annotations

import numpy as np

from jitla._validate import LinAlgError, as_float_operand, assert_stacked_2d, result_float_dtype
from jitla.kernels import get_kernel
from jitla.kernels._layout import aligned_empty, transpose_triangle
from jitla.kernels.qr_householder import form_q, geqr2
from jitla.linalg._dispatch import kernel_extras
from jitla.linalg._policy import Plan, svd_plan

__all__ = ["svd", "svdvals", "SVDResult", "svd_method"]

SVDResult = np.linalg._linalg.SVDResult if hasattr(np.linalg, "_linalg") else None

#: Give up after this many sweeps ("SVD did not converge"); random matrices
#: need 8-15, graded ones fewer.
MAX_SWEEPS = 60

_METHODS = (
    "auto",
    "cyclic",
    "tracked",
    "parallel",
    "preconditioned",
    "preconditioned_tracked",
    "preconditioned_parallel",
    "parallel_tracked",
    "preconditioned_parallel_tracked",
    "bidiagonal",
    "jacobi_values",
)

#: Methods that compute singular values only, and their ``svdvals`` kernels.
_VALUES_ONLY = {"bidiagonal": "bidiagonal", "jacobi_values": "jacobi"}


def svd_method(shape, method: str = "auto", compute_uv: bool = True):
    """What :func:`svd` runs for a matrix of *shape*: a :class:`~jitla.linalg._policy.Plan`.

    "auto" follows :func:`jitla.linalg._policy.svd_plan`: a one-sided Jacobi
    method ("preconditioned_tracked", or "preconditioned_parallel_tracked"
    with threads and min(m, n) >= ``config.SVD_PARALLEL_MIN``), all with the
    same relative convergence test; without U and V (*compute_uv* False) and
    min(m, n) <= ``config.SVD_VALUES_JACOBI_MAX``, "jacobi_values" (the same
    sweeps in one plain-loop kernel that compiles quickly, without the
    pivoted-QR preconditioning).  "bidiagonal" (values only, backward
    stable) only when named.
    """
    if method not in _METHODS:
        raise ValueError(f"unknown svd method {method!r}; choose one of {list(_METHODS)}")
    if method != "auto":
        op = "svdvals" if method in _VALUES_ONLY else "svd"
        return Plan(op, method, "requested")
    m, n = shape[-2:] if len(shape) >= 2 else (0, 0)
    return svd_plan(m, n, compute_uv=compute_uv)


def _svd_2d(A, full_matrices, compute_uv, variant):
    """SVD of one C-contiguous float matrix; returns (U, S, Vh) or S."""
    m, n = A.shape
    dtype = A.dtype
    wide = m < n
    # G holds the columns of the tall form as rows: A^T if tall, A itself if
    # wide; 64-byte aligned, as the kernels' row loops are store-bound.
    k, L = (m, n) if wide else (n, m)  # k = min(m, n) <= L = max(m, n)
    if variant == "jacobi_values":
        # small problems: numpy's copy, so that no layout kernel compiles for them
        G = np.array(A if wide else A.T, order="C")
    else:
        G = aligned_empty(k, L, A)
        if wide:
            G[...] = A
        else:
            transpose_triangle(A, G, False)
    S = np.empty(k, dtype=dtype)
    if variant not in _VALUES_ONLY:
        Ut = np.empty((k, L), dtype=dtype)
        Vt = aligned_empty(k, k, A)
    if k > 0:
        e = _scale_exponent(G)
        np.ldexp(G, e, out=G)
        if variant in _VALUES_ONLY:
            status = get_kernel("svdvals", _VALUES_ONLY[variant]).func(G, S)
        else:
            info = get_kernel("svd", variant)
            status, _ = info.func(G, S, Ut, Vt, compute_uv, MAX_SWEEPS, *kernel_extras(info, dtype))
        if status != 0:
            raise LinAlgError("SVD did not converge")
        S = np.ldexp(S, -e).astype(dtype, copy=False)
    if not compute_uv:
        return S
    # tall form B = A (or A^T): B = Ut^T diag(S) Vt, Ut^T is L x k
    left = Ut.T
    if full_matrices and L > k:
        left = _complete(Ut.T)
    if wide:  # A = (A^T)^T = Vt^T diag(S) Ut
        return np.ascontiguousarray(Vt.T), S, np.ascontiguousarray(left.T)
    return np.ascontiguousarray(left), S, Vt


def _scale_exponent(G):
    """The power of two ``e`` that brings ``max |g_ij| * 2**e`` just below ``sqrt(huge) / (2 L)``.

    The Jacobi kernels work with squared row norms and dot products, which
    underflow for rows below ``sqrt(tiny)`` (1.5e-154 in float64, 1.1e-19 in
    float32) and overflow above ``sqrt(huge)``.  Scaling the largest entry up
    to ``sqrt(huge) / (2L)`` keeps every square and dot product of an L-long
    row finite and leaves all of the exponent range below it for the small
    rows: rows down to ~1e-300 of the largest (float64) keep their relative
    accuracy, instead of ~1e-154 of it unscaled.  A power of two is exact
    (``ldexp``), so the singular vectors do not change and the values are
    scaled back exactly unless they are subnormal.  LAPACK's ``dgesvj``
    scales the same way (Drmač & Veselić, LAWN 170, Sec. 4.1).
    """
    amax = float(np.abs(G).max())
    if amax == 0.0:
        return 0
    target = float(np.sqrt(np.finfo(G.dtype).max)) / (2 * G.shape[1])
    return int(np.floor(np.log2(target)) - np.ceil(np.log2(amax)))


def _complete(U):
    """Extend the orthonormal columns of U (L x k) to an orthogonal L x L matrix.

    A Householder QR of U gives ``U = Q R`` with Q complete; its last L - k
    columns span the orthogonal complement of range(U).
    """
    L, k = U.shape
    work = np.ascontiguousarray(U)
    work = work.copy()
    tau = np.empty(k, dtype=U.dtype)
    geqr2(work, tau)
    Q = np.empty((L, L), dtype=U.dtype)
    form_q(work, tau, Q)
    Q[:, :k] = U
    return Q


def svd(a, full_matrices=True, compute_uv=True, hermitian=False, *, method="auto"):
    """Singular value decomposition, ``a = U @ diag(S) @ Vh``, as numpy.linalg.svd.

    Parameters
    ----------
    a : (..., M, N) array_like
        Real matrix or stack of matrices (float32 stays float32; integers
        and booleans become float64; complex raises TypeError).
    full_matrices : bool, default True
        U is (..., M, M) and Vh (..., N, N); else (..., M, K) and (..., K, N)
        with K = min(M, N).
    compute_uv : bool, default True
        If False only the singular values are returned.
    hermitian : bool, default False
        Accepted for numpy compatibility; jitla's Jacobi SVD does not need it
        (a symmetric input is decomposed like any other).
    method : str, default "auto"
        One-sided Jacobi variant (:mod:`jitla.kernels.svd_jacobi`): "cyclic",
        "tracked", "parallel", "parallel_tracked", "preconditioned",
        "preconditioned_tracked", "preconditioned_parallel",
        "preconditioned_parallel_tracked", or "auto"
        as :func:`svd_method`.  Or, with ``compute_uv=False`` only,
        "bidiagonal": Householder bidiagonalisation and the shifted
        bidiagonal QR (:mod:`jitla.kernels.svd_bidiag`), LAPACK's route --
        faster (1.3x gesdd's time at n = 512 against ~4.7x for Jacobi),
        but only backward stable: values below about eps * sigma_max have
        absolute accuracy only and may come back as 0 (numpy keeps some of
        them, e.g. for diagonal input; on graded matrices both lose them).
        "jacobi_values" (``compute_uv=False`` only): the sweeps of "cyclic"
        in one plain-loop kernel, quick to compile; "auto" uses it for
        values of small matrices.

    Returns
    -------
    SVDResult (U, S, Vh) or S
        numpy's named tuple; S descending.

    Raises
    ------
    LinAlgError
        Fewer than 2 dimensions; "SVD did not converge" if the sweeps do not
        converge or the input holds NaN/inf (as numpy).
    ValueError
        Unknown *method*, or ``method="bidiagonal"`` with ``compute_uv=True``.

    Notes
    -----
    One-sided Jacobi (Hestenes 1958) with Demmel & Veselić's relative
    convergence test: for A = B D with B well conditioned, every singular
    value is found to high *relative* accuracy, including the smallest
    ones, which LAPACK's bidiagonalisation methods only get to accuracy
    relative to the largest.  About 6mn^2 flops per sweep (+3n^3 for V),
    typically 5-15 sweeps; the preconditioned variants add a pivoted QR
    (2mn^2 - 2n^3/3); the tracked ones test a pair with one dot product
    instead of three (4mn^2 per sweep once every pair rotates).  The matrix
    is first scaled by a power of two (exact) so that squared norms neither
    overflow nor underflow for columns down to ~1e-300 of the largest.  The
    input is never modified.

    Examples
    --------
    >>> import numpy as np, jitla.linalg as jl
    >>> jl.svd(np.diag([3.0, 4.0])).S
    array([4., 3.])
    """
    a = np.asarray(a)
    assert_stacked_2d(a)
    dtype = result_float_dtype(a)
    if not isinstance(hermitian, bool | np.bool_):
        raise TypeError("hermitian must be a bool")
    variant = svd_method(a.shape, method, compute_uv).variant
    if variant in _VALUES_ONLY and compute_uv:
        raise ValueError(
            f"method={variant!r} computes singular values only; "
            "use compute_uv=False (or svdvals), or a Jacobi method for U and V"
        )
    A = as_float_operand(a, dtype)
    if not np.isfinite(A).all():
        raise LinAlgError("SVD did not converge")
    batch = A.shape[:-2]
    m, n = A.shape[-2:]
    k = min(m, n)
    if not batch:
        result = _svd_2d(A, full_matrices, compute_uv, variant)
        return SVDResult(*result) if compute_uv else result
    flat = A.reshape((int(np.prod(batch)), m, n))  # -1 is ambiguous when m * n == 0
    S = np.empty((flat.shape[0], k), dtype=dtype)
    if not compute_uv:
        for i in range(flat.shape[0]):
            S[i] = _svd_2d(flat[i], full_matrices, False, variant)
        return S.reshape(batch + (k,))
    u_cols, v_rows = (m, n) if full_matrices else (k, k)
    U = np.empty((flat.shape[0], m, u_cols), dtype=dtype)
    Vh = np.empty((flat.shape[0], v_rows, n), dtype=dtype)
    for i in range(flat.shape[0]):
        U[i], S[i], Vh[i] = _svd_2d(flat[i], full_matrices, True, variant)
    return SVDResult(
        U.reshape(batch + U.shape[1:]), S.reshape(batch + (k,)), Vh.reshape(batch + Vh.shape[1:])
    )


def svdvals(x, /, *, method="auto"):
    """Singular values of a matrix or stack, descending (numpy.linalg.svdvals).

    Same as ``svd(x, compute_uv=False)``: no vectors are accumulated, which
    saves the 3n^3 flops per sweep of V.  ``method="bidiagonal"`` trades the
    Jacobi methods' relative accuracy for speed (see :func:`svd`).

    Examples
    --------
    >>> import numpy as np, jitla.linalg as jl
    >>> jl.svdvals(np.diag([3.0, 4.0]), method="bidiagonal")
    array([4., 3.])
    """
    return svd(x, compute_uv=False, method=method)
