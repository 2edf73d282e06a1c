"""QR: Householder variants and TSQR against numpy.linalg.qr (LAPACK dgeqrf), same-run ratios.

Cases (float64, threads pinned: serial kernels against 1 BLAS thread,
parallel ones against as many BLAS threads as jitla uses):

* square n x n, R factor only: every registered "qr" variant vs
  ``numpy.linalg.qr(a, mode="r")`` (the unblocked one only at n <= 1024);
* tall-skinny 100,000 x 50, R only: TSQR (serial / parallel) and the
  blocked Householder kernel vs ``numpy.linalg.qr(a, mode="r")``;
* column-pivoted, square, 1 thread: both "qr_pivoted" variants (walking
  A's columns, or working on ``A^T``) vs LAPACK ``dgeqp3`` through scipy.

``extra_info`` holds GFLOP/s (``2mn^2 - 2n^3/3``) of both sides and the
ratio, from :func:`jitla.profiling.timing.time_pair` (alternating, best of
N, after an untimed warm-up; with a pause between samples when more than
one thread is in play).  The jitla side includes copying A (its kernels
overwrite their input; numpy copies too).  Run as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE pytest benchmarks/bench_qr.py
"""

from __future__ import annotations

import numpy as np
import pytest

from jitla import config
from jitla import threads as limit_threads
from jitla.kernels import get_kernel, variants
from jitla.kernels.qr_householder import qr_flops
from jitla.linalg._dispatch import kernel_extras
from jitla.profiling.timing import SPIN_PAUSE, time_pair

SQUARE_SIZES = (512, 1024, 2048)
UNBLOCKED_MAX_N = 1024
TALL = (100_000, 50)


def _record(benchmark, timing, m, n, variant, threads, error):
    flops = qr_flops(m, n)
    benchmark.extra_info.update(
        variant=variant,
        m=m,
        n=n,
        dtype="float64",
        threads=threads,
        gflops=flops / timing.best / 1e9,
        blas_gflops=flops / timing.ref_best / 1e9,
        ratio_vs_lapack=timing.ratio,
        median_ratio=timing.ref_median / timing.median,
        max_error=error,
    )


def _householder_r(info, A, extra):
    F = A.copy()
    tau = np.empty(min(A.shape))
    info.func(F, tau, *extra)
    return F


def _r_error(F, A):
    """``max | |R| - |R_numpy| | / max |R_numpy|`` (row signs may differ for TSQR)."""
    k = min(A.shape)
    R = np.triu(F[:k])
    R_np = np.linalg.qr(A, mode="r")
    return float(np.abs(np.abs(R) - np.abs(R_np)).max() / np.abs(R_np).max())


SQUARE_CASES = [
    pytest.param(variant, n, id=f"{variant}-{n}")
    for variant in variants("qr")
    for n in SQUARE_SIZES
    if not (variant == "unblocked" and n > UNBLOCKED_MAX_N)
]


@pytest.mark.parametrize(("variant", "n"), SQUARE_CASES)
def test_qr_square(benchmark, bench_threads, ratio_repeat, variant, n):
    info = get_kernel("qr", variant)
    threads = bench_threads if info.parallel else 1
    A = np.random.default_rng(0).standard_normal((n, n))
    with limit_threads(threads):
        extra = kernel_extras(info, np.float64, nthreads=threads)
        F = _householder_r(info, A, extra)  # compile outside the timing
        timing = time_pair(
            lambda: _householder_r(info, A, extra),
            lambda: np.linalg.qr(A, mode="r"),
            repeat=ratio_repeat,
            pause=SPIN_PAUSE if threads > 1 else 0.0,
        )
        benchmark.group = f"qr float64 n={n}"
        _record(benchmark, timing, n, n, variant, threads, _r_error(F, A))
        benchmark.pedantic(_householder_r, args=(info, A, extra), rounds=1 if benchmark.disabled else 3)
    assert benchmark.extra_info["max_error"] < 1e-12


TALL_CASES = [("tsqr", "serial"), ("tsqr", "parallel"), ("qr", "blocked")]


@pytest.mark.parametrize(("op", "variant"), TALL_CASES, ids=[f"{o}-{v}" for o, v in TALL_CASES])
def test_qr_tall_skinny(benchmark, bench_threads, ratio_repeat, op, variant):
    m, n = TALL
    info = get_kernel(op, variant)
    threads = bench_threads if info.parallel else 1
    A = np.random.default_rng(0).standard_normal((m, n))
    with limit_threads(threads):
        if op == "tsqr":
            mb = config.tsqr_rows(np.float64, n)
            R = np.empty((n, n))

            def run():
                info.func(A, R, mb)
                return R
        else:
            extra = kernel_extras(info, np.float64, nthreads=threads)

            def run():
                return _householder_r(info, A, extra)

        F = run().copy()
        timing = time_pair(
            run,
            lambda: np.linalg.qr(A, mode="r"),
            repeat=ratio_repeat,
            pause=SPIN_PAUSE if threads > 1 else 0.0,
        )
        benchmark.group = f"qr float64 {m}x{n}"
        _record(benchmark, timing, m, n, f"{op}/{variant}", threads, _r_error(F, A))
        benchmark.pedantic(run, rounds=1 if benchmark.disabled else 3)
    assert benchmark.extra_info["max_error"] < 1e-12


PIVOTED_SIZES = (256, 512, 1024)


def _pivoted_r(variant, A):
    """R of the column-pivoted QR: "businger_golub" walks A's columns, "rows" works on A^T."""
    n = A.shape[1]
    jpvt = np.empty(n, dtype=np.int64)
    tau = np.empty(min(A.shape))
    if variant == "rows":
        G = np.ascontiguousarray(A.T)
        get_kernel("qr_pivoted", "rows").func(G, jpvt, tau)
        return G.T, jpvt
    F = A.copy()
    get_kernel("qr_pivoted", variant).func(F, jpvt, tau)
    return F, jpvt


@pytest.mark.parametrize("variant", variants("qr_pivoted"))
@pytest.mark.parametrize("n", PIVOTED_SIZES)
def test_qr_pivoted_square(benchmark, ratio_repeat, variant, n):
    """Column-pivoted QR vs LAPACK ``dgeqp3`` (``scipy.linalg.qr(pivoting=True, mode="r")``), 1 thread."""
    import scipy.linalg

    A = np.random.default_rng(0).standard_normal((n, n))
    with limit_threads(1):
        F, jpvt = _pivoted_r(variant, A)  # compile outside the timing
        timing = time_pair(
            lambda: _pivoted_r(variant, A),
            lambda: scipy.linalg.qr(A, pivoting=True, mode="r"),
            repeat=ratio_repeat,
        )
        R_sp, piv = scipy.linalg.qr(A, pivoting=True, mode="r")
        error = float(np.abs(np.abs(np.diag(F)) - np.abs(np.diag(R_sp))).max() / abs(R_sp[0, 0]))
        benchmark.group = f"pivoted qr float64 n={n}"
        _record(benchmark, timing, n, n, variant, 1, error)
        benchmark.extra_info["same_pivots_as_lapack"] = bool(np.array_equal(jpvt, piv))
        benchmark.pedantic(_pivoted_r, args=(variant, A), rounds=1 if benchmark.disabled else 3)
    assert benchmark.extra_info["max_error"] < 1e-12
