"""One-sided Jacobi SVD: kernels, numpy.linalg.svd semantics, relative accuracy on graded matrices."""

from __future__ import annotations

import itertools

import naive
import numba
import numpy as np
import pytest
from helpers import eps

import jitla.linalg._svd as jsvd
from jitla import LinAlgError
from jitla._threads import threads
from jitla.kernels import get_kernel, svd_jacobi
from jitla.linalg import svd, svdvals
from jitla.linalg._dispatch import kernel_extras

METHODS = [
    "cyclic",
    "tracked",
    "parallel",
    "preconditioned",
    "preconditioned_tracked",
    "preconditioned_parallel",
    "parallel_tracked",
    "preconditioned_parallel_tracked",
    "jacobi",
]
SHAPES = [(1, 1), (2, 2), (5, 3), (3, 5), (7, 7), (17, 6), (6, 17), (33, 33)]


def check_svd(a, result, full_matrices, rtol):
    """Invariants of a (thin or full) SVD: reconstruction, orthonormality, order."""
    U, S, Vh = result
    m, n = a.shape[-2:]
    k = min(m, n)
    assert U.shape == a.shape[:-2] + ((m, m) if full_matrices else (m, k))
    assert Vh.shape == a.shape[:-2] + ((n, n) if full_matrices else (k, n))
    assert S.shape == a.shape[:-2] + (k,)
    scale = max(np.abs(a).max(), 1.0)
    rebuilt = (U[..., :, :k] * S[..., None, :]) @ Vh[..., :k, :]
    np.testing.assert_allclose(rebuilt, a, rtol=0, atol=rtol * scale)
    np.testing.assert_allclose(
        np.swapaxes(U, -1, -2) @ U,
        np.broadcast_to(np.eye(U.shape[-1]), U.shape[:-2] + (U.shape[-1],) * 2),
        atol=rtol,
    )
    np.testing.assert_allclose(
        Vh @ np.swapaxes(Vh, -1, -2),
        np.broadcast_to(np.eye(Vh.shape[-2]), Vh.shape[:-2] + (Vh.shape[-2],) * 2),
        atol=rtol,
    )
    assert np.all(np.diff(S, axis=-1) <= 0), "singular values must be descending"
    assert np.all(S >= 0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("full_matrices", [True, False])
def test_svd_invariants_and_values(method, shape, full_matrices, rng):
    a = rng.standard_normal(shape)
    result = svd(a, full_matrices=full_matrices, method=method)
    check_svd(a, result, full_matrices, rtol=50 * max(shape) * eps(np.float64))
    np.testing.assert_allclose(
        result.S, np.linalg.svd(a, compute_uv=False), rtol=50 * max(shape) * eps(np.float64)
    )


@pytest.mark.parametrize("method", METHODS)
def test_values_match_the_naive_jacobi(method, rng):
    a = rng.standard_normal((9, 6))
    np.testing.assert_allclose(svdvals(a, method=method), naive.svdvals(a), rtol=1e-13)


@pytest.mark.parametrize("method", METHODS)
def test_float32_stays_float32(method, rng):
    a = rng.standard_normal((12, 7)).astype(np.float32)
    U, S, Vh = svd(a, method=method)
    assert U.dtype == S.dtype == Vh.dtype == np.float32
    check_svd(a, (U, S, Vh), True, rtol=50 * 12 * eps(np.float32))
    np.testing.assert_allclose(
        S, np.linalg.svd(a.astype(np.float64), compute_uv=False), rtol=100 * 12 * eps(np.float32)
    )


def test_ints_promote_and_result_is_numpy_named_tuple():
    result = svd(np.array([[3, 0], [0, 4]]))
    assert type(result).__name__ == "SVDResult"
    assert result.S.dtype == np.float64
    np.testing.assert_array_equal(result.S, [4.0, 3.0])


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0)], ids=str)
@pytest.mark.parametrize("full_matrices", [True, False])
def test_empty_shapes_as_numpy(shape, full_matrices):
    ours = svd(np.zeros(shape), full_matrices=full_matrices)
    theirs = np.linalg.svd(np.zeros(shape), full_matrices=full_matrices)
    assert [x.shape for x in ours] == [x.shape for x in theirs]
    if full_matrices:
        np.testing.assert_allclose(np.abs(ours.Vh @ ours.Vh.T), np.eye(shape[1]), atol=1e-15)


