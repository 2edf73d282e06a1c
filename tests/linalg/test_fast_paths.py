"""The per-call fast paths give what the general paths and numpy/scipy give.

solve, inv, det, slogdet, cholesky, matmul and solve_triangular take a
short path for one 2-D float32/float64 matrix (one kernel call that does the
whole operation).  A stack of one matrix, ``a[None]``, still takes the
general path, so each fast result is compared with it and with the
numpy/scipy oracle, for C, F and strided layouts, float32, integers,
read-only arrays, singular matrices and NaNs.  Sizes are tiny: this is about
the wrappers, not the kernels' accuracy (tests/linalg/test_solve.py and friends).
"""

from __future__ import annotations

import importlib
import warnings

import naive
import numpy as np
import pytest
import scipy.linalg

import jitla
import jitla.linalg as jl
from jitla.regression import _fit

SIZES = (1, 3, 10)


def _layouts(A):
    """The same matrix as C, F, a strided view and a read-only array."""
    big = np.zeros((2 * A.shape[0], 2 * A.shape[1]), A.dtype)
    big[::2, ::2] = A
    ro = A.copy()
    ro.flags.writeable = False
    return {"C": np.ascontiguousarray(A), "F": np.asfortranarray(A), "strided": big[::2, ::2], "readonly": ro}


def _matrix(n, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, n)) + n * np.eye(n)).astype(dtype)


def _rtol(dtype, n):
    return 50 * (n + 1) * float(np.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", SIZES)
def test_solve_inv_det_slogdet_match_general_path_and_numpy(n, dtype):
    A0 = _matrix(n, dtype)
    b = np.arange(1, n + 1, dtype=dtype)
    B = np.stack([b, -b], axis=1)
    for layout, A in _layouts(A0).items():
        before = A.copy()
        x = jl.solve(A, b)
        X = jl.solve(A, B)
        assert x.dtype == dtype and X.dtype == dtype, layout
        np.testing.assert_allclose(x, jl.solve(A[None], b)[0], rtol=_rtol(dtype, n))
        np.testing.assert_allclose(X, jl.solve(A[None], B[None])[0], rtol=_rtol(dtype, n))
        np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=_rtol(dtype, n))
        Ai = jl.inv(A)
        assert Ai.dtype == dtype
        np.testing.assert_allclose(Ai, jl.inv(A[None])[0], rtol=_rtol(dtype, n), atol=_rtol(dtype, n))
        np.testing.assert_allclose(Ai, np.linalg.inv(A), rtol=_rtol(dtype, n), atol=_rtol(dtype, n))
        d = jl.det(A)
        assert type(d) is np.dtype(dtype).type
        np.testing.assert_allclose(d, np.linalg.det(A), rtol=_rtol(dtype, n))
        np.testing.assert_allclose(d, jl.det(A[None])[0], rtol=_rtol(dtype, n))
        sign, logdet = jl.slogdet(A)
        ref_sign, ref_logdet = np.linalg.slogdet(A)
        assert type(sign) is np.dtype(dtype).type and type(logdet) is np.dtype(dtype).type
        assert sign == ref_sign
        np.testing.assert_allclose(logdet, ref_logdet, rtol=_rtol(dtype, n), atol=_rtol(dtype, n))
        np.testing.assert_array_equal(A, before)  # inputs are never modified


def test_integer_and_mixed_input_promote_as_numpy():
    A = np.array([[4, 1, 0], [1, 3, 1], [0, 1, 2]])
    b = np.array([1, 2, 3])
    for got, want in [
        (jl.solve(A, b), np.linalg.solve(A, b)),
        (jl.solve(A.astype(np.float32), b.astype(np.float64)), np.linalg.solve(A, b)),
        (jl.inv(A), np.linalg.inv(A)),
        (jl.cholesky(A), np.linalg.cholesky(A)),
    ]:
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    assert type(jl.det(A)) is np.float64
    np.testing.assert_allclose(jl.det(A), np.linalg.det(A), rtol=1e-13)


