"""Every registered GEMM-family kernel against tests/naive.py and numpy.

Kernels are called directly, with C-contiguous writeable arrays, an alpha of
the arrays' own dtype, block sizes as a tuple of Python ints and a thread
count as a Python int: exactly the signatures the API compiles, so these
tests add no extra compilations.

The variants are read from ``jitla.kernels.registry`` and their extra
arguments filled in by name (``info.extra_args``), so a new variant is tested
as soon as it is registered.

Kernel contract under test (``jitla.kernels.gemm``):
``C += alpha * A @ B`` (C is not zeroed), ``y += alpha * A @ x``,
``y += alpha * A.T @ x``, ``dot(x, y) = x @ y``,
``C[b] = A[ia[b]] @ B[ib[b]]`` (batched; C overwritten).
"""

from __future__ import annotations

import functools

import naive
import numba
import numpy as np
import pytest
from helpers import FLOAT_DTYPES, assert_product_close, random_int_matrix, random_matrix

import jitla
from jitla import config
from jitla._threads import threads
from jitla.kernels import registry

MR = config.MR
GEMM = registry("gemm")
KNOWN_EXTRA_ARGS = {"blocks", "nthreads"}

#: Block tuples (MC, KC, NC) small enough that the matrices below cross
#: several block edges; "odd" has MC and NC that are not multiples of MR/NR
#: (the kernels must still be right, only slower).  "default" is the
#: cache-derived setting of config.default_gemm_blocks.
BLOCKS = {
    "small": (12, 16, 40),
    "mid": (18, 24, 96),
    "odd": (7, 5, 33),
    "default": None,
}

#: (m, k, n): empty and 1 x 1, primes, exact tiles and tiles + 1 (MR = 6,
#: NR = 32 float64 / 64 float32), block sizes and block sizes + 1, tall,
#: wide and deep.
SHAPES = [
    (0, 0, 0),
    (0, 4, 3),
    (4, 0, 3),
    (4, 3, 0),
    (1, 1, 1),
    (1, 9, 1),
    (2, 1, 3),
    (13, 17, 19),
    (6, 32, 32),
    (7, 33, 65),
    (12, 16, 40),
    (13, 17, 41),
    (61, 67, 71),
    (97, 31, 130),
    (150, 7, 5),
    (5, 7, 150),
    (5, 150, 7),
]

ALPHA = -1.5  # exact in both dtypes; != 1 so a kernel that ignores alpha fails


def blocks_for(name, dtype) -> tuple[int, int, int]:
    if BLOCKS[name] is None:
        return config.default_gemm_blocks(dtype).as_tuple()
    return BLOCKS[name]


def call_gemm(info, A, B, C, alpha, blocks=(12, 16, 40), nthreads=2) -> None:
    """Call a registered gemm kernel, filling its extra arguments by name."""
    extra = {"blocks": tuple(int(b) for b in blocks), "nthreads": int(nthreads)}
    unknown = set(info.extra_args) - set(extra)
    assert not unknown, f"gemm/{info.variant} wants extra args {unknown} the tests do not know"
    info.func(A, B, C, C.dtype.type(alpha), *[extra[name] for name in info.extra_args])


def variant_block_params():
    """(variant, blocks name) pairs: block sets only for kernels that take blocks."""
    params = []
    for info in GEMM:
        names = list(BLOCKS) if "blocks" in info.extra_args else ["default"]
        params += [pytest.param(info.variant, name, id=f"{info.variant}-{name}") for name in names]
    return params


@functools.cache
def gemm_case(shape, dtype_name):
    """Operands, initial C and the naive reference for one shape (cached across variants)."""
    m, k, n = shape
    dtype = np.dtype(dtype_name)
    rng = np.random.default_rng([m, k, n, dtype.itemsize])
    A = random_matrix(rng, (m, k), dtype)
    B = random_matrix(rng, (k, n), dtype)
    C0 = random_matrix(rng, (m, n), dtype)
    expected = naive.gemm(A, B, C0, ALPHA)
    for array in (A, B, C0, expected):
        array.flags.writeable = False  # shared between tests: kernels get copies
    return A, B, C0, expected


