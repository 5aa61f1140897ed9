"""Checks of notebook 02: each accepts a right answer and names the typical mistakes."""

import pytest
import torch

from nnlab.exercises import CheckFailed
from nnlab.exercises.nb02 import REASONS, check_dead_mask, check_p_dead, check_which_layer


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
