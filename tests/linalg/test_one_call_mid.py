"""One-call kernels at mid orders: solve / inv / det / slogdet / cholesky / cho_solve.

Around every threshold these paths introduce (``LU_UNBLOCKED_MAX``,
``CHOLESKY_UNBLOCKED_MAX``, the block sizes of :func:`jitla.config.cholesky_nb`
and lu_blocked's nb = 128), at odd orders, in float32, for singular and NaN
input, each result is compared with tests/naive.py (Python-float LU and
Cholesky, fsum substitutions) and with numpy / scipy, and the inputs are
checked to be untouched.  The general path (a stack of one, ``A[None]``) is
a third opinion where it takes a different kernel.
"""

from __future__ import annotations

import math

import naive
import numpy as np
import pytest
import scipy.linalg

import jitla.linalg as jl
from jitla import config
from jitla.linalg import _policy as policy

LU_EDGE = config.LU_UNBLOCKED_MAX
CHOL_EDGE = config.CHOLESKY_UNBLOCKED_MAX


def _matrix(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n)) + math.sqrt(n) * np.eye(n)


def _spd(n, seed=0):
    G = np.random.default_rng(seed).standard_normal((n, n))
    return G @ G.T + n * np.eye(n)


def _rtol(dtype, n):
    # LU / Cholesky backward error grows like n eps; these matrices have cond ~ 10
    return 40 * n * float(np.finfo(dtype).eps)


def _naive_solve(A, B):
    P, L, U = naive.lu(A)
    Y = naive.solve_triangular(L, P.T @ B, lower=True, unit=True)
    return naive.solve_triangular(U, Y, lower=False)


def _naive_det(A):
    P, _, U = naive.lu(A)
    return float(np.linalg.det(P)) * math.prod(np.diag(U))


def test_plans_around_the_thresholds():
    for op in ("gesv", "inv", "slogdet"):
        assert policy.lu_call_plan(op, LU_EDGE, 1)[:2] == (op, "unblocked")
        assert policy.lu_call_plan(op, LU_EDGE + 1, 1)[:2] == (op, "tiled")
        assert policy.lu_call_plan(op, 4096, 1)[:2] == (op, "blocked")
        assert policy.lu_call_plan(op, config.LU_PARALLEL_MIN - 1, 2)[:2] == (op, "tiled")
        assert policy.lu_call_plan(op, config.LU_PARALLEL_MIN, 2) is None  # general path: parallel LU
    assert policy.lu_plan(LU_EDGE + 1, LU_EDGE + 1, 1).variant == "tiled"
    sizes = [n for below, _ in config.CHOLESKY_NB_BY_ORDER for n in (below - 1, below)]
    nbs = [config.cholesky_nb(n) for n in sizes]
    assert nbs == [32, 64, 64, config.FACTOR_NB["cholesky_lower"]]


