"""Compile kernels ahead of time."""

from __future__ import annotations

import time

import numpy as np


def _kernel_arguments(info, dtype):
    """Tiny, valid arguments for kernel *info*, in the layouts the API passes."""
    import numba

    from jitla import config

    a = np.ones((7, 5), dtype)
    b = np.ones((5, 3), dtype)
    extra = {"blocks": config.gemm_blocks(dtype).as_tuple(), "nthreads": numba.get_num_threads()}
    tail = [extra[name] for name in info.extra_args]
    one = dtype.type(1)
    if info.op == "gemm":
        return [a, b, np.zeros((7, 3), dtype), one, *tail]
    if info.op == "gemm_batched":
        index = np.zeros(2, np.int64)
        return [a[None], b[None], np.empty((2, 7, 3), dtype), index, index, *tail]
    if info.op == "gemv":
        return [a, np.ones(5, dtype), np.zeros(7, dtype), one]
    if info.op == "gemv_t":
        return [a, np.ones(7, dtype), np.zeros(5, dtype), one]
    if info.op == "dot":
        return [np.ones(9, dtype), np.ones(9, dtype)]
    raise ValueError(f"warmup does not know how to call {info.op!r} kernels")


def warmup(ops=None, dtypes=("float64", "float32")) -> dict[str, float]:
    """Compile (or load from the disk cache) every registered kernel.

    Each kernel is called once on a tiny problem with the argument types the
    API uses (C-contiguous arrays of each dtype), so later calls of any size
    find their compiled code ready.

    Parameters
    ----------
    ops : iterable of str, optional
        Registry operations to warm up ("gemm", "gemv", ...); all by default.
    dtypes : iterable of str
        Dtypes to compile for.

    Returns
    -------
    dict
        Seconds spent per ``"op/variant/dtype"`` (compile time, or the time to
        load the compiled code from the disk cache).

    Examples
    --------
    >>> import jitla
    >>> timings = jitla.warmup(ops=["dot"], dtypes=["float64"])
    >>> list(timings)
    ['dot/serial/float64']
    """
    from jitla.kernels import registry

    timings: dict[str, float] = {}
    wanted = None if ops is None else set(ops)
    if wanted is not None:
        known = {info.op for info in registry()}
        if wanted - known:
            raise ValueError(f"unknown operation(s) {sorted(wanted - known)}; known: {sorted(known)}")
    for info in registry():
        if wanted is not None and info.op not in wanted:
            continue
        for name in dtypes:
            dtype = np.dtype(name)
            start = time.perf_counter()
            info.func(*_kernel_arguments(info, dtype))
            timings[f"{info.op}/{info.variant}/{name}"] = time.perf_counter() - start
    return timings