def test_stacked_and_compute_uv_false(rng):
    a = rng.standard_normal((2, 3, 6, 4))
    check_svd(a, svd(a, full_matrices=False), False, rtol=1e-13)
    S = svd(a, compute_uv=False)
    assert S.shape == (2, 3, 4)
    np.testing.assert_allclose(S, np.linalg.svd(a, compute_uv=False), rtol=1e-13)
    np.testing.assert_allclose(svdvals(a), S, rtol=0, atol=0)


@pytest.mark.parametrize("method", METHODS)
def test_rank_deficient_repeated_and_zero(method, rng):
    low_rank = naive.matrix_with_singular_values([5.0, 2.0], 8, 6, seed=1)
    result = svd(low_rank, method=method)
    check_svd(low_rank, result, True, rtol=1e-13)
    assert result.S[2] < 1e-14 * result.S[0]
    identity = svd(np.eye(5), method=method)  # all singular values repeated
    np.testing.assert_allclose(identity.S, np.ones(5), rtol=1e-15)
    zero = svd(np.zeros((4, 3)), method=method)
    np.testing.assert_array_equal(zero.S, np.zeros(3))
    check_svd(np.zeros((4, 3)), zero, True, rtol=1e-15)  # U, V still orthogonal
    clustered = naive.matrix_with_singular_values([1.0, 1 + 1e-12, 1 - 1e-12, 1e-3], 7, 4, seed=2)
    np.testing.assert_allclose(
        svdvals(clustered, method=method), [1 + 1e-12, 1.0, 1 - 1e-12, 1e-3], rtol=1e-13
    )


def test_layouts_and_input_not_modified(rng):
    base = rng.standard_normal((9, 8))
    for a in (base, np.asfortranarray(base), base[::2, ::-1], base.T):
        before = a.copy()
        check_svd(a, svd(a), True, rtol=1e-13)
        np.testing.assert_array_equal(a, before)


def test_errors_as_numpy():
    with pytest.raises(
        LinAlgError, match="1-dimensional array given. Array must be at least two-dimensional"
    ):
        svd(np.ones(3))
    with pytest.raises(np.linalg.LinAlgError, match="SVD did not converge"):
        svd(np.array([[np.nan, 1.0], [1.0, 1.0]]))
    with pytest.raises(LinAlgError, match="SVD did not converge"):
        svdvals(np.array([[np.inf, 1.0], [1.0, 1.0]]))
    with pytest.raises(TypeError, match="complex"):
        svd(np.eye(2, dtype=complex), method="tracked")  # complex Jacobi: "jacobi" and "cyclic" only
    with pytest.raises(ValueError, match="unknown svd method"):
        svd(np.eye(2), method="qr")


def test_no_convergence_raises(monkeypatch, rng):
    monkeypatch.setattr(jsvd, "MAX_SWEEPS", 1)
    with pytest.raises(LinAlgError, match="SVD did not converge"):
        svd(rng.standard_normal((8, 8)), method="cyclic")


# --------------------------------------------------------------------------
# relative accuracy (Demmel & Veselić): graded matrices against mpmath
# --------------------------------------------------------------------------
def graded(kind, n, rng):
    B = rng.standard_normal((n, n))
    if kind == "columns small to large":
        return B * np.logspace(-14, 0, n)
    if kind == "columns large to small":
        return B * np.logspace(0, -14, n)
    return np.logspace(0, -7, n)[:, None] * B * np.logspace(-7, 0, n)  # two-sided D1 B D2


@pytest.mark.parametrize("kind", ["columns small to large", "columns large to small", "two-sided"])
@pytest.mark.parametrize("method", METHODS)
def test_graded_matrices_to_high_relative_accuracy(kind, method):
    rng = np.random.default_rng(7)
    a = graded(kind, 16, rng)
    exact = naive.svdvals_mp(a)
    ours = svdvals(a, method=method)
    if kind == "two-sided" and not method.startswith("preconditioned"):
        # Demmel-Veselic's bound covers column scaling only; the plain
        # one-sided method still keeps ~12-13 digits here (measured 2.4e-13),
        # the pivoted-QR preconditioning restores the full 1e-13.
        assert np.max(np.abs(ours - exact) / exact) <= 1e-11
    else:
        assert np.max(np.abs(ours - exact) / exact) <= 1e-13


