"""The least-squares core shared by the models and the scikit-learn estimator.

One QR factorisation of the augmented matrix ``[X | Y]`` gives everything a
linear regression needs (Golub & Van Loan, *Matrix Computations*, 4th ed.,
Sec. 5.3.3; Bjorck, *Numerical Methods for Least Squares Problems*, 1996,
Sec. 1.3.1)::

    [X | Y] = Q [[R11, R12],        beta = R11^{-1} R12,
                 [0,   R22]]        ||y_j - X beta_j||^2 = ||R22[:, j]||^2,

and ``(X^T X)^{-1} = R11^{-1} R11^{-T}`` for the standard errors, without
ever forming ``X^T X``.  Q is not kept: tall designs go through TSQR
(``jitla.linalg.qr(mode="r")``), which never forms it.

Collinearity is found on R11 (whose columns have the lengths and angles of
X's columns) by QR with *limited* column pivoting -- LINPACK ``dqrdc2`` as
R's ``lm`` uses it: columns are taken left to right, and a column is
*aliased* when what is left of it after removing the earlier kept columns is
at most ``tol`` times its length.  Aliased columns are moved out (their
coefficients become NaN, R's ``NA``); the factor of the kept columns follows
from a QR of the small matrix ``R[:, kept]``, not a second pass over X.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from jitla.linalg import lstsq, qr, solve_triangular
from jitla.linalg._checked import dd_residual_split, least_squares_qr

__all__ = [
    "SOLVERS",
    "CollinearityWarning",
    "LSFit",
    "aliased_columns",
    "default_tol",
    "fit_augmented",
    "fit_least_squares",
]

#: The solvers ``fit(method=...)`` accepts (all on the non-aliased columns).
SOLVERS = ("qr", "pivoted", "svd", "normal")


class CollinearityWarning(UserWarning):
    """Some columns are exactly or numerically collinear; their coefficients are NaN."""


_EPS = float(np.finfo(np.float64).eps)

#: :func:`aliased_columns` skips its Gram-Schmidt loop when every diagonal entry of R11
#: exceeds this many times ``tol`` (relative to its column's length).
FULL_RANK_MARGIN = 16.0


def default_tol(n: int, p: int) -> float:
    """``max(n, p) * eps``: numpy.linalg.matrix_rank's rule, applied to unit-length columns.

    It is the size of the rounding a QR of an n-row matrix can leave in a
    column that is exactly dependent; anything larger is signal.
    """
    return max(n, p) * _EPS


def aliased_columns(R11: np.ndarray, tol: float) -> np.ndarray:
    """Aliased (collinear) columns of X from its triangular factor R11, left to right.

    Parameters
    ----------
    R11 : (p, p) ndarray
        Upper-triangular factor of X (X = Q R11); column j has the length of
        ``X[:, j]`` and the same angles to the other columns.
    tol : float
        Relative tolerance: column j is aliased when the component of
        ``R11[:, j] / ||R11[:, j]||`` orthogonal to the earlier kept columns
        has length ``<= tol``.  A zero column is always aliased.

    Returns
    -------
    (p,) ndarray of bool

    Notes
    -----
    QR with limited column pivoting (LINPACK ``dqrdc2``, as R's ``lm``):
    unlike Businger-Golub pivoting it keeps the user's column order and
    drops the *later* member of a dependent set, which is the column a user
    expects to see reported (``x3`` in ``x3 = x1 + x2``).  Classical
    Gram-Schmidt with one reorthogonalisation ("twice is enough": Giraud,
    Langou & Rozloznik, 2005) on the p x p factor; O(p^3) flops, (p, p)
    workspace -- nothing of size n.
    """
    p = R11.shape[1]
    norms = column_norms(R11)
    if R11.shape[0] == p and (np.abs(np.diagonal(R11)) > FULL_RANK_MARGIN * tol * norms).all():
        # Full rank, decided without the loop: while no earlier column is aliased, columns
        # 0..j-1 of the triangular R11 span e_0..e_{j-1}, so what is left of column j is
        # R11[j, j] and the test below reads |R11[j, j]| / ||R11[:, j]|| <= tol.  The loop
        # computes that ratio to within a few p * eps; the margin keeps every decision the
        # loop could make the other way out of this branch.
        return np.zeros(p, dtype=bool)
    basis = np.zeros((R11.shape[0], p))
    aliased = np.zeros(p, dtype=bool)
    r = 0
    for j in range(p):
        if norms[j] == 0.0:
            aliased[j] = True
            continue
        v = R11[:, j] / norms[j]
        for _ in range(2):
            v = v - basis[:, :r] @ (basis[:, :r].T @ v)
        length = float(np.sqrt(v @ v))
        if length <= tol:
            aliased[j] = True
        else:
            basis[:, r] = v / length
            r += 1
    return aliased


@dataclass(frozen=True)
class LSFit:
    """Result of :func:`fit_least_squares` (internal).

    Attributes
    ----------
    params : (p, k) ndarray
        Coefficients, NaN in the aliased rows.
    aliased : (p,) ndarray of bool
    rank : int
    R : (rank, rank) ndarray
        Upper-triangular factor of ``X[:, ~aliased]``, columns in X's order.
    R_all : (p, p) ndarray
        Upper-triangular factor of all of X (before aliased columns are removed).
    colscale : (p,) ndarray
        Powers of two near the lengths of X's columns (1 for zero columns):
        ``R / colscale[kept]`` is the factor of the equilibrated design, in
        which every p-sized computation of the results is done
        (:func:`column_scale`).
    out_of_range : (p,) ndarray of bool
        Columns aliased because their coefficient is outside float64's range.
    Rinv : (p, p) ndarray or None
        ``D R^{-1}`` (D = diag(colscale)), the inverse factor of the
        equilibrated design, when the fit computed it (full rank, default
        method); else None and the results compute it when asked.
    rinv_sq : (p,) ndarray or None
        Squared row norms of Rinv, ``diag(D (X^T X)^{-1} D)``, with Rinv.
    ssr : (k,) ndarray or None
        Residual sums of squares ``||diag(w) (Y - X B)||^2`` per response,
        with Rinv.
    """

    params: np.ndarray
    aliased: np.ndarray
    rank: int
    R: np.ndarray
    R_all: np.ndarray
    colscale: np.ndarray = None
    out_of_range: np.ndarray = None
    Rinv: np.ndarray = None
    rinv_sq: np.ndarray = None
    ssr: np.ndarray = None


def column_norms(R: np.ndarray) -> np.ndarray:
    """Euclidean lengths of R's columns, scaled by the largest entry (as LAPACK's ``dnrm2``).

    A plain sum of squares under/overflows for columns of size 1e-160 /
    1e+155 and would call them zero / infinite.
    """
    p = R.shape[1]
    big = np.abs(R).max(axis=0) if R.shape[0] else np.zeros(p)
    safe = np.where(big > 0.0, big, 1.0)
    return big * np.sqrt(np.einsum("ij,ij->j", R / safe, R / safe))


def column_scale(R: np.ndarray) -> np.ndarray:
    """Powers of two near the lengths of R's columns (1 for a zero column): exact equilibration.

    Dividing a column by a power of two is exact (unless the result leaves
    float64's range), so ``R / column_scale(R)`` is the same problem with
    unit-sized columns: triangular solves and ``R^{-1} R^{-T}`` on it cannot
    overflow or underflow for a column scaled by 1e+-300 when the others
    are O(1) (van der Sluis, Numer. Math. 14, 1969: column equilibration is
    also nearly optimal for the condition number).
    """
    norms = column_norms(R)
    with np.errstate(divide="ignore"):
        e = np.round(np.log2(np.where(norms > 0.0, norms, 1.0)))
    return np.ldexp(1.0, e.astype(np.int64))


def _r_factor(A: np.ndarray) -> np.ndarray:
    """Square (N, N) R of an (M, N) array by ``jitla.linalg.qr``; A is overwritten."""
    m, n = A.shape
    R = qr(A, mode="r", overwrite_a=True)
    if m >= n:
        return np.ascontiguousarray(R)
    out = np.zeros((n, n))
    out[:m] = R
    return out


def fit_least_squares(
    X,
    Y,
    *,
    method: str = "qr",
    refine: bool = False,
    tol: float | None = None,
    X_lo=None,
    sqrt_weights=None,
    ones: bool = False,
) -> LSFit:
    """Least squares ``min ||diag(w) (Y - [1 | X] B)||`` with collinearity detection (module docstring).

    Parameters
    ----------
    X : (n, p) ndarray, float64, finite.  Not modified.
    Y : (n, k) ndarray, float64, finite.  Not modified.
    method : {"qr", "pivoted", "svd", "normal"}
        ``"qr"`` (default): ``B = R11^{-1} R12`` from the QR of ``[X | Y]``
        (Householder; TSQR for tall-skinny X).  The others solve again on the
        kept columns with :func:`jitla.linalg.lstsq` (``"normal"`` squares
        the condition number and is there to show it).
    refine : bool
        Extra-precise iterative refinement (``lstsq(refine=True)``), for
        ``"qr"`` and ``"pivoted"``.
    tol : float, optional
        Aliasing tolerance (:func:`aliased_columns`); default :func:`default_tol`.
    X_lo : (n, p) ndarray, optional
        Low parts of a design known beyond float64 (``X + X_lo`` exact, a
        double-double): with ``refine=True`` and one response, the refinement
        residuals use it (:func:`lstsq_split`), so the result is the fit to
        the exact design.
    sqrt_weights : (n,) ndarray, optional
        Row weights w (square roots of regression weights; zeros remove rows).
    ones : bool
        Prepend a column of ones to X (an intercept; its coefficient is row 0).

    Notes
    -----
    Flops: ``2 n (p+k)^2 - 2 (p+k)^3 / 3`` for the QR, O(p^3) for the
    aliasing test and the small solves.  The default ``method="qr"`` is one
    call of :func:`jitla.linalg._checked.least_squares_qr` (two kernels): the QR,
    and for a clearly full-rank design (the shortcut of
    :func:`aliased_columns`) the equilibrated solves, ``D R^{-1}`` and the
    residual sums of squares, which the results use for ``bse``; other
    designs go on to :func:`aliased_columns` from the same R.  Workspace
    for it: none of size n beyond TSQR's cache-sized row blocks for
    tall-skinny X (``[1 | X | Y]`` is assembled block by block), one
    (n, p + k) matrix below that size; the other methods and
    ``refine=True`` make one (n, p + k) copy.
    """
    n = X.shape[0]
    c = 1 if ones else 0
    p = c + X.shape[1]
    if method == "qr" and not refine:
        # one call: the QR of [1 | X | Y], and for a clearly full-rank R11 the solves and SSR too;
        # anything else (a column that may be aliased, a coefficient out of range) is decided below
        tol = default_tol(n, p) if tol is None else float(tol)
        status, R_full, B, Rinv, aux = least_squares_qr(X, Y, sqrt_weights, ones, FULL_RANK_MARGIN * tol)
        if status == 0:
            R_all = R_full[:p, :p].copy()
            none = np.zeros(p, dtype=bool)
            return LSFit(B, none, p, R_all, R_all, aux[:p], none.copy(), Rinv, aux[p : 2 * p], aux[2 * p :])
        return _fit_from_r(R_full, n, p, method=method, refine=refine, tol=tol)
    k = Y.shape[1]
    XY = np.empty((n, p + k))
    if c:
        XY[:, 0] = 1.0
    XY[:, c:p] = X
    XY[:, p:] = Y
    if sqrt_weights is not None:
        XY *= sqrt_weights[:, np.newaxis]
    if c or sqrt_weights is not None:
        # the low parts of X (polynomial designs) are defined for X as given, not for [1 | X] w
        return fit_augmented(XY, p, method=method, refine=refine, tol=tol)
    return fit_augmented(XY, p, method=method, refine=refine, tol=tol, X=X, Y=Y, X_lo=X_lo)


def fit_augmented(
    XY,
    p: int,
    *,
    method: str = "qr",
    refine: bool = False,
    tol: float | None = None,
    X=None,
    Y=None,
    X_lo=None,
) -> LSFit:
    """:func:`fit_least_squares` on a caller-built ``[X | Y]`` (n, p + k) that it may overwrite.

    *X* and *Y* (separate copies) are needed only by the methods other than
    plain ``"qr"``; they are taken from XY before it is factored when not
    given.
    """
    if method not in SOLVERS:
        raise ValueError(f"method must be one of {list(SOLVERS)}, got {method!r}")
    if refine and method not in ("qr", "pivoted"):
        raise ValueError(f"refine=True needs method 'qr' or 'pivoted', not {method!r}")
    second_solve = refine or method != "qr"
    if second_solve and X is None:
        X, Y = XY[:, :p].copy(), XY[:, p:].copy()
    return _fit_from_r(
        _r_factor(XY), XY.shape[0], p, method=method, refine=refine, tol=tol, X=X, Y=Y, X_lo=X_lo
    )


def _fit_from_r(R_full, n, p, *, method, refine, tol, X=None, Y=None, X_lo=None) -> LSFit:
    """The rest of the fit from the (p + k, p + k) factor of ``[X | Y]``: aliasing, coefficients."""
    if method not in SOLVERS:
        raise ValueError(f"method must be one of {list(SOLVERS)}, got {method!r}")
    if refine and method not in ("qr", "pivoted"):
        raise ValueError(f"refine=True needs method 'qr' or 'pivoted', not {method!r}")
    k = R_full.shape[1] - p
    tol = default_tol(n, p) if tol is None else float(tol)
    second_solve = refine or method != "qr"
    R_all = np.ascontiguousarray(R_full[:p, :p])
    colscale = column_scale(R_all)
    aliased = aliased_columns(R_all, tol)
    out_of_range = np.zeros(p, dtype=bool)
    while True:
        kept = np.flatnonzero(~aliased)
        r = kept.size
        R = R_full
        if r < p:
            # the R factor of [X[:, kept] | Y] from the small factor: X = Q R, so
            # [X[:, kept] | Y] = Q R[:, kept + y] and a QR of that (p+k) x (r+k) block finishes it
            R = _r_factor(np.ascontiguousarray(R_full[:, np.concatenate([kept, np.arange(p, p + k)])]))
        R11 = np.ascontiguousarray(R[:r, :r])
        # solve on the equilibrated columns (exact scaling), then unscale: only the coefficient of
        # a column 1e-300 times shorter than the others becomes large, never its neighbours
        d = colscale[kept]
        with np.errstate(over="ignore", invalid="ignore"):
            B = solve_triangular(R11 / d, R[:r, r:]) / d[:, np.newaxis] if r else np.zeros((0, k))
        # a coefficient outside float64's range (a column ~1e-310 of the others' size) cannot be
        # fitted: such columns follow the rank rule (aliased, with a warning) instead of +-inf
        bad = ~np.isfinite(B).all(axis=1)
        if not bad.any():
            break
        aliased[kept[bad]] = True
        out_of_range[kept[bad]] = True
    if r == p and not second_solve:
        return LSFit(B, aliased, r, R11, R_all, colscale, out_of_range)
    params = np.full((p, k), np.nan)
    if r and not second_solve:
        params[kept] = B
    elif r:
        # the second solve works on columns scaled by powers of two near their lengths (exact, so
        # the same problem): lstsq's rank rule is relative to the largest singular value and would
        # call a short column next to a 1e150-long one "dependent"; the aliasing decision, made
        # above on unit-length columns, is the only one
        d = np.exp2(np.round(np.log2(np.linalg.norm(R[:, :r], axis=0))))
        Xk = np.ascontiguousarray(X[:, kept] / d)
        if refine and X_lo is not None and Y.shape[1] == 1:
            Lk = np.ascontiguousarray(X_lo[:, kept] / d)
            params[kept, 0] = lstsq_split(Xk, Lk, np.ascontiguousarray(Y[:, 0]))[0] / d
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                X_s = lstsq(Xk, Y, method=method, refine=refine, compute_s=False)[0]
            params[kept] = X_s / d[:, np.newaxis]
    return LSFit(params, aliased, r, R11, R_all, colscale, out_of_range)


def lstsq_split(A_hi, A_lo, y, *, max_iter: int = 10, return_resid: bool = False):
    """Least squares ``min ||y - (A_hi + A_lo) x||`` for a design known beyond float64.

    Parameters
    ----------
    A_hi, A_lo : (m, n) float64 ndarrays
        The design as an unevaluated sum (from :meth:`PolynomialFeatures.transform_split`);
        ``A_hi`` of full column rank, m >= n.
    y : (m,) float64 ndarray
    max_iter : int
        Most refinement steps.
    return_resid : bool
        Also return the refined residual ``y - A x`` (before *steps*): far
        more accurate than recomputing it from the rounded x, whose
        rounding error ``A (x - fl(x))`` can exceed a small residual.

    Returns
    -------
    x : (n,) float64 ndarray
    r : (m,) float64 ndarray
        Only with *return_resid*.
    steps : int
        Corrections applied.

    Notes
    -----
    Bjorck's iterative refinement of the augmented system
    ``[[I, A], [A^T, 0]] [r; x] = [y; 0]`` (Bjorck, *Numerical Methods for
    Least Squares Problems*, 1996, Sec. 2.9; devlog 004) with both
    residuals computed for ``A = A_hi + A_lo`` in double-double
    (:func:`jitla.linalg._checked.dd_residual_split`) and the
    corrections from the Householder QR of ``A_hi`` alone
    (``h = R^{-T} g``, ``d = Q^T f``, ``dx = R^{-1}(d - h)``,
    ``dr = f - Q (d - h)``).  Since ``A_lo`` is a relative perturbation of
    at most ``u = 2**-53`` per entry, the iteration still contracts
    whenever ``kappa(A) u`` is small enough for plain refinement, and it
    converges to the solution for the double-double design -- the data a
    float64 design has already lost.  Stopping rule of devlog 004:
    componentwise ``max |dx_i| / |x_i|``, stop when <= eps, when it shrank
    by less than half, or after *max_iter* steps.
    """
    Q, R = qr(A_hi)
    x = solve_triangular(R, Q.T @ y)
    r = y - A_hi @ x
    x, r, steps = _refine_split(A_hi, A_lo, Q, R, y, None, x, r, max_iter)
    return (x, r, steps) if return_resid else (x, steps)


def _refine_split(A_hi, A_lo, Q, R, b, c, x, r, max_iter):
    """Bjorck's refinement of ``r + A x = b``, ``A^T r = c`` for ``A = A_hi + A_lo`` (c None: 0).

    Residuals ``f = b - r - A x`` and ``g = c - A^T r`` in double-double
    (:func:`jitla.linalg._checked.dd_residual_split`; c, whose entries are
    exact, is added after the rounding: at the solution g's entries are
    either tiny or cancel against c's exact ones), corrections from the QR
    of ``A_hi``.  Returns ``(x, r, steps)``; stopping rule of
    :func:`lstsq_split`.
    """
    eps = np.finfo(np.float64).eps
    last = np.inf
    steps = 0
    for _ in range(max_iter):
        f, g = dd_residual_split(A_hi, A_lo, x, b, r)
        if c is not None:
            g = g + c
        h = solve_triangular(R, g, trans=1)
        d = Q.T @ f - h
        dx = solve_triangular(R, d)
        size = np.max(np.abs(dx) / np.maximum(np.abs(x), np.finfo(np.float64).tiny))
        if size >= last:
            break
        x = x + dx
        r = r + (f - Q @ d)
        steps += 1
        if size <= eps or size > 0.5 * last:
            break
        last = size
    return x, r, steps


def gram_inverse_split(A_hi, A_lo, *, max_iter: int = 10) -> np.ndarray:
    """``(A^T A)^{-1}`` for a design known beyond float64, ``A = A_hi + A_lo``, column by column.

    Column j is ``-x`` for the augmented system ``r + A x = 0``,
    ``A^T r = e_j`` (so ``x = -(A^T A)^{-1} e_j``), started from the QR of
    ``A_hi`` and refined with double-double residuals against the split
    design (:func:`_refine_split`, Bjorck 1996, Sec. 2.9).  This is what
    makes standard errors of a raw-power polynomial fit as accurate as its
    refined coefficients: from the QR of the rounded design alone they
    inherit the design's componentwise condition (~1e9 for degree 10).
    Full column rank; cost ``p`` refinements, about ``100 m p^2`` flops.
    """
    Q, R = qr(A_hi)
    m, p = A_hi.shape
    out = np.empty((p, p))
    zero = np.zeros(m)
    for j in range(p):
        e = np.zeros(p)
        e[j] = 1.0
        x = -solve_triangular(R, solve_triangular(R, e, trans=1))
        r = -(A_hi @ x)
        x, _, _ = _refine_split(A_hi, A_lo, Q, R, zero, e, x, r, max_iter)
        out[:, j] = -x
    return 0.5 * (out + out.T)


def warn_aliased(names, aliased: np.ndarray, stacklevel: int = 3, out_of_range=None) -> None:
    """Raise the :class:`CollinearityWarning` that names the aliased columns."""
    far = np.zeros_like(aliased) if out_of_range is None else out_of_range
    dependent = [names[j] for j in np.flatnonzero(aliased & ~far)]
    extreme = [names[j] for j in np.flatnonzero(far)]
    parts = []
    if dependent:
        parts.append(f"column(s) {dependent} are (numerically) linear combinations of earlier columns")
    if extreme:
        parts.append(
            f"column(s) {extreme} are so small relative to the response that their coefficients "
            "would be outside float64's range (rescale them)"
        )
    warnings.warn(
        f"exog is rank-deficient: {'; '.join(parts)}; their coefficients are NaN (aliased) and "
        "the fit uses the others",
        CollinearityWarning,
        stacklevel=stacklevel,
    )
