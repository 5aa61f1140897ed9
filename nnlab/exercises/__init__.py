"""Exercise checks: the machinery every notebook's ``check_*`` functions share.

A check either prints a short "passed" line or raises ``CheckFailed``, whose message says
what was wrong (shape, sign, a factor off, a transposed result, a wrong axis, an unfinished
stub). ``fail(hint, stronger=...)`` is a hint ladder: a first hint after a wrong answer, a
second, stronger one when the same mistake comes back. ``compare_reduction`` diagnoses
reductions (wrong axis, keepdims, sum for mean); ``check_multiple_choice`` checks a multiple-choice
"predict" answer and gives the hint of the option chosen.
Jupyter shows a ``CheckFailed`` as that message alone, without a wall of traceback.

Per-notebook checks live in ``nnlab.exercises.nbNN`` (for example ``nb01``).
Conventions for exercise cells are in CONTRIBUTING.md ("Exercises").
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._validate import to_numpy


class CheckFailed(AssertionError):
    """An exercise check did not pass; the message is the hint for the learner."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing the traceback.
        return [f"\u274c Check failed: {self}"]


def passed(message: str) -> None:
    """Print the line a passing check shows."""
    _check_message(message)
    print(f"\u2705 Passed: {message}")


_SHOWN: Counter[str] = Counter()  # how often each first hint has been shown in this kernel


def fail(message: str, stronger: str | None = None) -> None:
    """Raise ``CheckFailed`` with ``message``: the hint ladder's first rung.

    ``stronger`` is the second rung: the same mistake made again (the same ``message``
    raised a second time in this kernel) shows ``message`` followed by ``stronger``. Keep
    the full answer for the solution cell: a hint says where to look, not what to write.
    """
    _check_message(message)
    if stronger is None:
        raise CheckFailed(message)
    _check_message(stronger)
    _SHOWN[message] += 1
    if _SHOWN[message] == 1:
        raise CheckFailed(message)
    raise CheckFailed(f"{message} Second hint: {stronger}")


def _check_message(message: object) -> None:
    if not isinstance(message, str):
        raise TypeError(f"message must be a string (the line the learner sees); got {message!r}")


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
    try:
        return to_numpy(value)
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


REDUCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "sum": np.sum,
    "mean": np.mean,
    "max": np.max,
    "min": np.min,
    "argmax": np.argmax,
    "argmin": np.argmin,
    "std": np.std,
    "var": np.var,
    "norm": lambda a, axis: np.sqrt(np.sum(a * a, axis=axis)),
}


def compare_reduction(
    name: str,
    got: Any,
    source: Any,
    reduce: str,
    axis: int,
    rtol: float = 1e-4,
    atol: float = 1e-6,
) -> None:
    """Fail with a specific hint unless ``got`` equals ``reduce(source, axis=axis)``.

    ``reduce`` is one of ``REDUCTIONS`` ("sum", "mean", "max", "argmax", "norm", ...).
    Diagnoses, in order: the reduction taken over another axis, over every axis, or with
    ``keepdims``; a sum where a mean was wanted (or the reverse); then whatever
    ``compare_arrays`` finds (shape, sign, factor, ...).
    """
    if reduce not in REDUCTIONS:
        raise ValueError(f"reduce must be one of {sorted(REDUCTIONS)}; got {reduce!r}")
    src = _as_array(source, "source")
    if not isinstance(axis, int) or not -src.ndim <= axis < src.ndim:
        raise ValueError(f"axis must be an int in [{-src.ndim}, {src.ndim}); got {axis!r}")
    axis %= src.ndim
    func = REDUCTIONS[reduce]
    expected = np.asarray(func(src, axis=axis), dtype=float)
    g = _as_array(got, name)

    def close(candidate: np.ndarray) -> bool:
        candidate = np.asarray(candidate, dtype=float)
        return candidate.shape == g.shape and np.allclose(g, candidate, rtol=rtol, atol=atol)

    if close(expected):
        return
    for other in range(src.ndim):
        if other != axis and close(func(src, axis=other)):
            fail(
                f"{name} takes the {reduce} over axis {other} (length {src.shape[other]}); "
                f"take it over axis {axis} (length {src.shape[axis]}), e.g. dim={axis}."
            )
    if reduce not in ("argmax", "argmin") and src.ndim > 1 and close(func(src, axis=None)):
        fail(f"{name} takes the {reduce} over every entry; take it over axis {axis} only.")
    if g.shape == np.expand_dims(expected, axis).shape and close(np.expand_dims(expected, axis)):
        fail(f"{name} keeps the reduced axis (shape {g.shape}): drop keepdim=True.")
    if reduce == "mean" and close(np.sum(src, axis=axis)):
        fail(f"{name} is a sum: divide by the {src.shape[axis]} entries to get the mean.")
    if reduce == "sum" and close(np.mean(src, axis=axis)):
        fail(f"{name} is a mean: the task asks for the sum, without dividing.")
    compare_arrays(name, g, expected, rtol=rtol, atol=atol)


