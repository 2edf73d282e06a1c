"""The blocked paths of the complex LU, Cholesky and QR, on small matrices with small blocks.

The API picks the blocked kernels' block sizes from the order
(``config.complex_nb``, ``config.complex_qr_nb``) and uses the blocked QR
only from ``config.ZQR_BLOCKED_MIN`` reflectors, so at test sizes the
thresholds are lowered with ``monkeypatch``: each matrix (n <= 45) then
spans several panels, each panel several sub-panels, and the edges are not
multiples of either.  Oracles: scipy / numpy (LAPACK's zgetrf / zpotrf /
zgeqrf: the same pivots and reflectors, so the same factors to rounding),
the unblocked kernels, and the references in :mod:`naive`.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg as sl
from helpers import eps

import jitla.linalg as jl
from jitla import config
from jitla.linalg._dispatch import complex_extras

DTYPES = (np.complex64, np.complex128)


def crandom(rng, shape, dtype=np.complex128):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def rtol(dtype, n, c=30.0):
    """``c n eps`` of the working precision."""
    return c * n * eps(np.finfo(dtype).dtype)


def layouts(A):
    """A as C-ordered, F-ordered and a strided view (every other row and column of a larger array)."""
    big = np.zeros((2 * A.shape[0], 2 * A.shape[1]), A.dtype)
    big[::2, ::2] = A
    return {"C": A, "F": np.asfortranarray(A), "strided": big[::2, ::2]}


def assert_same_reflectors(A, F, tau, tol):
    """F, tau (a factored A) hold zgeqr2's reflectors and R, and LAPACK's (numpy's ``"raw"``), to *tol*."""
    from jitla.kernels.qr_complex import zgeqr2

    F2, tau2 = A.copy(), np.zeros(tau.shape[0], A.dtype)
    zgeqr2(F2, tau2)
    np.testing.assert_allclose(F, F2, atol=tol)
    np.testing.assert_allclose(tau, tau2, atol=tol)
    h, taun = np.linalg.qr(A, "raw")
    np.testing.assert_allclose(F, h.T, atol=tol)
    np.testing.assert_allclose(tau, taun, atol=tol)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocked kernels with nb = 8 (sub-panels of 4) for LU / Cholesky, nb = 8 for QR."""
    monkeypatch.setattr(config, "COMPLEX_NB_BY_ORDER", ((10**9, 8),))
    monkeypatch.setattr(config, "ZQR_BLOCKED_MIN", 8)
    monkeypatch.setattr(config, "ZQR_NB_BY_ORDER", ((10**9, 8),))


def test_naive_complex_lu_and_cholesky(rng):
    A = crandom(rng, (6, 4))
    L, U, perm = naive.lu_complex(A)
    np.testing.assert_allclose(L @ U, A[perm], atol=1e-14)
    P, Ls, Us = sl.lu(A)
    np.testing.assert_allclose(L, Ls, atol=1e-14)  # izamax pivots: scipy's row order
    H = A.conj().T @ A + np.eye(4)
    C = naive.cholesky_complex(H)
    np.testing.assert_allclose(C @ C.conj().T, H, atol=1e-14)
    np.testing.assert_allclose(C, np.linalg.cholesky(H), atol=1e-14)


# --------------------------------------------------------------------------
# kernels with explicit block sizes
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_zgeqrf_zungqr_match_unblocked_and_lapack(rng, dtype):
    from jitla.kernels.qr_complex import zform_q, zgeqrf, zungqr

    blocks = complex_extras(dtype)[0]
    for (m, n), nb in (((40, 29), 8), ((29, 40), 8), ((33, 33), 16)):
        A = crandom(rng, (m, n), dtype)
        k = min(m, n)
        tol = rtol(dtype, max(m, n))
        F, tau = A.copy(), np.zeros(k, dtype)
        zgeqrf(F, tau, nb, blocks)
        assert_same_reflectors(A, F, tau, tol)
        for q in (k, m):  # reduced and complete Q
            Q = np.empty((m, q), dtype)
            zungqr(F, tau, Q, nb, blocks)
            Q2 = np.empty((m, q), dtype)
            zform_q(F, tau, Q2)
            np.testing.assert_allclose(Q, Q2, atol=tol)
            np.testing.assert_allclose(Q.conj().T @ Q, np.eye(q), atol=tol)
        np.testing.assert_allclose(Q[:, :k] @ np.triu(F[:k]), A, atol=tol * np.abs(A).max())


@pytest.mark.parametrize("dtype", DTYPES)
def test_zgeqr2_split_matches_zgeqr2_naive_and_lapack(rng, dtype):
    from jitla.kernels.qr_complex import zgeqr2_split

    # panel widths past one strip of four chunks (32 complex128 / 64 complex64 columns),
    # not multiples of a chunk, a single column, and a wide panel (mk < kb); each panel
    # a view inside a larger array (rows contiguous, as zgeqrf passes it)
    for mk, kb in ((50, 45), (80, 70), (12, 1), (20, 37)):
        A = crandom(rng, (mk, kb), dtype)
        big = crandom(rng, (mk + 3, kb + 5), dtype)
        big[3:, 2 : 2 + kb] = A
        around = big.copy()
        k = min(mk, kb)
        tau = np.zeros(k, dtype)
        zgeqr2_split(big[3:, 2 : 2 + kb], tau)
        F = big[3:, 2 : 2 + kb]
        tol = rtol(dtype, max(mk, kb))
        assert_same_reflectors(A, F, tau, tol)
        if mk * kb <= 1000:  # the exact-sum reference is slow
            _, R = naive.qr_complex(A.astype(np.complex128))
            np.testing.assert_allclose(np.triu(F[:k]), R[:k], atol=tol * np.abs(A).max())
        # nothing outside the panel was touched (the last chunk of a step runs into padding)
        around[3:, 2 : 2 + kb] = F
        np.testing.assert_array_equal(big, around)


@pytest.mark.parametrize("dtype", DTYPES)
def test_zlu_blocked_small_panels_match_scipy_and_naive(rng, dtype):
    from jitla.kernels.lu import zlu_blocked

    blocks = complex_extras(dtype)[0]
    for m, n in ((45, 45), (45, 30), (30, 45)):
        A = crandom(rng, (m, n), dtype)
        LU = A.copy()
        piv = np.zeros(min(m, n), np.int32)
        assert zlu_blocked(LU, piv, blocks, 8) == 0
        LUs, pivs = sl.lu_factor(A) if m == n else (None, None)
        if m == n:
            np.testing.assert_array_equal(piv, pivs)
            np.testing.assert_allclose(LU, LUs, atol=rtol(dtype, n) * 10)
        L, U, perm = naive.lu_complex(A.astype(np.complex128))
        r = min(m, n)
        np.testing.assert_allclose(np.tril(LU[:, :r], -1) + np.eye(m, r), L, atol=rtol(dtype, n) * 10)
        np.testing.assert_allclose(np.triu(LU[:r]), U, atol=rtol(dtype, n) * 10 * np.abs(U).max())
    # an exactly singular column inside a later panel: status k + 1, factorisation completed
    A = crandom(rng, (20, 20), dtype)
    A[:, 13] = 0
    piv = np.zeros(20, np.int32)
    assert zlu_blocked(A, piv, blocks, 8) == 14


@pytest.mark.parametrize("dtype", DTYPES)
def test_zlu_split_planes_edges_match_scipy_and_naive(rng, dtype):
    """Panels of 13 columns: three passes of four columns of L and a remainder; wide and square."""
    from jitla.kernels.lu import zlu_blocked

    blocks = complex_extras(dtype)[0]
    for m, n in ((40, 70), (31, 31)):
        A = crandom(rng, (m, n), dtype)
        LU = A.copy()
        piv = np.zeros(min(m, n), np.int32)
        assert zlu_blocked(LU, piv, blocks, 13) == 0
        LUs, pivs = sl.lu_factor(A)
        np.testing.assert_array_equal(piv, pivs)
        np.testing.assert_allclose(LU, LUs, atol=rtol(dtype, m) * 10 * np.abs(LUs).max())
        L, U, _ = naive.lu_complex(A.astype(np.complex128))
        np.testing.assert_allclose(np.triu(LU), U, atol=rtol(dtype, m) * 10 * np.abs(U).max())
        np.testing.assert_allclose(np.tril(LU[:, :m], -1) + np.eye(m), L, atol=rtol(dtype, m) * 10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_zlu_panel_split_on_a_view_matches_scipy_and_naive(rng, dtype):
    """The split-plane panel on a tall 70 x 12 view of a wider matrix; the columns beside it untouched."""
    from jitla.kernels.lu import _plane_stride, _zlu_panel_split

    M = crandom(rng, (70, 20), dtype)
    A = M[:, 5:17].copy()
    LUs, pivs = sl.lu_factor(A)
    L, U, _ = naive.lu_complex(A.astype(np.complex128))
    W = M.copy()
    piv = np.zeros(12, np.int32)
    buffer = np.empty(2 * 12 * _plane_stride(70, np.finfo(dtype).dtype.itemsize), np.finfo(dtype).dtype)
    assert _zlu_panel_split(W[:, 5:17], piv, buffer) == 0
    P = W[:, 5:17]
    np.testing.assert_array_equal(piv, pivs)
    np.testing.assert_allclose(P, LUs, atol=rtol(dtype, 70) * 10 * np.abs(LUs).max())
    np.testing.assert_allclose(np.triu(P[:12]), U, atol=rtol(dtype, 70) * 10 * np.abs(U).max())
    np.testing.assert_allclose(np.tril(P, -1) + np.eye(70, 12), L, atol=rtol(dtype, 70) * 10)
    np.testing.assert_array_equal(W[:, :5], M[:, :5])
    np.testing.assert_array_equal(W[:, 17:], M[:, 17:])


def test_zlu_pivot_is_izamax_cabs1_not_modulus():
    """|Re| + |Im| picks 0.9 + 0.9i (1.8) over 1.7 (larger modulus), past the search lanes; ties: first."""
    from jitla.kernels.lu import zlu_blocked

    A = np.full((20, 20), 0.01 + 0j)
    A += np.diag(np.full(20, 0.001))
    A[11, 0] = 1.7
    A[14, 0] = 0.9 + 0.9j
    A[17, 0] = -0.9 - 0.9j  # the same |Re| + |Im| later in the column
    A[:, 1:] += np.random.default_rng(3).standard_normal((20, 19))
    LU = A.copy()
    piv = np.zeros(20, np.int32)
    zlu_blocked(LU, piv, complex_extras(np.complex128)[0], 8)
    assert piv[0] == 14
    np.testing.assert_array_equal(piv, sl.lu_factor(A)[1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_zcholesky_small_blocks_matches_naive(rng, dtype):
    from jitla.kernels.cholesky import zcholesky

    blocks = complex_extras(dtype)[0]
    n = 37
    G = crandom(rng, (n, n))
    H = (G @ G.conj().T + n * np.eye(n)).astype(dtype)
    U = H.copy()
    assert zcholesky(U, blocks, 8) == 0
    L = naive.cholesky_complex(H.astype(np.complex128))
    np.testing.assert_allclose(np.triu(U), L.conj().T, atol=rtol(dtype, n) * np.abs(L).max())
    # not positive definite in the fourth block: the order of the first bad minor
    H[26, 26] = -1
    assert zcholesky(H.copy(), blocks, 8) == 27


# --------------------------------------------------------------------------
# the API on the blocked paths: C, F and strided inputs, inputs unchanged
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_api_blocked_qr(rng, dtype, small_blocks):
    A0 = crandom(rng, (40, 30), dtype)
    tol = rtol(dtype, 40)
    for name, A in layouts(A0).items():
        base = A.copy()
        for mode in ("reduced", "complete"):
            Q, R = jl.qr(A, mode)
            Qn, Rn = np.linalg.qr(A0, mode)
            assert (Q.dtype, R.dtype, Q.shape, R.shape) == (Qn.dtype, Rn.dtype, Qn.shape, Rn.shape), name
            np.testing.assert_allclose(Q, Qn, atol=tol)
            np.testing.assert_allclose(R, Rn, atol=tol * np.abs(A0).max())
        h, tau = jl.qr(A, "raw")
        hn, taun = np.linalg.qr(A0, "raw")
        np.testing.assert_allclose(h, hn, atol=tol * np.abs(A0).max())
        np.testing.assert_allclose(tau, taun, atol=tol)
        np.testing.assert_array_equal(A, base)
    # a wide matrix, against the naive reference
    W = crandom(rng, (20, 33), dtype)
    _, Rc = naive.qr_complex(W.astype(np.complex128))
    np.testing.assert_allclose(jl.qr(W, "r"), Rc, atol=rtol(dtype, 33) * np.abs(W).max())


@pytest.mark.parametrize("dtype", DTYPES)
def test_api_blocked_lu_solve_det(rng, dtype, small_blocks):
    n = 36
    A0 = crandom(rng, (n, n), dtype)
    b = crandom(rng, (n, 3), dtype)
    tol = rtol(dtype, n)
    for name, A in layouts(A0).items():
        base = A.copy()
        lu, piv = jl.lu_factor(A)
        lus, pivs = sl.lu_factor(A0)
        np.testing.assert_array_equal(piv, pivs, err_msg=name)
        np.testing.assert_allclose(lu, lus, atol=10 * tol * np.abs(lus).max())
        x = jl.solve(A, b)
        np.testing.assert_allclose(A0 @ x, b, atol=10 * tol * np.abs(A0).max() * np.abs(x).max())
        np.testing.assert_allclose(jl.det(A), np.linalg.det(A0), rtol=10 * tol)
        np.testing.assert_array_equal(A, base)


@pytest.mark.parametrize("dtype", DTYPES)
def test_api_blocked_cholesky(rng, dtype, small_blocks):
    n = 35
    G = crandom(rng, (n, n))
    H0 = (G @ G.conj().T + n * np.eye(n)).astype(dtype)
    L0 = naive.cholesky_complex(H0.astype(np.complex128))
    tol = rtol(dtype, n) * np.abs(L0).max()
    for name, H in layouts(H0).items():
        base = H.copy()
        L = jl.cholesky(H)
        assert L.dtype == dtype, name
        np.testing.assert_allclose(L, L0, atol=tol)
        np.testing.assert_allclose(L, np.linalg.cholesky(H0), atol=tol)
        np.testing.assert_allclose(jl.cholesky(H, upper=True), L0.conj().T, atol=tol)
        np.testing.assert_array_equal(H, base)


# --------------------------------------------------------------------------
# the complex GEMM routes the factorisations and matmul's "auto" use
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_zgemm_1m_a_matches_a_naive_product(rng, dtype):
    import jitla

    for m, k, n in ((1, 1, 1), (3, 17, 11), (9, 33, 40)):
        A, B = crandom(rng, (m, k), dtype), crandom(rng, (k, n), dtype)
        C = jitla.matmul(A, B, kernel="1m_a")
        assert C.dtype == dtype
        Ar, Ai = A.real.astype(np.float64), A.imag.astype(np.float64)
        Br, Bi = B.real.astype(np.float64), B.imag.astype(np.float64)
        mm = naive.matmul_2d
        want = (mm(Ar, Br) - mm(Ai, Bi)) + 1j * (mm(Ar, Bi) + mm(Ai, Br))
        scale = np.abs(A) @ np.abs(B)
        np.testing.assert_allclose(C, want, atol=4 * (k + 3) * eps(np.finfo(dtype).dtype) * scale.max())


@pytest.mark.parametrize("dtype", DTYPES)
def test_zgemm_1m_ah_matches_a_naive_product(rng, dtype):
    from jitla.kernels.gemm import zgemm_1m_ah

    blocks = complex_extras(dtype)[0]
    for k, m, n in ((1, 1, 1), (17, 3, 11), (40, 9, 33)):
        A = crandom(rng, (k, m), dtype)
        big = crandom(rng, (k, n + 4), dtype)
        B = big[:, 4:]  # rows contiguous, not C-contiguous: as a trailing matrix
        C0 = crandom(rng, (m, n), dtype)
        C = C0.copy()
        zgemm_1m_ah(A, B, C[:, :], -2.0, blocks)
        Ar, Ai = A.real.astype(np.float64).T, -A.imag.astype(np.float64).T  # A^H
        Br, Bi = B.real.astype(np.float64), B.imag.astype(np.float64)
        mm = naive.matmul_2d
        want = C0 - 2 * ((mm(Ar, Br) - mm(Ai, Bi)) + 1j * (mm(Ar, Bi) + mm(Ai, Br)))
        scale = np.abs(C0) + 2 * (np.abs(A).T @ np.abs(B))
        atol = 4 * (k + 3) * eps(np.finfo(dtype).dtype) * scale.max()
        np.testing.assert_allclose(C, want, atol=atol)
        np.testing.assert_allclose(C, C0 - 2 * (A.conj().T @ B), atol=atol)


def test_zgemm_plan_follows_the_shapes():
    from jitla.linalg._policy import zgemm_plan

    d = config.ZGEMM_3M_MIN_DIM
    assert zgemm_plan(8, 8, 8, 1).variant == "1m_small"
    assert zgemm_plan(d, d, d, 1).variant == "3m"
    assert zgemm_plan(2 * d, d - 1, 2 * d, 1).variant == "1m"  # 1m writes less than 1m_a
    assert zgemm_plan(4 * d, 64, 4 * d, 1).variant == "1m"  # a factorisation's trailing update
    assert zgemm_plan(64, 4 * d, 4 * d, 1).variant == "1m_a"  # a block reflector's V^H A
    assert zgemm_plan(4 * d, 64, 4 * d, 2).variant == "3m"
