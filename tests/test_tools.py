"""The maintainer tools: notebook clean-up, student versions and the runaway guard."""

import datetime

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import nnlab
from tools import guide, nbtiming, student
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


def test_student_version_drops_the_binder_badge_and_says_what_it_is():
    nb = _notebook()
    nb.cells[0].source = (
        "# 99 · Test\n\n" + nnlab.binder_badge("notebooks/99_test.ipynb") + "\n\nText"
    )
    out = student.to_student(nb)
    assert "Binder" not in out.cells[0].source and out.cells[0].source.startswith("# 99 · Test")
    assert "Text" in out.cells[0].source
    assert out.cells[1].source.startswith("> **Student version.**")


def _flow(*cells):
    """A notebook of code cells given as (source, tags) pairs."""
    nb = new_notebook()
    nb.cells = [_cell(source, tags) for source, tags in cells]
    return nb


def test_dependents_follow_names_from_a_solution_through_later_cells():
    nb = _flow(
        ("import numpy as np\nx = np.ones(3)", ()),
        ("def f(v):\n    raise NotImplementedError", ["exercise"]),
        ("import numpy as np\ndef f(v):\n    return 2 * v", ["solution"]),
        ("check_f(f)", ["check"]),
        ("y = f(x)", ()),  # depends on the solution
        ("z = [y_i + 1 for y_i in y]", ()),  # depends on it through y
        ("w = np.zeros(2)\nprint(w)", ()),  # np was imported before: not tainted
        ("y = 3\nprint(y)", ()),  # rebinds y without reading a tainted name
        ("print(y)", ()),  # clean again
        ("%time g = lambda: f(1)", ()),  # IPython syntax is understood
    )
    assert student.solution_dependents(nb) == [3, 4, 5, 9]


def test_student_version_clears_the_outputs_of_cells_that_depend_on_a_solution():
    nb = _notebook()
    out = new_output("stream", name="stdout", text="1\n")
    nb.cells.append(_cell("print(f())", outputs=[out]))
    nb.cells.append(_cell("print(x)", outputs=[out]))
    student_nb = student.to_student(nb)
    assert student_nb.cells[-2].outputs == [] and student_nb.cells[-2].execution_count is None
    assert student_nb.cells[-1].outputs, "x does not depend on the solution"


def _error(ename, evalue="hint", traceback=None):
    if traceback is None:
        traceback = [student.CHECK_FAILED_PREFIX + evalue]
    return new_output("error", ename=ename, evalue=evalue, traceback=traceback)


def _executed(check_error, other_error=None):
    nb = _notebook()
    nb.cells[4].outputs = [_error(check_error)] if check_error else []
    if other_error:
        nb.cells[5].outputs = [_error(other_error, "x", [])]
    return nb


def test_verify_accepts_clean_check_failures_only():
    assert student.problems(_executed("CheckFailed")) == []
    assert "got NameError" in student.problems(_executed("NameError"))[0]
    assert "got no error" in student.problems(_executed(None))[0]
    assert "ValueError" in student.problems(_executed("CheckFailed", "ValueError"))[0]


@pytest.mark.parametrize(
    "error, problem",
    [
        (_error("CheckFailed", "shape (3,) expected (2,)"), None),
        (
            _error("CheckFailed", "hint", ["Traceback", "  File ...", "CheckFailed: hint"]),
            "traceback",
        ),
        (_error("CheckFailed", ""), "without a hint"),
        (_error("CheckFailed", "x" * 400), "one short line"),
        (_error("CheckFailed", "two\nlines"), "one short line"),
        (_error("NotImplementedError", "todo"), "got NotImplementedError"),
    ],
)
def test_a_check_must_show_its_hint_as_one_line(error, problem):
    found = student.hint_problem(error)
    assert found is None if problem is None else problem in found


def test_verify_runs_a_real_student_version_and_checks_the_hint_shown(tmp_path, capsys):
    course = _course_notebook()
    path = tmp_path / "student" / "98_tiny.ipynb"
    student.build([_write(tmp_path / "98_tiny.ipynb", course)], tmp_path / "student")
    assert student.verify([path]) == 0
    shown = capsys.readouterr().out
    assert "ok: 98_tiny.ipynb: 2 checks" in shown
    assert "shows: \u274c Check failed: `double` is not written yet" in shown
    assert "shows: \u274c Check failed: choose one of" in shown


