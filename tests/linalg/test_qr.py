"""jitla.linalg.qr against numpy.linalg.qr (modes) and scipy.linalg.qr (pivoting).

The Householder path uses LAPACK's sign convention, so Q and R are compared
with numpy's entry by entry; TSQR and Gram-Schmidt return R with a
non-negative diagonal and are compared through the invariants (Q R = A,
Q^T Q = I) and ``|R|`` up to row signs.  Tolerances: ``c (m + n) eps``
relative to ``||A||`` (backward stability of Householder QR, Higham 2nd ed.
Thm. 19.4), c = 20 leaving room for the reference's own rounding.
"""

from __future__ import annotations

import warnings

import naive
import numpy as np
import pytest
import scipy.linalg
from helpers import FLOAT_DTYPES, eps

import jitla
from jitla.linalg import LinAlgError, QRResult, qr, qr_method, qr_rank

SHAPES = [(0, 0), (0, 3), (3, 0), (1, 1), (4, 1), (1, 4), (6, 6), (9, 5), (5, 9), (70, 45), (45, 70)]


def _tol(dtype, shape, c=20.0):
    m, n = shape[-2:]
    return c * (m + n + 1) * eps(dtype)


def _check_qr(Q, R, A, dtype):
    """Q R = A, Q^T Q = I, R upper triangular (stacks allowed)."""
    A64 = A.astype(np.float64)
    tol = _tol(dtype, A.shape)
    scale = max(np.abs(A64).max(initial=0.0), 1.0)
    np.testing.assert_allclose(Q.astype(np.float64) @ R, A64, atol=tol * scale * A.shape[-1])
    k = Q.shape[-1]
    QtQ = np.swapaxes(Q, -1, -2).astype(np.float64) @ Q
    np.testing.assert_allclose(QtQ, np.broadcast_to(np.eye(k), QtQ.shape), atol=tol)
    np.testing.assert_array_equal(np.tril(R, -1), 0.0)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_q_and_r_match_numpy(mode, shape, dtype, rng):
    A = rng.standard_normal(shape).astype(dtype)
    result = qr(A, mode)
    assert isinstance(result, QRResult)
    Q, R = result
    Q_np, R_np = np.linalg.qr(A.astype(np.float64), mode)
    assert Q.shape == Q_np.shape and R.shape == R_np.shape
    assert Q.dtype == R.dtype == dtype
    scale = max(np.abs(A).max(initial=0.0), 1.0)
    np.testing.assert_allclose(R, R_np, atol=_tol(dtype, shape) * scale * 10)
    np.testing.assert_allclose(Q, Q_np, atol=_tol(dtype, shape) * 10 * max(shape + (1,)))
    _check_qr(Q, R, A, dtype)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_r_and_raw_modes_match_numpy(shape, rng):
    A = rng.standard_normal(shape)
    R = qr(A, "r")
    np.testing.assert_allclose(R, np.linalg.qr(A, "r"), atol=1e-13)
    h, tau = qr(A, "raw")
    h_np, tau_np = np.linalg.qr(A, "raw")
    assert h.shape == h_np.shape == shape[::-1] and tau.shape == tau_np.shape
    np.testing.assert_allclose(h, h_np, atol=1e-13)
    np.testing.assert_allclose(tau, tau_np, atol=1e-13)


def test_stacked_inputs(rng):
    A = rng.standard_normal((2, 3, 7, 4))
    for mode in ("reduced", "complete"):
        Q, R = qr(A, mode)
        Q_np, R_np = np.linalg.qr(A, mode)
        np.testing.assert_allclose(Q, Q_np, atol=1e-13)
        np.testing.assert_allclose(R, R_np, atol=1e-13)
    np.testing.assert_allclose(qr(A, "r"), np.linalg.qr(A, "r"), atol=1e-13)
    h, tau = qr(A, "raw")
    h_np, tau_np = np.linalg.qr(A, "raw")
    assert h.shape == h_np.shape == (2, 3, 4, 7)
    np.testing.assert_allclose(h, h_np, atol=1e-13)
    np.testing.assert_allclose(tau, tau_np, atol=1e-13)
    empty = qr(np.zeros((0, 5, 3)))
    assert empty.Q.shape == (0, 5, 3) and empty.R.shape == (0, 3, 3)


def test_layouts_and_the_input_is_not_modified(rng):
    base = rng.standard_normal((30, 20))
    expected = np.linalg.qr(base, "r")
    for A in (base, np.asfortranarray(base), base[::1, :].copy(order="F")):
        before = A.copy()
        np.testing.assert_allclose(qr(A, "r"), expected, atol=1e-13)
        np.testing.assert_array_equal(A, before)
    strided = rng.standard_normal((60, 40))[::2, ::2]
    np.testing.assert_allclose(qr(strided, "r"), np.linalg.qr(strided, "r"), atol=1e-13)
    readonly = base.copy()
    readonly.flags.writeable = False
    np.testing.assert_allclose(qr(readonly).R, expected, atol=1e-13)
    for mode in ("reduced", "complete", "r", "raw"):
        for method_kw in ({}, {"pivoting": True}):
            A = base.copy()
            qr(A, mode, **method_kw)
            np.testing.assert_array_equal(A, base)


