"""Tests of nnlab.superposition (notebook 07): the loss against a loop written out by hand,
its gradient against finite differences, the sampler's statistics, and the known optima of
tiny toy models."""

import math

import numpy as np
import torch

from nnlab import superposition as sp


def _loss_by_hand(W, b, x, importance):
    """The toy loss with explicit loops over examples and features (NumPy, float64)."""
    W, b, x, imp = (np.asarray(a, dtype=float) for a in (W, b, x, importance))
    total = 0.0
    for row in x:
        h = W @ row
        for i in range(len(row)):
            out = max(0.0, float(W[:, i] @ h + b[i]))
            total += imp[i] * (row[i] - out) ** 2
    return total / len(x)


def test_toy_loss_matches_a_loop_by_hand():
    g = torch.Generator().manual_seed(0)
    W, b = torch.randn(3, 7, generator=g), torch.randn(7, generator=g)
    x = sp.sample_features(40, 7, 0.6, g)
    imp = torch.rand(7, generator=g)
    got = float(sp.toy_loss(W, b, x, imp))
    assert math.isclose(got, _loss_by_hand(W, b, x, imp), rel_tol=1e-5)


def test_toy_loss_of_a_stack_is_one_loss_per_model():
    g = torch.Generator().manual_seed(1)
    W, b = torch.randn(4, 2, 5, generator=g), torch.randn(4, 5, generator=g)
    x = sp.sample_features(30, 5, torch.tensor([0.0, 0.5, 0.9, 0.99]), g)
    imp = torch.rand(4, 5, generator=g)
    got = sp.toy_loss(W, b, x, imp)
    assert got.shape == (4,)
    for k in range(4):
        assert math.isclose(float(got[k]), _loss_by_hand(W[k], b[k], x[k], imp[k]), rel_tol=1e-5)


def test_toy_loss_gradient_matches_finite_differences():
    g = torch.Generator().manual_seed(2)
    W = torch.randn(2, 4, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, generator=g, dtype=torch.float64)
    x = torch.rand(50, 4, generator=g, dtype=torch.float64)
    imp = torch.ones(4, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda w: sp.toy_loss(w, b, x, imp), (W,))


def test_sample_features_has_the_stated_sparsity_and_distribution():
    g = torch.Generator().manual_seed(3)
    x = sp.sample_features(200_000, 3, 0.8, g)
    zero = (x == 0).double().mean()
    assert abs(float(zero) - 0.8) < 0.005
    on = x[x > 0]
    assert abs(float(on.mean()) - 0.5) < 0.01 and float(on.max()) <= 1.0
    assert abs(float(on.var()) - 1 / 12) < 0.003  # uniform on [0, 1]
    stack = sp.sample_features(50_000, 2, torch.tensor([0.0, 0.99]), g)
    assert float((stack[0] == 0).double().mean()) < 1e-3
    assert abs(float((stack[1] == 0).double().mean()) - 0.99) < 0.002


def test_dense_features_keep_the_most_important_ones():
    """With dense features a 2-dimensional model stores the 2 most important of 4 features."""
    imp = torch.tensor([1.0, 0.8, 0.3, 0.1])
    model = sp.train_toy_model(4, 2, sparsity=0.0, importance=imp, steps=1500, seed=0)
    norms = sp.feature_norms(model.W)
    assert (norms[:2] > 0.8).all() and (norms[2:] < 0.3).all(), norms
    # the two stored features are (nearly) orthogonal
    w0, w1 = model.W[:, 0], model.W[:, 1]
    assert abs(float(w0 @ w1)) / float(w0.norm() * w1.norm()) < 0.1


def test_batched_training_equals_one_model_at_a_time_for_the_first_model():
    kwargs = {"steps": 50, "lr": 0.01, "batch_size": 64}
    W, b = sp.train_toy_models(5, 2, sparsity=[0.9], seeds=[11], **kwargs)
    one = sp.train_toy_model(5, 2, sparsity=0.9, seed=11, **kwargs)
    assert torch.allclose(W[0], one.W) and torch.allclose(b[0], one.b)
    assert torch.equal(one(torch.zeros(1, 5)), torch.relu(one.b).view(1, -1))


def test_feature_norms_and_interference_against_numpy():
    g = np.random.default_rng(4)
    W = g.normal(size=(3, 6))
    norms = np.linalg.norm(W, axis=0)
    unit = W / norms
    expected = np.array(
        [sum((unit[:, i] @ W[:, j]) ** 2 for j in range(6) if j != i) for i in range(6)]
    )
    Wt = torch.from_numpy(W)
    assert np.allclose(sp.feature_norms(Wt).numpy(), norms)
    assert np.allclose(sp.interference(Wt).numpy(), expected)
    stack = torch.stack([Wt, 2 * Wt])
    assert np.allclose(sp.interference(stack)[1].numpy(), 4 * expected)


def test_interference_of_a_pentagon():
    angles = 2 * math.pi * torch.arange(5, dtype=torch.float64) / 5
    W = torch.stack([angles.cos(), angles.sin()])
    expected = 2 * math.cos(2 * math.pi / 5) ** 2 + 2 * math.cos(4 * math.pi / 5) ** 2
    assert torch.allclose(sp.interference(W), torch.full((5,), expected, dtype=torch.float64))
