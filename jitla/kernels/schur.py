"""The Schur form after the QR iteration: reordering, and real -> complex.

The real Schur form ``A = Z T Z^T`` comes from :mod:`jitla.kernels.eig_general`
(``gehd2``, ``form_qt_gehd2``, ``lahqr``); this module works on it:

1. :func:`swap_blocks` -- exchange two adjacent diagonal blocks (1 x 1 or
   2 x 2) of a real quasi-triangular T by an orthogonal similarity, LAPACK
   ``dlaexc`` (Bai & Demmel, "On swapping diagonal blocks in real Schur
   form", Linear Algebra Appl. 186 (1993) 73-95): a Givens rotation for two
   1 x 1 blocks, otherwise the Sylvester equation ``T11 X - X T22 = T12``
   and the Householder QR of ``[-X; I]``, with the stability test that
   rejects a swap whose result is far from block upper triangular.
2. :func:`reorder_real` -- move the selected blocks to the top left, in
   order, by repeated adjacent swaps (``dtrsen`` / ``dtrexc``).
3. :func:`rsf2csf` -- the real quasi-triangular T to a complex upper
   triangular one by a unitary similarity: a complex Givens rotation per
   2 x 2 block, from the bottom up (scipy's ``rsf2csf``; Golub & Van Loan,
   4th ed., Sec. 7.4.1).
4. :func:`reorder_complex` -- ``ztrexc``: move selected diagonal entries of a
   complex triangular T to the top, one complex Givens swap at a time.

Storage: the Schur vectors are kept as ``Zt = Z^T`` (rows), as in
``eig_general``, so a rotation of two columns of Z is a rotation of two
contiguous rows.  No checks are made on the inputs.
"""

from __future__ import annotations

import cmath
import math

import numpy as np

from jitla._jit import kernel
from jitla.kernels.eig_general import lanv2
from jitla.kernels.level1 import givens, rot
from jitla.kernels.qr_householder import householder

__all__ = ["swap_blocks", "reorder_real", "rsf2csf", "reorder_complex", "block_sizes"]

#: ``dlaexc``'s threshold factor: a swap is rejected when the entries it
#: should have zeroed exceed ``10 eps ||D||_max``.
SWAP_THRESHOLD = 10.0