def test_dtypes():
    ints = np.arange(12).reshape(4, 3)
    assert qr(ints).Q.dtype == np.float64
    np.testing.assert_allclose(qr(ints, "r"), np.linalg.qr(ints, "r"), atol=1e-12)
    assert qr(np.eye(3, dtype=bool), "r").dtype == np.float64
    assert qr(np.eye(3, dtype=np.float32), "r").dtype == np.float32
    assert qr([[1.0, 2.0], [3.0, 4.0]], "r").dtype == np.float64
    # complex input is factored (tests/linalg/test_complex_factor.py); its unported options say so
    with pytest.raises(TypeError, match="complex"):
        qr(np.eye(2, dtype=complex), method="mgs")


def test_errors_match_numpy():
    with pytest.raises(
        LinAlgError, match="1-dimensional array given. Array must be at least two-dimensional"
    ):
        qr(np.ones(3))
    with pytest.raises(np.linalg.LinAlgError):
        qr(5.0)
    with pytest.raises(ValueError, match="Unrecognized mode 'nope'"):
        qr(np.eye(2), "nope")
    with pytest.raises(ValueError, match="unknown method"):
        qr(np.eye(2), method="magic")
    with pytest.raises(ValueError, match="'magic'"):
        qr(np.eye(2), kernel="magic")


def test_deprecated_modes_warn_like_numpy(rng):
    A = rng.standard_normal((5, 3))
    with pytest.warns(DeprecationWarning, match="'full' option is deprecated"):
        Q, R = qr(A, "full")
    np.testing.assert_allclose(R, np.linalg.qr(A).R, atol=1e-13)
    with pytest.warns(DeprecationWarning, match="'economic' option is deprecated"):
        economic = qr(A, "economic")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        np.testing.assert_allclose(economic, np.linalg.qr(A, "economic"), atol=1e-13)


def test_nan_and_inf_propagate_without_error():
    for bad in (np.nan, np.inf):
        A = np.eye(3)
        A[1, 1] = bad
        Q, R = qr(A)
        assert not np.isfinite(R).all()


@pytest.mark.parametrize("variant", ["unblocked", "blocked", "parallel"])
def test_every_householder_kernel_through_the_api(variant, rng):
    A = rng.standard_normal((150, 100))
    Q, R = qr(A, kernel=variant)
    Q_np, R_np = np.linalg.qr(A)
    np.testing.assert_allclose(R, R_np, atol=1e-12)
    np.testing.assert_allclose(Q, Q_np, atol=1e-12)


# --------------------------------------------------------------------------
# methods
# --------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["householder", "mgs", "cgs", "cgs2", "tsqr"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_methods_give_a_valid_qr(method, dtype, rng):
    A = rng.standard_normal((2, 300, 12)).astype(dtype)
    Q, R = qr(A, method=method)
    assert Q.shape == (2, 300, 12) and R.shape == (2, 12, 12) and Q.dtype == dtype
    _check_qr(Q, R, A, dtype)
    R_np = np.linalg.qr(A.astype(np.float64), "r")
    np.testing.assert_allclose(np.abs(R), np.abs(R_np), atol=_tol(dtype, A.shape) * 30)
    R_only = qr(A, "r", method=method)
    np.testing.assert_allclose(R_only, R, atol=_tol(dtype, A.shape) * 30)
    if method != "householder":
        assert (np.diagonal(R, axis1=-2, axis2=-1) >= 0).all()


def test_method_restrictions():
    A = np.ones((3, 5))
    with pytest.raises(ValueError, match="M >= N"):
        qr(A, method="tsqr")
    with pytest.raises(ValueError, match="mode 'reduced' and 'r' only"):
        qr(np.eye(3), "complete", method="mgs")
    with pytest.raises(ValueError, match="pivoting=True needs method='householder'"):
        qr(np.eye(3), pivoting=True, method="cgs")
    with pytest.raises(LinAlgError, match="full column rank"):
        qr(np.ones((4, 2)) * [1.0, 0.0], method="mgs")


def test_auto_policy():
    assert qr_method(100_000, 50, "r", nthreads=1)[:2] == ("tsqr", "serial")
    assert qr_method(100_000, 50, "reduced", nthreads=2)[:2] == ("tsqr", "parallel")
    assert qr_method(100_000, 100, "complete", nthreads=1)[:2] == ("qr", "blocked")
    assert qr_method(100, 100, nthreads=1)[:2] == ("qr", "unblocked")
    assert qr_method(20, 10, nthreads=1)[:2] == ("qr", "unblocked")
    assert qr_method(2048, 2048, nthreads=1)[:2] == ("qr", "blocked")
    assert qr_method(2048, 2048, nthreads=2)[:2] == ("qr", "parallel")
    assert qr_method(50, 50, pivoting=True)[:2] == ("qr_pivoted", "businger_golub")
    assert all(isinstance(qr_method(m, 7)[2], str) for m in (7, 7000))


