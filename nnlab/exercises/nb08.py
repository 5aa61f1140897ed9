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
_MYSTERY_CAUSES = {"A": "labels_unlearnable", "B": "dead_units", "C": "cannot_overfit"}


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


def check_mystery(diagnosis: object) -> None:
    """Check ``diagnosis``: ``{"A": code, "B": code, "C": code}``, each the code of the cause
    the doctor finds for that mystery model (one of ``nnlab.doctor.CODES``)."""
    if not isinstance(diagnosis, dict):
        fail(
            "set diagnosis to a dict with one code per model, "
            f"for example {{'A': ..., 'B': ..., 'C': ...}}; got {type(diagnosis).__name__}."
        )
    missing = [k for k in _MYSTERY_CAUSES if diagnosis.get(k) is None]
    if missing:
        fail(f"no diagnosis yet for model(s) {', '.join(missing)}: run the doctor on them.")
    for key, code in diagnosis.items():
        if code not in CODES:
            fail(f"{code!r} (model {key}) is not a code of the doctor; the codes: {CODES}.")
    for key, truth in _MYSTERY_CAUSES.items():
        got = diagnosis[key]
        if got == truth:
            continue
        if key == "C" and got == "double_softmax":
            fail(
                "model C's outputs do not sum to 1, so it is not a softmax. Print the model: "
                "what is its last module, and what does it do to the logits?"
            )
        if key == "A" and got in ("cannot_overfit", "initial_loss"):
            fail(
                "model A is an ordinary healthy MLP. The trouble is in its data: "
                "which finding looks at the labels?"
            )
        fail(
            f"model {key}: {got!r} is not what the doctor finds. Read report.causes (the "
            "findings no other explains), not every line of the report.",
            stronger=f"print(diagnose(*mysteries[{key!r}][:3], lr=MYSTERY_LR)) and look at "
            "the line without '(may follow from ...)'.",
        )
    passed(
        "A: labels shifted by one row; B: conv biases of −2 kill every first-layer unit; "
        "C: a sigmoid squeezes the logits into [0, 1], so no class can get a high probability."
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
