"""Bad-input cases for nnlab.credit_demo and notebook 01's newer exercise checks."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from badinput import bad, check, names

from nnlab import credit_demo as cd
from nnlab.exercises import nb01

_rng = np.random.default_rng(0)
NET = {
    "W1": _rng.normal(size=(2, 3)),
    "b1": np.zeros(3),
    "W2": _rng.normal(size=(3, 2)),
    "b2": np.zeros(2),
}
X = _rng.normal(size=(10, 2))
Y_LABELS = np.arange(10) % 2
Y_HOT = np.eye(2)[Y_LABELS]
THETAS = np.stack([cd.flatten(NET)] * 2)
NAN_NET = {**NET, "W1": np.full((2, 3), np.nan)}
_, AX = plt.subplots()


def _grad(p, Xb, Yb):
    return {k: np.zeros_like(v) for k, v in p.items()}


CASES = {
    "nnlab.credit_demo.flatten": names(
        bad(cd.flatten, "not a dict", "p", [1, 2]),
        bad(cd.flatten, "missing key", "p", {"W1": NET["W1"]}),
        bad(cd.flatten, "NaN weights", "p", NAN_NET),
        bad(cd.flatten, "shapes do not chain", "p", {**NET, "b1": np.zeros(4)}),
    ),
    "nnlab.credit_demo.unflatten": names(
        bad(cd.unflatten, "wrong width", "thetas", THETAS[:, :-1], NET),
        bad(cd.unflatten, "1-D thetas", "thetas", THETAS[0], NET),
        bad(cd.unflatten, "like not a network", "like", THETAS, {"W1": 1}),
    ),
    "nnlab.credit_demo.losses_of_many": names(
        bad(cd.losses_of_many, "inputs of the wrong width", "X", THETAS, NET, X[:, :1], Y_HOT),
        bad(cd.losses_of_many, "labels, not one-hot", "Y", THETAS, NET, X, Y_LABELS),
    ),
    "nnlab.credit_demo.to_stack": names(
        bad(cd.to_stack, "empty list", "networks", []),
        bad(cd.to_stack, "one dict, not a list", "networks", NET),
        bad(cd.to_stack, "mixed sizes", "networks", [NET, {**NET, "W1": NET["W1"][:1]}]),
    ),
    "nnlab.credit_demo.from_stack": names(bad(cd.from_stack, "not a stack", "stack", NET)),
    "nnlab.credit_demo.descend_many": names(
        bad(cd.descend_many, "zero steps", "steps", [NET], X, Y_LABELS, lr=0.1, steps=0),
        bad(cd.descend_many, "negative lr", "lr", [NET], X, Y_LABELS, lr=-0.1, steps=2),
        bad(cd.descend_many, "one-hot labels", "y", [NET], X, Y_HOT, lr=0.1, steps=2),
        bad(
            cd.descend_many,
            "unit out of range",
            "watch",
            [NET],
            X,
            Y_LABELS,
            lr=0.1,
            steps=2,
            watch=[3],
        ),
        bad(
            cd.descend_many,
            "one unit too many",
            "watch",
            [NET],
            X,
            Y_LABELS,
            lr=0.1,
            steps=2,
            watch=[0, 1],
        ),
    ),
    "nnlab.credit_demo.sgd": names(
        bad(
            cd.sgd,
            "grad not callable",
            "grad",
            3,
            NET,
            X,
            Y_HOT,
            epochs=1,
            lr=0.1,
            batch=4,
            rng=_rng,
        ),
        bad(
            cd.sgd, "zero batch", "batch", _grad, NET, X, Y_HOT, epochs=1, lr=0.1, batch=0, rng=_rng
        ),
        bad(
            cd.sgd,
            "seed, not a generator",
            "rng",
            _grad,
            NET,
            X,
            Y_HOT,
            epochs=1,
            lr=0.1,
            batch=4,
            rng=0,
        ),
        bad(
            cd.sgd,
            "zero every",
            "every",
            _grad,
            NET,
            X,
            Y_HOT,
            epochs=1,
            lr=0.1,
            batch=4,
            rng=_rng,
            every=0,
        ),
        bad(
            cd.sgd,
            "probe not callable",
            "probe",
            _grad,
            NET,
            X,
            Y_HOT,
            epochs=1,
            lr=0.1,
            batch=4,
            rng=_rng,
            probe="angles",
        ),
    ),
    "nnlab.credit_demo.band": names(
        bad(cd.band, "not axes", "ax", None, np.arange(2), np.ones((3, 2)), label="x"),
        bad(cd.band, "runs do not fit x", "runs", AX, np.arange(3), np.ones((3, 2)), label="x"),
    ),
    "nnlab.credit_demo.paired_bars": names(
        bad(cd.paired_bars, "not axes", "ax", None, ["a"], {"x": (np.ones((1, 2)), "red")}),
        bad(cd.paired_bars, "one category string", "categories", AX, "a", {}),
        bad(cd.paired_bars, "empty series", "series", AX, ["a"], {}),
        bad(cd.paired_bars, "rows do not fit", "series", AX, ["a"], {"x": (np.ones((2, 2)), "r")}),
        bad(
            cd.paired_bars,
            "zero floor",
            "floor",
            AX,
            ["a"],
            {"x": (np.ones((1, 2)), "r")},
            floor=0.0,
        ),
    ),
    "nnlab.exercises.nb01.check_softplus_slope": names(
        check(nb01.check_softplus_slope, "not a function", "softplus_slope", 0.5),
        check(nb01.check_softplus_slope, "returns text", "softplus_slope", lambda z: "slope"),
    ),
    "nnlab.exercises.nb01.check_listening_flip": names(
        check(nb01.check_listening_flip, "no choice yet", "answer", None),
        check(nb01.check_listening_flip, "not an option", "options", "d"),
    ),
    "nnlab.exercises.nb01.check_fa_two_hidden": names(
        check(nb01.check_fa_two_hidden, "not a function", "fa_two_hidden", None),
        check(nb01.check_fa_two_hidden, "returns one array", "dZ1", lambda *a: a[0]),
    ),
}
