"""What the compiler did: packed FMAs by register width, and the hottest loop.

``dispatcher.inspect_asm()`` only works on code compiled in this process; a
kernel loaded from Numba's disk cache has no assembly to show.  So
:func:`vector_report` compiles a fresh, uncached copy of the kernel's Python
function with the same options (and under
:func:`jitla._jit.vector_codegen` when the kernel is a vector kernel), then
counts in its assembly

* packed FMAs (``vfmadd231pd %zmm...``) by register width: zmm (512-bit),
  ymm (256-bit), xmm (128-bit), and scalar FMAs (``vfmadd...sd/ss``);
* the instructions of the hottest loop, taken to be the innermost loop (a
  label and the backward jump to it, containing no other loop) with the
  most FMAs (then the most other arithmetic);
* the stack loads and stores in that loop (:func:`count_spills`): in a
  micro-kernel they are register spills of the accumulator tile, each one
  an extra load or store per FMA.

Only the kernel's own code is counted: callees that Numba compiled
separately (and did not inline) are not in its assembly.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field

__all__ = [
    "VectorReport",
    "vector_report",
    "count_fma",
    "count_spills",
    "find_loops",
    "machine_code",
    "resolve_kernel",
    "default_signature",
]

# vfmadd231pd, vfnmsub213ss, vfmaddsub132ps, ... (AT&T syntax, as LLVM prints it)
_FMA = re.compile(r"^\s*(v?f(?:n?m(?:add|sub)|maddsub|msubadd)\d*([ps])([sd]))\b\s*(.*)$")
_VECTOR_ARITH = re.compile(r"^\s*(v(?:add|sub|mul|div)([ps])([sd]))\b\s*(.*)$")
_REGISTER = re.compile(r"%([xyz])mm\d+")
_LABEL = re.compile(r"^(\.?[\w.$]+):")
_JUMP = re.compile(r"^\s*j[a-z]+\s+(\.?[\w.$]+)\s*$")
_WIDTH = {"z": "zmm", "y": "ymm", "x": "xmm"}
# a memory operand addressed from the stack or frame pointer: 304(%rsp),
# -8(%rbp) (x86, AT&T) or [sp, #16], [x29, #-8] (aarch64)
_STACK_OPERAND = re.compile(r"\(%[re]?[sb]p\b|\[\s*(?:sp|x29)\b")


def _classify(packed_or_scalar: str, operands: str) -> str:
    """Register kind of an instruction: its widest register if packed, else "scalar"."""
    if packed_or_scalar == "s":
        return "scalar"
    widths = {m for m in _REGISTER.findall(operands)}
    for w in "zyx":
        if w in widths:
            return _WIDTH[w]
    return "xmm"


def count_fma(lines) -> dict[str, int]:
    """Count FMA instructions by kind: ``{"zmm", "ymm", "xmm", "scalar"}``.

    Parameters
    ----------
    lines : iterable of str
        Assembly lines (AT&T syntax).

    Returns
    -------
    dict
        Packed FMAs by the width of their widest register operand, and
        scalar (``...sd`` / ``...ss``) FMAs.

    Examples
    --------
    >>> count_fma(["vfmadd231pd %zmm1, %zmm2, %zmm3", "vfmadd213sd %xmm1, %xmm2, %xmm0"])
    {'zmm': 1, 'ymm': 0, 'xmm': 0, 'scalar': 1}
    """
    counts = Counter({"zmm": 0, "ymm": 0, "xmm": 0, "scalar": 0})
    for line in lines:
        match = _FMA.match(line)
        if match:
            counts[_classify(match[2], match[4])] += 1
    return dict(counts)


def count_spills(lines) -> int:
    """Count instructions that load from or store to the stack.

    In a loop that only works on registers and its operands' arrays, a
    memory operand on ``%rsp`` / ``%rbp`` (or aarch64 ``sp`` / ``x29``) is
    a register spill or reload.  Address arithmetic (``lea``) and
    ``push``/``pop`` are not counted.

    Examples
    --------
    >>> count_spills(["vmovupd %ymm14, 304(%rsp)", "vfmadd231pd %ymm1, %ymm2, %ymm3", "leaq 8(%rsp), %rax"])
    1
    """
    count = 0
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if not text or text.startswith(("lea", "push", "pop")):
            continue
        if _STACK_OPERAND.search(text):
            count += 1
    return count


def _count_arith(lines) -> dict[str, int]:
    counts = Counter({"zmm": 0, "ymm": 0, "xmm": 0, "scalar": 0})
    for line in lines:
        match = _VECTOR_ARITH.match(line)
        if match:
            counts[_classify(match[2], match[4])] += 1
    return dict(counts)


def _instructions(lines) -> list[str]:
    """Instruction lines only (no labels, directives or comments)."""
    out = []
    for line in lines:
        text = line.split("#", 1)[0].rstrip()
        stripped = text.strip()
        if not stripped or stripped.startswith(".") or _LABEL.match(stripped):
            continue
        out.append(stripped)
    return out


def find_loops(lines: list[str]) -> list[tuple[int, int, str]]:
    """Loops in assembly: ``(start, end, label)`` for each backward jump.

    A loop runs from the line of a label to a later jump to that label
    (inclusive), in the order LLVM laid the blocks out.
    """
    labels = {}
    loops = []
    for i, line in enumerate(lines):
        match = _LABEL.match(line.strip())
        if match:
            labels[match[1]] = i
            continue
        jump = _JUMP.match(line.split("#", 1)[0])
        if jump and jump[1] in labels:
            loops.append((labels[jump[1]], i, jump[1]))
    return loops


def _innermost(loops: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The loops that contain no other loop."""
    return [
        outer
        for outer in loops
        if not any(inner != outer and outer[0] <= inner[0] and inner[1] <= outer[1] for inner in loops)
    ]


