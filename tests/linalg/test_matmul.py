"""``jitla.matmul`` has numpy.matmul's semantics.

Values are checked against tests/naive.py (``matmul_nd_naive``: numpy's
rules written out as loops) and against numpy; shapes, result dtypes,
exception types and messages against numpy itself (``str(err)`` compared
with what ``np.matmul`` raises).  Where jitla deliberately differs from
numpy (integers and booleans compute in float64, float16 in float32,
complex wider than complex128 is rejected) the test says so.  Complex
products are tested in tests/linalg/test_complex_core.py.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import naive
import numba
import numpy as np
import pytest
from helpers import FLOAT_DTYPES, assert_product_close, random_int_matrix, random_matrix
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import jitla
from jitla import config
from jitla._threads import threads
from jitla.kernels import variants

GEMM_VARIANTS = variants("gemm")
KERNELS = ["auto", *GEMM_VARIANTS]
TWO_THREADS = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs a pool of >= 2 threads")


def numpy_error(exc_type, a, b, **kwargs) -> str:
    """The message numpy.matmul raises for these operands."""
    with pytest.raises(exc_type) as info:
        np.matmul(a, b, **kwargs)
    return str(info.value)


def assert_matches(result, a, b, dtype):
    """*result* has numpy's shape, jitla's *dtype*, and the value of naive.matmul."""
    a = np.asarray(a)
    b = np.asarray(b)
    expected = naive.matmul(a, b)
    assert np.shape(result) == np.shape(np.matmul(a.astype(np.float64), b.astype(np.float64)))
    assert np.asarray(result).dtype == dtype
    assert_product_close(result, expected, a, b, dtype)


# --------------------------------------------------------------------------
# shapes: 1-D operands, broadcasting, stacks
# --------------------------------------------------------------------------
ONE_D_CASES = [((5,), (5,)), ((5,), (5, 3)), ((4, 5), (5,)), ((4, 5), (5, 3))]


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("a_shape, b_shape", ONE_D_CASES, ids=str)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_one_d_operands(dtype, a_shape, b_shape, kernel, rng):
    a = random_matrix(rng, a_shape, dtype)
    b = random_matrix(rng, b_shape, dtype)
    result = jitla.matmul(a, b, kernel=kernel)
    assert_matches(result, a, b, dtype)
    if len(a_shape) == len(b_shape) == 1:
        # vector @ vector is a numpy scalar, as numpy returns
        assert type(result) is type(np.matmul(a, b)) is np.dtype(dtype).type


BROADCAST_CASES = [
    ((2, 1, 3, 4), (5, 4, 2)),
    ((5, 4, 2), (2, 1)),
    ((3, 4), (2, 4, 5)),
    ((4,), (3, 4, 2)),
    ((3, 2, 4), (4,)),
    ((1, 3, 4), (6, 4, 2)),
    ((2, 1, 6, 7), (1, 3, 7, 33)),
    ((2, 40, 30), (30, 50)),  # stack of large matrices: a gemm kernel per matrix
]


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("a_shape, b_shape", BROADCAST_CASES, ids=str)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_broadcasting(dtype, a_shape, b_shape, kernel, rng):
    a = random_matrix(rng, a_shape, dtype)
    b = random_matrix(rng, b_shape, dtype)
    result = jitla.matmul(a, b, kernel=kernel)
    assert_matches(result, a, b, dtype)
    assert result.flags.c_contiguous


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [
        ((1000, 3, 3), (1000, 3, 3)),
        ((1000, 4, 4), (4, 4)),
        ((4, 4), (300, 4, 4)),
        ((7, 1, 3, 3), (1, 5, 3, 3)),
    ],
    ids=str,
)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_stacks_of_small_matrices(dtype, a_shape, b_shape, rng, restore_threads):
    a = random_matrix(rng, a_shape, dtype)
    b = random_matrix(rng, b_shape, dtype)
    results = []
    for n in range(1, numba.config.NUMBA_NUM_THREADS + 1):
        with threads(n):
            plan = jitla.matmul_plan(a, b)
            assert plan.op == "gemm_batched"
            assert plan.kernel == ("serial" if n == 1 else "parallel")
            results.append(jitla.matmul(a, b))
    expected = np.matmul(a.astype(np.float64), b.astype(np.float64))
    for result in results:
        assert result.shape == expected.shape and result.dtype == dtype
        assert_product_close(result, expected, a, b, dtype)
    # a few matrices of the stack against the naive reference
    A = np.broadcast_to(a, expected.shape[:-2] + a.shape[-2:]).reshape(-1, *a.shape[-2:])
    B = np.broadcast_to(b, expected.shape[:-2] + b.shape[-2:]).reshape(-1, *b.shape[-2:])
    flat = results[0].reshape(-1, *expected.shape[-2:])
    for index in (0, 1, len(flat) // 2, len(flat) - 1):
        assert_product_close(flat[index], naive.matmul_2d(A[index], B[index]), A[index], B[index], dtype)


def test_python_lists_and_api_aliases():
    result = jitla.matmul([[1, 2]], [[3], [4]])
    np.testing.assert_array_equal(result, [[11.0]])
    assert result.dtype == np.float64
    assert jitla.matmul is jitla.linalg.matmul
    assert jitla.matmul_plan is jitla.linalg.matmul_plan


# --------------------------------------------------------------------------
# out=
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "a_shape, b_shape", [((4, 5), (5, 3)), ((2, 4, 5), (5, 3)), ((5,), (5, 3)), ((5,), (5,))]
)
def test_out_correct(a_shape, b_shape, rng):
    a = random_matrix(rng, a_shape)
    b = random_matrix(rng, b_shape)
    expected = jitla.matmul(a, b)
    out = np.full(np.shape(expected), np.nan)
    result = jitla.matmul(a, b, out=out)
    assert result is out
    np.testing.assert_array_equal(out, expected)


def test_out_positional_and_strided_view(rng):
    a = random_matrix(rng, (4, 5))
    b = random_matrix(rng, (5, 3))
    big = np.zeros((4, 6))
    view = big[:, ::2]
    assert jitla.matmul(a, b, view) is view
    np.testing.assert_array_equal(big[:, ::2], jitla.matmul(a, b))
    assert not big[:, 1::2].any()  # the skipped columns are untouched


def test_out_with_extra_leading_dimensions_is_filled_like_numpy(rng):
    # numpy accepts an out whose leading dimensions the operands broadcast to.
    a = random_matrix(rng, (3, 4))
    b = random_matrix(rng, (4, 2))
    expected = np.matmul(a, b, out=np.empty((2, 3, 2)))
    out = np.empty((2, 3, 2))
    assert jitla.matmul(a, b, out=out) is out
    assert_product_close(out, expected, a, b, np.float64)
    out_vec = np.empty(1)
    jitla.matmul(a[0], b[:, 0], out=out_vec)
    assert_product_close(out_vec, np.matmul(a[0], b[:, 0], out=np.empty(1)), a[0], b[:, 0], np.float64)


@pytest.mark.parametrize(
    "a_shape, b_shape, out_shape",
    [
        ((3, 4), (4, 2), (3, 3)),
        ((3, 4), (4, 2), (2, 3)),
        ((3, 4), (4, 2), (6,)),
        ((2, 3, 4), (4, 2), (3, 3, 2)),
        ((2, 3, 4), (4, 2), (3, 2)),
        ((4,), (4, 2), (1, 3)),
    ],
    ids=str,
)
def test_out_wrong_shape_raises_numpys_error(a_shape, b_shape, out_shape):
    a, b = np.ones(a_shape), np.ones(b_shape)
    expected = numpy_error(ValueError, a, b, out=np.empty(out_shape))
    with pytest.raises(ValueError) as info:
        jitla.matmul(a, b, out=np.empty(out_shape))
    assert str(info.value) == expected


@pytest.mark.parametrize("out_dtype", [np.int64, np.int32, np.bool_, np.uint8])
def test_out_wrong_dtype_raises_numpys_type_error(out_dtype):
    a, b = np.ones((3, 4)), np.ones((4, 2))
    expected = numpy_error(TypeError, a, b, out=np.empty((3, 2), out_dtype))
    with pytest.raises(TypeError) as info:
        jitla.matmul(a, b, out=np.empty((3, 2), out_dtype))
    assert str(info.value) == expected


def test_out_integer_for_integer_operands_is_a_type_error():
    # Deliberate difference from numpy: integer operands compute in float64,
    # and float64 cannot be cast to an integer out under 'same_kind'.
    a = np.arange(6).reshape(2, 3)
    b = np.arange(3).reshape(3, 1)
    np.matmul(a, b, out=np.empty((2, 1), np.int64))  # numpy accepts it
    with pytest.raises(TypeError, match="same_kind"):
        jitla.matmul(a, b, out=np.empty((2, 1), np.int64))


@pytest.mark.parametrize("result_dtype, out_dtype", [(np.float64, np.float32), (np.float32, np.float64)])
def test_out_same_kind_casts(result_dtype, out_dtype, rng):
    a = random_matrix(rng, (6, 5), result_dtype)
    b = random_matrix(rng, (5, 4), result_dtype)
    out = np.empty((6, 4), out_dtype)
    jitla.matmul(a, b, out=out)
    np.testing.assert_array_equal(out, jitla.matmul(a, b).astype(out_dtype))


def test_out_not_an_array_and_read_only():
    a = np.ones((2, 2))
    expected = numpy_error(TypeError, a, a, out=[[0.0, 0.0], [0.0, 0.0]])
    with pytest.raises(TypeError) as info:
        jitla.matmul(a, a, out=[[0.0, 0.0], [0.0, 0.0]])
    assert str(info.value) == expected
    read_only = np.zeros((2, 2))
    read_only.flags.writeable = False
    expected = numpy_error(ValueError, a, a, out=read_only)
    with pytest.raises(ValueError) as info:
        jitla.matmul(a, a, out=read_only)
    assert str(info.value) == expected
    assert not read_only.any()


@pytest.mark.parametrize("kernel", KERNELS)
def test_out_aliasing_an_input(kernel, rng):
    A = random_matrix(rng, (7, 7))
    B = random_matrix(rng, (7, 7))
    expected_a = jitla.matmul(A, B, kernel=kernel)
    expected_b = jitla.matmul(B, A, kernel=kernel)
    A1, B1 = A.copy(), B.copy()
    jitla.matmul(A1, B1, out=A1, kernel=kernel)  # out is the left operand
    np.testing.assert_array_equal(A1, expected_a)
    A2, B2 = A.copy(), B.copy()
    jitla.matmul(B2, A2, out=A2, kernel=kernel)  # out is the right operand
    np.testing.assert_array_equal(A2, expected_b)
    S = A.copy()
    jitla.matmul(S, S, out=S, kernel=kernel)  # both operands
    assert_product_close(S, A @ A, A, A, np.float64)
    x = random_matrix(rng, (7,))
    expected_x = jitla.matmul(A, x, kernel=kernel)
    jitla.matmul(A, x, out=x, kernel=kernel)
    np.testing.assert_array_equal(x, expected_x)


# --------------------------------------------------------------------------
# layouts: the result does not depend on how the operands are stored
# --------------------------------------------------------------------------
def _layouts(base: np.ndarray) -> dict[str, np.ndarray]:
    """Views and copies of *base* with the same values and other memory layouts."""
    m, n = base.shape
    padded = np.zeros((m * 2, n * 3), base.dtype)
    padded[::2, ::3] = base
    window = np.zeros((m + 3, n + 4), base.dtype)
    window[2 : 2 + m, 1 : 1 + n] = base
    flipped = np.ascontiguousarray(base[::-1, ::-1])
    read_only = base.copy()
    read_only.flags.writeable = False
    read_only_f = np.asfortranarray(base)
    read_only_f.flags.writeable = False
    return {
        "C": base,
        "F": np.asfortranarray(base),
        "window": window[2 : 2 + m, 1 : 1 + n],
        "strided": padded[::2, ::3],
        "negative": flipped[::-1, ::-1],
        "read-only": read_only,
        "read-only-F": read_only_f,
    }


@pytest.mark.parametrize("layout", list(_layouts(np.zeros((1, 1)))))
@pytest.mark.parametrize("kernel", ["auto", "packed"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_layouts_give_identical_results(dtype, kernel, layout, rng):
    A = random_matrix(rng, (13, 9), dtype)
    B = random_matrix(rng, (9, 11), dtype)
    expected = jitla.matmul(A, B, kernel=kernel)
    a, b = _layouts(A)[layout], _layouts(B)[layout]
    np.testing.assert_array_equal(a, A)  # same values, other storage
    # layout is normalised to C order once, so the same kernel sees the same data
    np.testing.assert_array_equal(jitla.matmul(a, B, kernel=kernel), expected)
    np.testing.assert_array_equal(jitla.matmul(A, b, kernel=kernel), expected)
    np.testing.assert_array_equal(jitla.matmul(a, b, kernel=kernel), expected)
    assert_product_close(expected, naive.matmul_2d(A, B), A, B, dtype)


def test_layouts_of_vectors_and_stacks(rng):
    A = random_matrix(rng, (6, 8))
    x = random_matrix(rng, (16,))
    np.testing.assert_array_equal(jitla.matmul(A, x[::2]), jitla.matmul(A, x[::2].copy()))
    np.testing.assert_array_equal(jitla.matmul(x[::-2], A.T), jitla.matmul(x[::-2].copy(), A.T.copy()))
    np.testing.assert_array_equal(jitla.matmul(x[::2], x[1::2]), jitla.matmul(x[::2].copy(), x[1::2].copy()))
    S = random_matrix(rng, (5, 4, 4))
    F = np.asfortranarray(S)
    T = np.ascontiguousarray(S.transpose(2, 1, 0)).transpose(2, 1, 0)
    np.testing.assert_array_equal(jitla.matmul(F, T), jitla.matmul(S, S))
    row = np.broadcast_to(random_matrix(rng, (8,)), (6, 8))  # zero stride, read-only
    np.testing.assert_array_equal(jitla.matmul(row, A.T), jitla.matmul(row.copy(), A.T.copy()))


@pytest.mark.parametrize("kernel", KERNELS)
def test_inputs_are_never_modified(kernel, rng):
    cases = [
        (random_matrix(rng, (9, 7)), random_matrix(rng, (7, 5))),
        (random_matrix(rng, (9, 7), np.float32), random_matrix(rng, (7, 5), np.float32)),
        (random_int_matrix(rng, (3, 4, 4)).astype(np.int64), random_matrix(rng, (4, 4))),
        (random_matrix(rng, (7,)), random_matrix(rng, (7, 5))),
        (random_matrix(rng, (9, 7)), random_matrix(rng, (7,))),
        (random_matrix(rng, (7,)), random_matrix(rng, (7,))),
        (np.asfortranarray(random_matrix(rng, (9, 7))), random_matrix(rng, (14, 5))[::2]),
    ]
    for a, b in cases:
        a_copy, b_copy = a.copy(), b.copy()
        jitla.matmul(a, b, kernel=kernel)
        np.testing.assert_array_equal(a, a_copy)
        np.testing.assert_array_equal(b, b_copy)
        assert a.dtype == a_copy.dtype and b.dtype == b_copy.dtype


# --------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "a_dtype, b_dtype, result_dtype",
    [
        (np.int64, np.int64, np.float64),
        (np.int32, np.int8, np.float64),
        (np.uint8, np.uint16, np.float64),
        (np.bool_, np.bool_, np.float64),
        (np.int64, np.float32, np.float64),
        (np.float32, np.float32, np.float32),
        (np.float16, np.float16, np.float32),
        (np.float16, np.float32, np.float32),
        (np.float32, np.float64, np.float64),
        (np.float16, np.float64, np.float64),
        (np.float64, np.float64, np.float64),
    ],
    ids=lambda d: np.dtype(d).name,
)
def test_dtype_promotion(a_dtype, b_dtype, result_dtype, rng):
    a = rng.integers(0, 5, (6, 5)).astype(a_dtype)
    b = rng.integers(0, 5, (5, 4)).astype(b_dtype)
    result = jitla.matmul(a, b)
    assert result.dtype == result_dtype
    assert jitla.matmul_plan(a, b).dtype == result_dtype
    # small non-negative integers: exact in every dtype, so numpy's float64 product is exact too
    np.testing.assert_array_equal(result, a.astype(np.float64) @ b.astype(np.float64))
    scalar = jitla.matmul(a[0], b[:, 0])
    assert type(scalar) is np.dtype(result_dtype).type


def test_float16_computes_in_float32(rng):
    a = random_matrix(rng, (9, 40), np.float16)
    b = random_matrix(rng, (40, 7), np.float16)
    result = jitla.matmul(a, b)
    assert result.dtype == np.float32
    # float32 accuracy, better than numpy's own float16 result
    assert_product_close(result, naive.matmul_2d(a, b), a, b, np.float32)


@pytest.mark.parametrize(
    "bad",
    [
        np.ones((2, 2), np.clongdouble),
        np.array([[1, "a"], [2, 3]], dtype=object),
        np.array([["a", "b"], ["c", "d"]]),
        np.array([[b"a", b"b"], [b"c", b"d"]]),
        np.ones((2, 2), "datetime64[s]"),
    ],
    ids=lambda a: a.dtype.name,
)
def test_non_real_dtypes_raise_type_error(bad):
    good = np.ones((2, 2))
    for a, b in ((bad, good), (good, bad)):
        with pytest.raises(TypeError):
            jitla.matmul(a, b)
        with pytest.raises(TypeError):
            jitla.matmul_plan(a, b)


def test_complex_message_is_clear():
    with pytest.raises(TypeError, match="complex64 and complex128"):
        jitla.matmul(np.ones(2, np.clongdouble), np.ones(2))


# --------------------------------------------------------------------------
# errors: numpy's exact messages
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "a, b",
    [
        (2.0, np.ones((2, 2))),
        (np.ones((2, 2)), 2.0),
        (np.array(3.0), np.ones(3)),
        (np.ones(3), np.float64(2.0)),
        (np.array(1.0), np.array(2.0)),
    ],
    ids=["py-scalar-left", "py-scalar-right", "0d-left", "np-scalar-right", "both-0d"],
)
def test_scalar_operands_raise_numpys_value_error(a, b):
    expected = numpy_error(ValueError, a, b)
    with pytest.raises(ValueError) as info:
        jitla.matmul(a, b)
    assert str(info.value) == expected
    with pytest.raises(ValueError) as info:
        jitla.matmul_plan(a, b)
    assert str(info.value) == expected


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [
        ((2, 3), (2, 3)),
        ((3,), (4,)),
        ((3,), (4, 2)),
        ((2, 3), (4,)),
        ((0, 3), (4, 0)),
        ((2, 3, 4), (3, 4, 3)),
        ((2, 2, 3), (3, 3, 4)),
        ((2, 1, 3, 4), (5, 3, 2)),
        ((4, 5, 2), (3, 2, 6)),
    ],
    ids=str,
)
def test_mismatched_shapes_raise_numpys_value_error(a_shape, b_shape):
    a, b = np.ones(a_shape), np.ones(b_shape)
    expected = numpy_error(ValueError, a, b)
    with pytest.raises(ValueError) as info:
        jitla.matmul(a, b)
    assert str(info.value) == expected
    with pytest.raises(ValueError) as info:
        jitla.matmul_plan(a, b)
    assert str(info.value) == expected


# --------------------------------------------------------------------------
# kernel=
# --------------------------------------------------------------------------
EXPLICIT_CASES = [
    ((13, 17), (17, 19)),
    ((5,), (5, 70)),
    ((70, 5), (5,)),
    ((8,), (8,)),
    ((2, 1, 7, 9), (3, 9, 65)),
]


@pytest.mark.parametrize("a_shape, b_shape", EXPLICIT_CASES, ids=str)
@pytest.mark.parametrize("kernel", GEMM_VARIANTS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_explicit_kernel(dtype, kernel, a_shape, b_shape, rng):
    a = random_matrix(rng, a_shape, dtype)
    b = random_matrix(rng, b_shape, dtype)
    plan = jitla.matmul_plan(a, b, kernel=kernel)
    assert (plan.op, plan.kernel, plan.reason) == ("gemm", kernel, "requested")
    assert_matches(jitla.matmul(a, b, kernel=kernel), a, b, dtype)


def test_unknown_kernel_lists_the_choices():
    a = np.ones((2, 2))
    with pytest.raises(ValueError) as info:
        jitla.matmul(a, a, kernel="fastest")
    message = str(info.value)
    assert "'fastest'" in message
    for name in [*GEMM_VARIANTS, "auto"]:
        assert repr(name) in message
    with pytest.raises(ValueError, match="fastest"):
        jitla.matmul_plan(a, a, kernel="fastest")
    with pytest.raises(TypeError):
        jitla.matmul(a, a, kernel=3)


# --------------------------------------------------------------------------
# matmul_plan: the documented "auto" policy (see jitla.linalg._policy.gemm_plan)
# --------------------------------------------------------------------------
def fake(shape):
    """A read-only zero-stride array of *shape*: plans need shapes, not memory."""
    return np.broadcast_to(np.float64(1.0), shape)


def policy_cases(nthreads):
    """(a_shape, b_shape, op, variant) from the policy in gemm_plan's docstring."""
    par = "parallel" if nthreads > 1 else "serial"
    big = "parallel" if nthreads > 1 else "packed"
    cases = [
        # 1. vector @ vector -> dot
        ((7,), (7,), "dot", "serial"),
        ((0,), (0,), "dot", "serial"),
        # 2. matrix @ vector -> gemv, vector @ matrix -> gemv_t
        ((3, 7), (7,), "gemv", "serial"),
        ((5000, 7000), (7000,), "gemv", "serial"),
        ((7,), (7, 3), "gemv_t", "serial"),
        # 3. stacks of small matrices -> gemm_batched (parallel when threads > 1)
        ((10, 3, 3), (10, 3, 3), "gemm_batched", par),
        ((3,), (5, 3, 2), "gemm_batched", par),
        ((5, 2, 3), (3,), "gemm_batched", par),
        ((2, config.BATCHED_MAX, 1), (1, 1), "gemm_batched", par),  # m*n*k == BATCHED_MAX
        ((2, config.BATCHED_MAX + 1, 1), (1, 1), "gemm_small", "tiles"),  # just past it: rule 4
        # 4. m*n*k < SMALL_GEMM -> gemm_small
        ((3, 3), (3, 3), "gemm_small", "tiles"),
        ((config.SMALL_GEMM - 1, 1), (1, 1), "gemm_small", "tiles"),
        ((1, 5), (5, 1), "gemm_small", "tiles"),
        # 5./6. large: parallel with threads > 1 and m*n*k >= PARALLEL_GEMM, else packed
        ((config.SMALL_GEMM, 1), (1, 1), "gemm", "packed"),
        ((config.PARALLEL_GEMM - 1, 1), (1, 1), "gemm", "packed"),
        ((config.PARALLEL_GEMM, 1), (1, 1), "gemm", big),
        ((400, 400), (400, 400), "gemm", big),
        ((3, 400, 400), (400, 400), "gemm", big),  # a stack of large matrices
    ]
    assert config.BATCHED_MAX + 1 < config.SMALL_GEMM <= config.PARALLEL_GEMM - 1  # the table assumes it
    return cases


