"""General (non-symmetric) eigensolver: Hessenberg reduction + Francis double-shift QR.

``A = Z T Z^T`` with Z orthogonal and T upper quasi-triangular (the real
Schur form: 1 x 1 blocks for real eigenvalues, standardised 2 x 2 blocks
for complex-conjugate pairs), then the eigenvectors of T by back
substitution, mapped back by Z.  LAPACK's ``dgeev`` without balancing:

1. :func:`gehd2` -- Householder reduction to upper Hessenberg form,
   ``Q^T A Q = H`` (``dgehd2``, Golub & Van Loan, 4th ed., Alg. 7.4.2);
   :func:`form_qt_gehd2` forms ``Q^T`` (``dorghr``).
2. :func:`lahqr` -- Francis implicit double-shift QR iteration on H with
   deflation and exceptional shifts (``dlahqr``; GvL Alg. 7.5.1-7.5.2),
   2 x 2 blocks standardised by :func:`lanv2` (``dlanv2``).
3. :func:`trevc` -- right eigenvectors of T by back substitution, times Z
   (``dtrevc``, HOWMNY='B'), normalised as ``dgeev`` does.

Row-major storage: Z is kept as ``Zt = Z^T``, so the Schur-vector updates
of every QR step (3 columns of Z) are 3 contiguous rows; the row half of
each step's similarity sweeps rows of H (contiguous); only its column half
and the reflector of each Hessenberg step read strided columns (O(n) each).
In :func:`trevc` the back substitution runs along rows of T (dot products
``T[j, j+1:] . x[j+1:]``, not LAPACK's column axpys) and the back
transformation accumulates rows of ``Zt``.

Eigenvector output (``VRt``, rows, LAPACK's packing): for a real eigenvalue
row j is its unit eigenvector; for a pair ``wr[j] +- i wi[j]`` (``wi[j] >
0``) rows j and j+1 hold the real and imaginary parts of the eigenvector of
``wr[j] + i wi[j]``, scaled to unit 2-norm with its largest component real.

Status codes are ``dhseqr``'s ``info``: 0, or k > 0 when the QR iteration
failed to converge (eigenvalues k.. are not found).  No checks are made on
the inputs.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel
from jitla.kernels._registry import register
from jitla.kernels.level1 import dot, rot
from jitla.kernels.qr_householder import householder

__all__ = ["gehd2", "form_qt_gehd2", "lanv2", "lahqr", "trevc", "eig_francis", "ITERATIONS_PER_EIGENVALUE"]

#: ``dlahqr``'s cap: 30 iterations per eigenvalue (``itmax = 30 max(10, n)`` per block).
ITERATIONS_PER_EIGENVALUE = 30
#: ``dlahqr``: exceptional shift after this many iterations without deflation.
KEXSH = 10

#: float64's machine epsilon and smallest normal number (``np.finfo(np.float64).eps``, ``.tiny``),
#: for the parts computed in float64 whatever the input's dtype: constants rather than
#: ``np.finfo(np.float64)``, whose implementation for the class ``np.float64`` is compiled
#: apart from the one for an array's dtype that the dtype-generic kernels use.
_EPS64 = 2.220446049250313e-16
_TINY64 = 2.2250738585072014e-308
#: float64 as a dtype *instance*: ``np.empty(n, dtype=_F64)`` types as ``A.dtype`` does for a float64
#: A, so the float64 workspaces share the allocation that the dtype-generic steps compile, where
#: ``dtype=np.float64`` (the class) would compile a second one.
_F64 = np.dtype(np.float64)


def eig_flops(n):
    """Nominal flops of Hessenberg + Schur form + vectors: about 25 n^3 (GvL Sec. 7.5.6)."""
    return 25.0 * n**3


def _eig_example(dtype):
    A = (np.arange(25.0).reshape(5, 5) % 7).astype(dtype)
    A[0, 4] = -3
    return A, np.empty(5, dtype), np.empty(5, dtype), np.empty((5, 5), dtype), True


# --------------------------------------------------------------------------
# 1. Hessenberg reduction
# --------------------------------------------------------------------------
@kernel
def gehd2(A, tau):
    """Reduce A to upper Hessenberg form, ``Q^T A Q = H`` (LAPACK ``dgehd2``).

    Parameters
    ----------
    A : (n, n) ndarray, overwritten
        On return H on and above the first subdiagonal; reflector k's
        ``v[1:]`` below it in column k (``v[0] = 1`` implicit at row k+1).
    tau : (n-1,) ndarray, out
        ``Q = H_0 ... H_{n-3}``, ``H_k = I - tau_k v_k v_k^T`` acting on
        coordinates ``k+1..n-1`` (``tau[n-2] = 0``).

    Returns
    -------
    int
        0.

    Notes
    -----
    Golub & Van Loan, 4th ed., Alg. 7.4.2.  Step k: the column
    ``A[k+1:, k]`` is copied to a contiguous buffer for :func:`householder`;
    ``A[k+1:, k+1:] -= tau v (v^T A[k+1:, k+1:])`` is done by rows (``w =
    sum_i v_i A[i, :]`` then rank 1), ``A[:, k+1:] -= tau (A[:, k+1:] v)
    v^T`` by a dot product and an axpy along each row.  Flops 10n^3/3;
    workspace 2n.
    """
    n = A.shape[0]
    x = np.empty(max(n, 1), dtype=A.dtype)
    w = np.empty(max(n, 1), dtype=A.dtype)
    if n > 1:
        tau[n - 2] = 0
    for k in range(n - 2):
        m = n - k - 1
        v = x[:m]
        for i in range(m):
            v[i] = A[k + 1 + i, k]
        beta, tk = householder(v)
        tau[k] = tk
        A[k + 1, k] = beta
        for i in range(1, m):
            A[k + 1 + i, k] = v[i]
        if tk == 0:
            continue
        v[0] = 1
        # left: A[k+1:, k+1:] -= tau v (v^T A[k+1:, k+1:])
        wk = w[:m]
        for j in range(m):
            wk[j] = 0
        for i in range(m):
            row = A[k + 1 + i, k + 1 :]
            vi = v[i]
            for j in range(m):
                wk[j] += vi * row[j]
        for i in range(m):
            row = A[k + 1 + i, k + 1 :]
            s = tk * v[i]
            for j in range(m):
                row[j] -= s * wk[j]
        # right: A[:, k+1:] -= tau (A[:, k+1:] v) v^T
        for r in range(n):
            row = A[r, k + 1 :]
            s = tk * dot(row, v)
            for j in range(m):
                row[j] -= s * v[j]
    return 0


@kernel
def form_qt_gehd2(A, tau, Qt):
    """``Qt = Q^T`` from :func:`gehd2`'s reflectors, by rows (``dorghr``, transposed).

    Parameters
    ----------
    A : (n, n) ndarray
        :func:`gehd2`'s output (read only).
    tau : (n-1,) ndarray
    Qt : (n, n) ndarray, out

    Returns
    -------
    int
        0.

    Notes
    -----
    Backward accumulation from the identity, ``Qt <- Qt H_k`` for
    ``k = n-3 .. 0`` (Golub & Van Loan, 4th ed., Sec. 5.1.6), each row
    updated by a dot product and an axpy; reflector k is first copied out of
    column k.  Flops ~4n^3/3; workspace n.
    """
    n = A.shape[0]
    for i in range(n):
        for j in range(n):
            Qt[i, j] = 0
        Qt[i, i] = 1
    x = np.empty(max(n, 1), dtype=A.dtype)
    for k in range(n - 3, -1, -1):
        tk = tau[k]
        if tk == 0:
            continue
        m = n - k - 1
        v = x[:m]
        v[0] = 1
        for i in range(1, m):
            v[i] = A[k + 1 + i, k]
        for r in range(k + 1, n):
            row = Qt[r, k + 1 :]
            s = tk * dot(row, v)
            for j in range(m):
                row[j] -= s * v[j]
    return 0


# --------------------------------------------------------------------------
# 2. Francis double-shift QR
# --------------------------------------------------------------------------
# inline="always" on the scalar step helpers of lahqr and trevc (one call site each; _cdiv's three
# are a few flops): each body is compiled in its caller instead of as a compilation of its own (a
# whole Numba pipeline, an LLVM module optimised and emitted) that the caller then links; a cold
# eig compiled six such units (devlog 086).  Not inlined: _chase_bulge, whose row loops want the
# -O3 module pass that the driver lahqr does not run again, and _shifts, whose products
# _bulge_start subtracts (in one function LLVM could contract them: a change of rounding).
@kernel(inline="always")
def lanv2(a, b, c, d):
    """Schur factorisation of a real 2 x 2 block in standard form (LAPACK ``dlanv2``).

    ``[[a, b], [c, d]] = [[cs, -sn], [sn, cs]] [[aa, bb], [cc, dd]] [[cs, sn], [-sn, cs]]``
    with either ``cc = 0`` (real eigenvalues ``aa``, ``dd``) or ``aa = dd``
    and ``bb cc < 0`` (eigenvalues ``aa +- sqrt(bb cc)``).

    Returns
    -------
    aa, bb, cc, dd, rt1r, rt1i, rt2r, rt2i, cs, sn : float
        ``rt1i >= 0 >= rt2i``.

    Notes
    -----
    As ``dlanv2`` (Anderson's 2000 revision), without its rescaling loop
    for ``sigma`` near under/overflow.
    """
    eps = _EPS64
    one = 1.0
    if c == 0:
        cs = one
        sn = 0.0
    elif b == 0:
        cs = 0.0
        sn = one
        temp = d
        d = a
        a = temp
        b = -c
        c = 0.0
    elif (a - d) == 0 and math.copysign(one, b) != math.copysign(one, c):
        cs = one
        sn = 0.0
    else:
        temp = a - d
        p = 0.5 * temp
        bcmax = max(abs(b), abs(c))
        bcmis = min(abs(b), abs(c)) * math.copysign(one, b) * math.copysign(one, c)
        scale = max(abs(p), bcmax)
        z = (p / scale) * p + (bcmax / scale) * bcmis
        if z >= 4.0 * eps:
            # real eigenvalues: compute a and d
            z = p + math.copysign(math.sqrt(scale) * math.sqrt(z), p)
            a = d + z
            d = d - (bcmax / z) * bcmis
            tau = math.hypot(c, z)
            cs = z / tau
            sn = c / tau
            b = b - c
            c = 0.0
        else:
            # complex or almost equal real eigenvalues: make the diagonal equal
            sigma = b + c
            tau = math.hypot(sigma, temp)
            cs = math.sqrt(0.5 * (one + abs(sigma) / tau))
            sn = -(p / (tau * cs)) * math.copysign(one, sigma)
            aa = a * cs + b * sn
            bb = -a * sn + b * cs
            cc = c * cs + d * sn
            dd = -c * sn + d * cs
            a = aa * cs + cc * sn
            b = bb * cs + dd * sn
            c = -aa * sn + cc * cs
            d = -bb * sn + dd * cs
            temp = 0.5 * (a + d)
            a = temp
            d = temp
            if c != 0:
                if b != 0:
                    if math.copysign(one, b) == math.copysign(one, c):
                        # real eigenvalues: reduce to upper triangular form
                        sab = math.sqrt(abs(b))
                        sac = math.sqrt(abs(c))
                        p = math.copysign(sab * sac, c)
                        tau = one / math.sqrt(abs(b + c))
                        a = temp + p
                        d = temp - p
                        b = b - c
                        c = 0.0
                        cs1 = sab * tau
                        sn1 = sac * tau
                        temp = cs * cs1 - sn * sn1
                        sn = cs * sn1 + sn * cs1
                        cs = temp
                else:
                    b = -c
                    c = 0.0
                    temp = cs
                    cs = -sn
                    sn = temp
    rt1r = a
    rt2r = d
    if c == 0:
        rt1i = 0.0
        rt2i = 0.0
    else:
        rt1i = math.sqrt(abs(b)) * math.sqrt(abs(c))
        rt2i = -rt1i
    return a, b, c, d, rt1r, rt1i, rt2r, rt2i, cs, sn


@kernel(inline="always")
def _deflation_point(H, l, i, ulp, smlnum):
    """The largest k in ``l+1..i`` whose subdiagonal ``H[k, k-1]`` is negligible, else l.

    ``H[k, k-1]`` is negligible when it is below ``ulp (|h_{k-1,k-1}| +
    |h_kk|)`` (neighbours added when that sum is 0) and the conservative
    test of Ahues & Tisseur (LAPACK Working Note 122) also holds, or when
    it is below *smlnum* (``dlahqr``'s loop "look for a single small
    subdiagonal element").
    """
    n = H.shape[0]
    k = i
    while k > l:
        hkk1 = abs(H[k, k - 1])
        if hkk1 <= smlnum:
            break
        tst = abs(H[k - 1, k - 1]) + abs(H[k, k])
        if tst == 0:
            if k - 2 >= 0:
                tst += abs(H[k - 1, k - 2])
            if k + 1 <= n - 1:
                tst += abs(H[k + 1, k])
        if hkk1 <= ulp * tst:
            ab = max(hkk1, abs(H[k - 1, k]))
            ba = min(hkk1, abs(H[k - 1, k]))
            aa = max(abs(H[k, k]), abs(H[k - 1, k - 1] - H[k, k]))
            bb = min(abs(H[k, k]), abs(H[k - 1, k - 1] - H[k, k]))
            s = aa + ab
            if ba * (ab / s) <= max(smlnum, ulp * (bb * (aa / s))):
                break
        k -= 1
    return k


@kernel
def _shifts(H, l, i, kdefl):
    """``(rt1r, rt1i, rt2r, rt2i)``: the two shifts of a double-shift step on the block ``l..i``.

    Wilkinson's: the eigenvalues of the trailing 2 x 2 block (two real ones
    are replaced by the one closer to ``h_ii``, used twice).  After every
    KEXSH iterations without deflation (counted by *kdefl*) an *exceptional*
    shift ``0.75 s + h_ii`` built from the subdiagonal at the bottom or the
    top (``dlahqr``'s ``DAT1``, ``DAT2``), which breaks the cycles that exact
    shifts can fall into (e.g. permutation matrices).
    """
    if kdefl % (2 * KEXSH) == 0:  # exceptional shift at the bottom
        s = abs(H[i, i - 1]) + abs(H[i - 1, i - 2])
        h11 = 0.75 * s + H[i, i]
        h12 = -0.4375 * s
        h21 = s
        h22 = h11
    elif kdefl % KEXSH == 0:  # exceptional shift at the top
        s = abs(H[l + 1, l]) + abs(H[l + 2, l + 1])
        h11 = 0.75 * s + H[l, l]
        h12 = -0.4375 * s
        h21 = s
        h22 = h11
    else:  # Wilkinson's: the eigenvalues of the trailing 2 x 2 block
        h11 = H[i - 1, i - 1]
        h21 = H[i, i - 1]
        h12 = H[i - 1, i]
        h22 = H[i, i]
    s = abs(h11) + abs(h12) + abs(h21) + abs(h22)
    if s == 0:
        rt1r = 0.0
        rt1i = 0.0
        rt2r = 0.0
        rt2i = 0.0
    else:
        h11 /= s
        h21 /= s
        h12 /= s
        h22 /= s
        tr = (h11 + h22) / 2
        det = (h11 - tr) * (h22 - tr) - h12 * h21
        rtdisc = math.sqrt(abs(det))
        if det >= 0:  # complex conjugate shifts
            rt1r = tr * s
            rt2r = rt1r
            rt1i = rtdisc * s
            rt2i = -rt1i
        else:  # real shifts: use the one closer to h22 twice
            rt1r = tr + rtdisc
            rt2r = tr - rtdisc
            if abs(rt1r - h22) <= abs(rt2r - h22):
                rt1r *= s
                rt2r = rt1r
            else:
                rt2r *= s
                rt1r = rt2r
            rt1i = 0.0
            rt2i = 0.0
    return rt1r, rt1i, rt2r, rt2i


@kernel(inline="always")
def _bulge_start(H, l, i, rt1r, rt1i, rt2r, rt2i, ulp, v):
    """Row m where the double-shift step starts; v (3,) gets the bulge's first column there, scaled.

    ``v = (H - rt1 I)(H - rt2 I) e_m`` (three nonzeros; GvL Alg. 7.5.1's
    ``x, y, z``), and m is the lowest row above which two consecutive
    small subdiagonal entries make it negligible (``dlahqr``'s "look for
    two consecutive small subdiagonal elements"), else l.
    """
    m = i - 2
    while True:
        h21s = H[m + 1, m]
        s = abs(H[m, m] - rt2r) + abs(rt2i) + abs(h21s)
        h21s = H[m + 1, m] / s
        v[0] = h21s * H[m, m + 1] + (H[m, m] - rt1r) * ((H[m, m] - rt2r) / s) - rt1i * (rt2i / s)
        v[1] = h21s * (H[m, m] + H[m + 1, m + 1] - rt1r - rt2r)
        v[2] = h21s * H[m + 2, m + 1]
        s = abs(v[0]) + abs(v[1]) + abs(v[2])
        v[0] /= s
        v[1] /= s
        v[2] /= s
        if m == l:
            break
        h00 = abs(H[m, m - 1]) * (abs(v[1]) + abs(v[2]))
        h01 = abs(v[0]) * (abs(H[m - 1, m - 1]) + abs(H[m, m]) + abs(H[m + 1, m + 1]))
        if h00 <= ulp * h01:
            break
        m -= 1
    return m


@kernel
def _chase_bulge(H, Zt, v, l, m, i, i1, i2, wantt):
    """One double-shift QR step: chase the bulge from row m down to row i with 3 x 3 reflectors.

    Reflector k (from :func:`~jitla.kernels.qr_householder.householder` of
    v, then of column k-1 below the diagonal) is applied from the left to
    rows ``k..k+2``, columns ``k..i2``, and from the right to columns
    ``k..k+2``, rows ``i1..min(k+3, i)``; with *wantt* also to rows
    ``k..k+2`` of Zt.  The row halves run along 3 contiguous rows.  The last
    reflector is 2 x 2.  v (3,) holds the first column on entry and is
    overwritten.
    """
    n = H.shape[0]
    for k in range(m, i):
        nr = min(3, i - k + 1)
        if k > m:
            for r in range(nr):
                v[r] = H[k + r, k - 1]
        beta, t1 = householder(v[:nr])
        if k > m:
            H[k, k - 1] = beta
            H[k + 1, k - 1] = 0
            if k < i - 1:
                H[k + 2, k - 1] = 0
        elif m > l:
            # dlahqr: instead of H[k, k-1] = -H[k, k-1], which is wrong
            # when v[1] and v[2] underflow
            H[k, k - 1] *= 1 - t1
        v2 = v[1]
        t2 = t1 * v2
        if nr == 3:
            v3 = v[2]
            t3 = t1 * v3
            r0 = H[k, k : i2 + 1]
            r1 = H[k + 1, k : i2 + 1]
            r2 = H[k + 2, k : i2 + 1]
            for j in range(i2 + 1 - k):
                sm = r0[j] + v2 * r1[j] + v3 * r2[j]
                r0[j] -= sm * t1
                r1[j] -= sm * t2
                r2[j] -= sm * t3
            for j in range(i1, min(k + 3, i) + 1):
                sm = H[j, k] + v2 * H[j, k + 1] + v3 * H[j, k + 2]
                H[j, k] -= sm * t1
                H[j, k + 1] -= sm * t2
                H[j, k + 2] -= sm * t3
            if wantt:
                z0 = Zt[k]
                z1 = Zt[k + 1]
                z2 = Zt[k + 2]
                for j in range(n):
                    sm = z0[j] + v2 * z1[j] + v3 * z2[j]
                    z0[j] -= sm * t1
                    z1[j] -= sm * t2
                    z2[j] -= sm * t3
        elif nr == 2:
            r0 = H[k, k : i2 + 1]
            r1 = H[k + 1, k : i2 + 1]
            for j in range(i2 + 1 - k):
                sm = r0[j] + v2 * r1[j]
                r0[j] -= sm * t1
                r1[j] -= sm * t2
            for j in range(i1, i + 1):
                sm = H[j, k] + v2 * H[j, k + 1]
                H[j, k] -= sm * t1
                H[j, k + 1] -= sm * t2
            if wantt:
                z0 = Zt[k]
                z1 = Zt[k + 1]
                for j in range(n):
                    sm = z0[j] + v2 * z1[j]
                    z0[j] -= sm * t1
                    z1[j] -= sm * t2


@kernel(inline="always")
def _split_2x2(H, Zt, wr, wi, i, wantt):
    """Standardise the 2 x 2 block at rows ``i-1, i`` (:func:`lanv2`); store its eigenvalues.

    With *wantt* the rotation is also applied to the rest of rows ``i-1, i``
    and columns ``i-1, i`` of H and to rows ``i-1, i`` of Zt.
    """
    n = H.shape[0]
    a, b, c, d, rt1r, rt1i, rt2r, rt2i, cs, sn = lanv2(
        float(H[i - 1, i - 1]), float(H[i - 1, i]), float(H[i, i - 1]), float(H[i, i])
    )
    H[i - 1, i - 1] = a
    H[i - 1, i] = b
    H[i, i - 1] = c
    H[i, i] = d
    wr[i - 1] = rt1r
    wi[i - 1] = rt1i
    wr[i] = rt2r
    wi[i] = rt2i
    if wantt:
        if i < n - 1:
            rot(H[i - 1, i + 1 :], H[i, i + 1 :], cs, sn)
        for j in range(i - 1):
            x = H[j, i - 1]
            y = H[j, i]
            H[j, i - 1] = cs * x + sn * y
            H[j, i] = cs * y - sn * x
        rot(Zt[i - 1], Zt[i], cs, sn)


@kernel(driver=True)
def lahqr(H, wr, wi, Zt, wantt):
    """Real Schur form of an upper Hessenberg matrix by Francis double-shift QR.

    Parameters
    ----------
    H : (n, n) ndarray, overwritten
        Upper Hessenberg (entries below the first subdiagonal are ignored
        and set to zero).  If *wantt*, on return the quasi-triangular T.
    wr, wi : (n,) ndarray, out
        Real and imaginary parts of the eigenvalues; a complex pair is
        stored consecutively, positive imaginary part first.
    Zt : (n, n) ndarray, overwritten
        If *wantt*, the rows of Zt are rotated alongside H:
        on entry ``Q^T`` from the Hessenberg reduction, on return ``Z^T``
        with ``A = Z T Z^T``.
    wantt : bool
        Compute the full Schur form and vectors (else only the eigenvalues:
        transformations touch only the active block, as ``dlahqr`` with
        ``WANTT = WANTZ = .FALSE.``).

    Returns
    -------
    int
        0, or ``i + 1`` if the block ending at row i did not converge in
        ``30 max(10, n)`` iterations (``dlahqr``'s ``info``).

    Notes
    -----
    LAPACK ``dlahqr`` (Golub & Van Loan, 4th ed., Alg. 7.5.1 Francis QR
    step and 7.5.2 with deflation), 0-based, one function per step of an
    iteration on the active block ``l..i``:

    1. :func:`_deflation_point` -- the lowest negligible subdiagonal entry;
    2. :func:`_shifts` -- the double shift (Wilkinson's, or exceptional);
    3. :func:`_bulge_start` -- where the bulge can start, and its first column;
    4. :func:`_chase_bulge` -- the 3 x 3 reflectors that chase it to row i;

    and, once a 1 x 1 or 2 x 2 block splits off, :func:`_split_2x2`
    standardises a 2 x 2 one.

    Flops about 10n^3 (eigenvalues only ~ 4n^3 fewer when only the active
    block is updated).  Workspace none.
    """
    n = H.shape[0]
    if n == 0:
        return 0
    for i in range(n):
        for j in range(max(i - 1, 0)):
            H[i, j] = 0
    ulp = np.finfo(H.dtype).eps
    safmin = np.finfo(H.dtype).tiny
    smlnum = safmin * (n / ulp)
    itmax = ITERATIONS_PER_EIGENVALUE * max(10, n)
    v = np.empty(3, dtype=_F64)
    kdefl = 0
    i = n - 1
    while i >= 0:
        l = 0
        converged = False
        for _its in range(itmax + 1):
            l = _deflation_point(H, l, i, ulp, smlnum)
            if l > 0:
                H[l, l - 1] = 0
            if l >= i - 1:
                converged = True
                break
            kdefl += 1
            if wantt:  # the whole of H is kept up to date
                i1 = 0
                i2 = n - 1
            else:  # only the active block
                i1 = l
                i2 = i
            rt1r, rt1i, rt2r, rt2i = _shifts(H, l, i, kdefl)
            m = _bulge_start(H, l, i, rt1r, rt1i, rt2r, rt2i, ulp, v)
            _chase_bulge(H, Zt, v, l, m, i, i1, i2, wantt)
        if not converged:
            return i + 1
        if l == i:  # a 1 x 1 block has split off
            wr[i] = H[i, i]
            wi[i] = 0
        else:  # a 2 x 2 block: standardise it, and apply the rotation to the rest
            _split_2x2(H, Zt, wr, wi, i, wantt)
        kdefl = 0
        i = l - 1
    return 0


# --------------------------------------------------------------------------
# 3. eigenvectors of the quasi-triangular T
# --------------------------------------------------------------------------
@kernel(inline="always")
def _cdiv(ar, ai, br, bi):
    """``(ar + i ai) / (br + i bi)`` as two reals, ``b != 0``.

    Smith's algorithm as CPython's (and Numba's) complex division
    (``_Py_c_quot``): divide through by the larger of ``|br|``, ``|bi|``,
    so no intermediate overflows needlessly.  Written on real pairs so that
    :func:`trevc` compiles no complex arithmetic (Numba's complex division
    carries a raise for a zero divisor, which the callers exclude).
    """
    if abs(br) >= abs(bi):
        ratio = bi / br
        denom = br + bi * ratio
        return (ar + ai * ratio) / denom, (ai - ar * ratio) / denom
    ratio = br / bi
    denom = br * ratio + bi
    return (ar * ratio + ai) / denom, (ai * ratio - ar) / denom


@kernel(inline="always")
def _solve_2x2(a11r, a11i, a12, a21, a22r, a22i, b1r, b1i, b2r, b2i, smin):
    """Solve ``[[a11, a12], [a21, a22]] x = b`` (Cramer), a11, a22, b complex as real pairs.

    a12 and a21 are real (entries of the quasi-triangular T).  A
    determinant smaller than *smin* in modulus is replaced by *smin*
    (``dlaln2`` perturbs the matrix likewise, so that a singular system
    still gives a large, finite answer).  Returns ``x1r, x1i, x2r, x2i``.
    """
    detr = a11r * a22r - a11i * a22i - a12 * a21
    deti = a11r * a22i + a11i * a22r
    if math.hypot(detr, deti) < smin:
        detr = smin
        deti = 0.0
    x1r, x1i = _cdiv(a22r * b1r - a22i * b1i - a12 * b2r, a22r * b1i + a22i * b1r - a12 * b2i, detr, deti)
    x2r, x2i = _cdiv(a11r * b2r - a11i * b2i - a21 * b1r, a11r * b2i + a11i * b2r - a21 * b1i, detr, deti)
    return x1r, x1i, x2r, x2i


@kernel
def trevc(T, wr, wi, Zt, VRt):
    """Right eigenvectors of the real Schur form, back-transformed (``dtrevc``, 'B').

    Parameters
    ----------
    T : (n, n) ndarray
        Upper quasi-triangular from :func:`lahqr` (read only).
    wr, wi : (n,) ndarray
        Its eigenvalues (from :func:`lahqr`).
    Zt : (n, n) ndarray
        ``Z^T`` (read only).
    VRt : (n, n) ndarray, out
        Rows: eigenvectors in LAPACK's packing (module docstring), unit
        2-norm, the largest component of a complex vector real (``dgeev``).

    Returns
    -------
    int
        0.

    Notes
    -----
    For eigenvalue ``lambda = T[ki, ki]`` (or ``wr + i wi`` of the block
    ending at ki) the vector x with ``x[ki] = 1`` (or the 2 x 2 block's
    null vector) and ``x[ki+1:] = 0`` solves ``(T - lambda I) x = 0`` by
    back substitution from ``j = ki - 1`` down to 0: ``x_j = -(T[j, j+1:ki+1]
    . x[j+1:ki+1]) / (T[j, j] - lambda)`` (rows of T, not ``dtrevc``'s
    column updates), a 2 x 2 system (:func:`_solve_2x2`) where a block
    sits on the diagonal.  A pivot smaller than
    ``smin = max(ulp (|wr| + |wi|), smlnum)`` is replaced by smin (as
    ``dtrevc``), which keeps defective (Jordan) blocks finite; x is
    rescaled whenever an entry passes 1e100 (``dtrevc``'s overflow guard,
    simplified).  Then ``v = Z x = sum_k x_k Zt[k]``.  Computed in
    float64 whatever the dtype of T, complex numbers as pairs of reals
    (:func:`_cdiv`: the arithmetic of complex128, with nothing of Numba's
    complex type to compile).  Flops about n^3 for the substitutions and
    n^3 for the back-transformation; workspace 5n.
    """
    n = T.shape[0]
    ulp = _EPS64
    smlnum = _TINY64 * (n / ulp)
    big = 1e100
    # each eigenvector's x and v are zeroed before use: no np.zeros (one more compilation)
    xr = np.empty(n, dtype=_F64)  # x = xr + i xi
    xi = np.empty(n, dtype=_F64)
    vr = np.empty(n, dtype=_F64)
    vi = np.empty(n, dtype=_F64)
    Tr = np.empty(n, dtype=_F64)
    ki = n - 1
    while ki >= 0:
        pair = ki > 0 and T[ki, ki - 1] != 0
        for j in range(n):
            xr[j] = 0
            xi[j] = 0
        if pair:
            lr = float(wr[ki - 1])  # lambda = lr + i li
            li = float(wi[ki - 1])
            if abs(T[ki - 1, ki]) >= abs(T[ki, ki - 1]):
                xr[ki - 1] = 1
                xi[ki] = li / T[ki - 1, ki]
            else:
                xr[ki - 1] = -li / T[ki, ki - 1]
                xi[ki] = 1
            top = ki - 2
            smin = max(ulp * (abs(wr[ki]) + abs(li)), smlnum)
        else:
            lr = float(wr[ki])
            li = 0.0
            xr[ki] = 1
            top = ki - 1
            smin = max(ulp * abs(wr[ki]), smlnum)
        hi = ki + 1
        j = top
        while j >= 0:
            if j > 0 and T[j, j - 1] != 0:
                # 2 x 2 diagonal block (j-1, j)
                s1r = 0.0
                s1i = 0.0
                s2r = 0.0
                s2i = 0.0
                for k in range(j + 1, hi):
                    s1r += T[j - 1, k] * xr[k]
                    s1i += T[j - 1, k] * xi[k]
                    s2r += T[j, k] * xr[k]
                    s2i += T[j, k] * xi[k]
                x1r, x1i, x2r, x2i = _solve_2x2(
                    T[j - 1, j - 1] - lr, -li, float(T[j - 1, j]), float(T[j, j - 1]), T[j, j] - lr, -li,
                    -s1r, -s1i, -s2r, -s2i, smin,
                )  # fmt: skip
                xr[j - 1] = x1r
                xi[j - 1] = x1i
                xr[j] = x2r
                xi[j] = x2i
                xmax = max(math.hypot(x1r, x1i), math.hypot(x2r, x2i))
                jlo = j - 1
                j -= 2
            else:
                sr = 0.0
                si = 0.0
                for k in range(j + 1, hi):
                    sr += T[j, k] * xr[k]
                    si += T[j, k] * xi[k]
                pr = T[j, j] - lr
                pi = -li
                if math.hypot(pr, pi) < smin:
                    pr = smin
                    pi = 0.0
                xr[j], xi[j] = _cdiv(-sr, -si, pr, pi)
                xmax = math.hypot(xr[j], xi[j])
                jlo = j
                j -= 1
            if xmax > big:
                scale = 1 / xmax
                for k in range(jlo, hi):
                    xr[k] *= scale
                    xi[k] *= scale
        # back-transform: v = sum_k x_k Zt[k]
        for c in range(n):
            vr[c] = 0
            vi[c] = 0
        for k in range(hi):
            xrk = xr[k]
            xik = xi[k]
            z = Zt[k]
            for c in range(n):
                Tr[c] = z[c]
            if xrk != 0:
                for c in range(n):
                    vr[c] += xrk * Tr[c]
            if pair and xik != 0:
                for c in range(n):
                    vi[c] += xik * Tr[c]
        # normalise (dgeev): unit 2-norm; a complex vector turned so its largest entry is real
        nrm = 0.0
        for c in range(n):
            nrm += vr[c] * vr[c] + vi[c] * vi[c]
        nrm = math.sqrt(nrm)
        if nrm == 0:
            nrm = 1.0
        if pair:
            kmax = 0
            best = -1.0
            for c in range(n):
                mag = vr[c] * vr[c] + vi[c] * vi[c]
                if mag > best:
                    best = mag
                    kmax = c
            r = math.hypot(vr[kmax], vi[kmax])
            cs = vr[kmax] / r
            sn = vi[kmax] / r
            for c in range(n):
                a = vr[c]
                b = vi[c]
                VRt[ki - 1, c] = (cs * a + sn * b) / nrm
                VRt[ki, c] = (cs * b - sn * a) / nrm
            VRt[ki, kmax] = 0
            ki -= 2
        else:
            for c in range(n):
                VRt[ki, c] = vr[c] / nrm
            ki -= 1
    return 0


@register(
    "eig",
    "francis",
    "Hessenberg reduction, Francis double-shift QR (dlahqr), dtrevc eigenvectors",
    flops=eig_flops,
    example=_eig_example,
)
@kernel
def eig_francis(A, wr, wi, VRt, compute_v):
    """Eigenvalues (and right eigenvectors) of a general real matrix.

    Parameters
    ----------
    A : (n, n) ndarray, overwritten
    wr, wi : (n,) ndarray, out
        Real and imaginary parts; pairs consecutive, positive imaginary first.
    VRt : (n, n) ndarray, out
        Eigenvectors as rows in LAPACK's packing (only if *compute_v*).
    compute_v : bool

    Returns
    -------
    int
        :func:`lahqr`'s status.

    Notes
    -----
    ``dgeev`` without balancing (``dgebal``): :func:`gehd2`,
    :func:`form_qt_gehd2`, :func:`lahqr`, :func:`trevc`.  Without vectors
    the QR iteration only updates the active block.  Workspace n^2 + O(n).
    """
    n = A.shape[0]
    tau = np.empty(max(n - 1, 1), dtype=A.dtype)
    gehd2(A, tau)
    Zt = np.empty((n, n) if compute_v else (1, 1), dtype=A.dtype)
    if compute_v:
        form_qt_gehd2(A, tau, Zt)
    status = lahqr(A, wr, wi, Zt, compute_v)
    if status != 0 or not compute_v:
        return status
    trevc(A, wr, wi, Zt, VRt)
    return 0
