"""GLM kernels: the elementwise part of an IRLS iteration for the two canonical count/binary models.

Given the linear predictor eta of a new coefficient vector, IRLS needs the
means, their validity and the deviance (to accept or halve the step), and
for the next iteration the working weights and residuals.  In numpy that is
a dozen passes over n-vectors (exp, where, clip, two logs, the weights...);
here it is one loop, for

* ``BINOMIAL_LOGIT``: ``mu = 1 / (1 + e^-eta)`` (without overflow), clipped
  to ``[eps, 1 - eps]``; ``V = mu (1 - mu)``; working weight ``prior V``,
  working residual ``(y - mu) / V``; unit deviance
  ``2 (y log(y / mu) + (1 - y) log((1 - y) / (1 - mu)))`` (0 log 0 = 0);
* ``POISSON_LOG``: ``mu = e^eta`` (at least eps); weight ``prior mu``,
  residual ``(y - mu) / mu``; unit deviance ``2 (y log(y / mu) - (y - mu))``,

the formulas of :mod:`jitla.regression.families` (McCullagh & Nelder, 2nd
ed., Sec. 2.5 and Table 2.1).  The deviance is summed in blocks of
:data:`EVAL_BLOCK` rows whose partial sums are added in order (rounding
``~(EVAL_BLOCK + n / EVAL_BLOCK) eps``, independent of the thread count).

Kernel contract: ``code`` one of the constants; ``eta``, ``y``, ``prior``
(n,) float64 read only; ``mu``, ``sw`` (square roots of the working
weights), ``resid`` (n,) overwritten.  Returns the deviance, or NaN when a
mean is not finite (the step left the family's range).  No checks are made
on the inputs.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from jitla._jit import kernel, parallel_kernel, vector_kernel, vector_parallel_kernel
from jitla.kernels._registry import register
from jitla.kernels._tile import register_tile
from jitla.kernels._vmath import vexp, vlog
from jitla.kernels.qr_tall import (
    GRAM_BLOCK_ROWS,
    GRAM_CHUNK_ROWS,
    _gram_reduce,
    _tri_update,
    gram_flops,
    gram_parts,
    gram_shift,
)

__all__ = [
    "BINOMIAL_LOGIT",
    "POISSON_LOG",
    "EVAL_BLOCK",
    "SCORE_BLOCK",
    "glm_eval",
    "glm_eval_parallel",
    "glm_score",
    "glm_score_parallel",
    "glm_gram",
    "glm_gram_parallel",
]

BINOMIAL_LOGIT = 1
POISSON_LOG = 2

#: Rows per partial deviance sum.
EVAL_BLOCK = 4096

_EPS = float(np.finfo(np.float64).eps)


def _eval_flops(n):
    """Nominal: about 20 operations per row (one exp, up to two logs, a square root counted as one each)."""
    return 20.0 * n


def _eval_example(dtype):
    n = 9
    eta = np.linspace(-2.0, 2.0, n).astype(dtype)
    y = (np.arange(n) % 2).astype(dtype)
    return (
        BINOMIAL_LOGIT,
        eta,
        y,
        np.ones(n, dtype),
        np.empty(n, dtype),
        np.empty(n, dtype),
        np.empty(n, dtype),
    )


@kernel(inline="always")
def _eval_rows(code, eta, y, prior, lo, hi, mu, sw, resid, dbuf):
    """Rows ``lo:hi``: means, weights, residuals, and each row's deviance in ``dbuf[:hi - lo]``.

    Branch-free (selects, :func:`~jitla.kernels._vmath.vexp` and
    :func:`~jitla.kernels._vmath.vlog`), so the loop vectorises.  A row
    whose mean is not finite, or whose eta is NaN, gets a NaN deviance.
    """
    # views from 0: the indices are then known non-negative (no wraparound selects), so the
    # loops vectorise with contiguous loads and stores instead of gathers
    k = hi - lo
    et, yy, pr = eta[lo:hi], y[lo:hi], prior[lo:hi]
    mu_, sw_, re_ = mu[lo:hi], sw[lo:hi], resid[lo:hi]
    if code == BINOMIAL_LOGIT:
        for i in range(k):
            t = et[i]
            yi = yy[i]
            e = vexp(-abs(t))
            m = (1.0 if t >= 0 else e) / (1.0 + e)
            m = m if m > _EPS else _EPS
            m = m if m < 1.0 - _EPS else 1.0 - _EPS
            v = m * (1.0 - m)
            # y log(y / mu) + (1 - y) log((1 - y) / (1 - mu)), 0 log 0 = 0
            d = yi * vlog(yi / m if yi > 0 else 1.0)
            d += (1.0 - yi) * vlog((1.0 - yi) / (1.0 - m) if yi < 1 else 1.0)
            mu_[i] = m
            sw_[i] = math.sqrt(pr[i] * v)
            re_[i] = (yi - m) / v
            dbuf[i] = pr[i] * (2.0 * d) + (0.0 if t == t else math.nan)
    else:
        for i in range(k):
            t = et[i]
            yi = yy[i]
            m = vexp(t)
            m = m if m > _EPS else _EPS
            d = yi * vlog(yi / m if yi > 0 else 1.0) - (yi - m)
            mu_[i] = m
            sw_[i] = math.sqrt(pr[i] * m)
            re_[i] = (yi - m) / m
            # m - m: NaN exactly when the mean is not finite (e^eta overflowed)
            dbuf[i] = pr[i] * (2.0 * d) + (m - m) + (0.0 if t == t else math.nan)


@kernel(inline="always")
def _lane_sum(buf, k):
    """``sum(buf[:k])`` in one register tile of lanes (row i in lane i mod lanes), lanes then in order."""
    acc = register_tile(buf, 1, 1)
    L = acc.shape[1]
    for t in range(L):
        acc[0, t] = 0.0
    kv = k // L * L
    for j0 in range(0, kv, L):
        for t in range(L):
            acc[0, t] += buf[j0 + t]
    s = 0.0
    for t in range(L):
        s += acc[0, t]
    for j in range(kv, k):
        s += buf[j]
    return s


@kernel(inline="always")
def _eval_block(code, eta, y, prior, lo, hi, mu, sw, resid, dbuf):
    """Rows ``lo:hi`` (at most ``dbuf.size``): means, weights, residuals; returns the block's deviance.

    NaN when a mean is not finite or an eta is NaN (the step left the
    family's range).
    """
    _eval_rows(code, eta, y, prior, lo, hi, mu, sw, resid, dbuf)
    return _lane_sum(dbuf, hi - lo)


@register(
    "glm_eval",
    "serial",
    "means, working weights and residuals, deviance of a canonical binomial/Poisson GLM, one loop",
    flops=_eval_flops,
    example=_eval_example,
)
@kernel
def glm_eval(code, eta, y, prior, mu, sw, resid):
    """One IRLS evaluation at *eta* (module docstring); returns the deviance or NaN."""
    n = eta.shape[0]
    nb = max(1, (n + EVAL_BLOCK - 1) // EVAL_BLOCK)
    dbuf = np.empty(EVAL_BLOCK, dtype=eta.dtype)
    total = 0.0
    for b in range(nb):
        total += _eval_block(
            code, eta, y, prior, b * EVAL_BLOCK, min(n, (b + 1) * EVAL_BLOCK), mu, sw, resid, dbuf
        )
    return total


@register(
    "glm_eval",
    "parallel",
    "as serial, prange over the blocks (the same sums in the same order)",
    flops=_eval_flops,
    example=_eval_example,
    parallel=True,
)
@parallel_kernel
def glm_eval_parallel(code, eta, y, prior, mu, sw, resid):
    """As :func:`glm_eval`, blocks in parallel; the partial sums are added in block order."""
    n = eta.shape[0]
    nb = max(1, (n + EVAL_BLOCK - 1) // EVAL_BLOCK)
    parts = np.empty(nb)
    for b in prange(nb):
        dbuf = np.empty(EVAL_BLOCK, dtype=eta.dtype)
        parts[b] = _eval_block(
            code, eta, y, prior, b * EVAL_BLOCK, min(n, (b + 1) * EVAL_BLOCK), mu, sw, resid, dbuf
        )
    total = 0.0
    for b in range(nb):
        total += parts[b]
    return total


# ---------------------------------------------------------------------------------------------------
# The linear predictor, the evaluation and the score in one read of X
#
# A quasi-Newton IRLS step (exact score, an approximate information matrix) needs, at new
# coefficients b: eta = X b + offset, the evaluation above, and the score X^T (w r) (w r = prior
# (y - mu) for the canonical links).  As three numpy calls that is two GEMV-type reads of X and the
# n-vectors between them; here each block of SCORE_BLOCK rows is read from memory once and stays
# in the L2 cache for the second product.

#: Rows per pass over a block (the block, ~SCORE_BLOCK * 8 p bytes, stays in cache between the two
#: products); a divisor of EVAL_BLOCK.
SCORE_BLOCK = 512


def _score_flops(n, p):
    """Nominal: two products with X (``4 n p``) plus the evaluation."""
    return 4.0 * n * p + _eval_flops(n)


def _score_example(dtype):
    n, p = 9, 3
    X = np.linspace(-1.0, 1.0, n * p).reshape(n, p).astype(dtype)
    return (
        BINOMIAL_LOGIT,
        X,
        np.array([0.1, -0.2, 0.3], dtype),
        np.zeros(n, dtype),
        (np.arange(n) % 2).astype(dtype),
        np.ones(n, dtype),
        np.empty(n, dtype),
        np.empty(n, dtype),
        np.empty(n, dtype),
        np.empty(n, dtype),
        np.empty((1, p), dtype),
    )


@kernel(inline="always")
def _dot_row(x, b, p):
    """``x . b`` over p elements: one register tile of lanes (vector FMAs), summed in a fixed order."""
    acc = register_tile(b, 1, 1)
    L = acc.shape[1]
    for t in range(L):
        acc[0, t] = 0.0
    pv = p // L * L
    for j0 in range(0, pv, L):
        for t in range(L):
            acc[0, t] += x[j0 + t] * b[j0 + t]
    s = 0.0
    for t in range(L):
        s += acc[0, t]
    for j in range(pv, p):
        s += x[j] * b[j]
    return s


@kernel(inline="always")
def _score_chunk(code, X, beta, off, y, prior, lo, hi, eta, mu, sw, resid, g):
    """Rows ``lo:hi``: eta, the evaluation, and ``g += X^T (sw^2 resid)`` when g is not empty."""
    p = X.shape[1]
    dev = 0.0
    dbuf = np.empty(SCORE_BLOCK, dtype=X.dtype)
    for b0 in range(lo, hi, SCORE_BLOCK):
        b1 = min(hi, b0 + SCORE_BLOCK)
        for i in range(b0, b1):
            eta[i] = _dot_row(X[i], beta, p) + off[i]
        d = _eval_block(code, eta, y, prior, b0, b1, mu, sw, resid, dbuf)
        if math.isnan(d):
            return math.nan
        dev += d
        if g.shape[0] > 0:
            # four rows per update of g: a quarter of the loads and stores of g
            i = b0
            while i + 4 <= b1:
                x0, x1, x2, x3 = X[i], X[i + 1], X[i + 2], X[i + 3]
                v0 = sw[i] * sw[i] * resid[i]
                v1 = sw[i + 1] * sw[i + 1] * resid[i + 1]
                v2 = sw[i + 2] * sw[i + 2] * resid[i + 2]
                v3 = sw[i + 3] * sw[i + 3] * resid[i + 3]
                for j in range(p):
                    g[j] += (v0 * x0[j] + v1 * x1[j]) + (v2 * x2[j] + v3 * x3[j])
                i += 4
            while i < b1:
                v = sw[i] * sw[i] * resid[i]
                x = X[i]
                for j in range(p):
                    g[j] += v * x[j]
                i += 1
    return dev


@register(
    "glm_score",
    "serial",
    "eta = X b + offset, means, weights, residuals, deviance and the score X^T W r, one read of X",
    flops=_score_flops,
    example=_score_example,
)
@vector_kernel
def glm_score(code, X, beta, off, y, prior, eta, mu, sw, resid, g):
    """:func:`glm_eval` at ``eta = X beta + off`` (written to *eta*) and the score, one read of X.

    Parameters
    ----------
    code : int
        ``BINOMIAL_LOGIT`` or ``POISSON_LOG``.
    X : (n, p) ndarray, C-contiguous; beta (p,); off, y, prior (n,)
        Read only.
    eta, mu, sw, resid : (n,) ndarray
        Overwritten (as :func:`glm_eval`).
    g : (1, p) or (0, p) ndarray
        Overwritten with the score ``X^T (sw^2 resid)`` when it has a row;
        with none the score is skipped.

    Returns
    -------
    float
        The deviance, NaN when a mean is not finite (then the outputs are
        partly written).

    Notes
    -----
    Blocks of :data:`EVAL_BLOCK` rows, partial deviances and scores added
    in block order (the parallel variant gives the same bits); within a
    block, :data:`SCORE_BLOCK` rows are multiplied by ``beta``, evaluated
    and multiplied back while they are in cache.  The score of the
    canonical links is ``X^T prior (y - mu)``, the gradient of minus half
    the deviance.  Flops ``4 n p`` plus the evaluation; workspace
    ``p ceil(n / EVAL_BLOCK)``.  No checks are made on the inputs.
    """
    n, p = X.shape
    nb = max(1, (n + EVAL_BLOCK - 1) // EVAL_BLOCK)
    score = g.shape[0] > 0
    parts = np.zeros((nb if score else 1, p), dtype=X.dtype)
    total = 0.0
    for b in range(nb):
        d = _score_chunk(
            code,
            X,
            beta,
            off,
            y,
            prior,
            b * EVAL_BLOCK,
            min(n, (b + 1) * EVAL_BLOCK),
            eta,
            mu,
            sw,
            resid,
            parts[b] if score else parts[0, :0],
        )
        total += d
    if score:
        for j in range(p):
            t = 0.0
            for b in range(nb):
                t += parts[b, j]
            g[0, j] = t
    return total


@register(
    "glm_score",
    "parallel",
    "as serial, prange over the blocks (the same sums in the same order)",
    flops=_score_flops,
    example=_score_example,
    parallel=True,
)
@vector_parallel_kernel
def glm_score_parallel(code, X, beta, off, y, prior, eta, mu, sw, resid, g):
    """As :func:`glm_score`, blocks in parallel; the partial sums are added in block order."""
    n, p = X.shape
    nb = max(1, (n + EVAL_BLOCK - 1) // EVAL_BLOCK)
    score = g.shape[0] > 0
    parts = np.zeros((nb if score else 1, p), dtype=X.dtype)
    devs = np.empty(nb)
    for b in prange(nb):
        devs[b] = _score_chunk(
            code,
            X,
            beta,
            off,
            y,
            prior,
            b * EVAL_BLOCK,
            min(n, (b + 1) * EVAL_BLOCK),
            eta,
            mu,
            sw,
            resid,
            parts[b] if score else parts[0, :0],
        )
    total = 0.0
    for b in range(nb):
        total += devs[b]
    if score:
        for j in range(p):
            t = 0.0
            for b in range(nb):
                t += parts[b, j]
            g[0, j] = t
    return total


# ---------------------------------------------------------------------------------------------------
# The linear predictor, the evaluation and the Gram matrix of the weighted design in one read of X
#
# The Newton step that ends a quasi-Newton IRLS needs the information X^T W X and the score at a
# new point: each block of rows is multiplied by beta, evaluated, and written weighted into the
# Gram kernel's workspace while it is in cache (the blocks, tiles and partial sums of
# jitla.kernels.qr_tall.gram_design: the Gram is bitwise that of gram_design(X, resid, sw)).


def _glm_gram_flops(n, p):
    """Nominal: ``X beta`` (``2 n p``), the Gram's upper triangle, the evaluation."""
    return 2.0 * n * p + gram_flops(n, p + 1) + _eval_flops(n)


def _glm_gram_example(dtype):
    args = _score_example(dtype)
    return (*args[:10], np.empty((4, 4), dtype))


@vector_kernel
def _glm_gram_chunk(code, X, beta, off, y, prior, lo, hi, eta, mu, sw, resid, acc):
    """Rows ``lo:hi``: eta, the evaluation, and ``acc += F^T F`` (upper) for ``F = diag(sw) [X | resid]``."""
    p = X.shape[1]
    q = p + 1
    ldb = acc.shape[1]
    kb = GRAM_BLOCK_ROWS
    B = np.zeros(kb * ldb, dtype=X.dtype)  # the padding columns (gram_shift's and after q) stay zero
    sh = gram_shift(q, acc)
    dbuf = np.empty(kb, dtype=X.dtype)
    dev = 0.0
    for b0 in range(lo, hi, kb):
        b1 = min(hi, b0 + kb)
        for i in range(b0, b1):
            eta[i] = _dot_row(X[i], beta, p) + off[i]
        d = _eval_block(code, eta, y, prior, b0, b1, mu, sw, resid, dbuf)
        if math.isnan(d):
            return math.nan
        dev += d
        for i in range(b1 - b0):
            r = b0 + i
            c = sw[r]
            x = X[r]
            row = B[i * ldb + sh : i * ldb + sh + q]  # a view from 0: the copy vectorises
            for j in range(p):
                row[j] = x[j] * c
            row[p] = resid[r] * c
        _tri_update(b1 - b0, B, ldb, q, acc)
    return dev


@register(
    "glm_gram",
    "serial",
    "eta = X b + offset, the evaluation and the Gram of diag(sw) [X | resid], one read of X",
    flops=_glm_gram_flops,
    example=_glm_gram_example,
)
@kernel
def glm_gram(code, X, beta, off, y, prior, eta, mu, sw, resid, G):
    """:func:`glm_score`'s evaluation at ``X beta + off`` and the Gram ``G`` of ``diag(sw) [X | resid]``.

    Parameters as :func:`glm_score`; G (p + 1, p + 1) is overwritten: the
    information ``X^T W X`` in ``G[:p, :p]``, the score ``X^T W r`` in
    ``G[:p, p]``.  Returns the deviance (NaN: a mean not finite; G is then
    not written).

    Notes
    -----
    Chunks of :data:`jitla.kernels.qr_tall.GRAM_CHUNK_ROWS` rows, blocks of
    :data:`~jitla.kernels.qr_tall.GRAM_BLOCK_ROWS`: the block is multiplied
    by beta, evaluated (:func:`glm_eval`'s formulas) and written weighted
    into the workspace of the triangular register tiles, so G is bitwise
    ``gram_design(X, resid, sw)``.  Flops ``2 n p + n q (q + 1)``;
    workspace that of ``gram_design``.  No checks are made on the inputs.
    """
    n = X.shape[0]
    q = G.shape[0]
    nc = max(1, (n + GRAM_CHUNK_ROWS - 1) // GRAM_CHUNK_ROWS)
    parts = gram_parts(nc, q, X)
    total = 0.0
    for c in range(nc):
        lo, hi = c * GRAM_CHUNK_ROWS, min(n, (c + 1) * GRAM_CHUNK_ROWS)
        total += _glm_gram_chunk(code, X, beta, off, y, prior, lo, hi, eta, mu, sw, resid, parts[c])
    if not math.isnan(total):
        _gram_reduce(parts, G)
    return total


@register(
    "glm_gram",
    "parallel",
    "as serial, prange over the row chunks (the same sums in the same order)",
    flops=_glm_gram_flops,
    example=_glm_gram_example,
    parallel=True,
)
@parallel_kernel
def glm_gram_parallel(code, X, beta, off, y, prior, eta, mu, sw, resid, G):
    """As :func:`glm_gram`, chunks in parallel (bitwise the same G and deviance)."""
    n = X.shape[0]
    q = G.shape[0]
    nc = max(1, (n + GRAM_CHUNK_ROWS - 1) // GRAM_CHUNK_ROWS)
    parts = gram_parts(nc, q, X)
    devs = np.empty(nc)
    for c in prange(nc):
        lo, hi = c * GRAM_CHUNK_ROWS, min(n, (c + 1) * GRAM_CHUNK_ROWS)
        devs[c] = _glm_gram_chunk(code, X, beta, off, y, prior, lo, hi, eta, mu, sw, resid, parts[c])
    total = 0.0
    for c in range(nc):
        total += devs[c]
    if not math.isnan(total):
        _gram_reduce(parts, G)
    return total
