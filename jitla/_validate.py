"""Input checks shared by the API layer, with numpy.linalg's exact messages."""

from __future__ import annotations

import numpy as np

__all__ = [
    "LinAlgError",
    "as_float_operand",
    "result_float_dtype",
    "assert_finite",
    "assert_stacked_2d",
    "assert_stacked_square",
    "square_work_copy",
    "writeable_view",
]


class LinAlgError(np.linalg.LinAlgError):
    """Raised by jitla.linalg when a factorisation or solve fails.

    A subclass of :class:`numpy.linalg.LinAlgError`, so ``except
    np.linalg.LinAlgError`` catches it as it catches numpy's own.
    """


def _operand_dtype(a: np.ndarray, allow_complex: bool = False) -> np.dtype:
    kind = a.dtype.kind
    if kind == "c":
        if not allow_complex:
            raise TypeError(
                f"jitla does not support complex input here yet (got dtype {a.dtype}); "
                "this function's kernels are real float32/float64 only"
            )
        if a.dtype.itemsize <= 8:
            return np.dtype(np.complex64)
        if a.dtype.itemsize == 16:
            return np.dtype(np.complex128)
        raise TypeError(f"jitla supports complex64 and complex128, not {a.dtype} (convert it explicitly)")
    if kind in "biu":
        return np.dtype(np.float64)
    if kind == "f":
        if a.dtype.itemsize <= 4:
            return np.dtype(np.float32)
        if a.dtype.itemsize == 8:
            return np.dtype(np.float64)
        raise TypeError(f"jitla supports float32 and float64, not {a.dtype} (convert it explicitly)")
    raise TypeError(f"array of dtype {a.dtype} is not numeric; jitla needs real numbers")


def result_float_dtype(*arrays: np.ndarray, allow_complex: bool = False) -> np.dtype:
    """Dtype the kernels compute in: float32 if every operand is float32/16, else float64.

    Integers and booleans promote to float64.  Complex operands raise
    ``TypeError`` unless *allow_complex* is true; then the result follows
    numpy.linalg: complex64 when every operand is float32/complex64,
    complex128 when any operand is complex and any is double precision.
    """
    dtypes = [_operand_dtype(a, allow_complex) for a in arrays]
    return np.dtype(np.result_type(*dtypes)) if dtypes else np.dtype(np.float64)


def as_float_operand(a, dtype: np.dtype) -> np.ndarray:
    """Return *a* as a C-contiguous array of *dtype*, copying only when needed.

    Layout is normalised here, once, so kernels compile for C order only
    (and for writeable arrays: a read-only operand is copied, because Numba
    would compile a separate specialisation for it).  When no copy is made
    the result shares memory with *a*; kernels never write their inputs.
    """
    out = np.ascontiguousarray(a, dtype=dtype)
    if not out.flags.writeable:
        out = out.copy()
    return out


def writeable_view(a: np.ndarray) -> np.ndarray:
    """*a* itself when writeable, else a writeable view of its memory (a copy if there is none).

    Numba types a read-only array apart from a writeable one, so every kernel
    it reaches would compile a second specialisation (and cache it) the first
    time a read-only array arrives: pandas' ``DataFrame.to_numpy()`` under
    copy-on-write, a memory map opened read-only, ``np.broadcast_to``.  The
    view costs no pass over the data; it is only for kernels that read it
    (kernels never write their inputs).  When the memory itself is read-only
    (numpy refuses the writeable flag), the copy is the fallback.
    """
    if a.flags.writeable:
        return a
    view = a.view()
    try:
        view.flags.writeable = True
    except ValueError:
        return a.copy()
    return view


def assert_finite(*arrays: np.ndarray) -> None:
    """``LinAlgError("Array must not contain infs or NaNs")`` as numpy.linalg."""
    for a in arrays:
        if not np.isfinite(a).all():
            raise LinAlgError("Array must not contain infs or NaNs")


def assert_stacked_2d(*arrays: np.ndarray) -> None:
    """numpy.linalg's check that each array is at least two-dimensional."""
    for a in arrays:
        if a.ndim < 2:
            raise LinAlgError(f"{a.ndim}-dimensional array given. Array must be at least two-dimensional")


def assert_stacked_square(*arrays: np.ndarray) -> None:
    """numpy.linalg's check that the last two dimensions are square."""
    for a in arrays:
        m, n = a.shape[-2:]
        if m != n:
            raise LinAlgError("Last 2 dimensions of the array must be square")


_FLOAT64 = np.dtype(np.float64)
_FLOAT32 = np.dtype(np.float32)


def square_work_copy(a, *, copy: bool = True) -> np.ndarray | None:
    """The fast paths' test: *a* as a C-ordered array for a kernel, or None for the general path.

    Returns a fresh C-ordered copy (any layout, any strides, read-only or
    not) when *a* is a plain ndarray, 2-D, square, not empty, and float64
    or float32; every other input (lists, subclasses, stacks, integers,
    float16, complex, bad shapes) gives None, and the caller's general path
    validates it and raises numpy's errors.  The copy is what a factoring
    kernel overwrites, so the one allocation the operation needs anyway is
    also the layout normalisation.  With ``copy=False`` (for kernels that
    only read it) *a* itself is returned when it is already C-contiguous
    and writeable (Numba compiles read-only arrays separately).
    """
    if type(a) is np.ndarray and a.ndim == 2:
        n, m = a.shape
        dtype = a.dtype
        if n == m and n and (dtype is _FLOAT64 or dtype is _FLOAT32):
            if not copy:
                flags = a.flags
                if flags.c_contiguous and flags.writeable:
                    return a
            return np.array(a, order="C")
    return None
