"""SVD by Householder bidiagonalisation, then dqds (values) or the implicit-shift bidiagonal QR (vectors).

The fast alternative to the one-sided Jacobi kernels of
:mod:`jitla.kernels.svd_jacobi`:

1. :func:`bidiagonalize`: Golub–Kahan Householder bidiagonalisation (Golub &
   Van Loan, 4th ed., Alg. 5.4.2; LAPACK ``dgebd2``), ``4 k^2 L - 4 k^3 / 3``
   flops at BLAS-2 speed, done once; for the values alone
   :func:`bidiagonalize_values`, the same reflectors in one pass over the
   trailing rows per step instead of two, not kept;
2. with vectors, :func:`form_right` and :func:`form_left` turn the stored
   reflectors into the two orthogonal factors (LAPACK ``dorgbr``, backward
   accumulation), ``~(4/3) k^3`` flops each for a square matrix;
3. :func:`bidiagonal_qr`: Demmel & Kahan's bidiagonal QR (LAPACK ``dbdsqr``):
   implicitly shifted QR sweeps chased in the direction of decreasing
   diagonal, zero-shift sweeps where a shift would spoil the small values,
   and *relative* deflation tests, with every rotation applied to rows of
   ``Ut`` and ``Vt`` (contiguous here, as everything else in jitla's SVDs);
4. for the values alone, :func:`dqds`: Fernando & Parlett's differential
   qd algorithm with shifts (LAPACK ``dlasq1``-``dlasq6``, the values-only
   route of ``dbdsqr`` and ``dgesdd``): no square root and no rotation per
   step, about twice as fast as the QR's value sweeps.

Accuracy.  The bidiagonal QR and dqds are relatively accurate for the bidiagonal
matrix they are given (Demmel & Kahan, "Accurate singular values of bidiagonal
matrices", SIAM J. Sci. Stat. Comput. 11(5), 1990): ``diag(1, 1e-20)``
gives 1e-20.  The Householder reduction before it is only *backward*
stable: each value of A has an absolute error of about ``eps * sigma_max``,
so on a graded matrix (``A = B D`` with D spanning many decades) the
smallest values lose digits, exactly as in numpy's ``gesdd``.  The
one-sided Jacobi kernels keep them (Demmel & Veselić 1992); that is the
choice ``svd(..., method="jacobi")`` makes (devlog 005, 021).

Kernel contract: ``G`` (k, L) C-contiguous float32/float64 with k <= L,
whose *rows* are the columns of the tall form (as for the Jacobi kernels);
overwritten.  No checks are made on the inputs.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel, out_of_line, vector_kernel
from jitla.kernels._layout import aligned_empty
from jitla.kernels._registry import register
from jitla.kernels._tile import register_tile
from jitla.kernels.level1 import dot, rot
from jitla.kernels.qr_householder import householder

__all__ = [
    "bidiagonalize",
    "bidiagonalize_values",
    "form_right",
    "form_left",
    "bidiagonal_qr",
    "svdvals_bidiagonal",
    "svd_bidiagonal",
]

#: Full-length QR sweeps allowed per singular value on average: the
#: bidiagonal QR gives up after ``MAXITR * n^2`` inner steps (LAPACK
#: ``dbdsqr``'s MAXITR; a random bidiagonal needs about 2 sweeps per value).
MAXITR = 6


def _bidiag_flops(k, L):
    """Nominal flops of the bidiagonalisation of a k x L (k <= L) matrix: ``4 k^2 L - 4 k^3 / 3``."""
    return 4.0 * k * k * L - 4.0 * k**3 / 3


def _svd_bidiag_flops(k, L):
    """Nominal flops with vectors: reduction, both factors formed, ~2 sweeps per value applied to them."""
    return _bidiag_flops(k, L) + (4.0 * k * k * L - 2.0 * k**3) + 4.0 * k**3 / 3 + 12.0 * k * k * (k + L)


def _bidiag_example(dtype):
    G = np.arange(1.0, 36.0).reshape(5, 7).astype(dtype)
    return G, np.zeros(5, dtype)


def _svd_bidiag_example(dtype):
    G = (np.arange(35.0).reshape(5, 7) % 11).astype(dtype)
    return G, np.empty(5, dtype), np.empty((5, 7), dtype), np.empty((5, 5), dtype), True, MAXITR


@kernel(inline="always")
def _flush_negligible(x, floor):
    """Set x to zero if every ``|x_i| < floor`` (rounding noise that a reflector cannot be built from)."""
    for i in range(x.shape[0]):
        if abs(x[i]) >= floor:
            return
    for i in range(x.shape[0]):
        x[i] = 0


@kernel(inline="always")
def bidiagonalize(G, d, e, tau_right, tau_left):
    """Reduce G (k x L, k <= L) to lower bidiagonal form by Householder reflectors from both sides.

    Parameters
    ----------
    G : (k, L) ndarray, overwritten
        On return row i holds the right reflector ``v = [1, G[i, i+1:]]``
        (from column i on) and column i below row i+1 the left reflector
        ``u = [1, G[i+2:, i]]`` (from row i+1 on), as LAPACK ``dgebd2``
        leaves them; :func:`form_right` and :func:`form_left` read them.
    d : (k,) ndarray, overwritten
        The diagonal of B.
    e : (k,) ndarray, overwritten
        ``e[:k-1]`` the subdiagonal of B; ``e[k-1] = 0``.
    tau_right, tau_left : (k,) ndarray, overwritten
        The reflectors' scalars (``tau_left[k-1] = 0``).

    Notes
    -----
    ``G = P B Q^T`` with B lower bidiagonal, so G and B (and B's transpose,
    the upper bidiagonal matrix of the tall form ``G^T``) have the same
    singular values.  Step i: a reflector from the right maps row i
    (contiguous) onto ``d[i] e_i`` and is applied to rows ``i+1..`` as
    ``g -= tau (g . v) v`` (one dot and one axpy per row); then a reflector
    from the left maps the column below the diagonal onto ``e[i] e_{i+1}``
    and is applied as ``w = v^T G2``, ``G2 -= tau v w^T`` along rows.
    Both halves are done in one pass over the trailing rows per step: the
    left update is deferred into the next step's pass, and ``w`` is formed
    from sums gathered in this step's pass (:func:`bidiagonalize_values`
    has the details); the rows are worked on in a padded, aligned copy of
    G, written back at the end (the reduction itself is
    :func:`_bidiagonalize_padded`, out of line; this copy and call are
    inlined into the caller, Numba ``inline="always"``).
    A row or column whose entries are all below ``tiny / eps`` is set to
    zero first: on a rank-deficient matrix the reduction leaves rounding
    noise that shrinks by ~eps per step (``ones((33, 17))``: 1e-16, 1e-31,
    ... 1e-316), and a reflector built from subnormal numbers is not
    orthogonal (its P was off by 6e-10).  The API scales G so that its
    largest entry is ~``sqrt(huge) / (2 L)``; a vector below that floor is
    then more than 1e-440 times smaller, and dropping it is far inside the
    reduction's backward error.  Golub & Van Loan, 4th ed., Alg. 5.4.2
    (transposed, as LAPACK ``dgebd2`` does for m < n).  Flops ``4 k^2 L - 4 k^3 / 3``;
    workspace ``(k + 4) L`` rounded up to whole registers.
    """
    k, L = G.shape
    lanes = register_tile(d, 1, 1)
    P = _padded_copy(G, lanes.shape[1])
    _bidiagonalize_padded(P, L, d, e, tau_right, tau_left)
    for r in range(k):
        for c in range(L):
            G[r, c] = P[r, c]


# --------------------------------------------------------------------------
# The reduction for the values alone: one pass over the trailing block per step
# --------------------------------------------------------------------------
# Lengths handed to these four are whole multiples of the register width
# (the caller pads its rows), so they have no scalar remainder; each array is
# read into a register tile before anything is stored, which is what lets the
# SLP vectoriser use full-width loads and stores (written with the stores
# interleaved, the loops stayed scalar: LLVM cannot prove the rows apart).


@vector_kernel
def _left_dot(p, u, w, v):
    """``(p - u w) . v`` (p unchanged); W running sums added in a fixed order at the end."""
    acc = register_tile(w, 1, 1)
    W = acc.shape[1]
    n = p.shape[0]
    for j in range(W):
        acc[0, j] = 0
    nb = n - n % W
    for c in range(0, nb, W):
        for j in range(W):
            acc[0, j] += (p[c + j] - u * w[c + j]) * v[c + j]
    s = w.dtype.type(0)
    for j in range(W):
        s += acc[0, j]
    return s


@vector_kernel
def _two_sided_rows(p0, p1, u0, u1, t0, t1, x0, x1, w, v, z):
    """``p := (p - u w) - t v`` for two rows, then ``z += x0 p0 + x1 p1`` (the updated rows).

    w, v and z are loaded, and z stored, once for the two rows.
    """
    a = register_tile(w, 5, 1)
    W = a.shape[1]
    n = p0.shape[0]
    nb = n - n % W
    for c in range(0, nb, W):
        for j in range(W):
            a[0, j] = p0[c + j]
        for j in range(W):
            a[1, j] = p1[c + j]
        for j in range(W):
            a[2, j] = w[c + j]
        for j in range(W):
            a[3, j] = v[c + j]
        for j in range(W):
            a[4, j] = z[c + j]
        for j in range(W):
            a[0, j] = (a[0, j] - u0 * a[2, j]) - t0 * a[3, j]
        for j in range(W):
            a[1, j] = (a[1, j] - u1 * a[2, j]) - t1 * a[3, j]
        for j in range(W):
            a[4, j] = (a[4, j] + x0 * a[0, j]) + x1 * a[1, j]
        for j in range(W):
            p0[c + j] = a[0, j]
        for j in range(W):
            p1[c + j] = a[1, j]
        for j in range(W):
            z[c + j] = a[4, j]


@kernel(inline="always")
def _padded_copy(G, W):
    """G (k, L) copied into a 64-byte aligned (k, Lp) array, Lp = L rounded up to W, zeros after L."""
    k, L = G.shape
    Lp = (L + W - 1) // W * W
    P = aligned_empty(k, Lp, G)
    for r in range(k):
        for c in range(L):
            P[r, c] = G[r, c]
        for c in range(L, Lp):
            P[r, c] = 0
    return P


@out_of_line
@kernel
def bidiagonalize_values(G, d, e):
    """The bidiagonal matrix of :func:`bidiagonalize` (d, e only), one pass over the block per step.

    Parameters
    ----------
    G : (k, L) ndarray, k <= L
        Read only (the reduction works on a padded copy).
    d : (k,) ndarray, overwritten
        The diagonal of B.
    e : (k,) ndarray, overwritten
        ``e[:k-1]`` the subdiagonal of B; ``e[k-1] = 0``.

    Notes
    -----
    The same reflectors as :func:`bidiagonalize` (Golub & Van Loan, 4th ed.,
    Alg. 5.4.2; LAPACK ``dgebd2``), equal to rounding, with the vectors not
    kept, in one pass over the trailing rows per step instead of two.  Step
    i builds the right reflector ``v`` from row i; then each row r below
    it, in L1 once, takes the left update still owed from step i-1 (``p -=
    u_r w``), this reflector (``p -= t v``, ``t = tau (p - u_r w) . v``),
    and adds itself into ``z = sum_r x_r p_r``, ``x_r = p_r[i]`` the
    column that the left reflector ``u`` of this step is built from.  Since
    ``u = (x - beta e_1) / (x_1 - beta)`` with ``x_1 - beta`` a sum of two
    numbers of the same sign, ``w = tau u^T P2 = tau (z - beta p_{i+1}) /
    (x_1 - beta)`` needs no second pass (the one-pass formulation of
    Ralha's and Barlow's one-sided bidiagonalisations, here for the
    two-sided Golub-Kahan reduction); its rounding error is a multiple of
    ``eps |u|^T |P2|`` as the two-pass product's.  Row i+1 takes ``w`` at
    once, rows below it in the next step's pass.  The rows are copied into
    a 64-byte aligned array padded to whole registers, and every pass
    starts at the register boundary at or before column i, with ``v = w =
    0`` there: the left columns are left exactly as they are (``p - 0 -
    0``), and no loop has a scalar remainder.  Rows are done in pairs, so
    that w, v and z are loaded once for two rows (an odd last row with a
    row of zeros).  A row or column below
    ``tiny / eps`` is set to zero first, as in :func:`bidiagonalize` (the
    caller scales G).  Flops ``4 k^2 L - 4 k^3 / 3`` (plus the padding);
    workspace ``(k + 4) L`` rounded up to whole registers.
    """
    lanes = register_tile(d, 1, 1)
    P = _padded_copy(G, lanes.shape[1])
    k = G.shape[0]
    tau_right = np.empty(max(k, 1), dtype=G.dtype)
    tau_left = np.empty(max(k, 1), dtype=G.dtype)
    _bidiagonalize_padded(P, G.shape[1], d, e, tau_right, tau_left)


@out_of_line
@kernel
def _bidiagonalize_padded(P, L, d, e, tau_right, tau_left):
    """:func:`bidiagonalize` of ``P[:, :L]``: P (k, Lp) aligned, zero after column L, Lp whole registers.

    The one-pass reduction of :func:`bidiagonalize_values`; P is left as
    :func:`bidiagonalize` leaves G (reflectors, d and e), its padding zero.
    """
    k, Lp = P.shape
    lanes = register_tile(d, 1, 1)
    W = lanes.shape[1]
    buf = aligned_empty(4, Lp, P)
    w = buf[0]
    v = buf[1]
    z = buf[2]
    zero = buf[3]  # the partner of an odd last row: stays 0 (0 - 0 w - 0 v) and adds 0 to z
    for c in range(Lp):
        w[c] = 0
        v[c] = 0
        zero[c] = 0
    floor = np.finfo(P.dtype).tiny / np.finfo(P.dtype).eps
    for i in range(k):
        # the row as an 'A' view, as bidiagonalize's: one compiled householder
        _flush_negligible(P[i, i:L:1], floor)
        beta, tau = householder(P[i, i:L:1])
        d[i] = beta
        tau_right[i] = tau
        tau_left[i] = 0
        if i + 1 >= k:
            e[i] = 0
            break
        c0 = i - i % W
        v[i] = 1
        for c in range(i + 1, L):
            v[c] = P[i, c]
        for c in range(c0, Lp):
            z[c] = 0
        wc = w[c0:]
        vc = v[c0:]
        zc = z[c0:]
        nought = P.dtype.type(0)
        for r in range(i + 1, k, 2):
            # column i - 1 holds the left reflector of the previous step (w is zero for i = 0)
            u0 = P[r, i - 1] if i > 0 else nought
            t0 = tau * _left_dot(P[r, c0:], u0, wc, vc)
            x0 = (P[r, i] - u0 * w[i]) - t0
            if r + 1 < k:
                u1 = P[r + 1, i - 1] if i > 0 else nought
                t1 = tau * _left_dot(P[r + 1, c0:], u1, wc, vc)
                x1 = (P[r + 1, i] - u1 * w[i]) - t1
                _two_sided_rows(P[r, c0:], P[r + 1, c0:], u0, u1, t0, t1, x0, x1, wc, vc, zc)
            else:
                _two_sided_rows(P[r, c0:], zero[c0:], u0, nought, t0, nought, x0, nought, wc, vc, zc)
        for c in range(i, L):
            v[c] = 0
        # left reflector: column i below the diagonal onto e[i] e_{i+1}
        x1 = P[i + 1, i]
        _flush_negligible(P[i + 1 :, i], floor)
        beta, tau = householder(P[i + 1 :, i])
        e[i] = beta
        tau_left[i] = tau
        for c in range(c0, Lp):
            w[c] = 0
        if tau != 0:
            s = tau / (x1 - beta)
            for c in range(i + 1, L):
                t = s * (z[c] - beta * P[i + 1, c])
                w[c] = t
                P[i + 1, c] -= t


@out_of_line
@kernel
def form_right(G, tau_right, Ut):
    """``Ut = Q[:, :k]^T`` (k x L) from the right reflectors :func:`bidiagonalize` left in G's rows.

    ``Q = H_0 H_1 ... H_{k-1}`` with ``H_j = I - tau_j v_j v_j^T`` and v_j
    row j of G from column j on (head 1 implicit).  Backward accumulation
    (LAPACK ``dorgbr`` / ``dorg2r``): ``Ut = I[:k] H_{k-1} ... H_0``,
    applying ``H_j`` last-first, so that rows ``0..j-1`` are still rows of
    the identity when ``H_j`` comes and only rows ``j..k-1``, columns
    ``j..L-1`` are touched -- each as one dot product and one axpy along a
    contiguous row.  Flops ``4 k^2 L - 2 k^3`` (``4/3 k^3`` square).
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
            t = tau * dot(row, v)
            for c in range(row.shape[0]):
                row[c] -= t * v[c]
        G[j, j] = beta


