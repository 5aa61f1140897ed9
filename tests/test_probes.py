"""nnlab.probes: dead units, active fractions, gradient norms, the monitor and rejuvenation.

Models are hand-built so that which units are dead is known in advance; results are checked
against direct computation (the layer's own output, torch.autograd), never against themselves.
"""

import math

import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

import nnlab
from nnlab import probes

# Four inputs with non-negative features, as pixels are.
X4 = torch.tensor(
    [
        [1.0, 0.0, 2.0],
        [0.0, 1.0, 1.0],
        [2.0, 2.0, 0.0],
        [0.5, 0.5, 0.5],
    ]
)


def hand_built(activation: nn.Module | None = None) -> nn.Sequential:
    """Linear(3, 4) -> activation -> Linear(4, 2) with known dead units on X4.

    unit 0: weights (-1, -1, -1), bias -0.5 -> z < 0 on every row: dead
    unit 1: weights (1, 0, 0), bias -0.75 -> z > 0 on rows 0 and 2 only: active fraction 0.5
    unit 2: weights (0, 0, 0), bias 0 -> z = 0 exactly everywhere: dead (ReLU(0) = 0, slope 0)
    unit 3: weights (1, 1, 1), bias 0.1 -> z > 0 everywhere: active fraction 1
    """
    first = nn.Linear(3, 4)
    second = nn.Linear(4, 2)
    with torch.no_grad():
        first.weight.copy_(
            torch.tensor([[-1.0, -1.0, -1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
        )
        first.bias.copy_(torch.tensor([-0.5, -0.75, 0.0, 0.1]))
        second.weight.copy_(torch.arange(8.0).reshape(2, 4) / 8 + 0.1)
        second.bias.zero_()
    return nn.Sequential(first, activation or nn.ReLU(), second)


class Branches(nn.Module):
    """Two branches with their own activations, concatenated, then a head."""

    def __init__(self) -> None:
        super().__init__()
        self.left = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
        self.right = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
        self.head = nn.Linear(5, 2)
        with torch.no_grad():
            self.left[0].weight.copy_(torch.tensor([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]]))
            self.left[0].bias.copy_(torch.tensor([0.0, -1.0]))  # unit 1 of left is dead
            self.right[0].weight.fill_(0.0)
            self.right[0].bias.copy_(torch.tensor([0.0, 10.0, -0.5]))  # unit 1 saturated

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.left(x), self.right(x)], dim=1))


