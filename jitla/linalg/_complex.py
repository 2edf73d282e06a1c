"""The complex paths of ``qr``, ``svd``, ``eigh``, ``eig`` and ``lstsq`` (complex64 / complex128).

Each public function of :mod:`jitla.linalg` validates its input and, when
:func:`jitla._validate.result_float_dtype` (``allow_complex=True``) says the
working dtype is complex, hands the array here, so the real paths stay as
they were and the complex kernels compile only when complex input first
arrives.  Result dtypes and layouts follow numpy.linalg:

* ``qr``: Q and R complex; ``"raw"`` gives ``(h, tau)`` with ``h`` the
  transposed LAPACK storage; R's diagonal is real (LAPACK ``zgeqrf``'s
  reflectors), so Q and R agree with numpy's to rounding.
* ``svd``: U and Vh complex, S real (float32 for complex64), descending.
* ``eigh`` / ``eigvalsh``: eigenvalues real, ascending; vectors complex.
* ``eig`` / ``eigvals``: always complex for complex input (eigenvalues in
  the order of the Schur form's diagonal, which may differ from numpy's for
  n > 75, where LAPACK switches to a multishift QR).
* ``lstsq``: x complex; residuals, s real; rank int32.

The kernels are in :mod:`jitla.kernels.qr_complex`,
:mod:`~jitla.kernels.svd_complex`, :mod:`~jitla.kernels.eig_hermitian` and
:mod:`~jitla.kernels.schur_complex`; the iterative parts of the SVD and the
Hermitian eigensolver are the real kernels (real bidiagonal and tridiagonal
matrices; the SVD's rotations are applied to complex rows, the tridiagonal
QL's to a real matrix that one real GEMM then applies to the complex Q).  Products of whole
matrices here (``pinv``, the SVD solution of ``lstsq``) use numpy's
``matmul`` until jitla's GEMM takes complex operands.
"""

from __future__ import annotations

import math

import numpy as np

from jitla._validate import LinAlgError

__all__ = ["qr", "svd", "eigh", "eig", "lstsq", "unsupported"]


def unsupported(what: str, dtype) -> TypeError:
    """The TypeError for an option the complex paths do not have (yet)."""
    return TypeError(f"jitla: {what} is not supported for complex input (dtype {np.dtype(dtype)}) yet")


def _real_dtype(dtype):
    return np.finfo(dtype).dtype


def _scale_by_power_of_two(X, e):
    """``X *= 2**e`` exactly (real and imaginary parts by ``ldexp``, in place)."""
    if e:
        np.ldexp(X.real, e, out=X.real)
        np.ldexp(X.imag, e, out=X.imag)


def _safe_exponent(amax, target):
    """The power of two bringing *amax* to about *target* (0 if amax is 0 or not finite)."""
    if amax == 0.0 or not math.isfinite(amax):
        return 0
    return int(math.floor(math.log2(target)) - math.ceil(math.log2(amax)))


# --------------------------------------------------------------------------
# QR
# --------------------------------------------------------------------------
def _blocked_qr(k):
    """True when k reflectors go through the blocked kernels (``config.ZQR_BLOCKED_MIN``)."""
    from jitla import config

    return k >= config.ZQR_BLOCKED_MIN


def _factor_qr(F, tau):
    """Householder QR of the C-ordered complex F in place: ``zgeqrf`` (blocked) or ``zgeqr2``."""
    k = tau.shape[0]
    if _blocked_qr(k):
        from jitla import config
        from jitla.kernels.qr_complex import zgeqrf

        zgeqrf(F, tau, config.complex_qr_nb(k), _real_blocks(F.dtype))
    else:
        from jitla.kernels.qr_complex import zgeqr2

        zgeqr2(F, tau)


def _real_blocks(dtype):
    """The real packed GEMM's blocks for the real dtype of *dtype*'s precision (the 1m products')."""
    from jitla import config

    return config.gemm_blocks(_real_dtype(dtype)).as_tuple()


def _complete_q(F, tau, q):
    """The first q columns of Q from the factored F: ``zungqr`` (blocked) or ``zform_q``."""
    Q = np.empty((F.shape[0], q), F.dtype)
    k = tau.shape[0]
    if _blocked_qr(k):
        from jitla import config
        from jitla.kernels.qr_complex import zungqr

        zungqr(F, tau, Q, config.complex_qr_nb(k), _real_blocks(F.dtype))
    else:
        from jitla.kernels.qr_complex import zform_q

        zform_q(F, tau, Q)
    return Q