@out_of_line
@kernel
def form_left(G, tau_left, Vt):
    """``Vt = P^T`` (k x k) from the left reflectors :func:`bidiagonalize` left in G's columns.

    ``P = L_0 L_1 ... L_{k-2}`` with ``L_j = I - tau_j u_j u_j^T`` and
    ``u_j = [1, G[j+2:, j]]`` from row j+1 on.  As :func:`form_right`:
    ``P^T = I L_{k-2} ... L_0``, last-first, on rows ``j+1..k-1`` only; each
    (strided) u_j is first copied into a contiguous vector.  Flops
    ``4/3 k^3``; workspace k.
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
        uj = u[:nu]
        for r in range(j + 1, k):
            row = Vt[r, j + 1 :]
            t = tau * dot(row, uj)
            for c in range(nu):
                row[c] -= t * uj[c]


@kernel
def _rotg(f, g):
    """``(c, s, r)`` with ``c f + s g = r``, ``-s f + c g = 0``, ``c >= 0``, r with the sign of f.

    LAPACK ``dlartg`` (3.10, Anderson's version): ``sqrt(f^2 + g^2)``
    directly while both squares are safe, ``hypot`` otherwise -- most calls
    of the bidiagonal QR take the cheap branch.  f, g are float64.
    """
    if g == 0:
        return 1.0, 0.0, f
    if f == 0:
        return 0.0, math.copysign(1.0, g), abs(g)
    f1 = abs(f)
    g1 = abs(g)
    # sqrt(tiny) and sqrt(huge) / 2 of float64
    if 1.5e-154 < f1 < 4.4e153 and 1.5e-154 < g1 < 4.4e153:
        h = math.sqrt(f * f + g * g)
    else:
        h = math.hypot(f, g)
    r = math.copysign(h, f)
    return f1 / h, g / r, r


@kernel
def _smin_2x2(f, g, h):
    """The smaller singular value of ``[[f, g], [0, h]]`` without overflow (LAPACK ``dlas2``)."""
    fa = abs(f)
    ga = abs(g)
    ha = abs(h)
    fhmn = min(fa, ha)
    fhmx = max(fa, ha)
    if fhmn == 0:
        return 0.0
    if ga < fhmx:
        a_s = 1 + fhmn / fhmx
        a_t = (fhmx - fhmn) / fhmx
        au = (ga / fhmx) * (ga / fhmx)
        c = 2 / (math.sqrt(a_s * a_s + au) + math.sqrt(a_t * a_t + au))
        return fhmn * c
    au = fhmx / ga
    if au == 0:
        return (fhmn * fhmx) / ga
    a_s = 1 + fhmn / fhmx
    a_t = (fhmx - fhmn) / fhmx
    c = 1 / (math.sqrt(1 + (a_s * au) * (a_s * au)) + math.sqrt(1 + (a_t * au) * (a_t * au)))
    return 2 * (fhmn * c) * au


@vector_kernel
def _rotate_rows(X, start, step, count, cs, ss):
    """Apply the chain of rotations ``j = 0 .. count-1`` to rows ``r_j = start + step j`` and ``r_j + step``.

    Rotation j is ``rot(X[r_j], X[r_j + step], cs[j], ss[j])`` (step +1: a
    chase down the rows, -1: up), in order.  Consecutive rotations share a
    row, so a chunk of that row is carried in registers from one rotation
    to the next and every row is loaded and stored once per chain, instead
    of twice per rotation (LAPACK ``dlasr`` with a variable pivot, along
    rows).  Four vectors of each row are carried at a time (four
    independent dependency chains hide the multiply-add latency); the last
    ``n % W`` columns go rotation by rotation.  Same arithmetic per entry
    as :func:`~jitla.kernels.level1.rot` applied rotation by rotation.  Flops
    ``6 count X.shape[1]``.
    """
    t = register_tile(X, 2, 4)
    W = t.shape[1]
    n = X.shape[1]
    nb = n - n % W
    for i0 in range(0, nb, W):
        row = X[start]
        for j in range(W):
            t[0, j] = row[i0 + j]
        r = start
        for q in range(count):
            c = cs[q]
            s = ss[q]
            nxt = X[r + step]
            for j in range(W):
                t[1, j] = nxt[i0 + j]
            for j in range(W):
                x = t[0, j]
                y = t[1, j]
                t[0, j] = c * y - s * x
                t[1, j] = c * x + s * y
            row = X[r]
            for j in range(W):
                row[i0 + j] = t[1, j]
            r += step
        row = X[r]
        for j in range(W):
            row[i0 + j] = t[0, j]
    if nb < n:  # the last n % W columns, rotation by rotation (contiguous, short)
        r = start
        for q in range(count):
            rot(X[r, nb:], X[r + step, nb:], cs[q], ss[q])
            r += step


@kernel
def _qr_sweep(d, e, lo, hi, shift, cr, sr, cl, sl):
    """One QR sweep down the upper bidiagonal block ``d[lo..hi]``, ``e[lo..hi-1]``; returns nothing.

    ``shift == 0``: Demmel & Kahan's zero-shift sweep (every entry computed
    to high relative accuracy; LAPACK ``dbdsqr``).  Otherwise the implicitly
    shifted Golub–Kahan step (Golub & Van Loan, 4th ed., Alg. 8.6.1), its
    first rotation that of ``B^T B - shift^2 I``.  Rotation j (``j = 0 ..
    hi-lo-1``) from the right acts on columns ``lo+j, lo+j+1`` and is
    recorded in ``(cr[j], sr[j])``, the one from the left on rows ``lo+j,
    lo+j+1`` in ``(cl[j], sl[j])``, both in :func:`~jitla.kernels.level1.rot`'s
    convention.  A sweep up the block is this sweep on the reversed block
    (see :func:`bidiagonal_qr`).
    """
    if shift == 0.0:
        cs = 1.0
        oldcs = 1.0
        oldsn = 0.0
        for i in range(lo, hi):
            cs, sn, r = _rotg(d[i] * cs, e[i])
            if i > lo:
                e[i - 1] = oldsn * r
            oldcs, oldsn, d[i] = _rotg(oldcs * r, d[i + 1] * sn)
            cr[i - lo] = cs
            sr[i - lo] = sn
            cl[i - lo] = oldcs
            sl[i - lo] = oldsn
        h = d[hi] * cs
        d[hi] = h * oldcs
        e[hi - 1] = h * oldsn
        return
    f = (abs(d[lo]) - shift) * (math.copysign(1.0, d[lo]) + shift / d[lo])
    g = e[lo]
    for i in range(lo, hi):
        cosr, sinr, r = _rotg(f, g)
        if i > lo:
            e[i - 1] = r
        f = cosr * d[i] + sinr * e[i]
        e[i] = cosr * e[i] - sinr * d[i]
        g = sinr * d[i + 1]
        d[i + 1] = cosr * d[i + 1]
        cosl, sinl, r = _rotg(f, g)
        d[i] = r
        f = cosl * e[i] + sinl * d[i + 1]
        d[i + 1] = cosl * d[i + 1] - sinl * e[i]
        if i < hi - 1:
            g = sinl * e[i + 1]
            e[i + 1] = cosl * e[i + 1]
        cr[i - lo] = cosr
        sr[i - lo] = sinr
        cl[i - lo] = cosl
        sl[i - lo] = sinl
    e[hi - 1] = f


@kernel
def _reverse_block(d, e, lo, hi):
    """``d[lo..hi]`` and ``e[lo..hi-1]`` in reverse order: B's block becomes ``J B^T J``, upper bidiagonal."""
    i = lo
    j = hi
    while i < j:
        d[i], d[j] = d[j], d[i]
        i += 1
        j -= 1
    i = lo
    j = hi - 1
    while i < j:
        e[i], e[j] = e[j], e[i]
        i += 1
        j -= 1


