"""Bad-input cases for nnlab.credit (notebook 06)."""

import torch
from badinput import bad, names

from nnlab import credit as C

X = torch.randn(10, 4)
Y = torch.arange(10) % 3
T = torch.randn(10, 3)
SIZES = [4, 5, 3]
NET = C.init_network(SIZES, "fa", [0])
FIT = C.train("backprop", SIZES, X, Y, lr=0.1, steps=2, seed=0)

CASES = {
    "nnlab.credit.init_network": names(
        bad(C.init_network, "unknown rule", "rule", SIZES, "hebb", [0]),
        bad(C.init_network, "sizes too short", "sizes", [4], "fa", [0]),
        bad(C.init_network, "zero width", "sizes[1]", [4, 0, 3], "fa", [0]),
        bad(C.init_network, "sizes a string", "sizes", "4-5-3", "fa", [0]),
        bad(C.init_network, "negative seed", "seed[0]", SIZES, "fa", [-1]),
    ),
    "nnlab.credit.estimate": names(
        bad(C.estimate, "not a network", "net", {"W1": 1}, X, Y),
        bad(C.estimate, "X of the wrong width", "X", NET, torch.randn(10, 6), Y),
        bad(C.estimate, "labels past sizes[-1]", "y", NET, X, Y + 5),
        bad(C.estimate, "zero sigma", "sigma", NET, X, Y, sigma=0.0),
        bad(
            C.estimate,
            "generators not a list of generators",
            "generators",
            NET,
            X,
            Y,
            generators=[1],
        ),
    ),
    "nnlab.credit.train": names(
        bad(C.train, "unknown rule", "rule", "hebbian", SIZES, X, Y, lr=0.1, steps=5),
        bad(C.train, "sizes do not fit X", "X", "fa", [3, 5, 3], X, Y, lr=0.1, steps=5),
        bad(C.train, "targets do not fit sizes", "y", "fa", [4, 5, 2], X, T, lr=0.1, steps=5),
        bad(C.train, "one output for labels", "sizes", "fa", [4, 5, 1], X, Y * 0, lr=0.1, steps=5),
        bad(C.train, "y of another length", "y", "fa", SIZES, X, Y[:5], lr=0.1, steps=5),
        bad(C.train, "X not a tensor", "X", "fa", SIZES, X.numpy(), Y, lr=0.1, steps=5),
        bad(C.train, "NaN in X", "X", "fa", SIZES, X * torch.nan, Y, lr=0.1, steps=5),
        bad(C.train, "zero lr", "lr", "fa", SIZES, X, Y, lr=0.0, steps=5),
        bad(
            C.train,
            "negative lr in a list",
            "lr[1]",
            "fa",
            SIZES,
            X,
            Y,
            lr=[0.1, -1.0],
            steps=5,
            seed=[0, 1],
        ),
        bad(
            C.train,
            "lr list of another length",
            "lr",
            "fa",
            SIZES,
            X,
            Y,
            lr=[0.1, 0.2],
            steps=5,
            seed=[0, 1, 2],
        ),
        bad(C.train, "zero steps", "steps", "fa", SIZES, X, Y, lr=0.1, steps=0),
        bad(C.train, "steps a float", "steps", "fa", SIZES, X, Y, lr=0.1, steps=5.0),
        bad(C.train, "zero batch", "batch_size", "fa", SIZES, X, Y, lr=0.1, steps=5, batch_size=0),
        bad(C.train, "zero every", "every", "fa", SIZES, X, Y, lr=0.1, steps=5, every=0),
        bad(
            C.train,
            "negative decay",
            "weight_decay",
            "kp",
            SIZES,
            X,
            Y,
            lr=0.1,
            steps=5,
            weight_decay=-1.0,
        ),
        bad(C.train, "seed a string", "seed", "fa", SIZES, X, Y, lr=0.1, steps=5, seed="one"),
        bad(
            C.train,
            "net of another rule",
            "net",
            "dfa",
            SIZES,
            X,
            Y,
            lr=0.1,
            steps=5,
            seed=0,
            net=NET,
        ),
    ),
    "nnlab.credit.angle_deg": names(
        bad(C.angle_deg, "not a tensor", "a", [1.0, 0.0], torch.ones(2)),
        bad(C.angle_deg, "integer tensor", "b", torch.ones(2), torch.ones(2, dtype=torch.long)),
        bad(C.angle_deg, "shapes do not broadcast", "a", torch.ones(3, 2), torch.ones(4, 2)),
    ),
    "nnlab.credit.steps_to_reach": names(
        bad(C.steps_to_reach, "not a result", "result", {"loss": 1}, 0.5),
        bad(C.steps_to_reach, "zero fraction", "fraction", FIT, 0.0),
    ),
}
CASES["nnlab.credit.evaluate"] = names(
    bad(C.evaluate, "not a network", "net", "net", X, Y),
    bad(C.evaluate, "labels of another length", "y", NET, X, Y[:3]),
)
