"""Hash the machine code of every compiled kernel overload after a representative workload (devlog 102).

Usage: PYTHONPATH=<tree> NUMBA_CACHE_DIR=<empty dir> python 102-machine-code-hash.py out.json
"""
import gc, hashlib, json, sys, warnings
import numpy as np
import numba
import jitla, jitla.linalg as L
from jitla.regression import OLS, LinearRegression, GLM, PoissonRegressor, Ridge, Lasso, LogisticRegression
from jitla.profiling.asm import _elf_text
from jitla import _jit
warnings.simplefilter("ignore")
rng = np.random.default_rng(0)
for dt in (np.float64, np.float32):
    for n in (5, 20, 300):
        A = rng.standard_normal((n, n)).astype(dt)
        jitla.matmul(A, A); jitla.matmul(A.T, A)
A = rng.standard_normal((7, 7)); S = A @ A.T + 7 * np.eye(7); b = rng.standard_normal(7)
L.solve(A, b); L.inv(A); L.det(A); L.cholesky(S); L.qr(A); L.svd(A); L.eigh(S); L.eig(A); L.pinv(A)
X = rng.standard_normal((30, 3)); y = X @ [1., 2, 3] + rng.standard_normal(30)
L.lstsq(X, y)
r = OLS(y, X).fit(); r.bse; r.summary(); r.get_influence().summary_frame()
LinearRegression().fit(X, y); Ridge().fit(X, y); Lasso(alpha=0.1).fit(X, y)
yc = rng.poisson(np.exp(0.2 * X[:, 0])).astype(float)
PoissonRegressor().fit(X, yc); LogisticRegression().fit(X, y > 0)
out = {}
def digest(lib):
    try:
        return hashlib.sha1(_elf_text(getattr(lib, "loaded_object", None) or lib._get_compiled_object())).hexdigest()
    except RuntimeError:
        try:
            return "asm:" + hashlib.sha1(lib.get_asm_str().encode()).hexdigest()
        except Exception as e:
            return "none:" + type(e).__name__
def is_dispatcher(obj):
    try:
        return isinstance(obj, numba.core.dispatcher.Dispatcher)
    except ReferenceError:
        return False
for obj in gc.get_objects():
    if is_dispatcher(obj):
        name = f"{obj.py_func.__module__}.{obj.py_func.__qualname__}/{bool(obj.targetoptions.get('parallel'))}"
        for sig, cres in obj.overloads.items():
            out.setdefault(f"{name}{sig}", []).append(digest(cres.library))
for key, slot in _jit._slots.items():
    if slot.cfunc is not None:
        out[f"slot:{key}"] = [digest(slot.cfunc._library)]
out = {k: sorted(v) for k, v in out.items()}
json.dump(out, open(sys.argv[1], "w"), indent=0, sort_keys=True)
print(len(out), "overloads")