@pytest.mark.parametrize("nthreads", [1, pytest.param(2, marks=TWO_THREADS)])
def test_auto_policy(nthreads, restore_threads):
    with threads(nthreads):
        for a_shape, b_shape, op, variant in policy_cases(nthreads):
            plan = jitla.matmul_plan(fake(a_shape), fake(b_shape))
            assert (plan.op, plan.kernel) == (op, variant), (a_shape, b_shape, plan)
            assert plan.reason and plan.reason != "requested"
            assert jitla.kernels.get_kernel(plan.op, plan.kernel)  # the plan names a registered kernel


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [
        ((7,), (7,)),
        ((3, 7), (7,)),
        ((7,), (7, 3)),
        ((4, 5), (5, 6)),
        ((2, 1, 3, 4), (5, 4, 2)),
        ((0, 3), (3, 2)),
    ],
    ids=str,
)
def test_plan_fields(a_shape, b_shape):
    plan = jitla.matmul_plan(np.ones(a_shape, np.float32), np.ones(b_shape, np.float32))
    assert plan.shape == np.matmul(np.ones(a_shape), np.ones(b_shape)).shape
    assert plan.dtype == np.float32
    a2 = (1, *a_shape) if len(a_shape) == 1 else a_shape
    b2 = (*b_shape, 1) if len(b_shape) == 1 else b_shape
    assert (plan.m, plan.k, plan.n) == (a2[-2], a2[-1], b2[-1])
    assert plan.batch == np.broadcast_shapes(a2[:-2], b2[:-2])


