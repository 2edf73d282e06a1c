"""Complex GEMM, LU, Cholesky and triangular solves against numpy / scipy (and tests/naive.py-style loops).

Tolerances scale with n * eps of the working precision: every result is a
sum of n rounded products, so a normwise error of a few n eps relative to the
size of its terms is what a backward-stable algorithm (and LAPACK) leaves.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg as sl

import jitla
import jitla.linalg as jl

COMPLEX = [np.complex128, np.complex64]


def _random(rng, shape, dtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def _eps(dtype):
    return float(np.finfo(np.dtype(dtype).char.lower()).eps)


def _naive_matmul(A, B):
    """Textbook complex product, accumulated in complex128 (independent of both libraries)."""
    m, k = A.shape
    n = B.shape[1]
    C = np.zeros((m, n), np.complex128)
    for i in range(m):
        for j in range(n):
            C[i, j] = sum(complex(A[i, p]) * complex(B[p, j]) for p in range(k))
    return C


# --------------------------------------------------------------------------
# GEMM
# --------------------------------------------------------------------------
@pytest.mark.parametrize("kernel", ["small", "1m_small", "1m", "3m"])
@pytest.mark.parametrize("dtype", COMPLEX)
def test_zgemm_variants_match_a_naive_product(kernel, dtype):
    rng = np.random.default_rng(1)
    for m, k, n in [(1, 1, 1), (5, 7, 3), (17, 33, 9)]:
        A, B = _random(rng, (m, k), dtype), _random(rng, (k, n), dtype)
        C = jitla.matmul(A, B, kernel=kernel)
        assert C.dtype == dtype
        ref = _naive_matmul(A, B)
        # 3M's imaginary part is only normwise stable: error ~ k eps (|Ar|+|Ai|)(|Br|+|Bi|)
        scale = (np.abs(A.real) + np.abs(A.imag)) @ (np.abs(B.real) + np.abs(B.imag))
        assert np.all(np.abs(C - ref) <= 4 * k * _eps(dtype) * scale + 1e-30)


def test_3m_imaginary_part_loses_relative_accuracy_where_1m_does_not():
    # Im C = Ar Bi + Ai Br is tiny next to |Ar||Br|: 3M forms it as T3 - T1 - T2 from
    # products of size |A||B|, so its relative error grows with |Re|/|Im|; 1m sums
    # the exact small products.
    rng = np.random.default_rng(2)
    n = 64
    A = (rng.standard_normal((n, n)) + 1e-8j * rng.standard_normal((n, n))).astype(np.complex128)
    B = (rng.standard_normal((n, n)) + 1e-8j * rng.standard_normal((n, n))).astype(np.complex128)
    ref = _naive_matmul(A, B)
    err_1m = np.abs((jitla.matmul(A, B, kernel="1m") - ref).imag).max() / np.abs(ref.imag).max()
    err_3m = np.abs((jitla.matmul(A, B, kernel="3m") - ref).imag).max() / np.abs(ref.imag).max()
    assert err_1m < 100 * n * _eps(np.float64)
    assert err_3m > 10 * err_1m


@pytest.mark.parametrize("dtype", COMPLEX)
def test_matmul_complex_large_auto_against_numpy(dtype):
    rng = np.random.default_rng(3)
    n = 200  # past SMALL_ZGEMM: a route through the real packed kernel (3M, from ZGEMM_3M_MIN_DIM)
    A, B = _random(rng, (n, n), dtype), _random(rng, (n, n), dtype)
    assert jitla.matmul_plan(A, B).op == "zgemm"
    C = jitla.matmul(A, B)
    ref = A.astype(np.complex128) @ B.astype(np.complex128)
    # normwise, n eps relative to |A||B| (3M's bound, which 1m meets too)
    scale = (np.abs(A.real) + np.abs(A.imag)) @ (np.abs(B.real) + np.abs(B.imag))
    assert np.all(np.abs(C - ref) <= 4 * n * _eps(dtype) * scale)


def test_matmul_complex_small_route_any_layout_and_stacks():
    # matmul's fast path hands operands of any layout straight to zgemm_1m_small's
    # compiled entry (which copies what it must); stacks go through the plan, and a
    # stack under 3M reuses one workspace, zeroed by the kernel for every product
    rng = np.random.default_rng(5)
    A, B = _random(rng, (70, 33), np.complex128), _random(rng, (33, 41), np.complex128)
    assert jitla.matmul_plan(A, B).kernel == "1m_small"
    mm = naive.matmul_2d
    ref = (mm(A.real, B.real) - mm(A.imag, B.imag)) + 1j * (mm(A.real, B.imag) + mm(A.imag, B.real))
    frozen = A.copy()
    frozen.flags.writeable = False
    cases = [
        (A, B, ref),
        (np.asfortranarray(A), np.asfortranarray(B), ref),
        (A[::2], B[:, ::-3], ref[::2, ::-3]),
        (frozen, B[:, :1], ref[:, :1]),
    ]
    for a, b, want in cases:
        a_copy, b_copy = a.copy(), b.copy()
        got = jitla.matmul(a, b)
        assert got.dtype == np.complex128 and got.flags.c_contiguous
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13 * np.abs(ref).max())
        np.testing.assert_array_equal(a, a_copy)
        np.testing.assert_array_equal(b, b_copy)
    S, T = _random(rng, (3, 10, 12), np.complex64), _random(rng, (12, 9), np.complex64)
    np.testing.assert_allclose(jitla.matmul(S, T), S @ T, rtol=1e-5, atol=1e-5)
    S, T = _random(rng, (2, 9, 8), np.complex128), _random(rng, (2, 8, 7), np.complex128)
    np.testing.assert_allclose(jitla.matmul(S, T, kernel="3m"), S @ T, rtol=1e-13, atol=1e-13)


def test_matmul_mixed_real_complex_stacks_vectors_and_layouts():
    rng = np.random.default_rng(4)
    A = _random(rng, (3, 4, 5), np.complex128)
    R = rng.standard_normal((5, 6))
    v = _random(rng, (5,), np.complex64)
    F = np.asfortranarray(_random(rng, (5, 5), np.complex128))
    S = _random(rng, (10, 10), np.complex128)[::2, ::2]
    cases = [(A, R), (R.T, A.swapaxes(-1, -2)), (A, v), (v, R), (v, v), (F, S), (A[:, :, ::-1], F)]
    for a, b in cases:
        a_copy, b_copy = a.copy(), b.copy()
        got = jitla.matmul(a, b)
        ref = np.matmul(a, b)
        assert got.dtype == ref.dtype and np.shape(got) == ref.shape
        np.testing.assert_allclose(got, ref, rtol=1e-5 if ref.dtype == np.complex64 else 1e-12, atol=1e-5)
        np.testing.assert_array_equal(a, a_copy)
        np.testing.assert_array_equal(b, b_copy)


def test_matmul_complex_empty_and_real_path_untouched():
    z = np.zeros((0, 3), np.complex64)
    assert jitla.matmul(z, np.ones((3, 2))).shape == (0, 2)
    assert jitla.matmul(z, np.ones((3, 2))).dtype == np.complex128
    np.testing.assert_array_equal(jitla.matmul(np.ones((2, 0), complex), np.ones((0, 2))), np.zeros((2, 2)))
    assert jitla.matmul_plan(np.ones((3, 3)), np.ones((3, 3))).dtype == np.float64
    with pytest.raises(ValueError, match="zgemm"):
        jitla.matmul(np.ones((2, 2), complex), np.ones((2, 2)), kernel="packed")


# --------------------------------------------------------------------------
# LU family
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("n", [1, 7, 130])  # 130: three panels of the blocked kernel
def test_lu_factor_solve_match_scipy(dtype, n):
    rng = np.random.default_rng(n)
    A = _random(rng, (n, n), dtype) + 2 * np.eye(n, dtype=dtype)
    b = _random(rng, (n, 3), dtype)
    A_copy = A.copy()
    lu, piv = jl.lu_factor(A)
    lu_ref, piv_ref = sl.lu_factor(A)
    assert lu.dtype == dtype
    np.testing.assert_array_equal(piv, piv_ref)  # cabs1 pivoting, as izamax
    tol = 10 * n * _eps(dtype)
    np.testing.assert_allclose(lu, lu_ref, rtol=0, atol=tol * np.abs(lu_ref).max())
    for trans in (0, 1, 2):
        x = jl.lu_solve((lu, piv), b, trans=trans)
        ref = sl.lu_solve((lu_ref, piv_ref), b, trans=trans)
        np.testing.assert_allclose(x, ref, rtol=0, atol=100 * tol * np.abs(ref).max())
    np.testing.assert_array_equal(A, A_copy)


@pytest.mark.parametrize("dtype", COMPLEX)
def test_solve_inv_det_slogdet_match_numpy(dtype):
    rng = np.random.default_rng(5)
    n = 9
    A = _random(rng, (2, n, n), dtype) + 3 * np.eye(n, dtype=dtype)
    b = _random(rng, (2, n), dtype)
    tol = 100 * n * _eps(dtype)
    x = jl.solve(A, b[..., None])
    assert x.dtype == dtype
    np.testing.assert_allclose(x, np.linalg.solve(A, b[..., None]), rtol=tol)
    np.testing.assert_allclose(jl.inv(A), np.linalg.inv(A), rtol=tol)
    sign, logabs = jl.slogdet(A)
    sign_ref, logabs_ref = np.linalg.slogdet(A)
    assert sign.dtype == sign_ref.dtype and logabs.dtype == logabs_ref.dtype
    np.testing.assert_allclose(sign, sign_ref, rtol=tol)
    np.testing.assert_allclose(np.abs(sign), 1, rtol=tol)  # a phase
    np.testing.assert_allclose(logabs, logabs_ref, rtol=tol)
    d = jl.det(A)
    assert d.dtype == dtype
    np.testing.assert_allclose(d, np.linalg.det(A), rtol=tol)


def test_complex_lu_edge_cases():
    A = np.array([[1, 1j], [1j, -1]])  # singular: rows are proportional
    with pytest.raises(jl.LinAlgError, match="Singular matrix"):
        jl.solve(A, np.ones(2))
    assert jl.det(A) == 0 and jl.slogdet(A) == (0, -np.inf)
    # numpy's empty conventions
    assert (
        jl.det(np.zeros((0, 0), np.complex64)) == 1
        and jl.det(np.zeros((0, 0), np.complex64)).dtype == np.complex64
    )
    assert jl.inv(np.zeros((0, 3, 3), complex)).shape == (0, 3, 3)
    assert jl.solve(np.zeros((2, 0, 0), complex), np.zeros((2, 0, 1))).shape == (2, 0, 1)
    # F-ordered and strided input, a real matrix with a complex right-hand side
    rng = np.random.default_rng(6)
    M = np.asfortranarray(_random(rng, (6, 6), np.complex128) + 3 * np.eye(6))
    b = _random(rng, (12,), np.complex128)[::2]
    np.testing.assert_allclose(jl.solve(M, b), np.linalg.solve(M, b), rtol=1e-12)
    R = rng.standard_normal((6, 6)) + 3 * np.eye(6)
    np.testing.assert_allclose(jl.solve(R, b), np.linalg.solve(R, b), rtol=1e-12)
    np.testing.assert_allclose(jl.det(np.array([[2j]])), 2j)


# --------------------------------------------------------------------------
# Cholesky, triangular solves
# --------------------------------------------------------------------------
def _hermitian_pd(rng, n, dtype):
    G = _random(rng, (n, n), dtype)
    return (G @ G.conj().T + n * np.eye(n)).astype(dtype)


@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("n", [1, 5, 150])
def test_cholesky_family_matches_numpy_and_scipy(dtype, n):
    rng = np.random.default_rng(n)
    A = _hermitian_pd(rng, n, dtype)
    tol = 10 * n * _eps(dtype)
    L = jl.cholesky(A)
    assert L.dtype == dtype
    np.testing.assert_allclose(L, np.linalg.cholesky(A), rtol=0, atol=tol * np.abs(L).max())
    U = jl.cholesky(A, upper=True)
    np.testing.assert_allclose(U, np.linalg.cholesky(A, upper=True), rtol=0, atol=tol * np.abs(U).max())
    b = _random(rng, (n, 2), dtype)
    for lower in (False, True):
        c = jl.cho_factor(A, lower=lower)
        x = jl.cho_solve(c, b)
        ref = sl.cho_solve(sl.cho_factor(A, lower=lower), b)
        np.testing.assert_allclose(x, ref, rtol=0, atol=100 * tol * np.abs(ref).max())


def test_cholesky_reads_one_triangle_and_rejects_indefinite():
    rng = np.random.default_rng(7)
    A = _hermitian_pd(rng, 4, np.complex128)
    noisy = np.triu(A) + 5j * np.tril(np.ones((4, 4)), -1)  # lower triangle is junk
    np.testing.assert_allclose(jl.cholesky(noisy, upper=True), np.linalg.cholesky(A, upper=True), rtol=1e-12)
    with pytest.raises(jl.LinAlgError, match="Matrix is not positive definite"):
        jl.cholesky(np.array([[1, 2j], [-2j, 1]]))
    with pytest.raises(jl.LinAlgError, match="2-th leading minor"):
        jl.cho_factor(np.array([[1, 2j], [-2j, 1]]))


@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("trans", ["N", "T", "C"])
@pytest.mark.parametrize("lower", [False, True])
def test_solve_triangular_complex_matches_scipy(dtype, trans, lower):
    rng = np.random.default_rng(8)
    n = 140  # more than two diagonal blocks of the blocked ztrsm
    T = _random(rng, (n, n), dtype) / n**0.5 + 2 * np.eye(n, dtype=dtype)  # well conditioned
    T = np.tril(T) if lower else np.triu(T)
    b = _random(rng, (n, 9), dtype)
    x = jl.solve_triangular(T, b, trans=trans, lower=lower)
    ref = sl.solve_triangular(T, b, trans=trans, lower=lower)
    assert x.dtype == dtype
    np.testing.assert_allclose(x, ref, rtol=0, atol=100 * n * _eps(dtype) * np.abs(ref).max())
    with pytest.raises(jl.LinAlgError, match="diagonal 2"):
        S = T.copy()
        S[2, 2] = 0
        jl.solve_triangular(S, b, lower=lower)


def test_lu_complex_reconstructs_and_matches_scipy():
    rng = np.random.default_rng(9)
    A = _random(rng, (2, 6, 4), np.complex64)
    P, L, U = jl.lu(A)
    assert L.dtype == np.complex64
    np.testing.assert_allclose(P @ L @ U, A, rtol=0, atol=50 * _eps(np.complex64) * np.abs(A).max())
    P_ref, L_ref, U_ref = sl.lu(A[0])
    np.testing.assert_array_equal(P[0], P_ref)
    np.testing.assert_allclose(L[0], L_ref, rtol=0, atol=1e-5)


def test_complex_norms_use_moduli():
    rng = np.random.default_rng(10)
    A = _random(rng, (5, 4), np.complex64)
    for x in (A, np.asfortranarray(A), A[1]):
        for ord in (None, "fro", 1, -1, np.inf, -np.inf) if x.ndim == 2 else (None, 2, 1, np.inf):
            got, ref = jl.norm(x, ord), np.linalg.norm(x, ord)
            assert got.dtype == ref.dtype == np.float32
            np.testing.assert_allclose(got, ref, rtol=1e-6)
    # the 2-norm does not overflow where the squares would
    big = np.array([3e200 + 4e200j, 0j])
    np.testing.assert_allclose(jl.norm(big), 5e200, rtol=1e-15)
    np.testing.assert_allclose(jl.cond(A[:4], 1), np.linalg.cond(A[:4], 1), rtol=1e-4)
    assert np.asarray(jl.cond(A[:4], 1)).dtype == np.float32
