"""Hygiene of the committed notebooks: executed in order, clean, with the course's structure.

nbval (``make notebooks-test``) runs them; these tests check the stored files themselves.
"""

import json
import re
from pathlib import Path

import pytest

import nnlab

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ALLOWED_TAGS = {"exercise", "solution", "check", "widget"}
# Machine paths, memory addresses and timings must never reach a stored output.
FORBIDDEN_OUTPUT = [
    (re.compile(r"/(root|tmp|work|home|Users)/"), "a local path"),
    (re.compile(r"0x[0-9a-f]{8,}"), "a memory address"),
    (
        re.compile(r"\d+(\.\d+)?\s*(it/s|s/it)|Wall time|CPU times|\d+\.\d+\s*(s|ms|µs)\b"),
        "a timing",
    ),
]


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_introduction.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_name_size_and_metadata(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name)
    assert path.stat().st_size < 1.5 * 2**20, "keep notebooks light: smaller figures"
    nb = _load(path)
    assert set(nb["metadata"]) <= {"kernelspec", "language_info"}
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {})) <= {"tags"}, "run `make clean-notebooks`"
        assert set(cell["metadata"].get("tags", [])) <= ALLOWED_TAGS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_was_executed_top_to_bottom_without_errors(path):
    code = [c for c in _load(path)["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "re-run with `make notebooks`"
    for cell in code:
        for output in cell["outputs"]:
            assert output["output_type"] != "error", _source(cell)[:80]
            text = json.dumps(
                {k: v for k, v in output.get("data", output).items() if k != "image/png"}
            )
            for pattern, what in FORBIDDEN_OUTPUT:
                assert not pattern.search(text), f"an output shows {what}: {_source(cell)[:60]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_structure(path):
    cells = _load(path)["cells"]
    first_code = next(c for c in cells if c["cell_type"] == "code")
    assert "import nnlab" in _source(first_code)
    assert "nnlab.__version__" in _source(first_code)
    header = _source(cells[0])
    assert header.startswith(f"# {path.name[:2]} ")
    assert nnlab.binder_badge(f"notebooks/{path.name}") in header
    markdown = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")
    for heading in ("What you will learn", "Summary", "Further reading", "Questionnaire"):
        assert heading in markdown, f"missing section: {heading}"
    assert "<details>" in markdown.split("Questionnaire", 1)[1], "answers go in <details>"
    assert any("assert " in _source(c) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_have_stub_solution_and_check(path):
    cells = _load(path)["cells"]
    tags = [t for c in cells for t in c.get("metadata", {}).get("tags", [])]
    n = tags.count("exercise")
    assert n == tags.count("solution") and n <= tags.count("check")
    for cell in cells:
        cell_tags = cell.get("metadata", {}).get("tags", [])
        if "exercise" in cell_tags:
            assert "NotImplementedError" in _source(cell)
        if "check" in cell_tags:
            assert "check_" in _source(cell)
    if path.name != "00_introduction.ipynb":
        assert n >= 2, "every topic notebook has at least two exercises"
