"""Complex GEMM, LU, Cholesky and solves against OpenBLAS / LAPACK, 1 thread.

Each case is timed in the same process as its reference, alternating, best
of *repeat* (benchmarks/README.md), BLAS pinned to 1 thread with threadpoolctl
and Numba to 1 thread.  Ratios are reference time / jitla time (> 1: jitla
faster), the form the issue's targets use ("complex128 GEMM n = 1024 >=
0.85x OpenBLAS zgemm"); GFLOP/s with the nominal complex counts (zgemm
8n^3, zgetrf 8n^3/3, zpotrf 4n^3/3).

* ``zgemm``: the 1m and 3M variants of ``jitla.matmul`` (``kernel=``), and
  ``"auto"``, against numpy's ``@`` (OpenBLAS zgemm); with the largest
  relative error against the product accumulated in longdouble-free
  complex128 by numpy (3M's imaginary part is the one that moves);
* the real ``gemm`` packed kernel against dgemm at the same n, for the
  "complex ratio / real ratio" comparison;
* ``zgetrf`` (``jitla.linalg.lu_factor`` vs ``scipy.linalg.lu_factor``),
  ``zgesv`` (``solve`` vs ``numpy.linalg.solve``), ``zpotrf``
  (``cholesky`` vs ``numpy.linalg.cholesky``), ``inv``, ``det``; and the
  same real routines, so each complex ratio can be set beside the real one.

``--sweep`` instead times the real-kernel routes of the complex product,
1m, 1m_a (1m with B in place and A split) and 3M, against OpenBLAS zgemm over square orders 128..2048 and
the shapes of the blocked factorisations' updates (``m x nb @ nb x n``:
LU / Cholesky trailing updates, ``nb x m @ m x n``: the ``V^H A`` of the QR's
block reflector), the data behind ``config.ZGEMM_3M_MIN_DIM``, and says which one
matmul's "auto" picks.

Run as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_complex.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_complex.py --sizes 1024 --repeat 7
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_complex.py --sweep
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_complex.py --matmul --repeat 7

``--matmul``: ``jitla.matmul`` ("auto") time / numpy time on square
orders 32..1024 (or ``--sizes``), complex and real, with the plan picked.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

#: The clock of :func:`_best`: wall time (benchmarks/README.md); ``--cpu`` switches to
#: process CPU time, steadier on a shared machine for single-threaded calls.
_CLOCK = [time.perf_counter]


def _best(funcs, repeat):
    """Best time of each callable, calls alternating, after one warm-up call each."""
    clock = _CLOCK[0]
    for f in funcs:
        f()
    best = [float("inf")] * len(funcs)
    for _ in range(repeat):
        for i, f in enumerate(funcs):
            t = clock()
            f()
            best[i] = min(best[i], clock() - t)
    return best


def _sweep_shapes(only=None):
    """``(label, m, k, n)``: square orders, then the factorisations' update shapes.

    *only*: keep the shapes whose label starts with it.
    """
    shapes = [("square", n, n, n) for n in (128, 192, 256, 384, 512, 768, 1024, 1536, 2048)]
    for nb in (32, 64, 128):
        shapes += [(f"update k={nb}", n, nb, n) for n in (256, 512, 1024, 2048)]
    shapes += [("V^H A, m=64", 64, n, n) for n in (256, 512, 1024, 2048)]
    return [s for s in shapes if only is None or s[0].startswith(only)]


def sweep(repeat, dtype, only=None):
    """1m, 1m_a and 3M against zgemm over :func:`_sweep_shapes`; ratio = zgemm time / jitla time."""
    import jitla

    rng = np.random.default_rng(0)
    print(f"dtype {np.dtype(dtype).name}; ratio = OpenBLAS zgemm time / jitla time (> 1: jitla faster)")
    print(f"{'shape':<14}{'m':>6}{'k':>6}{'n':>6}{'zgemm s':>10}{'1m':>7}{'1m_a':>7}{'3m':>7}  best  auto")
    for label, m, k, n in _sweep_shapes(only):
        A, B = _random(rng, (m, k), dtype), _random(rng, (k, n), dtype)
        calls = [
            lambda A=A, B=B: jitla.matmul(A, B, kernel="1m"),
            lambda A=A, B=B: jitla.matmul(A, B, kernel="1m_a"),
            lambda A=A, B=B: jitla.matmul(A, B, kernel="3m"),
            lambda A=A, B=B: A @ B,
        ]
        t1, t1a, t3, t_ref = _best(calls, repeat)
        auto = jitla.matmul_plan(A, B).kernel
        best = min((t1, "1m"), (t1a, "1m_a"), (t3, "3m"))[1]
        ratios = "".join(f"{t_ref / t:>7.2f}" for t in (t1, t1a, t3))
        line = f"{label:<14}{m:>6}{k:>6}{n:>6}{t_ref:>10.5f}{ratios}"
        print(f"{line}  {best:<4}  {auto}")


def _random(rng, shape, dtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def run(sizes, repeat, dtype):
    real = np.dtype(np.dtype(dtype).char.lower())
    print(f"dtype {np.dtype(dtype).name}; ratio = reference time / jitla time (> 1: jitla faster)")
    print(f"{'case':<28}{'n':>6}{'jitla s':>11}{'ref s':>11}{'ratio':>8}{'GFLOP/s':>9}  note")
    for n in sizes:
        for name, t_j, t_r, flops, note in _rows(n, repeat, dtype, real):
            gflops = flops / t_j / 1e9
            print(f"{name:<28}{n:>6}{t_j:>11.4f}{t_r:>11.4f}{t_r / t_j:>8.2f}{gflops:>9.1f}  {note}")


def _rows(n, repeat, dtype, real):
    """``(case, jitla s, reference s, flops, note)`` for every case at order n."""
    import scipy.linalg as sl

    import jitla
    import jitla.linalg as jl

    rng = np.random.default_rng(n)
    A, B = _random(rng, (n, n), dtype), _random(rng, (n, n), dtype)
    Ar, Br = A.real.copy(), B.real.copy()
    ref = A @ B
    rows = []
    for kernel in ("1m", "3m", "auto"):
        f = (
            (lambda: jitla.matmul(A, B))
            if kernel == "auto"
            else (lambda k=kernel: jitla.matmul(A, B, kernel=k))
        )
        C = f()
        err = np.abs(C - ref).max() / np.abs(ref).max()
        err_im = np.abs((C - ref).imag).max() / np.abs(ref.imag).max()
        t_j, t_r = _best([f, lambda: A @ B], repeat)
        note = f"max rel err {err:.1e} (imag {err_im:.1e}) vs numpy"
        if kernel == "auto":
            note += f"; plan {jitla.matmul_plan(A, B).kernel}"
        rows.append((f"zgemm {kernel}", t_j, t_r, 8.0 * n**3, note))
    t_j, t_r = _best([lambda: jitla.matmul(Ar, Br, kernel="packed"), lambda: Ar @ Br], repeat)
    rows.append((f"real gemm packed ({real.name})", t_j, t_r, 2.0 * n**3, "dgemm/sgemm reference"))

    H = (A @ A.conj().T + n * np.eye(n)).astype(dtype)
    S = (Ar @ Ar.T + n * np.eye(n)).astype(real)
    M = (A + n**0.5 * np.eye(n)).astype(dtype)
    Mr = (Ar + n**0.5 * np.eye(n)).astype(real)
    b, br = _random(rng, (n,), dtype), rng.standard_normal(n).astype(real)
    for name, fj, fr, flops in [
        ("zgetrf lu_factor", lambda: jl.lu_factor(M), lambda: sl.lu_factor(M), 8 * n**3 / 3),
        ("real getrf lu_factor", lambda: jl.lu_factor(Mr), lambda: sl.lu_factor(Mr), 2 * n**3 / 3),
        ("zgesv solve", lambda: jl.solve(M, b), lambda: np.linalg.solve(M, b), 8 * n**3 / 3),
        ("real gesv solve", lambda: jl.solve(Mr, br), lambda: np.linalg.solve(Mr, br), 2 * n**3 / 3),
        ("zpotrf cholesky", lambda: jl.cholesky(H), lambda: np.linalg.cholesky(H), 4 * n**3 / 3),
        ("real potrf cholesky", lambda: jl.cholesky(S), lambda: np.linalg.cholesky(S), n**3 / 3),
        ("complex inv", lambda: jl.inv(M), lambda: np.linalg.inv(M), 8 * n**3),
        ("complex det", lambda: jl.det(M), lambda: np.linalg.det(M), 8 * n**3 / 3),
    ]:
        t_j, t_r = _best([fj, fr], repeat)
        rows.append((name, t_j, t_r, flops, ""))
    return rows


def matmul_ratios(sizes, repeat, dtype):
    """``jitla.matmul(A, B)`` ("auto") against numpy's ``@`` on square complex *dtype* and the real dtype.

    Printed as jitla time / numpy time (< 1: jitla faster), the form of
    issue #16's per-size figures, with the plan matmul picked; the real
    column is the same call on the real parts (the real per-call path, for
    regressions).  Each pair alternates, best of at least *repeat* calls and
    of as many as fit in about 0.3 s (small orders need thousands).
    """
    import jitla

    print(f"dtype {np.dtype(dtype).name}; ratio = jitla time / numpy time (< 1: jitla faster)")
    print(f"{'n':>6}{'numpy s':>12}{'complex':>9}{'real':>7}  plan")
    for n in sizes:
        rng = np.random.default_rng(n)
        A, B = _random(rng, (n, n), dtype), _random(rng, (n, n), dtype)
        t0 = time.perf_counter()
        A @ B
        reps = max(repeat, min(3000, int(0.3 / max(time.perf_counter() - t0, 1e-7))))
        t_j, t_r = _best([lambda A=A, B=B: jitla.matmul(A, B), lambda A=A, B=B: A @ B], reps)
        Ar, Br = A.real.copy(), B.real.copy()
        t_jr, t_rr = _best([lambda A=Ar, B=Br: jitla.matmul(A, B), lambda A=Ar, B=Br: A @ B], reps)
        plan = jitla.matmul_plan(A, B).kernel
        print(f"{n:>6}{t_r:>12.2e}{t_j / t_r:>9.2f}{t_jr / t_rr:>7.2f}  {plan}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dtype", default="complex128", choices=["complex128", "complex64"])
    parser.add_argument("--sweep", action="store_true", help="1m vs 3M over sizes and update shapes")
    parser.add_argument(
        "--only", help="with --sweep: the shapes whose label starts so ('square', 'update', 'V')"
    )
    parser.add_argument("--cpu", action="store_true", help="time by process CPU time (shared machines)")
    parser.add_argument(
        "--matmul",
        action="store_true",
        help="jitla.matmul / numpy @ per order, complex and real (default orders 32..1024)",
    )
    args = parser.parse_args()
    args.sizes_given = args.sizes is not None
    if args.sizes is None:
        args.sizes = [128, 512, 1024]
    if args.cpu:
        _CLOCK[0] = time.process_time
    import numba

    # before the limit is entered: threadpoolctl limits only the BLAS libraries loaded
    # then, and scipy.linalg (the zgetrf / zpotrf references) loads its own OpenBLAS
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info, threadpool_limits

    numba.set_num_threads(1)
    with threadpool_limits(1):
        blas = [
            (i["internal_api"], i.get("architecture"), i["version"], i["num_threads"])
            for i in threadpool_info()
        ]
        print(f"BLAS {blas}, 1 thread; numba 1 thread")
        if args.sweep:
            sweep(args.repeat, np.dtype(args.dtype), args.only)
        elif args.matmul:
            sizes = args.sizes if args.sizes_given else [32, 48, 64, 96, 128, 192, 256, 384, 512, 1024]
            matmul_ratios(sizes, args.repeat, np.dtype(args.dtype))
        else:
            run(args.sizes, args.repeat, np.dtype(args.dtype))


if __name__ == "__main__":
    main()