def qr(a, mode, dtype, pivoting=False):
    """``qr(a, mode)`` for complex a (numpy's modes, stacked), Householder (``zgeqrf`` / ``zgeqr2``).

    Returns ``(Q, R)`` as a plain tuple for "reduced" / "complete" (the
    caller makes it a ``QRResult``), R for "r", ``(h, tau)`` for "raw", the
    factored array for the deprecated "economic".  With *pivoting*
    (Businger-Golub, ``zgeqp3``) the permutation ``P`` (int32, scipy's) is
    appended: ``(Q, R, P)``, ``(R, P)``, ``((h, tau), P)``.
    """
    from jitla.kernels.qr_complex import zgeqp3

    m, n = a.shape[-2:]
    batch = a.shape[:-2]
    k = min(m, n)
    work = np.array(a, dtype=dtype, order="C", copy=True).reshape((math.prod(batch), m, n))
    count = work.shape[0]
    taus = np.zeros((count, k), dtype)
    perms = np.empty((count, n), np.int64)
    for i in range(count):
        if pivoting:
            zgeqp3(work[i], perms[i], taus[i])
        elif k:
            _factor_qr(work[i], taus[i])
    P = perms.reshape(batch + (n,)).astype(np.int32)
    if mode == "economic":
        return work.reshape(batch + (m, n))
    if mode == "raw":
        raw = np.swapaxes(work.reshape(batch + (m, n)), -1, -2), taus.reshape(batch + (k,))
        return (raw, P) if pivoting else raw
    if mode == "r":
        R = np.triu(work[:, :k, :]).reshape(batch + (k, n))
        return (R, P) if pivoting else R
    q = m if mode == "complete" else k
    Qs = np.empty((count, m, q), dtype)
    Rs = np.empty((count, q, n), dtype)
    for i in range(count):
        Qs[i] = _complete_q(work[i], taus[i], q)
        Rs[i] = np.triu(work[i, :q])
    Q, R = Qs.reshape(batch + (m, q)), Rs.reshape(batch + (q, n))
    return (Q, R, P) if pivoting else (Q, R)


# --------------------------------------------------------------------------
# SVD
# --------------------------------------------------------------------------
def _complete_columns(U):
    """Extend the orthonormal columns of U (L x k) to a unitary L x L matrix (complex QR of U)."""
    from jitla.kernels.qr_complex import zgeqr2

    L, k = U.shape
    work = np.array(U, order="C", copy=True)
    tau = np.empty(k, U.dtype)
    zgeqr2(work, tau)
    Q = _complete_q(work, tau, L)
    Q[:, :k] = U
    return Q


def _real_times_complex(R, Z):
    """``R @ Z`` for real R (k x k) and complex Z (k x L, C order) as one real product.

    Row i of the result is a real combination of Z's rows, so it is R times
    Z's interleaved real view (k x 2L): the real packed GEMM on the storage,
    half the flops of a complex product with a zero imaginary part.
    """
    from jitla.kernels.gemm import gemm_packed

    real = _real_dtype(Z.dtype)
    out = np.zeros(Z.shape, Z.dtype)
    gemm_packed(R.astype(real, copy=False), Z.view(real), out.view(real), real.type(1), _real_blocks(Z.dtype))
    return out


def _zform_bidiagonal_blocked(G, tau_right, tau_left):
    """``(Ut, Vt)`` of the BLAS-2 ``zform_right`` / ``zform_left``, by the blocked ``zungqr``.

    The right reflectors (row j of G: ``v = [1, G[j, j+1:]]``) are those of
    a QR factorisation stored by columns, so their product's first k
    columns are ``zungqr`` of the transposed storage, and ``Ut`` is that
    transposed; the left ones (column j below row j + 1) are a QR's of the
    trailing (k-1) x (k-1) block, and ``Vt = P^H = diag(1, Q'^H)``
    (LAPACK ``zungbr``).  Same products as the two BLAS-2 kernels, most
    flops in the real packed GEMM.
    """
    from jitla import config
    from jitla.kernels.qr_complex import zungqr

    k, L = G.shape
    blocks = _real_blocks(G.dtype)
    F = np.ascontiguousarray(G.T)
    Q = np.empty((L, k), G.dtype)
    zungqr(F, tau_right, Q, config.complex_qr_nb(k), blocks)
    Ut = np.ascontiguousarray(Q.T)
    Vt = np.zeros((k, k), G.dtype)
    Vt[0, 0] = 1
    if k > 1:
        F = np.ascontiguousarray(G[1:, : k - 1])
        Q = np.empty((k - 1, k - 1), G.dtype)
        zungqr(F, tau_left[: k - 1], Q, config.complex_qr_nb(k - 1), blocks)
        Vt[1:, 1:] = Q.conj().T
    return Ut, Vt


