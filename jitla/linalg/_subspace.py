"""Rank, pseudo-inverse, norms, condition numbers and subspaces from the SVD.

numpy.linalg's ``matrix_rank``, ``pinv``, ``norm``, ``cond`` and scipy.linalg's
``null_space``, ``orth``, ``subspace_angles``, with the same defaults; plus
``projector`` and ``project`` for orthogonal projections.  Everything
spectral goes through :func:`jitla.linalg.svd` with its default method,
the bidiagonal route: backward stable as numpy's SVD, so a singular value
far below the largest has an absolute error of ~eps * sigma_max, as numpy's
-- and ranks, condition numbers and bases agree with numpy's and scipy's.
Where the small singular values of a graded matrix matter to full relative
accuracy, ``svd(a, method="jacobi")`` gives them (devlog 005, 021).

Complex input (complex64 / complex128) goes through the complex SVD
(:mod:`jitla.linalg._complex`): transposes become conjugate transposes
(``pinv = V diag(1/s) U^H``, ``null_space`` the conjugated rows of Vh,
``subspace_angles`` from ``QA^H QB``), singular values, ranks and
condition numbers are real; ``cond`` with ``p`` other than None / 2 / -2
needs ``inv``, which is real-only for now.
"""

from __future__ import annotations

import warnings

import numpy as np

from jitla._validate import as_float_operand, assert_stacked_2d, result_float_dtype
from jitla.kernels import norms
from jitla.linalg._lu import _linalg_warning, inv
from jitla.linalg._matmul import matmul
from jitla.linalg._svd import svd, svdvals
from jitla.linalg._wrap import array_wrap

__all__ = [
    "matrix_rank",
    "pinv",
    "norm",
    "cond",
    "null_space",
    "orth",
    "subspace_angles",
    "projector",
    "project",
]

_NO_VALUE = object()


def _float(a):
    """*a* in its working dtype (complex64 / complex128 kept, as numpy.linalg)."""
    a = np.asarray(a)
    return as_float_operand(a, result_float_dtype(a, allow_complex=True))


def _mm(a, b):
    """``a @ b`` by jitla's matmul (real or complex operands)."""
    return matmul(a, b)


def _h(a):
    """The conjugate transpose of the last two axes (the transpose for real a)."""
    a = np.swapaxes(a, -1, -2)
    return a.conj() if a.dtype.kind == "c" else a


def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """Rank of a matrix (or stack) as the number of singular values above a tolerance.

    Same rule and defaults as numpy.linalg.matrix_rank: ``tol`` absolute, or
    ``rtol * max(S)`` with ``rtol = max(M, N) * eps`` by default; arrays with
    fewer than 2 dimensions have rank 1 unless all zero.

    Notes
    -----
    Golub & Van Loan, 4th ed., Sec. 5.4.1 (numerical rank from the SVD).
    The singular values come from :func:`jitla.linalg.svdvals` (bidiagonal route).
    """
    if rtol is not None and tol is not None:
        raise ValueError("`tol` and `rtol` can't be both set.")
    A = np.asarray(A)
    if A.ndim < 2:
        return int(not np.all(A == 0))
    S = svdvals(_float(A))
    if tol is None:
        if rtol is None:
            rtol = max(A.shape[-2:]) * np.finfo(S.dtype).eps
        else:
            rtol = np.asarray(rtol)[..., np.newaxis]
        tol = S.max(axis=-1, keepdims=True, initial=0) * rtol
    else:
        tol = np.asarray(tol)[..., np.newaxis]
    return np.count_nonzero(S > tol, axis=-1)


