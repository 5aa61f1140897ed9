"""Gradient checks: central finite differences for any scalar function of arrays, and a
compare helper that reports the largest absolute and relative difference.

Use them to test a hand-written backward pass::

    from nnlab.gradcheck import numerical_gradient, compare

    g_num = numerical_gradient(lambda W: loss(X, W, y), W)   # float64 copy, central differences
    print(compare(my_dW, g_num, name="dL/dW"))                # largest abs and rel difference
    assert compare(my_dW, g_num).close(rtol=1e-6)

Arrays may be NumPy arrays or torch tensors; the function receives the same kind it was
given. Differences are taken in float64 (the inputs are copied to float64), because in
float32 a central difference is only good to about three digits.
Introduced in notebook 01 (backpropagation as credit assignment).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ._validate import check_array, check_float, to_numpy

ArrayLike = np.ndarray | torch.Tensor


def _as_float(value: Any) -> float:
    """Turn what the checked function returned into a Python float, or raise."""
    if isinstance(value, torch.Tensor | np.ndarray):
        size = value.numel() if isinstance(value, torch.Tensor) else value.size
        if size != 1:
            shape = tuple(value.shape)
            raise ValueError(
                f"func must return a single number (a scalar loss); got an array of shape {shape}"
            )
        return float(value.item())
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"func must return a single number (a scalar loss); got {type(value).__name__}"
        ) from None


def _float64_copy(value: ArrayLike) -> ArrayLike:
    if isinstance(value, torch.Tensor):
        return value.detach().to(torch.float64).clone()
    return np.array(value, dtype=np.float64, copy=True)


def numerical_gradients(
    func: Callable[..., Any], inputs: Sequence[ArrayLike], eps: float = 1e-5
) -> list[ArrayLike]:
    """Central finite-difference gradients of a scalar ``func(*inputs)`` w.r.t. every input.

    - ``func``: called as ``func(*inputs)``; must return one number (float, 0-d array or
      one-element tensor).
    - ``inputs``: a list of float NumPy arrays or torch tensors, any shapes.
    - ``eps`` > 0: the step; each entry ``x`` gets ``(f(x + eps) - f(x - eps)) / (2 eps)``.

    Returns a list of float64 arrays (or tensors), one per input, of the inputs' shapes.
    The inputs are copied to float64 first and are never modified. The default step 1e-5
    balances the difference's truncation error (~eps²) against float64 round-off
    (~1e-16 / eps). It costs two calls of ``func`` per entry (plus one to check ``func``):
    fine for checking small problems, hopeless for training.
    """
    if not callable(func):
        raise TypeError(f"func must be callable (a function of the inputs); got {type(func)}")
    if isinstance(inputs, np.ndarray | torch.Tensor) or not isinstance(inputs, Sequence):
        raise TypeError(
            "inputs must be a list of arrays, e.g. [W1, b1]; for one array use "
            "numerical_gradient(func, x)"
        )
    if len(inputs) == 0:
        raise ValueError("inputs must hold at least one array")
    for i, value in enumerate(inputs):
        check_array(f"inputs[{i}]", value)
    eps = check_float("eps", eps, positive=True)
    copies = [_float64_copy(v) for v in inputs]
    start = _as_float(func(*copies))  # fail early, with a clear message, if func is not scalar
    if not np.isfinite(start):
        raise ValueError(f"func returned {start} at the inputs; it must return a finite number")
    grads = []
    for x in copies:
        flat = x.reshape(-1)  # a view: writing to it changes x
        grad = np.zeros(flat.shape[0], dtype=np.float64)
        for j in range(flat.shape[0]):
            old = float(flat[j])
            flat[j] = old + eps
            up = _as_float(func(*copies))
            flat[j] = old - eps
            down = _as_float(func(*copies))
            flat[j] = old
            grad[j] = (up - down) / (2 * eps)
        grad = grad.reshape(tuple(x.shape))
        grads.append(torch.from_numpy(grad) if isinstance(x, torch.Tensor) else grad)
    return grads


def numerical_gradient(func: Callable[..., Any], x: ArrayLike, eps: float = 1e-5) -> ArrayLike:
    """Central finite-difference gradient of a scalar ``func(x)`` for one array ``x``.

    The one-input form of ``numerical_gradients``: returns a float64 array of ``x``'s shape.
    """
    check_array("x", x)
    return numerical_gradients(func, [x], eps=eps)[0]


@dataclass(frozen=True)
class Comparison:
    """How far one array is from a reference: the largest absolute and relative difference.

    ``max_rel`` is the largest ``|got - expected| / max(|got|, |expected|, floor)`` over
    the entries, so entries that are both near zero do not blow it up.
    """

    name: str
    shape: tuple[int, ...]
    max_abs: float
    max_rel: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string; got {type(self.name).__name__}")
        shape_ok = isinstance(self.shape, tuple) and all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in self.shape
        )
        if not shape_ok:
            raise TypeError(f"shape must be a tuple of sizes, e.g. (3, 2); got {self.shape!r}")
        check_float("max_abs", self.max_abs, nonnegative=True)
        check_float("max_rel", self.max_rel, nonnegative=True)

    def close(self, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
        """True when the largest relative difference is below ``rtol`` or the largest
        absolute difference is below ``atol``."""
        return self.max_rel <= rtol or self.max_abs <= atol

    def __str__(self) -> str:
        return (
            f"{self.name:>10s} {str(self.shape):>9s}  max |diff| {self.max_abs:.1e}"
            f"  max rel diff {self.max_rel:.1e}"
        )


def compare(got: ArrayLike, expected: ArrayLike, name: str = "array", floor: float = 1e-12):
    """Compare ``got`` with a reference ``expected``; return a ``Comparison``.

    Both are NumPy arrays or torch tensors of the same shape (a transposed shape is named
    in the error). ``floor`` > 0 keeps the relative difference finite where both are zero.
    ``print(compare(...))`` shows one line: name, shape, largest absolute and relative
    difference; ``compare(...).close(rtol, atol)`` turns it into a yes/no.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string; got {type(name).__name__}")
    a = to_numpy(check_array("got", got))
    b = to_numpy(check_array("expected", expected))
    if a.shape != b.shape:
        hint = " (it looks transposed)" if a.ndim == 2 and a.shape == b.T.shape else ""
        raise ValueError(f"got has shape {a.shape} but expected has shape {b.shape}{hint}")
    floor = check_float("floor", floor, positive=True)
    diff = np.abs(a - b)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    return Comparison(
        name=name,
        shape=tuple(int(s) for s in a.shape),
        max_abs=float(diff.max()),
        max_rel=float((diff / scale).max()),
    )


__all__ = ["Comparison", "compare", "numerical_gradient", "numerical_gradients"]