def _svd_2d(A, full_matrices, compute_uv):
    """SVD of one complex matrix: ``(U, S, Vh)`` or S.

    ``G`` holds the conjugated columns of the tall form as rows (``A^H``
    for tall A, A for wide A); :func:`~jitla.kernels.svd_complex.zbidiagonalize`
    makes it ``P B Q^H`` with B real (``zbidiagonalize_values`` for the
    values alone, the reflectors not kept), and the real kernels finish: with
    vectors, from ``config.SVD_DC_MIN`` (:func:`~jitla.linalg._policy.zsvd_bidiagonal_dc`)
    the real divide and conquer gives ``B = U_b^T diag(S) V_b`` and the
    complex vectors are ``U_b`` and ``V_b`` times the formed reflector
    products (real x complex, one real GEMM each, LAPACK ``zgesdd``'s
    ``zlacrm`` route); below it the bidiagonal QR rotates the formed
    complex rows directly.
    """
    from jitla.kernels.svd_bidiag import DQDS_MAXIT, MAXITR, bidiagonal_qr, dqds
    from jitla.kernels.svd_complex import zbidiagonalize, zbidiagonalize_values, zform_left, zform_right
    from jitla.linalg._policy import zsvd_bidiagonal_dc

    m, n = A.shape
    dtype = A.dtype
    rdt = _real_dtype(dtype)
    wide = m < n
    k, L = (m, n) if wide else (n, m)
    G = np.array(A if wide else A.conj().T, order="C", copy=True)
    S = np.empty(k, rdt)
    Ut = np.empty((k, L), dtype)
    Vt = np.empty((k, k), dtype)
    if k > 0:
        target = float(np.sqrt(np.finfo(rdt).max)) / (2 * L)
        e = _safe_exponent(float(np.abs(G).max()), target)
        _scale_by_power_of_two(G, e)
        d = np.empty(k, rdt)
        sub = np.zeros(k, rdt)
        if compute_uv:
            tau_right = np.empty(k, dtype)
            tau_left = np.empty(k, dtype)
            zbidiagonalize(G, d, sub, tau_right, tau_left)
        else:
            zbidiagonalize_values(G, d, sub)
        d64 = d.astype(np.float64)
        e64 = sub.astype(np.float64)
        if compute_uv:
            if _blocked_qr(k):
                Ut, Vt = _zform_bidiagonal_blocked(G, tau_right, tau_left)
            else:
                zform_right(G, tau_right, Ut)
                zform_left(G, tau_left, Vt)
            if zsvd_bidiagonal_dc(k):
                from jitla.kernels.svd_dc import bidiagonal_dc

                Ub = np.empty((k, k))
                Vb = np.empty((k, k))
                status = bidiagonal_dc(d64, e64, Ub, Vb)
                # Ut^T B Vt = (U_b Ut)^T diag(S) (V_b Vt)
                Ut = _real_times_complex(Ub, Ut)
                Vt = _real_times_complex(Vb, Vt)
            else:
                status, _ = bidiagonal_qr(d64, e64, Ut, Vt, True, MAXITR)
        else:
            status = dqds(d64, e64, DQDS_MAXIT)
        if status != 0:
            raise LinAlgError("SVD did not converge")
        S = np.ldexp(d64, -e).astype(rdt)
    if not compute_uv:
        return S
    # tall form T = G^H = Ut^T diag(S) Vt
    if wide:  # A = T^H = Vt^H diag(S) conj(Ut)
        U = np.ascontiguousarray(Vt.conj().T)
        Vh = Ut.conj()
        if full_matrices and L > k:
            Vh = np.ascontiguousarray(_complete_columns(Vh.conj().T).conj().T)
        return U, S, Vh
    U = Ut.T
    if full_matrices and L > k:
        U = _complete_columns(U)
    return np.ascontiguousarray(U), S, Vt


