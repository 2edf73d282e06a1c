"""Symmetric eigensolvers: Jacobi, tridiagonal QL, divide and conquer; numpy.linalg.eigh semantics."""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg
from helpers import eps

from jitla import LinAlgError
from jitla.kernels import eig_symmetric
from jitla.linalg import eigh, eigvalsh

METHODS = ["jacobi", "ql", "dc"]
SIZES = [1, 2, 3, 5, 17, 40, 70]


def random_symmetric(rng, n, dtype=np.float64):
    a = rng.standard_normal((n, n))
    return ((a + a.T) / 2).astype(dtype)


def check_eigh(a, w, V, c=20.0):
    """Residual ||A V - V diag(w)|| <= c n eps ||A||, V^T V = I, ascending order."""
    n = a.shape[-1]
    e = eps(w.dtype)
    scale = max(np.abs(a).max() * n, 1.0)
    residual = a @ V - V * w[..., None, :]
    assert np.abs(residual).max() <= c * n * e * scale
    gram = np.swapaxes(V, -1, -2) @ V
    assert np.abs(gram - np.eye(n)).max() <= c * n * e
    assert np.all(np.diff(w, axis=-1) >= 0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n", SIZES)
def test_invariants_and_values_vs_numpy(method, n, rng):
    a = random_symmetric(rng, n)
    w, V = eigh(a, method=method)
    check_eigh(a, w, V)
    np.testing.assert_allclose(
        w, np.linalg.eigvalsh(a), rtol=0, atol=20 * n * eps(np.float64) * np.abs(a).max() * n
    )
    np.testing.assert_allclose(eigvalsh(a, method=method), w, rtol=0, atol=10 * n * eps(np.float64) * n)


def test_above_the_driver_order_eigh_runs_the_steps(rng, monkeypatch):
    # above EIG_ONE_KERNEL_MAX eigh calls the steps itself (Q by the form_q / orgqr that qr
    # uses), never the one-call driver, which links every step into one module and compiles
    # it all again; up to it, the driver
    from jitla import config
    from jitla.linalg import _eig

    asked = []
    real_get_kernel = _eig.get_kernel
    monkeypatch.setattr(
        _eig, "get_kernel", lambda op, variant: asked.append((op, variant)) or real_get_kernel(op, variant)
    )
    n = config.EIG_ONE_KERNEL_MAX + 1
    for order in (n, n - 1):
        a = random_symmetric(rng, order)
        w, V = eigh(a, method="ql")
        check_eigh(a, w, V)
        np.testing.assert_allclose(
            w, np.linalg.eigvalsh(a), rtol=0, atol=20 * order * eps(np.float64) * np.abs(a).max()
        )
        assert (("eigh", "ql") in asked) == (order == n - 1), order


def test_auto_takes_divide_and_conquer_from_the_config_threshold(rng, monkeypatch):
    # at and above EIGH_DC_MIN "auto" runs the D&C steps (its kernel, never the QL's steqr on Q);
    # below, QL; the vectors agree with numpy's up to sign either way
    from jitla import config
    from jitla.linalg import _eig, eigh_method

    n = config.EIGH_DC_MIN
    assert eigh_method((n, n)).variant == "dc" and eigh_method((n - 1, n - 1)).variant == "ql"
    ran = []
    real = _eig.tridiagonal_dc
    monkeypatch.setattr(_eig, "tridiagonal_dc", lambda *args: ran.append(1) or real(*args))
    for order in (n, n - 1):
        a = random_symmetric(rng, order)
        w, V = eigh(a)
        check_eigh(a, w, V)
        wn, Vn = np.linalg.eigh(a)
        np.testing.assert_allclose(np.abs(V.T @ Vn), np.eye(order), rtol=0, atol=1e-8)
        assert bool(ran) == (order == n), order
        ran.clear()


@pytest.mark.parametrize("method", METHODS)
def test_values_match_naive_jacobi_and_scipy(method, rng):
    a = random_symmetric(rng, 6)
    expected = naive.eigvalsh(a)
    np.testing.assert_allclose(eigvalsh(a, method=method), expected, rtol=0, atol=1e-14 * 6)
    np.testing.assert_allclose(eigvalsh(a, method=method), scipy.linalg.eigvalsh(a), rtol=0, atol=1e-14 * 6)


@pytest.mark.parametrize("method", METHODS)
def test_two_by_two_closed_form(method):
    a = np.array([[2.0, -3.5], [-3.5, 0.25]])
    lo, hi = naive.eigvals_2x2(a)
    np.testing.assert_allclose(eigvalsh(a, method=method), [lo, hi], rtol=4 * eps(np.float64))


@pytest.mark.parametrize("method", METHODS)
def test_result_type_uplo_and_input_unmodified(method, rng):
    a = random_symmetric(rng, 7)
    junk = a.copy()
    junk[np.triu_indices(7, 1)] = 99.0  # only the lower triangle may be read
    before = junk.copy()
    result = eigh(junk, method=method)
    assert type(result).__name__ == "EighResult"
    np.testing.assert_array_equal(junk, before)
    np.testing.assert_allclose(result.eigenvalues, np.linalg.eigvalsh(a), atol=1e-13)
    upper = a.copy()
    upper[np.tril_indices(7, -1)] = -7.0
    np.testing.assert_allclose(eigvalsh(upper, UPLO="U", method=method), np.linalg.eigvalsh(a), atol=1e-13)
    np.testing.assert_allclose(eigvalsh(upper, UPLO="u", method=method), np.linalg.eigvalsh(a), atol=1e-13)


def test_errors_as_numpy():
    with pytest.raises(LinAlgError, match="Last 2 dimensions of the array must be square"):
        eigh(np.zeros((3, 2)))
    with pytest.raises(LinAlgError, match="Array must be at least two-dimensional"):
        eigvalsh(np.zeros(3))
    with pytest.raises(ValueError, match="UPLO argument must be 'L' or 'U'"):
        eigh(np.eye(2), UPLO="X")
    with pytest.raises(TypeError, match="complex"):
        eigh(np.eye(2, dtype=complex), method="jacobi")  # no Hermitian Jacobi kernel
    with pytest.raises(ValueError, match="unknown eigh method"):
        eigh(np.eye(2), method="divide_and_conquer")


def test_nan_gives_nan_as_numpy():
    a = np.array([[1.0, np.nan], [np.nan, 1.0]])
    w, V = eigh(a)
    ref = np.linalg.eigh(a)
    assert np.isnan(w).all() and np.isnan(V).all()
    assert np.isnan(ref.eigenvalues).all()
    # a NaN in the triangle that is not read does not matter (numpy reads one triangle)
    b = np.array([[1.0, np.nan], [2.0, 3.0]])
    for method in METHODS:
        w, V = eigh(b, method=method)
        np.testing.assert_allclose(w, np.linalg.eigh(b).eigenvalues, rtol=1e-15)
        assert np.isnan(eigvalsh(b, UPLO="U", method=method)).all()


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (3, 1, 1)], ids=str)
def test_empty_and_one_by_one(shape):
    a = np.full(shape, 2.5)
    w, V = eigh(a)
    ref = np.linalg.eigh(a)
    assert w.shape == ref.eigenvalues.shape and V.shape == ref.eigenvectors.shape
    np.testing.assert_array_equal(w, ref.eigenvalues)
    np.testing.assert_array_equal(np.abs(V), np.abs(ref.eigenvectors))


