"""GEMM as a progression: ``C += alpha * A @ B``, five variants.

Each variant is a complete function and a small step from the previous one:

1. :func:`gemm_naive`     textbook i-j-k dot products
2. :func:`gemm_reordered` i-k-j order, unit-stride inner loop
3. :func:`gemm_blocked`   the i-k-j loops tiled for the caches
4. :func:`gemm_packed`    Goto / BLIS: packed panels + register-tile micro-kernel
5. :func:`gemm_parallel`  the packed kernel with ``prange`` over row blocks of C

Complex products (:data:`ZGEMM_VARIANTS`, end of the file) reuse the real
packed body: :func:`zgemm_1m` (interleaved storage, one real product) and
:func:`zgemm_3m` (three real products), with :func:`zgemm_1m_small` (1m on
the register tiles of :func:`gemm_small`) below the sizes where packing pays
and :func:`zgemm_small` (complex i-k-j loops) by name only;
:func:`zgemm_1m_a` is 1m with B read in place and A split, and
:func:`zgemm_1m_ah` the same for ``A^H B`` with A read in place (the
``V^H B`` products of the blocked complex QR).

Kernel contract (all variants): ``A`` is (m, k), ``B`` is (k, n), ``C`` is
(m, n), all of one float dtype (float32 or float64); ``C`` is updated in
place, ``C += alpha * A @ B``.  The API passes C-contiguous arrays; other
layouts work but compile separately and run slower, except in the packed
body (:func:`packed_region`), which is compiled once for every layout and
runs at full speed on any operands whose rows are contiguous.  No checks
are made on the inputs.

Flops: 2mnk for every variant.  References: Golub & Van Loan, *Matrix
Computations*, 4th ed., Sec. 1.1 (loop orderings) and 1.5 (blocking);
Goto & van de Geijn, ACM TOMS 34(3), 2008; Van Zee & van de Geijn, BLIS,
ACM TOMS 41(3), 2015.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange, types, uint64

from jitla._jit import enable_cache, kernel, out_of_line, vector_kernel, vector_parallel_kernel
from jitla.kernels._pack import pack_a, pack_b
from jitla.kernels._registry import register
from jitla.kernels._tile import (
    MR,
    contiguous_view,
    gemm_register_tile,
    matrix_view,
    register_tile,
    small_strip_halves,
    small_tile_rows,
    small_wide_halves,
    strip_tile,
    tile_width,
    unit_stride_row,
)
from jitla.kernels.level1 import dot as level1_dot
from jitla.kernels.level1 import round_up

#: Zero as an int64 for the bounds in ``packed_region``'s *region* tuples: a literal ``0``
#: there is typed ``Literal[int](0)``, and each mix of literal and int64 bounds would compile
#: its own copy of the whole GEMM body.
_I0 = np.int64(0)


def gemm_flops(m, n, k):
    """Nominal GEMM flop count, 2mnk (one multiply and one add per term)."""
    return 2.0 * m * n * k


def _gemm_example(dtype):
    """Operands of a tiny GEMM call (for :func:`jitla.warmup`)."""
    return np.ones((7, 5), dtype), np.ones((5, 3), dtype), np.zeros((7, 3), dtype), dtype.type(1)


def _batched_example(dtype):
    index = np.zeros(2, np.int64)
    return np.ones((1, 3, 3), dtype), np.ones((1, 3, 3), dtype), np.empty((2, 3, 3), dtype), index, index


def _gemv_example(dtype):
    return np.ones((7, 5), dtype), np.ones(5, dtype), np.zeros(7, dtype), dtype.type(1)


def _gemv_t_example(dtype):
    return np.ones((7, 5), dtype), np.ones(7, dtype), np.zeros(5, dtype), dtype.type(1)


def _dot_example(dtype):
    return np.ones(9, dtype), np.ones(9, dtype)


# --------------------------------------------------------------------------
# 1. naive
# --------------------------------------------------------------------------
@register(
    "gemm",
    "naive",
    "textbook i-j-k: a dot product per element of C",
    flops=gemm_flops,
    example=_gemm_example,
)
@kernel
def gemm_naive(A, B, C, alpha):
    """``C += alpha * A @ B`` with the textbook i-j-k loop.

    The inner loop walks down a column of B: stride n elements, a new cache
    line for every multiply-add once a column no longer fits in cache.

    Parameters
    ----------
    A : (m, k) ndarray
    B : (k, n) ndarray
    C : (m, n) ndarray, updated in place
    alpha : float

    Notes
    -----
    Golub & Van Loan, 4th ed., Algorithm 1.1.5 (dot product version).
    Flops 2mnk; no workspace.
    """
    m, k = A.shape
    n = B.shape[1]
    for i in range(m):
        for j in range(n):
            s = C.dtype.type(0)
            for p in range(k):
                s += A[i, p] * B[p, j]
            C[i, j] += alpha * s


# --------------------------------------------------------------------------
# 2. reordered
# --------------------------------------------------------------------------
@register(
    "gemm",
    "reordered",
    "i-k-j order: unit-stride inner loop (axpy on rows of C)",
    flops=gemm_flops,
    example=_gemm_example,
)
@kernel
def gemm_reordered(A, B, C, alpha):
    """``C += alpha * A @ B`` with the i-k-j loop order.

    Swapping the two inner loops turns the inner loop into an axpy over a row
    of B and a row of C: unit stride in both, so every cache line is used
    fully and the loop vectorises.  Row ``i`` of C stays in cache while k
    rows of B stream past it.

    Parameters
    ----------
    A : (m, k) ndarray
    B : (k, n) ndarray
    C : (m, n) ndarray, updated in place
    alpha : float

    Notes
    -----
    Golub & Van Loan, 4th ed., Sec. 1.1.11 (loop reorderings, "ikj").
    Flops 2mnk; no workspace.
    """
    m, k = A.shape
    n = B.shape[1]
    for i in range(m):
        for p in range(k):
            a = alpha * A[i, p]
            for j in range(n):
                C[i, j] += a * B[p, j]


# --------------------------------------------------------------------------
# 3. blocked
# --------------------------------------------------------------------------
@register(
    "gemm",
    "blocked",
    "i-k-j tiled for the caches (MC x KC x NC blocks), no packing",
    flops=gemm_flops,
    example=_gemm_example,
    extra_args=("blocks",),
)
@kernel
def gemm_blocked(A, B, C, alpha, blocks):
    """``C += alpha * A @ B`` with all three loops tiled.

    A KC x NC block of B is reused by every row of A in the MC-row block;
    chosen so that it stays in L2 while the rows of C and A stream through.
    Inside a tile the loops are the i-k-j order of :func:`gemm_reordered`.

    Parameters
    ----------
    A : (m, k) ndarray
    B : (k, n) ndarray
    C : (m, n) ndarray, updated in place
    alpha : float
    blocks : tuple of int
        ``(MC, KC, NC)`` block sizes (see :mod:`jitla.config`).

    Notes
    -----
    Golub & Van Loan, 4th ed., Sec. 1.5.4 (block matrix multiplication).
    Flops 2mnk; no workspace.  The tiles are strided views of A, B and C:
    a row of a B tile is contiguous, but consecutive rows are n elements
    apart, so they map to few cache sets when n is a power of two -- the
    conflict misses that packing removes.
    """
    MC, KC, NC = blocks
    m, k = A.shape
    n = B.shape[1]
    # loop 5 (jc): over n, NC columns at a time
    for jc in range(0, n, NC):
        j1 = min(jc + NC, n)
        # loop 4 (pc): over k, KC at a time
        for pc in range(0, k, KC):
            p1 = min(pc + KC, k)
            # loop 3 (ic): over m, MC rows at a time
            for ic in range(0, m, MC):
                i1 = min(ic + MC, m)
                for i in range(ic, i1):
                    C_row = C[i, jc:j1]
                    for p in range(pc, p1):
                        a = alpha * A[i, p]
                        B_row = B[p, jc:j1]
                        # C[i, jc:j1] += a * B[p, jc:j1]; the row views let the
                        # loop start at 0, so Numba drops its negative-index
                        # check and LLVM vectorises (the range(jc, j1) form
                        # compiled to scalar code, see devlog 001)
                        for j in range(j1 - jc):
                            C_row[j] += a * B_row[j]


# --------------------------------------------------------------------------
# 4. packed (Goto / BLIS)
# --------------------------------------------------------------------------
@vector_kernel
def micro_kernel(kc, Ap, Bp, C, i0, j0, mr, nr):
    """``C[i0:i0+mr, j0:j0+nr] += Ap_panel @ Bp_panel``: the register-tile kernel.

    Contract
    --------
    * ``Ap`` holds an MR x kc micro-panel of A packed column by column:
      ``Ap[p*MR + i] = A[i, p]`` (alpha already folded in by :func:`pack_a`).
    * ``Bp`` holds a kc x NR micro-panel of B packed row by row:
      ``Bp[p*NR + j] = B[p, j]``.
    * Both are zero-padded to full MR x NR by the packing, so the k loop
      always computes a full tile; only the final update of C is clipped to
      ``mr x nr``.
    * MR = 6; NR = v vector registers, sized for the compile target by
      :func:`~jitla.kernels._tile.choose_tile`: with AVX-512 v = 4 (6 x 32
      float64, 24 zmm accumulators + 4 for a row of B + 1 broadcast = 29 of
      32 registers), with AVX2 v = 2 (6 x 8 float64, 12 + 2 + 1 = 15 of 16
      ymm).

    Each k step is a rank-1 update of the tile: 6 broadcasts of A, v vector
    loads of B, 6v vector FMAs.  The tile is a stack array
    (:func:`~jitla.kernels._tile.gemm_register_tile`); the loops over it
    have constant trip counts, LLVM unrolls them fully, and SLP packs each
    row of NR scalars into v vector registers.  Indices into the packed buffers are
    unsigned so Numba emits no negative-index wraparound.

    Notes
    -----
    Van Zee & van de Geijn, BLIS, ACM TOMS 41(3), 2015, Sec. 3 (the
    micro-kernel).  Unlike BLIS's column-major kernels this one is the
    row-major mirror image: the long side of the tile runs along n, which is
    the unit-stride direction of a C-order C.  Flops 2*MR*NR*kc.
    """
    acc = gemm_register_tile(C)
    NR = acc.shape[1]
    for i in range(MR):
        for j in range(NR):
            acc[i, j] = 0
    for p in range(kc):
        pa = uint64(p) * uint64(MR)
        pb = uint64(p) * uint64(NR)
        for i in range(MR):
            a = Ap[pa + uint64(i)]
            for j in range(NR):
                acc[i, j] += a * Bp[pb + uint64(j)]  # acc += outer(Ap[:, p], Bp[p, :])
    if mr == MR and nr == NR and C.strides[1] == C.itemsize:
        # full tile, rows of C contiguous: constant trip counts from 0 over
        # unit-stride row views, so the update is 6v vector load-add-stores
        # whatever C's layout type (indexing C[i0 + i, j0 + j] directly kept
        # Numba's negative-index checks and compiled to scalars)
        for i in range(MR):
            C_row = unit_stride_row(C, i0 + i, j0, NR)
            for j in range(NR):
                C_row[j] += acc[i, j]
    else:
        # edge tile (only the mr x nr corner of the padded tile is real), or
        # a C whose rows are strided
        for i in range(mr):
            C_row = C[i0 + i, j0 : j0 + nr]
            for j in range(nr):
                C_row[j] += acc[i, j]


@vector_kernel
def macro_kernel(mc, nc, kc, Ap, Bp, C, ic, jc):
    """Loops 2 and 1 around the micro-kernel: one packed block of A times one of B.

    ``C[ic:ic+mc, jc:jc+nc] += (packed A block) @ (packed B block)``.  Loop 2
    fixes an MR x kc micro-panel of A, which stays in L1 (6 x 384 x 8 B =
    18 KiB with a 32 KiB L1), while loop 1 streams the kc x NR micro-panels of the packed B
    block through it from L2.
    """
    NR = tile_width(Bp)
    # loop 2 (ir): over the block's rows, MR at a time
    for ir in range(0, mc, MR):
        mr = min(MR, mc - ir)
        # loop 1 (jr): over the block's columns, NR at a time
        for jr in range(0, nc, NR):
            nr = min(NR, nc - jr)
            micro_kernel(kc, Ap[ir * kc :], Bp[jr * kc :], C, ic + ir, jc + jr, mr, nr)


@out_of_line(any_layout=("A", "B", "C"))
@vector_kernel
def packed_region(A, B, C, alpha, blocks, region, Ap, Bp):
    """``C[i_lo:i_hi, j_lo:j_hi] += alpha * A[i_lo:i_hi] @ B[:, j_lo:j_hi]``, packed.

    The five loops of the packed GEMM over one rectangular region of C
    (``region = (i_lo, i_hi, j_lo, j_hi)``), using the caller's packing
    buffers ``Ap`` (>= ceil(MC/MR)*MR*KC elements) and ``Bp``
    (>= ceil(NC/NR)*NR*KC).  :func:`gemm_packed` calls it for the whole of C;
    :func:`gemm_parallel` calls it once per thread for that thread's region.

    The loops are the row-major mirror image of BLIS's: BLIS's column-major
    micro-kernel is tall (MR = 32 along m, the unit-stride direction of its
    C), ours is wide (NR = 8 to 32 along n, the unit-stride direction of a C-order
    C).  So the roles of A and B swap: the large packed block of A lives in
    L3 (loop 5 is over m), the packed block of B in L2 (loop 3 is over n),
    and an MR x kc micro-panel of A in L1.
    """
    MC, KC, NC = blocks
    i_lo, i_hi, j_lo, j_hi = region
    k = A.shape[1]
    # loop 5 (ic): over m, MC rows at a time -- the packed A block lives in L3
    for ic in range(i_lo, i_hi, MC):
        mc = min(MC, i_hi - ic)
        # loop 4 (pc): over k, KC at a time
        for pc in range(0, k, KC):
            kc = min(KC, k - pc)
            pack_a(A, ic, pc, mc, kc, alpha, Ap)
            # loop 3 (jc): over n, NC columns at a time -- the packed B block lives in L2
            for jc in range(j_lo, j_hi, NC):
                nc = min(NC, j_hi - jc)
                pack_b(B, pc, jc, kc, nc, Bp)
                macro_kernel(mc, nc, kc, Ap, Bp, C, ic, jc)


@register(
    "gemm",
    "packed",
    "Goto/BLIS: packed A and B blocks, 6xNR register-tile micro-kernel",
    flops=gemm_flops,
    example=_gemm_example,
    extra_args=("blocks",),
)
@vector_kernel
def gemm_packed(A, B, C, alpha, blocks):
    """``C += alpha * A @ B``, Goto / BLIS style: five loops around a micro-kernel.

    Parameters
    ----------
    A : (m, k) ndarray
    B : (k, n) ndarray
    C : (m, n) ndarray, updated in place
    alpha : float
    blocks : tuple of int
        ``(MC, KC, NC)``: rows of the packed A block (sized for L3), depth of
        both packed blocks (an MR x KC micro-panel of A fits L1), and columns
        of the packed B block (KC x NC sized for L2).

    Notes
    -----
    Goto & van de Geijn, ACM TOMS 34(3), 2008, Fig. 8 (GEBP); Van Zee &
    van de Geijn, BLIS, ACM TOMS 41(3), 2015, Fig. 2 -- mirrored for
    row-major C, see :func:`packed_region`.  Flops 2mnk.  Workspace:
    ceil(MC/MR)*MR*KC + ceil(NC/NR)*NR*KC elements for the packed blocks.
    """
    MC, KC, NC = blocks
    m, k = A.shape
    n = B.shape[1]
    NR = tile_width(C)
    Ap = np.empty(round_up(min(MC, m), MR) * min(KC, k), dtype=C.dtype)
    Bp = np.empty(round_up(min(NC, n), NR) * min(KC, k), dtype=C.dtype)
    packed_region(A, B, C, alpha, blocks, (_I0, m, _I0, n), Ap, Bp)


@vector_kernel
def gemm_packed_into(A, B, C, alpha, blocks, Ap, Bp):
    """:func:`gemm_packed` with the packing buffers from the caller.

    Parameters
    ----------
    A, B, C, alpha, blocks
        As :func:`gemm_packed`.
    Ap, Bp : 1-D ndarray of C's dtype
        Packing buffers of at least ``round_up(min(MC, m), MR) * min(KC, k)``
        and ``round_up(min(NC, n), NR) * min(KC, k)`` elements.

    Notes
    -----
    For callers that make many products in a row (the ``matmul`` API): a
    buffer allocated and freed on every call can be handed back to the OS
    by malloc each time (glibc trims the top of its heap), so every call
    pays a page fault per 4 KiB of buffer -- more than the product itself
    at n = 256.  Flops 2mnk; no workspace of its own.
    """
    packed_region(A, B, C, alpha, blocks, (_I0, A.shape[0], _I0, B.shape[1]), Ap, Bp)


# --------------------------------------------------------------------------
# 5. parallel
# --------------------------------------------------------------------------
@kernel
def thread_grid(m, n, nthreads, NR):
    """Split C among *nthreads* as a ``pr x pc`` grid of regions.

    Every factorisation ``pr * pc = nthreads`` is tried (limited by the
    number of MR-row and NR-column micro-panels); the one whose regions have
    the smallest half-perimeter ``m/pr + n/pc`` wins, because each thread
    packs its own rows of A and columns of B and that packing is
    proportional to the perimeter.  On a tie (a square C) the split with
    more row regions wins: each thread then packs only its own rows of A,
    which fit in fewer MC blocks, and the threads' packed A blocks are
    disjoint, so the shared L3 holds one A block's worth instead of one per
    thread (measured in devlog 089).  Returns ``(pr, pc)``.
    """
    row_panels = (m + MR - 1) // MR
    col_panels = (n + NR - 1) // NR
    best_pr, best_pc, best_cost = 1, 1, np.inf
    for pr in range(1, nthreads + 1):
        if nthreads % pr != 0:
            continue
        pc = nthreads // pr
        if pr > row_panels or pc > col_panels:
            continue
        cost = m / pr + n / pc
        if cost <= best_cost:  # pr ascends: a tie goes to the larger pr
            best_pr, best_pc, best_cost = pr, pc, cost
    return best_pr, best_pc


@register(
    "gemm",
    "parallel",
    "packed kernel, prange over a grid of C regions; per-thread packing buffers",
    flops=gemm_flops,
    example=_gemm_example,
    parallel=True,
    extra_args=("blocks", "nthreads"),
)
@vector_parallel_kernel
def gemm_parallel(A, B, C, alpha, blocks, nthreads):
    """``C += alpha * A @ B``: :func:`gemm_packed` on a grid of C regions in parallel.

    C is split into a ``pr x pc`` grid (:func:`thread_grid`) of regions made
    of whole micro-panels, balanced to within one micro-panel; ``prange``
    gives each region to a thread, which runs the five packed loops on it
    with its own packing buffers.  Threads share nothing they write, so no
    barrier is needed, and every element of C is summed in the same order
    whatever the thread count (the k loop is never split): results are
    bitwise identical for 1, 2 or 16 threads.

    Parameters
    ----------
    A, B, C, alpha, blocks
        As :func:`gemm_packed`.
    nthreads : int
        Number of regions (normally ``numba.get_num_threads()``, passed in
        so the partition is explicit and the compiled code can be cached).

    Notes
    -----
    Smith, van de Geijn et al., "Anatomy of high-performance many-threaded
    matrix multiplication", IPDPS 2014, Sec. 4 (parallelising loops 3 and 5).
    Unlike BLIS, each thread packs its own share of B rather than sharing
    one packed block: simpler and barrier-free, at the cost of packing B
    ``pr`` times (about 1 % of the flops at n = 1024 on 2 threads).  Flops
    2mnk.  Workspace per region: one packed A block and one packed B block.
    """
    MC, KC, NC = blocks
    m, k = A.shape
    n = B.shape[1]
    NR = tile_width(C)
    grid = _grid(m, n, nthreads, NR)
    kc_max = min(KC, k)
    Ap = np.empty((grid[0] * grid[1], round_up(min(MC, m), MR) * kc_max), dtype=C.dtype)
    Bp = np.empty((grid[0] * grid[1], round_up(min(NC, n), NR) * kc_max), dtype=C.dtype)
    for t in prange(grid[0] * grid[1]):
        packed_region(A, B, C, alpha, blocks, _grid_region(t, grid, m, n, NR), Ap[t], Bp[t])


@kernel
def _grid(m, n, nthreads, NR):
    """``(pr, pc, row_panels, col_panels)``: :func:`thread_grid` and the micro-panel counts."""
    pr, pc = thread_grid(m, n, max(1, nthreads), NR)
    return pr, pc, (m + MR - 1) // MR, (n + NR - 1) // NR


@kernel
def _grid_region(t, grid, m, n, NR):
    """``(i_lo, i_hi, j_lo, j_hi)`` of region *t* of the ``pr x pc`` grid (whole micro-panels)."""
    pr, pc, row_panels, col_panels = grid
    s = np.int64(t)  # prange's index is unsigned: int64 keeps the bounds integers
    tr, tc = s // pc, s % pc
    i_lo = min(m, (tr * row_panels // pr) * MR)
    i_hi = min(m, ((tr + 1) * row_panels // pr) * MR)
    j_lo = min(n, (tc * col_panels // pc) * NR)
    j_hi = min(n, ((tc + 1) * col_panels // pc) * NR)
    return i_lo, i_hi, j_lo, j_hi


@vector_parallel_kernel
def gemm_parallel_into(A, B, C, alpha, blocks, nthreads, Ap, Bp):
    """:func:`gemm_parallel` with the packing buffers from the caller.

    Parameters
    ----------
    A, B, C, alpha, blocks, nthreads
        As :func:`gemm_parallel`.
    Ap, Bp : 2-D ndarray of C's dtype
        Row t is region t's buffer (as :func:`gemm_packed_into`'s, for all
        m rows and n columns); at least ``max(1, nthreads)`` rows.

    Notes
    -----
    Why the caller's buffers: see :func:`gemm_packed_into`.  Same partition,
    same sums, bitwise the same C as :func:`gemm_parallel`.
    """
    m = A.shape[0]
    n = B.shape[1]
    grid = _grid(m, n, nthreads, tile_width(C))
    for t in prange(grid[0] * grid[1]):
        packed_region(A, B, C, alpha, blocks, _grid_region(t, grid, m, n, tile_width(C)), Ap[t], Bp[t])


# --------------------------------------------------------------------------
# one small product, written once (matmul's "auto" choice below SMALL_GEMM)
# --------------------------------------------------------------------------
@vector_kernel
def _small_tile(A, B, C, i_lo, i_hi, j0, rows, halves):
    """``C[i0:i0+R, j0:j0+W] = A[i0:i0+R] @ B[:, j0:j0+W]``, i0 = i_lo, i_lo + R, ...: tiles, C written once.

    Tiles start below *i_hi*; the last is moved back to end at *i_hi* (and
    to start at 0 at the latest): rows ``[i_lo, i_hi)`` of the strip in as
    few calls as there are tile shapes -- a call per tile cost 20-50 ns,
    10-20 % of a 100 x 100 product in 8-row tiles and more in AVX2's 4-row
    ones (devlog 078).

    ``W`` is *halves* 32-byte halves of a 64-byte chunk of lanes (a chunk
    is 8 float64 or 16 float32: one zmm, two ymm); ``R`` is *rows*.  Both
    are literals (each caller's constants compile their own copy, in which
    the tile's shape is a constant).  The accumulators are a stack tile
    (:func:`~jitla.kernels._tile.strip_tile`): its loops have constant
    trip counts, so LLVM keeps it in registers, and each k step is R
    broadcasts of A and R*v vector FMAs with one row of B (v vectors).  C is stored once
    at the end, never read: the k loop of :func:`gemm_reordered` loads and
    stores its row of C at every step, and when C is not 64-byte aligned
    (numpy aligns to 16 bytes) each of those stores straddles two cache
    lines and the next step's load cannot be forwarded from it -- 3 to 7
    times slower from n = 32 on (devlog 019).  The caller keeps the tile
    inside C and B; rows of the tile past A's last row repeat that row
    (same sums, stored to the same row of C), so a tile may be taller than
    A.  The row of B is taken with :func:`~jitla.kernels._tile.unit_stride_row`
    (no clamp of the slice bounds): a slice ``B[p, j0:j0+W]`` clamped its end
    to B's width at every k step, with three loads from the stack, in the
    loop of 16 FMAs (devlog 080).
    """
    acc = strip_tile(C, rows, halves)
    R = acc.shape[0]
    W = acc.shape[1]
    last = A.shape[0] - 1
    for t in range(i_lo, i_hi, R):
        i0 = max(min(t, i_hi - R), 0)
        for r in range(R):
            for l in range(W):
                acc[r, l] = 0
        for p in range(A.shape[1]):
            B_row = unit_stride_row(B, p, j0, W)
            for r in range(R):
                a = A[min(i0 + r, last), p]
                for l in range(W):
                    acc[r, l] += a * B_row[l]  # acc += outer(A[i0:i0+R, p], B[p, j0:j0+W])
        for r in range(R):
            C_row = C[min(i0 + r, last), j0 : j0 + W]
            for l in range(W):
                C_row[l] = acc[r, l]


@vector_kernel(inline="always")
def _small_strip(A, B, C, j0, halves, share):
    """``C[:, j0:j0+W] = A @ B[:, j0:j0+W]``: one strip of columns, tile by tile down the rows.

    ``W`` as in :func:`_small_tile`.  Tiles of R rows
    (:func:`~jitla.kernels._tile.small_tile_rows`), then edge tiles of E
    rows for the rest, the last moved back to end at the bottom edge (it
    overlaps its neighbour and recomputes a few entries with the same
    result); with fewer rows than an edge tile, one edge tile whose rows
    past the last repeat it.  ``E = R / share``: main strips take ``share =
    2`` (R/2 rows: a 100-row strip of 8-row tiles is covered exactly);
    one-chunk and half-chunk strips (narrow matrices, the last few columns)
    ``share = 1``, the main tile's own shape, in one call to
    :func:`_small_tile` -- each tile shape costs about 0.3 s to compile and
    each call 20-50 ns, and a tile of 8 such rows (one vector each, 8
    accumulators) takes the time of a tile of 4, whose 4 accumulators wait on
    the FMA latency (devlog 080).  Inlined into its caller (Numba ``inline="always"``), so the
    caller's constant *halves* and *share* reach the tiles as literals.
    """
    R = small_tile_rows(halves, 1)
    E = small_tile_rows(halves, share)  # R/2 rows for main strips, R for the others
    m = A.shape[0]
    if share == 1:
        # edge tiles of the main tile's shape: one call, whose last tile is moved back
        _small_tile(A, B, C, 0, m, j0, R, halves)
        return
    full = m - m % R
    if full > 0:
        _small_tile(A, B, C, 0, full, j0, R, halves)
    if full < m:
        _small_tile(A, B, C, full, m, j0, E, halves)


@vector_kernel(inline="always")
def _small_dots(A, B, C):
    """``C = A @ B`` entry by entry, a dot product over p in order each: products under half a chunk wide."""
    for i in range(A.shape[0]):
        for j in range(B.shape[1]):
            s = C.dtype.type(0)
            for p in range(A.shape[1]):
                s += A[i, p] * B[p, j]
            C[i, j] = s


def _small_example(dtype):
    """Operands of a tiny :func:`gemm_small` call (for :func:`jitla.warmup`)."""
    return np.ones((7, 5), dtype), np.ones((5, 19), dtype), np.empty((7, 19), dtype)


@register(
    "gemm_small",
    "tiles",
    "C = A @ B for small operands: register tiles two vectors wide, C written once",
    flops=gemm_flops,
    example=_small_example,
)
@vector_kernel
def gemm_small(A, B, C):
    """``C = A @ B`` (overwritten, not accumulated) for operands that fit in the caches.

    Parameters
    ----------
    A : (m, k) ndarray
    B : (k, n) ndarray
        Any strides (the API passes C-contiguous arrays or, through the
        any-layout signature, views as they come); read only.  A B that
        is not C-contiguous is copied first (k*n elements).
    C : (m, n) ndarray, C-contiguous
        Overwritten.

    Notes
    -----
    Register tiles (:func:`_small_tile`) cover C in strips of columns.
    Main strips are two vector registers wide
    (:func:`~jitla.kernels._tile.small_strip_halves_for`: W = 16 float64 /
    32 float32 with AVX-512, 8 / 16 with AVX2), in tiles of R rows whose
    accumulators take half the register file (8 rows with AVX-512, 4 with
    AVX2, :func:`~jitla.kernels._tile.small_tile_rows`), then R/2
    (:func:`_small_strip`).  After them, more than a quarter chunk of
    columns left (H = 4 float64 / 8 float32) takes one more main strip
    moved back to end at the edge; at most H columns, strips of H (one
    ymm per row, 8-row tiles).  A matrix narrower than a main strip takes
    one-chunk strips (one zmm per row, 8-row tiles) and then strips of H,
    as before main strips were widened (devlog 078).  Where a dimension is
    not a multiple of the last tile, that tile is moved back to end at the
    edge and overlaps its neighbour (it recomputes a few entries with the
    same result) instead of running a scalar remainder loop; a 100 x 100
    float64 product takes 6 main strips of 12 x 8 + 4 rows and one strip
    of 4 columns.  With fewer than H columns each entry is a dot product.  Each entry is summed
    over p in order 0..k-1, as :func:`gemm_reordered` does (same
    rounding).  No packing and no cache blocking: the API uses it below
    ``config.SMALL_GEMM``, where the operands sit in L1/L2.  Flops 2mnk
    (plus the overlap, under one tile's worth per edge); no workspace
    beyond the stack tile.

    matmul calls it through :func:`gemm_small_entry`.
    """
    # operands of other strides are copied, so that the loops see unit strides;
    # C-contiguous ones (whatever their type) are retyped in place, which costs
    # nothing where np.ascontiguousarray's own check and reference counts cost
    # about 45 ns each, a tenth of a 10 x 10 product
    size = A.itemsize
    if A.strides[1] == size and A.strides[0] == A.shape[1] * size:
        A = contiguous_view(A)
    else:
        A = np.ascontiguousarray(A)
    if B.strides[1] == size and B.strides[0] == B.shape[1] * size:
        B = contiguous_view(B)
    else:
        B = np.ascontiguousarray(B)
    _small_product(A, B, C)


@vector_kernel(inline="always")
def _small_product(A, B, C):
    """:func:`gemm_small` on C-contiguous A and B (its strips), inlined into its callers."""
    n = B.shape[1]
    M = small_strip_halves()  # main strips: two vector registers per row
    W = M * 32 // C.itemsize
    H = 32 // C.itemsize
    if n < H:
        _small_dots(A, B, C)
        return
    full = n - n % W
    for j in range(0, full, W):
        _small_strip(A, B, C, j, M, 2)
    if n - full > H and full > 0:
        # more than a half chunk left: one main strip moved back to end at the edge
        _small_strip(A, B, C, n - W, M, 2)
        return
    if M > 2 and full == 0:
        # narrower than one main strip: one-chunk strips (one zmm per row) first
        full = n - n % (2 * H)
        for j in range(0, full, 2 * H):
            _small_strip(A, B, C, j, 2, 1)
    for j in range(full, n, H):
        _small_strip(A, B, C, min(j, n - H), 1, 1)


@vector_kernel(inline="always")
def _stack_copy(X, space):
    """*X* copied to the start of the stack buffer *space*, as a C-contiguous matrix (a view of *space*)."""
    Y = matrix_view(space, X)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            Y[i, j] = X[i, j]
    return Y


@vector_kernel(nogil=False, _nrt=False)
def gemm_small_contiguous(A, B, C):
    """:func:`gemm_small` without Numba's runtime, with a wider last strip; False if it cannot copy.

    Parameters
    ----------
    A : (m, k) ndarray
    B : (k, n) ndarray
        Any strides; read only.  An operand that is not C-contiguous
        (strides of a dimension of length 1 do not count, as for numpy's
        flag) is copied to the stack, if it has at most 2048 float64 / 4096
        float32 elements (16 KiB).
    C : (m, n) ndarray, C-contiguous
        Overwritten, or untouched when the result is False.

    Returns
    -------
    bool
        False when an operand is neither C-contiguous nor small enough to
        copy: nothing is done, and the caller passes it to
        :func:`gemm_small` (which copies it to the heap).

    Notes
    -----
    matmul's kernel for one small product (:func:`gemm_small_contiguous_entry`).
    It is compiled without Numba's reference-counting runtime
    (``_nrt=False``): an array argument is then unboxed without the MemInfo
    (a heap block and its reference count) that the runtime wraps around
    each, which cost about 25 ns per array -- a tenth of a 10 x 10
    product's kernel call (devlog 098).  So it allocates nothing on the
    heap, and the copies of small operands of other layouts go to two
    fixed stack buffers (:func:`~jitla.kernels._tile.strip_tile`).  Holds
    the GIL (a call of microseconds).

    The strips are :func:`gemm_small`'s, except where at most a half chunk
    of columns (H = 4 float64 / 8 float32) is left after the main strips
    (AVX2 and AVX-512): the last main strip is then widened by H and
    moved back to end at the edge (:func:`~jitla.kernels._tile.small_wide_halves`:
    20 float64 with AVX-512, two zmm and a ymm per row; 4-row tiles), in
    place of a strip of H columns with a pass over A and a broadcast per
    FMA of its own: a 100 x 100 product is 5 strips of 16 columns and one
    of 20.  The same sums in the same order as :func:`gemm_small` (each
    entry over p in order 0..k-1).  Flops 2mnk plus the overlap; workspace
    32 KiB of stack.
    """
    size = A.itemsize
    m, k = A.shape
    n = B.shape[1]
    a_contiguous = (k <= 1 or A.strides[1] == size) and (m <= 1 or A.strides[0] == k * size)
    b_contiguous = (n <= 1 or B.strides[1] == size) and (k <= 1 or B.strides[0] == n * size)
    space_a = strip_tile(C, 64, 8)  # 16 KiB each on the stack, for copies of small operands
    space_b = strip_tile(C, 64, 8)
    if (not a_contiguous and m * k > space_a.size) or (not b_contiguous and k * n > space_b.size):
        return False
    A = contiguous_view(A) if a_contiguous else _stack_copy(A, space_a)
    B = contiguous_view(B) if b_contiguous else _stack_copy(B, space_b)
    M = small_strip_halves()
    W = M * 32 // C.itemsize
    H = 32 // C.itemsize
    full = n - n % W
    if M >= 2 and n >= W + H and 0 < n - full <= H:
        for j in range(0, full - W, W):
            _small_strip(A, B, C, j, M, 2)
        halves = small_wide_halves()
        _small_tile(A, B, C, 0, m, n - W - H, small_tile_rows(halves, 1), halves)
    else:
        _small_product(A, B, C)
    return True


@vector_kernel
def gemm_two_tiles(A, B, C):
    """``C = A @ B`` (overwritten) in register tiles of two shapes only: the divide-and-conquer products.

    Parameters
    ----------
    A : (m, k) ndarray, C-contiguous
    B : (k, n) ndarray, C-contiguous
        Read only.
    C : (m, n) ndarray, C-contiguous
        Overwritten.

    Notes
    -----
    Two of :func:`gemm_small`'s five tile shapes (:func:`_small_tile`):
    strips of W columns (its main tile: R rows of two vector registers),
    then, for what is left, one main strip moved back to end at the right
    edge if more than a chunk (2H columns) is left, else strips of H
    columns (its half-chunk tile), the last moved back; in every strip the
    last tile is moved back to end at the bottom edge (a moved tile
    overlaps its neighbour and recomputes a few entries with the same
    result; a tile taller than A repeats A's last row).  Fewer than H
    columns: a dot product per entry.  Each tile shape is compiled
    apart and :func:`gemm_small` has five (devlog 079); the
    merges and the reflectors of the divide-and-conquer eigh and SVD
    (:mod:`jitla.kernels.svd_dc`) multiply operands of dozens of rows and
    columns, where the overlap costs a few per cent of one product
    (devlog 079).  Each entry is summed over p in order 0..k-1.  Flops
    ``2mnk`` plus the overlap; no workspace beyond the stack tile.
    """
    m = A.shape[0]
    n = B.shape[1]
    if m == 0 or n == 0:
        return
    M = small_strip_halves()
    R = small_tile_rows(M, 1)
    W = M * 32 // C.itemsize  # main strips
    H = 32 // C.itemsize  # narrow strips: half a chunk
    if n < H:
        _small_dots(A, B, C)
        return
    full = n - n % W
    for j in range(0, full, W):
        _small_tile(A, B, C, 0, m, j, R, M)
    if n - full > 2 * H and full > 0:
        # more than a chunk left: one main strip moved back to end at the edge
        _small_tile(A, B, C, 0, m, n - W, R, M)
        return
    for j in range(full, n, H):
        _small_tile(A, B, C, 0, m, min(j, n - H), small_tile_rows(1, 1), 1)


#: The second dispatchers of :func:`gemm_small` and :func:`zgemm_1m_small` behind
#: :func:`gemm_small_entry` / :func:`zgemm_small_entry`, by function name, made on first use.
_any_layout_dispatchers: dict = {}


def _any_layout_entry(func, dtype):
    """The compiled *func* ``(A, B, C)`` for 2-D operands of *dtype* in any layout, as a plain callable.

    :func:`gemm_small_entry`'s mechanism, for any product kernel of that
    signature (A and B any strides, read-only, possibly unaligned; C
    C-contiguous).
    """
    py_func = getattr(func, "py_func", func)
    dispatcher = _any_layout_dispatchers.get(py_func.__name__)
    if dispatcher is None:
        # holding the GIL: the product takes microseconds, and releasing and retaking
        # the GIL costs about 50 ns per call, 5 % of a whole 3 x 3 matmul; other
        # options than the kernel's, so its own cache entries (tag)
        compiled = vector_kernel(nogil=False)(py_func)
        dispatcher = _any_layout_dispatchers[py_func.__name__] = enable_cache(compiled, tag="gil")
    return _entry_point(dispatcher, dtype)


def _entry_point(dispatcher, dtype):
    """*dispatcher*'s compilation for ``(A, B, C)`` of *dtype*, A and B any layout, as a plain callable."""
    if not hasattr(dispatcher, "overloads"):
        return dispatcher
    element = numba.from_dtype(np.dtype(dtype))
    operand = types.Array(element, 2, "A", readonly=True, aligned=False)
    signature = (operand, operand, types.Array(element, 2, "C"))
    dispatcher.compile(signature)
    return dispatcher.overloads[signature].entry_point


def gemm_small_entry(dtype):
    """The compiled :func:`gemm_small` for 2-D operands of float *dtype* in any layout, as a plain callable.

    Compiles (or loads from the cache) one signature per dtype: A and B of
    any strides, read-only and possibly unaligned -- the type every 2-D
    array of *dtype* fits -- and C C-contiguous; A and B are made contiguous
    inside the kernel (a no-op when they are), so the loops are the same as
    for C-ordered operands.
    It is compiled on a second dispatcher of the same function, which holds
    the GIL, and what is returned is that compilation's entry point:
    the function a dispatcher calls once it has matched the argument types.
    Calling it directly skips that matching (about 100 ns, a tenth of a
    3 x 3 ``matmul``) -- and with it every check: the caller must pass
    ndarrays of exactly *dtype* (native byte order), A and B 2-D, C a
    fresh C-contiguous (m, n) array.  Under ``NUMBA_DISABLE_JIT=1`` it is
    the Python function.  matmul calls it for operands that are not
    C-contiguous (:func:`gemm_small_contiguous_entry` first).
    """
    return _any_layout_entry(gemm_small, dtype)


def gemm_small_contiguous_entry(dtype):
    """The compiled :func:`gemm_small_contiguous` for 2-D operands of float *dtype*, as a plain callable.

    The signature and the caller's promises are :func:`gemm_small_entry`'s
    (A and B typed any layout, read-only, possibly unaligned; C
    C-contiguous; no check of any of it), but ``entry(A, B, C)`` returns
    False, doing nothing, when A or B is neither C-contiguous nor small
    enough to copy to the stack, and True once C holds the product.
    :func:`gemm_small_contiguous` holds the GIL itself, so it is compiled
    on its own dispatcher.
    """
    return _entry_point(gemm_small_contiguous, dtype)


# --------------------------------------------------------------------------
# matrix-vector, dot, and batches of small products
# --------------------------------------------------------------------------
@register(
    "dot", "serial", "dot product, vector-wide partial sums", flops=lambda n: 2.0 * n, example=_dot_example
)
@vector_kernel
def dot(x, y):
    """Return ``x @ y`` for 1-D arrays of equal length.

    Notes
    -----
    :func:`jitla.kernels.level1.dot`, registered: flops 2n; no workspace.
    The sum is split into one partial sum per vector lane (two vectors'
    worth), so its rounding differs from a left-to-right sum by O(n eps)
    as any blocked sum does.
    """
    return level1_dot(x, y)


@register(
    "gemv",
    "serial",
    "y += alpha*A@x: one dot product per row",
    flops=lambda m, n: 2.0 * m * n,
    example=_gemv_example,
)
@vector_kernel
def gemv(A, x, y, alpha):
    """``y += alpha * A @ x`` for a C-contiguous (m, n) ``A``.

    Notes
    -----
    Golub & Van Loan, 4th ed., Algorithm 1.1.3 (row-oriented gaxpy).
    Flops 2mn; no workspace.  Memory-bound: every element of A is used once.
    """
    for i in range(A.shape[0]):
        y[i] += alpha * level1_dot(A[i], x)


@register(
    "gemv_t",
    "serial",
    "y += alpha*A.T@x: one axpy per row of A",
    flops=lambda m, n: 2.0 * m * n,
    example=_gemv_t_example,
)
@kernel
def gemv_t(A, x, y, alpha):
    """``y += alpha * A.T @ x`` for a C-contiguous (m, n) ``A``.

    Notes
    -----
    Golub & Van Loan, 4th ed., Algorithm 1.1.4 (column-oriented gaxpy, read
    along the rows of a row-major A).  Flops 2mn; no workspace.
    """
    m, n = A.shape
    for p in range(m):
        a = alpha * x[p]
        for j in range(n):
            y[j] += a * A[p, j]


@kernel(inline="always")
def _batched_loop(A, B, C, index, rows, dims):
    """``C[b] = A[ia[b]] @ B[ib[b]]`` for ``lo <= b < hi``, i-k-j into C directly.

    ``index = (ia, ib)``, ``rows = (lo, hi)``, ``dims = (m, k, n)``.
    Inlined into its caller (Numba ``inline="always"``), so when the caller
    passes literal sizes the loops have constant trip counts.
    """
    ia, ib = index
    lo, hi = rows
    m, k, n = dims
    for b in range(lo, hi):
        x = ia[b]
        y = ib[b]
        for i in range(m):
            for j in range(n):
                C[b, i, j] = 0
            for p in range(k):
                a = A[x, i, p]
                for j in range(n):
                    C[b, i, j] += a * B[y, p, j]


@kernel(inline="always")
def _batched_loop_narrow(A, B, C, index, rows, dims):
    """As :func:`_batched_loop` for n <= one vector register of lanes.

    A row of C is accumulated in a one-register stack tile and stored once,
    so the k loop does not reload and re-store C (LLVM cannot prove C does
    not alias A or B, so it would keep C in memory).
    """
    ia, ib = index
    lo, hi = rows
    m, k, n = dims
    acc = register_tile(C, 1, 1)
    for b in range(lo, hi):
        x = ia[b]
        y = ib[b]
        for i in range(m):
            for j in range(n):
                acc[0, j] = 0
            for p in range(k):
                a = A[x, i, p]
                for j in range(n):
                    acc[0, j] += a * B[y, p, j]
            for j in range(n):
                C[b, i, j] = acc[0, j]


@vector_kernel(inline="always")
def _batched_rows(A, B, C, index, rows):
    """Dispatch one range of the stack to a size-specialised loop.

    Calling the (inlined) loop with literal sizes gives LLVM constant trip
    counts: it unrolls a 3 x 3 or 4 x 4 product completely and vectorises
    the rows.  Readable form of each specialisation:
    ``_batched_loop_narrow(A, B, C, index, rows, (3, 3, 3))``.
    """
    m, k = A.shape[1], A.shape[2]
    n = B.shape[2]
    if m == 2 and k == 2 and n == 2:
        _batched_loop_narrow(A, B, C, index, rows, (2, 2, 2))
    elif m == 3 and k == 3 and n == 3:
        _batched_loop_narrow(A, B, C, index, rows, (3, 3, 3))
    elif m == 4 and k == 4 and n == 4:
        _batched_loop_narrow(A, B, C, index, rows, (4, 4, 4))
    else:
        _batched_loop(A, B, C, index, rows, (m, k, n))


@register(
    "gemm_batched",
    "serial",
    "stack of small products in one compiled loop; 2x2, 3x3, 4x4 fully unrolled",
    flops=lambda batch, m, n, k: 2.0 * batch * m * n * k,
    example=_batched_example,
)
@vector_kernel
def gemm_batched(A, B, C, ia, ib):
    """``C[b] = A[ia[b]] @ B[ib[b]]`` for every b: a stack of small products.

    Parameters
    ----------
    A : (ba, m, k) ndarray, C-contiguous
    B : (bb, k, n) ndarray, C-contiguous
    C : (batch, m, n) ndarray, C-contiguous, overwritten
    ia, ib : (batch,) int64 arrays
        Index maps that implement broadcasting of the leading dimensions
        without copying the operands.

    Notes
    -----
    One compiled loop over the stack removes the per-matrix dispatch cost
    that dominates ``numpy.matmul`` for 3 x 3 matrices; sizes 2, 3 and 4
    get loops with constant trip counts (see :func:`_batched_rows`).
    Flops 2*batch*mnk; no workspace.
    """
    _batched_rows(A, B, C, (ia, ib), (0, C.shape[0]))


@register(
    "gemm_batched",
    "parallel",
    "stack of small products, prange over equal parts of the stack",
    flops=lambda batch, m, n, k: 2.0 * batch * m * n * k,
    example=_batched_example,
    parallel=True,
    extra_args=("nthreads",),
)
@vector_parallel_kernel
def gemm_batched_parallel(A, B, C, ia, ib, nthreads):
    """:func:`gemm_batched` with the stack split into *nthreads* equal parts."""
    batch = C.shape[0]
    parts = max(1, min(nthreads, batch))
    for t in prange(parts):
        _batched_rows(A, B, C, (ia, ib), (t * batch // parts, (t + 1) * batch // parts))


# --------------------------------------------------------------------------
# complex GEMM on the real packed kernel
# --------------------------------------------------------------------------
# A complex product costs four real products (4M: Re C = Ar Br - Ai Bi,
# Im C = Ar Bi + Ai Br).  Both variants below run them through the real
# packed body (:func:`packed_region`, compiled once for every layout), so no
# complex micro-kernel is compiled at all:
#
# * 1m  (Van Zee & Smith, ACM TOMS 44(1), 2017): the interleaved storage of
#   a complex C-ordered matrix *is* a real (rows, 2 cols) matrix, so with B
#   expanded to the real (2k, 2n) matrix [[Br, Bi], [-Bi, Br]] interleaved,
#   ``C_real += A_real @ B_expanded`` is the complex product: 8mnk real flops,
#   each entry of C rounded exactly as the 4M formula (one product sum of 2k
#   terms for each of Re and Im), A and C used in place.
# * 3M  (Karatsuba / Gauss; Higham, *Accuracy and Stability*, 2nd ed., Sec.
#   23.2.4): T1 = Ar Br, T2 = Ai Bi, T3 = (Ar + Ai)(Br + Bi);
#   Re C = T1 - T2, Im C = T3 - T1 - T2.  Three real products (6mnk flops,
#   25 % fewer), plus O(mk + kn + mn) splitting and combining.  Re C is as
#   accurate as 4M; Im C is only normwise stable: its error is bounded by
#   ~k eps (|Ar| + |Ai|)(|Br| + |Bi|) rather than ~k eps (|Ar||Bi| + |Ai||Br|),
#   so an imaginary part much smaller than the real parts has a larger
#   relative error than with 4M (Higham 1992, "Stability of a method for
#   multiplying complex matrices with three real matrix multiplications").
#
# The complex kernels are not in the registry: its entries are compiled by
# ``jitla.warmup()`` and the registry sweeps from real examples, and complex
# specialisations must compile only when complex input arrives.  matmul picks
# a variant from :data:`ZGEMM_VARIANTS` by name.
def zgemm_flops(m, n, k):
    """Nominal complex GEMM flop count, 8mnk (as LAPACK counts zgemm: 4 real multiplies, 4 adds)."""
    return 8.0 * m * n * k


@kernel
def expand_1m(B, Bx):
    """``Bx = [[Br, Bi], [-Bi, Br]]``, interleaved: the real (2k, 2n) form of the complex (k, n) B.

    Row ``2p`` of Bx multiplies the real parts of A's column p and row
    ``2p + 1`` its imaginary parts, so a real row ``[a0r, a0i, a1r, ...]``
    of A times Bx is ``[Re c0, Im c0, Re c1, ...]``.  Flops 0; Bx is 4kn
    reals (twice B's storage).
    """
    k, n = B.shape
    for p in range(k):
        re_row = Bx[2 * p]
        im_row = Bx[2 * p + 1]
        for j in range(n):
            b = B[p, j]
            re_row[2 * j] = b.real
            re_row[2 * j + 1] = b.imag
            im_row[2 * j] = -b.imag
            im_row[2 * j + 1] = b.real


@kernel
def zgemm_small(A, B, C):
    """``C += A @ B`` for complex operands that fit in the caches: i-k-j loops.

    Parameters
    ----------
    A : (m, k) complex ndarray
    B : (k, n) complex ndarray
    C : (m, n) complex ndarray, updated in place

    Notes
    -----
    :func:`gemm_reordered` on complex numbers: each step is a complex
    multiply-add ``c += a * b`` (4 real multiplies, 4 adds), every entry
    summed over p in order, as the 4M formula.  Flops 8mnk; no workspace.
    """
    m, k = A.shape
    n = B.shape[1]
    for i in range(m):
        C_i = C[i]
        for p in range(k):
            a = A[i, p]
            B_p = B[p]
            for j in range(n):
                C_i[j] += a * B_p[j]


@vector_kernel
def zgemm_1m_small(A, B, C):
    """``C = A @ B`` (overwritten, not accumulated) for small complex operands: 1m on register tiles.

    Parameters
    ----------
    A : (m, k) complex ndarray, any layout
    B : (k, n) complex ndarray, any layout
    C : (m, n) complex ndarray, C-contiguous, overwritten

    Notes
    -----
    The 1m method of :func:`zgemm_1m` (Van Zee & Smith, ACM TOMS 44(1),
    2017): C read in place as a real (m, 2n) matrix, A copied to its real
    (m, 2k) form, B expanded once (:func:`expand_1m`), and the one real product
    m x 2k x 2n done by :func:`gemm_small` (register tiles, no packing)
    instead of the packed kernel -- at sizes where packing does not pay,
    and where the complex i-k-j loops of :func:`zgemm_small` run at half
    the real kernel's speed.  Same rounding as 4M (each part a sum of 2k
    products in order).  Flops 8mnk; workspace 2mk + 4kn reals.

    matmul calls it through :func:`zgemm_small_entry`.
    """
    real = C.real.dtype
    m, k = A.shape
    n = B.shape[1]
    # A copied to its real (m, 2k) form rather than viewed: the operands reach
    # gemm_small as writeable C-ordered float arrays whatever A's type (read-only,
    # unaligned), the specialisation jitla.warmup() and the real products compile,
    # instead of one more (about 2.5 s of compilation per dtype)
    Ax = np.empty((m, 2 * k), real)
    for i in range(m):
        for p in range(k):
            a = A[i, p]
            Ax[i, 2 * p] = a.real
            Ax[i, 2 * p + 1] = a.imag
    Bx = np.empty((2 * k, 2 * n), real)
    expand_1m(B, Bx)
    gemm_small(Ax, Bx, C.view(real))


def zgemm_small_entry(dtype):
    """The compiled :func:`zgemm_1m_small` for 2-D operands of complex *dtype* in any layout.

    As :func:`gemm_small_entry` (no checks: ndarrays of exactly *dtype*,
    A and B 2-D, C a fresh C-contiguous (m, n) array).
    """
    return _any_layout_entry(zgemm_1m_small, dtype)


@kernel
def zgemm_1m(A, B, C, alpha, blocks):
    """``C += alpha * A @ B`` for complex A, B, C by the 1m method.

    Parameters
    ----------
    A : (m, k) complex ndarray
        Rows contiguous (a C-ordered array or a view of one).
    B : (k, n) complex ndarray, any layout
    C : (m, n) complex ndarray, rows contiguous, updated in place
    alpha : float
        Real scale.
    blocks : tuple of int
        ``(MC, KC, NC)`` of the real packed GEMM.

    Notes
    -----
    Van Zee & Smith, "Implementing high-performance complex matrix
    multiplication via the 1m method", ACM TOMS 44(1), 2017 (its 1m_r
    form, mirrored for row-major storage): A and C are read as real
    (m, 2k) and (m, 2n) matrices in place, B is expanded once
    (:func:`expand_1m`) and one real product of m x 2k times 2k x 2n runs on
    :func:`gemm_packed`.  Same rounding as 4M.  Flops 8mnk (the real
    kernel's); workspace 4kn reals for the expanded B plus the packing
    buffers.
    """
    real = C.real.dtype
    k, n = B.shape
    Bx = np.empty((2 * k, 2 * n), real)
    expand_1m(B, Bx)
    gemm_packed(A.view(real), Bx, C.view(real), alpha, blocks)


@kernel
def zgemm_1m_a(A, B, C, alpha, blocks):
    """``C += alpha * A @ B`` for complex A, B, C, with B read in place and A split (for short, deep A).

    Parameters
    ----------
    A : (m, k) complex ndarray, any layout
        Best short (small m): it is copied into real planes.
    B : (k, n) complex ndarray, rows contiguous
        Read in place as the real (k, 2n) matrix of its interleaved storage.
    C : (m, n) complex ndarray, updated in place
    alpha : float
        Real scale.
    blocks : tuple of int
        ``(MC, KC, NC)`` of the real packed GEMM.

    Notes
    -----
    :func:`zgemm_1m` with the roles of the operands swapped.  A real row
    ``b = [b0r, b0i, b1r, ...]`` of B times a real number gives both parts
    of that number times each complex entry, so one real product of the
    stacked planes ``[Re A; Im A]`` (2m x k) with B's real view (k x 2n)
    gives ``X = Re A @ B`` and ``Y = Im A @ B`` as interleaved (m, 2n)
    halves, and ``Re C += Re X - Im Y``, ``Im C += Im X + Re Y`` (the
    ordinary complex product, 4M rounding: each part is a sum of 2k
    products, combined once).  Nothing of size k n is written: for
    ``V^H B`` in a block reflector (m = nb, k and n the trailing matrix)
    zgemm_1m would expand all of B to 4kn reals and 3M split it into three
    planes.  Flops 8mnk; workspace 2mk + 4mn reals.
    """
    real = C.real.dtype
    m, k = A.shape
    n = B.shape[1]
    As = np.empty((2 * m, k), real)
    for i in range(m):
        for p in range(k):
            a = A[i, p]
            As[i, p] = a.real
            As[m + i, p] = a.imag
    XY = np.zeros((2 * m, 2 * n), real)
    gemm_packed(As, B.view(real), XY, real.type(1), blocks)
    for i in range(m):
        X = XY[i]
        Y = XY[m + i]
        C_i = C[i]
        for j in range(n):
            C_i[j] += alpha * complex(X[2 * j] - Y[2 * j + 1], X[2 * j + 1] + Y[2 * j])


@kernel
def zgemm_1m_ah(A, B, C, alpha, blocks):
    """``C += alpha * A^H @ B`` for complex A, B, C, with A and B read in place (A transposed).

    Parameters
    ----------
    A : (k, m) complex ndarray, rows contiguous
        Read in place: ``A^H`` is never formed.  Best short (small m).
    B, C, alpha, blocks
        As :func:`zgemm_1m_a` (B (k, n) read in place, C (m, n) updated).

    Notes
    -----
    :func:`zgemm_1m_a` for a conjugate-transposed left operand.  The
    transpose of A's real (k, 2m) view has the real parts of column j of
    A in row 2j and its imaginary parts in row 2j + 1; the packed kernel
    reads it as its left operand (the packing of A copies it anyway, in
    micro-panel order, so the transpose costs nothing there), and one real
    product with B's real view (k x 2n) gives ``X = (Re a_j)^T B`` and ``Y
    = (Im a_j)^T B`` as interleaved rows 2j and 2j + 1.  Then ``a_j^H B = X
    - i Y``: ``Re C += Re X + Im Y``, ``Im C += Im X - Re Y`` (4M
    rounding).  For ``V^H B`` in a block reflector (m = nb) and the Gram
    matrix ``V^H V``: nothing of size k m or k n is written, where the
    split planes of ``V^H`` cost a transposing copy whose writes, k apart
    for a power-of-two k, all fell in one cache set.  Flops 8mnk;
    workspace 4mn reals.
    """
    real = C.real.dtype
    m = A.shape[1]
    n = B.shape[1]
    XY = np.zeros((2 * m, 2 * n), real)
    gemm_packed(A.view(real).T, B.view(real), XY, real.type(1), blocks)
    for j in range(m):
        X = XY[2 * j]
        Y = XY[2 * j + 1]
        C_j = C[j]
        for c in range(n):
            C_j[c] += alpha * complex(X[2 * c] + Y[2 * c + 1], X[2 * c + 1] - Y[2 * c])


@kernel
def split_3m(A, A_re, A_im, A_sum):
    """``A_re, A_im, A_sum = Re A, Im A, Re A + Im A``: the three real planes of 3M."""
    m, k = A.shape
    for i in range(m):
        for p in range(k):
            a = A[i, p]
            A_re[i, p] = a.real
            A_im[i, p] = a.imag
            A_sum[i, p] = a.real + a.imag


@kernel
def combine_3m(T1, T2, T3, C):
    """``C += (T1 - T2) + i (T3 - T1 - T2)``: the complex result of the three real products of 3M."""
    m, n = C.shape
    for i in range(m):
        for j in range(n):
            t1 = T1[i, j]
            t2 = T2[i, j]
            C[i, j] += complex(t1 - t2, T3[i, j] - t1 - t2)


@kernel
def zgemm_3m(A, B, C, alpha, blocks, nthreads, work):
    """``C += alpha * A @ B`` for complex A, B, C by three real products (3M).

    Parameters
    ----------
    A : (m, k) complex ndarray, any layout
    B : (k, n) complex ndarray, any layout
    C : (m, n) complex ndarray, updated in place
    alpha : float
        Real scale.
    blocks : tuple of int
        ``(MC, KC, NC)`` of the real packed GEMM.
    nthreads : int
        1: the three products on :func:`gemm_packed`; more: on
        :func:`gemm_parallel` with that many threads.
    work : 1-D real ndarray, C-contiguous, at least 3(mk + kn + mn) entries
        Workspace for the six split planes and the three products, passed in
        so that the caller can allocate it once for a stack and from numpy,
        which asks the kernel for transparent huge pages for large arrays.
        Allocated here (Numba's allocator, glibc's malloc), the 9 planes of a
        512 x 512 product (18 MB) came back as fresh small pages each call --
        the heap above the trim threshold is returned to the kernel on free
        -- and faulting them in cost about a third of the product's time.

    Notes
    -----
    Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., Sec.
    23.2.4: ``T1 = Ar Br``, ``T2 = Ai Bi``, ``T3 = (Ar + Ai)(Br + Bi)``,
    ``Re C = T1 - T2``, ``Im C = T3 - T1 - T2``.  Re C rounds as in 4M; Im C
    carries an error up to ~k eps (|Ar| + |Ai|)(|Br| + |Bi|) -- normwise
    stable, not componentwise (see the section comment above).  Flops
    6mnk real (reported as 8mnk, the nominal complex count); workspace 3(mk
    + kn + mn) reals (*work*) plus the packing buffers.
    """
    m, k = A.shape
    n = B.shape[1]
    mk, kn, mn = m * k, k * n, m * n
    A_re = work[:mk].reshape((m, k))
    A_im = work[mk : 2 * mk].reshape((m, k))
    A_sum = work[2 * mk : 3 * mk].reshape((m, k))
    o = 3 * mk
    B_re = work[o : o + kn].reshape((k, n))
    B_im = work[o + kn : o + 2 * kn].reshape((k, n))
    B_sum = work[o + 2 * kn : o + 3 * kn].reshape((k, n))
    o += 3 * kn
    T = work[o : o + 3 * mn]
    T[:] = 0
    T1 = T[:mn].reshape((m, n))
    T2 = T[mn : 2 * mn].reshape((m, n))
    T3 = T[2 * mn :].reshape((m, n))
    split_3m(A, A_re, A_im, A_sum)
    split_3m(B, B_re, B_im, B_sum)
    if nthreads > 1:
        gemm_parallel(A_re, B_re, T1, alpha, blocks, nthreads)
        gemm_parallel(A_im, B_im, T2, alpha, blocks, nthreads)
        gemm_parallel(A_sum, B_sum, T3, alpha, blocks, nthreads)
    else:
        gemm_packed(A_re, B_re, T1, alpha, blocks)
        gemm_packed(A_im, B_im, T2, alpha, blocks)
        gemm_packed(A_sum, B_sum, T3, alpha, blocks)
    combine_3m(T1, T2, T3, C)


#: The complex GEMM variants by name (``jitla.matmul(..., kernel=name)`` for complex operands).
#: "1m_small" overwrites C (matmul passes it zeros, so the sum is the same); the others add to it.
ZGEMM_VARIANTS = {
    "small": zgemm_small,
    "1m_small": zgemm_1m_small,
    "1m": zgemm_1m,
    "1m_a": zgemm_1m_a,
    "3m": zgemm_3m,
}
