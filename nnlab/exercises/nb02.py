"""Checks for notebook 02 (dead neurons): the dead-unit test, which layer dies most, P(dead)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from . import call_learner, compare_scalar, fail, learner_rate, passed

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


def check_plain_rate(my_lr: object, measure: Callable[[float], float]) -> None:
    """Check a plain-SGD learning rate (no momentum) chosen to kill about half of the first
    layer in the notebook's recipe. ``measure(lr)`` trains the notebook's nets at ``lr``
    without momentum and returns their mean dead fraction in layer 1; the rate passes when
    that fraction lies between 0.3 and 0.8. The check prints the measurement.
    """
    if not callable(measure):
        raise TypeError(f"measure must be a function lr -> dead fraction; got {measure!r}")
    lr = learner_rate(my_lr, "the rate you found")
    dead = float(measure(lr))
    print(f"lr = {lr:.3g} without momentum: {dead:.2f} of layer 1 dead")
    if dead < 0.3:
        fail(
            "too gentle: under 0.3 of layer 1 died. Momentum 0.9 made each step of the sweep "
            "count for more than its rate.",
            stronger="momentum lets steps along a steady direction add up to about "
            "1/(1 − 0.9) times one step; without it the same damage needs a larger rate. "
            "Try rates above the sweep's and halve the interval each time.",
        )
    if dead > 0.8:
        fail(
            "too harsh: over 0.8 of layer 1 died. The dead fraction climbs steeply with the "
            "rate; come down.",
            stronger="the factor 1/(1 − momentum) holds only for a steady direction; the "
            "first, erratic steps that kill units gain less from momentum. Bisect between a "
            "rate that kills a few units and one that kills most.",
        )
    passed(
        f"lr = {lr:.3g} without momentum leaves {dead:.2f} of layer 1 dead, the damage lr = 0.3 "
        "with momentum 0.9 does: compare your rate with 0.3 and with 10 × 0.3."
    )


def _net_with_dead_units() -> tuple[nn.Module, torch.Tensor]:
    """A small ReLU MLP [6, 8, 8, 3] with dead units in both hidden layers on its data (20
    rows of non-negative inputs); units 1 and 4 of layer 1 and 2 of layer 2 among them."""
    from ..models import MLP

    gen = torch.Generator().manual_seed(2)
    X = torch.rand(20, 6, generator=gen)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        net = MLP([6, 8, 8, 3])
    with torch.no_grad():
        for layer, unit in ((net.fc1, 1), (net.fc1, 4), (net.fc2, 2)):
            layer.weight[unit] = -layer.weight[unit].abs()
            layer.bias[unit] = -5.0
    return net, X


def check_reinit_dead(func: Callable[..., object], recover: Callable | None = None) -> None:
    """Check ``func(net, X, generator) -> int``: re-initialise every dead hidden unit of an
    ``nnlab.MLP`` on X (fresh fan-in weights, zero bias, zero fan-out weights), return how
    many. ``recover(func) -> (accuracy with, accuracy without)``, if given, trains the
    notebook's broken start with ``func`` applied after every epoch and without it.
    """
    import copy

    if recover is not None and not callable(recover):
        raise TypeError(f"recover must be a function or None; got {type(recover).__name__}")
    net, X = _net_with_dead_units()
    before = copy.deepcopy(net)
    out_before = net(X).detach()
    gen = torch.Generator().manual_seed(4)
    got = call_learner(func, net, X, gen, name="reinit_dead")
    from .. import probes

    found = probes.dead_units(before, X)
    dead = {
        f: torch.nonzero(found[a]).flatten().tolist() for f, a in (("fc1", "act1"), ("fc2", "act2"))
    }
    total = sum(len(u) for u in dead.values())
    after = dict(net.named_parameters())
    old = dict(before.named_parameters())
    if not torch.allclose(net(X).detach(), out_before, atol=1e-6):
        fail(
            "the network's outputs changed: the surgery should do no harm at the moment it "
            "happens. Which weights carry a unit's output to the next layer?",
            stronger="a re-initialised unit may fire at once; its vote in the next layer "
            "must start at zero so that nothing downstream changes.",
        )
    for layer, units in dead.items():
        w, w0 = after[f"{layer}.weight"], old[f"{layer}.weight"]
        alive = [u for u in range(w.shape[0]) if u not in units]
        below = dead["fc1"] if layer == "fc2" else []  # columns zeroed as a vote: allowed
        kept = [c for c in range(w.shape[1]) if c not in below]
        if not torch.equal(w[alive][:, kept], w0[alive][:, kept]):
            fail(f"living units of {layer} changed: touch only the dead ones.")
        if torch.equal(w[units], w0[units]):
            fail(
                f"the dead units' fan-in weights in {layer} are unchanged: with their old "
                "weights they stay dead. Give them fresh random weights."
            )
        if not (after[f"{layer}.bias"][units] == 0).all():
            fail(f"give each re-initialised unit of {layer} a zero bias (a neutral start).")
        std = float(w[units].detach().std())
        expected = math.sqrt(2 / w.shape[1])
        if not 0.3 * expected < std < 3 * expected:
            fail(
                f"the fresh fan-in weights of {layer} have std {std:.3g}; a ReLU layer with "
                f"fan-in {w.shape[1]} starts near {expected:.3g} (He initialisation)."
            )
    nxt = {"fc1": "fc2", "fc2": "out"}
    for layer, units in dead.items():
        fresh = dead.get(nxt[layer], [])  # rows re-initialised themselves: any value
        rows = [r for r in range(after[f"{nxt[layer]}.weight"].shape[0]) if r not in fresh]
        if not (after[f"{nxt[layer]}.weight"][rows][:, units] == 0).all():
            fail(f"the fan-out weights of the re-initialised units of {layer} must be zero.")
    if isinstance(got, bool) or not isinstance(got, int | torch.Tensor) or int(got) != total:
        fail(f"return the number of units re-initialised (here {total}); got {got!r}.")
    message = (
        f"reinit_dead gives fresh fan-in, a zero bias and a zero vote to the {total} dead units."
    )
    if recover is not None:
        with_it, without = recover(func)
        if not with_it > without + 0.3:
            fail(
                f"the broken start reached {with_it:.2f} with your re-initialisation and "
                f"{without:.2f} without: it should rescue the network."
            )
        message += f" The broken start reaches {with_it:.2f} with it, {without:.2f} without."
    passed(message)
