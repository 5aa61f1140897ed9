import numpy as np
import pytest
import torch

from nnlab.exercises import CheckFailed, call_learner, compare_arrays, compare_scalar
from nnlab.exercises.nb00 import check_accuracy_from_logits


def test_check_failed_renders_as_one_line_without_traceback():
    err = CheckFailed("shape is wrong")
    assert err._render_traceback_() == ["\u274c Check failed: shape is wrong"]
    assert isinstance(err, AssertionError)


def test_call_learner_turns_a_stub_into_a_hint():
    def stub(x):
        raise NotImplementedError

    with pytest.raises(CheckFailed, match="not written yet"):
        call_learner(stub, 1)
    with pytest.raises(CheckFailed, match="ZeroDivisionError"):
        call_learner(lambda x: 1 / 0, 1, name="ratio")
    assert call_learner(lambda x: x + 1, 1) == 2


@pytest.mark.parametrize(
    "got, match",
    [
        (np.ones((3, 2)), "shape"),
        (np.arange(6.0).reshape(3, 2).T, "transposed"),
        (-np.arange(1.0, 7.0).reshape(2, 3), "sign"),
        (2 * np.arange(1.0, 7.0).reshape(2, 3), "factor of about 2"),
        (np.full((2, 3), np.nan), "NaN"),
        (np.arange(1.0, 7.0).reshape(2, 3) + np.eye(2, 3), "largest difference 1"),
        ("abc", "array of numbers"),
    ],
)
def test_compare_arrays_names_the_mistake(got, match):
    expected = np.arange(1.0, 7.0).reshape(2, 3)
    if match == "transposed":
        expected = np.arange(6.0).reshape(3, 2)
        got = expected.T
    with pytest.raises(CheckFailed, match=match):
        compare_arrays("W", got, expected)


def test_compare_arrays_accepts_tensors_within_tolerance():
    expected = np.arange(6.0).reshape(2, 3)
    compare_arrays("W", torch.tensor(expected, dtype=torch.float32) + 1e-7, expected)


@pytest.mark.parametrize(
    "got, match", [(-0.5, "sign"), (1.0, "factor of 2"), ("x", "number"), (0.7, "not right")]
)
def test_compare_scalar_names_the_mistake(got, match):
    with pytest.raises(CheckFailed, match=match):
        compare_scalar("p", got, 0.5)
    compare_scalar("p", 0.5, 0.5)


def test_nb00_check_passes_a_right_answer(capsys):
    check_accuracy_from_logits(lambda lg, lb: (lg.argmax(1) == lb).float().mean().item())
    assert "Passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, match",
    [
        (lambda lg, lb: (lg.argmax(1) == lb).sum().item(), "count"),
        (lambda lg, lb: (lg.argmax(1) == lb).float(), "one number"),
        (lambda lg, lb: (lg.argmax(0)[:4] == lb[:4]).float().mean().item(), "wrong axis"),
        (lambda lg, lb: (lg.argmin(1) == lb).float().mean().item(), "not right"),
    ],
)
def test_nb00_check_explains_wrong_answers(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_accuracy_from_logits(answer)