def _kernel_functions(asm: str) -> list[str]:
    """Lines of the kernel's own functions (not the CPython / cfunc wrappers or NRT helpers)."""
    keep, out = False, []
    for line in asm.splitlines():
        match = _LABEL.match(line)
        if match and not line.startswith((" ", "\t", ".L")):
            name = match[1]
            keep = not (name.startswith(("_ZN7cpython", "cfunc.", "NRT_")) or name.startswith("."))
        if keep:
            out.append(line)
    return out


@dataclass(frozen=True)
class VectorReport:
    """Vectorisation report of one compiled kernel.

    Attributes
    ----------
    kernel : str
        Qualified name of the kernel.
    signature : str
    cpu : str
        LLVM's name for the target CPU.
    fma : dict
        FMAs in the whole kernel: ``{"zmm", "ymm", "xmm", "scalar"}``.
    arith : dict
        Non-fused vector/scalar add, sub, mul, div by the same kinds.
    hot_loop : list of str
        Instructions of the hottest loop: the innermost loop with the most
        FMAs (then the most other arithmetic).
    hot_loop_fma : dict
        FMAs in that loop.
    instructions : int
        Instructions in the kernel's own code.
    hot_loop_spills : int
        Stack loads/stores in the hottest loop (:func:`count_spills`).
    """

    kernel: str
    signature: str
    cpu: str
    fma: dict
    arith: dict
    hot_loop: list[str] = field(default_factory=list)
    hot_loop_fma: dict = field(default_factory=dict)
    instructions: int = 0
    hot_loop_spills: int = 0

    @property
    def widest(self) -> str | None:
        """The widest register kind that carries packed FMAs ("zmm", ...), or None."""
        return next((w for w in ("zmm", "ymm", "xmm") if self.fma.get(w)), None)

    @property
    def verdict(self) -> str:
        """One line: how the kernel's FMAs were compiled."""
        bits = {"zmm": 512, "ymm": 256, "xmm": 128}
        if self.widest:
            what = f"packed FMA on {self.widest} ({bits[self.widest]}-bit registers)"
        elif self.fma.get("scalar"):
            what = "scalar FMA only: the loops were not vectorised"
        else:
            what = "no FMA instructions"
        if not self.hot_loop:
            return what
        if self.hot_loop_spills:
            return (
                f"{what}; hottest loop has {self.hot_loop_spills} stack loads/stores "
                "(register spills: the tile does not fit the registers)"
            )
        return f"{what}; no register spills in the hottest loop"

    def as_dict(self) -> dict:
        """Return the report as a JSON-ready dict (with ``verdict``)."""
        return {**asdict(self), "verdict": self.verdict}


def _elf_text(obj: bytes) -> bytes:
    """The bytes of the executable sections of a little-endian ELF64 object, in order."""
    import struct

    if obj[:4] != b"\x7fELF" or obj[4] != 2 or obj[5] != 1:
        raise ValueError("not a little-endian ELF64 object")
    (shoff,) = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    out = []
    for i in range(shnum):
        _, kind, flags, _, offset, size = struct.unpack_from("<IIQQQQ", obj, shoff + i * shentsize)
        if kind == 1 and flags & 0x4:  # SHT_PROGBITS with SHF_EXECINSTR
            out.append(obj[offset : offset + size])
    return b"".join(out)


def machine_code(dispatcher, signature=None) -> bytes:
    """The machine code Numba holds for one compiled overload of *dispatcher*.

    The executable sections of the overload's object code: the bytes that
    run, whether the overload was compiled in this process (directly or as
    the callee of another kernel) or loaded from Numba's disk cache, which
    stores exactly this object code.  Symbol names and relocation targets
    are not included (they live in other sections), so two overloads
    compiled from the same IR with the same settings give the same bytes.

    Parameters
    ----------
    dispatcher : numba dispatcher
    signature : tuple of numba types, optional
        Default: the dispatcher's first compiled signature.

    Raises
    ------
    ValueError
        If the object code is not ELF64 (macOS and Windows objects are not read).
    """
    sig = tuple(signature) if signature is not None else tuple(dispatcher.signatures[0])
    library = dispatcher.overloads[sig].library
    return _elf_text(library._get_compiled_object())


