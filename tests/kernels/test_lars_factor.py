"""The LARS kernel's factor updates: row insertion and Givens deletion against numpy's Cholesky.

The path itself is tested through the API (tests/regression/test_lars.py) against an exact
rational path and scikit-learn; here the two updates that keep ``G_A = L L^T`` without
refactoring are checked on their own: after any sequence of joins and drops, L is the
Cholesky factor (positive diagonal, so unique) of the Gram matrix of the columns left.
"""

import numpy as np
from numpy.testing import assert_allclose

from jitla.kernels.lars import _delete, _insert


def test_insertions_then_deletions_give_the_cholesky_factor_of_what_is_left():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 7))
    G = X.T @ X
    L = np.zeros((7, 7))
    order = [3, 0, 6, 1, 5, 2, 4]
    for k, j in enumerate(order):
        pivot = _insert(L, k, G[order[:k], j].copy(), G[j, j], 1e-16)
        assert pivot > 1e-7
    assert_allclose(L, np.linalg.cholesky(G[np.ix_(order, order)]), rtol=1e-12, atol=1e-12)
    kept = list(order)
    for i in (2, 0, 3):  # an inner row, the first row, then the last of the remaining five
        _delete(L, len(kept), i)
        kept.pop(i)
        k = len(kept)
        ref = np.linalg.cholesky(G[np.ix_(kept, kept)])
        assert_allclose(L[:k, :k], ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
        assert (np.diag(L[:k, :k]) > 0).all()
    # a column in the span of the factor's columns gets a pivot at rounding level
    x = X[:, kept] @ rng.standard_normal(len(kept))
    g = X[:, kept].T @ x
    assert _insert(L, len(kept), g, x @ x, 1e-16) < 1e-6
