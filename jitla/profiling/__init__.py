"""Comparing kernels and profiling cache effects.

* :mod:`~jitla.profiling.timing`: one kernel against numpy/OpenBLAS, in the
  same process, alternating, threads pinned alike (see benchmarks/README.md).
* :mod:`~jitla.profiling.sweeps`: GEMM sweeps over size, thread count and
  block size; the cache-cliff sweep and working-set boundaries.
* :mod:`~jitla.profiling.cachegrind`: simulated D1/LL misses per call.
* :mod:`~jitla.profiling.asm`: packed-FMA counts and the hottest loop.
* :mod:`~jitla.profiling.plots`: PNGs of the sweeps (needs matplotlib).

Importing this package imports neither Numba nor matplotlib; nothing in it
prints (the ``jitla`` command, :mod:`jitla.cli`, does).
"""

from jitla.profiling.asm import VectorReport, vector_report
from jitla.profiling.cachegrind import (
    CachegrindReport,
    CachegrindResult,
    cache_geometry,
    cachegrind_gemm,
    cachegrind_report,
    parse_cachegrind_out,
    parse_cachegrind_summary,
)
from jitla.profiling.sweeps import (
    NAIVE_MAX_N,
    BlockSweep,
    Boundary,
    CliffResult,
    SweepRow,
    block_size_sweep,
    cache_cliff_sweep,
    cliff_sizes,
    gemm_sweep,
    working_set_boundaries,
)
from jitla.profiling.timing import (
    BatchedMeasurement,
    GemmMeasurement,
    Timing,
    measure_batched,
    measure_gemm,
    time_pair,
)

__all__ = [
    "NAIVE_MAX_N",
    "BatchedMeasurement",
    "BlockSweep",
    "Boundary",
    "CachegrindReport",
    "CachegrindResult",
    "CliffResult",
    "GemmMeasurement",
    "SweepRow",
    "Timing",
    "VectorReport",
    "block_size_sweep",
    "cache_cliff_sweep",
    "cache_geometry",
    "cachegrind_gemm",
    "cachegrind_report",
    "cliff_sizes",
    "gemm_sweep",
    "measure_batched",
    "measure_gemm",
    "parse_cachegrind_out",
    "parse_cachegrind_summary",
    "time_pair",
    "vector_report",
    "working_set_boundaries",
]
