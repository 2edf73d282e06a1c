"""Cold start: import time and the first call of each everyday operation.

Each measurement runs in a fresh Python process (benchmarks/README.md, "Small
sizes, first calls"): ``NUMBA_CACHE_DIR`` points at an empty temporary directory, so
every kernel the call needs is compiled, and the process imports nothing
before it.  The same calls are then repeated with that cache warm, where the
first call only loads compiled code from disk.

The child process records each compilation through Numba's event API
(``numba:compile``), so a report names the kernels a call compiled and the
seconds each took (inclusive of the kernels it compiled in turn).

Nothing here prints; ``jitla bench coldstart`` and
``benchmarks/bench_coldstart.py`` do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

__all__ = [
    "CALLS",
    "IMPORT_TARGET_S",
    "CALL_TARGET_S",
    "TOTAL_TARGET_S",
    "CallTiming",
    "ColdStartReport",
    "coldstart_report",
    "import_time",
    "run_calls",
]

#: Targets (seconds) for a fresh process with an empty cache.
IMPORT_TARGET_S = 0.5
CALL_TARGET_S = 3.0
TOTAL_TARGET_S = 15.0

#: The everyday calls, in the order a session makes them.  Each is
#: ``(setup, call)``: *setup* builds the inputs (and runs whatever the call
#: needs first, untimed); *call* is timed.  Names in scope: ``np``, ``rng``,
#: ``jitla`` (with ``jitla.linalg`` and ``jitla.regression`` imported), the
#: square order ``n`` and the regression shape ``m`` x ``p``.
CALLS: dict[str, tuple[str, str]] = {
    "matmul": (
        "A = rng.standard_normal((n, n)); B = rng.standard_normal((n, n))",
        "jitla.linalg.matmul(A, B)",
    ),
    "solve": ("A = rng.standard_normal((n, n)); b = rng.standard_normal(n)", "jitla.linalg.solve(A, b)"),
    "lstsq": (
        "X = rng.standard_normal((m, p)); y = rng.standard_normal(m)",
        "jitla.linalg.lstsq(X, y)",
    ),
    "qr": ("A = rng.standard_normal((n, n))", "jitla.linalg.qr(A)"),
    "cholesky": (
        "G = rng.standard_normal((n, n)); S = G @ G.T + n * np.eye(n)",
        "jitla.linalg.cholesky(S)",
    ),
    "svd": ("A = rng.standard_normal((n, n))", "jitla.linalg.svd(A)"),
    "eigh": ("G = rng.standard_normal((n, n)); S = G + G.T", "jitla.linalg.eigh(S)"),
    "eig": ("A = rng.standard_normal((n, n))", "jitla.linalg.eig(A)"),
    "OLS.fit": (
        "X = np.column_stack([np.ones(m), rng.standard_normal((m, p - 1))]);"
        " y = X @ np.arange(1.0, p + 1) + rng.standard_normal(m)",
        "jitla.regression.OLS(y, X).fit()",
    ),
    "summary()": (
        "X = np.column_stack([np.ones(m), rng.standard_normal((m, p - 1))]);"
        " y = X @ np.arange(1.0, p + 1) + rng.standard_normal(m);"
        " res = jitla.regression.OLS(y, X).fit()",
        "str(res.summary())",
    ),
    "influence": (
        "X = np.column_stack([np.ones(m), rng.standard_normal((m, p - 1))]);"
        " y = X @ np.arange(1.0, p + 1) + rng.standard_normal(m);"
        " res = jitla.regression.OLS(y, X).fit()",
        "res.get_influence().summary_frame()",
    ),
    "LinearRegression.fit": (
        "X = rng.standard_normal((m, p)); y = X @ np.arange(1.0, p + 1) + rng.standard_normal(m)",
        "jitla.regression.LinearRegression().fit(X, y)",
    ),
}

#: The child process: import jitla (timed), then for each requested call run
#: its setup and time the call, recording every Numba compilation.  Prints
#: one JSON object on its last line.
_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import jitla.linalg, jitla.regression
t_import = time.perf_counter() - t0
import jitla
import numpy as np
from numba.core import event

calls = json.loads(sys.argv[1])
n, m, p = (int(v) for v in sys.argv[2:5])
stack, compiled = [], []

class Recorder(event.Listener):
    def on_start(self, ev):
        stack.append((time.perf_counter(), time.process_time()))
    def on_end(self, ev):
        start, cpu_start = stack.pop()
        if not stack:
            disp = ev.data["dispatcher"]
            py = getattr(disp, "py_func", None)
            name = getattr(py, "__module__", "?") + "." + getattr(py, "__qualname__", "?")
            wall = time.perf_counter() - start
            compiled[-1].append([name, str(ev.data["args"]), wall, time.process_time() - cpu_start])

event.register("numba:compile", Recorder())
out = {"import_s": t_import, "calls": []}
for name, setup, call in calls:
    rng = np.random.default_rng(0)
    scope = {"np": np, "rng": rng, "jitla": jitla, "n": n, "m": m, "p": p}
    compiled.append([])
    exec(setup, scope)
    compiled[-1] = []
    c0 = time.process_time()
    t0 = time.perf_counter()
    exec(call, scope)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    out["calls"].append({"name": name, "seconds": seconds, "cpu_s": cpu, "compiled": compiled[-1]})
print(json.dumps(out))
"""


