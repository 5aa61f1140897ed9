"""Bookkeeping for notebook 03's warm-starting experiment: per-seed data, paired gaps, confidence.

The experiment (Ash & Adams 2020, in miniature) trains many networks at once, one block of
``S`` networks (one per seed) per arm: warm-started after a streak, shrunk and perturbed,
from scratch. The helpers here keep the notebook's cells on the idea:

- ``per_seed_digits(X, y, orders, n, copies)``: each seed's own first ``n`` digits, stacked;
- ``paired_gap(values, ref, arm, runs)``: block ``ref`` minus block ``arm``, seed by seed
  (same initial weights and same digits in both), e.g. scratch minus warm-started;
- ``confidence_report(stack, X, y)``: per network, the mean confidence on the test digits it
  gets wrong, and the expected calibration error (ECE): "arrogance" measured;
- ``mean_band(ax, runs, ...)``: the mean of runs as a line and ± one std or s.e. as a band.

Introduced in notebook 03.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from matplotlib.axes import Axes

from ._validate import check_choice, check_int, check_tensor
from .batched import StackedMLP

__all__ = ["confidence_report", "mean_band", "paired_gap", "per_seed_digits"]


def per_seed_digits(
    X: torch.Tensor, y: torch.Tensor, orders: Sequence[torch.Tensor], n: int, copies: int = 1
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return each seed's first ``n`` digits, stacked and repeated ``copies`` times.

    - ``X`` ``(N, d)`` and ``y`` ``(N,)``: the pool to draw from;
    - ``orders``: one index order per seed (``S`` tensors of pool indices, e.g. from
      ``balanced_order``), each of length at least ``n``;
    - returns ``X_n`` ``(copies · S, n, d)`` and ``y_n`` ``(copies · S, n)``: row
      ``c · S + s`` holds seed ``s``'s digits, for ``train_batched``'s per-model data.
    """
    check_tensor("X", X, ndim=2, floating=True)
    check_tensor("y", y, ndim=1, integer=True)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length; got {len(X)} and {len(y)}")
    if isinstance(orders, torch.Tensor) or not isinstance(orders, Sequence) or not orders:
        raise TypeError("orders must be a non-empty list of index tensors, one per seed")
    n = check_int("n", n, minimum=1)
    copies = check_int("copies", copies, minimum=1)
    for s, order in enumerate(orders):
        if not isinstance(order, torch.Tensor) or order.ndim != 1:
            raise TypeError(f"orders[{s}] must be a 1-D tensor of indices")
        if len(order) < n:
            raise ValueError(f"orders[{s}] has {len(order)} indices; n = {n} needs at least n")
    X_n = torch.stack([X[order[:n]] for order in orders])
    y_n = torch.stack([y[order[:n]] for order in orders])
    return X_n.repeat(copies, 1, 1), y_n.repeat(copies, 1)


def paired_gap(values: torch.Tensor, ref: int, arm: int, runs: int) -> torch.Tensor:
    """Return block ``ref`` minus block ``arm`` of ``values``, run by run.

    ``values`` ``(K, ...)`` holds ``K = blocks · runs`` networks in blocks of ``runs`` (one
    per seed, in the same seed order in every block); block ``g`` is rows
    ``g · runs … (g + 1) · runs − 1``. Returns ``(runs, ...)``: for each seed, the value of
    its network in block ``ref`` minus that of its twin in block ``arm``.
    """
    check_tensor("values", values, floating=True, finite=False)
    runs = check_int("runs", runs, minimum=1)
    if values.ndim < 1 or len(values) % runs:
        raise ValueError(f"values must have a multiple of runs = {runs} rows; got {len(values)}")
    blocks = len(values) // runs
    for name, g in (("ref", ref), ("arm", arm)):
        g = check_int(name, g, minimum=0)
        if g >= blocks:
            raise ValueError(f"{name} must pick one of the {blocks} blocks; got {g}")
    return values[ref * runs : (ref + 1) * runs] - values[arm * runs : (arm + 1) * runs]


