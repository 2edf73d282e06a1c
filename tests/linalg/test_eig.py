"""General eigensolver: Hessenberg + Francis double-shift QR + dtrevc vectors, numpy.linalg.eig semantics."""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.linalg
from helpers import eps

from jitla import LinAlgError
from jitla.kernels import eig_general
from jitla.linalg import eig, eigvals

SIZES = [1, 2, 3, 4, 7, 16, 33, 60]


def as_multiset(w):
    """Eigenvalues in a canonical order: by real part, then imaginary part (rounded to tie pairs)."""
    w = np.asarray(w, dtype=complex)
    order = np.lexsort((np.round(w.imag, 6), np.round(w.real, 6)))
    return w[order]


def assert_same_eigenvalues(w, expected, atol):
    """Match every eigenvalue to a distinct expected one (greedy nearest): multiset comparison."""
    w = list(np.asarray(w, dtype=complex))
    assert len(w) == len(expected)
    for z in np.asarray(expected, dtype=complex):
        k = int(np.argmin([abs(z - x) for x in w]))
        assert abs(z - w[k]) <= atol, f"{z} has no match within {atol} (nearest {w[k]})"
        w.pop(k)


def check_eig(a, w, V, c=20.0):
    """||A V - V diag(w)|| <= c n eps ||A||, unit columns, conjugate pairs consecutive."""
    n = a.shape[-1]
    e = eps(a.dtype)
    scale = max(np.abs(a).max() * n, 1.0)
    residual = a.astype(V.dtype) @ V - V * w[..., None, :]
    assert np.abs(residual).max() <= c * n * e * scale
    np.testing.assert_allclose(np.linalg.norm(V, axis=-2), 1.0, atol=c * n * e)


@pytest.mark.parametrize("n", SIZES)
def test_random_against_numpy_and_invariants(n, rng):
    a = rng.standard_normal((n, n))
    w, V = eig(a)
    ref = np.linalg.eigvals(a)
    assert w.dtype == ref.dtype
    assert_same_eigenvalues(w, ref, atol=100 * n * eps(np.float64))
    check_eig(a, w, V)
    np.testing.assert_array_equal(eigvals(a).dtype, ref.dtype)
    assert_same_eigenvalues(eigvals(a), w, atol=100 * n * eps(np.float64))
    if np.iscomplexobj(w):  # pairs consecutive, positive imaginary part first (as LAPACK)
        j = 0
        while j < n:
            if w[j].imag != 0:
                assert w[j].imag > 0 and w[j + 1] == np.conj(w[j])
                np.testing.assert_array_equal(V[:, j + 1], np.conj(V[:, j]))
                j += 2
            else:
                j += 1


def test_vectors_match_numpy_up_to_sign(rng):
    """dgeev's normalisation (unit norm, largest entry of a complex vector real): unique up to +-."""
    a = rng.standard_normal((9, 9))
    w, V = eig(a)
    wn, Vn = np.linalg.eig(a)
    for j in range(9):
        k = int(np.argmin(np.abs(wn - w[j])))
        sign = np.sign(np.vdot(Vn[:, k], V[:, j]).real)
        np.testing.assert_allclose(V[:, j], sign * Vn[:, k], atol=1e-12)


def test_real_output_when_all_eigenvalues_real_as_numpy(rng):
    b = rng.standard_normal((6, 6))
    a = b @ np.diag([1.0, 2, 3, 4, 5, 6]) @ np.linalg.inv(b)
    w, V = eig(a)
    ref = np.linalg.eig(a)
    assert w.dtype == ref.eigenvalues.dtype == np.float64
    assert V.dtype == ref.eigenvectors.dtype == np.float64
    np.testing.assert_allclose(np.sort(w), [1, 2, 3, 4, 5, 6], atol=1e-11)
    check_eig(a, w, V, c=1000.0)
    # a stack is complex as soon as one matrix has a complex pair (numpy's all() is over the stack)
    stack = np.stack([a, np.array([[0.0, -1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]] + np.eye(6)[2:].tolist())])
    assert eig(stack).eigenvalues.dtype == np.linalg.eig(stack).eigenvalues.dtype == np.complex128
    assert eigvals(stack).dtype == np.complex128


