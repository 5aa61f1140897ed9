"""Interactive controls: a slider panel whose callback retrains and redraws.

``live_control`` wraps ``ipywidgets.interactive`` with the course's conventions: the
callback runs when a slider is released (not on every pixel of a drag), its output is
redrawn in place, and ``panel.update(**values)`` drives the same callback from code, which
is how tests and benchmarks measure a control's latency. Introduced in notebook 00.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt

# One redraw at a time: since ipykernel 7 a kernel may handle widget messages on several
# threads at once (JupyterLab sends them on a subshell).
_REDRAW_LOCK = threading.RLock()


def live_control(render: Callable[..., Any], **controls: widgets.ValueWidget) -> widgets.VBox:
    """Return a panel of ``controls`` above the output of ``render(**values)``.

    ``render`` receives the controls' current values as keyword arguments and draws with
    matplotlib (it may return a figure). Each control is an ipywidgets value widget, for
    example ``lr=widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=1)``.
    The panel has ``.controls`` (the dict given), ``.output`` and ``.update(**values)``.
    """
    if not callable(render):
        raise TypeError(f"render must be callable; got {type(render).__name__}")
    if not controls:
        raise ValueError("live_control needs at least one control, e.g. lr=FloatSlider(...)")
    for name, control in controls.items():
        if not isinstance(control, widgets.ValueWidget):
            raise TypeError(f"control {name!r} must be an ipywidgets value widget")
        if hasattr(control, "continuous_update"):
            control.continuous_update = False
    output = widgets.Output()

    def redraw(**values: Any) -> Any:
        # Draw with pyplot's interactive mode off, then show explicitly. In interactive mode a
        # widget message handled on another thread meanwhile (the frontend echoing this
        # output's state) runs matplotlib-inline's flush, which would show and close the
        # figure half-drawn: the learner would see empty axes.
        with _REDRAW_LOCK:
            output.clear_output(wait=True)
            with output, plt.ioff():
                result = render(**values)
                plt.show()
            return result

    widgets.interactive_output(redraw, controls)
    panel = widgets.VBox([widgets.HBox(list(controls.values())), output])
    panel.controls = controls
    panel.output = output

    def update(**values: Any) -> Any:
        unknown = set(values) - set(controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; have {sorted(controls)}")
        merged = {name: c.value for name, c in controls.items()} | values
        return redraw(**merged)

    panel.update = update
    return panel
