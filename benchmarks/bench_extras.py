"""numpy.linalg's remaining names: jitla's matrix_power and multi_dot against numpy's.

Time ratios (jitla / numpy, best of ``repeat``, alternating, 1 thread for
both via :func:`jitla.threads`): ``matrix_power(A, 13)`` for n = 10, 100,
500 (five products by binary powering on each side), and ``multi_dot`` of
a chain whose best order matters (10 x 1000, 1000 x 5, 5 x 500, 500 x 1000:
both sides choose the same order).  Run by hand::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_extras.py
"""

from __future__ import annotations

import numpy as np

import jitla.linalg as jl
from jitla import threads
from jitla.profiling.timing import time_pair


def measure(repeat: int = 7) -> list[tuple[str, float]]:
    rng = np.random.default_rng(0)
    rows = []
    with threads(1):
        for n in (10, 100, 500):
            A = rng.standard_normal((n, n)) / np.sqrt(n)
            t = time_pair(
                lambda A=A: jl.matrix_power(A, 13), lambda A=A: np.linalg.matrix_power(A, 13), repeat=repeat
            )
            rows.append((f"matrix_power n={n}, 13", t.best / t.ref_best))
        chain = [rng.standard_normal(s) for s in ((10, 1000), (1000, 5), (5, 500), (500, 1000))]
        t = time_pair(lambda: jl.multi_dot(chain), lambda: np.linalg.multi_dot(chain), repeat=repeat)
        rows.append(("multi_dot 10x1000x5x500x1000", t.best / t.ref_best))
    return rows


def test_bench_extras_smoke():
    assert all(np.isfinite(r) for _, r in measure(repeat=1))


if __name__ == "__main__":
    for name, ratio in measure():
        print(f"{name:32s} jitla / numpy time: {ratio:5.2f}")
