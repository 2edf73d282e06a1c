"""Register tiles: small fixed-size arrays that live on the stack.

A GEMM micro-kernel keeps an MR x NR block of C in registers while it walks
the k dimension.  Numba has no vector types and ``np.zeros`` allocates on the
heap (through the NRT), where LLVM can never promote it to registers.  The
intrinsics here instead allocate the block with ``alloca`` in the function's
entry block and wrap it as an ordinary 2-D C-contiguous array.  Once the
loops over the tile are fully unrolled (they have constant trip counts),
LLVM's SROA pass turns every element into an SSA value, and the SLP
vectoriser packs each row into wide registers.

Two kinds of tile:

* :func:`gemm_register_tile`: the GEMM's MR x NR accumulator, sized for the
  vector registers of the CPU that LLVM compiles for (:func:`target_vectors`,
  :func:`choose_tile`).  The shape is a compile-time constant of each
  compiled kernel; it depends only on the target triple, CPU name and
  feature string, which Numba's cache index already includes, so a cached
  kernel is never reused for a target with another tile.
* :func:`register_tile`: a fixed-shape scratch tile in 64-byte chunks (one
  zmm, two ymm or four xmm registers), for kernels whose logic is written
  for a fixed number of lanes (the batched small solvers, Jacobi rotations).

Rules for callers: a tile must not escape the function that created it
(never return it or store it in another array) and it starts uninitialised.

Under ``NUMBA_DISABLE_JIT=1`` each intrinsic here is the Python function
given with it (:func:`jitla._jit.intrinsic`): ``np.empty`` for a tile, the
same integer for a literal, a numpy view for a view.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import overload
from numba.np.arrayobj import make_array, populate_array

from jitla._jit import intrinsic

#: Bytes in one chunk of :func:`register_tile` (one zmm register; two ymm).
CHUNK_BYTES = 64
#: Rows of the GEMM register tile: broadcasts of A per k step.  Six on every
#: target: BLIS's haswell (6 x 8), zen4 (mirrored 6 x 32) and armv8a (6 x 8)
#: float64 kernels all broadcast six elements of the short side.
MR = 6


@dataclass(frozen=True)
class VectorTarget:
    """Vector registers of the CPU that LLVM compiles for.

    Attributes
    ----------
    bytes : int
        Width of the vectors LLVM's SLP vectoriser emits (64 for zmm, 32 for
        ymm, 16 for xmm or NEON, 8 when it does not vectorise at all).
    registers : int
        Architectural vector registers of that width (32 with AVX-512 or on
        aarch64, 16 with AVX/AVX2/SSE).
    isa : str
        Short description: ``"avx512"``, ``"avx2"``, ``"sse"``, ``"neon"``, ...
    """

    bytes: int
    registers: int
    isa: str


def choose_tile(vector_bytes: int, registers: int, itemsize: int) -> tuple[int, int]:
    """Return ``(MR, NR)`` of the GEMM register tile for a vector target.

    Each k step of the micro-kernel holds the MR x NR accumulator tile,
    one row of B (NR elements) and one broadcast element of A in vector
    registers.  With ``v`` vectors per row that is ``MR*v + v + 1``
    registers, so ``v = (registers - 1) // (MR + 1)``, and
    ``NR = v * vector_bytes // itemsize``:

    ========================  ==========  =======================  =========
    target                    registers   float64 tile (v)         in use
    ========================  ==========  =======================  =========
    AVX-512 (zmm, 64 B)       32          6 x 32 (4)               29 of 32
    AVX2 (ymm, 32 B)          16          6 x 8 (2)                15 of 16
    SSE2 (xmm, 16 B)          16          6 x 4 (2)                15 of 16
    aarch64 NEON (16 B)       32          6 x 8 (4)                29 of 32
    ========================  ==========  =======================  =========

    These are the shapes of BLIS's hand-written kernels for the same
    registers (Van Zee & van de Geijn, ACM TOMS 41(3), 2015; the
    ``haswell`` 6 x 8, ``zen4`` and ``armv8a`` 6 x 8 float64 kernels),
    mirrored for row-major C.  Spilling one accumulator costs a load and a
    store per FMA, so the tile must fit: an AVX-512-sized 6 x 32 tile on
    AVX2 needs 48 ymm accumulators of 16 registers.
    """
    vectors = max(1, (registers - 1) // (MR + 1))
    lanes = max(1, vector_bytes // itemsize)
    return MR, vectors * lanes


#: Straight-line IR: 16 float64 adds on consecutive elements, which the SLP
#: vectoriser packs into the widest vectors the target machine prefers.
_PROBE_ELEMENTS = 16
_PROBE_NAME = "jitla_vector_probe"


def _probe_ir() -> str:
    lines = [f"define void @{_PROBE_NAME}(ptr noalias nocapture %a, ptr noalias nocapture readonly %b) {{"]
    for i in range(_PROBE_ELEMENTS):
        lines += [
            f"  %pa{i} = getelementptr inbounds double, ptr %a, i64 {i}",
            f"  %pb{i} = getelementptr inbounds double, ptr %b, i64 {i}",
            f"  %x{i} = load double, ptr %pa{i}, align 8",
            f"  %y{i} = load double, ptr %pb{i}, align 8",
            f"  %s{i} = fadd double %x{i}, %y{i}",
            f"  store double %s{i}, ptr %pa{i}, align 8",
        ]
    return "\n".join([*lines, "  ret void", "}"])


def vector_target_from(asm: str, triple: str, features: str) -> VectorTarget:
    """Read a :class:`VectorTarget` from the probe's assembly and the target machine.

    Parameters
    ----------
    asm : str
        Assembly of the SLP-vectorised probe (see :func:`target_vectors`).
    triple, features : str
        LLVM target triple and feature string (``"+avx2,+fma,..."``).
    """
    arch = triple.split("-", 1)[0]
    enabled = {f[1:] for f in features.split(",") if f.startswith("+")}
    if arch in ("x86_64", "i386", "i686", "x86"):
        width = 64 if "%zmm" in asm else 32 if "%ymm" in asm else 16 if "%xmm" in asm else 8
        registers = 32 if "avx512f" in enabled and arch == "x86_64" else 16 if arch == "x86_64" else 8
        isa = {64: "avx512", 32: "avx2" if "avx2" in enabled else "avx", 16: "sse"}.get(width, "scalar")
        if width == 32 and "avx512f" in enabled:
            isa = "avx512 (256-bit vectors preferred)"
        return VectorTarget(width, registers, isa)
    if arch in ("aarch64", "arm64"):
        # NEON: 32 registers of 128 bits, v0..v31 (``v0.2d``, ``q0``)
        vector = re.search(r"\bv\d+\.(2d|4s)\b|\bq\d+\b", asm) is not None
        return VectorTarget(16 if vector else 8, 32, "neon" if vector else "scalar")
    if arch.startswith(("ppc64", "powerpc64")):
        vector = re.search(r"\b(xv|lxv|stxv)\w*", asm) is not None
        return VectorTarget(16 if vector else 8, 32, "vsx" if vector else "scalar")
    return VectorTarget(8, 16, "scalar")


@functools.cache
def target_vectors() -> VectorTarget:
    """The vector registers of the CPU that Numba's LLVM compiles for (computed once).

    Compiles a tiny probe (:data:`_PROBE_ELEMENTS` float64 adds) through
    Numba's own JIT codegen with the SLP vectoriser on, and reads the widest
    vector registers in its assembly; the register count comes from the
    target's architecture and feature string.  This follows
    ``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES`` (what LLVM compiles for),
    not the host's name: ``NUMBA_CPU_NAME=haswell NUMBA_CPU_FEATURES=+avx2,+fma``
    on an AVX-512 host gives ``VectorTarget(32, 16, "avx2")``.  Never runs
    at ``import jitla``; the first GEMM compilation pays for it (a few ms).
    """
    import llvmlite.binding as llvm
    from numba.core.registry import cpu_target

    from jitla._jit import vector_codegen

    codegen = cpu_target.target_context.codegen()
    with vector_codegen():
        library = codegen.create_library(_PROBE_NAME)
        library.add_llvm_module(llvm.parse_assembly(_probe_ir()))
        library.finalize()
        asm = library.get_asm_str()
    features = getattr(codegen, "_tm_features", None) or codegen._get_host_cpu_features()
    return vector_target_from(asm, llvm.get_process_triple(), features)


def tile_shape(dtype) -> tuple[int, int]:
    """Return ``(MR, NR)`` of the GEMM register tile for *dtype* on the compile target.

    See :func:`choose_tile` and :func:`target_vectors`: 6 x 32 float64 with
    AVX-512, 6 x 8 with AVX2; NR doubles for float32.
    """
    target = target_vectors()
    return choose_tile(target.bytes, target.registers, np.dtype(dtype).itemsize)


def tile_width(a):
    """Return NR for the dtype of array *a* (callable from jitted code)."""
    return tile_shape(a.dtype)[1]


@overload(tile_width, jit_options={"cache": True})
def _tile_width(a):
    nr = tile_shape(np.dtype(str(a.dtype)))[1]
    return lambda a: nr


def strip_chunks_for(dtype) -> int:
    """:func:`strip_chunks` for a numpy *dtype* on the compile target (2 with AVX-512, else 1)."""
    return 2 if tile_shape(dtype)[1] >= 4 * CHUNK_BYTES // np.dtype(dtype).itemsize else 1


@intrinsic(python=lambda like: strip_chunks_for(like.dtype))
def strip_chunks(typingctx, like):
    """64-byte chunks per row of the widest register tile for *like*'s dtype, as an integer literal.

    2 where the GEMM tile is at least four chunks wide (32 vector registers
    of 64 bytes: AVX-512), else 1 -- the test ``tile_width(a) >= 4 * W``
    made at typing, so that a kernel can pass the width on to
    :func:`register_tile` and compile one copy of its tile instead of one
    per width.
    """
    chunks = strip_chunks_for(np.dtype(str(like.dtype)))

    def codegen(context, builder, sig, args):
        return context.get_constant(types.intp, chunks)

    return types.IntegerLiteral(chunks)(like), codegen


#: Vector accumulators of ``gemm_small``'s half-chunk tiles (the last few columns):
#: two per cycle of FMA latency on CPUs that issue two vector FMAs a cycle (4 cycles
#: on Zen 4/5, 4-5 on Haswell to Skylake), so every k step has eight independent
#: FMAs in flight.
SMALL_ACCUMULATORS = 8


def small_strip_halves_for(vector_bytes: int) -> int:
    """Width of :func:`jitla.kernels.gemm.gemm_small`'s main strips, in 32-byte halves of a chunk.

    Two vector registers per row of the tile: 128 bytes with AVX-512 (16
    float64, two zmm), 64 with AVX2 (8 float64, two ymm), 32 with 16-byte
    vectors (SSE2, NEON).  Two vectors per row let each broadcast of A feed
    two FMAs, and leave room in the register file for many rows.
    """
    return max(1, 2 * vector_bytes // (CHUNK_BYTES // 2))


def small_accumulators(vector_bytes: int, registers: int, halves: int) -> int:
    """Vector accumulators of a ``gemm_small`` tile whose rows are *halves* half-chunks.

    Main strips (:func:`small_strip_halves_for`, two vectors per row) take
    half the register file: 16 of 32 zmm with AVX-512 (8 rows), 8 of 16 ymm
    with AVX2 (4 rows).  LLVM keeps each broadcast of A in a register (it
    feeds two FMAs), so the k step holds 2R accumulators, two vectors of B
    and R broadcasts: 26 of 32 zmm, 14 of 16 ymm.  Twelve rows with AVX-512
    (24 + 2 + 12) spilled four accumulators to the stack.  Other strips (the
    last few columns, one 32-byte half per row) keep :data:`SMALL_ACCUMULATORS`.
    """
    if halves == small_strip_halves_for(vector_bytes):
        return max(SMALL_ACCUMULATORS, registers // 2)
    if halves == small_wide_halves_for(vector_bytes) and halves > 2:
        return SMALL_WIDE_ACCUMULATORS  # AVX2 and AVX-512 only: gemm_small widens no strip on SSE2/NEON
    return SMALL_ACCUMULATORS


#: Vector accumulators of ``gemm_small``'s widened last strip (:func:`small_wide_halves_for`):
#: 4 rows of three vectors.  Measured at n = 20 to 100 (devlog 098): 4 rows as fast as 5
#: and 2-4 % faster than 6 to 8 with AVX-512; 4 rows 1-3 % faster than 2, 3 or 5 with AVX2
#: (5 rows, 15 + 3 + 1 of 16 ymm, spill).
SMALL_WIDE_ACCUMULATORS = 12


def small_wide_halves_for(vector_bytes: int) -> int:
    """Width of ``gemm_small``'s widened last strip in 32-byte halves: a main strip and half a chunk.

    A main strip (:func:`small_strip_halves_for`) plus the few columns
    (at most a half chunk: 4 float64 / 8 float32) that would otherwise
    take a strip of their own: 20 float64 with AVX-512 (two zmm and a ymm
    per row), 12 with AVX2 (three ymm).  The extra columns then share the
    broadcasts of A and the pass over A with the main strip's columns.
    """
    return small_strip_halves_for(vector_bytes) + 1


def small_tile_rows_for(vector_bytes: int, registers: int, halves: int, share: int) -> int:
    """Rows of ``gemm_small``'s register tile whose rows are *halves* half-chunks (32 bytes each).

    A row of the tile spans ``halves * 32`` bytes, ``v = ceil(halves * 32 /
    vector_bytes)`` vector registers, so :func:`small_accumulators`
    accumulators take ``that // v`` rows, for float64 and float32 alike:
    main strips 8 rows with AVX-512 (two zmm per row), 4 with AVX2 (two
    ymm); the widened last strip (:func:`small_wide_halves_for`) 4 rows of
    three vectors with either; half-chunk strips 8 rows with either.
    *share* divides the rows (2: the tiles at the bottom edge of a main
    strip).
    """
    vectors = max(1, -(-halves * CHUNK_BYTES // 2 // vector_bytes))  # a part-filled vector counts
    return max(1, small_accumulators(vector_bytes, registers, halves) // vectors // share)


def _integer_literal(value: int):
    """Signature and codegen of an intrinsic of no argument that is the integer literal *value*."""

    def codegen(context, builder, signature, args):
        return context.get_constant(types.intp, value)

    return types.literal(value)(), codegen


def _target_small_tile_rows(halves: int, share: int) -> int:
    """:func:`small_tile_rows_for` on the compile target."""
    target = target_vectors()
    return small_tile_rows_for(target.bytes, target.registers, halves, share)


@intrinsic(python=lambda: small_strip_halves_for(target_vectors().bytes))
def small_strip_halves(typingctx):
    """:func:`small_strip_halves_for` on the compile target, as a literal."""
    return _integer_literal(small_strip_halves_for(target_vectors().bytes))


@intrinsic(python=lambda: small_wide_halves_for(target_vectors().bytes))
def small_wide_halves(typingctx):
    """:func:`small_wide_halves_for` on the compile target, as a literal."""
    return _integer_literal(small_wide_halves_for(target_vectors().bytes))


@intrinsic(python=_target_small_tile_rows)
def small_tile_rows(typingctx, halves, share):
    """:func:`small_tile_rows_for` on the compile target, as a literal (a constant of each compiled kernel).

    *halves* and *share* must be integer literals.  The result is typed
    ``Literal[int]``, so passing it on as the *rows* of :func:`strip_tile`
    (through a kernel's argument) keeps it a compile-time size.
    """
    if not (isinstance(halves, types.IntegerLiteral) and isinstance(share, types.IntegerLiteral)):
        return None
    rows = _target_small_tile_rows(halves.literal_value, share.literal_value)
    result = types.literal(rows)

    def codegen(context, builder, signature, args):
        return context.get_constant(types.intp, rows)

    return result(halves, share), codegen


def _stack_tile(tile_type, n_rows, n_cols):
    """Codegen of a ``n_rows x n_cols`` C-contiguous array on the stack."""
    dtype = tile_type.dtype

    def codegen(context, builder, signature, args):
        element = context.get_data_type(dtype)
        itemsize = context.get_abi_sizeof(element)
        data = cgutils.alloca_once(builder, element, size=n_rows * n_cols)
        tile = make_array(tile_type)(context, builder)
        intp = lambda value: context.get_constant(types.intp, value)  # noqa: E731
        populate_array(
            tile,
            data=data,
            shape=cgutils.pack_array(builder, [intp(n_rows), intp(n_cols)]),
            strides=cgutils.pack_array(builder, [intp(n_cols * itemsize), intp(itemsize)]),
            itemsize=intp(itemsize),
            meminfo=None,
        )
        return tile._getvalue()

    return codegen


@intrinsic(
    python=lambda like, rows, chunks: np.empty((rows, chunks * CHUNK_BYTES // like.itemsize), like.dtype)
)
def register_tile(typingctx, like, rows, chunks):
    """Allocate an uninitialised ``rows x (chunks * 64 // itemsize)`` stack array.

    Parameters
    ----------
    like : array
        Only its dtype is used: 8 float64 or 16 float32 columns per chunk.
    rows, chunks : int literals
        Compile-time sizes.  The width is fixed (64-byte chunks), not the
        target's vector width, so kernels that index the columns as lanes
        see the same shape on every CPU.
    """
    if not (isinstance(rows, types.IntegerLiteral) and isinstance(chunks, types.IntegerLiteral)):
        return None
    tile_type = types.Array(like.dtype, 2, "C")
    n_cols = chunks.literal_value * CHUNK_BYTES // (like.dtype.bitwidth // 8)
    return tile_type(like, rows, chunks), _stack_tile(tile_type, rows.literal_value, n_cols)


@intrinsic(
    python=lambda like, rows, halves: np.empty((rows, halves * CHUNK_BYTES // 2 // like.itemsize), like.dtype)
)
def strip_tile(typingctx, like, rows, halves):
    """Allocate an uninitialised ``rows x (halves * 32 // itemsize)`` stack array.

    As :func:`register_tile`, in 32-byte halves of a chunk rather than whole
    chunks (*rows* and *halves* int literals): the tiles of
    :func:`jitla.kernels.gemm.gemm_small`.
    """
    if not (isinstance(rows, types.IntegerLiteral) and isinstance(halves, types.IntegerLiteral)):
        return None
    tile_type = types.Array(like.dtype, 2, "C")
    n_cols = halves.literal_value * CHUNK_BYTES // 2 // (like.dtype.bitwidth // 8)
    return tile_type(like, rows, halves), _stack_tile(tile_type, rows.literal_value, n_cols)


@intrinsic(python=lambda like: np.empty(tile_shape(like.dtype), like.dtype))
def gemm_register_tile(typingctx, like):
    """Allocate the uninitialised ``MR x NR`` GEMM accumulator tile on the stack.

    ``(MR, NR) = tile_shape(like.dtype)``: sized for the compile target's
    vector registers (:func:`choose_tile`).
    """
    tile_type = types.Array(like.dtype, 2, "C")
    n_rows, n_cols = tile_shape(np.dtype(str(like.dtype)))
    return tile_type(like), _stack_tile(tile_type, n_rows, n_cols)


@intrinsic(python=lambda a, i, j, n: a[i, j : j + n])
def unit_stride_row(typingctx, a, i, j, n):
    """``a[i, j:j+n]`` as a C-contiguous 1-D view, for a 2-D ``a`` of any layout whose rows are contiguous.

    The caller guarantees ``a.strides[1] == a.itemsize`` (every C-order
    array, and every row-block or column-block view of one).  A kernel
    typed once for layout ``'A'`` then copies or updates such a row with
    constant-length vector moves, as it would for layout ``'C'``; Numba's
    own slice of an ``'A'`` array keeps the run-time stride and compiles to
    scalar code.  No bounds or index checks: the view borrows ``a``'s data
    and must not outlive it.
    """
    if not (isinstance(a, types.Array) and a.ndim == 2):
        return None
    row_type = types.Array(a.dtype, 1, "C", readonly=not a.mutable)

    def codegen(context, builder, signature, args):
        arr, ii, jj, nn = args
        ary = make_array(a)(context, builder, arr)
        itemsize = context.get_abi_sizeof(context.get_data_type(a.dtype))
        intp_t = context.get_value_type(types.intp)
        ii = context.cast(builder, ii, signature.args[1], types.intp)
        jj = context.cast(builder, jj, signature.args[2], types.intp)
        nn = context.cast(builder, nn, signature.args[3], types.intp)
        row_stride = cgutils.unpack_tuple(builder, ary.strides, 2)[0]
        offset = builder.add(builder.mul(ii, row_stride), builder.mul(jj, intp_t(itemsize)))
        start = builder.gep(builder.bitcast(ary.data, cgutils.voidptr_t), [offset])
        row = make_array(row_type)(context, builder)
        populate_array(
            row,
            data=builder.bitcast(start, ary.data.type),
            shape=cgutils.pack_array(builder, [nn]),
            strides=cgutils.pack_array(builder, [intp_t(itemsize)]),
            itemsize=intp_t(itemsize),
            meminfo=None,
        )
        return row._getvalue()

    return row_type(a, i, j, n), codegen


@intrinsic(python=lambda a: a)
def contiguous_view(typingctx, a):
    """*a* retyped as a C-contiguous array of the same shape, without a check or a copy.

    For a 2-D *a* of any layout that the caller has found C-contiguous
    (``strides == (shape[1] * itemsize, itemsize)``).  The result has the
    type ``np.ascontiguousarray(a)`` has (writeable, *a*'s alignment), so the
    two can meet in one variable, but skips that function's run-time check
    (a call) and its reference count: the view borrows *a*'s data with no
    owner and must not outlive *a* or escape the kernel.  The caller never
    writes through it when *a* is read-only.
    """
    if not (isinstance(a, types.Array) and a.ndim == 2):
        return None
    view_type = a.copy(layout="C", readonly=False)

    def codegen(context, builder, signature, args):
        ary = make_array(a)(context, builder, args[0])
        view = make_array(view_type)(context, builder)
        populate_array(
            view,
            data=ary.data,
            shape=ary.shape,
            strides=ary.strides,
            itemsize=ary.itemsize,
            meminfo=None,
        )
        return view._getvalue()

    return view_type(a), codegen


@intrinsic(python=lambda space, like: space.reshape(-1)[: like.size].reshape(like.shape))
def matrix_view(typingctx, space, like):
    """The first ``like.size`` elements of the C-contiguous *space* as a matrix of *like*'s shape.

    For a copy of the 2-D array *like* on the stack: the view is
    C-contiguous and typed as :func:`contiguous_view` of *like* (writeable,
    *like*'s alignment), so that the copy and a view of an operand that
    needs none can meet in one variable (Numba casts between array types
    that differ in layout or mutability only, not in alignment).  No check
    and no copy (the caller keeps ``like.size <= space.size``); cheaper to
    compile than a slice and a ``reshape``.  The view borrows *space*'s
    data with no owner and must not outlive it.
    """
    if not (isinstance(space, types.Array) and space.layout == "C" and isinstance(like, types.Array)):
        return None
    if like.ndim != 2 or like.dtype != space.dtype:
        return None
    view_type = like.copy(layout="C", readonly=False)

    def codegen(context, builder, signature, args):
        ary = make_array(space)(context, builder, args[0])
        shape = make_array(like)(context, builder, args[1]).shape
        rows, cols = cgutils.unpack_tuple(builder, shape, 2)
        itemsize = context.get_abi_sizeof(context.get_data_type(space.dtype))
        itemsize = context.get_constant(types.intp, itemsize)
        view = make_array(view_type)(context, builder)
        populate_array(
            view,
            data=ary.data,
            shape=shape,
            strides=cgutils.pack_array(builder, [builder.mul(cols, itemsize), itemsize]),
            itemsize=itemsize,
            meminfo=None,
        )
        return view._getvalue()

    return view_type(space, like), codegen
