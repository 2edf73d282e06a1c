"""numpy.linalg's remaining names against numpy itself (values, dtypes, shapes, errors) and naive.

Tolerances: products of k terms in float64, rtol (k + 3) * 2 eps scaled by the
size of the terms (helpers.tol); integer inputs must be exact.
"""

import naive
import numpy as np
import pytest
from helpers import tol
from numpy.testing import assert_allclose, assert_array_equal

import jitla.linalg as jl


def _errors_like_numpy(ours, theirs):
    with pytest.raises(Exception) as want:
        theirs()
    with pytest.raises(type(want.value)) as got:
        ours()
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 3, 5, 13])
def test_matrix_power_matches_numpy(n):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4)) / 2 + np.eye(4)
    a_before = a.copy()
    got = jl.matrix_power(a, n)
    ref = np.linalg.matrix_power(a, n)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    assert_allclose(got, ref, rtol=1e-11, atol=1e-12 * np.abs(ref).max())
    assert_array_equal(a, a_before)
    stack = rng.standard_normal((3, 2, 2))
    assert_allclose(jl.matrix_power(stack, 4), np.linalg.matrix_power(stack, 4), rtol=1e-12)
    ints = np.arange(9).reshape(3, 3)
    assert_array_equal(jl.matrix_power(ints, 7), np.linalg.matrix_power(ints, 7))
    assert jl.matrix_power(ints, 7).dtype == ints.dtype
    assert jl.matrix_power(np.eye(3, dtype=np.float32), 2).dtype == np.float32


def test_matrix_power_errors():
    _errors_like_numpy(
        lambda: jl.matrix_power(np.ones((2, 3)), 2), lambda: np.linalg.matrix_power(np.ones((2, 3)), 2)
    )
    _errors_like_numpy(
        lambda: jl.matrix_power(np.ones((2, 2)), 2.0), lambda: np.linalg.matrix_power(np.ones((2, 2)), 2.0)
    )
    _errors_like_numpy(lambda: jl.matrix_power(np.ones(3), 2), lambda: np.linalg.matrix_power(np.ones(3), 2))
    with pytest.raises(np.linalg.LinAlgError):
        jl.matrix_power(np.zeros((2, 2)), -1)


def test_multi_dot_order_values_and_vectors():
    rng = np.random.default_rng(1)
    A, B, C = rng.standard_normal((10, 60)), rng.standard_normal((60, 5)), rng.standard_normal((5, 40))
    v, w = rng.standard_normal(10), rng.standard_normal(40)
    for arrays in ([A, B, C], [v, A, B, C], [A, B, C, w], [v, A, B, C, w], [A, B]):
        got, ref = jl.multi_dot(arrays), np.linalg.multi_dot(arrays)
        assert got.shape == ref.shape
        assert_allclose(got, ref, **tol(np.float64, 60, scale=np.abs(ref).max() * 10))
    ref = naive.matmul(naive.matmul(A, B), C)
    assert_allclose(jl.multi_dot([A, B, C]), ref, **tol(np.float64, 60, scale=np.abs(ref).max() * 10))
    out = np.empty((10, 40))
    assert jl.multi_dot([A, B, C], out=out) is out
    # the chain order: (10x60)(60x5) first costs 3,000 + 2,000; the other 12,000 + 24,000
    assert jl.multi_dot.__module__ == "jitla.linalg._extras"
    from jitla.linalg._extras import _chain_order

    assert _chain_order([10, 60, 5, 40])[0][2] == 1  # split after B: (A B) C
    assert _chain_order([10, 1000, 5, 500])[0][2] == 1
    assert _chain_order([500, 5, 1000, 10])[0][2] == 0  # A (B C)


def test_multi_dot_errors():
    _errors_like_numpy(
        lambda: jl.multi_dot([np.ones((2, 2))]), lambda: np.linalg.multi_dot([np.ones((2, 2))])
    )
    args = [np.ones((2, 2)), np.ones((3, 3)), np.ones((3, 1))]
    _errors_like_numpy(lambda: jl.multi_dot(args), lambda: np.linalg.multi_dot(args))


def test_tensor_functions_match_numpy():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((3, 4, 5)), rng.standard_normal((4, 5, 2))
    for axes in (2, ([1], [0]), ([1, 2], [0, 1])):
        assert_allclose(jl.tensordot(x, y, axes=axes), np.tensordot(x, y, axes=axes), rtol=1e-12, atol=1e-13)
    a, b = rng.standard_normal((6, 2, 3)), rng.standard_normal(6)
    assert_allclose(jl.tensorsolve(a, b), np.linalg.tensorsolve(a, b), rtol=1e-10)
    a2 = rng.standard_normal((2, 3, 6))
    assert_allclose(jl.tensorsolve(a2, b[:6].reshape(2, 3)[..., None].squeeze(-1), axes=None).shape, (6,))
    t = rng.standard_normal((4, 6, 8, 3))
    assert_allclose(jl.tensorinv(t), np.linalg.tensorinv(t), rtol=1e-9, atol=1e-12)
    _errors_like_numpy(lambda: jl.tensorinv(t, ind=0), lambda: np.linalg.tensorinv(t, ind=0))


def test_norms_and_array_api_helpers():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4))
    for kw in ({}, {"axis": 1}, {"axis": (0, 2), "keepdims": True}, {"ord": 1, "axis": -1}, {"ord": np.inf}):
        assert_allclose(jl.vector_norm(x, **kw), np.linalg.vector_norm(x, **kw), rtol=1e-13)
    for ord_ in ("fro", "nuc", 1, 2, -2, np.inf):
        assert_allclose(jl.matrix_norm(x, ord=ord_), np.linalg.matrix_norm(x, ord=ord_), rtol=1e-12)
    assert jl.matrix_norm(x, keepdims=True).shape == np.linalg.matrix_norm(x, keepdims=True).shape
    u, v = rng.standard_normal(3), rng.standard_normal(4)
    assert_array_equal(jl.outer(u, v), np.linalg.outer(u, v))
    w = rng.standard_normal((5, 3))
    assert_array_equal(jl.cross(w, w[::-1]), np.linalg.cross(w, w[::-1]))
    assert_array_equal(jl.vecdot(w, w[::-1]), np.linalg.vecdot(w, w[::-1]))
    assert_array_equal(jl.matrix_transpose(x), np.linalg.matrix_transpose(x))
    assert_array_equal(jl.diagonal(x, offset=1), np.linalg.diagonal(x, offset=1))
    assert_array_equal(jl.trace(x, offset=-1), np.linalg.trace(x, offset=-1))
    for ours, theirs in (
        (lambda: jl.outer(np.ones((2, 2)), u), lambda: np.linalg.outer(np.ones((2, 2)), u)),
        (lambda: jl.cross(np.ones(2), u), lambda: np.linalg.cross(np.ones(2), u)),
        (lambda: jl.matrix_transpose(u), lambda: np.linalg.matrix_transpose(u)),
        (lambda: jl.diagonal(u), lambda: np.linalg.diagonal(u)),
        (lambda: jl.trace(u), lambda: np.linalg.trace(u)),
        (lambda: jl.matrix_norm(u), lambda: np.linalg.matrix_norm(u)),
    ):
        _errors_like_numpy(ours, theirs)


def test_every_numpy_linalg_name_exists():
    missing = sorted(set(np.linalg.__all__) - set(dir(jl)))
    assert missing == []
