"""The batched engine against nnlab.train run model by model, and its argument checks."""

import math

import pytest
import torch

import nnlab
from nnlab.batched import (
    BatchedHistory,
    StackedMLP,
    evaluate_stack,
    grid,
    hidden_activations,
    init_stack,
    stack_mlps,
    train_batched,
)

SIZES = [2, 8, 6, 3]


@pytest.fixture
def blobs():
    X, y = nnlab.make_blobs(n=90, centers=3, spread=0.8, seed=0)
    return X.double(), y


def single_runs(X, y, seeds, lrs, sizes=SIZES, activation="relu", **kwargs):
    """Reference: each model trained alone by nnlab.train; returns (models, histories)."""
    models, histories = [], []
    for seed, lr in zip(seeds, lrs, strict=True):
        torch.manual_seed(seed)
        model = nnlab.MLP(sizes, activation=activation).double()
        histories.append(nnlab.train(model, X, y, lr=lr, progress=False, **kwargs))
        models.append(model)
    return models, histories


def assert_same_model(stack, k, model, atol=1e-10):
    for p_stack, p_ref in zip(stack.to_mlp(k).parameters(), model.parameters(), strict=True):
        assert torch.allclose(p_stack, p_ref, atol=atol, rtol=0), (p_stack - p_ref).abs().max()


def assert_same_history(hist, k, ref, atol=1e-10):
    assert hist.train_loss[k].tolist() == pytest.approx(ref.train_loss, abs=atol)
    assert hist.train_acc[k].tolist() == pytest.approx(ref.train_acc, abs=1e-6)
    if ref.val_loss:
        assert hist.val_loss[k].tolist() == pytest.approx(ref.val_loss, abs=atol)
        assert hist.val_acc[k].tolist() == pytest.approx(ref.val_acc, abs=1e-6)


# ---------------------------------------------------------------- same results as a loop


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "gelu", "linear"])
def test_full_batch_matches_a_loop_of_nnlab_train(blobs, activation):
    X, y = blobs
    seeds, lrs = [3, 4, 5], [0.05, 0.2, 0.4]
    stack = init_stack(SIZES, seeds, activation=activation, dtype=torch.float64)
    kwargs = dict(epochs=6, X_val=X[:30], y_val=y[:30])
    hist = train_batched(stack, X, y, lr=lrs, progress=False, **kwargs)
    models, refs = single_runs(X, y, seeds, lrs, activation=activation, **kwargs)
    for k in range(3):
        assert_same_model(stack, k, models[k])
        assert_same_history(hist, k, refs[k])
    assert not hist.diverged.any()


@pytest.mark.parametrize(
    "options",
    [
        dict(batch_size=16),
        dict(batch_size=25, momentum=0.9, weight_decay=0.01),
        dict(batch_size=None, momentum=0.5, weight_decay=0.1),
    ],
)
def test_minibatch_momentum_and_weight_decay_match_nnlab_train(blobs, options):
    X, y = blobs
    seeds, lrs = [0, 1, 2, 3], [0.02, 0.05, 0.1, 0.05]
    stack = init_stack(SIZES, seeds, dtype=torch.float64)
    hist = train_batched(stack, X, y, lr=lrs, epochs=4, seed=11, progress=False, **options)
    models, refs = single_runs(X, y, seeds, lrs, epochs=4, seed=11, **options)
    for k in range(4):
        assert_same_model(stack, k, models[k])
        assert_same_history(hist, k, refs[k])


def test_float32_matches_within_float_tolerance(blobs):
    X, y = blobs[0].float(), blobs[1]
    seeds, lrs = [7, 8], [0.1, 0.3]
    stack = init_stack(SIZES, seeds)
    train_batched(stack, X, y, lr=lrs, epochs=10, batch_size=30, progress=False)
    for k, (seed, lr) in enumerate(zip(seeds, lrs, strict=True)):
        torch.manual_seed(seed)
        model = nnlab.MLP(SIZES)
        nnlab.train(model, X, y, lr=lr, epochs=10, batch_size=30, progress=False)
        assert_same_model(stack, k, model, atol=1e-5)


