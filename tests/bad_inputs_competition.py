"""Bad-input cases for nnlab.competition (notebook 05's bookkeeping)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from badinput import bad, names  # noqa: E402

from nnlab import competition  # noqa: E402

X = torch.rand(6, 2)
W = torch.rand(3, 2)
XB, WB = torch.rand(2, 6, 2), torch.rand(2, 3, 2)
TRAJ = torch.rand(4, 3, 2)
_, AX = plt.subplots()
plt.close("all")
GEN = torch.Generator().manual_seed(0)


def _pairs(fn):
    return names(
        bad(fn, "X a list", "X", X.tolist(), W),
        bad(fn, "integer X", "X", X.long(), W),
        bad(fn, "1-D X", "X", X[0], W),
        bad(fn, "W not batched like X", "W", XB, W),
        bad(fn, "W with other runs", "W", XB, torch.rand(3, 3, 2)),
        bad(fn, "W with other columns", "W", X, torch.rand(3, 4)),
        bad(fn, "NaN in W", "W", X, torch.full((3, 2), float("nan"))),
    )


CASES = {
    "nnlab.competition.ring_clusters": names(
        bad(competition.ring_clusters, "a seed, not a generator", "generator", 0),
        bad(competition.ring_clusters, "zero points", "n", GEN, 0),
        bad(competition.ring_clusters, "zero clusters", "k", GEN, 10, 0),
        bad(competition.ring_clusters, "negative radius", "radius", GEN, 10, 2, -1.0),
        bad(competition.ring_clusters, "negative std", "std", GEN, std=-0.1),
    ),
    "nnlab.competition.owned_counts": _pairs(competition.owned_counts),
    "nnlab.competition.dead_counts": _pairs(competition.dead_counts),
    "nnlab.competition.quantisation_error": _pairs(competition.quantisation_error),
    "nnlab.competition.clusters_owned": names(
        bad(competition.clusters_owned, "float labels", "labels", X, torch.zeros(6), W),
        bad(competition.clusters_owned, "too few labels", "labels", X, torch.zeros(5).long(), W),
        bad(
            competition.clusters_owned, "W of other width", "W", X, torch.zeros(6).long(), X[:, :1]
        ),
    ),
    "nnlab.competition.first_win_steps": names(
        bad(competition.first_win_steps, "2-D trajectory", "trajectory", TRAJ[0]),
        bad(competition.first_win_steps, "one row", "trajectory", TRAJ[:1]),
        bad(competition.first_win_steps, "integer trajectory", "trajectory", TRAJ.long()),
    ),
    "nnlab.competition.draw_competition": names(
        bad(competition.draw_competition, "not an axes", "ax", None, X, TRAJ, "t"),
        bad(competition.draw_competition, "3-D X", "X", AX, XB, TRAJ, "t"),
        bad(competition.draw_competition, "title not text", "title", AX, X, TRAJ, 3),
        bad(competition.draw_competition, "too few colours", "colors", AX, X, TRAJ, "t", ["k"]),
        bad(competition.draw_competition, "zero every", "every", AX, X, TRAJ, "t", None, 0),
        bad(
            competition.draw_competition,
            "3 columns",
            "X",
            AX,
            torch.rand(6, 3),
            torch.rand(4, 3, 3),
            "t",
        ),
    ),
}
