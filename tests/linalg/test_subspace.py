"""matrix_rank, pinv, norm, cond, null_space, orth, subspace_angles, projector/project."""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg as sl

import jitla.linalg as jl


@pytest.fixture
def rank_deficient():
    # rank 3 in a 9 x 6 matrix, singular values 4, 2, 1 and exact zeros
    return naive.matrix_with_singular_values([4.0, 2.0, 1.0], 9, 6, seed=3)


def test_matrix_rank_as_numpy(rank_deficient, rng):
    assert jl.matrix_rank(rank_deficient) == np.linalg.matrix_rank(rank_deficient) == 3
    stack = np.stack([rank_deficient, rng.standard_normal((9, 6))])
    np.testing.assert_array_equal(jl.matrix_rank(stack), [3, 6])
    assert jl.matrix_rank(np.zeros(4)) == 0 and jl.matrix_rank(np.ones(4)) == 1
    assert jl.matrix_rank(rank_deficient, tol=1.5) == 2
    assert jl.matrix_rank(rank_deficient, rtol=0.3) == 2
    with pytest.raises(ValueError, match="can't be both set"):
        jl.matrix_rank(rank_deficient, tol=1.0, rtol=1.0)


def test_matrix_rank_on_graded_columns_as_numpy_and_jacobi_values_exact():
    # Columns scaled from 1e-14 to 1: full rank 12.  The default SVD (the
    # bidiagonal route, as gesdd) carries errors ~1e-16 * sigma_max in the
    # smallest values, so matrix_rank agrees with numpy's; svdvals(method=
    # "jacobi") gives the exact values (relative accuracy), which a caller
    # who needs the small ones asks for -- the documented split.
    B = np.random.default_rng(5).standard_normal((12, 12))
    a = B * np.logspace(-14, 0, 12)
    exact = naive.svdvals_mp(a)
    assert jl.matrix_rank(a) == np.linalg.matrix_rank(a)
    default = jl.svdvals(a)
    np.testing.assert_allclose(default, exact, rtol=0, atol=10 * 12 * np.finfo(float).eps * exact[0])
    jacobi = jl.svdvals(a, method="jacobi")
    assert np.max(np.abs(jacobi - exact) / exact) < 1e-13
    assert np.count_nonzero(jacobi > 0.5 * exact[-1]) == 12


@pytest.mark.parametrize("shape", [(7, 4), (4, 7), (5, 5), (2, 6, 3)], ids=str)
def test_pinv_as_numpy_and_penrose_conditions(shape, rng):
    a = rng.standard_normal(shape)
    P = jl.pinv(a)
    np.testing.assert_allclose(P, np.linalg.pinv(a), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(a @ P @ a, a, atol=1e-12)
    np.testing.assert_allclose(P @ a @ P, P, atol=1e-12)
    np.testing.assert_allclose(np.swapaxes(a @ P, -1, -2), a @ P, atol=1e-12)


def test_pinv_cutoffs_and_empty(rank_deficient):
    np.testing.assert_allclose(jl.pinv(rank_deficient), np.linalg.pinv(rank_deficient), atol=1e-13)
    np.testing.assert_allclose(
        jl.pinv(rank_deficient, rtol=None), np.linalg.pinv(rank_deficient, rtol=None), atol=1e-13
    )
    np.testing.assert_allclose(
        jl.pinv(rank_deficient, rcond=0.3), np.linalg.pinv(rank_deficient, rcond=0.3), atol=1e-13
    )
    assert jl.pinv(np.zeros((0, 3))).shape == (3, 0)
    with pytest.raises(ValueError, match="can't be both set"):
        jl.pinv(rank_deficient, rcond=0.1, rtol=0.1)


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf])
def test_norm_matrix_orders_as_numpy(ord, rng):
    a = rng.standard_normal((6, 4))
    np.testing.assert_allclose(jl.norm(a, ord), np.linalg.norm(a, ord), rtol=1e-13)


def test_norm_vectors_axes_and_keepdims(rng):
    x = rng.standard_normal((3, 4, 5))
    for ord in (2, -2, "nuc"):
        np.testing.assert_allclose(
            jl.norm(x, ord, axis=(1, 2)), np.linalg.norm(x, ord, axis=(1, 2)), rtol=1e-13
        )
        got = jl.norm(x, ord, axis=(2, 0), keepdims=True)
        want = np.linalg.norm(x, ord, axis=(2, 0), keepdims=True)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-13)
    v = rng.standard_normal(7)
    for ord in (None, 1, 2, np.inf, 0.5):
        np.testing.assert_allclose(jl.norm(v, ord), np.linalg.norm(v, ord), rtol=1e-14)
    with pytest.raises(ValueError, match="Duplicate axes given."):
        jl.norm(x, 2, axis=(1, 1))