# driver: its own code is the deflation and shift logic, O(n) per sweep; the sweeps'
# arithmetic is in _qr_sweep and _rotate_rows, which keep their own optimised code (devlog 059)
@out_of_line
@kernel(driver=True)
def bidiagonal_qr(d, e, Ut, Vt, compute_uv, max_sweeps):
    """SVD of the upper bidiagonal ``B = diag(d) + diag(e[:-1], 1)`` by Demmel & Kahan's QR.

    Parameters
    ----------
    d : (n,) float64 ndarray, overwritten
        On return the singular values, descending.
    e : (n,) float64 ndarray, overwritten
        ``e[:n-1]`` the superdiagonal; destroyed.
    Ut, Vt : (n, L), (n, p) ndarray, overwritten when *compute_uv*
        Rows rotated along with B: if on entry ``X = Ut^T B Vt`` then on
        return ``X = Ut^T diag(d) Vt`` (rows permuted with the values, a
        row of Vt negated where a value was negative).  Not touched (may be
        empty) when *compute_uv* is False.
    compute_uv : bool
    max_sweeps : int
        Inner steps allowed: ``max_sweeps * n^2`` (LAPACK's ``MAXITR``).

    Returns
    -------
    status, sweeps : int
        status 0 on convergence, 1 if the step budget ran out; sweeps the
        inner steps taken divided by n.

    Notes
    -----
    LAPACK ``dbdsqr`` (Demmel & Kahan, SIAM J. Sci. Stat. Comput. 11(5),
    1990; Golub & Van Loan, 4th ed., Sec. 8.6.2 for the shifted step):

    * the bottom unreduced block ``ll..m`` is found with an absolute
      threshold ``tol * sigma_min-estimate`` (so nothing relatively
      significant is dropped);
    * a new block is chased top-to-bottom if ``|d[ll]| >= |d[m]|``, else
      bottom-to-top, so that the small values converge where the chase ends;
    * ``e[i]`` is set to zero when ``|e[i]| <= tol * mu_i``, mu the running
      lower bound of the smallest singular value (relative criterion);
    * the shift is the smaller value of the end 2 x 2 (``dlas2``), or zero
      when it is negligible next to the block's smallest-value estimate:
      the zero-shift sweep then keeps every value to high relative accuracy.

    Departures from ``dbdsqr``: a sweep up the block is the sweep down the
    reversed block (:func:`_reverse_block`: ``J B^T J`` is upper
    bidiagonal with the same values; the arithmetic is LAPACK's, in another
    order of storage), so one sweep routine serves both directions; 2 x 2
    blocks are not special-cased with ``dlasv2`` (the shifted step with the
    exact 2 x 2 shift deflates them); the values-only case does not switch
    to dqds here (:func:`svdvals_bidiagonal` calls :func:`dqds` itself);
    the rotations of a sweep are applied to *rows* of Ut and Vt as one
    chain each (:func:`_rotate_rows`).  Flops ``O(n^2)`` for the
    values, plus ``6 (L + p)`` per rotation pair with vectors, about
    ``12 n^2 (L + p)`` in all.
    """
    n = d.shape[0]
    eps = np.finfo(Ut.dtype).eps / 2  # LAPACK's unit roundoff
    tol = max(10.0, min(100.0, eps**-0.125)) * eps
    it = 0
    status = 0
    if n > 1:
        cr = np.empty(n, dtype=np.float64)
        sr = np.empty(n, dtype=np.float64)
        cl = np.empty(n, dtype=np.float64)
        sl = np.empty(n, dtype=np.float64)
        unfl = np.finfo(np.float64).tiny
        maxit = max_sweeps * n * n
        # threshold for negligible entries: tol times an estimate of sigma_min
        sminoa = abs(d[0])
        if sminoa != 0:
            mu = sminoa
            for i in range(1, n):
                mu = abs(d[i]) * (mu / (mu + abs(e[i - 1])))
                sminoa = min(sminoa, mu)
                if sminoa == 0:
                    break
        sminoa = sminoa / math.sqrt(n)
        thresh = max(tol * sminoa, max_sweeps * (n * (n * unfl)))
        oldll = -1
        oldm = -1
        idir = 0
        m = n - 1
        while m > 0:
            if it >= maxit:
                status = 1
                break
            # the bottom unreduced block ll..m
            smax = abs(d[m])
            ll = -1
            for i in range(m - 1, -1, -1):
                if abs(e[i]) <= thresh:
                    e[i] = 0
                    ll = i
                    break
                smax = max(smax, abs(d[i]), abs(e[i]))
            if ll == m - 1:
                m -= 1
                continue
            ll += 1
            if ll > oldm or m < oldll:  # a new block: chase towards the smaller end
                idir = 1 if abs(d[ll]) >= abs(d[m]) else 2
            # relative convergence tests, mu running down (up) the block as
            # the estimate of its smallest value
            if idir == 2:
                _reverse_block(d, e, ll, m)
            split = abs(e[m - 1]) <= tol * abs(d[m])
            if split:
                e[m - 1] = 0
            mu = abs(d[ll])
            sminl = mu
            if not split:
                for i in range(ll, m):
                    if abs(e[i]) <= tol * mu:
                        e[i] = 0
                        split = True
                        break
                    mu = abs(d[i + 1]) * (mu / (mu + abs(e[i])))
                    sminl = min(sminl, mu)
            if split:
                if idir == 2:
                    _reverse_block(d, e, ll, m)
                continue
            oldll = ll
            oldm = m
            # the shift: zero where it would be lost next to sigma_min
            shift = 0.0
            if n * tol * (sminl / smax) > max(eps, 0.01 * tol):
                shift = _smin_2x2(d[m - 1], e[m - 1], d[m])
                if (shift / abs(d[ll])) * (shift / abs(d[ll])) < eps:
                    shift = 0.0
            it += m - ll
            _qr_sweep(d, e, ll, m, shift, cr, sr, cl, sl)
            if abs(e[m - 1]) <= thresh:
                e[m - 1] = 0
            if idir == 2:
                _reverse_block(d, e, ll, m)
            if compute_uv:
                # down the block: right rotations to Vt, left ones to Ut;
                # up the (reversed) block the roles swap (B^T's rotations)
                # (two call sites, not four: the chain's code is compiled into each)
                first, second = (Vt, Ut) if idir == 1 else (Ut, Vt)
                start, step = (ll, 1) if idir == 1 else (m, -1)
                _rotate_rows(first, start, step, m - ll, cr, sr)
                _rotate_rows(second, start, step, m - ll, cl, sl)
    # positive values, descending (selection sort: at most n - 1 row swaps)
    for i in range(n):
        if d[i] < 0:
            d[i] = -d[i]
            if compute_uv:
                for c in range(Vt.shape[1]):
                    Vt[i, c] = -Vt[i, c]
    for i in range(n - 1):
        j = i
        for r in range(i + 1, n):
            if d[r] > d[j]:
                j = r
        if j != i:
            d[i], d[j] = d[j], d[i]
            if compute_uv:
                for c in range(Ut.shape[1]):
                    Ut[i, c], Ut[j, c] = Ut[j, c], Ut[i, c]
                for c in range(Vt.shape[1]):
                    Vt[i, c], Vt[j, c] = Vt[j, c], Vt[i, c]
    return status, it // max(n, 1)


