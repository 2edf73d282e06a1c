"""``eigh``, ``eigvalsh``, ``eig``, ``eigvals`` with numpy.linalg's semantics."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from jitla import config
from jitla._validate import (
    LinAlgError,
    as_float_operand,
    assert_finite,
    assert_stacked_2d,
    assert_stacked_square,
    result_float_dtype,
)
from jitla.kernels import get_kernel
from jitla.kernels.eig_general import form_qt_gehd2, gehd2, lahqr, trevc
from jitla.kernels.eig_symmetric import (
    MAX_JACOBI_SWEEPS,
    reflectors_qr_layout,
    steqr,
    sytd2_fused,
    vt_from_q1,
)
from jitla.kernels.eig_symmetric_dc import EIGH_DC_LEAF, back_transform, tridiagonal_dc
from jitla.kernels.qr_householder import form_q, orgqr
from jitla.linalg._policy import Plan, eigh_plan, orgqr_plan
from jitla.linalg._wrap import array_wrap

__all__ = ["eigh", "eigvalsh", "EighResult", "eigh_method", "eig", "eigvals", "EigResult"]

EighResult = np.linalg._linalg.EighResult
EigResult = np.linalg._linalg.EigResult

_EIGH_METHODS = ("auto", "jacobi", "ql", "dc")


def eigh_method(shape, method: str = "auto"):
    """What :func:`eigh` runs: a :class:`~jitla.linalg._policy.Plan`.

    "auto" follows :func:`jitla.linalg._policy.eigh_plan`: "dc"
    (tridiagonalisation + divide and conquer) from
    ``config.EIGH_DC_MIN`` on, "ql" (tridiagonalisation + implicit QL)
    below; both backward stable.  "jacobi" is several times slower but
    finds the small eigenvalues of graded positive definite matrices to
    high relative accuracy; ask for it by name.
    """
    if method not in _EIGH_METHODS:
        raise ValueError(f"unknown eigh method {method!r}; choose one of {list(_EIGH_METHODS)}")
    if method != "auto":
        return Plan("eigh", method, "requested")
    return eigh_plan(shape[-1] if len(shape) else 0)


def _check_uplo(UPLO):
    uplo = UPLO.upper()
    if uplo not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return uplo


@lru_cache(maxsize=8)
def _rmin(dtype) -> float:
    """LAPACK's ``rmin = sqrt(safmin / eps)`` for *dtype*, the bound of :func:`_scale_into_range`."""
    info = np.finfo(dtype)
    return float(np.sqrt(info.tiny / info.eps))


def _scale_into_range(S, anrm=None):
    """Scale *S* in place by a power of two if its entries could over/underflow; return the exponent.

    *anrm*: ``max |s_ij|`` if the caller has it already.

    As LAPACK's drivers (``dsyev``, ``dgeev``): when ``max |s_ij|`` lies
    outside ``[rmin, rmax]``, ``rmin = sqrt(safmin / eps)``, ``rmax =
    1 / rmin`` (about 1e-146 .. 1e146 in float64, 4e-16 .. 2e15 in
    float32), the products and squares inside the kernels could overflow
    or lose all precision.  A power of two is exact, so the eigenvalues are
    just scaled back afterwards (:func:`_unscale`) and the eigenvectors do
    not change.  The factor ``2**e`` brings ``max |s_ij|`` to about 1; it is
    applied with ``ldexp``, never formed, because for subnormal input it is
    itself beyond the largest float (2**1029 for 1e-310).
    """
    rmin = _rmin(S.dtype)
    if anrm is None:
        anrm = float(np.abs(S).max()) if S.size else 0.0
    if anrm == 0.0 or rmin <= anrm <= 1.0 / rmin or not np.isfinite(anrm):
        return 0
    e = -int(np.round(np.log2(anrm)))
    np.ldexp(S, e, out=S)
    return e


def _unscale(w, e):
    """Undo :func:`_scale_into_range` on eigenvalues *w* in place (``w * 2**-e``)."""
    if e != 0:
        np.ldexp(w, -e, out=w)


def _symmetric_operand(a, uplo, variant):
    """A fresh C-contiguous copy of the 2-D *a* for the kernel *variant*.

    The QL kernel reads only the upper triangle by rows, and the lower
    triangle of a is the upper triangle of a^T: one transposing copy for
    UPLO="L", a plain copy for "U"; so does divide and conquer's.  Jacobi
    needs both triangles.
    """
    if variant in ("ql", "dc"):
        return np.array(a.T if uplo == "L" else a, order="C", copy=True)
    tri = np.tril(a) if uplo == "L" else np.triu(a)
    strict = np.tril(tri, -1) if uplo == "L" else np.triu(tri, 1)
    return np.ascontiguousarray(tri + strict.T)


