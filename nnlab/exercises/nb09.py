"""Checks for notebook 09 (learned helplessness, answered): the correction rate of a ReLU
unit's bias, who won the flipped unit's race, and a re-initialisation that revives a dead
unit without changing what the network computes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..batched import StackedMLP, init_stack
from . import call_learner, fail, passed


def _bias_curvature(v: float, z: torch.Tensor) -> float:
    """Autograd's curvature of a one-output MSE along a ReLU unit's bias (reference)."""
    g = torch.Generator().manual_seed(90)
    rest = torch.randn(len(z), generator=g, dtype=torch.float64)
    t = torch.randn(len(z), generator=g, dtype=torch.float64)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    loss = (rest + v * torch.relu(z + b) - t).square().mean()
    (slope,) = torch.autograd.grad(loss, b, create_graph=True)
    (curve,) = torch.autograd.grad(slope, b)
    return float(curve)


def check_bias_rate(func: Callable[[float, torch.Tensor], Any]) -> None:
    """Check ``func(v, z) -> float``: the curvature of a single-output network's mean squared
    error along one ReLU unit's bias, from its vote v and its pre-activations z (n,)."""
    g = torch.Generator().manual_seed(9)
    for n, v in ((5, 1.5), (40, -0.7), (200, 2.0)):
        z = torch.randn(n, generator=g, dtype=torch.float64) + 0.3
        exp = _bias_curvature(v, z)
        got = call_learner(func, v, z.clone(), name="bias_rate")
        try:
            value = float(got)
        except (TypeError, ValueError):
            fail(f"bias_rate(v, z) should return one number; got {type(got).__name__}")
        if abs(value - exp) <= 1e-6 * max(exp, 1e-12):
            continue
        share = float((z > 0).double().mean())
        if abs(value - exp / 2) <= 1e-6 * exp:
            fail(
                "off by a factor of 2: the loss is a mean of squares, and the second derivative "
                "of a square brings down a 2.",
                stronger="differentiate (r + v·relu(z + b) - t)² twice with respect to b.",
            )
        if abs(value - 2 * share) <= 1e-6 * exp or abs(value - 2 * abs(v) * share) <= 1e-6 * exp:
            fail("the vote enters twice: once in each derivative of the output. Square it.")
        if abs(value - 2 * v * v) <= 1e-6 * exp:
            fail(
                "every point counted: a ReLU unit passes a change of its bias to the output "
                "only where it fires.",
                stronger="the slope of relu is 1 where z > 0 and 0 elsewhere; average that.",
            )
        if abs(value - n * exp) <= 1e-6 * n * exp:
            fail("a sum over the points: the loss is a mean, so divide by n.")
        fail(
            f"got {value:.4g}, autograd says {exp:.4g}. Write the output on point i as "
            "r_i + v·relu(z_i + b) and differentiate the loss twice along b.",
            stronger="on a point where the unit fires, the output moves by v per unit of b; "
            "elsewhere it does not move.",
        )
    passed(
        "h of the bias = 2·v²·(share of the points where the unit fires): section 1's 20 : 5 : 1 "
        "is the share of points left firing, and a dead unit's bias has h = 0."
    )


