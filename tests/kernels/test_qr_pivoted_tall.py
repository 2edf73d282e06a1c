"""Column-pivoted QR (geqp3, numerical rank) and tall-skinny QR (TSQR) kernels.

Pivoted QR is compared with scipy.linalg.qr(pivoting=True) (LAPACK
dgeqp3): same pivot rule and norm downdating, so the same permutation on
matrices without near-ties, and R to rounding.  TSQR is compared with
numpy's R up to the signs of its rows (R is unique only up to them).
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg
from helpers import FLOAT_DTYPES, eps

from jitla.kernels import qr_pivoted as qp
from jitla.kernels import qr_tall as qt
from jitla.kernels import registry, variants


def _geqp3(A):
    F = np.ascontiguousarray(A).copy()
    jpvt = np.empty(A.shape[1], np.int64)
    tau = np.zeros(min(A.shape), A.dtype)
    assert qp.geqp3(F, jpvt, tau) == 0
    return F, jpvt, tau


def test_registry_entries():
    assert variants("qr_pivoted") == ["businger_golub", "rows"]
    assert variants("tsqr") == ["serial", "parallel"]
    assert [k.extra_args for k in registry("tsqr")] == [("mb",), ("mb",)]


# --------------------------------------------------------------------------
# pivoted
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (5, 7), (40, 30), (33, 64)], ids=str)
def test_pivoted_matches_scipy(dtype, shape, rng):
    A0 = rng.standard_normal(shape).astype(dtype)
    F, jpvt, tau = _geqp3(A0)
    k = min(shape)
    Q_sp, R_sp, P_sp = scipy.linalg.qr(A0.astype(np.float64), pivoting=True, mode="economic")
    np.testing.assert_array_equal(jpvt, P_sp)
    tol = 20 * sum(shape) * eps(dtype)
    np.testing.assert_allclose(np.triu(F)[:k], R_sp, atol=tol * np.abs(A0).max())
    # A P = Q R with the kernels' own Q
    from jitla.kernels.qr_householder import form_q

    Q = np.empty((shape[0], k), dtype)
    form_q(F, tau, Q)
    AP = A0[:, jpvt].astype(np.float64)
    assert np.linalg.norm(Q.astype(np.float64) @ np.triu(F)[:k] - AP) <= tol * np.linalg.norm(AP)
    assert (np.diff(np.abs(np.diag(F)[:k]).astype(np.float64)) <= tol * abs(F[0, 0])).all()


@pytest.mark.parametrize("rank", [0, 1, 3, 7])
def test_numerical_rank_of_rank_deficient_matrices(rank):
    s = np.logspace(0, -2, rank)
    A = naive.matrix_with_singular_values(s, 30, 12, seed=rank) if rank else np.zeros((30, 12))
    F, jpvt, _ = _geqp3(A)
    rtol = qp.rank_tolerance(30, 12, np.float64)
    assert rtol == 30 * np.finfo(np.float64).eps
    assert qp.numerical_rank(F, rtol) == rank == np.linalg.matrix_rank(A)
    assert sorted(jpvt) == list(range(12))
    if rank:
        # the trailing block of R is ~ eps ||A||: the rank is revealed
        assert np.abs(np.triu(F)[rank:]).max() <= 100 * np.finfo(float).eps


def test_numerical_rank_tolerance_is_relative_to_r00():
    A = np.diag([1e10, 1.0, 1e-8]).copy()
    F, _, _ = _geqp3(A)
    # |R[k, k]| / |R[0, 0]| = 1, 1e-10, 1e-18
    assert qp.numerical_rank(F, 1e-12) == 2
    assert qp.numerical_rank(F, 1e-9) == 1
    assert qp.numerical_rank(F, 1e-19) == 3
    assert qp.numerical_rank(np.zeros((0, 3)), 1e-12) == 0


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_downdate_matches_dlaqp2_formula_and_flags_cancellation(dtype):
    """The vectorised downdate: LAPACK dlaqp2's formula entry by entry, stale flags, zero norms kept."""
    tol3z = float(np.sqrt(eps(dtype)))
    vn1 = np.array([9.0, 5.0, 0.0, 3.0, 2.0, 4.0], dtype)
    vn2 = np.array([9.0, 6.0, 0.0, 3.0, 2.0, 8.0], dtype)
    r = np.array([99.0, 3.0, 1.0, 3.0, -1.0, -4.0], dtype)  # r[0] is left of j0: ignored
    stale = np.zeros(6, np.bool_)
    stale[0] = True  # left of j0: untouched
    v1, v2, r_before = vn1.copy(), vn2.copy(), r.copy()
    count = qp._downdate(vn1, vn2, r, 1, tol3z, stale)
    np.testing.assert_array_equal(vn2, v2)
    np.testing.assert_array_equal(r, r_before)
    expected_stale = [True, False, False, True, False, True]
    np.testing.assert_array_equal(stale, expected_stale)
    assert count == 2
    assert vn1[0] == v1[0] and vn1[2] == 0  # left of j0; a zero norm stays zero, not stale
    for j in (1, 4):  # dlaqp2: vn1 * sqrt(1 - (r / vn1)^2)
        t = abs(float(r[j])) / float(v1[j])
        np.testing.assert_allclose(vn1[j], float(v1[j]) * np.sqrt(1 - t * t), rtol=4 * eps(dtype))
    # j = 3 and 5: |r| = vn1, nothing left of the column (1 - t^2 = 0 <= tol3z): stale


