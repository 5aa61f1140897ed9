"""The stacked models of ``nnlab.batched`` and their constructors.

- ``StackedMLP``: K MLPs with the same layer sizes, weights stacked along a first axis.
- ``init_stack``: K fresh MLPs, one per seed; ``stack_mlps``: a stack of existing MLPs;
  ``join_stacks``: one stack of several (they share one check of sizes and activation).
- ``grid``: the Cartesian product of settings, one list of K values per name.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .._validate import check_choice, check_int, check_list, check_tensor
from ..models import ACTIVATIONS, INITS, MLP
from . import _ops as ops

__all__ = ["StackedMLP", "grid", "init_stack", "join_stacks", "stack_mlps"]


@dataclass
class StackedMLP:
    """K MLPs with the same layer sizes, their weights stacked along a first axis of size K.

    - ``weights[l]``: ``(K, sizes[l+1], sizes[l])``, like ``nn.Linear.weight`` per model;
    - ``biases[l]``: ``(K, sizes[l+1])``;
    - ``activation``: one of ``nnlab.ACTIVATIONS`` (hidden layers; the output is linear).

    Model k computes exactly what ``stack.to_mlp(k)`` computes. Build one with
    ``init_stack`` or ``stack_mlps``.
    """

    weights: list[torch.Tensor]
    biases: list[torch.Tensor]
    activation: str = "relu"

    def __post_init__(self) -> None:
        check_choice("activation", self.activation, ACTIVATIONS)
        for name, value in (("weights", self.weights), ("biases", self.biases)):
            if not isinstance(value, list | tuple):
                raise TypeError(f"{name} must be a list of tensors; got {type(value).__name__}")
        self.weights, self.biases = list(self.weights), list(self.biases)
        if not self.weights or len(self.weights) != len(self.biases):
            raise ValueError(
                "a StackedMLP needs at least one layer and as many biases as weights; got "
                f"{len(self.weights)} weights and {len(self.biases)} biases"
            )
        K = self.weights[0].shape[0]
        for layer, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            check_tensor(f"weights[{layer}]", W, ndim=3, floating=True, finite=False)
            check_tensor(f"biases[{layer}]", b, ndim=2, floating=True, finite=False)
            if W.shape[0] != K or b.shape != (K, W.shape[1]):
                raise ValueError(
                    f"layer {layer}: weights {tuple(W.shape)} and biases {tuple(b.shape)} do not "
                    f"stack K={K} models of a ({W.shape[1]}, {W.shape[2]}) layer"
                )
            if layer and W.shape[2] != self.weights[layer - 1].shape[1]:
                raise ValueError(f"layer {layer}'s input width does not match layer {layer - 1}")
            if W.dtype != self.weights[0].dtype or b.dtype != W.dtype:
                raise TypeError(
                    f"all weights and biases must share one dtype; layer {layer} differs"
                )

    @property
    def K(self) -> int:
        """Number of models."""
        return self.weights[0].shape[0]

    @property
    def sizes(self) -> list[int]:
        """Layer widths, input first: ``[d, h1, ..., out]``."""
        return [self.weights[0].shape[2]] + [W.shape[1] for W in self.weights]

    @property
    def dtype(self) -> torch.dtype:
        return self.weights[0].dtype

    def parameters(self) -> list[torch.Tensor]:
        """All stacked tensors, in the order ``W1, b1, W2, b2, ...``."""
        return [t for pair in zip(self.weights, self.biases, strict=True) for t in pair]

    def clone(self) -> StackedMLP:
        """Return an independent copy (e.g. before continuing training from a checkpoint)."""
        return StackedMLP(
            [W.detach().clone() for W in self.weights],
            [b.detach().clone() for b in self.biases],
            self.activation,
        )

    def to(self, dtype: torch.dtype) -> StackedMLP:
        """Return a copy with weights of another floating dtype (e.g. ``torch.float64``)."""
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating torch.dtype; got {dtype!r}")
        return StackedMLP(
            [W.detach().to(dtype, copy=True) for W in self.weights],
            [b.detach().to(dtype, copy=True) for b in self.biases],
            self.activation,
        )

    def select(self, index: int | Sequence[int] | torch.Tensor) -> StackedMLP:
        """Return a new stack holding the chosen models (copies), in the given order."""
        idx = torch.as_tensor([index] if isinstance(index, int) else index, dtype=torch.long)
        if idx.ndim != 1 or len(idx) == 0 or idx.min() < -self.K or idx.max() >= self.K:
            raise ValueError(f"index must pick models in [0, {self.K}); got {index!r}")
        return StackedMLP(
            [W[idx].clone() for W in self.weights],
            [b[idx].clone() for b in self.biases],
            self.activation,
        )

    def check_inputs(self, name: str, X: object) -> torch.Tensor:
        """Return ``X`` if it fits this stack: float ``(n, d)`` or ``(K, n, d)`` with the
        stack's d and dtype; else raise naming ``name``."""
        check_tensor(name, X, floating=True)
        if X.ndim not in (2, 3):
            raise ValueError(f"{name} must be (n, d) or (K, n, d); got shape {tuple(X.shape)}")
        if X.shape[-1] != self.sizes[0] or (X.ndim == 3 and X.shape[0] != self.K):
            raise ValueError(
                f"{name} has shape {tuple(X.shape)}; the stack needs (n, {self.sizes[0]}) or "
                f"(K={self.K}, n, {self.sizes[0]})"
            )
        if X.dtype != self.dtype:
            raise TypeError(f"{name} has dtype {X.dtype}; the stack's weights are {self.dtype}")
        return X

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Return every model's outputs ``(K, n, out)`` for X ``(n, d)`` or ``(K, n, d)``.

        Differentiable (plain torch operations), so autograd and ``nnlab.curvature`` can
        use it.
        """
        X = self.check_inputs("X", X)
        return ops.forward(self.weights, self.biases, X, self.activation)[0]

    __call__ = forward

    def to_mlp(self, k: int) -> MLP:
        """Return model k as an ordinary ``nnlab.MLP`` holding a copy of its weights."""
        k = check_int("k", k)
        if not -self.K <= k < self.K:
            raise ValueError(f"k must lie in [0, {self.K}); got {k}")
        with torch.random.fork_rng(devices=[]):  # building an MLP draws random numbers
            model = MLP(self.sizes, activation=self.activation, init="default").to(self.dtype)
        linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for layer, W, b in zip(linears, self.weights, self.biases, strict=True):
                layer.weight.copy_(W[k])
                layer.bias.copy_(b[k])
        return model

    def to_mlps(self) -> list[MLP]:
        """Return all K models as ``nnlab.MLP`` objects."""
        return [self.to_mlp(k) for k in range(self.K)]


def init_stack(
    sizes: Sequence[int],
    seeds: Sequence[int],
    activation: str = "relu",
    init: str = "he",
    std: float | None = None,
    dtype: torch.dtype | None = None,
) -> StackedMLP:
    """Return a stack of ``len(seeds)`` fresh MLPs, model k initialised as
    ``nnlab.MLP(sizes, activation, init, std)`` right after ``torch.manual_seed(seeds[k])``.

    So model k starts with exactly the weights of the single model built that way (then
    converted to ``dtype``, if given). The global random state is left as it was. Example:
    ``seeds=[nnlab.base_seed() + i for i in range(5)]``.
    """
    if isinstance(seeds, int) or not isinstance(seeds, Sequence | torch.Tensor):
        raise TypeError(f"seeds must be a list of integers, one per model; got {seeds!r}")
    seeds = [check_int("seeds", int(s) if torch.is_tensor(s) else s, minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one model; got an empty list")
    check_choice("init", init, INITS)
    models = []
    with torch.random.fork_rng(devices=[]):
        for s in seeds:
            torch.manual_seed(s)
            models.append(MLP(sizes, activation=activation, init=init, std=std))
    stack = stack_mlps(models)
    return stack if dtype is None else stack.to(dtype)


def _check_alike(name: str, items: Sequence, kind: str) -> None:
    """Raise unless every item of ``items`` has the sizes and activation of ``items[0]``."""
    for i, m in enumerate(items):
        if m.sizes != items[0].sizes or m.activation != items[0].activation:
            raise ValueError(
                f"{name}[{i}] is {kind}{m.sizes} with {m.activation!r}; {name}[0] is "
                f"{kind}{items[0].sizes} with {items[0].activation!r}: all must match"
            )


def check_stack(stack: object) -> StackedMLP:
    """Return ``stack`` if it is a ``StackedMLP``, else raise ``TypeError``."""
    if not isinstance(stack, StackedMLP):
        raise TypeError(f"stack must be a StackedMLP; got {type(stack).__name__}")
    return stack


def stack_mlps(models: Sequence[MLP]) -> StackedMLP:
    """Return a stack holding copies of the weights of ``models`` (a list of ``nnlab.MLP``).

    All models need the same sizes and activation, and biases. Use it to continue training
    models trained elsewhere, or to batch models you changed by hand.
    """
    if isinstance(models, nn.Module) or not isinstance(models, Sequence) or not models:
        raise TypeError("models must be a non-empty list of nnlab.MLP objects")
    for i, m in enumerate(models):
        if not isinstance(m, MLP):
            raise TypeError(f"models[{i}] must be an nnlab.MLP; got {type(m).__name__}")
    _check_alike("models", models, "an MLP")
    layers = [[m for m in model.modules() if isinstance(m, nn.Linear)] for model in models]
    if any(layer.bias is None for layer in layers[0]):
        raise ValueError("models must have biases (built with bias=True)")
    weights = [torch.stack([ls[i].weight.detach() for ls in layers]) for i in range(len(layers[0]))]
    biases = [torch.stack([ls[i].bias.detach() for ls in layers]) for i in range(len(layers[0]))]
    return StackedMLP(weights, biases, models[0].activation)


def join_stacks(*stacks: StackedMLP) -> StackedMLP:
    """Return one ``StackedMLP`` holding the models of all ``stacks`` in order (copies).

    They must share layer sizes, activation and dtype. Use it to train warm-started and
    fresh models in one batched call; ``stack.select`` splits them again.
    """
    if not stacks:
        raise ValueError("join_stacks needs at least one StackedMLP")
    for i, s in enumerate(stacks):
        if not isinstance(s, StackedMLP):
            raise TypeError(f"stacks[{i}] must be a StackedMLP; got {type(s).__name__}")
    _check_alike("stacks", stacks, "a stack ")
    for i, s in enumerate(stacks):
        if s.dtype != stacks[0].dtype:
            raise TypeError(f"stacks[{i}] has dtype {s.dtype}; stacks[0] has {stacks[0].dtype}")
    layers = range(len(stacks[0].weights))
    weights = [torch.cat([s.weights[i].detach() for s in stacks]) for i in layers]
    biases = [torch.cat([s.biases[i].detach() for s in stacks]) for i in layers]
    return StackedMLP(weights, biases, stacks[0].activation)


def grid(**values: Sequence) -> dict[str, list]:
    """Return the Cartesian product of the given lists, one list per name, all of length K.

    ``grid(lr=[0.1, 1.0], seed=[0, 1, 2])`` gives ``{"lr": [0.1, 0.1, 0.1, 1.0, 1.0, 1.0],
    "seed": [0, 1, 2, 0, 1, 2]}``: the last name varies fastest, so a result of shape (K,)
    reshapes to ``(len(lr), len(seed))``.
    """
    if not values:
        raise ValueError("grid needs at least one named list, e.g. grid(lr=[0.1, 1.0])")
    for name, v in values.items():
        check_list(name, v)
    rows = list(itertools.product(*values.values()))
    return {name: [row[i] for row in rows] for i, name in enumerate(values)}
