"""Matrix functions on the triangular Schur factor: square root, logarithm, Schur-Parlett.

Every function here works on a complex upper triangular ``T`` (the complex
Schur form ``A = Z T Z^H``, from :func:`jitla.kernels.schur.rsf2csf` for a
real A); the API multiplies the result back by Z.

1. :func:`sqrtm_triu` -- the principal square root of T, Björck &
   Hammarling's recurrence (Higham, *Functions of Matrices*, 2008,
   Alg. 6.3), by rows so that the inner loop is a contiguous axpy.
2. :func:`logm_triu_pade` -- the partial-fraction Padé approximant of
   ``log(I + R)`` for an upper triangular R (Higham 2008, eq. 11.18, with
   Gauss-Legendre nodes), one triangular solve per node;
   :func:`logm_fix_diagonals` then recomputes the diagonal and the first
   superdiagonal exactly (Higham 2008, eq. 11.28), as in Al-Mohy & Higham,
   "Improved inverse scaling and squaring algorithms for the matrix
   logarithm", SIAM J. Sci. Comput. 34 (2012) C153-C169.
3. :func:`root_minus_one` -- ``a^(1/2^s) - 1`` without cancellation (Al-Mohy
   & Higham 2012, Alg. 2).
4. :func:`parlett` -- Parlett's recurrence for ``F = f(T)`` given
   ``f(t_ii)`` on the diagonal (Golub & Van Loan, 4th ed., Alg. 9.1.1;
   scipy's ``funm``).
5. :func:`power_norm1_est` -- a lower estimate of ``||B^p||_1`` by Hager's
   method as refined by Higham (``dlacn2``), for the ``d_8``, ``d_10`` of
   :func:`jitla.linalg.expm` (Al-Mohy & Higham 2009).
6. :func:`abs_power_norm1` -- ``|| |A|^p ||_1`` exactly, by p products
   with a vector (the matrix is nonnegative).

No checks are made on the inputs.
"""

from __future__ import annotations

import cmath
import math

import numpy as np

from jitla._jit import kernel

__all__ = [
    "sqrtm_triu",
    "logm_triu_pade",
    "logm_fix_diagonals",
    "root_minus_one",
    "parlett",
    "power_norm1_est",
    "abs_power_norm1",
    "triu_norm1_minus_identity",
]


@kernel
def sqrtm_triu(T, R):
    """Principal square root R of an upper triangular T (complex), ``R^2 = T``.

    Parameters
    ----------
    T : (n, n) complex128 ndarray
        Upper triangular (the strictly lower part is not read).
    R : (n, n) complex128 ndarray, out
        Upper triangular; the strictly lower part is set to 0.

    Returns
    -------
    int
        The number of pairs ``r_ii + r_jj = 0`` met (T singular with a
        repeated zero eigenvalue: no square root exists, or it is not a
        function of T); those entries are left inf/nan.

    Notes
    -----
    Björck & Hammarling (1983); Higham 2008, Alg. 6.3: ``r_ii =
    sqrt(t_ii)``, ``r_ij = (t_ij - sum_{i<k<j} r_ik r_kj) / (r_ii + r_jj)``.
    Row i is computed after rows i+1..n-1: as soon as ``r_ij`` is known,
    ``s[j+1:] += r_ij R[j, j+1:]`` accumulates the sums of the entries to
    its right along a contiguous row.  Flops n^3/3 complex multiply-adds;
    workspace n.
    """
    n = T.shape[0]
    for i in range(n):
        R[i, i] = cmath.sqrt(T[i, i])
        for j in range(i):
            R[i, j] = 0
    s = np.empty(max(n, 1), dtype=R.dtype)
    bad = 0
    for i in range(n - 2, -1, -1):
        for j in range(i + 1, n):
            s[j] = 0
        rii = R[i, i]
        for j in range(i + 1, n):
            den = rii + R[j, j]
            num = T[i, j] - s[j]
            if den == 0:
                bad += 1
                if num == 0:
                    r = 0j
                else:
                    r = complex(np.inf, np.nan)
            else:
                r = num / den
            R[i, j] = r
            row = R[j]
            for q in range(j + 1, n):
                s[q] += r * row[q]
    return bad


@kernel
def root_minus_one(a, s):
    """``a^(1/2^s) - 1`` for a complex a, accurate when the root is close to 1.

    Al-Mohy & Higham 2012, Alg. 2: ``a^(1/2^s) - 1 = (a - 1) /
    prod_{k=1..s} (1 + a^(1/2^k))``, which has no cancellation.
    """
    if s == 0:
        return a - 1
    z0 = a - 1
    r = cmath.sqrt(a)
    p = 1 + r
    for _ in range(s - 1):
        r = cmath.sqrt(r)
        p *= 1 + r
    return z0 / p


