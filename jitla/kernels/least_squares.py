"""Least squares from one QR of the augmented design, in one kernel call.

A linear regression needs, from the QR factorisation of the augmented
matrix ``A = diag(w) [1 | X | Y]`` (Golub & Van Loan, *Matrix
Computations*, 4th ed., Sec. 5.3.3; Bjorck, *Numerical Methods for Least
Squares Problems*, 1996, Sec. 1.3.1)::

    A = Q [[R11, R12],      B = R11^{-1} R12,    (X^T X)^{-1} = R11^{-1} R11^{-T},
           [0,   R22]]      SSR_j = ||w (Y[:, j] - [1 | X] B[:, j])||^2

(R11 is p x p with ``p = ones + X.shape[1]``).  Done as separate numpy and
kernel calls from Python, each of these steps costs more in call overhead
than in arithmetic at n = 100, p = 3 (devlog 023); here they are the loops
of one kernel:

1. :func:`design_r`    assemble A, transposed, and factor it (Householder
   QR as an LQ factorisation of ``A^T``, one pass over the trailing rows
   per reflector), R with a non-negative diagonal -- the R of
   :func:`jitla.linalg.qr_r_augmented` to rounding.
2. :func:`solve_from_r` on R: the column scales (powers of two near the
   lengths of R11's columns: exact equilibration, van der Sluis 1969), the
   full-rank test, ``B`` by back substitution on the equilibrated columns,
   ``D R11^{-1}``, the squared row norms of that inverse (the standard
   errors' ``diag((X^T X)^{-1})`` up to the scales) and the residual sums
   of squares.

Status (returned by :func:`solve_from_r` and :func:`ls_qr`): 0 when every column is clearly independent of the
earlier ones and every coefficient is finite, and then all outputs are
written; 1 when the full-rank test does not pass (a column may be aliased:
the caller decides column by column, from R); 2 when a coefficient is not
finite (a column so short that its coefficient leaves float64's range).
After a status other than 0 only R is meaningful.

The arithmetic after the QR is that of the Python path it replaces
(:func:`jitla.regression._fit.fit_least_squares` on
:func:`jitla.linalg.qr_r_augmented`): the same triangular-solve loops
(:func:`~jitla.kernels.triangular.trsv` for one right-hand side, the
unblocked ``trsm`` loops otherwise), the same scaled column norms and the
same full-rank shortcut.  The QR's dot products are summed in interleaved
partial sums (:func:`~jitla.kernels.qr_tall._reflect_row`) where ``geqr2``
sums row by row, and the sums whose order numpy or the BLAS chose there
(the norms' ``einsum``, the residuals' ``matmul`` and ``dot``) are
sequential loops here, so those values agree to rounding.

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
from jitla.kernels.triangular import _trsm_kernel, trsv

__all__ = ["design_r", "ls_qr", "scan_design", "solve_from_r"]


def _ls_flops(m, n):
    """Householder QR of the (m, n) augmented matrix (the O(n^3) solves are extra)."""
    return qr_flops(m, n)


def _ls_example(dtype):
    """Operands of a tiny call: ``[1 | X | y]``, 9 x 4 (for :func:`jitla.warmup`)."""
    X = (np.arange(1.0, 19.0).reshape(9, 2) ** 0.5).astype(dtype)
    Y = np.arange(9.0).reshape(9, 1).astype(dtype)
    outputs = (np.empty((4, 4), dtype), np.empty((3, 1), dtype), np.empty((3, 3), dtype), np.empty(7, dtype))
    return (X, Y, np.empty(0, dtype), 1, 1e-12, *outputs)


def _from_r_example(dtype):
    """As :func:`_ls_example`, the R factor (numpy's, signs as they come) first."""
    X, Y, w, ones, rtol, _, B, Rinv, aux = _ls_example(dtype)
    R = np.ascontiguousarray(np.linalg.qr(np.column_stack([np.ones(9), X, Y]), mode="r").astype(dtype))
    return R, X, Y, w, ones, rtol, B, Rinv, aux


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


@kernel
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


@kernel
def _upper_solve(U, B):
    """``B := U^{-1} B`` for upper-triangular U (nonzero diagonal), as ``jitla.linalg.solve_triangular``.

    One right-hand side goes through :func:`~jitla.kernels.triangular.trsv`
    (dot form), several through the unblocked ``trsm`` loops, as the
    "auto" policy picks them for these sizes.
    """
    p, k = B.shape
    if k == 1:
        x = np.empty(p, dtype=B.dtype)
        for i in range(p):
            x[i] = B[i, 0]
        trsv(U, x, False, False, False)
        for i in range(p):
            B[i, 0] = x[i]
    else:
        _trsm_kernel(U, B, False, False, False)


@register(
    "least_squares",
    "from_r",
    "the solves and SSR of least squares from a given R of [1 | X | Y] (TSQR, blocked QR)",
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
    Rs = np.zeros((p, p), dtype=R.dtype)
    for i in range(p):
        for j in range(i, p):
            Rs[i, j] = R[i, j] / d[j]
    for i in range(p):
        for j in range(k):
            B[i, j] = R[i, p + j]
    _upper_solve(Rs, B)
    for i in range(p):
        for j in range(k):
            B[i, j] /= d[i]
            if not math.isfinite(B[i, j]):
                return 2
    for i in range(p):
        for j in range(p):
            Rinv[i, j] = 1.0 if i == j else 0.0
    _upper_solve(Rs, Rinv)
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


@register(
    "least_squares",
    "householder",
    "one call: [1 | X | Y] (times w) assembled transposed, its LQ, equilibrated solves, SSR",
    flops=_ls_flops,
    example=_ls_example,
)
@kernel
def ls_qr(X, Y, w, ones, rtol, R, B, Rinv, aux):
    """Least squares ``min ||diag(w) (Y - [1 | X] B)||`` in one call: :func:`design_r`, :func:`solve_from_r`.

    Arguments and status as those two (module docstring).  Flops ``2 m n^2
    - 2 n^3 / 3`` for the QR plus ``O(p^3 + m p k)``; workspace ``m n + p^2``.
    """
    design_r(X, Y, w, ones, R)
    return solve_from_r(R, X, Y, w, ones, rtol, B, Rinv, aux)


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
