"""Checks for notebook 06 (credit assignment without backpropagation).

- ``check_lillicrap_angle``: ``lillicrap_angle(s_rule, s_true) -> degrees``, the mean over
  samples of the angle between two signals (rows);
- ``check_inputs_choice``: which way node perturbation's slowdown goes with more inputs;
- ``check_kp_gap``: ``kp_gap(gap0, lr, weight_decay, steps) -> gap``, Kolen-Pollack's law;
- ``check_feedback_scale``: a scale for B that makes feedback alignment "beat" backprop.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from . import call_learner, check_multiple_choice, fail, passed


# ----------------------------------------------------------------------------- the angle
def _angle_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(606)
    cases = []
    for n, h in ((5, 3), (40, 20)):
        a = rng.normal(size=(n, h))
        b = a + rng.normal(scale=1.5, size=(n, h))
        b[0] *= 30.0  # one long row: a whole-matrix angle is then far from the mean of rows
        cases.append((a, b))
    return cases


def _angles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def check_lillicrap_angle(func: Callable[[np.ndarray, np.ndarray], float]) -> None:
    """Check ``func(s_rule (n, h), s_true (n, h)) -> float``: the mean of the per-row angles."""
    for a, b in _angle_cases():
        got = call_learner(func, a.copy(), b.copy(), name="lillicrap_angle")
        try:
            value = float(np.asarray(got, dtype=float))
        except (TypeError, ValueError):
            fail(f"`lillicrap_angle` should return one number (degrees); got {type(got).__name__}.")
        per_row = _angles(a, b)
        expected = float(per_row.mean())
        if math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-6):
            continue
        if math.isnan(value):
            fail(
                "got NaN: rounding can push a cosine a hair above 1; clip it to [-1, 1] "
                "before taking the arccos."
            )
        whole = float(_angles(a.reshape(1, -1), b.reshape(1, -1))[0])
        cos_mean = float(np.cos(np.radians(per_row)).mean())
        if math.isclose(value, math.radians(expected), rel_tol=1e-6):
            fail("your angle is in radians; the notebook reports degrees.")
        if math.isclose(value, whole, rel_tol=1e-6):
            fail(
                "that is the angle between the two whole matrices, flattened; Lillicrap's "
                "measure is one angle per sample (row), then their mean.",
                stronger="compute a cosine per row (sum over axis 1), an angle per row, then "
                "average the angles.",
            )
        if math.isclose(value, cos_mean, rel_tol=1e-6):
            fail("that is the mean cosine; turn each cosine into an angle in degrees first.")
        if math.isclose(value, math.degrees(math.acos(cos_mean)), rel_tol=1e-6):
            fail("you averaged the cosines, then took one angle; average the angles instead.")
        fail(
            f"expected {expected:.3f} degrees on a test case, got {value:.3f}: the mean over the "
            "rows of the angle between row n of s_rule and row n of s_true."
        )
    passed("one angle per sample, averaged: Lillicrap's measure.")


# ----------------------------------------------------------------------------- Werfel, inputs
def check_inputs_choice(answer: object) -> None:
    """The predict exercise: node perturbation's steps, relative to backprop's, for 2x inputs."""
    check_multiple_choice(
        answer,
        correct="a",
        hints={
            "b": "doubling with the number of weights N·M is weight perturbation's price. Node "
            "perturbation nudges the M output units; how does a unit's blame reach its N "
            "incoming weights?",
            "c": "that would need the noise to grow with N twice over. Look at which nudges node "
            "perturbation makes: are there more of them with more inputs?",
        },
        success="the nudges are on the M units; each unit passes its blame to its N incoming "
        "weights exactly, through its input x, so more inputs add no guessing.",
    )


# ----------------------------------------------------------------------------- KP's law
def _kp_reference(gap0: float, lr: float, weight_decay: float, steps: int) -> float:
    return gap0 * (1 - lr * weight_decay) ** steps


def check_kp_gap(func: Callable[[float, float, float, int], float]) -> None:
    """Check ``func(gap0, lr, weight_decay, steps) -> gap`` against the exact law and a run."""
    cases = [(2.0, 0.3, 0.5, 10), (1.5, 0.1, 0.2, 50), (3.0, 0.5, 1.0, 3)]
    for gap0, lr, wd, steps in cases:
        got = call_learner(func, gap0, lr, wd, steps, name="kp_gap")
        try:
            value = float(got)
        except (TypeError, ValueError):
            fail(f"`kp_gap` should return one number; got {type(got).__name__}.")
        expected = _kp_reference(gap0, lr, wd, steps)
        if math.isclose(value, expected, rel_tol=1e-9):
            continue
        if math.isclose(value, gap0 * math.exp(-lr * wd * steps), rel_tol=1e-9):
            fail(
                "exp(-lr·λ·t) is the smooth approximation; each step multiplies the gap by "
                "one exact factor. Which?"
            )
        if math.isclose(value, gap0 * (1 - lr * wd * steps), rel_tol=1e-9):
            fail("the gap does not shrink by a fixed amount per step but by a fixed factor.")
        if math.isclose(value, gap0 * (1 - wd) ** steps, rel_tol=1e-9) or math.isclose(
            value, gap0 * (1 - lr) ** steps, rel_tol=1e-9
        ):
            fail("the decay per step is lr times the weight decay: both enter the factor.")
        if math.isclose(value, gap0, rel_tol=1e-9):
            fail(
                "the gradient terms cancel in W^T - B, but the decay does not: the gap shrinks.",
                stronger="write one step for W^T and one for B, subtract them, and see what "
                "multiplies (W^T - B).",
            )
        fail(f"for gap0={gap0}, lr={lr}, weight_decay={wd}, steps={steps} expected {expected:.6g}.")
    _kp_against_a_run(func)
    passed("the gap shrinks by (1 - lr·λ) per step, as the trained network confirms.")


def _kp_against_a_run(func: Callable[[float, float, float, int], float]) -> None:
    from nnlab.credit import train

    gen = torch.Generator().manual_seed(6)
    X = torch.randn(20, 5, generator=gen, dtype=torch.float64)
    y = torch.randint(3, (20,), generator=gen)
    run = train("kp", [5, 4, 4, 3], X, y, lr=0.2, steps=25, seed=6, weight_decay=0.3, every=25)
    measured = float(run.feedback_gap[-1, 1])
    predicted = float(func(float(run.feedback_gap[0, 1]), 0.2, 0.3, 25))
    print(f"a KP network, 25 steps: measured gap {measured:.6f}, your kp_gap {predicted:.6f}")


# ----------------------------------------------------------------------------- the trap
def _race(scale: float, seed: int) -> tuple[float, float, float, float]:
    """(backprop loss, FA loss with B times scale, FA/backprop signal size) at step 30, and
    the loss at the start."""
    from nnlab.credit import estimate, init_network, train

    gen = torch.Generator().manual_seed(606)
    X = torch.randn(100, 30, generator=gen, dtype=torch.float64)
    Y = X @ (torch.randn(30, 10, generator=gen, dtype=torch.float64) / math.sqrt(30))
    bp = train("backprop", [30, 20, 10], X, Y, lr=0.05, steps=30, seed=seed, every=30)
    net = init_network([30, 20, 10], "fa", [seed])
    net.feedback = [B * scale for B in net.feedback]
    fa = train("fa", [30, 20, 10], X, Y, lr=0.05, steps=30, seed=seed, every=30, net=net)
    est = estimate(net, X, Y)
    size = float(est.signals[0].norm() / est.true_signals[0].norm())
    return float(bp.loss[-1]), float(fa.loss[-1]), size, float(fa.loss[0])


def check_feedback_scale(my_scale: object) -> None:
    """Check that FA with B times ``my_scale`` ends 30 steps below backprop, for 3 seeds."""
    if my_scale is None:
        fail("set `my_scale` to a number (the factor on B), then run this cell again.")
    if isinstance(my_scale, bool) or not isinstance(my_scale, (int, float)):
        fail(f"`my_scale` should be one number; got {type(my_scale).__name__}.")
    scale = float(my_scale)
    if not math.isfinite(scale) or scale <= 0:
        fail("`my_scale` should be a positive number: B times a negative number points back.")
    results = [_race(scale, seed) for seed in (1, 2, 3)]
    if any(not math.isfinite(fa) or fa >= start for _, fa, _, start in results):
        fail(
            "at that scale FA's loss went up (or diverged): its steps are too large. Try a "
            "smaller factor."
        )
    if not all(fa < bp for bp, fa, *_ in results) and scale > 100:
        fail(
            "at that scale FA's hidden steps are so large that its units saturate (tanh near "
            "±1) and it falls behind again. Try a smaller factor."
        )
    if not all(fa < bp for bp, fa, *_ in results):
        fail(
            "FA is still behind backprop after 30 steps at that scale. Its hidden steps are "
            "lr times its signal: what makes the signal larger?",
            stronger="try a factor of 10 or more.",
        )
    size = float(np.mean([s for _, _, s, _ in results]))
    losses = ", ".join(f"{bp:.3f} vs {fa:.3f}" for bp, fa, *_ in results)
    print(f"loss at step 30, backprop vs FA (3 seeds): {losses}")
    print(f"FA's hidden signal is {size:.1f} times the size of backprop's at the start")
    passed("FA 'beats' backprop: with steps this much larger, the race is not a fair one.")


__all__ = ["check_feedback_scale", "check_inputs_choice", "check_kp_gap", "check_lillicrap_angle"]
