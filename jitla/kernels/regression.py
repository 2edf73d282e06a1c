"""Regression kernels: leverage and influence measures from the R factor, one pass over the rows.

Given the (whitened) design ``X`` (n, k) of full column rank, its R factor
(``X = Q R``, R (k, k) upper triangular, Q never formed) and the residuals
``e = y - X b``, every leave-one-out quantity of ordinary least squares has
a closed form in the row ``q_i = x_i R^{-1}`` of Q (Belsley, Kuh & Welsch
1980, Sec. 2.1; Cook & Weisberg 1982, Sec. 2.2 and 3.4; Chatterjee & Hadi
1988, Ch. 4):

    h_i       = ||q_i||^2                                   leverage (hat value)
    b - b_(i) = R^{-1} q_i^T e_i / (1 - h_i)                DFBETA; (X^T X)^{-1} x_i = R^{-1} q_i^T
    s_(i)^2   = (SSR - e_i^2 / (1 - h_i)) / (n - k - 1)     deleted variance
    r_i       = e_i / (s sqrt(1 - h_i))                     internally studentized
    t_i       = e_i / (s_(i) sqrt(1 - h_i))                 externally studentized
    D_i       = r_i^2 h_i / (k (1 - h_i))                   Cook's distance (Cook & Weisberg Sec. 3.4)
    DFFITS_i  = t_i sqrt(h_i / (1 - h_i))                   change of the fit at x_i, scaled
    COVRATIO  = (s_(i)^2 / s^2)^k / (1 - h_i)               det cov(b_(i)) / det cov(b)
    PRESS_i   = e_i / (1 - h_i)                             y_i minus its leave-one-out prediction
    DFBETAS   = (b_j - b_(i)j) / (s_(i) sqrt([(X^T X)^{-1}]_jj))

so nothing is refitted: per row, one forward substitution with ``R^T``
(gives q_i and h_i) and one back substitution with ``R`` (gives DFBETA),
about ``2 k^2`` flops, and a few dozen scalar operations.  The solves are
done for RB = 16 rows at a time, side by side, so that the innermost loops
run over 16 independent rows (vectorised) instead of along a dependent
dot product.

1. :func:`influence_rows`           serial, row by row
2. :func:`influence_rows_parallel`  ``prange`` over blocks of rows

Kernel contract (both variants): ``X`` (n, k) C-contiguous float32/float64
(rows contiguous, read once); ``e`` (n,) residuals; ``R`` (k, k) upper
triangular with a non-zero diagonal (its strict lower triangle is never
read); ``dinv`` (k,) ``sqrt(diag((R^T R)^{-1}))``, the row norms of
``R^{-1}``; ``fit = (ssr, df_resid, tol)`` floats; outputs ``stats``
(NSTAT, n), ``dfbeta`` (n, k), ``dfbetas`` (n, k), all overwritten.  The rows
of ``stats`` are indexed by the constants below (``HAT``, ``STUDENT_INTERNAL``,
...).  No checks are made on the inputs.  Returns the number of rows whose
leverage is 1 to within ``tol`` (``1 - h_i <= tol``): for those, ``h_i`` is
stored as exactly 1, ``resid_std`` as 0, and every quantity that divides by
``1 - h_i`` (studentized residuals, Cook's D, DFFITS, COVRATIO, PRESS,
DFBETA(S), ``s_(i)``) as NaN -- the exact values are 0/0, and the computed
ones would be round-off divided by round-off.

Rows are independent, so the parallel variant gives bitwise the same
numbers as the serial one for any thread count and block size.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from jitla._jit import kernel, parallel_kernel
from jitla.kernels._registry import register

__all__ = [
    "COOKS",
    "COVRATIO",
    "DFFITS",
    "DFFITS_INTERNAL",
    "HAT",
    "INFLUENCE",
    "NSTAT",
    "PRESS",
    "RESID_STD",
    "RB",
    "ROWS_PER_BLOCK",
    "SIGMA_I",
    "STUDENT_EXTERNAL",
    "STUDENT_INTERNAL",
    "influence_flops",
    "influence_rows",
    "influence_rows_parallel",
]

#: Rows of the ``stats`` output: one contiguous (n,) vector per measure.
HAT = 0
STUDENT_INTERNAL = 1
STUDENT_EXTERNAL = 2
SIGMA_I = 3
COOKS = 4
DFFITS_INTERNAL = 5
DFFITS = 6
COVRATIO = 7
PRESS = 8
RESID_STD = 9
INFLUENCE = 10
NSTAT = 11

#: Rows solved side by side (the inner, vectorised loop of the triangular
#: solves): with one row at a time the innermost loop is a dependent dot
#: product; 16 independent rows fill the vector registers (devlog 008 has
#: the measurements for 1, 8 and 16 rows).
RB = 16

#: Rows per block of the parallel kernel (a compile-time constant, like the
#: GEMM register tile).  Rows are independent, so the block size changes
#: only the load balance, never a result; 1024 rows x 20 columns of float64
#: is 160 KiB of X per block, and a 100,000-row problem has ~100 blocks to
#: balance over the threads.
ROWS_PER_BLOCK = 1024


def influence_flops(n, k):
    """Nominal flops of :func:`influence_rows`: ``2 n k^2 + 4 n k``.

    Per row: forward substitution with ``R^T`` (k^2), ``||q_i||^2`` (2k),
    back substitution with R (k^2), scaling DFBETA and DFBETAS (2k); the ~30
    scalar operations per row are not counted.
    """
    return 2.0 * n * k * k + 4.0 * n * k


def _example(dtype):
    """A tiny valid call: 6 x 2 design, its R from numpy's QR, the LS residuals."""
    X = np.array([[1.0, 0.5], [1.0, -1.0], [1.0, 2.0], [1.0, 0.0], [1.0, 1.5], [1.0, -0.5]])
    y = np.array([1.0, -2.0, 3.5, 0.0, 2.0, -1.0])
    Q, R = np.linalg.qr(X)
    b = np.linalg.solve(R, Q.T @ y)
    e = y - X @ b
    dinv = np.sqrt((np.linalg.inv(R) ** 2).sum(axis=1))
    n, k = X.shape
    fit = (float(e @ e), float(n - k), 10.0 * k * float(np.finfo(dtype).eps))
    return (
        X.astype(dtype),
        e.astype(dtype),
        np.ascontiguousarray(R, dtype=dtype),
        dinv.astype(dtype),
        fit,
        np.empty((NSTAT, n), dtype),
        np.empty((n, k), dtype),
        np.empty((n, k), dtype),
    )


