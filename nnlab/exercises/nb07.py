"""Checks for notebook 07 (superposition and sparse autoencoders): the recovery score of a
dictionary, which change revives dead latents for good, and the dimensionality of each
feature of a toy model."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from . import _as_array, call_learner, check_multiple_choice, compare_arrays, fail, passed

_GEN = torch.Generator().manual_seed(7)
# A test case: 6 true directions in 4 dimensions and 9 decoder columns of unequal norms.
_TRUE = torch.randn(4, 6, generator=_GEN, dtype=torch.float64)
_DECODER = torch.cat(
    [
        _TRUE[:, :4] + 0.3 * torch.randn(4, 4, generator=_GEN, dtype=torch.float64),
        torch.randn(4, 5, generator=_GEN, dtype=torch.float64),
    ],
    dim=1,
) * torch.linspace(0.5, 3.0, 9, dtype=torch.float64)


def _unit(a: torch.Tensor) -> torch.Tensor:
    return a / a.norm(dim=0, keepdim=True)


def _cosines(decoder: torch.Tensor, true_dirs: torch.Tensor) -> torch.Tensor:
    return _unit(true_dirs).T @ _unit(decoder)  # (n_features, n_latents)


def check_recovery(func: Callable[[torch.Tensor, torch.Tensor], float]) -> None:
    """Check ``func(decoder (d, L), true_dirs (d, n)) -> float``: the mean over true features
    of the largest cosine with any decoder column."""
    got = call_learner(func, _DECODER.clone(), _TRUE.clone(), name="recovery_score")
    value = _as_array(got, "recovery_score(decoder, true_dirs)")
    if value.size != 1:
        fail(
            f"recovery_score returned {value.size} numbers; return one number: the average, "
            "over the true features, of each one's best match."
        )
    value = float(value.reshape(()))
    cos = _cosines(_DECODER, _TRUE)
    expected = float(cos.amax(dim=1).mean())

    def near(x: float) -> bool:
        return abs(value - x) <= 1e-6 * max(abs(x), 1.0)

    if near(expected):
        passed(
            f"recovery_score = {expected:.3f} on the test case: each true feature's best cosine, "
            "averaged over the true features."
        )
        return
    raw = _TRUE.T @ _DECODER
    if near(float(cos.amax(dim=0).mean())):
        fail(
            "you averaged over the decoder columns (each latent's best true feature). The score "
            "asks, for each *true* feature, whether some latent found it: take the best over "
            "latents, then average over true features."
        )
    if near(float(cos.abs().amax(dim=1).mean())):
        fail("you took |cos|: a latent that points the opposite way does not find the feature.")
    if near(float(raw.amax(dim=1).mean())) or near(
        float((_unit(_TRUE).T @ _DECODER).amax(dim=1).mean())
    ):
        fail(
            "those are dot products, not cosines: the decoder columns here do not have unit "
            "norm, so divide each column by its length first.",
            stronger="torch.linalg.norm(a, dim=0, keepdim=True) gives each column's length.",
        )
    if near(float(cos.mean())) or near(float(cos.amax())):
        fail("take the best cosine for each true feature, then the mean of those best values.")
    fail(
        f"recovery_score gave {value:.4g} on the test case, not the expected score: normalise "
        "both sets of columns, take all cosines, the best per true feature, then the mean."
    )


REVIVE_HINTS = {
    "a": "resampling gives a dead latent a fresh start, but it does not change the loss being "
    "minimised: where the optimum at this l1 has the latent silent, training pushes it back "
    "below zero (section 6, at l1 = 1: about as many dead latents at the end with resampling "
    "as without).",
    "c": "more steps only bring the run closer to the optimum of the same loss; if that optimum "
    "has (nearly) every latent silent, longer training cannot make them fire.",
    "d": "a smaller learning rate slows the route but leaves the loss, and so its best point, "
    "unchanged: trained long enough, the run ends at the same (nearly) silent code.",
}


def check_revive(answer: object) -> None:
    """Check the core exercise: at the largest l1 almost every latent is dead at convergence;
    the change that keeps them alive is a smaller l1 (the objective must give them a job)."""
    check_multiple_choice(
        answer,
        correct="b",
        hints=REVIVE_HINTS,
        success="'b': at l1 = 2 a latent's slope at z = 0, -2 r.d + l1, is negative only where "
        "r.d > 1, which a single feature of strength at most 1 cannot reach: firing costs more "
        "than it saves, so the optimum itself has (nearly) every latent silent. Only a change of "
        "objective, a smaller l1, gives them a job.",
    )


def _dimensionality(W: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(W, axis=0)
    unit = W / np.where(norms > 0, norms, 1.0)
    return norms**2 / ((unit.T @ W) ** 2).sum(axis=1)


_PENTAGON = np.stack(
    [np.cos(2 * math.pi * np.arange(5) / 5), np.sin(2 * math.pi * np.arange(5) / 5)]
)
_CASES = (
    _PENTAGON,  # 5 features in 2 dimensions: 2/5 each
    np.array([[1.0, 0.0, 0.6], [0.0, 2.0, 0.8]]),  # three features sharing two dimensions unevenly
    np.array([[1.5, -1.5, 0.0], [0.0, 0.0, 0.7]]),  # an antipodal pair (1/2 each) and one alone
)


def check_feature_dimensionality(func: Callable[[np.ndarray], np.ndarray]) -> None:
    """Check ``func(W (m, n)) -> (n,)``: Elhage et al.'s dimensionality of each feature,
    ``D_i = |W_i|² / Σ_j (Ŵ_i · W_j)²``."""
    for W in _CASES:
        got = call_learner(func, W.copy(), name="feature_dimensionality")
        g = _as_array(got, "feature_dimensionality(W)")
        expected = _dimensionality(W)
        if g.shape == (W.shape[0],):
            fail(
                f"you returned {W.shape[0]} numbers, one per hidden dimension; return one per "
                f"feature ({W.shape[1]}): features are the columns of W."
            )
        if g.shape == expected.shape and np.all(np.isfinite(g)):
            norms = np.linalg.norm(W, axis=0)
            no_sq = norms / np.abs((W / norms).T @ W).sum(axis=1)
            if np.allclose(g, no_sq) and not np.allclose(g, expected):
                fail("square the overlaps (and the norm): the sum is over (Ŵ_i · W_j)².")
            gram = W.T @ W
            if np.allclose(g, norms**2 / (gram**2).sum(axis=1)) and not np.allclose(g, expected):
                fail(
                    "the overlap uses the unit vector Ŵ_i on the left, not W_i itself: divide "
                    "column i by its norm before taking its dot products.",
                    stronger="with W_i instead of Ŵ_i a feature of norm 2 alone in its "
                    "dimension scores 1/4, not 1.",
                )
        compare_arrays("feature_dimensionality(W)", g, expected, rtol=1e-6)
    passed(
        "feature_dimensionality gives 2/5 for each feature of the pentagon, 1 for a feature "
        "with a dimension of its own and 1/2 for an antipodal pair."
    )


__all__ = ["REVIVE_HINTS", "check_feature_dimensionality", "check_recovery", "check_revive"]
