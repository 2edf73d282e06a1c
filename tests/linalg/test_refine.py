"""Extra-precise iterative refinement against mpmath (50+ digits).

Digits of a coefficient = ``-log10(|x_i - x_i*| / |x_i*|)`` against the
mpmath least-squares solution x* of the same float64 data (tests/naive.py
``lstsq_mp``, Householder QR in mpmath).  Each test asserts that plain
Householder QR *loses* digits on the problem (so the problem is a real test)
and that the refined solution has at least 13 correct digits in *every*
coefficient.  (Measured: 16-17, i.e. correctly rounded; devlog 004.)
"""

from __future__ import annotations

import naive
import numpy as np
import pytest

from jitla.linalg._lstsq import _lstsq_core, lstsq
from jitla.linalg._refine import MAX_ITER

FULL = 13.0  # digits every refined coefficient must reach


def _lstsq(a, b, rcond, method, refine):
    """lstsq returning ``(x, residuals, rank, RefineInfo or None)``."""
    x, residuals, rank, _, info = _lstsq_core(a, b, rcond, method, refine, True)
    return x, residuals, rank, info


def digits(x, ref) -> np.ndarray:
    """Correct decimal digits per entry (capped at 17 for exact agreement)."""
    x = np.asarray(x, dtype=np.float64)
    err = np.abs(x - ref) / np.abs(ref)
    return -np.log10(np.maximum(err, 1e-17))


def vandermonde(t, degree=10):
    """Polynomial-fit design: columns 1, t, ..., t**degree."""
    return np.vander(np.asarray(t, dtype=np.float64), degree + 1, increasing=True)


def collinear_design(seed=0):
    """A Longley-like economic design (16 years, 7 columns, cond ~3e10).

    Columns: intercept, a price deflator, GNP, unemployment, armed forces,
    population, year, all trending together with a little noise (rounded
    like published data); the response is employment-like.
    """
    rng = np.random.default_rng(seed)
    year = np.arange(1947.0, 1963.0)
    t = year - 1947

    def noise(s):
        return s * rng.standard_normal(16)

    gnp = np.round(234289 * 1.055**t * (1 + noise(0.01)), 1)
    deflator = np.round(83 + 2.2 * t + noise(0.5), 1)
    population = np.round(107608 + 1450 * t + noise(50), 0)
    unemployed = np.round(2356 + 150 * t + noise(600), 0)
    armed = np.round(1590 + 100 * t + noise(400), 0)
    X = np.column_stack([np.ones(16), deflator, gnp, unemployed, armed, population, year])
    y = np.round(60323 + 0.03 * gnp + 0.2 * population - 0.5 * unemployed + noise(300), 0)
    return X, y


def test_collinear_design_is_collinear():
    X, _ = collinear_design()
    assert 1e9 < np.linalg.cond(X) < 1e12
    assert np.linalg.matrix_rank(X) == 7


def _check(A, b, *, plain_at_most, dps=60, rcond=None):
    ref, _ = naive.lstsq_mp(A, b, dps)
    plain = digits(lstsq(A, b, rcond=rcond)[0], ref)
    x, res, rank, info = _lstsq(A, b, rcond, "qr", True)
    refined = digits(x, ref)
    assert plain.min() <= plain_at_most, plain  # the problem does cost plain QR digits
    assert refined.min() >= FULL, refined
    assert info.converged.all() and 1 <= info.iterations <= 5
    assert rank == A.shape[1]
    return plain, refined


@pytest.mark.parametrize("rhs", ["smooth", "noisy"])
def test_degree_10_polynomial_fit_on_unit_interval(rng, rhs):
    t = np.linspace(0.0, 1.0, 30)
    A = vandermonde(t)  # cond ~2e7
    b = np.exp(t) if rhs == "smooth" else np.exp(t) + 0.5 * rng.standard_normal(30)
    # measured: plain QR 4.0 (smooth) / 9.3 (noisy) digits in the worst coefficient
    _check(A, b, plain_at_most=11.0)


def test_degree_10_polynomial_fit_in_raw_x():
    t = np.linspace(3.0, 9.0, 40)  # raw, uncentred x: cond ~1e15
    A = vandermonde(t)
    # s_min / s_max = 9e-16 is below numpy's default rcond (eps * 40): both numpy and jitla
    # would call A rank-deficient; a smaller rcond keeps the full-rank problem
    _check(A, np.cos(t), plain_at_most=9.0, dps=80, rcond=1e-17)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_collinear_economic_design(seed):
    X, y = collinear_design(seed)
    # measured: plain QR 10.8-12.1 digits in the worst coefficient
    _check(X, y, plain_at_most=12.5)


