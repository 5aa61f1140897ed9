"""Tests of nnlab.warm_start (notebook 03's bookkeeping), against plain loops and by hand."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from nnlab.batched import init_stack  # noqa: E402
from nnlab.warm_start import (  # noqa: E402
    confidence_report,
    mean_band,
    paired_gap,
    per_seed_digits,
)


def test_per_seed_digits_stacks_each_seeds_own_prefix():
    X = torch.arange(20.0).view(10, 2)
    y = torch.arange(10)
    orders = [torch.tensor([3, 1, 4, 0]), torch.tensor([9, 8, 7, 6])]
    X_n, y_n = per_seed_digits(X, y, orders, 3, copies=2)
    assert X_n.shape == (4, 3, 2) and y_n.shape == (4, 3)
    assert y_n.tolist() == [[3, 1, 4], [9, 8, 7], [3, 1, 4], [9, 8, 7]]
    assert torch.equal(X_n[1], X[[9, 8, 7]])


def test_paired_gap_is_block_minus_block_seed_by_seed():
    values = torch.arange(12.0).view(6, 2)  # 3 blocks of 2 runs, 2 epochs each
    gap = paired_gap(values, ref=2, arm=0, runs=2)
    expected = torch.stack([values[4] - values[0], values[5] - values[1]])
    assert torch.equal(gap, expected)
    assert torch.equal(paired_gap(values[:, 0], 1, 1, 2), torch.zeros(2))


def _reference(logits, y, bins):
    """Plain Python: confidence on wrong digits and ECE of one network."""
    probs = torch.softmax(logits, dim=-1)
    conf, guess = probs.max(-1)
    wrong = [float(c) for c, g, t in zip(conf, guess, y, strict=True) if g != t]
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(conf) if (lo < c <= hi) or (b == 0 and c <= hi)]
        if idx:
            acc = sum(float(guess[i] == y[i]) for i in idx) / len(idx)
            mean_conf = sum(float(conf[i]) for i in idx) / len(idx)
            ece += len(idx) / len(y) * abs(acc - mean_conf)
    return (sum(wrong) / len(wrong) if wrong else math.nan), ece


def test_confidence_report_matches_a_plain_loop():
    stack = init_stack([4, 6, 3], seeds=[0, 1, 2]).to(torch.float64)
    g = torch.Generator().manual_seed(0)
    X = torch.randn(50, 4, generator=g, dtype=torch.float64)
    y = torch.randint(0, 3, (50,), generator=g)
    report = confidence_report(stack, X, y, bins=7)
    logits = stack(X)
    for k in range(3):
        wrong, ece = _reference(logits[k].detach(), y, 7)
        assert report["wrong_confidence"][k].item() == pytest.approx(wrong, abs=1e-10)
        assert report["ece"][k].item() == pytest.approx(ece, abs=1e-10)
        acc = (logits[k].argmax(-1) == y).double().mean()
        assert report["accuracy"][k].item() == pytest.approx(acc.item())


def test_a_network_that_is_never_wrong_has_nan_wrong_confidence():
    stack = init_stack([2, 3, 2], seeds=[0])
    X = torch.randn(5, 2)
    y = stack(X)[0].argmax(-1)  # its own guesses as labels: never wrong
    report = confidence_report(stack, X, y)
    assert math.isnan(report["wrong_confidence"][0].item())
    assert report["accuracy"][0].item() == 1.0


def test_mean_band_draws_the_mean_and_a_band_of_the_chosen_spread():
    runs = torch.tensor([[0.0, 2.0], [2.0, 4.0], [4.0, 6.0], [6.0, 8.0]])
    fig, ax = plt.subplots()
    mean_band(ax, runs, "sem", spread="sem")
    line = ax.lines[0]
    assert line.get_ydata().tolist() == [3.0, 5.0]
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    half = runs.std(0)[0].item() / 2  # std / sqrt(4)
    assert band.max() == pytest.approx(5.0 + half)
    assert band.min() == pytest.approx(3.0 - half)
    plt.close(fig)
