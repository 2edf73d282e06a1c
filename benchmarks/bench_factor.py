"""LU, Cholesky and batched small solves against LAPACK (OpenBLAS) in the same test.

* LU: each registered ``lu`` variant (unblocked only at small n) against
  ``scipy.linalg.lu_factor`` (``dgetrf``), GFLOP/s with the nominal 2n^3/3.
* Cholesky: each ``cholesky`` variant against ``scipy.linalg.cholesky``
  (``dpotrf``) and ``numpy.linalg.cholesky``; the ratio is to the faster
  of the two; GFLOP/s with n^3/3.
* ``jitla.linalg.solve`` on stacks of 100,000 4x4 and 8x8 systems against
  ``numpy.linalg.solve``.

Serial variants run on one thread against a one-thread BLAS; parallel ones
on ``--jitla-threads`` (default: Numba's pool) against a BLAS with as many.
Both sides include the copy of the input (LAPACK's wrappers copy too).
Ratios come from :func:`jitla.profiling.timing.time_pair` (alternating,
best of N); ``benchmark`` itself times the jitla side for the table.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from jitla import threads as limit_threads
from jitla.kernels import get_kernel, variants
from jitla.linalg import solve
from jitla.linalg._dispatch import kernel_extras
from jitla.profiling.timing import SPIN_PAUSE, time_pair

SIZES = (512, 2048)
UNBLOCKED_MAX_N = 512
BATCH = 100_000


def _cases(op):
    return [
        pytest.param(variant, n, id=f"{variant}-{n}")
        for variant in variants(op)
        for n in SIZES
        if not (variant == "unblocked" and n > UNBLOCKED_MAX_N)
    ]


def _spd(n, rng):
    X = rng.standard_normal((n, n))
    return X @ X.T + n * np.eye(n)


@pytest.mark.parametrize(("variant", "n"), _cases("lu"))
def test_lu(benchmark, bench_threads, ratio_repeat, variant, n):
    info = get_kernel("lu", variant)
    nthreads = bench_threads if info.parallel else 1
    A = np.random.default_rng(0).standard_normal((n, n))
    piv = np.zeros(n, np.int32)
    with limit_threads(nthreads):
        extra = kernel_extras(info, A.dtype, nthreads=nthreads)

        def ours():
            return info.func(A.copy(), piv, *extra)

        def lapack():
            return scipy.linalg.lu_factor(A, check_finite=False)

        timing = time_pair(ours, lapack, repeat=ratio_repeat, pause=SPIN_PAUSE if nthreads > 1 else 0.0)
        W = A.copy()
        info.func(W, piv, *extra)
        lu_ref, piv_ref = scipy.linalg.lu_factor(A)
        flops = info.flops(n)
        benchmark.group = f"lu float64 n={n}"
        benchmark.extra_info.update(
            variant=variant,
            n=n,
            dtype="float64",
            threads=nthreads,
            nb=extra[1] if len(extra) > 1 else None,
            gflops=flops / timing.best / 1e9,
            lapack_gflops=flops / timing.ref_best / 1e9,
            ratio_vs_lapack=timing.ratio,
            same_pivots=bool((piv == piv_ref).all()),
            max_diff_vs_lapack=float(np.abs(W - lu_ref).max()),
        )
        benchmark.pedantic(ours, rounds=3 if n <= 512 else 2, iterations=1, warmup_rounds=0)
    assert (piv == piv_ref).all()


@pytest.mark.parametrize(("variant", "n"), _cases("cholesky"))
def test_cholesky(benchmark, bench_threads, ratio_repeat, variant, n):
    info = get_kernel("cholesky", variant)
    nthreads = bench_threads if info.parallel else 1
    S = _spd(n, np.random.default_rng(0))
    with limit_threads(nthreads):
        extra = kernel_extras(info, S.dtype, nthreads=nthreads)

        def ours():
            return info.func(S.copy(), *extra)

        def potrf():
            return scipy.linalg.cholesky(S, check_finite=False)

        def numpy_cholesky():
            return np.linalg.cholesky(S)

        pause = SPIN_PAUSE if nthreads > 1 else 0.0
        vs_scipy = time_pair(ours, potrf, repeat=ratio_repeat, pause=pause)
        vs_numpy = time_pair(ours, numpy_cholesky, repeat=ratio_repeat, pause=pause)
        W = S.copy()
        assert info.func(W, *extra) == 0
        flops = info.flops(n)
        best = min(vs_scipy.best, vs_numpy.best)
        lapack_best = min(vs_scipy.ref_best, vs_numpy.ref_best)
        benchmark.group = f"cholesky float64 n={n}"
        benchmark.extra_info.update(
            variant=variant,
            n=n,
            dtype="float64",
            threads=nthreads,
            gflops=flops / best / 1e9,
            scipy_gflops=flops / vs_scipy.ref_best / 1e9,
            numpy_gflops=flops / vs_numpy.ref_best / 1e9,
            ratio_vs_lapack=lapack_best / best,
            ratio_vs_scipy=vs_scipy.ratio,
            ratio_vs_numpy=vs_numpy.ratio,
            max_diff_vs_lapack=float(np.abs(np.triu(W) - scipy.linalg.cholesky(S)).max()),
        )
        benchmark.pedantic(ours, rounds=3 if n <= 512 else 2, iterations=1, warmup_rounds=0)


@pytest.mark.parametrize("size", [4, 8], ids=lambda s: f"{s}x{s}")
def test_batched_solve(benchmark, ratio_repeat, size):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((BATCH, size, size))
    b = rng.standard_normal((BATCH, size, 1))
    with limit_threads(1):
        timing = time_pair(lambda: solve(A, b), lambda: np.linalg.solve(A, b), repeat=ratio_repeat)
        x = solve(A, b)
        ref = np.linalg.solve(A, b)
        benchmark.group = f"solve {BATCH} x {size}x{size}, 1 thread"
        benchmark.extra_info.update(
            batch=BATCH,
            size=size,
            threads=1,
            jitla_s=timing.best,
            numpy_s=timing.ref_best,
            speedup_vs_numpy=timing.ratio,
            median_speedup_vs_numpy=timing.ref_median / timing.median,
        )
        benchmark(solve, A, b)
    # random 8x8 systems: a few have cond ~1e6; compare residuals, not solutions
    residual = np.abs(A @ x - b).max() / np.abs(b).max()
    assert residual < 1e-8
    assert np.abs(A @ ref - b).max() / np.abs(b).max() < 1e-8
