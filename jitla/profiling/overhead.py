"""Per-call overhead: jitla's API against numpy/scipy/statsmodels on small problems.

At n = 3 or 10 a LAPACK call does a few hundred flops; what is timed is
everything around it: argument checks, dtype and layout conversion, kernel
look-up, the Numba (or gufunc) dispatch, allocating the result.  Following
benchmarks/README.md ("Small sizes"), each side is called many times in a loop
(at least :data:`MIN_CALLS` at n <= 10), the best of *repeat* loops is kept,
the two sides alternate, both run on one thread (``jitla.threads(1)`` pins
Numba and, through threadpoolctl, the BLAS), and one untimed call of each
comes first so that compilation and cache loading are excluded.

Each case is a function of ``(n, rng)`` that returns the two zero-argument
callables on the same inputs; :data:`CASES` maps the names the ``jitla bench
overhead`` command accepts to them.  Nothing here prints.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

__all__ = [
    "CASES",
    "SMALL_FUNCTIONS",
    "OverheadMeasurement",
    "overhead_cases",
    "measure_overhead",
    "time_calls",
]

#: Fewest calls in one timed loop for n <= 10 (benchmarks/README.md).
MIN_CALLS = 2000
#: Calls longer than this (seconds) are not held to MIN_CALLS.
LONG_CALL = 1e-3
#: A timed loop lasts at least this long (seconds); larger n take fewer calls.
MIN_LOOP_TIME = 5e-3

#: The functions the issue sets a target for at n = 3 and 10.
SMALL_FUNCTIONS = ("solve", "inv", "det", "slogdet", "cholesky", "matmul")


@dataclass(frozen=True)
class OverheadMeasurement:
    """One function at one size: best seconds per call of jitla and of the reference.

    Attributes
    ----------
    function : str
        Case name (``"solve"``, ``"OLS.bse"``, ...).
    n : int
        Matrix order (rows for the regression cases).
    shape : str
        What was timed, e.g. ``"(3, 3) @ (3,)"``.
    reference : str
        The call jitla is compared with, e.g. ``"numpy.linalg.solve"``.
    jitla_s, ref_s : float
        Best time per call over the loops (seconds).
    number : int
        Calls per timed loop.
    repeat : int
        Loops of each side.
    """

    function: str
    n: int
    shape: str
    reference: str
    jitla_s: float
    ref_s: float
    number: int
    repeat: int

    @property
    def ratio(self) -> float:
        """``jitla time / reference time``: below 1 is jitla faster."""
        return self.jitla_s / self.ref_s

    def as_dict(self) -> dict:
        """The measurement as a JSON-ready dict (with the ratio)."""
        return {**asdict(self), "ratio": self.ratio}


def _load_scipy_blas() -> None:
    """Import scipy.linalg (its bundled OpenBLAS) if scipy is installed, so that a thread limit covers it."""
    try:
        import scipy.linalg  # noqa: F401
    except ImportError:
        pass


# --------------------------------------------------------------------------
# test problems
# --------------------------------------------------------------------------


def _general(n, rng):
    return rng.standard_normal((n, n)) + n * np.eye(n)  # well conditioned


def _spd(n, rng):
    G = rng.standard_normal((n, n))
    return G @ G.T + n * np.eye(n)


def _sym(n, rng):
    G = rng.standard_normal((n, n))
    return (G + G.T) / 2


def _case_solve(n, rng):
    import jitla.linalg as jl

    A, b = _general(n, rng), rng.standard_normal(n)
    return f"({n}, {n}), ({n},)", "numpy.linalg.solve", lambda: jl.solve(A, b), lambda: np.linalg.solve(A, b)


def _unary(jitla_name, ref, ref_name, make=_general):
    def case(n, rng):
        import jitla.linalg as jl

        A = make(n, rng)
        f = getattr(jl, jitla_name)
        return f"({n}, {n})", ref_name, lambda: f(A), lambda: ref(A)

    return case


def _case_matmul(n, rng):
    import jitla

    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    return f"({n}, {n}) @ ({n}, {n})", "numpy.matmul", lambda: jitla.matmul(A, B), lambda: np.matmul(A, B)


def _case_lstsq(n, rng):
    import jitla.linalg as jl

    A, b = rng.standard_normal((n, n)), rng.standard_normal(n)
    return (
        f"({n}, {n}), ({n},)",
        "numpy.linalg.lstsq",
        lambda: jl.lstsq(A, b),
        lambda: np.linalg.lstsq(A, b, rcond=None),
    )


def _scipy_pair(jitla_name, scipy_name, prepare):
    """A case whose reference is scipy.linalg.<scipy_name>(*args) on the same *prepare* args."""

    def case(n, rng):
        import scipy.linalg as sl

        import jitla.linalg as jl

        args_j, args_s = prepare(n, rng)
        f, g = getattr(jl, jitla_name), getattr(sl, scipy_name)
        return f"({n}, {n})", f"scipy.linalg.{scipy_name}", lambda: f(*args_j), lambda: g(*args_s)

    return case


def _prep_lu_solve(n, rng):
    import scipy.linalg as sl

    import jitla.linalg as jl

    A, b = _general(n, rng), rng.standard_normal(n)
    return (jl.lu_factor(A), b), (sl.lu_factor(A), b)


def _prep_cho_solve(n, rng):
    import scipy.linalg as sl

    import jitla.linalg as jl

    A, b = _spd(n, rng), rng.standard_normal(n)
    return (jl.cho_factor(A), b), (sl.cho_factor(A), b)


def _prep_triangular(n, rng):
    T = np.triu(_general(n, rng))
    b = rng.standard_normal(n)
    return (T, b), (T, b)


def _prep_one(make):
    def prepare(n, rng):
        A = make(n, rng)
        return (A,), (A,)

    return prepare


def _ols_case(p):
    def case(n, rng):
        import statsmodels.api as sm

        from jitla.regression import OLS

        X = np.column_stack([np.ones(n), rng.standard_normal((n, p - 1))])
        y = X @ rng.standard_normal(p) + rng.standard_normal(n)
        return (
            f"n={n}, p={p}",
            "statsmodels OLS(y, X).fit().bse",
            lambda: OLS(y, X).fit().bse,
            lambda: sm.OLS(y, X).fit().bse,
        )

    return case


def _linear_regression_case(p, weighted=False):
    """``LinearRegression().fit(X, y)`` (intercept fitted) against scikit-learn's, p features."""

    def case(n, rng):
        from sklearn.linear_model import LinearRegression as SkLinearRegression

        from jitla.regression import LinearRegression

        X = rng.standard_normal((n, p))
        y = X @ rng.standard_normal(p) + 1.0 + rng.standard_normal(n)
        w = rng.uniform(0.5, 2.0, n) if weighted else None
        return (
            f"n={n}, p={p}" + (", weights" if weighted else ""),
            "sklearn LinearRegression().fit(X, y" + (", sample_weight=w)" if weighted else ")"),
            lambda: LinearRegression().fit(X, y, sample_weight=w),
            lambda: SkLinearRegression().fit(X, y, sample_weight=w),
        )

    return case