def svd(A, full_matrices, compute_uv):
    """``svd`` of a complex (..., M, N) array (validated, finite, complex dtype)."""
    batch = A.shape[:-2]
    m, n = A.shape[-2:]
    k = min(m, n)
    rdt = _real_dtype(A.dtype)
    if not batch:
        return _svd_2d(A, full_matrices, compute_uv)
    flat = A.reshape((math.prod(batch), m, n))
    S = np.empty((flat.shape[0], k), rdt)
    if not compute_uv:
        for i in range(flat.shape[0]):
            S[i] = _svd_2d(flat[i], full_matrices, False)
        return S.reshape(batch + (k,))
    u_cols, v_rows = (m, n) if full_matrices else (k, k)
    U = np.empty((flat.shape[0], m, u_cols), A.dtype)
    Vh = np.empty((flat.shape[0], v_rows, n), A.dtype)
    for i in range(flat.shape[0]):
        U[i], S[i], Vh[i] = _svd_2d(flat[i], full_matrices, True)
    return U.reshape(batch + U.shape[1:]), S.reshape(batch + (k,)), Vh.reshape(batch + Vh.shape[1:])


def _svd_jacobi_2d(A, full_matrices, compute_uv, precondition, max_sweeps):
    """One-sided Jacobi SVD of one complex matrix: ``(U, S, Vh)`` or S.

    The tall form ``B`` (A, or ``A^H`` for wide A) is scaled by a power of
    two, as the real Jacobi route; with *precondition* (Drmač & Veselić,
    "New fast and accurate Jacobi SVD algorithm I", SIAM J. Matrix Anal.
    Appl. 29(4), 2008) ``Pr B P = Q R`` by complex pivoted QR
    (:func:`~jitla.kernels.qr_complex.zgeqp3`) after sorting the rows by
    decreasing max-norm (``Pr``, as the paper) and the sweeps
    (:func:`~jitla.kernels.svd_complex.zsvd_cyclic`) orthogonalise the
    columns of ``R^H`` -- fewer sweeps, and relative accuracy also for
    rows graded on top of columns; then ``R^H = X S Y^H`` gives ``B = (Pr^T Q Y)
    S (P X)^H``.  Without it the sweeps run on B itself.
    """
    from jitla.kernels.qr_complex import zapply_q, zgeqp3
    from jitla.kernels.svd_complex import zsvd_cyclic

    m, n = A.shape
    dtype = A.dtype
    rdt = _real_dtype(dtype)
    wide = m < n
    B = np.array(A.conj().T if wide else A, order="C", copy=True)
    M, k = B.shape
    if k == 0:
        S = np.empty(0, rdt)
        if not compute_uv:
            return S
        U = np.eye(m, m if full_matrices else 0, dtype=dtype)
        Vh = np.eye(n if full_matrices else 0, n, dtype=dtype)
        return U, S, Vh
    target = float(np.sqrt(np.finfo(rdt).max)) / (2 * M)
    e = _safe_exponent(float(np.abs(B).max()), target)
    _scale_by_power_of_two(B, e)
    if precondition:
        # rows by decreasing size first: Householder QR is row-wise stable
        # only then (Cox & Higham), which relative accuracy on D1 B D2 needs
        rperm = np.argsort(-np.abs(B).max(axis=1), kind="stable")
        B = np.ascontiguousarray(B[rperm])
        jpvt = np.empty(k, np.int64)
        tau = np.zeros(k, dtype)
        zgeqp3(B, jpvt, tau)
        G = np.ascontiguousarray(np.triu(B[:k]).conj())  # rows: the columns of R^H
    else:
        G = np.ascontiguousarray(B.T)  # rows: the columns of B
    Vt = np.empty((k, k), dtype)
    status, _ = zsvd_cyclic(G, Vt, compute_uv, max_sweeps)
    if status != 0:
        raise LinAlgError("SVD did not converge")
    norms = np.sqrt((G.real.astype(np.float64) ** 2 + G.imag.astype(np.float64) ** 2).sum(axis=1))
    order = np.argsort(-norms, kind="stable")
    norms = norms[order]
    S = np.ldexp(norms, -e).astype(rdt)
    if not compute_uv:
        return S
    # the swept matrix C (R^H or B) = X diag(S) Y^H: X its normalised columns, Y = W
    r = int(np.count_nonzero(norms))
    X = np.ascontiguousarray(G.T[:, order])
    X[:, :r] /= norms[:r].astype(rdt)
    if r < k:
        X[:, r:] = _complete_columns(np.ascontiguousarray(X[:, :r]))[:, r:k]
    Y = np.ascontiguousarray(Vt.T[:, order])
    if precondition:
        UB = np.zeros((M, k), dtype)
        UB[:k] = Y
        zapply_q(B, tau, UB)  # Q Y, in the sorted row order
        UB[rperm] = UB.copy()
        VB = np.empty((k, k), dtype)
        VB[jpvt] = X  # P X
    else:
        UB, VB = X, Y
    if full_matrices and M > k:
        UB = _complete_columns(UB)
    if wide:  # A = B^H = VB S UB^H
        return np.ascontiguousarray(VB), S, np.ascontiguousarray(UB.conj().T)
    return np.ascontiguousarray(UB), S, np.ascontiguousarray(VB.conj().T)


