"""Complex ldl, solve(assume_a=...), eigh(a, b), pivoted QR and Jacobi SVD against scipy / numpy.

For each operation: the time ratio jitla / reference (best of ``repeat``,
alternating, 1 thread for both via :func:`jitla.threads`) for float64 and for
complex128 input of the same shape, and the quotient complex ratio / real
ratio -- issue 16's measure of whether the complex path costs more, relative
to LAPACK, than the real one (target <= 1.5), next to its "within 2x of
scipy" for the scipy names.  References: scipy.linalg (ldl, solve, eigh, qr
with pivoting) and numpy.linalg.svd (gesdd) for ``svd(method="jacobi")``,
which is a different algorithm: its ratio says what relative accuracy costs.
Run by hand::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_complex_structured.py [n] [repeat]

``--eigh [n ...]`` instead prints, for complex128 at each n (default 128,
256, 512), the Hermitian eigensolver's ratios to scipy.linalg.eigh (1
thread): ``eigh``, ``eigvalsh`` (scipy ``eigh(eigvals_only=True)``) and
``eigh(a, b)`` of types 1, 2, 3 (issue 16's "within 2x of scipy")::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        python benchmarks/bench_complex_structured.py --eigh 128 256 512
"""

from __future__ import annotations

import sys

import numpy as np
import scipy.linalg as sl

import jitla.linalg as jl
from jitla import threads
from jitla.profiling.timing import time_pair


def cases(n: int, complex_: bool, rng):
    A = rng.standard_normal((n, n)) / np.sqrt(n)
    b = rng.standard_normal(n)
    if complex_:
        A = A + 1j * rng.standard_normal((n, n)) / np.sqrt(n)
        b = b + 1j * rng.standard_normal(n)
    H = A + A.conj().T
    S = A + A.T
    P = A @ A.conj().T + np.eye(n)
    T = np.ascontiguousarray(A[:, : n // 2] if n > 1 else A)
    return [
        ("ldl (hermitian)", lambda: jl.ldl(H), lambda: sl.ldl(H)),
        ("ldl (symmetric)", lambda: jl.ldl(S, hermitian=False), lambda: sl.ldl(S, hermitian=False)),
        ("solve sym", lambda: jl.solve(S, b, assume_a="sym"), lambda: sl.solve(S, b, assume_a="sym")),
        ("solve her", lambda: jl.solve(H, b, assume_a="her"), lambda: sl.solve(H, b, assume_a="her")),
        ("solve pos", lambda: jl.solve(P, b, assume_a="pos"), lambda: sl.solve(P, b, assume_a="pos")),
        ("eigh(a, b)", lambda: jl.eigh(H, P), lambda: sl.eigh(H, P)),
        (
            "qr pivoting",
            lambda: jl.qr(A, pivoting=True),
            lambda: sl.qr(A, pivoting=True, mode="economic"),
        ),
        ("svd jacobi (vs gesdd)", lambda: jl.svd(A, method="jacobi"), lambda: np.linalg.svd(A)),
        ("svd jacobi n x n/2", lambda: jl.svd(T, method="jacobi"), lambda: np.linalg.svd(T)),
    ]


def measure(n: int = 256, repeat: int = 5) -> list[tuple[str, float, float]]:
    """``(name, real ratio, complex ratio)`` per operation, jitla time / reference time."""
    rows = []
    with threads(1):
        real = cases(n, False, np.random.default_rng(0))
        cplx = cases(n, True, np.random.default_rng(0))
        for (name, fr, rr), (_, fc, rc) in zip(real, cplx, strict=True):
            tr = time_pair(fr, rr, repeat=repeat)
            tc = time_pair(fc, rc, repeat=repeat)
            rows.append((name, tr.best / tr.ref_best, tc.best / tc.ref_best))
    return rows


def measure_eigh(n: int, repeat: int = 7) -> list[tuple[str, float, float, float]]:
    """``(name, jitla s, scipy s, ratio)`` of the complex128 Hermitian eigensolvers at order n, 1 thread."""
    rng = np.random.default_rng(0)
    A = (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))) / np.sqrt(n)
    H = A + A.conj().T
    X = (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))) / np.sqrt(n)
    P = X @ X.conj().T + np.eye(n)
    ops = [
        ("eigh", lambda: jl.eigh(H), lambda: sl.eigh(H)),
        ("eigvalsh", lambda: jl.eigvalsh(H), lambda: sl.eigh(H, eigvals_only=True)),
    ]
    for t in (1, 2, 3):
        ops.append(
            (f"eigh(a, b) type {t}", lambda t=t: jl.eigh(H, P, type=t), lambda t=t: sl.eigh(H, P, type=t))
        )
    rows = []
    with threads(1):
        for name, f, r in ops:
            tm = time_pair(f, r, repeat=repeat)
            rows.append((name, tm.best, tm.ref_best, tm.best / tm.ref_best))
    return rows


if __name__ == "__main__" and "--eigh" in sys.argv:
    sizes = [int(a) for a in sys.argv[1:] if a != "--eigh"] or [128, 256, 512]
    print("complex128 Hermitian eigensolvers vs scipy.linalg.eigh, 1 thread, best of 7")
    print(f"{'n':>5s} {'operation':22s} {'jitla s':>10s} {'scipy s':>10s} {'ratio':>7s}")
    for n in sizes:
        for name, t, tr, ratio in measure_eigh(n):
            print(f"{n:5d} {name:22s} {t:10.5f} {tr:10.5f} {ratio:7.2f}")
elif __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(f"n = {n}, 1 thread, best of {repeat}; ratio = jitla time / reference time")
    print(f"{'operation':26s} {'float64':>8s} {'complex128':>11s} {'complex/real':>13s}")
    for name, r, c in measure(n, repeat):
        print(f"{name:26s} {r:8.2f} {c:11.2f} {c / r:13.2f}")
