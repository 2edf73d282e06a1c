"""schur, hessenberg, rsf2csf against scipy.linalg and invariants."""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg as sl

import jitla.linalg as jl


def _check_real_schur(A, T, Z, atol):
    n = A.shape[0]
    np.testing.assert_allclose(Z.T @ Z, np.eye(n), rtol=0, atol=atol)
    np.testing.assert_allclose(Z @ T @ Z.T, A, rtol=0, atol=atol * max(1.0, np.abs(A).max()))
    assert np.all(np.tril(T, -2) == 0)
    sub = np.flatnonzero(np.diagonal(T, -1))
    assert np.all(np.diff(sub) > 1)  # no two consecutive nonzero subdiagonal entries
    for k in sub:  # standardised 2 x 2 blocks: equal diagonal, complex pair
        assert T[k, k] == pytest.approx(T[k + 1, k + 1], rel=1e-12, abs=1e-15)
        assert T[k, k + 1] * T[k + 1, k] < 0


@pytest.mark.parametrize("n", [1, 2, 5, 13])
def test_schur_real_is_an_orthogonal_quasi_triangular_similarity(rng, n):
    A = rng.standard_normal((n, n))
    before = A.copy()
    T, Z = jl.schur(np.asfortranarray(A))
    np.testing.assert_array_equal(A, before)
    _check_real_schur(A, T, Z, 1e-13)
    wr = np.diagonal(T)
    np.testing.assert_allclose(np.sort(wr), np.sort(np.diagonal(sl.schur(A)[0])), rtol=1e-11, atol=1e-13)


def test_schur_eigenvalues_match_mpmath(rng):
    A = rng.standard_normal((6, 6))
    T, _ = jl.schur(A)
    w = np.linalg.eigvals(T)  # of 1 x 1 and 2 x 2 blocks only
    np.testing.assert_allclose(np.sort_complex(w), np.sort_complex(naive.eigvals_mp(A)), rtol=1e-12)


def test_schur_float32_stays_single_precision(rng):
    A = rng.standard_normal((7, 7)).astype(np.float32)
    T, Z = jl.schur(A)
    assert T.dtype == Z.dtype == np.float32
    np.testing.assert_allclose(Z @ T @ Z.T, A, rtol=0, atol=1e-5)


@pytest.mark.parametrize("sort", ["lhp", "rhp", "iuc", "ouc", "callable"])
def test_schur_sort_counts_and_gathers_as_scipy(rng, sort):
    A = rng.standard_normal((12, 12)) / 2
    key = (lambda x, y: x * x + y * y < 0.5) if sort == "callable" else sort
    T, Z, sdim = jl.schur(A, sort=key)
    T2, _, sdim2 = sl.schur(A, sort=key)
    assert sdim == sdim2
    _check_real_schur(A, T, Z, 1e-13)
    lead = np.sort_complex(np.linalg.eigvals(T[:sdim, :sdim]))
    lead2 = np.sort_complex(np.linalg.eigvals(T2[:sdim2, :sdim2]))
    np.testing.assert_allclose(lead, lead2, rtol=1e-10, atol=1e-12)


def test_schur_complex_output_is_a_unitary_triangularisation(rng):
    A = rng.standard_normal((9, 9))
    T, Z = jl.schur(A, output="complex")
    assert T.dtype == Z.dtype == np.complex128
    assert np.all(np.tril(T, -1) == 0)
    np.testing.assert_allclose(Z.conj().T @ Z, np.eye(9), rtol=0, atol=1e-14)
    np.testing.assert_allclose(Z @ T @ Z.conj().T, A, rtol=0, atol=1e-13)
    T, Z, sdim = jl.schur(A, output="complex", sort=lambda z: z.imag > 1e-12)
    assert sdim == np.sum(np.linalg.eigvals(A).imag > 1e-12)
    assert np.all(np.diagonal(T)[:sdim].imag > 0)
    np.testing.assert_allclose(Z @ T @ Z.conj().T, A, rtol=0, atol=1e-13)


def test_schur_empty_and_errors():
    T, Z = jl.schur(np.empty((0, 0)))
    assert T.shape == Z.shape == (0, 0)
    assert jl.schur(np.empty((0, 0)), sort="lhp")[2] == 0
    with pytest.raises(ValueError, match="argument must be 'real', or 'complex'"):
        jl.schur(np.eye(2), output="x")
    with pytest.raises(ValueError, match="expected square matrix"):
        jl.schur(np.ones((2, 3)))
    with pytest.raises(ValueError, match="array must not contain infs or NaNs"):
        jl.schur(np.array([[1.0, np.inf], [0, 1]]))
    with pytest.raises(ValueError, match="'sort' parameter must either be"):
        jl.schur(np.eye(2), sort="up")


