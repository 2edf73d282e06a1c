"""Calling registered kernels: the arguments the API supplies by name."""

from __future__ import annotations

import numba
import numpy as np

from jitla import config

__all__ = ["COMPLEX_NB", "complex_extras", "kernel_extras", "zgemm_extras"]


def kernel_extras(info, dtype, *, blocks=None, nthreads: int | None = None) -> tuple:
    """Values of the arguments kernel *info* takes after its operands.

    A kernel names them in its registry entry (``extra_args``); this is the
    one place that knows how to fill each name.

    Parameters
    ----------
    info : jitla.kernels.KernelInfo
    dtype : dtype
        Dtype the kernel computes in (block sizes depend on it).
    blocks : tuple of int, optional
        ``(MC, KC, NC)`` instead of :func:`jitla.config.gemm_blocks`.
    nthreads : int, optional
        Instead of ``numba.get_num_threads()``.

    Returns
    -------
    tuple
        In the order of ``info.extra_args``.

    Raises
    ------
    ValueError
        When the kernel names an argument this function cannot supply.
    """
    dtype = np.dtype(dtype)
    values = {}
    for name in info.extra_args:
        if name == "blocks":
            chosen = config.gemm_blocks(dtype).as_tuple() if blocks is None else blocks
            values[name] = tuple(int(b) for b in chosen)
        elif name == "nb":
            values[name] = config.factor_nb(info.op, dtype)
        elif name == "mb":
            values[name] = config.tsqr_rows(dtype)
        elif name == "nthreads":
            values[name] = int(numba.get_num_threads() if nthreads is None else nthreads)
        else:
            raise ValueError(f"don't know how to supply argument {name!r} of {info.op}/{info.variant}")
    return tuple(values[name] for name in info.extra_args)


#: Panel / diagonal-block width of the complex LU, Cholesky and triangular kernels
#: when the order is not given (the solves); the factorisations take
#: ``config.complex_nb(n)``.
COMPLEX_NB = 64


def complex_extras(dtype, n: int | None = None) -> tuple:
    """``(blocks, nb)`` for the complex kernels ``zlu_blocked``, ``zlu_solve``, ``zcholesky``, ``ztrsm``.

    The blocks are the real packed GEMM's for the real dtype of the same
    precision, because the complex kernels run their products on it
    (:func:`jitla.kernels.gemm.zgemm_1m`); nb is ``config.complex_nb(n)``
    for a factorisation of order n, :data:`COMPLEX_NB` without n.
    """
    real = np.dtype(np.dtype(dtype).char.lower())
    nb = COMPLEX_NB if n is None else config.complex_nb(n)
    return config.gemm_blocks(real).as_tuple(), nb


def zgemm_extras(variant: str, dtype) -> tuple:
    """Arguments after ``(A, B, C)`` of the complex product *variant* (``gemm.ZGEMM_VARIANTS``).

    "small" and "1m_small" take none; "1m" and "1m_a" a real alpha of 1 and the real GEMM's
    blocks for the real dtype of *dtype*'s precision; "3m" those and the thread count (its
    workspace, sized by the operands, the caller adds).
    """
    real = np.dtype(np.dtype(dtype).char.lower())
    if variant in ("small", "1m_small"):
        return ()
    blocks = config.gemm_blocks(real).as_tuple()
    if variant in ("1m", "1m_a"):
        return (real.type(1), blocks)
    return (real.type(1), blocks, int(numba.get_num_threads()))
