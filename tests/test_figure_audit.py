"""The figure audit: titles, axis labels with units, colorbars, and the in-kernel guard."""

from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
import torch
from nbformat.v4 import new_code_cell, new_notebook

import nnlab
from tools import figure_audit
from tools.figure_audit import (
    FigureAuditError,
    figure_problems,
    has_unit,
    is_dimensionless,
    label_states_its_unit,
)
from tools.nbtools import run


def _line(title="Loss", xlabel="epoch (passes)", ylabel="loss (nats)"):
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [3, 2, 1])
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return fig, ax


@pytest.mark.parametrize(
    "label, ok",
    [
        ("loss (nats)", True),
        ("$x_1$ (input units)", True),
        ("time ($\\mu$s)", True),
        ("epoch", False),
        ("$f(x)$", False),
        ("loss ()", False),
    ],
)
def test_has_unit_wants_parentheses_outside_math(label, ok):
    assert has_unit(label) is ok


@pytest.mark.parametrize(
    "label",
    [
        "accuracy",
        "validation accuracy",
        "dead fraction",
        "fraction of units active",
        "cosine with the gradient",
        "share of wins",
        "probabilities",
        "$x_1$",
        "$x_{2}$",
        " x\u2081 ",
        "x_2",
        "Accuracy",
    ],
)
def test_a_dimensionless_quantity_may_say_so_plainly(label):
    assert is_dimensionless(label) and label_states_its_unit(label)


@pytest.mark.parametrize(
    "label",
    [
        "time",
        "loss",
        "epoch",
        "weight",
        "learning rate",
        "$f(x)$",
        "$x$",
        "x_1 + x_2",
        "$\\mathrm{accuracy}$",
        "fractional error",
        "",
    ],
)
def test_a_missing_unit_is_still_caught(label):
    """Words with a unit, a listed word only inside math, a coordinate inside a formula."""
    assert not is_dimensionless(label)
    assert not label_states_its_unit(label)


def test_unit_checks_refuse_a_label_that_is_not_text():
    for check in (has_unit, is_dimensionless, label_states_its_unit):
        with pytest.raises(TypeError, match="label must be a string"):
            check(None)


def test_dimensionless_labels_pass_the_audit_and_unitless_ones_do_not():
    fig, ax = _line(xlabel="$x_1$", ylabel="accuracy")
    assert figure_problems(fig) == []
    ax.set_ylabel("loss")
    assert figure_problems(fig) == [
        "figure 'Loss', axes 1: y label 'loss' has no unit in parentheses (like 'loss (nats)', "
        "'time (steps)', 'weight (a.u.)'; a dimensionless quantity may say so plainly: "
        "'accuracy', 'dead fraction', '$x_1$')"
    ]
    image = ax.imshow(np.eye(2))
    colorbar = fig.colorbar(image, ax=ax, label="probability")
    ax.set_ylabel("dead fraction")
    assert figure_problems(fig) == []
    colorbar.set_label("activation")
    assert "colorbar label 'activation' has no unit" in figure_problems(fig)[0]


def test_a_complete_figure_has_no_problems():
    fig, _ = _line()
    assert figure_problems(fig) == []


def test_missing_title_labels_and_units_are_named():
    fig, _ = _line(title="", xlabel="epoch", ylabel="")
    problems = figure_problems(fig)
    assert len(problems) == 3, problems
    assert "axes 1 has no title" in problems[0]
    assert "x label 'epoch' has no unit in parentheses" in problems[1]
    assert "has no y label" in problems[2]


def test_a_suptitle_titles_every_panel_and_names_the_figure():
    fig, axes = plt.subplots(1, 2)
    for ax in axes:
        ax.plot([0, 1])
        ax.set(xlabel="step (steps)", ylabel="value (a.u.)")
    assert "has no title" in figure_problems(fig)[0]
    fig.suptitle("Two panels")
    assert figure_problems(fig) == []
    axes[1].set_xlabel("step")
    assert figure_problems(fig) == [
        "figure 'Two panels', axes 2: x label 'step' has no unit in parentheses "
        "(like 'loss (nats)', 'time (steps)', 'weight (a.u.)'; a dimensionless quantity may "
        "say so plainly: 'accuracy', 'dead fraction', '$x_1$')"
    ]


