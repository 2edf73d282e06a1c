"""expm, logm, sqrtm, funm against scipy.linalg, mpmath and identities."""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg as sl

import jitla.linalg as jl


def _rel(X, Y):
    return np.abs(X - Y).max() / np.abs(Y).max()


# --------------------------------------------------------------------------
# expm
# --------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [1e-4, 0.1, 1.0, 5.0, 50.0])
def test_expm_matches_scipy_for_every_pade_degree(rng, scale):
    # the scales reach m = 3, 5, 7, 9 and 13 with scaling
    A = rng.standard_normal((6, 6)) * scale / 6
    np.testing.assert_allclose(jl.expm(A), sl.expm(A), rtol=1e-12 * max(1, scale), atol=0)


@pytest.mark.parametrize(
    "A",
    [
        np.array([[-49.0, 24.0], [-64.0, 31.0]]),  # Moler & Van Loan's: cancellation in the Taylor series
        np.array([[1.0, 1e6], [0.0, 1.0]]),  # non-normal: over-scaling would lose digits (Al-Mohy & Higham)
        np.array([[0.0, 1e-8, 0.0], [-2e10 - 2e8 / 3, -3.0, 2e10], [200.0 / 3, 0.0, -200.0 / 3]]),
    ],
    ids=["moler-van-loan", "non-normal", "dieci-papini"],
)
def test_expm_hard_cases_against_mpmath(A):
    E = jl.expm(A)
    np.testing.assert_allclose(E, naive.expm_mp(A), rtol=1e-12, atol=1e-12 * np.abs(E).max())


def test_expm_agrees_with_the_naive_taylor_series(rng):
    A = rng.standard_normal((5, 5))
    np.testing.assert_allclose(jl.expm(A), naive.expm_taylor(A), rtol=1e-12, atol=0)


def test_expm_shapes_dtypes_and_errors(rng):
    A = rng.standard_normal((3, 4, 4)) / 2
    E = jl.expm(A)
    for i in range(3):
        np.testing.assert_allclose(E[i], sl.expm(A[i]), rtol=1e-13)
    assert jl.expm(A.astype(np.float32)).dtype == np.float32
    np.testing.assert_array_equal(jl.expm(np.zeros((3, 3))), np.eye(3))
    np.testing.assert_allclose(jl.expm(2.0), [[np.exp(2.0)]])
    assert jl.expm(np.empty((0, 0))).shape == (0, 0)
    with pytest.raises(np.linalg.LinAlgError, match="at least two-dimensional"):
        jl.expm(np.ones(3))
    with pytest.raises(np.linalg.LinAlgError, match="Last 2 dimensions of the array must be square"):
        jl.expm(np.ones((2, 3)))


