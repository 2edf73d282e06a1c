"""Tree reductions over row chunks: TSQR's R factor and the statistics least squares needs."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from jitla.linalg import qr_r_augmented

__all__ = ["tsqr_r", "design_stats", "DesignStats", "is_dask_collection", "map_row_blocks", "tree_reduce"]


def is_dask_collection(x) -> bool:
    """True for a Dask array, DataFrame or Series (anything with a task graph and ``to_delayed``)."""
    return hasattr(x, "__dask_graph__") and hasattr(x, "to_delayed")


def _delayed():
    try:
        import dask
    except ImportError as exc:  # pragma: no cover - exercised only without dask
        raise ImportError("Dask input needs dask: pip install 'jitla[dask]'") from exc
    return dask


def row_blocks(x, name: str, *, optimize: bool = True) -> list:
    """The row blocks of *x* as a list of delayed objects (or one numpy array), in partition order.

    A 2-D Dask array is first rechunked to one chunk along the columns
    (TSQR needs whole rows); DataFrames and Series give their partitions
    (of the optimised graph unless ``optimize=False``).
    """
    if x is None:
        return None
    if not is_dask_collection(x):
        return [x]
    if hasattr(x, "chunks") and hasattr(x, "ndim"):  # dask array
        if x.ndim == 2:
            x = x.rechunk({1: -1})
            return list(x.to_delayed()[:, 0])
        if x.ndim == 1:
            return list(x.to_delayed())
        raise ValueError(f"{name} must be 1-D or 2-D, got {x.ndim}-D")
    return list(x.to_delayed(optimize_graph=optimize))


def aligned_row_blocks(*named) -> list:
    """Row blocks of several ``(collection, name)`` pairs with partitions that correspond.

    Dask's optimiser may merge the partitions of two selections of one
    DataFrame differently (a ``read_parquet`` frame's one-column selection
    is read as fewer, larger partitions than a many-column one).  When the
    optimised partition counts differ, the partitions of the unoptimised
    graphs (the frame's own) are used for all of them.
    """
    blocks = [row_blocks(x, name) for x, name in named]
    counts = {len(b) for b in blocks if b is not None}
    frames = all(not hasattr(x, "chunks") for x, _ in named if is_dask_collection(x))
    if len(counts) > 1 and frames:
        blocks = [row_blocks(x, name, optimize=False) for x, name in named]
    present = [x for x, _ in named if x is not None]
    if frames and len(present) > 1 and all(is_dask_collection(x) for x in present):
        npart = {x.npartitions for x in present}
        if len(npart) == 1:
            blocks = [
                None if b is None else _FrameBlocks(b, x) for b, (x, _) in zip(blocks, named, strict=True)
            ]
    return blocks


class _FrameBlocks(list):
    """The row blocks of a DataFrame or Series, which also remembers the collection.

    :func:`map_row_blocks` applies its function to such blocks through one
    ``map_partitions`` over all the collections together, so that Dask
    fuses the reading, the user's own partition functions, the column
    selections and the chunk kernel into one task per partition: no
    partition is stored between tasks.  Selected one by one (the list
    itself), each selection re-reads its partition and a worker holds the
    results until the chunk task runs.
    """

    def __init__(self, blocks, collection):
        super().__init__(blocks)
        self.collection = collection


class _PartitionTask:
    """``func(i, *blocks)`` as a ``map_partitions`` function (None blocks re-inserted; picklable)."""

    def __init__(self, func, missing):
        self.func, self.missing = func, missing

    def __call__(self, *parts, partition_info=None):
        i = 0 if partition_info is None else partition_info["number"]
        it = iter(parts)
        return self.func(i, *[None if m else next(it) for m in self.missing])


def tree_reduce(items: list, merge, split_every: int = 8):
    """Combine *items* up a tree of fan-in *split_every*, grouping consecutive indices at every level.

    The tree depends only on ``len(items)`` and *split_every*, never on the
    order in which tasks finish, so a deterministic *merge* gives a
    bit-identical result on every run (and after a recomputation).  Items
    may be Dask delayed objects (the merges become tasks) or plain values.
    """
    if split_every < 2:
        raise ValueError(f"split_every must be at least 2, got {split_every}")
    if not items:
        raise ValueError("nothing to reduce: no chunks")
    lazy = any(hasattr(v, "__dask_graph__") for v in items)
    combine = _delayed().delayed(merge, pure=True) if lazy else merge
    level = list(items)
    while len(level) > 1:
        level = [combine(*level[i : i + split_every]) for i in range(0, len(level), split_every)]
    return level[0]


#: Rows per slab: a chunk function sees at most this many rows at a time (see :class:`_SlabTask`).
SLAB_ROWS = 65_536


def _row_count(block) -> int:
    return int(block.shape[0]) if hasattr(block, "shape") else len(block)


def _row_slice(block, start: int, stop: int):
    return block.iloc[start:stop] if hasattr(block, "iloc") else block[start:stop]


class _SlabTask:
    """``func(i, *blocks)`` run on slabs of at most ``SLAB_ROWS`` rows of one chunk, merged in order.

    A chunk function's temporaries (the float64 copy of a pandas
    partition, the weighted rows, ``X R^{-1}``) are as large as its input:
    on whole chunks they put several chunk-sized arrays on a worker at once.
    On slabs only the partition itself is chunk-sized.  The slabs depend on
    the chunk's length only, so a result is as reproducible as before;
    chunks of at most ``SLAB_ROWS`` rows (and misaligned ones, which the
    function reports) run unsplit (picklable).
    """

    def __init__(self, func, merge):
        self.func, self.merge = func, merge

    def __call__(self, i, *blocks):
        rows = {_row_count(b) for b in blocks if b is not None}
        if len(rows) != 1 or (m := rows.pop()) <= SLAB_ROWS:
            return self.func(i, *blocks)
        parts = [
            self.func(i, *[None if b is None else _row_slice(b, s, min(m, s + SLAB_ROWS)) for b in blocks])
            for s in range(0, m, SLAB_ROWS)
        ]
        return self.merge(*parts)


def map_row_blocks(
    func, blocks: list[list], merge, split_every: int = 8, *, compute: bool = True, slab_merge=None
):
    """Apply ``func(i, *row_block_i)`` to aligned row blocks and reduce the results with :func:`tree_reduce`.

    *blocks* is a list of block lists (one per collection, from the same
    partitioning; ``None`` entries pass None).  Each chunk is processed by
    slabs of ``SLAB_ROWS`` rows (:class:`_SlabTask`) whose results are
    combined by *slab_merge* (default *merge*).  Returns the reduced value
    (computed unless ``compute=False``).
    """
    func = _SlabTask(func, merge if slab_merge is None else slab_merge)
    n = max(len(b) for b in blocks if b is not None)
    for b in blocks:
        if b is not None and len(b) != n:
            raise ValueError(
                f"the inputs have different numbers of row chunks: {[len(b) for b in blocks if b]}"
            )
    lazy = any(hasattr(v, "__dask_graph__") for b in blocks if b is not None for v in b)
    present = [b for b in blocks if b is not None]
    if len(present) > 1 and all(isinstance(b, _FrameBlocks) for b in present):
        import dask.dataframe as dd
        import pandas as pd

        task = _PartitionTask(func, [b is None for b in blocks])
        out = dd.map_partitions(
            task,
            *[b.collection for b in present],
            align_dataframes=False,
            meta=pd.Series(dtype=object),
            enforce_metadata=False,
        )
        parts = list(out.to_delayed())
    else:
        apply = _delayed().delayed(func, pure=True) if lazy else func
        parts = [apply(i, *[None if b is None else b[i] for b in blocks]) for i in range(n)]
    root = tree_reduce(parts, merge, split_every)
    if compute and hasattr(root, "__dask_graph__"):
        return _delayed().compute(root)[0]
    return root


# --------------------------------------------------------------------------
# R factors
# --------------------------------------------------------------------------
def _as_matrix(block, name: str, index: int) -> np.ndarray:
    a = np.asarray(block, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, np.newaxis]
    if a.ndim != 2:
        raise ValueError(f"{name}: partition {index} is not 1-D or 2-D (shape {a.shape})")
    if not np.isfinite(a).all():
        raise ValueError(f"{name}: partition {index} contains NaN or inf")
    return a


def _merge_r(*factors: np.ndarray) -> np.ndarray:
    """R of the stacked R factors (one more QR; sign-normalised, serial kernel)."""
    S = np.vstack(factors)
    return qr_r_augmented(np.empty((S.shape[0], 0)), S, nthreads=1)


def chunk_r(X, Y, sqrt_weights=None) -> np.ndarray:
    """R of ``diag(w) [X | Y]`` for one chunk (or slab), with the serial kernel."""
    return qr_r_augmented(X, Y, sqrt_weights=sqrt_weights, nthreads=1)


def _r_of_block(i, block):
    A = _as_matrix(block, "A", i)
    return qr_r_augmented(np.empty((A.shape[0], 0)), A, nthreads=1)


def tsqr_r(A, *, split_every: int = 8):
    """The R factor of a tall-skinny matrix from its row chunks, never forming Q.

    Parameters
    ----------
    A : (m, n) Dask array or ndarray
        Any row chunking (uneven, unknown sizes, empty chunks, chunks
        shorter than n); columns are gathered into one chunk.
    split_every : int
        Fan-in of the merge tree.

    Returns
    -------
    R : (n, n) ndarray
        Upper triangular with a non-negative diagonal, ``R^T R = A^T A``.

    Notes
    -----
    Each chunk's R comes from jitla's serial ``nogil`` Householder/TSQR
    kernel (:func:`jitla.linalg.qr_r_augmented` with ``nthreads=1``); each
    merge is the QR of at most ``split_every`` stacked n x n factors.
    Flops ``2 m n^2`` plus ``(chunks - 1) split_every / (split_every - 1) * 2 n^3``
    for the tree; data read once; only n x n factors travel between workers.
    """
    blocks = row_blocks(A, "A")
    return map_row_blocks(_r_of_block, [blocks], _merge_r, split_every)


# --------------------------------------------------------------------------
# least squares: R of [X | Y] and the few sums the results need
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class DesignStats:
    """Sufficient statistics of a (weighted) least-squares fit over all chunks.

    Attributes
    ----------
    R : (p + k, p + k) ndarray
        R factor of ``diag(sqrt(w)) [X | Y]`` (non-negative diagonal).
    nobs : int
    sum_w : float
        Sum of the weights (nobs without weights).
    mean_y : float
        Weighted mean of the first response.
    ss_y : float
        Weighted sum of squares of the first response about its mean.
    ss_y0 : float
        Weighted sum of squares of the first response (uncentred).
    sum_log_w : float
        Sum of the log weights (0 without weights): the WLS likelihood term.
    col_min, col_max : (p,) ndarray
        Column extrema of X (a constant column has ``min == max``).
    chunks : int
        Number of row chunks.
    """

    R: np.ndarray
    nobs: int
    sum_w: float
    mean_y: float
    ss_y: float
    ss_y0: float
    sum_log_w: float
    col_min: np.ndarray
    col_max: np.ndarray
    chunks: int


def _chunk_stats(i, X, Y, w):
    X = _as_matrix(X, "exog", i)
    Y = _as_matrix(Y, "endog", i)
    m, p = X.shape
    if Y.shape[0] != m:
        raise ValueError(f"partition {i}: exog has {m} rows but endog has {Y.shape[0]}")
    if w is None:
        wv = np.ones(m)
        sqrt_w = None
        slw = 0.0
    else:
        wv = _as_matrix(w, "weights", i)[:, 0]
        if wv.shape[0] != m:
            raise ValueError(f"partition {i}: weights have {wv.shape[0]} rows, exog {m}")
        if np.any(wv <= 0):
            raise ValueError(f"weights: partition {i} has non-positive weights")
        sqrt_w = np.sqrt(wv)
        slw = float(np.log(wv).sum())
    q = p + Y.shape[1]
    R = chunk_r(X, Y, sqrt_w) if m else np.zeros((q, q))
    y0 = Y[:, 0]
    W = float(wv.sum())
    mean = float(wv @ y0 / W) if m else 0.0
    ss = float(wv @ (y0 - mean) ** 2) if m else 0.0
    lo = X.min(axis=0) if m else np.full(p, np.inf)
    hi = X.max(axis=0) if m else np.full(p, -np.inf)
    return DesignStats(R, m, W, mean, ss, float(wv @ (y0 * y0)), slw, lo, hi, 1)


def _merge_stats(*parts: DesignStats) -> DesignStats:
    """Merge in index order: R by one QR, (sum_w, mean, ss) by Chan, Golub & LeVeque's pairwise update."""
    R = _merge_r(*[s.R for s in parts])
    W, mean, ss = 0.0, 0.0, 0.0
    for s in parts:
        if s.sum_w == 0.0:
            continue
        total = W + s.sum_w
        delta = s.mean_y - mean
        mean = mean + delta * (s.sum_w / total)
        ss = ss + s.ss_y + delta * delta * (W * s.sum_w / total)
        W = total
    return DesignStats(
        R=R,
        nobs=sum(s.nobs for s in parts),
        sum_w=W,
        mean_y=mean,
        ss_y=ss,
        ss_y0=float(np.sum([s.ss_y0 for s in parts])),
        sum_log_w=float(np.sum([s.sum_log_w for s in parts])),
        col_min=np.min([s.col_min for s in parts], axis=0),
        col_max=np.max([s.col_max for s in parts], axis=0),
        chunks=sum(s.chunks for s in parts),
    )


