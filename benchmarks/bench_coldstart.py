"""Cold start: import time and the first call of each everyday operation (issue 10, part 2).

Each figure comes from a fresh Python process (benchmarks/README.md, "Small
sizes, first calls"): ``NUMBA_CACHE_DIR`` points at an empty directory, so the call
compiles everything it needs; then the same with that cache warm.  Targets:
``import jitla.linalg, jitla.regression`` <= 0.5 s; each first call <= 3 s
alone; the twelve in one process <= 15 s.  The work is in
:mod:`jitla.profiling.coldstart` (``jitla bench coldstart`` prints the same
table).

Run as a script for the table quoted in reports (several minutes: every
call is compiled from scratch twice, alone and in the sequence)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_coldstart.py [--kernels]

Under pytest each call is one case (alone, empty cache, then warm), its
seconds and the kernels it compiled in ``extra_info``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile

import pytest

from jitla.profiling import coldstart as cs


@pytest.mark.parametrize("name", list(cs.CALLS))
def test_first_call(benchmark, name):
    def cold_then_warm():
        with tempfile.TemporaryDirectory(prefix="jitla-coldstart-") as cache:
            cold = cs.run_calls([name], cache)[1][0]
            warm = cs.run_calls([name], cache)[1][0]
        return cold, warm

    cold, warm = benchmark.pedantic(cold_then_warm, rounds=1, iterations=1)
    benchmark.extra_info.update(
        {
            "cold_s": cold.seconds,
            "warm_s": warm.seconds,
            "target_s": cs.CALL_TARGET_S,
            "compiled": [[k[0], round(k[2], 3)] for k in cold.compiled],
        }
    )


def test_import_time(benchmark):
    seconds = benchmark.pedantic(cs.import_time, kwargs={"repeat": 3}, rounds=1, iterations=1)
    benchmark.extra_info.update({"import_s": seconds, "target_s": cs.IMPORT_TARGET_S})


def main(argv=None) -> int:
    from jitla.cli import main as jitla_main

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", action="store_true", help="list the kernels each call compiled")
    parser.add_argument("--text", action="store_true", help="plain text output")
    args = parser.parse_args(argv)
    return jitla_main(
        ["bench", "coldstart", *(["--kernels"] if args.kernels else []), *(["--text"] if args.text else [])]
    )


if __name__ == "__main__":
    sys.exit(main())
