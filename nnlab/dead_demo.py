"""Bookkeeping for notebook 02 (dead neurons): stacks of nets, counts, tables of units.

The ideas (the dead-unit test, what kills a unit, what revives one) are taught in the
notebook; these helpers hold the parts that are not the idea:

- ``lower_hidden_biases(stack, shift)``: lower every hidden bias of a stack, in place;
- ``shuffled_copies(X, y, generators)``: one shuffled copy of the data per net, ``(K, n, ...)``;
- ``dead_in_stack(stack, X)``: the dead-unit test for every net and hidden layer;
- ``transitions(masks)``: deaths, revivals and the distinct units behind them, from a
  monitor's per-step dead masks;
- ``recovery(groups, masks)``: how many units of a group of dead units came back;
- ``unit_states(model, X, y)``: the fractions of hidden units that are dead, stuck (exactly
  zero gradient) and practically stuck (slope below ``tiny`` on every row);
- ``relative_to_alive(values, dead)``: a dead unit's size (fan-in, vote) relative to its
  living neighbours';
- ``bar_labels(ax, bars, values)``: a value on every bar, zero-height bars included.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from torch import nn

from . import probes
from ._validate import check_float, check_tensor
from .batched import StackedMLP, hidden_activations

__all__ = [
    "bar_labels",
    "dead_in_stack",
    "lower_hidden_biases",
    "recovery",
    "relative_to_alive",
    "shuffled_copies",
    "transitions",
    "unit_states",
]


def _check_stack(stack: object) -> StackedMLP:
    if not isinstance(stack, StackedMLP):
        raise TypeError(f"stack must be an nnlab.batched.StackedMLP; got {type(stack).__name__}")
    return stack


def lower_hidden_biases(stack: StackedMLP, shift: float) -> StackedMLP:
    """Lower every hidden bias of every net of ``stack`` by ``shift`` (in place); return it.

    The output layer's bias is left alone. ``shift`` is a finite number (0 leaves the stack
    as it is; a negative shift raises the biases).
    """
    _check_stack(stack)
    shift = check_float("shift", shift)
    with torch.no_grad():
        for bias in stack.biases[:-1]:
            bias -= shift
    return stack


def shuffled_copies(
    X: torch.Tensor, y: torch.Tensor, generators: Sequence[torch.Generator]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(X_runs (K, n, d), y_runs (K, n))``: copy k is the rows in an order drawn
    from ``generators[k]``, so that net k of a stack sees the data in an order of its own."""
    X = check_tensor("X", X, ndim=2, floating=True)
    y = check_tensor("y", y, ndim=1)
    if len(X) != len(y):
        raise ValueError(f"X and y must have as many rows; got {len(X)} and {len(y)}")
    if isinstance(generators, torch.Generator) or not isinstance(generators, Sequence):
        raise TypeError("generators must be a list of torch.Generator, one per net")
    if not generators or not all(isinstance(g, torch.Generator) for g in generators):
        raise ValueError("generators must be a non-empty list of torch.Generator objects")
    orders = torch.stack([torch.randperm(len(X), generator=g) for g in generators])
    return X[orders], y[orders]


def dead_in_stack(stack: StackedMLP, X: torch.Tensor) -> torch.Tensor:
    """The dead-unit test for every net of a ReLU stack: bool ``(K, hidden layers, width)``,
    True where the unit's output is 0 on every row of ``X`` ``(n, d)``. Hidden layers must
    share one width."""
    _check_stack(stack)
    if stack.activation != "relu":
        raise ValueError(f"stack must use ReLU units; got activation {stack.activation!r}")
    X = check_tensor("X", X, floating=True)
    if X.shape[-1] != stack.sizes[0]:
        raise ValueError(f"X must have {stack.sizes[0]} columns; got {X.shape[-1]}")
    widths = set(stack.sizes[1:-1])
    if len(widths) != 1:
        raise ValueError(f"stack's hidden layers must share one width; got {stack.sizes}")
    return torch.stack([(h <= 0).all(dim=1) for h in hidden_activations(stack, X)], dim=1)


def transitions(masks: torch.Tensor) -> dict[str, int]:
    """Count what happens between consecutive records of dead masks ``(records, units)``.

    Returns ``{"deaths", "revivals", "units_died", "units_revived"}``: the alive → dead and
    dead → alive events, and the distinct units that had at least one of each. A unit that
    dies and revives five times is five deaths but one unit.
    """
    masks = check_tensor("masks", masks, ndim=2)
    if masks.dtype != torch.bool:
        raise TypeError(f"masks must be a bool tensor (records, units); got {masks.dtype}")
    if len(masks) < 2:
        raise ValueError(f"masks needs at least 2 records to see a change; got {len(masks)}")
    died = ~masks[:-1] & masks[1:]
    revived = masks[:-1] & ~masks[1:]
    return {
        "deaths": int(died.sum()),
        "revivals": int(revived.sum()),
        "units_died": int(died.any(0).sum()),
        "units_revived": int(revived.any(0).sum()),
    }


