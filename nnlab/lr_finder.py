"""The learning-rate range test (Smith 2017, "Cyclical learning rates for training neural
networks", WACV, arXiv 1506.01186). Taught in notebook 04 (learning-rate effects).

Train once while the learning rate grows exponentially from ``lr_start`` to ``lr_end``,
one step per rate, and record the (smoothed) training loss at every rate. Reading the curve:
at tiny rates the loss barely moves; over a range of rates it falls fast; past some rate it
turns up and explodes (the rate is no longer stable: on a quadratic, lr > 2/λ_max). The
useful rates lie in the falling part, below the minimum.

``lr_range_test`` returns an ``LRRangeResult`` with the curve and two suggestions:

- ``min_lr / 10``, the rate at the lowest smoothed loss divided by ten (the suggestion
  returned as ``suggested_lr``; a robust rule of thumb used by fastai);
- ``steepest_lr``, where the smoothed loss falls fastest against log(lr) (noisier).

``plot_lr_range(result)`` draws it on a log axis.

Use mini-batches. On a quadratic, full-batch gradient descent with a growing rate passes
lr = 1/λ_max, where one step wipes out the top direction almost exactly; that direction
then needs many steps above 2/λ_max to grow back, so a full-batch test stops late (2-7 ×
2/λ_max in our tests). With mini-batches, the sampling noise keeps the top direction
excited, and the test stops at about 1.2-1.4 × 2/λ_max.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from torch import nn

from ._validate import (
    LOSSES,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_supervised,
    check_tensor,
)
from .config import resolve_seed
from .plotting import COLORS
from .training import loss_function


@dataclass
class LRRangeResult:
    """The outcome of a range test; tensors have one entry per step taken.

    - ``lrs``: learning rate of each step; ``losses``: smoothed loss (exponential moving
      average, bias-corrected); ``raw_losses``: the mini-batch loss before each step.
    - ``diverged``: whether the test stopped early; ``stop_lr``: the rate of the step at which
      it stopped (the loss was non-finite or above ``diverge_factor`` × its minimum), else None.
    - ``min_lr``: rate at the lowest smoothed loss; ``steepest_lr``: rate where the smoothed
      loss falls fastest per unit of log(lr); ``suggested_lr``: ``min_lr / 10``.
    - ``loss``: the loss's name, for axis labels.
    """

    lrs: torch.Tensor
    losses: torch.Tensor
    raw_losses: torch.Tensor
    diverged: bool
    stop_lr: float | None
    min_lr: float
    steepest_lr: float
    suggested_lr: float
    loss: str = "cross_entropy"

    def __post_init__(self) -> None:
        for name in ("lrs", "losses", "raw_losses"):  # losses may be NaN or infinite
            check_tensor(name, getattr(self, name), ndim=1, floating=True, finite=False)
        for name in ("losses", "raw_losses"):
            if len(getattr(self, name)) != len(self.lrs):
                raise ValueError(f"{name} must have one entry per rate in lrs ({len(self.lrs)})")
        check_bool("diverged", self.diverged)
        if self.stop_lr is not None:
            check_float("stop_lr", self.stop_lr, positive=True)
        for name in ("min_lr", "steepest_lr", "suggested_lr"):
            check_float(name, getattr(self, name), positive=True)
        check_choice("loss", self.loss, LOSSES)


def lr_schedule_exponential(lr_start: float, lr_end: float, steps: int) -> torch.Tensor:
    """Return ``steps`` rates growing geometrically from ``lr_start`` to ``lr_end``."""
    lr_start = check_float("lr_start", lr_start, positive=True)
    lr_end = check_float("lr_end", lr_end, positive=True)
    steps = check_int("steps", steps, minimum=2)
    if lr_end <= lr_start:
        raise ValueError(f"lr_end must be > lr_start; got {lr_end} <= {lr_start}")
    return torch.logspace(math.log10(lr_start), math.log10(lr_end), steps, dtype=torch.float64)


def lr_range_test(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    lr_start: float = 1e-4,
    lr_end: float = 10.0,
    steps: int = 100,
    batch_size: int | None = None,
    loss: str = "cross_entropy",
    momentum: float = 0.0,
    smoothing: float = 0.9,
    diverge_factor: float = 4.0,
    seed: int | None = None,
) -> LRRangeResult:
    """Run a learning-rate range test on a copy of ``model`` (the model itself is unchanged).

    - ``X`` float ``(n, d)``; ``y`` int64 ``(n,)`` labels (``loss="cross_entropy"``) or float
      ``(n, k)`` targets (``"mse"``), as for ``nnlab.train``.
    - ``steps`` SGD steps (with ``momentum``), step t at rate
      ``lr_start · (lr_end / lr_start) ** (t / (steps - 1))``. ``batch_size=None`` uses all
      rows each step; else mini-batches cycling through a shuffled order seeded by ``seed``
      (default ``NNLAB_SEED``).
    - ``smoothing``: weight β of the moving average of the loss (0 means no smoothing).
    - Stops at the first step whose loss is NaN/infinite or whose smoothed loss exceeds
      ``diverge_factor`` times the lowest smoothed loss so far.

    Returns an ``LRRangeResult``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    check_choice("loss", loss, LOSSES)
    check_supervised(X, y, loss)
    lrs = lr_schedule_exponential(lr_start, lr_end, steps)
    momentum = check_float("momentum", momentum, nonnegative=True, maximum=1.0)
    smoothing = check_float("smoothing", smoothing, nonnegative=True)
    if smoothing >= 1:
        raise ValueError(f"smoothing must be < 1; got {smoothing}")
    diverge_factor = check_float("diverge_factor", diverge_factor, positive=True)
    if diverge_factor <= 1:
        raise ValueError(f"diverge_factor must be > 1; got {diverge_factor}")
    if batch_size is not None:
        batch_size = min(check_int("batch_size", batch_size, minimum=1), len(X))
    seed = resolve_seed(seed)

    work = copy.deepcopy(model).train()
    raw, smooth = _run(work, X, y, lrs, batch_size, loss, momentum, smoothing, diverge_factor, seed)
    return _result(lrs[: len(raw)], torch.tensor(raw), torch.tensor(smooth), steps, loss)


