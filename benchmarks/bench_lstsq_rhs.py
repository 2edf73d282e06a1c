"""``lstsq(a, b)`` with a matrix b (k right-hand sides): jitla / numpy time ratios (devlog 103).

numpy's ``lstsq`` is LAPACK ``dgelsd`` (OpenBLAS).  One thread on both
sides (threadpoolctl, scipy imported first), float64, C order, warm.  Each
figure is the best of ``--loops`` loops of enough calls for ~20 ms, the
two sides alternating ``--rounds`` times in one process; the ratio is the
best jitla time over the best numpy time.  Run with the OpenBLAS
workarounds unset::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=$PWD python benchmarks/bench_lstsq_rhs.py

``--shapes small`` (the small shapes only), ``--shapes vector`` (1-D b and
the small route of devlogs 095 / 097), default all.
"""

from __future__ import annotations

import argparse
import resource
import time
import warnings

import numpy as np
import scipy  # noqa: F401  (before threadpoolctl limits the threads)
from threadpoolctl import threadpool_info, threadpool_limits

#: (m, n, k); k = 0 is a 1-D b
MATRIX = [
    (10, 10, 10),
    (10, 10, 11),
    (10, 10, 20),
    (20, 10, 30),
    (100, 10, 10),
    (100, 10, 11),
    (100, 10, 20),
    (100, 10, 50),
    (1000, 50, 10),
    (1000, 50, 50),
    (1000, 50, 100),
    (2000, 100, 150),
    (100, 10, 200),
    (100, 100, 200),
    (300, 200, 400),
    (10, 20, 30),
]
VECTOR = [(3, 3, 0), (10, 10, 0), (100, 3, 0), (100, 100, 0), (1000, 50, 0), (1000, 10, 4)]


def _best(f, reps, loops):
    best = float("inf")
    for _ in range(loops):
        t = time.perf_counter()
        for _ in range(reps):
            f()
        best = min(best, (time.perf_counter() - t) / reps)
    return best


def _faults(f, reps=20):
    """Minor page faults per call (fresh pages of large temporaries: on this VM ~2 us each)."""
    f()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(reps):
        f()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / reps


def _one(m, n, k, rounds, loops):
    """``(jitla s, numpy s, relative difference of x, page faults per call jitla / numpy)``."""
    import jitla.linalg as jl

    rng = np.random.default_rng(1000 * m + 10 * n + k)  # one problem per shape, whatever the list
    A = rng.standard_normal((m, n))
    B = rng.standard_normal(m) if k == 0 else rng.standard_normal((m, k))

    def ours():
        return jl.lstsq(A, B)

    def theirs():
        return np.linalg.lstsq(A, B)

    x1 = ours()[0]
    x0 = theirs()[0]
    diff = float(np.abs(x1 - x0).max() / np.abs(x0).max())
    reps = max(1, int(2e-2 / max(_best(theirs, 3, 1), 1e-6)))
    tj = tn = float("inf")
    for _ in range(rounds):
        tn = min(tn, _best(theirs, reps, loops))
        tj = min(tj, _best(ours, reps, loops))
    return tj, tn, diff, _faults(ours), _faults(theirs)


def measure(shapes, rounds=3, loops=5):
    rows = []
    for m, n, k in shapes:
        tj, tn, diff, fj, fn = _one(m, n, k, rounds, loops)
        rows.append((m, n, k, tj, tn, diff))
        print(
            f"{m:5d} x {n:<4d} k={k if k else '1-D':<4} jitla {tj * 1e6:9.1f} us  numpy {tn * 1e6:9.1f} us"
            f"  ratio {tj / tn:5.2f}  rel diff {diff:.1e}  page faults/call {fj:.0f} / {fn:.0f}",
            flush=True,
        )
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shapes", choices=("all", "matrix", "vector", "small"), default="all")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--loops", type=int, default=5)
    args = p.parse_args()
    warnings.simplefilter("ignore")
    shapes = {
        "all": MATRIX + VECTOR,
        "matrix": MATRIX,
        "vector": VECTOR,
        "small": [s for s in MATRIX + VECTOR if s[0] * s[1] <= 1000],
    }[args.shapes]
    with threadpool_limits(1):
        kernels = {d.get("internal_api"): d.get("architecture") for d in threadpool_info()}
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        print(f"BLAS {kernels}, 1 thread, float64, load {' '.join(load)}")
        measure(shapes, args.rounds, args.loops)


if __name__ == "__main__":
    main()
