"""Cholesky: the kernels, numpy.linalg.cholesky and scipy's cho_factor / cho_solve.

Factors against tests/naive.py (``cholesky_naive``: Algorithm 4.2.1 with
fsum) and numpy/scipy; reconstruction ``L L^T = A`` to c * n * eps * ||A||;
errors word for word.  Test matrices are ``X X^T + n I`` (condition number
a few units), and the triangle that must not be read is filled with
garbage.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg
from helpers import FLOAT_DTYPES, eps

from jitla import linalg as jl
from jitla.kernels import get_kernel, variants

BLOCKS = (24, 32, 64)


def spd(rng, n, dtype=np.float64, batch=()):
    X = rng.uniform(-1, 1, (*batch, n, n))
    return (X @ X.swapaxes(-1, -2) + n * np.eye(n)).astype(dtype)


def with_garbage(A, keep_lower):
    """A copy of A whose other triangle is garbage (it must not be read)."""
    garbage = np.full_like(A, 1e30)
    return np.where(
        np.tril(np.ones(A.shape[-2:], bool)) if keep_lower else np.triu(np.ones(A.shape[-2:], bool)),
        A,
        garbage,
    )


def extras(variant, nb=16):
    return {"unblocked": (), "tiled": (), "blocked": (BLOCKS, nb), "parallel": (BLOCKS, nb, 2)}[variant]


def test_variants_registered():
    assert variants("cholesky") == ["unblocked", "tiled", "blocked", "parallel"]


@pytest.mark.parametrize("variant", variants("cholesky"))
@pytest.mark.parametrize("n", [1, 2, 17, 53])
def test_kernels_match_naive(rng, variant, n):
    A = spd(rng, n)
    W = with_garbage(A, keep_lower=False)  # kernels read the upper triangle
    assert get_kernel("cholesky", variant).func(W, *extras(variant)) == 0
    L = naive.cholesky(A)
    np.testing.assert_allclose(np.triu(W), L.T, rtol=0, atol=10 * n * eps(np.float64) * np.sqrt(n))
    if variant in ("unblocked", "tiled"):
        assert (W[np.tril_indices(n, -1)] == 1e30).all()  # lower triangle untouched


@pytest.mark.parametrize("variant", variants("cholesky"))
def test_kernels_not_positive_definite_status(rng, variant):
    A = spd(rng, 40)
    A[25, 25] = -1.0  # leading minors 1..25 stay positive definite
    info = get_kernel("cholesky", variant).func(A.copy(), *extras(variant))
    _, info_ref = scipy.linalg.lapack.dpotrf(A)
    assert info == info_ref
    assert 0 < info <= 26
    nan = spd(rng, 40)
    nan[30, 30] = np.nan  # propagates (numpy + OpenBLAS do not stop on NaN)
    assert get_kernel("cholesky", variant).func(nan, *extras(variant)) == 0
    assert (
        np.isnan(nan[30:, 30:][np.triu_indices(10)]).all()
        and np.isfinite(nan[:30, :30][np.triu_indices(30)]).all()
    )


@pytest.mark.parametrize("n", [1, 2, 17, 53])  # nb = 16: one block, ragged last blocks
def test_lower_kernel_matches_naive(rng, n):
    A = spd(rng, n)
    L = with_garbage(A, keep_lower=True)  # this kernel reads the lower triangle
    assert get_kernel("cholesky_lower", "blocked").func(L, BLOCKS, 16) == 0
    np.testing.assert_allclose(L, naive.cholesky(A), rtol=0, atol=10 * n * eps(np.float64) * np.sqrt(n))
    assert (L[np.triu_indices(n, 1)] == 0).all()  # numpy's zeros above the diagonal


def test_lower_kernel_not_positive_definite_status(rng):
    A = spd(rng, 40)
    A[25, 25] = -1.0
    _, info_ref = scipy.linalg.lapack.dpotrf(A, lower=1)
    assert get_kernel("cholesky_lower", "blocked").func(A.copy(), BLOCKS, 16) == info_ref
    nan = spd(rng, 40)
    nan[30, 30] = np.nan
    assert get_kernel("cholesky_lower", "blocked").func(nan, BLOCKS, 16) == 0
    assert np.isnan(nan[30:, 30:][np.tril_indices(10)]).all()
    assert np.isfinite(nan[:30, :30][np.tril_indices(30)]).all()


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("n", [0, 1, 4, 140, 300])  # > 128: the blocked kernel, ragged last block
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_matches_numpy(rng, dtype, n, upper):
    A = spd(rng, n, dtype)
    A_in = with_garbage(A, keep_lower=not upper)
    A0 = A_in.copy()
    R = jl.cholesky(A_in, upper=upper)
    ref = np.linalg.cholesky(A, upper=upper)
    assert R.shape == ref.shape and R.dtype == ref.dtype
    np.testing.assert_array_equal(A_in, A0)
    if n == 0:
        return
    tol = 10 * n * eps(dtype) * np.sqrt(np.abs(A).max())
    np.testing.assert_allclose(R, ref, rtol=0, atol=tol)
    L = R.T if upper else R
    assert (np.triu(L, 1) == 0).all()
    backward = np.abs(L.astype(np.float64) @ L.T.astype(np.float64) - A).max() / np.abs(A).max()
    assert backward <= 4 * n * eps(dtype)


def test_cholesky_stacked_layouts_dtypes(rng):
    A = spd(rng, 6, batch=(2, 3))
    np.testing.assert_allclose(jl.cholesky(A), np.linalg.cholesky(A), atol=1e-14)
    B = spd(rng, 10)
    for view in (np.asfortranarray(B), np.repeat(B, 2, axis=0)[::2]):
        np.testing.assert_allclose(jl.cholesky(view), np.linalg.cholesky(view), atol=1e-14)
    assert jl.cholesky([[4, 2], [2, 5]]).dtype == np.float64
    assert jl.cholesky(np.eye(2, dtype=complex)).dtype == np.complex128
    with pytest.raises(TypeError, match="complex64 and complex128"):
        jl.cholesky(np.eye(2, dtype=np.clongdouble))


def test_cholesky_errors_match_numpy(rng):
    cases = [
        -np.eye(3),
        np.array([[1.0, 2.0], [2.0, 1.0]]),
        np.ones(3),
        np.ones((2, 3)),
    ]
    stack = spd(rng, 4, batch=(3,))
    stack[1, 2, 2] = -100.0
    cases.append(stack)
    for a in cases:
        with pytest.raises(np.linalg.LinAlgError) as theirs:
            np.linalg.cholesky(a)
        with pytest.raises(np.linalg.LinAlgError) as ours:
            jl.cholesky(a)
        assert str(ours.value) == str(theirs.value)
    assert str(ours.value) == "Matrix is not positive definite"
    nan = np.array([[4.0, np.nan], [np.nan, 4.0]])  # no error: NaNs propagate as numpy's
    np.testing.assert_array_equal(jl.cholesky(nan), np.linalg.cholesky(nan))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("n", [1, 7, 100, 150])  # one call (unblocked, tiled), general path (blocked)
def test_cho_factor_and_solve_match_scipy(rng, dtype, lower, n):
    A = spd(rng, n, dtype)
    A_in = with_garbage(A, keep_lower=lower)
    c, low = jl.cho_factor(A_in, lower=lower)
    c_ref, low_ref = scipy.linalg.cho_factor(A_in, lower=lower)
    assert low is low_ref is lower
    assert c.dtype == c_ref.dtype and c.shape == c_ref.shape
    tol = 10 * n * eps(dtype) * np.sqrt(np.abs(A).max())
    mask = np.tril(np.ones((n, n), bool)) if lower else np.triu(np.ones((n, n), bool))
    np.testing.assert_allclose(c[mask], c_ref[mask], rtol=0, atol=tol)
    # the other triangle: a's own entries (what scipy's potrf leaves there)
    np.testing.assert_array_equal(c[~mask], A_in.astype(dtype)[~mask])
    for b_shape in [(n,), (n, 3)]:
        b = rng.uniform(-1, 1, b_shape).astype(dtype)
        x = jl.cho_solve((c, low), b)
        ref = scipy.linalg.cho_solve((c_ref, low_ref), b)
        assert x.dtype == ref.dtype and x.shape == ref.shape
        np.testing.assert_allclose(x, ref, rtol=0, atol=20 * n * eps(dtype) * max(1.0, np.abs(ref).max()))
        np.testing.assert_allclose(jl.cho_solve((c_ref, low_ref), b), ref, rtol=0, atol=20 * n * eps(dtype))


@pytest.mark.parametrize("lower", [False, True])
def test_cho_solve_singular_factor_gives_scipys_infs_and_nans(lower):
    for U in (
        np.zeros((2, 2)),
        np.array([[1.0, 2.0], [0.0, 0.0]]),
        np.array([[0.0]]),
        np.array([[0.0, 1.0], [0.0, 1.0]]),
    ):
        c = U.T.copy() if lower else U
        for b in (np.ones(len(c)), np.ones((len(c), 2))):
            x = jl.cho_solve((c, lower), b)
            assert not np.isfinite(x).all()
            np.testing.assert_array_equal(x, scipy.linalg.cho_solve((c, lower), b))


def test_cho_errors_match_scipy():
    for a in [np.diag([1.0, 1.0, -1.0]), np.ones((2, 3)), np.array([[1.0, np.inf], [0.0, 1.0]])]:
        exc = ValueError if a.shape[0] != a.shape[1] or not np.isfinite(a).all() else np.linalg.LinAlgError
        with pytest.raises(exc) as theirs:
            scipy.linalg.cho_factor(a)
        with pytest.raises(exc) as ours:
            jl.cho_factor(a)
        assert str(ours.value) == str(theirs.value)
    c = scipy.linalg.cho_factor(np.eye(3))
    for bad_c, b in [((np.ones((2, 3)), False), np.ones(2)), (c, np.ones(4))]:
        with pytest.raises(ValueError) as theirs:
            scipy.linalg.cho_solve(bad_c, b)
        with pytest.raises(ValueError) as ours:
            jl.cho_solve(bad_c, b)
        assert str(ours.value) == str(theirs.value)
