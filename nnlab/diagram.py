"""A network diagram: units as dots in layers, every connection a line whose colour and
width show a signed number per weight (the weight itself, or its gradient: its "blame").

    from nnlab.diagram import plot_network
    plot_network([dW1, dW2], label="blame dL/dw (nats per unit weight)")

Introduced in notebook 01 (backpropagation as credit assignment).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize

from ._validate import check_array, check_float, check_int, to_numpy
from .plotting import DIVERGING_CMAP

MAX_EDGES = 5000  # beyond this a diagram is a grey smear; plot a summary instead


def _as_matrix(name: str, value: object) -> np.ndarray:
    value = to_numpy(check_array(name, value))
    if value.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_in, n_out); got shape {value.shape}")
    return value


def layer_sizes(weights: Sequence[object]) -> list[int]:
    """Return the widths of every layer, input first, for weight matrices ``(n_in, n_out)``.

    Raises ValueError when consecutive matrices do not chain (``W[i]`` has ``n_out`` columns
    but ``W[i+1]`` has a different number of rows), with a hint when a transpose would fit.
    """
    if isinstance(weights, np.ndarray | torch.Tensor) or not isinstance(weights, Sequence):
        raise TypeError(
            "weights must be a list of 2-D arrays, one (n_in, n_out) matrix per layer; "
            f"got {type(weights).__name__}"
        )
    if len(weights) == 0:
        raise ValueError("weights must hold at least one (n_in, n_out) matrix")
    mats = [_as_matrix(f"weights[{i}]", w) for i, w in enumerate(weights)]
    sizes = [mats[0].shape[0]]
    for i, W in enumerate(mats):
        if W.shape[0] != sizes[-1]:
            hint = (
                " (it looks transposed: pass each matrix as (n_in, n_out); "
                "for torch.nn.Linear use layer.weight.T)"
                if W.shape[1] == sizes[-1]
                else ""
            )
            raise ValueError(
                f"weights[{i}] has shape {W.shape} but the layer before it has {sizes[-1]} "
                f"units, so it needs {sizes[-1]} rows{hint}"
            )
        sizes.append(W.shape[1])
    return sizes


def node_positions(sizes: Sequence[int]) -> list[np.ndarray]:
    """Return, per layer, an ``(n_units, 2)`` array of (x, y) positions: layer ``i`` at
    x = i, its units evenly spaced one apart and centred on y = 0, top unit first."""
    if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence | np.ndarray):
        raise TypeError(f"sizes must be a list of layer widths; got {type(sizes).__name__}")
    if len(sizes) == 0:
        raise ValueError("sizes must hold at least one layer width")
    sizes = [check_int("sizes", n, minimum=1) for n in sizes]
    return [
        np.column_stack([np.full(n, float(i)), (n - 1) / 2 - np.arange(n, dtype=float)])
        for i, n in enumerate(sizes)
    ]


def plot_network(
    weights: Sequence[object],
    ax: Axes | None = None,
    *,
    title: str = "Network",
    label: str = "weight (a.u.)",
    vmax: float | None = None,
    layer_names: Sequence[str] | None = None,
    max_width: float = 4.0,
    colorbar: bool = True,
) -> Axes:
    """Draw a fully connected network; colour and width of each line show its weight's value.

    - ``weights``: one matrix per layer, shape ``(n_in, n_out)`` as in ``x @ W`` (NumPy or
      torch; for ``torch.nn.Linear`` pass ``layer.weight.T``). Entry ``[i, j]`` is the line
      from unit ``i`` of one layer to unit ``j`` of the next. Pass gradients to show blame.
    - ``vmax`` > 0: the value drawn in full colour and width (default: the largest
      ``|value|``). Give two panels the same ``vmax`` to compare them.
    - ``label``: the colour bar's label, with its unit. ``layer_names``: one per layer
      (default "input", "hidden 1", ..., "output").
    - Colours: the diverging map ``RdBu_r`` (red positive, blue negative, white zero);
      width grows with ``|value|``.

    Returns the axes. The lines are ``ax.collections[0]`` (a ``LineCollection`` with one
    segment per weight, in the order layer, row, column); the units are ``ax.collections[1]``.
    """
    sizes = layer_sizes(weights)
    mats = [_as_matrix(f"weights[{i}]", w) for i, w in enumerate(weights)]
    values = np.concatenate([W.reshape(-1) for W in mats])
    if len(values) > MAX_EDGES:
        raise ValueError(
            f"weights hold {len(values)} connections; a diagram is readable up to {MAX_EDGES}"
        )
    if vmax is None:
        vmax = float(np.abs(values).max()) or 1.0
    vmax = check_float("vmax", vmax, positive=True)
    max_width = check_float("max_width", max_width, positive=True)
    if not isinstance(title, str) or not isinstance(label, str):
        raise TypeError("title and label must be strings")
    if layer_names is None:
        hidden = [f"hidden {i}" for i in range(1, len(sizes) - 1)]
        layer_names = ["input", *hidden, "output"]
    if isinstance(layer_names, str) or len(layer_names) != len(sizes):
        raise ValueError(
            f"layer_names must name each of the {len(sizes)} layers; got {layer_names!r}"
        )

    positions = node_positions(sizes)
    segments = [
        [tuple(positions[layer][i]), tuple(positions[layer + 1][j])]
        for layer, W in enumerate(mats)
        for i in range(W.shape[0])
        for j in range(W.shape[1])
    ]
    strength = np.clip(np.abs(values) / vmax, 0.0, 1.0)
    norm = Normalize(vmin=-vmax, vmax=vmax)
    lines = LineCollection(
        segments,
        array=values,
        cmap=DIVERGING_CMAP,
        norm=norm,
        linewidths=0.3 + (max_width - 0.3) * strength,
        zorder=1,
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.4), layout="constrained")
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be matplotlib Axes or None; got {type(ax).__name__}")
    ax.add_collection(lines)
    xy = np.concatenate(positions)
    ax.scatter(xy[:, 0], xy[:, 1], s=90, c="white", edgecolors="black", linewidths=1.0, zorder=2)
    half = (max(sizes) - 1) / 2
    ax.set_xlim(-0.3, len(sizes) - 0.7)
    ax.set_ylim(-half - 0.7, half + 0.7)
    ax.set_xticks(
        range(len(sizes)), [f"{name}\n({n})" for name, n in zip(layer_names, sizes, strict=True)]
    )
    ax.set_yticks([])
    ax.grid(False)
    for side in ("left", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.set(title=title, xlabel="layer (depth)", ylabel="unit (position in layer)")
    if colorbar:
        ax.figure.colorbar(lines, ax=ax, label=label, shrink=0.85, pad=0.02)
    return ax


__all__ = ["layer_sizes", "node_positions", "plot_network"]
