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
import functools
import hashlib
import os
import pickle
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
_COMMON = {"error_model": "numpy"}


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
    """Digest of the modules whose decisions are compiled into every kernel.

    This module (fastmath flags, SLP, unroll and scheduler settings) and the
    register tile (:mod:`jitla.kernels._tile`).  Read from the installed
    files, so it costs two small reads once per process.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256()
    for name in ("_jit.py", os.path.join("kernels", "_tile.py")):
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
    """Numba's cache implementation with an optional tag in the file names."""

    def __init__(self, py_func, tag: str = ""):
        self.tag = tag
        super().__init__(py_func)

    def get_filename_base(self, fullname, abiflags):
        base = super().get_filename_base(fullname, abiflags)
        return f"{base}-{self.tag}" if self.tag else base


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


def _scope_codegen(dispatcher, settings=vector_codegen):
    """Make every compilation of *dispatcher* (direct, as a callee, or a cache load) run under *settings*."""
    if not isinstance(dispatcher, numba.core.dispatcher.Dispatcher):
        return dispatcher  # NUMBA_DISABLE_JIT=1: a plain Python function
    compile_one = dispatcher.compile

    @functools.wraps(compile_one)
    def compile(sig):
        with settings():
            return compile_one(sig)

    dispatcher.compile = compile
    dispatcher.jitla_vector_codegen = settings is vector_codegen
    return dispatcher


def _finish_serial_copy(compiled, vector: bool):
    """The serial copy of a guarded kernel (:func:`jitla._threads.serial_copy`): cached on disk
    under its own names (tag ``serial``), compiled with its original's code generation."""
    copy = enable_cache(compiled, tag="serial")
    return _scope_codegen(copy, vector_codegen if vector else scalar_codegen)


def _decorator(settings=None, **options):
    def decorate(func=None, **extra):
        def wrap(f):
            dispatcher = enable_cache(numba.njit(**{**_COMMON, **options, **extra})(f))
            return guard_parallel(_scope_codegen(dispatcher, settings or scalar_codegen), _finish_serial_copy)

        return wrap if func is None else wrap(func)

    return decorate


kernel = _decorator(nogil=True, fastmath=FASTMATH)
parallel_kernel = _decorator(nogil=True, fastmath=FASTMATH, parallel=True)
exact_kernel = _decorator(nogil=True, fastmath=False)
#: Serial kernel compiled under :func:`vector_codegen`.
vector_kernel = _decorator(vector_codegen, nogil=True, fastmath=FASTMATH)
#: Parallel kernel compiled under :func:`vector_codegen`.
vector_parallel_kernel = _decorator(vector_codegen, nogil=True, fastmath=FASTMATH, parallel=True)