@pytest.mark.parametrize("n", [2, 4])
def test_singular_matrix_errors_as_numpy(n):
    A = np.ones((n, n))
    b = np.ones(n)
    for func, args in [(jl.solve, (A, b)), (jl.inv, (A,))]:
        with pytest.raises(np.linalg.LinAlgError, match="^Singular matrix$"):
            func(*args)
        with pytest.raises(np.linalg.LinAlgError, match="^Singular matrix$"):
            getattr(np.linalg, func.__name__)(*args)
    assert jl.det(A) == np.linalg.det(A) == 0.0
    sign, logdet = jl.slogdet(A)
    assert (sign, logdet) == tuple(np.linalg.slogdet(A)) == (0.0, -np.inf)


def test_nan_propagates_like_the_general_path():
    A = _matrix(3)
    A[1, 2] = np.nan
    b = np.ones(3)
    x = jl.solve(A, b)
    np.testing.assert_array_equal(x, jl.solve(A[None], b)[0])
    assert np.isnan(x).any() and np.isnan(np.linalg.solve(A, b)).any()
    assert np.isnan(jl.det(A)) and np.isnan(np.linalg.det(A))
    assert np.isnan(jl.slogdet(A).logabsdet)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", SIZES)
def test_cholesky_matches_general_path_and_numpy(n, dtype):
    G = _matrix(n, np.float64, seed=1)
    S0 = (G @ G.T + n * np.eye(n)).astype(dtype)
    S0[np.triu_indices(n, 1)] = 7.0  # only the lower triangle may be read
    for layout, S in _layouts(S0).items():
        L = jl.cholesky(S)
        assert L.dtype == dtype, layout
        np.testing.assert_allclose(L, jl.cholesky(S[None])[0], rtol=_rtol(dtype, n), atol=_rtol(dtype, n))
        np.testing.assert_allclose(L, np.linalg.cholesky(S), rtol=_rtol(dtype, n), atol=_rtol(dtype, n))
        assert not np.triu(L, 1).any()


def test_cholesky_not_positive_definite_and_nan():
    A = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(np.linalg.LinAlgError, match="^Matrix is not positive definite$"):
        jl.cholesky(A)
    B = np.array([[4.0, 0.0], [np.nan, 9.0]])
    np.testing.assert_array_equal(jl.cholesky(B), jl.cholesky(B[None])[0])


