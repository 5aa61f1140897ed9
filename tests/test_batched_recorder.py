"""nnlab.batched's per-epoch recorder: tables written in place, not one tensor per epoch.

Keeping thousands of small per-epoch tensors alive between each step's large temporary
buffers fragmented glibc's heap: a run of 18 models grew by about 0.9 MB per epoch (over 1 GB
after 1,200 epochs). These tests pin down the cause (no tensor kept per epoch) and the
history the recorder builds.
"""

import gc
import math
import warnings

import pytest
import torch

import nnlab
from nnlab.batched import evaluate_stack, init_stack, train_batched


def _live_tensors() -> int:
    with warnings.catch_warnings():  # isinstance on some torch module objects warns
        warnings.simplefilter("ignore")
        return sum(isinstance(o, torch.Tensor) for o in gc.get_objects())


@pytest.mark.parametrize("fused", [True, False])
def test_training_keeps_no_tensor_per_epoch(fused):
    X, y = nnlab.make_blobs(n=60, seed=1)
    stack = init_stack([2, 8, 3], seeds=[0, 1, 2])
    counts = {}

    def count(epoch, _stack):
        if epoch in (10, 60):
            counts[epoch] = _live_tensors()

    train_batched(
        stack,
        X,
        y,
        lr=0.1,
        epochs=60,
        batch_size=None if fused else 20,
        X_val=X,
        y_val=y,
        record={"acc": lambda s: evaluate_stack(s, X, y)[1]},
        callback=count,
    )
    # The old recorder kept 6 tensors per epoch here (train/val loss and accuracy, health,
    # the record): 300 more after 50 epochs.
    assert counts[60] - counts[10] < 10, counts


def test_history_tables_and_extras():
    X, y = nnlab.make_blobs(n=40, seed=2)
    stack = init_stack([2, 6, 3], seeds=[0, 1])
    hist = train_batched(
        stack,
        X,
        y,
        lr=[0.1, 1e6],  # model 1 diverges
        epochs=8,
        X_val=X,
        y_val=y,
        record={"w": lambda s: s.weights[0].detach().reshape(s.K, -1)[:, :3]},
    )
    assert hist.train_loss.shape == (2, 8) and hist.val_acc.shape == (2, 8)
    assert hist.extra["w"].shape == (2, 8, 3)
    assert torch.isfinite(hist.train_loss[0]).all()
    assert hist.diverged.tolist() == [False, True]
    e = int(hist.diverged_at[1])
    assert math.isnan(hist.train_loss[1, e - 1]) and math.isnan(hist.val_loss[1, -1])
    assert torch.isfinite(hist.train_loss[1, : e - 1]).all()
    # The history of model 0 is what training it alone records.
    alone = train_batched(
        init_stack([2, 6, 3], seeds=[0]), X, y, lr=0.1, epochs=8, X_val=X, y_val=y
    )
    torch.testing.assert_close(hist.train_loss[0], alone.train_loss[0])
    torch.testing.assert_close(hist.val_acc[0], alone.val_acc[0])


def test_all_diverged_stops_early_and_pads_with_nan():
    X, y = nnlab.make_blobs(n=40, seed=3)
    stack = init_stack([2, 6, 3], seeds=[0])
    hist = train_batched(stack, X, y, lr=1e30, epochs=30, record={"one": lambda s: torch.ones(1)})
    assert hist.train_loss.shape == (1, 30) and math.isnan(hist.train_loss[0, -1])
    assert 0 < hist.extra["one"].shape[1] < 30  # recorded only the epochs that ran
