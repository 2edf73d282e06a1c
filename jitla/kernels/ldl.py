"""Symmetric indefinite factorisation ``P A P^T = L D L^T`` by Bunch-Kaufman pivoting.

:func:`sytf2` is LAPACK's unblocked ``dsytf2`` (lower), :func:`sytrs` its
solve ``dsytrs``; both also take complex symmetric matrices (``zsytf2``,
``zsytrs``).  :func:`hetf2` / :func:`hetrs` are the Hermitian pair
``zhetf2`` / ``zhetrs``: ``P A P^T = L D L^H`` with D Hermitian (real
1 x 1 blocks).  Bunch & Kaufman, "Some stable methods for calculating
inertia and solving symmetric linear systems", Math. Comp. 31 (1977)
163-179; Golub & Van Loan, 4th ed., Sec. 4.4.4 (Alg. 4.4.5's pivot choice).
D is block diagonal with 1 x 1 and 2 x 2 blocks; with ``alpha = (1 +
sqrt(17)) / 8`` the growth of the entries is bounded by ``(1 + 1/alpha)``
per step (about 2.57), so the factorisation is backward stable in
practice.

Storage: LAPACK keeps L below the diagonal by columns; here the matrix
``M`` is C-ordered and holds the *transpose*, so column k of L is the
contiguous row ``M[k, k+1:]`` and the symmetric rank-1 and rank-2 updates
of the trailing matrix sweep rows.  ``M[j, i]`` (``i >= j``) is LAPACK's
``A(i, j)``: for a symmetric A given by its upper triangle M is that
triangle itself; for the lower triangle it is its transpose.

Pivots ``ipiv`` follow LAPACK (1-based): ``ipiv[k] = p + 1`` for a 1 x 1
pivot with rows/columns k and p interchanged, ``ipiv[k] = ipiv[k+1] = -(p +
1)`` for a 2 x 2 pivot at k, k+1 with k+1 and p interchanged.  No checks
are made on the inputs.
"""

from __future__ import annotations

import math

from jitla._jit import kernel

__all__ = ["sytf2", "sytrs", "hetf2", "hetrs", "BK_ALPHA"]

#: Bunch-Kaufman's alpha = (1 + sqrt(17)) / 8, which minimises the bound on element growth.
BK_ALPHA = (1.0 + math.sqrt(17.0)) / 8.0


@kernel
def _cabs1(x):
    """``|Re x| + |Im x|``, LAPACK's ``cabs1`` (no square root); ``|x|`` for real x."""
    return abs(x.real) + abs(x.imag)


@kernel
def _argmax_abs(x, last_on_tie):
    """Index of the largest ``cabs1(x_i)``: the first (``izamax``), or the last if *last_on_tie*."""
    best = -1.0
    j = 0
    for i in range(x.shape[0]):
        v = _cabs1(x[i])
        if v > best or (last_on_tie and v == best):
            best = v
            j = i
    return j