def test_two_by_two_closed_form_and_rotation():
    for a in ([[1.0, 2.0], [3.0, 4.0]], [[1.0, -5.0], [2.0, 3.0]], [[0.0, 1.0], [0.0, 0.0]]):
        a = np.array(a)
        assert_same_eigenvalues(eigvals(a), naive.eigvals_2x2(a), atol=4 * eps(np.float64) * 10)
    theta = 0.3
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    w, V = eig(R)
    np.testing.assert_allclose(w, [np.exp(1j * theta), np.exp(-1j * theta)], atol=2 * eps(np.float64))
    check_eig(R, w, V)
    R3 = scipy.linalg.expm(np.array([[0, -1.0, 2], [1, 0, -0.5], [-2, 0.5, 0]]))  # 3-D rotation
    w3 = eigvals(R3)
    np.testing.assert_allclose(np.abs(w3), 1.0, atol=1e-14)
    assert_same_eigenvalues(w3, scipy.linalg.eigvals(R3), atol=1e-14)


def test_companion_matrices_of_known_polynomials():
    roots = np.array([1.0, 2.0, 3.0, -4.0, 0.5])
    C = np.polynomial.polynomial.polycompanion(np.polynomial.polynomial.polyfromroots(roots))
    assert_same_eigenvalues(eigvals(C), roots, atol=1e-11)
    # x^6 - 1: the sixth roots of unity
    c = np.zeros(6)
    c[0] = 1.0
    C6 = np.zeros((6, 6))
    C6[1:, :-1] = np.eye(5)
    C6[0, -1] = 1.0
    w, V = eig(C6)
    assert_same_eigenvalues(w, np.exp(2j * np.pi * np.arange(6) / 6), atol=1e-14)
    check_eig(C6, w, V)


def test_permutation_needs_the_exceptional_shift():
    """The cyclic shift P has eigenvalues on the unit circle; Wilkinson shifts alone stall on it."""
    for n in (2, 5, 10):
        P = np.roll(np.eye(n), 1, axis=0)
        w, V = eig(P)
        assert_same_eigenvalues(w, np.exp(2j * np.pi * np.arange(n) / n), atol=1e-13)
        check_eig(P, w, V)


def test_defective_jordan_blocks_terminate():
    rng = np.random.default_rng(3)
    for n in (2, 4, 8):
        J = 2.0 * np.eye(n) + np.eye(n, k=1)
        w, V = eig(J)
        np.testing.assert_array_equal(w, np.full(n, 2.0))
        assert np.isfinite(V).all()
        np.testing.assert_allclose(np.abs(V[:, 0]), np.eye(n)[0], atol=1e-15)
        Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        a = Q @ J @ Q.T
        w = eigvals(a)
        # a Jordan block of size n moves eigenvalues by ~eps^(1/n)
        assert np.abs(w - 2.0).max() <= 10 * eps(np.float64) ** (1.0 / n)
        w, V = eig(a)
        assert np.isfinite(V).all()
        np.testing.assert_allclose(np.linalg.norm(V, axis=0), 1.0, atol=1e-12)


def test_zero_diagonal_triangular_and_repeated(rng):
    w, V = eig(np.zeros((4, 4)))
    np.testing.assert_array_equal(w, np.zeros(4))
    np.testing.assert_allclose(np.abs(np.linalg.det(V)), 1.0)
    d = np.array([3.0, -1.0, 2.0, 2.0])
    w, V = eig(np.diag(d))
    np.testing.assert_array_equal(w, d)
    T = np.triu(rng.standard_normal((6, 6)))
    w, V = eig(T)
    np.testing.assert_array_equal(w, np.diag(T))
    check_eig(T, w, V)
    w = eigvals(np.eye(5) * 7)
    np.testing.assert_array_equal(w, np.full(5, 7.0))