@pytest.mark.parametrize("method", METHODS)
def test_stacked_float32_and_layouts(method, rng):
    a = np.stack([random_symmetric(rng, 9) for _ in range(6)]).reshape(2, 3, 9, 9)
    w, V = eigh(a, method=method)
    assert w.shape == (2, 3, 9) and V.shape == (2, 3, 9, 9)
    check_eigh(a, w, V)
    a32 = a.astype(np.float32)
    w32, V32 = eigh(a32, method=method)
    assert w32.dtype == V32.dtype == np.float32
    check_eigh(a32, w32, V32)
    np.testing.assert_allclose(w32, w, rtol=0, atol=50 * 9 * eps(np.float32) * 9)
    fortran = np.asfortranarray(a[0, 0])
    strided = np.repeat(np.repeat(a[0, 0], 2, axis=0), 2, axis=1)[::2, ::2]
    np.testing.assert_allclose(eigvalsh(fortran, method=method), w[0, 0], atol=1e-13)
    np.testing.assert_allclose(eigvalsh(strided, method=method), w[0, 0], atol=1e-13)
    np.testing.assert_array_equal(
        eigvalsh(np.arange(4).reshape(2, 2) + np.eye(2, dtype=int)).dtype, np.float64
    )


@pytest.mark.parametrize("method", METHODS)
def test_zero_identity_diagonal_repeated_and_clustered(method, rng):
    w, V = eigh(np.zeros((5, 5)), method=method)
    np.testing.assert_array_equal(w, np.zeros(5))
    check_eigh(np.zeros((5, 5)), w, V)
    d = np.array([3.0, -1.0, 2.0, 2.0, 0.5])
    w, V = eigh(np.diag(d), method=method)
    np.testing.assert_array_equal(w, np.sort(d))
    check_eigh(np.diag(d), w, V)
    Q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    values = np.array([1.0, 1.0, 1.0, 1 + 1e-13, 1 - 1e-13, -2.0, -2.0, 5.0])
    a = (Q * values) @ Q.T
    a = (a + a.T) / 2
    w, V = eigh(a, method=method)
    check_eigh(a, w, V)
    np.testing.assert_allclose(w, np.sort(values), rtol=0, atol=50 * eps(np.float64) * 5)