def test_auto_tall_skinny_uses_tsqr_and_is_correct(rng):
    A = rng.standard_normal((8000, 10))
    Q, R = qr(A)
    _check_qr(Q, R, A, np.float64)
    assert (np.diag(R) >= 0).all()  # the TSQR path's canonical signs


def test_jitla_namespace():
    assert jitla.linalg.qr is qr


# --------------------------------------------------------------------------
# pivoting (scipy's convention)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(8, 5), (5, 8), (6, 6), (1, 1), (0, 3), (3, 0)], ids=str)
def test_pivoting_matches_scipy(shape, rng):
    A = rng.standard_normal(shape)
    Q, R, P = qr(A, pivoting=True)
    Q_sp, R_sp, P_sp = scipy.linalg.qr(A, pivoting=True, mode="economic")
    np.testing.assert_array_equal(P, P_sp)
    assert P.dtype == P_sp.dtype
    np.testing.assert_allclose(R, R_sp, atol=1e-13)
    np.testing.assert_allclose(Q, Q_sp, atol=1e-13)
    np.testing.assert_allclose(Q @ R, A[:, P], atol=1e-13)
    Qc, Rc, Pc = qr(A, "complete", pivoting=True)
    Q_sp, R_sp, _ = scipy.linalg.qr(A, pivoting=True)
    np.testing.assert_allclose(Qc, Q_sp, atol=1e-13)
    np.testing.assert_allclose(Rc, R_sp, atol=1e-13)
    R_only, P_only = qr(A, "r", pivoting=True)
    R_sp, P_sp = scipy.linalg.qr(A, pivoting=True, mode="r")
    np.testing.assert_allclose(R_only, R_sp[: min(shape)], atol=1e-13)
    np.testing.assert_array_equal(P_only, P_sp)
    (h, tau), P_raw = qr(A, "raw", pivoting=True)
    assert h.shape == shape[::-1] and tau.shape == (min(shape),)
    np.testing.assert_array_equal(P_raw, P)


def test_pivoting_on_a_stack_and_rank(rng):
    A = np.stack([naive.matrix_with_singular_values(np.logspace(0, -3, r), 12, 8, seed=r) for r in (2, 5, 8)])
    Q, R, P = qr(A, pivoting=True)
    assert P.shape == (3, 8)
    for i in range(3):
        np.testing.assert_allclose(Q[i] @ R[i], A[i][:, P[i]], atol=1e-13)
    np.testing.assert_array_equal(qr_rank(A), [2, 5, 8])
    np.testing.assert_array_equal(qr_rank(A), np.linalg.matrix_rank(A))
    assert qr_rank(A[0]) == 2 and isinstance(qr_rank(A[0]), int)
    assert qr_rank(A[2], rtol=2e-3) == 7  # the last singular value 1e-3 < 2e-3 * s_max
    assert qr_rank(np.zeros((4, 3))) == 0
    assert qr_rank(np.zeros((0, 3))) == 0


@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
@pytest.mark.parametrize(
    "shape",
    [
        lambda t, e: (t, t),
        lambda t, e: (t + 1, t + 1),
        lambda t, e: (e // t, t),
        lambda t, e: (e // t + 1, t),
        lambda t, e: (t, t + 1),
        lambda t, e: (100, 100),
    ],
    ids=["t,t", "t+1,t+1", "e/t,t", "e/t+1,t", "t,t+1", "100,100"],
)
def test_sizes_around_the_unblocked_threshold(shape, mode, rng):
    # QR_UNBLOCKED_SMALL_MAX columns and QR_UNBLOCKED_MAX_ELEMENTS entries decide
    # geqr2_q_r (one kernel call) against geqrf + orgqr
    m, n = shape(jitla.config.QR_UNBLOCKED_SMALL_MAX, jitla.config.QR_UNBLOCKED_MAX_ELEMENTS)
    A = rng.standard_normal((m, n))
    before = A.copy()
    got = qr(A, mode)
    want = np.linalg.qr(A, mode)
    np.testing.assert_array_equal(A, before)
    if mode == "r":
        np.testing.assert_allclose(got, want, atol=_tol(np.float64, A.shape) * 10)
        return
    np.testing.assert_allclose(got.R, want.R, atol=_tol(np.float64, A.shape) * 10)
    np.testing.assert_allclose(got.Q, want.Q, atol=_tol(np.float64, A.shape) * 10 * max(m, n))
    _check_qr(got.Q, got.R, A, np.float64)


def test_one_call_kernel_float32_and_overwrite(rng):
    A = rng.standard_normal((100, 60)).astype(np.float32)
    Q, R = qr(A)
    assert Q.dtype == R.dtype == np.float32
    _check_qr(Q, R, A, np.float32)
    np.testing.assert_allclose(R, np.linalg.qr(A.astype(np.float64)).R, atol=_tol(np.float32, A.shape) * 10)
    B = A.astype(np.float64)
    R_expected = qr(B, "r")
    R_in_place = qr(B, "r", overwrite_a=True)  # factored in B itself
    np.testing.assert_array_equal(R_in_place, R_expected)
    np.testing.assert_array_equal(np.triu(B[:60]), R_expected)
