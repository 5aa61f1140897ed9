"""The arithmetic of ``nnlab.batched``: K MLPs' forward and backward passes as batched
matrix products, and the loss heads. Introduced in notebook 04
(learning-rate effects); notebooks use ``nnlab.batched``, not this module.

Tensors carry the models along their first axis: activations ``(K, m, width)``, weights
``(K, out, in)`` (as ``nn.Linear.weight``), biases ``(K, out)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

LEAKY_SLOPE = 0.01  # nn.LeakyReLU's default negative slope, as in nnlab.MLP


def matmul(a: torch.Tensor, b: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Return the batched product ``a @ b`` (plus ``bias`` ``(K, N)`` on every row).

    MKL's batched kernels are slow when the result has few columns and many rows (a
    10-class output layer, a 1-unit regression output, a 2-input first layer's gradient):
    then compute ``(bᵀ aᵀ)ᵀ`` instead, which measured 2-10× faster on such shapes. The
    result is then a transposed view (call ``.contiguous()`` before element-wise work with
    contiguous tensors).
    """
    rows, cols = a.shape[1], b.shape[2]
    if a.shape[2] == 1 and bias is None:  # a column times a row: an outer product
        return a * b
    if cols < 16 and rows > cols:
        at, bt = a.transpose(1, 2), b.transpose(1, 2)
        out = torch.bmm(bt, at) if bias is None else torch.baddbmm(bias.unsqueeze(2), bt, at)
        return out.transpose(1, 2)
    return torch.bmm(a, b) if bias is None else torch.baddbmm(bias.unsqueeze(1), a, b)


def activate(Z: torch.Tensor, activation: str) -> torch.Tensor:
    """Apply the hidden activation to the pre-activations Z (in place where possible)."""
    if activation == "relu":
        return Z.relu_()
    if activation == "leaky_relu":
        return nn.functional.leaky_relu_(Z, LEAKY_SLOPE)
    if activation == "tanh":
        return Z.tanh_()
    if activation == "sigmoid":
        return Z.sigmoid_()
    if activation == "gelu":
        return nn.functional.gelu(Z)  # keeps Z, which its slope needs
    return Z


def activate_differentiable(Z: torch.Tensor, activation: str) -> torch.Tensor:
    """Apply the hidden activation out of place, so that autograd can differentiate it."""
    return {
        "relu": torch.relu,
        "leaky_relu": lambda z: nn.functional.leaky_relu(z, LEAKY_SLOPE),
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "gelu": nn.functional.gelu,
        "linear": lambda z: z,
    }[activation](Z)


def activation_backward(
    dA: torch.Tensor, A: torch.Tensor, Z: torch.Tensor | None, activation: str
) -> torch.Tensor:
    """Return dZ = dA · act'(Z), from the activation's output A (or Z, for GELU).

    Overwrites dA (autograd's own kernels, writing in place: measured 3× faster than
    allocating a new tensor).
    """
    aten = torch.ops.aten
    if activation == "relu":  # dA where A > 0, else 0
        return aten.threshold_backward.grad_input(dA, A, 0, grad_input=dA)
    if activation == "leaky_relu":  # dA where A > 0, else slope · dA
        return aten.leaky_relu_backward.grad_input(dA, A, LEAKY_SLOPE, True, grad_input=dA)
    if activation == "tanh":  # dA · (1 - A²)
        return aten.tanh_backward.grad_input(dA, A, grad_input=dA)
    if activation == "sigmoid":  # dA · A (1 - A)
        return aten.sigmoid_backward.grad_input(dA, A, grad_input=dA)
    if activation == "gelu":  # dA · (Φ(Z) + Z φ(Z))
        return aten.gelu_backward.grad_input(dA, Z, grad_input=dA)
    return dA


@dataclass
class Cache:
    """What the backward pass needs from the forward pass, per hidden layer."""

    inputs: list[torch.Tensor]  # input of every layer, (K, m, width); inputs[0] is X
    outputs: list[torch.Tensor]  # activation output of every hidden layer (before dropout)
    pre: list[torch.Tensor | None]  # pre-activations (kept for GELU only)
    masks: list[torch.Tensor | None]  # dropout masks (already divided by 1 - p)