def test_runaway_guard_flags_only_notebooks_past_twice_their_budget():
    seconds = {"notebooks/00_a.ipynb": 59.0, "notebooks/02_b.ipynb": 91.0}
    assert nbtiming.budget("notebooks/00_a.ipynb") == 30.0
    assert nbtiming.budget("notebooks/01_b.ipynb") == 30.0
    assert nbtiming.budget("notebooks/02_b.ipynb") == 45.0
    assert nbtiming.runaways(seconds) == ["notebooks/02_b.ipynb"]
    assert nbtiming.runaways(seconds, load=0.5) == ["notebooks/02_b.ipynb"]  # never below 2×


def test_runaway_guard_widens_by_the_load_per_core_on_a_busy_machine():
    seconds = {"notebooks/00_a.ipynb": 70.0, "notebooks/02_b.ipynb": 240.0}
    assert nbtiming.runaways(seconds, load=2.5) == ["notebooks/02_b.ipynb"]  # guards 150 s, 225 s
    assert nbtiming.runaways(seconds, load=1.1) == list(seconds)
    assert nbtiming.runaways(seconds, load=5.0) == []
    with pytest.raises(ValueError, match="load must be a positive number"):
        nbtiming.runaways(seconds, load=0.0)


def test_runaway_guard_fails_the_nbval_session(pytester, monkeypatch):
    nb = new_notebook(cells=[new_code_cell("import time\ntime.sleep(0.3)")])
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    nbformat.write(nb, pytester.path / "98_slow.ipynb")
    monkeypatch.setattr(nbtiming, "DEFAULT_BUDGET_SECONDS", 0.1)
    monkeypatch.setattr(nbtiming, "_seconds", type(nbtiming._seconds)(float))
    monkeypatch.setattr(nbtiming, "_load_per_core", [1.0])
    monkeypatch.setattr(nbtiming, "load_per_core", lambda: 1.0)  # as on a quiet machine
    result = pytester.runpytest_inprocess(
        "-p", "tools.nbtiming", "--nbval-lax", "--nbval-current-env", "98_slow.ipynb"
    )
    result.stdout.fnmatch_lines(["*98_slow.ipynb*RUNAWAY*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


# --- a tiny course notebook with two exercises, for end-to-end runs in a real kernel --------

TINY_CELLS = [
    ("md", "# 98 · Tiny\n\nA test notebook."),
    (
        "code",
        "from nnlab.exercises import call_learner, check_multiple_choice, compare_arrays, passed",
        (),
    ),
    ("code", "def double(v):\n    raise NotImplementedError('multiply by two')", ["exercise"]),
    ("code", "def double(v):\n    return [2 * x for x in v]", ["solution"]),
    (
        "code",
        "compare_arrays('double([1, 2])', call_learner(double, [1, 2], name='double'), [2, 4])\n"
        "passed('double doubles.')",
        ["check"],
    ),
    ("code", "answer = None  # 'a' or 'b'", ["exercise"]),
    ("code", "answer = 'b'", ["solution"]),
    (
        "code",
        "check_multiple_choice(answer, correct='b', hints={'a': 'a is too small.'}, "
        "options=('a', 'b'), success='b it is.')",
        ["check"],
    ),
    ("code", "print('the lesson goes on')", ()),
]


def _course_notebook():
    nb = new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    for kind, source, *rest in TINY_CELLS:
        if kind == "md":
            nb.cells.append(new_markdown_cell(source))
        else:
            nb.cells.append(new_code_cell(source, metadata={"tags": list(rest[0])}))
    return nb


def _write(path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_grade_runs_the_courses_checks_on_a_learners_work(tmp_path, capsys):
    reference = _write(tmp_path / "course" / "98_tiny.ipynb", _course_notebook())
    learner = student.to_student(nbformat.read(reference, as_version=4))
    stub = next(c for c in learner.cells if "def double" in c.source)
    stub.source = "def double(v):\n    return [x + x for x in v]"
    choice = next(c for c in learner.cells if c.source.startswith("answer"))
    choice.source = "answer = 'a'"
    check = [c for c in learner.cells if "check" in student.tags(c)][1]
    check.source = "print('\u2705 Passed: trust me')"  # an edited check cannot pass
    handed_in = _write(tmp_path / "alice" / "98_tiny.ipynb", learner)
    grades = tmp_path / "grades.csv"
    assert student.grade([handed_in], reference.parent, grades) == 0
    shown = capsys.readouterr().out
    assert "1/2 checks passed" in shown
    assert "check 1: passed: \u2705 Passed: double doubles." in shown
    assert "check 2: FAILED: a is too small." in shown
    rows = grades.read_text().splitlines()
    assert rows[0] == "notebook,check,result,message" and len(rows) == 3


def test_grade_refuses_notebooks_it_cannot_match(tmp_path, capsys):
    reference = _write(tmp_path / "course" / "98_tiny.ipynb", _course_notebook())
    learner = student.to_student(nbformat.read(reference, as_version=4))
    learner.cells = [c for c in learner.cells if not c.source.startswith("check_multiple_choice")]
    short = _write(tmp_path / "bob" / "98_tiny.ipynb", learner)
    other = _write(tmp_path / "bob" / "97_other.ipynb", learner)
    assert student.grade([short, other], reference.parent) == 2
    shown = capsys.readouterr().out
    assert "has 1 check cells, the course's has 2" in shown
    assert "no course notebook named 97_other.ipynb" in shown


def test_check_results_reads_passes_hints_errors_and_cells_not_run():
    nb = _flow(("a", ["check"]), ("b", ["check"]), ("c", ["check"]), ("d", ["check"]))
    nb.cells[0].outputs = [new_output("stream", name="stdout", text="\u2705 Passed: ok\n")]
    nb.cells[1].outputs = [_error("CheckFailed", "wrong sign")]
    nb.cells[2].outputs = [_error("NameError", "name 'f' is not defined", [])]
    results = student.check_results(nb)
    assert [(r.passed, r.message) for r in results] == [
        (True, "\u2705 Passed: ok"),
        (False, "wrong sign"),
        (False, "NameError: name 'f' is not defined"),
        (False, "the check cell did not run"),
    ]


# --- the instructor guide's run times ---------------------------------------------------

GUIDE_TEXT = """# Guide

### 00 · Introduction

- **Objectives**: a.
- **Run time** (fast mode): 1.0 s
- **Prerequisites**: none.

### 01 · Backprop

- **Run time**: TO MEASURE
- **Prerequisites**: 00.

## Appendix
"""


def test_guide_rewrites_only_the_run_time_of_the_named_section():
    line = guide.run_time_line(12.34, 401.2, datetime.date(2026, 1, 2), 1.5)
    assert line == (
        "- **Run time** (fast mode, fresh kernel, 2 cores): 12.3 s, kernel peak 401 MB "
        "(measured 2026-01-02, load average 1.5)"
    )
    text = guide.write_run_time(GUIDE_TEXT, "01", line)
    assert line in text and "- **Run time** (fast mode): 1.0 s" in text
    assert "TO MEASURE" not in text and text.endswith("## Appendix\n")
    with pytest.raises(LookupError, match="no section '### 02 · Title'"):
        guide.write_run_time(GUIDE_TEXT, "02", line)


def test_guide_lists_notebooks_without_a_section(tmp_path):
    path = tmp_path / "guide.md"
    path.write_text(GUIDE_TEXT)
    notebooks = [tmp_path / "00_introduction.ipynb", tmp_path / "02_dead_neurons.ipynb"]
    assert guide.missing(notebooks, path) == ["02_dead_neurons.ipynb"]


def test_handout_zips_the_course_with_student_versions(tmp_path):
    import zipfile

    target = student.handout([student.NOTEBOOKS / "00_introduction.ipynb"], tmp_path / "h.zip")
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        nb = nbformat.reads(archive.read("nnlab/notebooks/00_introduction.ipynb"), as_version=4)
    assert {"nnlab/Makefile", "nnlab/pyproject.toml", "nnlab/nnlab/__init__.py"} <= names
    assert not [c for c in nb.cells if "solution" in student.tags(c)]
    assert nb.cells[1].source.startswith("> **Student version.**")


def test_reading_time_splits_core_and_optional(tmp_path):
    import json as _json

    from tools import reading_time

    words = " ".join(["word"] * 300)  # 2 minutes at 150 words a minute
    cells = [
        {"cell_type": "markdown", "source": f"# 99 · T\n{words}"},
        {"cell_type": "markdown", "source": "### Exercise 1 · A (core)"},
        {"cell_type": "code", "source": "x = 1\n" * 20},  # 1 minute of code
        {"cell_type": "markdown", "source": f"## 2 · Deep dive (optional)\n{words}"},
        {"cell_type": "markdown", "source": "### Exercise 2 · B (stretch)"},
        {"cell_type": "markdown", "source": f"## 3 · Back on the path\n{words}"},
    ]
    path = tmp_path / "99_t.ipynb"
    path.write_text(_json.dumps({"cells": cells}))
    e = reading_time.estimate(path, run_seconds=60)
    assert abs(e["reading_optional"] - 2.0) < 0.2  # the optional section's words and heading
    assert e["exercises_core"] == 12 and e["exercises_all"] == 12 + 25
    # core: 4 min of prose + 1 of code + 0.25 looking at 1 cell + 1 run + 12 exercise
    assert e["core"] == round(4 + 1 + 0.25 + 1 + 12)
    assert e["everything"] == round(4 + 1 + 0.25 + 1 + 12 + 2 + 25)