def _eigh_2d(S, compute_v, variant):
    """(w, V) of one symmetric matrix, *S* from :func:`_symmetric_operand` (overwritten)."""
    n = S.shape[0]
    dtype = S.dtype
    w = np.empty(n, dtype=dtype)
    Vt = np.empty((n, n) if compute_v else (1, 1), dtype=dtype)
    if n == 0:
        return w, np.empty((0, 0), dtype=dtype)
    # max |s_ij| is finite exactly when every entry is (NaN and inf propagate): one pass for
    # the check below and the scaling, where np.isfinite(S).all() was a second
    anrm = float(np.abs(S).max())
    if not np.isfinite(anrm) and not np.isfinite(np.triu(S)).all():
        # only the triangle the kernel reads counts; LAPACK (numpy) returns NaNs, it does not raise
        w[:] = np.nan
        return w, np.full((n, n), np.nan, dtype=dtype)
    e = _scale_into_range(S, anrm)
    if variant == "jacobi":
        status, _ = get_kernel("eigh", "jacobi").func(S, w, Vt, compute_v, MAX_JACOBI_SWEEPS)
    elif not compute_v:
        status = get_kernel("eigvalsh", "ql").func(S, w)
    elif variant == "dc":
        status = _eigh_dc_steps(S, w, Vt)
    elif n <= config.EIG_ONE_KERNEL_MAX:
        status = get_kernel("eigh", "ql").func(S, w, Vt)
    else:
        status = _eigh_ql_steps(S, w, Vt)
    if status != 0:
        raise LinAlgError("Eigenvalues did not converge")
    _unscale(w, e)
    return w, (Vt.T if compute_v else None)


def _eigh_dc_steps(S, w, Vt):
    """:func:`~jitla.kernels.eig_symmetric_dc.eigh_tridiagonal_dc`'s steps, one kernel call each.

    Tridiagonalise (the kernel QL and ``eigvalsh`` use), divide and conquer
    on T in float64, then apply the reflectors to T's eigenvectors in
    blocks (:func:`~jitla.kernels.eig_symmetric_dc.back_transform`, which
    calls the divide-and-conquer SVD's compiled entry of the blocked
    reflectors).  Called from here rather than through the driver so that
    each heavy kernel is compiled (and its machine code emitted) once, not
    again inside a driver.
    """
    n = S.shape[0]
    off = np.zeros(n, dtype=S.dtype)  # e[n-1] = 0 for the float64 copy
    tau = np.empty(max(n - 1, 1), dtype=S.dtype)
    sytd2_fused(S, w, off, tau)
    if S.dtype == np.float64:  # T's eigenvectors straight into Vt, no copies
        status = tridiagonal_dc(w, off, Vt, EIGH_DC_LEAF)
    else:  # the tridiagonal solver runs in float64
        d = w.astype(np.float64)
        Z = np.empty((n, n))
        status = tridiagonal_dc(d, off.astype(np.float64), Z, EIGH_DC_LEAF)
        w[:] = d
        Vt[:] = Z
    back_transform(S, tau, Vt)
    return status


def _eigh_ql_steps(S, w, Vt):
    """:func:`~jitla.kernels.eig_symmetric.eigh_tridiagonal_ql`'s steps, one kernel call each.

    Tridiagonalise, copy the reflectors, form ``Q_1`` (the blocked
    ``orgqr`` or the unblocked ``form_q``, as
    :func:`~jitla.linalg._policy.orgqr_plan` says), copy ``Q^T`` into Vt,
    QL.  Each kernel is compiled once for itself instead of linked (and
    optimised again) into the driver, and ``orgqr`` / ``form_q`` are the
    very dispatchers and signatures that ``qr`` calls, so after a ``qr``
    they compile nothing new.  For orders above
    ``config.EIG_ONE_KERNEL_MAX``, where the four extra calls (~1 us) are
    noise.
    """
    n = S.shape[0]
    m = n - 1
    dtype = S.dtype
    e = np.empty(n, dtype=dtype)
    tau = np.empty(m, dtype=dtype)
    M = np.empty((m, m), dtype=dtype)
    Q1 = np.empty((m, m), dtype=dtype)
    sytd2_fused(S, w, e, tau)
    reflectors_qr_layout(S, M)
    if orgqr_plan(m).variant == "blocked":
        orgqr(M, tau, Q1, config.factor_nb("qr", dtype), config.gemm_blocks(dtype).as_tuple())
    else:
        form_q(M, tau, Q1)
    vt_from_q1(Q1, Vt)
    return steqr(w, e, Vt, True)


