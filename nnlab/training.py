"""A plain training loop that records a history. Introduced in notebook 00.

``train`` runs full-batch or mini-batch gradient descent (SGD or Adam) for classification
(cross-entropy on integer labels) or regression (mean squared error), and returns a
``History`` with the loss and accuracy of every epoch, on training and validation data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Real

import torch
from torch import nn
from tqdm.auto import tqdm

from ._validate import (
    LOSSES,
    check_choice,
    check_float,
    check_int,
    check_model,
    check_supervised,
)
from .config import progress_enabled, resolve_seed

OPTIMIZERS = ("sgd", "adam")


@dataclass
class History:
    """Per-epoch record of a training run; every list has one entry per epoch.

    Accuracies are None for regression. ``val_*`` lists stay empty without validation data.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float | None] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("train_loss", "train_acc", "val_loss", "val_acc"):
            value = getattr(self, name)
            if not isinstance(value, list):
                raise TypeError(
                    f"{name} must be a list, one entry per epoch; got {type(value).__name__}"
                )

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.train_loss)

    def best_epoch(self) -> int:
        """Return the 1-based epoch with the lowest validation loss (early stopping's pick)."""
        if not self.val_loss:
            raise ValueError("best_epoch needs validation data; train with X_val and y_val")
        return min(range(len(self.val_loss)), key=self.val_loss.__getitem__) + 1


@dataclass
class StepInfo:
    """What a per-step callback receives: the epoch (1-based), the step within the run
    (1-based), the mini-batch loss, and the model (after the update)."""

    epoch: int
    step: int
    loss: float
    model: nn.Module

    def __post_init__(self) -> None:
        check_int("epoch", self.epoch, minimum=1)
        check_int("step", self.step, minimum=1)
        # A NaN or infinite loss is allowed: a diverging run still reports its steps.
        if isinstance(self.loss, bool) or not isinstance(self.loss, Real):
            raise TypeError(f"loss must be a number; got {type(self.loss).__name__}")
        check_model(self.model)


def loss_function(name: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The mean loss ``f(outputs, y)`` named ``name`` (one of ``LOSSES``), from torch."""
    check_choice("loss", name, LOSSES)
    return nn.functional.cross_entropy if name == "cross_entropy" else nn.functional.mse_loss


@torch.no_grad()
def evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss: str = "cross_entropy"
) -> tuple[float, float | None]:
    """Return ``(loss, accuracy)`` of ``model`` on ``(X, y)``; accuracy is None for "mse".

    X is ``(n, d)``; y is int64 ``(n,)`` for cross-entropy, float ``(n, k)`` for mse.
    """
    check_model(model)
    check_choice("loss", loss, LOSSES)
    check_supervised(X, y, loss)
    was_training = model.training
    model.eval()
    out = model(X)
    model.train(was_training)
    value = float(loss_function(loss)(out, y))
    acc = float((out.argmax(dim=1) == y).float().mean()) if loss == "cross_entropy" else None
    return value, acc


def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Return the fraction of rows of X whose arg-max output equals the label in y."""
    return evaluate(model, X, y, "cross_entropy")[1]


def train(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    lr: float,
    epochs: int,
    X_val: torch.Tensor | None = None,
    y_val: torch.Tensor | None = None,
    batch_size: int | None = None,
    optimizer: str = "sgd",
    loss: str = "cross_entropy",
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    callback: Callable[[StepInfo], None] | None = None,
    progress: bool | None = None,
    seed: int | None = None,
) -> History:
    """Train ``model`` in place on ``(X, y)`` and return its ``History``.

    - ``X`` float ``(n, d)``; ``y`` int64 ``(n,)`` labels for ``loss="cross_entropy"`` or
      float ``(n, k)`` targets for ``loss="mse"``.
    - ``lr`` > 0 and ``epochs`` >= 1. ``batch_size=None`` means full-batch gradient descent;
      otherwise mini-batches drawn in a shuffled order seeded by ``seed``
      (default ``NNLAB_SEED``).
    - ``optimizer`` is ``"sgd"`` (with optional ``momentum``) or ``"adam"``;
      ``weight_decay`` >= 0 adds L2 shrinkage.
    - ``callback(info: StepInfo)`` runs after every update.
    - ``progress`` shows a ``tqdm`` bar over epochs (default: on unless NNLAB_PROGRESS=0).
    """
    check_model(model)
    check_choice("loss", loss, LOSSES)
    check_choice("optimizer", optimizer, OPTIMIZERS)
    check_supervised(X, y, loss)
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    if X_val is not None:
        check_supervised(X_val, y_val, loss, prefix="val ")
    lr = check_float("lr", lr, positive=True)
    epochs = check_int("epochs", epochs, minimum=1)
    momentum = check_float("momentum", momentum, nonnegative=True, maximum=1.0)
    weight_decay = check_float("weight_decay", weight_decay, nonnegative=True)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable; got {type(callback).__name__}")
    seed = resolve_seed(seed)
    show = progress_enabled() if progress is None else bool(progress)

    params = [p for p in model.parameters() if p.requires_grad]
    if optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    else:
        opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    loss_fn = loss_function(loss)
    gen = torch.Generator().manual_seed(seed)
    n = len(X)
    history = History()
    step = 0
    bar = tqdm(range(1, epochs + 1), desc="training", unit="epoch", disable=not show)
    for epoch in bar:
        model.train()
        order = torch.randperm(n, generator=gen) if batch_size else torch.arange(n)
        for start in range(0, n, batch_size or n):
            idx = order[start : start + (batch_size or n)]
            opt.zero_grad()
            batch_loss = loss_fn(model(X[idx]), y[idx])
            batch_loss.backward()
            opt.step()
            step += 1
            if callback is not None:
                callback(StepInfo(epoch, step, float(batch_loss.detach()), model))
        train_loss, train_acc = evaluate(model, X, y, loss)
        history.train_loss.append(train_loss)
        history.train_acc.append(train_acc)
        if X_val is not None:
            val_loss, val_acc = evaluate(model, X_val, y_val, loss)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
        if show:
            bar.set_postfix(loss=f"{train_loss:.3f}")
    return history
