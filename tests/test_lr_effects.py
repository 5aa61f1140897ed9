"""nnlab.lr_effects: regimes, schedules (against torch's schedulers), correction times."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from nnlab.batched import init_stack, train_batched  # noqa: E402
from nnlab.lr_effects import (  # noqa: E402
    REGIMES,
    SCHEDULES,
    name_regimes,
    output_correction,
    schedule_factor,
    shade_regimes,
    steps_to_shrink,
)


def test_name_regimes_applies_the_four_rules():
    acc = torch.tensor([0.50, 0.80, 0.95, 0.96, 0.94, 0.60, 0.10, 0.10])
    broken = torch.tensor([[False] * 3] * 5 + [[True, False, False], [True] * 3, [True] * 3])
    names = name_regimes(acc, broken, tolerance=0.02)
    assert names == [
        "too slow",
        "too slow",
        "good",
        "good",
        "good",
        "unstable",
        "collapsed",
        "collapsed",
    ]
    # a wider tolerance turns the second rate good; the collapse needs every seed broken
    assert name_regimes(acc, broken, tolerance=0.2)[1] == "good"
    some = broken.clone()
    some[-1, 0] = False
    assert name_regimes(acc, some)[-1] == "unstable"


def test_name_regimes_treats_nan_accuracy_as_worst():
    acc = torch.tensor([0.5, 0.9, float("nan")])
    broken = torch.tensor([[False], [False], [True]])
    assert name_regimes(acc, broken) == ["too slow", "good", "collapsed"]


def test_shade_regimes_colours_one_span_per_rate_and_names_each_regime():
    fig, ax = plt.subplots()
    lrs = np.logspace(-2, 0, 6)
    regime = ["too slow", "too slow", "good", "good", "unstable", "collapsed"]
    shade_regimes(ax, lrs, regime)
    spans = [p for p in ax.patches]
    assert len(spans) == len(lrs)
    assert ax.get_xscale() == "log"
    lo, hi = ax.get_xlim()
    step = lrs[1] / lrs[0]
    assert lo == pytest.approx(lrs[0] / math.sqrt(step))
    assert hi == pytest.approx(lrs[-1] * math.sqrt(step))
    assert sorted(t.get_text() for t in ax.texts) == sorted(REGIMES)
    plt.close(fig)


def _torch_factors(kind, warm, total):
    """The same schedules from torch.optim.lr_scheduler, an independent reference."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    sched = torch.optim.lr_scheduler
    if kind == "constant":
        s = sched.LambdaLR(opt, lambda t: 1.0)
    elif kind == "warm-up":
        s = sched.LinearLR(opt, start_factor=1 / warm, end_factor=1.0, total_iters=warm - 1)
    elif kind == "cosine":
        s = sched.CosineAnnealingLR(opt, T_max=total, eta_min=0.0)
    else:
        first = sched.LinearLR(opt, start_factor=1 / warm, end_factor=1.0, total_iters=warm - 1)
        second = sched.CosineAnnealingLR(opt, T_max=total - warm, eta_min=0.0)
        s = sched.SequentialLR(opt, [first, second], milestones=[warm])
    out = []
    for _ in range(total):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        s.step()
    return out


@pytest.mark.parametrize("kind", SCHEDULES)
def test_schedule_factor_matches_torch_schedulers(kind):
    warm, total = 5, 40
    ours = [schedule_factor(kind, t, warm, total) for t in range(total)]
    np.testing.assert_allclose(ours, _torch_factors(kind, warm, total), atol=1e-12)


def test_schedule_factor_shapes():
    assert schedule_factor("warm-up", 0, 4, 10) == pytest.approx(0.25)
    assert schedule_factor("warm-up", 9, 4, 10) == 1.0
    assert schedule_factor("cosine", 5, 4, 10) == pytest.approx(0.5)
    assert schedule_factor("warm-up + cosine", 4, 4, 10) == pytest.approx(1.0)
    assert schedule_factor("warm-up + cosine", 10, 4, 10) == pytest.approx(0.0, abs=1e-12)


def test_steps_to_shrink_finds_the_first_step_below_one_over_e():
    x = 0.1
    gap = torch.tensor([(1 - x) ** t for t in range(40)])
    expected = next(t for t in range(40) if (1 - x) ** t <= 1 / math.e)
    assert steps_to_shrink(gap).item() == expected
    # an oscillating gap counts by its size; a gap that never shrinks enough gives NaN
    flip = torch.tensor([1.0, -0.6, 0.3, -0.2])
    assert steps_to_shrink(flip).item() == 2
    assert math.isnan(steps_to_shrink(torch.tensor([1.0, 0.9, 0.8])).item())
    both = torch.stack([gap[:4], torch.tensor([1.0, 0.2, 0.1, 0.0])])
    out = steps_to_shrink(both, factor=2.0)
    assert math.isnan(out[0].item()) and out[1].item() == 1


@pytest.fixture(scope="module")
def trained():
    torch.manual_seed(0)
    X = torch.rand(40, 4)
    T = torch.nn.functional.one_hot(torch.arange(40) % 3, 3).float()
    stack = init_stack([4, 8, 3], seeds=[1, 2])
    train_batched(stack, X, T, lr=0.2, epochs=200, loss="mse", progress=False)
    return stack, X, T


def test_output_correction_first_step_is_one_minus_lr_h(trained):
    """The first step closes the gap by lr·h, h = (2/C)‖∇θ f̄‖² from autograd (first order)."""
    stack, X, T = trained
    before = [w.clone() for w in stack.parameters()]
    lr, unit = 1e-3, 1
    gap = output_correction(stack, X, T, unit=unit, delta=0.5, lrs=[lr, 0.1], steps=5)
    assert gap.shape == (2, stack.K, 6)
    assert torch.equal(gap[:, :, 0], torch.ones(2, stack.K))
    for k in range(stack.K):
        model = stack.to_mlp(k)
        grads = torch.autograd.grad(model(X)[:, unit].mean(), list(model.parameters()))
        h = 2 / 3 * sum(float((g**2).sum()) for g in grads)
        assert (1 - gap[0, k, 1].item()) / (lr * h) == pytest.approx(1.0, rel=0.02)
    assert all(torch.equal(a, b) for a, b in zip(before, stack.parameters(), strict=True))


def test_output_correction_twin_and_pessimist_converge(trained):
    stack, X, T = trained
    gap = output_correction(stack, X, T, unit=0, delta=0.3, lrs=[0.3], steps=300)
    assert (gap[0, :, -1].abs() < 0.2).all()