# inline="always": a helper with one or two callers is compiled inside them, not as a
# library of its own that every level above re-optimises (devlog 029)
@kernel(inline="always")
def _row_statistics(stats, i, ei, h, fit, k):
    """The scalar measures of row i from its residual ``ei`` and leverage ``h``, into ``stats[:, i]``.

    Returns ``(press, si, flagged)``: ``e_i / (1 - h_i)``, ``s_(i)`` (both NaN
    for a leverage-1 row) and 1 if the row has leverage 1 to within ``tol``.
    """
    ssr, df_resid, tol = fit
    nan = math.nan
    u = 1.0 - h
    if u <= tol:
        # leverage 1: the row is fitted exactly whatever y_i is, so e_i = 0 and
        # every deletion statistic is 0/0.
        stats[HAT, i] = 1.0
        stats[RESID_STD, i] = 0.0
        for s in (STUDENT_INTERNAL, STUDENT_EXTERNAL, SIGMA_I, COOKS, DFFITS_INTERNAL, DFFITS, COVRATIO):
            stats[s, i] = nan
        stats[PRESS, i] = nan
        stats[INFLUENCE, i] = nan
        return nan, nan, 1
    press = ei / u  # e_i / (1 - h_i): y_i minus its prediction from the fit without row i
    s2 = ssr / df_resid
    s = math.sqrt(s2)
    if df_resid > 1.0:
        # SSR_(i) = SSR - e_i^2 / (1 - h_i) >= 0 exactly; clamp round-off below 0
        s2i = max((ssr - ei * press) / (df_resid - 1.0), 0.0)
    else:
        s2i = nan
    si = math.sqrt(s2i)
    root_u = math.sqrt(u)
    r_int = ei / (s * root_u)
    r_ext = ei / (si * root_u)
    lever = math.sqrt(h / u)
    stats[HAT, i] = h
    stats[STUDENT_INTERNAL, i] = r_int
    stats[STUDENT_EXTERNAL, i] = r_ext
    stats[SIGMA_I, i] = si
    stats[COOKS, i] = r_int * r_int * h / (k * u)
    stats[DFFITS_INTERNAL, i] = r_int * lever
    stats[DFFITS, i] = r_ext * lever
    stats[COVRATIO, i] = (s2i / s2) ** k / u
    stats[PRESS, i] = press
    stats[RESID_STD, i] = s * root_u
    stats[INFLUENCE, i] = press * h
    return press, si, 0


