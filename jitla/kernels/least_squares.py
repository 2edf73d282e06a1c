"""Least squares from one QR of the augmented design: the regression fit in two kernel calls.

A linear regression needs, from the QR factorisation of the augmented
matrix ``A = diag(w) [1 | X | Y]`` (Golub & Van Loan, *Matrix
Computations*, 4th ed., Sec. 5.3.3; Bjorck, *Numerical Methods for Least
Squares Problems*, 1996, Sec. 1.3.1)::

    A = Q [[R11, R12],      B = R11^{-1} R12,    (X^T X)^{-1} = R11^{-1} R11^{-T},
           [0,   R22]]      SSR_j = ||w (Y[:, j] - [1 | X] B[:, j])||^2

(R11 is p x p with ``p = ones + X.shape[1]``).  Done as separate numpy and
kernel calls from Python, each of these steps costs more in call overhead
than in arithmetic at n = 100, p = 3 (devlog 023); here they are the loops
of two kernels:

1. :func:`design_r`    assemble A, transposed, and factor it (Householder
   QR as an LQ factorisation of ``A^T``, one pass over the trailing rows
   per reflector), R with a non-negative diagonal -- the R of
   :func:`jitla.linalg.qr_r_augmented` to rounding.  (Past the sizes of
   :func:`jitla.linalg._policy.least_squares_plan`, R comes from TSQR or
   the blocked QR instead.)
2. :func:`solve_from_r` on R: the column scales (powers of two near the
   lengths of R11's columns: exact equilibration, van der Sluis 1969), the
   full-rank test, ``B`` by back substitution on the equilibrated columns,
   ``D R11^{-1}``, the squared row norms of that inverse (the standard
   errors' ``diag((X^T X)^{-1})`` up to the scales) and the residual sums
   of squares.  It returns a status: 0 when every column is clearly
   independent of the earlier ones and every coefficient is finite, and
   then all its outputs are written; 1 when the full-rank test does not
   pass (a column may be aliased: the caller decides column by column,
   from R); 2 when a coefficient is not finite (a column so short that its
   coefficient leaves float64's range).

The arithmetic after the QR is that of the Python path it replaces
(:func:`jitla.regression._fit.fit_least_squares` on
:func:`jitla.linalg.qr_r_augmented`): the same scaled column norms, the
same full-rank shortcut, and for B the dot-form back substitution of
:func:`~jitla.kernels.triangular.trsv`.  Sums in another order, so equal
to rounding only: the QR's dot products (interleaved partial sums,
:func:`~jitla.kernels.qr_tall._reflect_row`, where ``geqr2`` sums row by
row), ``R11^{-1}`` (the same dot form, where ``trsm`` used axpys), and the
sums whose order numpy or the BLAS chose there (the norms' ``einsum``, the
residuals' ``matmul`` and ``dot``; sequential loops here).

Kernel contract: ``X`` (m, p0) and ``Y`` (m, k) C-contiguous float64;
``w`` (m,) row weights or (0,) for none; ``ones`` 0 or 1; ``R`` (n, n) with
``n = ones + p0 + k``; ``B`` (p, k); ``Rinv`` (p, p); ``aux`` (2 p + k,)
receives ``[d | diag(Rinv Rinv^T) | SSR]``.  All outputs overwritten.  No
checks are made on the inputs.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel, vector_kernel
from jitla.kernels._registry import register
from jitla.kernels._tile import register_tile
from jitla.kernels.qr_householder import householder, qr_flops
from jitla.kernels.qr_tall import _reflect_row

__all__ = ["design_r", "scan_design", "solve_from_r"]


def _design_example(dtype):
    """Operands of a tiny call: ``[1 | X | y]``, 9 x 4 (for :func:`jitla.warmup`)."""
    X = (np.arange(1.0, 19.0).reshape(9, 2) ** 0.5).astype(dtype)
    Y = np.arange(9.0).reshape(9, 1).astype(dtype)
    return X, Y, np.empty(0, dtype), 1, np.empty((4, 4), dtype)


def _from_r_example(dtype):
    """:func:`_design_example`'s problem, R (numpy's, signs as they come) first, then the outputs."""
    X, Y, w, ones, _ = _design_example(dtype)
    R = np.ascontiguousarray(np.linalg.qr(np.column_stack([np.ones(9), X, Y]), mode="r").astype(dtype))
    outputs = (np.empty((3, 1), dtype), np.empty((3, 3), dtype), np.empty(7, dtype))
    return (R, X, Y, w, ones, 1e-12, *outputs)


@register(
    "least_squares",
    "design_r",
    "R of [1 | X | Y] (times w), assembled transposed and factored as an LQ: no copy in row order",
    flops=qr_flops,
    example=_design_example,
)
@vector_kernel
def design_r(X, Y, w, ones, R):
    """R factor of ``A = diag(w) [1 | X | Y]``, non-negative diagonal, by Householder QR of its transpose.

    Parameters
    ----------
    X : (m, p0) ndarray
    Y : (m, k) ndarray
    w : (m,) or (0,) ndarray
        Row weights; empty for none.
    ones : int
        1 to put a column of ones (times w) first.
    R : (n, n) ndarray, overwritten
        Upper triangular, ``n = ones + p0 + k``; rows past m are zero.

    Notes
    -----
    A is assembled once, transposed, in an (n, m) workspace ``At`` (in
    8-row strips, so each strip writes 8 contiguous entries per column),
    so that each Householder vector -- a column of A -- is a contiguous row
    of ``At``, and applying a reflector to a later column is one dot product
    and one axpy over a row that stays in L1
    (:func:`~jitla.kernels.qr_tall._reflect_row`): the LQ factorisation
    ``At = R^T Q^T`` (LAPACK ``dgelq2``) with LAPACK's reflectors
    (:func:`~jitla.kernels.qr_householder.householder`), as TSQR factors
    its row blocks (:func:`~jitla.kernels.qr_tall.tsqr_r`).  For a narrow A
    this takes half the time of :func:`~jitla.kernels.qr_householder.geqr2`
    on the row-major matrix, whose rows are only n long.  Rows of R whose
    diagonal is negative are negated (R is unique up to those signs).
    Flops ``2 m n^2 - 2 n^3 / 3``; workspace ``m n``.
    """
    m, p0 = X.shape
    k = Y.shape[1]
    n = ones + p0 + k
    At = np.empty((n, m), dtype=X.dtype)
    weighted = w.shape[0] > 0
    for i0 in range(0, m, 8):
        i1 = min(i0 + 8, m)
        if ones:
            for i in range(i0, i1):
                At[0, i] = w[i] if weighted else 1.0
        for j in range(p0):
            row = At[ones + j]
            for i in range(i0, i1):
                row[i] = X[i, j] * w[i] if weighted else X[i, j]
        for j in range(k):
            row = At[ones + p0 + j]
            for i in range(i0, i1):
                row[i] = Y[i, j] * w[i] if weighted else Y[i, j]
    acc = register_tile(X, 4, 1)  # 4 vectors of partial sums
    for q in range(min(n, m)):
        v = At[q, q:]
        beta, t = householder(v)
        if t != 0:
            for j in range(q + 1, n):
                _reflect_row(v, At[j, q:], t, acc)
    for i in range(n):
        row = R[i]
        if i >= m:
            for j in range(n):
                row[j] = 0.0
            continue
        sign = -1.0 if At[i, i] < 0 else 1.0
        for j in range(i):
            row[j] = 0.0
        for j in range(i, n):
            row[j] = sign * At[j, i]
    return 0


# inline="always": a helper with one or two callers is compiled inside them, not as a
# library of its own that every level above re-optimises (devlog 029)
@kernel(inline="always")
def _column_scales(R, p, rtol, d):
    """Powers of two near the lengths of R11's columns into d; False unless R11 passes the rank test.

    Each length is computed scaled by the column's largest entry (LAPACK
    ``dnrm2``'s purpose: no overflow at 1e+155, no underflow at 1e-160).
    The test: ``|R[j, j]| > rtol ||R[:p, j]||`` for every j (a zero column
    fails it).
    """
    full = True
    for j in range(p):
        big = 0.0
        for i in range(j + 1):
            a = abs(R[i, j])
            if a > big:
                big = a
        length = 0.0
        if big > 0.0:
            ssq = 0.0
            for i in range(j + 1):
                t = R[i, j] / big
                ssq += t * t
            length = big * math.sqrt(ssq)
        d[j] = math.ldexp(1.0, round(math.log2(length))) if length > 0.0 else 1.0
        if not abs(R[j, j]) > rtol * length:
            full = False
    return full


@kernel(inline="always")
def _back_substitute(U, B):
    """``B := U^{-1} B`` for upper-triangular U with a nonzero diagonal, dot form.

    Golub & Van Loan, 4th ed., Alg. 3.1.2 (row-oriented back substitution)
    for each column of B: ``B[i] = (B[i] - U[i, i+1:] @ B[i+1:]) / U[i, i]``,
    the operations of :func:`~jitla.kernels.triangular.trsv` in the same
    order.  Flops ``p^2 k``; no workspace.
    """
    p, k = B.shape
    for i in range(p - 1, -1, -1):
        for j in range(k):
            s = 0.0
            for q in range(i + 1, p):
                s += U[i, q] * B[q, j]
            B[i, j] = (B[i, j] - s) / U[i, i]


@register(
    "least_squares",
    "solve_from_r",
    "rank test, equilibrated solves, D R^-1 and SSR of least squares, from the R of [1 | X | Y]",
    flops=lambda m, n: 2.0 * m * n + n**3 / 3.0,
    example=_from_r_example,
)
@kernel
def solve_from_r(R, X, Y, w, ones, rtol, B, Rinv, aux):
    """Coefficients, inverse factor and residual sums of squares from the R of ``diag(w) [1 | X | Y]``.

    Parameters
    ----------
    R : (n, n) ndarray
        Upper-triangular factor of the augmented matrix (:func:`design_r`
        or TSQR), read only.
    X, Y, w, ones
        The problem R came from (module docstring); read for the residuals.
    rtol : float
        Full-rank test: every ``|R[j, j]| > rtol ||R[:p, j]||``.
    B : (p, k) ndarray, overwritten
        ``R11^{-1} R12``, solved on the equilibrated columns ``R11 D^{-1}``.
    Rinv : (p, p) ndarray, overwritten
        ``(R11 D^{-1})^{-1} = D R11^{-1}``, upper triangular.
    aux : (2 p + k,) ndarray, overwritten
        ``d`` (the diagonal of D), the squared row norms of Rinv, and
        ``SSR_j = sum_i (w_i (Y[i, j] - [1 | X][i] B[:, j]))^2``.

    Returns
    -------
    int
        Status (module docstring): 0, 1 (rank test failed) or 2 (a
        coefficient is not finite).

    Notes
    -----
    Flops ``p^3 / 3 + p^2 k`` for the two triangular solves and ``2 m p k``
    for the residuals; workspace ``p^2 + p``.
    """
    n = R.shape[0]
    p = ones + X.shape[1]
    k = n - p
    m = X.shape[0]
    d = aux[:p]
    if not _column_scales(R, p, rtol, d):
        return 1
    # only the upper triangle is written and read: np.empty, not np.zeros (whose implementation
    # would be one more compilation in a cold fit)
    Rs = np.empty((p, p), dtype=R.dtype)
    for i in range(p):
        for j in range(i, p):
            Rs[i, j] = R[i, j] / d[j]
    for i in range(p):
        for j in range(k):
            B[i, j] = R[i, p + j]
    _back_substitute(Rs, B)
    for i in range(p):
        for j in range(k):
            B[i, j] /= d[i]
            if not math.isfinite(B[i, j]):
                return 2
    for i in range(p):
        for j in range(p):
            Rinv[i, j] = 1.0 if i == j else 0.0
    _back_substitute(Rs, Rinv)
    v = aux[p : 2 * p]
    for i in range(p):
        s = 0.0
        for j in range(i, p):
            s += Rinv[i, j] * Rinv[i, j]
        v[i] = s
    weighted = w.shape[0] > 0
    p0 = p - ones
    for j in range(k):
        ssr = 0.0
        for i in range(m):
            x = X[i]
            fit = B[0, j] if ones else 0.0
            for q in range(p0):
                fit += x[q] * B[ones + q, j]
            e = Y[i, j] - fit
            if weighted:
                e *= w[i]
            ssr += e * e
        aux[2 * p + j] = ssr
    return 0


def _scan_example(dtype):
    return (np.arange(1.0, 13.0).reshape(4, 3).astype(dtype),)


@register(
    "scan_design",
    "serial",
    "one pass over a design: any NaN / inf, and its first constant non-zero column",
    flops=lambda m, n: float(m) * n,
    example=_scan_example,
)
@kernel
def scan_design(A):
    """-2 if A holds a NaN or inf, else the first column that is constant and non-zero, else -1.

    Parameters
    ----------
    A : (m, n) ndarray
        Read only.

    Returns
    -------
    int

    Notes
    -----
    One pass over the rows (A is row-major), without branches, so the
    loop over a row vectorises: per column, a sum of ``a * 0`` (NaN
    exactly when some entry is NaN or inf) and whether every entry equals
    the first row's.  Replaces three numpy reductions (a sum for
    finiteness; ``max`` and ``min`` over the rows for the constant column),
    each a separate pass with its own call.  Flops ``2 m n``; workspace
    2n.
    """
    m, n = A.shape
    if m == 0:
        return -1
    first = A[0]
    nonfinite = np.zeros(n, dtype=A.dtype)  # x * 0 is NaN exactly when x is NaN or inf
    same = np.ones(n, dtype=np.bool_)
    for i in range(m):
        row = A[i]
        for j in range(n):
            a = row[j]
            nonfinite[j] += a * 0.0
            same[j] &= a == first[j]
    for j in range(n):
        if nonfinite[j] != 0.0:
            return -2
    for j in range(n):
        if same[j] and first[j] != 0.0:
            return j
    return -1
