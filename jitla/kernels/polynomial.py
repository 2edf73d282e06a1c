"""Polynomial feature kernels: correctly rounded monomials and orthogonal polynomials.

Kernels used by :mod:`jitla.regression._poly`:

* :func:`monomials_dd` -- every monomial ``x_0^{p_0} x_1^{p_1} ...`` of a
  design row, each computed in double-double arithmetic and rounded *once*
  to the output precision, so each entry of a raw-power design is the
  correctly rounded exact product (0.5 ulp), not the ``(k - 1)``-roundings
  result of repeated multiplication; :func:`monomials_dd_split` keeps the
  double-double pair ``hi + lo``, and :func:`dd_residual_split` gives the
  least-squares residuals of such a two-part design in double-double.
* :func:`stieltjes` and :func:`three_term_eval` -- discrete orthogonal
  polynomials by the three-term recurrence (Forsythe 1957), as R's
  ``stats::poly`` defines them.

Why double-double for the powers
--------------------------------
``fl(fl(x * x) * x) ...`` commits one rounding per multiplication: ``x^10``
is off by up to ~4.5 ulp (``9 u`` relative, ``u = 2**-53``).  Carrying
``hi + lo`` through the chain (Dekker's TwoProduct for ``hi * x``, the
``lo * x`` cross term in float64) keeps the relative error of the product
below ``3 (k - 1) u**2`` before the single final rounding (module
:mod:`jitla.kernels.double_double`).  :func:`monomials_dd_split` keeps the
pair instead: a degree-10 raw-power least-squares fit on x in [-9, -3] is
as sensitive to 0.5-ulp *componentwise* errors in the design as its
column-scaled condition number (~4e9) says, so even the correctly rounded
design holds only ~8 digits of the exact fit, while refinement against the
double-double design recovers 16 (devlog 009, :func:`dd_residual_split`).
"""

from __future__ import annotations

import numpy as np

from jitla._jit import exact_kernel, kernel
from jitla.kernels._registry import register
from jitla.kernels.double_double import dot2_sub, fast_two_sum, two_prod, two_sum


# --------------------------------------------------------------------------
# correctly rounded monomials
# --------------------------------------------------------------------------
@exact_kernel
def _store_rounded(out, i, c, hi, lo):
    """``out[i, c] = round(hi + lo)`` to the dtype of *out*, rounded once.

    *hi* is already ``fl64(hi + lo)`` (normalised pair), so for float64
    output it is the answer.  Narrowing to float32 rounds *hi* alone, which
    is wrong only when *hi* is exactly halfway between two float32 numbers
    and ``lo != 0`` breaks the tie: then the neighbour on *lo*'s side is
    taken.  No checks are made on the inputs.
    """
    out[i, c] = hi
    r = np.float64(out[i, c])
    if r != hi and lo != 0.0:
        # hi is a float32 midpoint iff t = 2 hi - r (exact in float64) is a
        # float32 number: then hi + lo lies on t's side when lo points to t.
        t = 2.0 * hi - r
        out[i, c] = t
        if not (np.float64(out[i, c]) == t and (t - hi) * lo > 0.0):
            out[i, c] = r


@exact_kernel
def _row_monomials(X, i, parent, factor, hi, lo):
    """Monomials of row i of X as double-doubles ``hi[k] + lo[k]`` (see :func:`monomials_dd`).

    No checks are made on the inputs.
    """
    hi[0] = 1.0
    lo[0] = 0.0
    for k in range(1, parent.shape[0]):
        a = np.float64(X[i, factor[k]])
        j = parent[k]
        if j == 0:
            hi[k] = a
            lo[k] = 0.0
            continue
        # (hi[j] + lo[j]) * a = p + e + lo[j] a, with hi[j] a = p + e exactly
        p, e = two_prod(hi[j], a)
        e += lo[j] * a
        s, t = fast_two_sum(p, e)
        if s - s != 0.0:  # inf or NaN: out of TwoProduct's range
            s = hi[j] * a
            t = 0.0
        hi[k] = s
        lo[k] = t


def _monomials_example(dtype):
    X = np.array([[1.5, -2.0], [3.0, 0.25], [-7.0, 1.0]], dtype)
    # 1, x0, x1, x0^2, x0 x1, x1^2: parents and factors of each monomial
    parent = np.array([-1, 0, 0, 1, 1, 2], np.int64)
    factor = np.array([-1, 0, 1, 0, 1, 1], np.int64)
    column = np.arange(6, dtype=np.int64)
    return X, parent, factor, column, np.empty((3, 6), dtype)


