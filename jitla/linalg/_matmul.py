"""``jitla.matmul``: numpy.matmul semantics on jitla's GEMM kernels."""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from jitla import config
from jitla._validate import as_float_operand, result_float_dtype
from jitla.kernels import get_kernel
from jitla.linalg._dispatch import kernel_extras, zgemm_extras
from jitla.linalg._policy import gemm_plan, zgemm_plan
from jitla.linalg._wrap import call_ufunc_wrap, ufunc_wrap

__all__ = ["matmul", "matmul_plan", "MatmulPlan"]

log = logging.getLogger("jitla.matmul")


@dataclass(frozen=True)
class MatmulPlan:
    """What :func:`matmul` will do for a pair of operands.

    Attributes
    ----------
    op : str
        Registry operation: "gemm", "gemm_small", "gemm_batched", "gemv", "gemv_t" or "dot".
    kernel : str
        Registry variant of *op* ("packed", "parallel", "serial", ...).
    reason : str
        Which rule of the "auto" policy (:func:`jitla.linalg._policy.gemm_plan`)
        chose it, or "requested".
    dtype : numpy.dtype
        Dtype the kernel computes in.
    batch : tuple of int
        Broadcast leading dimensions.
    m, k, n : int
        Core sizes after 1-D operands are promoted to matrices.
    shape : tuple of int
        Shape of the result.
    """

    op: str
    kernel: str
    reason: str
    dtype: np.dtype
    batch: tuple[int, ...]
    m: int
    k: int
    n: int
    shape: tuple[int, ...]

    @property
    def variant(self) -> str:
        """:attr:`kernel` under the name every "auto" plan uses (``op, variant, reason``)."""
        return self.kernel


def _raise_numpy_shape_error(a: np.ndarray, b: np.ndarray, out_shape=None) -> None:
    """Raise exactly the error numpy.matmul raises for these shapes.

    numpy is asked with zero-stride stand-ins (no memory, no arithmetic is
    done because numpy checks shapes first).  With *out_shape*, numpy may
    accept it (an ``out`` with extra leading dimensions is filled by
    broadcasting): then this returns.  Otherwise, if numpy accepts the
    shapes the caller's own check was wrong, which is reported as such.
    """
    fake_a = as_strided(np.zeros(1, dtype=bool), shape=a.shape, strides=(0,) * a.ndim)
    fake_b = as_strided(np.zeros(1, dtype=bool), shape=b.shape, strides=(0,) * b.ndim)
    if out_shape is not None:
        fake_out = as_strided(np.zeros(1, dtype=bool), shape=out_shape, strides=(0,) * len(out_shape))
        np.matmul(fake_a, fake_b, out=fake_out)
        return
    np.matmul(fake_a, fake_b)
    raise AssertionError(f"jitla rejected shapes {a.shape} @ {b.shape} that numpy accepts")


def matmul_plan(a, b, *, kernel: str = "auto") -> MatmulPlan:
    """Return the :class:`MatmulPlan` that ``matmul(a, b, kernel=kernel)`` would use.

    Raises the same errors as :func:`matmul` for invalid operands.

    Examples
    --------
    >>> import numpy as np, jitla
    >>> jitla.matmul_plan(np.ones((3, 3)), np.ones((3, 3))).kernel
    'tiles'
    """
    a = np.asarray(a)
    b = np.asarray(b)
    dtype = result_float_dtype(a, b, allow_complex=True)
    if a.ndim == 0 or b.ndim == 0:
        _raise_numpy_shape_error(a, b)
    a_vec, b_vec = a.ndim == 1, b.ndim == 1
    a_shape = (1,) + a.shape if a_vec else a.shape
    b_shape = b.shape + (1,) if b_vec else b.shape
    m, k = a_shape[-2:]
    k2, n = b_shape[-2:]
    if k != k2:
        _raise_numpy_shape_error(a, b)
    try:
        batch = np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError:
        batch = None
    if batch is None:
        _raise_numpy_shape_error(a, b)
    shape = batch + (() if a_vec else (m,)) + (() if b_vec else (n,))
    if dtype.kind == "c":
        op, variant, reason = _complex_plan(m, k, n, kernel)
    elif kernel == "auto":
        op, variant, reason = gemm_plan(batch, m, k, n, a_vec, b_vec)
    else:
        if not isinstance(kernel, str):
            raise TypeError(f"kernel must be a string, got {type(kernel).__name__}")
        get_kernel("gemm", kernel)  # ValueError naming the choices if unknown
        op, variant, reason = "gemm", kernel, "requested"
    return MatmulPlan(op, variant, reason, dtype, tuple(batch), m, k, n, tuple(shape))


