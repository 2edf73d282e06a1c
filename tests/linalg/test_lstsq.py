"""jitla.linalg.lstsq: numpy.linalg.lstsq semantics, methods, rank deficiency, errors.

Oracles: numpy.linalg.lstsq (LAPACK gelsd) on well-posed problems, the
mpmath reference of tests/naive.py, and invariants (the normal equations of
the residual, A^T r = 0).  The accuracy of refinement against mpmath is in
tests/linalg/test_refine.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from jitla.linalg import LinAlgError, LstsqRankWarning, lstsq

# Well-conditioned random problems (standard normal, m >= 2n: cond(A) < ~6)
# agree with numpy to a few hundred eps: forward error ~ cond * eps * c(m, n).
RTOL = {np.float64: 1e-12, np.float32: 2e-4}


def _problem(rng, m, n, k, dtype=np.float64):
    A = rng.standard_normal((m, n)).astype(dtype)
    b = rng.standard_normal((m,) if k is None else (m, k)).astype(dtype)
    return A, b


def _check_s(s, sn, dtype, rtol_scale=1.0):
    """Singular values as numpy's, to ``~k eps s[0]`` (absolute: the small ones carry eps * s[0])."""
    assert s.dtype == sn.dtype and s.shape == sn.shape
    if sn.size:
        np.testing.assert_allclose(s, sn, rtol=0, atol=rtol_scale * RTOL[dtype] * sn[0])


def _close(x, ref, dtype):
    scale = max(np.abs(ref).max(), 1.0) if ref.size else 1.0
    np.testing.assert_allclose(x, ref, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)


SHAPES = [(1, 1), (2, 1), (5, 5), (20, 3), (50, 7), (200, 70), (3, 7), (1, 4), (70, 200)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [None, 1, 3])
@pytest.mark.parametrize(("m", "n"), SHAPES)
def test_qr_matches_numpy(rng, m, n, k, dtype):
    A, b = _problem(rng, m, n, k, dtype)
    A0, b0 = A.copy(), b.copy()
    x, res, rank, s = lstsq(A, b)
    xn, resn, rankn, sn = np.linalg.lstsq(A, b)
    assert x.dtype == xn.dtype == dtype and x.shape == xn.shape
    _close(x, xn, dtype)
    assert res.dtype == resn.dtype and res.shape == resn.shape
    np.testing.assert_allclose(res, resn, rtol=10 * RTOL[dtype], atol=RTOL[dtype])
    assert rank == rankn and isinstance(rank, np.int32)
    _check_s(s, sn, dtype)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(b, b0)


def test_residual_is_orthogonal_to_the_columns(rng):
    A, b = _problem(rng, 300, 20, None)
    x, res, _, _ = lstsq(A, b)
    r = b - A @ x
    assert np.abs(A.T @ r).max() <= 1e-12 * np.abs(A).max() * np.abs(r).max() * 300
    np.testing.assert_allclose(res[0], r @ r, rtol=1e-12)


def test_exact_fit_and_hand_example():
    # y = 1 + 2 t fits exactly; and the worked 3-point example
    t = np.array([0.0, 1.0, 2.0, 3.0])
    A = np.column_stack([np.ones(4), t])
    x, res, rank, _ = lstsq(A, 1 + 2 * t)
    np.testing.assert_allclose(x, [1.0, 2.0], rtol=1e-14)
    assert res.shape == (1,) and res[0] < 1e-28 and rank == 2
    x, res, _, _ = lstsq([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]], [1.0, 2.0, 2.0])
    np.testing.assert_allclose(x, [7 / 6, 1 / 2], rtol=1e-14)
    np.testing.assert_allclose(res, [1 / 6], rtol=1e-13)


def test_underdetermined_gives_the_minimum_norm_solution(rng):
    A, b = _problem(rng, 4, 9, None)
    x, res, rank, _ = lstsq(A, b)
    np.testing.assert_allclose(A @ x, b, atol=1e-13)
    np.testing.assert_allclose(x, np.linalg.pinv(A) @ b, atol=1e-13)
    assert res.shape == (0,) and rank == 4


def test_integer_input_promotes_to_float64():
    x, res, rank, _ = lstsq(np.array([[1, 0], [1, 1], [1, 2]]), np.array([1, 2, 2]))
    xn, resn, _, _ = np.linalg.lstsq(np.array([[1, 0], [1, 1], [1, 2]]), np.array([1, 2, 2]))
    assert x.dtype == np.float64 and res.dtype == np.float64
    np.testing.assert_allclose(x, xn, rtol=1e-14)


def test_mixed_float32_float64_is_float64(rng):
    A, b = _problem(rng, 10, 3, None)
    x = lstsq(A.astype(np.float32), b)[0]
    assert x.dtype == np.float64


def test_strided_and_fortran_inputs(rng):
    A, b = _problem(rng, 40, 12, 2)
    xn = np.linalg.lstsq(A[::2, ::3], b[::2])[0]
    _close(lstsq(A[::2, ::3], b[::2])[0], xn, np.float64)
    _close(lstsq(np.asfortranarray(A), np.asfortranarray(b))[0], np.linalg.lstsq(A, b)[0], np.float64)


