"""PNG plots of the sweeps (matplotlib, imported only when a plot is drawn).

Figures are drawn with matplotlib's object-oriented API on an Agg canvas, so
no GUI backend is needed and pyplot's global state is never touched.  Each
function returns the path it wrote.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

__all__ = ["plot_gemm_sweep", "plot_cache_cliff", "plot_block_sweep"]


def _figure(ncols: int = 1, width: float = 7.0, height: float = 4.5):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plots need matplotlib: pip install 'jitla[plot]'") from exc
    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    return fig, axes


def _save(fig, path) -> Path:
    path = Path(path)
    if path.parent and not path.parent.exists():
        os.makedirs(path.parent, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def _row(r) -> dict:
    return r if isinstance(r, dict) else r.as_dict()


def plot_gemm_sweep(rows, path, *, title: str = "GEMM: jitla variants and OpenBLAS") -> Path:
    """GFLOP/s against n, one line per variant and thread count, OpenBLAS dashed.

    Parameters
    ----------
    rows : sequence of SweepRow or dict
        From :func:`jitla.profiling.sweeps.gemm_sweep` (several dtypes may be
        mixed: one panel per dtype).  Skipped points are left out.
    path : str or path
        Where to write the PNG.
    title : str

    Returns
    -------
    pathlib.Path
    """
    rows = [_row(r) for r in rows if not _row(r).get("skipped")]
    dtypes = sorted({r["dtype"] for r in rows}) or ["float64"]
    fig, axes = _figure(len(dtypes))
    for ax, dtype in zip(axes, dtypes, strict=True):
        lines = defaultdict(list)
        blas = defaultdict(dict)
        for r in rows:
            if r["dtype"] != dtype:
                continue
            lines[(r["variant"], r["threads"])].append((r["n"], r["gflops"]))
            blas[r["threads"]].setdefault(r["n"], []).append(r["blas_gflops"])
        for (variant, threads), points in lines.items():
            points.sort()
            label = variant if threads == 1 else f"{variant} ({threads} threads)"
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=label)
        for threads, by_n in sorted(blas.items()):
            ns = sorted(by_n)
            best = [max(by_n[n]) for n in ns]
            ax.plot(
                ns,
                best,
                "k--" if threads == 1 else "k:",
                label=f"OpenBLAS, {threads} thread{'s' * (threads > 1)}",
            )
        ax.set_xscale("log", base=2)
        ax.set_xlabel("n (m = n = k)")
        ax.set_ylabel("GFLOP/s (2n^3 / best time)")
        ax.set_title(f"{title}, {dtype}")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    return _save(fig, path)


def plot_cache_cliff(result, path) -> Path:
    """Cache-cliff plot: GFLOP/s against n with the L1/L2/L3 boundaries of 3 n^2.

    Parameters
    ----------
    result : CliffResult or dict
        From :func:`jitla.profiling.sweeps.cache_cliff_sweep` (or its
        ``as_dict()``).
    path : str or path

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Vertical dashed lines mark where A, B and C together (3 n^2 elements)
    outgrow L1, L2 and L3; powers of two are drawn with hollow markers so the
    dips at ``2^k`` against ``2^k + 1`` stand out.
    """
    return _save(_cliff_figure(result if isinstance(result, dict) else result.as_dict()), path)


def _cliff_figure(data):
    """The figure of :func:`plot_cache_cliff`, the legend outside the axes (it hid the OpenBLAS line)."""
    fig, (ax,) = _figure(1, width=9.0)
    lines = defaultdict(list)
    blas = defaultdict(float)
    for r in data["rows"]:
        if not r.get("skipped"):
            lines[r["variant"]].append((r["n"], r["gflops"]))
            blas[r["n"]] = max(blas[r["n"]], r["blas_gflops"])
    if blas:
        ns = sorted(blas)
        ax.plot(ns, [blas[n] for n in ns], "k--", lw=1, label="OpenBLAS, 1 thread")
    for variant, points in lines.items():
        points.sort()
        (line,) = ax.plot([p[0] for p in points], [p[1] for p in points], marker=".", label=variant)
        pow2 = [p for p in points if p[0] & (p[0] - 1) == 0]
        ax.plot([p[0] for p in pow2], [p[1] for p in pow2], "o", mfc="none", color=line.get_color())
    measured = [n for points in lines.values() for n, _ in points]
    lo, hi = (min(measured), max(measured)) if measured else (1, 1 << 20)
    for b in data["boundaries"]:
        if b["variant"] == "all" and b["n"] is not None and lo / 1.5 <= b["n"] <= hi * 1.5:
            ax.axvline(b["n"], color="grey", ls="--", lw=1)
            ax.annotate(
                f"3n² > {b['level']}",
                (b["n"], 1),
                xycoords=("data", "axes fraction"),
                rotation=90,
                va="top",
                ha="right",
            )
    ax.set_xscale("log", base=2)
    ax.set_xlabel("n (hollow markers: powers of two)")
    ax.set_ylabel("GFLOP/s, 1 thread")
    ax.set_title(f"Cache cliffs, {data['dtype']}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return fig


def plot_block_sweep(sweep, path) -> Path:
    """Heatmap of GFLOP/s over KC (rows) and the other swept block size (columns).

    The optimum is starred and the configured default boxed.

    Parameters
    ----------
    sweep : BlockSweep or dict
        From :func:`jitla.profiling.sweeps.block_size_sweep`.
    path : str or path

    Returns
    -------
    pathlib.Path
    """
    import numpy as np

    data = sweep if isinstance(sweep, dict) else sweep.as_dict()
    from jitla.profiling.sweeps import block_grid_axes

    kcs, columns, column = block_grid_axes(data)
    grid = np.full((len(kcs), len(columns)), np.nan)
    for r in data["rows"]:
        grid[kcs.index(r["KC"]), columns.index(column(r))] = r["gflops"]
    fig, (ax,) = _figure(1, width=max(6.0, 1.1 * len(columns) + 3), height=5.0)
    image = ax.imshow(grid, origin="lower", cmap="viridis", aspect="auto")
    fig.colorbar(image, ax=ax, label="GFLOP/s")
    middle = (np.nanmin(grid) + np.nanmax(grid)) / 2
    for i in range(len(kcs)):
        for j in range(len(columns)):
            if np.isfinite(grid[i, j]):
                colour = "black" if grid[i, j] > middle else "white"
                ax.text(j, i, f"{grid[i, j]:.1f}", ha="center", va="center", fontsize=8, color=colour)
    best = data["best"]
    label = f"best KC={best['KC']}, {column(best)}"
    ax.plot(columns.index(column(best)) - 0.3, kcs.index(best["KC"]) + 0.25, "r*", ms=12, label=label)
    MC, KC, NC = data["default"]
    default = {"MC": MC, "KC": KC, "NC": NC}
    if KC in kcs and column(default) in columns:
        j, i = columns.index(column(default)), kcs.index(KC)
        ax.plot(j, i, "ws", mfc="none", ms=22, mew=2, label=f"default KC={KC}, {column(default)}")
    ax.set_xticks(range(len(columns)), columns, rotation=30, ha="right")
    ax.set_yticks(range(len(kcs)), [str(k) for k in kcs])
    ax.set_ylabel("KC (depth of the packed blocks)")
    fixed = ", ".join(f"{k}={v}" for k, v in default.items() if k not in data["varied"])
    ax.set_title(f"{data['variant']} GEMM, n={data['n']}, {data['dtype']}" + (f", {fixed}" if fixed else ""))
    ax.legend(loc="upper left", fontsize="small")
    return _save(fig, path)