@torch.no_grad()
def confidence_report(
    stack: StackedMLP, X: torch.Tensor, y: torch.Tensor, bins: int = 10
) -> dict[str, torch.Tensor]:
    """Return how confident each network is, where it is wrong, and how well calibrated.

    - ``stack``: ``K`` networks; ``X`` ``(n, d)`` and ``y`` ``(n,)``: the digits to score;
    - ``bins``: equal-width confidence bins for the calibration error.

    Returns a dict of ``(K,)`` tensors: ``"wrong_confidence"``, the mean top-class probability
    on the digits the network misclassifies (NaN if it gets none wrong); ``"confidence"``,
    the mean top-class probability on all digits; ``"accuracy"``; and ``"ece"``, the expected
    calibration error, ``Σ_b (n_b / n) · |accuracy_b − confidence_b|`` over the bins.
    """
    if not isinstance(stack, StackedMLP):
        raise TypeError(f"stack must be a StackedMLP; got {type(stack).__name__}")
    check_tensor("X", X, ndim=2, floating=True)
    check_tensor("y", y, ndim=1, integer=True)
    if len(X) != len(y) or len(y) == 0:
        raise ValueError(f"X and y must be non-empty and of one length; got {len(X)}, {len(y)}")
    bins = check_int("bins", bins, minimum=1)
    probs = torch.softmax(stack(X.to(stack.dtype)), dim=-1)  # (K, n, C)
    conf, guess = probs.max(dim=-1)  # (K, n)
    right = (guess == y).to(conf.dtype)
    wrong = 1 - right
    wrong_conf = (conf * wrong).sum(1) / wrong.sum(1)  # NaN when nothing is wrong
    edges = torch.linspace(0, 1, bins + 1, dtype=conf.dtype)
    which = torch.bucketize(conf, edges[1:-1])  # (K, n): bin of each prediction
    ece = torch.zeros(stack.K, dtype=conf.dtype)
    for b in range(bins):
        inside = (which == b).to(conf.dtype)
        count = inside.sum(1)
        gap = ((right - conf) * inside).sum(1).abs()  # |Σ (correct − confidence)| in the bin
        ece += torch.where(count > 0, gap, torch.zeros_like(gap))
    return {
        "wrong_confidence": wrong_conf,
        "confidence": conf.mean(1),
        "accuracy": right.mean(1),
        "ece": ece / len(y),
    }


def mean_band(
    ax: Axes,
    runs: torch.Tensor,
    label: str,
    color: str | None = None,
    x: torch.Tensor | None = None,
    spread: str = "std",
    **line: object,
) -> None:
    """Draw the mean of ``runs`` ``(R, T)`` over its R runs as a line, and ± one ``spread``
    (``"std"``: how much runs differ; ``"sem"``: how well the mean is known) as a band.

    ``x`` ``(T,)`` defaults to 1 … T (epochs); ``line`` goes to ``ax.plot`` (e.g. ``ls="--"``).
    """
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be matplotlib Axes; got {type(ax).__name__}")
    check_tensor("runs", runs, ndim=2, floating=True, finite=False)
    check_choice("spread", spread, ("std", "sem"))
    R, T = runs.shape
    x = torch.arange(1, T + 1) if x is None else x
    check_tensor("x", x, ndim=1, finite=False)
    if len(x) != T:
        raise ValueError(f"x must have one entry per column of runs ({T}); got {len(x)}")
    mean = runs.mean(0)
    std = runs.std(0) if R > 1 else torch.zeros(T, dtype=runs.dtype)
    half = std / R**0.5 if spread == "sem" else std
    (drawn,) = ax.plot(x, mean, label=label, color=color, **line)
    ax.fill_between(x, mean - half, mean + half, color=drawn.get_color(), alpha=0.2, lw=0)