_FLOAT64 = np.dtype(np.float64)
_RMIN64 = _rmin(_FLOAT64)
_RMAX64 = 1.0 / _RMIN64


def _small_operand(a):
    """The order of *a* if the small paths take it, else None.

    The small paths' gate: a plain float64 ndarray, 2-D, square, of order 1
    to ``config.EIG_ONE_KERNEL_MAX`` (the orders whose general path calls
    one kernel).  None sends everything else (stacks, other dtypes,
    subclasses, the empty matrix) to the general path; the callers also
    send it NaN / inf and entries that :func:`_scale_into_range` would
    scale.
    """
    # (a float64 dtype other than numpy's own instance, e.g. byte-swapped, takes the general path)
    if type(a) is not np.ndarray or a.dtype is not _FLOAT64 or a.ndim != 2:
        return None
    n = a.shape[0]
    if a.shape[1] != n or not 0 < n <= config.EIG_ONE_KERNEL_MAX:
        return None
    return n


def _eigh_small(a, uplo, compute_v):
    """:func:`eigh` / :func:`eigvalsh` of a small float64 matrix without the general path's Python, else None.

    The general path's steps for ``method="auto"`` at these orders, on the
    same operand: the transposing copy :func:`_symmetric_operand` makes
    ("ql"), then the one kernel (``eigh`` "ql" or ``eigvalsh`` "ql", the
    same signatures) -- so the results are the general path's, bit for bit.
    Left out: the plan object, the stack and dtype handling, the validation
    helpers and ``np.finfo`` per call.  None (the caller takes the general
    path, which handles them as it does) for input :func:`_small_operand`
    refuses and for a non-finite or out-of-range ``max |a_ij|`` (NaN
    answers, scaling).
    """
    n = _small_operand(a)
    if n is None:
        return None
    S = np.array(a.T if uplo == "L" else a, order="C", copy=True)
    anrm = float(np.abs(S).max())
    if not _RMIN64 <= anrm <= _RMAX64:  # NaN fails too; 0 (no scaling) the general path handles
        return None
    w = np.empty(n)
    if not compute_v:
        if get_kernel("eigvalsh", "ql").func(S, w) != 0:
            raise LinAlgError("Eigenvalues did not converge")
        return w
    Vt = np.empty((n, n))
    if get_kernel("eigh", "ql").func(S, w, Vt) != 0:
        raise LinAlgError("Eigenvalues did not converge")
    return EighResult(w, Vt.T)


def _eigh(a, UPLO, compute_v, method):
    uplo = _check_uplo(UPLO)
    if method == "auto":
        result = _eigh_small(a, uplo, compute_v)
        if result is not None:
            return result
    a = np.asarray(a)
    assert_stacked_2d(a)
    assert_stacked_square(a)
    dtype = result_float_dtype(a, allow_complex=True)
    variant = eigh_method(a.shape, method).variant
    if dtype.kind == "c":
        return _eigh_complex(a, uplo, compute_v, method, dtype)
    A = as_float_operand(a, dtype)
    n = A.shape[-1]
    batch = A.shape[:-2]
    if not batch:
        w, v = _eigh_2d(_symmetric_operand(A, uplo, variant), compute_v, variant)
        return EighResult(w, v) if compute_v else w
    flat = A.reshape((int(np.prod(batch, dtype=np.int64)), n, n))
    W = np.empty((flat.shape[0], n), dtype=dtype)
    V = np.empty((flat.shape[0], n, n), dtype=dtype) if compute_v else None
    for i in range(flat.shape[0]):
        w, v = _eigh_2d(_symmetric_operand(flat[i], uplo, variant), compute_v, variant)
        W[i] = w
        if compute_v:
            V[i] = v
    W = W.reshape(batch + (n,))
    if not compute_v:
        return W
    return EighResult(W, V.reshape(batch + (n, n)))


