"""Bad-input cases for nnlab.recovery (notebook 09's bookkeeping)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from badinput import bad, names  # noqa: E402

from nnlab import recovery  # noqa: E402
from nnlab.batched import init_stack  # noqa: E402

STACK = init_stack([2, 4, 1], seeds=[0, 1])
X = torch.rand(6, 2)
T = torch.rand(6, 1)
UNIT = torch.tensor([0, 3])
_, AX = plt.subplots()
plt.close("all")

CASES = {
    "nnlab.recovery.unit_masks": names(
        bad(recovery.unit_masks, "not a stack", "stack", "net", UNIT),
        bad(recovery.unit_masks, "unit a list", "unit", STACK, [0, 3]),
        bad(recovery.unit_masks, "unit too short", "unit", STACK, torch.tensor([0])),
        bad(recovery.unit_masks, "unit out of range", "unit", STACK, torch.tensor([0, 4])),
        bad(
            recovery.unit_masks, "no hidden layer", "stack", init_stack([2, 1], seeds=[0]), UNIT[:1]
        ),
    ),
    "nnlab.recovery.retrain": names(
        bad(recovery.retrain, "not a stack", "stack", None, X, T, lr=0.1, steps=2),
        bad(recovery.retrain, "X wrong width", "X", STACK, torch.rand(6, 3), T, lr=0.1, steps=2),
        bad(recovery.retrain, "T wrong shape", "T", STACK, X, torch.rand(5, 1), lr=0.1, steps=2),
        bad(recovery.retrain, "zero steps", "steps", STACK, X, T, lr=0.1, steps=0),
        bad(recovery.retrain, "negative lr", "lr", STACK, X, T, lr=-0.1, steps=2),
        bad(recovery.retrain, "lr per model, wrong count", "lr", STACK, X, T, lr=[0.1], steps=2),
        bad(
            recovery.retrain,
            "unknown optimizer",
            "optimizer",
            STACK,
            X,
            T,
            lr=0.1,
            steps=2,
            optimizer="rmsprop",
        ),
        bad(recovery.retrain, "unit as int", "unit", STACK, X, T, lr=0.1, steps=2, unit=1),
        bad(
            recovery.retrain,
            "NaN in X",
            "X",
            STACK,
            torch.full((6, 2), float("nan")),
            T,
            lr=0.1,
            steps=2,
        ),
    ),
    "nnlab.recovery.recovery_gap": names(
        bad(recovery.recovery_gap, "loss 1-D", "loss", torch.rand(4), torch.rand(4)),
        bad(
            recovery.recovery_gap,
            "reference too long",
            "reference",
            torch.rand(2, 3),
            torch.rand(3),
        ),
        bad(
            recovery.recovery_gap,
            "reference not a tensor",
            "reference",
            torch.rand(2, 3),
            [1.0, 2.0],
        ),
    ),
    "nnlab.recovery.draw_map": names(
        bad(recovery.draw_map, "not an axes", "ax", None, torch.ones(1, 2), ["a", "b"], [0.1], "t"),
        bad(
            recovery.draw_map, "wrong shape", "values", AX, torch.ones(2, 2), ["a", "b"], [0.1], "t"
        ),
        bad(recovery.draw_map, "values a list", "values", AX, [[1.0, 2.0]], ["a", "b"], [0.1], "t"),
    ),
}
