# hashes: each call's result (repr of arrays' bytes) and the object code text of every live code library
import gc
import hashlib
import os
import sys
import tempfile

os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp()
import numpy as np
from numba.core.codegen import JITCodeLibrary

from jitla.profiling.asm import _elf_text
import jitla.linalg  # noqa: F401  (the calls are exec'd)
import jitla.regression  # noqa: F401
from jitla.profiling.coldstart import CALLS

rng = np.random.default_rng(0)
n = 200
m = 1000
p = 10


def digest(v, h):
    if isinstance(v, np.ndarray):
        h.update(v.tobytes())
    elif isinstance(v, (tuple, list)):
        for x in v:
            digest(x, h)
    elif hasattr(v, "__dict__"):
        for k in sorted(vars(v)):
            x = vars(v)[k]
            if isinstance(x, (np.ndarray, tuple, list, float, int)):
                digest(x, h)
    else:
        h.update(repr(v).encode())


for stmt in sys.argv[1:] or list(CALLS):
    setup, call = CALLS[stmt]
    exec(setup)
    r = eval(call)
    if stmt == "summary()":
        r = "\n".join(l for l in str(r).splitlines() if ":" not in l or ("Date" not in l and "Time" not in l))
    h = hashlib.sha256()
    digest(r, h)
    print("result", stmt, h.hexdigest()[:16])
items = []
for o in gc.get_objects():
    if type(o) is JITCodeLibrary:
        try:
            items.append((o.name, hashlib.sha256(_elf_text(o._get_compiled_object())).hexdigest()[:16]))
        except Exception:
            pass
items.sort()
print("libraries", len(items), "all", hashlib.sha256(repr(items).encode()).hexdigest()[:16])
for it in items:
    print("lib", *it)
