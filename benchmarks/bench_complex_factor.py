"""Complex LU, Cholesky, QR, SVD, lstsq, eigh and eig against LAPACK, beside the same real ratio.

Issue 16 asks for complex LU/QR/SVD "within 1.5x of the real kernels' ratio
to LAPACK".  ``lu`` is ``lu_factor`` against ``scipy.linalg.lu_factor``
(getrf), ``cholesky`` against ``numpy.linalg.cholesky`` (potrf, lower) on
``A A^H + n I``; the rest against numpy.linalg.  For each size and operation this prints ``jitla / numpy`` for
float64 and for complex128 (and complex64 with ``--single``) on square
Gaussian matrices, and the quotient ``complex ratio / real ratio`` (the
target is <= 1.5); for QR also GFLOP/s with the nominal counts (real
``2mn^2 - 2n^3/3``, complex four times that in real flops).  Timing:
:func:`jitla.profiling.overhead.time_calls` (untimed first call, which
includes compilation, then alternating loops, best of *repeat*), inside
``jitla.threads(1)``, which pins Numba and, through threadpoolctl, OpenBLAS
to one thread.  Run as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_complex_factor.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_complex_factor.py \\
        --sizes 256 1024 --ops lu cholesky qr --repeat 5
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_complex_factor.py \\
        --sizes 256 --ops qr svd svdvals lstsq eigh eig --single

Defaults: sizes 256 and 1024, operations qr and svd, repeat 3.  At n = 1024
one complex SVD takes seconds on either side; expect a few minutes in all.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

# imported before ``jitla.threads(1)`` is entered: threadpoolctl limits only the BLAS
# libraries loaded at that moment, and scipy.linalg brings its own OpenBLAS (a lazy import
# inside the block left LAPACK's getrf on every core while jitla ran on one)
import scipy.linalg as sl

OPS = ("lu", "cholesky", "qr", "svd", "svdvals", "lstsq", "eigh", "eig")


def _pair(op, A, b):
    """``(jitla call, numpy call)`` for *op* on A (b: a right-hand side for lstsq)."""
    import jitla.linalg as jl

    if op == "lu":
        return (lambda: jl.lu_factor(A)), (lambda: sl.lu_factor(A))
    if op == "cholesky":
        S = A @ A.conj().T + A.shape[0] * np.eye(A.shape[0], dtype=A.dtype)
        return (lambda: jl.cholesky(S)), (lambda: np.linalg.cholesky(S))
    if op == "qr":
        return (lambda: jl.qr(A)), (lambda: np.linalg.qr(A))
    if op == "svd":
        return (lambda: jl.svd(A)), (lambda: np.linalg.svd(A))
    if op == "svdvals":
        return (lambda: jl.svdvals(A)), (lambda: np.linalg.svd(A, compute_uv=False))
    if op == "lstsq":
        return (lambda: jl.lstsq(A, b)), (lambda: np.linalg.lstsq(A, b))
    H = A + A.conj().T
    if op == "eigh":
        return (lambda: jl.eigh(H)), (lambda: np.linalg.eigh(H))
    return (lambda: jl.eig(A)), (lambda: np.linalg.eig(A))


def _cpu_pair(fn, ref, repeat):
    """Best process CPU seconds of one call of *fn* and of *ref*, alternating, after a warm-up call each.

    For a shared machine (``--cpu``): time slices lost to other processes do
    not count, cache contention still does.  Single calls, so only for calls
    well above the clock's resolution (n >= 100 here).
    """
    fn()
    ref()
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for i, f in enumerate((fn, ref)):
            t = time.process_time()
            f()
            best[i] = min(best[i], time.process_time() - t)
    return best[0], best[1], 1


def _matrix(rng, n, dtype):
    A = rng.standard_normal((n, n))
    if np.dtype(dtype).kind == "c":
        A = A + 1j * rng.standard_normal((n, n))
    return np.ascontiguousarray(A.astype(dtype))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--ops", nargs="+", choices=OPS, default=["qr", "svd"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--single", action="store_true", help="also float32 vs complex64")
    parser.add_argument(
        "--cpu", action="store_true", help="best process CPU time of single calls (shared machines)"
    )
    args = parser.parse_args(argv)

    import jitla
    from jitla.profiling.overhead import time_calls

    pairs = [(np.float64, np.complex128)]
    if args.single:
        pairs.append((np.float32, np.complex64))
    rng = np.random.default_rng(0)
    print("jitla / numpy time ratios, 1 thread (< 1: jitla faster)")
    print("c/r = complex ratio / real ratio (target <= 1.5); times in seconds")
    head = ("n", "op", "real", "t real", "ratio", "complex", "t cplx", "ratio", "c/r")
    with jitla.threads(1):
        from threadpoolctl import threadpool_info

        pools = ", ".join(
            f"{i['filepath'].rsplit('/', 1)[-1]}: {i['num_threads']}" for i in threadpool_info()
        )
        print(f"threads in the timed block: numba {jitla.get_num_threads()}, {pools}")
        print("{:>5} {:>8} {:>8} {:>9} {:>6} {:>10} {:>9} {:>6} {:>5}".format(*head))
        for n in args.sizes:
            for op in args.ops:
                for real, cplx in pairs:
                    row = []
                    for dtype in (real, cplx):
                        A = _matrix(rng, n, dtype)
                        b = _matrix(rng, n, dtype)[:, 0].copy()
                        fn, ref = _pair(op, A, b)
                        if args.cpu:
                            t, t_ref, _ = _cpu_pair(fn, ref, args.repeat)
                        else:
                            t, t_ref, _ = time_calls(fn, ref, n=n, repeat=args.repeat)
                        row.append((np.dtype(dtype).name, t, t / t_ref))
                    (rn, rt, rr), (cn, ct, cr) = row
                    line = f"{n:>5} {op:>8} {rn:>8} {rt:>9.4f} {rr:>6.2f} "
                    line += f"{cn:>10} {ct:>9.4f} {cr:>6.2f} {cr / rr:>5.2f}"
                    flops = {"qr": 2 * n**3 - 2 * n**3 / 3, "lu": 2 * n**3 / 3, "cholesky": n**3 / 3}.get(op)
                    if flops:
                        line += f"   GFLOP/s real {flops / rt / 1e9:.1f}, complex {4 * flops / ct / 1e9:.1f}"
                    print(line, flush=True)


if __name__ == "__main__":
    main()
