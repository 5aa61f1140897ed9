"""Checks of notebook 08: each accepts a right answer and names the typical mistakes; the
mystery models are diagnosed by the doctor as the check expects."""

import copy
import math

import pytest
import torch

import nnlab
from nnlab.doctor import diagnose
from nnlab.exercises import CheckFailed
from nnlab.exercises.nb08 import (
    _C_FLOOR,
    _MYSTERY_CAUSES,
    MYSTERY_LR,
    check_expected_initial_loss,
    check_forgets_zero_grad,
    check_mystery,
    mystery_models,
)


def _stub(*args):
    raise NotImplementedError


def test_expected_initial_loss_accepts_ln_c(capsys):
    check_expected_initial_loss(lambda c: math.log(c))
    check_expected_initial_loss(lambda c: torch.tensor(float(c)).log())
    assert capsys.readouterr().out.count("Passed") == 2


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (lambda c: 1 / c, "probability of the right class"),
        (lambda c: math.log10(c), "wrong base"),
        (lambda c: math.log2(c), "wrong base"),
        (lambda c: -math.log(c), "the sign"),
        (lambda c: float(c), "uniform guess"),
        (lambda c: [1.0, 2.0], "2 numbers"),
    ],
)
def test_expected_initial_loss_names_the_mistake(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_expected_initial_loss(answer)


@pytest.fixture(scope="module")
def digits():
    X, y = nnlab.load_digits()
    return nnlab.stratified_split(X, y)["train"]


@pytest.mark.parametrize("seed", [0, 5])
def test_the_doctor_finds_each_mystery_cause(digits, seed):
    X, y = digits
    expected = {**_MYSTERY_CAUSES, "C": "cannot_overfit"}
    for key, (model, Xm, ym) in mystery_models(X, y, seed=seed).items():
        report = diagnose(model, Xm, ym, lr=MYSTERY_LR, seed=seed)
        assert report.causes == [expected[key]], (key, str(report))
        if key == "C":  # the doctor's best loss sits on the floor the exercise asks for
            assert _C_FLOOR - 1e-4 <= report.measured["overfit_loss"] < _C_FLOOR + 0.05


def test_c_floor_is_the_best_softmax_of_outputs_in_0_1():
    """An independent reference: cross-entropy of the best outputs in [0, 1], by torch."""
    logits = torch.zeros(1, 10)
    logits[0, 3] = 1.0
    best = float(torch.nn.functional.cross_entropy(logits, torch.tensor([3])))
    assert math.isclose(best, _C_FLOOR, rel_tol=1e-6)
    for _ in range(200):  # no other outputs in [0, 1] do better
        other = torch.rand(1, 10)
        assert float(torch.nn.functional.cross_entropy(other, torch.tensor([3]))) >= best


RIGHT = {"A": "labels_unlearnable", "B": "dead_units"}


def test_mystery_accepts_the_causes_and_the_floor(capsys):
    check_mystery(dict(_MYSTERY_CAUSES), math.log(9 + math.e) - 1)
    check_mystery({**RIGHT, "C": "cannot_overfit"}, 1.4612)  # a "C" entry is ignored
    assert capsys.readouterr().out.count("Passed") == 2


@pytest.mark.parametrize(
    "answer, floor, match",
    [
        (None, None, "dict"),
        ({"A": "labels_unlearnable"}, None, "no diagnosis yet for model"),
        ({"A": "bad labels", "B": "dead_units"}, None, "not a code"),
        ({"A": "cannot_overfit", "B": "dead_units"}, None, "in its data"),
        ({"A": "labels_unlearnable", "B": "cannot_overfit"}, None, "causes"),
        (RIGHT, None, "No c_floor yet"),
        (RIGHT, [1.0, 2.0], "2 numbers"),
        (RIGHT, 1.46, "rounded"),
        (RIGHT, math.log(10), "ten equal outputs"),
        (RIGHT, math.log(10 + math.e) - 1, "wrong"),
        (RIGHT, math.log(1 + math.exp(-1)), "own"),
        (RIGHT, 0.0, "which outputs"),
    ],
)
def test_mystery_names_the_mistake(answer, floor, match):
    with pytest.raises(CheckFailed, match=match):
        check_mystery(answer, floor)


def _right(step, model, X, y):
    probe = copy.deepcopy(model)
    step(probe, X, y, 0.0)
    first = [None if p.grad is None else p.grad.clone() for p in probe.parameters()]
    step(probe, X, y, 0.0)
    return any(
        g is not None and not torch.allclose(p.grad, g)
        for p, g in zip(probe.parameters(), first, strict=True)
    )


def _in_place(step, model, X, y):  # right idea, but on the learner's own model
    step(model, X, y, 0.0)
    first = [p.grad.clone() for p in model.parameters()]
    step(model, X, y, 0.0)
    return any(
        not torch.allclose(p.grad, g) for p, g in zip(model.parameters(), first, strict=True)
    )


def _moving(step, model, X, y):  # a non-zero rate: the weights move, gradients differ anyway
    probe = copy.deepcopy(model)
    step(probe, X, y, 0.5)
    first = [p.grad.clone() for p in probe.parameters()]
    step(probe, X, y, 0.5)
    return any(
        not torch.allclose(p.grad, g) for p, g in zip(probe.parameters(), first, strict=True)
    )


def test_forgets_zero_grad_accepts_a_right_detector(capsys):
    check_forgets_zero_grad(_right)
    assert "Passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (lambda step, model, X, y: "yes", "return True or False"),
        (_in_place, "changed the model"),
        (_moving, "on a correct step you answered True"),
        (lambda step, model, X, y: False, "without zero_grad you answered False"),
    ],
)
def test_forgets_zero_grad_names_the_mistake(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_forgets_zero_grad(answer)
