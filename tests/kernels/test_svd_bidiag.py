"""Singular values by bidiagonalisation + bidiagonal QR (``svdvals(method="bidiagonal")``).

Oracles: the naive textbook Jacobi of ``tests/naive.py``, numpy's LAPACK
SVD, and mpmath at 50 digits.  The method is backward stable, so errors
are measured against the *largest* singular value: ``c * max(m, n) * eps *
sigma_max`` with c = 10 (Golub & Van Loan, 4th ed., Sec. 8.6.1: the
reduction and the QR sweeps are each backward stable with a modest
dimension-dependent constant).  The graded test shows the price: what the
Jacobi methods get to full relative accuracy, this path gets only to
accuracy relative to sigma_max -- which is why "auto" never picks it.
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
        ([3.0, 0.0, 2.0, 1.0], [1.0, 0.5, 0.25]),  # zero inside: chase e[k] rightwards
        ([3.0, 2.0, 1.0, 0.0], [1.0, 0.5, 0.25]),  # zero last: chase e[n-2] upwards
        ([0.0, 2.0, 1.0], [1.0, 0.5]),  # zero first
        ([1e-3, 1.0, 1e3, 1.0], [1.0, 1e-3, 1e3]),  # wide range
        ([2.0], []),
    ],
)
def test_bidiagonal_values_against_mpmath(d, e):
    n = len(d)
    B = np.diag(d) + (np.diag(e, 1) if n > 1 else 0)
    exact = naive.svdvals_mp(B)
    dd = np.array(d, dtype=np.float64)
    ee = np.zeros(n)
    ee[: n - 1] = e
    assert sb.bidiagonal_values(dd, ee, 30 * n) == 0
    np.testing.assert_allclose(dd, exact, rtol=0, atol=10 * n * eps(np.float64) * exact[0])


def test_bidiagonal_values_reports_non_convergence():
    d = np.array([1.0, 2.0, 3.0])
    e = np.array([1.0, 1.0, 0.0])
    assert sb.bidiagonal_values(d, e, 0) == 1


def test_bidiagonalize_keeps_the_singular_values():
    # G = P B Q^T: the lower bidiagonal B it leaves has G's singular values
    rng = np.random.default_rng(11)
    G = rng.standard_normal((6, 10))
    exact = naive.svdvals_mp(G)
    d = np.empty(6)
    e = np.empty(6)
    sb.bidiagonalize(G.copy(), d, e)
    assert e[5] == 0
    B = np.diag(d) + np.diag(e[:5], -1)
    tol = 100 * eps(np.float64) * exact[0]
    np.testing.assert_allclose(naive.svdvals_mp(B), exact, rtol=0, atol=tol)


def test_graded_matrix_loses_what_jacobi_keeps():
    # columns scaled 1e-14 .. 1: Jacobi keeps every value to 1e-13 relative
    # (tests/linalg/test_svd.py); the backward-stable path only to ~eps * sigma_max
    # absolute, so the smallest value, ~1e-14 sigma_max, has no correct digits
    # guaranteed.  Both facts are asserted: the absolute bound holds, and the
    # relative error of the smallest value is far above Jacobi's.
    rng = np.random.default_rng(7)
    a = rng.standard_normal((16, 16)) * np.logspace(-14, 0, 16)
    exact = naive.svdvals_mp(a)
    fast = svdvals(a, method="bidiagonal")
    jacobi = svdvals(a)
    np.testing.assert_allclose(fast, exact, rtol=0, atol=_tol(a.shape, np.float64, exact[0]))
    assert np.max(np.abs(jacobi - exact) / exact) <= 1e-13
    assert abs(fast[-1] - exact[-1]) / exact[-1] > 1e-6


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
        svd(np.eye(3), method="bidiagonal")
    with pytest.raises(LinAlgError, match="SVD did not converge"):
        svdvals(np.array([[1.0, np.nan], [0.0, 1.0]]), method="bidiagonal")
    with pytest.raises(LinAlgError):
        svdvals(np.ones(3), method="bidiagonal")


def test_registered_as_svdvals_kernel():
    info = get_kernel("svdvals", "bidiagonal")
    assert info.func is sb.svdvals_bidiagonal
    G = np.arange(1.0, 36.0).reshape(5, 7)
    S = np.empty(5)
    assert info.func(G.copy(), S) == 0
    np.testing.assert_allclose(S, np.linalg.svd(G, compute_uv=False), rtol=0, atol=1e-12 * S[0])


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
