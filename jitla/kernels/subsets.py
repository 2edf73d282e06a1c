"""Variable selection on an R factor: leaps and bounds, and stepwise column moves.

Everything here works on the upper-triangular factor ``R`` ((q+1) x (q+1))
of the centred data ``[X | y]`` (q regressors, the response last): with the
intercept always in the model, centring is the Householder step of the ones
column, so ``R`` is the trailing block of the R factor of ``[1 | X | y]``.
For the columns in the order the factor holds them, the residual sum of
squares of the model made of the *leading* i regressors is a tail sum of the
response column::

    RSS(first i columns) = sum_{r = i}^{q} R[r, q]^2

(``Q^T y`` splits into the part the first i columns explain, rows < i, and
the part they do not).  So one factor gives the RSS of q nested models, and
reordering the columns gives the others.  Reordering is done by *column
exchanges*: swapping two adjacent columns leaves one non-zero below the
diagonal, which one Givens rotation of the two rows removes
(Golub & Van Loan, 4th ed., Sec. 6.5.2, "updating a QR factorisation";
Miller 2002, *Subset Selection in Regression*, 2nd ed., Sec. 2.4 and 2.6).

Two users:

1. :func:`leaps_bound`  -- best-subset regression of every size by branch and
   bound on the tree of subsets that drops one column at a time (the
   "dropping columns" regression tree of Gatu & Kontoghiorghes 2006,
   "Branch-and-bound algorithms for computing the best-subset regression
   models", JCGS 15(1), Alg. 2 and 3), which is Furnival & Wilson's (1974,
   "Regressions by leaps and bounds", Technometrics 16(4)) bound carried out
   on QR factors instead of sweeps of the cross-product matrix.
2. :func:`stepwise_scores` and :func:`move_column` -- the RSS change of
   adding or dropping each column, and the move that makes it so, for
   forward / backward / stepwise selection without refitting.

No checks are made on the inputs.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel
from jitla.kernels._registry import register
from jitla.kernels.level1 import givens

__all__ = [
    "NODES",
    "PRUNED",
    "NINFO",
    "leaps_bound",
    "move_column",
    "subsets_exhaustive",
    "stepwise_scores",
    "swap_adjacent",
]

#: Slots of the ``info`` array that :func:`leaps_bound` fills.
NODES = 0  # nodes of the regression tree built (factor computed)
PRUNED = 1  # children cut by the bound
NINFO = 2


@kernel
def swap_adjacent(R, i, last):
    """Exchange columns ``i`` and ``i + 1`` of the upper-triangular ``R`` in place, keeping it triangular.

    After the swap, ``R[i + 1, i]`` is the only non-zero below the diagonal;
    the Givens rotation of rows ``i, i + 1`` that zeroes it is applied to
    columns ``i .. last`` (``last``: the response column).  The orthogonal
    factor changes, ``Q^T y`` (column ``last``) changes with it, and the
    leading-subset RSS tail sums stay exact.  Flops ``6 (last - i)``; no
    workspace.  (Golub & Van Loan, 4th ed., Sec. 6.5.2.)
    """
    for r in range(i + 2):
        t = R[r, i]
        R[r, i] = R[r, i + 1]
        R[r, i + 1] = t
    c, s, rr = givens(R[i, i], R[i + 1, i])
    R[i, i] = rr
    R[i + 1, i] = 0.0
    for col in range(i + 1, last + 1):
        a = R[i, col]
        b = R[i + 1, col]
        R[i, col] = c * a + s * b
        R[i + 1, col] = c * b - s * a


@kernel
def move_column(R, src, dst, last, order):
    """Move column ``src`` of ``R`` to position ``dst`` by adjacent exchanges; permute *order* alike.

    The columns between shift by one.  Flops ``6 |src - dst| last``.  *order*
    (int64, length ``last``) holds the variable in each column position.
    """
    if src < dst:
        for i in range(src, dst):
            swap_adjacent(R, i, last)
            t = order[i]
            order[i] = order[i + 1]
            order[i + 1] = t
    else:
        for i in range(src - 1, dst - 1, -1):
            swap_adjacent(R, i, last)
            t = order[i]
            order[i] = order[i + 1]
            order[i + 1] = t


@kernel
def _drop_increase(R, k, m, ycol, inc, T):
    """``inc[i]``, ``i = k .. m-1``: the RSS increase when column i leaves the model of the leading m columns.

    With ``B = R[k:m, k:m]``, ``z = R[k:m, ycol]`` (the response column) and ``T = B^{-1}``
    (back substitution, ``(m-k)^3 / 3`` flops, written into the leading
    block of *T*), the coefficient of column i is ``b_i = (T z)_i`` and its
    deletion costs ``b_i^2 / ||T[i, :]||^2`` (Miller 2002, Sec. 2.6; the
    usual ``t_i^2 sigma^2``).  Only rows ``k:`` of ``R^{-1}`` are needed and
    they are the inverse of the trailing block.
    """
    q = m - k
    for j in range(q - 1, -1, -1):
        T[j, j] = 1.0 / R[k + j, k + j]
        for i in range(j - 1, -1, -1):
            acc = 0.0
            for t in range(i + 1, j + 1):
                acc += R[k + i, k + t] * T[t, j]
            T[i, j] = -acc / R[k + i, k + i]
    for i in range(q):
        b = 0.0
        w = 0.0
        for t in range(i, q):
            b += T[i, t] * R[k + t, ycol]
            w += T[i, t] * T[i, t]
        inc[k + i] = b * b / w


@kernel
def _preorder(R, V, k, m, inc, T):
    """Sort columns ``k .. m-1`` of the node by decreasing :func:`_drop_increase` (most important first).

    The child that drops column k has the largest subtree; with the most
    important variable there, its bound (the RSS without that variable) is
    the largest, so it is the likeliest to be cut (Gatu & Kontoghiorghes
    2006, Sec. 3, "preordering").  Selection sort by adjacent exchanges:
    ``O((m-k)^2 m)`` flops.
    """
    _drop_increase(R, k, m, m, inc, T)
    for t in range(k, m - 1):
        best = t
        for c in range(t + 1, m):
            if inc[c] > inc[best]:
                best = c
        for i in range(best - 1, t - 1, -1):
            swap_adjacent(R, i, m)
            tmp = V[i]
            V[i] = V[i + 1]
            V[i + 1] = tmp
            tmp2 = inc[i]
            inc[i] = inc[i + 1]
            inc[i + 1] = tmp2


@kernel
def _record(R, V, k, m, max_size, best_rss, best_mask):
    """Offer the node's new subsets (the leading ``V[:i]``, ``i = k+1 .. min(m, max_size)``) to the lists."""
    nbest = best_rss.shape[1]
    top = min(m, max_size)
    tail = 0.0
    for r in range(m, top - 1, -1):
        tail += R[r, m] * R[r, m]
    mask = np.int64(0)
    for i in range(k):
        mask |= np.int64(1) << V[i]
    for i in range(k + 1, top + 1):
        mask |= np.int64(1) << V[i - 1]
    # sizes top, top-1, ..., k+1: the tail sum grows as i falls
    for i in range(top, k, -1):
        if i < top:
            tail += R[i, m] * R[i, m]
        row = i - 1
        if tail < best_rss[row, nbest - 1]:
            pos = nbest - 1
            while pos > 0 and best_rss[row, pos - 1] > tail:
                best_rss[row, pos] = best_rss[row, pos - 1]
                best_mask[row, pos] = best_mask[row, pos - 1]
                pos -= 1
            best_rss[row, pos] = tail
            best_mask[row, pos] = mask
        mask &= ~(np.int64(1) << V[i - 1])