def _eigh_complex(a, uplo, compute_v, method, dtype):
    """Hermitian input: complex tridiagonalisation + the real QL or D&C (:mod:`jitla.linalg._complex`)."""
    from jitla.linalg import _complex

    if method not in ("auto", "ql", "dc"):
        raise _complex.unsupported(f"eigh(method={method!r})", dtype)
    dc = eigh_method(a.shape, method).variant == "dc"
    result = _complex.eigh(as_float_operand(a, dtype), uplo, compute_v, dc)
    return EighResult(*result) if compute_v else result


def eigh(a, UPLO="L", *, method="auto", b=None, lower=True, eigvals_only=False, type=1):
    """Eigenvalues and eigenvectors of a symmetric matrix (numpy.linalg.eigh).

    Parameters
    ----------
    a : (..., M, M) array_like
        Real symmetric or complex Hermitian matrix or stack; only the
        *UPLO* triangle is read, and of its diagonal only the real part
        (as LAPACK ``zheevd``) (float32 stays float32; integers and
        booleans become float64).
    UPLO : {"L", "U"}, default "L"
        Which triangle holds the matrix.
    b : (M, M) array_like, optional
        jitla extension, scipy.linalg.eigh's generalized problem: with b
        (keyword, or in place of UPLO as scipy's ``eigh(a, b)``) solve the
        symmetric-definite problem of *type* (1: ``a x = w b x``, 2: ``a b x
        = w x``, 3: ``b a x = w x``), reading the triangle *lower*, and
        return ``(w, v)`` (or w with *eigvals_only*) as scipy does; see
        :func:`jitla.linalg._eigh_generalized.eigh_generalized`.
    method : {"auto", "jacobi", "ql", "dc"}
        "ql": Householder tridiagonalisation + implicit QL with Wilkinson
        shifts (:mod:`jitla.kernels.eig_symmetric`, LAPACK ``dsyev``'s
        algorithm); "dc": the same reduction, then divide and conquer on
        the tridiagonal matrix and the reflectors applied blocked
        (:mod:`jitla.kernels.eig_symmetric_dc`, LAPACK ``dsyevd``'s
        algorithm); "jacobi": cyclic Jacobi with a relative threshold
        (slower, relatively accurate for graded positive definite input);
        "auto" as :func:`eigh_method`.  Complex input: "auto", "ql" or
        "dc": a complex Householder reduction to a *real* tridiagonal
        matrix (:mod:`jitla.kernels.eig_hermitian`, ``zhetd2`` on one
        triangle), the same QL or divide and conquer on a real eigenvector
        matrix, and one real GEMM applying it to Q (``zheevr``'s order of
        work).

    Returns
    -------
    EighResult (eigenvalues, eigenvectors)
        numpy's named tuple: eigenvalues ascending (real, float32 for
        complex64), ``eigenvectors[..., :, i]`` the unit eigenvector of
        ``eigenvalues[..., i]`` (complex for complex input).

    Raises
    ------
    LinAlgError
        Not square / fewer than 2 dimensions (numpy's messages);
        "Eigenvalues did not converge" when the iteration cap is reached.
    ValueError
        UPLO not "L" or "U".

    Notes
    -----
    A NaN or inf in the triangle that is read gives eigenvalues and
    eigenvectors that are all NaN, never an error.  numpy (LAPACK
    ``dsyevd``) is not consistent there: depending on the size and on where
    the NaN sits it returns NaNs (``[[1, nan], [nan, 1]]``), finite values
    that belong to no matrix (``eigvalsh(diag([nan, 1, 2]))`` is
    ``[0, -0, 2]``), or raises "Eigenvalues did not converge" (a 3 x 3 of
    NaNs); jitla always answers NaN, so a non-finite input is never hidden.

    A matrix whose largest entry lies outside about ``[1e-146, 1e146]``
    (float32: ``[4e-16, 2e15]``), subnormal entries included, is first
    scaled by a power of two, as LAPACK's ``dsyev`` does; the eigenvalues are
    scaled back and the eigenvectors are unaffected.  The input is never
    modified.

    Examples
    --------
    >>> import numpy as np, jitla.linalg as jl
    >>> jl.eigh(np.array([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    array([1., 3.])
    """
    if b is not None or not isinstance(UPLO, str):
        from jitla.linalg._eigh_generalized import eigh_generalized

        return eigh_generalized(a, UPLO if b is None else b, lower, eigvals_only, type)
    result = _eigh(a, UPLO, True, method)
    wrap = array_wrap(a)
    return result if wrap is None else EighResult(result[0], wrap(result[1]))


