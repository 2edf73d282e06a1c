"""Numba kernels: validated-elsewhere loops on contiguous float arrays.

Nothing here checks its inputs (the :mod:`jitla.linalg` layer does); kernels
return status codes rather than raising.  :func:`registry` lists every
variant of every operation.
"""

from jitla.kernels._registry import KernelInfo, get_kernel, register, registry, variants

__all__ = ["KernelInfo", "get_kernel", "register", "registry", "variants"]
