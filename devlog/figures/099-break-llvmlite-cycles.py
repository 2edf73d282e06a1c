# experiment only (devlog 099 §2, not merged): run as PRE="exec(open('devlog/figures/099-break-llvmlite-cycles.py').read())" with twelve.py
# experiment only: after NativeLowering, break the llvmlite module cycles of the modules it created
from numba.core import codegen as _cg, typed_passes as _tp
from llvmlite import ir as _lir

_stack = []
_cim = _cg.CPUCodeLibrary.create_ir_module


def _create(self, name):
    m = _cim(self, name)
    if _stack:
        _stack[-1].append(m)
    return m


_cg.CPUCodeLibrary.create_ir_module = _create
_run = _tp.NativeLowering.run_pass


def _run_pass(self, state):
    _stack.append([])
    try:
        return _run(self, state)
    finally:
        mods = _stack.pop()
        for m in mods:
            for gv in list(m.globals.values()):
                if isinstance(gv, _lir.Function):
                    for b in gv.blocks:
                        b.instructions = []
                    gv.blocks = []
                    gv.args = ()
            m.globals.clear()


_tp.NativeLowering.run_pass = _run_pass
