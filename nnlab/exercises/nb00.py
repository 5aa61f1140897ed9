"""Checks for notebook 00 (introduction).

- ``check_accuracy_from_logits`` (warm-up): the fraction of rows whose arg-max is the label;
- ``check_boundary_pieces`` (core): how many straight pieces the decision boundary of a
  [2, 2, 2] ReLU network can have at most (a reasoning exercise on the width experiment);
- ``check_kill_unit`` (stretch): make one hidden unit dead on a data set, and tell a dead
  unit (it never fires) from a silenced one (its vote, the outgoing weights, set to zero).
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable

import torch
from torch import nn

from .._validate import check_int, check_tensor
from ..probes import pre_activations
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
                "average the per-row results.",
                stronger="a tensor of 0s and 1s (or booleans) has a method that averages it, "
                "and `.item()` turns a one-element tensor into a Python float.",
            )
        got = got.item()
    if isinstance(got, int | float) and got > 1:
        fail(
            f"got {got}: that looks like a count; divide by the number of rows.",
            stronger="an accuracy is a fraction between 0 and 1: correct rows over all rows.",
        )
    wrong_axis = float((logits.argmax(dim=0)[:4] == labels[:4]).float().mean())
    if (
        isinstance(got, float)
        and abs(got - wrong_axis) < 1e-9
        and abs(wrong_axis - expected) > 1e-6
    ):
        fail(
            "the arg-max runs over the wrong axis: take it over the classes, dim=1.",
            stronger="logits has one row per example and one column per class; the predicted "
            "class of a row is the column of its largest score.",
        )
    compare_scalar("accuracy", got, expected, rtol=1e-6)
    passed(f"accuracy_from_logits returns {expected:.2f} on a random test batch.")


# ----------------------------------------------------------------- core: the width experiment

BOUNDARY_PIECES = 3  # two switch lines, four regions, none of the boundary where both are off

_PIECE_HINTS = {
    0: (
        "zero pieces means one class everywhere. A network can end like that (when its units "
        "never fire), but the question asks for the most pieces a [2, 2, 2] network can draw.",
        "one unit already draws a straight line; a second unit can only add to what the "
        "logit difference can do.",
    ),
    1: (
        "one straight piece is the one-unit network. With two units the logit difference is "
        "a1*relu(z1) + a2*relu(z2) + c: where does its formula change?",
        "each unit switches on along its own line z_i = 0 (dashed in the figure). Count the "
        "regions the two lines cut the plane into, and ask in which of them the boundary can pass.",
    ),
    2: (
        "one piece per unit misses a region: where both units are on, the logit difference is "
        "yet another linear function of x.",
        "list the regions (off, off), (on, off), (off, on), (on, on); in each, write the logit "
        "difference without relu and ask whether it can be zero along a line there.",
    ),
    4: (
        "four regions, but the boundary cannot cross one of them: where both units are off, "
        "what is the logit difference?",
        "where both units are off, both relu terms are 0, so the logit difference is the same "
        "number everywhere in that region: it cannot change sign there.",
    ),
}
_TOO_MANY = (
    "more pieces than regions: inside one region the logit difference is a linear function "
    "of x, so its zero set there is at most one straight piece.",
    "two straight lines cut the plane into at most four regions; now ask in which regions the "
    "logit difference can actually change sign.",
)


def check_boundary_pieces(answer: object) -> None:
    """Check ``answer``: the most straight pieces a [2, 2, 2] ReLU net's boundary can have (3)."""
    if answer is None or answer is Ellipsis:
        fail("set `answer` to a whole number (your prediction), then run this cell again.")
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        fail(f"`answer` should be a whole number of straight pieces; got {answer!r}.")
    if answer != int(answer):
        fail(f"`answer` should be a whole number of straight pieces; got {answer!r}.")
    pieces = int(answer)
    if pieces < 0:
        fail("a number of pieces cannot be negative.")
    if pieces == BOUNDARY_PIECES:
        passed(
            "3. Two switch lines cut the plane into at most four regions; in each the logit "
            "difference is linear, so the boundary is straight there, and where both units "
            "are off it is constant, so no boundary passes. At most three straight pieces."
        )
        return
    first, stronger = _PIECE_HINTS.get(pieces, _TOO_MANY)
    fail(first, stronger=stronger)


# ------------------------------------------------------------------ stretch: dead or silenced


