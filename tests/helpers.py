"""Tolerances, generators and assertion helpers shared by the jitla tests.

Import them by name from any test directory (``from helpers import tol``):
``tests/`` is on pytest's ``pythonpath``, as is :mod:`naive`.

Tolerances
----------
A float product of length k computed in precision ``eps`` has error at most
``gamma_k * (|A| @ |B|)`` per entry, ``gamma_k ~ k * eps / 2`` (Higham,
*Accuracy and Stability of Numerical Algorithms*, 2nd ed., Sec. 3.5).  The
helpers below therefore use ``rtol = c * (k + 3) * eps`` (the ``+ 3``
covers the scaling by alpha, the update of C and the rounding of the
reference) and an ``atol`` of the same size times the scale of
``|alpha| |A| @ |B| + |C|``, so that entries that cancel to nearly zero are
judged against the size of the terms that produced them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: The two dtypes the kernels compute in.
FLOAT_DTYPES = (np.float64, np.float32)


def eps(dtype) -> float:
    """Machine epsilon of *dtype* (2**-52 for float64, 2**-23 for float32)."""
    return float(np.finfo(dtype).eps)


def tol(dtype, k: int, *, scale: float = 1.0, c: float = 2.0) -> dict[str, float]:
    """``rtol``/``atol`` for a length-*k* inner product in *dtype*.

    ``rtol = c * (k + 3) * eps(dtype)`` and ``atol = rtol * scale``, where
    *scale* is the magnitude of the terms (e.g. ``max(|A| @ |B|)``).
    Pass the result as ``np.testing.assert_allclose(x, y, **tol(...))``.
    """
    rtol = c * (int(k) + 3) * eps(dtype)
    return {"rtol": rtol, "atol": rtol * float(scale)}


def product_scale(A, B, alpha=1.0, C0=None) -> float:
    """``max(|alpha| |A| @ |B| + |C0|)`` in float64 (1.0 for empty results)."""
    A = np.abs(np.asarray(A, dtype=np.float64))
    B = np.abs(np.asarray(B, dtype=np.float64))
    bound = abs(float(alpha)) * (A @ B)
    if C0 is not None:
        bound = bound + np.abs(np.asarray(C0, dtype=np.float64))
    bound = np.asarray(bound)
    return float(bound.max()) if bound.size and bound.max() > 0 else 1.0


def assert_product_close(actual, expected, A, B, dtype, *, alpha=1.0, C0=None, c: float = 2.0) -> None:
    """Assert ``actual`` matches ``expected = C0 + alpha * A @ B`` to k*eps accuracy.

    *A* and *B* are the operands (stacks allowed), *dtype* the precision the
    kernel computed in.  Shapes must match exactly (no broadcasting).
    """
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape}"
    k = np.asarray(A).shape[-1]
    t = tol(dtype, k, scale=product_scale(A, B, alpha, C0), c=c)
    np.testing.assert_allclose(actual, expected, rtol=t["rtol"], atol=t["atol"])


def random_matrix(rng, shape, dtype=np.float64) -> np.ndarray:
    """Uniform(-1, 1) entries, C-contiguous, of *dtype*."""
    return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)


def random_int_matrix(rng, shape, dtype=np.float64, bound: int = 8) -> np.ndarray:
    """Integer-valued entries in ``[-bound, bound]``: products of these are exact in float32/64."""
    return rng.integers(-bound, bound + 1, size=shape).astype(dtype)


def has_avx512() -> bool:
    """True when /proc/cpuinfo lists avx512f (the micro-kernel then uses zmm registers)."""
    try:
        return " avx512f" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
