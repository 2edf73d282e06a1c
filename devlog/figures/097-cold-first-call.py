"""CPU seconds of a process's first lstsq call of each shape given, with a fresh Numba cache (devlog 097).

Usage: PYTHONPATH=<tree> python devlog/figures/097-cold-first-call.py 3x3 10x12 12x10
(run each shape in its own process, alternating the trees compared).
"""

import os
import sys
import tempfile
import time

os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp()  # always a fresh, empty cache

import numpy as np  # noqa: E402

import jitla.linalg  # noqa: E402

rng = np.random.default_rng(0)
out = []
for shape in sys.argv[1:]:
    m, n = map(int, shape.split("x"))
    A = rng.standard_normal((m, n))
    b = rng.standard_normal(m)
    t = time.process_time()
    jitla.linalg.lstsq(A, b)
    out.append(f"{shape}={time.process_time() - t:.2f}")
print(" ".join(out))