def test_ill_conditioned_against_mpmath():
    """Nearly-coinciding eigenvalues of a non-normal matrix: compare with mpmath at 40 digits."""
    a = np.array([[1.0, 1e4, 0.0, 0.0], [1e-12, 1.0, 1e4, 0.0], [0.0, 0.0, 2.0, 1.0], [0.5, 0.0, -1.0, 2.0]])
    exact = naive.eigvals_mp(a, dps=40)
    cond = 1e4  # the eigenvalue condition numbers are of this order
    assert_same_eigenvalues(eigvals(a), exact, atol=100 * cond * eps(np.float64) * np.abs(a).max())
    assert_same_eigenvalues(np.linalg.eigvals(a), exact, atol=100 * cond * eps(np.float64) * np.abs(a).max())
    b = np.array([[4.0, -2.0, 1.0], [3.0, 6.0, -4.0], [2.0, 1.0, 8.0]])
    assert_same_eigenvalues(eig(b).eigenvalues, naive.eigvals_mp(b, dps=40), atol=20 * eps(np.float64) * 8)


def test_stacked_empty_float32_layouts_and_input_unmodified(rng):
    a = rng.standard_normal((2, 3, 8, 8))
    before = a.copy()
    w, V = eig(a)
    np.testing.assert_array_equal(a, before)
    ref = np.linalg.eig(a)
    assert (
        w.shape == ref.eigenvalues.shape
        and V.shape == ref.eigenvectors.shape
        and w.dtype == ref.eigenvalues.dtype
    )
    check_eig(a, w, V)
    for shape in [(0, 0), (3, 0, 0)]:
        ours, theirs = eig(np.zeros(shape)), np.linalg.eig(np.zeros(shape))
        assert (
            ours.eigenvalues.shape == theirs.eigenvalues.shape
            and ours.eigenvalues.dtype == theirs.eigenvalues.dtype
        )
        assert ours.eigenvectors.shape == theirs.eigenvectors.shape
        assert eigvals(np.zeros(shape)).shape == np.linalg.eigvals(np.zeros(shape)).shape
    a32 = rng.standard_normal((10, 10)).astype(np.float32)
    w32, V32 = eig(a32)
    ref32 = np.linalg.eig(a32)
    assert w32.dtype == ref32.eigenvalues.dtype and V32.dtype == ref32.eigenvectors.dtype
    check_eig(a32, w32, V32)
    sym32 = (a32 + a32.T) / 2
    assert eig(sym32).eigenvalues.dtype == np.linalg.eig(sym32).eigenvalues.dtype == np.float32
    assert eigvals(a32).dtype == np.linalg.eigvals(a32).dtype
    base = rng.standard_normal((7, 7))
    expected = eigvals(base)
    assert_same_eigenvalues(eigvals(np.asfortranarray(base)), expected, atol=1e-13)
    strided = np.repeat(base, 2, axis=1)[:, ::2]
    assert_same_eigenvalues(eigvals(strided), expected, atol=1e-13)
    assert eigvals(np.array([[1, 2], [3, 4]])).dtype == np.float64


