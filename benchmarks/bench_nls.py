"""Nonlinear least squares: jitla's Levenberg-Marquardt against scipy's MINPACK (issue 14).

Two parts, both printed as tables:

1. Per-iteration cost on a 10,000-point, 6-parameter problem (two
   exponentials, an offset and a slope), jitla ``NLS(...).fit()`` against
   ``scipy.optimize.least_squares(method="lm")`` with the same analytic
   Jacobian (time / Jacobian evaluations) and with forward differences (time
   / calls of the model).  Best of ``--repeat`` alternating runs after a
   warm-up call, BLAS pinned to one thread.  Target: ratio <= 1.5.
2. The Moré-Garbow-Hillstrom problems (``tests/regression/mgh_problems.py``)
   from the standard start x0 and from 10 x0 and 100 x0 (the paper's harder
   starts), solved when the sum of squares matches a listed minimum to
   1e-5 relative (1e-12 absolute at zero).  jitla with forward and central
   differences, scipy's ``least_squares(method="lm")``, both at their
   default tolerances.  Target: fewer failures than scipy.

Run::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_nls.py --repeat 7
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "regression"))

from mgh_problems import PROBLEMS, solved  # noqa: E402

from jitla.regression import NLS  # noqa: E402


def _model(t, a1, k1, a2, k2, c, s):
    return a1 * np.exp(-k1 * t) + a2 * np.exp(-k2 * t) + c + s * t


def _jac(t, a1, k1, a2, k2, c, s):
    e1, e2 = np.exp(-k1 * t), np.exp(-k2 * t)
    return np.column_stack([e1, -a1 * t * e1, e2, -a2 * t * e2, np.ones_like(t), t])


def per_iteration(repeat: int, m: int = 10_000):
    from scipy.optimize import least_squares
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    t = np.linspace(0.0, 10.0, m)
    y = _model(t, 3.0, 1.3, 1.5, 0.2, 0.5, 0.01) + 0.01 * rng.standard_normal(m)
    p0 = np.array([1.0, 1.0, 1.0, 0.1, 0.0, 0.0])
    rows = []
    with threadpool_limits(1):
        for label, analytic in (("analytic Jacobian", True), ("forward differences", False)):

            def run_scipy(analytic=analytic):
                calls = [0]

                def fun(p):
                    calls[0] += 1
                    return _model(t, *p) - y

                r = least_squares(
                    fun, p0, jac=(lambda p: _jac(t, *p)) if analytic else "2-point", method="lm"
                )
                return r, calls[0], r.njev

            def run_jitla(analytic=analytic):
                res = NLS(_model, t, y, p0, jac=_jac if analytic else None).fit()
                return res, res.nfev, res.njev

            run_scipy()
            run_jitla()
            best = {"scipy": np.inf, "jitla": np.inf}
            info = {}
            for _ in range(repeat):
                for name, runner in (("scipy", run_scipy), ("jitla", run_jitla)):
                    t0 = time.perf_counter()
                    out = runner()
                    dt = time.perf_counter() - t0
                    if dt < best[name]:
                        best[name], info[name] = dt, out
            per = {}
            for name in best:
                _, nf, nj = info[name]
                per[name] = best[name] / (nj if analytic else nf)
            params_diff = np.max(np.abs(info["jitla"][0].params - info["scipy"][0].x))
            rows.append((label, best, info, per, params_diff))
    print(f"\nPer-iteration cost, m = {m}, n = 6, 1 BLAS thread, best of {repeat}")
    head = f"{'Jacobian':22s} {'side':6s} {'time ms':>9s} {'nfev':>6s} {'njev':>6s}"
    print(head + f" {'per unit us':>12s} {'ratio':>7s}")
    for label, best, info, per, diff in rows:
        unit = "per Jacobian" if label.startswith("analytic") else "per call"
        for name in ("scipy", "jitla"):
            _, nf, nj = info[name]
            ratio = per[name] / per["scipy"]
            print(
                f"{label:22s} {name:6s} {1e3 * best[name]:9.2f} {nf:6d} {str(nj):>6s} "
                f"{1e6 * per[name]:12.1f} {ratio:7.2f}"
            )
        print(f"{'':22s} ({unit}; max |params difference| {diff:.1e})")


def mgh():
    from scipy.optimize import least_squares

    warnings.simplefilter("ignore")
    counts = {"jitla forward": 0, "jitla central": 0, "scipy lm": 0}
    total = 0
    print("\nMore-Garbow-Hillstrom problems, default tolerances (x = failed)")
    print(f"{'problem':34s} {'start':>6s} {'jitla fwd':>14s} {'jitla cen':>14s} {'scipy lm':>14s}")
    for P in PROBLEMS:
        zeros = np.zeros(P.m)

        def model(_, *p, P=P):
            return P.residuals(np.array(p))

        for factor in (1.0, 10.0, 100.0):
            x0 = factor * np.array(P.x0)
            if factor != 1.0 and not np.any(x0):
                continue  # Watson starts at 0: the harder starts are the same point
            total += 1
            cells = []
            for key, diff in (("jitla forward", "forward"), ("jitla central", "central")):
                try:
                    res = NLS(model, None, zeros, x0).fit(diff=diff)
                    ok = res.converged and solved(P, res.ssr, 1e-5)
                    cells.append(f"{res.ssr:11.4e} {' ' if ok else 'x'}")
                except (ValueError, FloatingPointError, OverflowError) as exc:
                    ok = False
                    cells.append(f"{type(exc).__name__[:11]:>11s} x")
                counts[key] += ok
            try:
                r = least_squares(P.residuals, x0, method="lm")
                ssr = 2 * r.cost
                ok = r.status > 0 and solved(P, ssr, 1e-5)
                cells.append(f"{ssr:11.4e} {' ' if ok else 'x'}")
            except (ValueError, FloatingPointError, OverflowError) as exc:
                ok = False
                cells.append(f"{type(exc).__name__[:11]:>11s} x")
            counts["scipy lm"] += ok
            print(f"{P.number:2d} {P.name:31s} {factor:6g} " + " ".join(f"{c:>14s}" for c in cells))
    print(f"\nsolved of {total}: " + ", ".join(f"{k} {v} (failures {total - v})" for k, v in counts.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-mgh", action="store_true")
    args = parser.parse_args()
    per_iteration(args.repeat)
    if not args.skip_mgh:
        mgh()


if __name__ == "__main__":
    main()