@kernel(inline="always")
def _influence_block(X, e, R, dinv, fit, out, rows, W):
    """All measures of rows ``rows[0]:rows[1]``, RB rows at a time (the body of both variants).

    ``out = (stats, dfbeta, dfbetas)`` as in :func:`influence_rows`; ``W``
    (k, RB) is workspace, overwritten.  Returns the number of leverage-1 rows.
    """
    stats, dfbeta, dfbetas = out
    lo, hi = rows
    k = R.shape[0]
    h = np.empty(RB, dtype=W.dtype)
    flagged = 0
    # loop 1 (i0): over the rows, RB at a time; the RB rows are solved side by
    # side (a small TRSM), so that every loop below has RB independent lanes
    # and each entry of R is loaded once per RB rows.
    for i0 in range(lo, hi, RB):
        nb = min(RB, hi - i0)
        for j in range(k):
            for r in range(nb):
                W[j, r] = X[i0 + r, j]
        # W := R^{-T} W, i.e. q_r = x_r R^{-1} for each row r: forward substitution
        # with the lower-triangular R^T, column-oriented (Golub & Van Loan, 4th ed.,
        # Alg. 3.1.3 on R^T):  q_j = (x_j - sum_{l<j} R[l, j] q_l) / R[j, j]
        for j in range(k):
            d = R[j, j]
            for r in range(nb):
                W[j, r] /= d
            for l in range(j + 1, k):
                a = R[j, l]
                for r in range(nb):
                    W[l, r] -= a * W[j, r]
        # h_r = ||q_r||^2
        for r in range(nb):
            h[r] = 0.0
        for j in range(k):
            for r in range(nb):
                h[r] += W[j, r] * W[j, r]
        # W := R^{-1} W, i.e. (X^T X)^{-1} x_r = R^{-1} q_r^T: back substitution,
        # column-oriented (Golub & Van Loan, Alg. 3.1.4):  b_l -= R[l, j] b_j, l < j
        for j in range(k - 1, -1, -1):
            d = R[j, j]
            for r in range(nb):
                W[j, r] /= d
            for l in range(j):
                a = R[l, j]
                for r in range(nb):
                    W[l, r] -= a * W[j, r]
        for r in range(nb):
            i = i0 + r
            press, si, flag = _row_statistics(stats, i, e[i], h[r], fit, k)
            flagged += flag
            for j in range(k):
                d = W[j, r] * press  # R^{-1} q^T e_i / (1 - h_i); NaN for a leverage-1 row
                dfbeta[i, j] = d
                dfbetas[i, j] = d / (si * dinv[j])
    return flagged