def test_large_residual_problem_improves_too(rng):
    """b far from range(A): the error of x has a cond**2 * eps * ||r|| term (Bjorck 1996, 1.4.6).

    Refining x alone would not touch it; the augmented system does.
    """
    A = naive.matrix_with_condition(40, 8, 1e7, seed=3)
    x_true = rng.standard_normal(8)
    Q, _ = np.linalg.qr(A, mode="complete")
    r_perp = Q[:, 8:] @ rng.standard_normal(32)  # orthogonal to range(A)
    b = A @ x_true + 1e2 * r_perp / np.linalg.norm(r_perp)
    plain, refined = _check(A, b, plain_at_most=9.0)
    # the refined residual norm agrees with mpmath's
    ref, ref_mp = naive.lstsq_mp(A, b, 60)
    res = _lstsq(A, b, None, "qr", True)[1]
    import mpmath

    with mpmath.workdps(60):
        Am = mpmath.matrix(A.tolist())
        r = mpmath.matrix(b.tolist()) - Am * ref_mp
        ssq = float(sum(v**2 for v in r))
    np.testing.assert_allclose(res[0], ssq, rtol=1e-14)


def test_several_right_hand_sides_refined_per_column(rng):
    t = np.linspace(0.0, 1.0, 25)
    A = vandermonde(t, 9)
    B = np.column_stack([np.exp(t), np.sin(3 * t), t**9 + 0.1 * rng.standard_normal(25)])
    x, res, rank, info = _lstsq(A, B, None, "qr", True)
    assert x.shape == (10, 3) and res.shape == (3,)
    for j in range(3):
        ref, _ = naive.lstsq_mp(A, B[:, j], 60)
        assert digits(x[:, j], ref).min() >= FULL
    assert info.converged.all()


def test_float32_refined_to_float32_precision(rng):
    t = np.linspace(0.0, 1.0, 20)
    A = vandermonde(t, 4).astype(np.float32)  # cond ~3e3 (1e-4 of 1/eps in float32)
    b = np.exp(t).astype(np.float32)
    ref, _ = naive.lstsq_mp(A.astype(np.float64), b.astype(np.float64), 50)
    plain = lstsq(A, b)[0]
    x, res, rank, info = _lstsq(A, b, None, "qr", True)
    assert x.dtype == np.float32 and res.dtype == np.float32 and plain.dtype == np.float32
    # single precision is solved in double and rounded once, so the plain solve is already at
    # float32 precision (float32 kernels gave ~5 digits here), and refinement keeps it there
    assert digits(plain, ref).min() >= 6.5  # float32 eps = 1.2e-7
    assert digits(x, ref).min() >= 6.5
    assert info.converged.all()


def test_refinement_stops_when_corrections_stop_shrinking(rng):
    # cond 1e17 > 1/eps: refinement cannot converge; it must stop, not loop or blow up
    A = naive.matrix_with_condition(30, 8, 1e17, seed=1)
    b = rng.standard_normal(30)
    # rcond=1e-300: only (near) exact zeros count as deficient (rcond <= 0 means eps / 2, as numpy)
    x, _, _, info = _lstsq(A, b, 1e-300, "qr", True)
    assert info.iterations < MAX_ITER
    assert not info.converged.all()
    assert np.isfinite(x).all()
    # the iteration never applied a correction larger than the previous one
    applied = [d[0] for d in info.dx_rels[: info.iterations]]
    assert all(b < a for a, b in zip(applied, applied[1:], strict=False))