class Broken(nn.Module):
    """Raises inside forward, after its activation has run."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.act(self.fc(x))
        raise RuntimeError("boom")


def test_hand_built_model_known_dead_units():
    model = hand_built()
    assert list(probes.find_activations(model)) == ["1"]
    dead = probes.dead_units(model, X4)
    assert list(dead) == ["1"]
    assert dead["1"].tolist() == [True, False, True, False]
    fraction = probes.active_fraction(model, X4)["1"]
    assert fraction.tolist() == [0.0, 0.5, 0.0, 1.0]
    assert probes.dead_fraction(model, X4) == {"1": 0.5}
    act = probes.activity(model, X4)["1"]
    assert act.shape == (4, 4) and act.dtype == torch.bool
    assert act[:, 1].tolist() == [True, False, True, False]


def test_probes_agree_with_direct_computation_on_mlp():
    X, _ = nnlab.load_digits()
    model = nnlab.MLP([64, 32, 16, 10], init="he")
    with torch.no_grad():
        model.fc2.bias -= 1.0  # kill a few second-layer units
        z1 = model.fc1(X)
        z2 = model.fc2(torch.relu(z1))
    pre = probes.pre_activations(model, X)
    assert list(pre) == ["act1", "act2"] == model.hidden_layers()
    assert torch.equal(pre["act1"], z1) and torch.equal(pre["act2"], z2)
    fraction = probes.active_fraction(model, X)
    assert torch.equal(fraction["act1"], (z1 > 0).float().mean(0))
    assert torch.equal(fraction["act2"], (z2 > 0).float().mean(0))
    dead = probes.dead_units(model, X)
    assert torch.equal(dead["act2"], (z2 <= 0).all(0))
    assert dead["act2"].any()  # the bias shift did kill something


def test_saturating_units_use_the_slope_threshold():
    X = torch.zeros(5, 1)
    for bias, module, dead_default in [
        (-10.0, nn.Sigmoid(), True),  # 4 s(1-s) ~ 1.8e-4 < 0.01
        (-5.0, nn.Sigmoid(), False),  # ~ 0.026
        (-4.0, nn.Tanh(), True),  # 1 - tanh^2 ~ 1.3e-3
        (2.0, nn.Tanh(), False),
        (7.0, nn.ReLU6(), True),  # Hardtanh family: flat above 6
        (3.0, nn.ReLU6(), False),
    ]:
        lin = nn.Linear(1, 1)
        with torch.no_grad():
            lin.weight.zero_()
            lin.bias.fill_(bias)
        model = nn.Sequential(lin, module)
        name = "1"
        assert probes.dead_units(model, X)[name].item() is dead_default, (module, bias)
    sat = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    with torch.no_grad():
        sat[0].weight.zero_()
        sat[0].bias.fill_(-10.0)
    assert probes.dead_units(sat, X, threshold=1e-5)["1"].item() is False
    slope = 4 * torch.sigmoid(torch.tensor(-10.0)) * (1 - torch.sigmoid(torch.tensor(-10.0)))
    assert probes.dead_units(sat, X, threshold=float(slope) * 1.01)["1"].item() is True


def test_dead_units_agree_with_activity_also_for_nan_units():
    model = hand_built()
    with torch.no_grad():
        model[0].weight[1, 0] = float("nan")  # unit 1: NaN on rows 0, 2, 3, 0 * nan on row 1
    act = probes.activity(model, X4)["1"]
    assert torch.equal(probes.dead_units(model, X4)["1"], ~act.any(0))
    assert probes.dead_units(model, X4)["1"][1]


def test_leaky_and_gelu_count_the_negative_side_as_inactive():
    for act in (nn.LeakyReLU(0.01), nn.GELU(), nn.ELU(), nn.SiLU()):
        model = hand_built(act)
        assert probes.dead_units(model, X4)["1"].tolist() == [True, False, True, False], act


def test_model_without_activations_raises_a_clear_error():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    with pytest.raises(ValueError, match="no activation modules"):
        probes.dead_units(model, X4)
    with pytest.raises(ValueError, match=r"torch\.relu"):
        probes.active_fraction(model, X4)

    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return torch.relu(self.fc(x))

    with pytest.raises(ValueError, match="no activation modules"):
        probes.pre_activations(Functional(), X4)


def test_unused_activation_module_raises_or_is_left_out():
    class Unused(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)
            self.act = nn.ReLU()  # registered but never called

        def forward(self, x):
            return self.fc(x)

    with pytest.raises(ValueError, match="none of the model's activation modules ran"):
        probes.dead_units(Unused(), X4)

    class OneUsed(Unused):
        def __init__(self):
            super().__init__()
            self.spare = nn.Tanh()

        def forward(self, x):
            return self.act(self.fc(x))

    assert list(probes.dead_units(OneUsed(), X4)) == ["act"]


def test_custom_module_with_branches():
    model = Branches()
    dead = probes.dead_units(model, X4)
    assert list(dead) == ["left.1", "right.1"]  # module order, nested names
    assert dead["left.1"].tolist() == [False, True]
    assert dead["right.1"].tolist() == [False, True, False]
    pre = probes.pre_activations(model, X4)
    with torch.no_grad():
        assert torch.equal(pre["left.1"], model.left[0](X4))
        assert torch.equal(pre["right.1"], model.right[0](X4))


def test_module_called_twice_is_refused():
    class Reused(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(3, 3), nn.Linear(3, 2)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(self.b(self.act(self.a(x))))

    model = Reused()
    with pytest.raises(ValueError, match="ran twice"):
        probes.dead_units(model, X4)
    assert not model.act._forward_pre_hooks


def test_exception_inside_forward_leaves_no_hooks_and_restores_state():
    model = Broken()
    model.train()
    with pytest.raises(RuntimeError, match="boom"):
        probes.dead_units(model, X4)
    with pytest.raises(RuntimeError, match="boom"):
        probes.unit_gradient_norms(model, X4, torch.zeros(4, dtype=torch.long))
    for module in model.modules():
        assert not module._forward_pre_hooks and not module._forward_hooks
        assert module.training
    assert model.act.inplace is True


def test_mode_and_gradients_are_preserved():
    model = nnlab.MLP([64, 16, 16, 10])
    X, y = nnlab.load_digits()
    X, y = X[:100], y[:100]
    model.train()
    model.act2.eval()  # a mixed state must come back exactly
    nn.functional.cross_entropy(model(X), y).backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.out.bias.grad = None  # and a missing gradient must stay missing
    modes = [m.training for m in model.modules()]
    probes.dead_units(model, X)
    probes.unit_gradient_norms(model, X, y)
    monitor = probes.DeadUnitMonitor(X, y)
    monitor.record(model)
    assert [m.training for m in model.modules()] == modes
    for n, p in model.named_parameters():
        if n == "out.bias":
            assert p.grad is None
        else:
            assert torch.equal(p.grad, grads[n]), n


def test_probe_runs_in_eval_mode_with_batch_norm_and_dropout():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.ReLU())
    model.train()
    before = model[1].running_mean.clone()
    a = probes.active_fraction(model, X4)
    b = probes.active_fraction(model, X4)
    assert torch.equal(a["3"], b["3"])  # dropout off: deterministic
    assert torch.equal(model[1].running_mean, before)  # batch-norm statistics untouched
    assert model.training


def test_inplace_activation_is_probed_and_restored():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True))
    with torch.no_grad():
        model[0].weight.copy_(hand_built()[0].weight)
        model[0].bias.copy_(hand_built()[0].bias)
    pre = probes.pre_activations(model, X4)["1"]
    with torch.no_grad():
        assert torch.equal(pre, model[0](X4))  # the input, not the rectified output
    assert pre.min() < 0
    assert model[1].inplace is True


def test_convolutional_units_keep_their_shape():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    with torch.no_grad():
        model[0].weight[1].fill_(-1.0)
        model[0].bias[1] = -1.0  # channel 1 dead on non-negative images
    X = torch.rand(5, 1, 6, 6)
    dead = probes.dead_units(model, X)["1"]
    assert dead.shape == (2, 4, 4)
    assert dead[1].all()


def test_gradient_norms_match_autograd_and_are_zero_for_dead_units():
    model = hand_built()
    y = torch.tensor([0, 1, 1, 0])
    norms = probes.unit_gradient_norms(model, X4, y)["1"]
    z = model[0](X4)
    z.retain_grad()
    nn.functional.cross_entropy(model[2](model[1](z)), y).backward()
    expected = z.grad.pow(2).sum(0).sqrt()
    assert torch.allclose(norms, expected)
    assert norms[0] == 0 and norms[2] == 0  # dead units: exactly zero
    assert norms[1] > 0 and norms[3] > 0
    mse = probes.unit_gradient_norms(model, X4, torch.zeros(4, 2), loss="mse")["1"]
    assert mse[0] == 0 and mse[3] > 0


def test_gradient_norms_work_with_frozen_parameters():
    model = hand_built()
    for p in model.parameters():
        p.requires_grad_(False)
    norms = probes.unit_gradient_norms(model, X4, torch.tensor([0, 1, 1, 0]))["1"]
    assert norms[3] > 0 and norms[0] == 0
    assert all(p.grad is None for p in model.parameters())


def test_monitor_as_training_callback():
    X, y = nnlab.load_digits()
    X, y = X[:200], y[:200]
    model = nnlab.MLP([64, 16, 16, 10])
    with torch.no_grad():
        model.fc1.bias[:4] = -100.0  # four first-layer units dead from the start
    monitor = probes.DeadUnitMonitor(X, y, steps_per_epoch=math.ceil(200 / 50))
    monitor.record(model)
    nnlab.train(model, X, y, lr=0.05, epochs=3, batch_size=50, callback=monitor, progress=False)
    assert monitor.epochs == [0, 1.0, 2.0, 3.0]
    masks = monitor.dead_masks
    assert masks["act1"].shape == (4, 16)
    assert masks["act1"][:, :4].all()
    grads = monitor.grad_norms
    assert grads["act1"].shape == (4, 16)
    assert (grads["act1"][:, :4] == 0).all()
    assert (grads["act1"][:, 4:][~masks["act1"][:, 4:]] > 0).all()
    assert torch.allclose(monitor.dead_fraction["act1"], masks["act1"].float().mean(1))
    fig = probes.plot_monitor(monitor)
    for ax in fig.axes[:2]:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)


def test_monitor_every_step_and_without_targets():
    X, y = nnlab.load_digits()
    X, y = X[:100], y[:100]
    monitor = probes.DeadUnitMonitor(X, steps_per_epoch=4, every=1)
    nnlab.train(nnlab.MLP([64, 8, 10]), X, y, lr=0.05, epochs=2, batch_size=25,
                callback=monitor, progress=False)  # fmt: skip
    assert monitor.epochs == [k / 4 for k in range(1, 9)]
    assert monitor.grad_norms == {}
    fig = probes.plot_monitor(monitor)
    assert len(fig.axes) == 1
    plt.close(fig)


def test_reinit_dead_units_preserves_the_function_and_revives():
    X, y = nnlab.load_digits()
    X, y = X[:300], y[:300]
    model = nnlab.MLP([64, 32, 32, 10])
    with torch.no_grad():
        model.fc1.bias[:5] = -100.0
        model.fc2.bias[:3] = -100.0
    before = model(X).detach()
    old_fc1 = model.fc1.weight.detach().clone()
    dead = probes.dead_units(model, X)
    counts = probes.reinit_dead_units(model, X, generator=torch.Generator().manual_seed(0))
    assert counts == {name: int(mask.sum()) for name, mask in dead.items()}
    assert counts["act1"] >= 5 and counts["act2"] >= 3
    assert torch.allclose(model(X), before, atol=1e-5)  # zero fan-out: same function
    assert (model.fc2.weight[:, dead["act1"]] == 0).all()
    assert (model.out.weight[:, dead["act2"]] == 0).all()
    assert (model.fc1.bias[dead["act1"]] == 0).all()
    assert not torch.equal(model.fc1.weight[:5], old_fc1[:5])
    assert torch.equal(model.fc1.weight[~dead["act1"]], old_fc1[~dead["act1"]])  # others untouched
    after = probes.dead_units(model, X)
    assert not after["act1"][:5].any()  # fresh He weights on pixels: alive again
    # the fan-out weights start at zero and then grow by gradient descent
    nnlab.train(model, X, y, lr=0.1, epochs=1, progress=False)
    assert (model.fc2.weight[:, :5] != 0).any()


def test_reinit_layers_pairs_and_errors():
    model = hand_built()
    counts = probes.reinit_dead_units(model, X4, layers=["1"])
    assert counts == {"1": 2}
    explicit = hand_built()
    assert probes.reinit_dead_units(explicit, X4, pairs={"1": ("0", "2")}) == {"1": 2}
    with pytest.raises(ValueError, match="unknown layers"):
        probes.reinit_dead_units(hand_built(), X4, layers=["act9"])
    with pytest.raises(TypeError, match="list of activation names"):
        probes.reinit_dead_units(hand_built(), X4, layers="1")
    with pytest.raises(TypeError, match="generator"):
        probes.reinit_dead_units(hand_built(), X4, generator=3)
    with pytest.raises(ValueError, match="pass pairs"):
        probes.reinit_dead_units(nn.Sequential(nn.Linear(3, 4), nn.ReLU()), X4)
    with pytest.raises(ValueError, match="must name nn.Linear"):
        probes.reinit_dead_units(hand_built(), X4, pairs={"1": ("0", "1")})
    with pytest.raises(ValueError, match="has 4 units"):
        probes.reinit_dead_units(
            nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Linear(2, 2)),
            X4,
            pairs={"1": ("0", "3")},
        )


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: probes.dead_units("model", X4), TypeError, "torch.nn.Module"),
        (lambda: probes.dead_units(hand_built(), [[1.0, 2.0, 3.0]]), TypeError, "X must be"),
        (lambda: probes.dead_units(hand_built(), X4.long()), TypeError, "floating"),
        (lambda: probes.dead_units(hand_built(), X4[0]), ValueError, "batch dimension"),
        (lambda: probes.dead_units(hand_built(), X4[:0]), ValueError, "empty"),
        (lambda: probes.dead_units(hand_built(), X4 * float("nan")), ValueError, "NaN"),
        (lambda: probes.active_fraction(hand_built(), X4, threshold=1.0), ValueError, r"\[0, 1\)"),
        (lambda: probes.active_fraction(hand_built(), X4, threshold=-0.1), ValueError, ">= 0"),
        (lambda: probes.active_fraction(hand_built(), X4, threshold="x"), TypeError, "threshold"),
        (
            lambda: probes.unit_gradient_norms(hand_built(), X4, torch.zeros(3, dtype=torch.long)),
            ValueError,
            "same number of rows",
        ),
        (
            lambda: probes.unit_gradient_norms(hand_built(), X4, torch.zeros(4)),
            TypeError,
            "integer dtype",
        ),
        (
            lambda: probes.unit_gradient_norms(hand_built(), X4, torch.zeros(4), loss="hinge"),
            ValueError,
            "unknown loss",
        ),
        (lambda: probes.DeadUnitMonitor(X4, steps_per_epoch=0), ValueError, "steps_per_epoch"),
        (lambda: probes.DeadUnitMonitor(X4, every=1.5), TypeError, "every"),
        (lambda: probes.DeadUnitMonitor(X4)("not a step"), TypeError, "StepInfo"),
        (lambda: probes.plot_monitor(probes.DeadUnitMonitor(X4)), ValueError, "no records"),
        (lambda: probes.plot_monitor("monitor"), TypeError, "DeadUnitMonitor"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_monitor_refuses_a_different_model_midway():
    monitor = probes.DeadUnitMonitor(X4)
    monitor.record(hand_built())
    with pytest.raises(ValueError, match="layers changed"):
        monitor.record(Branches())
    with pytest.raises(ValueError, match="epoch"):
        monitor.record(hand_built(), epoch=-1)
