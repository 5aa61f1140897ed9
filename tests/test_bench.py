"""``make bench``'s code, cheaply: the report's tables and budgets, moving controls, and
whether benchmarks/RESULTS.md covers every notebook (``make bench`` itself takes minutes)."""

from __future__ import annotations

import re
from pathlib import Path

import ipywidgets as widgets
import nbformat
import pytest

from benchmarks import course, report
from benchmarks import widgets as bench_widgets
from nnlab.widgets import live_control
from tools import nbtiming

ROOT = Path(__file__).resolve().parent.parent


def _results(**changes):
    results = {
        "date": "2026-01-02",
        "machine": {"CPU": "Test CPU @ 2.0GHz", "cores (logical)": "2", "Python": "3.11.9"},
        "notebooks": {
            "notebooks/00_introduction.ipynb": {
                "fast": {"seconds": 6.2, "peak_mb": 390.0},
                "full": {"seconds": 14.0, "peak_mb": 420.0},
            },
            "notebooks/02_dead_neurons.ipynb": {
                "fast": {"seconds": 44.0, "peak_mb": 810.0},
                "full": {"seconds": 120.5, "peak_mb": 900.0},
            },
            "notebooks/05_hebbian_vs_gradient.ipynb": {
                "fast": {"seconds": 31.0, "peak_mb": 300.0},
                "full": {"seconds": 60.0, "peak_mb": 310.0},
            },
        },
        "import_seconds": [1.4, 1.2, 1.9, 1.3, 1.5],
        "engine": {
            "speedup_lean": 17.96,
            "speedup_train": 41.0,
            "speedup_vmap": 3.2,
            "digits": [{"h": 64, "K": 32, "fraction": 0.41, "gflops": 76.0, "speedup_vmap": 0.8}],
            "report": "| run | seconds |\n|---|---|\n| engine | 0.1 |\n",
        },
        "widgets": [
            {
                "notebook": "notebooks/00_introduction.ipynb",
                "panel": "width_panel",
                "control": "width",
                "values": "1 … 16",
                "moves": 10,
                "median_s": 0.21,
                "max_s": 0.35,
            },
            {
                "notebook": "notebooks/02_dead_neurons.ipynb",
                "panel": "units_panel",
                "control": "lr",
                "values": "0.001 … 1",
                "moves": 10,
                "median_s": 0.31,
                "max_s": 0.4,
            },
        ],
    }
    results.update(changes)
    return results


def test_the_report_reads_back_with_every_number_and_verdict():
    tables = report.parse(report.render(_results()))
    assert tables["Machine"][0] == {"item": "CPU", "value": "Test CPU @ 2.0GHz"}
    rows = {r["notebook"]: r for r in tables["Notebooks"]}
    assert rows["00_introduction"] == {
        "notebook": "00_introduction",
        "fast s": "6.2",
        "fast peak MB": "390",
        "full s": "14.0",
        "full peak MB": "420",
        "budget (fast)": "30 s, 800 MB",
        "verdict": "ok",
    }
    assert rows["02_dead_neurons"]["verdict"] == "OVER: 810 MB > 800 MB"
    assert rows["05_hebbian_vs_gradient"]["verdict"] == "OVER: 31.0 s > 30 s"
    assert rows["total"]["fast s"] == "81.2" and rows["total"]["full s"] == "194.5"
    assert rows["total"]["verdict"] == "ok"
    assert tables["Import"][0]["seconds"] == "1.40" and tables["Import"][0]["runs"] == "5"
    engine = tables["Batched engine"]
    assert [r["verdict"] for r in engine] == ["ok", "ok", "", "below target", "below target"]
    assert engine[0]["value"] == "18.0x"
    assert engine[1]["ratio"] == "64 toy nets: engine speed-up over torch.func vmap"
    assert engine[1]["value"] == "3.2x" and engine[4]["value"] == "0.8x"
    text = report.render(_results())
    assert "### The engine's own report\n\n| run | seconds |\n|---|---|\n| engine | 0.1 |" in text
    widgets_rows = tables["Interactive controls"]
    assert [(r["panel"], r["median s"], r["verdict"]) for r in widgets_rows] == [
        ("width_panel", "0.210", "ok"),
        ("units_panel", "0.310", "OVER: median 0.31 s > 0.3 s"),
    ]


def test_every_missed_budget_is_listed():
    results = _results()
    assert report.missed(results) == [
        "02_dead_neurons (fast mode): OVER: 810 MB > 800 MB",
        "05_hebbian_vs_gradient (fast mode): OVER: 31.0 s > 30 s",
        "02_dead_neurons units_panel.lr: OVER: median 0.31 s > 0.3 s",
    ]
    text = report.render(results)
    assert "## Budgets missed\n\n- 02_dead_neurons (fast mode)" in text
    slow = _results()
    for runs in slow["notebooks"].values():
        runs["fast"]["seconds"] = 90.0
    assert "whole course (fast mode): OVER: 270.0 s > 240 s" in report.missed(slow)


def test_the_budgets_come_from_nbtiming(monkeypatch):
    monkeypatch.setattr(nbtiming, "MEMORY_BUDGET_MB", 1000.0)
    monkeypatch.setattr(nbtiming, "WIDGET_BUDGET_SECONDS", 0.5)
    monkeypatch.setitem(nbtiming.BUDGET_SECONDS, "05", 45.0)
    assert report.missed(_results()) == []
    assert "None." in report.render(_results())