#: dqds transforms allowed per singular value on average (failed ones
#: included) before :func:`dqds` gives up; LAPACK ``dlasq2`` allows 100, a
#: random bidiagonal needs about 2.
DQDS_MAXIT = 30


@kernel
def _dqds_transform(q, e, qn, en, i0, n0, tau):
    """One dqds transform of the block ``i0..n0`` with shift tau: ``(q, e) -> (qn, en)``.

    The differential qd step with shift (Fernando & Parlett 1994, Alg. 2;
    LAPACK ``dlasq5``)::

        d = q[i0] - tau
        qn[i] = d + e[i];  t = q[i+1] / qn[i];  en[i] = e[i] t;  d = d t - tau
        qn[n0] = d

    q, e are not touched, so a failed transform can be retried with another
    shift.  A zero ``qn[i]`` (d and e[i] both zero) splits the array there.

    Returns
    -------
    dmin, dmin1, dn, dn1, emin : float
        ``min d_i`` over the block, the same without the last, ``d_n0``,
        ``d_{n0-1}`` and ``min en[i]``.  ``dmin1 < 0``: an early failure
        (stopped at the first negative ``d_i``, i < n0); ``dmin1 >= 0 >
        dn``: a late failure (only the last is negative).
    """
    d = q[i0] - tau
    dmin1 = math.inf
    dn1 = d
    emin = math.inf
    for i in range(i0, n0):
        if d < 0.0:
            return d, d, d, d, 0.0
        if d < dmin1:
            dmin1 = d
        dn1 = d
        qh = d + e[i]
        qn[i] = qh
        if qh == 0.0:
            en[i] = 0.0
            d = q[i + 1] - tau
        else:
            t = q[i + 1] / qh
            en[i] = e[i] * t
            d = d * t - tau
        if en[i] < emin:
            emin = en[i]
    qn[n0] = d
    return min(dmin1, d), dmin1, d, dn1, emin


