"""Timing a jitla kernel against numpy/OpenBLAS, the way benchmarks/README.md describes.

Every figure is a ratio measured in one process: the jitla kernel and the
reference run alternately, after a warm-up call that excludes compilation,
and the best (and median) of the repeats is kept.  The reference is numpy's
BLAS with its thread pool pinned (through :func:`jitla.threads`) to the
number of threads the jitla kernel uses: one for serial kernels, the same
count for parallel ones.

Nothing here prints; :mod:`jitla.cli` does.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

__all__ = [
    "Timing",
    "GemmMeasurement",
    "BatchedMeasurement",
    "time_pair",
    "gemm_extra_args",
    "measure_gemm",
    "measure_batched",
]

#: A timed sample shorter than this (seconds) repeats the call in a loop,
#: so that the clock's resolution and call overhead do not dominate.
MIN_SAMPLE_TIME = 2e-3
#: Seconds to wait after each sample when more than one thread is in play.
#: OpenBLAS's worker threads busy-wait for a while after every call (its
#: THREAD_TIMEOUT, 2**28 cycles by default, about 0.1 s here), and libgomp's
#: spin too; a parallel kernel timed while the other pool spins is measuring
#: the contention for the cores, not itself (devlog 001: jitla's parallel GEMM
#: at n=1024 on 2 threads read 47 GFLOP/s alternating with no pause and
#: 96 GFLOP/s with 0.2 s pauses, OpenBLAS 86 and 102).
SPIN_PAUSE = 0.25


@dataclass(frozen=True)
class Timing:
    """Alternating timings of a candidate and a reference (seconds per call).

    Attributes
    ----------
    best, median : float
        Best and median time of the candidate.
    ref_best, ref_median : float
        The same for the reference.
    repeat : int
        Samples taken of each.
    number : int
        Calls per sample (more than one for very short calls).
    """

    best: float
    median: float
    ref_best: float
    ref_median: float
    repeat: int
    number: int

    @property
    def ratio(self) -> float:
        """Speed of the candidate relative to the reference (best times): > 1 is faster."""
        return self.ref_best / self.best


def _one_sample(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def time_pair(
    fn: Callable[[], object],
    ref: Callable[[], object],
    *,
    repeat: int = 5,
    min_sample_time: float = MIN_SAMPLE_TIME,
    pause: float = 0.0,
) -> Timing:
    """Time *fn* and *ref* alternately, after one warm-up call of each.

    Parameters
    ----------
    fn, ref : callable
        Zero-argument callables: the candidate and the reference.
    repeat : int
        Samples of each; the best and the median are reported.
    min_sample_time : float
        Seconds; when a call is faster than this (judged from the first
        sample), that sample is discarded and each sample repeats the call
        ``number`` times so that it takes about this long.
    pause : float
        Seconds to sleep after every sample (and warm-up call) so that the
        other side's thread pool has stopped spinning; each sample then
        starts with one untimed call that wakes its own pool.  Use
        :data:`SPIN_PAUSE` whenever more than one thread is involved.

    Returns
    -------
    Timing

    Notes
    -----
    The warm-up call is never timed, so compilation (or loading from Numba's
    disk cache) is excluded.  Alternating fn, ref, fn, ref, ... spreads any
    slow phase of a shared machine over both.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")

    def sample(f, number):
        if pause:
            # after the pause this side's pool is asleep; one untimed call wakes
            # it, so both sides are timed hot, as in back-to-back use
            f()
        seconds = _one_sample(f, number)
        if pause:
            time.sleep(pause)
        return seconds

    sample(fn, 1)  # warm-up calls, not timed
    sample(ref, 1)
    times, ref_times = [sample(fn, 1)], [sample(ref, 1)]
    fastest = min(times[0], ref_times[0])
    number = 1
    if fastest < min_sample_time:  # too short to time one call at a time: calibrate, start again
        number = math.ceil(min_sample_time / max(fastest, 1e-9))
        times, ref_times = [], []
    while len(times) < repeat:
        times.append(sample(fn, number))
        ref_times.append(sample(ref, number))
    return Timing(
        best=min(times),
        median=statistics.median(times),
        ref_best=min(ref_times),
        ref_median=statistics.median(ref_times),
        repeat=repeat,
        number=number,
    )