def test_per_model_weight_decay_and_momentum(blobs):
    X, y = blobs
    stack = init_stack(SIZES, [1, 1], dtype=torch.float64)
    train_batched(
        stack,
        X,
        y,
        lr=0.1,
        weight_decay=[0.0, 0.05],
        momentum=[0.9, 0.0],
        epochs=5,
        batch_size=30,
        progress=False,
    )
    for k, (wd, mom) in enumerate([(0.0, 0.9), (0.05, 0.0)]):
        (model,), _ = single_runs(
            X, y, [1], [0.1], epochs=5, batch_size=30, weight_decay=wd, momentum=mom
        )
        assert_same_model(stack, k, model)


def test_mse_with_per_model_targets_matches_nnlab_train():
    X, _ = nnlab.make_moons(n=60, seed=1)
    X = X.double()
    targets = torch.randn(2, 60, 2, generator=torch.Generator().manual_seed(0), dtype=X.dtype)
    stack = init_stack([2, 5, 2], [0, 1], activation="tanh", dtype=torch.float64)
    hist = train_batched(stack, X, targets, lr=[0.1, 0.3], epochs=5, loss="mse", progress=False)
    assert hist.train_acc is None
    for k in range(2):
        torch.manual_seed(k)
        model = nnlab.MLP([2, 5, 2], activation="tanh").double()
        ref = nnlab.train(
            model, X, targets[k], lr=[0.1, 0.3][k], epochs=5, loss="mse", progress=False
        )
        assert_same_model(stack, k, model)
        assert hist.train_loss[k].tolist() == pytest.approx(ref.train_loss, abs=1e-12)


def test_per_model_labels_and_inputs(blobs):
    X, y = blobs
    gen = torch.Generator().manual_seed(3)
    labels = torch.stack([y, torch.randint(0, 3, y.shape, generator=gen)])
    inputs = torch.stack([X, X[torch.randperm(len(X), generator=gen)]])
    stack = init_stack(SIZES, [0, 1], dtype=torch.float64)
    train_batched(stack, inputs, labels, lr=0.2, epochs=5, batch_size=32, progress=False)
    for k in range(2):
        (model,), _ = single_runs(inputs[k], labels[k], [k], [0.2], epochs=5, batch_size=32)
        assert_same_model(stack, k, model)


def test_continuing_from_given_weights_equals_one_longer_run(blobs):
    X, y = blobs
    once = init_stack(SIZES, [0, 1], dtype=torch.float64)
    twice = once.clone()
    train_batched(once, X, y, lr=[0.1, 0.2], epochs=5, progress=False)
    train_batched(twice, X, y, lr=[0.1, 0.2], epochs=3, progress=False)
    resumed = stack_mlps(twice.to_mlps())  # through nn.Modules and back
    train_batched(resumed, X, y, lr=[0.1, 0.2], epochs=2, progress=False)
    for a, b in zip(once.parameters(), resumed.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-12)


def test_per_model_validation_labels(blobs):
    X, y = blobs
    shuffled = y[torch.randperm(len(y), generator=torch.Generator().manual_seed(0))]
    y_val = torch.stack([y, shuffled])
    stack = init_stack(SIZES, [0, 0], dtype=torch.float64)
    hist = train_batched(stack, X, y, lr=0.2, epochs=2, X_val=X, y_val=y_val, progress=False)
    for k in range(2):
        loss, acc = nnlab.evaluate(stack.to_mlp(k), X, y_val[k])
        assert hist.val_loss[k, -1].item() == pytest.approx(loss, abs=1e-12)
        assert hist.val_acc[k, -1].item() == pytest.approx(acc, abs=1e-6)


