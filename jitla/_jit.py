"""The one place that decides Numba compilation options.

Every kernel in :mod:`jitla.kernels` is decorated through one of the
decorators below, so the fastmath flag set, caching, ``nogil`` and the
vectoriser settings can be read (and changed) here and nowhere else.

Decorators
----------
kernel
    Serial kernel: ``nogil=True`` so Python threads and Dask can run it side
    by side, cached on disk (see Caching), the :data:`FASTMATH` flag set.
parallel_kernel
    Like :func:`kernel` but ``parallel=True`` (``prange`` loops).  Such a
    kernel, and any kernel calling one, is a
    :class:`jitla._threads.GuardedDispatcher`: safe to call from several
    Python threads and after ``fork`` whatever Numba's threading layer.
exact_kernel
    No fastmath at all: for compensated / double-double arithmetic and NaN
    checks, where reassociation or contraction would change the result.
vector_kernel, vector_parallel_kernel
    Like :func:`kernel` / :func:`parallel_kernel`, but compiled with LLVM's SLP
    vectoriser on, a larger full-unroll threshold and (on x86) top-down
    instruction scheduling, *scoped to the compilation of that kernel* (see
    :func:`vector_codegen`).  Used by the GEMM micro-kernel family; see
    ``devlog/001-gemm.md`` and ``devlog/010-portable-gemm.md`` for why.
intrinsic
    Numba's ``@intrinsic`` with a pure-Python equivalent, which kernels call
    instead under ``NUMBA_DISABLE_JIT=1`` (Numba's debugging mode, where
    every kernel runs as Python).

Every kernel, vector or not, compiles under explicit settings
(:func:`codegen_settings`), so its machine code is the same whether it is
compiled first, as the callee of another kernel, or loaded from the cache.

Caching
-------
Every kernel is cached on disk through :class:`KernelCache` (see
:func:`enable_cache`) rather than Numba's own ``cache=True``, for two
reasons.  Where no cache directory can be written (a read-only install run
by a user without a writable home), Numba's ``cache=True`` raises at import;
jitla then compiles in memory and warns once.  And a damaged cache file (a
truncated, zero-filled or overwritten ``.nbi``/``.nbc``) is detected by a
SHA-256 of its contents, deleted and recompiled with one warning, instead of
failing every call with an ``UnpicklingError`` or an LLVM parsing error.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import hashlib
import importlib
import inspect
import os
import pickle
import re
import warnings

import llvmlite.binding as llvm
import numba
from numba.core import caching
from numba.core import config as numba_config
from numba.core.compiler_lock import global_compiler_lock

from jitla._threads import guard_parallel

#: Fastmath flags used by every non-exact kernel.  Only ``contract`` (allow
#: fused multiply-add): it keeps NaN/inf semantics (no ``nnan``/``ninf``) and
#: does not reassociate sums, so results do not depend on vector width.
FASTMATH = {"contract"}

#: LLVM's full-unroll threshold while a vector kernel compiles.  The default
#: at -O3 (300) is too small to unroll the AVX-512 6 x 32 register tile of the GEMM
#: micro-kernel, and without the unroll SLP has nothing to pack.
VECTOR_UNROLL_THRESHOLD = 2000

#: LLVM's own -O3 value of ``-unroll-threshold`` (``UnrollThresholdAggressive``
#: in LoopUnrollPass.cpp); restored after a vector kernel compiles.
_LLVM_O3_UNROLL_THRESHOLD = 300

#: Options every kernel shares.  Caching is not among them: see enable_cache.
#: ``no_cfunc_wrapper``: Numba otherwise lowers, optimises and emits a C-ABI
#: wrapper for every compiled signature, which only a kernel passed around as
#: a first-class function value would call; jitla's C entries
#: (:func:`out_of_line`) are compiled as cfuncs of their own.
_COMMON = {"error_model": "numpy", "no_cfunc_wrapper": True}


def _share_inline_copy_memo() -> bool:
    """Make Numba's IR inliner deep-copy a callee's blocks with one memo, not one per block.

    ``InlineWorker.inline_ir`` (numba/core/inline_closurecall.py) copies the
    callee's IR block by block, each with a fresh ``copy.deepcopy`` memo, so
    the function's one ``Scope`` -- every variable it has, with their
    locations -- is copied again for every block: O(blocks x variables) per
    ``inline="always"`` call site, twice per site, and more at every level of
    nested inlining.  One memo for all the blocks of one copy gives the same
    IR (one scope shared by the blocks, as a function's IR has before
    inlining) at a fraction of the cost: the inlining pass of a cold
    ``cholesky`` took 0.72 s with per-block memos and 0.11 s with one
    (devlog 038), and the kernels' machine code is unchanged.

    The method is rebuilt from Numba's own source with that one change; if
    the source is not the expected one (another Numba version), nothing is
    changed and False is returned.
    """
    import copy
    import textwrap

    from numba.core import inline_closurecall

    try:
        source = textwrap.dedent(inspect.getsource(inline_closurecall.InlineWorker.inline_ir))
    except (OSError, TypeError):
        return False
    head = "kernel_copy.blocks = {}\n"
    call = "new_block = copy.deepcopy(the_ir.blocks[block_label])"
    if source.count(head) != 1 or source.count(call) != 1:
        return False
    indent = source[: source.index(head)].rsplit("\n", 1)[1]
    source = source.replace(head, head + indent + "memo = {}\n").replace(
        call, "new_block = copy.deepcopy(the_ir.blocks[block_label], memo)"
    )
    namespace = dict(vars(inline_closurecall), copy=copy)
    exec(compile(source, inline_closurecall.__file__, "exec"), namespace)
    # the rebuilt method's source, for _inline_fresh_callee_ir (inspect cannot find it)
    namespace["inline_ir"].jitla_source = source
    inline_closurecall.InlineWorker.inline_ir = namespace["inline_ir"]
    return True


_INLINE_COPY_SHARED = _share_inline_copy_memo()


def _inline_fresh_callee_ir() -> bool:
    """Make Numba inline an ``inline="always"`` function into its callers without copying the callee's IR.

    ``InlineInlinables`` (numba/core/untyped_passes.py) inlines such a call
    with ``InlineWorker.inline_function``: it builds the callee's IR afresh
    (``run_untyped_passes``, bytecode to canonical IR) and hands it to
    ``inline_ir``, which deep-copies it twice -- once because the IR it is
    given may be shared (an overload's cached IR) and is about to be
    mutated, once more to return an unmutated copy -- and the pass throws
    the copy and everything but the new blocks away.  An IR built for this
    one call site is not shared, so here the pass inlines it as it is: the
    same steps as ``inline_ir`` (rebuilt from its source, after
    :func:`_share_inline_copy_memo`) without the two copies, returning
    None for the unmutated copy.  ``inline_ir`` and ``inline_function``
    themselves are unchanged for every other caller (typed overload
    inlining, user code).  If the source is not the expected one (another
    Numba version), nothing is changed and False is returned.
    """
    import textwrap

    from numba.core import inline_closurecall, untyped_passes

    if getattr(untyped_passes.InlineInlinables._do_work, "jitla_fresh", False):
        return True
    worker = inline_closurecall.InlineWorker
    source = getattr(worker.inline_ir, "jitla_source", None)
    try:
        via = textwrap.dedent(inspect.getsource(worker.inline_function))
        work = textwrap.dedent(inspect.getsource(untyped_passes.InlineInlinables._do_work))
    except (OSError, TypeError):
        return False
    first = "    callee_ir = copy_ir(callee_ir)\n"
    second = "    callee_ir_original = copy_ir(callee_ir)\n"
    head = "def inline_ir(self,"
    call = "inline_worker.inline_function(state.func_ir,"
    steps = (
        "callee_ir = self.run_untyped_passes(function)\n",
        "freevars = function.__code__.co_freevars\n",
        "return self.inline_ir(caller_ir, block, i, callee_ir, freevars,\n",
    )
    if (
        source is None
        or any(source.count(text) != 1 for text in (first, second, head))
        or any(via.count(text) != 1 for text in steps)
        or work.count(call) != 1
    ):
        return False
    source = source.replace(head, "def inline_fresh_ir(self,")
    source = source.replace(first, "    pass  # built for this call site: not shared, no copy\n")
    source = source.replace(second, "    callee_ir_original = None  # InlineInlinables drops it\n")
    namespace = dict(worker.inline_ir.__globals__)
    exec(compile(source, inline_closurecall.__file__, "exec"), namespace)
    inline_fresh_ir = namespace["inline_fresh_ir"]

    def inline_fresh(worker, caller_ir, block, i, function):
        # InlineWorker.inline_function with the copies left out (arg_typs: None)
        callee_ir = worker.run_untyped_passes(function)
        return inline_fresh_ir(worker, caller_ir, block, i, callee_ir, function.__code__.co_freevars)

    namespace = dict(vars(untyped_passes), _jitla_inline_fresh=inline_fresh)
    work = work.replace(call, "_jitla_inline_fresh(inline_worker, state.func_ir,")
    exec(compile(work, untyped_passes.__file__, "exec"), namespace)
    namespace["_do_work"].jitla_fresh = True
    untyped_passes.InlineInlinables._do_work = namespace["_do_work"]
    return True


_INLINE_FRESH_IR = _inline_fresh_callee_ir()

#: The compilation flags an ``@overload`` implementation takes from the function
#: being compiled (``Flags.inherit_if_not_set`` in ``CPUTargetOptions.finalize``,
#: numba/core/cpu.py); every other flag of its compilation is its own.
_INHERITED_FLAGS = ("nrt", "fastmath", "error_model", "forceinline")


def _share_overload_impls_across_flags() -> bool:
    """Let an ``@overload`` implementation compiled for one set of flags serve callers with other flags.

    Numba caches the implementation of an overload (``np.empty``, ``min``,
    an out-of-line call's wrapper, ...) per argument types *and* the whole
    flag set of the function being compiled
    (``_OverloadFunctionTemplate._get_impl``), so a C entry
    (:func:`out_of_line`: compiled as a cfunc, whose flags differ from a
    kernel's in ``no_cpython_wrapper``, ``no_cfunc_wrapper``, ``release_gil``,
    ``no_compile``) compiles again every implementation its kernel's body
    uses that the kernels had compiled already -- a new dispatcher each,
    with the same machine code.  The implementation's compilation depends
    on the caller's flags only through the ones it inherits
    (:data:`_INHERITED_FLAGS`), and the lowering already takes the compiled
    implementation by argument types alone (``_compiled_overloads``), so the
    cache key here holds only those.  Rebuilt from Numba's source with the
    key changed; if the source is not the expected one, nothing is changed
    and False is returned.
    """
    import textwrap

    from numba.core.typing import templates

    cls = templates._OverloadFunctionTemplate
    try:
        source = textwrap.dedent(inspect.getsource(cls._get_impl))
    except (OSError, TypeError):
        return False
    key = "cache_key = self.context, tuple(args), tuple(kws.items()), flags\n"
    if source.count(key) != 1:
        return False
    source = source.replace(key, key.replace("flags\n", "_inherited(flags)\n"))
    from numba.core.cpu_options import AbstractOptionValue

    def inherited(flags):
        if flags is None:
            return None
        values = (getattr(flags, name) for name in _INHERITED_FLAGS)
        # option objects (fastmath's) are not hashable; their encoding is
        return tuple(v.encode() if isinstance(v, AbstractOptionValue) else v for v in values)

    namespace = dict(vars(templates))
    namespace["_inherited"] = inherited
    exec(compile(source, templates.__file__, "exec"), namespace)
    cls._get_impl = namespace["_get_impl"]
    return True


_OVERLOADS_SHARED = _share_overload_impls_across_flags()


def _memoise_builtin_call_types() -> bool:
    """Remember the signature Numba's typing gives a built-in function (``+``, ``a[i]``) per argument types.

    Type inference resolves every call site again at every pass of its
    propagation, and each resolution of, say, ``float64 * float64`` tries
    the function's templates in order -- ``operator.mul`` has dozens: the
    array, complex, datetime and overload ones before the scalar table
    matches.  A cold ``eig`` resolved 3,923 such calls, of 112 distinct
    (function, argument types) pairs.  A template that types a call from
    its argument types alone (``ConcreteTemplate`` tables,
    ``AbstractTemplate.generic``; the ones registered by ``infer_global``
    and friends) always gives the same signature for the same types, and
    its implementation key is the function's typing key, so the second and
    later resolutions return the first one's signature.  Overload and
    intrinsic templates are not remembered: their implementation key is a
    compilation made under the caller's flags
    (``_OverloadFunctionTemplate._compiled_overloads``), which a later
    resolution must set again; they are recognised by that key (any key
    other than the typing key is resolved as before).  A failed resolution
    (an error) is not remembered either.  Keyed by the function's
    templates (a function type gains templates by becoming a new type), the
    typing context and the argument types.  Returns False (nothing changed)
    if Numba's ``BaseFunction`` lacks the attributes used.
    """
    from numba.core.types import functions

    cls = functions.BaseFunction
    resolve = cls.get_call_type
    if getattr(resolve, "jitla_memo", False):
        return True
    if not all(hasattr(cls, name) for name in ("get_call_type", "get_impl_key", "key")):
        return False
    memo = {}

    @functools.wraps(resolve)
    def get_call_type(self, context, args, kws):
        try:
            key = (self.templates, context, tuple(args), tuple(kws.items()) if kws else ())
            sig = memo.get(key)
        except TypeError:  # an unhashable argument type: resolve as Numba does
            return resolve(self, context, args, kws)
        if sig is not None:
            self._impl_keys[sig.args] = self.typing_key
            return sig
        sig = resolve(self, context, args, kws)
        if sig is not None and self._impl_keys.get(sig.args) is self.typing_key:
            memo[key] = sig
        return sig

    get_call_type.jitla_memo = True
    cls.get_call_type = get_call_type
    return True


_CALL_TYPES_MEMOISED = _memoise_builtin_call_types()


def _highlight_without_stream_wrapping() -> bool:
    """Make Numba highlight its error messages without wrapping ``sys.stdout``/``sys.stderr`` each time.

    Numba highlights (bold, colour) the text of its typing errors with
    ``HighlightColorScheme._markup`` (numba/core/errors.py), which builds
    the string -- escape codes, message, reset code -- inside a
    ``ColorShell``: ``colorama.init()`` and ``reinit()`` on entry (each
    replaces ``sys.stdout`` and ``sys.stderr`` by colorama's wrappers, after
    a ``isatty`` test per stream) and ``deinit()`` on exit (puts them back).
    Nothing is written while the streams are wrapped; the returned string
    does not depend on them.  And the markup runs at every failed attempt
    of an overload template while typing -- a message built in case every
    attempt fails, thrown away almost always -- some 14,000 times in a cold
    ``svd`` alone.  The method is rebuilt from Numba's source without the
    ``ColorShell``: the same string (the user's Numba errors keep their
    highlighting), and ``sys.stdout``/``sys.stderr`` are no longer swapped
    under code in other threads that prints or redirects them.  One effect
    is lost: colorama's exit handler (writing a reset code to a terminal
    at exit), which the first ``init()`` registered, is no longer registered
    by Numba.  If colorama is missing or highlighting is switched off
    (``NUMBA_DISABLE_ERROR_MESSAGE_HIGHLIGHTING``), Numba's markup is a
    no-op already; then, and if the source is not the expected one, nothing
    is changed and False is returned.
    """
    import textwrap

    from numba.core import errors

    cls = getattr(errors, "HighlightColorScheme", None)
    if cls is None:
        return False
    try:
        source = textwrap.dedent(inspect.getsource(cls._markup))
    except (OSError, TypeError):
        return False
    shell = (
        "    with ColorShell():\n"
        "        with reset_terminal() as mu:\n"
        "            mu += features.encode('utf-8')\n"
        "            mu += (msg).encode('utf-8')\n"
        "        return mu.decode('utf-8')\n"
    )
    if source.count(shell) != 1 or not source.endswith(shell):
        return False
    plain = textwrap.dedent(shell.split("\n", 1)[1])
    source = source.replace(shell, textwrap.indent(plain, "    "))
    namespace = dict(vars(errors))
    exec(compile(source, errors.__file__, "exec"), namespace)
    cls._markup = namespace["_markup"]
    return True


_HIGHLIGHT_UNWRAPPED = _highlight_without_stream_wrapping()


class CacheWarning(RuntimeWarning):
    """The on-disk kernel cache could not be used as intended (jitla still works)."""


_warned: set[str] = set()


def _warn_once(kind: str, message: str) -> None:
    # one warning per kind of trouble per process: a broken cache touches
    # every kernel, and two hundred identical warnings help nobody
    if kind not in _warned:
        _warned.add(kind)
        warnings.warn(message, CacheWarning, stacklevel=2)


@functools.cache
def _codegen_stamp() -> str:
    """Digest of the modules whose code is compiled into the kernels.

    This module (fastmath flags, SLP, unroll and scheduler settings) and every
    module of :mod:`jitla.kernels`: a kernel's cached machine code contains its
    callees from other kernel modules (linked in), and Numba keys an entry on
    the kernel's own file only, so an edit of a callee's module (the register
    tile, a shared tile update) would otherwise leave callers running the old
    callee from the cache.  Read from the installed files once per process
    (about 40 small reads); an installed package never changes them, so only
    a developer's edits invalidate the cache, all of it.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    kernels = os.path.join(here, "kernels")
    names = ["_jit.py"] + sorted(os.path.join("kernels", f) for f in os.listdir(kernels) if f.endswith(".py"))
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode())
        with open(os.path.join(here, name), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


class _CheckedCacheFile(caching.IndexDataCacheFile):
    """Numba's index and data files, each pickle preceded by its SHA-256.

    A file that fails the check (or does not unpickle) is deleted and read as
    absent, so the kernel is compiled again and the entry rewritten.  The
    version string differs from plain Numba's, so index files that Numba (or
    an older jitla) wrote without digests count as stale, not as damaged.  It
    also carries :func:`_codegen_stamp`: Numba keys an entry on the kernel's
    own source file only, so without it a change of jitla's code-generation
    settings (here) or of the register tile would reuse code compiled under
    the old ones.
    """

    def __init__(self, cache_path, filename_base, source_stamp):
        super().__init__(cache_path, filename_base, source_stamp)
        self._version = f"{numba.__version__}+jitla-sha256+{_codegen_stamp()}"

    def _dump(self, obj):
        data = super()._dump(obj)
        return hashlib.sha256(data).digest() + data

    @staticmethod
    def _checked_loads(blob: bytes):
        digest, data = blob[:32], blob[32:]
        if len(blob) < 32 or hashlib.sha256(data).digest() != digest:
            raise ValueError("SHA-256 mismatch")
        return pickle.loads(data)

    def _discard(self, path: str, error: Exception) -> None:
        with contextlib.suppress(OSError):
            os.unlink(path)
        _warn_once(
            "corrupt",
            f"jitla: discarded a damaged kernel cache file {path!r} ({type(error).__name__}: {error}); "
            "the kernel is compiled again.  Other damaged files are replaced without further warnings.",
        )

    def _load_index(self):
        try:
            with open(self._index_path, "rb") as f:
                try:
                    # Numba's layout: the version pickled on its own, then the payload
                    version = pickle.load(f)
                except Exception as error:
                    self._discard(self._index_path, error)
                    return {}
                blob = f.read()
        except FileNotFoundError:
            return {}
        if version != self._version:
            return {}  # written by another Numba (or plain Numba): stale, overwritten on save
        try:
            stamp, overloads = self._checked_loads(blob)
        except Exception as error:
            self._discard(self._index_path, error)
            return {}
        return overloads if stamp == self._source_stamp else {}

    def _load_data(self, name):
        path = self._data_path(name)
        with open(path, "rb") as f:  # OSError: read as absent by IndexDataCacheFile.load
            blob = f.read()
        try:
            return self._checked_loads(blob)
        except Exception as error:
            self._discard(path, error)
            return None


class _KernelCacheImpl(caching.CompileResultCacheImpl):
    """Numba's cache implementation with an optional tag in the file names.

    An entry also lists the out-of-line slots (:func:`out_of_line`) its
    machine code reads, so that loading it first fills them: the loaded code
    refers to each slot by name, and LLVM must find every name when it links
    the code in.
    """

    def __init__(self, py_func, tag: str = ""):
        self.tag = tag
        super().__init__(py_func)

    def get_filename_base(self, fullname, abiflags):
        base = super().get_filename_base(fullname, abiflags)
        return f"{base}-{self.tag}" if self.tag else base

    def reduce(self, cres):
        payload = super().reduce(cres)
        # the slot names are plain strings in the object code's symbol table
        names = sorted(set(_SLOT_NAME.findall(pickle.dumps(payload))))
        return payload, [_slots[name.decode()].spec for name in names]

    def rebuild(self, target_context, data):
        payload, specs = data
        for spec in specs:
            _restore_slot(spec)
        return super().rebuild(target_context, payload)


class KernelCache(caching.FunctionCache):
    """Numba's per-function disk cache, checked and failing soft.

    * Files are checked on load (:class:`_CheckedCacheFile`); damaged ones are
      discarded and the kernel recompiled, with one :class:`CacheWarning`.
    * A failed write (disk full, directory made read-only) warns once and
      leaves the compiled kernel in memory.

    The directory is found the way Numba finds it (``NUMBA_CACHE_DIR``, the
    package's ``__pycache__`` if writable, the user cache directory
    ``$XDG_CACHE_HOME/numba`` or ``~/.cache/numba``); never a shared
    temporary directory, where another user could plant a pickle.
    """

    _impl_class = _KernelCacheImpl

    def __init__(self, py_func, tag: str = ""):
        # Cache.__init__ instantiates the impl class with py_func alone
        self._impl_class = functools.partial(_KernelCacheImpl, tag=tag)
        super().__init__(py_func)
        plain = self._cache_file
        self._cache_file = _CheckedCacheFile(plain._cache_path, self._impl.filename_base, plain._source_stamp)

    def save_overload(self, sig, data):
        try:
            super().save_overload(sig, data)
        except OSError as error:
            _warn_once(
                "save",
                f"jitla: could not write the kernel cache in {self._cache_path!r} ({error}); "
                "compiled kernels are kept in memory only.",
            )


def enable_cache(dispatcher, tag: str = ""):
    """Give *dispatcher* a :class:`KernelCache`, or none (one warning) where no directory is writable.

    *tag* is appended to the cache file names, for a dispatcher compiled
    from the same function with other options (a serial copy of a parallel
    kernel), which must not share its entries.
    """
    if not isinstance(dispatcher, numba.core.dispatcher.Dispatcher):
        return dispatcher  # NUMBA_DISABLE_JIT=1: a plain Python function
    try:
        dispatcher._cache = KernelCache(dispatcher.py_func, tag)
    except RuntimeError as error:
        if "no locator available" not in str(error):
            raise
        _warn_once(
            "locator",
            "jitla: no writable directory for the kernel cache (set NUMBA_CACHE_DIR, or make "
            "$XDG_CACHE_HOME or ~/.cache writable); kernels are compiled in each process and not cached.",
        )
    return dispatcher


#: Direction of LLVM's pre-register-allocation machine scheduler while a
#: vector kernel compiles for x86.  The x86 default (bottom-up) hoists the
#: six broadcasts of A above the FMAs of the first vector of a row of B, so
#: the AVX2 6 x 8 tile needs 12 + 6 + 1 = 19 of 16 ymm registers and spills
#: in the micro-kernel's loop; top-down keeps SLP's order and 15 registers
#: suffice.  On AVX-512 the 6 x 32 tile fits either way (24 + 6 + 1 of 32),
#: and so does the aarch64 one, whose scheduler jitla leaves alone.
VECTOR_MISCHED = "topdown"

#: The LLVM options jitla last set (None: never set in this process).
_llvm_options = {"unroll-threshold": None, "misched-prera-direction": None}


@functools.cache
def _llvm_defaults() -> dict:
    """LLVM's own values of the options jitla sets (None: jitla never sets it here).

    The scheduler direction has no "unspecified" spelling, and its default
    is per target (bottom-up on x86, both directions on aarch64), so it is
    only set, and put back to bottom-up, when compiling for x86.
    """
    x86 = llvm.get_process_triple().split("-", 1)[0] in ("x86_64", "i386", "i686")
    return {
        "unroll-threshold": _LLVM_O3_UNROLL_THRESHOLD,
        "misched-prera-direction": "bottomup" if x86 else None,
    }


def _set_llvm_option(name: str, value) -> None:
    if value is not None and _llvm_options[name] != value:
        llvm.set_option("jitla", f"-{name}={value}")
        _llvm_options[name] = value


@contextlib.contextmanager
def codegen_settings(slp: bool, unroll_threshold: int, misched: str | None):
    """Compile with these SLP / full-unroll / scheduling settings, then put back the previous ones.

    Numba turns the SLP vectoriser off by default (``NUMBA_SLP_VECTORIZE=0``)
    because it once miscompiled code; ``numba.core.codegen`` reads the flag
    each time it builds a pass manager, so setting it for the duration of one
    compilation scopes it to that kernel (and the kernels it inlines).  The
    global compiler lock is held throughout, so no other thread's compilation
    sees the changed settings.

    The contexts nest: a kernel whose compilation triggers the compilation of
    a callee (Numba compiles callees while typing the caller) gets its own
    settings back when the callee is done, so a kernel's code never depends
    on which kernel happened to be compiled first.  Numba emits the machine
    code inside the compilation (``finalize_object``), so the scheduler
    direction applies to it too.  The unroll threshold and scheduler
    direction are LLVM command-line options: once set they stay "set", so on
    leaving the outermost context they are put back to LLVM's defaults
    (:func:`_llvm_defaults`) rather than "unset".  ``misched=None`` means
    LLVM's default direction.
    """
    defaults = _llvm_defaults()
    with global_compiler_lock:
        saved_slp = numba_config.SLP_VECTORIZE
        saved = dict(_llvm_options)
        numba_config.SLP_VECTORIZE = int(slp)
        _set_llvm_option("unroll-threshold", unroll_threshold)
        if defaults["misched-prera-direction"] is not None:
            _set_llvm_option("misched-prera-direction", misched or defaults["misched-prera-direction"])
        try:
            yield
        finally:
            numba_config.SLP_VECTORIZE = saved_slp
            for name, value in saved.items():
                _set_llvm_option(name, defaults[name] if value is None else value)


def vector_codegen():
    """Settings of a vector kernel: SLP on, unroll threshold :data:`VECTOR_UNROLL_THRESHOLD`."""
    return codegen_settings(True, VECTOR_UNROLL_THRESHOLD, VECTOR_MISCHED)


def scalar_codegen():
    """Settings of every other kernel: SLP off (Numba's default), LLVM's unroll threshold and scheduler."""
    return codegen_settings(False, _LLVM_O3_UNROLL_THRESHOLD, None)


# --------------------------------------------------------------------------
# Driver kernels
# --------------------------------------------------------------------------
# Numba links the optimised code of every kernel a kernel calls into the
# caller's module and runs the full -O3 module pipeline over the result again.
# For a driver -- a kernel that only calls a few heavy kernels once each (a
# one-call solve: LU, condition estimate, substitution) -- that second pass
# re-optimises code that is already optimised and gains nothing at run time.

#: Qualified name of the driver kernel whose compilation is in progress (None: not a driver).
_driver_name: list = [None]


@contextlib.contextmanager
def _driver_scope(name):
    """Compile with *name* as the current driver (None: no driver), then put back the previous one."""
    with global_compiler_lock:
        saved = _driver_name[0]
        _driver_name[0] = name
        try:
            yield
        finally:
            _driver_name[0] = saved


@contextlib.contextmanager
def _gc_paused():
    """Compile with Python's cyclic garbage collector paused (if it was running), then resume it.

    A compilation allocates hundreds of thousands of small objects (Numba's
    IR, types, LLVM wrappers) that live until it ends, and the collector
    traverses them again at each of its automatic passes; paused, a
    compilation costs less CPU and a higher peak of memory (figures in
    devlog 093).  Nested compilations (callees, overloads, C
    entries) find it paused and leave it so; the outermost one resumes it,
    and the next automatic pass frees what the compilation left.  Called
    under Numba's compiler lock, so compilations in other threads wait
    rather than interleave their pauses.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _optimize_driver_module(library) -> None:
    """The final module of a driver: LLVM's -O0 module pipeline (always-inline only), no -O3 re-run.

    The driver's own functions had Numba's function passes (-O3 function
    simplification) when its IR was added; the kernels linked into it keep
    the code their own compilation optimised (they are not inlined into the
    driver), so their machine code is the one they have when called alone.
    """
    from numba.core.runtime.nrtopt import remove_redundant_nrt_refct

    codegen = library._codegen
    pb = codegen._pass_builder(opt=0, loop_vectorize=False, slp_vectorize=False)
    pm = pb.getModulePassManager()
    if numba_config.LLVM_REFPRUNE_PASS:
        from numba.core.codegen import _parse_refprune_flags

        pm.add_refprune_pass(_parse_refprune_flags())
    pm.run(library._final_module, pb)
    if not numba_config.LLVM_REFPRUNE_PASS:
        library._final_module = remove_redundant_nrt_refct(library._final_module)


def _install_driver_pipeline() -> bool:
    """Route the final-module optimisation of the driver being compiled to :func:`_optimize_driver_module`."""
    from numba.core import codegen

    full = codegen.CPUCodeLibrary._optimize_final_module
    if getattr(full, "jitla_driver_aware", False):
        return True

    @functools.wraps(full)
    def optimize_final_module(self):
        # the library Numba lowers a kernel into is named after the kernel's qualified name;
        # callees compiled while the driver types are compiled under their own scope (None)
        if _driver_name[0] is not None and self.name == _driver_name[0]:
            _optimize_driver_module(self)
        else:
            full(self)

    optimize_final_module.jitla_driver_aware = True
    codegen.CPUCodeLibrary._optimize_final_module = optimize_final_module
    return True


_DRIVER_PIPELINE = _install_driver_pipeline()


def _scope_codegen(dispatcher, settings=vector_codegen, driver=False):
    """Make every compilation of *dispatcher* (direct, as a callee, or a cache load) run under *settings*.

    *driver*: the kernel's final module is not re-optimised at -O3 (see
    :func:`_optimize_driver_module`); every other kernel compiles with no
    driver in scope, so a callee compiled while a driver types is optimised
    as usual.
    """
    if not isinstance(dispatcher, numba.core.dispatcher.Dispatcher):
        return dispatcher  # NUMBA_DISABLE_JIT=1: a plain Python function
    compile_one = dispatcher.compile
    name = dispatcher.py_func.__qualname__ if driver else None

    @functools.wraps(compile_one)
    def compile(sig):
        with settings(), _driver_scope(name), _gc_paused():
            return compile_one(sig)

    dispatcher.compile = compile
    dispatcher.jitla_vector_codegen = settings is vector_codegen
    dispatcher.jitla_driver = driver
    get_call_template = dispatcher.get_call_template

    @functools.wraps(get_call_template)
    def get_call_template_by_value(args, kws):
        # a kernel calling a kernel with a constant argument (a flag, a 0) would otherwise
        # compile a copy of the callee for each constant; kernels take values, not literals
        args_by_value = tuple(_unliteral(a) for a in args)
        kws_by_value = {k: _unliteral(v) for k, v in kws.items()}
        if args_by_value == tuple(args) and kws_by_value == kws:
            return get_call_template(args, kws)
        try:
            return get_call_template(args_by_value, kws_by_value)
        except numba.core.errors.TypingError:
            # a callee that needs the constant to type (a register tile's size): one copy per constant
            return get_call_template(args, kws)

    dispatcher.get_call_template = get_call_template_by_value
    return dispatcher


def _finish_serial_copy(compiled, vector: bool):
    """The serial copy of a guarded kernel (:func:`jitla._threads.serial_copy`): cached on disk
    under its own names (tag ``serial``), compiled with its original's code generation."""
    copy = enable_cache(compiled, tag="serial")
    return _scope_codegen(copy, vector_codegen if vector else scalar_codegen)


