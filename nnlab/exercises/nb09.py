"""Checks for notebook 09 (learned helplessness, answered): the correction rate of a unit's
vote, why a flipped unit left alone died, and a re-initialisation that revives a dead unit
without changing what the network computes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..batched import StackedMLP, init_stack
from . import call_learner, check_multiple_choice, fail, passed


def check_vote_rate(func: Callable[[torch.Tensor], Any]) -> None:
    """Check ``func(a) -> float``: the curvature 2·mean(a²) of the mean squared error of a
    single-output network along one hidden unit's vote, from the unit's activations a (n,)."""
    g = torch.Generator().manual_seed(9)
    for n in (5, 40):
        a = torch.rand(n, generator=g, dtype=torch.float64) * 3
        rest = torch.randn(n, generator=g, dtype=torch.float64)
        t = torch.randn(n, generator=g, dtype=torch.float64)
        v = torch.zeros((), dtype=torch.float64, requires_grad=True)
        loss = (rest + v * a - t).square().mean()
        (slope,) = torch.autograd.grad(loss, v, create_graph=True)
        (expected,) = torch.autograd.grad(slope, v)
        got = call_learner(func, a.clone(), name="vote_rate")
        try:
            value = float(got)
        except (TypeError, ValueError):
            fail(f"vote_rate(a) should return one number; got {type(got).__name__}")
        exp = float(expected)
        if abs(value - exp) <= 1e-6 * exp:
            continue
        if abs(value - exp / 2) <= 1e-6 * exp:
            fail(
                "off by a factor of 2: the loss is a mean of squares, and the second derivative "
                "of a square brings down a 2.",
                stronger="differentiate (r + v·a)² twice with respect to v, then average over n.",
            )
        if abs(value - n * exp) <= 1e-6 * n * exp or abs(value - n * exp / 2) <= 1e-6 * n * exp:
            fail("a sum over the points: the loss is a mean, so divide by n.")
        if abs(value - 2 * float(a.mean()) ** 2) <= 1e-6 * exp:
            fail("that is 2·(mean a)²; square each activation first, then average.")
        fail(
            f"got {value:.4g}, autograd says {exp:.4g}. Only the unit's activations enter: the "
            "output moves by a·Δv on each point.",
            stronger="write the loss as a function of the vote alone and take its second "
            "derivative.",
        )
    passed(
        "h = 2·mean(a²), as autograd says: the vote of a unit that fires rarely or weakly is "
        "corrected slowly, and a dead unit's vote (a = 0 everywhere) not at all."
    )


def check_flip_reason(answer: object) -> None:
    """Multiple choice: why did a flipped unit retrained alone end dead in many runs?"""
    check_multiple_choice(
        answer,
        correct="b",
        hints={
            "a": "look at the printed h of 'vote ×-1': it is as large as the silenced vote's, "
            "not zero. The zero came later.",
            "c": "look at the map's column 'vote ×-1': runs failed at every rate, the smallest "
            "included, so a step that overshoots is not the whole story.",
            "d": "Adam was not used in the map (plain gradient descent); and Adam cannot move a "
            "weight whose gradient is exactly zero.",
        },
        success="'b': blamed on every point where it fired, the unit lowered its activity "
        "until it fired on none; there h = 0 and the descent stops for good.",
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
    ``unit[k]`` fires on some rows of X again, while every network's output on X is unchanged
    and every other weight is untouched."""
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
