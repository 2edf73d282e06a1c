"""Thread counts for Numba's pool and the BLAS together, and safe parallel launches.

jitla's parallel kernels use Numba's thread pool; the numpy/scipy reference
uses OpenBLAS's.  A fair comparison limits both to the same count, and a
program that runs jitla inside its own thread pool wants both at one.

Threading layers
----------------
Numba runs ``parallel=True`` kernels on one of three threading layers, picked
once per process (``NUMBA_THREADING_LAYER``; by default tbb if installed, then
OpenMP, then workqueue).  Two of them have a hazard that jitla guards against
here, at the one point every parallel launch from Python goes through
(:class:`GuardedDispatcher`):

* GNU OpenMP (Numba's ``omp`` on Linux) is not fork-safe: a process forked
  after it started its threads (multiprocessing's default start method on
  Linux, joblib, pytest-xdist, gunicorn...) is killed by Numba on its first
  parallel region.  In such a child every parallel kernel runs as a serial
  copy of itself (:func:`serial_copy`: the same code with ``prange`` as
  ``range``, hence the same partition and the same result), and
  :func:`get_num_threads` reports 1.
* workqueue is not thread-safe: two Python threads launching parallel
  kernels at once abort the process.  Under workqueue the launches are
  serialised by a process-wide lock.

tbb is safe for both and needs nothing.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import types

import numba
from numba.core.registry import CPUDispatcher

__all__ = ["get_num_threads", "set_num_threads", "threads"]


# ---------------------------------------------------------------------------
# Launch guard: fork and workqueue


class _LaunchState:
    """What parallel launches need in this process: set once the layer is known."""

    def __init__(self):
        self.known = False  # the threading layer has been looked at
        self.lock = None  # a lock to serialise launches (workqueue), else None
        self.serial_only = False  # forked from a process running GNU OpenMP
        self.copies = {}  # parallel dispatcher -> its serial copy
        # _jit's finishing step for a serial copy (disk cache, code generation),
        # handed over by guard_parallel so that this module never imports _jit
        self.finish_serial = None


_state = _LaunchState()


def _layer() -> str:
    from numba.np.ufunc import parallel

    parallel._launch_threads()  # no-op once the pool runs
    return parallel._threading_layer


def _fork_unsafe_layer_running() -> bool:
    from numba.np.ufunc import parallel

    if not parallel._is_initialized or parallel._threading_layer != "omp":
        return False
    from numba.np.ufunc import omppool

    # Intel's OpenMP (and LLVM's) survive a fork; GNU's does not
    return getattr(omppool, "openmp_vendor", "GNU") == "GNU"


def _after_fork_in_child() -> None:
    # a lock held by another thread of the parent would stay held forever
    if _state.lock is not None:
        _state.lock = threading.RLock()
    if _fork_unsafe_layer_running():
        _state.serial_only = True
    _blas.after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


_init_lock = threading.Lock()


def _launch_lock():
    if not _state.known:
        # under a lock: two threads making two launch locks would defeat both
        with _init_lock:
            if not _state.known:
                _state.lock = threading.RLock() if _layer() == "workqueue" else None
                _state.known = True
    return _state.lock


class GuardedDispatcher(CPUDispatcher):
    """A kernel that may start a parallel region (it, or a kernel it calls, has ``prange``).

    Calls from Python go through :meth:`__call__`, which runs the serial copy
    in a forked child of a GNU OpenMP process and takes the launch lock under
    workqueue.  Calls from other kernels are compiled in and need no guard:
    the outermost kernel is guarded.  The check costs about a microsecond per
    call, paid only by kernels that can launch threads.
    """

    def __call__(self, *args, **kwargs):
        if _state.serial_only:
            return serial_copy(self)(*args, **kwargs)
        lock = _launch_lock()
        if lock is None:
            return super().__call__(*args, **kwargs)
        with lock:
            return super().__call__(*args, **kwargs)


def _calls_guarded(dispatcher) -> bool:
    names = dispatcher.py_func.__code__.co_names
    scope = dispatcher.py_func.__globals__
    return any(isinstance(scope.get(name), GuardedDispatcher) for name in names)


def guard_parallel(dispatcher, finish_serial):
    """Make *dispatcher* a :class:`GuardedDispatcher` if it can start a parallel region.

    That is when it is compiled with ``parallel=True`` or calls (through a
    module-level name) a kernel that is guarded already; callees are defined
    above their callers in jitla's kernel modules, and a test checks that
    every kernel that can reach a ``prange`` is guarded.  *finish_serial*
    ``(compiled, vector_codegen) -> dispatcher`` gives a serial copy the
    options of jitla's decorators (:func:`serial_copy`).
    """
    _state.finish_serial = finish_serial
    if not isinstance(dispatcher, CPUDispatcher):
        return dispatcher  # NUMBA_DISABLE_JIT=1: a plain function
    if dispatcher.targetoptions.get("parallel") or _calls_guarded(dispatcher):
        # same object layout (a Python subclass adding only methods), so the
        # class can be swapped on the dispatcher numba.njit built
        dispatcher.__class__ = GuardedDispatcher
    return dispatcher


def serial_copy(dispatcher):
    """The serial copy of a guarded kernel: its code with ``parallel=False``.

    ``prange`` runs as ``range``, so a kernel that splits its work explicitly
    gets the same partition and the same result.  Guarded kernels it calls
    are replaced by their own serial copies.  The copy is compiled on first
    use and cached on disk under its own file names (tag ``serial``).
    """
    copy = _state.copies.get(dispatcher)
    if copy is not None:
        return copy
    func = dispatcher.py_func
    scope = dict(func.__globals__)
    for name in func.__code__.co_names:
        if isinstance(scope.get(name), GuardedDispatcher):
            scope[name] = serial_copy(scope[name])
    twin = types.FunctionType(func.__code__, scope, func.__name__, func.__defaults__, func.__closure__)
    twin.__qualname__ = func.__qualname__
    twin.__module__ = func.__module__
    twin.__doc__ = func.__doc__
    options = {k: v for k, v in dispatcher.targetoptions.items() if k not in ("nopython", "parallel")}
    vector = getattr(dispatcher, "jitla_vector_codegen", False)
    copy = _state.finish_serial(numba.njit(**options)(twin), vector)
    _state.copies[dispatcher] = copy
    return copy


def parallel_available() -> bool:
    """False in a process forked after GNU OpenMP started (parallel kernels then run serially)."""
    return not _state.serial_only


# ---------------------------------------------------------------------------
# Thread counts


def get_num_threads() -> int:
    """Return the number of threads Numba's parallel kernels use now.

    1 in a process forked after GNU OpenMP started its threads, where parallel
    kernels run serially.
    """
    return 1 if _state.serial_only else numba.get_num_threads()


class _BlasLimits:
    """The process-wide BLAS limit shared by overlapping :func:`threads` blocks.

    OpenBLAS (pthreads build) has one pool size for the whole process, but
    blocks in different Python threads overlap in any order, so none of them
    may simply restore what it saw on entry.  Each active block holds an
    entry; the BLAS gets the smallest requested count while any block is
    active and its original limits back when the last one leaves.

    threadpoolctl (3.6 and later) lets only the first Python thread that set
    an OpenBLAS limit change it again while it lives; a limit set from
    another thread is silently dropped.  jitla's changes are made under one
    lock from whichever thread enters or leaves a block, so they release that
    ownership before and after each change.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.active: dict[int, tuple[int, int]] = {}  # token -> (requested count, thread id)
        self.tokens = itertools.count()
        self.original = None  # threadpoolctl limiter holding the pre-block limits

    def enter(self, n: int) -> int | None:
        if _controller() is None:
            return None
        with self.lock:
            token = next(self.tokens)
            limiter = _limit_blas(min(n, self._smallest()) if self.active else n)
            if not self.active:
                self.original = limiter
            self.active[token] = (n, threading.get_ident())
            return token

    def _smallest(self) -> int:
        return min(n for n, _ in self.active.values())

    def after_fork(self) -> None:
        # only the forking thread lives on in the child: the other threads'
        # blocks will never end there, and the lock may have been held
        self.lock = threading.Lock()
        me = threading.get_ident()
        self.active = {t: entry for t, entry in self.active.items() if entry[1] == me}

    def leave(self, token: int | None) -> None:
        if token is None:
            return
        with self.lock:
            del self.active[token]
            if self.active:
                _limit_blas(self._smallest())
            else:
                _release_blas_ownership()
                self.original.restore_original_limits()
                _release_blas_ownership()
                self.original = None


