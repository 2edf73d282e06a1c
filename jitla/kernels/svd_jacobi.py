"""One-sided Jacobi SVD (Hestenes): cyclic, tracked-norm, parallel round-robin, QR-preconditioned.

One-sided Jacobi orthogonalises the columns of a tall matrix A (m >= n) by
plane rotations applied from the right, ``A J_1 J_2 ... = U Sigma``; the
product of the rotations is V.  Each rotation makes one pair of columns
orthogonal; a *sweep* visits every pair once, and sweeps repeat until no
pair is far from orthogonal.  The singular values are then the column norms.

Why it is accurate: a rotation is only applied when the pair's cosine
``|a_p . a_q| / (||a_p|| ||a_q||)`` exceeds a tolerance of about m*eps, a
*relative* test, and every rotation is a backward-stable operation on two
columns.  Demmel & Veselić ("Jacobi's method is more accurate than QR",
SIAM J. Matrix Anal. Appl. 13(4), 1992) show that the singular values then
have small relative error whenever A = B D with D diagonal (any column
scaling) and B well conditioned -- where bidiagonalisation-based SVDs
(LAPACK gesdd / gesvd) only promise error relative to the largest
singular value.

Row-major storage: the columns of A are strided in a C-ordered array, so the
kernels work on ``G = A^T`` (C-contiguous, n x m): the columns of A are the
*rows* of G, and every dot product and rotation runs along contiguous rows.
The rotations are accumulated, also row-wise, into ``Vt = V^T``.

Kernel contract (all variants): ``G`` (n, m) with n <= m, C-contiguous
float32/float64, overwritten; outputs ``S`` (n,), ``Ut`` (n, m) (the rows
are the left singular vectors), ``Vt`` (n, n).  They return
``(status, sweeps)``: status 0 on convergence, 1 if ``max_sweeps`` sweeps
did not converge.  No checks are made on the inputs.

Flops: about 12 m per pair and n(n-1)/2 pairs per sweep, so ~6 m n^2 per
sweep (+ 3 n^3 per sweep to accumulate V); typically 5-12 sweeps.  The
tracked variants (:func:`svd_tracked`) test a pair with one dot product
(2m) instead of three (6m) and skip pairs that cannot have changed: 4mn^2
per sweep while every pair rotates, mn^2 or less once few do.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from jitla._jit import kernel, parallel_kernel, vector_kernel
from jitla.kernels._layout import aligned_empty, argsort_stable, permute, transpose_triangle
from jitla.kernels._registry import register
from jitla.kernels._tile import register_tile
from jitla.kernels.level1 import dot, jacobi_angle, rot
from jitla.kernels.qr_householder import apply_q_blocked
from jitla.kernels.qr_pivoted import geqp3_rows

__all__ = [
    "jacobi_rotate",
    "svd_cyclic",
    "svd_tracked",
    "svd_parallel",
    "svd_parallel_tracked",
    "svd_preconditioned",
    "svd_preconditioned_tracked",
    "svd_preconditioned_parallel",
    "svd_preconditioned_parallel_tracked",
    "complete_orthonormal",
    "svdvals_jacobi",
    "round_robin",
]


#: Sweeps after which :func:`svdvals_jacobi` gives up (as ``jitla.linalg._svd.MAX_SWEEPS``).
SVDVALS_MAX_SWEEPS = 60


def svd_flops(m, n):
    """Flops of one one-sided Jacobi sweep with V accumulated: 6mn^2 + 3n^3."""
    return 6.0 * m * n * n + 3.0 * n * n * n


def _svd_example(dtype):
    G = (np.arange(35.0).reshape(5, 7) % 11).astype(dtype)
    G[np.arange(5), np.arange(5)] += 7
    return G, np.empty(5, dtype), np.empty((5, 7), dtype), np.empty((5, 5), dtype), True, 60


@kernel
def _tolerance(G):
    """Relative orthogonality tolerance m*eps for G (n, m)."""
    return G.shape[1] * np.finfo(G.dtype).eps


@vector_kernel
def _gram_2x2(x, y):
    """``(x.x, y.y, x.y)`` in one pass, with one vector of partial sums each.

    A sum reduction only vectorises if LLVM may reassociate it; instead of
    fastmath each of the three sums is split into lane-wise partial sums in a
    stack tile (as :func:`jitla.kernels.level1.dot`), so the result is
    deterministic and the loop runs on full vector registers.
    """
    acc = register_tile(x, 3, 1)
    W = acc.shape[1]
    m = x.shape[0]
    for j in range(W):
        acc[0, j] = 0
        acc[1, j] = 0
        acc[2, j] = 0
    mb = m - m % W
    for i in range(0, mb, W):
        xi = x[i : i + W]
        yi = y[i : i + W]
        for j in range(W):
            acc[0, j] += xi[j] * xi[j]
            acc[1, j] += yi[j] * yi[j]
            acc[2, j] += xi[j] * yi[j]
    xx = x.dtype.type(0)
    yy = x.dtype.type(0)
    xy = x.dtype.type(0)
    for j in range(W):
        xx += acc[0, j]
        yy += acc[1, j]
        xy += acc[2, j]
    for i in range(mb, m):
        xx += x[i] * x[i]
        yy += y[i] * y[i]
        xy += x[i] * y[i]
    return xx, yy, xy


@kernel
def jacobi_rotate(G, Vt, p, q, tol, accumulate):
    """Orthogonalise rows p and q of G (and rotate the same rows of Vt).

    Computes ``alpha = ||g_p||^2``, ``beta = ||g_q||^2``, ``gamma = g_p . g_q``
    in one pass; if ``|gamma| > tol * ||g_p|| * ||g_q||`` applies the plane
    rotation that zeroes the off-diagonal of the 2 x 2 Gram matrix
    ``[[alpha, gamma], [gamma, beta]]`` (Rutishauser's formulas,
    Golub & Van Loan, 4th ed., Alg. 8.5.1 ``symSchur2``, applied to the Gram
    matrix as in Sec. 8.6.3) and returns True.

    Notes
    -----
    The angle is :func:`~jitla.kernels.level1.jacobi_angle`'s (the smaller
    root, |t| <= 1, so the angle is at most pi/4 and the rows move little),
    applied by :func:`~jitla.kernels.level1.rot`.  Flops 12m (+6n with
    accumulation).
    """
    gp = G[p]
    gq = G[q]
    alpha, beta, gamma = _gram_2x2(gp, gq)
    if gamma == 0 or abs(gamma) <= tol * math.sqrt(alpha) * math.sqrt(beta):
        return False
    t, c, s = jacobi_angle(alpha, beta, gamma)
    rot(gp, gq, c, s)
    if accumulate:
        rot(Vt[p], Vt[q], c, s)
    # a row left with only rounding noise is zeroed (see _drop_if_noise)
    if alpha - t * gamma < 0.25 * alpha:
        _drop_if_noise(gp, dot(gp, gp), alpha)
    if beta + t * gamma < 0.25 * beta:
        _drop_if_noise(gq, dot(gq, gq), beta)
    return True


@vector_kernel
def _rotate_dot(x, y, z, c, s):
    """:func:`~jitla.kernels.level1.rot` of ``(x, y)`` fused with the dot product ``x' . z``; returns it.

    Used for the next pair of a row-cyclic pass: after rows p and q rotate,
    the pair (p, q+1) needs ``g_p' . g_{q+1}``, and computing it while
    ``g_p'`` is still in registers saves one pass over two rows.  The loop
    works on vector-wide chunks held in a stack tile: all loads of a chunk,
    then the arithmetic, then the stores of x and of y as two runs, so the
    SLP vectoriser can pack each step even though x, y and z are rows of
    one array (written in the natural interleaved order it stays scalar).
    The dot product keeps one partial sum per lane, as
    :func:`jitla.kernels.level1.dot`.  Flops 8m.
    """
    t = register_tile(x, 6, 1)
    W = t.shape[1]
    m = x.shape[0]
    mb = m - m % W
    for j in range(W):
        t[3, j] = 0
    for i in range(0, mb, W):
        for j in range(W):
            t[0, j] = x[i + j]
        for j in range(W):
            t[1, j] = y[i + j]
        for j in range(W):
            t[2, j] = z[i + j]
        for j in range(W):
            t[4, j] = c * t[0, j] + s * t[1, j]
            t[5, j] = c * t[1, j] - s * t[0, j]
        for j in range(W):
            t[3, j] += t[4, j] * t[2, j]
        for j in range(W):
            x[i + j] = t[4, j]
        for j in range(W):
            y[i + j] = t[5, j]
    r = x.dtype.type(0)
    for j in range(W):
        r += t[3, j]
    for i in range(mb, m):
        a = x[i]
        b = y[i]
        x[i] = c * a + s * b
        y[i] = c * b - s * a
        r += x[i] * z[i]
    return r


@vector_kernel
def _rotate_chain(Vt, p, qs, cs, ss, count):
    """Apply the rotations ``(p, qs[r])`` by ``(cs[r], ss[r])``, r = 0 .. count-1 in order, to rows of Vt.

    The Vt side of one row-cyclic pass: row p meets every rotated row q in
    turn.  Done one rotation at a time, row p is loaded and stored once per
    rotation; here Vt is swept in chunks of eight vectors, and a chunk of
    row p stays in registers while all the rotations of the pass go by, so
    only the rows q are stored -- half the stores, and the loop is
    store-bound.  The result is bitwise that of :func:`~jitla.kernels.level1.rot` applied
    rotation by rotation (same operations on each entry, same order).
    Flops ``6 n count``.
    """
    t = register_tile(Vt, 2, 8)
    W = t.shape[1]
    n = Vt.shape[1]
    vp = Vt[p]
    nb = n - n % W
    for i0 in range(0, nb, W):
        for j in range(W):
            t[0, j] = vp[i0 + j]
        for r in range(count):
            vq = Vt[qs[r]]
            c = cs[r]
            s = ss[r]
            for j in range(W):
                t[1, j] = vq[i0 + j]
            for j in range(W):
                x = t[0, j]
                y = t[1, j]
                t[0, j] = c * x + s * y
                t[1, j] = c * y - s * x
            for j in range(W):
                vq[i0 + j] = t[1, j]
        for j in range(W):
            vp[i0 + j] = t[0, j]
    for r in range(count):
        vq = Vt[qs[r]]
        c = cs[r]
        s = ss[r]
        for i in range(nb, n):
            x = vp[i]
            y = vq[i]
            vp[i] = c * x + s * y
            vq[i] = c * y - s * x


@kernel
def _update_norms(norms2, p, q, t, gamma, gp, gq, alpha, beta):
    """Squared norms of rows p, q after a rotation with tangent t (see :func:`_rotate_tracked`).

    A norm that the update formula says has cancelled is recomputed from
    the row, and a row left with only rounding noise is set to zero
    (:func:`_drop_if_noise`).
    """
    new_p = alpha - t * gamma
    new_q = beta + t * gamma
    norms2[p] = new_p if new_p >= 0.25 * alpha else _drop_if_noise(gp, dot(gp, gp), alpha)
    norms2[q] = new_q if new_q >= 0.25 * beta else _drop_if_noise(gq, dot(gq, gq), beta)


@kernel
def _drop_if_noise(g, new2, old2):
    """Zero row g if a rotation left it at the rounding level of its old norm; returns its squared norm.

    Two rows that are parallel to working precision (a rank-deficient A,
    e.g. a matrix of ones) rotate into one row that holds their norm and
    one that holds the rounding error, ~eps times the old norm.  That
    residue is as parallel to the first row as the inputs were -- a
    combination of equal vectors is again one -- so the relative test
    rotates it again, and again, shrinking it by ~eps per sweep until it
    underflows: "SVD did not converge" for ``ones((3, 3))`` with the plain
    kernels and for float32 ``ones((33, 17))`` with all of them.  A row
    whose norm fell below ``2 sqrt(m) eps`` times its norm before the
    rotation carries no information beyond rounding, and is set to zero
    (a column-wise backward error of that size; the relative-accuracy
    argument needs B well conditioned, which parallel columns are not).
    Rows of graded matrices are not affected: they are not near-parallel,
    so their rotations are small and their norms barely change.
    """
    m = g.shape[0]
    noise = 2 * math.sqrt(m) * np.finfo(g.dtype).eps
    if new2 <= noise * noise * old2:
        for i in range(m):
            g[i] = 0
        return g.dtype.type(0)
    return new2


@kernel
def _finish(G, S, Ut, Vt, compute_uv):
    """Singular values = row norms of G; sort descending; rows of Ut = g_i / sigma_i.

    Rows with sigma_i = 0 (exactly rank-deficient input) get orthonormal
    completions, so Ut always has orthonormal rows.
    """
    n, m = G.shape
    for i in range(n):
        s = G.dtype.type(0)
        for j in range(m):
            s += G[i, j] * G[i, j]
        S[i] = math.sqrt(s)
    order = argsort_stable(S, True)
    permute(S, Vt, order, compute_uv)
    if not compute_uv:
        return
    rank = 0
    for r in range(n):
        i = order[r]
        if S[r] > 0:
            rank = r + 1
            inv = 1 / S[r]
            for j in range(m):
                Ut[r, j] = G[i, j] * inv
    complete_orthonormal(Ut, rank)


@kernel
def complete_orthonormal(Q, r):
    """Fill rows ``r, r+1, ...`` of Q (k, m) so that all k rows are orthonormal.

    Rows ``0 .. r-1`` must already be orthonormal.  Candidates are the unit
    vectors e_0, e_1, ...; each is orthogonalised against the rows so far
    twice ("twice is enough", Giraud, Langou & Rozložník, 2005) and kept if
    what is left has norm > 1/2 (it then cannot be a rounding artefact).
    Flops O(k m^2) in the worst case; used for zero singular values and for
    ``full_matrices=True``.
    """
    k, m = Q.shape
    row = r
    candidate = 0
    w = np.empty(m, dtype=Q.dtype)
    while row < k and candidate < m:
        for j in range(m):
            w[j] = 0
        w[candidate] = 1
        candidate += 1
        for _ in range(2):
            for i in range(row):
                d = Q.dtype.type(0)
                for j in range(m):
                    d += Q[i, j] * w[j]
                for j in range(m):
                    w[j] -= d * Q[i, j]
        norm = Q.dtype.type(0)
        for j in range(m):
            norm += w[j] * w[j]
        norm = math.sqrt(norm)
        if norm > 0.5:
            for j in range(m):
                Q[row, j] = w[j] / norm
            row += 1
    return row


# --------------------------------------------------------------------------
# 1. cyclic
# --------------------------------------------------------------------------
@register(
    "svd",
    "cyclic",
    "one-sided Jacobi (Hestenes), row-cyclic pair order, relative convergence test",
    flops=svd_flops,
    example=_svd_example,
)
@kernel
def svd_cyclic(G, S, Ut, Vt, compute_uv, max_sweeps):
    """One-sided Jacobi SVD of ``A = G^T`` with the row-cyclic pair order.

    Parameters
    ----------
    G : (n, m) ndarray, n <= m, overwritten
        The transpose of the tall matrix to decompose.
    S : (n,) ndarray, out
        Singular values, descending.
    Ut : (n, m) ndarray, out
        Rows are the left singular vectors (only if *compute_uv*).
    Vt : (n, n) ndarray, out
        Right singular vectors as rows, ``A = Ut^T diag(S) Vt``.
    compute_uv : bool
        Accumulate V and form U.
    max_sweeps : int
        Give up (status 1) after this many sweeps.

    Returns
    -------
    (int, int)
        Status (0 converged, 1 not) and the number of sweeps.

    Notes
    -----
    Hestenes, "Inversion of matrices by biorthogonalization", J. SIAM 6,
    1958; Golub & Van Loan, 4th ed., Sec. 8.6.3 (one-sided Jacobi); the
    convergence test is Demmel & Veselić's relative one.  A sweep visits
    (0,1), (0,2), ..., (0,n-1), (1,2), ...; it stops after the first sweep
    that rotates nothing.  Workspace none beyond the outputs.
    """
    n = G.shape[0]
    tol = _tolerance(G)
    if compute_uv:
        Vt[:, :] = 0
        for i in range(n):
            Vt[i, i] = 1
    sweeps = 0
    status = 1
    while sweeps < max_sweeps:
        sweeps += 1
        rotated = False
        for p in range(n - 1):
            for q in range(p + 1, n):
                if jacobi_rotate(G, Vt, p, q, tol, compute_uv):
                    rotated = True
        if not rotated:
            status = 0
            break
    _finish(G, S, Ut, Vt, compute_uv)
    return status, sweeps


def _svdvals_example(dtype):
    G, S = _svd_example(dtype)[:2]
    return G, S


@register(
    "svdvals",
    "jacobi",
    "one-sided Jacobi, values only, plain loops: quick to compile, for small matrices",
    flops=svd_flops,
    example=_svdvals_example,
)
@kernel
def svdvals_jacobi(G, S):
    """Singular values of ``A = G^T`` by one-sided Jacobi, descending; no vectors.

    Parameters
    ----------
    G : (n, m) ndarray, n <= m, overwritten
    S : (n,) ndarray, out

    Returns
    -------
    int
        0 converged, 1 not within :data:`SVDVALS_MAX_SWEEPS` sweeps.

    Notes
    -----
    The pairs, rotations and convergence test of :func:`svd_cyclic`
    (Hestenes; Demmel & Veselić's relative test, so values keep the
    relative accuracy of the Jacobi methods), with every inner loop written
    out as one scalar pass instead of the vectorised building blocks: this
    kernel is what small values-only problems use (the singular values of a
    least-squares R, the condition number of a design), where compiling the
    larger kernels would take longer than all the calls a session makes.
    Flops 6mn^2 per sweep (+ n^2/2 comparisons at most for the sort);
    workspace none.
    """
    n, m = G.shape
    tol = _tolerance(G)
    status = 1
    for _ in range(SVDVALS_MAX_SWEEPS):
        rotated = False
        for p in range(n - 1):
            for q in range(p + 1, n):
                alpha = G.dtype.type(0)
                beta = G.dtype.type(0)
                gamma = G.dtype.type(0)
                for j in range(m):
                    alpha += G[p, j] * G[p, j]
                    beta += G[q, j] * G[q, j]
                    gamma += G[p, j] * G[q, j]
                if gamma == 0 or abs(gamma) <= tol * math.sqrt(alpha) * math.sqrt(beta):
                    continue
                rotated = True
                t, c, s = jacobi_angle(alpha, beta, gamma)
                new_p = G.dtype.type(0)
                new_q = G.dtype.type(0)
                for j in range(m):  # level1.rot, written out to fuse the new norms in
                    a = G[p, j]
                    b = G[q, j]
                    G[p, j] = c * a + s * b
                    G[q, j] = c * b - s * a
                    new_p += G[p, j] * G[p, j]
                    new_q += G[q, j] * G[q, j]
                # a row left with only rounding noise is zeroed (see _drop_if_noise)
                _drop_if_noise(G[p], new_p, alpha)
                _drop_if_noise(G[q], new_q, beta)
        if not rotated:
            status = 0
            break
    # values = row norms, then a straight insertion sort, descending (stable; no vectors
    # to permute, and n is small where this kernel is used)
    for i in range(n):
        s2 = G.dtype.type(0)
        for j in range(m):
            s2 += G[i, j] * G[i, j]
        value = math.sqrt(s2)
        k = i
        while k > 0 and S[k - 1] < value:
            S[k] = S[k - 1]
            k -= 1
        S[k] = value
    return status


# --------------------------------------------------------------------------
# 1b. cyclic, with tracked row norms and skipped unchanged pairs
# --------------------------------------------------------------------------
@kernel
def _rotate_tracked(G, Vt, p, q, gamma, norms2, accumulate):
    """Rotate rows p, q of G (and Vt) to make them orthogonal, given ``gamma = g_p . g_q``.

    Parameters
    ----------
    G, Vt : (n, m), (n, n) ndarray, rows p and q overwritten
        Vt is only touched if *accumulate*.
    p, q : int
    gamma : float
        ``g_p . g_q``, nonzero.
    norms2 : (n,) ndarray, entries p and q overwritten
        Squared row norms of G, updated with the exact formulas
        ``||g_p'||^2 = alpha - t gamma``, ``||g_q'||^2 = beta + t gamma``
        (the diagonal of the rotated 2 x 2 Gram matrix, Golub & Van Loan
        4th ed., Sec. 8.5.2), so a rotation needs one pass for the dot
        product and one for the update instead of :func:`jacobi_rotate`'s
        three sums.  When a norm drops below a quarter of its old value the
        update has cancelled, and that norm is recomputed from the row.
    accumulate : bool

    Notes
    -----
    Rotation angle as :func:`jacobi_rotate`.  Flops 6m (+6n with
    accumulation), after the caller's 2m for gamma.  No checks are made on
    the inputs.
    """
    alpha = norms2[p]
    beta = norms2[q]
    t, c, s = jacobi_angle(alpha, beta, gamma)
    gp = G[p]
    gq = G[q]
    rot(gp, gq, c, s)
    if accumulate:
        rot(Vt[p], Vt[q], c, s)
    _update_norms(norms2, p, q, t, gamma, gp, gq, alpha, beta)


@kernel
def _swap_rows(X, i, j):
    """Exchange rows i and j of X in place."""
    for k in range(X.shape[1]):
        x = X[i, k]
        X[i, k] = X[j, k]
        X[j, k] = x


@register(
    "svd",
    "tracked",
    "one-sided Jacobi, row-cyclic with de Rijk pivoting; norms updated, not recomputed",
    flops=svd_flops,
    example=_svd_example,
)
@kernel
def svd_tracked(G, S, Ut, Vt, compute_uv, max_sweeps):
    """:func:`svd_cyclic` with tracked norms, de Rijk's pivoting and skipped tests.

    Parameters, returns
        As :func:`svd_cyclic`.

    Notes
    -----
    Three departures from :func:`svd_cyclic`, as in LAPACK's ``dgesvj``
    (Drmač & Veselić, "New fast and accurate Jacobi SVD algorithm II",
    SIAM J. Matrix Anal. Appl. 29(4), 2008, Sec. 4; LAPACK Working Note 170):

    * the squared row norms are kept in a vector, recomputed at the start of
      every sweep and updated after each rotation (:func:`_rotate_tracked`),
      so testing a pair costs one dot product (2m flops) instead of three
      (6m);
    * de Rijk's pivoting (de Rijk, "A one-sided Jacobi algorithm for
      computing the singular value decomposition on a vector computer",
      SIAM J. Sci. Stat. Comput. 10(2), 1989): before row p is paired with
      rows p+1, ..., the row of largest norm among p, ..., n-1 is swapped
      into place (with its row of Vt), so every sweep visits the rows in
      descending order of norm; at n = 512 (Gaussian, after the pivoted QR)
      this takes 11 sweeps down to 10 and 0.99 to 0.83 million rotations;
    * a pair is not tested if neither row has been rotated since the start
      of the previous sweep: the pair was tested (or skipped by the same
      rule) during that sweep with the same two rows, and found orthogonal.
      Row swaps only relabel rows, so the rule holds whatever the order.
      ``last_sweep[r]`` is the sweep of row r's last rotation; it moves
      with the row.  The pass itself is :func:`_tracked_pass`, shared with
      :func:`svd_parallel_tracked`.

    Two scheduling changes that do not alter the arithmetic of a rotation
    (both cut memory traffic, which is what limits these loops):
    once (p, q) has rotated, (p, q+1) is certain to be tested, so its dot
    product is computed in the same pass as the rotation
    (:func:`_rotate_dot`); and the Vt updates of a pass are recorded and
    applied at its end by :func:`_rotate_chain`, which keeps a chunk of row
    p of Vt in registers through all of them.  At n = 512 (Gaussian, after
    the pivoted QR, 1 thread) the sweeps took 0.18-0.19 s -> 0.14 s without
    V and 0.26-0.29 s -> 0.21 s with it (devlog 005).  Workspace 5n.

    The rotation formulas and the convergence test are those of
    :func:`svd_cyclic`; the pair order differs (de Rijk), and the norms used
    in the test and in the rotation angle differ by rounding.
    """
    n = G.shape[0]
    tol = _tolerance(G)
    if compute_uv:
        Vt[:, :] = 0
        for i in range(n):
            Vt[i, i] = 1
    norms2 = np.empty(n, dtype=G.dtype)
    last_sweep = np.zeros(n, dtype=np.int64)
    chain = (np.empty(n, dtype=np.int64), np.empty(n, dtype=G.dtype), np.empty(n, dtype=G.dtype))
    sweeps = 0
    status = 1
    while sweeps < max_sweeps:
        sweeps += 1
        for i in range(n):
            norms2[i] = dot(G[i], G[i])
        rotated = False
        for p in range(n - 1):
            k = p
            for i in range(p + 1, n):
                if norms2[i] > norms2[k]:
                    k = i
            if k != p:
                _swap_rows(G, p, k)
                if compute_uv:
                    _swap_rows(Vt, p, k)
                norms2[p], norms2[k] = norms2[k], norms2[p]
                last_sweep[p], last_sweep[k] = last_sweep[k], last_sweep[p]
            count = _tracked_pass(G, p, p + 1, n, tol, sweeps, (norms2, last_sweep), chain)
            if count > 0:
                rotated = True
                if compute_uv:
                    _rotate_chain(Vt, p, chain[0], chain[1], chain[2], count)
        if not rotated:
            status = 0
            break
    _finish(G, S, Ut, Vt, compute_uv)
    return status, sweeps


# --------------------------------------------------------------------------
# 2. parallel (Brent-Luk round robin)
# --------------------------------------------------------------------------
@kernel
def round_robin(n):
    """The Brent–Luk round-robin schedule for n indices (n padded to even N).

    Returns ``pairs`` of shape (N - 1, N // 2, 2): in round r the N/2 pairs
    ``pairs[r]`` are disjoint, and over the N - 1 rounds every pair of
    indices meets exactly once.  Index ``n`` (when n is odd) is a dummy
    ("bye").  Player 0 stays put and the others rotate one place per round
    (the circle method of tournament scheduling).
    """
    N = n + (n % 2)
    players = np.arange(N)
    pairs = np.empty((max(N - 1, 0), N // 2, 2), dtype=np.int64)
    for r in range(N - 1):
        for i in range(N // 2):
            pairs[r, i, 0] = players[i]
            pairs[r, i, 1] = players[N - 1 - i]
        last = players[N - 1]
        for i in range(N - 1, 1, -1):
            players[i] = players[i - 1]
        players[1] = last
    return pairs


#: Row blocks of the parallel kernel: a property of the algorithm, not of the
#: machine, so the order of rotations (and the result) does not depend on
#: the thread count.  32 blocks give 16 independent tasks per round.
JACOBI_BLOCKS = 32


@kernel
def _block_bounds(n, nblocks, b):
    """Rows ``[lo, hi)`` of block b when n rows are split into nblocks near-equal blocks."""
    return b * n // nblocks, (b + 1) * n // nblocks


@register(
    "svd",
    "parallel",
    "one-sided Jacobi on row blocks: Brent-Luk round robin of block pairs, prange per round",
    flops=svd_flops,
    parallel=True,
    example=_svd_example,
)
@parallel_kernel
def svd_parallel(G, S, Ut, Vt, compute_uv, max_sweeps):
    """One-sided Jacobi SVD with a parallel block round-robin order.

    Parameters, returns
        As :func:`svd_cyclic`.

    Notes
    -----
    The n rows of G are split into an even number of blocks (at most
    :data:`JACOBI_BLOCKS`).  A sweep first orthogonalises the pairs inside
    every block (one task per block), then runs the Brent–Luk round-robin
    schedule (:func:`round_robin`) on the *blocks*: in each of its rounds the
    block pairs are disjoint, and each task rotates every row of one block
    against every row of the other.  Every pair of rows is visited once per
    sweep, as in :func:`svd_cyclic`, but in nblocks rounds of parallel work
    instead of n(n-1)/2 steps, so the thread pool is woken only nblocks times
    per sweep.  Tasks of a round touch disjoint rows of G and Vt, and the
    order inside a task is fixed, so the result does not depend on the
    thread count.  Brent & Luk, SIAM J. Sci. Stat. Comput. 6(1), 1985;
    block version as in Bečka, Okša & Vajteršic, "Dynamic ordering for a
    parallel block-Jacobi SVD algorithm", Parallel Comput. 28, 2002, Sec. 2.
    """
    n = G.shape[0]
    tol = _tolerance(G)
    if compute_uv:
        Vt[:, :] = 0
        for i in range(n):
            Vt[i, i] = 1
    nblocks = min(JACOBI_BLOCKS, n - n % 2)
    pairs = round_robin(nblocks)
    rounds, half = pairs.shape[0], pairs.shape[1]
    flags = np.zeros(max(nblocks, 1), dtype=np.bool_)
    sweeps = 0
    status = 1
    while sweeps < max_sweeps:
        sweeps += 1
        flags[:] = False
        if nblocks < 2:
            for p in range(n - 1):
                for q in range(p + 1, n):
                    if jacobi_rotate(G, Vt, p, q, tol, compute_uv):
                        flags[0] = True
        else:
            # pairs inside each block
            for b in prange(nblocks):
                lo, hi = _block_bounds(n, nblocks, b)
                for p in range(lo, hi - 1):
                    for q in range(p + 1, hi):
                        if jacobi_rotate(G, Vt, p, q, tol, compute_uv):
                            flags[b] = True
            # pairs across blocks, one round of disjoint block pairs at a time
            for r in range(rounds):
                for i in prange(half):
                    a = min(pairs[r, i, 0], pairs[r, i, 1])
                    b = max(pairs[r, i, 0], pairs[r, i, 1])
                    a_lo, a_hi = _block_bounds(n, nblocks, a)
                    b_lo, b_hi = _block_bounds(n, nblocks, b)
                    for p in range(a_lo, a_hi):
                        for q in range(b_lo, b_hi):
                            if jacobi_rotate(G, Vt, p, q, tol, compute_uv):
                                flags[a] = True
        if not flags.any():
            status = 0
            break
    _finish(G, S, Ut, Vt, compute_uv)
    return status, sweeps


@kernel
def _tracked_pass(G, p, q_lo, q_hi, tol, sweep, tracked, chain):
    """Pair row p of G with rows ``q_lo, ..., q_hi-1`` in turn: one pass of :func:`svd_tracked`.

    Parameters
    ----------
    G : (n, m) ndarray, rows p and ``q_lo .. q_hi-1`` overwritten
        p must lie outside ``[q_lo, q_hi)``.
    p, q_lo, q_hi : int
    tol : float
        Relative orthogonality tolerance (:func:`_tolerance`).
    sweep : int
        The current sweep, counted from 1.
    tracked : tuple ``(norms2, last_sweep)`` of (n,) ndarrays, updated
        Squared row norms of G (kept as in :func:`_rotate_tracked`) and the
        sweep of each row's last rotation.
    chain : tuple ``(qs, cs, ss)`` of ndarrays of length >= q_hi - q_lo, out
        The pass's rotations ``(q, c, s)`` in order, owed to Vt: the caller
        applies them with :func:`_rotate_chain`.

    Returns
    -------
    int
        The number of rotations, i.e. of entries of *chain* filled.

    Notes
    -----
    Each pair is tested by one dot product against the tracked norms and
    rotated as in :func:`_rotate_tracked`, scheduled as in
    :func:`svd_tracked`, for q = q_lo, ..., q_hi-1: (p, q) is skipped
    untested if neither row has rotated since the start of the previous
    sweep; once (p, q) has rotated, row p has rotated in this sweep, so
    (p, q+1) is certain to be tested and its dot product is taken in the
    rotation's pass over the rows (:func:`_rotate_dot`).  Flops 2m per test
    and 6m per rotation; workspace the caller's *chain*.  No checks are
    made on the inputs.
    """
    norms2, last_sweep = tracked
    qs, cs, ss = chain
    gp = G[p]
    have_gamma = False  # gamma of (p, q) already computed by _rotate_dot
    gamma = G.dtype.type(0)
    count = 0
    for q in range(q_lo, q_hi):
        if not have_gamma:
            if sweep > 1 and last_sweep[p] < sweep - 1 and last_sweep[q] < sweep - 1:
                continue
            gamma = dot(gp, G[q])
        have_gamma = False
        alpha = norms2[p]
        beta = norms2[q]
        if gamma == 0 or abs(gamma) <= tol * math.sqrt(alpha) * math.sqrt(beta):
            continue
        t, c, s = jacobi_angle(alpha, beta, gamma)
        gq = G[q]
        g_pq = gamma
        if q + 1 < q_hi:
            gamma = _rotate_dot(gp, gq, G[q + 1], c, s)
            have_gamma = True
        else:
            rot(gp, gq, c, s)
        qs[count] = q
        cs[count] = c
        ss[count] = s
        count += 1
        _update_norms(norms2, p, q, t, g_pq, gp, gq, alpha, beta)
        last_sweep[p] = sweep
        last_sweep[q] = sweep
    return count


@register(
    "svd",
    "parallel_tracked",
    "parallel block round robin with tracked norms and skipped re-tests (no de Rijk pivoting)",
    flops=svd_flops,
    parallel=True,
    example=_svd_example,
)
@parallel_kernel
def svd_parallel_tracked(G, S, Ut, Vt, compute_uv, max_sweeps):
    """:func:`svd_parallel` with the tracked norms, skipped tests and fused passes of :func:`svd_tracked`.

    Parameters, returns
        As :func:`svd_cyclic`.

    Notes
    -----
    The order of :func:`svd_parallel` (pairs inside each block, then the
    Brent–Luk rounds of disjoint block pairs), with each pair tested by one
    dot product against the tracked squared norms (:func:`_rotate_tracked`)
    and not tested at all if neither row has been rotated since the start
    of the previous sweep (every pair is visited once per sweep, so it was
    tested, or skipped by the same rule, then).  ``last_sweep`` records the
    sweep of each row's last rotation.  De Rijk's row swaps are left out:
    they would move rows between the blocks that the tasks own.

    Inside a task, row p of one block meets the rows q of the other (or the
    rows after it in its own block) in one pass, :func:`_tracked_pass`, with
    the two memory-traffic savings of :func:`svd_tracked`: the dot product
    of (p, q+1) is taken in the same pass over the rows as the rotation of
    (p, q), and the pass's rotations of Vt are applied at its end by
    :func:`_rotate_chain`, which holds a chunk of row p of Vt in registers
    through all of them.  Neither changes the pairs, the tests or the
    formulas, only the rounding (the dot products are summed in another
    order).  At n = 512 (Gaussian, the whole of
    ``svd(method="preconditioned_parallel_tracked")``, best of 5) this took
    0.215 s -> 0.171 s with U and V and 0.151 s -> 0.111 s without on 2
    threads, 0.383 s -> 0.305 s and 0.273 s -> 0.199 s on 1; serial
    ``"preconditioned_tracked"`` took 0.238 s and 0.158 s.

    Tasks of a round touch disjoint rows of G, Vt, the norms and
    ``last_sweep``, and each block owns one row of the chain workspace
    (the task of block pair (a, b), a < b, uses row a), so the result does
    not depend on the thread count.  Workspace 2n + 3 n_b ceil(n / n_b),
    n_b = min(32, n) blocks.
    """
    n = G.shape[0]
    tol = _tolerance(G)
    if compute_uv:
        Vt[:, :] = 0
        for i in range(n):
            Vt[i, i] = 1
    nblocks = min(JACOBI_BLOCKS, n - n % 2)
    pairs = round_robin(nblocks)
    rounds, half = pairs.shape[0], pairs.shape[1]
    flags = np.zeros(max(nblocks, 1), dtype=np.bool_)
    norms2 = np.empty(n, dtype=G.dtype)
    last_sweep = np.zeros(n, dtype=np.int64)
    tracked = (norms2, last_sweep)
    # one row of chain workspace per block: rows of the other block met in a pass
    width = n if nblocks < 2 else (n + nblocks - 1) // nblocks
    chain_q = np.empty((max(nblocks, 1), width), dtype=np.int64)
    chain_c = np.empty((max(nblocks, 1), width), dtype=G.dtype)
    chain_s = np.empty((max(nblocks, 1), width), dtype=G.dtype)
    sweeps = 0
    status = 1
    while sweeps < max_sweeps:
        sweeps += 1
        flags[:] = False
        for i in prange(n):
            norms2[i] = dot(G[i], G[i])
        if nblocks < 2:
            chain = (chain_q[0], chain_c[0], chain_s[0])
            for p in range(n - 1):
                count = _tracked_pass(G, p, p + 1, n, tol, sweeps, tracked, chain)
                if count > 0:
                    flags[0] = True
                    if compute_uv:
                        _rotate_chain(Vt, p, chain_q[0], chain_c[0], chain_s[0], count)
        else:
            # pairs inside each block
            for b in prange(nblocks):
                lo, hi = _block_bounds(n, nblocks, b)
                chain = (chain_q[b], chain_c[b], chain_s[b])
                for p in range(lo, hi - 1):
                    count = _tracked_pass(G, p, p + 1, hi, tol, sweeps, tracked, chain)
                    if count > 0:
                        flags[b] = True
                        if compute_uv:
                            _rotate_chain(Vt, p, chain_q[b], chain_c[b], chain_s[b], count)
            # pairs across blocks, one round of disjoint block pairs at a time
            for r in range(rounds):
                for i in prange(half):
                    a = min(pairs[r, i, 0], pairs[r, i, 1])
                    b = max(pairs[r, i, 0], pairs[r, i, 1])
                    a_lo, a_hi = _block_bounds(n, nblocks, a)
                    b_lo, b_hi = _block_bounds(n, nblocks, b)
                    chain = (chain_q[a], chain_c[a], chain_s[a])
                    for p in range(a_lo, a_hi):
                        count = _tracked_pass(G, p, b_lo, b_hi, tol, sweeps, tracked, chain)
                        if count > 0:
                            flags[a] = True
                            if compute_uv:
                                _rotate_chain(Vt, p, chain_q[a], chain_c[a], chain_s[a], count)
        if not flags.any():
            status = 0
            break
    _finish(G, S, Ut, Vt, compute_uv)
    return status, sweeps


# --------------------------------------------------------------------------
# 3. preconditioned by column-pivoted QR
# --------------------------------------------------------------------------
@kernel
def sort_rows_by_norm(G):
    """Permute the columns of G (the rows of ``A = G^T``) by decreasing max-norm, in place.

    Returns the permutation ``rperm``: row k of the sorted A is row
    ``rperm[k]`` of the input.  Householder QR is row-wise backward stable
    only when the rows are in decreasing order of size (Cox & Higham,
    "Stability of Householder QR factorization for weighted least squares
    problems", 1998; Powell & Reid's row pivoting); Drmač & Veselić sort
    the rows so before their pivoted QR, which is what makes the
    preconditioned Jacobi relatively accurate on row-graded ``D1 B D2``.
    Each row of G is gathered through one buffer (contiguous writes).
    Flops none; workspace 2m.
    """
    n, m = G.shape
    size = np.zeros(m, dtype=G.dtype)
    for i in range(n):
        g = G[i]
        for k in range(m):
            a = abs(g[k])
            if a > size[k]:
                size[k] = a
    rperm = argsort_stable(size, True)
    buf = np.empty(m, dtype=G.dtype)
    for i in range(n):
        g = G[i]
        for k in range(m):
            buf[k] = g[rperm[k]]
        for k in range(m):
            g[k] = buf[k]
    return rperm


@kernel
def _precondition(G):
    """Rows sorted, pivoted QR of ``A = G^T``, then R copied out with 64-byte aligned rows.

    G (= A^T) has its columns (A's rows) sorted by decreasing size
    (:func:`sort_rows_by_norm`) and is then overwritten by the pivoted QR
    (:func:`~jitla.kernels.qr_pivoted.geqp3_rows`): ``Pr A P = Q R``.
    Returns ``(R, (jpvt, tau, rperm))``: the n x n upper triangle R (zeros
    below), and the column pivots, Householder scalars and row
    permutation.  The sweeps (one of the Jacobi variants above) run on R
    between this and :func:`_unprecondition`; each registered kernel calls
    its own sweeps directly, so compiling one of them compiles one set of
    sweeps (a runtime switch would compile all four, two of them parallel).
    """
    n = G.shape[0]
    rperm = sort_rows_by_norm(G)
    jpvt = np.empty(n, dtype=np.int64)
    tau = np.empty(n, dtype=G.dtype)
    # G = A^T: the pivoted QR of A is computed on it (rows, not columns)
    geqp3_rows(G, jpvt, tau)
    # the sweeps are store-bound row operations: 64-byte aligned rows
    R = aligned_empty(n, n, G)
    for i in range(n):
        for j in range(i):
            R[i, j] = 0
        for j in range(i, n):
            R[i, j] = G[j, i]
    return R, (jpvt, tau, rperm)


@kernel
def _unprecondition(G, Ut, Vt, factors, X_t, Vx, nb, blocks):
    """Singular vectors of A from those of R: ``V_A = P U_x``, ``U_A = Pr^T Q V``.

    *factors* is ``(jpvt, tau, rperm)`` from :func:`_precondition`; ``R^T
    Vx^T = X_t^T Sigma`` are the sweeps' results.  *nb* and *blocks* (panel
    width, GEMM blocking) are for the blocked application of Q
    (:func:`~jitla.kernels.qr_householder.apply_q_blocked`).
    """
    jpvt, tau, rperm = factors
    n, m = G.shape
    # V_A = P U_x, so Vt[i, jpvt[j]] = U_x[j, i] = X_t[i, j]
    for i in range(n):
        for j in range(n):
            Vt[i, jpvt[j]] = X_t[i, j]
    # U_A = Pr^T Q V with V = Vx^T: apply Q to [Vx^T; 0], Q's reflectors in A = G^T
    A = np.empty((m, n), dtype=G.dtype)
    transpose_triangle(G, A, False)
    B = np.zeros((m, n), dtype=G.dtype)
    transpose_triangle(Vx, B[:n], False)
    apply_q_blocked(A, tau, B, nb, blocks)
    # row k of Q V is row rperm[k] of U_A
    Bs = np.empty((m, n), dtype=G.dtype)
    for k in range(m):
        for j in range(n):
            Bs[rperm[k], j] = B[k, j]
    transpose_triangle(Bs, Ut, False)


@register(
    "svd",
    "preconditioned",
    "pivoted QR first (A P = Q R), then one-sided Jacobi on the rows of R",
    flops=svd_flops,
    extra_args=("nb", "blocks"),
    example=_svd_example,
)
@kernel
def svd_preconditioned(G, S, Ut, Vt, compute_uv, max_sweeps, nb, blocks):
    """One-sided Jacobi SVD preconditioned by column-pivoted QR.

    Same contract as :func:`svd_cyclic` (``G = A^T``, n <= m).

    Notes
    -----
    Drmač & Veselić, "New fast and accurate Jacobi SVD algorithm I", SIAM
    J. Matrix Anal. Appl. 29(4), 2008, Sec. 3: with ``A P = Q R`` (Businger–
    Golub pivoting), one-sided Jacobi applied to ``R^T`` -- whose columns
    are the rows of R, graded and nearly orthogonal already -- needs fewer
    sweeps than on A, and the pivoting also takes care of a grading of the
    *rows* of A (a two-sided scaling D1 B D2), which the plain one-sided
    method is not guaranteed to handle -- provided, as in the paper, A's
    rows are first sorted by decreasing size (:func:`sort_rows_by_norm`,
    ``Pr``): Householder QR is row-wise stable only on sorted rows.  With
    ``R^T V = U_x Sigma``: ``A = (Pr^T Q V) Sigma (P U_x)^T``.  Unlike the
    paper, no second QR (of ``R^T``) is done.  Extra work: the QR, 2mn^2 -
    2n^3/3 flops; workspace two m x n copies of A (and the QR's trailing
    norms, n x m) and two n x n matrices.
    """
    R, factors = _precondition(G)
    n = R.shape[0]
    X_t = np.empty((n, n), dtype=G.dtype)
    Vx = aligned_empty(n, n, G)
    status, sweeps = svd_cyclic(R, S, X_t, Vx, compute_uv, max_sweeps)
    if compute_uv:
        _unprecondition(G, Ut, Vt, factors, X_t, Vx, nb, blocks)
    return status, sweeps


@register(
    "svd",
    "preconditioned_parallel",
    "pivoted QR, then the parallel block round-robin Jacobi on the rows of R",
    flops=svd_flops,
    parallel=True,
    extra_args=("nb", "blocks"),
    example=_svd_example,
)
@kernel
def svd_preconditioned_parallel(G, S, Ut, Vt, compute_uv, max_sweeps, nb, blocks):
    """:func:`svd_preconditioned` with the sweeps of :func:`svd_parallel`."""
    R, factors = _precondition(G)
    n = R.shape[0]
    X_t = np.empty((n, n), dtype=G.dtype)
    Vx = aligned_empty(n, n, G)
    status, sweeps = svd_parallel(R, S, X_t, Vx, compute_uv, max_sweeps)
    if compute_uv:
        _unprecondition(G, Ut, Vt, factors, X_t, Vx, nb, blocks)
    return status, sweeps


@register(
    "svd",
    "preconditioned_tracked",
    "pivoted QR, then the tracked-norm cyclic Jacobi on the rows of R",
    flops=svd_flops,
    extra_args=("nb", "blocks"),
    example=_svd_example,
)
@kernel
def svd_preconditioned_tracked(G, S, Ut, Vt, compute_uv, max_sweeps, nb, blocks):
    """:func:`svd_preconditioned` with the sweeps of :func:`svd_tracked`.

    Notes
    -----
    The fastest serial variant and the one ``svd(method="auto")`` uses on one
    thread.  At n = 512 (Gaussian) the sweeps on R go from 11 to 10 and the
    rotations from 0.99 to 0.83 million (de Rijk's pivoting), and each
    tested pair costs 2m flops instead of 6m; see devlog 005.
    """
    R, factors = _precondition(G)
    n = R.shape[0]
    X_t = np.empty((n, n), dtype=G.dtype)
    Vx = aligned_empty(n, n, G)
    status, sweeps = svd_tracked(R, S, X_t, Vx, compute_uv, max_sweeps)
    if compute_uv:
        _unprecondition(G, Ut, Vt, factors, X_t, Vx, nb, blocks)
    return status, sweeps


@register(
    "svd",
    "preconditioned_parallel_tracked",
    "pivoted QR, then the parallel tracked-norm Jacobi on the rows of R",
    flops=svd_flops,
    parallel=True,
    extra_args=("nb", "blocks"),
    example=_svd_example,
)
@kernel
def svd_preconditioned_parallel_tracked(G, S, Ut, Vt, compute_uv, max_sweeps, nb, blocks):
    """:func:`svd_preconditioned` with the sweeps of :func:`svd_parallel_tracked`."""
    R, factors = _precondition(G)
    n = R.shape[0]
    X_t = np.empty((n, n), dtype=G.dtype)
    Vx = aligned_empty(n, n, G)
    status, sweeps = svd_parallel_tracked(R, S, X_t, Vx, compute_uv, max_sweeps)
    if compute_uv:
        _unprecondition(G, Ut, Vt, factors, X_t, Vx, nb, blocks)
    return status, sweeps