def shuffled_two_sided(rng):
    # D1 B D2 with the row scales in random order: 25 decades of rows, 30 of columns
    d1 = np.logspace(0, -25, 6)
    rng.shuffle(d1)
    return d1[:, None] * rng.standard_normal((6, 4)) * np.logspace(0, -30, 4)


@pytest.fixture(scope="module")
def shuffled_cases():
    rng = np.random.default_rng(0)
    cases = [shuffled_two_sided(rng) for _ in range(6)]
    return [(a, naive.svdvals_mp(a)) for a in cases]


@pytest.mark.parametrize("method", [m for m in METHODS if m.startswith("preconditioned")])
def test_two_sided_grading_with_unsorted_rows(method, shuffled_cases):
    # Householder QR is row-wise stable only on rows sorted by decreasing
    # size (Cox & Higham), and the pivoted QR's noise rule zeroed residuals
    # that were small only because the column's large entries sat in rows
    # already eliminated: two of these six lost a value entirely (error 1.0)
    # and the others up to 0.2 before the rows were sorted and the rule
    # measured against the trailing rows.  U comes back in the input's row order.
    for a, exact in shuffled_cases:
        U, S, Vh = svd(a, method=method)
        assert np.max(np.abs(S - exact) / exact) <= 1e-14
        np.testing.assert_allclose((U[:, :4] * S) @ Vh, a, rtol=0, atol=1e-14 * np.abs(a).max())
        np.testing.assert_allclose(U.T @ U, np.eye(6), atol=1e-14)


@pytest.mark.parametrize("method", METHODS)
def test_extreme_scales_keep_relative_accuracy(method):
    # Squared row norms underflow below ~1e-154 (float64): a column at
    # 1e-170 came back as 0 before the power-of-two scaling in _svd_2d,
    # and 1e-160 kept only 5 digits.  Scaled inputs, whole or one column,
    # against mpmath; U and V stay orthonormal and rebuild the input.
    B = np.random.default_rng(1).standard_normal((6, 4))
    for a in (B * np.array([1, 1, 1, 1e-170]), B * np.array([1, 1, 1, 1e-290]), B * 1e-300, B * 1e300):
        exact = naive.svdvals_mp(a)
        U, S, Vh = svd(a, method=method)
        assert np.max(np.abs(S - exact) / exact) <= 1e-14
        np.testing.assert_allclose((U[:, :4] * S) @ Vh, a, rtol=0, atol=1e-14 * np.abs(a).max())
        np.testing.assert_allclose(U.T @ U, np.eye(6), atol=1e-14)
        np.testing.assert_allclose(Vh @ Vh.T, np.eye(4), atol=1e-14)


def test_extreme_scales_float32(rng):
    B = rng.standard_normal((5, 3))
    for scale in (1e-30, 1e30):
        a = (B * scale).astype(np.float32)
        S = svdvals(a)
        assert S.dtype == np.float32
        np.testing.assert_allclose(
            S, np.linalg.svd(a.astype(np.float64), compute_uv=False), rtol=20 * eps(np.float32)
        )


def test_numpy_loses_digits_where_jacobi_does_not():
    # The point of the method, shown side by side: gesdd's error is relative
    # to the largest singular value, so the smallest ones of a matrix whose
    # columns are graded from small to large lose many digits.  The default
    # ("auto", the bidiagonal route) is documented to lose them as numpy does;
    # method="jacobi" keeps them.
    rng = np.random.default_rng(7)
    a = graded("columns small to large", 24, rng)  # past SVD_VALUES_JACOBI_MAX
    exact = naive.svdvals_mp(a)
    numpy_error = np.max(np.abs(np.linalg.svd(a, compute_uv=False) - exact) / exact)
    jitla_error = np.max(np.abs(svdvals(a, method="jacobi") - exact) / exact)
    default_error = np.max(np.abs(svdvals(a) - exact) / exact)
    assert jitla_error <= 1e-13
    assert numpy_error >= 1e4 * jitla_error
    assert default_error >= 1e4 * jitla_error
    for method in ("auto", "jacobi"):
        assert ("relatively accurate" in jsvd.svd.__doc__) and method in jsvd.svd.__doc__