def svd_jacobi(A, full_matrices, compute_uv, precondition, max_sweeps):
    """``svd(method="jacobi" / "cyclic")`` of a complex (..., M, N) array (validated, finite)."""
    batch = A.shape[:-2]
    m, n = A.shape[-2:]
    k = min(m, n)
    rdt = _real_dtype(A.dtype)
    flat = A.reshape((math.prod(batch), m, n))
    S = np.empty((flat.shape[0], k), rdt)
    u_cols, v_rows = (m, n) if full_matrices else (k, k)
    U = np.empty((flat.shape[0], m, u_cols), A.dtype) if compute_uv else None
    Vh = np.empty((flat.shape[0], v_rows, n), A.dtype) if compute_uv else None
    for i in range(flat.shape[0]):
        result = _svd_jacobi_2d(flat[i], full_matrices, compute_uv, precondition, max_sweeps)
        if compute_uv:
            U[i], S[i], Vh[i] = result
        else:
            S[i] = result
    if not compute_uv:
        return S.reshape(batch + (k,))
    return U.reshape(batch + U.shape[1:]), S.reshape(batch + (k,)), Vh.reshape(batch + Vh.shape[1:])


# --------------------------------------------------------------------------
# Hermitian eigenproblems
# --------------------------------------------------------------------------
def _hermitian_from_triangle(a, uplo):
    """The full Hermitian matrix that LAPACK ``zheevd`` sees: the UPLO triangle, its diagonal's real part."""
    tri = np.tril(a) if uplo == "L" else np.triu(a)
    strict = np.tril(tri, -1) if uplo == "L" else np.triu(tri, 1)
    H = np.ascontiguousarray(tri + strict.conj().T)
    idx = np.arange(H.shape[0])
    H[idx, idx] = H[idx, idx].real
    return H


def _upper_from_triangle(a, uplo, dtype):
    """The UPLO triangle of *a* as an upper triangle (zeros below, real diagonal), C-order, *dtype*.

    All that :func:`_eigh_2d`'s tridiagonalisation reads, in one copy
    (:func:`_hermitian_from_triangle` builds the whole matrix in four).
    """
    U = np.triu(a.conj().T if uplo == "L" else a).astype(dtype, order="C", copy=False)
    np.fill_diagonal(U.imag, 0)
    return U


