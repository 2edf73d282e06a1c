"""Stacks of 100,000 small products (3x3, 4x4): ``jitla.matmul`` vs ``numpy.matmul``.

numpy dispatches a BLAS-less inner loop per matrix; jitla runs the whole
stack in one compiled loop.  Both implementations are benchmarked (same
group, so pytest-benchmark's table compares them), and the jitla case's
``extra_info`` holds the ratio measured alternately in the same test.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from jitla import threads as limit_threads
from jitla.linalg import matmul
from jitla.profiling.timing import measure_batched

BATCH = 100_000
THREADS = sorted({1, numba.config.NUMBA_NUM_THREADS})


@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"{t}thr")
@pytest.mark.parametrize("size", [3, 4], ids=lambda s: f"{s}x{s}")
@pytest.mark.parametrize("impl", ["jitla", "numpy"])
def test_batched(benchmark, ratio_repeat, impl, size, threads):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((BATCH, size, size))
    B = rng.standard_normal((BATCH, size, size))
    func = matmul if impl == "jitla" else np.matmul
    benchmark.group = f"batched {BATCH} x {size}x{size}, {threads} thread(s)"
    if impl == "jitla":
        reference = measure_batched(size, BATCH, threads=threads, repeat=ratio_repeat)
        benchmark.extra_info.update(
            kernel=reference.kernel,
            speedup_vs_numpy=reference.ratio,
            jitla_s=reference.jitla_s,
            numpy_s=reference.numpy_s,
            max_error=reference.max_error,
        )
        assert reference.max_error < 1e-12
    with limit_threads(threads):
        func(A, B)  # compile (or load from cache) outside the timing
        result = benchmark(func, A, B)
    assert result.shape == (BATCH, size, size)
