"""Execute every learning notebook (jupytext percent-format .py) end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9]*.py"))


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS][:1] == ["01_gemm_and_caches.py"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_a_lesson(path):
    """It says its course week, leaves the plotting backend to Jupyter, and hides its solutions."""
    text = path.read_text()
    assert re.search(r"^# \*\*Course weeks? \d", text, flags=re.M), "no '**Course week N**' line"
    assert not re.search(r"matplotlib\.use\(", text), "a forced backend shows no plots in Jupyter"
    headers = re.findall(r"^# %%.*$", text, flags=re.M)
    solutions = [h for h in headers if '"solution"' in h]
    if "Exercises" in text:
        assert solutions, "exercises without a hidden solution cell"
    assert all('"source_hidden": true' in h for h in solutions), "a solution cell shown by default"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path, monkeypatch):
    # Headless and cheap: figures are drawn but not rendered to PNG outputs (Jupyter's own
    # inline backend shows them to a reader; the docs build renders them).
    monkeypatch.setenv("MPLBACKEND", "Agg")
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    notebook = jupytext.read(path)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells, "a notebook without code"
    for cell in code_cells:
        errors = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
        assert not errors, f"cell failed: {cell.source[:80]!r}"
    if path.stem.startswith("01_"):
        text = "".join(
            out.get("text", "")
            for cell in code_cells
            for out in cell.get("outputs", [])
            if out.get("name") == "stdout"
        )
        assert "bitwise identical: True" in text


def test_every_notebook_is_on_the_course_map():
    course = (Path(__file__).parent.parent / "docs" / "course.md").read_text()
    missing = [p.stem for p in NOTEBOOKS if f"notebooks/{p.stem}.ipynb" not in course]
    assert not missing, f"notebooks without a row in docs/course.md: {missing}"