def pinv(a, rcond=None, hermitian=False, *, rtol=_NO_VALUE):
    """Moore–Penrose pseudo-inverse, ``V diag(1/s) U^T`` over the singular values kept.

    Same cutoff as numpy.linalg.pinv: singular values ``<= rcond * max(s)``
    are treated as zero; ``rcond`` defaults to 1e-15, or to
    ``max(M, N) * eps`` when ``rtol=None`` is passed (numpy 2's rule).

    Notes
    -----
    Golub & Van Loan, 4th ed., Sec. 5.5.2.  Flops: one SVD plus 2mnk.
    """
    wrap = array_wrap(a)
    a = np.asarray(a)
    assert_stacked_2d(a)
    A = _float(a)
    if rcond is None:
        if rtol is _NO_VALUE:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(A.shape[-2:]) * np.finfo(A.dtype).eps
        else:
            rcond = rtol
    elif rtol is not _NO_VALUE:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    rcond = np.asarray(rcond)
    m, n = A.shape[-2:]
    if m == 0 or n == 0:
        P = np.zeros(A.shape[:-2] + (n, m), dtype=A.dtype)
    else:
        U, s, Vh = svd(A, full_matrices=False)
        cutoff = rcond[..., np.newaxis] * np.max(s, axis=-1, keepdims=True)
        large = s > cutoff
        inverse = np.zeros_like(s)
        np.divide(1, s, where=large, out=inverse)
        P = _mm(_h(Vh), inverse[..., :, np.newaxis] * _h(U))
    return P if wrap is None else wrap(P)


def _complex_norm_operand(x, ord):
    """For a complex *x*: its 2-norm / Frobenius norm as a 0-d real array, the real ``|x|`` for
    the 1- and inf-norms (the real kernels then run on it), or None (numpy.linalg.norm decides).

    ``||z||_2`` is the 2-norm of the real vector ``(Re z_1, Im z_1, Re z_2, ...)``, so the
    real kernel runs on the interleaved storage itself (no temporary, no new compilation);
    the sums of moduli need the moduli, so ``|x|`` is formed once.
    """
    real = x.real.dtype
    contiguous = x.flags.c_contiguous or (x.ndim == 2 and x.flags.f_contiguous)
    if not contiguous:
        return None
    if (x.ndim == 1 and ord in (None, 2)) or (
        x.ndim == 2 and (ord is None or (isinstance(ord, str) and ord == "fro"))
    ):
        return np.asarray(norms.nrm2(x.ravel(order="K").view(real)), dtype=real)
    if x.ndim == 2 and not isinstance(ord, str) and ord in (1, -1, np.inf, -np.inf):
        return np.abs(x)
    return None


def _norm_by_kernel(x, ord, axis, keepdims):
    """The norm from :mod:`jitla.kernels.norms` where one applies, else None.

    Complex input: see :func:`_complex_norm_operand` (real result dtype, as
    numpy).  Applies to a non-empty float32/float64 vector (``ord`` None or 2, C
    contiguous) or matrix (``ord`` None, "fro", 1, -1, inf, -inf; C or F
    contiguous), with ``axis=None`` and ``keepdims=False``: one pass over
    the data, no temporary ``|x|`` or ``x**2``.  The value has x's dtype, as
    numpy's.
    """
    if axis is not None or keepdims or x.size == 0:
        return None
    if x.dtype.char not in "fd":  # the complex test only here: the real path stays one check
        if x.dtype.char not in "FD":
            return None
        x = _complex_norm_operand(x, ord)
        if x is None or x.ndim == 0:
            return None if x is None else x[()]
    if x.ndim == 1 and (ord is None or ord == 2) and x.flags.c_contiguous:
        return x.dtype.type(norms.nrm2(x))
    if x.ndim != 2 or not (x.flags.c_contiguous or x.flags.f_contiguous):
        return None
    if ord is None or (isinstance(ord, str) and ord == "fro"):
        return x.dtype.type(norms.nrm2(x.ravel(order="K")))
    if isinstance(ord, str) or ord not in (1, -1, np.inf, -np.inf):
        return None
    C = x if x.flags.c_contiguous else x.T  # an F array's 1-norm is its C transpose's inf-norm
    by_columns = (abs(ord) == 1) == (C is x)
    kernel = norms.max_abs_col_sum if by_columns else norms.max_abs_row_sum
    return x.dtype.type(kernel(C, bool(ord > 0)))


