"""Sharpness by power iteration, checked against exact Hessians and numpy.linalg.eigh."""

import numpy as np
import pytest
import torch
from torch.func import functional_call

import nnlab
from nnlab.batched import init_stack
from nnlab.curvature import (
    power_iteration,
    sharpness,
    stack_sharpness,
    stack_sharpness_with_vectors,
    top_hessian_eigenvalue,
)


@pytest.fixture(autouse=True)
def _one_thread():
    """These products are tiny: on a busy machine, a second thread only adds waiting."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def quadratic(eigenvalues, seed=0):
    """A symmetric matrix with the given eigenvalues in a random orthonormal basis."""
    gen = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(
        torch.randn(len(eigenvalues), len(eigenvalues), generator=gen, dtype=torch.float64)
    )
    return q @ torch.diag(torch.tensor(eigenvalues, dtype=torch.float64)) @ q.T


def exact_hessian_eigenvalues(model, X, y, loss_fn):
    """All eigenvalues of the Hessian of the loss w.r.t. the flattened parameters."""
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    def loss_of(theta):
        parts, start = {}, 0
        for name, shape in zip(names, shapes, strict=True):
            parts[name] = theta[start : start + shape.numel()].view(shape)
            start += shape.numel()
        return loss_fn(functional_call(model, parts, (X,)), y)

    H = torch.autograd.functional.hessian(loss_of, flat)
    return np.linalg.eigh(H.numpy())[0]


def test_quadratic_with_known_top_eigenvalue():
    A = quadratic([0.5, 1.0, 2.0, 7.0, 3.0])
    value = top_hessian_eigenvalue(lambda t: 0.5 * t @ A @ t, torch.ones(5, dtype=A.dtype))
    assert value == pytest.approx(7.0, rel=1e-6)


def test_negative_dominant_eigenvalue_still_gives_the_largest_one():
    A = quadratic([-9.0, -1.0, 0.5, 2.0])  # largest magnitude is -9; largest is 2
    value = top_hessian_eigenvalue(lambda t: 0.5 * t @ A @ t, torch.zeros(4, dtype=A.dtype))
    assert value == pytest.approx(2.0, rel=1e-5)


def test_power_iteration_runs_independent_problems_together():
    mats = torch.stack([quadratic([1.0, 4.0, 2.0], 0), quadratic([10.0, 3.0, -2.0], 1)])
    v0 = torch.randn(2, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    values, vectors = power_iteration(lambda v: torch.einsum("kij,kj->ki", mats, v), v0)
    assert values.tolist() == pytest.approx([4.0, 10.0], rel=1e-6)
    for k in range(2):
        assert torch.allclose(mats[k] @ vectors[k], values[k] * vectors[k], atol=1e-3)


@pytest.mark.parametrize("activation, loss", [("tanh", "cross_entropy"), ("gelu", "mse")])
def test_sharpness_of_a_small_model_matches_the_exact_hessian(activation, loss):
    X, labels = nnlab.make_blobs(n=40, centers=3, spread=1.0, seed=0)
    X = X.double()
    torch.manual_seed(0)
    model = nnlab.MLP([2, 4, 3], activation=activation).double()
    y = labels if loss == "cross_entropy" else torch.randn(40, 3, dtype=torch.float64)
    loss_fn = (
        torch.nn.functional.cross_entropy
        if loss == "cross_entropy"
        else torch.nn.functional.mse_loss
    )
    exact = exact_hessian_eigenvalues(model, X, y, loss_fn).max()
    value = sharpness(model, X, y, loss=loss, iters=1000, tol=1e-4)
    assert value == pytest.approx(exact, rel=1e-5)
    assert all(p.grad is None for p in model.parameters())


def test_stack_sharpness_matches_each_models_own():
    X, y = nnlab.make_blobs(n=50, centers=3, spread=1.0, seed=1)
    X = X.double()
    stack = init_stack([2, 5, 3], [0, 1, 2], activation="tanh", dtype=torch.float64)
    values = stack_sharpness(stack, X, y, iters=1000, tol=1e-4)
    assert values.shape == (3,)
    for k in range(3):
        model = stack.to_mlp(k)
        exact = exact_hessian_eigenvalues(model, X, y, torch.nn.functional.cross_entropy).max()
        assert values[k].item() == pytest.approx(exact, rel=1e-5)


def test_stack_sharpness_with_masks_uses_each_models_subset():
    X, y = nnlab.make_blobs(n=60, centers=3, spread=1.0, seed=2)
    X = X.double()
    stack = init_stack([2, 4, 3], [0, 0], activation="tanh", dtype=torch.float64)
    mask = torch.ones(2, 60, dtype=torch.bool)
    mask[1, 20:] = False
    values = stack_sharpness(stack, X, y, sample_weight=mask, iters=1000, tol=1e-4)
    exact = exact_hessian_eigenvalues(
        stack.to_mlp(1), X[:20], y[:20], torch.nn.functional.cross_entropy
    ).max()
    assert values[1].item() == pytest.approx(exact, rel=1e-5)
    assert values[0].item() != pytest.approx(values[1].item(), rel=1e-3)


def test_bad_arguments_raise_clear_errors():
    X, y = nnlab.make_blobs(n=10, centers=2, seed=0)
    model = nnlab.MLP([2, 3, 2])
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        sharpness("model", X, y)
    with pytest.raises(ValueError, match="unknown loss"):
        sharpness(model, X, y, loss="hinge")
    with pytest.raises(ValueError, match="iters must be an integer >= 1"):
        sharpness(model, X, y, iters=0)
    with pytest.raises(ValueError, match="tol must be > 0"):
        sharpness(model, X, y, tol=0.0)
    with pytest.raises(ValueError, match="X and y must have the same number of rows"):
        sharpness(model, X, y[:5])
    with pytest.raises(TypeError, match="fn must be callable"):
        top_hessian_eigenvalue(3, torch.zeros(2))
    with pytest.raises(ValueError, match="theta must have 1 dimension"):
        top_hessian_eigenvalue(lambda t: t.sum(), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="scalar"):
        top_hessian_eigenvalue(lambda t: t * 2, torch.zeros(2))
    with pytest.raises(TypeError, match="stack must be a StackedMLP"):
        stack_sharpness(model, X, y)
    with pytest.raises(TypeError, match="hvp must be callable"):
        power_iteration("H", torch.ones(1, 3))
    with pytest.raises(ValueError, match="v0 must have 2 dimension"):
        power_iteration(lambda v: v, torch.ones(3))
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        top_hessian_eigenvalue(lambda t: (t**2).sum(), torch.zeros(2), seed=-2)


def test_stack_sharpness_returns_eigenvectors_and_accepts_a_warm_start():
    X, y = nnlab.make_blobs(n=50, centers=3, spread=1.0, seed=3)
    X = X.double()
    stack = init_stack([2, 6, 3], [0, 1], activation="tanh", dtype=torch.float64)
    exact = [
        exact_hessian_eigenvalues(stack.to_mlp(k), X, y, torch.nn.functional.cross_entropy).max()
        for k in range(2)
    ]
    values, vectors = stack_sharpness_with_vectors(stack, X, y, iters=1000, tol=1e-6)
    assert values.tolist() == pytest.approx(exact, rel=1e-6)
    p = sum(t[0].numel() for t in stack.parameters())
    assert vectors.shape == (2, p)
    assert torch.allclose(vectors.norm(dim=1), torch.ones(2, dtype=torch.float64))
    # The vector is the top eigenvector: a warm start from it is right after 2 products,
    # where a random start is still far off.
    warm = stack_sharpness(stack, X, y, iters=2, tol=1e-12, v0=vectors)
    cold = stack_sharpness(stack, X, y, iters=2, tol=1e-12)
    assert warm.tolist() == pytest.approx(exact, rel=1e-6)
    assert not cold.tolist() == pytest.approx(exact, rel=1e-3)


def test_stack_sharpness_rejects_a_bad_start_vector():
    X, y = nnlab.make_blobs(n=20, centers=3, seed=0)
    stack = init_stack([2, 4, 3], [0, 1])
    with pytest.raises(ValueError, match=r"v0 has shape \(2, 5\); it must be \(K=2, p=27\)"):
        stack_sharpness(stack, X, y, v0=torch.ones(2, 5))
    with pytest.raises(ValueError, match="no all-zero row"):
        stack_sharpness(stack, X, y, v0=torch.zeros(2, 27))
    with pytest.raises(TypeError, match="v0 must be a torch.Tensor"):
        stack_sharpness(stack, X, y, v0=[[1.0] * 27] * 2)
