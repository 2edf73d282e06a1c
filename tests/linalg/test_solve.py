"""numpy.linalg-compatible solve, inv, det, slogdet on the LU kernels.

Values against numpy (LAPACK gesv/getrf) and, for small cases, against
tests/naive.py (``lu_naive`` + substitution); errors compared word for word
with numpy's.  The batched small-system kernel is tested on its own and
through ``solve`` (stacks of 2..8 and one larger size that takes the
general path).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import naive
import numpy as np
import pytest
from helpers import FLOAT_DTYPES, eps

from jitla import linalg as jl
from jitla.kernels import get_kernel
from jitla.kernels.lu import lu_solve_batched_order


def well_conditioned(rng, shape, dtype=np.float64):
    n = shape[-1]
    return (rng.uniform(-1, 1, shape) + 2 * np.sqrt(n) * np.eye(n)).astype(dtype)


def numpy_error(exc_type, func, *args) -> str:
    with pytest.raises(exc_type) as info:
        func(*args)
    return str(info.value)


def assert_same_error(exc_type, ours, theirs, *args):
    message = numpy_error(exc_type, theirs, *args)
    with pytest.raises(exc_type) as info:
        ours(*args)
    assert str(info.value) == message


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(
    "a_shape,b_shape",
    [
        ((1, 1), (1,)),
        ((5, 5), (5,)),
        ((5, 5), (5, 3)),
        ((3, 4, 4), (4,)),  # 1-D b: one vector for every matrix (numpy 2)
        ((3, 4, 4), (3, 4, 2)),
        ((2, 1, 7, 7), (3, 7, 1)),  # broadcast leading dimensions
        ((50, 3, 3), (50, 3, 1)),  # batched kernel
        ((20, 9, 9), (20, 9, 2)),  # > 8: general path per matrix
        ((150, 150), (150, 4)),  # blocked LU
    ],
)
def test_solve_matches_numpy(rng, dtype, a_shape, b_shape):
    A = well_conditioned(rng, a_shape, dtype)
    b = rng.uniform(-1, 1, b_shape).astype(dtype)
    A0, b0 = A.copy(), b.copy()
    x = jl.solve(A, b)
    ref = np.linalg.solve(A, b)
    assert x.shape == ref.shape and x.dtype == ref.dtype
    n = a_shape[-1]
    np.testing.assert_allclose(
        x, ref, rtol=0, atol=50 * n * eps(dtype) * max(1.0, np.abs(ref).max(initial=0.0))
    )
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(b, b0)


def test_solve_matches_naive(rng):
    A = well_conditioned(rng, (6, 6))
    b = rng.uniform(-1, 1, (6, 2))
    P, L, U = naive.lu(A)
    y = naive.solve_triangular(L, P.T @ b, lower=True, unit=True)
    x_ref = naive.solve_triangular(U, y, lower=False)
    np.testing.assert_allclose(jl.solve(A, b), x_ref, atol=1e-14)
    stack = np.stack([A, A.T, A + np.eye(6)])
    x = jl.solve(stack, b[:, 0])  # batched kernel
    for i in range(3):
        P, L, U = naive.lu(stack[i])
        y = naive.solve_triangular(L, P.T @ b[:, 0], lower=True, unit=True)
        np.testing.assert_allclose(x[i], naive.solve_triangular(U, y, lower=False), atol=1e-14)


@pytest.mark.parametrize("n, k", [(3, 1), (8, 1), (5, 3), (9, 1)])
def test_batched_kernel_each_path(rng, n, k):
    # k = 1 and n <= 8: the kernel of that order (unrolled lanes); otherwise the general loop
    A = rng.uniform(-1, 1, (33, n, n))  # no diagonal boost: pivoting matters
    B = rng.uniform(-1, 1, (33, n, k))
    ref = np.linalg.solve(A, B)
    general, general_parallel = (get_kernel("lu_solve_batched", v).func for v in ("serial", "parallel"))
    kernels = [(general, general_parallel)]
    if k == 1 and n <= 8:
        kernels.append((lu_solve_batched_order(n, False), lu_solve_batched_order(n, True)))
    for serial, parallel in kernels:
        X = B.copy()
        work = A.copy()
        info = np.zeros(33, np.int32)
        serial(work, X, info)
        assert not info.any()
        np.testing.assert_array_equal(work, A)  # A is read only
        np.testing.assert_allclose(X, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
        for i in (0, 32):
            P, L, U = naive.lu(A[i])
            y = naive.solve_triangular(L, P.T @ B[i], lower=True, unit=True)
            x = naive.solve_triangular(U, y, lower=False)
            np.testing.assert_allclose(X[i], x, rtol=1e-9, atol=1e-9 * np.abs(x).max())
        X2 = B.copy()
        parallel(A.copy(), X2, info, 2)
        np.testing.assert_allclose(X2, X, rtol=1e-12, atol=1e-13 * np.abs(X).max())


def test_batched_solve_compiles_only_the_order_it_is_called_with(rng):
    def compiled():
        return {m: len(lu_solve_batched_order(m, False).signatures) for m in range(1, 9)}

    before = compiled()
    A = rng.uniform(-1, 1, (9, 5, 5)) + 4 * np.eye(5)
    b = np.ones((9, 5, 1))
    np.testing.assert_allclose(jl.solve(A, b), np.linalg.solve(A, b), rtol=1e-13)
    after = compiled()
    assert after[5] >= 1  # the API called the kernel of order 5
    assert {m for m in before if after[m] != before[m]} <= {5}  # and compiled no other order


def test_singular_matrix(rng):
    A = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert_same_error(np.linalg.LinAlgError, jl.solve, np.linalg.solve, A, np.ones(2))
    assert_same_error(np.linalg.LinAlgError, jl.inv, np.linalg.inv, A)
    big = rng.uniform(-1, 1, (120, 120))
    big[:, 7] = 0.0  # a zero column: a zero pivot at step 8 whatever the interchanges
    assert_same_error(np.linalg.LinAlgError, jl.solve, np.linalg.solve, big, np.ones(120))
    stack = np.stack([np.eye(2), A] * 20)  # batched path
    assert_same_error(np.linalg.LinAlgError, jl.solve, np.linalg.solve, stack, np.ones((40, 2, 1)))
    assert jl.det(A) == 0.0 and np.linalg.det(A) == 0.0
    sign, logabsdet = jl.slogdet(A)
    assert sign == 0.0 and logabsdet == -np.inf


def test_shape_errors_match_numpy():
    cases = [
        (np.ones(3), np.ones(3)),
        (np.ones((3, 4)), np.ones(3)),
        (np.eye(3), np.ones(4)),
        (np.eye(3), np.ones((4, 2))),
        (np.ones((2, 3, 3)), np.ones((4, 3, 1))),
    ]
    for a, b in cases:
        exc = np.linalg.LinAlgError if a.ndim < 2 or a.shape[-1] != a.shape[-2] else ValueError
        assert_same_error(exc, jl.solve, np.linalg.solve, a, b)
    for func, ref in ((jl.inv, np.linalg.inv), (jl.det, np.linalg.det), (jl.slogdet, np.linalg.slogdet)):
        assert_same_error(np.linalg.LinAlgError, func, ref, np.ones(3))
        assert_same_error(np.linalg.LinAlgError, func, ref, np.ones((2, 3)))
    assert jl.solve(np.eye(2, dtype=complex), np.ones(2)).dtype == np.complex128
    with pytest.raises(TypeError, match="complex64 and complex128"):
        jl.solve(np.eye(2, dtype=np.clongdouble), np.ones(2))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (3, 5, 5), (130, 130), (0, 0), (2, 0, 0)])
def test_inv_det_slogdet_match_numpy(rng, dtype, shape):
    A = well_conditioned(rng, shape, dtype) if shape[-1] else np.zeros(shape, dtype)
    A0 = A.copy()
    n = max(shape[-1], 1)
    ainv = jl.inv(A)
    ref = np.linalg.inv(A)
    assert ainv.shape == ref.shape and ainv.dtype == ref.dtype
    np.testing.assert_allclose(ainv, ref, atol=50 * n * eps(dtype) * max(1.0, np.abs(ref).max(initial=0.0)))
    d, d_ref = jl.det(A), np.linalg.det(A)
    assert np.shape(d) == np.shape(d_ref) and np.asarray(d).dtype == np.asarray(d_ref).dtype
    np.testing.assert_allclose(d, d_ref, rtol=20 * n * eps(dtype))
    result, ref = jl.slogdet(A), np.linalg.slogdet(A)
    assert type(result) is type(ref)
    np.testing.assert_array_equal(result.sign, ref.sign)
    np.testing.assert_allclose(
        result.logabsdet, ref.logabsdet, rtol=20 * n * eps(dtype), atol=20 * n * eps(dtype)
    )
    np.testing.assert_array_equal(A, A0)


def test_slogdet_no_overflow_and_layouts(rng):
    A = 1e3 * np.eye(200)  # det = 1e600 overflows, its log does not
    A[0, 0] = -1e3
    result = jl.slogdet(A)
    assert result.sign == -1.0
    np.testing.assert_allclose(result.logabsdet, 200 * np.log(1e3))
    B = well_conditioned(rng, (8, 8))
    for view in (np.asfortranarray(B), B.T, np.repeat(B, 2, axis=1)[:, ::2]):
        np.testing.assert_allclose(jl.solve(view, np.ones(8)), np.linalg.solve(view, np.ones(8)), atol=1e-14)
    np.testing.assert_allclose(jl.solve([[2, 0], [0, 4]], [2, 4]), [1.0, 1.0])


NAN_MATRICES = [
    [[1.0, np.nan], [np.nan, 1.0]],
    [[1.0, np.nan], [2.0, 3.0]],
    [[np.nan, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]],
    [[-1.0, 0.0, 0.0], [0.0, np.nan, 0.0], [0.0, 0.0, 2.0]],
    np.full((3, 3), np.nan),
    [[1.0, np.inf], [np.inf, 1.0]],
]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_slogdet_det_nan_input_as_numpy(dtype):
    """A NaN pivot counts as positive in numpy's sign (+-1, logabsdet NaN), never a NaN sign."""
    for A in NAN_MATRICES:
        A = np.array(A, dtype=dtype)
        with np.errstate(invalid="ignore"):
            ref, ref_det = np.linalg.slogdet(A), np.linalg.det(A)
        result = jl.slogdet(A)
        assert result.sign.dtype == ref.sign.dtype
        np.testing.assert_array_equal(result.sign, ref.sign)
        np.testing.assert_array_equal(result.logabsdet, ref.logabsdet)
        np.testing.assert_array_equal(jl.det(A), ref_det)


