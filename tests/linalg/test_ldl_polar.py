"""ldl, solve(assume_a=...), eigh(a, b), polar, orthogonal_procrustes, low-rank and subspace helpers."""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg as sl

import jitla.linalg as jl


def _symmetric(rng, n, small_diagonal=False):
    A = rng.standard_normal((n, n))
    A = A + A.T
    if small_diagonal:  # forces 2 x 2 pivots
        A[np.diag_indices(n)] *= 1e-3
    return A


# --------------------------------------------------------------------------
# ldl and the symmetric solves
# --------------------------------------------------------------------------
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize(("n", "small_diagonal"), [(1, False), (2, True), (7, False), (9, True)])
def test_ldl_equals_scipy(rng, lower, n, small_diagonal):
    A = _symmetric(rng, n, small_diagonal)
    before = A.copy()
    L, D, perm = jl.ldl(A, lower=lower)
    L2, D2, perm2 = sl.ldl(A, lower=lower)
    np.testing.assert_array_equal(A, before)
    np.testing.assert_array_equal(perm, perm2)
    np.testing.assert_allclose(L, L2, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(D, D2, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(L @ D @ L.T, A, rtol=0, atol=1e-13)
    tri = np.tril if lower else np.triu
    np.testing.assert_array_equal(tri(L[perm]), L[perm])


def test_ldl_integer_matrix_with_ties_in_the_pivot_search():
    # equal entries in a pivot column: LAPACK's idamax takes the first; the upper factorisation
    # runs on the reversed matrix and must still pick LAPACK's row
    A = np.array([[0, 2, 2, 1], [2, 0, 1, 2], [2, 1, 0, 2], [1, 2, 2, 0]])
    for lower in (True, False):
        L, D, perm = jl.ldl(A, lower=lower)
        L2, D2, perm2 = sl.ldl(A.astype(float), lower=lower)
        np.testing.assert_array_equal(perm, perm2)
        np.testing.assert_allclose(L, L2, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(D, D2, rtol=1e-14, atol=1e-15)


def test_ldl_errors_and_empty():
    L, D, perm = jl.ldl(np.empty((0, 0)))
    assert L.shape == D.shape == (0, 0) and perm.shape == (0,)
    with pytest.raises(ValueError, match='The input array "a" should be square.'):
        jl.ldl(np.ones((2, 3)))


@pytest.mark.parametrize("assume_a", ["sym", "her", "pos"])
@pytest.mark.parametrize("lower", [True, False])
def test_solve_assume_a_matches_scipy(rng, assume_a, lower):
    A = _symmetric(rng, 8, small_diagonal=True)
    if assume_a == "pos":
        A = A @ A.T + np.eye(8)
    b = rng.standard_normal((8, 2))
    # only the named triangle is read: garbage in the other one
    garbage = np.triu(np.full((8, 8), 7.0), 1)
    A_one = A - (np.triu(A, 1) if lower else np.tril(A, -1)) + (garbage if lower else garbage.T)
    x = jl.solve(A_one, b, assume_a=assume_a, lower=lower)
    np.testing.assert_allclose(x, sl.solve(A_one, b, assume_a=assume_a, lower=lower), rtol=1e-10)
    np.testing.assert_allclose(A @ x, b, rtol=0, atol=1e-10 * np.abs(x).max())
    assert jl.solve(A_one, b[:, 0], assume_a=assume_a, lower=lower).shape == (8,)


def test_solve_assume_a_errors():
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        jl.solve(np.zeros((2, 2)), np.ones(2), assume_a="sym")
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        jl.solve(np.array([[1.0, 2.0], [2.0, 1.0]]), np.ones(2), assume_a="pos")
    with pytest.raises(ValueError, match="foo is not a recognized matrix structure"):
        jl.solve(np.eye(2), np.ones(2), assume_a="foo")


# --------------------------------------------------------------------------
# eigh(a, b)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("type", [1, 2, 3])
def test_eigh_generalized_matches_scipy_and_normalises_as_lapack(rng, type):
    a = _symmetric(rng, 6)
    b = rng.standard_normal((6, 6))
    b = b @ b.T + 6 * np.eye(6)
    w, v = jl.eigh(a, b, type=type)
    w2, _ = sl.eigh(a, b, type=type)
    np.testing.assert_allclose(w, w2, rtol=1e-12, atol=1e-12 * np.abs(w2).max())
    if type == 1:
        np.testing.assert_allclose(a @ v, b @ v * w, rtol=0, atol=1e-12)
    elif type == 2:
        np.testing.assert_allclose(a @ b @ v, v * w, rtol=0, atol=1e-11 * np.abs(w).max())
    else:
        np.testing.assert_allclose(b @ a @ v, v * w, rtol=0, atol=1e-11 * np.abs(w).max())
    metric = np.linalg.inv(b) if type == 3 else b
    np.testing.assert_allclose(v.T @ metric @ v, np.eye(6), rtol=0, atol=1e-12)
    np.testing.assert_allclose(jl.eigh(a, b=b, type=type, eigvals_only=True), w, rtol=0, atol=0)


def test_eigh_generalized_errors():
    with pytest.raises(np.linalg.LinAlgError, match="leading minor of order 2 of B is not positive definite"):
        jl.eigh(np.eye(2), np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match='"type" keyword only accepts 1, 2, and 3.'):
        jl.eigh(np.eye(2), np.eye(2), type=4)
    with pytest.raises(ValueError, match="wrong b dimensions"):
        jl.eigh(np.eye(2), np.eye(3))


# --------------------------------------------------------------------------
# polar, Procrustes
# --------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["svd", "qdwh", "newton_schulz"])
@pytest.mark.parametrize("shape", [(6, 6), (7, 4), (3, 5)])
@pytest.mark.parametrize("side", ["right", "left"])
def test_polar_methods_agree_with_scipy(rng, method, shape, side):
    A = rng.standard_normal(shape)
    u, p = jl.polar(A, side, method=method)
    u2, p2 = sl.polar(A, side)
    np.testing.assert_allclose(u, u2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(p, p2, rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", ["qdwh", "newton_schulz"])
def test_polar_iterations_on_an_ill_conditioned_matrix(method):
    A = naive.matrix_with_condition(12, 12, 1e10, seed=3)
    u, p = jl.polar(A, method=method)
    np.testing.assert_allclose(u.T @ u, np.eye(12), rtol=0, atol=1e-13)
    np.testing.assert_allclose(u @ p, A, rtol=0, atol=1e-13 * np.abs(A).max())
    assert np.linalg.eigvalsh(p).min() > -1e-13


def test_polar_errors():
    with pytest.raises(ValueError, match="`side` must be either 'right' or 'left'"):
        jl.polar(np.eye(2), "up")
    with pytest.raises(ValueError, match="`a` must be a 2-D array."):
        jl.polar(np.ones(3))
    with pytest.raises(ValueError, match="unknown polar method"):
        jl.polar(np.eye(2), method="halley")


def test_orthogonal_procrustes_matches_scipy(rng):
    A = rng.standard_normal((8, 3))
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    B = A @ Q + 1e-3 * rng.standard_normal((8, 3))
    R, scale = jl.orthogonal_procrustes(A, B)
    R2, scale2 = sl.orthogonal_procrustes(A, B)
    np.testing.assert_allclose(R, R2, rtol=0, atol=1e-13)
    assert scale == pytest.approx(scale2, rel=1e-13)
    assert type(scale) is type(scale2) is np.float64  # scipy's numpy scalar, not a Python float
    A32, B32 = A.astype(np.float32), B.astype(np.float32)
    assert type(jl.orthogonal_procrustes(A32, B32)[1]) is type(sl.orthogonal_procrustes(A32, B32)[1])
    with pytest.raises(ValueError, match=r"the shapes of A and B differ \(\(8, 3\) vs \(8, 2\)\)"):
        jl.orthogonal_procrustes(A, B[:, :2])
    with pytest.raises(ValueError, match="expected ndim to be 2, but observed 1"):
        jl.orthogonal_procrustes(A[:, 0], B[:, 0])


# --------------------------------------------------------------------------
# low rank, Gram, subspaces
# --------------------------------------------------------------------------
def test_low_rank_approximation_errors_are_eckart_young(rng):
    A = naive.matrix_with_singular_values([5.0, 3.0, 1.0, 0.5, 0.1], 7, 5, seed=1)
    r = jl.low_rank_approximation(A, 2)
    assert r.error_2 == pytest.approx(1.0, rel=1e-12)
    assert r.error_fro == pytest.approx(np.sqrt(1 + 0.25 + 0.01), rel=1e-12)
    assert np.linalg.norm(A - r.approximation, 2) == pytest.approx(r.error_2, rel=1e-12)
    assert np.linalg.norm(A - r.approximation) == pytest.approx(r.error_fro, rel=1e-12)
    assert np.linalg.matrix_rank(r.approximation) == 2
    assert jl.low_rank_approximation(A, 5).error_fro == 0.0
    with pytest.raises(ValueError, match="k must be between 0 and"):
        jl.low_rank_approximation(A, 6)


def test_gram_and_subspace_sum_and_intersection(rng):
    X = rng.standard_normal((10, 3))
    A = np.hstack([X[:, :2], rng.standard_normal((10, 2))])
    B = np.hstack([X[:, 1:], rng.standard_normal((10, 1))])
    G = jl.gram(A)
    np.testing.assert_allclose(G, A.T @ A, rtol=1e-13)
    assert np.array_equal(G, G.T)
    S = jl.subspace_sum(A, B)
    assert S.shape == (10, 4 + 3 - 1)  # Grassmann: the shared direction X[:, 1] counted once
    Q = jl.subspace_intersection(A, B)
    assert Q.shape == (10, 1)
    np.testing.assert_allclose(Q.T @ Q, np.eye(1), rtol=0, atol=1e-14)
    x = X[:, 1] / np.linalg.norm(X[:, 1])
    np.testing.assert_allclose(abs(Q[:, 0] @ x), 1.0, rtol=1e-12)
    np.testing.assert_allclose(jl.project(x, Q), x, rtol=0, atol=1e-13)
    assert jl.subspace_intersection(np.eye(4)[:, :2], np.eye(4)[:, 2:]).shape == (4, 0)


def test_polar_procrustes_and_low_rank_of_complex_matrices(rng):
    A = rng.standard_normal((7, 5)) + 1j * rng.standard_normal((7, 5))
    A0 = A.copy()
    for side in ("right", "left"):
        u, p = jl.polar(A, side=side)
        u2, p2 = sl.polar(A, side=side)
        assert u.dtype == p.dtype == np.complex128
        np.testing.assert_allclose(u, u2, rtol=0, atol=1e-12)
        np.testing.assert_allclose(p, p2, rtol=0, atol=1e-12)
        np.testing.assert_allclose(p, p.conj().T, rtol=0, atol=1e-13)
    with pytest.raises(TypeError, match="complex"):
        jl.polar(A, method="qdwh")
    B = rng.standard_normal((7, 5)) + 1j * rng.standard_normal((7, 5))
    R, scale = jl.orthogonal_procrustes(A, B)
    R2, scale2 = sl.orthogonal_procrustes(A, B)
    np.testing.assert_allclose(R, R2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(R.conj().T @ R, np.eye(5), rtol=0, atol=1e-13)
    assert abs(scale - scale2) <= 1e-12 * scale2
    res = jl.low_rank_approximation(A, 2)
    s = np.linalg.svd(A, compute_uv=False)
    assert res.approximation.dtype == np.complex128
    np.testing.assert_allclose(np.linalg.norm(A - res.approximation, 2), s[2], rtol=1e-12)
    np.testing.assert_allclose(res.error_2, s[2], rtol=1e-12)
    np.testing.assert_array_equal(A, A0)
