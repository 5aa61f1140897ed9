"""Checks for notebook 01 (backpropagation as credit assignment).

Each check calls the learner's function on fixed test inputs, compares the answer with the
right one, and names the typical mistake when it is wrong: the wrong local slope, a flipped
sign, a missing 1/n, a transposed matrix, a sum over the wrong axis, a forgotten
activation derivative. Wrong answers get a first hint and, when the same mistake comes
back, a stronger one (``fail(hint, stronger=...)``).

The notebook's exercises: ``check_softplus_slope`` (warm-up), ``check_listening_flip``
(core, a prediction on section 7's failing unit) and ``check_fa_two_hidden`` (stretch:
feedback alignment through two hidden layers, then trained on the digits). The checks
``check_sigmoid_slope``, ``check_output_blame`` and ``check_tanh_layer_backward`` belong to
the notebook's earlier exercises; they stay so that ``make grade`` can grade notebooks
handed in with them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _as_array, call_learner, check_multiple_choice, compare_arrays, fail, passed


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


# ----------------------------------------------------------------------------- exercise 1


def check_softplus_slope(func: Callable[[np.ndarray], Any]) -> None:
    """Check ``func(z) -> d softplus / dz`` elementwise, for softplus(z) = log(1 + exp(z)).

    ``z`` is a float64 array of shape ``(25,)`` in [-6, 6]; the answer has the same shape.
    """
    z = np.linspace(-6.0, 6.0, 25)
    s = _sigmoid(z)
    got = _as_array(call_learner(func, z.copy(), name="softplus_slope"), "softplus_slope(z)")
    if got.shape == z.shape:
        if _matches(got, np.log1p(np.exp(z))):
            fail(
                "that is softplus(z) itself, the unit's output; the slope is how fast it changes.",
                stronger="differentiate log(u) with u = 1 + exp(z): the chain rule gives "
                "(1/u) times du/dz.",
            )
        if _matches(got, np.exp(z)):
            fail(
                "exp(z) is only the inner derivative: the outer function, the logarithm, "
                "contributes a factor too.",
                stronger="the derivative of log(u) is 1/u; multiply it by du/dz.",
            )
        if _matches(got, _sigmoid(-z)):
            fail(
                "the right shape of curve, mirrored: your slope is largest for negative z, but "
                "softplus is steepest far on the positive side, where it is almost z itself.",
                stronger="check the sign inside the exponential: divide numerator and "
                "denominator of your answer by exp(z).",
            )
        if _matches(got, s * (1 - s)):
            fail(
                "that is the slope of the sigmoid, one derivative too far: softplus's slope "
                "is a function from section 1, not its derivative.",
            )
        if _matches(got, (z > 0).astype(float)):
            fail(
                "that is ReLU's slope. Softplus is a smooth ReLU: its slope changes gradually "
                "from 0 to 1 instead of jumping at z = 0.",
                stronger="differentiate log(1 + exp(z)) with the chain rule.",
            )
    compare_arrays("softplus_slope(z)", got, s, rtol=1e-6, atol=1e-10)
    passed(
        "softplus'(z) = σ(z), the sigmoid of section 1: between 0 and 1, and "
        f"{s[12]:.2f} at z = 0. So a softplus unit always passes on less than all the blame it "
        "receives; only far on its positive side does it pass on nearly all of it, like an "
        "active ReLU."
    )


# ----------------------------------------------------------------------------- exercise 2

LISTENING_HINTS = {
    "a": (
        "tempting, since the vote still points the trained way. But the vote multiplies the "
        "unit's activity: what does tanh do when its input changes sign?"
    ),
    "c": (
        "it sounds worse to hear the wrong thing than to say it, but the output layer only "
        "sees activity times vote. Work out the unit's activity when its incoming weights and "
        "bias flip sign, for a tanh unit."
    ),
}


def check_listening_flip(answer: object) -> None:
    """Check the prediction: flipping a tanh unit's incoming weights and bias instead of its
    vote leaves the network's loss (a) lower, (b) the same, or (c) higher? (b)."""
    check_multiple_choice(
        answer,
        correct="b",
        hints=LISTENING_HINTS,
        success=(
            "'b': tanh is odd, tanh(-z) = -tanh(z), so flipping what the unit hears flips what "
            "it says, and its activity times its vote is the same as with a flipped vote: the "
            "same network, the same loss, blame of the same size. The next cell measures it. "
            "(For a ReLU unit it would not hold: ReLU is not odd.)"
        ),
    )


# ----------------------------------------------------------------------------- exercise 3


def _fa_case() -> dict[str, np.ndarray]:
    """A fixed case with distinct widths (n 6, k 3, h2 4, h1 5), so each mix-up has a shape."""
    rng = np.random.default_rng(303)
    n, k, h2, h1 = 6, 3, 4, 5
    return {
        "dZ3": rng.normal(size=(n, k)) / n,
        "H1": np.tanh(rng.normal(size=(n, h1))),
        "H2": np.tanh(rng.normal(size=(n, h2))),
        "B2": rng.normal(size=(h2, h1)) / 2,
        "B3": rng.normal(size=(k, h2)) / 2,
    }


