"""Checks of notebook 00: right answers pass, typical wrong ones get their own hint and ladder.

(The warm-up check ``check_accuracy_from_logits`` has its first tests in
tests/test_exercises_core.py; its hint ladder is tested here.)
"""

from collections import Counter

import pytest
import torch

import nnlab
from nnlab import exercises
from nnlab.exercises import CheckFailed
from nnlab.exercises.nb00 import (
    check_accuracy_from_logits,
    check_boundary_pieces,
    check_kill_unit,
)
from nnlab.probes import dead_units


@pytest.fixture(autouse=True)
def fresh_ladder(monkeypatch):
    """Every test starts at the first rung of every hint ladder."""
    monkeypatch.setattr(exercises, "_SHOWN", Counter())


def _fails(check, *args):
    with pytest.raises(CheckFailed) as failure:
        check(*args)
    return str(failure.value)


# ----------------------------------------------------------------------------- warm-up


def test_the_accuracy_check_climbs_its_ladder_on_a_repeated_count():
    def count(logits, labels):
        return (logits.argmax(1) == labels).sum().item()

    first = _fails(check_accuracy_from_logits, count)
    assert "looks like a count" in first and "Second hint" not in first
    second = _fails(check_accuracy_from_logits, count)
    assert "Second hint: an accuracy is a fraction between 0 and 1" in second


# ----------------------------------------------------------------------------- core


def test_three_pieces_is_right(capsys):
    check_boundary_pieces(3)
    check_boundary_pieces(3.0)
    out = capsys.readouterr().out
    assert out.count("Passed") == 2 and "four regions" in out


@pytest.mark.parametrize(
    "answer, first, second",
    [
        (1, "one straight piece is the one-unit network", "Count the regions"),
        (2, "one piece per unit misses a region", "list the regions"),
        (4, "the boundary cannot cross one of them", "cannot change sign there"),
        (0, "zero pieces means one class everywhere", "one unit already draws"),
        (6, "more pieces than regions", "at most four regions"),
    ],
)
def test_each_wrong_count_gets_its_hint_then_a_stronger_one(answer, first, second):
    message = _fails(check_boundary_pieces, answer)
    assert first in message and "Second hint" not in message
    again = _fails(check_boundary_pieces, answer)
    assert again.startswith(message) and second in again.split("Second hint:")[1]


@pytest.mark.parametrize(
    "answer, match",
    [
        (None, "set `answer` to a whole number"),
        ("3", "whole number of straight pieces"),
        (2.5, "whole number of straight pieces"),
        (True, "whole number of straight pieces"),
        (-1, "cannot be negative"),
    ],
)
def test_answers_that_are_not_a_count_are_refused_plainly(answer, match):
    assert match in _fails(check_boundary_pieces, answer)


def test_the_right_count_is_the_real_maximum():
    """A [2, 2, 2] net with hand-set weights shows three straight pieces; no region gives more.

    Units switch on along x1 = 0 and x2 = 0; the logit difference is
    relu(x1) + relu(x2) - 1 (+ 0 where both are off). Its zero set: x1 = 1 (x2 <= 0),
    x2 = 1 (x1 <= 0) and x1 + x2 = 1 (both on): three segments, as the check says.
    """
    net = nnlab.MLP([2, 2, 2])
    with torch.no_grad():
        net.fc1.weight.copy_(torch.eye(2))
        net.fc1.bias.zero_()
        net.out.weight.copy_(torch.tensor([[1.0, 1.0], [0.0, 0.0]]))
        net.out.bias.copy_(torch.tensor([-1.0, 0.0]))
    probes = {  # (point just left of the piece, point just right of it)
        "x1 = 1, x2 < 0": ([0.9, -2.0], [1.1, -2.0]),
        "x2 = 1, x1 < 0": ([-2.0, 0.9], [-2.0, 1.1]),
        "x1 + x2 = 1": ([0.4, 0.5], [0.6, 0.5]),
    }
    for left, right in probes.values():
        pred = net(torch.tensor([left, right])).argmax(1)
        assert pred[0] != pred[1]
    off = net(torch.tensor([[-1.0, -1.0], [-3.0, -0.5], [-0.1, -4.0]])).argmax(1)
    assert (off == off[0]).all(), "where both units are off, one class: no boundary"


# ----------------------------------------------------------------------------- stretch

torch.manual_seed(0)
X_DIGITS = nnlab.load_digits()[0][:200]
NET = nnlab.MLP([64, 8, 10])
UNIT = 3


def _edit(change):
    def kill_unit(model, k):
        with torch.no_grad():
            change(model, k)
        return model

    return kill_unit


