"""Bookkeeping for notebook 04 (learning-rate effects): regimes, schedules, correction times.

The ideas are taught in the notebook; these helpers hold the parts that are not the idea:

- ``name_regimes(mean_acc, broken)``: name each rate of a sweep "too slow", "good",
  "unstable" or "collapsed" from measured accuracies and losses;
- ``shade_regimes(ax, lrs, regime)``: colour a log-rate axis by those names;
- ``schedule_factor(kind, step, warm_steps, total_steps)``: the factor on the peak rate of a
  constant, warm-up, cosine or warm-up + cosine schedule at one step;
- ``steps_to_shrink(gap)``: the first step at which a gap has shrunk by a factor e;
- ``output_correction(stack, X, T, unit=..., delta=..., lrs=..., steps=...)``: the gap in
  one output unit's mean output between a pessimist (its bias lowered by ``delta``) and an
  untouched twin, trained side by side at each rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
from matplotlib.axes import Axes

from ._validate import check_choice, check_float, check_int, check_tensor
from .batched import StackedMLP, grid, train_batched
from .plotting import COLORS

REGIMES = ("too slow", "good", "unstable", "collapsed")
REGIME_COLORS = dict(
    zip(REGIMES, [COLORS[c] for c in ("sky", "green", "orange", "vermillion")], strict=True)
)
SCHEDULES = ("constant", "warm-up", "cosine", "warm-up + cosine")

__all__ = [
    "REGIMES",
    "REGIME_COLORS",
    "SCHEDULES",
    "name_regimes",
    "output_correction",
    "schedule_factor",
    "shade_regimes",
    "steps_to_shrink",
]


def name_regimes(
    mean_acc: torch.Tensor, broken: torch.Tensor, tolerance: float = 0.02
) -> list[str]:
    """Name the regime of each rate of a sweep, from measurements (notebook 04, section 2).

    - ``mean_acc``: ``(R,)`` mean validation accuracy per rate, rates in increasing order;
    - ``broken``: ``(R, S)`` bool, True for a run (seed) that ended no better than the
      constant guess (final loss NaN or at least 0.95 ln C);
    - ``tolerance``: how far below the best mean accuracy a rate may be and still be good.

    A rate is "good" within ``tolerance`` of the best; else "too slow" below the best rate,
    "collapsed" above it when every run is broken, and "unstable" above it otherwise.
    Returns a list of R names.
    """
    check_tensor("mean_acc", mean_acc, ndim=1, floating=True, finite=False)
    check_tensor("broken", broken, ndim=2)
    if broken.dtype != torch.bool:
        raise TypeError(f"broken must be a bool tensor (R, S); got dtype {broken.dtype}")
    if len(broken) != len(mean_acc):
        raise ValueError(
            f"broken must have one row per rate ({len(mean_acc)}); got shape {tuple(broken.shape)}"
        )
    tolerance = check_float("tolerance", tolerance, nonnegative=True)
    finite = torch.nan_to_num(mean_acc, nan=-math.inf)
    best = int(finite.argmax())
    names = []
    for i, acc in enumerate(finite.tolist()):
        if acc >= finite[best] - tolerance:
            names.append("good")
        elif i < best:
            names.append("too slow")
        elif bool(broken[i].all()):
            names.append("collapsed")
        else:
            names.append("unstable")
    return names


def shade_regimes(
    ax: Axes, lrs: Sequence[float], regime: Sequence[str], labels: bool = True
) -> None:
    """Colour the background of ``ax`` by each rate's regime (log rate axis), name them on top.

    ``lrs``: the R rates (increasing, geometric steps); ``regime``: R names from
    ``REGIMES`` (e.g. ``name_regimes``). Sets a log x axis spanning the rates.
    """
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be matplotlib Axes; got {type(ax).__name__}")
    rates = torch.as_tensor(list(lrs), dtype=torch.float64)
    if rates.ndim != 1 or len(rates) < 2 or not (rates > 0).all() or not rates.isfinite().all():
        raise ValueError("lrs must be at least 2 positive, finite rates in increasing order")
    if not (rates[1:] > rates[:-1]).all():
        raise ValueError("lrs must be in increasing order")
    regime = list(regime)
    if len(regime) != len(rates):
        raise ValueError(f"regime must name every rate ({len(rates)}); got {len(regime)} names")
    for name in regime:
        check_choice("regime", name, REGIMES)
    logs = rates.log()
    mids = ((logs[1:] + logs[:-1]) / 2).tolist()
    edges = [2 * logs[0].item() - mids[0], *mids, 2 * logs[-1].item() - mids[-1]]
    edges = [math.exp(e) for e in edges]
    for i, name in enumerate(regime):
        ax.axvspan(edges[i], edges[i + 1], color=REGIME_COLORS[name], alpha=0.18, lw=0)
    for name in REGIMES if labels else ():
        inside = [math.log(r) for r, n in zip(rates.tolist(), regime, strict=True) if n == name]
        if inside:
            ax.text(
                math.exp(sum(inside) / len(inside)),
                0.98,
                name,
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="top",
                rotation=90,
                fontsize=8,
                color="0.2",
                bbox={"facecolor": "white", "alpha": 0.75, "lw": 0, "pad": 1},
            )
    ax.set_xscale("log")
    ax.set_xlim(edges[0], edges[-1])


def schedule_factor(kind: str, step: int, warm_steps: int, total_steps: int) -> float:
    """The factor on the peak rate at ``step`` (0-based) of a schedule of ``total_steps``.

    ``kind`` is one of ``SCHEDULES``: "constant" (1), "warm-up" (linear from 1/warm_steps
    to 1 over the first ``warm_steps``, then 1), "cosine" (from 1 down to 0 over all the
    steps) or "warm-up + cosine" (the warm-up, then a cosine from 1 to 0 over the rest).
    """
    check_choice("kind", kind, SCHEDULES)
    step = check_int("step", step, minimum=0)
    warm_steps = check_int("warm_steps", warm_steps, minimum=1)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    if warm_steps >= total_steps:
        raise ValueError(f"warm_steps must be < total_steps ({total_steps}); got {warm_steps}")
    warm = min(1.0, (step + 1) / warm_steps)
    if kind == "constant":
        return 1.0
    if kind == "warm-up":
        return warm
    if kind == "cosine":
        return 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps))
    if step < warm_steps:
        return warm
    done = min(step - warm_steps, total_steps - warm_steps) / (total_steps - warm_steps)
    return 0.5 * (1 + math.cos(math.pi * done))


def steps_to_shrink(gap: torch.Tensor, factor: float = math.e) -> torch.Tensor:
    """The first step at which ``|gap|`` has fallen to ``1/factor`` of its start, or NaN.

    ``gap`` is ``(..., T)``: a gap over steps 0 … T−1, as a fraction of its start (so
    ``gap[..., 0]`` is 1). Returns ``(...)`` floats: the step index, NaN where it never
    falls that far within the T steps.
    """
    check_tensor("gap", gap, floating=True, finite=False)
    if gap.shape[-1] < 2:
        raise ValueError(f"gap needs at least 2 steps on its last axis; got {tuple(gap.shape)}")
    factor = check_float("factor", factor, positive=True)
    if factor <= 1:
        raise ValueError(f"factor must be > 1 (shrink by it); got {factor}")
    below = gap.abs() <= 1 / factor
    first = below.to(torch.float32).argmax(-1).to(gap.dtype)
    return torch.where(below.any(-1), first, torch.full_like(first, math.nan))


def output_correction(
    stack: StackedMLP,
    X: torch.Tensor,
    T: torch.Tensor,
    *,
    unit: int,
    delta: float,
    lrs: Sequence[float],
    steps: int,
    momentum: float = 0.0,
) -> torch.Tensor:
    """How an output unit made pessimistic recovers, at each rate (notebook 04, section 7).

    For every rate in ``lrs`` and every model k of ``stack`` (trained, squared error on
    ``X (n, d)``, ``T (n, C)``), two copies are trained side by side with full-batch
    gradient descent for ``steps`` steps: a *pessimist*, whose output ``unit``'s bias is
    lowered by ``delta``, and its untouched *twin*. Returns the gap in the unit's mean
    output over X, pessimist minus twin, as a fraction of −delta: ``(len(lrs), K, steps + 1)``,
    1 at step 0. The stack itself is not changed.
    """
    if not isinstance(stack, StackedMLP):
        raise TypeError(f"stack must be a StackedMLP; got {type(stack).__name__}")
    unit = check_int("unit", unit, minimum=0)
    if unit >= stack.sizes[-1]:
        raise ValueError(f"unit must be an output index below {stack.sizes[-1]}; got {unit}")
    delta = check_float("delta", delta, positive=True)
    steps = check_int("steps", steps, minimum=1)
    rates = [check_float("lrs", lr, positive=True) for lr in lrs]
    if not rates:
        raise ValueError("lrs must hold at least one learning rate")
    pairs = grid(lr=rates, net=list(range(stack.K)), pessimist=[False, True])
    copies = stack.select(pairs["net"])
    with torch.no_grad():
        copies.biases[-1][torch.tensor(pairs["pessimist"]), unit] -= delta
    record: Mapping = {"mean_output": lambda s: s(X)[:, :, unit].mean(dim=1)}
    hist = train_batched(
        copies,
        X,
        T,
        lr=pairs["lr"],
        momentum=momentum,
        epochs=steps,
        loss="mse",
        progress=False,
        record=record,
    )
    out = hist.extra["mean_output"].view(len(rates), stack.K, 2, steps)
    gap = (out[:, :, 1] - out[:, :, 0]) / -delta
    return torch.cat([torch.ones(len(rates), stack.K, 1, dtype=gap.dtype), gap], dim=2)
