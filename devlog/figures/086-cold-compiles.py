# every numba:compile event of cold CALLS (jitla.profiling.coldstart), nested, with inclusive CPU s and argument types
# usage (repository root): PYTHONPATH=$PWD python devlog/figures/086-cold-compiles.py eig
import os
import sys
import tempfile
import time

os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp()
sys.path.insert(0, os.getcwd())
import numpy as np
from numba.core import event as ev

stack = []
rows = []


class L(ev.Listener):
    def on_start(self, e):
        stack.append(time.process_time())

    def on_end(self, e):
        t = stack.pop()
        f = e.data["dispatcher"].py_func
        rows.append(
            (
                f.__module__.split(".")[-1] + "." + f.__qualname__,
                str(e.data["args"]),
                time.process_time() - t,
                len(stack),
            )
        )


ev.register("numba:compile", L())
import jitla.linalg  # noqa: F401  (the names the calls use)
import jitla.regression  # noqa: F401
from jitla.profiling.coldstart import CALLS

rng = np.random.default_rng(0)
n = 200
m = 1000
p = 10
for stmt in sys.argv[1:]:
    s, c = CALLS[stmt]
    exec(s)
    exec(c)
for r in rows:
    print(f"{'  ' * r[3]}{r[0][:50]:50s} {r[2]:.3f} {r[1][:110]}")
