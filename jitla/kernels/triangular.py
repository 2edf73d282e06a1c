"""Triangular solves: ``op(A) X = B`` with A triangular, in place on B.

Variants
--------
1. :func:`trsv`           one right-hand side (a vector), dot or axpy form
2. :func:`trsm_unblocked` many right-hand sides, right-looking row axpys
3. :func:`trsm_blocked`   the same in blocks of ``nb`` rows: a small
                          triangular solve on each diagonal block, the
                          off-diagonal update through the packed GEMM
4. :func:`ztrsm`          complex, op = A, A^T or A^H, blocked as 3 with
                          the 1m complex GEMM

Kernel contract: ``A`` is (n, n) and only its ``lower`` (or upper) triangle
is read; ``op(A)`` is ``A`` or, with ``trans``, ``A.T``; with ``unit`` the
diagonal is taken to be ones and not read.  ``B`` is (n, k) (``x`` is (n,))
and is overwritten with the solution.  Arrays are C-contiguous or views of
C-contiguous arrays (layout 'A').  No checks are made on the inputs.

Status: 0 on success, ``i + 1`` when ``A[i, i]`` is exactly zero (the first
such i; B is then left untouched), as LAPACK's ``xTRTRS``.

All loops are row-oriented: whatever the triangle and ``op``, the inner loop
is an axpy (or a dot product) over a contiguous row, which is what a
row-major array wants.  ``op(A)[i, p]`` is read as a scalar (``A[i, p]`` or
``A[p, i]``), once per row update.

References: Golub & Van Loan, *Matrix Computations*, 4th ed., Algorithms
3.1.1-3.1.2 (row- and column-oriented substitution) and Sec. 3.1.4-3.1.5
(multiple right-hand sides, the level-3 block form); LAPACK ``dtrsv``,
``dtrsm``, ``dtrtrs``.  Flops: n^2 k (n^2 for a vector).
"""

from __future__ import annotations

import numpy as np

from jitla._jit import kernel, out_of_line
from jitla.kernels._registry import register
from jitla.kernels.gemm import gemm_packed, zgemm_1m
from jitla.kernels.level1 import dot


def trsm_flops(n, k):
    """Nominal flop count of a triangular solve with k right-hand sides: n^2 k."""
    return float(n) * n * k


def _trsm_example(dtype):
    A = np.tril(np.ones((5, 5), dtype)) + 4 * np.eye(5, dtype=dtype)
    return A, np.ones((5, 3), dtype), True, False, False


def _trsv_example(dtype):
    A = np.tril(np.ones((5, 5), dtype)) + 4 * np.eye(5, dtype=dtype)
    return A, np.ones(5, dtype), True, False, False


@kernel
def zero_diagonal(A, unit):
    """Return ``i + 1`` for the first exactly-zero ``A[i, i]``, else 0 (0 when *unit*)."""
    if unit:
        return 0
    for i in range(A.shape[0]):
        if A[i, i] == 0:
            return i + 1
    return 0


