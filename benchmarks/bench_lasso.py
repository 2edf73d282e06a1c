"""``lasso_path`` / ``enet_path`` against scikit-learn and skglm, issue 12's targets.

Problems: dense Gaussian X, 10 true non-zero coefficients, unit noise;
100 alphas from alpha_max down to 1e-3 alpha_max (``eps=1e-3``), every alpha
solved to the same certificate by every library: duality gap
``<= 1e-6 ||y||^2`` in the objective times n.

* tall:  n = 10,000, p = 1,000 (jitla and scikit-learn form ``X^T X``: covariance mode)
* wide:  n = 1,000,  p = 10,000 (residual mode)

each for the lasso and the elastic net (``l1_ratio=0.5``).  Targets: jitla
``>= 5x`` faster than scikit-learn's path, and no slower than skglm's.

The criterion, checked here after the fact for every library from X, y and
the returned coefficients only (:func:`relative_gaps`): each alpha's gap,
at the better of two dual points, over ``||y||^2`` must be ``<= 1e-6``; the
table prints the largest and how many alphas exceed it ("over").  The two
points: scikit-learn's formulation A (the residual rescaled into the dual
feasible set) and, for the elastic net, its own Fenchel dual at ``u = r``
(no rescaling); both bound ``P(w) - P(w*)``.  For the lasso they coincide
and the criterion is scikit-learn's own stopping rule at ``tol=1e-6``
(its ``cd_fast`` stops when the gap of the objective times n is
``<= tol ||y||^2``); jitla's ``tol`` is this criterion by construction.

The references' ``tol``: a library whose stopping rule is not this gap is
*calibrated* first (untimed): the largest tol on a ladder whose whole path
meets the criterion is found and used, printed as "ref tol".

* skglm (0.4, pure Numba: working sets + Anderson-accelerated CD, the
  closest peer) stops on the largest violation of the optimality conditions
  in the 1/(2n) objective; ladder 1e-5, 5e-6, 2e-6, 1e-6, 5e-7, ...  The
  calibration's first run also compiles it.  Timed: its ``Lasso`` /
  ``ElasticNet`` ``path`` over the same grid (``AndersonCD`` warm-started
  from one alpha to the next; its ``fit`` is unusable with scikit-learn
  >= 1.6, which removed ``_validate_data``).  skglm never forms ``X^T X``,
  so the tall "bound" does not apply to it.  ``--skglm-tol`` skips its
  calibration.
* scikit-learn, elastic net: formulation A at ``tol`` over-solves for this
  criterion, so the largest passing tol of 1e-3, 5e-4, ..., 1e-6 is used;
  the row "sklearn@1e-6" is its nominal ``tol=1e-6`` (the figure of
  earlier devlog entries).

jitla runs ``enet_path(..., tol=1e-6)`` (its default ``enet_dual=True`` for
the elastic net: it stops on the criterion itself); the row "jitla (A)"
times jitla with ``enet_dual=False`` (formulation A alone, scikit-learn's
certificate, the default before devlog 051) against it.

Timing: jitla is compiled first (a tiny call, excluded); then jitla and the
reference are called alternately ``repeat`` times, best of each reported,
wall-clock ("speedup") and process CPU time ("cpu x", meaningful at one
thread: on a loaded machine it is the steadier of the two).  Threads:
:func:`jitla.threads` limits Numba and OpenBLAS together (jitla's CD
kernels are serial; ``X^T X`` runs on OpenBLAS).  For the tall cases the
time of ``X^T X`` alone (numpy, the same threads) is printed too ("gram s"),
and "bound" is scikit-learn's time over it: the largest speedup any method
that forms the Gram matrix can reach.

Run as a script (the table quoted in reports)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_lasso.py --repeat 3 --threads 1 2
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_lasso.py --cases tall  # quick
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


def relative_gaps(X, y, alphas, coefs, l1_ratio, formula="best"):
    """Duality gap of each column of *coefs*, over ``||y||^2`` (objective times n), from X, y and coefs only.

    Independent of every solver.  Two dual points, each a valid certificate of
    ``P(w) - P(w*)``:

    * ``"A"``: scikit-learn's formulation A (the elastic net as a lasso on
      ``[X; sqrt(l2) I]``, the residual rescaled into the dual feasible set);
    * for the elastic net, its own Fenchel dual at ``u = r``:
      ``D = r^T y - ||r||^2 / 2 - sum_j (|x_j^T r| - l1)_+^2 / (2 l2)``
      (the conjugate of ``l1 |w| + l2 w^2 / 2``; no rescaling needed).

    ``formula="best"`` (the criterion of the table) returns the smaller gap of
    the two; for the lasso (l2 = 0) both are formulation A.
    """
    n = X.shape[0]
    R = y[:, None] - X @ coefs
    l1 = alphas * l1_ratio * n
    l2 = alphas * (1 - l1_ratio) * n
    XtR = X.T @ R
    dual_norm = np.abs(XtR - l2 * coefs).max(axis=0)
    scale = np.where(dual_norm > l1, l1 / np.maximum(dual_norm, 1e-300), 1.0)
    R2 = (R * R).sum(axis=0)
    Ry = R.T @ y
    w2 = (coefs * coefs).sum(axis=0)
    primal = 0.5 * (R2 + l2 * w2) + l1 * np.abs(coefs).sum(axis=0)
    dual = -0.5 * scale**2 * (R2 + l2 * w2) + scale * Ry
    if formula == "best" and l1_ratio < 1.0:
        hinge2 = (np.maximum(np.abs(XtR) - l1, 0.0) ** 2).sum(axis=0)
        dual = np.maximum(dual, Ry - 0.5 * R2 - hinge2 / (2.0 * l2))
    return (primal - dual) / (y @ y)


def alpha_grid(X, y, l1_ratio, eps=1e-3, n_alphas=100):
    """The grid of scikit-learn and jitla, no intercept: ``max|X^T y| / (n l1_ratio)`` to eps times it."""
    alpha_max = np.abs(X.T @ y).max() / (X.shape[0] * l1_ratio)
    return np.geomspace(alpha_max, eps * alpha_max, num=n_alphas)


#: skglm's tolerances tried, largest first, until its whole path meets the gap criterion.
SKGLM_LADDER = tuple(m * 10.0**e for e in range(-5, -10, -1) for m in (1.0, 0.5, 0.2))
#: scikit-learn's, for the elastic net (its own stopping rule is formulation A, which passes at 1e-6).
SKLEARN_LADDER = tuple(m * 10.0**e for e in range(-3, -6, -1) for m in (1.0, 0.5, 0.2)) + (1e-6,)


def calibrate(ref, X, y, l1_ratio, ladder):
    """Largest tol of *ladder* whose path from *ref* has every relative gap ``<= TOL``: (tol, max gap)."""
    for tol in ladder:
        alphas, coefs = ref(X, y, tol)
        worst = float(relative_gaps(X, y, alphas, coefs, l1_ratio).max())
        if worst <= TOL:
            return tol, worst
    raise RuntimeError(f"no tol down to {ladder[-1]} meets the gap criterion (last: {worst:.2e})")


def _references(l1_ratio):
    refs = {}
    try:
        from sklearn.linear_model import enet_path as sk_enet_path

        def sk(X, y, tol):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                alphas, coefs, _ = sk_enet_path(X, y, l1_ratio=l1_ratio, eps=1e-3, alphas=100, tol=tol)
            return alphas, coefs

        if l1_ratio < 1.0:
            # its rule (formulation A <= tol) over-solves for the criterion: the largest tol that meets it,
            # and its nominal 1e-6 as in earlier entries
            refs["scikit-learn"] = (sk, SKLEARN_LADDER)
            refs["sklearn@1e-6"] = (sk, None)
        else:
            refs["scikit-learn"] = (sk, None)
    except ImportError:  # pragma: no cover
        pass
    try:
        from skglm import ElasticNet as SkglmEnet
        from skglm import Lasso as SkglmLasso

        def skglm_path(X, y, tol):
            # the estimator's own path: skglm's AndersonCD warm-started along the grid (the estimator's
            # fit is unusable with scikit-learn >= 1.6, which removed ``_validate_data``)
            if l1_ratio == 1.0:
                est = SkglmLasso(fit_intercept=False, tol=tol)
            else:
                est = SkglmEnet(l1_ratio=l1_ratio, fit_intercept=False, tol=tol)
            alphas = alpha_grid(X, y, l1_ratio)
            _, coefs, _, _ = est.path(X, y, alphas)
            return alphas, coefs

        refs["skglm"] = (skglm_path, SKGLM_LADDER)
    except ImportError:
        pass
    return refs


def measure(case, n_threads, repeat=1, ref_tols=None, only=None):
    """Rows of the table for one case and thread count.

    *ref_tols*: a dict (reference name -> tol), filled by the calibration on
    the first call and reused by later ones (the same problem at another
    thread count); a tol given there skips the calibration.  *only*: the
    reference names to time (all that import: None).
    """
    n, p, l1_ratio = CASES[case]
    X, y = problem(n, p)
    # compile outside the timing, in the mode this shape uses (Gram for tall, residual for wide)
    enet_path(
        X[:50, :20] if n >= p else X[:20, :50], y[:50] if n >= p else y[:20], l1_ratio=l1_ratio, n_alphas=3
    )
    ref_tols = {} if ref_tols is None else ref_tols

    def ours():
        alphas, coefs, _ = enet_path(
            X, y, l1_ratio=l1_ratio, eps=1e-3, n_alphas=100, tol=TOL, enet_dual=l1_ratio < 1.0
        )
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
        refs = _references(l1_ratio)
        if l1_ratio < 1.0:

            def formulation_a(X, y, tol):
                alphas, coefs, _ = enet_path(
                    X, y, l1_ratio=l1_ratio, eps=1e-3, n_alphas=100, tol=tol, enet_dual=False
                )
                return alphas, coefs

            refs["jitla (A)"] = (formulation_a, None)
        for name, (ref, ladder) in refs.items():
            if only is not None and name not in only:
                continue
            if ladder is None:
                tol = TOL
            else:
                if name not in ref_tols:
                    ref(X[:50, :20], y[:50], 1e-4)  # compile (skglm) outside the timing
                    ref_tols[name] = calibrate(ref, X, y, l1_ratio, ladder)[0]
                tol = ref_tols[name]
            best, ref_best, cpu, ref_cpu = np.inf, np.inf, np.inf, np.inf
            for _ in range(repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                a, c = ours()
                t1, c1 = time.perf_counter(), time.process_time()
                ra, rc = ref(X, y, tol)
                t2, c2 = time.perf_counter(), time.process_time()
                best, ref_best = min(best, t1 - t0), min(ref_best, t2 - t1)
                cpu, ref_cpu = min(cpu, c1 - c0), min(ref_cpu, c2 - c1)
            assert np.allclose(ra, a, rtol=1e-12), "the references must solve the same grid"
            gaps, ref_gaps = relative_gaps(X, y, a, c, l1_ratio), relative_gaps(X, y, ra, rc, l1_ratio)
            rows.append(
                dict(
                    case=case,
                    threads=n_threads,
                    reference=name,
                    ref_tol=tol,
                    jitla_s=best,
                    ref_s=ref_best,
                    speedup=ref_best / best,
                    cpu_speedup=ref_cpu / cpu,
                    gram_s=gram,
                    bound=ref_best / gram if name not in ("skglm", "jitla (A)") else np.nan,
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
    parser.add_argument("--references", nargs="+", default=None, help="e.g. skglm (default: all that import)")
    parser.add_argument("--skglm-tol", type=float, default=None, help="skip skglm's tol calibration")
    args = parser.parse_args()
    cases = [c for c in CASES if any(c == s or c.startswith(s + "-") for s in args.cases)]
    try:
        import skglm  # noqa: F401
    except ImportError:
        print("skglm is not installed: no skglm rows")
    print(
        f"enet_path, 100 alphas to 1e-3 alpha_max, gap <= {TOL} ||y||^2 at every alpha, best of {args.repeat}"
    )
    head = (
        "case",
        "threads",
        "reference",
        "ref tol",
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
    widths = (10, 7, 12, 7, 8, 8, 8, 7, 7, 7, 9, 4, 9, 4, 9)
    print(" ".join(f"{h:>{w}s}" for h, w in zip(head, widths, strict=True)))
    for case in cases:
        ref_tols = {} if args.skglm_tol is None else {"skglm": args.skglm_tol}
        for nt in args.threads:
            for r in measure(case, nt, args.repeat, ref_tols, args.references):
                gram = f"{r['gram_s']:.3f}" if np.isfinite(r["gram_s"]) else "-"
                bound = f"{r['bound']:.2f}x" if np.isfinite(r["bound"]) else "-"
                print(
                    f"{r['case']:>10s} {r['threads']:7d} {r['reference']:>12s} {r['ref_tol']:7.0e} "
                    f"{r['jitla_s']:8.3f} {r['ref_s']:8.3f} {r['speedup']:7.2f}x {r['cpu_speedup']:6.2f}x "
                    f"{gram:>7s} {bound:>7s} {r['jitla_gap']:9.1e} {r['jitla_over']:4d} {r['ref_gap']:9.1e} "
                    f"{r['ref_over']:4d} {r['max_abs_diff']:9.1e}",
                    flush=True,
                )


if __name__ == "__main__":
    _main()