def _decorator(settings=None, **options):
    def decorate(func=None, *, driver=False, **extra):
        # driver=True: a kernel that calls a few kernels once each and has no hot loop of its
        # own; its final module is not re-optimised (see _optimize_driver_module)
        if driver and options.get("parallel"):
            raise TypeError("driver: serial kernels only")

        def wrap(f):
            dispatcher = enable_cache(numba.njit(**{**_COMMON, **options, **extra})(f))
            scoped = _scope_codegen(dispatcher, settings or scalar_codegen, driver)
            return guard_parallel(scoped, _finish_serial_copy)

        return wrap if func is None else wrap(func)

    return decorate


kernel = _decorator(nogil=True, fastmath=FASTMATH)
parallel_kernel = _decorator(nogil=True, fastmath=FASTMATH, parallel=True)
exact_kernel = _decorator(nogil=True, fastmath=False)
#: Serial kernel compiled under :func:`vector_codegen`.
vector_kernel = _decorator(vector_codegen, nogil=True, fastmath=FASTMATH)
#: Parallel kernel compiled under :func:`vector_codegen`.
vector_parallel_kernel = _decorator(vector_codegen, nogil=True, fastmath=FASTMATH, parallel=True)


def intrinsic(python):
    """Numba's ``@intrinsic``, with *python* standing in for it under ``NUMBA_DISABLE_JIT=1``.

    An intrinsic has no Python implementation: called outside a compiled
    kernel it raises ``NotImplementedError``.  Under ``NUMBA_DISABLE_JIT=1``
    (Numba's debugging mode) every kernel is its plain Python function, which
    looks the intrinsic's name up in its module's globals at call time; this
    decorator then binds that name to *python*, a function of the same
    arguments (without the typing context) that returns what the compiled
    intrinsic returns -- an array of the same shape and dtype, the same
    integer, a numpy view of the same elements -- so that a kernel can be
    stepped through in ``pdb``.  With the JIT on, the decorated typer becomes
    the usual intrinsic (its machine code is untouched) and *python* is kept
    as its ``python`` attribute, for tests.
    """

    def decorate(typer):
        if numba_config.DISABLE_JIT:
            return python
        compiled = numba.core.extending.intrinsic(typer)
        compiled.python = python
        return compiled

    return decorate


