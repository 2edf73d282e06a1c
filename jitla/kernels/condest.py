"""Condition estimation from an LU factorisation: LAPACK's ``xGECON``.

:func:`gecon` estimates the reciprocal condition number in the 1-norm,
``rcond = 1 / (||A||_1 ||A^{-1}||_1)``, in O(n^2) flops from the factors of
``P A = L U``: ``||A||_1`` is read from A, and ``||A^{-1}||_1`` is
estimated by Hager's method as refined by Higham, which needs only a few
products with ``A^{-1}`` and ``A^{-T}`` -- each one a pair of triangular
solves with the factors -- instead of the inverse itself.

The estimate of ``||A^{-1}||_1`` is a lower bound (it is the norm of some
``A^{-1} x`` with ``||x||_1 = 1``), so the rcond returned is an upper bound
on the true one; in practice it is almost always within a factor 3 of it.
The permutation P does not matter: ``A^{-1} = U^{-1} L^{-1} P`` and
multiplying by a permutation on the right only reorders the columns, which
leaves the 1-norm (the largest column sum) unchanged, so only L and U are
read, as in ``dgecon``.

References: W. W. Hager, "Condition estimates", SIAM J. Sci. Stat. Comput.
5 (1984) 311-316; N. J. Higham, "FORTRAN codes for estimating the one-norm
of a real or complex matrix, with applications to condition estimation",
ACM TOMS 14 (1988) 381-396 (Algorithm 4.1, LAPACK ``dlacn2``); Higham,
*Accuracy and Stability of Numerical Algorithms*, 2nd ed., Algorithm 15.4.
"""

from __future__ import annotations

import numpy as np

from jitla._jit import kernel, out_of_line, vector_kernel
from jitla.kernels._registry import register
from jitla.kernels._tile import register_tile
from jitla.kernels.level1 import dot

#: Higham's iteration cap for the power-method steps (dlacn2's ITMAX).
MAX_STEPS = 5


def gecon_flops(n):
    """Nominal flop count: ||A||_1 (n^2) and about five pairs of triangular solves (2n^2 each)."""
    return 11.0 * n * n


def _gecon_example(dtype):
    A = np.array([[4, 1, 0], [1, 4, 1], [0, 1, 4]], dtype)
    LU = np.array([[4, 1, 0], [0.25, 3.75, 1], [0, 1 / 3.75, 4 - 1 / 3.75]], dtype)
    return A, LU


