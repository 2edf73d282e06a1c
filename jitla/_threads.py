"""Thread counts for Numba's pool and the BLAS together.

jitla's parallel kernels use Numba's thread pool; the numpy/scipy reference
uses OpenBLAS's.  A fair comparison limits both to the same count, and a
program that runs jitla inside its own thread pool wants both at one.
"""

from __future__ import annotations

import contextlib

import numba

__all__ = ["get_num_threads", "set_num_threads", "threads"]


def get_num_threads() -> int:
    """Return the number of threads Numba's parallel kernels use now."""
    return numba.get_num_threads()


def _blas_limiter(n: int | None):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl is optional: then only Numba is limited
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


def set_num_threads(n: int) -> None:
    """Set Numba's thread count to *n* (1 <= n <= ``numba.config.NUMBA_NUM_THREADS``).

    The BLAS is limited to *n* as well when threadpoolctl is installed (a
    ``threadpool_limits`` object applies its limit when it is created); the
    limit stays until changed.  Use :func:`threads` for a scoped limit.
    """
    n = _check(n)
    numba.set_num_threads(n)
    _blas_limiter(n)


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
    try:
        with _blas_limiter(n):
            yield n
    finally:
        numba.set_num_threads(previous)
