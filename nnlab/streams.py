"""Named random streams: every random draw of an experiment says what it is for.

``nnlab.rng("warm-start", 3)`` is the random stream of run 3 of the warm-start experiment:
a ``torch.Generator`` whose seed is a hash of the base seed (``NNLAB_SEED``), the stream's
name and its index. Two experiments with different names never share a stream by accident,
a reader sees which draw is which, and ``NNLAB_SEED`` changes every stream at once.

- ``rng(name, *index)``: a CPU ``torch.Generator`` for ``torch.randn(..., generator=...)``;
- ``np_rng(name, *index)``: a ``numpy.random.Generator``;
- ``stream_seed(name, *index)``: the stream's seed as an int, for functions that take
  ``seed=`` (``nnlab.train``, ``init_stack(seeds=...)``);
- ``stream_seeds(name, n)``: the seeds of streams ``(name, 0) … (name, n - 1)``.

The seeds are stable across Python versions and machines (BLAKE2b, not Python's ``hash``).
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch

from ._validate import check_int
from .config import base_seed

SEED_BITS = 31  # seeds below 2**31 suit torch, NumPy and Python's random alike


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a string naming the stream; got {type(name).__name__}")
    if not name.strip():
        raise ValueError("name must be a non-empty string, e.g. 'warm-start'")
    return name


def stream_seed(name: str, *index: int) -> int:
    """Return the seed (an int in [0, 2**31)) of the stream ``name`` at ``index``.

    ``name`` says what the draw is for ("lr-sweep", "teacher"); ``index`` (zero or more
    non-negative ints) tells runs apart: ``stream_seed("lr-sweep", 3)`` is run 3's seed.
    The seed depends on ``NNLAB_SEED`` too, so every stream changes when it changes.
    """
    _check_name(name)
    parts = [str(check_int("index", i, minimum=0)) for i in index]
    key = "/".join([str(base_seed()), name, *parts]).encode()
    digest = hashlib.blake2b(key, digest_size=8).digest()
    return int.from_bytes(digest, "little") % 2**SEED_BITS


def stream_seeds(name: str, n: int) -> list[int]:
    """Return ``[stream_seed(name, 0), …, stream_seed(name, n - 1)]``: one seed per run."""
    n = check_int("n", n, minimum=1)
    return [stream_seed(name, i) for i in range(n)]


def rng(name: str, *index: int) -> torch.Generator:
    """Return a CPU ``torch.Generator`` seeded with ``stream_seed(name, *index)``."""
    return torch.Generator().manual_seed(stream_seed(name, *index))


def np_rng(name: str, *index: int) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` seeded with ``stream_seed(name, *index)``."""
    return np.random.default_rng(stream_seed(name, *index))


__all__ = ["np_rng", "rng", "stream_seed", "stream_seeds"]
