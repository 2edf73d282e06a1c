# Devlog 103: where the general path's time went (the base's steps, one at a time), per shape.
# usage: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=<tree> python devlog/figures/103-lstsq-many-rhs-profile.py [MxNxK ...]
import scipy, time, warnings, sys
from threadpoolctl import threadpool_limits
import numpy as np
warnings.simplefilter("ignore")
threadpool_limits(1)
import jitla.linalg as jl
from jitla.linalg import _lstsq as L
from jitla.linalg._policy import lstsq_plan, householder_plan

def best(f, r=None, loops=7):
    if r is None:
        t=time.perf_counter(); f(); dt=time.perf_counter()-t
        r=max(1,int(2e-2/max(dt,1e-6)))
    ts=[]
    for _ in range(loops):
        t=time.perf_counter()
        for _ in range(r): f()
        ts.append((time.perf_counter()-t)/r)
    return min(ts)*1e6
rng=np.random.default_rng(0)
shapes=[tuple(map(int,s.split("x"))) for s in sys.argv[1:]] or [(10,10,11),(10,10,20),(20,10,30),(100,10,20),(1000,50,10),(1000,50,100),(2000,100,150)]
for m,n,k in shapes:
    A=rng.standard_normal((m,n)); B=rng.standard_normal((m,k))
    jl.lstsq(A,B)
    print(f"== {m}x{n} k={k}: plan {lstsq_plan(m,n,k)}  hh {householder_plan(m,n)[:2]}")
    print(f"  total jitla {best(lambda: jl.lstsq(A,B)):.1f}  numpy {best(lambda: np.linalg.lstsq(A,B)):.1f}")
    QA=A.copy()
    print(f"  copy+householder_qr {best(lambda: L.householder_qr(A.copy())):.1f}")
    tau=L.householder_qr(QA)
    print(f"  _singular_values(R) {best(lambda: L._singular_values(QA[:n])):.1f}")
    print(f"  apply_qt {best(lambda: L._apply_qt(QA,tau,B.copy())):.1f}")
    C=B.copy(); L._apply_qt(QA,tau,C)
    print(f"  solve_upper {best(lambda: L._solve_upper(QA[:n], C[:n].copy())):.1f}")
    print(f"  einsum {best(lambda: np.einsum('ij,ij->j', C[n:], C[n:])):.1f}")
    print(f"  _solve_qr {best(lambda: L._solve_qr(A,B,1e-13,False,True)):.1f}")
    print(f"  _lstsq_core {best(lambda: L._lstsq_core(A,B,None,'qr',False,True)):.1f}")
