"""Checks for notebook 08 (why does my network not learn?): the loss a healthy untrained
classifier starts at, three mystery models to diagnose, and a detector for a training
step that forgets ``zero_grad``.

The mystery models are built here, not in the notebook, so that their bugs stay hidden
until the learner finds them with ``nnlab.doctor`` and their own eyes.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from ..doctor import CODES
from ..models import MLP
from . import _as_array, call_learner, fail, passed

MYSTERY_LR = 0.1
_MYSTERY_CAUSES = {"A": "labels_unlearnable", "B": "dead_units"}  # C: the doctor is generic
_C_FLOOR = math.log(9 + math.e) - 1  # model C's lowest loss: logits in [0, 1]


def mystery_models(
    X: torch.Tensor, y: torch.Tensor, seed: int = 0
) -> dict[str, tuple[nn.Module, torch.Tensor, torch.Tensor]]:
    """Return ``{"A": (model, X, y), "B": ..., "C": ...}``: three models, each with its data,
    each hiding one bug; train each with lr ``MYSTERY_LR``. ``X`` float ``(n, 64)`` digits,
    ``y`` int64 ``(n,)``; ``seed`` sets the weights."""
    if not isinstance(X, torch.Tensor) or X.ndim != 2 or X.shape[1] != 64:
        raise ValueError(f"X must be the digits, a float tensor (n, 64); got {type(X).__name__}")
    if not isinstance(y, torch.Tensor) or y.shape != (len(X),):
        raise ValueError("y must be the digits' labels, an int64 tensor (n,) matching X")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0; got {seed!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        a = MLP([64, 64, 64, 10])
        b = nn.Sequential(
            nn.Unflatten(1, (1, 8, 8)),
            nn.Conv2d(1, 12, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(12 * 64, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )
        with torch.no_grad():
            b[1].bias.fill_(-2.0)
        c = nn.Sequential(MLP([64, 64, 64, 10]), nn.Sigmoid())
    return {"A": (a, X, y.roll(1)), "B": (b, X, y), "C": (c, X, y)}


def check_expected_initial_loss(func: Callable[[int], float]) -> None:
    """Check ``func(n_classes) -> float``: the cross-entropy (nats) of a classifier that gives
    every class the same probability, ln C."""
    for C in (2, 10, 37):
        got = _as_array(call_learner(func, C, name="expected_initial_loss"), "your answer")
        if got.size != 1:
            fail(f"expected_initial_loss({C}) returned {got.size} numbers; return one number.")
        value = float(got.reshape(()))
        expected = math.log(C)
        if math.isclose(value, expected, rel_tol=1e-6):
            continue
        if math.isclose(value, 1 / C, rel_tol=1e-6):
            fail(
                "that is the probability of the right class. The loss is the negative log of it.",
                stronger="cross-entropy = −log p(right class), with p = 1/C for a uniform guess.",
            )
        if math.isclose(value, math.log10(C), rel_tol=1e-6) or math.isclose(
            value, math.log2(C), rel_tol=1e-6
        ):
            fail("right idea, wrong base: losses are measured in nats, the natural logarithm.")
        if math.isclose(value, -math.log(C), rel_tol=1e-6):
            fail("the sign: a loss is positive; it is minus the log of a probability below 1.")
        fail(
            f"expected_initial_loss({C}) returned {value:.4g}. A uniform guess gives each of the "
            "C classes the same probability: what loss does the right class then cost?"
        )
    passed("a uniform guess over C classes costs ln C nats; 2.303 for the ten digits.")


def check_mystery(diagnosis: object, c_floor: object = None) -> None:
    """Check exercise 2. ``diagnosis``: ``{"A": code, "B": code}``, the code of the cause the
    doctor finds for mystery models A and B (one of ``nnlab.doctor.CODES``; a "C" entry is
    ignored). ``c_floor``: a number, the lowest mean cross-entropy (nats) that model C, whose
    ten outputs all lie in [0, 1], can reach on any data: ln(9 + e) − 1."""
    if not isinstance(diagnosis, dict):
        fail(
            "set diagnosis to a dict with one code per model, "
            f"for example {{'A': ..., 'B': ...}}; got {type(diagnosis).__name__}."
        )
    missing = [k for k in _MYSTERY_CAUSES if diagnosis.get(k) is None]
    if missing:
        fail(f"no diagnosis yet for model(s) {', '.join(missing)}: run the doctor on them.")
    for key in _MYSTERY_CAUSES:
        if diagnosis[key] not in CODES:
            fail(
                f"{diagnosis[key]!r} (model {key}) is not a code of the doctor; the codes: {CODES}."
            )
    for key, truth in _MYSTERY_CAUSES.items():
        got = diagnosis[key]
        if got == truth:
            continue
        if key == "A" and got in ("cannot_overfit", "initial_loss"):
            fail(
                "model A is an ordinary healthy MLP. The trouble is in its data: "
                "which finding looks at the labels?"
            )
        fail(
            f"model {key}: {got!r} is not what the doctor finds. Read report.causes (the "
            "findings no other explains), not every line of the report.",
            stronger=f"print(diagnose(*mysteries[{key!r}], lr=MYSTERY_LR)) and look at "
            "the line without '(may follow from ...)'.",
        )
    if c_floor is None:
        fail("A and B are right. No c_floor yet: the lowest loss model C can reach, in nats.")
    if isinstance(c_floor, str | bool):
        fail(f"c_floor should be a number, a loss in nats; got {type(c_floor).__name__}.")
    got = _as_array(c_floor, "c_floor")
    if got.size != 1:
        fail(f"c_floor has {got.size} numbers; give one number, a loss in nats.")
    value = float(got.reshape(()))
    if abs(value - _C_FLOOR) < 1e-3:
        passed(
            "A: labels shifted by one row; B: conv biases of −2 kill every first-layer unit; "
            "C: a sigmoid squeezes the logits into [0, 1], so the right class gets at most "
            f"e / (e + 9) ≈ 0.23 of the probability: a floor of {_C_FLOOR:.3f} nats, where "
            "the doctor's best loss sat."
        )
        return
    if abs(value - _C_FLOOR) < 0.01:
        fail(
            "close: that looks like the doctor's measured loss, rounded. Compute the floor "
            "itself from the best outputs model C can produce, to three decimals."
        )
    if abs(value - math.log(10)) < 1e-3:
        fail(
            "ln 10 is the loss of ten equal outputs. Model C can still make the right class's "
            "output larger than the others: how much larger, at most?"
        )
    if abs(value - (math.log(10 + math.e) - 1)) < 1e-3:
        fail(
            "nearly: with ten classes, how many *wrong* classes share the rest of the probability?"
        )
    if abs(value + math.log(1 / (1 + math.exp(-1)))) < 1e-3:
        fail(
            "that treats the sigmoid's output as the probability. cross_entropy applies its own "
            "softmax to the ten outputs: what probability does the softmax give the right class?"
        )
    fail(
        f"c_floor = {value:.4g}. Every output of model C lies in [0, 1]: which outputs give the "
        "right class the largest softmax probability, and what loss does that cost?",
        stronger="the right class's output at 1, the nine others at 0: p = e / (e + 9); the "
        "loss is −ln p.",
    )


def _good_step(model: nn.Module, X: torch.Tensor, y: torch.Tensor, lr: float) -> None:
    for p in model.parameters():
        p.grad = None
    nn.functional.cross_entropy(model(X), y).backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad


def _late_zero_step(model: nn.Module, X: torch.Tensor, y: torch.Tensor, lr: float) -> None:
    nn.functional.cross_entropy(model(X), y).backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad.zero_()


def _leaky_step(model: nn.Module, X: torch.Tensor, y: torch.Tensor, lr: float) -> None:
    nn.functional.cross_entropy(model(X), y).backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad


def check_forgets_zero_grad(func: Callable[..., bool]) -> None:
    """Check ``func(step, model, X, y) -> bool``: True when the training step ``step(model, X,
    y, lr)`` lets gradients pile up (forgets zero_grad), False otherwise; the model passed in
    must come back unchanged."""
    gen = torch.Generator().manual_seed(0)
    X, y = torch.randn(32, 5, generator=gen), torch.randint(0, 3, (32,), generator=gen)
    cases = (
        ("a correct step", _good_step, False),
        ("a step zeroing after the update", _late_zero_step, False),
        ("a step without zero_grad", _leaky_step, True),
    )
    for label, step, truth in cases:
        torch.manual_seed(1)
        model = MLP([5, 8, 3])
        before = [p.detach().clone() for p in model.parameters()]
        got = call_learner(func, step, model, X, y, name="forgets_zero_grad")
        if not isinstance(got, bool | torch.Tensor) or (
            isinstance(got, torch.Tensor) and got.numel() != 1
        ):
            fail(f"forgets_zero_grad returned {type(got).__name__}; return True or False.")
        changed = any(  # its weights moved, or its .grad was filled
            not torch.equal(p, b) or p.grad is not None
            for p, b in zip(model.parameters(), before, strict=True)
        )
        if changed:
            fail(
                "your function changed the model it was given (its weights or its .grad). "
                "Work on a copy "
                "(copy.deepcopy), as the doctor does.",
                stronger="and call the step with lr = 0, so the weights stay put and only the "
                "gradients can differ between two calls.",
            )
        if bool(got) != truth:
            fail(
                f"on {label} you answered {bool(got)}. Call the step twice on the same copy, "
                "with lr = 0: what should .grad hold after the second call if it was zeroed?",
                stronger="a zeroed step leaves the same .grad after each call (or zeros); a "
                "leaky one leaves twice the first gradient after the second call.",
            )
    passed("two calls at lr 0: the same gradient twice means zeroed, double means piling up.")


__all__ = [
    "MYSTERY_LR",
    "check_expected_initial_loss",
    "check_forgets_zero_grad",
    "check_mystery",
    "mystery_models",
]
