import math

import pytest
import torch
from torch import nn

import nnlab
from nnlab.models import init_linear, make_activation


@pytest.mark.parametrize(
    "init, fan_in, fan_out, expected_var",
    [
        ("he", 400, 300, 2 / 400),
        ("xavier", 400, 300, 2 / 700),
        ("normal", 400, 300, 0.05**2),
    ],
)
def test_initialisations_give_the_intended_variance(init, fan_in, fan_out, expected_var):
    torch.manual_seed(0)
    layer = init_linear(nn.Linear(fan_in, fan_out), init, std=0.05)
    var = layer.weight.var().item()
    # 120,000 samples: the sample variance is within ~1% of the true one
    assert var == pytest.approx(expected_var, rel=0.03)
    assert abs(layer.weight.mean().item()) < 3 * math.sqrt(expected_var / layer.weight.numel())
    assert torch.count_nonzero(layer.bias) == 0


def _output_power(init: str, depth: int = 12, width: int = 256, nets: int = 6) -> float:
    """Mean square of the last hidden layer over the input's, averaged over a few networks."""
    torch.manual_seed(0)
    x = torch.randn(1000, width)
    ratios = []
    for _ in range(nets):
        model = nnlab.MLP([width] * depth + [10], activation="relu", init=init)
        with torch.no_grad():
            ratios.append(model[:-1](x).pow(2).mean().item() / x.pow(2).mean().item())
    return sum(ratios) / nets


def test_he_init_keeps_relu_signal_scale_through_depth_and_xavier_shrinks_it():
    # He: Var(w) = 2/fan_in exactly undoes ReLU's halving of the mean square, layer after layer.
    assert 0.4 < _output_power("he") < 2.5
    # Xavier on square layers: Var(w) = 1/fan_in, so the mean square halves per layer: 2**-11.
    assert _output_power("xavier") < 0.01


def test_mlp_structure_and_forward_shape():
    model = nnlab.MLP([5, 7, 3, 2], activation="tanh", init="xavier")
    names = [n for n, _ in model.named_children()]
    assert names == ["fc1", "act1", "fc2", "act2", "out"]
    assert model.hidden_layers() == ["act1", "act2"]
    assert isinstance(model.act1, nn.Tanh)
    assert model(torch.randn(4, 5)).shape == (4, 2)
    assert nnlab.count_parameters(model) == (5 * 7 + 7) + (7 * 3 + 3) + (3 * 2 + 2)


@pytest.mark.parametrize("name", sorted(nnlab.ACTIVATIONS))
def test_every_named_activation_builds_and_matches_torch(name):
    x = torch.linspace(-3, 3, 13)
    reference = {
        "relu": torch.relu,
        "leaky_relu": lambda t: nn.functional.leaky_relu(t, 0.01),
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "gelu": nn.functional.gelu,
        "linear": lambda t: t,
    }[name]
    assert torch.allclose(make_activation(name)(x), reference(x))


def test_default_init_leaves_pytorch_initialisation():
    torch.manual_seed(1)
    expected = nn.Linear(4, 3)
    torch.manual_seed(1)
    layer = init_linear(nn.Linear(4, 3), "default")
    assert torch.equal(layer.weight, expected.weight) and torch.equal(layer.bias, expected.bias)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"sizes": [3, 2], "activation": "swish"}, ValueError, "activation"),
        ({"sizes": [3, 2], "init": "orthogonal"}, ValueError, "init"),
        ({"sizes": [3]}, ValueError, "sizes"),
        ({"sizes": [3, 0, 2]}, ValueError, "sizes"),
        ({"sizes": [3, 2.5, 2]}, TypeError, "sizes"),
        ({"sizes": "32"}, TypeError, "sizes"),
        ({"sizes": [3, 4, 2], "init": "normal"}, ValueError, "std"),
        ({"sizes": [3, 4, 2], "init": "normal", "std": -1.0}, ValueError, "std"),
    ],
)
def test_mlp_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        nnlab.MLP(**kwargs)


def test_helpers_reject_wrong_types():
    with pytest.raises(TypeError, match="layer"):
        init_linear(nn.Conv1d(1, 1, 1))
    with pytest.raises(TypeError, match="model"):
        nnlab.count_parameters("not a model")