def test_wilkinson_and_tridiagonal_matrices():
    # W21+: pairs of eigenvalues that agree to many digits (Wilkinson 1965)
    n = 21
    a = np.diag(np.abs(np.arange(n) - 10.0)) + np.diag(np.ones(n - 1), 1) + np.diag(np.ones(n - 1), -1)
    for method in METHODS:
        w, V = eigh(a, method=method)
        check_eigh(a, w, V)
        np.testing.assert_allclose(
            w, scipy.linalg.eigvalsh_tridiagonal(np.diag(a), np.ones(n - 1)), atol=1e-13
        )
    # 1-2-1 matrix: eigenvalues 2 - 2 cos(k pi / (n + 1))
    n = 30
    a = 2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    exact = 2 - 2 * np.cos(np.arange(1, n + 1) * np.pi / (n + 1))
    np.testing.assert_allclose(eigvalsh(a), np.sort(exact), rtol=0, atol=20 * eps(np.float64))


@pytest.mark.parametrize(
    "grading",
    [np.logspace(0, -12, 6), np.logspace(-12, 0, 6), np.logspace(0, -12, 6)[[3, 0, 5, 1, 4, 2]]],
    ids=["top-large", "bottom-large", "shuffled"],
)
def test_jacobi_is_relatively_accurate_on_graded_matrices(grading):
    """A = D H D, H well conditioned, D from 1 to 1e-12: Jacobi keeps every eigenvalue's digits.

    (Measured: QL and numpy's syevd lose all digits of the smallest
    eigenvalue when the grading is bottom-large or shuffled; devlog 006.)
    """
    rng = np.random.default_rng(7)
    n = 6
    B = rng.standard_normal((n, n))
    H = B @ B.T + n * np.eye(n)
    D = np.diag(grading)
    a = D @ H @ D
    exact = naive.eigvals_mp(a, dps=50, symmetric=True)
    np.testing.assert_allclose(eigvalsh(a, method="jacobi"), exact, rtol=1e-13)
    # the QL route only promises eps * ||A|| absolute accuracy
    ql = eigvalsh(a, method="ql")
    np.testing.assert_allclose(ql, exact, rtol=0, atol=100 * eps(np.float64) * np.abs(a).max())


def test_ill_conditioned_hilbert_against_mpmath():
    n = 8
    a = 1.0 / (np.arange(n)[:, None] + np.arange(n)[None, :] + 1)
    exact = naive.eigvals_mp(a, dps=50, symmetric=True)
    for method in METHODS:
        np.testing.assert_allclose(eigvalsh(a, method=method), exact, rtol=0, atol=20 * n * eps(np.float64))


