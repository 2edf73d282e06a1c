"""The one place that decides Numba compilation options.

Every kernel in :mod:`jitla.kernels` is decorated through one of the
decorators below, so the fastmath flag set, caching, ``nogil`` and the
vectoriser settings can be read (and changed) here and nowhere else.

Decorators
----------
kernel
    Serial kernel: ``nogil=True`` so Python threads and Dask can run it side
    by side, ``cache=True``, the :data:`FASTMATH` flag set.
parallel_kernel
    Like :func:`kernel` but ``parallel=True`` (``prange`` loops).  Never call
    one from code that other Python threads run concurrently.
exact_kernel
    No fastmath at all: for compensated / double-double arithmetic and NaN
    checks, where reassociation or contraction would change the result.
vector_kernel, vector_parallel_kernel
    Like :func:`kernel` / :func:`parallel_kernel`, but compiled with LLVM's SLP
    vectoriser on and a larger full-unroll threshold, *scoped to the
    compilation of that kernel* (see :func:`vector_codegen`).  Used by the
    GEMM micro-kernel family; see ``devlog/001-gemm.md`` for why.
"""

from __future__ import annotations

import contextlib
import functools

import llvmlite.binding as llvm
import numba
from numba.core import config as numba_config
from numba.core.compiler_lock import global_compiler_lock

#: Fastmath flags used by every non-exact kernel.  Only ``contract`` (allow
#: fused multiply-add): it keeps NaN/inf semantics (no ``nnan``/``ninf``) and
#: does not reassociate sums, so results do not depend on vector width.
FASTMATH = {"contract"}

#: LLVM's full-unroll threshold while a vector kernel compiles.  The default
#: at -O3 (300) is too small to unroll the 6 x 32 register tile of the GEMM
#: micro-kernel, and without the unroll SLP has nothing to pack.
VECTOR_UNROLL_THRESHOLD = 2000

#: LLVM's own -O3 value of ``-unroll-threshold`` (``UnrollThresholdAggressive``
#: in LoopUnrollPass.cpp); restored after a vector kernel compiles.
_LLVM_O3_UNROLL_THRESHOLD = 300

_COMMON = {"cache": True, "error_model": "numpy"}


@contextlib.contextmanager
def vector_codegen():
    """Compile with SLP vectorisation and a high unroll threshold, then restore.

    Numba turns the SLP vectoriser off by default (``NUMBA_SLP_VECTORIZE=0``)
    because it once miscompiled code; ``numba.core.codegen`` reads the flag
    each time it builds a pass manager, so setting it for the duration of one
    compilation scopes it to that kernel (and the kernels it inlines).  The
    global compiler lock is held throughout, so no other compilation in the
    process sees the changed settings.

    The unroll threshold is an LLVM command-line option: once set it stays
    "set", so it is put back to LLVM's -O3 default rather than "unset".
    """
    with global_compiler_lock:
        saved_slp = numba_config.SLP_VECTORIZE
        numba_config.SLP_VECTORIZE = 1
        llvm.set_option("jitla", f"-unroll-threshold={VECTOR_UNROLL_THRESHOLD}")
        try:
            yield
        finally:
            numba_config.SLP_VECTORIZE = saved_slp
            llvm.set_option("jitla", f"-unroll-threshold={_LLVM_O3_UNROLL_THRESHOLD}")


def _scope_codegen(dispatcher):
    """Make every compilation of *dispatcher* run under :func:`vector_codegen`."""
    compile_one = dispatcher.compile

    @functools.wraps(compile_one)
    def compile(sig):
        with vector_codegen():
            return compile_one(sig)

    dispatcher.compile = compile
    dispatcher.jitla_vector_codegen = True
    return dispatcher


def _decorator(**options):
    def decorate(func=None, **extra):
        def wrap(f):
            return numba.njit(**{**_COMMON, **options, **extra})(f)

        return wrap if func is None else wrap(func)

    return decorate


kernel = _decorator(nogil=True, fastmath=FASTMATH)
parallel_kernel = _decorator(nogil=True, fastmath=FASTMATH, parallel=True)
exact_kernel = _decorator(nogil=True, fastmath=False)


def vector_kernel(func=None, **extra):
    """Serial kernel compiled under :func:`vector_codegen`."""

    def wrap(f):
        return _scope_codegen(kernel(f, **extra))

    return wrap if func is None else wrap(func)


def vector_parallel_kernel(func=None, **extra):
    """Parallel kernel compiled under :func:`vector_codegen`."""

    def wrap(f):
        return _scope_codegen(parallel_kernel(f, **extra))

    return wrap if func is None else wrap(func)
