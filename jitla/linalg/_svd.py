"""``svd`` and ``svdvals`` with numpy.linalg's semantics: the bidiagonal route or one-sided Jacobi."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from jitla import config
from jitla._validate import LinAlgError, as_float_operand, assert_stacked_2d, result_float_dtype
from jitla.kernels import get_kernel
from jitla.kernels._layout import ALIGNMENT
from jitla.kernels.qr_householder import form_q, geqr2
from jitla.kernels.svd_bidiag import MAXITR
from jitla.linalg._dispatch import kernel_extras
from jitla.linalg._policy import Plan, svd_plan
from jitla.linalg._wrap import array_wrap

__all__ = ["svd", "svdvals", "SVDResult", "svd_method"]

SVDResult = np.linalg._linalg.SVDResult if hasattr(np.linalg, "_linalg") else None

#: Give up after this many sweeps ("SVD did not converge"); random matrices
#: need 8-15, graded ones fewer.
MAX_SWEEPS = 60

_METHODS = (
    "auto",
    "jacobi",
    "cyclic",
    "tracked",
    "parallel",
    "preconditioned",
    "preconditioned_tracked",
    "preconditioned_parallel",
    "parallel_tracked",
    "preconditioned_parallel_tracked",
    "bidiagonal",
    "bidiagonal_dc",
    "jacobi_values",
)


def svd_method(shape, method: str = "auto", compute_uv: bool = True):
    """What :func:`svd` runs for a matrix of *shape*: a :class:`~jitla.linalg._policy.Plan`.

    "auto" and "jacobi" follow :func:`jitla.linalg._policy.svd_plan`:
    "auto" is the bidiagonal route (backward stable, as numpy) for values
    (the quick-compiling "jacobi_values" up to min(m, n) =
    ``config.SVD_VALUES_JACOBI_MAX``) and with vectors (divide and conquer
    from ``config.SVD_DC_MIN``); "jacobi" is
    the one-sided Jacobi choice, relatively accurate ("preconditioned_tracked",
    "preconditioned_parallel_tracked" with threads and min(m, n) >=
    ``config.SVD_PARALLEL_MIN``, or for values of small matrices
    "jacobi_values").  A named kernel runs as asked; "jacobi_values" only
    computes values.
    """
    if method not in _METHODS:
        raise ValueError(f"unknown svd method {method!r}; choose one of {list(_METHODS)}")
    if method in ("auto", "jacobi"):
        m, n = shape[-2:] if len(shape) >= 2 else (0, 0)
        return svd_plan(m, n, compute_uv=compute_uv, relative=method == "jacobi")
    if method == "jacobi_values":
        return Plan("svdvals", "jacobi", "requested")
    if method in ("bidiagonal", "bidiagonal_dc") and not compute_uv:
        return Plan("svdvals", "bidiagonal", "requested")
    return Plan("svd", method, "requested")


def _svd_2d(A, full_matrices, compute_uv, plan):
    """SVD of one C-contiguous float matrix; returns (U, S, Vh) or S."""
    m, n = A.shape
    dtype = A.dtype
    wide = m < n
    variant = plan.variant
    values_only = plan.op == "svdvals"
    # G holds the columns of the tall form as rows: A^T if tall, A itself if
    # wide; 64-byte aligned, as the kernels' row loops are store-bound.
    k, L = (m, n) if wide else (n, m)  # k = min(m, n) <= L = max(m, n)
    # numpy's copies and allocations, so that no layout kernel compiles for an SVD
    bidiagonal_values = values_only and variant == "bidiagonal"
    if bidiagonal_values and m == n and A.flags.writeable:
        # its kernel only reads G (into a padded copy of its own), and the
        # values of A^T are A's: a square A needs no transposed copy
        G = A
    elif values_only:
        G = np.array(A if wide else A.T, order="C")
    else:
        G, Vt = _aligned_pair(k, L, dtype)
        np.copyto(G, A if wide else A.T)
    S = np.empty(k, dtype=dtype)
    if not values_only:
        Ut = np.empty((k, L), dtype=dtype)
    if k > 0:
        # the Jacobi kernels square norms, and the bidiagonalisation drops
        # vectors below tiny / eps: scale G to the top of the safe range
        e = _values_exponent(G) if bidiagonal_values else _scale_exponent(G)
        if e:
            if G is A:
                G = np.ldexp(G, e)
            else:
                np.ldexp(G, e, out=G)
        if values_only:
            status = get_kernel("svdvals", variant).func(G, S)
        else:
            info = get_kernel("svd", variant)
            allowed = MAXITR if variant in ("bidiagonal", "bidiagonal_dc") else MAX_SWEEPS
            status, _ = info.func(G, S, Ut, Vt, compute_uv, allowed, *kernel_extras(info, dtype))
        if status != 0:
            raise LinAlgError("SVD did not converge")
        if e:
            S = np.ldexp(S, -e).astype(dtype, copy=False)
    if not compute_uv:
        return S
    return _factors(Ut, S, Vt, wide, full_matrices)


def _factors(Ut, S, Vt, wide, full_matrices):
    """(U, S, Vh) of A from the kernel's factors of its tall form (A, or A^T if *wide*)."""
    k, L = Ut.shape
    # tall form B = A (or A^T): B = Ut^T diag(S) Vt, Ut^T is L x k
    left = Ut.T
    if full_matrices and L > k:
        left = _complete(Ut.T)
    if wide:  # A = (A^T)^T = Vt^T diag(S) Ut
        return np.ascontiguousarray(Vt.T), S, np.ascontiguousarray(left.T)
    return np.ascontiguousarray(left), S, Vt


