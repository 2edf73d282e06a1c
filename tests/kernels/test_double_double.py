"""Error-free transformations and double-double residuals (jitla.kernels.double_double).

Oracles: exact rational arithmetic (Fractions, tests/naive.py) and mpmath at
50 digits, never the kernels' own output.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import naive
import numpy as np
import pytest

from jitla.kernels import double_double as dd
from jitla.kernels import get_kernel

EPS = 2.0**-53  # unit roundoff of float64


def _pairs(rng, count=200):
    """Random float64 pairs with exponents spread over +-2**60, both signs."""
    a = rng.uniform(-1, 1, count) * 2.0 ** rng.integers(-60, 60, count)
    b = rng.uniform(-1, 1, count) * 2.0 ** rng.integers(-60, 60, count)
    return list(zip(a.tolist(), b.tolist(), strict=True))


def test_two_sum_is_error_free(rng):
    for a, b in _pairs(rng) + [(1.0, 1e-20), (1e16, 1.0), (-3.0, 3.0), (0.1, 0.2)]:
        s, e = dd.two_sum(a, b)
        assert s == a + b
        assert Fraction(s) + Fraction(e) == Fraction(a) + Fraction(b)


def test_fast_two_sum_is_error_free_when_ordered(rng):
    for a, b in _pairs(rng):
        if abs(a) < abs(b):
            a, b = b, a
        s, e = dd.fast_two_sum(a, b)
        assert s == a + b
        assert Fraction(s) + Fraction(e) == Fraction(a) + Fraction(b)


def test_split_halves_are_exact_and_short(rng):
    for a, _ in _pairs(rng):
        hi, lo = dd.split(a)
        assert Fraction(hi) + Fraction(lo) == Fraction(a)
        # at most 26 significant bits each: their squares are exact in float64
        assert Fraction(hi * hi) == Fraction(hi) ** 2
        assert Fraction(lo * lo) == Fraction(lo) ** 2


def test_two_prod_is_error_free(rng):
    for a, b in _pairs(rng) + [(0.1, 0.3), (1.0 + 2.0**-52, 1.0 - 2.0**-52), (3.0, 7.0)]:
        p, e = dd.two_prod(a, b)
        assert p == a * b
        assert Fraction(p) + Fraction(e) == Fraction(a) * Fraction(b)


def test_two_prod_known_error():
    # (1 + 2**-30)**2 = 1 + 2**-29 + 2**-60: the last term is lost in float64
    a = 1.0 + 2.0**-30
    p, e = dd.two_prod(a, a)
    assert p == 1.0 + 2.0**-29
    assert e == 2.0**-60


def _mp(hi, lo):
    return mpmath.mpf(hi) + mpmath.mpf(lo)


def test_dd_add_and_mul_against_mpmath(rng):
    with mpmath.workdps(50):
        for _ in range(200):
            a_hi, b_hi = rng.uniform(-1, 1, 2) * 2.0 ** rng.integers(-20, 20, 2)
            a_hi, b_hi = float(a_hi), float(b_hi)
            a_lo = float(a_hi * EPS * rng.uniform(-1, 1))
            b_lo = float(b_hi * EPS * rng.uniform(-1, 1))
            a, b = _mp(a_hi, a_lo), _mp(b_hi, b_lo)
            s_hi, s_lo = dd.dd_add(a_hi, a_lo, b_hi, b_lo)
            p_hi, p_lo = dd.dd_mul(a_hi, a_lo, b_hi, b_lo)
            # Hida-Li-Bailey bounds: 2 * 2**-106 (add, relative to |a| + |b|), 4 * 2**-106 (mul)
            assert abs(_mp(s_hi, s_lo) - (a + b)) <= 4 * 2.0**-106 * (abs(a) + abs(b))
            assert abs(_mp(p_hi, p_lo) - a * b) <= 8 * 2.0**-106 * abs(a * b)
            assert abs(s_lo) <= abs(s_hi) * EPS  # normalised
            assert abs(p_lo) <= abs(p_hi) * EPS


def test_dd_add_cancellation_keeps_the_low_part():
    # (1 + 2**-60) - 1 = 2**-60: plain float64 gives 0
    hi, lo = dd.dd_add(1.0, 2.0**-60, -1.0, 0.0)
    assert hi + lo == 2.0**-60
    assert (1.0 + 2.0**-60) - 1.0 == 0.0


def test_dot2_exactly_representable_cancellation():
    x = np.array([1e16, 1.0, -1e16, 0.5])
    y = np.ones(4)
    assert float(x @ y) != 1.5  # plain float64 loses the 1.0
    hi, lo = dd.dot2(x, y)
    assert hi == 1.5 and lo == 0.0


def _adversarial_dot(seed, n=12):
    """x, y whose exact dot product is ~ulp-sized next to terms of 2**80: cond ~1e16-1e17."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n) * 2.0 ** rng.integers(0, 40, n)
    y = rng.uniform(-1, 1, n) * 2.0 ** rng.integers(0, 40, n)
    partial = naive.dot_exact(x[:-1], y[:-1])
    x[-1], y[-1] = -float(partial), 1.0  # cancels all but the rounding error of the partial sum
    return x, y