def _complex_matrix(rng, n):
    return rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))


@pytest.mark.parametrize("dtype, tol", [(np.complex128, 1e-13), (np.complex64, 2e-5)])
def test_schur_of_a_complex_matrix_is_a_unitary_triangularisation(rng, dtype, tol):
    A = _complex_matrix(rng, 9).astype(dtype)
    A0 = A.copy()
    for output in ("real", "complex"):  # scipy: a complex matrix always gets the complex form
        T, Z = jl.schur(A, output=output)
        assert T.dtype == Z.dtype == dtype
        assert np.all(np.tril(T, -1) == 0)
        scale = np.abs(A).max() * 9
        np.testing.assert_allclose(Z.conj().T @ Z, np.eye(9), rtol=0, atol=tol * 9)
        np.testing.assert_allclose(Z @ T @ Z.conj().T, A, rtol=0, atol=tol * scale)
    np.testing.assert_array_equal(A, A0)
    # the eigenvalues against scipy's zgees
    w_ref = np.sort_complex(np.diagonal(sl.schur(A0.astype(np.complex128))[0]))
    np.testing.assert_allclose(np.sort_complex(np.diagonal(T)), w_ref, rtol=0, atol=tol * scale)


def test_schur_complex_sort_moves_the_selected_eigenvalues_first(rng):
    A = _complex_matrix(rng, 8)
    T, Z, sdim = jl.schur(A, sort="lhp")
    T2, Z2, sdim2 = sl.schur(A, sort="lhp")
    assert sdim == sdim2 == np.sum(np.linalg.eigvals(A).real < 0)
    assert np.all(np.diagonal(T)[:sdim].real < 0) and np.all(np.diagonal(T)[sdim:].real >= 0)
    np.testing.assert_allclose(Z @ T @ Z.conj().T, A, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        np.sort_complex(np.diagonal(T)[:sdim]), np.sort_complex(np.diagonal(T2)[:sdim2]), rtol=1e-10
    )


def test_hessenberg_of_a_complex_matrix_matches_scipy(rng):
    A = _complex_matrix(rng, 7)
    H, Q = jl.hessenberg(A, calc_q=True)
    H2, Q2 = sl.hessenberg(A, calc_q=True)
    assert H.dtype == Q.dtype == np.complex128
    assert np.all(np.tril(H, -2) == 0)
    np.testing.assert_allclose(Q @ H @ Q.conj().T, A, rtol=0, atol=1e-13)
    np.testing.assert_allclose(Q.conj().T @ Q, np.eye(7), rtol=0, atol=1e-14)
    # LAPACK's reflectors (zgehd2), so H equals scipy's (zgehrd) to rounding
    np.testing.assert_allclose(H, H2, rtol=0, atol=1e-12)


def test_hessenberg_matches_scipy(rng):
    A = rng.standard_normal((8, 8))
    H, Q = jl.hessenberg(A, calc_q=True)
    H2, Q2 = sl.hessenberg(A, calc_q=True)
    np.testing.assert_allclose(H, H2, rtol=0, atol=1e-13)
    np.testing.assert_allclose(Q, Q2, rtol=0, atol=1e-13)
    assert np.all(np.tril(H, -2) == 0)
    np.testing.assert_allclose(jl.hessenberg(A), H, rtol=0, atol=0)
    small = np.array([[1.0, 2.0], [3.0, 4.0]])
    H, Q = jl.hessenberg(small, calc_q=True)
    np.testing.assert_array_equal(H, small)
    np.testing.assert_array_equal(Q, np.eye(2))
    with pytest.raises(ValueError, match="expected square matrix"):
        jl.hessenberg(np.ones((3, 2)))


def test_rsf2csf_matches_scipy(rng):
    A = rng.standard_normal((7, 7))
    T, Z = sl.schur(A)
    Tc, Zc = jl.rsf2csf(T, Z)
    Tc2, Zc2 = sl.rsf2csf(T, Z)
    np.testing.assert_allclose(Tc, Tc2, rtol=0, atol=1e-13)
    np.testing.assert_allclose(Zc, Zc2, rtol=0, atol=1e-13)
    with pytest.raises(ValueError, match="Input 'Z' must be square."):
        jl.rsf2csf(T, np.ones((7, 6)))
    with pytest.raises(ValueError, match="Input 'T' must be square."):
        jl.rsf2csf(np.ones((7, 6)), Z)
    with pytest.raises(ValueError, match="Input array shapes must match"):
        jl.rsf2csf(T, np.eye(6))
