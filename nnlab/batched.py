"""Train many small MLPs at once: K independent copies as one batched computation.

Introduced in notebook 04 (learning-rate effects); used by notebooks 02 and 03 for sweeps
over seeds, learning rates, weight decays, training-set sizes and label noise.

The K models share their layer sizes and activation; everything else may differ per model:
initial weights (seeds), learning rate, weight decay, momentum, dropout, labels (K, n),
sample weights or masks (K, n), even the inputs (K, n, d). Weights are stacked as
``(K, out, in)`` tensors and every layer is one batched matrix product (``torch.baddbmm``),
so one step of all K models costs a few large matrix products instead of K small ones.

How the gradient is computed. Each model's loss depends only on its own slice of the stacked
weights, so the gradient of the summed loss is each model's own gradient. The backward pass
is written out as batched matrix products (dW = dZᵀ·A, dA = dZ·W, times the activation's
slope, using the ``torch.ops.aten.*_backward`` kernels autograd itself uses): measured
1.3-1.7× faster than autograd over the same forward pass. The tests check it against
``nnlab.train`` (autograd) model by model.

Quick start::

    from nnlab.batched import grid, init_stack, train_batched
    sweep = grid(lr=[0.01, 0.03, 0.1, 0.3, 1.0], seed=[0, 1, 2])     # K = 15 runs
    stack = init_stack([64, 32, 10], seeds=sweep["seed"], activation="relu")
    hist = train_batched(stack, X, y, lr=sweep["lr"], epochs=100, X_val=Xv, y_val=yv)
    hist.val_acc[:, -1]            # (15,) final validation accuracy of every run
    model = stack.to_mlp(3)        # run 3 as an ordinary nnlab.MLP

Divergence. A model whose loss becomes NaN or infinite stops being updated (its weights
stay where they were) and records NaN from that epoch on; ``hist.diverged`` and
``hist.diverged_at`` say which and when. The other models are not affected: every model's
arithmetic is separate.

Sizing a sweep. A full-batch epoch of K models on n rows costs about
``6·K·n·Σ(in·out)`` floating-point operations (forward ``2·K·n·Σ in·out``, backward twice
that, less the first layer's input gradient), so time per epoch ≈ FLOPs / rate. The rate
depends on the machine: ``python -m benchmarks.engine --sweep`` prints it over widths,
model counts and threads, and ``benchmarks/RESULTS.md`` records it for the course's machine
(on its 2-core CPU, roughly a third to four fifths of the large-matmul rate, wider nets
closer to the top).

- The rate hardly depends on K once K ≥ 4 (time grows in proportion to K), so choose K from
  what the experiment needs and from memory. Tiny nets (h ≤ 16) are overhead-bound: more
  models per call cost almost nothing extra (64 toy nets 2-16-16-1 on 300 points train
  ~18× faster than one by one in the leanest plain-torch loop, ~40× faster than a loop of
  ``nnlab.train``).
- Example: 24 learning rates × 3 seeds of 64-64-64-10 on 1,200 digits is 72 × 6 × 1,200 ×
  8,832 ≈ 4.6 GFLOP per epoch: at 100 GFLOP/s, 46 ms an epoch and 100 epochs ≈ 5 s.
- Mini-batches: the same FLOPs per epoch in more, smaller steps; each step adds a fixed
  cost of a few tenths of a millisecond, and each epoch a forward pass over the training
  data (1/3 of a step's FLOPs) to record the metrics. In full-batch mode the metrics come
  free from the next step's forward pass.
- Threads: the default (all cores) was 1.6-1.9× faster than one thread on an idle machine.
  When other programs keep the cores busy, small steps wait for the busy core: then
  ``train_batched(..., threads=1)`` was 2-10× faster in our runs, and steadier (widgets).
- Memory: the engine computes ``chunk_size`` models at a time (by default about 16 MB of
  activations per chunk; a step keeps about three times that), so memory stays bounded
  however large K is. 72 nets 64-64-64-10 on all 1,797 digits peaked at ~350 MB for the
  whole Python process.
- The engine asks glibc's malloc (Linux) to keep freed memory for reuse (``mallopt``):
  page faults on fresh memory otherwise cost up to half the step time on this virtual
  machine. Peak memory measured the same with and without it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from . import _batched_ops as ops
from ._validate import LOSSES, check_choice, check_float, check_int, check_list, check_tensor
from .config import progress_enabled, resolve_seed
from .models import ACTIVATIONS, INITS, MLP
from .training import History

CHUNK_BYTES = 16 * 2**20  # activations kept per chunk of models (see chunk_size)

PerModel = float | Sequence[float] | torch.Tensor
LrSchedule = Callable[[int], "float | torch.Tensor"]

__all__ = [
    "BatchedHistory",
    "StackedMLP",
    "evaluate_stack",
    "grid",
    "hidden_activations",
    "init_stack",
    "stack_mlps",
    "train_batched",
]


# --------------------------------------------------------------------------- the stack


@dataclass
class StackedMLP:
    """K MLPs with the same layer sizes, their weights stacked along a first axis of size K.

    - ``weights[l]``: ``(K, sizes[l+1], sizes[l])``, like ``nn.Linear.weight`` per model;
    - ``biases[l]``: ``(K, sizes[l+1])``;
    - ``activation``: one of ``nnlab.ACTIVATIONS`` (hidden layers; the output is linear).

    Model k computes exactly what ``stack.to_mlp(k)`` computes. Build one with
    ``init_stack`` or ``stack_mlps``. Introduced in notebook 04 (learning-rate effects).
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

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Return every model's outputs ``(K, n, out)`` for X ``(n, d)`` or ``(K, n, d)``.

        Differentiable (plain torch operations), so autograd and ``nnlab.curvature`` can
        use it.
        """
        X = _check_inputs("X", X, self)
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
        if m.sizes != models[0].sizes or m.activation != models[0].activation:
            raise ValueError(
                f"models[{i}] is an MLP{m.sizes} with {m.activation!r}; models[0] is an "
                f"MLP{models[0].sizes} with {models[0].activation!r}: all must match"
            )
    layers = [[m for m in model.modules() if isinstance(m, nn.Linear)] for model in models]
    if any(layer.bias is None for layer in layers[0]):
        raise ValueError("models must have biases (built with bias=True)")
    weights = [torch.stack([ls[i].weight.detach() for ls in layers]) for i in range(len(layers[0]))]
    biases = [torch.stack([ls[i].bias.detach() for ls in layers]) for i in range(len(layers[0]))]
    return StackedMLP(weights, biases, models[0].activation)


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


def hidden_activations(stack: StackedMLP, X: torch.Tensor) -> list[torch.Tensor]:
    """Return each hidden layer's post-activations, a list of ``(K, n, width)`` tensors.

    X is ``(n, d)`` or ``(K, n, d)``. Count dead ReLU units with, for example,
    ``(A <= 0).all(dim=1).float().mean(dim=1)``: the dead fraction of each model, shape (K,).
    """
    X = _check_inputs("X", X, stack)
    with torch.no_grad():
        _, cache = ops.forward(stack.weights, stack.biases, X, stack.activation, keep=True)
    return cache.outputs


# --------------------------------------------------------------------------- evaluation


def _loss_values(
    params: Sequence[torch.Tensor], activation: str, data: _Data, loss: str
) -> torch.Tensor:
    """Each model's (weighted) mean loss ``(K,)``, differentiable with respect to ``params``
    (``[W1, b1, W2, b2, ...]``); for autograd users such as ``nnlab.curvature``."""
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
    data = _check_data(stack, X, y, sample_weight, loss, "")
    return _evaluate(stack, data, loss, _auto_chunk(stack, data.n, None))


@dataclass
class _Data:
    """Validated data: X (n, d) or (K, n, d); y (n,)/(K, n) labels or (n, C)/(K, n, C)."""

    X: torch.Tensor
    y: torch.Tensor
    weight: torch.Tensor | None  # (K, n) or None

    @property
    def n(self) -> int:
        return self.X.shape[-2]

    def rows(self, models: slice, idx: torch.Tensor | None) -> _Data:
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
        return _Data(pick(self.X, per_model_X), pick(self.y, per_model_y), pick(self.weight, True))

    def targets(self, K: int) -> torch.Tensor:
        """y expanded to one row per model: ``(K, n)`` or ``(K, n, C)``."""
        per_model = self.y.ndim == (2 if not self.y.is_floating_point() else 3)
        return self.y if per_model else self.y.expand(K, *self.y.shape)


@torch.no_grad()
def _evaluate(
    stack: StackedMLP, data: _Data, loss: str, chunk: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    losses, accs = [], []
    for models in _chunks(stack.K, chunk):
        part = data.rows(models, None)
        W, b = [w[models] for w in stack.weights], [c[models] for c in stack.biases]
        out, _ = ops.forward(W, b, part.X, stack.activation)
        value, acc, _ = ops.loss_head(
            out, part.targets(out.shape[0]), ops.normalise(part.weight), loss
        )
        losses.append(value)
        accs.append(acc)
    return torch.cat(losses), (torch.cat(accs) if loss == "cross_entropy" else None)


def _chunks(K: int, size: int) -> list[slice]:
    """Slices of at most ``size`` models covering all K, as equal in size as possible."""
    count = -(-K // size)
    size = -(-K // count)
    return [slice(start, min(start + size, K)) for start in range(0, K, size)]


def _auto_chunk(stack: StackedMLP, rows: int, chunk_size: int | None) -> int:
    """Models per chunk: given, or about CHUNK_BYTES of activations per chunk."""
    if chunk_size is not None:
        return min(chunk_size, stack.K)
    per_model = rows * sum(stack.sizes[1:]) * stack.weights[0].element_size()
    return max(1, min(stack.K, CHUNK_BYTES // max(per_model, 1)))


# ----------------------------------------------------------------------- the history


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


# ------------------------------------------------------------------------- validation


def _check_inputs(name: str, X: object, stack: StackedMLP) -> torch.Tensor:
    """X must be float ``(n, d)`` or ``(K, n, d)`` with the stack's d and dtype."""
    if not isinstance(stack, StackedMLP):
        raise TypeError(f"stack must be a StackedMLP; got {type(stack).__name__}")
    check_tensor(name, X, floating=True)
    if X.ndim not in (2, 3):
        raise ValueError(f"{name} must be (n, d) or (K, n, d); got shape {tuple(X.shape)}")
    if X.shape[-1] != stack.sizes[0] or (X.ndim == 3 and X.shape[0] != stack.K):
        raise ValueError(
            f"{name} has shape {tuple(X.shape)}; the stack needs (n, {stack.sizes[0]}) or "
            f"(K={stack.K}, n, {stack.sizes[0]})"
        )
    if X.dtype != stack.dtype:
        raise TypeError(f"{name} has dtype {X.dtype}; the stack's weights are {stack.dtype}")
    return X


