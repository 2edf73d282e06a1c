"""Block sizes, thresholds and the machine's cache sizes.

Block sizes are passed to kernels as arguments (never read as globals inside
a jitted function: Numba freezes globals into its on-disk cache, and a cached
kernel would not notice a change here).  The register tile ``MR x NR`` is
the exception: it must be a compile-time constant, so it lives with the
micro-kernel in :mod:`jitla.kernels._tile`; :func:`tile_shape` and ``MR``
read it from there on first use, so importing this module loads neither
Numba nor a kernel, and no kernel module imports this one.

The thresholds of the "auto" policies (:mod:`jitla.linalg._policy`) are
here too, each with the measurement behind it.

Cache sizes are read from ``/sys/devices/system/cpu/cpu0/cache/`` (Linux),
with a fallback typical of a current x86 core.
"""

from __future__ import annotations

import functools
import numbers
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "CacheInfo",
    "GemmBlocks",
    "cache_info",
    "gemm_blocks",
    "set_gemm_blocks",
    "tile_shape",
    "SMALL_GEMM",
    "BATCHED_MAX",
    "PARALLEL_GEMM",
    "SMALL_ZGEMM",
    "ZGEMM_3M_MIN_DIM",
    "COMPLEX_NB_BY_ORDER",
    "complex_nb",
    "ZQR_BLOCKED_MIN",
    "ZQR_NB_BY_ORDER",
    "complex_qr_nb",
    "FACTOR_NB",
    "factor_nb",
    "tsqr_rows",
    "TRSM_BLOCKED_MIN_RHS",
    "LU_UNBLOCKED_MAX",
    "LU_TILED_MAX_ELEMENTS",
    "SLOGDET_BATCHED_MAX",
    "LU_PARALLEL_MIN",
    "SOLVE_BATCHED_MAX",
    "SOLVE_BATCHED_PARALLEL_MIN",
    "CHOLESKY_UNBLOCKED_MAX",
    "CHOLESKY_TILED_MAX",
    "CHOLESKY_PARALLEL_MIN",
    "CHOLESKY_NB_BY_ORDER",
    "cholesky_nb",
    "QR_UNBLOCKED_MAX",
    "QR_UNBLOCKED_SMALL_MAX",
    "QR_UNBLOCKED_MAX_ELEMENTS",
    "QR_PARALLEL_FLOPS",
    "TSQR_ASPECT",
    "TSQR_MIN_SIZE",
    "TSQR_MAX_COLS",
    "LSTSQ_FIT_ASPECT",
    "SVD_PARALLEL_MIN",
    "EIG_ONE_KERNEL_MAX",
    "SVD_VALUES_JACOBI_MAX",
    "LSTSQ_VALUES_JACOBI_MAX",
    "LSTSQ_SMALL_SQUARE_MAX_RHS",
    "LSTSQ_SMALL_FIT_MAX_RHS",
    "LSTSQ_SMALL_TALL_MAX_RHS",
    "LSTSQ_SMALL_TALL_ASPECT",
    "SVD_BIDIAGONAL_UV_MAX",
    "SVD_DC_MIN",
    "EIGH_DC_MIN",
    "INFLUENCE_PARALLEL_FLOPS",
]

_SYSFS_CACHE = Path("/sys/devices/system/cpu/cpu0/cache")
#: Used where sysfs has no cache information (macOS, containers): 48 KiB L1d,
#: 2 MiB L2, 32 MiB L3, 64-byte lines.
_FALLBACK = {1: 48 * 1024, 2: 2 * 1024 * 1024, 3: 32 * 1024 * 1024}


def tile_shape(dtype) -> tuple[int, int]:
    """``(MR, NR)`` of the GEMM register tile for *dtype* (:func:`jitla.kernels._tile.tile_shape`)."""
    from jitla.kernels import _tile

    return _tile.tile_shape(dtype)


def __getattr__(name: str):
    if name == "MR":
        from jitla.kernels import _tile

        return _tile.MR
    raise AttributeError(f"module 'jitla.config' has no attribute {name!r}")


@dataclass(frozen=True)
class CacheInfo:
    """Data-cache sizes of one core, in bytes.

    ``source`` says where they came from: ``"sysfs"`` or ``"fallback"``.
    """

    l1d: int
    l2: int
    l3: int
    line: int
    source: str


def _parse_size(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 1024, "M": 1024**2, "G": 1024**3}
    if text and text[-1] in scale:
        return int(text[:-1]) * scale[text[-1]]
    return int(text)


