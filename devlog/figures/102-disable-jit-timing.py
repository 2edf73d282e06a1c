"""Per-call time of a few calls, compiled or (under NUMBA_DISABLE_JIT=1) as Python (devlog 102).

Usage: [NUMBA_DISABLE_JIT=1] PYTHONPATH=<tree> python 102-disable-jit-timing.py out.json
"""
import time, json, sys, warnings, numpy as np
from numba.core import config
warnings.simplefilter("ignore")
import jitla, jitla.linalg as la
from jitla.regression import OLS
from threadpoolctl import threadpool_limits
rng = np.random.default_rng(0)
out = {}
def best(f, reps):
    f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts)
with threadpool_limits(1), jitla.threads(1):
    for n in (8, 40):
        A = rng.standard_normal((n, n)); S = A @ A.T + n * np.eye(n)
        for name, f in [("matmul", lambda: jitla.matmul(A, A)), ("solve", lambda: la.solve(A, A[0])),
                        ("qr", lambda: la.qr(A)), ("svd", lambda: la.svd(A)), ("eigh", lambda: la.eigh(S)),
                        ("eig", lambda: la.eig(A))]:
            out[f"{name} n={n}"] = best(f, 3 if config.DISABLE_JIT else 200)
    X = np.column_stack([np.ones(200), rng.standard_normal((200, 4))]); y = X @ np.arange(5.) + rng.standard_normal(200)
    out["OLS.fit().bse 200x5"] = best(lambda: OLS(y, X).fit().bse, 3 if config.DISABLE_JIT else 200)
json.dump(out, open(sys.argv[1], "w"))