def learner_rate(my_lr: Any, ask: str = "the learning rate you choose") -> float:
    """Return the learner's ``my_lr`` as a positive, finite float, or fail with a hint.

    ``ask`` completes the hint shown while ``my_lr`` is unset: "set `my_lr` to {ask}".
    """
    if my_lr is None or my_lr is Ellipsis:
        fail(f"set `my_lr` to {ask} (one number), then run this cell again.")
    try:
        lr = float(my_lr)
    except (TypeError, ValueError):
        fail(f"`my_lr` should be one number, a learning rate; got {type(my_lr).__name__}.")
    if not math.isfinite(lr) or lr <= 0:
        fail(f"`my_lr` = {lr:g}: a learning rate is a positive, finite number.")
    return lr


def _option(value: Any) -> str:
    return str(value).strip().strip("\"'()[]. ").lower()


def check_multiple_choice(
    answer: Any,
    correct: str,
    hints: Mapping[str, str],
    options: Sequence[str] | None = None,
    success: str | None = None,
    name: str = "answer",
) -> None:
    """Check a multiple-choice answer (a "predict" exercise); give the hint of the option chosen.

    ``options`` are the allowed answers (default: the keys of ``hints`` and ``correct``);
    ``hints`` maps every wrong option to the hint a learner who chose it sees, which should
    say why that option is tempting and what it misses. Answers are compared without case,
    spaces, quotes or brackets: ``"(B)"`` counts as ``"b"``. Prints ``success`` when right.
    """
    if options is None:
        options = sorted({*hints, correct})
    keys = {_option(o): str(o) for o in options}
    wrong = set(keys) - {_option(correct)}
    if _option(correct) not in keys:
        raise ValueError(f"correct must be one of the options {list(options)}; got {correct!r}")
    if {_option(h) for h in hints} != wrong:
        raise ValueError(
            f"hints must give one hint for each wrong option {sorted(keys[k] for k in wrong)}; "
            f"got hints for {sorted(hints)}"
        )
    listing = ", ".join(repr(str(o)) for o in options)
    if answer is None or answer is Ellipsis or _option(answer) == "":
        fail(f"choose one of {listing}: set `{name}` to your choice, then run this cell again.")
    choice = _option(answer)
    if choice not in keys:
        fail(f"{answer!r} is not one of the options {listing}.")
    if choice in wrong:
        hint = next(text for option, text in hints.items() if _option(option) == choice)
        fail(f"{hint} (you chose {keys[choice]!r}; think again, then choose another option)")
    passed(success or f"{keys[choice]!r} is right.")


__all__ = [
    "REDUCTIONS",
    "CheckFailed",
    "call_learner",
    "check_multiple_choice",
    "compare_arrays",
    "compare_reduction",
    "compare_scalar",
    "fail",
    "learner_rate",
    "passed",
]