def test_a_twin_axes_shares_its_partners_title_but_needs_its_own_label():
    fig, ax = _line()
    twin = ax.twinx()
    twin.plot([1, 2, 3], [0.1, 0.5, 0.9])
    assert figure_problems(fig) == [
        "figure 'Loss', axes 2 has no y label (name the quantity and its unit in parentheses)"
    ]
    twin.set_ylabel("accuracy (fraction)")
    assert figure_problems(fig) == []


def test_shared_axes_need_labels_only_where_tick_labels_show():
    fig, axes = plt.subplots(2, 1, sharex=True)
    for ax in axes:
        ax.plot([0, 1])
        ax.set(title="panel", ylabel="value (a.u.)")
    axes[1].set_xlabel("time (steps)")
    assert figure_problems(fig) == []


def test_images_without_ticks_need_no_axis_labels_but_with_ticks_they_do():
    fig, axes = plt.subplots(1, 3)
    image = np.arange(4.0).reshape(2, 2)
    for ax in axes:
        ax.imshow(image)
    axes[0].axis("off")
    axes[1].set(xticks=[], yticks=[])
    fig.suptitle("Digits")
    problems = figure_problems(fig)
    assert len(problems) == 2 and all("axes 3 has no" in p for p in problems), problems


def test_categorical_axes_need_a_label_but_no_unit():
    fig, ax = plt.subplots()
    ax.bar(["relu", "tanh"], [0.3, 0.1])
    ax.set(title="Dead units", ylabel="dead units (fraction)")
    assert "has no x label" in figure_problems(fig)[0]
    ax.set_xlabel("activation")
    assert figure_problems(fig) == []
    fig2, ax2 = _line(xlabel="learning rate")
    ax2.set_xticks([1, 2, 3], labels=["$10^{-3}$", "0.01", "1e-1"])
    assert "no unit" in figure_problems(fig2)[0], "numbers as tick labels are not categories"


def test_colorbars_need_a_label_with_a_unit():
    fig, ax = plt.subplots()
    image = ax.imshow(np.eye(3), cmap="RdBu_r")
    ax.set(title="Weights", xlabel="input (index)", ylabel="unit (index)")
    colorbar = fig.colorbar(image, ax=ax)
    assert figure_problems(fig) == [
        "figure 'Weights', axes 2: the colorbar has no label (e.g. 'activation (a.u.)')"
    ]
    colorbar.set_label("weight")
    assert "colorbar label 'weight' has no unit" in figure_problems(fig)[0]
    colorbar.set_label("weight (a.u.)")
    assert figure_problems(fig) == []


def test_rainbow_colormaps_are_refused():
    fig, ax = plt.subplots()
    ax.imshow(np.eye(3), cmap="jet")
    ax.set(title="Bad", xlabel="x (index)", ylabel="y (index)")
    assert figure_problems(fig) == [
        "figure 'Bad', axes 1 uses the colormap 'jet': use viridis or RdBu_r"
    ]


def test_empty_figures_and_text_only_axes_pass_and_bad_input_is_refused():
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "a note")
    ax.axis("off")
    assert figure_problems(fig) == []
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        figure_problems(ax)


def test_nnlab_plots_pass_the_audit():
    history = nnlab.History()
    for i in range(3):
        history.train_loss.append(1.0 / (i + 1))
        history.train_acc.append(0.5)
        history.val_loss.append(1.0)
        history.val_acc.append(0.5)
    assert figure_problems(nnlab.plot_history(history)) == []
    X, y = nnlab.make_blobs(n=40, centers=2, seed=0)
    ax = nnlab.plot_decision_boundary(torch.nn.Linear(2, 2), X, y, resolution=10)
    assert figure_problems(ax.figure) == []


def _cell_errors(nb):
    return [next((o for o in c.outputs if o.output_type == "error"), None) for c in nb.cells]


