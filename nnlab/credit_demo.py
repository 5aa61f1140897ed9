"""Bookkeeping for notebook 01 (backpropagation as credit assignment): many networks at once.

Notebook 01 writes the forward and backward pass of its network by hand, for one network
held as a dict ``{"W1": (d, h), "b1": (h,), "W2": (h, k), "b2": (k,)}`` of float64 NumPy
arrays: a tanh hidden layer, a softmax output and the mean cross-entropy loss. What the
notebook runs many times, and what is not the lesson, lives here:

- ``flatten(p)`` / ``unflatten(thetas, like)``: a network as one vector of its P numbers
  (in the order W1, b1, W2, b2), and rows of such vectors back as stacked arrays;
- ``losses_of_many(thetas, like, X, Y)``: the loss of s networks given as rows ``(s, P)``,
  one forward pass each, in a few array operations (weight perturbation, section 5);
- ``descend_many(networks, X, y, lr=, steps=, watch=)``: full-batch gradient descent on K
  networks at once (``nnlab.batched``), recording a watched hidden unit's outgoing weights
  (its vote in the output layer), its incoming weights and the loss before every step
  (section 7: a unit that keeps failing);
- ``sgd(grad, params, X, Y, ...)``: mini-batch SGD with any gradient rule (backprop,
  feedback alignment, a frozen layer), probing the network as it goes (section 6);
- ``band(ax, x, runs, ...)``: the median of many runs and their interquartile band;
- ``paired_bars(ax, categories, series, ...)``: bars of medians over runs on a log axis,
  side by side per category, with every run as a dot and zeros drawn at a floor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch
from matplotlib.axes import Axes

from ._validate import check_float, check_int
from .batched import StackedMLP, train_batched

NAMES = ("W1", "b1", "W2", "b2")  # the order of a network's parameters everywhere
Network = Mapping[str, np.ndarray]


def _check_network(name: str, p: object) -> dict[str, np.ndarray]:
    """Return ``p`` as a dict of float64 arrays if it is a notebook-01 network, else raise."""
    if not isinstance(p, Mapping):
        raise TypeError(f"{name} must be a dict with keys W1, b1, W2, b2; got {type(p).__name__}")
    if set(p) != set(NAMES):
        raise ValueError(f"{name} must have exactly the keys W1, b1, W2, b2; got {sorted(p)}")
    out = {}
    for key in NAMES:
        value = p[key]
        if not isinstance(value, np.ndarray) or not np.issubdtype(value.dtype, np.floating):
            raise TypeError(f"{name}[{key!r}] must be a float NumPy array")
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name}[{key!r}] contains NaN or infinite values")
        out[key] = value.astype(np.float64)
    d, h = out["W1"].shape if out["W1"].ndim == 2 else (0, 0)
    k = out["W2"].shape[1] if out["W2"].ndim == 2 else 0
    shapes = {"W1": (d, h), "b1": (h,), "W2": (h, k), "b2": (k,)}
    if min(d, h, k) == 0 or any(out[key].shape != shapes[key] for key in NAMES):
        got = {key: out[key].shape for key in NAMES}
        raise ValueError(f"{name} must hold W1 (d, h), b1 (h,), W2 (h, k), b2 (k,); got {got}")
    return out


def _check_networks(networks: object) -> list[dict[str, np.ndarray]]:
    if isinstance(networks, Mapping) or not isinstance(networks, Sequence) or not networks:
        raise TypeError("networks must be a non-empty list of dicts with keys W1, b1, W2, b2")
    nets = [_check_network(f"networks[{i}]", p) for i, p in enumerate(networks)]
    if len({tuple(p["W1"].shape) + tuple(p["W2"].shape) for p in nets}) > 1:
        raise ValueError("networks must all have the same layer sizes")
    return nets


def _check_data(X: object, Y: object, d: int, *, labels: bool = False) -> None:
    if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[1] != d or len(X) == 0:
        raise ValueError(f"X must be a NumPy array (n, {d}); got {getattr(X, 'shape', X)!r}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values")
    if labels:
        ok = isinstance(Y, np.ndarray) and Y.shape == (len(X),)
        if not ok or not np.issubdtype(Y.dtype, np.integer):
            raise ValueError(f"y must be integer labels of shape ({len(X)},)")
    elif not isinstance(Y, np.ndarray) or Y.ndim != 2 or len(Y) != len(X):
        raise ValueError(f"Y must be one-hot targets (n, k) with n = {len(X)} rows")


def flatten(p: Network) -> np.ndarray:
    """Return the network ``p`` as one float64 vector ``(P,)``: W1, b1, W2, b2, row by row."""
    p = _check_network("p", p)
    return np.concatenate([p[key].ravel() for key in NAMES])


def unflatten(thetas: np.ndarray, like: Network) -> dict[str, np.ndarray]:
    """Rows of ``thetas`` ``(s, P)`` -> s networks shaped like ``like``, stacked.

    Returns a dict whose arrays have a leading axis of size s: ``W1`` ``(s, d, h)``, ...
    """
    like = _check_network("like", like)
    size = sum(v.size for v in like.values())
    if not isinstance(thetas, np.ndarray) or thetas.ndim != 2 or thetas.shape[1] != size:
        raise ValueError(
            f"thetas must be a 2-D array (s, {size}); got {getattr(thetas, 'shape', thetas)}"
        )
    stack, start = {}, 0
    for key in NAMES:
        n = like[key].size
        stack[key] = thetas[:, start : start + n].reshape(len(thetas), *like[key].shape)
        start += n
    return stack


def losses_of_many(thetas: np.ndarray, like: Network, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Mean cross-entropy of s tanh networks given as rows ``thetas`` ``(s, P)``; returns ``(s,)``.

    Network r is ``unflatten(thetas, like)`` row r; ``X`` is ``(n, d)``, ``Y`` one-hot
    ``(n, k)``. The arithmetic of s separate forward passes, in a few array operations.
    """
    stack = unflatten(thetas, like)
    _check_data(X, Y, like["W1"].shape[0])
    Z1 = np.einsum("nd,sdh->snh", X, stack["W1"], optimize=True) + stack["b1"][:, None, :]
    Z2 = np.einsum("snh,shk->snk", np.tanh(Z1), stack["W2"], optimize=True)
    Z2 = Z2 + stack["b2"][:, None, :]
    Z2 = Z2 - Z2.max(axis=-1, keepdims=True)
    log_p = Z2 - np.log(np.exp(Z2).sum(axis=-1, keepdims=True))
    return -np.mean(np.sum(Y * log_p, axis=-1), axis=-1)


