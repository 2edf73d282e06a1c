"""Divide-and-conquer symmetric tridiagonal eigensolver (:mod:`jitla.kernels.eig_symmetric_dc`).

Oracles: LAPACK through scipy (``eigvalsh_tridiagonal``, ``eigh``), the
naive textbook Jacobi of ``tests/naive.py`` and mpmath at 50 digits.  The
tree is run with leaves of 2 to 4 rows (the leaf order is an argument), so
that matrices of 20-40 rows go through three to four levels of merges;
checked are ``T = Z^T diag(d) Z`` to ``c n eps |T|`` plus the deflation
tolerance ``8 eps |T|`` (``dlaed2``'s), ``Z`` orthogonal to ``c n eps``
(Löwner's recomputation of z keeps it so, Gu & Eisenstat 1995), ascending
values as close to LAPACK's.  The deflation cases are those ``dlaed2``
handles: zero z entries (zero off-diagonal, the zero matrix, the identity),
equal and nearly equal values (Wilkinson's W21+, rank one plus identity,
glued copies), and graded entries.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg

from jitla.kernels.eig_symmetric_dc import tridiagonal_dc

EPS = np.finfo(np.float64).eps


def _check(d, e, leaf, c=4.0):
    d = np.asarray(d, dtype=np.float64)
    n = d.shape[0]
    e = np.zeros(n) if n == 0 else np.append(np.asarray(e, dtype=np.float64)[: n - 1], 0.0)
    T = np.diag(d) + np.diag(e[: n - 1], 1) + np.diag(e[: n - 1], -1)
    dd, ee = d.copy(), e.copy()
    Z = np.empty((n, n))
    assert tridiagonal_dc(dd, ee, Z, leaf) == 0
    np.testing.assert_array_equal(ee, e)  # e is read only
    scale = max(np.abs(T).max(initial=0.0), np.finfo(np.float64).tiny)
    tol = c * max(n, 1) * EPS
    ttol = (tol + 8 * EPS) * scale
    assert np.all(np.diff(dd) >= 0)
    np.testing.assert_allclose(Z.T @ np.diag(dd) @ Z, T, rtol=0, atol=ttol)
    np.testing.assert_allclose(Z @ Z.T, np.eye(n), rtol=0, atol=tol)
    if n:
        ref = scipy.linalg.eigvalsh_tridiagonal(d, e[: n - 1]) if n > 1 else d
        np.testing.assert_allclose(dd, ref, rtol=0, atol=ttol)
    return dd, Z


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 20, 37])
@pytest.mark.parametrize("leaf", [2, 4])
def test_random_tridiagonal_against_lapack(n, leaf):
    rng = np.random.default_rng(10 * n + leaf)
    _check(rng.standard_normal(n), rng.standard_normal(n), leaf)


def test_against_naive_jacobi():
    rng = np.random.default_rng(7)
    d, e = rng.standard_normal(12), rng.standard_normal(11)
    T = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    w, _ = _check(d, e, 3)
    np.testing.assert_allclose(w, naive.eigvalsh(T), rtol=0, atol=4 * 12 * EPS * np.abs(T).max())


def test_graded_and_clustered_against_mpmath():
    # values from 1 to 1e-12 by rows, and a cluster of values within ~1e-10 of each other:
    # every eigenvalue to c n eps |T| of the 50-digit answer
    n = 14
    d = np.logspace(0, -12, n)
    d[6:10] = 0.5 + 1e-10 * np.arange(4)
    e = np.sqrt(d[:-1] * d[1:]) * 0.3
    e[6:9] = 1e-11
    T = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    w, _ = _check(d, e, 2)
    exact = naive.eigvals_mp(T, dps=50, symmetric=True)
    np.testing.assert_allclose(w, exact, rtol=0, atol=4 * n * EPS * np.abs(T).max())


def _wilkinson(m):
    n = 2 * m + 1
    return np.abs(np.arange(n) - float(m)), np.ones(n - 1)


@pytest.mark.parametrize(
    "case",
    [
        "identity",  # e = 0: every z entry vanishes
        "zero",  # the zero matrix: rho = 0 at every merge
        "one_by_one",
        "two_by_two",
        "wilkinson21",  # W21+: pairs equal to ~1e-14, the close-value rotations
        "glued_wilkinson",  # copies of W21+ glued by 1e-10: clusters of near-equal values
        "constant",  # 2 on the diagonal, 1 beside it: known values 2 + 2 cos(k pi / (n+1))
        "split",  # zero off-diagonal entries among random ones
        "graded",  # entries over 30 decades
    ],
)
def test_deflation_cases(case):
    rng = np.random.default_rng(len(case))
    n = 40
    if case == "identity":
        d, e = np.ones(n), np.zeros(n - 1)
    elif case == "zero":
        d, e = np.zeros(n), np.zeros(n - 1)
    elif case == "one_by_one":
        d, e = np.array([-3.5]), np.zeros(0)
    elif case == "two_by_two":
        d, e = np.array([1.0, 1.0]), np.array([1e-300])
    elif case == "wilkinson21":
        d, e = _wilkinson(10)
    elif case == "glued_wilkinson":
        d1, e1 = _wilkinson(10)
        d = np.tile(d1, 2)
        e = np.concatenate([e1, [1e-10], e1])
    elif case == "constant":
        d, e = np.full(n, 2.0), np.ones(n - 1)
    elif case == "split":
        d, e = rng.standard_normal(n), rng.standard_normal(n - 1)
        e[::5] = 0.0
    else:
        d = np.logspace(-15, 15, n)
        e = np.sqrt(d[:-1] * d[1:]) * rng.uniform(0.1, 1.0, n - 1)
    for leaf in (2, 3):
        w, Z = _check(d, e, leaf)
    if case == "constant":
        exact = np.sort(2 + 2 * np.cos(np.arange(1, n + 1) * np.pi / (n + 1)))
        np.testing.assert_allclose(w, exact, rtol=0, atol=16 * n * EPS)
    if case in ("identity", "zero", "one_by_one"):
        np.testing.assert_array_equal(w, np.sort(d))
        np.testing.assert_array_equal(np.abs(Z), np.eye(len(d))[np.argsort(d, kind="stable")])


def test_rank_one_plus_identity_through_eigh():
    # I + u u^T: n - 1 eigenvalues equal to 1, one 1 + |u|^2 (most of every merge deflates)
    from jitla.linalg import eigh

    rng = np.random.default_rng(3)
    n = 30
    u = rng.standard_normal(n)
    a = np.eye(n) + np.outer(u, u)
    w, V = eigh(a, method="dc")
    expected = np.ones(n)
    expected[-1] += u @ u
    np.testing.assert_allclose(w, expected, rtol=0, atol=8 * n * EPS * np.abs(a).max())
    np.testing.assert_allclose(V.T @ V, np.eye(n), rtol=0, atol=8 * n * EPS)
    np.testing.assert_allclose(a @ V, V * w, rtol=0, atol=8 * n * EPS * np.abs(a).max())


def test_order_400_takes_several_row_panels():
    # the root merge's product (K ~ 400 rows over ~200 basis rows) and the reflectors (rows of
    # 400) are both done a row panel at a time (svd_dc.DC_PANEL_BYTES); the small cases above
    # fit in one panel
    from jitla.kernels.svd_dc import DC_PANEL_BYTES
    from jitla.linalg import eigh

    n = 400
    assert DC_PANEL_BYTES // (8 * (n // 2)) < n and DC_PANEL_BYTES // (8 * n) < n
    rng = np.random.default_rng(400)
    a = rng.standard_normal((n, n))
    a = a + a.T
    w, V = eigh(a, method="dc")
    scale = np.abs(a).max()
    np.testing.assert_allclose(w, scipy.linalg.eigvalsh(a), rtol=0, atol=4 * n * EPS * scale)
    np.testing.assert_allclose(a @ V, V * w, rtol=0, atol=4 * n * EPS * scale)
    np.testing.assert_allclose(V.T @ V, np.eye(n), rtol=0, atol=4 * n * EPS)


@pytest.mark.parametrize("n", [1, 2, 3, 9])
def test_back_transform_applies_the_reduction_q(n):
    # Vt := Vt Q^T with Q^T A Q = T from sytd2_fused: on the identity, the rows of Q^T, which must
    # be orthogonal and bring A to the tridiagonal (d, e) the reduction returned
    from jitla.kernels.eig_symmetric import sytd2_fused
    from jitla.kernels.eig_symmetric_dc import back_transform

    rng = np.random.default_rng(n)
    a = rng.standard_normal((n, n))
    a = a + a.T
    S = np.triu(a).copy()  # the reduction reads the upper triangle only
    d, e, tau = np.empty(n), np.zeros(n), np.empty(max(n - 1, 1))
    sytd2_fused(S, d, e, tau)
    S_before, tau_before = S.copy(), tau.copy()
    Qt = np.eye(n)
    back_transform(S, tau, Qt)
    np.testing.assert_array_equal(S, S_before)  # reflectors and scalars are read only
    np.testing.assert_array_equal(tau, tau_before)
    T = np.diag(d) + np.diag(e[: n - 1], 1) + np.diag(e[: n - 1], -1)
    scale = np.abs(a).max()
    np.testing.assert_allclose(Qt @ Qt.T, np.eye(n), rtol=0, atol=4 * n * EPS)
    np.testing.assert_allclose(Qt @ a @ Qt.T, T, rtol=0, atol=4 * n * EPS * scale)
    # and through the tridiagonal's own eigenvectors: A's, checked against numpy's values
    Zt = np.empty((n, n))
    w = d.copy()
    assert tridiagonal_dc(w, e, Zt, 2) == 0
    back_transform(S, tau, Zt)
    np.testing.assert_allclose(a @ Zt.T, Zt.T * w, rtol=0, atol=8 * n * EPS * scale)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a), rtol=0, atol=8 * n * EPS * scale)
