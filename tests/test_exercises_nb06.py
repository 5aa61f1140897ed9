"""The notebook 06 checks: a right answer passes, typical wrong answers get their own hint."""

import math

import numpy as np
import pytest

from nnlab.exercises import CheckFailed
from nnlab.exercises.nb06 import (
    check_feedback_scale,
    check_inputs_choice,
    check_kp_gap,
    check_lillicrap_angle,
)


# ----------------------------------------------------------------------------- the angle
def angle_right(a, b):
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return float(np.degrees(np.arccos(np.clip(cos, -1, 1))).mean())


def angle_radians(a, b):
    return math.radians(angle_right(a, b))


def angle_whole(a, b):
    return angle_right(a.reshape(1, -1), b.reshape(1, -1))


def angle_mean_cos(a, b):
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return float(cos.mean())


def angle_of_mean_cos(a, b):
    return math.degrees(math.acos(angle_mean_cos(a, b)))


def test_angle_check_passes_the_right_answer(capsys):
    check_lillicrap_angle(angle_right)
    assert "Passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "func, hint",
    [
        (angle_radians, "radians"),
        (angle_whole, "whole matrices"),
        (angle_mean_cos, "mean cosine"),
        (angle_of_mean_cos, "averaged the cosines"),
        (lambda a, b: 45.0, "expected"),
        (lambda a, b: float("nan"), "clip"),
        (lambda a, b: "ninety", "one number"),
    ],
)
def test_angle_check_names_the_mistake(func, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_lillicrap_angle(func)


def test_angle_check_turns_a_stub_into_a_hint():
    def stub(a, b):
        raise NotImplementedError("write me")

    with pytest.raises(CheckFailed):
        check_lillicrap_angle(stub)


# ----------------------------------------------------------------------------- the choice
def test_inputs_choice(capsys):
    check_inputs_choice("a")
    assert "Passed" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="weight perturbation's price"):
        check_inputs_choice("b")
    with pytest.raises(CheckFailed, match="twice over"):
        check_inputs_choice("c")
    with pytest.raises(CheckFailed, match="choose one"):
        check_inputs_choice(None)


# ----------------------------------------------------------------------------- KP's law
def test_kp_check_passes_the_right_answer_and_agrees_with_a_run(capsys):
    check_kp_gap(lambda g, lr, wd, t: g * (1 - lr * wd) ** t)
    out = capsys.readouterr().out
    assert "Passed" in out
    measured, yours = (
        float(x) for x in out.split("measured gap ")[1].split("\n")[0].split(", your kp_gap ")
    )
    assert math.isclose(measured, yours, rel_tol=1e-9)


@pytest.mark.parametrize(
    "func, hint",
    [
        (lambda g, lr, wd, t: g * math.exp(-lr * wd * t), "smooth approximation"),
        (lambda g, lr, wd, t: g * (1 - lr * wd * t), "fixed factor"),
        (lambda g, lr, wd, t: g * (1 - wd) ** t, "lr times the weight decay"),
        (lambda g, lr, wd, t: g * (1 - lr) ** t, "lr times the weight decay"),
        (lambda g, lr, wd, t: g, "cancel"),
        (lambda g, lr, wd, t: g * 0.5, "expected"),
    ],
)
def test_kp_check_names_the_mistake(func, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_kp_gap(func)


# ----------------------------------------------------------------------------- the trap
def test_feedback_scale_check(capsys):
    check_feedback_scale(10.0)
    assert "Passed" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="still behind"):
        check_feedback_scale(1.0)
    with pytest.raises(CheckFailed, match="positive"):
        check_feedback_scale(-3.0)
    with pytest.raises(CheckFailed, match="set `my_scale`"):
        check_feedback_scale(None)
    with pytest.raises(CheckFailed, match="one number"):
        check_feedback_scale("ten")
    with pytest.raises(CheckFailed, match="saturate"):
        check_feedback_scale(1e6)
