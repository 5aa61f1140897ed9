"""A pytest plugin for the notebook run: prints each notebook's total run time.

Loaded by ``make notebooks-test`` with ``-p tools.nbtiming``. Times include the kernel's
start-up (nbval starts one fresh kernel per notebook).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

_seconds: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 (pytest's own type)
    if not _seconds:
        return
    terminalreporter.section("notebook run times (fresh kernel each)")
    for path, seconds in sorted(_seconds.items()):
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
    terminalreporter.write_line(f"{sum(_seconds.values()):7.1f} s  total")
