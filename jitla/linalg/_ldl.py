"""``ldl`` (scipy.linalg.ldl) and the structured solves behind ``solve(assume_a=...)``."""

from __future__ import annotations

import warnings

import numpy as np

from jitla._validate import LinAlgError, result_float_dtype
from jitla.kernels.ldl import hetf2, hetrs, sytf2, sytrs

__all__ = ["ldl", "solve_assumed", "ASSUME_A"]

#: scipy.linalg.solve's structure names that jitla serves (the others raise scipy's ValueError).
ASSUME_A = ("gen", "general", "sym", "symmetric", "her", "hermitian", "pos", "positive definite")
_SCIPY_ONLY = ("diagonal", "tridiagonal", "banded", "lower triangular", "upper triangular")


def _factor(a, lower, mirror, hermitian=False, work=np.float64):
    """``(M, ipiv, info)`` of :func:`~jitla.kernels.ldl.sytf2` on the triangle *lower* of the 2-D *a*.

    With *mirror* the upper-triangle factorisation is obtained as LAPACK's
    ``dsytf2('U')`` would give it: the lower factorisation of ``J A J`` (J
    the reversal), ties in the pivot search broken towards the last index.
    *work* is float64 or complex128; complex *hermitian* runs
    :func:`~jitla.kernels.ldl.hetf2` (``zhetf2``), complex symmetric ``sytf2``
    (``zsytf2``).
    """
    n = a.shape[0]
    ipiv = np.empty(n, dtype=np.int64)
    if lower:
        M = np.array(a.T, dtype=work, order="C", copy=True)
    elif mirror:
        M = np.array(a.T[::-1, ::-1], dtype=work, order="C", copy=True)
    else:
        # the upper triangle read as the lower one of A: A[i, j] = conj(a[j, i]) if Hermitian
        M = np.array(a.conj() if hermitian else a, dtype=work, order="C", copy=True)
    if hermitian and M.dtype.kind == "c":
        info = hetf2(M, ipiv, mirror)
    else:
        info = sytf2(M, ipiv, mirror)
    return M, ipiv, info


def _lapack_layout(a, lower, hermitian=False, work=np.float64):
    """``(ldu, ipiv)`` exactly as LAPACK's ``?sytrf`` / ``zhetrf`` with ``uplo = 'L' / 'U'`` returns them."""
    n = a.shape[0]
    M, ipiv, _ = _factor(a, lower, not lower, hermitian, work)
    if lower:
        return np.tril(M.T), ipiv
    # undo the reversal: the mirrored lower factor is LAPACK's upper one
    ldu = np.triu(M.T[::-1, ::-1])
    up = np.empty(n, dtype=np.int64)
    for k in range(n):
        v = ipiv[k]
        p = abs(v) - 1
        up[n - 1 - k] = np.sign(v) * (n - p)
    return ldu, up


def _pivot_structure(ipiv, lower):
    """``(swap, blocks)`` from LAPACK's ipiv: the interchange at each step and the block sizes.

    ``blocks[k]`` is 2 at the first row of a 2 x 2 block of D (0 at its
    second), 1 for a 1 x 1 block; ``swap[k]`` the row interchanged with
    row k (for a 2 x 2 block, recorded at its second row for ``lower``,
    its first for upper, where LAPACK applies it).
    """
    n = ipiv.size
    swap = np.arange(n)
    blocks = np.zeros(n, dtype=np.int64)
    order = range(n) if lower else range(n - 1, -1, -1)
    step = 1 if lower else -1
    skip = False
    for k in order:
        if skip:
            skip = False
            continue
        v = ipiv[k]
        if v > 0:
            if v != k + 1:
                swap[k] = swap[v - 1]
            blocks[k] = 1
        else:
            if -v != k + 2:
                swap[k + step] = swap[-v - 1]
            blocks[k if lower else k - 1] = 2
            skip = True
    return swap, blocks


