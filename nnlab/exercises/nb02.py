"""Checks for notebook 02 (dead neurons): the dead-unit test, which layer dies most, P(dead)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from . import call_learner, compare_scalar, fail, passed

LAYERS = ("act1", "act2")
REASONS = {
    "a": "its gradients are the largest in the network",
    "b": "its inputs, the pixels, never change: once it is dead it stays dead, while a dead "
    "deeper unit can come back when the layers below it change",
    "c": "the pixels are non-negative, so its pre-activations are negative from the start",
    "d": "it has more units than the other layers",
}


def _test_preactivations() -> torch.Tensor:
    """Pre-activations (6 rows, 5 units): units 0 and 3 dead, unit 2 exactly 0 on every row."""
    return torch.tensor(
        [
            [-1.0, 0.5, 0.0, -2.0, 1.0],
            [-0.5, -1.0, 0.0, -0.1, 2.0],
            [-2.0, -0.2, 0.0, -3.0, -1.0],
            [-0.1, -0.3, 0.0, -0.5, 0.5],
            [-3.0, -0.4, 0.0, -1.0, 3.0],
            [-1.5, -2.0, 0.0, -0.7, 1.5],
        ]
    )


def check_dead_mask(func: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Check ``func(Z (n, units)) -> BoolTensor (units,)``: True where Z <= 0 on every row."""
    Z = _test_preactivations()
    expected = (Z <= 0).all(dim=0)
    got = call_learner(func, Z.clone(), name="dead_mask")
    if not isinstance(got, torch.Tensor):
        fail(f"return a torch tensor of booleans, one per unit; got {type(got).__name__}")
    if got.shape == (Z.shape[0],):
        fail(
            f"got shape {tuple(got.shape)}, one value per row (sample): reduce over the rows "
            f"(dim=0) to get one value per unit, shape ({Z.shape[1]},)."
        )
    if got.shape != expected.shape:
        fail(f"got shape {tuple(got.shape)}; expected one value per unit, ({Z.shape[1]},).")
    if got.dtype != torch.bool:
        if got.is_floating_point() and ((got > 0) & (got < 1)).any():
            fail(
                "got fractions: that is how often each unit is inactive; a dead unit is one "
                "inactive on *every* row, a True/False per unit."
            )
        fail(f"return booleans (dtype torch.bool); got {got.dtype}.")
    if torch.equal(got, ~expected):
        fail("True and False are swapped: you returned the units that are alive.")
    if torch.equal(got, (Z < 0).all(dim=0)):
        fail(
            "unit 2 has pre-activation exactly 0 on every row: ReLU(0) = 0 and its slope "
            "there is 0, so it is dead too. Use <= 0, not < 0."
        )
    if torch.equal(got, (Z <= 0).any(dim=0)):
        fail(
            "that marks units inactive on *some* row; dead means inactive on *every* row: "
            "use .all(dim=0), not .any(dim=0)."
        )
    if not torch.equal(got, expected):
        fail(f"expected {expected.tolist()} on the test pre-activations, got {got.tolist()}.")
    passed(
        f"dead_mask finds units {torch.nonzero(expected).flatten().tolist()} dead "
        "(including one that sits exactly at 0)."
    )


def check_which_layer(answer: Callable[[], tuple[str, str]]) -> None:
    """Check ``answer() -> (layer, reason)``: which hidden layer dies most under a too-large
    learning rate (``"act1"`` or ``"act2"``), and why (a letter of ``REASONS``)."""
    got = call_learner(answer, name=getattr(answer, "__name__", "your function"))
    if not isinstance(got, tuple | list) or len(got) != 2:
        fail(f"return two things, (layer, reason), e.g. ('act2', 'a'); got {got!r}")
    layer, reason = got
    if not isinstance(layer, str) or layer not in LAYERS:
        fail(f"layer must be one of {LAYERS} (the names the probes use); got {layer!r}")
    if not isinstance(reason, str) or reason not in REASONS:
        fail(f"reason must be one of {tuple(REASONS)}; got {reason!r}")
    if layer != "act1":
        fail(
            "look at the sweep again: at lr = 0.3 the dead fraction of act1 is far above "
            "that of act2."
        )
    if reason == "a":
        fail(
            "the monitor shows gradient norms of the same size in both layers (measure them "
            "with probes.unit_gradient_norms): size alone does not single out layer 1."
        )
    if reason == "c":
        fail(
            "at birth (He initialisation) hardly any first-layer unit is dead; they die "
            "during training, so something about training must differ between the layers."
        )
    if reason == "d":
        fail("both hidden layers have 64 units, and dead *fractions* are compared anyway.")
    passed(
        "act1: a first-layer unit's inputs never change, so every death there is final; "
        "deeper units die too, but many come back. The next cell measures exactly that."
    )


def check_p_dead(func: Callable[[int, int], float]) -> None:
    """Check ``func(width, depth) -> float``: P(dead at x) = 1 - (1 - 2**-width)**depth."""

    def right(n: int, depth: int) -> float:
        return 1.0 - (1.0 - 2.0**-n) ** depth

    cases = [(2, 3), (3, 10), (1, 4), (5, 20)]
    for n, depth in cases:
        got = call_learner(func, n, depth, name="p_dead")
        try:
            value = float(got)
        except (TypeError, ValueError):
            fail(f"p_dead({n}, {depth}) should be a number; got {type(got).__name__}")
        expected = right(n, depth)
        if abs(value - expected) <= 1e-6:
            continue
        if abs(value - (1.0 - expected)) <= 1e-6:
            fail(
                f"p_dead({n}, {depth}) = {value:.4f} is the probability the net is *alive* "
                "at x: subtract it from 1."
            )
        if abs(value - depth * 2.0**-n) <= 1e-6:
            fail(
                f"p_dead({n}, {depth}) = {value:.4f} = depth × 2^-width, the union bound: it "
                "counts overlapping events twice and can exceed 1. Multiply the survival "
                "probabilities instead."
            )
        if abs(value - 2.0 ** -(n * depth)) <= 1e-6:
            fail(
                f"p_dead({n}, {depth}) = {value:.4g} asks *every* layer to be all-off; one "
                "all-off layer is enough to kill the net at x."
            )
        if abs(value - right(depth, n)) <= 1e-6:
            fail(
                f"p_dead({n}, {depth}): width and depth are swapped: a layer of width N is "
                "all-off with probability 2^-N."
            )
        if value < 0 or value > 1:
            fail(f"p_dead({n}, {depth}) = {value:.4g} is not a probability (outside [0, 1]).")
        compare_scalar(f"p_dead({n}, {depth})", value, expected, rtol=1e-6)
    passed(
        "p_dead(width, depth) = 1 - (1 - 2^-width)^depth; "
        f"for width 2 and depth 10 that is {right(2, 10):.3f}."
    )
