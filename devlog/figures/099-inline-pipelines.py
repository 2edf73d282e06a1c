# which functions InlineWorker.run_untyped_passes builds IR for, how often, and the CPU of the repeats
import collections
import os
import sys
import tempfile
import time

os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp()
import numpy as np
from numba.core import inline_closurecall as ic

C = collections.Counter()
T = collections.Counter()
depth = [0]
orig = ic.InlineWorker.run_untyped_passes


def rup(self, func, enable_ssa=False):
    t = time.process_time()
    depth[0] += 1
    try:
        return orig(self, func, enable_ssa)
    finally:
        depth[0] -= 1
        dt = time.process_time() - t
        k = (func.__module__ + "." + func.__qualname__, enable_ssa)
        C[k] += 1
        if depth[0] == 0:
            T[k] += dt
        else:
            T[k] += dt


ic.InlineWorker.run_untyped_passes = rup
import jitla.linalg  # noqa: F401  (the calls are exec'd)
import jitla.regression  # noqa: F401
from jitla.profiling.coldstart import CALLS

rng = np.random.default_rng(0)
n = 200
m = 1000
p = 10
for stmt in sys.argv[1:] or list(CALLS):
    setup, call = CALLS[stmt]
    exec(setup)
    exec(call)
print("pipelines", sum(C.values()), "distinct", len(C), "time(incl nested)", round(sum(T.values()), 3))
rep = sum(T[k] * (C[k] - 1) / C[k] for k in C)
print("time of repeats (est)", round(rep, 3))
for k, v in C.most_common(60):
    print(v, round(T[k], 3), k)
