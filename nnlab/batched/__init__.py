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

The package, one job per module: ``stack`` (``StackedMLP`` and its constructors
``init_stack``, ``stack_mlps``, ``join_stacks``, ``grid``), ``data`` (the data checks),
``evaluate`` (``evaluate_stack``, ``hidden_activations``, losses in chunks of models),
``history`` (``BatchedHistory``, its recorder, and the stopping rules ``StopWhen`` and
``epochs_to_reach``), ``train`` (``train_batched``: settings,
loop and SGD update) and ``_ops`` (the batched arithmetic). Import from ``nnlab.batched``.

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

from .evaluate import CHUNK_BYTES, evaluate_stack, hidden_activations
from .history import BatchedHistory, StopWhen, epochs_to_reach
from .stack import StackedMLP, grid, init_stack, join_stacks, stack_mlps
from .train import LrSchedule, PerModel, train_batched

__all__ = [
    "CHUNK_BYTES",
    "BatchedHistory",
    "LrSchedule",
    "PerModel",
    "StackedMLP",
    "StopWhen",
    "epochs_to_reach",
    "evaluate_stack",
    "grid",
    "hidden_activations",
    "init_stack",
    "join_stacks",
    "stack_mlps",
    "train_batched",
]
