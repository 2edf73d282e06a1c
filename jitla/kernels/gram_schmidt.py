"""Gram-Schmidt QR, three teaching kernels: classical, modified, classical twice.

1. :func:`cgs`   classical Gram-Schmidt: loses orthogonality like ``cond(A)^2 eps``
2. :func:`mgs`   modified Gram-Schmidt: like ``cond(A) eps``
3. :func:`cgs2`  classical with one re-orthogonalisation: like ``eps``

They are here to be compared with Householder QR (``||Q^T Q - I|| ~ eps``
whatever the conditioning); their loss of orthogonality is measured in
``tests/kernels/test_gram_schmidt.py`` and ``devlog/003-qr.md``.  All three
produce the reduced QR of an (m, n) matrix of full column rank, m >= n:
``Q`` (m, n) with (nearly) orthonormal columns and ``R`` (n, n) upper
triangular with a positive diagonal.

Layout: Gram-Schmidt works on whole columns, which are strided in a C-order
array, so each kernel copies ``A^T`` (the columns become contiguous rows),
does all its dot products and axpys along rows, and writes ``Q`` back at the
end.  Two (m, n) transposes are O(mn), the algorithm O(mn^2).

Kernel contract: ``A`` (m, n) C-contiguous float32/float64 (read only),
``Q`` (m, n) and ``R`` (n, n) of the same dtype, overwritten.  No checks are
made on the inputs.  Returns 0, or ``j + 1`` when column j is (numerically)
zero after orthogonalisation, i.e. A does not have full column rank; Q and
R are then only valid in their first j columns.

Flops: ``2mn^2`` for CGS and MGS, ``4mn^2`` for CGS2.  References: Golub &
Van Loan, *Matrix Computations*, 4th ed., Sec. 5.2.7 (classical and
modified Gram-Schmidt, Alg. 5.2.6), 5.2.9 (loss of orthogonality);
Björck, *Numerical Methods for Least Squares Problems*, 1996, Sec. 2.4;
Giraud, Langou & Rozloznik, "The loss of orthogonality in the Gram-Schmidt
orthogonalization process", Comput. Math. Appl. 50, 2005 (CGS2, "twice is
enough").
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel
from jitla.kernels._registry import register
from jitla.kernels.level1 import dot

__all__ = ["cgs", "cgs2", "cgs2_flops", "gram_schmidt_flops", "mgs"]


def gram_schmidt_flops(m, n):
    """Nominal flop count of CGS / MGS: ``2mn^2`` (CGS2 does twice that)."""
    return 2.0 * m * n * n


def cgs2_flops(m, n):
    """Nominal flop count of CGS2: ``4mn^2`` (two classical passes)."""
    return 4.0 * m * n * n


def _gs_example(dtype):
    A = np.arange(1.0, 36.0).reshape(7, 5).astype(dtype)
    A[np.diag_indices(5)] += 10
    return A, np.empty((7, 5), dtype), np.empty((5, 5), dtype)


@kernel
def _transpose(A):
    """``A^T`` as a new C-contiguous array."""
    m, n = A.shape
    At = np.empty((n, m), dtype=A.dtype)
    for i in range(m):
        for j in range(n):
            At[j, i] = A[i, j]
    return At


@kernel
def _normalise(Qt, R, j):
    """``R[j, j] = ||q_j||``, ``q_j /= R[j, j]``; False if the column is zero."""
    q = Qt[j]
    norm = math.sqrt(dot(q, q))
    R[j, j] = norm
    if norm == 0:
        return False
    for i in range(q.shape[0]):
        q[i] /= norm
    return True


@kernel
def _store(Qt, Q):
    n, m = Qt.shape
    for i in range(m):
        for j in range(n):
            Q[i, j] = Qt[j, i]


@register(
    "gram_schmidt",
    "cgs",
    "classical Gram-Schmidt: coefficients against the original column",
    flops=gram_schmidt_flops,
    example=_gs_example,
)
@kernel
def cgs(A, Q, R):
    """Classical Gram-Schmidt QR.

    Parameters
    ----------
    A : (m, n) ndarray
        Read only.
    Q : (m, n) ndarray, overwritten
    R : (n, n) ndarray, overwritten (upper triangular)

    Returns
    -------
    int
        0, or ``j + 1`` if column j became zero (rank deficient).

    Notes
    -----
    Golub & Van Loan, 4th ed., Sec. 5.2.7: ``r_pj = q_p^T a_j`` for all
    ``p < j`` against the *original* column ``a_j``, then ``q_j = (a_j -
    sum_p r_pj q_p) / r_jj``.  The coefficients are exact projections only
    if the ``q_p`` are exactly orthogonal; errors already made are not
    corrected, and ``||Q^T Q - I||`` grows like ``cond(A)^2 eps``.
    Flops ``2mn^2``; workspace 2mn (the transposes).
    """
    n = A.shape[1]
    At = _transpose(A)
    Qt = At.copy()
    for i in range(n):
        for j in range(n):
            R[i, j] = 0
    for j in range(n):
        aj = At[j]
        qj = Qt[j]
        for p in range(j):
            R[p, j] = dot(Qt[p], aj)  # against the original column
        for p in range(j):
            r = R[p, j]
            qp = Qt[p]
            for i in range(qj.shape[0]):
                qj[i] -= r * qp[i]
        if not _normalise(Qt, R, j):
            _store(Qt, Q)
            return j + 1
    _store(Qt, Q)
    return 0


@register(
    "gram_schmidt",
    "mgs",
    "modified Gram-Schmidt: coefficients against the partly orthogonalised column",
    flops=gram_schmidt_flops,
    example=_gs_example,
)
@kernel
def mgs(A, Q, R):
    """Modified Gram-Schmidt QR.

    Parameters and returns as :func:`cgs`.

    Notes
    -----
    Golub & Van Loan, 4th ed., Alg. 5.2.6 (here left-looking: column j is
    orthogonalised against ``q_0 .. q_{j-1}`` one at a time, which does the
    same operations in the same order as the right-looking 5.2.6).  Each
    coefficient ``r_pj = q_p^T v`` is taken against the *current* ``v``,
    from which the earlier components (and their errors) are already
    removed; ``||Q^T Q - I||`` grows like ``cond(A) eps`` (Björck 1967).
    Flops ``2mn^2``; workspace mn.
    """
    n = A.shape[1]
    Qt = _transpose(A)
    for i in range(n):
        for j in range(n):
            R[i, j] = 0
    for j in range(n):
        qj = Qt[j]
        for p in range(j):
            qp = Qt[p]
            r = dot(qp, qj)  # against the partly orthogonalised column
            R[p, j] = r
            for i in range(qj.shape[0]):
                qj[i] -= r * qp[i]
        if not _normalise(Qt, R, j):
            _store(Qt, Q)
            return j + 1
    _store(Qt, Q)
    return 0


@register(
    "gram_schmidt",
    "cgs2",
    "classical Gram-Schmidt twice (re-orthogonalisation): orthogonal to eps",
    flops=cgs2_flops,
    example=_gs_example,
)
@kernel
def cgs2(A, Q, R):
    """Classical Gram-Schmidt with one full re-orthogonalisation ("twice is enough").

    Parameters and returns as :func:`cgs`.

    Notes
    -----
    Each column goes through two classical passes: ``s = Q_j^T v``,
    ``v -= Q_j s``, twice, and ``R[:j, j]`` is the sum of both coefficient
    vectors.  For numerically full-rank A (``cond(A) eps < 1``, roughly)
    the result is orthogonal to working precision (Giraud, Langou &
    Rozloznik 2005) while keeping CGS's matrix-vector structure (BLAS-2,
    parallel-friendly), unlike the sequential MGS.  Flops ``4mn^2``;
    workspace 2mn.
    """
    n = A.shape[1]
    Qt = _transpose(A)
    s = np.empty(max(n, 1), dtype=A.dtype)
    for i in range(n):
        for j in range(n):
            R[i, j] = 0
    for j in range(n):
        qj = Qt[j]
        for _ in range(2):
            for p in range(j):
                s[p] = dot(Qt[p], qj)  # all coefficients from the same v: classical
            for p in range(j):
                r = s[p]
                R[p, j] += r
                qp = Qt[p]
                for i in range(qj.shape[0]):
                    qj[i] -= r * qp[i]
        if not _normalise(Qt, R, j):
            _store(Qt, Q)
            return j + 1
    _store(Qt, Q)
    return 0
