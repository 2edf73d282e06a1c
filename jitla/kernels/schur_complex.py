"""Complex Schur form by single-shift QR on the Hessenberg form, and eigenvectors from it.

``A = Z T Z^H`` with Z unitary and T upper triangular (eigenvalues on its
diagonal), the complex counterpart of :mod:`jitla.kernels.eig_general`'s
real Schur form:

1. :func:`zgehd2`: Householder reduction to upper Hessenberg form ``A = Q
   H Q^H`` (LAPACK ``zgehd2``; the subdiagonal comes out real) and
   :func:`zform_q_gehd2` for Q (``zunghr``);
2. :func:`complex_schur`: implicit single-shift QR iteration on H (LAPACK
   ``zlahqr``; Golub & Van Loan, 4th ed., Sec. 7.5 with the Wilkinson shift
   of Sec. 7.5.2 and complex arithmetic, no double shift needed since
   complex eigenvalues need not come in conjugate pairs);
3. :func:`ztrevc`: right eigenvectors of T by back substitution, taken back
   through Z (LAPACK ``ztrevc``, "R", "B").

:func:`complex_schur` is the entry point for other modules (the Schur form
itself, ``rsf2csf``, matrix functions): it takes any upper Hessenberg H and
an accumulating Z.  Every array is C-contiguous complex64/complex128; no
checks are made on the inputs.
"""

from __future__ import annotations

import cmath

import numpy as np

from jitla._jit import kernel
from jitla.kernels.qr_complex import reflect_cols, reflect_rows, zlarfg

__all__ = ["zgehd2", "zform_q_gehd2", "complex_schur", "ztrevc", "MAX_ITERATIONS_PER_EIGENVALUE"]

#: ``zlahqr``'s budget: ``30 * max(10, n)`` iterations in all.
MAX_ITERATIONS_PER_EIGENVALUE = 30


@kernel
def _cabs1(z):
    """``|Re z| + |Im z|``, LAPACK's cheap complex magnitude."""
    return abs(z.real) + abs(z.imag)


# --------------------------------------------------------------------------
# 1. Hessenberg reduction
# --------------------------------------------------------------------------
@kernel
def zgehd2(A, tau):
    """Reduce A (n x n complex) to upper Hessenberg form ``H = Q^H A Q`` in place (LAPACK ``zgehd2``).

    Parameters
    ----------
    A : (n, n) complex ndarray, overwritten
        H on and above the subdiagonal (a real subdiagonal); ``v_j[1:]``
        of ``H_j`` (acting on rows/columns ``j+1..``) below it in column j.
    tau : (max(n-1, 1),) complex ndarray, overwritten

    Notes
    -----
    Golub & Van Loan, 4th ed., Alg. 7.4.2 with complex reflectors
    (:func:`~jitla.kernels.qr_complex.zlarfg`): ``H_j^H`` from the left on
    rows ``j+1..`` (along rows), ``H_j`` from the right on columns ``j+1..``
    of every row.  ``Q = H_0 ... H_{n-2}`` (the last of length one).  Flops ``40 n^3 / 3`` real;
    workspace 2n.
    """
    n = A.shape[0]
    w = np.empty(max(n, 1), dtype=A.dtype)
    v = np.empty(max(n, 1), dtype=A.dtype)
    for j in range(n - 1):
        tau[j] = 0
    # n - 1 reflectors, as LAPACK: the last, of length one, only makes H[n-1, n-2] real
    for j in range(n - 1):
        col = A[j + 1 :, j]
        beta, t = zlarfg(col)
        tau[j] = t
        if t == 0:
            continue
        p = n - j - 1
        v[0] = 1
        for i in range(1, p):
            v[i] = col[i]
        # columns j+1.. of every row: A H (the stored column j is not touched: c0 = j + 1)
        reflect_cols(A, 0, n, j + 1, v[:p], t)
        # rows j+1..: H^H A on columns j+1..
        reflect_rows(A, j, j + 1, t.conjugate(), A, j + 1, n, w)


