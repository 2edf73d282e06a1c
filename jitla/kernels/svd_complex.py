"""Complex SVD by Householder bidiagonalisation to a *real* bidiagonal (LAPACK ``zgesvd``'s route).

1. :func:`zbidiagonalize`: Golub–Kahan bidiagonalisation with complex
   reflectors (:func:`~jitla.kernels.qr_complex.zlarfg`, LAPACK ``zgebd2``).
   Each reflector's ``beta`` is real, so ``G = P B Q^H`` with B a *real*
   lower bidiagonal matrix and P, Q unitary.  Both reflectors of a step go
   through the trailing rows in one pass, on a copy that stores each row's
   real parts and then its imaginary parts, so that the inner loops are
   real, unit-stride and on whole vector registers (as the real
   :func:`~jitla.kernels.svd_bidiag.bidiagonalize_values`);
   :func:`zbidiagonalize_values` is the same without the reflectors kept;
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

from jitla._jit import kernel, out_of_line, vector_kernel
from jitla.kernels._layout import aligned_empty, zsplit_copy, zsplit_store
from jitla.kernels._tile import register_tile, unit_stride_row
from jitla.kernels.level1 import jacobi_angle
from jitla.kernels.qr_complex import zlarfg

__all__ = [
    "zbidiagonalize",
    "zbidiagonalize_values",
    "zform_right",
    "zform_left",
    "zjacobi_rotate",
    "zsvd_cyclic",
]


@kernel
def _flush_negligible(x, floor):
    """Zero x if every ``|Re|``, ``|Im|`` is below *floor* (noise of a rank-deficient reduction)."""
    for i in range(x.shape[0]):
        if abs(x[i].real) >= floor or abs(x[i].imag) >= floor:
            return
    for i in range(x.shape[0]):
        x[i] = 0


# --------------------------------------------------------------------------
# The reduction: one pass over the trailing rows per step, on split rows
# --------------------------------------------------------------------------
# The rows are worked on in a copy that keeps each row's real parts and then
# its imaginary parts (a (k, 2, Lp) real array): every loop below is then a
# real loop over unit-stride lanes, as the real reduction's, with no
# shuffles between the parts of interleaved complex numbers (on interleaved
# rows the SLP vectoriser packed each number's two parts into a 2-wide
# vector, and the rest stayed scalar).  Lengths are
# whole registers (the copy is padded) and every array is read into a
# register tile before anything is stored (see svd_bidiag's notes on the
# SLP vectoriser).


@vector_kernel
def _zleft_update_dot(p, ur, ui, w, v, c0, lanes):
    """``p := p - u w``, then the lanes of ``sum_c p_c v_c`` (no conjugate), on split rows from column c0.

    p, w, v : (2, Lp) real (real parts, then imaginary parts); u = ur + i ui.
    lanes : (2, W) real, out: W running sums of the real part in row 0, of
    the imaginary part in row 1 (the caller adds them, :func:`_lane_sum`).
    Returning the two sums from here instead made the SLP vectoriser pair
    each lane's real and imaginary sums into 2-wide vectors, scalar code in
    effect; stored lanes (as the updated row) keep it on whole registers.
    """
    acc = register_tile(p, 2, 1)
    a = register_tile(p, 6, 1)
    W = a.shape[1]
    n = p.shape[1] - c0
    # unit-stride views from column c0, indexed from 0: LLVM then sees no negative index
    rows = (
        unit_stride_row(p, 0, c0, n),
        unit_stride_row(p, 1, c0, n),
        unit_stride_row(w, 0, c0, n),
        unit_stride_row(w, 1, c0, n),
        unit_stride_row(v, 0, c0, n),
        unit_stride_row(v, 1, c0, n),
    )
    for q in range(2):
        for j in range(W):
            acc[q, j] = 0
    nb = n - n % W
    for c in range(0, nb, W):
        for q in range(6):
            for j in range(W):
                a[q, j] = rows[q][c + j]
        for j in range(W):
            re = a[0, j] - (ur * a[2, j] - ui * a[3, j])
            a[1, j] = a[1, j] - (ur * a[3, j] + ui * a[2, j])
            a[0, j] = re
        for j in range(W):
            acc[0, j] += a[0, j] * a[4, j] - a[1, j] * a[5, j]
        for j in range(W):
            acc[1, j] += a[0, j] * a[5, j] + a[1, j] * a[4, j]
        for q in range(2):
            for j in range(W):
                rows[q][c + j] = a[q, j]
    for q in range(2):
        for j in range(W):
            lanes[q, j] = acc[q, j]


@kernel
def _lane_sum(lanes):
    """``complex(sum lanes[0], sum lanes[1])``, each summed in lane order (the same on every run)."""
    sr = lanes.dtype.type(0)
    si = lanes.dtype.type(0)
    for j in range(lanes.shape[1]):
        sr += lanes[0, j]
        si += lanes[1, j]
    return complex(sr, si)


@vector_kernel
def _ztwo_right_rows(p0, p1, s0, s1, vz, c0):
    """``p := p - t conj(v)`` for two split rows, then ``z += x0 p0 + x1 p1`` (the updated rows).

    p0, p1 : (2, Lp) real, split rows, columns ``c0..`` updated.
    s0, s1 : ``(Re t, Im t, Re x, Im x)`` of each row.
    vz : (2, 2, Lp) real, the split vectors v and z (z updated); v and z
    are loaded, and z stored, once for the two rows.
    """
    a = register_tile(p0, 8, 1)
    W = a.shape[1]
    n = p0.shape[1] - c0
    t0r, t0i, x0r, x0i = s0
    t1r, t1i, x1r, x1i = s1
    rows = (
        unit_stride_row(p0, 0, c0, n),
        unit_stride_row(p0, 1, c0, n),
        unit_stride_row(p1, 0, c0, n),
        unit_stride_row(p1, 1, c0, n),
        unit_stride_row(vz[0], 0, c0, n),
        unit_stride_row(vz[0], 1, c0, n),
        unit_stride_row(vz[1], 0, c0, n),
        unit_stride_row(vz[1], 1, c0, n),
    )
    nb = n - n % W
    for c in range(0, nb, W):
        for q in range(8):
            for j in range(W):
                a[q, j] = rows[q][c + j]
        # t conj(v) = (tr vr + ti vi) + i (ti vr - tr vi)
        for j in range(W):
            re = a[0, j] - (t0r * a[4, j] + t0i * a[5, j])
            a[1, j] = a[1, j] - (t0i * a[4, j] - t0r * a[5, j])
            a[0, j] = re
        for j in range(W):
            re = a[2, j] - (t1r * a[4, j] + t1i * a[5, j])
            a[3, j] = a[3, j] - (t1i * a[4, j] - t1r * a[5, j])
            a[2, j] = re
        for j in range(W):
            re = a[6, j] + (x0r * a[0, j] - x0i * a[1, j]) + (x1r * a[2, j] - x1i * a[3, j])
            a[7, j] = a[7, j] + (x0r * a[1, j] + x0i * a[0, j]) + (x1r * a[3, j] + x1i * a[2, j])
            a[6, j] = re
        for q in (0, 1, 2, 3, 6, 7):
            for j in range(W):
                rows[q][c + j] = a[q, j]


@kernel
def _zreflector_from(P, r0, c0, count, along_row, x, floor):
    """:func:`zlarfg` of ``count`` entries of the split rows P from ``(r0, c0)``, written back.

    Along row r0 (*along_row*) the entries are conjugated first (the right
    reflector of a row, ``zlacgv``); down column c0 they are taken as they
    are.  x (complex, at least *count* long) is the workspace: on return
    ``x[:count]`` holds ``[beta, v[1:]]`` as P does.  Entries all below
    *floor* are set to zero first (:func:`_flush_negligible`).  Returns
    ``(beta, tau)``.
    """
    xs = x[:count]
    for q in range(count):
        if along_row:
            xs[q] = complex(P[r0, 0, c0 + q], -P[r0, 1, c0 + q])
        else:
            xs[q] = complex(P[r0 + q, 0, c0], P[r0 + q, 1, c0])
    _flush_negligible(xs, floor)
    beta, tau = zlarfg(xs)
    for q in range(count):
        if along_row:
            P[r0, 0, c0 + q] = xs[q].real
            P[r0, 1, c0 + q] = xs[q].imag
        else:
            P[r0 + q, 0, c0] = xs[q].real
            P[r0 + q, 1, c0] = xs[q].imag
    return beta, tau


@out_of_line
@kernel
def _zbidiagonalize_split(P, L, d, e, tau_right, tau_left):
    """:func:`zbidiagonalize` of the split rows ``P[:, :, :L]`` (``_layout.zsplit_copy``), in place.

    P (k, 2, Lp) aligned, zero after column L, Lp whole registers.  On
    return P holds what :func:`zbidiagonalize` leaves in G, split; its
    padding is zero.
    """
    k, _, Lp = P.shape
    lanes = register_tile(d, 1, 1)
    W = lanes.shape[1]
    wvz = aligned_empty(6, Lp, d).reshape((3, 2, Lp))  # w, then v and z side by side
    sums = aligned_empty(2, W, d)
    zero = aligned_empty(2, Lp, d)  # the partner of an odd last row: stays 0 and adds 0 to z
    w = wvz[0]
    vz = wvz[1:]
    v = wvz[1]
    z = wvz[2]
    for h in range(2):
        for c in range(Lp):
            w[h, c] = 0
            v[h, c] = 0
            zero[h, c] = 0
    x = np.empty(max(L, 1), dtype=tau_right.dtype)
    floor = np.finfo(d.dtype).tiny / np.finfo(d.dtype).eps
    real = d.dtype.type
    nought = (real(0), real(0), real(0), real(0))
    for i in range(k):
        # right reflector: row i (conjugated) onto d[i] e_0
        beta, tau = _zreflector_from(P, i, i, L - i, True, x, floor)
        d[i] = beta.real
        tau_right[i] = tau
        tau_left[i] = 0
        if i + 1 >= k:
            e[i] = 0
            break
        c0 = i - i % W
        v[0, i] = 1
        v[1, i] = 0
        for c in range(i + 1, L):
            v[0, c] = P[i, 0, c]
            v[1, c] = P[i, 1, c]
        for h in range(2):
            for c in range(c0, Lp):
                z[h, c] = 0
        # one pass over rows i+1..: the left update owed from step i-1 (u in column i-1, w),
        # this reflector, and z += conj(x_r) p_r with x_r = p_r[i] after both
        for r in range(i + 1, k, 2):
            s0 = nought
            s1 = nought
            for h in range(2):
                if r + h >= k:
                    break
                p = P[r + h]
                u = complex(p[0, i - 1], p[1, i - 1]) if i > 0 else complex(0, 0)
                _zleft_update_dot(p, real(u.real), real(u.imag), w, v, c0, sums)
                t = tau * _lane_sum(sums)
                xr = complex(p[0, i], p[1, i]) - t
                s = (real(t.real), real(t.imag), real(xr.real), real(-xr.imag))
                if h == 0:
                    s0 = s
                else:
                    s1 = s
            if r + 1 < k:
                _ztwo_right_rows(P[r], P[r + 1], s0, s1, vz, c0)
            else:
                _ztwo_right_rows(P[r], zero, s0, s1, vz, c0)
        for h in range(2):
            for c in range(i, L):
                v[h, c] = 0
        # left reflector: column i below the diagonal onto e[i] e_0
        x1 = complex(P[i + 1, 0, i], P[i + 1, 1, i])
        beta, tau = _zreflector_from(P, i + 1, i, k - i - 1, False, x, floor)
        e[i] = beta.real
        tau_left[i] = tau
        for h in range(2):
            for c in range(c0, Lp):
                w[h, c] = 0
        if tau != 0:
            # w = conj(tau) u^H P2 with u = (x - beta e_0) / (x_1 - beta): from z, no second pass
            b = beta.real
            sc = tau.conjugate() / (x1 - b).conjugate()
            first = P[i + 1]
            for c in range(i + 1, L):
                t = sc * (complex(z[0, c], z[1, c]) - b * complex(first[0, c], first[1, c]))
                w[0, c] = t.real
                w[1, c] = t.imag
                first[0, c] -= t.real
                first[1, c] -= t.imag


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
    Golub & Van Loan, 4th ed., Alg. 5.4.2; LAPACK ``zgebd2`` (m < n
    branch, with ``zlacgv``).

    Both halves are done in one pass over the trailing rows per step, as
    :func:`~jitla.kernels.svd_bidiag.bidiagonalize_values` does for real
    matrices: each row r, once in cache, takes the left update owed from
    step i-1 (``p -= u_r w``), this step's right reflector (``p -= t
    conj(v)``, ``t = tau (p - u_r w) . v``) and adds itself into ``z =
    sum_r conj(x_r) p_r``, ``x_r = p_r[i]`` the column the left reflector is
    built from.  ``zlarfg``'s ``u = (x - beta e_0) / (x_1 - beta)`` (beta
    real) gives ``w = conj(tau) (z - beta p_{i+1}) / conj(x_1 - beta)``
    with no second pass; ``|x_1 - beta| >= |beta| >= |x_1|``, so its
    rounding error is that of the two-pass product.  The rows are worked on
    split (each row's real parts, then its imaginary parts:
    :func:`~jitla.kernels._layout.zsplit_copy`), padded to whole registers
    and 64-byte aligned, so that every inner loop is a real one over unit-stride lanes; each
    pass starts at the register boundary at or before column i, where
    ``v = w = 0`` leave the columns as they are.  Rows go in pairs (w, v
    and z loaded once for two), an odd last row with a row of zeros.  A
    row or column whose entries are all below ``tiny / eps`` is set to zero
    first (the caller scales G; see
    :func:`~jitla.kernels.svd_bidiag.bidiagonalize`).  Flops ``16 k^2 L -
    16 k^3 / 3`` real (plus the padding); workspace ``2 (k + 4) L`` reals,
    rounded up to whole registers, and L complex.
    """
    W = register_tile(d, 1, 1).shape[1]
    P = zsplit_copy(G, d, (G.shape[1] + W - 1) // W * W)
    _zbidiagonalize_split(P, G.shape[1], d, e, tau_right, tau_left)
    zsplit_store(P, G)


@kernel
def zbidiagonalize_values(G, d, e):
    """The real bidiagonal matrix of :func:`zbidiagonalize` (d, e only); G is read, not changed.

    The same one-pass reduction on a split copy of G, the reflectors not
    kept.  Flops and workspace as :func:`zbidiagonalize`.
    """
    W = register_tile(d, 1, 1).shape[1]
    P = zsplit_copy(G, d, (G.shape[1] + W - 1) // W * W)
    k = G.shape[0]
    tau_right = np.empty(max(k, 1), dtype=G.dtype)
    tau_left = np.empty(max(k, 1), dtype=G.dtype)
    _zbidiagonalize_split(P, G.shape[1], d, e, tau_right, tau_left)


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
