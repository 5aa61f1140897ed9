"""Checks of notebook 07: each accepts a right answer and names the typical mistakes."""

import numpy as np
import pytest
import torch

from nnlab.exercises import CheckFailed
from nnlab.exercises.nb07 import check_feature_dimensionality, check_recovery, check_revive


def _right_recovery(decoder, true_dirs):
    a = decoder / torch.linalg.norm(decoder, dim=0, keepdim=True)
    b = true_dirs / torch.linalg.norm(true_dirs, dim=0, keepdim=True)
    return float((b.T @ a).max(dim=1).values.mean())


def _stub(*args):
    raise NotImplementedError


def test_recovery_accepts_the_right_score(capsys):
    check_recovery(_right_recovery)
    check_recovery(lambda d, t: torch.tensor(_right_recovery(d, t)))
    assert capsys.readouterr().out.count("Passed") == 2


def _unit(a):
    return a / a.norm(dim=0, keepdim=True)


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (lambda d, t: float((_unit(t).T @ _unit(d)).max(dim=0).values.mean()), "decoder columns"),
        (lambda d, t: float((_unit(t).T @ _unit(d)).abs().max(dim=1).values.mean()), r"\|cos\|"),
        (lambda d, t: float((t.T @ d).max(dim=1).values.mean()), "dot products"),
        (lambda d, t: float((_unit(t).T @ d).max(dim=1).values.mean()), "dot products"),
        (lambda d, t: float((_unit(t).T @ _unit(d)).mean()), "best cosine for each"),
        (lambda d, t: (_unit(t).T @ _unit(d)).max(dim=1).values, "one number"),
        (lambda d, t: 0.5, "not the expected"),
    ],
)
def test_recovery_names_the_mistake(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_recovery(answer)


def test_revive_accepts_b_and_explains_the_others(capsys):
    check_revive("b")
    assert "Passed" in capsys.readouterr().out
    for wrong, match in (("a", "resampling"), ("c", "more steps"), ("d", "best point")):
        with pytest.raises(CheckFailed, match=match):
            check_revive(wrong)
    with pytest.raises(CheckFailed, match="choose one"):
        check_revive(None)


def _right_dim(W):
    norms = np.linalg.norm(W, axis=0)
    return norms**2 / (((W / norms).T @ W) ** 2).sum(axis=1)


def test_feature_dimensionality_accepts_the_definition(capsys):
    check_feature_dimensionality(_right_dim)
    check_feature_dimensionality(lambda W: torch.from_numpy(_right_dim(W)))
    assert capsys.readouterr().out.count("Passed") == 2


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (lambda W: np.linalg.norm(W, axis=1), "one per hidden dimension"),
        (
            lambda W: (
                np.linalg.norm(W, axis=0)
                / np.abs((W / np.linalg.norm(W, axis=0)).T @ W).sum(axis=1)
            ),
            "square the overlaps",
        ),
        (
            lambda W: np.linalg.norm(W, axis=0) ** 2 / ((W.T @ W) ** 2).sum(axis=1),
            "unit vector",
        ),
        (lambda W: 2 * _right_dim(W), "constant factor"),
        (lambda W: "two fifths", "array of numbers"),
    ],
)
def test_feature_dimensionality_names_the_mistake(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_feature_dimensionality(answer)
