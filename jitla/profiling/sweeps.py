"""Sweeps over problem size and block size for the GEMM progression.

* :func:`gemm_sweep`: GFLOP/s, % of OpenBLAS and max error per variant, size,
  dtype and thread count.
* :func:`cache_cliff_sweep`: GFLOP/s against n, with powers of two and their
  neighbours (``2^k`` and ``2^k + 1``) so that conflict misses show, and the
  sizes at which each variant's working set leaves L1, L2 and L3
  (:func:`working_set_boundaries`).
* :func:`block_size_sweep`: GFLOP/s of the packed kernel over a grid of KC
  and NC (or MC), showing the optimum beside the configured default.

Every point is a :func:`~jitla.profiling.timing.measure_gemm` call: jitla and
OpenBLAS alternately in this process, threads pinned alike.  Nothing here
prints; pass ``progress`` to follow a long sweep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from jitla.profiling.timing import GemmMeasurement, measure_gemm

__all__ = [
    "NAIVE_MAX_N",
    "SweepRow",
    "Boundary",
    "CliffResult",
    "BlockSweep",
    "gemm_sweep",
    "cliff_sizes",
    "cache_cliff_sweep",
    "working_sets",
    "working_set_boundaries",
    "block_size_sweep",
    "block_grid_axes",
]

#: The naive kernel is skipped above this n: at 1024 one call takes tens of
#: seconds (every step of its inner loop misses cache), a sweep minutes.
NAIVE_MAX_N = 512

#: ``progress(done, total, label)`` is called before each measurement and once
#: more with ``done == total`` at the end.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SweepRow:
    """One point of a sweep: a measurement, or a skipped point with the reason.

    Attributes
    ----------
    variant : str
    n : int
        Square size (m = n = k).
    dtype : str
    threads : int
    gflops, blas_gflops, ratio, max_error, best_s : float or None
        As in :class:`~jitla.profiling.timing.GemmMeasurement`; None when
        the point was skipped.
    note : str
        Why the point was skipped ("" when it was measured).
    """

    variant: str
    n: int
    dtype: str
    threads: int
    gflops: float | None
    blas_gflops: float | None
    ratio: float | None
    max_error: float | None
    best_s: float | None
    note: str = ""

    @property
    def skipped(self) -> bool:
        """True when the point was not measured."""
        return self.gflops is None

    @classmethod
    def from_measurement(cls, m: GemmMeasurement) -> SweepRow:
        """Build a row from a :class:`~jitla.profiling.timing.GemmMeasurement`."""
        return cls(
            m.variant, m.n, m.dtype, m.threads, m.gflops, m.blas_gflops, m.ratio, m.max_error, m.best_s
        )

    def as_dict(self) -> dict:
        """Return the row as a JSON-ready dict (with ``skipped``)."""
        return {**asdict(self), "skipped": self.skipped}


def _as_list(value) -> list:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _gemm_points(sizes, dtype, threads, variants, naive_max):
    """The (variant, n, threads, skip-note) points of a sweep, in run order."""
    import numba

    from jitla.kernels import get_kernel
    from jitla.kernels import variants as all_variants

    names = all_variants("gemm") if variants is None else _as_list(variants)
    counts = sorted({int(t) for t in _as_list(threads)})
    limit = numba.config.NUMBA_NUM_THREADS
    if any(not 1 <= t <= limit for t in counts):  # fail before measuring anything
        raise ValueError(f"number of threads must be between 1 and {limit}, got {counts}")
    points = []
    for name in names:
        info = get_kernel("gemm", name)
        for n in _as_list(sizes):
            for t in counts if info.parallel else [1]:
                note = ""
                if name == "naive" and naive_max is not None and n > naive_max:
                    note = f"skipped: naive above n={naive_max} takes minutes"
                points.append((name, int(n), t, note))
    return points


def gemm_sweep(
    sizes: Sequence[int],
    dtype="float64",
    threads: int | Sequence[int] = 1,
    variants: Sequence[str] | None = None,
    *,
    repeat: int = 5,
    naive_max: int | None = NAIVE_MAX_N,
    progress: Progress | None = None,
) -> list[SweepRow]:
    """GFLOP/s, ratio to OpenBLAS and max error for gemm variants over sizes.

    Parameters
    ----------
    sizes : sequence of int
        Square sizes n (m = n = k).
    dtype : str or dtype
        float64 or float32.
    threads : int or sequence of int
        Thread counts for the parallel kernels.  Serial kernels are measured
        once, with one thread, against one BLAS thread.
    variants : sequence of str, optional
        Registry names (default: every gemm variant, in progression order).
    repeat : int
        Alternating samples per point (best-of and median).
    naive_max : int or None
        The naive kernel is skipped above this n (None: never skipped);
        skipped points come back as rows with ``note`` saying so.
    progress : callable, optional
        ``progress(done, total, label)``.

    Returns
    -------
    list of SweepRow
        In the order variant, size, threads.

    Raises
    ------
    ValueError
        For an unknown variant or an unusable thread count.
    """
    dtype = np.dtype(dtype)
    points = _gemm_points(sizes, dtype, threads, variants, naive_max)
    rows = []
    for i, (name, n, t, note) in enumerate(points):
        if progress is not None:
            progress(i, len(points), f"{name} n={n} {dtype.name} {t} thread{'s' if t > 1 else ''}")
        if note:
            rows.append(SweepRow(name, n, dtype.name, t, None, None, None, None, None, note))
            continue
        rows.append(SweepRow.from_measurement(measure_gemm(name, n, dtype, threads=t, repeat=repeat)))
    if progress is not None:
        progress(len(points), len(points), "done")
    return rows


# --------------------------------------------------------------------------
# working sets and cache boundaries
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Boundary:
    """Where one data structure of a variant stops fitting in one cache level.

    Attributes
    ----------
    variant : str
        Gemm variant, or ``"all"`` for the whole problem (A, B and C).
    structure : str
        What has to stay cached for the variant's reuse to work.
    level : str
        "L1", "L2" or "L3".
    cache_bytes : int
    n : int or None
        Smallest n at which the structure is larger than the cache; None when
        it never is (its size is capped by the block sizes).
    """

    variant: str
    structure: str
    level: str
    cache_bytes: int
    n: int | None

    def as_dict(self) -> dict:
        """Return the boundary as a JSON-ready dict."""
        return asdict(self)


def _round_up(x: int, r: int) -> int:
    return (x + r - 1) // r * r


def working_sets(variant: str, dtype="float64", *, blocks=None, line: int | None = None) -> list[tuple]:
    """The data each variant must keep in cache, as ``(description, bytes_of_n)``.

    Parameters
    ----------
    variant : str
        A gemm variant, or ``"all"`` for the whole problem.
    dtype : str or dtype
    blocks : tuple of int, optional
        ``(MC, KC, NC)`` (default :func:`jitla.config.gemm_blocks`).
    line : int, optional
        Cache line in bytes (default from :func:`jitla.config.cache_info`).

    Returns
    -------
    list of (str, callable)
        ``bytes_of_n(n)`` gives the structure's size in bytes for an
        n x n x n product; each is non-decreasing in n.

    Notes
    -----
    * naive (i-j-k): the inner loop walks a column of B with stride n, one
      cache line per element; the lines of that column are reused by the
      next j only if all n of them stay cached.  All of B is reused by the
      next row of A.
    * reordered (i-k-j): row i of C is reused for all k rows of B; all of B
      is reused by the next row of A.
    * blocked: a KC x NC tile of B is reused by the MC rows of the A block.
    * packed / parallel (the row-major mirror image of BLIS, see
      :func:`jitla.kernels.gemm.packed_region`): an MR x KC micro-panel of A
      is reused by every micro-panel of B (L1), the KC x NC packed block of B
      by every micro-panel of A (L2), the MC x KC packed block of A by every
      block of B (L3).

    The models follow the kernels' docstrings; a change of loop order in
    :mod:`jitla.kernels.gemm` must be mirrored here.
    """
    from jitla import config

    itemsize = np.dtype(dtype).itemsize
    line = line or config.cache_info().line
    MC, KC, NC = blocks or config.gemm_blocks(dtype).as_tuple()
    MR, NR = config.tile_shape(dtype)
    sets = {
        "all": [("A, B and C: 3 n^2 elements", lambda n: 3 * n * n * itemsize)],
        "naive": [
            ("one column of B: n cache lines (stride n)", lambda n: n * line),
            ("all of B: n^2 elements", lambda n: n * n * itemsize),
        ],
        "reordered": [
            ("one row of C: n elements", lambda n: n * itemsize),
            ("all of B: n^2 elements", lambda n: n * n * itemsize),
        ],
        "blocked": [
            ("one row of the C tile: min(n, NC) elements", lambda n: min(n, NC) * itemsize),
            ("KC x NC tile of B", lambda n: min(n, KC) * min(n, NC) * itemsize),
        ],
        "packed": [
            ("MR x KC micro-panel of A", lambda n: MR * min(n, KC) * itemsize),
            ("KC x NC packed block of B", lambda n: min(n, KC) * _round_up(min(n, NC), NR) * itemsize),
            ("MC x KC packed block of A", lambda n: _round_up(min(n, MC), MR) * min(n, KC) * itemsize),
        ],
    }
    sets["parallel"] = sets["packed"]
    try:
        return sets[variant]
    except KeyError:
        raise ValueError(
            f"no working-set model for gemm variant {variant!r}; known: {sorted(sets)}"
        ) from None


def _first_exceeding(bytes_of_n, limit: int, n_max: int = 1 << 24) -> int | None:
    """Smallest n with ``bytes_of_n(n) > limit`` (bisection; the function is non-decreasing)."""
    if bytes_of_n(n_max) <= limit:
        return None
    lo, hi = 1, n_max
    while lo < hi:
        mid = (lo + hi) // 2
        if bytes_of_n(mid) > limit:
            hi = mid
        else:
            lo = mid + 1
    return lo


def working_set_boundaries(
    variants: Sequence[str] | None = None, dtype="float64", *, caches=None, blocks=None
) -> list[Boundary]:
    """Sizes n at which each variant's working sets exceed L1, L2 and L3.

    Parameters
    ----------
    variants : sequence of str, optional
        Gemm variants (default all); ``"all"`` (the whole problem) is always
        included first.
    dtype : str or dtype
    caches : jitla.config.CacheInfo, optional
        Cache sizes (default :func:`jitla.config.cache_info`).
    blocks : tuple of int, optional
        ``(MC, KC, NC)`` for the blocked and packed models.

    Returns
    -------
    list of Boundary
        For every variant, structure and level.  ``n=None`` means "never":
        blocking caps that structure's size.

    Examples
    --------
    >>> from jitla.config import CacheInfo
    >>> b = working_set_boundaries([], "float64", caches=CacheInfo(32768, 2**20, 2**25, 64, "test"))
    >>> [(x.level, x.n) for x in b]
    [('L1', 37), ('L2', 210), ('L3', 1183)]
    """
    from jitla import config
    from jitla.kernels import variants as all_variants

    caches = caches or config.cache_info()
    names = ["all"] + [v for v in (all_variants("gemm") if variants is None else variants) if v != "all"]
    levels = [("L1", caches.l1d), ("L2", caches.l2), ("L3", caches.l3)]
    out = []
    for name in names:
        for description, bytes_of_n in working_sets(name, dtype, blocks=blocks, line=caches.line):
            for level, size in levels:
                out.append(Boundary(name, description, level, size, _first_exceeding(bytes_of_n, size)))
    return out


# --------------------------------------------------------------------------
# cache-cliff sweep
# --------------------------------------------------------------------------
def cliff_sizes(lo: int = 32, hi: int = 1024) -> list[int]:
    """Sizes for a cache-cliff sweep: ``2^k``, ``2^k + 1`` and ``1.5 * 2^k`` in ``[lo, hi + 1]``.

    Powers of two put the rows of a row-major matrix at addresses that map
    to the same few cache sets (conflict misses); ``2^k + 1`` does not.

    Examples
    --------
    >>> cliff_sizes(32, 128)
    [32, 33, 48, 64, 65, 96, 128, 129]
    """
    sizes = set()
    p = 1
    while p <= hi:
        for n in (p, p + 1, p * 3 // 2):
            if lo <= n <= hi + 1 and (n != p * 3 // 2 or n <= hi):
                sizes.add(n)
        p *= 2
    return sorted(sizes)


@dataclass(frozen=True)
class CliffResult:
    """A cache-cliff sweep: measurements plus the working-set boundaries.

    Attributes
    ----------
    rows : list of SweepRow
    boundaries : list of Boundary
    caches : jitla.config.CacheInfo
    dtype : str
    """

    rows: list[SweepRow]
    boundaries: list[Boundary]
    caches: object
    dtype: str

    def as_dict(self) -> dict:
        """Return the result as a JSON-ready dict."""
        return {
            "dtype": self.dtype,
            "caches": asdict(self.caches),
            "rows": [r.as_dict() for r in self.rows],
            "boundaries": [b.as_dict() for b in self.boundaries],
        }


CLIFF_VARIANTS = ("naive", "reordered", "blocked", "packed")


def cache_cliff_sweep(
    sizes: Sequence[int] | None = None,
    dtype="float64",
    variants: Sequence[str] = CLIFF_VARIANTS,
    *,
    repeat: int = 3,
    naive_max: int | None = NAIVE_MAX_N,
    progress: Progress | None = None,
) -> CliffResult:
    """GFLOP/s against n around powers of two, for the serial variants, one thread.

    Parameters
    ----------
    sizes : sequence of int, optional
        Default :func:`cliff_sizes` from 32 to 1024 (with 1025).
    dtype : str or dtype
    variants : sequence of str
        Default: the serial progression naive, reordered, blocked, packed.
    repeat : int
    naive_max : int or None
        As in :func:`gemm_sweep`.
    progress : callable, optional

    Returns
    -------
    CliffResult
    """
    from jitla import config

    sizes = cliff_sizes() if sizes is None else sizes
    rows = gemm_sweep(sizes, dtype, 1, variants, repeat=repeat, naive_max=naive_max, progress=progress)
    return CliffResult(
        rows, working_set_boundaries(variants, dtype), config.cache_info(), np.dtype(dtype).name
    )


# --------------------------------------------------------------------------
# block-size sweep
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class BlockSweep:
    """GFLOP/s of a blocked kernel over a grid of block sizes at one n.

    Attributes
    ----------
    variant : str
    n : int
    dtype : str
    rows : list of dict
        ``{"MC", "KC", "NC", "gflops", "ratio", "max_error"}`` per grid point.
    default : tuple of int
        The configured ``(MC, KC, NC)`` (:func:`jitla.config.gemm_blocks`).
    varied : tuple of str
        The block sizes that take more than one value, e.g. ``("KC", "NC")``.
    """

    variant: str
    n: int
    dtype: str
    rows: list[dict] = field(default_factory=list)
    default: tuple[int, int, int] = (0, 0, 0)
    varied: tuple[str, ...] = ()

    @property
    def best(self) -> dict:
        """The grid point with the highest GFLOP/s."""
        return max(self.rows, key=lambda r: r["gflops"])

    def at(self, **blocks) -> dict | None:
        """The grid point with the given sizes (e.g. ``at(KC=256, NC=128)``), or None."""
        return next((r for r in self.rows if all(r[k] == v for k, v in blocks.items())), None)

    @property
    def default_point(self) -> dict | None:
        """The grid point at the configured block sizes, if it was measured."""
        MC, KC, NC = self.default
        return self.at(MC=MC, KC=KC, NC=NC)

    def as_dict(self) -> dict:
        """Return the sweep as a JSON-ready dict (with ``best``)."""
        return {**asdict(self), "best": self.best}


def block_grid_axes(data: dict):
    """Axes of a block sweep's table or heatmap.

    Parameters
    ----------
    data : dict
        ``BlockSweep.as_dict()``.

    Returns
    -------
    kcs : list of int
        Row values (KC).
    columns : list of str
        Column labels made of the other swept sizes, e.g. ``"NC=256"``.
    column : callable
        Maps a grid point (dict) to its column label.
    """
    others = [name for name in data["varied"] if name != "KC"] or ["NC"]

    def column(r):
        return ", ".join(f"{name}={r[name]}" for name in others)

    kcs = sorted({r["KC"] for r in data["rows"]})
    columns = sorted(
        {column(r) for r in data["rows"]}, key=lambda c: [int(x.split("=")[1]) for x in c.split(", ")]
    )
    return kcs, columns, column


def _default_grid(name: str, n: int, default: int, MR: int, NR: int) -> list[int]:
    if name == "KC":
        values = [v for v in (64, 128, 192, 256, 384, 512, 768) if v <= max(n, 64)]
    elif name == "NC":
        values = [NR * f for f in (2, 4, 8, 12, 16, 32) if NR * f <= max(n, NR)]
    else:
        values = [MR * f for f in (8, 16, 32, 64, 128) if MR * f <= max(n, MR)]
    return sorted(set(values) | {default})


def block_size_sweep(
    n: int = 512,
    dtype="float64",
    *,
    kc_values: Sequence[int] | None = None,
    mc_values: Sequence[int] | None = None,
    nc_values: Sequence[int] | None = None,
    variant: str = "packed",
    repeat: int = 3,
    progress: Progress | None = None,
) -> BlockSweep:
    """Time the packed (or blocked) kernel at one size over a grid of block sizes.

    Block sizes are passed to the kernel explicitly (the configured ones are
    untouched); :func:`jitla.config.set_gemm_blocks` makes a better point the
    default for the process.

    Parameters
    ----------
    n : int
        Square size.
    dtype : str or dtype
    kc_values, mc_values, nc_values : sequence of int, optional
        Values of KC, MC and NC; the grid is their product.  By default KC
        and NC are swept (the L1- and L2-resident blocks of the packed
        kernel), each grid with the configured value added, and MC stays at
        its configured value; give ``mc_values`` to sweep MC as well.
    variant : str
        "packed" (default), "blocked" or "parallel".
    repeat : int
    progress : callable, optional

    Returns
    -------
    BlockSweep
    """
    import itertools

    from jitla import config

    dtype = np.dtype(dtype)
    default = config.gemm_blocks(dtype)
    MR, NR = config.tile_shape(dtype)
    kcs = list(kc_values) if kc_values else _default_grid("KC", n, default.KC, MR, NR)
    ncs = list(nc_values) if nc_values else _default_grid("NC", n, default.NC, MR, NR)
    mcs = list(mc_values) if mc_values else [default.MC]
    grid = list(itertools.product(mcs, kcs, ncs))
    varied = tuple(name for name, values in (("KC", kcs), ("MC", mcs), ("NC", ncs)) if len(set(values)) > 1)
    result = BlockSweep(variant, n, dtype.name, [], default.as_tuple(), varied)
    for i, (mc, kc, nc) in enumerate(grid):
        if progress is not None:
            progress(i, len(grid), f"{variant} n={n} MC={mc} KC={kc} NC={nc}")
        m = measure_gemm(variant, n, dtype, repeat=repeat, blocks=(mc, kc, nc))
        result.rows.append(
            {"MC": mc, "KC": kc, "NC": nc, "gflops": m.gflops, "ratio": m.ratio, "max_error": m.max_error}
        )
    if progress is not None:
        progress(len(grid), len(grid), "done")
    return result
