"""Scale-out on Dask: R factors and sufficient statistics of chunked, possibly out-of-core data.

One pass over the row chunks of a Dask array (or the partitions of a Dask
DataFrame) computes, per chunk, the R factor of ``diag(w) [X | Y]`` with
jitla's serial ``nogil`` Householder kernels, and these factors merge up a
tree of fixed fan-in (``split_every``) shaped by the partition index, never
by arrival order: the same chunking gives a bit-identical R, also after a
worker failure and recomputation.  ``(R, n)`` are the sufficient statistics
of least squares, so OLS/WLS inference follows exactly as in memory
(:mod:`jitla.regression` accepts Dask input and uses this layer).

Only public Dask APIs are used (``to_delayed``, ``dask.delayed``,
``dask.compute``).  Dask is an optional extra: ``pip install 'jitla[dask]'``.

References: Demmel, Grigori, Hoemmen & Langou, "Communication-optimal
parallel and sequential QR and LU factorizations", SIAM J. Sci. Comput.
34 (2012) (TSQR); Benson, Gleich & Demmel, "Direct QR factorizations for
tall-and-skinny matrices in MapReduce architectures" (2013).
"""

from jitla.distributed._tsqr import (
    DesignStats,
    design_stats,
    is_dask_collection,
    map_row_blocks,
    tree_reduce,
    tsqr_r,
)

__all__ = ["tsqr_r", "design_stats", "DesignStats", "is_dask_collection", "map_row_blocks", "tree_reduce"]
