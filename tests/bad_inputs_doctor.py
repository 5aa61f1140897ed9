"""Bad-input cases for nnlab.doctor (notebook 08)."""

import torch
from badinput import bad, names

from nnlab import MLP, doctor

MODEL = MLP([4, 6, 6, 3])
X = torch.rand(12, 4)
Y = torch.randint(0, 3, (12,))
FROZEN = MLP([4, 3]).requires_grad_(False)

CASES = {
    "nnlab.doctor.diagnose": names(
        bad(doctor.diagnose, "not a model", "model", "mlp", X, Y),
        bad(doctor.diagnose, "frozen model", "model", FROZEN, X, Y),
        bad(doctor.diagnose, "X as a list", "X", MODEL, X.tolist(), Y),
        bad(doctor.diagnose, "X without batch dimension", "X", MODEL, X[0], Y[:1]),
        bad(doctor.diagnose, "X with NaN", "X", MODEL, X.clone().fill_(float("nan")), Y),
        bad(doctor.diagnose, "float labels", "y", MODEL, X, Y.float()),
        bad(doctor.diagnose, "negative label", "y", MODEL, X, Y - 1),
        bad(doctor.diagnose, "rows differ", "X", MODEL, X, Y[:10]),
        bad(doctor.diagnose, "too few rows", "X", MODEL, X[:4], Y[:4]),
        bad(doctor.diagnose, "label past the outputs", "y", MODEL, X, Y + 3),
        bad(doctor.diagnose, "unknown loss", "loss", MODEL, X, Y, loss="hinge"),
        bad(doctor.diagnose, "mse targets of another shape", "y", MODEL, X, X, loss="mse"),
        bad(doctor.diagnose, "zero lr", "lr", MODEL, X, Y, lr=0.0),
        bad(doctor.diagnose, "lr as a string", "lr", MODEL, X, Y, lr="0.1"),
        bad(doctor.diagnose, "negative seed", "seed", MODEL, X, Y, seed=-1),
    ),
    "nnlab.doctor.layer_gradients": names(
        bad(doctor.layer_gradients, "not a model", "model", None, X, Y),
        bad(doctor.layer_gradients, "unknown loss", "loss", MODEL, X, Y, loss="l1"),
        bad(doctor.layer_gradients, "rows differ", "X", MODEL, X, Y[:5]),
    ),
    "nnlab.doctor.Finding": names(
        bad(doctor.Finding, "unknown code", "code", "slow", "evidence", "fix"),
        bad(doctor.Finding, "empty message", "message", "input_scale", "", "fix"),
        bad(doctor.Finding, "unknown cause", "follows_from", "input_scale", "e", "f", "bad"),
    ),
    "nnlab.doctor.Report": names(
        bad(doctor.Report, "findings of strings", "findings", ["input_scale"]),
        bad(doctor.Report, "skipped as a string", "skipped", [], "lr"),
        bad(doctor.Report, "measured as a list", "measured", [], [], [1.0]),
    ),
    "nnlab.doctor.plot_findings": names(
        bad(doctor.plot_findings, "empty dict", "reports", {}),
        bad(doctor.plot_findings, "not reports", "reports", {"a": "input_scale"}),
        bad(doctor.plot_findings, "ax not axes", "ax", {"a": doctor.Report()}, ax="left"),
    ),
}