def test_lr_schedule_counts_every_mini_batch_step(blobs):
    X, y = blobs
    steps = []

    def schedule(step):
        steps.append(step)
        return 1.0

    train_batched(
        init_stack(SIZES, [0], dtype=torch.float64),
        X,
        y,
        lr=0.1,
        epochs=3,
        batch_size=40,
        lr_schedule=schedule,
        progress=False,
    )
    assert steps == list(range(9))  # ceil(90 / 40) = 3 steps per epoch


def test_masks_train_each_model_on_its_own_subset(blobs):
    X, y = blobs
    sizes = [20, 45, 90]
    mask = torch.zeros(3, len(X), dtype=torch.bool)
    for k, m in enumerate(sizes):
        mask[k, :m] = True
    stack = init_stack(SIZES, [5, 5, 5], dtype=torch.float64)
    hist = train_batched(stack, X, y, lr=0.3, epochs=5, sample_weight=mask, progress=False)
    for k, m in enumerate(sizes):
        (model,), (ref,) = single_runs(X[:m], y[:m], [5], [0.3], epochs=5)
        assert_same_model(stack, k, model)
        assert hist.train_loss[k].tolist() == pytest.approx(ref.train_loss, abs=1e-10)


def test_integer_sample_weights_act_like_repeated_rows(blobs):
    X, y = blobs
    weight = torch.ones(len(X))
    weight[:10] = 3.0
    stack = init_stack(SIZES, [2], dtype=torch.float64)
    train_batched(stack, X, y, lr=0.2, epochs=4, sample_weight=weight, progress=False)
    X_rep, y_rep = torch.cat([X, X[:10], X[:10]]), torch.cat([y, y[:10], y[:10]])
    (model,), _ = single_runs(X_rep, y_rep, [2], [0.2], epochs=4)
    assert_same_model(stack, 0, model)


def test_threads_option_gives_the_same_result_and_restores_the_setting(blobs):
    X, y = blobs
    before = torch.get_num_threads()
    a = init_stack(SIZES, [0, 1], dtype=torch.float64)
    b = a.clone()
    train_batched(a, X, y, lr=0.1, epochs=3, threads=1, progress=False)
    assert torch.get_num_threads() == before
    train_batched(b, X, y, lr=0.1, epochs=3, progress=False)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.allclose(pa, pb, atol=1e-12)


def test_chunk_size_does_not_change_results(blobs):
    X, y = blobs
    seeds, lrs = list(range(5)), [0.05, 0.1, 0.2, 0.3, 0.4]
    a, b = (
        init_stack(SIZES, seeds, dtype=torch.float64),
        init_stack(SIZES, seeds, dtype=torch.float64),
    )
    ha = train_batched(a, X, y, lr=lrs, epochs=3, batch_size=20, chunk_size=2, progress=False)
    hb = train_batched(b, X, y, lr=lrs, epochs=3, batch_size=20, progress=False)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.allclose(pa, pb, atol=1e-12)
    assert torch.allclose(ha.train_loss, hb.train_loss, atol=1e-12)


# ----------------------------------------------------------------------- divergence


def test_a_divergent_model_does_not_poison_the_others(blobs):
    X, y = blobs
    seeds, lrs = [0, 1, 2], [0.1, 1e30, 0.2]
    stack = init_stack(SIZES, seeds, activation="linear", dtype=torch.float64)
    hist = train_batched(stack, X, y, lr=lrs, epochs=8, progress=False)
    assert hist.diverged.tolist() == [False, True, False]
    k_bad = 1
    first = int(hist.diverged_at[k_bad])
    assert 1 <= first <= 8
    assert torch.isnan(hist.train_loss[k_bad, first - 1 :]).all()
    assert torch.isnan(hist.train_acc[k_bad, first - 1 :]).all()
    assert torch.isfinite(hist.train_loss[[0, 2]]).all()
    models, refs = single_runs(X, y, [0, 2], [0.1, 0.2], activation="linear", epochs=8)
    for k, model, ref in zip([0, 2], models, refs, strict=True):
        assert_same_model(stack, k, model)
        assert_same_history(hist, k, ref)


