"""``best_subsets`` and ``stepwise`` at p = 20, 25, 30, n = 500 (issue 12: p = 30, all sizes in <= 2 s).

Three kinds of data, because what the bound cuts depends on them:

* ``sparse``:  independent columns, 8 true effects (2, 1.5, ..., 0.25) and
  unit noise -- the textbook case;
* ``ar0.8``:   AR(1)-correlated columns (rho = 0.8), 5 small effects,
  noise sd 3 -- many subsets of each size nearly tie;
* ``noise``:   y independent of X -- no variable matters.

For each, the seconds of one ``best_subsets(X, y)`` call (all sizes 1..p,
the OLS refits of the p chosen models included), of its search kernel
alone (``leaps``), the nodes it built against the ``2^(p-1)`` of the whole
tree, and two exhaustive references:

* ``tree``: the same dropping-columns tree without the cut
  (:func:`jitla.kernels.subsets.subsets_exhaustive`: every subset's RSS
  from one Givens-updated factor per node) -- timed at p <= ``--tree-max``
  (20 by default), estimated above it from its time per node;
* ``lstsq``: the exhaustive search a user would write, every subset refitted
  by ``numpy.linalg.lstsq``; timed on 2,000 random subsets and scaled to
  ``2^p - 1`` (the real one takes minutes at p = 20 and days at p = 30).

Then one ``stepwise(..., criterion="aic")`` call per direction.

Best of ``--repeat`` calls after a warm-up call (compilation excluded), one
thread for jitla and OpenBLAS (:func:`jitla.threads`).  Run as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_subsets.py
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pytest

from jitla import threads as limit_threads
from jitla.linalg._selection import leaps
from jitla.regression import best_subsets, stepwise

N = 500
SIZES = (20, 25, 30)
KINDS = ("sparse", "ar0.8", "noise")


def problem(kind: str, p: int, n: int = N, seed: int = 0):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    if kind == "ar0.8":
        X = np.empty((n, p))
        X[:, 0] = Z[:, 0]
        for j in range(1, p):
            X[:, j] = 0.8 * X[:, j - 1] + 0.6 * Z[:, j]
    else:
        X = Z
    e = rng.standard_normal(n)
    if kind == "sparse":
        beta = np.zeros(p)
        beta[rng.permutation(p)[:8]] = np.linspace(2.0, 0.25, 8)
        y = 1.0 + X @ beta + e
    elif kind == "ar0.8":
        beta = np.zeros(p)
        beta[rng.permutation(p)[:5]] = 0.3
        y = 1.0 + X @ beta + 3.0 * e
    else:
        y = e
    return X, y


def _factor(X, y):
    A = np.column_stack([X, y])
    A = A - A.mean(axis=0)
    return np.ascontiguousarray(np.linalg.qr(A, mode="r"))


def best_of(fn, repeat):
    fn()
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def exhaustive_estimate(X, y, samples=2000, seed=1):
    """Seconds for ``2^p - 1`` lstsq refits, from *samples* timed ones."""
    n, p = X.shape
    rng = np.random.default_rng(seed)
    subsets = [np.flatnonzero(rng.random(p) < 0.5) for _ in range(samples)]
    ones = np.ones((n, 1))
    t = time.perf_counter()
    for cols in subsets:
        A = np.hstack([ones, X[:, cols]])
        np.linalg.lstsq(A, y, rcond=None)
    per = (time.perf_counter() - t) / samples
    return per * (2.0**p - 1)


def measure(kind, p, repeat=3, tree_max=20):
    X, y = problem(kind, p)
    R = _factor(X, y)
    call = best_of(lambda: best_subsets(X, y), repeat)
    search = best_of(lambda: leaps(R, p), repeat)
    _, _, nodes, pruned = leaps(R, p)
    q = min(p, tree_max)
    Rq = _factor(X[:, :q], y)
    tree = best_of(lambda: leaps(Rq, q, variant="exhaustive"), 1) * 2.0 ** (p - q)
    steps = {
        d: best_of(lambda d=d: stepwise(X, y, d, "aic"), repeat) for d in ("forward", "backward", "both")
    }
    return {
        "kind": kind,
        "p": p,
        "call_s": call,
        "search_s": search,
        "nodes": nodes,
        "pruned": pruned,
        "tree_s": tree,
        "lstsq_s": exhaustive_estimate(X, y),
        **{f"stepwise_{d}_s": t for d, t in steps.items()},
    }


@pytest.mark.parametrize("p", SIZES)
def test_best_subsets(benchmark, p):
    X, y = problem("sparse", p)
    with limit_threads(1):
        benchmark(best_subsets, X, y)


def _main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument(
        "--tree-max", type=int, default=20, help="largest p at which the exhaustive tree runs"
    )
    args = parser.parse_args()
    print(f"n = {N}, 1 thread; seconds per call (best of {args.repeat})")
    print(f"tree: exhaustive tree (timed at p <= {args.tree_max}, scaled by 2^(p - {args.tree_max}) above);")
    print("lstsq: every subset refitted (estimated); ratios: reference / best_subsets call")
    print(
        f"{'data':>7} {'p':>3} {'call':>8} {'leaps':>8} {'nodes':>8} {'2^(p-1)':>10} {'tree':>9} "
        f"{'ratio':>7} {'lstsq':>10} {'ratio':>9} {'fwd':>7} {'bwd':>7} {'both':>7}"
    )
    with limit_threads(1):
        for kind in KINDS:
            for p in args.sizes:
                m = measure(kind, p, args.repeat, args.tree_max)
                steps = " ".join(f"{m[f'stepwise_{d}_s']:7.4f}" for d in ("forward", "backward", "both"))
                print(
                    f"{kind:>7} {p:>3} {m['call_s']:8.4f} {m['search_s']:8.4f} {m['nodes']:>8} "
                    f"{2 ** (p - 1):>10} {m['tree_s']:9.2f} {m['tree_s'] / m['call_s']:7.0f} "
                    f"{m['lstsq_s']:10.0f} {m['lstsq_s'] / m['call_s']:9.0f} {steps}"
                )


if __name__ == "__main__":
    _main()