def test_kernels_report_non_convergence():
    a = np.array([[1.0, 2.0, 0.5], [2.0, -1.0, 1.0], [0.5, 1.0, 3.0]])
    status, sweeps = eig_symmetric.eigh_jacobi(a.copy(), np.empty(3), np.empty((3, 3)), True, 1)
    assert status == 1 and sweeps == 1
    d = np.array([1.0, 2.0, 3.0])
    e = np.array([1.0, 1.0, 0.0])
    Zt = np.eye(3)
    status = eig_symmetric.steqr(d, e, Zt, True)
    assert status == 0
    nan_d = np.array([1.0, np.nan, 3.0])  # no deflation test can pass: the cap must stop it
    assert eig_symmetric.steqr(nan_d, np.array([1.0, 1.0, 0.0]), np.eye(3), True) > 0
    np.testing.assert_allclose(d, np.linalg.eigvalsh(np.diag([1.0, 2, 3]) + np.eye(3, k=1) + np.eye(3, k=-1)))


def test_sytd2_reduces_to_tridiagonal(rng):
    n = 9
    a = random_symmetric(rng, n)
    A = a.copy()
    d, e, tau = np.empty(n), np.empty(n - 1), np.empty(n - 1)
    eig_symmetric.sytd2(A, d, e, tau)
    Qt = np.empty((n, n))
    eig_symmetric.form_q_sytd2(A, tau, Qt)
    T = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    np.testing.assert_allclose(Qt @ Qt.T, np.eye(n), atol=1e-14)
    np.testing.assert_allclose(Qt.T @ T @ Qt, a, atol=1e-13)
    # the fused variant does the same arithmetic in another order of passes
    B = a.copy()
    d2, e2, tau2 = np.empty(n), np.empty(n - 1), np.empty(n - 1)
    eig_symmetric.sytd2_fused(B, d2, e2, tau2)
    np.testing.assert_allclose(d2, d, rtol=0, atol=1e-14)
    np.testing.assert_allclose(e2, e, rtol=0, atol=1e-14)
    np.testing.assert_allclose(np.triu(B, 1), np.triu(A, 1), rtol=0, atol=1e-14)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e200, 1e300])
def test_entries_near_overflow_and_underflow_are_scaled(method, scale, rng):
    a = random_symmetric(rng, 12)
    w, V = eigh(a * scale, method=method)
    np.testing.assert_allclose(w / scale, np.linalg.eigvalsh(a), rtol=0, atol=1e-13)
    check_eigh(a, w / scale, V)
    w32 = eigvalsh((a * 1e30).astype(np.float32), method=method)
    assert np.isfinite(w32).all()
    np.testing.assert_allclose(w32 / 1e30, np.linalg.eigvalsh(a), rtol=0, atol=1e-5)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype,scale", [(np.float64, 1e-310), (np.float32, 1e-40)])
def test_subnormal_matrix_is_scaled_not_failed(method, dtype, scale, rng):
    """SPD entries in the subnormal range: the scaling factor itself (2**1029) is not a float."""
    x = rng.standard_normal((5, 5))
    a = ((x @ x.T + 5 * np.eye(5)) * scale).astype(dtype)
    assert np.abs(a).max() < np.finfo(dtype).tiny
    w, V = eigh(a, method=method)
    ref = np.linalg.eigvalsh(a)
    # the subnormal entries carry few bits: compare relative to the largest eigenvalue
    tol = 50 * eps(dtype) * np.abs(ref).max()
    np.testing.assert_allclose(eigvalsh(a, method=method), ref, rtol=0, atol=tol)
    np.testing.assert_allclose(w, ref, rtol=0, atol=tol)
    unscaled = a.astype(np.float64) / scale  # the same matrix, out of the subnormal range
    check_eigh(unscaled.astype(dtype), (w.astype(np.float64) / scale).astype(dtype), V)
    ref = np.linalg.eigvalsh(unscaled)
    grid = np.finfo(dtype).smallest_subnormal / scale  # w itself is rounded to the subnormal grid
    np.testing.assert_allclose(
        w.astype(np.float64) / scale, ref, rtol=0, atol=50 * eps(dtype) * ref.max() + 2 * grid
    )