@kernel
def _dqds_shift(q, e, i0, n0, dmin, dn):
    """The next shift for a block ending at n0, from the last transform's ``min d_i`` and ``d_n0``.

    Every ``d_i`` of a successful transform is at least the smallest
    eigenvalue lambda of the new array (``d_i = 1 / [(L U)^{-1}]_ii``,
    Parlett & Marques 2000, Sec. 3), so ``tau <= dmin``.  When the minimum
    sits at the bottom, the trailing 2 x 2 of ``U L`` -- diagonal ``a2 =
    q[n0-1] + e[n0-1]`` and ``dn``, coupling ``b1 = sqrt(q[n0] e[n0-1])``
    -- gives ``lambda ~ dn - b1^2 / (a2 - dn)`` when the gap is wide and
    ``lambda >= dn - b1`` otherwise (LAPACK ``dlasq4``'s cases 2 and 3,
    without their correction from the next 2 x 2); elsewhere a quarter of
    dmin (its case 6).  A shift that overshoots makes the transform fail,
    and :func:`dqds` retries with a smaller one.
    """
    if dmin <= 0.0:
        return 0.0
    if dn > dmin:
        return 0.25 * dmin
    b1 = math.sqrt(q[n0]) * math.sqrt(e[n0 - 1])
    gap = q[n0 - 1] + e[n0 - 1] - dn
    if n0 - 1 > i0:  # the next coupling up narrows the gap
        gap -= math.sqrt(q[n0 - 1]) * math.sqrt(e[n0 - 2])
    if gap > b1:
        return max(dn - (b1 / gap) * b1, 0.5 * dmin)
    return max(dn - b1, dmin / 3)