# --------------------------------------------------------------------------
# Out-of-line kernels
# --------------------------------------------------------------------------
# Numba links the code of every kernel a kernel calls into the caller's LLVM
# module and optimises the result again, so a heavy callee (the GEMM body) is
# re-optimised and re-emitted at every level of a call tree above it.  An
# out-of-line kernel is compiled once per argument types as a C callable
# (Numba's cfunc) and its callers call it through a pointer held in a named
# slot: the callers' modules contain only the call.

#: Slot names: this prefix and 20 hex digits of a digest of kernel and argument types.
_SLOT_PREFIX = "jitla_ool_"
_SLOT_NAME = re.compile(rb"jitla_ool_[0-9a-f]{20}")


class _Slot:
    """One out-of-line kernel for one tuple of argument types: its C entry and the slot naming it."""

    def __init__(self, spec):
        self.spec = spec  # (module, name, argument types): enough to rebuild it in another process
        self.name = _slot_name(spec[0], spec[1], spec[2])
        self.pointer = ctypes.c_void_p(0)
        llvm.add_symbol(self.name, ctypes.addressof(self.pointer))
        self.cfunc = None

    def fill(self):
        if self.cfunc is None:
            module, name, argtypes = self.spec
            if (module, name) not in _stubs:
                importlib.import_module(module)  # a fresh process loading a caller: define the kernel
            stub = _stubs[(module, name)]
            self.cfunc = _compile_entry(stub.kernel, argtypes)
            self.pointer.value = self.cfunc.address