@kernel
def sytf2(M, ipiv, last_on_tie):
    """Bunch-Kaufman factorisation in place (LAPACK ``dsytf2`` / ``zsytf2``, UPLO = 'L', on the transpose).

    Parameters
    ----------
    M : (n, n) float64 or complex128 ndarray, overwritten
        On entry ``M[j, i] = A[i, j]`` for ``i >= j`` (the strictly lower
        part of M is not read).  On return row k right of the diagonal holds
        column k of L (below its unit diagonal), ``M[k, k]`` the 1 x 1
        pivots and ``M[k, k+1]`` the off-diagonal of a 2 x 2 block at k.
    ipiv : (n,) int64 ndarray, out
        LAPACK's pivot vector (1-based, see the module notes).
    last_on_tie : bool
        Break ties in the pivot column search towards the last index, so
        that a factorisation of ``J A J`` (J the reversal) reproduces
        ``dsytf2`` with UPLO = 'U' on A.

    Returns
    -------
    int
        0, or k + 1 if ``D[k, k]`` is exactly zero (the factorisation is
        completed; D is singular), LAPACK's ``info``.

    Notes
    -----
    Step k: ``colmax`` is the largest entry of column k below the
    diagonal (row imax).  If ``|a_kk| >= alpha colmax`` a 1 x 1 pivot;
    else with ``rowmax`` the largest off-diagonal entry in row/column imax:
    1 x 1 pivot ``a_kk`` if ``|a_kk| >= alpha colmax^2 / rowmax``, 1 x 1
    pivot ``a_imax,imax`` (interchanged with row k) if
    ``|a_imax,imax| >= alpha rowmax``, else the 2 x 2 pivot on rows k,
    imax.  Then the symmetric interchange and the rank-1 (or rank-2, with
    LAPACK's scaled inverse of the 2 x 2 block) update of the trailing
    triangle.  Flops n^3/3; workspace none.

    A complex M is factored as a complex *symmetric* matrix, ``A = L D
    L^T`` with no conjugation (``zsytf2``): the arithmetic is the same
    lines, and the pivot tests measure entries by ``cabs1 = |Re| + |Im|``
    as ``izamax`` does (for real entries that is ``|x|``, so the real
    path's pivots and rounding are unchanged).  Hermitian matrices need
    :func:`hetf2`.
    """
    n = M.shape[0]
    info = 0
    k = 0
    while k < n:
        kstep = 1
        absakk = _cabs1(M[k, k])
        if k < n - 1:
            imax = k + 1 + _argmax_abs(M[k, k + 1 :], last_on_tie)
            colmax = _cabs1(M[k, imax])
        else:
            imax = k
            colmax = 0.0
        if max(absakk, colmax) == 0 or math.isnan(absakk):
            if info == 0:
                info = k + 1
            kp = k
        else:
            if absakk >= BK_ALPHA * colmax:
                kp = k
            else:
                rowmax = 0.0
                for j in range(k, imax):  # row imax left of the diagonal: A(imax, k:imax)
                    rowmax = max(rowmax, _cabs1(M[j, imax]))
                for j in range(imax + 1, n):  # column imax below it
                    rowmax = max(rowmax, _cabs1(M[imax, j]))
                if absakk >= BK_ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif _cabs1(M[imax, imax]) >= BK_ALPHA * rowmax:
                    kp = imax
                else:
                    kp = imax
                    kstep = 2
            kk = k + kstep - 1
            if kp != kk:
                # interchange rows and columns kk and kp of the trailing matrix
                for j in range(kp + 1, n):
                    t = M[kk, j]
                    M[kk, j] = M[kp, j]
                    M[kp, j] = t
                for j in range(kk + 1, kp):
                    t = M[kk, j]
                    M[kk, j] = M[j, kp]
                    M[j, kp] = t
                t = M[kk, kk]
                M[kk, kk] = M[kp, kp]
                M[kp, kp] = t
                if kstep == 2:
                    t = M[k, k + 1]
                    M[k, k + 1] = M[k, kp]
                    M[k, kp] = t
            if kstep == 1:
                if k < n - 1:
                    # A22 <- A22 - x x^T / a_kk, then column k of L = x / a_kk
                    d11 = 1.0 / M[k, k]
                    x = M[k]
                    for j in range(k + 1, n):
                        f = d11 * x[j]
                        row = M[j]
                        for i in range(j, n):
                            row[i] -= f * x[i]
                    for i in range(k + 1, n):
                        x[i] *= d11
            elif k < n - 2:
                # A22 <- A22 - [x y] D^{-1} [x y]^T, columns k, k+1 of L = [x y] D^{-1}
                d21 = M[k, k + 1]
                d11 = M[k + 1, k + 1] / d21
                d22 = M[k, k] / d21
                t = 1.0 / (d11 * d22 - 1.0)
                d21 = t / d21
                x = M[k]
                y = M[k + 1]
                for j in range(k + 2, n):
                    wk = d21 * (d11 * x[j] - y[j])
                    wkp1 = d21 * (d22 * y[j] - x[j])
                    row = M[j]
                    for i in range(j, n):
                        row[i] = row[i] - x[i] * wk - y[i] * wkp1
                    x[j] = wk
                    y[j] = wkp1
        if kstep == 1:
            ipiv[k] = kp + 1
        else:
            ipiv[k] = -(kp + 1)
            ipiv[k + 1] = -(kp + 1)
        k += kstep
    return info


