"""Divide-and-conquer SVD of an upper bidiagonal matrix, and the SVD route built on it.

Gu & Eisenstat, "A divide-and-conquer algorithm for the bidiagonal SVD",
SIAM J. Matrix Anal. Appl. 16(1), 1995; the structure of LAPACK ``dbdsdc``
(``dlasd0`` tree, ``dlasd1``-``dlasd3`` merge, ``dlasd4`` roots,
``dlasdq`` leaves) is the reference design, the code is jitla's own.

1. **Tree.**  An upper bidiagonal ``B`` of n rows and ``n + sqre`` columns
   (``sqre`` 0 or 1; the whole matrix is square) is split at row
   ``k = n // 2``: rows ``0..k-1`` are a ``k x (k+1)`` bidiagonal ``B1``
   (``sqre = 1``), rows ``k+1..n-1`` an ``m x (m + sqre)`` one ``B2``, and
   row k holds ``alpha = d_k`` in column k and ``beta = e_k`` in column
   ``k+1``.  Pieces of at most ``leaf`` rows are solved directly.
2. **Leaves** (:func:`_leaf`): a ``n x (n+1)`` piece is first made square by
   n rotations from the right that chase its last column up and out
   (LAPACK ``dlasdq``); leaves have at most two rows (``DC_LEAF``), so
   its SVD is closed-form: a sign for 1 x 1, Demmel & Kahan's accurate
   2 x 2 SVD (LAPACK ``dlasv2``, :func:`_svd_2x2`) for 2 x 2.
3. **Merge** (:func:`_merge`).  With ``B1 = U1 [S1 0] V1^T`` and
   ``B2 = U2 [S2 0] V2^T``, ``B = Q_u^T M Q_v`` where the rows of ``Q_u``
   are ``e_k`` and the children's left vectors, those of ``Q_v`` the
   children's right vectors (the two null vectors rotated into one, and the
   other kept as the merged null vector when ``sqre = 1``), and M is the
   arrow matrix ``[z^T; 0 diag(d_2..d_n)]`` with ``d_1 = 0`` and
   ``z = alpha V1[k, :] (+) beta V2[0, :]``.
   *Deflation* (``dlasd2``): an entry ``|z_i| <= tol`` leaves ``d_i`` and its
   basis vectors as they are; two values closer than ``tol`` are rotated
   so that one z entry vanishes; ``tol = 64 eps max(|d|, |z|)`` on the
   scaled problem.  The remaining K values are the roots of the *secular
   equation* ``f(s) = 1 + sum z_i^2 / (d_i^2 - s^2) = 0``, one in each
   interval ``(d_j, d_{j+1})`` and the last in
   ``(d_K, sqrt(d_K^2 + |z|^2))`` (:func:`~jitla.kernels.secular.secular_roots`).  z is then
   recomputed from the roots by the *Löwner formula* (Gu & Eisenstat,
   Sec. 3), so that the vectors built from it, ``v_j ~ zhat_i / (d_i^2 -
   s_j^2)`` and ``u_j ~ (-1, d_i zhat_i / (d_i^2 - s_j^2))``, are
   orthogonal to working precision however close the roots are; the
   differences ``d_i - s_j`` come from the root finder's offsets, never
   from subtracting two computed numbers.  The new vectors are two GEMMs,
   ``U_M^T Q_u`` and ``V_M^T Q_v`` (:func:`~jitla.kernels.gemm.gemm_small`).

Root finder and Löwner's z: :mod:`jitla.kernels.secular` (shared with the
symmetric tridiagonal divide and conquer), with squared poles ``d_i^2``:
each root is found as its offset ``tau = s^2 - d_o^2`` from the nearer
pole, so that ``d_i^2 - s^2 = (d_i - d_o)(d_i + d_o) - tau`` carries no
cancellation near the root (``dlasd4``).

Kernel contract: float64 d, e; U, V C-contiguous (n, n) float64.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel, out_of_line
from jitla.kernels._layout import F64, insertion_sort_by_key
from jitla.kernels._registry import register
from jitla.kernels.gemm import gemm_two_tiles
from jitla.kernels.level1 import dot, rot
from jitla.kernels.secular import lowner_z, secular_roots
from jitla.kernels.svd_bidiag import (
    _bidiag_flops,
    _rotg,
    _svd_bidiag_example,
    bidiagonalize,
)

__all__ = ["bidiagonal_dc", "svd_bidiagonal_dc", "DC_LEAF"]

#: The merges' and the reflectors' products, out of line: compiled and emitted once, not again
#: in the module of each kernel that calls it.
gemm_small = out_of_line(gemm_two_tiles)

#: Largest piece the tree solves in closed form (:func:`_leaf`).  Two rows: every node split
#: has at least three, so neither child of a merge is empty.  (LAPACK's SMLSIZ is 25, its leaves
#: solved by QR; here a QR at the leaves would be most of the route's compile time, and leaves of
#: 3 to 25 rows run no faster than these -- devlogs 070, 073.)
DC_LEAF = 2


def _svd_dc_flops(k, L):
    """Nominal flops: reduction, the reflectors applied (``4 k^2 L + 4 k^3``), ``~2 k^3`` in the merges."""
    return _bidiag_flops(k, L) + 4.0 * k * k * L + 4.0 * k**3 + 2.0 * k**3


@kernel(inline="always")
def _svd_2x2(f, g, h):
    """SVD of the upper triangular ``[[f, g], [0, h]]``: ``(smax, smin, cl, sl, cr, sr)``.

    ``[[cl, sl], [-sl, cl]] @ [[f, g], [0, h]] @ [[cr, -sr], [sr, cr]] =
    diag(smax, smin)``, ``|smax| >= |smin|``; the values carry signs (their
    product is ``f h``).  Demmel & Kahan, "Accurate singular values of
    bidiagonal matrices", SIAM J. Sci. Stat. Comput. 11(5), 1990, Sec. 3 and
    LAPACK ``dlasv2``'s documented algorithm: both values to a few ulps
    relative (not only ``smax``), the vectors to a few ulps, no overflow
    unless a value overflows.  The larger of ``|f|``, ``|h|`` is moved to f
    by transposing the problem; with ``a = (sqrt((2 - l)^2 + m^2) + sqrt(l^2
    + m^2)) / 2``, ``l = (|f| - |h|) / |f|``, ``m = g / f``, the values are
    ``|f| a`` and ``|h| / a`` -- no difference of two computed numbers.
    """
    ft = f
    ht = h
    fa = abs(f)
    ha = abs(h)
    # which entry is largest in magnitude: 1 f, 2 g, 3 h -- it fixes the signs
    big = 1
    flip = ha > fa
    if flip:
        big = 3
        ft, ht = ht, ft
        fa, ha = ha, fa
    ga = abs(g)
    if ga == 0.0:
        smin = ha
        smax = fa
        clt = 1.0
        slt = 0.0
        crt = 1.0
        srt = 0.0
    else:
        tame = True
        if ga > fa:
            big = 2
            if fa / ga < 1.1102230246251565e-16:
                # g dominates to working precision: smax = |g|, smin = |f h / g|
                tame = False
                smax = ga
                if ha > 1.0:
                    smin = fa / (ga / ha)
                else:
                    smin = (fa / ga) * ha
                clt = 1.0
                slt = ht / g
                srt = 1.0
                crt = ft / g
        if tame:
            dif = fa - ha
            # dif == fa when |h| is negligible or f is infinite: l = 1 exactly
            lr = 1.0 if dif == fa else dif / fa
            mr = g / ft
            tr = 2.0 - lr
            mm = mr * mr
            tt = tr * tr
            sq = math.sqrt(tt + mm)
            rr = abs(mr) if lr == 0.0 else math.sqrt(lr * lr + mm)
            a = 0.5 * (sq + rr)
            smin = ha / a
            smax = fa * a
            if mm == 0.0:
                # m underflowed in its square: the first-order formula
                if lr == 0.0:
                    tr = math.copysign(2.0, ft) * math.copysign(1.0, g)
                else:
                    tr = g / math.copysign(dif, ft) + mr / tr
            else:
                tr = (mr / (sq + tr) + mr / (rr + lr)) * (1.0 + a)
            lr = math.sqrt(tr * tr + 4.0)
            crt = 2.0 / lr
            srt = tr / lr
            clt = (crt + srt * mr) / a
            slt = (ht / ft) * srt / a
    if flip:
        cl, sl, cr, sr = srt, crt, slt, clt
    else:
        cl, sl, cr, sr = clt, slt, crt, srt
    if big == 1:
        sgn = math.copysign(1.0, cr) * math.copysign(1.0, cl) * math.copysign(1.0, f)
    elif big == 2:
        sgn = math.copysign(1.0, sr) * math.copysign(1.0, cl) * math.copysign(1.0, g)
    else:
        sgn = math.copysign(1.0, sr) * math.copysign(1.0, sl) * math.copysign(1.0, h)
    smax = math.copysign(smax, sgn)
    smin = math.copysign(smin, sgn * math.copysign(1.0, f) * math.copysign(1.0, h))
    return smax, smin, cl, sl, cr, sr


@kernel
def _leaf(d, e, lo, n, sqre, U, V):
    """SVD of the leaf of rows ``lo..lo+n-1`` (``n x (n + sqre)``, n 1 or 2) into U and V (rows: vectors).

    On return ``d[lo:lo+n]`` holds the values, descending; ``U`` (n, n) and
    ``V`` (n + sqre, n + sqre) hold the left and right vectors as rows, the
    last row of V the null vector when ``sqre = 1``.  Closed form: a
    ``n x (n+1)`` leaf is made square by rotations from the right that chase
    its last column out (LAPACK ``dlasdq``); a 1 x 1 is its value with the
    sign moved to U, a 2 x 2 :func:`_svd_2x2`.
    """
    nv = n + sqre
    for r in range(n):
        for c in range(n):
            U[r, c] = 0.0
        U[r, r] = 1.0
    for r in range(nv):
        for c in range(nv):
            V[r, c] = 0.0
        V[r, r] = 1.0
    g = e[lo] if n == 2 else 0.0
    if sqre == 1:
        # chase the entry of column n up and out: rotation of columns j and n
        x = e[lo + n - 1]
        for j in range(n - 1, -1, -1):
            if x == 0.0:
                break
            c, s, r = _rotg(d[lo + j], x)
            d[lo + j] = r
            rot(V[j], V[n], c, s)
            if j > 0:
                x = -s * g
                g = c * g
    if n == 1:
        if d[lo] < 0.0:
            d[lo] = -d[lo]
            U[0, 0] = -1.0
        return
    smax, smin, cl, sl, cr, sr = _svd_2x2(d[lo], g, d[lo + 1])
    # B = [[cl, -sl], [sl, cl]] diag(smax, smin) [[cr, sr], [-sr, cr]]: rows of U, V the vectors
    su = 1.0 if smax >= 0.0 else -1.0
    U[0, 0] = su * cl
    U[0, 1] = su * sl
    su = 1.0 if smin >= 0.0 else -1.0
    U[1, 0] = -su * sl
    U[1, 1] = su * cl
    d[lo] = abs(smax)
    d[lo + 1] = abs(smin)
    rot(V[0], V[1], cr, sr)


@kernel(inline="always")
def _merge_gather(d, e, U, V, lo, n, k, sqre, Qu, Qv, dd, zz, tu, tv):
    """The merge's bases, arrow and supports from the children (module notes, step 3); the scale.

    Fills Qu (n, n) and Qv (nv, nv) (zero on entry) with the basis rows,
    dd and zz with the arrow's diagonal and first row, tu and tv with each
    basis row's support (1 columns ``0..k`` only, 3 columns ``k+1..`` only,
    2 both); returns ``max(|dd|, |zz|)`` and, when it is not 0, divides dd
    and zz by it.
    """
    m = n - k - 1
    b0 = lo + k + 1
    alpha = d[lo + k]
    beta = e[lo + k]
    for i in range(n):
        tu[i] = 1 if i <= k else 3
        tv[i] = tu[i]
    # index 0: the middle row, and the top child's null vector
    Qu[0, k] = 1.0
    for c in range(k + 1):
        Qv[0, c] = V[lo + k, lo + c]
    dd[0] = 0.0
    zz[0] = alpha * V[lo + k, lo + k]
    for j in range(k):
        for c in range(k):
            Qu[1 + j, c] = U[lo + j, lo + c]
        for c in range(k + 1):
            Qv[1 + j, c] = V[lo + j, lo + c]
        dd[1 + j] = d[lo + j]
        zz[1 + j] = alpha * V[lo + j, lo + k]
    for j in range(m):
        for c in range(m):
            Qu[1 + k + j, k + 1 + c] = U[b0 + j, b0 + c]
        for c in range(m + sqre):
            Qv[1 + k + j, k + 1 + c] = V[b0 + j, b0 + c]
        dd[1 + k + j] = d[b0 + j]
        zz[1 + k + j] = beta * V[b0 + j, b0]
    if sqre == 1:
        # the two null vectors: one rotated onto z, the other the node's null vector
        for c in range(m + 1):
            Qv[n, k + 1 + c] = V[b0 + m, b0 + c]
        z2 = beta * V[b0 + m, b0]
        r = math.hypot(zz[0], z2)
        if r != 0.0:
            rot(Qv[0], Qv[n], zz[0] / r, z2 / r)
            zz[0] = r
            if z2 != 0.0:
                tv[0] = 2
    # scale to 1
    scl = 0.0
    for i in range(n):
        scl = max(scl, abs(dd[i]), abs(zz[i]))
    if scl != 0.0:
        for i in range(n):
            dd[i] /= scl
            zz[i] /= scl
    return scl


@kernel(inline="always")
def _deflate(dd, zz, Qu, Qv, tu, tv, n, k, keep, gone):
    """Deflation of the scaled arrow (module notes, step 3; LAPACK ``dlasd2``); ``(K, ng)``.

    ``keep[:K]`` lists the non-deflated indices by ascending value (index 0
    first), ``gone[:ng]`` the deflated ones, ascending too.  Close pairs
    are rotated in Qu, Qv, zz (and their supports merged in tu, tv).
    """
    # ascending order of dd[1:]: the children's values come descending, so
    # merge the two runs read from their ends
    perm = np.empty(n, dtype=np.int64)
    perm[0] = 0
    a = k
    b = n - 1
    for p in range(1, n):
        if b <= k or (a >= 1 and dd[a] <= dd[b]):
            perm[p] = a
            a -= 1
        else:
            perm[p] = b
            b -= 1
    eps = np.finfo(F64).eps
    tol = 64.0 * eps
    K = 1
    ng = 0
    keep[0] = 0
    if abs(zz[0]) <= tol:
        zz[0] = tol
    prev = -1
    for p in range(1, n):
        i = perm[p]
        if abs(zz[i]) <= tol:
            gone[ng] = i
            ng += 1
            continue
        if prev >= 0 and dd[i] - dd[prev] <= tol:
            # close values: rotate z[prev] onto z[i]; prev leaves with its value
            r = math.hypot(zz[prev], zz[i])
            c = zz[i] / r
            s = zz[prev] / r
            zz[i] = r
            zz[prev] = 0.0
            rot(Qu[i], Qu[prev], c, s)
            rot(Qv[i], Qv[prev], c, s)
            if tu[i] != tu[prev]:
                tu[i] = 2
            if tv[i] != tv[prev]:
                tv[i] = 2
            gone[ng] = prev
            ng += 1
            keep[K - 1] = i
            prev = i
            continue
        keep[K] = i
        K += 1
        prev = i
    # a value within tol of d_0 = 0 is moved to tol / 2 (dlasd2)
    if K > 1 and dd[keep[1]] <= 0.5 * tol:
        dd[keep[1]] = 0.5 * tol
    # the deflated values ascending (a close pair can leave them out of order by up to tol)
    insertion_sort_by_key(gone[:ng], dd)
    return K, ng


@kernel(inline="always")
def _arrow_vectors(dh, zh, sig, eta, orig, Uc, Vc):
    """The arrow's singular vectors (rows of Uc, Vc, K x K) from its roots, through Löwner's z.

    ``zhat`` is the z for which the computed roots are exact
    (:func:`~jitla.kernels.secular.lowner_z`; module notes, step 3).
    """
    K = dh.shape[0]
    Dl = np.empty((K, K), dtype=F64)
    zhat = np.empty(K, dtype=F64)
    lowner_z(dh, zh, sig, eta, orig, True, Dl, zhat)
    for j in range(K):
        vr = Vc[j]
        ur = Uc[j]
        sj = sig[j]
        for i in range(K):
            vr[i] = zhat[i] / (-Dl[j, i] * (dh[i] + sj))
        for i in range(K):
            ur[i] = dh[i] * vr[i]
        ur[0] = -1.0
        su = 1.0 / math.sqrt(dot(ur, ur))
        sv = 1.0 / math.sqrt(dot(vr, vr))
        for i in range(K):
            ur[i] *= su
            vr[i] *= sv


@out_of_line
@kernel
def _merge(d, e, U, V, lo, n, k, sqre):
    """Merge the solved children of node ``rows lo..lo+n-1`` split at row ``lo+k`` (module notes, step 3).

    Reads the children's values from ``d`` and vectors from the diagonal
    blocks of U and V (rows = vectors); ``d[lo+k]``, ``e[lo+k]`` are the
    row that joins them.  Writes the node's values (descending) and vectors
    in the same places.  The steps (:func:`_merge_gather`, :func:`_deflate`,
    :func:`_arrow_vectors`, :func:`_write_node`) are inlined here (Numba
    ``inline="always"``): one compilation instead of one per step; the root
    finder and the products are out of line, shared with the symmetric
    divide and conquer.
    """
    nv = n + sqre
    Qu = np.zeros((n, n), dtype=F64)
    Qv = np.zeros((nv, nv), dtype=F64)
    dd = np.empty(n, dtype=F64)
    zz = np.empty(n, dtype=F64)
    tu = np.empty(n, dtype=np.int64)
    tv = np.empty(n, dtype=np.int64)
    scl = _merge_gather(d, e, U, V, lo, n, k, sqre, Qu, Qv, dd, zz, tu, tv)
    keep = np.empty(n, dtype=np.int64)  # non-deflated, ascending values
    gone = np.empty(n, dtype=np.int64)
    if scl == 0.0:
        # a zero node: every value deflates (to 0)
        for i in range(n):
            gone[i] = i
        ng = n
        scl = 1.0
        sig = dd[:0]
        Ou = Qu
        Ov = Qv
    else:
        K, ng = _deflate(dd, zz, Qu, Qv, tu, tv, n, k, keep, gone)
        dh = np.empty(K, dtype=F64)
        zh = np.empty(K, dtype=F64)
        for i in range(K):
            dh[i] = dd[keep[i]]
            zh[i] = zz[keep[i]]
        dh[0] = 0.0
        sig = np.empty(K, dtype=F64)
        eta = np.empty(K, dtype=F64)
        orig = np.empty(K, dtype=np.int64)
        work = np.empty(K, dtype=F64)
        secular_roots(dh, zh, K, sig, eta, orig, work, True)
        Uc = np.empty((K, K), dtype=F64)
        Vc = np.empty((K, K), dtype=F64)
        _arrow_vectors(dh, zh, sig, eta, orig, Uc, Vc)
        Ou = np.empty((K, n), dtype=F64)
        Ov = np.empty((K, nv), dtype=F64)
        _split_product(Uc, Qu, keep, tu, K, k + 1, Ou)
        _split_product(Vc, Qv, keep, tv, K, k + 1, Ov)
    _write_node(d, U, V, lo, n, nv, sig, Ou, Ov, dd, Qu, Qv, gone[:ng], scl)
    if sqre == 1:
        for c in range(nv):
            V[lo + n, lo + c] = Qv[n, c]


#: Bytes of the row panel that :func:`_split_product` and :func:`_apply_reflectors` keep in L2
#: while the other operand streams past it (half of a 1 MiB L2: the rest holds that operand's
#: strip and the output).
DC_PANEL_BYTES = 1 << 19


@out_of_line
@kernel
def _split_product(C, Q, keep, typ, K, split, out):
    """``out = C @ Q[keep[:K]]``, each half of the columns over the basis rows that reach it.

    Columns ``:split`` are the top child's, ``split:`` the bottom one's; a
    row of type 1 (3) is zero in the bottom (top) half, type 2 is dense
    (LAPACK ``dlasd3``'s grouping), so each half is one GEMM over its rows
    only: about half the flops of the dense product.  The rows of C are
    gathered a panel at a time (:data:`DC_PANEL_BYTES`), so that the panel
    stays in L2 while the basis rows stream past it.
    """
    nc = Q.shape[1]
    cols = np.empty(K, dtype=np.int64)
    for half in range(2):
        c0 = 0 if half == 0 else split
        c1 = split if half == 0 else nc
        w = c1 - c0
        if w == 0:
            continue
        skip = 3 if half == 0 else 1
        p = 0
        for i in range(K):
            if typ[keep[i]] != skip:
                cols[p] = i
                p += 1
        if p == 0:
            for a in range(K):
                for b in range(w):
                    out[a, c0 + b] = 0.0
            continue
        Qg = np.empty((p, w), dtype=F64)
        for q in range(p):
            row = Q[keep[cols[q]]]
            for b in range(w):
                Qg[q, b] = row[c0 + b]
        panel = max(8, DC_PANEL_BYTES // (8 * p))
        for a0 in range(0, K, panel):
            ar = min(panel, K - a0)
            Cg = np.empty((ar, p), dtype=F64)
            for a in range(ar):
                Ca = C[a0 + a]
                for q in range(p):
                    Cg[a, q] = Ca[cols[q]]
            T = np.empty((ar, w), dtype=F64)
            gemm_small(Cg, Qg, T)
            for a in range(ar):
                for b in range(w):
                    out[a0 + a, c0 + b] = T[a, b]


@kernel(inline="always")
def _write_node(d, U, V, lo, n, nv, sig, Ou, Ov, dd, Qu, Qv, gone, scl):
    """Store the roots (``sig``; Ou, Ov) and the deflated values (``dd[gone]``; Qu, Qv), descending."""
    K = sig.shape[0]
    ng = gone.shape[0]
    # the roots ascend, and so do the deflated values (found in ascending
    # order; the all-zero node's are all 0): merge the runs from their tops
    a = K - 1
    b = ng - 1
    for q in range(K + ng):
        if b < 0 or (a >= 0 and sig[a] >= dd[gone[b]]):
            s = a
            val = sig[a]
            a -= 1
        else:
            i = gone[b]
            s = -1 - i
            val = dd[i]
            b -= 1
        d[lo + q] = val * scl
        if s >= 0:
            for c in range(n):
                U[lo + q, lo + c] = Ou[s, c]
            for c in range(nv):
                V[lo + q, lo + c] = Ov[s, c]
        else:
            i = -1 - s
            for c in range(n):
                U[lo + q, lo + c] = Qu[i, c]
            for c in range(nv):
                V[lo + q, lo + c] = Qv[i, c]


@kernel
def reflector_rows(G, R, offset, by_columns):
    """Reflector j of a Householder reduction as the dense row ``R[j]``, for :func:`_apply_reflectors`.

    Zeros before column ``j + offset``, the unit head there, then ``v[1:]``
    from row j of G (``G[j, c]``) or, *by_columns*, from column j
    (``G[c, j]``), for ``c > j + offset``: where ``dgebrd`` / ``dsytrd``
    leave the vectors beside the diagonal (the bidiagonalisation's right
    reflectors by rows with offset 0, its left ones by columns with offset
    1; :func:`~jitla.kernels.eig_symmetric.sytd2_fused`'s by rows with
    offset 1).  R is ``(nref, c)``; G is read only.
    """
    for j in range(R.shape[0]):
        h = j + offset
        row = R[j]
        for c in range(h):
            row[c] = 0
        row[h] = 1
        for c in range(h + 1, R.shape[1]):
            row[c] = G[c, j] if by_columns else G[j, c]


#: Reflectors per block when :func:`_apply_reflectors` applies them (compact WY).
DC_REFLECTOR_BLOCK = 32


@kernel(inline="always")
def _wy_block(Vall, VTall, Tall, voff, toff, b, ib, w):
    """Block b's V (ib, w), V^T (w, ib) and T^T (ib, ib) for :func:`_apply_reflectors` (views)."""
    Vb = Vall[voff[b] : voff[b + 1]].reshape((ib, w))
    VbT = VTall[voff[b] : voff[b + 1]].reshape((w, ib))
    TT = Tall[toff[b] : toff[b + 1]].reshape((ib, ib))
    return Vb, VbT, TT


@out_of_line
@kernel
def _apply_reflectors(X, R, tau, nref, offset, nb):
    """``X := X H_{nref-1} ... H_0``, ``H_j = I - tau_j r_j r_j^T``, r_j row j of R, in blocks of nb.

    R (nref, c) holds the reflectors as dense rows (zeros before the unit
    head ``R[j, j + offset] = 1``).  A block ``H_{j0} ... H_{j1-1}`` is
    ``I - V T V^T`` (compact WY, Schreiber & Van Loan 1989; LAPACK
    ``dlarft``), so ``X := X - ((X V) T^T) V^T`` on the columns from
    ``j0 + offset`` on: two GEMMs and a small one (LAPACK ``dlarfb``, as
    ``dormbr`` applies the bidiagonalisation's factors).  Blocks from the
    last one back.  Each block's V, V^T and T^T are formed once; then the
    rows of X are taken a panel at a time (:data:`DC_PANEL_BYTES`),
    every block applied to the panel while it sits in L2, instead of
    every block streaming all of X (rows of X are independent).  Flops
    ``~4 r c nref``; workspace ``~2 nref c`` (the blocks) plus a panel.
    """
    r = X.shape[0]
    c = X.shape[1]
    nblk = (nref + nb - 1) // nb
    voff = np.empty(nblk + 1, dtype=np.int64)
    toff = np.empty(nblk + 1, dtype=np.int64)
    voff[0] = 0
    toff[0] = 0
    for b in range(nblk):
        ib = min(nb, nref - b * nb)
        voff[b + 1] = voff[b] + ib * (c - b * nb - offset)
        toff[b + 1] = toff[b] + ib * ib
    Vall = np.empty(max(voff[nblk], 1), dtype=X.dtype)
    VTall = np.empty(max(voff[nblk], 1), dtype=X.dtype)
    Tall = np.zeros(max(toff[nblk], 1), dtype=X.dtype)
    for b in range(nblk):
        j0 = b * nb
        ib = min(nb, nref - j0)
        s0 = j0 + offset
        w = c - s0
        Vb, VbT, TT = _wy_block(Vall, VTall, Tall, voff, toff, b, ib, w)
        for i in range(ib):
            for q in range(w):
                Vb[i, q] = R[j0 + i, s0 + q]
                VbT[q, i] = R[j0 + i, s0 + q]
        # T upper triangular: T[i, i] = tau_i, T[:i, i] = -tau_i T[:i, :i] (V[:, :i]^T v_i)
        Gm = np.empty((ib, ib), dtype=X.dtype)
        gemm_small(Vb, VbT, Gm)
        # T^T (zero on entry), built by rows (axpys, not dot chains)
        for i in range(ib):
            t = tau[j0 + i]
            Ti = TT[i]
            for q in range(i):
                gq = -t * Gm[q, i]
                Tq = TT[q]
                for p in range(q + 1):
                    Ti[p] += Tq[p] * gq
            Ti[i] = t
    panel = max(8, DC_PANEL_BYTES // (c * X.itemsize))
    for a0 in range(0, r, panel):
        ar = min(panel, r - a0)
        for b in range(nblk - 1, -1, -1):
            j0 = b * nb
            ib = min(nb, nref - j0)
            s0 = j0 + offset
            w = c - s0
            Vb, VbT, TT = _wy_block(Vall, VTall, Tall, voff, toff, b, ib, w)
            Xs = np.empty((ar, w), dtype=X.dtype)
            for a in range(ar):
                for q in range(w):
                    Xs[a, q] = X[a0 + a, s0 + q]
            W = np.empty((ar, ib), dtype=X.dtype)
            gemm_small(Xs, VbT, W)
            W2 = np.empty((ar, ib), dtype=X.dtype)
            gemm_small(W, TT, W2)
            gemm_small(W2, Vb, Xs)
            for a in range(ar):
                for q in range(w):
                    X[a0 + a, s0 + q] -= Xs[a, q]


@out_of_line
@kernel(driver=True)
def bidiagonal_dc(d, e, U, V):
    """SVD of the upper bidiagonal ``B = diag(d) + diag(e[:-1], 1)`` by divide and conquer.

    Parameters
    ----------
    d : (n,) float64 ndarray, overwritten
        On return the singular values, descending.
    e : (n,) float64 ndarray, overwritten
        ``e[:n-1]`` the superdiagonal (``e[n-1]`` is ignored); destroyed.
    U, V : (n, n) float64 ndarray, C-contiguous, overwritten
        ``B = U^T diag(d) V``: row j of U (V) is the j-th left (right)
        singular vector.

    Returns
    -------
    int
        0: the leaves are closed-form and the root finder's steps are
        bounded, so nothing can fail to converge (a status, as
        :func:`~jitla.kernels.svd_bidiag.bidiagonal_qr` returns, for the
        callers).

    Notes
    -----
    Gu & Eisenstat (1995); LAPACK ``dbdsdc``.  See the module notes.  The
    tree is built breadth-first and solved from its last node back, so
    that children come before their parent.  Flops: about ``8/3 n^3`` in
    the merges' GEMMs (the two halves' vectors, dense), ``O(n^2)`` per
    level for the roots, ``O(n)`` in the leaves.  Workspace ``O(n^2)``.
    """
    n = d.shape[0]
    if n == 0:
        return 0
    cap = 2 * n + 1
    nlo = np.empty(cap, dtype=np.int64)
    nn = np.empty(cap, dtype=np.int64)
    nsq = np.empty(cap, dtype=np.int64)
    nk = np.empty(cap, dtype=np.int64)
    nlo[0] = 0
    nn[0] = n
    nsq[0] = 0
    count = 1
    i = 0
    while i < count:
        if nn[i] > DC_LEAF:
            k = nn[i] // 2
            nk[i] = k
            nlo[count] = nlo[i]
            nn[count] = k
            nsq[count] = 1
            nlo[count + 1] = nlo[i] + k + 1
            nn[count + 1] = nn[i] - k - 1
            nsq[count + 1] = nsq[i]
            count += 2
        else:
            nk[i] = -1
        i += 1
    for i in range(count - 1, -1, -1):
        lo = nlo[i]
        sz = nn[i]
        sq = nsq[i]
        if nk[i] < 0:
            Ul = np.empty((sz, sz), dtype=F64)
            Vl = np.empty((sz + sq, sz + sq), dtype=F64)
            _leaf(d, e, lo, sz, sq, Ul, Vl)
            for r in range(sz):
                for c in range(sz):
                    U[lo + r, lo + c] = Ul[r, c]
            for r in range(sz + sq):
                for c in range(sz + sq):
                    V[lo + r, lo + c] = Vl[r, c]
        else:
            _merge(d, e, U, V, lo, sz, nk[i], sq)
    return 0


@register(
    "svd",
    "bidiagonal_dc",
    "Householder bidiagonalisation, both factors formed, divide-and-conquer bidiagonal SVD, two GEMMs",
    flops=_svd_dc_flops,
    example=_svd_bidiag_example,
)
@kernel(driver=True)
def svd_bidiagonal_dc(G, S, Ut, Vt, compute_uv, max_sweeps):
    """SVD of G (k x L, k <= L): ``G^T = Ut^T diag(S) Vt``, LAPACK ``dgesdd``'s route.

    Parameters
    ----------
    G : (k, L) ndarray, overwritten
    S : (k,) ndarray, overwritten
        The singular values, descending.
    Ut : (k, L) ndarray, overwritten
        Rows: left singular vectors of the tall form ``G^T``.
    Vt : (k, k) ndarray, overwritten
    compute_uv : bool
        If False, Ut and Vt are not touched (the values by the same route,
        the bidiagonal's vectors discarded; ``svdvals`` is the cheap route).
    max_sweeps : int
        Unused: the svd kernels' common signature (nothing here iterates
        to convergence).

    Returns
    -------
    status, sweeps : int
        Both 0 (:func:`bidiagonal_dc`).

    Notes
    -----
    As :func:`~jitla.kernels.svd_bidiag.svd_bidiagonal` up to the
    bidiagonal ``B^T`` (``G^T = Q_k B^T P^T``); then :func:`bidiagonal_dc`
    gives ``B^T = U_b^T diag(S) V_b``, and the vectors ``Ut = U_b Q_k^T``,
    ``Vt = V_b P^T`` come from applying the reflectors to ``U_b`` and
    ``V_b`` in blocks (:func:`_apply_reflectors`, LAPACK ``dormbr``)
    instead of forming Q and P (BLAS-2) and multiplying.  The bidiagonal
    SVD runs in float64 for float32 input too.  Flops: the reduction
    ``4 k^2 L - 4 k^3/3``, the reflectors ``4 k^2 L + 4 k^3``, the merges
    ``~2 k^3``;
    workspace ``O(k^2)``.
    """
    k = G.shape[0]
    tau_right = np.empty(max(k, 1), dtype=G.dtype)
    tau_left = np.empty(max(k, 1), dtype=G.dtype)
    e = np.zeros(max(k, 1), dtype=G.dtype)
    bidiagonalize(G, S, e, tau_right, tau_left)
    d64 = np.empty(k, dtype=F64)
    e64 = np.zeros(max(k, 1), dtype=F64)
    for i in range(k):
        d64[i] = S[i]
        e64[i] = e[i]
    # values only (which the API sends to svdvals instead) also take the D&C, its vectors
    # discarded: a second bidiagonal solver here would be compiled with every svd
    Ub = np.empty((k, k), dtype=F64)
    Vb = np.empty((k, k), dtype=F64)
    status = bidiagonal_dc(d64, e64[:k], Ub, Vb)
    if compute_uv:
        # Ut = U_b Q_k^T = [U_b 0] H_{k-1} ... H_0 and Vt = V_b P^T = V_b L_{k-2} ... L_0,
        # the reflectors applied blocked instead of forming Q and P
        L = G.shape[1]
        for i in range(k):
            for j in range(L):
                Ut[i, j] = Ub[i, j] if j < k else 0.0
            for j in range(k):
                Vt[i, j] = Vb[i, j]
        R = np.empty((k, L), dtype=G.dtype)
        reflector_rows(G, R, 0, False)
        _apply_reflectors(Ut, R, tau_right, k, 0, DC_REFLECTOR_BLOCK)
        if k > 2:
            Rl = np.empty((k - 1, k), dtype=G.dtype)
            reflector_rows(G, Rl, 1, True)
            _apply_reflectors(Vt, Rl, tau_left, k - 1, 1, DC_REFLECTOR_BLOCK)
    for i in range(k):
        S[i] = d64[i]
    return status, 0
