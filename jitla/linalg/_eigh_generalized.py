"""Generalized symmetric-definite eigenproblems: ``eigh(a, b)`` as scipy.linalg.eigh."""

from __future__ import annotations

import numpy as np

from jitla._validate import LinAlgError, result_float_dtype
from jitla.kernels import get_kernel
from jitla.linalg._matmul import matmul

__all__ = ["eigh_generalized"]


def _standard_eigh(C):
    """``(w, V)`` of the symmetric C by the kernel :func:`jitla.linalg.eigh` runs ("ql").

    Called directly rather than through ``eigh``, whose module dispatches
    ``eigh(a, b)`` to this one (no import cycle).
    """
    n = C.shape[0]
    S = np.array(C, dtype=np.float64, order="C", copy=True)
    w = np.empty(n)
    Vt = np.empty((n, n))
    if get_kernel("eigh", "ql").func(S, w, Vt) != 0:
        raise LinAlgError("Eigenvalues did not converge")
    return w, Vt.T


def _generalized_eigh(a, b, lower, eigvals_only, type):
    """Eigen-decomposition of the symmetric-definite pencil (a, b) by Cholesky reduction.

    ``b = L L^T``; type 1 (``a x = lam b x``): ``C = L^{-1} a L^{-T}``,
    ``x = L^{-T} y``; type 2 (``a b x = lam x``) and 3 (``b a x = lam x``):
    ``C = L^T a L``, ``x = L^{-T} y`` (2) or ``L y`` (3) -- LAPACK
    ``dsygst`` + ``dsyev`` + back-transformation as ``dsygv`` (Golub & Van
    Loan, 4th ed., Sec. 8.7.2).  Eigenvectors are normalised as LAPACK's:
    ``x^T b x = 1`` (types 1, 2), ``x^T b^{-1} x = 1`` (type 3).
    """
    from jitla.linalg._cholesky import _factor_upper, _upper_work
    from jitla.linalg._triangular import solve_triangular

    W = _upper_work(b, np.float64, lower)
    info = int(_factor_upper(W))
    if info:
        raise LinAlgError(
            f"The leading minor of order {info} of B is not positive definite. The factorization of B "
            "could not be completed and no eigenvalues or eigenvectors were computed."
        )
    L = np.triu(W).T  # b = L L^T
    S = np.tril(a) if lower else np.triu(a).T
    S = S + np.tril(S, -1).T  # the symmetric matrix from the chosen triangle
    if type == 1:
        C = solve_triangular(L, S, lower=True)  # L^{-1} S
        C = solve_triangular(L, C.T, lower=True)  # L^{-1} (L^{-1} S)^T = L^{-1} S L^{-T}
    else:
        C = matmul(L.T, matmul(S, L))
    C = 0.5 * (C + C.T)
    w, Y = _standard_eigh(C)
    if eigvals_only:
        return w, None
    if type == 3:
        X = matmul(L, Y)
    else:
        X = solve_triangular(L, Y, trans=1, lower=True)
    return w, X


def _zproduct(A, B):
    """``A @ B`` for complex128 matrices as two real GEMMs on interleaved views.

    ``B`` viewed as a real (k, 2n) array holds its real and imaginary parts
    in alternate columns, and so does ``i B``; ``A_r B + A_i (i B)`` is then
    ``A B``, the real view of the result, each product one call of jitla's
    real GEMM (the 4 real multiplications of the textbook formula, at the
    real kernel's speed; the complex GEMM at these orders is several times
    slower).
    """
    B = np.ascontiguousarray(B)
    iB = B * 1j
    C = matmul(np.ascontiguousarray(A.real), B.view(np.float64))
    C += matmul(np.ascontiguousarray(A.imag), iB.view(np.float64))
    return C.view(np.complex128)


def _solve_upper_triangle(Lc, Z, nb=32):
    """The upper triangle (diagonal included) of ``L^{-1} Z``, into Z's upper triangle.

    Column c of ``L^{-1} Z`` above and on the diagonal needs only rows
    ``0..c`` of forward substitution, so each block of *nb* columns is
    solved with the leading ``c1 x c1`` triangle of L alone (``ztrsm`` on a
    C-order copy of the block's first c1 rows; the kernel reads ``Lc`` only
    up to B's row count): ``sum_b (b nb)^2 nb / 2`` multiply-adds, 0.40 of a
    full solve at n = 256, nb = 32 (a third as nb / n -> 0).  What this
    leaves below the blocks' rows is Z's, and is not read by the caller.
    """
    from jitla.linalg._triangular import complex_triangular_solve

    n = Z.shape[0]
    for c0 in range(0, n, nb):
        c1 = min(n, c0 + nb)
        B = np.ascontiguousarray(Z[:c1, c0:c1])
        complex_triangular_solve(Lc, B, True, 0, False, unchecked=True)
        Z[:c1, c0:c1] = B


