import ipywidgets as widgets
import pytest

from nnlab.widgets import live_control


def test_live_control_renders_once_and_on_update():
    calls = []

    def render(lr, width):
        calls.append((lr, width))
        return lr * width

    panel = live_control(
        render,
        lr=widgets.FloatSlider(value=0.1, min=0.01, max=1.0),
        width=widgets.IntSlider(value=8, min=1, max=64),
    )
    assert calls == [(0.1, 8)]  # drawn once when built
    assert panel.update(width=16) == pytest.approx(1.6)
    assert calls[-1] == (0.1, 16)
    panel.controls["lr"].value = 0.5  # moving a slider re-runs the callback
    assert calls[-1] == (0.5, 8)
    assert panel.controls["lr"].continuous_update is False


def test_live_control_rejects_bad_input():
    with pytest.raises(TypeError, match="render"):
        live_control(3, lr=widgets.FloatSlider())
    with pytest.raises(ValueError, match="at least one control"):
        live_control(lambda: None)
    with pytest.raises(TypeError, match="lr"):
        live_control(lambda lr: None, lr=0.1)
    panel = live_control(lambda lr: None, lr=widgets.FloatSlider())
    with pytest.raises(ValueError, match="unknown control"):
        panel.update(momentum=0.9)
