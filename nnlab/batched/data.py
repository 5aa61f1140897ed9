"""Data checks of ``nnlab.batched``: inputs, targets and sample weights that fit a stack,
validated once into a ``StackData`` (used by the training loop, the evaluation, and
``nnlab.curvature``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .._validate import check_tensor
from .stack import StackedMLP, check_stack

__all__: list[str] = []  # internal to nnlab: learners use nnlab.batched's functions


@dataclass
class StackData:
    """Validated data: X (n, d) or (K, n, d); y (n,)/(K, n) labels or (n, C)/(K, n, C)."""

    X: torch.Tensor
    y: torch.Tensor
    weight: torch.Tensor | None  # (K, n) or None

    @property
    def n(self) -> int:
        return self.X.shape[-2]

    def rows(self, models: slice, idx: torch.Tensor | None) -> StackData:
        """The data of a chunk of models, restricted to rows ``idx`` (None: all rows)."""

        def pick(t: torch.Tensor | None, per_model: bool) -> torch.Tensor | None:
            if t is None:
                return None
            t = t[models] if per_model else t
            if idx is None:
                return t
            return t[:, idx] if per_model else t[idx]

        per_model_X = self.X.ndim == 3
        per_model_y = self.y.ndim == (2 if not self.y.is_floating_point() else 3)
        return StackData(
            pick(self.X, per_model_X), pick(self.y, per_model_y), pick(self.weight, True)
        )

    def targets(self, K: int) -> torch.Tensor:
        """y expanded to one row per model: ``(K, n)`` or ``(K, n, C)``."""
        per_model = self.y.ndim == (2 if not self.y.is_floating_point() else 3)
        return self.y if per_model else self.y.expand(K, *self.y.shape)


def check_inputs(name: str, X: object, stack: StackedMLP) -> torch.Tensor:
    """X must be float ``(n, d)`` or ``(K, n, d)`` with the stack's d and dtype."""
    return check_stack(stack).check_inputs(name, X)


def check_targets(name: str, y: object, stack: StackedMLP, n: int, loss: str) -> torch.Tensor:
    """y: int labels (n,) or (K, n) in [0, C) for cross-entropy; float (n, C)/(K, n, C) for mse."""
    K, C = stack.K, stack.sizes[-1]
    if loss == "cross_entropy":
        check_tensor(name, y, integer=True)
        shapes = [(n,), (K, n)]
    else:
        check_tensor(name, y, floating=True)
        shapes = [(n, C), (K, n, C)]
    if tuple(y.shape) not in shapes:
        raise ValueError(
            f"{name} has shape {tuple(y.shape)}; with loss={loss!r}, {n} rows and K={K} models "
            f"it must be {shapes[0]} (shared) or {shapes[1]} (one per model)"
        )
    if loss == "cross_entropy":
        if C < 2:
            raise ValueError(f"cross-entropy needs at least 2 outputs; the stack has {C}")
        if y.min() < 0 or y.max() >= C:
            raise ValueError(f"{name} holds labels in [{y.min()}, {y.max()}]; allowed: 0..{C - 1}")
        return y.long()
    if y.dtype != stack.dtype:
        raise TypeError(f"{name} has dtype {y.dtype}; the stack's weights are {stack.dtype}")
    return y


def check_weight(name: str, w: object, K: int, n: int, dtype: torch.dtype) -> torch.Tensor | None:
    """Sample weights or a mask, (n,) or (K, n), >= 0, every model with a positive total."""
    if w is None:
        return None
    check_tensor(name, w)
    if tuple(w.shape) not in [(n,), (K, n)]:
        raise ValueError(f"{name} has shape {tuple(w.shape)}; it must be ({n},) or (K={K}, {n})")
    w = w.to(dtype).expand(K, n)
    if (w < 0).any():
        raise ValueError(f"{name} must be >= 0 (a mask or sample weights); got negative values")
    empty = (w.sum(1) <= 0).nonzero().flatten().tolist()
    if empty:
        raise ValueError(f"{name} gives model(s) {empty[:5]} no data (all weights zero)")
    return w


def check_stack_data(
    stack: StackedMLP, X: object, y: object, weight: object, loss: str, prefix: str
) -> StackData:
    X = check_inputs(f"{prefix}X", X, stack)
    n = X.shape[-2]
    y = check_targets(f"{prefix}y", y, stack, n, loss)
    w = check_weight(f"{prefix}sample_weight", weight, stack.K, n, stack.dtype)
    return StackData(X, y, w)