def eigvalsh(a, UPLO="L", *, method="auto"):
    """Eigenvalues of a symmetric matrix, ascending (numpy.linalg.eigvalsh).

    As :func:`eigh` without the vectors: the QL iteration then costs O(n^2)
    and the tridiagonalisation (4n^3/3 flops) is all the work.  Every
    *method* but "jacobi" takes root-free QL (as ``dsyevd`` takes ``dsterf``
    without vectors).
    """
    return _eigh(a, UPLO, False, method)


# --------------------------------------------------------------------------
# general matrices
# --------------------------------------------------------------------------
def _eig_2d(A, compute_v):
    """(wr, wi, VRt) of one C-contiguous float matrix, which is overwritten."""
    n = A.shape[0]
    dtype = A.dtype
    wr = np.empty(n, dtype=dtype)
    wi = np.empty(n, dtype=dtype)
    VRt = np.empty((n, n) if compute_v else (1, 1), dtype=dtype)
    if n > 0:
        e = _scale_into_range(A)
        if n <= config.EIG_ONE_KERNEL_MAX:
            status = get_kernel("eig", "francis").func(A, wr, wi, VRt, compute_v)
        else:
            status = _eig_steps(A, wr, wi, VRt, compute_v)
        if status != 0:
            raise LinAlgError("Eigenvalues did not converge")
        _unscale(wr, e)
        _unscale(wi, e)
    return wr, wi, VRt


def _eig_steps(A, wr, wi, VRt, compute_v):
    """:func:`~jitla.kernels.eig_general.eig_francis`'s steps, one kernel call each.

    The same kernels in the same order as the driver, called from here so
    that each is compiled once for itself rather than linked (and optimised
    again) into the driver; for orders above ``config.EIG_ONE_KERNEL_MAX``,
    where the extra calls are noise.
    """
    n = A.shape[0]
    tau = np.empty(max(n - 1, 1), dtype=A.dtype)
    gehd2(A, tau)
    Zt = np.empty((n, n) if compute_v else (1, 1), dtype=A.dtype)
    if compute_v:
        form_qt_gehd2(A, tau, Zt)
    status = lahqr(A, wr, wi, Zt, compute_v)
    if status == 0 and compute_v:
        trevc(A, wr, wi, Zt, VRt)
    return status


def _unpack_vectors(wi, VRt):
    """Complex eigenvectors (C-order columns) from LAPACK's real packing (rows of VRt).

    A conjugate pair ``j, j + 1`` is stored as ``x = VRt[j]``, ``y =
    VRt[j + 1]`` and unpacks to ``x + i y`` and ``x - i y``: the same
    elementwise operations as numpy's mixed real / complex ones (``x`` as
    ``x + 0i``, ``i y`` by the complex product, exact), worked on the rows
    of one complex copy of VRt, pair by pair when there are few pairs, all
    at once when there are many.
    """
    V = VRt.astype(np.result_type(VRt.dtype, np.complex64))  # rows are the vectors
    first = []  # the first index of each conjugate pair
    j = 0
    nonzero = wi.tolist()
    n = len(nonzero)
    while j < n:
        if nonzero[j] != 0:
            first.append(j)
            j += 2
        else:
            j += 1
    if first:
        iy = 1j * V[1:]  # iy[j] = i VRt[j + 1]
        if len(first) <= 4:
            for j in first:
                np.subtract(V[j], iy[j], out=V[j + 1])
                np.add(V[j], iy[j], out=V[j])
        else:
            J = np.array(first)
            x, y = V[J], iy[J]
            V[J] = x + y
            V[J + 1] = x - y
    return np.ascontiguousarray(V.T)


def _eig_small(a, compute_v):
    """:func:`eig` / :func:`eigvals` of a small float64 matrix without the general path's Python, else None.

    The general path's steps at these orders on the same C-order copy: the
    ``eig`` "francis" kernel (same signature), then numpy's dtype rule (real
    results when ``wi`` is all zero) and the same unpacking of complex
    vectors, so the results are the general path's bit for bit (C-order
    vectors included).  None for what :func:`_small_operand` refuses and for
    a non-finite (the general path raises) or out-of-range ``max |a_ij|``.
    """
    n = _small_operand(a)
    if n is None:
        return None
    A = np.array(a, order="C", copy=True)
    anrm = float(np.abs(A).max())
    if not _RMIN64 <= anrm <= _RMAX64:
        return None
    wr = np.empty(n)
    wi = np.empty(n)
    VRt = np.empty((n, n) if compute_v else (1, 1))
    if get_kernel("eig", "francis").func(A, wr, wi, VRt, compute_v) != 0:
        raise LinAlgError("Eigenvalues did not converge")
    if not wi.any():
        return EigResult(wr, VRt.T.copy()) if compute_v else wr
    w = wr + 1j * wi
    return EigResult(w, _unpack_vectors(wi, VRt)) if compute_v else w