def test_all_models_diverging_stops_early_with_nan_records(blobs):
    X, y = blobs
    stack = init_stack(SIZES, [0, 1], activation="linear", dtype=torch.float64)
    hist = train_batched(stack, X * 100, y, lr=[1e5, 1e6], epochs=50, batch_size=30, progress=False)
    assert hist.train_loss.shape == (2, 50)
    assert hist.diverged.all()
    assert torch.isnan(hist.train_loss[:, -1]).all()


# ---------------------------------------------------------- stacks, conversions, probes


def test_init_stack_matches_mlps_built_under_each_seed_and_keeps_global_rng():
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    stack = init_stack([3, 4, 2], [10, 20], activation="tanh", init="xavier")
    assert torch.rand(1) == expected_next
    for k, seed in enumerate([10, 20]):
        torch.manual_seed(seed)
        ref = nnlab.MLP([3, 4, 2], activation="tanh", init="xavier")
        assert_same_model(stack, k, ref, atol=0)
    assert stack.K == 2 and stack.sizes == [3, 4, 2] and stack.activation == "tanh"


def test_to_mlp_and_stack_mlps_round_trip():
    stack = init_stack([3, 5, 5, 2], [0, 1, 2], activation="gelu")
    models = stack.to_mlps()
    X = torch.randn(7, 3)
    out = stack(X)
    assert out.shape == (3, 7, 2)
    for k, model in enumerate(models):
        assert isinstance(model, nnlab.MLP) and model.activation == "gelu"
        assert torch.allclose(model(X), out[k], atol=1e-6)
    again = stack_mlps(models)
    for a, b in zip(again.parameters(), stack.parameters(), strict=True):
        assert torch.equal(a, b)


def test_clone_and_select_copy_weights():
    stack = init_stack([2, 3, 2], [0, 1, 2])
    copy = stack.clone()
    picked = stack.select([2, 0])
    stack.weights[0].zero_()
    assert copy.weights[0].abs().sum() > 0
    assert torch.equal(picked.weights[1][0], stack.weights[1][2])
    assert picked.K == 2


def test_hidden_activations_match_the_single_models_layers():
    stack = init_stack([4, 6, 5, 3], [0, 1])
    X = torch.randn(9, 4)
    acts = hidden_activations(stack, X)
    assert [a.shape for a in acts] == [(2, 9, 6), (2, 9, 5)]
    for k in range(2):
        model = stack.to_mlp(k)
        assert torch.allclose(acts[0][k], model[:2](X), atol=1e-6)
        assert torch.allclose(acts[1][k], model[:4](X), atol=1e-6)


def test_evaluate_stack_matches_nnlab_evaluate(blobs):
    X, y = blobs
    stack = init_stack(SIZES, [0, 1], dtype=torch.float64)
    loss, acc = evaluate_stack(stack, X, y)
    for k in range(2):
        ref_loss, ref_acc = nnlab.evaluate(stack.to_mlp(k), X, y)
        assert loss[k].item() == pytest.approx(ref_loss, abs=1e-12)
        assert acc[k].item() == pytest.approx(ref_acc, abs=1e-6)


def test_callback_runs_each_epoch_and_its_changes_are_recorded(blobs):
    X, y = blobs
    stack = init_stack(SIZES, [0, 1], dtype=torch.float64)
    seen = []

    def zero_model_1_at_epoch_3(epoch, s):
        seen.append(epoch)
        if epoch == 3:
            for t in s.parameters():
                t[1] = 0.0

    hist = train_batched(
        stack, X, y, lr=0.1, epochs=4, callback=zero_model_1_at_epoch_3, progress=False
    )
    assert seen == [1, 2, 3, 4]
    # An all-zero net outputs zero logits: loss ln 3, recorded at epoch 3 itself.
    assert hist.train_loss[1, 2].item() == pytest.approx(math.log(3), abs=1e-12)
    # All logits tie: the prediction is class 0, as argmax (and nnlab.evaluate) picks it.
    assert hist.train_acc[1, 2].item() == pytest.approx((y == 0).double().mean().item())
    assert hist.train_loss[0, 2].item() != pytest.approx(math.log(3), abs=1e-3)


