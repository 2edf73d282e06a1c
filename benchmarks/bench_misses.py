"""The three API-level speed targets of issue 10 that earlier sessions missed, in one run.

Each case times the public jitla call against its reference with
:func:`jitla.profiling.timing.time_pair` (alternating, best of N, after an
untimed warm-up), 1 thread on both sides (``jitla.threads(1)`` pins Numba
and OpenBLAS alike), float64:

* ``qr(A, mode="r")`` on 100,000 x 50 vs ``numpy.linalg.qr(A, mode="r")``
  (LAPACK ``dgeqrf``), target >= 1.5;
* ``solve(A, b)`` on 100,000 systems 8 x 8, one right-hand side each
  (``b`` of shape (100000, 8, 1)) vs ``numpy.linalg.solve``, target >= 3;
* ``cholesky(A)`` (lower) at n = 2048 vs ``scipy.linalg.cholesky(A,
  lower=True)``, target >= 1.0.

``extra_info["ratio"]`` is reference time / jitla time (> 1: jitla faster).
Run on the host ISA and on AVX2::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_misses.py
    env -u OPENBLAS_L2_SIZE NUMBA_CPU_NAME=haswell NUMBA_CPU_FEATURES=+avx2,+fma \\
        OPENBLAS_CORETYPE=Haswell python benchmarks/bench_misses.py

or as pytest-benchmark cases: ``pytest benchmarks/bench_misses.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from jitla import linalg as jl
from jitla import threads as limit_threads
from jitla.profiling.timing import time_pair


def _qr_case():
    A = np.random.default_rng(0).standard_normal((100_000, 50))
    return (
        "qr 100,000 x 50 mode=r vs numpy",
        lambda: jl.qr(A, mode="r"),
        lambda: np.linalg.qr(A, mode="r"),
        1.5,
    )


def _solve_case():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((100_000, 8, 8))
    b = rng.standard_normal((100_000, 8, 1))
    return "solve 100,000 x 8x8 vs numpy", lambda: jl.solve(A, b), lambda: np.linalg.solve(A, b), 3.0


def _cholesky_case():
    import scipy.linalg

    n = 2048
    X = np.random.default_rng(0).standard_normal((n, n))
    A = X @ X.T + n * np.eye(n)
    return (
        "cholesky n=2048 lower vs scipy",
        lambda: jl.cholesky(A),
        lambda: scipy.linalg.cholesky(A, lower=True),
        1.0,
    )


CASES = {"qr_tall": _qr_case, "solve_8x8": _solve_case, "cholesky": _cholesky_case}


def measure(name: str, repeat: int = 7):
    """``(label, Timing, target)`` of one case, 1 thread on both sides."""
    label, fn, ref, target = CASES[name]()
    with limit_threads(1):
        return label, time_pair(fn, ref, repeat=repeat), target


@pytest.mark.parametrize("name", list(CASES))
def test_missed_target(benchmark, ratio_repeat, name):
    label, timing, target = measure(name, repeat=ratio_repeat)
    benchmark.group = label
    benchmark.extra_info.update(
        ratio=timing.ratio,
        median_ratio=timing.ref_median / timing.median,
        target=target,
        jitla_ms=timing.best * 1e3,
        reference_ms=timing.ref_best * 1e3,
        threads=1,
    )
    _, fn, _, _ = CASES[name]()
    with limit_threads(1):
        benchmark.pedantic(fn, rounds=1 if benchmark.disabled else 3)


if __name__ == "__main__":
    import numba
    from threadpoolctl import threadpool_info

    blas = [(p.get("internal_api"), p.get("architecture")) for p in threadpool_info()]
    target = numba.config.CPU_NAME or "host", numba.config.CPU_FEATURES or "host features"
    print(f"numba target {target}, BLAS {blas}, 1 thread, float64")
    for case in CASES:
        label, timing, goal = measure(case)
        median = timing.ref_median / timing.median
        print(
            f"{label}: jitla {timing.best * 1e3:.1f} ms, reference {timing.ref_best * 1e3:.1f} ms, "
            f"ratio {timing.ratio:.2f} (median {median:.2f}), target >= {goal}"
        )
