"""Exercise checks: the machinery every notebook's ``check_*`` functions share.

A check either prints a short "passed" line or raises ``CheckFailed``, whose message says
what was wrong (shape, sign, a factor off, a transposed result, an unfinished stub).
Jupyter shows a ``CheckFailed`` as that message alone, without a wall of traceback.

Per-notebook checks live in ``nnlab.exercises.nbNN`` (for example ``nb01``).
Conventions for exercise cells are in CONTRIBUTING.md ("Exercises").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch


class CheckFailed(AssertionError):
    """An exercise check did not pass; the message is the hint for the learner."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing the traceback.
        return [f"\u274c Check failed: {self}"]


def passed(message: str) -> None:
    """Print the line a passing check shows."""
    print(f"\u2705 Passed: {message}")


def fail(message: str) -> None:
    """Raise ``CheckFailed`` with ``message``."""
    raise CheckFailed(message)


def call_learner(func: Callable[..., Any], *args: Any, name: str | None = None) -> Any:
    """Call the learner's ``func(*args)``; turn an unfinished stub or a crash into a hint."""
    label = name or getattr(func, "__name__", "your function")
    if not callable(func):
        fail(f"expected a function for `{label}`, got {type(func).__name__}")
    try:
        return func(*args)
    except NotImplementedError:
        fail(f"`{label}` is not written yet: replace the `raise NotImplementedError` line.")
    except Exception as err:  # the learner's code raised: report it briefly
        fail(f"`{label}` raised {type(err).__name__}: {err}")


def _as_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fail(f"{name} should be an array of numbers, got {type(value).__name__}")


def compare_arrays(
    name: str, got: Any, expected: Any, rtol: float = 1e-4, atol: float = 1e-6
) -> None:
    """Fail with a specific hint unless ``got`` matches ``expected`` within tolerance.

    Diagnoses, in order: not an array, wrong shape (and whether a transpose would fit),
    NaN, a flipped sign, a constant factor off, then a generic mismatch.
    """
    g = _as_array(got, name)
    e = _as_array(expected, name)
    if g.shape != e.shape:
        hint = " (it looks transposed)" if g.shape == e.T.shape and g.ndim == 2 else ""
        fail(f"{name} has shape {g.shape}, expected {e.shape}{hint}.")
    if not np.all(np.isfinite(g)):
        fail(f"{name} contains NaN or inf values.")
    if np.allclose(g, e, rtol=rtol, atol=atol):
        return
    if np.allclose(g, -e, rtol=rtol, atol=atol):
        fail(f"{name} has the right size but the wrong sign everywhere.")
    if g.ndim == 2 and g.shape[0] == g.shape[1] and np.allclose(g, e.T, rtol=rtol, atol=atol):
        fail(f"{name} is transposed: swap its two axes.")
    mask = np.abs(e) > atol
    if mask.any():
        ratios = g[mask] / e[mask]
        ratio = float(np.median(ratios))
        if np.allclose(ratios, ratio, rtol=1e-3) and abs(ratio - 1) > 1e-3:
            fail(f"{name} is off by a constant factor of about {ratio:.3g}.")
    worst = float(np.max(np.abs(g - e)))
    fail(f"{name} does not match: largest difference {worst:.3g}.")


def compare_scalar(name: str, got: Any, expected: float, rtol: float = 1e-3) -> None:
    """Fail with a hint unless the number ``got`` is within ``rtol`` of ``expected``."""
    try:
        value = float(got)
    except (TypeError, ValueError):
        fail(f"{name} should be a number, got {type(got).__name__}")
    if not np.isfinite(value):
        fail(f"{name} is {value}; expected a finite number.")
    if abs(value - expected) <= rtol * max(abs(expected), 1e-12):
        return
    if expected != 0 and abs(value + expected) <= rtol * abs(expected):
        fail(f"{name} has the wrong sign.")
    if expected != 0 and value != 0:
        ratio = value / expected
        for factor in (2.0, 0.5, 10.0, 0.1):
            if abs(ratio - factor) < 1e-3 * factor:
                fail(f"{name} is off by a factor of {factor:g}.")
    fail(f"{name} = {value:.4g} is not right; look again at how it is defined.")


__all__ = ["CheckFailed", "passed", "fail", "call_learner", "compare_arrays", "compare_scalar"]