def _read_sysfs(root: Path) -> CacheInfo | None:
    sizes: dict[int, int] = {}
    line = 64
    try:
        for index in sorted(root.glob("index*")):
            kind = (index / "type").read_text().strip()
            if kind not in ("Data", "Unified"):
                continue
            level = int((index / "level").read_text())
            sizes[level] = _parse_size((index / "size").read_text())
            line_file = index / "coherency_line_size"
            if line_file.exists():
                line = int(line_file.read_text())
    except (OSError, ValueError):
        return None
    if 1 not in sizes or 2 not in sizes:
        return None
    return CacheInfo(sizes[1], sizes[2], sizes.get(3, sizes[2]), line, "sysfs")


@functools.cache
def cache_info(root: str | os.PathLike | None = None) -> CacheInfo:
    """Return the data-cache sizes of CPU 0 (sysfs, else a documented fallback)."""
    found = _read_sysfs(Path(root) if root is not None else _SYSFS_CACHE)
    if found is not None:
        return found
    return CacheInfo(_FALLBACK[1], _FALLBACK[2], _FALLBACK[3], 64, "fallback")


@dataclass(frozen=True)
class GemmBlocks:
    """Cache block sizes of the blocked and packed GEMM (elements, not bytes).

    Attributes
    ----------
    MC : int
        Rows of the packed block of A (MC x KC), kept in L3.
    KC : int
        Depth of both packed blocks; an MR x KC micro-panel of A sits in L1.
    NC : int
        Columns of the packed block of B (KC x NC), kept in L2.
    """

    MC: int
    KC: int
    NC: int

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.MC, self.KC, self.NC)