# --------------------------------------------------------------------------
# small dense helpers on the (at most 4 x 4) block D being swapped
# --------------------------------------------------------------------------
@kernel
def _sylvester_small(T11, T22, T12, X):
    """Solve ``T11 X - X T22 = s T12`` for X (n1 x n2, n1, n2 <= 2); return s.

    The Kronecker form ``(I kron T11 - T22^T kron I) vec X = vec T12`` (at
    most 4 x 4) by Gaussian elimination with complete pivoting, as LAPACK
    ``dlasy2``; a pivot below ``smin = max(eps max|.|, tiny)`` is replaced
    by smin (the eigenvalues of T11 and T22 are then too close for the swap
    to be stable, which :func:`swap_blocks`'s test detects afterwards).  The
    scale s is 1 unless the right-hand side had to be scaled down to avoid
    overflow (never with the bounded entries of a standardised Schur form).
    """
    n1 = T11.shape[0]
    n2 = T22.shape[0]
    m = n1 * n2
    K = np.zeros((4, 4))
    rhs = np.zeros(4)
    # vec by columns: index of X[i, j] is i + j n1
    for j in range(n2):
        for i in range(n1):
            r = i + j * n1
            rhs[r] = T12[i, j]
            for k in range(n1):
                K[r, k + j * n1] += T11[i, k]
            for k in range(n2):
                K[r, i + k * n1] -= T22[k, j]
    amax = 0.0
    for i in range(m):
        for j in range(m):
            amax = max(amax, abs(K[i, j]))
    smin = max(np.finfo(np.float64).eps * amax, np.finfo(np.float64).tiny)
    colp = np.arange(4)
    for k in range(m):
        # complete pivoting: the largest |K[i, j]| in the trailing block
        ip = k
        jp = k
        big = -1.0
        for i in range(k, m):
            for j in range(k, m):
                if abs(K[i, j]) > big:
                    big = abs(K[i, j])
                    ip = i
                    jp = j
        if ip != k:
            for j in range(m):
                t = K[k, j]
                K[k, j] = K[ip, j]
                K[ip, j] = t
            t = rhs[k]
            rhs[k] = rhs[ip]
            rhs[ip] = t
        if jp != k:
            for i in range(m):
                t = K[i, k]
                K[i, k] = K[i, jp]
                K[i, jp] = t
            t2 = colp[k]
            colp[k] = colp[jp]
            colp[jp] = t2
        if abs(K[k, k]) < smin:
            K[k, k] = smin
        for i in range(k + 1, m):
            f = K[i, k] / K[k, k]
            for j in range(k + 1, m):
                K[i, j] -= f * K[k, j]
            rhs[i] -= f * rhs[k]
    y = np.zeros(4)
    for k in range(m - 1, -1, -1):
        s = rhs[k]
        for j in range(k + 1, m):
            s -= K[k, j] * y[j]
        y[k] = s / K[k, k]
    for k in range(m):
        r = colp[k]
        X[r % n1, r // n1] = y[k]
    return 1.0


@kernel
def _reflect_rows(M, r0, c0, c1, v, tau):
    """``M[r0:r0+3, c0:c1] <- (I - tau v v^T) M[r0:r0+3, c0:c1]`` (``dlarfx('L')``, order 3)."""
    for j in range(c0, c1):
        s = M[r0, j] * v[0] + M[r0 + 1, j] * v[1] + M[r0 + 2, j] * v[2]
        s *= tau
        M[r0, j] -= s * v[0]
        M[r0 + 1, j] -= s * v[1]
        M[r0 + 2, j] -= s * v[2]


@kernel
def _reflect_cols(M, r0, r1, c0, v, tau):
    """``M[r0:r1, c0:c0+3] <- M[r0:r1, c0:c0+3] (I - tau v v^T)`` (``dlarfx('R')``, order 3)."""
    for i in range(r0, r1):
        s = M[i, c0] * v[0] + M[i, c0 + 1] * v[1] + M[i, c0 + 2] * v[2]
        s *= tau
        M[i, c0] -= s * v[0]
        M[i, c0 + 1] -= s * v[1]
        M[i, c0 + 2] -= s * v[2]


@kernel
def _reflector3(x0, x1, x2, v):
    """v (3,) <- the reflector of ``(x0, x1, x2)`` onto ``e_0``, ``v[0] = 1``; return tau."""
    v[0] = x0
    v[1] = x1
    v[2] = x2
    _, tau = householder(v)
    v[0] = 1.0
    return tau


@kernel
def _standardise(T, Zt, j):
    """Put the 2 x 2 block at rows ``j, j+1`` of T in standard form (:func:`lanv2`), updating T and Zt."""
    n = T.shape[0]
    a, b, c, d, _, _, _, _, cs, sn = lanv2(T[j, j], T[j, j + 1], T[j + 1, j], T[j + 1, j + 1])
    T[j, j] = a
    T[j, j + 1] = b
    T[j + 1, j] = c
    T[j + 1, j + 1] = d
    if j + 2 < n:
        rot(T[j, j + 2 :], T[j + 1, j + 2 :], cs, sn)
    for r in range(j):
        x = T[r, j]
        y = T[r, j + 1]
        T[r, j] = cs * x + sn * y
        T[r, j + 1] = cs * y - sn * x
    rot(Zt[j], Zt[j + 1], cs, sn)


# --------------------------------------------------------------------------
# 1. swap two adjacent blocks
# --------------------------------------------------------------------------
@kernel
def swap_blocks(T, Zt, j1, n1, n2):
    """Swap the adjacent diagonal blocks ``T11`` (n1 x n1 at j1) and ``T22`` (n2 x n2 below it).

    Parameters
    ----------
    T : (n, n) float64 ndarray, overwritten
        Upper quasi-triangular, 2 x 2 blocks in standard form.
    Zt : (n, n) float64 ndarray, overwritten
        ``Z^T``; its rows ``j1 .. j1+n1+n2-1`` are transformed alongside.
    j1, n1, n2 : int
        n1, n2 in {1, 2}.

    Returns
    -------
    int
        0, or 1 if the swap was rejected because the eigenvalues of the
        two blocks are too close (T and Zt are then unchanged).

    Notes
    -----
    LAPACK ``dlaexc`` (Bai & Demmel 1993), 0-based.  Two 1 x 1 blocks: the
    Givens rotation that maps ``(t12, t22 - t11)`` onto ``(r, 0)``.
    Otherwise X from ``T11 X - X T22 = T12`` (:func:`_sylvester_small`)
    and one or two 3 x 3 Householder reflectors built from ``[-X; I]``,
    applied first to a copy D of the ``nd x nd`` block: when the entries
    that should vanish exceed ``10 eps max|D|`` the swap is rejected,
    else the reflectors are applied to T and Zt and each 2 x 2 block is
    re-standardised.  Flops O(n).
    """
    n = T.shape[0]
    j2 = j1 + 1
    if n1 == 1 and n2 == 1:
        t11 = T[j1, j1]
        t22 = T[j2, j2]
        cs, sn, _ = givens(T[j1, j2], t22 - t11)
        if j2 + 1 < n:
            rot(T[j1, j2 + 1 :], T[j2, j2 + 1 :], cs, sn)
        for r in range(j1):
            x = T[r, j1]
            y = T[r, j2]
            T[r, j1] = cs * x + sn * y
            T[r, j2] = cs * y - sn * x
        T[j1, j1] = t22
        T[j2, j2] = t11
        rot(Zt[j1], Zt[j2], cs, sn)
        return 0
    nd = n1 + n2
    D = np.empty((4, 4))
    dnorm = 0.0
    for i in range(nd):
        for j in range(nd):
            D[i, j] = T[j1 + i, j1 + j]
            dnorm = max(dnorm, abs(D[i, j]))
    eps = np.finfo(np.float64).eps
    thresh = max(SWAP_THRESHOLD * eps * dnorm, np.finfo(np.float64).tiny / eps)
    X = np.zeros((2, 2))
    scale = _sylvester_small(D[:n1, :n1], D[n1:nd, n1:nd], D[:n1, n1:nd], X)
    u = np.empty(3)
    u2 = np.empty(3)
    j3 = j1 + 2
    if n1 == 1:  # n2 == 2: reflector of (scale, X11, X12) onto e_2
        # the reflector is built on the reversed vector (onto e_0), then reversed back
        tau = _reflector3(X[0, 1], X[0, 0], scale, u)
        v = np.empty(3)
        v[0] = u[2]
        v[1] = u[1]
        v[2] = u[0]
        t11 = T[j1, j1]
        _reflect_rows(D, 0, 0, 3, v, tau)
        _reflect_cols(D, 0, 3, 0, v, tau)
        ws = max(abs(D[2, 0]), abs(D[2, 1]), abs(D[2, 2] - t11))
        if ws > thresh:
            return 1
        _reflect_rows(T, j1, j1, n, v, tau)
        _reflect_cols(T, 0, j2 + 1, j1, v, tau)
        T[j3, j1] = 0
        T[j3, j2] = 0
        T[j3, j3] = t11
        _reflect_rows(Zt, j1, 0, n, v, tau)
    elif n2 == 1:  # n1 == 2: reflector of (-X11, -X21, scale) onto e_0
        tau = _reflector3(-X[0, 0], -X[1, 0], scale, u)
        t33 = T[j3, j3]
        _reflect_rows(D, 0, 0, 3, u, tau)
        _reflect_cols(D, 0, 3, 0, u, tau)
        ws = max(abs(D[1, 0]), abs(D[2, 0]), abs(D[0, 0] - t33))
        if ws > thresh:
            return 1
        _reflect_cols(T, 0, j3 + 1, j1, u, tau)
        _reflect_rows(T, j1, j2, n, u, tau)
        T[j1, j1] = t33
        T[j2, j1] = 0
        T[j3, j1] = 0
        _reflect_rows(Zt, j1, 0, n, u, tau)
    else:  # two 2 x 2 blocks: two reflectors
        tau1 = _reflector3(-X[0, 0], -X[1, 0], scale, u)
        temp = -tau1 * (X[0, 1] + u[1] * X[1, 1])
        tau2 = _reflector3(-temp * u[1] - X[1, 1], -temp * u[2], scale, u2)
        _reflect_rows(D, 0, 0, 4, u, tau1)
        _reflect_cols(D, 0, 4, 0, u, tau1)
        _reflect_rows(D, 1, 0, 4, u2, tau2)
        _reflect_cols(D, 0, 4, 1, u2, tau2)
        ws = max(abs(D[2, 0]), abs(D[2, 1]), abs(D[3, 0]), abs(D[3, 1]))
        if ws > thresh:
            return 1
        j4 = j1 + 3
        _reflect_rows(T, j1, j1, n, u, tau1)
        _reflect_cols(T, 0, j4 + 1, j1, u, tau1)
        _reflect_rows(T, j2, j1, n, u2, tau2)
        _reflect_cols(T, 0, j4 + 1, j2, u2, tau2)
        T[j3, j1] = 0
        T[j3, j2] = 0
        T[j4, j1] = 0
        T[j4, j2] = 0
        _reflect_rows(Zt, j1, 0, n, u, tau1)
        _reflect_rows(Zt, j2, 0, n, u2, tau2)
    if n2 == 2:
        _standardise(T, Zt, j1)
    if n1 == 2:
        _standardise(T, Zt, j1 + n2)
    return 0


@kernel
def block_sizes(T, sizes):
    """``sizes[k]`` = 2 where a 2 x 2 block starts at row k, 1 for a 1 x 1 block, 0 inside a block."""
    n = T.shape[0]
    k = 0
    while k < n:
        if k + 1 < n and T[k + 1, k] != 0:
            sizes[k] = 2
            sizes[k + 1] = 0
            k += 2
        else:
            sizes[k] = 1
            k += 1


# --------------------------------------------------------------------------
# 2. reorder
# --------------------------------------------------------------------------
@kernel
def reorder_real(T, Zt, select):
    """Move the selected eigenvalue blocks of T to the top left, keeping their order.

    Parameters
    ----------
    T, Zt : (n, n) float64 ndarray, overwritten
        Real Schur form and ``Z^T``.
    select : (n,) bool ndarray
        A 2 x 2 block is selected when either of its two rows is.

    Returns
    -------
    status, m : int
        status 0, or 1 when a swap was rejected (:func:`swap_blocks`); m
        the order of the leading block that now holds the selected
        eigenvalues.

    Notes
    -----
    ``dtrsen``'s loop with ``dtrexc`` moving each selected block up: the
    blocks are visited from the top; each selected one is bubbled up,
    swapped with the block above it (whose size is read from the
    subdiagonal each time), until it sits just below the ones already
    gathered.  Flops O(n) per swap, O(n^3) at worst.
    """
    n = T.shape[0]
    ks = 0
    k = 0
    while k < n:
        nb = 2 if (k + 1 < n and T[k + 1, k] != 0) else 1
        chosen = select[k] or (nb == 2 and select[k + 1])
        if chosen:
            here = k
            while here > ks:
                # the block just above row `here`
                if here >= 2 and T[here - 1, here - 2] != 0:
                    nbnext = 2
                else:
                    nbnext = 1
                status = swap_blocks(T, Zt, here - nbnext, nbnext, nb)
                if status != 0:
                    return 1, ks
                here -= nbnext
            ks += nb
        k += nb
    return 0, ks


# --------------------------------------------------------------------------
# 3. real Schur form -> complex Schur form
# --------------------------------------------------------------------------
@kernel
def rsf2csf(T, Zt):
    """Make the complex copy T of a real Schur form upper triangular, updating ``Zt = Z^T``.

    Parameters
    ----------
    T : (n, n) complex128 ndarray, overwritten
        Real quasi-triangular values on entry; upper triangular on return.
    Zt : (n, n) complex128 ndarray, overwritten
        ``Z^T``: on return ``Z_new^T`` with ``Z_new T_new Z_new^H = Z T Z^H``.

    Returns
    -------
    int
        0.

    Notes
    -----
    scipy's ``rsf2csf`` (Golub & Van Loan, 4th ed., Sec. 7.4.1), from the
    bottom row up: where ``|t_{m,m-1}| > eps (|t_{m-1,m-1}| + |t_mm|)``,
    with ``mu`` an eigenvalue of the 2 x 2 block minus ``t_mm``, ``r =
    ||(mu, t_{m,m-1})||``, ``c = mu / r``, ``s = t_{m,m-1} / r``, the unitary
    ``G = [[conj(c), s], [-s, c]]`` is applied as ``T <- G T G^H`` (rows
    ``m-1, m`` from column ``m-1`` on, columns ``m-1, m`` down to row m)
    and ``Z <- Z G^H`` (rows of Zt: ``Zt <- conj(G) Zt``); then
    ``t_{m,m-1} = 0``.  The eigenvalue is the same root numpy's ``eigvals``
    of the 2 x 2 block lists first (``dlanv2``'s ``+i`` one for the
    standardised blocks of :func:`~jitla.kernels.eig_general.lahqr`).
    Flops about ``24 n`` per 2 x 2 block.
    """
    n = T.shape[0]
    eps = np.finfo(np.float64).eps
    for m in range(n - 1, 0, -1):
        h = T[m, m - 1]
        if abs(h) > eps * (abs(T[m - 1, m - 1]) + abs(T[m, m])):
            a = T[m - 1, m - 1]
            b = T[m - 1, m]
            d = T[m, m]
            # eigenvalues of [[a, b], [h, d]]: tr/2 +- sqrt(disc); the one with + imaginary part
            half = (a - d) / 2
            disc = cmath.sqrt(half * half + b * h)
            lam = (a + d) / 2 + disc
            if lam.imag < 0:
                lam = (a + d) / 2 - disc
            mu = lam - d
            r = math.sqrt(abs(mu) ** 2 + abs(h) ** 2)
            c = mu / r
            s = h / r
            cc = np.conj(c)
            # rows m-1, m: T <- G T
            for j in range(m - 1, n):
                x = T[m - 1, j]
                y = T[m, j]
                T[m - 1, j] = cc * x + s * y
                T[m, j] = -s * x + c * y
            # columns m-1, m: T <- T G^H, G^H = [[c, -conj(s)], [conj(s), conj(c)]]
            sc = np.conj(s)
            for i in range(m + 1):
                x = T[i, m - 1]
                y = T[i, m]
                T[i, m - 1] = x * c + y * sc
                T[i, m] = -x * sc + y * cc
            # Zt <- conj(G) Zt
            z0 = Zt[m - 1]
            z1 = Zt[m]
            for j in range(n):
                x = z0[j]
                y = z1[j]
                z0[j] = c * x + sc * y
                z1[j] = -sc * x + cc * y
        T[m, m - 1] = 0
    return 0


# --------------------------------------------------------------------------
# 4. complex reordering
# --------------------------------------------------------------------------
@kernel
def _swap_complex(T, Zt, k):
    """Swap the diagonal entries k and k+1 of a complex triangular T (``ztrexc``'s step)."""
    n = T.shape[0]
    t11 = T[k, k]
    t22 = T[k + 1, k + 1]
    f = T[k, k + 1]
    g = t22 - t11
    # complex Givens (zlartg): c real, [c, s; -conj(s), c] (f, g) = (r, 0)
    af = abs(f)
    ag = abs(g)
    if ag == 0:
        return
    if af == 0:
        c = 0.0
        s = np.conj(g) / ag
    else:
        nrm = math.hypot(af, ag)
        c = af / nrm
        s = (f / af) * np.conj(g) / nrm
    sc = np.conj(s)
    # rows k, k+1 from column k+2: [c, s; -conj(s), c]
    for j in range(k + 2, n):
        x = T[k, j]
        y = T[k + 1, j]
        T[k, j] = c * x + s * y
        T[k + 1, j] = -sc * x + c * y
    # columns k, k+1 above row k: times the conjugate transpose
    for i in range(k):
        x = T[i, k]
        y = T[i, k + 1]
        T[i, k] = c * x + sc * y
        T[i, k + 1] = -s * x + c * y
    T[k, k] = t22
    T[k + 1, k + 1] = t11
    # Z <- Z G^H: rows of Zt <- conj(G) Zt
    z0 = Zt[k]
    z1 = Zt[k + 1]
    for j in range(n):
        x = z0[j]
        y = z1[j]
        z0[j] = c * x + sc * y
        z1[j] = -s * x + c * y


@kernel
def reorder_complex(T, Zt, select):
    """Move the selected diagonal entries of a complex upper triangular T to the top (``ztrsen``).

    Parameters
    ----------
    T, Zt : (n, n) complex128 ndarray, overwritten
    select : (n,) bool ndarray

    Returns
    -------
    int
        The number of selected entries, now ``T[:m, :m]``.

    Notes
    -----
    LAPACK ``ztrexc``: each selected entry is moved up by swaps of
    adjacent diagonal entries, each a complex Givens rotation chosen so
    that ``G [t12, t22 - t11]^T = [r, 0]``.  Flops O(n) per swap.
    """
    n = T.shape[0]
    ks = 0
    for k in range(n):
        if select[k]:
            for here in range(k - 1, ks - 1, -1):
                _swap_complex(T, Zt, here)
            ks += 1
    return ks
