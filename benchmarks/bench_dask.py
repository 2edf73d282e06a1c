"""OLS on a chunked Dask array: jitla's one-pass TSQR fit (with standard errors) against Dask's own lstsq.

Issue 15's in-memory comparison: n = 10^7, p = 20 (a constant and 19
standard-normal columns) as a persisted Dask array of row chunks, Dask's
threaded scheduler with the machine's cores.  Timed (best of ``repeat``):

* jitla: ``OLS(y, X).fit()`` then ``bse`` -- one pass over the chunks;
* Dask: ``dask.array.linalg.lstsq(X, y)`` -- coefficients only (it forms Q,
  needs a single column chunk, gives no standard errors);
* dask-ml ``LinearRegression`` when installed (``penalty="l2", C=1e12``:
  dask-ml 2025.1 rejects ``penalty="none"``).

Accuracy on a kappa = 1e7 design (n = 10^6): the largest relative error of
the coefficients against jitla's refined in-memory fit, for each method
and for the normal equations.  Run by hand::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_dask.py [--n 10000000]
    python benchmarks/bench_dask.py --parquet /tmp/jitla_ooc --parquet-n 30000000   # out of core

The out-of-core run writes a Parquet data set (30e6 x 20: about 4.8 GB as
float64, ~4.5 GB on disk) unless the directory exists, then fits OLS with
HC1 standard errors from it on a two-worker LocalCluster with a 1.5 GiB
memory limit per worker (peak worker memory by ``MemorySampler``), against
``pandas.read_parquet`` plus the in-memory fit.
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
    rows, extra = {}, {}
    t_j, res = _best(lambda: OLS(y, X).fit(), repeat)
    rows["jitla OLS (params + bse)"] = t_j
    t_d, (b_d, *_rest) = _best(lambda: dask.compute(*da.linalg.lstsq(X, y)), repeat)
    rows["dask.array.linalg.lstsq (params)"] = t_d
    diff = float(np.max(np.abs(b_d - np.asarray(res.params)) / np.abs(np.asarray(res.params))))
    try:
        from dask_ml.linear_model import LinearRegression as DaskMLLinearRegression

        # dask-ml 2025.1 has no penalty="none" (KeyError 'none'): an L2 penalty with C = 1e12 is
        # unpenalised to float64's precision at these scales (admm solver, its default)
        t_m, est = _best(
            lambda: DaskMLLinearRegression(penalty="l2", C=1e12, fit_intercept=False).fit(X, y), repeat
        )
        rows["dask-ml LinearRegression (params)"] = t_m
        diff_ml = np.max(np.abs(est.coef_ - np.asarray(res.params)) / np.abs(np.asarray(res.params)))
        extra["max_rel_diff_daskml_vs_jitla"] = float(diff_ml)
    except ImportError:
        pass
    return {"times": rows, "max_rel_diff_dask_vs_jitla": diff, **extra}


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


def _write_parquet(path: str, n: int, p: int, parts: int) -> None:
    """*parts* Parquet files of y and x1..x{p-1} (standard normal, no constant column), seeded per file."""
    import os

    import pandas as pd

    os.makedirs(path, exist_ok=True)
    rows = n // parts
    beta = np.arange(1.0, p + 1)
    for i in range(parts):
        rng = np.random.default_rng([11, i])
        Z = rng.standard_normal((rows, p - 1))
        frame = pd.DataFrame(Z, columns=[f"x{j}" for j in range(1, p)])
        frame["y"] = beta[0] + Z @ beta[1:] + rng.standard_normal(rows)
        frame.to_parquet(os.path.join(path, f"part-{i:05d}.parquet"), index=False)


def _fit_frame(frame, names, cov_type):
    from jitla.regression import OLS

    res = OLS(frame["y"], frame[["const", *names]]).fit(cov_type=cov_type)
    return np.asarray(res.bse)


def out_of_core(
    path: str, n: int, p: int, parts: int, memory_limit: str = "1.5GiB", memory_rows: int = 5_000_000
) -> dict:
    """Fit with inference from Parquet on a 2-worker LocalCluster against pandas + the in-memory fit.

    Two fits: the one-pass fit (params and the model-based inference) and
    HC1 (a second pass).  Memory: MemorySampler's cluster total, and each
    worker's peak process memory (polled from the workers every 0.1 s).
    """
    import os
    import threading

    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster
    from distributed.diagnostics import MemorySampler

    from jitla.regression import OLS

    if not os.path.isdir(path):
        _write_parquet(path, n, p, parts)
    names = [f"x{j}" for j in range(1, p)]
    files = sorted(os.listdir(path))
    size = sum(os.path.getsize(os.path.join(path, f)) for f in files)
    rows = len(pd.read_parquet(os.path.join(path, files[0])))
    out = {"parquet_bytes": size, "array_bytes": n * (p + 1) * 8, "chunk_bytes": rows * (p + 1) * 8}
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=None,
            # Arrow's default pool (mimalloc/jemalloc) keeps freed chunk buffers: a worker's RSS then
            # grows by about four chunks and stays there; the system allocator, with the trim threshold
            # Dask's nanny sets, returns them (devlog 057)
            env={"ARROW_DEFAULT_MEMORY_POOL": "system"},
        ) as cluster,
        Client(cluster) as client,
    ):
        # compile every kernel of both fits on the workers (and here) before timing
        # (chunk-sized, so the same kernel variants as the timed fits: large-n paths differ from small)
        warm = pd.DataFrame(np.random.default_rng(0).standard_normal((400_000, p)), columns=["y", *names])
        warm["const"] = 1.0
        for cov in ("nonrobust", "HC1"):
            _fit_frame(dd.from_pandas(warm, npartitions=2), names, cov)
            _ = OLS(warm["y"].to_numpy(), warm[["const", *names]].to_numpy()).fit(cov_type=cov).bse
        import psutil

        base = client.run(lambda: psutil.Process().memory_info().rss)
        out["baseline_worker_bytes"] = float(max(base.values()))
        peaks: dict = {}
        stop = threading.Event()

        def poll():
            while not stop.is_set():
                for addr, rss in client.run(lambda: psutil.Process().memory_info().rss).items():
                    peaks[addr] = max(peaks.get(addr, 0), rss)
                stop.wait(0.1)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        ms = MemorySampler()
        for cov in ("nonrobust", "HC1"):
            with ms.sample(cov, interval=0.1):
                t = time.perf_counter()
                # y and X are selections of one frame: jitla reads each file once, in the chunk task;
                # Arrow's own file reader: fsspec's keeps the raw file bytes while Arrow decodes them
                frame = dd.read_parquet(path, filesystem="arrow").assign(const=1.0)
                out[f"bse_{cov}"] = _fit_frame(frame, names, cov)
                out[f"dask_s_{cov}"] = time.perf_counter() - t
        stop.set()
        poller.join()
        sampled = ms.to_pandas()
        out["peak_cluster_bytes"] = float(sampled.max().max())
        out["peak_worker_bytes"] = float(max(peaks.values()))
    # the in-memory reference on as many whole files as fit comfortably in memory (the fit needs
    # a few copies of the data), its times extrapolated linearly to all rows, as the issue says
    keep = max(1, min(len(files), memory_rows // max(rows, 1)))
    subset = [os.path.join(path, f) for f in files[:keep]]
    t = time.perf_counter()
    df = pd.concat([pd.read_parquet(f) for f in subset], ignore_index=True)
    scale = n / len(df)
    out["memory_rows"] = len(df)
    out["read_s"] = (time.perf_counter() - t) * scale
    for cov in ("nonrobust", "HC1"):
        t = time.perf_counter()
        Xm = np.column_stack([np.ones(len(df)), df[names].to_numpy()])
        bse_mem = np.asarray(OLS(df["y"].to_numpy(), Xm).fit(cov_type=cov).bse)
        out[f"memory_fit_s_{cov}"] = (time.perf_counter() - t) * scale
        if keep == len(files):
            out[f"max_rel_diff_bse_{cov}"] = float(np.max(np.abs(out[f"bse_{cov}"] - bse_mem) / bse_mem))
        else:  # bse shrink as 1/sqrt(n): compare the subset's, rescaled, loosely
            out[f"max_rel_diff_bse_{cov}"] = float(
                np.max(np.abs(out[f"bse_{cov}"] - bse_mem / np.sqrt(scale)) / (bse_mem / np.sqrt(scale)))
            )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--p", type=int, default=20)
    ap.add_argument("--chunk", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--parquet", default=None, help="directory of the out-of-core run (written if absent)")
    ap.add_argument("--parquet-n", type=int, default=30_000_000)
    ap.add_argument("--parquet-parts", type=int, default=60)
    args = ap.parse_args()
    if args.parquet:
        out = out_of_core(args.parquet, args.parquet_n, args.p, args.parquet_parts)
        gib, mib = 2.0**30, 2.0**20
        print(
            f"out of core: n = {args.parquet_n:,}, p = {args.p}, {args.parquet_parts} Parquet files "
            f"({out['parquet_bytes'] / gib:.2f} GiB on disk, {out['array_bytes'] / gib:.2f} GiB as float64, "
            f"one chunk {out['chunk_bytes'] / mib:.0f} MiB); 2 workers x 1 thread, 1.5 GiB each"
        )
        extrapolated = (
            f" (from {out['memory_rows']:,} rows, scaled)" if out["memory_rows"] < args.parquet_n else ""
        )
        print(f"  pandas.read_parquet of everything:   {out['read_s']:8.2f} s{extrapolated}")
        for cov, what in (
            ("nonrobust", "one pass: params + model-based inference"),
            ("HC1", "HC1: two passes"),
        ):
            ref = out["read_s"] + out[f"memory_fit_s_{cov}"]
            dask_s, diff = out[f"dask_s_{cov}"], out[f"max_rel_diff_bse_{cov}"]
            print(
                f"  {what:42s} Dask {dask_s:7.2f} s   read + in-memory {ref:7.2f} s   "
                f"ratio {dask_s / ref:.2f}   bse max rel diff {diff:.1e}"
            )
        bound = 2.5 * out["chunk_bytes"] + 300 * mib
        print(
            f"  peak worker memory (RSS, polled):     {out['peak_worker_bytes'] / mib:8.0f} MiB "
            f"(bound 2.5 x chunk + 300 MiB = {bound / mib:.0f} MiB); "
            f"{out['baseline_worker_bytes'] / mib:.0f} MiB of it before the fit (Python, numpy, Numba, "
            "Dask, the compiled kernels)"
        )
        print(f"  peak cluster memory (MemorySampler): {out['peak_cluster_bytes'] / mib:8.0f} MiB")
        return
    with dask.config.set(scheduler="threads"):
        out = timing(args.n, args.p, args.chunk, args.repeat)
        print(f"n = {args.n:,}, p = {args.p}, chunks of {args.chunk:,} rows, threaded scheduler")
        base = out["times"]["jitla OLS (params + bse)"]
        for name, t in out["times"].items():
            print(f"  {name:38s} {t:8.3f} s   {t / base:5.2f}x jitla's time")
        diff = out["max_rel_diff_dask_vs_jitla"]
        print(f"  coefficients, dask lstsq vs jitla: max relative difference {diff:.1e}")
        if "max_rel_diff_daskml_vs_jitla" in out:
            diff_ml = out["max_rel_diff_daskml_vs_jitla"]
            print(f"  coefficients, dask-ml vs jitla: max relative difference {diff_ml:.1e}")
        print("accuracy, kappa = 1e7, n = 10^6 (max relative coefficient error vs the refined fit):")
        for name, err in accuracy().items():
            print(f"  {name:38s} {err:.1e}")


def test_bench_dask_smoke():
    with dask.config.set(scheduler="sync"):
        out = timing(20_000, 5, 5_000, 1)
    assert out["max_rel_diff_dask_vs_jitla"] < 1e-10


if __name__ == "__main__":
    main()
