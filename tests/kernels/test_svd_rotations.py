"""Kernels added for the fused one-sided Jacobi SVD and its QR preconditioning.

* ``qr_householder.apply_q_blocked`` (blocked ``dormqr``, ``B := Q B``),
  checked against the unblocked :func:`apply_q`, against Q from numpy's
  LAPACK QR, and by the invariants ``Q [R; 0] = A P`` and ``Q^T Q = I``;
* ``_layout.aligned_empty`` (64-byte aligned work arrays);
* ``svd_jacobi._rotate_dot`` (a plane rotation fused with the next dot
  product) and ``svd_jacobi._rotate_chain`` (the Vt rotations of one pass
  with row p held in registers), against plain numpy and, for the chain,
  bitwise against ``level1.rot`` applied one rotation at a time, as its
  docstring promises;
* ``svd_jacobi.svd_tracked``, which now uses both, against ``svd_cyclic``,
  numpy's SVD and mpmath.

Tolerances: applying k Householder reflectors to a vector of length m is
backward stable with error ``O(k m eps)`` relative to its norm in the worst
case and ``O((m + k) eps)`` in practice (Higham, *Accuracy and Stability of
Numerical Algorithms*, 2nd ed., Lemma 19.3 and Sec. 19.3), so ``c (m + k)
eps`` with c = 10 is generous at these sizes yet fails by orders of
magnitude on a wrong reflector.  One rotation of an entry costs two
products and one sum: error ``<= 2 eps (|c x| + |s y|)`` (with or without
a fused multiply-add).  A dot product of length m has error ``<= m eps
sum |x_i z_i|`` (Higham, Sec. 3.1), whatever the summation order.

The kernels are called with C-contiguous float64/float32 arrays and int64
scalars only, the signatures the SVD itself compiles, so the file adds few
compilations.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.linalg
from helpers import FLOAT_DTYPES, eps

from jitla import config
from jitla.kernels import level1
from jitla.kernels import qr_householder as hq
from jitla.kernels import qr_pivoted as qp
from jitla.kernels import svd_jacobi as sj
from jitla.kernels._layout import ALIGNMENT, aligned_empty


def _rng(*key):
    """A generator seeded from the test's parameters (tests do not share a stream)."""
    return np.random.default_rng([20261127, *key])


# --------------------------------------------------------------------------
# apply_q_blocked
# --------------------------------------------------------------------------
def _factor(A, pivoting):
    """Factored form of a copy of A by geqp3 (pivoting) or geqr2: ``(F, tau, jpvt)``."""
    F = np.ascontiguousarray(A).copy()
    m, n = F.shape
    tau = np.full(min(m, n), np.nan, dtype=F.dtype)
    if pivoting:
        jpvt = np.empty(n, dtype=np.int64)
        assert qp.geqp3(F, jpvt, tau) == 0
    else:
        jpvt = np.arange(n, dtype=np.int64)
        assert hq.geqr2(F, tau) == 0
    return F, tau, jpvt


def _apply_q_blocked(F, tau, B, nb):
    """``Q B`` by apply_q_blocked on a copy of B; checks that F and tau are left alone."""
    F_before, tau_before = F.copy(), tau.copy()
    X = np.ascontiguousarray(B).copy()
    assert hq.apply_q_blocked(F, tau, X, nb, config.gemm_blocks(F.dtype).as_tuple()) == 0
    np.testing.assert_array_equal(F, F_before)
    np.testing.assert_array_equal(tau, tau_before)
    return X


def _assert_columns_close(X, Y, scale, rtol):
    """``||X[:, j] - Y[:, j]|| <= rtol * scale[j]`` for every column j (2-norms, in float64)."""
    err = np.linalg.norm(np.asarray(X, np.float64) - np.asarray(Y, np.float64), axis=0)
    bound = rtol * np.asarray(scale, np.float64)
    assert np.all(err <= bound), f"column errors {err.max():.3g} > bound {bound.min():.3g}"


