"""``RidgeCV`` and ``Ridge().fit`` against scikit-learn (issue 12's ridge performance target).

RidgeCV: n = 10,000, p = 1,000 float64, 100 alphas (log-spaced 1e-2 .. 1e4),
one target; the target is ``>= 3x`` faster than scikit-learn with the same
``alpha_``.  Two scikit-learn references:

* ``RidgeCV(alphas)`` as a user calls it (``gcv_mode=None``): for n > p
  scikit-learn >= 1.5 takes the eigendecomposition of ``X^T X`` and then, for
  *every* alpha, forms ``H^{-1} = V diag(1/(lam+alpha)) V^T`` (p^3) and the
  hat diagonal as ``sum((X @ H^{-1}) * X, 1)`` (``2 n p^2``): about 100 x
  2e10 flops here;
* ``RidgeCV(alphas, gcv_mode="svd")``: LAPACK's SVD of the centred X once,
  then per alpha ``sum(w * U**2, 1)`` and ``U @ (w * U^T y)`` (memory-bound
  passes over U).

jitla's ``RidgeCV`` (default ``gcv_mode``, the same eigendecomposition of
``X^T X``) forms ``Z = X V`` once and evaluates the whole grid as two
products ``(Z * Z) @ F`` and ``Z @ (F * Z^T y)``, ``F_jl = 1/(lam_j +
alpha_l)`` (devlog 025).

Ridge().fit: jitla's default solver ("qr": one TSQR pass over ``[1 | X | y]``,
then a small augmented QR) against scikit-learn's default (Cholesky of the
centred ``X^T X + alpha I``) at a few shapes.

Threads are limited for both sides with :func:`jitla.threads` (Numba and
OpenBLAS together); ratios from :func:`jitla.profiling.timing.time_pair`
(alternating, best of ``repeat``, warm-up excluded).  scikit-learn's default
RidgeCV takes minutes here, so its ratio is measured with one sample
(``--cv-repeat``).  Run as a script for the table quoted in reports::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_ridge.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_ridge.py --skip-default
"""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from jitla import threads as limit_threads
from jitla.profiling.timing import SPIN_PAUSE, time_pair
from jitla.regression import Ridge, RidgeCV

N, P, N_ALPHAS = 10_000, 1_000, 100
ALPHAS = np.logspace(-2, 4, N_ALPHAS)
FIT_SHAPES = [(100_000, 50), (10_000, 500), (2_000, 2_000)]


def _problem(n=N, p=P, seed=0):
    """A design with 100 true non-zero coefficients and noise: LOO picks an interior alpha."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-1.0, 1.0, p)
    beta = np.where(rng.random(p) < 0.1, rng.standard_normal(p), 0.0)
    y = 2.0 + X @ beta + 3.0 * rng.standard_normal(n)
    return X, y


def _sk_ridgecv(gcv_mode):
    from sklearn.linear_model import RidgeCV as SkRidgeCV

    return lambda X, y: SkRidgeCV(alphas=ALPHAS, gcv_mode=gcv_mode).fit(X, y)


def measure_cv(
    n_threads: int, repeat: int = 3, default_repeat: int = 1, X=None, y=None, skip_default=False, stream=False
):
    """Rows: jitla RidgeCV vs scikit-learn RidgeCV (gcv_mode "svd", and None unless skipped).

    *stream*: a generator that yields each row as soon as it is measured (for the script).
    """
    rows = _measure_cv(n_threads, repeat, default_repeat, X, y, skip_default)
    return rows if stream else list(rows)


def _measure_cv(n_threads, repeat, default_repeat, X, y, skip_default):
    if X is None:
        X, y = _problem()
    RidgeCV(alphas=ALPHAS).fit(X[:300, :40], y[:300])  # Numba's cache outside the timing
    references = [("svd", repeat)] + ([] if skip_default else [(None, default_repeat)])
    with limit_threads(n_threads):
        ours = RidgeCV(alphas=ALPHAS).fit(X, y)
        for mode, rep in references:
            ref_fit = _sk_ridgecv(mode)
            last = {}

            def ref_call(ref_fit=ref_fit, last=last):
                last["fit"] = ref_fit(X, y)  # kept: one more call of the default would take minutes

            timing = time_pair(
                lambda: RidgeCV(alphas=ALPHAS).fit(X, y),
                ref_call,
                repeat=rep,
                pause=SPIN_PAUSE if n_threads > 1 else 0.0,
            )
            ref = last["fit"]
            yield (
                dict(
                    threads=n_threads,
                    reference=f"RidgeCV(gcv_mode={mode!r})",
                    jitla_s=timing.best,
                    ref_s=timing.ref_best,
                    speedup=timing.ratio,
                    same_alpha=bool(ours.alpha_ == ref.alpha_),
                    alpha=ours.alpha_,
                    max_rel_coef_diff=float(np.abs(ours.coef_ - ref.coef_).max() / np.abs(ref.coef_).max()),
                )
            )


def measure_fit(n_threads: int, repeat: int = 5, shapes=FIT_SHAPES):
    """Rows: ``Ridge(alpha=1).fit`` vs scikit-learn's, one per shape."""
    from sklearn.linear_model import Ridge as SkRidge

    rows = []
    for n, p in shapes:
        X, y = _problem(n, p, seed=1)
        Ridge().fit(X[:200, : min(p, 20)], y[:200])
        with limit_threads(n_threads):
            timing = time_pair(
                lambda X=X, y=y: Ridge().fit(X, y),
                lambda X=X, y=y: SkRidge().fit(X, y),
                repeat=repeat,
                pause=SPIN_PAUSE if n_threads > 1 else 0.0,
            )
            ours, ref = Ridge().fit(X, y), SkRidge().fit(X, y)
        rows.append(
            dict(
                threads=n_threads,
                shape=f"{n}x{p}",
                solver=ours.solver_,
                jitla_s=timing.best,
                ref_s=timing.ref_best,
                speedup=timing.ratio,
                max_rel_coef_diff=float(np.abs(ours.coef_ - ref.coef_).max() / np.abs(ref.coef_).max()),
            )
        )
    return rows


