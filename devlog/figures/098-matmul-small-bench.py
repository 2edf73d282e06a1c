"""matmul at small n, float64, C order, 1 thread (devlog 098).

Per size: ``jitla.matmul(A, B)``, ``np.matmul(A, B)`` and the small kernel's entry point (the
one matmul's fast path calls) on a reused C and on a fresh ``np.empty`` C, alternating, 30
blocks; minimum of each, and jitla / numpy as the ratio of the minima and the median of the 30
per-block ratios.  Run it once per tree, each with its own Numba cache:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=<tree> NUMBA_CACHE_DIR=<dir> \
        python devlog/figures/098-matmul-small-bench.py 3 10 100
"""

import sys
import time

import numba
import numpy as np
from threadpoolctl import threadpool_limits

import jitla
from jitla.linalg._matmul import _SMALL_GEMM

threadpool_limits(1)
numba.set_num_threads(1)
rng = np.random.default_rng(0)


def loop(f, A, B, calls):
    t0 = time.perf_counter()
    for _ in range(calls):
        f(A, B)
    return (time.perf_counter() - t0) / calls


def measure(n):
    A = rng.standard_normal((n, n))
    B = rng.standard_normal((n, n))
    jitla.matmul(A, B)  # compiles the kernel (planned path); later calls take the fast path
    entry = _SMALL_GEMM[A.dtype]
    C = np.empty((n, n))

    def reused(a, b):
        entry(a, b, C)

    def fresh(a, b):
        entry(a, b, np.empty((n, n)))

    calls = 2000 if n <= 10 else 100
    t = {"jitla": [], "numpy": [], "kernel, reused C": [], "kernel, fresh C": []}
    for _ in range(30):
        for name, f in zip(t, (jitla.matmul, np.matmul, reused, fresh), strict=True):
            t[name].append(loop(f, A, B, calls))
    ratios = sorted(a / b for a, b in zip(t["jitla"], t["numpy"], strict=True))
    times = ", ".join(f"{name} {min(v) * 1e6:.3f}" for name, v in t.items())
    print(
        f"n = {n}: {times} us; jitla/numpy {min(t['jitla']) / min(t['numpy']):.3f} (min/min), "
        f"{ratios[len(ratios) // 2]:.3f} (median)",
        flush=True,
    )


for n in [int(x) for x in sys.argv[1:]] or [3, 10, 100]:
    measure(n)