#: (m, n, nb, nrhs): square, tall, wide (k = m reflectors); nb < k with k not
#: a multiple of nb, nb == k, nb > k (64 with k = 5); nrhs = 1, nrhs > m,
#: nrhs = 0; one 130 x 70 case with several panels; no reflectors at all.
QB_CASES = [
    (1, 1, 1, 1),
    (8, 8, 3, 4),
    (40, 17, 5, 3),
    (17, 9, 9, 1),
    (12, 30, 5, 7),
    (5, 5, 64, 2),
    (9, 5, 64, 3),
    (6, 4, 2, 15),
    (130, 70, 16, 20),
    (7, 3, 2, 0),
    (6, 0, 4, 3),
]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("m, n, nb, nrhs", QB_CASES)
@pytest.mark.parametrize("pivoting", [False, True], ids=["geqr2", "geqp3"])
def test_apply_q_blocked_equals_apply_q_and_numpy_q(dtype, m, n, nb, nrhs, pivoting):
    rng = _rng(m, n, nb, nrhs, int(pivoting), np.dtype(dtype).itemsize)
    A = rng.standard_normal((m, n)).astype(dtype)
    F, tau, jpvt = _factor(A, pivoting)
    B = rng.standard_normal((m, nrhs)).astype(dtype)
    X = _apply_q_blocked(F, tau, B, nb)
    # oracle 1: the unblocked apply_q (reflectors one at a time, last first)
    Y = B.copy()
    assert hq.apply_q(F, tau, Y) == 0
    k = min(m, n)
    rtol = 10 * (m + k) * eps(dtype)  # both are backward stable, see module docstring
    col_norms = np.linalg.norm(B.astype(np.float64), axis=0)
    _assert_columns_close(X, Y, col_norms, rtol)
    # oracle 2: Q of LAPACK's unpivoted QR of A P (float64, same sign
    # convention: beta = -sign(alpha) ||x||), which has the same reflectors
    # as geqp3's (geqr2's) in exact arithmetic.  Q is a smooth function of
    # A P for these well-conditioned Gaussian matrices, so the float32
    # kernel is within a small multiple of its own eps of the float64 Q.
    if k > 0:
        Q, _ = np.linalg.qr(A.astype(np.float64)[:, jpvt], mode="complete")
        _assert_columns_close(X, Q @ B.astype(np.float64), col_norms, rtol)
    else:
        np.testing.assert_array_equal(X, B)  # no reflector: Q = I


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_apply_q_blocked_with_small_gemm_blocks(dtype):
    # (MC, KC, NC) = (12, 16, 40): the packed GEMM inside loops over several
    # row, depth and column blocks (the default blocks exceed these sizes).
    rng = _rng(130, 70, np.dtype(dtype).itemsize)
    A = rng.standard_normal((130, 70)).astype(dtype)
    F, tau, _ = _factor(A, pivoting=True)
    B = rng.standard_normal((130, 45)).astype(dtype)
    X = B.copy()
    assert hq.apply_q_blocked(F, tau, X, 16, (12, 16, 40)) == 0
    Y = B.copy()
    assert hq.apply_q(F, tau, Y) == 0
    col_norms = np.linalg.norm(B.astype(np.float64), axis=0)
    _assert_columns_close(X, Y, col_norms, 10 * (130 + 70) * eps(dtype))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("m, n, nb", [(8, 8, 3), (40, 17, 5), (12, 30, 5), (5, 5, 64), (130, 70, 16)])
