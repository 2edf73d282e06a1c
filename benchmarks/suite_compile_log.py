"""Where the test suite's time goes: every Numba compilation, charged to the test that caused it.

With a cold cache most of the suite's CPU time is compilation, and pytest's
``--durations`` charges it to whichever test first reaches a kernel.  This
file is both a pytest plugin and the script that reads what the plugin wrote.

As a plugin it listens to Numba's ``numba:compile`` events (the dispatcher and
its argument types) and records, for each compilation, the test running, the
kernel, the signature and the CPU seconds spent in it less those of the
compilations nested inside (its "self" time).  As a script it prints the
kernels by self time, the kernels compiled for more than one signature (a
float32 or read-only or layout copy: each is a whole extra compilation, and
where only a test asks for it, the test's cost) and the tests by the
compilation they caused.

Run on a quiet machine with an empty cache (several minutes)::

    NUMBA_CACHE_DIR=$(mktemp -d) COMPILE_LOG=/tmp/compile_log.json \\
        PYTHONPATH=benchmarks /usr/bin/time -f 'CPU %U+%S s' \\
        python -m pytest -q -p no:cacheprovider -p suite_compile_log --durations=60
    python benchmarks/suite_compile_log.py /tmp/compile_log.json [--top 40]

CPU seconds (``time.process_time``), not wall seconds: under load the wall
time of a compilation is several times its CPU time.  The out-of-line C
entries (``jitla._jit.out_of_line``) compile as cfuncs and show as
``None.implementation``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import time

_stack: list[list[float]] = []
_log: list[dict] = []
_test = ["<collection>"]


def _listener():
    from numba.core import event

    class CompileListener(event.Listener):
        def on_start(self, ev):
            _stack.append([time.process_time(), 0.0])

        def on_end(self, ev):
            start, nested = _stack.pop()
            total = time.process_time() - start
            if _stack:
                _stack[-1][1] += total
            data = ev.data or {}
            func = getattr(data.get("dispatcher"), "py_func", None)
            name = f"{getattr(func, '__module__', None)}.{getattr(func, '__qualname__', None)}"
            _log.append(
                {
                    "test": _test[0],
                    "kernel": name,
                    "signature": str(data.get("args")),
                    "self": total - nested,
                    "total": total,
                    "depth": len(_stack),
                }
            )

    return CompileListener()


def pytest_configure(config):
    from numba.core import event

    event.register("numba:compile", _listener())


def pytest_runtest_logstart(nodeid, location):
    _test[0] = nodeid


def pytest_sessionfinish(session):
    with open(os.environ.get("COMPILE_LOG", "compile_log.json"), "w") as f:
        json.dump(_log, f)


def report(log: list[dict], top: int) -> None:
    """Print kernels by self time, the multi-signature kernels and the tests by compile time."""
    print(f"{len(log)} compilations, {sum(e['self'] for e in log):.1f} CPU s")
    by_kernel = collections.defaultdict(list)
    for e in log:
        by_kernel[e["kernel"]].append(e)
    ranked = sorted(by_kernel.items(), key=lambda kv: -sum(e["self"] for e in kv[1]))
    print(f"\nkernels by self time (top {top}): CPU s, signatures, kernel")
    for name, events in ranked[:top]:
        print(f"{sum(e['self'] for e in events):8.2f} {len(events):4d}  {name}")
    print("\nkernels compiled for more than one signature (jitla's own), each with the test that asked")
    for name, events in ranked:
        if len(events) > 1 and name.startswith("jitla."):
            print(f"{sum(e['self'] for e in events):8.2f}  {name}")
            for e in events:
                print(f"{e['self']:14.2f}  {e['signature']}\n{'':16}<- {e['test']}")
    by_test = collections.Counter()
    for e in log:
        by_test[e["test"]] += e["self"]
    print(f"\ntests by the compilation they caused (top {top}): CPU s, test")
    for test, seconds in by_test.most_common(top):
        print(f"{seconds:8.2f}  {test}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log", help="the JSON file the plugin wrote (COMPILE_LOG)")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    with open(args.log) as f:
        report(json.load(f), args.top)


if __name__ == "__main__":
    main()
