"""Tests of the ``jitla`` command through ``jitla.cli.main`` (tiny sizes, one repeat).

What is checked is what the command reports and writes (tables, JSON
schema, plot files, exit codes), never how fast anything ran.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numba
import pytest
from helpers import has_avx512

from jitla.cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_THREADS = numba.config.NUMBA_NUM_THREADS


def test_info(capsys, tmp_path):
    path = tmp_path / "info.json"
    assert main(["info", "--text", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    for item in (
        "CPU",
        "SIMD",
        "caches",
        "numba version",
        "Numba threading layer",
        "BLAS",
        "OPENBLAS_CORETYPE",
    ):
        assert item in out
    info = json.loads(path.read_text())
    assert info["schema"] == "jitla.info/1"
    assert info["versions"]["numba"] == numba.__version__
    assert info["numba"]["max_threads"] == MAX_THREADS
    assert info["caches"]["l1d"] > 0


def test_cpu_name_without_features_is_flagged(capsys):
    """NUMBA_CPU_NAME alone keeps the host's features (Numba's default): the
    bench header must say so instead of letting an AVX-512 figure pass as AVX2."""
    from jitla.cli import _openblas_warning, _Output

    info = {"blas": [{}], "openblas_workarounds": {}, "compile_target": {"isa": "avx512"}}
    _openblas_warning({**info, "env": {"NUMBA_CPU_NAME": "haswell"}}, _Output(plain=True))
    out = capsys.readouterr().out
    assert "NUMBA_CPU_NAME=haswell without NUMBA_CPU_FEATURES" in out
    assert "compiled for avx512" in out
    env = {"NUMBA_CPU_NAME": "haswell", "NUMBA_CPU_FEATURES": "+avx2,+fma"}
    _openblas_warning({**info, "env": env}, _Output(plain=True))
    assert capsys.readouterr().out == ""


def test_bench_gemm_table_json_and_plot(capsys, tmp_path):
    json_path, png_path = tmp_path / "gemm.json", tmp_path / "gemm.png"
    argv = ["bench", "gemm", "--sizes", "16", "32", "--variants", "naive", "packed", "parallel"]
    argv += ["--threads", str(MAX_THREADS), "--repeat", "1", "--naive-max", "16", "--text"]
    argv += ["--json", str(json_path), "--plot", str(png_path)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "% of OpenBLAS" in captured.out and "max rel err" in captured.out
    assert "skipped: naive above n=16" in captured.out
    assert "bench gemm: packed n=32" in captured.err  # plain-text progress goes to stderr

    payload = json.loads(json_path.read_text())
    assert payload["schema"] == "jitla.bench.gemm/1" and payload["repeat"] == 1
    assert {"cpu", "versions", "numba", "blas", "caches"} <= set(payload["conditions"])
    rows = payload["rows"]
    keys = {
        "variant",
        "n",
        "dtype",
        "threads",
        "gflops",
        "blas_gflops",
        "ratio",
        "max_error",
        "note",
        "skipped",
    }
    assert all(keys <= set(row) for row in rows)
    points = {(r["variant"], r["n"]): r for r in rows}
    assert set(points) == {(v, n) for v in ("naive", "packed", "parallel") for n in (16, 32)}
    assert points[("naive", 32)]["skipped"] and points[("naive", 32)]["gflops"] is None
    assert not points[("naive", 16)]["skipped"] and points[("naive", 16)]["gflops"] > 0
    assert points[("packed", 32)]["threads"] == 1 and points[("parallel", 32)]["threads"] == MAX_THREADS
    for r in rows:
        if not r["skipped"]:
            assert r["ratio"] == pytest.approx(r["gflops"] / r["blas_gflops"])
            assert r["max_error"] < 1e-14
    assert png_path.read_bytes()[:8] == PNG_MAGIC


def test_bench_gemm_both_dtypes(capsys, tmp_path):
    path = tmp_path / "both.json"
    argv = ["bench", "gemm", "--sizes", "16", "--variants", "reordered", "--dtype", "both", "--repeat", "1"]
    assert main([*argv, "--text", "--json", str(path)]) == 0
    rows = json.loads(path.read_text())["rows"]
    assert sorted(r["dtype"] for r in rows) == ["float32", "float64"]
    assert "float32" in capsys.readouterr().out


@pytest.mark.skipif(importlib.util.find_spec("rich") is None, reason="rich is not installed")
def test_bench_gemm_rich_output(capsys):
    assert main(["bench", "gemm", "--sizes", "16", "--variants", "packed", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "packed" in out and "%" in out and "OpenBLAS" in out


def test_bench_batched(capsys, tmp_path):
    path = tmp_path / "batched.json"
    argv = [
        "bench",
        "batched",
        "--batch",
        "300",
        "--sizes",
        "3",
        "4",
        "--repeat",
        "1",
        "--text",
        "--json",
        str(path),
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "jitla.matmul vs numpy.matmul" in out and "3x3" in out and "4x4" in out
    payload = json.loads(path.read_text())
    assert payload["schema"] == "jitla.bench.batched/1"
    assert [(r["size"], r["batch"]) for r in payload["rows"]] == [(3, 300), (4, 300)]
    for r in payload["rows"]:
        assert r["kernel"].startswith("gemm_batched/")
        assert r["ratio"] == pytest.approx(r["numpy_s"] / r["jitla_s"])
        assert r["max_error"] < 1e-14


def test_cache_cliff_and_blocks(capsys, tmp_path):
    json_path, png_path = tmp_path / "cache.json", tmp_path / "cliff.png"
    argv = ["cache", "--sizes", "16", "17", "--variants", "reordered", "packed", "--repeat", "1"]
    argv += ["--blocks", "--block-n", "32", "--kc", "16", "32", "--nc", "32", "64"]
    argv += ["--text", "--json", str(json_path), "--plot", str(png_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Cache cliffs" in out and "16 *" in out  # powers of two are starred
    assert "Working-set boundaries" in out and "KC x NC packed block of B" in out
    assert "Block sizes" in out and "best (<)" in out and "set_gemm_blocks" in out

    payload = json.loads(json_path.read_text())
    assert payload["schema"] == "jitla.cache/1"
    cliff = payload["cliff"]
    assert [(r["variant"], r["n"]) for r in cliff["rows"]] == [
        ("reordered", 16),
        ("reordered", 17),
        ("packed", 16),
        ("packed", 17),
    ]
    assert any(b["variant"] == "all" and b["level"] == "L1" for b in cliff["boundaries"])
    blocks = payload["blocks"]
    assert sorted((r["KC"], r["NC"]) for r in blocks["rows"]) == [(16, 32), (16, 64), (32, 32), (32, 64)]
    assert blocks["best"]["gflops"] == max(r["gflops"] for r in blocks["rows"])
    assert "cachegrind" not in payload
    assert png_path.read_bytes()[:8] == PNG_MAGIC
    assert (tmp_path / "cliff-blocks.png").read_bytes()[:8] == PNG_MAGIC


def test_cache_cachegrind_without_valgrind(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = tmp_path / "cache.json"
    argv = ["cache", "--sizes", "16", "--variants", "packed", "--repeat", "1", "--cachegrind", "--text"]
    assert main([*argv, "--json", str(path)]) == 0
    assert "cachegrind: not run: valgrind is not installed" in capsys.readouterr().out
    report = json.loads(path.read_text())["cachegrind"]
    assert report["results"] is None and "valgrind" in report["reason"]


@pytest.mark.skipif(not has_avx512(), reason="needs a CPU with avx512f")
def test_asm_micro_kernel(capsys):
    assert main(["asm", "--text"]) == 0
    out = capsys.readouterr().out
    assert "micro_kernel" in out and "packed FMA on zmm (512-bit registers)" in out
    assert "hottest loop" in out and "vfmadd" in out


def test_asm_named_kernel_json(capsys, tmp_path):
    path = tmp_path / "asm.json"
    assert main(["asm", "gemm/reordered", "--lines", "3", "--text", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "gemm_reordered" in out and "more (--lines 0 shows all)" in out
    report = json.loads(path.read_text())
    assert report["schema"] == "jitla.asm/1"
    assert set(report["fma"]) == {"zmm", "ymm", "xmm", "scalar"}
    assert report["verdict"] and report["hot_loop"]


def test_warmup_command(capsys, tmp_path):
    path = tmp_path / "warmup.json"
    assert main(["warmup", "--ops", "dot", "--dtypes", "float64", "--text", "--json", str(path)]) == 0
    captured = capsys.readouterr()
    assert "[  1/1]" in captured.err and "dot/serial/float64" in captured.err  # the progress lines
    assert "Warmup: 1 steps" in captured.out
    assert list(json.loads(path.read_text())["steps"]) == ["dot/serial/float64"]


def test_bench_coldstart_table_and_json(capsys, tmp_path):
    # one cheap call (a 2 x 2 product) in fresh processes: empty cache, warm cache, in sequence
    path = tmp_path / "cold.json"
    argv = ["bench", "coldstart", "--calls", "matmul", "--n", "2", "--repeat", "1", "--kernels"]
    assert main([*argv, "--text", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "import jitla.linalg, jitla.regression" in out and "matmul" in out
    data = json.loads(path.read_text())
    assert data["import_s"] > 0 and data["cold_alone"]["matmul"]["seconds"] > 0
    assert [c["name"] for c in data["cold_sequence"]] == ["matmul"]
    assert data["cold_alone"]["matmul"]["compiled"], "an empty cache must compile something"
    assert not data["warm_alone"]["matmul"]["compiled"], "a warm cache must compile nothing"


def test_usage_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bench", "gemm", "--variants", "no-such-variant"])
    assert exc.value.code == 2
    assert (
        main(["bench", "gemm", "--sizes", "8", "--variants", "parallel", "--threads", str(MAX_THREADS + 1)])
        == 2
    )
    assert "number of threads" in capsys.readouterr().err
    assert main([]) == 2
    assert "info" in capsys.readouterr().out  # the help lists the commands
    assert main(["bench"]) == 2
    assert "batched" in capsys.readouterr().out


def test_module_entry_point():
    done = subprocess.run(
        [sys.executable, "-m", "jitla.cli", "info", "--text"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    assert "Numba threading layer" in done.stdout


def test_bench_overhead(capsys, tmp_path):
    path = tmp_path / "overhead.json"
    argv = ["bench", "overhead", "--functions", "det", "solve_triangular", "--small-sizes", "3"]
    argv += ["--sizes", "4", "--no-regression", "--repeat", "1", "--text", "--json", str(path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "jitla vs numpy / scipy / statsmodels" in out and "numpy.linalg.det" in out
    payload = json.loads(path.read_text())
    assert payload["schema"] == "jitla.bench.overhead/1"
    rows = [(r["function"], r["n"], r["reference"]) for r in payload["rows"]]
    assert rows == [
        ("det", 3, "numpy.linalg.det"),
        ("det", 4, "numpy.linalg.det"),
        ("solve_triangular", 4, "scipy.linalg.solve_triangular"),
    ]
    for r in payload["rows"]:
        assert r["ratio"] == pytest.approx(r["jitla_s"] / r["ref_s"])
        assert r["number"] >= (2000 if r["n"] <= 10 else 1)


def test_bench_overhead_rejects_unknown_function(capsys):
    assert main(["bench", "overhead", "--functions", "nope", "--text"]) == 2
    assert "unknown function" in capsys.readouterr().err