# --------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 5, 8, 33])
def test_round_robin_meets_every_pair_once_in_disjoint_rounds(n):
    pairs = svd_jacobi.round_robin(n)
    N = n + n % 2
    assert pairs.shape == (max(N - 1, 0), N // 2, 2)
    seen = []
    for r in range(pairs.shape[0]):
        players = pairs[r].ravel()
        assert len(set(players.tolist())) == N  # disjoint, everyone plays
        seen += [tuple(sorted(p)) for p in pairs[r].tolist()]
    assert sorted(seen) == sorted(itertools.combinations(range(N), 2))


@pytest.mark.parametrize("method", ["parallel", "parallel_tracked"])
def test_parallel_result_does_not_depend_on_thread_count(method, rng):
    a = rng.standard_normal((70, 64))
    with threads(1):
        one = svd(a, method=method)
    with threads(numba.config.NUMBA_NUM_THREADS):
        many = svd(a, method=method)
    for x, y in zip(one, many, strict=True):
        np.testing.assert_array_equal(x, y)


def _run_kernel(method, G, S, Ut, Vt, compute_uv):
    """Call svd kernel *method* directly, with the extra arguments the API would pass."""
    info = get_kernel("svd", method)
    return info.func(G, S, Ut, Vt, compute_uv, 60, *kernel_extras(info, G.dtype))


def test_preconditioning_needs_fewer_sweeps_on_graded_input():
    rng = np.random.default_rng(3)
    a = graded("columns small to large", 40, rng)
    sweeps = {}
    for method in ("cyclic", "preconditioned"):
        G = np.ascontiguousarray(a.T)
        k = G.shape[0]
        status, sweeps[method] = _run_kernel(
            method, G, np.empty(k), np.empty(G.shape), np.empty((k, k)), True
        )
        assert status == 0
    assert sweeps["preconditioned"] < sweeps["cyclic"]


def test_complete_orthonormal_extends_a_basis(rng):
    Q = np.zeros((5, 7))
    Q[:2] = np.linalg.qr(rng.standard_normal((7, 2)))[0].T
    assert svd_jacobi.complete_orthonormal(Q, 2) == 5
    np.testing.assert_allclose(Q @ Q.T, np.eye(5), atol=1e-15)


def test_auto_policy():
    assert jsvd.svd_method((600, 20), compute_uv=False)[:2] == ("svdvals", "bidiagonal")
    assert jsvd.svd_method((20, 600), compute_uv=False).variant == "bidiagonal"
    assert jsvd.svd_method((600, 16), compute_uv=False)[:2] == ("svdvals", "jacobi")
    assert jsvd.svd_method((20, 20), compute_uv=True)[:2] == ("svd", "bidiagonal")
    assert jsvd.svd_method((600, 16), "jacobi", compute_uv=False)[:2] == ("svdvals", "jacobi")
    assert jsvd.svd_method((600, 20), "jacobi", compute_uv=False).variant == "preconditioned_tracked"
    with threads(1):
        assert jsvd.svd_method((600, 600), "jacobi", compute_uv=False).variant == "preconditioned_tracked"
        assert jsvd.svd_method((600, 600), "jacobi").variant == "preconditioned_tracked"
        assert jsvd.svd_method((600, 600))[:2] == ("svd", "bidiagonal_dc")  # "auto" with vectors
    if numba.config.NUMBA_NUM_THREADS > 1:
        with threads(2):
            assert jsvd.svd_method((600, 600), "jacobi").variant == "preconditioned_parallel_tracked"
            assert jsvd.svd_method((600, 100), "jacobi").variant == "preconditioned_tracked"
    assert jsvd.svd_method((5, 5), "cyclic")[:2] == ("svd", "cyclic")


# --------------------------------------------------------------------------
# tracked norms, de Rijk pivoting, skipped tests (svd_tracked)
# --------------------------------------------------------------------------
def _norms_after_rotation(G, p, q, norms2):
    gamma = float(G[p] @ G[q])
    svd_jacobi._rotate_tracked(G, np.empty((0, 0)), p, q, gamma, norms2, False)
    return norms2


def test_rotate_tracked_updates_the_norms_and_orthogonalises(rng):
    G = rng.standard_normal((3, 50))
    G[2] *= 1e-8  # graded pair: rows 0 and 2
    before = G.copy()
    for p, q in [(0, 1), (0, 2)]:
        norms2 = np.array([naive.dot(g, g) for g in G])
        _norms_after_rotation(G, p, q, norms2)
        exact = [naive.dot(G[i], G[i]) for i in (p, q)]
        np.testing.assert_allclose(norms2[[p, q]], exact, rtol=1e-14)
        cosine = naive.dot(G[p], G[q]) / np.sqrt(exact[0] * exact[1])
        assert abs(cosine) < 1e-15
    # rotations are orthogonal: the Frobenius norm of G is kept
    np.testing.assert_allclose(np.linalg.norm(G), np.linalg.norm(before), rtol=1e-14)


def test_rotate_tracked_recomputes_a_cancelled_norm():
    # two nearly parallel rows of equal length: alpha - t*gamma cancels to
    # ~1e-10 alpha, so the updated formula would keep only ~6 digits; the
    # kernel recomputes that norm from the row.
    x = np.linspace(1.0, 2.0, 40)
    G = np.array([x, x + 1e-5 * np.cos(np.arange(40.0))])
    norms2 = np.array([naive.dot(g, g) for g in G])
    _norms_after_rotation(G, 0, 1, norms2)
    small = int(np.argmin(norms2))
    assert norms2[small] < 1e-9 * norms2.max()
    np.testing.assert_allclose(norms2[small], naive.dot(G[small], G[small]), rtol=1e-14)


@pytest.mark.parametrize("kind", ["columns small to large", "two-sided"])
def test_tracked_variants_fewer_rotation_sweeps_same_values(kind):
    # De Rijk pivoting, tracked norms and skipped tests change the rounding,
    # not the answer: each tracked kernel agrees with its plain counterpart
    # to the accuracy of both (1e-13 relative; 1e-11 for the two-sided
    # grading without preconditioning, see the graded test above, where
    # mpmath is the oracle), and the sweeps do not increase.
    rng = np.random.default_rng(5)
    a = graded(kind, 40, rng)
    sweeps, values = {}, {}
    plain_and_tracked = ("cyclic", "tracked", "parallel", "parallel_tracked")
    for method in plain_and_tracked + ("preconditioned", "preconditioned_tracked"):
        G = np.ascontiguousarray(a.T)
        k = G.shape[0]
        S = np.empty(k)
        status, sweeps[method] = _run_kernel(method, G, S, np.empty(G.shape), np.empty((k, k)), False)
        assert status == 0
        values[method] = S
    np.testing.assert_allclose(values["preconditioned_tracked"], values["preconditioned"], rtol=1e-13)
    rtol = 1e-11 if kind == "two-sided" else 1e-13
    np.testing.assert_allclose(values["tracked"], values["cyclic"], rtol=rtol)
    np.testing.assert_allclose(values["parallel_tracked"], values["parallel"], rtol=rtol)
    assert sweeps["tracked"] <= sweeps["cyclic"]
    assert sweeps["parallel_tracked"] <= sweeps["parallel"]
    assert sweeps["preconditioned_tracked"] <= sweeps["preconditioned"]


def test_tracked_on_a_matrix_with_exactly_orthogonal_rows():
    # every pair is orthogonal from the start: one sweep, no rotation, and
    # the singular values are the row norms (exactly, sorted).
    a = np.diag([1.0, 3.0, 2.0, 1e-150]) @ np.eye(4)[[2, 0, 3, 1]]
    G = np.ascontiguousarray(a.T)
    S = np.empty(4)
    status, sweeps = svd_jacobi.svd_tracked(G, S, np.empty((4, 4)), np.empty((4, 4)), True, 60)
    assert (status, sweeps) == (0, 1)
    np.testing.assert_array_equal(S, [3.0, 2.0, 1.0, 1e-150])


# --------------------------------------------------------------------------
# values only, plain loops (svdvals_jacobi): what "auto" uses for small values-only problems
# --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 1), (9, 6), (6, 9), (40, 12)], ids=str)
def test_values_only_jacobi_matches_naive_and_numpy(shape, rng):
    a = rng.standard_normal(shape)
    ours = svdvals(a, method="jacobi_values")
    tall = a if shape[0] >= shape[1] else a.T  # the naive method works on the short side's columns
    np.testing.assert_allclose(ours, naive.svdvals(tall), rtol=1e-13)
    np.testing.assert_allclose(
        ours, np.linalg.svd(a, compute_uv=False), rtol=50 * max(shape) * eps(np.float64)
    )
    single = svdvals(a.astype(np.float32), method="jacobi_values")
    assert single.dtype == np.float32
    np.testing.assert_allclose(
        single, np.linalg.svd(a, compute_uv=False), rtol=50 * max(shape) * eps(np.float32)
    )


@pytest.mark.parametrize("kind", ["columns small to large", "columns large to small"])
def test_values_only_jacobi_relative_accuracy_on_column_grading(kind):
    a = graded(kind, 16, np.random.default_rng(7))
    exact = naive.svdvals_mp(a)
    assert np.max(np.abs(svdvals(a, method="jacobi_values") - exact) / exact) <= 1e-13
    # method="jacobi" picks it at n = 16 (the relatively accurate rule)
    assert np.max(np.abs(svdvals(a, method="jacobi") - exact) / exact) <= 1e-13


def test_values_only_jacobi_rank_deficient_ones_and_zero():
    # exactly parallel columns converge (rounding residues are zeroed) and give zeros
    for dtype in (np.float64, np.float32):
        s = svdvals(np.ones((5, 3), dtype=dtype), method="jacobi_values")
        np.testing.assert_allclose(s, [np.sqrt(15.0), 0.0, 0.0], rtol=10 * eps(dtype), atol=10 * eps(dtype))
    np.testing.assert_array_equal(svdvals(np.zeros((4, 3)), method="jacobi_values"), np.zeros(3))
    low_rank = naive.matrix_with_singular_values([5.0, 2.0], 8, 6, seed=1)
    s = svdvals(low_rank, method="jacobi_values")
    np.testing.assert_allclose(s[:2], [5.0, 2.0], rtol=1e-14)
    assert s[2] < 1e-14 * s[0]


def test_values_only_methods_reject_compute_uv():
    with pytest.raises(ValueError, match="singular values only"):
        svd(np.eye(3), method="jacobi_values")


@pytest.mark.parametrize("descending", [False, True])
def test_argsort_stable_matches_numpy_stable_sort(descending, rng):
    from jitla.kernels._layout import argsort_stable

    keys = rng.integers(0, 5, size=37).astype(np.float64)  # many ties: stability matters
    keys[[3, 20]] = np.nan
    ours = argsort_stable(keys, descending)
    if descending:
        finite = ~np.isnan(keys)
        theirs = np.concatenate([np.flatnonzero(finite)[np.argsort(-keys[finite], kind="stable")], [3, 20]])
    else:
        theirs = np.argsort(keys, kind="stable")  # NaN last, in order
    np.testing.assert_array_equal(ours, theirs)
    assert argsort_stable(np.empty(0), descending).shape == (0,)


# --------------------------------------------------------------------------
# the small float64 path (_svd_small, devlog 105)
# --------------------------------------------------------------------------
SMALL_SHAPES = [(1, 1), (2, 3), (3, 2), (3, 3), (10, 10), (7, 4), (4, 7)]


def _small_layouts(A):
    """C, F, a strided view and a read-only copy of A."""
    big = np.zeros((2 * A.shape[0], 2 * A.shape[1]))
    big[::2, ::2] = A
    ro = A.copy()
    ro.flags.writeable = False
    return [np.ascontiguousarray(A), np.asfortranarray(A), big[::2, ::2], ro]


@pytest.mark.parametrize("shape", SMALL_SHAPES, ids=str)
def test_small_path_is_the_general_path_bit_for_bit(shape, rng, monkeypatch):
    general = jsvd._svd
    A0 = rng.standard_normal(shape)
    for scale in (1.0, 1e300, 1e-300, 4.0):  # 4.0: an exact power of two as max |a_ij| (ones)
        base = np.ones(shape) * scale if scale == 4.0 else A0 * scale
        for a in _small_layouts(base):
            before = a.copy()
            expected = {
                (fm, uv): general(a, fm, uv, False, "auto") for fm in (True, False) for uv in (True, False)
            }
            # the public calls must not reach the general path
            monkeypatch.setattr(jsvd, "_svd", None)
            got = {
                (fm, uv): svd(a, full_matrices=fm, compute_uv=uv)
                for fm in (True, False)
                for uv in (True, False)
            }
            values = svdvals(a)
            monkeypatch.setattr(jsvd, "_svd", general)
            np.testing.assert_array_equal(a, before)
            np.testing.assert_array_equal(values, expected[True, False])
            for key, want in expected.items():
                if key[1]:
                    assert type(got[key]) is jsvd.SVDResult
                    for x, y in zip(got[key], want, strict=True):
                        assert x.shape == y.shape and x.dtype == y.dtype == np.float64
                        assert x.flags.c_contiguous == y.flags.c_contiguous
                        np.testing.assert_array_equal(x, y)
                else:
                    np.testing.assert_array_equal(got[key], want)


@pytest.mark.parametrize("shape", SMALL_SHAPES, ids=str)
def test_small_path_matches_numpy_and_naive(shape, rng):
    a = rng.standard_normal(shape)
    for fm in (True, False):
        result = svd(a, full_matrices=fm)
        check_svd(a, result, fm, rtol=1e-13)
        np.testing.assert_allclose(result.S, np.linalg.svd(a, compute_uv=False), rtol=1e-13)
    np.testing.assert_allclose(svdvals(a), np.linalg.svdvals(a), rtol=1e-13)
    tall = a.T if shape[0] < shape[1] else a  # the naive Jacobi takes the columns of a tall matrix
    np.testing.assert_allclose(svdvals(a), naive.svdvals(tall), rtol=1e-13)


def test_small_path_leaves_other_input_to_the_general_path(rng):
    a = rng.standard_normal((3, 3))
    for other in (
        a.astype(np.float32),
        a.astype(np.complex128),
        a.astype(np.int64),
        a.astype(">f8"),  # float64, but not numpy's native instance
        a[None],
        a.view(np.matrix),
        np.empty((0, 3)),
        rng.standard_normal((17, 17)),  # values: past SVD_VALUES_JACOBI_MAX
    ):
        assert jsvd._svd_small(other, True, False) is None
    # with vectors from SVD_DC_MIN on: divide and conquer
    assert jsvd._svd_small(rng.standard_normal((48, 48)), True, True) is None
    assert jsvd._svd_small(rng.standard_normal((17, 17)), True, True) is not None
    # and those still come out as numpy's
    np.testing.assert_allclose(svdvals(a.astype(np.float32)), np.linalg.svdvals(a), rtol=1e-5)
    np.testing.assert_allclose(svdvals(a.astype(np.complex128)), np.linalg.svdvals(a), rtol=1e-13)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_small_path_non_finite_raises_as_numpy(bad):
    a = np.ones((3, 2))
    a[2, 1] = bad
    assert jsvd._svd_small(a, True, True) is None
    for call in (lambda: svd(a), lambda: svd(a, compute_uv=False), lambda: svdvals(a)):
        with pytest.raises(np.linalg.LinAlgError, match="SVD did not converge"):
            call()
    with pytest.raises(TypeError, match="hermitian"):
        svd(np.eye(2), hermitian=None)


def test_scale_exponent_agrees_with_the_log2_formula(rng):
    def formula(amax, L):  # the general path's rule before devlog 105
        target = float(np.sqrt(np.finfo(np.float64).max)) / (2 * L)
        return int(np.floor(np.log2(target)) - np.ceil(np.log2(amax)))

    amaxes = [2.0**j for j in range(-1074, 1024, 37)] + list(np.exp(rng.uniform(-700, 700, 200)))
    amaxes += [np.nextafter(x, np.inf) for x in amaxes] + [np.nextafter(x, 0.0) for x in amaxes]
    amaxes += [np.finfo(np.float64).max, np.finfo(np.float64).tiny, 5e-324, 1.0, 3.0, 0.75]
    assert jsvd._exponent(0.0, np.dtype(np.float64), 3) == 0
    for L in (1, 2, 3, 10, 64, 1000):
        for amax in [x for x in amaxes if x > 0]:
            assert jsvd._exponent(float(amax), np.dtype(np.float64), L) == formula(float(amax), L), (amax, L)
