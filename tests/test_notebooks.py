"""Execute every learning notebook (jupytext percent-format .py) end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9]*.py"))


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS][:1] == ["01_gemm_and_caches.py"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path):
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