@kernel
def dqds(d, e, max_per_value):
    """Singular values of the upper bidiagonal ``diag(d) + diag(e[:n-1], 1)`` by dqds.

    Parameters
    ----------
    d : (n,) float64 ndarray, overwritten
        On return the singular values, descending.
    e : (n,) float64 ndarray, overwritten
        ``e[:n-1]`` the superdiagonal; destroyed.
    max_per_value : int
        Transforms allowed, failed ones included: ``max_per_value * n``
        (:data:`DQDS_MAXIT`).

    Returns
    -------
    int
        0, or 1 if the budget ran out (d then holds no values).

    Notes
    -----
    The differential quotient-difference algorithm with shifts (Fernando &
    Parlett, "Accurate singular values and differential qd algorithms",
    Numer. Math. 67, 1994; Parlett & Marques, "An implementation of the
    dqds algorithm (positive case)", Lin. Alg. Appl. 309, 2000; LAPACK
    ``dlasq1``-``dlasq6``).  The squares ``q_i = d_i^2``, ``e_i = e_i^2``
    are the qd array of ``B^T B``; each transform
    (:func:`_dqds_transform`) computes the qd array of ``B^T B - tau I``
    without cancellation as long as every intermediate stays positive, so
    every value comes out to high *relative* accuracy, as with Demmel &
    Kahan's QR (:func:`bidiagonal_qr`) but with no square root per step and
    no rotations: the values-only route of LAPACK's SVDs.

    * The entries are scaled by a power of two so that the largest is
      ``~sqrt(eps / tiny)`` (as ``dlasq1``): the squares neither overflow
      nor lose the small values.
    * The bottom unreduced block ``i0..n0`` is worked on; reversed first if
      its top is the smaller end (``dlasq2``'s flip, so that small values
      converge at the bottom); its first transform has no shift.
    * After a transform the last value deflates when ``e[n0-1] <= tol^2
      (sigma + q[n0])``, ``tol = 100 eps``, sigma the shifts accumulated by
      the block; the block splits at an ``e[i] <= tol^2 max(q[i] ...)``
      test as ``dlasq2``'s (``e[i] <= tol^2 q[i]`` or ``<= tol^2 sigma``),
      the part above keeping its sigma.
    * Shifts from :func:`_dqds_shift`; a failed transform is retried with
      ``tau + d_n0`` after a late failure (an excellent shift, as
      ``dlasq3``), a quarter of tau after an early one, zero after three
      failures in a row (the zero-shift transform cannot fail).

    Departures from LAPACK: no 2 x 2 deflation, a simpler shift choice
    (above), no initial Li test, no IEEE-free variant.  Flops: about 5
    per inner step and 2-3 transforms per value, ``O(n^2)`` in all;
    workspace 5n.
    """
    n = d.shape[0]
    if n == 0:
        return 0
    amax = 0.0
    for i in range(n):
        d[i] = abs(d[i])
        amax = max(amax, d[i])
    e[n - 1] = 0.0
    for i in range(n - 1):
        e[i] = abs(e[i])
        amax = max(amax, e[i])
    if amax == 0.0:
        return 0
    eps = 2.220446049250313e-16
    tiny = 2.2250738585072014e-308
    # 2**k brings the largest entry to about sqrt(eps / tiny)
    k = math.frexp(math.sqrt(eps / tiny))[1] - math.frexp(amax)[1]
    work = np.empty((5, n), dtype=np.float64)
    q = work[0]
    ee = work[1]
    q2 = work[2]
    e2 = work[3]
    sig = work[4]
    sig[:] = 0.0
    qbig = 0.0  # ||B||_F^2 >= every q[i], shifted or not
    for i in range(n):
        t = math.ldexp(d[i], k)
        q[i] = t * t
        q2[i] = q[i]
        t = math.ldexp(e[i], k)
        ee[i] = t * t
        e2[i] = ee[i]
        qbig += q[i] + ee[i]
    tol2 = (100 * eps) ** 2
    maxit = max_per_value * n
    it = 0
    n0 = n - 1
    while n0 >= 0:
        i0 = n0
        while i0 > 0 and ee[i0 - 1] != 0.0:
            i0 -= 1
        sigma = sig[n0]
        if i0 == n0:
            d[n0] = q[n0] + sigma
            n0 -= 1
            continue
        if 1.5 * q[i0] < q[n0]:  # small end on top: reverse the block
            a = i0
            b = n0
            while a < b:
                q[a], q[b] = q[b], q[a]
                a += 1
                b -= 1
            a = i0
            b = n0 - 1
            while a < b:
                ee[a], ee[b] = ee[b], ee[a]
                a += 1
                b -= 1
        tau = 0.0
        fails = 0
        while n0 > i0:
            if it >= maxit:
                return 1
            it += 1
            dmin, dmin1, dn, dn1, emin = _dqds_transform(q, ee, q2, e2, i0, n0, tau)
            if dmin < 0.0:
                fails += 1
                if fails >= 3:
                    tau = 0.0
                elif dmin1 >= 0.0 and tau + dn > 0.0:
                    tau = (tau + dn) * (1 - 2 * eps)
                else:
                    tau = 0.25 * tau
                continue
            fails = 0
            sigma += tau
            # the new array replaces the old; outside the block both hold the same
            q, q2 = q2, q
            ee, e2 = e2, ee
            # deflation at the bottom
            deflated = 0
            while n0 > i0 and ee[n0 - 1] <= tol2 * (sigma + q[n0]):
                d[n0] = q[n0] + sigma
                n0 -= 1
                deflated += 1
            if n0 == i0:
                break
            # a split inside: the part above keeps this block's sigma
            split = False
            if emin <= tol2 * qbig:
                for j in range(n0 - 1, i0 - 1, -1):
                    if ee[j] <= tol2 * min(q[j], q[j + 1]):
                        ee[j] = 0.0
                        for i in range(i0, j + 1):
                            sig[i] = sigma
                            q2[i] = q[i]
                            e2[i] = ee[i]
                        i0 = j + 1
                        split = True
                        break
            if deflated == 0 and not split:
                tau = _dqds_shift(q, ee, i0, n0, dmin, dn)
            elif deflated == 1 and not split:
                tau = _dqds_shift(q, ee, i0, n0, dmin1, dn1)
            else:
                tau = 0.25 * dmin
        if n0 == i0:
            d[n0] = q[n0] + sigma
            n0 -= 1
    # square roots, scaled back, descending (insertion sort: deflation
    # leaves them nearly ordered)
    for i in range(n):
        d[i] = math.ldexp(math.sqrt(d[i]), -k)
    for i in range(1, n):
        v = d[i]
        j = i - 1
        while j >= 0 and d[j] < v:
            d[j + 1] = d[j]
            j -= 1
        d[j + 1] = v
    return 0