def to_stack(networks: Sequence[Network]) -> StackedMLP:
    """K notebook-01 networks as one ``nnlab.batched.StackedMLP`` (tanh, float64)."""
    nets = _check_networks(networks)
    weights = [torch.tensor(np.stack([p[key].T for p in nets])) for key in ("W1", "W2")]
    biases = [torch.tensor(np.stack([p[key] for p in nets])) for key in ("b1", "b2")]
    return StackedMLP(weights, biases, activation="tanh")


def from_stack(stack: StackedMLP) -> list[dict[str, np.ndarray]]:
    """The K networks of a two-layer ``StackedMLP`` as notebook-01 dicts (float64 copies)."""
    if not isinstance(stack, StackedMLP) or len(stack.weights) != 2:
        raise TypeError("stack must be a StackedMLP with one hidden layer")
    W1, W2 = (W.detach().double().numpy() for W in stack.weights)
    b1, b2 = (b.detach().double().numpy() for b in stack.biases)
    return [
        {"W1": W1[i].T.copy(), "b1": b1[i].copy(), "W2": W2[i].T.copy(), "b2": b2[i].copy()}
        for i in range(stack.K)
    ]


def descend_many(
    networks: Sequence[Network],
    X: np.ndarray,
    y: np.ndarray,
    *,
    lr: float,
    steps: int,
    watch: Sequence[int] | None = None,
) -> tuple[list[dict[str, np.ndarray]], dict[str, np.ndarray]]:
    """Full-batch gradient descent on K networks at once; return them and a record.

    - ``networks``: K notebook-01 networks of the same sizes (tanh hidden layer);
    - ``X`` ``(n, d)`` float inputs and ``y`` ``(n,)`` int labels, shared by all;
    - ``lr`` > 0, ``steps`` >= 1: each network takes ``steps`` steps of
      ``p -= lr * dL/dp`` on the mean cross-entropy (what notebook 01's ``descend`` does);
    - ``watch``: K hidden-unit indices, one per network (or None).

    Returns the trained networks and ``{"loss": (K, steps + 1)}``, the loss before every
    step and after the last; with ``watch`` also ``"vote"`` ``(K, steps + 1, k)``, the
    watched unit's outgoing weights, and ``"incoming"`` ``(K, steps + 1, d + 1)``, its
    incoming weights and bias, at the same moments.
    """
    stack = to_stack(networks)
    K, (d, h, _) = stack.K, stack.sizes
    _check_data(X, y, d, labels=True)
    lr = check_float("lr", lr, positive=True)
    steps = check_int("steps", steps, minimum=1)
    if watch is not None:
        units = np.asarray(watch)
        if units.shape != (K,) or not np.issubdtype(units.dtype, np.integer):
            raise ValueError(f"watch must hold one hidden-unit index per network ({K})")
        if units.min() < 0 or units.max() >= h:
            raise ValueError(f"watch must hold unit indices in [0, {h}); got {units.tolist()}")
    rows = torch.arange(K)
    record = {}
    if watch is not None:
        j = torch.as_tensor(units, dtype=torch.long)
        record = {
            "vote": lambda s: s.weights[1][rows, :, j].clone(),
            "incoming": lambda s: torch.cat(
                [s.weights[0][rows, j, :], s.biases[0][rows, j, None]], dim=1
            ),
        }
    X_t, y_t = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(y, dtype=torch.long)
    with torch.no_grad():
        loss0 = torch.nn.functional.cross_entropy(
            stack(X_t).transpose(1, 2), y_t.expand(K, -1), reduction="none"
        ).mean(dim=1)
        before = {name: fn(stack) for name, fn in record.items()}
    hist = train_batched(
        stack, X_t, y_t, lr=lr, epochs=steps, record=record, progress=False, threads=1
    )
    out = {"loss": torch.cat([loss0[:, None], hist.train_loss], dim=1).numpy()}
    for name in record:
        out[name] = torch.cat([before[name][:, None], hist.extra[name]], dim=1).numpy()
    return from_stack(stack), out