# --------------------------------------------------------------------------
# sqrtm
# --------------------------------------------------------------------------
def test_sqrtm_real_matrix_with_complex_eigenvalues_is_real(rng):
    A = rng.standard_normal((8, 8)) + 4 * np.eye(8)
    before = A.copy()
    X = jl.sqrtm(A)
    np.testing.assert_array_equal(A, before)
    assert X.dtype == np.float64
    np.testing.assert_allclose(X, sl.sqrtm(A), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(X @ X, A, rtol=0, atol=1e-12)


def test_sqrtm_negative_eigenvalue_gives_the_complex_principal_root(rng):
    A = np.diag([-4.0, 1.0, 9.0]) + np.triu(rng.standard_normal((3, 3)), 1)
    X = jl.sqrtm(A)
    assert np.iscomplexobj(X)
    np.testing.assert_allclose(X, sl.sqrtm(A), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(X @ X, A, rtol=0, atol=1e-13)


def test_sqrtm_near_singular_against_mpmath():
    # a Jordan-like block close to singular: the root has a huge off-diagonal entry
    A = np.array([[1e-8, 1.0], [0.0, 4e-8]])
    np.testing.assert_allclose(jl.sqrtm(A), naive.sqrtm_mp(A), rtol=1e-10)


def test_sqrtm_singular_warns():
    with pytest.warns(sl.LinAlgWarning, match="Matrix is singular"):
        jl.sqrtm(np.array([[0.0, 1.0], [0.0, 1.0]]))


# --------------------------------------------------------------------------
# logm
# --------------------------------------------------------------------------
def test_logm_matches_scipy_and_inverts_expm(rng):
    A = rng.standard_normal((7, 7)) + 5 * np.eye(7)
    L = jl.logm(A)
    assert L.dtype == np.float64
    np.testing.assert_allclose(L, sl.logm(A), rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(jl.expm(L), A, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "A",
    [
        np.array([[1.0, 1.0], [0.0, 1.0 + 1e-10]]),  # close eigenvalues: the atanh form of the superdiagonal
        np.array([[1e-3, 1e3], [0.0, 5.0]]),  # widely spread eigenvalues, non-normal
        np.array([[0.0, -1.0], [1.0, 0.0]]) * 2.0,  # complex pair on the imaginary axis
    ],
    ids=["close", "spread", "rotation"],
)
def test_logm_hard_cases_against_mpmath(A):
    np.testing.assert_allclose(jl.logm(A), naive.logm_mp(A), rtol=1e-12, atol=1e-13)


def test_logm_of_a_negative_eigenvalue_is_complex_and_disp_false_returns_the_estimate(rng):
    A = np.diag([-2.0, 3.0]) + np.array([[0.0, 1.0], [0.0, 0.0]])
    L, err = jl.logm(A, disp=False)
    assert np.iscomplexobj(L)
    np.testing.assert_allclose(L, sl.logm(A), rtol=1e-13, atol=1e-14)
    assert 0 <= err < 1e-13


def test_logm_singular_warns_and_errors():
    with pytest.warns(RuntimeWarning, match="exactly singular"):
        jl.logm(np.array([[0.0, 1.0], [0.0, 1.0]]), disp=False)
    with pytest.raises(ValueError, match="expected a square matrix"):
        jl.logm(np.ones((2, 3)))


# --------------------------------------------------------------------------
# funm
# --------------------------------------------------------------------------
def test_funm_matches_scipy_and_expm(rng):
    A = rng.standard_normal((6, 6))
    np.testing.assert_allclose(jl.funm(A, np.sin), sl.funm(A, np.sin), rtol=1e-11, atol=1e-12)
    F, err = jl.funm(A, np.exp, disp=False)
    np.testing.assert_allclose(F, jl.expm(A), rtol=1e-11, atol=1e-12)
    F2, err2 = sl.funm(A, np.exp, disp=False)
    assert err == pytest.approx(err2, rel=1e-6)


def test_funm_repeated_eigenvalue_is_reported_inaccurate():
    # Parlett's recurrence divides by eigenvalue gaps; a Jordan block defeats it (scipy: err = 1)
    J = np.array([[2.0, 1.0], [0.0, 2.0]])
    with pytest.warns(RuntimeWarning, match="funm result may be inaccurate"):
        jl.funm(J, np.exp)
    _, err = jl.funm(J, np.exp, disp=False)
    assert err == sl.funm(J, np.exp, disp=False)[1] == 1.0


def test_result_dtypes_follow_scipy():
    A = np.array([[4.0, 1.0], [0.0, 2.0]], dtype=np.float32)
    assert jl.sqrtm(A).dtype == sl.sqrtm(A).dtype == np.float32
    assert jl.logm(A).dtype == np.float64  # scipy computes and returns double here
    assert jl.funm(A, np.exp).dtype == sl.funm(A, np.exp).dtype == np.float32
    # a scalar: the square root (scipy 1.17 returns exp(a) for this case, a copy-paste slip)
    np.testing.assert_allclose(jl.sqrtm(4.0), [[2.0]])
    np.testing.assert_allclose(jl.sqrtm(np.array([[4.0]])), sl.sqrtm(np.array([[4.0]])))


def test_schur_based_functions_of_a_complex_matrix_match_scipy(rng):
    n = 6
    A = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n)) + 3 * np.eye(n)
    A0 = A.copy()
    X = jl.sqrtm(A)
    assert X.dtype == np.complex128
    np.testing.assert_allclose(X @ X, A, rtol=0, atol=1e-12 * np.abs(A).max())
    np.testing.assert_allclose(X, sl.sqrtm(A), rtol=0, atol=1e-11)
    L = jl.logm(A)
    assert L.dtype == np.complex128
    np.testing.assert_allclose(L, sl.logm(A), rtol=0, atol=1e-11)
    np.testing.assert_allclose(sl.expm(L), A, rtol=0, atol=1e-11 * np.abs(A).max())
    F = jl.funm(A, np.cos)
    np.testing.assert_allclose(F, sl.funm(A, np.cos), rtol=0, atol=1e-10)
    np.testing.assert_array_equal(A, A0)


@pytest.mark.parametrize("scale", [0.1, 1.0, 30.0])
def test_expm_of_a_complex_matrix_matches_scipy_and_mpmath(rng, scale):
    n = 6
    A = scale * (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))) / n
    A0 = A.copy()
    E = jl.expm(A)
    assert E.dtype == np.complex128
    ref = naive.expm_mp(A) if scale <= 1 else sl.expm(A)
    np.testing.assert_allclose(E, ref, rtol=1e-11 * max(1.0, scale), atol=1e-13 * np.abs(ref).max())
    np.testing.assert_array_equal(A, A0)
    assert jl.expm(A.astype(np.complex64)).dtype == np.complex64
    # a stack, and exp of a Hermitian's i-multiple is unitary
    H = A + A.conj().T
    U = jl.expm(np.stack([1j * H, -1j * H]))
    np.testing.assert_allclose(U[0] @ U[1], np.eye(n), rtol=0, atol=1e-12 * max(1.0, scale))
