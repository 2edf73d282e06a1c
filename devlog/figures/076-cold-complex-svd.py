"""Devlog 076: the first complex svd, then svdvals, in a fresh process.

Run as ``NUMBA_CACHE_DIR=$(mktemp -d) PYTHONPATH=$PWD python devlog/figures/076-cold-complex-svd.py``.
Prints wall seconds of the import and of each first call, and the process CPU seconds at the end.
"""

import time

t0 = time.perf_counter()
import numpy as np  # noqa: E402

import jitla.linalg as jl  # noqa: E402

t1 = time.perf_counter()
rng = np.random.default_rng(0)
A = rng.standard_normal((64, 64)) + 1j * rng.standard_normal((64, 64))
t2 = time.perf_counter()
jl.svd(A)
t3 = time.perf_counter()
jl.svdvals(A)
t4 = time.perf_counter()
print(f"import {t1 - t0:.2f}  svd first {t3 - t2:.2f}  svdvals after {t4 - t3:.2f}", end="  ")
print(f"cpu {time.process_time():.2f}")
