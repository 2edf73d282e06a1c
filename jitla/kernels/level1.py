"""Level-1 building blocks shared by the kernel families, named once.

As BLIS lists its level-1v kernels, the pieces several factorisations need
live here rather than as private copies in each family:

* :func:`dot` -- ``x . y`` with vector-wide partial sums, deterministic;
* :func:`rot` -- apply a plane rotation to two vectors (BLAS ``drot``);
* :func:`givens` -- the rotation that zeroes the second entry of a pair
  (BLAS ``drotg``, without its ``z`` output);
* :func:`jacobi_angle` -- the rotation that diagonalises a symmetric 2 x 2
  matrix (Golub & Van Loan's ``symSchur2``);
* :func:`round_up` -- ``x`` rounded up to a multiple of ``r``.

Sign convention of every rotation in jitla (BLAS's)::

    [x']   [ c  s] [x]        x' = c x + s y
    [y'] = [-s  c] [y],       y' = c y - s x

so ``givens(f, g)`` returns ``(c, s, r)`` with ``rot`` taking ``(f, g)`` to
``(r, 0)``.  A rotation written the other way round, ``x' = c x - s y``, is
``rot(x, y, c, -s)``; :func:`jacobi_angle` returns its ``s`` in this
convention already.  No checks are made on the inputs.
"""

from __future__ import annotations

import math

from jitla._jit import kernel, vector_kernel
from jitla.kernels._tile import register_tile

__all__ = ["dot", "givens", "jacobi_angle", "rot", "round_up"]


@vector_kernel
def dot(x, y):
    """``x . y`` for 1-D arrays of equal length, with 2 vector registers of partial sums.

    Sixteen (float64) or thirty-two (float32) running sums, combined at the
    end in a fixed order: SLP keeps them in two registers, and the result is
    the same on every run (no reassociation flag is needed).  Its rounding
    differs from a left-to-right sum by O(n eps), as any blocked sum's does.
    Flops 2n; no workspace.
    """
    acc = register_tile(x, 1, 2)
    W = acc.shape[1]
    n = x.shape[0]
    for j in range(W):
        acc[0, j] = 0
    nb = n - n % W
    for i in range(0, nb, W):
        for j in range(W):
            acc[0, j] += x[i + j] * y[i + j]
    s = x.dtype.type(0)
    for j in range(W):
        s += acc[0, j]
    for i in range(nb, n):
        s += x[i] * y[i]
    return s


@kernel
def rot(x, y, c, s):
    """``x, y <- c x + s y, c y - s x`` in place (BLAS ``drot``; 6 flops per entry)."""
    for j in range(x.shape[0]):
        a = x[j]
        b = y[j]
        x[j] = c * a + s * b
        y[j] = c * b - s * a


@kernel
def givens(f, g):
    """``(c, s, r)`` with ``c f + s g = r`` and ``-s f + c g = 0``, ``r = hypot(f, g)``.

    Golub & Van Loan, 4th ed., Sec. 5.1.8, in the sign convention above;
    ``r >= 0``, so c has the sign of f.  ``g = 0`` gives the identity and
    ``r = f``.  ``r`` is ``sqrt(f^2 + g^2)`` where the squares cannot
    over- or underflow (``max(|f|, |g|)`` in 1e-150 .. 1e150), else libm's
    ``hypot``, which is several times slower than one square root and was
    most of the time of the bidiagonal QR's chase (devlog 022).
    """
    if g == 0:
        return 1.0, 0.0, f
    a = max(abs(f), abs(g))
    if 1e-150 < a < 1e150:
        r = math.sqrt(f * f + g * g)
    else:
        r = math.hypot(f, g)
    return f / r, g / r, r


@kernel
def jacobi_angle(alpha, beta, gamma):
    """``(t, c, s)``: ``rot(x, y, c, s)`` diagonalises ``[[alpha, gamma], [gamma, beta]]``.

    Rutishauser's formulas (Golub & Van Loan, 4th ed., Alg. 8.5.1
    ``symSchur2``): ``zeta = (beta - alpha) / (2 gamma)``, ``t = sign(zeta) /
    (|zeta| + sqrt(1 + zeta^2))`` -- the smaller root, |t| <= 1, so the
    angle is at most pi/4 --, ``c = 1 / sqrt(1 + t^2)``; for huge |zeta|,
    ``t = 1 / (2 zeta)`` avoids overflow.  The book's rotation is
    ``x' = c x - (c t) y``, so ``s = -c t`` here.  The new diagonal is
    ``(alpha - t gamma, beta + t gamma)``.  *gamma* must be nonzero.
    """
    zeta = (beta - alpha) / (2 * gamma)
    if abs(zeta) > 1e150:
        t = 1 / (2 * zeta)
    else:
        t = math.copysign(1.0, zeta) / (abs(zeta) + math.sqrt(1 + zeta * zeta))
    c = 1 / math.sqrt(1 + t * t)
    return t, c, -(c * t)


@kernel
def round_up(x, r):
    """The smallest multiple of *r* that is ``>= x`` (x >= 0, r > 0)."""
    return (x + r - 1) // r * r
