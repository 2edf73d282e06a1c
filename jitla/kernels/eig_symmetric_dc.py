"""Divide-and-conquer eigensolver of a symmetric tridiagonal matrix, and the ``eigh`` route built on it.

Cuppen, "A divide and conquer method for the symmetric tridiagonal
eigenproblem", Numer. Math. 36, 1981, made stable by Gu & Eisenstat, "A
divide-and-conquer algorithm for the symmetric tridiagonal eigenproblem",
SIAM J. Matrix Anal. Appl. 16(1), 1995.  LAPACK ``dstedc`` (``dlaed0`` tree,
``dlaed1``-``dlaed3`` merge, ``dlaed4`` roots, ``dsteqr`` leaves) is the
reference design, the code is jitla's own; the root finder, Löwner's
formula and the merges' product are shared with the bidiagonal SVD
(:mod:`jitla.kernels.secular`, :mod:`jitla.kernels.svd_dc`).

1. **Tree** (:func:`tridiagonal_dc`).  The tridiagonal T of order n
   (diagonal d, off-diagonal e) is split at ``k = n // 2``:
   ``T = diag(T1, T2) + rho u u^T`` with ``rho = |e_{k-1}|`` and ``u =
   e_{k-1} + sign(e_{k-1}) e_k``, so T1 is T's leading k x k block with
   ``d_{k-1} - rho`` in its corner and T2 the trailing block with ``d_k -
   rho`` (Cuppen's tearing, ``dlaed0``).  Pieces of at most *leaf* rows are
   solved by implicit QL (:func:`_leaf`: the QL of
   :func:`~jitla.kernels.eig_symmetric.steqr`, as ``dstedc`` uses
   ``dsteqr`` below ``SMLSIZ``).
2. **Merge** (:func:`_merge`).  With ``T1 = Q1 D1 Q1^T``, ``T2 = Q2 D2
   Q2^T``: ``T = Q (D + rho z z^T) Q^T``, ``Q = diag(Q1, Q2)``, ``z = Q^T u``
   = (the last row of Q1, ``sign(e_{k-1})`` times the first row of Q2);
   z is scaled to unit norm and rho by 2 (``dlaed2``).
   *Deflation* (``dlaed2``, :func:`_deflate`), with ``tol = 8 eps
   max(|d|, |z|)``: an entry with ``rho |z_i| <= tol`` leaves ``d_i`` and its
   basis vector as they are; for two neighbouring values a rotation that
   moves ``z_i`` onto ``z_j`` makes ``D`` non-diagonal by ``t c s`` (``t =
   d_j - d_i``), and where that is below tol it is dropped and one value
   leaves.  The remaining K values are the roots of the secular equation
   ``1 + rho sum z_i^2 / (d_i - x) = 0``, the vectors ``v_j ~ zhat_i / (d_i -
   x_j)`` with Löwner's ``zhat`` (Gu & Eisenstat, 1995, Sec. 3), and the
   node's vectors ``V^T Q^T``: a GEMM of the K x K vectors with the basis
   rows, one per half of the columns over the rows that reach it
   (:func:`~jitla.kernels.svd_dc._split_product`, ``dlaed3``'s grouping).

Storage: vectors are rows (``Zt = Z^T``), as everywhere in
:mod:`jitla.kernels.eig_symmetric`.  The whole solver runs in float64.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel, out_of_line
from jitla.kernels._layout import F64, insertion_sort_by_key
from jitla.kernels._registry import register
from jitla.kernels.eig_symmetric import sytd2_fused
from jitla.kernels.level1 import dot, rot
from jitla.kernels.secular import lowner_z, secular_roots
from jitla.kernels.svd_dc import DC_REFLECTOR_BLOCK, _apply_reflectors, _split_product, reflector_rows

__all__ = ["tridiagonal_dc", "back_transform", "eigh_tridiagonal_dc", "EIGH_DC_LEAF"]

#: Largest piece the tree solves by implicit QL (LAPACK's SMLSIZ is 25).
EIGH_DC_LEAF = 25


def _eigh_dc_flops(n):
    """Nominal flops: reduction ``4n^3/3``, merges ``~4n^3/3`` (no deflation), reflectors ``2n^3``."""
    return 4.0 * n**3 / 3.0 + 4.0 * n**3 / 3.0 + 2.0 * n**3


@kernel
def _leaf(d, e, Zt, lo, n):
    """Solve the leaf of rows ``lo..lo+n-1`` by implicit QL into ``d`` and the diagonal block of Zt.

    :func:`~jitla.kernels.eig_symmetric.steqr`'s QL (Wilkinson's shift, its
    deflation test ``|e_m| <= eps sqrt|d_m| sqrt|d_m+1| + tiny``, the
    ``tql2``/``dsteqr`` recurrence, the bulge's underflow recovery),
    written again in one loop nest for blocks of at most a leaf's order:
    each rotation is applied to the block's rows as the bulge is chased
    (steqr stores a sweep's rotations and applies them two at a time to
    rows of any length), then a selection sort.  Not linking steqr and its
    three helpers keeps the first ``eigh``'s compilation smaller (devlog
    079).  Float64 only.  Returns 0, or the
    number of off-diagonal entries left unconverged after ``30 n`` QL steps.
    """
    eps = 2.220446049250313e-16
    tiny = 2.2250738585072014e-308
    dl = np.empty(n, dtype=F64)
    el = np.empty(n, dtype=F64)
    Z = np.empty((n, n), dtype=F64)
    for i in range(n):
        dl[i] = d[lo + i]
        el[i] = e[lo + i] if i < n - 1 else 0.0
        for c in range(n):
            Z[i, c] = 0.0
        Z[i, i] = 1.0
    budget = 30 * n
    status = 0
    for l in range(n):
        while True:
            m = l
            while m < n - 1:
                if abs(el[m]) <= eps * (math.sqrt(abs(dl[m])) * math.sqrt(abs(dl[m + 1]))) + tiny:
                    el[m] = 0.0
                    break
                m += 1
            if m == l:
                break
            if budget == 0:
                for i in range(n - 1):
                    if el[i] != 0.0:
                        status += 1
                break
            budget -= 1
            g = (dl[l + 1] - dl[l]) / (2.0 * el[l])
            g = dl[m] - dl[l] + el[l] / (g + math.copysign(math.hypot(g, 1.0), g))
            s = 1.0
            c = 1.0
            p = 0.0
            i = m - 1
            underflow = False
            while i >= l:
                f = s * el[i]
                b = c * el[i]
                a = max(abs(f), abs(g))
                r = math.sqrt(f * f + g * g) if 1e-150 < a < 1e150 else math.hypot(f, g)
                el[i + 1] = r
                if r == 0.0:  # the bulge vanished: recover, deflate, and restart
                    dl[i + 1] -= p
                    el[m] = 0.0
                    underflow = True
                    break
                s = f / r
                c = g / r
                g = dl[i + 1] - p
                r = (dl[i] - g) * s + 2.0 * c * b
                p = s * r
                dl[i + 1] = g + p
                g = c * r - b
                zi = Z[i]
                zj = Z[i + 1]
                for q in range(n):
                    fq = zj[q]
                    gq = zi[q]
                    zj[q] = s * gq + c * fq
                    zi[q] = c * gq - s * fq
                i -= 1
            if underflow:
                continue
            dl[l] -= p
            el[l] = g
            el[m] = 0.0
        if status != 0:
            break
    for i in range(n):
        k = i
        for j in range(i + 1, n):
            if dl[j] < dl[k]:
                k = j
        d[lo + i] = dl[k]
        dl[k] = dl[i]
        zk = Z[k]
        zi = Z[i]
        for c in range(n):
            t = zk[c]
            Zt[lo + i, lo + c] = t
            zk[c] = zi[c]
    return status


@kernel
def _deflate(dd, z, rho, Q, typ, n, k, keep, gone):
    """Deflation of ``D + rho z z^T`` (module notes, step 2; LAPACK ``dlaed2``); returns ``(K, ng)``.

    ``dd[:k]`` and ``dd[k:]`` are the children's values, each ascending.
    On return ``keep[:K]`` lists the non-deflated indices by ascending
    value, ``gone[:ng]`` the deflated ones, ascending too; the rotations of
    close pairs are applied to dd, z and the basis rows Q, and the rows'
    supports merged in typ (1: columns ``:k`` only, 3: ``k:`` only, 2: both).
    """
    # ascending order of dd: merge the two ascending runs
    perm = np.empty(n, dtype=np.int64)
    a = 0
    b = k
    for p in range(n):
        if b >= n or (a < k and dd[a] <= dd[b]):
            perm[p] = a
            a += 1
        else:
            perm[p] = b
            b += 1
    big = 0.0
    for i in range(n):
        big = max(big, abs(dd[i]))
        big = max(big, abs(z[i]))
    tol = 8.0 * 2.220446049250313e-16 * big  # float64's machine epsilon
    K = 0
    ng = 0
    prev = -1
    for p in range(n):
        i = perm[p]
        if rho * abs(z[i]) <= tol:
            gone[ng] = i
            ng += 1
            continue
        if prev >= 0:
            # rotate z[prev] onto z[i]: D gains the off-diagonal t c s, dropped if below tol
            r = math.hypot(z[prev], z[i])
            c = z[i] / r
            s = z[prev] / r
            t = dd[i] - dd[prev]
            if abs(t * c * s) <= tol:
                z[i] = r
                z[prev] = 0.0
                rot(Q[i], Q[prev], c, s)
                dp = dd[prev] * c * c + dd[i] * s * s
                dd[i] = dd[prev] * s * s + dd[i] * c * c
                dd[prev] = dp
                if typ[i] != typ[prev]:
                    typ[i] = 2
                gone[ng] = prev
                ng += 1
                prev = i
                continue
            keep[K] = prev
            K += 1
        prev = i
    if prev >= 0:
        keep[K] = prev
        K += 1
    # the deflated values ascending (a rotated pair can leave them out of order by up to tol)
    insertion_sort_by_key(gone[:ng], dd)
    return K, ng


@kernel
def _rank_one_vectors(dh, zh, sig, eta, orig, Vc):
    """Unit eigenvectors (rows of Vc, K x K) of ``diag(dh) + zh zh^T`` from its roots, through Löwner's z.

    ``v_j[i] = zhat_i / (dh_i - x_j)``, normalised; the differences
    :func:`~jitla.kernels.secular.lowner_z` leaves in Vc are overwritten by
    the vectors in place (one K x K array, not two).
    """
    K = dh.shape[0]
    zhat = np.empty(K, dtype=F64)
    lowner_z(dh, zh, sig, eta, orig, False, Vc, zhat)
    for j in range(K):
        vr = Vc[j]
        for i in range(K):
            vr[i] = zhat[i] / -vr[i]
        sv = 1.0 / math.sqrt(dot(vr, vr))
        for i in range(K):
            vr[i] *= sv


@kernel
def _write_node(d, Zt, lo, n, sig, Out, dd, Q, gone):
    """Store the roots (``sig``; rows of Out) and the deflated values (``dd[gone]``; rows of Q), ascending."""
    K = sig.shape[0]
    ng = gone.shape[0]
    a = 0
    b = 0
    for q in range(K + ng):
        if b >= ng or (a < K and sig[a] <= dd[gone[b]]):
            d[lo + q] = sig[a]
            src = Out[a]
            a += 1
        else:
            d[lo + q] = dd[gone[b]]
            src = Q[gone[b]]
            b += 1
        for c in range(n):
            Zt[lo + q, lo + c] = src[c]


@out_of_line
@kernel(driver=True)
def _merge(d, e, Zt, lo, n, k):
    """Merge the solved children of node ``lo..lo+n-1`` split at ``lo+k`` (module notes, step 2).

    Reads the children's values from ``d`` and vectors from the diagonal
    blocks of Zt (rows); ``e[lo+k-1]`` is the entry that was torn.  Writes
    the node's values (ascending) and vectors in the same places.  A driver:
    its steps are out-of-line kernels.
    """
    beta = e[lo + k - 1]
    rho = 2.0 * abs(beta)  # z below has norm 1: u / sqrt(2)
    sgn = 1.0 if beta >= 0.0 else -1.0
    half = math.sqrt(0.5)
    Q = np.empty((n, n), dtype=F64)
    dd = np.empty(n, dtype=F64)
    z = np.empty(n, dtype=F64)
    typ = np.empty(n, dtype=np.int64)
    for j in range(n):
        row = Zt[lo + j]
        dd[j] = d[lo + j]
        if j < k:
            for c in range(k):
                Q[j, c] = row[lo + c]
            for c in range(k, n):
                Q[j, c] = 0.0
            z[j] = half * row[lo + k - 1]
            typ[j] = 1
        else:
            for c in range(k):
                Q[j, c] = 0.0
            for c in range(k, n):
                Q[j, c] = row[lo + c]
            z[j] = sgn * half * row[lo + k]
            typ[j] = 3
    keep = np.empty(n, dtype=np.int64)
    gone = np.empty(n, dtype=np.int64)
    K, ng = _deflate(dd, z, rho, Q, typ, n, k, keep, gone)
    dh = np.empty(K, dtype=F64)
    zh = np.empty(K, dtype=F64)
    sr = math.sqrt(rho)
    for i in range(K):
        dh[i] = dd[keep[i]]
        zh[i] = sr * z[keep[i]]
    sig = np.empty(K, dtype=F64)
    Out = np.empty((K, n), dtype=F64)
    if K > 0:
        eta = np.empty(K, dtype=F64)
        orig = np.empty(K, dtype=np.int64)
        work = np.empty(K, dtype=F64)
        secular_roots(dh, zh, K, sig, eta, orig, work, False)
        Vc = np.empty((K, K), dtype=F64)
        _rank_one_vectors(dh, zh, sig, eta, orig, Vc)
        _split_product(Vc, Q, keep, typ, K, k, Out)
    _write_node(d, Zt, lo, n, sig, Out, dd, Q, gone[:ng])


@kernel(driver=True)
def tridiagonal_dc(d, e, Zt, leaf):
    """Eigenvalues and vectors of the symmetric tridiagonal T (d, e) by divide and conquer.

    Parameters
    ----------
    d : (n,) float64 ndarray, overwritten
        Diagonal; on return the eigenvalues, ascending.
    e : (n,) float64 ndarray
        ``e[:n-1]`` the off-diagonal (``e[n-1]`` ignored); read only.
    Zt : (n, n) float64 ndarray, C-contiguous, out
        Row i is the unit eigenvector of ``d[i]``: ``T = Zt^T diag(d) Zt``.
    leaf : int
        Pieces of at most this order (at least 1) are solved by implicit QL.

    Returns
    -------
    int
        0, or the first non-zero status of a leaf's
        QL (:func:`_leaf`: its QL did not converge).

    Notes
    -----
    Cuppen (1981), Gu & Eisenstat (1995); LAPACK ``dstedc`` / ``dlaed0``.
    See the module notes.  The tree is built breadth-first, tearing each
    node as it is split, and solved from its last node back, so that
    children come before their parent.  Flops: about ``4n^3/3`` in the
    merges' GEMMs when little deflates (``n^3`` at the root), ``O(K^2)``
    per merge for the roots, ``~6 leaf^2 n`` in the leaves.  Workspace
    ``O(n^2)``.
    """
    n = d.shape[0]
    for i in range(n):
        for c in range(n):
            Zt[i, c] = 0.0
    if n == 0:
        return 0
    cap = 2 * n + 1
    nlo = np.empty(cap, dtype=np.int64)
    nn = np.empty(cap, dtype=np.int64)
    nk = np.empty(cap, dtype=np.int64)
    nlo[0] = 0
    nn[0] = n
    count = 1
    i = 0
    while i < count:
        if nn[i] > max(leaf, 1):
            k = nn[i] // 2
            nk[i] = k
            # Cuppen's tearing: T = diag(T1, T2) + |beta| u u^T
            rho = abs(e[nlo[i] + k - 1])
            d[nlo[i] + k - 1] -= rho
            d[nlo[i] + k] -= rho
            nlo[count] = nlo[i]
            nn[count] = k
            nlo[count + 1] = nlo[i] + k
            nn[count + 1] = nn[i] - k
            count += 2
        else:
            nk[i] = -1
        i += 1
    status = 0
    for i in range(count - 1, -1, -1):
        if nk[i] < 0:
            s = _leaf(d, e, Zt, nlo[i], nn[i])
            if s != 0 and status == 0:
                status = s
        else:
            _merge(d, e, Zt, nlo[i], nn[i], nk[i])
    return status


@kernel(driver=True)
def back_transform(A, tau, Vt):
    """``Vt := Vt Q^T`` for the reduction ``Q^T A Q = T`` of :func:`~jitla.kernels.eig_symmetric.sytd2_fused`.

    Parameters
    ----------
    A : (n, n) ndarray
        The reduction's output: reflector j's vector ``v[1:]`` in
        ``A[j, j+2:]`` (its head, 1, at column ``j + 1``); read only.
    tau : (n - 1,) ndarray
        The reflectors' scalars.
    Vt : (r, n) ndarray, C-contiguous, overwritten
        Rows of T's eigenvectors on entry, of A's on return.

    Notes
    -----
    LAPACK ``dormtr``: ``Q^T = H_{n-2} ... H_0``, applied in blocks of
    :data:`~jitla.kernels.svd_dc.DC_REFLECTOR_BLOCK` reflectors, two GEMMs
    each (:func:`~jitla.kernels.svd_dc._apply_reflectors`, compact WY).
    A driver, and ``_apply_reflectors`` is called out of line: the same C
    entry as the divide-and-conquer SVD's, so a process that ran ``svd``
    compiles only this call here (devlog 088).  Flops ``~2 r n^2``;
    workspace ``n^2`` (the dense reflector rows) plus the blocks'.
    """
    n = A.shape[0]
    if n > 2:
        R = np.empty((n - 1, n), dtype=A.dtype)
        reflector_rows(A, R, 1, False)  # reflector j: head at column j + 1, v[1:] in A[j, j+2:]
        _apply_reflectors(Vt, R, tau, n - 1, 1, DC_REFLECTOR_BLOCK)


@register(
    "eigh",
    "dc",
    "Householder tridiagonalisation, divide-and-conquer tridiagonal eigensolver, reflectors applied blocked",
    flops=_eigh_dc_flops,
    example=lambda dtype: _dc_example(dtype),
)
@kernel(driver=True)
def eigh_tridiagonal_dc(A, w, Vt):
    """Eigen-decomposition of a symmetric matrix: tridiagonalisation, divide and conquer (``dsyevd``).

    Parameters
    ----------
    A : (n, n) ndarray, overwritten
        Only the upper triangle is read.
    w : (n,) ndarray, out
        Eigenvalues, ascending.
    Vt : (n, n) ndarray, out
        Row i is the unit eigenvector of ``w[i]``.

    Returns
    -------
    int
        :func:`tridiagonal_dc`'s status.

    Notes
    -----
    LAPACK ``dsyevd``'s algorithm: ``Q^T A Q = T``
    (:func:`~jitla.kernels.eig_symmetric.sytd2_fused`), ``T = Z^T diag(w) Z``
    by :func:`tridiagonal_dc` (in float64, whatever A's dtype), then ``Vt =
    Z Q^T = Z H_{n-2} ... H_0`` with the reflectors applied in blocks, two
    GEMMs each (:func:`~jitla.kernels.svd_dc._apply_reflectors`,
    ``dormtr``), instead of forming Q.  The API calls these steps itself
    (``jitla.linalg._eig``), so that each is compiled once rather than
    again inside this driver.  Flops ``~4n^3/3`` (reduction) ``+ 4n^3/3``
    (merges, little deflation) ``+ 2n^3`` (reflectors); workspace
    ``O(n^2)``.
    """
    n = A.shape[0]
    e = np.zeros(max(n, 1), dtype=A.dtype)
    tau = np.empty(max(n - 1, 1), dtype=A.dtype)
    sytd2_fused(A, w, e, tau)
    d64 = np.empty(n, dtype=F64)
    e64 = np.zeros(max(n, 1), dtype=F64)
    for i in range(n):
        d64[i] = w[i]
        e64[i] = e[i]
    Z = np.empty((n, n), dtype=F64)
    status = tridiagonal_dc(d64, e64[:n], Z, EIGH_DC_LEAF)
    for i in range(n):
        w[i] = d64[i]
        for c in range(n):
            Vt[i, c] = Z[i, c]
    back_transform(A, tau, Vt)
    return status


def _dc_example(dtype):
    A = (np.arange(25.0).reshape(5, 5) % 7).astype(dtype)
    A = A + A.T
    return A, np.empty(5, dtype), np.empty((5, 5), dtype)