def test_record_stores_extra_values_per_epoch(blobs):
    X, y = blobs

    def dead_fraction(s):
        return torch.stack(
            [(a <= 0).all(dim=1).double().mean(dim=1) for a in hidden_activations(s, X)], dim=1
        )

    stack = init_stack(SIZES, [0, 1, 2], dtype=torch.float64)
    hist = train_batched(
        stack, X, y, lr=[0.1, 0.1, 50.0], epochs=5, progress=False, record={"dead": dead_fraction}
    )
    assert hist.extra["dead"].shape == (3, 5, 2)
    assert torch.equal(hist.extra["dead"][:, -1], dead_fraction(stack))
    assert ((hist.extra["dead"] >= 0) & (hist.extra["dead"] <= 1)).all()


def test_record_of_any_dtype_and_a_changing_shape(blobs):
    X, y = blobs
    stack = init_stack(SIZES, [0, 1], dtype=torch.float64)
    hist = train_batched(
        stack,
        X,
        y,
        lr=0.1,
        epochs=3,
        progress=False,
        record={"alive": lambda s: (s.weights[0] != 0).any(dim=2)},  # bool (K, 8)
    )
    assert hist.extra["alive"].dtype == torch.bool and hist.extra["alive"].shape == (2, 3, 8)
    sizes = iter([3, 3, 4])
    with pytest.raises(ValueError, match="every epoch must give the same shape"):
        train_batched(
            init_stack(SIZES, [0, 1]),
            X.float(),
            y,
            lr=0.1,
            epochs=3,
            progress=False,
            record={"x": lambda s: torch.zeros(2, next(sizes))},
        )


def test_lr_schedule_scales_each_step(blobs):
    X, y = blobs
    a, b = (
        init_stack(SIZES, [0, 1], dtype=torch.float64),
        init_stack(SIZES, [0, 1], dtype=torch.float64),
    )
    train_batched(a, X, y, lr=0.2, epochs=3, lr_schedule=lambda step: 0.5, progress=False)
    train_batched(b, X, y, lr=0.1, epochs=3, progress=False)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.allclose(pa, pb, atol=1e-12)
    c = init_stack(SIZES, [0, 1], dtype=torch.float64)
    before = c.clone()

    def frozen_model_1(step):
        return torch.tensor([1.0, 0.0])

    train_batched(c, X, y, lr=0.2, epochs=3, lr_schedule=frozen_model_1, progress=False)
    assert torch.equal(c.weights[0][1], before.weights[0][1])
    assert not torch.equal(c.weights[0][0], before.weights[0][0])


def test_dropout_gradient_matches_autograd_with_the_same_masks(blobs):
    X, y = blobs
    stack = init_stack([2, 16, 3], [0, 1], dtype=torch.float64)
    start = stack.clone()
    p, lr, seed = torch.tensor([0.5, 0.2], dtype=X.dtype), 0.1, 4
    hist = train_batched(stack, X, y, lr=lr, epochs=1, dropout=p, seed=seed, progress=False)
    # Reference: the same masks (drawn in the same order), gradient by autograd.
    gen = torch.Generator().manual_seed(seed + 1)
    keep = (1 - p).view(2, 1, 1)
    mask = (torch.rand((2, len(X), 16), generator=gen, dtype=X.dtype) < keep) / keep
    params = [t.clone().requires_grad_() for t in start.parameters()]
    W1, b1, W2, b2 = params
    hidden = torch.relu(X @ W1.transpose(1, 2) + b1.unsqueeze(1)) * mask
    logits = hidden @ W2.transpose(1, 2) + b2.unsqueeze(1)
    losses = torch.stack([torch.nn.functional.cross_entropy(logits[k], y) for k in range(2)])
    grads = torch.autograd.grad(losses.sum(), params)
    for t, t0, g in zip(stack.parameters(), params, grads, strict=True):
        assert torch.allclose(t, t0.detach() - lr * g, atol=1e-12)
    # Recorded metrics are measured without dropout.
    loss, _ = evaluate_stack(stack, X, y)
    assert torch.allclose(hist.train_loss[:, 0], loss, atol=1e-12)


