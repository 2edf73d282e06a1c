"""``lasso_path`` / ``enet_path`` against scikit-learn (and skglm where installed), issue 12's targets.

Problems: dense Gaussian X, 10 true non-zero coefficients, unit noise;
100 alphas from alpha_max down to 1e-3 alpha_max (``eps=1e-3``), every alpha
solved to the same certificate on both sides: scikit-learn's ``tol=1e-6``,
i.e. duality gap ``<= 1e-6 ||y||^2`` in the objective times n (the gaps each
library returns are checked against it and printed).

* tall:  n = 10,000, p = 1,000 (both sides form ``X^T X``: covariance mode)
* wide:  n = 1,000,  p = 10,000 (residual mode)

each for the lasso and the elastic net (``l1_ratio=0.5``).  Target: jitla
``>= 5x`` faster than scikit-learn's path at the same gap.

The tolerance mapping.  scikit-learn's ``tol`` is not a relative gap of the
1/(2n) objective: its ``cd_fast`` stops when the gap of the objective times
n is ``<= tol * ||y||^2``, and returns that gap divided by n.  jitla's
``tol`` is the same criterion by construction.  So both are run with
``tol=1e-6`` and each alpha's solution is then checked *here*, from X, y
and the returned coefficients only: ``gap_j / ||y||^2`` (objective times n)
must be ``<= 1e-6`` for every alpha; the table prints the largest and how
many alphas exceed it ("over").

Timing: jitla is compiled first (a tiny call, excluded); then jitla and the
reference are called alternately ``repeat`` times, best of each reported,
wall-clock ("speedup") and process CPU time ("cpu x", meaningful at one
thread: on a loaded machine it is the steadier of the two).  No separate
warm-up call of scikit-learn (nothing to compile; its wide paths take
tens of seconds).  Threads: :func:`jitla.threads` limits Numba and
OpenBLAS together (jitla's CD kernels are serial; ``X^T X`` runs on
OpenBLAS on both sides).  For the tall cases the time of ``X^T X`` alone
(numpy, the same threads) is printed too ("gram s"), and "bound" is the
reference's time over it: the largest speedup any method that forms the
Gram matrix can reach.

Run as a script (the table quoted in reports)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_lasso.py --repeat 3 --threads 1 2
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_lasso.py --cases tall  # quick

skglm (``pip install skglm``) is timed too when it imports: its ``Lasso`` /
``ElasticNet`` path through ``skglm.solvers.AndersonCD(tol=...)`` uses its own
stopping rule (KKT violation, not the gap), so its row reports the largest
relative gap of its solutions, computed here, beside the time.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from jitla import threads as limit_threads
from jitla.regression import enet_path

TOL = 1e-6
CASES = {
    "tall-lasso": (10_000, 1_000, 1.0),
    "tall-enet": (10_000, 1_000, 0.5),
    "wide-lasso": (1_000, 10_000, 1.0),
    "wide-enet": (1_000, 10_000, 0.5),
}


def problem(n, p, seed=0, nonzero=10):
    """Gaussian X (Fortran order, as scikit-learn's CD wants it), 10 true non-zeros, unit noise."""
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n, p)))
    beta = np.zeros(p)
    beta[:nonzero] = 2.0 * rng.standard_normal(nonzero)
    return X, X @ beta + rng.standard_normal(n)


def relative_gaps(X, y, alphas, coefs, l1_ratio):
    """Duality gap of each column of *coefs* (scikit-learn's formulation), over ``||y||^2 / n``.

    Independent of both solvers: computed here from X, y and the coefficients.
    """
    n = X.shape[0]
    R = y[:, None] - X @ coefs
    l1 = alphas * l1_ratio * n
    l2 = alphas * (1 - l1_ratio) * n
    XtA = X.T @ R - l2 * coefs
    dual_norm = np.abs(XtA).max(axis=0)
    scale = np.where(dual_norm > l1, l1 / np.maximum(dual_norm, 1e-300), 1.0)
    R2 = (R * R).sum(axis=0)
    w2 = (coefs * coefs).sum(axis=0)
    primal = 0.5 * (R2 + l2 * w2) + l1 * np.abs(coefs).sum(axis=0)
    dual = -0.5 * scale**2 * (R2 + l2 * w2) + scale * (R.T @ y)
    return (primal - dual) / (y @ y)


