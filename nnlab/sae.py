"""Sparse autoencoders (dictionary learning) for notebook 07.

A sparse autoencoder (Bricken et al., 2023) rewrites a ``d``-dimensional activation ``x``
as a sparse, non-negative combination of ``n_latents`` learned directions:

    z = ReLU(W_enc (x − b_dec) + b_enc)          (n_latents,)   the latents
    x̂ = W_dec z + b_dec                          (d,)           the reconstruction
    loss = mean over examples of  |x − x̂|² + l1 · Σ_j |z_j|

``W_dec`` (d × n_latents, the ``decoder``) holds one direction per latent, renormalised to
unit norm after every step so that the L1 penalty cannot be dodged by shrinking ``z`` and
growing the columns. A latent that is zero on every input gets no gradient (the ReLU's
slope is 0 there): a *dead latent*, the same thing as notebook 02's dead unit.
*Resampling* revives it: its encoder row and decoder column are re-initialised towards an
input the model reconstructs badly.

- ``SAE``: a trained autoencoder, with ``encode``, ``decode``, ``loss``, ``dead_fraction``.
- ``train_saes``: several SAEs on the same activations at once (one per ``l1``), batched.
- ``train_sae``: one SAE.
- ``sparse_dictionary_data``: activations built from a known sparse dictionary, so the
  recovered features can be scored (``recovery``: mean over true features of the best
  cosine with a decoder column, Sharkey et al., 2022).
- ``class_purity``: for each unit or latent, the share of its top activations that come
  from its most common class (1.0: one meaning; 0.1: ten digits mixed evenly).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ._validate import check_bool, check_float, check_fraction, check_int, check_list, check_tensor
from .config import resolve_seed

__all__ = [
    "SAE",
    "class_purity",
    "recovery",
    "sparse_dictionary_data",
    "train_sae",
    "train_saes",
]


RESAMPLE_AT = (0.2, 0.4, 0.6)  # resampling points, as fractions of the training steps


def _check_acts(acts: object, name: str = "acts") -> torch.Tensor:
    acts = check_tensor(name, acts, ndim=2, floating=True)
    if len(acts) < 2:
        raise ValueError(f"{name} needs at least 2 rows (examples); got {len(acts)}")
    return acts


@dataclass
class SAE:
    """A sparse autoencoder: ``W_enc (n_latents, d)``, ``b_enc (n_latents,)``, ``decoder``
    ``(d, n_latents)`` (unit-norm columns when trained with renormalisation), ``b_dec (d,)``
    and the ``l1`` coefficient it was trained with. ``dead_history (windows, 2)``, from
    training, holds rows ``(step, fraction of latents that did not fire on any batch of the
    window ending at that step)``, one window per ``steps // 60`` steps. ``resampled
    (len(RESAMPLE_AT), n_latents)``, from training with resampling, marks the latents each
    resampling re-initialised (``None`` without resampling)."""

    W_enc: torch.Tensor
    b_enc: torch.Tensor
    decoder: torch.Tensor
    b_dec: torch.Tensor
    l1: float
    dead_history: torch.Tensor | None = None
    resampled: torch.Tensor | None = None

    def _x(self, x: object) -> torch.Tensor:
        x = check_tensor("x", x, ndim=2, floating=True)
        if x.shape[1] != self.decoder.shape[0]:
            raise ValueError(f"x must have {self.decoder.shape[0]} columns; got {x.shape[1]}")
        return x

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latents ``z = ReLU((x − b_dec) W_encᵀ + b_enc)``: ``(n, n_latents)`` for ``x (n, d)``."""
        return torch.relu((self._x(x) - self.b_dec) @ self.W_enc.T + self.b_enc)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Reconstruction ``z W_decᵀ + b_dec``: ``(n, d)`` for ``z (n, n_latents)``."""
        z = check_tensor("z", z, ndim=2, floating=True)
        if z.shape[1] != self.decoder.shape[1]:
            raise ValueError(f"z must have {self.decoder.shape[1]} columns; got {z.shape[1]}")
        return z @ self.decoder.T + self.b_dec

    def loss(self, x: torch.Tensor) -> float:
        """The training objective on ``x``: mean of ``|x − x̂|² + l1 · Σ|z|`` over rows."""
        z = self.encode(x)
        err = ((x - self.decode(z)) ** 2).sum(dim=1)
        return float((err + self.l1 * z.abs().sum(dim=1)).mean())

    def dead_fraction(self, acts: torch.Tensor) -> float:
        """The fraction of latents that are zero on every row of ``acts (n, d)``."""
        z = self.encode(_check_acts(acts))
        return float((z.amax(dim=0) <= 0).float().mean())


def train_saes(
    acts: torch.Tensor,
    n_latents: int,
    *,
    l1: Sequence[float],
    steps: int,
    lr: float = 3e-3,
    batch_size: int = 256,
    resample: bool = True,
    renormalise: bool = True,
    seed: int | None = None,
) -> list[SAE]:
    """Train one SAE per value in ``l1`` on ``acts (n, d)`` at once; return them in order.

    Adam with rate ``lr``; ``steps`` mini-batches of ``batch_size`` rows drawn with
    replacement. The SAEs start alike (the same draw from ``seed``, default the course's
    base seed) and see the same batches, so they differ only by ``l1``.
    ``resample=True``: at 20%, 40% and 60% of training, latents that did not fire during
    the preceding tenth of training are re-initialised towards badly reconstructed inputs
    (rows drawn with probability proportional to their squared error): decoder column = that input
    (centred, unit norm), encoder row = the same direction scaled to 0.2 × the mean norm of
    the live encoder rows, encoder bias 0; Adam's running mean of their gradient is cleared
    and its running mean square set to that of the live latents.
    ``renormalise=False`` skips the unit-norm step on the decoder columns.
    """
    acts = _check_acts(acts)
    n_latents = check_int("n_latents", n_latents, minimum=1)
    l1 = check_list("l1", l1, "coefficients, one per SAE")
    l1s = torch.tensor([check_float("l1", v, nonnegative=True) for v in l1])
    steps = check_int("steps", steps, minimum=1)
    lr = check_float("lr", lr, positive=True)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    check_bool("resample", resample)
    check_bool("renormalise", renormalise)
    gen = torch.Generator().manual_seed(resolve_seed(seed))
    acts = acts.float()
    K, (n, d) = len(l1s), acts.shape

    mean = acts.mean(dim=0)
    dec = torch.randn(d, n_latents, generator=gen)
    dec = dec / dec.norm(dim=0, keepdim=True)
    W_dec = dec.expand(K, d, n_latents).clone().requires_grad_()
    W_enc = dec.T.expand(K, n_latents, d).clone().requires_grad_()  # tied at the start
    b_enc = torch.zeros(K, n_latents, requires_grad=True)
    b_dec = mean.expand(K, d).clone().requires_grad_()
    params = [W_enc, b_enc, W_dec, b_dec]
    opt = torch.optim.Adam(params, lr=lr)
    checkpoints = {int(steps * f) for f in RESAMPLE_AT} if resample else set()
    lookback = max(1, steps // 10)  # a latent silent for this many steps counts as dead
    fired = torch.zeros(K, n_latents, dtype=torch.bool)  # since the start of the look-back
    window = max(1, steps // 60)
    fired_window = torch.zeros(K, n_latents, dtype=torch.bool)
    history: list[torch.Tensor] = []
    resampled: list[torch.Tensor] = []  # (K, n_latents) per checkpoint
    for step in range(1, steps + 1):
        x = acts[torch.randint(n, (batch_size,), generator=gen)]  # (B, d), shared
        z = torch.relu(torch.baddbmm(b_enc.unsqueeze(1), x - b_dec.unsqueeze(1), W_enc.mT))
        x_hat = torch.baddbmm(b_dec.unsqueeze(1), z, W_dec.mT)  # (K, B, d)
        err = ((x_hat - x) ** 2).sum(dim=2).mean(dim=1)
        sparsity = z.abs().sum(dim=2).mean(dim=1)
        loss = (err + l1s * sparsity).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            fired_now = (z > 0).any(dim=1)
            fired |= fired_now
            fired_window |= fired_now
            if step % window == 0:
                history.append((~fired_window).float().mean(dim=1))
                fired_window.zero_()
            if renormalise:
                W_dec /= W_dec.norm(dim=1, keepdim=True).clamp_min(1e-12)
            if step + lookback in checkpoints:
                fired.zero_()  # start looking back
            if step in checkpoints:
                resampled.append((~fired).clone())
                _resample(acts, params, opt, ~fired, gen)
    at = torch.arange(1, len(history) + 1, dtype=torch.float) * window
    dead = torch.stack(history, dim=1)  # (K, windows)
    return [
        SAE(
            W_enc[k].detach(),
            b_enc[k].detach(),
            W_dec[k].detach(),
            b_dec[k].detach(),
            float(l1s[k]),
            torch.stack([at, dead[k]], dim=1),
            torch.stack([r[k] for r in resampled]) if resampled else None,
        )
        for k in range(K)
    ]


def _resample(
    acts: torch.Tensor,
    params: list[torch.Tensor],
    opt: torch.optim.Optimizer,
    dead: torch.Tensor,
    gen: torch.Generator,
) -> None:
    """Re-initialise the ``dead (K, n_latents)`` latents towards badly reconstructed rows."""
    W_enc, b_enc, W_dec, b_dec = params
    sample = acts[torch.randint(len(acts), (min(len(acts), 2048),), generator=gen)]
    for k in range(len(dead)):
        idx = dead[k].nonzero().flatten()
        if len(idx) == 0:
            continue
        z = torch.relu((sample - b_dec[k]) @ W_enc[k].T + b_enc[k])
        err = ((z @ W_dec[k].T + b_dec[k] - sample) ** 2).sum(dim=1)
        rows = torch.multinomial(err + 1e-12, len(idx), replacement=True, generator=gen)
        direction = sample[rows] - b_dec[k]
        direction = direction / direction.norm(dim=1, keepdim=True).clamp_min(1e-12)
        alive = ~dead[k]
        scale = 0.2 * (W_enc[k][alive].norm(dim=1).mean() if alive.any() else 1.0)
        W_dec[k][:, idx] = direction.T
        W_enc[k][idx] = direction * scale
        b_enc[k][idx] = 0.0
        # Adam: forget the old direction (first moment), keep the step size of the live latents
        # (second moment), so a revived latent does not take outsized first steps.
        for p, sl, live in (
            (W_enc, (k, idx), (k, alive)),
            (b_enc, (k, idx), (k, alive)),
            (W_dec, (k, slice(None), idx), (k, slice(None), alive)),
        ):
            state = opt.state.get(p, {})
            if "exp_avg" in state:
                state["exp_avg"][sl] = 0.0
                if alive.any():
                    state["exp_avg_sq"][sl] = state["exp_avg_sq"][live].mean()


def train_sae(
    acts: torch.Tensor,
    n_latents: int,
    *,
    l1: float,
    steps: int,
    lr: float = 3e-3,
    batch_size: int = 256,
    resample: bool = True,
    renormalise: bool = True,
    seed: int | None = None,
) -> SAE:
    """Train one sparse autoencoder with ``n_latents`` latents on ``acts (n, d)``.

    The arguments are those of ``train_saes`` with a single ``l1`` (>= 0).
    """
    l1 = check_float("l1", l1, nonnegative=True)
    return train_saes(
        acts,
        n_latents,
        l1=[l1],
        steps=steps,
        lr=lr,
        batch_size=batch_size,
        resample=resample,
        renormalise=renormalise,
        seed=seed,
    )[0]


def sparse_dictionary_data(
    n: int, d: int, n_features: int, *, p_active: float, seed: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``X (n, d)`` built from a known dictionary, and the dictionary ``(d, n_features)``.

    The dictionary's columns are random unit vectors; each row of ``X`` is a sum of the
    columns it uses, each used independently with probability ``p_active`` and a coefficient
    uniform on [0, 1]. ``seed`` (default: the course's base seed) fixes both draws.
    """
    n = check_int("n", n, minimum=1)
    d = check_int("d", d, minimum=1)
    n_features = check_int("n_features", n_features, minimum=1)
    p_active = check_fraction("p_active", p_active)
    gen = torch.Generator().manual_seed(resolve_seed(seed))
    D = torch.randn(d, n_features, generator=gen)
    D = D / D.norm(dim=0, keepdim=True)
    on = torch.rand(n, n_features, generator=gen) < p_active
    coef = torch.rand(n, n_features, generator=gen) * on
    return coef @ D.T, D