@register(
    "svdvals",
    "bidiagonal",
    "Householder bidiagonalisation + dqds (backward stable, not graded-accurate)",
    flops=_bidiag_flops,
    example=_bidiag_example,
)
@kernel(driver=True)
def svdvals_bidiagonal(G, S):
    """Singular values of G (k x L, k <= L) by :func:`bidiagonalize_values` and :func:`dqds`.

    Parameters
    ----------
    G : (k, L) ndarray, not modified
    S : (k,) ndarray, overwritten
        The singular values, descending.

    Returns
    -------
    int
        0, or 1 if dqds did not converge in ``DQDS_MAXIT k`` transforms.

    Notes
    -----
    Flops ``4 k^2 L - 4 k^3 / 3`` for the reduction (BLAS-2, memory-bound)
    plus ``O(k^2)``; workspace ``(k + 4) L`` (the reduction's padded
    copy) and 9k.  dqds runs in float64 for float32 input too.
    """
    k = G.shape[0]
    e = np.zeros(max(k, 1), dtype=G.dtype)
    bidiagonalize_values(G, S, e)
    d64 = np.empty(k, dtype=np.float64)
    e64 = np.zeros(max(k, 1), dtype=np.float64)
    for i in range(k):
        d64[i] = S[i]
        e64[i] = e[i]
    status = dqds(d64, e64[:k], DQDS_MAXIT)
    for i in range(k):
        S[i] = d64[i]
    return status


