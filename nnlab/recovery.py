"""Bookkeeping for notebook 09 (learned helplessness, answered): retraining damaged units.

The ideas (how a unit is damaged, its correction rate h, the recovery criterion) are written
in the notebook; this module holds the parts that are not the idea:

- ``unit_masks(stack, unit)``: 0/1 masks selecting one first-layer hidden unit's incoming
  weights, bias and vote (outgoing weights) in every model of a stack;
- ``retrain(stack, X, T, lr=..., steps=..., optimizer="sgd" | "adam", unit=None)``:
  full-batch training of every model of a stack under squared error, with SGD or Adam, either
  every weight or only the chosen unit's own weights; returns the loss at every step;
- ``curvature_along(damaged, undamaged, X, T)``: each damage's correction rate h, the
  curvature of the loss along the line from the damaged weights to the undamaged ones;
- ``unit_hessian(stack, X, T, unit)``: the Hessian over one unit's own weights;
- ``recovery_gap(loss, reference)``: the damage left, as a fraction of its start: the square
  root of the extra loss over a reference loss, ``(K, steps + 1)``;
- ``draw_map(ax, values, xlabels, lrs, title, never=..., runs=...)``: a recovery-time map
  (damage × learning rate) on a log colour scale, with how many runs of each cell never
  recovered; cells where all failed hatched.

Shapes: a stack holds K models (``nnlab.batched.StackedMLP``); X float ``(n, d)``, targets T
float ``(n, C)``; ``unit`` an int64 ``(K,)`` tensor, the index of the unit in the first hidden
layer of each model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import matplotlib
import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import torch

from ._validate import check_choice, check_float, check_int, check_tensor
from .batched import StackedMLP, train_batched
from .models import make_activation

__all__ = [
    "curvature_along",
    "draw_map",
    "recovery_gap",
    "retrain",
    "unit_hessian",
    "unit_masks",
]

OPTIMIZERS = ("sgd", "adam")
PARTS = ("unit", "bias", "vote")
_BETAS, _EPS = (0.9, 0.999), 1e-8  # torch.optim.Adam's defaults


def _check_stack(stack: object, name: str = "stack") -> StackedMLP:
    if not isinstance(stack, StackedMLP):
        raise TypeError(f"{name} must be an nnlab.batched.StackedMLP; got {type(stack).__name__}")
    if len(stack.weights) < 2:
        raise ValueError(f"{name} must have at least one hidden layer (two weight matrices)")
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


def _check_data(stack: StackedMLP, X: object, T: object) -> tuple[torch.Tensor, torch.Tensor]:
    """Check inputs ``X`` float ``(n, d)`` and targets ``T`` float ``(n, C)`` against ``stack``."""
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
    return X, T


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
    part: str = "unit",
    watch: Callable[[StackedMLP], torch.Tensor] | None = None,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Train every model of ``stack`` in place by full-batch steps; return the loss per step.

    - ``X`` float ``(n, d)``, ``T`` float ``(n, C)``: the data, shared by all K models; the
      loss of model k is its mean squared error ``mean((f_k(X) - T)**2)`` over all n × C
      entries (as ``train_batched(..., loss="mse")``).
    - ``lr``: one positive number or K numbers (per model).
    - ``optimizer``: ``"sgd"`` (plain gradient descent, no momentum) or ``"adam"`` (as
      ``torch.optim.Adam`` with its default betas and eps).
    - ``unit``: None to train every weight; or an int64 ``(K,)`` tensor: then only that
      first-layer unit's incoming weights, bias and vote learn, everything else is held.
    - ``part`` (only with ``unit``): which of the unit's weights learn: ``"unit"`` (all
      of them), ``"bias"`` (its bias alone) or ``"vote"`` (its outgoing weights alone).
    - ``watch(stack) -> (K, ...)``: quantities recorded before each step and after the last.

    Returns float ``(K, steps + 1)``: the loss before each step and after the last one; with
    ``watch``, the pair ``(loss, watched)``, watched ``(K, steps + 1, ...)``.
    """
    stack = _check_stack(stack)
    X, T = _check_data(stack, X, T)
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
    part = check_choice("part", part, PARTS)
    if part != "unit" and unit is None:
        raise ValueError(f"part={part!r} needs a unit (part selects among that unit's weights)")
    if watch is not None and not callable(watch):
        raise TypeError(f"watch must be callable (stack -> (K,) tensor); got {watch!r}")
    masks = None if unit is None else unit_masks(stack, unit)
    if masks is not None and part != "unit":
        keep = {"bias": 1, "vote": 2}[part]
        masks = [m if i == keep else torch.zeros_like(m) for i, m in enumerate(masks)]
    seen: list[torch.Tensor] = []

    def look(s: StackedMLP) -> None:
        if watch is not None:
            with torch.no_grad():
                got = torch.as_tensor(watch(s)).detach()
                if got.ndim == 0 or got.shape[0] != s.K:
                    raise ValueError(f"watch must return a tensor with {s.K} rows; got {got!r}")
                seen.append(got.to(s.dtype))

    def result(loss: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        return loss if watch is None else (loss, torch.stack(seen, dim=1))

    if optimizer == "sgd":
        return result(_retrain_sgd(stack, X, T, rates, steps, masks, look))
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
        look(stack)
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
    return result(torch.stack(losses, dim=1))


def _retrain_sgd(
    stack: StackedMLP,
    X: torch.Tensor,
    T: torch.Tensor,
    rates: torch.Tensor,
    steps: int,
    masks: list[torch.Tensor] | None,
    look: Callable[[StackedMLP], None],
) -> torch.Tensor:
    """Plain full-batch gradient descent through the batched engine: every step is one epoch,
    and with ``masks`` the weights outside the unit are put back after each step (the same
    as masking their gradients, since plain SGD has no state)."""
    start = [p.detach().clone() for p in stack.parameters()]

    def hold(epoch: int, s: StackedMLP) -> None:
        if masks is not None:
            for p, p0, mask in zip(s.parameters(), start, masks, strict=True):
                p.copy_(torch.where(mask.bool(), p, p0))
        look(s)

    first = ((stack(X) - T).square().mean(dim=(1, 2))).detach()
    look(stack)
    hist = train_batched(
        stack,
        X,
        T,
        lr=rates.tolist(),
        epochs=steps,
        loss="mse",
        callback=hold,
        progress=False,
    )
    return torch.cat([first[:, None], hist.train_loss.to(first.dtype)], dim=1)


def curvature_along(
    damaged: StackedMLP, undamaged: StackedMLP, X: torch.Tensor, T: torch.Tensor
) -> torch.Tensor:
    """The correction rate h of each model's damage: the second derivative of its mean squared
    error along the straight line from its damaged weights towards its undamaged ones.

    With θ_d, θ_0 the weights of model k in ``damaged`` and ``undamaged`` and û the unit
    vector from θ_d to θ_0, h_k = d²/dt² L_k(θ_d + t·û) at t = 0 (two calls to autograd).
    ``X`` float ``(n, d)``, ``T`` float ``(n, C)``; the stacks must have the same sizes,
    activation and K. A model whose two weight sets are equal gets NaN (no direction).
    Returns float ``(K,)``.
    """
    damaged, undamaged = _check_stack(damaged, "damaged"), _check_stack(undamaged, "undamaged")
    if damaged.sizes != undamaged.sizes or damaged.K != undamaged.K:
        raise ValueError(
            f"undamaged must match damaged (sizes {damaged.sizes}, K={damaged.K}); "
            f"got sizes {undamaged.sizes}, K={undamaged.K}"
        )
    X, T = _check_data(damaged, X, T)
    params_d = [p.detach() for p in damaged.parameters()]
    gaps = [p0.detach() - pd for p0, pd in zip(undamaged.parameters(), params_d, strict=True)]
    length = sum(g.flatten(1).square().sum(1) for g in gaps).sqrt()  # (K,)
    t = torch.zeros(damaged.K, dtype=damaged.dtype, requires_grad=True)
    step = t / length  # NaN where length is 0
    moved = [
        pd + step.view(-1, *[1] * (pd.ndim - 1)) * g for pd, g in zip(params_d, gaps, strict=True)
    ]
    out = StackedMLP(moved[0::2], moved[1::2], damaged.activation)(X)
    loss = (out - T).square().mean(dim=(1, 2))
    (slope,) = torch.autograd.grad(loss.sum(), t, create_graph=True)
    (curve,) = torch.autograd.grad(slope.sum(), t)
    return curve.detach()


def unit_hessian(
    stack: StackedMLP, X: torch.Tensor, T: torch.Tensor, unit: torch.Tensor
) -> torch.Tensor:
    """Hessian of each model's mean squared error over one first-layer unit's own weights.

    The unit's weights, in this order: its d incoming weights, its bias, its C votes (its
    outgoing weights), so P = d + 1 + C. ``X`` float ``(n, d)``, ``T`` float ``(n, C)`` as
    for ``retrain`` (one hidden layer: C outputs); ``unit`` int64 ``(K,)``.
    Returns float ``(K, P, P)``, by autograd, one model at a time (small P).
    """
    stack = _check_stack(stack)
    unit = _check_unit(stack, unit)
    if len(stack.weights) != 2:
        raise ValueError("unit_hessian needs a stack with exactly one hidden layer")
    X, T = _check_data(stack, X, T)
    act = make_activation(stack.activation)
    d = X.shape[1]
    out = []
    for k in range(stack.K):
        W1, b1 = stack.weights[0][k].detach(), stack.biases[0][k].detach()
        W2, b2 = stack.weights[1][k].detach(), stack.biases[1][k].detach()
        j = int(unit[k])
        others = act(X @ W1.T + b1) @ W2.T - act(X @ W1[j] + b1[j])[:, None] * W2[:, j]

        def loss(p: torch.Tensor, others=others, b2=b2) -> torch.Tensor:
            a = act(X @ p[:d] + p[d])  # (n,) the unit's activity
            return (others + a[:, None] * p[d + 1 :] + b2 - T).square().mean()

        p0 = torch.cat([W1[j], b1[j : j + 1], W2[:, j]])
        out.append(torch.autograd.functional.hessian(loss, p0))
    return torch.stack(out)


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
    never: torch.Tensor | None = None,
    runs: int | None = None,
) -> plt.cm.ScalarMappable:
    """Draw a recovery-time map on ``ax``; return the image (for a colorbar with log ticks).

    ``values`` float ``(len(lrs), len(xlabels))``: median steps to recover per learning rate
    (rows) and damage (columns), NaN where no median exists (drawn light grey). The colour is
    the step count on a log scale (viridis, 1 to ``vmax``); every cell prints its value.
    ``never`` int ``(len(lrs), len(xlabels))`` with ``runs``: how many of the ``runs`` runs of
    each cell never recovered; a cell with some prints "k/runs never" under its value, a
    cell where all failed is hatched and says "never (runs/runs)".
    """
    if not isinstance(ax, plt.Axes):
        raise TypeError(f"ax must be a matplotlib Axes; got {type(ax).__name__}")
    values = check_tensor("values", values, ndim=2, floating=True, finite=False)
    if values.shape != (len(lrs), len(xlabels)):
        raise ValueError(
            f"values must have shape ({len(lrs)}, {len(xlabels)}) (rates × damages); "
            f"got {tuple(values.shape)}"
        )
    if (never is None) != (runs is None):
        raise ValueError("give both never and runs, or neither")
    if never is not None:
        runs = check_int("runs", runs, minimum=1)
        never = check_tensor("never", never, ndim=2)
        if never.shape != values.shape or (never < 0).any() or (never > runs).any():
            raise ValueError(
                f"never must have shape {tuple(values.shape)} with counts in [0, {runs}]; "
                f"got shape {tuple(never.shape)}"
            )
    finite = values[torch.isfinite(values)]
    top = max(float(finite.max()) if vmax is None and len(finite) else (vmax or 10.0), 10.0)
    norm = matplotlib.colors.LogNorm(vmin=1, vmax=top)
    shown = np.ma.masked_invalid(values.clamp_min(1).numpy())
    cmap = plt.get_cmap("viridis").with_extremes(bad="0.9")
    im = ax.imshow(shown, cmap=cmap, norm=norm, aspect="auto")
    for (i, j), v in np.ndenumerate(values.numpy()):
        k = 0 if never is None else int(never[i, j])
        if never is not None and k == runs or never is None and math.isnan(v):
            ax.add_patch(
                plt.Rectangle(
                    (j - 0.5, i - 0.5), 1, 1, facecolor="0.85", hatch="//", edgecolor="0.5"
                )
            )
            label = "never" if never is None else f"never\n({k}/{runs})"
            ax.text(j, i, label, ha="center", va="center", fontsize=9)
            continue
        text = "–" if math.isnan(v) else f"{v:.0f}"
        if k:
            text += f"\n{k}/{runs} never"
        dark = not math.isnan(v) and norm(max(v, 1)) < 0.6
        ax.text(j, i, text, ha="center", va="center", fontsize=9, color="w" if dark else "k")
    ax.set_xticks(range(len(xlabels)), xlabels, fontsize=9)
    ax.set_yticks(range(len(lrs)), [f"{lr:g}" for lr in lrs], fontsize=9)
    ax.set_title(title)
    return im
