"""Bad-input cases for nnlab.warm_start (notebook 03's bookkeeping)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from badinput import bad, names  # noqa: E402

from nnlab import warm_start  # noqa: E402
from nnlab.batched import init_stack  # noqa: E402

X = torch.rand(6, 4)
Y = torch.tensor([0, 1, 2, 0, 1, 2])
ORDERS = [torch.arange(6), torch.arange(6).flip(0)]
STACK = init_stack([4, 5, 3], seeds=[0])
VALUES = torch.rand(4, 3)
_, AX = plt.subplots()
plt.close("all")

CASES = {
    "nnlab.warm_start.per_seed_digits": names(
        bad(warm_start.per_seed_digits, "X not a tensor", "X", [[0.0]], Y, ORDERS, 2),
        bad(warm_start.per_seed_digits, "float labels", "y", X, Y.float(), ORDERS, 2),
        bad(warm_start.per_seed_digits, "lengths differ", "X and y", X, Y[:5], ORDERS, 2),
        bad(warm_start.per_seed_digits, "orders a tensor", "orders", X, Y, torch.arange(6), 2),
        bad(warm_start.per_seed_digits, "order too short", "orders", X, Y, ORDERS, 7),
        bad(warm_start.per_seed_digits, "zero digits", "n", X, Y, ORDERS, 0),
        bad(warm_start.per_seed_digits, "zero copies", "copies", X, Y, ORDERS, 2, copies=0),
    ),
    "nnlab.warm_start.paired_gap": names(
        bad(
            warm_start.paired_gap,
            "int values",
            "values",
            torch.ones(4, 3, dtype=torch.int64),
            1,
            0,
            2,
        ),
        bad(warm_start.paired_gap, "rows not a multiple", "runs", VALUES, 1, 0, 3),
        bad(warm_start.paired_gap, "block out of range", "ref", VALUES, 2, 0, 2),
        bad(warm_start.paired_gap, "negative block", "arm", VALUES, 1, -1, 2),
        bad(warm_start.paired_gap, "zero runs", "runs", VALUES, 1, 0, 0),
    ),
    "nnlab.warm_start.confidence_report": names(
        bad(warm_start.confidence_report, "not a stack", "stack", None, X, Y),
        bad(warm_start.confidence_report, "X one-dimensional", "X", STACK, X[0], Y),
        bad(warm_start.confidence_report, "float labels", "y", STACK, X, Y.float()),
        bad(warm_start.confidence_report, "lengths differ", "X and y", STACK, X, Y[:4]),
        bad(warm_start.confidence_report, "zero bins", "bins", STACK, X, Y, bins=0),
    ),
    "nnlab.warm_start.mean_band": names(
        bad(warm_start.mean_band, "not an axes", "ax", None, VALUES, "runs"),
        bad(warm_start.mean_band, "runs one-dimensional", "runs", AX, VALUES[0], "runs"),
        bad(warm_start.mean_band, "unknown spread", "spread", AX, VALUES, "runs", spread="iqr"),
        bad(warm_start.mean_band, "x too short", "x", AX, VALUES, "runs", x=torch.arange(2)),
    ),
}
