"""Condition estimation (kernel ``gecon``) and the ill-conditioning warning of ``solve``/``inv``.

Oracles: numpy.linalg.cond(A, 1) (the true 1-norm condition number, from the
explicit inverse) and LAPACK's own estimator, scipy.linalg.lapack.dgecon /
sgecon, which runs the same algorithm on the same factors.
"""

from __future__ import annotations

import warnings

import naive
import numpy as np
import pytest
import scipy.linalg
from helpers import FLOAT_DTYPES, eps
from scipy.linalg import lapack

from jitla import linalg as jl
from jitla.kernels import get_kernel
from jitla.kernels._layout import transpose_small
from jitla.kernels.condest import (
    SOLVE_BLOCK,
    _solve_lu_t,
    gecon_transposed,
    solve_lu_columns,
    solve_lu_rows,
)

GECON = get_kernel("gecon", "hager_higham").func
#: scipy.linalg.solve's wording up to scipy 1.15 (still that of its ``_solve_check``)
ILL_CONDITIONED = r"^Ill-conditioned matrix \(rcond=.*\): result may not be accurate\.$"


def with_condition(rng, n, c, dtype=np.float64):
    """U diag(s) V^T with singular values from 1 down to 1/c (2-norm condition c)."""
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (U @ np.diag(np.geomspace(1, 1 / c, n)) @ V.T).astype(dtype)


def test_with_condition_generator(rng):
    A = with_condition(rng, 6, 1e5)
    np.testing.assert_allclose(np.linalg.cond(A), 1e5, rtol=1e-8)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("n", [1, 2, 5, 17, 60])
def test_gecon_bounds_the_true_rcond_and_matches_lapack(rng, dtype, n):
    conds = (10.0, 1e4) if dtype == np.float32 else (10.0, 1e4, 1e10)
    ref_gecon = lapack.sgecon if dtype == np.float32 else lapack.dgecon
    for c in conds:
        A = with_condition(rng, n, c, dtype)
        A0 = A.copy()
        LU, _ = scipy.linalg.lu_factor(A)
        LU0 = LU.copy()
        rcond = GECON(A, LU)
        true = 1 / np.linalg.cond(A.astype(np.float64), 1)
        # ||A^-1||_1 is estimated from below, so rcond from above; rarely off by more than 3
        assert true * (1 - 1e3 * c * eps(dtype)) <= rcond <= 3 * true
        ref = ref_gecon(LU, np.abs(A).sum(axis=0).max())[0]
        np.testing.assert_allclose(rcond, ref, rtol=1e3 * eps(dtype))
        np.testing.assert_array_equal(A, A0)
        np.testing.assert_array_equal(LU, LU0)


def test_gecon_edge_cases():
    assert GECON(np.zeros((0, 0)), np.zeros((0, 0))) == 1.0
    assert GECON(np.zeros((3, 3)), np.zeros((3, 3))) == 0.0
    D = np.diag([4.0, -2.0, 0.5])
    assert GECON(D, D) == pytest.approx(0.5 / 4.0, rel=1e-15)  # diagonal: exact
    singular = np.array([[1.0, 2.0], [0.5, 0.0]])  # a zero pivot in the factors
    assert GECON(np.array([[2.0, 4.0], [1.0, 2.0]]), singular) == 0.0
    nan = np.array([[1.0, np.nan], [0.0, 1.0]])
    assert np.isnan(GECON(nan, nan))
    huge = np.array([[1.0, 1e300], [0.0, 1e-300]])  # ||A^-1||_1 overflows: rcond 0, not NaN
    assert GECON(huge, huge) == 0.0


def _exactly_singular(rng):
    u = rng.random((3, 1))
    B = rng.random((4, 4))
    B[:, 3] = B[:, 0] + B[:, 1]
    return [u @ u.T, B]


