"""Coordinate descent for the lasso and the elastic net, certified by the duality gap.

The problem (scikit-learn's scaling times ``n``, as in its ``cd_fast``)::

    P(w) = 1/2 ||y - X w||^2 + l1 ||w||_1 + l2/2 ||w||^2          (positive: w >= 0)

with ``l1 = n alpha l1_ratio`` and ``l2 = n alpha (1 - l1_ratio)``.

Coordinate descent (Friedman, Hastie & Tibshirani 2010, "Regularization
paths for generalized linear models via coordinate descent", Sec. 2.1)
minimises P exactly in one coordinate at a time::

    w_j <- S(x_j^T r + ||x_j||^2 w_j, l1) / (||x_j||^2 + l2)       S: soft threshold

where ``r = y - X w``.  P is the sum of a smooth convex function and a
separable convex one, so cyclic exact minimisation converges to a minimiser
(Tseng 2001, "Convergence of a block coordinate descent method for
nondifferentiable minimization", Thm. 4.1).

Stopping: the duality gap.  For the residual r, ``theta = r / max(l1, ||X^T r - l2 w||_inf)``
is feasible for the dual problem, and ``gap = P(w) - D(theta) >= P(w) - P(w*)``;
the solver stops when ``gap <= tol`` (the caller passes scikit-learn's
``tol * ||y||^2``), so the returned w is certified tol-optimal in objective
value -- whatever the iteration did (scikit-learn's formulation "A" of the
gap).  For the elastic net (l1, l2 > 0) with the option ``DUAL`` = 1 a
second dual point is tried, the elastic net's own Fenchel dual at ``u = r``
(no rescaling: its dual has no constraint; see :func:`_gap`), and the
smaller gap is used: both bound the same ``P(w) - P(w*)``, and after a warm
start along a path formulation A's rescaling overstates it by orders of
magnitude.  ``DUAL`` = 0: formulation A alone, scikit-learn's certificate.

Four accelerations, none of which changes what is certified:

* lazy outer correlations (residual mode): the certificate needs ``x_j^T r``
  for every alive feature, but a feature with ``w_j = 0`` whose correlation
  is provably at most l1 contributes nothing to either gap.  The kernel
  keeps, in a caller-owned ``carry`` array passed along a path, each
  feature's last correlation and the path length of the residual since,
  and skips the dot product when ``|x_j^T r_s| + ||x_j|| ||r - r_s|| <= l1``
  (triangle inequality); the gap is then exactly the full one.

* gap-safe screening (Fercoq, Gramfort & Salmon 2015; Ndiaye et al. 2017,
  JMLR 18(128), Eq. 11): the dual optimum lies in the ball of radius
  ``sqrt(2 gap) / l1`` around theta, so a feature with
  ``(1 - |x_j^T theta|) / sqrt(||x_j||^2 + l2) > sqrt(2 gap) / l1`` is zero at
  the optimum and is dropped (its coefficient set to 0) for the rest of the
  solve.  The gap is then the gap of the reduced problem, which has the same
  optimal value, so it still bounds ``P(w) - P(w*)``.
* working sets (Massias, Gramfort & Salmon 2018, celer; Bertrand et al.
  2022, skglm, Alg. 1): coordinate descent runs on the features nearest to
  their dual constraint (all non-zero ones first) until the gap of that
  subproblem falls below 0.1 (covariance mode) or 0.01 (residual mode)
  times the outer gap; the full gap is then
  computed, and the working set doubled if it is not yet small enough.
* Anderson extrapolation (Anderson 1965; Bertrand & Massias 2021, "Anderson
  acceleration of coordinate descent", Alg. 2): every K = 5 epochs, the
  affine combination of the last K+1 iterates that minimises the norm of the
  combined differences is tried, and kept only if it lowers P.

Two kernels, glmnet's two modes (Friedman et al. 2010, Sec. 2.2):

1. :func:`enet_cd_residual`  "naive" updates: keeps r (n), 2n flops per
   update; for n <= p or when ``X^T X`` is too costly.
2. :func:`enet_cd_gram`      "covariance" updates: keeps ``q = X^T r`` on the
   working set from ``G = X^T X``, 2|W| flops per update; for n >> p.

No checks are made on the inputs.  The options and the report travel in two
small float64 arrays indexed by the constants below (``L1``, ``L2``, ``TOL``,
``MAX_ITER``, ``POSITIVE``, ``WS_START``, ``ANDERSON``, ``SCREEN``, ``RANDOM``,
``SEED``, ``DUAL`` and
``GAP``, ``N_ITER``, ``N_OUTER``, ``N_SCREENED``).  Epochs (``N_ITER``) count
passes over a working set, as scikit-learn's ``n_iter_`` counts passes over
the features.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel
from jitla.kernels._registry import register
from jitla.kernels.level1 import dot

__all__ = [
    "ANDERSON",
    "DUAL",
    "GAP",
    "L1",
    "L2",
    "MAX_ITER",
    "NOPT",
    "NINFO",
    "N_ITER",
    "N_OUTER",
    "N_CORR",
    "N_SCREENED",
    "POSITIVE",
    "RANDOM",
    "SCREEN",
    "SEED",
    "TOL",
    "WS_START",
    "enet_cd_gram",
    "enet_cd_gram_flops",
    "enet_cd_flops",
    "enet_cd_residual",
]

# options (float64 array of NOPT entries)
L1, L2, TOL, MAX_ITER, POSITIVE, WS_START, ANDERSON, SCREEN, RANDOM, SEED, DUAL = range(11)
NOPT = 11
# report (float64 array of NINFO entries)
GAP, N_ITER, N_OUTER, N_SCREENED, N_CORR = range(5)
NINFO = 5

#: Epochs between two Anderson extrapolations (K in Bertrand & Massias 2021).
_K = 5
#: The subproblem is solved until its gap is below this fraction of the outer gap (celer uses 0.3).
#: Covariance mode: an outer step costs 2 p nnz flops, a few epochs' worth.
_INNER_FRACTION = 0.1
#: Residual mode: an outer step is a pass over all alive features (X^T r), several times an epoch
#: over a working set of about twice the support, so each subproblem is solved deeper.
_INNER_FRACTION_RESIDUAL = 0.01


# --------------------------------------------------------------------------
# building blocks shared by both modes
# --------------------------------------------------------------------------
@kernel
def _update(z, l1, denom, positive):
    """Exact minimiser in one coordinate: ``S(z, l1) / denom`` (0 for z < 0 when positive)."""
    if z > l1:
        return (z - l1) / denom
    if z < -l1 and not positive:
        return (z + l1) / denom
    return 0.0


@kernel
def _next_random(state):
    """Next 64-bit output of xorshift64* (Vigna 2016, "An experimental exploration of
    Marsaglia's xorshift generators, scrambled", Fig. 10); ``state`` (1,) uint64, never 0."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * np.uint64(0x2545F4914F6CDD1D)


@kernel
def _shuffled(idx, state):
    """A uniformly random permutation of ``idx`` (Fisher-Yates, Knuth TAOCP 3.4.2 Alg. P), a new array.

    The index is the high bits of the generator's output times the range
    (Lemire's multiply-shift; the bias, below 2^-32 per draw for ranges
    under 2^32, does not matter for a visiting order).
    """
    out = idx.copy()
    for i in range(out.shape[0] - 1, 0, -1):
        r = _next_random(state) >> np.uint64(32)
        k = np.int64((r * np.uint64(i + 1)) >> np.uint64(32))
        out[i], out[k] = out[k], out[i]
    return out


@kernel
def _rng_state(seed):
    """Generator state from a non-negative seed (splitmix64 of it, never 0)."""
    state = np.empty(1, dtype=np.uint64)
    z = np.uint64(seed) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    state[0] = z if z != np.uint64(0) else np.uint64(1)
    return state


@kernel
def _gap(l1, l2, R_norm2, Ry, w_l1, w_norm2, dual_norm, XtR_norm2, hinge2, enet_dual):
    """Duality gap from its ingredients, and the dual point it used: ``(gap, scale, l2w)``.

    ``dual_norm = max_j |x_j^T r - l2 w_j|`` (no absolute value when positive),
    ``hinge2 = sum_j (|x_j^T r| - l1)_+^2`` (no absolute value when positive).

    * l1 > 0: formulation A (scikit-learn's ``gap_enet``): the elastic net as a
      lasso on ``[X; sqrt(l2) I]``, dual point ``theta = [r; -sqrt(l2) w] /
      max(l1, dual_norm)``.
    * l1 > 0 and l2 > 0 and *enet_dual*, also: the elastic net's own Fenchel dual,
      ``D(u) = u^T y - ||u||^2 / 2 - sum_j g*(x_j^T u)`` with
      ``g*(v) = (|v| - l1)_+^2 / (2 l2)`` the conjugate of
      ``l1 |w| + l2 w^2 / 2``, at ``u = r``: no rescaling (the dual has no
      constraint), so ``D = r^T y - ||r||^2 / 2 - hinge2 / (2 l2)``.  In the
      augmented lasso this is ``theta = [r / l1; theta_2]`` with ``theta_2``
      the smallest vector that makes theta feasible.  A warm start from the
      previous alpha of a path has formulation A's theta shrunk by the
      largest ``|x_j^T r - l2 w_j| / l1`` (a large coefficient times the
      change of l2), which overstates the gap by orders of magnitude; this
      point does not.  The smaller of the two gaps is returned: both bound
      ``P(w) - P(w*)``.
    * l1 = 0 < l2: ridge, formulation B (needs ``XtR_norm2 = ||X^T r||^2``).
    * l1 = l2 = 0: least squares, ``||X^T r||^2`` (a first-order test, not a gap).

    The dual point, for screening and working sets: ``|x~_j^T theta| =
    min(|x_j^T r - l2w w_j| / scale, 1)`` in the augmented lasso.
    """
    if l1 == 0.0:
        if l2 == 0.0:
            return XtR_norm2, max(l1, dual_norm), l2
        return R_norm2 + 0.5 * l2 * w_norm2 - Ry + XtR_norm2 / (2.0 * l2), max(l1, dual_norm), l2
    primal = 0.5 * (R_norm2 + l2 * w_norm2) + l1 * w_l1
    scale = l1 / dual_norm if dual_norm > l1 else 1.0
    dual = -0.5 * scale * scale * (R_norm2 + l2 * w_norm2) + scale * Ry
    if enet_dual and l2 > 0.0:
        exact = Ry - 0.5 * R_norm2 - hinge2 / (2.0 * l2)
        if exact > dual:
            return primal - exact, l1, 0.0
    return primal - dual, max(l1, dual_norm), l2


@kernel
def _dual_norm(XtR, w, idx, m, l1, l2, positive):
    """Over ``idx[:m]``: ``max_j (x_j^T r - l2 w_j)``, ``||X^T r||^2`` and ``sum_j (x_j^T r - l1)_+^2``.

    Absolute values of ``x_j^T r - l2 w_j`` and ``x_j^T r`` unless positive.
    """
    dual_norm = 0.0
    XtR_norm2 = 0.0
    hinge2 = 0.0
    for t in range(m):
        j = idx[t]
        c = XtR[j]
        a = c - l2 * w[j]
        XtR_norm2 += c * c
        if not positive:
            a = abs(a)
            c = abs(c)
        if a > dual_norm:
            dual_norm = a
        if c > l1:
            hinge2 += (c - l1) * (c - l1)
    return dual_norm, XtR_norm2, hinge2


@kernel
def _norms(w, idx, m):
    """``||w||_1`` and ``||w||^2`` over ``idx[:m]``."""
    w_l1 = 0.0
    w_norm2 = 0.0
    for t in range(m):
        v = w[idx[t]]
        w_l1 += abs(v)
        w_norm2 += v * v
    return w_l1, w_norm2


@kernel
def _screen(XtR, w, norms, alive, l1, l2, gap, scale, l2w):
    """Gap-safe rule: mark ``alive[j] = False`` for every feature that is zero at the optimum.

    ``scale``, ``l2w``: the dual point of the gap (see :func:`_gap`).
    Returns the list of features newly dropped whose coefficient was non-zero
    (the caller zeroes them and updates its residual or correlations).
    """
    p = w.shape[0]
    radius = math.sqrt(2.0 * max(gap, 0.0)) / l1
    dropped = np.empty(0, dtype=np.int64)
    count = 0
    for j in range(p):
        if not alive[j]:
            continue
        if norms[j] == 0.0:
            alive[j] = False
            continue
        # |x_j^T theta| >= x_j^T theta: the rule with the absolute value is also safe when positive
        d = (1.0 - min(abs(XtR[j] - l2w * w[j]) / scale, 1.0)) / math.sqrt(norms[j] + l2)
        if d > radius:
            alive[j] = False
            if w[j] != 0.0:
                count += 1
    if count:
        dropped = np.empty(count, dtype=np.int64)
        count = 0
        for j in range(p):
            if not alive[j] and w[j] != 0.0:
                dropped[count] = j
                count += 1
    return dropped


@kernel
def _working_set(XtR, w, norms, alive, l2, scale, l2w, size):
    """The ``size`` alive features nearest their dual constraint, non-zero ones first, ascending.

    Distance ``(1 - |x~_j^T theta|) / sqrt(||x_j||^2 + l2)`` (celer's priority)
    at the dual point ``scale``, ``l2w`` of :func:`_gap`; non-zero
    coefficients get -1 so they are always kept.
    """
    p = w.shape[0]
    score = np.full(p, np.inf)
    if scale == 0.0:
        scale = 1.0
    n_alive = 0
    for j in range(p):
        if not alive[j]:
            continue
        n_alive += 1
        if w[j] != 0.0:
            score[j] = -1.0
        else:
            score[j] = (1.0 - min(abs(XtR[j] - l2w * w[j]) / scale, 1.0)) / math.sqrt(norms[j] + l2)
    m = min(size, n_alive)
    if m == n_alive:
        ws = np.empty(m, dtype=np.int64)
        t = 0
        for j in range(p):
            if alive[j]:
                ws[t] = j
                t += 1
        return ws
    # the m smallest scores, ties to the lower index (what a stable sort's first m are), in index order:
    # the m-th smallest by selection (Hoare's FIND, O(p) expected), not a sort of all p (O(p log p))
    alive_scores = np.empty(n_alive)
    t = 0
    for j in range(p):
        if alive[j]:
            alive_scores[t] = score[j]
            t += 1
    cut = np.partition(alive_scores, m - 1)[m - 1]
    below = 0
    for t in range(n_alive):
        if alive_scores[t] < cut:
            below += 1
    ties = m - below
    ws = np.empty(m, dtype=np.int64)
    t = 0
    for j in range(p):
        v = score[j]
        if alive[j] and (v < cut or (v == cut and ties > 0)):
            if v == cut:
                ties -= 1
            ws[t] = j
            t += 1
    return ws[:t]


@kernel
def _anderson_weights(last, c):
    """Weights ``c`` (sum 1) of the extrapolation from ``last`` ((K+1, m) iterates, oldest first).

    Solves ``(U U^T + eps_r I) z = 1`` with ``U[k] = last[k+1] - last[k]`` by
    Gaussian elimination with partial pivoting, ``c = z / sum(z)``.  The small
    ridge ``eps_r = 1e-10 max_k ||U[k]||^2`` keeps the solve defined when
    ``U U^T`` is singular -- fewer independent directions than K, as on a
    working set of fewer than K features -- and then picks, up to O(eps_r),
    the combination in its null space: the one that annihilates the
    differences.  Returns False when the iterates have stalled (U = 0) or
    the weights are not finite.
    """
    K = last.shape[0] - 1
    m = last.shape[1]
    C = np.zeros((K, K + 1))  # [U U^T | 1]
    for a in range(K):
        for b in range(a, K):
            s = 0.0
            for i in range(m):
                s += (last[a + 1, i] - last[a, i]) * (last[b + 1, i] - last[b, i])
            C[a, b] = s
            C[b, a] = s
        C[a, K] = 1.0
    big = 0.0
    for a in range(K):
        big = max(big, C[a, a])
    if big == 0.0:
        return False
    for a in range(K):
        C[a, a] += 1e-10 * big
    for k in range(K):
        piv = k
        for i in range(k + 1, K):
            if abs(C[i, k]) > abs(C[piv, k]):
                piv = i
        if C[piv, k] == 0.0:
            return False
        if piv != k:
            for t in range(K + 1):
                C[k, t], C[piv, t] = C[piv, t], C[k, t]
        for i in range(k + 1, K):
            f = C[i, k] / C[k, k]
            for t in range(k, K + 1):
                C[i, t] -= f * C[k, t]
    total = 0.0
    for k in range(K - 1, -1, -1):
        s = C[k, K]
        for t in range(k + 1, K):
            s -= C[k, t] * c[t]
        c[k] = s / C[k, k]
        total += c[k]
    if total == 0.0 or not math.isfinite(total):
        return False
    for k in range(K):
        c[k] /= total
    return True


@kernel
def _extrapolate(last, c, out):
    """``out = sum_k c[k] last[k+1]``."""
    K = c.shape[0]
    for i in range(out.shape[0]):
        s = 0.0
        for k in range(K):
            s += c[k] * last[k + 1, i]
        out[i] = s


# --------------------------------------------------------------------------
# residual ("naive") mode
# --------------------------------------------------------------------------
@kernel
def _residual_correlations(XT, R, XtR, idx, m):
    """``XtR[j] = x_j^T r`` for j in ``idx[:m]``."""
    for t in range(m):
        j = idx[t]
        XtR[j] = dot(XT[j], R)


@kernel
def _residual_objective(R, w, ws, l1, l2):
    """P(w) for w supported on ``ws``, given its residual R."""
    r2 = dot(R, R)
    w_l1, w_norm2 = _norms(w, ws, ws.shape[0])
    return 0.5 * (r2 + l2 * w_norm2) + l1 * w_l1


@kernel
def _residual_gap(XT, y, w, R, XtR, idx, m, opts):
    """Gap of the problem restricted to ``idx[:m]`` (w zero elsewhere); fills XtR there."""
    l1 = opts[L1]
    l2 = opts[L2]
    _residual_correlations(XT, R, XtR, idx, m)
    dual_norm, XtR_norm2, hinge2 = _dual_norm(XtR, w, idx, m, l1, l2, opts[POSITIVE] != 0.0)
    w_l1, w_norm2 = _norms(w, idx, m)
    R_norm2 = dot(R, R)
    Ry = dot(R, y)
    return _gap(l1, l2, R_norm2, Ry, w_l1, w_norm2, dual_norm, XtR_norm2, hinge2, opts[DUAL] != 0.0)


@kernel
def _residual_outer_gap(XT, y, w, R, XtR, idx, opts, norms, carry, counts):
    """The outer (certifying) gap over the alive features ``idx``, with lazily updated correlations.

    ``carry`` ((2p + n + 2,)) holds, across steps and across calls along a
    path: ``C`` (p) the correlations ``x_j^T r_s`` last computed, ``S`` (p)
    the path length of the residual when each was computed, ``R_ref`` (n)
    the residual of the previous outer step, the path length ``L`` and a
    valid flag.  At this step ``L`` grows by ``||r - R_ref||``, so by the
    triangle and Cauchy-Schwarz inequalities
    ``|x_j^T r| <= |C_j| + ||x_j|| (L - S_j)`` for every feature.  A feature
    with ``w_j = 0`` whose bound is at most l1 contributes nothing to
    either gap (formulation A's dual norm is at least l1 anyway, the hinge
    ``(|x_j^T r| - l1)_+`` is 0), so its dot product is skipped and the gap
    is exactly the one computed from every correlation; its ``XtR`` entry
    is the bound, which makes screening and the working-set priority
    conservative (a feature screened on its bound is screened on its true
    correlation too).  Gap-safe screening with sequential bounds is in the
    spirit of Ndiaye et al. 2017 (Sec. 4.3, "sequential" rules); the
    triangle-inequality bound is the one of Fercoq et al. 2015, Sec. 3.
    Fills ``XtR`` on ``idx``; ``counts[0]`` += dot products done.
    """
    p, n = XT.shape
    C = carry[:p]
    S = carry[p : 2 * p]
    R_ref = carry[2 * p : 2 * p + n]
    l1 = opts[L1]
    if carry[2 * p + n + 1] != 0.0:
        d2 = 0.0
        for i in range(n):
            d = R[i] - R_ref[i]
            d2 += d * d
        carry[2 * p + n] += math.sqrt(d2)
    else:
        carry[2 * p + n] = 0.0
        for j in range(p):
            S[j] = -np.inf  # no correlation known: every bound is infinite
        carry[2 * p + n + 1] = 1.0
    length = carry[2 * p + n]
    for i in range(n):
        R_ref[i] = R[i]
    m = idx.shape[0]
    skip = 0
    for t in range(m):
        j = idx[t]
        XtR[j] = -1.0  # to compute
        if w[j] == 0.0 and S[j] > -np.inf:
            bound = abs(C[j]) + math.sqrt(norms[j]) * (length - S[j])
            if bound <= l1:
                XtR[j] = bound
                skip += 1
    # a row fetched out of sequence costs about 2.5 streamed ones (the hardware prefetcher restarts at
    # every row): when fewer than 60 % would be skipped, stream them all
    every_row = 5 * skip < 3 * m
    done = 0
    for t in range(m):
        j = idx[t]
        if not every_row and XtR[j] >= 0.0:
            continue
        c = dot(XT[j], R)
        C[j] = c
        S[j] = length
        XtR[j] = c
        done += 1
    counts[0] += done
    l2 = opts[L2]
    dual_norm, XtR_norm2, hinge2 = _dual_norm(XtR, w, idx, m, l1, l2, opts[POSITIVE] != 0.0)
    w_l1, w_norm2 = _norms(w, idx, m)
    R_norm2 = dot(R, R)
    Ry = dot(R, y)
    return _gap(l1, l2, R_norm2, Ry, w_l1, w_norm2, dual_norm, XtR_norm2, hinge2, opts[DUAL] != 0.0)


@kernel
def _residual_epoch(XT, norms, w, R, ws, l1, l2, positive):
    """One cyclic pass over the working set: exact coordinate minimisation, r kept up to date.

    Returns the largest change of a coefficient (0: w is a fixed point of the pass).
    """
    n = R.shape[0]
    change = 0.0
    for t in range(ws.shape[0]):
        j = ws[t]
        if norms[j] == 0.0:
            continue
        w_j = w[j]
        z = dot(XT[j], R) + w_j * norms[j]  # x_j^T (r + w_j x_j): partial sums in vector registers
        w_new = _update(z, l1, norms[j] + l2, positive)
        if w_new != w_j:
            d = w_j - w_new
            for i in range(n):
                R[i] += d * XT[j, i]
            w[j] = w_new
            change = max(change, abs(d))
    return change


@kernel
def _residual_anderson(XT, w, R, ws, last, opts, R_try):
    """Try the extrapolated iterate; keep it (w and R updated) if it lowers P.  Returns True if kept."""
    K = last.shape[0] - 1
    c = np.empty(K)
    if not _anderson_weights(last, c):
        return False
    m = ws.shape[0]
    w_acc = np.empty(m)
    _extrapolate(last, c, w_acc)
    if opts[POSITIVE] != 0.0 and w_acc.min() < 0.0:
        return False  # outside the feasible set: not a candidate
    n = R.shape[0]
    R_try[:] = R
    for t in range(m):
        d = w[ws[t]] - w_acc[t]
        if d != 0.0:
            j = ws[t]
            for i in range(n):
                R_try[i] += d * XT[j, i]
    before = _residual_objective(R, w, ws, opts[L1], opts[L2])
    w_old = np.empty(m)
    for t in range(m):
        w_old[t] = w[ws[t]]
        w[ws[t]] = w_acc[t]
    after = _residual_objective(R_try, w, ws, opts[L1], opts[L2])
    if after < before:
        R[:] = R_try
        return True
    for t in range(m):
        w[ws[t]] = w_old[t]
    return False


def enet_cd_flops(n, p, epochs):
    """Nominal flops of *epochs* full residual-mode passes: 4 n p each (a dot and an axpy per feature)."""
    return 4.0 * n * p * epochs


def _example_residual(dtype):
    """A tiny valid call: 8 x 3 design, l1 = 1, l2 = 0.5."""
    X = np.array(
        [
            [1.0, 0.5, -1.0],
            [0.0, -1.0, 2.0],
            [2.0, 2.0, 0.5],
            [1.0, 0.0, 0.0],
            [-1.0, 1.5, 1.0],
            [0.5, -0.5, -2.0],
            [1.5, 1.0, 0.0],
            [-2.0, 0.0, 1.0],
        ]
    )
    y = np.array([1.0, -2.0, 3.5, 0.0, 2.0, -1.0, 0.5, 1.0])
    XT = np.ascontiguousarray(X.T, dtype=dtype)
    opts = np.array([1.0, 0.5, 1e-10, 100.0, 0.0, 10.0, 1.0, 1.0, 0.0, 0.0, 1.0])
    carry = np.zeros(2 * 3 + 8 + 2)
    norms = (X * X).sum(axis=0).astype(dtype)
    return (XT, y.astype(dtype), norms, np.zeros(3, dtype), opts, np.zeros(NINFO), carry)


@register(
    "enet_cd",
    "residual",
    "lasso / elastic net, cyclic CD with residual updates; gap-safe screening, working sets, Anderson",
    flops=enet_cd_flops,
    example=_example_residual,
)
@kernel
def enet_cd_residual(XT, y, norms, w, opts, info, carry):
    """Solve the elastic net by coordinate descent with residual updates (glmnet's "naive" mode).

    Parameters
    ----------
    XT : (p, n) float ndarray, C-contiguous
        The design transposed (row j is feature j, contiguous).
    y : (n,) float ndarray
    norms : (p,) float ndarray
        ``||x_j||^2``.
    w : (p,) float ndarray
        Starting point (warm start); overwritten with the solution.
    opts : (NOPT,) float64 ndarray
        ``L1, L2, TOL`` (absolute gap tolerance), ``MAX_ITER`` (epochs),
        ``POSITIVE``, ``WS_START`` (first working-set size; 0: no working
        sets, every epoch over all alive features), ``ANDERSON`` and
        ``SCREEN`` (0 or 1), ``RANDOM`` (1: each epoch visits its
        coordinates in a fresh random order, scikit-learn's
        ``selection="random"``) and ``SEED`` (its generator's seed, an
        integer in [0, 2^53)), ``DUAL`` (1: the elastic net's gap also at
        its own Fenchel dual point, the smaller gap certifies; 0: scikit-learn's
        formulation A alone).
    info : (NINFO,) float64 ndarray
        Overwritten: ``GAP`` (certified, of the problem left after
        screening), ``N_ITER`` (epochs), ``N_OUTER`` (gap evaluations over
        all alive features), ``N_SCREENED``, ``N_CORR`` (dot products
        ``x_j^T r`` of those outer gaps: at most ``N_OUTER p``).
    carry : (2p + n + 2,) float64 ndarray
        The outer steps' correlations and their bounds (see
        :func:`_residual_outer_gap`), updated in place.  Pass the same
        array to successive calls on the same X (a path: any w and y; the
        bound follows the residual wherever it moves) so that a call starts
        from the last call's correlations instead of a pass over X; zeros:
        nothing known (the first outer step computes every correlation).

    Returns
    -------
    converged : bool
        ``gap <= tol`` was reached within ``MAX_ITER`` epochs.

    Notes
    -----
    Friedman et al. (2010) Sec. 2.1 update; celer's outer loop (Massias et
    al. 2018, Alg. 1); Anderson extrapolation (Bertrand & Massias 2021,
    Alg. 2).  Flops: 4 n |W| per epoch over a working set W, 2 n p per
    outer gap, fewer when the bounds of *carry* prove features inactive.
    Workspace: r and a copy (2n), ``X^T r`` (p), K+1 iterates of the
    working set, and the working set's rows copied into one block
    (n |W|, when |W| <= p/2: its epochs then read contiguous memory).  No
    checks are made on the inputs.
    """
    p, n = XT.shape
    l1 = opts[L1]
    l2 = opts[L2]
    tol = opts[TOL]
    max_iter = int(opts[MAX_ITER])
    positive = opts[POSITIVE] != 0.0
    use_ws = opts[WS_START] > 0.0
    anderson = opts[ANDERSON] != 0.0
    screen = opts[SCREEN] != 0.0 and l1 > 0.0
    shuffle = opts[RANDOM] != 0.0
    state = _rng_state(int(opts[SEED]))
    R = np.empty(n)
    R_try = np.empty(n)
    XtR = np.zeros(p)
    for i in range(n):
        R[i] = y[i]
    for j in range(p):
        if w[j] != 0.0:
            for i in range(n):
                R[i] -= w[j] * XT[j, i]
    alive = np.ones(p, dtype=np.bool_)
    every = np.arange(p)
    epochs = 0
    outer = 0
    gap = np.inf
    ws_size = int(opts[WS_START]) if use_ws else p
    converged = False
    stalled = False
    counts = np.zeros(1, dtype=np.int64)
    while True:
        # the full (alive) problem's gap: the certificate
        idx = every[alive]
        gap, scale, l2w = _residual_outer_gap(XT, y, w, R, XtR, idx, opts, norms, carry, counts)
        outer += 1
        if gap <= tol:
            converged = True
            break
        if epochs >= max_iter or stalled:
            break
        if screen:
            for j in _screen(XtR, w, norms, alive, l1, l2, gap, scale, l2w):
                for i in range(n):
                    R[i] += w[j] * XT[j, i]
                w[j] = 0.0
        nnz = 0
        for j in range(p):
            if w[j] != 0.0:
                nnz += 1
        if use_ws:
            ws_size = max(ws_size, 2 * nnz)
        ws = _working_set(XtR, w, norms, alive, l2, scale, l2w, ws_size)
        m = ws.shape[0]
        inner_tol = max(_INNER_FRACTION_RESIDUAL * gap, 0.5 * tol)
        last = np.empty((_K + 1, m))
        stored = 0
        # the working set's rows copied into one block (n m reads and writes, once per outer step):
        # its epochs then stream contiguous memory instead of fetching rows scattered over X, each of
        # which costs ~2.5 streamed ones; local copies of w and the norms, local indices 0..m-1
        local = 2 * m <= p
        if local:
            XW = np.empty((m, n))
            wl = np.empty(m)
            nl = np.empty(m)
            for t in range(m):
                j = ws[t]
                XW[t] = XT[j]
                wl[t] = w[j]
                nl[t] = norms[j]
            loc = np.arange(m)
            XtR_l = np.empty(m)
        else:
            XW = XT
            wl = w
            nl = norms
            loc = ws
            XtR_l = XtR
        # coordinate descent on the working set
        first = epochs
        act = loc
        since_full = _K
        while epochs < max_iter:
            # glmnet's active-set cycling: a pass over the whole working set, then passes over its
            # non-zero coefficients only (zero ones mostly stay zero, yet each costs a dot product)
            full = since_full >= _K
            order = loc if full else act
            if shuffle:
                order = _shuffled(order, state)
            change = _residual_epoch(XW, nl, wl, R, order, l1, l2, positive)
            epochs += 1
            if full:
                since_full = 1
                if change == 0.0:
                    # a fixed point of the pass: more epochs change nothing (the gap is at its rounding floor)
                    stalled = epochs == first + 1
                    break
                act = loc[wl[loc] != 0.0]
            else:
                since_full = _K if change == 0.0 else since_full + 1
            if anderson:
                for t in range(m):
                    last[stored, t] = wl[loc[t]]
                stored += 1
                if stored == _K + 1:
                    _residual_anderson(XW, wl, R, loc, last, opts, R_try)
                    stored = 0
            # the gap costs as much as an epoch here: after the first two epochs (warm starts often
            # need no more), then every K (right after each extrapolation)
            if epochs - first > 2 and (epochs - first - 2) % _K != 0:
                continue
            # a first look on the support only (w is supported on act: half the dot products when the
            # working set is twice the support); only the working set's gap ends the inner loop
            if act.shape[0] < m:
                gap_in = _residual_gap(XW, y, wl, R, XtR_l, act, act.shape[0], opts)[0]
                if gap_in > inner_tol:
                    continue
            gap_in = _residual_gap(XW, y, wl, R, XtR_l, loc, m, opts)[0]
            if gap_in <= inner_tol:
                break
        if local:
            for t in range(m):
                w[ws[t]] = wl[t]
        if use_ws and m < idx.shape[0]:
            ws_size = 2 * m
    info[GAP] = gap
    info[N_ITER] = epochs
    info[N_OUTER] = outer
    info[N_SCREENED] = p - np.count_nonzero(alive)
    info[N_CORR] = counts[0]
    return converged


# --------------------------------------------------------------------------
# covariance ("Gram") mode
# --------------------------------------------------------------------------
@kernel
def _gram_correlations(G, Xty, w, q, idx, m):
    """``q[j] = x_j^T y - (G w)_j`` for j in ``idx[:m]``, from the non-zero coefficients (rows of G).

    When ``idx`` covers a quarter of the features or more, q is rebuilt on all
    of them from contiguous rows of G (vectorised, no gather): a superset of
    ``idx``, the extra entries exact too.
    """
    p = w.shape[0]
    if 4 * m >= p:
        for j in range(p):
            q[j] = Xty[j]
        for k in range(p):
            wk = w[k]
            if wk != 0.0:
                Gk = G[k]
                for j in range(p):
                    q[j] -= wk * Gk[j]
        return
    for t in range(m):
        q[idx[t]] = Xty[idx[t]]
    for k in range(w.shape[0]):
        wk = w[k]
        if wk != 0.0:
            for t in range(m):
                j = idx[t]
                q[j] -= wk * G[k, j]


@kernel
def _gram_gap(yty, Xty, w, q, idx, m, opts):
    """Gap of the problem restricted to ``idx[:m]``, w supported there and q exact there.

    ``||r||^2 = y^T y - 2 w^T X^T y + w^T G w = y^T y - w^T (X^T y + q)`` and
    ``r^T y = y^T y - w^T X^T y``: O(m) flops, no pass over X.
    """
    l1 = opts[L1]
    l2 = opts[L2]
    dual_norm, XtR_norm2, hinge2 = _dual_norm(q, w, idx, m, l1, l2, opts[POSITIVE] != 0.0)
    w_l1, w_norm2 = _norms(w, idx, m)
    wXty = 0.0
    wq = 0.0
    for t in range(m):
        j = idx[t]
        wXty += w[j] * Xty[j]
        wq += w[j] * q[j]
    R_norm2 = max(yty - wXty - wq, 0.0)
    Ry = yty - wXty
    return _gap(l1, l2, R_norm2, Ry, w_l1, w_norm2, dual_norm, XtR_norm2, hinge2, opts[DUAL] != 0.0)


@kernel
def _gram_epoch(G, w, q, ws, l1, l2, positive):
    """One cyclic pass over the working set; q kept exact on the working set.  Returns the largest change.

    A large working set (a quarter of the features or more) updates q on all
    features from the contiguous row ``G[j]``: 2p flops that vectorise, where
    the gathered ``G[j, ws]`` costs 2|W| flops that do not.
    """
    m = ws.shape[0]
    p = q.shape[0]
    dense = 4 * m >= p
    change = 0.0
    for t in range(m):
        j = ws[t]
        Gjj = G[j, j]
        if Gjj == 0.0:
            continue
        w_j = w[j]
        w_new = _update(q[j] + Gjj * w_j, l1, Gjj + l2, positive)
        if w_new != w_j:
            d = w_new - w_j
            if dense:
                Gj = G[j]
                for k in range(p):
                    q[k] -= d * Gj[k]
            else:
                for s in range(m):
                    k = ws[s]
                    q[k] -= d * G[j, k]
            w[j] = w_new
            change = max(change, abs(d))
    return change


@kernel
def _gram_objective(yty, Xty, w, q, ws, l1, l2):
    """P(w) for w supported on ``ws`` with q exact there."""
    w_l1, w_norm2 = _norms(w, ws, ws.shape[0])
    wXty = 0.0
    wq = 0.0
    for t in range(ws.shape[0]):
        j = ws[t]
        wXty += w[j] * Xty[j]
        wq += w[j] * q[j]
    return 0.5 * (yty - wXty - wq + l2 * w_norm2) + l1 * w_l1


@kernel
def _gram_anderson(G, Xty, yty, w, q, ws, last, opts):
    """Try the extrapolated iterate; keep it (w and q on ws updated) if it lowers P.  True if kept."""
    K = last.shape[0] - 1
    c = np.empty(K)
    if not _anderson_weights(last, c):
        return False
    m = ws.shape[0]
    w_acc = np.empty(m)
    _extrapolate(last, c, w_acc)
    if opts[POSITIVE] != 0.0 and w_acc.min() < 0.0:
        return False
    before = _gram_objective(yty, Xty, w, q, ws, opts[L1], opts[L2])
    w_old = np.empty(m)
    q_old = np.empty(m)
    for t in range(m):
        w_old[t] = w[ws[t]]
        q_old[t] = q[ws[t]]
        w[ws[t]] = w_acc[t]
    # q on ws for the new w (w is supported on ws): x_j^T y - sum_k G[k, j] w_k (G symmetric)
    _gram_correlations(G, Xty, w, q, ws, m)
    after = _gram_objective(yty, Xty, w, q, ws, opts[L1], opts[L2])
    if after < before:
        return True
    for t in range(m):
        w[ws[t]] = w_old[t]
        q[ws[t]] = q_old[t]
    return False


def enet_cd_gram_flops(p, epochs):
    """Nominal flops of *epochs* full Gram-mode passes: 2 p^2 each (an axpy of length p per feature)."""
    return 2.0 * p * p * epochs


def _example_gram(dtype):
    """A tiny valid call: the Gram matrix of :func:`_example_residual`'s design."""
    XT, y, _, w, opts, info, _ = _example_residual(dtype)
    G = np.ascontiguousarray(XT @ XT.T)
    return (G, XT @ y, float(y @ y), w, opts, info)


@register(
    "enet_cd",
    "gram",
    "lasso / elastic net, cyclic CD with covariance (X^T X) updates; screening, working sets, Anderson",
    flops=enet_cd_gram_flops,
    example=_example_gram,
)
@kernel
def enet_cd_gram(G, Xty, yty, w, opts, info):
    """Solve the elastic net by coordinate descent with covariance updates (glmnet's "covariance" mode).

    Parameters
    ----------
    G : (p, p) float ndarray, C-contiguous
        ``X^T X`` (symmetric; both triangles read).
    Xty : (p,) float ndarray
        ``X^T y``.
    yty : float
        ``y^T y``.
    w, opts, info
        As in :func:`enet_cd_residual`.

    Returns
    -------
    converged : bool

    Notes
    -----
    Friedman et al. (2010) Sec. 2.2: with ``q = X^T r`` kept on the working
    set W, an update costs 2|W| flops instead of 4n; the gap needs
    ``||r||^2 = y^T y - w^T (X^T y + q)`` (O(|W|)), and the full ``q`` over
    the alive features is rebuilt from the non-zero rows of G at each outer
    step (2 p nnz flops).  The subtraction loses ``eps ||y||^2`` absolutely,
    far below any gap tolerance in use (relative 1e-13 and up).  Workspace:
    q (p), K+1 iterates of the working set.  No checks are made on the
    inputs.
    """
    p = G.shape[0]
    l1 = opts[L1]
    l2 = opts[L2]
    tol = opts[TOL]
    max_iter = int(opts[MAX_ITER])
    positive = opts[POSITIVE] != 0.0
    use_ws = opts[WS_START] > 0.0
    anderson = opts[ANDERSON] != 0.0
    screen = opts[SCREEN] != 0.0 and l1 > 0.0
    shuffle = opts[RANDOM] != 0.0
    state = _rng_state(int(opts[SEED]))
    norms = np.empty(p)
    for j in range(p):
        norms[j] = G[j, j]
    q = np.zeros(p)
    alive = np.ones(p, dtype=np.bool_)
    every = np.arange(p)
    epochs = 0
    outer = 0
    gap = np.inf
    ws_size = int(opts[WS_START]) if use_ws else p
    converged = False
    stalled = False
    while True:
        idx = every[alive]
        _gram_correlations(G, Xty, w, q, idx, idx.shape[0])
        gap, scale, l2w = _gram_gap(yty, Xty, w, q, idx, idx.shape[0], opts)
        outer += 1
        if gap <= tol:
            converged = True
            break
        if epochs >= max_iter or stalled:
            break
        if screen:
            dropped = _screen(q, w, norms, alive, l1, l2, gap, scale, l2w)
            if dropped.shape[0]:
                for j in dropped:
                    w[j] = 0.0
                idx = every[alive]
                _gram_correlations(G, Xty, w, q, idx, idx.shape[0])
        nnz = 0
        for j in range(p):
            if w[j] != 0.0:
                nnz += 1
        if use_ws:
            ws_size = max(ws_size, 2 * nnz)
        ws = _working_set(q, w, norms, alive, l2, scale, l2w, ws_size)
        m = ws.shape[0]
        inner_tol = max(_INNER_FRACTION * gap, 0.5 * tol)
        last = np.empty((_K + 1, m))
        stored = 0
        first = epochs
        while epochs < max_iter:
            change = _gram_epoch(G, w, q, _shuffled(ws, state) if shuffle else ws, l1, l2, positive)
            epochs += 1
            if change == 0.0:
                # a fixed point of the pass: more epochs change nothing (the gap is at its rounding floor)
                stalled = epochs == first + 1
                break
            if anderson:
                for t in range(m):
                    last[stored, t] = w[ws[t]]
                stored += 1
                if stored == _K + 1:
                    _gram_anderson(G, Xty, yty, w, q, ws, last, opts)
                    stored = 0
            gap_in = _gram_gap(yty, Xty, w, q, ws, m, opts)[0]
            if gap_in <= inner_tol:
                break
        if use_ws and m < idx.shape[0]:
            ws_size = 2 * m
    info[GAP] = gap
    info[N_ITER] = epochs
    info[N_OUTER] = outer
    info[N_SCREENED] = p - np.count_nonzero(alive)
    return converged