@pytest.mark.parametrize("seed", range(8))
def test_dot2_adversarial_against_mpmath(seed):
    x, y = _adversarial_dot(seed)
    n = x.size
    with mpmath.workdps(50):
        exact = mpmath.fsum(mpmath.mpf(a) * mpmath.mpf(b) for a, b in zip(x, y, strict=True))
        assert exact != 0
        assert mpmath.mpf(naive.dot_exact(x, y).numerator) / naive.dot_exact(x, y).denominator == exact
        absolute = mpmath.fsum(abs(mpmath.mpf(a) * mpmath.mpf(b)) for a, b in zip(x, y, strict=True))
        cond = absolute / abs(exact)
        assert cond > 1e15
        plain = abs((mpmath.mpf(float(x @ y)) - exact) / exact)
        assert plain > 0.5  # plain float64: not one correct digit
        hi, lo = dd.dot2(x, y)
        err = abs((_mp(hi, lo) - exact) / exact)
        # Ogita-Rump-Oishi 2005, Prop. 5.5: |res - x.y| <= eps |x.y| + gamma_n**2 |x|.|y|
        # (the pair hi + lo is not rounded, so no eps term is needed for it)
        gamma = n * EPS / (1 - n * EPS)
        assert err <= EPS + gamma**2 * cond
        assert err < 1e-13
        # hi alone is the result rounded to float64 (plus that tiny error)
        assert abs((mpmath.mpf(hi) - exact) / exact) <= EPS + 2 * err


def test_dot2_float32_operands_are_exact_products(rng):
    x = rng.uniform(-1, 1, 50).astype(np.float32)
    y = rng.uniform(-1, 1, 50).astype(np.float32)
    hi, lo = dd.dot2(x, y)
    exact = naive.dot_exact(x, y)
    assert abs(Fraction(hi) + Fraction(lo) - exact) <= Fraction(2.0**-100) * abs(exact)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("m", "n", "k"), [(1, 1, 1), (7, 5, 1), (6, 4, 3), (3, 0, 2), (0, 3, 2)])
def test_dd_residual_matches_exact_rounding(rng, dtype, m, n, k):
    A = rng.uniform(-1, 1, (m, n)).astype(dtype)
    X = rng.uniform(-1, 1, (n, k)).astype(dtype)
    # B close to A @ X: the residual is mostly cancellation
    B = (A.astype(np.float64) @ X.astype(np.float64) + 1e-9 * rng.uniform(-1, 1, (m, k))).astype(dtype)
    C = (1e-12 * rng.uniform(-1, 1, (m, k))).astype(dtype)
    R = np.full((m, k), np.nan)
    saved = A.copy(), X.copy(), B.copy(), C.copy()
    assert dd.dd_residual(A, X, B, C, R) == 0
    expected = naive.residual_exact(A, X, B, C)
    scale = np.abs(A.astype(np.float64)) @ np.abs(X.astype(np.float64)) + np.abs(B) + np.abs(C)
    # correctly rounded up to eps**2-sized terms of the magnitudes summed
    np.testing.assert_array_less(np.abs(R - expected), EPS * np.abs(expected) + 1e-28 * scale + 1e-300)
    for before, after in zip(saved, (A, X, B, C), strict=True):
        np.testing.assert_array_equal(before, after)


def test_dd_residual_recovers_what_float64_loses():
    # A x = 1e16 + 1 - 1e16 with the terms in an unlucky order: float64 gives 0
    A = np.array([[1e16, 1.0, -1e16]])
    X = np.ones((3, 1))
    B = np.zeros((1, 1))
    assert (B - A @ X)[0, 0] == 0.0
    R = np.empty((1, 1))
    dd.dd_residual(A, X, B, np.zeros((1, 1)), R)
    assert R[0, 0] == -1.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dd_residual_t_matches_exact_rounding(rng, dtype):
    m, n, k = 9, 4, 2
    A = rng.uniform(-1, 1, (m, n)).astype(dtype)
    Y = rng.uniform(-1, 1, (m, k)).astype(dtype)
    B = (A.astype(np.float64).T @ Y.astype(np.float64) + 1e-10 * rng.uniform(-1, 1, (n, k))).astype(dtype)
    R = np.full((n, k), np.nan)
    assert dd.dd_residual_t(A, Y, B, R) == 0
    expected = naive.residual_exact(A.T.copy(), Y, B)
    scale = np.abs(A.astype(np.float64)).T @ np.abs(Y.astype(np.float64)) + np.abs(B)
    np.testing.assert_array_less(np.abs(R - expected), EPS * np.abs(expected) + 1e-28 * scale)


def test_kernels_are_registered_with_examples():
    for op in ("dot2", "dd_residual", "dd_residual_t"):
        info = get_kernel(op, "serial")
        for dtype in (np.dtype(np.float64), np.dtype(np.float32)):
            info.func(*info.example(dtype))


def test_no_fma_contraction_in_the_double_double_kernels():
    """Compiled without fastmath, the kernels contain no fused multiply-add.

    The control compiles the same two_prod with ``contract`` allowed: on a
    CPU with FMA LLVM then fuses ``a*b - p``, which is exactly what would
    break Dekker's algorithm, so the check is able to fail.
    """
    import numba
    from numba import types

    from jitla.profiling.asm import count_fma, vector_report

    f64 = types.float64
    vec, mat = f64[::1], f64[:, ::1]
    signatures = {
        dd.dot2: (vec, vec),
        dd.dd_residual: (mat, mat, mat, mat, mat),
        dd.dd_residual_t: (mat, mat, mat, mat),
    }
    for kernel, signature in signatures.items():
        report = vector_report(kernel, signature)
        assert sum(report.fma.values()) == 0, (kernel, report.fma)
        assert sum(report.arith.values()) > 0  # the report did see the arithmetic

    assert sum(vector_report(dd.two_prod, (f64, f64)).fma.values()) == 0
    if _cpu_has_fma():
        contracted = numba.njit(fastmath={"contract"}, cache=False)(dd.two_prod.py_func)
        contracted.compile((f64, f64))
        asm = contracted.inspect_asm((f64, f64))
        assert sum(count_fma(asm.splitlines()).values()) > 0


def _cpu_has_fma() -> bool:
    import llvmlite.binding as llvm

    return "+fma" in llvm.get_host_cpu_features().flatten()
