"""Checks for notebook 00 (introduction): the warm-up exercise."""

from __future__ import annotations

from collections.abc import Callable

import torch

from . import call_learner, compare_scalar, fail, passed


def check_accuracy_from_logits(func: Callable[[torch.Tensor, torch.Tensor], float]) -> None:
    """Check ``func(logits (n, k), labels (n,)) -> float``: the fraction of correct rows."""
    gen = torch.Generator().manual_seed(1234)
    logits = torch.randn(50, 4, generator=gen)
    labels = torch.randint(0, 4, (50,), generator=gen)
    expected = float((logits.argmax(dim=1) == labels).float().mean())
    got = call_learner(func, logits, labels, name="accuracy_from_logits")
    if isinstance(got, torch.Tensor):
        if got.numel() != 1:
            fail(
                f"return one number, not a tensor of shape {tuple(got.shape)}: "
                "average the per-row results with .mean()."
            )
        got = got.item()
    if isinstance(got, int | float) and got > 1:
        fail(f"got {got}: that looks like a count; divide by the number of rows.")
    wrong_axis = float((logits.argmax(dim=0)[:4] == labels[:4]).float().mean())
    if (
        isinstance(got, float)
        and abs(got - wrong_axis) < 1e-9
        and abs(wrong_axis - expected) > 1e-6
    ):
        fail("the arg-max runs over the wrong axis: take it over the classes, dim=1.")
    compare_scalar("accuracy", got, expected, rtol=1e-6)
    passed(f"accuracy_from_logits returns {expected:.2f} on a random test batch.")
