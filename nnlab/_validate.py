"""Argument checks shared by nnlab's public functions.

Each check raises ``TypeError`` (wrong kind of thing) or ``ValueError`` (right kind, bad
value) with a message that names the argument, what it got and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Integral, Real

import numpy as np
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


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (not 0, 1 or None), else raise."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}")
    return value


def check_list(name: str, value: object, what: str = "values") -> list:
    """Return ``value`` as a list if it is a non-empty sequence (a list, tuple or 1-D
    tensor; not a string), else raise; ``what`` names its entries in the message."""
    if (
        isinstance(value, str | bytes)
        or not isinstance(value, Sequence | torch.Tensor)
        or len(value) == 0
    ):
        raise TypeError(f"{name} must be a non-empty list of {what}; got {value!r}")
    return list(value)


def check_generator(generator: object) -> torch.Generator:
    """Return ``generator`` if it is a ``torch.Generator``, else raise ``TypeError``."""
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator; got {type(generator).__name__}")
    return generator


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


def check_supervised(
    X: object, y: object, loss: str, prefix: str = ""
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(X, y)`` if they are a supervised data set for ``loss``, else raise.

    ``X``: float ``(n, d)``; ``y``: int labels ``(n,)`` for ``"cross_entropy"``, float
    targets with ``n`` rows for ``"mse"``. ``prefix`` goes before the names in messages
    (``"val "`` names ``val X`` and ``val y``).
    """
    X = check_tensor(f"{prefix}X", X, ndim=2, floating=True)
    return X, check_targets(y, X, loss, prefix)


def check_targets(y: object, X: torch.Tensor, loss: str, prefix: str = "") -> torch.Tensor:
    """Return ``y`` if it fits ``loss`` (see ``check_supervised``) and has one row per row of X."""
    if loss == "cross_entropy":
        y = check_tensor(f"{prefix}y", y, ndim=1, integer=True)
    else:
        y = check_tensor(f"{prefix}y", y, floating=True)
    check_same_length(f"{prefix}X", X, f"{prefix}y", y)
    return y


def check_array(name: str, value: object) -> np.ndarray | torch.Tensor:
    """Return ``value`` if it is a non-empty, finite, floating NumPy array or torch tensor."""
    if isinstance(value, torch.Tensor):
        dtype, floating, size = value.dtype, value.is_floating_point(), value.numel()
        shape = tuple(value.shape)
    elif isinstance(value, np.ndarray):
        dtype, floating, size = value.dtype, np.issubdtype(value.dtype, np.floating), value.size
        shape = value.shape
    else:
        raise TypeError(
            f"{name} must be a NumPy array or torch.Tensor of floats; got {type(value).__name__}"
        )
    if not floating:
        raise TypeError(f"{name} must hold floats (a floating dtype such as float64); got {dtype}")
    if size == 0:
        raise ValueError(f"{name} must not be empty; got shape {shape}")
    if not bool(np.all(np.isfinite(to_numpy(value)))):
        raise ValueError(f"{name} contains NaN or infinite values")
    return value


def to_numpy(value: object) -> np.ndarray:
    """Return ``value`` (a tensor, array, number or nested list of numbers) as a float64
    NumPy array: a tensor is detached and copied to the CPU. Raises ``TypeError`` or
    ``ValueError`` (NumPy's) when it does not hold numbers."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().to(torch.float64).numpy()
    return np.asarray(value, dtype=np.float64)