def resolve_kernel(name_or_dispatcher):
    """Return ``(qualified_name, dispatcher)`` for a dispatcher or a name.

    Names: a function of :mod:`jitla.kernels.gemm` (``"micro_kernel"``,
    ``"gemm_packed"``, ...), a registry key ``"op/variant"`` (``"gemm/packed"``),
    a gemm variant (``"packed"``), or ``"module:function"``.
    """
    import importlib

    from jitla.kernels import get_kernel, registry

    if not isinstance(name_or_dispatcher, str):
        d = name_or_dispatcher
        return f"{d.py_func.__module__}.{d.py_func.__qualname__}", d
    name = name_or_dispatcher
    if ":" in name:
        module, attr = name.split(":", 1)
        d = getattr(importlib.import_module(module), attr)
    elif "/" in name:
        d = get_kernel(*name.split("/", 1)).func
    else:
        from jitla.kernels import gemm

        d = getattr(gemm, name, None)
        if d is None and name in [k.variant for k in registry("gemm")]:
            d = get_kernel("gemm", name).func
        if d is None or not hasattr(d, "py_func"):
            raise ValueError(
                f"unknown kernel {name!r}: give a jitla.kernels.gemm function, "
                "'op/variant' or 'module:function'"
            )
    return f"{d.py_func.__module__}.{d.py_func.__qualname__}", d


def default_signature(name: str, dispatcher, dtype="float64") -> tuple:
    """A signature to compile *dispatcher* with, when the caller gives none.

    The micro-kernel's is ``(int64, dtype[::1], dtype[::1], dtype[:, :],
    int64, int64, int64, int64)``; a registered gemm kernel's is the one
    :func:`jitla.matmul` uses (C-contiguous operands, scalar alpha, block
    tuple, thread count); otherwise the first signature the dispatcher has
    already compiled.
    """
    import numpy as np
    from numba import types
    from numba.np.numpy_support import from_dtype

    from jitla.kernels import registry

    t = from_dtype(np.dtype(dtype))
    i64 = types.int64
    short = name.rsplit(".", 1)[-1]
    if short == "micro_kernel":
        return (i64, t[::1], t[::1], t[:, :], i64, i64, i64, i64)
    for info in registry("gemm"):
        if info.func is dispatcher:
            extra = {"blocks": types.UniTuple(i64, 3), "nthreads": i64}
            return (t[:, ::1], t[:, ::1], t[:, ::1], t, *[extra[a] for a in info.extra_args])
    if dispatcher.signatures:
        return tuple(dispatcher.signatures[0])
    raise ValueError(f"no default signature for {name}: pass signature=")


def vector_report(dispatcher_or_name="micro_kernel", signature=None, *, dtype="float64") -> VectorReport:
    """Compile an uncached copy of a kernel and report its FMAs and hottest loop.

    Parameters
    ----------
    dispatcher_or_name : numba dispatcher or str
        Default: the GEMM micro-kernel.  See :func:`resolve_kernel`.
    signature : tuple of numba types, optional
        Default :func:`default_signature`.
    dtype : str
        Float type for the default signature.

    Returns
    -------
    VectorReport

    Notes
    -----
    The copy is ``numba.njit(**options, cache=False)(dispatcher.py_func)``
    with the dispatcher's own target options; a kernel made by
    :func:`jitla._jit.vector_kernel` (``jitla_vector_codegen``) is compiled
    under :func:`jitla._jit.vector_codegen` as the original is.  Compiling
    takes a few seconds.
    """
    import llvmlite.binding as llvm
    import numba
    from numba.core import config as numba_config

    from jitla._jit import scalar_codegen, vector_codegen

    name, dispatcher = resolve_kernel(dispatcher_or_name)
    signature = tuple(signature) if signature is not None else default_signature(name, dispatcher, dtype)
    options = {k: v for k, v in dispatcher.targetoptions.items() if k != "nopython"}
    fresh = numba.njit(**options, cache=False)(dispatcher.py_func)
    settings = vector_codegen if getattr(dispatcher, "jitla_vector_codegen", False) else scalar_codegen
    # LLVM emits the assembly text when asked, with the options in force
    # then, so it is asked for under the same settings as the compilation
    with settings():
        fresh.compile(signature)
        asm = fresh.inspect_asm(fresh.signatures[0])
    own = _kernel_functions(asm) or asm.splitlines()
    hot: list[str] = []
    innermost = _innermost(find_loops(own))
    if innermost:

        def weight(loop):
            body = own[loop[0] : loop[1] + 1]
            return (sum(count_fma(body).values()), sum(_count_arith(body).values()), -(loop[1] - loop[0]))

        start, end, _ = max(innermost, key=weight)
        hot = _instructions(own[start : end + 1])
    return VectorReport(
        kernel=name,
        signature="(" + ", ".join(str(t) for t in signature) + ")",
        cpu=numba_config.CPU_NAME or llvm.get_host_cpu_name(),
        fma=count_fma(own),
        arith=_count_arith(own),
        hot_loop=hot,
        hot_loop_fma=count_fma(hot),
        instructions=len(_instructions(own)),
        hot_loop_spills=count_spills(hot),
    )
