"""Slow, obviously-correct references for the tests, keyed by API name.

``naive.matmul`` mirrors :func:`jitla.matmul`, ``naive.lu`` mirrors
:func:`jitla.linalg.lu`, ``naive.svdvals`` :func:`jitla.linalg.svdvals`,
``naive.get_influence`` the regression results' influence measures; kernel
operations that have no API function of their own keep the registry's op
name (``naive.gemm``, ``naive.gemv``).  Extended-precision oracles end in
``_mp`` (mpmath) or ``_exact`` (rational arithmetic).

Every function here is written for clarity, not speed: plain Python loops
over Python floats, with the sums done by :func:`math.fsum` (exactly, then
rounded once) or with :class:`fractions.Fraction` (exactly, no rounding at
all until the end).  numpy is used only to hold the inputs and results and
for shape bookkeeping (``np.broadcast_shapes``, ``np.ndindex``), never for
arithmetic, so these references are independent of numpy's BLAS and of
jitla's kernels.

Accuracy of the references
--------------------------
* :func:`matmul_2d` and friends compute each entry as
  ``fsum(a_ip * b_pj for p)``: every product is rounded to float64 once, the
  sum is exact and rounded once.  For float32 inputs the products are exact
  in float64 (24 + 24 bits < 53), so the result is the exact product
  correctly rounded to float64: an oracle far more accurate than any
  float32 kernel.  For float64 inputs the error is at most
  ``eps/2 * (|A| @ |B|) + eps/2 * |A @ B|`` per entry.
* :func:`matmul_exact` uses rational arithmetic and is correctly rounded for
  any float input; it is slow (use it on matrices of a few dozen entries).

Use on small sizes only: an m x k @ k x n product costs about ``m*n*k``
Python operations (~0.1 s for 100 x 100 x 100).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

__all__ = [
    "cholesky",
    "lu",
    "solve_triangular",
    "dot",
    "gemm",
    "gemv",
    "gemv_t",
    "matmul_exact",
    "matmul_2d",
    "matmul",
    "dot_exact",
    "residual_exact",
    "lstsq_mp",
    "norm",
]


def _as_rows(A) -> list[list[float]]:
    """A 2-D array_like as a list of rows of Python floats (exact conversion)."""
    A = np.asarray(A)
    if A.ndim != 2:
        raise ValueError(f"expected a 2-D array, got {A.ndim}-D")
    return [[float(x) for x in row] for row in A.tolist()]


def _as_list(x) -> list[float]:
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"expected a 1-D array, got {x.ndim}-D")
    return [float(v) for v in x.tolist()]


def dot(x, y) -> float:
    """Return ``sum_i x[i] * y[i]`` as a float64 (products rounded, sum exact).

    Parameters
    ----------
    x, y : 1-D array_like of equal length
    """
    xs, ys = _as_list(x), _as_list(y)
    if len(xs) != len(ys):
        raise ValueError(f"length mismatch: {len(xs)} != {len(ys)}")
    return math.fsum(a * b for a, b in zip(xs, ys, strict=True))


def matmul_2d(A, B) -> np.ndarray:
    """Return ``A @ B`` in float64 with the textbook triple loop.

    Parameters
    ----------
    A : (m, k) array_like
    B : (k, n) array_like

    Returns
    -------
    (m, n) float64 ndarray
        ``C[i, j] = fsum(A[i, p] * B[p, j] for p in range(k))``; zeros when
        ``k == 0``.
    """
    A = np.asarray(A)
    B = np.asarray(B)
    if A.ndim != 2 or B.ndim != 2:
        raise ValueError("matmul_2d takes two 2-D arrays")
    m, k = A.shape
    k2, n = B.shape
    if k != k2:
        raise ValueError(f"inner dimensions differ: {A.shape} @ {B.shape}")
    rows = _as_rows(A)
    cols = [list(col) for col in zip(*_as_rows(B), strict=True)] if k else [[] for _ in range(n)]
    C = np.empty((m, n), dtype=np.float64)
    for i in range(m):
        for j in range(n):
            C[i, j] = math.fsum(a * b for a, b in zip(rows[i], cols[j], strict=True))
    return C


def gemm(A, B, C, alpha) -> np.ndarray:
    """Return ``C + alpha * (A @ B)`` in float64 (the GEMM kernel contract), *C* untouched.

    Each entry is ``fsum([C[i, j]] + [alpha * A[i, p] * B[p, j] ...])``:
    the only roundings are of the individual terms and of the final sum.
    """
    A = np.asarray(A)
    B = np.asarray(B)
    C = np.asarray(C)
    m, k = A.shape
    n = B.shape[1]
    if C.shape != (m, n) or B.shape[0] != k:
        raise ValueError(f"shape mismatch: {A.shape} @ {B.shape} -> {C.shape}")
    rows = _as_rows(A)
    cols = [list(col) for col in zip(*_as_rows(B), strict=True)] if k else [[] for _ in range(n)]
    alpha = float(alpha)
    c_rows = _as_rows(C)
    out = np.empty((m, n), dtype=np.float64)
    for i in range(m):
        for j in range(n):
            terms = [c_rows[i][j]] + [alpha * a * b for a, b in zip(rows[i], cols[j], strict=True)]
            out[i, j] = math.fsum(terms)
    return out


def gemv(A, x, y, alpha) -> np.ndarray:
    """Return ``y + alpha * (A @ x)`` in float64 (the gemv kernel contract)."""
    rows = _as_rows(A)
    xs, ys = _as_list(x), _as_list(y)
    if len(rows) != len(ys) or any(len(r) != len(xs) for r in rows):
        raise ValueError("shape mismatch in gemv")
    alpha = float(alpha)
    return np.array(
        [
            math.fsum([ys[i]] + [alpha * a * b for a, b in zip(rows[i], xs, strict=True)])
            for i in range(len(ys))
        ],
        dtype=np.float64,
    )


def gemv_t(A, x, y, alpha) -> np.ndarray:
    """Return ``y + alpha * (A.T @ x)`` in float64 (the gemv_t kernel contract)."""
    rows = _as_rows(A)
    xs, ys = _as_list(x), _as_list(y)
    if len(rows) != len(xs) or any(len(r) != len(ys) for r in rows):
        raise ValueError("shape mismatch in gemv_t")
    alpha = float(alpha)
    return np.array(
        [math.fsum([ys[j]] + [alpha * rows[p][j] * xs[p] for p in range(len(xs))]) for j in range(len(ys))],
        dtype=np.float64,
    )


def matmul_exact(A, B) -> np.ndarray:
    """Return ``A @ B`` computed in exact rational arithmetic, rounded once to float64.

    Slow (Fractions): for matrices of a few dozen entries.  Inputs must be
    finite.
    """
    rows = _as_rows(A)
    B_rows = _as_rows(B)
    m, k = len(rows), len(B_rows)
    n = np.asarray(B).shape[1]
    if np.asarray(A).shape[1] != k:
        raise ValueError("inner dimensions differ")
    C = np.empty((m, n), dtype=np.float64)
    for i in range(m):
        for j in range(n):
            s = sum((Fraction(rows[i][p]) * Fraction(B_rows[p][j]) for p in range(k)), Fraction(0))
            C[i, j] = float(s)  # Fraction -> float rounds correctly (to nearest)
    return C


def matmul(a, b) -> np.ndarray | float:
    """``numpy.matmul`` semantics, written out: 1-D promotion and broadcasting.

    * a 1-D ``a`` becomes a row ``(1, k)``, a 1-D ``b`` a column ``(k, 1)``,
      and the added dimension is removed from the result;
    * leading (batch) dimensions broadcast as numpy broadcasting does;
    * each matrix of the stack is :func:`matmul_2d`.

    Returns a float64 ndarray, or a Python float for vector @ vector.
    Raises ValueError for 0-d operands or mismatched shapes (messages are
    not numpy's; this is a reference for values, not for errors).
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: scalars are not allowed")
    a2 = a.reshape((1,) + a.shape) if a.ndim == 1 else a
    b2 = b.reshape(b.shape + (1,)) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: core dimensions differ: {a.shape} @ {b.shape}")
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    m, n = a2.shape[-2], b2.shape[-1]
    A = np.broadcast_to(a2, batch + a2.shape[-2:])
    B = np.broadcast_to(b2, batch + b2.shape[-2:])
    C = np.empty(batch + (m, n), dtype=np.float64)
    for index in np.ndindex(*batch):
        C[index] = matmul_2d(A[index], B[index])
    if a.ndim == 1:
        C = C[..., 0, :]
    if b.ndim == 1:
        C = C[..., 0]
    if C.ndim == 0:
        return float(C)
    return C


# --------------------------------------------------------------------------
# double-double residuals and least squares (tests/kernels/test_double_double.py,
# tests/linalg/test_lstsq.py, tests/linalg/test_refine.py)
# --------------------------------------------------------------------------
def dot_exact(x, y) -> Fraction:
    """Return ``sum_i x[i] * y[i]`` exactly, as a Fraction (no rounding at all)."""
    xs, ys = _as_list(x), _as_list(y)
    if len(xs) != len(ys):
        raise ValueError(f"length mismatch: {len(xs)} != {len(ys)}")
    return sum((Fraction(a) * Fraction(b) for a, b in zip(xs, ys, strict=True)), Fraction(0))


def residual_exact(A, X, B, C=None) -> np.ndarray:
    """Return ``B - C - A @ X`` computed exactly (Fractions), rounded once to float64.

    *X*, *B*, *C* are (n, k), (m, k), (m, k); *C* defaults to zeros.  Slow:
    for a few hundred entries of A at most.
    """
    rows = _as_rows(A)
    X_rows = _as_rows(X)
    B_rows = _as_rows(B)
    C_rows = _as_rows(np.zeros_like(np.asarray(B, dtype=np.float64)) if C is None else C)
    m, k = np.asarray(B).shape
    R = np.empty((m, k), dtype=np.float64)
    for i in range(m):
        for c in range(k):
            s = Fraction(B_rows[i][c]) - Fraction(C_rows[i][c])
            s -= sum((Fraction(a) * Fraction(X_rows[j][c]) for j, a in enumerate(rows[i])), Fraction(0))
            R[i, c] = float(s)
    return R


def lstsq_mp(A, b, dps: int = 50):
    """Least-squares solution of ``min ||A x - b||`` in mpmath at *dps* digits.

    mpmath's Householder QR (``mpmath.qr_solve``) at *dps* significant
    digits: with ``cond(A) = 1e10`` about ``dps - 10`` digits are right, far
    more than float64 holds.  *A* is (m, n), m >= n, full column rank; *b*
    is (m,).  Returns the solution as a float64 (n,) array (each entry
    rounded from the high-precision value) and the mpmath vector.
    """
    import mpmath

    with mpmath.workdps(dps):
        Am = mpmath.matrix([[mpmath.mpf(float(v)) for v in row] for row in np.asarray(A).tolist()])
        bm = mpmath.matrix([mpmath.mpf(float(v)) for v in np.asarray(b).tolist()])
        x, _ = mpmath.qr_solve(Am, bm)
        return np.array([float(v) for v in x], dtype=np.float64), x


# --------------------------------------------------------------------------
# Condition estimation (devlog 085)
# --------------------------------------------------------------------------
def norm1_estimate(B, max_steps: int = 5) -> float:
    """Hager's estimate of ``||B||_1`` with Higham's safeguard, from products with B and B^T.

    Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.,
    Algorithm 15.4 (LAPACK ``dlacn2``), written as one loop with numpy's
    products; as jitla's ``lacn2``, a stop on a repeated sign vector or a
    shrinking estimate keeps the larger of the last two estimates.
    """
    B = np.asarray(B, dtype=np.float64)
    n = B.shape[0]
    x = B @ np.full(n, 1.0 / n)
    est = float(np.abs(x).sum())
    if n == 1:
        return est
    xi = np.where(x >= 0, 1.0, -1.0)
    z = B.T @ xi
    j = int(np.argmax(np.abs(z)))
    for _ in range(2, max_steps + 1):
        x = B[:, j].copy()
        est_old, est = est, float(np.abs(x).sum())
        xi_new = np.where(x >= 0, 1.0, -1.0)
        if np.array_equal(xi_new, xi) or est <= est_old:
            est = max(est, est_old)
            break
        xi = xi_new
        z = B.T @ xi
        j_last, j = j, int(np.argmax(np.abs(z)))
        if z[j_last] == abs(z[j]):
            break
    alt = np.array([(1 + i / (n - 1)) * (-1) ** i for i in range(n)])
    return max(est, 2 * float(np.abs(B @ alt).sum()) / (3 * n))


# --------------------------------------------------------------------------
# Triangular solves, LU with partial pivoting, Cholesky (devlog 002)
# --------------------------------------------------------------------------
def solve_triangular(T, B, lower: bool, unit: bool = False) -> np.ndarray:
    """Solve ``T X = B`` by substitution, row by row (fsum for each dot product).

    *T* is (n, n); only its ``lower`` (else upper) triangle is read, and not
    its diagonal when *unit*.  *B* is (n,) or (n, k).  Golub & Van Loan,
    4th ed., Algorithms 3.1.1 / 3.1.2 written out.
    """
    rows = _as_rows(T)
    B = np.asarray(B, dtype=np.float64)
    vector = B.ndim == 1
    Bm = B.reshape(-1, 1) if vector else B
    n, k = Bm.shape
    X = [[0.0] * k for _ in range(n)]
    order = range(n) if lower else range(n - 1, -1, -1)
    for c in range(k):
        for i in order:
            known = range(i) if lower else range(i + 1, n)
            s = math.fsum([float(Bm[i, c])] + [-rows[i][p] * X[p][c] for p in known])
            X[i][c] = s if unit else s / rows[i][i]
    out = np.array(X, dtype=np.float64).reshape(n, k)
    return out[:, 0] if vector else out


def lu(A):
    """``P, L, U`` with ``A = P @ L @ U`` by Gaussian elimination with partial pivoting.

    Golub & Van Loan, 4th ed., Algorithm 3.4.1 (outer-product form, the
    pivot is the first entry of largest magnitude in its column), on
    Python floats.  *A* is (m, n); L is (m, min(m, n)) unit lower
    trapezoidal, U is (min(m, n), n) upper trapezoidal.
    """
    W = _as_rows(A)
    m = len(W)
    n = len(W[0]) if m else 0
    perm = list(range(m))
    for k in range(min(m, n)):
        p = max(range(k, m), key=lambda i: (abs(W[i][k]), -i))
        W[k], W[p] = W[p], W[k]
        perm[k], perm[p] = perm[p], perm[k]
        if W[k][k] != 0.0:
            for i in range(k + 1, m):
                W[i][k] = W[i][k] / W[k][k]
                for j in range(k + 1, n):
                    W[i][j] = W[i][j] - W[i][k] * W[k][j]
    r = min(m, n)
    L = np.array(
        [[W[i][j] if j < i else float(i == j) for j in range(r)] for i in range(m)], dtype=np.float64
    )
    U = np.array([[W[i][j] if j >= i else 0.0 for j in range(n)] for i in range(r)], dtype=np.float64)
    P = np.zeros((m, m), dtype=np.float64)
    for i, row in enumerate(perm):
        P[row, i] = 1.0
    return P, L.reshape(m, r), U.reshape(r, n)


def slogdet(A) -> tuple[float, float]:
    """``(sign, log|det|)`` of a square A from :func:`lu`: ``det = det(P) * prod(diag(U))``.

    The sign of the permutation is the parity of its cycles; an exactly
    zero pivot gives ``(0.0, -inf)``, as numpy.linalg.slogdet.  The log is
    ``math.fsum`` of the logs of the pivots.
    """
    P, _, U = lu(A)
    n = U.shape[0]
    perm = [int(np.argmax(P[:, i])) for i in range(n)]
    sign, seen = 1.0, [False] * n
    for start in range(n):
        length, i = 0, start
        while not seen[i]:
            seen[i], i, length = True, perm[i], length + 1
        if length % 2 == 0 and length > 0:
            sign = -sign
    pivots = [float(U[i, i]) for i in range(n)]
    if any(d == 0.0 for d in pivots):
        return 0.0, -math.inf
    for d in pivots:
        if d < 0:
            sign = -sign
    return sign, math.fsum(math.log(abs(d)) for d in pivots)


def det(A) -> float:
    """Determinant of a square A: ``sign * exp(log|det|)`` of :func:`slogdet`."""
    sign, logabsdet = slogdet(A)
    return sign * math.exp(logabsdet)


def cholesky(A) -> np.ndarray:
    """Lower-triangular L with ``A = L @ L.T``, reading only the lower triangle of A.

    Golub & Van Loan, 4th ed., Algorithm 4.2.1 (gaxpy Cholesky) row by row,
    each inner product summed with fsum.  Raises ``ValueError`` when a
    pivot is not positive.
    """
    rows = _as_rows(A)
    n = len(rows)
    L = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = math.fsum([rows[i][j]] + [-L[i][p] * L[j][p] for p in range(j)])
            if i == j:
                if not s > 0.0:
                    raise ValueError(f"pivot {i} is not positive")
                L[i][i] = math.sqrt(s)
            else:
                L[i][j] = s / L[j][j]
    return np.array(L, dtype=np.float64).reshape(n, n)


# --------------------------------------------------------------------------
# QR: Householder and Gram-Schmidt in plain loops, and test matrices with a
# chosen condition number (tests/kernels/test_qr_*.py, tests/linalg/test_qr.py)
# --------------------------------------------------------------------------
def qr(A) -> tuple[np.ndarray, np.ndarray]:
    """Return the complete ``(Q, R)`` of ``A`` by textbook Householder QR.

    Golub & Van Loan, 4th ed., Alg. 5.2.1 with LAPACK's sign choice
    (``beta = -sign(x0) ||x||``, so ``R``'s diagonal has numpy's signs) and
    Q accumulated explicitly as ``H_0 H_1 ... H_{k-1}``.  Plain Python floats,
    inner products by :func:`math.fsum`.  ``Q`` is (m, m), ``R`` is (m, n).
    """
    R = _as_rows(A)
    m = len(R)
    n = len(R[0]) if m else np.asarray(A).shape[1]
    Q = [[1.0 if i == j else 0.0 for j in range(m)] for i in range(m)]
    for k in range(min(m, n)):
        x = [R[i][k] for i in range(k, m)]
        norm = math.sqrt(math.fsum(t * t for t in x))
        if norm == 0.0 or all(t == 0.0 for t in x[1:]):
            continue
        beta = -math.copysign(norm, x[0])
        v = [x[0] - beta] + x[1:]
        vv = math.fsum(t * t for t in v)
        # R[k:, :] -= 2 v (v^T R[k:, :]) / (v^T v)
        for j in range(n):
            s = 2.0 * math.fsum(v[i] * R[k + i][j] for i in range(m - k)) / vv
            for i in range(m - k):
                R[k + i][j] -= s * v[i]
        # Q[:, k:] -= 2 (Q[:, k:] v) v^T / (v^T v)
        for r in range(m):
            s = 2.0 * math.fsum(Q[r][k + i] * v[i] for i in range(m - k)) / vv
            for i in range(m - k):
                Q[r][k + i] -= s * v[i]
        for i in range(k + 1, m):
            R[i][k] = 0.0
    return np.array(Q, dtype=np.float64).reshape(m, m), np.array(R, dtype=np.float64).reshape(m, n)


def qr_gram_schmidt(A, *, modified: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return the reduced ``(Q, R)`` of a full-column-rank ``A`` by Gram-Schmidt.

    Classical (``modified=False``: every coefficient against the original
    column, Golub & Van Loan, 4th ed., Sec. 5.2.7) or modified
    (``modified=True``: against the partly orthogonalised column, Alg.
    5.2.6).  Plain Python floats; the inner products are rounded sums in
    column order, like the textbook, so the loss of orthogonality of each
    method is reproduced, not hidden by exact sums.
    """
    rows = _as_rows(A)
    m = len(rows)
    n = len(rows[0]) if m else np.asarray(A).shape[1]
    cols = [[rows[i][j] for i in range(m)] for j in range(n)]
    Q: list[list[float]] = []
    R = [[0.0] * n for _ in range(n)]
    for j in range(n):
        v = list(cols[j])
        for p in range(j):
            source = v if modified else cols[j]
            s = 0.0
            for i in range(m):
                s += Q[p][i] * source[i]
            R[p][j] = s
            for i in range(m):
                v[i] -= s * Q[p][i]
        norm = 0.0
        for t in v:
            norm += t * t
        R[j][j] = math.sqrt(norm)
        Q.append([t / R[j][j] for t in v])
    Qa = np.array(Q, dtype=np.float64).reshape(n, m).T.copy()
    return Qa, np.array(R, dtype=np.float64).reshape(n, n)


def matrix_with_singular_values(s, m: int, n: int, seed: int = 0) -> np.ndarray:
    """Return an (m, n) float64 matrix ``U diag(s) V^T`` with the given singular values.

    A test-matrix generator (not a reference): ``U`` (m, len(s)) and ``V``
    (n, len(s)) have orthonormal columns, taken from numpy's QR of Gaussian
    matrices.  ``len(s) <= min(m, n)``; fewer values than ``min(m, n)`` give
    a matrix of that rank.
    """
    s = np.asarray(s, dtype=np.float64)
    r = s.shape[0]
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((m, r)))
    V, _ = np.linalg.qr(rng.standard_normal((n, r)))
    return (U * s) @ V.T


def matrix_with_condition(m: int, n: int, cond: float, seed: int = 0) -> np.ndarray:
    """(m, n) matrix of full rank ``min(m, n)``, singular values log-spaced from 1 to ``1/cond``."""
    k = min(m, n)
    s = np.logspace(0.0, -math.log10(cond), k) if k > 1 else np.ones(k)
    return matrix_with_singular_values(s, m, n, seed)


__all__ += [
    "qr_gram_schmidt",
    "qr",
    "matrix_with_condition",
    "matrix_with_singular_values",
]


# --------------------------------------------------------------------------
# singular values
# --------------------------------------------------------------------------
def svdvals(A, sweeps: int = 60) -> np.ndarray:
    """Singular values by the plain textbook one-sided Jacobi method, descending.

    Python lists and math only: rotate every pair of columns (Golub & Van
    Loan, 4th ed., Sec. 8.6.3) until each pair is orthogonal to 1e-15
    relative, then return the column norms.  Slow and obviously correct for
    the small matrices of the tests.
    """
    cols = [list(c) for c in zip(*_as_rows(A), strict=False)]
    n = len(cols)
    for _ in range(sweeps):
        done = True
        for p in range(n - 1):
            for q in range(p + 1, n):
                alpha = math.fsum(x * x for x in cols[p])
                beta = math.fsum(x * x for x in cols[q])
                gamma = math.fsum(x * y for x, y in zip(cols[p], cols[q], strict=True))
                if gamma == 0 or abs(gamma) <= 1e-15 * math.sqrt(alpha * beta):
                    continue
                done = False
                zeta = (beta - alpha) / (2 * gamma)
                t = math.copysign(1.0, zeta) / (abs(zeta) + math.sqrt(1 + zeta * zeta))
                c = 1 / math.sqrt(1 + t * t)
                s = c * t
                cols[p], cols[q] = (
                    [c * x - s * y for x, y in zip(cols[p], cols[q], strict=True)],
                    [s * x + c * y for x, y in zip(cols[p], cols[q], strict=True)],
                )
        if done:
            break
    return np.array(sorted((math.sqrt(math.fsum(x * x for x in c)) for c in cols), reverse=True))


def svdvals_mp(A, dps: int = 50) -> np.ndarray:
    """Singular values from mpmath at *dps* digits, descending, rounded to float64."""
    import mpmath

    with mpmath.workdps(dps):
        values = mpmath.svd_r(mpmath.matrix(np.asarray(A, dtype=np.float64).tolist()), compute_uv=False)
        return np.array(sorted((float(v) for v in values), reverse=True))


__all__ += ["svdvals", "svdvals_mp"]


# --------------------------------------------------------------------------
# eigenvalues (tests/linalg/test_eigh.py, tests/linalg/test_eig.py)
# --------------------------------------------------------------------------
def norm(A, ord=None) -> float:
    """numpy.linalg.norm of a vector (ord None) or matrix (None, "fro", 1, -1, inf, -inf), in exact sums.

    The 2-norm / Frobenius norm is ``scale * sqrt(fsum((x / scale)^2))``
    with ``scale = max |x|`` (no overflow or underflow, correctly rounded
    sum); the 1- and inf-norms are maxima (minima) of correctly rounded
    column (row) sums of ``|a_ij|``.
    """
    a = np.asarray(A, dtype=np.float64)
    if a.ndim == 1 or ord in (None, "fro"):
        x = [abs(float(v)) for v in a.ravel()]
        scale = max(x, default=0.0)
        if scale == 0 or math.isinf(scale):
            return scale
        return scale * math.sqrt(math.fsum((v / scale) ** 2 for v in x))
    rows = _as_rows(a)
    if abs(ord) == 1:
        sums = [math.fsum(abs(r[j]) for r in rows) for j in range(len(rows[0]))]
    else:
        sums = [math.fsum(abs(v) for v in r) for r in rows]
    return max(sums) if ord > 0 else min(sums)


def eigvalsh(A, sweeps: int = 60) -> np.ndarray:
    """Eigenvalues of a symmetric matrix by plain two-sided cyclic Jacobi, ascending.

    Python lists and math only (Golub & Van Loan, 4th ed., Alg. 8.5.3 with
    ``symSchur2``, 8.5.1): each rotation is applied as ``J^T A J`` by
    recomputing the whole matrix from the formula, with no shortcuts.
    """
    a = _as_rows(A)
    n = len(a)
    for _ in range(sweeps):
        off = math.fsum(a[i][j] ** 2 for i in range(n) for j in range(n) if i != j)
        if off <= 1e-32 * math.fsum(a[i][i] ** 2 for i in range(n)) or off == 0:
            break
        for p in range(n - 1):
            for q in range(p + 1, n):
                if a[p][q] == 0:
                    continue
                tau = (a[q][q] - a[p][p]) / (2 * a[p][q])
                t = math.copysign(1.0, tau) / (abs(tau) + math.sqrt(1 + tau * tau))
                c = 1 / math.sqrt(1 + t * t)
                s = t * c
                J = [[float(i == j) for j in range(n)] for i in range(n)]
                J[p][p], J[p][q], J[q][p], J[q][q] = c, s, -s, c
                JtA = [[math.fsum(J[k][i] * a[k][j] for k in range(n)) for j in range(n)] for i in range(n)]
                a = [[math.fsum(JtA[i][k] * J[k][j] for k in range(n)) for j in range(n)] for i in range(n)]
    return np.array(sorted(a[i][i] for i in range(n)))


def eigvals_2x2(A) -> tuple[complex, complex]:
    """Eigenvalues of a real 2 x 2 matrix from the characteristic polynomial (closed form)."""
    (a, b), (c, d) = _as_rows(A)
    tr = a + d
    disc = (a - d) ** 2 + 4 * b * c
    root = math.sqrt(disc) if disc >= 0 else 1j * math.sqrt(-disc)
    return (tr - root) / 2, (tr + root) / 2


def eigvals_mp(A, dps: int = 40, symmetric: bool = False) -> np.ndarray:
    """Eigenvalues from mpmath at *dps* digits (``eigsy`` / ``eig``), rounded to complex128 / float64.

    Sorted by (real, imaginary) part.
    """
    import mpmath

    with mpmath.workdps(dps):
        A = np.asarray(A)
        M = mpmath.matrix(A.astype(np.complex128 if A.dtype.kind == "c" else np.float64).tolist())
        if symmetric:
            values = mpmath.eigsy(M, eigvals_only=True)
            return np.array(sorted(float(v) for v in values))
        values = mpmath.eig(M, left=False, right=False)
        return np.array(sorted((complex(v) for v in values), key=lambda z: (z.real, z.imag)))


__all__ += ["eigvalsh", "eigvals_2x2", "eigvals_mp"]


# --------------------------------------------------------------------------
# matrix functions (mpmath at high precision: expm, logm, sqrtm)
# --------------------------------------------------------------------------
def _matfun_mp(name: str, A, dps: int) -> np.ndarray:
    import mpmath

    with mpmath.workdps(dps):
        A = np.asarray(A)
        M = mpmath.matrix(A.astype(np.complex128 if A.dtype.kind == "c" else np.float64).tolist())
        F = getattr(mpmath, name)(M)
        n = M.rows
        out = np.array([[complex(F[i, j]) for j in range(n)] for i in range(n)])
    return out.real.copy() if not np.any(out.imag) else out


def expm_mp(A, dps: int = 60) -> np.ndarray:
    """``exp(A)`` by mpmath (Taylor series with scaling and squaring at *dps* digits), rounded."""
    return _matfun_mp("expm", A, dps)


def logm_mp(A, dps: int = 60) -> np.ndarray:
    """Principal ``log(A)`` by mpmath at *dps* digits (inverse scaling and squaring), rounded."""
    return _matfun_mp("logm", A, dps)


def sqrtm_mp(A, dps: int = 60) -> np.ndarray:
    """Principal ``sqrt(A)`` by mpmath at *dps* digits (Denman-Beavers iteration), rounded."""
    return _matfun_mp("sqrtm", A, dps)


def expm_taylor(A, terms: int = 30) -> np.ndarray:
    """``exp(A)``: the Taylor series of ``A / 2^s`` (``||A / 2^s||_1 <= 1/2``) squared s times.

    The textbook algorithm (Moler & Van Loan, "Nineteen dubious ways",
    method 3), in float64: slow and less accurate than Padé but obviously
    correct.
    """
    A = np.asarray(A, dtype=np.float64)
    norm = np.abs(A).sum(axis=0).max() if A.size else 0.0
    s = max(0, int(np.ceil(np.log2(norm / 0.5)))) if norm > 0 else 0
    X = A / 2.0**s
    term = np.eye(A.shape[0])
    total = term.copy()
    for k in range(1, terms + 1):
        term = term @ X / k
        total = total + term
    for _ in range(s):
        total = total @ total
    return total


__all__ += ["expm_mp", "logm_mp", "sqrtm_mp", "expm_taylor"]


def get_influence(X, y, weights=None) -> dict[str, np.ndarray]:
    """Influence measures by their definitions: n leave-one-out refits with ``numpy.linalg.lstsq``.

    Unlike the rest of this module the arithmetic is numpy's (LAPACK
    ``dgelsd``), which is independent of jitla's QR kernels.  Each measure
    is computed from its definition (Belsley, Kuh & Welsch 1980, Sec. 2.1),
    with no closed-form deletion formula: ``b_(i)`` and ``s_(i)^2`` come
    from refitting without row i, the hat values are the diagonal of the
    matrix whose column j is the fit of the unit vector ``e_j``.  With
    *weights*, rows are scaled by ``sqrt(w)`` first (WLS as OLS on whitened
    rows; deleting a row deletes an observation).  X must have full column
    rank with every row deleted.  Cost ``O(n^2 k^2)``: tiny problems only.

    Returns
    -------
    dict
        ``hat``, ``student_internal``, ``student_external``, ``sigma2_i``,
        ``cooks``, ``dffits``, ``cov_ratio``, ``press``, ``dfbeta``,
        ``dfbetas`` (n, k).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if weights is not None:
        root = np.sqrt(np.asarray(weights, dtype=np.float64))
        X, y = X * root[:, None], y * root
    n, k = X.shape

    def fit(A, b):
        beta = np.linalg.lstsq(A, b, rcond=None)[0]
        r = b - A @ beta
        return beta, float(r @ r) / (A.shape[0] - k)

    b, s2 = fit(X, y)
    e = y - X @ b
    XtX_inv = np.linalg.inv(X.T @ X)
    hat = np.array([(X @ np.linalg.lstsq(X, np.eye(n)[j], rcond=None)[0])[j] for j in range(n)])
    names = ("sigma2_i", "cooks", "dffits", "cov_ratio", "press", "student_external")
    out = {name: np.empty(n) for name in names}
    out["dfbeta"] = np.empty((n, k))
    for i in range(n):
        keep = np.arange(n) != i
        bi, s2i = fit(X[keep], y[keep])
        d = b - bi
        pred_error = y[i] - X[i] @ bi  # PRESS residual: y_i minus its prediction without row i
        XtX_i_inv = np.linalg.inv(X[keep].T @ X[keep])
        out["sigma2_i"][i] = s2i
        out["dfbeta"][i] = d
        out["press"][i] = pred_error
        # t_i: the deleted residual over its estimated standard error (Cook & Weisberg 1982, Sec. 2.2)
        out["student_external"][i] = pred_error / np.sqrt(s2i * (1.0 + X[i] @ XtX_i_inv @ X[i]))
        out["cooks"][i] = d @ (X.T @ X) @ d / (k * s2)
        out["dffits"][i] = X[i] @ d / np.sqrt(s2i * hat[i])
        out["cov_ratio"][i] = np.linalg.det(s2i * XtX_i_inv) / np.linalg.det(s2 * XtX_inv)
    out["hat"] = hat
    out["student_internal"] = e / np.sqrt(s2 * (1.0 - hat))
    out["dfbetas"] = out["dfbeta"] / np.sqrt(out["sigma2_i"])[:, None] / np.sqrt(np.diag(XtX_inv))
    return out


__all__ += ["get_influence"]


def enet_path(X, y, alphas, l1_ratio: float = 1.0, sweeps: int = 300, positive: bool = False) -> np.ndarray:
    """Elastic-net coefficients (p, len(alphas)) by plain cyclic coordinate descent.

    Minimises ``1/(2n) ||y - X w||^2 + a r ||w||_1 + a (1-r)/2 ||w||^2`` for
    each ``a`` in *alphas* (no centring, as :func:`jitla.regression.enet_path`),
    each from zero, with a fixed number of sweeps and nothing else: no
    screening, no working sets, no extrapolation, no stopping rule.  The
    residual is recomputed from scratch (fsum) before every coordinate
    update, so no error accumulates.  On small well-conditioned problems
    a few hundred sweeps converge to round-off (the tests check the KKT conditions).
    """
    rows = _as_rows(X)
    yv = _as_list(y)
    n, p = len(rows), len(rows[0])
    cols = [[rows[i][j] for i in range(n)] for j in range(p)]
    sq = [math.fsum(v * v for v in col) for col in cols]
    out = np.zeros((p, len(alphas)))
    for k, a in enumerate(alphas):
        l1, l2 = a * l1_ratio * n, a * (1.0 - l1_ratio) * n
        w = [0.0] * p
        for _ in range(sweeps):
            for j in range(p):
                if sq[j] == 0.0:
                    continue
                r = [yv[i] - math.fsum(rows[i][t] * w[t] for t in range(p) if t != j) for i in range(n)]
                z = math.fsum(cols[j][i] * r[i] for i in range(n))
                if z > l1:
                    w[j] = (z - l1) / (sq[j] + l2)
                elif z < -l1 and not positive:
                    w[j] = (z + l1) / (sq[j] + l2)
                else:
                    w[j] = 0.0
        out[:, k] = w
    return out


__all__ += ["enet_path"]


# --------------------------------------------------------------------------
# Ridge regression (devlog 025): exact rational arithmetic
# --------------------------------------------------------------------------
def _solve_exact(M, B):
    """Solve ``M X = B`` in Fractions by Gauss-Jordan elimination (M square, non-singular)."""
    n = len(M)
    k = len(B[0])
    T = [list(M[i]) + list(B[i]) for i in range(n)]
    for j in range(n):
        pivot = next(i for i in range(j, n) if T[i][j] != 0)
        T[j], T[pivot] = T[pivot], T[j]
        inv = 1 / T[j][j]
        T[j] = [v * inv for v in T[j]]
        for i in range(n):
            if i != j and T[i][j] != 0:
                f = T[i][j]
                T[i] = [a - f * b for a, b in zip(T[i], T[j], strict=True)]
    return [row[n : n + k] for row in T]


def _ridge_system(X, y, alpha, fit_intercept, sample_weight):
    """Exact ``M = A^T W A + P``, ``A^T W y``, A, w for the ridge problem (A = [1 | X] or X)."""
    X = np.asarray(X, dtype=np.float64)
    n, p = X.shape
    A = [([Fraction(1)] if fit_intercept else []) + [Fraction(float(v)) for v in row] for row in X.tolist()]
    w = [Fraction(1)] * n if sample_weight is None else [Fraction(float(v)) for v in sample_weight]
    ys = [Fraction(float(v)) for v in np.asarray(y, dtype=np.float64).tolist()]
    q = len(A[0]) if n else p + int(fit_intercept)
    a = Fraction(float(alpha))
    M = [[sum(w[i] * A[i][r] * A[i][c] for i in range(n)) for c in range(q)] for r in range(q)]
    for r in range(int(fit_intercept), q):
        M[r][r] += a
    b = [[sum(w[i] * A[i][r] * ys[i] for i in range(n))] for r in range(q)]
    return M, b, A, w, ys


def ridge(X, y, alpha, fit_intercept=True, sample_weight=None):
    """Ridge coefficients and intercept from the normal equations, in exact rational arithmetic.

    Minimises ``sum_i w_i (y_i - b - x_i^T beta)^2 + alpha ||beta||^2`` (b not
    penalised) by solving ``(A^T W A + P) theta = A^T W y`` with Fractions,
    ``A = [1 | X]``, ``P = diag(0, alpha, ..., alpha)``: the float64 data's
    exact minimiser, rounded once.  Returns ``(coef (p,), intercept float)``.
    y is 1-D; tiny problems only (``O(n p^2 + p^3)`` Fraction operations).
    """
    M, b, _, _, _ = _ridge_system(X, y, alpha, fit_intercept, sample_weight)
    theta = [float(row[0]) for row in _solve_exact(M, b)]
    if fit_intercept:
        return np.array(theta[1:]), theta[0]
    return np.array(theta), 0.0


def ridge_loo(X, y, alpha, fit_intercept=True, sample_weight=None):
    """Leave-one-out residuals by brute force: n refits of :func:`ridge`, each without one row.

    Returns ``sqrt(w_i) (y_i - prediction of the fit without row i)`` (n,),
    scikit-learn's weighted leave-one-out errors (``RidgeCV.cv_results_`` holds
    their squares).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = X.shape[0]
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    out = np.empty(n)
    for i in range(n):
        keep = np.arange(n) != i
        coef, b = ridge(X[keep], y[keep], alpha, fit_intercept, w[keep])
        pred = math.fsum(
            [b] + [float(Fraction(float(c)) * Fraction(float(x))) for c, x in zip(coef, X[i], strict=True)]
        )
        out[i] = math.sqrt(w[i]) * (y[i] - pred)
    return out


def ridge_inference(X, y, alpha, fit_intercept=True, sample_weight=None):
    """``tr(H)``, ``sigma^2`` and the sandwich covariances of a ridge fit, from explicit matrices.

    With ``M = A^T W A + P`` and the linear map ``L = M^{-1} A^T W`` (params
    = L y): ``H = A L``, ``sigma^2 = sum w e^2 / (n - tr H)``, nonrobust
    ``sigma^2 L W^{-1} L^T``, HC0 ``L diag(e^2) L^T``; every product exact
    (Fractions), rounded at the end.  Returns a dict with ``edf``, ``scale``,
    ``nonrobust``, ``HC0`` (params ordered intercept first).
    """
    M, b, A, w, ys = _ridge_system(X, y, alpha, fit_intercept, sample_weight)
    n, q = len(A), len(M)
    AtW = [[A[i][r] * w[i] for i in range(n)] for r in range(q)]
    L = _solve_exact(M, AtW)  # (q, n)
    theta = [sum(L[r][i] * ys[i] for i in range(n)) for r in range(q)]
    e = [ys[i] - sum(A[i][r] * theta[r] for r in range(q)) for i in range(n)]
    edf = sum(sum(A[i][r] * L[r][i] for r in range(q)) for i in range(n))
    scale = sum(w[i] * e[i] ** 2 for i in range(n)) / (n - edf)
    nonrobust = [
        [scale * sum(L[r][i] * L[c][i] / w[i] for i in range(n)) for c in range(q)] for r in range(q)
    ]
    hc0 = [[sum(L[r][i] * L[c][i] * e[i] ** 2 for i in range(n)) for c in range(q)] for r in range(q)]
    return {
        "edf": float(edf),
        "scale": float(scale),
        "nonrobust": np.array([[float(v) for v in row] for row in nonrobust]),
        "HC0": np.array([[float(v) for v in row] for row in hc0]),
    }


__all__ += ["ridge", "ridge_loo", "ridge_inference"]


# --------------------------------------------------------------------------
# Least angle regression (devlog 032): exact rational arithmetic
# --------------------------------------------------------------------------
def lars_path(X, y, method: str = "lar") -> tuple[np.ndarray, list[int], np.ndarray]:
    """The LARS / lasso-LARS path in exact rational arithmetic, everything recomputed per step.

    Efron et al. (2004) with the *unnormalised* direction ``d = G_A^{-1} s``
    (``s = sign(c_A)``): along ``beta_A + g d`` every active correlation
    falls at rate exactly 1, so the step to the next join,
    ``g_j = min+ {(C - c_j) / (1 - a_j), (C + c_j) / (1 + a_j)}`` with
    ``a = X^T X_A d``, the step to a zero crossing ``-beta_j / d_j`` and the
    least-squares point ``g = C`` are all rational: no square root, no
    rounding until the result is converted to float.  The correlations are
    recomputed from the residual at every knot (nothing is updated), the
    active system solved from scratch by Gauss-Jordan.  X and y as given (no
    centring).  Returns ``(alphas, active, coefs)`` as
    :func:`jitla.regression.lars_path`: alphas ``max |c_j| / n`` at the
    knots, coefs (p, knots).  Needs columns in general position (no ties,
    no collinear active set); use on a few dozen entries.
    """
    X = np.asarray(X, dtype=np.float64)
    n, p = X.shape
    A = [[Fraction(float(v)) for v in row] for row in X.tolist()]
    ys = [Fraction(float(v)) for v in np.asarray(y, dtype=np.float64).ravel().tolist()]
    G = [[sum(A[i][r] * A[i][c] for i in range(n)) for c in range(p)] for r in range(p)]
    Xy = [sum(A[i][r] * ys[i] for i in range(n)) for r in range(p)]
    beta = [Fraction(0)] * p
    active: list[int] = []
    alphas, coefs = [], []
    dropped = False
    while True:
        c = [Xy[j] - sum(G[j][k] * beta[k] for k in active) for j in range(p)]
        C = max((abs(v) for v in c), default=Fraction(0))
        alphas.append(float(C / n))
        coefs.append([float(b) for b in beta])
        if C == 0 or len(active) == p:
            break
        if not dropped:
            # the inactive column at the common level joins (exactly one, in general position)
            j = max((j for j in range(p) if j not in active), key=lambda j: abs(c[j]))
            active.append(j)
        s = [Fraction(1) if c[k] > 0 else Fraction(-1) for k in active]
        d = [row[0] for row in _solve_exact([[G[r][t] for t in active] for r in active], [[v] for v in s])]
        a = [sum(G[j][active[t]] * d[t] for t in range(len(active))) for j in range(p)]
        g = C
        for j in range(p):
            if j in active:
                continue
            for num, den in ((C - c[j], 1 - a[j]), (C + c[j], 1 + a[j])):
                if den != 0 and num / den > 0:
                    g = min(g, num / den)
        leave = []
        if method == "lasso":
            cross = [(-beta[k] / d[t], k) for t, k in enumerate(active) if d[t] != 0 and -beta[k] / d[t] > 0]
            if cross and min(cross)[0] < g:
                g = min(cross)[0]
                leave = [k for v, k in cross if v == g]
        for t, k in enumerate(active):
            beta[k] += g * d[t]
        for k in leave:
            active.remove(k)
            beta[k] = Fraction(0)
        dropped = bool(leave)
    return np.array(alphas), active, np.array(coefs).T


__all__ += ["lars_path"]


# --------------------------------------------------------------------------
# Lack of fit and transformations (MPV ch. 4-5): loops, fsum and Fractions
# --------------------------------------------------------------------------
def lack_of_fit_test(X, y, ssr, df_resid, weights=None) -> dict[str, float]:
    """Pure-error and lack-of-fit sums of squares by grouping identical rows in a dict.

    *ssr* and *df_resid* are the fitted model's (weighted) residual sum of
    squares and residual degrees of freedom.  Returns ``ss_pe``, ``df_pe``,
    ``ss_lof``, ``df_lof``, ``fvalue``.
    """
    X = np.asarray(X, dtype=np.float64).tolist()
    y = [float(v) for v in np.asarray(y, dtype=np.float64)]
    w = [1.0] * len(y) if weights is None else [float(v) for v in weights]
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(X):
        groups.setdefault(tuple(row), []).append(i)
    ss_pe_terms = []
    for rows in groups.values():
        mean = math.fsum(w[i] * y[i] for i in rows) / math.fsum(w[i] for i in rows)
        ss_pe_terms += [w[i] * (y[i] - mean) ** 2 for i in rows]
    ss_pe = math.fsum(ss_pe_terms)
    df_pe = len(y) - len(groups)
    df_lof = int(df_resid) - df_pe
    ss_lof = float(ssr) - ss_pe
    return {
        "ss_pe": ss_pe,
        "df_pe": df_pe,
        "ss_lof": ss_lof,
        "df_lof": df_lof,
        "fvalue": (ss_lof / df_lof) / (ss_pe / df_pe),
    }


def near_neighbour_sigma(X, resid, params, mse, n_pairs: int) -> tuple[float, list[tuple[int, int]]]:
    """Daniel & Wood's near-neighbour sigma: every pair's D^2 in a double loop, sorted, 0.886 * mean range.

    Columns of X that are constant are skipped.  Returns the estimate from
    the *n_pairs* nearest pairs and those pairs (ties broken by (i, j)).
    """
    X = np.asarray(X, dtype=np.float64).tolist()
    e = [float(v) for v in resid]
    b = [float(v) for v in params]
    n, p = len(X), len(X[0])
    varying = [k for k in range(p) if len({row[k] for row in X}) > 1]
    pairs = []
    for i in range(n):
        for j in range(i + 1, n):
            d2 = math.fsum(b[k] ** 2 * (X[i][k] - X[j][k]) ** 2 for k in varying) / float(mse)
            pairs.append((d2, i, j))
    pairs.sort()
    near = pairs[:n_pairs]
    sigma = 0.886 * math.fsum(abs(e[i] - e[j]) for _, i, j in near) / n_pairs
    return sigma, [(i, j) for _, i, j in near]


def boxcox_llf(lmbda: float, y, X) -> float:
    """``(l - 1) sum log y - n/2 log(SSR / n)``: y^(l) by math.pow, the fit by exact normal equations.

    The transformed response is rounded to float64 once; the least-squares
    coefficients are the exact solution of the normal equations in
    Fractions (:func:`ridge` with alpha = 0), the residuals are summed by
    ``fsum``.  Full-column-rank X, tiny problems only.
    """
    ys = [float(v) for v in y]
    t = [math.log(v) if lmbda == 0 else (math.pow(v, lmbda) - 1.0) / lmbda for v in ys]
    coef, _ = ridge(X, t, 0.0, fit_intercept=False)
    Xl = np.asarray(X, dtype=np.float64).tolist()
    r = [
        float(
            Fraction(t[i]) - sum(Fraction(float(c)) * Fraction(x) for c, x in zip(coef, Xl[i], strict=True))
        )
        for i in range(len(ys))
    ]
    ssr = math.fsum(v * v for v in r)
    return (lmbda - 1.0) * math.fsum(math.log(v) for v in ys) - 0.5 * len(ys) * math.log(ssr / len(ys))


__all__ += ["lack_of_fit_test", "near_neighbour_sigma", "boxcox_llf"]


def sandwich_cov(X, e, *, maxlags: int | None = None, groups=None) -> np.ndarray:
    """Newey-West (Bartlett, *maxlags*) or cluster-robust (*groups*) covariance, no small-sample factor.

    ``B M B`` with the bread ``B = (X^T X)^{-1}`` from exact normal
    equations (Fractions) and the meat summed term by term with ``fsum``:
    ``M = sum_t sum_s w(t, s) e_t e_s x_t x_s^T`` where ``w = 1 - |t - s| /
    (maxlags + 1)`` for ``|t - s| <= maxlags`` (HAC) or ``w = [g_t = g_s]``
    (clusters).  Tiny problems only (``O(n^2 p^2)`` terms).
    """
    Xl = np.asarray(X, dtype=np.float64).tolist()
    ev = [float(v) for v in e]
    n, p = len(Xl), len(Xl[0])
    XtX = [
        [sum(Fraction(Xl[t][i]) * Fraction(Xl[t][j]) for t in range(n)) for j in range(p)] for i in range(p)
    ]
    B = _solve_exact(XtX, [[Fraction(int(i == j)) for j in range(p)] for i in range(p)])

    def weight(t, s):
        if groups is not None:
            return 1.0 if groups[t] == groups[s] else 0.0
        lag = abs(t - s)
        return 1.0 - lag / (maxlags + 1.0) if lag <= maxlags else 0.0

    pairs = [(t, s, weight(t, s)) for t in range(n) for s in range(n)]
    pairs = [(t, s, w) for t, s, w in pairs if w != 0.0]
    M = [
        [math.fsum(w * ev[t] * ev[s] * Xl[t][i] * Xl[s][j] for t, s, w in pairs) for j in range(p)]
        for i in range(p)
    ]
    BM = [[sum(B[i][k] * Fraction(M[k][j]) for k in range(p)) for j in range(p)] for i in range(p)]
    return np.array([[float(sum(BM[i][k] * B[k][j] for k in range(p))) for j in range(p)] for i in range(p)])


__all__ += ["sandwich_cov"]


def duplex_split(X, m: int) -> tuple[list[int], list[int]]:
    """Snee's DUPLEX in plain loops: Mahalanobis distances from exact normal-equation algebra.

    ``d(i, j) = (x_i - x_j)^T (X_c^T X_c)^{-1} (x_i - x_j)`` over the
    non-constant columns (Fractions, rounded once), then the pair /
    alternating max-min selection of Snee (1977) until the prediction set
    holds *m* points.  Returns (estimation, prediction), sorted.
    """
    rows = np.asarray(X, dtype=np.float64).tolist()
    n = len(rows)
    cols = [k for k in range(len(rows[0])) if len({r[k] for r in rows}) > 1]
    F = [[Fraction(r[k]) for k in cols] for r in rows]
    p = len(cols)
    mean = [sum(F[i][k] for i in range(n)) / n for k in range(p)]
    C = [[F[i][k] - mean[k] for k in range(p)] for i in range(n)]
    S = [[sum(C[i][a] * C[i][b] for i in range(n)) for b in range(p)] for a in range(p)]
    Sinv = _solve_exact(S, [[Fraction(int(a == b)) for b in range(p)] for a in range(p)])

    def dist(i, j):
        d = [F[i][k] - F[j][k] for k in range(p)]
        return float(sum(d[a] * Sinv[a][b] * d[b] for a in range(p) for b in range(p)))

    D = [[dist(i, j) for j in range(n)] for i in range(n)]
    free = set(range(n))

    def pair():
        best = max((D[i][j], i, j) for i in free for j in free if i < j)
        free.discard(best[1])
        free.discard(best[2])
        return [best[1], best[2]]

    est, pred = pair(), pair()
    turn = 0
    while len(pred) < m:
        group = est if turn == 0 else pred
        k = max(sorted(free), key=lambda c: min(D[c][g] for g in group))
        free.discard(k)
        group.append(k)
        turn = 1 - turn
    return sorted(est + sorted(free)), sorted(pred)


__all__ += ["duplex_split"]


def robust_norm(name: str, z: float, **tuning) -> dict[str, float]:
    """rho, psi, weights and psi_deriv of a robust norm at one point, from the textbook's piecewise cases.

    Mirrors :mod:`jitla.regression.robust_norms` (statsmodels' definitions and
    default constants): Huber (1981) sec. 4.5, Beaton & Tukey (1974),
    Hampel et al. (1986) sec. 2.6, Andrews (1974).
    """
    z = float(z)
    a = abs(z)
    sign = 1.0 if z > 0 else -1.0 if z < 0 else 0.0
    if name == "HuberT":
        t = tuning.get("t", 1.345)
        if a <= t:
            return {"rho": z * z / 2, "psi": z, "weights": 1.0, "psi_deriv": 1.0}
        return {"rho": t * a - t * t / 2, "psi": t * sign, "weights": t / a, "psi_deriv": 0.0}
    if name == "TukeyBiweight":
        c = tuning.get("c", 4.685)
        if a > c:
            return {"rho": c * c / 6, "psi": 0.0, "weights": 0.0, "psi_deriv": 0.0}
        u2 = (z / c) ** 2
        return {
            "rho": c * c / 6 * (1 - (1 - u2) ** 3),
            "psi": z * (1 - u2) ** 2,
            "weights": (1 - u2) ** 2,
            "psi_deriv": (1 - u2) ** 2 - 4 * u2 * (1 - u2),
        }
    if name == "Hampel":
        ha, hb, hc = tuning.get("a", 2.0), tuning.get("b", 4.0), tuning.get("c", 8.0)
        top = ha * (hb + hc - ha) / 2
        if a <= ha:
            return {"rho": z * z / 2, "psi": z, "weights": 1.0, "psi_deriv": 1.0}
        if a <= hb:
            return {"rho": ha * a - ha * ha / 2, "psi": ha * sign, "weights": ha / a, "psi_deriv": 0.0}
        if a <= hc:
            psi = ha * sign * (hc - a) / (hc - hb)
            rho = top - ha * (hc - a) ** 2 / (2 * (hc - hb))
            return {"rho": rho, "psi": psi, "weights": psi / z, "psi_deriv": -ha / (hc - hb)}
        return {"rho": top, "psi": 0.0, "weights": 0.0, "psi_deriv": 0.0}
    if name == "AndrewWave":
        wa = tuning.get("a", 1.339)
        if a > wa * math.pi:
            return {"rho": 2 * wa * wa, "psi": 0.0, "weights": 0.0, "psi_deriv": 0.0}
        u = z / wa
        return {
            "rho": wa * wa * (1 - math.cos(u)),
            "psi": wa * math.sin(u),
            "weights": 1.0 if u == 0 else math.sin(u) / u,
            "psi_deriv": math.cos(u),
        }
    raise ValueError(f"unknown norm {name!r}")


def lts_exhaustive(x, y, h: int) -> tuple[float, float, float]:
    """Least trimmed squares of a straight line by trying every h-subset: ``(objective, intercept, slope)``.

    The LTS optimum is the least-squares fit of the best h-subset
    (Rousseeuw & Leroy, *Robust Regression and Outlier Detection*, 1987,
    sec. 3.4), so enumerating the C(n, h) subsets and fitting each by the
    closed-form simple regression finds it exactly.  Use with n <= ~14.
    """
    from itertools import combinations

    best = (math.inf, math.nan, math.nan)
    xs, ys = [float(v) for v in x], [float(v) for v in y]
    for rows in combinations(range(len(xs)), h):
        xm = math.fsum(xs[i] for i in rows) / h
        ym = math.fsum(ys[i] for i in rows) / h
        sxx = math.fsum((xs[i] - xm) ** 2 for i in rows)
        if sxx == 0.0:
            continue
        slope = math.fsum((xs[i] - xm) * (ys[i] - ym) for i in rows) / sxx
        intercept = ym - slope * xm
        ssr = math.fsum((ys[i] - intercept - slope * xs[i]) ** 2 for i in rows)
        if ssr < best[0]:
            best = (ssr, intercept, slope)
    return best


def m_scale_bisquare(r, c: float, b: float = 0.5) -> float:
    """The bisquare M-scale s, ``mean(rho(r_i / s)) = b`` (rho normalised to sup 1), by bisection.

    The mean is non-increasing in s, so bisection between a scale where it
    is above b and one where it is below finds the root to the last bit,
    independently of the fixed-point iteration the kernel uses.
    """

    def excess(s):
        total = []
        for v in r:
            u2 = (float(v) / (c * s)) ** 2
            total.append(1.0 if u2 >= 1.0 else 1.0 - (1.0 - u2) ** 3)
        return math.fsum(total) / len(total) - b

    lo, hi = 1e-300, 1.0
    while excess(hi) > 0:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi) if hi / max(lo, 1e-300) < 4 else math.sqrt(lo * hi)
        if excess(mid) > 0:
            lo = mid
        else:
            hi = mid
    return hi


__all__ += ["robust_norm", "lts_exhaustive", "m_scale_bisquare"]


# --------------------------------------------------------------------------
# complex factorisations (tests/linalg/test_complex_factor.py)
# --------------------------------------------------------------------------
def _csum(terms) -> complex:
    """A complex sum with each part summed by :func:`math.fsum` (exact, rounded once)."""
    terms = list(terms)
    return complex(math.fsum(t.real for t in terms), math.fsum(t.imag for t in terms))


def qr_complex(A) -> tuple[np.ndarray, np.ndarray]:
    """Complete ``(Q, R)`` of a complex A by textbook Householder QR with LAPACK's reflectors.

    Golub & Van Loan, 4th ed., Alg. 5.2.1 with complex reflectors.  A
    Hermitian reflector ``I - 2 v v^H / v^H v`` can only map x onto a
    multiple of e_0 with the phase of ``x_0``; LAPACK (``zlarfg``) wants a
    real ``beta`` and so uses ``H = I - tau w w^H`` with a complex ``tau =
    (beta - x_0) / beta``, ``w = [1, x[1:] / (x_0 - beta)]``, ``beta =
    -sign(Re x_0) ||x||``, for which ``H^H x = beta e_0``.  R is built by
    applying each ``H^H``, Q by accumulating ``H_0 H_1 ...``; R's diagonal is
    real, as numpy's.  Python complex numbers, sums by :func:`_csum`.
    """
    A = np.asarray(A)
    m, n = A.shape
    R = [[complex(A[i, j]) for j in range(n)] for i in range(m)]
    Q = [[complex(i == j) for j in range(m)] for i in range(m)]
    for k in range(min(m, n)):
        x = [R[i][k] for i in range(k, m)]
        tail = math.fsum(abs(t) ** 2 for t in x[1:])
        if tail == 0.0 and x[0].imag == 0.0:
            continue
        beta = -math.copysign(math.sqrt(abs(x[0]) ** 2 + tail), x[0].real)
        tau = (beta - x[0]) / beta
        w = [1 + 0j] + [t / (x[0] - beta) for t in x[1:]]
        for j in range(n):  # R[k:, j] -= conj(tau) w (w^H R[k:, j])
            s = tau.conjugate() * _csum(w[i].conjugate() * R[k + i][j] for i in range(m - k))
            for i in range(m - k):
                R[k + i][j] -= s * w[i]
        for r in range(m):  # Q[r, k:] -= tau (Q[r, k:] w) w^H
            s = tau * _csum(Q[r][k + i] * w[i] for i in range(m - k))
            for i in range(m - k):
                Q[r][k + i] -= s * w[i].conjugate()
        R[k][k] = complex(beta)  # what H^H x is exactly (the update leaves rounding in Im)
        for i in range(k + 1, m):
            R[i][k] = 0j
    return np.array(Q, dtype=np.complex128).reshape(m, m), np.array(R, dtype=np.complex128).reshape(m, n)


def lu_complex(A) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """``(L, U, perm)`` of a complex A with ``A[perm] = L @ U``, partial pivoting as LAPACK's ``zgetrf``.

    Golub & Van Loan, 4th ed., Algorithm 3.4.1 on Python complex numbers; the
    pivot is the first entry of largest ``|Re| + |Im|`` in its column
    (LAPACK's ``izamax``), so the row order is LAPACK's.
    """
    W = [[complex(v) for v in row] for row in np.asarray(A)]
    m = len(W)
    n = len(W[0]) if m else 0
    perm = list(range(m))
    for k in range(min(m, n)):
        p = max(range(k, m), key=lambda i: (abs(W[i][k].real) + abs(W[i][k].imag), -i))
        W[k], W[p] = W[p], W[k]
        perm[k], perm[p] = perm[p], perm[k]
        if W[k][k] != 0:
            for i in range(k + 1, m):
                W[i][k] = W[i][k] / W[k][k]
                for j in range(k + 1, n):
                    W[i][j] = W[i][j] - W[i][k] * W[k][j]
    r = min(m, n)
    L = np.array([[W[i][j] if j < i else complex(i == j) for j in range(r)] for i in range(m)], np.complex128)
    U = np.array([[W[i][j] if j >= i else 0j for j in range(n)] for i in range(r)], np.complex128)
    return L.reshape(m, r), U.reshape(r, n), perm


def cholesky_complex(A) -> np.ndarray:
    """Lower-triangular L with ``A = L @ L^H`` for Hermitian positive definite A (its lower triangle read).

    Golub & Van Loan, 4th ed., Algorithm 4.2.1 with conjugates, each inner
    product summed by :func:`_csum`; the diagonal is real.
    """
    rows = [[complex(v) for v in row] for row in np.asarray(A)]
    n = len(rows)
    L = [[0j] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = rows[i][j] - _csum([L[i][p] * L[j][p].conjugate() for p in range(j)])
            if i == j:
                if not s.real > 0.0:
                    raise ValueError(f"pivot {i} is not positive")
                L[i][i] = complex(math.sqrt(s.real))
            else:
                L[i][j] = s / L[j][j].real
    return np.array(L, dtype=np.complex128).reshape(n, n)


def svdvals_complex(A, sweeps: int = 60) -> np.ndarray:
    """Singular values of a complex A by one-sided Jacobi with complex rotations, descending.

    Hestenes' method (Golub & Van Loan, 4th ed., Sec. 8.6.3) on complex
    columns: for a pair with ``gamma = x^H y``, rotate y by the phase
    ``e = gamma / |gamma|`` first (``y' = conj(e) y``, so ``x^H y'`` is real)
    and then apply the real Jacobi rotation.  Python complex numbers only.
    """
    A = np.asarray(A)
    cols = [[complex(A[i, j]) for i in range(A.shape[0])] for j in range(A.shape[1])]
    n = len(cols)
    for _ in range(sweeps):
        done = True
        for p in range(n - 1):
            for q in range(p + 1, n):
                alpha = math.fsum(abs(x) ** 2 for x in cols[p])
                beta = math.fsum(abs(x) ** 2 for x in cols[q])
                gamma = _csum(x.conjugate() * y for x, y in zip(cols[p], cols[q], strict=True))
                g = abs(gamma)
                if g == 0 or g <= 1e-15 * math.sqrt(alpha * beta):
                    continue
                done = False
                e = gamma / g
                yq = [e.conjugate() * y for y in cols[q]]
                zeta = (beta - alpha) / (2 * g)
                t = math.copysign(1.0, zeta) / (abs(zeta) + math.sqrt(1 + zeta * zeta))
                c = 1 / math.sqrt(1 + t * t)
                s = c * t
                cols[p], cols[q] = (
                    [c * x - s * y for x, y in zip(cols[p], yq, strict=True)],
                    [s * x + c * y for x, y in zip(cols[p], yq, strict=True)],
                )
        if done:
            break
    return np.array(sorted((math.sqrt(math.fsum(abs(x) ** 2 for x in c)) for c in cols), reverse=True))


def _zlarfg(x: list[complex]) -> tuple[float, complex, list[complex]]:
    """``(beta, tau, v)``: ``(I - tau v v^H)^H x = beta e_0``, beta real (LAPACK ``zlarfg``)."""
    tail = math.fsum(abs(t) ** 2 for t in x[1:])
    if tail == 0.0 and x[0].imag == 0.0:
        return x[0].real, 0j, [1 + 0j] + [0j] * (len(x) - 1)
    beta = -math.copysign(math.sqrt(abs(x[0]) ** 2 + tail), x[0].real)
    return beta, (beta - x[0]) / beta, [1 + 0j] + [t / (x[0] - beta) for t in x[1:]]


def bidiagonalize_complex(G) -> tuple[np.ndarray, np.ndarray]:
    """``(d, e)`` of the real lower bidiagonal B with ``G = P B Q^H``, for a complex G (k x L, k <= L).

    Textbook Golub-Kahan (Golub & Van Loan, 4th ed., Alg. 5.4.2, transposed
    as LAPACK ``zgebd2`` for k < L) with LAPACK's reflectors, two passes per
    reflector: step i maps the conjugated row i onto ``d_i e_0`` by ``H = I
    - tau v v^H`` applied from the right (``G[i:, i:] := G[i:, i:] H``), then
    the column below the diagonal onto ``e_i e_0`` by ``H^H`` from the left.
    B is unique given the reflectors' sign rule, so a kernel's d and e are
    compared entry by entry.  Python complex numbers, sums by :func:`_csum`.
    """
    A = np.asarray(G)
    k, L = A.shape
    R = [[complex(A[i, j]) for j in range(L)] for i in range(k)]
    d = [0.0] * k
    e = [0.0] * k
    for i in range(k):
        beta, tau, v = _zlarfg([R[i][c].conjugate() for c in range(i, L)])
        d[i] = beta
        for r in range(i, k):  # row r -= tau (row r . v) v^H
            s = tau * _csum(R[r][i + c] * v[c] for c in range(L - i))
            for c in range(L - i):
                R[r][i + c] -= s * v[c].conjugate()
        if i + 1 >= k:
            break
        beta, tau, u = _zlarfg([R[r][i] for r in range(i + 1, k)])
        e[i] = beta
        for c in range(i, L):  # column c -= conj(tau) u (u^H column c)
            s = tau.conjugate() * _csum(u[r].conjugate() * R[i + 1 + r][c] for r in range(k - i - 1))
            for r in range(k - i - 1):
                R[i + 1 + r][c] -= s * u[r]
    return np.array(d), np.array(e)


def eigvals_complex_mp(A, dps: int = 40) -> np.ndarray:
    """Eigenvalues of a complex matrix from mpmath's ``eig`` at *dps* digits, sorted by (real, imaginary)."""
    import mpmath

    with mpmath.workdps(dps):
        M = mpmath.matrix([[mpmath.mpc(complex(v)) for v in row] for row in np.asarray(A)])
        values = mpmath.eig(M, left=False, right=False)
        return np.array(sorted((complex(v) for v in values), key=lambda z: (z.real, z.imag)))


__all__ += ["qr_complex", "bidiagonalize_complex", "svdvals_complex", "eigvals_complex_mp"]