@pytest.mark.parametrize("pivoting", [False, True], ids=["geqr2", "geqp3"])
def test_apply_q_blocked_reconstructs_a_p_from_r(dtype, m, n, nb, pivoting):
    # Q [R; 0] = A P: R is the upper triangle (trapezoid if m < n) of the
    # factored form, padded with zero rows to m rows (np.triu does both).
    rng = _rng(m, n, nb, int(pivoting), np.dtype(dtype).itemsize)
    A = rng.standard_normal((m, n)).astype(dtype)
    F, tau, jpvt = _factor(A, pivoting)
    if pivoting:
        assert sorted(jpvt) == list(range(n))
    R_padded = np.triu(F)
    X = _apply_q_blocked(F, tau, R_padded, nb)
    k = min(m, n)
    # QR backward error: ||A P - Q R|| <= c (m + k) eps ||A|| (columnwise)
    rtol = 10 * (m + k) * eps(dtype)
    _assert_columns_close(X, A[:, jpvt], np.full(n, np.linalg.norm(A.astype(np.float64), 2)), rtol)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(
    "m, n, nb", [(1, 1, 1), (9, 9, 4), (40, 17, 5), (12, 30, 5), (5, 5, 64), (130, 70, 16)]
)
def test_apply_q_blocked_to_identity_is_orthogonal(dtype, m, n, nb):
    rng = _rng(m, n, nb, np.dtype(dtype).itemsize)
    A = rng.standard_normal((m, n)).astype(dtype)
    F, tau, _ = _factor(A, pivoting=True)
    Q = _apply_q_blocked(F, tau, np.eye(m, dtype=dtype), nb).astype(np.float64)
    # Householder products are orthogonal to c (m + k) eps (Higham Lemma 19.3)
    atol = 10 * (m + min(m, n)) * eps(dtype)
    np.testing.assert_allclose(Q.T @ Q, np.eye(m), rtol=0, atol=atol)
    np.testing.assert_allclose(Q @ Q.T, np.eye(m), rtol=0, atol=atol)
    # and it is the explicit Q of the unblocked form_q
    Q_explicit = np.empty((m, m), dtype)
    assert hq.form_q(F, tau, Q_explicit) == 0
    np.testing.assert_allclose(Q, Q_explicit, rtol=0, atol=atol)


# --------------------------------------------------------------------------
# aligned_empty
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(
    "rows, cols", [(0, 0), (0, 5), (5, 0), (1, 1), (3, 7), (7, 3), (8, 8), (64, 64), (17, 130)]
)
def test_aligned_empty_is_c_contiguous_aligned_and_writable(dtype, rows, cols):
    like = np.zeros((2, 3), dtype=dtype)  # 2-D C like the SVD's G: no new signature
    arrays = []
    # several live allocations, so the allocator hands out different offsets
    for _ in range(5):
        X = aligned_empty(rows, cols, like)
        assert X.shape == (rows, cols)
        assert X.dtype == dtype
        assert X.flags.c_contiguous
        assert X.flags.writeable
        assert X.ctypes.data % ALIGNMENT == 0, f"data at {X.ctypes.data:#x}"
        assert ALIGNMENT == 64
        arrays.append(X)
    # the arrays are distinct buffers of the full size: writing every entry
    # of each leaves the others intact
    for i, X in enumerate(arrays):
        X[...] = i
    for i, X in enumerate(arrays):
        assert np.all(X == i)
    # every row is aligned when a row is a whole number of cache lines
    if rows and cols and cols * np.dtype(dtype).itemsize % 64 == 0:
        assert all(arrays[0][r].ctypes.data % 64 == 0 for r in range(rows))


# --------------------------------------------------------------------------
# _rotate_dot
# --------------------------------------------------------------------------
LENGTHS = [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200]


def _rotation(rng, dtype):
    """(c, s) of a rotation by an angle in [-pi/4, pi/4] (as the Jacobi kernels use), in dtype."""
    theta = rng.uniform(-np.pi / 4, np.pi / 4)
    return dtype(math.cos(theta)), dtype(math.sin(theta))


def _rotation_bound(x, y, c, s, dtype):
    """Entrywise error bound of ``c x - s y`` (or ``s x + c y``): ``2 eps (|c x| + |s y|)``.

    Two rounded products and a rounded sum, or a fused multiply-add: the
    error is at most 2 units of eps relative to the sizes of the terms
    (which is ~2 ulp of the result unless the terms cancel).
    """
    x = np.abs(np.asarray(x, np.float64))
    y = np.abs(np.asarray(y, np.float64))
    return 2 * eps(dtype) * (abs(float(c)) * x + abs(float(s)) * y)


