"""The SVD family at n = 50-300 against numpy/scipy, 1 thread, float64, warm cache.

Issue 10, Part 2.2 asks for every ``jitla.linalg`` function at n = 100 to take
at most numpy's/scipy's time.  This script prints, for square Gaussian
matrices (and the diagonally shifted ``G + n I`` that ``jitla bench overhead``
uses), ``jitla time / reference time`` (< 1: jitla faster) for ``svd``,
``svdvals``, ``pinv``, ``matrix_rank``, ``cond``, ``norm(A, 2)``,
``null_space`` and ``orth`` with the default ("auto": the bidiagonal route),
and for ``svd`` / ``svdvals`` with ``method="jacobi"`` (the relatively
accurate one-sided Jacobi, for comparison).  Timing:
:func:`jitla.profiling.overhead.time_calls` (untimed first call, alternating
loops, best of *repeat*), inside ``jitla.threads(1)``, which pins Numba and,
through threadpoolctl, OpenBLAS.  Run as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_svd_family.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_svd_family.py --sizes 100 --repeat 9
"""

from __future__ import annotations

import argparse

import numpy as np


def _cases(A):
    import scipy.linalg as sl

    import jitla.linalg as jl

    return [
        ("svd", lambda: jl.svd(A), lambda: np.linalg.svd(A)),
        ("svdvals", lambda: jl.svdvals(A), lambda: np.linalg.svd(A, compute_uv=False)),
        ("pinv", lambda: jl.pinv(A), lambda: np.linalg.pinv(A)),
        ("matrix_rank", lambda: jl.matrix_rank(A), lambda: np.linalg.matrix_rank(A)),
        ("cond", lambda: jl.cond(A), lambda: np.linalg.cond(A)),
        ("norm(A, 2)", lambda: jl.norm(A, 2), lambda: np.linalg.norm(A, 2)),
        ("null_space", lambda: jl.null_space(A), lambda: sl.null_space(A)),
        ("orth", lambda: jl.orth(A), lambda: sl.orth(A)),
        ("svd jacobi", lambda: jl.svd(A, method="jacobi"), lambda: np.linalg.svd(A)),
        (
            "svdvals jacobi",
            lambda: jl.svdvals(A, method="jacobi"),
            lambda: np.linalg.svd(A, compute_uv=False),
        ),
    ]


def main(argv=None):
    import jitla
    from jitla.profiling.overhead import time_calls

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[50, 100, 200, 300])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--matrix", choices=["gaussian", "shifted", "both"], default="both")
    args = parser.parse_args(argv)
    kinds = ["gaussian", "shifted"] if args.matrix == "both" else [args.matrix]
    print(f"{'function':<16}{'matrix':<10}{'n':>5}{'jitla us':>12}{'ref us':>12}{'ratio':>8}")
    with jitla.threads(1):
        for n in args.sizes:
            rng = np.random.default_rng(n)
            for kind in kinds:
                A = rng.standard_normal((n, n))
                if kind == "shifted":
                    A += n * np.eye(n)
                for name, fn, ref in _cases(A):
                    t, t_ref, _ = time_calls(fn, ref, n=n, repeat=args.repeat)
                    print(
                        f"{name:<16}{kind:<10}{n:>5}{t * 1e6:>12.1f}{t_ref * 1e6:>12.1f}{t / t_ref:>8.2f}",
                        flush=True,
                    )
    print("ratio = jitla time / reference time (< 1: jitla faster); 1 thread both sides, best of loops")


if __name__ == "__main__":
    main()
