"""Toy models of superposition (Elhage et al., 2022), trained many at once. Notebook 07.

A toy model squeezes ``n_features`` sparse features through ``n_hidden`` < ``n_features``
dimensions and reads them back with the same weights:

    h = W x            (n_hidden,)        W: (n_hidden, n_features)
    x' = ReLU(Wᵀ h + b)                   b: (n_features,)
    loss = mean over examples of Σ_i I_i (x_i − x'_i)²

Each feature ``x_i`` is 0 with probability ``sparsity`` (Elhage's S) and uniform on [0, 1]
otherwise, independently of the others; ``I_i`` is the feature's importance. Column ``i`` of
``W`` is the direction in which feature ``i`` is stored; a column of norm near 0 means the
feature is dropped.

- ``sample_features``: a batch of such inputs.
- ``toy_loss``: the importance-weighted loss above, for one model or a stack of models.
- ``train_toy_models``: ``K`` models trained at once (one per sparsity/importance/seed),
  as one batched computation with Adam; returns ``W (K, n_hidden, n_features)`` and
  ``b (K, n_features)``.
- ``train_toy_model``: one model (``K = 1``), ``W (n_hidden, n_features)`` and ``b``.
- ``feature_norms`` and ``interference``: what the notebook reads off ``W``: each
  feature's norm ``|W_i|`` and the squared overlap ``Σ_{j≠i} (Ŵ_i · W_j)²`` of its
  direction with the other features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ._validate import (
    check_float,
    check_fraction,
    check_generator,
    check_int,
    check_list,
    check_tensor,
)
from .config import resolve_seed

__all__ = [
    "ToyModel",
    "feature_norms",
    "interference",
    "sample_features",
    "toy_loss",
    "train_toy_model",
    "train_toy_models",
]


@dataclass
class ToyModel:
    """One trained toy model: ``W`` (n_hidden, n_features), ``b`` (n_features,)."""

    W: torch.Tensor
    b: torch.Tensor

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """The model's output ``ReLU(x Wᵀ W + b)`` for inputs ``x`` (n, n_features)."""
        x = check_tensor("x", x, ndim=2, floating=True)
        if x.shape[1] != self.W.shape[1]:
            raise ValueError(f"x must have {self.W.shape[1]} columns; got {x.shape[1]}")
        return torch.relu(x @ self.W.T @ self.W + self.b)


def sample_features(
    n: int, n_features: int, sparsity: float | torch.Tensor, generator: torch.Generator
) -> torch.Tensor:
    """Return ``n`` inputs with ``n_features`` sparse features each.

    ``sparsity`` is the probability that a feature is zero: a float (one batch, shape
    ``(n, n_features)``) or a 1-D tensor of ``K`` values (a batch per model, shape
    ``(K, n, n_features)``). A non-zero feature is uniform on [0, 1].
    """
    n = check_int("n", n, minimum=1)
    n_features = check_int("n_features", n_features, minimum=1)
    check_generator(generator)
    if isinstance(sparsity, torch.Tensor):
        s = check_tensor("sparsity", sparsity, ndim=1, floating=True)
        if (s < 0).any() or (s > 1).any():
            raise ValueError("sparsity must lie in [0, 1]")
        shape = (len(s), n, n_features)
        density = (1 - s).view(-1, 1, 1)
    else:
        shape = (n, n_features)
        density = torch.tensor(1 - check_fraction("sparsity", sparsity))
    # One uniform draw u per feature: the feature is on when u < density (probability
    # 1 - sparsity), and then u / density is uniform on [0, 1].
    u = torch.rand(shape, generator=generator)
    return torch.where(u < density, u / density.clamp_min(1e-12), torch.zeros(()))


def toy_loss(
    W: torch.Tensor, b: torch.Tensor, x: torch.Tensor, importance: torch.Tensor
) -> torch.Tensor:
    """The importance-weighted reconstruction loss of a toy model (or a stack of them).

    One model: ``W (m, n)``, ``b (n,)``, ``x (batch, n)``, ``importance (n,)``; returns a
    scalar. A stack: ``W (K, m, n)``, ``b (K, n)``, ``x (K, batch, n)``, ``importance
    (K, n)`` or ``(n,)``; returns ``(K,)``, one loss per model. The loss is the mean over
    examples of ``Σ_i importance_i (x_i − x'_i)²`` with ``x' = ReLU(Wᵀ W x + b)``.
    """
    W = check_tensor("W", W, floating=True)
    if W.ndim not in (2, 3):
        raise ValueError(f"W must have 2 or 3 dimensions; got shape {tuple(W.shape)}")
    stacked = W.ndim == 3
    Ws = W if stacked else W.unsqueeze(0)
    n = Ws.shape[2]
    b = check_tensor("b", b, ndim=2 if stacked else 1, floating=True)
    x = check_tensor("x", x, ndim=3 if stacked else 2, floating=True)
    importance = check_tensor("importance", importance, floating=True)
    bs = b if stacked else b.unsqueeze(0)
    xs = x if stacked else x.unsqueeze(0)
    if bs.shape != (Ws.shape[0], n):
        raise ValueError(f"b must have shape {(Ws.shape[0], n)[int(not stacked) :]}")
    if xs.shape[0] != Ws.shape[0] or xs.shape[2] != n:
        raise ValueError(f"x must have {n} features per example (and one batch per model)")
    imp = importance if importance.ndim == 2 else importance.view(1, -1)
    if imp.shape[-1] != n or imp.ndim != 2 or imp.shape[0] not in (1, Ws.shape[0]):
        raise ValueError(f"importance must have shape ({n},) or (K, {n})")
    out = torch.relu(torch.bmm(torch.bmm(xs, Ws.transpose(1, 2)), Ws) + bs.unsqueeze(1))
    loss = ((xs - out) ** 2 * imp.unsqueeze(1)).sum(dim=2).mean(dim=1)
    return loss if stacked else loss[0]


