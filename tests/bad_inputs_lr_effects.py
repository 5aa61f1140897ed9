"""Bad-input cases for nnlab.lr_effects (notebook 04's bookkeeping)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from badinput import bad, names  # noqa: E402

from nnlab import lr_effects  # noqa: E402
from nnlab.batched import init_stack  # noqa: E402

ACC = torch.tensor([0.5, 0.9, 0.1])
BROKEN = torch.tensor([[False], [False], [True]])
_, AX = plt.subplots()
plt.close("all")
STACK = init_stack([4, 5, 3], seeds=[0])
X = torch.rand(6, 4)
T = torch.rand(6, 3)

CASES = {
    "nnlab.lr_effects.name_regimes": names(
        bad(lr_effects.name_regimes, "accuracy as a list", "mean_acc", [0.5, 0.9], BROKEN),
        bad(lr_effects.name_regimes, "broken not bool", "broken", ACC, BROKEN.float()),
        bad(lr_effects.name_regimes, "broken too short", "broken", ACC, BROKEN[:2]),
        bad(lr_effects.name_regimes, "negative tolerance", "tolerance", ACC, BROKEN, -0.1),
    ),
    "nnlab.lr_effects.shade_regimes": names(
        bad(lr_effects.shade_regimes, "not an axes", "ax", None, [0.1, 1.0], ["good", "good"]),
        bad(lr_effects.shade_regimes, "one rate", "lrs", AX, [0.1], ["good"]),
        bad(lr_effects.shade_regimes, "decreasing rates", "lrs", AX, [1.0, 0.1], ["good"] * 2),
        bad(lr_effects.shade_regimes, "too few names", "regime", AX, [0.1, 1.0], ["good"]),
        bad(lr_effects.shade_regimes, "unknown name", "regime", AX, [0.1, 1.0], ["good", "x"]),
    ),
    "nnlab.lr_effects.schedule_factor": names(
        bad(lr_effects.schedule_factor, "unknown kind", "kind", "linear", 0, 2, 10),
        bad(lr_effects.schedule_factor, "negative step", "step", "cosine", -1, 2, 10),
        bad(lr_effects.schedule_factor, "zero warm-up", "warm_steps", "cosine", 0, 0, 10),
        bad(lr_effects.schedule_factor, "warm-up too long", "warm_steps", "cosine", 0, 10, 10),
        bad(lr_effects.schedule_factor, "float total", "total_steps", "cosine", 0, 2, 10.5),
    ),
    "nnlab.lr_effects.steps_to_shrink": names(
        bad(lr_effects.steps_to_shrink, "a list", "gap", [1.0, 0.5]),
        bad(lr_effects.steps_to_shrink, "one step", "gap", torch.ones(3, 1)),
        bad(lr_effects.steps_to_shrink, "factor below 1", "factor", torch.ones(3), factor=0.5),
    ),
    "nnlab.lr_effects.output_correction": names(
        bad(
            lr_effects.output_correction,
            "not a stack",
            "stack",
            None,
            X,
            T,
            unit=0,
            delta=0.5,
            lrs=[0.1],
            steps=3,
        ),
        bad(
            lr_effects.output_correction,
            "unit too large",
            "unit",
            STACK,
            X,
            T,
            unit=3,
            delta=0.5,
            lrs=[0.1],
            steps=3,
        ),
        bad(
            lr_effects.output_correction,
            "zero shift",
            "delta",
            STACK,
            X,
            T,
            unit=0,
            delta=0.0,
            lrs=[0.1],
            steps=3,
        ),
        bad(
            lr_effects.output_correction,
            "no rates",
            "lrs",
            STACK,
            X,
            T,
            unit=0,
            delta=0.5,
            lrs=[],
            steps=3,
        ),
        bad(
            lr_effects.output_correction,
            "negative rate",
            "lrs",
            STACK,
            X,
            T,
            unit=0,
            delta=0.5,
            lrs=[-0.1],
            steps=3,
        ),
        bad(
            lr_effects.output_correction,
            "zero steps",
            "steps",
            STACK,
            X,
            T,
            unit=0,
            delta=0.5,
            lrs=[0.1],
            steps=0,
        ),
    ),
}
