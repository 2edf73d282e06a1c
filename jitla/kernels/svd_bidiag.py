"""Singular values by Householder bidiagonalisation and the implicit-shift bidiagonal QR.

The path LAPACK's ``gesvd`` / ``gesdd`` take for singular values, here as
the fast alternative to the one-sided Jacobi kernels of
:mod:`jitla.kernels.svd_jacobi`:

1. :func:`bidiagonalize`: Golub–Kahan Householder bidiagonalisation (Golub &
   Van Loan, 4th ed., Alg. 5.4.2; LAPACK ``dgebd2``), ``8mn^2/3``-ish flops
   at BLAS-2 speed, done once;
2. :func:`bidiagonal_values`: the Golub–Kahan SVD step -- implicitly shifted
   QR on ``B^T B`` chased through B with Givens rotations (Golub & Van Loan,
   Alg. 8.6.1 and 8.6.2, with the zero-diagonal chase), ``O(n^2)`` flops in
   all.

Accuracy is *backward* stable: the values are exact for ``A + E`` with
``||E|| ~ eps ||A||``, so each has an absolute error of about
``eps * sigma_max``, and values below about ``eps * sigma_max`` can come
back as 0.  LAPACK's bidiagonal solvers (``dbdsqr`` with Demmel & Kahan's
relative criteria and zero-shift sweeps, ``dlasq`` / dqds) keep the
bidiagonal's small values to high relative accuracy, so numpy does better
whenever the bidiagonalisation itself loses nothing (a diagonal input, for
instance: ``diag(1, 1e-20)`` gives 1e-20 in numpy and 0 here).  On a graded
matrix both lose the small values' digits in the reduction.  That is why
``svd(method="auto")`` stays on Jacobi, and this path is only taken when
asked for (``svdvals(a, method="bidiagonal")``).

Kernel contract: ``G`` (k, L) C-contiguous float32/float64 with k <= L,
whose *rows* are the columns of the tall form (as for the Jacobi kernels);
overwritten.  No checks are made on the inputs.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel
from jitla.kernels._registry import register
from jitla.kernels.level1 import givens
from jitla.kernels.qr_householder import householder
from jitla.kernels.qr_pivoted import reflect_rows

__all__ = ["bidiagonalize", "bidiagonal_values", "svdvals_bidiagonal"]

#: Golub–Kahan steps allowed per singular value before giving up (LAPACK's
#: ``dbdsqr`` allows 6 per value, squared over the whole matrix).
MAX_STEPS_PER_VALUE = 30


def _bidiag_flops(k, L):
    """Nominal flops of the bidiagonalisation of a k x L (k <= L) matrix: ``4 k^2 L - 4 k^3 / 3``."""
    return 4.0 * k * k * L - 4.0 * k**3 / 3


def _bidiag_example(dtype):
    G = np.arange(1.0, 36.0).reshape(5, 7).astype(dtype)
    return G, np.zeros(5, dtype)


@kernel
def bidiagonalize(G, d, e):
    """Reduce G (k x L, k <= L) to lower bidiagonal form by Householder reflectors from both sides.

    Parameters
    ----------
    G : (k, L) ndarray, overwritten
        On return holds the reflectors (not needed for singular values).
    d : (k,) ndarray, overwritten
        The diagonal of B.
    e : (k,) ndarray, overwritten
        ``e[:k-1]`` the subdiagonal of B; ``e[k-1] = 0``.

    Notes
    -----
    ``G = P B Q^T`` with B lower bidiagonal, so G and B (and B's transpose,
    the upper bidiagonal matrix of the tall form ``G^T``) have the same
    singular values.  Step i: a reflector from the right maps row i
    (contiguous) onto ``d[i] e_i`` and is applied to rows ``i+1..`` as
    ``g -= tau (g . v) v`` (one dot and one axpy per row); then a reflector
    from the left maps the column below the diagonal onto ``e[i] e_{i+1}``
    and is applied as ``w = v^T G2``, ``G2 -= tau v w^T`` along rows.
    Golub & Van Loan, 4th ed., Alg. 5.4.2 (transposed, as LAPACK
    ``dgebd2`` does for m < n).  Flops ``4 k^2 L - 4 k^3 / 3``; workspace L.
    """
    k, L = G.shape
    w = np.empty(max(L, 1), dtype=G.dtype)
    for i in range(k):
        # right reflector: row i onto d[i] e_i
        beta, tau = householder(G[i, i:])
        d[i] = beta
        reflect_rows(G, i, tau, i + 1)
        if i + 1 >= k:
            e[i] = 0
            continue
        # left reflector: column i below the diagonal onto e[i] e_{i+1}
        beta, tau = householder(G[i + 1 :, i])
        e[i] = beta
        if tau == 0 or i + 1 >= L:
            continue
        nc = L - i - 1
        wv = w[:nc]
        row = G[i + 1, i + 1 :]
        for c in range(nc):
            wv[c] = row[c]
        for r in range(i + 2, k):
            vr = G[r, i]
            row = G[r, i + 1 :]
            for c in range(nc):
                wv[c] += vr * row[c]
        for c in range(nc):
            wv[c] *= tau
        row = G[i + 1, i + 1 :]
        for c in range(nc):
            row[c] -= wv[c]
        for r in range(i + 2, k):
            vr = G[r, i]
            row = G[r, i + 1 :]
            for c in range(nc):
                row[c] -= vr * wv[c]


@kernel
def _chase_zero_diagonal(d, e, lo, k, hi):
    """``d[k] = 0`` in the block ``lo..hi``: rotate ``e[k]`` (or ``e[hi-1]`` when k = hi) out of it.

    Golub & Van Loan, 4th ed., Sec. 8.6.2: with a zero on the diagonal the
    block splits once the off-diagonal entry of that row (or, for the last
    row, column) is chased away by rotations against the diagonal entries
    that follow (precede).
    """
    if k < hi:
        f = e[k]
        e[k] = 0
        for j in range(k + 1, hi + 1):
            c, s, r = givens(d[j], f)
            d[j] = r
            if j < hi:
                f = -s * e[j]
                e[j] = c * e[j]
    else:
        f = e[hi - 1]
        e[hi - 1] = 0
        for j in range(hi - 1, lo - 1, -1):
            c, s, r = givens(d[j], f)
            d[j] = r
            if j > lo:
                f = -s * e[j - 1]
                e[j - 1] = c * e[j - 1]


@kernel
def _golub_kahan_step(d, e, lo, hi):
    """One implicitly shifted QR step on the upper bidiagonal block ``d[lo..hi]``, ``e[lo..hi-1]``.

    The Wilkinson shift mu is the eigenvalue of the trailing 2 x 2 of
    ``B^T B`` nearer its last entry; the first rotation is the one that
    would start a QR step on ``B^T B - mu I``, and the bulge it makes in B
    is chased down by alternating rotations from the right and the left
    (Golub & Van Loan, 4th ed., Alg. 8.6.1).  ``O(hi - lo)`` flops.
    """
    # Wilkinson shift from the trailing 2 x 2 of B^T B
    a = d[hi - 1] * d[hi - 1]
    if hi - 1 > lo:
        a += e[hi - 2] * e[hi - 2]
    b = d[hi - 1] * e[hi - 1]
    cc = d[hi] * d[hi] + e[hi - 1] * e[hi - 1]
    delta = (a - cc) / 2
    if b == 0:
        mu = cc
    elif delta == 0:
        mu = cc - abs(b)
    else:
        mu = cc - b * b / (delta + math.copysign(math.hypot(delta, b), delta))
    y = d[lo] * d[lo] - mu
    z = d[lo] * e[lo]
    for k in range(lo, hi):
        # from the right, columns k and k+1: zero z (the bulge above the superdiagonal)
        c, s, r = givens(y, z)
        if k > lo:
            e[k - 1] = r
        dk = c * d[k] + s * e[k]
        ek = -s * d[k] + c * e[k]
        bulge = s * d[k + 1]  # now at (k+1, k)
        dk1 = c * d[k + 1]
        # from the left, rows k and k+1: zero the bulge below the diagonal
        c, s, r = givens(dk, bulge)
        d[k] = r
        e[k] = c * ek + s * dk1
        d[k + 1] = -s * ek + c * dk1
        if k < hi - 1:
            y = e[k]
            z = s * e[k + 1]  # the new bulge at (k, k+2)
            e[k + 1] = c * e[k + 1]


@kernel
def bidiagonal_values(d, e, max_steps):
    """Singular values of the upper bidiagonal matrix ``diag(d) + diag(e[:-1], 1)``, in place.

    Parameters
    ----------
    d : (n,) ndarray, overwritten
        On return the singular values, descending.
    e : (n,) ndarray, overwritten
        ``e[:n-1]`` the superdiagonal; destroyed.
    max_steps : int
        Golub–Kahan steps allowed in all.

    Returns
    -------
    int
        0 on convergence, 1 if *max_steps* steps did not converge.

    Notes
    -----
    B is first scaled by its largest entry (so that the squares in the
    shift cannot overflow) and scaled back at the end.  Each iteration sets
    to zero every ``e[i]`` with ``|e[i]| <= eps (|d[i]| + |d[i+1]|)`` or
    ``<= eps ||B||``, and every ``d[i]`` with ``|d[i]| <= eps ||B||``, then
    works on the bottom unreduced block: a zero diagonal entry is chased
    out (:func:`_chase_zero_diagonal`), otherwise one Golub–Kahan step
    (:func:`_golub_kahan_step`).  The criteria are absolute (relative to
    ``||B||``): values below ``eps ||B||`` are returned with absolute
    accuracy only (possibly as 0).  Demmel & Kahan's relative criteria with
    zero-shift sweeps (LAPACK ``dbdsqr``; "Accurate singular values of
    bidiagonal matrices", SIAM J. Sci. Stat. Comput. 11(5), 1990) would keep
    them to relative accuracy; not implemented.  Golub & Van Loan, 4th ed.,
    Alg. 8.6.2.  Flops ``O(n^2)``.
    """
    n = d.shape[0]
    if n == 0:
        return 0
    bnorm = 0.0
    for i in range(n):
        bnorm = max(bnorm, abs(d[i]))
        if i < n - 1:
            bnorm = max(bnorm, abs(e[i]))
    if bnorm == 0:
        return 0
    for i in range(n):
        d[i] /= bnorm
        e[i] /= bnorm
    e[n - 1] = 0
    eps = np.finfo(d.dtype).eps
    thresh = eps  # ||B|| is now 1
    steps = 0
    status = 0
    hi = n - 1
    while hi > 0:
        for i in range(hi):
            if abs(e[i]) <= eps * (abs(d[i]) + abs(d[i + 1])) or abs(e[i]) <= thresh:
                e[i] = 0
        for i in range(hi + 1):
            if abs(d[i]) <= thresh:
                d[i] = 0
        if e[hi - 1] == 0:
            hi -= 1
            continue
        lo = hi - 1
        while lo > 0 and e[lo - 1] != 0:
            lo -= 1
        if steps >= max_steps:
            status = 1
            break
        steps += 1
        zero_at = -1
        for i in range(lo, hi + 1):
            if d[i] == 0:
                zero_at = i
                break
        if zero_at >= 0:
            _chase_zero_diagonal(d, e, lo, zero_at, hi)
        else:
            _golub_kahan_step(d, e, lo, hi)
    for i in range(n):
        d[i] = abs(d[i]) * bnorm
    d[:] = -np.sort(-d)
    return status


@register(
    "svdvals",
    "bidiagonal",
    "Householder bidiagonalisation + implicit-shift bidiagonal QR (backward stable, not graded-accurate)",
    flops=_bidiag_flops,
    example=_bidiag_example,
)
@kernel
def svdvals_bidiagonal(G, S):
    """Singular values of G (k x L, k <= L) by :func:`bidiagonalize` and :func:`bidiagonal_values`.

    Parameters
    ----------
    G : (k, L) ndarray, overwritten
    S : (k,) ndarray, overwritten
        The singular values, descending.

    Returns
    -------
    int
        0, or 1 if the bidiagonal QR did not converge in
        :data:`MAX_STEPS_PER_VALUE` steps per value.

    Notes
    -----
    Flops ``4 k^2 L - 4 k^3 / 3`` for the reduction (BLAS-2, memory-bound:
    each step reads and writes the trailing block twice) plus ``O(k^2)``;
    workspace 2k + L.
    """
    k = G.shape[0]
    e = np.zeros(max(k, 1), dtype=G.dtype)
    bidiagonalize(G, S, e)
    return bidiagonal_values(S, e[:k], MAX_STEPS_PER_VALUE * max(k, 1))
