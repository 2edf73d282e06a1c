"""Every ```python example of README.md runs, so the README cannot drift from the code.

Examples that need an optional extra that is not installed are skipped.
One substitution keeps the test cheap: ``jitla.warmup()`` (which compiles
every kernel for two dtypes, minutes on a cold cache) runs for one small
kernel only, through the real function.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import jitla

README = Path(__file__).resolve().parents[1] / "README.md"


def optional_needs(code: str) -> list[str]:
    """Optional extras an example needs: what it imports, formulas, the regression layer's p-values."""
    needs = re.findall(r"^\s*(?:import|from) (pandas|scipy|formulaic|sklearn)\b", code, flags=re.M)
    if re.search(r"\bols\(\s*[\"']", code):
        needs.append("formulaic")
    if "jitla.regression" in code:
        needs.append("scipy")
    return needs


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_readme_has_python_examples():
    blocks = python_blocks(README.read_text())
    assert len(blocks) >= 2
    assert python_blocks("x\n```python\na = 1\n```\n```\nshell\n```\n") == ["a = 1\n"]
    assert optional_needs('import pandas as pd\nres = ols("y ~ x", data=df)') == ["pandas", "formulaic"]


@pytest.mark.parametrize("index", range(len(python_blocks(README.read_text()))))
def test_readme_example_runs(index, monkeypatch, capsys):
    code = python_blocks(README.read_text())[index]
    for module in optional_needs(code):
        pytest.importorskip(module)
    real = jitla.warmup
    monkeypatch.setattr(jitla, "warmup", lambda *a, **k: real(ops=["dot"], dtypes=["float64"]))
    exec(compile(code, f"README.md example {index}", "exec"), {"__name__": "readme"})
    capsys.readouterr()
