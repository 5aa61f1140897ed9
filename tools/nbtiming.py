"""A pytest plugin for the notebook run: each notebook's run time, and a runaway guard.

Loaded by ``make notebooks-test`` with ``-p tools.nbtiming``. Times include the kernel's
start-up (nbval starts one fresh kernel per notebook). A notebook that runs past twice its
budget fails the session: a guard against runaway cells, not a benchmark (``make bench``
measures properly). On a machine busy with other work the guard widens by the load per core
(the highest one-minute load average seen while the notebooks ran, divided by the number of
cores, when that is above 1), so other processes' CPU time is not taken for a runaway cell.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import pytest

# Fast-mode budgets in seconds on 2 cores (CONTRIBUTING.md, "Budgets"); others get DEFAULT.
BUDGET_SECONDS = {"00": 30.0, "01": 30.0, "05": 30.0, "06": 30.0, "07": 30.0, "08": 30.0}
DEFAULT_BUDGET_SECONDS = 45.0
# The other budgets (CONTRIBUTING.md, "Budgets"), checked by tools/nbguard.py and make bench.
MEMORY_BUDGET_MB = 800.0  # each notebook's kernel, peak resident set size, fast mode
COURSE_BUDGET_SECONDS = 240.0  # all notebooks together, fast mode
WIDGET_BUDGET_SECONDS = 0.3  # one move of an interactive control: retrain and redraw
RUNAWAY_FACTOR = 2.0

_seconds: dict[str, float] = defaultdict(float)
_load_per_core: list[float] = [1.0]  # the highest load per core seen in this session


def budget(path: str) -> float:
    """Return the fast-mode budget in seconds of the notebook at ``path``."""
    return BUDGET_SECONDS.get(Path(path).name[:2], DEFAULT_BUDGET_SECONDS)


def load_per_core() -> float:
    """Return this machine's one-minute load average divided by its cores (1.0 if unknown)."""
    try:
        return os.getloadavg()[0] / (os.cpu_count() or 1)
    except (AttributeError, OSError):  # no load average on this platform (Windows)
        return 1.0


def runaways(seconds: dict[str, float], load: float = 1.0) -> list[str]:
    """Return the notebooks in ``seconds`` that ran past their guard.

    The guard is ``RUNAWAY_FACTOR`` times the notebook's budget, times ``max(1, load)``;
    ``load`` is the load per core (``load_per_core()``) while the notebooks ran.
    """
    if not load > 0:
        raise ValueError(f"load must be a positive number (load per core), got {load!r}")
    slack = max(1.0, load)
    return [p for p, s in seconds.items() if s > RUNAWAY_FACTOR * slack * budget(p)]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _seconds[path] += report.duration
        _load_per_core[0] = max(_load_per_core[0], load_per_core())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if runaways(_seconds, _load_per_core[0]) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 (pytest's own type)
    if not _seconds:
        return
    terminalreporter.section("notebook run times (fresh kernel each)")
    load = _load_per_core[0]
    if load > 1.0:
        terminalreporter.write_line(
            f"(busy machine: load {load:.1f} per core; the runaway guard is widened by as much)"
        )
    for path, seconds in sorted(_seconds.items()):
        flag = "  RUNAWAY: over its guard" if path in runaways(_seconds, load) else ""
        terminalreporter.write_line(
            f"{seconds:7.1f} s  {path}  (budget {budget(path):.0f} s){flag}"
        )
    terminalreporter.write_line(f"{sum(_seconds.values()):7.1f} s  total")
