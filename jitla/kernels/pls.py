"""Partial least squares regression by NIPALS: the component loop in one kernel.

PLS2 in Wold's NIPALS form (Wold, Sjöström & Eriksson 2001, "PLS-regression:
a basic tool of chemometrics", Chemom. Intell. Lab. Syst. 58, Sec. 3;
Wegelin 2000, "A survey of partial least squares (PLS) methods", Tech.
Rep. 371, Univ. of Washington, Sec. 11.3, "PLS2 / mode A, regression
deflation"), step for step as scikit-learn's ``PLSRegression`` (so its
fitted attributes agree to rounding, including where the power iteration
stops at its tolerance).  For each component, on the deflated X (n, p)
and Y (n, q):

1. power iteration for the first singular pair of ``X^T Y``, from the
   first column of Y that is not zero::

       w = X^T u / (u^T u);  w /= ||w|| + eps;  t = X w
       c = Y^T t / (t^T t);  u = Y c / (c^T c + eps)

   until ``||w - w_old||^2 < tol`` (one pass when q = 1: then w is exactly
   ``X^T y / ||X^T y||``);
2. sign: the largest ``|w_j|`` positive (scikit-learn's ``_svd_flip_1d``);
3. scores ``t = X w``, ``u = Y c / (c^T c)``; loadings ``p = X^T t / (t^T t)``,
   ``q = Y^T t / (t^T t)``;
4. deflation ``X -= t p^T``, ``Y -= t q^T`` (regression mode: both on t).

Columns of the deflated Y below ``10 eps`` in absolute value are set to
zero first (scikit-learn's guard), and a Y with no column left ends the
loop early.  No checks are made on the inputs.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel
from jitla.kernels._registry import register
from jitla.kernels.level1 import dot

__all__ = ["nipals_pls", "nipals_pls_flops"]


@kernel
def _xt_times(X, v, out):
    """``out = X^T v`` for C-ordered X: contiguous axpys, four rows per pass over ``out``.

    Four rows at a time quarter the loads and stores of the accumulator, which
    bound a one-row axpy loop (``out[j] += v_i x_ij`` reads and writes ``out``
    for every two flops).
    """
    n, p = X.shape
    for j in range(p):
        out[j] = 0.0
    n4 = n - n % 4
    for i in range(0, n4, 4):
        v0, v1, v2, v3 = v[i], v[i + 1], v[i + 2], v[i + 3]
        r0, r1, r2, r3 = X[i], X[i + 1], X[i + 2], X[i + 3]
        for j in range(p):
            out[j] += (v0 * r0[j] + v1 * r1[j]) + (v2 * r2[j] + v3 * r3[j])
    for i in range(n4, n):
        vi = v[i]
        row = X[i]
        for j in range(p):
            out[j] += vi * row[j]


@kernel
def _times(X, v, out):
    """``out = X v`` (one dot product per row)."""
    for i in range(X.shape[0]):
        out[i] = dot(X[i], v)


@kernel
def _deflate(X, t, loading):
    """``X -= t loading^T``."""
    n, p = X.shape
    for i in range(n):
        ti = t[i]
        row = X[i]
        for j in range(p):
            row[j] -= ti * loading[j]


@kernel
def _first_pair(X, Y, max_iter, tol, w, c, t, u):
    """Power iteration for the first singular pair (w, c) of ``X^T Y``; returns the passes (0: Y is 0)."""
    n, q = Y.shape
    eps = np.finfo(np.float64).eps
    start = -1
    for col in range(q):
        for i in range(n):
            if abs(Y[i, col]) > eps:
                start = col
                break
        if start >= 0:
            break
    if start < 0:
        return 0
    for i in range(n):
        u[i] = Y[i, start]
    p = w.shape[0]
    w_old = np.full(p, 100.0)  # scikit-learn's starting "previous" weights
    it = 0
    while it < max_iter:
        it += 1
        _xt_times(X, u, w)
        uu = dot(u, u)
        for j in range(p):
            w[j] /= uu
        norm = math.sqrt(dot(w, w)) + eps
        for j in range(p):
            w[j] /= norm
        _times(X, w, t)
        tt = dot(t, t)
        _xt_times(Y, t, c)
        for k in range(q):
            c[k] /= tt
        cc = dot(c, c) + eps
        _times(Y, c, u)
        for i in range(n):
            u[i] /= cc
        diff = 0.0
        for j in range(p):
            d = w[j] - w_old[j]
            diff += d * d
        if diff < tol or q == 1:
            break
        for j in range(p):
            w_old[j] = w[j]
    return it


def nipals_pls_flops(n, p, q, components, passes=1):
    """Nominal flops: per power pass ``4 n p + 4 n q``, per component ``6 n p + 6 n q`` more."""
    return components * (passes * (4.0 * n * p + 4.0 * n * q) + 6.0 * n * p + 6.0 * n * q)


def _example(dtype):
    """A tiny valid call: 6 x 3 design, two targets, two components."""
    X = np.array(
        [
            [1.0, 0.5, -1.0],
            [0.0, -1.0, 2.0],
            [2.0, 2.0, 0.5],
            [1.0, 0.0, 0.0],
            [-1.0, 1.5, 1.0],
            [0.5, -0.5, -2.0],
        ]
    )
    X -= X.mean(axis=0)
    Y = np.column_stack([X @ [1.0, -1.0, 0.5], X @ [0.2, 0.3, 0.0] + 0.1 * np.arange(6.0)])
    Y -= Y.mean(axis=0)
    return (np.ascontiguousarray(X, dtype=dtype), np.ascontiguousarray(Y, dtype=dtype), 2, 500, 1e-6)


@register(
    "pls",
    "nipals",
    "PLS2 regression by NIPALS: power iteration per component, regression deflation of X and Y",
    flops=nipals_pls_flops,
    example=_example,
)
@kernel
def nipals_pls(X, Y, n_components, max_iter, tol):
    """PLS regression components by NIPALS; X and Y are deflated in place.

    Parameters
    ----------
    X : (n, p) float ndarray, C-contiguous
        Centred (and scaled) design; overwritten with its deflated residual.
    Y : (n, q) float ndarray, C-contiguous
        Centred (and scaled) targets; overwritten likewise.
    n_components : int
    max_iter : int
        Power passes per component at most.
    tol : float
        Stop the passes when ``||w - w_old||^2 < tol``.

    Returns
    -------
    W, C, T, U, P, Q : float64 ndarrays
        x_weights (p, k), y_weights (q, k), x_scores (n, k), y_scores (n, k),
        x_loadings (p, k), y_loadings (q, k), with ``k = n_components``
        (columns past ``done`` are zero).
    n_iter : (k,) int64 ndarray
        Power passes of each component.
    done : int
        Components computed (fewer than k when Y's residual became zero).

    Notes
    -----
    Wold et al. (2001) Sec. 3; Wegelin (2000) Sec. 11.3.  Flops per
    component: ``4 n (p + q)`` per power pass, then ``6 n (p + q)`` for the
    scores, loadings and deflation.  Workspace: w, c, t, u and the previous
    w (2 n + 2 p + q) besides the outputs.
    """
    n, p = X.shape
    q = Y.shape[1]
    k = n_components
    W = np.zeros((p, k))
    C = np.zeros((q, k))
    T = np.zeros((n, k))
    U = np.zeros((n, k))
    P = np.zeros((p, k))
    Q = np.zeros((q, k))
    n_iter = np.zeros(k, dtype=np.int64)
    w = np.empty(p)
    c = np.empty(q)
    t = np.empty(n)
    u = np.empty(n)
    pl = np.empty(p)
    ql = np.empty(q)
    small = 10.0 * np.finfo(np.float64).eps
    done = 0
    for comp in range(k):
        # a target column deflated to rounding noise is set to zero (it has nothing left to explain)
        for col in range(q):
            tiny = True
            for i in range(n):
                if abs(Y[i, col]) >= small:
                    tiny = False
                    break
            if tiny:
                for i in range(n):
                    Y[i, col] = 0.0
        passes = _first_pair(X, Y, max_iter, tol, w, c, t, u)
        if passes == 0:
            break
        n_iter[comp] = passes
        # sign: the largest |w_j| positive
        big = 0
        for j in range(1, p):
            if abs(w[j]) > abs(w[big]):
                big = j
        if w[big] < 0.0:
            for j in range(p):
                w[j] = -w[j]
            for s in range(q):
                c[s] = -c[s]
        _times(X, w, t)
        cc = dot(c, c)
        _times(Y, c, u)
        for i in range(n):
            u[i] /= cc
        tt = dot(t, t)
        _xt_times(X, t, pl)
        for j in range(p):
            pl[j] /= tt
        _xt_times(Y, t, ql)
        for s in range(q):
            ql[s] /= tt
        _deflate(X, t, pl)
        _deflate(Y, t, ql)
        for j in range(p):
            W[j, comp] = w[j]
            P[j, comp] = pl[j]
        for s in range(q):
            C[s, comp] = c[s]
            Q[s, comp] = ql[s]
        for i in range(n):
            T[i, comp] = t[i]
            U[i, comp] = u[i]
        done += 1
    return W, C, T, U, P, Q, n_iter, done
