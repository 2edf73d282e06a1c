"""The inverse kernels' L^{-1} step (kernels/lu.py): row blocks with a GEMM, against the row axpys.

Oracles: tests/naive.py (Python-float forward substitution) and scipy's
``solve_triangular`` (LAPACK ``dtrtrs``) on the unit lower factor of a
partially pivoted LU, so that ``|l_ij| <= 1``.  Orders and block sizes are odd
so that the first block (no GEMM), a last block shorter than nb and blocks
wider than the matrix are all taken, in float64 and float32; the GEMM's
block sizes are small enough that its packing loops cross several blocks.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg
from helpers import FLOAT_DTYPES, eps

from jitla.kernels.lu import _lower_inverse, _lower_inverse_blocked


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(("n", "nb"), [(1, 8), (5, 8), (8, 8), (21, 8), (30, 7)])
def test_lower_inverse_blocked_matches_naive_scipy_and_row_axpys(rng, dtype, n, nb):
    _, L, U = scipy.linalg.lu(rng.standard_normal((n, n)))
    LU = (np.tril(L, -1) + np.triu(U)).astype(dtype)  # the kernels' storage: unit L below U
    before = LU.copy()
    X = np.full((n, n), np.nan, dtype)
    _lower_inverse_blocked(LU, X, nb, (12, 16, 40))  # (MC, KC, NC) of the packed GEMM
    np.testing.assert_array_equal(LU, before)  # only read
    # upper triangle exactly the identity's
    np.testing.assert_array_equal(np.triu(X), np.eye(n, dtype=dtype))
    L64 = np.tril(LU.astype(np.float64), -1) + np.eye(n)
    expected = naive.solve_triangular(L64, np.eye(n), lower=True, unit=True)
    oracle = scipy.linalg.solve_triangular(L64, np.eye(n), lower=True, unit_diagonal=True)
    # forward error of a triangular inverse: about n eps cond(L) relative to ||X||
    bound = 4 * n * eps(dtype) * np.linalg.norm(L64, np.inf) * np.linalg.norm(expected, np.inf) ** 2
    assert np.abs(X - expected).max() <= bound
    assert np.abs(X - oracle).max() <= bound
    Y = np.full((n, n), np.nan, dtype)
    _lower_inverse(LU, Y)
    assert np.abs(X.astype(np.float64) - Y).max() <= bound