@pytest.mark.parametrize("p", [None, 2, -2, 1, -1, "fro", np.inf])
def test_cond_as_numpy(p, rng):
    a = rng.standard_normal((5, 5))
    np.testing.assert_allclose(jl.cond(a, p), np.linalg.cond(a, p), rtol=1e-10)


def test_cond_singular_and_stacked():
    stack = np.stack([np.diag([1.0, 4.0]), np.zeros((2, 2))])
    np.testing.assert_array_equal(jl.cond(stack), np.linalg.cond(stack))
    np.testing.assert_array_equal(jl.cond(stack, 1), np.linalg.cond(stack, 1))
    with pytest.raises(np.linalg.LinAlgError, match="Last 2 dimensions of the array must be square"):
        jl.cond(np.ones((2, 3)), 1)


def test_null_space_and_orth_as_scipy(rank_deficient):
    N = jl.null_space(rank_deficient)
    R = jl.orth(rank_deficient)
    assert N.shape == sl.null_space(rank_deficient).shape == (6, 3)
    assert R.shape == sl.orth(rank_deficient).shape == (9, 3)
    np.testing.assert_allclose(rank_deficient @ N, 0, atol=1e-14)
    np.testing.assert_allclose(N.T @ N, np.eye(3), atol=1e-14)
    np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-14)
    # the same subspaces as scipy's (bases differ by a rotation): equal projectors
    Rs = sl.orth(rank_deficient)
    np.testing.assert_allclose(R @ R.T, Rs @ Rs.T, atol=1e-13)
    # the four fundamental subspaces: range(A^T) is orthogonal to null(A)
    np.testing.assert_allclose(jl.orth(rank_deficient.T).T @ N, 0, atol=1e-14)


def test_subspace_angles_as_scipy(rng):
    A = rng.standard_normal((10, 4))
    B = rng.standard_normal((10, 2))
    np.testing.assert_allclose(jl.subspace_angles(A, B), sl.subspace_angles(A, B), rtol=1e-12)
    np.testing.assert_allclose(jl.subspace_angles(B, A), sl.subspace_angles(B, A), rtol=1e-12)
    # tiny angle: the sine branch keeps it accurate where arccos would give 0 or ~1e-8
    e1 = np.eye(6)[:, :1]
    tilted = e1 + 1e-10 * np.eye(6)[:, 1:2]
    np.testing.assert_allclose(jl.subspace_angles(e1, tilted), [1e-10], rtol=1e-6)
    with pytest.raises(ValueError, match="same number of rows"):
        jl.subspace_angles(A, rng.standard_normal((9, 2)))


def test_projector_and_project(rank_deficient, rng):
    P = jl.projector(rank_deficient)
    np.testing.assert_allclose(P @ P, P, atol=1e-14)
    np.testing.assert_allclose(P, P.T, atol=1e-15)
    assert round(np.trace(P)) == 3
    b = rng.standard_normal((9, 2))
    p = jl.project(b, onto=rank_deficient)
    np.testing.assert_allclose(p, P @ b, atol=1e-14)
    np.testing.assert_allclose(rank_deficient.T @ (b - p), 0, atol=1e-13)  # residual is orthogonal
    # projecting onto the full column space of a full-rank A equals the least-squares fit
    A = rng.standard_normal((9, 4))
    np.testing.assert_allclose(jl.project(b, onto=A), A @ np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-13)
    with pytest.raises(ValueError, match="rows"):
        jl.project(np.ones(5), onto=A)


def test_inputs_not_modified(rank_deficient):
    before = rank_deficient.copy()
    for f in (jl.matrix_rank, jl.pinv, jl.cond, jl.null_space, jl.orth, jl.projector):
        f(rank_deficient)
    jl.norm(rank_deficient, 2)
    np.testing.assert_array_equal(rank_deficient, before)


