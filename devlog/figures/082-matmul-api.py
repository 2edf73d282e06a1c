# jitla.matmul (the API: a fresh result every call) vs numpy at 1 and 2 threads, and the page
# faults per call (devlog 082).  Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python THIS
import resource
from timeit import repeat

import numpy as np

import jitla
from jitla import linalg as jl
from jitla.linalg._policy import gemm_plan

for n in (256, 400, 512, 1024):
    A = np.random.default_rng(0).standard_normal((n, n))
    B = A.T.copy()
    num = max(1, int(2e8 / n**3))
    for t in (1, 2):
        with jitla.threads(t):
            jl.matmul(A, B)
            A @ B
            r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            tj = min(repeat(lambda: jl.matmul(A, B), number=num, repeat=7)) / num
            r1 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            tn = min(repeat(lambda: A @ B, number=num, repeat=7)) / num
            print(
                f"n={n} threads={t} {gemm_plan(1, n, n, n, nthreads=t).variant:8s} jitla {tj * 1e6:8.0f} us"
                f"  numpy {tn * 1e6:8.0f} us  ratio {tj / tn:.2f}  faults/call {(r1 - r0) / (7 * num):.0f}"
            )