def _batches(n: int, batch_size: int | None, seed: int):
    """Yield row indices forever: all rows, or mini-batches of a reshuffled order."""
    gen = torch.Generator().manual_seed(seed)
    while True:
        if batch_size is None:
            yield torch.arange(n)
            continue
        order = torch.randperm(n, generator=gen)
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[start : start + batch_size]


def _run(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    lrs: torch.Tensor,
    batch_size: int | None,
    loss: str,
    momentum: float,
    smoothing: float,
    diverge_factor: float,
    seed: int,
) -> tuple[list[float], list[float]]:
    """Take one SGD step per rate; return the raw and smoothed losses up to the stop."""
    params = [p for p in model.parameters() if p.requires_grad]
    # SGD with momentum as torch.optim.SGD does it (the buffer starts at the first gradient),
    # written out: building a torch.optim optimizer imports torch._dynamo, seconds on first use.
    buffers: list[torch.Tensor | None] = [None] * len(params)
    loss_fn = loss_function(loss)
    raw: list[float] = []
    smooth: list[float] = []
    average, best = 0.0, math.inf
    for step, (lr, idx) in enumerate(
        zip(lrs.tolist(), _batches(len(X), batch_size, seed), strict=False)
    ):
        value = loss_fn(model(X[idx]), y[idx])
        raw.append(float(value.detach()))
        average = smoothing * average + (1 - smoothing) * raw[-1]
        smooth.append(average / (1 - smoothing ** (step + 1)))  # bias-corrected
        if not math.isfinite(smooth[-1]) or smooth[-1] > diverge_factor * best:
            break
        best = min(best, smooth[-1])
        grads = torch.autograd.grad(value, params, allow_unused=True)
        with torch.no_grad():
            for i, (p, g) in enumerate(zip(params, grads, strict=True)):
                if g is None:
                    continue
                if momentum:
                    buf = buffers[i]
                    buffers[i] = g.clone() if buf is None else buf.mul_(momentum).add_(g)
                    g = buffers[i]
                p.add_(g, alpha=-lr)
    return raw, smooth


def _result(
    lrs: torch.Tensor, raw: torch.Tensor, smooth: torch.Tensor, steps: int, loss: str
) -> LRRangeResult:
    diverged = len(raw) < steps or not math.isfinite(float(smooth[-1]))
    finite = torch.isfinite(smooth)
    best = int(torch.where(finite, smooth, math.inf).argmin())
    slope = torch.full_like(smooth, math.inf)
    if len(smooth) > 2:
        slope[1:-1] = (smooth[2:] - smooth[:-2]) / (lrs[2:].log() - lrs[:-2].log())
    steepest = int(torch.where(torch.isfinite(slope), slope, math.inf)[: best + 1].argmin())
    min_lr = float(lrs[best])
    return LRRangeResult(
        lrs=lrs,
        losses=smooth,
        raw_losses=raw,
        diverged=diverged,
        stop_lr=float(lrs[-1]) if diverged else None,
        min_lr=min_lr,
        steepest_lr=float(lrs[steepest]),
        suggested_lr=min_lr / 10,
        loss=loss,
    )


def plot_lr_range(
    result: LRRangeResult, ax: Axes | None = None, title: str = "Learning-rate range test"
) -> Axes:
    """Plot the smoothed loss against the learning rate (log axis), with the suggestions."""
    if not isinstance(result, LRRangeResult):
        raise TypeError(f"result must be an LRRangeResult; got {type(result).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.0, 3.4), layout="constrained")
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be matplotlib Axes or None; got {type(ax).__name__}")
    finite = torch.isfinite(result.losses)
    ax.plot(result.lrs[finite], result.losses[finite], color=COLORS["blue"], label="smoothed loss")
    ax.axvline(result.min_lr, color=COLORS["vermillion"], ls=":", label="minimum")
    ax.axvline(result.suggested_lr, color=COLORS["green"], ls="--", label="minimum / 10")
    if result.stop_lr is not None:
        ax.axvline(result.stop_lr, color=COLORS["black"], lw=0.8, label="stopped (diverging)")
    unit = "nats per example" if result.loss == "cross_entropy" else "squared error"
    ax.set_xscale("log")
    ax.set(xlabel="learning rate (per step, log scale)", ylabel=f"training loss ({unit})")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax
