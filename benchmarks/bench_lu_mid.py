"""Where the time of the LU / Cholesky family goes at mid orders (n = 64 ... 300), 1 thread.

Kernels alone against LAPACK (scipy.linalg.lapack on a Fortran-ordered
copy, so that f2py does not transpose), each side timed in the same run,
alternating, best of *repeat* short loops (benchmarks/README.md, "Small sizes"):

* ``getrf``: ``lu`` tiled (what solve / inv / det / lu_factor use above
  ``config.LU_UNBLOCKED_MAX`` up to ``LU_TILED_MAX_ELEMENTS``), blocked and
  unblocked, against ``dgetrf``;
* ``potrf``: ``cholesky`` tiled (up to ``config.CHOLESKY_TILED_MAX``) and
  ``cholesky_lower`` blocked with ``config.cholesky_nb(n)`` against ``dpotrf``;
* ``gecon``: jitla's rcond estimate against ``dgecon`` -- numpy's solve
  and inv do not estimate, jitla's do (the ill-conditioning warning);
* ``getrs``: the solve with the factors for one vector (``lu_solve``'s
  kernel) against ``dgetrs``;
* the one-call kernels ``gesv`` / ``inv`` / ``slogdet`` as the API calls
  them, against numpy's whole call.

Ratios are jitla time / reference time (< 1: jitla faster).  Run as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_lu_mid.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_lu_mid.py --sizes 100 --repeat 101

and the API calls themselves (``--api``: the cases of ``jitla bench overhead``
for this family, timed the same way), or with ``jitla bench overhead --sizes
64 100 200 --functions solve inv det slogdet cholesky cho_solve lu lu_factor``.
"""

from __future__ import annotations

import argparse

import numpy as np


def _cases(n):
    """``(what, jitla kernel, jitla callable, reference callable)`` at order n."""
    from scipy.linalg import lapack

    from jitla import config
    from jitla.kernels import get_kernel
    from jitla.linalg._dispatch import kernel_extras

    def bound(op, variant):
        info = get_kernel(op, variant)
        return info.func, kernel_extras(info, np.float64)

    lu_b, lu_b_x = bound("lu", "blocked")
    lu_u, _ = bound("lu", "unblocked")
    lu_t, _ = bound("lu", "tiled")
    chol_t, _ = bound("cholesky", "tiled")
    chol, chol_x = bound("cholesky_lower", "blocked")
    gecon = get_kernel("gecon", "hager_higham").func
    rng = np.random.default_rng(n)
    A = rng.standard_normal((n, n)) + np.sqrt(n) * np.eye(n)
    G = rng.standard_normal((n, n))
    S = G @ G.T + n * np.eye(n)
    b = rng.standard_normal(n)
    A_f, S_f = np.asfortranarray(A), np.asfortranarray(S)
    W = A.copy()
    piv = np.empty(n, np.int32)
    LU_f = lapack.dgetrf(A_f)[0]
    LU_c = np.ascontiguousarray(LU_f)
    piv_lu = lapack.dgetrf(A_f)[1]
    getrs = get_kernel("getrs", "serial").func
    anorm = float(np.abs(A).sum(axis=0).max())
    nb = config.cholesky_nb(n)

    def lu_blocked():
        W[:] = A
        lu_b(W, piv, *lu_b_x)

    def lu_unblocked():
        W[:] = A
        lu_u(W, piv)

    def lu_tiled():
        W[:] = A
        lu_t(W, piv)

    def potrf():
        W[:] = S
        chol(W, chol_x[0], nb)

    def potrf_tiled():
        W[:] = S
        chol_t(W)

    variant = {op: policy_variant(op, n) for op in ("gesv", "inv", "slogdet")}
    gesv, gesv_x = bound("gesv", variant["gesv"])
    inv, inv_x = bound("inv", variant["inv"])
    logdet, logdet_x = bound("slogdet", variant["slogdet"])
    with_log = () if variant["slogdet"] == "unblocked" else (False,)
    return [
        ("getrf", "lu tiled (copy in)", lu_tiled, lambda: lapack.dgetrf(A_f)),
        ("getrf", "lu blocked (copy in)", lu_blocked, lambda: lapack.dgetrf(A_f)),
        ("getrf", "lu unblocked (copy in)", lu_unblocked, lambda: lapack.dgetrf(A_f)),
        ("potrf", "cholesky tiled (upper)", potrf_tiled, lambda: lapack.dpotrf(S_f, lower=1)),
        ("potrf", f"cholesky_lower blocked nb={nb}", potrf, lambda: lapack.dpotrf(S_f, lower=1)),
        ("gecon", "gecon hager_higham", lambda: gecon(A, LU_c), lambda: lapack.dgecon(LU_f, anorm, "1")),
        (
            "getrs",
            "lu_solve_one (one vector)",
            lambda: getrs(LU_c, piv_lu, b.copy(), False),
            lambda: lapack.dgetrs(LU_f, piv_lu, b),
        ),
        (
            "solve",
            f"gesv {variant['gesv']}",
            lambda: gesv(A, A.copy(), b.copy(), *gesv_x),
            lambda: np.linalg.solve(A, b),
        ),
        (
            "inv",
            f"inv {variant['inv']}",
            lambda: inv(A, A.copy(), np.empty_like(A), *inv_x),
            lambda: np.linalg.inv(A),
        ),
        (
            "det",
            f"slogdet {variant['slogdet']}",
            lambda: logdet(A.copy(), *with_log, *logdet_x),
            lambda: np.linalg.det(A),
        ),
    ]


