import os, sys, time
import scipy, scipy.linalg
import numpy as np
from threadpoolctl import threadpool_limits
threadpool_limits(1)
import jitla.linalg as jl
from jitla import config
rng = np.random.default_rng(0)
shapes = [(100,3,1),(100,3,2),(50,5,1),(50,5,3),(1000,10,1),(1000,10,4),(100,100,1)]
def t(f, reps):
    best = 1e9
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(reps): f()
        best = min(best, (time.perf_counter()-t0)/reps)
    return best
def tier(x): config.LSTSQ_ONE_CALL_AFTER = x
print("load", os.getloadavg()[0])
for m,n,k in shapes:
    A = rng.standard_normal((m,n)); b = rng.standard_normal(m) if k==1 else rng.standard_normal((m,k))
    tier(0); r1 = jl.lstsq(A,b); tier(10**9); r3 = jl.lstsq(A,b)
    assert (r1[3]==r3[3]).all() and (r1[0]==r3[0]).all() and np.allclose(r1[1], r3[1], rtol=1e-15), (r1, r3)
    reps = 300 if m*n < 20000 else 30
    r={"one":[],"three":[],"np":[]}
    for _ in range(3):
        tier(0); r["one"].append(t(lambda: jl.lstsq(A,b), reps))
        tier(10**9); r["three"].append(t(lambda: jl.lstsq(A,b), reps))
        r["np"].append(t(lambda: np.linalg.lstsq(A,b), reps))
    N=min(r["np"])
    print(f"{m}x{n} k={k}: one {min(r['one'])*1e6:7.1f} ({min(r['one'])/N:.2f})  three {min(r['three'])*1e6:7.1f} ({min(r['three'])/N:.2f})  numpy {N*1e6:7.1f} us", flush=True)
print("load", os.getloadavg()[0])