def _stack_case(name, ref, ref_name, make, rhs=False):
    """A stack of 100,000 small matrices of order n (the batched kernels)."""

    def case(n, rng):
        import jitla
        import jitla.linalg as jl

        count = 100_000
        A = np.stack([make(n, rng) for _ in range(64)])[rng.integers(0, 64, count)]
        if name == "matmul":
            B = rng.standard_normal((count, n, n))
            return f"{count} x ({n}, {n})", ref_name, lambda: jitla.matmul(A, B), lambda: ref(A, B)
        f = getattr(jl, name)
        if rhs:
            b = rng.standard_normal((count, n, 1))
            return f"{count} x ({n}, {n})", ref_name, lambda: f(A, b), lambda: ref(A, b)
        return f"{count} x ({n}, {n})", ref_name, lambda: f(A), lambda: ref(A)

    return case


#: name -> case(n, rng) returning (shape, reference name, jitla callable, reference callable)
CASES: dict[str, Callable] = {
    "solve": _case_solve,
    "inv": _unary("inv", np.linalg.inv, "numpy.linalg.inv"),
    "det": _unary("det", np.linalg.det, "numpy.linalg.det"),
    "slogdet": _unary("slogdet", np.linalg.slogdet, "numpy.linalg.slogdet"),
    "cholesky": _unary("cholesky", np.linalg.cholesky, "numpy.linalg.cholesky", _spd),
    "matmul": _case_matmul,
    "lstsq": _case_lstsq,
    "qr": _unary("qr", np.linalg.qr, "numpy.linalg.qr"),
    "svd": _unary("svd", np.linalg.svd, "numpy.linalg.svd"),
    "svdvals": _unary("svdvals", lambda A: np.linalg.svd(A, compute_uv=False), "numpy.linalg.svdvals"),
    "eigh": _unary("eigh", np.linalg.eigh, "numpy.linalg.eigh", _sym),
    "eigvalsh": _unary("eigvalsh", np.linalg.eigvalsh, "numpy.linalg.eigvalsh", _sym),
    "eig": _unary("eig", np.linalg.eig, "numpy.linalg.eig"),
    "eigvals": _unary("eigvals", np.linalg.eigvals, "numpy.linalg.eigvals"),
    "pinv": _unary("pinv", np.linalg.pinv, "numpy.linalg.pinv"),
    "matrix_rank": _unary("matrix_rank", np.linalg.matrix_rank, "numpy.linalg.matrix_rank"),
    "norm": _unary("norm", np.linalg.norm, "numpy.linalg.norm"),
    "cond": _unary("cond", np.linalg.cond, "numpy.linalg.cond"),
    "lu_factor": _scipy_pair("lu_factor", "lu_factor", _prep_one(_general)),
    "lu_solve": _scipy_pair("lu_solve", "lu_solve", _prep_lu_solve),
    "lu": _scipy_pair("lu", "lu", _prep_one(_general)),
    "cho_factor": _scipy_pair("cho_factor", "cho_factor", _prep_one(_spd)),
    "cho_solve": _scipy_pair("cho_solve", "cho_solve", _prep_cho_solve),
    "solve_triangular": _scipy_pair("solve_triangular", "solve_triangular", _prep_triangular),
    "null_space": _scipy_pair("null_space", "null_space", _prep_one(_general)),
    "orth": _scipy_pair("orth", "orth", _prep_one(_general)),
}


