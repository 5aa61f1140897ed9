"""The training loop of ``nnlab.batched``: ``train_batched``, its settings (one value per
model), the SGD update, and the loop that records each epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from .._validate import LOSSES, check_choice, check_float, check_int
from ..config import progress_enabled, resolve_seed
from ..runtime import reuse_freed_memory, torch_threads
from . import _ops as ops
from .data import StackData, check_stack_data
from .evaluate import auto_chunk, chunks, evaluate_chunks
from .history import BatchedHistory, Recorder, record_extras
from .stack import StackedMLP

PerModel = float | Sequence[float] | torch.Tensor
LrSchedule = Callable[[int], "float | torch.Tensor"]

__all__ = ["train_batched"]


def _per_model(
    name: str, value: object, K: int, dtype: torch.dtype, maximum: float | None = None
) -> torch.Tensor:
    """A number or K numbers, each finite and >= 0 (and < maximum), as a ``(K,)`` tensor."""
    if hasattr(value, "__len__") and not isinstance(value, str | bytes):
        t = torch.as_tensor(value, dtype=torch.float64)
        if t.ndim != 1 or len(t) != K:
            raise ValueError(f"{name} must be one number or K={K} numbers; got shape {t.shape}")
        for v in t.tolist():
            check_float(name, v, nonnegative=True)
    else:
        t = torch.full((K,), check_float(name, value, nonnegative=True), dtype=torch.float64)
    if maximum is not None and (t >= maximum).any():
        raise ValueError(f"{name} must be < {maximum}; got {t.max().item()}")
    return t.to(dtype)


@dataclass
class _Settings:
    """Everything ``train_batched`` checked, as tensors of one value per model."""

    lr: torch.Tensor
    weight_decay: torch.Tensor
    momentum: torch.Tensor
    dropout: torch.Tensor
    epochs: int
    batch_size: int | None
    loss: str
    seed: int
    chunk: int
    lr_schedule: LrSchedule | None


def _sgd_update(
    params: list[torch.Tensor],
    grads: list[torch.Tensor],
    buffers: list[torch.Tensor] | None,
    lr: torch.Tensor,
    s: _Settings,
    models: slice,
    frozen: torch.Tensor | None,
) -> None:
    """One SGD step (``torch.optim.SGD`` semantics: g + wd·p, then momentum) per model."""
    decay = s.weight_decay[models] if s.weight_decay.any() else None
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        view = (-1,) + (1,) * (p.ndim - 1)
        if decay is not None:
            g = g.addcmul_(p, decay.view(view))
        if buffers is not None:
            g = buffers[i].mul_(s.momentum[models].view(view)).add_(g)
        if frozen is not None:
            g.masked_fill_(frozen.view(view), 0.0)
        p.addcmul_(g, lr.view(view), value=-1.0)


def _step(
    stack: StackedMLP,
    data: StackData,
    idx: torch.Tensor | None,
    s: _Settings,
    lr: torch.Tensor,
    alive: torch.Tensor,
    buffers: list[torch.Tensor] | None,
    gen: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Update every live model once on rows ``idx``; return the batch loss and accuracy (K,)."""
    losses, accs = [], []
    drop = s.dropout if s.dropout.any() else None
    for models in chunks(stack.K, s.chunk):
        part = data.rows(models, idx)
        W, b = [w[models] for w in stack.weights], [c[models] for c in stack.biases]
        out, cache = ops.forward(
            W,
            b,
            part.X,
            stack.activation,
            keep=True,
            dropout=None if drop is None else drop[models],
            generator=gen,
        )
        K = out.shape[0]
        value, acc, d_out = ops.loss_head(out, part.targets(K), ops.normalise(part.weight), s.loss)
        alive[models] &= torch.isfinite(value)
        grads = ops.backward(W, cache, d_out, stack.activation)
        frozen = None if alive[models].all() else ~alive[models]
        bufs = None if buffers is None else [t[models] for t in buffers]
        _sgd_update([*_interleave(W, b)], grads, bufs, lr[models], s, models, frozen)
        losses.append(value)
        accs.append(acc)
    return torch.cat(losses), (torch.cat(accs) if s.loss == "cross_entropy" else None)


def _interleave(W: list[torch.Tensor], b: list[torch.Tensor]) -> list[torch.Tensor]:
    return [t for pair in zip(W, b, strict=True) for t in pair]


