"""Error-free transformations and double-double dot products / residuals.

A *double-double* (dd) number is an unevaluated sum ``hi + lo`` of two
float64 with ``|lo| <= ulp(hi) / 2``: about 106 bits of significand.  The
building blocks are the error-free transformations

* :func:`two_sum`      ``a + b = s + e`` exactly (Knuth, 6 flops, any a, b)
* :func:`fast_two_sum` ``a + b = s + e`` exactly when ``|a| >= |b|`` (Dekker, 3 flops)
* :func:`two_prod`     ``a * b = p + e`` exactly (Dekker with Veltkamp's split, 17 flops)

and on top of them :func:`dd_add`, :func:`dd_mul`, the compensated dot
product :func:`dot2` and the residuals :func:`dd_residual` (``B - C - A @ X``)
and :func:`dd_residual_t` (``B - A.T @ Y``) used by iterative refinement.

Why no FMA
----------
Every kernel here is compiled with :func:`jitla._jit.exact_kernel`, i.e.
``fastmath=False``: LLVM may then neither reassociate nor *contract* ``a*b - p``
into a fused multiply-add.  Both would break the transformations (``(a + b) - a``
reassociated is ``b``, and a contracted ``a*b - p`` computes a different,
unrounded quantity than the algorithm assumes).  :func:`two_prod` uses
Dekker's FMA-free algorithm with Veltkamp's split, not an explicit ``fma``
(Numba offers no ``math.fma``); ``jitla asm jitla.kernels.double_double:dot2``
shows no ``vfmadd`` instruction (checked in ``tests/kernels/test_double_double.py``).

Range: Veltkamp's split multiplies by ``2**27 + 1`` and overflows for
``|a| > ~2**996``; the products' error terms underflow for tiny operands
(``|a*b| < ~2**-969``).  The refinement residuals stay far inside both limits
for any data whose products are representable.

float32 operands are converted to float64 element by element: their
products are then exact in float64 already, and the dd accumulation makes
the residual correct to about float64 precision.  Outputs are float64.

References
----------
T. J. Dekker, "A floating-point technique for extending the available
precision", Numer. Math. 18, 1971.  D. E. Knuth, *TAOCP* vol. 2, 3rd ed.,
Sec. 4.2.2, Theorem B.  T. Ogita, S. M. Rump, S. Oishi, "Accurate sum and dot
product", SIAM J. Sci. Comput. 26(6), 2005, Algorithms 3.1 (TwoSum), 3.2
(Split), 3.3 (TwoProduct) and 5.3 (Dot2).  Y. Hida, X. S. Li, D. H. Bailey,
"Library for double-double and quad-double arithmetic", 2007 (dd_add, dd_mul).
"""

from __future__ import annotations

import numpy as np

from jitla._jit import exact_kernel
from jitla.kernels._registry import register

#: Veltkamp's splitting constant for float64: 2**27 + 1 (53-bit significand
#: split into two 26-bit halves; the sign bit absorbs the missing bit).
SPLITTER = 134217729.0


# --------------------------------------------------------------------------
# error-free transformations (scalar building blocks)
# --------------------------------------------------------------------------
@exact_kernel
def two_sum(a, b):
    """Return ``(s, e)`` with ``s = fl(a + b)`` and ``a + b = s + e`` exactly.

    Knuth's branch-free TwoSum (Ogita-Rump-Oishi 2005, Algorithm 3.1): valid
    for any float64 *a*, *b* barring overflow.  6 flops.
    """
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


@exact_kernel
def fast_two_sum(a, b):
    """Return ``(s, e)`` with ``a + b = s + e`` exactly, provided ``|a| >= |b|`` (or a == 0).

    Dekker's FastTwoSum, 3 flops.  No checks are made on the inputs: with
    ``|a| < |b|`` the error term can be wrong.
    """
    s = a + b
    e = b - (s - a)
    return s, e


@exact_kernel
def split(a):
    """Veltkamp's split: ``a = hi + lo`` exactly, each half with at most 26 significant bits.

    Ogita-Rump-Oishi 2005, Algorithm 3.2.  Overflows for ``|a| > ~2**996``.
    """
    c = SPLITTER * a
    hi = c - (c - a)
    lo = a - hi
    return hi, lo