def test_errors_as_numpy():
    with pytest.raises(LinAlgError, match="Last 2 dimensions of the array must be square"):
        eig(np.zeros((2, 3)))
    with pytest.raises(LinAlgError, match="at least two-dimensional"):
        eigvals(np.zeros(4))
    with pytest.raises(LinAlgError, match="Array must not contain infs or NaNs"):
        eig(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(LinAlgError, match="Array must not contain infs or NaNs"):
        eigvals(np.array([[1.0, np.inf], [0.0, 1.0]]))
    with pytest.raises(TypeError, match="complex"):
        eig(np.eye(2, dtype=np.clongdouble))  # complex64 / complex128 only


def test_iteration_cap_reports_status_and_api_raises(monkeypatch):
    """A NaN defeats every deflation test: the cap must stop the iteration with a status, not hang."""
    H = np.triu(np.ones((6, 6)), -1)
    H[3, 3] = np.nan
    wr, wi = np.empty(6), np.empty(6)
    assert eig_general.lahqr(H.copy(), wr, wi, np.eye(6), True) > 0
    assert eig_general.lahqr(H.copy(), wr, wi, np.eye(1), False) > 0
    P = np.roll(np.eye(6), 1, axis=0)  # converges, with exceptional shifts
    assert eig_general.lahqr(P, wr, wi, np.eye(6), True) == 0

    class Failing:
        @staticmethod
        def func(*args):
            return 3

    import jitla.linalg._eig as api

    monkeypatch.setattr(api, "get_kernel", lambda op, variant: Failing)
    # one small matrix (the small paths, devlog 106) and a stack of one (the general path)
    for a in (np.eye(3), np.eye(3)[None]):
        for f in (eig, api.eigvals, api.eigh, api.eigvalsh):
            with pytest.raises(LinAlgError, match="Eigenvalues did not converge"):
                f(a)


def test_schur_form_and_hessenberg(rng):
    n = 9
    a = rng.standard_normal((n, n))
    A = a.copy()
    tau = np.empty(n - 1)
    eig_general.gehd2(A, tau)
    Qt = np.empty((n, n))
    eig_general.form_qt_gehd2(A, tau, Qt)
    H = np.triu(A, -1)
    np.testing.assert_allclose(Qt @ Qt.T, np.eye(n), atol=1e-14)
    np.testing.assert_allclose(Qt.T @ H @ Qt, a, atol=1e-13)
    wr, wi = np.empty(n), np.empty(n)
    T = A.copy()
    assert eig_general.lahqr(T, wr, wi, Qt, True) == 0
    np.testing.assert_allclose(Qt.T @ T @ Qt, a, atol=1e-13)
    assert np.all(np.tril(T, -2) == 0)
    sub = np.diag(T, -1)
    assert np.all((sub[1:] == 0) | (sub[:-1] == 0)), "2 x 2 blocks must not overlap"
    for j in np.flatnonzero(sub):  # standardised blocks: equal diagonal, b c < 0
        assert T[j, j] == T[j + 1, j + 1] and T[j, j + 1] * T[j + 1, j] < 0


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e200, 1e300])
def test_entries_near_overflow_and_underflow_are_scaled(scale, rng):
    a = rng.standard_normal((12, 12))
    w, V = eig(a * scale)
    assert_same_eigenvalues(w / scale, np.linalg.eigvals(a), atol=1e-13)
    check_eig(a, w / scale, V)
    w32 = eigvals((a * 1e-30).astype(np.float32))
    assert_same_eigenvalues(w32 / 1e-30, np.linalg.eigvals(a), atol=1e-4)


@pytest.mark.parametrize("dtype,scale", [(np.float64, 1e-310), (np.float32, 1e-40)])
def test_subnormal_matrix_is_scaled_not_failed(dtype, scale, rng):
    """Entries in the subnormal range: the scaling factor itself (2**1029) is not a float."""
    x = rng.standard_normal((5, 5))
    a = (x * scale).astype(dtype)
    assert np.abs(a).max() < np.finfo(dtype).tiny
    w, V = eig(a)
    ref = np.linalg.eigvals(a)
    # 50 eps |w| underflows to 0 here: the values sit on the subnormal grid, so allow two of its steps
    tol = 50 * eps(dtype) * np.abs(ref).max() + 2 * np.finfo(dtype).smallest_subnormal
    assert_same_eigenvalues(w, ref, atol=tol)
    assert_same_eigenvalues(eigvals(a), ref, atol=tol)
    unscaled = a.astype(np.float64) / scale  # the same matrix, out of the subnormal range
    # parts divided separately: a complex division by a subnormal squares it to 0
    w_unscaled = w.real.astype(np.float64) / scale + 1j * (w.imag.astype(np.float64) / scale)
    check_eig(unscaled.astype(dtype), w_unscaled.astype(w.dtype), V)
    ref = np.linalg.eigvals(unscaled)
    grid = np.finfo(dtype).smallest_subnormal / scale  # w itself is rounded to the subnormal grid
    assert_same_eigenvalues(w_unscaled, ref, atol=50 * eps(dtype) * np.abs(ref).max() + 2 * grid)
