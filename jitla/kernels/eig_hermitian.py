"""Hermitian eigenproblems: complex Householder tridiagonalisation to a *real* tridiagonal (``zhetd2``).

``A = Q T Q^H`` with T real symmetric tridiagonal (each reflector's ``beta``
is real, :func:`~jitla.kernels.qr_complex.zlarfg`, and a Hermitian
diagonal is real), then the real tridiagonal solvers of
:mod:`jitla.kernels.eig_symmetric` finish: ``sterf`` for the values,
``steqr`` with ``Zt = Q^T`` for the vectors (its real rotations applied to
complex rows, as LAPACK ``zsteqr`` applies ``dsteqr``'s).  The eigenvalues
come out real, as they must, and ascending.

Kernel contract: ``A`` (n, n) complex64/complex128, C-contiguous, holding the
*whole* Hermitian matrix (the API builds it from the UPLO triangle, with a
real diagonal); overwritten.  No checks are made on the inputs.
"""

from __future__ import annotations

import numpy as np

from jitla._jit import kernel
from jitla.kernels.qr_complex import zlarfg

__all__ = ["zhetd2", "zform_qt_hetd2"]


@kernel
def zhetd2(A, d, e, tau):
    """Reduce the full Hermitian A to real tridiagonal form ``T = Q^H A Q`` (LAPACK ``zhetd2``, lower).

    Parameters
    ----------
    A : (n, n) complex ndarray, overwritten
        On return column j below row j+1 holds ``v_j[1:]`` of ``H_j``
        (acting on rows ``j+1..``).
    d : (n,) real ndarray, overwritten
        T's diagonal.
    e : (n,) real ndarray, overwritten
        T's off-diagonal in ``e[:n-1]`` (``e[n-1] = 0``).
    tau : (max(n-1, 1),) complex ndarray, overwritten

    Notes
    -----
    Golub & Van Loan, 4th ed., Alg. 8.3.1 with complex reflectors, in
    ``zhetd2``'s form: for ``H = I - tau v v^H`` (:func:`zlarfg` on the
    column below the diagonal), ``x = tau A22 v``, ``w = x - (tau / 2)
    (x^H v) v``, and ``H^H A22 H = A22 - v w^H - w v^H`` (a Hermitian rank-2
    update; both triangles are updated here, row by row, so every loop runs
    along a contiguous row).  Flops ``32 n^3 / 3`` real (both triangles);
    workspace 2n.
    """
    n = A.shape[0]
    x = np.empty(max(n, 1), dtype=A.dtype)
    v = np.empty(max(n, 1), dtype=A.dtype)
    for j in range(n - 1):
        col = A[j + 1 :, j]
        _, t = zlarfg(col)
        tau[j] = t
        e[j] = col[0].real
        d[j] = A[j, j].real
        p = n - j - 1
        if t == 0:
            continue
        v[0] = 1
        for i in range(1, p):
            v[i] = col[i]
        # x = tau A22 v (rows of A22 contiguous)
        for i in range(p):
            row = A[j + 1 + i, j + 1 :]
            s = row[0] * v[0]
            for c in range(1, p):
                s += row[c] * v[c]
            x[i] = t * s
        # alpha = -tau/2 (x^H v);  w = x + alpha v
        s = x[0].conjugate() * v[0]
        for i in range(1, p):
            s += x[i].conjugate() * v[i]
        alpha = -0.5 * t * s
        for i in range(p):
            x[i] += alpha * v[i]
        # A22 -= v w^H + w v^H
        for i in range(p):
            row = A[j + 1 + i, j + 1 :]
            vi = v[i]
            wi = x[i]
            for c in range(p):
                row[c] -= vi * x[c].conjugate() + wi * v[c].conjugate()
    if n > 0:
        d[n - 1] = A[n - 1, n - 1].real
        e[n - 1] = 0


@kernel
def zform_qt_hetd2(A, tau, Qt):
    """``Qt = Q^T`` (rows = columns of Q) from :func:`zhetd2`'s reflectors: the ``Zt`` that ``steqr`` rotates.

    ``Q = H_0 ... H_{n-2}``, so ``Q^T = H_{n-2}^T ... H_0^T`` with ``H_j^T =
    I - tau_j conj(v_j) v_j^T`` on columns ``j+1..``; applied to the identity
    from the right, last-first, rows ``j+1..`` only (backward
    accumulation).  Flops ``16 n^3 / 3`` real; workspace n.
    """
    n = A.shape[0]
    v = np.empty(max(n, 1), dtype=A.dtype)
    for r in range(n):
        for c in range(n):
            Qt[r, c] = 0
        Qt[r, r] = 1
    for j in range(n - 2, -1, -1):
        t = tau[j]
        if t == 0:
            continue
        p = n - j - 1
        v[0] = 1
        for i in range(1, p):
            v[i] = A[j + 1 + i, j]
        for r in range(j + 1, n):
            row = Qt[r, j + 1 :]
            s = row[0]
            for c in range(1, p):
                s += row[c] * v[c].conjugate()
            s *= t
            for c in range(p):
                row[c] -= s * v[c]
