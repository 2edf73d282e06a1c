"""The references in tests/naive.py are themselves right.

They are checked against hand-computed integer products (exact), against
numpy on random data, and against each other (fsum vs exact rationals) on
data where ordinary float summation loses everything.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
from helpers import assert_product_close, random_int_matrix, random_matrix


def test_matmul_naive_hand_computed():
    A = [[1, 2], [3, 4]]
    B = [[5, 6], [7, 8]]
    expected = np.array([[19.0, 22.0], [43.0, 50.0]])
    np.testing.assert_array_equal(naive.matmul_2d(A, B), expected)
    np.testing.assert_array_equal(naive.matmul_exact(A, B), expected)


def test_matmul_naive_rectangular_hand_computed():
    A = np.array([[1.0, 0.0, -2.0]])  # 1 x 3
    B = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])  # 3 x 2
    np.testing.assert_array_equal(naive.matmul_2d(A, B), [[-9.0, -10.0]])
    np.testing.assert_array_equal(naive.matmul_2d(B.T, A.T), [[-9.0], [-10.0]])  # (AB)^T = B^T A^T


@pytest.mark.parametrize("shape", [(0, 3, 2), (3, 0, 2), (3, 2, 0), (1, 1, 1), (5, 7, 3)])
def test_matmul_naive_shapes_and_empty(shape):
    m, k, n = shape
    rng = np.random.default_rng(1)
    A = random_int_matrix(rng, (m, k))
    B = random_int_matrix(rng, (k, n))
    C = naive.matmul_2d(A, B)
    assert C.shape == (m, n)
    assert C.dtype == np.float64
    np.testing.assert_array_equal(C, A @ B)  # small integers: numpy is exact too
    if k == 0:
        assert not C.any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matmul_naive_matches_numpy_random(rng, dtype):
    A = random_matrix(rng, (23, 31), dtype)
    B = random_matrix(rng, (31, 17), dtype)
    expected = A.astype(np.float64) @ B.astype(np.float64)
    # both are float64 computations of the same products: float64 tolerance
    assert_product_close(naive.matmul_2d(A, B), expected, A, B, np.float64)


def test_matmul_naive_is_correctly_rounded_where_plain_sums_fail():
    # (1e16 + 1) - 1e16 is 0 in float64 left-to-right; the exact answer is 1.
    A = np.array([[1e16, 1.0, -1e16]])
    B = np.ones((3, 1))
    assert float(A[0, 0] + A[0, 1] + A[0, 2]) == 0.0  # the trap is real
    np.testing.assert_array_equal(naive.matmul_2d(A, B), [[1.0]])
    np.testing.assert_array_equal(naive.matmul_exact(A, B), [[1.0]])


def test_matmul_naive_float32_products_are_exact(rng):
    # float32 products are exact in float64, so fsum gives the correctly
    # rounded exact product: it must agree bit for bit with rational arithmetic.
    A = random_matrix(rng, (4, 9), np.float32)
    B = random_matrix(rng, (9, 5), np.float32)
    np.testing.assert_array_equal(naive.matmul_2d(A, B), naive.matmul_exact(A, B))


def test_matmul_exact_close_to_naive_float64(rng):
    A = random_matrix(rng, (5, 8))
    B = random_matrix(rng, (8, 4))
    assert_product_close(naive.matmul_exact(A, B), naive.matmul_2d(A, B), A, B, np.float64, c=0.5)


def test_matmul_naive_rejects_mismatch():
    with pytest.raises(ValueError):
        naive.matmul_2d(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError):
        naive.matmul_2d(np.ones(3), np.ones((3, 2)))


def test_gemm_naive_contract(rng):
    A = random_int_matrix(rng, (4, 6))
    B = random_int_matrix(rng, (6, 5))
    C = random_int_matrix(rng, (4, 5))
    C_before = C.copy()
    got = naive.gemm(A, B, C, -1.5)
    np.testing.assert_array_equal(got, C + -1.5 * (A @ B))
    np.testing.assert_array_equal(C, C_before)  # the reference does not write C


def test_gemv_references(rng):
    A = random_int_matrix(rng, (5, 3))
    x = random_int_matrix(rng, (3,))
    y = random_int_matrix(rng, (5,))
    np.testing.assert_array_equal(naive.gemv(A, x, y, 2.0), y + 2.0 * (A @ x))
    x_t = random_int_matrix(rng, (5,))
    y_t = random_int_matrix(rng, (3,))
    np.testing.assert_array_equal(naive.gemv_t(A, x_t, y_t, -0.5), y_t - 0.5 * (A.T @ x_t))


def test_dot_naive():
    assert naive.dot([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]) == 32.0
    assert naive.dot([], []) == 0.0
    assert naive.dot([1e16, 1.0, -1e16], [1.0, 1.0, 1.0]) == 1.0
    with pytest.raises(ValueError):
        naive.dot([1.0], [1.0, 2.0])


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [
        ((3,), (3,)),
        ((3,), (3, 2)),
        ((2, 3), (3,)),
        ((2, 3), (3, 4)),
        ((2, 1, 3, 4), (5, 4, 2)),
        ((3,), (5, 3, 2)),
        ((5, 2, 3), (3,)),
        ((0, 2, 3), (3, 2)),
    ],
)
def test_matmul_nd_naive_matches_numpy(a_shape, b_shape):
    rng = np.random.default_rng(7)
    a = random_int_matrix(rng, a_shape)
    b = random_int_matrix(rng, b_shape)
    expected = np.matmul(a, b)
    got = naive.matmul(a, b)
    assert np.shape(got) == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_matmul_nd_naive_rejects_what_numpy_rejects():
    for a_shape, b_shape in [((), (3,)), ((2, 3), (2, 3)), ((2, 3, 4), (3, 4, 3))]:
        with pytest.raises(ValueError):
            np.matmul(np.ones(a_shape), np.ones(b_shape))
        with pytest.raises(ValueError):
            naive.matmul(np.ones(a_shape), np.ones(b_shape))


def test_norm_naive_matches_numpy_and_does_not_overflow(rng):
    a = rng.standard_normal((5, 3))
    for ord in (None, "fro", 1, -1, np.inf, -np.inf):
        assert naive.norm(a, ord) == pytest.approx(np.linalg.norm(a, ord), rel=1e-14)
    assert naive.norm(a[0]) == pytest.approx(np.linalg.norm(a[0]), rel=1e-15)
    assert naive.norm([3e200, 4e200]) == pytest.approx(5e200, rel=1e-15)
    assert naive.norm([3e-200, 4e-200]) == pytest.approx(5e-200, rel=1e-15)
    assert naive.norm([0.0, 0.0]) == 0.0


def test_lars_path_naive_on_an_orthonormal_design():
    # Orthonormal columns: the correlations never interact, so LARS and the lasso both
    # soft-threshold x_j^T y: knots at |x_j^T y| and b_j = sign(c_j) (|c_j| - C)+ (hand computed)
    X = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    y = np.array([3.0, -2.0, 1.0, 5.0])
    for method in ("lar", "lasso"):
        alphas, active, coefs = naive.lars_path(X, y, method)
        np.testing.assert_array_equal(alphas, [0.75, 0.5, 0.25, 0.0])
        assert active == [0, 1, 2]
        np.testing.assert_array_equal(coefs, [[0, 1, 2, 3], [0, 0, -1, -2], [0, 0, 0, 1]])


def test_lars_path_naive_drops_a_crossing_coefficient():
    # The lasso modification changes the path only when a coefficient crosses zero: the lasso
    # path then has a knot where the LAR path keeps going, and every lasso knot is a KKT point
    rng = np.random.default_rng(4)
    X = np.round(rng.standard_normal((8, 12)) * 16) / 16
    y = np.round((X[:, :4] @ [3.0, -2.0, 1.5, 0.5] + 0.7 * rng.standard_normal(8)) * 16) / 16
    X, y = X - X.mean(axis=0), y - y.mean()
    lar = naive.lars_path(X, y, "lar")
    alphas, active, coefs = naive.lars_path(X, y, "lasso")
    assert len(alphas) > len(active) + 1 and len(lar[0]) < len(alphas)
    corr = X.T @ (y[:, None] - X @ coefs) / 8
    for t, alpha in enumerate(alphas):
        on = coefs[:, t] != 0
        assert np.abs(corr[:, t]).max() <= alpha * (1 + 1e-12) + 1e-15
        np.testing.assert_allclose(corr[on, t], alpha * np.sign(coefs[on, t]), rtol=1e-12, atol=1e-15)


def test_matrix_function_references_on_a_rotation_generator():
    # exp([[0, t], [-t, 0]]) is the rotation by t; its log is the generator back (|t| < pi);
    # the square root of the rotation is the rotation by t / 2; R and the expected matrices are
    # rounded to float64, so the exact answers differ from them by a few units in the last place
    t = 0.7
    G = np.array([[0.0, t], [-t, 0.0]])
    R = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    half = np.array([[np.cos(t / 2), np.sin(t / 2)], [-np.sin(t / 2), np.cos(t / 2)]])
    np.testing.assert_allclose(naive.expm_taylor(G), R, rtol=0, atol=1e-15)
    np.testing.assert_allclose(naive.expm_mp(G), R, rtol=0, atol=3e-16)
    np.testing.assert_allclose(naive.logm_mp(R), G, rtol=0, atol=3e-16)
    np.testing.assert_allclose(naive.sqrtm_mp(R), half, rtol=0, atol=3e-16)


def test_expm_taylor_scales_a_large_norm():
    # exp(diag(d)) = diag(exp(d)), with entries that need several squarings
    d = np.array([-20.0, 3.0, 15.0])
    np.testing.assert_allclose(naive.expm_taylor(np.diag(d)), np.diag(np.exp(d)), rtol=1e-13, atol=0)


def test_norm1_estimate_is_exact_on_diagonal_and_nonnegative_matrices(rng):
    # diagonal: the unit vector of the largest |d_j| is found and B e_j holds it; nonnegative:
    # the first sign vector is all ones and B^T 1 the column sums; otherwise a lower bound
    d = np.array([0.5, -4.0, 2.0, -1.0, 3.0])
    assert naive.norm1_estimate(np.diag(d)) == 4.0
    B = np.abs(rng.standard_normal((6, 6)))
    np.testing.assert_allclose(naive.norm1_estimate(B), np.linalg.norm(B, 1), rtol=1e-15)
    B = rng.standard_normal((9, 9))
    assert np.linalg.norm(B, 1) / 3 <= naive.norm1_estimate(B) <= np.linalg.norm(B, 1)
    assert naive.norm1_estimate(np.array([[-2.5]])) == 2.5
