"""OLS on a chunked Dask array: jitla's one-pass TSQR fit (with standard errors) against Dask's own lstsq.

Issue 15's in-memory comparison: n = 10^7, p = 20 (a constant and 19
standard-normal columns) as a persisted Dask array of row chunks, Dask's
threaded scheduler with the machine's cores.  Timed (best of ``repeat``):

* jitla: ``OLS(y, X).fit()`` then ``bse`` -- one pass over the chunks;
* Dask: ``dask.array.linalg.lstsq(X, y)`` -- coefficients only (it forms Q,
  needs a single column chunk, gives no standard errors);
* dask-ml ``LinearRegression(penalty="none")`` when installed.

Accuracy on a kappa = 1e7 design (n = 10^6): the largest relative error of
the coefficients against jitla's refined in-memory fit, for each method
and for the normal equations.  Run by hand::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_dask.py [--n 10000000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


def _data(n: int, p: int, chunk: int, seed: int = 0):
    rs = da.random.RandomState(seed)
    Z = rs.standard_normal((n, p - 1), chunks=(chunk, p - 1))
    X = da.concatenate([da.ones((n, 1), chunks=(chunk, 1)), Z], axis=1).rechunk((chunk, p))
    beta = np.arange(1.0, p + 1)
    y = X @ beta + rs.standard_normal(n, chunks=chunk)
    return dask.persist(X, y)


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def timing(n: int, p: int, chunk: int, repeat: int) -> dict:
    from jitla.regression import OLS

    X, y = _data(n, p, chunk)
    _ = OLS(y[:chunk], X[:chunk]).fit().bse  # compile outside the timing
    rows = {}
    t_j, res = _best(lambda: OLS(y, X).fit(), repeat)
    rows["jitla OLS (params + bse)"] = t_j
    t_d, (b_d, *_rest) = _best(lambda: dask.compute(*da.linalg.lstsq(X, y)), repeat)
    rows["dask.array.linalg.lstsq (params)"] = t_d
    diff = float(np.max(np.abs(b_d - np.asarray(res.params)) / np.abs(np.asarray(res.params))))
    try:
        from dask_ml.linear_model import LinearRegression as DaskMLLinearRegression

        t_m, _ = _best(lambda: DaskMLLinearRegression(penalty="none", fit_intercept=False).fit(X, y), repeat)
        rows["dask-ml LinearRegression (params)"] = t_m
    except ImportError:
        pass
    return {"times": rows, "max_rel_diff_dask_vs_jitla": diff}


def accuracy(n: int = 1_000_000, chunk: int = 100_000, seed: int = 1) -> dict:
    from jitla.regression import OLS

    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 1, n)
    X = np.column_stack([np.ones(n), t, t + 1e-7 * rng.standard_normal(n)])
    y = X @ np.array([1.0, 2.0, 3.0]) + 1e-9 * rng.standard_normal(n)
    exact = np.asarray(OLS(y, X).fit(refine=True).params)
    dX, dy = da.from_array(X, chunks=(chunk, 3)), da.from_array(y, chunks=chunk)
    out = {
        "jitla (Dask, TSQR)": np.asarray(OLS(dy, dX).fit().params),
        "dask.array.linalg.lstsq": dask.compute(da.linalg.lstsq(dX, dy)[0])[0],
        "normal equations": np.linalg.solve(X.T @ X, X.T @ y),
    }
    return {k: float(np.max(np.abs(v - exact) / np.abs(exact))) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--p", type=int, default=20)
    ap.add_argument("--chunk", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with dask.config.set(scheduler="threads"):
        out = timing(args.n, args.p, args.chunk, args.repeat)
        print(f"n = {args.n:,}, p = {args.p}, chunks of {args.chunk:,} rows, threaded scheduler")
        base = out["times"]["jitla OLS (params + bse)"]
        for name, t in out["times"].items():
            print(f"  {name:38s} {t:8.3f} s   {t / base:5.2f}x jitla's time")
        diff = out["max_rel_diff_dask_vs_jitla"]
        print(f"  coefficients, dask lstsq vs jitla: max relative difference {diff:.1e}")
        print("accuracy, kappa = 1e7, n = 10^6 (max relative coefficient error vs the refined fit):")
        for name, err in accuracy().items():
            print(f"  {name:38s} {err:.1e}")


def test_bench_dask_smoke():
    with dask.config.set(scheduler="sync"):
        out = timing(20_000, 5, 5_000, 1)
    assert out["max_rel_diff_dask_vs_jitla"] < 1e-10


if __name__ == "__main__":
    main()
