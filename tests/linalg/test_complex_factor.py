"""Complex QR, SVD (and pinv, rank, cond, 2-norms, subspaces), lstsq, eigh and eig.

Each is checked against numpy.linalg / scipy.linalg (result dtypes and
shapes exactly, values to an rtol of a small multiple of ``n eps``), against
a reference in :mod:`naive` or mpmath, and by invariants where the result is
not unique (unitary factors, ``A = Q R``, ``A V = V diag(w)``).  Sizes stay
small: every kernel compiles once for complex64 and once for complex128.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg as sl
from helpers import eps

import jitla.linalg as jl
from jitla import config

DTYPES = (np.complex64, np.complex128)
SHAPES = ((7, 4), (4, 7), (5, 5))


def crandom(rng, shape, dtype=np.complex128):
    """Entries with real and imaginary parts uniform in (-1, 1)."""
    return (rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)).astype(dtype)


def rtol(dtype, n, c=20.0):
    """``c n eps`` of the working precision: the backward-error scale of an O(n^3) factorisation."""
    return c * max(n, 1) * eps(np.finfo(dtype).dtype)


def assert_unitary_columns(Q, dtype):
    k = Q.shape[-1]
    np.testing.assert_allclose(Q.conj().T @ Q, np.eye(k), atol=rtol(dtype, Q.shape[0]))


def test_naive_complex_references(rng):
    A = crandom(rng, (5, 3))
    Q, R = naive.qr_complex(A)
    np.testing.assert_allclose(Q @ R, A, atol=1e-14)
    np.testing.assert_allclose(Q.conj().T @ Q, np.eye(5), atol=1e-14)
    assert np.all(np.diag(R).imag == 0)
    s = naive.svdvals_complex(A)
    np.testing.assert_allclose(s, sl.svdvals(A), rtol=1e-13)
    # mpmath's eigenvalues of a triangular matrix are its diagonal
    T = np.triu(crandom(rng, (4, 4)))
    w = naive.eigvals_complex_mp(T)
    np.testing.assert_allclose(w, sorted(np.diag(T), key=lambda z: (z.real, z.imag)), rtol=1e-14)


# --------------------------------------------------------------------------
# QR
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_qr_against_numpy_and_naive(rng, dtype, shape):
    A = crandom(rng, shape, dtype)
    base = A.copy()
    m, n = shape
    tol = rtol(dtype, max(m, n))
    for mode in ("reduced", "complete"):
        Q, R = jl.qr(A, mode)
        Qn, Rn = np.linalg.qr(A, mode)
        assert (Q.dtype, R.dtype, Q.shape, R.shape) == (Qn.dtype, Rn.dtype, Qn.shape, Rn.shape)
        assert_unitary_columns(Q, dtype)
        np.testing.assert_allclose(Q @ R, A, atol=tol)
        np.testing.assert_array_equal(np.tril(R, -1), 0)
        assert np.all(np.diag(R).imag == 0)  # zlarfg's real beta
        # same reflectors as LAPACK: same factors, not just equivalent ones
        np.testing.assert_allclose(R, Rn, atol=tol)
        np.testing.assert_allclose(Q, Qn, atol=tol)
    Qc, Rc = naive.qr_complex(A.astype(np.complex128))
    np.testing.assert_allclose(jl.qr(A, "complete").R, Rc, atol=tol)
    R = jl.qr(A, "r")
    assert R.dtype == dtype and R.shape == (min(m, n), n)
    np.testing.assert_allclose(R, Rc[: min(m, n)], atol=tol)
    h, tau = jl.qr(A, "raw")
    hn, taun = np.linalg.qr(A, "raw")
    assert (h.shape, tau.shape, h.dtype, tau.dtype) == (hn.shape, taun.shape, hn.dtype, taun.dtype)
    np.testing.assert_allclose(h, hn, atol=tol)
    np.testing.assert_allclose(tau, taun, atol=tol)
    np.testing.assert_array_equal(A, base)


def test_qr_edge_cases(rng):
    for shape in ((0, 3), (3, 0), (0, 0), (1, 1), (2, 3, 4)):
        A = crandom(rng, shape)
        for mode in ("reduced", "complete", "r"):
            got = jl.qr(A, mode)
            want = np.linalg.qr(A, mode)
            for g, w in zip(got if mode != "r" else [got], want if mode != "r" else [want], strict=True):
                assert g.shape == w.shape and g.dtype == w.dtype
                np.testing.assert_allclose(g, w, atol=1e-13)
    # F order and a strided view, 1 x 1 with a complex entry (a reflector of length 1)
    A = np.asfortranarray(crandom(rng, (6, 4)))
    np.testing.assert_allclose(jl.qr(A).R, np.linalg.qr(A).R, atol=1e-13)
    B = crandom(rng, (8, 6))[::2, ::2]
    np.testing.assert_allclose(jl.qr(B).R, np.linalg.qr(B).R, atol=1e-13)
    one = np.array([[3 - 4j]])
    Q, R = jl.qr(one)
    np.testing.assert_allclose(R, np.linalg.qr(one).R, atol=1e-15)
    assert R[0, 0].imag == 0 and abs(Q[0, 0]) == pytest.approx(1)
    # real input keeps its real dtype
    assert jl.qr(np.eye(3, dtype=np.float32)).Q.dtype == np.float32


# --------------------------------------------------------------------------
# SVD and what is built on it
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_svd_against_numpy_and_naive(rng, dtype, shape):
    A = crandom(rng, shape, dtype)
    base = A.copy()
    m, n = shape
    k = min(m, n)
    tol = rtol(dtype, max(m, n))
    s_ref = naive.svdvals_complex((A if m >= n else A.conj().T).astype(np.complex128))
    for full in (True, False):
        U, S, Vh = jl.svd(A, full_matrices=full)
        Un, Sn, Vhn = np.linalg.svd(A, full_matrices=full)
        assert (U.shape, S.shape, Vh.shape) == (Un.shape, Sn.shape, Vhn.shape)
        assert (U.dtype, S.dtype, Vh.dtype) == (Un.dtype, Sn.dtype, Vhn.dtype)
        np.testing.assert_allclose(S, s_ref, rtol=tol)
        assert_unitary_columns(U, dtype)
        assert_unitary_columns(Vh.conj().T, dtype)
        np.testing.assert_allclose((U[:, :k] * S) @ Vh[:k], A, atol=tol)
    s = jl.svdvals(A)
    assert s.dtype == np.linalg.svdvals(A).dtype
    np.testing.assert_allclose(s, s_ref, rtol=tol)
    np.testing.assert_array_equal(A, base)


@pytest.mark.parametrize(
    ("shape", "rank", "dtype", "blocked"),
    [
        ((34, 30), 30, np.complex128, True),
        ((30, 34), 30, np.complex128, True),
        ((30, 30), 9, np.complex128, True),
        ((30, 30), 30, np.complex64, True),
        ((34, 30), 30, np.complex128, False),
    ],
)
def test_svd_divide_and_conquer_route(rng, monkeypatch, shape, rank, dtype, blocked):
    # the real divide and conquer on the real bidiagonal, its vectors carried to the complex
    # ones by real x complex products, the reflector products formed blocked by zungqr (or
    # by the BLAS-2 kernels): thresholds lowered so that a 30-column matrix takes that route
    # with merges and several reflector blocks
    monkeypatch.setattr(config, "SVD_DC_MIN", 8)
    monkeypatch.setattr(config, "ZQR_BLOCKED_MIN", 8 if blocked else 10**9)
    monkeypatch.setattr(config, "ZQR_NB_BY_ORDER", ((10**9, 8),))
    m, n = shape
    k = min(m, n)
    A = (crandom(rng, (m, rank)) @ crandom(rng, (rank, n))).astype(dtype)
    base = A.copy()
    tol = rtol(dtype, max(m, n))
    s_ref = naive.svdvals_complex((A if m >= n else A.conj().T).astype(np.complex128))
    for full in (True, False):
        U, S, Vh = jl.svd(A, full_matrices=full)
        Un, Sn, Vhn = np.linalg.svd(A, full_matrices=full)
        assert (U.shape, S.shape, Vh.shape) == (Un.shape, Sn.shape, Vhn.shape)
        assert (U.dtype, S.dtype, Vh.dtype) == (Un.dtype, Sn.dtype, Vhn.dtype)
        np.testing.assert_allclose(S, s_ref, rtol=tol, atol=tol * s_ref[0])
        np.testing.assert_allclose(S, Sn, rtol=tol, atol=tol * Sn[0])
        assert_unitary_columns(U, dtype)
        assert_unitary_columns(Vh.conj().T, dtype)
        np.testing.assert_allclose((U[:, :k] * S) @ Vh[:k], A, atol=tol * S[0])
    np.testing.assert_array_equal(A, base)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(11, 13), (21, 37), "rank one"])
def test_one_pass_reduction_matches_the_textbook_two_pass_one(rng, dtype, shape):
    # zbidiagonalize(_values): both reflectors of a step in one pass over the split rows
    # (real parts, then imaginary parts, padded to whole registers: 8 lanes for complex128,
    # 16 for complex64), w formed from z = sum conj(x_r) p_r: the same B as the textbook
    # reduction to rounding; 11 and 21 rows cross a register boundary, odd row counts leave
    # a row without a partner; a rank-one matrix leaves noise that is flushed
    from jitla.kernels.svd_complex import zbidiagonalize, zbidiagonalize_values, zform_left, zform_right

    if shape == "rank one":
        G = np.outer(crandom(rng, 5), crandom(rng, 11)).astype(dtype)
    else:
        G = crandom(rng, shape, dtype)
    k, L = G.shape
    rdt = np.finfo(dtype).dtype
    ref_d, ref_e = naive.bidiagonalize_complex(G)
    before = G.copy()
    d, e = np.empty(k, rdt), np.empty(k, rdt)
    zbidiagonalize_values(G, d, e)
    np.testing.assert_array_equal(G, before)
    W = G.copy()
    d2, e2 = np.empty(k, rdt), np.empty(k, rdt)
    tr, tl = np.empty(k, dtype), np.empty(k, dtype)
    zbidiagonalize(W, d2, e2, tr, tl)
    # the same kernel on the same copy: bitwise the same bidiagonal
    np.testing.assert_array_equal(d, d2)
    np.testing.assert_array_equal(e, e2)
    assert e[k - 1] == 0 and tl[k - 1] == 0
    norm = np.linalg.norm(before.astype(np.complex128), 2)
    tol = rtol(dtype, L) * norm
    np.testing.assert_allclose(d, ref_d, rtol=0, atol=tol)
    np.testing.assert_allclose(e, ref_e, rtol=0, atol=tol)
    # the reflectors it leaves rebuild G: G = P B Q[:, :k]^H with Vt = P^H, Ut = Q[:, :k]^T
    Ut, Vt = np.empty((k, L), dtype), np.empty((k, k), dtype)
    zform_right(W, tr, Ut)
    zform_left(W, tl, Vt)
    assert_unitary_columns(Ut.T, dtype)
    assert_unitary_columns(Vt.conj().T, dtype)
    B = np.diag(d).astype(dtype) + np.diag(e[: k - 1], -1)
    np.testing.assert_allclose(Vt.conj().T @ B @ Ut.conj(), before, rtol=0, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_svd_sizes_across_the_register_width(rng, dtype):
    # tall, wide and square past one register of split rows: residual, unitary factors,
    # values against scipy (LAPACK gesdd)
    for shape in ((37, 21), (21, 37), (24, 24)):
        A = crandom(rng, shape, dtype)
        base = A.copy()
        k = min(shape)
        tol = rtol(dtype, max(shape))
        s_ref = sl.svdvals(A.astype(np.complex128))
        U, S, Vh = jl.svd(A, full_matrices=False)
        assert U.dtype == dtype and S.dtype == np.finfo(dtype).dtype
        np.testing.assert_allclose(S, s_ref, rtol=0, atol=tol * s_ref[0])
        np.testing.assert_allclose(jl.svdvals(A), s_ref, rtol=0, atol=tol * s_ref[0])
        assert_unitary_columns(U, dtype)
        assert_unitary_columns(Vh.conj().T, dtype)
        np.testing.assert_allclose((U[:, :k] * S) @ Vh, A, rtol=0, atol=tol * s_ref[0])
        np.testing.assert_array_equal(A, base)


def test_svd_rank_deficient_stacked_and_empty(rng):
    # rank 2 of 5: the zero singular values still get orthonormal vectors
    A = crandom(rng, (6, 2)) @ crandom(rng, (2, 5))
    U, S, Vh = jl.svd(A)
    np.testing.assert_allclose(S, np.linalg.svdvals(A), atol=1e-14 * S[0])
    assert_unitary_columns(U, np.complex128)
    assert_unitary_columns(Vh.conj().T, np.complex128)
    np.testing.assert_allclose((U[:, :5] * S) @ Vh, A, atol=1e-13)
    stack = crandom(rng, (3, 4, 3), np.complex64)
    U, S, Vh = jl.svd(stack, full_matrices=False)
    assert S.dtype == np.float32 and U.shape == (3, 4, 3)
    np.testing.assert_allclose(U * S[..., None, :] @ Vh, stack, atol=1e-5)
    for shape in ((0, 3), (3, 0), (1, 1)):
        E = crandom(rng, shape)
        got, want = jl.svd(E), np.linalg.svd(E)
        for g, w in zip(got, want, strict=True):
            assert g.shape == w.shape and g.dtype == w.dtype
    with pytest.raises(np.linalg.LinAlgError, match="SVD did not converge"):
        jl.svd(np.array([[1, np.nan], [0, 1j]]))


def test_pinv_rank_cond_norm_complex(rng):
    for dtype in DTYPES:
        A = crandom(rng, (6, 4), dtype)
        tol = rtol(dtype, 6, c=50)
        P = jl.pinv(A)
        assert P.dtype == np.linalg.pinv(A).dtype
        np.testing.assert_allclose(P, np.linalg.pinv(A), atol=tol)
        np.testing.assert_allclose(A @ P @ A, A, atol=tol)  # a Penrose condition
        assert jl.cond(A).dtype == np.linalg.cond(A).dtype
        np.testing.assert_allclose(jl.cond(A), np.linalg.cond(A), rtol=tol)
        for ord in (2, -2, "nuc"):
            np.testing.assert_allclose(jl.norm(A, ord), np.linalg.norm(A, ord), rtol=tol)
    low = crandom(rng, (7, 3)) @ crandom(rng, (3, 6))
    assert jl.matrix_rank(low) == np.linalg.matrix_rank(low) == 3
    np.testing.assert_array_equal(
        jl.matrix_rank(np.stack([low, np.eye(7, 6) * 1j])),
        np.linalg.matrix_rank(np.stack([low, np.eye(7, 6) * 1j])),
    )
    np.testing.assert_allclose(jl.pinv(low, rcond=1e-10), np.linalg.pinv(low, rcond=1e-10), atol=1e-12)


def test_subspaces_complex(rng):
    A = crandom(rng, (7, 3)) @ crandom(rng, (3, 5))
    N = jl.null_space(A)
    assert N.shape == sl.null_space(A).shape == (5, 2)
    np.testing.assert_allclose(A @ N, 0, atol=1e-13)
    assert_unitary_columns(N, np.complex128)
    Q = jl.orth(A)
    assert Q.shape == sl.orth(A).shape == (7, 3)
    np.testing.assert_allclose(Q @ (Q.conj().T @ A), A, atol=1e-13)  # Q spans range(A)
    X, Y = crandom(rng, (8, 3)), crandom(rng, (8, 2))
    np.testing.assert_allclose(jl.subspace_angles(X, Y), sl.subspace_angles(X, Y), rtol=1e-12)
    P = jl.projector(X)
    np.testing.assert_allclose(P, P.conj().T, atol=1e-14)
    np.testing.assert_allclose(P @ P, P, atol=1e-14)
    b = crandom(rng, 8)
    r = b - jl.project(b, X)
    np.testing.assert_allclose(X.conj().T @ r, 0, atol=1e-13)


# --------------------------------------------------------------------------
# least squares
# --------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["qr", "svd"])
def test_lstsq_complex(rng, method):
    for dtype in DTYPES:
        for m, n in ((9, 4), (4, 9), (5, 5)):
            A = crandom(rng, (m, n), dtype)
            B = crandom(rng, (m, 2), dtype)
            tol = rtol(dtype, max(m, n), c=50)
            x, res, rank, s = jl.lstsq(A, B, method=method)
            xn, resn, rankn, sn = np.linalg.lstsq(A, B)
            assert (x.dtype, res.dtype, s.dtype, res.shape) == (xn.dtype, resn.dtype, sn.dtype, resn.shape)
            assert rank == rankn and isinstance(rank, np.int32)
            np.testing.assert_allclose(x, xn, atol=tol * np.abs(xn).max())
            np.testing.assert_allclose(res, resn, rtol=tol)
            np.testing.assert_allclose(s, sn, rtol=tol)
    # rank deficient: numpy's minimum-norm solution; rcond decides the rank as numpy's
    A = crandom(rng, (8, 2)) @ crandom(rng, (2, 4))
    b = crandom(rng, 8)
    x, res, rank, s = jl.lstsq(A, b, method=method)
    xn, resn, rankn, _ = np.linalg.lstsq(A, b)
    assert rank == rankn == 2 and res.shape == resn.shape == (0,)
    np.testing.assert_allclose(x, xn, atol=1e-12)
    A = np.diag([1.0, 1e-6, 1e-12]).astype(complex)
    for rc in (1e-3, 1e-9, None):
        assert (
            jl.lstsq(A, np.ones(3), rcond=rc, method=method)[2] == np.linalg.lstsq(A, np.ones(3), rcond=rc)[2]
        )


def test_lstsq_mixed_dtypes_and_empty(rng):
    A = rng.uniform(-1, 1, (6, 3)).astype(np.float32)
    b = crandom(rng, 6, np.complex64)
    x, res, _, s = jl.lstsq(A, b)
    xn, resn, _, sn = np.linalg.lstsq(A, b)
    assert (
        (x.dtype, res.dtype, s.dtype)
        == (xn.dtype, resn.dtype, sn.dtype)
        == (np.complex64, np.float32, np.float32)
    )
    np.testing.assert_allclose(x, xn, atol=1e-5)
    x, res, rank, s = jl.lstsq(crandom(rng, (0, 3)), np.zeros(0, complex))
    xn, resn, rankn, sn = np.linalg.lstsq(crandom(rng, (0, 3)), np.zeros(0, complex))
    assert x.shape == xn.shape and x.dtype == xn.dtype and rank == rankn
    assert res.dtype == resn.dtype and s.dtype == sn.dtype


# --------------------------------------------------------------------------
# Hermitian eigenproblems
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_eigh_hermitian(rng, dtype):
    n = 7
    tol = rtol(dtype, n)
    H = crandom(rng, (n, n), np.complex128)
    H = (H + H.conj().T).astype(dtype)
    ref = naive.eigvalsh(np.block([[H.real, -H.imag], [H.imag, H.real]]).astype(np.float64))[::2]
    for uplo in ("L", "U"):
        # only the UPLO triangle is read, and only the real part of its diagonal
        G = H.copy()
        other = np.triu_indices(n, 1) if uplo == "L" else np.tril_indices(n, -1)
        G[other] = 99 + 7j
        G[np.diag_indices(n)] += 5j
        base = G.copy()
        w, V = jl.eigh(G, uplo)
        wn, Vn = np.linalg.eigh(G, uplo)
        assert (w.dtype, V.dtype) == (wn.dtype, Vn.dtype)
        np.testing.assert_allclose(w, wn, atol=tol * np.abs(wn).max())
        np.testing.assert_allclose(w, ref, atol=tol * np.abs(wn).max())  # the real 2n x 2n embedding
        assert_unitary_columns(V, dtype)
        np.testing.assert_allclose(H @ V, V * w, atol=tol * np.abs(wn).max())
        np.testing.assert_allclose(jl.eigvalsh(G, uplo), wn, atol=tol * np.abs(wn).max())
        np.testing.assert_array_equal(G, base)


def test_eigh_hermitian_past_the_vector_chunks(rng):
    # n = 37 runs the tridiagonalisation's and Q's chunked dot products (8 lanes) several
    # times with a remainder, which n = 7 never enters; eigh(a, b) reaches the same solver
    n = 37
    tol = rtol(np.complex128, n)
    H = crandom(rng, (n, n))
    H = H + H.conj().T
    # naive.eigvalsh (Python Jacobi, O(n^5) a sweep) checks n = 7 above; here scipy's zheevr
    ref = sl.eigh(H, eigvals_only=True)
    scale = np.abs(ref).max()
    for uplo in ("L", "U"):
        G = H.copy()
        G[np.triu_indices(n, 1) if uplo == "L" else np.tril_indices(n, -1)] = np.nan
        w, V = jl.eigh(G, uplo)
        np.testing.assert_allclose(w, ref, rtol=0, atol=tol * scale)
        assert_unitary_columns(V, np.complex128)
        np.testing.assert_allclose(H @ V, V * w, rtol=0, atol=tol * scale)
        np.testing.assert_allclose(jl.eigvalsh(G, uplo), w, rtol=0, atol=tol * scale)
    X = crandom(rng, (n, n))
    B = X @ X.conj().T + n * np.eye(n)
    for type in (1, 2, 3):
        w, V = jl.eigh(H, B, type=type)
        w2 = sl.eigh(H, B, type=type, eigvals_only=True)
        np.testing.assert_allclose(w, w2, rtol=0, atol=tol * np.abs(w2).max())
        lhs = {1: H @ V, 2: H @ B @ V, 3: B @ H @ V}[type]
        rhs = B @ V * w if type == 1 else V * w
        np.testing.assert_allclose(lhs, rhs, rtol=0, atol=tol * np.abs(B).max() * np.abs(lhs).max())
        metric = np.linalg.inv(B) if type == 3 else B
        np.testing.assert_allclose(V.conj().T @ metric @ V, np.eye(n), rtol=0, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_eigh_hermitian_divide_and_conquer(rng, dtype):
    # T's real eigenvectors by divide and conquer (n = 37: leaves of at most 25 rows, one
    # merge), then the same real GEMM with Q^T as the QL route; "auto" takes it from
    # EIGH_DC_MIN on
    n = 37
    tol = rtol(dtype, n)
    H = crandom(rng, (n, n))
    H = (H + H.conj().T).astype(dtype)
    ref = sl.eigh(H.astype(np.complex128), eigvals_only=True)
    scale = np.abs(ref).max()
    for uplo in ("L", "U"):
        w, V = jl.eigh(H, uplo, method="dc")
        assert (w.dtype, V.dtype) == (np.linalg.eigh(H)[0].dtype, dtype)
        np.testing.assert_allclose(w, ref, rtol=0, atol=tol * scale)
        assert_unitary_columns(V, dtype)
        np.testing.assert_allclose(H @ V, V * w, rtol=0, atol=tol * scale)
    assert jl.eigh_method((config.EIGH_DC_MIN,) * 2).variant == "dc"


def test_hermitian_tridiagonalisation_kernels(rng):
    # the fused one-triangle reduction against the two-triangle zhetd2: the same d, e, tau
    # and reflectors, and Q^T from them with Q^H H Q = T
    from jitla.kernels.eig_hermitian import zform_qt_hetd2, zhetd2, zhetd2_fused

    for n in (1, 2, 3, 19):
        H = crandom(rng, (n, n))
        H = H + H.conj().T
        out = []
        for f in (zhetd2, zhetd2_fused):
            S = H.copy()
            if f is zhetd2_fused:
                S[np.tril_indices(n, -1)] = np.nan  # the strict lower triangle is not read
            d, e, tau = np.empty(n), np.empty(n), np.empty(max(n - 1, 1), complex)
            f(S, d, e, tau)
            out.append((d, e, tau[: n - 1], S[np.tril_indices(n, -2)]))
        for x, y in zip(*out, strict=True):
            np.testing.assert_allclose(y, x, rtol=0, atol=50 * n * eps(np.float64) * np.abs(H).max())
        Qt = np.empty((n, n), complex)
        zform_qt_hetd2(S, tau, Qt)
        T = np.diag(d) + np.diag(e[: n - 1], 1) + np.diag(e[: n - 1], -1)
        np.testing.assert_allclose(
            Qt.conj() @ H @ Qt.T, T, rtol=0, atol=50 * n * eps(np.float64) * np.abs(H).max()
        )


def test_eigh_edge_cases(rng):
    for n in (0, 1):
        H = crandom(rng, (n, n))
        w, V = jl.eigh(H)
        wn, Vn = np.linalg.eigh(H)
        assert (w.shape, V.shape, w.dtype, V.dtype) == (wn.shape, Vn.shape, wn.dtype, Vn.dtype)
        np.testing.assert_allclose(w, wn)
    S = crandom(rng, (2, 4, 4))
    S = S + np.swapaxes(S, -1, -2).conj()
    np.testing.assert_allclose(jl.eigvalsh(S), np.linalg.eigvalsh(S), atol=1e-13)
    # a real symmetric matrix given as complex: real eigenvalues, as the real solver's
    R = rng.uniform(-1, 1, (5, 5))
    R = R + R.T
    np.testing.assert_allclose(jl.eigvalsh(R.astype(complex)), jl.eigvalsh(R), atol=1e-13)
    # tiny entries are scaled into range first (as LAPACK's zheev)
    np.testing.assert_allclose(jl.eigvalsh(1e-300 * S[0]), 1e-300 * np.linalg.eigvalsh(S[0]), rtol=1e-12)


# --------------------------------------------------------------------------
# general eigenproblems: the complex Schur form
# --------------------------------------------------------------------------
def _sorted(w):
    return np.array(sorted(w, key=lambda z: (round(z.real, 8), z.imag)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_eig_complex(rng, dtype):
    n = 6
    A = crandom(rng, (n, n), dtype)
    base = A.copy()
    tol = rtol(dtype, n, c=50)
    w, V = jl.eig(A)
    wn, Vn = np.linalg.eig(A)
    assert (w.dtype, V.dtype) == (wn.dtype, Vn.dtype) == (dtype, dtype)
    np.testing.assert_allclose(_sorted(w), _sorted(naive.eigvals_complex_mp(A)), atol=tol)
    np.testing.assert_allclose(A @ V, V * w, atol=tol)
    # zgeev's normalisation: unit 2-norm, largest component real
    np.testing.assert_allclose(np.linalg.norm(V, axis=0), 1, rtol=tol)
    big = np.argmax(np.abs(V), axis=0)
    assert np.all(V[big, np.arange(n)].imag == 0)
    ev = jl.eigvals(A)
    assert ev.dtype == dtype
    np.testing.assert_allclose(_sorted(ev), _sorted(wn), atol=tol)
    np.testing.assert_array_equal(A, base)


def test_eig_known_spectra_and_edge_cases(rng):
    # the cyclic shift has the n-th roots of unity; a normal matrix has unitary eigenvectors
    n = 8
    P = np.roll(np.eye(n), 1, axis=0).astype(complex)
    w, V = jl.eig(P)
    roots = np.exp(2j * np.pi * np.arange(n) / n)
    np.testing.assert_allclose(_sorted(w), _sorted(roots), atol=1e-13)
    np.testing.assert_allclose(V.conj().T @ V, np.eye(n), atol=1e-12)
    # larger: against numpy (sorted) and the residual
    A = crandom(rng, (30, 30))
    w, V = jl.eig(A)
    np.testing.assert_allclose(np.sort_complex(w), np.sort_complex(np.linalg.eigvals(A)), atol=1e-12)
    np.testing.assert_allclose(A @ V, V * w, atol=1e-12)
    for shape in ((0, 0), (1, 1), (2, 3, 3)):
        E = crandom(rng, shape)
        got, want = jl.eig(E), np.linalg.eig(E)
        assert got[0].shape == want[0].shape and got[0].dtype == want[0].dtype
        np.testing.assert_allclose(
            np.sort_complex(got[0].ravel()), np.sort_complex(want[0].ravel()), atol=1e-13
        )
    with pytest.raises(np.linalg.LinAlgError, match="Array must not contain infs or NaNs"):
        jl.eig(np.array([[1, np.inf], [0, 1j]]))


def test_complex_schur_kernel(rng):
    """The Schur kernel other modules call: ``A = Z T Z^H``, T upper triangular, Z unitary."""
    from jitla.linalg._complex import schur_2d

    A = crandom(rng, (9, 9))
    T, w, Z = schur_2d(A.copy(), True)
    np.testing.assert_array_equal(np.tril(T, -1), 0)
    np.testing.assert_allclose(Z.conj().T @ Z, np.eye(9), atol=1e-13)
    np.testing.assert_allclose(Z @ T @ Z.conj().T, A, atol=1e-13)
    np.testing.assert_array_equal(w, np.diag(T))
    Ts, Zs = sl.schur(A, output="complex")
    np.testing.assert_allclose(np.sort_complex(np.diag(T)), np.sort_complex(np.diag(Ts)), atol=1e-13)