def recovery(
    groups: Sequence[torch.Tensor], masks: Sequence[torch.Tensor]
) -> tuple[int, int, int, torch.Tensor]:
    """For one group of dead units followed in several runs: how many came back.

    ``groups[r]`` is a bool ``(units,)`` mask of the group in run r, ``masks[r]`` that run's
    dead masks ``(records, units)``, record 0 at the start. Every unit of a group must be
    dead at record 0. Returns ``(dead at the start, came back at some record, alive at the
    last record, fraction of the group still dead per record (records,))``, summed over runs.
    """
    if len(groups) != len(masks) or not groups:
        raise ValueError(
            f"groups and masks must be non-empty and as long; got {len(groups)}, {len(masks)}"
        )
    n = ever = end = 0
    curve = None
    for units, dead in zip(groups, masks, strict=True):
        units = check_tensor("groups", units, ndim=1)
        dead = check_tensor("masks", dead, ndim=2)
        if units.dtype != torch.bool or dead.dtype != torch.bool:
            raise TypeError("groups and masks must be bool tensors")
        if dead.shape[1] != units.shape[0]:
            raise ValueError(f"masks have {dead.shape[1]} units, groups {units.shape[0]}")
        if not dead[0][units].all():
            raise ValueError("every unit of a group must be dead at the first record")
        n += int(units.sum())
        ever += int((units & ~dead.all(0)).sum())
        end += int((units & ~dead[-1]).sum())
        still = (dead & units).sum(1)
        curve = still if curve is None else curve + still
    return n, ever, end, curve / max(n, 1)


def _slope(module: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """|slope| of ``module`` at ``z`` (float64, elementwise) divided by its slope at 0+."""
    z = z.detach().double().requires_grad_(True)
    (slope,) = torch.autograd.grad(module(z).sum(), z)
    zero = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    (at_zero,) = torch.autograd.grad(module(zero + 1e-12).sum(), zero)
    return slope.abs() / at_zero.abs().clamp_min(1e-300)


def unit_states(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, tiny: float = 1e-6
) -> dict[str, float]:
    """Fractions of all hidden units of ``model`` (pooled over layers) on ``(X, y)``.

    - ``"dead"``: off on every row (``probes.dead_units``);
    - ``"stuck"``: loss gradient exactly 0 (``probes.unit_gradient_norms``, float32);
    - ``"practically stuck"``: the activation's slope, relative to its slope at 0, is below
      ``tiny`` on every row (computed in float64, so no float32 rounding decides it). A dead
      ReLU unit is practically stuck; a Leaky ReLU unit (slope 0.01) never is; a GELU unit
      is once its pre-activations all lie below about −5.5 (for ``tiny = 1e-6``).
    ``y`` are int64 labels ``(n,)`` (cross-entropy).
    """
    tiny = check_float("tiny", tiny, positive=True)
    dead = probes.dead_units(model, X)
    grads = probes.unit_gradient_norms(model, X, y)
    modules = probes.find_activations(model)
    pre = probes.pre_activations(model, X)
    flat = torch.cat([(_slope(modules[k], z) < tiny).all(0).flatten() for k, z in pre.items()])
    return {
        "dead": torch.cat([d.flatten() for d in dead.values()]).float().mean().item(),
        "stuck": torch.cat([(g == 0).flatten() for g in grads.values()]).float().mean().item(),
        "practically stuck": flat.float().mean().item(),
    }


def relative_to_alive(values: torch.Tensor, dead: torch.Tensor) -> float:
    """Median of ``values`` over dead units divided by its median over living ones.

    ``values`` ``(units,)`` (a norm per unit: fan-in, vote), ``dead`` a bool mask of the same
    shape with at least one dead and one living unit. Below 1: the dead units are smaller
    than their neighbours.
    """
    values = check_tensor("values", values, ndim=1, floating=True)
    dead = check_tensor("dead", dead, ndim=1)
    if dead.dtype != torch.bool or dead.shape != values.shape:
        raise ValueError("dead must be a bool mask of values' shape")
    if dead.all() or not dead.any():
        raise ValueError("dead must mark at least one dead and one living unit")
    return (values[dead].quantile(0.5) / values[~dead].quantile(0.5)).item()


def bar_labels(
    ax: plt.Axes, bars: object, values: Sequence[float] | torch.Tensor, fmt: str = "{:.0f}"
) -> None:
    """Write each value above (or, for horizontal bars, beside) its bar, zeros included, so
    that a bar of height 0 reads as a measured 0 and not as a missing bar."""
    if not isinstance(ax, plt.Axes):
        raise TypeError(f"ax must be a matplotlib Axes; got {type(ax).__name__}")
    values = [float(v) for v in values]
    if len(values) != len(bars):
        raise ValueError(f"values must give one number per bar; got {len(values)}, {len(bars)}")
    ax.bar_label(bars, labels=[fmt.format(v) for v in values], padding=2, fontsize=8)