def get(variant):
    return jitla.kernels.get_kernel("gemm", variant)


# --------------------------------------------------------------------------
# registry-driven checks of the GEMM progression
# --------------------------------------------------------------------------
def test_every_gemm_variant_has_known_extra_args():
    assert GEMM, "no gemm kernels registered"
    for info in GEMM:
        assert set(info.extra_args) <= KNOWN_EXTRA_ARGS, info


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("variant, blocks_name", variant_block_params())
def test_gemm_matches_naive_and_numpy(variant, blocks_name, dtype, shape):
    A_ro, B_ro, C0, expected = gemm_case(shape, np.dtype(dtype).name)
    A, B, C = A_ro.copy(), B_ro.copy(), C0.copy()
    call_gemm(get(variant), A, B, C, ALPHA, blocks_for(blocks_name, dtype))
    assert C.dtype == dtype
    # against the fsum reference ...
    assert_product_close(C, expected, A, B, dtype, alpha=ALPHA, C0=C0)
    # ... and against numpy in float64
    A64, B64 = A.astype(np.float64), B.astype(np.float64)
    assert_product_close(C, C0 + ALPHA * (A64 @ B64), A, B, dtype, alpha=ALPHA, C0=C0)
    # the kernel wrote neither operand
    np.testing.assert_array_equal(A, A_ro)
    np.testing.assert_array_equal(B, B_ro)


@pytest.mark.parametrize("shape", [(7, 33, 65), (61, 67, 71), (150, 7, 5), (5, 150, 7)], ids=str)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("variant, blocks_name", variant_block_params())
def test_gemm_exact_on_integer_data(variant, blocks_name, dtype, shape):
    # Small integers (and alpha = -1.5) make every product and partial sum
    # exact in float32 and float64, whatever the summation order: every
    # variant must then reproduce the exact answer bit for bit.
    m, k, n = shape
    rng = np.random.default_rng([m, k, n, 99])
    A = random_int_matrix(rng, (m, k), dtype)
    B = random_int_matrix(rng, (k, n), dtype)
    C = random_int_matrix(rng, (m, n), dtype)
    expected = naive.gemm(A, B, C, ALPHA)
    call_gemm(get(variant), A, B, C, ALPHA, blocks_for(blocks_name, dtype))
    np.testing.assert_array_equal(C, expected.astype(dtype))


@pytest.mark.parametrize("alpha", [0.0, 1.0, 2.5, -0.1])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("variant", [info.variant for info in GEMM])
def test_gemm_alpha_and_accumulation(variant, dtype, alpha, rng):
    m, k, n = 14, 19, 37
    A = random_matrix(rng, (m, k), dtype)
    B = random_matrix(rng, (k, n), dtype)
    C0 = random_matrix(rng, (m, n), dtype)
    C = C0.copy()
    call_gemm(get(variant), A, B, C, alpha, BLOCKS["small"])
    if alpha == 0.0:
        np.testing.assert_array_equal(C, C0)  # C += 0 * A @ B leaves C alone
    else:
        a = float(dtype(alpha))  # the alpha the kernel actually saw
        assert_product_close(C, naive.gemm(A, B, C0, a), A, B, dtype, alpha=a, C0=C0)
    # Calling again adds the product a second time: C is accumulated into, never zeroed.
    C1 = C.copy()
    call_gemm(get(variant), A, B, C, 1.0, BLOCKS["small"])
    assert_product_close(C, naive.gemm(A, B, C1, 1.0), A, B, dtype, C0=C1)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("variant, blocks_name", variant_block_params())