GradRule = Callable[[dict, np.ndarray, np.ndarray], Mapping[str, np.ndarray]]
Probe = Callable[[dict, np.ndarray, np.ndarray], Mapping[str, float]]


def sgd(
    grad: GradRule,
    params: Network,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    epochs: int,
    lr: float,
    batch: int,
    rng: np.random.Generator,
    probe: Probe | None = None,
    every: int = 1,
    after_epoch: Callable[[dict], Mapping[str, float]] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Mini-batch SGD on a copy of ``params`` with the gradient rule ``grad``.

    - ``grad(p, X_batch, Y_batch)`` returns a dict of updates shaped like ``p`` (the true
      gradient, feedback alignment's, ...); each step does ``p -= lr * grad(...)``;
    - ``X`` ``(n, d)``, ``Y`` one-hot ``(n, k)``; ``epochs`` passes in an order shuffled
      by ``rng`` each epoch, in mini-batches of ``batch`` rows;
    - ``probe(p, X_batch, Y_batch)`` -> ``{name: number}``, called before steps 1,
      1 + every, 1 + 2·every, ...; ``after_epoch(p)`` -> ``{name: number}``, after every epoch.

    Returns the final parameters, the probe's record ``{name: (probed steps,)}`` and the
    end-of-epoch record ``{name: (epochs,)}``.
    """
    if not callable(grad):
        raise TypeError(f"grad must be a function grad(p, X, Y) -> updates; got {type(grad)}")
    p = {key: value.copy() for key, value in _check_network("params", params).items()}
    _check_data(X, Y, p["W1"].shape[0])
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_float("lr", lr, positive=True)
    batch = check_int("batch", batch, minimum=1)
    every = check_int("every", every, minimum=1)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    for name, fn in (("probe", probe), ("after_epoch", after_epoch)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{name} must be a function or None; got {type(fn).__name__}")
    steps: dict[str, list[float]] = {}
    ends: dict[str, list[float]] = {}
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            if probe is not None and step % every == 0:
                for name, value in probe(p, X[idx], Y[idx]).items():
                    steps.setdefault(name, []).append(float(value))
            step += 1
            update = grad(p, X[idx], Y[idx])
            for key in NAMES:
                p[key] = p[key] - lr * update[key]
        for name, value in (after_epoch(p) if after_epoch else {}).items():
            ends.setdefault(name, []).append(float(value))
    as_arrays = lambda record: {name: np.array(v) for name, v in record.items()}  # noqa: E731
    return p, as_arrays(steps), as_arrays(ends)


def band(
    ax: Axes,
    x: np.ndarray,
    runs: np.ndarray,
    *,
    label: str,
    color: str | None = None,
    **line: object,
) -> None:
    """Draw the median of ``runs`` ``(R, len(x))`` over its R runs, and the band from the
    25th to the 75th percentile, on ``ax``."""
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be matplotlib Axes; got {type(ax).__name__}")
    runs = np.asarray(runs, dtype=float)
    x = np.asarray(x, dtype=float)
    if runs.ndim != 2 or x.shape != (runs.shape[1],):
        raise ValueError(f"runs must be (R, {len(x)}) for x of length {len(x)}; got {runs.shape}")
    low, mid, high = np.nanpercentile(runs, [25, 50, 75], axis=0)
    (drawn,) = ax.plot(x, mid, label=label, color=color, **line)
    ax.fill_between(x, low, high, color=drawn.get_color(), alpha=0.2, lw=0)


def paired_bars(
    ax: Axes,
    categories: Sequence[str],
    series: Mapping[str, tuple[np.ndarray, str]],
    *,
    floor: float = 1e-6,
) -> None:
    """Bars of the median over runs, one group per category, one bar per series, log axis.

    - ``categories``: C names (the x tick labels);
    - ``series``: ``{label: (values, colour)}`` with values ``(C, R)``, R runs per category;
      every run is drawn as a dot; a median is printed above its bar ("0" for zero);
    - ``floor`` > 0: where zeros are drawn (a log axis has no zero); the axis starts there.
    """
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be matplotlib Axes; got {type(ax).__name__}")
    if isinstance(categories, str) or not isinstance(categories, Sequence) or not categories:
        raise TypeError("categories must be a non-empty list of names")
    if not isinstance(series, Mapping) or not series:
        raise TypeError("series must be a non-empty dict {label: (values, colour)}")
    floor = check_float("floor", floor, positive=True)
    C, width = len(categories), 0.8 / len(series)
    x = np.arange(C)
    for i, (label, (values, colour)) in enumerate(series.items()):
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[0] != C:
            raise ValueError(f"series[{label!r}] must be ({C}, runs); got {values.shape}")
        offset = (i - (len(series) - 1) / 2) * width
        medians = np.median(values, axis=1)
        ax.bar(x + offset, np.maximum(medians, floor), width=width, color=colour, label=label)
        for c in range(C):
            runs = np.maximum(values[c], floor)
            ax.plot(np.full(len(runs), x[c] + offset), runs, "k.", ms=2)
            text = f"{medians[c]:.0e}" if medians[c] > 0 else "0"
            ax.text(x[c] + offset, max(medians[c], floor) * 1.5, text, ha="center", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylim(floor, None)
    ax.set_xticks(x, list(categories))


__all__ = [
    "NAMES",
    "band",
    "descend_many",
    "flatten",
    "from_stack",
    "losses_of_many",
    "paired_bars",
    "sgd",
    "to_stack",
    "unflatten",
]
