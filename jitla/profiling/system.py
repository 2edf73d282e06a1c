"""The conditions every benchmark figure is stated with (benchmarks/README.md).

CPU model and SIMD width, cache sizes, versions, Numba's threading layer and
thread count, the BLAS numpy uses (through threadpoolctl) and the OpenBLAS
environment variables that change its kernel choice.  ``jitla info`` prints
this; ``jitla bench`` and the benchmark suite store it beside the numbers.
"""

from __future__ import annotations

import os
import platform
from dataclasses import asdict
from pathlib import Path

__all__ = ["OPENBLAS_WORKAROUNDS", "cpu_model", "cpu_flags", "simd_width", "blas_info", "system_info"]

#: Set on some machines here; they slow a current numpy, so benchmarks are
#: run with ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE``.
OPENBLAS_WORKAROUNDS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_ENV = (*OPENBLAS_WORKAROUNDS, "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS")
_ENV += ("NUMBA_THREADING_LAYER", "NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES", "NUMBA_CACHE_DIR")


def _cpuinfo_field(name: str, path: str = "/proc/cpuinfo") -> str | None:
    try:
        with open(path) as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == name:
                    return value.strip()
    except OSError:
        return None
    return None


def cpu_model(path: str = "/proc/cpuinfo") -> str:
    """The CPU's model name (``/proc/cpuinfo``, else :func:`platform.processor`)."""
    return _cpuinfo_field("model name", path) or platform.processor() or platform.machine() or "unknown"


def cpu_flags(path: str = "/proc/cpuinfo") -> set[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (empty where there is none)."""
    return set((_cpuinfo_field("flags", path) or "").split())


def simd_width(flags: set[str] | None = None) -> str:
    """Widest x86 vector extension: "AVX-512 (512-bit)", "AVX2 (256-bit)", ...

    Parameters
    ----------
    flags : set of str, optional
        CPU flags (default :func:`cpu_flags`).

    Examples
    --------
    >>> simd_width({"sse2", "avx", "avx2", "fma"})
    'AVX2 (256-bit, FMA)'
    """
    flags = cpu_flags() if flags is None else flags
    fma = ", FMA" if "fma" in flags else ""
    if "avx512f" in flags:
        return f"AVX-512 (512-bit{fma})"
    if "avx2" in flags:
        return f"AVX2 (256-bit{fma})"
    if "avx" in flags:
        return "AVX (256-bit)"
    if "sse2" in flags:
        return "SSE2 (128-bit)"
    if "asimd" in flags:
        return "NEON (128-bit)"
    return "unknown"


def blas_info() -> list[dict]:
    """The BLAS libraries loaded in this process, from ``threadpoolctl.threadpool_info()``.

    Imports numpy first so that its BLAS is loaded.  Each entry has a
    ``numpy`` flag (the library lies in numpy's own wheel directory); numpy's
    comes first.  Empty when threadpoolctl is not installed.
    """
    import numpy  # noqa: F401  (loads numpy's BLAS)

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keys = ("internal_api", "version", "architecture", "threading_layer", "num_threads", "filepath")
    libs = [{k: lib.get(k) for k in keys} for lib in threadpool_info() if lib.get("user_api") == "blas"]
    for lib in libs:  # numpy's wheels bundle their BLAS under numpy.libs / numpy/.dylibs
        lib["numpy"] = "numpy" in Path(lib["filepath"] or "").parent.name
    return sorted(libs, key=lambda lib: not lib["numpy"])


def _threading_layer() -> str:
    """Numba's threading layer, after one tiny parallel call (it is chosen on first use)."""
    import numba

    try:
        _parallel_probe()(4)
        return numba.threading_layer()
    except Exception as exc:  # the report must not fail because a layer is missing
        return f"unknown ({type(exc).__name__}: {exc})"


_PROBE = []


def _parallel_probe():
    """A trivial ``prange`` loop (compiled once per process, cached on disk)."""
    if not _PROBE:
        import numba

        def parallel_probe(n):
            total = 0
            for i in numba.prange(n):
                total += i
            return total

        _PROBE.append(numba.njit(parallel=True, cache=True)(parallel_probe))
    return _PROBE[0]


def _compile_target() -> dict:
    """The vectors jitla's kernels are compiled for (may differ from the host's: NUMBA_CPU_*)."""
    from jitla.kernels._tile import target_vectors

    target = target_vectors()
    return {"isa": target.isa, "vector_bytes": target.bytes, "vector_registers": target.registers}


def system_info(*, threading_layer: bool = True) -> dict:
    """Everything a benchmark figure must be stated with, as a JSON-ready dict.

    Parameters
    ----------
    threading_layer : bool
        Run one tiny parallel kernel so that Numba reports its threading
        layer (compiles it on first use); False reports only the request.

    Returns
    -------
    dict
        Keys ``cpu``, ``simd``, ``cores``, ``llvm_cpu``, ``caches``,
        ``versions``, ``numba`` (threading layer, threads), ``blas`` (a
        list), ``gemm_blocks``, ``env`` (the relevant variables that are set)
        and ``openblas_workarounds`` (those of them that slow numpy).
    """
    import llvmlite
    import llvmlite.binding as llvm
    import numba
    import numpy as np

    import jitla
    from jitla import config

    caches = config.cache_info()
    env = {k: os.environ[k] for k in _ENV if k in os.environ}
    return {
        "cpu": cpu_model(),
        "simd": simd_width(),
        "cores": os.cpu_count(),
        "llvm_cpu": numba.config.CPU_NAME or llvm.get_host_cpu_name(),
        "compile_target": _compile_target(),
        "caches": asdict(caches),
        "versions": {
            "python": platform.python_version(),
            "jitla": jitla.__version__,
            "numpy": np.__version__,
            "numba": numba.__version__,
            "llvmlite": llvmlite.__version__,
        },
        "numba": {
            "threading_layer": _threading_layer() if threading_layer else None,
            "threading_layer_requested": numba.config.THREADING_LAYER,
            "num_threads": numba.get_num_threads(),
            "max_threads": numba.config.NUMBA_NUM_THREADS,
        },
        "blas": blas_info(),
        "gemm_blocks": {
            dtype: {
                "MC_KC_NC": list(config.gemm_blocks(dtype).as_tuple()),
                "MR_NR": list(config.tile_shape(dtype)),
            }
            for dtype in ("float64", "float32")
        },
        "env": env,
        "openblas_workarounds": {k: env[k] for k in OPENBLAS_WORKAROUNDS if k in env},
    }