def _merge_slab_stats(*parts: DesignStats) -> DesignStats:
    """:func:`_merge_stats` of the slabs of one chunk (still one chunk)."""
    return replace(_merge_stats(*parts), chunks=1)


def design_stats(endog, exog, weights=None, *, split_every: int = 8) -> DesignStats:
    """One pass over aligned row chunks of (endog, exog[, weights]): :class:`DesignStats`.

    Parameters
    ----------
    endog : (n,) or (n, k) Dask array / Series / DataFrame, or ndarray
    exog : (n, p) Dask array / DataFrame, or ndarray
        Chunked the same way as endog (e.g. columns of one Dask DataFrame,
        or arrays with equal row chunks).
    weights : (n,) same kind, optional
        Positive observation weights (WLS).
    split_every : int
        Fan-in of the merge tree.

    Raises
    ------
    ValueError
        A partition holding NaN/inf (named by its index), misaligned
        chunks, non-positive weights, no rows at all.
    """
    blocks = aligned_row_blocks((endog, "endog"), (exog, "exog"), (weights, "weights"))
    stats = map_row_blocks(
        _chunk_stats,
        [blocks[1], blocks[0], blocks[2]],
        _merge_stats,
        split_every,
        slab_merge=_merge_slab_stats,
    )
    if stats.nobs == 0:
        raise ValueError("the data have no rows")
    return stats
