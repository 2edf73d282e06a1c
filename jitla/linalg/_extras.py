"""numpy.linalg's remaining names: chained and tensor products, powers, and the array-API helpers.

``matrix_power``, ``multi_dot``, ``tensordot``, ``tensorsolve`` and
``tensorinv`` do their arithmetic through jitla's kernels (:func:`matmul`,
:func:`solve`, :func:`inv`); ``matrix_norm`` and ``vector_norm`` are
:func:`norm` with numpy 2.x's signatures; ``outer``, ``cross``, ``vecdot``,
``matrix_transpose``, ``diagonal`` and ``trace`` are the array-API
conveniences numpy 2.x added to ``numpy.linalg``, with its argument checks
and messages (O(n) work each: they call numpy's own routines after the
checks).
"""

from __future__ import annotations

import operator

import numpy as np

from jitla._validate import LinAlgError
from jitla.linalg._lu import inv, solve
from jitla.linalg._matmul import matmul
from jitla.linalg._subspace import norm
from jitla.linalg._wrap import array_wrap, dot_wrap

__all__ = [
    "matrix_power",
    "multi_dot",
    "tensordot",
    "tensorsolve",
    "tensorinv",
    "matrix_norm",
    "vector_norm",
    "outer",
    "cross",
    "vecdot",
    "matrix_transpose",
    "diagonal",
    "trace",
]


def _mm(a, b):
    """jitla's :func:`matmul` for float32/float64 operands, numpy's for others (exact integer powers)."""
    if a.dtype in (np.float32, np.float64) and b.dtype in (np.float32, np.float64):
        return matmul(a, b)
    return np.matmul(a, b)


def _square_stack(a, name="a"):
    if a.ndim < 2:
        raise LinAlgError(f"{a.ndim}-dimensional array given. Array must be at least two-dimensional")
    if a.shape[-1] != a.shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    return a


def matrix_power(a, n):
    """Raise a square matrix (or a stack of them) to the integer power *n* (numpy.linalg.matrix_power).

    Parameters
    ----------
    a : (..., M, M) array_like
    n : int
        Any integer: ``n = 0`` gives the identity (in a's dtype), ``n < 0``
        the power of :func:`inv` (a).

    Returns
    -------
    (..., M, M) ndarray
        Of a's ndarray subclass for a subclass (numpy's ``asanyarray``: the
        products are :func:`matmul`'s and the inverse :func:`inv`'s, which
        keep it).

    Raises
    ------
    TypeError
        *n* is not an integer.
    LinAlgError
        *a* is not a (stack of) square matrices, or ``n < 0`` and a is singular.

    Notes
    -----
    Binary powering (Knuth, TAOCP vol. 2, Sec. 4.6.3): about ``2 log2|n|``
    products of :func:`matmul`, each ``2 M^3`` flops; ``n = 1, 2, 3`` take
    0, 1, 2 products as numpy's.
    """
    a = _square_stack(np.asanyarray(a))
    try:
        n = operator.index(n)
    except TypeError as exc:
        raise TypeError("exponent must be an integer") from exc
    if n == 0:
        out = np.empty_like(a)
        out[...] = np.eye(a.shape[-1], dtype=a.dtype)
        return out
    if n < 0:
        a = inv(a)
        n = -n
    if n == 1:
        return a.copy()
    if n == 2:
        return _mm(a, a)
    if n == 3:
        return _mm(_mm(a, a), a)
    result = None
    base = a
    while n:
        if n & 1:
            result = base if result is None else _mm(result, base)
        n >>= 1
        if n:
            base = _mm(base, base)
    return result


def _chain_order(dims: list[int]) -> list[list[int]]:
    """Split points of the cheapest parenthesisation of a matrix chain (dynamic programming).

    ``dims[i], dims[i+1]`` are the shape of matrix i.  ``split[i][j]`` is
    where the optimal product of matrices i..j splits (Cormen, Leiserson,
    Rivest & Stein, *Introduction to Algorithms*, Sec. 15.2): O(k^3) for k
    matrices, counting ``p q r`` scalar multiplications per product.
    """
    k = len(dims) - 1
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s
    return split


