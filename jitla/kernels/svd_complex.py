"""Complex SVD by Householder bidiagonalisation to a *real* bidiagonal (LAPACK ``zgesvd``'s route).

1. :func:`zbidiagonalize`: Golub–Kahan bidiagonalisation with complex
   reflectors (:func:`~jitla.kernels.qr_complex.zlarfg`, LAPACK ``zgebd2``).
   Each reflector's ``beta`` is real, so ``G = P B Q^H`` with B a *real*
   lower bidiagonal matrix and P, Q unitary;
2. with vectors, :func:`zform_right` and :func:`zform_left` form the
   unitary factors as rows (``zungbr``);
3. the real bidiagonal matrix goes to the real kernels of
   :mod:`jitla.kernels.svd_bidiag`: ``dqds`` for the values,
   ``bidiagonal_qr`` (Demmel & Kahan) with vectors -- its real plane
   rotations are applied to the complex rows of ``Ut`` and ``Vt``, exactly
   as ``zbdsqr`` applies ``dbdsqr``'s rotations to complex vectors.

So the only new complex code is the reduction and the two factors; the
iterative part, its deflation tests and its relative accuracy on the
bidiagonal are the real ones.

Kernel contract: ``G`` (k, L) C-contiguous complex64/complex128, k <= L,
whose rows are the *conjugated* columns of the tall form ``T = G^H``
(``G = A^H`` for a tall A, ``G = A`` itself for a wide one, where ``A =
T^H``); overwritten.  No checks are made on the inputs.
"""

from __future__ import annotations

import numpy as np

from jitla._jit import kernel
from jitla.kernels.qr_complex import zlarfg

__all__ = ["zbidiagonalize", "zform_right", "zform_left"]


@kernel
def _flush_negligible(x, floor):
    """Zero x if every ``|Re|``, ``|Im|`` is below *floor* (noise of a rank-deficient reduction)."""
    for i in range(x.shape[0]):
        if abs(x[i].real) >= floor or abs(x[i].imag) >= floor:
            return
    for i in range(x.shape[0]):
        x[i] = 0


@kernel
def zbidiagonalize(G, d, e, tau_right, tau_left):
    """Reduce complex G (k x L, k <= L) to a real lower bidiagonal B: ``G = P B Q^H``.

    Parameters
    ----------
    G : (k, L) complex ndarray, overwritten
        Row i keeps the right reflector ``v = [1, G[i, i+1:]]``, column i
        below row i+1 the left reflector ``u = [1, G[i+2:, i]]``.
    d, e : (k,) real ndarray, overwritten
        B's diagonal and subdiagonal (``e[k-1] = 0``).
    tau_right, tau_left : (k,) complex ndarray, overwritten

    Notes
    -----
    Step i: row i is conjugated and :func:`zlarfg` maps it onto ``d_i
    e_0`` (``H = I - tau v v^H``, ``H^H conj(row) = d_i e_0``, i.e. ``row H
    = d_i e_0^T``), and H is applied to rows ``i+1..`` from the right: ``g
    -= tau (g . v) conj(v)``.  Then a reflector from the left maps the
    column below the diagonal onto ``e_i e_0``; its ``H^H`` is applied to
    the trailing block along rows as ``w = conj(tau) u^H G2``, ``G2 -= u
    w``.  So ``Q = H_0 H_1 ...`` (right) and ``P = L_0 L_1 ...`` (left).
    As in :func:`~jitla.kernels.svd_bidiag.bidiagonalize`, the second half
    of the left update is deferred into the next step's pass of its right
    reflector (each row: the owed axpy, then the right reflector's dot and
    axpy), two passes over the trailing block per step instead of three.
    Golub & Van Loan, 4th ed., Alg. 5.4.2; LAPACK ``zgebd2`` (m < n branch,
    with ``zlacgv``).  Flops ``16 k^2 L - 16 k^3 / 3`` real; workspace L.
    """
    k, L = G.shape
    w = np.empty(max(L, 1), dtype=G.dtype)
    floor = np.finfo(d.dtype).tiny / np.finfo(d.dtype).eps
    pending = False  # left update of step i-1 (u in column i-1, w) still owed by rows i+1..
    for i in range(k):
        row = G[i, i:]
        for c in range(row.shape[0]):
            row[c] = row[c].conjugate()
        _flush_negligible(row, floor)
        beta, tau = zlarfg(row)
        d[i] = beta.real
        tau_right[i] = tau
        # one pass over rows i+1..: the owed left update, then this reflector from the right
        if pending or tau != 0:
            row[0] = 1
            wv = w[: L - i]
            for r in range(i + 1, k):
                g = G[r, i:]
                if pending:
                    ur = G[r, i - 1]
                    for c in range(g.shape[0]):
                        g[c] -= ur * wv[c]
                if tau != 0:
                    s = g[0]
                    for c in range(1, g.shape[0]):
                        s += g[c] * row[c]
                    s *= tau
                    for c in range(g.shape[0]):
                        g[c] -= s * row[c].conjugate()
            row[0] = beta
        pending = False
        if i + 1 >= k:
            e[i] = 0
            tau_left[i] = 0
            continue
        col = G[i + 1 :, i]
        _flush_negligible(col, floor)
        beta, tau = zlarfg(col)
        e[i] = beta.real
        tau_left[i] = tau
        if tau == 0:
            continue
        # w = conj(tau) u^H G[i+1:, i+1:]; row i+1 is updated now (the next right
        # reflector is built from it), rows i+2.. in the next step's pass
        nc = L - i - 1
        wv = w[:nc]
        first = G[i + 1, i + 1 :]
        for c in range(nc):
            wv[c] = first[c]
        for r in range(i + 2, k):
            ur = G[r, i].conjugate()
            g = G[r, i + 1 :]
            for c in range(nc):
                wv[c] += ur * g[c]
        ct = tau.conjugate()
        for c in range(nc):
            wv[c] *= ct
        for c in range(nc):
            first[c] -= wv[c]
        pending = True