@exact_kernel
def two_prod(a, b):
    """Return ``(p, e)`` with ``p = fl(a * b)`` and ``a * b = p + e`` exactly.

    Dekker's TwoProduct without FMA (Ogita-Rump-Oishi 2005, Algorithm 3.3):
    the four partial products of the 26-bit halves are exact, so the error
    of ``p`` is recovered by exact subtractions.  17 flops.  Valid barring
    overflow in :func:`split` and underflow of the error term.
    """
    p = a * b
    ahi, alo = split(a)
    bhi, blo = split(b)
    e = alo * blo - (((p - ahi * bhi) - alo * bhi) - ahi * blo)
    return p, e


@exact_kernel
def dot2_sub(p, s, a, b):
    """One step of Dot2 for ``(p + s) - a b``: returns the new ``(p, s)``.

    ``a b = h + e`` exactly (:func:`two_prod`), ``p - h = p' + q`` exactly
    (:func:`two_sum`), and the error terms ``q - e`` are added to the
    float64 sum *s* (Ogita, Rump & Oishi 2005, Algorithm 5.3, with the
    product subtracted).  The residual kernels accumulate with it.
    """
    h, e = two_prod(a, b)
    p, q = two_sum(p, -h)
    return p, s + (q - e)


@exact_kernel
def dd_add(ahi, alo, bhi, blo):
    """Double-double sum ``(ahi + alo) + (bhi + blo)``, normalised ``(hi, lo)``.

    The accurate ("IEEE") variant of Hida-Li-Bailey: two TwoSums, relative
    error about ``2 * 2**-106`` even under cancellation.  20 flops.
    """
    s, e = two_sum(ahi, bhi)
    t, f = two_sum(alo, blo)
    e += t
    s, e = fast_two_sum(s, e)
    e += f
    return fast_two_sum(s, e)


@exact_kernel
def dd_mul(ahi, alo, bhi, blo):
    """Double-double product ``(ahi + alo) * (bhi + blo)``, normalised ``(hi, lo)``.

    Hida-Li-Bailey's ``dd_mul``: the exact product of the high parts plus
    the cross terms rounded once; relative error about ``4 * 2**-106``.
    24 flops.
    """
    p, e = two_prod(ahi, bhi)
    e += ahi * blo + alo * bhi
    return fast_two_sum(p, e)


# --------------------------------------------------------------------------
# dot product and residuals (registered kernels)
# --------------------------------------------------------------------------
def _dot_example(dtype):
    return np.ones(9, dtype), np.ones(9, dtype)


def _residual_example(dtype):
    return (
        np.ones((4, 3), dtype),
        np.ones((3, 2), dtype),
        np.ones((4, 2), dtype),
        np.zeros((4, 2), dtype),
        np.empty((4, 2), np.float64),
    )


def _residual_t_example(dtype):
    return (
        np.ones((4, 3), dtype),
        np.ones((4, 2), dtype),
        np.ones((3, 2), dtype),
        np.empty((3, 2), np.float64),
    )


@register(
    "dot2",
    "serial",
    "compensated dot product (Ogita-Rump-Oishi Dot2): as if in twice the precision",
    flops=lambda n: 25.0 * n,
    example=_dot_example,
)
@exact_kernel
def dot2(x, y):
    """Return ``x @ y`` computed as if in double-double, as a pair ``(hi, lo)``.

    Parameters
    ----------
    x, y : (n,) float64 or float32 ndarray
        No checks are made on the inputs (equal lengths assumed).

    Returns
    -------
    hi, lo : float
        ``hi = fl(hi + lo)`` and ``hi + lo`` approximates ``x @ y`` with
        ``|hi + lo - x @ y| <= eps**2 * |x @ y| + gamma(n)**2 * (|x| @ |y|)``
        (``gamma(n) = n eps / (1 - n eps)``, ``eps = 2**-53``), so ``hi`` is
        correct to about one rounding unless the cancellation exceeds ~1e16.

    Notes
    -----
    Ogita, Rump & Oishi, "Accurate sum and dot product", SIAM J. Sci.
    Comput. 26(6), 2005, Algorithm 5.3 (Dot2), Proposition 5.5 for the bound;
    the final ``p + s`` is returned unrounded, as a TwoSum pair.  25n flops
    (TwoProduct 17, TwoSum 6, two adds), no workspace.  No FMA (module notes).
    """
    # p carries the running sum, s the (rounded) sum of all the error terms
    p = 0.0
    s = 0.0
    for i in range(x.shape[0]):
        h, r = two_prod(np.float64(x[i]), np.float64(y[i]))
        p, q = two_sum(p, h)
        s += q + r
    return two_sum(p, s)