def multi_dot(arrays, *, out=None):
    """Product of two or more arrays in the cheapest order (numpy.linalg.multi_dot).

    Parameters
    ----------
    arrays : sequence of array_like
        The first may be 1-D (a row vector) and the last 1-D (a column
        vector); the others must be 2-D.
    out : ndarray, optional
        Where to put the result (its shape and dtype must be those of the
        result, as numpy's).

    Returns
    -------
    ndarray
        ``A @ B @ C @ ...`` (a numpy scalar for vector-matrix-...-vector),
        of the subclass ``np.dot`` gives a chain: the leftmost operand of
        highest ``__array_priority__`` (:func:`~jitla.linalg._wrap.dot_wrap`).

    Raises
    ------
    ValueError
        Fewer than two arrays, or shapes that do not chain.

    Notes
    -----
    The parenthesisation minimises the scalar multiplications by the
    classical matrix-chain dynamic programme (:func:`_chain_order`); each
    product runs on :func:`matmul`.  With three matrices of shapes
    (10, 1000), (1000, 5), (5, 500) the best order costs 75,000 multiply-
    adds, the left-to-right order 10,050,000.
    """
    arrays = [np.asanyarray(a) for a in arrays]
    wrap = dot_wrap(arrays)
    arrays = [np.asarray(a) for a in arrays]  # the products on plain arrays, the result wrapped once
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    if len(arrays) == 2:
        result = (
            np.dot(arrays[0], arrays[1]) if max(arrays[0].ndim, arrays[1].ndim) > 2 else _product(*arrays)
        )
        return _deliver(result, out, wrap)
    first_1d, last_1d = arrays[0].ndim == 1, arrays[-1].ndim == 1
    if first_1d:
        arrays[0] = arrays[0][np.newaxis, :]
    if last_1d:
        arrays[-1] = arrays[-1][:, np.newaxis]
    for a in arrays:
        if a.ndim != 2:
            raise LinAlgError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
    # numpy's convention: the chain's dimensions from each matrix's rows (and the last one's
    # columns); a chain that does not fit fails in the first product the optimal order reaches
    dims = [a.shape[0] for a in arrays] + [arrays[-1].shape[1]]
    split = _chain_order(dims)

    def product(i, j):
        if i == j:
            return arrays[i]
        s = split[i][j]
        return _product(product(i, s), product(s + 1, j))

    result = product(0, len(arrays) - 1)
    if first_1d and last_1d:
        result = result[0, 0]
    elif first_1d:
        result = result[0]
    elif last_1d:
        result = result[:, 0]
    return _deliver(result, out, wrap)


def _shape(shape) -> str:
    return "(" + ",".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _product(a, b):
    if a.shape[-1] != (b.shape[0] if b.ndim == 1 else b.shape[-2]):
        raise ValueError(
            f"shapes {_shape(a.shape)} and {_shape(b.shape)} not aligned: {a.shape[-1]} "
            f"(dim {a.ndim - 1}) != {b.shape[0]} (dim 0)"
        )
    return _mm(a, b)


def _deliver(result, out, wrap):
    """multi_dot's product as numpy returns it: into *out*, else through *wrap* (a scalar stays one)."""
    if out is None:
        return result if wrap is None or np.ndim(result) == 0 else wrap(result)
    if out.shape != np.shape(result):
        raise ValueError(f"out has shape {out.shape}, the result has shape {np.shape(result)}")
    out[...] = result
    return out


def tensordot(x1, x2, /, *, axes=2):
    """Sum of products over the given axes (numpy.linalg.tensordot), one :func:`matmul` after reshaping.

    Parameters
    ----------
    x1, x2 : array_like
    axes : int or (sequence, sequence)
        An int N: the last N axes of x1 with the first N of x2; or the two
        lists of axes to contract.

    Notes
    -----
    The contracted axes are moved together and both operands reshaped to
    matrices, so the work is one GEMM of ``(free1, k) x (k, free2)``.
    """
    a, b = np.asarray(x1), np.asarray(x2)
    if isinstance(axes, (int, np.integer)):
        ax_a = list(range(a.ndim - axes, a.ndim))
        ax_b = list(range(axes))
    else:
        ax_a, ax_b = ([x] if np.ndim(x) == 0 else list(x) for x in axes)
    if len(ax_a) != len(ax_b):
        raise ValueError("shape-mismatch for sum")
    ax_a = [x % a.ndim for x in ax_a] if a.ndim else ax_a
    ax_b = [x % b.ndim for x in ax_b] if b.ndim else ax_b
    for i, j in zip(ax_a, ax_b, strict=True):
        if a.shape[i] != b.shape[j]:
            raise ValueError("shape-mismatch for sum")
    free_a = [i for i in range(a.ndim) if i not in ax_a]
    free_b = [j for j in range(b.ndim) if j not in ax_b]
    k = int(np.prod([a.shape[i] for i in ax_a], dtype=np.int64))
    A = a.transpose(free_a + ax_a).reshape(-1, k)
    B = b.transpose(ax_b + free_b).reshape(k, -1)
    shape = [a.shape[i] for i in free_a] + [b.shape[j] for j in free_b]
    return _mm(A, B).reshape(shape)