def ldl(A, lower=True, hermitian=True, overwrite_a=False, check_finite=True):
    """Bunch-Kaufman ``L D L^T`` (``L D L^H``) of a symmetric (Hermitian) matrix (scipy.linalg.ldl).

    Parameters
    ----------
    A : (N, N) array_like
        Real symmetric, complex Hermitian or complex symmetric; only the
        triangle named by *lower* is read.
    lower : bool
        Use (and return a permuted) lower triangular factor; else upper.
    hermitian : bool
        For complex input: factor A as Hermitian (``zhetrf``, ``A = lu d
        lu^H``, the imaginary parts of the diagonal ignored with scipy's
        ComplexWarning) or, if False, as complex symmetric (``zsytrf``, ``A
        = lu d lu^T``).  No effect on real input.
    overwrite_a, check_finite
        As scipy; the input is never modified.

    Returns
    -------
    lu : (N, N) ndarray
        The outer factor: ``lu[perm]`` is (unit) lower triangular for
        ``lower=True``, upper for ``lower=False``.
    d : (N, N) ndarray
        Block diagonal, 1 x 1 and symmetric (Hermitian) 2 x 2 blocks.
    perm : (N,) ndarray
        Row permutation that makes ``lu`` triangular.

    Raises
    ------
    ValueError
        'The input array "a" should be square.', "array must not contain
        infs or NaNs".

    Notes
    -----
    LAPACK ``dsytrf``'s Bunch-Kaufman pivoting (:func:`jitla.kernels.ldl.sytf2`,
    unblocked), then scipy's unpacking of LAPACK's compact form: the
    interchanges are applied to the columns of L in the order LAPACK
    records them, so ``lu @ d @ lu.T == A`` and ``lu``, ``d``, ``perm``
    equal scipy's (up to rounding; the pivot choices are LAPACK's).  An
    exactly singular D is returned as it is, as scipy does.  Flops n^3/3
    (real), 4n^3/3 real flops (complex).  Complex input is computed in
    complex128 (:func:`~jitla.kernels.ldl.hetf2` or, for ``hermitian=False``,
    :func:`~jitla.kernels.ldl.sytf2`) and returned in its own precision.
    """
    a = np.atleast_2d(np.asarray(A))
    if check_finite and a.dtype.kind in "fc" and not np.isfinite(a).all():
        raise ValueError("array must not contain infs or NaNs")
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError('The input array "a" should be square.')
    dtype = result_float_dtype(a, allow_complex=True)
    n = a.shape[0]
    if n == 0:
        return np.empty_like(a, dtype=dtype), np.empty_like(a, dtype=dtype), np.array([], dtype=int)
    herm = dtype.kind == "c" and bool(hermitian)
    if herm and np.any(np.diag(a).imag):
        warnings.warn(
            "scipy.linalg.ldl():\nThe imaginary parts of the diagonalare ignored. Use "
            '"hermitian=False" for factorization ofcomplex symmetric arrays.',
            np.exceptions.ComplexWarning,
            stacklevel=2,
        )
    work = np.complex128 if dtype.kind == "c" else np.float64
    ldu, ipiv = _lapack_layout(a, lower, herm, work)
    swap, blocks = _pivot_structure(ipiv, lower)
    d = np.diag(np.diag(ldu))
    L = np.tril(ldu, -1) if lower else np.triu(ldu, 1)
    L[np.diag_indices(n)] = 1
    x, y = (1, 0) if lower else (0, 1)
    k = 0
    for size in blocks[blocks != 0]:
        if size == 2:
            d[k + x, k + y] = ldu[k + x, k + y]
            d[k + y, k + x] = ldu[k + x, k + y].conjugate() if herm else ldu[k + x, k + y]
            L[k + x, k + y] = 0.0
        k += size
    perm = np.arange(n)
    order = range(n - 1, -1, -1) if lower else range(n)
    for k in order:
        s = swap[k]
        if s == k:
            continue
        c0, c1 = (k, n) if lower else (0, k + 1)
        if blocks[k] == (0 if lower else 2):
            if lower:
                c0 -= 1
            else:
                c1 += 1
        L[[s, k], c0:c1] = L[[k, s], c0:c1]
        perm[[s, k]] = perm[[k, s]]
    return L.astype(dtype, copy=False), d.astype(dtype, copy=False), np.argsort(perm)


def solve_assumed(a, b, assume_a, lower=False):
    """``x`` with ``a x = b`` for a 2-D symmetric (``"sym"``/``"her"``) or positive definite a.

    The structured paths of :func:`jitla.linalg.solve`:

    * ``"sym"``, ``"her"`` (real: the same): Bunch-Kaufman ``L D L^T``
      (:func:`jitla.kernels.ldl.sytf2`) and its solve
      (:func:`~jitla.kernels.ldl.sytrs`), LAPACK ``dsysv``; n^3/3 flops,
      half of LU's, stable for indefinite matrices.  Complex a as scipy:
      ``"sym"`` is complex *symmetric* (``zsysv``, no conjugation),
      ``"her"`` Hermitian (``zhesv``: :func:`~jitla.kernels.ldl.hetf2`,
      :func:`~jitla.kernels.ldl.hetrs`); computed in complex128.
    * ``"pos"``: Cholesky (:func:`jitla.linalg.cho_factor` /
      :func:`~jitla.linalg.cho_solve`), LAPACK ``dposv`` (``zposv``:
      Hermitian positive definite).

    Only the triangle named by *lower* is read (scipy's default: upper).
    b is (n,) or (n, k).  Raises LinAlgError with scipy's message "A
    singular matrix detected: slice(s) [0] are singular." when D has a
    zero block or a is not positive definite.
    """
    from jitla.linalg._cholesky import cho_factor, cho_solve

    if assume_a in _SCIPY_ONLY:
        raise NotImplementedError(f"jitla.linalg.solve does not implement assume_a={assume_a!r}; use scipy")
    if assume_a not in ASSUME_A:
        raise ValueError(f"{assume_a} is not a recognized matrix structure")
    A = np.asarray(a)
    B = np.asarray(b)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError("Input a needs to be a square matrix.")
    n = A.shape[0]
    if B.ndim not in (1, 2) or B.shape[0] != n:
        raise ValueError("Input b has to have same number of rows as input a")
    dtype = result_float_dtype(A, B, allow_complex=True)
    if A.size == 0 or B.size == 0:
        return np.empty(B.shape, dtype=dtype)
    if not (np.isfinite(A).all() and np.isfinite(B).all()):
        raise ValueError("array must not contain infs or NaNs")
    work = np.complex128 if dtype.kind == "c" else np.float64
    X = np.array(B.reshape(n, -1), dtype=work, order="C", copy=True)
    if assume_a in ("pos", "positive definite"):
        try:
            factor = cho_factor(A, lower=lower)
        except LinAlgError:
            raise LinAlgError("A singular matrix detected: slice(s) [0] are singular.") from None
        X = cho_solve(factor, X)
    else:
        herm = assume_a in ("her", "hermitian") and A.dtype.kind == "c"
        M, ipiv, info = _factor(A, lower, False, herm, work)
        if info != 0:
            raise LinAlgError("A singular matrix detected: slice(s) [0] are singular.")
        (hetrs if herm else sytrs)(M, ipiv, X)
    return X.reshape(B.shape).astype(dtype, copy=False)
