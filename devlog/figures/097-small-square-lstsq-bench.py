"""lstsq per call at small square, nearly square and wide shapes (and devlog 095's narrow ones).

Against numpy, float64, C order, 1 thread both sides, best of 7 loops x 3 alternating rounds
in one process (devlog 097).  Usage, from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=$PWD \\
        python devlog/figures/097-small-square-lstsq-bench.py [all|square|wide-b]

``wide-b``: B with as many or more columns than A (``config.LSTSQ_SMALL_SQUARE_MAX_RHS``); run it
on each tree compared.
"""

import os
import sys
import time

import scipy.linalg  # noqa: F401  (imported before the threads are limited)
from threadpoolctl import threadpool_limits

threadpool_limits(1)

import numpy as np  # noqa: E402

import jitla.linalg as jl  # noqa: E402

SQUARE = [(3, 3, 1), (3, 3, 2), (5, 5, 1), (10, 10, 1), (10, 10, 3), (12, 10, 1), (12, 10, 4)]
SQUARE += [(10, 12, 1), (10, 12, 2), (20, 10, 1), (20, 10, 3)]
OTHERS = [(100, 3, 1), (100, 3, 2), (50, 5, 1), (50, 5, 3), (1000, 10, 1), (1000, 10, 4), (100, 100, 1)]
WIDE_B = [(100, 10, 50), (60, 10, 20), (30, 5, 20), (12, 10, 40), (10, 10, 54)]
WIDE_B += [(100, 10, 10), (39, 10, 10), (30, 10, 10), (100, 5, 5), (10, 5, 2)]


def best(f, reps):
    out = 1e9
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(reps):
            f()
        out = min(out, (time.perf_counter() - t0) / reps)
    return out


def main():
    mode = (sys.argv[1:] or ["all"])[0]
    shapes = {"all": SQUARE + OTHERS, "square": SQUARE, "wide-b": WIDE_B}[mode]
    rng = np.random.default_rng(0)
    print("load", os.getloadavg()[0])
    for m, n, k in shapes:
        A = rng.standard_normal((m, n))
        b = rng.standard_normal(m) if k == 1 else rng.standard_normal((m, k))
        jl.lstsq(A, b)
        reps = 300 if m * n < 20000 else 30
        jit, ref = [], []
        for _ in range(3):
            jit.append(best(lambda A=A, b=b: jl.lstsq(A, b), reps))
            ref.append(best(lambda A=A, b=b: np.linalg.lstsq(A, b), reps))
        J, N = min(jit), min(ref)
        print(
            f"{m}x{n} k={k}: jitla {J * 1e6:7.1f} us  numpy {N * 1e6:7.1f} us  ratio {J / N:.2f}", flush=True
        )
    print("load", os.getloadavg()[0])


if __name__ == "__main__":
    main()