def _eig(a, compute_v):
    result = _eig_small(a, compute_v)
    if result is not None:
        return result
    a = np.asarray(a)
    assert_stacked_2d(a)
    assert_stacked_square(a)
    dtype = result_float_dtype(a, allow_complex=True)
    A = as_float_operand(a, dtype)
    assert_finite(A)
    if dtype.kind == "c":
        from jitla.linalg import _complex

        result = _complex.eig(A, compute_v)
        return EigResult(*result) if compute_v else result
    n = A.shape[-1]
    batch = A.shape[:-2]
    flat = A.reshape((int(np.prod(batch, dtype=np.int64)), n, n))
    count = flat.shape[0]
    parts = [_eig_2d(flat[i].copy(), compute_v) for i in range(count)]
    real = all(not np.any(wi) for _, wi, _ in parts)
    ctype = np.result_type(dtype, np.complex64)
    W = np.empty((count, n), dtype=dtype if real else ctype)
    V = np.empty((count, n, n), dtype=dtype if real else ctype) if compute_v else None
    for i, (wr, wi, VRt) in enumerate(parts):
        W[i] = wr if real else wr + 1j * wi
        if compute_v:
            V[i] = VRt.T if real else _unpack_vectors(wi, VRt)
    W = W.reshape(batch + (n,))
    if not compute_v:
        return W
    return EigResult(W, V.reshape(batch + (n, n)))


def eig(a):
    """Eigenvalues and right eigenvectors of a general real matrix (numpy.linalg.eig).

    Parameters
    ----------
    a : (..., M, M) array_like
        Real or complex matrix or stack (float32 stays single precision;
        integers and booleans become float64).

    Returns
    -------
    EigResult (eigenvalues, eigenvectors)
        numpy 2.x's named tuple.  As numpy for real input: real arrays when
        every eigenvalue of the whole stack is real, otherwise complex
        (complex64 for float32); complex-conjugate pairs are consecutive,
        positive imaginary part first.  ``eigenvectors[..., :, i]`` is the
        unit-norm eigenvector of ``eigenvalues[..., i]`` (LAPACK ``dgeev``'s
        normalisation: a complex vector's largest component is real).
        Eigenvalues are not sorted.  Complex input gives complex results
        always (as numpy), eigenvalues in the order of the Schur form's
        diagonal and each vector of unit norm with its largest component
        real (``zgeev``).

    Raises
    ------
    LinAlgError
        Not square / fewer than 2 dimensions; "Array must not contain infs
        or NaNs"; "Eigenvalues did not converge" when the QR iteration
        reaches its cap (30 iterations per eigenvalue).

    Notes
    -----
    Hessenberg reduction, Francis double-shift QR, back substitution on the
    real Schur form (:mod:`jitla.kernels.eig_general`): LAPACK ``dgeev``'s
    algorithm without balancing, so eigenvalues of badly scaled matrices may
    be less accurate than numpy's.  As in ``dgeev``, a matrix whose largest
    entry is tiny (subnormal included) or huge is first scaled by a power
    of two, and the eigenvalues scaled back.  The input is never modified.
    Complex input: complex Hessenberg reduction, single-shift QR to the
    complex Schur form ``A = Z T Z^H`` (Golub & Van Loan, 4th ed., Sec.
    7.5; LAPACK ``zlahqr``) and back substitution on T (``ztrevc``), in
    :mod:`jitla.kernels.schur_complex`.

    Examples
    --------
    >>> import numpy as np, jitla.linalg as jl
    >>> jl.eig(np.array([[0.0, -1.0], [1.0, 0.0]])).eigenvalues
    array([0.+1.j, 0.-1.j])
    """
    result = _eig(a, True)
    wrap = array_wrap(a)
    return result if wrap is None else EigResult(result[0], wrap(result[1]))


def eigvals(a):
    """Eigenvalues of a general real matrix (numpy.linalg.eigvals), dtype rule as :func:`eig`.

    Without vectors the QR iteration updates only the active block of the
    Hessenberg matrix and no Schur vectors are kept (``dhseqr`` job "E").
    """
    return _eig(a, False)