def _references(l1_ratio):
    refs = {}
    try:
        from sklearn.linear_model import enet_path as sk_enet_path

        def sk(X, y):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                alphas, coefs, _ = sk_enet_path(X, y, l1_ratio=l1_ratio, eps=1e-3, alphas=100, tol=TOL)
            return alphas, coefs

        refs["scikit-learn"] = sk
    except ImportError:  # pragma: no cover
        pass
    try:
        from skglm import ElasticNet as SkglmEnet
        from skglm import Lasso as SkglmLasso

        def skglm_path(X, y):
            from sklearn.linear_model._coordinate_descent import _alpha_grid

            alphas = _alpha_grid(X, y, l1_ratio=l1_ratio, fit_intercept=False, eps=1e-3, n_alphas=100)
            if l1_ratio == 1.0:
                est = SkglmLasso(fit_intercept=False, tol=TOL, warm_start=True)
            else:
                est = SkglmEnet(l1_ratio=l1_ratio, fit_intercept=False, tol=TOL, warm_start=True)
            coefs = np.empty((X.shape[1], len(alphas)))
            for i, a in enumerate(alphas):
                est.alpha = a
                coefs[:, i] = est.fit(X, y).coef_
            return alphas, coefs

        refs["skglm"] = skglm_path
    except ImportError:
        pass
    return refs


def measure(case, n_threads, repeat=1):
    n, p, l1_ratio = CASES[case]
    X, y = problem(n, p)
    enet_path(X[:50, :20], y[:50], l1_ratio=l1_ratio, n_alphas=3)  # compile outside the timing

    def ours():
        alphas, coefs, _ = enet_path(X, y, l1_ratio=l1_ratio, eps=1e-3, n_alphas=100, tol=TOL)
        return alphas, coefs

    rows = []
    with limit_threads(n_threads):
        gram = np.nan
        if n > p:
            gram = np.inf
            for _ in range(max(repeat, 2)):
                t0 = time.perf_counter()
                np.dot(X.T, X)  # what both libraries form first (numpy calls syrk for X^T X)
                gram = min(gram, time.perf_counter() - t0)
        for name, ref in _references(l1_ratio).items():
            best, ref_best, cpu, ref_cpu = np.inf, np.inf, np.inf, np.inf
            for _ in range(repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                a, c = ours()
                t1, c1 = time.perf_counter(), time.process_time()
                ra, rc = ref(X, y)
                t2, c2 = time.perf_counter(), time.process_time()
                best, ref_best = min(best, t1 - t0), min(ref_best, t2 - t1)
                cpu, ref_cpu = min(cpu, c1 - c0), min(ref_cpu, c2 - c1)
            gaps, ref_gaps = relative_gaps(X, y, a, c, l1_ratio), relative_gaps(X, y, ra, rc, l1_ratio)
            rows.append(
                dict(
                    case=case,
                    threads=n_threads,
                    reference=name,
                    jitla_s=best,
                    ref_s=ref_best,
                    speedup=ref_best / best,
                    cpu_speedup=ref_cpu / cpu,
                    gram_s=gram,
                    bound=ref_best / gram,
                    jitla_gap=float(gaps.max()),
                    ref_gap=float(ref_gaps.max()),
                    jitla_over=int((gaps > TOL).sum()),
                    ref_over=int((ref_gaps > TOL).sum()),
                    max_abs_diff=float(np.abs(c - rc).max()),
                )
            )
    return rows


def _main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cases", nargs="+", default=list(CASES), help="names, or 'tall' / 'wide'")
    args = parser.parse_args()
    cases = [c for c in CASES if any(c == s or c.startswith(s + "-") for s in args.cases)]
    try:
        import skglm  # noqa: F401
    except ImportError:
        print("skglm is not installed: no skglm rows")
    print(f"enet_path, 100 alphas to 1e-3 alpha_max, tol={TOL} (gap <= tol ||y||^2), best of {args.repeat}")
    head = (
        "case",
        "threads",
        "reference",
        "jitla s",
        "ref s",
        "speedup",
        "cpu x",
        "gram s",
        "bound",
        "gap jitla",
        "over",
        "gap ref",
        "over",
        "max|diff|",
    )
    widths = (10, 7, 12, 8, 8, 8, 7, 7, 7, 9, 4, 9, 4, 9)
    print(" ".join(f"{h:>{w}s}" for h, w in zip(head, widths, strict=True)))
    for case in cases:
        for nt in args.threads:
            for r in measure(case, nt, args.repeat):
                tall = np.isfinite(r["gram_s"])
                gram = f"{r['gram_s']:.3f}" if tall else "-"
                bound = f"{r['bound']:.2f}x" if tall else "-"
                print(
                    f"{r['case']:>10s} {r['threads']:7d} {r['reference']:>12s} {r['jitla_s']:8.3f} "
                    f"{r['ref_s']:8.3f} {r['speedup']:7.2f}x {r['cpu_speedup']:6.2f}x {gram:>7s} {bound:>7s} "
                    f"{r['jitla_gap']:9.1e} {r['jitla_over']:4d} {r['ref_gap']:9.1e} "
                    f"{r['ref_over']:4d} {r['max_abs_diff']:9.1e}",
                    flush=True,
                )


if __name__ == "__main__":
    _main()
