"""DESIGN.md's layers, checked by reading the imports (ast), not by trusting the prose.

_jit/_threads < kernels < config/_validate < linalg < distributed < regression < profiling/cli:

* a kernel module imports only ``jitla._jit`` (and ``_threads``, which it
  uses) and other kernel modules;
* linalg never imports regression, profiling or the CLI;
* distributed (Dask's tree reductions) calls only jitla.linalg;
* regression imports no kernel module and no Numba: it calls jitla.linalg
  (public functions, or the checked wrappers of ``jitla.linalg._checked``);
* nothing outside profiling and the CLI imports them;
* no two modules import each other, directly or around a longer loop,
  counting imports inside functions too (they run sooner or later).

The checker itself is tested on small made-up sources, so that a rule that
cannot fail would be noticed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "jitla"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = ("jitla",) + path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, name: str, is_package: bool, known: set[str]) -> set[str]:
    """Modules of *known* that the module *name* imports, anywhere in its body (not in strings)."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # "from jitla import config" imports the module jitla.config
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names
            ]
        else:
            continue
        for target in targets:
            # "import jitla.kernels.gemm" names a module; "import numba.core.x" is outside jitla
            while target and target not in known and target.startswith("jitla"):
                target = target.rpartition(".")[0]
            if target in known and target != name:
                found.add(target)
            elif target.split(".")[0] == "numba":
                found.add("numba")
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    paths = sorted(root.rglob("*.py"))
    known = {module_name(p, root) for p in paths}
    return {
        module_name(p, root): imports_of(p.read_text(), module_name(p, root), p.name == "__init__.py", known)
        for p in paths
    }


def layer(name: str) -> str:
    parts = name.split(".")
    if len(parts) == 1:
        return "package"
    top = parts[1]
    if top in ("kernels", "linalg", "distributed", "regression", "profiling"):
        return top
    if top in ("cli", "__main__"):
        return "profiling"
    if top in ("_jit", "_threads"):  # Numba's options, and the guard every parallel launch goes through
        return "jit"
    if top == "_warmup":  # calls both public APIs (linalg and regression), as a user would
        return "profiling"
    return "support"  # config, _validate


#: Layers each layer may import (besides itself and modules outside jitla).
ALLOWED = {
    "jit": set(),
    "kernels": {"jit"},
    "support": {"jit", "kernels"},
    "linalg": {"jit", "kernels", "support"},
    "distributed": {"support", "linalg"},
    "regression": {"support", "linalg", "distributed"},
    "profiling": {"jit", "kernels", "support", "linalg", "distributed", "regression", "package"},
    "package": set(),
}


def violations(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for name, targets in graph.items():
        mine = layer(name)
        for target in sorted(targets):
            if target == "numba":
                if mine == "regression":
                    found.append(f"{name} imports numba (kernel choice belongs to jitla.linalg)")
                continue
            theirs = layer(target)
            if theirs != mine and theirs not in ALLOWED[mine]:
                found.append(f"{name} ({mine}) imports {target} ({theirs})")
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, on_stack, stack, result = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


# --------------------------------------------------------------------------
# the package
# --------------------------------------------------------------------------
def test_no_layer_imports_upward():
    assert violations(import_graph()) == []


def test_no_import_cycles():
    # package __init__ files re-export their submodules; a submodule importing
    # its own package's __init__ would be a loop, and is reported too
    assert cycles(import_graph()) == []


def test_the_graph_sees_the_known_edges():
    graph = import_graph()
    assert "jitla.kernels.gemm" in graph["jitla.kernels.lu"]
    assert "jitla.linalg._refine" in graph["jitla.linalg._lu"]
    assert "jitla.linalg._checked" in graph["jitla.regression._influence"]
    # function-level imports count
    assert "jitla.kernels._tile" in graph["jitla.config"]
    assert "jitla.regression._summary" in graph["jitla.regression._results"]


# --------------------------------------------------------------------------
# the checker on made-up packages
# --------------------------------------------------------------------------
def _fake_package(tmp_path, files: dict[str, str]) -> Path:
    root = tmp_path / "jitla"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for directory in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        (directory / "__init__.py").touch()
    return root


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"kernels/a.py": "from jitla import config\n", "config.py": ""},
            "jitla.kernels.a (kernels) imports jitla.config",
        ),
        (
            {"kernels/a.py": "def f():\n    import jitla.linalg.b\n", "linalg/b.py": ""},
            "imports jitla.linalg.b (linalg)",
        ),
        (
            {"linalg/a.py": "from jitla.regression import b\n", "regression/b.py": ""},
            "imports jitla.regression.b",
        ),
        (
            {"regression/a.py": "from jitla.kernels.k import f\n", "kernels/k.py": ""},
            "imports jitla.kernels.k",
        ),
        ({"regression/a.py": "import numba\n"}, "imports numba"),
        (
            {"linalg/a.py": "from jitla.profiling import x\n", "profiling/x.py": ""},
            "imports jitla.profiling.x",
        ),
        ({"linalg/a.py": "from .. import cli\n", "cli.py": ""}, "imports jitla.cli"),
    ],
)
def test_checker_reports_an_upward_import(tmp_path, files, expected):
    root = _fake_package(tmp_path, files)
    found = violations(import_graph(root))
    assert any(expected in line for line in found), found


def test_checker_allows_downward_imports(tmp_path):
    root = _fake_package(
        tmp_path,
        {
            "kernels/a.py": "from jitla._jit import kernel\nfrom jitla.kernels import b\n",
            "kernels/b.py": "",
            "_jit.py": "",
            "linalg/c.py": "from jitla import config\nfrom jitla.kernels.a import x\nimport numba\n",
            "config.py": "def f():\n    from jitla.kernels import a\n",
            "regression/d.py": "from jitla.linalg import c\n",
        },
    )
    assert violations(import_graph(root)) == []


def test_checker_finds_a_cycle_through_a_function_level_import(tmp_path):
    root = _fake_package(
        tmp_path,
        {
            "linalg/a.py": "from jitla.linalg.b import g\n",
            "linalg/b.py": "def g():\n    from jitla.linalg.c import h\n",
            "linalg/c.py": "def h():\n    from jitla.linalg import a\n",
        },
    )
    assert cycles(import_graph(root)) == [["jitla.linalg.a", "jitla.linalg.b", "jitla.linalg.c"]]
