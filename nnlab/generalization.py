"""Generalisation experiments: noisy labels, nested subsets, mean ± std tables, per-model
stopping, and the loss along a direction in weight space. Introduced in notebook 03
(overfitting); meant for any notebook that sweeps seeds, data sizes or label noise with
``nnlab.batched``.

- ``noisy_labels(y, fraction)``: flip exactly a fraction of the labels to another class.
- ``balanced_order(y)`` and ``subset_masks(order, sizes, n)``: nested, class-balanced
  training subsets (the 50 digits are among the 100), as masks for ``train_batched``'s
  ``sample_weight``.
- ``mean_std``, ``format_mean_std`` and ``mean_std_table`` now live in ``nnlab.tables``.
- ``epochs_to_reach(curves, threshold)``: the first epoch a curve reaches a level (for
  example 99 % training accuracy), per run.
- ``StopWhen``: freeze each model of a batched run once a metric passes a threshold.
- ``join_stacks(*stacks)``: one ``StackedMLP`` holding the models of several stacks.
- ``filter_normalized_direction(stack)`` and ``loss_along_direction(stack, X, y, d,
  alphas)``: the loss on the line θ + α·d through each model's weights, with d a random
  direction scaled filter by filter (Li et al. 2018, arXiv 1712.09913).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from ._validate import LOSSES, check_choice, check_float, check_fraction, check_int, check_tensor
from .batched import StackedMLP, evaluate_stack, join_stacks  # noqa: F401 (join_stacks moved there)
from .config import base_seed
from .tables import format_mean_std, mean_std, mean_std_table  # noqa: F401 (moved there)

__all__ = [
    "StopWhen",
    "balanced_order",
    "epochs_to_reach",
    "filter_normalized_direction",
    "loss_along_direction",
    "noisy_labels",
    "subset_masks",
]


def _gen(generator: torch.Generator | None) -> torch.Generator:
    if generator is None:
        return torch.Generator().manual_seed(base_seed())
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator; got {type(generator).__name__}")
    return generator


def _labels(name: str, y: object, num_classes: int | None) -> tuple[torch.Tensor, int]:
    check_tensor(name, y, ndim=1, integer=True)
    if y.min() < 0:
        raise ValueError(f"{name} must hold class labels >= 0; got {int(y.min())}")
    if num_classes is None:
        num_classes = int(y.max()) + 1
    num_classes = check_int("num_classes", num_classes, minimum=2)
    if y.max() >= num_classes:
        raise ValueError(
            f"{name} holds label {int(y.max())}; num_classes={num_classes} allows "
            f"0..{num_classes - 1}"
        )
    return y, num_classes


# ------------------------------------------------------------------------------ data


def noisy_labels(
    y: torch.Tensor,
    fraction: float,
    num_classes: int | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(y_noisy, flipped)``: a copy of the labels y ``(n,)`` in which exactly
    ``round(fraction * n)`` rows, chosen at random, hold another class, drawn uniformly
    from the ``num_classes - 1`` wrong ones; ``flipped`` ``(n,)`` is True on those rows.

    So ``fraction`` is the share of wrong labels (unlike "replace with a random class",
    which leaves about 1/C of the replaced labels right). y is not modified.
    ``num_classes`` defaults to ``y.max() + 1``; ``generator`` to one seeded with
    ``NNLAB_SEED``.
    """
    y, C = _labels("y", y, num_classes)
    fraction = check_fraction("fraction", fraction)
    gen = _gen(generator)
    n = len(y)
    k = round(fraction * n)
    rows = torch.randperm(n, generator=gen)[:k]
    shift = torch.randint(1, C, (k,), generator=gen)  # 1..C-1: never the same class
    noisy = y.clone()
    noisy[rows] = (y[rows] + shift) % C
    flipped = torch.zeros(n, dtype=torch.bool)
    flipped[rows] = True
    return noisy, flipped