# ----------------------------------------------------------------------------- controls


@pytest.mark.parametrize(
    "control, expected",
    [
        (widgets.IntSlider(value=1, min=1, max=16), [1, 5, 9, 12, 16]),
        (widgets.IntSlider(value=2, min=2, max=50, step=4), [2, 14, 26, 38, 50]),
        (widgets.FloatSlider(value=0, min=0, max=3, step=0.25), [0.0, 0.75, 1.5, 2.25, 3.0]),
        (
            widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=1, step=0.5),
            [1e-3, 1e-2, 1e-1, 1.0, 10.0],
        ),
        (widgets.Dropdown(options=["a", "b"], value="a"), ["a", "b", "a", "b", "a"]),
        (widgets.Dropdown(options=[("one", 1), ("two", 2)], value=1), [1, 2, 1, 2, 1]),
        (widgets.Checkbox(value=False), [True, False, True, False, True]),
    ],
)
def test_controls_are_moved_over_their_whole_range(control, expected):
    assert bench_widgets.control_values("c", control, 5) == pytest.approx(expected)


def test_a_control_of_an_unknown_kind_fails_loudly():
    with pytest.raises(TypeError, match=r"cannot move control 'name' \(Text.*add a case"):
        bench_widgets.control_values("name", widgets.Text(value="x"), 3)


def test_panels_are_found_by_name_and_each_move_is_timed():
    calls = []

    def render(width, act):
        calls.append((width, act))

    width = widgets.IntSlider(value=3, min=1, max=5)
    act = widgets.Dropdown(options=["relu", "tanh"], value="relu")
    namespace = {
        "demo_panel": live_control(render, width=width, act=act),
        "panel": live_control(lambda width: None, width=widgets.IntSlider()),  # not *_panel
        "other_panel": 3,  # no controls: ignored
    }
    assert list(bench_widgets.find_panels(namespace)) == ["demo_panel"]
    calls.clear()
    rows = bench_widgets.time_panels(namespace, moves=3)
    assert [(r["panel"], r["control"], r["moves"], r["values"]) for r in rows] == [
        ("demo_panel", "width", 3, "1, 3, 5"),
        ("demo_panel", "act", 3, "relu, tanh"),
    ]
    assert calls == [
        (1, "relu"),
        (3, "relu"),
        (5, "relu"),
        (3, "relu"),  # put back
        (3, "relu"),
        (3, "tanh"),
        (3, "relu"),
        (3, "relu"),
    ]
    assert all(0 <= r["median_s"] <= r["max_s"] for r in rows)


def test_a_widget_cell_without_a_panel_fails_the_bench(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    cell = nbformat.v4.new_code_cell(
        "import ipywidgets as w\nfrom nnlab.widgets import live_control\n"
        "panel = live_control(lambda n: None, n=w.IntSlider())\npanel"
    )
    cell.metadata["tags"] = ["widget"]
    nb.cells = [cell]
    path = tmp_path / "09_x.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(RuntimeError, match=r"1 cell\(s\) tagged 'widget' but only 0 panel"):
        course.widget_latencies(path, moves=2)


# ----------------------------------------------------------------------------- RESULTS.md


def test_results_md_covers_every_notebook_and_every_interactive_control():
    path = ROOT / "benchmarks" / "RESULTS.md"
    rerun = "run `make bench` (minutes) and commit benchmarks/RESULTS.md"
    assert path.is_file(), f"benchmarks/RESULTS.md is missing: {rerun}"
    tables = report.parse(path.read_text())
    notebooks = {r["notebook"]: r for r in tables["Notebooks"]}
    panels: dict[str, set[str]] = {}
    for row in tables["Interactive controls"]:
        panels.setdefault(row["notebook"], set()).add(row["panel"])
    for nb_path in course.course_notebooks():
        name = nb_path.stem
        assert name in notebooks, f"{name} is not in benchmarks/RESULTS.md: {rerun}"
        for column in ("fast s", "fast peak MB", "full s", "full peak MB"):
            assert re.fullmatch(r"\d+(\.\d+)?", notebooks[name][column]), (name, column, rerun)
        expected = course.widget_cells(nbformat.read(nb_path, as_version=4))
        found = len(panels.get(name, ()))
        assert found >= expected, (
            f"{name} has {expected} interactive control(s), RESULTS.md times {found}: {rerun}"
        )
    assert "Budgets missed" in path.read_text()


def test_the_vmap_contender_does_the_same_work_as_a_loop_of_single_trainings():
    """benchmarks.engine.vmap_trainer trains each stacked model as lean_loop trains it alone."""
    import torch

    import nnlab
    from benchmarks import engine

    X, labels = nnlab.make_moons(n=60, seed=0)
    y = labels.float().unsqueeze(1)
    lrs = [0.05, 0.2]
    stacked = engine.vmap_trainer(engine.TOY_SIZES, [3, 4], X, y, lrs, "mse")(7)
    for k, (seed, lr) in enumerate(zip([3, 4], lrs, strict=True)):
        torch.manual_seed(seed)
        alone = engine.lean_loop(nnlab.MLP(engine.TOY_SIZES), X, y, lr, 7)
        torch.testing.assert_close(stacked[:, k], alone, rtol=1e-5, atol=1e-6)
    assert stacked[-1].lt(stacked[0]).all(), "seven steps of gradient descent lower the loss"