def _case_norm2(n, rng):
    import jitla.linalg as jl

    A = _general(n, rng)
    return f"({n}, {n})", "numpy.linalg.norm(A, 2)", lambda: jl.norm(A, 2), lambda: np.linalg.norm(A, 2)


CASES["norm2"] = _case_norm2


def _with_args(jitla_name, ref, ref_name, *args, make=_general, **kwargs):
    """A case calling ``jitla.linalg.<jitla_name>(A, *args, **kwargs)`` against ``ref(A)``."""

    def case(n, rng):
        import jitla.linalg as jl

        A = make(n, rng)
        f = getattr(jl, jitla_name)
        return f"({n}, {n})", ref_name, lambda: f(A, *args, **kwargs), lambda: ref(A)

    return case


def _scipy_qr_pivoting(A):
    import scipy.linalg as sl

    return sl.qr(A, mode="economic", pivoting=True)


# the other modes and orders of the functions above (qr's and norm's own code paths)
CASES.update(
    {
        "qr_r": _with_args("qr", lambda A: np.linalg.qr(A, "r"), "numpy.linalg.qr(A, 'r')", "r"),
        "qr_complete": _with_args(
            "qr", lambda A: np.linalg.qr(A, "complete"), "numpy.linalg.qr(A, 'complete')", "complete"
        ),
        "qr_raw": _with_args("qr", lambda A: np.linalg.qr(A, "raw"), "numpy.linalg.qr(A, 'raw')", "raw"),
        "qr_pivoting": _with_args(
            "qr", _scipy_qr_pivoting, "scipy.linalg.qr(A, pivoting=True)", pivoting=True
        ),
        "norm_1": _with_args("norm", lambda A: np.linalg.norm(A, 1), "numpy.linalg.norm(A, 1)", 1),
        "norm_inf": _with_args(
            "norm", lambda A: np.linalg.norm(A, np.inf), "numpy.linalg.norm(A, inf)", np.inf
        ),
    }
)

#: Regression cases: name -> (case, n) at their own sizes.
REGRESSION_CASES: dict[str, tuple[Callable, tuple[int, ...]]] = {
    "OLS.bse p=3": (_ols_case(3), (100,)),
    "OLS.bse p=10": (_ols_case(10), (1000,)),
    "LinearRegression p=3": (_linear_regression_case(3), (100,)),
    "LinearRegression p=10": (_linear_regression_case(10), (1000,)),
    "LinearRegression w p=3": (_linear_regression_case(3, weighted=True), (100,)),
}

#: Stacks of small matrices: the batched kernels' lead over numpy's gufunc loop.
STACK_CASES: dict[str, Callable] = {
    "solve stack": _stack_case("solve", np.linalg.solve, "numpy.linalg.solve", _general, rhs=True),
    "inv stack": _stack_case("inv", np.linalg.inv, "numpy.linalg.inv", _general),
    "det stack": _stack_case("det", np.linalg.det, "numpy.linalg.det", _general),
    "slogdet stack": _stack_case("slogdet", np.linalg.slogdet, "numpy.linalg.slogdet", _general),
    "matmul stack": _stack_case("matmul", np.matmul, "numpy.matmul", _general),
}


