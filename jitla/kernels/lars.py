"""Least angle regression (LARS) and its lasso modification, one kernel for the whole path.

LARS (Efron, Hastie, Johnstone & Tibshirani 2004, "Least angle
regression", Ann. Statist. 32(2), Sec. 2; Hastie, Tibshirani & Friedman,
*The Elements of Statistical Learning*, 2nd ed., Algorithm 3.2 and 3.2a)
moves the coefficients of an *active set* A along the **equiangular
direction**: the unit vector ``u = X_A w`` that makes the same angle with
every active column (signed by its correlation).  With ``s = sign(c_A)``
and ``G_A = X_A^T X_A``::

    w = A_A G_A^{-1} s,   A_A = (s^T G_A^{-1} s)^{-1/2}      so  X_A^T u = A_A s,  ||u|| = 1

Along ``beta_A + gamma w`` every active correlation ``|c_j| = |x_j^T r|``
falls at the same rate ``A_A``, from the common level C.  An inactive
column j, its correlation falling at rate ``a_j = x_j^T u``, ties with the
active ones after::

    gamma_j = min+ { (C - c_j) / (A_A - a_j),  (C + c_j) / (A_A + a_j) }

the step is the smallest such gamma (or ``C / A_A``, the least-squares fit
of the active set), and the column that ties joins A.  The **lasso
modification** (ESL Algorithm 3.2a; Efron et al. Sec. 3.1): a coefficient
that would cross zero before that, at ``gamma = -beta_j / w_j``, stops the
step there and leaves A; the path is then the lasso's, piecewise linear
between knots, with ``alpha = C / n`` at each knot (scikit-learn's scaling
of the penalty, ``1/(2n) ||y - X b||^2 + alpha ||b||_1``).

The factor: ``G_A = L L^T`` is never refactored.  A joining column appends
a row (``L w = G_{A,j}``, ``l_jj = sqrt(G_jj - w^T w)``: k^2 flops); a
leaving one deletes its row and restores the triangle with k Givens
rotations (Golub & Van Loan, 4th ed., Sec. 6.5.4: the downdate as a
"delete a row of R" of the transposed factor; 3 k^2 flops).

Two modes, as scikit-learn's ``lars_path``: with a Gram matrix (``G``
given, ``(p, p)``), the direction's correlations are ``a = G[:, A] w``
(p k flops per step); without (``G`` of shape ``(0, 0)``), from the data
``u = X_A w``, ``a = X^T u`` (n k + 2 n p flops), never forming ``X^T X``
(the better choice when p > n).

Where this departs from scikit-learn's ``_lars_path_solver``:

* a column whose new Cholesky pivot is below 1e-7 (it lies in the span of
  the active set: duplicate or collinear) is excluded for good -- it can
  never join again -- where scikit-learn zeroes its correlation and may
  pick it again later; both report it (``N_DEGENERATE``);
* in "lar" mode the signs of the direction are those of the correlations
  throughout (Efron et al.'s LARS); scikit-learn flips the sign of an
  active column whose coefficient crosses zero and skips the next join.

No checks are made on the inputs.  Options and report travel in two small
float64 arrays indexed by the constants below.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel
from jitla.kernels._registry import register
from jitla.kernels.level1 import dot, givens

__all__ = [
    "ALPHA_MIN",
    "EPS",
    "LASSO",
    "MAX_ITER",
    "N_ACTIVE",
    "N_DEGENERATE",
    "N_ITER",
    "N_SAMPLES",
    "NINFO",
    "NOPT",
    "POSITIVE",
    "STOPPED_EARLY",
    "lars_flops",
    "lars_path_kernel",
]

# options (float64 array of NOPT entries)
N_SAMPLES, MAX_ITER, ALPHA_MIN, LASSO, POSITIVE, EPS = range(6)
NOPT = 6
# report (float64 array of NINFO entries)
N_ITER, N_ACTIVE, N_DEGENERATE, STOPPED_EARLY = range(4)
NINFO = 4

#: Added to the step's denominators so an exact tie gives a huge step, not a division by zero
#: (scikit-learn's ``tiny32``, kept so both libraries take the same steps).
_TINY = float(np.finfo(np.float32).tiny)
#: Knot alphas within this of ``alpha_min`` end the path there (scikit-learn's ``equality_tolerance``).
_EQUAL = float(np.finfo(np.float32).eps)
#: A Cholesky pivot below this means the joining column lies in the active columns' span.
_DEGENERATE = 1e-7


@kernel
def _gram_column(XT, G, A, k, j, g):
    """``g[:k] = X_A^T x_j`` and return ``x_j^T x_j`` (from G when it is given)."""
    if G.shape[0]:
        for a in range(k):
            g[a] = G[A[a], j]
        return G[j, j]
    for a in range(k):
        g[a] = dot(XT[A[a]], XT[j])
    return dot(XT[j], XT[j])


@kernel
def _insert(L, k, g, gjj, eps):
    """Append row k to the lower factor L (``L[:k, :k] L[:k, :k]^T = G_A``); return its pivot.

    Solves ``L[:k, :k] l = g`` by forward substitution, ``l_kk = max(sqrt(|g_jj - l^T l|), eps)``.
    k^2 flops.  The row is written even when the pivot is rejected (row k is scratch until then).
    """
    for a in range(k):
        s = g[a]
        for b in range(a):
            s -= L[a, b] * L[k, b]
        L[k, a] = s / L[a, a]
    v = 0.0
    for a in range(k):
        v += L[k, a] * L[k, a]
    d = max(math.sqrt(abs(gjj - v)), eps)
    L[k, k] = d
    return d


@kernel
def _delete(L, k, i):
    """Remove row and column i of ``G_A = L L^T`` (k x k) from its factor, in place (k-1 x k-1 left).

    Deleting row i of L leaves rows ``i+1..k-1`` with one entry right of the
    diagonal; a Givens rotation of columns t and t+1 (t = i..k-2) zeroes it.
    3 (k - i)^2 flops.  The pivots stay positive (``givens`` returns r >= 0
    for a positive first entry).
    """
    for a in range(i, k - 1):
        for b in range(a + 2):
            L[a, b] = L[a + 1, b]
    for t in range(i, k - 1):
        c, s, r = givens(L[t, t], L[t, t + 1])
        L[t, t] = r
        L[t, t + 1] = 0.0
        for a in range(t + 1, k - 1):
            x = L[a, t]
            y = L[a, t + 1]
            L[a, t] = c * x + s * y
            L[a, t + 1] = c * y - s * x


@kernel
def _direction(L, k, sign, w, eps):
    """Solve ``L L^T w = sign`` and scale to the equiangular direction; return ``A_A``.

    ``w <- A_A G_A^{-1} s`` with ``A_A = (s^T G_A^{-1} s)^{-1/2}``.  When
    ``s^T G_A^{-1} s`` is not a positive finite number (L too ill-conditioned),
    ``2^i eps`` is added to the diagonal of a copy of L until it is
    (scikit-learn's rescue).  2 k^2 flops.
    """
    _cholesky_solve(L, k, sign, w)
    q = 0.0
    for a in range(k):
        q += w[a] * sign[a]
    if not (q > 0.0 and math.isfinite(q)):
        M = np.empty((k, k))
        for a in range(k):
            for b in range(a + 1):
                M[a, b] = L[a, b]
        i = 0
        while not (q > 0.0 and math.isfinite(q)):
            for a in range(k):
                M[a, a] += 2.0**i * eps
            _cholesky_solve(M, k, sign, w)
            q = 0.0
            for a in range(k):
                q += w[a] * sign[a]
            q = max(q, eps)
            i += 1
    AA = 1.0 / math.sqrt(q)
    for a in range(k):
        w[a] *= AA
    return AA


@kernel
def _cholesky_solve(L, k, b, x):
    """``x = (L L^T)^{-1} b`` for the leading k x k lower factor: forward then back substitution."""
    for a in range(k):
        s = b[a]
        for t in range(a):
            s -= L[a, t] * x[t]
        x[a] = s / L[a, a]
    for a in range(k - 1, -1, -1):
        s = x[a]
        for t in range(a + 1, k):
            s -= L[t, a] * x[t]
        x[a] = s / L[a, a]


@kernel
def _equiangular_correlations(XT, G, A, k, w, state, u, corr):
    """``corr[j] = x_j^T u`` for every inactive j, ``u = X_A w`` (from G: ``G[j, A] w``)."""
    p = corr.shape[0]
    if G.shape[0]:
        for j in range(p):
            corr[j] = 0.0
        for a in range(k):
            row = G[A[a]]  # G symmetric: row A[a] is column A[a]
            wa = w[a]
            for j in range(p):
                corr[j] += wa * row[j]
        return
    n = u.shape[0]
    for i in range(n):
        u[i] = 0.0
    for a in range(k):
        x = XT[A[a]]
        wa = w[a]
        for i in range(n):
            u[i] += wa * x[i]
    for j in range(p):
        if state[j] == 0:
            corr[j] = dot(XT[j], u)


@kernel
def _correlation(XT, y, Xy, G, A, k, beta, j, r):
    """``x_j^T (y - X b)`` for the current coefficients b (supported on ``A[:k]``), from scratch."""
    if G.shape[0]:
        s = Xy[j]
        for a in range(k):
            s -= G[j, A[a]] * beta[A[a]]
        return s
    n = y.shape[0]
    for i in range(n):
        r[i] = y[i]
    for a in range(k):
        x = XT[A[a]]
        b = beta[A[a]]
        for i in range(n):
            r[i] -= b * x[i]
    return dot(XT[j], r)


def lars_flops(n, p, steps):
    """Nominal flops of *steps* data-mode steps: ``2 n p`` (the direction's correlations) each."""
    return 2.0 * n * p * steps


def _example(dtype):
    """A tiny valid call: 6 x 3 design, lasso mode, data (no Gram) mode."""
    X = np.array(
        [
            [1.0, 0.5, -1.0],
            [0.0, -1.0, 2.0],
            [2.0, 2.0, 0.5],
            [1.0, 0.0, 0.0],
            [-1.0, 1.5, 1.0],
            [0.5, -0.5, -2.0],
        ]
    )
    y = np.array([1.0, -2.0, 3.5, 0.0, 2.0, -1.0])
    XT = np.ascontiguousarray(X.T, dtype=dtype)
    opts = np.array([6.0, 500.0, 0.0, 1.0, 0.0, float(np.finfo(np.float64).eps)])
    return (XT, y.astype(dtype), (X.T @ y).astype(dtype), np.empty((0, 0), dtype), opts, np.zeros(NINFO))


@register(
    "lars",
    "cholesky",
    "LARS / lasso-LARS path, equiangular steps, Cholesky factor of the active Gram updated by rows",
    flops=lars_flops,
    example=_example,
)
@kernel
def lars_path_kernel(XT, y, Xy, G, opts, info):
    """The LARS (or lasso-LARS) path: knots' alphas and coefficients, and the active set.

    Parameters
    ----------
    XT : (p, n) float ndarray, C-contiguous
        The design transposed (row j is column j of X).  Read only in data
        mode (``G`` empty); may be ``(p, 0)`` in Gram mode.
    y : (n,) float ndarray
        Read only in data mode (for a dropped column's correlation).
    Xy : (p,) float ndarray
        ``X^T y``.
    G : (p, p) or (0, 0) float ndarray, C-contiguous
        ``X^T X`` (Gram mode), or empty (data mode).
    opts : (NOPT,) float64 ndarray
        ``N_SAMPLES`` (n of ``alpha = C / n``), ``MAX_ITER``, ``ALPHA_MIN``,
        ``LASSO`` (0: LAR, 1: lasso modification), ``POSITIVE`` and ``EPS``
        (floor of a Cholesky pivot).
    info : (NINFO,) float64 ndarray
        Overwritten: ``N_ITER`` (steps), ``N_ACTIVE``, ``N_DEGENERATE``
        (columns excluded as collinear with the active set) and
        ``STOPPED_EARLY`` (1: a lasso knot's alpha rose above the previous
        one -- rounding errors dominate the remaining correlation -- and the
        path ended there).

    Returns
    -------
    alphas : (n_iter + 1,) float64 ndarray
        ``max_j |x_j^T r| / n`` at each knot (non-increasing), the last one
        ``alpha_min`` when the path was cut there.
    coefs : (n_iter + 1, p) float64 ndarray
        Coefficients at each knot (row 0 is zero).
    active : (n_active,) int64 ndarray
        The active set at the end, in the order the columns joined.

    Notes
    -----
    Efron et al. (2004) Sec. 2 and 3.1; ESL Algorithm 3.2 / 3.2a.  Flops per
    step with k active columns: k^2 (row insertion) + 2 k^2 (the direction)
    + 2 p k (Gram mode) or 2 n k + 2 n p (data mode); a drop adds 3 k^2
    (Givens deletion) and 2 k (Gram) or 2 n k (data) for the dropped
    column's correlation.  Workspace: the factor (m^2, m = min(MAX_ITER, p)),
    correlations (2 p), the path (steps x p, grown by doubling), u and a
    residual (2 n) in data mode.
    """
    p = Xy.shape[0]
    n_samples = opts[N_SAMPLES]
    max_iter = int(opts[MAX_ITER])
    alpha_min = opts[ALPHA_MIN]
    lasso = opts[LASSO] != 0.0
    positive = opts[POSITIVE] != 0.0
    eps = opts[EPS]
    m = min(max_iter, p)
    n = y.shape[0]
    L = np.zeros((max(m, 1), max(m, 1)))
    A = np.zeros(max(m, 1), dtype=np.int64)
    sign = np.zeros(max(m, 1))
    w = np.zeros(max(m, 1))
    g = np.zeros(max(m, 1))
    state = np.zeros(p, dtype=np.int8)  # 0 inactive, 1 active, 2 excluded (degenerate)
    c = np.empty(p)  # correlations x_j^T r, kept for the inactive columns
    for j in range(p):
        c[j] = Xy[j]
    corr = np.zeros(p)
    u = np.empty(n)
    r = np.empty(n)
    cap = m + 1
    alphas = np.zeros(cap)
    coefs = np.zeros((cap, p))
    k = 0
    n_iter = 0
    degenerate = 0
    early = 0
    drop = False
    level = 0.0  # the active columns' common |correlation| after the last step
    while True:
        # the largest inactive correlation: C, the common level of the active ones
        C = 0.0
        j_max = -1
        for j in range(p):
            if state[j] == 0:
                v = c[j] if positive else abs(c[j])
                if j_max < 0 or v > C:
                    C = v
                    j_max = j
        if j_max < 0 and degenerate and k:
            # every column left was excluded: the knot's alpha is the active columns' level
            C = max(level, 0.0)
        alpha = C / n_samples
        alphas[n_iter] = alpha
        if alpha <= alpha_min + _EQUAL:
            if abs(alpha - alpha_min) > _EQUAL:
                if n_iter > 0:
                    # the lasso path is linear between knots: interpolate to alpha_min
                    prev = alphas[n_iter - 1]
                    ss = (prev - alpha_min) / (prev - alpha)
                    for j in range(p):
                        coefs[n_iter, j] = coefs[n_iter - 1, j] + ss * (
                            coefs[n_iter, j] - coefs[n_iter - 1, j]
                        )
                alphas[n_iter] = alpha_min
            break
        if n_iter >= max_iter or k >= p:
            break
        if not drop and j_max >= 0:
            # column j_max joins: one new row of the factor of G_A
            gjj = _gram_column(XT, G, A, k, j_max, g)
            pivot = _insert(L, k, g, gjj, eps)
            if pivot < _DEGENERATE:
                state[j_max] = 2
                degenerate += 1
                continue
            A[k] = j_max
            sign[k] = 1.0 if positive or c[j_max] > 0.0 else (-1.0 if c[j_max] < 0.0 else 0.0)
            state[j_max] = 1
            k += 1
        if lasso and n_iter > 0 and alphas[n_iter - 1] < alpha:
            early = 1
            break
        AA = _direction(L, k, sign, w, eps)
        _equiangular_correlations(XT, G, A, k, w, state, u, corr)
        # the step: the first inactive column to tie, or the least-squares fit (C / A_A)
        gamma = C / AA
        for j in range(p):
            if state[j] != 0:
                continue
            g1 = (C - c[j]) / (AA - corr[j] + _TINY)
            if 0.0 < g1 < gamma:
                gamma = g1
            if not positive:
                g2 = (C + c[j]) / (AA + corr[j] + _TINY)
                if 0.0 < g2 < gamma:
                    gamma = g2
        # the lasso modification: a coefficient reaching zero first stops the step there
        drop = False
        z_min = np.inf
        for a in range(k):
            z = -coefs[n_iter, A[a]] / (w[a] + _TINY)
            if 0.0 < z < z_min:
                z_min = z
        if lasso and z_min < gamma:
            gamma = z_min
            drop = True
        n_iter += 1
        if n_iter >= cap:
            cap = 2 * cap
            grown_a = np.zeros(cap)
            grown_c = np.zeros((cap, p))
            grown_a[:n_iter] = alphas[:n_iter]
            grown_c[:n_iter] = coefs[:n_iter]
            alphas = grown_a
            coefs = grown_c
        for a in range(k):
            coefs[n_iter, A[a]] = coefs[n_iter - 1, A[a]] + gamma * w[a]
        for j in range(p):
            if state[j] == 0:
                c[j] -= gamma * corr[j]
        level = C - gamma * AA
        if drop:
            # every column whose coefficient hit zero at this knot leaves (last first, so
            # positions below stay valid), its row deleted from the factor
            for a in range(k - 1, -1, -1):
                z = -coefs[n_iter - 1, A[a]] / (w[a] + _TINY)
                if z != z_min:
                    continue
                j = A[a]
                _delete(L, k, a)
                for b in range(a, k - 1):
                    A[b] = A[b + 1]
                    sign[b] = sign[b + 1]
                k -= 1
                coefs[n_iter, j] = 0.0
                state[j] = 3  # left at this knot
            # their correlations were not kept while active: recomputed from the coefficients
            for j in range(p):
                if state[j] == 3:
                    c[j] = _correlation(XT, y, Xy, G, A, k, coefs[n_iter], j, r)
                    state[j] = 0
    info[N_ITER] = n_iter
    info[N_ACTIVE] = k
    info[N_DEGENERATE] = degenerate
    info[STOPPED_EARLY] = early
    return alphas[: n_iter + 1].copy(), coefs[: n_iter + 1].copy(), A[:k].copy()
