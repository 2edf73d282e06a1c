"""Compile kernels ahead of time."""

from __future__ import annotations

import time

import numpy as np


def warmup(ops=None, dtypes=("float64", "float32")) -> dict[str, float]:
    """Compile (or load from the disk cache) every registered kernel.

    Each kernel is called once on a tiny problem through the public API, so
    the compiled signatures are exactly the ones later calls use.

    Parameters
    ----------
    ops : iterable of str, optional
        Registry operations to warm up ("gemm", "gemv", ...); all by default.
    dtypes : iterable of str
        Dtypes to compile for.

    Returns
    -------
    dict
        Seconds spent per ``"op/variant/dtype"``.
    """
    from jitla.kernels import registry
    from jitla.linalg import matmul

    timings: dict[str, float] = {}
    wanted = None if ops is None else set(ops)
    for info in registry():
        if wanted is not None and info.op not in wanted:
            continue
        for name in dtypes:
            dtype = np.dtype(name)
            a = np.ones((7, 5), dtype)
            b = np.ones((5, 3), dtype)
            start = time.perf_counter()
            if info.op == "gemm":
                matmul(a, b, kernel=info.variant)
            elif info.op == "gemm_batched":
                info.func(a[None], b[None], np.empty((1, 7, 3), dtype), np.zeros(1, np.int64), np.zeros(1, np.int64))
            elif info.op == "gemv":
                info.func(a, b[:, 0].copy(), np.zeros(7, dtype), dtype.type(1))
            elif info.op == "gemv_t":
                info.func(a, np.ones(7, dtype), np.zeros(5, dtype), dtype.type(1))
            elif info.op == "dot":
                info.func(a[0].copy(), a[1].copy())
            timings[f"{info.op}/{info.variant}/{name}"] = time.perf_counter() - start
    return timings
