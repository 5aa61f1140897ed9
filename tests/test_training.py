import copy

import pytest
import torch

import nnlab


@pytest.fixture
def blobs():
    X, y = nnlab.make_blobs(n=200, centers=3, spread=0.6, seed=0)
    return X, y


def test_full_batch_sgd_step_matches_a_hand_written_step(blobs):
    X, y = blobs
    torch.manual_seed(0)
    model = nnlab.MLP([2, 8, 3])
    reference = copy.deepcopy(model)
    nnlab.train(model, X, y, lr=0.3, epochs=1)
    loss = torch.nn.functional.cross_entropy(reference(X), y)
    grads = torch.autograd.grad(loss, list(reference.parameters()))
    for p_trained, p_ref, g in zip(model.parameters(), reference.parameters(), grads, strict=True):
        assert torch.allclose(p_trained, p_ref - 0.3 * g, atol=1e-6)


def test_training_learns_and_records_history(blobs):
    X, y = blobs
    nnlab.seed()
    model = nnlab.MLP([2, 16, 3])
    untrained_loss, _ = nnlab.evaluate(model, X, y)
    history = nnlab.train(model, X, y, X_val=X, y_val=y, lr=0.1, epochs=30, batch_size=32)
    assert history.epochs == 30
    assert len(history.train_acc) == len(history.val_loss) == len(history.val_acc) == 30
    assert history.train_loss[-1] < history.train_loss[0] < untrained_loss
    assert history.train_loss[-1] < 0.25 * untrained_loss
    assert history.train_acc[-1] > 0.9
    assert history.train_acc[-1] == pytest.approx(nnlab.accuracy(model, X, y))
    assert 1 <= history.best_epoch() <= 30


def test_minibatch_training_is_reproducible_and_seed_dependent(blobs):
    X, y = blobs

    def run(seed):
        torch.manual_seed(0)
        model = nnlab.MLP([2, 8, 3])
        return nnlab.train(model, X, y, lr=0.1, epochs=3, batch_size=16, seed=seed).train_loss

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_callback_sees_every_step(blobs):
    X, y = blobs
    steps = []
    model = nnlab.MLP([2, 4, 3])
    nnlab.train(model, X, y, lr=0.1, epochs=2, batch_size=64, callback=steps.append)
    assert [s.step for s in steps] == list(range(1, 9))  # ceil(200 / 64) = 4 steps per epoch
    assert [s.epoch for s in steps] == [1] * 4 + [2] * 4
    assert steps[-1].model is model


def test_regression_with_mse_and_adam():
    X, y = nnlab.make_regression_1d(n=200, noise=0.05, seed=0)
    nnlab.seed()
    model = nnlab.MLP([1, 32, 1], activation="tanh", init="xavier")
    history = nnlab.train(model, X, y, lr=0.01, epochs=300, optimizer="adam", loss="mse")
    assert history.train_acc[-1] is None
    assert history.train_loss[-1] < 0.05


def test_weight_decay_shrinks_weights(blobs):
    X, y = blobs
    norms = []
    for wd in (0.0, 0.1):
        torch.manual_seed(0)
        model = nnlab.MLP([2, 16, 3])
        nnlab.train(model, X, y, lr=0.1, epochs=50, weight_decay=wd)
        norms.append(model.fc1.weight.norm().item())
    assert norms[1] < norms[0]


def test_best_epoch_needs_validation(blobs):
    X, y = blobs
    history = nnlab.train(nnlab.MLP([2, 4, 3]), X, y, lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="validation"):
        history.best_epoch()


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"lr": -0.1}, ValueError, "lr"),
        ({"lr": 0.0}, ValueError, "lr"),
        ({"lr": float("nan")}, ValueError, "lr"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": 2.5}, TypeError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"optimizer": "rmsprop"}, ValueError, "optimizer"),
        ({"loss": "hinge"}, ValueError, "loss"),
        ({"momentum": -0.5}, ValueError, "momentum"),
        ({"weight_decay": -1.0}, ValueError, "weight_decay"),
        ({"callback": 3}, TypeError, "callback"),
    ],
)
def test_train_rejects_bad_settings(blobs, kwargs, error, match):
    X, y = blobs
    settings = {"lr": 0.1, "epochs": 1} | kwargs
    with pytest.raises(error, match=match):
        nnlab.train(nnlab.MLP([2, 4, 3]), X, y, **settings)


def test_train_rejects_bad_data(blobs):
    X, y = blobs
    model = nnlab.MLP([2, 4, 3])
    with pytest.raises(ValueError, match="same number of rows"):
        nnlab.train(model, X, y[:-1], lr=0.1, epochs=1)
    with pytest.raises(TypeError, match="integer dtype"):
        nnlab.train(model, X, y.float(), lr=0.1, epochs=1)
    with pytest.raises(TypeError, match="floating dtype"):
        nnlab.train(model, X.long(), y, lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="NaN"):
        nnlab.train(model, X * float("nan"), y, lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="X_val and y_val"):
        nnlab.train(model, X, y, X_val=X, lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="val y"):
        nnlab.train(model, X, y, X_val=X, y_val=y[:5], lr=0.1, epochs=1)
    with pytest.raises(TypeError, match="model"):
        nnlab.train("model", X, y, lr=0.1, epochs=1)