def overhead_cases(
    small_sizes=(3, 10), large_sizes=(100,), functions=None, *, regression=True, stacks=False
) -> list[tuple[str, int, Callable]]:
    """The plan: :data:`SMALL_FUNCTIONS` at *small_sizes*, every case at *large_sizes*.

    Parameters
    ----------
    small_sizes, large_sizes : tuple of int
    functions : list of str, optional
        Only these names of :data:`CASES` (``"OLS"`` selects the regression
        cases; a name selects its stack case too).
    regression : bool
        Add ``OLS(y, X).fit().bse`` (vs statsmodels) and
        ``LinearRegression().fit(X, y)`` (vs scikit-learn, also with
        weights at p = 3) at n = 100, p = 3 and n = 1000, p = 10.
    stacks : bool
        Add 100,000 stacked 3 x 3 and 4 x 4 problems.

    Returns
    -------
    list of (name, n, case)

    Raises
    ------
    ValueError
        For a name in *functions* that is not a case.
    """
    if functions is not None:
        unknown = sorted(set(functions) - set(CASES) - {"OLS"})
        if unknown:
            raise ValueError(f"unknown function(s) {unknown}; choose from {sorted(CASES)} or OLS")
    plan = []
    for name, case in CASES.items():
        if functions is not None and name not in functions:
            continue
        sizes = list(large_sizes)
        if name in SMALL_FUNCTIONS:
            sizes = list(small_sizes) + sizes
        plan.extend((name, n, case) for n in sizes)
    if regression and (functions is None or "OLS" in functions):
        for name, (case, sizes) in REGRESSION_CASES.items():
            plan.extend((name, n, case) for n in sizes)
    if stacks:
        for name, case in STACK_CASES.items():
            if functions is None or name.split()[0] in functions:
                plan.extend((name, n, case) for n in (3, 4))
    return plan


def time_calls(fn: Callable, ref: Callable, *, n: int, repeat: int = 5) -> tuple[float, float, int]:
    """Best seconds per call of *fn* and *ref*, looped and alternating; returns ``(t, t_ref, number)``.

    One untimed call of each first; the number of calls per loop is enough
    for :data:`MIN_LOOP_TIME`, and at least :data:`MIN_CALLS` for a single
    problem of order n <= 10 (a call of microseconds).  A call that takes
    longer than :data:`LONG_CALL` (a stack of 100,000 small matrices) is
    timed by the loop time alone: 2,000 of them would take minutes.
    """
    fn()
    ref()
    start = time.perf_counter()
    fn()
    ref()
    once = max(time.perf_counter() - start, 1e-9) / 2
    number = max(1, math.ceil(MIN_LOOP_TIME / once))
    if n <= 10 and once < LONG_CALL:
        number = max(number, MIN_CALLS)
    best, best_ref = math.inf, math.inf
    for _ in range(repeat):
        for f, is_ref in ((fn, False), (ref, True)):
            start = time.perf_counter()
            for _ in range(number):
                f()
            elapsed = (time.perf_counter() - start) / number
            if is_ref:
                best_ref = min(best_ref, elapsed)
            else:
                best = min(best, elapsed)
    return best, best_ref, number


def measure_overhead(plan, *, repeat: int = 5, seed: int = 0, progress=None) -> list[OverheadMeasurement]:
    """Time each ``(name, n, case)`` of *plan* (see :func:`overhead_cases`) on one thread.

    Parameters
    ----------
    plan : list of (str, int, callable)
    repeat : int
        Timed loops of each side; the best is kept.
    seed : int
        Seed of the random test problems.
    progress : callable, optional
        ``progress(done, total, label)`` before each case.

    Returns
    -------
    list of OverheadMeasurement
    """
    import jitla

    rng = np.random.default_rng(seed)
    rows = []
    # scipy's own OpenBLAS must be loaded before the thread limit is entered:
    # threadpoolctl limits only the libraries loaded at that moment
    _load_scipy_blas()
    with jitla.threads(1):
        for i, (name, n, case) in enumerate(plan):
            if progress is not None:
                progress(i, len(plan), f"{name} n={n}")
            shape, ref_name, fn, ref = case(n, rng)
            t, t_ref, number = time_calls(fn, ref, n=n, repeat=repeat)
            rows.append(OverheadMeasurement(name, n, shape, ref_name, t, t_ref, number, repeat))
    if progress is not None:
        progress(len(plan), len(plan), "done")
    return rows
