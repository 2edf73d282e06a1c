"""The bidiagonal route: bidiagonalisation + Demmel-Kahan bidiagonal QR ("auto", "bidiagonal").

Oracles: the naive textbook Jacobi of ``tests/naive.py``, numpy's LAPACK
SVD, and mpmath at 50 digits.  The method is backward stable, so errors
are measured against the *largest* singular value: ``c * max(m, n) * eps *
sigma_max`` with c = 10 (Golub & Van Loan, 4th ed., Sec. 8.6.1: the
reduction and the QR sweeps are each backward stable with a modest
dimension-dependent constant).  The bidiagonal QR alone is relatively
accurate (Demmel & Kahan 1990), tested on graded bidiagonals with a
relative bound.  The graded-matrix test shows the price of the reduction:
what the Jacobi methods get to full relative accuracy, this path (the
default) gets only to accuracy relative to sigma_max, as numpy does --
``method="jacobi"`` is the documented way to keep those digits.
"""

from __future__ import annotations

import math

import naive
import numpy as np
import pytest
from helpers import FLOAT_DTYPES, eps

from jitla import LinAlgError
from jitla.kernels import get_kernel
from jitla.kernels import svd_bidiag as sb
from jitla.linalg import svd, svdvals

SHAPES = [(1, 1), (1, 6), (6, 1), (2, 2), (5, 3), (3, 5), (17, 6), (6, 17), (33, 33), (70, 41)]


def _tol(shape, dtype, smax):
    return 10 * max(shape) * eps(dtype) * max(smax, np.finfo(dtype).tiny)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_matches_naive_jacobi_and_numpy(shape, dtype):
    a = np.random.default_rng(sum(shape)).standard_normal(shape).astype(dtype)
    before = a.copy()
    s = svdvals(a, method="bidiagonal")
    np.testing.assert_array_equal(a, before)
    assert s.dtype == dtype and s.shape == (min(shape),)
    assert np.all(np.diff(s) <= 0)
    tall = a if shape[0] >= shape[1] else a.T  # the naive method orthogonalises columns
    ref = naive.svdvals(tall.astype(np.float64))
    tol = _tol(shape, dtype, ref[0])
    np.testing.assert_allclose(s, ref, rtol=0, atol=tol)
    np.testing.assert_allclose(s, np.linalg.svd(a.astype(np.float64), compute_uv=False), rtol=0, atol=tol)


@pytest.mark.parametrize("rank", [0, 1, 3])
def test_rank_deficient_and_zero(rank):
    # exact zero singular values exercise the zero-diagonal chase
    m, n = 12, 9
    if rank == 0:
        a = np.zeros((m, n))
        expected = np.zeros(n)
    else:
        values = np.array([5.0, 2.0, 0.5])[:rank]
        a = naive.matrix_with_singular_values(values, m, n, seed=rank)
        expected = np.concatenate([values, np.zeros(n - rank)])
    s = svdvals(a, method="bidiagonal")
    np.testing.assert_allclose(s, expected, rtol=0, atol=_tol(a.shape, np.float64, 5.0))


def test_repeated_and_clustered_values():
    values = np.array([3.0, 3.0, 3.0, 1.0 + 1e-12, 1.0, 1e-3, 1e-3])
    a = naive.matrix_with_singular_values(values, 20, 7, seed=3)
    s = svdvals(a, method="bidiagonal")
    np.testing.assert_allclose(s, values, rtol=0, atol=_tol(a.shape, np.float64, 3.0))


@pytest.mark.parametrize(
    ("d", "e"),
    [
        ([3.0, 0.0, 2.0, 1.0], [1.0, 0.5, 0.25]),  # zero inside
        ([3.0, 2.0, 1.0, 0.0], [1.0, 0.5, 0.25]),  # zero last
        ([0.0, 2.0, 1.0], [1.0, 0.5]),  # zero first
        ([1e-3, 1.0, 1e3, 1.0], [1.0, 1e-3, 1e3]),  # wide range
        ([2.0], []),
    ],
)
def test_bidiagonal_qr_against_mpmath(d, e):
    n = len(d)
    B = np.diag(d) + (np.diag(e, 1) if n > 1 else 0)
    exact = naive.svdvals_mp(B)
    dd = np.array(d, dtype=np.float64)
    ee = np.zeros(n)
    ee[: n - 1] = e
    none = np.empty((0, 0))
    status, _ = sb.bidiagonal_qr(dd, ee, none, none, False, sb.MAXITR)
    assert status == 0
    np.testing.assert_allclose(dd, exact, rtol=0, atol=10 * n * eps(np.float64) * exact[0])