def _complex_plan(m: int, k: int, n: int, kernel: str):
    """``(op, variant, reason)`` for complex operands: :func:`zgemm_plan`, or a zgemm variant by name."""
    if kernel == "auto":
        return zgemm_plan(m, k, n)
    if not isinstance(kernel, str):
        raise TypeError(f"kernel must be a string, got {type(kernel).__name__}")
    from jitla.kernels.gemm import ZGEMM_VARIANTS

    if kernel not in ZGEMM_VARIANTS:
        raise ValueError(
            f"unknown zgemm kernel {kernel!r} for complex operands; choose from {list(ZGEMM_VARIANTS)}"
        )
    return "zgemm", kernel, "requested"


def _complex_compute(plan: MatmulPlan, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`_compute` for a complex result: every product (vectors as 1-row / 1-column
    matrices, each matrix of a stack) through the zgemm variant of *plan*.  A real
    operand is converted to the complex dtype first, as numpy does."""
    dtype, m, k, n = plan.dtype, plan.m, plan.k, plan.n
    A = as_float_operand(a, dtype)
    B = as_float_operand(b, dtype)
    if A.ndim == 1:
        A = A.reshape(1, k)
    if B.ndim == 1:
        B = B.reshape(k, 1)
    batch = plan.batch
    C = np.zeros(batch + (m, n), dtype=dtype)
    if C.size == 0 or k == 0:
        return C.reshape(plan.shape)
    if plan.kernel == "1m_small":
        entry = _SMALL_ZGEMM.get(dtype) or _small_zgemm_entry(dtype)
        func, args = entry, ()
    else:
        from jitla.kernels.gemm import ZGEMM_VARIANTS

        func = ZGEMM_VARIANTS[plan.kernel]
        args = zgemm_extras(plan.kernel, dtype)
        if plan.kernel == "3m":
            # its workspace, from numpy (huge pages for large arrays) and once for a stack
            args += (np.empty(3 * (m * k + k * n + m * n), np.dtype(dtype.char.lower())),)
    if not batch:
        func(A, B, C, *args)
        return C.reshape(plan.shape)
    a_batch, b_batch = A.shape[:-2], B.shape[:-2]
    A3 = A.reshape((math.prod(a_batch), m, k))
    B3 = B.reshape((math.prod(b_batch), k, n))
    ia = np.broadcast_to(np.arange(A3.shape[0]).reshape(a_batch), batch).flatten()
    ib = np.broadcast_to(np.arange(B3.shape[0]).reshape(b_batch), batch).flatten()
    C3 = C.reshape((math.prod(batch), m, n))
    for i in range(C3.shape[0]):
        func(A3[ia[i]], B3[ib[i]], C3[i], *args)
    return C.reshape(plan.shape)


#: Per-thread packing buffers of the packed GEMM, kept between calls; key (dtype character, parallel).
_PACKING = threading.local()


def _packing_buffers(
    dtype: np.dtype, m: int, n: int, k: int, blocks, regions: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``(Ap, Bp)`` for :func:`~jitla.kernels.gemm.gemm_packed_into`, views of one buffer per thread.

    The buffer grows to the largest product made so far and is kept, as
    OpenBLAS keeps its own: at most ``(MC + NC + 8) * KC`` elements per
    thread and dtype for the serial kernel (about 9 MB of float64 on a 1
    MiB-L2 machine), that times the region count for the parallel one.
    Allocated per call instead, it was handed back to the OS and faulted in
    again on every call (devlog 082: +540 us on a 300 us product at n = 256).
    With *regions* > 0 (the parallel kernel): 2-D, one row per region.
    """
    MC, KC, NC = blocks
    mr, nr = config.tile_shape(dtype)
    kc = min(KC, k)
    na = -(-min(MC, m) // mr) * mr * kc
    nb = -(-min(NC, n) // nr) * nr * kc
    start_b = -(-(max(1, regions) * na) // 8) * 8  # Bp 64-byte aligned relative to the buffer
    need = start_b + max(1, regions) * nb
    key = (dtype.char, regions > 0)
    buffers = _PACKING.__dict__
    buf = buffers.get(key)
    if buf is None or buf.size < need:
        buf = buffers[key] = np.empty(need, dtype)
    if regions:
        return buf[: regions * na].reshape(regions, na), buf[start_b:need].reshape(regions, nb)
    return buf[:na], buf[start_b:need]


def _run_gemm(info, A, B, C, extra) -> None:
    """C (zeroed) += A @ B with the registered gemm variant *info*."""
    if info.op == "gemm" and info.variant in ("packed", "parallel"):
        from jitla.kernels.gemm import gemm_packed_into, gemm_parallel_into

        m, k, n = A.shape[0], A.shape[1], B.shape[1]
        if info.variant == "packed":
            Ap, Bp = _packing_buffers(C.dtype, m, n, k, extra[0])
            gemm_packed_into(A, B, C, C.dtype.type(1), extra[0], Ap, Bp)
        else:
            Ap, Bp = _packing_buffers(C.dtype, m, n, k, extra[0], regions=max(1, extra[1]))
            gemm_parallel_into(A, B, C, C.dtype.type(1), extra[0], extra[1], Ap, Bp)
        return
    info.func(A, B, C, C.dtype.type(1), *extra)


def _compute(plan: MatmulPlan, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if plan.op == "zgemm":
        return _complex_compute(plan, a, b)
    dtype, m, k, n = plan.dtype, plan.m, plan.k, plan.n
    A = as_float_operand(a, dtype)
    B = as_float_operand(b, dtype)
    if plan.op == "dot":
        result = np.empty((), dtype=dtype)
        result[()] = get_kernel("dot", plan.kernel).func(A, B)
        return result
    if plan.op == "gemv":
        y = np.zeros(m, dtype=dtype)
        get_kernel("gemv", plan.kernel).func(A, B, y, dtype.type(1))
        return y
    if plan.op == "gemv_t":
        y = np.zeros(n, dtype=dtype)
        get_kernel("gemv_t", plan.kernel).func(B, A, y, dtype.type(1))
        return y

    if A.ndim == 1:
        A = A.reshape(1, k)
    if B.ndim == 1:
        B = B.reshape(k, 1)
    batch = plan.batch
    nbatch = math.prod(batch)
    overwrites = plan.op in ("gemm_batched", "gemm_small")
    C = (np.empty if overwrites and k > 0 else np.zeros)(batch + (m, n), dtype=dtype)
    if C.size == 0 or k == 0:
        return C.reshape(plan.shape)
    if not batch and plan.op == "gemm_small":
        _small_gemm(A, B, C)
        return C.reshape(plan.shape)
    if not batch:
        info = get_kernel("gemm", plan.kernel)
        _run_gemm(info, A, B, C, kernel_extras(info, dtype))
        return C.reshape(plan.shape)

    # Stacks: index maps broadcast the leading dimensions without copying.
    a_batch, b_batch = A.shape[:-2], B.shape[:-2]
    A3 = A.reshape((math.prod(a_batch), m, k))
    B3 = B.reshape((math.prod(b_batch), k, n))
    # flatten, not ravel: ravel can return a read-only view of the broadcast,
    # and Numba compiles a separate specialisation for read-only index maps
    ia = np.broadcast_to(np.arange(A3.shape[0]).reshape(a_batch), batch).flatten()
    ib = np.broadcast_to(np.arange(B3.shape[0]).reshape(b_batch), batch).flatten()
    C3 = C.reshape((nbatch, m, n))
    if plan.op == "gemm_batched":
        info = get_kernel("gemm_batched", plan.kernel)
        info.func(A3, B3, C3, ia, ib, *kernel_extras(info, dtype))
    elif plan.op == "gemm_small":
        for i in range(nbatch):
            _small_gemm(A3[ia[i]], B3[ib[i]], C3[i])
    else:
        info = get_kernel("gemm", plan.kernel)
        extra = kernel_extras(info, dtype)
        for i in range(nbatch):
            _run_gemm(info, A3[ia[i]], B3[ib[i]], C3[i], extra)
    return C.reshape(plan.shape)


_FLOAT64 = np.dtype(np.float64)
_FLOAT32 = np.dtype(np.float32)
_ONE32 = np.float32(1)
_ndarray = np.ndarray
_empty = np.empty
#: The gemv dispatcher, looked up on the first matrix @ vector product.
_GEMV: list = []
#: dtype -> :func:`jitla.kernels.gemm.gemm_small_contiguous_entry` (the compiled small product), on first use.
_SMALL_GEMM: dict = {}
#: dtype -> :func:`jitla.kernels.gemm.gemm_small_entry` (any layout), on first use.
_SMALL_GEMM_ANY: dict = {}
#: complex dtype -> :func:`jitla.kernels.gemm.zgemm_small_entry`, on first use.
_SMALL_ZGEMM: dict = {}
_COMPLEX128 = np.dtype(np.complex128)
_COMPLEX64 = np.dtype(np.complex64)


def _small_gemm_entry(dtype: np.dtype):
    """Look up (and on first use compile) the ``gemm_small_contiguous`` entry point for float *dtype*."""
    from jitla.kernels.gemm import gemm_small_contiguous_entry

    entry = _SMALL_GEMM[dtype] = gemm_small_contiguous_entry(dtype)
    return entry


def _small_zgemm_entry(dtype: np.dtype):
    """Look up (and on first use compile) the ``zgemm_1m_small`` entry point for complex *dtype*."""
    from jitla.kernels.gemm import zgemm_small_entry

    entry = _SMALL_ZGEMM[dtype] = zgemm_small_entry(dtype)
    return entry


def _small_gemm(a: np.ndarray, b: np.ndarray, C: np.ndarray) -> None:
    """``C = a @ b`` (``gemm_small``): a, b 2-D ndarrays of C's dtype (float32/float64), any layout;
    C fresh and C-contiguous.  The entry point checks nothing: these are the caller's promises."""
    try:
        entry = _SMALL_GEMM[C.dtype]
    except KeyError:
        entry = _small_gemm_entry(C.dtype)
    if not entry(a, b, C):  # not C-contiguous and over 16 KiB
        _small_gemm_any(a, b, C)


def _small_gemm_any(a: np.ndarray, b: np.ndarray, C: np.ndarray) -> None:
    """``C = a @ b`` by the any-layout ``gemm_small`` (operands ``gemm_small_contiguous`` turned down)."""
    (_SMALL_GEMM_ANY.get(C.dtype) or _small_gemm_any_entry(C.dtype))(a, b, C)


def _small_gemm_any_entry(dtype: np.dtype):
    """Look up (and on first use compile) the any-layout ``gemm_small`` entry point for *dtype*.

    matmul calls it for the operands that ``gemm_small_contiguous`` turns
    down (not C-contiguous and over 16 KiB: too large to copy to its stack):
    this kernel copies them to the heap inside the kernel.
    """
    from jitla.kernels.gemm import gemm_small_entry

    entry = _SMALL_GEMM_ANY[dtype] = gemm_small_entry(dtype)
    return entry


def _matrix_vector(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``a @ b`` for a matrix and a vector (rule 2, gemv), or None for the general path.

    Part of :func:`matmul`'s fast path, which has checked that *a* and *b*
    are ndarrays of one dtype, float64 or float32.  The dispatcher is kept
    after the first look-up, alpha passed as a Python float for float64
    (the dispatcher types it faster than a numpy scalar).  Operands that are
    not C-contiguous and writeable are copied, as :func:`as_float_operand`
    does.
    """
    dtype = a.dtype
    if a.ndim != 2:
        return None
    m, k = a.shape
    if b.ndim != 1 or b.shape[0] != k or not m * k:
        return None
    y = np.zeros(m, dtype)
    flags = a.flags
    if not (flags.c_contiguous and flags.writeable):
        a = np.array(a, order="C")
    flags = b.flags
    if not (flags.c_contiguous and flags.writeable):
        b = np.array(b, order="C")
    if not _GEMV:
        _GEMV.append(get_kernel("gemv", "serial").func)
    _GEMV[0](a, b, y, 1.0 if dtype is _FLOAT64 else _ONE32)
    return y


def matmul(a, b, /, out=None, *, kernel: str = "auto"):
    """Matrix product of two arrays, with numpy.matmul's semantics.

    Parameters
    ----------
    a, b : array_like
        Operands.  1-D operands are promoted to a row (``a``) or column
        (``b``) matrix and the added dimension is removed from the result;
        leading dimensions broadcast as in numpy.  Scalars are rejected.
        Any layout is accepted (layout is normalised to C order once).
    out : ndarray, optional
        Where to put the result: its shape must be the result's shape, and
        its dtype one the result can be cast to under ``same_kind``.
    kernel : str, default "auto"
        A gemm variant from ``jitla.kernels.registry("gemm")`` ("naive",
        "reordered", "blocked", "packed", "parallel"), or "auto" for the
        size policy of :func:`matmul_plan` (small -> ``gemm_small``'s
        register tiles, stacks of small matrices -> batched, large ->
        packed / parallel).  The choice is logged on the ``jitla.matmul``
        logger at DEBUG level, except on the fast path for one small
        product of two float (or two complex) matrices, which skips the plan.

    Returns
    -------
    ndarray
        float32 when both operands are float32 (or float16), float64
        otherwise (integers and booleans promote to float64).  A numpy
        scalar for vector @ vector, as numpy.  With an ndarray subclass
        operand (and no *out*), the subclass numpy.matmul's ufunc rule picks:
        the operand of highest ``__array_priority__``, through its
        ``__array_wrap__``; an ndarray subclass *out* comes back through
        its own ``__array_wrap__``, as numpy.

    Raises
    ------
    ValueError
        For shapes numpy.matmul rejects, with numpy's message; for an
        unknown kernel name.
    TypeError
        For complex or non-numeric operands, or an ``out`` the result cannot
        be cast to.

    Notes
    -----
    Flops 2mnk per product.  The operands are never modified.

    Examples
    --------
    >>> import numpy as np, jitla
    >>> jitla.matmul(np.eye(2), [[1.0, 2.0], [3.0, 4.0]])
    array([[1., 2.],
           [3., 4.]])
    """
    if out is None and kernel == "auto" and type(a) is _ndarray and type(b) is _ndarray:
        # The fast path for one small product of two float matrices of one dtype: rule 4 of
        # the policy without a plan, straight into the compiled kernel (gemm_small_contiguous_entry),
        # which takes operands of any layout (or says it cannot) and does no type check of its own.
        dtype = a.dtype
        if dtype is b.dtype and a.ndim == 2 and b.ndim == 2:
            # each line here costs 10-40 ns of a 10 x 10 product's 0.65 us: attribute reads,
            # tuple unpacking and one dict probe, no len() or indexing (devlogs 080, 098)
            m, k = a.shape
            k_b, n = b.shape
            if k_b == k:
                # float32/float64 once compiled (the general path below compiles it first);
                # the probe stands in for two dtype identity tests
                entry = _SMALL_GEMM.get(dtype)
                if entry is not None and 0 < m * n * k < config.SMALL_GEMM:
                    C = _empty((m, n), dtype)
                    # checks nothing but the layout: the lines above are its promises
                    if not entry(a, b, C):  # not C-contiguous and over 16 KiB: gemm_small copies
                        _small_gemm_any(a, b, C)
                    return C
        if dtype is b.dtype and (dtype is _FLOAT64 or dtype is _FLOAT32):
            if a.ndim != 2 or b.ndim != 2:
                C = _matrix_vector(a, b)
                if C is not None:
                    return C
        elif dtype is b.dtype and (dtype is _COMPLEX128 or dtype is _COMPLEX64) and a.ndim == 2 == b.ndim:
            # the same for one small complex product (zgemm_plan's rule 1, "1m_small")
            m, k = a.shape
            k_b, n = b.shape
            if k_b == k and 0 < m * n * k < config.SMALL_ZGEMM:
                C = _empty((m, n), dtype)
                entry = _SMALL_ZGEMM.get(dtype) or _small_zgemm_entry(dtype)
                entry(a, b, C)
                return C
    # numpy.matmul is a ufunc: an ndarray subclass operand's __array_wrap__ types the result
    # (with out: out's own __array_wrap__, called on out, as numpy's npy_apply_wrap)
    wrap = None
    if out is None:
        if type(a) is not _ndarray or type(b) is not _ndarray:
            wrap = ufunc_wrap(a, b)
            operands = (a, b)
    elif type(out) is not _ndarray and isinstance(out, np.ndarray):
        wrap = out.__array_wrap__
        operands = (a, b, out)
    a = np.asarray(a)
    b = np.asarray(b)
    plan = matmul_plan(a, b, kernel=kernel)
    log.debug("matmul %s @ %s -> %s/%s (%s)", a.shape, b.shape, plan.op, plan.kernel, plan.reason)
    if out is None:
        result = _compute(plan, a, b)
        if wrap is not None:
            # the ufunc's call: context (ufunc, inputs, output index), return_scalar for 0-d
            return call_ufunc_wrap(wrap, result, (np.matmul, operands, 0), result.ndim == 0)
        return result[()] if result.ndim == 0 else result
    if not isinstance(out, np.ndarray):
        raise TypeError("return arrays must be of ArrayType")
    if out.shape != plan.shape:
        # numpy's error, unless numpy accepts the shape: extra leading
        # dimensions of out are then filled by broadcasting (np.copyto below)
        _raise_numpy_shape_error(a, b, out.shape)
    if not np.can_cast(plan.dtype, out.dtype, casting="same_kind"):
        raise TypeError(
            f"Cannot cast ufunc 'matmul' output from {plan.dtype!r} to {out.dtype!r} "
            "with casting rule 'same_kind'"
        )
    if not out.flags.writeable:
        raise ValueError("output array is read-only")
    np.copyto(out, _compute(plan, a, b), casting="same_kind")
    return out if wrap is None else call_ufunc_wrap(wrap, out, (np.matmul, operands, 0), False)