def train_toy_models(
    n_features: int,
    n_hidden: int,
    *,
    sparsity: Sequence[float],
    importance: torch.Tensor | None = None,
    seeds: Sequence[int],
    steps: int,
    lr: float = 0.01,
    batch_size: int = 256,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Train ``K = len(sparsity)`` toy models at once; return ``W (K, m, n)``, ``b (K, n)``.

    Model ``k`` has sparsity ``sparsity[k]`` and its initial weights (Xavier-normal) come
    from ``seeds[k]``; the training batches come from one stream seeded by ``seeds[0]``,
    each model drawing its own independent slice of it. ``importance`` is ``None``
    (every feature 1), a tensor ``(n,)`` shared by all models, or ``(K, n)``: one row per
    model. Adam with rate ``lr``, ``steps`` batches of ``batch_size`` fresh inputs each.
    """
    n_features = check_int("n_features", n_features, minimum=1)
    n_hidden = check_int("n_hidden", n_hidden, minimum=1)
    steps = check_int("steps", steps, minimum=1)
    lr = check_float("lr", lr, positive=True)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    sparsity = check_list("sparsity", sparsity, "probabilities, one per model")
    s = torch.tensor([check_fraction("sparsity", v) for v in sparsity])
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Sequence):
        raise TypeError("seeds must be a list of ints, one per model")
    seeds = [resolve_seed(v, "seeds") for v in seeds]
    K = len(s)
    if len(seeds) != K:
        raise ValueError(f"seeds must have one entry per model ({K}); got {len(seeds)}")
    if importance is None:
        importance = torch.ones(n_features)
    importance = check_tensor("importance", importance, floating=True).float()
    if importance.shape not in ((n_features,), (K, n_features)):
        raise ValueError(
            f"importance must have shape ({n_features},) or ({K}, {n_features}); "
            f"got {tuple(importance.shape)}"
        )
    if (importance < 0).any():
        raise ValueError("importance must be >= 0")

    std = (2.0 / (n_features + n_hidden)) ** 0.5  # Xavier-normal
    W = torch.stack(
        [torch.randn(n_hidden, n_features, generator=_gen(sd)) * std for sd in seeds]
    ).requires_grad_()
    b = torch.zeros(K, n_features, requires_grad=True)
    data = _gen(seeds[0])  # one stream of batches; each model gets its own slice of it
    opt = torch.optim.Adam([W, b], lr=lr)
    for _ in range(steps):
        x = sample_features(batch_size, n_features, s, data)  # (K, batch, n)
        loss = toy_loss(W, b, x, importance).sum()  # models are independent: sum their losses
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return W.detach(), b.detach()


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def train_toy_model(
    n_features: int,
    n_hidden: int,
    *,
    sparsity: float,
    importance: torch.Tensor | None = None,
    steps: int,
    lr: float = 0.01,
    batch_size: int = 256,
    seed: int | None = None,
) -> ToyModel:
    """Train one toy model; return a ``ToyModel`` with ``W (n_hidden, n_features)``, ``b``.

    The arguments are those of ``train_toy_models`` for a single model; ``seed=None`` uses
    the course's base seed (``NNLAB_SEED``).
    """
    sparsity = check_fraction("sparsity", sparsity)
    W, b = train_toy_models(
        n_features,
        n_hidden,
        sparsity=[sparsity],
        importance=importance,
        seeds=[resolve_seed(seed)],
        steps=steps,
        lr=lr,
        batch_size=batch_size,
    )
    return ToyModel(W[0], b[0])


def _check_W(W: object) -> torch.Tensor:
    W = check_tensor("W", W, floating=True)
    if W.ndim not in (2, 3):
        raise ValueError(f"W must have 2 or 3 dimensions (m, n) or (K, m, n); got {tuple(W.shape)}")
    return W


def feature_norms(W: torch.Tensor) -> torch.Tensor:
    """Return ``|W_i|``, the norm of each feature's column: ``(n,)`` for ``W (m, n)``,
    ``(K, n)`` for a stack ``W (K, m, n)``."""
    return _check_W(W).norm(dim=-2)


def interference(W: torch.Tensor) -> torch.Tensor:
    """Return ``Σ_{j≠i} (Ŵ_i · W_j)²`` per feature ``i`` (``(n,)`` or ``(K, n)``).

    ``Ŵ_i`` is column ``i`` made unit-norm (a zero column counts as no overlap): 0 when
    feature ``i`` has a dimension of its own, large when it shares its direction.
    """
    W = _check_W(W)
    norms = W.norm(dim=-2, keepdim=True)
    unit = W / norms.clamp_min(1e-12)
    overlap = unit.transpose(-1, -2) @ W  # (..., n, n): entry (i, j) = Ŵ_i · W_j
    sq = overlap**2
    diag = torch.diagonal(sq, dim1=-2, dim2=-1)
    return sq.sum(dim=-1) - diag
