"""Models: a multi-layer perceptron built from layer sizes, a named activation and a named
initialisation. Introduced in notebook 00; initialisations are studied in notebook 02.

Layers are named so that probes can find them: ``fc1, act1, fc2, act2, ..., out``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn

from ._validate import check_bool, check_choice, check_float, check_int

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "linear": nn.Identity,
}
INITS = ("he", "xavier", "normal", "default")


def make_activation(name: str) -> nn.Module:
    """Return a fresh activation module for ``name``, one of ``ACTIVATIONS``."""
    check_choice("activation", name, ACTIVATIONS)
    return ACTIVATIONS[name]()


def init_linear(layer: nn.Linear, init: str = "he", std: float | None = None) -> nn.Linear:
    """Initialise ``layer``'s weights in place and set its bias to zero; return the layer.

    - ``"he"``: normal with variance 2 / fan_in (He et al. 2015, for ReLU);
    - ``"xavier"``: normal with variance 2 / (fan_in + fan_out) (Glorot & Bengio 2010);
    - ``"normal"``: normal with standard deviation ``std``;
    - ``"default"``: leave PyTorch's own initialisation (bias included) as it is.
    """
    if not isinstance(layer, nn.Linear):
        raise TypeError(f"layer must be a torch.nn.Linear; got {type(layer).__name__}")
    check_choice("init", init, INITS)
    if init == "default":
        return layer
    fan_out, fan_in = layer.weight.shape
    if init == "he":
        scale = math.sqrt(2.0 / fan_in)
    elif init == "xavier":
        scale = math.sqrt(2.0 / (fan_in + fan_out))
    else:
        if std is None:
            raise ValueError("init='normal' needs std, the weights' standard deviation (> 0)")
        scale = check_float("std", std, positive=True)
    with torch.no_grad():
        layer.weight.normal_(0.0, scale)
        if layer.bias is not None:
            layer.bias.zero_()
    return layer


class MLP(nn.Sequential):
    """A fully connected network: ``MLP([64, 32, 10], activation="relu", init="he")``.

    ``sizes`` lists the width of every layer, input first and output last, so
    ``[64, 32, 10]`` has one hidden layer of 32 units. Hidden layers use ``activation``;
    the output layer is linear (its raw outputs are logits). Input ``(n, sizes[0])``,
    output ``(n, sizes[-1])``. ``std`` is needed only with ``init="normal"``.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "relu",
        init: str = "he",
        std: float | None = None,
        bias: bool = True,
    ) -> None:
        if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence):
            raise TypeError(f"sizes must be a list of layer widths; got {type(sizes).__name__}")
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least an input and an output width; got {sizes}")
        sizes = [check_int("sizes", s, minimum=1) for s in sizes]
        check_choice("activation", activation, ACTIVATIONS)
        check_choice("init", init, INITS)
        check_bool("bias", bias)
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        n_hidden = len(sizes) - 2
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
            name = "out" if i == n_hidden + 1 else f"fc{i}"
            layers[name] = init_linear(nn.Linear(fan_in, fan_out, bias=bias), init, std)
            if name != "out":
                layers[f"act{i}"] = make_activation(activation)
        super().__init__(layers)
        self.sizes = list(sizes)
        self.activation = activation
        self.init = init

    def __getitem__(self, index: int | slice) -> nn.Module:
        """``model[i]`` is a layer; ``model[a:b]`` a plain ``nn.Sequential`` of those layers."""
        if isinstance(index, slice):
            return nn.Sequential(OrderedDict(list(self._modules.items())[index]))
        return super().__getitem__(index)

    def hidden_layers(self) -> list[str]:
        """Return the names of the hidden activation modules, in order: ``["act1", ...]``."""
        return [name for name in self._modules if name.startswith("act")]

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}, activation={self.activation!r}, init={self.init!r}"


def count_parameters(model: nn.Module) -> int:
    """Return the number of trainable scalars in ``model``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
