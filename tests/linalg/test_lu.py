"""LU with partial pivoting: the ``lu`` kernels and lu_factor / lu_solve / lu.

Factors are checked against tests/naive.py (``lu_naive``, Algorithm 3.4.1
on Python floats: same pivot rule, so the same pivots) and against
scipy.linalg (pivots equal, factors close); reconstruction ``P L U = A`` to
a backward error of c * n * eps * ||A||.
"""

from __future__ import annotations

import warnings

import naive
import numpy as np
import pytest
import scipy.linalg
from helpers import FLOAT_DTYPES, eps

from jitla import linalg as jl
from jitla.kernels import get_kernel, variants

LU_VARIANTS = variants("lu")
BLOCKS = (24, 32, 64)  # tiny GEMM blocks so that every edge path is exercised at small n


def extras(variant, nb=8):
    return {"unblocked": (), "tiled": (), "blocked": (BLOCKS, nb), "parallel": (BLOCKS, nb, 2)}[variant]


def backward_error(A, P, L, U):
    return np.abs(P @ L @ U - A).max() / max(np.abs(A).max(), 1e-300)


def test_lu_variants_registered():
    assert LU_VARIANTS == ["unblocked", "tiled", "blocked", "parallel"]


@pytest.mark.parametrize("variant", LU_VARIANTS)
@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (37, 37), (45, 29), (29, 45), (70, 70)])
def test_lu_kernels_match_naive(rng, variant, shape):
    A = rng.uniform(-1, 1, shape)
    m, n = shape
    W = A.copy()
    piv = np.zeros(min(shape), np.int32)
    assert get_kernel("lu", variant).func(W, piv, *extras(variant)) == 0
    P, L, U = naive.lu(A)
    k = min(shape)
    L_got = np.tril(W[:, :k], -1) + np.eye(m, k)
    U_got = np.triu(W[:k, :])
    tol = 20 * max(shape) * eps(np.float64)
    np.testing.assert_allclose(L_got, L, atol=tol)
    np.testing.assert_allclose(U_got, U, atol=tol)
    if m == n:
        lu_ref, piv_ref = scipy.linalg.lu_factor(A)
        np.testing.assert_array_equal(piv, piv_ref)
        np.testing.assert_allclose(W, lu_ref, atol=tol)


@pytest.mark.parametrize("variant", LU_VARIANTS)
def test_lu_kernels_zero_pivot_status(variant):
    A = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]])  # rank 2, zero pivot at step 3
    W = A.copy()
    piv = np.zeros(3, np.int32)
    info = get_kernel("lu", variant).func(W, piv, *extras(variant, nb=2))
    _, piv_ref, info_ref = scipy.linalg.lapack.dgetrf(A)
    assert info == info_ref == 3
    np.testing.assert_array_equal(piv, piv_ref)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("n", [0, 1, 5, 130, 300])  # 300 > 96: the blocked kernel with ragged panels
def test_lu_factor_matches_scipy(rng, dtype, n):
    A = rng.uniform(-1, 1, (n, n)).astype(dtype)
    A0 = A.copy()
    lu, piv = jl.lu_factor(A)
    lu_ref, piv_ref = scipy.linalg.lu_factor(A)
    assert lu.dtype == lu_ref.dtype and piv.dtype == piv_ref.dtype == np.int32
    assert lu.shape == lu_ref.shape and piv.shape == piv_ref.shape
    np.testing.assert_array_equal(A, A0)
    if n == 0:
        return
    np.testing.assert_array_equal(piv, piv_ref)
    L = np.tril(lu, -1) + np.eye(n)
    U = np.triu(lu)
    P, _, _ = jl.lu(A)
    assert backward_error(A.astype(np.float64), P, L, U) <= 4 * n * eps(dtype)


def test_lu_factor_stacked_rectangular_and_layouts(rng):
    A = rng.uniform(-1, 1, (2, 3, 9, 6))
    lu, piv = jl.lu_factor(A)
    lu_ref, piv_ref = scipy.linalg.lu_factor(A)
    np.testing.assert_array_equal(piv, piv_ref)
    np.testing.assert_allclose(lu, lu_ref, atol=1e-14)
    B = rng.uniform(-1, 1, (12, 12))
    for view in (np.asfortranarray(B), B[::2, ::2], B.T):
        np.testing.assert_allclose(jl.lu_factor(view)[0], scipy.linalg.lu_factor(view)[0], atol=1e-14)
    lu_int, _ = jl.lu_factor(np.array([[1, 2], [3, 4]]))
    assert lu_int.dtype == np.float64
    assert jl.lu_factor(np.eye(2, dtype=np.complex64))[0].dtype == np.complex64
    with pytest.raises(TypeError, match="complex64 and complex128"):
        jl.lu_factor(np.eye(2, dtype=np.clongdouble))