def test_matmul_uses_and_logs_the_plan(caplog, rng):
    a = random_matrix(rng, (10, 3, 3))
    with caplog.at_level(logging.DEBUG, logger="jitla.matmul"):
        jitla.matmul(a, a)
        jitla.matmul(a[0], a[1], kernel="blocked")
    plan = jitla.matmul_plan(a, a)
    messages = [r.getMessage() for r in caplog.records if r.name == "jitla.matmul"]
    assert len(messages) == 2
    assert f"{plan.op}/{plan.kernel}" in messages[0]
    assert "gemm/blocked" in messages[1] and "requested" in messages[1]


# --------------------------------------------------------------------------
# empty arrays, NaN and inf
# --------------------------------------------------------------------------
EMPTY_CASES = [
    ((0, 3), (3, 0)),
    ((0, 3), (3, 4)),
    ((3, 0), (0, 4)),
    ((0,), (0,)),
    ((3, 0), (0,)),
    ((0,), (0, 4)),
    ((0, 3, 3), (3, 3)),
    ((2, 3, 0), (2, 0, 4)),
    ((2, 0, 3), (1, 3, 0)),
]


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("a_shape, b_shape", EMPTY_CASES, ids=str)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_empty_arrays(dtype, a_shape, b_shape, kernel):
    a, b = np.ones(a_shape, dtype), np.ones(b_shape, dtype)
    expected = np.matmul(a, b)
    result = jitla.matmul(a, b, kernel=kernel)
    assert np.shape(result) == expected.shape
    assert np.asarray(result).dtype == dtype
    np.testing.assert_array_equal(result, expected)  # k == 0 gives zeros
    assert not np.any(result)