def recovery(decoder: torch.Tensor, true_dirs: torch.Tensor) -> float:
    """Mean over the true features of the best cosine with any decoder column.

    ``decoder (d, n_latents)``, ``true_dirs (d, n_features)``; 1.0 when every true feature
    has a decoder column pointing exactly its way (Sharkey et al., 2022's measure).
    """
    decoder = check_tensor("decoder", decoder, ndim=2, floating=True)
    true_dirs = check_tensor("true_dirs", true_dirs, ndim=2, floating=True)
    if decoder.shape[0] != true_dirs.shape[0]:
        raise ValueError(
            f"decoder and true_dirs must have the same number of rows (the dimension d); "
            f"got {decoder.shape[0]} and {true_dirs.shape[0]}"
        )
    a = decoder / decoder.norm(dim=0, keepdim=True).clamp_min(1e-12)
    b = true_dirs / true_dirs.norm(dim=0, keepdim=True).clamp_min(1e-12)
    return float((b.T @ a).amax(dim=1).mean())


def class_purity(acts: torch.Tensor, labels: torch.Tensor, top: int = 50) -> torch.Tensor:
    """For each column of ``acts (n, units)``, the share of its ``top`` largest activations
    that belong to its most common class in ``labels (n,)`` (int). Returns ``(units,)``;
    a column whose ``top``-th largest value is 0 (it fires on fewer than ``top`` rows)
    gets NaN: it has no ``top`` activations to judge.
    """
    acts = _check_acts(acts)
    labels = check_tensor("labels", labels, ndim=1, integer=True)
    if len(labels) != len(acts):
        raise ValueError(
            f"acts and labels must have the same number of rows; got {len(acts)} and {len(labels)}"
        )
    top = check_int("top", top, minimum=1)
    if top > len(acts):
        raise ValueError(f"top must be at most the number of rows ({len(acts)}); got {top}")
    values, idx = acts.topk(top, dim=0)  # (top, units)
    classes = labels[idx]  # (top, units)
    n_classes = int(labels.max()) + 1
    counts = torch.zeros(n_classes, acts.shape[1]).scatter_add_(
        0, classes, torch.ones_like(classes, dtype=torch.float)
    )
    purity = counts.amax(dim=0) / top
    return torch.where(values[-1] > 0, purity, torch.full_like(purity, float("nan")))