@kernel
def triu_norm1_minus_identity(T):
    """``||T - I||_1`` of an upper triangular T (largest column sum of moduli)."""
    n = T.shape[0]
    col = np.zeros(n)
    for i in range(n):
        col[i] += abs(T[i, i] - 1)
        for j in range(i + 1, n):
            col[j] += abs(T[i, j])
    best = 0.0
    for j in range(n):
        best = max(best, col[j])
    return best


@kernel
def logm_triu_pade(R, nodes, weights, U):
    """``U = sum_k w_k (I + x_k R)^{-1} R``: the m-point Padé approximant of ``log(I + R)``.

    Parameters
    ----------
    R : (n, n) complex128 ndarray
        Upper triangular.
    nodes, weights : (m,) float64 ndarray
        Gauss-Legendre nodes and weights on [0, 1].
    U : (n, n) complex128 ndarray, out
        Upper triangular.

    Returns
    -------
    int
        0.

    Notes
    -----
    Higham 2008, eq. 11.18 (``r_m(X) = sum_j w_j x_j^{-1}... `` written as
    ``sum_j w_j X (I + x_j X)^{-1}``, Dieci, Morini & Papini 1996): each
    term is the upper triangular solution Y of ``(I + x R) Y = w R``,
    computed row by row from the bottom (``Y[i, i:] = (w R[i, i:] - x
    sum_{k>i} R[i, k] Y[k, i:]) / (1 + x r_ii)``, contiguous axpys), only
    on and above the diagonal.  Flops m n^3/3 complex; workspace n^2.
    """
    n = R.shape[0]
    m = nodes.shape[0]
    for i in range(n):
        for j in range(n):
            U[i, j] = 0
    Y = np.zeros((n, n), dtype=R.dtype)
    acc = np.empty(max(n, 1), dtype=R.dtype)
    for q in range(m):
        x = nodes[q]
        w = weights[q]
        for i in range(n - 1, -1, -1):
            for j in range(i, n):
                acc[j] = w * R[i, j]
            for k in range(i + 1, n):
                f = x * R[i, k]
                if f != 0:
                    rowk = Y[k]
                    for j in range(k, n):
                        acc[j] -= f * rowk[j]
            d = 1 + x * R[i, i]
            for j in range(i, n):
                Y[i, j] = acc[j] / d
                U[i, j] += Y[i, j]
    return 0


@kernel
def _unwinding(z):
    """The unwinding number ``ceil((Im z - pi) / (2 pi))`` (Higham 2008, eq. 11.21)."""
    return math.ceil((z.imag - math.pi) / (2 * math.pi))


@kernel
def logm_fix_diagonals(T, U, scale):
    """Replace the diagonal and first superdiagonal of U by their exact values, then scale the rest.

    Parameters
    ----------
    T : (n, n) complex128 ndarray
        The original triangular matrix (before the square roots).
    U : (n, n) complex128 ndarray, overwritten
        ``log`` of ``T^(1/2^s)`` from :func:`logm_triu_pade`; on return
        ``2^s U`` with ``u_ii = log t_ii`` and ``u_{i,i+1}`` from Higham
        2008, eq. 11.28 (via ``atanh`` and the unwinding number when the two
        eigenvalues are close, so that no cancellation occurs).
    scale : float
        ``2^s``.

    Returns
    -------
    int
        0.
    """
    n = T.shape[0]
    for i in range(n):
        for j in range(i, n):
            U[i, j] *= scale
    for i in range(n):
        U[i, i] = cmath.log(T[i, i])
    for i in range(n - 1):
        l1 = T[i, i]
        l2 = T[i + 1, i + 1]
        t12 = T[i, i + 1]
        if l1 == l2:
            f12 = t12 / l1
        elif abs(l2 - l1) > abs(l1 + l2) / 2:
            f12 = t12 * ((cmath.log(l2) - cmath.log(l1)) / (l2 - l1))
        else:
            z = (l2 - l1) / (l2 + l1)
            u = _unwinding(cmath.log(l2) - cmath.log(l1))
            f12 = t12 * 2 * (cmath.atanh(z) + math.pi * 1j * u) / (l2 - l1)
        U[i, i + 1] = f12
    return 0


