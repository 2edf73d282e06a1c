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
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from jitla import threads as limit_threads
from jitla.linalg._lstsq import lstsq
from jitla.profiling.timing import time_pair

SHAPES = [(2000, 50), (100_000, 50)]


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
    if "--digits" in sys.argv:
        head = ("problem", "cond", "qr", "refined", "normal", "svd", "numpy")
        print("{:38s} {:>8s} {:>5s} {:>7s} {:>6s} {:>5s} {:>5s}".format(*head))
        for name, cond, *d in digits_table():
            print(f"{name:38s} {cond:>8s} {d[0]:5.1f} {d[1]:7.1f} {d[2]:6.1f} {d[3]:5.1f} {d[4]:5.1f}")
