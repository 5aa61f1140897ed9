"""Argument checks shared by nnlab's public functions.

Each check raises ``TypeError`` (wrong kind of thing) or ``ValueError`` (right kind, bad
value) with a message that names the argument, what it got and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real

import torch
from torch import nn

LOSSES = ("cross_entropy", "mse")  # the losses every nnlab trainer and probe accepts


def check_model(model: object) -> nn.Module:
    """Return ``model`` if it is a ``torch.nn.Module``, else raise ``TypeError``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    return model


def check_choice(name: str, value: object, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed`` (strings), else raise."""
    allowed = tuple(allowed)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {allowed}; got {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; allowed: {', '.join(map(repr, allowed))}")
    return value


def check_int(name: str, value: object, *, minimum: int | None = None) -> int:
    """Return ``value`` as int if it is an integer (not a bool) at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def check_float(
    name: str,
    value: object,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    maximum: float | None = None,
) -> float:
    """Return ``value`` as float if it is a finite real number meeting the bounds."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0; got {value}")
    if nonnegative and value < 0:
        raise ValueError(f"{name} must be >= 0; got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}; got {value}")
    return value


def check_fraction(name: str, value: object, *, inclusive: bool = True) -> float:
    """Return ``value`` if it is a real number in [0, 1] (or (0, 1) when not inclusive)."""
    value = check_float(name, value)
    ok = 0.0 <= value <= 1.0 if inclusive else 0.0 < value < 1.0
    if not ok:
        bounds = "[0, 1]" if inclusive else "(0, 1)"
        raise ValueError(f"{name} must lie in {bounds}; got {value}")
    return value


def check_tensor(
    name: str,
    value: object,
    *,
    ndim: int | None = None,
    floating: bool | None = None,
    integer: bool | None = None,
    nonempty: bool = True,
    finite: bool = True,
) -> torch.Tensor:
    """Return ``value`` if it is a torch.Tensor of the required rank and dtype kind.

    ``floating=True`` asks for a float dtype, ``integer=True`` for an integer dtype.
    ``finite`` rejects NaN and infinities in float tensors.
    """
    if not isinstance(value, torch.Tensor):
        hint = " (convert with torch.as_tensor)" if hasattr(value, "__array__") else ""
        raise TypeError(f"{name} must be a torch.Tensor; got {type(value).__name__}{hint}")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s); got shape {tuple(value.shape)}")
    if nonempty and value.numel() == 0:
        raise ValueError(f"{name} must not be empty; got shape {tuple(value.shape)}")
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must have a floating dtype (e.g. float32); got {value.dtype}")
    if integer and (value.is_floating_point() or value.is_complex() or value.dtype == torch.bool):
        raise TypeError(f"{name} must have an integer dtype (e.g. int64); got {value.dtype}")
    if finite and value.is_floating_point() and not torch.isfinite(value).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return value


def check_same_length(name_a: str, a: torch.Tensor, name_b: str, b: torch.Tensor) -> None:
    """Raise if ``a`` and ``b`` do not have the same number of rows."""
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same number of rows; got {len(a)} and {len(b)}"
        )
