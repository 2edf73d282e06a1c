"""Matrix functions with scipy.linalg's names: ``expm``, ``logm``, ``sqrtm``, ``funm``."""

from __future__ import annotations

import warnings

import numpy as np

from jitla._validate import LinAlgError, result_float_dtype
from jitla.kernels.matfun import (
    abs_power_norm1,
    logm_fix_diagonals,
    logm_triu_pade,
    parlett,
    power_norm1_est,
    root_minus_one,
    sqrtm_triu,
    triu_norm1_minus_identity,
)
from jitla.kernels.schur import rsf2csf as _rsf2csf_kernel
from jitla.linalg._lu import _linalg_warning, solve
from jitla.linalg._matmul import matmul
from jitla.linalg._schur import complex_input_schur, real_schur

__all__ = ["expm", "logm", "sqrtm", "funm"]

_EPS = np.finfo(np.float64).eps


# --------------------------------------------------------------------------
# expm: scaling and squaring with Padé approximants (Al-Mohy & Higham 2009)
# --------------------------------------------------------------------------
#: Padé coefficients b_0..b_m of the [m/m] approximant of exp (Higham 2005, Table 2.3)
_PADE = {
    3: (120.0, 60.0, 12.0, 1.0),
    5: (30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0),
    7: (17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0),
    9: (
        17643225600.0,
        8821612800.0,
        2075673600.0,
        302702400.0,
        30270240.0,
        2162160.0,
        110880.0,
        3960.0,
        90.0,
        1.0,
    ),
    13: (
        64764752532480000.0,
        32382376266240000.0,
        7771770303897600.0,
        1187353796428800.0,
        129060195264000.0,
        10559470521600.0,
        670442572800.0,
        33522128640.0,
        1323241920.0,
        40840800.0,
        960960.0,
        16380.0,
        182.0,
        1.0,
    ),
}
#: theta_m: the largest ||A|| for which r_m has backward error <= 2^-53 (Al-Mohy & Higham 2009, Table 3.1)
_THETA = {
    3: 1.495585217958292e-002,
    5: 2.539398330063230e-001,
    7: 9.504178996162932e-001,
    9: 2.097847961257068e000,
    13: 4.25,
}
#: 1 / |c_{2m+1}|, the leading coefficient of the backward-error series (Al-Mohy & Higham 2009, Sec. 4)
_C_RECIP = {
    3: 100800.0,
    5: 10059033600.0,
    7: 4487938430976000.0,
    9: 5914384781877411840000.0,
    13: 113250775606021113483283660800000000.0,
}


def _norm1(X):
    return float(np.abs(X).sum(axis=0).max()) if X.size else 0.0


def _ell(A, m, A_norm1):
    """Al-Mohy & Higham 2009, Alg. 5.1's ell(A, m): extra squarings needed so that rounding does not dominate.

    ``ell = max(ceil(log2(alpha / u) / (2m)), 0)``, ``alpha = |c_{2m+1}|
    || |A|^{2m+1} ||_1 / ||A||_1``, the norm computed exactly by
    :func:`~jitla.kernels.matfun.abs_power_norm1`.
    """
    if A_norm1 == 0:
        return 0
    p = abs_power_norm1(A, 2 * m + 1)
    if p == 0:
        return 0
    alpha = p / (A_norm1 * _C_RECIP[m])
    return max(int(np.ceil(np.log2(alpha / 2.0**-53) / (2 * m))), 0)