def _eigh_2d(S, compute_v, dc=False):
    """(w, V) of one Hermitian matrix S (overwritten): its upper triangle is read, with a real diagonal.

    *dc*: T's eigenvectors by divide and conquer instead of QL.
    """
    from jitla.kernels.eig_hermitian import zform_qt_hetd2, zhetd2_fused
    from jitla.kernels.eig_symmetric import steqr, sterf
    from jitla.kernels.eig_symmetric_dc import EIGH_DC_LEAF, tridiagonal_dc
    from jitla.linalg._matmul import matmul

    n = S.shape[0]
    rdt = _real_dtype(S.dtype)
    if n == 0:
        return np.empty(0, rdt), np.empty((0, 0), S.dtype)
    anrm = float(np.abs(S).max())
    if not math.isfinite(anrm):
        return np.full(n, np.nan, rdt), np.full((n, n), np.nan, S.dtype)
    info = np.finfo(rdt)
    rmin = float(np.sqrt(info.tiny / info.eps))
    e = 0
    if anrm != 0.0 and not rmin <= anrm <= 1.0 / rmin:
        e = -int(np.round(np.log2(anrm)))
        _scale_by_power_of_two(S, e)
    d = np.empty(n, rdt)
    sub = np.empty(n, rdt)
    tau = np.empty(max(n - 1, 1), S.dtype)
    zhetd2_fused(S, d, sub, tau)
    if not compute_v:
        if sterf(d, sub) != 0:
            raise LinAlgError("Eigenvalues did not converge")
        if e:
            np.ldexp(d, -e, out=d)
        return d, None
    Qt = np.empty((n, n), S.dtype)
    zform_qt_hetd2(S, tau, Qt)
    # T's eigenvectors are real: QL rotates a real Zt (LAPACK zheevr/zstemr's route, a real
    # eigenvector matrix, rather than zsteqr's rotations of complex rows: half the data, and
    # the real rotation kernel), then V^T = Zt Q^T is one real GEMM on Q^T's interleaved
    # (n, 2n) float view: row i of the product is (Zt Q^T)[i] with real and imaginary parts
    # in alternate columns, exactly the complex row.
    # (or divide and conquer gives a real Zt, its merges real GEMMs)
    if dc:
        Zt = np.empty((n, n), dtype=rdt)
        status = tridiagonal_dc(d, sub, Zt, EIGH_DC_LEAF)
    else:
        Zt = np.eye(n, dtype=rdt)
        status = steqr(d, sub, Zt, True)
    if status != 0:
        raise LinAlgError("Eigenvalues did not converge")
    if e:
        np.ldexp(d, -e, out=d)
    Vt = matmul(Zt, Qt.view(rdt)).view(S.dtype)
    return d, Vt.T


def eigh(A, uplo, compute_v, dc=False):
    """``eigh`` / ``eigvalsh`` of a complex (..., M, M) array (validated, square); *dc* as in _eigh_2d."""
    n = A.shape[-1]
    batch = A.shape[:-2]
    rdt = _real_dtype(A.dtype)
    flat = A.reshape((math.prod(batch), n, n))
    W = np.empty((flat.shape[0], n), rdt)
    V = np.empty((flat.shape[0], n, n), A.dtype) if compute_v else None
    # complex64 is solved in complex128 and rounded: single-precision rotations left the
    # eigenvalues ~1 ulp off where LAPACK's cheevd is within half of one (numpy's own tests)
    work = np.complex128 if A.dtype == np.complex64 else A.dtype
    for i in range(flat.shape[0]):
        w, v = _eigh_2d(_upper_from_triangle(flat[i], uplo, work), compute_v, dc)
        W[i] = w
        if compute_v:
            V[i] = v
    W = W.reshape(batch + (n,))
    return (W, V.reshape(batch + (n, n))) if compute_v else W


# --------------------------------------------------------------------------
# general eigenproblems: the complex Schur form
# --------------------------------------------------------------------------
def schur_2d(H, compute_z):
    """``(T, w, Z)`` with ``A = Z T Z^H`` for one complex square matrix H (overwritten).

    T upper triangular (the eigenvalues on its diagonal, w), Z unitary
    (None without *compute_z*; T is then only meaningful on its diagonal).
    Raises ``LinAlgError("Eigenvalues did not converge")``.
    """
    from jitla.kernels.schur_complex import complex_schur, zform_q_gehd2, zgehd2

    n = H.shape[0]
    tau = np.empty(max(n - 1, 1), H.dtype)
    w = np.empty(n, H.dtype)
    if n == 0:
        return H, w, np.empty((0, 0), H.dtype) if compute_z else None
    zgehd2(H, tau)
    Z = np.empty((n, n) if compute_z else (1, 1), H.dtype)
    if compute_z:
        zform_q_gehd2(H, tau, Z)
    status = complex_schur(H, w, Z, compute_z, compute_z)
    if status != 0:
        raise LinAlgError("Eigenvalues did not converge")
    return H, w, (Z if compute_z else None)


def _eig_2d(A, compute_v):
    from jitla.kernels.schur_complex import ztrevc

    n = A.shape[0]
    info = np.finfo(_real_dtype(A.dtype))
    rmin = float(np.sqrt(info.tiny / info.eps))
    anrm = float(np.abs(A).max()) if n else 0.0
    e = 0
    if anrm != 0.0 and not rmin <= anrm <= 1.0 / rmin:
        e = -int(np.round(np.log2(anrm)))
        _scale_by_power_of_two(A, e)
    T, w, Z = schur_2d(A, compute_v)
    _scale_by_power_of_two(w, -e)
    if not compute_v:
        return w, None
    V = np.empty((n, n), A.dtype)
    if n:
        ztrevc(T, Z, V)
    return w, V


