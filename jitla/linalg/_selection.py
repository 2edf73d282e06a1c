"""Checked wrappers of the variable-selection kernels (:mod:`jitla.kernels.subsets`).

The regression layer's ``best_subsets`` and ``stepwise`` call these: each
checks what its kernel trusts (float64, shapes, C order), calls it and
returns plain arrays.  A failed check is a bug in the caller, so the
messages name the argument.
"""

from __future__ import annotations

import numpy as np

from jitla.kernels import get_kernel
from jitla.kernels.subsets import NINFO, NODES, PRUNED
from jitla.kernels.subsets import move_column as _move_column
from jitla.linalg._checked import _require

__all__ = ["LEAPS_PREORDER_MIN", "leaps", "move_column", "stepwise_scores"]

#: Reorder a node's free columns when it has at least this many.  Below it
#: the subtree is too small to repay the O(m^3) reordering; the node counts
#: of the p = 30 benchmark are the same for every value from 2 to 6 (and
#: 40 times larger with no reordering at all).
LEAPS_PREORDER_MIN = 6

#: Bit masks of int64 hold the subsets.
LEAPS_MAX_COLUMNS = 62


def leaps(R, max_size: int, nbest: int = 1, preorder_min: int = LEAPS_PREORDER_MIN, variant: str = "leaps"):
    """The *nbest* smallest-RSS column subsets of each size ``1 .. max_size``.

    *variant* ``"leaps"`` (branch and bound) or ``"exhaustive"`` (every node
    of the same tree; the reference the benchmark measures the bound against).

    Parameters
    ----------
    R : (q+1, q+1) float64 ndarray, C-contiguous
        Upper-triangular factor of the centred ``[X | y]``, response last,
        non-singular in its first q columns.

    Returns
    -------
    rss : (max_size, nbest) float64 ndarray
        Row ``s - 1``: the smallest RSS of size s, ascending (``inf`` where
        fewer than nbest subsets of that size exist).
    masks : (max_size, nbest) int64 ndarray
        The subsets as bit masks of column indices.
    nodes, pruned : int
        Nodes of the regression tree built and children cut by the bound.
    """
    _require("R", R, (None, None))
    q = R.shape[0] - 1
    if R.shape[1] != q + 1 or q < 1:
        raise ValueError(f"R must be square with at least 2 columns, got {R.shape}")
    if q > LEAPS_MAX_COLUMNS:
        raise ValueError(f"at most {LEAPS_MAX_COLUMNS} columns, got {q}")
    if not 1 <= max_size <= q or nbest < 1:
        raise ValueError(f"need 1 <= max_size <= {q} and nbest >= 1, got {max_size}, {nbest}")
    rss = np.full((max_size, nbest), np.inf)
    masks = np.zeros((max_size, nbest), dtype=np.int64)
    info = np.zeros(NINFO, dtype=np.int64)
    get_kernel("best_subsets", variant).func(R, int(max_size), int(preorder_min), rss, masks, info)
    return rss, masks, int(info[NODES]), int(info[PRUNED])


def stepwise_scores(R, s: int, tol: float):
    """``(gain, loss)``: RSS decrease of adding each column ``c >= s``, increase of dropping each ``i < s``.

    *R* as in :func:`leaps`, with the model's *s* columns first.  ``gain[c]``
    is -1 for a column collinear with the model (relative tolerance *tol*);
    entries outside the two ranges are meaningless.
    """
    _require("R", R, (None, None))
    q = R.shape[0] - 1
    if R.shape[1] != q + 1 or not 0 <= s <= q:
        raise ValueError(f"R must be square and 0 <= s <= {q}, got {R.shape} and s = {s}")
    gain = np.zeros(q)
    loss = np.zeros(q)
    T = np.empty((q, q))
    get_kernel("stepwise", "scores").func(R, int(s), float(tol), gain, loss, T)
    return gain, loss


def move_column(R, src: int, dst: int, order):
    """Move column *src* of the factor *R* to position *dst* in place (adjacent Givens exchanges).

    *order* (int64, length q) is permuted alike.
    """
    _require("R", R, (None, None))
    q = R.shape[0] - 1
    _require("order", order, (q,), (np.int64,))
    if not (0 <= src < q and 0 <= dst < q):
        raise ValueError(f"column positions must lie in [0, {q}), got {src} and {dst}")
    _move_column(R, int(src), int(dst), q, order)
