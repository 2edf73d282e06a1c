"""pytest-benchmark suites for jitla (one ``bench_<family>.py`` per operation family).

Run them explicitly; the default ``pytest`` run (``testpaths = tests``) never
collects them::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE pytest benchmarks/
    pytest benchmarks/ --benchmark-disable        # smoke run: each case once

pyproject's ``addopts`` disables pytest-benchmark for the unit tests; this
conftest turns it back on when the benchmarks are run, unless
``--benchmark-disable`` is given on the command line.  Every case records
GFLOP/s and the ratio to OpenBLAS (measured in the same test, alternating,
threads pinned alike) in ``extra_info``, and the run's conditions (CPU,
threading layer, BLAS kernel, versions) in ``machine_info``.
"""

from __future__ import annotations

import pytest


def pytest_collect_file(file_path, parent):
    """Collect ``bench_*.py`` as test modules (pytest's default pattern is ``test_*.py``)."""
    if file_path.suffix != ".py" or not file_path.name.startswith("bench_"):
        return None
    if parent.session.isinitpath(file_path):
        return None  # named on the command line: pytest's python plugin collects it already
    return pytest.Module.from_parent(parent, path=file_path)


def pytest_addoption(parser):
    group = parser.getgroup("jitla benchmarks")
    group.addoption(
        "--jitla-threads",
        type=int,
        default=None,
        help="threads for parallel kernels (default: numba.config.NUMBA_NUM_THREADS)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    explicit = any(arg.startswith("--benchmark-disable") for arg in config.invocation_params.args)
    if not explicit and hasattr(config.option, "benchmark_enable"):
        config.option.benchmark_enable = True


def pytest_benchmark_update_machine_info(config, machine_info):
    """Store the conditions every figure is stated with (``jitla info``)."""
    from jitla.profiling.system import system_info

    machine_info["jitla"] = system_info()


@pytest.fixture(scope="session")
def bench_threads(pytestconfig) -> int:
    """Thread count for parallel kernels (serial kernels always use one)."""
    import numba

    return pytestconfig.getoption("--jitla-threads") or numba.config.NUMBA_NUM_THREADS


@pytest.fixture
def ratio_repeat(benchmark) -> int:
    """Alternating samples for the in-test ratio to OpenBLAS (1 in a smoke run)."""
    return 1 if benchmark.disabled else 5
