"""Bookkeeping for notebook 09 (learned helplessness, answered): retraining damaged units.

The ideas (how a unit is damaged, its correction rate h, the recovery criterion) are written
in the notebook; this module holds the parts that are not the idea:

- ``unit_masks(stack, unit)``: 0/1 masks selecting one first-layer hidden unit's incoming
  weights, bias and vote (outgoing weights) in every model of a stack;
- ``retrain(stack, X, T, lr=..., steps=..., optimizer="sgd" | "adam", unit=None)``:
  full-batch training of every model of a stack under squared error, with SGD or Adam, either
  every weight or only the chosen unit's own weights; returns the loss at every step;
- ``recovery_gap(loss, reference)``: the damage left, as a fraction of its start: the square
  root of the extra loss over a reference loss, ``(K, steps + 1)``;
- ``draw_map(ax, values, xlabels, lrs, title)``: a recovery-time map (damage × learning rate),
  cells that never recovered hatched and marked "never".

Shapes: a stack holds K models (``nnlab.batched.StackedMLP``); X float ``(n, d)``, targets T
float ``(n, C)``; ``unit`` an int64 ``(K,)`` tensor, the index of the unit in the first hidden
layer of each model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from ._validate import check_choice, check_float, check_int, check_tensor
from .batched import StackedMLP, train_batched
from .models import make_activation

__all__ = ["draw_map", "recovery_gap", "retrain", "unit_masks"]

OPTIMIZERS = ("sgd", "adam")
_BETAS, _EPS = (0.9, 0.999), 1e-8  # torch.optim.Adam's defaults


def _check_stack(stack: object) -> StackedMLP:
    if not isinstance(stack, StackedMLP):
        raise TypeError(f"stack must be an nnlab.batched.StackedMLP; got {type(stack).__name__}")
    if len(stack.weights) < 2:
        raise ValueError("stack must have at least one hidden layer (two weight matrices)")
    return stack


def _check_unit(stack: StackedMLP, unit: object) -> torch.Tensor:
    if not torch.is_tensor(unit) or unit.dtype != torch.int64:
        raise TypeError(f"unit must be an int64 tensor of shape (K,); got {unit!r}")
    if unit.shape != (stack.K,):
        raise ValueError(
            f"unit must have shape ({stack.K},), one unit per model; got {tuple(unit.shape)}"
        )
    width = stack.sizes[1]
    if unit.min() < 0 or unit.max() >= width:
        raise ValueError(
            f"unit must index the first hidden layer, in [0, {width}); got {unit.tolist()}"
        )
    return unit


def unit_masks(stack: StackedMLP, unit: torch.Tensor) -> list[torch.Tensor]:
    """Return 0/1 masks shaped like ``stack.parameters()`` that select one hidden unit per model.

    For model k the masks are 1 on unit ``unit[k]``'s incoming weights (row of ``W1``), its
    bias (entry of ``b1``) and its vote (column of ``W2``), 0 everywhere else.
    """
    stack = _check_stack(stack)
    unit = _check_unit(stack, unit)
    masks = [torch.zeros_like(p) for p in stack.parameters()]
    k = torch.arange(stack.K)
    masks[0][k, unit, :] = 1
    masks[1][k, unit] = 1
    masks[2][k, :, unit] = 1
    return masks


def retrain(
    stack: StackedMLP,
    X: torch.Tensor,
    T: torch.Tensor,
    *,
    lr: float | Sequence[float] | torch.Tensor,
    steps: int,
    optimizer: str = "sgd",
    unit: torch.Tensor | None = None,
) -> torch.Tensor:
    """Train every model of ``stack`` in place by full-batch steps; return the loss per step.

    - ``X`` float ``(n, d)``, ``T`` float ``(n, C)``: the data, shared by all K models; the
      loss of model k is its mean squared error ``mean((f_k(X) - T)**2)`` over all n × C
      entries (as ``train_batched(..., loss="mse")``).
    - ``lr``: one positive number or K numbers (per model).
    - ``optimizer``: ``"sgd"`` (plain gradient descent, no momentum) or ``"adam"`` (as
      ``torch.optim.Adam`` with its default betas and eps).
    - ``unit``: None to train every weight; or an int64 ``(K,)`` tensor: then only that
      first-layer unit's incoming weights, bias and vote learn, everything else is held.

    Returns float ``(K, steps + 1)``: the loss before each step and after the last one.
    """
    stack = _check_stack(stack)
    X = check_tensor("X", X, ndim=2, floating=True)
    T = check_tensor("T", T, ndim=2, floating=True)
    if X.shape[1] != stack.sizes[0]:
        raise ValueError(
            f"X must have {stack.sizes[0]} columns (the input width); got {X.shape[1]}"
        )
    if T.shape != (X.shape[0], stack.sizes[-1]):
        raise ValueError(
            f"T must have shape ({X.shape[0]}, {stack.sizes[-1]}); got {tuple(T.shape)}"
        )
    steps = check_int("steps", steps, minimum=1)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    if torch.is_tensor(lr) or isinstance(lr, Sequence):
        rates = torch.as_tensor(lr, dtype=stack.dtype)
        if rates.shape != (stack.K,):
            raise ValueError(
                f"lr must be one number or {stack.K} numbers; got shape {tuple(rates.shape)}"
            )
        if not torch.isfinite(rates).all() or (rates <= 0).any():
            raise ValueError("lr must hold positive finite numbers")
    else:
        rates = torch.full((stack.K,), check_float("lr", lr, positive=True), dtype=stack.dtype)
    masks = None if unit is None else unit_masks(stack, unit)
    if optimizer == "sgd":
        return _retrain_sgd(stack, X, T, rates, steps, masks)
    act = make_activation(stack.activation)
    params = stack.parameters()
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    shaped = [rates.view(-1, *[1] * (p.ndim - 1)) for p in params]
    losses = []
    for t in range(steps + 1):
        live = [p.detach().requires_grad_(True) for p in params]
        out = X.expand(stack.K, *X.shape)
        for layer in range(0, len(live), 2):  # z = a·Wᵀ + b, then the activation (not at the top)
            out = torch.baddbmm(live[layer + 1][:, None], out, live[layer].transpose(1, 2))
            if layer + 2 < len(live):
                out = act(out)
        loss = (out - T).square().mean(dim=(1, 2))  # (K,)
        losses.append(loss.detach())
        if t == steps:
            break
        grads = torch.autograd.grad(loss.sum(), live)
        with torch.no_grad():
            for i, (p, g) in enumerate(zip(params, grads, strict=True)):
                if masks is not None:
                    g = g * masks[i]
                if optimizer == "sgd":
                    p -= shaped[i] * g
                    continue
                m[i].mul_(_BETAS[0]).add_(g, alpha=1 - _BETAS[0])
                v[i].mul_(_BETAS[1]).addcmul_(g, g, value=1 - _BETAS[1])
                m_hat = m[i] / (1 - _BETAS[0] ** (t + 1))
                v_hat = v[i] / (1 - _BETAS[1] ** (t + 1))
                p -= shaped[i] * m_hat / (v_hat.sqrt() + _EPS)
    return torch.stack(losses, dim=1)


def _retrain_sgd(
    stack: StackedMLP,
    X: torch.Tensor,
    T: torch.Tensor,
    rates: torch.Tensor,
    steps: int,
    masks: list[torch.Tensor] | None,
) -> torch.Tensor:
    """Plain full-batch gradient descent through the batched engine: every step is one epoch,
    and with ``masks`` the weights outside the unit are put back after each step (the same
    as masking their gradients, since plain SGD has no state)."""
    start = [p.detach().clone() for p in stack.parameters()]

    def hold(epoch: int, s: StackedMLP) -> None:
        for p, p0, mask in zip(s.parameters(), start, masks, strict=True):
            p.copy_(torch.where(mask.bool(), p, p0))

    first = ((stack(X) - T).square().mean(dim=(1, 2))).detach()
    hist = train_batched(
        stack,
        X,
        T,
        lr=rates.tolist(),
        epochs=steps,
        loss="mse",
        callback=None if masks is None else hold,
        progress=False,
    )
    return torch.cat([first[:, None], hist.train_loss.to(first.dtype)], dim=1)


def recovery_gap(loss: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """The damage left at every step, as a fraction of its start: ``(K, steps + 1)``.

    ``loss`` float ``(K, steps + 1)`` (from ``retrain``), ``reference`` float ``(K,)`` the
    undamaged model's loss. The gap is ``sqrt(max(loss - reference, 0) / (loss[:, 0] -
    reference))``: 1 at step 0, 0 once the extra loss is gone. On a quadratic bowl the
    square root of the extra loss shrinks like the distance to the minimum. A model whose
    damage cost no loss (``loss[:, 0] <= reference``) gets NaN.
    """
    loss = check_tensor("loss", loss, ndim=2, floating=True, finite=False)
    reference = check_tensor("reference", reference, ndim=1, floating=True)
    if reference.shape[0] != loss.shape[0]:
        raise ValueError(f"reference must have {loss.shape[0]} entries; got {reference.shape[0]}")
    start = loss[:, :1] - reference[:, None]
    extra = (loss - reference[:, None]).clamp_min(0)
    return torch.where(start > 0, extra / start.clamp_min(1e-30), math.nan).sqrt()


def draw_map(
    ax: plt.Axes,
    values: torch.Tensor,
    xlabels: Sequence[str],
    lrs: Sequence[float],
    title: str,
    vmax: float | None = None,
) -> plt.cm.ScalarMappable:
    """Draw a recovery-time map on ``ax``; return the image (for a colorbar).

    ``values`` float ``(len(lrs), len(xlabels))``: steps to recover per learning rate (rows)
    and damage (columns), NaN where the damage was never undone within the run (drawn grey,
    hatched, marked "never"). The colour is log10 of the steps (viridis); every cell prints
    its value. ``vmax``: the largest step count of the colour scale (default: the largest
    value).
    """
    if not isinstance(ax, plt.Axes):
        raise TypeError(f"ax must be a matplotlib Axes; got {type(ax).__name__}")
    values = check_tensor("values", values, ndim=2, floating=True, finite=False)
    if values.shape != (len(lrs), len(xlabels)):
        raise ValueError(
            f"values must have shape ({len(lrs)}, {len(xlabels)}) (rates × damages); "
            f"got {tuple(values.shape)}"
        )
    finite = values[torch.isfinite(values)]
    top = float(finite.max()) if vmax is None and len(finite) else (vmax or 10.0)
    logs = np.log10(values.clamp_min(1).numpy())
    im = ax.imshow(logs, cmap="viridis", vmin=0, vmax=math.log10(max(top, 10)), aspect="auto")
    for (i, j), v in np.ndenumerate(values.numpy()):
        if math.isnan(v):
            ax.add_patch(
                plt.Rectangle(
                    (j - 0.5, i - 0.5), 1, 1, facecolor="0.85", hatch="//", edgecolor="0.5"
                )
            )
            ax.text(j, i, "never", ha="center", va="center", fontsize=7)
        else:
            dark = logs[i, j] < 0.6 * math.log10(max(top, 10))
            ax.text(
                j, i, f"{v:.0f}", ha="center", va="center", fontsize=7, color="w" if dark else "k"
            )
    ax.set_xticks(range(len(xlabels)), xlabels, fontsize=7)
    ax.set_yticks(range(len(lrs)), [f"{lr:g}" for lr in lrs])
    ax.set_title(title)
    return im
