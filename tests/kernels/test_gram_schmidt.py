"""Gram-Schmidt kernels and the loss of orthogonality of each QR method.

The test matrices come from tests/naive.py's ``matrix_with_condition``
(``U diag(s) V^T`` with log-spaced singular values), itself tested first.

Expected ``||Q^T Q - I||_2`` (Golub & Van Loan, 4th ed., Sec. 5.2.9;
Björck 1967; Giraud, Langou & Rozloznik 2005):

* Householder and CGS2: ``~ eps`` (times a modest function of n),
* MGS: ``~ cond(A) eps``,
* CGS: ``~ cond(A)^2 eps`` (until it is O(1): complete loss).

The bounds below use generous constants (10x to 1000x the model), and the
ordering CGS >> MGS >> CGS2, Householder is asserted with clear margins.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
from helpers import FLOAT_DTYPES, eps

from jitla.kernels import gram_schmidt as gs
from jitla.kernels import qr_householder as hq
from jitla.kernels import registry, variants

M, N = 80, 40
EPS = float(np.finfo(np.float64).eps)


def _gram_schmidt(kernel, A):
    m, n = A.shape
    Q = np.empty((m, n), A.dtype)
    R = np.empty((n, n), A.dtype)
    status = kernel(A, Q, R)
    return status, Q, R


def _householder_q(A):
    F = A.copy()
    tau = np.zeros(min(A.shape), A.dtype)
    hq.geqrf(F, tau, 8, (96, 128, 256))
    Q = np.empty((A.shape[0], min(A.shape)), A.dtype)
    hq.form_q(F, tau, Q)
    return Q


def _loss(Q):
    Q = Q.astype(np.float64)
    return np.linalg.norm(Q.T @ Q - np.eye(Q.shape[1]), 2)


# --------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(30, 10), (10, 30), (12, 12)], ids=str)
@pytest.mark.parametrize("cond", [1.0, 1e3, 1e8])
def test_generator_has_the_requested_singular_values(shape, cond):
    A = naive.matrix_with_condition(*shape, cond, seed=3)
    s = np.linalg.svd(A, compute_uv=False)
    assert A.shape == shape and A.dtype == np.float64
    expected = np.logspace(0, -np.log10(cond), min(shape))
    # the SVD finds s_i to about eps * s_max absolutely: rtol ~ cond * eps
    np.testing.assert_allclose(s, expected, rtol=100 * cond * EPS)
    assert np.linalg.cond(A) == pytest.approx(cond, rel=1e-6)


def test_generator_with_a_given_rank():
    A = naive.matrix_with_singular_values([3.0, 2.0, 1.0], 9, 6, seed=1)
    s = np.linalg.svd(A, compute_uv=False)
    np.testing.assert_allclose(s[:3], [3.0, 2.0, 1.0], rtol=1e-13)
    np.testing.assert_allclose(s[3:], 0.0, atol=1e-14)
    assert not np.array_equal(A, naive.matrix_with_singular_values([3.0, 2.0, 1.0], 9, 6, seed=2))


# --------------------------------------------------------------------------
# the kernels
# --------------------------------------------------------------------------
def test_registry_lists_the_gram_schmidt_kernels():
    assert variants("gram_schmidt") == ["cgs", "mgs", "cgs2"]
    flops = {k.variant: k.flops(10, 3) for k in registry("gram_schmidt")}
    assert flops == {"cgs": 180.0, "mgs": 180.0, "cgs2": 360.0}


@pytest.mark.parametrize("kernel", [gs.cgs, gs.mgs, gs.cgs2], ids=lambda k: k.__name__)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (5, 1), (9, 4), (30, 30), (61, 17)], ids=str)
def test_well_conditioned_qr(kernel, dtype, shape, rng):
    A = rng.standard_normal(shape).astype(dtype)
    A_before = A.copy()
    status, Q, R = _gram_schmidt(kernel, A)
    assert status == 0
    np.testing.assert_array_equal(A, A_before)
    n = shape[1]
    bound = 50 * (shape[0] + n) * eps(dtype)
    assert np.linalg.norm(Q.astype(np.float64) @ R - A) <= bound * np.linalg.norm(A.astype(np.float64))
    assert _loss(Q) <= 10 * bound  # cond ~ a few: all three orthogonal here
    np.testing.assert_array_equal(np.tril(R, -1), 0.0)
    assert (np.diag(R) > 0).all()
    # the same R as Householder QR up to the signs of the rows
    R_np = np.linalg.qr(A.astype(np.float64), mode="r")
    signs = np.sign(np.diag(R_np))[:, None]
    np.testing.assert_allclose(R, signs * R_np, atol=10 * bound * np.abs(A).max())


@pytest.mark.parametrize("modified", [False, True])
def test_kernels_match_the_naive_loops(modified, rng):
    A = naive.matrix_with_condition(12, 6, 1e3, seed=4)
    Q_ref, R_ref = naive.qr_gram_schmidt(A, modified=modified)
    _, Q, R = _gram_schmidt(gs.mgs if modified else gs.cgs, A)
    # same operations in the same order; only fused multiply-adds may differ
    np.testing.assert_allclose(Q, Q_ref, atol=1e-9)
    np.testing.assert_allclose(R, R_ref, atol=1e-13)
    # and the naive loops show the same loss of orthogonality as the kernels
    assert 0.1 * _loss(Q) <= _loss(Q_ref) <= 10 * _loss(Q)


def test_naive_gram_schmidt_against_numpy(rng):
    A = rng.standard_normal((7, 4))
    for modified in (False, True):
        Q, R = naive.qr_gram_schmidt(A, modified=modified)
        np.testing.assert_allclose(Q @ R, A, atol=1e-14)
        np.testing.assert_allclose(np.abs(R), np.abs(np.linalg.qr(A, mode="r")), atol=1e-13)


@pytest.mark.parametrize("kernel", [gs.cgs, gs.mgs, gs.cgs2], ids=lambda k: k.__name__)
def test_rank_deficiency_is_reported(kernel):
    # column 2 is twice column 0 = e_0: its orthogonalised residual is exactly zero
    A = np.zeros((5, 3))
    A[0, 0] = 1.0
    A[1:, 1] = np.arange(1.0, 5.0)
    A[0, 2] = 2.0
    status, _, R = _gram_schmidt(kernel, A)
    assert status == 3
    assert R[2, 2] == 0.0
    assert R[0, 2] == 2.0
    zero_first = np.zeros((4, 2))
    assert _gram_schmidt(kernel, zero_first)[0] == 1


# --------------------------------------------------------------------------
# loss of orthogonality: the point of these kernels
# --------------------------------------------------------------------------
@pytest.mark.parametrize("cond", [1e2, 1e4, 1e6, 1e8])
def test_loss_of_orthogonality_follows_the_theory(cond):
    A = naive.matrix_with_condition(M, N, cond, seed=1)
    loss = {name: _loss(_gram_schmidt(getattr(gs, name), A)[1]) for name in ("cgs", "mgs", "cgs2")}
    loss["householder"] = _loss(_householder_q(A))
    # Householder and CGS2: eps, independent of the conditioning
    assert loss["householder"] <= 10 * N * EPS
    assert loss["cgs2"] <= 10 * N * EPS
    # MGS: cond * eps (Björck), within generous constants
    assert loss["mgs"] <= 100 * cond * EPS
    # CGS: cond^2 * eps until it saturates at O(1)
    assert loss["cgs"] <= min(100 * cond**2 * EPS, 100 * N)
    if cond >= 1e4:
        # both really do lose orthogonality (the bounds above are not vacuous)
        assert loss["mgs"] >= 1e-3 * cond * EPS
        assert loss["cgs"] >= 1e-3 * min(cond**2 * EPS, 1.0)


@pytest.mark.parametrize("cond", [1e6, 1e7, 1e8])
def test_cgs_is_clearly_worse_than_mgs_which_is_worse_than_cgs2_and_householder(cond):
    A = naive.matrix_with_condition(M, N, cond, seed=2)
    cgs_loss = _loss(_gram_schmidt(gs.cgs, A)[1])
    mgs_loss = _loss(_gram_schmidt(gs.mgs, A)[1])
    cgs2_loss = _loss(_gram_schmidt(gs.cgs2, A)[1])
    householder_loss = _loss(_householder_q(A))
    assert cgs_loss > 1e3 * mgs_loss
    assert mgs_loss > 1e3 * max(cgs2_loss, householder_loss)
    assert cgs_loss > 1e-5  # at cond 1e6 CGS has lost at least 11 digits of orthogonality
    # ... while every method still reproduces A: the loss is in Q, not in QR
    for kernel in (gs.cgs, gs.mgs, gs.cgs2):
        _, Q, R = _gram_schmidt(kernel, A)
        assert np.linalg.norm(Q @ R - A) <= 100 * N * EPS * np.linalg.norm(A)
