"""GEMM: every registered variant x size x dtype, against OpenBLAS in the same test.

``benchmark`` times the jitla kernel (``C += A @ B``, compiled beforehand);
``extra_info`` holds GFLOP/s, OpenBLAS's GFLOP/s and the ratio, measured by
:func:`jitla.profiling.measure_gemm` in the same test (alternating, best of
N, BLAS pinned to the kernel's thread count), and the max error vs numpy.
The naive kernel runs only at small n (at 1024 one call takes tens of seconds).
"""

from __future__ import annotations

import numpy as np
import pytest

from jitla import threads as limit_threads
from jitla.kernels import get_kernel, variants
from jitla.profiling.timing import gemm_extra_args, measure_gemm

SIZES = (64, 256, 512, 1024)
DTYPES = ("float64", "float32")
NAIVE_MAX_N = 256

CASES = [
    pytest.param(variant, n, dtype, id=f"{variant}-{n}-{dtype}")
    for variant in variants("gemm")
    for n in SIZES
    for dtype in DTYPES
    if not (variant == "naive" and n > NAIVE_MAX_N)
]


@pytest.mark.parametrize(("variant", "n", "dtype"), CASES)
def test_gemm(benchmark, bench_threads, ratio_repeat, variant, n, dtype):
    info = get_kernel("gemm", variant)
    nthreads = bench_threads if info.parallel else 1
    reference = measure_gemm(variant, n, dtype, threads=nthreads, repeat=ratio_repeat)

    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, n)).astype(dtype)
    B = rng.standard_normal((n, n)).astype(dtype)
    C = np.zeros((n, n), dtype)
    alpha = np.dtype(dtype).type(1)
    with limit_threads(nthreads):
        extra = gemm_extra_args(info, dtype, nthreads=nthreads)
        info.func(A, B, C, alpha, *extra)  # compile (or load from cache) outside the timing
        benchmark.group = f"gemm {dtype} n={n}"
        benchmark.extra_info.update(
            variant=variant,
            n=n,
            dtype=dtype,
            threads=nthreads,
            gflops=reference.gflops,
            blas_gflops=reference.blas_gflops,
            ratio_vs_openblas=reference.ratio,
            max_error=reference.max_error,
        )
        benchmark(info.func, A, B, C, alpha, *extra)
    if not benchmark.disabled:
        benchmark.extra_info["gflops_benchmark_min"] = info.flops(n, n, n) / benchmark.stats.stats.min / 1e9
    assert reference.max_error < (1e-12 if dtype == "float64" else 1e-4)
