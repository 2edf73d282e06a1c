import os, tempfile, time
os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp()
import numpy as np, jitla.linalg as jl
from jitla import config
rng=np.random.default_rng(0); A=rng.standard_normal((1000,10)); y=rng.standard_normal(1000)
c=time.process_time(); jl.lstsq(A,y); print(f"first call {time.process_time()-c:.2f} CPU s")
for _ in range(config.LSTSQ_ONE_CALL_AFTER - 1): jl.lstsq(A,y)
c=time.process_time(); jl.lstsq(A,y); print(f"call {config.LSTSQ_ONE_CALL_AFTER + 1} (driver compiles) {time.process_time()-c:.2f} CPU s")
