"""Least squares: ``jitla.linalg.lstsq`` vs ``numpy.linalg.lstsq``, and the cost of refinement.

One thread for both sides (jitla's QR kernels are serial here; OpenBLAS
pinned with :func:`jitla.threads`), float64, C order.  ``extra_info`` holds
the ratio measured alternately in the same test (:func:`time_pair`), the
nominal GFLOP/s of the QR (``2mn^2 - 2n^3/3``) and the max difference from
numpy.  numpy's ``lstsq`` is LAPACK ``dgelsd`` (an SVD by divide and
conquer), so the ratio compares jitla's QR route with the SVD route numpy
always takes; ``dgelsd`` does more work but in LAPACK-blocked form.

Run as a script for the accuracy table of devlog 004 (digits per method
against mpmath)::

    python benchmarks/bench_lstsq.py --digits

or for the table of devlog 103, a matrix b of k right-hand sides and the
1-D b and small-route shapes next to them: per shape the best jitla and
numpy times (best of ``--loops`` loops of ~20 ms, the two sides alternating
``--rounds`` times in one process), their ratio, and the minor page faults
per call of each side (fresh pages of large temporaries, ~2 us each on a VM)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=$PWD python benchmarks/bench_lstsq.py --rhs
    ... --rhs --shapes small      # or matrix, vector
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np
import pytest

from jitla import threads as limit_threads
from jitla.linalg._lstsq import lstsq
from jitla.profiling.timing import time_pair

SHAPES = [(2000, 50), (100_000, 50)]
#: (m, n, k): a matrix b (devlog 103); k = 0 is a 1-D b
RHS_SHAPES = [
    (10, 10, 10),
    (10, 10, 11),
    (10, 10, 20),
    (20, 10, 30),
    (100, 10, 10),
    (100, 10, 11),
    (100, 10, 20),
    (100, 10, 50),
    (1000, 50, 10),
    (1000, 50, 50),
    (1000, 50, 100),
    (2000, 100, 150),
    (100, 10, 200),
    (100, 100, 200),
    (300, 200, 400),
    (10, 20, 30),
]
VECTOR_SHAPES = [(3, 3, 0), (10, 10, 0), (100, 3, 0), (100, 100, 0), (1000, 50, 0), (1000, 10, 4)]


def _qr_flops(m, n):
    return 2.0 * m * n * n - 2.0 * n**3 / 3.0


def _problem(m, n):
    rng = np.random.default_rng(0)
    return rng.standard_normal((m, n)), rng.standard_normal(m)


@pytest.mark.parametrize(("m", "n"), SHAPES, ids=lambda v: str(v))
@pytest.mark.parametrize("impl", ["jitla", "numpy"])
def test_lstsq(benchmark, ratio_repeat, impl, m, n):
    A, b = _problem(m, n)
    benchmark.group = f"lstsq {m}x{n} float64, 1 thread"
    with limit_threads(1):
        if impl == "jitla":
            timing = time_pair(lambda: lstsq(A, b), lambda: np.linalg.lstsq(A, b), repeat=ratio_repeat)
            x = lstsq(A, b)[0]
            err = float(np.abs(x - np.linalg.lstsq(A, b)[0]).max())
            benchmark.extra_info.update(
                m=m,
                n=n,
                speedup_vs_numpy=timing.ratio,
                gflops=_qr_flops(m, n) / timing.best / 1e9,
                jitla_s=timing.best,
                numpy_s=timing.ref_best,
                max_abs_diff=err,
            )
            assert err < 1e-10
            benchmark(lstsq, A, b)
        else:
            benchmark(np.linalg.lstsq, A, b)


def _rhs_problem(m, n, k):
    rng = np.random.default_rng(1000 * m + 10 * n + k)  # one problem per shape, whatever the list
    A = rng.standard_normal((m, n))
    return A, (rng.standard_normal(m) if k == 0 else rng.standard_normal((m, k)))


@pytest.mark.parametrize(("m", "n", "k"), RHS_SHAPES[:12], ids=lambda v: str(v))
def test_lstsq_many_rhs(benchmark, ratio_repeat, m, n, k):
    """A matrix b: Q^T B inside the QR of ``[A | B]``, the small Householder route (devlog 103)."""
    A, B = _rhs_problem(m, n, k)
    benchmark.group = f"lstsq {m}x{n} k={k} float64, 1 thread"
    with limit_threads(1):
        timing = time_pair(lambda: lstsq(A, B), lambda: np.linalg.lstsq(A, B), repeat=ratio_repeat)
        err = float(np.abs(lstsq(A, B)[0] - np.linalg.lstsq(A, B)[0]).max())
        benchmark.extra_info.update(
            m=m, n=n, k=k, speedup_vs_numpy=timing.ratio, jitla_s=timing.best, numpy_s=timing.ref_best
        )
        assert err < 1e-10
        benchmark(lstsq, A, B)


def _best(f, reps, loops):
    best = float("inf")
    for _ in range(loops):
        t = time.perf_counter()
        for _ in range(reps):
            f()
        best = min(best, (time.perf_counter() - t) / reps)
    return best


def _faults(f, reps=20):
    """Minor page faults per call."""
    f()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(reps):
        f()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / reps


def _rhs_row(m, n, k, rounds, loops):
    """``(jitla s, numpy s, relative difference of x, page faults per call jitla, numpy)``."""
    A, B = _rhs_problem(m, n, k)

    def ours():
        return lstsq(A, B)

    def theirs():
        return np.linalg.lstsq(A, B)

    x1 = ours()[0]
    x0 = theirs()[0]
    diff = float(np.abs(x1 - x0).max() / np.abs(x0).max())
    reps = max(1, int(2e-2 / max(_best(theirs, 3, 1), 1e-6)))
    tj = tn = float("inf")
    for _ in range(rounds):
        tn = min(tn, _best(theirs, reps, loops))
        tj = min(tj, _best(ours, reps, loops))
    return tj, tn, diff, _faults(ours), _faults(theirs)


def rhs_table(argv) -> None:
    """Print devlog 103's table (see the module docstring)."""
    import warnings

    from threadpoolctl import threadpool_info, threadpool_limits

    p = argparse.ArgumentParser(prog="bench_lstsq.py --rhs")
    p.add_argument("--shapes", choices=("all", "matrix", "vector", "small"), default="all")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--loops", type=int, default=5)
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")
    shapes = {
        "all": RHS_SHAPES + VECTOR_SHAPES,
        "matrix": RHS_SHAPES,
        "vector": VECTOR_SHAPES,
        "small": [s for s in RHS_SHAPES + VECTOR_SHAPES if s[0] * s[1] <= 1000],
    }[args.shapes]
    with threadpool_limits(1):
        kernels = {d.get("internal_api"): d.get("architecture") for d in threadpool_info()}
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
        print(f"BLAS {kernels}, 1 thread, float64, load {load}")
        for m, n, k in shapes:
            tj, tn, diff, fj, fn = _rhs_row(m, n, k, args.rounds, args.loops)
            label = f"{m:5d} x {n:<4d} k={k if k else '1-D':<4}"
            print(
                f"{label} jitla {tj * 1e6:9.1f} us  numpy {tn * 1e6:9.1f} us  ratio {tj / tn:5.2f}"
                f"  rel diff {diff:.1e}  page faults/call {fj:.0f} / {fn:.0f}",
                flush=True,
            )