def test_refine_keeps_inputs_and_agrees_on_easy_problems(rng):
    A = rng.standard_normal((50, 6))
    b = rng.standard_normal(50)
    A0, b0 = A.copy(), b.copy()
    x, res, rank, s = lstsq(A, b, refine=True)
    xn, resn, _, _ = np.linalg.lstsq(A, b)
    np.testing.assert_allclose(x, xn, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(res, resn, rtol=1e-12)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(b, b0)


def test_pivoted_refines_the_basic_solution_of_collinear_data(rng):
    """Rank-deficient data: the basic solution is the LS solution on the chosen columns; refined
    to full precision against mpmath on exactly those columns."""
    X, y = collinear_design(1)
    X = np.column_stack([X, X[:, 1] + X[:, 6]])  # an exactly dependent 8th column
    x, res, rank, info = _lstsq(X, y, None, "pivoted", True)
    assert rank == 7 and res.shape == (0,)
    used = np.flatnonzero(x)
    assert used.size == 7
    ref, _ = naive.lstsq_mp(X[:, used], y, 60)
    assert digits(x[used], ref).min() >= FULL
    assert info.converged.all()


# --------------------------------------------------------------------------
# solve(..., refine=True): LU with double-double residuals
# --------------------------------------------------------------------------
def hilbert(n):
    """The Hilbert matrix 1 / (i + j + 1) rounded to float64 (cond ~ e^(3.5 n))."""
    return np.array([[1.0 / (i + j + 1) for j in range(n)] for i in range(n)])


def _mp_solve(A, b, dps=60):
    import mpmath

    with mpmath.workdps(dps):
        x = mpmath.lu_solve(mpmath.matrix(A.tolist()), mpmath.matrix(b.tolist()))
        return np.array([float(v) for v in x])


@pytest.mark.parametrize(("n", "plain_at_most"), [(6, 11.0), (8, 10.0), (10, 6.0)])
def test_solve_refined_hilbert(n, plain_at_most):
    from jitla.linalg import solve

    A = hilbert(n)
    b = np.ones(n)
    A0, b0 = A.copy(), b.copy()
    ref = _mp_solve(A, b)
    # measured: plain LU 9.3 / 8.2 / 4.4 digits at n = 6 / 8 / 10 (cond 1.5e7 / 1.5e10 / 1.6e13)
    assert digits(solve(A, b), ref).min() <= plain_at_most
    assert digits(solve(A, b, refine=True), ref).min() >= FULL
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(b, b0)


def test_solve_refined_stacks_and_matrix_rhs(rng):
    from jitla.linalg import solve

    A = np.stack([hilbert(7), hilbert(7) + np.eye(7), rng.standard_normal((7, 7))])
    B = rng.standard_normal((3, 7, 2))
    X = solve(A, B, refine=True)
    assert X.shape == (3, 7, 2)
    for i in range(3):
        for j in range(2):
            assert digits(X[i, :, j], _mp_solve(A[i], B[i, :, j])).min() >= FULL
    x1 = solve(A, B[0, :, 0], refine=True)  # 1-D b broadcast against the stack
    assert x1.shape == (3, 7)
    for i in range(3):
        assert digits(x1[i], _mp_solve(A[i], B[0, :, 0])).min() >= FULL


def test_solve_refined_float32():
    from jitla.linalg import solve

    A = hilbert(4).astype(np.float32)  # cond 1.5e4: float32 LU keeps ~3 digits
    b = np.ones(4, np.float32)
    ref = _mp_solve(A.astype(np.float64), b.astype(np.float64))
    plain, refined = solve(A, b), solve(A, b, refine=True)
    assert refined.dtype == np.float32
    assert digits(plain, ref).min() < 5.5
    assert digits(refined, ref).min() >= 6.5


def test_solve_refined_singular_and_easy():
    from jitla.linalg import LinAlgError, solve

    with pytest.raises(LinAlgError, match="^Singular matrix$"):
        solve(np.array([[1.0, 2.0], [2.0, 4.0]]), np.ones(2), refine=True)
    A = np.array([[4.0, 1.0], [2.0, 3.0]])
    np.testing.assert_allclose(solve(A, [1.0, 2.0], refine=True), np.linalg.solve(A, [1.0, 2.0]), rtol=1e-15)
    assert solve(np.zeros((0, 0)), np.zeros(0), refine=True).shape == (0,)


# --------------------------------------------------------------------------
# why not the normal equations: they square the condition number
# --------------------------------------------------------------------------
@pytest.mark.parametrize("degree", [4, 6, 8])
def test_normal_equations_lose_twice_the_digits(degree):
    t = np.linspace(0.0, 1.0, 30)
    A = vandermonde(t, degree)
    b = np.exp(t)
    ref, _ = naive.lstsq_mp(A, b, 60)
    qr = digits(lstsq(A, b)[0], ref).min()
    normal = digits(lstsq(A, b, method="normal")[0], ref).min()
    lost_qr = 16 - qr
    lost_normal = 16 - normal
    # measured (worst coefficient): QR 12.4 / 9.8 / 6.9, normal 10.2 / 6.2 / 2.4 digits at degree 4 / 6 / 8
    assert lost_normal >= 1.4 * lost_qr
    assert normal <= qr - 2


def test_tall_skinny_refinement_uses_tsqr_and_reaches_full_precision():
    """m >> n: TSQR with the thin Q formed, corrections by two GEMVs (thin_q_correction)."""
    from jitla import config
    from jitla.linalg._policy import lstsq_plan

    m = config.TSQR_MIN_SIZE // 11 + 11
    t = np.linspace(0.0, 1.0, m)
    A = vandermonde(t, 8)  # cond ~7e5
    B = np.column_stack([np.exp(t) + 0.01 * np.sin(40 * t), np.cos(2 * t)])
    assert lstsq_plan(m, 9, 2).op == "tsqr"
    x, res, rank, info = _lstsq(A, B, None, "qr", True)
    assert info.converged.all() and rank == 9 and res.shape == (2,)
    for j in range(2):
        ref, _ = naive.lstsq_mp(A, B[:, j], 40)
        assert digits(lstsq(A, B[:, j])[0], ref).min() <= 11.5  # measured 10.0 for column 0
        assert digits(x[:, j], ref).min() >= FULL
