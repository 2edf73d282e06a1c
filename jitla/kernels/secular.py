"""The secular equation of a rank-one modification, and Löwner's formula for its vectors.

Both divide-and-conquer solvers (:mod:`jitla.kernels.svd_dc`, the
bidiagonal SVD, and :mod:`jitla.kernels.eig_symmetric_dc`, the symmetric
tridiagonal eigenproblem) end each merge with the same problem: the
eigenvalues of ``P + zh zh^T``, ``P = diag(p_0 < p_1 < ... < p_{K-1})``,
which are the K roots of

    ``f(x) = 1 + sum_i zh_i^2 / (p_i - x) = 0``,

one in each interval ``(p_j, p_{j+1})`` and the last in
``(p_{K-1}, p_{K-1} + |zh|^2)``, and the unit eigenvectors
``v_j ~ zh_i / (p_i - x_j)``.  They differ only in the poles: the SVD's are
squares, ``p_i = dh_i^2`` (the roots ``x_j = s_j^2``, LAPACK ``dlasd4``),
the symmetric problem's the values themselves, ``p_i = dh_i`` (LAPACK
``dlaed4``, with ``rho`` folded into zh).  Every difference of two poles,
or of a root and a pole, is formed as ``(a - b)(a + b)`` in the first case
and ``a - b`` in the second (:func:`_gap`), from the roots' offsets, never
by subtracting two computed squares; everything else is one code.

Root finder (:func:`secular_roots`).  Each root is found in ``tau = x -
p_o``, o the nearer pole (the interval's midpoint decides, as ``dlasd4`` /
``dlaed4``), so that ``p_i - x = (p_i - p_o) - tau`` carries no
cancellation near the root.  Steps: the two-pole rational model of Bunch,
Nielsen & Sorensen ("Rank-one modification of the symmetric
eigenproblem", Numer. Math. 31, 1978), with the weights fitted to f and
f' at the current point (R.-C. Li's "middle way", LAPACK Working Note 89,
1993), safeguarded by bisection inside a bracket that every evaluation of
f shrinks (f increases in tau).  Stop when ``|f|`` is below its
rounding-error bound (as ``dlasd4``).

Vectors (:func:`lowner_z`).  The computed roots are the exact eigenvalues
of ``P + zhat zhat^T`` for ``zhat_i^2 = prod_j (x_j - p_i) / prod_{j != i}
(p_j - p_i)`` (Löwner's formula; Gu & Eisenstat, "A stable and efficient
algorithm for the rank-one modification of the symmetric eigenproblem",
SIAM J. Matrix Anal. Appl. 15(4), 1994, Sec. 3), so the vectors built from
zhat are orthogonal to working precision however close the roots are.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel, out_of_line, vector_kernel
from jitla.kernels._layout import F64
from jitla.kernels.level1 import dot

__all__ = ["secular_roots", "lowner_z"]

#: Root-finder steps allowed per root (bisection alone halves the bracket each time).
SECULAR_MAXIT = 100


@kernel(inline="always")
def _gap(a, b, squared):
    """``a^2 - b^2`` as ``(a - b)(a + b)`` when *squared*, else ``a - b``."""
    return (a - b) * (a + b) if squared else a - b


@vector_kernel(inline="always")
def _pole_sums(zh, delta, tau, lo, hi):
    """``sum zh_i^2 / (delta_i - tau)`` and ``sum zh_i^2 / (delta_i - tau)^2`` over ``lo <= i < hi``.

    Four partial sums of each (independent chains of division and
    multiply-add, combined in a fixed order at the end).
    """
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    q0 = 0.0
    q1 = 0.0
    q2 = 0.0
    q3 = 0.0
    i = lo
    while i + 4 <= hi:
        t0 = zh[i] / (delta[i] - tau)
        t1 = zh[i + 1] / (delta[i + 1] - tau)
        t2 = zh[i + 2] / (delta[i + 2] - tau)
        t3 = zh[i + 3] / (delta[i + 3] - tau)
        s0 += zh[i] * t0
        s1 += zh[i + 1] * t1
        s2 += zh[i + 2] * t2
        s3 += zh[i + 3] * t3
        q0 += t0 * t0
        q1 += t1 * t1
        q2 += t2 * t2
        q3 += t3 * t3
        i += 4
    while i < hi:
        t0 = zh[i] / (delta[i] - tau)
        s0 += zh[i] * t0
        q0 += t0 * t0
        i += 1
    return (s0 + s1) + (s2 + s3), (q0 + q1) + (q2 + q3)


@out_of_line
@vector_kernel
def secular_roots(dh, zh, K, sig, eta, orig, delta, squared):
    """The K roots of ``1 + sum_i zh_i^2 / (p_i - x)``, ``p_i = dh_i^2`` (*squared*) or ``dh_i``.

    Parameters
    ----------
    dh : (K,) float64 ndarray
        Ascending, distinct (and, when *squared*, non-negative).
    zh : (K,) float64 ndarray
        Nonzero weights.
    K : int
    sig, eta : (K,) float64 ndarray, out
        Root j as ``sig[j]`` (``s_j`` with ``x_j = s_j^2`` when *squared*,
        else ``x_j``) and, exactly, as its offset ``eta[j] = sig[j] -
        dh[orig[j]]`` from the nearer pole.
    orig : (K,) int64 ndarray, out
    delta : (K,) float64 ndarray
        Workspace.
    squared : bool

    Notes
    -----
    See the module notes.  Flops ``O(K^2)`` per step, a few steps a root;
    workspace K.
    """
    eps = 2.220446049250313e-16  # float64's machine epsilon
    w = np.empty(K, dtype=F64)
    zsq = dot(zh, zh)
    for j in range(K):
        if j < K - 1:
            a = j
            b = j + 1
            half = 0.5 * _gap(dh[b], dh[a], squared)
            for i in range(K):
                w[i] = zh[i] / (_gap(dh[i], dh[a], squared) - half)
            f = 1.0 + dot(zh, w)
            # the first step starts from the midpoint, already an end of the bracket
            if f >= 0.0:  # the root is in the lower half: measure from p_j
                o = a
                lo = 0.0
                hi = half
                tau = half
            else:
                o = b
                lo = -half
                hi = 0.0
                tau = -half
        else:
            o = K - 1
            lo = 0.0
            hi = zsq
            tau = 0.5 * zsq
        for i in range(K):
            delta[i] = _gap(dh[i], dh[o], squared)
        for _ in range(SECULAR_MAXIT):
            # the poles up to j, then the rest: one inlined copy of _pole_sums, not two
            psi = dpsi = phi = dphi = 0.0
            for part in range(2):
                sp, dp = _pole_sums(zh, delta, tau, 0 if part == 0 else j + 1, j + 1 if part == 0 else K)
                if part == 0:
                    psi = sp
                    dpsi = dp
                else:
                    phi = sp
                    dphi = dp
            f = 1.0 + psi + phi
            # rounding error of f: its terms, and tau's own error through f'
            if abs(f) <= eps * (8.0 * (phi - psi) + 8.0 + abs(tau) * (dpsi + dphi)):
                break
            if f < 0.0:
                lo = tau
            else:
                hi = tau
            da = delta[j] - tau
            step = math.nan
            if j < K - 1:
                # two poles, fitted to f and f' at tau; the root between them
                db = delta[j + 1] - tau
                sa = da * da * dpsi
                sb = db * db * dphi
                c = f - da * dpsi - db * dphi
                qb = -(c * (da + db) + sa + sb)
                qc = c * da * db + sa * db + sb * da
                if c == 0.0:
                    if qb != 0.0:
                        step = -qc / qb
                else:
                    disc = max(qb * qb - 4.0 * c * qc, 0.0)
                    q = -0.5 * (qb + math.copysign(math.sqrt(disc), qb))
                    r1 = q / c
                    if da < r1 < db:
                        step = r1
                    elif q != 0.0:
                        r2 = qc / q
                        if da < r2 < db:
                            step = r2
            else:
                c = f - da * dpsi
                if c > 0.0:
                    step = da + da * da * dpsi / c
            new = tau + step
            if not (lo < new < hi):  # also catches the NaN of no model root
                new = 0.5 * (lo + hi)
            if new == tau or hi - lo <= 2.0 * eps * max(abs(lo), abs(hi)):
                tau = new
                break
            tau = new
        orig[j] = o
        if squared:
            s = math.sqrt(dh[o] * dh[o] + tau)
            eta[j] = tau / (s + dh[o])
        else:
            eta[j] = tau
        sig[j] = dh[o] + eta[j]


@kernel
def lowner_z(dh, zh, sig, eta, orig, squared, Dl, zhat):
    """Löwner's weights for the computed roots (module notes), and the root-pole differences.

    Parameters
    ----------
    dh, zh, sig, eta, orig, squared
        As :func:`secular_roots` (its output).
    Dl : (K, K) float64 ndarray, out
        ``Dl[j, i] = sig_j - dh_i``, from the offsets ``eta`` (never a
        difference of two computed numbers); ``x_j - p_i`` is
        ``Dl[j, i] (sig_j + dh_i)`` when *squared*, else ``Dl[j, i]``.
    zhat : (K,) float64 ndarray, out
        ``zhat_i``, with the sign of ``zh_i``.

    Notes
    -----
    Gu & Eisenstat (1994), Sec. 3; the product is taken pairing root j with
    pole ``j + 1`` for ``i <= j`` and pole j for ``i > j`` (each factor near
    1), j outer and i inner so that the K products advance together, a
    vector loop per j.  Flops ``~3 K^2``.
    """
    K = dh.shape[0]
    for j in range(K):
        o = orig[j]
        for i in range(K):
            Dl[j, i] = (dh[o] - dh[i]) + eta[j]
    sl = sig[K - 1]
    for i in range(K):
        zhat[i] = Dl[K - 1, i] * (sl + dh[i]) if squared else Dl[K - 1, i]
    for j in range(K - 1):
        Dj = Dl[j]
        sj = sig[j]
        a = dh[j]
        b = dh[j + 1]
        if squared:
            for i in range(j + 1):
                zhat[i] *= (Dj[i] * (sj + dh[i])) / ((b - dh[i]) * (b + dh[i]))
            for i in range(j + 1, K):
                zhat[i] *= (Dj[i] * (sj + dh[i])) / ((a - dh[i]) * (a + dh[i]))
        else:
            for i in range(j + 1):
                zhat[i] *= Dj[i] / (b - dh[i])
            for i in range(j + 1, K):
                zhat[i] *= Dj[i] / (a - dh[i])
    for i in range(K):
        zhat[i] = math.copysign(math.sqrt(abs(zhat[i])), zh[i])