def check_died_first(func: Callable[[torch.Tensor, torch.Tensor], Any]) -> None:
    """Check ``func(vote, fires) -> (R,) bool``: for each recorded run, whether the unit
    stopped firing on every point at a step no later than the first step its vote was
    positive (vote divided by its undamaged value, so it starts at -1); False if it never
    stopped firing."""
    vote = torch.tensor(
        [
            [-1.0, -0.8, -0.7, -0.7, -0.7],  # dies at 3, vote never back: True
            [-1.0, -0.5, 0.2, 0.6, 0.9],  # vote back at 2, never dies: False
            [-1.0, 0.3, 0.3, 0.3, 0.3],  # both at step 1: True (one step killed it)
            [-1.0, -0.4, 0.1, 0.1, 0.1],  # vote back at 2, dies at 4: False
            [-1.0, -0.9, -0.8, -0.7, -0.6],  # never dies, vote never back: False
        ]
    )
    fires = torch.tensor(
        [
            [0.6, 0.3, 0.1, 0.0, 0.0],
            [0.6, 0.5, 0.5, 0.6, 0.6],
            [0.6, 0.0, 0.0, 0.0, 0.0],
            [0.6, 0.4, 0.2, 0.1, 0.0],
            [0.6, 0.5, 0.4, 0.3, 0.2],
        ]
    )
    expected = torch.tensor([True, False, True, False, False])
    got = call_learner(func, vote.clone(), fires.clone(), name="died_first")
    got = torch.as_tensor(got)
    if got.shape != expected.shape:
        fail(f"died_first should return one answer per run, shape (5,); got {tuple(got.shape)}")
    got = got.bool()
    if (got == expected).all():
        passed(
            "the unit that went silent no later than its vote turned back is the one that "
            "stayed dead: once silent, its vote gets no gradient."
        )
        return
    if got[4]:
        fail("run 5 never stopped firing: a unit that never died did not die first.")
    if not got[2]:
        fail(
            "run 3 died and turned its vote back in the same step (step 1): count a tie as "
            "dying first, since after that step the silent unit gets no gradient.",
        )
    if got[3]:
        fail(
            "run 4 turned its vote back at step 2 and stopped firing only at step 4: its vote "
            "won the race.",
            stronger="compare the first step where vote > 0 with the first step where "
            "fires == 0, per run.",
        )
    fail(
        f"expected {expected.tolist()}, got {got.tolist()}. Find, per run, the first step with "
        "a positive vote and the first step with no firing point, then compare them.",
        stronger="a run that never stops firing is False; otherwise True when its first silent "
        "step is no later than its first positive-vote step (or the vote never turns).",
    )


def _small_stack() -> tuple[StackedMLP, torch.Tensor, torch.Tensor]:
    stack = init_stack([2, 6, 1], seeds=[3, 4])
    X = torch.randn(50, 2, generator=torch.Generator().manual_seed(2))
    unit = torch.tensor([1, 4])
    with torch.no_grad():  # kill the chosen units on X
        k = torch.arange(2)
        pre = stack.weights[0][k, unit] @ X.T + stack.biases[0][k, unit][:, None]
        stack.biases[0][k, unit] -= pre.amax(1) + 1.0
    return stack, unit, X


def check_revive(func: Callable[[StackedMLP, torch.Tensor, torch.Tensor], Any]) -> None:
    """Check ``func(stack, unit, X) -> StackedMLP``: a copy of stack in which each dead unit
    ``unit[k]`` fires on 30 % to 70 % of the rows of X again, while every network's output on X
    is unchanged and every other weight is untouched."""
    stack, unit, X = _small_stack()
    before = stack.clone()
    got = call_learner(func, stack, unit, X, name="revive")
    if not isinstance(got, StackedMLP):
        fail(f"revive should return a StackedMLP (a changed copy); got {type(got).__name__}")
    if any((a != b).any() for a, b in zip(stack.parameters(), before.parameters(), strict=True)):
        fail("revive changed the stack it was given; work on stack.clone() and return that.")
    k = torch.arange(stack.K)
    pre = got.weights[0][k, unit] @ X.T + got.biases[0][k, unit][:, None]
    if not (pre > 0).any(1).all():
        fail(
            "a revived unit still fires on no row of X: its new incoming weights and bias must "
            "put some rows above zero.",
            stronger="after drawing new incoming weights, choose the bias from the unit's new "
            "pre-activations on X (for example minus their median).",
        )
    share = (pre > 0).float().mean(1)
    if not ((share >= 0.3) & (share <= 0.7)).all():
        fail(
            f"a revived unit fires on {share.min():.0%} to {share.max():.0%} of the rows of X; "
            "it should fire on between 30 % and 70 % of them in every network.",
            stronger="the bias sets where the unit's threshold falls among its new "
            "pre-activations on X; which value of them splits X in half?",
        )
    if not torch.allclose(got(X), stack(X), atol=1e-5):
        fail(
            "the network's output changed: a revived unit that fires now adds its vote times "
            "its activity to the output. What vote adds nothing?"
        )
    mask = [torch.ones_like(p, dtype=torch.bool) for p in stack.parameters()]
    mask[0][k, unit] = False
    mask[1][k, unit] = False
    mask[2][k, :, unit] = False
    if any(
        (a[m] != b[m]).any()
        for a, b, m in zip(got.parameters(), stack.parameters(), mask, strict=True)
    ):
        fail("revive changed weights of other units; touch only the dead unit's own weights.")
    passed(
        "each dead unit fires on part of the data again, with a vote of 0 the output is "
        "unchanged, and its vote now gets a gradient (its activity is not zero)."
    )
