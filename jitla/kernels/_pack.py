"""Panel packing for the packed (Goto / BLIS) GEMM.

Packing copies a block of A or B into a contiguous buffer in exactly the
order the micro-kernel reads it, so that the micro-kernel streams through
memory with unit stride and the block stays resident in one cache level
(Goto & van de Geijn, "Anatomy of high-performance matrix multiplication",
ACM TOMS 34(3), 2008, Sec. 4; Van Zee & van de Geijn, "BLIS", ACM TOMS
41(3), 2015, Fig. 2).

Both routines zero-pad the last micro-panel, so the micro-kernel always
works on a full MR x NR tile and never needs an edge case in its inner loop.
No checks are made on the inputs.
"""

from __future__ import annotations

from jitla._jit import kernel
from jitla.kernels._tile import MR, tile_width, unit_stride_row


@kernel
def pack_a(A, i0, p0, mc, kc, alpha, Ap):
    """Pack ``alpha * A[i0:i0+mc, p0:p0+kc]`` into MR-row micro-panels.

    Parameters
    ----------
    A : (m, k) float array, any layout
    i0, p0 : int
        Top-left corner of the block.
    mc, kc : int
        Block size.
    alpha : float
        Scale folded into the packed copy (so the micro-kernel never scales).
    Ap : 1-D float array, length >= ceil(mc/MR)*MR*kc, overwritten
        Micro-panel ``r`` (rows ``r*MR ... r*MR+MR-1``) starts at ``r*MR*kc``
        and stores column ``p`` of the panel at ``p*MR ... p*MR+MR-1``:
        ``Ap[r*MR*kc + p*MR + i] = alpha * A[i0 + r*MR + i, p0 + p]``, with
        rows past ``mc`` set to zero.

    Notes
    -----
    Workspace: none besides ``Ap``.  Reads mc*kc elements, writes
    ceil(mc/MR)*MR*kc.
    """
    zero = Ap.dtype.type(0)
    for ir in range(0, mc, MR):
        mr = min(MR, mc - ir)
        panel = ir * kc
        if mr == MR:
            # full micro-panel: a constant trip count that LLVM unrolls
            for p in range(kc):
                dst = panel + p * MR
                for i in range(MR):
                    Ap[dst + i] = alpha * A[i0 + ir + i, p0 + p]
        else:
            # last micro-panel: copy mr rows and zero-pad to MR
            for p in range(kc):
                dst = panel + p * MR
                for i in range(MR):
                    Ap[dst + i] = alpha * A[i0 + ir + i, p0 + p] if i < mr else zero


@kernel
def pack_b(B, p0, j0, kc, nc, Bp):
    """Pack ``B[p0:p0+kc, j0:j0+nc]`` into NR-column micro-panels.

    Parameters
    ----------
    B : (k, n) float array, any layout
    p0, j0 : int
        Top-left corner of the block.
    kc, nc : int
        Block size.
    Bp : 1-D float array, length >= ceil(nc/NR)*NR*kc, overwritten
        Micro-panel ``s`` (columns ``s*NR ... s*NR+NR-1``) starts at
        ``s*NR*kc`` and stores row ``p`` of the panel at ``p*NR ... p*NR+NR-1``:
        ``Bp[s*NR*kc + p*NR + j] = B[p0 + p, j0 + s*NR + j]``, columns past
        ``nc`` set to zero.
    """
    NR = tile_width(Bp)
    zero = Bp.dtype.type(0)
    for jr in range(0, nc, NR):
        nr = min(NR, nc - jr)
        panel = jr * kc
        if nr == NR and B.strides[1] == B.itemsize:
            # full micro-panel, rows of B contiguous: NR contiguous elements per
            # row, a constant-length copy that compiles to a few vector moves
            # (4x faster than a loop whose length is only known at run time)
            # whatever B's layout type
            for p in range(kc):
                src = unit_stride_row(B, p0 + p, j0 + jr, NR)
                dst = Bp[panel + p * NR : panel + p * NR + NR]
                for j in range(NR):
                    dst[j] = src[j]
        else:
            # last micro-panel (copy nr columns and zero-pad to NR), or a B
            # whose rows are strided
            for p in range(kc):
                dst = panel + p * NR
                for j in range(NR):
                    Bp[dst + j] = B[p0 + p, j0 + jr + j] if j < nr else zero