def _pade_uv(A, powers, m):
    """``(U, V)`` of the [m/m] Padé approximant ``(V - U)^{-1} (V + U)``; powers[k] = A^k."""
    b = _PADE[m]
    n = A.shape[0]
    eye = np.eye(n)
    if m == 13:
        A2, A4, A6 = powers[2], powers[4], powers[6]
        inner = matmul(A6, b[13] * A6 + b[11] * A4 + b[9] * A2)
        U = matmul(A, inner + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * eye)
        V = matmul(A6, b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * eye
        return U, V
    if m == 9:
        powers[8] = matmul(powers[4], powers[4])
    odd = b[1] * eye
    even = b[0] * eye
    for k in range(2, m + 1, 2):
        odd = odd + b[k + 1] * powers[k]
        even = even + b[k] * powers[k]
    return matmul(A, odd), even


def _scale2(X, e):
    """``X * 2**e`` exactly (``ldexp`` has no complex loop)."""
    return np.ldexp(X, e) if X.dtype.kind == "f" else X * 2.0**e


def _power_norm1(powers, k, p):
    """``||(A^k)^p||_1``: Higham's estimate for real A, the exact norm (one more product) for complex A."""
    if powers[k].dtype.kind == "f":
        return power_norm1_est(powers[k], p)
    return _norm1(matmul(powers[k * p - 4], powers[4]) if k * p > 4 else powers[4])


def _expm_2d(A):
    """``exp(A)`` of one float64 or complex128 square matrix (Al-Mohy & Higham 2009, Alg. 5.1)."""
    n = A.shape[0]
    if n == 1:
        return np.exp(A)
    if not np.any(A):
        return np.eye(n)
    A_norm1 = _norm1(A)
    powers = {2: matmul(A, A)}
    powers[4] = matmul(powers[2], powers[2])
    d4 = _norm1(powers[4]) ** 0.25
    powers[6] = matmul(powers[4], powers[2])
    d6 = _norm1(powers[6]) ** (1 / 6)
    eta1 = max(d4, d6)
    m = None
    if eta1 <= _THETA[3] and _ell(A, 3, A_norm1) == 0:
        m = 3
    elif eta1 <= _THETA[5] and _ell(A, 5, A_norm1) == 0:
        m = 5
    s = 0
    if m is None:
        d8 = _power_norm1(powers, 4, 2) ** (1 / 8)
        eta3 = max(d6, d8)
        if eta3 <= _THETA[7] and _ell(A, 7, A_norm1) == 0:
            m = 7
        elif eta3 <= _THETA[9] and _ell(A, 9, A_norm1) == 0:
            m = 9
        else:
            d10 = _power_norm1(powers, 2, 5) ** (1 / 10)
            eta5 = min(eta3, max(d8, d10))
            s = max(int(np.ceil(np.log2(eta5 / _THETA[13]))), 0) if eta5 > 0 else 0
            s += _ell(_scale2(A, -s), 13, A_norm1 * 2.0**-s)
            m = 13
    if s:
        A = _scale2(A, -s)
        for k in (2, 4, 6):
            powers[k] = _scale2(powers[k], -k * s)
    U, V = _pade_uv(A, powers, m)
    X = solve(V - U, V + U)
    for _ in range(s):
        X = matmul(X, X)
    return X


def expm(A):
    """Matrix exponential by scaling and squaring (scipy.linalg.expm).

    Parameters
    ----------
    A : (..., M, M) array_like
        Real or complex matrix or stack.  For complex input the two norm
        estimates of ``||A^8||_1`` and ``||A^10||_1`` are computed exactly
        (two more products; Higham's estimator here is real-only).

    Returns
    -------
    eA : (..., M, M) ndarray
        float64 (float32 for float32 input).

    Raises
    ------
    LinAlgError
        "The input array must be at least two-dimensional" (scipy's message
        for 1-D input with more than one element),
        "Last 2 dimensions of the array must be square".

    Notes
    -----
    Al-Mohy & Higham, "A new scaling and squaring algorithm for the matrix
    exponential", SIAM J. Matrix Anal. Appl. 31 (2009) 970-989, Alg. 5.1:
    the degree m in {3, 5, 7, 9, 13} and the scaling ``2^-s`` are chosen
    from ``d_k = ||A^k||_1^{1/k}`` (``d_4``, ``d_6`` exact from the
    powers already formed, ``d_8``, ``d_10`` estimated with
    :func:`~jitla.kernels.matfun.power_norm1_est`), plus the correction
    ``ell`` that prevents over-scaling; then ``r_m = (V - U)^{-1} (V + U)``
    and s squarings.  GEMMs and the solve are jitla's kernels
    (:func:`jitla.linalg.matmul`, :func:`jitla.linalg.solve`).  Cost at
    most 6 + s GEMMs and one LU solve: about ``(2 (6 + s) + 8/3) n^3`` flops.
    As scipy, a 1 x 1 / scalar input gives the scalar exponential, and an
    all-zero matrix the identity.
    """
    a = np.asarray(A)
    if a.size == 1 and a.ndim < 2:
        return np.array([[np.exp(a.item())]])
    if a.ndim < 2:
        raise LinAlgError("The input array must be at least two-dimensional")
    if a.shape[-1] != a.shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    dtype = result_float_dtype(a, allow_complex=True)
    n = a.shape[-1]
    if a.size == 0:
        return np.empty(a.shape, dtype=dtype)
    flat = np.asarray(a, dtype=np.complex128 if dtype.kind == "c" else np.float64).reshape((-1, n, n))
    out = np.empty(flat.shape, dtype=dtype)
    for i in range(flat.shape[0]):
        out[i] = _expm_2d(np.ascontiguousarray(flat[i]))
    return out.reshape(a.shape)


# --------------------------------------------------------------------------
# Schur-based functions: sqrtm, logm, funm
# --------------------------------------------------------------------------
def _square_input(A, name):
    return np.asarray(A)


def _complex_schur(a):
    """``(T, Zt)``: the complex Schur form of the 2-D *a*, ``a = Z T Z^H`` with ``Z = Zt^T``.

    Real *a*: the real Schur form then :func:`rsf2csf`; complex *a*: the
    complex Hessenberg-QR kernels.
    """
    if a.dtype.kind == "c":
        return complex_input_schur(a)
    T, Zt, _, _ = real_schur(a)
    Tc = T.astype(np.complex128)
    Ztc = Zt.astype(np.complex128)
    _rsf2csf_kernel(Tc, Ztc)
    return Tc, Ztc


def _back(Zt, F):
    """``Z F Z^H`` with ``Z = Zt^T``: two complex products."""
    Z = Zt.T
    return (Z @ F) @ Z.conj().T


def _maybe_real(B, tol=None):
    """scipy's ``_maybe_real`` for a real input: drop an imaginary part that is rounding."""
    if tol is None:
        tol = _EPS * 1e6 if B.dtype == np.complex128 else np.finfo(np.float32).eps * 1e3
    if np.allclose(B.imag, 0.0, atol=tol):
        return B.real.copy()
    return B


def sqrtm(A, disp=True, blocksize=64):
    """Principal matrix square root by the Schur method (scipy.linalg.sqrtm).

    Parameters
    ----------
    A : (M, M) array_like
        Real or complex matrix (a complex one through the complex Schur form).
    disp, blocksize
        Accepted as scipy's (both deprecated there) and ignored.

    Returns
    -------
    sqrtm : (M, M) ndarray
        Real when A is real with no eigenvalue on the closed negative real
        axis other than rounding, else complex (as scipy).

    Warns
    -----
    LinAlgWarning
        "Matrix is singular. The result might be inaccurate or the array
        might not have a square root." when T has a zero on its diagonal.

    Notes
    -----
    Higham, *Functions of Matrices* (2008), Alg. 6.3: the complex Schur
    form ``A = Z T Z^H`` (real Schur form + :func:`rsf2csf`), the square
    root R of T by Björck & Hammarling's recurrence
    (:func:`jitla.kernels.matfun.sqrtm_triu`), and ``Z R Z^H``.  Unlike
    scipy (Higham's real quasi-triangular variant), the triangular stage
    runs in complex arithmetic and the imaginary rounding is dropped.
    Flops about 25 n^3 (Schur) + n^3/3 complex + 2 complex products.
    """
    a = _square_input(A, "sqrtm")
    if a.size == 1 and a.ndim < 2:
        # scipy 1.17 returns [[exp(a)]] here (copied from expm); the square root is meant
        return np.emath.sqrt(np.array([[a.item()]], dtype=result_float_dtype(a)))
    if a.ndim < 2:
        raise LinAlgError("The input array must be at least two-dimensional")
    if a.shape[-1] != a.shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    if a.ndim > 2:
        return np.stack([sqrtm(x) for x in a.reshape((-1,) + a.shape[-2:])]).reshape(a.shape)
    dtype = result_float_dtype(a, allow_complex=True)
    n = a.shape[0]
    if n == 0:
        return np.empty((0, 0), dtype=dtype)
    if n == 1:
        return np.emath.sqrt(a.astype(dtype))
    if not np.isfinite(a).all():
        raise ValueError("array must not contain infs or NaNs")
    T, Zt = _complex_schur(a)
    R = np.empty_like(T)
    sqrtm_triu(T, R)
    if np.any(np.diagonal(R) == 0):
        warnings.warn(
            "Matrix is singular. The result might be inaccurate or the array might not have a square root.",
            _linalg_warning(),
            stacklevel=2,
        )
    X = _back(Zt, R)
    diag = np.diagonal(T)
    negative = np.any((diag.real < 0) & (np.abs(diag.imag) <= _EPS * np.abs(diag.real)))
    if not negative and dtype.kind == "f":
        X = X.real.copy()
    ctype = np.result_type(dtype, np.complex64)
    return X.astype(dtype if X.dtype.kind == "f" else ctype, copy=False)


#: theta_m for the Padé approximant of log(I + X) (Al-Mohy & Higham 2012, Table 2.1)
_LOG_THETA = (None, 1.59e-5, 2.31e-3, 1.94e-2, 6.21e-2, 1.28e-1, 2.06e-1, 2.88e-1)


def _logm_triu(T):
    """``log(T)`` of a complex upper triangular T by inverse scaling and squaring.

    Al-Mohy & Higham 2012, Alg. 4.1 simplified to exact norms (T is
    triangular, so ``||T - I||_1`` costs n^2/2): take square roots until
    ``||T^(1/2^s) - I||_1 <= theta_7``, then one more while it lowers the
    Padé degree by more than one (Higham 2008, Alg. 11.10); the diagonal of
    ``R = T^(1/2^s) - I`` is recomputed without cancellation
    (:func:`~jitla.kernels.matfun.root_minus_one`); Padé by partial
    fractions at m Gauss-Legendre nodes; ``2^s``; the diagonal and first
    superdiagonal set exactly (:func:`~jitla.kernels.matfun.logm_fix_diagonals`).
    """
    n = T.shape[0]
    Ts = T.copy()
    s = 0
    work = np.empty_like(T)
    # roots of the diagonal first: cheap, and the full roots need not be formed until close to I
    p = 0
    m = 7
    while True:
        tau = triu_norm1_minus_identity(Ts)
        if tau <= _LOG_THETA[7]:
            p += 1
            j1 = next(i for i in range(1, 8) if tau <= _LOG_THETA[i])
            j2 = next((i for i in range(1, 8) if tau / 2 <= _LOG_THETA[i]), 7)
            if j1 - j2 <= 1 or p == 2:
                m = j1
                break
        if s > 60:
            break
        sqrtm_triu(Ts, work)
        Ts, work = work, Ts
        s += 1
    R = Ts - np.eye(n)
    d = np.diagonal(T)
    for i in range(n):
        R[i, i] = root_minus_one(complex(d[i]), s)
    nodes, weights = np.polynomial.legendre.leggauss(m)
    U = np.empty_like(T)
    logm_triu_pade(R, 0.5 + 0.5 * nodes, 0.5 * weights, U)
    logm_fix_diagonals(T, U, float(2.0**s))
    return U


def logm(A, disp=True):
    """Principal matrix logarithm by inverse scaling and squaring (scipy.linalg.logm).

    Parameters
    ----------
    A : (M, M) array_like
        Real or complex matrix (a complex one through the complex Schur form).
    disp : bool
        As scipy: warn when the estimated error ``||exp(F) - A||_1 /
        ||A||_1`` is at least ``1000 eps``; with ``disp=False`` return
        ``(F, errest)``.

    Returns
    -------
    logm : (M, M) ndarray
        float64 when A is real and the imaginary part is rounding (scipy's
        ``_maybe_real``), else complex128 (float32 input too, as scipy).
    errest : float
        Only with ``disp=False``.

    Warns
    -----
    RuntimeWarning
        "The logm input matrix is exactly singular." (a zero eigenvalue is
        replaced by 1e-20, as scipy) and "logm result may be inaccurate,
        approximate err = ...".

    Notes
    -----
    Al-Mohy & Higham, "Improved inverse scaling and squaring algorithms for
    the matrix logarithm", SIAM J. Sci. Comput. 34 (2012) C153-C169, on
    the complex Schur form (real Schur + :func:`rsf2csf`): repeated
    triangular square roots (:func:`~jitla.kernels.matfun.sqrtm_triu`),
    a Padé approximant of degree <= 7 in partial fractions
    (:func:`~jitla.kernels.matfun.logm_triu_pade`), exact diagonal and
    superdiagonal; ``Z U Z^H``.  Flops 25 n^3 (Schur) + (s + m) n^3/3
    complex.
    """
    a = _square_input(A, "logm")
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError("expected a square matrix")
    dtype = result_float_dtype(a, allow_complex=True)
    n = a.shape[0]
    if not np.isfinite(a).all():
        raise ValueError("array must not contain infs or NaNs")
    if n == 0:
        F = np.empty((0, 0), dtype=dtype)
        return F if disp else (F, 0.0)
    T, Zt = _complex_schur(a)
    d = np.diagonal(T)
    if np.any(d == 0):
        warnings.warn("The logm input matrix is exactly singular.", RuntimeWarning, stacklevel=2)
        T[np.diag_indices(n)] = np.where(d == 0, 1e-20, d)
    elif np.any(np.abs(d) < 1e-20):
        warnings.warn("The logm input matrix may be nearly singular.", RuntimeWarning, stacklevel=2)
    U = _logm_triu(T)
    F = _back(Zt, U) if dtype.kind == "c" else _maybe_real(_back(Zt, U))
    with np.errstate(divide="ignore", invalid="ignore"):
        errest = _logm_error_complex(F, a) if np.iscomplexobj(F) else _norm1(expm(F) - a) / _norm1(a)
    if disp:
        if not np.isfinite(errest) or errest >= 1000 * _EPS:
            message = f"logm result may be inaccurate, approximate err = {errest}"
            warnings.warn(message, RuntimeWarning, stacklevel=2)
        return F
    return F, errest


def _logm_error_complex(F, a):
    """``||exp(F) - A||_1 / ||A||_1`` for a complex F, via the real 2n x 2n embedding.

    ``exp([[X, -Y], [Y, X]]) = [[Re e^F, -Im e^F], [Im e^F, Re e^F]]`` for
    ``F = X + iY``, so the real :func:`expm` gives ``e^F`` without complex
    kernels.
    """
    n = F.shape[0]
    X = F.real
    Y = F.imag
    E = expm(np.block([[X, -Y], [Y, X]]))
    eF = E[:n, :n] + 1j * E[n:, :n]
    return _norm1(eF - a) / _norm1(a)


def funm(A, func, disp=True):
    """Matrix function ``func(A)`` by the Schur-Parlett method (scipy.linalg.funm).

    Parameters
    ----------
    A : (N, N) array_like
        Real or complex matrix (a complex one through the complex Schur form).
    func : callable
        Evaluated elementwise on a 1-D complex array of eigenvalues (vectorised).
    disp : bool
        When the error estimate exceeds ``1000 eps``: scipy prints a note,
        jitla warns (RuntimeWarning, same text); with ``disp=False`` return
        ``(F, errest)``.

    Returns
    -------
    funm : (N, N) ndarray
    errest : float
        Only with ``disp=False``: scipy's ``min(1, max(eps, eps / minden
        ||triu(T, 1)||_1))``, minden the smallest eigenvalue gap.

    Notes
    -----
    The complex Schur form (real Schur + :func:`rsf2csf`), ``f(t_ii)`` on
    the diagonal, Parlett's recurrence for the rest
    (:func:`jitla.kernels.matfun.parlett`; Golub & Van Loan, 4th ed.,
    Alg. 9.1.1), ``Z F Z^H``.  As in scipy, close or repeated eigenvalues
    make the result inaccurate (Parlett's recurrence divides by their
    gaps; the blocked Schur-Parlett of Davies & Higham 2003 is the remedy).
    Flops 25 n^3 + 2n^3/3 complex.
    """
    a = _square_input(A, "funm")
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError("expected square array_like input")
    if not np.isfinite(a).all():
        raise ValueError("array must not contain infs or NaNs")
    n = a.shape[0]
    dtype = result_float_dtype(a, allow_complex=True)
    if n == 0:
        F = np.empty((0, 0), dtype=dtype)
        return F if disp else (F, 0.0)
    T, Zt = _complex_schur(a)
    F = np.zeros_like(T)
    F[np.diag_indices(n)] = func(np.diagonal(T).copy())
    minden = parlett(T, F)
    F = _back(Zt, F) if dtype.kind == "c" else _maybe_real(_back(Zt, F))
    if dtype in (np.float32, np.complex64):  # scipy keeps single precision here
        F = F.astype(np.float32 if F.dtype.kind == "f" else np.complex64)
    tol = _EPS
    if minden == 0.0:
        minden = tol
    err = min(1.0, max(tol, (tol / minden) * _norm1(np.triu(T, 1))))
    if not np.isfinite(F).all():
        err = np.inf
    if disp:
        if err > 1000 * tol:
            # scipy prints this line; a library warns instead
            message = f"funm result may be inaccurate, approximate err = {err}"
            warnings.warn(message, RuntimeWarning, stacklevel=2)
        return F
    return F, err