def _exact_dot(x, z):
    """``x . z`` for float64 data to ~1 ulp: products in float64 (exact for float32 data), fsum."""
    x = np.asarray(x, np.float64)
    z = np.asarray(z, np.float64)
    return math.fsum((x * z).tolist())


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("m", LENGTHS)
@pytest.mark.parametrize("layout", ["rows of one array", "separate arrays"])
def test_rotate_dot_rotates_and_returns_the_next_dot(dtype, m, layout):
    rng = _rng(m, np.dtype(dtype).itemsize, len(layout))
    c, s = _rotation(rng, dtype)
    G0 = rng.standard_normal((4, m)).astype(dtype)
    if layout == "rows of one array":
        G = G0.copy()  # rows 0, 1, 2 are x, y, z (row 3 must not be touched)
        x, y, z = G[0], G[1], G[2]
    else:
        G = None
        x, y, z = G0[0].copy(), G0[1].copy(), G0[2].copy()
    r = sj._rotate_dot(x, y, z, c, s)
    x0, y0, z0 = G0[0], G0[1], G0[2]
    # rotated rows (BLAS convention, jitla.kernels.level1): c x + s y, c y - s x in the same precision
    x_ref = c * x0 + s * y0
    y_ref = c * y0 - s * x0
    assert x_ref.dtype == dtype
    assert np.all(np.abs(x.astype(np.float64) - x_ref) <= _rotation_bound(x0, y0, c, s, dtype))
    assert np.all(np.abs(y.astype(np.float64) - y_ref) <= _rotation_bound(x0, y0, s, c, dtype))
    np.testing.assert_array_equal(z, z0)
    if G is not None:
        np.testing.assert_array_equal(G[3], G0[3])
    # the returned dot is that of the *rotated* x with z, computed in dtype
    # (Numba boxes a float32 result as a Python float: it must be exact in float32)
    assert float(dtype(r)) == float(r)
    reference = _exact_dot(x, z)
    bound = (m + 2) * eps(dtype) * _exact_dot(np.abs(x), np.abs(z))
    assert abs(float(r) - reference) <= bound, (float(r), reference, bound)
    if m == 0:
        assert r == 0


# --------------------------------------------------------------------------
# _rotate_chain
# --------------------------------------------------------------------------
#: qs of one pass (p = 1): none, one, several distinct, and with repeats
#: (the kernel reloads row q from memory each time, so a repeated q sees its
#: own previous rotation).
CHAINS = {
    "none": [],
    "one": [5],
    "several": [2, 3, 5, 6, 7],
    "repeated q": [4, 2, 4, 4, 7, 2],
}


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("n", [1, 5, 63, 64, 65, 130])
@pytest.mark.parametrize("chain", list(CHAINS))
def test_rotate_chain_is_bitwise_rotate_rows_one_by_one(dtype, n, chain):
    rng = _rng(n, np.dtype(dtype).itemsize, len(chain))
    p = 1
    q_list = CHAINS[chain]
    count = len(q_list)
    rows = 8
    Vt0 = rng.standard_normal((rows, n)).astype(dtype)
    # the recording arrays are n long in svd_tracked, filled only up to
    # count: fill the rest with a row the chain must not touch (row 0)
    size = count + 3
    qs = np.zeros(size, dtype=np.int64)
    qs[:count] = q_list
    cs = np.empty(size, dtype=dtype)
    ss = np.empty(size, dtype=dtype)
    for r in range(size):
        cs[r], ss[r] = _rotation(rng, dtype)
    Vt = Vt0.copy()
    sj._rotate_chain(Vt, p, qs, cs, ss, count)
    # bitwise: level1.rot, one rotation at a time, in order
    ref = Vt0.copy()
    for r in range(count):
        level1.rot(ref[p], ref[qs[r]], cs[r], ss[r])
    np.testing.assert_array_equal(Vt, ref)
    touched = {p, *q_list}
    for i in range(rows):
        if i not in touched:
            np.testing.assert_array_equal(Vt[i], Vt0[i])
    # and a plain numpy loop in float64: each rotation adds at most
    # 2 eps (|c x| + |s y|) <= 2 sqrt(2) eps * (column norm), and rotations
    # keep column norms, so errors add up to <= 3 count eps * column norm
    ref64 = Vt0.astype(np.float64)
    for r in range(count):
        q = qs[r]
        c, s = float(cs[r]), float(ss[r])
        ref64[p], ref64[q] = c * ref64[p] + s * ref64[q], c * ref64[q] - s * ref64[p]
    col_norms = np.linalg.norm(Vt0.astype(np.float64), axis=0)
    atol = 3 * (count + 1) * eps(dtype) * col_norms.max(initial=0)
    np.testing.assert_allclose(Vt, ref64, rtol=0, atol=atol)