def _check_targets(name: str, y: object, stack: StackedMLP, n: int, loss: str) -> torch.Tensor:
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


def _check_weight(name: str, w: object, K: int, n: int, dtype: torch.dtype) -> torch.Tensor | None:
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


def _check_data(
    stack: StackedMLP, X: object, y: object, weight: object, loss: str, prefix: str
) -> _Data:
    X = _check_inputs(f"{prefix}X", X, stack)
    n = X.shape[-2]
    y = _check_targets(f"{prefix}y", y, stack, n, loss)
    w = _check_weight(f"{prefix}sample_weight", weight, stack.K, n, stack.dtype)
    return _Data(X, y, w)


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


# -------------------------------------------------------------------------- training


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
    data: _Data,
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
    for models in _chunks(stack.K, s.chunk):
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


class _Recorder:
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


def _record_extras(
    rec: _Recorder, record: Mapping[str, Callable[[StackedMLP], torch.Tensor]], stack: StackedMLP
) -> None:
    for name, fn in record.items():
        value = torch.as_tensor(fn(stack)).detach()
        if value.ndim == 0 or value.shape[0] != stack.K:
            raise ValueError(f"record[{name!r}] must return a tensor with K={stack.K} rows first")
        if name not in rec.extra_names:
            rec.extra_names.append(name)
        rec.put(f"extra:{name}", value)


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
        chunk=_auto_chunk(stack, batch_size or n, chunk_size),
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
    data = _check_data(stack, X, y, sample_weight, loss, "")
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    val = None if X_val is None else _check_data(stack, X_val, y_val, None, loss, "val ")
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
    threads = (
        torch.get_num_threads() if threads is None else check_int("threads", threads, minimum=1)
    )
    ops.reuse_freed_memory()
    show = progress_enabled() if progress is None else bool(progress)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.no_grad():
            return _train_loop(stack, data, val, s, callback, record, show)
    finally:
        torch.set_num_threads(before)


