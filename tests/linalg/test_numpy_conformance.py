"""numpy's own ``numpy/linalg/tests/test_linalg.py``, run against :mod:`jitla.linalg`.

The file ships inside numpy.  It is loaded afresh under another module name
(numpy's own copy is left alone), and in that copy the name ``linalg`` and
the functions it imports from ``numpy.linalg`` (``norm``, ``matrix_power``,
``matrix_rank``, ``multi_dot``) are rebound to jitla's; names jitla does not
have stay numpy's.  Its test classes are then collected from here.  Nothing
of numpy's code is copied into this repository, and the module skips when
the file is absent (numpy installed without its tests).

Every test that still fails is listed in :data:`XFAIL` with the reason.
Failures in functions another piece of work is porting to complex carry the
reason ``"complex <name>: x2"``.
"""

from __future__ import annotations

import importlib.util
import pathlib
import types

import numpy as np
import pytest

import jitla.linalg

_PATH = pathlib.Path(np.__file__).parent / "linalg" / "tests" / "test_linalg.py"
if not _PATH.is_file():  # pragma: no cover - numpy installed without its tests
    pytest.skip(f"numpy's test_linalg.py is not installed ({_PATH})", allow_module_level=True)


def _jitla_namespace() -> types.SimpleNamespace:
    """``numpy.linalg`` with every name jitla.linalg also has replaced by jitla's."""
    names = {name: getattr(np.linalg, name) for name in dir(np.linalg) if not name.startswith("__")}
    for name in list(names):
        if hasattr(jitla.linalg, name):
            names[name] = getattr(jitla.linalg, name)
    return types.SimpleNamespace(**names)


def _load_numpy_tests() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("_jitla_numpy_test_linalg", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    namespace = _jitla_namespace()
    module.linalg = namespace
    for name in ("norm", "matrix_power", "matrix_rank", "multi_dot"):
        setattr(module, name, getattr(namespace, name))
    return module


_numpy_tests = _load_numpy_tests()

#: (class, test) -> why it fails.  A parametrised test is listed once for all its cases
#: (``strict=False``: the cases that pass are reported as XPASS).
XFAIL: dict[tuple[str, str], str] = {}


def _collect() -> dict[str, object]:
    classes = {}
    for name, obj in vars(_numpy_tests).items():
        if isinstance(obj, type) and name.startswith("Test"):
            for (cls_name, test), reason in XFAIL.items():
                if cls_name == name:
                    func = getattr(obj, test)
                    setattr(obj, test, pytest.mark.xfail(reason=reason, strict=False)(func))
            classes[name] = obj
        elif name.startswith("test_") and callable(obj):
            classes[name] = obj
    return classes


globals().update(_collect())
