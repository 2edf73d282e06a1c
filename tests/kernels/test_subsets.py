"""The variable-selection kernels: column exchanges keep a valid factor; the bound changes nothing.

Invariants rather than copied numbers: after any column moves, R stays upper
triangular and ``R^T R`` equals the permuted cross-product matrix of the
centred ``[X | y]`` (to rounding, rtol 1e-12 at cond ~ 10); the leading-column
RSS tail sums equal least-squares fits of those columns; and the search
returns the same subsets with the preordering on or off, and with or without
any cut (the exhaustive tree, which ``max_size`` alone trims).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from jitla.kernels.subsets import (
    NINFO,
    NODES,
    PRUNED,
    leaps_bound,
    move_column,
    stepwise_scores,
    subsets_exhaustive,
)


def _factor(n=40, q=7, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, q + 1))
    A[:, q] += A[:, :3] @ np.array([1.0, -0.5, 0.25])
    A -= A.mean(axis=0)
    return A, np.ascontiguousarray(np.linalg.qr(A, mode="r"))


def test_move_column_keeps_a_factor_of_the_permuted_data():
    A, R = _factor()
    q = R.shape[0] - 1
    order = np.arange(q, dtype=np.int64)
    for src, dst in [(5, 0), (1, 6), (3, 3), (6, 2), (0, 4)]:
        move_column(R, src, dst, q, order)
    assert sorted(order) == list(range(q))
    assert_allclose(np.tril(R, -1), 0.0, atol=0)
    perm = list(order) + [q]
    assert_allclose(R.T @ R, (A.T @ A)[np.ix_(perm, perm)], rtol=1e-12, atol=1e-12 * np.abs(A.T @ A).max())
    for i in range(1, q + 1):
        cols = A[:, order[:i]]
        r = A[:, q] - cols @ np.linalg.lstsq(cols, A[:, q], rcond=None)[0]
        assert_allclose(np.sum(R[i:, q] ** 2), r @ r, rtol=1e-12)


def test_stepwise_scores_are_rss_changes():
    A, R = _factor(seed=1)
    q = R.shape[0] - 1
    s = 3
    gain, loss = np.zeros(q), np.zeros(q)
    stepwise_scores(R, s, 1e-12, gain, loss, np.empty((q, q)))

    def rss(cols):
        if not cols:
            return A[:, q] @ A[:, q]
        B = A[:, cols]
        r = A[:, q] - B @ np.linalg.lstsq(B, A[:, q], rcond=None)[0]
        return r @ r

    base = rss([0, 1, 2])
    for c in range(s, q):
        assert_allclose(gain[c], base - rss([0, 1, 2, c]), rtol=1e-10)
    for i in range(s):
        assert_allclose(loss[i], rss([j for j in range(s) if j != i]) - base, rtol=1e-10)


@pytest.mark.parametrize("max_size", [7, 3])
def test_leaps_same_answer_as_the_exhaustive_tree_with_and_without_preordering(max_size):
    _, R = _factor(n=50, q=7, seed=2)
    out = []
    for search, preorder_min in ((subsets_exhaustive, 2), (leaps_bound, 2), (leaps_bound, 8)):
        rss = np.full((max_size, 2), np.inf)
        masks = np.zeros((max_size, 2), dtype=np.int64)
        info = np.zeros(NINFO, dtype=np.int64)
        search(R, max_size, preorder_min, rss, masks, info)
        out.append((rss, masks, info.copy()))
    exhaustive = out[0][2]
    assert exhaustive[PRUNED] == 0
    assert exhaustive[NODES] == (2**6 if max_size == 7 else sum(1 for _ in _nodes_below(7, 0, max_size)))
    for rss, masks, info in out[1:]:
        assert_allclose(rss, out[0][0], rtol=1e-12)
        assert np.array_equal(masks, out[0][1])
        assert info[NODES] < exhaustive[NODES] and info[PRUNED] > 0
    assert out[1][2][NODES] <= out[2][2][NODES]  # the preordering cut at least as much


def _nodes_below(m, k, max_size):
    """Nodes of the dropping-columns tree holding subsets of size <= max_size (children j < max_size)."""
    yield (m, k)
    for j in range(k, min(m - 1, max_size)):
        yield from _nodes_below(m - 1, j, max_size)
