"""Triangular solves: the trsv/trsm kernels and ``jitla.linalg.solve_triangular``.

Values against tests/naive.py (``triangular_solve_naive``, substitution with
fsum) and scipy.linalg.solve_triangular; errors against scipy's own.
Triangular matrices are built well conditioned (unit-size diagonal,
off-diagonal entries O(1/n)), so the solution is accurate to a few n*eps
and the tolerances below can be tight.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg
from helpers import FLOAT_DTYPES, eps

from jitla.kernels import get_kernel
from jitla.kernels.triangular import trsm_unchecked
from jitla.linalg import LinAlgError, solve_triangular

BLOCKS = (24, 32, 64)  # tiny GEMM blocks: every edge case of the packed GEMM is hit at small n


def triangular(rng, n, lower, dtype=np.float64):
    """Well-conditioned triangular matrix; the other triangle holds garbage that must not be read."""
    A = rng.uniform(-1, 1, (n, n)) / max(n, 1) + np.diag(rng.uniform(1, 2, n) * rng.choice([-1, 1], n))
    garbage = rng.uniform(-1e3, 1e3, (n, n))
    A = np.tril(A) + np.triu(garbage, 1) if lower else np.triu(A) + np.tril(garbage, -1)
    return A.astype(dtype)


def rtol(dtype, n):
    return 8 * (n + 2) * eps(dtype)


CASES = [(lower, trans, unit) for lower in (True, False) for trans in (False, True) for unit in (False, True)]


def reference(A, B, lower, trans, unit):
    T = np.tril(A) if lower else np.triu(A)
    if trans:
        T, lower = T.T, not lower
    return naive.solve_triangular(T, B, lower, unit)


@pytest.mark.parametrize("lower,trans,unit", CASES)
@pytest.mark.parametrize("variant", ["unblocked", "blocked"])
def test_trsm_kernels_match_naive(rng, variant, lower, trans, unit):
    n, k = 77, 9  # 77 = 2*32 + 13: blocks of nb = 32 and a ragged last block
    A = triangular(rng, n, lower)
    B = rng.uniform(-1, 1, (n, k))
    X = B.copy()
    info = get_kernel("trsm", variant)
    extra = (BLOCKS, 32) if variant == "blocked" else ()
    assert info.func(A, X, lower, trans, unit, *extra) == 0
    t = rtol(np.float64, n)
    np.testing.assert_allclose(X, reference(A, B, lower, trans, unit), rtol=t, atol=t)


@pytest.mark.parametrize("lower,trans,unit", CASES)
def test_trsv_matches_naive(rng, lower, trans, unit):
    n = 41
    A = triangular(rng, n, lower)
    b = rng.uniform(-1, 1, n)
    x = b.copy()
    assert get_kernel("trsv", "serial").func(A, x, lower, trans, unit) == 0
    t = rtol(np.float64, n)
    np.testing.assert_allclose(x, reference(A, b, lower, trans, unit), rtol=t, atol=t)


@pytest.mark.parametrize("lower,trans,unit", CASES)
def test_trsm_unchecked_matches_naive(rng, lower, trans, unit):
    n, k = 23, 3
    A = triangular(rng, n, lower)
    B = rng.uniform(-1, 1, (n, k))
    X = B.copy()
    trsm_unchecked(A, X, lower, trans, unit)
    t = rtol(np.float64, n)
    np.testing.assert_allclose(X, reference(A, B, lower, trans, unit), rtol=t, atol=t)


@pytest.mark.parametrize("variant", ["unblocked", "blocked"])
def test_trsm_kernel_zero_diagonal_status(rng, variant):
    A = triangular(rng, 40, True)
    A[17, 17] = 0.0
    A[30, 30] = 0.0
    B = rng.uniform(-1, 1, (40, 3))
    X = B.copy()
    extra = (BLOCKS, 16) if variant == "blocked" else ()
    assert get_kernel("trsm", variant).func(A, X, True, False, False, *extra) == 18
    np.testing.assert_array_equal(X, B)  # untouched on failure
    assert get_kernel("trsm", variant).func(A, X, True, False, True, *extra) == 0  # unit: diagonal not read


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("lower,trans,unit", CASES)
def test_solve_triangular_matches_scipy(rng, dtype, lower, trans, unit):
    for n, k in [(1, 1), (5, None), (33, 4), (300, 20)]:  # 300 > 2*nb: the blocked kernel
        A = triangular(rng, n, lower, dtype)
        B = rng.uniform(-1, 1, (n,) if k is None else (n, k)).astype(dtype)
        A0, B0 = A.copy(), B.copy()
        x = solve_triangular(A, B, trans=int(trans), lower=lower, unit_diagonal=unit)
        ref = scipy.linalg.solve_triangular(A, B, trans=int(trans), lower=lower, unit_diagonal=unit)
        assert x.dtype == ref.dtype and x.shape == ref.shape
        np.testing.assert_allclose(x, ref, rtol=rtol(dtype, n), atol=rtol(dtype, n))
        np.testing.assert_array_equal(A, A0)
        np.testing.assert_array_equal(B, B0)


def test_solve_triangular_trans_letters_and_layouts(rng):
    A = triangular(rng, 30, False)
    B = rng.uniform(-1, 1, (30, 6))
    ref = scipy.linalg.solve_triangular(A, B, trans="T")
    for a in (A, np.asfortranarray(A), np.repeat(np.repeat(A, 2, 0), 2, 1)[::2, ::2]):
        for b in (B, np.asfortranarray(B), B[:, ::-1][:, ::-1]):
            for t in ("T", "C", 1, 2):
                np.testing.assert_allclose(solve_triangular(a, b, trans=t), ref, rtol=1e-13, atol=1e-13)


def test_solve_triangular_stacked_and_broadcast(rng):
    A = np.stack([triangular(rng, 6, True) for _ in range(4)]).reshape(2, 2, 6, 6)
    B = rng.uniform(-1, 1, (2, 1, 6, 3))
    x = solve_triangular(A, B, lower=True)
    ref = scipy.linalg.solve_triangular(A, B, lower=True)
    assert x.shape == ref.shape == (2, 2, 6, 3)
    np.testing.assert_allclose(x, ref, rtol=1e-13, atol=1e-13)
    b = rng.uniform(-1, 1, 6)  # a 1-D b is one vector for every matrix of the stack
    ref = scipy.linalg.solve_triangular(A, b, lower=True)
    np.testing.assert_allclose(solve_triangular(A, b, lower=True), ref, rtol=1e-13, atol=1e-13)


def test_solve_triangular_dtypes_and_empty():
    A = np.array([[2, 0], [1, 4]])
    b = np.array([2, 5])
    x = solve_triangular(A, b, lower=True)
    assert x.dtype == np.float64
    np.testing.assert_allclose(x, [1.0, 1.0])
    assert solve_triangular(A.astype(np.float32), b.astype(np.float32), lower=True).dtype == np.float32
    assert solve_triangular(A.astype(np.float32), b, lower=True).dtype == np.float64
    empty = solve_triangular(np.zeros((0, 0)), np.zeros((0, 3)))
    assert empty.shape == (0, 3) and empty.dtype == np.float64
    assert solve_triangular(A.astype(np.complex64), b.astype(np.float32), lower=True).dtype == np.complex64
    with pytest.raises(TypeError, match="complex64 and complex128"):
        solve_triangular(A.astype(np.clongdouble), b)


def scipy_error(exc_type, *args, **kwargs) -> str:
    with pytest.raises(exc_type) as info:
        scipy.linalg.solve_triangular(*args, **kwargs)
    return str(info.value)


def test_solve_triangular_errors_match_scipy(rng):
    A = triangular(rng, 5, False)
    A[3, 3] = 0.0
    b = np.ones(5)
    message = scipy_error(np.linalg.LinAlgError, A, b)
    assert message == "singular matrix: resolution failed at diagonal 3"
    with pytest.raises(LinAlgError) as info:
        solve_triangular(A, b)
    assert str(info.value) == message
    solve_triangular(A, b, unit_diagonal=True)  # the zero is not read
    bad = [
        (np.ones((3, 4)), np.ones(3), {}),
        (np.eye(3), np.ones(4), {}),
        (np.eye(3), np.ones((4, 2)), {}),
        (np.eye(3), np.array([1.0, np.nan, 1.0]), {}),
        (np.diag([1.0, np.inf, 1.0]), np.ones(3), {}),
    ]
    for a, bb, kw in bad:
        message = scipy_error(ValueError, a, bb, **kw)
        with pytest.raises(ValueError) as info:
            solve_triangular(a, bb, **kw)
        assert str(info.value) == message
    # check_finite=False: no check (the NaN propagates)
    assert np.isnan(solve_triangular(np.eye(3), np.array([1.0, np.nan, 1.0]), check_finite=False)[1])
