"""Checks for notebook 04 (learning-rate effects): the critical rate of a quadratic, one
gradient-descent step, and how many steps a correction takes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _as_array, call_learner, check_choice, compare_arrays, fail, passed

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
                "the diagonal entries of A are not its eigenvalues (unless A is diagonal): "
                "compute them with np.linalg.eigvalsh(A)."
            )
        fail(
            f"for A = {A.tolist()} the critical rate is not {value:.4g}: "
            "find λ_max with np.linalg.eigvalsh, then return 2/λ_max."
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
    check_choice(
        answer,
        correct="b",
        hints=CORRECTION_HINTS,
        success="'b': each step multiplies the gap by 1 − lr·h = 0.9, and 0.9^10 ≈ 0.35 ≈ 1/e: "
        "about 1/(lr·h) = 10 steps.",
    )
