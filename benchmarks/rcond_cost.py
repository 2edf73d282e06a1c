"""What the reliability checks of ``solve`` cost, and what FMA contraction buys the LU kernel.

Run (single thread on both sides, as benchmarks/README.md asks)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE NUMBA_NUM_THREADS=1 python benchmarks/rcond_cost.py

Prints, per n, best-of-N per-call times measured alternately in one process:

1. ``solve(A, b)`` with the rcond check (kernel ``gecon``) against the same
   call with the check replaced by a no-op, and against numpy.linalg.solve;
2. the unblocked LU kernel compiled with ``fastmath={'contract'}`` (jitla's
   flag set: the compiler may fuse ``a - l * u`` into one FMA) against the
   same source compiled with no fastmath at all, i.e. what compiling the LU
   kernels without contraction -- which would let rounding leave exact zero
   pivots where LAPACK does -- would cost.
"""

from __future__ import annotations

import time

import numba
import numpy as np
from threadpoolctl import threadpool_limits

import jitla.linalg._lu as lu_api
from jitla import linalg as jl
from jitla.kernels import lu as lu_kernels


def best_per_call(func, args, calls, rounds=3):
    """Best over *rounds* of the mean time of *calls* back-to-back ``func(*args)``."""
    best = np.inf
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(calls):
            func(*args)
        best = min(best, (time.perf_counter() - t) / calls)
    return best


def _no_check(A, LU):
    return None


def solve_check_cost():
    rng = np.random.default_rng(0)
    checked = lu_api.warn_if_ill_conditioned
    print("solve(A, b), one matrix, one right-hand side (float64)")
    print("    n  checked us  unchecked us  check cost  numpy us  jitla/numpy")
    for n in (3, 10, 100, 500):
        A = rng.standard_normal((n, n)) + n * np.eye(n)
        b = rng.standard_normal(n)
        calls = max(5, int(2e5 / (n * n + 200)))
        jl.solve(A, b)
        best = {"checked": np.inf, "unchecked": np.inf, "numpy": np.inf}
        for _ in range(5):  # alternate the three so that drifts in load hit each alike
            for name, check, func in (
                ("checked", checked, jl.solve),
                ("unchecked", _no_check, jl.solve),
                ("numpy", checked, np.linalg.solve),
            ):
                lu_api.warn_if_ill_conditioned = check
                best[name] = min(best[name], best_per_call(func, (A, b), calls))
        lu_api.warn_if_ill_conditioned = checked
        c, u, r = best["checked"], best["unchecked"], best["numpy"]
        print(f"{n:5d} {c * 1e6:11.2f} {u * 1e6:13.2f} {c / u:11.3f} {r * 1e6:9.2f} {c / r:12.3f}")


def _factor_copy(f, A, work, piv):
    work[:] = A
    f(work, piv)


def contraction_cost():
    source = lu_kernels._lu_panel.py_func
    kernels = {
        "contract": numba.njit(fastmath={"contract"}, nogil=True)(source),
        "plain": numba.njit(fastmath=False, nogil=True)(source),
    }
    rng = np.random.default_rng(1)
    print("\nunblocked LU kernel: no fastmath vs fastmath={'contract'} (float64, copy-in included)")
    print("    n  contract us  no-contract us    ratio")
    for n in (8, 32, 64, 96):
        A = rng.standard_normal((n, n))
        piv = np.zeros(n, np.int32)
        work = A.copy()
        for f in kernels.values():
            f(work, piv)
        calls = max(5, int(1e6 / n**3) + 5)
        best = dict.fromkeys(kernels, np.inf)
        for _ in range(7):
            for name, f in kernels.items():
                best[name] = min(best[name], best_per_call(_factor_copy, (f, A, work, piv), calls))
        c, p = best["contract"], best["plain"]
        print(f"{n:5d} {c * 1e6:12.2f} {p * 1e6:15.2f} {p / c:8.3f}")


if __name__ == "__main__":
    with threadpool_limits(1):
        solve_check_cost()
        contraction_cost()
