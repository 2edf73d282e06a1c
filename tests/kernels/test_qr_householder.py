"""Householder QR kernels: the reflector, geqr2, geqrf (blocked, parallel), apply/form Q.

Checked against tests/naive.py's textbook Householder QR (plain loops) and
numpy (LAPACK): the kernels use LAPACK's sign convention, so R agrees with
numpy's entry by entry, not only up to signs.

Tolerances: Householder QR is backward stable, ``||Q R - A|| <= c m n eps
||A||`` and ``||Q^T Q - I|| <= c m n eps`` in the worst case (Higham,
*Accuracy and Stability*, 2nd ed., Thm. 19.4); in practice the error grows
like ``sqrt(m) n eps`` or less, so ``c (m + n) eps`` with c = 4 is a
generous but still discriminating bound at these sizes.
"""

from __future__ import annotations

import naive
import numpy as np
import pytest
from helpers import FLOAT_DTYPES, eps

from jitla import config
from jitla.kernels import get_kernel, registry, variants
from jitla.kernels import qr_householder as hq

SHAPES = [(1, 1), (2, 1), (1, 3), (7, 5), (5, 7), (40, 40), (67, 29), (29, 67), (130, 70), (70, 131)]


def _factor(variant, A, nb=8):
    """Run registered QR *variant* on a copy of A with a small nb (several panels)."""
    info = get_kernel("qr", variant)
    A = np.ascontiguousarray(A).copy()
    tau = np.zeros(min(A.shape), A.dtype)
    extra = {"nb": nb, "blocks": config.gemm_blocks(A.dtype).as_tuple(), "nthreads": 2}
    assert info.func(A, tau, *(extra[name] for name in info.extra_args)) == 0
    return A, tau


def _bound(dtype, m, n, c=4.0):
    return c * (m + n) * eps(dtype)


def test_registry_lists_the_progression():
    assert variants("qr") == ["unblocked", "blocked", "parallel"]
    flags = {k.variant: (k.parallel, k.extra_args) for k in registry("qr")}
    assert flags == {
        "unblocked": (False, ()),
        "blocked": (False, ("nb", "blocks")),
        "parallel": (True, ("nb", "blocks", "nthreads")),
    }
    for info in registry("qr"):
        assert info.flops(10, 4) == pytest.approx(2 * 10 * 16 - 2 * 64 / 3)
        assert info.flops(4, 10) == pytest.approx(2 * 10 * 16 - 2 * 64 / 3)


# --------------------------------------------------------------------------
# the reflector
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("x0", [3.0, -3.0, 0.0, 1e-30])
def test_householder_maps_x_to_beta_e0(dtype, x0, rng):
    x = rng.standard_normal(9).astype(dtype)
    x[0] = x0
    original = x.astype(np.float64)
    beta, tau = hq.householder(x)
    assert x[0] == beta
    v = np.concatenate([[1.0], x[1:].astype(np.float64)])
    Hx = original - tau * v * (v @ original)
    norm = np.linalg.norm(original)
    assert abs(abs(beta) - norm) <= 4 * eps(dtype) * norm
    np.testing.assert_allclose(Hx[1:], 0.0, atol=20 * eps(dtype) * norm)
    # LAPACK's sign: beta = -sign(x0) ||x|| (x0 = 0 counts as positive)
    assert np.sign(beta) == (-1.0 if x0 >= 0 else 1.0)
    # H is orthogonal: tau = 2 / (v^T v)
    assert tau * (v @ v) == pytest.approx(2.0, rel=20 * eps(dtype))


def test_householder_no_cancellation_when_x_is_nearly_e0():
    # x0 dominates: the naive v0 = x0 - ||x|| (same sign) would cancel to
    # ~1e-16 relative garbage; LAPACK's choice keeps v exact to rounding.
    x = np.array([1.0, 1e-9, -2e-9, 3e-9])
    original = x.copy()
    beta, tau = hq.householder(x)
    v = np.concatenate([[1.0], x[1:]])
    Hx = original - tau * v * (v @ original)
    np.testing.assert_allclose(Hx[1:], 0.0, atol=1e-24)
    assert beta == pytest.approx(-np.linalg.norm(original), rel=1e-15)