def _fires(net, k):
    return bool(~dead_units(net, X_DIGITS)["act1"][k])


def test_the_chosen_unit_fires_before_the_check():
    assert _fires(NET, UNIT)


@pytest.mark.parametrize(
    "change",
    [
        lambda m, k: m.fc1.bias.__setitem__(k, -1.0 - m.fc1.weight[k].clamp(min=0).sum()),
        lambda m, k: (m.fc1.weight[k].zero_(), m.fc1.bias.__setitem__(k, 0.0)),
        lambda m, k: (m.fc1.weight[k].fill_(-1.0), m.out.weight[:, k].zero_()),
    ],
    ids=["bias below every image", "zero row and bias", "negative row, vote cut too"],
)
def test_a_dead_unit_passes_and_the_model_is_not_touched(capsys, change):
    before = {k: v.clone() for k, v in NET.state_dict().items()}
    check_kill_unit(_edit(change), NET, X_DIGITS, UNIT)
    assert f"unit {UNIT} fired on" in capsys.readouterr().out
    assert all(torch.equal(v, NET.state_dict()[k]) for k, v in before.items())


def test_by_default_the_most_active_unit_is_the_one_to_kill(capsys):
    check_kill_unit(_edit(lambda m, k: m.fc1.bias.__setitem__(k, -1e3)), NET, X_DIGITS)
    busiest = int(nnlab.probes.active_fraction(NET, X_DIGITS)["act1"].argmax())
    assert f"unit {busiest} fired on" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change, first, second",
    [
        (
            lambda m, k: m.out.weight[:, k].zero_(),
            "you changed its vote (its outgoing weights), not its activity",
            "w·x + b > 0",
        ),
        (
            lambda m, k: m.fc1.bias.__setitem__(k, m.fc1.bias[k] - 0.01),
            "still fires on",
            "bounded by the sum of the positive weights",
        ),
        (
            lambda m, k: m.fc1.weight[:, k].fill_(-5.0),
            "you changed a column of fc1.weight",
            f"fc1.weight[{UNIT}]",
        ),
    ],
    ids=["silenced, not killed", "a nudge, not enough", "a column, not a row"],
)
def test_typical_mistakes_get_their_hint_then_a_stronger_one(change, first, second):
    kill_unit = _edit(change)
    message = _fails(check_kill_unit, kill_unit, NET, X_DIGITS, UNIT)
    assert first in message and "Second hint" not in message
    again = _fails(check_kill_unit, kill_unit, NET, X_DIGITS, UNIT)
    assert again.startswith(message) and second in again.split("Second hint:")[1]


@pytest.mark.parametrize(
    "kill_unit, match",
    [
        (_edit(lambda m, k: m.fc1.bias.fill_(-100.0)), "other units' biases changed"),
        (_edit(lambda m, k: m.fc1.weight[:4].fill_(-1.0)), "other units' incoming weights"),
        (_edit(lambda m, k: m.fc1.bias.__setitem__(k, float("nan"))), "NaN or infinite"),
        (
            _edit(lambda m, k: (m.fc1.bias.__setitem__(k, -1e3), m.out.bias.fill_(1.0))),
            "out.bias changed",
        ),
        (
            _edit(lambda m, k: (m.fc1.bias.__setitem__(k, -1e3), m.out.weight[:, 0].zero_())),
            "other units' votes",
        ),
        (lambda m, k: None, "returned None"),
        (lambda m, k: "done", "should return the model"),
        (lambda m, k: nnlab.MLP([64, 8, 8, 10]), "should return the model"),
    ],
)
def test_other_wrong_answers_are_named(kill_unit, match):
    assert match in _fails(check_kill_unit, kill_unit, NET, X_DIGITS, UNIT)


def test_an_unfinished_stub_gets_the_usual_hint():
    def kill_unit(model, k):
        raise NotImplementedError("make unit k dead on the training images")

    assert "not written yet" in _fails(check_kill_unit, kill_unit, NET, X_DIGITS, UNIT)


@pytest.mark.parametrize(
    "args, error, match",
    [
        (("net", X_DIGITS), TypeError, "model must be a torch.nn.Module"),
        ((torch.nn.Linear(64, 10), X_DIGITS), ValueError, "nnlab MLP"),
        ((nnlab.MLP([64, 8, 10], activation="tanh"), X_DIGITS), ValueError, "ReLU"),
        ((NET, X_DIGITS[:, :10]), ValueError, "X must have shape"),
        ((NET, X_DIGITS, 8), ValueError, "unit must be an integer in"),
    ],
)
def test_bad_arguments_are_refused(args, error, match):
    with pytest.raises(error, match=match):
        check_kill_unit(lambda m, k: m, *args)