#: name -> _Slot, for every slot registered in this process.
_slots: dict[str, _Slot] = {}

#: (module, name) -> the function :func:`out_of_line` returned for that kernel.
_stubs: dict = {}


def _slot_name(module: str, name: str, argtypes) -> str:
    key = f"{module}.{name}({', '.join(map(str, argtypes))})"
    return _SLOT_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:20]


def _restore_slot(spec) -> _Slot:
    name = _slot_name(spec[0], spec[1], spec[2])
    with global_compiler_lock:
        slot = _slots.get(name)
        if slot is None:
            slot = _slots[name] = _Slot(spec)
        slot.fill()
    return slot


def _unliteral(ty):
    """*ty* with every literal (also inside tuples) replaced by its value type."""
    if isinstance(ty, numba.types.BaseTuple) and not isinstance(ty, numba.types.BaseNamedTuple):
        return numba.types.BaseTuple.from_types([_unliteral(t) for t in ty.types])
    return numba.types.unliteral(ty)


def _flat_types(argtypes) -> list:
    """The C arguments standing for *argtypes*: an array is its data pointer, shape and strides."""
    types = numba.types
    flat = []
    for ty in argtypes:
        if isinstance(ty, types.Array):
            flat += [types.voidptr] + [types.intp] * (2 * ty.ndim)
        elif isinstance(ty, types.BaseTuple):
            flat += _flat_types(ty.types)
        elif isinstance(ty, (types.Integer, types.Float, types.Boolean)):
            flat.append(ty)
        else:
            raise TypeError(f"out_of_line: cannot pass {ty} through a C call")
    return flat