def _check_mlp(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    for name in ("fc1", "act1", "out"):
        if not hasattr(model, name):
            raise ValueError(
                f"model must be an nnlab MLP with layers fc1, act1, ..., out; it has no {name!r}"
            )
    if not isinstance(model.act1, nn.ReLU):
        raise ValueError(f"model must use ReLU units; its act1 is {type(model.act1).__name__}")
    return model


def _fires(model: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """How many rows of X each unit of act1 fires on (pre-activation > 0): shape (units,)."""
    z = pre_activations(model, X)["act1"]
    return (z.nan_to_num(nan=-1.0) > 0).sum(0)


def _changed(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return ~((a == b) | (a.isnan() & b.isnan()))


def check_kill_unit(
    kill_unit: Callable[[nn.Module, int], nn.Module],
    model: nn.Module,
    X: torch.Tensor,
    unit: int | None = None,
) -> None:
    """Check ``kill_unit(model, k) -> model``: afterwards unit k of ``act1`` never fires on X.

    ``model`` is an nnlab ``MLP`` with ReLU units (it is copied, never changed); ``X`` float
    ``(n, model.sizes[0])``; ``unit`` is the unit to kill (default: the one that fires on
    the most rows of X, the hardest). Only unit k's incoming weights (row k of
    ``fc1.weight``, ``fc1.bias[k]``) and its vote (column k of the next layer's weight) may
    change; every other unit must stay as it was.
    """
    model = _check_mlp(model)
    X = check_tensor("X", X, ndim=2, floating=True)
    n_units = model.fc1.out_features
    if X.shape[1] != model.fc1.in_features or len(X) == 0:
        raise ValueError(
            f"X must have shape (n >= 1, {model.fc1.in_features}); got {tuple(X.shape)}"
        )
    before = _fires(model, X)
    if unit is None:
        unit = int(before.argmax())
    unit = check_int("unit", unit, minimum=0)
    if unit >= n_units:
        raise ValueError(f"unit must be an integer in [0, {n_units}); got {unit}")
    if not callable(kill_unit):
        fail(f"expected a function for `kill_unit`, got {type(kill_unit).__name__}")
    original = {k: v.detach().clone() for k, v in model.state_dict().items()}
    got = call_learner(kill_unit, copy.deepcopy(model), unit, name="kill_unit")
    if got is None:
        fail("kill_unit returned None: return the model at the end, after changing it.")
    if not isinstance(got, nn.Module) or set(got.state_dict()) != set(original):
        fail(f"kill_unit should return the model it was given; got {type(got).__name__}.")
    state = {k: v.detach() for k, v in got.state_dict().items()}
    if not all(torch.isfinite(v).all() for v in state.values()):
        fail(
            "some weights are NaN or infinite: a dead unit needs finite numbers, "
            "or it breaks every prediction downstream."
        )
    others = torch.ones(n_units, dtype=torch.bool)
    others[unit] = False
    w_in, b_in = state["fc1.weight"], state["fc1.bias"]
    moved_in = _changed(w_in, original["fc1.weight"])
    if moved_in[others].any():
        if int(moved_in.any(dim=0).sum()) == 1:
            fail(
                "you changed a column of fc1.weight: a column is how much every unit listens "
                "to one pixel. A unit's own incoming weights are its row.",
                stronger=f"unit {unit}'s incoming weights are fc1.weight[{unit}] (a row of "
                f"{model.fc1.in_features} numbers) and fc1.bias[{unit}].",
            )
        fail(f"other units' incoming weights changed: change unit {unit} only.")
    if _changed(b_in, original["fc1.bias"])[others].any():
        fail(f"other units' biases changed: change fc1.bias[{unit}] only.")
    out_name = _next_weight(state, original)
    for name, value in state.items():
        if name.startswith("fc1.") or name == out_name:
            continue
        if _changed(value, original[name]).any():
            fail(f"{name} changed: leave the layers after unit {unit} as they were.")
    if out_name is not None:
        moved = _changed(state[out_name], original[out_name])
        if moved[:, others].any():
            fail(f"other units' votes ({out_name}) changed: change unit {unit} only.")
    fires = int(_fires(got, X)[unit])
    n = len(X)
    if fires > 0:
        vote_changed = out_name is not None and bool(
            _changed(state[out_name], original[out_name])[:, unit].any()
        )
        in_changed = bool(
            _changed(w_in, original["fc1.weight"])[unit].any()
            or _changed(b_in, original["fc1.bias"])[unit]
        )
        if vote_changed and not in_changed:
            fail(
                "the unit still fires: you changed its vote (its outgoing weights), not its "
                "activity. A dead unit never fires; change what it listens to.",
                stronger=f"a ReLU unit fires on an image when w·x + b > 0, with w = "
                f"fc1.weight[{unit}] and b = fc1.bias[{unit}]: make that false for every image.",
            )
        fail(
            f"unit {unit} still fires on {fires} of the {n} images (it fired on "
            f"{int(before[unit])} before): push further, every image must give w·x + b <= 0.",
            stronger="the pixels lie between 0 and 1, so w·x is bounded by the sum of the "
            "positive weights: a bias below minus that bound, or no positive weight and a "
            "bias <= 0, leaves no image that switches the unit on.",
        )
    passed(
        f"unit {unit} fired on {int(before[unit])} of the {n} images and now fires on none: "
        "it gets no gradient from them, on its incoming weights or on its vote."
    )


def _next_weight(state: dict[str, torch.Tensor], original: dict[str, torch.Tensor]) -> str | None:
    """The name of the weight that reads act1's units (the layer after fc1), if any."""
    names = [k for k in original if k.endswith(".weight") and not k.startswith("fc1.")]
    return names[0] if names else None