def test_solve_with_a_vector_compiles_no_many_column_solve(tmp_path):
    # typing a branch compiles every kernel called on it, taken or not: a vector right-hand
    # side must not pay for the many-column triangular solves (fresh process, empty cache)
    code = textwrap.dedent(
        """
        import numpy as np
        from numba.core import event
        import jitla.linalg as jl

        names = []

        class Recorder(event.Listener):
            def on_start(self, ev):
                pass

            def on_end(self, ev):
                names.append(ev.data["dispatcher"].py_func.__name__)

        event.register("numba:compile", Recorder())
        rng = np.random.default_rng(0)
        A = rng.uniform(-1, 1, (20, 20)) + 10 * np.eye(20)
        b = rng.standard_normal(20)
        x = jl.solve(A, b)
        assert np.allclose(A @ x, b, rtol=1e-12, atol=1e-12)
        print(" ".join(names))
        """
    )
    root = str(Path(jl.__file__).resolve().parents[2])
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": root}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    names = done.stdout.split()
    # the vector is solved on the condition estimate's transposed factors (gesv._gecon_copy),
    # and the branch for a matrix right-hand side is pruned with everything under it
    assert "solve_lu_columns" in names
    assert "_solve_rhs_of" not in names
    assert "solve_lu_rows" not in names
    assert "lu_solve_factored" not in names
    assert "_trsm_kernel" not in names