def forward(
    weights: list[torch.Tensor],
    biases: list[torch.Tensor],
    X: torch.Tensor,
    activation: str,
    *,
    keep: bool = False,
    dropout: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, Cache | None]:
    """Return the outputs ``(K, m, out)`` and, with ``keep``, what backward needs.

    X is ``(m, d)`` (shared) or ``(K, m, d)``; ``dropout`` is ``(K,)`` drop probabilities.
    With autograd on (``torch.is_grad_enabled()``) activations are applied out of place, so
    the result is differentiable; under ``no_grad`` in place, which is faster.
    """
    K = weights[0].shape[0]
    A = X.expand(K, *X.shape[-2:]) if X.ndim == 2 else X
    cache = Cache([A], [], [], []) if keep else None
    for layer, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = matmul(A, W.transpose(1, 2), b)
        if layer == len(weights) - 1:
            return Z, cache
        Z = Z.contiguous()
        if torch.is_grad_enabled():
            A = activate_differentiable(Z, activation)
        else:
            A = activate(Z, activation)
        mask = None
        if dropout is not None:
            keep_p = (1 - dropout).view(K, 1, 1)
            mask = (torch.rand(A.shape, generator=generator, dtype=A.dtype) < keep_p) / keep_p
        if cache is not None:
            cache.outputs.append(A)
            cache.pre.append(Z if activation == "gelu" else None)
            cache.masks.append(mask)
        A = A * mask if mask is not None else A
        if cache is not None:
            cache.inputs.append(A)
    raise AssertionError("unreachable")


def backward(
    weights: list[torch.Tensor], cache: Cache, d_out: torch.Tensor, activation: str
) -> list[torch.Tensor]:
    """Return the gradients ``[dW1, db1, dW2, db2, ...]`` given d_out = dLoss/dOutputs."""
    grads: list[torch.Tensor] = []
    dZ = d_out
    for layer in range(len(weights) - 1, -1, -1):
        grads[:0] = [matmul(dZ.transpose(1, 2), cache.inputs[layer]), dZ.sum(1)]
        if layer == 0:
            break
        dA = matmul(dZ, weights[layer]).contiguous()
        if cache.masks[layer - 1] is not None:
            dA = dA * cache.masks[layer - 1]
        dZ = activation_backward(dA, cache.outputs[layer - 1], cache.pre[layer - 1], activation)
    return grads


def loss_head(
    out: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None, loss: str
) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
    """Return each model's loss ``(K,)``, accuracy ``(K,)`` (None for mse) and dLoss/dout.

    out ``(K, m, C)``; target int ``(K, m)`` or float ``(K, m, C)``; weight ``(K, m)``, each
    row summing to 1 (None: the plain mean over the m rows). Per model the loss is the
    weighted mean of the per-example losses, as ``F.cross_entropy``/``F.mse_loss`` compute it.
    """
    if loss == "cross_entropy":
        per_example, correct, grad = cross_entropy(out, target)
    else:
        diff = out - target
        per_example, correct, grad = diff.square().mean(-1), None, diff.mul_(2.0 / out.shape[-1])
    if weight is None:  # the plain mean over the m rows
        acc = None if correct is None else correct.mean(1)
        return per_example.mean(1), acc, grad.div_(out.shape[1])
    acc = None if correct is None else (correct * weight).sum(1)
    return (per_example * weight).sum(1), acc, grad.mul_(weight.unsqueeze(-1))


def cross_entropy(
    out: torch.Tensor, target: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-example cross-entropy ``(K, m)``, correctness ``(K, m)`` and dLoss/dout.

    Works with the classes along dim 1, ``(K, C, m)``: for a few classes, reductions over
    dim 1 measured 5-30× faster than over the last dim (and ``matmul`` produces that layout).
    """
    logits = out.transpose(1, 2)
    logp = torch.log_softmax(logits, dim=1)
    index = target.unsqueeze(1)
    per_example = -logp.gather(1, index).squeeze(1)
    grad = logp.exp_().scatter_add_(1, index, logp.new_full(index.shape, -1.0))  # p - onehot
    top = logits.amax(1, keepdim=True)
    hit = logits.gather(1, index) == top
    # argmax picks the first of tied maxima: a tie with an earlier class is a miss.
    classes = torch.arange(logits.shape[1]).view(1, -1, 1)
    earlier_tie = ((logits == top) & (classes < index)).any(1, keepdim=True)
    correct = (hit & ~earlier_tie).squeeze(1).to(out.dtype)
    return per_example, correct, grad.transpose(1, 2)


def normalise(weight: torch.Tensor | None) -> torch.Tensor | None:
    """Scale each model's sample weights ``(K, m)`` to sum to 1 (all-zero rows stay 0)."""
    if weight is None:
        return None
    total = weight.sum(1, keepdim=True)
    return weight / torch.where(total > 0, total, torch.ones_like(total))