@kernel
def parlett(T, F):
    """Complete ``F = f(T)`` from its diagonal by Parlett's recurrence; return the smallest gap.

    Parameters
    ----------
    T : (n, n) complex128 ndarray
        Upper triangular.
    F : (n, n) complex128 ndarray, overwritten
        ``f(t_ii)`` on the diagonal on entry; ``f(T)`` (upper triangular)
        on return.

    Returns
    -------
    float
        ``min(|t_00|, min_{i<j} |t_jj - t_ii|)`` (scipy's ``minden``): the
        accuracy of the recurrence degrades like eps over it.

    Notes
    -----
    From ``F T = T F`` (Golub & Van Loan, 4th ed., Alg. 9.1.1; Parlett
    1976), superdiagonal by superdiagonal: ``f_ij = (t_ij (f_jj - f_ii) +
    sum_{i<k<j} (t_ik f_kj - f_ik t_kj)) / (t_jj - t_ii)``; a zero gap
    (repeated eigenvalue) leaves the numerator undivided, as scipy's
    ``funm`` does.  Column j of F and T is read through transposed copies,
    so both sums run along contiguous rows.  Flops 2n^3/3 complex;
    workspace 2n^2.
    """
    n = T.shape[0]
    for i in range(n):
        for j in range(i):
            F[i, j] = 0
    minden = abs(T[0, 0]) if n > 0 else 0.0
    Tt = np.ascontiguousarray(T.T)
    Ft = np.zeros((n, n), dtype=F.dtype)
    for i in range(n):
        Ft[i, i] = F[i, i]
    for p in range(1, n):
        for i in range(n - p):
            j = i + p
            s = T[i, j] * (F[j, j] - F[i, i])
            ti = T[i]
            fi = F[i]
            tj = Tt[j]
            fj = Ft[j]
            for k in range(i + 1, j):
                s += ti[k] * fj[k] - fi[k] * tj[k]
            den = T[j, j] - T[i, i]
            if den != 0:
                s = s / den
            F[i, j] = s
            Ft[j, i] = s
            minden = min(minden, abs(den))
    return minden


@kernel
def abs_power_norm1(A, p):
    """``|| |A|^p ||_1`` exactly: ``max_j (1^T |A|^p)_j`` by p vector-matrix products.

    The matrix ``|A|^p`` is nonnegative, so its largest column sum is the
    largest entry of ``1^T |A|^p`` (scipy's ``_onenorm_matrix_power_nnm``).
    Flops 2 p n^2.
    """
    n = A.shape[0]
    v = np.ones(n)
    w = np.empty(n)
    for _ in range(p):
        for j in range(n):
            w[j] = 0.0
        for i in range(n):
            vi = v[i]
            row = A[i]
            for j in range(n):
                w[j] += vi * abs(row[j])
        for j in range(n):
            v[j] = w[j]
    best = 0.0
    for j in range(n):
        best = max(best, v[j])
    return best


@kernel
def _apply_power(B, p, x, y, transpose):
    """``x <- B^p x`` (or ``(B^T)^p x``), y a work vector."""
    n = B.shape[0]
    for _ in range(p):
        if transpose:
            for j in range(n):
                y[j] = 0.0
            for i in range(n):
                xi = x[i]
                row = B[i]
                for j in range(n):
                    y[j] += xi * row[j]
        else:
            for i in range(n):
                row = B[i]
                s = 0.0
                for j in range(n):
                    s += row[j] * x[j]
                y[i] = s
        for j in range(n):
            x[j] = y[j]


@kernel
def power_norm1_est(B, p):
    """A lower estimate of ``||B^p||_1`` (real B) from products with vectors only.

    Notes
    -----
    Hager's method as refined by Higham (ACM TOMS 14, 1988, Alg. 4.1;
    LAPACK ``dlacn2``): start from ``x = 1/n``, alternate ``y = B^p x`` and
    ``z = (B^T)^p sign(y)``, move to the unit vector of ``max |z_j|`` until
    it repeats (at most 5 steps), and compare with Higham's alternating-sign
    vector.  Each product with ``B^p`` is p matrix-vector products: flops
    about ``2 p n^2`` per product, about 12 products; workspace 4n.  Within
    a factor 3 of the true norm in practice; never above it.
    """
    n = B.shape[0]
    x = np.full(n, 1.0 / n)
    y = np.empty(n)
    w = np.empty(n)
    _apply_power(B, p, x, w, False)
    est = 0.0
    for i in range(n):
        est += abs(x[i])
    jlast = -1
    for _ in range(5):
        for i in range(n):
            y[i] = 1.0 if x[i] >= 0 else -1.0
        _apply_power(B, p, y, w, True)
        j = 0
        for i in range(1, n):
            if abs(y[i]) > abs(y[j]):
                j = i
        if j == jlast:
            break
        jlast = j
        for i in range(n):
            x[i] = 0.0
        x[j] = 1.0
        _apply_power(B, p, x, w, False)
        new = 0.0
        for i in range(n):
            new += abs(x[i])
        if new <= est:
            break
        est = new
    # Higham's extra vector: alternating signs, growing linearly
    for i in range(n):
        sign = 1.0 if i % 2 == 0 else -1.0
        x[i] = sign * (1.0 + i / max(n - 1, 1))
    _apply_power(B, p, x, w, False)
    alt = 0.0
    for i in range(n):
        alt += abs(x[i])
    alt = 2.0 * alt / (3.0 * n)
    return max(est, alt)