def test_lu_factor_singular_warns_like_scipy():
    A = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.warns(scipy.linalg.LinAlgWarning) as ours:
        lu, piv = jl.lu_factor(A)
    with pytest.warns(scipy.linalg.LinAlgWarning) as theirs:
        lu_ref, piv_ref = scipy.linalg.lu_factor(A)
    assert (
        str(ours[0].message)
        == str(theirs[0].message)
        == "Diagonal number 2 is exactly zero. Singular matrix."
    )
    np.testing.assert_allclose(lu, lu_ref)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jl.lu_factor(np.eye(3))  # no warning for a regular matrix


def test_lu_factor_rejects_nonfinite_like_scipy():
    A = np.array([[1.0, np.nan], [0.0, 1.0]])
    with pytest.raises(ValueError) as theirs:
        scipy.linalg.lu_factor(A)
    with pytest.raises(ValueError) as ours:
        jl.lu_factor(A)
    assert str(ours.value) == str(theirs.value)
    jl.lu_factor(A, check_finite=False)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("trans", [0, 1, 2])
def test_lu_solve_matches_scipy(rng, dtype, trans):
    for n, b_shape in [(1, (1,)), (6, (6,)), (40, (40, 3)), (200, (200, 5))]:
        A = (rng.uniform(-1, 1, (n, n)) + 2 * np.eye(n)).astype(dtype)
        b = rng.uniform(-1, 1, b_shape).astype(dtype)
        b0 = b.copy()
        fac = jl.lu_factor(A)
        lu0 = fac[0].copy()
        x = jl.lu_solve(fac, b, trans=trans)
        ref = scipy.linalg.lu_solve(scipy.linalg.lu_factor(A), b, trans=trans)
        assert x.dtype == ref.dtype and x.shape == ref.shape
        tol = 50 * n * eps(dtype) * max(1.0, np.abs(ref).max())
        np.testing.assert_allclose(x, ref, atol=tol)
        np.testing.assert_array_equal(b, b0)
        np.testing.assert_array_equal(fac[0], lu0)
        # scipy's factors work too (the same convention)
        np.testing.assert_allclose(jl.lu_solve(scipy.linalg.lu_factor(A), b, trans=trans), ref, atol=tol)


# exactly singular: the zero pivot is divided by, giving getrs's infs/NaNs, never a finite "answer"
SINGULAR = [
    [[1.0, 2.0], [2.0, 4.0]],
    [[0.0]],
    np.zeros((3, 3)),
    [[0.0, 1.0], [0.0, 1.0]],
    [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]],
]


@pytest.mark.parametrize("A", SINGULAR, ids=range(len(SINGULAR)))
@pytest.mark.parametrize("trans", [0, 1])
def test_lu_solve_singular_gives_scipys_infs_and_nans(A, trans):
    A = np.array(A)
    n = A.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        fac, fac_ref = jl.lu_factor(A), scipy.linalg.lu_factor(A)
    for b in (np.ones(n), np.arange(1.0, 2 * n + 1).reshape(n, 2)):
        x = jl.lu_solve(fac, b, trans=trans)
        ref = scipy.linalg.lu_solve(fac_ref, b, trans=trans)
        assert not np.isfinite(x).all()
        # exact small integers: every finite step is exact, so the inf/NaN pattern must agree
        np.testing.assert_array_equal(x, ref)


def test_lu_solve_stacked_and_errors(rng):
    A = rng.uniform(-1, 1, (4, 5, 5)) + 3 * np.eye(5)
    b = rng.uniform(-1, 1, (4, 5, 2))
    x = jl.lu_solve(jl.lu_factor(A), b)
    np.testing.assert_allclose(x, np.linalg.solve(A, b), atol=1e-13)
    lu, piv = jl.lu_factor(A[0])
    for bad in (np.ones(4), np.ones((4, 2))):
        with pytest.raises(ValueError) as theirs:
            scipy.linalg.lu_solve((lu, piv), bad)
        with pytest.raises(ValueError) as ours:
            jl.lu_solve((lu, piv), bad)
        assert str(ours.value) == str(theirs.value)
    assert jl.lu_solve((lu, piv), np.zeros((5, 0))).shape == (5, 0)


@pytest.mark.parametrize("shape", [(1, 1), (6, 6), (9, 4), (4, 9), (2, 7, 5), (3, 4, 8)])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_lu_matches_scipy(rng, shape, dtype):
    A = rng.uniform(-1, 1, shape).astype(dtype)
    P, L, U = jl.lu(A)
    P_ref, L_ref, U_ref = scipy.linalg.lu(A)
    for got, ref in ((P, P_ref), (L, L_ref), (U, U_ref)):
        assert got.shape == ref.shape and got.dtype == ref.dtype
    np.testing.assert_array_equal(P, P_ref)
    tol = 20 * max(shape) * eps(dtype)
    np.testing.assert_allclose(L, L_ref, atol=tol)
    np.testing.assert_allclose(U, U_ref, atol=tol)
    p, _, _ = jl.lu(A, p_indices=True)
    p_ref, _, _ = scipy.linalg.lu(A, p_indices=True)
    np.testing.assert_array_equal(p, p_ref)
    PL, U2 = jl.lu(A, permute_l=True)
    np.testing.assert_allclose(PL @ U2, A, atol=tol)
    if A.ndim == 2:
        P_n, L_n, U_n = naive.lu(A)
        np.testing.assert_array_equal(P, P_n)
        np.testing.assert_allclose(L, L_n, atol=tol)


