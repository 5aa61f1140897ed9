"""Checks of notebook 03: each accepts a right answer and names the typical mistakes."""

import pytest
import torch

from nnlab.exercises import CheckFailed
from nnlab.exercises.nb03 import (
    CURVE,
    SLOWEST_HINTS,
    check_add_label_noise,
    check_early_stopping,
    check_slowest,
)

# ----------------------------------------------------------------------- early stopping


def right_early_stopping(val_loss, patience):
    best, best_epoch = float("inf"), 0
    for epoch, value in enumerate(val_loss, start=1):
        if value < best:
            best, best_epoch = value, epoch
        elif epoch - best_epoch >= patience:
            return best_epoch, epoch
    return best_epoch, len(val_loss)


def test_early_stopping_reference_on_the_documented_curve():
    assert right_early_stopping(CURVE, 3) == (5, 8)
    assert min(range(len(CURVE)), key=CURVE.__getitem__) + 1 == 17  # the dip it never sees


def test_early_stopping_accepts_the_right_answer(capsys):
    check_early_stopping(right_early_stopping)
    assert "Passed" in capsys.readouterr().out


def test_early_stopping_accepts_tensors_and_floats(capsys):
    def as_tensors(val_loss, patience):
        best, stop = right_early_stopping(val_loss, patience)
        return torch.tensor(best), float(stop)

    check_early_stopping(as_tensors)
    assert "Passed" in capsys.readouterr().out


def _stub(val_loss, patience):
    raise NotImplementedError


def _zero_based(val_loss, patience):
    best, stop = right_early_stopping(val_loss, patience)
    return best - 1, stop - 1


def _global_min(val_loss, patience):
    best = min(range(len(val_loss)), key=val_loss.__getitem__) + 1
    return best, min(best + patience, len(val_loss))


def _argmax(val_loss, patience):
    return max(range(len(val_loss)), key=val_loss.__getitem__) + 1, len(val_loss)


def _stop_at_best(val_loss, patience):
    best, _ = right_early_stopping(val_loss, patience)
    return best, best