def test_ridgecv_fit(benchmark, ratio_repeat, bench_threads):
    pytest.importorskip("sklearn")
    X, y = _problem()
    benchmark.group = f"RidgeCV.fit {N}x{P}, {N_ALPHAS} alphas, {bench_threads} thread(s)"
    row = measure_cv(bench_threads, min(ratio_repeat, 3), X=X, y=y, skip_default=True)[0]
    benchmark.extra_info.update(row)
    assert row["same_alpha"]
    with limit_threads(bench_threads):
        benchmark.pedantic(lambda: RidgeCV(alphas=ALPHAS).fit(X, y), rounds=3, iterations=1)


@pytest.mark.parametrize("shape", FIT_SHAPES, ids=[f"{n}x{p}" for n, p in FIT_SHAPES])
def test_ridge_fit(benchmark, ratio_repeat, bench_threads, shape):
    pytest.importorskip("sklearn")
    X, y = _problem(*shape, seed=1)
    benchmark.group = f"Ridge.fit {shape[0]}x{shape[1]}, {bench_threads} thread(s)"
    row = measure_fit(bench_threads, ratio_repeat, [shape])[0]
    benchmark.extra_info.update(row)
    assert row["max_rel_coef_diff"] < 1e-8
    with limit_threads(bench_threads):
        benchmark.pedantic(lambda: Ridge().fit(X, y), rounds=3, iterations=1)


def _main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cv-repeat", type=int, default=1, help="samples against scikit-learn's default")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--skip-default", action="store_true", help="skip scikit-learn's default (minutes)")
    parser.add_argument("--skip-fit", action="store_true")
    args = parser.parse_args()
    X, y = _problem()
    print(f"RidgeCV, {N} x {P} float64, {N_ALPHAS} alphas, alternating best-of samples")
    print(f"{'threads':>7s} {'reference':>26s} {'jitla s':>8s} {'ref s':>8s} {'speedup':>8s} same alpha_")
    for nt in args.threads:
        for r in measure_cv(nt, args.repeat, args.cv_repeat, X, y, args.skip_default, stream=True):
            print(
                f"{r['threads']:7d} {r['reference']:>26s} {r['jitla_s']:8.2f} {r['ref_s']:8.2f} "
                f"{r['speedup']:7.2f}x {r['same_alpha']} (alpha_={r['alpha']:.4g}, "
                f"coef rel diff {r['max_rel_coef_diff']:.1e})",
                flush=True,
            )
    if args.skip_fit:
        return
    print(f"\nRidge(alpha=1).fit vs scikit-learn Ridge(alpha=1).fit, best of {args.repeat + 2}")
    print(f"{'threads':>7s} {'shape':>12s} {'solver':>7s} {'jitla s':>8s} {'ref s':>8s} {'speedup':>8s}")
    for nt in args.threads:
        for r in measure_fit(nt, args.repeat + 2):
            print(
                f"{r['threads']:7d} {r['shape']:>12s} {r['solver']:>7s} {r['jitla_s']:8.3f} "
                f"{r['ref_s']:8.3f} {r['speedup']:7.2f}x  (coef rel diff {r['max_rel_coef_diff']:.1e})"
            )


if __name__ == "__main__":
    _main()
