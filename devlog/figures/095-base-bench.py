import os, sys, time
import scipy, scipy.linalg
import numpy as np
from threadpoolctl import threadpool_limits
threadpool_limits(1)
import jitla.linalg as jl
rng = np.random.default_rng(0)
shapes = [(100,3,1),(100,3,2),(50,5,1),(50,5,3),(1000,10,1),(1000,10,4),(100,100,1)]
if len(sys.argv) > 1: shapes = shapes[:int(sys.argv[1])]
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
    jl.lstsq(A,b); np.linalg.lstsq(A,b)
    reps = 300 if m*n < 20000 else 30
    rj=[];rn=[]
    for _ in range(3):
        rj.append(t(lambda: jl.lstsq(A,b), reps)); rn.append(t(lambda: np.linalg.lstsq(A,b), reps))
    J=min(rj); N=min(rn)
    print(f"{m}x{n} k={k}: jitla {J*1e6:7.1f} us numpy {N*1e6:7.1f} us ratio {J/N:.2f}")