@register(
    "influence",
    "serial",
    "OLS leverage, studentized residuals, Cook's D, DFFITS, DFBETAS, COVRATIO, PRESS in one row pass",
    flops=influence_flops,
    example=_example,
)
@kernel
def influence_rows(X, e, R, dinv, fit, stats, dfbeta, dfbetas):
    """Leverage and influence measures of every row, serial.

    Parameters
    ----------
    X : (n, k) ndarray, C-contiguous
        The (whitened) design, full column rank; read only.
    e : (n,) ndarray
        Residuals ``y - X b`` of the least-squares fit; read only.
    R : (k, k) ndarray
        Upper-triangular factor, ``X = Q R``, non-zero diagonal; only the
        upper triangle is read.
    dinv : (k,) ndarray
        ``sqrt(diag((X^T X)^{-1}))``, the row norms of ``R^{-1}``.
    fit : tuple of float
        ``(ssr, df_resid, tol)``: ``e^T e``, ``n - k``, and the leverage-1
        threshold (rows with ``1 - h_i <= tol`` are flagged).
    stats : (NSTAT, n) ndarray, overwritten
        One row per measure, indexed by the module constants ``HAT``,
        ``STUDENT_INTERNAL``, ``STUDENT_EXTERNAL``, ``SIGMA_I``, ``COOKS``,
        ``DFFITS_INTERNAL``, ``DFFITS``, ``COVRATIO``, ``PRESS``,
        ``RESID_STD``, ``INFLUENCE``.
    dfbeta, dfbetas : (n, k) ndarray, overwritten
        ``b - b_(i)`` and the same scaled by ``s_(i) sqrt([(X^T X)^{-1}]_jj)``.

    Returns
    -------
    int
        Number of rows with leverage 1 (to within ``tol``); their measures
        are NaN (see the module docstring).

    Notes
    -----
    Belsley, Kuh & Welsch, *Regression Diagnostics* (1980), Sec. 2.1
    (the row-deletion formulas); Cook & Weisberg, *Residuals and
    Influence in Regression* (1982), Sec. 2.2 (studentized residuals) and
    3.4 (Cook's distance); Chatterjee & Hadi, *Sensitivity Analysis in
    Linear Regression* (1988), Ch. 4.  Departs from the textbooks in never
    forming ``(X^T X)^{-1}``: ``q_i = x_i R^{-1}`` by forward substitution
    and ``(X^T X)^{-1} x_i = R^{-1} q_i^T`` by back substitution, both
    column-oriented (Golub & Van Loan, 4th ed., Algs. 3.1.3-3.1.4) and
    backward stable, for :data:`RB` rows side by side (a TRSM on an
    RB-column panel of ``X^T``).  No checks are made on the inputs.  Flops
    ``2nk^2 + 4nk`` (+ ~30n scalar); one pass over X (rows contiguous);
    workspace ``k RB + RB``.
    """
    W = np.empty((R.shape[0], RB), dtype=X.dtype)
    return _influence_block(X, e, R, dinv, fit, (stats, dfbeta, dfbetas), (0, X.shape[0]), W)


@register(
    "influence",
    "parallel",
    "as serial, prange over blocks of ROWS_PER_BLOCK rows",
    flops=influence_flops,
    example=_example,
    parallel=True,
)
@parallel_kernel
def influence_rows_parallel(X, e, R, dinv, fit, stats, dfbeta, dfbetas):
    """As :func:`influence_rows`, with ``prange`` over blocks of rows.

    Parameters and returns as :func:`influence_rows`.

    Notes
    -----
    The rows are cut into blocks of :data:`ROWS_PER_BLOCK` (a multiple of
    :data:`RB`, so the rows are grouped as in the serial kernel); each block
    has its own workspace ``W`` and its own count of leverage-1 rows (summed
    after the loop), and writes only its own rows of the outputs.  Every
    row is computed by the same code as in the serial kernel, so results
    are bitwise those of :func:`influence_rows` for any thread count.  No
    checks are made on the inputs.  Flops ``2nk^2 + 4nk``; workspace
    ``k RB + RB`` per block.
    """
    n = X.shape[0]
    k = R.shape[0]
    nblocks = (n + ROWS_PER_BLOCK - 1) // ROWS_PER_BLOCK
    counts = np.zeros(nblocks, dtype=np.int64)
    for b in prange(nblocks):
        W = np.empty((k, RB), dtype=X.dtype)
        lo = b * ROWS_PER_BLOCK
        hi = min(n, lo + ROWS_PER_BLOCK)
        counts[b] = _influence_block(X, e, R, dinv, fit, (stats, dfbeta, dfbetas), (lo, hi), W)
    return counts.sum()