@register(
    "monomials",
    "dd",
    "polynomial features, each monomial in double-double, rounded once (0.5 ulp)",
    flops=lambda n, k: 23.0 * n * k,
    example=_monomials_example,
)
@exact_kernel
def monomials_dd(X, parent, factor, column, out):
    """All monomials of each row of X, each entry correctly rounded.

    Monomial ``k`` is monomial ``parent[k]`` times feature ``factor[k]``;
    monomial 0 is the constant 1 (``parent[0] = factor[0] = -1``), and the
    monomials are listed so that every parent comes before its children
    (e.g. by degree).  Monomial ``k`` is written to ``out[:, column[k]]``
    unless ``column[k] < 0`` (a lower-degree monomial needed only as a
    parent).

    Parameters
    ----------
    X : (n, m) float64 or float32 ndarray, C-contiguous
    parent, factor, column : (K,) int64 ndarrays
        The monomial tree described above.
    out : (n, q) ndarray, dtype of X, C-contiguous
        Overwritten: ``out[i, column[k]] = round(prod of row i's factors)``.

    Returns
    -------
    int
        0 (status; this kernel cannot fail).

    Notes
    -----
    Each monomial of row ``i`` is kept as a double-double ``hi + lo`` and
    extended by one float64 factor ``a``: ``hi * a = p + e`` exactly by
    Dekker's TwoProduct (Ogita, Rump & Oishi, SIAM J. Sci. Comput. 26(6),
    2005, Algorithm 3.3, via :func:`jitla.kernels.double_double.two_prod`),
    the cross term ``lo * a`` is added to ``e`` in float64 and the pair is
    renormalised by FastTwoSum -- Hida, Li & Bailey's ``dd_mul`` with a
    float64 second operand.  Each step has relative error at most
    ``~3 u**2`` (``u = 2**-53``), so a degree-``d`` monomial is within
    ``3 (d - 1) u**2`` relative of the exact product before the one final
    rounding (:func:`_store_rounded`): the stored entry is the correctly
    rounded product unless the exact value lies within that distance of a
    rounding midpoint (a fraction ~``6 d u`` of all inputs; 0.5 ulp +
    ``3 d u**2`` relative in the worst case).  Range: TwoProduct needs the
    operands below ``~2**996`` (Veltkamp's split) and the product above
    ``~2**-969`` (its error term must not underflow); where the pair is
    not finite, the plain product ``hi * a`` is stored instead (inf stays
    inf).  Degree-1 monomials are copies of X.

    Flops about 23 per monomial per row (TwoProduct 17, the cross term
    and FastTwoSum 6); workspace 2K float64.  No checks are made on the
    inputs.  No FMA (``exact_kernel``; module notes of double_double).
    """
    K = parent.shape[0]
    hi = np.empty(K, dtype=np.float64)
    lo = np.empty(K, dtype=np.float64)
    for i in range(X.shape[0]):
        _row_monomials(X, i, parent, factor, hi, lo)
        for k in range(K):
            if column[k] >= 0:
                _store_rounded(out, i, column[k], hi[k], lo[k])
    return 0


@register(
    "monomials",
    "dd_split",
    "polynomial features as a double-double design: correctly rounded hi and the rest, lo",
    flops=lambda n, k: 23.0 * n * k,
    example=lambda dtype: _monomials_example(dtype)[:4] + (np.empty((3, 6)), np.empty((3, 6))),
)
@exact_kernel
def monomials_dd_split(X, parent, factor, column, hi_out, lo_out):
    """The monomials of :func:`monomials_dd` as unevaluated sums ``hi + lo``.

    Parameters
    ----------
    X : (n, m) float64 (or float32) ndarray, C-contiguous
    parent, factor, column : (K,) int64 ndarrays
        The monomial tree of :func:`monomials_dd`.
    hi_out, lo_out : (n, q) float64 ndarrays, C-contiguous
        Overwritten: ``hi_out`` with the correctly rounded monomials (the
        output of :func:`monomials_dd`), ``lo_out`` with the rest, so that
        ``hi + lo`` is the exact product to ``3 (d - 1) u**2`` relative.

    Returns
    -------
    int
        0 (status; this kernel cannot fail).

    Notes
    -----
    The same double-double products as :func:`monomials_dd`, stored
    without the final rounding: a design carried to about 106 bits, for
    least squares whose data error must stay far below ``u`` (devlog 009:
    the raw-power design is ill-conditioned under 0.5-ulp componentwise
    perturbations).  Flops about 23 per monomial per row; workspace 2K
    float64.  No checks are made on the inputs.  No FMA.
    """
    K = parent.shape[0]
    hi = np.empty(K, dtype=np.float64)
    lo = np.empty(K, dtype=np.float64)
    for i in range(X.shape[0]):
        _row_monomials(X, i, parent, factor, hi, lo)
        for k in range(K):
            if column[k] >= 0:
                hi_out[i, column[k]] = hi[k]
                lo_out[i, column[k]] = lo[k]
    return 0


