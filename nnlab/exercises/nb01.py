"""Checks for notebook 01 (backpropagation as credit assignment).

Each check calls the learner's function on fixed test inputs, compares the answer with the
right one, and names the typical mistake when it is wrong: the wrong local slope, a flipped
sign, a missing 1/n, a transposed matrix, a sum over the wrong axis, a forgotten
activation derivative.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _as_array, call_learner, compare_arrays, fail, passed


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _matches(got: np.ndarray, candidate: np.ndarray) -> bool:
    return got.shape == candidate.shape and np.allclose(got, candidate, rtol=1e-4, atol=1e-8)


def check_sigmoid_slope(func: Callable[[np.ndarray], Any]) -> None:
    """Check ``func(z) -> dσ/dz`` elementwise, for σ(z) = 1 / (1 + exp(-z)).

    ``z`` is a float64 array of shape ``(25,)``; the answer must have the same shape.
    """
    z = np.linspace(-6.0, 6.0, 25)
    s = _sigmoid(z)
    expected = s * (1 - s)
    got = _as_array(call_learner(func, z.copy(), name="sigmoid_slope"), "sigmoid_slope(z)")
    if got.shape == expected.shape:
        if _matches(got, s):
            fail("that is σ(z) itself, the unit's output; the slope is how fast it changes.")
        if _matches(got, z * (1 - z)):
            fail("the formula s·(1 - s) needs s = σ(z), not z: compute σ(z) first.")
        if _matches(got, 1 - s**2) or _matches(got, 1 - np.tanh(z) ** 2):
            fail("1 - (...)² is the slope of tanh; for the sigmoid it is σ(z)·(1 - σ(z)).")
        if _matches(got, np.exp(-z) / (1 + np.exp(-z))):
            fail("close: exp(-z)/(1 + exp(-z)) is 1 - σ(z); multiply it by σ(z).")
    compare_arrays("sigmoid_slope(z)", got, expected, rtol=1e-6, atol=1e-10)
    passed(
        f"σ'(z) = σ(z)(1 - σ(z)); its largest value is {expected.max():.2f}, at z = 0, "
        "so a sigmoid unit passes on at most a quarter of the blame it receives."
    )


def _softmax_case() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(101)
    n, k = 12, 3
    logits = rng.normal(size=(n, k))
    P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = rng.integers(0, k, size=n)
    y[:k] = np.arange(k)  # every class appears
    return P, y, np.eye(k)[y]


def check_output_blame(func: Callable[[np.ndarray, np.ndarray], Any]) -> None:
    """Check ``func(P, y) -> dL/dZ2`` for the mean cross-entropy of a softmax output.

    ``P`` is ``(n, k)`` softmax probabilities (n = 12, k = 3), ``y`` int labels ``(n,)``.
    The answer is ``(P - one_hot(y)) / n``, shape ``(n, k)``.
    """
    P, y, Y = _softmax_case()
    n, k = P.shape
    expected = (P - Y) / n
    got = _as_array(call_learner(func, P.copy(), y.copy(), name="output_blame"), "output_blame")
    if got.shape == (n,):
        fail(
            f"output_blame has shape {got.shape}: it needs one blame per output score, "
            f"shape (n, k) = {(n, k)}. Turn y into one-hot rows first (np.eye(k)[y])."
        )
    if got.shape == expected.shape:
        if _matches(got, P - Y):
            fail(
                f"off by a factor of n = {n}: the loss is the MEAN over the n examples, "
                "so each example's blame is divided by n."
            )
        if _matches(got, (Y - P) / n) or _matches(got, Y - P):
            fail("the sign is flipped: the blame is prediction minus truth, P - Y.")
        if _matches(got, P / n) or _matches(got, P):
            fail("you left out the truth: subtract the one-hot labels, P - Y.")
    compare_arrays("output_blame", got, expected, rtol=1e-6, atol=1e-10)
    passed("dL/dZ2 = (P - Y) / n: each output score is blamed by how far it missed.")


def _layer_case() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(202)
    n, d, m = 7, 4, 3
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(d, m))
    b = rng.normal(size=m) * 0.1
    H = np.tanh(X @ W + b)
    dH = rng.normal(size=(n, m)) / n
    return {"X": X, "W": W, "b": b, "H": H, "dH": dH}


def check_tanh_layer_backward(
    func: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], Any],
) -> None:
    """Check ``func(X, W, H, dH) -> (dW, db, dX)`` for one layer ``H = tanh(X @ W + b)``.

    Shapes: X ``(7, 4)``, W ``(4, 3)``, H and dH ``(7, 3)``; answers dW ``(4, 3)``,
    db ``(3,)``, dX ``(7, 4)``.
    """
    c = _layer_case()
    X, W, H, dH = c["X"], c["W"], c["H"], c["dH"]
    n = X.shape[0]
    dZ = dH * (1 - H**2)
    expected = {"dW": X.T @ dZ, "db": dZ.sum(axis=0), "dX": dZ @ W.T}
    no_slope = {"dW": X.T @ dH, "db": dH.sum(axis=0), "dX": dH @ W.T}
    out = call_learner(func, X.copy(), W.copy(), H.copy(), dH.copy(), name="tanh_layer_backward")
    if not isinstance(out, tuple | list) or len(out) != 3:
        fail("return three arrays, in this order: dW, db, dX (for example `return dW, db, dX`).")
    for name, value in zip(("dW", "db", "dX"), out, strict=True):
        got = _as_array(value, name)
        want = expected[name]
        if name == "db" and got.shape == (n,):
            fail(f"db has shape {got.shape}: sum over the examples (axis=0), not over units.")
        if got.shape == want.shape:
            if _matches(got, no_slope[name]):
                fail(
                    f"{name} is missing the activation's derivative: multiply dH by the "
                    "tanh's local slope, 1 - H**2, before anything else."
                )
            if name == "db" and _matches(got, want / n):
                fail(
                    "db is off by a factor 1/n: dH already carries the 1/n of the mean loss; "
                    "sum over the examples, do not average again."
                )
        compare_arrays(name, got, want, rtol=1e-6, atol=1e-10)
    passed("dZ = dH·(1 - H²); dW = Xᵀ dZ; db = Σ dZ; dX = dZ Wᵀ: one layer's blame, exactly.")


__all__ = ["check_output_blame", "check_sigmoid_slope", "check_tanh_layer_backward"]
