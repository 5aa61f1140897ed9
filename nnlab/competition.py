"""Bookkeeping for competitive learning: the data, who owns what, and a picture. Notebook 05.

The learning rules themselves live in ``nnlab.hebbian`` (``competitive``, ``win_counts``);
this module holds what notebook 05 needs around them, so that its cells keep the ideas:

- ``ring_clusters(generator)``: k Gaussian clusters on a ring, the competition's data;
- ``owned_counts(X, W)``: how many points each prototype owns, for one run or a batch of runs;
- ``dead_counts(X, W)`` and ``quantisation_error(X, W)``: per run, the prototypes that own no
  point and the mean squared distance to the nearest prototype;
- ``clusters_owned(X, labels, W)``: from how many clusters each prototype owns points (more
  than one: an *arrogant* winner, holding ground its neighbours should have);
- ``first_win_steps(trajectory)``: the first step at which each prototype won (moved);
- ``draw_competition(ax, X, trajectory, title)``: the data, each prototype's path, its start
  and its end (a cross when it owns no point).

Shapes: ``X`` float ``(n, d)`` or ``(runs, n, d)``; prototypes ``W`` float ``(k, d)`` or
``(runs, k, d)``, batched like ``X``; a trajectory float ``(steps + 1, k, d)`` as returned by
``competitive(..., return_trajectory=True)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from ._validate import check_float, check_generator, check_int, check_tensor

__all__ = [
    "clusters_owned",
    "dead_counts",
    "draw_competition",
    "first_win_steps",
    "owned_counts",
    "quantisation_error",
    "ring_clusters",
]


def ring_clusters(
    generator: torch.Generator,
    n: int = 300,
    k: int = 5,
    radius: float = 3.0,
    centre: float = 5.0,
    std: float = 0.4,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(X float (n, 2), labels int64 (n,))``: k Gaussian clusters on a ring.

    The cluster centres sit evenly on a circle of ``radius`` around ``(centre, centre)``,
    turned by a random angle; point i belongs to cluster ``i % k`` and has standard deviation
    ``std`` around its centre. Every draw comes from ``generator`` (a ``torch.Generator``).
    """
    check_generator(generator)
    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=1)
    radius = check_float("radius", radius, nonnegative=True)
    centre = check_float("centre", centre)
    std = check_float("std", std, nonnegative=True)
    angles = 2 * math.pi * (torch.rand(1, generator=generator) + torch.arange(k) / k)
    centres = centre + radius * torch.stack([angles.cos(), angles.sin()], dim=1)
    labels = torch.arange(n) % k
    X = centres[labels] + std * torch.randn(n, 2, generator=generator)
    return X, labels


def _pair(X: object, W: object) -> tuple[torch.Tensor, torch.Tensor]:
    """Check X (n, d) or (runs, n, d) and W batched alike; return both as 3-D tensors."""
    X = check_tensor("X", X, floating=True)
    W = check_tensor("W", W, floating=True)
    if X.ndim not in (2, 3):
        raise ValueError(f"X must be (n, d) or (runs, n, d); got shape {tuple(X.shape)}")
    if W.ndim != X.ndim:
        raise ValueError(f"W must be batched like X: {X.ndim}-D; got shape {tuple(W.shape)}")
    if X.ndim == 3 and W.shape[0] != X.shape[0]:
        raise ValueError(f"W must have {X.shape[0]} runs like X; got {W.shape[0]}")
    if W.shape[-1] != X.shape[-1]:
        raise ValueError(f"W must have {X.shape[-1]} columns like X; got {W.shape[-1]}")
    if X.shape[-2] == 0 or W.shape[-2] == 0:
        raise ValueError("X and W must hold at least one point and one prototype")
    if X.ndim == 2:
        X, W = X[None], W[None]
    return X, W.to(X.dtype)


