"""Tests of jitla.profiling: timing protocol, sweeps, working sets, cachegrind, asm, plots.

Sizes are tiny and ``repeat`` is 1 or 2: these tests check what is measured
and reported, never how fast anything is.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numba
import numpy as np
import pytest
from helpers import has_avx512

from jitla.config import CacheInfo
from jitla.profiling import asm, cachegrind, sweeps, timing
from jitla.profiling.system import simd_width, system_info

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_THREADS = numba.config.NUMBA_NUM_THREADS


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------
def test_time_pair_warms_up_then_alternates():
    calls = []
    result = timing.time_pair(
        lambda: calls.append("f"), lambda: calls.append("r"), repeat=3, min_sample_time=0
    )
    # one warm-up call each, then fn and ref alternate, one call per sample
    assert calls == ["f", "r"] + ["f", "r"] * 3
    assert result.repeat == 3 and result.number == 1
    assert 0 < result.best <= result.median
    assert 0 < result.ref_best <= result.ref_median
    assert result.ratio == pytest.approx(result.ref_best / result.best)


def test_time_pair_loops_short_calls():
    counts = {"f": 0, "r": 0}

    def fn():
        counts["f"] += 1

    def ref():
        counts["r"] += 1

    result = timing.time_pair(fn, ref, repeat=2, min_sample_time=1e-3)
    assert result.number > 1  # a no-op call is far below a millisecond
    # warm-up + the discarded calibration sample + repeat samples of `number` calls
    assert counts["f"] == counts["r"] == 2 + 2 * result.number


def test_time_pair_rejects_zero_repeat():
    with pytest.raises(ValueError, match="repeat"):
        timing.time_pair(lambda: None, lambda: None, repeat=0)


@pytest.mark.parametrize("variant", ["naive", "reordered", "blocked", "packed"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_measure_gemm_serial(variant, dtype):
    m = timing.measure_gemm(variant, 33, dtype, m=20, k=12, repeat=1, threads=MAX_THREADS)
    assert (m.variant, m.m, m.n, m.k, m.dtype) == (variant, 20, 33, 12, dtype)
    assert m.threads == 1  # serial kernels ignore the request, and so does their reference
    assert m.gflops == pytest.approx(2 * 20 * 33 * 12 / m.best_s / 1e9)
    assert m.blas_gflops == pytest.approx(2 * 20 * 33 * 12 / m.blas_best_s / 1e9)
    assert m.ratio == pytest.approx(m.gflops / m.blas_gflops)
    # k = 12 terms: a few ulps of the largest entry
    assert 0 <= m.max_error < (1e-14 if dtype == "float64" else 1e-5)


def test_measure_gemm_parallel_uses_requested_threads():
    m = timing.measure_gemm("parallel", 40, repeat=1, threads=MAX_THREADS)
    assert m.threads == MAX_THREADS
    assert m.blocks is not None and len(m.blocks) == 3
    assert m.max_error < 1e-14


def test_measure_gemm_pins_blas_to_kernel_threads(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    seen = []
    matmul = np.matmul

    def spy(*args, **kwargs):
        blas = [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
        seen.append((numba.get_num_threads(), blas))
        return matmul(*args, **kwargs)

    monkeypatch.setattr(np, "matmul", spy)
    timing.measure_gemm("packed", 24, repeat=1)
    assert seen and all(nb == 1 and set(blas) == {1} for nb, blas in seen)
    if MAX_THREADS > 1:
        seen.clear()
        timing.measure_gemm("parallel", 24, repeat=1, threads=2)
        assert seen and all(nb == 2 and set(blas) == {2} for nb, blas in seen)


def test_measure_gemm_explicit_blocks_are_passed():
    m = timing.measure_gemm("packed", 50, repeat=1, blocks=(12, 16, 32))
    assert m.blocks == (12, 16, 32)
    assert m.max_error < 1e-14  # several KC and NC blocks, still right


def test_measure_gemm_errors():
    with pytest.raises(ValueError, match="unknown gemm kernel"):
        timing.measure_gemm("no-such-variant", 8)
    with pytest.raises(ValueError, match="number of threads"):
        timing.measure_gemm("parallel", 8, threads=MAX_THREADS + 1)


def test_measure_batched_compares_with_numpy():
    m = timing.measure_batched(3, batch=200, repeat=1)
    assert (m.batch, m.size, m.threads) == (200, 3, 1)
    assert m.kernel.startswith("gemm_batched/")
    assert m.ratio == pytest.approx(m.numpy_s / m.jitla_s)
    assert m.max_error < 1e-14


# --------------------------------------------------------------------------
# sweeps
# --------------------------------------------------------------------------
def test_gemm_sweep_skips_naive_above_cap_and_reports_progress():
    progress = []
    rows = sweeps.gemm_sweep(
        [16, 24],
        "float64",
        threads=[1, MAX_THREADS],
        variants=["naive", "packed", "parallel"],
        repeat=1,
        naive_max=16,
        progress=lambda done, total, label: progress.append((done, total, label)),
    )
    keys = [(r.variant, r.n, r.threads) for r in rows]
    expected = [("naive", 16, 1), ("naive", 24, 1), ("packed", 16, 1), ("packed", 24, 1)]
    expected += [("parallel", n, t) for n in (16, 24) for t in sorted({1, MAX_THREADS})]
    assert keys == expected
    skipped = [r for r in rows if r.skipped]
    assert [(r.variant, r.n) for r in skipped] == [("naive", 24)]
    assert "naive" in skipped[0].note and "16" in skipped[0].note
    assert skipped[0].as_dict()["skipped"] is True and skipped[0].gflops is None
    assert all(r.gflops > 0 and r.max_error < 1e-14 for r in rows if not r.skipped)
    total = len(expected)
    assert [p[0] for p in progress] == list(range(total + 1)) and {p[1] for p in progress} == {total}


def test_cliff_sizes_have_powers_of_two_and_neighbours():
    sizes = sweeps.cliff_sizes(32, 256)
    assert sizes == sorted(set(sizes))
    for p in (32, 64, 128, 256):
        assert p in sizes and p + 1 in sizes
    assert min(sizes) == 32 and max(sizes) == 257


CACHES = CacheInfo(l1d=32 * 1024, l2=1024 * 1024, l3=32 * 1024 * 1024, line=64, source="test")


def _first_n(bytes_of_n, limit):
    """Linear search: the oracle for the bisection in working_set_boundaries."""
    for n in range(1, 5000):
        if bytes_of_n(n) > limit:
            return n
    return None


def test_working_set_boundaries_whole_problem():
    found = sweeps.working_set_boundaries([], "float64", caches=CACHES)
    assert [(b.variant, b.level) for b in found] == [("all", "L1"), ("all", "L2"), ("all", "L3")]
    for b, size in zip(found, (CACHES.l1d, CACHES.l2, CACHES.l3), strict=True):
        # smallest n with 3 n^2 * 8 > size
        assert b.n == math.isqrt(size // 24) + 1
        assert 3 * b.n**2 * 8 > size >= 3 * (b.n - 1) ** 2 * 8


def test_working_set_boundaries_per_variant():
    blocks = (96, 128, 64)  # MC, KC, NC
    found = sweeps.working_set_boundaries(["naive", "packed"], "float64", caches=CACHES, blocks=blocks)
    by_key = {(b.variant, b.structure, b.level): b.n for b in found}
    # a column of B needs one 64-byte line per row: 32 KiB hold 512 of them
    assert by_key[("naive", "one column of B: n cache lines (stride n)", "L1")] == 513
    MR, NR = 6, 32
    # the MR x KC micro-panel of A (6 x 128 x 8 B = 6 KiB) never outgrows L1
    assert by_key[("packed", "MR x KC micro-panel of A", "L1")] is None
    b_block = lambda n: min(n, 128) * (-(-min(n, 64) // NR) * NR) * 8  # noqa: E731
    assert by_key[("packed", "KC x NC packed block of B", "L1")] == _first_n(b_block, CACHES.l1d)
    assert by_key[("packed", "KC x NC packed block of B", "L2")] is None
    a_block = lambda n: (-(-min(n, 96) // MR) * MR) * min(n, 128) * 8  # noqa: E731
    assert by_key[("packed", "MC x KC packed block of A", "L1")] == _first_n(a_block, CACHES.l1d)


def test_working_sets_unknown_variant():
    with pytest.raises(ValueError, match="no working-set model"):
        sweeps.working_sets("no-such-variant")


def test_block_size_sweep_grid_and_optimum():
    from jitla import config

    before = config.gemm_blocks("float64")
    result = sweeps.block_size_sweep(40, "float64", kc_values=[16, 32], nc_values=[32, 64], repeat=1)
    assert config.gemm_blocks("float64") == before  # blocks are passed, not configured
    assert sorted((r["KC"], r["NC"]) for r in result.rows) == [(16, 32), (16, 64), (32, 32), (32, 64)]
    assert {r["MC"] for r in result.rows} == {before.MC}
    assert result.varied == ("KC", "NC")
    assert result.best["gflops"] == max(r["gflops"] for r in result.rows)
    assert result.at(KC=32, NC=64)["KC"] == 32
    assert all(r["max_error"] < 1e-14 for r in result.rows)
    kcs, columns, _ = sweeps.block_grid_axes(result.as_dict())
    assert kcs == [16, 32] and columns == ["NC=32", "NC=64"]


def test_cache_cliff_sweep_small():
    result = sweeps.cache_cliff_sweep([16, 17], variants=["reordered", "packed"], repeat=1)
    assert [(r.variant, r.n) for r in result.rows] == [
        ("reordered", 16),
        ("reordered", 17),
        ("packed", 16),
        ("packed", 17),
    ]
    assert {b.variant for b in result.boundaries} == {"all", "reordered", "packed"}
    data = result.as_dict()
    assert data["dtype"] == "float64" and len(data["rows"]) == 4 and data["caches"]["l1d"] > 0


# --------------------------------------------------------------------------
# plots
# --------------------------------------------------------------------------
def _row(variant, n, gflops, threads=1, dtype="float64"):
    return sweeps.SweepRow(variant, n, dtype, threads, gflops, 2 * gflops, 0.5, 1e-16, 1e-3)


def test_plots_write_png(tmp_path):
    pytest.importorskip("matplotlib")
    from jitla.profiling import plots

    rows = [_row(v, n, g) for v, g in (("reordered", 5.0), ("packed", 20.0)) for n in (32, 33, 64, 65)]
    rows += [_row("parallel", 64, 30.0, threads=2), _row("packed", 64, 15.0, dtype="float32")]
    rows.append(sweeps.SweepRow("naive", 1024, "float64", 1, None, None, None, None, None, "skipped: test"))
    out = plots.plot_gemm_sweep(rows, tmp_path / "gemm.png")
    cliff = sweeps.CliffResult(rows[:8], sweeps.working_set_boundaries([], caches=CACHES), CACHES, "float64")
    out2 = plots.plot_cache_cliff(cliff, tmp_path / "sub" / "cliff.png")
    sweep = sweeps.BlockSweep("packed", 64, "float64", [], (96, 32, 64), ("KC", "NC"))
    for kc in (16, 32):
        for nc in (32, 64):
            sweep.rows.append(
                {"MC": 96, "KC": kc, "NC": nc, "gflops": kc + nc / 10, "ratio": 0.5, "max_error": 0.0}
            )
    out3 = plots.plot_block_sweep(sweep, tmp_path / "blocks.png")
    for path in (out, out2, out3):
        assert path.exists() and path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 5000


def test_cache_cliff_legend_does_not_cover_the_openblas_line():
    pytest.importorskip("matplotlib")
    from jitla.profiling import plots

    # OpenBLAS flat at the top of the plot, where an "upper right"/"best" legend used to sit
    rows = [
        _row(v, n, g) for v, g in (("reordered", 5.0), ("packed", 20.0)) for n in (32, 33, 64, 65, 128, 129)
    ]
    cliff = sweeps.CliffResult(rows, sweeps.working_set_boundaries([], caches=CACHES), CACHES, "float64")
    fig = plots._cliff_figure(cliff.as_dict())
    fig.canvas.draw()
    (ax,) = fig.axes
    legend_box = ax.get_legend().get_window_extent()
    (blas,) = [line for line in ax.get_lines() if line.get_label().startswith("OpenBLAS")]
    points = ax.transData.transform(blas.get_xydata())
    assert len(points) == 6
    assert not any(legend_box.contains(x, y) for x, y in points)


# --------------------------------------------------------------------------
# cachegrind: parsing, geometry, a real run
# --------------------------------------------------------------------------
CACHEGRIND_STDERR = """\
==4228== Cachegrind, a cache and branch-prediction profiler
==4228== Command: python -c pass
==4228==
==4228== I   refs:      1,207,482,032
==4228== I1  misses:       12,112,475
==4228== LLi misses:           50,733
==4228== I1  miss rate:          1.00%
==4228== LLi miss rate:          0.00%
==4228==
==4228== D   refs:        510,795,041  (346,646,738 rd   + 164,148,303 wr)
==4228== D1  misses:       14,156,924  ( 12,736,955 rd   +   1,419,969 wr)
==4228== LLd misses:          759,838  (    250,875 rd   +     508,963 wr)
==4228== D1  miss rate:           2.8% (        3.7%     +         0.9%  )
==4228== LLd miss rate:           0.1% (        0.1%     +         0.3%  )
==4228==
==4228== LL refs:          26,269,399  ( 24,849,430 rd   +   1,419,969 wr)
==4228== LL misses:           810,571  (    301,608 rd   +     508,963 wr)
==4228== LL miss rate:            0.0% (        0.0%     +         0.3%  )
"""

CACHEGRIND_OUT = """\
desc: I1 cache:         32768 B, 64 B, 8-way associative
desc: D1 cache:         32768 B, 64 B, 8-way associative
desc: LL cache:         1048576 B, 64 B, 8-way associative
cmd: python -c pass
events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
fl=???
fn=0x0001
0 12 1 1 4 0 0 2 0 0
summary: 462315570 4394171 116277 125175114 4663307 1359123 55475162 498004 215792
"""


def test_parse_cachegrind_summary():
    counts = cachegrind.parse_cachegrind_summary(CACHEGRIND_STDERR)
    assert counts == {
        "Ir": 1_207_482_032,
        "I1mr": 12_112_475,
        "ILmr": 50_733,
        "Dr": 346_646_738,
        "Dw": 164_148_303,
        "D1mr": 12_736_955,
        "D1mw": 1_419_969,
        "DLmr": 250_875,
        "DLmw": 508_963,
    }
    assert counts["Dr"] + counts["Dw"] == 510_795_041


def test_parse_cachegrind_out():
    counts = cachegrind.parse_cachegrind_out(CACHEGRIND_OUT)
    assert list(counts) == list(cachegrind.EVENTS)
    assert counts["Ir"] == 462_315_570 and counts["D1mr"] == 4_663_307 and counts["DLmw"] == 215_792


def test_parsers_reject_other_text():
    with pytest.raises(ValueError):
        cachegrind.parse_cachegrind_out("events: Ir Dr\nsummary: 1\n")
    with pytest.raises(ValueError):
        cachegrind.parse_cachegrind_summary("no summary here")


def test_unsupported_instruction_detection():
    stderr = (
        "vex amd64->IR: unhandled instruction bytes: 0x62 0xF1 0x7C 0x48 0x11\n"
        "==1== Process terminating with default action of signal 4 (SIGILL)\n"
    )
    assert cachegrind.unsupported_instruction(stderr, -4)
    assert cachegrind.unsupported_instruction("==1== ... signal 4 (SIGILL)", -4)
    assert not cachegrind.unsupported_instruction(CACHEGRIND_STDERR, 0)


def _fake_sysfs(root: Path, entries):
    for i, (level, kind, size, ways, line) in enumerate(entries):
        d = root / f"index{i}"
        d.mkdir(parents=True)
        (d / "level").write_text(f"{level}\n")
        (d / "type").write_text(f"{kind}\n")
        (d / "size").write_text(f"{size}\n")
        if ways is not None:
            (d / "ways_of_associativity").write_text(f"{ways}\n")
        if line is not None:
            (d / "coherency_line_size").write_text(f"{line}\n")


def test_cache_geometry_from_sysfs(tmp_path):
    _fake_sysfs(
        tmp_path,
        [
            (1, "Data", "48K", 12, 64),
            (1, "Instruction", "32K", 8, 64),
            (2, "Unified", "2048K", 16, 64),
            (3, "Unified", "12288K", 16, 64),  # 12288 sets: not a power of two
        ],
    )
    g2 = cachegrind.cache_geometry(2, root=tmp_path)
    assert (g2.D1.size, g2.D1.assoc, g2.D1.line) == (48 * 1024, 12, 64)  # 64 sets
    assert (g2.I1.size, g2.I1.assoc) == (32 * 1024, 8)
    assert (g2.LL.size, g2.LL.assoc) == (2 * 1024 * 1024, 16)
    assert g2.source == "sysfs" and g2.notes == ()
    assert g2.valgrind_args() == ["--I1=32768,8,64", "--D1=49152,12,64", "--LL=2097152,16,64"]
    g3 = cachegrind.cache_geometry(3, root=tmp_path)
    assert g3.LL.sets == 8192 and g3.LL.size == 8 * 1024 * 1024  # shrunk to the power of two below
    assert len(g3.notes) == 1 and "power-of-two" in g3.notes[0]


def test_cache_geometry_missing_associativity(tmp_path):
    _fake_sysfs(tmp_path, [(1, "Data", "32K", None, None), (2, "Unified", "1024K", None, 64)])
    g = cachegrind.cache_geometry(2, root=tmp_path)
    assert (g.D1.assoc, g.D1.line) == (8, 64)  # assumed
    assert g.LL.assoc == 16
    assert g.I1 == g.D1  # no instruction cache listed: same as D1
    with pytest.raises(ValueError, match="ll_level"):
        cachegrind.cache_geometry(4, root=tmp_path)


def test_cachegrind_without_valgrind(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    report = cachegrind.cachegrind_report(["packed"], 16)
    assert report.results is None and "valgrind" in report.reason
    result = cachegrind.cachegrind_gemm("packed", 16)
    assert result.per_call is None and result.d1_misses is None and "not installed" in result.reason


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_cachegrind_real_run(tmp_path):
    # On an AVX-512 machine valgrind cannot run native code: go straight to the
    # fallback target, which is what "auto" settles on after its probe.
    cpu = "haswell" if has_avx512() else "auto"
    n = 24
    result = cachegrind.cachegrind_gemm("reordered", n, cpu=cpu, timeout=300)
    assert result.reason == "" and result.per_call is not None, result.reason
    assert result.cpu in ("native", "haswell", "x86-64")
    # the i-k-j loop loads a row of B and of C n^2 times: at least n^3 / 8 (AVX-512) refs
    assert result.d_refs > n**3 / 8
    assert 0 <= result.d1_misses < result.d_refs
    assert result.compulsory_lines == 3 * n * n * 8 // 64
    if result.cpu != "native":
        assert any("NUMBA_CPU_NAME" in note for note in result.notes)


# --------------------------------------------------------------------------
# asm
# --------------------------------------------------------------------------
ASM = """\
_ZN5jitla7kernels4gemm12micro_kernel:
\tvxorpd\t%xmm0, %xmm0, %xmm0
.LBB0_2:
\tvbroadcastsd\t(%rcx), %zmm26
\tvfmadd231pd\t%zmm26, %zmm12, %zmm19
\tvfmadd231pd\t(%rax){1to8}, %zmm13, %zmm8
\tvfmadd213pd\t%ymm1, %ymm2, %ymm3
\tdecq\t%r15
\tjne\t.LBB0_2
.LBB0_3:
\tvfmadd231sd\t%xmm1, %xmm2, %xmm0
\tvaddsd\t%xmm1, %xmm0, %xmm0
\tvmulpd\t%zmm1, %zmm2, %zmm0
\tjb\t.LBB0_3
\tretq
_ZN7cpython5jitla7kernels4gemm12micro_kernel:
\tvfmadd231pd\t%zmm1, %zmm2, %zmm3
"""


def test_count_fma_and_loops_on_canned_asm():
    lines = asm._kernel_functions(ASM)
    assert not any("cpython" in line for line in lines)  # the wrapper is not the kernel
    assert asm.count_fma(lines) == {"zmm": 2, "ymm": 1, "xmm": 0, "scalar": 1}
    assert asm._count_arith(lines) == {"zmm": 1, "ymm": 0, "xmm": 0, "scalar": 1}
    loops = asm.find_loops(lines)
    assert [label for _, _, label in loops] == [".LBB0_2", ".LBB0_3"]
    start, end, _ = loops[0]
    assert asm.count_fma(lines[start : end + 1]) == {"zmm": 2, "ymm": 1, "xmm": 0, "scalar": 0}


def test_vector_report_verdicts():
    zero = {"zmm": 0, "ymm": 0, "xmm": 0, "scalar": 0}
    packed = asm.VectorReport("k", "()", "cpu", {**zero, "ymm": 4}, zero)
    scalar = asm.VectorReport("k", "()", "cpu", {**zero, "scalar": 3}, zero)
    assert packed.widest == "ymm" and "256-bit" in packed.verdict
    assert scalar.widest is None and "not vectorised" in scalar.verdict


@pytest.mark.skipif(not has_avx512(), reason="needs a CPU with avx512f")
def test_vector_report_micro_kernel_uses_zmm_fma():
    report = asm.vector_report()  # the GEMM micro-kernel, float64
    assert report.kernel.endswith("micro_kernel")
    assert report.widest == "zmm"
    # each k step is a rank-1 update of the 6 x 32 tile: 24 zmm FMAs in the hot loop
    assert report.hot_loop_fma["zmm"] >= 24 and report.hot_loop_fma["scalar"] == 0
    assert any("vfmadd" in line and "zmm" in line for line in report.hot_loop)
    assert report.as_dict()["verdict"].startswith("packed FMA on zmm")


def test_vector_report_naive_kernel_by_name():
    report = asm.vector_report("gemm/naive")
    assert report.kernel == "jitla.kernels.gemm.gemm_naive"
    assert "array(float64, 2d, C)" in report.signature
    assert sum(report.fma.values()) + sum(report.arith.values()) > 0  # it multiplies and adds
    assert report.hot_loop  # it has a loop


def test_resolve_kernel_errors():
    with pytest.raises(ValueError, match="unknown kernel"):
        asm.resolve_kernel("no_such_kernel")


# --------------------------------------------------------------------------
# system information
# --------------------------------------------------------------------------
def test_simd_width():
    assert simd_width({"avx512f", "avx2", "fma"}) == "AVX-512 (512-bit, FMA)"
    assert simd_width({"sse2"}) == "SSE2 (128-bit)"
    assert simd_width(set()) == "unknown"


def test_system_info_reports_conditions():
    info = system_info()
    import numpy

    assert info["versions"]["numpy"] == numpy.__version__
    assert info["versions"]["numba"] == numba.__version__
    assert info["numba"]["max_threads"] == MAX_THREADS
    assert info["numba"]["threading_layer"] in ("tbb", "omp", "workqueue")
    assert info["caches"]["l1d"] > 0 and info["caches"]["line"] > 0
    assert set(info["gemm_blocks"]) == {"float64", "float32"}
    if info["blas"]:
        assert info["blas"][0]["internal_api"]


@pytest.mark.parametrize("name", ["qr_r", "qr_complete", "qr_raw", "qr_pivoting", "norm_1", "norm_inf"])
def test_overhead_cases_for_modes_compare_like_with_like(name):
    # the two callables of a case compute the same thing (up to QR's signs)
    from jitla.profiling.overhead import CASES

    shape, reference, mine, theirs = CASES[name](6, np.random.default_rng(0))
    assert shape == "(6, 6)" and isinstance(reference, str)
    got, want = mine(), theirs()
    if name.startswith("norm"):
        np.testing.assert_allclose(got, want, rtol=1e-14)
    elif name == "qr_raw":
        np.testing.assert_allclose(got[0], want[0], atol=1e-12)
    elif name == "qr_pivoting":
        np.testing.assert_array_equal(got[2], want[2])  # the same permutation
        np.testing.assert_allclose(np.abs(got[1]), np.abs(want[1]), atol=1e-12)
    else:
        R, R_ref = (got, want) if name == "qr_r" else (got.R, want.R)
        np.testing.assert_allclose(R, R_ref, atol=1e-12)