@vector_kernel
def _dot4(a0, a1, a2, a3, x):
    """``(a0 . x, a1 . x, a2 . x, a3 . x)``: four rows against one vector (a GEMV of four rows).

    One vector register of partial sums per row: the four rows' chains of
    multiply-adds are independent, so together they keep the FMA unit
    busy where one dot with its own set-up and its sixteen-term combination
    per row would not; each entry of x is loaded once for the four.  The
    remainder is folded into the partial sums under a mask (constant trip
    counts keep them in registers) and each row's lanes are combined
    pairwise.  Flops 8n.
    """
    acc = register_tile(x, 4, 1)
    W = acc.shape[1]
    n = x.shape[0]
    for j in range(W):
        acc[0, j] = 0
        acc[1, j] = 0
        acc[2, j] = 0
        acc[3, j] = 0
    nb = n - n % W
    for c in range(0, nb, W):
        for j in range(W):
            xv = x[c + j]
            acc[0, j] += a0[c + j] * xv
            acc[1, j] += a1[c + j] * xv
            acc[2, j] += a2[c + j] * xv
            acc[3, j] += a3[c + j] * xv
    for j in range(W):
        if nb + j < n:
            xv = x[nb + j]
            acc[0, j] += a0[nb + j] * xv
            acc[1, j] += a1[nb + j] * xv
            acc[2, j] += a2[nb + j] * xv
            acc[3, j] += a3[nb + j] * xv
    for j in range(W // 2):
        for r in range(4):
            acc[r, j] += acc[r, j + W // 2]
    for j in range(W // 4):
        for r in range(4):
            acc[r, j] += acc[r, j + W // 4]
    for j in range(1, W // 4):
        for r in range(4):
            acc[r, 0] += acc[r, j]
    return acc[0, 0], acc[1, 0], acc[2, 0], acc[3, 0]


#: Rows per block of :func:`solve_lu_rows`.
SOLVE_BLOCK = 8


@kernel
def solve_lu_rows(LU, x):
    """``x <- U^{-1} L^{-1} x`` (L unit lower, U upper, both in LU), dot forms along rows, in blocks of rows.

    Row by row, each dot needs the entry the previous row just produced,
    so a plain row-oriented solve runs at the *latency* of one dot per row
    (the partial sums' combination and the scalar tail), not at the
    throughput of the arithmetic.  Here the rows come in blocks of
    :data:`SOLVE_BLOCK`: first the dots of the block's rows with the part
    of x already solved -- independent of each other, so they overlap --
    then the small triangle inside the block, entry by entry (blocked
    TRSV; Golub & Van Loan, 4th ed., Sec. 3.1.6).  The long dots go four
    rows at a time (:func:`_dot4`), the odd rows of the last block through
    :func:`jitla.kernels.level1.dot`.  Blocks of 8 rows: at n = 100, 4 gave
    3.8 us, 8 gave 4.0, 16 4.5, 32 5.6 (the in-block triangle grows); at
    n = 10, 4 rows cost 0.48 us against 0.43 (devlog 050).  Shared with
    :func:`jitla.kernels.lu._lu_solve_vector`.  Flops 2n^2.
    """
    n = x.shape[0]
    B = SOLVE_BLOCK
    for i0 in range(0, n, B):  # L v = x, forward
        i1 = min(i0 + B, n)
        if i0 > 0:
            head = x[:i0]
            i = i0
            while i + 4 <= i1:
                s0, s1, s2, s3 = _dot4(LU[i, :i0], LU[i + 1, :i0], LU[i + 2, :i0], LU[i + 3, :i0], head)
                x[i] -= s0
                x[i + 1] -= s1
                x[i + 2] -= s2
                x[i + 3] -= s3
                i += 4
            for r in range(i, i1):
                x[r] -= dot(LU[r, :i0], head)
        for i in range(i0 + 1, i1):
            s = x[i]
            for p in range(i0, i):
                s -= LU[i, p] * x[p]
            x[i] = s
    for i1 in range(n, 0, -B):  # U z = v, backward
        i0 = max(i1 - B, 0)
        if i1 < n:
            tail = x[i1:]
            i = i0
            while i + 4 <= i1:
                s0, s1, s2, s3 = _dot4(LU[i, i1:], LU[i + 1, i1:], LU[i + 2, i1:], LU[i + 3, i1:], tail)
                x[i] -= s0
                x[i + 1] -= s1
                x[i + 2] -= s2
                x[i + 3] -= s3
                i += 4
            for r in range(i, i1):
                x[r] -= dot(LU[r, i1:], tail)
        for i in range(i1 - 1, i0 - 1, -1):
            s = x[i]
            for p in range(i + 1, i1):
                s -= LU[i, p] * x[p]
            x[i] = s / LU[i, i]


# lu._lu_solve_vector calls it through one C entry, so that its code (with _dot4 and dot) is
# not optimised again in every module above it (devlog 059)
solve_lu_rows_ool = out_of_line(solve_lu_rows)


@kernel
def _forward_columns(M, x, unit):
    """``x <- T^{-1} x`` for the lower triangular T whose column j below the diagonal is ``M[j, j+1:]``.

    T's diagonal is ``M[j, j]``, or ones with *unit*.  Column (axpy) form,
    four columns per pass: the 4 x 4 triangle at the diagonal is solved in
    place, then ``x[j+4:]`` is updated by the four columns in one loop,
    so x's tail is loaded and stored once per four columns and the loop's
    set-up and remainder are paid a quarter as often as with one axpy per
    column.  Each entry still receives the terms in the order of the
    one-column loop (``x_i - a_0 m_0 - a_1 m_1 - ...``), so the result is
    that loop's, bit for bit.  The triangle's loops have constant trip
    counts, so LLVM unrolls them into the scalars one would write by hand
    (written out so, they cost more compilation; devlog 085).  Flops n^2.
    """
    n = x.shape[0]
    j = 0
    while j + 4 <= n:
        for q in range(j, j + 4):
            s = x[q]
            for p in range(j, q):
                s -= x[p] * M[p, q]
            x[q] = s if unit else s / M[q, q]
        a0 = x[j]
        a1 = x[j + 1]
        a2 = x[j + 2]
        a3 = x[j + 3]
        # views from 0: no negative-index check in the loop, which vectorises
        tail = x[j + 4 :]
        c0 = M[j, j + 4 :]
        c1 = M[j + 1, j + 4 :]
        c2 = M[j + 2, j + 4 :]
        c3 = M[j + 3, j + 4 :]
        for i in range(n - j - 4):
            tail[i] = tail[i] - a0 * c0[i] - a1 * c1[i] - a2 * c2[i] - a3 * c3[i]
        j += 4
    for q in range(j, n):  # the last n % 4 entries, as the triangles above
        s = x[q]
        for p in range(j, q):
            s -= x[p] * M[p, q]
        x[q] = s if unit else s / M[q, q]


@kernel
def _backward_columns(M, x, unit):
    """``x <- T^{-1} x`` for the upper triangular T whose column j above the diagonal is ``M[j, :j]``.

    T's diagonal is ``M[j, j]``, or ones with *unit*.  The mirror of
    :func:`_forward_columns` (last columns first, four per pass, the same
    order of terms as one column per pass).  Flops n^2.
    """
    n = x.shape[0]
    j1 = n
    while j1 >= 4:
        j = j1 - 4
        for i in range(j1 - 1, j - 1, -1):
            s = x[i]
            for q in range(j1 - 1, i, -1):
                s -= x[q] * M[q, i]
            x[i] = s if unit else s / M[i, i]
        a0 = x[j]
        a1 = x[j + 1]
        a2 = x[j + 2]
        a3 = x[j + 3]
        c0 = M[j, :j]
        c1 = M[j + 1, :j]
        c2 = M[j + 2, :j]
        c3 = M[j + 3, :j]
        for i in range(j):
            x[i] = x[i] - a3 * c3[i] - a2 * c2[i] - a1 * c1[i] - a0 * c0[i]
        j1 = j
    for i in range(j1 - 1, -1, -1):  # the first n % 4 entries, as the triangles above
        s = x[i]
        for q in range(j1 - 1, i, -1):
            s -= x[q] * M[q, i]
        x[i] = s if unit else s / M[i, i]


# each substitution is compiled once, with *unit* a run-time flag, and called through a pointer
# by the two solves below (four copies of the vectorised loops otherwise: a cold solve paid
# seconds of compilation for them)
_forward_columns_ool = out_of_line(_forward_columns)
_backward_columns_ool = out_of_line(_backward_columns)


@kernel
def solve_lu_columns(LUT, x):
    """``x <- U^{-1} L^{-1} x`` from the *transposed* factors ``LUT = LU^T``, column (axpy) forms.

    Row j of LUT holds column j of L below the diagonal and column j of U
    above it, so both substitutions of ``A^{-1} x`` become contiguous
    axpys (:func:`_forward_columns`, :func:`_backward_columns`), which
    vectorise without reassociating a sum; the dot forms on LU itself
    (:func:`solve_lu_rows`) end every row in a horizontal sum and a
    serial in-block triangle.  Flops 2n^2.
    """
    _forward_columns_ool(LUT, x, True)
    _backward_columns_ool(LUT, x, False)


@kernel
def _solve_lu_t(LU, x):
    """``x <- L^{-T} U^{-T} x``: rows of U and L are the columns of their transposes (axpy forms)."""
    _forward_columns_ool(LU, x, False)
    _backward_columns_ool(LU, x, True)


# the estimator's steps (dlacn2's jump labels), named by the product x holds when the loop
# comes back from it
_FIRST, _SIGNS, _UNIT, _STEP, _CHECK = 1, 2, 3, 4, 5


@register(
    "gecon",
    "hager_higham",
    "1-norm rcond from LU factors: Hager/Higham estimate of ||A^-1||_1 (dgecon, dlacn2)",
    flops=gecon_flops,
    example=_gecon_example,
)
@kernel
def gecon(A, LU):
    """Estimate ``1 / (||A||_1 ||A^{-1}||_1)`` from the LU factors of A.

    Parameters
    ----------
    A : (n, n) ndarray
        The matrix before factorisation (read only, for ``||A||_1``).
    LU : (n, n) ndarray
        Its factors as :func:`jitla.kernels.lu.lu_unblocked` leaves them
        (L's multipliers below the diagonal, U on and above); the pivots are
        not needed (module docstring).  Read only.

    Returns
    -------
    rcond : float
        The estimate: 1 for n = 0, 0 when ``||A||_1 == 0`` or a pivot is
        exactly zero, NaN when A holds NaN; otherwise the reciprocal of
        ``||A||_1`` times the estimate of ``||A^{-1}||_1``, which is an upper
        bound on the true reciprocal condition number.

    Notes
    -----
    LAPACK ``dgecon``: Higham's estimator (``dlacn2``) with ``B = A^{-1}``
    (:func:`gecon_transposed`).
    Unlike ``dgecon`` the triangular solves are not scaled against
    overflow (``dlatrs``): an overflow gives an infinite norm estimate and
    rcond 0, the right answer to within the range of the type.  The
    products run on the factors in place (:func:`gecon_transposed` with
    the view ``LU.T``): those with ``A^{-1}`` walk the columns of L and U
    with a stride of n, slower than the contiguous rows of a
    transposed copy (:func:`jitla.kernels.lu.gesv` makes one, for
    the solution as well) but with no copy.  Flops about ``n^2 + 2n^2
    (k + 1)`` for k products with ``A^{-1}`` or ``A^{-T}`` (k <= 2 *
    MAX_STEPS + 1, usually 4 or 5); workspace three vectors of n, as
    ``dgecon``.
    """
    return gecon_transposed(A, LU, LU.T)


@kernel
def gecon_transposed(A, LU, LUT):
    """:func:`gecon` given also ``LUT = LU^T``: a transposed copy (C order) or the view ``LU.T``.

    Every product with ``A^{-1}`` is :func:`solve_lu_columns` on LUT (axpy
    forms: contiguous on a copy, strided on the view), every product with
    ``A^{-T}`` :func:`_solve_lu_t` on LU.  Workspace two vectors of n.

    Notes
    -----
    Higham (ACM TOMS 1988), Algorithm 4.1 with ``B = A^{-1}``, in the
    order of LAPACK's ``dlacn2``: ``x = e/n``; ``x <- B x``; then up to
    :data:`MAX_STEPS` steps of ``xi = sign(x)`` (+1 for x_i >= 0), ``z =
    B^T xi``, ``x = e_j`` with ``j`` the first index of the largest
    ``|z_j|``, ``x <- B x``, stopping when the sign vector repeats, the
    estimate stops growing or j repeats; last, Higham's safeguard ``x_i =
    (-1)^i (1 + i/(n-1))``, whose ``2 ||B x||_1 / (3n)`` replaces the
    estimate when larger (it catches the matrices on which Hager's
    iteration stalls).  Unlike ``dlacn2``, an iteration stopped by a
    repeated sign vector or a shrinking estimate keeps the larger of the
    last two estimates.  One loop with one call site for each kind of
    product; *step* says which product x holds when the loop comes back
    (``dlacn2``'s jump labels, its reverse communication folded into the
    loop: as a kernel of its own, returning its state to this loop, the
    estimator took more compilation than the loop itself).  The 1-norm,
    the signs and the argmax are written once each.
    """
    n = A.shape[0]
    if n == 0:
        return 1.0
    # np.empty of a length and a dtype, as lu_tiled's panel buffer: no other allocation
    # routine to compile
    x = np.empty(n, dtype=LU.dtype)
    sgn = np.empty(n, dtype=LU.dtype)
    for j in range(n):
        x[j] = 0
        sgn[j] = 0
    for i in range(n):  # ||A||_1, the largest column sum: accumulated row by row (contiguous)
        A_i = A[i]
        for j in range(n):
            x[j] += abs(A_i[j])
    anorm = 0.0
    for j in range(n):
        if x[j] > anorm or x[j] != x[j]:
            anorm = x[j]
    if anorm != anorm:
        return np.nan
    if anorm == 0.0:
        return 0.0
    for i in range(n):
        if LU[i, i] == 0:
            return 0.0
    est = 0.0
    j = it = 0
    for i in range(n):
        x[i] = 1.0 / n
    step = _FIRST
    while True:
        if step == _SIGNS or step == _STEP:
            _solve_lu_t(LU, x)  # x <- B^T xi
            j_last = j  # the next unit vector, unless j repeats
            j = 0
            for i in range(1, n):
                if abs(x[i]) > abs(x[j]):
                    j = i
            if step == _SIGNS:
                it = 2
                again = True
            else:
                again = x[j_last] != abs(x[j]) and it < MAX_STEPS
                it += 1
        else:
            solve_lu_columns(LUT, x)  # x <- B e/n, B e_j or B times the safeguard vector
            s = 0.0
            for i in range(n):
                s += abs(x[i])
            if step == _CHECK:
                temp = 2.0 * s / (3.0 * n)
                est = temp if temp > est else est
                break
            if n == 1:
                est = s
                break
            same = True
            for i in range(n):  # xi = sign(x), kept in sgn and in x
                sign = 1.0 if x[i] >= 0 else -1.0
                if sign != sgn[i]:
                    same = False
                sgn[i] = sign
                x[i] = sign
            if step == _FIRST or (not same and s > est):
                est = s
                step = _SIGNS if step == _FIRST else _STEP
                continue
            est = max(s, est)  # repeated signs: converged; else cycling
            again = False
        if again:
            for i in range(n):
                x[i] = 0
            x[j] = 1
            step = _UNIT
        else:
            for i in range(n):  # Higham's alternating-sign safeguard vector
                x[i] = (1.0 + i / (n - 1)) * (1.0 if i % 2 == 0 else -1.0)
            step = _CHECK
    if est != est:
        return np.nan
    if est == np.inf:
        return 0.0
    return (1.0 / anorm) / est
