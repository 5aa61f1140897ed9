import numpy as np
import pytest
import torch

from nnlab.exercises import (
    CheckFailed,
    call_learner,
    check_multiple_choice,
    compare_arrays,
    compare_reduction,
    compare_scalar,
)
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


# --- compare_reduction: the wrong axis, keepdims, sum for mean ---------------------------

SOURCE = np.arange(1.0, 13.0).reshape(3, 4) ** 1.5  # not symmetric in any way


@pytest.mark.parametrize(
    "got, match",
    [
        (SOURCE.mean(axis=0), "over axis 0 \\(length 3\\); take it over axis 1 \\(length 4\\)"),
        (SOURCE.mean(), "over every entry"),
        (SOURCE.mean(axis=1, keepdims=True), "keeps the reduced axis"),
        (SOURCE.sum(axis=1), "is a sum: divide by the 4 entries"),
        (-SOURCE.mean(axis=1), "wrong sign"),
        (SOURCE.mean(axis=1)[:2], "shape"),
    ],
)
def test_compare_reduction_names_the_mistake(got, match):
    with pytest.raises(CheckFailed, match=match):
        compare_reduction("row means", got, SOURCE, "mean", axis=1)


def test_compare_reduction_accepts_right_answers_from_torch_and_negative_axes():
    tensor = torch.tensor(SOURCE)
    compare_reduction("row means", tensor.mean(dim=1), SOURCE, "mean", axis=1)
    compare_reduction("row means", tensor.mean(dim=-1), tensor, "mean", axis=-1)
    compare_reduction("winners", tensor.argmax(dim=0), SOURCE, "argmax", axis=0)
    compare_reduction("norms", tensor.norm(dim=1), SOURCE, "norm", axis=1)


def test_compare_reduction_finds_a_wrong_axis_on_square_inputs_and_a_mean_for_a_sum():
    square = np.array([[0.0, 5.0, 1.0], [9.0, 2.0, 3.0], [4.0, 8.0, 7.0]])
    with pytest.raises(CheckFailed, match="argmax over axis 1"):
        compare_reduction("winners", square.argmax(axis=1), square, "argmax", axis=0)
    with pytest.raises(CheckFailed, match="is a mean"):
        compare_reduction("totals", square.mean(axis=0), square, "sum", axis=0)


def test_compare_reduction_rejects_bad_arguments():
    with pytest.raises(ValueError, match="reduce must be one of"):
        compare_reduction("x", SOURCE.mean(1), SOURCE, "median", axis=1)
    with pytest.raises(ValueError, match="axis must be an int"):
        compare_reduction("x", SOURCE.mean(1), SOURCE, "mean", axis=2)


# --- check_multiple_choice: a hint per wrong option -----------------------------------------

CHOICE = dict(
    correct="b",
    hints={"a": "A unit with zero gradient cannot move.", "c": "Weight decay only shrinks."},
    success="b: nothing revives it.",
)


@pytest.mark.parametrize(
    "answer, match",
    [
        (None, "choose one of 'a', 'b', 'c': set `answer` to your choice"),
        ("", "choose one of"),
        ("d", "'d' is not one of the options 'a', 'b', 'c'"),
        ("a", "A unit with zero gradient cannot move. \\(you chose 'a'"),
        (" (C) ", "Weight decay only shrinks."),
    ],
)
def test_check_choice_gives_the_hint_of_the_option_chosen(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_multiple_choice(answer, **CHOICE)


def test_check_choice_passes_the_right_option_whatever_its_spelling(capsys):
    for answer in ("b", "B", "(b)", "'b'", "b."):
        check_multiple_choice(answer, **CHOICE)
    assert capsys.readouterr().out.count("\u2705 Passed: b: nothing revives it.") == 5
    check_multiple_choice(2, correct="2", hints={"1": "no", "3": "no"})
    assert "'2' is right." in capsys.readouterr().out


def test_check_choice_rejects_a_badly_written_question():
    with pytest.raises(ValueError, match="correct must be one of"):
        check_multiple_choice("a", correct="z", hints={"a": "no"}, options=("a", "b"))
    with pytest.raises(ValueError, match="one hint for each wrong option"):
        check_multiple_choice("a", correct="b", hints={"a": "no"}, options=("a", "b", "c"))


def test_the_hint_ladder_gives_a_stronger_hint_the_second_time():
    import pytest

    from nnlab.exercises import CheckFailed, fail

    first = "look at the sign of the slope (ladder test)."
    with pytest.raises(CheckFailed) as once:
        fail(first, stronger="the slope is negative where the loss falls.")
    assert str(once.value) == first
    with pytest.raises(CheckFailed) as twice:
        fail(first, stronger="the slope is negative where the loss falls.")
    assert str(twice.value) == f"{first} Second hint: the slope is negative where the loss falls."
    with pytest.raises(TypeError, match="message"):
        fail(first, stronger=3)
