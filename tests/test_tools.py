"""The maintainer tools: notebook clean-up, student versions and the runaway guard."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools import nbtiming, student
from tools.nbtools import clean


def _cell(source, tags=(), outputs=()):
    cell = new_code_cell(source, outputs=list(outputs), execution_count=1)
    cell.metadata = {"tags": list(tags), "collapsed": False, "execution": {"t": 1}}
    return cell


def _notebook():
    nb = new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3"}, "widgets": {"state": 1}, "author": "me"}
    out = new_output("stream", name="stdout", text="42\n")
    nb.cells = [
        new_markdown_cell("# 99 Test"),
        _cell("x = 1", outputs=[out]),
        _cell("def f():\n    raise NotImplementedError", tags=["exercise"]),
        _cell("def f():\n    return 1", tags=["solution"]),
        _cell("check_f(f)", tags=["check"], outputs=[out]),
        _cell("print(x)", outputs=[out]),
    ]
    return nb


def test_clean_drops_personal_metadata_and_keeps_tags():
    nb = clean(_notebook())
    assert set(nb.metadata) == {"kernelspec"}
    assert all(set(c.metadata) <= {"tags"} for c in nb.cells)
    assert nb.cells[2].metadata["tags"] == ["exercise"]


def test_student_version_removes_solutions_and_their_outputs():
    nb = student.to_student(_notebook())
    sources = [c.source for c in nb.cells]
    assert "def f():\n    return 1" not in sources
    assert "def f():\n    raise NotImplementedError" in sources
    check = next(c for c in nb.cells if "check" in student.tags(c))
    assert check.outputs == [] and check.execution_count is None
    assert nb.cells[-1].outputs, "outputs that do not depend on solutions stay"


def _executed(check_error, other_error=None):
    nb = _notebook()
    nb.cells[4].outputs = []
    if check_error:
        nb.cells[4].outputs = [new_output("error", ename=check_error, evalue="hint", traceback=[])]
    if other_error:
        nb.cells[5].outputs = [new_output("error", ename=other_error, evalue="x", traceback=[])]
    return nb


def test_verify_accepts_clean_check_failures_only():
    assert student.problems(_executed("CheckFailed")) == []
    assert "got NameError" in student.problems(_executed("NameError"))[0]
    assert "got no error" in student.problems(_executed(None))[0]
    assert "ValueError" in student.problems(_executed("CheckFailed", "ValueError"))[0]


def test_runaway_guard_flags_only_notebooks_past_twice_their_budget():
    seconds = {"notebooks/00_a.ipynb": 59.0, "notebooks/01_b.ipynb": 91.0}
    assert nbtiming.budget("notebooks/00_a.ipynb") == 30.0
    assert nbtiming.budget("notebooks/01_b.ipynb") == 45.0
    assert nbtiming.runaways(seconds) == ["notebooks/01_b.ipynb"]


def test_runaway_guard_fails_the_nbval_session(pytester, monkeypatch):
    nb = new_notebook(cells=[new_code_cell("import time\ntime.sleep(0.3)")])
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    nbformat.write(nb, pytester.path / "07_slow.ipynb")
    monkeypatch.setattr(nbtiming, "DEFAULT_BUDGET_SECONDS", 0.1)
    monkeypatch.setattr(nbtiming, "_seconds", type(nbtiming._seconds)(float))
    result = pytester.runpytest_inprocess(
        "-p", "tools.nbtiming", "--nbval-lax", "--nbval-current-env", "07_slow.ipynb"
    )
    result.stdout.fnmatch_lines(["*07_slow.ipynb*RUNAWAY*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