@kernel
def _child(P, C, j, m):
    """The factor of the node's columns without column j: ``C`` ((m, m)) from ``P`` ((m+1, m+1)).

    Columns after j shift left, leaving an upper-Hessenberg block in rows
    ``j .. m``; ``m - j`` Givens rotations restore the triangle and empty
    the last row.  Returns the child's full-model RSS, ``C[m-1, m-1]^2``.
    Flops ``3 (m - j)^2``; rows above j are copied.
    """
    for r in range(j):
        for c in range(r, j):
            C[r, c] = P[r, c]
        for c in range(j, m):
            C[r, c] = P[r, c + 1]
    for r in range(j, m):
        for c in range(r, m):
            C[r, c] = P[r, c + 1]
    for r in range(j, m - 1):
        # rows r and r+1 of C: the sub-diagonal entry of column r is P[r+1, r+1]
        cs, sn, rr = givens(C[r, r], P[r + 1, r + 1])
        C[r, r] = rr
        for c in range(r + 1, m):
            a = C[r, c]
            b = C[r + 1, c]
            C[r, c] = cs * a + sn * b
            C[r + 1, c] = cs * b - sn * a
    # the last row of the Hessenberg block holds only the response entry P[m, m]
    last = C[m - 1, m - 1]
    below = P[m, m]
    rss = last * last + below * below
    C[m - 1, m - 1] = math.sqrt(rss)
    return rss


