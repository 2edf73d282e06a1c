"""A Dask OLS fit of data larger than the process may allocate: the pass must stream the chunks.

A subprocess (so the limit cannot leak into the test run) imports
everything, warms the kernels on a small fit, then caps its address space
(``RLIMIT_AS``) at its current size plus a headroom four times smaller
than the data, and fits lazily generated data on the synchronous
scheduler.  It then checks that the cap bites: materialising the same
array must raise MemoryError.  A change that gathers the rows (a
``compute()`` of X, a concatenation of chunks, a Q as large as X) fails
fast with MemoryError instead of swapping.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

pytest.importorskip("dask.array")
resource = pytest.importorskip("resource")

SCRIPT = textwrap.dedent(
    """
    import json, resource, sys
    import numpy as np
    import dask, dask.array as da
    from jitla.regression import OLS

    P, CHUNK = 8, 250_000
    HEADROOM = 128 * 2**20

    def block(i, m):
        # a pure function of the partition index: uniform X with a constant, y linear in X plus noise
        rng = np.random.default_rng([31, i])
        A = rng.random((m, P + 1))
        A[:, 0] = 1.0
        A[:, P] = A[:, :P] @ np.arange(1.0, P + 1) + (A[:, P] - 0.5)
        return A

    def data(parts):
        A = da.concatenate(
            [da.from_delayed(dask.delayed(block, pure=True)(i, CHUNK), (CHUNK, P + 1), np.float64)
             for i in range(parts)]
        )
        return A

    parts = int(sys.argv[1])
    with dask.config.set(scheduler="sync"):
        small = data(2)
        OLS(small[:, P], small[:, :P]).fit().bse  # compile and load everything before the cap
        vm = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmSize"))
        resource.setrlimit(resource.RLIMIT_AS, (vm + HEADROOM, resource.getrlimit(resource.RLIMIT_AS)[1]))
        A = data(parts)
        assert A.nbytes > 4 * HEADROOM
        res = OLS(A[:, P], A[:, :P]).fit()
        out = {"params": list(map(float, res.params)), "bse": list(map(float, res.bse)),
               "nobs": res.nobs, "nbytes": A.nbytes}
        try:
            A.compute()
        except MemoryError:
            out["materialise"] = "MemoryError"
        else:
            out["materialise"] = "succeeded"
    print(json.dumps(out))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux")
def test_fit_streams_data_larger_than_the_address_space_limit():
    parts = 32  # 32 chunks of 250_000 x 9 doubles: 576 MB, 4.3 times the 128 MiB headroom
    root = str(Path(__import__("jitla").__file__).resolve().parents[1])
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(parts)], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["materialise"] == "MemoryError", "the limit does not bite: the test would prove nothing"
    assert out["nobs"] == parts * 250_000
    # y = X b + u with u uniform on (-1/2, 1/2): b recovered to a few standard errors
    assert_allclose(out["params"], np.arange(1.0, 9.0), atol=8 * max(out["bse"]))
    assert max(out["bse"]) < 2e-3
