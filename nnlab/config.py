"""Run settings read from the environment: seed, fast/full mode, device, progress bars.

Environment variables (all optional):

- ``NNLAB_SEED``: base seed for every experiment (default 0). Re-run a notebook under
  another seed with ``NNLAB_SEED=7 jupyter lab``.
- ``NNLAB_MODE``: ``fast`` (default; small settings, what the tests run) or ``full``.
- ``NNLAB_PROGRESS``: ``0`` hides progress bars (the tests and stored notebooks do).
- ``NNLAB_DEVICE``: ``cpu`` (default) or ``cuda``.

Introduced in notebook 00, "How to use the course".
"""

from __future__ import annotations

import os
import random
from typing import TypeVar

import numpy as np
import torch

from ._validate import check_generator, check_int

DEFAULT_SEED = 0
MODES = ("fast", "full")
T = TypeVar("T")


def base_seed() -> int:
    """Return the base seed: ``NNLAB_SEED`` as an int, or 0 when unset."""
    raw = os.environ.get("NNLAB_SEED", "").strip()
    if not raw:
        return DEFAULT_SEED
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"NNLAB_SEED must be a non-negative integer; got {raw!r}") from None
    if value < 0:
        raise ValueError(f"NNLAB_SEED must be a non-negative integer; got {value}")
    return value


def resolve_seed(seed: int | None, name: str = "seed") -> int:
    """Return ``seed`` checked (a non-negative int), or ``base_seed()`` when it is None.

    The one place a function's ``seed=None`` argument becomes a number; ``name`` is the
    argument's name in the error message.
    """
    if seed is None:
        return base_seed()
    return check_int(name, seed, minimum=0)


def resolve_generator(generator: torch.Generator | None) -> torch.Generator:
    """Return ``generator`` checked, or a new one seeded with ``base_seed()`` when it is None."""
    if generator is None:
        return torch.Generator().manual_seed(base_seed())
    return check_generator(generator)


def seed(offset: int = 0) -> int:
    """Seed Python, NumPy and PyTorch with ``base_seed() + offset`` and return that seed.

    Use different offsets for independent runs (``seed(1)``, ``seed(2)``, ...), so that every
    run changes together when ``NNLAB_SEED`` changes.
    """
    offset = check_int("offset", offset, minimum=0)
    value = base_seed() + offset
    random.seed(value)
    np.random.seed(value % 2**32)
    torch.manual_seed(value)
    return value


def generator(offset: int = 0) -> torch.Generator:
    """Return a CPU ``torch.Generator`` seeded with ``base_seed() + offset``.

    Pass it to functions that take ``generator=`` to keep their randomness local.
    """
    offset = check_int("offset", offset, minimum=0)
    return torch.Generator().manual_seed(base_seed() + offset)


def mode() -> str:
    """Return the run mode, ``"fast"`` (default) or ``"full"``, from ``NNLAB_MODE``."""
    value = os.environ.get("NNLAB_MODE", "fast").strip().lower() or "fast"
    if value not in MODES:
        raise ValueError(f"NNLAB_MODE must be 'fast' or 'full'; got {value!r}")
    return value


def pick(fast: T, full: T) -> T:
    """Return ``fast`` in fast mode and ``full`` in full mode: ``epochs = pick(50, 300)``."""
    return fast if mode() == "fast" else full


def progress_enabled() -> bool:
    """Return False when ``NNLAB_PROGRESS`` is ``0``/``false``/``no``, else True."""
    return os.environ.get("NNLAB_PROGRESS", "1").strip().lower() not in {"0", "false", "no"}


def device(prefer: str | None = None) -> torch.device:
    """Return the device to train on: CPU by default, CUDA when asked for and present.

    ``prefer`` is ``"cpu"`` or ``"cuda"``; when None, ``NNLAB_DEVICE`` decides (default cpu).
    Asking for CUDA on a machine without it falls back to the CPU.
    """
    source = "prefer" if prefer is not None else "NNLAB_DEVICE"
    choice = prefer if prefer is not None else os.environ.get("NNLAB_DEVICE", "cpu")
    if choice not in ("cpu", "cuda"):
        error = ValueError if isinstance(choice, str) else TypeError
        raise error(f"{source} must be 'cpu' or 'cuda'; got {choice!r}")
    if choice == "cuda" and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")
