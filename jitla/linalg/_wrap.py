"""numpy's rules for the type of a result when an operand is an ndarray subclass.

numpy hands a result back as the subclass of one operand (``np.matrix``,
``np.ma.MaskedArray``, a user's own subclass), by one of three rules:

* numpy.linalg (``_makearray`` in ``numpy/linalg/_linalg.py``): the result
  goes through the ``__array_wrap__`` of one named argument (``a`` for
  inv, qr, svd, ..., ``b`` for solve and lstsq) -- :func:`array_wrap`;
* ufuncs, ``np.matmul`` among them (``npy_find_array_wrap`` in numpy's C
  source): the operand of highest ``__array_priority__``, the first of
  equals, where a subclass of priority 0 beats a plain ndarray --
  :func:`ufunc_wrap`;
* ``np.dot``, and so ``numpy.linalg.multi_dot``: the left operand's type
  unless the right one's priority is strictly higher, which along a chain
  is the leftmost operand of highest priority -- :func:`dot_wrap`.

Each returns the chosen operand's ``__array_wrap__``, or None when the
result stays a plain ndarray.  They belong to the API layer's general
paths only: every fast path first tests ``type(a) is np.ndarray``, which a
subclass fails, so a plain ndarray never pays for them there.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["array_wrap", "call_ufunc_wrap", "dot_wrap", "ufunc_wrap"]


def array_wrap(a):
    """numpy.linalg's result wrapping: ``a.__array_wrap__`` for an ndarray subclass, else None.

    Only ndarray subclasses are wrapped (numpy also takes ``__array_wrap__``
    from other objects; jitla converts those with ``np.asarray``).
    """
    if type(a) is not np.ndarray and isinstance(a, np.ndarray):
        return a.__array_wrap__
    return None


def _priority(a) -> float:
    """``__array_priority__`` of an ndarray (0 for a plain one, as numpy's ``PyArray_GetPriority``)."""
    return float(getattr(a, "__array_priority__", 0.0))


def ufunc_wrap(*operands):
    """The ``__array_wrap__`` a ufunc such as ``np.matmul`` gives its result, or None.

    numpy's ``npy_find_array_wrap``: a plain ndarray counts with priority
    0 and no wrap; a subclass replaces the choice so far when its priority
    is higher, or when it is 0 and the choice so far is a plain ndarray.
    Operands that are not ndarrays (lists) take no part.
    """
    wrap = None
    priority = None
    for a in operands:
        if type(a) is np.ndarray:
            if priority is None or priority < 0.0:
                wrap, priority = None, 0.0
        elif isinstance(a, np.ndarray):
            p = _priority(a)
            if priority is None or priority < p or (p == 0.0 and wrap is None):
                wrap, priority = a.__array_wrap__, p
    return wrap


def call_ufunc_wrap(wrap, result, context, return_scalar):
    """``wrap(result, context, return_scalar)`` as a ufunc calls it (numpy's ``npy_apply_wrap``).

    A subclass whose ``__array_wrap__`` takes only ``(obj, context)`` (the
    numpy 1 signature) raises TypeError on three arguments: numpy then
    calls it with two and warns (DeprecationWarning, numpy 2.0), and so
    does this.  Any other exception propagates.
    """
    try:
        return wrap(result, context, return_scalar)
    except TypeError:
        pass
    wrapped = wrap(result, context)
    warnings.warn(
        "__array_wrap__ must accept context and return_scalar arguments (positionally) in the future. "
        "(Deprecated NumPy 2.0)",
        DeprecationWarning,
        stacklevel=3,
    )
    return wrapped


def dot_wrap(operands):
    """The ``__array_wrap__`` for a chain of ``np.dot`` products of *operands*, or None.

    ``np.dot(a, b)`` returns a's type unless b's priority is strictly
    higher; in any parenthesisation of a chain that picks the leftmost
    operand of highest priority.
    """
    if all(type(a) is np.ndarray or not isinstance(a, np.ndarray) for a in operands):
        return None
    priorities = [_priority(a) if isinstance(a, np.ndarray) else 0.0 for a in operands]
    return array_wrap(operands[priorities.index(max(priorities))])
