"""The record of a batched training run: ``BatchedHistory`` (what ``train_batched``
returns) and the ``Recorder`` that fills it epoch by epoch; and the stopping rules read from
it: ``epochs_to_reach`` (the first epoch a curve reaches a level, per run) and ``StopWhen``
(freeze each model once a metric passes a threshold).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch

from .._validate import check_float, check_int, check_tensor
from ..training import History
from .stack import StackedMLP

__all__ = ["BatchedHistory", "StopWhen", "epochs_to_reach"]


@dataclass
class BatchedHistory:
    """Per-epoch record of K runs trained together by ``train_batched``.

    - ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc``: ``(K, epochs)`` float
      tensors (accuracies None for mse; ``val_*`` None without validation data). Train
      metrics are measured after each epoch on each model's own (weighted) training data.
    - ``diverged``: ``(K,)`` bool; ``diverged_at``: ``(K,)`` int64, the first epoch whose
      loss was NaN or infinite (0: never). Metrics of a diverged model are NaN from then on.
    - ``extra``: ``{name: (K, epochs, ...)}``, the values of ``record=`` functions.
    """

    train_loss: torch.Tensor
    train_acc: torch.Tensor | None
    val_loss: torch.Tensor | None
    val_acc: torch.Tensor | None
    diverged_at: torch.Tensor
    extra: dict[str, torch.Tensor] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_tensor("train_loss", self.train_loss, ndim=2, floating=True, finite=False)
        shape = tuple(self.train_loss.shape)
        for name in ("train_acc", "val_loss", "val_acc"):
            value = getattr(self, name)
            if value is not None:
                check_tensor(name, value, ndim=2, floating=True, finite=False)
                if tuple(value.shape) != shape:
                    raise ValueError(
                        f"{name} has shape {tuple(value.shape)}; train_loss has {shape} "
                        "(models, epochs)"
                    )
        check_tensor("diverged_at", self.diverged_at, ndim=1, integer=True)
        if len(self.diverged_at) != shape[0]:
            raise ValueError(
                f"diverged_at must have one entry per model ({shape[0]}); "
                f"got {len(self.diverged_at)}"
            )
        if not isinstance(self.extra, dict):
            raise TypeError(f"extra must be a dict of tensors; got {type(self.extra).__name__}")

    @property
    def K(self) -> int:
        return self.train_loss.shape[0]

    @property
    def epochs(self) -> int:
        return self.train_loss.shape[1]

    @property
    def diverged(self) -> torch.Tensor:
        return self.diverged_at > 0

    def run(self, k: int) -> History:
        """Return run k's record as an ``nnlab.History`` (lists of floats, as nnlab.train's)."""
        k = check_int("k", k)
        if not -self.K <= k < self.K:
            raise ValueError(f"k must lie in [0, {self.K}); got {k}")

        def row(t: torch.Tensor | None, fill: float | None) -> list:
            return t[k].tolist() if t is not None else [fill] * self.epochs

        val = self.val_loss is not None
        return History(
            train_loss=row(self.train_loss, None),
            train_acc=row(self.train_acc, None),
            val_loss=row(self.val_loss, None) if val else [],
            val_acc=row(self.val_acc, None) if val else [],
        )


class Recorder:
    """Collects every epoch's metrics; builds the history, with NaN for diverged models.

    Every record is written into a table allocated once, at its first value, rather than
    kept as one small tensor per epoch: small long-lived allocations made between a step's
    large temporary ones split the freed blocks, and glibc's heap then grew by several MB
    per epoch (measured: 0.3 GB to 1.3 GB in 450 epochs of 42 small networks).
    """

    def __init__(self, K: int, epochs: int, loss: str) -> None:
        self.K, self.epochs, self.ce = K, epochs, loss == "cross_entropy"
        self.tables: dict[str, torch.Tensor] = {}  # name -> (K, epochs, ...), filled in order
        self.counts: dict[str, int] = {}
        self.healthy = torch.ones(K, dtype=torch.bool)  # finite loss so far, at epoch 0
        self.health = torch.ones(K, epochs, dtype=torch.bool)  # per epoch: finite loss so far
        self.health_count = 0
        self.extra_names: list[str] = []

    def put(self, name: str, value: torch.Tensor) -> None:
        """Write ``value`` (K rows first) as the next epoch's record of ``name``."""
        table = self.tables.get(name)
        if table is None:
            shape = (self.K, self.epochs, *value.shape[1:])
            if value.is_floating_point():
                table = torch.full(shape, math.nan, dtype=value.dtype)
            else:
                table = torch.zeros(shape, dtype=value.dtype)
            self.tables[name], self.counts[name] = table, 0
        if value.shape[1:] != table.shape[2:]:
            raise ValueError(
                f"record {name!r} returned shape {tuple(value.shape)} after "
                f"{tuple((self.K, *table.shape[2:]))}: every epoch must give the same shape"
            )
        table[:, self.counts[name]] = value
        self.counts[name] += 1

    def train(
        self, epoch: int, loss: torch.Tensor, acc: torch.Tensor | None, alive: torch.Tensor
    ) -> None:
        """Record the training metrics of ``epoch`` (0: the initial state, health only)."""
        self.healthy &= alive & torch.isfinite(loss)
        if epoch == 0:
            return
        self.health[:, self.health_count] = self.healthy
        self.health_count += 1
        self.put("train_loss", loss)
        if acc is not None:
            self.put("train_acc", acc)

    def val(self, loss: torch.Tensor, acc: torch.Tensor | None) -> None:
        self.put("val_loss", loss)
        if acc is not None:
            self.put("val_acc", acc)

    def _table(self, name: str, health: torch.Tensor) -> torch.Tensor | None:
        table = self.tables.get(name)
        if table is None:
            return None
        done = min(self.counts[name], health.shape[1])
        out = torch.full_like(table, math.nan)
        out[:, :done] = table[:, :done].where(health[:, :done], math.nan)
        return out

    def history(self) -> BatchedHistory:
        health = self.health.clone()
        health[:, self.health_count :] = False  # stopped early: every model had diverged
        first_bad = (~health).int().argmax(dim=1) + 1
        diverged_at = torch.where(health.all(dim=1), 0, first_bad)
        return BatchedHistory(
            train_loss=self._table("train_loss", health),
            train_acc=self._table("train_acc", health),
            val_loss=self._table("val_loss", health),
            val_acc=self._table("val_acc", health),
            diverged_at=diverged_at,
            extra={
                name: self.tables[f"extra:{name}"][:, : self.counts[f"extra:{name}"]].clone()
                for name in self.extra_names
            },
        )


def record_extras(
    rec: Recorder, record: Mapping[str, Callable[[StackedMLP], torch.Tensor]], stack: StackedMLP
) -> None:
    for name, fn in record.items():
        value = torch.as_tensor(fn(stack)).detach()
        if value.ndim == 0 or value.shape[0] != stack.K:
            raise ValueError(f"record[{name!r}] must return a tensor with K={stack.K} rows first")
        if name not in rec.extra_names:
            rec.extra_names.append(name)
        rec.put(f"extra:{name}", value)


# ----------------------------------------------------------------------- stopping rules


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
