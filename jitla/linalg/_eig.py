"""``eigh``, ``eigvalsh``, ``eig``, ``eigvals`` with numpy.linalg's semantics."""

from __future__ import annotations

import numpy as np

from jitla import config
from jitla._validate import (
    LinAlgError,
    as_float_operand,
    assert_stacked_2d,
    assert_stacked_square,
    result_float_dtype,
)
from jitla.kernels import get_kernel
from jitla.kernels.eig_symmetric import MAX_JACOBI_SWEEPS

__all__ = ["eigh", "eigvalsh", "EighResult", "eigh_method"]

EighResult = np.linalg._linalg.EighResult

_EIGH_METHODS = ("auto", "jacobi", "ql")


def eigh_method(shape, method: str = "auto") -> str:
    """The kernel variant :func:`eigh` uses (documented "auto" policy).

    "auto" is always "ql" (tridiagonalisation + implicit QL): O(n^3) with a
    small constant, backward stable.  "jacobi" is several times slower but
    finds the small eigenvalues of graded positive definite matrices to high
    relative accuracy; ask for it by name.
    """
    if method not in _EIGH_METHODS:
        raise ValueError(f"unknown eigh method {method!r}; choose one of {list(_EIGH_METHODS)}")
    return "ql" if method == "auto" else method


def _check_uplo(UPLO):
    uplo = UPLO.upper()
    if uplo not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return uplo


def _symmetric_copy(a, uplo):
    """A fresh C-contiguous full symmetric matrix built from the *uplo* triangle of *a*."""
    lower = np.tril(a) if uplo == "L" else np.triu(a)
    full = lower + np.swapaxes(np.tril(lower, -1) if uplo == "L" else np.triu(lower, 1), -1, -2)
    return np.ascontiguousarray(full)


def _eigh_2d(S, compute_v, variant):
    """Eigen-decomposition of one full symmetric C-contiguous matrix (overwritten)."""
    n = S.shape[0]
    dtype = S.dtype
    w = np.empty(n, dtype=dtype)
    Vt = np.empty((n, n) if compute_v else (1, 1), dtype=dtype)
    if n == 0:
        return w, np.empty((0, 0), dtype=dtype)
    if not np.isfinite(S).all():  # LAPACK (numpy) returns NaNs, it does not raise
        w[:] = np.nan
        return w, np.full((n, n), np.nan, dtype=dtype)
    info = get_kernel("eigh", variant)
    if variant == "jacobi":
        status, _ = info.func(S, w, Vt, compute_v, MAX_JACOBI_SWEEPS)
    else:
        nb = config.factor_nb("qr", dtype)
        status = info.func(S, w, Vt, compute_v, nb, config.gemm_blocks(dtype).as_tuple())
    if status != 0:
        raise LinAlgError("Eigenvalues did not converge")
    return w, (np.ascontiguousarray(Vt.T) if compute_v else None)


def _eigh(a, UPLO, compute_v, method):
    uplo = _check_uplo(UPLO)
    a = np.asarray(a)
    assert_stacked_2d(a)
    assert_stacked_square(a)
    dtype = result_float_dtype(a)
    variant = eigh_method(a.shape, method)
    A = as_float_operand(a, dtype)
    n = A.shape[-1]
    batch = A.shape[:-2]
    flat = A.reshape((int(np.prod(batch, dtype=np.int64)), n, n))
    W = np.empty((flat.shape[0], n), dtype=dtype)
    V = np.empty((flat.shape[0], n, n), dtype=dtype) if compute_v else None
    for i in range(flat.shape[0]):
        w, v = _eigh_2d(_symmetric_copy(flat[i], uplo), compute_v, variant)
        W[i] = w
        if compute_v:
            V[i] = v
    W = W.reshape(batch + (n,))
    if not compute_v:
        return W
    return EighResult(W, V.reshape(batch + (n, n)))


def eigh(a, UPLO="L", *, method="auto"):
    """Eigenvalues and eigenvectors of a symmetric matrix (numpy.linalg.eigh).

    Parameters
    ----------
    a : (..., M, M) array_like
        Real symmetric matrix or stack; only the *UPLO* triangle is read
        (float32 stays float32; integers and booleans become float64;
        complex raises TypeError).
    UPLO : {"L", "U"}, default "L"
        Which triangle holds the matrix.
    method : {"auto", "jacobi", "ql"}
        "ql": Householder tridiagonalisation + implicit QL with Wilkinson
        shifts (:mod:`jitla.kernels.eig_symmetric`, LAPACK ``dsyev``'s
        algorithm); "jacobi": cyclic Jacobi with a relative threshold
        (slower, relatively accurate for graded positive definite input);
        "auto" as :func:`eigh_method`.

    Returns
    -------
    EighResult (eigenvalues, eigenvectors)
        numpy's named tuple: eigenvalues ascending, ``eigenvectors[..., :, i]``
        the unit eigenvector of ``eigenvalues[..., i]``.

    Raises
    ------
    LinAlgError
        Not square / fewer than 2 dimensions (numpy's messages);
        "Eigenvalues did not converge" when the iteration cap is reached.
    ValueError
        UPLO not "L" or "U".

    Notes
    -----
    As numpy (LAPACK), input holding NaN or inf gives NaN results rather
    than an error.  The input is never modified.

    Examples
    --------
    >>> import numpy as np, jitla.linalg as jl
    >>> jl.eigh(np.array([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    array([1., 3.])
    """
    return _eigh(a, UPLO, True, method)


def eigvalsh(a, UPLO="L", *, method="auto"):
    """Eigenvalues of a symmetric matrix, ascending (numpy.linalg.eigvalsh).

    As :func:`eigh` without the vectors: the QL iteration then costs O(n^2)
    and the tridiagonalisation (4n^3/3 flops) is all the work.
    """
    return _eigh(a, UPLO, False, method)
