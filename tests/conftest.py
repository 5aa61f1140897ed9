"""Shared fixtures: a clean environment for nnlab's settings, and the repository root."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root() -> Path:
    """The repository's root folder."""
    return ROOT


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test with the default seed and fast mode, whatever the caller's shell has."""
    monkeypatch.delenv("NNLAB_SEED", raising=False)
    monkeypatch.setenv("NNLAB_MODE", "fast")
    monkeypatch.setenv("NNLAB_PROGRESS", "0")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close matplotlib figures a test opened."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