@kernel
def zform_right(G, tau_right, Ut):
    """``Ut = Q[:, :k]^T`` (k x L) from :func:`zbidiagonalize`'s right reflectors (``zungbr``).

    ``Q^T = H_{k-1}^T ... H_0^T`` with ``H_j^T = I - tau_j conj(v_j) v_j^T``,
    applied to ``I[:k]`` from the right last-first (backward
    accumulation, rows ``j..k-1`` only): each row ``r -= tau (r .
    conj(v)) v``.  Flops ``16 k^2 L - 8 k^3`` real.
    """
    k, L = G.shape
    for r in range(k):
        for c in range(L):
            Ut[r, c] = 0
        Ut[r, r] = 1
    for j in range(k - 1, -1, -1):
        tau = tau_right[j]
        if tau == 0:
            continue
        beta = G[j, j]
        G[j, j] = 1
        v = G[j, j:]
        for r in range(j, k):
            row = Ut[r, j:]
            s = row[0]
            for c in range(1, row.shape[0]):
                s += row[c] * v[c].conjugate()
            s *= tau
            for c in range(row.shape[0]):
                row[c] -= s * v[c]
        G[j, j] = beta


@kernel
def zform_left(G, tau_left, Vt):
    """``Vt = P^H`` (k x k) from :func:`zbidiagonalize`'s left reflectors.

    ``P^H = L_{k-2}^H ... L_0^H`` with ``L_j^H = I - conj(tau_j) u_j u_j^H``
    on rows ``j+1..``; applied to the identity from the right last-first:
    each row ``r -= conj(tau) (r . u) conj(u)``.  Flops ``16 k^3 / 3`` real;
    workspace k.
    """
    k = G.shape[0]
    u = np.empty(max(k, 1), dtype=G.dtype)
    for r in range(k):
        for c in range(k):
            Vt[r, c] = 0
        Vt[r, r] = 1
    for j in range(k - 2, -1, -1):
        tau = tau_left[j]
        if tau == 0:
            continue
        nu = k - j - 1
        u[0] = 1
        for i in range(1, nu):
            u[i] = G[j + 1 + i, j]
        t = tau.conjugate()
        for r in range(j + 1, k):
            row = Vt[r, j + 1 :]
            s = row[0]
            for c in range(1, nu):
                s += row[c] * u[c]
            s *= t
            for c in range(nu):
                row[c] -= s * u[c].conjugate()