def test_householder_scaled_norm_neither_overflows_nor_underflows():
    big = np.array([1e300, 1e300, -1e300])  # sum of squares overflows unscaled
    beta, tau = hq.householder(big)
    assert np.isfinite(beta) and np.isfinite(tau) and np.isfinite(big).all()
    assert beta == pytest.approx(-np.sqrt(3) * 1e300, rel=1e-15)
    tiny = np.array([1e-300, 1e-300, 1e-300])  # squares underflow to 0 unscaled
    beta, tau = hq.householder(tiny)
    assert beta == pytest.approx(-np.sqrt(3) * 1e-300, rel=1e-15)
    assert tau > 0


def test_householder_trivial_cases():
    x = np.array([-2.0, 0.0, 0.0])
    assert hq.householder(x) == (-2.0, 0.0)  # already a multiple of e0: H = I
    np.testing.assert_array_equal(x, [-2.0, 0.0, 0.0])
    one = np.array([5.0])
    assert hq.householder(one) == (5.0, 0.0)


def test_householder_on_a_strided_column():
    A = np.arange(12.0).reshape(4, 3) + 1
    column = A[:, 1].copy()
    beta, _ = hq.householder(A[:, 1])
    assert beta == pytest.approx(-np.linalg.norm(column))
    np.testing.assert_array_equal(A[:, 0], [1, 4, 7, 10])  # neighbours untouched


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_householder_one_pass_norm_at_the_edges_of_its_range(dtype):
    # the squares are summed unscaled while max |x_i| lies in 1e-140 .. 1e140 (float64), scaled
    # outside; each side of both edges, and entries far below the largest one
    for top in (1e-141, 1e-139, 1e139, 1e141, 1.0):
        if top * 3 > float(np.finfo(dtype).max) or top < float(np.finfo(dtype).tiny):
            continue
        x = np.array([0.5, top, -top, top * 1e-20, 3e-160], dtype=dtype)
        ref = np.linalg.norm(x.astype(np.float64))
        v = x.copy()
        beta, tau = hq.householder(v)
        assert beta == pytest.approx(-ref, rel=4 * eps(dtype)), top
        # (I - tau u u^T) x = beta e0, with u = [1, v[1:]]
        u = np.concatenate(([1.0], v[1:].astype(np.float64)))
        Hx = x.astype(np.float64) - float(tau) * u * (u @ x.astype(np.float64))
        np.testing.assert_allclose(Hx[1:], 0.0, atol=8 * eps(dtype) * ref)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("width", [1, 7, 31, 32, 33, 71])
def test_apply_reflector_strips_and_remainder_match_the_formula(dtype, width, rng):
    # the kernel sums w = v^T B down 32-column (float32: 64) strips in registers and the
    # remaining columns through the workspace: every split of the block against (I - tau v v^T) B
    m, k, c0 = 9, 2, 3
    V = rng.standard_normal((m, 4)).astype(dtype)
    B = rng.standard_normal((m, c0 + width + 2)).astype(dtype)
    tau = dtype(1.3)
    v = np.concatenate(([1.0], V[k + 1 :, k].astype(np.float64)))
    want = B.astype(np.float64)
    block = want[k:, c0 : c0 + width]
    want[k:, c0 : c0 + width] = block - float(tau) * np.outer(v, v @ block)
    got = B.copy()
    hq._apply_reflector(V, k, tau, got, c0, c0 + width, np.empty(width + 2, dtype))
    np.testing.assert_allclose(got, want, rtol=0, atol=20 * eps(dtype) * np.abs(want).max())
    np.testing.assert_array_equal(got[:k], B[:k])  # rows above k and columns outside untouched
    np.testing.assert_array_equal(got[:, :c0], B[:, :c0])
    np.testing.assert_array_equal(got[:, c0 + width :], B[:, c0 + width :])


