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
    for key, (model, Xm, ym) in mystery_models(X, y, seed=seed).items():
        report = diagnose(model, Xm, ym, lr=MYSTERY_LR, seed=seed)
        assert report.causes == [_MYSTERY_CAUSES[key]], (key, str(report))


def test_mystery_accepts_the_causes(capsys):
    check_mystery(dict(_MYSTERY_CAUSES))
    assert "Passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, match",
    [
        (None, "dict"),
        ({"A": "labels_unlearnable"}, "no diagnosis yet for model"),
        ({"A": "bad labels", "B": "dead_units", "C": "cannot_overfit"}, "not a code"),
        ({"A": "labels_unlearnable", "B": "dead_units", "C": "double_softmax"}, "do not sum"),
        ({"A": "cannot_overfit", "B": "dead_units", "C": "cannot_overfit"}, "in its data"),
        ({"A": "labels_unlearnable", "B": "cannot_overfit", "C": "cannot_overfit"}, "causes"),
    ],
)
def test_mystery_names_the_mistake(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_mystery(answer)


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