@register(
    "trsv",
    "serial",
    "one right-hand side: row dot products (or row axpys for op(A) = A.T)",
    flops=lambda n: float(n) * n,
    example=_trsv_example,
)
@kernel
def trsv(A, x, lower, trans, unit):
    """Solve ``op(A) y = x`` for one right-hand side, overwriting *x* with y.

    Parameters
    ----------
    A : (n, n) ndarray
        Triangular; only the ``lower`` (else upper) triangle is read.
    x : (n,) ndarray
        Right-hand side, overwritten with the solution.
    lower, trans, unit : bool
        Triangle of A, ``op(A) = A.T`` instead of A, unit diagonal.

    Returns
    -------
    info : int
        0, or ``i + 1`` for the first zero ``A[i, i]`` (x untouched).

    Notes
    -----
    Golub & Van Loan, 4th ed., Algorithm 3.1.1 (row-oriented forward
    substitution) when ``op(A) = A``: ``x[i] -= A[i, :i] @ x[:i]`` reads a row
    of A, summed by :func:`jitla.kernels.level1.dot` in vector-wide partial
    sums (a left-to-right sum is a chain of dependent adds that the
    compiler may not reorder: at n = 100 it took several times the
    arithmetic).  For ``op(A) = A.T`` the rows of A are columns of op(A), so the
    column-oriented form (Alg. 3.1.2, an axpy with a row of A) is used
    instead.  Flops n^2; no workspace.
    """
    info = zero_diagonal(A, unit)
    if info != 0:
        return info
    n = A.shape[0]
    if lower and not trans:
        # forward, dot form: x[i] = (x[i] - A[i, :i] @ x[:i]) / A[i, i]
        for i in range(n):
            x[i] -= dot(A[i, :i], x[:i])
            if not unit:
                x[i] /= A[i, i]
    elif not lower and not trans:
        # backward, dot form: x[i] = (x[i] - A[i, i+1:] @ x[i+1:]) / A[i, i]
        for i in range(n - 1, -1, -1):
            x[i] -= dot(A[i, i + 1 :], x[i + 1 :])
            if not unit:
                x[i] /= A[i, i]
    elif not lower and trans:
        # op(A) = A.T is lower: forward, axpy form with row p of A
        for p in range(n):
            if not unit:
                x[p] /= A[p, p]
            a = x[p]
            row = A[p, p + 1 :]
            tail = x[p + 1 :]
            for i in range(n - p - 1):
                tail[i] -= a * row[i]  # x[p+1:] -= x[p] * A[p, p+1:]
    else:
        # op(A) = A.T is upper: backward, axpy form with row p of A
        for p in range(n - 1, -1, -1):
            if not unit:
                x[p] /= A[p, p]
            a = x[p]
            row = A[p, :p]
            for i in range(p):
                x[i] -= a * row[i]  # x[:p] -= x[p] * A[p, :p]
    return 0


@kernel
def _trsm_kernel(A, B, lower, trans, unit):
    """Unchecked right-looking solve (the diagonal is known to be nonzero)."""
    n = A.shape[0]
    k = B.shape[1]
    op_lower = lower != trans
    if op_lower:
        # forward: row p of X is final once scaled; subtract it from the rows below
        for p in range(n):
            X_p = B[p]
            if not unit:
                d = A[p, p]
                for j in range(k):
                    X_p[j] /= d
            for i in range(p + 1, n):
                a = A[p, i] if trans else A[i, p]  # op(A)[i, p]
                if a != 0:
                    B_i = B[i]
                    for j in range(k):
                        B_i[j] -= a * X_p[j]
    else:
        # backward: the same from the last row up
        for p in range(n - 1, -1, -1):
            X_p = B[p]
            if not unit:
                d = A[p, p]
                for j in range(k):
                    X_p[j] /= d
            for i in range(p):
                a = A[p, i] if trans else A[i, p]  # op(A)[i, p]
                if a != 0:
                    B_i = B[i]
                    for j in range(k):
                        B_i[j] -= a * X_p[j]


@kernel
def trsm_unchecked(A, B, lower, trans, unit):
    """Solve ``op(A) X = B`` with no test of the diagonal, overwriting *B* with X.

    Parameters
    ----------
    A, B, lower, trans, unit
        As :func:`trsm_unblocked`.

    Notes
    -----
    The loops of LAPACK's reference ``dtrsm`` (side = 'L'), one column of B
    at a time: axpy form for ``op(A) = A``, dot form for ``op(A) = A.T``;
    unlike the reference, a zero ``X[p]`` is not skipped (0/0 gives NaN, as
    OpenBLAS's dtrsm under scipy does).  A zero ``A[i, i]`` is
    divided by, so the solution holds infs or NaNs -- what ``xGETRS`` and
    ``xPOTRS`` (which call dtrsm, never ``xTRTRS``) return for a singular
    factor, and what scipy's ``lu_solve`` / ``cho_solve`` give.  Only for
    that case: column-wise access to a row-major B is slow.  Flops n^2 k;
    no workspace.
    """
    n, k = B.shape
    op_lower = lower != trans
    for j in range(k):
        if not trans:
            # X[p] is final once divided; X[i] -= A[i, p] X[p] below (or above) it
            for q in range(n):
                p = q if op_lower else n - 1 - q
                if not unit:
                    B[p, j] /= A[p, p]
                lo, hi = (p + 1, n) if op_lower else (0, p)
                for i in range(lo, hi):
                    B[i, j] -= B[p, j] * A[i, p]
        else:
            # X[i] = (B[i] - sum_p A[p, i] X[p]) / A[i, i] over the solved p
            for q in range(n):
                i = q if op_lower else n - 1 - q
                t = B[i, j]
                lo, hi = (0, i) if op_lower else (i + 1, n)
                for p in range(lo, hi):
                    t -= A[p, i] * B[p, j]
                if not unit:
                    t /= A[i, i]
                B[i, j] = t