@functools.cache
def _array_from_parts(arrty):
    """An intrinsic ``(data pointer, shape, strides) -> array of type arrty`` (borrowed: no owner)."""
    from numba.core.extending import intrinsic
    from numba.np.arrayobj import make_array, populate_array

    @intrinsic
    def build(typingctx, data, shape, strides):
        def codegen(context, builder, sig, args):
            ptr, shp, strd = args
            ary = make_array(arrty)(context, builder)
            itemsize = context.get_abi_sizeof(context.get_data_type(arrty.dtype))
            populate_array(
                ary,
                data=builder.bitcast(ptr, ary.data.type),
                shape=shp,
                strides=strd,
                itemsize=context.get_constant(numba.types.intp, itemsize),
                meminfo=None,
            )
            return ary._getvalue()

        return arrty(data, shape, strides), codegen

    return build


def _entry_source(name: str, argtypes):
    """Source of the C entry for *argtypes*: rebuild each array from its parts, call the kernel."""
    params, namespace = [], {}

    def argument(ty):
        i = len(params)
        if isinstance(ty, numba.types.Array):
            shape = [f"s{i}_{d}" for d in range(ty.ndim)]
            strides = [f"t{i}_{d}" for d in range(ty.ndim)]
            params.extend([f"p{i}", *shape, *strides])
            namespace[f"array{i}"] = _array_from_parts(ty)
            return f"array{i}(p{i}, ({', '.join(shape)},), ({', '.join(strides)},))"
        if isinstance(ty, numba.types.BaseTuple):
            return f"({''.join(argument(t) + ', ' for t in ty.types)})"
        params.append(f"x{i}")
        return f"x{i}"

    call = ", ".join(argument(ty) for ty in argtypes)
    return f"def {name}({', '.join(params)}):\n    return kernel({call})\n", namespace


