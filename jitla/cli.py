"""The ``jitla`` command: machine info, benchmarks, cache profiling, vectorisation.

::

    jitla info                      conditions every benchmark figure is stated with
    jitla bench gemm  [options]     GFLOP/s and % of OpenBLAS per gemm variant
    jitla bench batched [options]   stacks of 3x3 / 4x4 products vs numpy.matmul
    jitla bench factor [options]    LU / Cholesky / QR vs LAPACK, GFLOP/s and ratio
    jitla cache [options]           cache-cliff sweep, --blocks sweep, --cachegrind misses
    jitla asm [kernel]              packed FMAs and the hottest loop of a kernel

Tables use rich when it is installed (the ``cli`` extra) and plain text
otherwise or with ``--text``; progress goes to stderr, tables to stdout.
Benchmark numbers are ratios measured in this process (benchmarks/README.md):
run benchmarks as ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE jitla ...``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

__all__ = ["main", "build_parser"]


# --------------------------------------------------------------------------
# output: rich when available, plain text otherwise
# --------------------------------------------------------------------------
class _Output:
    """Tables, lines and a progress display on rich or on plain text."""

    def __init__(self, plain: bool = False):
        self.console = None
        if not plain:
            try:
                from rich.console import Console
            except ImportError:
                pass
            else:
                console = Console(highlight=False)
                if not console.is_terminal:
                    console = Console(highlight=False, width=max(console.width, 132))
                self.console = console

    def line(self, text: str = "", style: str | None = None) -> None:
        if self.console is not None:
            self.console.print(text, style=style, markup=False)
        else:
            print(text)

    def heading(self, text: str) -> None:
        self.line()
        self.line(text, style="bold")

    def table(self, title: str, columns: list[str], rows: list[list], notes: list[str] | None = None) -> None:
        cells = [["" if c is None else str(c) for c in row] for row in rows]
        if self.console is not None:
            from rich.table import Table

            table = Table(title=title, title_justify="left", title_style="bold")
            for i, name in enumerate(columns):
                numeric = bool(cells) and all(_numeric(r[i]) for r in cells if r[i] not in _BLANK)
                table.add_column(name, justify="right" if numeric else "left")
            for row in cells:
                table.add_row(*row)
            self.console.print(table)
        else:
            widths = [max([len(name)] + [len(r[i]) for r in cells]) for i, name in enumerate(columns)]
            right = [
                bool(cells) and all(_numeric(r[i]) for r in cells if r[i] not in _BLANK)
                for i in range(len(columns))
            ]
            print()
            print(title)
            print("  ".join(name.ljust(w) for name, w in zip(columns, widths, strict=True)).rstrip())
            print("  ".join("-" * w for w in widths))
            for row in cells:
                padded = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)]
                print("  ".join(padded).rstrip())
        for note in notes or []:
            self.line(f"  {note}")

    @contextlib.contextmanager
    def progress(self, what: str):
        """Yield a ``progress(done, total, label)`` callback that draws on stderr."""
        if self.console is not None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task(what, total=None)

                def update(done, total, label):
                    bar.update(task, completed=done, total=total, description=f"{what}: {label}")

                yield update
        else:

            def update(done, total, label):
                if done < total:
                    print(f"[{done + 1:>3}/{total}] {what}: {label}", file=sys.stderr, flush=True)

            yield update


_BLANK = ("", "-", "skipped")


def _numeric(text: str) -> bool:
    """True for a number, possibly with a unit (%, x) or a marker after it ("40.7 <")."""
    try:
        float(text.split()[0].rstrip("%x").replace(",", ""))
    except (ValueError, IndexError):
        return False
    return True


def _fmt(value, spec: str = ".1f", empty: str = "-") -> str:
    return empty if value is None else format(value, spec)


def _write_json(path, payload: dict, out: _Output) -> None:
    Path(path).write_text(json.dumps(payload, indent=2, default=_json_default) + "\n")
    out.line(f"wrote {path}")


def _json_default(value):
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dtypes(choice: str) -> list[str]:
    return ["float64", "float32"] if choice == "both" else [choice]


# --------------------------------------------------------------------------
# jitla info
# --------------------------------------------------------------------------
def _conditions_line(info: dict) -> str:
    blas = info["blas"][0] if info["blas"] else {}
    blas_text = (
        f"{blas.get('internal_api')} {blas.get('version')} ({blas.get('architecture')})"
        if blas
        else "unknown"
    )
    target = info.get("compile_target")
    compiled = f" | compiled for {info['llvm_cpu']} ({target['isa']})" if target else ""
    return (
        f"{info['cpu']} | {info['simd']}{compiled} | Numba {info['versions']['numba']} "
        f"({info['numba']['threading_layer']} layer) | numpy {info['versions']['numpy']} | BLAS {blas_text}"
    )


def _openblas_warning(info: dict, out: _Output) -> None:
    if not info["blas"]:
        out.line(
            "note: threadpoolctl is not installed: the BLAS reference is not pinned to jitla's thread count"
        )
    set_vars = info["openblas_workarounds"]
    if set_vars:
        names = " ".join(f"-u {k}" for k in set_vars)
        values = ", ".join(f"{k}={v}" for k, v in set_vars.items())
        out.line(f"note: {values} is set and may slow OpenBLAS; benchmark with `env {names} jitla ...`")
    target = info.get("compile_target")
    env = info.get("env", {})
    if target and "NUMBA_CPU_NAME" in env and "NUMBA_CPU_FEATURES" not in env:
        # Numba passes the host's feature string unless NUMBA_CPU_FEATURES is set,
        # so NUMBA_CPU_NAME=haswell alone still compiles AVX-512 on an AVX-512 host.
        out.line(
            f"note: NUMBA_CPU_NAME={env['NUMBA_CPU_NAME']} without NUMBA_CPU_FEATURES keeps the host's "
            f"CPU features: jitla is compiled for {target['isa']}. For AVX2 set both, "
            "e.g. `NUMBA_CPU_NAME=haswell NUMBA_CPU_FEATURES=+avx2,+fma`"
        )


def _cmd_info(args, out: _Output) -> int:
    from jitla.profiling.system import system_info

    info = system_info()
    if args.json:
        _write_json(args.json, {"schema": "jitla.info/1", **info}, out)
    caches = info["caches"]
    rows = [
        ["CPU", info["cpu"]],
        ["SIMD", info["simd"]],
        ["cores (os.cpu_count)", info["cores"]],
        ["LLVM target CPU", info["llvm_cpu"]],
        [
            "caches",
            f"L1d {caches['l1d'] // 1024} KiB, L2 {caches['l2'] // 1024} KiB, "
            f"L3 {caches['l3'] // 1024} KiB, line {caches['line']} B ({caches['source']})",
        ],
    ]
    rows += [[f"{name} version", version] for name, version in info["versions"].items()]
    numba_info = info["numba"]
    rows += [
        [
            "Numba threading layer",
            f"{numba_info['threading_layer']} (requested: {numba_info['threading_layer_requested']})",
        ],
        ["Numba threads", f"{numba_info['num_threads']} of {numba_info['max_threads']}"],
    ]
    for lib in info["blas"] or [{}]:
        if not lib:
            rows.append(["BLAS", "unknown (threadpoolctl not installed)"])
            continue
        user = "numpy's" if lib["numpy"] else "also loaded"
        rows.append(
            ["BLAS", f"{lib['internal_api']} {lib['version']}, {lib['threading_layer']} threads ({user})"]
        )
        rows.append(["BLAS kernel (architecture)", lib["architecture"]])
        rows.append(["BLAS threads", lib["num_threads"]])
        rows.append(["BLAS library", lib["filepath"]])
    for dtype, blocks in info["gemm_blocks"].items():
        mc, kc, nc = blocks["MC_KC_NC"]
        mr, nr = blocks["MR_NR"]
        rows.append([f"GEMM blocks {dtype}", f"MC={mc} KC={kc} NC={nc}, tile MR x NR = {mr} x {nr}"])
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        rows.append([key, info["env"].get(key, "(not set)")])
    rows += [[k, v] for k, v in info["env"].items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")]
    out.table("jitla info", ["item", "value"], rows)
    _openblas_warning(info, out)
    return 0


# --------------------------------------------------------------------------
# jitla bench gemm / batched
# --------------------------------------------------------------------------
def _cmd_bench_gemm(args, out: _Output) -> int:
    from jitla.profiling.sweeps import gemm_sweep
    from jitla.profiling.system import system_info

    info = system_info()
    out.line(_conditions_line(info))
    _openblas_warning(info, out)
    rows = []
    with out.progress("bench gemm") as progress:
        for dtype in _dtypes(args.dtype):
            rows += gemm_sweep(
                args.sizes,
                dtype,
                args.threads,
                args.variants,
                repeat=args.repeat,
                naive_max=args.naive_max,
                progress=progress,
            )
    table = []
    for r in rows:
        table.append(
            [
                r.variant,
                r.n,
                r.dtype,
                r.threads,
                _fmt(r.gflops, ".2f"),
                _fmt(r.blas_gflops, ".2f"),
                _fmt(None if r.ratio is None else 100 * r.ratio, ".0f")
                + ("%" if r.ratio is not None else ""),
                _fmt(r.max_error, ".1e"),
                r.note,
            ]
        )
    columns = [
        "variant",
        "n",
        "dtype",
        "threads",
        "GFLOP/s",
        "OpenBLAS",
        "% of OpenBLAS",
        "max rel err",
        "note",
    ]
    out.table(
        "GEMM C += A @ B (square, C order): jitla vs OpenBLAS at the same thread count",
        columns,
        table,
        [
            f"best of {args.repeat} alternating runs after a warm-up call; GFLOP/s = 2n^3 / time; "
            "max rel err = max|C - C_numpy| / max|C_numpy|"
        ],
    )
    if args.json:
        payload = {
            "schema": "jitla.bench.gemm/1",
            "conditions": info,
            "repeat": args.repeat,
            "rows": [r.as_dict() for r in rows],
        }
        _write_json(args.json, payload, out)
    if args.plot:
        from jitla.profiling.plots import plot_gemm_sweep

        out.line(f"wrote {plot_gemm_sweep(rows, args.plot)}")
    return 0


def _cmd_bench_factor(args, out: _Output) -> int:
    from jitla.profiling.factor import measure_factor
    from jitla.profiling.system import system_info

    info = system_info()
    out.line(_conditions_line(info))
    _openblas_warning(info, out)
    from jitla.kernels import variants

    # an op without the requested variant (no parallel lower Cholesky) is left out, and said so
    missing = [op for op in args.ops if args.variant not in variants(op)]
    for op in missing:
        out.line(f"note: {op} has no {args.variant!r} kernel; not measured")
    points = [(op, n) for op in args.ops if op not in missing for n in args.sizes]
    results = []
    with out.progress("bench factor") as progress:
        for i, (op, n) in enumerate(points):
            progress(i, len(points), f"{op} {args.variant} n={n}, {args.threads} thread(s)")
            results.append(
                measure_factor(op, n, variant=args.variant, threads=args.threads, repeat=args.repeat)
            )
        progress(len(points), len(points), "done")
    rows = [
        [
            r.op,
            r.variant,
            r.n,
            r.threads,
            f"{r.gflops:.2f}",
            f"{r.lapack_gflops:.2f}",
            f"{r.ratio:.2f}x",
            f"{r.max_error:.1e}",
            r.reference,
        ]
        for r in results
    ]
    columns = ["op", "variant", "n", "threads", "GFLOP/s", "LAPACK", "vs LAPACK", "max rel err", "reference"]
    out.table(
        "Factorisations (float64, square): jitla vs LAPACK at the same thread count",
        columns,
        rows,
        [
            f"best of {args.repeat} alternating runs after a warm-up call, input copied on both sides; "
            "GFLOP/s: LU 2n^3/3, Cholesky n^3/3, QR 4n^3/3"
        ],
    )
    if args.json:
        payload = {
            "schema": "jitla.bench.factor/1",
            "conditions": info,
            "repeat": args.repeat,
            "rows": [r.as_dict() for r in results],
        }
        _write_json(args.json, payload, out)
    return 0


def _cmd_bench_batched(args, out: _Output) -> int:
    from jitla.profiling.system import system_info
    from jitla.profiling.timing import measure_batched

    info = system_info()
    out.line(_conditions_line(info))
    _openblas_warning(info, out)
    points = [(s, d, t) for d in _dtypes(args.dtype) for s in args.sizes for t in args.threads]
    results = []
    with out.progress("bench batched") as progress:
        for i, (size, dtype, threads) in enumerate(points):
            progress(i, len(points), f"{args.batch} x {size}x{size} {dtype} {threads} thread(s)")
            results.append(measure_batched(size, args.batch, dtype, threads=threads, repeat=args.repeat))
        progress(len(points), len(points), "done")
    rows = [
        [
            f"{r.size}x{r.size}",
            r.batch,
            r.dtype,
            r.threads,
            r.kernel,
            f"{1e3 * r.jitla_s:.2f}",
            f"{1e3 * r.numpy_s:.2f}",
            f"{r.ratio:.2f}x",
            f"{r.max_error:.1e}",
        ]
        for r in results
    ]
    columns = [
        "matrices",
        "batch",
        "dtype",
        "threads",
        "jitla kernel",
        "jitla ms",
        "numpy ms",
        "speed-up",
        "max rel err",
    ]
    out.table(
        "Stacks of small products: jitla.matmul vs numpy.matmul",
        columns,
        rows,
        [f"best of {args.repeat} alternating runs; speed-up = numpy time / jitla time (> 1: jitla faster)"],
    )
    if args.json:
        payload = {
            "schema": "jitla.bench.batched/1",
            "conditions": info,
            "repeat": args.repeat,
            "rows": [r.as_dict() for r in results],
        }
        _write_json(args.json, payload, out)
    return 0


def _cmd_bench_overhead(args, out: _Output) -> int:
    from jitla.profiling.overhead import measure_overhead, overhead_cases
    from jitla.profiling.system import system_info

    info = system_info()
    out.line(_conditions_line(info))
    _openblas_warning(info, out)
    plan = overhead_cases(
        tuple(args.small_sizes),
        tuple(args.sizes),
        args.functions,
        regression=not args.no_regression,
        stacks=args.stacks,
    )
    with out.progress("bench overhead") as progress:
        results = measure_overhead(plan, repeat=args.repeat, progress=progress)
    rows = [
        [
            r.function,
            r.n,
            r.shape,
            f"{1e6 * r.jitla_s:.2f}",
            f"{1e6 * r.ref_s:.2f}",
            f"{r.ratio:.2f}",
            r.reference,
        ]
        for r in results
    ]
    out.table(
        "Per-call time, 1 thread, warm cache: jitla vs numpy / scipy / statsmodels",
        ["function", "n", "operands", "jitla us", "reference us", "ratio", "reference"],
        rows,
        [
            f"best of {args.repeat} loops (>= 2,000 calls each at n <= 10), alternating; "
            "ratio = jitla time / reference time (< 1: jitla faster)"
        ],
    )
    if args.json:
        payload = {
            "schema": "jitla.bench.overhead/1",
            "conditions": info,
            "repeat": args.repeat,
            "rows": [r.as_dict() for r in results],
        }
        _write_json(args.json, payload, out)
    return 0


# --------------------------------------------------------------------------
# jitla cache
# --------------------------------------------------------------------------
def _cliff_table(result, out: _Output) -> None:
    variants = list(dict.fromkeys(r.variant for r in result.rows))
    by_point = {(r.variant, r.n): r for r in result.rows}
    sizes = sorted({r.n for r in result.rows})
    table = []
    for n in sizes:
        cells = [f"{n}{' *' if n & (n - 1) == 0 else ''}"]
        blas = None
        for v in variants:
            r = by_point.get((v, n))
            cells.append("skipped" if r is None or r.skipped else f"{r.gflops:.2f}")
            if r is not None and not r.skipped:
                blas = max(blas or 0.0, r.blas_gflops)
        cells.append(_fmt(blas, ".2f"))
        table.append(cells)
    itemsize = 4 if result.dtype == "float32" else 8
    caches = result.caches
    out.table(
        f"Cache cliffs: GFLOP/s, 1 thread, {result.dtype} (* = power of two)",
        ["n", *variants, "OpenBLAS"],
        table,
        [
            f"3 n^2 x {itemsize} B exceeds L1 ({caches.l1d // 1024} KiB), L2 ({caches.l2 // 1024} KiB), "
            f"L3 ({caches.l3 // 1024} KiB) at n = "
            + ", ".join(str(b.n) for b in result.boundaries if b.variant == "all"),
        ]
        + (["skipped: naive above --naive-max"] if any(r.skipped for r in result.rows) else []),
    )
    rows = {}
    for b in result.boundaries:
        rows.setdefault((b.variant, b.structure), {})[b.level] = "never" if b.n is None else str(b.n)
    out.table(
        "Working-set boundaries: smallest n at which each structure outgrows the cache",
        ["variant", "structure", "L1", "L2", "L3"],
        [[v, s, lv.get("L1"), lv.get("L2"), lv.get("L3")] for (v, s), lv in rows.items()],
        ["'never': the block sizes cap that structure (see jitla.config.gemm_blocks)"],
    )


def _blocks_table(sweep, out: _Output) -> None:
    from jitla.profiling.sweeps import block_grid_axes

    kcs, columns, column = block_grid_axes(sweep.as_dict())
    best, default = sweep.best, sweep.default_point
    table = []
    for kc in kcs:
        cells = [kc]
        for label in columns:
            point = next((r for r in sweep.rows if r["KC"] == kc and column(r) == label), None)
            mark = " <" if point is best else (" d" if point is not None and point is default else "")
            cells.append("" if point is None else f"{point['gflops']:.1f}{mark}")
        table.append(cells)
    MC, KC, NC = sweep.default
    notes = [
        f"best (<): MC={best['MC']} KC={best['KC']} NC={best['NC']} at {best['gflops']:.2f} GFLOP/s "
        f"({100 * best['ratio']:.0f}% of OpenBLAS)",
        f"default (d): MC={MC} KC={KC} NC={NC}"
        + (f" at {default['gflops']:.2f} GFLOP/s" if default else " (not on the grid)"),
        f"try it: jitla.config.set_gemm_blocks('{sweep.dtype}', "
        f"MC={best['MC']}, KC={best['KC']}, NC={best['NC']})",
        "one size, one run on a shared machine: differences of a few % are noise",
    ]
    fixed = ", ".join(
        f"{k}={v}" for k, v in zip(("MC", "KC", "NC"), sweep.default, strict=True) if k not in sweep.varied
    )
    out.table(
        f"Block sizes: {sweep.variant} GEMM GFLOP/s at n={sweep.n}, {sweep.dtype}"
        + (f", {fixed}" if fixed else "")
        + " (rows KC)",
        ["KC", *columns],
        table,
        notes,
    )


def _cachegrind_table(report, out: _Output) -> None:
    if report.results is None:
        out.line(f"cachegrind: not run: {report.reason}")
        return
    rows, notes = [], []
    for r in report.results:
        if r.per_call is None:
            rows.append([r.variant, r.n, r.dtype, r.cpu, "-", "-", "-", "-", "-", f"failed: {r.reason}"])
            continue
        d1_rate = 100 * r.d1_misses / r.d_refs if r.d_refs else None
        rows.append(
            [
                r.variant,
                r.n,
                r.dtype,
                r.cpu,
                f"{r.d_refs:,.0f}",
                f"{r.d1_misses:,.0f}",
                _fmt(d1_rate, ".2f"),
                f"{r.ll_misses:,.0f}",
                f"{r.ll_misses / r.compulsory_lines:.2f}",
                "",
            ]
        )
        notes += [note for note in r.notes if note not in notes]
    geometry = report.results[0].geometry
    notes.insert(
        0,
        f"per call (two runs subtracted); D1 {geometry.D1.size // 1024} KiB {geometry.D1.assoc}-way, "
        f"LL {geometry.LL.size // 1024} KiB {geometry.LL.assoc}-way, line {geometry.D1.line} B; "
        "LL/min = LL misses / lines of A, B and C (3 n^2 itemsize / line)",
    )
    columns = [
        "variant",
        "n",
        "dtype",
        "compiled for",
        "D refs",
        "D1 misses",
        "D1 %",
        "LL misses",
        "LL/min",
        "note",
    ]
    out.table("cachegrind: simulated data-cache misses per GEMM call", columns, rows, notes)


def _cmd_cache(args, out: _Output) -> int:
    from jitla.profiling.sweeps import block_size_sweep, cache_cliff_sweep, cliff_sizes

    payload: dict = {"schema": "jitla.cache/1"}
    sizes = args.sizes or cliff_sizes(32, 1024)
    with out.progress("cache cliffs") as progress:
        cliff = cache_cliff_sweep(
            sizes, args.dtype, args.variants, repeat=args.repeat, naive_max=args.naive_max, progress=progress
        )
    _cliff_table(cliff, out)
    payload["cliff"] = cliff.as_dict()
    if args.plot:
        from jitla.profiling.plots import plot_block_sweep, plot_cache_cliff

        out.line(f"wrote {plot_cache_cliff(cliff, args.plot)}")
    if args.blocks:
        with out.progress("block sizes") as progress:
            sweep = block_size_sweep(
                args.block_n,
                args.dtype,
                kc_values=args.kc,
                mc_values=args.mc,
                nc_values=args.nc,
                repeat=args.repeat,
                progress=progress,
            )
        _blocks_table(sweep, out)
        payload["blocks"] = sweep.as_dict()
        if args.plot:
            path = Path(args.plot)
            out.line(f"wrote {plot_block_sweep(sweep, path.with_name(path.stem + '-blocks' + path.suffix))}")
    if args.cachegrind:
        from jitla.profiling.cachegrind import cachegrind_report

        with out.progress("cachegrind") as progress:
            report = cachegrind_report(
                args.cachegrind_variants or args.variants,
                args.cachegrind_n,
                args.dtype,
                progress=progress,
                ll_level=args.ll_level,
                cpu=args.cpu,
            )
        _cachegrind_table(report, out)
        payload["cachegrind"] = report.as_dict()
    if args.json:
        _write_json(args.json, payload, out)
    return 0


# --------------------------------------------------------------------------
# jitla asm
# --------------------------------------------------------------------------
def _cmd_asm(args, out: _Output) -> int:
    from jitla.profiling.asm import vector_report

    report = vector_report(args.kernel, dtype=args.dtype)
    out.line(f"kernel     {report.kernel}")
    out.line(f"signature  {report.signature}")
    out.line(f"target CPU {report.cpu}")
    out.line(f"verdict    {report.verdict}")
    kinds = ["zmm", "ymm", "xmm", "scalar"]
    out.table(
        "FMA and other floating-point arithmetic instructions",
        ["where", "what", *kinds],
        [
            ["whole kernel", "FMA", *[report.fma[k] for k in kinds]],
            ["whole kernel", "add/sub/mul/div", *[report.arith[k] for k in kinds]],
            ["hottest loop", "FMA", *[report.hot_loop_fma[k] for k in kinds]],
        ],
        ["zmm = 512-bit, ymm = 256-bit, xmm = 128-bit packed; scalar = ...sd/...ss"],
    )
    shown = report.hot_loop if args.lines <= 0 else report.hot_loop[: args.lines]
    out.heading(f"hottest loop ({len(report.hot_loop)} instructions)")
    for line in shown:
        out.line(f"    {line}")
    if len(shown) < len(report.hot_loop):
        out.line(f"    ... {len(report.hot_loop) - len(shown)} more (--lines 0 shows all)")
    if args.json:
        _write_json(args.json, {"schema": "jitla.asm/1", **report.as_dict()}, out)
    return 0


# --------------------------------------------------------------------------
# argument parsing
# --------------------------------------------------------------------------
# --------------------------------------------------------------------------
# bench coldstart, warmup
# --------------------------------------------------------------------------
def _cmd_bench_coldstart(args, out: _Output) -> int:
    from jitla.profiling import coldstart as cs

    with out.progress("cold start") as update:
        report = cs.coldstart_report(
            args.calls, n=args.n, m=args.m, p=args.p, repeat=args.repeat, progress=update
        )
    sizes = report.sizes
    out.heading(
        f"Cold start: fresh processes, NUMBA_CACHE_DIR empty, then warm (square n = {sizes['n']}, "
        f"regression {sizes['m']} x {sizes['p']}, float64)"
    )
    mark = lambda value, target: f"{value:.2f}" + (" <" if value <= target else " !")  # noqa: E731
    out.line(
        f"import jitla.linalg, jitla.regression: {mark(report.import_s, cs.IMPORT_TARGET_S)} s "
        f"(best of {args.repeat}; target <= {cs.IMPORT_TARGET_S} s)"
    )
    rows = []
    for seq_cold, seq_warm in zip(report.cold_sequence, report.warm_sequence, strict=True):
        name = seq_cold.name
        alone = report.cold_alone[name]
        rows.append(
            [
                name,
                mark(alone.seconds, cs.CALL_TARGET_S),
                f"{alone.cpu_s:.2f}",
                f"{seq_cold.seconds:.2f}",
                f"{report.warm_alone[name].seconds:.3f}",
                f"{seq_warm.seconds:.3f}",
                len(alone.compiled),
            ]
        )
    rows.append(
        [
            "all together",
            "",
            "",
            mark(report.cold_total_s, cs.TOTAL_TARGET_S) + f" (cpu {report.cold_total_cpu_s:.1f})",
            "",
            f"{report.warm_total_s:.3f}",
            "",
        ]
    )
    out.table(
        "First call (seconds)",
        [
            "call",
            "empty cache, alone",
            "cpu",
            "empty cache, in sequence",
            "warm, alone",
            "warm, in sequence",
            "compiled",
        ],
        rows,
        notes=[
            f"targets: each first call <= {cs.CALL_TARGET_S} s alone, all together <= {cs.TOTAL_TARGET_S} s "
            "('<' met, '!' missed)",
            "'cpu': the process's CPU seconds in the call (compilation is serial: on a busy machine "
            "closer to a quiet machine's wall time)",
            "'compiled': top-level kernels the call compiled alone (nested kernels included in their time)",
        ],
    )
    if args.kernels:
        for name, timing in report.cold_alone.items():
            rows = [
                [k[0], f"{k[2]:.2f}", f"{k[3]:.2f}", k[1][:90]]
                for k in sorted(timing.compiled, key=lambda k: -k[2])
            ]
            out.table(
                f"{name}: kernels compiled (empty cache, alone)", ["kernel", "s", "cpu s", "signature"], rows
            )
    if args.json:
        payload = {
            "import_s": report.import_s,
            "sizes": sizes,
            "cold_alone": {k: vars(v) for k, v in report.cold_alone.items()},
            "warm_alone": {k: vars(v) for k, v in report.warm_alone.items()},
            "cold_sequence": [vars(v) for v in report.cold_sequence],
            "warm_sequence": [vars(v) for v in report.warm_sequence],
            "cold_total_s": report.cold_total_s,
            "warm_total_s": report.warm_total_s,
        }
        _write_json(args.json, payload, out)
    return 0


def _cmd_warmup(args, out: _Output) -> int:
    import time

    from jitla._warmup import warmup

    start = time.perf_counter()
    with out.progress("warmup") as progress:
        timings = warmup(ops=args.ops, dtypes=args.dtypes, everything=args.all, progress=progress)
    total = time.perf_counter() - start
    slowest = sorted(timings.items(), key=lambda kv: -kv[1])[: args.top]
    out.table(
        f"Warmup: {len(timings)} steps in {total:.1f} s (compiled code cached on disk)",
        ["step", "s"],
        [[label, f"{seconds:.2f}"] for label, seconds in slowest],
        notes=[f"the {len(slowest)} slowest steps"],
    )
    if args.json:
        _write_json(args.json, {"total_s": total, "steps": timings}, out)
    return 0


def _add_coldstart_and_warmup(sub, bench_sub) -> None:
    """The ``bench coldstart`` and ``warmup`` subcommands."""
    from jitla.profiling.coldstart import CALLS

    cold = bench_sub.add_parser(
        "coldstart", help="import time and each everyday first call, empty vs warm Numba cache"
    )
    cold.add_argument(
        "--calls", nargs="+", choices=list(CALLS), default=None, metavar="CALL", help=", ".join(CALLS)
    )
    cold.add_argument("--n", type=_positive, default=200, help="order of the square problems (default 200)")
    cold.add_argument(
        "--m", type=_positive, default=1000, help="rows of the regression problem (default 1000)"
    )
    cold.add_argument(
        "--p", type=_positive, default=10, help="columns of the regression problem (default 10)"
    )
    cold.add_argument(
        "--repeat", type=_positive, default=5, help="fresh processes for the import time (best of)"
    )
    cold.add_argument(
        "--kernels", action="store_true", help="list the kernels each call compiled, slowest first"
    )
    _common(cold)
    cold.set_defaults(func=_cmd_bench_coldstart)

    warm = sub.add_parser("warmup", help="compile what users call ahead of time (progress bar)")
    warm.add_argument(
        "--ops", nargs="+", metavar="OP", help="every registered variant of these operations instead"
    )
    warm.add_argument(
        "--dtypes",
        nargs="+",
        choices=["float64", "float32"],
        default=None,
        help="default float64 (both with --ops/--all)",
    )
    warm.add_argument("--all", action="store_true", help="every registered kernel too (many times longer)")
    warm.add_argument("--top", type=int, default=10, help="slowest steps to list (default 10)")
    _common(warm)
    warm.set_defaults(func=_cmd_warmup)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _common(parser: argparse.ArgumentParser, *, json_help: str = "also write the results to this JSON file"):
    parser.add_argument("--json", metavar="FILE", help=json_help)
    parser.add_argument(
        "--text", action="store_true", help="plain text output (no rich tables or progress bars)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``jitla`` command."""
    import numba

    from jitla.kernels import variants
    from jitla.profiling.sweeps import CLIFF_VARIANTS, NAIVE_MAX_N

    gemm_variants = variants("gemm")
    max_threads = numba.config.NUMBA_NUM_THREADS
    parser = argparse.ArgumentParser(
        prog="jitla", description="jitla: Numba linear-algebra kernels, measured."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    info = sub.add_parser("info", help="CPU, caches, versions, threading layer and BLAS")
    _common(info, json_help="also write the information to this JSON file")
    info.set_defaults(func=_cmd_info)

    bench = sub.add_parser("bench", help="benchmarks against numpy/OpenBLAS")
    bench_sub = bench.add_subparsers(dest="bench", metavar="WHAT")
    gemm = bench_sub.add_parser("gemm", help="GFLOP/s and %% of OpenBLAS per gemm variant")
    gemm.add_argument("--sizes", nargs="+", type=_positive, default=[256, 512, 1024], metavar="N")
    gemm.add_argument("--dtype", choices=["float64", "float32", "both"], default="float64")
    gemm.add_argument(
        "--threads",
        nargs="+",
        type=_positive,
        default=[max_threads],
        metavar="T",
        help=f"thread counts for the parallel kernel (default {max_threads}); serial kernels use 1",
    )
    gemm.add_argument(
        "--variants",
        nargs="+",
        choices=gemm_variants,
        default=None,
        metavar="V",
        help=", ".join(gemm_variants),
    )
    gemm.add_argument("--repeat", type=_positive, default=5, help="alternating samples per point (default 5)")
    gemm.add_argument(
        "--naive-max",
        type=_positive,
        default=NAIVE_MAX_N,
        help=f"skip naive above this n (default {NAIVE_MAX_N})",
    )
    gemm.add_argument("--plot", metavar="FILE.png", help="write GFLOP/s vs n to this PNG")
    _common(gemm)
    gemm.set_defaults(func=_cmd_bench_gemm)

    factor = bench_sub.add_parser("factor", help="LU / Cholesky / QR vs LAPACK (GFLOP/s and ratio)")
    factor.add_argument("--sizes", nargs="+", type=_positive, default=[2048], metavar="N")
    factor.add_argument(
        "--ops",
        nargs="+",
        choices=["lu", "cholesky", "cholesky_lower", "qr"],
        default=["lu", "cholesky", "cholesky_lower", "qr"],
        help="cholesky: the upper factor (scipy's default); cholesky_lower: numpy's (jitla.linalg's)",
    )
    factor.add_argument("--variant", choices=["blocked", "parallel", "unblocked"], default="blocked")
    factor.add_argument("--threads", type=_positive, default=1, help="jitla and BLAS threads (default 1)")
    factor.add_argument(
        "--repeat", type=_positive, default=5, help="alternating samples per point (default 5)"
    )
    _common(factor)
    factor.set_defaults(func=_cmd_bench_factor)

    batched = bench_sub.add_parser("batched", help="stacks of small products vs numpy.matmul")
    batched.add_argument("--sizes", nargs="+", type=_positive, default=[3, 4], metavar="N")
    batched.add_argument("--batch", type=_positive, default=100_000)
    batched.add_argument("--dtype", choices=["float64", "float32", "both"], default="float64")
    batched.add_argument("--threads", nargs="+", type=_positive, default=[1], metavar="T")
    batched.add_argument("--repeat", type=_positive, default=5)
    _common(batched)
    batched.set_defaults(func=_cmd_bench_batched)

    overhead = bench_sub.add_parser(
        "overhead", help="per-call time of small problems vs numpy/scipy/statsmodels (1 thread)"
    )
    overhead.add_argument(
        "--small-sizes",
        nargs="*",
        type=_positive,
        default=[3, 10],
        metavar="N",
        help="sizes for solve, inv, det, slogdet, cholesky, matmul (default 3 10)",
    )
    overhead.add_argument(
        "--sizes", nargs="*", type=_positive, default=[100], metavar="N", help="sizes for every function"
    )
    overhead.add_argument("--functions", nargs="+", metavar="F", help="only these (solve, inv, ..., OLS)")
    overhead.add_argument("--no-regression", action="store_true", help="skip OLS(y, X).fit().bse")
    overhead.add_argument(
        "--stacks",
        action="store_true",
        help="also 100,000 stacked 3x3 / 4x4 (solve, inv, det, slogdet, matmul)",
    )
    overhead.add_argument("--repeat", type=_positive, default=5, help="timed loops per side (default 5)")
    _common(overhead)
    overhead.set_defaults(func=_cmd_bench_overhead)

    cache = sub.add_parser("cache", help="cache-cliff sweep, block-size sweep, cachegrind misses")
    cache.add_argument(
        "--sizes", nargs="+", type=_positive, metavar="N", help="default 2^k, 2^k+1, 1.5*2^k in 32..1025"
    )
    cache.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    cache.add_argument(
        "--variants", nargs="+", choices=gemm_variants, default=list(CLIFF_VARIANTS), metavar="V"
    )
    cache.add_argument("--repeat", type=_positive, default=3)
    cache.add_argument("--naive-max", type=_positive, default=NAIVE_MAX_N)
    cache.add_argument(
        "--blocks", action="store_true", help="also sweep KC and NC (or --mc) of the packed kernel"
    )
    cache.add_argument("--block-n", type=_positive, default=512, help="size of the block sweep (default 512)")
    cache.add_argument("--kc", nargs="+", type=_positive, metavar="KC", help="KC values of the block sweep")
    cache.add_argument("--nc", nargs="+", type=_positive, metavar="NC", help="NC values of the block sweep")
    cache.add_argument(
        "--mc", nargs="+", type=_positive, metavar="MC", help="sweep MC too, over these values"
    )
    cache.add_argument(
        "--cachegrind", action="store_true", help="also count misses with valgrind (slow: ~30 s a variant)"
    )
    cache.add_argument(
        "--cachegrind-n", type=_positive, default=256, help="size for cachegrind (default 256)"
    )
    cache.add_argument("--cachegrind-variants", nargs="+", choices=gemm_variants, metavar="V")
    cache.add_argument("--ll-level", type=int, choices=[2, 3], default=2, help="cache level simulated as LL")
    cache.add_argument(
        "--cpu", default="auto", help="Numba target of the cachegrind child (auto, native, haswell...)"
    )
    cache.add_argument("--plot", metavar="FILE.png", help="cliff plot; with --blocks also FILE-blocks.png")
    _common(cache)
    cache.set_defaults(func=_cmd_cache)

    asm = sub.add_parser("asm", help="packed FMAs and hottest loop of a kernel")
    asm.add_argument(
        "kernel", nargs="?", default="micro_kernel", help="micro_kernel (default), gemm/packed, ..."
    )
    asm.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    asm.add_argument("--lines", type=int, default=60, help="hot-loop lines to show (0: all)")
    _common(asm)
    asm.set_defaults(func=_cmd_asm)

    _add_coldstart_and_warmup(sub, bench_sub)

    parser.set_defaults(func=None, parsers={"bench": bench})
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``jitla`` command; returns the exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 for a usage error (argparse exits with 2 itself).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.func is None:
        target = args.parsers.get(args.command) or parser
        target.print_help()
        return 2
    if args.func is _cmd_bench_gemm or args.func is _cmd_cache:
        args.variants = list(dict.fromkeys(args.variants)) if args.variants else args.variants
    out = _Output(plain=args.text)
    try:
        return args.func(args, out)
    except ValueError as exc:
        print(f"jitla: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `jitla asm | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
