"""Power, inverse and Rayleigh-quotient iteration: convergence, rates, errors."""

from __future__ import annotations

import numpy as np
import pytest

import jitla.linalg as jl


@pytest.fixture
def symmetric(rng):
    Q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    w = np.array([10.0, 5.0, 3.0, 2.0, 1.0, 0.5, -0.25, 0.1])
    return (Q * w) @ Q.T, w, Q


def aligned(x, y):
    return abs(float(x @ y)) / (np.linalg.norm(x) * np.linalg.norm(y))


def test_power_iteration_finds_the_dominant_pair(symmetric):
    A, w, Q = symmetric
    result = jl.power_iteration(A)
    assert result.eigenvalue == pytest.approx(10.0, rel=1e-13)
    assert aligned(result.eigenvector, Q[:, 0]) == pytest.approx(1.0, abs=1e-12)
    assert result.residual <= 1e-12
    assert np.linalg.norm(result.eigenvector) == pytest.approx(1.0)
    assert np.abs(result.eigenvector).argmax() == np.argmax(result.eigenvector)  # sign convention
    # linear convergence with ratio |lambda_2 / lambda_1| = 0.5: the error of the
    # Rayleigh quotient (which for symmetric A shrinks like ratio^2) falls ~4x a step
    errors = np.abs(result.history[:14] - 10.0)
    rates = errors[1:] / errors[:-1]
    assert np.all((rates[4:] > 0.2) & (rates[4:] < 0.3))  # after the other components die out
    assert len(result.history) == result.iterations


def test_power_iteration_fails_loudly_on_a_rotation():
    # eigenvalues +-i: no dominant real eigenvalue, the iteration cycles
    with pytest.raises(np.linalg.LinAlgError, match="did not converge in 50 iterations"):
        jl.power_iteration(np.array([[0.0, 1.0], [-1.0, 0.0]]), maxiter=50)


def test_inverse_iteration_targets_the_nearest_eigenvalue(symmetric):
    A, w, Q = symmetric
    for shift, target in ((2.9, 3.0), (0.2, 0.1), (-0.3, -0.25)):
        result = jl.inverse_iteration(A, shift)
        assert result.eigenvalue == pytest.approx(target, rel=1e-12)
        k = int(np.argmin(np.abs(w - target)))
        assert aligned(result.eigenvector, Q[:, k]) == pytest.approx(1.0, abs=1e-10)
    # an exact eigenvalue as shift: singular factorisation handled, one step suffices
    D = np.diag([1.0, 2.0, 3.0])
    result = jl.inverse_iteration(D, 2.0, x0=[1.0, 1.0, 1.0])
    assert result.eigenvalue == pytest.approx(2.0)
    assert result.iterations <= 2


def test_rayleigh_quotient_iteration_converges_cubically(symmetric):
    A, w, Q = symmetric
    x0 = Q[:, 2] + 0.05 * Q[:, 1] + 0.05 * Q[:, 3]
    result = jl.rayleigh_quotient_iteration(A, x0)
    assert result.eigenvalue == pytest.approx(3.0, rel=1e-14)
    errors = np.abs(result.history - 3.0)
    assert result.iterations <= 4
    # cubic: each error is at most ~ the cube of the previous (relative to the gap)
    assert errors[1] <= 10 * errors[0] ** 3 + 1e-15


def test_matches_numpy_eigh_on_random_symmetric(rng):
    B = rng.standard_normal((12, 12))
    A = B + B.T
    w = np.linalg.eigvalsh(A)
    dominant = w[np.argmax(np.abs(w))]
    assert jl.power_iteration(A, maxiter=100_000).eigenvalue == pytest.approx(dominant, rel=1e-10)
    assert jl.inverse_iteration(A, w[3] + 1e-3).eigenvalue == pytest.approx(w[3], rel=1e-12)


def test_errors_and_inputs(symmetric):
    A, _, _ = symmetric
    before = A.copy()
    jl.power_iteration(A)
    jl.inverse_iteration(A, 1.4)
    np.testing.assert_array_equal(A, before)
    with pytest.raises(np.linalg.LinAlgError, match="Last 2 dimensions of the array must be square"):
        jl.power_iteration(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="Array must not contain infs or NaNs"):
        jl.power_iteration(np.array([[np.nan, 0.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="zero vector"):
        jl.power_iteration(A, x0=np.zeros(8))
    with pytest.raises(ValueError, match="x0 must have 8 entries"):
        jl.rayleigh_quotient_iteration(A, x0=np.ones(3))
    with pytest.raises(TypeError, match="complex"):
        jl.power_iteration(np.eye(2, dtype=complex))
