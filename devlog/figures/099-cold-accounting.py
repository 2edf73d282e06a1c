# per-key CPU of a cold run (self time: each timed region minus the timed regions inside it); keys: Numba passes, LLVM calls, lowering pieces, GC generations. PYTHONPATH=$PWD python devlog/figures/099-cold-accounting.py [calls...]
import collections
import os
import sys
import tempfile
import time

os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp()
import llvmlite.binding as llb
import numpy as np
from llvmlite import ir as lir
from llvmlite.binding import newpassmanagers as npm
from numba.core import (
    base,
    caching,
    compiler,
    dispatcher,
    lowering,
    typeinfer,
)
from numba.core import (
    codegen as cg,
)
from numba.core import (
    compiler_machinery as cm,
)
from numba.core.typing import context as tctx

RES = collections.Counter()
CNT = collections.Counter()
stack = []


class _Frame:
    """One timed region on the stack: its start and the CPU of the timed regions inside it."""

    def __init__(self):
        self.start, self.inner = time.process_time(), 0.0


def timed(key, f):
    """*f* counting its self CPU (minus the timed regions inside it) under *key* (a string, or a function of f's arguments)."""

    def g(*a, **k):
        frame = _Frame()
        stack.append(frame)
        try:
            return f(*a, **k)
        finally:
            stack.pop()
            spent = time.process_time() - frame.start
            if stack:
                stack[-1].inner += spent
            name = key(*a) if callable(key) else key
            RES[name] += spent - frame.inner
            CNT[name] += 1

    return g


def W(obj, name, key=None):
    setattr(obj, name, timed(key or f"{getattr(obj, '__name__', obj)}.{name}", getattr(obj, name)))


cm.PassManager._runPass = timed(
    lambda self, i, pss, st: "pass:" + (pss if isinstance(pss, str) else pss.name()), cm.PassManager._runPass
)
W(npm.ModulePassManager, "run", "llvm_mod_opt")
W(npm.FunctionPassManager, "run", "llvm_fn_opt")
W(cg.CPUCodeLibrary, "_finalize_final_module", "llvm_emit")
W(caching.Cache, "save_overload", "cache_save")
W(caching.Cache, "load_overload", "cache_load")
W(dispatcher.Dispatcher, "_compile_for_args", "dispatch_compile_for_args")
W(dispatcher.Dispatcher, "compile", "Dispatcher.compile")
W(dispatcher.Dispatcher, "add_overload")
W(base.BaseContext, "refresh", "target.refresh")
W(base.BaseContext, "get_abi_sizeof")
W(base.BaseContext, "get_abi_alignment")
W(base.BaseContext, "get_preferred_array_alignment")
W(tctx.BaseContext, "refresh", "typing.refresh")
W(compiler, "compile_extra")
W(cm.PassManager, "run", "PassManager.run")
W(compiler.CompilerBase, "_compile_core")
W(cg.CPUCodeLibrary, "add_ir_module")
W(cg.CPUCodeLibrary, "finalize")
W(cg.JITCodeLibrary, "get_pointer_to_function")
W(llb, "parse_assembly")
W(llb.ModuleRef, "link_in")
W(lir.Module, "__str__", "llvmlite.ir.Module.__str__")
W(lowering.BaseLower, "lower")
W(lowering.Lower, "create_cpython_wrapper")
W(typeinfer.TypeInferer, "propagate")
import jitla._jit as J

W(J, "_compile_entry")
W(dispatcher._DispatcherBase, "get_call_template")
import gc

GCT = collections.Counter()
_g = [0]


def cb(phase, info):
    if phase == "start":
        _g[0] = time.process_time()
    else:
        GCT[info["generation"]] += time.process_time() - _g[0]
        GCT[("n", info["generation"])] += 1
        if stack:
            stack[-1].inner += time.process_time() - _g[0]
        RES["gc%d" % info["generation"]] += time.process_time() - _g[0]
        CNT["gc%d" % info["generation"]] += 1
        print("GC", info, round(time.process_time() - _g[0], 3), len(stack)) if time.process_time() - _g[
            0
        ] > 0.02 else None


gc.callbacks.append(cb)
import jitla.linalg  # noqa: F401  (the calls are exec'd)
import jitla.regression  # noqa: F401
from jitla.profiling.coldstart import CALLS

rng = np.random.default_rng(0)
n = 200
m = 1000
p = 10
t = time.process_time()
names = sys.argv[1:] or list(CALLS)
for stmt in names:
    t1 = time.process_time()
    setup, call = CALLS[stmt]
    exec(setup)
    exec(call)
    print(f"{stmt:20s} {time.process_time() - t1:6.2f}", flush=True)
T = time.process_time() - t
print(f"calls {T:.2f}; accounted {sum(RES.values()):.2f}")
for k, v in RES.most_common(45):
    print(f"{k:50s} {v:6.2f} {CNT[k]:6d}")