@dataclass
class CallTiming:
    """One first call.

    Attributes
    ----------
    name : str
    seconds : float
        Wall-clock seconds.
    cpu_s : float
        CPU seconds of the process during the call: compilation is serial,
        so on a busy machine this is close to what the call takes on a quiet
        one (wall time there counts the other processes' turns too).
    compiled : list of (name, signature, seconds, cpu seconds)
        Each kernel compiled by the call itself (the kernels it compiled in
        turn are part of its time).
    """

    name: str
    seconds: float
    cpu_s: float
    compiled: list[tuple[str, str, float, float]] = field(default_factory=list)


@dataclass
class ColdStartReport:
    """Everything ``jitla bench coldstart`` prints.

    Attributes
    ----------
    import_s : float
        Best-of-``repeat`` seconds for ``import jitla.linalg, jitla.regression``.
    cold_alone, warm_alone : dict of str to CallTiming
        Each call first in its own fresh process: empty cache / warm cache.
    cold_sequence, warm_sequence : list of CallTiming
        All calls in one fresh process, in :data:`CALLS` order.
    sizes : dict
        ``n``, ``m``, ``p`` used.
    """

    import_s: float
    cold_alone: dict[str, CallTiming]
    warm_alone: dict[str, CallTiming]
    cold_sequence: list[CallTiming]
    warm_sequence: list[CallTiming]
    sizes: dict[str, int]

    @property
    def cold_total_s(self) -> float:
        return sum(c.seconds for c in self.cold_sequence)

    @property
    def cold_total_cpu_s(self) -> float:
        return sum(c.cpu_s for c in self.cold_sequence)

    @property
    def warm_total_s(self) -> float:
        return sum(c.seconds for c in self.warm_sequence)


def _child_env(cache_dir: str | None = None) -> dict[str, str]:
    # bytecode is written as an installed package has it (pip compiles .pyc files): without
    # them each import compiles jitla's sources again, ~0.25 s that no installed copy pays
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    return env


def run_calls(
    names, cache_dir: str, *, n: int = 200, m: int = 1000, p: int = 10
) -> tuple[float, list[CallTiming]]:
    """Run the calls *names* first in one fresh process with cache *cache_dir*.

    Returns
    -------
    (import_s, timings)
        The process's import time and one :class:`CallTiming` per call.
    """
    calls = [[name, *CALLS[name]] for name in names]
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(calls), str(n), str(m), str(p)],
        env=_child_env(cache_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"cold-start child failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    timings = [
        CallTiming(c["name"], c["seconds"], c["cpu_s"], [tuple(k) for k in c["compiled"]])
        for c in out["calls"]
    ]
    return out["import_s"], timings


def import_time(repeat: int = 5) -> float:
    """Best of *repeat* fresh processes: seconds to ``import jitla.linalg, jitla.regression``."""
    code = (
        "import time; t = time.perf_counter(); import jitla.linalg, jitla.regression; "
        "print(time.perf_counter() - t)"
    )
    best = float("inf")
    for i in range(repeat + 1):  # the first run writes the .pyc files and is not counted
        proc = subprocess.run(
            [sys.executable, "-c", code], env=_child_env(), capture_output=True, text=True, check=True
        )
        if i > 0:
            best = min(best, float(proc.stdout.strip().splitlines()[-1]))
    return best


def coldstart_report(
    names=None, *, n: int = 200, m: int = 1000, p: int = 10, repeat: int = 5, progress=None
) -> ColdStartReport:
    """Measure the import and each first call, with an empty and with a warm cache.

    Parameters
    ----------
    names : iterable of str, optional
        Keys of :data:`CALLS`; all by default.
    n : int
        Order of the square matrices.
    m, p : int
        Rows and columns of the regression design (and of lstsq's matrix).
    repeat : int
        Fresh processes for the import time (best of).
    progress : callable, optional
        ``progress(done, total, label)`` before each step.

    Returns
    -------
    ColdStartReport
    """
    names = list(CALLS) if names is None else list(names)
    unknown = set(names) - set(CALLS)
    if unknown:
        raise ValueError(f"unknown call(s) {sorted(unknown)}; known: {list(CALLS)}")
    total = 2 * len(names) + 3
    step = 0

    def tick(label):
        nonlocal step
        if progress is not None:
            progress(step, total, label)
        step += 1

    tick("import")
    imp = import_time(repeat)
    cold_alone, warm_alone = {}, {}
    with tempfile.TemporaryDirectory(prefix="jitla-coldstart-") as root:
        for name in names:
            tick(f"{name} (empty cache)")
            cache = tempfile.mkdtemp(dir=root)
            cold_alone[name] = run_calls([name], cache, n=n, m=m, p=p)[1][0]
            tick(f"{name} (warm cache)")
            warm_alone[name] = run_calls([name], cache, n=n, m=m, p=p)[1][0]
        tick("all calls (empty cache)")
        shared = tempfile.mkdtemp(dir=root)
        cold_sequence = run_calls(names, shared, n=n, m=m, p=p)[1]
        tick("all calls (warm cache)")
        warm_sequence = run_calls(names, shared, n=n, m=m, p=p)[1]
    if progress is not None:
        progress(total, total, "done")
    return ColdStartReport(
        imp, cold_alone, warm_alone, cold_sequence, warm_sequence, {"n": n, "m": m, "p": p}
    )
