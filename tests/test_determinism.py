"""Determinism, robust claims, memory and the runaway guard, as wired into ``make test``.

``make notebooks-test`` runs every notebook under nbval with ``tools/nbguard.py``: with the
default seed each cell's text outputs must equal the stored ones (the stored notebook is a
first run with that seed, nbval's a second), each kernel's peak memory must stay within
budget, kernels run offline, and the repository must be unchanged afterwards. ``make
notebooks-seed`` runs every notebook again under another seed, where only the asserts
count. These tests check the plugin on tiny notebooks in real kernels, and the wiring.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tools import nbguard, nbtiming
from tools.nbtools import WIDGET_PLACEHOLDER, WIDGET_VIEW

ROOT = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------- the sanitiser


def _stream(text, name="stdout"):
    return new_output("stream", name=name, text=text)


def _result(text, extra=None, kind="execute_result"):
    data = {"text/plain": text} | (extra or {})
    if kind == "execute_result":
        return new_output(kind, data=data, execution_count=1)
    return new_output(kind, data=data)


def test_memory_addresses_are_sanitised():
    a = nbguard.text_outputs([_result("<Net object at 0x7f3a12bc4d90>")])
    b = nbguard.text_outputs([_result("<Net object at 0x55d0aa01e2f0>")])
    assert a == b == [("text/plain", "<Net object at 0x…>")]


def test_streams_are_joined_per_name_as_jupyter_shows_them():
    outputs = [_stream("a\n"), _stream("warn\n", "stderr"), _stream("b\n")]
    assert nbguard.text_outputs(outputs) == [("stdout", "a\nb\n"), ("stderr", "warn\n")]


def test_a_live_widget_matches_the_stored_placeholder_and_its_captured_outputs_are_left_out():
    live = [
        _stream("hidden units: 1 -> training accuracy 0.88\n"),
        _result("<Figure size 336x272 with 1 Axes>", {"image/png": "iVBOR"}, "display_data"),
        _result("VBox(children=...)", {WIDGET_VIEW: {"model_id": "87debc61"}}),
    ]
    stored = [_result(WIDGET_PLACEHOLDER)]
    assert (
        nbguard.text_outputs(live)
        == nbguard.text_outputs(stored)
        == [("widget", WIDGET_PLACEHOLDER)]
    )


def test_a_trailing_semicolon_hides_the_value_as_jupyter_does():
    outputs = [_result("Text(0.5, 1.0, 'Loss')"), _result("<Figure>", kind="display_data")]
    assert nbguard.text_outputs(outputs, "ax.set_title('Loss');") == [("text/plain", "<Figure>")]
    assert len(nbguard.text_outputs(outputs, "ax.set_title('Loss')")) == 2


def test_images_are_not_compared_but_numbers_are():
    a = [_result("<Figure>", {"image/png": "AAAA"}, "display_data"), _stream("acc 0.91\n")]
    b = [_result("<Figure>", {"image/png": "BBBB"}, "display_data"), _stream("acc 0.91\n")]
    c = [_result("<Figure>", {"image/png": "AAAA"}, "display_data"), _stream("acc 0.92\n")]
    assert nbguard.difference(nbguard.text_outputs(a), nbguard.text_outputs(b)) is None
    diff = nbguard.difference(nbguard.text_outputs(a), nbguard.text_outputs(c))
    assert "stored stdout: 'acc 0.91\\n'" in diff and "run    stdout: 'acc 0.92\\n'" in diff


# ----------------------------------------------------------------------------- in real kernels


def _notebook(cells):
    nb = new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    nb.cells = [
        new_code_cell(source, execution_count=i + 1, outputs=outputs)
        for i, (source, outputs) in enumerate(cells)
    ]
    return nb


def _run(pytester, nb, name="07_tiny.ipynb"):
    nbformat.write(nb, pytester.path / name)
    return pytester.runpytest_inprocess(
        "-p", "tools.nbguard", "--nbval-lax", "--nbval-current-env", name
    )


TINY = [
    ("import random\nrandom.seed(0)\nprint(round(random.random(), 3))", [_stream("0.844\n")]),
    ("object()", [_result("<object at 0x7f0011223344>")]),
    ("import numpy as np\nx = np.ones(10_000_000)\ndel x", []),
]


def test_a_run_with_the_stored_outputs_passes_and_reports_the_peak_memory(pytester):
    result = _run(pytester, _notebook(TINY))
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        ["* MB  07_tiny.ipynb  (budget 800 MB)", "*compared with the stored ones*they match"]
    )
    peak = float(re.search(r"(\d+) MB  07_tiny", result.stdout.str()).group(1))
    assert peak > 80, "a kernel that allocated 80 MB must peak above 80 MB"


def test_an_output_that_differs_from_the_stored_one_fails_its_cell(pytester):
    cells = list(TINY)
    cells[0] = (cells[0][0], [_stream("0.845\n")])
    result = _run(pytester, _notebook(cells))
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Cell 0: its text outputs differ from the stored ones*",
            "*stored stdout: '0.845\\n'*",
            "*run    stdout: '0.844\\n'*",
            "*make notebooks NOTEBOOKS=07_tiny.ipynb*",
        ]
    )


def test_outputs_stored_on_another_machine_are_not_compared_but_claims_are(pytester):
    from tools import nbtools

    here = nbtools.fingerprint()
    cells = [("print(2)", [_stream("1\n")]), ("assert 1 + 1 == 3", [])]
    elsewhere = _notebook(cells)
    elsewhere.metadata["nnlab"] = {"outputs_from": {**here, "cpu": "AVX2-elsewhere"}}
    result = _run(pytester, elsewhere)
    result.assert_outcomes(passed=1, failed=1)  # the wrong print passes, the assert fails
    result.stdout.fnmatch_lines(["*outputs of 07_tiny.ipynb not compared (claims were)*AVX2*"])
    same = _notebook(cells)
    same.metadata["nnlab"] = {"outputs_from": here}
    result = _run(pytester, same, name="08_tiny.ipynb")
    result.assert_outcomes(failed=2)  # on the storing machine the wrong print fails too


def test_the_fingerprint_names_what_outputs_depend_on():
    from tools import nbtools

    here = nbtools.fingerprint()
    assert set(here) == {"torch", "numpy", "cpu", "threads"}
    assert here["torch"].startswith("2.") and here["threads"] >= 1


def test_under_another_seed_only_the_asserts_count(pytester, monkeypatch):
    monkeypatch.setenv("NNLAB_SEED", "1")
    cells = [("print(2)", [_stream("1\n")]), ("assert 1 + 1 == 3", [])]
    result = _run(pytester, _notebook(cells))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*NNLAB_SEED=1: outputs not compared*"])


def test_memory_over_budget_fails_the_session(pytester, monkeypatch):
    monkeypatch.setattr(nbtiming, "MEMORY_BUDGET_MB", 60.0)
    result = _run(pytester, _notebook(TINY))
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["* MB  07_tiny.ipynb  (budget 60 MB)  OVER budget*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_notebook_kernel_runs_offline_and_must_not_write_files(pytester):
    cells = [
        (
            "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
            "except Exception as err:\n    print(type(err).__name__)",
            [_stream("NetworkAccessError\n")],
        ),
        ("open('results.csv', 'w').close()", []),
    ]
    result = _run(pytester, _notebook(cells))
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["STRAY FILE: created results.csv*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


# ----------------------------------------------------------------------------- the wiring


def _dry_run(step):
    """The commands ``python course.py <step>`` runs (what ``make <step>`` calls)."""
    out = subprocess.run(
        [sys.executable, "course.py", "--dry-run", step],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if line.startswith("[course] $")]


def test_make_calls_course_py_for_the_two_commands_and_their_steps():
    makefile = (ROOT / "Makefile").read_text()
    for target in (
        "lab",
        "test",
        "lint",
        "unit",
        "notebooks-test",
        "notebooks-seed",
        "student-check",
    ):
        rule = re.search(rf"^{target}:.*\n\t(.*)$", makefile, re.M)
        assert rule and f"$(COURSE) {target}" in rule.group(1), f"make {target} calls course.py"


def test_make_test_runs_every_notebook_twice_and_once_more_under_another_seed():
    steps = _dry_run("test")
    runs = [line for line in steps if "--nbval-lax" in line]
    assert len(runs) == 2, steps
    first, second = runs
    for line in (first, second):
        assert "-p tools.nbtiming" in line and "-p tools.nbguard" in line
        for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            assert f"notebooks/{path.name}" in line, f"{path.name} is not run"
    assert "NNLAB_SEED" not in first, "the first run must use the stored outputs' seed"
    seed = re.search(r"NNLAB_SEED=(\d+)", second)
    assert seed and seed.group(1) != "0", second
    assert any("ruff check" in line for line in steps) and any(
        "student.py verify" in line for line in steps
    )


def test_ci_runs_exactly_make_test():
    lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[-1] == "make test"
    assert not any("make" in line for line in lines[:-1])


def test_the_runaway_guard_and_the_budgets_have_one_source():
    assert nbtiming.budget("notebooks/00_introduction.ipynb") == 30.0
    assert nbtiming.budget("notebooks/03_overfitting.ipynb") == 45.0
    assert nbtiming.RUNAWAY_FACTOR == 2.0
    assert nbtiming.MEMORY_BUDGET_MB == 800.0
    assert nbtiming.COURSE_BUDGET_SECONDS == 240.0
    assert nbtiming.WIDGET_BUDGET_SECONDS == 0.3
