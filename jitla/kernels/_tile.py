"""Register tiles: small fixed-size arrays that live on the stack.

A GEMM micro-kernel keeps an MR x NR block of C in registers while it walks
the k dimension.  Numba has no vector types and ``np.zeros`` allocates on the
heap (through the NRT), where LLVM can never promote it to registers.  The
intrinsic :func:`register_tile` instead allocates the block with ``alloca`` in
the function's entry block and wraps it as an ordinary 2-D C-contiguous
array.  Once the loops over the tile are fully unrolled (they have constant
trip counts), LLVM's SROA pass turns every element into an SSA value, and the
SLP vectoriser packs each row of NR values into a few wide registers.

Rules for callers: the tile must not escape the function that created it
(never return it or store it in another array) and it starts uninitialised.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload
from numba.np.arrayobj import make_array, populate_array

#: Bytes in one vector register (AVX-512 zmm).
VECTOR_BYTES = 64
#: Rows of the register tile: broadcasts of A per k step.
MR = 6
#: Vector registers per tile row: NR = VECTORS_PER_ROW * lanes.
VECTORS_PER_ROW = 4


def tile_shape(dtype) -> tuple[int, int]:
    """Return ``(MR, NR)`` of the GEMM register tile for *dtype*.

    ``NR`` is four vector registers wide: 32 for float64 and 64 for float32,
    so the 6 x NR tile fills 24 of the 32 zmm registers and leaves 4 for rows
    of B and 1 for the broadcast element of A.
    """
    itemsize = np.dtype(dtype).itemsize
    return MR, VECTORS_PER_ROW * VECTOR_BYTES // itemsize


def tile_width(a):
    """Return NR for the dtype of array *a* (callable from jitted code)."""
    return tile_shape(a.dtype)[1]


@overload(tile_width, jit_options={"cache": True})
def _tile_width(a):
    nr = VECTORS_PER_ROW * VECTOR_BYTES // (a.dtype.bitwidth // 8)
    return lambda a: nr


@intrinsic
def register_tile(typingctx, like, rows, vectors):
    """Allocate an uninitialised ``rows x (vectors * lanes)`` stack array.

    Parameters
    ----------
    like : array
        Only its dtype is used; ``lanes = 64 // itemsize``.
    rows, vectors : int literals
        Compile-time sizes.
    """
    if not (isinstance(rows, types.IntegerLiteral) and isinstance(vectors, types.IntegerLiteral)):
        return None
    dtype = like.dtype
    n_rows = rows.literal_value
    n_cols = vectors.literal_value * VECTOR_BYTES // (dtype.bitwidth // 8)
    tile_type = types.Array(dtype, 2, "C")

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

    return tile_type(like, rows, vectors), codegen
