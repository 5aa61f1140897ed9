"""The notebook 09 checks: a right answer passes, typical wrong answers get their own hint."""

import pytest
import torch

from nnlab.exercises import CheckFailed
from nnlab.exercises.nb09 import check_flip_reason, check_revive, check_vote_rate


def test_vote_rate_right_and_wrong(capsys):
    check_vote_rate(lambda a: float(2 * (a**2).mean()))
    assert "Passed" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="factor of 2"):
        check_vote_rate(lambda a: float((a**2).mean()))
    with pytest.raises(CheckFailed, match="sum"):
        check_vote_rate(lambda a: float(2 * (a**2).sum()))
    with pytest.raises(CheckFailed, match="mean a"):
        check_vote_rate(lambda a: float(2 * a.mean() ** 2))


def test_flip_reason(capsys):
    check_flip_reason("b")
    assert "Passed" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="printed h"):
        check_flip_reason("a")


def _revive_right(stack, unit, X):
    fresh = stack.clone()
    k = torch.arange(fresh.K)
    with torch.no_grad():
        w = torch.randn(fresh.K, X.shape[1], generator=torch.Generator().manual_seed(0))
        fresh.weights[0][k, unit] = w
        fresh.biases[0][k, unit] = -(w @ X.T).median(1).values
        fresh.weights[1][k, :, unit] = 0.0
    return fresh


def test_revive_right_and_wrong(capsys):
    check_revive(_revive_right)
    assert "Passed" in capsys.readouterr().out

    def keeps_vote(stack, unit, X):
        fresh = _revive_right(stack, unit, X)
        k = torch.arange(fresh.K)
        fresh.weights[1][k, :, unit] = 1.0
        return fresh

    with pytest.raises(CheckFailed, match="output changed"):
        check_revive(keeps_vote)

    def in_place(stack, unit, X):
        with torch.no_grad():
            stack.biases[0][:] += 0.0
            stack.weights[0][torch.arange(stack.K), unit] += 1.0
        return stack

    with pytest.raises(CheckFailed, match="changed the stack"):
        check_revive(in_place)

    def still_dead(stack, unit, X):
        fresh = stack.clone()
        fresh.weights[1][torch.arange(fresh.K), :, unit] = 0.0
        return fresh

    with pytest.raises(CheckFailed, match="fires on no row"):
        check_revive(still_dead)
