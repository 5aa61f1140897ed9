"""Hebbian and competitive learning rules, learned online. Introduced in notebook 05.

Every rule here sees one sample ``x`` at a time, in a fresh random order each epoch, and
changes its weights using only what it can see locally: the input ``x`` and its own output.

- ``hebb``: plain Hebb, ``w += lr * y * x`` with ``y = w @ x``. The norm grows without bound.
- ``oja``: Oja (1982), ``w += lr * y * (x - y * w)``. Converges to the first principal
  component of centred data, with unit norm.
- ``sanger``: Sanger's generalised Hebbian algorithm (1989), the top ``k`` components.
- ``competitive``: winner-take-all learning; only the unit nearest to ``x`` moves towards it.
  An optional conscience (DeSieno 1988) or frequency penalty (Ahalt et al. 1990) handicaps
  units that win too often. ``win_counts`` counts the points each prototype owns (0: dead).
- ``bcm``: Bienenstock, Cooper & Munro (1982): Hebbian above a sliding threshold,
  anti-Hebbian below it; the threshold tracks the mean squared output.

Conventions shared by every function:

- ``X`` is a float tensor ``(n, d)``. Hebb, Oja and Sanger expect it centred (they do not
  centre it for you); competitive learning and BCM take it as it is.
- ``seed`` (default ``None``: the course's base seed, ``NNLAB_SEED``, as in ``make_blobs``)
  fixes the order of the samples (``sample_order``) and then the random initial weights.
- ``return_trajectory=True`` also returns the weights before the first step and after each
  step: a tensor ``(n * epochs + 1, ...)`` whose row ``t`` is the state after ``t`` steps
  (for BCM, whose state has two parts, ``bcm_trajectory`` returns both paths).
- The loops make thousands of operations on tiny tensors, for which extra threads only add
  overhead (and, on a busy machine, long waits): they run on one thread, and restore
  PyTorch's thread count afterwards. The competitive loop runs in NumPy (see its comment).
"""

from __future__ import annotations

import numpy as np
import torch

from ._validate import check_bool, check_float, check_int, check_tensor
from .config import resolve_seed
from .runtime import torch_threads

__all__ = [
    "bcm",
    "bcm_trajectory",
    "competitive",
    "hebb",
    "oja",
    "sample_order",
    "sanger",
    "win_counts",
]


# ----------------------------------------------------------------------------- argument checks
def _check_X(X: object) -> torch.Tensor:
    """Return X if it is a finite float tensor (n, d) with n, d >= 1, else raise."""
    return check_tensor("X", X, ndim=2, floating=True)


def _check_seed(seed: object) -> int:
    return resolve_seed(seed)


def _check_start(name: str, value: object, shape: tuple[int, ...]) -> torch.Tensor:
    """Return a float copy of the initial weights ``value`` if it has ``shape``, else raise."""
    check_tensor(name, value, ndim=len(shape), floating=True)
    if tuple(value.shape) != shape:
        raise ValueError(f"{name} must have shape {shape}; got {tuple(value.shape)}")
    return value.detach().clone()


def _check_common(X: object, lr: object, epochs: object, seed: object, trajectory: object):
    X = _check_X(X)
    lr = check_float("lr", lr, positive=True)
    epochs = check_int("epochs", epochs, minimum=1)
    seed = _check_seed(seed)
    check_bool("return_trajectory", trajectory)
    return X, lr, epochs, seed


