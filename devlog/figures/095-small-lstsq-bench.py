# lstsq per call at small narrow shapes against numpy, float64, 1 thread both sides, best of 7 loops
# x 3 alternating rounds (devlog 095; after the merge the small route has one stage).
import os, time
import scipy, scipy.linalg  # noqa: F401  (before limiting threads)
import numpy as np
from threadpoolctl import threadpool_limits
threadpool_limits(1)
import jitla.linalg as jl
rng = np.random.default_rng(0)
shapes = [(100,3,1),(100,3,2),(50,5,1),(50,5,3),(1000,10,1),(1000,10,4),(100,100,1)]
def t(f, reps):
    best = 1e9
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(reps): f()
        best = min(best, (time.perf_counter()-t0)/reps)
    return best
print("load", os.getloadavg()[0])
for m,n,k in shapes:
    A = rng.standard_normal((m,n)); b = rng.standard_normal(m) if k==1 else rng.standard_normal((m,k))
    jl.lstsq(A,b)
    reps = 300 if m*n < 20000 else 30
    r={"jitla":[],"np":[]}
    for _ in range(3):
        r["jitla"].append(t(lambda: jl.lstsq(A,b), reps))
        r["np"].append(t(lambda: np.linalg.lstsq(A,b), reps))
    N=min(r["np"]); J=min(r["jitla"])
    print(f"{m}x{n} k={k}: jitla {J*1e6:7.1f} us  numpy {N*1e6:7.1f} us  ratio {J/N:.2f}", flush=True)
print("load", os.getloadavg()[0])
