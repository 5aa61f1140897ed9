"""Data: the digits shipped inside the package (``nnlab/datasets/``), a stratified split, and
small synthetic sets.

Every function is seeded and returns torch tensors: inputs ``X`` as float32 ``(n, d)`` and
targets ``y`` as int64 class labels ``(n,)`` (or float32 ``(n, 1)`` for regression).
Introduced in notebook 00. Notebook 03 adds label noise and nested training subsets:
``noisy_labels``, ``balanced_order`` and ``subset_masks``.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from ._validate import check_float, check_fraction, check_int, check_same_length, check_tensor
from .config import resolve_generator, resolve_seed

DATASETS = resources.files("nnlab").joinpath("datasets")  # package data: works from a wheel
DIGITS_FILE = DATASETS.joinpath("digits.npz")
DIGITS_SHA256 = "dff739c317c3d7a561cd1d11ae22ab4ac7f0557489c9e3935e97bec510d05737"


class DataFileError(RuntimeError):
    """A shipped data file is missing or does not match its recorded checksum."""


def load_digits(path: str | Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Load the 8x8 handwritten digits (UCI, 1,797 images) shipped in ``nnlab/datasets/``.

    Returns ``(X, y)``: X float32 ``(1797, 64)`` with pixels scaled to [0, 1], y int64
    ``(1797,)`` with digits 0..9. The file's SHA-256 is checked first; a missing or
    corrupted file raises ``DataFileError`` naming the file. ``path`` overrides the file
    (it must hold the same bytes).
    """
    if path is not None and not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"path must be a file path (str or pathlib.Path); got {type(path).__name__}"
        )
    file = Path(path) if path is not None else DIGITS_FILE
    if not file.is_file():
        raise DataFileError(
            f"digits data file not found: {file}. It ships inside the nnlab package "
            "(nnlab/datasets/digits.npz): reinstall nnlab, or in a clone run "
            "`git checkout -- nnlab/datasets/digits.npz`."
        )
    raw = file.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != DIGITS_SHA256:
        raise DataFileError(
            f"digits data file {file} is corrupted: SHA-256 {digest[:12]}... does not match "
            f"the recorded {DIGITS_SHA256[:12]}...; reinstall nnlab, or in a clone run "
            "`git checkout -- nnlab/datasets/digits.npz`."
        )
    with np.load(io.BytesIO(raw), allow_pickle=False) as arrays:
        X = torch.from_numpy(arrays["X"].astype(np.float32) / 16.0)
        y = torch.from_numpy(arrays["y"].astype(np.int64))
    return X, y