# ----------------------------------------------------------------------------- shared plumbing
def sample_order(n: int, epochs: int, seed: int | None = None) -> torch.Tensor:
    """Return the order in which the rules visit the samples: int64 ``(epochs * n,)``.

    Each epoch is a fresh random permutation of ``0..n-1``, drawn from a generator seeded
    with ``seed`` (default ``NNLAB_SEED``). Every rule in this module uses exactly this order,
    so a loop written by hand over ``X[sample_order(n, epochs, seed)]`` repeats its steps.
    """
    n = check_int("n", n, minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    return _order_and_generator(n, epochs, _check_seed(seed))[0]


def _order_and_generator(n: int, epochs: int, seed: int) -> tuple[torch.Tensor, torch.Generator]:
    """The sample order, and the same generator afterwards (it then draws initial weights)."""
    gen = torch.Generator().manual_seed(seed)
    order = torch.cat([torch.randperm(n, generator=gen) for _ in range(epochs)])
    return order, gen


def _finish(weights: torch.Tensor, history: list[torch.Tensor] | None):
    if history is None:
        return weights
    return weights, torch.stack(history)


# ----------------------------------------------------------------------------- Hebb and Oja
def _single_unit(X, lr, epochs, seed, w0, return_trajectory, decay: bool):
    X, lr, epochs, seed = _check_common(X, lr, epochs, seed, return_trajectory)
    order, gen = _order_and_generator(len(X), epochs, seed)
    d = X.shape[1]
    if w0 is None:
        w = torch.randn(d, generator=gen, dtype=X.dtype) / d**0.5
    else:
        w = _check_start("w0", w0, (d,)).to(X.dtype)
    history = [w.clone()] if return_trajectory else None
    with torch_threads(1):
        for x in X[order]:
            y = w @ x
            w = w + lr * y * (x - y * w) if decay else w + lr * y * x
            if history is not None:
                history.append(w)
    return _finish(w, history)


def hebb(
    X: torch.Tensor,
    lr: float,
    epochs: int,
    seed: int | None = None,
    *,
    w0: torch.Tensor | None = None,
    return_trajectory: bool = False,
):
    """Plain Hebbian learning of one linear unit ``y = w @ x``: ``w += lr * y * x``.

    X float ``(n, d)``, centred; ``lr > 0``; ``epochs >= 1`` passes over the data;
    ``w0`` float ``(d,)`` the starting weights (default: random, norm about 1).
    Returns w ``(d,)``, or ``(w, trajectory (n * epochs + 1, d))`` with
    ``return_trajectory=True``. On average ``w`` grows like ``(1 + lr * lambda_1) ** t``
    (``lambda_1`` the largest eigenvalue of the covariance): without bound, so run it for
    few steps or the weights overflow to ``inf``.
    """
    return _single_unit(X, lr, epochs, seed, w0, return_trajectory, decay=False)


def oja(
    X: torch.Tensor,
    lr: float,
    epochs: int,
    seed: int | None = None,
    *,
    w0: torch.Tensor | None = None,
    return_trajectory: bool = False,
):
    """Oja's rule for one linear unit ``y = w @ x``: ``w += lr * y * (x - y * w)``.

    X float ``(n, d)``, centred; ``lr > 0``; ``epochs >= 1``; ``w0`` float ``(d,)``.
    Returns w ``(d,)``, or ``(w, trajectory (n * epochs + 1, d))``. For a small enough
    ``lr``, w converges to the first principal component of X (up to sign) with norm 1.
    Too large an ``lr`` makes the norm oscillate or diverge (notebook 05 measures where).
    """
    return _single_unit(X, lr, epochs, seed, w0, return_trajectory, decay=True)


# ----------------------------------------------------------------------------- Sanger
def sanger(
    X: torch.Tensor,
    k: int,
    lr: float,
    epochs: int,
    seed: int | None = None,
    *,
    W0: torch.Tensor | None = None,
    return_trajectory: bool = False,
):
    """Sanger's generalised Hebbian algorithm: k linear units ``y = W @ x`` learn the top k PCs.

    ``W += lr * (outer(y, x) - tril(outer(y, y)) @ W)``: unit i does Oja's rule on the input
    minus what units 0..i-1 already explain. X float ``(n, d)``, centred; ``1 <= k <= d``;
    ``W0`` float ``(k, d)`` (default random, rows of norm about 1).
    Returns W ``(k, d)`` (row i tends to the i-th principal component, up to sign, norm 1),
    or ``(W, trajectory (n * epochs + 1, k, d))``.
    """
    X, lr, epochs, seed = _check_common(X, lr, epochs, seed, return_trajectory)
    k = check_int("k", k, minimum=1)
    n, d = X.shape
    if k > d:
        raise ValueError(f"k must be at most the number of columns of X ({d}); got {k}")
    order, gen = _order_and_generator(n, epochs, seed)
    if W0 is None:
        W = torch.randn(k, d, generator=gen, dtype=X.dtype) / d**0.5
    else:
        W = _check_start("W0", W0, (k, d)).to(X.dtype)
    # The loop runs in NumPy (float64), like the competitive loop: on these small matrices it
    # is several times faster than PyTorch, and notebook 05 runs tens of thousands of steps.
    dtype = X.dtype
    samples = X.detach().cpu().double().numpy()[order.numpy()]
    W = W.detach().cpu().double().numpy().copy()
    lower = np.tril(np.ones((k, k)))
    history = [W.copy()] if return_trajectory else None
    for x in samples:
        y = W @ x
        W += lr * (np.outer(y, x) - (lower * np.outer(y, y)) @ W)
        if history is not None:
            history.append(W.copy())
    W_out = torch.from_numpy(W).to(dtype)
    if history is None:
        return W_out
    return W_out, torch.from_numpy(np.stack(history)).to(dtype)


# ----------------------------------------------------------------------------- competition
def competitive(
    X: torch.Tensor,
    k: int,
    lr: float,
    epochs: int,
    seed: int | None = None,
    *,
    conscience: float = 0.0,
    beta: float = 0.003,
    frequency_penalty: float = 0.0,
    init: torch.Tensor | None = None,
    return_trajectory: bool = False,
):
    """Winner-take-all learning of k prototypes, optionally with a conscience.

    For each sample x, the winner is the prototype nearest to x (squared distance) and only
    it moves: ``W[winner] += lr * (x - W[winner])``. A unit that never wins never moves.
    Two optional handicaps for units that win too often (both 0, off, by default):

    - ``conscience = C`` (after DeSieno 1988): each unit keeps its winning frequency ``p``
      (a running average, with rate ``beta``, of how often it won and learned), and the
      competition subtracts a bias ``C * (1/k - p)`` from each squared distance. A unit that
      never wins sees its ``p`` decay towards 0, so its bonus grows towards ``C / k``, no
      more; a unit that wins every time sees ``p`` rise towards 1, a penalty of up to
      ``C * (1 - 1/k)``. The gap between the two, which is what lets a loser win, reaches
      ``C`` only through the winner's penalty, in about ``1 / beta`` steps. ``C`` is in units
      of squared distance, so it depends on X's scale. (DeSieno counted wins of the unbiased
      competition; counting the unit that actually learns reacts faster in short runs.)
    - ``frequency_penalty = g`` (frequency-sensitive competitive learning, Ahalt et al.
      1990): each squared distance is multiplied by ``(1 + wins so far) ** g``. It does not
      depend on X's scale; ``g = 1`` is the usual choice.

    X float ``(n, d)``; ``k >= 1``; ``lr`` in (0, 1]; ``conscience >= 0``; ``beta`` in (0, 1];
    ``frequency_penalty >= 0``; ``init`` float ``(k, d)`` the starting prototypes (default:
    k distinct random samples of X, drawn after the sample order).
    Returns the prototypes W ``(k, d)``, or ``(W, trajectory (n * epochs + 1, k, d))``.
    """
    X, lr, epochs, seed = _check_common(X, lr, epochs, seed, return_trajectory)
    check_float("lr", lr, positive=True, maximum=1.0)
    k = check_int("k", k, minimum=1)
    conscience = check_float("conscience", conscience, nonnegative=True)
    beta = check_float("beta", beta, positive=True, maximum=1.0)
    frequency_penalty = check_float("frequency_penalty", frequency_penalty, nonnegative=True)
    n, d = X.shape
    order, gen = _order_and_generator(n, epochs, seed)
    if init is None:
        if k > n:
            raise ValueError(f"k must be at most the number of samples ({n}); got {k}")
        init = X[torch.randperm(n, generator=gen)[:k]]
    else:
        init = _check_start("init", init, (k, d))
    # The loop runs in NumPy (float64): on vectors of a few numbers it is about four times
    # faster than PyTorch, and notebook 05 retrains this rule on every slider move.
    samples = X.detach().cpu().double().numpy()[order.numpy()]
    W = init.detach().cpu().double().numpy().copy()
    p = np.full(k, 1.0 / k)  # running winning frequencies (conscience)
    wins = np.ones(k)  # 1 + wins so far (frequency penalty)
    history = [W.copy()] if return_trajectory else None
    for x in samples:
        dist = ((W - x) ** 2).sum(axis=1)
        if conscience > 0:
            dist = dist - conscience * (1.0 / k - p)
        if frequency_penalty > 0:
            dist = dist * wins**frequency_penalty
        winner = dist.argmin()
        wins[winner] += 1
        p *= 1.0 - beta
        p[winner] += beta
        W[winner] += lr * (x - W[winner])
        if history is not None:
            history.append(W.copy())
    W = torch.from_numpy(W).to(X.dtype)
    if history is None:
        return W
    return W, torch.from_numpy(np.stack(history)).to(X.dtype)


@torch.no_grad()
def win_counts(X: torch.Tensor, prototypes: torch.Tensor) -> torch.Tensor:
    """Return how many samples of X each prototype is nearest to: int64 ``(k,)``.

    X float ``(n, d)``, prototypes float ``(k, d)``. A prototype with a count of 0 wins
    nothing: a dead unit of competitive learning (and of hard k-means).
    """
    X = _check_X(X)
    check_tensor("prototypes", prototypes, ndim=2, floating=True)
    if prototypes.shape[1] != X.shape[1]:
        raise ValueError(
            f"prototypes must have {X.shape[1]} columns like X; got {prototypes.shape[1]}"
        )
    nearest = torch.cdist(X, prototypes.to(X.dtype)).argmin(dim=1)
    return torch.bincount(nearest, minlength=len(prototypes))


# ----------------------------------------------------------------------------- BCM
def bcm(
    X: torch.Tensor,
    lr: float,
    epochs: int,
    seed: int | None = None,
    *,
    threshold_rate: float = 0.1,
    theta0: float = 0.0,
    w0: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The BCM rule for one linear unit ``y = w @ x`` with a sliding threshold theta.

    ``w += lr * y * (y - theta) * x`` (potentiation when y > theta, depression below), and
    ``theta += threshold_rate * (y**2 - theta)``: theta is a running average of y**2.
    X float ``(n, d)`` (typically a few non-negative input patterns); ``lr > 0``;
    ``threshold_rate`` in (0, 1] (faster than the weights, for stability); ``theta0 >= 0``
    the starting threshold; ``w0`` float ``(d,)`` (default: positive random weights, norm ~0.55).
    Returns ``(w (d,), theta)`` with theta a 0-d tensor; ``bcm_trajectory`` returns every step.
    """
    w_path, theta_path = _bcm(X, lr, epochs, seed, threshold_rate, theta0, w0, False)
    return w_path[-1], theta_path[-1]


def bcm_trajectory(
    X: torch.Tensor,
    lr: float,
    epochs: int,
    seed: int | None = None,
    *,
    threshold_rate: float = 0.1,
    theta0: float = 0.0,
    w0: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``bcm`` step by step: ``(w_trajectory (n * epochs + 1, d), theta_trajectory
    (n * epochs + 1,))``, row ``t`` the state after ``t`` steps (the last row is what ``bcm``
    returns). Arguments as in ``bcm``."""
    return _bcm(X, lr, epochs, seed, threshold_rate, theta0, w0, True)


def _bcm(X, lr, epochs, seed, threshold_rate, theta0, w0, trajectory: bool):
    """Run BCM; return the stacked states, every step or (not ``trajectory``) the last one."""
    X, lr, epochs, seed = _check_common(X, lr, epochs, seed, trajectory)
    threshold_rate = check_float("threshold_rate", threshold_rate, positive=True, maximum=1.0)
    theta = torch.tensor(check_float("theta0", theta0, nonnegative=True), dtype=X.dtype)
    n, d = X.shape
    order, gen = _order_and_generator(n, epochs, seed)
    if w0 is None:
        w = (0.5 + 0.1 * torch.rand(d, generator=gen, dtype=X.dtype)) / d**0.5
    else:
        w = _check_start("w0", w0, (d,)).to(X.dtype)
    w_hist = [w.clone()] if trajectory else None
    theta_hist = [theta.clone()] if trajectory else None
    with torch_threads(1):
        for x in X[order]:
            y = w @ x
            w = w + lr * y * (y - theta) * x
            theta = theta + threshold_rate * (y**2 - theta)
            if w_hist is not None:
                w_hist.append(w)
                theta_hist.append(theta)
    if w_hist is None:
        return w[None], theta[None]
    return torch.stack(w_hist), torch.stack(theta_hist)
