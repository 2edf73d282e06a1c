"""OLS on a two-process LocalCluster: agreement with statsmodels, and a worker killed mid-pass.

One cluster (two worker processes, one thread each, under nannies that
restart a dead worker) serves the whole module.  The data of the failure
test are generated inside the tasks from a per-partition seed, so a
recomputed partition is the same partition: with the merge tree fixed by
partition index, the fit after a SIGKILL must be bit-identical to a fit
that never failed.
"""

import os
import signal
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.regression import OLS

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
sm = pytest.importorskip("statsmodels.api")
cloudpickle = pytest.importorskip("cloudpickle")

# the worker processes cannot import this test module by name: ship its functions by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])

ROWS, P, PARTS = 400, 4, 12


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def _partition(i: int, marker: str | None, victim: int) -> np.ndarray:
    """Rows ``[X | y]`` of partition *i*, a pure function of *i*; partition *victim* kills its worker once.

    The marker file is created exclusively before the kill, so exactly one
    attempt dies and every later attempt (the recomputation) returns the
    data.  The marker holds the killed process's id for the test to check.
    """
    if marker is not None and i == victim:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass
        else:
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            os.kill(os.getpid(), signal.SIGKILL)
    rng = np.random.default_rng([20260806, i])
    X = np.column_stack([np.ones(ROWS), rng.standard_normal((ROWS, P - 1))])
    y = X @ np.arange(1.0, P + 1) + rng.standard_normal(ROWS)
    return np.column_stack([X, y])


def _lazy_data(marker=None, victim=-1):
    blocks = [
        da.from_delayed(dask.delayed(_partition, pure=True)(i, marker, victim), (ROWS, P + 1), np.float64)
        for i in range(PARTS)
    ]
    A = da.concatenate(blocks, axis=0)
    return A[:, P], A[:, :P]


def test_local_cluster_matches_statsmodels(client):
    rng = np.random.default_rng(7)
    X = np.column_stack([np.ones(2000), rng.standard_normal((2000, 3))])
    y = X @ np.array([1.0, -2.0, 0.5, 3.0]) + rng.standard_normal(2000) * (1 + np.abs(X[:, 1]))
    res = OLS(da.from_array(y, chunks=250), da.from_array(X, chunks=(250, 4))).fit(cov_type="HC1")
    ref = sm.OLS(y, X).fit(cov_type="HC1")
    assert_allclose(res.params, ref.params, rtol=1e-12)
    assert_allclose(res.bse, ref.bse, rtol=1e-12)


def test_sigkill_of_a_worker_mid_pass_gives_bit_identical_params(client, tmp_path):
    with dask.config.set(scheduler="sync"):
        y, X = _lazy_data()
        clean = OLS(y, X, split_every=3).fit()
        clean_params, clean_bse = np.asarray(clean.params), np.asarray(clean.bse)

    marker = str(tmp_path / "killed")
    before = set(client.run(os.getpid).values())
    y, X = _lazy_data(marker, victim=PARTS // 2)  # other partitions' results on that worker are lost too
    res = OLS(y, X, split_every=3).fit()  # the client is the default scheduler
    params, bse = np.asarray(res.params), np.asarray(res.bse)

    # the kill must have happened, in a worker process of this cluster, and that process must be gone
    assert os.path.exists(marker), "the victim partition never ran: no worker was killed"
    with open(marker) as fh:
        killed = int(fh.read())
    assert killed in before
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it; leave the cluster whole
    assert killed not in set(client.run(os.getpid).values())

    assert_array_equal(params, clean_params)
    assert_array_equal(bse, clean_bse)
    rows = np.vstack([_partition(i, None, -1) for i in range(PARTS)])
    ref = sm.OLS(rows[:, P], rows[:, :P]).fit()
    assert_allclose(params, ref.params, rtol=1e-12)
