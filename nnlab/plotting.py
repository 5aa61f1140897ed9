"""Plots with one shared, colour-blind-safe style. Introduced in notebook 00.

``COLORS`` is the Okabe-Ito palette (Okabe & Ito 2008), distinguishable under the common
forms of colour blindness; ``use_style()`` makes it matplotlib's default colour cycle.
The course's figure rules (a title, axis labels with units) are checked by the test runs'
figure audit, ``tools/figure_audit.py``, not by this package.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from torch import nn

from ._validate import check_int, check_same_length, check_tensor
from .training import History

COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
CYCLE = [COLORS[c] for c in ("blue", "orange", "green", "vermillion", "sky", "purple", "black")]
# Sequential and diverging colormaps that stay readable in grey and for colour-blind readers.
SEQUENTIAL_CMAP = "viridis"
DIVERGING_CMAP = "RdBu_r"
EPOCH_LABEL = "epoch (passes over the data)"


def use_style() -> None:
    """Set matplotlib defaults for the course: palette, small figures, readable fonts."""
    mpl.rcParams.update(
        {
            "axes.prop_cycle": mpl.cycler(color=CYCLE),
            "figure.figsize": (6.0, 3.6),
            "figure.dpi": 80,
            "savefig.dpi": 80,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "legend.frameon": False,
            "image.cmap": SEQUENTIAL_CMAP,
        }
    )


def _axes(ax: Axes | None, ncols: int = 1) -> Axes | list[Axes]:
    if ax is not None:
        if not isinstance(ax, Axes):
            raise TypeError(f"ax must be matplotlib Axes or None; got {type(ax).__name__}")
        return ax
    fig, axes = plt.subplots(1, ncols, figsize=(4.2 * ncols, 3.4), layout="constrained")
    return axes


def plot_history(history: History, title: str = "Training curves") -> plt.Figure:
    """Plot loss (left) and accuracy (right) per epoch, train and validation; return the figure.

    The accuracy panel is left out for regression runs (no accuracies recorded).
    """
    if not isinstance(history, History):
        raise TypeError(f"history must be an nnlab History; got {type(history).__name__}")
    if history.epochs == 0:
        raise ValueError("history is empty: train for at least one epoch first")
    has_acc = history.train_acc[0] is not None
    axes = _axes(None, 2 if has_acc else 1)
    axes = list(axes) if has_acc else [axes]
    epochs = range(1, history.epochs + 1)
    axes[0].plot(epochs, history.train_loss, label="train", color=COLORS["blue"])
    if history.val_loss:
        axes[0].plot(epochs, history.val_loss, label="validation", color=COLORS["orange"], ls="--")
    axes[0].set(xlabel=EPOCH_LABEL, ylabel="loss (nats per example)", title="Loss")
    if has_acc:
        axes[1].plot(epochs, history.train_acc, label="train", color=COLORS["blue"])
        if history.val_acc:
            axes[1].plot(
                epochs, history.val_acc, label="validation", color=COLORS["orange"], ls="--"
            )
        axes[1].set(xlabel=EPOCH_LABEL, ylabel="accuracy (fraction correct)", title="Accuracy")
        axes[1].set_ylim(0, 1.02)
    axes[0].legend()
    fig = axes[0].figure
    fig.suptitle(title)
    return fig


@torch.no_grad()
def plot_decision_boundary(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    ax: Axes | None = None,
    resolution: int = 150,
    title: str = "Decision regions",
) -> Axes:
    """Shade the class ``model`` predicts over the plane and scatter the points; return the axes.

    ``X`` float ``(n, 2)``, ``y`` int64 ``(n,)``; ``resolution`` grid points per side.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    check_tensor("X", X, ndim=2, floating=True)
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 columns for a decision boundary; got {X.shape[1]}")
    check_tensor("y", y, ndim=1, integer=True)
    check_same_length("X", X, "y", y)
    resolution = check_int("resolution", resolution, minimum=2)
    ax = _axes(ax)
    pad = 0.25 * (X.max(0).values - X.min(0).values)
    lo, hi = X.min(0).values - pad, X.max(0).values + pad
    gx, gy = torch.meshgrid(
        torch.linspace(lo[0], hi[0], resolution),
        torch.linspace(lo[1], hi[1], resolution),
        indexing="xy",
    )
    grid = torch.stack([gx.flatten(), gy.flatten()], dim=1)
    pred = model(grid).argmax(dim=1).reshape(gx.shape)
    n_classes = int(max(y.max(), pred.max())) + 1
    cmap = ListedColormap(CYCLE[:n_classes])
    levels = torch.arange(n_classes + 1) - 0.5
    ax.contourf(gx, gy, pred, levels=levels, alpha=0.25, cmap=cmap)
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=y,
        cmap=cmap,
        vmin=-0.5,
        vmax=n_classes - 0.5,
        s=12,
        edgecolors="white",
        linewidths=0.4,
    )
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title)  # toy coordinates: no unit
    return ax
