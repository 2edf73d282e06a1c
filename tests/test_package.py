"""What a newcomer meets first: the package's attributes, its error messages, its reprs."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import jitla

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_subpackages_are_attributes_of_jitla():
    for name in ("linalg", "regression", "kernels", "config", "profiling"):
        assert getattr(jitla, name).__name__ == f"jitla.{name}"
        assert name in dir(jitla)


def test_version_is_the_project_version():
    assert jitla.__version__ == PYPROJECT["project"]["version"]


def test_public_warnings_are_importable_from_the_public_modules():
    from jitla.linalg import LstsqRankWarning, lstsq
    from jitla.regression import CollinearityWarning, InfluenceWarning

    assert lstsq.__module__.startswith("jitla.linalg")
    assert issubclass(LstsqRankWarning, UserWarning)
    assert issubclass(CollinearityWarning, UserWarning) and issubclass(InfluenceWarning, UserWarning)


def test_every_extra_named_in_an_error_message_exists():
    extras = set(PYPROJECT["project"]["optional-dependencies"])
    named = set()
    for path in (ROOT / "jitla").rglob("*.py"):
        named |= set(re.findall(r"jitla\[(\w+)\]", path.read_text()))
    assert named, "no install hints found: the pattern is stale"
    assert named <= extras, sorted(named - extras)


def test_registry_entries_print_without_function_objects():
    from jitla.kernels import registry

    text = repr(registry("lu"))
    assert "lu" in text and "unblocked" in text
    assert "<function" not in text and "CPUDispatcher" not in text


def test_comments_and_docstrings_carry_no_issue_numbers():
    # issue numbers (and before/after timings) belong in the devlog
    offenders = [
        f"{path.relative_to(ROOT)}:{i}"
        for path in sorted((ROOT / "jitla").rglob("*.py"))
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bissue #\d", line)
    ]
    assert offenders == []


def test_importing_config_loads_no_numba():
    # config used to import the register tile from the kernels (and so Numba) at import time
    code = "import sys, jitla.config as c\nprint('numba' in sys.modules, c.LU_PARALLEL_MIN > 0)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["False", "True"]
    assert jitla.config.tile_shape("float64")[0] == jitla.config.MR
