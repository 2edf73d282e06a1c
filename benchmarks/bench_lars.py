"""``lars_path`` (LARS and lasso-LARS), ``PLSRegression`` and ``PCR`` against scikit-learn.

lars_path: the full path (``max_iter=500``, every column may join) on
n = 1,000, p = 200 and n = 200, p = 1,000 float64, centred Gaussian data
with 20 true non-zeros, for ``method="lar"`` and ``"lasso"``, both sides
called as users call them (``Gram=None``: no ``X^T X`` formed; scikit-learn
then computes the direction's correlations with two BLAS GEMVs per step,
jitla's kernel with its own loops) and with ``Gram="auto"`` where it forms
one (n > p).

PLS / PCR fit: n = 10,000, p = 100, k = 10 components, one target (PLS1)
and 5 targets (PLS2: power iterations), against ``sklearn.cross_decomposition.
PLSRegression`` and ``make_pipeline(PCA(k), LinearRegression())``.

Threads are limited for both sides with :func:`jitla.threads` (Numba and
OpenBLAS together); ratios from :func:`jitla.profiling.timing.time_pair`
(alternating, best of ``repeat``, warm-up excluded).  Run as a script::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_lars.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_lars.py --threads 1 --repeat 3
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pytest

from jitla import threads as limit_threads
from jitla.profiling.timing import SPIN_PAUSE, time_pair
from jitla.regression import PCR, PLSRegression, lars_path

LARS_SHAPES = [(1_000, 200), (200, 1_000)]
PLS_SHAPE = (10_000, 100)
PLS_K = 10


def _lars_problem(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[rng.choice(p, 20, replace=False)] = rng.standard_normal(20) * 2
    y = X @ beta + rng.standard_normal(n)
    return X - X.mean(axis=0), y - y.mean()


def _pls_problem(q, seed=1):
    n, p = PLS_SHAPE
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) @ (np.eye(p) + 0.2 * rng.standard_normal((p, p)))
    Y = X @ rng.standard_normal((p, q)) * 0.1 + rng.standard_normal((n, q))
    return X, Y[:, 0] if q == 1 else Y


def measure_lars(n_threads, repeat=5, shapes=LARS_SHAPES):
    """Rows: jitla's lars_path vs scikit-learn's, per shape, method and Gram choice."""
    from sklearn.linear_model import lars_path as sk_lars_path

    rows = []
    for n, p in shapes:
        X, y = _lars_problem(n, p)
        lars_path(X[:50, :10], y[:50], method="lasso")  # Numba's cache outside the timing
        grams = [None, "auto"] if n > p else [None]
        for method in ("lar", "lasso"):
            for gram in grams:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # degenerate / early-stop warnings at the path's end
                    with limit_threads(n_threads):
                        timing = time_pair(
                            lambda X=X, y=y, m=method, g=gram: lars_path(X, y, Gram=g, method=m),
                            lambda X=X, y=y, m=method, g=gram: sk_lars_path(X, y, Gram=g, method=m),
                            repeat=repeat,
                            pause=SPIN_PAUSE if n_threads > 1 else 0.0,
                        )
                    ours = lars_path(X, y, Gram=gram, method=method)
                    ref = sk_lars_path(X, y, Gram=gram, method=method)
                m = min(len(ours[0]), len(ref[0]), 20)
                rows.append(
                    dict(
                        threads=n_threads,
                        shape=f"{n}x{p}",
                        method=method,
                        gram=str(gram),
                        knots=f"{len(ours[0])}/{len(ref[0])}",
                        jitla_s=timing.best,
                        ref_s=timing.ref_best,
                        speedup=timing.ratio,
                        first20_rel_diff=float(
                            np.abs(ours[2][:, :m] - ref[2][:, :m]).max() / np.abs(ref[2][:, :m]).max()
                        ),
                    )
                )
    return rows


def measure_components(n_threads, repeat=5):
    """Rows: PLSRegression (1 and 5 targets) and PCR fits vs scikit-learn's."""
    from sklearn.cross_decomposition import PLSRegression as SkPLS
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline

    rows = []
    for name, q in (("PLS1", 1), ("PLS2 (5 targets)", 5), ("PCR", 1)):
        X, Y = _pls_problem(q)
        if name == "PCR":
            ours_fit = lambda X=X, Y=Y: PCR(n_components=PLS_K).fit(X, Y)  # noqa: E731
            ref_fit = lambda X=X, Y=Y: make_pipeline(PCA(PLS_K), LinearRegression()).fit(X, Y)  # noqa: E731
        else:
            ours_fit = lambda X=X, Y=Y: PLSRegression(n_components=PLS_K).fit(X, Y)  # noqa: E731
            ref_fit = lambda X=X, Y=Y: SkPLS(n_components=PLS_K).fit(X, Y)  # noqa: E731
        ours_fit()  # Numba's cache outside the timing
        with limit_threads(n_threads):
            timing = time_pair(ours_fit, ref_fit, repeat=repeat, pause=SPIN_PAUSE if n_threads > 1 else 0.0)
            ours, ref = ours_fit(), ref_fit()
        pred_ours, pred_ref = ours.predict(X[:100]), ref.predict(X[:100])
        rows.append(
            dict(
                threads=n_threads,
                fit=name,
                jitla_s=timing.best,
                ref_s=timing.ref_best,
                speedup=timing.ratio,
                pred_rel_diff=float(np.abs(pred_ours - pred_ref).max() / np.abs(pred_ref).max()),
            )
        )
    return rows


