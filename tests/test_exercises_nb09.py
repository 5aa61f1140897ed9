"""The notebook 09 checks: a right answer passes, typical wrong answers get their own hint."""

import pytest
import torch

from nnlab.exercises import CheckFailed
from nnlab.exercises.nb09 import check_bias_rate, check_died_first, check_revive


def test_bias_rate_right_and_wrong(capsys):
    check_bias_rate(lambda v, z: float(2 * v**2 * (z > 0).double().mean()))
    assert "Passed" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="factor of 2"):
        check_bias_rate(lambda v, z: float(v**2 * (z > 0).double().mean()))
    with pytest.raises(CheckFailed, match="Square it"):
        check_bias_rate(lambda v, z: float(2 * abs(v) * (z > 0).double().mean()))
    with pytest.raises(CheckFailed, match="only where it fires"):
        check_bias_rate(lambda v, z: float(2 * v**2))
    with pytest.raises(CheckFailed, match="divide by n"):
        check_bias_rate(lambda v, z: float(2 * v**2 * (z > 0).double().sum()))


def _died_first_right(vote, fires):
    never = vote.shape[1]
    steps = torch.arange(never)
    t_back = torch.where(vote > 0, steps, never).amin(1)
    t_dead = torch.where(fires == 0, steps, never).amin(1)
    return (t_dead < never) & (t_dead <= t_back)


def test_died_first_right_and_wrong(capsys):
    check_died_first(_died_first_right)
    assert "Passed" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="never stopped firing"):
        check_died_first(lambda v, f: _died_first_right(v, f) | ((f > 0).all(1)))
    with pytest.raises(CheckFailed, match="same step"):
        check_died_first(lambda v, f: _died_first_right(v, f) & (v[:, 1] < 0))
    with pytest.raises(CheckFailed, match="won the race"):
        check_died_first(lambda v, f: (f == 0).any(1))


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

    def fires_everywhere(stack, unit, X):
        fresh = _revive_right(stack, unit, X)
        with torch.no_grad():
            fresh.biases[0][torch.arange(fresh.K), unit] = 100.0
        return fresh

    with pytest.raises(CheckFailed, match="30 % and 70 %"):
        check_revive(fires_everywhere)

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