@register(
    "trsm",
    "unblocked",
    "right-looking substitution, one row axpy per element of op(A)",
    flops=trsm_flops,
    example=_trsm_example,
)
@kernel
def trsm_unblocked(A, B, lower, trans, unit):
    """Solve ``op(A) X = B`` for many right-hand sides, overwriting *B* with X.

    Parameters
    ----------
    A : (n, n) ndarray
        Triangular; only the ``lower`` (else upper) triangle is read.
    B : (n, k) ndarray
        Right-hand sides, overwritten with the solution.
    lower, trans, unit : bool
        Triangle of A, ``op(A) = A.T`` instead of A, unit diagonal.

    Returns
    -------
    info : int
        0, or ``i + 1`` for the first zero ``A[i, i]`` (B untouched).

    Notes
    -----
    Golub & Van Loan, 4th ed., Algorithm 3.1.2 (column-oriented
    substitution) applied to the rows of B: once row p of X is known it is
    subtracted, times ``op(A)[i, p]``, from every row i still to be solved.
    Every update is an axpy over a contiguous row of k elements; each row of
    B is read and written about n/2 times, so for large n the kernel is
    bound by memory traffic -- see :func:`trsm_blocked`.  LAPACK ``dtrsm``
    (side = 'L').  Flops n^2 k; no workspace.
    """
    info = zero_diagonal(A, unit)
    if info != 0:
        return info
    _trsm_kernel(A, B, lower, trans, unit)
    return 0


@kernel
def _trsm_forward_blocked(A, B, lower, trans, unit, blocks, nb):
    """:func:`trsm_blocked` for a lower triangular ``op(A)`` (``lower != trans``), diagonal not tested.

    The forward half of :func:`trsm_blocked`, for the factorisations that
    know ``op(A)`` is lower triangular with a nonzero diagonal (LU's unit
    L11, Cholesky's ``U11^T``): they compile neither the backward loop nor
    the diagonal test.
    """
    n = A.shape[0]
    minus_one = B.dtype.type(-1)
    # loop over diagonal blocks, top to bottom
    for j0 in range(0, n, nb):
        j1 = min(j0 + nb, n)
        _trsm_kernel(A[j0:j1, j0:j1], B[j0:j1], lower, trans, unit)
        if j1 < n:
            # B[j1:] -= op(A)[j1:, j0:j1] @ X[j0:j1]
            if trans:
                gemm_packed(A[j0:j1, j1:].T, B[j0:j1], B[j1:], minus_one, blocks)
            else:
                gemm_packed(A[j1:, j0:j1], B[j0:j1], B[j1:], minus_one, blocks)