def _compile_entry(dispatcher, argtypes):
    """Compile (or load from the kernel cache) the C entry of *dispatcher* for *argtypes*.

    The entry inlines the kernel's body (Numba IR inlining, a copy of the
    kernel with ``inline="always"``), so the body is optimised once, in the
    entry, rather than once in a dispatcher of its own and again where the
    entry links it in.  The kernel's own callees are linked as usual.
    """
    py_func = dispatcher.py_func
    name = f"{py_func.__name__}__entry_{_slot_name(py_func.__module__, py_func.__name__, argtypes)[-20:]}"
    source, namespace = _entry_source(name, argtypes)
    options = {
        k: v for k, v in dispatcher.targetoptions.items() if k in ("fastmath", "error_model", "boundscheck")
    }
    namespace["kernel"] = numba.njit(inline="always", **options)(py_func)
    # compiled "from" the kernel's file: the cache sits beside the kernel's and is
    # invalidated with it
    exec(compile(source, inspect.getfile(py_func), "exec"), namespace)
    entry = namespace[name]
    entry.__module__ = py_func.__module__
    cfunc = _Entry(entry, (tuple(_flat_types(argtypes)), numba.types.none), {}, options)
    with contextlib.suppress(RuntimeError):  # no writable cache directory: compile in memory
        cfunc._cache = KernelCache(entry)
    settings = vector_codegen if getattr(dispatcher, "jitla_vector_codegen", False) else scalar_codegen
    # a driver's entry is a driver too: the library Numba lowers the entry into is named after it
    driver = name if getattr(dispatcher, "jitla_driver", False) else None
    with settings(), _driver_scope(driver), _gc_paused():
        cfunc.compile()
    return cfunc