def _aligned_pair(k, L, dtype):
    """Uninitialised C arrays G (k, L) and Vt (k, k), each 64-byte aligned, from one buffer.

    As ``kernels._layout.aligned_empty``: the bidiagonal route's row loops
    are store-bound, and numpy aligns large arrays to 16 bytes only; done
    here in numpy so that an SVD does not compile the layout kernel (and
    with one look-up of the buffer's address, which costs about as much as
    a small SVD's allocations).
    """
    item = np.dtype(dtype).itemsize
    per_line = ALIGNMENT // item
    g_size = -(-k * L // per_line) * per_line  # Vt starts on the next line
    buf = np.empty(g_size + k * k + per_line, dtype=dtype)
    offset = (-buf.ctypes.data % ALIGNMENT) // item
    G = buf[offset : offset + k * L].reshape(k, L)
    Vt = buf[offset + g_size : offset + g_size + k * k].reshape(k, k)
    return G, Vt


def _scale_exponent(G):
    """The power of two ``e`` that brings ``max |g_ij| * 2**e`` just below ``sqrt(huge) / (2 L)``.

    (The bidiagonal route needs the scaling for another reason: it drops
    reflector vectors below ``tiny / eps`` as rounding noise, which is only
    safe when the largest entry sits far above that floor.)

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
    return _exponent(float(np.abs(G).max()), G.dtype, G.shape[1])


def _exponent(amax, dtype, L):
    """:func:`_scale_exponent` from ``amax = max |g_ij|`` (finite) and the row length L.

    ``floor(log2(sqrt(huge) / (2L))) - ceil(log2(amax))``: the first term
    per (dtype, L) once; the second is ``frexp``'s exponent where amax is
    not within 2**-41 of a power of two (there numpy's log2, rounded by a
    few ulps at most, has the same ceiling), else numpy's log2 as always.
    """
    if amax == 0.0:
        return 0
    mantissa, exponent = math.frexp(amax)
    if not 0.5 + 2.0**-41 < mantissa < 1.0 - 2.0**-41:
        exponent = int(np.ceil(np.log2(amax)))
    return _top_exponent(dtype, L) - exponent


@lru_cache(maxsize=256)
def _top_exponent(dtype, L):
    """``floor(log2(sqrt(huge) / (2L)))`` for *dtype*, as an int."""
    target = float(np.sqrt(np.finfo(dtype).max)) / (2 * L)
    return int(np.floor(np.log2(target)))


def _values_exponent(G):
    """:func:`_scale_exponent` for the values-only bidiagonal kernel: 0 where G is safe unscaled.

    That kernel needs the scaling only at the ends of the range: its
    Householder vectors and dqds scale themselves, and with ``sqrt(tiny) /
    eps < max |g_ij| < sqrt(huge) / (2 L)`` the noise it flushes (below
    ``tiny / eps``) is under ``sqrt(tiny)`` (1e-154 in float64) times the
    largest entry, and its products of two entries summed along a row
    neither overflow nor, where they underflow, lose anything above
    ``eps`` times the largest.  Inside that range the pass over G that
    scales it (and the copy of a square A it would need) is saved.
    """
    info = np.finfo(G.dtype)
    amax = float(np.abs(G).max())
    if amax == 0.0 or (np.sqrt(info.tiny) / info.eps < amax < np.sqrt(info.max) / (2 * G.shape[1])):
        return 0
    return _scale_exponent(G)


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
        Real or complex matrix or stack of matrices (float32 stays float32;
        integers and booleans become float64; complex64 / complex128 give
        complex U, Vh and real S of the matching precision).
    full_matrices : bool, default True
        U is (..., M, M) and Vh (..., N, N); else (..., M, K) and (..., K, N)
        with K = min(M, N).
    compute_uv : bool, default True
        If False only the singular values are returned.
    hermitian : bool, default False
        Accepted for numpy compatibility; jitla's SVDs do not need it
        (a symmetric input is decomposed like any other).
    method : str, default "auto"
        "auto": Householder bidiagonalisation, then dqds for the values
        alone or Demmel & Kahan's bidiagonal QR with vectors
        (:mod:`jitla.kernels.svd_bidiag`, LAPACK's ``dgesvd`` route) for
        values and with vectors at every size -- see :func:`svd_method`;
        with vectors and min(m, n) >= ``config.SVD_DC_MIN`` the bidiagonal
        SVD is divide and conquer (:mod:`jitla.kernels.svd_dc`, LAPACK's
        ``dgesdd`` route).
        "bidiagonal": the QR route at any size; "bidiagonal_dc": the
        divide-and-conquer route at any size.
        "jacobi": one-sided Jacobi (:mod:`jitla.kernels.svd_jacobi`), the
        *relatively accurate* choice (below).  Or a Jacobi kernel by name:
        "cyclic", "tracked", "parallel", "parallel_tracked",
        "preconditioned", "preconditioned_tracked",
        "preconditioned_parallel", "preconditioned_parallel_tracked", and
        (``compute_uv=False`` only) "jacobi_values", the sweeps of "cyclic"
        in one plain-loop kernel, quick to compile.

    Returns
    -------
    SVDResult (U, S, Vh) or S
        numpy's named tuple; S descending.  For an ndarray subclass, U and
        Vh come back through its ``__array_wrap__`` (S does not), as numpy.

    Raises
    ------
    LinAlgError
        Fewer than 2 dimensions; "SVD did not converge" if the sweeps do not
        converge or the input holds NaN/inf (as numpy).
    ValueError
        Unknown *method*, or ``method="jacobi_values"`` with ``compute_uv=True``.

    Notes
    -----
    Which method is relatively accurate.  The bidiagonal route ("auto",
    "bidiagonal") is backward stable, as numpy's ``gesdd``: each singular
    value has an absolute error of about ``eps * sigma_max``, so values far
    below sigma_max -- the small values of a graded matrix ``A = B D`` with
    D spanning many decades -- can lose all their digits (its bidiagonal
    QR alone is relatively accurate: ``diag(1, 1e-20)`` gives 1e-20).
    The Jacobi methods ("jacobi" and the named kernels) test each pair
    with Demmel & Veselić's relative criterion: for ``A = B D`` with B well
    conditioned every singular value, the smallest included, comes out to
    high *relative* accuracy, at 4-7x the time at n = 100 (devlog 005,
    021).  Ask for "jacobi" where the small singular values matter.

    Complex input: "auto" / "bidiagonal" is LAPACK ``zgesvd``'s reduction
    with complex reflectors to a *real* bidiagonal matrix
    (:mod:`jitla.kernels.svd_complex`), then the same dqds / bidiagonal QR
    as for real input, its rotations applied to complex rows.  "jacobi"
    (and "preconditioned") is one-sided Jacobi with complex plane rotations
    after a complex pivoted QR (Drmač & Veselić's preconditioning),
    "cyclic" / "jacobi_values" the sweeps alone; the other named Jacobi
    kernels raise ``TypeError``.

    Flops: bidiagonal route ``4 k^2 L - 4 k^3/3`` for the reduction,
    ``O(k^2)`` for the values, with vectors about ``8 k^2 L + 12 k^2 (k +
    L)`` more (factors formed, rotations applied).  Jacobi about 6mn^2 per
    sweep (+3n^3 for V), typically 5-15 sweeps; the preconditioned variants
    add a pivoted QR (2mn^2 - 2n^3/3); the tracked ones test a pair with one
    dot product instead of three.  For Jacobi the matrix is first scaled by
    a power of two (exact) so that squared norms neither overflow nor
    underflow for columns down to ~1e-300 of the largest.  The input is
    never modified.

    Examples
    --------
    >>> import numpy as np, jitla.linalg as jl
    >>> jl.svd(np.diag([3.0, 4.0])).S
    array([4., 3.])
    """
    if type(method) is str and method == "auto" and type(hermitian) is bool:
        result = _svd_small(a, full_matrices, compute_uv)
        if result is not None:
            return result
    result = _svd(a, full_matrices, compute_uv, hermitian, method)
    wrap = array_wrap(a) if compute_uv else None
    return result if wrap is None else SVDResult(wrap(result[0]), result[1], wrap(result[2]))


_FLOAT64 = np.dtype(np.float64)
#: The small path's kernel entry points (svdvals/jacobi, svd/bidiagonal, the latter's extra
#: arguments), looked up once
_small_kernels: list = []


def _load_small_kernels():
    info = get_kernel("svd", "bidiagonal")
    _small_kernels[:] = [get_kernel("svdvals", "jacobi").func, info.func, kernel_extras(info, _FLOAT64)]
    return _small_kernels


def _svd_small(a, full_matrices, compute_uv):
    """``svd(a, method="auto")`` of a small 2-D float64 ndarray without the general path's Python, else None.

    The general path's steps for the routes ``svd_plan`` gives min(m, n) =
    k (values: "jacobi_values" up to ``config.SVD_VALUES_JACOBI_MAX``; with
    vectors: "bidiagonal" below ``config.SVD_DC_MIN``) on the same kernels
    and signatures, with the same power-of-two scaling, so the results are
    the general path's bit for bit; without the plan object, the dtype
    rules, the stacking and the second copy of a non-contiguous input
    (devlog 105).  None (the caller takes the general path, which raises
    or wraps as it does) for anything else: a subclass, another dtype or
    rank, an empty matrix, a NaN or inf, a kernel that did not converge.
    """
    if type(a) is not np.ndarray or a.dtype is not _FLOAT64 or a.ndim != 2:
        return None
    m, n = a.shape
    wide = m < n
    k, L = (m, n) if wide else (n, m)
    if k == 0:
        return None
    if compute_uv:
        if k >= config.SVD_DC_MIN or k > config.SVD_BIDIAGONAL_UV_MAX:
            return None
    elif k > config.SVD_VALUES_JACOBI_MAX:
        return None
    amax = float(np.abs(a).max())
    if not math.isfinite(amax):
        return None  # the general path raises "SVD did not converge"
    e = _exponent(amax, _FLOAT64, L)
    values, bidiagonal, extras = _small_kernels or _load_small_kernels()
    S = np.empty(k)
    # G = the tall form's columns as rows, scaled while copied (exact, as the general path's copy
    # and then scaling in place); C order and, with vectors, 64-byte aligned, as there
    if compute_uv:
        G, Vt = _aligned_pair(k, L, _FLOAT64)
    else:
        G = np.empty((k, L))
    np.ldexp(a if wide else a.T, e, out=G)
    if not compute_uv:
        if values(G, S):
            return None
    else:
        Ut = np.empty((k, L))
        status, _ = bidiagonal(G, S, Ut, Vt, True, MAXITR, *extras)
        if status:
            return None
    if e:
        np.ldexp(S, -e, out=S)
    return SVDResult(*_factors(Ut, S, Vt, wide, full_matrices)) if compute_uv else S


def _svd(a, full_matrices, compute_uv, hermitian, method):
    """:func:`svd` before a subclass's U and Vh are wrapped."""
    a = np.asarray(a)
    assert_stacked_2d(a)
    dtype = result_float_dtype(a, allow_complex=True)
    if not isinstance(hermitian, bool | np.bool_):
        raise TypeError("hermitian must be a bool")
    if dtype.kind == "c":
        return _svd_complex(a, dtype, full_matrices, compute_uv, method)
    plan = svd_method(a.shape, method, compute_uv)
    if plan.op == "svdvals" and compute_uv:
        raise ValueError(
            f"method={method!r} computes singular values only; "
            "use compute_uv=False (or svdvals), or another method for U and V"
        )
    A = as_float_operand(a, dtype)
    if not np.isfinite(A).all():
        raise LinAlgError("SVD did not converge")
    batch = A.shape[:-2]
    m, n = A.shape[-2:]
    k = min(m, n)
    if not batch:
        result = _svd_2d(A, full_matrices, compute_uv, plan)
        return SVDResult(*result) if compute_uv else result
    flat = A.reshape((int(np.prod(batch)), m, n))  # -1 is ambiguous when m * n == 0
    S = np.empty((flat.shape[0], k), dtype=dtype)
    if not compute_uv:
        for i in range(flat.shape[0]):
            S[i] = _svd_2d(flat[i], full_matrices, False, plan)
        return S.reshape(batch + (k,))
    u_cols, v_rows = (m, n) if full_matrices else (k, k)
    U = np.empty((flat.shape[0], m, u_cols), dtype=dtype)
    Vh = np.empty((flat.shape[0], v_rows, n), dtype=dtype)
    for i in range(flat.shape[0]):
        U[i], S[i], Vh[i] = _svd_2d(flat[i], full_matrices, True, plan)
    return SVDResult(
        U.reshape(batch + U.shape[1:]), S.reshape(batch + (k,)), Vh.reshape(batch + Vh.shape[1:])
    )


#: The Jacobi methods that complex input has: complex rotations, with ("jacobi", "preconditioned")
#: or without ("cyclic", "jacobi_values") the pivoted-QR preconditioner.
_COMPLEX_JACOBI = ("jacobi", "preconditioned", "cyclic", "jacobi_values")


def _svd_complex(a, dtype, full_matrices, compute_uv, method):
    """Complex input: the bidiagonal route with complex reflectors (:mod:`jitla.linalg._complex`)."""
    from jitla.linalg import _complex

    if method not in ("auto", "bidiagonal", "bidiagonal_dc") + _COMPLEX_JACOBI:
        if method not in _METHODS:
            svd_method(a.shape, method, compute_uv)  # numpy-style ValueError naming the choices
        raise _complex.unsupported(f"svd(method={method!r})", dtype)
    if method == "jacobi_values" and compute_uv:
        svd_method(a.shape, method, compute_uv)
        raise ValueError(
            f"method={method!r} computes singular values only; "
            "use compute_uv=False (or svdvals), or another method for U and V"
        )
    A = as_float_operand(a, dtype)
    if not np.isfinite(A).all():
        raise LinAlgError("SVD did not converge")
    if method in _COMPLEX_JACOBI:
        precondition = method in ("jacobi", "preconditioned")
        result = _complex.svd_jacobi(A, full_matrices, compute_uv, precondition, MAX_SWEEPS)
    else:
        result = _complex.svd(A, full_matrices, compute_uv)
    return SVDResult(*result) if compute_uv else result


def svdvals(x, /, *, method="auto"):
    """Singular values of a matrix or stack, descending (numpy.linalg.svdvals).

    Same as ``svd(x, compute_uv=False)``.  The default ("auto", the
    bidiagonal route) is backward stable as numpy's; ``method="jacobi"``
    keeps every value of a graded matrix to high relative accuracy at
    several times the cost (see :func:`svd`).

    Examples
    --------
    >>> import numpy as np, jitla.linalg as jl
    >>> jl.svdvals(np.diag([3.0, 4.0]), method="jacobi")
    array([4., 3.])
    """
    if type(method) is str and method == "auto":
        S = _svd_small(x, True, False)
        if S is not None:
            return S
    return svd(x, compute_uv=False, method=method)