@pytest.mark.parametrize("direction", ["large to small", "small to large", "middle small"])
def test_bidiagonal_qr_is_relatively_accurate(direction):
    # Demmel & Kahan: every singular value of a bidiagonal to high relative
    # accuracy, however graded (the absolute-criterion QR this replaced
    # returned 0 for values below eps * sigma_max); both chase directions
    n = 12
    d = np.logspace(0, -22, n)
    e = 0.5 * np.logspace(0, -22, n)[1:] * np.linspace(1, 3, n - 1)
    if direction == "small to large":
        d, e = d[::-1].copy(), e[::-1].copy()
    elif direction == "middle small":
        d = np.concatenate([d[: n // 2], d[: n // 2][::-1]])
        e = np.concatenate([e[: n // 2], e[: n // 2 - 1][::-1]])
    B = np.diag(d) + np.diag(e, 1)
    exact = naive.svdvals_mp(B)
    dd = d.copy()
    ee = np.zeros(n)
    ee[:-1] = e
    none = np.empty((0, 0))
    assert sb.bidiagonal_qr(dd, ee, none, none, False, sb.MAXITR)[0] == 0
    np.testing.assert_allclose(dd, exact, rtol=100 * n * eps(np.float64), atol=0)
    # the default keeps a diagonal's tiny values as numpy does
    np.testing.assert_array_equal(svdvals(np.diag([1.0, 1e-20, 1e-300])), [1.0, 1e-20, 1e-300])


def test_bidiagonal_qr_reports_non_convergence():
    d = np.array([1.0, 2.0, 3.0])
    e = np.array([1.0, 1.0, 0.0])
    none = np.empty((0, 0))
    assert sb.bidiagonal_qr(d, e, none, none, False, 0)[0] == 1


def _dqds(d, e):
    n = len(d)
    dd = np.array(d, dtype=np.float64)
    ee = np.zeros(n)
    ee[: n - 1] = e
    return sb.dqds(dd, ee, sb.DQDS_MAXIT), dd


@pytest.mark.parametrize(
    ("d", "e"),
    [
        ([3.0, 0.0, 2.0, 1.0], [1.0, 0.5, 0.25]),  # zero inside
        ([3.0, 2.0, 1.0, 0.0], [1.0, 0.5, 0.25]),  # zero last
        ([0.0, 2.0, 1.0], [1.0, 0.5]),  # zero first
        ([1e-3, 1.0, 1e3, 1.0], [1.0, 1e-3, 1e3]),  # wide range
        ([1.0, -2.0, 3.0, -4.0], [-1.0, 0.0, 2.0]),  # signs, a split
        ([1.0, 1.0, 1.0, 1.0, 1.0], [1e-9, 1e-9, 1e-9, 1e-9]),  # a tight cluster
        ([2.0], []),
        ([0.0, 0.0], [0.0]),
    ],
)
def test_dqds_against_mpmath(d, e):
    # dqds is relatively accurate (Fernando & Parlett 1994): compared value
    # by value, relative to each value, zeros exactly
    B = np.diag(d) + (np.diag(e, 1) if len(d) > 1 else 0)
    exact = naive.svdvals_mp(B)
    status, s = _dqds(d, e)
    assert status == 0
    np.testing.assert_allclose(s, exact, rtol=20 * len(d) * eps(np.float64), atol=0)


@pytest.mark.parametrize("direction", ["large to small", "small to large", "middle small"])
def test_dqds_is_relatively_accurate_on_graded_bidiagonals(direction):
    n = 16
    d = np.logspace(0, -40, n)
    e = 0.5 * np.logspace(0, -40, n)[1:] * np.linspace(1, 3, n - 1)
    if direction == "small to large":
        d, e = d[::-1].copy(), e[::-1].copy()
    elif direction == "middle small":
        d = np.concatenate([d[: n // 2], d[: n // 2][::-1]])
        e = np.concatenate([e[: n // 2], e[: n // 2 - 1][::-1]])
    exact = naive.svdvals_mp(np.diag(d) + np.diag(e, 1))
    status, s = _dqds(d, e)
    assert status == 0
    np.testing.assert_allclose(s, exact, rtol=20 * n * eps(np.float64), atol=0)


def test_dqds_matches_the_bidiagonal_qr_on_random_and_clustered_bidiagonals():
    rng = np.random.default_rng(7)
    for n in (3, 40, 120):
        for d, e in (
            (rng.standard_normal(n), rng.standard_normal(n - 1)),
            (1 + 1e-12 * rng.standard_normal(n), 1e-6 * rng.standard_normal(n - 1)),
        ):
            status, s = _dqds(d, e)
            assert status == 0
            dd = d.copy()
            ee = np.zeros(n)
            ee[:-1] = e
            none = np.empty((0, 0))
            assert sb.bidiagonal_qr(dd, ee, none, none, False, sb.MAXITR)[0] == 0
            np.testing.assert_allclose(s, dd, rtol=0, atol=10 * n * eps(np.float64) * dd[0])


def test_dqds_reports_non_convergence():
    d = np.array([1.0, 2.0, 3.0])
    e = np.array([1.0, 1.0, 0.0])
    assert sb.dqds(d, e, 0) == 1


def test_api_raises_when_the_qr_does_not_converge(monkeypatch):
    import jitla.linalg._svd as jsvd

    monkeypatch.setattr(jsvd, "MAXITR", 0)
    with pytest.raises(LinAlgError, match="SVD did not converge"):
        svd(np.random.default_rng(0).standard_normal((6, 6)))


def test_bidiagonalize_keeps_the_singular_values_and_its_reflectors():
    # G = P B Q^T: the lower bidiagonal B it leaves has G's singular values,
    # and the factors formed from the reflectors rebuild G
    rng = np.random.default_rng(11)
    G = rng.standard_normal((6, 10))
    exact = naive.svdvals_mp(G)
    d, e, tr, tl = np.empty(6), np.empty(6), np.empty(6), np.empty(6)
    W = G.copy()
    sb.bidiagonalize(W, d, e, tr, tl)
    assert e[5] == 0 and tl[5] == 0
    B = np.diag(d) + np.diag(e[:5], -1)
    tol = 100 * eps(np.float64) * exact[0]
    np.testing.assert_allclose(naive.svdvals_mp(B), exact, rtol=0, atol=tol)
    Qt, Pt = np.empty((6, 10)), np.empty((6, 6))
    sb.form_right(W, tr, Qt)
    sb.form_left(W, tl, Pt)
    np.testing.assert_allclose(Qt @ Qt.T, np.eye(6), rtol=0, atol=1e-14)
    np.testing.assert_allclose(Pt @ Pt.T, np.eye(6), rtol=0, atol=1e-14)
    np.testing.assert_allclose(Pt.T @ B @ Qt, G, rtol=0, atol=tol)


@pytest.mark.parametrize("scale", [1e-300, 1e-120, 1.0, 1e140, 1e300])
def test_values_of_a_square_matrix_at_every_scale(scale):
    # values only, square: the kernel reads A itself (no transposed copy) and
    # is scaled only near the ends of the range (1e-120 and 1e140 are not)
    B = np.random.default_rng(13).standard_normal((7, 7))
    a = B * scale
    before = a.copy()
    s = svdvals(a, method="bidiagonal")
    np.testing.assert_array_equal(a, before)
    ref = np.linalg.svd(B, compute_uv=False) * scale
    np.testing.assert_allclose(s / scale, ref / scale, rtol=0, atol=_tol(a.shape, np.float64, ref[0] / scale))


def _golub_kahan(G):
    """Textbook Golub-Kahan to lower bidiagonal form (dgebd2 on G^T), reflectors as ``dlarfg``'s."""
    G = G.copy()
    k, L = G.shape
    d, e = np.zeros(k), np.zeros(k)
    for i in range(k):
        for side in ("right", "left"):
            x = G[i, i:] if side == "right" else G[i + 1 :, i]
            if side == "left" and i + 1 >= k:
                break
            if np.linalg.norm(x[1:]) == 0:  # H = I, as dlarfg
                beta, v, tau = x[0], x.copy(), 0.0
            else:
                beta = -math.copysign(np.linalg.norm(x), x[0])
                v = x.copy()
                v[0] -= beta
                tau = 2 / (v @ v)
            if side == "right":
                G[i:, i:] -= tau * np.outer(G[i:, i:] @ v, v)
                d[i] = beta
            else:
                G[i + 1 :, i:] -= tau * np.outer(v, v @ G[i + 1 :, i:])
                e[i] = beta
    return d, e


@pytest.mark.parametrize(
    "kind",
    ["3x7", "9x9", "18x40", "rank one"],  # odd and even row counts, widths across a register boundary
)
def test_one_pass_reductions_match_the_textbook_two_pass_one(kind):
    # bidiagonalize(_values) form w from z = x^T P2 gathered in the rows'
    # pass instead of a second pass: the same reflectors, so the same B to
    # rounding; the rank-one matrix leaves rounding noise that is flushed
    rng = np.random.default_rng(12)
    if kind == "rank one":
        G = np.outer(rng.standard_normal(5), rng.standard_normal(11))
    else:
        G = rng.standard_normal(tuple(int(s) for s in kind.split("x")))
    k = G.shape[0]
    before = G.copy()
    d, e = np.empty(k), np.empty(k)
    sb.bidiagonalize_values(G, d, e)
    np.testing.assert_array_equal(G, before)
    d0, e0 = np.empty(k), np.empty(k)
    sb.bidiagonalize(G.copy(), d0, e0, np.empty(k), np.empty(k))
    ref_d, ref_e = _golub_kahan(G)
    tol = 100 * max(G.shape) * eps(np.float64) * np.linalg.norm(G, 2)
    for dd, ee in ((d, e), (d0, e0)):
        np.testing.assert_allclose(dd, ref_d, rtol=0, atol=tol)
        np.testing.assert_allclose(ee, ref_e, rtol=0, atol=tol)
    assert e[k - 1] == 0


@pytest.mark.parametrize("step", [1, -1])
@pytest.mark.parametrize("width", [3, 32, 45, 100])
def test_rotation_chain_is_rotation_by_rotation(step, width):
    # the carried-row chain must give bitwise what level1.rot gives, one
    # rotation at a time, for widths below, at and past the vector chunk
    from jitla.kernels.level1 import rot

    rng = np.random.default_rng(width)
    X = rng.standard_normal((7, width))
    angles = rng.uniform(0, 2 * np.pi, 5)
    cs, ss = np.cos(angles), np.sin(angles)
    start = 1 if step == 1 else 6
    ref = X.copy()
    r = start
    for c, s in zip(cs, ss, strict=True):
        rot(ref[r], ref[r + step], c, s)
        r += step
    sb._rotate_rows(X, start, step, 5, cs, ss)
    np.testing.assert_array_equal(X, ref)


def test_graded_matrix_loses_what_jacobi_keeps():
    # columns scaled 1e-14 .. 1: Jacobi keeps every value to 1e-13 relative
    # (tests/linalg/test_svd.py); the backward-stable path -- the default --
    # only to ~eps * sigma_max absolute, as numpy, so the smallest value,
    # ~1e-14 sigma_max, has no correct digit guaranteed.  All three facts are
    # asserted: the absolute bound holds, the default's smallest value is
    # far off in relative terms, and method="jacobi" keeps it.
    rng = np.random.default_rng(7)
    a = rng.standard_normal((20, 20)) * np.logspace(-14, 0, 20)  # past SVD_VALUES_JACOBI_MAX
    exact = naive.svdvals_mp(a)
    fast = svdvals(a)
    np.testing.assert_array_equal(fast, svdvals(a, method="bidiagonal"))
    jacobi = svdvals(a, method="jacobi")
    np.testing.assert_allclose(fast, exact, rtol=0, atol=_tol(a.shape, np.float64, exact[0]))
    assert np.max(np.abs(jacobi - exact) / exact) <= 1e-13
    assert abs(fast[-1] - exact[-1]) / exact[-1] > 1e-6


def _check_svd(a, result, full_matrices, tol):
    U, S, Vh = result
    m, n = a.shape
    k = min(m, n)
    assert U.shape == ((m, m) if full_matrices else (m, k))
    assert Vh.shape == ((n, n) if full_matrices else (k, n))
    assert U.dtype == Vh.dtype == S.dtype == a.dtype
    assert np.all(np.diff(S) <= 0) and np.all(S >= 0)
    unit = 10 * max(m, n) * eps(a.dtype)
    np.testing.assert_allclose(U.T @ U, np.eye(U.shape[1]), rtol=0, atol=unit)
    np.testing.assert_allclose(Vh @ Vh.T, np.eye(Vh.shape[0]), rtol=0, atol=unit)
    np.testing.assert_allclose((U[:, :k] * S) @ Vh[:k], a, rtol=0, atol=tol)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("full_matrices", [True, False])
def test_svd_with_vectors(shape, dtype, full_matrices):
    a = np.random.default_rng(sum(shape) + 1).standard_normal(shape).astype(dtype)
    before = a.copy()
    result = svd(a, full_matrices=full_matrices)  # "auto": the bidiagonal route at these sizes
    np.testing.assert_array_equal(a, before)
    ref = naive.svdvals((a if shape[0] >= shape[1] else a.T).astype(np.float64))
    tol = _tol(shape, dtype, ref[0])
    _check_svd(a, result, full_matrices, tol)
    np.testing.assert_allclose(result.S, ref, rtol=0, atol=tol)
    # values only run dqds, with vectors the QR: the same values to rounding
    np.testing.assert_allclose(result.S, svd(a, compute_uv=False, method="bidiagonal"), rtol=0, atol=tol)


def test_svd_rank_deficient_repeated_zero_and_graded_vectors():
    values = np.array([5.0, 2.0, 2.0, 0.5, 0.0, 0.0])
    for a in (
        naive.matrix_with_singular_values(values[:4], 12, 9, seed=4),  # rank 4 of 9
        naive.matrix_with_singular_values(values[:4], 9, 12, seed=5),
        np.eye(5),
        np.zeros((4, 3)),
        np.ones((33, 17)),
        np.random.default_rng(3).standard_normal((16, 16)) * np.logspace(-14, 0, 16),
        np.diag([1.0, 1e-20, 1e-300]),
        np.random.default_rng(4).standard_normal((6, 4)) * 1e300,
        np.random.default_rng(4).standard_normal((6, 4)) * np.array([1, 1, 1, 1e-290]),
    ):
        result = svd(a, method="bidiagonal")
        _check_svd(a, result, True, 50 * max(a.shape) * eps(np.float64) * max(np.abs(a).max(), 1e-300))
        ref = np.linalg.svd(a, compute_uv=False)
        np.testing.assert_allclose(result.S, ref, rtol=0, atol=_tol(a.shape, np.float64, ref[0]))


def test_bidiagonal_on_a_large_problem_and_named_at_any_size():
    # past SVD_BIDIAGONAL_UV_MAX "auto" takes divide and conquer; the QR
    # route itself still works there when named
    from jitla import config

    n = config.SVD_BIDIAGONAL_UV_MAX + 3
    a = np.random.default_rng(9).standard_normal((n + 5, n))
    result = svd(a, full_matrices=False, method="bidiagonal")
    ref = np.linalg.svd(a, compute_uv=False)
    _check_svd(a, result, False, _tol(a.shape, np.float64, ref[0]))
    np.testing.assert_allclose(result.S, ref, rtol=0, atol=_tol(a.shape, np.float64, ref[0]))


def test_stacked_f_order_and_strided_inputs():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 9, 14))
    ref = np.linalg.svd(a, compute_uv=False)
    tol = _tol((9, 14), np.float64, ref.max())
    np.testing.assert_allclose(svdvals(a, method="bidiagonal"), ref, rtol=0, atol=tol)
    f = np.asfortranarray(a[0])
    np.testing.assert_allclose(svdvals(f, method="bidiagonal"), ref[0], rtol=0, atol=tol)
    big = rng.standard_normal((18, 28))
    view = big[::2, ::2]
    np.testing.assert_allclose(
        svdvals(view, method="bidiagonal"), np.linalg.svd(view, compute_uv=False), rtol=0, atol=tol
    )
    assert svdvals(np.zeros((0, 4)), method="bidiagonal").shape == (0,)
    assert svdvals(np.zeros((2, 0, 3)), method="bidiagonal").shape == (2, 0)


def test_bad_input():
    with pytest.raises(ValueError, match="singular values only"):
        svd(np.eye(3), method="jacobi_values")
    with pytest.raises(LinAlgError, match="SVD did not converge"):
        svd(np.array([[1.0, np.inf], [0.0, 1.0]]), method="bidiagonal")
    with pytest.raises(LinAlgError, match="SVD did not converge"):
        svdvals(np.array([[1.0, np.nan], [0.0, 1.0]]), method="bidiagonal")
    with pytest.raises(LinAlgError):
        svdvals(np.ones(3), method="bidiagonal")


def test_registered_as_svdvals_and_svd_kernels():
    info = get_kernel("svdvals", "bidiagonal")
    assert info.func is sb.svdvals_bidiagonal
    G = np.arange(1.0, 36.0).reshape(5, 7)
    S = np.empty(5)
    assert info.func(G.copy(), S) == 0
    np.testing.assert_allclose(S, np.linalg.svd(G, compute_uv=False), rtol=0, atol=1e-12 * S[0])
    info = get_kernel("svd", "bidiagonal")
    assert info.func is sb.svd_bidiagonal
    G, S2, Ut, Vt, compute_uv, allowed = info.example(np.float64)
    A = G.T.copy()
    status, _ = info.func(G, S2, Ut, Vt, compute_uv, allowed)
    assert status == 0
    np.testing.assert_allclose((Ut.T * S2) @ Vt, A, rtol=0, atol=1e-13 * S2[0])


@pytest.mark.parametrize("shape", [(2, 0, 3), (2, 3, 0)])
def test_stacks_of_empty_matrices_match_numpy(shape):
    # reshape((-1, m, n)) is ambiguous when m * n == 0; svd used to raise here
    a = np.zeros(shape)
    ref = np.linalg.svd(a)
    ours = svd(a)
    for x, y in zip(ours, ref, strict=True):
        assert x.shape == y.shape
        np.testing.assert_array_equal(x, y)
    assert svdvals(a).shape == ref.S.shape


@pytest.mark.parametrize(
    ("f", "g"),
    [(3.0, 4.0), (-3.0, 4.0), (1e-3, -7.0), (3e200, 4e200), (3e-200, -4e-200), (1e-160, 2e-160), (2.0, 0.0)],
)
def test_givens_plain_square_root_and_hypot_fallback(f, g):
    # sqrt(f^2 + g^2) where the squares are safe, libm's hypot where they would over/underflow
    from jitla.kernels.level1 import givens

    c, s, r = givens(f, g)
    want = math.hypot(f, g) if g != 0 else f
    assert r == pytest.approx(want, rel=2 * np.finfo(np.float64).eps)
    assert c * f + s * g == pytest.approx(r, rel=4 * np.finfo(np.float64).eps)
    assert abs(-s * f + c * g) <= 4 * np.finfo(np.float64).eps * abs(r)
    assert c * c + s * s == pytest.approx(1.0, rel=4 * np.finfo(np.float64).eps)
