"""Symmetric eigensolvers: cyclic Jacobi, and tridiagonalisation + implicit QL.

Two routes to ``A = V diag(w) V^T`` for a real symmetric A:

* **Cyclic Jacobi** (:func:`eigh_jacobi`): two-sided plane rotations
  ``A <- J^T A J``, each zeroing one off-diagonal pair, sweeping over all
  pairs until every off-diagonal entry is negligible *relative to its own
  diagonal entries*.  Slow (about 6n^3 flops per sweep with vectors,
  8-10 sweeps measured at n = 32..128) but accurate: for positive definite
  ``A = D H D`` with H well conditioned, every eigenvalue, including the
  smallest, comes out to high relative accuracy (Demmel & Veselić, 1992).
* **Tridiagonal QL** (:func:`sytd2` / :func:`sytd2_fused`, then
  :func:`steqr` or :func:`sterf`; drivers :func:`eigh_tridiagonal_ql`,
  :func:`eigvalsh_tridiagonal_ql`, and for large n the API's sequence of
  the same steps around the blocked ``orgqr``): Householder
  reduction ``Q^T A Q = T`` tridiagonal (4n^3/3 flops), then the implicit
  QL algorithm with Wilkinson shifts on T (O(n^2) for values, about
  6n^3 more to accumulate the rotations into the eigenvectors).  Errors are
  of order ``eps ||A||`` for every eigenvalue (backward stable), which is
  all the QR/QL family can promise.

Row-major storage
-----------------
numpy arrays here are C-ordered, so every hot loop is arranged to run along
rows:

* :func:`sytd2` works on the **upper triangle by rows** (the same numbers as
  LAPACK's lower triangle by columns): the reflector of step k is built from
  the contiguous row ``A[k, k+1:]``, the symmetric matrix-vector product and
  the rank-2 update sweep rows ``A[i, i:]``.  The reflectors are left in
  those rows, as ``dsytd2`` leaves them in its columns.
* The rotations of QL act on pairs of columns of the eigenvector matrix Z;
  the kernels keep ``Zt = Z^T``, so they act on pairs of contiguous rows
  (:func:`_rotate_rows`, LAPACK's ``dlasr``).
* Jacobi updates rows p and q of the full symmetric A (contiguous) and
  copies them into columns p and q; its eigenvectors accumulate in the rows
  of ``Vt = V^T``.

Kernel contracts are in each docstring; status codes are LAPACK's
``info``: 0 success, k > 0 not converged.  No checks are made on the inputs.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._jit import kernel, vector_kernel
from jitla.kernels._layout import argsort_stable, permute
from jitla.kernels._registry import register
from jitla.kernels._tile import register_tile, unit_stride_row
from jitla.kernels.level1 import dot, jacobi_angle, rot
from jitla.kernels.qr_householder import form_q, householder

__all__ = [
    "eigh_jacobi",
    "sytd2",
    "sytd2_fused",
    "steqr",
    "sterf",
    "eigh_tridiagonal_ql",
    "eigvalsh_tridiagonal_ql",
    "reflectors_qr_layout",
    "vt_from_q1",
    "form_q_sytd2",
    "MAX_JACOBI_SWEEPS",
    "QL_ITERATIONS_PER_EIGENVALUE",
]

#: Jacobi gives up after this many sweeps (random matrices need 6-10).
MAX_JACOBI_SWEEPS = 60
#: QL gives up after this many iterations per eigenvalue in total (``dsteqr``: 30).
QL_ITERATIONS_PER_EIGENVALUE = 30


def eigh_flops(n):
    """Nominal flops of tridiagonalisation with eigenvectors: 4n^3/3 + 4n^3/3 (Q) + ~6n^3 (QL)."""
    return 8.0 * n**3 / 3.0 + 6.0 * n**3


def jacobi_flops(n):
    """Flops of one two-sided Jacobi sweep with vectors: n(n-1)/2 pairs x 12n."""
    return 6.0 * n**3


def _sym_example(dtype):
    A = (np.arange(25.0).reshape(5, 5) % 7).astype(dtype)
    A = A + A.T
    return A, np.empty(5, dtype), np.empty((5, 5), dtype), True, MAX_JACOBI_SWEEPS


def _ql_example(dtype):
    A = (np.arange(25.0).reshape(5, 5) % 7).astype(dtype)
    A = A + A.T
    return A, np.empty(5, dtype), np.empty((5, 5), dtype)


# --------------------------------------------------------------------------
# 1. cyclic Jacobi
# --------------------------------------------------------------------------
@register(
    "eigh",
    "jacobi",
    "cyclic two-sided Jacobi, relative off-diagonal threshold (Demmel-Veselic)",
    flops=jacobi_flops,
    example=_sym_example,
)
@kernel
def eigh_jacobi(A, w, Vt, compute_v, max_sweeps):
    """Eigen-decomposition of a symmetric matrix by the cyclic Jacobi method.

    Parameters
    ----------
    A : (n, n) ndarray, overwritten
        Full symmetric matrix (both triangles hold the values); on return
        its diagonal holds the eigenvalues, unsorted, and the off-diagonal
        is negligible.
    w : (n,) ndarray, out
        Eigenvalues, ascending.
    Vt : (n, n) ndarray, out
        Row i is the unit eigenvector of ``w[i]`` (only if *compute_v*).
    compute_v : bool
    max_sweeps : int

    Returns
    -------
    status : int
        0 on convergence, 1 if *max_sweeps* sweeps were not enough.
    sweeps : int

    Notes
    -----
    Golub & Van Loan, 4th ed., Alg. 8.5.3 (cyclic Jacobi) with the 2 x 2
    symmetric Schur decomposition of Alg. 8.5.1
    (:func:`~jitla.kernels.level1.jacobi_angle`: ``tau = (a_qq - a_pp) /
    (2 a_pq)``, ``t`` the smaller root of ``t^2 + 2 tau t - 1``, ``c =
    1/sqrt(1+t^2)``, the book's ``s = t c``).  Departure:
    8.5.3 stops when ``off(A) <= tol ||A||_F`` (absolute); here a pair is
    rotated only when ``|a_pq| > eps sqrt(|a_pp a_qq|)`` and the sweeps stop
    when none is, the relative test of Demmel & Veselić ("Jacobi's method is
    more accurate than QR", SIAM J. Matrix Anal. Appl. 13(4), 1992), which
    gives small *relative* errors in all eigenvalues of a graded positive
    definite matrix.  The update uses rows only: ``a_p, a_q <- c a_p - s a_q,
    s a_p + c a_q`` along the rows (:func:`~jitla.kernels.level1.rot` with
    ``-s``), then the 2 x 2 block is set to
    ``diag(a_pp - t a_pq, a_qq + t a_pq)`` and the rows copied into the
    columns (symmetry), so the hot loops are contiguous.
    Flops ~ 6n per row pair (+6n for Vt) per rotation; workspace none.
    """
    n = A.shape[0]
    eps = np.finfo(A.dtype).eps
    tiny = np.finfo(A.dtype).tiny
    if compute_v:
        for i in range(n):
            for j in range(n):
                Vt[i, j] = 0
            Vt[i, i] = 1
    status = 1
    sweeps = 0
    for sweep in range(max_sweeps):
        rotated = False
        for p in range(n - 1):
            for q in range(p + 1, n):
                apq = A[p, q]
                app = A[p, p]
                aqq = A[q, q]
                if abs(apq) <= eps * math.sqrt(abs(app)) * math.sqrt(abs(aqq)) or abs(apq) < tiny:
                    continue
                rotated = True
                t, c, s = jacobi_angle(app, aqq, apq)
                ap = A[p]
                aq = A[q]
                rot(ap, aq, c, s)
                ap[p] = app - t * apq
                aq[q] = aqq + t * apq
                ap[q] = 0
                aq[p] = 0
                for j in range(n):
                    A[j, p] = ap[j]
                    A[j, q] = aq[j]
                if compute_v:
                    rot(Vt[p], Vt[q], c, s)
        sweeps = sweep + 1
        if not rotated:
            status = 0
            break
    for i in range(n):
        w[i] = A[i, i]
    _sort_ascending(w, Vt, compute_v)
    return status, sweeps


@kernel
def _sort_ascending(w, Vt, compute_v):
    """Sort *w* ascending and permute the rows of *Vt* alike (stable)."""
    order = argsort_stable(w, False)
    permute(w, Vt, order, compute_v)


# --------------------------------------------------------------------------
# 2. Householder tridiagonalisation
# --------------------------------------------------------------------------
@vector_kernel
def _symv_upper(A, k, v, p):
    """``p = B v`` for ``B = A[k:, k:]`` symmetric, upper triangle read by rows.

    Row i of B contributes ``B[i, i] v_i + B[i, i+1:] . v[i+1:]`` to p_i and
    ``B[i, i+1:] v_i`` to ``p[i+1:]`` (the lower triangle, by symmetry):
    one pass over the triangle, both loops along the contiguous row.
    """
    m = v.shape[0]
    for i in range(m):
        p[i] = 0
    for i in range(m):
        row = A[k + i, k + i :]
        vi = v[i]
        vt = v[i:]
        pt = p[i:]
        s = dot(row[1:], vt[1:])
        for j in range(1, m - i):
            pt[j] += row[j] * vi
        p[i] += row[0] * vi + s


@vector_kernel
def _syr2_upper(A, k, v, w):
    """``B -= v w^T + w v^T`` on the upper triangle of ``B = A[k:, k:]``, by rows."""
    m = v.shape[0]
    for i in range(m):
        row = A[k + i, k + i :]
        vi = v[i]
        wi = w[i]
        vt = v[i:]
        wt = w[i:]
        for j in range(m - i):
            row[j] -= vi * wt[j] + wi * vt[j]


@register(
    "sytrd",
    "unblocked",
    "Householder tridiagonalisation (dsytd2), upper triangle by rows",
    flops=lambda n: 4.0 * n**3 / 3.0,
    example=lambda dtype: (_ql_example(dtype)[0], np.empty(5, dtype), np.empty(4, dtype), np.empty(4, dtype)),
)
@kernel
def sytd2(A, d, e, tau):
    """Reduce a symmetric matrix to tridiagonal form, ``Q^T A Q = T``.

    Parameters
    ----------
    A : (n, n) ndarray, overwritten
        Only the upper triangle is read.  On return row k holds, right of
        the diagonal, ``e[k]`` at ``A[k, k+1]`` and the reflector's ``v[1:]``
        in ``A[k, k+2:]`` (``v[0] = 1`` implicit); the strictly lower
        triangle is untouched.
    d : (n,) ndarray, out
        Diagonal of T.
    e : (n-1,) ndarray, out
        Off-diagonal of T.
    tau : (n-1,) ndarray, out
        Reflector scalars: ``Q = H_0 H_1 ... H_{n-2}``,
        ``H_k = I - tau_k v_k v_k^T`` acting on coordinates ``k+1 .. n-1``.

    Returns
    -------
    int
        0.

    Notes
    -----
    Golub & Van Loan, 4th ed., Alg. 8.3.1; LAPACK ``dsytd2`` (UPLO='L')
    with rows for columns.  Step k: ``v, beta = house(A[k, k+1:])``,
    ``p = tau B v`` (:func:`_symv_upper`), ``w = p - (tau/2)(p^T v) v``,
    ``B -= v w^T + w v^T`` (:func:`_syr2_upper`).  Unblocked: half of the
    4n^3/3 flops are a matrix-vector product, so the speed is bounded by
    the bandwidth from L2/L3 (LAPACK's blocked ``dsytrd`` is too, for that
    half).  Workspace 2n.
    """
    n = A.shape[0]
    p = np.empty(max(n, 1), dtype=A.dtype)
    wv = np.empty(max(n, 1), dtype=A.dtype)
    for k in range(n - 1):
        d[k] = A[k, k]
        x = A[k, k + 1 :]
        beta, tk = householder(x)
        e[k] = beta
        tau[k] = tk
        if tk != 0:
            m = n - k - 1
            x[0] = 1
            pk = p[:m]
            _symv_upper(A, k + 1, x, pk)
            for i in range(m):
                pk[i] *= tk
            alpha = -0.5 * tk * dot(pk, x)
            wk = wv[:m]
            for i in range(m):
                wk[i] = pk[i] + alpha * x[i]
            _syr2_upper(A, k + 1, x, wk)
            x[0] = beta
    if n > 0:
        d[n - 1] = A[n - 1, n - 1]
    return 0


@vector_kernel
def _syr2_symv_rows(A, k, Vp, Wp, Vn, P):
    """One step of the fused tridiagonalisation on every row ``i > k`` of the trailing triangle.

    For each row, *row* = ``A[i, i:]`` and the vectors' matching slices
    (index 0 is the diagonal): the pending rank-2 update of the previous
    step is applied, ``row -= vp_0 wp + wp_0 vp``, and the updated row adds
    ``row[1:] . vn[1:] + row[0] vn[0]`` to ``P[i]`` and ``row[1:] vn[0]``
    to ``P[i+1:]`` (this step's ``B v``).  The dot product keeps lane-wise
    partial sums in a stack tile (as :func:`jitla.kernels.level1.dot`), so
    the loop vectorises without fastmath; the chunk loop is split in four
    groups because with one loop body the stores to the row and to P could
    alias the other loads, and LLVM's SLP kept it scalar.  The loop over
    rows sits inside this one vector-kernel call per step: called once per
    row, the call cost more than a short row's arithmetic at n = 100
    (devlog 022).  The row and the four vectors (passed as (1, n) arrays)
    are taken as :func:`~jitla.kernels._tile.unit_stride_row` views, not
    slices: Numba's slice arithmetic, five slices a row, was about a tenth
    of the tridiagonalisation at n = 100 (devlog 040).
    """
    n = A.shape[0]
    acc = register_tile(A, 2, 2)  # acc[0]: partial sums, acc[1]: the updated row piece
    W = acc.shape[1]
    for i in range(k + 1, n):
        L = n - i - 1
        # views from column i + 1 on, without Numba's slice arithmetic (five per row)
        r1 = unit_stride_row(A, i, i + 1, L)
        vp1 = unit_stride_row(Vp, 0, i + 1, L)
        wp1 = unit_stride_row(Wp, 0, i + 1, L)
        vn1 = unit_stride_row(Vn, 0, i + 1, L)
        pn1 = unit_stride_row(P, 0, i + 1, L)
        for t in range(W):
            acc[0, t] = 0
        vpi = Vp[0, i]
        wpi = Wp[0, i]
        vni = Vn[0, i]
        r = A[i, i] - (vpi * wpi + wpi * vpi)
        A[i, i] = r
        diag = r * vni
        nb = L - L % W
        for b in range(0, nb, W):
            for t in range(W):
                acc[1, t] = r1[b + t] - (vpi * wp1[b + t] + wpi * vp1[b + t])
            for t in range(W):
                r1[b + t] = acc[1, t]
            for t in range(W):
                acc[0, t] += acc[1, t] * vn1[b + t]
            for t in range(W):
                pn1[b + t] += acc[1, t] * vni
        s = A.dtype.type(0)
        for t in range(W):
            s += acc[0, t]
        for j in range(nb, L):
            x = r1[j] - (vpi * wp1[j] + wpi * vp1[j])
            r1[j] = x
            s += x * vn1[j]
            pn1[j] += x * vni
        P[0, i] += diag + s


@register(
    "sytrd",
    "fused",
    "Householder tridiagonalisation, rank-2 update and next matrix-vector product in one pass",
    flops=lambda n: 4.0 * n**3 / 3.0,
    example=lambda dtype: (_ql_example(dtype)[0], np.empty(5, dtype), np.empty(4, dtype), np.empty(4, dtype)),
)
@kernel
def sytd2_fused(A, d, e, tau):
    """:func:`sytd2` with each step's rank-2 update fused with the next step's ``B v``.

    Same contract and same arithmetic as :func:`sytd2` (the two give the
    same T and reflectors up to rounding).

    Notes
    -----
    In :func:`sytd2` every step reads the trailing triangle twice (the
    product ``p = B v`` and the update ``B -= v w^T + w v^T``) and writes it
    once.  Here the update of step k-1 is left *pending*: step k first
    applies it to row k (which it needs for its reflector), then for each
    row i > k applies it and immediately uses the updated row for step k's
    product (:func:`_syr2_symv_rows`), so the triangle is read and written
    once per step.  The same reorganisation as LAPACK's ``dsytrd`` panel
    (``dlatrd``) achieves by delaying updates, without the GEMM.
    Flops 4n^3/3; workspace 4n.
    """
    n = A.shape[0]
    zero = A.dtype.type(0)
    Vp = np.zeros(max(n, 1), dtype=A.dtype)  # pending update (absolute indices)
    Wp = np.zeros(max(n, 1), dtype=A.dtype)
    Vn = np.zeros(max(n, 1), dtype=A.dtype)  # this step's reflector
    P = np.zeros(max(n, 1), dtype=A.dtype)
    Vp2 = Vp.reshape((1, Vp.shape[0]))  # the same vectors as rows, for unit_stride_row
    Wp2 = Wp.reshape((1, Wp.shape[0]))
    Vn2 = Vn.reshape((1, Vn.shape[0]))
    P2 = P.reshape((1, P.shape[0]))
    for k in range(n - 1):
        # the pending update on row k, which holds this step's reflector
        rowk = A[k, k:]
        vpk = Vp[k]
        wpk = Wp[k]
        vpt = Vp[k:]
        wpt = Wp[k:]
        for j in range(n - k):
            rowk[j] -= vpk * wpt[j] + wpk * vpt[j]
        d[k] = rowk[0]
        x = A[k, k + 1 :]
        beta, tk = householder(x)
        e[k] = beta
        tau[k] = tk
        Vn[k] = zero
        Vn[k + 1] = 1
        for j in range(1, n - k - 1):
            Vn[k + 1 + j] = x[j]
        for j in range(k + 1, n):
            P[j] = zero
        # rows k+1..: apply the pending update and accumulate B v
        _syr2_symv_rows(A, k, Vp2, Wp2, Vn2, P2)
        if tk == 0:
            for j in range(k + 1, n):
                Vp[j] = zero
                Wp[j] = zero
            continue
        m = n - k - 1
        pk = P[k + 1 :]
        vk = Vn[k + 1 :]
        for j in range(m):
            pk[j] *= tk
        alpha = -0.5 * tk * dot(pk, vk)
        for j in range(k + 1, n):
            Vp[j] = Vn[j]
            Wp[j] = P[j] + alpha * Vn[j]
    if n > 0:
        last = n - 1
        A[last, last] -= 2 * Vp[last] * Wp[last]
        d[last] = A[last, last]
    return 0


@kernel
def form_q_sytd2(A, tau, Qt):
    """``Qt = Q^T`` from :func:`sytd2`'s reflectors, by rows.

    Parameters
    ----------
    A : (n, n) ndarray
        :func:`sytd2`'s output (read only).
    tau : (n-1,) ndarray
    Qt : (n, n) ndarray, out

    Returns
    -------
    int
        0.

    Notes
    -----
    ``Q^T = H_{n-2} ... H_0`` and each ``H_k`` is symmetric, so
    ``Q^T = (H_0 ... H_{n-2})^T`` is built from the identity by applying
    ``H_k`` from the right, ``k = n-2 .. 0`` ("backward accumulation",
    Golub & Van Loan, 4th ed., Sec. 5.1.6): each row r of ``Qt`` is updated
    as ``r -= tau (r . v) v`` (a dot product and an axpy along the row), and
    ``H_k`` only touches rows ``k+1..`` whose columns ``< k+1`` are still
    those of the identity.  Flops ~4n^3/3; workspace none.
    """
    n = A.shape[0]
    for i in range(n):
        for j in range(n):
            Qt[i, j] = 0
        Qt[i, i] = 1
    for k in range(n - 2, -1, -1):
        tk = tau[k]
        if tk == 0:
            continue
        v = A[k, k + 1 :]
        beta = v[0]
        v[0] = 1
        for r in range(k + 1, n):
            row = Qt[r, k + 1 :]
            s = tk * dot(row, v)
            for j in range(n - k - 1):
                row[j] -= s * v[j]
        v[0] = beta
    return 0


# --------------------------------------------------------------------------
# 3. implicit QL on the tridiagonal matrix
# --------------------------------------------------------------------------
@vector_kernel
def _rotate_rows(Zt, cs, sn, l, m):
    """Apply one QL sweep's rotations to rows ``l..m`` of Zt, two at a time.

    Rotation i (``i = m-1 .. l``) replaces rows i, i+1 by
    ``(c z_i - s z_{i+1}, s z_i + c z_{i+1})`` -- :func:`~jitla.kernels.level1.rot`
    of rows ``(z_i, z_{i+1})`` with ``-s``: LAPACK ``dlasr`` ('R', 'V', 'B')
    on the columns of Z, here on contiguous rows.  Rotations i and i-1 are
    applied in one pass over rows i+1, i, i-1 (the middle row is rotated
    twice while in registers): 3 loads and 3 stores per element instead of
    4 and 4.  A sweep is not applied a chunk of columns at a time (as
    ``dlasr`` on a cache-sized block): the per-chunk slicing costs more than
    the L3 traffic it saves (devlog 006 has both measurements).
    """
    n = Zt.shape[1]
    i = m - 1
    while i - 1 >= l:
        c1 = cs[i]
        s1 = sn[i]
        c2 = cs[i - 1]
        s2 = sn[i - 1]
        z2 = Zt[i + 1]
        z1 = Zt[i]
        z0 = Zt[i - 1]
        for j in range(n):
            a = z2[j]
            b = z1[j]
            c = z0[j]
            z2[j] = s1 * b + c1 * a
            b = c1 * b - s1 * a  # row i after rotation i
            z1[j] = s2 * c + c2 * b
            z0[j] = c2 * c - s2 * b
        i -= 2
    if i == l:
        c = cs[i]
        s = sn[i]
        zi = Zt[i]
        zj = Zt[i + 1]
        for j in range(n):
            f = zj[j]
            g = zi[j]
            zj[j] = s * g + c * f
            zi[j] = c * g - s * f


@kernel
def _pythag(f, g):
    """``sqrt(f^2 + g^2)``: the plain formula where the squares cannot over/underflow, else ``hypot``.

    libm's ``hypot`` is exact to within an ulp but several times slower than
    one square root; it is kept only for arguments outside 1e-150 .. 1e150.
    Computed and returned in float64, so that a float32 argument can never
    overflow when squared.
    """
    x = float(f)
    y = float(g)
    a = max(abs(x), abs(y))
    if 1e-150 < a < 1e150:
        return math.sqrt(x * x + y * y)
    return math.hypot(x, y)


@kernel
def steqr(d, e, Zt, compute_v):
    """Eigenvalues (and vectors) of a symmetric tridiagonal matrix by implicit QL.

    Parameters
    ----------
    d : (n,) ndarray, overwritten
        Diagonal; on return the eigenvalues, ascending.
    e : (n,) ndarray, overwritten
        Off-diagonal in ``e[0..n-2]`` (``e[n-1]`` is workspace).
    Zt : (n, n) ndarray, overwritten
        On entry ``Q^T`` (rows = columns of the orthogonal matrix that
        reduced A to T; the identity for T itself); on return row i is the
        eigenvector of ``d[i]`` (only if *compute_v*).
    compute_v : bool

    Returns
    -------
    int
        0, or the number of off-diagonal entries that did not converge
        within ``30 n`` iterations (``dsteqr``'s ``info``).

    Notes
    -----
    Implicit QL with Wilkinson's shift and deflation: LAPACK ``dsteqr``
    (QL branch), Golub & Van Loan, 4th ed., Alg. 8.3.2-8.3.3 written for
    QL (chasing the bulge upwards).  An off-diagonal entry is negligible
    when ``|e_i| <= eps sqrt(|d_i|) sqrt(|d_{i+1}|)`` (``dsteqr``'s test,
    relative to its neighbours), and the matrix splits there.  The shift
    is the eigenvalue of the top 2 x 2 block closer to ``d_l``; each QL
    step chases it with plane rotations from the bottom of the unreduced
    block up (the recurrence of ``tql2``/``dsteqr``, with ``hypot``).
    Departures: only QL (``dsteqr`` switches to QR when the bottom end
    is larger); no scaling of T near overflow/underflow.  The rotations of
    each step are stored and applied to Zt after it (:func:`_rotate_rows`).
    Flops O(n^2) for the values; ~6n per rotation and ~n^2 rotations in
    all for the vectors (~6n^3).  Workspace 2n.
    """
    n = d.shape[0]
    eps = np.finfo(d.dtype).eps
    tiny = np.finfo(d.dtype).tiny
    big = np.finfo(d.dtype).max
    cs = np.empty(max(n, 1), dtype=d.dtype)
    sn = np.empty(max(n, 1), dtype=d.dtype)
    if n > 0:
        e[n - 1] = 0
    budget = QL_ITERATIONS_PER_EIGENVALUE * n
    for l in range(n):
        while True:
            # look for a negligible off-diagonal entry e[m], m >= l
            m = l
            while m < n - 1:
                # sqrt(|d_m| |d_m+1|) with one square root (the scan runs every
                # iteration); two where the product overflows, and an underflow
                # to 0 only makes the test stricter
                dd = abs(d[m] * d[m + 1])
                if dd > big:
                    dd = math.sqrt(abs(d[m])) * math.sqrt(abs(d[m + 1]))
                else:
                    dd = math.sqrt(dd)
                if abs(e[m]) <= eps * dd + tiny:
                    e[m] = 0
                    break
                m += 1
            if m == l:
                break  # d[l] is an eigenvalue
            if budget == 0:
                unconverged = 0
                for i in range(n - 1):
                    if e[i] != 0:
                        unconverged += 1
                return unconverged
            budget -= 1
            # Wilkinson shift: eigenvalue of [[d_l, e_l], [e_l, d_{l+1}]] closer to d_l
            g = (d[l + 1] - d[l]) / (2 * e[l])
            r = math.hypot(g, 1.0)
            g = d[m] - d[l] + e[l] / (g + math.copysign(r, g))
            s = d.dtype.type(1)
            c = d.dtype.type(1)
            p = d.dtype.type(0)
            i = m - 1
            underflow = False
            while i >= l:
                f = s * e[i]
                b = c * e[i]
                r = d.dtype.type(_pythag(f, g))
                e[i + 1] = r
                if r == 0:  # the bulge vanished: recover, deflate, and restart
                    d[i + 1] -= p
                    e[m] = 0
                    underflow = True
                    break
                s = f / r
                c = g / r
                g = d[i + 1] - p
                r = (d[i] - g) * s + 2 * c * b
                p = s * r
                d[i + 1] = g + p
                g = c * r - b
                cs[i] = c
                sn[i] = s
                i -= 1
            if compute_v:
                # rotations i+1 .. m-1 were computed (all of l .. m-1 unless it underflowed)
                _rotate_rows(Zt, cs, sn, i + 1, m)
            if underflow:
                continue
            d[l] -= p
            e[l] = g
            e[m] = 0
    _sort_rows(d, Zt, compute_v)
    return 0


@kernel
def sterf(d, e):
    """Eigenvalues of a symmetric tridiagonal matrix by root-free implicit QL (LAPACK ``dsterf``).

    Parameters
    ----------
    d : (n,) ndarray, overwritten
        Diagonal; on return the eigenvalues, ascending.
    e : (n,) ndarray, overwritten
        Off-diagonal in ``e[0..n-2]``; destroyed (``e[n-1]`` is workspace).

    Returns
    -------
    int
        0, or the number of off-diagonal entries that did not converge
        within ``QL_ITERATIONS_PER_EIGENVALUE * n`` iterations.

    Notes
    -----
    The Pal–Walker–Kahan variant of :func:`steqr`'s QL step (Parlett, *The
    Symmetric Eigenvalue Problem*, Sec. 8.15; LAPACK ``dsterf``, QL
    branch): it works on the squares ``e_i^2`` and carries ``p = gamma^2 /
    c`` instead of the rotation, so a bulge step costs divisions and no
    square root (one per iteration, for the shift).  Unlike ``dsterf``,
    ``1/c = r/p`` is divided beside ``c`` and ``s`` and the next ``p`` is
    ``gamma^2 * (r/p)``: the three divisions of a step wait only for ``r``,
    so one division, not two, lies on the chain from one step to the next,
    and the chase is a latency-bound chain.  Without vectors the
    rotations are not needed, and :func:`steqr`'s chase is a chain of a
    square root and two divisions per step.  T is first scaled by a power
    of two to ``max |t_ij|`` ~ 1, so the squares neither overflow nor
    underflow where it matters (an ``e_i^2`` that underflows is below
    ``eps^2 ||T||^2``), and scaled back at the end.  The deflation test is
    ``dsterf``'s, ``e_m^2 <= eps^2 |d_m d_m+1|``.  Departures: only QL (no
    switch to QR when the bottom end is larger), no 2 x 2 special case.
    Flops O(n^2); workspace none.
    """
    n = d.shape[0]
    if n <= 1:
        return 0
    big = 0.0
    for i in range(n):
        big = max(big, abs(float(d[i])))
    for i in range(n - 1):
        big = max(big, abs(float(e[i])))
    if big == 0.0:
        return 0
    if big != big or big == math.inf:
        for i in range(n):
            d[i] = math.nan  # as the API answers a non-finite input
        return 0
    scale = math.ldexp(1.0, -math.frexp(big)[1])  # a power of two: exact
    for i in range(n):
        d[i] = d[i] * scale
    for i in range(n - 1):
        e[i] = e[i] * scale
        e[i] = e[i] * e[i]
    e[n - 1] = 0
    eps = np.finfo(d.dtype).eps
    eps2 = eps * eps
    huge = np.finfo(d.dtype).max
    budget = QL_ITERATIONS_PER_EIGENVALUE * n
    for l in range(n):
        while True:
            m = l
            while m < n - 1:
                if e[m] <= eps2 * abs(d[m] * d[m + 1]):
                    e[m] = 0
                    break
                m += 1
            if m == l:
                break  # d[l] is an eigenvalue
            if budget == 0:
                unconverged = 0
                for i in range(n - 1):
                    if e[i] != 0:
                        unconverged += 1
                for i in range(n):
                    d[i] = d[i] / scale
                return unconverged
            budget -= 1
            # Wilkinson shift from the top 2 x 2, as steqr
            p = d[l]
            rte = math.sqrt(e[l])
            sigma = (d[l + 1] - p) / (2 * rte)
            r = math.sqrt(sigma * sigma + 1.0) if abs(sigma) < 1e150 else abs(sigma)
            sigma = p - rte / (sigma + math.copysign(r, sigma))
            c = d.dtype.type(1)
            s = d.dtype.type(0)
            gamma = d[m] - sigma
            p = gamma * gamma
            for i in range(m - 1, l - 1, -1):
                bb = e[i]
                r = p + bb
                if i != m - 1:
                    e[i + 1] = s * r
                oldc = c
                c = p / r
                s = bb / r
                # 1/c, divided beside c and s (all three wait only for r), so that the next
                # p = gamma^2 / c is a product: one division on the step's dependency chain
                # instead of two
                inv_c = r / p
                oldgam = gamma
                alpha = d[i]
                gamma = c * (alpha - sigma) - s * oldgam
                d[i + 1] = oldgam + (alpha - gamma)
                if c != 0:
                    # r / p overflows only when c is below 1/huge: then divide, as dsterf
                    p = (gamma * gamma) * inv_c if inv_c < huge else (gamma * gamma) / c
                else:
                    p = oldc * bb
            e[l] = s * p
            d[l] = sigma + gamma
    for i in range(n):
        d[i] = d[i] / scale
    _heapsort(d)
    return 0


@kernel
def _sort_rows(d, Zt, compute_v):
    """Sort the finite values *d* ascending, stably, and permute the rows of *Zt* alike.

    Straight insertion on an index vector (Knuth, *TAOCP* vol. 3, 5.2.1,
    Algorithm S), then each cycle of the permutation followed once, so
    every row of Zt moves once (one row of workspace).  Up to n^2/2
    comparisons, against the ~6n^3 flops of :func:`steqr`'s rotations;
    written out because it compiles in a fraction of the time of the
    general merge sort (:func:`jitla.kernels._layout.argsort_stable`).
    """
    n = d.shape[0]
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        order[i] = i
    for i in range(1, n):
        j = order[i]
        key = d[j]
        k = i - 1
        while k >= 0 and d[order[k]] > key:
            order[k + 1] = order[k]
            k -= 1
        order[k + 1] = j
    # position i receives the entry at order[i]: follow each cycle once
    row = np.empty(Zt.shape[1] if compute_v else 0, dtype=Zt.dtype)
    for start in range(n):
        if order[start] < 0 or order[start] == start:
            continue
        x = d[start]
        if compute_v:
            for c in range(row.shape[0]):
                row[c] = Zt[start, c]
        i = start
        while True:
            j = order[i]
            order[i] = -1
            if j == start:
                break
            d[i] = d[j]
            if compute_v:
                for c in range(row.shape[0]):
                    Zt[i, c] = Zt[j, c]
            i = j
        d[i] = x
        if compute_v:
            for c in range(row.shape[0]):
                Zt[i, c] = row[c]


@kernel
def _heapsort(d):
    """Sort the finite values *d* ascending in place (heapsort).

    Williams' heapsort with Floyd's sift-down (Knuth, *TAOCP* vol. 3,
    5.2.3, Algorithm H): n log2(n) comparisons at most, no workspace.  Used
    instead of ``np.sort``, whose Numba implementation (a generic quicksort
    and the slice assignment around it) takes seconds to compile; values
    alone need no stability.
    """
    n = d.shape[0]
    for start in range(n // 2 - 1, -1, -1):
        _sift_down(d, start, n)
    for end in range(n - 1, 0, -1):
        t = d[0]
        d[0] = d[end]
        d[end] = t
        _sift_down(d, 0, end)


@kernel
def _sift_down(d, root, end):
    """Restore the max-heap ``d[root:end]`` below *root*."""
    x = d[root]
    i = root
    while True:
        child = 2 * i + 1
        if child >= end:
            break
        if child + 1 < end and d[child + 1] > d[child]:
            child += 1
        if not d[child] > x:
            break
        d[i] = d[child]
        i = child
    d[i] = x


@kernel
def reflectors_qr_layout(A, M):
    """Copy :func:`sytd2_fused`'s reflectors into ``dgeqrf``'s layout.

    Parameters
    ----------
    A : (n, n) ndarray
        :func:`sytd2` / :func:`sytd2_fused`'s output (read only).
    M : (n-1, n-1) ndarray, out
        Reflector k's ``v[1:]`` in ``M[k+1:, k]`` (below the diagonal of
        column k, where ``dgeqrf`` leaves it), zeros elsewhere, so that
        :func:`~jitla.kernels.qr_householder.orgqr` or
        :func:`~jitla.kernels.qr_householder.form_q` on ``(M, tau)`` forms
        ``Q_1`` with ``Q = diag(1, Q_1)`` (LAPACK ``dorgtr``, UPLO='L').

    Returns
    -------
    int
        0.

    Notes
    -----
    A kernel of its own (as :func:`vt_from_q1`) so that the API can run
    the steps of :func:`eigh_tridiagonal_ql` one by one with the blocked
    ``orgqr`` in the middle, each step compiled once rather than linked
    into one driver that holds every path.  Workspace none.
    """
    m = M.shape[0]
    for i in range(m):
        for j in range(m):
            M[i, j] = 0
    for k in range(m):
        src = A[k, k + 1 :]
        for i in range(k + 1, m):
            M[i, k] = src[i - k]
    return 0


@kernel
def vt_from_q1(Q1, Vt):
    """``Vt = Q^T = diag(1, Q_1^T)`` (the start of :func:`steqr`'s rotations).

    Parameters
    ----------
    Q1 : (n-1, n-1) ndarray
        ``Q_1`` formed from :func:`reflectors_qr_layout`'s M (read only).
    Vt : (n, n) ndarray, out

    Returns
    -------
    int
        0.
    """
    n = Vt.shape[0]
    m = n - 1
    for j in range(n):
        Vt[0, j] = 0
        Vt[j, 0] = 0
    Vt[0, 0] = 1
    for i in range(m):
        row = Vt[i + 1, 1:]
        for j in range(m):
            row[j] = Q1[j, i]
    return 0


@register(
    "eigh",
    "ql",
    "Householder tridiagonalisation, unblocked Q, implicit QL with Wilkinson shifts",
    flops=eigh_flops,
    example=lambda dtype: _ql_example(dtype)[:3],
)
@kernel
def eigh_tridiagonal_ql(A, w, Vt):
    """Eigen-decomposition of a symmetric matrix: tridiagonalisation, Q, implicit QL.

    Parameters
    ----------
    A : (n, n) ndarray, overwritten
        Only the upper triangle is read; n >= 1.
    w : (n,) ndarray, out
        Eigenvalues, ascending.
    Vt : (n, n) ndarray, out
        Row i is the unit eigenvector of ``w[i]``.

    Returns
    -------
    int
        :func:`steqr`'s status.

    Notes
    -----
    LAPACK ``dsyev``'s algorithm: ``Q^T A Q = T`` (:func:`sytd2_fused`,
    the reflectors copied into ``dgeqrf``'s layout by
    :func:`reflectors_qr_layout`), Q formed explicitly by the unblocked
    :func:`~jitla.kernels.qr_householder.form_q` (``dorgtr``: ``Q =
    diag(1, Q_1)``), then QL on T (:func:`steqr`) with the rotations
    applied to the rows of ``Q^T`` (:func:`vt_from_q1`), so that on return
    ``Vt = Z^T Q^T = (Q Z)^T``.  One kernel call, for orders where forming
    Q unblocked is the faster choice (``jitla.linalg._policy.orgqr_plan``);
    for larger ones the API calls the same steps itself with the blocked
    :func:`~jitla.kernels.qr_householder.orgqr` in the middle.  Flops
    ~4n^3/3 + 4n^3/3 + 6n^3; workspace 2n^2 + 4n.
    """
    n = A.shape[0]
    m = max(n - 1, 1)
    e = np.empty(n, dtype=A.dtype)
    tau = np.empty(m, dtype=A.dtype)
    M = np.empty((m, m), dtype=A.dtype)
    Q1 = np.empty((m, m), dtype=A.dtype)
    sytd2_fused(A, w, e, tau)
    if n > 1:
        reflectors_qr_layout(A, M)
        form_q(M, tau, Q1)
    vt_from_q1(Q1, Vt)
    return steqr(w, e, Vt, True)


@register(
    "eigvalsh",
    "ql",
    "Householder tridiagonalisation, root-free implicit QL (dsterf)",
    flops=lambda n: 4.0 * n**3 / 3.0,
    example=lambda dtype: _ql_example(dtype)[:2],
)
@kernel
def eigvalsh_tridiagonal_ql(A, w):
    """Eigenvalues of a symmetric matrix: :func:`sytd2_fused` + :func:`sterf`.

    Parameters
    ----------
    A : (n, n) ndarray, overwritten
        Only the upper triangle is read.
    w : (n,) ndarray, out
        Eigenvalues, ascending.

    Returns
    -------
    int
        :func:`sterf`'s status.

    Notes
    -----
    LAPACK ``dsyev``'s algorithm without vectors (``JOBZ='N'``): ``Q^T A Q
    = T``, then the eigenvalues of T by root-free QL.  Flops ~4n^3/3;
    workspace 6n.
    """
    n = A.shape[0]
    e = np.empty(max(n, 1), dtype=A.dtype)
    tau = np.empty(max(n - 1, 1), dtype=A.dtype)
    sytd2_fused(A, w, e, tau)
    return sterf(w, e)
