"""Per-call overhead: small problems through jitla's API vs numpy / scipy / statsmodels.

Every case of :mod:`jitla.profiling.overhead` at the sizes the issue names
(solve, inv, det, slogdet, cholesky and matmul at n = 3, 10 and 100; every
other jitla.linalg function at n = 100; ``OLS(y, X).fit().bse`` against
statsmodels and ``LinearRegression().fit(X, y)`` against scikit-learn at
n = 100, p = 3 and n = 1000, p = 10; stacks of 100,000 3x3 / 4x4 systems).  The
ratio ``jitla time / reference time`` is measured in the test itself (best
of looped, alternating runs on one thread, benchmarks/README.md "Small sizes")
and stored in ``extra_info``; pytest-benchmark's own table times the jitla
call.  The same figures as a table::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE jitla bench overhead --stacks

and the regression cases alone::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE jitla bench overhead --functions OLS --repeat 9
"""

from __future__ import annotations

import numpy as np
import pytest

from jitla import threads as limit_threads
from jitla.profiling.overhead import overhead_cases, time_calls

PLAN = overhead_cases(stacks=True)


@pytest.mark.parametrize(("name", "n", "case"), PLAN, ids=[f"{name}-n{n}" for name, n, _ in PLAN])
def test_overhead(benchmark, ratio_repeat, name, n, case):
    shape, reference, fn, ref = case(n, np.random.default_rng(0))
    benchmark.group = f"overhead {name}"
    with limit_threads(1):
        t, t_ref, number = time_calls(fn, ref, n=n, repeat=ratio_repeat)
        benchmark.extra_info.update(
            operands=shape,
            reference=reference,
            jitla_us=1e6 * t,
            reference_us=1e6 * t_ref,
            ratio_jitla_over_reference=t / t_ref,
            calls_per_loop=number,
        )
        benchmark(fn)