@torch.no_grad()
def owned_counts(X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """Return how many points of X each prototype is nearest to: int64 ``(k,)`` or ``(runs, k)``.

    ``X`` float ``(n, d)`` with ``W`` ``(k, d)``, or ``X`` ``(runs, n, d)`` with ``W``
    ``(runs, k, d)``. The batched form of ``nnlab.hebbian.win_counts``.
    """
    batched = torch.is_tensor(X) and X.ndim == 3
    X, W = _pair(X, W)
    nearest = torch.cdist(X, W).argmin(dim=2)  # (runs, n)
    counts = torch.zeros(W.shape[:2], dtype=torch.int64)
    counts.scatter_add_(1, nearest, torch.ones_like(nearest))
    return counts if batched else counts[0]


def dead_counts(X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """Return the number of prototypes that own no point: int64 ``()`` or ``(runs,)``."""
    return (owned_counts(X, W) == 0).sum(dim=-1)


@torch.no_grad()
def quantisation_error(X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """Return the mean squared distance from each point to its nearest prototype.

    A float tensor ``()`` for ``X (n, d)``, ``W (k, d)``; ``(runs,)`` for a batch of runs.
    """
    batched = torch.is_tensor(X) and X.ndim == 3
    X, W = _pair(X, W)
    error = torch.cdist(X, W).min(dim=2).values.pow(2).mean(dim=1)
    return error if batched else error[0]


@torch.no_grad()
def clusters_owned(X: torch.Tensor, labels: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """Return, for each prototype, from how many clusters it owns points: int64 ``(k,)``.

    ``X`` float ``(n, d)``, ``labels`` int ``(n,)`` the cluster of each point, ``W`` float
    ``(k, d)``. 0 means the prototype owns nothing (dead); more than 1 means it holds points
    of several clusters.
    """
    X, W = _pair(X, W)
    check_tensor("labels", labels, ndim=1, integer=True)
    if len(labels) != X.shape[1]:
        raise ValueError(f"labels must have one entry per point ({X.shape[1]}); got {len(labels)}")
    nearest = torch.cdist(X, W).argmin(dim=2)[0]
    return torch.tensor([len(set(labels[nearest == j].tolist())) for j in range(W.shape[1])])


def first_win_steps(trajectory: torch.Tensor) -> torch.Tensor:
    """Return the first step at which each prototype moved (won): int64 ``(k,)``, -1 if never.

    ``trajectory`` float ``(steps + 1, k, d)``, row t the prototypes after t steps; a
    prototype that moves between rows t and t + 1 won step ``t + 1`` (counted from 1).
    """
    check_tensor("trajectory", trajectory, ndim=3, floating=True)
    if len(trajectory) < 2:
        raise ValueError("trajectory must hold at least two rows (the start and one step)")
    moved = (trajectory[1:] != trajectory[:-1]).any(dim=2)  # (steps, k)
    first = moved.float().argmax(dim=0) + 1
    return torch.where(moved.any(dim=0), first, torch.full_like(first, -1))


def draw_competition(
    ax,
    X: torch.Tensor,
    trajectory: torch.Tensor,
    title: str,
    colors: Sequence[str] | None = None,
    every: int = 10,
) -> None:
    """Draw X (grey), each prototype's path (every ``every``-th step), its start (open
    circle) and its end (a filled circle, or a cross when it owns no point) on ``ax``.

    ``X`` float ``(n, 2)``, ``trajectory`` float ``(steps + 1, k, 2)``; ``colors`` one colour
    per prototype (default: the course palette).
    """
    from matplotlib.axes import Axes

    from .plotting import COLORS

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes; got {type(ax).__name__}")
    check_tensor("trajectory", trajectory, ndim=3, floating=True)
    X, W = _pair(X, trajectory[-1])
    if X.shape[-1] != 2:
        raise ValueError(f"X must have 2 columns to be drawn; got {X.shape[-1]}")
    if not isinstance(title, str):
        raise TypeError(f"title must be a string; got {type(title).__name__}")
    every = check_int("every", every, minimum=1)
    k = W.shape[1]
    palette = ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black")
    colors = list(colors) if colors is not None else [COLORS[c] for c in palette]
    if len(colors) < k:
        raise ValueError(f"colors must give one colour per prototype ({k}); got {len(colors)}")
    owned = owned_counts(X[0], W[0])
    ax.scatter(X[0, :, 0], X[0, :, 1], s=5, color="0.75")
    for j in range(k):
        path = trajectory[::every, j]
        ax.plot(path[:, 0], path[:, 1], color=colors[j], lw=1)
        ax.scatter(*trajectory[0, j], facecolors="none", edgecolors=colors[j], s=30)
        marker = "X" if owned[j] == 0 else "o"
        ax.scatter(
            *W[0, j], color=colors[j], marker=marker, s=70, edgecolors="black", lw=0.6, zorder=3
        )
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title)