@register(
    "svd",
    "bidiagonal",
    "Householder bidiagonalisation, both factors formed, Demmel-Kahan bidiagonal QR on their rows",
    flops=_svd_bidiag_flops,
    example=_svd_bidiag_example,
)
@kernel(driver=True)
def svd_bidiagonal(G, S, Ut, Vt, compute_uv, max_sweeps):
    """SVD of G (k x L, k <= L): ``G^T = Ut^T diag(S) Vt``, LAPACK ``dgesvd``'s route.

    Parameters
    ----------
    G : (k, L) ndarray, overwritten
    S : (k,) ndarray, overwritten
        The singular values, descending.
    Ut : (k, L) ndarray, overwritten
        Rows: left singular vectors of the tall form ``G^T``.
    Vt : (k, k) ndarray, overwritten
    compute_uv : bool
        If False, Ut and Vt are not touched.
    max_sweeps : int
        :func:`bidiagonal_qr`'s budget, ``max_sweeps * k^2`` inner steps.

    Returns
    -------
    status, sweeps : int
        As :func:`bidiagonal_qr`.

    Notes
    -----
    ``G = P B Q^T`` (:func:`bidiagonalize`, B lower bidiagonal), so the
    tall form is ``G^T = Q_k B^T P^T`` with ``B^T`` upper bidiagonal; with
    ``Ut = Q_k^T`` (:func:`form_right`) and ``Vt = P^T``
    (:func:`form_left`) the bidiagonal QR's rotations of ``B^T`` turn them
    into the singular vectors.  Flops: the reduction ``4 k^2 L - 4 k^3/3``,
    the factors ``4 k^2 L - 2 k^3 + 4 k^3/3``, the QR about ``12 k^2 (k +
    L)`` (two sweeps per value); workspace 6k.
    """
    k = G.shape[0]
    tau_right = np.empty(max(k, 1), dtype=G.dtype)
    tau_left = np.empty(max(k, 1), dtype=G.dtype)
    e = np.zeros(max(k, 1), dtype=G.dtype)
    bidiagonalize(G, S, e, tau_right, tau_left)
    d64 = np.empty(k, dtype=np.float64)
    e64 = np.zeros(max(k, 1), dtype=np.float64)
    for i in range(k):
        d64[i] = S[i]
        e64[i] = e[i]
    if compute_uv:
        form_right(G, tau_right, Ut)
        form_left(G, tau_left, Vt)
    status, sweeps = bidiagonal_qr(d64, e64[:k], Ut, Vt, compute_uv, max_sweeps)
    for i in range(k):
        S[i] = d64[i]
    return status, sweeps
