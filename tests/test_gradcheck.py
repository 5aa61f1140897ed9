"""nnlab.gradcheck: central differences against torch.autograd, and the compare helper."""

import numpy as np
import pytest
import torch

from nnlab.gradcheck import Comparison, compare, numerical_gradient, numerical_gradients


def _torch_fn(A, B, c):
    """A scalar function of three tensors with curvature in every input."""
    return (torch.tanh(A @ B) * c).sum() + torch.logsumexp(A.reshape(-1), dim=0) * (c**2).mean()


@pytest.mark.parametrize("shapes", [((1, 1), (1, 1)), ((3, 5), (5, 2)), ((4, 2), (2, 6))])
@pytest.mark.parametrize("seed", [0, 1])
def test_numerical_gradients_match_autograd_on_random_shapes(shapes, seed):
    gen = torch.Generator().manual_seed(seed)
    (n, m), (_, k) = shapes
    A = torch.randn(n, m, generator=gen, dtype=torch.float64)
    B = torch.randn(m, k, generator=gen, dtype=torch.float64)
    c = torch.randn(n, k, generator=gen, dtype=torch.float64)
    leaves = [t.clone().requires_grad_(True) for t in (A, B, c)]
    _torch_fn(*leaves).backward()
    numeric = numerical_gradients(_torch_fn, [A, B, c])
    for leaf, num in zip(leaves, numeric, strict=True):
        assert isinstance(num, torch.Tensor) and num.dtype == torch.float64
        assert num.shape == leaf.shape
        result = compare(num, leaf.grad, name="grad")
        assert result.max_abs < 1e-8, result


def test_numpy_inputs_give_numpy_gradients_and_are_not_modified():
    rng = np.random.default_rng(3)
    W = rng.normal(size=(3, 4))
    x = rng.normal(size=4)
    W0, x0 = W.copy(), x.copy()

    def f(W, x):
        return float(np.sum(np.sin(W @ x) ** 2))

    gW, gx = numerical_gradients(f, [W, x])
    assert isinstance(gW, np.ndarray) and gW.shape == (3, 4) and gW.dtype == np.float64
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(x, x0)
    # autograd as the independent reference
    Wt = torch.tensor(W, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    (torch.sin(Wt @ xt) ** 2).sum().backward()
    assert compare(gW, Wt.grad).max_abs < 1e-8
    assert compare(gx, xt.grad).max_abs < 1e-8


def test_float32_inputs_are_differenced_in_float64():
    # in float32 a central difference with eps=1e-5 would be off by ~1e-2; float64 is exact
    x = torch.linspace(-1, 1, 7, dtype=torch.float32)
    g = numerical_gradient(lambda v: (v**3).sum(), x)
    assert g.dtype == torch.float64
    assert compare(g, 3 * x.double() ** 2).max_abs < 1e-8


def test_numerical_gradient_of_a_known_function():
    x = np.array([0.5, -2.0, 3.0])
    g = numerical_gradient(lambda v: np.sum(v**2) / 2, x)
    np.testing.assert_allclose(g, x, atol=1e-8)


def test_a_wrong_gradient_is_caught():
    x = np.array([0.3, -0.7])
    g = numerical_gradient(lambda v: np.sum(np.tanh(v)), x)
    forgot_slope = np.ones_like(x)  # d tanh / dv taken as 1
    assert not compare(forgot_slope, g).close(rtol=1e-6)
    assert compare(1 - np.tanh(x) ** 2, g).close(rtol=1e-6)


def test_compare_reports_largest_absolute_and_relative_difference():
    got = np.array([1.0, 2.0, 0.0])
    expected = np.array([1.0, 2.5, 0.0])
    result = compare(got, expected, name="dW")
    assert isinstance(result, Comparison)
    assert result.max_abs == pytest.approx(0.5)
    assert result.max_rel == pytest.approx(0.5 / 2.5)  # both-zero entries do not count
    assert result.shape == (3,)
    assert not result.close(rtol=0.1, atol=0.1)
    assert result.close(rtol=0.25)
    assert result.close(rtol=0.0, atol=0.5)
    text = str(result)
    assert "dW" in text and "5.0e-01" in text and "2.0e-01" in text


def test_compare_accepts_mixed_numpy_and_torch():
    a = np.arange(6.0).reshape(2, 3)
    assert compare(a, torch.tensor(a, dtype=torch.float32)).max_abs == 0.0


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: numerical_gradients(3, [np.ones(2)]), TypeError, "func must be callable"),
        (lambda: numerical_gradients(np.sum, np.ones(2)), TypeError, "list of arrays"),
        (lambda: numerical_gradients(np.sum, []), ValueError, "at least one"),
        (lambda: numerical_gradients(np.sum, [np.ones(2, dtype=int)]), TypeError, "floating"),
        (lambda: numerical_gradients(np.sum, [[1.0, 2.0]]), TypeError, r"inputs\[0\]"),
        (lambda: numerical_gradients(np.sum, [np.array([1.0, np.nan])]), ValueError, "NaN"),
        (lambda: numerical_gradients(np.sum, [np.ones((0, 2))]), ValueError, "empty"),
        (lambda: numerical_gradient(np.sum, np.ones(2), eps=0.0), ValueError, "eps must be > 0"),
        (lambda: numerical_gradient(np.sum, np.ones(2), eps=-1e-3), ValueError, "eps"),
        (lambda: numerical_gradient(np.sum, np.ones(2), eps="small"), TypeError, "eps"),
        (lambda: numerical_gradient(lambda v: v * 2, np.ones(3)), ValueError, "single number"),
        (lambda: numerical_gradient(lambda v: "loss", np.ones(3)), TypeError, "single number"),
        (
            lambda: numerical_gradient(lambda v: v.sum(), torch.ones(2, dtype=torch.int64)),
            TypeError,
            "floating",
        ),
        (lambda: compare(np.ones((2, 3)), np.ones((3, 2))), ValueError, "transposed"),
        (lambda: compare(np.ones(2), np.ones(3)), ValueError, "shape"),
        (lambda: numerical_gradient(lambda v: v[0] * np.inf, np.ones(2)), ValueError, "finite"),
        (lambda: compare([1.0], np.ones(1)), TypeError, "got must be"),
        (lambda: compare(np.ones(1), np.ones(1), name=3), TypeError, "name"),
        (lambda: compare(np.ones(1), np.ones(1), floor=0), ValueError, "floor"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