def _lr_at(s: _Settings, step: int) -> torch.Tensor:
    """The learning rates (K,) for a step: lr times the schedule's factor."""
    if s.lr_schedule is None:
        return s.lr
    factor = s.lr_schedule(step)
    if isinstance(factor, torch.Tensor):
        factor = factor.to(s.lr.dtype)
        if factor.ndim > 1 or (factor.ndim == 1 and len(factor) != len(s.lr)):
            raise ValueError(f"lr_schedule({step}) must give a number or K numbers")
    elif not isinstance(factor, int | float) or isinstance(factor, bool):
        raise TypeError(f"lr_schedule({step}) must return a number; got {type(factor).__name__}")
    if not torch.isfinite(torch.as_tensor(factor)).all() or (torch.as_tensor(factor) < 0).any():
        raise ValueError(f"lr_schedule({step}) must be finite and >= 0; got {factor}")
    return s.lr * factor


def _settings(
    stack: StackedMLP,
    n: int,
    *,
    lr: PerModel,
    weight_decay: PerModel,
    momentum: PerModel,
    dropout: PerModel,
    epochs: int,
    batch_size: int | None,
    loss: str,
    seed: int | None,
    chunk_size: int | None,
    lr_schedule: LrSchedule | None,
) -> _Settings:
    """Check ``train_batched``'s settings and turn per-model ones into ``(K,)`` tensors."""
    K, dt = stack.K, stack.dtype
    epochs = check_int("epochs", epochs, minimum=1)
    if batch_size is not None:
        batch_size = min(check_int("batch_size", batch_size, minimum=1), n)
    if chunk_size is not None:
        chunk_size = check_int("chunk_size", chunk_size, minimum=1)
    if lr_schedule is not None and not callable(lr_schedule):
        raise TypeError(f"lr_schedule must be callable; got {type(lr_schedule).__name__}")
    return _Settings(
        lr=_per_model("lr", lr, K, dt),
        weight_decay=_per_model("weight_decay", weight_decay, K, dt),
        momentum=_per_model("momentum", momentum, K, dt, maximum=1.0),
        dropout=_per_model("dropout", dropout, K, dt, maximum=1.0),
        epochs=epochs,
        batch_size=batch_size,
        loss=loss,
        seed=resolve_seed(seed),
        chunk=auto_chunk(stack, batch_size or n, chunk_size),
        lr_schedule=lr_schedule,
    )