def eig(A, compute_v):
    """``eig`` / ``eigvals`` of a complex (..., M, M) array (validated, square, finite)."""
    n = A.shape[-1]
    batch = A.shape[:-2]
    flat = A.reshape((math.prod(batch), n, n))
    W = np.empty((flat.shape[0], n), A.dtype)
    V = np.empty((flat.shape[0], n, n), A.dtype) if compute_v else None
    work = np.complex128 if A.dtype == np.complex64 else A.dtype  # as eigh: rounded once at the end
    for i in range(flat.shape[0]):
        w, v = _eig_2d(np.array(flat[i], dtype=work, order="C", copy=True), compute_v)
        W[i] = w
        if compute_v:
            V[i] = v
    W = W.reshape(batch + (n,))
    return (W, V.reshape(batch + (n, n))) if compute_v else W


# --------------------------------------------------------------------------
# least squares
# --------------------------------------------------------------------------
def _numpy_rank(s, rcond):
    if s.size == 0 or s[0] == 0:
        return 0
    return int(np.count_nonzero(s > rcond * s[0]))


def _solve_by_svd(U, s, Vh, B, r):
    """numpy's (``zgelsd``'s) truncated minimum-norm solution ``V[:, :r] diag(1/s[:r]) U[:, :r]^H B``."""
    n = Vh.shape[1]
    X = np.zeros((n, B.shape[1]), B.dtype)
    if r:
        C = (U[:, :r].conj().T @ B) / s[:r, np.newaxis]
        X = np.ascontiguousarray(Vh[:r].conj().T @ C)
    return X


def lstsq(A, B, rcond, method, compute_s):
    """``(X, ssq or None, rank, s or None)`` for complex 2-D A (m, n), B (m, k), both finite.

    ``method="qr"``: Householder QR of A (m >= n) or of ``A^H`` (m < n,
    minimum norm), rank from the singular values of R (numpy's rule); a
    rank-deficient A is solved from its SVD instead, which gives numpy's
    minimum-norm solution (no warning needed: the answer is numpy's).
    ``method="svd"``: always the SVD.  ``ssq``: squared residual norms
    when rank == n < m.
    """
    from jitla.kernels.qr_complex import zapply_q, zapply_qh, zgeqr2, zsolve_upper

    m, n = A.shape
    if method == "svd":
        U, s, Vh = _svd_2d(A, False, True)
        r = _numpy_rank(s, rcond)
        X = _solve_by_svd(U, s, Vh, B, r)
        ssq = None
        if r == n and m > n:
            res = B - A @ X
            ssq = np.einsum("ij,ij->j", res.conj(), res).real
        return X, ssq, r, s
    wide = m < n
    QA = np.array(A.conj().T if wide else A, order="C", copy=True)
    k = min(m, n)
    tau = np.empty(k, A.dtype)
    zgeqr2(QA, tau)
    R = np.ascontiguousarray(np.triu(QA[:k]))
    s = _svd_2d(R, False, False)
    r = _numpy_rank(s, rcond)
    if r < k:
        U, s_full, Vh = _svd_2d(A, False, True)
        X = _solve_by_svd(U, s_full, Vh, B, _numpy_rank(s_full, rcond))
        return X, None, _numpy_rank(s_full, rcond), s_full if compute_s else None
    if wide:
        # A^H = Q [R; 0]: x = Q [R^{-H} b; 0]
        Y = np.array(B, order="C", copy=True)
        zsolve_upper(R, Y, True)
        X = np.zeros((n, B.shape[1]), A.dtype)
        X[:m] = Y
        zapply_q(QA, tau, X)
        return X, None, m, (s if compute_s else None)
    C = np.array(B, order="C", copy=True)
    zapply_qh(QA, tau, C)
    X = np.ascontiguousarray(C[:n])
    zsolve_upper(R, X, False)
    tail = C[n:]
    ssq = np.einsum("ij,ij->j", tail.conj(), tail).real
    return X, ssq, n, (s if compute_s else None)
