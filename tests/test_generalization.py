"""nnlab.generalization: label noise, nested subsets, stopping, loss along a direction."""

import pytest
import torch

import nnlab
from nnlab.batched import evaluate_stack, init_stack, train_batched
from nnlab.generalization import (
    StopWhen,
    balanced_order,
    epochs_to_reach,
    filter_normalized_direction,
    join_stacks,
    loss_along_direction,
    noisy_labels,
    subset_masks,
)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


# ------------------------------------------------------------------------- noisy labels


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.37, 1.0])
def test_noisy_labels_flips_exactly_the_fraction_to_other_classes(fraction):
    y = torch.arange(500) % 7
    before = y.clone()
    noisy, flipped = noisy_labels(y, fraction, generator=_gen(1))
    assert torch.equal(y, before)  # not modified in place
    assert noisy.dtype == torch.int64 and noisy.shape == y.shape
    assert int(flipped.sum()) == round(fraction * 500)
    assert torch.equal(noisy != y, flipped)  # every flipped label is wrong, the rest untouched
    assert noisy.min() >= 0 and noisy.max() < 7


def test_noisy_labels_are_uniform_over_the_other_classes():
    y = torch.zeros(20000, dtype=torch.long)
    noisy, _ = noisy_labels(y, 1.0, num_classes=5, generator=_gen(2))
    counts = torch.bincount(noisy, minlength=5).double()
    assert counts[0] == 0
    expected = 20000 / 4
    chi2 = float(((counts[1:] - expected) ** 2 / expected).sum())
    assert chi2 < 16.3  # chi-square, 3 degrees of freedom, p = 0.001


def test_noisy_labels_is_seeded():
    y = torch.arange(100) % 10
    a = noisy_labels(y, 0.3, generator=_gen(3))[0]
    b = noisy_labels(y, 0.3, generator=_gen(3))[0]
    c = noisy_labels(y, 0.3, generator=_gen(4))[0]
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_noisy_labels_checks_arguments():
    y = torch.arange(10) % 3
    with pytest.raises(ValueError, match="fraction"):
        noisy_labels(y, 1.5)
    with pytest.raises(TypeError, match="integer"):
        noisy_labels(y.float(), 0.1)
    with pytest.raises(ValueError, match="dimension"):
        noisy_labels(y.view(2, 5), 0.1)
    with pytest.raises(ValueError, match="num_classes"):
        noisy_labels(y, 0.1, num_classes=2)
    with pytest.raises(ValueError, match=">= 0"):
        noisy_labels(y - 1, 0.1)
    with pytest.raises(TypeError, match="generator"):
        noisy_labels(y, 0.1, generator=0)


# ----------------------------------------------------------------------------- subsets


def test_balanced_order_prefixes_are_balanced_and_nested():
    y = torch.arange(300) % 10
    y = y[torch.randperm(300, generator=_gen(5))]
    order = balanced_order(y, _gen(6))
    assert torch.equal(order.sort().values, torch.arange(300))  # a permutation
    for k in (1, 3, 12, 30):
        counts = torch.bincount(y[order[: 10 * k]], minlength=10)
        assert (counts == k).all(), (k, counts)
    counts = torch.bincount(y[order[:15]], minlength=10)  # not a multiple: off by at most one
    assert counts.max() - counts.min() <= 1


def test_balanced_order_with_a_rare_class():
    y = torch.tensor([0] * 50 + [1] * 5 + [2] * 50)
    order = balanced_order(y, _gen(7))
    assert torch.bincount(y[order[:15]], minlength=3).tolist() == [5, 5, 5]
    assert torch.bincount(y[order[:25]], minlength=3).tolist() == [10, 5, 10]


def test_subset_masks_pick_the_first_rows_of_the_order():
    order = torch.tensor([4, 2, 0, 1, 3])
    masks = subset_masks(order, [1, 3, 5])
    assert masks.dtype == torch.bool and masks.shape == (3, 5)
    assert masks[0].nonzero().flatten().tolist() == [4]
    assert masks[1].nonzero().flatten().tolist() == [0, 2, 4]
    assert masks[2].all()
    assert subset_masks(order[:2], [2], n=6).shape == (1, 6)