def _rows(sizes, repeat):
    rows = []
    for n in sizes:
        for what, kernel, fn, ref in _cases(n):
            t, t_ref = _best(fn, ref, repeat)
            rows.append((n, what, kernel, 1e6 * t, 1e6 * t_ref, t / t_ref))
    return rows


def _best(fn, ref, repeat, loop_time=1e-3):
    """Best seconds per call of *fn* and *ref*: *repeat* alternating loops of about *loop_time* each.

    Short loops and many of them: on a shared machine the best of many short
    samples is the one least disturbed (benchmarks/README.md).
    """
    import time

    for f in (fn, ref, fn, ref):
        f()
    start = time.perf_counter()
    fn()
    ref()
    number = max(1, int(loop_time / max((time.perf_counter() - start) / 2, 1e-9)))
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for side, f in enumerate((fn, ref)):
            start = time.perf_counter()
            for _ in range(number):
                f()
            best[side] = min(best[side], (time.perf_counter() - start) / number)
    return best[0], best[1]


API_FUNCTIONS = (
    "solve",
    "inv",
    "det",
    "slogdet",
    "cholesky",
    "cho_solve",
    "lu_factor",
    "lu_solve",
    "lu",
    "cho_factor",
)


def _api_rows(sizes, repeat):
    """The cases of ``jitla bench overhead`` for the LU / Cholesky family, timed by :func:`_best`."""
    from jitla.profiling.overhead import CASES

    rows = []
    for n in sizes:
        for name in API_FUNCTIONS:
            _, ref_name, fn, ref = CASES[name](n, np.random.default_rng(0))
            t, t_ref = _best(fn, ref, repeat)
            rows.append((n, name, ref_name, 1e6 * t, 1e6 * t_ref, t / t_ref))
    return rows


def policy_variant(op, n):
    from jitla.linalg._policy import lu_call_plan

    return lu_call_plan(op, n, 1).variant


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[64, 65, 100, 128, 200, 300])
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--api", action="store_true", help="time the API calls instead of the kernels")
    args = parser.parse_args(argv)

    import jitla

    with jitla.threads(1):
        if args.api:
            rows = _api_rows(args.sizes, args.repeat)
            print("API calls, 1 thread, float64; ratio = jitla time / reference time")
            print(f"{'n':>4}  {'function':<10} {'reference':<28} {'jitla us':>9} {'ref us':>9} {'ratio':>6}")
            for n, name, ref_name, t, t_ref, ratio in rows:
                print(f"{n:>4}  {name:<10} {ref_name:<28} {t:>9.1f} {t_ref:>9.1f} {ratio:>6.2f}")
            print(f"best of {args.repeat} alternating ~1 ms loops")
            return
        rows = _rows(args.sizes, args.repeat)
    print(
        "Kernels alone, 1 thread (jitla and BLAS), float64, C order;"
        " ratio = jitla time / LAPACK or numpy time"
    )
    print(f"{'n':>4}  {'what':<6} {'jitla kernel':<32} {'jitla us':>9} {'ref us':>9} {'ratio':>6}")
    for n, what, kernel, t, t_ref, ratio in rows:
        print(f"{n:>4}  {what:<6} {kernel:<32} {t:>9.1f} {t_ref:>9.1f} {ratio:>6.2f}")
    print(
        f"best of {args.repeat} alternating ~1 ms loops;"
        " references: scipy.linalg.lapack dgetrf/dpotrf/dgecon, numpy.linalg"
    )


if __name__ == "__main__":
    main()
