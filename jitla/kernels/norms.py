"""Vector and matrix norms that are sums or maxima (not the spectral ones).

* :func:`nrm2` -- the 2-norm of a vector (the Frobenius norm of a
  contiguous matrix seen as one vector): one vectorised pass of squares,
  and a scaled second pass only when that sum over- or underflowed;
* :func:`max_abs_col_sum` -- ``max_j sum_i |a_ij|`` (or the minimum): the
  matrix 1-norm of a C array (and the inf-norm of its transpose);
* :func:`max_abs_row_sum` -- ``max_i sum_j |a_ij|`` (or the minimum): the
  matrix inf-norm of a C array (and the 1-norm of its transpose).

The singular-value norms (``ord=2``, ``-2``, ``"nuc"``) come from the SVD
kernels.  No checks are made on the inputs; every kernel returns its value
in float64 (the API rounds it to the input's dtype, as numpy returns it).
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel, vector_kernel
from jitla.kernels._tile import register_tile
from jitla.kernels.level1 import dot

__all__ = ["max_abs_col_sum", "max_abs_row_sum", "nrm2"]


@vector_kernel
def _sum_abs(x):
    """``sum |x_i|`` with two vector registers of partial sums."""
    acc = register_tile(x, 1, 2)
    W = acc.shape[1]
    n = x.shape[0]
    for j in range(W):
        acc[0, j] = 0
    nb = n - n % W
    for i in range(0, nb, W):
        for j in range(W):
            acc[0, j] += abs(x[i + j])
    s = x.dtype.type(0)
    for j in range(W):
        s += acc[0, j]
    for i in range(nb, n):
        s += abs(x[i])
    return s


@kernel
def nrm2(x):
    """``||x||_2`` of a contiguous 1-D array, without overflow or underflow.

    Parameters
    ----------
    x : (n,) ndarray, float32 or float64
        Read only.

    Returns
    -------
    float
        The norm (float64); NaN if x holds a NaN, inf if it holds an inf.

    Notes
    -----
    First the plain sum of squares in x's dtype (numpy's ``sqrt(x . x)``,
    what ``numpy.linalg.norm`` computes), vectorised with lane-wise partial
    sums.  Only when that sum is inf (an inf in x, or squares beyond the
    largest float) or below ``tiny / eps`` (squares that underflowed or lost
    digits as subnormals) is the norm recomputed as ``scale * sqrt(sum
    (x_i / scale)^2)`` with ``scale = max |x_i|`` -- the purpose of
    LAPACK's ``dnrm2``, which scales always; numpy does not scale, and
    returns inf for ``[1e200, 1e200]`` and 0 for ``[1e-200, 1e-200]``.
    Flops 2n (4n on the rare scaled path); no workspace.
    """
    n = x.shape[0]
    s = float(dot(x, x))  # the sum of squares: level-1 dot's two-register sum
    info = np.finfo(x.dtype)
    if s != s or (info.tiny / info.eps <= s <= info.max):
        return math.sqrt(s)  # the common case, and NaN
    scale = 0.0
    for i in range(n):
        a = abs(float(x[i]))
        if a > scale:
            scale = a
    if scale == 0.0 or scale == math.inf:
        return scale
    ssq = 0.0
    for i in range(n):
        t = float(x[i]) / scale
        ssq += t * t
    return scale * math.sqrt(ssq)


@kernel
def max_abs_col_sum(A, largest):
    """``max_j sum_i |A[i, j]|`` (``min_j`` when not *largest*) of a C-contiguous (m, n) array.

    Column sums are accumulated a row at a time (a unit-stride, vectorised
    pass over A, no temporary ``|A|``), in float64.  ``numpy.linalg.norm``'s
    ``ord=1`` / ``-1`` for a C array, ``inf`` / ``-inf`` for an F array.
    m, n >= 1.  Flops 2mn; workspace n.
    """
    m, n = A.shape
    col = np.zeros(n)
    for i in range(m):
        row = A[i]
        for j in range(n):
            col[j] += abs(row[j])
    best = col[0]
    for j in range(1, n):
        c = col[j]
        if (c > best) if largest else (c < best):
            best = c
        elif c != c:
            best = c  # NaN wins, as numpy's max/min
            break
    return best


@kernel
def max_abs_row_sum(A, largest):
    """``max_i sum_j |A[i, j]|`` (``min_i`` when not *largest*) of a C-contiguous (m, n) array.

    Each row sum is a vectorised reduction along the row.  ``ord=inf`` /
    ``-inf`` for a C array, ``1`` / ``-1`` for an F array.  m, n >= 1.
    Flops 2mn; no workspace.
    """
    m = A.shape[0]
    best = float(_sum_abs(A[0]))
    if best != best:
        return best
    for i in range(1, m):
        r = float(_sum_abs(A[i]))
        if r != r:
            return r
        if (r > best) if largest else (r < best):
            best = r
    return best