def test_float32(rng):
    a = rng.standard_normal((6, 4)).astype(np.float32)
    assert jl.pinv(a).dtype == np.float32
    assert jl.orth(a).dtype == np.float32
    np.testing.assert_allclose(jl.norm(a, 2), np.linalg.norm(a.astype(np.float64), 2), rtol=1e-5)


def _outcome(func, *args, **kwargs):
    """The value (shape, dtype, entries) or the error (type, message) of one call."""
    try:
        r = np.asarray(func(*args, **kwargs))
    except Exception as e:  # the error itself is what is compared
        return type(e).__name__, str(e)
    return r.shape, r.dtype, r.tolist()


EMPTY_SHAPES = [(0, 0), (0, 3), (3, 0), (2, 0, 0), (2, 0, 3), (2, 3, 0), (0, 2, 2)]
ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


@pytest.mark.parametrize("shape", EMPTY_SHAPES)
def test_norm_and_cond_of_empty_matrices_as_numpy(shape):
    """numpy: norm(zeros((0, 0)), 2) == 0.0, cond raises "cond is not defined on empty arrays"."""
    for dtype in (np.float64, np.float32):
        x = np.zeros(shape, dtype)
        for ord in ORDS:
            for kwargs in ({"axis": (-2, -1)}, {"axis": (-2, -1), "keepdims": True}) + (
                ({},) if x.ndim == 2 else ()
            ):
                assert _outcome(jl.norm, x, ord, **kwargs) == _outcome(np.linalg.norm, x, ord, **kwargs), (
                    ord,
                    kwargs,
                )
            assert _outcome(jl.cond, x, ord) == _outcome(np.linalg.cond, x, ord), ord


# --------------------------------------------------------------------------
# norm: the one-pass kernels (Frobenius / vector 2-norm, 1, -1, inf, -inf)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (5, 33)], ids=str)
def test_norm_kernels_match_naive_and_numpy(shape, order, dtype, rng):
    a = np.asarray(rng.standard_normal(shape), dtype=dtype, order=order)
    before = a.copy()
    # a sum of m*n terms: c * (m n) * eps, as any blocked summation
    rtol = 4 * a.size * np.finfo(dtype).eps
    for ord in (None, "fro", 1, -1, np.inf, -np.inf):
        got = jl.norm(a, ord)
        want = np.linalg.norm(a, ord)
        assert type(got) is type(want), ord
        np.testing.assert_allclose(got, naive.norm(a, ord), rtol=rtol)
        np.testing.assert_allclose(got, want, rtol=rtol)
    v = np.ascontiguousarray(a.ravel())
    np.testing.assert_allclose(jl.norm(v), naive.norm(v), rtol=rtol)
    assert type(jl.norm(v)) is type(np.linalg.norm(v))
    np.testing.assert_array_equal(a, before)


def test_norm_scales_only_when_the_squares_over_or_underflow():
    for x, want in (([3e200, 4e200], 5e200), ([3e-200, 4e-200], 5e-200), ([3e-310, 4e-310], 5e-310)):
        np.testing.assert_allclose(jl.norm(np.array(x)), want, rtol=1e-15)
        np.testing.assert_allclose(jl.norm(np.array(x).reshape(1, 2)), want, rtol=1e-15)
    np.testing.assert_allclose(jl.norm(np.array([3e30, 4e30], np.float32)), 5e30, rtol=1e-6)
    assert jl.norm(np.array([1.0, np.inf])) == np.inf
    assert np.isnan(jl.norm(np.array([np.inf, np.nan])))
    assert np.isnan(jl.norm(np.array([[1.0, np.nan]]), 1)) and np.isnan(
        jl.norm(np.array([[1.0, np.nan]]), np.inf)
    )
    assert np.isnan(jl.norm(np.array([[np.nan, 1.0], [2.0, 3.0]]), -1))
    assert jl.norm(np.zeros((3, 2))) == 0.0


def test_norm_other_cases_stay_numpys(rng):
    a = rng.standard_normal((12, 10))
    strided = a[::2, ::3]
    for ord in (None, 1, np.inf):
        np.testing.assert_allclose(jl.norm(strided, ord), np.linalg.norm(strided, ord), rtol=1e-14)
    for ord in (None, 1, np.inf):
        assert jl.norm(np.zeros((0, 3)), ord) == np.linalg.norm(np.zeros((0, 3)), ord) == 0.0
    assert jl.norm(np.arange(4)) == np.linalg.norm(np.arange(4))
    with pytest.raises(ValueError):
        jl.norm(a, "bad")
