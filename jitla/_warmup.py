"""Compile kernels ahead of time, with a progress display.

By default :func:`warmup` makes the calls a session usually makes -- the
``numpy.linalg``-style functions and the regression models, in float64, at a
small, a medium and a large size so that every kernel their "auto" policies
can pick is compiled -- and leaves the rest (float32, the teaching variants,
kernels only reachable through ``kernel=``/``method=``) to compile on first
use.  ``everything=True`` compiles every registered kernel in every dtype
asked for.  Compiled code is cached on disk, so this is paid once per
machine (and per jitla/Numba version).
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable

import numpy as np

__all__ = ["warmup", "everyday_steps"]

#: Orders of the square problems the everyday steps run: one below every
#: "auto" threshold, one between the serial thresholds, one above the
#: parallel ones (jitla.linalg's ``*_MIN`` / ``*_MAX`` constants).
WARMUP_SIZES = (16, 200, 600)
#: Rows of the regression problems (columns: 10): a short one and a tall one
#: that takes the tall-skinny QR.
WARMUP_ROWS = (200, 40_000)


def everyday_steps(dtype="float64") -> list[tuple[str, Callable[[], object]]]:
    """The calls :func:`warmup` makes by default, as ``(label, call)`` pairs.

    Parameters
    ----------
    dtype : str
        Dtype of the operands.

    Returns
    -------
    list of (str, callable)
    """
    import jitla.linalg as la
    import jitla.regression as reg

    dt = np.dtype(dtype)
    rng = np.random.default_rng(0)
    steps: list[tuple[str, Callable[[], object]]] = []

    def add(label, call):
        steps.append((f"{label} ({dt.name})", call))

    for n in WARMUP_SIZES:
        A = rng.standard_normal((n, n)).astype(dt)
        B = rng.standard_normal((n, n)).astype(dt)
        b = rng.standard_normal(n).astype(dt)
        S = (A @ A.T + n * np.eye(n)).astype(dt)
        H = (A + A.T).astype(dt)
        add(f"matmul n={n}", lambda A=A, B=B: la.matmul(A, B))
        add(f"solve n={n}", lambda A=A, b=b: la.solve(A, b))
        # det of A / sqrt(n): a Gaussian matrix's own determinant overflows from n ~ 300 on
        # (log|det A| ~ (n/2) log n - n/2), which numpy and jitla report with an overflow warning
        D = (A / np.sqrt(n)).astype(dt)
        add(f"inv/det n={n}", lambda A=A, D=D: (la.inv(A), la.det(D)))
        add(f"cholesky n={n}", lambda S=S: la.cholesky(S))
        add(f"qr n={n}", lambda A=A: la.qr(A))
        add(f"lstsq n={n}", lambda A=A, b=b: la.lstsq(A, b))
        add(f"svd n={n}", lambda A=A: (la.svd(A), la.svdvals(A)))
        add(f"eigh n={n}", lambda H=H: (la.eigh(H), la.eigvalsh(H)))
        add(f"eig n={n}", lambda A=A: la.eig(A))
    if dt == np.float64:  # the regression layer computes in float64
        for m in WARMUP_ROWS:
            X = np.column_stack([np.ones(m), rng.standard_normal((m, 9))])
            y = X @ np.arange(1.0, 11.0) + rng.standard_normal(m)
            add(f"lstsq {m}x10", lambda X=X, y=y: la.lstsq(X, y))
            add(f"OLS.fit {m}x10", lambda X=X, y=y: reg.OLS(y, X).fit())

            def summary(X=X, y=y):
                return str(reg.OLS(y, X).fit().summary())

            def influence(X=X, y=y):
                return reg.OLS(y, X).fit().get_influence().summary_frame()

            add(f"summary() {m}x10", summary)
            add(f"influence {m}x10", influence)
            add(f"LinearRegression.fit {m}x10", lambda X=X, y=y: reg.LinearRegression().fit(X[:, 1:], y))
    return steps


def _registry_steps(ops, dtypes) -> list[tuple[str, Callable[[], object]]]:
    """Each registered kernel of *ops* (all if None) on its registry example, per dtype."""
    from jitla.kernels import registry
    from jitla.linalg._dispatch import kernel_extras

    wanted = None if ops is None else set(ops)
    if wanted is not None:
        known = {info.op for info in registry()}
        if wanted - known:
            raise ValueError(f"unknown operation(s) {sorted(wanted - known)}; known: {sorted(known)}")
    steps = []
    for info in registry():
        if wanted is not None and info.op not in wanted:
            continue
        for name in dtypes:
            dtype = np.dtype(name)
            if info.example is None:
                continue

            def call(info=info, dtype=dtype):
                return info.func(*info.example(dtype), *kernel_extras(info, dtype))

            steps.append((f"{info.op}/{info.variant}/{dtype.name}", call))
    return steps


@contextlib.contextmanager
def _progress_display(total: int, enabled):
    """Yield ``update(done, label)``: a rich progress bar on stderr, or plain lines without rich.

    *enabled* False shows nothing; "text" forces the plain lines; a callable
    ``enabled(done, total, label)`` is called instead (the ``jitla`` command
    passes its own display).  The plain lines are the one place outside the
    command where jitla writes to the terminal: ``warmup()`` promises a
    progress display, and rich is an optional extra.
    """
    if callable(enabled):
        yield lambda done, label: enabled(done, total, label)
        return
    if not enabled:
        yield lambda done, label: None
        return
    try:
        if enabled == "text":
            raise ImportError("plain text asked for")
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    except ImportError:
        start = time.perf_counter()

        def update(done, label):
            elapsed = time.perf_counter() - start
            print(f"[{done + 1:>3}/{total}] {elapsed:6.1f} s  {label}", file=sys.stderr, flush=True)

        yield update
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task("warmup", total=total)

        def update(done, label):
            bar.update(task, completed=done, description=f"warmup: {label}")

        yield update
        bar.update(task, completed=total, description="warmup: done")


def warmup(ops=None, dtypes=None, *, everything: bool = False, progress=True) -> dict[str, float]:
    """Compile (or load from the disk cache) the kernels users call.

    Parameters
    ----------
    ops : iterable of str, optional
        Registry operations ("gemm", "lu", "svd", ...): compile every
        registered variant of these on its tiny registry example instead of
        the everyday calls.
    dtypes : iterable of str, optional
        Dtypes to compile for: by default float64 for the everyday calls,
        float64 and float32 with *ops* or *everything*.
    everything : bool, default False
        Every registered kernel in every dtype of *dtypes* (what ``ops``
        does for all operations), then the everyday calls.  Takes many
        times longer than the default.
    progress : bool, "text" or callable, default True
        Show a progress bar on stderr (rich when installed, else one line per
        step; "text" forces the lines), or call ``progress(done, total,
        label)`` before each step.

    Returns
    -------
    dict
        Seconds per step label (compile time, or the time to load the
        compiled code from the disk cache, plus the call itself).

    Notes
    -----
    The default runs :func:`everyday_steps` for each dtype: ``matmul``,
    ``solve``, ``inv``/``det``, ``cholesky``, ``qr``, ``lstsq``, ``svd``,
    ``eigh`` and ``eig`` at the orders in :data:`WARMUP_SIZES`, and (float64)
    ``OLS.fit``, ``summary()``, ``get_influence().summary_frame()`` and
    ``LinearRegression.fit`` at the row counts in :data:`WARMUP_ROWS`.  The
    README states what it costs.  Under ``NUMBA_DISABLE_JIT=1`` there is
    nothing to compile: it returns an empty dict at once.

    Examples
    --------
    >>> import jitla
    >>> timings = jitla.warmup(ops=["dot"], dtypes=["float64"], progress=False)
    >>> list(timings)
    ['dot/serial/float64']
    """
    if dtypes is None:
        dtypes = ("float64",) if ops is None and not everything else ("float64", "float32")
    dtypes = tuple(dtypes)
    if ops is not None:
        steps = _registry_steps(ops, dtypes)
    else:
        steps = []
        if everything:
            steps += _registry_steps(None, dtypes)
        for name in dtypes:
            steps += everyday_steps(name)
    from numba.core import config as numba_config

    if numba_config.DISABLE_JIT:
        # Numba's debugging mode: nothing compiles, and the steps' large problems would run as Python
        return {}
    timings: dict[str, float] = {}
    with _progress_display(len(steps), progress) as update:
        for done, (label, call) in enumerate(steps):
            update(done, label)
            start = time.perf_counter()
            call()
            timings[label] = time.perf_counter() - start
    return timings
