"""Cholesky factorisation ``A = U^T U`` of a symmetric positive definite matrix.

1. :func:`cholesky_unblocked` right-looking outer-product Cholesky
2. :func:`cholesky_tiled`     panels of 16 rows, SYRK in register tiles
                              without packing (small and middle orders)
3. :func:`cholesky_blocked`   nb x nb diagonal blocks, TRSM for the block row,
                              SYRK (as block-row GEMMs) for the trailing update
4. :func:`cholesky_parallel`  the blocked algorithm with the TRSM and the
                              SYRK block rows spread over threads
5. :func:`zcholesky`          complex Hermitian ``A = U^H U`` (``zpotrf``): the
                              blocked algorithm with conjugate transposes and
                              the 1m complex GEMM

Kernel contract: ``A`` is (n, n), C-contiguous (or a view of one); only its
upper triangle is read, and it is overwritten with U (upper triangular,
positive diagonal).  Below the diagonal: untouched by the unblocked kernel;
the blocked kernels also write the strictly lower part of each nb x nb
diagonal block (the SYRK update of a whole block row), so callers must treat
the lower triangle as garbage.  Status: 0, or ``k + 1`` when the k-th
leading minor is not positive definite (the pivot ``A[k, k]`` after the
updates is <= 0; NaNs propagate instead); the factorisation stops there, as LAPACK
``dpotrf``.  No checks are made on the inputs.

Row-major note: the upper factor of a row-major array is, byte for byte,
LAPACK's lower factor of the same memory read column-major (A is
symmetric), and computing U keeps every inner loop along a row: row k of U
is row k of A scaled, and the update of row i > k is an axpy with row k.
The API returns ``L = U.T`` for numpy's lower factor.

References: Golub & Van Loan, *Matrix Computations*, 4th ed., Algorithm
4.2.2 (outer-product Cholesky) and Sec. 4.2.9 (block Cholesky, the
level-3 form); LAPACK ``dpotf2``, ``dpotrf``.  Flops n^3/3.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from jitla._jit import kernel, parallel_kernel, vector_kernel
from jitla.kernels._registry import register
from jitla.kernels.gemm import expand_1m, gemm_packed
from jitla.kernels.level1 import dot
from jitla.kernels.tile_update import tile_update_ool
from jitla.kernels.triangular import (
    _trsm_forward_blocked,
    _trsm_kernel,
    panel_rows_solve,
    trsm_unchecked,
    ztrsm,
)


def cholesky_flops(n):
    """Nominal flop count of Cholesky: n^3/3."""
    return float(n) ** 3 / 3.0


def _cholesky_example(dtype):
    return (np.array([[4, 2, 0, 1], [2, 5, 1, 0], [0, 1, 6, 2], [1, 0, 2, 7]], dtype),)


@register(
    "cholesky",
    "unblocked",
    "right-looking outer-product Cholesky, one row axpy per element of U (dpotf2)",
    flops=cholesky_flops,
    example=_cholesky_example,
)
@kernel
def cholesky_unblocked(A):
    """Overwrite the upper triangle of A with U, ``A = U^T U``.

    Parameters
    ----------
    A : (n, n) ndarray
        Symmetric positive definite; only the upper triangle is read and
        written.

    Returns
    -------
    info : int
        0, or ``k + 1`` if the leading k+1 x k+1 minor is not positive
        definite.

    Notes
    -----
    Golub & Van Loan, 4th ed., Algorithm 4.2.2, on the upper triangle: for
    each k, ``U[k, k] = sqrt(A[k, k])``, ``U[k, k+1:] = A[k, k+1:] / U[k, k]``,
    then ``A[i, i:] -= U[k, i] * U[k, i:]`` for every row i > k (the
    symmetric rank-1 update, upper half only).  The test is ``d <= 0``: a
    NaN pivot does not stop the factorisation but propagates to the rest of
    U, which is what numpy.linalg.cholesky does with OpenBLAS's ``dpotrf``
    (reference LAPACK would stop).  Flops n^3/3; no workspace.
    """
    n = A.shape[0]
    for k in range(n):
        d = A[k, k]
        if d <= 0:  # a NaN pivot is not caught: it propagates, as with numpy's LAPACK
            return k + 1
        d = math.sqrt(d)
        A[k, k] = d
        U_k = A[k, k + 1 :]
        for j in range(n - k - 1):
            U_k[j] /= d
        # symmetric rank-1 update of the trailing upper triangle
        for i in range(k + 1, n):
            a = U_k[i - k - 1]
            if a != 0:
                A_i = A[i, i:]
                U_ki = A[k, i:]
                for j in range(n - i):
                    A_i[j] -= a * U_ki[j]
    return 0


#: Rows per panel of :func:`cholesky_tiled`.
TILED_IB = 16


@register(
    "cholesky",
    "tiled",
    "panels of 16 rows: unblocked diagonal block, row-axpy TRSM, register-tile SYRK without packing",
    flops=cholesky_flops,
    example=_cholesky_example,
)
@vector_kernel
def cholesky_tiled(A):
    """Overwrite the upper triangle of A with U, ``A = U^T U``, for small and middle orders.

    Parameters
    ----------
    A : (n, n) ndarray, C-contiguous
        Symmetric positive definite; only the upper triangle is read and
        written (the strict lower triangle is left as it was).

    Returns
    -------
    info : int
        As :func:`cholesky_unblocked`.

    Notes
    -----
    LAPACK ``dpotrf``'s right-looking blocked algorithm (Golub & Van Loan,
    4th ed., Sec. 4.2.9) with panels of :data:`TILED_IB` rows and no
    packed GEMM.  For each panel:

    1. ``U11 = chol(A11)``: :func:`cholesky_unblocked`'s loops on the
       diagonal block's rows;
    2. ``U12 = U11^{-T} A12``: forward substitution along the contiguous
       rows of the panel, four earlier rows per pass
       (:func:`jitla.kernels.triangular.panel_rows_solve`) -- in row-major storage the upper
       factor's panel is a block of whole rows, so there is nothing to
       transpose;
    3. ``A22 -= U12^T U12`` on the upper triangle by
       :func:`jitla.kernels.tile_update.tile_update` (register tiles, the
       column of ``U12^T`` read as broadcasts).

    Flops n^3/3; workspace none.
    """
    n = A.shape[0]
    F = A.reshape(n * n)
    # loop over panels of TILED_IB rows
    for k0 in range(0, n, TILED_IB):
        k1 = min(k0 + TILED_IB, n)
        # U11 = chol(A11), rows of the diagonal block
        for k in range(k0, k1):
            d = A[k, k]
            if d <= 0:  # a NaN pivot is not caught: it propagates, as with numpy's LAPACK
                return k + 1
            d = math.sqrt(d)
            A[k, k] = d
            U_k = A[k, k + 1 : k1]
            for j in range(k1 - k - 1):
                U_k[j] /= d
            for i in range(k + 1, k1):
                a = U_k[i - k - 1]
                A_i = A[i, i:k1]
                U_ki = A[k, i:k1]
                for j in range(k1 - i):
                    A_i[j] -= a * U_ki[j]
        if k1 < n:
            # U12 = U11^{-T} A12, row by row (left-looking): row i takes the rows p < i
            # of the panel four at a time, then its division
            panel_rows_solve(A, k0, k1, False)
            # A22 -= U12^T U12, upper triangle
            tile_update_ool(F, k0 * n + k1, n, F, n, k0 * n + k1, k1 * n + k1, n - k1, n - k1, k1 - k0, True)
    return 0


@kernel
def _syrk_block_row(W, U12, A, k1, j0, j1, blocks):
    """``A[j0:j1, j0:] -= W[j0-k1:j1-k1] @ U12[:, j0-k1:]``: one block row of the SYRK.

    ``W = U12.T`` (contiguous).  Only columns from j0 on are updated (the
    upper triangle plus the lower part of the diagonal block).
    """
    # `W[rows, :]`, not `W[rows]`: Numba types a row slice of a C array as C and a slice of
    # both axes as A, and the TRSM calls gemm_packed with A-layout operands; one layout means
    # one compiled gemm_packed instead of two
    gemm_packed(W[j0 - k1 : j1 - k1, :], U12[:, j0 - k1 :], A[j0:j1, j0:], A.dtype.type(-1), blocks)


@register(
    "cholesky",
    "blocked",
    "nb x nb diagonal blocks: TRSM for the block row, block-row GEMMs for the SYRK (dpotrf)",
    flops=cholesky_flops,
    example=_cholesky_example,
    extra_args=("blocks", "nb"),
)
@kernel
def cholesky_blocked(A, blocks, nb):
    """Overwrite the upper triangle of A with U, ``A = U^T U``, *nb* rows at a time.

    Parameters
    ----------
    A : (n, n) ndarray
        As :func:`cholesky_unblocked`; the strictly lower triangle is not
        touched.
    blocks : tuple of int
        ``(MC, KC, NC)`` of the packed GEMM.
    nb : int
        Block size.

    Returns
    -------
    info : int
        As :func:`cholesky_unblocked`.

    Notes
    -----
    Golub & Van Loan, 4th ed., Sec. 4.2.9; LAPACK ``dpotrf`` (right-looking
    variant).  For each diagonal block:

    1. ``U11 = chol(A11)`` (unblocked, in cache);
    2. ``U12 = U11^{-T} A12`` (TRSM with the transposed upper factor);
    3. ``A22 -= U12^T U12`` (SYRK) on the upper triangle only, as one GEMM
       per block row of A22, ``A[j0:j1, j0:] -= U12[:, j0:j1]^T U12[:, j0:]``
       with ``U12^T`` copied once to a contiguous buffer.

    The block rows do nb^2/2 extra flops each in their diagonal block
    (about nb/n of the total).  Steps 1 and 2 work on contiguous copies of
    the diagonal block and the block row (as :func:`cholesky_lower_blocked`
    does), never on A's rows in place.  Flops n^3/3; workspace nb x nb,
    nb x (n - nb) for ``U12`` and as much for ``U12^T``, plus the GEMM's
    packing buffers.
    """
    n = A.shape[0]
    ib = max(4, nb // 4)
    # loop over diagonal blocks
    for k0 in range(0, n, nb):
        k1 = min(k0 + nb, n)
        kb = k1 - k0
        # the diagonal block and the block row are worked on in contiguous copies: when A's
        # rows are a power of two of bytes apart (n = 2048) every row of a block falls in the
        # same few L1 sets, and the unblocked factor and the TRSM, which sweep all nb rows
        # per step, miss on every row
        U11 = np.empty((kb, kb), dtype=A.dtype)
        for i in range(kb):
            for j in range(i, kb):
                U11[i, j] = A[k0 + i, k0 + j]
        info = cholesky_unblocked(U11)
        for i in range(kb):
            for j in range(i, kb):
                A[k0 + i, k0 + j] = U11[i, j]
        if info > 0:
            return info + k0
        if k1 < n:
            U12 = np.empty((kb, n - k1), dtype=A.dtype)
            for i in range(kb):
                U12[i, :] = A[k0 + i, k1:]
            _trsm_forward_blocked(U11, U12, False, True, False, blocks, ib)
            for i in range(kb):
                A[k0 + i, k1:] = U12[i, :]
            W = np.empty((n - k1, kb), dtype=A.dtype)
            _transpose_into(U12, W)
            # SYRK A22 -= U12^T U12, one block row of nb rows at a time
            for j0 in range(k1, n, nb):
                _syrk_block_row(W, U12, A, k1, j0, min(j0 + nb, n), blocks)
    return 0


@kernel
def _transpose_into(src, dst):
    """``dst = src.T`` in 32 x 32 tiles (both operands may be strided views)."""
    m, n = src.shape
    for i0 in range(0, m, 32):
        i1 = min(i0 + 32, m)
        for j0 in range(0, n, 32):
            j1 = min(j0 + 32, n)
            for i in range(i0, i1):
                for j in range(j0, j1):
                    dst[j, i] = src[i, j]


@register(
    "cholesky_lower",
    "blocked",
    "numpy's lower factor in place on a C array: the blocked algorithm, panels transposed",
    flops=cholesky_flops,
    example=_cholesky_example,
    extra_args=("blocks", "nb"),
)
@kernel
def cholesky_lower_blocked(A, blocks, nb):
    """Overwrite A with L, ``A = L L^T``, reading A's lower triangle; zeros above the diagonal.

    Parameters
    ----------
    A : (n, n) ndarray, C-contiguous
        Symmetric positive definite; only the lower triangle is read.  On
        return L, its strict upper triangle zero (partial results when the
        matrix is not positive definite).
    blocks : tuple of int
        ``(MC, KC, NC)`` of the packed GEMM.
    nb : int
        Block size.

    Returns
    -------
    info : int
        As :func:`cholesky_unblocked`.

    Notes
    -----
    :func:`cholesky_blocked` (Golub & Van Loan, 4th ed., Sec. 4.2.9; LAPACK
    ``dpotrf``, right-looking) written for the lower triangle of a
    row-major array, so numpy's ``L`` needs no transpose of the whole
    matrix before or after.  For each diagonal block:

    1. ``L11 = chol(A11)``: the nb x nb block's lower triangle is copied
       transposed to a small buffer, factored there by
       :func:`cholesky_unblocked` (``U11 = L11^T``) and copied back;
    2. ``L21 = A21 L11^{-T}``: the panel ``A21`` (a column strip, strided
       rows of nb elements) is transposed to a contiguous ``W = A21^T``,
       which is exactly the upper kernel's ``A12``; ``W := U11^{-T} W``
       (TRSM, unchanged), and ``L21 = W^T`` is written back;
    3. ``A22 -= L21 L21^T`` on the lower triangle, one GEMM per block row:
       ``A[j0:j1, k1:j1] -= L21[j0:j1] @ W[:, :j1]``.

    Against :func:`cholesky_blocked` this moves one transpose of the panel
    per step (n^2/2 elements in all) inside, instead of two transposes of
    the whole matrix outside.  Flops n^3/3; workspace nb x (n - nb) for W,
    nb x nb for the diagonal block, and the GEMM's packing buffers.
    """
    n = A.shape[0]
    ib = max(4, nb // 4)
    one = A.dtype.type(1)
    # loop over diagonal blocks
    for k0 in range(0, n, nb):
        k1 = min(k0 + nb, n)
        kb = k1 - k0
        U11 = np.empty((kb, kb), dtype=A.dtype)
        for i in range(kb):
            for j in range(i, kb):
                U11[i, j] = A[k0 + j, k0 + i]
        info = cholesky_unblocked(U11)
        for i in range(kb):
            for j in range(i + 1):
                A[k0 + i, k0 + j] = U11[j, i]
        if info > 0:
            return info + k0
        if k1 < n:
            L21 = A[k1:, k0:k1]
            W = np.empty((kb, n - k1), dtype=A.dtype)
            _transpose_into(L21, W)
            _trsm_forward_blocked(U11, W, False, True, False, blocks, ib)
            _transpose_into(W, L21)
            # SYRK A22 -= L21 L21^T (lower), one block row of nb rows at a time
            for j0 in range(k1, n, nb):
                j1 = min(j0 + nb, n)
                gemm_packed(A[j0:j1, k0:k1], W[:, : j1 - k1], A[j0:j1, k1:j1], -one, blocks)
    for i in range(n):
        for j in range(i + 1, n):
            A[i, j] = 0
    return 0


@register(
    "cholesky",
    "parallel",
    "blocked Cholesky, TRSM column parts and SYRK block rows spread over threads",
    flops=cholesky_flops,
    parallel=True,
    example=_cholesky_example,
    extra_args=("blocks", "nb", "nthreads"),
)
@parallel_kernel
def cholesky_parallel(A, blocks, nb, nthreads):
    """:func:`cholesky_blocked` with the TRSM and SYRK run by *nthreads* threads.

    Parameters
    ----------
    A, blocks, nb
        As :func:`cholesky_blocked`.
    nthreads : int
        Threads (explicit partitions; results do not depend on the count).

    Notes
    -----
    The diagonal block stays serial (n/nb small factorisations of
    nb^3/3 flops each).  Flops n^3/3; workspace as the blocked kernel, and
    packing buffers per thread.
    """
    n = A.shape[0]
    ib = max(4, nb // 4)
    # loop over diagonal blocks
    for k0 in range(0, n, nb):
        k1 = min(k0 + nb, n)
        info = cholesky_unblocked(A[k0:k1, k0:k1])
        if info > 0:
            return info + k0
        if k1 < n:
            U12 = A[k0:k1, k1:]
            # U12 = U11^{-T} A12, the columns in nthreads contiguous parts
            width = n - k1
            parts = max(1, min(nthreads, width // 64))
            for t in prange(parts):
                j0 = t * width // parts
                j1 = (t + 1) * width // parts
                _trsm_forward_blocked(A[k0:k1, k0:k1], U12[:, j0:j1], False, True, False, blocks, ib)
            W = np.ascontiguousarray(U12.T)
            # SYRK: block row r by thread r mod nthreads (a row's cost falls
            # linearly down the matrix, so cyclic assignment balances them)
            rows = (n - k1 + nb - 1) // nb
            teams = max(1, min(nthreads, rows))
            for t in prange(teams):
                for r in range(t, rows, teams):
                    j0 = k1 + r * nb
                    _syrk_block_row(W, U12, A, k1, j0, min(j0 + nb, n), blocks)
    return 0


@register(
    "cholesky_lower",
    "unblocked",
    "numpy's lower factor in one call: transpose, unblocked Cholesky, transpose back",
    flops=cholesky_flops,
    example=lambda dtype: (_cholesky_example(dtype)[0], np.empty((4, 4), dtype)),
)
@kernel
def cholesky_lower(A, L):
    """Overwrite L with the lower factor of ``A = L L^T``, reading A's lower triangle.

    Parameters
    ----------
    A : (n, n) ndarray
        Not modified; only its lower triangle is read.
    L : (n, n) ndarray, C-contiguous
        Overwritten with L (zeros above the diagonal).  When the matrix is
        not positive definite it holds partial results.

    Returns
    -------
    info : int
        0, or ``k + 1`` when the k-th leading minor is not positive definite.

    Notes
    -----
    The whole of numpy.linalg.cholesky for one matrix in one Numba call:
    ``L <- tril(A)^T`` (upper triangle), :func:`cholesky_unblocked` on it,
    then the transpose back in place.  Same arithmetic as the API's general
    path.  Flops n^3/3; no workspace.
    """
    n = A.shape[0]
    for i in range(n):
        for j in range(i, n):
            L[i, j] = A[j, i]
    info = cholesky_unblocked(L)
    if info != 0:
        return info
    for i in range(n):
        for j in range(i + 1, n):
            L[j, i] = L[i, j]
            L[i, j] = 0
    return 0


@register(
    "cholesky_lower",
    "tiled",
    "numpy's lower factor in one call: transpose, tiled Cholesky (register-tile SYRK), transpose back",
    flops=cholesky_flops,
    example=lambda dtype: (_cholesky_example(dtype)[0], np.empty((4, 4), dtype)),
)
@kernel
def cholesky_lower_tiled(A, L):
    """:func:`cholesky_lower` with the factorisation by :func:`cholesky_tiled`; arguments and status as there.

    ``L <- tril(A)^T`` (upper triangle), :func:`cholesky_tiled` on it, then
    the transpose back in place: two passes over a triangle (n^2 moves),
    where the factorisation's panels need none.  Flops n^3/3; no
    workspace.
    """
    n = A.shape[0]
    for i in range(n):
        for j in range(i, n):
            L[i, j] = A[j, i]
    info = cholesky_tiled(L)
    if info != 0:
        return info
    for i in range(n):
        for j in range(i + 1, n):
            L[j, i] = L[i, j]
            L[i, j] = 0
    return 0


# --------------------------------------------------------------------------
# solving with the factor, in one call
# --------------------------------------------------------------------------
@kernel
def _potrs_vector(C, w, lower):
    """``w <- A^{-1} w`` for a contiguous vector, A = L L^T (``lower``, L in C) or U^T U (U in C).

    Each triangle is read by rows: the solve with the stored triangle in
    dot form (:func:`jitla.kernels.level1.dot`, Golub & Van Loan, 4th ed.,
    Algorithm 3.1.1), the solve with its transpose in axpy form (Algorithm
    3.1.2 on the transpose: a row of C is a column of C^T).
    """
    n = w.shape[0]
    if lower:
        for i in range(n):  # L y = b
            w[i] = (w[i] - dot(C[i, :i], w[:i])) / C[i, i]
        for p in range(n - 1, -1, -1):  # L^T x = y: x[:p] -= x[p] L[p, :p]
            w[p] /= C[p, p]
            a = w[p]
            row = C[p, :p]
            for i in range(p):
                w[i] -= a * row[i]
    else:
        for p in range(n):  # U^T y = b: y[p+1:] -= y[p] U[p, p+1:]
            w[p] /= C[p, p]
            a = w[p]
            tail = w[p + 1 :]
            row = C[p, p + 1 :]
            for i in range(n - p - 1):
                tail[i] -= a * row[i]
        for i in range(n - 1, -1, -1):  # U x = y
            w[i] = (w[i] - dot(C[i, i + 1 :], w[i + 1 :])) / C[i, i]


@register(
    "potrs",
    "serial",
    "solve with a Cholesky factor in one call: both triangular solves (dpotrs)",
    flops=lambda n, k=1: 2.0 * n * n * k,
    example=lambda dtype: (np.array([[2, 0], [1, 3]], dtype), np.ones(2, dtype), True),
)
@kernel
def cho_solve_factored(C, X, lower):
    """Overwrite X with ``A^{-1} X`` from the Cholesky factor of A held in one triangle of C.

    Parameters
    ----------
    C : (n, n) ndarray, C-contiguous
        L in the lower triangle (``lower``) or U in the upper one; the
        other triangle is not read.
    X : (n,) or (n, k) ndarray, C-contiguous
        Right-hand side(s), overwritten with the solution.
    lower : bool

    Notes
    -----
    LAPACK ``dpotrs``: ``L y = b, L^T x = y`` (or ``U^T y = b, U x = y``)
    in one Numba call.  One right-hand side: :func:`_potrs_vector` on a
    contiguous copy; several: the row-axpy solves of
    :func:`jitla.kernels.triangular._trsm_kernel`.  A zero on the diagonal
    is divided by, column by column as LAPACK's dtrsm
    (:func:`jitla.kernels.triangular.trsm_unchecked`), so the solution holds
    the infs/NaNs scipy's ``cho_solve`` gives.  Flops 2n^2 k; workspace one
    n-vector.
    """
    n = C.shape[0]
    X2 = X.reshape((n, -1))
    for i in range(n):
        if C[i, i] == 0:
            trsm_unchecked(C, X2, lower, not lower, False)
            trsm_unchecked(C, X2, lower, lower, False)
            return
    if X2.shape[1] == 1:
        w = np.empty(n, dtype=X.dtype)
        for i in range(n):
            w[i] = X2[i, 0]
        _potrs_vector(C, w, lower)
        for i in range(n):
            X2[i, 0] = w[i]
    else:
        # first op(T) with op(T) lower: L (no transpose) or U^T; then its transpose
        _trsm_kernel(C, X2, lower, not lower, False)
        _trsm_kernel(C, X2, lower, lower, False)


# --------------------------------------------------------------------------
# complex: A = U^H U for Hermitian positive definite A (zpotrf, uplo 'U')
# --------------------------------------------------------------------------
@kernel
def _zpotf2(A):
    """Unblocked upper Cholesky of the Hermitian (n, n) view A in place; status as :func:`zcholesky`.

    Right-looking, row-oriented: ``u_kk = sqrt(Re a_kk)``, row k of U is
    row k of A over u_kk, and each later row i loses
    ``conj(u_ki) * U[k, i:]`` (only the upper triangle is touched).
    """
    n = A.shape[0]
    for k in range(n):
        d = A[k, k].real
        if not d > 0:  # also NaN
            return k + 1
        r = np.sqrt(d)
        A[k, k] = r
        U_k = A[k]
        for j in range(k + 1, n):
            U_k[j] /= r
        for i in range(k + 1, n):
            c = U_k[i].conjugate()
            if c != 0:
                A_i = A[i]
                for j in range(i, n):
                    A_i[j] -= c * U_k[j]
    return 0


@kernel
def zcholesky(A, blocks, nb):
    """Overwrite the upper triangle of the Hermitian positive definite A with U, ``A = U^H U``.

    Parameters
    ----------
    A : (n, n) complex ndarray, C-contiguous
        Only the upper triangle is read (the imaginary parts of the
        diagonal are ignored, as ``zpotrf``); it is overwritten with U.  The
        strict lower triangle is used as scratch.
    blocks : tuple of int
        ``(MC, KC, NC)`` of the real packed GEMM under :func:`zgemm_1m`.
    nb : int
        Block size.

    Returns
    -------
    info : int
        0, or k for a k-th leading minor that is not positive definite (a
        diagonal that is not > 0, NaN included).

    Notes
    -----
    Golub & Van Loan, 4th ed., Algorithm 4.2.2 (outer-product Cholesky) in
    its blocked form (Sec. 4.2.9), complex as LAPACK ``zpotrf``: per block
    row, factor the diagonal block (:func:`_zpotf2`), solve
    ``U11^H U12 = A12`` (:func:`jitla.kernels.triangular.ztrsm`, op = A^H),
    and subtract ``U12^H U12`` from the trailing matrix by block rows, each
    from its diagonal block rightwards (:func:`zgemm_1m`; the lower half of
    each diagonal block is computed too and lands in the scratch triangle).
    What complex arithmetic changes: the diagonal is real (the square root
    of a real number), and every product with the factor's transpose is
    with its conjugate transpose.  Flops 4n^3/3 real; workspace n nb complex.
    """
    n = A.shape[0]
    real = A.real.dtype
    minus_one = real.type(-1)
    W = np.empty((n, nb), A.dtype)
    for k0 in range(0, n, nb):
        k1 = min(n, k0 + nb)
        info = _zpotf2(A[k0:k1, k0:k1])
        if info:
            return info + k0
        if k1 < n:
            ztrsm(A[k0:k1, k0:k1], A[k0:k1, k1:], False, 2, False, blocks, max(4, nb // 4))
            kb = k1 - k0
            for r in range(n - k1):
                for c in range(kb):
                    W[r, c] = A[k0 + c, k1 + r].conjugate()
            # U12 in 1m's real form once for all the block rows (zgemm_1m would expand
            # the part right of each block row again)
            Ux = np.empty((2 * kb, 2 * (n - k1)), real)
            expand_1m(A[k0:k1, k1:], Ux)
            Wr = W.view(real)
            for j0 in range(k1, n, nb):
                j1 = min(n, j0 + nb)
                # A[j0:j1, j0:] -= U12[:, j0:j1]^H U12[:, j0:] by the 1m method
                gemm_packed(
                    Wr[j0 - k1 : j1 - k1, : 2 * kb],
                    Ux[:, 2 * (j0 - k1) :],
                    A[j0:j1, j0:].view(real),
                    minus_one,
                    blocks,
                )
    return 0