def train_batched(
    stack: StackedMLP,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    lr: PerModel,
    epochs: int,
    weight_decay: PerModel = 0.0,
    momentum: PerModel = 0.0,
    dropout: PerModel = 0.0,
    batch_size: int | None = None,
    loss: str = "cross_entropy",
    sample_weight: torch.Tensor | None = None,
    X_val: torch.Tensor | None = None,
    y_val: torch.Tensor | None = None,
    lr_schedule: LrSchedule | None = None,
    callback: Callable[[int, StackedMLP], None] | None = None,
    record: Mapping[str, Callable[[StackedMLP], torch.Tensor]] | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    threads: int | None = None,
    progress: bool | None = None,
) -> BatchedHistory:
    """Train the K models of ``stack`` in place with SGD, all at once; return the history.

    Each model k is trained exactly as ``nnlab.train(stack.to_mlp(k), X, y, lr=lr[k], ...)``
    would train it (same batches, same updates, within float rounding).

    - ``X``: float ``(n, d)`` shared by all models, or ``(K, n, d)`` one set per model.
    - ``y``: int64 labels ``(n,)`` or ``(K, n)`` (e.g. random labels per model) for
      ``loss="cross_entropy"``; float targets ``(n, C)`` or ``(K, n, C)`` for ``"mse"``.
    - ``lr``, ``weight_decay`` (L2, added to the gradient as in ``torch.optim.SGD``),
      ``momentum`` (in [0, 1)) and ``dropout`` (drop probability of hidden units during
      training, in [0, 1)): one number for all models or K numbers. ``lr=0`` freezes a
      model (a control).
    - ``batch_size``: None for full-batch gradient descent; else mini-batches in an order
      shuffled once per epoch with ``seed`` (default ``NNLAB_SEED``), the same for all models
      and the same as ``nnlab.train`` with that seed.
    - ``sample_weight``: ``(n,)`` or ``(K, n)`` weights >= 0, or a bool mask: model k's loss
      is the weighted mean over the rows, so a mask trains each model on its own subset of
      one shared X (training-set-size sweeps). With mini-batches the batches are drawn from
      all n rows and each model uses its rows in the batch (its batches are smaller).
    - ``X_val``, ``y_val``: validation data, shapes as X and y (rows may differ).
    - ``lr_schedule(step) -> factor``: multiplies lr at every step (0-based, counted over
      all epochs; ``ceil(n / batch_size)`` steps per epoch); a number or K numbers.
    - ``callback(epoch, stack)``: runs after every epoch (1-based), before that epoch's
      metrics are recorded; it may change the stack's tensors in place (under no_grad).
    - ``record={"name": fn}``: ``fn(stack)`` returns a tensor with K rows, stored after every
      epoch in ``history.extra["name"]``, shape ``(K, epochs, ...)``.
    - ``chunk_size``: models computed together (default: about 16 MB of activations);
      results do not depend on it (except dropout's random masks).
    - ``threads``: PyTorch threads for this call (default: the current setting, all cores);
      1 gives steadier times for small nets when other programs share the cores (a tiny
      step can wait milliseconds for a busy second core).

    Returns a ``BatchedHistory``. Models whose loss becomes NaN or infinite stop training
    and record NaN (see ``BatchedHistory``); the others are unaffected.
    """
    check_choice("loss", loss, LOSSES)
    data = check_stack_data(stack, X, y, sample_weight, loss, "")
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    val = None if X_val is None else check_stack_data(stack, X_val, y_val, None, loss, "val ")
    s = _settings(
        stack,
        data.n,
        lr=lr,
        weight_decay=weight_decay,
        momentum=momentum,
        dropout=dropout,
        epochs=epochs,
        batch_size=batch_size,
        loss=loss,
        seed=seed,
        chunk_size=chunk_size,
        lr_schedule=lr_schedule,
    )
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable; got {type(callback).__name__}")
    record = dict(record or {})
    for name, fn in record.items():
        if not isinstance(name, str) or not callable(fn):
            raise TypeError("record must map names (str) to functions fn(stack) -> tensor")
    if threads is not None:
        threads = check_int("threads", threads, minimum=1)
    reuse_freed_memory()
    show = progress_enabled() if progress is None else bool(progress)
    with torch_threads(threads), torch.no_grad():
        return _train_loop(stack, data, val, s, callback, record, show)


def _train_loop(
    stack: StackedMLP,
    data: StackData,
    val: StackData | None,
    s: _Settings,
    callback: Callable[[int, StackedMLP], None] | None,
    record: Mapping[str, Callable[[StackedMLP], torch.Tensor]],
    show: bool,
) -> BatchedHistory:
    rec = Recorder(stack.K, s.epochs, s.loss)
    alive = torch.ones(stack.K, dtype=torch.bool)
    buffers = [torch.zeros_like(p) for p in stack.parameters()] if s.momentum.any() else None
    order_gen = torch.Generator().manual_seed(s.seed)
    dropout_gen = torch.Generator().manual_seed(s.seed + 1)
    # Full batch without dropout: the forward pass of the next step measures this epoch.
    fused = s.batch_size is None and not s.dropout.any()
    eval_chunk = auto_chunk(stack, data.n, None)
    step = 0
    bar = tqdm(range(1, s.epochs + 1), desc="training", unit="epoch", disable=not show)
    for epoch in bar:
        order = torch.randperm(data.n, generator=order_gen) if s.batch_size else None
        for start in range(0, data.n, s.batch_size or data.n):
            idx = None if order is None else order[start : start + s.batch_size]
            loss, acc = _step(stack, data, idx, s, _lr_at(s, step), alive, buffers, dropout_gen)
            step += 1
            if fused:
                rec.train(epoch - 1, loss, acc, alive)
        if callback is not None:
            callback(epoch, stack)
        if not fused or epoch == s.epochs:
            loss, acc = evaluate_chunks(stack, data, s.loss, eval_chunk)
            alive &= torch.isfinite(loss)
            rec.train(epoch, loss, acc, alive)
        if val is not None:
            rec.val(*evaluate_chunks(stack, val, s.loss, auto_chunk(stack, val.n, None)))
        record_extras(rec, record, stack)
        if show:
            bar.set_postfix(alive=int(alive.sum()))
        if not alive.any():
            break
    return rec.history()
