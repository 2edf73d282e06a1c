"""Divide-and-conquer bidiagonal SVD (:mod:`jitla.kernels.svd_dc`, ``method="bidiagonal_dc"``).

Oracles: numpy's LAPACK SVD, the naive textbook Jacobi of ``tests/naive.py``
and mpmath at 50 digits.  The kernel is checked on the bidiagonal itself
(``bidiagonal_dc``, whose leaves have at most two rows, so that matrices
of a few dozen rows go through four to five levels of merges): ``B = U^T diag(d) V`` to
``(c n + 64) eps |B|`` (64 eps: the deflation tolerance), ``U``, ``V`` orthogonal to ``c n eps`` (the Löwner
recomputation of z is what keeps them so; c = 4, Gu & Eisenstat 1995,
Sec. 4), values as close to numpy's.  The deflation cases
are the ones ``dlasd2`` handles: zero z entries (zero e), equal values,
a zero d, and matrices where almost everything deflates.  The leaves' 2 x 2
SVD (``_svd_2x2``, LAPACK ``dlasv2``) is checked on its own against mpmath:
both values to a few ulps relative, as Demmel & Kahan (1990) prove.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest

from jitla.kernels.svd_dc import _svd_2x2, bidiagonal_dc, svd_bidiagonal_dc
from jitla.linalg import svd

EPS = np.finfo(np.float64).eps


def _check(d, e, c=4.0):
    d = np.asarray(d, dtype=np.float64)
    e = np.asarray(e, dtype=np.float64)
    n = d.shape[0]
    B = np.diag(d) + np.diag(e[: n - 1], 1)
    dd = d.copy()
    ee = np.zeros(n)
    ee[: n - 1] = e[: n - 1]
    U = np.empty((n, n))
    V = np.empty((n, n))
    assert bidiagonal_dc(dd, ee, U, V) == 0
    scale = max(np.abs(B).max(), np.finfo(np.float64).tiny)
    tol = c * max(n, 1) * EPS
    # a deflation moves B by up to its tolerance, 64 eps |B| (dlasd2's)
    btol = tol + 64 * EPS
    assert np.all(np.diff(dd) <= 0) and np.all(dd >= 0)
    np.testing.assert_allclose(U.T @ np.diag(dd) @ V, B, rtol=0, atol=btol * scale)
    np.testing.assert_allclose(U @ U.T, np.eye(n), rtol=0, atol=tol)
    np.testing.assert_allclose(V @ V.T, np.eye(n), rtol=0, atol=tol)
    np.testing.assert_allclose(dd, np.linalg.svd(B, compute_uv=False), rtol=0, atol=btol * scale)
    return dd


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 26, 60])
def test_random_bidiagonal_against_numpy(n):
    rng = np.random.default_rng(n)
    _check(rng.standard_normal(n), rng.standard_normal(n))


def test_against_naive_jacobi():
    rng = np.random.default_rng(7)
    d, e = rng.standard_normal(12), rng.standard_normal(12)
    B = np.diag(d) + np.diag(e[:11], 1)
    s = _check(d, e)
    np.testing.assert_allclose(s, naive.svdvals(B), rtol=0, atol=4 * 12 * EPS * s[0])


@pytest.mark.parametrize(
    "case",
    [
        "repeated",  # equal values: the close-value rotations
        "zero_e",  # zero superdiagonal entries: z entries vanish
        "zero_d",  # a zero diagonal entry: an exact zero singular value
        "identity",  # everything deflates
        "graded",  # values over 30 decades
        "clustered",  # values within a few eps of each other
        "tiny_d",  # values below the deflation tolerance next to d_0 = 0
    ],
)
def test_deflation_cases(case):
    n = 40
    rng = np.random.default_rng(len(case))
    if case == "repeated":
        d = np.ones(n)
        e = 1e-3 * rng.standard_normal(n)
        e[::3] = 0.0
    elif case == "zero_e":
        d = rng.standard_normal(n)
        e = rng.standard_normal(n)
        e[::2] = 0.0
    elif case == "zero_d":
        d = rng.standard_normal(n)
        d[[0, 13, 20, 39]] = 0.0
        e = rng.standard_normal(n)
    elif case == "identity":
        d = np.ones(n)
        e = np.zeros(n)
    elif case == "graded":
        d = 10.0 ** -np.linspace(0, 30, n)
        e = 0.5 * 10.0 ** -np.linspace(0, 30, n)
    elif case == "clustered":
        d = 1.0 + 4 * EPS * np.arange(n)
        e = EPS * rng.standard_normal(n)
    else:
        d = rng.standard_normal(n)
        d[5:9] = 1e-300
        e = rng.standard_normal(n)
        e[4:9] = 1e-300
    _check(d, e)


def test_zero_matrix_and_small_sizes():
    # n = 5, 6: 2 x 3 leaves next to 2 x 2 and 1 x 2 ones
    _check(np.zeros(9), np.zeros(9))
    rng = np.random.default_rng(3)
    for n in (5, 6):
        _check(-rng.standard_normal(n), rng.standard_normal(n))
    # a zero block inside: merges whose children and joining row are all zero (every value
    # deflates, _merge's zero-node branch) beside merges of a zero child with a nonzero one
    d = rng.standard_normal(20)
    e = rng.standard_normal(20)
    d[6:14] = 0.0
    e[5:14] = 0.0
    _check(d, e)


@pytest.mark.parametrize("n", [5, 23])
@pytest.mark.parametrize("grading", ["down", "up", "leaves"])
def test_graded_bidiagonals_against_numpy(n, grading):
    # values over 200 decades: each leaf's 2 x 2 has entries of very different size
    rng = np.random.default_rng(n)
    if grading == "down":
        d = 10.0 ** -np.linspace(0, 200, n)
        e = 10.0 ** -np.linspace(10, 210, n)
    elif grading == "up":
        d = 10.0 ** np.linspace(-200, 0, n)
        e = 10.0 ** np.linspace(-195, 5, n)
    else:
        # alternating huge and tiny: g-dominant and f = h leaves
        d = np.where(np.arange(n) % 2 == 0, 1e-150, 1.0) * rng.uniform(0.5, 2.0, n)
        e = np.where(np.arange(n) % 3 == 0, 1e150, 1e-150) * rng.standard_normal(n)
    _check(d, e)


_HARD_2X2 = [
    (1.0, 2.0, 3.0),
    (-4.0, 3.0, -2e-5),
    (2.0, 3.0, 2.0),  # f = h: l = 0
    (-1.0, 1e-200, 1.0),  # f = -h, m^2 underflows
    (3.0, 1e-170, -2.0),  # m^2 underflows, l != 0
    (1.0, 1e20, 1.0),  # g dominant to working precision
    (1e-200, 1.0, -1e-100),  # g dominant, tiny f h
    (3e-5, 7.0, 2e-3),  # g dominant, not to working precision
    (1e300, 1e300, 1e-300),  # huge and tiny
    (1e-300, 1e300, 1e300),
    (1e154, -3e153, 1e-154),
    (1.0, 0.0, -5.0),  # diagonal, |h| > |f|
    (0.0, 1.0, 0.0),
    (0.0, 2.0, 3.0),  # an exact zero value
    (5.0, 2.0, 0.0),
    (0.0, 0.0, 0.0),
]


@pytest.mark.parametrize("fgh", _HARD_2X2, ids=str)
def test_svd_2x2_against_mpmath(fgh):
    mp = pytest.importorskip("mpmath").mp
    mp.dps = 50
    f, g, h = fgh
    smax, smin, cl, sl, cr, sr = _svd_2x2(f, g, h)
    F, G, H = mp.mpf(f), mp.mpf(g), mp.mpf(h)
    big = (mp.sqrt((F + H) ** 2 + G**2) + mp.sqrt((F - H) ** 2 + G**2)) / 2
    small = abs(F * H) / big if big else mp.mpf(0)
    # both values to a few ulps relative; their signs give det = f h
    rtol = 4 * EPS
    assert abs(abs(smax) - big) <= rtol * big
    assert abs(abs(smin) - small) <= rtol * small
    assert smax * smin == 0.0 or np.sign(smax * smin) == np.sign(f * h)
    # the rotations orthonormal and L B R = diag(smax, smin) to a few ulps of smax
    for c, s in ((cl, sl), (cr, sr)):
        assert abs(mp.mpf(c) ** 2 + mp.mpf(s) ** 2 - 1) <= 4 * EPS
    L = mp.matrix([[cl, sl], [-sl, cl]])
    R = mp.matrix([[cr, -sr], [sr, cr]])
    M = L * mp.matrix([[F, G], [0, H]]) * R
    atol = 4 * EPS * big
    for (i, j), want in {(0, 0): smax, (0, 1): 0.0, (1, 0): 0.0, (1, 1): smin}.items():
        assert abs(M[i, j] - want) <= atol, (i, j, M[i, j], want)


def test_ill_conditioned_against_mpmath():
    # a bidiagonal with values from 1 down to ~1e-12; the kernel is backward
    # stable, so each value to (4 n + 64) eps sigma_max of the 50-digit values
    n = 8
    d = 10.0 ** -np.arange(0, 2 * n, 2) * 1.5
    e = np.full(n, 0.7)
    B = np.diag(d) + np.diag(e[: n - 1], 1)
    s = _check(d, e)
    ref = naive.svdvals_mp(B)
    np.testing.assert_allclose(s, ref, rtol=0, atol=(4 * n + 64) * EPS * ref[0])


# (400, 380): the root merge's products and the reflectors take several row panels
# (DC_PANEL_BYTES); the others fit in one
@pytest.mark.parametrize("shape", [(50, 50), (60, 49), (48, 57), (400, 380)], ids=str)
def test_svd_api_against_numpy(shape):
    a = np.random.default_rng(sum(shape)).standard_normal(shape)
    before = a.copy()
    U, s, Vh = svd(a, full_matrices=False, method="bidiagonal_dc")
    np.testing.assert_array_equal(a, before)
    k = min(shape)
    tol = 10 * max(shape) * EPS
    ref = np.linalg.svd(a, compute_uv=False)
    np.testing.assert_allclose(s, ref, rtol=0, atol=tol * ref[0])
    np.testing.assert_allclose((U * s) @ Vh, a, rtol=0, atol=tol * ref[0])
    np.testing.assert_allclose(U.T @ U, np.eye(k), rtol=0, atol=tol)
    np.testing.assert_allclose(Vh @ Vh.T, np.eye(k), rtol=0, atol=tol)
    # the default ("auto") takes this route at these sizes
    U2, s2, Vh2 = svd(a, full_matrices=False)
    np.testing.assert_array_equal(s2, s)


def test_values_only_kernel_branch():
    # compute_uv=False (the API routes values elsewhere): the D&C's values, Ut and Vt untouched
    G = np.random.default_rng(5).standard_normal((6, 9))
    ref = np.linalg.svd(G, compute_uv=False)
    S = np.empty(6)
    Ut = np.full((6, 9), 7.0)
    Vt = np.full((6, 6), 7.0)
    assert svd_bidiagonal_dc(G.copy(), S, Ut, Vt, False, 0) == (0, 0)
    np.testing.assert_allclose(S, ref, rtol=0, atol=4 * 9 * EPS * ref[0])
    assert np.all(Ut == 7.0) and np.all(Vt == 7.0)