@pytest.mark.parametrize("n", [LU_EDGE, LU_EDGE + 1, 97, 129])
def test_solve_inv_det_slogdet_against_naive_numpy_and_general_path(n):
    A = _matrix(n, seed=n)
    A_before = A.copy()
    b = np.random.default_rng(1).standard_normal(n)
    B = np.random.default_rng(2).standard_normal((n, 3))
    b_before, B_before = b.copy(), B.copy()
    rtol = _rtol(np.float64, n)

    x = jl.solve(A, b)
    np.testing.assert_allclose(x, _naive_solve(A, b), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(x, jl.solve(A[None], b)[0], rtol=rtol, atol=rtol)
    X = jl.solve(A, B)
    np.testing.assert_allclose(X, _naive_solve(A, B), rtol=rtol, atol=rtol)

    Ainv = jl.inv(A)
    np.testing.assert_allclose(Ainv, _naive_solve(A, np.eye(n)), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(Ainv, np.linalg.inv(A), rtol=rtol, atol=rtol)

    d = jl.det(A)
    assert type(d) is np.float64
    np.testing.assert_allclose(d, _naive_det(A), rtol=rtol)
    np.testing.assert_allclose(d, np.linalg.det(A), rtol=rtol)
    sign, logdet = jl.slogdet(A)
    ref = np.linalg.slogdet(A)
    assert sign == ref.sign == math.copysign(1.0, _naive_det(A))
    np.testing.assert_allclose(logdet, ref.logabsdet, rtol=rtol)

    for before, after in ((A_before, A), (b_before, b), (B_before, B)):
        np.testing.assert_array_equal(after, before)


@pytest.mark.parametrize("n", [LU_EDGE + 1, 129])
def test_float32_and_layouts(n):
    A = _matrix(n, seed=3).astype(np.float32)
    b = np.linspace(-1, 1, n, dtype=np.float32)
    rtol = _rtol(np.float32, n)
    for A_l in (A, np.asfortranarray(A), A[::-1, ::-1][::-1, ::-1]):
        x = jl.solve(A_l, b)
        assert x.dtype == np.float32
        np.testing.assert_allclose(x, np.linalg.solve(A.astype(np.float64), b), rtol=rtol, atol=rtol)
        Ai = jl.inv(A_l)
        assert Ai.dtype == np.float32
        np.testing.assert_allclose(Ai, np.linalg.inv(A.astype(np.float64)), rtol=rtol, atol=rtol)
        scale = np.float32(math.sqrt(n))  # |det A| ~ n^(n/2) overflows float32 at these orders
        d = jl.det(A_l / scale)
        assert type(d) is np.float32
        # a product of n pivots, each with a relative error of order n eps: n^2 eps
        # (at n = 25 both LU kernels, tiled and unblocked, are 2.7e-4 off in float32)
        det_rtol = 4 * n * n * float(np.finfo(np.float32).eps)
        np.testing.assert_allclose(d, np.linalg.det(A.astype(np.float64) / scale), rtol=det_rtol)
        sign, logdet = jl.slogdet(A_l)
        ref = np.linalg.slogdet(A.astype(np.float64))
        assert type(logdet) is np.float32 and sign == ref.sign
        np.testing.assert_allclose(logdet, ref.logabsdet, rtol=rtol)


def test_singular_and_nan_at_blocked_orders():
    n = LU_EDGE + 1
    A = _matrix(n)
    A[:, 7] = 0.0  # an exactly zero pivot, in the blocked kernel
    for func, args in ((jl.solve, (A, np.ones(n))), (jl.inv, (A,))):
        with pytest.raises(np.linalg.LinAlgError, match="^Singular matrix$"):
            func(*args)
    assert jl.det(A) == np.linalg.det(A) == 0.0
    assert tuple(jl.slogdet(A)) == tuple(np.linalg.slogdet(A)) == (0.0, -np.inf)
    A = _matrix(n)
    A[3, 5] = np.nan
    assert np.isnan(jl.det(A)) and np.isnan(np.linalg.det(A))
    assert np.isnan(jl.slogdet(A).logabsdet)
    assert np.isnan(jl.solve(A, np.ones(n))).any()


def test_ill_conditioned_warning_from_the_blocked_kernel():
    from scipy.linalg import LinAlgWarning

    n = LU_EDGE + 3
    u = np.random.default_rng(4).standard_normal((n, 1))
    A = u @ u.T + 1e-15 * _matrix(n)  # rank one plus rounding-size noise
    with pytest.warns(LinAlgWarning, match="Ill-conditioned matrix"):
        jl.solve(A, np.ones(n))
    with pytest.warns(LinAlgWarning, match="Ill-conditioned matrix"):
        jl.inv(A)


@pytest.mark.parametrize("n", [CHOL_EDGE, CHOL_EDGE + 1, 255, 256])
def test_cholesky_around_the_thresholds(n):
    S = _spd(n, seed=n)
    S[np.triu_indices(n, 1)] = 7.0  # only the lower triangle may be read
    before = S.copy()
    L = jl.cholesky(S)
    rtol = _rtol(np.float64, n)
    ref = np.linalg.cholesky(S)
    np.testing.assert_allclose(L, ref, rtol=rtol, atol=rtol * math.sqrt(n))
    np.testing.assert_array_equal(S, before)
    assert not np.triu(L, 1).any()
    if n <= CHOL_EDGE + 1:
        np.testing.assert_allclose(L, naive.cholesky(S), rtol=rtol, atol=rtol * math.sqrt(n))
    U = jl.cholesky(np.tril(S) + np.tril(S, -1).T, upper=True)
    np.testing.assert_allclose(U, ref.T, rtol=rtol, atol=rtol * math.sqrt(n))
    c, lower = jl.cho_factor(S, lower=True)
    np.testing.assert_allclose(np.tril(c), ref, rtol=rtol, atol=rtol * math.sqrt(n))


def test_cholesky_float32_and_not_positive_definite_at_blocked_orders():
    n = CHOL_EDGE + 17
    S = _spd(n, seed=5)
    L = jl.cholesky(S.astype(np.float32))
    assert L.dtype == np.float32
    np.testing.assert_allclose(L, np.linalg.cholesky(S), rtol=_rtol(np.float32, n), atol=1e-3)
    S[n - 3, n - 3] = -1.0  # the last diagonal block fails
    with pytest.raises(np.linalg.LinAlgError, match="^Matrix is not positive definite$"):
        jl.cholesky(S)
    with pytest.raises(np.linalg.LinAlgError, match="^Matrix is not positive definite$"):
        np.linalg.cholesky(S)
    S = _spd(n, seed=5)
    S[n - 2, 4] = np.nan
    L = jl.cholesky(S)  # a NaN propagates, as with numpy's OpenBLAS dpotrf
    np.testing.assert_array_equal(np.isnan(L[: n - 2]), np.isnan(np.linalg.cholesky(S)[: n - 2]))
    assert np.isnan(L[n - 2 :]).any() and np.isnan(np.linalg.cholesky(S)[n - 2 :]).any()


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("n", [5, 70])
def test_cho_solve_one_call_against_scipy_and_naive(n, lower):
    S = _spd(n, seed=6)
    b = np.random.default_rng(7).standard_normal(n)
    B = np.random.default_rng(8).standard_normal((n, 4))
    rtol = _rtol(np.float64, n)
    c_scipy = scipy.linalg.cho_factor(S, lower=lower)  # F-ordered
    c_jitla = jl.cho_factor(S, lower=lower)  # C-ordered
    ro = c_jitla[0].copy()
    ro.flags.writeable = False
    want = _naive_solve(S, b)
    for c in (c_scipy, c_jitla, (ro, lower)):
        before = c[0].copy()
        x = jl.cho_solve(c, b)
        np.testing.assert_allclose(x, want, rtol=rtol, atol=rtol)
        np.testing.assert_allclose(x, scipy.linalg.cho_solve(c_scipy, b), rtol=rtol, atol=rtol)
        np.testing.assert_allclose(
            jl.cho_solve(c, B), scipy.linalg.cho_solve(c_scipy, B), rtol=rtol, atol=rtol
        )
        np.testing.assert_array_equal(c[0], before)
    x32 = jl.cho_solve((c_jitla[0].astype(np.float32), lower), b.astype(np.float32))
    assert x32.dtype == np.float32
    np.testing.assert_allclose(x32, want, rtol=_rtol(np.float32, n), atol=_rtol(np.float32, n))


def test_cho_solve_zero_diagonal_and_nonfinite_as_scipy():
    n = 6
    c, lower = jl.cho_factor(_spd(n), lower=True)
    c[2, 2] = 0.0  # LAPACK's potrs divides by it
    b = np.arange(1.0, n + 1)
    with np.errstate(all="ignore"):
        got = jl.cho_solve((c, lower), b)
        want = scipy.linalg.cho_solve((c, lower), b)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    c[2, 2] = np.inf
    with pytest.raises(ValueError, match="array must not contain infs or NaNs"):
        jl.cho_solve((c, lower), b)


@pytest.mark.parametrize("trans", [0, 1])
@pytest.mark.parametrize("n", [5, LU_EDGE + 1])
def test_lu_solve_one_call_against_scipy_and_naive(n, trans):
    A = _matrix(n, seed=9)
    b = np.random.default_rng(10).standard_normal(n)
    B = np.random.default_rng(11).standard_normal((n, 3))
    rtol = _rtol(np.float64, n)
    want = _naive_solve(A.T if trans else A, b)
    f_scipy = scipy.linalg.lu_factor(A)  # F-ordered factors, int32 pivots
    f_jitla = jl.lu_factor(A)
    ro = f_jitla[0].copy()
    ro.flags.writeable = False
    for lu_, piv in (f_scipy, f_jitla, (ro, f_jitla[1].astype(np.int64))):
        before = lu_.copy()
        x = jl.lu_solve((lu_, piv), b, trans=trans)
        np.testing.assert_allclose(x, want, rtol=rtol, atol=rtol)
        np.testing.assert_allclose(
            jl.lu_solve((lu_, piv), B, trans=trans),
            scipy.linalg.lu_solve(f_scipy, B, trans=trans),
            rtol=rtol,
            atol=rtol,
        )
        np.testing.assert_array_equal(lu_, before)
    x32 = jl.lu_solve((f_jitla[0].astype(np.float32), f_jitla[1]), b.astype(np.float32), trans=trans)
    assert x32.dtype == np.float32
    np.testing.assert_allclose(x32, want, rtol=_rtol(np.float32, n), atol=_rtol(np.float32, n))


def test_lu_solve_one_call_zero_pivot_and_bad_pivots_as_scipy():
    n = 6
    lu_, piv = jl.lu_factor(_matrix(n))
    lu_[3, 3] = 0.0
    b = np.arange(1.0, n + 1)
    for trans in (0, 1):
        with np.errstate(all="ignore"):
            got = jl.lu_solve((lu_, piv), b, trans=trans)
            want = scipy.linalg.lu_solve((lu_, piv), b, trans=trans)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    with pytest.raises(ValueError, match="piv must hold"):
        jl.lu_solve((lu_, piv + n), b)
    with pytest.raises(ValueError, match="array must not contain infs or NaNs"):
        jl.lu_solve((lu_, piv), np.full(n, np.nan))
