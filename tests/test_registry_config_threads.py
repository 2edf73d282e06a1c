"""The kernel registry, jitla.config, jitla.threads, lazy import and warmup."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest
from threadpoolctl import threadpool_info

import jitla
from jitla import config
from jitla._threads import get_num_threads, set_num_threads, threads
from jitla.kernels import _registry, get_kernel, register, registry, variants

EXPECTED_OPS = {"dot", "gemm", "gemm_batched", "gemv", "gemv_t"}
GEMM_PROGRESSION = ["naive", "reordered", "blocked", "packed", "parallel"]


# --------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------
def test_registry_contents_and_order():
    kernels = registry()
    assert {k.op for k in kernels} >= EXPECTED_OPS
    assert [(k.op, k.order) for k in kernels] == sorted((k.op, k.order) for k in kernels)
    assert variants("gemm") == GEMM_PROGRESSION == [k.variant for k in registry("gemm")]
    assert variants("gemm_batched") == ["serial", "parallel"]
    for op in {k.op for k in kernels}:
        assert [k.order for k in registry(op)] == list(range(len(registry(op)))), op
    assert registry("no-such-op") == []


def test_registry_entries_are_complete():
    for info in registry():
        name = f"{info.op}/{info.variant}"
        assert isinstance(info.description, str) and info.description.strip(), name
        assert "\n" not in info.description, name  # one line for tables and --help
        assert callable(info.flops), name
        assert isinstance(info.func, numba.core.registry.CPUDispatcher), name
        assert info.func.__doc__ and info.func.__doc__.strip(), f"{name} has no docstring"
        # a prange kernel must say it is parallel; one marked parallel may also be a
        # serial driver of parallel kernels (e.g. a factorisation's parallel update)
        if info.func.targetoptions.get("parallel", False):
            assert info.parallel, name
        assert get_kernel(info.op, info.variant) is info
    with pytest.raises(dataclasses.FrozenInstanceError):
        registry("gemm")[0].variant = "renamed"


def test_registry_parallel_flags_and_extra_args():
    flags = {(k.op, k.variant): (k.parallel, k.extra_args) for k in registry()}
    assert flags[("gemm", "naive")] == (False, ())
    assert flags[("gemm", "reordered")] == (False, ())
    assert flags[("gemm", "blocked")] == (False, ("blocks",))
    assert flags[("gemm", "packed")] == (False, ("blocks",))
    assert flags[("gemm", "parallel")] == (True, ("blocks", "nthreads"))
    assert flags[("gemm_batched", "serial")][0] is False
    assert flags[("gemm_batched", "parallel")][0] is True


def test_kernels_follow_the_numba_settings_of_the_design():
    # fastmath is a named flag set, never True / "fast", and keeps NaN/inf
    # semantics; kernels release the GIL.
    for info in registry():
        options = info.func.targetoptions
        fastmath = options.get("fastmath", False)
        assert fastmath is False or isinstance(fastmath, set), info.variant
        if fastmath:
            assert not fastmath & {"fast", "nnan", "ninf", "reassoc"}, (info.op, info.variant, fastmath)
        assert options.get("nogil") is True, (info.op, info.variant)


def test_an_overload_implementation_serves_callers_with_other_flags():
    # jitla._jit keys Numba's cache of @overload implementations on the flags they inherit
    # (fastmath, error_model, nrt, forceinline), not on the caller's whole flag set: a C entry
    # (out_of_line) differs from a kernel in its wrapper and GIL flags and otherwise built every
    # implementation its body uses again (np.empty, min, ...)
    import numba
    from numba.extending import overload

    from jitla import _jit

    assert _jit._OVERLOADS_SHARED
    built = []

    def twice(x):
        return 2 * x

    def typed(x):
        built.append(x)

        def impl(x):
            return 2 * x

        return impl

    overload(twice)(typed)

    @numba.njit(nogil=True)
    def f(x):
        return twice(x)

    @numba.njit(nogil=False, no_cfunc_wrapper=True)
    def g(x):
        return twice(x) + 1

    @numba.njit(fastmath=True)
    def h(x):
        return twice(x) - 1

    assert (f(3), g(3)) == (6, 7)
    assert len(built) == 1  # g: other wrapper and GIL flags, the same implementation
    assert h(3.0) == 5.0
    assert len(built) == 2  # fastmath is inherited: an implementation of its own


def test_a_builtin_call_is_typed_once_per_argument_types(monkeypatch):
    # jitla._jit remembers the signature of a built-in function's call per argument types:
    # without it every site (and every pass of type inference) tries operator.mul's
    # templates again; an overload's resolution is not remembered (its implementation
    # depends on the caller's flags) and still serves each caller
    import operator

    from numba.core.typing import templates
    from numba.extending import overload

    from jitla import _jit

    assert _jit._CALL_TYPES_MEMOISED
    f64 = numba.types.float64
    tried = []
    apply = templates.ConcreteTemplate.apply

    def counting_apply(self, args, kws):
        if self.key is operator.mul and tuple(args) == (f64, f64):
            tried.append(args)
        return apply(self, args, kws)

    monkeypatch.setattr(templates.ConcreteTemplate, "apply", counting_apply)

    def third(x):
        return x / 3

    built = []

    def typed(x):
        built.append(x)
        return lambda x: x / 3

    overload(third)(typed)

    @numba.njit
    def products(x, y, k):
        a = x * y
        b = a * x * y
        c = b * a * 2.0 + k * x
        for _ in range(k):
            c = c * y + a * b
        return third(c) + third(a) * b

    @numba.njit(fastmath=True)
    def with_flags(x):
        return third(x * x)

    assert products(1.5, 2.0, 3) == products.py_func(1.5, 2.0, 3)
    assert with_flags(3.0) == 3.0
    assert len(tried) <= 1  # typed once in this process (0: an earlier compilation did it)
    assert len(built) == 2  # the overload: once per inherited flag set, as Numba does


def test_a_kernel_compiles_with_the_garbage_collector_paused(monkeypatch, tmp_path):
    # jitla._jit pauses Python's cyclic collector while a kernel compiles (its callees and
    # overloads included) and resumes it after; a collector the caller had disabled stays so.
    # An empty cache directory of its own: loaded from an earlier run's cache, nothing compiles
    import gc

    import numba
    from numba.extending import overload

    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))

    from jitla._jit import kernel

    seen = []

    def probe(x):
        return x

    def typed(x):
        seen.append(gc.isenabled())
        return lambda x: x

    overload(probe)(typed)

    @kernel
    def callee(x):
        return probe(x) + 1.0

    @kernel
    def caller(x):
        return callee(x) * 2.0

    assert gc.isenabled()
    assert caller(1.0) == 4.0
    assert seen == [False]  # typed during the compilation, the collector paused
    assert gc.isenabled()
    gc.disable()
    try:
        assert caller(2) == 6.0  # another signature: compiled, the collector left as it was
        assert not gc.isenabled()
    finally:
        gc.enable()


def _count_scope_copies(monkeypatch):
    import copy

    from numba.core import ir

    copies = []

    def counting_deepcopy(self, memo):
        copies.append(self)
        new = ir.Scope.__new__(ir.Scope)
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            setattr(new, key, copy.deepcopy(value, memo))
        return new

    monkeypatch.setattr(ir.Scope, "__deepcopy__", counting_deepcopy, raising=False)
    return copies


def _branchy_sum(x):
    t = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0:
            t += x[i]
        elif x[i] < -1:
            t -= 2 * x[i]
        else:
            for j in range(i):
                t += x[j] * 0.5
    while t > 100:
        t /= 3
    return t


def test_the_inliner_copies_a_callees_scope_once_per_copy(monkeypatch):
    # jitla._jit makes Numba's IR inliner deep-copy a callee's blocks with one memo:
    # with a memo per block (Numba's own code) the scope, with every variable of the
    # callee, is copied once per block: 112 scope copies here, 8 with one memo.  An
    # @overload(inline="always") is inlined from its cached IR, which is copied
    from numba.extending import overload

    from jitla import _jit

    assert _jit._INLINE_COPY_SHARED
    copies = _count_scope_copies(monkeypatch)

    def branchy(x):
        raise NotImplementedError

    overload(branchy, inline="always")(lambda x: _branchy_sum)

    @numba.njit
    def caller(x):
        return branchy(x) + branchy(x[::-1])

    x = np.array([1.0, -3.0, 0.5, -0.5, 7.0])
    assert caller(x) == _branchy_sum(x) + _branchy_sum(x[::-1])
    assert (
        0 < len(copies) <= 8
    )  # 2 inlined calls x 2 copies of the callee IR x (its scope + the parent scope)


def test_an_inline_always_function_is_inlined_without_copying_its_fresh_ir(monkeypatch):
    # jitla._jit lets InlineInlinables inline the IR it has just built for the call site
    # as it is: Numba's inline_ir would deep-copy it twice (11 inlined calls, 44 scope copies here)
    from numba.core import inline_closurecall

    from jitla import _jit

    assert _jit._INLINE_FRESH_IR
    copies = _count_scope_copies(monkeypatch)
    inline_ir = inline_closurecall.InlineWorker.inline_ir
    routed = []

    def counting_inline_ir(*args, **kwargs):
        routed.append(args[4].func_id.func_name)
        return inline_ir(*args, **kwargs)

    monkeypatch.setattr(inline_closurecall.InlineWorker, "inline_ir", counting_inline_ir)
    inner = numba.njit(inline="always")(_branchy_sum)

    @numba.njit(inline="always")
    def outer(x, y):
        s = inner(x)  # nested: inlined into outer's fresh IR, then into caller's
        for k in range(2):
            s += inner(y[k:]) * 0.5
        return s

    @numba.njit
    def caller(x):
        return outer(x, x[::-1]) - outer(x[::-1], x) + inner(x[1:])

    x = np.array([1.0, -3.0, 0.5, -0.5, 7.0, 40.0, -0.25])
    assert caller(x) == caller.py_func(x)
    assert routed == [] and copies == []


def test_numba_highlights_its_errors_without_swapping_the_standard_streams(monkeypatch):
    # jitla._jit makes Numba build its highlighted error text without a ColorShell around each
    # piece (colorama's init()/deinit(): sys.stdout and sys.stderr swapped for wrappers and back),
    # which Numba ran at every failed overload attempt while typing; the user's error keeps its
    # highlighting
    from numba.core import errors

    from jitla import _jit

    if not hasattr(errors, "HighlightColorScheme"):
        pytest.skip("Numba's error highlighting is off (no colorama, or switched off)")
    assert _jit._HIGHLIGHT_UNWRAPPED
    shells = []

    class CountingShell(errors.ColorShell):
        def __init__(self):
            shells.append(self)
            super().__init__()

    monkeypatch.setattr(errors, "ColorShell", CountingShell)

    @numba.njit
    def adds_a_string(x):
        return x + "a"

    with pytest.raises(numba.core.errors.TypingError) as info:
        adds_a_string(1.0)
    assert not shells
    bright = errors.Style.BRIGHT
    assert bright in str(info.value)  # still highlighted
    assert errors.termcolor().errmsg("m") == bright + "m" + errors.Style.RESET_ALL


def test_a_driver_kernel_alone_skips_the_module_pipeline(monkeypatch):
    # kernel(driver=True): only the driver's own final module takes the -O0 module pipeline;
    # a kernel compiled while the driver types (its callee) and a plain kernel calling the
    # same callee take the full one
    from jitla import _jit

    assert _jit._DRIVER_PIPELINE
    cheap = []
    full_pipeline = _jit._optimize_driver_module

    def recording(library):
        cheap.append(library.name.rsplit(".", 1)[-1])  # the kernel's qualified name
        full_pipeline(library)

    monkeypatch.setattr(_jit, "_optimize_driver_module", recording)

    @_jit.kernel
    def scaled_sum_for_the_driver_test(x, a):
        t = 0.0
        for i in range(x.shape[0]):
            t += a * x[i]
        return t

    @_jit.kernel(driver=True)
    def driver_for_the_driver_test(x):
        return scaled_sum_for_the_driver_test(x, 2.0) + scaled_sum_for_the_driver_test(x[::2], 1.0)

    @_jit.kernel
    def plain_caller_for_the_driver_test(x):
        return scaled_sum_for_the_driver_test(x, 2.0) + scaled_sum_for_the_driver_test(x[::2], 1.0)

    x = np.arange(7.0)
    assert driver_for_the_driver_test(x) == 2 * 21.0 + 12.0
    assert cheap == ["driver_for_the_driver_test"]
    assert plain_caller_for_the_driver_test(x) == 2 * 21.0 + 12.0
    assert cheap == ["driver_for_the_driver_test"]
    assert _jit._driver_name[0] is None
    with pytest.raises(TypeError, match="serial kernels only"):
        _jit.parallel_kernel(driver=True)(lambda x: x)


@pytest.mark.parametrize(
    "op, args, expected",
    [
        ("gemm", (3, 5, 7), 2 * 3 * 5 * 7),
        ("gemm_batched", (4, 3, 5, 7), 2 * 4 * 3 * 5 * 7),
        ("gemv", (6, 9), 2 * 6 * 9),
        ("gemv_t", (6, 9), 2 * 6 * 9),
        ("dot", (11,), 22),
    ],
)
def test_flop_formulas(op, args, expected):
    for info in registry(op):
        assert info.flops(*args) == expected, info.variant
    assert registry(op)


def test_get_kernel_errors():
    with pytest.raises(ValueError) as info:
        get_kernel("gemm", "magic")
    message = str(info.value)
    assert "'magic'" in message and "'auto'" in message
    for name in GEMM_PROGRESSION:
        assert repr(name) in message
    with pytest.raises(ValueError, match="unknown operation 'nope'"):
        get_kernel("nope", "serial")


def test_register_rejects_a_second_function_under_the_same_name(monkeypatch):
    monkeypatch.setattr(_registry, "_REGISTRY", dict(_registry._REGISTRY))  # undone after the test

    def first(x):
        return x

    def second(x):
        return x

    register("test-op", "a", "first variant", flops=lambda n: n)(first)
    register("test-op", "b", "second variant", flops=lambda n: n)(second)
    assert [k.variant for k in registry("test-op")] == ["a", "b"]
    assert register("test-op", "a", "first variant again", flops=lambda n: n)(first) is first
    assert registry("test-op")[0].order == 0  # re-registering keeps the position
    with pytest.raises(ValueError, match="registered twice"):
        register("test-op", "a", "impostor", flops=lambda n: n)(second)


# --------------------------------------------------------------------------
# config: cache sizes
# --------------------------------------------------------------------------
def make_sysfs(root, entries):
    """Build a fake /sys/devices/system/cpu/cpu0/cache: entries of (type, level, size[, line])."""
    for i, entry in enumerate(entries):
        index = root / f"index{i}"
        index.mkdir(parents=True)
        kind, level, size, *line = entry
        (index / "type").write_text(kind + "\n")
        (index / "level").write_text(f"{level}\n")
        (index / "size").write_text(size + "\n")
        if line:
            (index / "coherency_line_size").write_text(f"{line[0]}\n")
    return root


def test_cache_info_parses_sysfs(tmp_path):
    root = make_sysfs(
        tmp_path / "cache",
        [
            ("Data", 1, "48K", 64),
            ("Instruction", 1, "32K", 64),
            ("Unified", 2, "2048K", 64),
            ("Unified", 3, "30M", 64),
        ],
    )
    info = config.cache_info(str(root))
    assert info == config.CacheInfo(48 * 1024, 2048 * 1024, 30 * 1024**2, 64, "sysfs")
    assert config.cache_info(root) == info  # a Path works too


def test_cache_info_without_l3_and_other_line_size(tmp_path):
    root = make_sysfs(tmp_path / "cache", [("Data", 1, "32K", 128), ("Unified", 2, "1M", 128)])
    info = config.cache_info(root)
    assert (info.l1d, info.l2, info.l3, info.line, info.source) == (32 * 1024, 1024**2, 1024**2, 128, "sysfs")


FALLBACK = config.CacheInfo(48 * 1024, 2 * 1024**2, 32 * 1024**2, 64, "fallback")


def test_cache_info_fallbacks(tmp_path):
    assert config.cache_info(tmp_path / "does-not-exist") == FALLBACK
    # no L2 -> fallback
    assert config.cache_info(make_sysfs(tmp_path / "l1-only", [("Data", 1, "32K")])) == FALLBACK
    # only an instruction cache at L1 -> fallback
    only_i = make_sysfs(tmp_path / "i-only", [("Instruction", 1, "32K"), ("Unified", 2, "1M")])
    assert config.cache_info(only_i) == FALLBACK
    # unreadable contents -> fallback, not an exception
    garbage = make_sysfs(tmp_path / "garbage", [("Data", 1, "lots"), ("Unified", 2, "1M")])
    assert config.cache_info(garbage) == FALLBACK


def test_cache_info_of_this_machine():
    info = config.cache_info()
    assert info.source in ("sysfs", "fallback")
    assert 0 < info.l1d < info.l2 <= info.l3
    assert info.line > 0 and info.line & (info.line - 1) == 0  # a power of two


# --------------------------------------------------------------------------
# config: GEMM block sizes
# --------------------------------------------------------------------------
CACHES = {
    "this-machine": config.cache_info(),
    "fallback": FALLBACK,
    "small": config.CacheInfo(32 * 1024, 256 * 1024, 8 * 1024**2, 64, "test"),
    "server": config.CacheInfo(48 * 1024, 2 * 1024**2, 105 * 1024**2, 64, "test"),
}


@pytest.mark.parametrize("caches", list(CACHES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: np.dtype(d).name)
def test_default_gemm_blocks_sanity(dtype, caches):
    c = CACHES[caches]
    blocks = config.default_gemm_blocks(dtype, c)
    MC, KC, NC = blocks.as_tuple()
    mr, nr = config.tile_shape(dtype)
    itemsize = np.dtype(dtype).itemsize
    assert all(type(v) is int and v > 0 for v in (MC, KC, NC)), blocks
    assert MC % mr == 0, f"MC={MC} is not a multiple of MR={mr}"
    assert NC % nr == 0, f"NC={NC} is not a multiple of NR={nr}"
    # An MR x KC micro-panel of A fits in L1 (the register tile streams it
    # every k step); the smaller packed block fits in L2 and both in L3.
    assert mr * KC * itemsize <= c.l1d
    assert min(MC, NC) * KC * itemsize <= c.l2
    assert max(MC, NC) * KC * itemsize <= c.l3


def test_tile_shape():
    # the shape per ISA is pinned in test_gemm_target.py; here: float32 has
    # twice the lanes of float64 and MR is shared by the packing
    mr, nr = config.tile_shape(np.float64)
    assert config.tile_shape(np.float32) == (mr, 2 * nr)
    assert config.MR == mr == 6 and nr % 2 == 0


def test_gemm_blocks_default_and_override(clean_gemm_blocks):
    default64 = config.default_gemm_blocks(np.float64)
    default32 = config.default_gemm_blocks(np.float32)
    assert config.gemm_blocks(np.float64) == default64
    previous = config.set_gemm_blocks(np.float64, MC=12, NC=40)
    assert previous == default64
    assert config.gemm_blocks("float64") == config.GemmBlocks(12, default64.KC, 40)
    assert config.gemm_blocks(np.float32) == default32  # per dtype
    previous = config.set_gemm_blocks("float64", KC=16)
    assert previous == config.GemmBlocks(12, default64.KC, 40)
    assert config.gemm_blocks(np.dtype("float64")).as_tuple() == (12, 16, 40)


@pytest.mark.parametrize(
    ("bad", "error"), [(-1, ValueError), (-12, ValueError), (2.5, TypeError), ("12", TypeError)], ids=repr
)
@pytest.mark.parametrize("name", ["MC", "KC", "NC"])
def test_set_gemm_blocks_rejects_bad_values(clean_gemm_blocks, name, bad, error):
    before = config.gemm_blocks(np.float64)
    with pytest.raises(error, match=name):
        config.set_gemm_blocks(np.float64, **{name: bad})
    assert config.gemm_blocks(np.float64) == before  # nothing half-applied


def test_set_gemm_blocks_rejects_zero(clean_gemm_blocks):
    with pytest.raises(ValueError):
        config.set_gemm_blocks(np.float64, MC=0)


@pytest.mark.parametrize("value", [12.0, True], ids=repr)
def test_set_gemm_blocks_stores_ints(clean_gemm_blocks, value):
    # A float (or bool) in the blocks tuple makes Numba compile another
    # specialisation of every blocked kernel; reject it or convert it.
    try:
        config.set_gemm_blocks(np.float64, MC=value)
    except (TypeError, ValueError):
        return
    assert type(config.gemm_blocks(np.float64).MC) is int


def test_matmul_uses_the_block_override(clean_gemm_blocks, rng):
    A = rng.uniform(-1, 1, (61, 45))
    B = rng.uniform(-1, 1, (45, 70))
    config.set_gemm_blocks(np.float64, MC=12, KC=16, NC=40)
    for variant in ("blocked", "packed"):
        direct = np.zeros((61, 70))
        get_kernel("gemm", variant).func(A, B, direct, 1.0, (12, 16, 40))
        np.testing.assert_array_equal(jitla.matmul(A, B, kernel=variant), direct)


# --------------------------------------------------------------------------
# threads
# --------------------------------------------------------------------------
LIMIT = numba.config.NUMBA_NUM_THREADS


def blas_threads():
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_get_num_threads():
    assert get_num_threads() == numba.get_num_threads()


def test_jitla_threads_attribute_is_the_context_manager():
    # A submodule named jitla.threads would be bound as the package attribute
    # `threads` when imported, shadowing the function; so it is jitla._threads.
    result = run_python(
        """
        import jitla
        jitla.get_num_threads()
        assert callable(jitla.threads), jitla.threads
        with jitla.threads(1):
            pass
        """
    )
    assert result.returncode == 0, result.stderr


def test_threads_context_limits_numba_and_blas_and_restores(restore_threads):
    before = numba.get_num_threads()
    blas_before = blas_threads()
    with threads(1) as n:
        assert n == 1
        assert numba.get_num_threads() == get_num_threads() == 1
        assert all(t == 1 for t in blas_threads())
        with threads(LIMIT):  # nested
            assert numba.get_num_threads() == LIMIT
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    assert blas_threads() == blas_before
    with pytest.raises(RuntimeError), threads(1):
        raise RuntimeError("boom")
    assert numba.get_num_threads() == before  # restored on error too


def test_set_num_threads(restore_threads):
    set_num_threads(1)
    assert numba.get_num_threads() == 1
    assert all(t == 1 for t in blas_threads())
    set_num_threads(np.int64(LIMIT))  # any integer type
    assert numba.get_num_threads() == LIMIT


@pytest.mark.parametrize("bad", [0, -1, LIMIT + 1])
def test_thread_counts_out_of_range(bad, restore_threads):
    before = numba.get_num_threads()
    with pytest.raises(ValueError, match=str(LIMIT)):
        set_num_threads(bad)
    with pytest.raises(ValueError):
        with threads(bad):
            pass
    assert numba.get_num_threads() == before


@pytest.mark.parametrize("bad", [1.5, 2.0, "2", None, True])
def test_thread_counts_of_wrong_type(bad, restore_threads):
    before = numba.get_num_threads()
    with pytest.raises(TypeError):
        set_num_threads(bad)
    with pytest.raises(TypeError):
        with threads(bad):
            pass
    assert numba.get_num_threads() == before


# --------------------------------------------------------------------------
# import is cheap; warmup compiles
# --------------------------------------------------------------------------
def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_import_jitla_does_not_import_numba():
    result = run_python(
        """
        import sys, jitla
        assert 'numba' not in sys.modules, 'import jitla imported numba'
        assert not any(m.startswith('jitla.kernels') for m in sys.modules), 'kernels imported'
        assert jitla.__version__
        assert 'matmul' in dir(jitla) and 'warmup' in dir(jitla)
        try:
            jitla.no_such_thing
        except AttributeError as e:
            assert 'no_such_thing' in str(e)
        else:
            raise SystemExit('no AttributeError')
        print('ok')
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_importing_the_apis_imports_no_heavy_optional_packages():
    # scikit-learn alone took 1.4 s of a 1.5 s import (it pulls in scipy.stats and pandas);
    # the estimators that derive from its classes load on first use
    result = run_python(
        """
        import sys
        import jitla.linalg, jitla.regression
        # (Numba itself imports the bare scipy package, a few ms; its subpackages are the cost)
        names = ('sklearn', 'scipy.linalg', 'scipy.stats', 'pandas', 'statsmodels', 'formulaic')
        heavy = [m for m in names if m in sys.modules]
        assert not heavy, heavy
        from jitla.regression import LinearRegression, PolynomialFeatures, polyfit
        assert 'LinearRegression' in dir(jitla.regression)
        assert LinearRegression.__module__ == 'jitla.regression._linear'
        try:
            jitla.regression.no_such_thing
        except AttributeError as e:
            assert 'no_such_thing' in str(e)
        else:
            raise SystemExit('no AttributeError')
        print('ok')
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_reading_the_registry_compiles_nothing():
    result = run_python(
        """
        import jitla
        kernels = jitla.kernels.registry()
        jitla.matmul_plan([[1.0, 2.0]], [[1.0], [2.0]])
        compiled = [f"{k.op}/{k.variant}" for k in kernels if k.func.signatures]
        assert kernels and not compiled, compiled
        print('ok')
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_warmup_returns_timings():
    timings = jitla.warmup(ops=["dot", "gemv"], dtypes=("float64",), progress=False)
    assert set(timings) == {"dot/serial/float64", "gemv/serial/float64"}
    assert all(isinstance(t, float) and t >= 0 for t in timings.values())
    assert get_kernel("dot", "serial").func.signatures  # it did compile (or load) the kernel


def test_warmup_covers_every_registered_kernel():
    # float64: the API's dtype, so most of these signatures are the ones the other test files
    # compile anyway (warming them here costs little of the suite's time); every kernel must come
    # out with a float64 signature from its registry example
    ops = sorted({k.op for k in registry()})
    timings = jitla.warmup(ops=ops, dtypes=("float64",), progress=False)
    assert set(timings) == {f"{k.op}/{k.variant}/float64" for k in registry()}
    for info in registry():
        assert any("float64" in str(sig) for sig in info.func.signatures), info.variant


def test_warmup_compiles_the_other_dtype_too():
    # float32 for a few cheap families (compiling every float32 kernel costs minutes of the suite)
    timings = jitla.warmup(ops=["dot", "gemv"], dtypes=("float32",), progress=False)
    assert set(timings) == {f"{k.op}/{k.variant}/float32" for k in registry() if k.op in ("dot", "gemv")}
    for op in ("dot", "gemv"):
        for info in registry(op):
            assert any("float32" in str(sig) for sig in info.func.signatures), info.variant


def test_warmup_shows_progress_on_stderr(capsys):
    jitla.warmup(ops=["dot"], dtypes=("float64",))
    err = capsys.readouterr().err
    assert "1/1" in err  # rich's "done/total" column, or the plain "[  1/1]" line


def test_everyday_warmup_steps_cover_the_everyday_calls():
    from jitla._warmup import everyday_steps

    labels = [label for label, _ in everyday_steps("float64")]
    calls = ("matmul", "solve", "cholesky", "qr", "lstsq", "svd", "eigh", "eig")
    regression = ("OLS.fit", "summary()", "influence", "LinearRegression.fit")
    for name in calls + regression:
        assert any(label.startswith(name + " ") for label in labels), name
    assert all(label.endswith("(float64)") for label in labels)
    single = [label for label, _ in everyday_steps("float32")]
    assert single and all(label.split()[0] in calls + ("inv/det",) for label in single)


def test_everyday_warmup_determinants_do_not_overflow():
    # `jitla warmup` printed numpy's "overflow encountered" warning: det of a 600 x 600
    # Gaussian matrix is about 1e800; the step takes det of A / sqrt(n) (checked here with numpy)
    from jitla._warmup import everyday_steps

    dets = [call.__defaults__[1] for label, call in everyday_steps("float64") if label.startswith("inv/det")]
    assert [D.shape[0] for D in dets] == [16, 200, 600]
    with np.errstate(all="raise"):
        assert all(np.isfinite(np.linalg.det(D)) and np.linalg.det(D) != 0 for D in dets)


def test_warmup_rejects_unknown_operations():
    with pytest.raises(ValueError, match="typo"):
        jitla.warmup(ops=["typo"])
