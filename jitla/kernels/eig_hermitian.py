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

from jitla._jit import kernel, vector_kernel
from jitla.kernels._tile import register_tile, unit_stride_row
from jitla.kernels.qr_complex import zlarfg

__all__ = ["zhetd2", "zhetd2_fused", "zform_qt_hetd2"]


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


@vector_kernel
def _reflect_rows(Qt, j, V, t, like):
    """``Qt[r, j+1:] <- Qt[r, j+1:] (I - t conj(v) v^T)`` for rows ``r > j`` (:func:`zform_qt_hetd2`).

    ``v`` is ``V[0, :n-j-1]``.  Per row, ``s = t (row . conj(v))`` then
    ``row -= s v``; the dot product keeps lane-wise partial sums of its real
    and imaginary parts in a stack tile (*like*, a float array, gives its
    dtype), as :func:`~jitla.kernels.level1.dot` does, so the additions do
    not form one serial dependency chain (no reassociation, no fastmath).
    """
    n = Qt.shape[0]
    p = n - j - 1
    acc = register_tile(like, 2, 1)
    W = acc.shape[1]
    nb = p - p % W
    v = unit_stride_row(V, 0, 0, p)
    for r in range(j + 1, n):
        row = unit_stride_row(Qt, r, j + 1, p)
        for u in range(W):
            acc[0, u] = 0.0
            acc[1, u] = 0.0
        for b in range(0, nb, W):
            for u in range(W):
                a = row[b + u]
                c = v[b + u]
                acc[0, u] += a.real * c.real + a.imag * c.imag
                acc[1, u] += a.imag * c.real - a.real * c.imag
        sr = acc[0, 0]
        si = acc[1, 0]
        for u in range(1, W):
            sr += acc[0, u]
            si += acc[1, u]
        s = complex(sr, si)
        for c in range(nb, p):
            s += row[c] * v[c].conjugate()
        s *= t
        for c in range(p):
            row[c] -= s * v[c]


@kernel
def zform_qt_hetd2(A, tau, Qt):
    """``Qt = Q^T`` (rows = columns of Q) from :func:`zhetd2`'s reflectors.

    ``Q = H_0 ... H_{n-2}``, so ``Q^T = H_{n-2}^T ... H_0^T`` with ``H_j^T =
    I - tau_j conj(v_j) v_j^T`` on columns ``j+1..``; applied to the identity
    from the right, last-first, rows ``j+1..`` only (backward
    accumulation, LAPACK ``zung2l``/``zung2r``'s order), one
    :func:`_reflect_rows` call per reflector.  Flops ``16 n^3 / 3`` real;
    workspace n.
    """
    n = A.shape[0]
    V = np.empty((1, max(n, 1)), dtype=A.dtype)
    like = np.empty(1, dtype=A.real.dtype)
    for r in range(n):
        for c in range(n):
            Qt[r, c] = 0
        Qt[r, r] = 1
    for j in range(n - 2, -1, -1):
        t = tau[j]
        if t == 0:
            continue
        p = n - j - 1
        V[0, 0] = 1
        for i in range(1, p):
            V[0, i] = A[j + 1 + i, j]
        _reflect_rows(Qt, j, V, t, like)


@vector_kernel
def _her2_hemv_rows(A, k, Vp, Wp, Vn, P, like):
    """One step of :func:`zhetd2_fused` on every row ``i > k`` of the trailing upper triangle.

    Row i (``A[i, i:]``, contiguous) first receives the pending rank-2
    update of the previous step, ``row -= vp_i conj(wp) + wp_i conj(vp)``
    (the diagonal entry's update, ``2 Re(vp_i conj(wp_i))``, is real, so
    the diagonal stays real), then the updated row adds ``row . vn`` to
    ``P[i]`` and ``conj(row[1:]) vn_i`` to ``P[i+1:]``: the upper triangle
    stands for the whole Hermitian block, its mirror entries being the
    conjugates.  The vectors come as (1, n) rows and are read through
    :func:`~jitla.kernels._tile.unit_stride_row`; the dot product keeps
    lane-wise partial sums of its real and imaginary parts in a stack tile
    (*like*, a float array, gives its dtype), as
    :func:`~jitla.kernels.level1.dot` does, so the chain of additions is
    not one serial dependency (no reassociation, no fastmath).
    """
    n = A.shape[0]
    acc = register_tile(like, 4, 1)  # rows 0, 1: partial sums (re, im); 2, 3: the updated chunk
    W = acc.shape[1]
    for i in range(k + 1, n):
        L = n - i - 1
        r1 = unit_stride_row(A, i, i + 1, L)
        vp1 = unit_stride_row(Vp, 0, i + 1, L)
        wp1 = unit_stride_row(Wp, 0, i + 1, L)
        vn1 = unit_stride_row(Vn, 0, i + 1, L)
        pn1 = unit_stride_row(P, 0, i + 1, L)
        vpi = Vp[0, i]
        wpi = Wp[0, i]
        vni = Vn[0, i]
        vnr = vni.real
        vnm = vni.imag
        dr = A[i, i].real - 2.0 * (vpi.real * wpi.real + vpi.imag * wpi.imag)
        A[i, i] = dr
        for t in range(W):
            acc[0, t] = 0.0
            acc[1, t] = 0.0
        nb = L - L % W
        for b in range(0, nb, W):
            for t in range(W):
                x = r1[b + t] - (vpi * wp1[b + t].conjugate() + wpi * vp1[b + t].conjugate())
                acc[2, t] = x.real
                acc[3, t] = x.imag
            for t in range(W):
                r1[b + t] = complex(acc[2, t], acc[3, t])
            for t in range(W):
                c = vn1[b + t]
                acc[0, t] += acc[2, t] * c.real - acc[3, t] * c.imag
                acc[1, t] += acc[2, t] * c.imag + acc[3, t] * c.real
            for t in range(W):
                pn1[b + t] += complex(acc[2, t] * vnr + acc[3, t] * vnm, acc[2, t] * vnm - acc[3, t] * vnr)
        sr = dr * vnr
        si = dr * vnm
        for t in range(W):
            sr += acc[0, t]
            si += acc[1, t]
        s = complex(sr, si)
        for j in range(nb, L):
            x = r1[j] - (vpi * wp1[j].conjugate() + wpi * vp1[j].conjugate())
            r1[j] = x
            s += x * vn1[j]
            pn1[j] += x.conjugate() * vni
        P[0, i] += s