@pytest.mark.parametrize("shape", LARS_SHAPES, ids=[f"{n}x{p}" for n, p in LARS_SHAPES])
def test_lars_path(benchmark, ratio_repeat, bench_threads, shape):
    pytest.importorskip("sklearn")
    X, y = _lars_problem(*shape)
    benchmark.group = f"lars_path lasso {shape[0]}x{shape[1]}, {bench_threads} thread(s)"
    rows = measure_lars(bench_threads, ratio_repeat, [shape])
    benchmark.extra_info.update({f"{r['method']}/{r['gram']}": r["speedup"] for r in rows})
    with limit_threads(bench_threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        benchmark.pedantic(lambda: lars_path(X, y, method="lasso"), rounds=3, iterations=1)


def test_pls_pcr_fit(benchmark, ratio_repeat, bench_threads):
    pytest.importorskip("sklearn")
    X, Y = _pls_problem(1)
    benchmark.group = f"PLS/PCR fit {PLS_SHAPE[0]}x{PLS_SHAPE[1]}, k={PLS_K}, {bench_threads} thread(s)"
    rows = measure_components(bench_threads, ratio_repeat)
    benchmark.extra_info.update({r["fit"]: r["speedup"] for r in rows})
    with limit_threads(bench_threads):
        benchmark.pedantic(lambda: PLSRegression(n_components=PLS_K).fit(X, Y), rounds=3, iterations=1)


def _main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--skip-components", action="store_true")
    args = parser.parse_args()
    print("lars_path vs sklearn.linear_model.lars_path (full path), alternating best-of samples")
    print(
        f"{'threads':>7s} {'shape':>9s} {'method':>6s} {'Gram':>5s} {'knots':>9s} {'jitla s':>8s} "
        f"{'ref s':>8s} {'speedup':>8s}"
    )
    for nt in args.threads:
        for r in measure_lars(nt, args.repeat):
            print(
                f"{r['threads']:7d} {r['shape']:>9s} {r['method']:>6s} {r['gram']:>5s} {r['knots']:>9s} "
                f"{r['jitla_s']:8.4f} {r['ref_s']:8.4f} {r['speedup']:7.2f}x  "
                f"(first 20 knots rel diff {r['first20_rel_diff']:.1e})",
                flush=True,
            )
    if args.skip_components:
        return
    n, p = PLS_SHAPE
    print(f"\nPLSRegression / PCR fit, {n} x {p}, {PLS_K} components, vs scikit-learn")
    print(f"{'threads':>7s} {'fit':>17s} {'jitla s':>8s} {'ref s':>8s} {'speedup':>8s}")
    for nt in args.threads:
        for r in measure_components(nt, args.repeat):
            print(
                f"{r['threads']:7d} {r['fit']:>17s} {r['jitla_s']:8.4f} {r['ref_s']:8.4f} "
                f"{r['speedup']:7.2f}x  (prediction rel diff {r['pred_rel_diff']:.1e})",
                flush=True,
            )


if __name__ == "__main__":
    _main()