def test_gemm_nan_inf_propagate_like_numpy(variant, blocks_name, dtype, rng):
    m, k, n = 13, 11, 70
    A = rng.uniform(0.5, 1.0, (m, k)).astype(dtype)  # positive: no inf - inf, no inf * 0
    B = rng.uniform(0.5, 1.0, (k, n)).astype(dtype)
    A[2, 3] = np.nan
    B[1, 4] = np.inf
    C = np.zeros((m, n), dtype)
    C[5, 6] = np.nan
    expected = C + A.astype(np.float64) @ B.astype(np.float64)
    call_gemm(get(variant), A, B, C, 1.0, blocks_for(blocks_name, dtype))
    np.testing.assert_array_equal(np.isnan(C), np.isnan(expected))
    np.testing.assert_array_equal(np.isposinf(C), np.isposinf(expected))
    assert np.isnan(C[2]).all() and np.isnan(C[5, 6])
    assert np.isposinf(np.delete(C[:, 4], [2])).all()
    finite = np.isfinite(expected)
    assert np.isfinite(C[finite]).all()


# --------------------------------------------------------------------------
# the parallel kernel: bitwise identical for any thread count
# --------------------------------------------------------------------------
PARALLEL = [info for info in GEMM if info.parallel]


def test_thread_grid_least_perimeter_and_rows_on_a_tie():
    from jitla.kernels.gemm import thread_grid

    NR = 32
    assert thread_grid(2048, 2048, 2, NR) == (2, 1)  # square: a tie, rows win (devlog 089)
    assert thread_grid(2048, 2048, 4, NR) == (2, 2)
    assert thread_grid(2048, 2048, 1, NR) == (1, 1)
    assert thread_grid(4000, 500, 2, NR) == (2, 1)  # tall: rows
    assert thread_grid(500, 4000, 2, NR) == (1, 2)  # wide: columns
    assert thread_grid(1900, 2048, 2, NR) == (1, 2)  # no tie: the smaller perimeter
    assert thread_grid(3, 4000, 2, NR) == (1, 2)  # one row panel: rows cannot split


def test_progression_has_a_parallel_variant():
    assert [info.variant for info in PARALLEL] == ["parallel"]
    assert "nthreads" in PARALLEL[0].extra_args