def test_history_run_gives_an_nnlab_history(blobs):
    X, y = blobs
    hist = train_batched(
        init_stack(SIZES, [0, 1], dtype=torch.float64),
        X,
        y,
        lr=0.1,
        epochs=3,
        X_val=X,
        y_val=y,
        progress=False,
    )
    assert isinstance(hist, BatchedHistory) and hist.K == 2 and hist.epochs == 3
    run = hist.run(1)
    assert isinstance(run, nnlab.History) and run.epochs == 3
    assert run.val_loss == hist.val_loss[1].tolist()
    assert 1 <= run.best_epoch() <= 3


def test_grid_is_a_cartesian_product_with_the_last_name_fastest():
    g = grid(lr=[0.1, 1.0], seed=[0, 1, 2])
    assert g == {"lr": [0.1, 0.1, 0.1, 1.0, 1.0, 1.0], "seed": [0, 1, 2, 0, 1, 2]}


# ---------------------------------------------------------------------- bad inputs


def _train(**overrides):
    X, y = nnlab.make_blobs(n=20, centers=3, seed=0)
    kwargs = dict(stack=init_stack([2, 4, 3], [0, 1]), X=X, y=y, lr=0.1, epochs=2, progress=False)
    kwargs.update(overrides)
    return train_batched(**kwargs)


X20 = nnlab.make_blobs(n=20, centers=3, seed=0)[0]


@pytest.mark.parametrize(
    "overrides, error, match",
    [
        (dict(lr=-0.1), ValueError, "lr must be >= 0"),
        (dict(lr=[0.1, 0.2, 0.3]), ValueError, "lr must be one number or K=2"),
        (dict(lr=float("nan")), ValueError, "lr must be finite"),
        (dict(lr="fast"), TypeError, "lr must be a real number"),
        (dict(epochs=0), ValueError, "epochs must be an integer >= 1"),
        (dict(epochs=2.5), TypeError, "epochs must be an integer"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(momentum=1.0), ValueError, "momentum must be < 1"),
        (dict(dropout=[0.1, 1.0]), ValueError, "dropout must be < 1"),
        (dict(weight_decay=-1.0), ValueError, "weight_decay must be >= 0"),
        (dict(loss="hinge"), ValueError, "unknown loss"),
        (dict(X=X20.double()), TypeError, "X has dtype torch.float64"),
        (dict(X=X20[:, :1]), ValueError, r"X has shape \(20, 1\)"),
        (dict(X=torch.zeros(3, 20, 2)), ValueError, r"X has shape \(3, 20, 2\)"),
        (dict(X=X20.long()), TypeError, "X must have a floating dtype"),
        (dict(X=X20.numpy()), TypeError, "X must be a torch.Tensor"),
        (dict(X=X20.clone().fill_(float("nan"))), ValueError, "X contains NaN"),
        (dict(X_val=X20[:, :1], y_val=torch.zeros(20, dtype=torch.long)), ValueError, "val X"),
        (dict(y=torch.zeros(19, dtype=torch.long)), ValueError, r"y has shape \(19,\)"),
        (dict(y=torch.full((20,), 3)), ValueError, "labels in"),
        (dict(y=torch.zeros(20)), TypeError, "y must have an integer dtype"),
        (dict(y=torch.zeros(3, 20, dtype=torch.long)), ValueError, "K=2"),
        (dict(sample_weight=-torch.ones(20)), ValueError, "sample_weight must be >= 0"),
        (dict(sample_weight=torch.ones(2, 19)), ValueError, "sample_weight has shape"),
        (dict(sample_weight=torch.zeros(2, 20)), ValueError, "no data"),
        (dict(X_val=X20), ValueError, "give both X_val and y_val"),
        (dict(callback=3), TypeError, "callback must be callable"),
        (dict(record={"x": 3}), TypeError, "record must map"),
        (dict(record={"x": lambda s: torch.zeros(5)}), ValueError, "K=2 rows"),
        (dict(lr_schedule=lambda step: -1.0), ValueError, "lr_schedule"),
        (dict(lr_schedule=0.5), TypeError, "lr_schedule must be callable"),
        (dict(chunk_size=0), ValueError, "chunk_size"),
        (dict(threads=0), ValueError, "threads must be an integer >= 1"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(stack="mlp"), TypeError, "stack must be a StackedMLP"),
    ],
)
def test_bad_arguments_raise_clear_errors(overrides, error, match):
    with pytest.raises(error, match=match):
        _train(**overrides)