def _congruence_upper_triangle(S, L, nb=64):
    """The upper triangle (diagonal included) of ``L^H S L`` for Hermitian S and lower triangular L.

    ``M = S L`` by column blocks, ``M[:, c0:c1] = S[:, c0:] L[c0:, c0:c1]``
    (L's zeros skipped: half a full product), then, as ``L^H S = M^H``,
    ``C[:c1, c0:c1] = M^H[:c1, c0:] L[c0:, c0:c1]`` for the blocks on and
    above the diagonal (a sixth of one): LAPACK ``zhegst``'s saving for
    types 2 and 3 (2/3 of the ``2 n^3`` complex multiply-adds of two
    products) with :func:`_zproduct` for every block.  The strict lower
    triangle of the result is zero.
    """
    n = S.shape[0]
    M = np.empty_like(S)
    for c0 in range(0, n, nb):
        c1 = min(n, c0 + nb)
        M[:, c0:c1] = _zproduct(S[:, c0:], L[c0:, c0:c1])
    Mh = M.conj().T
    C = np.zeros_like(S)
    for c0 in range(0, n, nb):
        c1 = min(n, c0 + nb)
        C[:c1, c0:c1] = _zproduct(Mh[:c1, c0:], L[c0:, c0:c1])
    return np.triu(C)


def _lower_times(L, Y, nb=64):
    """``L @ Y`` for lower triangular complex L, by blocks of rows that skip L's zeros.

    ``X[r0:r1] = L[r0:r1, :r1] Y[:r1]``: half of a full product, each block
    two real GEMMs as in :func:`_zproduct`, on the real and imaginary parts
    of L (copied once) and the interleaved views of Y and ``i Y`` (the
    leading rows of a C-order array, so no copies per block).
    """
    n = Y.shape[0]
    Y = np.ascontiguousarray(Y)
    Yf = Y.view(np.float64)
    iYf = (Y * 1j).view(np.float64)
    Lr = np.ascontiguousarray(L.real)
    Li = np.ascontiguousarray(L.imag)
    X = np.empty_like(Y)
    Xf = X.view(np.float64)
    for r0 in range(0, n, nb):
        r1 = min(n, r0 + nb)
        Xf[r0:r1] = matmul(Lr[r0:r1, :r1], Yf[:r1])
        Xf[r0:r1] += matmul(Li[r0:r1, :r1], iYf[:r1])
    return X


def _generalized_eigh_complex(a, b, lower, eigvals_only, type):
    """:func:`_generalized_eigh` for the Hermitian-definite pencil (a, b), complex128.

    ``b = L L^H`` (complex Cholesky, ``zpotrf``), then ``C = L^{-1} a
    L^{-H}`` (type 1) or ``L^H a L`` (types 2, 3), the Hermitian eigensolver
    of :func:`jitla.linalg.eigh` and ``x = L^{-H} y`` / ``L y``: LAPACK
    ``zhegv`` (``zhegst`` + ``zheevd``).  As ``zhegst``, only the upper
    triangle of C is formed (:func:`_solve_upper_triangle`,
    :func:`_congruence_upper_triangle`); complex products are real GEMMs
    on interleaved views (:func:`_zproduct`, :func:`_lower_times`).
    Eigenvectors are B-orthonormal,
    ``x^H b x = 1`` (types 1, 2), ``x^H b^{-1} x = 1`` (type 3).
    """
    from jitla.linalg import _complex
    from jitla.linalg._cholesky import _zfactor_upper
    from jitla.linalg._triangular import complex_triangular_solve

    W, info = _zfactor_upper(b, np.complex128, lower)
    if info:
        raise LinAlgError(
            f"The leading minor of order {info} of B is not positive definite. The factorization of B "
            "could not be completed and no eigenvalues or eigenvectors were computed."
        )
    # upper: b = U^H U, L = U^H; lower: U factors conj(b) (see _zfactor_upper), b = U^T conj(U), L = U^T.
    # One C-order copy of L; the solves below work in place on fresh C-order arrays (ztrsm reads
    # L's lower triangle only, its diagonal is positive: no check), where solve_triangular would
    # copy L and the right-hand side for each of them
    L = np.triu(W).T if lower else np.triu(W).conj().T
    Lc = np.ascontiguousarray(L)
    S = _complex._hermitian_from_triangle(np.asarray(a, dtype=np.complex128), "L" if lower else "U")
    if type == 1:
        complex_triangular_solve(Lc, S, True, 0, False, unchecked=True)  # S <- L^{-1} S
        C = np.empty_like(S)
        np.conjugate(S.T, out=C)
        # L^{-1} (L^{-1} S)^H = L^{-1} S L^{-H}: its upper triangle only, all the solver reads
        _solve_upper_triangle(Lc, C)
        C = np.triu(C)  # the rest zero, so that the solver's max |c_ij| is the triangle's
    else:
        C = _congruence_upper_triangle(S, L)
    # the Hermitian solver reads C's upper triangle and the real part of its diagonal only, as
    # LAPACK zhegst leaves one triangle of C for zheevd
    w, Y = _complex._eigh_2d(C, not eigvals_only)
    if eigvals_only:
        return w, None
    if type == 3:
        return w, _lower_times(L, Y)
    X = np.empty_like(Y, order="C")
    np.copyto(X, Y)
    complex_triangular_solve(Lc, X, True, 2, False, unchecked=True)  # L^{-H} Y
    return w, X