@pytest.mark.parametrize(("m", "n"), SHAPES, ids=lambda v: str(v))
def test_refine_overhead(benchmark, ratio_repeat, m, n):
    """``refine=True`` against plain QR: two double-double residuals (~50mn flops) per step."""
    A, b = _problem(m, n)
    benchmark.group = f"lstsq refine {m}x{n} float64, 1 thread"
    with limit_threads(1):
        timing = time_pair(lambda: lstsq(A, b, refine=True), lambda: lstsq(A, b), repeat=ratio_repeat)
        benchmark.extra_info.update(
            m=m, n=n, refine_s=timing.best, plain_s=timing.ref_best, overhead=timing.best / timing.ref_best
        )
        benchmark(lstsq, A, b, refine=True)


def digits_table() -> list[tuple]:
    """Worst-coefficient correct digits vs mpmath: (problem, cond, qr, refined, normal, svd, numpy).

    The raw-x fit has ``s_min / s_max = 9e-16``, below the default rcond: it is
    solved with ``rcond=1e-17`` (by numpy too) so that every method solves the
    same full-rank problem.
    """
    sys.path.insert(0, "tests")
    import naive
    from test_refine import collinear_design, digits, vandermonde

    t01 = np.linspace(0.0, 1.0, 30)
    t39 = np.linspace(3.0, 9.0, 40)
    rng = np.random.default_rng(20240611)
    problems = [
        ("degree-10 fit on [0, 1], smooth y", vandermonde(t01), np.exp(t01), None),
        (
            "degree-10 fit on [0, 1], noisy y",
            vandermonde(t01),
            np.exp(t01) + 0.5 * rng.standard_normal(30),
            None,
        ),
        ("degree-10 fit in raw x in [3, 9]", vandermonde(t39), np.cos(t39), 1e-17),
        *[(f"Longley-like design, seed {s}", *collinear_design(s), None) for s in range(3)],
    ]
    rows = []
    for name, A, b, rcond in problems:
        ref, _ = naive.lstsq_mp(A, b, 80)
        row = [name, f"{np.linalg.cond(A):.1e}"]
        for method, refine in (("qr", False), ("qr", True), ("normal", False), ("svd", False)):
            try:
                x = lstsq(A, b, rcond, method=method, refine=refine)[0]
                row.append(float(digits(x, ref).min()))
            except np.linalg.LinAlgError:
                row.append(float("nan"))
        row.append(float(digits(np.linalg.lstsq(A, b, rcond=rcond)[0], ref).min()))
        rows.append(tuple(row))
    return rows


if __name__ == "__main__":
    if "--rhs" in sys.argv:
        import scipy  # noqa: F401  (before threadpoolctl limits the threads)

        rhs_table([a for a in sys.argv[1:] if a != "--rhs"])
    elif "--digits" in sys.argv:
        head = ("problem", "cond", "qr", "refined", "normal", "svd", "numpy")
        print("{:38s} {:>8s} {:>5s} {:>7s} {:>6s} {:>5s} {:>5s}".format(*head))
        for name, cond, *d in digits_table():
            print(f"{name:38s} {cond:>8s} {d[0]:5.1f} {d[1]:7.1f} {d[2]:6.1f} {d[3]:5.1f} {d[4]:5.1f}")