def test_bad_stacks_and_conversions_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown activation"):
        init_stack([2, 3, 2], [0], activation="swish")
    with pytest.raises(ValueError, match="unknown init"):
        init_stack([2, 3, 2], [0], init="zeros")
    with pytest.raises(TypeError, match="seeds must be a list"):
        init_stack([2, 3, 2], 5)
    with pytest.raises(ValueError, match="seeds must name at least one"):
        init_stack([2, 3, 2], [])
    with pytest.raises(ValueError, match="seeds must be an integer >= 0"):
        init_stack([2, 3, 2], [-1])
    with pytest.raises(ValueError, match="all must match"):
        stack_mlps([nnlab.MLP([2, 3, 2]), nnlab.MLP([2, 4, 2])])
    with pytest.raises(TypeError, match=r"models\[1\] must be an nnlab.MLP"):
        stack_mlps([nnlab.MLP([2, 3, 2]), torch.nn.Linear(2, 2)])
    with pytest.raises(ValueError, match="must have biases"):
        stack_mlps([nnlab.MLP([2, 3, 2], bias=False)])
    stack = init_stack([2, 3, 2], [0, 1])
    with pytest.raises(ValueError, match=r"k must lie in \[0, 2\)"):
        stack.to_mlp(2)
    with pytest.raises(ValueError, match="do not stack"):
        StackedMLP([torch.zeros(2, 3, 2)], [torch.zeros(3, 3)])
    with pytest.raises(ValueError, match="unknown activation"):
        StackedMLP([torch.zeros(2, 3, 2)], [torch.zeros(2, 3)], activation="soft")
    with pytest.raises(TypeError, match="weights must be a list"):
        StackedMLP(torch.zeros(2, 3, 2), [torch.zeros(2, 3)])
    with pytest.raises(TypeError, match="share one dtype"):
        StackedMLP([torch.zeros(2, 3, 2)], [torch.zeros(2, 3, dtype=torch.float64)])
    with pytest.raises(ValueError, match="index must pick"):
        stack.select([5])
    with pytest.raises(TypeError, match="lr must be a non-empty list"):
        grid(lr=0.1)
    with pytest.raises(ValueError, match=r"X has shape \(4, 3\)"):
        hidden_activations(stack, torch.zeros(4, 3))
    with pytest.raises(ValueError, match="unknown loss"):
        evaluate_stack(stack, torch.zeros(4, 2), torch.zeros(4, dtype=torch.long), loss="l1")
    with pytest.raises(TypeError, match="dtype must be a floating"):
        stack.to(torch.int64)
    with pytest.raises(ValueError, match="k must lie"):
        train_batched(
            stack,
            torch.zeros(4, 2),
            torch.zeros(4, dtype=torch.long),
            lr=0.1,
            epochs=1,
            progress=False,
        ).run(5)