def test_subset_masks_check_arguments():
    order = torch.arange(5)
    with pytest.raises(ValueError, match="more rows"):
        subset_masks(order, [6])
    with pytest.raises(TypeError, match="sizes"):
        subset_masks(order, 3)
    with pytest.raises(ValueError, match="index rows"):
        subset_masks(order, [2], n=3)
    with pytest.raises(ValueError, match=">= 1"):
        subset_masks(order, [0])


def test_masks_train_each_model_on_its_subset_like_slicing():
    """A mask in train_batched trains exactly like the sliced data set (the intended use)."""
    X, y = nnlab.make_blobs(n=60, seed=1)
    order = balanced_order(y, _gen(8))
    masks = subset_masks(order, [20, 60])
    stack = init_stack([2, 8, 3], seeds=[0, 0])
    train_batched(stack, X, y, lr=0.1, epochs=5, sample_weight=masks)
    alone = init_stack([2, 8, 3], seeds=[0])
    idx = order[:20]
    train_batched(alone, X[idx], y[idx], lr=0.1, epochs=5)
    torch.testing.assert_close(stack.weights[0][0], alone.weights[0][0])


def test_epochs_to_reach():
    curves = torch.tensor([[0.5, 0.9, 0.99, 1.0], [0.1, 0.2, 0.3, 0.4], [1.0, 1.0, 1.0, 1.0]])
    got = epochs_to_reach(curves, 0.99)
    assert got[0] == 3 and torch.isnan(got[1]) and got[2] == 1
    losses = torch.tensor([[2.0, 1.0, 0.5, 0.1]])
    assert epochs_to_reach(losses, 0.5, above=False).tolist() == [3.0]
    with pytest.raises(ValueError, match="dimension"):
        epochs_to_reach(torch.zeros(4), 0.5)


# ---------------------------------------------------------------------------- stopping


def test_stop_when_freezes_each_model_at_its_own_epoch():
    X, y = nnlab.make_blobs(n=90, seed=2)
    stack = init_stack([2, 16, 3], seeds=[0, 1])
    target = torch.tensor([0.7, 0.52])  # model 0 stops earlier than model 1
    stop = StopWhen(lambda s: evaluate_stack(s, X, y)[0] / target, 1.0, above=False)
    train_batched(stack, X, y, lr=0.2, epochs=60, callback=stop.callback, lr_schedule=stop.schedule)
    epochs = stop.epoch.tolist()
    assert 0 < epochs[0] < epochs[1] < 60, epochs
    # Independent reference: each model trained alone for exactly its stop epoch.
    for k, e in enumerate(epochs):
        alone = init_stack([2, 16, 3], seeds=[k])
        train_batched(alone, X, y, lr=0.2, epochs=e)
        torch.testing.assert_close(stack.weights[0][k], alone.weights[0][0])
    assert (evaluate_stack(stack, X, y)[0] <= target).all()


def test_stop_when_never_reached_leaves_training_alone():
    X, y = nnlab.make_blobs(n=30, seed=3)
    a, b = init_stack([2, 4, 3], seeds=[0]), init_stack([2, 4, 3], seeds=[0])
    stop = StopWhen(lambda s: evaluate_stack(s, X, y)[1], 2.0)  # accuracy never reaches 2
    train_batched(a, X, y, lr=0.1, epochs=5, callback=stop.callback, lr_schedule=stop.schedule)
    train_batched(b, X, y, lr=0.1, epochs=5)
    torch.testing.assert_close(a.weights[0], b.weights[0])
    assert stop.epoch.tolist() == [0]


def test_stop_when_checks_arguments():
    with pytest.raises(TypeError, match="callable"):
        StopWhen(0.5, 0.5)
    stop = StopWhen(lambda s: torch.zeros(3), 0.5)
    with pytest.raises(ValueError, match="one value per model"):
        stop.callback(1, init_stack([2, 4, 3], seeds=[0]))