def _train_loop(
    stack: StackedMLP,
    data: _Data,
    val: _Data | None,
    s: _Settings,
    callback: Callable[[int, StackedMLP], None] | None,
    record: Mapping[str, Callable[[StackedMLP], torch.Tensor]],
    show: bool,
) -> BatchedHistory:
    rec = _Recorder(stack.K, s.epochs, s.loss)
    alive = torch.ones(stack.K, dtype=torch.bool)
    buffers = [torch.zeros_like(p) for p in stack.parameters()] if s.momentum.any() else None
    order_gen = torch.Generator().manual_seed(s.seed)
    dropout_gen = torch.Generator().manual_seed(s.seed + 1)
    # Full batch without dropout: the forward pass of the next step measures this epoch.
    fused = s.batch_size is None and not s.dropout.any()
    eval_chunk = _auto_chunk(stack, data.n, None)
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
            loss, acc = _evaluate(stack, data, s.loss, eval_chunk)
            alive &= torch.isfinite(loss)
            rec.train(epoch, loss, acc, alive)
        if val is not None:
            rec.val(*_evaluate(stack, val, s.loss, _auto_chunk(stack, val.n, None)))
        _record_extras(rec, record, stack)
        if show:
            bar.set_postfix(alive=int(alive.sum()))
        if not alive.any():
            break
    return rec.history()