@kernel
def zform_q_gehd2(A, tau, Q):
    """``Q = H_0 ... H_{n-2}`` (n x n) from :func:`zgehd2`'s storage (LAPACK ``zunghr``).

    Backward accumulation on rows and columns ``j+1..`` (as
    :func:`~jitla.kernels.qr_complex.zform_q`, one row and column shifted).
    Flops ``16 n^3 / 3`` real; workspace n.
    """
    n = A.shape[0]
    w = np.empty(max(n, 1), dtype=A.dtype)
    for i in range(n):
        for c in range(n):
            Q[i, c] = 0
        Q[i, i] = 1
    for j in range(n - 2, -1, -1):
        reflect_rows(A, j, j + 1, tau[j], Q, j + 1, n, w)


# --------------------------------------------------------------------------
# 2. the Schur form
# --------------------------------------------------------------------------
@kernel
def _deflation_point(H, l, i, ulp, smlnum):
    """Largest k in ``l+1..i`` whose subdiagonal ``H[k, k-1]`` is negligible, else l (``zlahqr``'s test).

    Ahues & Tisseur's criterion (LAWN 122), as LAPACK: ``|h_{k,k-1}|`` small
    against its diagonal neighbours *and* the product of the off-diagonal
    pair small against the diagonal gap.
    """
    n = H.shape[0]
    k = i
    while k > l:
        hk = H[k, k - 1]
        if _cabs1(hk) <= smlnum:
            return k
        tst = _cabs1(H[k - 1, k - 1]) + _cabs1(H[k, k])
        if tst == 0.0:
            if k - 2 >= l:
                tst += abs(H[k - 1, k - 2].real)
            if k + 1 < n:
                tst += abs(H[k + 1, k].real)
        if abs(hk.real) <= ulp * tst:
            ab = max(_cabs1(hk), _cabs1(H[k - 1, k]))
            ba = min(_cabs1(hk), _cabs1(H[k - 1, k]))
            diff = H[k - 1, k - 1] - H[k, k]
            aa = max(_cabs1(H[k, k]), _cabs1(diff))
            bb = min(_cabs1(H[k, k]), _cabs1(diff))
            s = aa + ab
            if ba * (ab / s) <= max(smlnum, ulp * (bb * (aa / s))):
                return k
        k -= 1
    return l


@kernel
def _shift(H, l, i, its):
    """The shift for the active block ``l..i``: Wilkinson's, or an exceptional one at iterations 10 and 20.

    Wilkinson's: the eigenvalue of the trailing 2 x 2 block closer to
    ``h_ii`` (Golub & Van Loan, Sec. 7.5.2), in ``zlahqr``'s overflow-safe
    form.  The exceptional shifts break cycles as ``zlahqr`` does.
    """
    if its == 10:
        return 0.75 * abs(H[l + 1, l].real) + H[l, l]
    if its == 20:
        return 0.75 * abs(H[i, i - 1].real) + H[i, i]
    t = complex(H[i, i])
    u = cmath.sqrt(complex(H[i - 1, i])) * cmath.sqrt(complex(H[i, i - 1]))
    s = _cabs1(u)
    if s != 0.0:
        x = 0.5 * (complex(H[i - 1, i - 1]) - t)
        sx = _cabs1(x)
        s = max(s, sx)
        y = s * cmath.sqrt((x / s) * (x / s) + (u / s) * (u / s))
        if sx > 0.0:
            xs = x / sx
            if xs.real * y.real + xs.imag * y.imag < 0.0:
                y = -y
        t = t - u * (u / (x + y))
    return t