@kernel
def _swap_rows(B, i, j):
    if i != j:
        for c in range(B.shape[1]):
            t = B[i, c]
            B[i, c] = B[j, c]
            B[j, c] = t


@kernel
def sytrs(M, ipiv, B):
    """Solve ``A X = B`` from :func:`sytf2`'s factors (LAPACK ``dsytrs``, UPLO = 'L').

    Parameters
    ----------
    M : (n, n) float64 ndarray
        :func:`sytf2`'s output (read only).
    ipiv : (n,) int64 ndarray
    B : (n, k) float64 ndarray, overwritten with X

    Returns
    -------
    int
        0.

    Notes
    -----
    ``L D L^T X = P B``: forward substitution with the unit lower L
    (interleaved with the interchanges), the 1 x 1 and 2 x 2 blocks of D,
    back substitution with ``L^T``.  Both sweeps are rank-1 updates /
    dot products on contiguous rows of M and B.  Flops 2 n^2 k.
    """
    n = M.shape[0]
    nr = B.shape[1]
    k = 0
    while k < n:
        if ipiv[k] > 0:
            _swap_rows(B, k, ipiv[k] - 1)
            bk = B[k]
            for i in range(k + 1, n):
                f = M[k, i]
                if f != 0:
                    bi = B[i]
                    for c in range(nr):
                        bi[c] -= f * bk[c]
            d = M[k, k]
            for c in range(nr):
                bk[c] /= d
            k += 1
        else:
            _swap_rows(B, k + 1, -ipiv[k] - 1)
            b0 = B[k]
            b1 = B[k + 1]
            for i in range(k + 2, n):
                f0 = M[k, i]
                f1 = M[k + 1, i]
                bi = B[i]
                for c in range(nr):
                    bi[c] -= f0 * b0[c] + f1 * b1[c]
            akm1k = M[k, k + 1]
            akm1 = M[k, k] / akm1k
            ak = M[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1.0
            for c in range(nr):
                bkm1 = b0[c] / akm1k
                bkk = b1[c] / akm1k
                b0[c] = (ak * bkm1 - bkk) / denom
                b1[c] = (akm1 * bkk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:
        if ipiv[k] > 0:
            bk = B[k]
            for i in range(k + 1, n):
                f = M[k, i]
                if f != 0:
                    bi = B[i]
                    for c in range(nr):
                        bk[c] -= f * bi[c]
            _swap_rows(B, k, ipiv[k] - 1)
            k -= 1
        else:
            # the 2 x 2 block occupies rows k-1, k
            b0 = B[k - 1]
            b1 = B[k]
            for i in range(k + 1, n):
                f0 = M[k - 1, i]
                f1 = M[k, i]
                bi = B[i]
                for c in range(nr):
                    b1[c] -= f1 * bi[c]
                    b0[c] -= f0 * bi[c]
            _swap_rows(B, k, -ipiv[k] - 1)
            k -= 2
    return 0


@kernel
def hetf2(M, ipiv, last_on_tie):
    """Hermitian Bunch-Kaufman factorisation in place (LAPACK ``zhetf2``, UPLO = 'L', on the transpose).

    Parameters
    ----------
    M : (n, n) complex ndarray, overwritten
        As :func:`sytf2`: on entry ``M[j, i] = A[i, j]`` for ``i >= j``;
        the imaginary parts of the diagonal are ignored.  On return the
        factor ``A = P^T L D L^H P`` in :func:`sytf2`'s layout, D with a
        real diagonal.
    ipiv : (n,) int64 ndarray, out
    last_on_tie : bool
        As :func:`sytf2` (for ``zhetf2`` with UPLO = 'U' through ``J A J``).

    Returns
    -------
    int
        LAPACK's ``info`` (0, or k + 1 for an exactly zero ``D[k, k]``).

    Notes
    -----
    :func:`sytf2`'s pivoting with the Hermitian changes of ``zhetf2``
    (Bunch & Kaufman 1977 treat the Hermitian case alike): the diagonal is
    real, so ``|a_kk|`` is ``|Re a_kk|``; an interchange conjugates the
    entries that cross the diagonal (``A[j, kk] <-> conj(A[kp, j])``);
    the rank-1 update is ``A22 -= x x^H / a_kk`` (``zher``) and the
    rank-2 update ``A22 -= [x y] D^{-1} [x y]^H`` with the 2 x 2 block
    ``[[a, conj(b)], [b, c]]`` inverted through ``b / |b|``; every updated
    diagonal entry is made exactly real.  Flops 4n^3/3 real; workspace none.
    """
    n = M.shape[0]
    info = 0
    k = 0
    while k < n:
        kstep = 1
        absakk = abs(M[k, k].real)
        if k < n - 1:
            imax = k + 1 + _argmax_abs(M[k, k + 1 :], last_on_tie)
            colmax = _cabs1(M[k, imax])
        else:
            imax = k
            colmax = 0.0
        if max(absakk, colmax) == 0 or math.isnan(absakk):
            if info == 0:
                info = k + 1
            kp = k
            M[k, k] = M[k, k].real
        else:
            if absakk >= BK_ALPHA * colmax:
                kp = k
            else:
                rowmax = 0.0
                for j in range(k, imax):
                    rowmax = max(rowmax, _cabs1(M[j, imax]))
                for j in range(imax + 1, n):
                    rowmax = max(rowmax, _cabs1(M[imax, j]))
                if absakk >= BK_ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif abs(M[imax, imax].real) >= BK_ALPHA * rowmax:
                    kp = imax
                else:
                    kp = imax
                    kstep = 2
            kk = k + kstep - 1
            if kp != kk:
                for j in range(kp + 1, n):
                    t = M[kk, j]
                    M[kk, j] = M[kp, j]
                    M[kp, j] = t
                # entries between kk and kp cross the diagonal: conjugated
                for j in range(kk + 1, kp):
                    t = M[kk, j].conjugate()
                    M[kk, j] = M[j, kp].conjugate()
                    M[j, kp] = t
                M[kk, kp] = M[kk, kp].conjugate()
                r1 = M[kk, kk].real
                M[kk, kk] = M[kp, kp].real
                M[kp, kp] = r1
                if kstep == 2:
                    M[k, k] = M[k, k].real
                    t = M[k, k + 1]
                    M[k, k + 1] = M[k, kp]
                    M[k, kp] = t
            else:
                M[k, k] = M[k, k].real
                if kstep == 2:
                    M[k + 1, k + 1] = M[k + 1, k + 1].real
            if kstep == 1:
                if k < n - 1:
                    # A22 <- A22 - x x^H / a_kk, then column k of L = x / a_kk
                    r1 = 1.0 / M[k, k].real
                    x = M[k]
                    for j in range(k + 1, n):
                        f = r1 * x[j].conjugate()
                        row = M[j]
                        row[j] = row[j].real - (f * x[j]).real
                        for i in range(j + 1, n):
                            row[i] -= f * x[i]
                    for i in range(k + 1, n):
                        x[i] *= r1
            elif k < n - 2:
                # A22 <- A22 - [x y] D^{-1} [x y]^H, columns k, k+1 of L = [x y] D^{-1}
                d = abs(M[k, k + 1])
                d11 = M[k + 1, k + 1].real / d
                d22 = M[k, k].real / d
                tt = 1.0 / (d11 * d22 - 1.0)
                d21 = M[k, k + 1] / d
                d = tt / d
                x = M[k]
                y = M[k + 1]
                for j in range(k + 2, n):
                    wk = d * (d11 * x[j] - d21 * y[j])
                    wkp1 = d * (d22 * y[j] - d21.conjugate() * x[j])
                    cwk = wk.conjugate()
                    cwkp1 = wkp1.conjugate()
                    row = M[j]
                    for i in range(j, n):
                        row[i] = row[i] - x[i] * cwk - y[i] * cwkp1
                    x[j] = wk
                    y[j] = wkp1
                    row[j] = row[j].real
        if kstep == 1:
            ipiv[k] = kp + 1
        else:
            ipiv[k] = -(kp + 1)
            ipiv[k + 1] = -(kp + 1)
        k += kstep
    return info


@kernel
def hetrs(M, ipiv, B):
    """Solve ``A X = B`` from :func:`hetf2`'s factors (LAPACK ``zhetrs``, UPLO = 'L').

    Parameters
    ----------
    M : (n, n) complex ndarray
        :func:`hetf2`'s output (read only).
    ipiv : (n,) int64 ndarray
    B : (n, k) complex ndarray, overwritten with X

    Returns
    -------
    int
        0.

    Notes
    -----
    :func:`sytrs` with ``L^H`` in the back substitution and the Hermitian
    2 x 2 blocks ``[[a, conj(b)], [b, c]]`` solved through ``a / conj(b)``
    and ``c / b`` (``zhetrs``); the 1 x 1 pivots are real.  Flops 8 n^2 k
    real.
    """
    n = M.shape[0]
    nr = B.shape[1]
    k = 0
    while k < n:
        if ipiv[k] > 0:
            _swap_rows(B, k, ipiv[k] - 1)
            bk = B[k]
            for i in range(k + 1, n):
                f = M[k, i]
                if f != 0:
                    bi = B[i]
                    for c in range(nr):
                        bi[c] -= f * bk[c]
            s = 1.0 / M[k, k].real
            for c in range(nr):
                bk[c] *= s
            k += 1
        else:
            _swap_rows(B, k + 1, -ipiv[k] - 1)
            b0 = B[k]
            b1 = B[k + 1]
            for i in range(k + 2, n):
                f0 = M[k, i]
                f1 = M[k + 1, i]
                bi = B[i]
                for c in range(nr):
                    bi[c] -= f0 * b0[c] + f1 * b1[c]
            akm1k = M[k, k + 1]
            cakm1k = akm1k.conjugate()
            akm1 = M[k, k] / cakm1k
            ak = M[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1.0
            for c in range(nr):
                bkm1 = b0[c] / cakm1k
                bkk = b1[c] / akm1k
                b0[c] = (ak * bkm1 - bkk) / denom
                b1[c] = (akm1 * bkk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:
        if ipiv[k] > 0:
            bk = B[k]
            for i in range(k + 1, n):
                f = M[k, i].conjugate()
                if f != 0:
                    bi = B[i]
                    for c in range(nr):
                        bk[c] -= f * bi[c]
            _swap_rows(B, k, ipiv[k] - 1)
            k -= 1
        else:
            b0 = B[k - 1]
            b1 = B[k]
            for i in range(k + 1, n):
                f0 = M[k - 1, i].conjugate()
                f1 = M[k, i].conjugate()
                bi = B[i]
                for c in range(nr):
                    b1[c] -= f1 * bi[c]
                    b0[c] -= f0 * bi[c]
            _swap_rows(B, k, -ipiv[k] - 1)
            k -= 2
    return 0
