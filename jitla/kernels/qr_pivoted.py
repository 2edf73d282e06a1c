"""Column-pivoted (rank-revealing) Householder QR: ``A P = Q R`` (Businger & Golub).

:func:`geqp3` factors with column pivoting and LAPACK's norm downdating;
:func:`numerical_rank` reads the rank off the diagonal of R.

At step i the remaining column of largest norm is swapped to position i
before its reflector is computed, so ``|R[0, 0]| >= |R[1, 1]| >= ...`` and
a matrix of rank r ends with a trailing block of R that is ~eps small: the
rank is revealed by the diagonal (Golub & Van Loan, 4th ed., Sec. 5.4.2).

Storage as :mod:`jitla.kernels.qr_householder` (R on and above the
diagonal, Householder vectors below), plus ``jpvt``: column j of ``A P`` is
column ``jpvt[j]`` of A (0-based, scipy's ``P``).

Row-major layout: the column norms are kept in a vector and *downdated*
from row i of R (contiguous) after each step; the reflector is applied by
:func:`~jitla.kernels.qr_householder._apply_reflector` along rows.  Only the
column swaps, the reflector's generation and the occasional norm
recomputation walk columns (O(m) each).

Kernel contract: ``A`` (m, n) C-contiguous float32/float64, overwritten;
``jpvt`` (n,) int64, overwritten; ``tau`` (min(m, n),) of A's dtype,
overwritten.  No checks are made on the inputs.  Returns 0.

References: Businger & Golub, "Linear least squares solutions by Householder
transformations", Numer. Math. 7, 1965; Golub & Van Loan, 4th ed.,
Alg. 5.4.1; LAPACK ``dlaqp2`` (the downdating formula and its safeguard),
Drmač & Bujanović, "On the failure of rank-revealing QR factorization
software -- a case study", ACM TOMS 35(2), 2008 (why the safeguard).
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel
from jitla.kernels._registry import register
from jitla.kernels.level1 import dot
from jitla.kernels.qr_householder import _apply_reflector, householder, qr_flops

__all__ = ["geqp3", "geqp3_rows", "numerical_rank", "rank_tolerance", "reflect_rows"]


def _pivoted_example(dtype):
    A = np.arange(1.0, 36.0).reshape(7, 5).astype(dtype)
    return A, np.zeros(5, np.int64), np.zeros(5, dtype)


def rank_tolerance(m, n, dtype) -> float:
    """Default relative rank tolerance ``max(m, n) * eps(dtype)`` (numpy's ``matrix_rank`` rule)."""
    return max(m, n) * float(np.finfo(dtype).eps)


@kernel
def _column_norm(A, r0, j):
    """``||A[r0:, j]||``, scaled by the largest entry so it neither overflows nor underflows."""
    m = A.shape[0]
    scale = A.dtype.type(0)
    for i in range(r0, m):
        a = abs(A[i, j])
        if a > scale:
            scale = a
    if scale == 0:
        return scale
    ssq = A.dtype.type(0)
    for i in range(r0, m):
        t = A[i, j] / scale
        ssq += t * t
    return scale * math.sqrt(ssq)


@kernel
def _downdate(vn1, vn2, r, j0, tol3z, stale):
    """Downdate the partial norms ``vn1[j0:]`` by the new row ``r[j0:]`` of R; flag those that cancelled.

    ``vn1[j] *= sqrt(1 - (r[j] / vn1[j])^2)`` (LAPACK ``dlaqp2``), and
    ``stale[j]`` is set where ``(1 - (r[j]/vn1[j])^2) (vn1[j]/vn2[j])^2 <=
    tol3z`` (vn2[j] the norm when last computed exactly): about half the
    digits are gone, and the caller must recompute ``vn1[j]`` from the
    column and reset ``vn2[j]``.  Returns the number of such columns.  A zero
    norm stays zero and is never stale.  The loop has no branch and no
    call, so it vectorises; a call per column, with the norm arrays passed
    in, cost two reference-count increments and decrements each (about 40
    ns, a third of a 100 x 100 pivoted QR).
    """
    count = 0
    for j in range(j0, vn1.shape[0]):
        v1 = vn1[j]
        live = v1 != 0
        t = abs(r[j]) / v1 if live else 0.0
        temp = max(1 - t * t, 0.0)
        ratio = v1 / vn2[j] if live else 0.0
        cancelled = live and temp * ratio * ratio <= tol3z
        stale[j] = cancelled
        count += cancelled
        vn1[j] = v1 * math.sqrt(temp)
    return count


@register(
    "qr_pivoted",
    "businger_golub",
    "column-pivoted Householder QR (dlaqp2 norm downdating, recomputation safeguard)",
    flops=qr_flops,
    example=_pivoted_example,
)
@kernel
def geqp3(A, jpvt, tau):
    """Householder QR with column pivoting: ``A P = Q R`` in place.

    Parameters
    ----------
    A : (m, n) ndarray, overwritten
        On return R on and above the diagonal, Householder vectors below
        (as :func:`~jitla.kernels.qr_householder.geqr2`).
    jpvt : (n,) int64 ndarray, overwritten
        The permutation: ``(A P)[:, j] = A[:, jpvt[j]]``.
    tau : (min(m, n),) ndarray, overwritten

    Returns
    -------
    int
        0.

    Notes
    -----
    Golub & Van Loan, 4th ed., Alg. 5.4.1, with LAPACK ``dlaqp2``'s update
    of the partial column norms: after step i, the norm of column j below
    row i is ``vn1[j] * sqrt(1 - (R[i, j] / vn1[j])^2)``, O(1) instead of
    O(m).  That formula cancels when most of the column's norm was in row
    i, so, as LAPACK does, each column also keeps ``vn2[j]``, its norm when
    last computed exactly, and when ``(1 - (R[i,j]/vn1[j])^2) (vn1[j] /
    vn2[j])^2 <= sqrt(eps)`` the norm has lost about half its digits and is
    recomputed from the column.  Ties in the pivot choice go to the lowest
    index (``argmax``), as ``idamax``.

    Unlike LAPACK's ``dgeqp3`` this is not blocked (``dlaqps`` needs a
    delayed-update scheme to keep the norms current): the whole
    factorisation runs at BLAS-2 speed, like the old ``dgeqpf``.
    Flops ``4mnk - 2(m + n)k^2 + 4k^3/3`` (k = min(m, n)), as unpivoted
    QR, plus O(mn) for norms.  Workspace 3n.
    """
    m, n = A.shape
    kmax = min(m, n)
    eps = np.finfo(A.dtype).eps
    tol3z = math.sqrt(eps)
    w = np.empty(max(n, 1), dtype=A.dtype)
    vn1 = np.empty(n, dtype=A.dtype)
    vn2 = np.empty(n, dtype=A.dtype)
    stale = np.empty(n, dtype=np.bool_)
    for j in range(n):
        jpvt[j] = j
        vn1[j] = _column_norm(A, 0, j)
        vn2[j] = vn1[j]
    for i in range(kmax):
        # pivot: the remaining column of largest (partial) norm
        pvt = i
        for j in range(i + 1, n):
            if vn1[j] > vn1[pvt]:
                pvt = j
        if pvt != i:
            for r in range(m):
                A[r, i], A[r, pvt] = A[r, pvt], A[r, i]
            jpvt[i], jpvt[pvt] = jpvt[pvt], jpvt[i]
            vn1[pvt] = vn1[i]
            vn2[pvt] = vn2[i]
        beta, tau[i] = householder(A[i:, i])
        _apply_reflector(A, i, tau[i], A, i + 1, n, w)
        # downdate the partial norms from row i of R
        if _downdate(vn1, vn2, A[i], i + 1, tol3z, stale):
            for j in range(i + 1, n):
                if stale[j]:
                    # too much cancellation: recompute (dlaqp2's safeguard)
                    vn1[j] = _column_norm(A, i + 1, j) if i + 1 < m else 0
                    vn2[j] = vn1[j]
    return 0


def _pivoted_rows_example(dtype):
    G = np.arange(1.0, 36.0).reshape(5, 7).astype(dtype)
    return G, np.zeros(5, np.int64), np.zeros(5, dtype)


@kernel
def _row_norm(G, i, c0):
    """``||G[i, c0:]||``, scaled by the largest entry (as :func:`_column_norm`)."""
    x = G[i, c0:]
    scale = G.dtype.type(0)
    for j in range(x.shape[0]):
        a = abs(x[j])
        if a > scale:
            scale = a
    if scale == 0:
        return scale
    ssq = G.dtype.type(0)
    for j in range(x.shape[0]):
        t = x[j] / scale
        ssq += t * t
    return scale * math.sqrt(ssq)


@kernel
def reflect_rows(G, i, tau, r0):
    """Rows ``r0..`` of ``G[:, i:]`` times ``I - tau v v^T``, the reflector stored in row i.

    ``v = [1, G[i, i+1:]]`` (the head 1 implicit, ``G[i, i]`` holding beta,
    as :func:`~jitla.kernels.qr_householder.householder` leaves it).  Each
    row g is updated as ``g -= tau (g . v) v``: one dot product and one
    axpy, both contiguous, while g stays in L1 -- the reflector applied
    from the right, along rows.  Flops ``4 (rows) (L - i)``.
    """
    if tau == 0:
        return
    beta = G[i, i]
    G[i, i] = 1
    v = G[i, i:]
    for r in range(r0, G.shape[0]):
        g = G[r, i:]
        d = tau * dot(g, v)
        for c in range(g.shape[0]):
            g[c] -= d * v[c]
    G[i, i] = beta


@register(
    "qr_pivoted",
    "rows",
    "column-pivoted QR of A computed on G = A^T: every step walks rows (contiguous), none walks columns",
    flops=lambda n, m: qr_flops(m, n),
    example=_pivoted_rows_example,
)
@kernel
def geqp3_rows(G, jpvt, tau):
    """Householder QR with column pivoting of ``A = G^T``, computed on G: ``A P = Q R``.

    Parameters
    ----------
    G : (n, m) ndarray, overwritten
        ``A^T`` for the (m, n) matrix A to factor, C-contiguous, so that
        each column of A is a contiguous row of G.  On return the
        *transposed* storage of :func:`geqp3`: ``G[j, i] = R[i, j]`` for
        ``j >= i`` (R^T in the lower triangle) and the Householder vector of
        step i in ``G[i, i+1:]`` (its head 1 implicit).  ``G.T`` is thus
        exactly what :func:`geqp3` leaves in A, and
        :func:`~jitla.kernels.qr_householder.apply_q_blocked` applies Q from
        a transposed copy.
    jpvt : (n,) int64 ndarray, overwritten
        ``(A P)[:, j] = A[:, jpvt[j]]``.
    tau : (min(m, n),) ndarray, overwritten

    Returns
    -------
    int
        0.

    Notes
    -----
    The algorithm and the pivoting and norm-downdating rules are
    :func:`geqp3`'s (Golub & Van Loan, 4th ed., Alg. 5.4.1; LAPACK
    ``dlaqp2``), so the pivots and R agree with it to rounding.  What
    changes is the direction of every memory walk.  In a C-ordered A the
    columns are strided: :func:`geqp3`'s pivot swaps, reflector generation
    and norm recomputations each touch one cache line per row, and its
    reflector is applied in two passes over the trailing matrix.  Here a
    column of A is a row of G: the swap, the reflector and the norms are
    contiguous, and the reflector is applied to each remaining row ``g``
    as ``g -= tau (g . v) v`` -- a dot product and an axpy on a row that
    stays in L1 between the two, one pass (devlog 005 has the timings).
    The Jacobi SVD's preconditioner gets ``A^T`` for free (its kernels work
    on ``G = A^T``).  One addition to :func:`geqp3`: when a column's
    recomputed partial norm (rows i+1..) is below ``2 sqrt(m) eps`` times
    the norm those rows of the column held on entry, what is left of it is
    rounding noise (the column lies in the span of the pivots so far), and
    it is set to zero -- a backward error of that size in those rows.
    Without it a rank-deficient A (a matrix of ones) leaves R with rows of
    noise at eps, eps^2, ... that the Jacobi sweeps then chase into
    underflow ("SVD did not converge").  Columns that are merely small
    (graded) keep their residual: it is small only relative
    to the others, not to themselves.  The yardstick is the trailing rows,
    not the whole column: with rows graded (and sorted by decreasing size),
    a column's residual is small because its large entries sat in the rows
    already eliminated, yet exact -- measured against the whole column it
    was zeroed, and the preconditioned Jacobi SVD lost small singular
    values of ``D1 B D2`` (devlog 066).  Flops as :func:`geqp3` plus ``2mn``
    for the trailing norms; workspace ``n (m + 1) + 3n``.
    """
    n, m = G.shape
    kmax = min(m, n)
    tol3z = math.sqrt(np.finfo(G.dtype).eps)
    noise = 2 * math.sqrt(m) * np.finfo(G.dtype).eps
    vn1 = np.empty(n, dtype=G.dtype)
    vn2 = np.empty(n, dtype=G.dtype)
    vn0 = np.empty(n, dtype=G.dtype)  # the norm each column started with
    stale = np.empty(n, dtype=np.bool_)
    # tail[j, k]: the norm of A[k:, j] as it was on entry, over vn0[j]
    tail = np.zeros((n, m + 1), dtype=G.dtype)
    for j in range(n):
        jpvt[j] = j
        vn1[j] = _row_norm(G, j, 0)
        vn2[j] = vn1[j]
        vn0[j] = vn1[j]
        if vn0[j] > 0:
            g = G[j]
            t = tail[j]
            acc = G.dtype.type(0)
            for k in range(m - 1, -1, -1):
                x = g[k] / vn0[j]
                acc += x * x
                t[k] = math.sqrt(acc)
    for i in range(kmax):
        pvt = i
        for j in range(i + 1, n):
            if vn1[j] > vn1[pvt]:
                pvt = j
        if pvt != i:
            gi = G[i]
            gp = G[pvt]
            for c in range(m):
                gi[c], gp[c] = gp[c], gi[c]
            jpvt[i], jpvt[pvt] = jpvt[pvt], jpvt[i]
            vn1[pvt] = vn1[i]
            vn2[pvt] = vn2[i]
            vn0[pvt] = vn0[i]
            ti = tail[i]
            tp = tail[pvt]
            for c in range(m + 1):
                ti[c], tp[c] = tp[c], ti[c]
        beta, tau[i] = householder(G[i, i:])
        reflect_rows(G, i, tau[i], i + 1)
        # downdate the partial norms from R[i, r] = G[r, i]
        _downdate(vn1, vn2, G[:, i], i + 1, tol3z, stale)
        for r in range(i + 1, n):
            if stale[r]:
                norm = _row_norm(G, r, i + 1) if i + 1 < m else G.dtype.type(0)
                if norm <= noise * vn0[r] * tail[r, i + 1]:
                    # only rounding noise is left of this column: it lies in
                    # the span of the pivots so far, to working precision.
                    # The yardstick is what rows i+1.. of the column held on
                    # entry, not its whole norm: a row-graded column is
                    # small there but exact, not noise
                    for c in range(i + 1, m):
                        G[r, c] = 0
                    norm = G.dtype.type(0)
                vn1[r] = norm
                vn2[r] = norm
    return 0


@kernel
def numerical_rank(A, rtol):
    """Number of diagonal entries of a pivoted R with ``|R[k, k]| > rtol * |R[0, 0]|``.

    Parameters
    ----------
    A : (m, n) ndarray
        Output of :func:`geqp3` (only its diagonal is read).
    rtol : float
        Relative tolerance; :func:`rank_tolerance` gives the default
        ``max(m, n) * eps``, the rule of ``numpy.linalg.matrix_rank``
        (applied there to singular values, here to R's diagonal, which the
        pivoting makes non-increasing).

    Returns
    -------
    int
        The numerical rank (0 for an empty or zero matrix).

    Notes
    -----
    Column-pivoted QR reveals the rank in practice, but not always: there
    are matrices (Kahan's) whose smallest ``|R[k, k]|`` overestimates the
    smallest singular value by a factor up to ``2^n`` (Golub & Van Loan,
    4th ed., Sec. 5.4.3).  For a guarantee use the SVD.
    """
    k = min(A.shape[0], A.shape[1])
    if k == 0:
        return 0
    threshold = rtol * abs(A[0, 0])
    rank = 0
    for i in range(k):
        if abs(A[i, i]) > threshold:
            rank += 1
        else:
            break
    return rank
