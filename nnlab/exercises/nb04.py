"""Checks for notebook 04 (learning-rate effects): the critical rate of a quadratic, one
gradient-descent step, how many steps a correction takes, a learning rate designed for a
correction time (run on the notebook's network), and the correction rate of an output bias
under cross-entropy."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from . import (
    _as_array,
    call_learner,
    check_multiple_choice,
    compare_arrays,
    fail,
    learner_rate,
    passed,
)

# Symmetric test matrices whose eigenvalues, diagonal, trace and mean all give different
# "critical rates", so each typical mistake is recognisable.
_MATRICES = (
    np.array([[5.0, 2.0], [2.0, 2.0]]),  # eigenvalues 6 and 1; diagonal 5 and 2
    np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]]),  # eigenvalues 4.73, 3, 1.27
)


def check_critical_rate(func: Callable[[np.ndarray], float]) -> None:
    """Check ``func(A) -> float``: the largest stable learning rate 2 / λ_max of gradient
    descent on L(w) = ½ wᵀAw, for a symmetric positive-definite A."""
    for A in _MATRICES:
        got = call_learner(func, A.copy(), name="critical_rate")
        value = _as_array(got, "critical_rate(A)")
        if value.size != 1:
            fail(
                f"critical_rate(A) returned {value.size} numbers; return one number, the rate "
                "at which the steepest direction stops shrinking."
            )
        value = float(value.reshape(()))
        eig = np.linalg.eigvalsh(A)
        lam_max, lam_min = eig.max(), eig.min()
        expected = 2.0 / lam_max

        def near(x: float, value: float = value) -> bool:
            return abs(value - x) <= 1e-6 * max(abs(x), 1.0)

        if near(expected):
            continue
        if near(1.0 / lam_max):
            fail(
                "that is 1/λ_max, the rate that wipes out the steepest direction in one step "
                "(1 − lr·λ_max = 0). Divergence starts where 1 − lr·λ_max reaches −1: twice that."
            )
        if near(2.0 / lam_min):
            fail(
                "you used the smallest eigenvalue. The steepest direction (the largest λ) is "
                "the first to become unstable, so the limit is 2/λ_max."
            )
        if near(lam_max / 2.0) or near(2.0 * lam_max):
            fail("the rate is 2 divided by λ_max, not λ_max times or over 2: check the fraction.")
        if near(2.0 / np.trace(A)) or near(2.0 / eig.mean()):
            fail(
                "you used the trace or the average eigenvalue. Each direction has its own "
                "limit 2/λ, and the largest λ alone sets the limit for all of them."
            )
        if near(2.0 / np.diag(A).max()):
            fail(
                "the diagonal entries of A are not its eigenvalues (unless A is diagonal): the "
                "bowl's axes are turned, so its curvatures are the eigenvalues.",
                stronger="np.linalg.eigvalsh(A) returns the eigenvalues of a symmetric matrix.",
            )
        fail(
            f"for A = {A.tolist()} the critical rate is not {value:.4g}: which direction of the "
            "bowl breaks first, and at which value of its factor 1 − lr·λ?",
            stronger="the curvatures are the eigenvalues of A (np.linalg.eigvalsh); the steepest "
            "one breaks when its factor 1 − lr·λ_max reaches −1: solve that for lr.",
        )
    passed(
        "critical_rate(A) = 2/λ_max; for A = [[5, 2], [2, 2]] (eigenvalues 6 and 1) that is 0.333."
    )


def check_gd_step(func: Callable[[np.ndarray, np.ndarray, float], np.ndarray]) -> None:
    """Check ``func(w, A, lr) -> new w``: one gradient-descent step on L(w) = ½ wᵀAw."""
    A = _MATRICES[0]
    w = np.array([1.0, 1.0])  # not an eigenvector of A, so A·w differs from a multiple of w
    lr = 0.1
    got = call_learner(func, w.copy(), A.copy(), lr, name="gd_step")
    g = _as_array(got, "gd_step(w, A, lr)")
    right = w - lr * A @ w
    if g.shape == right.shape:
        for wrong, hint in (
            (
                w + lr * A @ w,
                "wrong sign: gradient descent steps *against* the gradient, w − lr·∇L.",
            ),
            (
                w - 2 * lr * A @ w,
                "the gradient of ½ wᵀAw is A·w, not 2·A·w: the ½ cancels the 2 from the square.",
            ),
            (w - A @ w, "the step forgot the learning rate: w − lr·A·w."),
            (-lr * A @ w, "you returned the step, −lr·A·w; return the new point w − lr·A·w."),
            (lr * A @ w, "you returned lr·A·w, the size of the step; return w − lr·A·w."),
            (w - lr * w, "the gradient of ½ wᵀAw is A·w, not w."),
        ):
            if np.allclose(g, wrong, rtol=1e-6, atol=1e-9):
                fail(hint)
    compare_arrays("gd_step(w, A, lr)", g, right, rtol=1e-6, atol=1e-9)
    # The idea the check teaches: along each eigenvector the step multiplies by 1 - lr·λ.
    lams, vecs = np.linalg.eigh(A)
    factors = (vecs.T @ g) / (vecs.T @ w)
    shown = ", ".join(f"{f:.2f}" for f in factors)
    passed(
        f"one step multiplies the coordinate along each eigenvector by 1 − lr·λ: for "
        f"λ = {lams[0]:.0f} and {lams[1]:.0f} at lr = {lr} the factors are {shown}."
    )


CORRECTION_HINTS = {
    "a": "one step removes only the fraction lr·h = 0.1 of the gap, so one step is far too few.",
    "c": "100 steps would fit lr·h = 0.01. Here each step removes lr·h = 0.1 of the gap, and "
    "(1 − x)^(1/x) ≈ 1/e, so it takes about 1/(lr·h) steps.",
    "d": "an overshoot needs a negative factor, 1 − lr·h < 0, i.e. lr > 1/h = 1; at lr = 0.1 "
    "the factor is 0.9: the gap shrinks smoothly.",
}


def check_correction_steps(answer: object) -> None:
    """Check the multiple-choice prediction: with curvature h = 1 along the correction and
    lr = 0.1, about how many steps does a gap take to shrink by a factor e?"""
    check_multiple_choice(
        answer,
        correct="b",
        hints=CORRECTION_HINTS,
        success="'b': each step multiplies the gap by 1 − lr·h = 0.9, and 0.9^10 ≈ 0.35 ≈ 1/e: "
        "about 1/(lr·h) = 10 steps.",
    )


def check_correction_design(
    my_lr: object, h: float, steps: int, measure: Callable[[float], float]
) -> None:
    """Check a learning rate chosen so that a unit with correction rate ``h`` is corrected
    (its gap shrunk by e) in about ``steps`` steps; then run it with ``measure(lr)``.

    ``measure(lr)`` trains the notebook's pessimist and its twin at ``lr`` and returns the
    measured steps (NaN when the gap never shrank by e). The design passes when ``my_lr``
    is within 15 % of the rate the law 1/(lr·h) gives; the check prints the measurement.
    """
    if not (isinstance(h, int | float) and math.isfinite(h) and h > 0):
        raise ValueError(f"h must be a positive number (the unit's correction rate); got {h!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2 (the target time); got {steps!r}")
    if not callable(measure):
        raise TypeError(f"measure must be a function lr -> steps; got {type(measure).__name__}")
    lr = learner_rate(my_lr, "the learning rate you choose")
    right = 1.0 / (steps * h)

    def near(x: float) -> bool:
        return abs(lr - x) <= 0.15 * x

    if lr * h >= 1:
        fail(
            f"at lr = {lr:.3g} the factor per step 1 − lr·h = {1 - lr * h:.2f} is not between 0 "
            "and 1: the gap would overshoot, not shrink smoothly. Aim for a much smaller rate."
        )
    if not near(right):
        if near(1.0 / steps):
            hint = "your rate leaves out h: the gap loses the fraction lr·h per step, not lr."
        elif near(steps * h) or near(steps / h) or near(h / steps):
            hint = "a longer correction needs a smaller rate: the time falls as the rate grows."
        else:
            hint = (
                f"with lr = {lr:.3g} the law predicts about {1 / (lr * h):.0f} steps, "
                f"not {steps}: solve the law for lr."
            )
        fail(
            hint,
            stronger=f"the gap needs about 1/(lr·h) steps; set that equal to {steps} with "
            f"h = {h:.3g} and solve for lr.",
        )
    measured = float(measure(lr))
    if not math.isfinite(measured):
        fail(f"at lr = {lr:.3g} the gap never shrank by e within the run: check the rate.")
    passed(
        f"lr = {lr:.4f}, so 1/(lr·h) = {1 / (lr * h):.0f} steps predicted; the network took "
        f"{measured:.0f} steps (a little slower than predicted: h changes as it corrects)."
        if measured > 1 / (lr * h)
        else f"lr = {lr:.4f}, so 1/(lr·h) = {1 / (lr * h):.0f} steps predicted; the network "
        f"took {measured:.0f} steps."
    )


def _ce_curvature_reference(logits: torch.Tensor, c: int) -> float:
    """Autograd's second derivative of the mean cross-entropy along output c's bias."""
    labels = torch.arange(len(logits)) % logits.shape[1]  # the labels drop out of the result
    shift = torch.zeros((), dtype=logits.dtype, requires_grad=True)
    moved = logits.clone()
    moved = moved + shift * torch.nn.functional.one_hot(torch.tensor(c), logits.shape[1])
    value = torch.nn.functional.cross_entropy(moved, labels)
    (first,) = torch.autograd.grad(value, shift, create_graph=True)
    (second,) = torch.autograd.grad(first, shift)
    return float(second)


def check_bias_curvature_ce(func: Callable[[torch.Tensor, int], float]) -> None:
    """Check ``func(logits, c) -> h``: the curvature of the mean cross-entropy along output
    c's bias, for logits ``(n, C)``; compared with autograd's second derivative."""
    gen = torch.Generator().manual_seed(4)
    logits = torch.randn(60, 5, generator=gen, dtype=torch.float64) * 1.5
    c = 2
    got = call_learner(func, logits.clone(), c, name="bias_curvature_ce")
    value = _as_array(got, "bias_curvature_ce(logits, c)")
    if value.size != 1:
        fail(
            f"bias_curvature_ce returned {value.size} numbers; return one number, the mean "
            "over the images."
        )
    value = float(value.reshape(()))
    right = _ce_curvature_reference(logits, c)
    p_all = torch.softmax(logits, dim=1)
    p = p_all[:, c]

    def near(x: float) -> bool:
        return abs(value - x) <= 1e-6 * max(abs(x), 1e-9)

    if not near(right):
        if near(float((p * (1 - p)).sum())):
            fail("that is a sum over the images; the loss is a mean, so its curvature is too.")
        if near(float(p.mean())) or near(float((1 - p).mean())):
            fail(
                "that is the mean probability (or its complement), the first derivative's "
                "ingredient. Differentiate once more: how does p change with its own logit?"
            )
        if near(float((p**2).mean())) or near(float((p * (1 - p) ** 2).mean())):
            fail(
                "close, but not the softmax's own slope: the derivative of p_c with respect to "
                "its own logit is p_c times (1 − p_c).",
            )
        q = torch.softmax(logits, dim=0)[:, c]
        if near(float((q * (1 - q)).mean())) or near(float((q * (1 - q)).sum())):
            fail("the softmax runs over the wrong axis: normalise over the outputs (dim=1).")
        s = torch.sigmoid(logits[:, c])
        if near(float((s * (1 - s)).mean())):
            fail(
                "a sigmoid of logit c alone ignores the other outputs: the probability comes "
                "from the softmax over all C logits."
            )
        fail(
            f"bias_curvature_ce = {value:.4g}, autograd says {right:.4g}: differentiate the mean "
            "cross-entropy twice with respect to b_c.",
            stronger="the first derivative is the mean of p_c − [y = c]; the labels do not "
            "depend on b_c, so the second is the mean of dp_c/db_c.",
        )
    got5 = call_learner(func, 5 * logits, c, name="bias_curvature_ce")
    confident = float(_as_array(got5, "bias_curvature_ce(logits, c)").reshape(-1)[0])
    reference5 = _ce_curvature_reference(5 * logits, c)
    if not abs(confident - reference5) <= 1e-6 * max(reference5, 1e-12):
        fail(
            "right for the first logits but not for larger ones: compute it from the logits given."
        )
    passed(
        f"h = mean of p_c(1 − p_c) = {right:.4f}, as autograd says. Made five times more "
        f"confident, the same network has h = {confident:.4f}: it would correct a pessimistic "
        f"output {right / confident:.1f}× more slowly at the same rate. Confidence near 0 or 1 "
        "flattens the loss along the bias: a confident output responds weakly to a small, uniform "
        "shift of its bias. An image it gets confidently wrong still sends it a large gradient."
    )