@pytest.mark.parametrize(
    ("a_shape", "b_shape"),
    [((0, 3), (0,)), ((3, 0), (3,)), ((3, 0), (3, 2)), ((0, 0), (0,)), ((4, 2), (4, 0)), ((2, 4), (2, 0))],
)
def test_empty_like_numpy(a_shape, b_shape):
    A = np.eye(*a_shape) + 0.5 * np.eye(*a_shape, k=1)  # full rank
    b = np.arange(float(np.prod(b_shape))).reshape(b_shape) + 1
    x, res, rank, _ = lstsq(A, b)
    xn, resn, rankn, _ = np.linalg.lstsq(A, b)
    assert x.shape == xn.shape and res.shape == resn.shape and rank == rankn
    np.testing.assert_array_equal(x, xn)
    np.testing.assert_allclose(res, resn)


def test_dimension_errors_like_numpy():
    with pytest.raises(LinAlgError, match="^1-dimensional array given. Array must be two-dimensional$"):
        lstsq(np.ones(3), np.ones(3))
    with pytest.raises(LinAlgError, match="^3-dimensional array given. Array must be two-dimensional$"):
        lstsq(np.ones((2, 3, 2)), np.ones((2, 3)))  # numpy's lstsq does not take stacks
    with pytest.raises(LinAlgError, match="^3-dimensional array given. Array must be two-dimensional$"):
        lstsq(np.ones((3, 2)), np.ones((1, 3, 2)))
    with pytest.raises(LinAlgError, match="^Incompatible dimensions$"):
        lstsq(np.ones((3, 2)), np.ones(4))
    for a, b in [(np.ones(3), np.ones(3)), (np.ones((3, 2)), np.ones(4))]:
        with pytest.raises(np.linalg.LinAlgError):
            np.linalg.lstsq(a, b)


def test_nonfinite_and_unported_complex_options_rejected():
    A = np.ones((3, 2))
    A[1, 1] = np.nan
    with pytest.raises(LinAlgError, match="Array must not contain infs or NaNs"):
        lstsq(A, np.ones(3))
    with pytest.raises(LinAlgError, match="Array must not contain infs or NaNs"):
        lstsq(np.eye(3)[:, :2], np.array([1.0, np.inf, 0.0]))
    with pytest.raises(TypeError, match="complex"):
        lstsq(np.ones((3, 2), complex), np.ones(3), method="pivoted")
    with pytest.raises(TypeError, match="complex"):
        lstsq(np.ones((3, 2)), np.ones(3, complex), refine=True)


def test_method_errors():
    A = np.eye(3)[:, :2]
    with pytest.raises(ValueError, match="refines with QR factors"):
        lstsq(A, np.ones(3), method="svd", refine=True)
    with pytest.raises(ValueError, match="method must be one of"):
        lstsq(A, np.ones(3), method="cholesky")
    with pytest.raises(ValueError, match="m >= n"):
        lstsq(A.T, np.ones(2), refine=True)