@kernel
def _chase(H, Z, l, i, t, i1, i2, want_z):
    """One implicit single-shift QR step on the active block ``l..i``: start the bulge, chase it down.

    Each step k is a 2 x 2 reflector ``G = I - t1 v v^H``, ``v = [1, v2]``
    (:func:`zlarfg` on ``[h_kk - shift, h_{k+1,k}]`` at k = l, on the bulge
    ``[h_{k,k-1}, h_{k+1,k-1}]`` after), applied as ``G^H`` to rows k, k+1
    (columns ``k..i2``), as G to columns k, k+1 (rows ``i1..min(k+2, i)``)
    and to Z's columns.  ``zlahqr``'s loop from the deflation point l
    (without its search for two small consecutive subdiagonals).
    """
    n = H.shape[0]
    x = np.empty(2, dtype=H.dtype)
    for k in range(l, i):
        if k == l:
            h11 = H[l, l] - t
            h21 = H[l + 1, l]
            s = _cabs1(h11) + abs(h21.real)
            x[0] = h11 / s
            x[1] = h21 / s
        else:
            x[0] = H[k, k - 1]
            x[1] = H[k + 1, k - 1]
        _, t1 = zlarfg(x)
        if k > l:
            H[k, k - 1] = x[0]
            H[k + 1, k - 1] = 0
        v2 = x[1]
        t2 = t1 * v2
        ct1 = t1.conjugate()
        ct2 = t2.conjugate()
        for j in range(k, i2 + 1):
            s = ct1 * H[k, j] + ct2 * H[k + 1, j]
            H[k, j] -= s
            H[k + 1, j] -= s * v2
        cv2 = v2.conjugate()
        for j in range(i1, min(k + 2, i) + 1):
            s = t1 * H[j, k] + t2 * H[j, k + 1]
            H[j, k] -= s
            H[j, k + 1] -= s * cv2
        if want_z:
            for j in range(n):
                s = t1 * Z[j, k] + t2 * Z[j, k + 1]
                Z[j, k] -= s
                Z[j, k + 1] -= s * cv2
    # keep h_{i,i-1} real: scale row i and column i by a unit phase
    temp = H[i, i - 1]
    if temp.imag != 0.0:
        r = abs(temp)
        H[i, i - 1] = r
        temp = temp / r
        ctemp = temp.conjugate()
        for j in range(i + 1, i2 + 1):
            H[i, j] *= ctemp
        for j in range(i1, i):
            H[j, i] *= temp
        if want_z:
            for j in range(n):
                Z[j, i] *= temp


@kernel
def complex_schur(H, w, Z, want_t, want_z):
    """Schur form of an upper Hessenberg matrix by implicit single-shift QR (LAPACK ``zlahqr``).

    Parameters
    ----------
    H : (n, n) complex ndarray, overwritten
        Upper Hessenberg on entry (entries below the subdiagonal are
        ignored, and set to zero).  On return, with *want_t*, the upper
        triangular Schur factor T (its subdiagonal set to zero); otherwise
        only the eigenvalues are meaningful.
    w : (n,) complex ndarray, overwritten
        The eigenvalues, ``w[i] = T[i, i]`` (in the order of T's diagonal).
    Z : (n, n) complex ndarray, overwritten if *want_z*
        On entry a unitary matrix (the identity, or the Q of the Hessenberg
        reduction); on return ``Z Q_QR``, so that ``A = Z T Z^H`` when
        ``A = Z_in H Z_in^H``.  Ignored (may be (1, 1)) without *want_z*.
    want_t, want_z : bool
        Compute the whole T (else only the active blocks are updated) /
        accumulate the transformations into Z.  *want_z* needs *want_t*.

    Returns
    -------
    int
        0 on convergence, else ``i + 1`` where ``w[i + 1:]`` are the
        eigenvalues found before the budget of ``30 max(10, n)`` iterations
        ran out (``zlahqr``'s ``info``).

    Notes
    -----
    First each complex subdiagonal entry is made real by a diagonal
    unitary scaling (``zlahqr`` does the same).  Then, from the bottom:
    find the deflation point l (:func:`_deflation_point`); if the active
    block ``l..i`` is 1 x 1, ``h_ii`` is an eigenvalue; else take the shift
    (:func:`_shift`) and one QR step (:func:`_chase`).  Golub & Van Loan,
    4th ed., Sec. 7.5 (the practical QR algorithm) and LAPACK ``zlahqr``.
    Flops about ``~10 n^3`` complex (with Z); no workspace beyond O(1).
    """
    n = H.shape[0]
    if n == 0:
        return 0
    rdt = w.real.dtype
    ulp = np.finfo(rdt).eps
    smlnum = np.finfo(rdt).tiny * (n / ulp)
    # clear what lies below the subdiagonal (zgehd2 keeps its reflectors there): the chase reads
    # the bulge position H[k+1, k-1], which must start at zero, and T is returned triangular
    for i in range(2, n):
        for j in range(i - 1):
            H[i, j] = 0
    # make the subdiagonal real
    for i in range(1, n):
        h = H[i, i - 1]
        if h.imag != 0.0:
            sc = h / _cabs1(h)
            sc = sc.conjugate() / abs(sc)
            H[i, i - 1] = abs(h)
            jhi = n - 1 if want_t else n - 1
            for j in range(i, jhi + 1):
                H[i, j] *= sc
            for j in range(0, min(jhi, i + 1) + 1):
                H[j, i] *= sc.conjugate()
            if want_z:
                for j in range(n):
                    Z[j, i] *= sc.conjugate()
    itmax = MAX_ITERATIONS_PER_EIGENVALUE * max(10, n)
    its_total = 0
    i = n - 1
    while i >= 0:
        l = 0
        converged = False
        its = 0
        while its_total <= itmax:
            l = _deflation_point(H, l, i, ulp, smlnum)
            if l > 0:
                H[l, l - 1] = 0
            if l >= i:
                converged = True
                break
            i1 = 0 if want_t else l
            i2 = n - 1 if want_t else i
            t = _shift(H, l, i, its)
            _chase(H, Z, l, i, t, i1, i2, want_z)
            its += 1
            its_total += 1
        if not converged:
            return i + 1
        w[i] = H[i, i]
        i = l - 1
    return 0