@register(
    "dd_residual_split",
    "serial",
    "f = y - r - (A_hi + A_lo) x and g = -(A_hi + A_lo)^T r, each entry in double-double",
    flops=lambda m, n: 100.0 * m * n,
    example=lambda dtype: (
        np.ones((4, 3), dtype),
        np.zeros((4, 3), dtype),
        np.ones(3),
        np.ones(4),
        np.zeros(4),
        np.empty(4),
        np.empty(3),
    ),
)
@exact_kernel
def dd_residual_split(A_hi, A_lo, x, y, r, f, g):
    """Both block residuals of the augmented least-squares system for a design ``A_hi + A_lo``.

    Parameters
    ----------
    A_hi, A_lo : (m, n) float64 ndarrays, C-contiguous
        The design as an unevaluated double-double sum (float32 is
        accepted and converted entry by entry).
    x : (n,) float64 ndarray
    y, r : (m,) float64 ndarrays
    f : (m,) float64 ndarray
        Overwritten with ``y - r - (A_hi + A_lo) x``.
    g : (n,) float64 ndarray
        Overwritten with ``-(A_hi + A_lo)^T r``.

    Returns
    -------
    int
        0 (status; this kernel cannot fail).

    Notes
    -----
    Every entry is a Dot2 sum (Ogita, Rump & Oishi, SIAM J. Sci. Comput.
    26(6), 2005, Algorithm 5.3) of all its terms, the ``A_lo`` products
    included, rounded once: as :func:`jitla.kernels.double_double.dd_residual`
    and ``dd_residual_t`` but for a design that is itself a double-double.
    These are the residuals of Bjorck's refinement (Bjorck, *Numerical
    Methods for Least Squares Problems*, 1996, Sec. 2.9); the corrections
    come from the QR factors of ``A_hi`` alone.  A is read once, row by
    row.  Flops about 100mn (four TwoProducts and four TwoSums per entry
    of A); workspace n float64.  No checks are made on the inputs.  No FMA.
    """
    m, n = A_hi.shape
    sg = np.zeros(n, dtype=np.float64)
    for j in range(n):
        g[j] = 0.0
    for i in range(m):
        p, s = two_sum(y[i], -r[i])
        ri = r[i]
        for j in range(n):
            a_hi = np.float64(A_hi[i, j])
            a_lo = np.float64(A_lo[i, j])
            # f_i -= (A_hi[i, j] + A_lo[i, j]) x_j
            p, s = dot2_sub(p, s, a_hi, x[j])
            p, s = dot2_sub(p, s, a_lo, x[j])
            # g_j -= (A_hi[i, j] + A_lo[i, j]) r_i
            t, u = dot2_sub(g[j], sg[j], a_hi, ri)
            g[j], sg[j] = dot2_sub(t, u, a_lo, ri)
        f[i] = p + s
    for j in range(n):
        g[j] = g[j] + sg[j]
    return 0


# --------------------------------------------------------------------------
# discrete orthogonal polynomials (three-term recurrence)
# --------------------------------------------------------------------------
def _stieltjes_example(dtype):
    x = np.array([1.0, 2.0, 4.0, 5.0, 7.0], dtype)
    d = 2
    return x, np.empty((5, d + 1), np.float64), np.empty(d, np.float64), np.empty(d + 2, np.float64)


def _three_term_example(dtype):
    x = np.array([1.0, 2.0, 4.0], dtype)
    alpha = np.array([3.0, 2.5], np.float64)
    norm2 = np.array([1.0, 3.0, 2.0, 1.5], np.float64)
    return x, alpha, norm2, np.empty((3, 3), np.float64)