def tensorsolve(a, b, axes=None):
    """Solve ``tensordot(a, x, axes=x.ndim) = b`` for x (numpy.linalg.tensorsolve).

    The leading ``b.ndim`` axes of *a* index the equations, the rest the
    unknowns (after moving the *axes* to the end); both groups must have
    the same total size, and the problem is one :func:`solve`.  An ndarray
    subclass *a* gets x back through its ``__array_wrap__``, as numpy.
    """
    wrap = array_wrap(a)
    a, b = np.asarray(a), np.asarray(b)
    if axes is not None:
        order = [i for i in range(a.ndim) if i not in [x % a.ndim for x in axes]]
        a = a.transpose(order + [x % a.ndim for x in axes])
    x_shape = a.shape[b.ndim :]
    size = int(np.prod(x_shape, dtype=np.int64))
    if int(np.prod(a.shape[: b.ndim], dtype=np.int64)) != size:
        raise LinAlgError(
            "Input arrays must satisfy the requirement prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])"
        )
    x = solve(a.reshape(size, size), b.ravel())
    # numpy wraps the solution vector, then gives it x's shape
    return x.reshape(x_shape) if wrap is None else wrap(x).reshape(x_shape)


def tensorinv(a, ind=2):
    """Inverse of a tensor for ``tensordot`` over its first *ind* axes (numpy.linalg.tensorinv)."""
    a = np.asarray(a)
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    out_shape = a.shape[ind:] + a.shape[:ind]
    rows = int(np.prod(a.shape[:ind], dtype=np.int64))
    return inv(a.reshape(rows, -1)).reshape(out_shape)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """Norm of each matrix in a stack over the last two axes (numpy.linalg.matrix_norm; :func:`norm`)."""
    x = np.asarray(x)
    if x.ndim < 2:
        raise np.exceptions.AxisError(-2, x.ndim)
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """Vector norm over *axis* (all elements by default), numpy.linalg.vector_norm's signature and rules.

    *axis* None flattens (so a matrix gives the norm of its entries, not a
    matrix norm); a tuple of axes is flattened together.
    """
    x = np.asarray(x)
    if axis is None:
        flat = x.ravel()
        out = norm(flat, ord=ord)
        if keepdims:
            return np.reshape(out, (1,) * x.ndim)
        return out
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(a % x.ndim for a in axes) if x.ndim else axes
    if len(axes) == 1:
        return norm(x, ord=ord, axis=axes[0], keepdims=keepdims)
    rest = [i for i in range(x.ndim) if i not in axes]
    moved = x.transpose(rest + list(axes)).reshape([x.shape[i] for i in rest] + [-1])
    out = norm(moved, ord=ord, axis=-1)
    if keepdims:
        shape = [1 if i in axes else x.shape[i] for i in range(x.ndim)]
        out = np.reshape(out, shape)
    return out


def outer(x1, x2, /):
    """Outer product of two vectors (numpy.linalg.outer: 1-D inputs only)."""
    a, b = np.asarray(x1), np.asarray(x2)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(
            f"Input arrays must be one-dimensional, but they are x1.ndim={a.ndim} and x2.ndim={b.ndim}."
        )
    return np.outer(a, b)


def cross(x1, x2, /, *, axis=-1):
    """Cross product of 3-vectors (numpy.linalg.cross: vectors of length 3 only)."""
    a, b = np.asarray(x1), np.asarray(x2)
    if a.shape[axis] != 3 or b.shape[axis] != 3:
        raise ValueError(
            "Both input arrays must be (arrays of) 3-dimensional vectors, but they are "
            f"{a.shape[axis]} and {b.shape[axis]} dimensional instead."
        )
    return np.cross(a, b, axis=axis)


def vecdot(x1, x2, /, *, axis=-1):
    """Vector dot product over *axis* with the first argument conjugated (numpy.linalg.vecdot)."""
    return np.vecdot(x1, x2, axis=axis)


def matrix_transpose(x, /):
    """Swap the last two axes of a stack of matrices (numpy.linalg.matrix_transpose): a view of x."""
    x = np.asanyarray(x)
    if x.ndim < 2:
        raise ValueError(f"Input array must be at least 2-dimensional, but it is {x.ndim}")
    return np.swapaxes(x, -1, -2)


def diagonal(x, /, *, offset=0):
    """Diagonals of a stack of matrices over the last two axes (numpy.linalg.diagonal; a view)."""
    return np.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def trace(x, /, *, offset=0, dtype=None):
    """Traces of a stack of matrices over the last two axes (numpy.linalg.trace)."""
    return np.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)
