"""Compile kernels ahead of time."""

from __future__ import annotations

import time

import numpy as np


def warmup(ops=None, dtypes=("float64", "float32")) -> dict[str, float]:
    """Compile (or load from the disk cache) every registered kernel.

    Each kernel is called once on the tiny problem its registry entry gives
    (``example``), with the argument types the API uses (C-contiguous arrays
    of each dtype), so later calls of any size find their compiled code
    ready.

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
    from jitla.linalg._dispatch import kernel_extras

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
            info.func(*info.example(dtype), *kernel_extras(info, dtype))
            timings[f"{info.op}/{info.variant}/{name}"] = time.perf_counter() - start
    return timings