# --------------------------------------------------------------------------
# svd_tracked (fused rotations, chained Vt updates) against svd_cyclic
# --------------------------------------------------------------------------
def _run(kernel, G0, compute_uv):
    n, m = G0.shape
    G = G0.copy()
    S = np.empty(n)
    Ut = np.empty((n, m))
    Vt = np.empty((n, n))
    status, sweeps = kernel(G, S, Ut, Vt, compute_uv, 60)
    assert status == 0, f"no convergence in {sweeps} sweeps"
    return S, Ut, Vt


def _mpmath_singular_values(G):
    """Singular values of G (float64 data, taken exactly) with 30 digits."""
    with mpmath.workdps(30):
        values = mpmath.svd_r(mpmath.matrix(G.tolist()), compute_uv=False)
        return np.sort(np.array([float(v) for v in values]))[::-1]


@pytest.mark.parametrize("kind", ["gaussian", "graded rows"])
def test_svd_tracked_matches_svd_cyclic(kind):
    # G is A^T (n x m, n <= m): the rows of G are the columns of A.  The
    # graded case scales them from 1 to 1e-12 (A = B D), where one-sided
    # Jacobi has small *relative* error in every singular value
    # (Demmel & Veselic 1992): B is Gaussian, so kappa(B) ~ 10 and both
    # kernels agree with each other, and with mpmath, to 1e-13 relative
    # (40 rows, ~10 sweeps: ~ sweeps * n * eps * kappa(B) ~ 1e-12 in the
    # worst case, ~1e-14 observed).
    rng = _rng(len(kind))
    n, m = 40, 60
    G0 = rng.standard_normal((n, m))
    if kind == "graded rows":
        G0 = np.logspace(0, -12, n)[:, None] * G0
    S_cyclic, _, _ = _run(sj.svd_cyclic, G0, False)
    S_tracked, _, _ = _run(sj.svd_tracked, G0, False)
    np.testing.assert_allclose(S_tracked, S_cyclic, rtol=1e-13)
    np.testing.assert_allclose(S_tracked, _mpmath_singular_values(G0), rtol=1e-13)
    # numpy (LAPACK gesdd) is accurate relative to sigma_max only
    S_numpy = np.linalg.svd(G0, compute_uv=False)
    np.testing.assert_allclose(S_tracked, S_numpy, rtol=0, atol=4 * m * eps(np.float64) * S_numpy[0])

    # with U and V: G = A^T = (Ut^T diag(S) Vt)^T = Vt^T diag(S) Ut
    S, Ut, Vt = _run(sj.svd_tracked, G0, True)
    np.testing.assert_allclose(S, S_tracked, rtol=1e-13)
    assert np.all(np.diff(S) <= 0)
    # Jacobi is backward stable: ||G - Vt^T S Ut|| <= c sweeps n eps ||G||
    recon = Vt.T @ (S[:, None] * Ut)
    e64 = eps(np.float64)
    assert np.linalg.norm(G0 - recon) <= 10 * n * e64 * np.linalg.norm(G0)
    # V is a product of rotations; U's rows are g_i / sigma_i of nearly
    # orthogonal rows (relative tolerance m eps at convergence)
    np.testing.assert_allclose(Vt @ Vt.T, np.eye(n), rtol=0, atol=4 * n * e64)
    np.testing.assert_allclose(Vt.T @ Vt, np.eye(n), rtol=0, atol=4 * n * e64)
    np.testing.assert_allclose(Ut @ Ut.T, np.eye(n), rtol=0, atol=4 * m * e64)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("m, n", [(1, 1), (1, 4), (4, 1), (9, 9), (40, 17), (17, 40), (70, 70)])