@functools.cache
def _entry_class():
    from numba.core.ccallback import CFunc

    class Entry(CFunc):
        """A cfunc whose return type is inferred (the cache key carries ``none`` in its place)."""

        def compile(self):
            context = self._targetdescr.target_context
            cres = self._cache.load_overload(self._sig, context)
            if cres is None:
                cres = self._compiler.compile(self._sig.args, None)
                self._cache.save_overload(self._sig, cres)
            else:
                self._cache_hits += 1
            self.restype = cres.signature.return_type
            self._library = cres.library
            self._wrapper_name = cres.fndesc.llvm_cfunc_wrapper_name
            self._wrapper_address = self._library.get_pointer_to_function(self._wrapper_name)

    return Entry


def _Entry(*args):
    return _entry_class()(*args)


def _slot_for(stub, argtypes) -> _Slot:
    """The filled slot of *stub*'s kernel for *argtypes* (compiling its entry if needed)."""
    return _restore_slot((stub.__module__, stub.__name__, tuple(argtypes)))


def _caller(stub):
    """The intrinsic that calls *stub*'s kernel through its slot."""
    from llvmlite import ir
    from numba.core import cgutils
    from numba.core.extending import intrinsic
    from numba.np.arrayobj import make_array

    @intrinsic
    def call(typingctx, args):
        argtypes = tuple(_unliteral(ty) for ty in args.types)
        # arrays passed as layout "A" where the kernel allows it: one entry for every layout
        argtypes = tuple(
            ty.copy(layout="A", readonly=False)
            if i in stub.any_layout and isinstance(ty, numba.types.Array)
            else ty
            for i, ty in enumerate(argtypes)
        )
        slot = _slot_for(stub, argtypes)
        restype = slot.cfunc.restype

        def codegen(context, builder, sig, llargs):
            values = []

            def push(ty, value):
                if isinstance(ty, numba.types.Array):
                    ary = make_array(ty)(context, builder, value)
                    values.append(builder.bitcast(ary.data, cgutils.voidptr_t))
                    values.extend(cgutils.unpack_tuple(builder, ary.shape, ty.ndim))
                    values.extend(cgutils.unpack_tuple(builder, ary.strides, ty.ndim))
                elif isinstance(ty, numba.types.BaseTuple):
                    for j, element in enumerate(ty.types):
                        push(element, builder.extract_value(value, j))
                else:
                    values.append(value)

            for j, ty in enumerate(sig.args[0].types):
                push(ty, builder.extract_value(llargs[0], j))
            fnty = ir.FunctionType(
                context.get_value_type(restype), [context.get_value_type(t) for t in _flat_types(argtypes)]
            )
            module = builder.module
            gv = module.globals.get(slot.name)
            if gv is None:
                gv = ir.GlobalVariable(module, cgutils.voidptr_t, slot.name)
            result = builder.call(builder.bitcast(builder.load(gv), fnty.as_pointer()), values)
            return context.get_dummy_value() if restype == numba.types.none else result

        return restype(args), codegen

    return call