# --------------------------------------------------------------------------
# the factorisation
# --------------------------------------------------------------------------
@pytest.mark.parametrize("variant", ["unblocked", "blocked", "parallel"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_factorisation_invariants_and_numpy(variant, dtype, shape, rng):
    m, n = shape
    k = min(m, n)
    A0 = rng.standard_normal(shape).astype(dtype)
    F, tau = _factor(variant, A0)
    assert F.dtype == tau.dtype == dtype
    R = np.triu(F)[:k]
    Q = np.empty((m, k), dtype)
    assert hq.form_q(F, tau, Q) == 0
    bound = _bound(dtype, m, n)
    Q64, R64, A64 = (x.astype(np.float64) for x in (Q, R, A0))
    assert np.linalg.norm(Q64 @ R64 - A64) <= bound * np.linalg.norm(A64)
    assert np.linalg.norm(Q64.T @ Q64 - np.eye(k)) <= bound
    # R agrees with LAPACK's (same sign convention) to the conditioning of R
    R_np = np.linalg.qr(A64, mode="r")
    scale = np.linalg.norm(A64)
    np.testing.assert_allclose(R64, R_np, atol=50 * bound * scale)


@pytest.mark.parametrize("shape", [(6, 4), (5, 5), (3, 6)], ids=str)
def test_factorisation_matches_the_naive_reference(shape, rng):
    A0 = rng.standard_normal(shape)
    Q_ref, R_ref = naive.qr(A0)
    k = min(shape)
    for variant in variants("qr"):
        F, tau = _factor(variant, A0, nb=2)
        np.testing.assert_allclose(np.triu(F)[:k], R_ref[:k], rtol=1e-13, atol=1e-13)
        Q = np.empty((shape[0], shape[0]))
        hq.form_q(F, tau, Q)
        np.testing.assert_allclose(Q, Q_ref, rtol=1e-13, atol=1e-13)


def test_naive_reference_against_numpy(rng):
    A = rng.standard_normal((7, 4))
    Q, R = naive.qr(A)
    Q_np, R_np = np.linalg.qr(A, mode="complete")
    np.testing.assert_allclose(R, R_np, atol=1e-13)
    np.testing.assert_allclose(np.abs(Q[:, :4]), np.abs(Q_np[:, :4]), atol=1e-13)
    np.testing.assert_allclose(Q @ R, A, atol=1e-13)


@pytest.mark.parametrize("nb", [1, 3, 8, 64])
def test_blocked_is_independent_of_the_panel_width(nb, rng):
    A0 = rng.standard_normal((75, 50))
    F_ref, tau_ref = _factor("unblocked", A0)
    for variant in ("blocked", "parallel"):
        F, tau = _factor(variant, A0, nb=nb)
        np.testing.assert_allclose(F, F_ref, atol=1e-12)
        np.testing.assert_allclose(tau, tau_ref, atol=1e-13)


def test_parallel_result_does_not_depend_on_the_thread_count(rng):
    A0 = rng.standard_normal((150, 120))
    info = get_kernel("qr", "parallel")
    blocks = config.gemm_blocks(np.float64).as_tuple()
    results = []
    for nthreads in (1, 2, 3):
        A = A0.copy()
        tau = np.zeros(120)
        info.func(A, tau, 16, blocks, nthreads)
        results.append((A, tau))
    for A, tau in results[1:]:
        np.testing.assert_array_equal(A, results[0][0])
        np.testing.assert_array_equal(tau, results[0][1])


def test_rank_deficient_and_zero_columns():
    A = np.zeros((5, 4))
    A[:, 1] = np.arange(5.0)
    A[:, 3] = 2 * A[:, 1]
    for variant in variants("qr"):
        F, tau = _factor(variant, A, nb=2)
        R = np.triu(F)[:4]
        Q = np.empty((5, 4))
        hq.form_q(F, tau, Q)
        np.testing.assert_allclose(Q @ R, A, atol=1e-14)
        assert tau[0] == 0.0  # the zero column needs no reflection
        assert np.isfinite(F).all()


# --------------------------------------------------------------------------
# applying and forming Q
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(9, 4), (4, 9), (6, 6), (1, 1)], ids=str)
def test_apply_qt_and_apply_q(dtype, shape, rng):
    m, n = shape
    A0 = rng.standard_normal(shape).astype(dtype)
    F, tau = _factor("blocked", A0, nb=2)
    Qc = np.empty((m, m), dtype)
    hq.form_q(F, tau, Qc)
    B0 = rng.standard_normal((m, 3)).astype(dtype)
    B = B0.copy()
    assert hq.apply_qt(F, tau, B) == 0
    tol = 20 * m * eps(dtype)
    np.testing.assert_allclose(B, Qc.T @ B0, atol=tol)
    assert hq.apply_q(F, tau, B) == 0
    np.testing.assert_allclose(B, B0, atol=tol)
    # Q^T A = R: the factored form reproduces its own R
    C = A0.copy()
    hq.apply_qt(F, tau, C)
    np.testing.assert_allclose(np.triu(C), np.triu(F), atol=tol * np.abs(A0).max())
    np.testing.assert_allclose(np.tril(C, -1), 0.0, atol=tol * np.abs(A0).max())