def eigh_generalized(a, b, lower=True, eigvals_only=False, type=1, check_finite=True):
    """Solve the symmetric-definite problem of *type* for the pencil (a, b) (scipy.linalg.eigh(a, b)).

    Parameters
    ----------
    a : (M, M) array_like
        Real symmetric or complex Hermitian; only the triangle named by
        *lower* is read.
    b : (M, M) array_like
        Real symmetric or complex Hermitian positive definite; same
        triangle.
    lower : bool
    eigvals_only : bool
    type : {1, 2, 3}
        1: ``a x = w b x``; 2: ``a b x = w x``; 3: ``b a x = w x``.
    check_finite : bool

    Returns
    -------
    w : (M,) ndarray
        Eigenvalues, ascending.
    v : (M, M) ndarray
        Only without *eigvals_only*: eigenvectors as columns, ``v^H b v =
        I`` (types 1, 2) or ``v^H b^{-1} v = I`` (type 3); complex (w real)
        when a or b is complex, as scipy.

    Raises
    ------
    ValueError
        scipy's messages: 'expected square "a" matrix', 'expected square "b"
        matrix', "wrong b dimensions ..., should be ...", '"type" keyword
        only accepts 1, 2, and 3.', "array must not contain infs or NaNs".
    LinAlgError
        "The leading minor of order k of B is not positive definite. ..."
        (scipy's message).

    Notes
    -----
    Cholesky reduction to a standard problem (Golub & Van Loan, 4th ed.,
    Sec. 8.7.2; LAPACK ``dsygv``): jitla's Cholesky, triangular solves
    (type 1) or GEMMs (types 2, 3), :func:`jitla.linalg.eigh`, and the
    back-transformation.  Accurate when b is well conditioned; for an
    ill-conditioned b the eigenvalues of large modulus lose accuracy as
    LAPACK's do.  Flops about ``n^3/3 + 2n^3 + eigh + n^3``.  Complex
    input is reduced the same way with conjugate transposes (``zhegv``) in
    complex128 and returned in its own precision.
    """
    if type not in (1, 2, 3):
        raise ValueError('"type" keyword only accepts 1, 2, and 3.')
    a = np.asarray(a)
    b = np.asarray(b)
    for X in (a, b):
        if check_finite and X.dtype.kind in "fc" and not np.isfinite(X).all():
            raise ValueError("array must not contain infs or NaNs")
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError('expected square "a" matrix')
    if b.ndim != 2 or b.shape[0] != b.shape[1]:
        raise ValueError('expected square "b" matrix')
    if b.shape != a.shape:
        raise ValueError(f"wrong b dimensions {b.shape}, should be {a.shape}")
    dtype = result_float_dtype(a, b, allow_complex=True)
    real = np.finfo(dtype).dtype
    n = a.shape[0]
    if n == 0:
        w = np.empty(0, dtype=real)
        return w if eigvals_only else (w, np.empty((0, 0), dtype=dtype))
    if dtype.kind == "c":
        w, v = _generalized_eigh_complex(a, b, lower, eigvals_only, type)
        w = w.astype(real, copy=False)
        return w if eigvals_only else (w, v.astype(dtype, copy=False))
    A = np.asarray(a, dtype=np.float64)
    w, v = _generalized_eigh(A, np.asarray(b, dtype=np.float64), lower, eigvals_only, type)
    w = w.astype(dtype, copy=False)
    return w if eigvals_only else (w, v.astype(dtype, copy=False))
