"""The branch-free exp and log of the GLM kernels against numpy's (libm-accurate) ones.

Tolerances: 2 ulp for exp, 1 ulp for log (Cody-Waite / fdlibm algorithms);
special values exactly as documented in jitla.kernels._vmath.
"""

import numpy as np

from jitla._jit import kernel
from jitla.kernels._vmath import vexp, vlog


@kernel
def _apply(x, out, which):
    for i in range(x.shape[0]):
        out[i] = vexp(x[i]) if which == 0 else vlog(x[i])
    return 0


def _run(x, which):
    out = np.empty_like(x)
    x0 = x.copy()
    _apply(x, out, which)
    np.testing.assert_array_equal(x, x0)
    return out


def test_vexp_within_two_ulp_and_its_special_values():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-708.0, 709.78, 3000), rng.uniform(-1.0, 1.0, 1000), [0.0, 1.0, -1.0]])
    got, want = _run(x, 0), np.exp(x)
    assert np.max(np.abs(got - want) / np.spacing(want)) <= 2.0
    special = np.array([709.79, 1e308, np.inf, -708.5, -1e308, -np.inf, np.nan])
    got = _run(special, 0)
    np.testing.assert_array_equal(got[:3], np.inf)
    np.testing.assert_array_equal(got[3:6], 0.0)  # documented: 0 below -708
    assert np.isnan(got[6])


def test_vlog_within_one_ulp_and_its_special_values():
    rng = np.random.default_rng(1)
    wide = np.exp(rng.uniform(-700.0, 700.0, 3000))
    x = np.concatenate([wide, rng.uniform(0.5, 2.0, 1000), [1e-310, 5e-324]])
    got, want = _run(x, 1), np.log(x)
    nz = want != 0
    assert np.max(np.abs(got[nz] - want[nz]) / np.spacing(np.abs(want[nz]))) <= 1.0
    assert _run(np.array([1.0]), 1)[0] == 0.0
    got = _run(np.array([0.0, np.inf, -1.0, np.nan]), 1)
    assert got[0] == -np.inf and got[1] == np.inf
    assert np.isnan(got[2]) and np.isnan(got[3])