def balanced_order(y: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Return a permutation of ``range(len(y))`` whose every prefix is as class-balanced as
    the data allow: one example of each class (in a shuffled class order), then a second of
    each, and so on, each class's examples in random order.

    ``order[:n]`` is then a training subset of size n, and the subsets are nested: the first
    50 are among the first 100. Classes that run out simply stop contributing.
    """
    y, _ = _labels("y", y, None)
    gen = _gen(generator)
    classes = torch.unique(y)
    rank = torch.empty(len(y), dtype=torch.float64)
    class_rank = torch.randperm(len(classes), generator=gen)
    for c, r in zip(classes.tolist(), class_rank.tolist(), strict=True):
        idx = torch.nonzero(y == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)]
        # round j of class c sorts at j + r / (number of classes): round by round.
        rank[idx] = torch.arange(len(idx), dtype=torch.float64) + r / len(classes)
    return torch.argsort(rank, stable=True)


def subset_masks(order: torch.Tensor, sizes: Sequence[int], n: int | None = None) -> torch.Tensor:
    """Return bool masks ``(len(sizes), n)``: row i is True on the rows ``order[:sizes[i]]``.

    Pass them (repeated per seed) as ``sample_weight`` to ``nnlab.batched.train_batched`` to
    train each model on its own subset of one shared X. ``n`` defaults to ``len(order)``.
    """
    check_tensor("order", order, ndim=1, integer=True)
    n = len(order) if n is None else check_int("n", n, minimum=1)
    if isinstance(sizes, int) or not isinstance(sizes, Sequence) or not sizes:
        raise TypeError(f"sizes must be a non-empty list of subset sizes; got {sizes!r}")
    if order.min() < 0 or order.max() >= n:
        raise ValueError(
            f"order must index rows 0..{n - 1}; got {int(order.min())}..{int(order.max())}"
        )
    masks = torch.zeros(len(sizes), n, dtype=torch.bool)
    for i, size in enumerate(sizes):
        size = check_int("sizes", size, minimum=1)
        if size > len(order):
            raise ValueError(f"sizes: {size} is more rows than order holds ({len(order)})")
        masks[i, order[:size]] = True
    return masks


def epochs_to_reach(curves: torch.Tensor, threshold: float, above: bool = True) -> torch.Tensor:
    """Return, for each row of ``curves`` ``(K, epochs)`` (one value per epoch, epoch 1
    first), the first epoch (1-based) whose value is >= ``threshold`` (``above=False``:
    <= threshold), as a float tensor ``(K,)``; NaN where the curve never gets there.

    Example: ``epochs_to_reach(history.train_acc, 0.99)``, epochs to 99 % training accuracy.
    """
    check_tensor("curves", curves, ndim=2, floating=True, finite=False)
    threshold = check_float("threshold", threshold)
    hit = curves >= threshold if above else curves <= threshold
    first = hit.int().argmax(dim=1).double() + 1
    return torch.where(hit.any(dim=1), first, torch.nan)


# -------------------------------------------------------------------------- training


class StopWhen:
    """Stop each model of a ``train_batched`` run on its own, once ``metric(stack)`` passes
    ``threshold``: from then on its learning rate is 0, so its weights stay as they were.

    ``metric(stack)`` returns a ``(K,)`` tensor (for example the training loss, from
    ``nnlab.batched.evaluate_stack``); ``above=False`` stops when it is <= threshold, True
    when >= threshold. Pass both hooks::

        stop = StopWhen(lambda s: evaluate_stack(s, X, y)[0], 0.02, above=False)
        train_batched(stack, X, y, ..., callback=stop.callback, lr_schedule=stop.schedule)
        stop.epoch       # (K,) the epoch each model stopped after (0: it never did)

    A stopped model still costs its share of the computation; choose ``epochs`` with a
    margin, not far beyond. With momentum the velocity is kept but no longer applied.
    """

    def __init__(
        self, metric: Callable[[StackedMLP], torch.Tensor], threshold: float, above: bool = True
    ) -> None:
        if not callable(metric):
            raise TypeError(f"metric must be callable, stack -> (K,) tensor; got {metric!r}")
        self.metric = metric
        self.threshold = check_float("threshold", threshold)
        self.above = bool(above)
        self.stopped: torch.Tensor | None = None
        self.epoch: torch.Tensor | None = None

    def callback(self, epoch: int, stack: StackedMLP) -> None:
        """``train_batched``'s ``callback``: mark the models that passed the threshold."""
        value = torch.as_tensor(self.metric(stack)).detach().flatten()
        if value.shape != (stack.K,):
            raise ValueError(f"metric must return one value per model, ({stack.K},)")
        if self.stopped is None:
            self.stopped = torch.zeros(stack.K, dtype=torch.bool)
            self.epoch = torch.zeros(stack.K, dtype=torch.long)
        passed = value >= self.threshold if self.above else value <= self.threshold
        new = passed & ~self.stopped
        self.epoch[new] = epoch
        self.stopped |= passed

    def schedule(self, step: int) -> torch.Tensor | float:
        """``train_batched``'s ``lr_schedule``: 1 for running models, 0 for stopped ones."""
        if self.stopped is None:
            return 1.0
        return (~self.stopped).double()


# ------------------------------------------------------------------ loss landscape


def filter_normalized_direction(
    stack: StackedMLP, generator: torch.Generator | None = None, biases: bool = False
) -> list[torch.Tensor]:
    """Return a random direction in each model's weight space, scaled filter by filter
    (Li, Xu, Taylor, Studer, Goldstein 2018, "Visualizing the Loss Landscape of Neural
    Nets", arXiv 1712.09913).

    The result is a list shaped like ``stack.parameters()`` (``[W1, b1, W2, b2, ...]``, each
    ``(K, ...)``). Each row of a weight matrix (the fan-in weights of one unit, a "filter")
    is drawn from N(0, I) and rescaled to the norm of the same row of the model's weights,
    so a step α along it changes every unit by the same *relative* amount: this makes plots
    of different networks comparable, whatever the scale of their weights. Bias directions
    are 0, as in the paper, unless ``biases=True`` (then each bias vector is scaled to the
    norm of the model's bias vector).
    """
    if not isinstance(stack, StackedMLP):
        raise TypeError(f"stack must be a StackedMLP; got {type(stack).__name__}")
    gen = _gen(generator)
    direction = []
    for W, b in zip(stack.weights, stack.biases, strict=True):
        d = torch.randn(W.shape, generator=gen, dtype=W.dtype)
        scale = W.detach().norm(dim=2, keepdim=True) / d.norm(dim=2, keepdim=True).clamp_min(1e-12)
        direction.append(d * scale)
        if biases:
            e = torch.randn(b.shape, generator=gen, dtype=b.dtype)
            scale = b.detach().norm(dim=1, keepdim=True) / e.norm(dim=1, keepdim=True).clamp_min(
                1e-12
            )
            direction.append(e * scale)
        else:
            direction.append(torch.zeros_like(b))
    return direction


def loss_along_direction(
    stack: StackedMLP,
    X: torch.Tensor,
    y: torch.Tensor,
    direction: Sequence[torch.Tensor],
    alphas: torch.Tensor | Sequence[float],
    loss: str = "cross_entropy",
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Return each model's loss and accuracy at θ + α·d for every α: two ``(K, A)`` tensors
    (accuracy None for ``loss="mse"``).

    ``direction`` is shaped like ``stack.parameters()`` (see
    ``filter_normalized_direction``); ``alphas`` ``(A,)`` are the step sizes (α = 0 is the
    model itself). X, y as in ``nnlab.batched.evaluate_stack`` (shared by all models). The
    K·A shifted models are evaluated together, in chunks. The stack is not changed.
    """
    if not isinstance(stack, StackedMLP):
        raise TypeError(f"stack must be a StackedMLP; got {type(stack).__name__}")
    check_choice("loss", loss, LOSSES)
    alphas = torch.as_tensor(alphas, dtype=stack.dtype)
    check_tensor("alphas", alphas, ndim=1, floating=True)
    params = stack.parameters()
    direction = list(direction)
    if len(direction) != len(params):
        raise ValueError(
            f"direction must hold {len(params)} tensors shaped like stack.parameters(); "
            f"got {len(direction)}"
        )
    for i, (d, p) in enumerate(zip(direction, params, strict=True)):
        check_tensor(f"direction[{i}]", d, floating=True)
        if d.shape != p.shape:
            raise ValueError(
                f"direction[{i}] has shape {tuple(d.shape)}; expected {tuple(p.shape)}"
            )
    K, A = stack.K, len(alphas)

    def shifted(p: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        a = alphas.view(1, A, *([1] * (p.ndim - 1)))
        return (p.detach().unsqueeze(1) + a * d.to(p.dtype).unsqueeze(1)).reshape(
            K * A, *p.shape[1:]
        )

    moved = [shifted(p, d) for p, d in zip(params, direction, strict=True)]
    big = StackedMLP(moved[0::2], moved[1::2], stack.activation)
    values, accs = evaluate_stack(big, X, y, loss=loss)
    return values.view(K, A), (None if accs is None else accs.view(K, A))
