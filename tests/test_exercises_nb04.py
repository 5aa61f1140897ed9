"""Checks of notebook 04: each accepts a right answer and names the typical mistakes."""

import numpy as np
import pytest
import torch

from nnlab.exercises import CheckFailed
from nnlab.exercises.nb04 import (
    CORRECTION_HINTS,
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
