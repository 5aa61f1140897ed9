"""Retrain latency of interactive controls: move every control of every panel, time each move.

Runs inside a notebook's kernel after the notebook has run (``benchmarks.course`` appends a
cell calling ``report_panels(globals())``). A panel is a global whose name ends in
``_panel`` and that has ``.controls`` and ``.update`` (``nnlab.widgets.live_control``
builds them); ``panel.update(name=value)`` runs the same callback a slider move runs:
retrain, redraw, show. Each control is moved over ``moves`` values spread over its range,
the others staying where they are, and each move is timed.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

MARKER = "NNLAB_BENCH_WIDGETS "


def find_panels(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``{name: panel}`` for the globals that are interactive panels, by name."""
    return {
        name: value
        for name, value in sorted(namespace.items())
        if name.endswith("_panel") and hasattr(value, "controls") and hasattr(value, "update")
    }


def _spread(low: float, high: float, count: int) -> np.ndarray:
    return np.linspace(low, high, count) if count > 1 else np.array([high])


def _snap(values: np.ndarray, low: float, high: float, step: float | None) -> np.ndarray:
    """Values on the slider's grid ``low + i * step`` (what a real slider can show)."""
    if step:
        values = low + np.round((values - low) / step) * step
    return np.clip(values, low, high)


def control_values(name: str, control: Any, count: int) -> list:
    """Return ``count`` values for ``control``, spread over its whole range.

    Sliders and bounded number boxes: evenly spaced from min to max on the slider's step
    grid (log-spaced for ``FloatLogSlider``); choices (``Dropdown``, ``RadioButtons``, ...):
    the options in turn; check boxes and toggles: off and on in turn. Any other control
    raises ``TypeError`` naming it: add a case here when a notebook uses a new kind.
    """
    value = getattr(control, "value", None)
    options = getattr(control, "_options_values", None)
    if options is None and hasattr(control, "options"):
        options = [o[1] if isinstance(o, tuple) and len(o) == 2 else o for o in control.options]
    if options is not None:
        if not options:
            raise ValueError(f"control {name!r} has no options to move over")
        return [options[i % len(options)] for i in range(count)]
    if isinstance(value, bool):
        return [not value if i % 2 == 0 else value for i in range(count)]
    low, high = getattr(control, "min", None), getattr(control, "max", None)
    numeric = isinstance(value, int | float) and low is not None and high is not None
    if numeric and type(control).__name__ == "FloatLogSlider":
        exponents = _snap(_spread(low, high, count), low, high, control.step)
        return [float(control.base**e) for e in exponents]
    if numeric and isinstance(value, int):
        return [int(v) for v in _snap(_spread(low, high, count), low, high, control.step or 1)]
    if numeric:
        return [float(v) for v in _snap(_spread(low, high, count), low, high, control.step)]
    raise TypeError(
        f"cannot move control {name!r} ({type(control).__name__}, value {value!r}): add a "
        "case for it to benchmarks.widgets.control_values"
    )


def time_panels(namespace: Mapping[str, Any], moves: int = 10) -> list[dict[str, Any]]:
    """Move each control of each panel in ``namespace`` ``moves`` times; one row per control.

    Rows: ``{"panel", "control", "values", "moves", "median_s", "max_s"}`` (``values``: the
    values moved to, or the first and last of them). Every control is put back to its value
    afterwards.
    """
    rows = []
    for panel_name, panel in find_panels(namespace).items():
        for name, control in panel.controls.items():
            values = control_values(name, control, moves)
            seconds = []
            for value in values:
                start = time.perf_counter()
                panel.update(**{name: value})
                seconds.append(time.perf_counter() - start)
            panel.update(**{name: control.value})
            shown = list(dict.fromkeys(_show(v) for v in values))
            rows.append(
                {
                    "panel": panel_name,
                    "control": name,
                    "values": f"{shown[0]} … {shown[-1]}" if len(shown) > 3 else ", ".join(shown),
                    "moves": len(seconds),
                    "median_s": statistics.median(seconds),
                    "max_s": max(seconds),
                }
            )
    return rows


def _show(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def report_panels(namespace: Mapping[str, Any], moves: int = 10) -> None:
    """Print ``time_panels``'s rows as one JSON line after ``MARKER`` (read by the bench)."""
    print(MARKER + json.dumps(time_panels(namespace, moves)))
