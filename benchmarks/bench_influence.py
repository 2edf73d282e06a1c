"""Influence measures: jitla's closed forms vs statsmodels' ``get_influence().summary_frame()``.

Both sides do the whole chain a user runs -- fit, influence, the summary
frame (DFBETAS of every parameter, Cook's D, studentized residuals, hat
values, DFFITS):

    jitla:        OLS(y, X).fit().get_influence().summary_frame()
    statsmodels:  sm.OLS(y, X).fit().get_influence().summary_frame()

float64, C order, X = [1, standard normal] (n, p).  The BLAS (used by both
fits) and Numba are pinned to the same thread count (:func:`jitla.threads`).

statsmodels computes DFBETAS and the externally studentized residuals by
refitting without each observation: n fits of (n - 1) x p, ``O(n^2 p^2)``.
At n = 100,000 that is about an hour, so there its time is *estimated*:
the part outside the leave-one-out loop is timed, and one loop iteration
(exactly what ``OLSInfluence._res_looo`` does per observation: fit,
params, mse_resid, det(cov_params)) is timed on a sample of rows and
multiplied by n.  The estimate is checked against the measured full time
at small n (``--validate``).

Run as a script for the table of devlog 008::

    python benchmarks/bench_influence.py            # n = 1,000 measured; 100,000 estimated; 1 and 2 threads
    python benchmarks/bench_influence.py --validate # estimate vs measured statsmodels at n = 1,000 and 2,000
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from jitla import threads as limit_threads
from jitla.kernels.regression import influence_flops
from jitla.profiling.timing import SPIN_PAUSE, time_pair
from jitla.regression import OLS
from jitla.regression._influence import OLSInfluence

SMALL = (1_000, 20)  # statsmodels measured in full (~1-8 s a call here)
LARGE = (100_000, 20)  # statsmodels estimated (its full run takes about an hour)


def _problem(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, p - 1))])
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    return X, y


def jitla_full(X, y):
    """Fit, influence and summary frame, as a user writes it."""
    return OLS(y, X).fit().get_influence().summary_frame()


def statsmodels_full(X, y):
    import statsmodels.api as sm

    return sm.OLS(y, X).fit().get_influence().summary_frame()


def statsmodels_estimate(X, y, sample: int = 8, seed: int = 1) -> tuple[float, float, float]:
    """Estimated seconds of :func:`statsmodels_full`: ``outside + n * per_refit``.

    Returns ``(estimate, outside, per_refit)``.  *outside* is the fit plus
    every measure that needs no refit (hat values, internally studentized
    residuals, Cook's D, DFFITS_internal); *per_refit* the best time of one
    leave-one-out iteration as statsmodels runs it, over *sample* rows.
    """
    import statsmodels.api as sm

    n = X.shape[0]
    start = time.perf_counter()
    infl = sm.OLS(y, X).fit().get_influence()
    for name in ("hat_matrix_diag", "resid_studentized_internal", "cooks_distance", "dffits_internal"):
        getattr(infl, name)
    outside = time.perf_counter() - start
    rows = np.random.default_rng(seed).choice(n, size=sample, replace=False)
    times = []
    for i in rows:
        keep = np.arange(n) != i  # statsmodels' LeaveOneOut builds the same mask
        start = time.perf_counter()
        r = sm.OLS(y[keep], X[keep]).fit()
        r.params, r.mse_resid, np.linalg.det(r.cov_params())  # noqa: B018 (what _res_looo keeps)
        times.append(time.perf_counter() - start)
    per_refit = min(times)
    return outside + n * per_refit, outside, per_refit


def _check_against_statsmodels(frame, X, y):
    """Max relative difference from statsmodels: hat values on 300 rows, DFBETAS of 3 rows by refits."""
    import statsmodels.api as sm

    m = 300
    ours = frame.to_numpy()[:m]
    # statsmodels' own DFBETAS would take an hour: refit without rows 0, 1, 2 as it does
    infl = sm.OLS(y, X).fit().get_influence()
    p = X.shape[1]
    err = np.abs(ours[:, p + 2] - infl.hat_matrix_diag[:m]) / np.abs(infl.hat_matrix_diag[:m])
    worst = float(err.max())
    for i in range(3):
        keep = np.arange(X.shape[0]) != i
        r = sm.OLS(y[keep], X[keep]).fit()
        scale = np.sqrt(r.mse_resid * np.diag(infl.results.normalized_cov_params))
        d = (infl.results.params - r.params) / scale
        worst = max(worst, float(np.max(np.abs(ours[i, :p] - d)) / np.max(np.abs(d))))
    return worst


@pytest.mark.parametrize("nthreads", [1, 2])
@pytest.mark.parametrize("impl", ["jitla", "statsmodels"])
def test_influence_small(benchmark, ratio_repeat, impl, nthreads):
    """n = 1,000, p = 20: statsmodels measured in full, alternating with jitla."""
    X, y = _problem(*SMALL)
    benchmark.group = f"influence summary_frame {SMALL[0]}x{SMALL[1]} float64, {nthreads} thread(s)"
    pause = SPIN_PAUSE if nthreads > 1 else 0.0
    with limit_threads(nthreads):
        if impl == "jitla":
            timing = time_pair(
                lambda: jitla_full(X, y),
                lambda: statsmodels_full(X, y),
                repeat=min(ratio_repeat, 3),
                pause=pause,
            )
            diff = np.nanmax(np.abs(jitla_full(X, y).to_numpy() - statsmodels_full(X, y).to_numpy()))
            benchmark.extra_info.update(
                n=SMALL[0],
                p=SMALL[1],
                threads=nthreads,
                speedup_vs_statsmodels=timing.ratio,
                jitla_s=timing.best,
                statsmodels_s=timing.ref_best,
                max_abs_diff=float(diff),
            )
            assert diff < 1e-8
            benchmark(jitla_full, X, y)
        else:
            benchmark.pedantic(statsmodels_full, (X, y), rounds=1, iterations=1)


@pytest.mark.parametrize("nthreads", [1, 2])
def test_influence_large(benchmark, ratio_repeat, nthreads):
    """n = 100,000, p = 20: jitla timed, statsmodels estimated (its LOO loop is ~an hour)."""
    X, y = _problem(*LARGE)
    benchmark.group = f"influence summary_frame {LARGE[0]}x{LARGE[1]} float64, {nthreads} thread(s)"
    with limit_threads(nthreads):
        jitla_full(X, y)  # compile / load
        times = []
        for _ in range(max(ratio_repeat, 3)):
            start = time.perf_counter()
            frame = jitla_full(X, y)
            times.append(time.perf_counter() - start)
        estimate, outside, per_refit = statsmodels_estimate(X, y, sample=4 if benchmark.disabled else 8)
        benchmark.extra_info.update(
            n=LARGE[0],
            p=LARGE[1],
            threads=nthreads,
            jitla_s=min(times),
            statsmodels_estimated_s=estimate,
            statsmodels_outside_loop_s=outside,
            statsmodels_per_refit_s=per_refit,
            speedup_vs_statsmodels_estimated=estimate / min(times),
            max_rel_diff_sampled=_check_against_statsmodels(frame, X, y),
        )
        benchmark(jitla_full, X, y)


def _influence_only(n, p, nthreads, repeat=5):
    """Best seconds of ``get_influence()`` alone (the kernel pass) and its GFLOP/s."""
    X, y = _problem(n, p)
    res = OLS(y, X).fit()
    with limit_threads(nthreads):
        OLSInfluence(res)
        best = min(_timed(lambda: OLSInfluence(res)) for _ in range(repeat))
    return best, influence_flops(n, p) / best / 1e9


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv):
    if "--validate" in argv:
        print("statsmodels estimate (outside + n * per-refit) vs its measured full summary_frame, 1 thread")
        with limit_threads(1):
            for n in (1_000, 2_000):
                X, y = _problem(n, 20)
                measured = _timed(lambda X=X, y=y: statsmodels_full(X, y))
                estimate, _, per = statsmodels_estimate(X, y, sample=20)
                print(f"n={n:6d}: measured {measured:7.2f} s, estimated {estimate:7.2f} s", end="")
                print(f" ({per * 1e3:.2f} ms/refit)")
        return
    print(f"{'n':>7s} {'p':>3s} {'thr':>3s} {'jitla s':>9s} {'statsmodels s':>14s} {'ratio':>9s}")
    for nthreads in (1, 2):
        pause = SPIN_PAUSE if nthreads > 1 else 0.0
        with limit_threads(nthreads):
            n, p = SMALL
            X, y = _problem(n, p)
            t = time_pair(
                lambda X=X, y=y: jitla_full(X, y),
                lambda X=X, y=y: statsmodels_full(X, y),
                repeat=3,
                pause=pause,
            )
            print(f"{n:7d} {p:3d} {nthreads:3d} {t.best:9.4f} {t.ref_best:14.2f} {t.ratio:9.0f}x")
            n, p = LARGE
            X, y = _problem(n, p)
            jitla_full(X, y)
            best = min(_timed(lambda X=X, y=y: jitla_full(X, y)) for _ in range(5))
            estimate, outside, per = statsmodels_estimate(X, y)
            note = f"(*estimated: {outside:.2f} s + n x {per * 1e3:.1f} ms per refit)"
            row = f"{n:7d} {p:3d} {nthreads:3d} {best:9.4f} {estimate:13.0f}* {estimate / best:9.0f}x"
            print(f"{row}   {note}")
    n, p = LARGE
    for nthreads in (1, 2):
        best, gflops = _influence_only(n, p, nthreads)
        print(f"get_influence() alone, {n} x {p}, {nthreads} thread(s): ", end="")
        print(f"{best * 1e3:.1f} ms, {gflops:.2f} GFLOP/s")


if __name__ == "__main__":
    main(sys.argv[1:])
