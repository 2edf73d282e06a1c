"""Divide-and-conquer bidiagonal SVD (:mod:`jitla.kernels.svd_dc`, ``method="bidiagonal_dc"``).

Oracles: numpy's LAPACK SVD, the naive textbook Jacobi of ``tests/naive.py``
and mpmath at 50 digits.  The kernel is checked on the bidiagonal itself
(``bidiagonal_dc`` with tiny leaves, so that matrices of a few dozen rows
go through two to four levels of merges): ``B = U^T diag(d) V`` to
``(c n + 64) eps |B|`` (64 eps: the deflation tolerance), ``U``, ``V`` orthogonal to ``c n eps`` (the Löwner
recomputation of z is what keeps them so; c = 4, Gu & Eisenstat 1995,
Sec. 4), values as close to numpy's.  The deflation cases
are the ones ``dlasd2`` handles: zero z entries (zero e), equal values,
a zero d, and matrices where almost everything deflates.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest

from jitla.kernels.svd_dc import bidiagonal_dc
from jitla.linalg import svd

EPS = np.finfo(np.float64).eps


def _check(d, e, leaf=3, c=4.0):
    d = np.asarray(d, dtype=np.float64)
    e = np.asarray(e, dtype=np.float64)
    n = d.shape[0]
    B = np.diag(d) + np.diag(e[: n - 1], 1)
    dd = d.copy()
    ee = np.zeros(n)
    ee[: n - 1] = e[: n - 1]
    U = np.empty((n, n))
    V = np.empty((n, n))
    assert bidiagonal_dc(dd, ee, U, V, leaf) == 0
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


def test_zero_matrix_and_leaf_sizes():
    _check(np.zeros(9), np.zeros(9))
    rng = np.random.default_rng(3)
    d, e = rng.standard_normal(33), rng.standard_normal(33)
    for leaf in (3, 5, 16, 40):
        _check(d, e, leaf=leaf)


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


@pytest.mark.parametrize("shape", [(50, 50), (60, 49), (48, 57)], ids=str)
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
