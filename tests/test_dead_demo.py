"""Tests of nnlab.dead_demo (notebook 02's bookkeeping), against hand-made references."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import nnlab  # noqa: E402
from nnlab import dead_demo, probes  # noqa: E402
from nnlab.batched import init_stack  # noqa: E402


def test_lower_hidden_biases_leaves_the_output_bias():
    stack = init_stack([4, 5, 5, 3], seeds=[0, 1])
    before = [b.clone() for b in stack.biases]
    dead_demo.lower_hidden_biases(stack, 0.5)
    assert torch.allclose(stack.biases[0], before[0] - 0.5)
    assert torch.allclose(stack.biases[1], before[1] - 0.5)
    assert torch.equal(stack.biases[2], before[2])


def test_shuffled_copies_are_permutations_of_the_rows():
    X = torch.arange(12.0).view(6, 2)
    y = torch.arange(6)
    gens = [torch.Generator().manual_seed(s) for s in (0, 1)]
    Xr, yr = dead_demo.shuffled_copies(X, y, gens)
    assert Xr.shape == (2, 6, 2) and yr.shape == (2, 6)
    for k in range(2):
        assert torch.equal(Xr[k][:, 0] / 2, yr[k].float())  # rows stay with their labels
        assert sorted(yr[k].tolist()) == list(range(6))
    assert not torch.equal(yr[0], yr[1])


def test_dead_in_stack_matches_the_probes_on_each_net():
    X = torch.rand(30, 4)
    stack = dead_demo.lower_hidden_biases(init_stack([4, 6, 6, 2], seeds=[3, 4]), 0.6)
    dead = dead_demo.dead_in_stack(stack, X)
    assert dead.shape == (2, 2, 6) and dead.dtype == torch.bool
    for k in range(2):
        ref = probes.dead_units(stack.to_mlp(k), X)
        assert torch.equal(dead[k, 0], ref["act1"]) and torch.equal(dead[k, 1], ref["act2"])
    assert dead.any()  # the shift killed something: the test can fail


def test_transitions_count_events_and_distinct_units():
    masks = torch.tensor(
        [
            [False, False, True],
            [True, False, True],
            [False, False, False],
            [True, False, False],
        ]
    )
    got = dead_demo.transitions(masks)
    # unit 0 dies twice and revives once; unit 2 (dead at the start) revives once
    assert got == {"deaths": 2, "revivals": 2, "units_died": 1, "units_revived": 2}


def test_recovery_counts_and_curve():
    group = torch.tensor([True, True, False])
    masks = torch.tensor([[True, True, False], [False, True, False], [True, True, True]])
    n, ever, end, curve = dead_demo.recovery([group], [masks])
    assert (n, ever, end) == (2, 1, 0)
    assert torch.allclose(curve, torch.tensor([1.0, 0.5, 1.0]))
    with pytest.raises(ValueError, match="dead at the first record"):
        dead_demo.recovery([torch.tensor([False, False, True])], [masks])


def test_unit_states_tell_dead_stuck_and_practically_stuck_apart():
    X = torch.rand(40, 3)
    y = torch.randint(0, 2, (40,))

    def net(activation):
        layer = nn.Linear(3, 2)
        with torch.no_grad():
            layer.weight.fill_(0.1)
            layer.bias[:] = torch.tensor([-20.0, 0.5])  # unit 0 far below zero, unit 1 alive
        return nn.Sequential(layer, activation, nn.Linear(2, 2))

    relu = dead_demo.unit_states(net(nn.ReLU()), X, y)
    assert relu == {"dead": 0.5, "stuck": 0.5, "practically stuck": 0.5}
    leaky = dead_demo.unit_states(net(nn.LeakyReLU(0.01)), X, y)
    assert leaky["dead"] == 0.5 and leaky["practically stuck"] == 0.0 and leaky["stuck"] == 0.0
    gelu = dead_demo.unit_states(net(nn.GELU()), X, y)
    assert gelu["dead"] == 0.5 and gelu["practically stuck"] == 0.5  # slope ~1e-87 at z = -20
    # float64 slope of GELU at -20, by finite differences: the "practically" is not a rounding
    z = torch.tensor(-20.0, dtype=torch.float64)
    slope = (nn.functional.gelu(z + 1e-3) - nn.functional.gelu(z - 1e-3)) / 2e-3
    assert 0 < abs(float(slope)) < 1e-6 or float(slope) == 0.0


def test_relative_to_alive_is_a_ratio_of_medians():
    values = torch.tensor([1.0, 2.0, 3.0, 10.0, 20.0])
    dead = torch.tensor([True, True, True, False, False])
    assert math.isclose(dead_demo.relative_to_alive(values, dead), 2.0 / 15.0, rel_tol=1e-6)
    with pytest.raises(ValueError, match="dead"):
        dead_demo.relative_to_alive(values, torch.ones(5, dtype=torch.bool))


def test_bar_labels_write_every_value_including_zero():
    fig, ax = plt.subplots()
    bars = ax.bar([0, 1], [3, 0])
    dead_demo.bar_labels(ax, bars, [3, 0])
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["3", "0"]
    plt.close(fig)


def test_the_notebook_streams_give_the_same_net_as_the_stack():
    torch.manual_seed(nnlab.stream_seed("net", 2))
    single = nnlab.MLP([4, 5, 3])
    stack = init_stack([4, 5, 3], seeds=[nnlab.stream_seed("net", 2)])
    assert torch.equal(stack.weights[0][0], single.fc1.weight)