def leaps_flops(q, nodes):
    """Nominal flops: about ``3 q^2 / 2`` per visited node (one child factor of average width)."""
    return 1.5 * q * q * nodes


def _example_leaps(dtype):
    """A tiny valid call: the factor of a 10 x 3 centred design and response.

    Always float64, whatever *dtype*: the regression layer calls these
    kernels only in float64, so a float32 specialisation would be compiled
    for nothing.
    """
    rng = np.random.default_rng(0)
    A = rng.standard_normal((10, 4))
    A -= A.mean(axis=0)
    R = np.ascontiguousarray(np.linalg.qr(A, mode="r"))
    return (R, 3, 2, np.full((3, 2), np.inf), np.zeros((3, 2), np.int64), np.zeros(NINFO, np.int64))


@register(
    "best_subsets",
    "exhaustive",
    "every subset: the dropping-columns tree without a cut, one Givens-updated factor per node",
    flops=leaps_flops,
    example=_example_leaps,
)
@kernel
def subsets_exhaustive(R, max_size, preorder_min, best_rss, best_mask, info):
    """The *nbest* smallest-RSS subsets of each size, by visiting every node of the tree.

    The same tree, factors and lists as :func:`leaps_bound`, without the
    bound (and so without the preordering that serves it; *preorder_min* is
    ignored): ``2^(q-1)`` nodes, each subset's RSS read once.  The reference
    that the bound is measured against -- exhaustive search at the cost of
    one child factor (``3 (m - j)^2`` flops) per subset instead of a
    least-squares fit.  Arguments as :func:`leaps_bound`.
    """
    q = R.shape[0] - 1
    Rs = np.zeros((q + 1, q + 1, q + 1))
    V = np.empty((q + 1, q), dtype=np.int64)
    nxt = np.empty(q + 1, dtype=np.int64)
    for r in range(q + 1):
        for c in range(r, q + 1):
            Rs[0, r, c] = R[r, c]
    for i in range(q):
        V[0, i] = i
    _record(Rs[0], V[0], 0, q, max_size, best_rss, best_mask)
    info[NODES] += 1
    nxt[0] = 0
    d = 0
    while d >= 0:
        m = q - d
        j = nxt[d]
        if j > m - 2 or j >= max_size:
            d -= 1
            continue
        nxt[d] = j + 1
        _child(Rs[d], Rs[d + 1], j, m)
        info[NODES] += 1
        d += 1
        for i in range(j):
            V[d, i] = V[d - 1, i]
        for i in range(j, m - 1):
            V[d, i] = V[d - 1, i + 1]
        _record(Rs[d], V[d], j, m - 1, max_size, best_rss, best_mask)
        nxt[d] = j
    return 0