def test_lu_empty_and_errors():
    for shape in [(0, 0), (0, 3), (3, 0)]:
        P, L, U = jl.lu(np.zeros(shape))
        P_ref, L_ref, U_ref = scipy.linalg.lu(np.zeros(shape))
        assert (P.shape, L.shape, U.shape) == (P_ref.shape, L_ref.shape, U_ref.shape)
    with pytest.raises(ValueError) as theirs:
        scipy.linalg.lu(np.ones(3))
    with pytest.raises(ValueError) as ours:
        jl.lu(np.ones(3))
    assert str(ours.value) == str(theirs.value)


def test_why_pivoting():
    """Without row interchanges, a tiny pivot destroys the answer; partial pivoting keeps it."""
    delta = 1e-20
    A = np.array([[delta, 1.0], [1.0, 1.0]])
    b = np.array([1.0, 2.0])  # x = (1, 1) to within 1e-20
    # elimination without pivoting: l21 = 1/delta, u22 = 1 - 1/delta rounds to -1/delta
    u22 = 1.0 - 1.0 / delta
    y2 = 2.0 - 1.0 / delta
    x2 = y2 / u22
    x1 = (1.0 - x2) / delta
    assert abs(x1 - 1.0) >= 0.5  # x1 comes out 0: all accuracy lost
    np.testing.assert_allclose(jl.solve(A, b), [1.0, 1.0], rtol=1e-15)


def test_rhs_stacks_does_not_copy_a_stack_that_needs_no_broadcasting(rng):
    from jitla.linalg._triangular import rhs_stacks

    A = rng.standard_normal((5, 3, 3))
    b = rng.standard_normal((5, 3, 1))
    _, A3, X3, shape = rhs_stacks(A, b, np.float64)
    assert np.shares_memory(A3, A) and not np.shares_memory(X3, b) and shape == (5, 3, 1)
    _, A3, X3, shape = rhs_stacks(A[:1], b, np.float64)  # broadcast: a fresh stack
    assert A3.shape == (5, 3, 3) and not np.shares_memory(A3, A) and shape == (5, 3, 1)
    np.testing.assert_array_equal(A3, np.broadcast_to(A[:1], (5, 3, 3)))
    x = jl.solve(A, b)
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-12, atol=1e-12)
    assert not np.shares_memory(x, A)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (7, 4), (4, 7), (61, 61)])
def test_lu_one_matrix_path_against_scipy_and_naive(rng, dtype, shape):
    """One 2-D matrix: factor and lu_unpack in two kernel calls, in every layout and output form."""
    A = rng.uniform(-1, 1, (2 * shape[0], 2 * shape[1])).astype(dtype)
    tol = 20 * max(shape) * eps(dtype)
    for view in (A[::2, ::2], np.ascontiguousarray(A[::2, ::2]), np.asfortranarray(A[::2, ::2])):
        before = view.copy()
        P, L, U = jl.lu(view)
        P_ref, L_ref, U_ref = scipy.linalg.lu(view)
        assert (P.dtype, L.dtype, U.dtype) == (P_ref.dtype, L_ref.dtype, U_ref.dtype)
        np.testing.assert_array_equal(P, P_ref)
        np.testing.assert_allclose(L, L_ref, rtol=0, atol=tol)
        np.testing.assert_allclose(U, U_ref, rtol=0, atol=tol)
        PL, U2 = jl.lu(view, permute_l=True)
        np.testing.assert_allclose(PL, P_ref @ L_ref, rtol=0, atol=tol)
        np.testing.assert_array_equal(U2, U)
        p, _, _ = jl.lu(view, p_indices=True)
        np.testing.assert_array_equal(p, scipy.linalg.lu(view, p_indices=True)[0])
        assert p.dtype == np.int32
        np.testing.assert_array_equal(view, before)
    if dtype == np.float64:
        P_n, L_n, U_n = naive.lu(A[::2, ::2])
        np.testing.assert_allclose(P @ L @ U, P_n @ L_n @ U_n, rtol=0, atol=tol)


def test_float32_det_and_slogdet_computed_in_double_as_numpy():
    # numpy.linalg computes single-precision input in double and rounds the result: det of
    # [[1, 2], [3, 4]] is -2.0 exactly, where a float32 LU gives -1.9999999 (issue 16)
    a = np.array([[1, 2], [3, 4]], dtype=np.float32)
    assert jl.det(a) == np.float32(-2.0) == np.linalg.det(a)
    sign, logabsdet = jl.slogdet(a)
    assert (sign, logabsdet) == tuple(np.linalg.slogdet(a))
    assert isinstance(logabsdet, np.float32)
    stack = np.random.default_rng(0).standard_normal((5, 6, 6)).astype(np.float32)
    got = jl.det(stack)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.linalg.det(stack), rtol=2 * np.finfo(np.float32).eps)
    assert jl.slogdet(stack)[1].dtype == np.float32