def test_geqp3_rows_is_geqp3_on_the_transpose(dtype, m, n):
    # geqp3_rows(A^T) must leave G = (geqp3's A)^T: same pivots, same R and
    # reflectors to rounding.  Columns graded by 1.5^j and shuffled, so the
    # pivot order is decided by gaps far above rounding (no near-ties).
    # Oracle 1: geqp3 (row-major, walks columns).  Oracle 2: LAPACK's
    # dgeqp3 through scipy (same pivoting rule): same jpvt and |diag R|.
    # Invariant: Q [R; 0] = A P, with Q applied from the transposed storage.
    rng = np.random.default_rng(m * 100 + n)
    scale = 1.5 ** rng.permutation(n)
    a = (rng.standard_normal((m, n)) * scale).astype(dtype)
    k = min(m, n)
    A1 = a.copy()
    j1 = np.empty(n, np.int64)
    t1 = np.empty(k, dtype)
    qp.geqp3(A1, j1, t1)
    # a copy: for a single row or column a.T is already 'C-contiguous' and
    # np.ascontiguousarray would hand back a view of a itself
    G = a.T.copy(order="C")
    j2 = np.empty(n, np.int64)
    t2 = np.empty(k, dtype)
    assert qp.geqp3_rows(G, j2, t2) == 0
    np.testing.assert_array_equal(j2, j1)
    # rounding of two Householder QRs of an m x n matrix: (m + n) eps relative to ||A||
    tol = 10 * (m + n) * eps(dtype) * np.linalg.norm(a)
    np.testing.assert_allclose(G.T, A1, rtol=0, atol=tol)
    np.testing.assert_allclose(t2, t1, rtol=10 * (m + n) * eps(dtype), atol=0)
    r_lapack, piv = scipy.linalg.qr(a.astype(np.float64), pivoting=True, mode="r")
    np.testing.assert_array_equal(j2, piv)
    np.testing.assert_allclose(
        np.abs(np.diag(G.T[:k, :k])), np.abs(np.diag(r_lapack[:k, :k])), rtol=0, atol=tol
    )
    F = np.empty((m, n), dtype)
    F[...] = G.T
    B = np.zeros((m, n), dtype)
    B[:k] = np.triu(F[:k])
    hq.apply_q_blocked(F, t2, B, 8, config.gemm_blocks(dtype).as_tuple())
    np.testing.assert_allclose(B, a[:, j2], rtol=0, atol=tol)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(3, 3), (33, 17), (17, 33), (64, 64)], ids=str)
@pytest.mark.parametrize(
    "method",
    ["cyclic", "tracked", "parallel", "parallel_tracked", "preconditioned", "preconditioned_tracked"],
)
def test_exactly_parallel_columns_converge(dtype, shape, method):
    # A matrix of ones: every rotation of two (numerically) parallel columns
    # leaves a residue that is parallel again, which the relative test used
    # to chase into underflow ("SVD did not converge"); the residue is now
    # recognised as rounding noise (Jacobi: _drop_if_noise; pivoted QR:
    # geqp3_rows).  Oracle: the exact singular values sqrt(m n), 0, ...
    from jitla.linalg import svd

    a = np.ones(shape, dtype=dtype)
    U, S, Vh = svd(a, full_matrices=False, method=method)
    k = min(shape)
    exact = np.zeros(k)
    exact[0] = math.sqrt(shape[0] * shape[1])
    tol = 10 * max(shape) * eps(dtype)  # backward stable: absolute, relative to sigma_max
    np.testing.assert_allclose(S, exact, rtol=0, atol=tol * exact[0])
    np.testing.assert_allclose((U * S) @ Vh, a, rtol=0, atol=tol * exact[0])
    np.testing.assert_allclose(U.T @ U, np.eye(k), rtol=0, atol=tol)
    np.testing.assert_allclose(Vh @ Vh.T, np.eye(k), rtol=0, atol=tol)