@register(
    "best_subsets",
    "leaps",
    "best subset of every size: dropping-columns tree with the leaps-and-bounds cut, Givens updates",
    flops=leaps_flops,
    example=_example_leaps,
)
@kernel
def leaps_bound(R, max_size, preorder_min, best_rss, best_mask, info):
    """The *nbest* smallest-RSS subsets of each size 1 .. max_size, by branch and bound.

    Parameters
    ----------
    R : (q+1, q+1) float64 ndarray
        Upper-triangular factor of the centred ``[X | y]`` (response last),
        non-singular in its first q columns.  Not modified.
    max_size : int
        Largest subset size wanted, ``1 <= max_size <= q``.
    preorder_min : int
        Reorder a node's free columns (:func:`_preorder`) when it has at
        least this many (larger subtrees); ``q + 1`` never reorders.
    best_rss : (max_size, nbest) float64 ndarray
        In: ``inf``.  Out: row ``s - 1`` holds the nbest smallest RSS of
        subsets of size s, ascending.
    best_mask : (max_size, nbest) int64 ndarray
        Out: the subsets, as bit masks of column indices (q <= 62).
    info : (NINFO,) int64 ndarray
        Out: ``NODES`` built (factor computed) and ``PRUNED`` children
        (cut before their factor was built).

    Notes
    -----
    The tree (Gatu & Kontoghiorghes 2006, Alg. 2): a node is an ordered
    column set V (|V| = m) with a fixed prefix length k; it *generates* the
    leading subsets ``V[:i]``, ``i = k+1 .. m``, read off its factor as tail
    sums, and has children ``(V \\ V[j], j)`` for ``j = k .. m-2``.  Every
    non-empty subset is generated exactly once, at one of ``2^(q-1)``
    nodes.  Every subset below child j contains ``V[:j]`` and lies inside
    ``V \\ V[j]``, so its RSS is at least ``RSS(V \\ V[j])`` -- Furnival &
    Wilson's bound -- and sizes ``j+1 .. m-1`` are all it can produce: the
    child is cut when that RSS is no better than the current nbest-th best
    of every size in the range.  That RSS is the node's own plus the
    increase of dropping V[j], ``b_j^2 / ||(R^{-1})[j, :]||^2``
    (:func:`_drop_increase`, from the trailing block of the node's factor,
    computed once per node), so a cut child is never built.  A child with ``j >= max_size`` produces
    only sizes above max_size and is never built.

    Cost: ``3 (m - j)^2`` flops to build child j from its parent's factor
    (:func:`_child`), ``(m - k)^3 / 3`` for the node's drop increases; a
    preordering costs ``O((m - k)^2 m)`` more and is amortised over the
    ``2^(m-k-1)`` nodes below.  Without cuts the search is
    exhaustive (``~ 2^q`` nodes); how much the bound cuts depends on the data
    (strong, few effects: most of the tree).  Workspace: one factor per tree
    level, ``(q+1)^3`` floats, and ``(q+1) q`` column orders.
    """
    q = R.shape[0] - 1
    nbest = best_rss.shape[1]
    Rs = np.zeros((q + 1, q + 1, q + 1))
    V = np.empty((q + 1, q), dtype=np.int64)
    nxt = np.empty(q + 1, dtype=np.int64)
    inc = np.empty((q + 1, q))  # per level: RSS increase of dropping each free column
    T = np.empty((q, q))
    for r in range(q + 1):
        for c in range(r, q + 1):
            Rs[0, r, c] = R[r, c]
    for i in range(q):
        V[0, i] = i
    if q >= preorder_min:
        _preorder(Rs[0], V[0], 0, q, inc[0], T)
    else:
        _drop_increase(Rs[0], 0, q, q, inc[0], T)
    _record(Rs[0], V[0], 0, q, max_size, best_rss, best_mask)
    info[NODES] += 1
    nxt[0] = 0
    d = 0
    while d >= 0:
        m = q - d
        j = nxt[d]
        if j > m - 2 or j >= max_size:
            d -= 1
            continue
        nxt[d] = j + 1
        # the bound, RSS(V without V[j]), before the child's factor is built
        bound = Rs[d, m, m] * Rs[d, m, m] + inc[d, j]
        # sizes the child's subtree can produce: j+1 .. min(m-1, max_size)
        hi = min(m - 1, max_size)
        useful = False
        for s in range(j + 1, hi + 1):
            if bound < best_rss[s - 1, nbest - 1]:
                useful = True
                break
        if not useful:
            info[PRUNED] += 1
            continue
        _child(Rs[d], Rs[d + 1], j, m)
        info[NODES] += 1
        d += 1
        for i in range(j):
            V[d, i] = V[d - 1, i]
        for i in range(j, m - 1):
            V[d, i] = V[d - 1, i + 1]
        if m - 1 - j >= preorder_min:
            _preorder(Rs[d], V[d], j, m - 1, inc[d], T)
        else:
            _drop_increase(Rs[d], j, m - 1, m - 1, inc[d], T)
        _record(Rs[d], V[d], j, m - 1, max_size, best_rss, best_mask)
        nxt[d] = j
    return 0


