"""Checks of notebook 02: each accepts a right answer and names the typical mistakes."""

import pytest
import torch

from nnlab.exercises import CheckFailed
from nnlab.exercises.nb02 import (
    REASONS,
    check_dead_mask,
    check_p_dead,
    check_plain_rate,
    check_reinit_dead,
    check_which_layer,
)


def test_dead_mask_accepts_the_right_answer(capsys):
    check_dead_mask(lambda Z: (Z <= 0).all(dim=0))
    assert "Passed" in capsys.readouterr().out


def _stub(Z):
    raise NotImplementedError


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (lambda Z: (Z <= 0).all(dim=1), "one value per row"),
        (lambda Z: (Z < 0).all(dim=0), "exactly 0"),
        (lambda Z: (Z <= 0).any(dim=0), "every"),
        (lambda Z: (Z > 0).any(dim=0), "swapped"),
        (lambda Z: (Z <= 0).float().mean(dim=0), "fractions"),
        (lambda Z: (Z <= 0).all(dim=0).long(), "torch.bool"),
        (lambda Z: (Z <= 0).all(dim=0).tolist(), "torch tensor"),
        (lambda Z: (Z <= 0).all(), "shape"),
        (lambda Z: (Z <= -1).all(dim=0), "expected"),
    ],
)
def test_dead_mask_names_the_mistake(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_dead_mask(answer)


def test_which_layer_right_answer(capsys):
    check_which_layer(lambda: ("act1", "b"))
    assert "Passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "layer, reason, match",
    [
        ("act1", None, "reason must be"),
        ("layer 1", "b", "one of"),
        ("act1", "e", "reason must be"),
        ("act2", "b", "act1"),
        ("act1", "a", "gradient norms"),
        ("act1", "c", "at birth"),
        ("act1", "d", "64 units"),
    ],
)
def test_which_layer_wrong_answers(layer, reason, match):
    with pytest.raises(CheckFailed, match=match):
        check_which_layer(lambda: (layer, reason))


def test_which_layer_unfinished_or_malformed():
    def stub():
        raise NotImplementedError

    with pytest.raises(CheckFailed, match="not written yet"):
        check_which_layer(stub)
    with pytest.raises(CheckFailed, match="return two things"):
        check_which_layer(lambda: "act1")


def test_every_reason_has_a_verdict():
    for reason in REASONS:
        if reason == "b":
            check_which_layer(lambda: ("act1", "b"))
        else:
            with pytest.raises(CheckFailed):
                check_which_layer(lambda r=reason: ("act1", r))


def test_p_dead_accepts_the_formula(capsys):
    check_p_dead(lambda n, depth: 1 - (1 - 2.0**-n) ** depth)
    assert "0.944" in capsys.readouterr().out
    check_p_dead(lambda n, depth: torch.tensor(1 - (1 - 0.5**n) ** depth))  # a tensor is fine


@pytest.mark.parametrize(
    "answer, match",
    [
        (lambda n, d: (1 - 2.0**-n) ** d, "alive"),
        (lambda n, d: d * 2.0**-n, "union bound"),
        (lambda n, d: 2.0 ** -(n * d), "every"),
        (lambda n, d: 1 - (1 - 2.0**-d) ** n, "swapped"),
        (lambda n, d: 1 - (1 - 1 / n) ** d, "not right"),
        (lambda n, d: 2.0 + n, "not a probability"),
        (lambda n, d: "0.5", "not right"),
        (lambda n, d: None, "number"),
    ],
)
def test_p_dead_names_the_mistake(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_p_dead(answer)


def test_p_dead_stub():
    def stub(n, d):
        raise NotImplementedError

    with pytest.raises(CheckFailed, match="not written yet"):
        check_p_dead(stub)


# ----------------------------------------------------------------------------- plain-SGD rate


@pytest.mark.parametrize(
    "dead, match",
    [(0.1, "too gentle"), (0.95, "too harsh")],
)
def test_plain_rate_names_the_direction(dead, match):
    with pytest.raises(CheckFailed, match=match):
        check_plain_rate(0.5, measure=lambda lr: dead)


def test_plain_rate_ladder_gets_stronger_the_second_time():
    with pytest.raises(CheckFailed) as first:
        check_plain_rate(0.11, measure=lambda lr: 0.05)
    with pytest.raises(CheckFailed) as second:
        check_plain_rate(0.12, measure=lambda lr: 0.05)
    assert "Second hint" not in str(first.value) or "Second hint" in str(second.value)
    assert "Second hint" in str(second.value)


def test_plain_rate_passes_in_the_band(capsys):
    check_plain_rate(0.9, measure=lambda lr: 0.55)
    assert "Passed" in capsys.readouterr().out


@pytest.mark.parametrize("answer", [None, "fast", -0.5, float("nan")])
def test_plain_rate_refuses_non_rates(answer):
    with pytest.raises(CheckFailed, match="my_lr"):
        check_plain_rate(answer, measure=lambda lr: 0.5)


# ----------------------------------------------------------------------------- reinit_dead


def _reinit(net, X, generator, vote=0.0, bias=0.0, scale=1.0, count=None, rows=True):
    from nnlab import probes

    total = 0
    for dead, fan_in, fan_out in zip(
        probes.dead_units(net, X).values(), (net.fc1, net.fc2), (net.fc2, net.out), strict=True
    ):
        k = int(dead.sum())
        with torch.no_grad():
            if rows:
                fresh = torch.randn(k, fan_in.in_features, generator=generator)
                fan_in.weight[dead] = scale * fresh * (2 / fan_in.in_features) ** 0.5
            fan_in.bias[dead] = bias
            if vote is not None:
                fan_out.weight[:, dead] = vote
        total += k
    return total if count is None else count


def test_reinit_dead_accepts_the_right_answer(capsys):
    check_reinit_dead(_reinit)
    assert "Passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(vote=None), "outputs changed"),
        (dict(rows=False), "unchanged"),
        (dict(bias=1.0), "zero bias"),
        (dict(scale=10.0), "He initialisation"),
        (dict(count=1), "number of units"),
    ],
)
def test_reinit_dead_names_the_mistake(kwargs, match):
    with pytest.raises(CheckFailed, match=match):
        check_reinit_dead(lambda n, X, g: _reinit(n, X, g, **kwargs))


def test_reinit_dead_touching_living_units_is_caught():
    def everyone(net, X, generator):
        with torch.no_grad():
            net.fc1.weight.normal_(generator=generator)
        return 0

    with pytest.raises(CheckFailed):
        check_reinit_dead(everyone)


def test_reinit_dead_recovery_must_rescue(capsys):
    with pytest.raises(CheckFailed, match="rescue"):
        check_reinit_dead(_reinit, recover=lambda f: (0.2, 0.1))
    check_reinit_dead(_reinit, recover=lambda f: (0.9, 0.1))
    assert "0.90 with it" in capsys.readouterr().out
