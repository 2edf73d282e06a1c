"""Levenberg-Marquardt step on a pivoted QR: MINPACK's ``lmpar`` and ``qrsolv``.

One step of Moré's trust-region Levenberg-Marquardt method solves, for a
scaling ``D = diag(d)`` and a radius ``delta``::

    min_p || J p + r ||   subject to   || D p || <= delta,

whose solution is ``p(lam)``, the least-squares solution of the damped system ::

    [ J            ]       [ -r ]
    [ sqrt(lam) D  ] p  =  [  0 ]

for the Levenberg-Marquardt parameter ``lam >= 0`` with ``lam = 0`` if the
Gauss-Newton step already lies inside the region and otherwise
``|| D p(lam) || = delta`` (within 10 %).  :func:`lmpar` finds ``lam`` by
Moré's safeguarded Newton iteration on ``phi(lam) = || D p(lam) || - delta``
and :func:`qrsolv` solves the damped system for each trial ``lam``.  Neither
ever forms ``J^T J``: given ``J P = Q R`` (column-pivoted QR, computed once
per Jacobian by the caller), the damped system is equivalent to ::

    [ R                ]         [ Q^T (-r) ]
    [ sqrt(lam) P^T D P ] P^T p = [    0     ]

and the ``n`` diagonal rows below R are eliminated by Givens rotations into
an upper-triangular ``S`` (``S^T S = R^T R + lam P^T D^2 P``), O(n^2) per
row, so a trial ``lam`` costs O(n^3), independent of the number of
residuals m.

Kernel contract: ``R`` (n, n) C-contiguous float64, its upper triangle R
(read) and its strict lower triangle workspace (overwritten with ``S^T``);
``ipvt`` (n,) int64, column j of ``J P`` is column ``ipvt[j]`` of J; ``diag``
(n,) positive scaling; ``qtb`` (n,) the first n entries of ``Q^T b`` for the
right-hand side ``b``; outputs ``x`` and ``sdiag`` (n,) overwritten.  No
checks are made on the inputs.

References: J. J. Moré, "The Levenberg-Marquardt algorithm: implementation
and theory", in *Numerical Analysis* (G. A. Watson, ed.), Lecture Notes in
Mathematics 630, Springer, 1978, pp. 105-116 (Sections 3-5); J. J. Moré,
B. S. Garbow and K. E. Hillstrom, *User Guide for MINPACK-1*, Argonne
ANL-80-74, 1980 (subroutines ``lmpar`` and ``qrsolv``; the code below
follows them step by step, with 0-based indices).
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel
from jitla.kernels._registry import register
from jitla.kernels.level1 import dot

#: ``lmpar`` stops its Newton iteration after this many damped solves (MINPACK's value).
LMPAR_MAXITER = 10


def _lmpar_flops(n):
    """Nominal flops of one damped solve (``qrsolv``): the Givens eliminations, ``~2 n^3``."""
    return 2 * n**3


def _example(dtype):
    """Operands of a tiny lmpar call (for :func:`jitla.warmup`)."""
    R = np.array([[2.0, 1.0], [0.0, 1.0]], dtype=dtype)
    return (
        R,
        np.array([0, 1], np.int64),
        np.ones(2, dtype),
        np.array([1.0, 1.0], dtype),
        0.5,
        0.0,
        np.empty(2, dtype),
        np.empty(2, dtype),
    )


@kernel
def _enorm(v):
    """Euclidean norm of *v*, scaled by its largest entry (no overflow or harmful underflow)."""
    big = 0.0
    for i in range(v.shape[0]):
        big = max(big, abs(v[i]))
    if big == 0.0 or not math.isfinite(big):
        return big
    s = 0.0
    for i in range(v.shape[0]):
        t = v[i] / big
        s += t * t
    return big * math.sqrt(s)


@kernel
def apply_qt_rows(G, tau, b, out):
    """The first n entries of ``Q^T b`` for the QR left in *G* by ``geqp3_rows`` (``dormqr``).

    Parameters
    ----------
    G : (n, m) ndarray
        The transposed storage of :func:`~jitla.kernels.qr_pivoted.geqp3_rows`:
        the Householder vector of step k is ``v_k = [1, G[k, k+1:]]``, a
        contiguous row.
    tau : (n,) ndarray
    b : (m,) ndarray
        Read only.
    out : (n,) ndarray, overwritten

    Notes
    -----
    Applies ``H_k = I - tau_k v_k v_k^T`` for k = 0, ..., n-1 to a copy of
    b: a dot product (:func:`~jitla.kernels.level1.dot`, several partial
    sums) and an axpy on contiguous rows, ``4 m n`` flops,
    workspace m.  Requires m >= n.
    """
    n, m = G.shape
    w = b.copy()
    for k in range(n):
        if tau[k] == 0.0:
            continue
        v = G[k, k + 1 :]
        wk = w[k + 1 :]
        s = tau[k] * (w[k] + dot(v, wk))
        w[k] -= s
        for i in range(wk.shape[0]):
            wk[i] -= s * v[i]
    for k in range(n):
        out[k] = w[k]
    return 0


@kernel
def qrsolv(R, ipvt, diag, qtb, x, sdiag):
    """Least-squares solution of ``[J; D] x ~ [b; 0]`` from ``J P = Q R`` (MINPACK ``qrsolv``).

    Parameters
    ----------
    R : (n, n) ndarray
        Upper triangle: R (kept).  Strict lower triangle: overwritten with
        the strict upper triangle of S transposed, ``S^T S = R^T R + P^T D^2 P``.
    ipvt : (n,) int64 ndarray
    diag : (n,) ndarray
        The diagonal of D (here ``sqrt(lam) d``); zero entries are skipped.
    qtb : (n,) ndarray
        First n entries of ``Q^T b``.
    x : (n,) ndarray, overwritten
        The solution, in the original (unpivoted) order.
    sdiag : (n,) ndarray, overwritten
        The diagonal of S.

    Notes
    -----
    Row j of ``P^T D P`` (a single entry ``d[ipvt[j]]`` on the diagonal)
    is rotated into R row by row with Givens rotations chosen, as MINPACK
    does, through the cotangent or the tangent whichever is below one, so
    no ratio overflows; the right-hand side follows the same rotations.  If
    S is singular (``D`` has zeros and R is singular) the solution is the
    one with the components beyond the first zero pivot set to zero.
    ``~2 n^3`` flops in all (``n^2`` per eliminated row, up to 6 each);
    workspace n.
    """
    n = R.shape[0]
    wa = np.empty(n, dtype=R.dtype)
    # copy R's upper triangle into the lower (S is built there), save diag(R) in x
    for j in range(n):
        for i in range(j, n):
            R[i, j] = R[j, i]
        x[j] = R[j, j]
        wa[j] = qtb[j]
    # eliminate the diagonal matrix D, one row at a time
    for j in range(n):
        d = diag[ipvt[j]]
        if d != 0.0:
            for k in range(j, n):
                sdiag[k] = 0.0
            sdiag[j] = d
            # the rotations touch only S's row k and the new row (sdiag)
            qtbpj = 0.0
            for k in range(j, n):
                if sdiag[k] == 0.0:
                    continue
                if abs(R[k, k]) < abs(sdiag[k]):
                    cotan = R[k, k] / sdiag[k]
                    sn = 0.5 / math.sqrt(0.25 + 0.25 * cotan * cotan)
                    cs = sn * cotan
                else:
                    tn = sdiag[k] / R[k, k]
                    cs = 0.5 / math.sqrt(0.25 + 0.25 * tn * tn)
                    sn = cs * tn
                R[k, k] = cs * R[k, k] + sn * sdiag[k]
                temp = cs * wa[k] + sn * qtbpj
                qtbpj = -sn * wa[k] + cs * qtbpj
                wa[k] = temp
                for i in range(k + 1, n):
                    temp = cs * R[i, k] + sn * sdiag[i]
                    sdiag[i] = -sn * R[i, k] + cs * sdiag[i]
                    R[i, k] = temp
        # keep diag(S) in sdiag, restore diag(R)
        sdiag[j] = R[j, j]
        R[j, j] = x[j]
    # back substitution S z = wa (stopping at the first zero pivot)
    nsing = n
    for j in range(n):
        if sdiag[j] == 0.0 and nsing == n:
            nsing = j
        if nsing < n:
            wa[j] = 0.0
    for k in range(nsing):
        j = nsing - 1 - k
        s = 0.0
        for i in range(j + 1, nsing):
            s += R[i, j] * wa[i]
        wa[j] = (wa[j] - s) / sdiag[j]
    for j in range(n):
        x[ipvt[j]] = wa[j]
    return 0


@register(
    "lmpar",
    "more",
    "Levenberg-Marquardt parameter by Moré's safeguarded Newton iteration on a pivoted QR",
    flops=_lmpar_flops,
    example=_example,
)
@kernel
def lmpar(R, ipvt, diag, qtb, delta, par, x, sdiag):
    """The Levenberg-Marquardt parameter and step for a trust region (MINPACK ``lmpar``).

    Parameters
    ----------
    R, ipvt, diag, qtb
        As :func:`qrsolv` (R's strict lower triangle is workspace); ``diag``
        is the scaling d (all entries > 0).
    delta : float
        The trust-region radius (> 0).
    par : float
        The previous parameter (a starting guess, >= 0).
    x : (n,) ndarray, overwritten
        ``p(lam)`` for ``b = -r`` taken as ``qtb = Q^T r`` with the sign
        left to the caller: x solves ``[J; sqrt(lam) D] x ~ [r; 0]``.
    sdiag : (n,) ndarray, overwritten

    Returns
    -------
    float
        ``lam``: 0 when the Gauss-Newton step has ``||D x|| <= 1.1 delta``,
        otherwise a value with ``| ||D x|| - delta | <= 0.1 delta`` (or the
        best of :data:`LMPAR_MAXITER` Newton steps).

    Notes
    -----
    Moré (1978), Sec. 5 (MINPACK's ``lmpar``).  ``phi(lam) = ||D p(lam)|| -
    delta`` is convex and decreasing; each Newton step uses
    ``phi'(lam) = -||q||^2 / ||D p||`` with ``q`` from one triangular
    solve with S, and the iterate is kept inside ``[parl, paru]``, bounds
    that tighten as phi's sign is learned: ``parl = -phi(0)/phi'(0)``
    (when J has full rank) and ``paru = ||(J D^-1)^T r|| / delta``.  Each
    iteration costs one :func:`qrsolv`, ``~2 n^3`` flops.  Workspace 2n.
    """
    n = R.shape[0]
    dwarf = np.finfo(R.dtype).tiny
    wa1 = np.empty(n, dtype=R.dtype)
    wa2 = np.empty(n, dtype=R.dtype)
    # the Gauss-Newton direction (basic solution if R is singular)
    nsing = n
    for j in range(n):
        wa1[j] = qtb[j]
        if R[j, j] == 0.0 and nsing == n:
            nsing = j
        if nsing < n:
            wa1[j] = 0.0
    for k in range(nsing):
        j = nsing - 1 - k
        wa1[j] /= R[j, j]
        temp = wa1[j]
        for i in range(j):
            wa1[i] -= R[i, j] * temp
    for j in range(n):
        x[ipvt[j]] = wa1[j]
    for j in range(n):
        wa2[j] = diag[j] * x[j]
    dxnorm = _enorm(wa2)
    fp = dxnorm - delta
    if fp <= 0.1 * delta:
        return 0.0
    # lower bound parl (zero when J is rank deficient)
    parl = 0.0
    if nsing >= n:
        for j in range(n):
            lj = ipvt[j]
            wa1[j] = diag[lj] * (wa2[lj] / dxnorm)
        for j in range(n):
            s = 0.0
            for i in range(j):
                s += R[i, j] * wa1[i]
            wa1[j] = (wa1[j] - s) / R[j, j]
        temp = _enorm(wa1)
        parl = ((fp / delta) / temp) / temp
    # upper bound paru
    for j in range(n):
        s = 0.0
        for i in range(j + 1):
            s += R[i, j] * qtb[i]
        wa1[j] = s / diag[ipvt[j]]
    gnorm = _enorm(wa1)
    paru = gnorm / delta
    if paru == 0.0:
        paru = dwarf / min(delta, 0.1)
    par = min(max(par, parl), paru)
    if par == 0.0:
        par = gnorm / dxnorm
    it = 0
    while True:
        it += 1
        if par == 0.0:
            par = max(dwarf, 0.001 * paru)
        temp = math.sqrt(par)
        for j in range(n):
            wa1[j] = temp * diag[j]
        qrsolv(R, ipvt, wa1, qtb, x, sdiag)
        for j in range(n):
            wa2[j] = diag[j] * x[j]
        dxnorm = _enorm(wa2)
        temp = fp
        fp = dxnorm - delta
        # close enough, or phi(lam) increasing from a negative value with parl = 0, or out of steps
        if abs(fp) <= 0.1 * delta or (parl == 0.0 and fp <= temp and temp < 0.0) or it == LMPAR_MAXITER:
            break
        # Newton correction
        for j in range(n):
            lj = ipvt[j]
            wa1[j] = diag[lj] * (wa2[lj] / dxnorm)
        for j in range(n):
            wa1[j] /= sdiag[j]
            temp = wa1[j]
            for i in range(j + 1, n):
                wa1[i] -= R[i, j] * temp
        temp = _enorm(wa1)
        parc = ((fp / delta) / temp) / temp
        if fp > 0.0:
            parl = max(parl, par)
        if fp < 0.0:
            paru = min(paru, par)
        par = max(parl, par + parc)
    return par
