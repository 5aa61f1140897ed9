"""Bad-input cases for nnlab.superposition (notebook 07)."""

import torch
from badinput import bad, names

from nnlab import superposition

G = torch.Generator().manual_seed(0)
W = torch.randn(2, 5)
B = torch.zeros(5)
X5 = torch.rand(8, 5)
IMP = torch.ones(5)
TOY = superposition.ToyModel(W, B)

CASES = {
    "nnlab.superposition.sample_features": names(
        bad(superposition.sample_features, "zero rows", "n", 0, 5, 0.5, G),
        bad(superposition.sample_features, "sparsity above 1", "sparsity", 4, 5, 1.5, G),
        bad(superposition.sample_features, "no generator", "generator", 4, 5, 0.5, 3),
        bad(
            superposition.sample_features,
            "tensor out of range",
            "sparsity",
            4,
            5,
            torch.tensor([0.5, -0.1]),
            G,
        ),
    ),
    "nnlab.superposition.toy_loss": names(
        bad(superposition.toy_loss, "W a list", "W", [[1.0]], B, X5, IMP),
        bad(superposition.toy_loss, "W 1-D", "W", torch.ones(5), B, X5, IMP),
        bad(superposition.toy_loss, "wrong x width", "x", W, B, torch.rand(8, 4), IMP),
        bad(superposition.toy_loss, "wrong importance", "importance", W, B, X5, torch.ones(4)),
        bad(superposition.toy_loss, "NaN in x", "x", W, B, X5 * float("nan"), IMP),
    ),
    "nnlab.superposition.train_toy_models": names(
        bad(
            superposition.train_toy_models,
            "zero hidden",
            "n_hidden",
            5,
            0,
            sparsity=[0.5],
            seeds=[0],
            steps=1,
        ),
        bad(
            superposition.train_toy_models,
            "sparsity a float",
            "sparsity",
            5,
            2,
            sparsity=0.5,
            seeds=[0],
            steps=1,
        ),
        bad(
            superposition.train_toy_models,
            "seeds too short",
            "seeds",
            5,
            2,
            sparsity=[0.5, 0.9],
            seeds=[0],
            steps=1,
        ),
        bad(
            superposition.train_toy_models,
            "zero steps",
            "steps",
            5,
            2,
            sparsity=[0.5],
            seeds=[0],
            steps=0,
        ),
        bad(
            superposition.train_toy_models,
            "negative importance",
            "importance",
            5,
            2,
            sparsity=[0.5],
            seeds=[0],
            steps=1,
            importance=-torch.ones(5),
        ),
        bad(
            superposition.train_toy_models,
            "negative rate",
            "lr",
            5,
            2,
            sparsity=[0.5],
            seeds=[0],
            steps=1,
            lr=-0.1,
        ),
    ),
    "nnlab.superposition.train_toy_model": names(
        bad(
            superposition.train_toy_model,
            "sparsity a list",
            "sparsity",
            5,
            2,
            sparsity=[0.5],
            steps=1,
        ),
        bad(
            superposition.train_toy_model,
            "negative seed",
            "seed",
            5,
            2,
            sparsity=0.5,
            steps=1,
            seed=-1,
        ),
    ),
    "nnlab.superposition.ToyModel": names(
        bad(TOY, "wrong width", "x", torch.rand(3, 4)),
        bad(TOY, "an int", "x", 3),
    ),
    "nnlab.superposition.feature_norms": names(
        bad(superposition.feature_norms, "1-D", "W", torch.ones(3)),
        bad(superposition.feature_norms, "a list", "W", [[1.0]]),
    ),
    "nnlab.superposition.interference": names(
        bad(superposition.interference, "4-D", "W", torch.ones(1, 1, 2, 2)),
        bad(superposition.interference, "integer", "W", torch.ones(2, 3, dtype=torch.int64)),
    ),
}
