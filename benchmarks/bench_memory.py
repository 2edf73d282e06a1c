"""Peak memory of the regression fit paths, as a multiple of the input's size.

Each path runs in a fresh subprocess (so ``ru_maxrss``, the peak resident
set, belongs to it alone): the data X (n, p) float64 C order and y are made,
the kernels are compiled on a small problem first, then the path is run once
on the large data.  Two figures per path, both over ``X.nbytes``:

* ``rss``: growth of the peak RSS during the fit (``ru_maxrss`` after minus
  before) -- everything, Numba's kernel workspaces included;
* ``traced``: tracemalloc's peak of the numpy allocations made during the
  fit (what Python code allocates; Numba's allocations are not traced).

The fit's result is kept alive until the measurement is taken, as a user's
would be.  The paths::

    ols           jitla.regression.ols(X, y)                 (adds the constant)
    OLS.fit       jitla.regression.OLS(y, X1).fit()          (X1 (n, p + 1) holds a const column)
    WLS.fit       jitla.regression.WLS(y, X1, w).fit()
    Linear        jitla.regression.LinearRegression().fit(X, y)
    Linear(w)     ... .fit(X, y, sample_weight=w)
    statsmodels   statsmodels.api.OLS(y, X1).fit()           (reference, if installed)

(the multiple is over the nbytes of the design the path is given: X or X1).
    sklearn       sklearn.linear_model.LinearRegression().fit(X, y)   (reference)

Run::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_memory.py            # 2,000,000 x 50
    python benchmarks/bench_memory.py --n 200000 --p 20                                       # quicker

OLS/WLS keep their own copy of the design (the model owns its data, as the
docstring promises), so their floor is 1.0x; LinearRegression keeps nothing
of size n.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, tracemalloc, warnings
import numpy as np
path, n, p = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)

CONST = path in ("OLS.fit", "WLS.fit", "statsmodels")  # these take a design holding a const column

def make(n):
    # filled column by column, so that making the data never needs more memory than holding it:
    # the baseline peak is then the data itself
    c = 1 if CONST else 0
    X = np.empty((n, p + c))
    if c:
        X[:, 0] = 1.0
    for j in range(c, p + c):
        X[:, j] = rng.standard_normal(n)
    y = X[:, c : c + 3].sum(axis=1) + rng.standard_normal(n)
    w = rng.uniform(0.5, 2.0, n)
    return X, y, w

def run(X, y, w):
    if path == "ols":
        from jitla.regression import ols; return ols(X, y)
    if path == "OLS.fit":
        from jitla.regression import OLS; return OLS(y, X).fit()
    if path == "WLS.fit":
        from jitla.regression import WLS; return WLS(y, X, w).fit()
    if path == "Linear":
        from jitla.regression import LinearRegression; return LinearRegression().fit(X, y)
    if path == "Linear(w)":
        from jitla.regression import LinearRegression; return LinearRegression().fit(X, y, sample_weight=w)
    if path == "statsmodels":
        import statsmodels.api as sm; return sm.OLS(y, X).fit()
    if path == "sklearn":
        from sklearn.linear_model import LinearRegression; return LinearRegression().fit(X, y)
    raise SystemExit(f"unknown path {path}")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    run(*make(5000))  # compile, import
    X, y, w = make(n)
    base = X.nbytes
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    result = run(X, y, w)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rss": (after - before) * 1024 / base, "traced": traced / base, "mib": base / 2**20}))
"""

PATHS = ("ols", "OLS.fit", "WLS.fit", "Linear", "Linear(w)", "statsmodels", "sklearn")


def measure(path: str, n: int, p: int) -> dict | None:
    """Run one path in a fresh interpreter; None when its library is missing."""
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, path, str(n), str(p)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        if "ModuleNotFoundError" in proc.stderr:
            return None
        raise RuntimeError(f"{path} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2_000_000)
    parser.add_argument("--p", type=int, default=50)
    parser.add_argument("--paths", nargs="*", default=list(PATHS))
    args = parser.parse_args(argv)
    print(f"n = {args.n:,}, p = {args.p}, float64 C order; peak above the input, as a multiple of X.nbytes")
    print(f"{'path':<12} {'input MiB':>10} {'rss':>7} {'traced':>7}")
    for path in args.paths:
        row = measure(path, args.n, args.p)
        if row is None:
            print(f"{path:<12} {'(not installed)':>26}")
            continue
        print(f"{path:<12} {row['mib']:>10.1f} {row['rss']:>6.2f}x {row['traced']:>6.2f}x")


if __name__ == "__main__":
    main()