def out_of_line(dispatcher=None, *, any_layout=()):
    """Let kernels call *dispatcher* through a pointer instead of compiling its code into theirs.

    Returns a function to call in place of the kernel: from Python it calls
    the kernel; in a kernel it calls a C entry compiled once per process (and
    cached on disk) for each tuple of argument types, through a slot named
    after kernel and types.  The caller's machine code holds the call, not
    the callee's code, so a heavy callee is optimised once rather than once
    more at each level of the call tree above it.

    For serial kernels whose arguments are arrays, numbers, booleans and
    tuples of them, returning a number, a tuple of numbers or nothing.  Literal arguments are
    passed as values (one compilation for all of them); a kernel that needs a
    literal to prune a branch must not be out of line.  The call costs a load
    and an indirect call, and LLVM cannot specialise the callee to the
    caller's constants.

    *any_layout* names array parameters that the entry takes as layout
    ``'A'`` (and writable) whatever the caller's array is (C-order, a view,
    a transpose, read-only: the kernel must not write a read-only operand):
    one entry, compiled once, then serves callers of every layout, where
    each combination of layouts would otherwise compile an entry (and the
    kernel's callees) of its own.  For parameters whose kernel is as fast
    with a run-time stride, or checks the stride itself (the GEMM's packing
    and micro-kernel, :func:`jitla.kernels._tile.unit_stride_row`).
    ``@out_of_line(any_layout=("A", "B"))`` is the decorator form.
    """
    if dispatcher is None:
        return functools.partial(out_of_line, any_layout=any_layout)
    if not isinstance(dispatcher, numba.core.dispatcher.Dispatcher):
        return dispatcher  # NUMBA_DISABLE_JIT=1: a plain Python function
    if dispatcher.targetoptions.get("parallel"):
        raise TypeError("out_of_line: serial kernels only")
    from numba.core.extending import overload

    py_func = dispatcher.py_func
    params = list(inspect.signature(py_func).parameters)
    unknown = set(any_layout) - set(params)
    if unknown:
        raise TypeError(f"out_of_line: {py_func.__name__} has no parameter(s) {sorted(unknown)}")
    arglist = ", ".join(params)
    namespace = {"kernel": dispatcher}
    exec(f"def {py_func.__name__}({arglist}):\n    return kernel({arglist})\n", namespace)
    stub = functools.wraps(py_func)(namespace[py_func.__name__])
    stub.kernel = dispatcher
    stub.any_layout = frozenset(params.index(name) for name in any_layout)
    _stubs[(stub.__module__, stub.__name__)] = stub
    namespace["call"] = _caller(stub)
    exec(
        f"def implementation({arglist}):\n    return call(({arglist},))\n"
        f"def typed({arglist}):\n    return implementation\n",
        namespace,
    )
    overload(stub, jit_options={**_COMMON, "nogil": True, "fastmath": FASTMATH})(namespace["typed"])
    return stub
