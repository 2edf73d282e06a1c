"""The kernel registry: the one list that the API, the CLI, the benchmarks
and the tests read to learn which kernels exist.

A kernel module registers each variant where it is defined::

    @register("gemm", "naive", "textbook i-j-k triple loop", flops=gemm_flops)
    @kernel
    def gemm_naive(A, B, C, alpha): ...

so adding a variant means adding it in one place.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

#: Kernel modules, imported (never compiled) when the registry is read.
KERNEL_MODULES = (
    "jitla.kernels.gemm",
    "jitla.kernels.triangular",
    "jitla.kernels.lu",
    "jitla.kernels.condest",
    "jitla.kernels.cholesky",
    "jitla.kernels.double_double",
    "jitla.kernels.qr_householder",
    "jitla.kernels.gram_schmidt",
    "jitla.kernels.qr_pivoted",
    "jitla.kernels.qr_tall",
    "jitla.kernels.svd_jacobi",
    "jitla.kernels.svd_bidiag",
    "jitla.kernels.svd_dc",
    "jitla.kernels.eig_symmetric",
    "jitla.kernels.eig_symmetric_dc",
    "jitla.kernels.eig_general",
    "jitla.kernels.polynomial",
    "jitla.kernels.regression",
    "jitla.kernels.glm",
    "jitla.kernels.least_squares",
    "jitla.kernels.coordinate_descent",
    "jitla.kernels.subsets",
    "jitla.kernels.lars",
    "jitla.kernels.pls",
    "jitla.kernels.robust",
    "jitla.kernels.levenberg_marquardt",
)


@dataclass(frozen=True)
class KernelInfo:
    """One registered kernel variant.

    Attributes
    ----------
    op : str
        The operation family ("gemm", "gemv", "dot", ...).
    variant : str
        The variant's name within its family ("naive", "packed", ...).
    description : str
        One line for tables and ``--help``.
    parallel : bool
        True when the kernel uses ``prange`` (Numba's thread pool).
    flops : callable
        Nominal flop count as a function of the problem sizes, e.g.
        ``2*m*n*k`` for GEMM; used for GFLOP/s.
    func : numba dispatcher
        The jitted kernel itself.
    order : int
        Position in the family's progression (0 = first).
    extra_args : tuple of str
        Names of the arguments the caller supplies after the operands, e.g.
        ``("blocks",)`` for cache-blocked GEMM or ``("blocks", "nthreads")``
        for the parallel one; the API fills them in by name
        (:func:`jitla.linalg._dispatch.kernel_extras`).
    example : callable
        ``example(dtype)`` returns the operand arguments of a tiny, valid
        call in the layouts the API passes (C-contiguous arrays of *dtype*);
        :func:`jitla.warmup` calls ``func(*example(dtype), *extras)`` to
        compile the kernel ahead of time.
    """

    op: str
    variant: str
    description: str
    parallel: bool
    flops: Callable[..., float] = field(repr=False)
    func: Callable = field(repr=False)
    order: int = 0
    extra_args: tuple[str, ...] = ()
    example: Callable | None = field(default=None, repr=False)


_REGISTRY: dict[tuple[str, str], KernelInfo] = {}


def register(
    op: str,
    variant: str,
    description: str,
    *,
    flops,
    parallel: bool = False,
    extra_args: tuple[str, ...] = (),
    example: Callable | None = None,
):
    """Decorator: record a jitted kernel in the registry and return it unchanged."""

    def decorate(func):
        key = (op, variant)
        if key in _REGISTRY and _REGISTRY[key].func is not func:
            raise ValueError(f"kernel {op}/{variant} is registered twice")
        if key in _REGISTRY:
            order = _REGISTRY[key].order
        else:
            order = sum(1 for o, _ in _REGISTRY if o == op)
        _REGISTRY[key] = KernelInfo(
            op, variant, description, parallel, flops, func, order, tuple(extra_args), example
        )
        return func

    return decorate


_LOADED = False


def _load_all() -> None:
    """Import every kernel module once; later calls cost one global read.

    ``importlib.import_module`` walks the import machinery even for a module
    already in ``sys.modules`` (about 2 us each, fifteen modules), and every
    API call looks a kernel up, so the loop must not run per call.
    """
    global _LOADED
    if _LOADED:
        return
    for module in KERNEL_MODULES:
        importlib.import_module(module)
    _LOADED = True


def registry(op: str | None = None) -> list[KernelInfo]:
    """Return the registered kernels, optionally of one *op*, in progression order.

    Examples
    --------
    >>> import jitla
    >>> [k.variant for k in jitla.kernels.registry("gemm")]
    ['naive', 'reordered', 'blocked', 'packed', 'parallel']
    """
    _load_all()
    kernels = [k for k in _REGISTRY.values() if op is None or k.op == op]
    return sorted(kernels, key=lambda k: (k.op, k.order))


def get_kernel(op: str, variant: str) -> KernelInfo:
    """Return the kernel *variant* of *op*; ValueError naming the choices if unknown."""
    try:
        return _REGISTRY[(op, variant)]
    except KeyError:
        pass
    _load_all()
    try:
        return _REGISTRY[(op, variant)]
    except KeyError:
        choices = [k.variant for k in registry(op)]
        if not choices:
            raise ValueError(f"unknown operation {op!r}") from None
        raise ValueError(f"unknown {op} kernel {variant!r}; choose one of {choices} or 'auto'") from None


def variants(op: str) -> list[str]:
    """Names of the variants of *op*, in progression order."""
    return [k.variant for k in registry(op)]
