"""Polar decomposition, orthogonal Procrustes, low-rank approximation, subspace sums and intersections.

Everything here is built from jitla's own kernels through the public API
(SVD, QR, Cholesky, triangular solves, GEMM): no new loops, so no new
kernels.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from jitla._validate import result_float_dtype
from jitla.linalg._matmul import matmul
from jitla.linalg._svd import svd

__all__ = [
    "polar",
    "orthogonal_procrustes",
    "LowRankResult",
    "low_rank_approximation",
    "gram",
    "subspace_sum",
    "subspace_intersection",
]

_POLAR_METHODS = ("svd", "qdwh", "newton_schulz")
#: Iteration caps: QDWH needs at most 6 steps for cond <= 1e16 (Nakatsukasa, Bai & Gygi 2010);
#: Newton-Schulz grows the smallest singular value by at most 1.5 per step.
QDWH_MAX_ITER = 20
NEWTON_SCHULZ_MAX_ITER = 200


def _qdwh(A):
    """The orthogonal polar factor of the full-column-rank-or-not tall (m >= n) A by QDWH.

    Nakatsukasa, Bai & Gygi, "Optimizing Halley's iteration for computing
    the matrix polar decomposition", SIAM J. Matrix Anal. Appl. 31 (2010)
    2700-2720, with the Cholesky form of the step when ``c_k <= 100``
    (Nakatsukasa & Higham, SIAM J. Matrix Anal. Appl. 33, 2012): the
    dynamically weighted Halley iteration ``X <- X (a I + b X^T X) (I + c
    X^T X)^{-1}``, weights from a lower bound l on ``sigma_min(X)``.
    """
    from jitla.linalg._cholesky import cholesky
    from jitla.linalg._qr import qr
    from jitla.linalg._triangular import solve_triangular

    m, n = A.shape
    eps = np.finfo(np.float64).eps
    alpha = float(np.linalg.norm(A))  # ||A||_F >= ||A||_2: sigma(X) <= 1
    if alpha == 0:
        return np.zeros_like(A)
    X = A / alpha
    # lower bound on sigma_min(X) = sigma_min(R), X = QR, from ||R^{-1}||_F >= 1 / sigma_min
    R = qr(X, mode="r")
    diag = np.abs(np.diagonal(R))
    if diag.min() == 0:
        l = eps
    else:
        Rinv = solve_triangular(R, np.eye(n), lower=False)
        l = max(1.0 / float(np.linalg.norm(Rinv)), eps)
    eye = np.eye(n)
    for _ in range(QDWH_MAX_ITER):
        l2 = l * l
        dd = (4.0 * (1.0 - l2) / (l2 * l2)) ** (1.0 / 3.0)
        sqd = np.sqrt(1.0 + dd)
        a = sqd + 0.5 * np.sqrt(8.0 - 4.0 * dd + 8.0 * (2.0 - l2) / (l2 * sqd))
        b = (a - 1.0) ** 2 / 4.0
        c = a + b - 1.0
        X_old = X
        if c > 100:
            # QR form: [sqrt(c) X; I] = [Q1; Q2] R, X <- (b/c) X + (a - b/c) / sqrt(c) Q1 Q2^T
            Q, _ = qr(np.vstack([np.sqrt(c) * X, eye]))
            X = (b / c) * X + ((a - b / c) / np.sqrt(c)) * matmul(Q[:m], Q[m:].T)
        else:
            # Cholesky form: I + c X^T X = W^T W, X <- (b/c) X + (a - b/c) X W^{-1} W^{-T}
            W = cholesky(eye + c * matmul(X.T, X), upper=True)
            Y = solve_triangular(W, X.T, trans=1, lower=False)  # W^{-T} X^T
            Y = solve_triangular(W, Y, lower=False)  # W^{-1} W^{-T} X^T
            X = (b / c) * X + (a - b / c) * Y.T
        l = min(l * (a + b * l2) / (1.0 + c * l2), 1.0)
        if abs(1.0 - l) <= 10 * eps and np.linalg.norm(X - X_old) <= eps ** (1.0 / 3.0):
            break
    return X


def _newton_schulz(A):
    """The orthogonal polar factor of a tall A by the Newton-Schulz iteration ``X <- X (3I - X^T X) / 2``.

    Higham, *Functions of Matrices* (2008), eq. 8.20: converges
    quadratically once all singular values are near 1, and for every
    ``sigma(X_0)`` in ``(0, sqrt(3))`` -- here ``X_0 = A / ||A||_F``.  An
    inverse-free iteration (GEMMs only) but slow for ill-conditioned A:
    a small singular value grows by only 1.5 per step, so about
    ``log_1.5 cond(A)`` steps before the quadratic phase.
    """
    eps = np.finfo(np.float64).eps
    alpha = float(np.linalg.norm(A))
    if alpha == 0:
        return np.zeros_like(A)
    X = A / alpha
    n = A.shape[1]
    for _ in range(NEWTON_SCHULZ_MAX_ITER):
        G = matmul(X.T, X)
        E = np.eye(n) - G
        X = X + 0.5 * matmul(X, E)
        if np.linalg.norm(E) <= n * eps:
            break
    return X


def polar(a, side="right", *, method="svd"):
    """Polar decomposition ``a = u p`` (right) or ``a = p u`` (left), as scipy.linalg.polar.

    Parameters
    ----------
    a : (m, n) array_like
        Real or complex matrix (complex: method "svd" only).
    side : {"right", "left"}
    method : {"svd", "qdwh", "newton_schulz"}
        jitla extension.  "svd" (scipy's): from ``a = W S V^T``, ``u = W
        V^T``, ``p = V S V^T`` (or ``W S W^T``).  "qdwh": the QR/Cholesky-based
        dynamically weighted Halley iteration (at most ~6 steps whatever the
        conditioning; Nakatsukasa, Bai & Gygi 2010).  "newton_schulz": the
        inverse-free Newton-Schulz iteration (GEMMs only; many steps when a
        is ill conditioned).  The iterations return ``p = sym(u^T a)``.

    Returns
    -------
    u : (m, n) ndarray
        Orthonormal columns (m >= n) or rows (m < n).
    p : ndarray
        Symmetric positive semidefinite, (n, n) for "right", (m, m) for "left".

    Raises
    ------
    ValueError
        scipy's "`side` must be either 'right' or 'left'", "`a` must be a
        2-D array."; an unknown method.

    Notes
    -----
    Higham, *Functions of Matrices* (2008), Ch. 8.  For a rank-deficient
    a the unitary factor is not unique; "svd" returns scipy's, the
    iterations one of the others (their u still satisfies ``u p = a``).
    Flops: "svd" one SVD (about 20 n^3 for square a); "qdwh" about
    ``(4 + 2/3) n^3`` per Cholesky step and ``~ 11 n^3`` per QR step;
    "newton_schulz" ``4 n^3`` per step.
    """
    if side not in ("right", "left"):
        raise ValueError("`side` must be either 'right' or 'left'")
    a = np.asarray(a)
    if a.ndim != 2:
        raise ValueError("`a` must be a 2-D array.")
    if method not in _POLAR_METHODS:
        raise ValueError(f"unknown polar method {method!r}; choose one of {list(_POLAR_METHODS)}")
    dtype = result_float_dtype(a, allow_complex=True)
    if dtype.kind == "c" and method != "svd":
        raise TypeError(
            f"jitla.linalg.polar(method={method!r}) does not support complex input yet; use 'svd'"
        )
    A = np.asarray(a, dtype=np.complex128 if dtype.kind == "c" else np.float64)
    if method == "svd":
        # a = W S V^H: u = W V^H (unitary), p = V S V^H or W S W^H (Hermitian)
        w, s, vh = svd(A, full_matrices=False)
        u = matmul(w, vh)
        if side == "right":
            p = matmul(vh.conj().T * s, vh)
        else:
            p = matmul(w * s, w.conj().T)
        return u.astype(dtype, copy=False), p.astype(dtype, copy=False)
    iterate = _qdwh if method == "qdwh" else _newton_schulz
    m, n = A.shape
    if m == 0 or n == 0:
        size = n if side == "right" else m
        return np.zeros((m, n), dtype=dtype), np.zeros((size, size), dtype=dtype)
    u = iterate(A) if m >= n else iterate(A.T).T
    p = matmul(u.T, A) if side == "right" else matmul(A, u.T)
    p = 0.5 * (p + p.T)
    return u.astype(dtype, copy=False), p.astype(dtype, copy=False)


def orthogonal_procrustes(A, B, check_finite=True):
    """The orthogonal R minimising ``||A R - B||_F`` (scipy.linalg.orthogonal_procrustes).

    Parameters
    ----------
    A, B : (m, n) array_like
    check_finite : bool

    Returns
    -------
    R : (n, n) ndarray
        ``R = U V^T`` from the SVD ``A^T B = U S V^T`` (Schönemann 1966;
        Golub & Van Loan, 4th ed., Sec. 6.4.1): the orthogonal polar factor
        of ``A^T B``.
    scale : numpy float scalar
        The sum of the singular values of ``A^T B``, in the real dtype of
        the result (float32 for float32 / complex64 input), as scipy.

    Raises
    ------
    ValueError
        scipy's "expected ndim to be 2, but observed ...", "the shapes of A
        and B differ (... vs ...)", "array must not contain infs or NaNs".
    """
    A = np.asarray(A)
    B = np.asarray(B)
    if check_finite:
        for X in (A, B):
            if X.dtype.kind in "fc" and not np.isfinite(X).all():
                raise ValueError("array must not contain infs or NaNs")
    if A.ndim != 2:
        raise ValueError(f"expected ndim to be 2, but observed {A.ndim}")
    if A.shape != B.shape:
        raise ValueError(f"the shapes of A and B differ ({A.shape} vs {B.shape})")
    dtype = result_float_dtype(A, B, allow_complex=True)
    work = np.complex128 if dtype.kind == "c" else np.float64
    # complex: the unitary R minimising ||A R - B||_F is U V^H from A^H B = U S V^H
    u, w, vt = svd(matmul(np.asarray(A, dtype=work).conj().T, np.asarray(B, dtype=work)))
    R = matmul(u, vt)
    return R.astype(dtype, copy=False), np.finfo(dtype).dtype.type(w.sum())


class LowRankResult(NamedTuple):
    """:func:`low_rank_approximation`'s result."""

    #: The best rank-k approximation ``U_k diag(s_k) Vh_k``.
    approximation: np.ndarray
    #: Its factors: (m, k), (k,), (k, n).
    U: np.ndarray
    s: np.ndarray
    Vh: np.ndarray
    #: ``||a - approximation||_2 = s_{k+1}`` (0 when k >= rank).
    error_2: float
    #: ``||a - approximation||_F = sqrt(s_{k+1}^2 + ...)``.
    error_fro: float


def low_rank_approximation(a, k):
    """Best rank-k approximation of a in the 2- and Frobenius norms, with its error (Eckart-Young).

    Parameters
    ----------
    a : (m, n) array_like
        Real or complex matrix.
    k : int
        ``0 <= k <= min(m, n)``.

    Returns
    -------
    LowRankResult
        ``(approximation, U, s, Vh, error_2, error_fro)``: the truncated SVD
        and its errors, ``error_2 = s_{k+1}``, ``error_fro = sqrt(sum_{i>k}
        s_i^2)``; by the Eckart-Young-Mirsky theorem no matrix of rank <= k
        is closer in either norm (Golub & Van Loan, 4th ed., Thm. 2.4.8).

    Raises
    ------
    ValueError
        k out of range or a not 2-D.
    """
    a = np.asarray(a)
    if a.ndim != 2:
        raise ValueError("expected a 2-D array")
    k = int(k)
    m, n = a.shape
    if not 0 <= k <= min(m, n):
        raise ValueError(f"k must be between 0 and min(m, n) = {min(m, n)}, got {k}")
    dtype = result_float_dtype(a, allow_complex=True)
    U, s, Vh = svd(np.asarray(a, dtype=dtype), full_matrices=False)
    Uk, sk, Vhk = U[:, :k], s[:k], Vh[:k]
    approx = matmul(Uk * sk, Vhk) if k else np.zeros((m, n), dtype=dtype)
    tail = s[k:].astype(np.float64)
    error_2 = float(tail[0]) if tail.size else 0.0
    error_fro = float(np.sqrt(np.sum(tail**2)))
    Uk = np.ascontiguousarray(Uk)
    Vhk = np.ascontiguousarray(Vhk)
    return LowRankResult(approx, Uk, sk.copy(), Vhk, error_2, error_fro)


def _float_2d(a, message):
    """*a* as a 2-D float or complex array of its working dtype (integers become float64)."""
    a = np.asarray(a)
    if a.ndim != 2:
        raise ValueError(message)
    return np.asarray(a, dtype=result_float_dtype(a, allow_complex=True))


def gram(a):
    """The Gram matrix ``a^H a`` of the columns of a (their pairwise inner products), Hermitian.

    One GEMM (:func:`jitla.linalg.matmul`), made exactly symmetric (real a)
    or Hermitian (complex a: ``G[i, j] = <a_i, a_j> = a_i^H a_j``, real
    diagonal).
    """
    A = _float_2d(a, "expected a 2-D array")
    if A.dtype.kind != "c":
        G = matmul(A.T, A)
        return 0.5 * (G + G.T)
    G = matmul(A.conj().T, A)
    return 0.5 * (G + G.conj().T)


def subspace_sum(A, B, rcond=None):
    """Orthonormal basis of ``range(A) + range(B)``: :func:`orth` of ``[A, B]``.

    The dimension is ``rank(A) + rank(B) - dim(range(A) ∩ range(B))``
    (Grassmann's formula); with :func:`subspace_intersection` it gives the
    projections onto sums and intersections through
    :func:`jitla.linalg.project`.  Real or complex bases (complex if
    either is).
    """
    from jitla.linalg._subspace import orth

    A = _float_2d(A, "expected a 2-D array")
    B = _float_2d(B, "expected a 2-D array")
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must have the same number of rows, got {A.shape[0]} and {B.shape[0]}")
    return orth(np.hstack([A, B]), rcond)


def subspace_intersection(A, B, rcond=None):
    """Orthonormal basis of ``range(A) ∩ range(B)``, from the principal vectors at angle 0.

    With orthonormal bases QA, QB (:func:`orth`) and the SVD ``QA^H QB =
    Y diag(cos theta) Z^H`` (Björck & Golub, Math. Comp. 27, 1973; Golub
    & Van Loan, 4th ed., Sec. 6.4.3), the principal vectors ``QA y_i``
    whose cosines are 1 to within ``rcond`` (default ``sqrt(eps) * max(m,
    k)``, an angle of about ``eps^(1/4)``) span the intersection.

    Returns
    -------
    (m, d) ndarray
        d = 0 (an (m, 0) array) when the subspaces meet only at 0.
        Complex when A or B is complex (the principal vectors of complex
        subspaces, as :func:`scipy.linalg.subspace_angles` takes them).
    """
    from jitla.linalg._subspace import orth

    A = _float_2d(A, "expected a 2-D array")
    B = _float_2d(B, "expected a 2-D array")
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must have the same number of rows, got {A.shape[0]} and {B.shape[0]}")
    if A.dtype.kind != B.dtype.kind:  # one real, one complex basis: both complex
        A, B = (np.asarray(X, dtype=np.result_type(A, B)) for X in (A, B))
    QA = orth(A)
    QB = orth(B)
    if QA.shape[1] == 0 or QB.shape[1] == 0:
        return np.zeros((A.shape[0], 0), dtype=QA.dtype)
    Y, c, _ = svd(matmul(QA.conj().T, QB), full_matrices=False)
    if rcond is None:
        rcond = np.sqrt(np.finfo(QA.dtype).eps) * max(QA.shape[0], QA.shape[1] + QB.shape[1])
    d = int(np.sum(c >= 1.0 - rcond))
    return np.ascontiguousarray(matmul(QA, Y[:, :d]))