@dataclass(frozen=True)
class GemmMeasurement:
    """One GEMM variant against numpy at one size, dtype and thread count.

    Attributes
    ----------
    variant : str
        Registry name of the gemm variant.
    m, n, k : int
        Problem size (``C[m, n] += A[m, k] @ B[k, n]``).
    dtype : str
    threads : int
        Threads used by the jitla kernel and allowed to the BLAS reference.
    gflops, blas_gflops : float
        Nominal GFLOP/s (registry ``flops``, 2mnk) from the best times.
    ratio : float
        ``gflops / blas_gflops``: 1.0 means OpenBLAS speed.
    max_error : float
        ``max |C - C_numpy| / max |C_numpy|`` on the warm-up product.
    best_s, median_s, blas_best_s, blas_median_s : float
        Seconds per call.
    repeat, number : int
        Samples and calls per sample.
    blocks : tuple of int or None
        ``(MC, KC, NC)`` passed to the kernel, if it takes them.
    """

    variant: str
    m: int
    n: int
    k: int
    dtype: str
    threads: int
    gflops: float
    blas_gflops: float
    ratio: float
    max_error: float
    best_s: float
    median_s: float
    blas_best_s: float
    blas_median_s: float
    repeat: int
    number: int
    blocks: tuple[int, int, int] | None = None

    def as_dict(self) -> dict:
        """Return the measurement as a JSON-ready dict."""
        return asdict(self)


def gemm_extra_args(info, dtype, *, blocks=None, nthreads: int = 1) -> tuple:
    """Arguments a registered gemm kernel takes after ``(A, B, C, alpha)``.

    Parameters
    ----------
    info : jitla.kernels.KernelInfo
        The registry entry; its ``extra_args`` names the arguments.
    dtype : dtype
        Used for the default block sizes (:func:`jitla.config.gemm_blocks`).
    blocks : tuple of int, optional
        ``(MC, KC, NC)`` to use instead of the configured ones.
    nthreads : int
        Value for an ``nthreads`` argument (the parallel kernel's partition).

    Returns
    -------
    tuple
    """
    from jitla.linalg._dispatch import kernel_extras

    return kernel_extras(info, dtype, blocks=blocks, nthreads=nthreads)


def _random_operands(shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for shape in shapes]


def _relative_error(C: np.ndarray, R: np.ndarray) -> float:
    scale = float(np.max(np.abs(R))) if R.size else 0.0
    err = float(np.max(np.abs(C.astype(np.float64) - R))) if R.size else 0.0
    return err / scale if scale > 0 else err


def measure_gemm(
    variant: str,
    n: int,
    dtype="float64",
    *,
    threads: int | None = None,
    m: int | None = None,
    k: int | None = None,
    repeat: int = 5,
    blocks=None,
    seed: int = 0,
) -> GemmMeasurement:
    """Time one registered gemm variant against ``numpy.matmul`` (OpenBLAS).

    Parameters
    ----------
    variant : str
        A name from ``jitla.kernels.variants("gemm")``.
    n : int
        Columns of C (and, unless given, rows of C and the inner dimension).
    dtype : str or dtype
        float64 or float32.
    threads : int, optional
        Threads for a parallel kernel (default: the current Numba count).
        Serial kernels always run with one thread, and so does their
        reference; the result records the count used.
    m, k : int, optional
        Rows of C and the inner dimension (default ``n``).
    repeat : int
        Alternating samples of kernel and reference.
    blocks : tuple of int, optional
        ``(MC, KC, NC)`` for kernels that take block sizes (default
        :func:`jitla.config.gemm_blocks`).
    seed : int
        Seed of the standard-normal operands.

    Returns
    -------
    GemmMeasurement

    Raises
    ------
    ValueError
        For an unknown variant, or a thread count outside
        ``1..numba.config.NUMBA_NUM_THREADS``.

    Notes
    -----
    The kernel computes ``C += A @ B`` into a C that is not re-zeroed between
    timed calls (the reference writes ``out=``), so neither side pays for an
    allocation.  The error is taken from the warm-up product, computed into
    a zeroed C, against numpy's product in the same dtype.
    """
    import numba

    from jitla._threads import threads as limit_threads
    from jitla.kernels import get_kernel

    info = get_kernel("gemm", variant)
    dtype = np.dtype(dtype)
    m = n if m is None else m
    k = n if k is None else k
    count = (threads or numba.get_num_threads()) if info.parallel else 1
    A, B = _random_operands([(m, k), (k, n)], dtype, seed)
    C = np.zeros((m, n), dtype)
    R = np.empty((m, n), dtype)
    alpha = dtype.type(1)
    with limit_threads(count):
        extra = gemm_extra_args(info, dtype, blocks=blocks, nthreads=count)
        info.func(A, B, C, alpha, *extra)  # warm-up: compile / load from cache
        np.matmul(A, B, out=R)
        max_error = _relative_error(C, R)
        timing = time_pair(
            lambda: info.func(A, B, C, alpha, *extra),
            lambda: np.matmul(A, B, out=R),
            repeat=repeat,
            pause=SPIN_PAUSE if count > 1 else 0.0,
        )
    flops = info.flops(m, n, k)
    gflops = flops / timing.best / 1e9
    blas_gflops = flops / timing.ref_best / 1e9
    block_tuple = extra[info.extra_args.index("blocks")] if "blocks" in info.extra_args else None
    return GemmMeasurement(
        variant=variant,
        m=m,
        n=n,
        k=k,
        dtype=dtype.name,
        threads=count,
        gflops=gflops,
        blas_gflops=blas_gflops,
        ratio=gflops / blas_gflops,
        max_error=max_error,
        best_s=timing.best,
        median_s=timing.median,
        blas_best_s=timing.ref_best,
        blas_median_s=timing.ref_median,
        repeat=timing.repeat,
        number=timing.number,
        blocks=block_tuple,
    )