def test_bad_shapes_keep_numpy_errors():
    with pytest.raises(np.linalg.LinAlgError, match="Last 2 dimensions of the array must be square"):
        jl.solve(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError):
        jl.solve(np.eye(3), np.ones(4))
    with pytest.raises(np.linalg.LinAlgError, match="must be at least two-dimensional"):
        jl.inv(np.ones(3))
    assert jl.det(np.eye(2, dtype=complex)) == 1 and jl.det(np.eye(2, dtype=complex)).dtype == np.complex128
    with pytest.raises(TypeError, match="complex64 and complex128"):
        jl.det(np.eye(2, dtype=np.clongdouble))
    assert jl.solve(np.eye(2), np.ones((2, 0))).shape == (2, 0)
    assert jl.det(np.ones((0, 0))) == 1.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matmul_fast_path_matches_general_kernel_and_numpy(dtype):
    rng = np.random.default_rng(2)
    A0 = rng.standard_normal((5, 4)).astype(dtype)
    B0 = rng.standard_normal((4, 3)).astype(dtype)
    x = rng.standard_normal(4).astype(dtype)
    for la, A in _layouts(np.pad(A0, ((0, 0), (0, 1)))[:, :4]).items():
        for lb, B in _layouts(np.pad(B0, ((0, 1), (0, 0)))[:4]).items():
            C = jitla.matmul(A, B)
            assert C.dtype == dtype, (la, lb)
            np.testing.assert_array_equal(C, jitla.matmul(A, B, kernel="reordered"))
            np.testing.assert_allclose(C, A0 @ B0, rtol=_rtol(dtype, 4), atol=_rtol(dtype, 4))
        y = jitla.matmul(A, x)
        assert y.shape == (5,) and y.dtype == dtype
        np.testing.assert_allclose(y, A0 @ x, rtol=_rtol(dtype, 4), atol=_rtol(dtype, 4))
    mixed = jitla.matmul(A0.astype(np.float32), B0.astype(np.float64))
    assert mixed.dtype == np.float64
    with pytest.raises(ValueError, match="matmul: Input operand 1 has a mismatch"):
        jitla.matmul(A0, A0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("trans", [0, 1, "T"])
@pytest.mark.parametrize("lower", [False, True])
def test_solve_triangular_one_matrix_matches_scipy(dtype, trans, lower):
    A0 = np.tril(_matrix(4, dtype)) if lower else np.triu(_matrix(4, dtype))
    b = np.arange(1.0, 5.0, dtype=dtype)
    B = np.stack([b, b * b], axis=1)
    for layout, A in _layouts(A0).items():
        for rhs in (b, B):
            for unit in (False, True):
                got = jl.solve_triangular(A, rhs, trans=trans, lower=lower, unit_diagonal=unit)
                want = scipy.linalg.solve_triangular(A, rhs, trans=trans, lower=lower, unit_diagonal=unit)
                assert got.shape == want.shape and got.dtype == dtype, layout
                np.testing.assert_allclose(got, want, rtol=_rtol(dtype, 4), atol=_rtol(dtype, 4))
    singular = A0.copy()
    singular[2, 2] = 0
    with pytest.raises(np.linalg.LinAlgError, match="resolution failed at diagonal 2"):
        jl.solve_triangular(singular, b, lower=lower)


def test_lu_solve_applies_pivots_as_scipy_and_rejects_bad_ones():
    A = _matrix(6)
    A = A[[5, 0, 3, 1, 4, 2]]  # forces interchanges
    b = np.arange(6.0)
    lu_piv = scipy.linalg.lu_factor(A)
    for trans in (0, 1):
        np.testing.assert_allclose(
            jl.lu_solve(lu_piv, b, trans=trans), scipy.linalg.lu_solve(lu_piv, b, trans=trans), rtol=1e-12
        )
    lu, piv = lu_piv
    with pytest.raises(ValueError, match="row indices"):
        jl.lu_solve((lu, piv + 6), b)
    with pytest.raises(ValueError, match="row indices"):
        jl.lu_solve((lu, piv[:3]), b)


def test_kernel_lookup_does_not_reimport_modules(monkeypatch):
    """After the first load, registry() and get_kernel() never go through the import machinery."""
    from jitla.kernels import _registry

    _registry.registry()

    def refuse(name, package=None):
        raise AssertionError(f"import_module({name!r}) on a kernel lookup")

    monkeypatch.setattr(importlib, "import_module", refuse)
    assert _registry.get_kernel("lu", "unblocked").variant == "unblocked"
    assert [k.variant for k in _registry.registry("cholesky")][0] == "unblocked"
    np.testing.assert_allclose(jl.solve(_matrix(3), np.ones(3)), np.linalg.solve(_matrix(3), np.ones(3)))


@pytest.mark.parametrize("ratio", [0.5, 8.0, 20.0, 1e3])
def test_aliased_columns_shortcut_agrees_with_the_loop(monkeypatch, ratio):
    """Full-rank designs skip the Gram-Schmidt loop; the decision must be the loop's."""
    tol = _fit.default_tol(50, 4)
    rng = np.random.default_rng(3)
    R = np.triu(rng.standard_normal((4, 4)))
    R[2, 2] = ratio * tol * np.linalg.norm(R[:2, 2]) / np.sqrt(1 - (ratio * tol) ** 2)
    fast = _fit.aliased_columns(R, tol)
    monkeypatch.setattr(_fit, "FULL_RANK_MARGIN", np.inf)
    slow = _fit.aliased_columns(R, tol)
    np.testing.assert_array_equal(fast, slow)
    assert fast[2] == (ratio <= 1.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_stacked_det_slogdet_match_numpy_with_singular_and_nan(dtype):
    """Stacks go through one batched kernel; signs follow numpy's rule (NaN leaves the sign)."""
    rng = np.random.default_rng(4)
    A = (4 * rng.standard_normal((3, 4, 3, 3))).astype(dtype)
    A[0, 0] = 0
    A[2, 2] = [[1, 2, 3], [2, 4, 6], [0, 1, 1]]
    if A.dtype.kind == "f":
        A[1, 1, 0, 0] = np.nan
    with np.errstate(invalid="ignore"):
        sign, logdet = jl.slogdet(A)
        ref_sign, ref_logdet = np.linalg.slogdet(A)
        det = jl.det(A)
        ref_det = np.linalg.det(A)
    want = np.float32 if dtype == np.float32 else np.float64
    assert sign.dtype == want and det.dtype == want and det.shape == (3, 4)
    np.testing.assert_array_equal(sign, ref_sign)
    rtol = _rtol(want, 3)
    np.testing.assert_allclose(logdet, ref_logdet, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(det, ref_det, rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(sign.ravel(), [jl.slogdet(x).sign for x in A.reshape(-1, 3, 3)])
    big = _matrix(100)  # above the unblocked size: the general path, same sign rule
    big[3, 3] = np.nan
    assert jl.slogdet(big).sign == np.linalg.slogdet(big).sign


def test_ill_conditioning_warning_as_the_general_path():
    """The one-call kernels return gecon's estimate; the warning matches the general path's."""
    from scipy.linalg import LinAlgWarning

    A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])  # singular, pivots not exactly 0
    b = np.ones(3)
    with pytest.warns(LinAlgWarning, match=r"Ill-conditioned matrix \(rcond=") as fast:
        x = jl.solve(A, b)
    with pytest.warns(LinAlgWarning, match=r"Ill-conditioned matrix \(rcond=") as general:
        x_general = jl.solve(A[None], b)[0]
    assert str(fast[0].message) == str(general[0].message)
    assert fast[0].filename == __file__  # points at the caller, not at jitla
    # the triangular solves differ in order of operations (trsm vs trsv), which this matrix amplifies
    assert np.isfinite(x).all() and np.isfinite(x_general).all()
    with pytest.warns(LinAlgWarning, match="Ill-conditioned"):
        jl.inv(A)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jl.solve(_matrix(3), b)
        jl.inv(_matrix(10))


def _det_stack(n, dtype, count=37):
    """*count* matrices of order n: lane groups of 8 (float64) or 16 (float32) and a remainder,
    with exactly singular members (0, 4, 9), a NaN (17) and an inf (22) among them."""
    rng = np.random.default_rng(n)
    A = rng.standard_normal((count, n, n)) + 0.5 * np.eye(n)
    A[0] = 0
    A[4, :, n // 2] = 0  # a zero column: a zero pivot whatever the interchanges
    A[9] = np.triu(A[9])
    A[9, n - 1, n - 1] = 0  # triangular: U is A, its last pivot exactly 0
    A[17, n // 2, 0] = np.nan
    A[22, n - 1, n - 1] = np.inf
    return A.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [1, 3, 4, 8, 9])
def test_det_slogdet_stack_in_lanes_match_naive_numpy_and_one_matrix(n, dtype):
    """Stacks go through slogdet_batched (W matrices per vector for n <= 8, one by one above)."""
    A = _det_stack(n, dtype)
    A_before = A.copy()
    with np.errstate(invalid="ignore", over="ignore"):
        sign, logdet = jl.slogdet(A)
        det = jl.det(A)
        ref_sign, ref_logdet = np.linalg.slogdet(A)
        ref_det = np.linalg.det(A)
        ones = [jl.slogdet(a) for a in A]
        one_det = np.array([jl.det(a) for a in A])
    np.testing.assert_array_equal(A, A_before)
    assert sign.dtype == logdet.dtype == det.dtype == dtype and det.shape == (37,)
    singular = [0, 4, 9] if n > 1 else [0, 4]
    np.testing.assert_array_equal(sign[singular], 0)
    np.testing.assert_array_equal(logdet[singular], -np.inf)
    np.testing.assert_array_equal(det[singular], 0)
    # NaN: logabsdet and det NaN, the sign +-1 (a NaN pivot leaves it alone)
    assert np.isnan(logdet[17]) and np.isnan(det[17]) and abs(sign[17]) == 1
    finite = np.isfinite(A).all(axis=(1, 2))
    rtol = _rtol(dtype, n)
    for i in np.flatnonzero(finite):
        want_sign, want_logdet = naive.slogdet(A[i].astype(np.float64))
        assert sign[i] == want_sign == ref_sign[i], i
        np.testing.assert_allclose(logdet[i], want_logdet, rtol=rtol, atol=rtol, err_msg=str(i))
    np.testing.assert_allclose(logdet[finite], ref_logdet[finite], rtol=rtol, atol=rtol)
    np.testing.assert_allclose(det[finite], ref_det[finite], rtol=10 * rtol, atol=0)
    np.testing.assert_array_equal(np.isinf(logdet), np.isinf(ref_logdet))  # the inf member too
    # each matrix alone (lu_slogdet) gives the same: in float64 the same det, bit for bit
    # (dgetf2's operations in the same order; float32 multiplies the pivots in float64
    # there), and the same log|det| to rounding (one logarithm of the product here, the
    # sum of the pivots' logarithms there)
    one_sign = np.array([s for s, _ in ones])
    one_logdet = np.array([ld for _, ld in ones])
    np.testing.assert_array_equal(sign, one_sign)
    np.testing.assert_allclose(logdet, one_logdet, rtol=rtol, atol=rtol)
    if dtype == np.float64:
        np.testing.assert_array_equal(det, one_det)
    else:
        np.testing.assert_allclose(det, one_det, rtol=10 * rtol, atol=0)


def test_slogdet_stack_where_the_product_of_pivots_overflows_or_underflows():
    """log|det| is the log of the pivots' product only where that product is a normal number."""
    A = np.stack([np.diag([s, s, s, s]) for s in (1e100, 1e-100, 1e-200, 2.0)] * 4)
    A[1::4, 0, 1] = 1e-300  # an off-diagonal entry changes nothing (triangular)
    sign, logdet = jl.slogdet(A)
    np.testing.assert_array_equal(sign, 1.0)
    np.testing.assert_allclose(logdet, 4 * np.log(np.diagonal(A, axis1=1, axis2=2)[:, 0]), rtol=1e-14)
    np.testing.assert_allclose(logdet, np.linalg.slogdet(A).logabsdet, rtol=1e-14)
    assert np.isfinite(logdet).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_det_slogdet_stack_layouts_and_empty(dtype):
    A = _det_stack(3, dtype, count=40)
    with np.errstate(invalid="ignore", over="ignore"):
        want = jl.det(A)
        for view in (np.asfortranarray(A), A.reshape(8, 5, 3, 3), A[:, ::-1, :][:, ::-1, :]):
            got = jl.det(view)  # the same matrices in other layouts: the same results
            assert got.shape == view.shape[:-2] and got.dtype == dtype
            np.testing.assert_array_equal(got.ravel(), want)
        transposed = A.transpose(0, 2, 1)  # other matrices (det(A.T) = det(A) up to rounding)
        np.testing.assert_array_equal(jl.det(transposed), jl.det(np.ascontiguousarray(transposed)))
        finite = np.isfinite(A).all(axis=(1, 2))
        np.testing.assert_allclose(
            jl.det(transposed)[finite], np.linalg.det(transposed)[finite], rtol=10 * _rtol(dtype, 3)
        )
    for shape in [(0, 3, 3), (2, 0, 3, 3), (3, 0, 0)]:
        empty = np.empty(shape, dtype)
        assert jl.det(empty).dtype == dtype and jl.det(empty).shape == shape[:-2]
        np.testing.assert_array_equal(jl.det(empty), np.linalg.det(empty))
        sign, logdet = jl.slogdet(empty)
        ref_sign, ref_logdet = np.linalg.slogdet(empty)
        np.testing.assert_array_equal(sign, ref_sign)
        np.testing.assert_array_equal(logdet, ref_logdet)


# --------------------------------------------------------------------------
# eigh / eigvalsh / eig / eigvals of one small float64 matrix (devlog 106)
# --------------------------------------------------------------------------
def _eig_module():
    return importlib.import_module("jitla.linalg._eig")


def _assert_same_bits(x, y):
    """Equal bit patterns (signs of zeros and NaN payloads included), whatever the layouts."""
    assert x.dtype == y.dtype and x.shape == y.shape
    assert np.array_equal(np.ascontiguousarray(x).view(np.uint8), np.ascontiguousarray(y).view(np.uint8))


@pytest.mark.parametrize("n", (1, 3, 10, 16))
def test_small_eigh_is_the_general_path_bit_for_bit_and_matches_numpy(n):
    rng = np.random.default_rng(n)
    A0 = rng.standard_normal((n, n))  # not symmetric: each UPLO reads its own triangle
    mod = _eig_module()
    for layout, A in _layouts(A0).items():
        before = A.copy()
        for uplo in ("L", "U"):
            fast = mod._eigh_small(A, uplo, True)
            assert fast is not None, layout  # the small path answers every layout
            w, v = jl.eigh(A, uplo)
            # method="ql" names the kernel "auto" runs at these orders, through the general path
            wg, vg = jl.eigh(A, uplo, method="ql")
            _assert_same_bits(w, wg)
            _assert_same_bits(v, vg)
            assert v.flags.f_contiguous == vg.flags.f_contiguous
            wvg = jl.eigvalsh(A, uplo, method="ql")
            _assert_same_bits(jl.eigvalsh(A, uplo), wvg)
            _assert_same_bits(mod._eigh_small(A, uplo, False), wvg)
            np.testing.assert_allclose(
                wvg, wg, rtol=0, atol=_rtol(np.float64, n) * max(1.0, float(np.abs(wg).max()))
            )
            wn, vn = np.linalg.eigh(A, uplo)
            tol = _rtol(np.float64, n) * max(1.0, float(np.abs(wn).max()))
            np.testing.assert_allclose(w, wn, rtol=0, atol=tol)
            np.testing.assert_allclose(np.abs(v.T @ vn), np.eye(n), rtol=0, atol=1e3 * tol)
        np.testing.assert_array_equal(A, before)


@pytest.mark.parametrize("n", (1, 3, 10, 16))
def test_small_eig_is_the_general_path_bit_for_bit_and_matches_numpy(n):
    rng = np.random.default_rng(100 + n)
    mod = _eig_module()
    sym = rng.standard_normal((n, n))
    for A0 in (rng.standard_normal((n, n)), sym + sym.T):  # complex pairs (n > 1), all real
        for layout, A in _layouts(A0).items():
            before = A.copy()
            assert mod._eig_small(A, True) is not None, layout
            w, v = jl.eig(A)
            wg, vg = jl.eig(A[None])  # a stack of one takes the general path
            _assert_same_bits(w, wg[0])
            _assert_same_bits(v, vg[0])
            assert v.flags.c_contiguous
            _assert_same_bits(jl.eigvals(A), jl.eigvals(A[None])[0])
            wn = np.linalg.eigvals(A)
            assert w.dtype == wn.dtype  # real exactly when numpy's are
            key = np.lexsort((np.round(w.imag, 8), np.round(w.real, 8)))
            keyn = np.lexsort((np.round(wn.imag, 8), np.round(wn.real, 8)))
            tol = 1e3 * _rtol(np.float64, n) * max(1.0, float(np.abs(wn).max()))
            np.testing.assert_allclose(w[key], wn[keyn], rtol=0, atol=tol)
            np.testing.assert_allclose(A @ v, v * w, rtol=0, atol=tol)
            np.testing.assert_array_equal(A, before)


def test_small_eig_paths_leave_the_rest_to_the_general_path():
    mod = _eig_module()
    A = _matrix(3)
    S = A + A.T
    refused = {
        "float32": S.astype(np.float32),
        "complex": S.astype(np.complex128),
        "int": np.arange(9).reshape(3, 3),
        "stack": S[None],
        "empty": np.zeros((0, 0)),
        "large": np.eye(17),
        "subclass": S.view(np.matrix),
        "list": S.tolist(),
        "byteswapped": S.astype(">f8"),
    }
    for name, X in refused.items():
        assert mod._small_operand(X) is None, name
        assert mod._eigh_small(X, "L", True) is None, name
        assert mod._eig_small(X, True) is None, name
    for X in (
        np.where(np.eye(3) > 0, np.nan, S),
        np.full((3, 3), np.inf),
        S * 1e-200,
        S * 1e200,
        np.zeros((3, 3)),
    ):
        assert mod._eigh_small(X, "L", True) is None
        assert mod._eig_small(X, False) is None
    # and the general path answers these as before: NaN answers for eigh, numpy's errors for eig
    w, v = jl.eigh(np.where(np.eye(3) > 0, np.nan, S))
    assert np.isnan(w).all() and np.isnan(v).all()
    with pytest.raises(np.linalg.LinAlgError, match="infs or NaNs"):
        jl.eig(np.where(np.eye(3) > 0, np.nan, S))
    with pytest.raises(np.linalg.LinAlgError):
        jl.eigh(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError):
        jl.eig(np.ones((2, 3)))
    with pytest.raises(ValueError, match="UPLO"):
        jl.eigh(S, "X")
    # scaled input: the general path's power-of-two scaling, eigenvalues scaled as numpy's
    np.testing.assert_allclose(jl.eigvalsh(S * 1e-200), np.linalg.eigvalsh(S * 1e-200), rtol=1e-13)
    np.testing.assert_allclose(jl.eigvalsh(S.astype(np.float32)), np.linalg.eigvalsh(S), rtol=1e-5)