def test_join_stacks():
    a, b = init_stack([3, 5, 2], seeds=[0, 1]), init_stack([3, 5, 2], seeds=[2])
    joined = join_stacks(a, b)
    assert joined.K == 3
    torch.testing.assert_close(joined.weights[1][2], b.weights[1][0])
    torch.testing.assert_close(joined.select([0, 1]).biases[0], a.biases[0])
    joined.weights[0].zero_()
    assert a.weights[0].abs().sum() > 0  # a copy
    with pytest.raises(ValueError, match="must match"):
        join_stacks(a, init_stack([3, 6, 2], seeds=[0]))
    with pytest.raises(TypeError, match="StackedMLP"):
        join_stacks(a, "b")
    with pytest.raises(ValueError, match="at least one"):
        join_stacks()


# ----------------------------------------------------------------------- loss landscape


def test_filter_normalized_direction_matches_row_norms():
    stack = init_stack([4, 6, 3], seeds=[0, 1])
    d = filter_normalized_direction(stack, _gen(0))
    assert [t.shape for t in d] == [p.shape for p in stack.parameters()]
    for W, dW in zip(stack.weights, d[0::2], strict=True):
        torch.testing.assert_close(dW.norm(dim=2), W.norm(dim=2))
    assert all((db == 0).all() for db in d[1::2])
    d = filter_normalized_direction(stack, _gen(0), biases=True)
    for b, db in zip(stack.biases, d[1::2], strict=True):
        torch.testing.assert_close(db.norm(dim=1), b.norm(dim=1))


def test_loss_along_direction_against_single_models():
    X, y = nnlab.make_blobs(n=50, seed=4)
    stack = init_stack([2, 8, 3], seeds=[0, 1])
    d = filter_normalized_direction(stack, _gen(1), biases=True)
    alphas = torch.tensor([-0.5, 0.0, 0.7])
    losses, accs = loss_along_direction(stack, X, y, d, alphas)
    assert losses.shape == (2, 3) and accs.shape == (2, 3)
    torch.testing.assert_close(losses[:, 1], evaluate_stack(stack, X, y)[0])
    for k in range(2):
        model = stack.to_mlp(k)
        with torch.no_grad():
            for p, dp in zip(model.parameters(), d, strict=True):
                p.add_(0.7 * dp[k])
        ref = torch.nn.functional.cross_entropy(model(X), y)
        torch.testing.assert_close(losses[k, 2], ref, rtol=1e-5, atol=1e-6)
    assert stack.weights[0].equal(init_stack([2, 8, 3], seeds=[0, 1]).weights[0])  # unchanged


def test_filter_normalisation_undoes_a_rescaling_that_keeps_the_function():
    """ReLU is positively homogeneous: W1, b1 times c and W2 divided by c give the same
    network. The filter-normalised loss curve must not change (Li et al.'s point)."""
    X, y = nnlab.make_blobs(n=50, seed=5)
    stack = init_stack([2, 8, 3], seeds=[3])
    scaled = stack.clone()
    scaled.weights[0].mul_(5.0)
    scaled.biases[0].mul_(5.0)
    scaled.weights[1].div_(5.0)
    alphas = torch.linspace(-1, 1, 5)
    a, _ = loss_along_direction(stack, X, y, filter_normalized_direction(stack, _gen(2)), alphas)
    b, _ = loss_along_direction(scaled, X, y, filter_normalized_direction(scaled, _gen(2)), alphas)
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_loss_along_direction_checks_arguments():
    X, y = nnlab.make_blobs(n=20, seed=6)
    stack = init_stack([2, 4, 3], seeds=[0])
    d = filter_normalized_direction(stack)
    with pytest.raises(ValueError, match="4 tensors"):
        loss_along_direction(stack, X, y, d[:2], [0.0])
    with pytest.raises(ValueError, match="expected"):
        loss_along_direction(stack, X, y, [t[:, :1] for t in d], [0.0])
    with pytest.raises(TypeError, match="StackedMLP"):
        loss_along_direction(stack.to_mlp(0), X, y, d, [0.0])
    with pytest.raises(ValueError, match="loss"):
        loss_along_direction(stack, X, y, d, [0.0], loss="hinge")
    with pytest.raises(TypeError, match="StackedMLP"):
        filter_normalized_direction(stack.to_mlp(0))
