"""Coordinate-descent kernels (``enet_cd``: residual and covariance modes) against plain CD.

Oracles: :func:`naive.enet_path` (cyclic coordinate descent in Python floats
with fsum, the residual recomputed for every update, no acceleration) and
the KKT conditions of the elastic net checked with numpy.  Each acceleration
(gap-safe screening, working sets, Anderson extrapolation) is switched on
and off, alone and together: none may change the optimum, only the road to
it.

Tolerances: the problems are small (n = 14, p = 6, or n = 12, p = 30) with
cond(X) < 20 where n > p, and solved to an absolute gap of 1e-20 * ||y||^2;
the gap bounds ``mu/2 ||w - w*||^2`` where the objective is strongly convex,
so the coefficients agree with the oracle to ~1e-9 relative at worst; they
agree far better in practice, and 1e-9 is asserted.
"""

from __future__ import annotations

import itertools

import naive
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.kernels import coordinate_descent as cd
from jitla.kernels import get_kernel

RESIDUAL = get_kernel("enet_cd", "residual").func
GRAM = get_kernel("enet_cd", "gram").func


def _problem(n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[: min(3, p)] = [2.0, -1.5, 1.0][: min(3, p)]
    y = X @ beta + 0.3 * rng.standard_normal(n)
    return X, y


def _opts(l1, l2, tol, positive=False, ws=0, anderson=False, screen=False, max_iter=100_000):
    opts = np.zeros(cd.NOPT)
    opts[cd.L1], opts[cd.L2], opts[cd.TOL], opts[cd.MAX_ITER] = l1, l2, tol, max_iter
    opts[cd.POSITIVE], opts[cd.WS_START], opts[cd.ANDERSON], opts[cd.SCREEN] = positive, ws, anderson, screen
    return opts


def _solve(mode, X, y, opts, w0=None):
    p = X.shape[1]
    w = np.zeros(p) if w0 is None else w0.copy()
    info = np.zeros(cd.NINFO)
    if mode == "residual":
        carry = np.zeros(2 * p + X.shape[0] + 2)
        ok = RESIDUAL(np.ascontiguousarray(X.T), y, (X * X).sum(axis=0), w, opts, info, carry)
    else:
        ok = GRAM(np.ascontiguousarray(X.T @ X), X.T @ y, float(y @ y), w, opts, info)
    return w, bool(ok), info


def kkt_violation(X, y, w, l1, l2, positive=False):
    """Largest violation of the optimality conditions of ``1/2||y-Xw||^2 + l1|w|_1 + l2/2|w|^2``."""
    g = X.T @ (y - X @ w) - l2 * w  # must be l1 sign(w_j) where w_j != 0, within [-l1, l1] where 0
    on = w != 0
    v_on = np.abs(g[on] - l1 * np.sign(w[on]))
    v_off = np.maximum(g[~on] - l1, 0.0) if positive else np.maximum(np.abs(g[~on]) - l1, 0.0)
    neg = np.maximum(-w, 0.0) if positive else np.zeros(1)
    return max(v_on.max(initial=0.0), v_off.max(initial=0.0), neg.max())


FLAGS = [
    dict(ws=0, anderson=False, screen=False),
    dict(ws=0, anderson=False, screen=True),
    dict(ws=2, anderson=False, screen=False),
    dict(ws=0, anderson=True, screen=False),
    dict(ws=2, anderson=True, screen=True),
]


@pytest.mark.parametrize("mode", ["residual", "gram"])
@pytest.mark.parametrize("positive", [False, True])
def test_matches_plain_coordinate_descent(mode, positive):
    X, y = _problem(14, 6, seed=1)
    n = X.shape[0]
    alpha, ratio = 0.05, 0.7
    ref = naive.enet_path(X, y, [alpha], ratio, positive=positive)[:, 0]
    l1, l2 = alpha * ratio * n, alpha * (1 - ratio) * n
    assert kkt_violation(X, y, ref, l1, l2, positive) < 1e-12 * np.abs(X.T @ y).max()  # the oracle converged
    for flags in FLAGS:
        w, ok, info = _solve(mode, X, y, _opts(l1, l2, 1e-15 * (y @ y), positive, **flags))
        assert ok and info[cd.GAP] <= 1e-15 * (y @ y), flags
        assert_allclose(w, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max(), err_msg=str(flags))
        assert kkt_violation(X, y, w, l1, l2, positive) < 1e-8 * np.abs(X.T @ y).max()


@pytest.mark.parametrize("mode", ["residual", "gram"])
def test_wide_problem_every_acceleration_same_optimum(mode):
    # p > n: the lasso solution is not unique in general, but with features in general position it is
    # (Tibshirani 2013, Lemma 2); the objective values must agree in any case
    X, y = _problem(12, 30, seed=2)
    n = X.shape[0]
    l1 = 0.1 * np.abs(X.T @ y).max()
    results = []
    for ws, anderson, screen in itertools.product([0, 4], [False, True], [False, True]):
        w, ok, info = _solve(
            mode, X, y, _opts(l1, 0.0, 1e-15 * (y @ y), ws=ws, anderson=anderson, screen=screen)
        )
        assert ok
        assert kkt_violation(X, y, w, l1, 0.0) < 1e-8 * l1
        results.append(w)
        if screen:
            assert info[cd.N_SCREENED] > 0  # most of the 30 features are provably zero at this l1
    for w in results[1:]:
        assert_allclose(w, results[0], rtol=1e-8, atol=1e-10 * np.abs(results[0]).max())
    assert np.count_nonzero(results[0]) < n


@pytest.mark.parametrize("mode", ["residual", "gram"])
def test_gap_is_a_certificate(mode):
    """The reported gap bounds P(w) - P(w*) from above, P(w*) from a tight solve."""
    X, y = _problem(14, 6, seed=3)
    l1, l2 = 0.2 * np.abs(X.T @ y).max(), 1.0

    def P(w):
        r = y - X @ w
        return 0.5 * r @ r + l1 * np.abs(w).sum() + 0.5 * l2 * w @ w

    w_star, _, _ = _solve(mode, X, y, _opts(l1, l2, 1e-15 * (y @ y)))
    for max_iter in (1, 2, 3):
        w, ok, info = _solve(mode, X, y, _opts(l1, l2, 0.0, max_iter=max_iter))
        assert not ok  # tol 0 is never reached
        assert info[cd.N_ITER] == max_iter
        assert 0.0 <= P(w) - P(w_star) <= info[cd.GAP] * (1 + 1e-12) + 1e-12 * P(w_star)


def _gaps_two_ways(X, y, w, l1, l2):
    """Formulation A's gap and the elastic net's own Fenchel-dual gap at u = r, with numpy."""
    r = y - X @ w
    c = X.T @ r
    primal = 0.5 * (r @ r + l2 * w @ w) + l1 * np.abs(w).sum()
    s = min(1.0, l1 / np.abs(c - l2 * w).max())
    dual_a = s * (r @ y) - 0.5 * s * s * (r @ r + l2 * w @ w)
    dual_enet = r @ y - 0.5 * r @ r - (np.maximum(np.abs(c) - l1, 0.0) ** 2).sum() / (2 * l2)
    return primal - dual_a, primal - dual_enet


@pytest.mark.parametrize("mode", ["residual", "gram"])
def test_enet_gap_after_a_warm_start_uses_the_tighter_dual_point(mode):
    # warm start from the optimum at a 10 % larger penalty, as along a path: formulation A shrinks r by
    # the largest |x_j^T r - l2 w_j| / l1, which a large coefficient times the change of l2 inflates; the
    # elastic net's own dual needs no shrinking but charges (|x_j^T r| - l1)_+^2 / (2 l2), large when l2
    # is small.  Both bound P(w) - P(w*); the kernel reports the smaller (each wins once here).
    X, y = _problem(40, 8, seed=8)
    X[:, 0] *= 3.0  # a large coefficient
    top = np.abs(X.T @ y).max()
    for ridge, enet_wins in ((3.0, True), (0.3, False)):
        l1 = 0.1 * top
        l2 = ridge * l1
        w0, _, _ = _solve(mode, X, y, _opts(1.1 * l1, 1.1 * l2, 1e-15 * (y @ y)))
        gap_a, gap_enet = _gaps_two_ways(X, y, w0, l1, l2)
        assert (gap_enet < 0.5 * gap_a) if enet_wins else (gap_a < 0.5 * gap_enet)
        opts = _opts(l1, l2, 0.0, max_iter=0)
        w, ok, info = _solve(mode, X, y, opts, w0=w0)
        assert not ok and info[cd.N_ITER] == 0
        assert_allclose(info[cd.GAP], gap_a, rtol=1e-10)  # DUAL = 0: scikit-learn's certificate
        opts[cd.DUAL] = 1.0
        w, ok, info = _solve(mode, X, y, opts, w0=w0)
        assert not ok and info[cd.N_ITER] == 0
        assert_allclose(info[cd.GAP], min(gap_a, gap_enet), rtol=1e-10)
        w_star, _, _ = _solve(mode, X, y, _opts(l1, l2, 1e-15 * (y @ y)))

        def P(v, l1=l1, l2=l2):
            r = y - X @ v
            return 0.5 * r @ r + l1 * np.abs(v).sum() + 0.5 * l2 * v @ v

        assert 0.0 <= P(w0) - P(w_star) <= info[cd.GAP] * (1 + 1e-12)


@pytest.mark.parametrize("mode", ["residual", "gram"])
def test_enet_screening_at_the_enet_dual_point_is_safe(mode):
    # p > n with a ridge part (unique optimum): screening by the ball around the elastic net's own dual
    # point drops features, and the optimum is the one found without screening
    X, y = _problem(12, 30, seed=9)
    top = np.abs(X.T @ y).max()
    l1, l2 = 0.15 * top, 0.05 * top
    plain, ok, _ = _solve(mode, X, y, _opts(l1, l2, 1e-15 * (y @ y)))
    assert ok
    for ws in (0, 4):
        opts = _opts(l1, l2, 1e-15 * (y @ y), ws=ws, anderson=True, screen=True)
        opts[cd.DUAL] = 1.0
        w, ok, info = _solve(mode, X, y, opts)
        assert ok and info[cd.N_SCREENED] > 0
        # both certified to 1e-15 ||y||^2; the objective is l2-strongly convex
        assert np.linalg.norm(w - plain) <= 2.0 * np.sqrt(2.0 * 1e-15 * (y @ y) / l2)
        assert kkt_violation(X, y, w, l1, l2) < 1e-8 * top


def test_warm_start_at_the_optimum_needs_no_epoch():
    X, y = _problem(14, 6, seed=4)
    opts = _opts(3.0, 0.5, 1e-15 * (y @ y), ws=2, anderson=True, screen=True)
    w, ok, _ = _solve("residual", X, y, opts)
    for mode in ("residual", "gram"):
        w2, ok2, info = _solve(mode, X, y, opts, w0=w)
        assert ok and ok2 and info[cd.N_ITER] == 0
        assert_allclose(w2, w, rtol=0, atol=0)


def test_zero_column_and_huge_penalty():
    X, y = _problem(14, 6, seed=5)
    X[:, 2] = 0.0
    for mode in ("residual", "gram"):
        w, ok, _ = _solve(mode, X, y, _opts(1e-3, 0.0, 1e-15 * (y @ y), screen=True, ws=2, anderson=True))
        assert ok and w[2] == 0.0
        w, ok, info = _solve(mode, X, y, _opts(2 * np.abs(X.T @ y).max(), 0.0, 1e-15 * (y @ y)))
        assert ok and not w.any() and info[cd.GAP] <= 1e-15 * (y @ y)


def test_anderson_extrapolation_of_a_linear_sequence():
    # iterates x_k = x* + sum_i lam_i^k d_i with four modes (as a linear fixed-point iteration makes):
    # some affine combination of five consecutive differences is zero, and the same combination of
    # the iterates is x*; the small ridge of the solve leaves it accurate to ~1e-3 of the distance
    rng = np.random.default_rng(6)
    x_star = rng.standard_normal(6)
    D = rng.standard_normal((4, 6))
    lam = np.array([0.9, 0.7, 0.5, -0.3])
    last = np.array([x_star + (lam**k) @ D for k in range(6)])
    c = np.empty(5)
    assert cd._anderson_weights(last, c)
    assert_allclose(c.sum(), 1.0, rtol=1e-14)
    out = np.empty(6)
    cd._extrapolate(last, c, out)
    far = np.abs(last[-1] - x_star).max()
    assert far > 0.5
    assert np.abs(out - x_star).max() < 1e-2 * far
    assert not cd._anderson_weights(np.ones((6, 3)), c)  # stalled iterates: no extrapolation


@pytest.mark.parametrize("mode", ["residual", "gram"])
def test_random_order_reaches_the_same_optimum(mode):
    X, y = _problem(14, 6, seed=7)
    n = X.shape[0]
    ref = naive.enet_path(X, y, [0.05], 0.7)[:, 0]
    l1, l2 = 0.05 * 0.7 * n, 0.05 * 0.3 * n
    seen = []
    for seed in (0, 1, 12345):
        opts = _opts(l1, l2, 1e-15 * (y @ y), ws=2, anderson=True, screen=True)
        opts[cd.RANDOM], opts[cd.SEED] = 1.0, seed
        w, ok, info = _solve(mode, X, y, opts)
        assert ok and info[cd.GAP] <= 1e-15 * (y @ y)
        assert_allclose(w, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
        # one epoch over all six features shows the order: different seeds, different first iterates
        one = _opts(l1, l2, 0.0, max_iter=1)
        one[cd.RANDOM], one[cd.SEED] = 1.0, seed
        seen.append(_solve(mode, X, y, one)[0])
    cyclic = _solve(mode, X, y, _opts(l1, l2, 0.0, max_iter=1))[0]
    assert max(np.abs(s - cyclic).max() for s in seen) > 1e-6
    assert np.abs(seen[0] - seen[1]).max() > 1e-6 or np.abs(seen[0] - seen[2]).max() > 1e-6


def test_shuffled_is_a_seeded_permutation():
    idx = np.arange(3, 40)
    a = cd._shuffled(idx, cd._rng_state(7))
    b = cd._shuffled(idx, cd._rng_state(7))
    c = cd._shuffled(idx, cd._rng_state(8))
    assert sorted(a) == list(idx) and (a == b).all() and (a != c).any() and (a != idx).any()
    assert (idx == np.arange(3, 40)).all()  # the input is not shuffled in place


def _gap_numpy(X, y, w, l1, l2, positive=False):
    """The smaller of the two gaps (formulation A, the elastic net's own dual at u = r), in numpy."""
    r = y - X @ w
    c = X.T @ r
    primal = 0.5 * (r @ r + l2 * w @ w) + l1 * np.abs(w).sum()
    a = c - l2 * w
    dn = (a if positive else np.abs(a)).max()
    s = l1 / dn if dn > l1 else 1.0
    dual = -0.5 * s * s * (r @ r + l2 * w @ w) + s * (r @ y)
    if l2 > 0:
        h = np.maximum((c if positive else np.abs(c)) - l1, 0.0)
        dual = max(dual, r @ y - 0.5 * r @ r - h @ h / (2 * l2))
    return primal - dual


@pytest.mark.parametrize("positive", [False, True])
def test_path_carry_skips_correlations_not_the_certificate(positive):
    # one carry along a wide path: the outer gaps skip the dot products of features whose
    # triangle-inequality bound proves them inactive, yet each solve's gap equals the gap computed
    # from every correlation (numpy), and the solutions are those of fresh solves
    X, y = _problem(12, 30, 7)
    XT, norms = np.ascontiguousarray(X.T), (X * X).sum(axis=0)
    top = np.abs(X.T @ y).max()
    n, p = X.shape
    carry = np.zeros(2 * p + n + 2)
    w = np.zeros(p)
    skipped = 0
    for lam in top * np.geomspace(0.9, 0.05, 12):
        l1, l2 = 0.7 * lam, 0.3 * lam
        opts = _opts(l1, l2, 1e-12 * (y @ y), positive, ws=2, anderson=True, screen=True)
        opts[cd.DUAL] = 1.0
        info = np.zeros(cd.NINFO)
        fresh = w.copy()
        assert RESIDUAL(XT, y, norms, w, opts, info, carry)
        skipped += info[cd.N_OUTER] * p - info[cd.N_CORR]
        # the certificate reported is exact: recomputed from every correlation it is no larger
        assert info[cd.GAP] <= 1e-12 * (y @ y)
        assert _gap_numpy(X, y, w, l1, l2, positive) <= 1e-12 * (y @ y) * (1 + 1e-9) + 1e-14
        ok = RESIDUAL(XT, y, norms, fresh, opts, np.zeros(cd.NINFO), np.zeros(2 * p + n + 2))
        assert ok
        assert_allclose(w, fresh, rtol=1e-5, atol=1e-6 * np.abs(fresh).max())
    assert skipped > 0  # the bounds did prove features inactive


def test_carry_bound_follows_any_residual():
    # a carry from one problem, then y replaced: the bound tracks the residual's move, so the
    # first outer gap still equals the numpy gap (no stale correlation is trusted)
    X, y = _problem(12, 30, 8)
    XT, norms = np.ascontiguousarray(X.T), (X * X).sum(axis=0)
    n, p = X.shape
    carry = np.zeros(2 * p + n + 2)
    l1 = 0.5 * np.abs(X.T @ y).max()
    w = np.zeros(p)
    RESIDUAL(XT, y, norms, w, _opts(l1, 0.0, 1e-12, ws=2, screen=True), np.zeros(cd.NINFO), carry)
    y2 = 3.0 * y[::-1].copy()
    info = np.zeros(cd.NINFO)
    w2 = w.copy()
    RESIDUAL(XT, y2, norms, w2, _opts(l1, 0.0, 0.0, max_iter=0), info, carry)
    assert_allclose(info[cd.GAP], _gap_numpy(X, y2, w, l1, 0.0), rtol=1e-10)


def test_working_set_is_the_stable_sort_selection():
    # the selection (partition) picks what the first m of a stable argsort pick, ties to the lower index
    rng = np.random.default_rng(3)
    p = 200
    XtR = np.round(rng.uniform(-1, 1, p), 1)  # many ties
    w = np.where(rng.uniform(size=p) < 0.1, 1.0, 0.0)
    norms = np.ones(p)
    alive = rng.uniform(size=p) < 0.8
    for size in (1, 7, 40, 150, 400):
        got = cd._working_set(XtR, w, norms, alive, 0.0, 1.0, 0.0, size)
        score = np.where(w != 0, -1.0, 1.0 - np.minimum(np.abs(XtR), 1.0))
        score[~alive] = np.inf
        want = np.sort(np.argsort(score, kind="stable")[: min(size, alive.sum())])
        assert_array_equal(got, want)
