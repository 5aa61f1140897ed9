"""Tests of nnlab.credit against torch.autograd, finite differences and exact identities."""

import math

import numpy as np
import pytest
import torch

from nnlab import credit as C

SIZES = [5, 4, 3, 3]  # two hidden layers


def _data(kind: str, n: int = 12, sizes=SIZES, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, sizes[0], generator=g, dtype=torch.float64)
    if kind == "labels":
        return X, torch.randint(sizes[-1], (n,), generator=g)
    return X, torch.randn(n, sizes[-1], generator=g, dtype=torch.float64)


def _autograd(net: C.Network, X, y):
    """The gradient of the mean loss of each network by torch.autograd, layer by layer."""
    Ws = [w.clone().requires_grad_() for w in net.weights]
    bs = [b.clone().requires_grad_() for b in net.biases]
    h = X
    for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        a = h @ W + b[:, None, :]
        h = a if i == len(Ws) - 1 else torch.tanh(a)
    if y.is_floating_point():
        loss = 0.5 * ((h - y) ** 2).sum(-1).mean(-1)
    else:
        loss = (
            torch.nn.functional.cross_entropy(
                h.reshape(-1, h.shape[-1]), y.repeat(net.K), reduction="none"
            )
            .view(net.K, -1)
            .mean(-1)
        )
    loss.sum().backward()
    return [W.grad for W in Ws], [b.grad for b in bs], loss.detach()


@pytest.mark.parametrize("kind", ["labels", "targets"])
def test_backprop_matches_autograd(kind):
    X, y = _data(kind)
    net = C.init_network(SIZES, "backprop", [3, 4])
    est = C.estimate(net, X, y)
    gw, gb, loss = _autograd(net, X, y)
    for a, b in zip(est.weights + est.biases, gw + gb, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(est.loss, loss)


def test_backprop_matches_finite_differences():
    X, y = _data("labels")
    net = C.init_network(SIZES, "backprop", [7])
    est = C.estimate(net, X, y)
    eps = 1e-6
    for layer, (i, j) in [(0, (1, 2)), (1, (3, 0)), (2, (2, 1))]:
        plus, minus = net.clone(), net.clone()
        plus.weights[layer][0, i, j] += eps
        minus.weights[layer][0, i, j] -= eps
        fd = (C.estimate(plus, X, y).loss - C.estimate(minus, X, y).loss) / (2 * eps)
        assert abs(float(fd[0]) - float(est.weights[layer][0, i, j])) < 1e-7


def test_fa_with_transposed_weights_is_backprop_and_dfa_equals_fa_with_one_hidden_layer():
    X, y = _data("labels")
    fa = C.init_network(SIZES, "fa", [1, 2])
    fa.feedback = [fa.weights[i + 1].transpose(-1, -2).clone() for i in range(2)]
    est = C.estimate(fa, X, y)
    for a, b in zip(est.weights, est.true_weights, strict=True):
        torch.testing.assert_close(a, b)
    one = [5, 4, 3]
    fa1, dfa1 = C.init_network(one, "fa", [5]), C.init_network(one, "dfa", [5])
    torch.testing.assert_close(fa1.feedback[0], dfa1.feedback[0])
    e_fa, e_dfa = C.estimate(fa1, X, y), C.estimate(dfa1, X, y)
    for a, b in zip(e_fa.weights, e_dfa.weights, strict=True):
        torch.testing.assert_close(a, b)


def test_fa_signal_is_B_e_and_its_angle_is_lillicraps():
    X, y = _data("targets", sizes=[5, 4, 3])
    net = C.init_network([5, 4, 3], "fa", [0])
    W2, B = net.weights[1][0], net.feedback[0][0]
    _, out = C._forward(net.weights, net.biases, X)
    e = (out[0] - y).numpy()
    est = C.estimate(net, X, y)
    np.testing.assert_allclose(est.signals[0][0].numpy(), e @ B.numpy())
    np.testing.assert_allclose(est.true_signals[0][0].numpy(), e @ W2.T.numpy())
    a, b = e @ B.numpy(), e @ W2.T.numpy()
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    expected = np.degrees(np.arccos(cos)).mean()
    result = C.train("fa", [5, 4, 3], X, y, lr=0.01, steps=1, seed=0)
    assert abs(float(result.angle[0, 0]) - expected) < 1e-9


def test_angle_deg_against_numpy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    expected = np.degrees(
        np.arccos(np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1))
    )
    np.testing.assert_allclose(C.angle_deg(torch.tensor(a), torch.tensor(b)).numpy(), expected)
    assert float(C.angle_deg(torch.tensor([1.0, 0]), torch.tensor([-2.0, 0]))) == 180.0
    assert math.isnan(float(C.angle_deg(torch.zeros(3), torch.ones(3))))


