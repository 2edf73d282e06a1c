"""jitla.kernels.least_squares: the least-squares kernels (R of the design, the solves) and the design scan.

The kernels are checked through their checked wrapper
(:func:`jitla.linalg._checked.least_squares_qr`) against independent
references: tests/naive.py's textbook Householder QR (R up to row signs),
mpmath least squares (coefficients), numpy's inverse of the equilibrated
factor and plain residual sums.  Both routes to R (design_r; TSQR), then
the solves, are run, and each status: full rank, a collinear column, a
coefficient beyond float64's range, fewer rows than columns.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.kernels import get_kernel, registry
from jitla.linalg._checked import least_squares_qr, scan_design
from jitla.linalg._policy import least_squares_plan

EPS = np.finfo(np.float64).eps


def _problem(rng, m, p0, k=1):
    X = rng.standard_normal((m, p0))
    Y = X @ rng.standard_normal((p0, k)) + 0.5 + 0.1 * rng.standard_normal((m, k))
    return X, Y


def _augmented(X, Y, w, ones):
    parts = ([np.ones((X.shape[0], 1))] if ones else []) + [X, Y]
    A = np.hstack(parts)
    return A if w is None else A * w[:, np.newaxis]


@pytest.mark.parametrize("ones", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("k", [1, 2])
def test_full_rank_outputs_match_independent_references(rng, ones, weighted, k):
    m, p0 = 23, 3
    X, Y = _problem(rng, m, p0, k)
    w = rng.uniform(0.5, 2.0, m) if weighted else None
    X0, Y0 = X.copy(), Y.copy()
    status, R, B, Rinv, aux = least_squares_qr(X, Y, w, ones, 16 * m * EPS)
    assert status == 0
    assert_array_equal(X, X0)  # inputs read only
    assert_array_equal(Y, Y0)
    A = _augmented(X, Y, w, ones)
    p = p0 + ones
    n = p + k
    # R: the textbook factor up to the signs of its rows; diagonal >= 0; zeros below it
    _, R_ref = naive.qr(A)
    R_ref = R_ref[:n] * np.where(np.diag(R_ref[:n]) < 0, -1.0, 1.0)[:, np.newaxis]
    assert_allclose(R, R_ref, rtol=0, atol=50 * EPS * np.abs(A).max() * np.sqrt(m))
    assert (np.diag(R) >= 0).all() and (np.tril(R, -1) == 0).all()
    # coefficients: mpmath least squares on the weighted design
    for j in range(k):
        B_ref, _ = naive.lstsq_mp(A[:, :p], A[:, p + j])
        assert_allclose(B[:, j], B_ref, rtol=1e-12, atol=1e-13)
    # d: powers of two within a factor sqrt(2) of the column lengths of R11
    d = aux[:p]
    lengths = np.linalg.norm(A[:, :p], axis=0)
    assert_array_equal(np.frexp(d)[0], 0.5)
    assert (d / lengths <= np.sqrt(2) * (1 + 1e-12)).all() and (lengths / d <= np.sqrt(2) * (1 + 1e-12)).all()
    # Rinv = (R11 / d)^{-1}, upper triangular; aux holds its squared row norms
    R11s = R_ref[:p, :p] / d
    assert_allclose(Rinv @ R11s, np.eye(p), atol=1e-13)
    assert (np.tril(Rinv, -1) == 0).all()
    assert_allclose(aux[p : 2 * p], (Rinv**2).sum(axis=1), rtol=1e-14)
    # SSR per response: the weighted residuals' sum of squares
    E = A[:, p:] - A[:, :p] @ B
    assert_allclose(aux[2 * p :], (E**2).sum(axis=0), rtol=1e-10)


def test_tall_skinny_problem_takes_r_from_tsqr_and_agrees(rng):
    m, p0 = 20_000, 4
    assert least_squares_plan(m, p0 + 2, 1)[:2] == ("tsqr_design", "serial")
    assert least_squares_plan(m, p0 + 2, 2)[:2] == ("tsqr_design", "parallel")
    assert least_squares_plan(100, p0 + 2)[:2] == ("least_squares", "design_r")
    assert least_squares_plan(500, 100, 1)[:2] == ("qr", "blocked")
    X, Y = _problem(rng, m, p0)
    w = rng.uniform(0.5, 2.0, m)
    status, R, B, Rinv, aux = least_squares_qr(X, Y, w, True, 16 * m * EPS)
    assert status == 0
    A = _augmented(X, Y, w, True)
    B_ref = np.linalg.lstsq(A[:, :5], A[:, 5:], rcond=None)[0]
    assert_allclose(B, B_ref, rtol=1e-11)
    assert_allclose(R.T @ R, A.T @ A, rtol=1e-11, atol=1e-11 * np.abs(A.T @ A).max())
    assert_allclose(aux[10:], ((A[:, 5:] - A[:, :5] @ B) ** 2).sum(axis=0), rtol=1e-9)


def test_design_r_and_numpy_r_give_the_same_solves(rng):
    X, Y = _problem(rng, 40, 3, 2)
    status, R, B, Rinv, aux = least_squares_qr(X, Y, None, True, 1e-12)
    # solve_from_r on numpy's R (rows of either sign): the same answers to rounding
    R_np = np.ascontiguousarray(np.linalg.qr(_augmented(X, Y, None, True), mode="r"))
    B2, Rinv2, aux2 = np.empty_like(B), np.empty_like(Rinv), np.empty_like(aux)
    status2 = get_kernel("least_squares", "solve_from_r").func(
        R_np, X, Y, np.empty(0), 1, 1e-12, B2, Rinv2, aux2
    )
    assert status == status2 == 0
    assert_allclose(B2, B, rtol=1e-13)
    assert_allclose(np.abs(Rinv2), np.abs(Rinv), rtol=1e-13, atol=1e-16)  # row signs of R flip Rinv's columns
    assert_allclose(aux2, aux, rtol=1e-13)


def test_collinear_column_fails_the_rank_test_but_r_is_returned(rng):
    X, Y = _problem(rng, 30, 3)
    X[:, 2] = X[:, 0] - 2 * X[:, 1]
    status, R, *_ = least_squares_qr(X, Y, None, True, 16 * 30 * EPS)
    assert status == 1
    assert_allclose(R.T @ R, _augmented(X, Y, None, True).T @ _augmented(X, Y, None, True), atol=1e-10)
    assert abs(R[3, 3]) <= 1e-12 * np.linalg.norm(R[:, 3])


def test_zero_column_fails_the_rank_test(rng):
    X, Y = _problem(rng, 30, 3)
    X[:, 1] = 0.0
    assert least_squares_qr(X, Y, None, False, 1e-12)[0] == 1


def test_fewer_rows_than_columns_fails_the_rank_test_with_zero_rows(rng):
    X, Y = _problem(rng, 3, 4)
    status, R, *_ = least_squares_qr(X, Y, None, True, 1e-12)
    assert status == 1
    assert (R[3:] == 0).all()


def test_coefficient_beyond_float64_is_status_2(rng):
    X, Y = _problem(rng, 30, 3)
    X[:, 1] *= 1e-310  # its coefficient would be ~1e310
    status, R, *_ = least_squares_qr(X, Y, None, True, 16 * 30 * EPS)
    assert status == 2
    assert np.isfinite(R).all()


@pytest.mark.parametrize("scale", [2.0**-996, 2.0**900])
def test_extreme_column_scales_are_equilibrated(rng, scale):
    X, Y = _problem(rng, 30, 3)
    _, _, B, Rinv, aux = least_squares_qr(X, Y, None, True, 1e-12)
    Xs = X.copy()
    Xs[:, 1] *= scale  # a power of two: the equilibrated problem is the same one
    status, _, Bs, Rinvs, auxs = least_squares_qr(Xs, Y, None, True, 1e-12)
    assert status == 0
    assert_allclose(Bs[2] * scale, B[2], rtol=1e-14)
    assert_allclose(np.delete(Bs, 2, axis=0), np.delete(B, 2, axis=0), rtol=1e-14)
    # the inverse factor of the equilibrated design and its row norms do not see the scale
    assert_allclose(Rinvs, Rinv, rtol=1e-14, atol=1e-16)
    assert_allclose(auxs[4:], aux[4:], rtol=1e-14)
    assert_allclose(auxs[:4] / aux[:4], [1.0, 1.0, scale, 1.0], rtol=0)  # X[:, 1] is column 2 after the ones


def test_wrapper_converts_strided_and_integer_operands(rng):
    X, Y = _problem(rng, 30, 3)
    F = np.asfortranarray(X)
    got = least_squares_qr(F[:, :], Y[:, 0:1], None, True, 1e-12)
    want = least_squares_qr(X, Y, None, True, 1e-12)
    for a, b in zip(got[1:], want[1:], strict=True):
        assert_array_equal(a, b)
    Xi = np.arange(60).reshape(30, 2) % 7
    assert least_squares_qr(Xi, Y, None, True, 1e-12)[0] == 0
    with pytest.raises(ValueError, match="same number of rows"):
        least_squares_qr(X, Y[:-1], None, True, 1e-12)
    with pytest.raises(ValueError, match="sqrt_weights"):
        least_squares_qr(X, Y, np.ones(29), True, 1e-12)


# ---------------------------------------------------------------- scan_design
def test_scan_design_finds_the_first_constant_nonzero_column():
    A = np.array([[1.0, 0.0, 2.0, 3.0], [2.0, 0.0, 2.0, 3.0], [3.0, 0.0, 2.0, 3.0]])
    assert scan_design(A) == 2  # column 1 is constant but zero: not an intercept
    assert scan_design(A[:, :2].copy()) == -1
    assert scan_design(np.array([[-0.0, 5.0], [0.0, 5.0]])) == 1
    assert scan_design(np.empty((0, 3))) == -1
    assert scan_design(np.array([4.0, 4.0, 4.0])) == 0  # 1-D: one column


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", [(0, 0), (4, 2), (9, 1)])
def test_scan_design_reports_nan_and_inf_anywhere(rng, bad, where):
    A = rng.standard_normal((10, 3))
    A[:, 0] = 1.0
    A[where] = bad
    assert scan_design(A) == -2
    # finite values of any size, whose sum overflows, are finite
    assert scan_design(np.full((4, 2), 1e308)) == 0


def test_scan_design_rejects_what_its_kernel_cannot_read():
    with pytest.raises(ValueError, match="C-contiguous float64"):
        scan_design(np.ones((3, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="C-contiguous float64"):
        scan_design(np.asfortranarray(np.ones((3, 2))))


def test_registry_examples_run():
    ops = {k.op for k in registry()}
    assert {"least_squares", "scan_design"} <= ops
    for info in registry("least_squares"):
        assert info.func(*info.example(np.float64)) == 0  # R computed; full rank
    (scan,) = registry("scan_design")
    assert scan.func(*scan.example(np.float64)) == -1  # finite, no constant column
