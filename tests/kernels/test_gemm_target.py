"""The GEMM register tile follows the compile target, and its code does not depend on the path.

* :func:`jitla.kernels._tile.choose_tile` is pinned for every ISA (AVX-512,
  AVX2, SSE, aarch64 NEON), so a host that lacks an ISA still checks its tile;
* the probe that reads the target's vectors is checked on canned assembly
  and, in a subprocess, under an AVX2 compile target (on an x86 host);
* the machine code of the GEMM kernels is the same whether a kernel is
  compiled first, compiled as the callee of another kernel, or loaded from
  Numba's disk cache (subprocesses with their own ``NUMBA_CACHE_DIR``).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jitla import config
from jitla.kernels import _tile
from jitla.profiling import asm

ROOT = Path(__file__).resolve().parents[2]
X86 = platform.machine().lower() in ("x86_64", "amd64")


@pytest.mark.parametrize(
    "vector_bytes, registers, f64, f32",
    [
        (64, 32, (6, 32), (6, 64)),  # AVX-512: 24 zmm accumulators + 4 B + 1 broadcast
        (32, 32, (6, 16), (6, 32)),  # AVX-512 CPU where LLVM prefers 256-bit vectors
        (32, 16, (6, 8), (6, 16)),  # AVX2: 12 ymm accumulators + 2 B + 1 broadcast (BLIS haswell)
        (16, 16, (6, 4), (6, 8)),  # SSE2
        (16, 32, (6, 8), (6, 16)),  # aarch64 NEON: 24 accumulators of 2 float64 (BLIS armv8a)
        (8, 16, (6, 2), (6, 4)),  # no vectors: scalar registers, still a valid tile
    ],
)
def test_choose_tile_pins_each_isa(vector_bytes, registers, f64, f32):
    assert _tile.choose_tile(vector_bytes, registers, 8) == f64
    assert _tile.choose_tile(vector_bytes, registers, 4) == f32
    mr, nr = f64
    vectors = nr * 8 // vector_bytes if vector_bytes >= 8 else nr
    # accumulators + one row of B + one broadcast fit in the registers, and one
    # more vector per row would not
    assert mr * vectors + vectors + 1 <= registers < mr * (vectors + 1) + (vectors + 1) + 1


@pytest.mark.parametrize(
    "vector_bytes, registers, main, full, half",
    [
        (64, 32, 4, 8, 8),  # AVX-512: two zmm per row of a main tile (128 bytes), one ymm per half
        (32, 16, 2, 4, 8),  # AVX2: two ymm per row of a main tile (64 bytes), one per half
        (16, 16, 1, 4, 4),  # SSE2: main strips are half chunks, two xmm per row
        (16, 32, 1, 8, 8),  # NEON: the same, 32 registers
    ],
)
def test_small_tile_rows_pins_each_isa(vector_bytes, registers, main, full, half):
    """gemm_small's tiles: main strips two vectors wide, accumulators + B + broadcasts in the registers."""
    assert _tile.small_strip_halves_for(vector_bytes) == main
    assert _tile.small_tile_rows_for(vector_bytes, registers, main, 1) == full
    assert _tile.small_tile_rows_for(vector_bytes, registers, main, 2) == max(1, full // 2)
    assert _tile.small_tile_rows_for(vector_bytes, registers, 1, 1) == half
    for halves, rows in ((main, full), (1, half)):
        vectors = max(1, halves * 32 // vector_bytes)
        # accumulators, one row of B and the broadcasts of A fit the register file (a
        # broadcast that feeds two or more FMAs stays live for the whole k step)
        broadcasts = rows if vectors > 1 else 1
        assert rows * vectors + vectors + broadcasts <= registers
    # a main tile is two vectors wide and holds at least SMALL_ACCUMULATORS accumulators
    assert max(1, main * 32 // vector_bytes) == 2 or vector_bytes < 16
    assert full * max(1, main * 32 // vector_bytes) >= _tile.SMALL_ACCUMULATORS


@pytest.mark.parametrize(
    "vector_bytes, registers, halves, rows, vectors",
    [
        (64, 32, 5, 4, 3),  # AVX-512: 20 float64 per row, two zmm and a ymm
        (32, 16, 3, 4, 3),  # AVX2: 12 float64 per row, three ymm
    ],
)
def test_small_wide_strip_pins_each_isa(vector_bytes, registers, halves, rows, vectors):
    """gemm_small's widened last strip (devlog 098): a main strip and a half chunk, 4 rows."""
    assert _tile.small_wide_halves_for(vector_bytes) == halves
    assert _tile.small_tile_rows_for(vector_bytes, registers, halves, 1) == rows
    assert -(-halves * 32 // vector_bytes) == vectors
    # the accumulators, a broadcast of A and a vector of B fit the register file; with
    # AVX-512 the whole k step does (12 + 3 + 4 of 32 zmm), with AVX2 it does not and
    # LLVM spills one accumulator per k step, 1-3 % faster than 3 rows all the same
    assert rows * vectors + 2 <= registers
    assert (rows * vectors + vectors + rows <= registers) == (registers == 32)
    assert rows * vectors >= _tile.SMALL_ACCUMULATORS


def test_vector_target_from_canned_probe():
    zmm = "\tvmovupd\t(%rsi), %zmm0\n\tvaddpd\t(%rdi), %zmm0, %zmm0\n"
    ymm = "\tvmovupd\t(%rsi), %ymm0\n\tvaddpd\t(%rdi), %ymm0, %ymm0\n"
    xmm = "\tmovupd\t(%rsi), %xmm0\n\taddpd\t(%rdi), %xmm0\n"
    neon = "\tldp\tq0, q1, [x0]\n\tfadd\tv0.2d, v0.2d, v2.2d\n"
    triple = "x86_64-unknown-linux-gnu"
    assert _tile.vector_target_from(zmm, triple, "+avx2,+fma,+avx512f") == _tile.VectorTarget(
        64, 32, "avx512"
    )
    assert _tile.vector_target_from(ymm, triple, "+avx2,+fma,-avx512f") == _tile.VectorTarget(32, 16, "avx2")
    assert _tile.vector_target_from(ymm, triple, "+avx2,+avx512f").registers == 32
    assert _tile.vector_target_from(xmm, triple, "+sse2") == _tile.VectorTarget(16, 16, "sse")
    assert _tile.vector_target_from(neon, "aarch64-unknown-linux-gnu", "+neon") == _tile.VectorTarget(
        16, 32, "neon"
    )
    assert _tile.vector_target_from("\tfaddd\n", "riscv64-unknown-linux-gnu", "").bytes == 8


def test_tile_shape_follows_the_probe():
    target = _tile.target_vectors()
    assert target.bytes in (8, 16, 32, 64) and target.registers in (8, 16, 32)
    for dtype in (np.float64, np.float32):
        assert config.tile_shape(dtype) == _tile.choose_tile(
            target.bytes, target.registers, np.dtype(dtype).itemsize
        )
    blocks = config.default_gemm_blocks(np.float64)
    assert blocks.NC % config.tile_shape(np.float64)[1] == 0 and blocks.MC % config.MR == 0


def test_count_spills_and_verdict():
    loop = [
        "vmovupd %ymm14, 304(%rsp)",
        "vfmadd231pd %ymm1, %ymm2, %ymm3",
        "vmovupd -8(%rbp), %ymm4",
        "leaq 8(%rsp), %rax",
    ]
    assert asm.count_spills(loop) == 2
    assert asm.count_spills(["ldr q0, [sp, #16]", "fmla v0.2d, v1.2d, v2.2d"]) == 1
    zero = {"zmm": 0, "ymm": 0, "xmm": 0, "scalar": 0}
    fma = {**zero, "ymm": 12}
    spilled = asm.VectorReport("k", "()", "cpu", fma, zero, loop, fma, 4, hot_loop_spills=2)
    clean = asm.VectorReport("k", "()", "cpu", fma, zero, loop[1:2], fma, 4, hot_loop_spills=0)
    assert "2 stack loads/stores" in spilled.verdict and "spills" in spilled.verdict
    assert clean.verdict.endswith("no register spills in the hottest loop")


def _run(script: str, **env) -> dict:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    done = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


_AVX2_SCRIPT = """
import json
from jitla.kernels import _tile
from jitla.profiling.asm import vector_report
r = vector_report("micro_kernel")
print(json.dumps({"target": list(vars(_tile.target_vectors()).values()), "tile": _tile.tile_shape("float64"),
                  "fma": r.hot_loop_fma, "spills": r.hot_loop_spills}))
"""


@pytest.mark.skipif(not X86, reason="an AVX2 compile target needs an x86 host")
def test_avx2_target_tile_fits_the_registers():
    # an AVX2 compile target on any x86 host (also an AVX-512 one): the tile
    # shrinks to 6 x 8 and the micro-kernel's loop keeps it in 15 ymm registers
    out = _run(_AVX2_SCRIPT, NUMBA_CPU_NAME="haswell", NUMBA_CPU_FEATURES="+avx2,+fma", NUMBA_CACHE_DIR="")
    assert out["target"] == [32, 16, "avx2"]
    assert out["tile"] == [6, 8]
    assert out["fma"]["zmm"] == 0 and out["fma"]["ymm"] == 12 and out["fma"]["scalar"] == 0
    assert out["spills"] == 0


_PATH_SCRIPT = """
import hashlib, json, sys
import numpy as np
from numba.core import codegen

# Numba hands a cached object to the JIT and drops its own reference; keep a
# copy so that the loaded machine code can be compared
_set_object = codegen.CPUCodeLibrary._set_compiled_object


def _keep_object(library, value):
    _set_object(library, value)
    library.loaded_object = value


codegen.CPUCodeLibrary._set_compiled_object = _keep_object

from jitla.config import gemm_blocks
from jitla.kernels import gemm
from jitla.kernels._pack import pack_b
from jitla.profiling.asm import _elf_text
A, B, C = np.ones((40, 30)), np.ones((30, 50)), np.zeros((40, 50))
Ap, Bp = np.zeros(6 * 30), np.zeros(64 * 30)
# the GEMM's body takes its operands as layout "A" (one entry for every layout): views of that type
Bv, Cv = np.ones((30, 60))[:, :50], np.zeros((40, 60))[:, :50]


def callees():
    # each kernel on its own, with the argument types the GEMM passes it
    pack_b(Bv, 0, 0, 30, 8, Bp)
    gemm.micro_kernel(30, Ap, Bp, Cv, 0, 0, 6, 8)
    gemm.macro_kernel(6, 8, 30, Ap, Bp, Cv, 0, 0)


if sys.argv[1] == "callee-first":
    callees()
gemm.gemm_packed(A, B, C, 1.0, gemm_blocks("float64").as_tuple())
callees()  # compiled already (as callees of gemm_packed), or loaded from the cache
out = {"hits": 0, "overloads": 0}
for d in (gemm.micro_kernel, gemm.macro_kernel, gemm.gemm_packed, pack_b):
    out["hits"] += sum(d.stats.cache_hits.values())
    out["overloads"] = max(out["overloads"], len(d.signatures))
    for sig in d.signatures:
        library = d.overloads[sig].library
        code = getattr(library, "loaded_object", None) or library._get_compiled_object()
        out[d.py_func.__name__] = hashlib.sha1(_elf_text(code)).hexdigest()
# the packed GEMM body is out of line: one C entry (the body, inlined) for these argument types
from jitla import _jit
(slot,) = _jit._slots.values()
library = slot.cfunc._library
code = getattr(library, "loaded_object", None) or library._get_compiled_object()
out["packed_region"] = hashlib.sha1(_elf_text(code)).hexdigest()
out["entry_hits"] = slot.cfunc._cache_hits
print(json.dumps(out))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="reads ELF objects")
def test_machine_code_is_the_same_on_every_compile_path(tmp_path):
    def run(order, cache):
        return _run(_PATH_SCRIPT.replace("sys.argv[1]", repr(order)), NUMBA_CACHE_DIR=str(tmp_path / cache))

    caller_first = run("caller-first", "a")
    callee_first = run("callee-first", "b")
    from_cache = run("caller-first", "a")
    assert caller_first["hits"] == 0 and callee_first["hits"] == 0 and caller_first["entry_hits"] == 0
    assert caller_first["overloads"] == 1  # the direct calls reused the callees' overloads
    # gemm_packed, micro_kernel, macro_kernel, pack_b and packed_region's entry were loaded, none compiled
    assert from_cache["hits"] == 4 and from_cache["entry_hits"] == 1
    for name in ("micro_kernel", "macro_kernel", "packed_region", "gemm_packed", "pack_b"):
        assert caller_first[name] == callee_first[name], f"{name}: compiled first vs as a callee"
        assert caller_first[name] == from_cache[name], f"{name}: compiled vs loaded from the cache"


def test_bench_factor_cli_small(capsys, tmp_path):
    from jitla.cli import main

    path = tmp_path / "factor.json"
    assert main(["bench", "factor", "--sizes", "40", "--repeat", "1", "--text", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "dgetrf" in out and "dpotrf" in out and "dgeqrf" in out
    rows = json.loads(path.read_text())["rows"]
    assert [r["op"] for r in rows] == ["lu", "cholesky", "cholesky_lower", "qr"]
    assert all(r["gflops"] > 0 and r["ratio"] > 0 and r["max_error"] < 1e-10 for r in rows)


def test_bench_factor_cli_says_which_op_lacks_the_variant(capsys, tmp_path):
    from jitla.cli import main

    path = tmp_path / "factor.json"
    args = ["bench", "factor", "--sizes", "40", "--repeat", "1", "--text", "--variant", "parallel"]
    # only the op without the variant: nothing is compiled or timed
    assert main([*args, "--ops", "cholesky_lower", "--json", str(path)]) == 0
    assert "cholesky_lower has no 'parallel' kernel; not measured" in capsys.readouterr().out
    assert json.loads(path.read_text())["rows"] == []