@pytest.mark.parametrize("rule", ["node_perturbation", "weight_perturbation"])
def test_perturbation_estimates_average_to_the_gradient(rule):
    X, y = _data("targets", n=6)
    net = C.init_network(SIZES, rule, [2])
    gens = [torch.Generator().manual_seed(11)]
    draws = 4000 if rule == "weight_perturbation" else 1500
    total = [torch.zeros_like(w) for w in net.weights]
    for _ in range(draws):
        est = C.estimate(net, X, y, sigma=1e-4, generators=gens)
        total = [t + w for t, w in zip(total, est.weights, strict=True)]
    mean = torch.cat([(t / draws).flatten() for t in total])
    true = torch.cat([w.flatten() for w in est.true_weights])
    cos = float(mean @ true / (mean.norm() * true.norm()))
    one = torch.cat([w.flatten() for w in est.weights])
    cos_one = float(one @ true / (one.norm() * true.norm()))
    assert cos > 0.9 > cos_one, (cos, cos_one)


def test_kp_gap_shrinks_by_exactly_one_minus_lr_decay_per_step():
    X, y = _data("labels")
    lr, wd, steps = 0.2, 0.5, 30
    r = C.train("kp", SIZES, X, y, lr=lr, steps=steps, seed=4, weight_decay=wd, every=10)
    expected = r.feedback_gap[0] * (1 - lr * wd) ** r.step[:, None].double()
    torch.testing.assert_close(r.feedback_gap, expected)
    still = C.train("kp", SIZES, X, y, lr=lr, steps=steps, seed=4, every=10)  # no decay
    torch.testing.assert_close(still.feedback_gap, still.feedback_gap[:1].expand(4, -1))
    assert float(still.feedback_gap[0, 1]) > 0.1


def test_runs_are_independent_of_their_batch_and_rules_share_the_start():
    X, y = _data("labels", n=40)
    kw = {"lr": 0.3, "steps": 20, "batch_size": 8, "every": 5}
    both = C.train("node_perturbation", SIZES, X, y, seed=[5, 6], **kw)
    alone = C.train("node_perturbation", SIZES, X, y, seed=6, **kw)
    torch.testing.assert_close(both.loss[1], alone.loss)
    bp = C.train("backprop", SIZES, X, y, seed=[5, 6], **kw)
    torch.testing.assert_close(bp.loss[:, 0], both.loss[:, 0])
    assert torch.all(bp.angle == 0) and torch.all(bp.update_angle == 0)


def test_backprop_training_lowers_the_loss_and_a_huge_step_diverges_quietly():
    X, y = _data("targets", n=30)
    good = C.train("backprop", SIZES, X, y, lr=0.05, steps=200, seed=[0, 1], every=50)
    assert torch.all(good.loss[:, -1] < 0.85 * good.loss[:, 0])
    assert good.loss.shape == (2, 5) and good.angle.shape == (2, 5, 2)
    assert good.update_angle.shape == (2, 5, 3) and torch.isnan(good.accuracy).all()
    bad = C.train("backprop", SIZES, X, y * 1e3, lr=[1e3, 0.05], steps=50, seed=[0, 1])
    assert not torch.isfinite(bad.loss[0, -1]) and torch.isfinite(bad.loss[1, -1])


def test_steps_to_reach():
    X, y = _data("labels", n=30)
    r = C.train("backprop", SIZES, X, y, lr=[1.0, 1e-6], steps=100, seed=[0, 0], every=1)
    got = C.steps_to_reach(r, 0.5)
    first = int(torch.nonzero(r.loss[0] <= 0.5 * r.loss[0, 0])[0])
    assert float(got[0]) == first and math.isinf(float(got[1]))


def test_dfa_feedback_angle_uses_the_product_of_the_forward_weights():
    net = C.init_network(SIZES, "dfa", [0])
    net.feedback[0] = (net.weights[1] @ net.weights[2]).transpose(-1, -2).clone()
    _, _, fb, gap = C._angles(net, C.estimate(net, *_data("labels")))
    assert float(fb[0, 0]) < 1e-5 and torch.isnan(gap).all()


def test_evaluate_matches_the_recorded_loss_and_a_hand_count():
    X, y = _data("labels", n=30)
    r = C.train("fa", SIZES, X, y, lr=0.3, steps=20, seed=[1, 2], every=20)
    loss, acc = C.evaluate(r.net, X, y)
    torch.testing.assert_close(loss, r.loss[:, -1])
    torch.testing.assert_close(acc, r.accuracy[:, -1])
    h = X.double()
    for i, (W, b) in enumerate(zip(r.net.weights, r.net.biases, strict=True)):
        h = h @ W + b[:, None, :]
        h = h if i == len(r.net.weights) - 1 else torch.tanh(h)
    torch.testing.assert_close(acc, (h.argmax(-1) == y).double().mean(1))
    _, none = C.evaluate(r.net, X, torch.randn(30, 3, dtype=torch.float64))
    assert torch.isnan(none).all()
