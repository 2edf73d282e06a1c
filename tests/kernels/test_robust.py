"""jitla.kernels.robust: the bisquare M-scale kernel against a bisection on the defining equation."""

from __future__ import annotations

import naive
import numpy as np
import pytest

from jitla.kernels import get_kernel
from jitla.kernels.robust import m_scale_bisquare


@pytest.mark.parametrize("c, b", [(1.547645, 0.5), (2.937, 0.25)])
def test_m_scale_matches_bisection_from_any_start(rng, c, b):
    r = rng.standard_t(3, 57)
    r[:5] = 40.0  # gross outliers count as rho = 1
    ref = naive.m_scale_bisquare(r, c, b)
    for s0 in (1e-3, 1.0, 1e3):
        assert m_scale_bisquare(r, c, b, s0, 1e-14, 10_000) == pytest.approx(ref, rel=1e-12)


def test_m_scale_is_registered_and_leaves_its_input_alone(rng):
    info = get_kernel("m_scale", "bisquare")
    r = rng.standard_normal(31)
    keep = r.copy()
    s = info.func(*info.example(np.float64)[:1], 1.547645, 0.5, 1.0, 1e-12, 500)
    assert s > 0
    info.func(r, 1.547645, 0.5, 1.0, 1e-12, 500)
    np.testing.assert_array_equal(r, keep)