# --------------------------------------------------------------------------
# 3. eigenvectors
# --------------------------------------------------------------------------
@kernel
def ztrevc(T, Z, V):
    """Right eigenvectors ``V = Z X`` of ``A = Z T Z^H``, each of unit 2-norm with its largest entry real.

    Parameters
    ----------
    T : (n, n) complex ndarray
        Upper triangular Schur factor (read).
    Z : (n, n) complex ndarray
        Schur vectors (read).
    V : (n, n) complex ndarray, overwritten
        Column k the eigenvector of ``T[k, k]``.

    Notes
    -----
    For each k: ``x_k = 1``, ``x_{k+1:} = 0`` and ``(T[:k, :k] - T[k, k] I)
    x[:k] = -T[:k, k]`` by back substitution, a diagonal entry that would
    make the solve break down replaced by ``smin = max(ulp |T[k, k]|,
    smlnum)`` (LAPACK ``ztrevc``'s perturbation); then ``v = Z x``
    (``ztrevc``'s back-transformation), normalised as ``zgeev`` does: unit
    2-norm, the component of largest modulus (the first one, on ties) made
    real and positive.  Flops about ``8 n^3 / 3 + 8 n^3 / 2`` real; workspace n.
    """
    n = T.shape[0]
    rdt = V.real.dtype
    ulp = np.finfo(rdt).eps
    smlnum = np.finfo(rdt).tiny * (n / ulp)
    x = np.empty(max(n, 1), dtype=T.dtype)
    for r in range(n):
        for c in range(n):
            V[r, c] = 0
    for k in range(n - 1, -1, -1):
        lam = T[k, k]
        smin = max(ulp * _cabs1(lam), smlnum)
        x[k] = 1
        for r in range(k):
            x[r] = -T[r, k]
        for r in range(k - 1, -1, -1):
            dr = T[r, r] - lam
            if _cabs1(dr) < smin:
                dr = smin
            x[r] = x[r] / dr
            xr = x[r]
            for q in range(r):
                x[q] -= T[q, r] * xr
        # v = Z[:, :k+1] x[:k+1]
        for r in range(n):
            zr = Z[r, : k + 1]
            s = zr[0] * x[0]
            for q in range(1, k + 1):
                s += zr[q] * x[q]
            V[r, k] = s
        nrm = 0.0
        big = -1.0
        at = 0
        for r in range(n):
            a = float(V[r, k].real) ** 2 + float(V[r, k].imag) ** 2
            nrm += a
            if a > big:
                big = a
                at = r
        scale = 1.0 / np.sqrt(nrm)
        p = V[at, k].conjugate() / np.sqrt(big)
        f = scale * p
        for r in range(n):
            V[r, k] *= f
        V[at, k] = V[at, k].real
