"""Layout helpers: cache-blocked transposes used at the API boundary.

A plain ``np.array(a.T, order="C")`` walks one of the two arrays with a
stride of n elements: for n = 2048 float64 that is a new cache line (and
often a new page) for every element.  Transposing TILE x TILE blocks
keeps both blocks in L1 while they are read and written (measured in
devlog 002).  No checks are made on the inputs.
"""

from __future__ import annotations

import numpy as np

from jitla._jit import kernel

#: Tile edge in elements: two 32 x 32 float64 tiles take 16 KiB of L1.
TILE = 32


@kernel
def transpose_triangle(src, dst, lower_only):
    """``dst = src.T`` tile by tile; with *lower_only*, zero the strict upper triangle of dst.

    Parameters
    ----------
    src : (m, n) ndarray
    dst : (n, m) ndarray, overwritten
    lower_only : bool
        Keep only ``dst[j, i]`` with ``j >= i`` (the transpose of src's upper
        triangle) and write zeros above the diagonal.

    Notes
    -----
    Workspace none; reads and writes m*n elements once each.
    """
    m, n = src.shape
    for i0 in range(0, m, TILE):
        i1 = min(i0 + TILE, m)
        for j0 in range(0, n, TILE):
            j1 = min(j0 + TILE, n)
            for i in range(i0, i1):
                for j in range(j0, j1):
                    if lower_only and j < i:
                        dst[j, i] = 0
                    else:
                        dst[j, i] = src[i, j]


#: Byte alignment of :func:`aligned_empty` arrays: one cache line, one zmm register.
ALIGNMENT = 64


@kernel
def aligned_empty(rows, cols, like):
    """An uninitialised C-contiguous (rows, cols) array of *like*'s dtype, 64-byte aligned.

    numpy aligns large arrays to 16 bytes and Numba to 32, so a 512-bit
    load or store of a row can straddle two cache lines.  For the level-1
    loops of the Jacobi SVD (two rows rotated per step, store-bound) that
    cost 7 % at 32-byte alignment and 35-40 % at 16 (n = 512, devlog 005).
    Rows stay aligned when ``cols * itemsize`` is a multiple of 64.
    """
    item = like.itemsize
    buf = np.empty(rows * cols + ALIGNMENT // item, dtype=like.dtype)
    offset = ((ALIGNMENT - buf.ctypes.data % ALIGNMENT) % ALIGNMENT) // item
    return buf[offset : offset + rows * cols].reshape((rows, cols))
