"""Shared fixtures: a clean environment for nnlab's settings, the repository root, and the
safety rules every unit test runs under: no network (connections to other machines raise
``tools.safety.NetworkAccessError``) and no stray files (the session fails when the
repository's files, outside build/ and caches, changed; tests write to ``tmp_path``)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from tools import safety

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
_SNAPSHOT: dict[str, tuple[int, int]] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    _SNAPSHOT.update(safety.snapshot(ROOT))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stray = safety.changed(_SNAPSHOT, safety.snapshot(ROOT)) if _SNAPSHOT else []
    if stray:
        session.config.stray_files = stray
        if exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # noqa: ANN001
    for line in getattr(config, "stray_files", []):
        terminalreporter.write_line(
            f"STRAY FILE: {line} (tests write to tmp_path or build/, never into the repository)"
        )


@pytest.fixture(autouse=True)
def _offline():
    """Run every test offline: a connection to another machine raises and fails the test."""
    safety.block_network()
    start = len(safety.ATTEMPTS)
    yield
    attempts = safety.ATTEMPTS[start:]
    safety.allow_network()
    assert not attempts, f"the test tried to reach another machine: {attempts}"


@pytest.fixture
def root() -> Path:
    """The repository's root folder."""
    return ROOT


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test with the default seed and fast mode, whatever the caller's shell has."""
    monkeypatch.delenv("NNLAB_SEED", raising=False)
    monkeypatch.delenv("NNLAB_CLAIMS_SCAN", raising=False)
    monkeypatch.setenv("NNLAB_MODE", "fast")
    monkeypatch.setenv("NNLAB_PROGRESS", "0")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close matplotlib figures a test opened."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