def test_nan_input_gives_nan_where_numpy_is_inconsistent():
    """numpy returns NaN, finite nonsense or raises for these; jitla answers NaN for all of them."""
    for a in (np.diag([np.nan, 1.0, 2.0]), np.full((3, 3), np.nan), np.diag([1.0, np.nan])):
        for method in METHODS:
            w, V = eigh(a, method=method)
            assert np.isnan(w).all() and np.isnan(V).all()
            assert np.isnan(eigvalsh(a, method=method)).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("offset", [1, 2])
def test_sizes_around_the_q_formation_threshold(offset, dtype, rng):
    # n - 1 reflectors: form_q up to QR_UNBLOCKED_SMALL_MAX of them (orgqr_plan), orgqr above
    from jitla import config

    n = config.QR_UNBLOCKED_SMALL_MAX + offset
    a = random_symmetric(rng, n, dtype)
    before = a.copy()
    w, V = eigh(a)
    assert w.dtype == V.dtype == dtype
    check_eigh(
        a.astype(np.float64),
        w.astype(np.float64),
        V.astype(np.float64),
        c=20.0 * eps(dtype) / eps(np.float64),
    )
    np.testing.assert_allclose(
        w, np.linalg.eigvalsh(a.astype(np.float64)), rtol=0, atol=20 * n * eps(dtype) * np.abs(a).max() * n
    )
    np.testing.assert_allclose(eigvalsh(a), w, rtol=0, atol=10 * n * eps(dtype) * np.abs(a).max() * n)
    np.testing.assert_array_equal(a, before)


def test_ql_deflation_test_near_overflow():
    # |d_m d_m+1| overflows: the kernel falls back to two square roots instead of
    # deflating on an infinite bound (the API scales such input first; the kernel must not rely on it)
    d = np.array([1e200, 2e200, 3e200, 4e200])
    e = np.array([1e199, 2e199, 3e199, 0.0])
    T = np.diag(d) + np.diag(e[:3], 1) + np.diag(e[:3], -1)
    want = np.linalg.eigvalsh(T / 1e200) * 1e200
    Zt = np.eye(4)
    assert eig_symmetric.steqr(d, e, Zt, False) == 0
    np.testing.assert_allclose(d, want, rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sterf_root_free_ql_matches_scipy(dtype, rng):
    # eigvalsh's values-only QL (Pal-Walker-Kahan, no square roots in the chase) on
    # random, nearly split, Wilkinson-like, diagonal and badly scaled tridiagonals
    n = 40
    cases = []
    for scale in (1.0, 1e-9, 1e200, 1e-200):
        d, e = rng.standard_normal(n), rng.standard_normal(n)
        cases.append((d * (scale if abs(np.log10(scale)) > 10 else 1.0), e * scale))
    cases.append((np.abs(np.arange(-(n // 2), n - n // 2, dtype=float)), np.ones(n)))
    cases.append((np.ones(n), np.zeros(n)))
    tol = 10 * n * eps(dtype)
    for d, e in cases:
        big = np.abs(np.r_[d, e]).max()
        if dtype == np.float32 and not 1e-30 < big < 1e30:
            continue  # outside float32's range
        want = scipy.linalg.eigvalsh_tridiagonal(d, e[: n - 1])
        dd, ee = d.astype(dtype), e.astype(dtype)
        assert eig_symmetric.sterf(dd, ee) == 0
        np.testing.assert_allclose(dd, want, rtol=0, atol=tol * np.abs(want).max())
    nan = np.array([1.0, np.nan, 2.0], dtype)
    eig_symmetric.sterf(nan, np.ones(3, dtype))
    assert np.isnan(nan).all()


def test_sterf_where_one_over_c_overflows():
    # d ~ 1e-170 beside e_1 = 1: the chase meets a c below 1/huge, where sterf's r/p
    # overflows and it must divide by c instead of multiplying by r/p (inf or NaN otherwise)
    d = np.array([1e-170, 1e-170, 0.0])
    e = np.array([1e-160, 1.0, 0.0])
    want = scipy.linalg.eigvalsh_tridiagonal(d, e[:2])
    assert eig_symmetric.sterf(d, e) == 0
    np.testing.assert_allclose(d, want, rtol=0, atol=30 * eps(np.float64))
