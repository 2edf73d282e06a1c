"""matmul at n = 100 and nearby, 1 thread: the API call, the small kernel's entry point on a
reused C, and numpy, alternating, best of 15 blocks of 200 calls (devlog 089).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python devlog/figures/089-matmul-100.py 100 64 128
"""
import sys
import time

import numba
import numpy as np
from threadpoolctl import threadpool_limits

import jitla
from jitla.linalg._matmul import _SMALL_GEMM

threadpool_limits(1)
numba.set_num_threads(1)
rng = np.random.default_rng(0)


def best(f, A, B, calls=200):
    t0 = time.perf_counter()
    for _ in range(calls):
        f(A, B)
    return (time.perf_counter() - t0) / calls


for n in [int(x) for x in sys.argv[1:]] or [100]:
    A = rng.standard_normal((n, n))
    B = rng.standard_normal((n, n))
    jitla.matmul(A, B)
    entry = _SMALL_GEMM[A.dtype]
    C = np.empty((n, n))
    tj, tn, tk = [], [], []
    for _ in range(15):
        tj.append(best(jitla.matmul, A, B))
        tn.append(best(np.matmul, A, B))
        tk.append(best(lambda a, b: entry(a, b, C), A, B))
    print(
        f"n = {n}: jitla.matmul {min(tj) * 1e6:.2f} us, kernel entry {min(tk) * 1e6:.2f} us, "
        f"numpy {min(tn) * 1e6:.2f} us; jitla/numpy {min(tj) / min(tn):.3f}, "
        f"kernel/numpy {min(tk) / min(tn):.3f}"
    )
