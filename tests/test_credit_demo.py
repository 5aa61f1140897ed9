"""nnlab.credit_demo against independent references: torch.autograd and plain loops."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from nnlab.credit_demo import (
    NAMES,
    band,
    descend_many,
    flatten,
    from_stack,
    losses_of_many,
    paired_bars,
    sgd,
    to_stack,
    unflatten,
)


def _network(rng, d=3, h=5, k=4):
    return {
        "W1": rng.normal(size=(d, h)),
        "b1": rng.normal(size=h) * 0.1,
        "W2": rng.normal(size=(h, k)),
        "b2": rng.normal(size=k) * 0.1,
    }


def _torch_loss_and_grads(p, X, y):
    """Mean cross-entropy of a tanh network and its gradients, by torch.autograd."""
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
    H = torch.tanh(torch.tensor(X) @ leaves["W1"] + leaves["b1"])
    loss = torch.nn.functional.cross_entropy(H @ leaves["W2"] + leaves["b2"], torch.tensor(y))
    loss.backward()
    return loss.item(), {k: leaf.grad.numpy() for k, leaf in leaves.items()}


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = rng.integers(0, 4, size=30)
    return X, y, np.eye(4)[y]


def test_flatten_and_unflatten_are_inverse():
    rng = np.random.default_rng(1)
    nets = [_network(rng) for _ in range(3)]
    thetas = np.stack([flatten(p) for p in nets])
    assert thetas.shape == (3, 3 * 5 + 5 + 5 * 4 + 4)
    stack = unflatten(thetas, nets[0])
    for i, p in enumerate(nets):
        for key in NAMES:
            np.testing.assert_array_equal(stack[key][i], p[key])


def test_losses_of_many_equals_torch_per_network(data):
    X, y, Y = data
    rng = np.random.default_rng(2)
    nets = [_network(rng) for _ in range(4)]
    got = losses_of_many(np.stack([flatten(p) for p in nets]), nets[0], X, Y)
    want = [_torch_loss_and_grads(p, X, y)[0] for p in nets]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_stack_round_trip():
    rng = np.random.default_rng(3)
    nets = [_network(rng) for _ in range(2)]
    back = from_stack(to_stack(nets))
    for p, q in zip(nets, back, strict=True):
        for key in NAMES:
            np.testing.assert_array_equal(p[key], q[key])


def test_descend_many_is_gradient_descent_by_autograd_and_records_each_step(data):
    X, y, _ = data
    rng = np.random.default_rng(4)
    nets = [_network(rng) for _ in range(3)]
    units = [0, 2, 4]
    out, record = descend_many(nets, X, y, lr=0.3, steps=5, watch=units)
    assert record["loss"].shape == (3, 6)
    assert record["vote"].shape == (3, 6, 4) and record["incoming"].shape == (3, 6, 4)
    for i, (p, j) in enumerate(zip(nets, units, strict=True)):
        q = {k: v.copy() for k, v in p.items()}
        for t in range(5):
            loss, g = _torch_loss_and_grads(q, X, y)
            assert record["loss"][i, t] == pytest.approx(loss, rel=1e-10)
            np.testing.assert_allclose(record["vote"][i, t], q["W2"][j], rtol=1e-10)
            np.testing.assert_allclose(
                record["incoming"][i, t], np.append(q["W1"][:, j], q["b1"][j]), rtol=1e-10
            )
            q = {k: q[k] - 0.3 * g[k] for k in q}
        assert record["loss"][i, 5] == pytest.approx(_torch_loss_and_grads(q, X, y)[0], rel=1e-10)
        for key in NAMES:
            np.testing.assert_allclose(out[i][key], q[key], rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(nets[0]["W1"], _network(np.random.default_rng(4))["W1"])


def test_descend_many_without_watch_records_only_the_loss(data):
    X, y, _ = data
    _, record = descend_many([_network(np.random.default_rng(5))], X, y, lr=0.1, steps=2)
    assert set(record) == {"loss"} and record["loss"].shape == (1, 3)


def test_sgd_runs_minibatches_in_the_rng_order_and_probes(data):
    X, y, Y = data
    p0 = _network(np.random.default_rng(6))

    def grad(p, Xb, Yb):
        return _torch_loss_and_grads(p, Xb, Yb.argmax(axis=1))[1]

    probes = []
    out, steps, ends = sgd(
        grad,
        p0,
        X,
        Y,
        epochs=2,
        lr=0.2,
        batch=8,
        rng=np.random.default_rng(7),
        probe=lambda p, Xb, Yb: probes.append(len(Xb)) or {"rows": len(Xb)},
        every=3,
        after_epoch=lambda p: {"loss": _torch_loss_and_grads(p, X, y)[0]},
    )
    # 30 rows in batches of 8: 4 steps per epoch (8, 8, 8, 6), 8 steps; probed at 0, 3, 6
    np.testing.assert_array_equal(steps["rows"], [8, 6, 8])
    q = {k: v.copy() for k, v in p0.items()}
    rng = np.random.default_rng(7)
    losses = []
    for _ in range(2):
        order = rng.permutation(30)
        for start in range(0, 30, 8):
            idx = order[start : start + 8]
            g = grad(q, X[idx], Y[idx])
            q = {k: q[k] - 0.2 * g[k] for k in q}
        losses.append(_torch_loss_and_grads(q, X, y)[0])
    np.testing.assert_allclose(ends["loss"], losses, rtol=1e-12)
    for key in NAMES:
        np.testing.assert_allclose(out[key], q[key], rtol=1e-12)
    np.testing.assert_array_equal(p0["W1"], _network(np.random.default_rng(6))["W1"])


def test_band_draws_the_median_and_the_middle_half():
    runs = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [10.0, 10.0]])
    fig, ax = plt.subplots()
    band(ax, np.array([0.0, 1.0]), runs, label="runs")
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), [1.5, 2.5])
    assert line.get_label() == "runs" and len(ax.collections) == 1
    plt.close(fig)


def test_paired_bars_draws_medians_dots_and_a_floor_for_zeros():
    fig, ax = plt.subplots()
    a = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    b = np.array([[10.0, 20.0, 30.0], [1e-3, 1e-3, 1e-3]])
    paired_bars(ax, ["one", "two"], {"a": (a, "red"), "b": (b, "blue")}, floor=1e-5)
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == [1e-5, 1e-3, 2.0, 20.0]  # medians, the zero drawn at the floor
    assert len(ax.get_lines()) == 4  # one dot series per bar
    assert "0" in [t.get_text() for t in ax.texts]
    assert ax.get_yscale() == "log" and ax.get_ylim()[0] == 1e-5
    plt.close(fig)