def test_rcond_default_and_negative(rng):
    # a column at 1e-13 of the others: numerically independent for eps * max(m, n)
    A, b = _problem(rng, 30, 4, None)
    A[:, 3] = A[:, 0] + 1e-13 * A[:, 3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lstsq(A, b)[2] == 4
        assert lstsq(A, b, rcond=-1)[2] == 4


def test_rcond_outside_zero_one_is_the_unit_roundoff_as_numpy():
    # numpy's own case: singular values 4.4, 4.2, 2.1 and ~5e-16 (on either side of the
    # tolerance, by method); numpy's gelsd treats rcond <= 0 or >= 1 as eps / 2
    a = np.array([[0.0, 1, 0, 1, 2, 0], [0, 2, 0, 0, 1, 0], [1, 0, 1, 0, 0, 4], [0, 0, 0, 2, 3, 0]]).T
    b = np.array([1.0, 0, 0, 0, 0, 0])
    s = lstsq(a, b, method="svd")[3]
    for rcond in (-1, 0, 1.0, 5.0):
        expected = int(np.sum(s > np.finfo(float).eps / 2 * s[0]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert lstsq(a, b, rcond=rcond, method="svd")[2] == expected, rcond
            assert lstsq(a, b, rcond=rcond)[2] == 4, rcond  # "qr": its s[3] is 5.4e-16 > 4.9e-16
    assert lstsq(a, b, rcond=0.5, method="svd")[2] == 2  # s > 0.5 s[0]: 4.4 and 4.2
    assert lstsq(a, b, method="svd")[2] == 3  # eps * max(m, n)


def test_qr_warns_and_pivots_on_rank_deficient_data(rng):
    A, b = _problem(rng, 30, 4, None)
    A[:, 2] = A[:, 0] - 2 * A[:, 1]  # exactly dependent (up to rounding)
    with pytest.warns(LstsqRankWarning, match="basic solution"):
        x, res, rank, _ = lstsq(A, b)
    assert rank == 3 and res.shape == (0,)
    assert np.count_nonzero(x == 0) == 1
    # same fitted values as numpy's minimum-norm solution
    xn = np.linalg.lstsq(A, b)[0]
    np.testing.assert_allclose(A @ x, A @ xn, atol=1e-12)


def test_rank_deficient_underdetermined_qr_raises(rng):
    A, b = _problem(rng, 3, 6, None)
    A[2] = A[0] + A[1]
    with pytest.raises(LinAlgError, match="rank-deficient"):
        lstsq(A, b)


# --------------------------------------------------------------------------
# method="pivoted"
# --------------------------------------------------------------------------
@pytest.mark.parametrize("k", [None, 2])
@pytest.mark.parametrize(("m", "n"), [(1, 1), (20, 3), (50, 7), (6, 6), (130, 70)])
def test_pivoted_full_rank_matches_numpy(rng, m, n, k):
    A, b = _problem(rng, m, n, k)
    A0 = A.copy()
    x, res, rank, s = lstsq(A, b, method="pivoted")
    xn, resn, rankn, sn = np.linalg.lstsq(A, b)
    _close(x, xn, np.float64)
    np.testing.assert_allclose(res, resn, rtol=1e-11)
    assert rank == rankn == n
    _check_s(s, sn, np.float64)
    np.testing.assert_array_equal(A, A0)


def _rank_deficient(rng, m, n, r):
    """An (m, n) matrix of rank r: r random columns, the others random combinations of them."""
    basis = rng.standard_normal((m, r))
    A = basis @ rng.standard_normal((r, n))
    A[:, rng.permutation(n)[:r]] = basis  # keep some columns "clean" too
    return A


@pytest.mark.parametrize(("m", "n", "r"), [(40, 6, 3), (40, 6, 5), (25, 10, 1), (5, 8, 3)])
def test_pivoted_rank_deficient_basic_solution(rng, m, n, r):
    A = _rank_deficient(rng, m, n, r)
    b = rng.standard_normal(m)
    x, res, rank, _ = lstsq(A, b, method="pivoted")
    assert rank == r == np.linalg.matrix_rank(A)
    assert res.shape == (0,)
    used = np.flatnonzero(x)
    assert used.size == r  # zeros for the n - r dependent columns
    # the nonzeros are the least-squares solution on the chosen columns
    np.testing.assert_allclose(x[used], np.linalg.lstsq(A[:, used], b)[0], rtol=1e-10, atol=1e-12)
    # and the fit is the same as numpy's minimum-norm solution's
    xn = np.linalg.lstsq(A, b)[0]
    np.testing.assert_allclose(A @ x, A @ xn, atol=1e-10 * np.abs(A @ xn).max())
    assert np.all(np.isfinite(x))


def test_pivoted_zero_matrix():
    x, res, rank, _ = lstsq(np.zeros((4, 3)), np.ones(4), method="pivoted")
    assert rank == 0 and res.shape == (0,)
    np.testing.assert_array_equal(x, np.zeros(3))


def test_pivoted_rcond_sets_the_rank(rng):
    U, _ = np.linalg.qr(rng.standard_normal((30, 3)))
    V, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    A = U @ np.diag([1.0, 1e-3, 1e-9]) @ V.T
    b = rng.standard_normal(30)
    assert lstsq(A, b, method="pivoted")[2] == 3  # default eps * 30: 1e-9 counts
    assert lstsq(A, b, rcond=1e-6, method="pivoted")[2] == 2
    assert lstsq(A, b, rcond=1e-1, method="pivoted")[2] == 1
    assert np.linalg.lstsq(A, b, rcond=1e-6)[2] == 2  # numpy agrees (on singular values)


def test_pivoted_underdetermined_solves_the_system(rng):
    A, b = _problem(rng, 4, 9, None)
    x, res, rank, _ = lstsq(A, b, method="pivoted")
    assert rank == 4 and res.shape == (0,)
    np.testing.assert_allclose(A @ x, b, atol=1e-12)
    assert np.count_nonzero(x) == 4  # basic, not minimum-norm


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pivoted_dtypes(rng, dtype):
    A, b = _problem(rng, 30, 5, None, dtype)
    x, res, _, _ = lstsq(A, b, method="pivoted")
    assert x.dtype == dtype and res.dtype == dtype
    _close(x, np.linalg.lstsq(A, b)[0], dtype)


# --------------------------------------------------------------------------
# the tall-skinny path (TSQR of [A | b]) of method="qr"
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [None, 3])
def test_tall_skinny_path_matches_numpy(rng, k, dtype):
    from jitla import config
    from jitla.linalg._policy import lstsq_plan

    m, n = 2 * config.TSQR_MIN_SIZE // 20 + 37, 20  # several TSQR row blocks
    assert lstsq_plan(m, n, 1 if k is None else k).op == "tsqr"
    A, b = _problem(rng, m, n, k, dtype)
    x, res, rank, _ = lstsq(A, b)
    xn, resn, rankn, _ = np.linalg.lstsq(A, b)
    assert x.dtype == dtype and res.shape == resn.shape and rank == n
    _close(x, xn, dtype)
    np.testing.assert_allclose(res, resn, rtol=10 * RTOL[dtype])


@pytest.mark.parametrize("k", [None, 5])
def test_narrow_problems_take_the_fit_kernels(rng, k, monkeypatch):
    # narrow [A | B]: R of [A | B] by least_squares/design_r, no Householder QR of A
    from jitla.linalg._policy import lstsq_plan

    m, n = 61, 10
    assert lstsq_plan(m, n, 1 if k is None else k).op == "least_squares"

    def no_householder(A):
        raise AssertionError("householder_qr called")

    monkeypatch.setattr("jitla.linalg._lstsq.householder_qr", no_householder)
    A, b = _problem(rng, m, n, k)
    x, res, rank, s = lstsq(A, b)
    xn, resn, rankn, sn = np.linalg.lstsq(A, b)
    _close(x, xn, np.float64)
    assert res.shape == resn.shape and rank == rankn == n
    np.testing.assert_allclose(res, resn, rtol=10 * RTOL[np.float64])
    _check_s(s, sn, np.float64)


def test_tall_skinny_rank_deficient_pivots(rng):
    from jitla import config
    from jitla.linalg._policy import lstsq_plan

    m = config.TSQR_MIN_SIZE // 8 + 5
    assert lstsq_plan(m, 8, 1).op == "tsqr"
    A = _rank_deficient(rng, m, 8, 6)
    b = rng.standard_normal(m)
    with pytest.warns(LstsqRankWarning):
        x, res, rank, _ = lstsq(A, b)
    assert rank == 6 and np.count_nonzero(x) == 6 and res.shape == (0,)


# --------------------------------------------------------------------------
# method="normal" (Cholesky of the Gram matrix)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [None, 2])
@pytest.mark.parametrize(("m", "n"), [(1, 1), (20, 3), (200, 30), (6, 6), (3, 7)])
def test_normal_matches_numpy_on_well_conditioned_data(rng, m, n, k, dtype):
    A, b = _problem(rng, m, n, k, dtype)
    A0, b0 = A.copy(), b.copy()
    x, res, rank, s = lstsq(A, b, method="normal")
    xn, resn, rankn, sn = np.linalg.lstsq(A, b)
    assert x.dtype == dtype and x.shape == xn.shape and res.shape == resn.shape
    # error ~ cond(A)**2 eps: a looser tolerance than QR's even here (cond(A) < ~30 for n = m)
    rtol = {np.float64: 1e-9, np.float32: 2e-2}[dtype]
    scale = max(np.abs(xn).max(), 1.0)
    np.testing.assert_allclose(x, xn, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(res, resn, rtol=rtol)
    assert rank == rankn
    _check_s(s, sn, dtype, rtol_scale=1e3)  # from the Cholesky factor: eps * s[0]**2 / s[i]
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(b, b0)


def test_normal_rank_deficient_raises(rng):
    A, b = _problem(rng, 30, 4, None)
    A[:, 3] = A[:, 0] + A[:, 1]
    with pytest.raises(LinAlgError, match="rank-deficient|not numerically positive definite"):
        lstsq(A, b, method="normal")
    with pytest.raises(ValueError, match="refines with QR factors"):
        lstsq(A, b, method="normal", refine=True)


def test_compute_s_false_returns_none_and_same_solution(rng):
    A, b = _problem(rng, 30, 5, None)
    x, res, rank, s = lstsq(A, b, compute_s=False)
    x2, res2, rank2, s2 = lstsq(A, b)
    assert s is None and s2.shape == (5,)
    np.testing.assert_array_equal(x, x2)
    assert rank == rank2


def test_rank_uses_numpys_rule_on_singular_values(rng):
    # s = [1, 1e-3, 1e-9]: default rcond keeps all three, rcond=1e-6 drops one, as numpy
    U, _ = np.linalg.qr(rng.standard_normal((30, 3)))
    V, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    A = U @ np.diag([1.0, 1e-3, 1e-9]) @ V.T
    b = rng.standard_normal(30)
    for rcond in (None, 1e-6, 1e-1):
        _, _, rankn, sn = np.linalg.lstsq(A, b, rcond=rcond)
        for method in ("qr", "svd"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", LstsqRankWarning)
                _, _, rank, s = lstsq(A, b, rcond=rcond, method=method)
            assert rank == rankn, (method, rcond)
            np.testing.assert_allclose(s, sn, rtol=0, atol=1e-13)  # absolute: eps * s[0]


def test_s_of_a_narrow_fit_comes_from_the_jacobi_values_kernel(rng, monkeypatch):
    # up to config.LSTSQ_VALUES_JACOBI_MAX columns the values of R come from the quick-compiling
    # Jacobi kernel (a cold lstsq of a narrow fit does not compile bidiagonalisation + dqds),
    # above it from the bidiagonal route; both to numpy's accuracy (relative for Jacobi).  The
    # general path's choice: the small route (30 x 10 takes it) calls the Jacobi kernel itself
    from jitla import config
    from jitla.linalg import _svd

    _general_path_only(monkeypatch)
    asked = []
    svd = _svd.svd

    def recording(a, *args, method="auto", **kwargs):
        asked.append(method)
        return svd(a, *args, method=method, **kwargs)

    monkeypatch.setattr(_svd, "svd", recording)
    k = config.LSTSQ_VALUES_JACOBI_MAX
    for n, method in ((k, "jacobi_values"), (k + 1, "bidiagonal")):
        A = rng.standard_normal((3 * n, n)) * np.logspace(0, -6, n)
        b = rng.standard_normal(3 * n)
        asked.clear()
        _, _, rank, s = lstsq(A, b)
        _, _, rankn, sn = np.linalg.lstsq(A, b)
        assert asked == [method] and rank == rankn == n
        np.testing.assert_allclose(s, sn, rtol=0, atol=20 * n * np.finfo(float).eps * sn[0])
        if method == "jacobi_values":
            np.testing.assert_allclose(s, sn, rtol=1e-9)


# --------------------------------------------------------------------------
# method="svd" (jitla's SVD): numpy's truncated minimum-norm solution
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [None, 2])
@pytest.mark.parametrize(("m", "n"), [(1, 1), (20, 3), (60, 12), (6, 6), (3, 7), (5, 12)])
def test_svd_matches_numpy(rng, m, n, k, dtype):
    A, b = _problem(rng, m, n, k, dtype)
    A0, b0 = A.copy(), b.copy()
    x, res, rank, s = lstsq(A, b, method="svd")
    xn, resn, rankn, sn = np.linalg.lstsq(A, b)
    assert x.dtype == dtype and x.shape == xn.shape and res.shape == resn.shape
    _close(x, xn, dtype)
    np.testing.assert_allclose(res, resn, rtol=10 * RTOL[dtype], atol=RTOL[dtype])
    assert rank == rankn
    _check_s(s, sn, dtype)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(b, b0)


@pytest.mark.parametrize(("m", "n", "r"), [(40, 6, 3), (25, 10, 1), (5, 8, 3)])
def test_svd_rank_deficient_is_minimum_norm_as_numpy(rng, m, n, r):
    A = _rank_deficient(rng, m, n, r)
    b = rng.standard_normal((m, 2))
    x, res, rank, s = lstsq(A, b, method="svd")
    xn, resn, rankn, sn = np.linalg.lstsq(A, b)
    assert rank == rankn == r and res.shape == resn.shape == (0,)
    np.testing.assert_allclose(x, xn, rtol=1e-9, atol=1e-11 * np.abs(xn).max())
    _check_s(s, sn, np.float64)


def test_svd_zero_matrix():
    x, res, rank, s = lstsq(np.zeros((4, 3)), np.ones(4), method="svd")
    assert rank == 0 and res.shape == (0,)
    np.testing.assert_array_equal(x, np.zeros(3))
    np.testing.assert_array_equal(s, np.zeros(3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("m", "n"), [(100, 100), (129, 129), (300, 100), (100, 130)])
def test_sizes_around_the_qr_threshold_match_numpy(rng, m, n, dtype):
    # n = 100 and QR_UNBLOCKED_MAX + 1: the unblocked and blocked Householder paths,
    # s from the bidiagonalisation of R (numpy's accuracy: ~ n eps s[0])
    A, b = _problem(rng, m, n, 2, dtype)
    A0, b0 = A.copy(), b.copy()
    x, res, rank, s = lstsq(A, b)
    xn, resn, rankn, sn = np.linalg.lstsq(A.astype(np.float64), b.astype(np.float64))
    assert x.dtype == s.dtype == dtype and rank == rankn
    cond = sn[0] / sn[-1]
    atol = 20 * max(m, n) * np.finfo(dtype).eps * cond * max(np.abs(xn).max(), 1.0)
    np.testing.assert_allclose(x, xn, rtol=0, atol=atol)
    np.testing.assert_allclose(s, sn, rtol=0, atol=20 * max(m, n) * np.finfo(dtype).eps * sn[0])
    assert res.shape == resn.shape
    if res.size:
        np.testing.assert_allclose(res, resn, rtol=100 * m * np.finfo(dtype).eps)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(b, b0)


def test_rank_deficient_at_n_100_rank_and_residual_as_numpy(rng):
    A = _rank_deficient(rng, 120, 100, 60)
    b = rng.standard_normal(120)
    with pytest.warns(LstsqRankWarning):
        x, res, rank, s = lstsq(A, b)
    xn, _, rankn, sn = np.linalg.lstsq(A, b)
    assert rank == rankn == 60
    np.testing.assert_allclose(s, sn, rtol=0, atol=1e-12 * sn[0])
    # a basic solution, not numpy's minimum-norm one: the same residual
    np.testing.assert_allclose(np.linalg.norm(A @ x - b), np.linalg.norm(A @ xn - b), rtol=1e-10)


# --------------------------------------------------------------------------
# small float64 problems: the narrow route's kernels without the general path (devlog 095)
# --------------------------------------------------------------------------
def _no_general_path(*args):
    raise AssertionError("lstsq took the general path")


def _general_path_only(monkeypatch):
    monkeypatch.setattr("jitla.linalg._lstsq.lstsq_small_route", lambda m, n, k: False)


def _min_norm_mp(A, b, dps=50):
    """The minimum-norm solution ``A^T (A A^T)^{-1} b`` of a wide full-rank A, in mpmath."""
    import mpmath

    with mpmath.workdps(dps):
        Am = mpmath.matrix(A.tolist())
        z = mpmath.lu_solve(Am * Am.T, mpmath.matrix(b.tolist()))
        return np.array([float(v) for v in Am.T * z])


# narrow (devlog 095); square, nearly square and wide (devlog 097)
SMALL = [(100, 3, None), (50, 5, 3), (8, 1, None), (12, 1, 2), (300, 10, 1)]
SMALL += [(1, 1, None), (3, 3, None), (3, 3, 2), (10, 10, 2), (12, 10, 4), (20, 10, None)]
SMALL += [(2, 5, None), (10, 12, None), (10, 12, 2)]
# B wider than A: Householder QR of [A | B] (devlog 103)
SMALL += [(10, 10, 12), (30, 4, 9)]


@pytest.mark.parametrize(("m", "n", "k"), SMALL)
def test_small_route_matches_numpy_and_the_references(rng, m, n, k, monkeypatch):
    from naive import lstsq_mp, svdvals

    A, b = _problem(rng, m, n, k)
    A0, b0 = A.copy(), b.copy()
    monkeypatch.setattr("jitla.linalg._lstsq._lstsq_core", _no_general_path)
    x, res, rank, s = lstsq(A, b)
    xn, resn, rankn, sn = np.linalg.lstsq(A, b)
    assert x.dtype == res.dtype == s.dtype == np.float64
    assert x.shape == xn.shape and res.shape == resn.shape and s.shape == sn.shape
    assert res.size == (0 if m <= n else (1 if k is None else k))
    _close(x, xn, np.float64)
    np.testing.assert_allclose(res, resn, rtol=10 * RTOL[np.float64])
    assert rank == rankn == min(m, n) and isinstance(rank, np.int32)
    _check_s(s, sn, np.float64)
    np.testing.assert_allclose(s, svdvals(A if m >= n else A.T), rtol=1e-13)  # Jacobi: relative
    if m <= 100:
        b1 = b if k is None else b[:, -1]
        x1 = x if k is None else x[:, -1]
        ref = lstsq_mp(A, b1)[0] if m >= n else _min_norm_mp(A, b1)
        np.testing.assert_allclose(x1, ref, rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(b, b0)


@pytest.mark.parametrize(("m", "n", "k"), [(60, 4, 2), (6, 9, 2), (30, 4, 9)])
def test_small_route_agrees_with_the_general_route(rng, m, n, k, monkeypatch):
    # the same kernels in the same order: x bit for bit; narrow (design_r, Jacobi values of R11's
    # columns, solve_from_r): s bit for bit, the residuals (a sum of at most k squares in another
    # order) to rounding; wide (QR of A^T) and B wider than A (QR of [A | B]): s from R's rows
    # (the general path: its columns)
    A, b = _problem(rng, m, n, k)
    fast = lstsq(A, b)
    _general_path_only(monkeypatch)
    slow = lstsq(A, b)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_allclose(fast[3], slow[3], rtol=0 if k <= n < m else 1e-14)
    np.testing.assert_allclose(fast[1], slow[1], rtol=1e-15)
    assert fast[1].shape == slow[1].shape == ((k,) if m > n else (0,))
    assert fast[2] == slow[2] == min(m, n)


def test_small_route_layouts_and_vector_b(rng, monkeypatch):
    # F order, strided and read-only operands are copied to C order first: the same answer
    # as the C-ordered problem; a vector b is the one-column matrix
    A, B = _problem(rng, 120, 6, 2)
    monkeypatch.setattr("jitla.linalg._lstsq._lstsq_core", _no_general_path)
    Ac, Bc = np.ascontiguousarray(A[::2, ::2]), np.ascontiguousarray(B[::2])
    ref = lstsq(Ac, Bc)
    for got in (lstsq(A[::2, ::2], B[::2]), lstsq(np.asfortranarray(Ac), np.asfortranarray(Bc))):
        for g, r in zip(got, ref, strict=True):
            np.testing.assert_array_equal(g, r)
    ro = Ac.copy()
    ro.flags.writeable = False
    np.testing.assert_array_equal(lstsq(ro, Bc)[0], ref[0])
    x1, res1, _, _ = lstsq(Ac, Bc[:, 1].copy())
    np.testing.assert_array_equal(x1, ref[0][:, 1])
    np.testing.assert_allclose(res1, ref[1][1:], rtol=1e-14)  # ||R22[:, j]||: another R
    assert x1.shape == (3,) and res1.shape == (1,)


def test_small_route_scaled_narrow_operand_is_c_ordered(rng, monkeypatch):
    # a narrow A with columns past 2**256 or below 2**-256 (within 2**+-960: beyond, the
    # general path scales the data) has R11's columns scaled for the Jacobi values kernel: a
    # C-ordered operand (an F-ordered one compiled a second signature of the kernel in the
    # middle of the call), and the values of the unscaled problem
    from jitla.linalg import _lstsq

    A, b = _problem(rng, 40, 3, None)
    design_r, solve_from_r, jacobi, *rest = _lstsq._small_kernels or _lstsq._load_small_kernels()
    operands = []

    def recording(G, s):
        operands.append(G.flags.c_contiguous)
        assert G.flags.c_contiguous
        return jacobi(G, s)

    monkeypatch.setattr(_lstsq, "_small_kernels", [design_r, solve_from_r, recording, *rest])
    monkeypatch.setattr("jitla.linalg._lstsq._lstsq_core", _no_general_path)
    x, _, _, s = lstsq(A, b)
    for scale in (2.0**-600, 2.0**600):
        xs, _, rank, ss = lstsq(A * scale, b)
        assert rank == 3
        np.testing.assert_allclose(ss, s * scale, rtol=1e-14)
        np.testing.assert_allclose(xs, x / scale, rtol=1e-13)
    assert operands == [True] * 3


def _run_recording_warnings(a, rhs, rcond):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = lstsq(a, rhs, rcond=rcond)
    return out, [(w.category, str(w.message), w.filename) for w in caught]


def _as_the_general_path(cases, monkeypatch, rtol, atol):
    """Each case's ``(answer, warnings)``, checked against those with the small route ruled out."""
    results = [_run_recording_warnings(*case) for case in cases]
    _general_path_only(monkeypatch)
    for case, (got, warned) in zip(cases, results, strict=True):
        ref, ref_warned = _run_recording_warnings(*case)
        assert warned == ref_warned
        for g, r in zip(got, ref, strict=True):
            assert g.dtype == r.dtype
            np.testing.assert_allclose(g, r, rtol=rtol, atol=atol)
    return results


def test_small_route_falls_back_as_the_general_path(rng, monkeypatch):
    # rank deficiency (exact, or by rcond) warns and pivots; NaN / inf raise; float32 and
    # rcond outside (0, 1) keep their rules -- the same answers with the small route ruled out
    A, b = _problem(rng, 40, 4, None)
    D = A.copy()
    D[:, 2] = D[:, 0] - 2 * D[:, 1]
    U, _ = np.linalg.qr(A)
    graded = U @ np.diag([1.0, 1e-2, 1e-4, 1e-8])
    cases = [(D, b, None), (graded, b, 1e-6), (graded, b, -1.0), (graded, b, 5.0), (A, b, 0.5)]
    cases.append((A.astype(np.float32), b.astype(np.float32), None))
    results = _as_the_general_path(cases, monkeypatch, rtol=1e-14, atol=1e-14)
    assert results[0][1][0][0] is LstsqRankWarning and results[0][1][0][2] == __file__
    assert results[1][0][2] == 3 and results[2][0][2] == 4 and results[3][0][2] == 4
    assert results[5][0][0].dtype == np.float32
    # a first column e_0 but for one NaN: its reflector is the identity, and the NaN reaches
    # no entry of R (the check cannot be R's); an inf in b
    first = np.zeros(40)
    first[[0, 7]] = [1.0, np.nan]
    rhs = np.where(np.arange(40) == 3, np.inf, b)
    for a, r in ((np.column_stack([first, A[:, 1:]]), b), (A, rhs)):
        with pytest.raises(LinAlgError, match="infs or NaNs"):
            lstsq(a, r)


# --------------------------------------------------------------------------
# the small route at square, nearly square and wide shapes (devlog 097)
# --------------------------------------------------------------------------
@pytest.mark.parametrize(("m", "n"), [(7, 7), (5, 8)])
def test_small_square_and_wide_layouts_and_vector_b(rng, m, n, monkeypatch):
    A, B = _problem(rng, 2 * m, 2 * n, 2)
    monkeypatch.setattr("jitla.linalg._lstsq._lstsq_core", _no_general_path)
    Ac, Bc = np.ascontiguousarray(A[::2, ::2]), np.ascontiguousarray(B[::2])
    ref = lstsq(Ac, Bc)
    ro = Ac.copy()
    ro.flags.writeable = False
    for got in (
        lstsq(A[::2, ::2], B[::2]),
        lstsq(np.asfortranarray(Ac), np.asfortranarray(Bc)),
        lstsq(ro, Bc),
    ):
        for g, r in zip(got, ref, strict=True):
            np.testing.assert_array_equal(g, r)
    x1, res1, _, s1 = lstsq(Ac, Bc[:, 1].copy())
    assert x1.shape == (n,) and res1.shape == (0,)
    np.testing.assert_allclose(x1, ref[0][:, 1], rtol=1e-14, atol=1e-15)  # another R (k = 1)
    np.testing.assert_allclose(s1, ref[3], rtol=1e-14)


def test_small_square_and_wide_fall_back_as_the_general_path(rng, monkeypatch):
    # rank deficiency (exact, or by rcond) of a square A warns and pivots, of a wide A raises;
    # NaN / inf raise; entries past 2**256 or below 2**-256: the same answers as the general path
    A, b = _problem(rng, 6, 6, None)
    D = A.copy()
    D[:, 2] = D[:, 0] - 2 * D[:, 1]
    U, _ = np.linalg.qr(A)
    graded = U @ np.diag([1.0, 1e-1, 1e-2, 1e-4, 1e-6, 1e-8])
    W, bw = _problem(rng, 4, 7, None)
    cases = [(D, b, None), (graded, b, 1e-7), (A * 1e200, b, None), (A * 1e-200, b, None)]
    cases += [(W * 1e-200, bw, None), (W, bw, -1.0), (A[:4], b[:4], None)]
    results = _as_the_general_path(cases, monkeypatch, rtol=1e-13, atol=0)
    assert results[0][1][0][0] is LstsqRankWarning and results[0][1][0][2] == __file__
    assert results[1][0][2] == 5 and results[2][0][2] == results[3][0][2] == 6
    sn = np.linalg.lstsq(A * 1e200, b)[3]
    _check_s(results[2][0][3], sn, np.float64)
    with pytest.raises(LinAlgError, match="rank-deficient"):
        lstsq(np.vstack([W, W[1] + W[2]]), np.append(bw, 1.0))
    # NaN that no reflector sees (a row of a wide A, a column of a square one: e_0 but for it),
    # inf in b
    first = np.zeros(7)
    first[[0, 5]] = [1.0, np.nan]
    square = A.copy()
    square[:, 0] = first[:6]
    for a, r in ((np.vstack([first, W[1:]]), bw), (square, b), (W, np.where(np.arange(4) == 2, np.inf, bw))):
        with pytest.raises(LinAlgError, match="infs or NaNs"):
            lstsq(a, r)


def test_small_householder_route_falls_back_as_the_general_path(rng, monkeypatch):
    # B wider than A (Householder QR of [A | B]): rank deficiency (exact, or by rcond) warns and
    # pivots; entries past 2**256 or below 2**-256: the general path's answers; NaN / inf raise
    A, B = _problem(rng, 12, 4, 9)
    D = A.copy()
    D[:, 2] = D[:, 0] - 2 * D[:, 1]
    U, _ = np.linalg.qr(A)
    graded = U @ np.diag([1.0, 1e-2, 1e-4, 1e-8])
    cases = [(D, B, None), (graded, B, 1e-6), (A * 1e200, B, None), (A * 1e-200, B, None), (A, B, 0.5)]
    results = _as_the_general_path(cases, monkeypatch, rtol=1e-13, atol=0)
    assert results[0][1][0][0] is LstsqRankWarning and results[0][1][0][2] == __file__
    assert results[1][0][2] == 3 and results[2][0][2] == results[3][0][2] == 4
    # a first column e_0 but for one NaN (its reflector is skipped: tau = 0), inf in B
    first = np.zeros(12)
    first[[0, 7]] = [1.0, np.nan]
    inf_b = B.copy()
    inf_b[5, 3] = np.inf
    for a, r in ((np.column_stack([first, A[:, 1:]]), B), (A, inf_b)):
        with pytest.raises(LinAlgError, match="infs or NaNs"):
            lstsq(a, r)


@pytest.mark.parametrize(("m", "n", "k"), [(70, 60, 80), (300, 70, 90)])
def test_many_right_hand_sides_on_the_general_path(rng, m, n, k):
    # Q^T B inside the QR of [A | B] (devlog 103): the unblocked kernel at 70 x 140, the blocked
    # one at 300 x 160; numpy, mpmath for one column (the smaller problem), the residuals
    # orthogonal to A
    from naive import lstsq_mp

    A, B = _problem(rng, m, n, k)
    A0, B0 = A.copy(), B.copy()
    x, res, rank, s = lstsq(A, B)
    xn, resn, rankn, sn = np.linalg.lstsq(A, B)
    _close(x, xn, np.float64)
    np.testing.assert_allclose(res, resn, rtol=1e-11)
    assert rank == rankn == n and res.shape == (k,)
    _check_s(s, sn, np.float64)
    if m < 100:
        np.testing.assert_allclose(x[:, 5], lstsq_mp(A, B[:, 5], 30)[0], rtol=1e-10, atol=1e-12)
    r = B - A @ x
    assert np.abs(A.T @ r).max() <= 1e-12 * np.abs(A).max() * np.abs(r).max() * m
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(B, B0)


def _no_small_route(*args):
    raise AssertionError("lstsq took the small route")


@pytest.mark.parametrize("dtype", [np.float32, np.complex128])
@pytest.mark.parametrize(("m", "n"), [(3, 3), (4, 6)])
def test_small_route_is_float64_only(rng, m, n, dtype, monkeypatch):
    A, b = _problem(rng, m, n, None)
    if dtype == np.complex128:
        A = A + 1j * _problem(rng, m, n, None)[0]
    A = A.astype(dtype)
    b = b.astype(dtype)
    for route in ("_three_calls", "_wide_calls", "_householder_calls"):
        monkeypatch.setattr(f"jitla.linalg._lstsq.{route}", _no_small_route)
    x, res, rank, s = lstsq(A, b)
    xn, resn, rankn, sn = np.linalg.lstsq(A, b)
    assert x.dtype == xn.dtype and res.shape == resn.shape == (0,) and rank == rankn
    _close(x, xn, np.float32 if dtype == np.float32 else np.float64)
    _check_s(s, sn, np.float32 if dtype == np.float32 else np.float64)


@pytest.mark.parametrize("shape", [(12, 10), (40, 3), (70, 60)])
def test_subnormal_and_huge_data_are_scaled_first_as_lapack(shape):
    # LAPACK's xGELSD scales data whose largest entry lies outside [safe min / eps, its inverse]
    # before factorising; unscaled, subnormal entries round at an absolute level (a constant
    # 12 x 10 matrix of 1e-310 got rank 5 where numpy says 1).  Small route and general path.
    m, n = shape
    rng = np.random.default_rng(7)
    A = rng.standard_normal((m, n))
    b = rng.standard_normal(m)
    for scale in (1e-310, 1e-300, 1e300):
        As, bs = A * scale, b * scale
        kept = As.copy(), bs.copy()
        x, residuals, rank, s = lstsq(As, bs)
        x_np, residuals_np, rank_np, s_np = np.linalg.lstsq(As, bs, rcond=None)
        assert rank == rank_np == n
        np.testing.assert_allclose(x, x_np, rtol=1e-11, atol=0)
        np.testing.assert_allclose(s, s_np, rtol=1e-12, atol=0)
        np.testing.assert_allclose(residuals, residuals_np, rtol=1e-10, atol=0)
        np.testing.assert_array_equal(As, kept[0])
        np.testing.assert_array_equal(bs, kept[1])
    constant = np.full((m, n), 1e-310)
    with pytest.warns(LstsqRankWarning):
        assert lstsq(constant, b * 1e-310)[2] == 1
    assert np.linalg.lstsq(constant, b * 1e-310, rcond=None)[2] == 1
    with np.errstate(over="ignore"):
        overflowed = As * 1e10  # the largest entries overflow to inf
    with pytest.raises(LinAlgError, match="infs or NaNs"):
        lstsq(overflowed, bs)