def test_solve_and_inv_warn_on_singular_matrices_rounding_hides(rng):
    """numpy raises only when a pivot rounds to exactly 0; otherwise 1e17-sized garbage came back silently."""
    for A in _exactly_singular(rng):
        for func, args in ((jl.solve, (A, np.ones(A.shape[0]))), (jl.inv, (A,))):
            try:
                with pytest.warns(scipy.linalg.LinAlgWarning, match=ILL_CONDITIONED):
                    func(*args)
            except np.linalg.LinAlgError as e:  # an exactly zero pivot, as numpy
                assert str(e) == "Singular matrix"


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_solve_warning_threshold_is_eps_of_the_dtype(dtype):
    e = eps(dtype)
    b = np.ones(2, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jl.solve(np.diag([1.0, 2 * e]).astype(dtype), b)  # rcond 2 eps: no warning, as scipy
    with pytest.warns(scipy.linalg.LinAlgWarning, match="Ill-conditioned"):
        jl.solve(np.diag([1.0, e / 2]).astype(dtype), b)
    with pytest.warns(scipy.linalg.LinAlgWarning, match="(?i)ill-conditioned"):
        scipy.linalg.solve(np.diag([1.0, e / 2]).astype(dtype), b)  # the same test in scipy
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scipy.linalg.solve(np.diag([1.0, 2 * e]).astype(dtype), b)


# block edges, and last blocks of 1, 6 (four rows at once, then two) and 3 rows
@pytest.mark.parametrize(
    "n", [1, 2, SOLVE_BLOCK - 1, SOLVE_BLOCK, SOLVE_BLOCK + 1, SOLVE_BLOCK + 6, 3 * SOLVE_BLOCK + 3]
)
def test_blocked_lu_substitution_across_block_edges(rng, n):
    """solve_lu_rows (the dot-form substitution of gecon and of lu_solve with one vector, in
    blocks of SOLVE_BLOCK rows, four rows at a time) against scipy's triangular solves, for
    orders on both sides of a block edge, and lu_solve through it against scipy.linalg.lu_solve."""
    A = rng.standard_normal((n, n)) + n * np.eye(n)
    lu, piv = scipy.linalg.lu_factor(A)
    LU = np.ascontiguousarray(lu)
    b = rng.standard_normal(n)
    L = np.tril(LU, -1) + np.eye(n)
    U = np.triu(LU)
    expected = scipy.linalg.solve_triangular(
        U, scipy.linalg.solve_triangular(L, b, lower=True, unit_diagonal=True)
    )
    x = b.copy()
    solve_lu_rows(LU, x)
    np.testing.assert_allclose(
        x, expected, rtol=1e3 * eps(np.float64), atol=1e3 * eps(np.float64) * np.abs(expected).max()
    )
    np.testing.assert_allclose(
        jl.lu_solve(jl.lu_factor(A), b), scipy.linalg.lu_solve((lu, piv), b), rtol=1e3 * eps(np.float64)
    )


# orders around the four-column passes: none, 1, 3 columns left over, several passes
@pytest.mark.parametrize("n", [1, 3, 4, 9, 14])
def test_column_substitutions_on_transposed_factors(rng, n):
    """solve_lu_columns (A^-1 x on LU^T, four columns per axpy) and _solve_lu_t (A^-T x on LU)
    against tests/naive.py's substitutions and scipy's triangular solves; transpose_small
    against numpy's transpose; the estimate through the transposed factors against LAPACK's
    dgecon."""
    A = rng.standard_normal((n, n)) + n * np.eye(n)
    LU = np.ascontiguousarray(scipy.linalg.lu_factor(A)[0])
    L = np.tril(LU, -1) + np.eye(n)
    U = np.triu(LU)
    b = rng.standard_normal(n)
    tol = dict(rtol=1e3 * eps(np.float64), atol=1e3 * eps(np.float64) * np.abs(b).max() * n)
    LUT = np.full((n, n), np.nan)
    transpose_small(LU, LUT)
    np.testing.assert_array_equal(LUT, LU.T)
    rect = rng.standard_normal((n + 2, n))  # rows not a multiple of four, not square
    rect_t = np.empty((n, n + 2))
    transpose_small(rect, rect_t)
    np.testing.assert_array_equal(rect_t, rect.T)

    x = b.copy()
    solve_lu_columns(LUT, x)
    expected = naive.solve_triangular(U, naive.solve_triangular(L, b, lower=True, unit=True), lower=False)
    np.testing.assert_allclose(x, expected, **tol)
    oracle = scipy.linalg.solve_triangular(
        U, scipy.linalg.solve_triangular(L, b, lower=True, unit_diagonal=True)
    )
    np.testing.assert_allclose(x, oracle, **tol)

    y = b.copy()
    _solve_lu_t(LU, y)
    expected_t = naive.solve_triangular(
        L.T, naive.solve_triangular(U.T, b, lower=True), lower=False, unit=True
    )
    np.testing.assert_allclose(y, expected_t, **tol)

    rcond_t = gecon_transposed(A, LU, LUT)
    ref = lapack.dgecon(LU, np.abs(A).sum(axis=0).max())[0]
    np.testing.assert_allclose(rcond_t, ref, rtol=1e3 * eps(np.float64))


@pytest.mark.parametrize("n", [1, 2, 7, 30])
def test_gecon_loop_is_hagers_estimate(rng, n):
    """The estimator loop of gecon_transposed (dlacn2's steps folded into one loop) against
    tests/naive.py's one-loop Hager/Higham estimate of ||A^-1||_1 on numpy's inverse, and the
    true 1-norm, which it bounds from below; exact for n = 1 and for an inverse with
    nonnegative entries (the first step finds its largest column)."""
    C = rng.uniform(0.5, 1.0, (n, n)) + n * np.eye(n)  # C = A^-1, entries > 0
    for A in (rng.standard_normal((n, n)) + n * np.eye(n), np.linalg.inv(C)):
        LU = np.ascontiguousarray(scipy.linalg.lu_factor(A)[0])
        anorm = np.abs(A).sum(axis=0).max()
        est = 1 / (gecon_transposed(A, LU, np.ascontiguousarray(LU.T)) * anorm)
        B = np.linalg.inv(A)
        np.testing.assert_allclose(est, naive.norm1_estimate(B), rtol=1e3 * n * eps(np.float64))
        true = np.linalg.norm(B, 1)
        assert true / 3 <= est <= true * (1 + 1e3 * n * eps(np.float64))
    np.testing.assert_allclose(est, np.linalg.norm(C, 1), rtol=1e3 * n * eps(np.float64))


@pytest.mark.parametrize("n", [5, 70])
def test_gecon_on_the_factors_in_place_is_the_transposed_copys_estimate(rng, n):
    """gecon runs its A^-1 products on the view LU.T (no n x n copy): the same estimate, bit for
    bit, as on a transposed copy (the one-call solves' path), and LAPACK's dgecon's to rounding;
    the column substitutions give the same bits on the view and on the copy."""
    for c in (10.0, 1e9):
        A = with_condition(rng, n, c)
        LU = np.ascontiguousarray(scipy.linalg.lu_factor(A)[0])
        LU0 = LU.copy()
        LUT = np.ascontiguousarray(LU.T)
        rcond = GECON(A, LU)
        assert rcond == gecon_transposed(A, LU, LUT)
        np.testing.assert_array_equal(LU, LU0)
        ref = lapack.dgecon(LU, np.abs(A).sum(axis=0).max())[0]
        np.testing.assert_allclose(rcond, ref, rtol=1e3 * eps(np.float64))
        b = rng.standard_normal(n)
        x_view, x_copy = b.copy(), b.copy()
        solve_lu_columns(LU.T, x_view)
        solve_lu_columns(LUT, x_copy)
        np.testing.assert_array_equal(x_view, x_copy)