def test_norm_downdating_safeguard_recomputes_norms():
    # columns whose norm sits almost entirely in the first row: the downdate
    # 1 - (r/vn1)^2 cancels and must be recomputed, else pivots go wrong
    m, n = 50, 6
    A = np.zeros((m, n))
    A[0, :] = 1.0
    A[1:, 1:] = 1e-9 * naive.matrix_with_condition(m - 1, n - 1, 10.0, seed=7)
    A[1:, 0] = 0.0
    F, jpvt, _ = _geqp3(A)
    Q, R, P = scipy.linalg.qr(A, pivoting=True, mode="economic")
    np.testing.assert_array_equal(jpvt, P)
    np.testing.assert_allclose(np.abs(np.diag(F)), np.abs(np.diag(R)), rtol=1e-6)
    assert abs(F[1, 1]) > 1e-10  # the second pivot found the 1e-9-sized columns


# --------------------------------------------------------------------------
# TSQR
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(
    "shape, mb", [((100, 7), 16), ((97, 5), 30), ((12, 12), 4), ((300, 1), 7), ((9, 4), 1000)]
)
def test_tsqr_r_agrees_with_numpy_up_to_row_signs(dtype, shape, mb, rng):
    A = rng.standard_normal(shape).astype(dtype)
    A_before = A.copy()
    n = shape[1]
    R_np = np.linalg.qr(A.astype(np.float64), mode="r")
    tol = 20 * sum(shape) * eps(dtype) * np.abs(A).max()
    results = []
    for kernel in (qt.tsqr_r, qt.tsqr_r_parallel):
        R = np.full((n, n), np.nan, dtype)
        assert kernel(A, R, mb) == 0
        signs = np.sign(np.diag(R)) * np.sign(np.diag(R_np))
        np.testing.assert_allclose(signs[:, None] * R, R_np, atol=tol)
        np.testing.assert_array_equal(np.tril(R, -1), 0.0)
        results.append(R)
    np.testing.assert_array_equal(results[0], results[1])  # same partition, same answer
    np.testing.assert_array_equal(A, A_before)
    # the parallel loop passes a signed block index: its callees are the serial loop's compilations
    for callee in (qt._factor_block, qt._block_bounds):
        assert not [sig for sig in callee.signatures if "uint" in str(sig)], callee


@pytest.mark.parametrize("shape, mb", [((100, 7), 16), ((64, 8), 8), ((10, 10), 3)])
def test_tsqr_with_q(shape, mb, rng):
    A = rng.standard_normal(shape)
    m, n = shape
    Q = np.empty((m, n))
    R = np.empty((n, n))
    assert qt.tsqr(A, Q, R, mb) == 0
    np.testing.assert_allclose(Q @ R, A, atol=50 * m * np.finfo(float).eps)
    np.testing.assert_allclose(Q.T @ Q, np.eye(n), atol=50 * m * np.finfo(float).eps)
    R_only = np.empty((n, n))
    qt.tsqr_r(A, R_only, mb)
    np.testing.assert_allclose(R, R_only, atol=1e-13)
    # its prange index is made signed too (found when pytest-xdist ran this file before the one above)
    assert not [sig for sig in qt._block_bounds.signatures if "uint" in str(sig)]


def test_tsqr_block_partition():
    assert qt.tsqr_blocks(100, 7, 16) == 6
    assert qt.tsqr_blocks(100, 7, 1) == 14  # never fewer than n rows per block
    assert qt.tsqr_blocks(5, 7, 16) == 1
    p = qt.tsqr_blocks(1000, 3, 64)
    bounds = [qt._block_bounds(1000, p, b) for b in range(p)]
    assert bounds[0][0] == 0 and bounds[-1][1] == 1000
    assert all(hi - lo >= 64 for lo, hi in bounds)
    assert all(bounds[i][1] == bounds[i + 1][0] for i in range(p - 1))


def test_tsqr_on_an_ill_conditioned_matrix_stays_orthogonal():
    A = naive.matrix_with_condition(400, 10, 1e12, seed=5)
    Q = np.empty((400, 10))
    R = np.empty((10, 10))
    qt.tsqr(A, Q, R, 50)
    assert np.linalg.norm(Q.T @ Q - np.eye(10)) <= 100 * 10 * np.finfo(float).eps
