"""jitla under ``NUMBA_DISABLE_JIT=1``, Numba's debugging mode: every kernel runs as Python.

The public API runs in a child process with the JIT off and is compared there
with numpy, scipy and statsmodels; in this process the Python stand-ins of
the intrinsics (:func:`jitla._jit.intrinsic`) are compared with the compiled
intrinsics.

Tolerances: the kernels run the same algorithms in Python as compiled, so
float64 results agree with LAPACK's to a few hundred ulp at n <= 8
(``rtol=1e-10``), float32 products to ``k * eps`` (``rtol=1e-5``); the
iterative GLM fit stops on a deviance change of 1e-8 as statsmodels' does
(``rtol=1e-6``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numba
import numpy as np

import jitla
from jitla.kernels import _tile, _vmath

ROOT = Path(jitla.__file__).resolve().parents[1]

_CHILD = r"""
import inspect
import warnings

import numpy as np
import scipy.linalg
import statsmodels.api as sm

import jitla
import jitla.linalg as la
from jitla.kernels import _tile, gemm
from jitla.regression import GLM, OLS, LinearRegression, families

# the JIT is off: kernels and intrinsics are plain Python functions
assert inspect.isfunction(gemm.gemm_small) and inspect.isfunction(_tile.register_tile)
assert jitla.warmup(progress=False) == {}

rng = np.random.default_rng(7)
A = rng.standard_normal((6, 6))
S = A @ A.T + 6 * np.eye(6)
b = rng.standard_normal(6)
X = rng.standard_normal((8, 3))
close = np.testing.assert_allclose

# products: contiguous, transposed (the any-layout entry), float32, complex, tall x wide
close(jitla.matmul(X, X.T), X @ X.T, rtol=1e-10)
close(jitla.matmul(A.T, A[:, :5]), A.T @ A[:, :5], rtol=1e-10)
A32 = A.astype(np.float32)
close(jitla.matmul(A32, A32), A32 @ A32, rtol=1e-5)
Z = A + 1j * A.T
close(jitla.matmul(Z, Z), Z @ Z, rtol=1e-10)
close(la.solve(A, b), np.linalg.solve(A, b), rtol=1e-10)
close(la.inv(A), np.linalg.inv(A), rtol=1e-10)
close(la.det(A), np.linalg.det(A), rtol=1e-10)
close(la.cholesky(S), np.linalg.cholesky(S), rtol=1e-10)
Q, R = la.qr(X)
close(Q @ R, X, rtol=1e-10, atol=1e-12)
close(np.abs(R), np.abs(np.linalg.qr(X)[1]), rtol=1e-10, atol=1e-12)
U, s, Vt = la.svd(A)
close(s, np.linalg.svd(A, compute_uv=False), rtol=1e-10)
close((U * s) @ Vt, A, rtol=1e-10, atol=1e-12)
close(la.eigh(S)[0], np.linalg.eigh(S)[0], rtol=1e-10)
close(np.sort_complex(la.eig(A)[0]), np.sort_complex(np.linalg.eigvals(A)), rtol=1e-10)
y8 = rng.standard_normal(8)
close(la.lstsq(X, y8)[0], np.linalg.lstsq(X, y8)[0], rtol=1e-10)
close(la.pinv(X), np.linalg.pinv(X), rtol=1e-10)
close(la.expm(A / 4), scipy.linalg.expm(A / 4), rtol=1e-10)

# regression: OLS and its results, influence, scikit-learn's estimator, a GLM (vexp / vlog)
Xc = sm.add_constant(rng.standard_normal((30, 2)))
y = Xc @ [1.0, 2.0, -1.0] + rng.standard_normal(30)
fit, ref = OLS(y, Xc).fit(), sm.OLS(y, Xc).fit()
close(fit.params, ref.params, rtol=1e-10)
close(fit.bse, ref.bse, rtol=1e-10)
assert "Least Squares" in str(fit.summary())
frame, ref_frame = fit.get_influence().summary_frame(), ref.get_influence().summary_frame()
close(np.asarray(frame, float), np.asarray(ref_frame, float), rtol=1e-8, atol=1e-12)
model = LinearRegression().fit(Xc[:, 1:], y)
close(model.coef_, ref.params[1:], rtol=1e-10)
close(model.intercept_, ref.params[0], rtol=1e-10)
counts = rng.poisson(np.exp(0.3 + 0.4 * Xc[:, 1])).astype(float)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # statsmodels' own deprecation notices
    ref_glm = sm.GLM(counts, Xc, family=sm.families.Poisson()).fit()
glm = GLM(counts, Xc, families.Poisson()).fit()
close(glm.params, ref_glm.params, rtol=1e-6)
close(glm.bse, ref_glm.bse, rtol=1e-6)
print("ok")
"""


def test_public_api_runs_as_python_with_the_jit_disabled(tmp_path):
    env = {
        **os.environ,
        "NUMBA_DISABLE_JIT": "1",
        "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache"),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_CHILD)], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.strip().endswith("ok")


@numba.njit
def _compiled_intrinsics(a, like, space):
    reg = _tile.register_tile(like, 3, 2)
    strip = _tile.strip_tile(like, 2, 3)
    acc = _tile.gemm_register_tile(like)
    halves = _tile.small_strip_halves()
    return (
        (reg.shape, reg[:1, :1].copy()),
        (strip.shape, strip[:1, :1].copy()),
        (acc.shape, acc[:1, :1].copy()),
        (_tile.strip_chunks(like), halves, _tile.small_wide_halves(), _tile.small_tile_rows(halves, 2)),
        _tile.unit_stride_row(a, 1, 2, 3).copy(),
        _tile.contiguous_view(a).copy(),
        _tile.matrix_view(space, a[:2, 1:4]).copy(),
        (_vmath.float_bits(1.5), _vmath.bits_float(_vmath.float_bits(-0.25))),
    )


def test_python_intrinsics_match_the_compiled_ones():
    a = np.arange(20.0).reshape(4, 5)
    like = np.zeros((1, 1), np.float32)
    space = np.arange(100.0, 112.0)
    compiled = _compiled_intrinsics(a, like, space)
    tiles = (
        _tile.register_tile.python(like, 3, 2),
        _tile.strip_tile.python(like, 2, 3),
        _tile.gemm_register_tile.python(like),
    )
    # tiles: uninitialised, so shape and dtype (the dtype of a copied corner)
    for tile, (shape, corner) in zip(tiles, compiled[:3], strict=True):
        assert tile.shape == shape and tile.dtype == corner.dtype == np.float32
    halves = _tile.small_strip_halves.python()
    literals = (
        _tile.strip_chunks.python(like),
        halves,
        _tile.small_wide_halves.python(),
        _tile.small_tile_rows.python(halves, 2),
    )
    assert literals == compiled[3]
    views = (
        _tile.unit_stride_row.python(a, 1, 2, 3),
        _tile.contiguous_view.python(a),
        _tile.matrix_view.python(space, a[:2, 1:4]),
    )
    for view, want in zip(views, compiled[4:7], strict=True):
        assert np.shares_memory(view, a) or np.shares_memory(view, space)  # views, not copies
        np.testing.assert_array_equal(view, want)
        assert view.dtype == want.dtype
    bits, back = _vmath.float_bits.python(1.5), _vmath.bits_float.python(_vmath.float_bits.python(-0.25))
    assert (bits, back) == compiled[7] and bits.dtype == np.int64 and back == -0.25