def norm(x, ord=None, axis=None, keepdims=False):
    """Matrix or vector norm with numpy.linalg.norm's semantics.

    The spectral matrix norms -- ``ord=2`` (largest singular value),
    ``ord=-2`` (smallest) and ``ord="nuc"`` (their sum) -- come from
    :func:`jitla.linalg.svdvals`.  The Frobenius norm and the vector 2-norm, and the matrix
    1- and inf-norms (and -1, -inf) of a whole contiguous matrix come from
    :mod:`jitla.kernels.norms` in one pass; unlike numpy's, the 2-norm and
    Frobenius norm do not overflow or underflow when the squares would (a
    scaled second pass is taken then; numpy gives ``norm([1e200, 1e200])
    = inf``).  Other cases (``axis``, ``keepdims``, other vector ``ord``,
    strided input) are computed by numpy.linalg.norm itself.  Empty
    matrices follow numpy: ``ord=2`` and ``"nuc"`` give 0, ``ord=-2``
    raises numpy's ``ValueError`` (a minimum over no singular values).
    """
    x = np.asarray(x)
    value = _norm_by_kernel(x, ord, axis, keepdims)
    if value is not None:
        return value
    spectral = ord in (2, -2, "nuc")
    if not spectral:
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    if axis is None:
        if x.ndim != 2:
            return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)  # vector 2-norm / numpy's error
        axis = (0, 1)
    if isinstance(axis, int) or len(axis) == 1:
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    row_axis, col_axis = (a % x.ndim for a in axis)
    if row_axis == col_axis:
        raise ValueError("Duplicate axes given.")
    moved = np.moveaxis(x, (row_axis, col_axis), (-2, -1))
    S = svdvals(_float(moved))
    # numpy's reductions, identities included: an empty matrix has 2-norm and
    # nuclear norm 0, and its -2 "norm" is numpy's ValueError (min of nothing)
    if ord == 2:
        result = S.max(axis=-1, initial=0)
    elif ord == -2:
        result = S.min(axis=-1)
    else:
        result = S.sum(axis=-1)
    if keepdims:
        shape = list(x.shape)
        shape[row_axis] = 1
        shape[col_axis] = 1
        result = np.reshape(result, shape)
    return result


def cond(x, p=None):
    """Condition number of a matrix (or stack), numpy.linalg.cond's semantics.

    ``p`` None, 2 or -2: ratio of extreme singular values from
    :func:`jitla.linalg.svdvals` (inf for a singular matrix, as numpy); other ``p``:
    ``norm(x, p) * norm(inv(x), p)`` with jitla's LU inverse.  An input
    whose matrices are empty (0 x 0, 0 x N, M x 0, stacked or not) raises
    ``LinAlgError("cond is not defined on empty arrays")``, as numpy.
    """
    x = np.asarray(x)
    if x.size == 0 and np.prod(x.shape[-2:]) == 0:  # numpy's test, before any other
        raise np.linalg.LinAlgError("cond is not defined on empty arrays")
    assert_stacked_2d(x)
    if p is None or p in (2, -2):
        S = svdvals(_float(x))
        with np.errstate(all="ignore"):
            result = S[..., 0] / S[..., -1] if p != -2 else S[..., -1] / S[..., 0]
    else:
        m, n = x.shape[-2:]
        if m != n:
            raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
        flat = _float(x).reshape((-1, m, n))
        result = np.empty(flat.shape[0], dtype=flat.real.dtype)  # real for complex input, as numpy
        for i, matrix in enumerate(flat):
            try:
                with warnings.catch_warnings():  # a large condition number is the answer, not a problem
                    warnings.simplefilter("ignore", _linalg_warning())
                    result[i] = norm(matrix, p) * norm(inv(matrix), p)
            except np.linalg.LinAlgError:  # singular: numpy's inverse overflows to inf
                result[i] = np.inf
        result = result.reshape(x.shape[:-2])
    # as numpy: a singular matrix has condition number inf (0/0 -> nan -> inf),
    # unless the input itself held NaN
    result = np.asarray(result)
    nan_mask = np.isnan(result) & ~np.isnan(x).any(axis=(-2, -1))
    result[nan_mask] = np.inf
    return result[()] if result.ndim == 0 else result