def _off_by_one(val_loss, patience):
    best, stop = right_early_stopping(val_loss, patience)
    return best, stop + 1 if stop < len(val_loss) else stop


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (_zero_based, "count from 1"),
        (_global_min, "never saw it"),
        (_argmax, "highest"),
        (_stop_at_best, "after `patience` epochs"),
        (_off_by_one, "off by one"),
        (lambda v, p: 5, "two numbers"),
        (lambda v, p: (5.5, 8), "whole numbers"),
        (lambda v, p: (torch.tensor([5, 6]), 8), "one number"),
    ],
)
def test_early_stopping_names_the_mistake(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_early_stopping(answer)


# -------------------------------------------------------------------------- label noise


def right_noise(y, fraction, num_classes, generator):
    y = y.clone()
    k = round(fraction * len(y))
    rows = torch.randperm(len(y), generator=generator)[:k]
    y[rows] = (y[rows] + torch.randint(1, num_classes, (k,), generator=generator)) % num_classes
    return y


def test_label_noise_accepts_the_right_answer(capsys):
    check_add_label_noise(right_noise)
    assert "Passed" in capsys.readouterr().out


def test_label_noise_accepts_nnlab_helper(capsys):
    from nnlab.generalization import noisy_labels

    check_add_label_noise(lambda y, f, C, g: noisy_labels(y, f, C, g)[0])
    assert "Passed" in capsys.readouterr().out


def _any_class(y, fraction, C, g):
    y = y.clone()
    k = round(fraction * len(y))
    rows = torch.randperm(len(y), generator=g)[:k]
    y[rows] = torch.randint(0, C, (k,), generator=g)
    return y


def _bernoulli(y, fraction, C, g):
    y = y.clone()
    rows = torch.rand(len(y), generator=g) < fraction
    k = int(rows.sum())
    y[rows] = (y[rows] + torch.randint(1, C, (k,), generator=g)) % C
    return y


def _in_place(y, fraction, C, g):
    k = round(fraction * len(y))
    rows = torch.randperm(len(y), generator=g)[:k]
    y[rows] = (y[rows] + torch.randint(1, C, (k,), generator=g)) % C
    return y


def _first_rows(y, fraction, C, g):
    y = y.clone()
    k = round(fraction * len(y))
    y[:k] = (y[:k] + torch.randint(1, C, (k,), generator=g)) % C
    return y


def _next_class(y, fraction, C, g):
    y = y.clone()
    k = round(fraction * len(y))
    rows = torch.randperm(len(y), generator=g)[:k]
    y[rows] = (y[rows] + 1) % C
    return y


def _unseeded(y, fraction, C, g):
    y = y.clone()
    k = round(fraction * len(y))
    rows = torch.randperm(len(y))[:k]
    y[rows] = (y[rows] + torch.randint(1, C, (k,))) % C
    return y


@pytest.mark.parametrize(
    "answer, match",
    [
        (lambda y, f, C, g: (_ for _ in ()).throw(NotImplementedError()), "not written yet"),
        (_any_class, "other"),
        (_bernoulli, "exactly"),
        (_in_place, "in place"),
        (_first_rows, "at random"),
        (_next_class, "spread"),
        (_unseeded, "generator"),
        (lambda y, f, C, g: right_noise(y, f, C, g).float(), "integers"),
        (lambda y, f, C, g: right_noise(y, f, C, g).tolist(), "torch tensor"),
        (lambda y, f, C, g: right_noise(y, f, C, g)[:-1], "one label per example"),
        (lambda y, f, C, g: right_noise(y, f, C, g) + C, "0..9"),
        (lambda y, f, C, g: right_noise(y, f / 2, C, g), "expected"),
    ],
)
def test_label_noise_names_the_mistake(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_add_label_noise(answer)


# ------------------------------------------------------------------------ slowest fit


def test_slowest_right_answer(capsys):
    check_slowest("c")
    assert "Passed" in capsys.readouterr().out
    check_slowest("(C)")


@pytest.mark.parametrize("wrong", sorted(SLOWEST_HINTS))
def test_slowest_wrong_answers_get_their_hint(wrong):
    with pytest.raises(CheckFailed, match=SLOWEST_HINTS[wrong][:30]):
        check_slowest(wrong)


def test_slowest_unanswered():
    with pytest.raises(CheckFailed, match="choose one of"):
        check_slowest(None)


# ----------------------------------------------------------------------- width prediction


def test_width_prediction_accepts_b_and_explains_each_wrong_option(capsys):
    from nnlab.exercises.nb03 import WIDTH_HINTS, check_width_prediction

    check_width_prediction("b")
    assert "Passed" in capsys.readouterr().out
    for option, hint in WIDTH_HINTS.items():
        with pytest.raises(CheckFailed) as err:
            check_width_prediction(option)
        assert hint[:40] in str(err.value)
    with pytest.raises(CheckFailed, match="answer_width"):
        check_width_prediction(None)


# ----------------------------------------------------------------------- calibration error


def right_calibration_error(confidence, correct, bins):
    which = (confidence * bins).long().clamp(max=bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            gap = correct[inside].float().mean() - confidence[inside].mean()
            total += float(inside.float().mean() * gap.abs())
    return total


def test_calibration_error_accepts_the_right_answer_and_a_tensor(capsys):
    from nnlab.exercises.nb03 import check_calibration_error

    check_calibration_error(right_calibration_error)
    check_calibration_error(lambda c, r, b: torch.tensor(right_calibration_error(c, r, b)))
    assert capsys.readouterr().out.count("Passed") == 2


def test_calibration_error_reference_against_a_hand_example():
    from nnlab.exercises.nb03 import _calibration_error

    confidence = torch.tensor([0.95, 0.95, 0.55, 1.0])
    correct = torch.tensor([True, False, True, True])
    # bin 9 (0.95, 0.95, 1.0): accuracy 2/3, confidence 0.9667; bin 5 (0.55): 1 vs 0.55
    expected = 0.75 * abs(2 / 3 - 2.9 / 3) + 0.25 * 0.45
    assert _calibration_error(confidence, correct, 10) == pytest.approx(expected)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        ("unweighted", "as equals"),
        ("signed", "cancelled"),
        ("one_bin", "cancelled"),
        ("off", "expected an ECE"),
    ],
)
def test_calibration_error_names_each_typical_mistake(wrong, hint):
    from nnlab.exercises.nb03 import check_calibration_error

    def learner(confidence, correct, bins):
        which = (confidence * bins).long().clamp(max=bins - 1)
        gaps, shares = [], []
        for b in range(bins):
            inside = which == b
            if inside.any():
                gaps.append(float(correct[inside].float().mean() - confidence[inside].mean()))
                shares.append(float(inside.float().mean()))
        if wrong == "unweighted":
            return sum(abs(g) for g in gaps) / len(gaps)
        if wrong == "signed":
            return sum(s * g for s, g in zip(shares, gaps, strict=True))
        if wrong == "one_bin":
            return abs(float(correct.float().mean() - confidence.mean()))
        return right_calibration_error(confidence, correct, bins) + 0.01

    with pytest.raises(CheckFailed, match=hint):
        check_calibration_error(learner)
    with pytest.raises(CheckFailed, match="Second hint"):  # the same mistake again
        check_calibration_error(learner)
