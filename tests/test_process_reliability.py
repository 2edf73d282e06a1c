"""Process-level reliability: the kernel cache, fork, threading layers, thread limits.

Most scenarios need a process of their own (a fresh Numba, a fork, another
threading layer), so they run a short script in a subprocess with a timeout:
before the fixes each of them crashed, hung or raised.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from numba.core import caching

import jitla
from jitla import _jit
from jitla._threads import GuardedDispatcher, threads

ROOT = Path(jitla.__file__).resolve().parents[1]


def _run(code: str, *args: str, env=None, timeout=300, prefix=(), cwd=None):
    """Run *code* with *args* in a fresh interpreter that imports this jitla."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env = {k: v for k, v in full_env.items() if v is not None}
    return subprocess.run(
        [*prefix, sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=cwd,  # "-c" puts the working directory first on sys.path
    )


@pytest.fixture
def fresh_warnings(monkeypatch):
    # jitla warns once per process about the cache; each test starts afresh
    monkeypatch.setattr(_jit, "_warned", set())


def _cache_warnings(record):
    return [w for w in record if issubclass(w.category, _jit.CacheWarning)]


# --------------------------------------------------------------------------
# read-only install (no writable cache directory)
# --------------------------------------------------------------------------
def _unprivileged_prefix():
    """A command prefix under which file permissions apply, or None.

    Root ignores permission bits through CAP_DAC_OVERRIDE; ``setpriv`` can
    drop it (and its relatives) from the bounding set of the child, which
    then runs as uid 0 but cannot write to a 0555 directory.
    """
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = (setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner")
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def test_read_only_install_without_writable_home_imports_and_computes(tmp_path):
    # A copy of the package in a read-only directory, a read-only HOME, no
    # NUMBA_CACHE_DIR / XDG_CACHE_HOME: Numba finds no cache directory.  Before,
    # ``import jitla.linalg`` raised "cannot cache function ...: no locator
    # available"; now it imports, computes, and warns once.
    prefix = _unprivileged_prefix()
    if prefix is None:
        pytest.skip("cannot run a process to which file permissions apply (root without setpriv)")
    site = tmp_path / "site"
    shutil.copytree(ROOT / "jitla", site / "jitla", ignore=shutil.ignore_patterns("__pycache__"))
    home = tmp_path / "home"
    home.mkdir()
    for path in [home, *site.rglob("*"), site]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    code = """
        import sys
        import warnings
        warnings.simplefilter("always")
        with warnings.catch_warnings(record=True) as record:
            import jitla.linalg
            from jitla._jit import CacheWarning
            x = jitla.linalg.matmul([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
            y = jitla.linalg.matmul([2.0, 2.0], [0.5, 1.0])
        assert jitla.__file__.startswith(sys.argv[1]), jitla.__file__
        assert float(x) == 32.0 and float(y) == 3.0, (x, y)
        ours = [w for w in record if issubclass(w.category, CacheWarning)]
        assert len(ours) == 1, [str(w.message) for w in record]
        assert "no writable directory" in str(ours[0].message)
        print("ok")
    """
    try:
        done = _run(
            code,
            str(site),
            cwd=site,
            env={"PYTHONPATH": str(site), "HOME": str(home), "NUMBA_CACHE_DIR": None, "XDG_CACHE_HOME": None},
            prefix=prefix,
        )
    finally:
        for path in [site, *site.rglob("*"), home]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"
    # nothing was cached anywhere in the install or the home directory
    assert not list(site.rglob("*.nbi")) and not list(home.rglob("*"))


def test_no_cache_locator_compiles_in_memory_with_one_warning(monkeypatch, fresh_warnings):
    # The same situation simulated in this process: every locator's directory
    # check fails, as it does when nothing is writable.
    def refuse(self):
        raise PermissionError(13, "Permission denied", self.get_cache_path())

    monkeypatch.setattr(caching._CacheLocator, "ensure_cache_path", refuse)

    def add_one(x):
        return x + 1.0

    def twice(x):
        return 2.0 * x

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        first, second = _jit.kernel(add_one), _jit.exact_kernel(twice)
        assert first(1.5) == 2.5 and second(1.5) == 3.0
    ours = _cache_warnings(record)
    assert len(ours) == 1 and "no writable directory" in str(ours[0].message)
    assert isinstance(first._cache, caching.NullCache)


# --------------------------------------------------------------------------
# damaged cache files
# --------------------------------------------------------------------------
KERNEL_SOURCE = """
from jitla._jit import kernel

@kernel
def weighted_sum(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += (i + 1) * x[i]
    return s
"""


def _load_kernel_module(directory: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, directory / "cached_kernel.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.weighted_sum


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "zeroed":
        path.write_bytes(bytes(len(data)))
    elif how == "overwritten":
        # bytes in the middle replaced: the pickle may still load, the LLVM
        # payload inside it does not
        middle = len(data) // 2
        path.write_bytes(
            data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 64]) + data[middle + 64 :]
        )
    else:
        raise ValueError(how)


@pytest.mark.parametrize(
    "which, how",
    [
        ("nbi", "truncated"),
        ("nbi", "empty"),
        ("nbi", "overwritten"),
        ("nbc", "truncated"),
        ("nbc", "zeroed"),
        ("nbc", "overwritten"),
    ],
)
def test_damaged_cache_file_is_discarded_and_recompiled(tmp_path, fresh_warnings, which, how):
    (tmp_path / "cached_kernel.py").write_text(KERNEL_SOURCE)
    x = np.arange(1.0, 6.0)
    expected = float(np.arange(1, 6) @ x)
    assert _load_kernel_module(tmp_path, f"ck_{which}_{how}_0")(x) == expected  # compiles, saves
    files = sorted(
        Path(_load_kernel_module(tmp_path, f"ck_{which}_{how}_p")._cache.cache_path).glob(
            "cached_kernel.*" + which
        )
    )
    assert len(files) == 1, files
    _damage(files[0], how)

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        again = _load_kernel_module(tmp_path, f"ck_{which}_{how}_1")
        assert again(x) == expected
    ours = _cache_warnings(record)
    assert len(ours) == 1 and "damaged" in str(ours[0].message), [str(w.message) for w in record]
    assert sum(again.stats.cache_misses.values()) == 1  # recompiled, not loaded

    # the entry was written again: a third process-like import loads it, silently
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        third = _load_kernel_module(tmp_path, f"ck_{which}_{how}_2")
        assert third(x) == expected
    assert not _cache_warnings(record)
    assert sum(third.stats.cache_hits.values()) == 1


def test_cache_entry_of_other_codegen_settings_is_not_reused(tmp_path, monkeypatch, fresh_warnings):
    # Numba keys an entry on the kernel's own source file; a change of
    # jitla's code-generation settings must still make it a miss.
    (tmp_path / "cached_kernel.py").write_text(KERNEL_SOURCE)
    x = np.arange(1.0, 4.0)
    assert _load_kernel_module(tmp_path, "ck_stamp_0")(x) == 14.0  # compiles, saves
    same = _load_kernel_module(tmp_path, "ck_stamp_1")
    assert same(x) == 14.0 and sum(same.stats.cache_hits.values()) == 1
    monkeypatch.setattr(_jit, "_codegen_stamp", lambda: "other-settings")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        other = _load_kernel_module(tmp_path, "ck_stamp_2")
        assert other(x) == 14.0
    assert not _cache_warnings(record)  # stale, not damaged
    assert sum(other.stats.cache_misses.values()) == 1 and not sum(other.stats.cache_hits.values())


# --------------------------------------------------------------------------
# constant arguments between kernels
# --------------------------------------------------------------------------
FLAG_SOURCE = """
from jitla._jit import kernel
from jitla.kernels._tile import register_tile

@kernel
def scale(x, by_two, start):
    for i in range(start, x.shape[0]):
        x[i] *= 2.0 if by_two else 3.0

@kernel
def tile_rows(x, rows):
    # the tile's shape must be a constant: this callee needs its literal
    return register_tile(x, rows, 1).shape[0]

@kernel
def caller(x, flag):
    scale(x, True, 0)
    scale(x, False, 1)
    scale(x, flag, x.shape[0] - 1)
    return tile_rows(x, 2) + tile_rows(x, 3)
"""


def test_constant_arguments_compile_one_copy_of_the_callee(tmp_path):
    # A literal flag or index would type as Literal[bool](True) / Literal[int](0)
    # and compile a copy of the callee per constant (three here, not one).
    (tmp_path / "cached_kernel.py").write_text(FLAG_SOURCE)
    spec = importlib.util.spec_from_file_location("flag_kernels", tmp_path / "cached_kernel.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x = np.ones(4)
    assert module.caller(x, True) == 5
    np.testing.assert_array_equal(x, [2.0, 6.0, 6.0, 12.0])
    assert len(module.scale.signatures) == 1
    assert str(module.scale.signatures[0][1:]) == "(bool, int64)"
    # a callee that cannot be typed without its constant keeps one copy per constant
    literal_rows = sorted(str(sig[1]) for sig in module.tile_rows.signatures)
    assert literal_rows == ["Literal[int](2)", "Literal[int](3)"]


# --------------------------------------------------------------------------
# out-of-line kernels (called through a named slot)
# --------------------------------------------------------------------------
OUT_OF_LINE_MODULE = """
import numpy as np
from jitla._jit import kernel, out_of_line

@out_of_line
@kernel
def axpy_block(A, B, alpha, bounds, transpose):
    # B[i0:i1, :] += alpha * A[i0:i1, :] (or A.T's rows); a status as its result
    i0, i1 = bounds
    for i in range(i0, i1):
        for j in range(B.shape[1]):
            B[i, j] += alpha * (A[j, i] if transpose else A[i, j])
    return i1 - i0

@kernel
def inner(A, B):
    return axpy_block(A, B, 2.0, (np.int64(0), B.shape[0]), False)

@kernel
def outer(A, B, At):
    # two levels above the out-of-line kernel, a literal flag, an A-layout view
    done = inner(A, B)
    return done + axpy_block(At[:, ::1], B, -1.0, (np.int64(1), B.shape[0]), True)
"""

OUT_OF_LINE_SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import ool_kernels as m
from jitla import _jit

A = np.arange(12.0).reshape(4, 3)
At = np.asfortranarray(A.T)
B = np.ones((4, 3))
done = m.outer(A, B, At)
from_python = np.ones((2, 3))
m.axpy_block(A[:2], from_python, 0.5, (0, 2), False)
sig = m.outer.signatures[0]
print(json.dumps({
    "done": int(done), "B": B.tolist(), "from_python": from_python.tolist(),
    "hits": sum(m.outer.stats.cache_hits.values()),
    "slots": len(_jit._slots),
    # functions of the kernel defined in the caller's module (its code, linked in)
    "copies": None if m.outer.stats.cache_hits else sum(
        line.startswith("define") and "axpy_block" in line for line in m.outer.inspect_llvm(sig).splitlines()
    ),
}))
"""


def test_out_of_line_kernel_compiled_once_and_loaded_from_the_cache(tmp_path):
    # The callers call the kernel through a slot; a fresh process that loads the
    # callers from the cache must fill the slot before their code is linked (an
    # unresolved name would abort the process), with no kernel compiled again.
    import json

    (tmp_path / "ool_kernels.py").write_text(OUT_OF_LINE_MODULE)
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    A = np.arange(12.0).reshape(4, 3)
    B = np.ones((4, 3)) + 2.0 * A
    B[1:] -= A[1:]
    for run in ("compiled", "loaded"):
        proc = _run(OUT_OF_LINE_SCRIPT, str(tmp_path), env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        np.testing.assert_allclose(out["B"], B, rtol=0, atol=0)
        np.testing.assert_allclose(out["from_python"], 1.0 + 0.5 * A[:2], rtol=0, atol=0)
        assert out["done"] == 4 + 3
        # one slot per tuple of argument types: (C, C, ...) and (A, C, ...); literals passed as values
        assert out["slots"] == 2
        if run == "compiled":
            # without out_of_line the caller's module defines two copies (literal and int64 flag)
            assert out["hits"] == 0 and out["copies"] == 0
        else:
            assert out["hits"] == 1


OUT_OF_LINE_DRIVER_MODULE = """
from jitla._jit import kernel, out_of_line

@kernel
def scaled_sum(x, a):
    t = 0.0
    for i in range(x.shape[0]):
        t += a * x[i]
    return t

@out_of_line
@kernel(driver=True)
def driver_sum(x):
    return scaled_sum(x, 2.0) + scaled_sum(x[::2], 1.0)

@kernel
def caller(x):
    return driver_sum(x) + 1.0
"""

OUT_OF_LINE_DRIVER_SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from jitla import _jit
cheap = []
full_pipeline = _jit._optimize_driver_module
def recording(library):
    cheap.append(library.name.rsplit(".", 1)[-1])
    full_pipeline(library)
_jit._optimize_driver_module = recording
import ool_driver as m
print(json.dumps({"value": m.caller(np.arange(7.0)), "cheap": cheap, "scope": _jit._driver_name[0]}))
"""


def test_the_entry_of_an_out_of_line_driver_takes_the_driver_pipeline(tmp_path):
    # a driver called out of line is compiled as a C entry: the entry's module is the one to
    # keep from the -O3 re-run (its callee and its caller take the full pipeline)
    import json

    (tmp_path / "ool_driver.py").write_text(OUT_OF_LINE_DRIVER_MODULE)
    proc = _run(OUT_OF_LINE_DRIVER_SCRIPT, str(tmp_path), env={"NUMBA_CACHE_DIR": str(tmp_path / "cache")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["value"] == 2 * 21.0 + 12.0 + 1.0
    assert len(out["cheap"]) == 1 and out["cheap"][0].startswith("driver_sum__entry_")
    assert out["scope"] is None


def test_failed_cache_write_warns_once_and_keeps_the_kernel(tmp_path, monkeypatch, fresh_warnings):
    def disk_full(self, name, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_jit._CheckedCacheFile, "_save_data", disk_full)
    (tmp_path / "cached_kernel.py").write_text(KERNEL_SOURCE)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        func = _load_kernel_module(tmp_path, "ck_disk_full")
        assert func(np.ones(3)) == 6.0
        assert func(np.ones(3, dtype=np.float32)) == 6.0
    ours = _cache_warnings(record)
    assert len(ours) == 1 and "could not write" in str(ours[0].message)


# --------------------------------------------------------------------------
# parallel launches: fork, workqueue
# --------------------------------------------------------------------------
def _kernel_functions(tree):
    """Names of the functions in a module's AST decorated as kernels, and which are parallel."""
    kernels, parallel = set(), set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        names = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
        names |= {
            d.func.id for d in node.decorator_list if isinstance(d, ast.Call) and isinstance(d.func, ast.Name)
        }
        if names & {"kernel", "exact_kernel", "vector_kernel", "parallel_kernel", "vector_parallel_kernel"}:
            kernels.add(node.name)
            if names & {"parallel_kernel", "vector_parallel_kernel"}:
                parallel.add(node.name)
    return kernels, parallel


def test_every_kernel_that_can_start_threads_is_guarded():
    # Read the kernel sources (not the objects the guard looked at): a kernel
    # with prange, or calling one that can start threads, must be guarded.
    import jitla.kernels
    from jitla.kernels._registry import KERNEL_MODULES

    jitla.kernels.registry()
    trees, kernels, reaches = {}, {}, set()
    for name in KERNEL_MODULES:
        module = sys.modules[name]
        trees[name] = ast.parse(Path(module.__file__).read_text())
        kernels[name], parallel = _kernel_functions(trees[name])
        reaches |= parallel
    assert {"gemm_parallel", "lu_parallel", "tsqr"} <= reaches
    changed = True
    while changed:  # callers of callers, across modules (kernel names are unique)
        changed = False
        for name, tree in trees.items():
            for node in tree.body:
                if (
                    isinstance(node, ast.FunctionDef)
                    and node.name in kernels[name]
                    and node.name not in reaches
                ):
                    called = {
                        n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", None)
                        for n in ast.walk(node)
                        if isinstance(n, ast.Call)
                    }
                    if called & reaches:
                        reaches.add(node.name)
                        changed = True
    assert "svd_preconditioned_parallel" in reaches
    for name in KERNEL_MODULES:
        for func in kernels[name]:
            dispatcher = getattr(sys.modules[name], func)
            assert isinstance(dispatcher, GuardedDispatcher) == (func in reaches), f"{name}.{func}"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_children_of_a_parallel_parent_compute_right(tmp_path):
    # The parent runs the parallel GEMM (starting Numba's pool: GNU OpenMP on
    # Linux unless tbb is installed), then a fork-started Pool calls it in the
    # children.  Before, the children were killed ("fork() called from a
    # process already using GNU OpenMP") and Pool.map never returned.
    code = """
        import multiprocessing
        import numpy as np
        import jitla

        def work(seed):
            rng = np.random.default_rng(seed)
            A, B = rng.standard_normal((600, 600)), rng.standard_normal((600, 600))
            C = jitla.matmul(A, B)
            return float(np.abs(C - A @ B).max() / (np.abs(A) @ np.abs(B)).max()), jitla.get_num_threads()

        if __name__ == "__main__":
            A = np.random.default_rng(0).standard_normal((600, 600))
            assert jitla.matmul_plan(A, A).kernel == "parallel" or jitla.get_num_threads() == 1
            assert np.allclose(jitla.matmul(A, A), A @ A)
            with multiprocessing.get_context("fork").Pool(2) as pool:
                results = pool.map_async(work, [1, 2]).get(timeout=240)
            import numba
            print(numba.threading_layer(), results)
            assert all(err < 1e-13 for err, _ in results), results
            print("ok")
    """
    script = tmp_path / "fork_script.py"
    script.write_text(textwrap.dedent(code))
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert done.stdout.strip().endswith("ok")


def test_workqueue_layer_with_concurrent_python_threads():
    # workqueue is not thread-safe: four Python threads launching the
    # parallel GEMM at once aborted the process ("Concurrent access has been
    # detected").  The launches are serialised now.
    code = """
        import threading
        import numba
        import numpy as np
        import jitla

        rng = np.random.default_rng(0)
        A, B = rng.standard_normal((200, 200)), rng.standard_normal((200, 200))
        expected = A @ B
        errors = []

        def work():
            for _ in range(5):
                C = jitla.matmul(A, B, kernel="parallel")
                errors.append(float(np.abs(C - expected).max()))

        workers = [threading.Thread(target=work) for _ in range(4)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        assert numba.threading_layer() == "workqueue"
        assert len(errors) == 20 and max(errors) < 1e-11, errors
        print("ok")
    """
    done = _run(code, env={"NUMBA_THREADING_LAYER": "workqueue"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"


# --------------------------------------------------------------------------
# jitla.threads in overlapping Python threads
# --------------------------------------------------------------------------
def _blas_threads() -> int:
    from threadpoolctl import threadpool_info

    counts = {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}
    assert len(counts) == 1, counts
    return counts.pop()


def test_threads_blocks_overlapping_in_two_python_threads_restore_the_blas():
    # T1 enters threads(1), T2 enters threads(1), T1 leaves, T2 leaves.  Each
    # block used to restore what it saw on entry, so T2 "restored" 1 and the
    # BLAS stayed at one thread for the rest of the process.
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        if _blas_threads() != 2:
            pytest.skip("the BLAS cannot run two threads here")
        t1_in, t2_in, t1_out = threading.Event(), threading.Event(), threading.Event()
        seen = {}

        def first():
            with threads(1):
                t1_in.set()
                t2_in.wait(10)
            t1_out.set()

        def second():
            t1_in.wait(10)
            with threads(1):
                t2_in.set()
                t1_out.wait(10)
                workers[0].join(10)  # T1 has finished, not only left its block
                seen["inside after T1 finished"] = _blas_threads()

        workers = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in workers:
            t.start()
        for t in workers:
            t.join(30)
        assert seen == {"inside after T1 finished": 1}  # T2's block still holds its limit
        assert _blas_threads() == 2  # and the original comes back after both


def test_codegen_stamp_covers_every_kernel_module(tmp_path, monkeypatch):
    # a cached caller contains its callees from other kernel modules, so an edit of any kernel
    # module must change the stamp (reproduces the stale-callee timing of devlog 031 when only
    # _jit.py and _tile.py were digested)

    from jitla import _jit

    pkg = tmp_path / "jitla"
    (pkg / "kernels").mkdir(parents=True)
    root = os.path.dirname(_jit.__file__)
    shutil.copy(os.path.join(root, "_jit.py"), pkg / "_jit.py")
    for f in os.listdir(os.path.join(root, "kernels")):
        if f.endswith(".py"):
            shutil.copy(os.path.join(root, "kernels", f), pkg / "kernels" / f)

    def stamp():
        monkeypatch.setattr(_jit, "__file__", str(pkg / "_jit.py"))
        _jit._codegen_stamp.cache_clear()
        try:
            return _jit._codegen_stamp()
        finally:
            _jit._codegen_stamp.cache_clear()

    before = stamp()
    with open(pkg / "kernels" / "tile_update.py", "a") as f:
        f.write("\n# an edit\n")
    assert stamp() != before