def stepwise_flops(q, s):
    """Nominal flops of one :func:`stepwise_scores` call: ``s^3 / 3`` (inverse) + ``4 q^2`` (candidates)."""
    return s**3 / 3.0 + 4.0 * q * q


def _example_stepwise(dtype):
    """A tiny valid call: the factor of a 10 x 3 centred design, two in the model (float64, as above)."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((10, 4))
    A -= A.mean(axis=0)
    R = np.ascontiguousarray(np.linalg.qr(A, mode="r"))
    return (R, 2, 1e-12, np.zeros(3), np.zeros(3), np.zeros((3, 3)))


@register(
    "stepwise",
    "scores",
    "RSS change of adding / dropping each column of a model held as the leading columns of R",
    flops=stepwise_flops,
    example=_example_stepwise,
)
@kernel
def stepwise_scores(R, s, tol, gain, loss, T):
    """RSS decrease of each candidate to enter and increase of each model column to leave.

    Parameters
    ----------
    R : (q+1, q+1) float64 ndarray
        Upper-triangular factor of the centred ``[X | y]`` with the model's
        s columns first.  Not modified.
    s : int
        Columns in the model.
    tol : float
        A candidate whose part orthogonal to the model is at most ``tol``
        times its length is collinear with it and gets ``gain = -1``.
    gain : (q,) float64 ndarray
        Out, for ``c >= s``: ``RSS(model) - RSS(model + column c)`` =
        ``(u . v)^2 / (u . u)`` with ``u = R[s:, c]``, ``v = R[s:, q]``,
        the parts of the column and the response orthogonal to the model;
        ``-1`` where ``||u|| <= tol ||R[:, c]||`` (the column lies in the
        model's span, to working accuracy).
    loss : (q,) float64 ndarray
        Out, for ``i < s``: ``RSS(model - column i) - RSS(model)`` =
        ``b_i^2 / ||(R_s^{-1})[i, :]||^2`` (Miller 2002, Sec. 2.6).
    T : (q, q) float64 ndarray
        Workspace for ``R_s^{-1}``.

    Notes
    -----
    Flops ``s^3 / 3 + 4 q^2`` per call; the columns of R are moved only for
    the chosen step (:func:`move_column`), so a step costs ``O(q^2)`` besides
    scoring, never a refit.
    """
    q = R.shape[0] - 1
    for c in range(s, q):
        head = 0.0
        for r in range(s):
            head += R[r, c] * R[r, c]
        uu = 0.0
        uv = 0.0
        for r in range(s, c + 1):
            uu += R[r, c] * R[r, c]
            uv += R[r, c] * R[r, q]
        gain[c] = uv * uv / uu if uu > tol * tol * (head + uu) else -1.0
    if s > 0:
        _drop_increase(R, 0, s, q, loss, T)
    return 0
