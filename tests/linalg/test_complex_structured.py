"""Complex input for ldl, solve(assume_a=...), eigh(a, b), gram / subspaces, pivoted QR, Jacobi SVD.

Oracles: scipy.linalg (ldl, solve, eigh(a, b), qr with pivoting), numpy (svd)
and mpmath (a graded matrix's singular values), plus each factorisation's
defining identity.  Matrices are small (n <= 12): the kernels are plain loops,
what is checked is the complex arithmetic, the conjugations and the dtypes.
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import scipy.linalg as sl

import jitla.linalg as jl

EPS = {np.complex64: float(np.finfo(np.float32).eps), np.complex128: float(np.finfo(np.float64).eps)}


def _cplx(rng, *shape, dtype=np.complex128):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def _structured(rng, n, hermitian, small_diagonal=False, dtype=np.complex128):
    A = _cplx(rng, n, n)
    A = A + A.conj().T if hermitian else A + A.T
    if small_diagonal:  # forces 2 x 2 pivots
        A[np.diag_indices(n)] *= 1e-3
    return A.astype(dtype)


# --------------------------------------------------------------------------
# ldl: zhetrf / zsytrf
# --------------------------------------------------------------------------
@pytest.mark.parametrize("hermitian", [True, False])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize(("n", "small_diagonal"), [(1, False), (7, False), (9, True)])
def test_ldl_complex_equals_scipy(rng, hermitian, lower, n, small_diagonal):
    A = _structured(rng, n, hermitian, small_diagonal)
    A0 = A.copy()
    lu, d, perm = jl.ldl(A, lower=lower, hermitian=hermitian)
    lu2, d2, perm2 = sl.ldl(A, lower=lower, hermitian=hermitian)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(perm, perm2)
    np.testing.assert_allclose(lu, lu2, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(d, d2, rtol=1e-13, atol=1e-14)
    assert lu.dtype == d.dtype == lu2.dtype
    # the defining identity, and the triangular factor after the permutation
    rebuilt = lu @ d @ (lu.conj().T if hermitian else lu.T)
    np.testing.assert_allclose(rebuilt, A, rtol=0, atol=50 * EPS[np.complex128] * np.abs(A).max())
    tri = np.tril if lower else np.triu
    np.testing.assert_array_equal(lu[perm], tri(lu[perm]))
    if hermitian:
        np.testing.assert_array_equal(d, d.conj().T)
        assert not np.diag(d).imag.any()
    else:
        np.testing.assert_array_equal(d, d.T)


def test_ldl_complex_with_ties_reproduces_lapacks_pivots():
    # Gaussian integers: equal cabs1 = |Re| + |Im| in the pivot search, broken as izamax breaks them
    A = np.array([[0, 1 + 2j, 2 + 1j, -3j], [0, 0, 3, 1 - 2j], [0, 0, 0, 2 - 1j], [0, 0, 0, 1]])
    for M, herm in ((A + A.conj().T, True), (A + A.T, False)):
        for lower in (True, False):
            lu, d, perm = jl.ldl(M, lower=lower, hermitian=herm)
            lu2, d2, perm2 = sl.ldl(M, lower=lower, hermitian=herm)
            np.testing.assert_array_equal(perm, perm2)
            np.testing.assert_allclose(lu, lu2, rtol=1e-14, atol=1e-15)
            np.testing.assert_allclose(d, d2, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("hermitian", [True, False])
def test_ldl_complex64_keeps_its_precision(rng, hermitian):
    A = _structured(rng, 6, hermitian, dtype=np.complex64)
    lu, d, perm = jl.ldl(A, hermitian=hermitian)
    lu2, d2, _ = sl.ldl(A, hermitian=hermitian)
    assert (lu.dtype, d.dtype) == (lu2.dtype, d2.dtype) == (np.complex64, np.complex64)
    rebuilt = lu @ d @ (lu.conj().T if hermitian else lu.T)
    np.testing.assert_allclose(rebuilt, A, rtol=0, atol=50 * EPS[np.complex64] * np.abs(A).max())


def test_ldl_complex_errors_and_warning_as_scipy():
    with pytest.raises(ValueError, match='The input array "a" should be square.'):
        jl.ldl(np.ones((2, 3), dtype=complex))
    with pytest.raises(ValueError, match="array must not contain infs or NaNs"):
        jl.ldl(np.array([[1, np.nan], [np.nan, 1]], dtype=complex))
    A = np.array([[2 + 1j, 1j], [-1j, 3]])  # a Hermitian pair off the diagonal, an imaginary diagonal entry
    with pytest.warns(np.exceptions.ComplexWarning, match="imaginary parts of the diagonal"):
        lu, d, _ = jl.ldl(A)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, d2, _ = sl.ldl(A)
    np.testing.assert_allclose(d, d2, rtol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jl.ldl(A, hermitian=False)  # complex symmetric: the diagonal is data, no warning
    lu, d, perm = jl.ldl(np.empty((0, 0), dtype=np.complex64))
    assert lu.shape == d.shape == (0, 0) and perm.shape == (0,)


# --------------------------------------------------------------------------
# solve(assume_a=...): zsysv, zhesv, zposv
# --------------------------------------------------------------------------
@pytest.mark.parametrize("assume_a", ["sym", "her", "pos"])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_solve_assume_a_complex_matches_scipy(rng, assume_a, lower, dtype):
    n = 8
    if assume_a == "pos":
        X = _cplx(rng, n, n)
        A = (X @ X.conj().T + n * np.eye(n)).astype(dtype)
    else:
        A = _structured(rng, n, assume_a == "her", small_diagonal=True, dtype=dtype)
    # the other triangle is garbage: only the named one may be read
    A_in = A.copy()
    junk = np.triu_indices(n, 1) if lower else np.tril_indices(n, -1)
    A_in[junk] = 1e3 + 7j
    b = _cplx(rng, n, 2, dtype=dtype)
    A0, b0 = A_in.copy(), b.copy()
    x = jl.solve(A_in, b, assume_a=assume_a, lower=lower)
    x2 = sl.solve(A_in, b, assume_a=assume_a, lower=lower)
    np.testing.assert_array_equal(A_in, A0)
    np.testing.assert_array_equal(b, b0)
    assert x.dtype == x2.dtype == dtype
    scale = np.linalg.cond(A.astype(np.complex128)) * EPS[dtype] * 10
    np.testing.assert_allclose(x, x2, rtol=0, atol=scale * np.abs(x2).max())
    np.testing.assert_allclose(A @ x, b, rtol=0, atol=scale * np.abs(A).max() * np.abs(x).max())


def test_solve_assume_a_mixed_real_and_complex_and_singular(rng):
    A = _structured(rng, 5, False).real.copy()
    b = _cplx(rng, 5)
    for assume_a in ("sym", "her"):
        x = jl.solve(A, b, assume_a=assume_a)
        np.testing.assert_allclose(x, sl.solve(A, b, assume_a=assume_a), rtol=1e-12)
        assert x.dtype == np.complex128 and x.shape == (5,)
    S = np.array([[1j, 1j], [1j, 1j]])  # complex symmetric and singular
    with pytest.raises(
        np.linalg.LinAlgError, match=r"A singular matrix detected: slice\(s\) \[0\] are singular."
    ):
        jl.solve(S, np.ones(2), assume_a="sym")
    H = np.array([[1, 1j], [-1j, 1]])  # Hermitian and singular
    with pytest.raises(np.linalg.LinAlgError, match=r"A singular matrix detected"):
        jl.solve(H, np.ones(2), assume_a="her")
    with pytest.raises(np.linalg.LinAlgError, match=r"A singular matrix detected"):
        jl.solve(-np.eye(2, dtype=complex), np.ones(2), assume_a="pos")


# --------------------------------------------------------------------------
# eigh(a, b): zhegv
# --------------------------------------------------------------------------
@pytest.mark.parametrize("type", [1, 2, 3])
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_eigh_generalized_complex(rng, type, dtype):
    n = 6
    a = _structured(rng, n, True, dtype=dtype)
    X = _cplx(rng, n, n)
    b = (X @ X.conj().T + n * np.eye(n)).astype(dtype)
    for lower in (True, False):
        w, v = jl.eigh(a, b, type=type, lower=lower)
        w2, v2 = sl.eigh(a, b, type=type, lower=lower)
        assert (w.dtype, v.dtype) == (w2.dtype, v2.dtype)
        tol = 200 * EPS[dtype] * np.abs(w2).max()
        np.testing.assert_allclose(w, w2, rtol=0, atol=tol)
        a64, b64, v64 = (M.astype(np.complex128) for M in (a, b, v))
        if type == 1:
            lhs, rhs = a64 @ v64, b64 @ v64 * w
        elif type == 2:
            lhs, rhs = a64 @ b64 @ v64, v64 * w
        else:
            lhs, rhs = b64 @ a64 @ v64, v64 * w
        np.testing.assert_allclose(lhs, rhs, rtol=0, atol=tol * np.abs(b64).max() * np.abs(v64).max())
        metric = np.linalg.inv(b64) if type == 3 else b64
        np.testing.assert_allclose(v64.conj().T @ metric @ v64, np.eye(n), rtol=0, atol=100 * EPS[dtype])
    wo = jl.eigh(a, b, type=type, eigvals_only=True)
    assert wo.dtype == w.dtype
    np.testing.assert_allclose(wo, w, rtol=0, atol=tol)


def test_eigh_generalized_complex_reduction_blocks(rng):
    # the block-column reductions of eigh(a, b) against whole products, with blocks of 8 so
    # that n = 21 has full blocks and a remainder (the API's blocks are 32 and 64)
    from jitla.linalg._eigh_generalized import _congruence_upper_triangle, _lower_times, _solve_upper_triangle

    n = 21
    X = _cplx(rng, n, n)
    L = np.linalg.cholesky(X @ X.conj().T + n * np.eye(n))
    S = _cplx(rng, n, n)
    S = S + S.conj().T
    tol = 100 * n * EPS[np.complex128]
    C = _congruence_upper_triangle(S, L, nb=8)
    ref = L.conj().T @ S @ L
    np.testing.assert_allclose(C, np.triu(ref), rtol=0, atol=tol * np.abs(ref).max())
    Z = _cplx(rng, n, n)
    R = Z.copy()
    np.testing.assert_allclose(_lower_times(L, Z, nb=8), L @ Z, rtol=0, atol=tol * np.abs(L @ Z).max())
    _solve_upper_triangle(np.ascontiguousarray(L), R, nb=8)
    ref = sl.solve_triangular(L, Z, lower=True)
    np.testing.assert_allclose(np.triu(R), np.triu(ref), rtol=0, atol=tol * np.abs(ref).max())


def test_eigh_generalized_complex_errors():
    b = np.array([[1, 2j], [-2j, 1]])  # Hermitian, indefinite
    with pytest.raises(np.linalg.LinAlgError, match="leading minor of order 2 of B is not positive definite"):
        jl.eigh(np.eye(2, dtype=complex), b)
    with pytest.raises(ValueError, match="array must not contain infs or NaNs"):
        jl.eigh(np.array([[1, np.nan], [np.nan, 1]], dtype=complex), np.eye(2))


# --------------------------------------------------------------------------
# gram and the subspace helpers on complex bases
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_gram_and_subspaces_of_complex_bases(rng, dtype):
    m = 8
    X = _cplx(rng, m, 2, dtype=dtype)
    A = np.hstack([X, _cplx(rng, m, 2, dtype=dtype)])
    B = np.hstack([X @ _cplx(rng, 2, 2, dtype=dtype), _cplx(rng, m, 1, dtype=dtype)])
    tol = 50 * EPS[dtype]
    G = jl.gram(A)
    assert G.dtype == dtype
    np.testing.assert_allclose(G, A.conj().T @ A, rtol=0, atol=tol * np.abs(A).max() ** 2 * m)
    np.testing.assert_array_equal(G, G.conj().T)
    S = jl.subspace_sum(A, B)
    assert S.dtype == dtype and S.shape == (m, 4 + 3 - 2)  # Grassmann: range(X) counted once
    Q = jl.subspace_intersection(A, B)
    assert Q.dtype == dtype and Q.shape == (m, 2)
    np.testing.assert_allclose(Q.conj().T @ Q, np.eye(2), rtol=0, atol=tol)
    # Q spans range(X): both projectors fix it, and the angles between them vanish
    for M in (A, B, X):
        np.testing.assert_allclose(jl.project(Q, M), Q, rtol=0, atol=10 * tol)
    assert np.abs(sl.subspace_angles(Q.astype(np.complex128), X.astype(np.complex128))).max() < 1e3 * tol
    # the conjugation matters: a real-orthogonal but not unitary pair must not meet
    e = np.array([[1.0], [1j]]) / np.sqrt(2)
    assert jl.subspace_intersection(e, e.conj()).shape == (2, 0)
    assert jl.subspace_sum(e, e.conj()).shape == (2, 2)


# --------------------------------------------------------------------------
# pivoted QR: zgeqp3
# --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(7, 5), (5, 7), (1, 3)])
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_qr_pivoting_complex_matches_scipy(rng, shape, dtype):
    A = _cplx(rng, *shape, dtype=dtype)
    A0 = A.copy()
    m, n = shape
    k = min(m, n)
    Q, R, P = jl.qr(A, pivoting=True)
    Q2, R2, P2 = sl.qr(A, pivoting=True, mode="economic")
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(P, P2)
    assert (Q.dtype, R.dtype, P.dtype) == (Q2.dtype, R2.dtype, P2.dtype)
    tol = 20 * EPS[dtype] * max(shape)
    np.testing.assert_allclose(R, R2, rtol=0, atol=tol * np.abs(A).max())
    np.testing.assert_allclose(Q, Q2, rtol=0, atol=tol)
    np.testing.assert_allclose(A[:, P], Q @ R, rtol=0, atol=tol * np.abs(A).max())
    d = np.abs(np.diag(R))
    assert np.all(d[:-1] >= d[1:]) and not np.diag(R).imag.any()
    Qc, Rc, Pc = jl.qr(A, mode="complete", pivoting=True)
    assert Qc.shape == (m, m) and Rc.shape == (m, n)
    np.testing.assert_allclose(Qc.conj().T @ Qc, np.eye(m), rtol=0, atol=tol)
    (h, tau), Pr = jl.qr(A, mode="raw", pivoting=True)
    (h2, tau2), _, _ = sl.qr(A, mode="raw", pivoting=True)
    np.testing.assert_array_equal(Pr, P2)
    np.testing.assert_allclose(tau, tau2, rtol=0, atol=tol)
    assert h.shape == (n, m) and tau.shape == (k,)


def test_qr_pivoting_complex_reveals_rank_and_stacks(rng):
    A = _cplx(rng, 9, 3) @ _cplx(rng, 3, 6)  # rank 3
    R, P = jl.qr(A, mode="r", pivoting=True)
    d = np.abs(np.diag(R))
    assert d[2] > 1e-3 * d[0] and d[3] < 1e-13 * d[0]
    stack = _cplx(rng, 2, 4, 3)
    Q, R, P = jl.qr(stack, pivoting=True)
    assert P.shape == (2, 3)
    for i in range(2):
        np.testing.assert_allclose(stack[i][:, P[i]], Q[i] @ R[i], rtol=0, atol=1e-14 * 10)


# --------------------------------------------------------------------------
# one-sided Jacobi SVD with complex rotations
# --------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["jacobi", "cyclic"])
@pytest.mark.parametrize("shape", [(7, 5), (4, 6)])
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_svd_jacobi_complex_matches_numpy(rng, method, shape, dtype):
    A = _cplx(rng, *shape, dtype=dtype)
    A0 = A.copy()
    k = min(shape)
    tol = 30 * EPS[dtype] * max(shape)
    for full in (True, False):
        U, S, Vh = jl.svd(A, full_matrices=full, method=method)
        U2, S2, Vh2 = np.linalg.svd(A, full_matrices=full)
        assert (U.shape, S.shape, Vh.shape) == (U2.shape, S2.shape, Vh2.shape)
        assert (U.dtype, S.dtype, Vh.dtype) == (U2.dtype, S2.dtype, Vh2.dtype)
        np.testing.assert_allclose(S, S2, rtol=0, atol=tol * S2[0])
        np.testing.assert_allclose((U[:, :k] * S) @ Vh[:k], A, rtol=0, atol=tol * S2[0])
        np.testing.assert_allclose(U.conj().T @ U, np.eye(U.shape[1]), rtol=0, atol=tol)
        np.testing.assert_allclose(Vh @ Vh.conj().T, np.eye(Vh.shape[0]), rtol=0, atol=tol)
    np.testing.assert_array_equal(A, A0)
    s = jl.svdvals(A, method="jacobi" if method == "jacobi" else "jacobi_values")
    assert s.dtype == S2.dtype
    np.testing.assert_allclose(s, S2, rtol=0, atol=tol * S2[0])


def test_svd_jacobi_complex_graded_matrix_is_relatively_accurate(rng):
    # A = B D, B well conditioned, D spanning 30 decades: Demmel & Veselic's case for Jacobi
    B = _cplx(rng, 6, 4)
    A = B * 10.0 ** -np.arange(0, 40, 10)
    mpmath.mp.dps = 60
    exact = sorted(
        (float(x) for x in mpmath.svd_c(mpmath.matrix(A.tolist()), compute_uv=False)), reverse=True
    )
    for method in ("jacobi", "jacobi_values"):
        np.testing.assert_allclose(jl.svdvals(A, method=method), exact, rtol=100 * EPS[np.complex128])


def test_svd_jacobi_complex_two_sided_grading_with_unsorted_rows():
    # D1 B D2, row scales shuffled: the pivoted QR keeps the small values
    # only on rows sorted by decreasing size (errors up to 0.14 before)
    rng = np.random.default_rng(0)
    mpmath.mp.dps = 60
    for _ in range(3):
        d1 = np.logspace(0, -25, 6)
        rng.shuffle(d1)
        A = d1[:, None] * _cplx(rng, 6, 4) * np.logspace(0, -30, 4)
        exact = [float(x) for x in mpmath.svd_c(mpmath.matrix(A.tolist()), compute_uv=False)]
        U, S, Vh = jl.svd(A, method="jacobi")
        np.testing.assert_allclose(S, sorted(exact, reverse=True), rtol=100 * EPS[np.complex128])
        np.testing.assert_allclose((U[:, :4] * S) @ Vh, A, rtol=0, atol=1e-14 * np.abs(A).max())


def test_svd_jacobi_complex_rank_deficient_and_unsupported_kernels():
    A = np.ones((6, 4)) * (1 + 1j)
    for method in ("jacobi", "cyclic"):
        U, S, Vh = jl.svd(A, method=method)
        np.testing.assert_allclose(S[0], np.sqrt(48), rtol=1e-14)
        assert np.all(S[1:] < 1e-14)
        np.testing.assert_allclose(U.conj().T @ U, np.eye(6), rtol=0, atol=1e-14)
        np.testing.assert_allclose((U[:, :4] * S) @ Vh, A, rtol=0, atol=1e-14)
    with pytest.raises(TypeError, match="complex"):
        jl.svd(np.eye(2, dtype=complex), method="tracked")
    with pytest.raises(ValueError, match="computes singular values only"):
        jl.svd(np.eye(2, dtype=complex), method="jacobi_values")
