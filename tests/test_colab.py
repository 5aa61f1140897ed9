"""Every notebook opens in Colab: its badge line and its Colab-only install lines are current."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from nnlab import course
from tools import colab

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_current_badges_and_colab_install_lines(path: Path):
    assert colab.up_to_date(path) == [], f"run: python -m tools.colab {path} && make notebooks"


def test_the_install_lines_do_nothing_outside_colab_and_pin_the_release():
    lines = colab.install_lines()
    assert 'if "google.colab" in sys.modules:' in lines
    assert course.colab_install_requirement() in lines
    assert course.release_ref() in lines
    namespace: dict = {}
    exec(compile(lines, "<install>", "exec"), namespace)  # outside Colab: installs nothing
    assert "requirement" not in namespace


def test_update_rewrites_a_stale_notebook_once_and_keeps_the_cell(tmp_path: Path):
    path = tmp_path / NOTEBOOKS[0].name
    shutil.copy(NOTEBOOKS[0], path)
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    body = colab._strip_install(first.source)
    first.source = body  # as a notebook without the lines
    nb.cells[0].source = nb.cells[0].source.replace(
        course.colab_badge(f"notebooks/{path.name}"), ""
    )
    nbformat.write(nb, path)
    assert colab.up_to_date(path) != []
    assert colab.update(path) is True
    assert colab.up_to_date(path) == []
    assert colab.update(path) is False  # a second run changes nothing
    again = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert again.source.endswith(body)


def test_a_header_without_a_binder_badge_is_refused(tmp_path: Path):
    path = tmp_path / NOTEBOOKS[0].name
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    nb.cells[0].source = "# A notebook without badges"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="no '\\[!\\[Launch on Binder\\]' badge line"):
        colab.update(path)
