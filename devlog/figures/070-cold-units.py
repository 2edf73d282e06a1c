# per compile unit (dispatcher compile or out-of-line entry) of cold statements: self CPU split into
# Numba type inference, lowering, LLVM optimisation, LLVM emission and the other passes.
# usage: PYTHONPATH=$PWD python devlog/figures/070-cold-units.py svd   (names from jitla.profiling.coldstart.CALLS)
# per compile unit (dispatcher compile / out-of-line entry): self CPU split by Numba pass and LLVM
import os, sys, tempfile, time, collections
os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp()
import numpy as np
from numba.core import compiler_machinery as cm, event as ev
from llvmlite.binding import newpassmanagers as npm
from numba.core import codegen as cg
units=[]   # stack of unit names
_RES=collections.defaultdict(collections.Counter)
stack=[]
def timed(key, f):
    def g(*a, **k):
        stack.append([time.process_time(),0.0])
        try: return f(*a, **k)
        finally:
            t0,ch=stack.pop(); dt=time.process_time()-t0
            if stack: stack[-1][1]+=dt
            _RES[units[-1] if units else "?"][key(*a)]+=dt-ch
    return g
short={"nopython_type_inference":"type","native_lowering":"lower"}
cm.PassManager._runPass=timed(lambda self,i,pss,st: short.get(pss if isinstance(pss,str) else pss.name(),"otherpass"), cm.PassManager._runPass)
npm.ModulePassManager.run=timed(lambda *a: "llvm_opt", npm.ModulePassManager.run)
npm.FunctionPassManager.run=timed(lambda *a: "llvm_opt", npm.FunctionPassManager.run)
cg.CPUCodeLibrary._finalize_final_module=timed(lambda *a: "llvm_emit", cg.CPUCodeLibrary._finalize_final_module)
class L(ev.Listener):
    def on_start(self, e):
        f=e.data["dispatcher"].py_func; units.append(str(f.__module__).split(".")[-1]+"."+f.__qualname__+":"+str(f.__code__.co_firstlineno)+f.__code__.co_filename[-30:])
    def on_end(self, e): units.pop()
ev.register("numba:compile", L())
import jitla._jit as J
orig=J._compile_entry
def wrapped(disp, argtypes):
    f=disp.py_func; units.append("ENTRY "+f.__module__.split('.')[-1]+'.'+f.__name__)
    try: return orig(disp, argtypes)
    finally: units.pop()
J._compile_entry=wrapped
import jitla.linalg, jitla.regression
from jitla.profiling.coldstart import CALLS
rng=np.random.default_rng(0); n=200; m=1000; p=10
t=time.process_time()
for stmt in sys.argv[1:]:
    if stmt in CALLS:
        setup, call = CALLS[stmt]; exec(setup); stmt=call
    exec(stmt)
T=time.process_time()-t
cols=["type","lower","llvm_opt","llvm_emit","otherpass"]
agg=collections.defaultdict(collections.Counter)
for u,c in _RES.items():
    key=u
    agg[key].update(c)
print(f"calls {T:.2f}; accounted {sum(sum(c.values()) for c in _RES.values()):.2f}")
print(f"{'unit':40s} total " + " ".join(f"{c:>9s}" for c in cols))
tot=collections.Counter()
for u,c in sorted(agg.items(), key=lambda kv:-sum(kv[1].values()))[:40]:
    tot.update(c)
    print(f"{u[:40]:40s} {sum(c.values()):5.2f} " + " ".join(f"{c[k]:9.2f}" for k in cols))
all_=collections.Counter()
for c in _RES.values(): all_.update(c)
print(f"{'ALL':40s} {sum(all_.values()):5.2f} " + " ".join(f"{all_[k]:9.2f}" for k in cols))
