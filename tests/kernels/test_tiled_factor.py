"""The register-tile updates (kernels/tile_update.py) and the tiled LU / Cholesky built on them.

Oracles: numpy products (the updates), tests/naive.py (Python-float LU and
Cholesky) and scipy / LAPACK (getrf pivots, potrf factors).  Shapes are odd
on purpose: every edge of the tiles (fewer than 4 rows, fewer than 8
columns, a last strip that overlaps its neighbour, the diagonal tiles of the
upper update) is reached at these sizes in float64 and float32.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg
from helpers import FLOAT_DTYPES, eps

from jitla.kernels.cholesky import cholesky_lower_tiled, cholesky_tiled
from jitla.kernels.lu import lu_tiled, lu_unblocked
from jitla.kernels.tile_update import tile_update
from jitla.kernels.triangular import panel_rows_solve


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(
    ("m", "n", "k"), [(1, 1, 1), (3, 7, 2), (5, 8, 3), (9, 17, 8), (13, 41, 12), (37, 23, 16), (6, 35, 4)]
)
def test_tile_update_updates_only_c(rng, dtype, m, n, k):
    ld = k + n + 3  # B and C in one matrix with spare columns on the right
    M = rng.uniform(-1, 1, (k + m + 2, ld)).astype(dtype)
    At = rng.uniform(-1, 1, (k, m + 5)).astype(dtype)  # A^T by rows, A starting at column 2
    before, At_before = M.copy(), At.copy()
    # B = M[:k, k:k+n], C = M[k:k+m, k:k+n]
    tile_update(At.reshape(-1), 2, m + 5, M.reshape(-1), ld, k, k * ld + k, m, n, k, False)
    expected = before.copy()
    A64, B64 = At[:, 2 : 2 + m].T.astype(np.float64), before[:k, k : k + n].astype(np.float64)
    expected[k : k + m, k : k + n] = before[k : k + m, k : k + n] - A64 @ B64
    outside = np.ones(M.shape, bool)
    outside[k : k + m, k : k + n] = False
    np.testing.assert_array_equal(M[outside], before[outside])
    np.testing.assert_array_equal(At, At_before)
    np.testing.assert_allclose(M, expected, rtol=0, atol=8 * k * eps(dtype))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(("n", "k"), [(1, 1), (5, 3), (8, 2), (11, 16), (19, 5), (40, 9), (53, 16)])
def test_tile_update_upper_writes_only_the_upper_triangle(rng, dtype, n, k):
    ld = n + 2
    M = rng.uniform(-1, 1, (k + n, ld)).astype(dtype)
    before = M.copy()
    # U = M[:k, 1:n+1], C = M[k:, 1:n+1]; A = U^T is read from U's rows in M itself
    F = M.reshape(-1)
    tile_update(F, 1, ld, F, ld, 1, k * ld + 1, n, n, k, True)
    U64 = before[:k, 1 : n + 1].astype(np.float64)
    full = before[k:, 1 : n + 1].astype(np.float64) - U64.T @ U64
    C = M[k:, 1 : n + 1]
    upper = np.triu(np.ones((n, n), bool))
    np.testing.assert_allclose(C[upper], full[upper], rtol=0, atol=8 * k * eps(dtype))
    np.testing.assert_array_equal(C[~upper], before[k:, 1 : n + 1][~upper])
    np.testing.assert_array_equal(M[:k], before[:k])
    np.testing.assert_array_equal(M[:, [0, n + 1]], before[:, [0, n + 1]])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(25, 25), (37, 61), (61, 37), (100, 100), (131, 131)])
def test_lu_tiled_matches_scipy_and_naive(rng, dtype, shape):
    A = rng.uniform(-1, 1, shape).astype(dtype)
    m, n = shape
    k = min(shape)
    W = A.copy()
    piv = np.zeros(k, np.int32)
    assert lu_tiled(W, piv) == 0
    lu_ref, piv_ref = scipy.linalg.lu_factor(A)
    np.testing.assert_array_equal(piv, piv_ref)
    tol = 20 * max(shape) * eps(dtype)
    np.testing.assert_allclose(W, lu_ref, rtol=0, atol=tol)
    if dtype == np.float64 and max(shape) <= 61:
        P, L, U = naive.lu(A)
        np.testing.assert_allclose(np.tril(W[:, :k], -1) + np.eye(m, k), L, atol=tol)
        np.testing.assert_allclose(np.triu(W[:k, :]), U, atol=tol)


def test_lu_tiled_pivots_as_the_unblocked_kernel_with_ties_nans_and_zero_pivots(rng):
    n = 45
    A = rng.integers(-3, 4, (n, n)).astype(np.float64)  # many equal magnitudes: first one wins
    A[:, 9] = 0.0  # an exactly zero pivot at step 9
    A[17, 20] = np.nan
    A[0, 30] = np.nan
    results = []
    for kernel in (lu_tiled, lu_unblocked):
        W = A.copy()
        piv = np.zeros(n, np.int32)
        results.append((kernel(W, piv), piv, W))
    (info_t, piv_t, W_t), (info_u, piv_u, W_u) = results
    assert info_t == info_u == 10
    np.testing.assert_array_equal(piv_t[:20], piv_u[:20])  # up to the first NaN column
    _, piv_ref, info_ref = scipy.linalg.lapack.dgetrf(A[:, :20].copy())
    np.testing.assert_array_equal(piv_t[:20], piv_ref)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("n", [1, 7, 17, 50, 100, 129])
def test_cholesky_tiled_matches_naive_and_lapack(rng, dtype, n):
    G = rng.standard_normal((n, n))
    S = (G @ G.T + n * np.eye(n)).astype(dtype)
    W = np.triu(S) + np.tril(np.full((n, n), 7.0, dtype), -1)  # the strict lower triangle is not read
    assert cholesky_tiled(W) == 0
    lower = np.tril(np.ones((n, n), bool), -1)
    np.testing.assert_array_equal(W[lower], 7.0)
    U_ref, info = scipy.linalg.lapack.dpotrf(S.astype(np.float64), lower=0)
    assert info == 0
    tol = 20 * n * eps(dtype) * np.sqrt(n)
    np.testing.assert_allclose(np.triu(W), U_ref, rtol=0, atol=tol)
    L = np.empty_like(S)
    A_lower = np.tril(S) + np.triu(np.full((n, n), np.nan, dtype), 1)  # only the lower triangle is read
    assert cholesky_lower_tiled(A_lower, L) == 0
    np.testing.assert_allclose(L, U_ref.T, rtol=0, atol=tol)
    assert not np.triu(L, 1).any()
    if dtype == np.float64 and n <= 50:
        np.testing.assert_allclose(L, naive.cholesky(S), rtol=0, atol=tol)


def test_cholesky_tiled_status_for_a_matrix_that_is_not_positive_definite(rng):
    n = 60
    G = rng.standard_normal((n, n))
    S = G @ G.T + n * np.eye(n)
    S[37, 37] = -1.0  # the 38th leading minor is the first that is not positive definite
    _, info_ref = scipy.linalg.lapack.dpotrf(S, lower=0)
    W = S.copy()
    assert cholesky_tiled(W) == info_ref == 38
    assert cholesky_lower_tiled(S, np.empty_like(S)) == 38


@pytest.mark.parametrize("unit_lower", [True, False])
@pytest.mark.parametrize(("k0", "kb"), [(0, 1), (2, 3), (1, 4), (3, 7), (0, 16)])
def test_panel_rows_solve_is_the_panel_trsm(rng, unit_lower, k0, kb):
    """panel_rows_solve (tiled LU's U12 = L11^-1 A12, tiled Cholesky's U12 = U11^-T A12; four
    solved rows per pass, then one at a time) against tests/naive.py and scipy's triangular
    solve; nothing outside rows k0..k1, columns k1.. is written."""
    k1 = k0 + kb
    n = k1 + 9
    A = rng.uniform(-1, 1, (k1 + 2, n)) + 4 * np.eye(k1 + 2, n)
    before = A.copy()
    panel_rows_solve(A, k0, k1, unit_lower)
    block = before[k0:k1, k0:k1]
    T = np.tril(block, -1) + np.eye(kb) if unit_lower else np.triu(block).T
    rhs = before[k0:k1, k1:]
    expected = naive.solve_triangular(T, rhs, lower=True, unit=unit_lower)
    tol = dict(rtol=100 * eps(np.float64), atol=100 * eps(np.float64))
    np.testing.assert_allclose(A[k0:k1, k1:], expected, **tol)
    oracle = scipy.linalg.solve_triangular(T, rhs, lower=True, unit_diagonal=unit_lower)
    np.testing.assert_allclose(A[k0:k1, k1:], oracle, **tol)
    outside = np.ones(A.shape, bool)
    outside[k0:k1, k1:] = False
    np.testing.assert_array_equal(A[outside], before[outside])