def stratified_split(
    X: torch.Tensor,
    y: torch.Tensor,
    fractions: tuple[float, float, float] = (0.6, 0.2, 0.2),
    seed: int | None = None,
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Split ``(X, y)`` into train, validation and test sets with the same class mix.

    ``fractions`` are the (train, val, test) shares and must sum to 1. Each class is
    shuffled with ``seed`` (default ``NNLAB_SEED``) and cut in those proportions.
    Returns ``{"train": (X, y), "val": (X, y), "test": (X, y)}``.
    """
    check_tensor("X", X)
    check_tensor("y", y, ndim=1, integer=True)
    check_same_length("X", X, "y", y)
    if not isinstance(fractions, tuple | list) or len(fractions) != 3:
        raise ValueError(f"fractions must be three numbers (train, val, test); got {fractions!r}")
    shares = [check_float("fractions", f, positive=True) for f in fractions]
    if abs(sum(shares) - 1.0) > 1e-6:
        raise ValueError(f"fractions must sum to 1; got {fractions} (sum {sum(shares):.3f})")
    seed = resolve_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    parts: dict[str, list[torch.Tensor]] = {"train": [], "val": [], "test": []}
    for label in torch.unique(y):
        idx = torch.nonzero(y == label).flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)]
        n_train = round(shares[0] * len(idx))
        n_val = round(shares[1] * len(idx))
        parts["train"].append(idx[:n_train])
        parts["val"].append(idx[n_train : n_train + n_val])
        parts["test"].append(idx[n_train + n_val :])
    out = {}
    for name, chunks in parts.items():
        idx = torch.cat(chunks)
        idx = idx[torch.randperm(len(idx), generator=gen)]
        out[name] = (X[idx], y[idx])
    return out


def _generator(seed: int | None) -> torch.Generator:
    seed = resolve_seed(seed)
    return torch.Generator().manual_seed(seed)


def make_xor(
    n: int = 200, noise: float = 0.1, seed: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """XOR: points near the four corners of [-1, 1]^2; class 1 where the signs differ.

    Returns X float32 ``(n, 2)`` and y int64 ``(n,)``.
    """
    n = check_int("n", n, minimum=4)
    noise = check_float("noise", noise, nonnegative=True)
    gen = _generator(seed)
    corners = torch.randint(0, 2, (n, 2), generator=gen)
    X = (2.0 * corners - 1.0) + noise * torch.randn(n, 2, generator=gen)
    y = (corners[:, 0] != corners[:, 1]).long()
    return X.float(), y


def make_moons(
    n: int = 200, noise: float = 0.1, seed: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaving half circles; class 0 the upper moon, class 1 the lower one.

    Returns X float32 ``(n, 2)`` and y int64 ``(n,)``.
    """
    n = check_int("n", n, minimum=2)
    noise = check_float("noise", noise, nonnegative=True)
    gen = _generator(seed)
    y = torch.arange(n) % 2
    t = math.pi * torch.rand(n, generator=gen)
    upper = torch.stack([torch.cos(t), torch.sin(t)], dim=1)
    lower = torch.stack([1.0 - torch.cos(t), 0.5 - torch.sin(t)], dim=1)
    X = torch.where(y[:, None] == 0, upper, lower) + noise * torch.randn(n, 2, generator=gen)
    return X.float(), y.long()


def make_spirals(
    n: int = 300, classes: int = 2, noise: float = 0.1, turns: float = 1.5, seed: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Interleaved spiral arms, one per class, in the unit disc.

    Returns X float32 ``(n, 2)`` and y int64 ``(n,)`` with labels 0..classes-1.
    """
    n = check_int("n", n, minimum=2)
    classes = check_int("classes", classes, minimum=2)
    noise = check_float("noise", noise, nonnegative=True)
    turns = check_float("turns", turns, positive=True)
    gen = _generator(seed)
    y = torch.arange(n) % classes
    r = torch.rand(n, generator=gen)
    angle = 2 * math.pi * (turns * r + y / classes)
    X = torch.stack([r * torch.cos(angle), r * torch.sin(angle)], dim=1)
    X = X + noise * r[:, None] * torch.randn(n, 2, generator=gen)
    return X.float(), y.long()


def make_blobs(
    n: int = 300,
    centers: int = 3,
    dim: int = 2,
    spread: float = 0.5,
    box: float = 4.0,
    seed: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gaussian blobs: ``centers`` clusters with std ``spread``, centres uniform in a box.

    Returns X float32 ``(n, dim)`` and y int64 ``(n,)`` (the cluster of each point).
    """
    n = check_int("n", n, minimum=1)
    centers = check_int("centers", centers, minimum=1)
    dim = check_int("dim", dim, minimum=1)
    spread = check_float("spread", spread, nonnegative=True)
    box = check_float("box", box, positive=True)
    gen = _generator(seed)
    means = box * (2 * torch.rand(centers, dim, generator=gen) - 1)
    y = torch.arange(n) % centers
    X = means[y] + spread * torch.randn(n, dim, generator=gen)
    return X.float(), y.long()


def make_regression_1d(
    n: int = 100, noise: float = 0.1, seed: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A 1-D regression toy: ``y = sin(3x) + noise`` for x uniform in [-1, 1].

    Returns X float32 ``(n, 1)`` sorted by x, and y float32 ``(n, 1)``.
    """
    n = check_int("n", n, minimum=1)
    noise = check_float("noise", noise, nonnegative=True)
    gen = _generator(seed)
    x = torch.sort(2 * torch.rand(n, generator=gen) - 1).values[:, None]
    y = torch.sin(3 * x) + noise * torch.randn(n, 1, generator=gen)
    return x.float(), y.float()


# ------------------------------------------------------------ label noise and subsets


def _labels(name: str, y: object, num_classes: int | None) -> tuple[torch.Tensor, int]:
    check_tensor(name, y, ndim=1, integer=True)
    if y.min() < 0:
        raise ValueError(f"{name} must hold class labels >= 0; got {int(y.min())}")
    if num_classes is None:
        num_classes = int(y.max()) + 1
    num_classes = check_int("num_classes", num_classes, minimum=2)
    if y.max() >= num_classes:
        raise ValueError(
            f"{name} holds label {int(y.max())}; num_classes={num_classes} allows "
            f"0..{num_classes - 1}"
        )
    return y, num_classes


def noisy_labels(
    y: torch.Tensor,
    fraction: float,
    num_classes: int | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(y_noisy, flipped)``: a copy of the labels y ``(n,)`` in which exactly
    ``round(fraction * n)`` rows, chosen at random, hold another class, drawn uniformly
    from the ``num_classes - 1`` wrong ones; ``flipped`` ``(n,)`` is True on those rows.

    So ``fraction`` is the share of wrong labels (unlike "replace with a random class",
    which leaves about 1/C of the replaced labels right). y is not modified.
    ``num_classes`` defaults to ``y.max() + 1``; ``generator`` to one seeded with
    ``NNLAB_SEED``.
    """
    y, C = _labels("y", y, num_classes)
    fraction = check_fraction("fraction", fraction)
    gen = resolve_generator(generator)
    n = len(y)
    k = round(fraction * n)
    rows = torch.randperm(n, generator=gen)[:k]
    shift = torch.randint(1, C, (k,), generator=gen)  # 1..C-1: never the same class
    noisy = y.clone()
    noisy[rows] = (y[rows] + shift) % C
    flipped = torch.zeros(n, dtype=torch.bool)
    flipped[rows] = True
    return noisy, flipped


def balanced_order(y: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Return a permutation of ``range(len(y))`` whose every prefix is as class-balanced as
    the data allow: one example of each class (in a shuffled class order), then a second of
    each, and so on, each class's examples in random order.

    ``order[:n]`` is then a training subset of size n, and the subsets are nested: the first
    50 are among the first 100. Classes that run out simply stop contributing.
    """
    y, _ = _labels("y", y, None)
    gen = resolve_generator(generator)
    classes = torch.unique(y)
    rank = torch.empty(len(y), dtype=torch.float64)
    class_rank = torch.randperm(len(classes), generator=gen)
    for c, r in zip(classes.tolist(), class_rank.tolist(), strict=True):
        idx = torch.nonzero(y == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)]
        # round j of class c sorts at j + r / (number of classes): round by round.
        rank[idx] = torch.arange(len(idx), dtype=torch.float64) + r / len(classes)
    return torch.argsort(rank, stable=True)


def subset_masks(order: torch.Tensor, sizes: Sequence[int], n: int | None = None) -> torch.Tensor:
    """Return bool masks ``(len(sizes), n)``: row i is True on the rows ``order[:sizes[i]]``.

    Pass them (repeated per seed) as ``sample_weight`` to ``nnlab.batched.train_batched`` to
    train each model on its own subset of one shared X. ``n`` defaults to ``len(order)``.
    """
    check_tensor("order", order, ndim=1, integer=True)
    n = len(order) if n is None else check_int("n", n, minimum=1)
    if isinstance(sizes, int) or not isinstance(sizes, Sequence) or not sizes:
        raise TypeError(f"sizes must be a non-empty list of subset sizes; got {sizes!r}")
    if order.min() < 0 or order.max() >= n:
        raise ValueError(
            f"order must index rows 0..{n - 1}; got {int(order.min())}..{int(order.max())}"
        )
    masks = torch.zeros(len(sizes), n, dtype=torch.bool)
    for i, size in enumerate(sizes):
        size = check_int("sizes", size, minimum=1)
        if size > len(order):
            raise ValueError(f"sizes: {size} is more rows than order holds ({len(order)})")
        masks[i, order[:size]] = True
    return masks