_blas = _BlasLimits()


def _controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # threadpoolctl is optional: then only Numba is limited
        return None
    return ThreadpoolController()


def _release_blas_ownership() -> None:
    import threadpoolctl

    release = getattr(getattr(threadpoolctl, "OpenBLASController", None), "clear_controlling_thread", None)
    if release is not None:
        release(force=True)


def _limit_blas(n: int):
    """Limit the BLAS to *n* threads from this Python thread; the limiter (it can restore)."""
    _release_blas_ownership()
    limiter = _controller().limit(limits=n, user_api="blas")
    _release_blas_ownership()
    return limiter


def set_num_threads(n: int) -> None:
    """Set Numba's thread count to *n* (1 <= n <= ``numba.config.NUMBA_NUM_THREADS``).

    The BLAS is limited to *n* as well when threadpoolctl is installed; the
    limit stays until changed.  Numba's count is per Python thread; the BLAS
    limit is for the whole process.  Use :func:`threads` for a scoped limit.
    """
    n = _check(n)
    numba.set_num_threads(n)
    if _controller() is not None:
        with _blas.lock:
            _limit_blas(n)


def _check(n) -> int:
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise TypeError(f"number of threads must be an integer, got {type(n).__name__}")
    n = n.__index__()
    limit = numba.config.NUMBA_NUM_THREADS
    if not 1 <= n <= limit:
        raise ValueError(f"number of threads must be between 1 and {limit}, got {n}")
    return n


@contextlib.contextmanager
def threads(n: int):
    """Limit Numba's pool and the BLAS to *n* threads inside a ``with`` block.

    Numba's count is per Python thread, so it is limited for the thread that
    enters the block.  The BLAS limit is process-wide: while blocks in several
    threads overlap, the BLAS uses the smallest count any of them asked for,
    and gets its original limits back when the last block leaves.

    Examples
    --------
    >>> import jitla
    >>> with jitla.threads(1):
    ...     jitla.get_num_threads()
    1
    """
    n = _check(n)
    previous = numba.get_num_threads()
    numba.set_num_threads(n)
    token = _blas.enter(n)
    try:
        yield n
    finally:
        _blas.leave(token)
        numba.set_num_threads(previous)