@register(
    "dd_residual",
    "serial",
    "R = B - C - A @ X with each entry accumulated in double-double (Dot2)",
    flops=lambda m, n, k: 25.0 * m * n * k,
    example=_residual_example,
)
@exact_kernel
def dd_residual(A, X, B, C, R):
    """``R = B - C - A @ X`` with every entry accumulated in double-double, rounded once.

    Parameters
    ----------
    A : (m, n) float64 or float32 ndarray
    X : (n, k) ndarray, same dtype as A
    B, C : (m, k) ndarrays, same dtype as A
        Pass zeros for C when there is nothing to subtract.  (The first block
        row of Bjorck's augmented least-squares system needs ``b - r - A x``.)
    R : (m, k) float64 ndarray
        Overwritten with the result.  May not alias the inputs.

    Returns
    -------
    int
        0 (status; this kernel cannot fail).

    Notes
    -----
    Each ``R[i, c]`` is the Dot2 sum (Ogita-Rump-Oishi 2005, Algorithm 5.3)
    of the ``n + 2`` terms ``B[i, c], -C[i, c], -A[i, j] X[j, c]``: the
    products are split exactly by :func:`two_prod`, the running sums by
    :func:`two_sum`, and the error terms summed in float64.  The result is
    as accurate as if computed in double-double and then rounded to
    float64, which is what mixed-precision iterative refinement needs
    (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.,
    Sec. 12.1).  Loop order i, j, c keeps the rows of X unit-stride; the
    running sums of one row of R live in ``R[i]`` and a k-vector workspace.

    Flops about 25mnk; workspace k float64.  No checks are made on the
    inputs.  No FMA (module notes).
    """
    m, n = A.shape
    k = X.shape[1]
    s = np.empty(k, dtype=np.float64)
    for i in range(m):
        for c in range(k):
            p, q = two_sum(np.float64(B[i, c]), -np.float64(C[i, c]))
            R[i, c] = p
            s[c] = q
        for j in range(n):
            a = np.float64(A[i, j])
            for c in range(k):
                R[i, c], s[c] = dot2_sub(R[i, c], s[c], a, np.float64(X[j, c]))
        for c in range(k):
            R[i, c] = R[i, c] + s[c]
    return 0


@register(
    "dd_residual_t",
    "serial",
    "R = B - A.T @ Y with each entry accumulated in double-double (Dot2)",
    flops=lambda m, n, k: 25.0 * m * n * k,
    example=_residual_t_example,
)
@exact_kernel
def dd_residual_t(A, Y, B, R):
    """``R = B - A.T @ Y`` with every entry accumulated in double-double, rounded once.

    Parameters
    ----------
    A : (m, n) float64 or float32 ndarray
        Used transposed, read row by row (no transposed copy).
    Y : (m, k) ndarray, same dtype as A
    B : (n, k) ndarray, same dtype as A
    R : (n, k) float64 ndarray
        Overwritten with the result.  May not alias the inputs.

    Returns
    -------
    int
        0 (status; this kernel cannot fail).

    Notes
    -----
    The same Dot2 accumulation as :func:`dd_residual` (Ogita-Rump-Oishi
    2005, Algorithm 5.3), with all n x k running sums kept at once (in R and
    an n x k workspace) so that A is read once, row after row, unit-stride.
    Flops about 25mnk; workspace n*k float64.  No checks are made on the
    inputs.  No FMA (module notes).
    """
    m, n = A.shape
    k = Y.shape[1]
    s = np.zeros((n, k), dtype=np.float64)
    for j in range(n):
        for c in range(k):
            R[j, c] = np.float64(B[j, c])
    for i in range(m):
        for j in range(n):
            a = np.float64(A[i, j])
            for c in range(k):
                R[j, c], s[j, c] = dot2_sub(R[j, c], s[j, c], a, np.float64(Y[i, c]))
    for j in range(n):
        for c in range(k):
            R[j, c] = R[j, c] + s[j, c]
    return 0