@kernel
def zhetd2_fused(A, d, e, tau):
    """:func:`zhetd2` on one triangle, each step's rank-2 update fused with the next step's product.

    Same contract and results as :func:`zhetd2` (the same ``d``, ``e``,
    ``tau`` and reflectors, stored in the strictly lower triangle's
    columns, up to rounding), but only the **upper triangle is read and
    updated**, by rows: row k right of the diagonal is ``conj`` of column k
    below it, so the reflector of step k is built from ``conj(A[k, k+1:])``.

    Notes
    -----
    The real :func:`~jitla.kernels.eig_symmetric.sytd2_fused`'s scheme with
    conjugates: the update ``B -= v w^H + w v^H`` of step k-1 is left
    pending and applied to each row of the trailing triangle just before
    that row is used for step k's ``B v`` (:func:`_her2_hemv_rows`), so the
    triangle is read and written once per step, and only one triangle is
    touched (half of :func:`zhetd2`'s work).  Flops ``16 n^3 / 3`` real;
    workspace 5n complex.
    """
    n = A.shape[0]
    m = max(n, 1)
    Vp = np.zeros(m, dtype=A.dtype)  # pending update, absolute indices
    Wp = np.zeros(m, dtype=A.dtype)
    Vn = np.zeros(m, dtype=A.dtype)  # this step's reflector
    P = np.zeros(m, dtype=A.dtype)
    x = np.empty(m, dtype=A.dtype)
    like = np.empty(1, dtype=d.dtype)
    Vp2 = Vp.reshape((1, m))  # the same vectors as rows, for unit_stride_row
    Wp2 = Wp.reshape((1, m))
    Vn2 = Vn.reshape((1, m))
    P2 = P.reshape((1, m))
    for k in range(n - 1):
        rowk = A[k, k:]
        vpk = Vp[k]
        wpk = Wp[k]
        for j in range(n - k):
            rowk[j] -= vpk * Wp[k + j].conjugate() + wpk * Vp[k + j].conjugate()
        d[k] = rowk[0].real
        p = n - k - 1
        xs = x[:p]
        for j in range(p):
            xs[j] = rowk[1 + j].conjugate()
        _, t = zlarfg(xs)
        tau[k] = t
        e[k] = xs[0].real
        Vn[k] = 0
        Vn[k + 1] = 1
        for j in range(1, p):
            Vn[k + 1 + j] = xs[j]
            A[k + 1 + j, k] = xs[j]
        for j in range(k + 1, n):
            P[j] = 0
        _her2_hemv_rows(A, k, Vp2, Wp2, Vn2, P2, like)
        if t == 0:
            for j in range(k + 1, n):
                Vp[j] = 0
                Wp[j] = 0
            continue
        s = A.dtype.type(0)
        for j in range(k + 1, n):
            P[j] *= t
            s += P[j].conjugate() * Vn[j]
        alpha = -0.5 * t * s
        for j in range(k + 1, n):
            Vp[j] = Vn[j]
            Wp[j] = P[j] + alpha * Vn[j]
    if n > 0:
        last = n - 1
        d[last] = A[last, last].real - 2.0 * (Vp[last] * Wp[last].conjugate()).real
        e[last] = 0
