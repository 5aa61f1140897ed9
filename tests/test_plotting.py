import matplotlib as mpl
import pytest
import torch

import nnlab


def _history(with_val=True, acc=True):
    h = nnlab.History()
    for i in range(5):
        h.train_loss.append(1.0 / (i + 1))
        h.train_acc.append(0.5 + 0.1 * i if acc else None)
        if with_val:
            h.val_loss.append(1.2 / (i + 1))
            h.val_acc.append(0.4 + 0.1 * i if acc else None)
    return h


def test_use_style_sets_the_colour_blind_safe_cycle():
    nnlab.use_style()
    colors = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.upper() for c in colors[:3]] == ["#0072B2", "#E69F00", "#009E73"]


def test_history_plot_has_loss_and_accuracy_panels_with_labels():
    fig = nnlab.plot_history(_history())
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.lines) == 2 and len(acc_ax.lines) == 2
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert list(loss_ax.lines[0].get_ydata()) == _history().train_loss


def test_history_plot_for_regression_has_one_panel():
    fig = nnlab.plot_history(_history(with_val=False, acc=False))
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 1


def test_history_plot_rejects_bad_input():
    with pytest.raises(TypeError, match="history"):
        nnlab.plot_history({"loss": [1]})
    with pytest.raises(ValueError, match="empty"):
        nnlab.plot_history(nnlab.History())


def test_decision_boundary_shades_the_predicted_classes():
    X, y = nnlab.make_blobs(n=60, centers=2, seed=0)
    model = torch.nn.Linear(2, 2)
    ax = nnlab.plot_decision_boundary(model, X, y, resolution=20)
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert len(ax.collections) >= 2  # the shaded regions and the scatter


def test_decision_boundary_rejects_non_2d_inputs():
    X, y = nnlab.make_blobs(n=60, centers=2, dim=3, seed=0)
    with pytest.raises(ValueError, match="2 columns"):
        nnlab.plot_decision_boundary(torch.nn.Linear(3, 2), X, y)
    with pytest.raises(ValueError, match="resolution"):
        nnlab.plot_decision_boundary(torch.nn.Linear(3, 2), X[:, :2], y, resolution=1)