def _fa_reference(
    dZ3: np.ndarray, H1: np.ndarray, H2: np.ndarray, B2: np.ndarray, B3: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    dZ2 = (dZ3 @ B3) * (1 - H2**2)
    return (dZ2 @ B2) * (1 - H1**2), dZ2


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    """Mean angle (degrees) between the rows of a and b."""
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return float(np.degrees(np.arccos(np.clip(cos, -1, 1))).mean())


def _fa_diagnose(got: tuple[np.ndarray, np.ndarray], c: dict[str, np.ndarray]) -> None:
    """Name the typical mistakes of a two-hidden-layer feedback-alignment pass."""
    dZ1, dZ2 = _fa_reference(**c)
    g1, g2 = got
    if g1.shape == dZ2.shape and g2.shape == dZ1.shape:
        fail("your two arrays come in the wrong order: return (dZ1, dZ2), the first layer first.")
    raw2 = c["dZ3"] @ c["B3"]
    if g2.shape == dZ2.shape and _matches(g2, raw2):
        fail(
            "dZ2 is the signal before the second hidden layer's slope: a pre-activation's "
            "blame passes through its unit's local slope.",
            stronger="multiply the signal arriving at H2 by the tanh slope of H2, elementwise.",
        )
    if g2.shape == dZ2.shape and _matches(g2, raw2 * c["H2"] * (1 - c["H2"])):
        fail("that slope belongs to a sigmoid; these hidden units are tanh units.")
    if g1.shape == dZ1.shape:
        if _matches(g1, dZ2 @ c["B2"]):
            fail(
                "dZ1 is missing the first hidden layer's slope.",
                stronger="the signal arriving at H1 is multiplied by the tanh slope of H1.",
            )
        if _matches(g1, (raw2 @ c["B2"]) * (1 - c["H1"] ** 2)):
            fail(
                "dZ1 was computed from the signal arriving at H2, before H2's slope: send the "
                "second layer's blame dZ2 down, as backprop would.",
            )


def _fa_train(
    func: Callable[..., Any], epochs: int = 4, seed: int = 7
) -> tuple[float, float, float, float, float]:
    """Train 64-32-32-10 (tanh) on the digits with the learner's feedback alignment.

    Returns the signal angles to backprop (degrees) of layer 2 and layer 1 over the first 5
    steps and the last 10 % of steps, and the final training accuracy.
    """
    from nnlab.data import load_digits

    X_t, y_t = load_digits()
    X, y = X_t.numpy().astype(np.float64), y_t.numpy()
    Y = np.eye(10)[y]
    rng = np.random.default_rng(seed)
    W = [rng.normal(0, 1 / np.sqrt(m), (m, o)) for m, o in ((64, 32), (32, 32), (32, 10))]
    b = [np.zeros(o) for o in (32, 32, 10)]
    B2, B3 = rng.normal(0, 1 / np.sqrt(32), (32, 32)), rng.normal(0, 1 / np.sqrt(10), (10, 32))
    angles = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), 32):
            i = order[start : start + 32]
            H1 = np.tanh(X[i] @ W[0] + b[0])
            H2 = np.tanh(H1 @ W[1] + b[1])
            Z = H2 @ W[2] + b[2]
            P = np.exp(Z - Z.max(axis=1, keepdims=True))
            dZ3 = (P / P.sum(axis=1, keepdims=True) - Y[i]) / len(i)
            dZ1, dZ2 = (_as_array(a, "your answer") for a in func(dZ3, H1, H2, B2, B3))
            true2 = (dZ3 @ W[2].T) * (1 - H2**2)  # backprop's blame, for the angles
            true1 = (true2 @ W[1].T) * (1 - H1**2)
            angles.append((_angle(dZ2, true2), _angle(dZ1, true1)))
            for layer, (inp, dZ) in enumerate(((X[i], dZ1), (H1, dZ2), (H2, dZ3))):
                W[layer] -= 0.1 * inp.T @ dZ
                b[layer] -= 0.1 * dZ.sum(axis=0)
    a = np.array(angles)
    late = max(1, len(a) // 10)
    H2 = np.tanh(np.tanh(X @ W[0] + b[0]) @ W[1] + b[1])
    acc = float(np.mean((H2 @ W[2] + b[2]).argmax(axis=1) == y))
    early2, early1 = a[:5].mean(axis=0)
    late2, late1 = a[-late:].mean(axis=0)
    return float(early2), float(late2), float(early1), float(late1), acc


def check_fa_two_hidden(func: Callable[..., Any]) -> None:
    """Check ``func(dZ3, H1, H2, B2, B3) -> (dZ1, dZ2)``: feedback alignment's blame on both
    hidden layers of X -> H1 -> H2 -> Z3 (tanh units), with fixed random B3 ``(k, h2)`` in
    place of W3ᵀ and B2 ``(h2, h1)`` in place of W2ᵀ. Then trains a 64-32-32-10 digits
    network with it and reports how each layer's signal lines up with backprop's.
    """
    c = _fa_case()
    want1, want2 = _fa_reference(**c)
    out = call_learner(
        func, *(c[k].copy() for k in ("dZ3", "H1", "H2", "B2", "B3")), name="fa_two_hidden"
    )
    if not isinstance(out, tuple | list) or len(out) != 2:
        fail("return two arrays, in this order: dZ1, dZ2 (for example `return dZ1, dZ2`).")
    got = tuple(_as_array(a, name) for a, name in zip(out, ("dZ1", "dZ2"), strict=True))
    _fa_diagnose(got, c)
    compare_arrays("dZ2", got[1], want2, rtol=1e-6, atol=1e-12)
    compare_arrays("dZ1", got[0], want1, rtol=1e-6, atol=1e-12)
    early2, late2, early1, late1, acc = _fa_train(func)
    passed(
        f"random feedback through two layers. Trained on the digits for 4 epochs (accuracy "
        f"{acc:.2f}), the signal's angle to backprop's fell from {early2:.0f}° to {late2:.0f}° "
        f"in the second hidden layer and from {early1:.0f}° to {late1:.0f}° in the first: "
        "each layer's forward weights came to align with the random matrix above them."
    )


__all__ = [
    "check_fa_two_hidden",
    "check_listening_flip",
    "check_output_blame",
    "check_sigmoid_slope",
    "check_softplus_slope",
    "check_tanh_layer_backward",
]