@dataclass(frozen=True)
class BatchedMeasurement:
    """``jitla.matmul`` against ``numpy.matmul`` on a stack of small matrices.

    Attributes
    ----------
    batch, size : int
        ``batch`` products of ``size x size`` matrices.
    dtype : str
    threads : int
        Numba and BLAS thread limit during the measurement.
    kernel : str
        What jitla's "auto" policy chose (``op/variant``).
    jitla_s, numpy_s : float
        Best seconds per stack product.
    ratio : float
        ``numpy_s / jitla_s``: > 1 means jitla is faster.
    max_error : float
        ``max |C - C_numpy| / max |C_numpy|``.
    jitla_median_s, numpy_median_s : float
    repeat : int
    """

    batch: int
    size: int
    dtype: str
    threads: int
    kernel: str
    jitla_s: float
    numpy_s: float
    ratio: float
    max_error: float
    jitla_median_s: float
    numpy_median_s: float
    repeat: int

    def as_dict(self) -> dict:
        """Return the measurement as a JSON-ready dict."""
        return asdict(self)


def measure_batched(
    size: int,
    batch: int = 100_000,
    dtype="float64",
    *,
    threads: int = 1,
    repeat: int = 5,
    seed: int = 0,
) -> BatchedMeasurement:
    """Time ``jitla.matmul`` against ``numpy.matmul`` on ``(batch, size, size)`` stacks.

    Parameters
    ----------
    size : int
        Order of each matrix (3 and 4 are the cases numpy handles worst).
    batch : int
        Matrices in the stack.
    dtype : str or dtype
    threads : int
        Limit for Numba and the BLAS (``jitla.threads``); with more than one
        thread jitla's "auto" policy picks the parallel batched kernel.
    repeat : int
    seed : int

    Returns
    -------
    BatchedMeasurement
    """
    from jitla._threads import threads as limit_threads
    from jitla.linalg import matmul, matmul_plan

    dtype = np.dtype(dtype)
    A, B = _random_operands([(batch, size, size), (batch, size, size)], dtype, seed)
    with limit_threads(threads):
        plan = matmul_plan(A, B)
        C = matmul(A, B)
        R = np.matmul(A, B)
        timing = time_pair(
            lambda: matmul(A, B),
            lambda: np.matmul(A, B),
            repeat=repeat,
            pause=SPIN_PAUSE if threads > 1 else 0.0,
        )
    return BatchedMeasurement(
        batch=batch,
        size=size,
        dtype=dtype.name,
        threads=threads,
        kernel=f"{plan.op}/{plan.kernel}",
        jitla_s=timing.best,
        numpy_s=timing.ref_best,
        ratio=timing.ratio,
        max_error=_relative_error(C, R),
        jitla_median_s=timing.median,
        numpy_median_s=timing.ref_median,
        repeat=timing.repeat,
    )