def _range_basis(A, rcond):
    """``(U, s, Vh, num)`` of the full SVD and the numerical rank for scipy's rcond rule."""
    A = _float(A)
    if A.ndim != 2:
        raise ValueError("expected a 2-D array")
    U, s, Vh = svd(A, full_matrices=True)
    M, N = A.shape
    if rcond is None:
        rcond = np.finfo(A.dtype).eps * max(M, N)
    tol = np.max(s, initial=0) * rcond
    num = int(np.sum(s > tol, dtype=int))
    return U, s, Vh, num


def null_space(A, rcond=None):
    """Orthonormal basis of the null space of A (scipy.linalg.null_space).

    The right singular vectors whose singular values are ``<= rcond *
    max(s)`` (``rcond`` default ``eps * max(M, N)``); returned as the columns
    of an (N, K) array (the conjugated rows of Vh for complex A, as scipy).
    """
    _, _, Vh, num = _range_basis(A, rcond)
    return np.ascontiguousarray(_h(Vh[num:, :]))


def orth(A, rcond=None):
    """Orthonormal basis of the range of A (scipy.linalg.orth): the leading left singular vectors."""
    U, _, _, num = _range_basis(A, rcond)
    return np.ascontiguousarray(U[:, :num])


def subspace_angles(A, B):
    """Principal angles between the column spaces of A and B, in radians, largest first.

    As scipy.linalg.subspace_angles: cosines from the singular values of
    ``QA^T QB`` for the large angles, sines from the singular values of
    ``QB - QA (QA^T QB)`` for the small ones, where cosines lose accuracy.

    Notes
    -----
    Knyazev & Argentati, "Principal angles between subspaces in an
    A-based scalar product", SIAM J. Sci. Comput. 23(6), 2002, Alg. 3.1
    (the sine-cosine combination); Björck & Golub, Math. Comp. 27, 1973.
    """
    A = _float(A)
    B = _float(B)
    if A.ndim != 2 or B.ndim != 2:
        raise ValueError(f"expected 2D array, got shapes {A.shape} and {B.shape}")
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must have the same number of rows, got {A.shape[0]} and {B.shape[0]}")
    QA = orth(A)
    QB = orth(B)
    QA_T_QB = _mm(_h(QA), QB)
    sigma = svdvals(QA_T_QB)
    # B - A (A^H B), with the larger basis in the role of A as scipy does
    if QA.shape[1] >= QB.shape[1]:
        residual = QB - _mm(QA, QA_T_QB)
    else:
        residual = QA - _mm(QB, _h(QA_T_QB))
    mask = sigma**2 >= 0.5
    if mask.any():
        mu_arcsin = np.arcsin(np.clip(svdvals(residual), -1.0, 1.0))
    else:
        mu_arcsin = 0.0
    theta = np.where(mask, mu_arcsin, np.arccos(np.clip(sigma[::-1], -1.0, 1.0)))
    return theta


def projector(a, rcond=None):
    """Orthogonal projector onto the column space of *a*: ``P = Q Q^T`` with Q = :func:`orth`.

    ``P`` is symmetric and idempotent (``P @ P == P`` to rounding); its rank
    is the numerical rank of *a*.
    """
    Q = orth(a, rcond)
    return _mm(Q, _h(Q))


def project(b, onto, rcond=None):
    """Orthogonal projection of *b* (vector or matrix of columns) onto the column space of *onto*.

    Computed as ``Q (Q^T b)`` without forming the m x m projector.  The
    residual ``b - project(b, onto)`` is orthogonal to every column of
    *onto*: the least-squares geometry in one line.
    """
    Q = orth(onto, rcond)
    b = _float(b)
    if b.shape[0] != Q.shape[0]:
        raise ValueError(f"b has {b.shape[0]} rows but the subspace lives in R^{Q.shape[0]}")
    return _mm(Q, _mm(_h(Q), b))