def test_the_audit_fails_the_cell_that_shows_a_faulty_figure(tmp_path, monkeypatch):
    """In a real kernel with NNLAB_FIGURE_AUDIT=1: faulty figures fail their own cell only."""
    monkeypatch.setenv("NNLAB_FIGURE_AUDIT", "1")
    monkeypatch.delenv("IPYTHONDIR", raising=False)  # restored after the test: no audit leaks
    cells = [
        "import ipywidgets as widgets\nimport matplotlib.pyplot as plt\nimport nnlab\n"
        "from nnlab.widgets import live_control\nnnlab.use_style()",
        # a complete figure, left open: shown after the cell; no error
        "fig, ax = plt.subplots()\nax.plot([1, 2])\n"
        "ax.set(title='Good', xlabel='x (m)', ylabel='y (s)');",
        # a faulty figure left open
        "fig, ax = plt.subplots()\nax.plot([1, 2])\nax.set_title('Loss')\nax.set_xlabel('epoch')",
        # a faulty figure shown and closed in the middle of the cell
        "fig, ax = plt.subplots()\nax.plot([1, 2])\nax.set(xlabel='x (m)', ylabel='y (s)')\n"
        "plt.show()\nx = 1",
        # the last value is still displayed, and images with axis('off') need no labels
        "fig, ax = plt.subplots()\nax.imshow([[0, 1]])\nax.axis('off')\nax.set_title('img')\n"
        "41 + 1",
        # a widget's first drawing is audited in the cell that builds it
        "def render(n):\n    fig, ax = plt.subplots()\n    ax.plot(range(n))\n\n"
        "panel = live_control(render, n=widgets.IntSlider(value=3, min=1, max=5))\npanel",
        "plt.close('all')\n'done'",
    ]
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    path = tmp_path / "audit.ipynb"
    nbformat.write(nb, path)
    run(nb, path, timeout=120, allow_errors=True)
    errors = _cell_errors(nb)
    assert [e.ename if e else None for e in errors] == [
        None,
        None,
        "FigureAuditError",
        "FigureAuditError",
        None,
        "FigureAuditError",
        None,
    ]
    assert "x label 'epoch' has no unit in parentheses" in errors[2].evalue
    assert "no y label" in errors[2].evalue
    assert errors[2].traceback[0].startswith("Figure audit (NNLAB_FIGURE_AUDIT=1): figure 'Loss'")
    assert "axes 1 has no title" in errors[3].evalue
    assert "has no title" in errors[5].evalue and "no x label" in errors[5].evalue
    assert any(o.get("data", {}).get("text/plain") == "42" for o in nb.cells[4].outputs)
    assert not any(o.output_type == "execute_result" for o in nb.cells[1].outputs), "the ; hides"
    assert any("image/png" in o.get("data", {}) for o in nb.cells[1].outputs)


@pytest.mark.parametrize("value, on", [(None, False), ("0", False), ("1", True), ("yes", True)])
def test_kernels_get_the_audit_only_when_the_environment_asks(monkeypatch, value, on):
    if value is None:
        monkeypatch.delenv("NNLAB_FIGURE_AUDIT", raising=False)
    else:
        monkeypatch.setenv("NNLAB_FIGURE_AUDIT", value)
    env = figure_audit.kernel_environment()
    assert bool(env) == on
    if on:
        startup = Path(env["IPYTHONDIR"]) / "profile_default" / "startup"
        (script,) = startup.glob("*.py")
        assert str(Path(figure_audit.__file__).resolve()) in script.read_text()
        assert "enable()" in script.read_text()


def test_use_style_leaves_the_audit_alone(monkeypatch):
    """The learners' package knows nothing of the audit: use_style() never turns it on."""
    calls = []
    monkeypatch.setattr(figure_audit, "enable", lambda: calls.append(1))
    monkeypatch.setenv("NNLAB_FIGURE_AUDIT", "1")
    nnlab.use_style()
    assert calls == []


@pytest.mark.parametrize(
    "fn, arg, value",
    [
        (figure_audit.has_unit, "label", None),
        (figure_audit.has_unit, "label", 3.0),
        (figure_audit.is_dimensionless, "label", ["accuracy"]),
        (figure_audit.label_states_its_unit, "label", b"loss (nats)"),
        (figure_audit.figure_name, "fig", "Loss"),
        (figure_audit.figure_name, "fig", plt.figure().add_subplot()),
        (figure_audit.figure_problems, "fig", None),
    ],
)
def test_bad_input_raises_a_clear_error_naming_the_argument(fn, arg, value):
    with pytest.raises((TypeError, ValueError), match=rf"\b{arg}\b"):
        fn(value)


def test_figure_audit_error_renders_as_its_message():
    err = FigureAuditError("figure 'X', axes 1 has no title")
    assert err._render_traceback_() == [
        "Figure audit (NNLAB_FIGURE_AUDIT=1): figure 'X', axes 1 has no title"
    ]