@register(
    "trsm",
    "blocked",
    "nb-row blocks: small solves on the diagonal, packed GEMM for the off-diagonal update",
    flops=trsm_flops,
    example=_trsm_example,
    extra_args=("blocks", "nb"),
)
@kernel
def trsm_blocked(A, B, lower, trans, unit, blocks, nb):
    """Solve ``op(A) X = B`` by blocks of *nb* rows, overwriting *B* with X.

    Parameters
    ----------
    A, B, lower, trans, unit
        As :func:`trsm_unblocked`.
    blocks : tuple of int
        ``(MC, KC, NC)`` of the packed GEMM.
    nb : int
        Rows per diagonal block.

    Returns
    -------
    info : int
        As :func:`trsm_unblocked`.

    Notes
    -----
    Golub & Van Loan, 4th ed., Sec. 3.1.5 (block forward substitution):
    for each diagonal block ``X_j = op(A)_jj^{-1} B_j`` (unblocked), then
    ``B_i -= op(A)_ij X_j`` for all later blocks i at once -- one GEMM of
    (n - j1) x nb times nb x k, which runs at packed-GEMM speed because the
    GEMM packs its operands (a transposed view of A for ``trans`` is packed
    like any other).  All but O(nb/n) of the n^2 k flops are in the GEMM.
    LAPACK ``dtrsm`` is blocked the same way.  Flops n^2 k; workspace: the
    GEMM's packing buffers.
    """
    info = zero_diagonal(A, unit)
    if info != 0:
        return info
    n = A.shape[0]
    minus_one = B.dtype.type(-1)
    op_lower = lower != trans
    if op_lower:
        _trsm_forward_blocked(A, B, lower, trans, unit, blocks, nb)
    else:
        # loop over diagonal blocks, bottom to top
        for jb in range((n + nb - 1) // nb - 1, -1, -1):
            j0 = jb * nb
            j1 = min(j0 + nb, n)
            _trsm_kernel(A[j0:j1, j0:j1], B[j0:j1], lower, trans, unit)
            if j0 > 0:
                # B[:j0] -= op(A)[:j0, j0:j1] @ X[j0:j1]
                if trans:
                    gemm_packed(A[j0:j1, :j0].T, B[j0:j1], B[:j0], minus_one, blocks)
                else:
                    gemm_packed(A[:j0, j0:j1], B[j0:j1], B[:j0], minus_one, blocks)
    return 0


# --------------------------------------------------------------------------
# complex: op(A) = A, A^T or A^H
# --------------------------------------------------------------------------
@kernel(inline="always")
def _op_entry(A, i, p, trans):
    """``op(A)[i, p]``: ``A[i, p]`` (trans 0), ``A[p, i]`` (1) or ``conj(A[p, i])`` (2)."""
    if trans == 0:
        return A[i, p]
    if trans == 1:
        return A[p, i]
    return A[p, i].conjugate()


@kernel(inline="always")
def _ztrsm_block(A, B, i0, i1, forward, trans, unit):
    """Substitution on rows i0..i1-1 of B, whose coupling to other rows was already subtracted."""
    if forward:
        for i in range(i0, i1):
            B_i = B[i]
            for p in range(i0, i):
                c = _op_entry(A, i, p, trans)
                if c != 0:
                    B_p = B[p]
                    for j in range(B.shape[1]):
                        B_i[j] -= c * B_p[j]
            if not unit:
                d = _op_entry(A, i, i, trans)
                for j in range(B.shape[1]):
                    B_i[j] /= d
    else:
        for i in range(i1 - 1, i0 - 1, -1):
            B_i = B[i]
            for p in range(i + 1, i1):
                c = _op_entry(A, i, p, trans)
                if c != 0:
                    B_p = B[p]
                    for j in range(B.shape[1]):
                        B_i[j] -= c * B_p[j]
            if not unit:
                d = _op_entry(A, i, i, trans)
                for j in range(B.shape[1]):
                    B_i[j] /= d


@kernel
def ztrsm(A, B, lower, trans, unit, blocks, nb):
    """Solve ``op(A) X = B`` in place on B for a complex triangular A.

    Parameters
    ----------
    A : (n, n) complex ndarray
        Only the *lower* (or upper) triangle is read; with *unit* the
        diagonal is taken to be ones and not read.
    B : (n, k) complex ndarray, rows contiguous
        Overwritten with X.
    lower : bool
    trans : int
        0: ``op(A) = A``; 1: ``A^T``; 2: ``A^H`` (LAPACK's 'N', 'T', 'C').
    unit : bool
    blocks : tuple of int
        ``(MC, KC, NC)`` of the real packed GEMM under :func:`zgemm_1m`.
    nb : int
        Rows per diagonal block.

    Notes
    -----
    Golub & Van Loan, 4th ed., Sec. 3.1.5 (block substitution); LAPACK
    ``ztrsm`` (left side).  ``op(A)`` is lower triangular ("forward") for a
    lower A with trans 0 or an upper A with trans 1, 2; the blocks of rows
    are then solved top to bottom, each by row-axpy substitution
    (:func:`_ztrsm_block`), and its product with the off-diagonal block of
    ``op(A)`` -- copied once into a C-ordered workspace, conjugated for
    ``A^H`` -- subtracted from the rows not yet solved by :func:`zgemm_1m`.
    A zero diagonal entry is divided by (infs/NaNs, as ``ztrsm``); the API
    checks the diagonal first where LAPACK's ``ztrtrs`` would.  Flops
    4n^2 k real (n^2 k complex multiply-adds); workspace n nb complex.
    """
    n, k = B.shape
    if n == 0 or k == 0:
        return
    forward = lower == (trans == 0)
    W = np.empty((n, nb), B.dtype)
    minus_one = B.real.dtype.type(-1)
    nblocks = (n + nb - 1) // nb
    for t in range(nblocks):
        if forward:
            i0 = t * nb
            i1 = min(n, i0 + nb)
        else:
            i1 = n - t * nb
            i0 = max(0, i1 - nb)
        _ztrsm_block(A, B, i0, i1, forward, trans, unit)
        # rows still to solve: below the block (forward) or above it
        r0, r1 = (i1, n) if forward else (0, i0)
        if r1 > r0:
            kb = i1 - i0
            for r in range(r0, r1):
                for c in range(kb):
                    W[r - r0, c] = _op_entry(A, r, i0 + c, trans)
            zgemm_1m(W[: r1 - r0, :kb], B[i0:i1], B[r0:r1], minus_one, blocks)


@kernel
def _panel_rows_solve(A, k0, k1, unit_lower):
    """``A[k0:k1, k1:] <- T^{-1} A[k0:k1, k1:]`` for the triangle T of the diagonal block ``A[k0:k1, k0:k1]``.

    Parameters
    ----------
    A : (m, n) ndarray, C-contiguous, overwritten in rows k0..k1-1 right of column k1
    k0, k1 : int
        The diagonal block's rows and columns.
    unit_lower : bool
        T is the unit lower triangle of the block (an LU panel's L11:
        ``U12 = L11^{-1} A12``); else the transpose of its upper triangle
        (a Cholesky panel's U11: ``U12 = U11^{-T} A12``).

    Notes
    -----
    Row i of the result is ``(A_i - sum_{p<i} T[i, p] X_p) / T[i, i]``
    over the rows p = k0, ..., i-1 already solved (dtrsm's left-looking
    form; Golub & Van Loan, 4th ed., Sec. 3.1.3).  The sum takes four rows
    per pass, so row i is loaded and stored once per four rows and the
    loop's set-up and remainder are paid a quarter as often as with one
    axpy per row; the right-looking row axpys this replaces cost 60 % of a
    Cholesky of order 100 (devlog 081).  Each entry receives its terms in
    ascending p and is divided last, as in the right-looking loop, so the
    result is the same bit for bit (that loop skipped zero multipliers:
    here a zero times an inf gives a NaN, as in OpenBLAS's dtrsm).  Flops
    (k1-k0)^2 (n-k1).
    """
    w = A.shape[1] - k1
    for i in range(k0, k1):
        A_i = A[i, k1:]
        p = k0
        while p + 4 <= i:
            if unit_lower:
                a0 = A[i, p]
                a1 = A[i, p + 1]
                a2 = A[i, p + 2]
                a3 = A[i, p + 3]
            else:
                a0 = A[p, i]
                a1 = A[p + 1, i]
                a2 = A[p + 2, i]
                a3 = A[p + 3, i]
            X0 = A[p, k1:]
            X1 = A[p + 1, k1:]
            X2 = A[p + 2, k1:]
            X3 = A[p + 3, k1:]
            for j in range(w):
                A_i[j] = A_i[j] - a0 * X0[j] - a1 * X1[j] - a2 * X2[j] - a3 * X3[j]
            p += 4
        while p < i:
            a = A[i, p] if unit_lower else A[p, i]
            X_p = A[p, k1:]
            for j in range(w):
                A_i[j] -= a * X_p[j]
            p += 1
        if not unit_lower:
            d = A[i, i]
            for j in range(w):
                A_i[j] /= d


# the tiled LU and Cholesky (vector kernels: SLP and a high unroll threshold) call it through a
# pointer: compiled once with the plain settings, not unrolled again inside each of them
panel_rows_solve = out_of_line(_panel_rows_solve)
