"""Running a stack on data: each model's loss and accuracy (``evaluate_stack``), its hidden
activations, and the differentiable per-model loss ``stack_losses`` that
``nnlab.curvature`` differentiates. Models are computed in chunks (``chunks``,
``auto_chunk``) so memory stays bounded however large K is.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._validate import LOSSES, check_choice
from . import _ops as ops
from .data import StackData, check_inputs, check_stack_data
from .stack import StackedMLP

CHUNK_BYTES = 16 * 2**20  # activations kept per chunk of models (see chunk_size)

__all__ = ["evaluate_stack", "hidden_activations"]


def hidden_activations(stack: StackedMLP, X: torch.Tensor) -> list[torch.Tensor]:
    """Return each hidden layer's post-activations, a list of ``(K, n, width)`` tensors.

    X is ``(n, d)`` or ``(K, n, d)``. Count dead ReLU units with, for example,
    ``(A <= 0).all(dim=1).float().mean(dim=1)``: the dead fraction of each model, shape (K,).
    """
    X = check_inputs("X", X, stack)
    with torch.no_grad():
        _, cache = ops.forward(stack.weights, stack.biases, X, stack.activation, keep=True)
    return cache.outputs


def stack_losses(
    params: Sequence[torch.Tensor], activation: str, data: StackData, loss: str
) -> torch.Tensor:
    """Each model's (weighted) mean loss ``(K,)``, differentiable with respect to ``params``
    (``[W1, b1, W2, b2, ...]``); for autograd users such as ``nnlab.curvature``; ``data`` from
    ``check_stack_data``."""
    out, _ = ops.forward(list(params[0::2]), list(params[1::2]), data.X, activation)
    K, n, C = out.shape
    target = data.targets(K)
    if loss == "cross_entropy":
        flat = nn.functional.cross_entropy(out.reshape(-1, C), target.reshape(-1), reduction="none")
        per_example = flat.view(K, n)
    else:
        per_example = (out - target).square().mean(-1)
    weight = ops.normalise(data.weight)
    return per_example.mean(1) if weight is None else (per_example * weight).sum(1)


def evaluate_stack(
    stack: StackedMLP,
    X: torch.Tensor,
    y: torch.Tensor,
    loss: str = "cross_entropy",
    sample_weight: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Return each model's ``(loss (K,), accuracy (K,))`` on ``(X, y)``; accuracy None for mse.

    Shapes as in ``train_batched``; with ``sample_weight`` the loss and accuracy are weighted
    means (a mask picks each model's own subset).
    """
    check_choice("loss", loss, LOSSES)
    data = check_stack_data(stack, X, y, sample_weight, loss, "")
    return evaluate_chunks(stack, data, loss, auto_chunk(stack, data.n, None))


@torch.no_grad()
def evaluate_chunks(
    stack: StackedMLP, data: StackData, loss: str, chunk: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    losses, accs = [], []
    for models in chunks(stack.K, chunk):
        part = data.rows(models, None)
        W, b = [w[models] for w in stack.weights], [c[models] for c in stack.biases]
        out, _ = ops.forward(W, b, part.X, stack.activation)
        value, acc, _ = ops.loss_head(
            out, part.targets(out.shape[0]), ops.normalise(part.weight), loss
        )
        losses.append(value)
        accs.append(acc)
    return torch.cat(losses), (torch.cat(accs) if loss == "cross_entropy" else None)


def chunks(K: int, size: int) -> list[slice]:
    """Slices of at most ``size`` models covering all K, as equal in size as possible."""
    count = -(-K // size)
    size = -(-K // count)
    return [slice(start, min(start + size, K)) for start in range(0, K, size)]


def auto_chunk(stack: StackedMLP, rows: int, chunk_size: int | None) -> int:
    """Models per chunk: given, or about CHUNK_BYTES of activations per chunk."""
    if chunk_size is not None:
        return min(chunk_size, stack.K)
    per_model = rows * sum(stack.sizes[1:]) * stack.weights[0].element_size()
    return max(1, min(stack.K, CHUNK_BYTES // max(per_model, 1)))