@pytest.mark.parametrize("variant", ["unblocked", "blocked", "parallel"])
def test_a_shorter_tau_factors_the_first_columns_and_applies_qt_to_the_rest(variant, rng):
    # lstsq's [A | B] with n reflectors: A's factored form as from A alone (the same passes),
    # and B's columns come back as Q^T B (numpy's Q, LAPACK's sign convention)
    m, n, k = 23, 7, 5
    A0 = rng.standard_normal((m, n))
    B0 = rng.standard_normal((m, k))
    AB = np.hstack([A0, B0])
    tau = np.zeros(n)
    extra = {"nb": 3, "blocks": config.gemm_blocks(AB.dtype).as_tuple(), "nthreads": 2}
    info = get_kernel("qr", variant)
    assert info.func(AB, tau, *(extra[name] for name in info.extra_args)) == 0
    F, tau_a = _factor(variant, A0, nb=3)
    np.testing.assert_array_equal(tau, tau_a)
    np.testing.assert_allclose(AB[:, :n], F, rtol=0, atol=1e-14)
    Q = np.linalg.qr(A0, mode="complete")[0]
    np.testing.assert_allclose(AB[:, n:], Q.T @ B0, rtol=0, atol=_bound(np.float64, m, n + k) * 4)


def test_form_q_any_number_of_columns(rng):
    A0 = rng.standard_normal((8, 3))
    F, tau = _factor("unblocked", A0)
    full = np.empty((8, 8))
    hq.form_q(F, tau, full)
    np.testing.assert_allclose(full.T @ full, np.eye(8), atol=1e-14)
    for q in (0, 1, 3, 5):
        Q = np.full((8, q), np.nan)
        hq.form_q(F, tau, Q)
        np.testing.assert_array_equal(Q, full[:, :q])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(
    "m, n, q, nb",
    [(7, 5, 5, 2), (7, 5, 7, 2), (5, 7, 5, 2), (100, 60, 100, 16), (67, 67, 67, 8), (6, 0, 6, 2)],
)
def test_blocked_orgqr_equals_form_q(dtype, m, n, q, nb, rng):
    F, tau = _factor("blocked", rng.standard_normal((m, n)).astype(dtype), nb=nb)
    Q = np.empty((m, q), dtype)
    hq.form_q(F, tau, Q)
    Q_blocked = np.full((m, q), np.nan, dtype)
    assert hq.orgqr(F, tau, Q_blocked, nb, config.gemm_blocks(dtype).as_tuple()) == 0
    np.testing.assert_allclose(Q_blocked, Q, atol=20 * (m + n) * eps(dtype))


def test_kernels_leave_the_factored_form_alone(rng):
    A0 = rng.standard_normal((6, 4))
    F, tau = _factor("unblocked", A0)
    F_before, tau_before = F.copy(), tau.copy()
    hq.apply_qt(F, tau, np.ones((6, 2)))
    hq.apply_q(F, tau, np.ones((6, 2)))
    hq.form_q(F, tau, np.empty((6, 6)))
    np.testing.assert_array_equal(F, F_before)
    np.testing.assert_array_equal(tau, tau_before)