def default_gemm_blocks(dtype, caches: CacheInfo | None = None) -> GemmBlocks:
    """Derive the packed GEMM's block sizes from the cache sizes.

    The packed kernel is the row-major mirror image of BLIS (see
    :func:`jitla.kernels.gemm.packed_region`), so:

    * KC: an MR x KC micro-panel of A takes 9/16 of L1 (it is reused by
      every micro-panel of B in loop 1; the rest of L1 is for the streaming
      micro-panel of B and the tile of C).  384 for float64, 768 for float32
      with a 32 KiB L1.
    * NC: the KC x NC packed block of B takes 3/4 of L2 (reused by every
      micro-panel of A in loop 2).  256 with a 1 MiB L2.
    * MC: the MC x KC packed block of A takes a quarter of L3 (shared by the
      cores), at most 4096 rows.

    Low, Igual, Smith & Quintana-Orti, "Analytical modeling is enough for
    high-performance BLIS", ACM TOMS 43(2), 2016, Sec. 4 gives the reasoning;
    the fractions were checked with ``jitla cache --blocks`` (devlog 001).
    """
    caches = caches or cache_info()
    itemsize = np.dtype(dtype).itemsize
    mr, nr = tile_shape(dtype)
    kc = (caches.l1d * 9 // 16) // (mr * itemsize) // 32 * 32
    kc = max(64, min(2048, kc))
    nc = (caches.l2 * 3 // 4) // (kc * itemsize) // nr * nr
    nc = max(nr, min(4096, nc))
    mc = (caches.l3 // 4) // (kc * itemsize) // mr * mr
    mc = max(mr, min(4096 // mr * mr, mc))
    return GemmBlocks(mc, kc, nc)


_OVERRIDES: dict[str, GemmBlocks] = {}


def gemm_blocks(dtype) -> GemmBlocks:
    """Block sizes used for *dtype* (an override from :func:`set_gemm_blocks`, else the default)."""
    name = np.dtype(dtype).name
    return _OVERRIDES.get(name) or default_gemm_blocks(dtype)


def set_gemm_blocks(dtype, MC: int | None = None, KC: int | None = None, NC: int | None = None) -> GemmBlocks:
    """Override (some of) the GEMM block sizes for *dtype*; ``None`` keeps the current value.

    Returns the previous setting so it can be restored.  Used by the
    block-size sweep of ``jitla cache``.
    """
    previous = gemm_blocks(dtype)
    chosen = {}
    for name, value in (("MC", MC), ("KC", KC), ("NC", NC)):
        if value is None:
            value = getattr(previous, name)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
        chosen[name] = int(value)
    new = GemmBlocks(**chosen)
    _OVERRIDES[np.dtype(dtype).name] = new
    return previous


#: Below this m*n*k, matmul's "auto" policy uses the small register-tile kernel
#: (``gemm_small``): packing costs more than it saves for operands that fit in
#: L1/L2.  Square float64 products, 1 thread, small vs packed (us): AVX-512 n = 48
#: 5.1 vs 24.3, 100 39.7 vs 76.1, 160 153 vs 194, 192 367 vs 309; AVX2 n = 100
#: 40 vs 66, 160 191 vs 194; float32 wins further (n = 192: 128 vs 175)
#: (devlog 027).  Re-measured with the two-vector tiles of devlog 078 (devlog 080, small
#: / packed time, float64, 1 thread, shared machine): AVX-512 n = 128 0.82, 168 0.75-0.79,
#: 176 0.73, 192 0.84, 224 0.93, 256 0.97; AVX2 n = 128 1.09, 160-176 0.97-0.98, 192 1.16,
#: 224 1.09; rectangular shapes near 192**3 (100 x 700 x 100 and the like, 40 x 4000 x 40)
#: 0.19-0.84 on AVX-512 and 0.42-1.06 on AVX2.  One threshold for both: n <= 191.
SMALL_GEMM = 192**3
#: Largest m*n*k of one matrix in a stack for the batched kernel.
BATCHED_MAX = 32**3
#: Below this m*n*k the parallel kernel is not worth waking the thread pool: on
#: the 2-core test machine it was slower than "packed" at n = 256 (devlog 001).
PARALLEL_GEMM = 384**3
#: Complex products below this m*n*k run 1m on the small real kernel's register
#: tiles (``zgemm_1m_small``: B expanded to its real 2k x 2n form, no packing); from
#: it, the packed real kernel does the work (1m, 1m_a or 3M).  Square complex128, 1
#: thread, jitla / numpy time (CPU time, shared machine; devlog 072), 1m_small / the
#: complex i-k-j loops it replaced / 1m / 3M: n = 8 0.97 / 1.55 / 5.3 / 9.5, 32 0.89 /
#: 1.66 / 2.2 / 2.9, 64 0.87 / 1.85 / 1.3 / 1.6, 128 0.88 / 2.0 / 1.06 / 0.93, 192 0.89
#: / - / 1.00 / 0.86, 224 0.89 / - / 1.02 / 0.86, 256 1.4-1.6 (rows of 2n = 512
#: reals alias in the caches) / - / 0.99 / 0.89.
SMALL_ZGEMM = 192**3
#: With one thread, complex products with min(m, n, k) at least this use 3M (three
#: real products, 6mnk flops) rather than 1m (8mnk): 3M's passes (splitting A and B
#: into three planes each, three m x n products combined) cost per entry of the
#: operands and the result, O(mk + kn + mn), so the flops they save, 2mnk, pay only
#: when no dimension is small.  Square complex128, jitla / numpy time, 1m / 3M (CPU
#: time, shared machine; devlog 072, 3M with its workspace from numpy): 192 1.00 /
#: 0.86, 224 1.02 / 0.86, 256 0.99 / 0.89, 288 1.01 / 0.85, 384 1.09 / 0.85, 512 1.05
#: / 0.85.  Before 3M took its workspace from the caller it faulted in fresh pages
#: each call, which is why devlogs 058-067 saw it lose or win at 384-512 from run to
#: run (1.13-1.32 in the same measurement, 0.83-0.86 with glibc told not to return
#: memory).  The factorisations' updates (n x k x n), from devlog 063 (zgemm time /
#: jitla time, 1m / 3M, before that fix): k = 64: n = 256 0.95 / 1.04, 512 0.94 / 0.91,
#: 1024 1.11 / 0.49; 64 x n x n (a block reflector's V^H A): n = 1024 0.35 / 0.84
#: (1m_a 0.87) -- none of them reaches this rule.
#: Below it, "1m_a" (B in place, A split) where it writes less than 1m's expanded B
#: (``m (k + 2n) < 2kn``: a short A), else 1m.  With threads, 3M (its three products
#: run on the parallel kernel; 1m has no parallel form).
ZGEMM_3M_MIN_DIM = 192

#: Panel width of the complex LU and Cholesky (``zlu_blocked``, ``zcholesky``) by
#: order, ``(below this n, nb)`` pairs, 64 past the last.  Each panel is factored
#: (and its triangular solve done) in sub-blocks of nb / 4.  Square complex128,
#: 1 thread, LAPACK time / jitla time for nb = 32 / 64 / 96 / 128: zgetrf n = 256
#: 0.94 / 0.90 / 0.84 / 0.73, n = 1024 0.94 / 0.97 / 0.97 / 0.84; zpotrf n = 256
#: 0.84 / 0.83 / 0.76 / 0.61, n = 1024 0.69-0.77 / 0.81-0.86 / 0.84 / 0.77 (devlog 063).
COMPLEX_NB_BY_ORDER = ((512, 32),)


def complex_nb(n: int) -> int:
    """Panel width of the complex LU / Cholesky kernels for order n (:data:`COMPLEX_NB_BY_ORDER`)."""
    for below, nb in COMPLEX_NB_BY_ORDER:
        if n < below:
            return nb
    return 64


#: Complex QR (and forming its Q) of at least this many reflectors (min(m, n)) uses
#: the blocked compact-WY kernels (``zgeqrf`` / ``zungqr``); below, the unblocked
#: ones, whose complex multiply-adds on cached rows are not memory-bound.  Square
#: complex128, 1 thread, CPU ms, zgeqr2 / zgeqrf (nb = 32) and zform_q / zungqr:
#: 128 0.59 / 0.64 and 0.53 / 0.62; 192 1.78 / 2.05 and 1.77 / 1.56; 256 4.87 / 3.49
#: and 4.58 / 3.25; 512 37.6 / 24.0 and 36.7 / 22.9 (devlog 063, shared machine).
ZQR_BLOCKED_MIN = 256
#: ``(below this min(m, n), nb)`` of the blocked complex QR, 64 past the last: nb
#: reflectors per trailing update, each panel factored by the split-row
#: ``zgeqr2_split``.  Complex128 zgeqrf / zungqr CPU ms at nb = 32, 48, 64 (devlog
#: 084, load ~6): 256 1.6 / 1.5, 2.9 / 1.7, 2.0 / 2.0; 512 10.2 / 9.9, 11.1 / 10.0,
#: 12.0 / 11.2; at 1024 nb = 32 to 96 within the noise (80-86 / 76-81 ms).  The
#: panels are no longer factored in two levels (ib = 16 columns, then their block
#: reflector): on split rows a 1024 x 64 panel took 1.30 ms that way, 1.15 ms in one.
ZQR_NB_BY_ORDER = ((1024, 32),)


def complex_qr_nb(k: int) -> int:
    """nb of the blocked complex QR kernels for k reflectors (:data:`ZQR_NB_BY_ORDER`)."""
    for below, nb in ZQR_NB_BY_ORDER:
        if k < below:
            return nb
    return 64


#: Triangular solves: the blocked kernel needs at least this many right-hand
#: sides (and n >= 2 nb) before its GEMM updates pay.
TRSM_BLOCKED_MIN_RHS = 8

#: LU of at most this order (min(m, n)) uses the unblocked kernel; from the next
#: order the blocked one, whose panel is factored ib = nb/8 columns at a time
#: with GEMM updates, is faster (devlog 018: 89 against 111 us at n = 96;
#: devlog 020: equal at 48-64, 1.1-1.2x faster at 80-100 in the one-call kernels).
#: solve / inv / det / slogdet of one matrix take the one-call kernel of the same
#: variant (``_policy.lu_call_plan``).
LU_UNBLOCKED_MAX = 24
#: Above LU_UNBLOCKED_MAX, LU of a matrix of at most this many entries uses the
#: tiled kernel (panels of 8-16 columns, register-tile updates without packing):
#: 0.7-0.8x LAPACK's dgetrf at n = 32-200, and faster than the blocked kernel up
#: to n = 500 (devlog 031); past it the matrix leaves L2 and the blocked kernel's
#: cache blocking pays.
LU_TILED_MAX_ELEMENTS = 512 * 512
#: ``det`` / ``slogdet`` of a stack of matrices of at most this order run in one
#: kernel call (``slogdet_batched``, unblocked LU per matrix).
SLOGDET_BATCHED_MAX = 96
#: Parallel LU from this order when more than one thread is available.
LU_PARALLEL_MIN = 512
#: ``solve`` on stacks of systems at most this order uses the batched kernel
#: (sizes 2..8 are unrolled in it).
SOLVE_BATCHED_MAX = 8
#: ... and its parallel variant from this many systems, with threads.
SOLVE_BATCHED_PARALLEL_MIN = 4096

#: Cholesky up to this order uses the unblocked kernel: from 64 on, the blocked
#: kernels with nb = 32 are faster (devlog 020: 22 against 26 us at 64, 59 against
#: 79 us at 100, 84 against 157 us at 128, numpy's lower factor).
CHOLESKY_UNBLOCKED_MAX = 48
#: Above it and up to this order the tiled kernels (panels of 16 rows, the SYRK
#: in register tiles without packing): 0.55-0.65x the time of the blocked ones
#: at n = 128-300 on AVX-512 and AVX2 (numpy's lower factor, devlog 038); at 384
#: the AVX2 build was already slower, and at 512 the matrix no longer fits L2 and
#: the blocked kernel's cache blocking wins on both.  The tiled path also compiles
#: no GEMM, so a first cholesky of such a matrix compiles less.
CHOLESKY_TILED_MAX = 320
#: Block size of the blocked Cholesky kernels by order, ``(below this n, nb)``
#: pairs, FACTOR_NB past the last: a diagonal block of 128 is factored unblocked,
#: at 1.3-2x the time of nb = 32 for n <= 256 and of nb = 48-64 at 384-512 (devlog 020).
CHOLESKY_NB_BY_ORDER = ((256, 32), (1024, 64))
#: Parallel Cholesky from this order when more than one thread is available.
CHOLESKY_PARALLEL_MIN = 768

#: Householder QR (and forming Q) with at most this many columns (reflectors)
#: always uses the unblocked kernel: up to one panel (nb = 64) the blocked
#: kernel does the same reflections plus its T factor and GEMM packing, and
#: measured slower at 33..64 columns on tall and square matrices (devlog 013).
#: One value for qr and lstsq.
QR_UNBLOCKED_MAX = 64
#: Up to this many columns the unblocked kernels are also used while the matrix
#: has at most QR_UNBLOCKED_MAX_ELEMENTS entries (about a third of a 1 MiB L2 in
#: float64): there the two passes per reflector run from the cache and the
#: blocked kernels' T factor and GEMM packing do not pay.  With the reflector
#: summed down 32-column strips in registers (devlog 040), unblocked time /
#: blocked time (geqr2 / geqrf, form_q / orgqr, nb = 64, one loaded-machine
#: run): 128 x 128 0.81 / 0.66, 160 x 160 0.77 / 0.84, 200 x 200 0.84 / 0.92,
#: 400 x 100 0.80 / 0.93, 220 x 180 0.94 / 1.00, 256 x 160 0.92 / 1.08; past the
#: bounds 256 x 256 1.51 / 1.53.  Inside them 300 x 128 measured 1.13 / 1.09:
#: the bound is not sharp (python benchmarks/policy_boundaries.py).  Devlog 022
#: had 128 columns and 32768 entries with the earlier reflector.
QR_UNBLOCKED_SMALL_MAX = 200
QR_UNBLOCKED_MAX_ELEMENTS = 40_000
#: From this many flops on, Householder QR uses the parallel kernel when threads > 1.
QR_PARALLEL_FLOPS = 2 * 512**3
#: Tall-skinny rule, one for qr and lstsq: TSQR when m >= TSQR_ASPECT * n and
#: m * n >= TSQR_MIN_SIZE (n counts the right-hand sides of lstsq's ``[A | B]``):
#: there LAPACK's dgeqrf does not block and TSQR's cache-sized row blocks win
#: (devlog 003).
TSQR_ASPECT = 16
TSQR_MIN_SIZE = 64 * 1024
#: ... and n <= TSQR_MAX_COLS: each row block is factored by the unblocked
#: (level-2) kernel and every merge of two n x n triangles costs ~2 n^3 / 3
#: flops, so wide "tall-skinny" matrices lose to the blocked Householder QR.
#: Measured (1 thread, loaded machine, R only): 20,000 x 128 TSQR 0.12 s vs
#: blocked 0.13 s; x 192 0.41 vs 0.21; x 256 1.82 vs 0.32; 10,000 x 500 2.74
#: vs 0.39 (devlog 027).
TSQR_MAX_COLS = 128
#: lstsq of a narrow ``[A | B]`` (m >= LSTSQ_FIT_ASPECT (n + k), at most
#: QR_UNBLOCKED_MAX columns, not tall-skinny) takes the regression fit's R
#: (``least_squares/design_r`` and ``solve_from_r``): the kernels OLS.fit
#: compiles anyway, and faster there (new / old route, 1 thread, load 7-10:
#: 1000 x 10 0.47-0.55, 48 x 3 0.83, 320 x 40 0.77, 240 x 60 1.02).  Square
#: and nearly square A stay on Householder QR of A (new / old 40 x 40 5.5,
#: 80 x 40 1.2; devlog 094), except the small ones of
#: ``_policy.lstsq_small_route`` (n <= LSTSQ_VALUES_JACOBI_MAX, devlog 097),
#: where the fit's R costs less than the general path's Python around QR.
LSTSQ_FIT_ASPECT = 4

#: ``eig``/``eigvals`` of order at most this run as one kernel call (the
#: ``eig/francis`` driver); larger ones call its steps (Hessenberg reduction,
#: Q, QR iteration, eigenvectors) from the API, so that each step is compiled
#: once for itself instead of linked and optimised again inside the driver
#: (a shorter first call).  The three extra kernel calls cost ~1 us: 6 % of
#: a 3 x 3 ``eig``, noise from n ~ 30 on (devlog 028).  The same bound for
#: ``eigh`` (the ``eigh/ql`` driver against its five steps, devlog 040).
EIG_ONE_KERNEL_MAX = 16

#: From this order on, ``eigh`` with vectors (real and complex) solves the tridiagonal
#: matrix by divide and conquer (``eigh/dc``: Cuppen's tearing, Gu-Eisenstat merges
#: whose vector updates are GEMMs, QL leaves, the reflectors applied blocked; LAPACK
#: ``dsyevd``'s route) instead of accumulating the QL rotations (~6 n^3 flops at level-1
#: speed) into Q.  Measured dc/ql time, 1 thread, median of 9 alternating pairs (loaded
#: machine): 1.07 at n = 24 and 32, 1.04 at 40, 0.98 at 48, 0.93 at 64, 0.82 at 100
#: (devlog 077).  Below it QL is as fast and a cold ``eigh`` compiles less.
EIGH_DC_MIN = 48
#: Below this min(m, n) the "auto" SVD does not use the parallel Jacobi kernel (devlog 005).
SVD_PARALLEL_MIN = 256
#: Values-only SVDs with min(m, n) at most this use the plain-loop "jacobi_values" kernel, under
#: "auto" and "jacobi": it compiles in a fraction of the time of the others (devlog 012), keeps
#: every value to relative accuracy, and up to here takes about the bidiagonal route's time
#: (n = 16: 101 vs 68 us, n = 24: 444 vs 46 us, loaded machine, devlog 021).  The small
#: triangular factors of regression fits (``LinearRegression.singular_``) are its main users.
SVD_VALUES_JACOBI_MAX = 16
#: ``lstsq``'s singular values ``s`` of a triangular factor R with at most this many rows come
#: from the "jacobi_values" kernel instead of bidiagonalisation + dqds: the same speed at
#: these orders (10 x 10 R of a 1000 x 10 fit: 22 vs 16 us with the Python call; 8: 16 vs 14,
#: 12: 29 vs 18, devlog 059), every value to relative accuracy, and a cold ``lstsq`` of a
#: narrow fit does not compile the bidiagonal values tree (~2.5 s) -- the Jacobi kernel is the
#: one the regression layer's ``svdvals`` of its small R factors compiles anyway.
LSTSQ_VALUES_JACOBI_MAX = 10
#: lstsq's small route (``_policy.lstsq_small_route``) takes the regression fit's R of ``[A | B]``
#: (``"fit"``) for A with m >= n and at most this many right-hand sides per column of A (k <= this
#: * n; until devlog 103 only for square or nearly square A, n <= m < LSTSQ_FIT_ASPECT (n + k), and
#: narrow ``[A | B]`` had any k): the R of ``[A | B]`` costs ``2 m (n + k)^2`` flops against
#: Householder QR's ``~2 m n (n + 2k)`` (at most 4/3 of it for k <= n).  Per call, small route /
#: general path, 1 thread, load ~3: k = n: 39 x 10 0.55, 100 x 10 0.95; k > n: 10 x 10 k = 54
#: 0.59, 12 x 10 k = 40 0.63, but 100 x 10 k = 50 1.8-2.5 (devlog 097).
LSTSQ_SMALL_SQUARE_MAX_RHS = 1
#: ... and for m >= LSTSQ_SMALL_TALL_ASPECT n at most this many per column (there the fit's R of the
#: k columns of B costs more than applying A's reflectors to them: 100 x 10 k = 10 30.4 against
#: 25.9 us, 40 x 10 k = 10 22.5 against 20.8, 30 x 10 k = 8 21.4 against 19.5; but 100 x 10 k = 5
#: 22.8 against 24.2; load ~3, devlog 103) ...
LSTSQ_SMALL_TALL_MAX_RHS = 0.5
LSTSQ_SMALL_TALL_ASPECT = 2
#: ... or at most this many whatever n (n <= 3: 100 x 3 k = 4 7.3 against 9.8 us, 100 x 1 k = 2 5.6
#: against 7.0).  More right-hand sides, narrow ``[A | B]`` or not, take the small route's
#: Householder QR of A instead (``"householder"``, devlog 103): 100 x 10 k = 15 28.8 against 32.7
#: us, 300 x 10 k = 20 51 against 67, 240 x 10 k = 50 62 against 141 (load ~1.5).
LSTSQ_SMALL_FIT_MAX_RHS = 4
#: "auto" SVDs *with vectors* below SVD_DC_MIN and up to this min(m, n) take the
#: bidiagonal QR route (Householder bidiagonalisation, both factors formed,
#: Demmel-Kahan QR whose rotations are applied to them): measured 2.3-2.6x faster
#: than the serial tracked Jacobi at n = 128-256 and 1.6x at 512, the lead
#: shrinking as the QR's ~24 n^3 flops of rotations (level-1 speed) grow (devlog
#: 021).  From SVD_DC_MIN on, divide and conquer takes every size; Jacobi is
#: "auto"'s choice only if SVD_DC_MIN is set above this bound.  Values only
#: always take the bidiagonal route under "auto".
SVD_BIDIAGONAL_UV_MAX = 512
#: From this min(m, n) on, the bidiagonal route with vectors solves the bidiagonal SVD by
#: divide and conquer (``svd/bidiagonal_dc``: Gu-Eisenstat merges, the reflectors applied
#: blocked) instead of the QR on the formed factors: below it the QR is as fast and
#: compiles less (devlog 060).
SVD_DC_MIN = 48

#: The parallel influence kernel is used when ``n k^2`` reaches this (and Numba
#: has more than one thread): below it, starting the thread pool costs more
#: than the ~``2 n k^2`` flops (devlog 008).
INFLUENCE_PARALLEL_FLOPS = 2_000_000

#: Block size ``nb`` (rows / columns per panel) of the blocked factorisations
#: and triangular solves, by registry op; chosen by measurement (devlog 002;
#: "svd" is the reflector block of the preconditioned SVD's Q, devlog 005; the
#: one-call kernels "gesv", "inv" and "slogdet" factor with lu_blocked's nb).
FACTOR_NB = {
    "trsm": 128,
    "lu": 128,
    "gesv": 128,
    "inv": 128,
    "slogdet": 128,
    "cholesky": 128,
    "cholesky_lower": 128,
    "qr": 64,
    "svd": 64,
}


def factor_nb(op: str, dtype=np.float64) -> int:
    """Block size ``nb`` for the blocked kernels of registry op *op* (see :data:`FACTOR_NB`)."""
    return int(FACTOR_NB[op])


def cholesky_nb(n: int, op: str = "cholesky_lower") -> int:
    """Block size of the blocked Cholesky kernel *op* for order n (:data:`CHOLESKY_NB_BY_ORDER`)."""
    for below, nb in CHOLESKY_NB_BY_ORDER:
        if n < below:
            return nb
    return factor_nb(op)


#: Rows per block of TSQR (:mod:`jitla.kernels.qr_tall`) when the number of
#: columns is unknown (``jitla.warmup``); :func:`tsqr_rows` sizes it for n.
TSQR_MB = 1024


def tsqr_rows(dtype=np.float64, n: int | None = None) -> int:
    """Rows per TSQR block: an (mb, n) block takes about half of L2, and mb >= n.

    At n = 50 float64 with a 1 MiB L2 that is 1310 rows; measured on the
    100,000 x 50 benchmark, 1024-4096 rows were within noise of each other
    and 256 was 15 % slower (devlog 003).
    """
    if n is None:
        return TSQR_MB
    itemsize = np.dtype(dtype).itemsize
    return max(int(n), 1, cache_info().l2 // (2 * max(int(n), 1) * itemsize))
