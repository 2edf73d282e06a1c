"""jitla: dense linear algebra and regression in Numba kernels.

``import jitla`` is cheap: it imports neither Numba nor any kernel, and
compiles nothing.  The names below are loaded on first use; kernels compile
on first call (or ahead of time with :func:`warmup`) and are cached on disk,
so a second process starts fast.

>>> import jitla
>>> C = jitla.matmul([[1.0, 2.0]], [[3.0], [4.0]])
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "matmul": ("jitla.linalg", "matmul"),
    "matmul_plan": ("jitla.linalg", "matmul_plan"),
    "LinAlgError": ("jitla._validate", "LinAlgError"),
    "threads": ("jitla._threads", "threads"),
    "set_num_threads": ("jitla._threads", "set_num_threads"),
    "get_num_threads": ("jitla._threads", "get_num_threads"),
    "warmup": ("jitla._warmup", "warmup"),
    "kernels": ("jitla.kernels", None),
    "linalg": ("jitla.linalg", None),
    "regression": ("jitla.regression", None),
    "config": ("jitla.config", None),
    "profiling": ("jitla.profiling", None),
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str):
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'jitla' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__():
    return __all__
