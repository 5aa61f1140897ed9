"""Checks of notebook 04: each accepts a right answer and names the typical mistakes."""

import math

import numpy as np
import pytest
import torch

from nnlab.exercises import CheckFailed
from nnlab.exercises.nb04 import (
    CORRECTION_HINTS,
    _ce_curvature_reference,
    check_bias_curvature_ce,
    check_correction_design,
    check_correction_steps,
    check_critical_rate,
    check_gd_step,
)


def test_critical_rate_accepts_two_over_lambda_max(capsys):
    check_critical_rate(lambda A: 2 / np.linalg.eigvalsh(A).max())
    assert "Passed" in capsys.readouterr().out


def test_critical_rate_accepts_a_tensor_or_a_one_element_array(capsys):
    check_critical_rate(lambda A: torch.tensor(2 / np.linalg.eigvalsh(A).max()))
    check_critical_rate(lambda A: np.array([2 / np.linalg.eigvalsh(A).max()]))
    assert capsys.readouterr().out.count("Passed") == 2


def _stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (lambda A: 1 / np.linalg.eigvalsh(A).max(), "wipes out the steepest direction"),
        (lambda A: 2 / np.linalg.eigvalsh(A).min(), "smallest eigenvalue"),
        (lambda A: np.linalg.eigvalsh(A).max() / 2, "2 divided by"),
        (lambda A: 2 * np.linalg.eigvalsh(A).max(), "2 divided by"),
        (lambda A: 2 / np.trace(A), "trace or the average"),
        (lambda A: 2 / np.linalg.eigvalsh(A).mean(), "trace or the average"),
        (lambda A: 2 / np.diag(A).max(), "diagonal entries"),
        (lambda A: 2 / np.linalg.eigvalsh(A), "one number"),
        (lambda A: 0.123, "is not 0.123"),
        (lambda A: "fast", "array of numbers"),
    ],
)
def test_critical_rate_names_the_mistake(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_critical_rate(answer)


def test_gd_step_accepts_the_right_step(capsys):
    check_gd_step(lambda w, A, lr: w - lr * A @ w)
    out = capsys.readouterr().out
    assert "Passed" in out
    # the passing message reports the per-direction factors 1 - 0.1*1 and 1 - 0.1*6
    assert "0.90, 0.40" in out


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (lambda w, A, lr: w + lr * A @ w, "wrong sign"),
        (lambda w, A, lr: w - 2 * lr * A @ w, "the ½ cancels"),
        (lambda w, A, lr: w - A @ w, "forgot the learning rate"),
        (lambda w, A, lr: -lr * A @ w, "returned the step"),
        (lambda w, A, lr: lr * A @ w, "size of the step"),
        (lambda w, A, lr: w - lr * w, "not w"),
        (lambda w, A, lr: (w - lr * A @ w)[None, :], "shape"),
        (lambda w, A, lr: w - lr * A @ w + 0.5, "does not match"),
    ],
)
def test_gd_step_names_the_mistake(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_gd_step(answer)


def test_gd_step_does_not_trust_an_in_place_update(capsys):
    def in_place(w, A, lr):
        w -= lr * A @ w
        return w

    check_gd_step(in_place)  # works on the copy it was given
    assert "Passed" in capsys.readouterr().out


def test_correction_choice(capsys):
    check_correction_steps("b")
    assert "about 1/(lr·h) = 10 steps" in capsys.readouterr().out
    for option, hint in CORRECTION_HINTS.items():
        with pytest.raises(CheckFailed, match=hint[:30].replace("(", r"\(").replace(")", r"\)")):
            check_correction_steps(option)
    with pytest.raises(CheckFailed, match="choose one of"):
        check_correction_steps(None)
    with pytest.raises(CheckFailed, match="not one of the options"):
        check_correction_steps("e")


# --------------------------------------------------------------- exercise 4: design a rate


H = 1.6  # the correction rate of the fake network


def _fake_measure(calls):
    def measure(lr):
        calls.append(lr)
        return 1.1 / (lr * H)  # a network a little slower than the law

    return measure


def test_correction_design_accepts_the_law_and_runs_it(capsys):
    calls = []
    check_correction_design(1 / (40 * H), h=H, steps=40, measure=_fake_measure(calls))
    out = capsys.readouterr().out
    assert "Passed" in out and "40 steps predicted" in out and "took 44 steps" in out
    assert calls == [pytest.approx(1 / (40 * H))]
    # the exact law -1/ln(1 - lr·h) = 40 solved for lr is as good as the approximation
    exact = (1 - math.exp(-1 / 40)) / H
    check_correction_design(exact, h=H, steps=40, measure=_fake_measure([]))


@pytest.mark.parametrize(
    "my_lr, match",
    [
        (None, "set `my_lr`"),
        ("fast", "one number"),
        (-0.1, "positive"),
        (float("nan"), "positive, finite"),
        (2.0, "overshoot"),
        (1 / 40, "leaves out h"),
        (40 * H, "overshoot"),
        (H / 40, "smaller rate"),
        (0.03, "the law predicts about 21 steps"),
    ],
)
def test_correction_design_names_the_mistake(my_lr, match):
    calls = []
    with pytest.raises(CheckFailed, match=match):
        check_correction_design(my_lr, h=H, steps=40, measure=_fake_measure(calls))
    assert calls == []  # a wrong design is not run


def test_correction_design_hint_ladder():
    with pytest.raises(CheckFailed) as first:
        check_correction_design(0.005, h=H, steps=40, measure=_fake_measure([]))
    assert "Second hint" not in str(first.value)
    with pytest.raises(CheckFailed, match="Second hint: the gap needs about 1/\\(lr·h\\)"):
        check_correction_design(0.005, h=H, steps=40, measure=_fake_measure([]))


def test_correction_design_reports_a_run_that_never_corrects():
    with pytest.raises(CheckFailed, match="never shrank"):
        check_correction_design(1 / (40 * H), h=H, steps=40, measure=lambda lr: float("nan"))


# --------------------------------------------------------------- exercise 5: cross-entropy


def _right_ce(logits, c):
    p = torch.softmax(logits, dim=1)[:, c]
    return float((p * (1 - p)).mean())


def test_bias_curvature_ce_accepts_the_right_formula(capsys):
    check_bias_curvature_ce(_right_ce)
    out = capsys.readouterr().out
    assert "Passed" in out and "more slowly" in out


def test_bias_curvature_ce_reference_is_autograds_second_derivative():
    logits = torch.randn(30, 4, dtype=torch.float64)
    assert _ce_curvature_reference(logits, 1) == pytest.approx(_right_ce(logits, 1), rel=1e-9)


def _softmax_c(logits, c):
    return torch.softmax(logits, dim=1)[:, c]


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (lambda L, c: float((_softmax_c(L, c) * (1 - _softmax_c(L, c))).sum()), "a sum"),
        (lambda L, c: float(_softmax_c(L, c).mean()), "mean probability"),
        (lambda L, c: float((1 - _softmax_c(L, c)).mean()), "mean probability"),
        (lambda L, c: float((_softmax_c(L, c) ** 2).mean()), "own slope"),
        (
            lambda L, c: float(
                (torch.softmax(L, 0)[:, c] * (1 - torch.softmax(L, 0)[:, c])).mean()
            ),
            "wrong axis",
        ),
        (
            lambda L, c: float((torch.sigmoid(L[:, c]) * (1 - torch.sigmoid(L[:, c]))).mean()),
            "sigmoid",
        ),
        (lambda L, c: _softmax_c(L, c) * (1 - _softmax_c(L, c)), "one number"),
        (lambda L, c: 0.5, "autograd says"),
    ],
)
def test_bias_curvature_ce_names_the_mistake(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_bias_curvature_ce(answer)


def test_bias_curvature_ce_checks_more_than_one_set_of_logits():
    seen = {}

    def first_only(logits, c):
        if "value" not in seen:
            seen["value"] = _right_ce(logits, c)
        return seen["value"]

    with pytest.raises(CheckFailed, match="larger ones"):
        check_bias_curvature_ce(first_only)