NAN_CASES = [
    ((5, 4), (4, 6)),
    ((40, 33), (33, 70)),
    ((5, 4), (4,)),
    ((4,), (4, 6)),
    ((40,), (40,)),
    ((3, 2, 2), (3, 2, 2)),
]


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("a_shape, b_shape", NAN_CASES, ids=str)
def test_nan_and_inf_propagate_like_numpy(a_shape, b_shape, kernel, rng):
    a = rng.uniform(0.5, 1.0, a_shape)  # positive: the infs cannot cancel or meet a zero
    b = rng.uniform(0.5, 1.0, b_shape)
    a.flat[1] = np.nan
    b.flat[-1] = np.inf
    expected = np.matmul(a, b)
    result = jitla.matmul(a, b, kernel=kernel)
    assert np.isnan(expected).any() or np.isinf(expected).any()
    np.testing.assert_array_equal(np.isnan(result), np.isnan(expected))
    np.testing.assert_array_equal(np.isposinf(result), np.isposinf(expected))
    finite = np.isfinite(expected)
    assert_product_close(np.asarray(result)[finite], np.asarray(expected)[finite], a, b, np.float64)


# --------------------------------------------------------------------------
# property: random broadcastable shapes and dtypes
# --------------------------------------------------------------------------
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    shapes=mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, min_side=0, max_side=9),
    dtype=st.sampled_from([np.float64, np.float32, np.int64]),
    kernel=st.sampled_from(KERNELS),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_matches_numpy(shapes, dtype, kernel, seed):
    a_shape, b_shape = shapes.input_shapes
    rng = np.random.default_rng(seed)
    if dtype == np.int64:
        a, b = rng.integers(-9, 10, a_shape), rng.integers(-9, 10, b_shape)
    else:
        a, b = random_matrix(rng, a_shape, dtype), random_matrix(rng, b_shape, dtype)
    a_copy, b_copy = a.copy(), b.copy()
    result = jitla.matmul(a, b, kernel=kernel)
    expected = np.matmul(a.astype(np.float64), b.astype(np.float64))
    assert np.shape(result) == shapes.result_shape == expected.shape
    result_dtype = np.float32 if dtype == np.float32 else np.float64
    assert np.asarray(result).dtype == result_dtype
    if dtype == np.int64:
        np.testing.assert_array_equal(result, expected)  # small integers: exact
    else:
        k = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
        scale = float(k) if expected.size else 1.0  # |entries| <= 1, so |a| @ |b| <= k
        np.testing.assert_allclose(
            result,
            expected,
            rtol=2 * (k + 3) * np.finfo(dtype).eps,
            atol=2 * (k + 3) * np.finfo(dtype).eps * scale,
        )
    np.testing.assert_array_equal(a, a_copy)
    np.testing.assert_array_equal(b, b_copy)