@pytest.mark.parametrize("shape", [(1, 3, 2), (6, 5, 7), (61, 45, 70), (100, 37, 129), (96, 40, 96)], ids=str)
@pytest.mark.parametrize("blocks_name", ["small", "odd", "default"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_parallel_bitwise_identical_for_any_nthreads(dtype, blocks_name, shape, rng):
    m, k, n = shape
    A = random_matrix(rng, (m, k), dtype)
    B = random_matrix(rng, (k, n), dtype)
    C0 = random_matrix(rng, (m, n), dtype)
    blocks = blocks_for(blocks_name, dtype)
    results = {}
    for nthreads in (1, 2, 3, 4, 7):  # more parts than pool threads is allowed
        C = C0.copy()
        call_gemm(PARALLEL[0], A, B, C, ALPHA, blocks, nthreads)
        results[nthreads] = C
    for nthreads, C in results.items():
        np.testing.assert_array_equal(C, results[1], err_msg=f"nthreads={nthreads}")
    # and it is the packed kernel's answer (to rounding; the same blocks)
    packed = C0.copy()
    call_gemm(get("packed"), A, B, packed, ALPHA, blocks)
    assert_product_close(results[1], packed, A, B, dtype, alpha=ALPHA, C0=C0)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_parallel_matmul_bitwise_identical_across_pool_sizes(dtype, rng, restore_threads):
    # Through the API: nthreads comes from the pool size, set by
    # jitla.threads(n) or by numba.set_num_threads(n) directly.
    A = random_matrix(rng, (67, 53), dtype)
    B = random_matrix(rng, (53, 75), dtype)
    counts = range(1, numba.config.NUMBA_NUM_THREADS + 1)
    results = []
    for n in counts:
        with threads(n):
            assert numba.get_num_threads() == n
            results.append(jitla.matmul(A, B, kernel="parallel"))
        numba.set_num_threads(n)
        results.append(jitla.matmul(A, B, kernel="parallel"))
    for C in results:
        np.testing.assert_array_equal(C, results[0])
    assert_product_close(results[0], naive.matmul_2d(A, B), A, B, dtype)


# --------------------------------------------------------------------------
# gemm_batched: stacks of small products with broadcasting index maps
# --------------------------------------------------------------------------
BATCHED = registry("gemm_batched")


def _maps(*pairs):
    return tuple(np.asarray(p, dtype=np.int64) for p in pairs)


#: name -> (ba, bb, m, k, n, ia, ib)
BATCHED_CASES = {
    "same-3x3": (4, 4, 3, 3, 3, *_maps(range(4), range(4))),
    "same-2x2": (3, 3, 2, 2, 2, *_maps(range(3), range(3))),
    "broadcast-A-4x4": (1, 5, 4, 4, 4, *_maps([0] * 5, range(5))),
    "broadcast-B-rect": (5, 1, 2, 3, 4, *_maps(range(5), [0] * 5)),
    "outer": (2, 3, 3, 2, 3, *_maps([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2])),
    "shuffled-repeats": (3, 4, 5, 6, 7, *_maps([2, 0, 2, 1, 1, 0, 2], [3, 3, 0, 1, 2, 0, 1])),
    "wide-n": (2, 2, 3, 4, 17, *_maps([0, 1, 1], [1, 0, 1])),
    "1x1": (3, 3, 1, 1, 1, *_maps(range(3), range(3))),
    "empty-batch": (2, 2, 3, 3, 3, *_maps([], [])),
    "k=0": (3, 3, 2, 0, 4, *_maps(range(3), range(3))),
    "m=0": (2, 2, 0, 3, 4, *_maps(range(2), range(2))),
    "n=0": (2, 2, 3, 4, 0, *_maps(range(2), range(2))),
}


def call_batched(variant, A, B, C, ia, ib, nthreads=2) -> None:
    """Call a registered gemm_batched kernel, filling its extra arguments by name."""
    info = jitla.kernels.get_kernel("gemm_batched", variant)
    extra = {"nthreads": int(nthreads)}
    unknown = set(info.extra_args) - set(extra)
    assert not unknown, f"gemm_batched/{variant} wants extra args {unknown} the tests do not know"
    info.func(A, B, C, ia, ib, *[extra[name] for name in info.extra_args])


def test_batched_registry():
    assert [(k.variant, k.parallel) for k in BATCHED] == [("serial", False), ("parallel", True)]


@pytest.mark.parametrize("case", list(BATCHED_CASES))
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("variant", [k.variant for k in BATCHED])
def test_gemm_batched(variant, dtype, case, rng):
    ba, bb, m, k, n, ia, ib = BATCHED_CASES[case]
    A = random_matrix(rng, (ba, m, k), dtype)
    B = random_matrix(rng, (bb, k, n), dtype)
    C = np.full((len(ia), m, n), np.nan, dtype)  # overwritten, not accumulated
    A_before, B_before = A.copy(), B.copy()
    call_batched(variant, A, B, C, ia, ib)
    expected = np.empty(C.shape)
    for b in range(len(ia)):
        expected[b] = naive.matmul_2d(A[ia[b]], B[ib[b]])
    assert not np.isnan(C).any()
    assert_product_close(C, expected, A[ia], B[ib], dtype)
    assert_product_close(
        C, np.matmul(A[ia].astype(np.float64), B[ib].astype(np.float64)), A[ia], B[ib], dtype
    )
    np.testing.assert_array_equal(A, A_before)
    np.testing.assert_array_equal(B, B_before)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_gemm_batched_parallel_matches_serial(dtype, rng, restore_threads):
    ia = rng.integers(0, 6, 200).astype(np.int64)
    ib = rng.integers(0, 9, 200).astype(np.int64)
    A = random_matrix(rng, (6, 4, 5), dtype)
    B = random_matrix(rng, (9, 5, 3), dtype)
    serial = np.empty((200, 4, 3), dtype)
    call_batched("serial", A, B, serial, ia, ib)
    results = []
    for n in range(1, numba.config.NUMBA_NUM_THREADS + 1):
        numba.set_num_threads(n)
        for nthreads in sorted({1, n, 3, 7}):  # parts may outnumber pool threads
            par = np.empty_like(serial)
            call_batched("parallel", A, B, par, ia, ib, nthreads)
            assert_product_close(par, serial, A[ia], B[ib], dtype, c=1.0)
            results.append(par)
    for par in results:  # independent outputs: scheduling cannot change a bit
        np.testing.assert_array_equal(par, results[0])


# --------------------------------------------------------------------------
# gemv, gemv_t, dot
# --------------------------------------------------------------------------
#: (m, n) around the dot kernel's width (16 float64 / 32 float32 partial sums)
GEMV_SHAPES = [
    (0, 0),
    (0, 5),
    (5, 0),
    (1, 1),
    (3, 15),
    (3, 16),
    (3, 17),
    (7, 33),
    (5, 64),
    (4, 65),
    (40, 100),
    (100, 37),
]


@pytest.mark.parametrize("shape", GEMV_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_gemv(dtype, shape, rng):
    m, n = shape
    A = random_matrix(rng, (m, n), dtype)
    x = random_matrix(rng, (n,), dtype)
    y0 = random_matrix(rng, (m,), dtype)
    y = y0.copy()
    jitla.kernels.get_kernel("gemv", "serial").func(A, x, y, dtype(ALPHA))
    expected = naive.gemv(A, x, y0, ALPHA)
    assert_product_close(y, expected, A, x, dtype, alpha=ALPHA, C0=y0)
    assert_product_close(y, y0 + ALPHA * (A.astype(np.float64) @ x), A, x, dtype, alpha=ALPHA, C0=y0)


@pytest.mark.parametrize("shape", GEMV_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_gemv_t(dtype, shape, rng):
    m, n = shape
    A = random_matrix(rng, (m, n), dtype)
    x = random_matrix(rng, (m,), dtype)
    y0 = random_matrix(rng, (n,), dtype)
    y = y0.copy()
    jitla.kernels.get_kernel("gemv_t", "serial").func(A, x, y, dtype(ALPHA))
    expected = naive.gemv_t(A, x, y0, ALPHA)
    assert_product_close(y, expected, A.T, x, dtype, alpha=ALPHA, C0=y0)
    assert_product_close(y, y0 + ALPHA * (A.T.astype(np.float64) @ x), A.T, x, dtype, alpha=ALPHA, C0=y0)


@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_dot(dtype, n, rng):
    x = random_matrix(rng, (n,), dtype)
    y = random_matrix(rng, (n,), dtype)
    got = jitla.kernels.get_kernel("dot", "serial").func(x, y)
    assert_product_close(got, naive.dot(x, y), x, y, dtype)
    assert_product_close(got, x.astype(np.float64) @ y, x, y, dtype)
    # exact on integer data
    xi = random_int_matrix(rng, (n,), dtype)
    yi = random_int_matrix(rng, (n,), dtype)
    assert jitla.kernels.get_kernel("dot", "serial").func(xi, yi) == naive.dot(xi, yi)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_dot_gemv_nan_inf(dtype):
    x = np.ones(40, dtype)
    y = np.ones(40, dtype)
    x[37] = np.nan  # in the scalar tail for both dtypes' widths
    dot = jitla.kernels.get_kernel("dot", "serial").func
    assert np.isnan(dot(x, y))
    x[37] = np.inf
    assert dot(x, y) == np.inf
    x[3] = -np.inf  # inf - inf
    assert np.isnan(dot(x, y))
    A = np.ones((3, 40), dtype)
    A[1, 5] = np.nan
    yv = np.zeros(3, dtype)
    jitla.kernels.get_kernel("gemv", "serial").func(A, np.ones(40, dtype), yv, dtype(1))
    np.testing.assert_array_equal(np.isnan(yv), [False, True, False])
    yt = np.zeros(40, dtype)
    jitla.kernels.get_kernel("gemv_t", "serial").func(A, np.ones(3, dtype), yt, dtype(1))
    np.testing.assert_array_equal(np.isnan(yt), np.arange(40) == 5)


# --------------------------------------------------------------------------
# gemm_small: matmul's kernel for one small product (C overwritten)
# --------------------------------------------------------------------------
#: (m, k, n) below, at and past one tile in each direction (main strips two
#: vectors wide: 16 float64 / 32 float32 columns in 8-row tiles with AVX-512, 8 / 16
#: in 4-row tiles with AVX2, then R/2-row tiles; narrower than a main strip, one-chunk
#: strips; then strips of 4 / 8 columns), so that the tiles taller than A, the
#: overlapping edge tiles, the half-width strips (n = 5, 12, 20, 24), a main strip
#: moved back over its neighbour (n = 27 and 45 in float64, 45 in float32) and the
#: dot-product path for n < 4 / 8 are all taken.
SMALL_SHAPES = [
    (1, 1, 1),
    (3, 3, 3),
    (4, 5, 8),
    (5, 3, 9),
    (10, 10, 10),
    (3, 7, 17),
    (13, 7, 33),
    (9, 1, 16),
    (6, 4, 5),
    (12, 3, 12),
    (2, 9, 24),
    (17, 3, 20),
    (21, 6, 27),
    (9, 5, 45),
    (19, 4, 11),  # a narrow strip of 8-row tiles, the last moved back (devlog 080)
]


def _views(A):
    """The same matrix as C, F, a strided view and a read-only array."""
    big = np.zeros((2 * A.shape[0], 3 * A.shape[1]), A.dtype)
    big[::2, ::3] = A
    ro = A.copy()
    ro.flags.writeable = False
    return [np.ascontiguousarray(A), np.asfortranarray(A), big[::2, ::3], ro]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_gemm_small_matches_naive_in_every_layout(dtype):
    from jitla.kernels.gemm import gemm_small, gemm_small_entry

    entry = gemm_small_entry(dtype)
    for m, k, n in SMALL_SHAPES:
        rng = np.random.default_rng([m, k, n])
        A0 = random_matrix(rng, (m, k), dtype)
        B0 = random_matrix(rng, (k, n), dtype)
        expected = naive.matmul_2d(A0, B0)
        C = np.full((m, n), np.nan, dtype)
        gemm_small(A0, B0, C)  # the registered dispatcher, C-ordered operands
        assert_product_close(C, expected, A0, B0, dtype)
        for A in _views(A0):
            for B in _views(B0):
                C_any = np.full((m, n), np.nan, dtype)
                entry(A, B, C_any)  # the any-layout compilation, called at its entry point
                np.testing.assert_array_equal(C_any, C)  # same sums in the same order
                np.testing.assert_array_equal(A, A0)
                np.testing.assert_array_equal(B, B0)


#: gemm_small_contiguous's shapes (m, k, n): square edge sizes, and the widened last strip
#: (AVX2 / AVX-512: n >= W + H with at most H columns past the main strips; float64 H = 4,
#: float32 H = 8): n = 20 and 100 take it in float64 (W = 16), 100 and 40 in float32
#: (W = 32), 99 / 101 / 17 / 19 do not; m = 6 / 101 move the last 4-row tile back.
CONTIGUOUS_SHAPES = [(n, n, n) for n in (1, 2, 7, 10, 99, 100, 101)] + [
    (6, 3, 20),
    (101, 5, 40),
    (13, 9, 17),
    (3, 4, 19),
    (1, 2, 36),
]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_gemm_small_contiguous_matches_gemm_small_and_turns_down_other_layouts(dtype):
    """matmul's small kernel (devlog 098): gemm_small's sums bit for bit (the widened last
    strip included), close to the naive product; F-ordered or strided operands copied to
    the stack up to 16 KiB, above that False and C untouched; a dimension of length 1 may
    have any stride."""
    from jitla.kernels.gemm import gemm_small, gemm_small_contiguous_entry

    entry = gemm_small_contiguous_entry(dtype)
    for m, k, n in CONTIGUOUS_SHAPES:
        rng = np.random.default_rng([m, k, n, 98])
        A = random_matrix(rng, (m, k), dtype)
        B = random_matrix(rng, (k, n), dtype)
        A0, B0 = A.copy(), B.copy()
        C = np.full((m, n), np.nan, dtype)
        assert entry(A, B, C) is True
        assert_product_close(C, naive.matmul_2d(A, B), A, B, dtype)
        S = np.full((m, n), np.nan, dtype)
        gemm_small(A, B, S)
        np.testing.assert_array_equal(C, S)  # each entry summed over p in the same order
        np.testing.assert_array_equal(A, A0)
        np.testing.assert_array_equal(B, B0)
        space = 16384 // np.dtype(dtype).itemsize  # the kernel's stack buffer for a copy
        for A1, B1 in [(np.asfortranarray(A), B), (A, _views(B)[2]), (_views(A)[2], np.asfortranarray(B))]:
            U = np.full((m, n), np.nan, dtype)
            if all(x.flags.c_contiguous or x.size <= space for x in (A1, B1)):
                assert entry(A1, B1, U) is True  # copied to the stack
                np.testing.assert_array_equal(U, S)
            else:
                assert entry(A1, B1, U) is False
                assert np.isnan(U).all()
            np.testing.assert_array_equal(A1, A0)
            np.testing.assert_array_equal(B1, B0)
    # dimensions of length 1 with any stride: C-contiguous for numpy and for the kernel, which
    # takes them in place (over 16 KiB: a copy would be refused)
    rng = np.random.default_rng(98)
    big = random_matrix(rng, (3, 5100), dtype)
    x = random_matrix(rng, (5000,), dtype)
    column = np.lib.stride_tricks.as_strided(x, (5000, 1), (x.itemsize, 9000 * x.itemsize))
    cases = [
        (big[1:2, :5000], random_matrix(rng, (5000, 3), dtype)),  # a row of A: (1, k)
        (random_matrix(rng, (5, 1), dtype), big[2:3, :5000]),  # a row of B: (1, n), k = 1
        (random_matrix(rng, (3, 5000), dtype), column),  # a column B: (k, 1)
    ]
    for A, B in cases:
        assert A.flags.c_contiguous and B.flags.c_contiguous and max(A.size, B.size) > space
        C = np.full((A.shape[0], B.shape[1]), np.nan, dtype)
        assert entry(A, B, C) is True
        assert_product_close(C, naive.matmul_2d(A, B), A, B, dtype)
    # and a column of a larger array (stride 5100 elements down its rows) is not
    A = big[:, 5:6]
    assert not A.flags.c_contiguous
    C = np.full((3, 5000), np.nan, dtype)
    assert entry(A, big[2:3, :5000], C) is True  # copied: 3 elements
    assert_product_close(C, naive.matmul_2d(A, big[2:3, :5000]), A, big[2:3, :5000], dtype)


def test_gemm_two_tiles_matches_naive_and_gemm_small():
    """The divide-and-conquer products' kernel: two of gemm_small's tile shapes, same sums.

    SMALL_SHAPES plus a main strip followed by half-chunk strips (n = 50), a
    main strip moved back (n = 37) and tiles moved up over taller A (m = 100),
    float64 only (the SVD tests run the float32 compilation).
    """
    from jitla.kernels.gemm import gemm_small, gemm_two_tiles

    for m, k, n in SMALL_SHAPES + [(100, 7, 50), (41, 5, 37), (100, 3, 99)]:
        rng = np.random.default_rng([m, k, n])
        A = random_matrix(rng, (m, k))
        B = random_matrix(rng, (k, n))
        A0, B0 = A.copy(), B.copy()
        C = np.full((m, n), np.nan)
        gemm_two_tiles(A, B, C)
        assert_product_close(C, naive.matmul_2d(A, B), A, B, np.float64)
        assert_product_close(C, A @ B, A, B, np.float64)
        S = np.full((m, n), np.nan)
        gemm_small(A, B, S)
        np.testing.assert_array_equal(C, S)  # each entry summed over p in the same order
        np.testing.assert_array_equal(A, A0)
        np.testing.assert_array_equal(B, B0)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_gemm_small_exact_on_integer_data_and_equal_to_reordered(dtype):
    rng = np.random.default_rng(7)
    for m, k, n in [(10, 10, 10), (13, 7, 33), (47, 47, 47)]:
        A = random_int_matrix(rng, (m, k), dtype)
        B = random_int_matrix(rng, (k, n), dtype)
        C = np.empty((m, n), dtype)
        jitla.kernels.get_kernel("gemm_small", "tiles").func(A, B, C)
        np.testing.assert_array_equal(C, naive.gemm(A, B, np.zeros((m, n)), 1.0).astype(dtype))
        R = np.zeros((m, n), dtype)
        get("reordered").func(A, B, R, np.dtype(dtype).type(1))
        np.testing.assert_array_equal(C, R)  # summed over p in the same order


def test_matmul_compiles_one_small_kernel_per_dtype_whatever_the_layout():
    """The fast path's any-layout signature takes every 2-D operand: no compilation per layout."""
    from jitla.kernels import gemm

    rng = np.random.default_rng(8)
    for dtype in FLOAT_DTYPES:
        A0 = random_matrix(rng, (5, 6), dtype)
        B0 = random_matrix(rng, (6, 9), dtype)
        for A in _views(A0):
            for B in _views(B0):
                C = jitla.matmul(A, B)
                assert C.dtype == dtype and C.flags.c_contiguous
                assert_product_close(C, A0.astype(np.float64) @ B0, A0, B0, dtype)
    signatures = gemm._any_layout_dispatchers["gemm_small"].signatures
    assert len(signatures) == len(FLOAT_DTYPES), signatures
    assert all(sig[0].layout == "A" and not sig[0].mutable for sig in signatures)


def test_packed_gemm_compiles_one_body_for_every_layout():
    """The out-of-line GEMM body takes A, B and C as layout "A": one entry for all layouts.

    C-order, F-order (rows strided: the packing's and the micro-kernel's
    strided branches), strided views and read-only operands, each checked
    against numpy; every call shares one entry per dtype.
    """
    from jitla import _jit
    from jitla.kernels import gemm

    rng = np.random.default_rng(9)
    m, k, n = 37, 29, 45  # edge tiles in both directions
    for dtype in FLOAT_DTYPES:
        blocks = config.gemm_blocks(dtype).as_tuple()
        A0 = random_matrix(rng, (m, k), dtype)
        B0 = random_matrix(rng, (k, n), dtype)
        C0 = random_matrix(rng, (m, n), dtype)
        alpha = np.dtype(dtype).type(0.5)
        expected = C0.astype(np.float64) + 0.5 * (A0.astype(np.float64) @ B0.astype(np.float64))
        for A in _views(A0):
            for B in _views(B0):
                for order in ("C", "F", "strided"):
                    C = (
                        np.zeros((2 * m, 3 * n), dtype)[::2, ::3]
                        if order == "strided"
                        else np.empty_like(C0, order=order)
                    )
                    C[...] = C0
                    gemm.gemm_packed(A, B, C, alpha, blocks)
                    assert_product_close(C, expected, A0, B0, dtype, alpha=0.5, C0=C0)
        entries = [
            s
            for s in _jit._slots.values()
            if s.spec[1] == "packed_region" and str(s.spec[2][0].dtype) == np.dtype(dtype).name
        ]
        # one entry: one compilation (or cache load) of the body, its packing and its micro-kernel
        assert len(entries) == 1, [s.spec for s in entries]
