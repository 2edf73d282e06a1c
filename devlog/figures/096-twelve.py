# The twelve everyday calls of jitla.profiling.coldstart.CALLS in one fresh process with an empty
# Numba cache: CPU s of each call, the calls' CPU and the whole wall (import included).
# usage: python devlog/figures/096-twelve.py [names...]   (PRE="code" runs after the import)
import os, sys, tempfile, time
os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp()  # always a fresh, empty cache
t0=time.perf_counter(); c0=time.process_time()
import numpy as np
import jitla.linalg, jitla.regression
exec(os.environ.get("PRE",""))
from jitla.profiling.coldstart import CALLS
rng=np.random.default_rng(0); n=200; m=1000; p=10
ti=time.process_time()
out=[]
for stmt in (sys.argv[1:] or list(CALLS)):
    t1=time.process_time()
    setup, call = CALLS[stmt]; exec(setup); exec(call)
    out.append(f"{stmt}={time.process_time()-t1:.2f}")
print(f"calls_cpu {time.process_time()-ti:.2f} wall_total {time.perf_counter()-t0:.2f} | "+" ".join(out))