# --------------------------------------------------------------------------
# the API normalises layout once: kernels compile one signature per dtype
# --------------------------------------------------------------------------
def test_api_needs_no_compilation_after_warmup():
    # In a fresh process: warm up, then call the API with every layout,
    # read-only operands, broadcasting pattern and kernel name.  Nothing new
    # may compile (a read-only or non-C array reaching a kernel would make
    # Numba compile another specialisation, seconds each, and warmup would
    # not cover it).  Kernels may hold other signatures from warmup: the
    # factorisations call gemm_packed on views of their own arrays.
    code = """
        import numba
        import numpy as np, jitla
        from jitla.kernels import registry, variants
        from jitla._threads import threads
        matmul_ops = ["gemm", "gemm_batched", "gemv", "gemv_t", "dot"]
        jitla.warmup(ops=matmul_ops)
        before = {(k.op, k.variant): list(k.func.signatures) for k in registry() if k.op in matmul_ops}
        shapes = [((3, 4), (2, 4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)),
                  ((2, 1, 3, 4), (5, 4, 2)), ((4,), (3, 4, 2)), ((3, 2, 4), (4,)), ((1, 3, 4), (1, 4, 2)),
                  ((7, 5), (5, 3)), ((5,), (5, 3)), ((7, 5), (5,)), ((5,), (5,))]
        def layouts(shape, dtype):
            base = np.arange(np.prod(shape), dtype=dtype).reshape(shape) % 7
            ro = base.copy()
            ro.flags.writeable = False
            return [base, np.asfortranarray(base), ro, np.broadcast_to(base, shape)]
        for n in (1, 2):
            with threads(min(n, numba.config.NUMBA_NUM_THREADS)):  # serial and parallel "auto" choices
                for dtype in ("float64", "float32", "int64"):
                    for a_shape, b_shape in shapes:
                        for a, b in zip(layouts(a_shape, dtype), layouts(b_shape, dtype)):
                            for kernel in ["auto", *variants("gemm")]:
                                jitla.matmul(a, b, kernel=kernel)
        after = {(k.op, k.variant): list(k.func.signatures) for k in registry() if k.op in matmul_ops}
        new = {key: sigs[len(before[key]):] for key, sigs in after.items() if sigs != before[key]}
        assert not new, f"compiled after warmup: {new}"
        print("ok")
    """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_fast_path_agrees_with_the_planned_path(dtype, rng, monkeypatch):
    # matmul's fast path probes the compiled small kernels by dtype: the first small
    # product of a dtype takes the planned path (which compiles the kernel), later ones
    # the fast path; both give the same bits, for any layout, and the fast path follows
    # config.SMALL_GEMM read at call time (devlog 080)
    a = np.asfortranarray(random_matrix(rng, (9, 5), dtype))
    b = random_matrix(rng, (5, 42), dtype)[:, ::2]  # strided columns
    first = jitla.matmul(a, b)
    second = jitla.matmul(a, b)
    assert_matches(second, a, b, np.dtype(dtype))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(second, jitla.matmul(np.ascontiguousarray(a), np.ascontiguousarray(b)))
    # a dtype equal to the kernel's but another object (metadata) takes the same kernel
    tagged = np.dtype(dtype, metadata={"unit": "m"})
    np.testing.assert_array_equal(jitla.matmul(a.view(tagged), b.view(tagged)), second)
    monkeypatch.setattr(config, "SMALL_GEMM", 1)  # every product is "large": gemm packed
    assert jitla.matmul_plan(a, b).op == "gemm"
    assert_matches(jitla.matmul(a, b), a, b, np.dtype(dtype))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_small_products_in_every_layout_and_into_out(dtype, rng):
    # the fast path's kernel takes C-ordered operands and hands the others to the
    # any-layout gemm_small (devlog 098): edge sizes around a main strip, the widened last
    # strip (n = 100), C / F / strided operands, out=; numpy and naive agree, bit for bit
    # across layouts, and the operands are not modified
    dt = np.dtype(dtype)
    for n in (1, 2, 7, 10, 99, 100, 101):
        a = random_matrix(rng, (n, n), dtype)
        b = random_matrix(rng, (n, n), dtype)
        a0, b0 = a.copy(), b.copy()
        c = jitla.matmul(a, b)
        assert c.dtype == dt and c.flags.c_contiguous
        assert_product_close(c, naive.matmul_2d(a, b), a, b, dt)
        assert_matches(c, a, b, dt)
        strided = (np.repeat(a, 2, axis=1)[:, ::2], np.repeat(b, 3, axis=0)[::3])
        for a1, b1 in [(np.asfortranarray(a), b), (a, np.asfortranarray(b)), strided]:
            np.testing.assert_array_equal(jitla.matmul(a1, b1), c)
        out = np.full((n, n), np.nan, dt)
        assert jitla.matmul(a, b, out=out) is out
        np.testing.assert_array_equal(out, c)
        np.testing.assert_array_equal(a, a0)
        np.testing.assert_array_equal(b, b0)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_packed_products_reuse_per_thread_packing_buffers(dtype, rng, restore_threads):
    """The API's packed and parallel products run on packing buffers kept per thread
    (devlog 082): bitwise the registered kernels' results, one buffer reused, one per thread."""
    import threading

    from jitla.kernels import get_kernel
    from jitla.linalg import _matmul
    from jitla.linalg._dispatch import kernel_extras

    A = random_matrix(rng, (61, 45), dtype)
    B = random_matrix(rng, (45, 70), dtype)
    for variant, nthreads in (("packed", 1), ("parallel", 2)):
        threads(nthreads)
        info = get_kernel("gemm", variant)
        C = np.zeros((61, 70), dtype)
        info.func(A, B, C, dtype(1), *kernel_extras(info, np.dtype(dtype)))
        np.testing.assert_array_equal(jitla.matmul(A, B, kernel=variant), C)
        assert_product_close(jitla.matmul(A, B, kernel=variant), naive.matmul_2d(A, B), A, B, dtype)
    buffers = dict(_matmul._PACKING.__dict__)
    assert {(np.dtype(dtype).char, False), (np.dtype(dtype).char, True)} <= set(buffers)
    threads(2)
    jitla.matmul(A, B, kernel="packed")
    jitla.matmul(A[:7], B, kernel="parallel")
    for key, buf in buffers.items():
        assert _matmul._PACKING.__dict__[key] is buf  # same or smaller product: no new buffer
    seen = []
    worker = threading.Thread(target=lambda: seen.append(dict(_matmul._PACKING.__dict__)))
    worker.start()
    worker.join()
    assert seen == [{}]  # another thread starts with none of this thread's buffers