@register(
    "orthopoly",
    "stieltjes",
    "discrete orthogonal polynomials and their recurrence coefficients (Forsythe 1957)",
    flops=lambda n, d: 7.0 * n * d,
    example=_stieltjes_example,
)
@kernel
def stieltjes(x, P, alpha, norm2):
    """Orthogonal polynomials on the points x by Stieltjes' procedure.

    Builds ``P_0 = 1``, ``P_1 = x - alpha_0`` and
    ``P_{j+1} = (x - alpha_j) P_j - (norm2_{j+1} / norm2_j) P_{j-1}``
    with ``alpha_j = sum(x P_j**2) / sum(P_j**2)``: monic polynomials
    orthogonal under the discrete inner product ``sum_i f(x_i) g(x_i)``.

    Parameters
    ----------
    x : (n,) float64 ndarray
        (float32 is accepted; all arithmetic is float64.)
    P : (n, d + 1) float64 ndarray, C-contiguous
        Overwritten with ``P_0 ... P_d`` evaluated at x (unnormalised).
    alpha : (d,) float64 ndarray
        Overwritten with ``alpha_0 ... alpha_{d-1}`` (``alpha_0`` = mean(x)).
    norm2 : (d + 2,) float64 ndarray
        Overwritten in R's layout: ``norm2[0] = 1``, ``norm2[j + 1] =
        sum(P_j**2)`` (so ``norm2[1] = n``).

    Returns
    -------
    int
        0 (status; this kernel cannot fail).

    Notes
    -----
    G. E. Forsythe, "Generation and use of orthogonal polynomials for
    data-fitting with a digital computer", J. SIAM 5(2), 1957, Sec. 3 (the
    recurrence); W. Gautschi, *Orthogonal Polynomials: Computation and
    Approximation*, 2004, Sec. 2.2.3.1 (Stieltjes' procedure).  The
    coefficients are those of R's ``stats::poly`` (``attr(, "coefs")``)
    and :func:`three_term_eval` evaluates the same recurrence at new points.
    Unlike R, which builds the columns by a QR of the centred Vandermonde
    matrix, the columns here come from the recurrence itself (no
    Vandermonde matrix is ever formed).  The points are centred by
    ``alpha_0`` first, so nothing depends on the location of x.

    Flops about 7nd; no workspace.  No checks are made on the inputs
    (n > d distinct points assumed, else some ``norm2`` is 0).
    """
    n = x.shape[0]
    d = alpha.shape[0]
    norm2[0] = 1.0
    norm2[1] = n
    xbar = 0.0
    for i in range(n):
        xbar += x[i]
    xbar /= n
    if d > 0:
        alpha[0] = xbar
    for i in range(n):
        P[i, 0] = 1.0
    for j in range(d):
        # P_{j+1} from P_j and P_{j-1}; then alpha_{j+1} and norm2 of P_{j+1}
        beta = norm2[j + 1] / norm2[j] if j > 0 else 0.0
        s = 0.0
        sx = 0.0
        for i in range(n):
            t = x[i] - xbar  # centred point
            v = (t - (alpha[j] - xbar)) * P[i, j]
            if j > 0:
                v -= beta * P[i, j - 1]
            P[i, j + 1] = v
            s += v * v
            sx += t * v * v
        norm2[j + 2] = s
        if j + 1 < d:
            alpha[j + 1] = sx / s + xbar
    return 0


@register(
    "orthopoly",
    "three_term",
    "evaluate orthogonal polynomials from their recurrence coefficients (R's predict.poly)",
    flops=lambda n, d: 6.0 * n * d,
    example=_three_term_example,
)
@kernel
def three_term_eval(x, alpha, norm2, Z):
    """Normalised orthogonal polynomials at x from the recurrence coefficients.

    Parameters
    ----------
    x : (n,) float64 ndarray
        (float32 is accepted; all arithmetic is float64.)
    alpha : (d,) float64 ndarray
    norm2 : (d + 2,) float64 ndarray
        As produced by :func:`stieltjes` (R's ``coefs$alpha``, ``coefs$norm2``).
    Z : (n, d) float64 ndarray, C-contiguous
        Overwritten with ``P_j(x) / sqrt(norm2[j + 1])`` for j = 1 ... d.

    Returns
    -------
    int
        0 (status; this kernel cannot fail).

    Notes
    -----
    The recurrence of :func:`stieltjes` (Forsythe 1957, Sec. 3), centred at
    ``alpha_0`` as there, so that on the fitting points it reproduces the
    columns :func:`stieltjes` built up to rounding.  Each row needs only the
    two previous values, kept in scalars.  Flops about 6nd; no workspace.
    No checks are made on the inputs.
    """
    n = x.shape[0]
    d = alpha.shape[0]
    if d == 0:
        return 0
    xbar = alpha[0]
    for i in range(n):
        t = x[i] - xbar
        p_prev = 1.0
        p = t
        Z[i, 0] = p / np.sqrt(norm2[2])
        for j in range(1, d):
            beta = norm2[j + 1] / norm2[j]
            p_next = (t - (alpha[j] - xbar)) * p - beta * p_prev
            p_prev = p
            p = p_next
            Z[i, j] = p / np.sqrt(norm2[j + 2])
    return 0
