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
   as ``zbdsqr`` applies ``dbdsqr``'s rotations to complex vectors -- or,
   from ``config.SVD_DC_MIN`` on, the real divide and conquer
   (:mod:`jitla.kernels.svd_dc`), whose real vectors multiply the complex
   factors (``zgesdd``'s route; see :mod:`jitla.linalg._complex`).

So the only new complex code is the reduction and the two factors; the
iterative part, its deflation tests and its relative accuracy on the
bidiagonal are the real ones.

Kernel contract: ``G`` (k, L) C-contiguous complex64/complex128, k <= L,
whose rows are the *conjugated* columns of the tall form ``T = G^H``
(``G = A^H`` for a tall A, ``G = A`` itself for a wide one, where ``A =
T^H``); overwritten.  No checks are made on the inputs.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel, vector_kernel
from jitla.kernels._tile import register_tile
from jitla.kernels.level1 import jacobi_angle
from jitla.kernels.qr_complex import zlarfg

__all__ = ["zbidiagonalize", "zform_right", "zform_left", "zjacobi_rotate", "zsvd_cyclic"]


@kernel
def _flush_negligible(x, floor):
    """Zero x if every ``|Re|``, ``|Im|`` is below *floor* (noise of a rank-deficient reduction)."""
    for i in range(x.shape[0]):
        if abs(x[i].real) >= floor or abs(x[i].imag) >= floor:
            return
    for i in range(x.shape[0]):
        x[i] = 0


@vector_kernel
def _zdotu(x, y, like):
    """``sum x[c] y[c]`` (no conjugate) of complex 1-D x, y of equal length, as ``(re, im)``.

    A complex running sum is one chain of dependent additions that the
    vectoriser may not split (that would reassociate).  Here the real and
    imaginary parts run in two rows of lanes (:func:`register_tile` of the
    real dtype of *like*), combined at the end in a fixed order, as
    :func:`jitla.kernels.level1.dot` does for real vectors: the same result
    on every run, its rounding a blocked sum's.  Flops 8n.
    """
    acc = register_tile(like, 2, 2)
    W = acc.shape[1]
    n = x.shape[0]
    for j in range(W):
        acc[0, j] = 0
        acc[1, j] = 0
    nb = n - n % W
    for i in range(0, nb, W):
        for j in range(W):
            a = x[i + j]
            b = y[i + j]
            acc[0, j] += a.real * b.real - a.imag * b.imag
            acc[1, j] += a.real * b.imag + a.imag * b.real
    sr = like.dtype.type(0)
    si = like.dtype.type(0)
    for j in range(W):
        sr += acc[0, j]
        si += acc[1, j]
    for i in range(nb, n):
        a = x[i]
        b = y[i]
        sr += a.real * b.real - a.imag * b.imag
        si += a.real * b.imag + a.imag * b.real
    return sr, si


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
                    # row[0] is 1 here: s = g . row
                    sr, si = _zdotu(g, row, d)
                    s = tau * complex(sr, si)
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


# --------------------------------------------------------------------------
# one-sided Jacobi with complex plane rotations
# --------------------------------------------------------------------------
@kernel
def _zgram_2x2(x, y):
    """``(||x||^2, ||y||^2, x^H y)`` in one pass (the first two real)."""
    xx = 0.0
    yy = 0.0
    xy = complex(0.0, 0.0)
    for i in range(x.shape[0]):
        a = x[i]
        b = y[i]
        xx += a.real * a.real + a.imag * a.imag
        yy += b.real * b.real + b.imag * b.imag
        xy += a.conjugate() * b
    return xx, yy, xy


@kernel
def _zrot(x, y, c, z):
    """``(x, y) <- (c x + z y, c y - conj(z) x)``, c real: LAPACK ``zrot``'s unitary plane rotation."""
    zc = z.conjugate()
    for i in range(x.shape[0]):
        a = x[i]
        b = y[i]
        x[i] = c * a + z * b
        y[i] = c * b - zc * a


@kernel
def _znorm2(g):
    s = 0.0
    for i in range(g.shape[0]):
        s += g[i].real * g[i].real + g[i].imag * g[i].imag
    return s


@kernel
def _zdrop_if_noise(g, old2):
    """Zero row g if a rotation left only rounding noise of its old squared norm *old2*.

    The complex counterpart of :func:`jitla.kernels.svd_jacobi._drop_if_noise`
    (same threshold ``2 sqrt(m) eps`` relative to the old norm, same reason:
    parallel rows rotate into a row of rounding error that the relative
    test would otherwise chase into underflow).
    """
    m = g.shape[0]
    noise = 2 * math.sqrt(m) * np.finfo(g.real.dtype).eps
    if _znorm2(g) <= noise * noise * old2:
        for i in range(m):
            g[i] = 0


@kernel
def zjacobi_rotate(G, Vt, p, q, tol, accumulate):
    """Make rows p and q of the complex G orthogonal (and rotate the same rows of Vt).

    With ``alpha = ||g_p||^2``, ``beta = ||g_q||^2`` and ``gamma = g_p^H g_q
    = |gamma| e^{i phi}``, the unitary rotation ``g_p' = c g_p + s e^{-i
    phi} g_q``, ``g_q' = c g_q - s e^{i phi} g_p`` makes ``g_p'^H g_q' =
    e^{i phi} ((c^2 - s^2) |gamma| - c s (alpha - beta))``: the real
    Jacobi condition on the Gram matrix ``[[alpha, |gamma|], [|gamma|,
    beta]]``, so (c, s) are :func:`~jitla.kernels.level1.jacobi_angle`'s
    for ``|gamma|`` and the phase rides on s.  Applied only when
    ``|gamma| > tol ||g_p|| ||g_q||`` (Demmel & Veselić's relative test);
    returns whether it was.  Flops 24m real (+24n with accumulation).
    """
    gp = G[p]
    gq = G[q]
    alpha, beta, gamma = _zgram_2x2(gp, gq)
    ag = abs(gamma)
    if ag == 0 or ag <= tol * math.sqrt(alpha) * math.sqrt(beta):
        return False
    t, c, s = jacobi_angle(alpha, beta, ag)
    z = s * (gamma / ag).conjugate()  # s e^{-i phi}
    _zrot(gp, gq, c, z)
    if accumulate:
        _zrot(Vt[p], Vt[q], c, z)
    if alpha - t * ag < 0.25 * alpha:
        _zdrop_if_noise(gp, alpha)
    if beta + t * ag < 0.25 * beta:
        _zdrop_if_noise(gq, beta)
    return True


@kernel
def zsvd_cyclic(G, Vt, compute_uv, max_sweeps):
    """One-sided Jacobi sweeps on the rows of the complex G (n, m), row-cyclic order.

    Parameters
    ----------
    G : (n, m) complex ndarray, n <= m, overwritten
        ``G = B^T`` for the tall B (m x n) whose columns are to be made
        orthogonal: on return ``B W`` has orthogonal columns (the rows of
        G), W unitary, so the singular values of B are the row norms and
        the left singular vectors the normalised rows.
    Vt : (n, n) complex ndarray, out
        ``W^T`` (only if *compute_uv*): ``B = (G_out^T) W^H``.
    compute_uv : bool
    max_sweeps : int

    Returns
    -------
    (int, int)
        Status (0 converged, 1 not) and the number of sweeps.

    Notes
    -----
    Hestenes' method (J. SIAM 6, 1958) with complex plane rotations
    (:func:`zjacobi_rotate`), as :func:`jitla.kernels.svd_jacobi.svd_cyclic`
    (Golub & Van Loan, 4th ed., Sec. 8.6.3).  The relative convergence test
    keeps Demmel & Veselić's accuracy for complex ``B = C D`` (D diagonal,
    C well conditioned): the rotations and the test are unchanged by the
    phases, which only multiply columns by unit scalars.  The caller sorts
    and normalises (the values are the row norms).  Workspace none.
    """
    n = G.shape[0]
    tol = G.shape[1] * np.finfo(G.real.dtype).eps
    if compute_uv:
        Vt[:, :] = 0
        for i in range(n):
            Vt[i, i] = 1
    sweeps = 0
    status = 1
    while sweeps < max_sweeps:
        sweeps += 1
        rotated = False
        for p in range(n - 1):
            for q in range(p + 1, n):
                if zjacobi_rotate(G, Vt, p, q, tol, compute_uv):
                    rotated = True
        if not rotated:
            status = 0
            break
    return status, sweeps
