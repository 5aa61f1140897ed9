"""Probes for dead and saturated units in any ``torch.nn`` model. Introduced in notebook 02.

The probes find a model's activation modules by type, put forward hooks on them for one pass
over the data, and report, per unit, how often it is *active*:

- ReLU-like modules (``RELU_LIKE``: ReLU, LeakyReLU, PReLU, RReLU, ELU, CELU, SELU, GELU,
  SiLU, Mish, Softplus, Hardswish): a unit is active on a row when its pre-activation (the
  module's input) is > 0. For ReLU this is exactly "its gradient is not zero"; for the leaky
  and smooth variants "inactive" means only "on the negative side", where they still pass
  a small gradient, so an all-inactive unit there is *off*, not stuck.
- Saturating modules (``SATURATING``: Sigmoid, Tanh, Softsign, Hardsigmoid, and Hardtanh
  with its subclass ReLU6): a unit is active on a row when the activation's slope there is
  more than ``threshold`` times its slope at 0. With the default ``threshold=0.01`` a
  sigmoid unit counts as saturated for ``|z| > 6.0`` and a tanh unit for ``|z| > 3.0``.

A unit is *dead* on ``X`` when it is inactive on every row. Keys of every result are the
activation modules' names in ``model.named_modules()`` order (``nnlab.MLP`` names them
``act1, act2, ...``); a unit is one entry of the module's input after the batch dimension, so
a ``(n, 64)`` input has 64 units and a ``(n, 8, 5, 5)`` one has 8×5×5.

Rules every probe keeps: the model runs in eval mode (dropout off, batch norm on its running
statistics) and the mode of every submodule is restored afterwards; parameters' ``.grad`` are
never touched; hooks are removed and ``inplace=True`` activations restored even when the
forward pass raises. Activations called as functions (``torch.relu(x)`` in ``forward``) are
invisible to the probes: use modules. A model whose activation modules never run raises
``ValueError``, and so does one module used twice in a forward pass (give each use its own).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib.pyplot as plt
import torch
from torch import nn

from ._validate import (
    LOSSES,
    check_choice,
    check_float,
    check_generator,
    check_int,
    check_model,
    check_targets,
    check_tensor,
)
from .training import StepInfo

RELU_LIKE: tuple[type[nn.Module], ...] = (
    nn.ReLU,
    nn.LeakyReLU,
    nn.PReLU,
    nn.RReLU,
    nn.ELU,
    nn.CELU,
    nn.SELU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Softplus,
    nn.Hardswish,
)
SATURATING: tuple[type[nn.Module], ...] = (
    nn.Sigmoid,
    nn.Tanh,
    nn.Softsign,
    nn.Hardsigmoid,
    nn.Hardtanh,  # and its subclass nn.ReLU6
)
DEFAULT_THRESHOLD = 0.01


# --------------------------------------------------------------------------- finding units
def _check_x(X: object) -> torch.Tensor:
    X = check_tensor("X", X, floating=True)
    if X.ndim < 2:
        raise ValueError(
            f"X must have a batch dimension first, shape (n, features...); got {tuple(X.shape)}"
        )
    return X


def _check_threshold(threshold: object) -> float:
    value = check_float("threshold", threshold, nonnegative=True)
    if value >= 1:
        raise ValueError(
            f"threshold must lie in [0, 1) (a fraction of the slope at 0); got {value}"
        )
    return value


def find_activations(model: nn.Module) -> dict[str, nn.Module]:
    """Return ``{name: module}`` for every activation module of ``model``, in module order.

    Activation modules are instances of ``RELU_LIKE`` or ``SATURATING``. Raises ValueError
    when there is none (a model built only from Linear layers, or one that calls
    ``torch.relu`` as a function): the probes would have nothing to look at.
    """
    check_model(model)
    found = {
        (name or type(module).__name__): module
        for name, module in model.named_modules()
        if isinstance(module, RELU_LIKE + SATURATING)
    }
    if not found:
        names = ", ".join(t.__name__ for t in RELU_LIKE + SATURATING)
        raise ValueError(
            f"model ({type(model).__name__}) has no activation modules; the probes look for "
            f"modules of these types: {names}. Functional calls such as torch.relu(x) in "
            "forward() are invisible to them: use nn.ReLU() modules instead."
        )
    return found


def _relative_slope(module: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """The slope of a saturating ``module`` at ``z``, divided by its slope at 0."""
    if isinstance(module, nn.Sigmoid):
        s = torch.sigmoid(z)
        return 4.0 * s * (1.0 - s)
    if isinstance(module, nn.Tanh):
        return 1.0 - torch.tanh(z) ** 2
    if isinstance(module, nn.Softsign):
        return 1.0 / (1.0 + z.abs()) ** 2
    if isinstance(module, nn.Hardsigmoid):
        return ((z > -3.0) & (z < 3.0)).to(z.dtype)
    # nn.Hardtanh, including nn.ReLU6 (min_val 0, max_val 6)
    return ((z > module.min_val) & (z < module.max_val)).to(z.dtype)


def _active(module: nn.Module, z: torch.Tensor, threshold: float) -> torch.Tensor:
    """Boolean tensor, same shape as the pre-activation ``z``: True where the unit is active."""
    if isinstance(module, RELU_LIKE):
        return z > 0
    return _relative_slope(module, z) > threshold


@contextmanager
def _hooked(model: nn.Module, keep_graph: bool = False) -> Iterator[dict[str, torch.Tensor]]:
    """Hook every activation module of ``model``; yield the dict the pre-activations fill.

    Inside the block the model is in eval mode and in-place activations run out of place;
    afterwards hooks, modes and ``inplace`` flags are restored, also after an exception.
    ``keep_graph`` keeps the captured tensors attached to the autograd graph.
    """
    modules = find_activations(model)
    captured: dict[str, torch.Tensor] = {}
    modes = [(m, m.training) for m in model.modules()]
    inplace = [(m, m.inplace) for m in modules.values() if getattr(m, "inplace", False)]
    handles = []

    def make_hook(name: str) -> Callable[..., None]:
        def hook(module: nn.Module, args: tuple) -> None:
            if name in captured:
                raise ValueError(
                    f"activation module {name!r} ran twice in one forward pass; the probes "
                    "need one module per layer: give each use its own nn.ReLU() (or similar)"
                )
            if not args or not isinstance(args[0], torch.Tensor):
                raise TypeError(f"activation module {name!r} was not called on a tensor")
            z = args[0]
            captured[name] = z if keep_graph else z.detach()

        return hook

    try:
        model.eval()
        for module, _ in inplace:
            module.inplace = False
        for name, module in modules.items():
            handles.append(module.register_forward_pre_hook(make_hook(name)))
        yield captured
    finally:
        for handle in handles:
            handle.remove()
        for module, was_training in modes:
            module.training = was_training
        for module, flag in inplace:
            module.inplace = flag


def _in_module_order(model: nn.Module, captured: dict[str, torch.Tensor]) -> list[str]:
    if not captured:
        raise ValueError(
            "none of the model's activation modules ran in the forward pass on X; "
            "check that forward() uses them"
        )
    return [name for name in find_activations(model) if name in captured]


@torch.no_grad()
def pre_activations(model: nn.Module, X: torch.Tensor) -> dict[str, torch.Tensor]:
    """Return each activation module's input on ``X``: ``{name: tensor (n, units...)}``.

    ``X`` is float ``(n, features...)``. One forward pass in eval mode, without gradients.
    """
    check_model(model)
    X = _check_x(X)
    with _hooked(model) as captured:
        model(X)
    return {name: captured[name] for name in _in_module_order(model, captured)}


@torch.no_grad()
def activity(
    model: nn.Module, X: torch.Tensor, threshold: float = DEFAULT_THRESHOLD
) -> dict[str, torch.Tensor]:
    """Return ``{name: BoolTensor (n, units...)}``: True where a unit is active on a row of X.

    "Active" is defined in the module docstring: pre-activation > 0 for ReLU-like modules,
    slope above ``threshold`` times the slope at 0 for saturating ones.
    """
    threshold = _check_threshold(threshold)
    modules = find_activations(model)
    return {
        name: _active(modules[name], z, threshold) for name, z in pre_activations(model, X).items()
    }


def active_fraction(
    model: nn.Module, X: torch.Tensor, threshold: float = DEFAULT_THRESHOLD
) -> dict[str, torch.Tensor]:
    """Return ``{name: Tensor (units...)}``: each unit's fraction of rows of X it is active on."""
    return {k: v.float().mean(0) for k, v in activity(model, X, threshold).items()}


@torch.no_grad()
def dead_units(
    model: nn.Module, X: torch.Tensor, threshold: float = DEFAULT_THRESHOLD
) -> dict[str, torch.Tensor]:
    """Return ``{name: BoolTensor (units...)}``: True for a unit inactive on every row of X."""
    threshold = _check_threshold(threshold)
    modules = find_activations(model)
    dead = {}
    for name, z in pre_activations(model, X).items():
        module = modules[name]
        if isinstance(module, RELU_LIKE):
            # ~(z > 0).any(0), computed faster; a NaN pre-activation counts as inactive
            dead[name] = z.nan_to_num(nan=-1.0).amax(0) <= 0
        else:
            dead[name] = ~_active(module, z, threshold).any(0)
    return dead


def dead_fraction(
    model: nn.Module, X: torch.Tensor, threshold: float = DEFAULT_THRESHOLD
) -> dict[str, float]:
    """Return ``{name: float}``: the fraction of each layer's units that are dead on X."""
    return {k: float(v.float().mean()) for k, v in dead_units(model, X, threshold).items()}


# --------------------------------------------------------------------------- gradients
def unit_gradient_norms(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss: str = "cross_entropy"
) -> dict[str, torch.Tensor]:
    """Return ``{name: Tensor (units...)}``: each unit's loss-gradient norm on ``(X, y)``.

    For every unit, the L2 norm over the rows of X of ∂L/∂z, where z is the unit's
    pre-activation and L the mean loss over the rows (``"cross_entropy"`` on int64 labels y
    ``(n,)``, or ``"mse"`` on float targets). A dead ReLU unit gets exactly 0. Computed with
    ``torch.autograd.grad`` in eval mode: the parameters' ``.grad`` are left untouched.
    """
    check_model(model)
    X = _check_x(X)
    check_choice("loss", loss, LOSSES)
    y = check_targets(y, X, loss)
    inputs = X.detach().clone().requires_grad_(True)  # so every pre-activation has a graph
    with torch.enable_grad(), _hooked(model, keep_graph=True) as captured:
        out = model(inputs)
        names = _in_module_order(model, captured)
        if loss == "cross_entropy":
            value = nn.functional.cross_entropy(out, y)
        else:
            value = nn.functional.mse_loss(out, y)
        grads = torch.autograd.grad(value, [captured[n] for n in names], allow_unused=True)
    result = {}
    for name, grad in zip(names, grads, strict=True):
        z = captured[name]
        grad = torch.zeros_like(z) if grad is None else grad
        result[name] = grad.detach().pow(2).sum(0).sqrt()
    return result


# --------------------------------------------------------------------------- monitor
class DeadUnitMonitor:
    """Record, during training, each layer's dead units and each unit's gradient norm.

    ``monitor = DeadUnitMonitor(X, y, steps_per_epoch=17)`` probes on ``(X, y)`` (usually the
    whole training set). Pass it to ``nnlab.train`` as the per-step ``callback``: it records
    every ``every`` steps (default: once per epoch, after its last step), labelling each record
    with the epoch reached, ``step / steps_per_epoch``. ``steps_per_epoch`` is
    ``ceil(n / batch_size)``, 1 for full-batch training. Or call ``monitor.record(model,
    epoch)`` yourself, e.g. at epoch 0 before training. Without ``y`` only dead units are
    recorded.

    After recording: ``monitor.epochs`` (list of floats), ``monitor.dead_masks`` ``{layer:
    Bool (records, units)}``, ``monitor.dead_fraction`` ``{layer: (records,)}`` and
    ``monitor.grad_norms`` ``{layer: (records, units)}``. ``plot_monitor(monitor)`` draws them.
    """

    def __init__(
        self,
        X: torch.Tensor,
        y: torch.Tensor | None = None,
        *,
        steps_per_epoch: int = 1,
        every: int | None = None,
        loss: str = "cross_entropy",
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.X = _check_x(X)
        self.loss = check_choice("loss", loss, LOSSES)
        self.y = None if y is None else check_targets(y, self.X, loss)
        self.steps_per_epoch = check_int("steps_per_epoch", steps_per_epoch, minimum=1)
        self.every = self.steps_per_epoch if every is None else check_int("every", every, minimum=1)
        self.threshold = _check_threshold(threshold)
        self.epochs: list[float] = []
        self._dead: dict[str, list[torch.Tensor]] = {}
        self._grads: dict[str, list[torch.Tensor]] = {}

    def record(self, model: nn.Module, epoch: float | None = None) -> None:
        """Probe ``model`` now and append one record labelled ``epoch`` (default: the next
        whole epoch, 0 for the first record)."""
        if epoch is None:
            epoch = math.floor(self.epochs[-1]) + 1 if self.epochs else 0
        epoch = check_float("epoch", epoch, nonnegative=True)
        dead = dead_units(model, self.X, self.threshold)
        if self._dead and set(dead) != set(self._dead):
            raise ValueError("the model's activation layers changed between records")
        grads = {}
        if self.y is not None:
            grads = unit_gradient_norms(model, self.X, self.y, self.loss)
        for name, mask in dead.items():
            self._dead.setdefault(name, []).append(mask.flatten())
        for name, norms in grads.items():
            self._grads.setdefault(name, []).append(norms.flatten())
        self.epochs.append(epoch)

    def __call__(self, info: StepInfo) -> None:
        """``nnlab.train`` callback: record every ``every`` steps."""
        if not isinstance(info, StepInfo):
            raise TypeError(f"the monitor's callback expects a StepInfo; got {type(info).__name__}")
        if info.step % self.every == 0:
            self.record(info.model, info.step / self.steps_per_epoch)

    @property
    def dead_masks(self) -> dict[str, torch.Tensor]:
        """``{layer: BoolTensor (records, units)}``: which units were dead at each record."""
        return {k: torch.stack(v) for k, v in self._dead.items()}

    @property
    def dead_fraction(self) -> dict[str, torch.Tensor]:
        """``{layer: Tensor (records,)}``: the fraction of each layer's units that were dead."""
        return {k: v.float().mean(1) for k, v in self.dead_masks.items()}

    @property
    def grad_norms(self) -> dict[str, torch.Tensor]:
        """``{layer: Tensor (records, units)}``: each unit's gradient norm (needs ``y``)."""
        return {k: torch.stack(v) for k, v in self._grads.items()}


def plot_monitor(monitor: DeadUnitMonitor, title: str = "Dead units during training") -> plt.Figure:
    """Plot a monitor: dead fraction per layer (left) and log10 gradient norm per unit (right).

    The right panel stacks every layer's units (rows) against epochs (columns); units whose
    gradient is exactly zero show at the bottom of the colour scale. Returns the figure.
    """
    if not isinstance(monitor, DeadUnitMonitor):
        raise TypeError(f"monitor must be a DeadUnitMonitor; got {type(monitor).__name__}")
    if not monitor.epochs:
        raise ValueError("the monitor has no records yet: train with callback=monitor first")
    has_grads = bool(monitor._grads)
    ncols = 2 if has_grads else 1
    fig, axes = plt.subplots(1, ncols, figsize=(4.2 * ncols, 3.4), layout="constrained")
    axes = list(axes) if has_grads else [axes]
    for name, frac in monitor.dead_fraction.items():
        axes[0].plot(monitor.epochs, frac.numpy(), marker=".", label=name)
    axes[0].set(
        xlabel="epoch (passes over the data)",
        ylabel="dead units (fraction of layer)",
        title="Dead fraction per layer",
        ylim=(-0.03, 1.03),
    )
    axes[0].legend()
    if has_grads:
        grads = monitor.grad_norms
        stacked = torch.cat([g.T for g in grads.values()])  # (all units, records)
        floor = 1e-8
        image = torch.log10(stacked.clamp_min(floor)).numpy()
        epochs = monitor.epochs
        half = (epochs[-1] - epochs[0]) / (2 * (len(epochs) - 1)) if len(epochs) > 1 else 0.5
        mesh = axes[1].imshow(
            image,
            aspect="auto",
            interpolation="nearest",
            cmap="viridis",
            vmin=math.log10(floor),
            extent=(epochs[0] - half, epochs[-1] + half, len(image) - 0.5, -0.5),
        )
        start = 0
        for name, g in grads.items():
            if start:
                axes[1].axhline(start - 0.5, color="white", lw=1)
            axes[1].text(epochs[-1] + half, start, f"{name} ", va="top", ha="right", color="white")
            start += g.shape[1]
        axes[1].set(
            xlabel="epoch (passes over the data)",
            ylabel="unit (index, layers stacked)",
            title="Gradient norm per unit",
        )
        axes[1].grid(False)
        fig.colorbar(mesh, ax=axes[1], label="log10 gradient norm (a.u.)")
    fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------- rejuvenation
def _neighbouring_linears(model: nn.Module, act_name: str) -> tuple[str, str]:
    """Names of the nn.Linear feeding activation ``act_name`` and of the one it feeds."""
    leaves = [(n, m) for n, m in model.named_modules() if not list(m.children())]
    names = [n for n, _ in leaves]
    position = names.index(act_name) if act_name in names else None
    fan_in = fan_out = None
    if position is not None:
        before = [n for n, m in leaves[:position] if isinstance(m, nn.Linear)]
        after = [n for n, m in leaves[position + 1 :] if isinstance(m, nn.Linear)]
        fan_in = before[-1] if before else None
        fan_out = after[0] if after else None
    if fan_in is None or fan_out is None:
        raise ValueError(
            f"cannot find a Linear layer before and after activation {act_name!r}; "
            "pass pairs={name: (fan_in_linear, fan_out_linear)}"
        )
    return fan_in, fan_out


def reinit_dead_units(
    model: nn.Module,
    X: torch.Tensor,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    layers: list[str] | None = None,
    pairs: dict[str, tuple[str, str]] | None = None,
    generator: torch.Generator | None = None,
) -> dict[str, int]:
    """Re-initialise the units that are dead on ``X``; return ``{layer: units re-initialised}``.

    The ReLU analogue of Neural Rejuvenation (Qiao et al. 2019): each dead unit gets fresh
    fan-in weights (He normal, std sqrt(2 / fan_in)) and a zero bias in the Linear layer that
    feeds it, and zero fan-out weights in the Linear layer it feeds. A dead ReLU unit outputs
    0, so zero fan-out weights leave the network's function unchanged at the moment of
    re-initialisation; the fan-out weights then grow from the unit's new, non-zero output.

    The Linear layers are found in module order (the nearest ``nn.Linear`` before and after
    each activation, as in ``nnlab.MLP`` or an ``nn.Sequential`` stack); for other models pass
    ``pairs={"act1": ("fc1", "fc2"), ...}`` with module names. ``layers`` restricts the
    activation layers treated (default: all). An optimizer's state for these parameters
    (momentum, Adam's moments) is not reset.
    """
    check_model(model)
    X = _check_x(X)
    if generator is not None:
        check_generator(generator)
    if pairs is not None and not isinstance(pairs, dict):
        raise TypeError(
            "pairs must be a dict {activation: (fan_in_linear, fan_out_linear)}; "
            f"got {type(pairs).__name__}"
        )
    dead = dead_units(model, X, threshold)
    if layers is not None:
        if isinstance(layers, str) or not all(isinstance(n, str) for n in layers):
            raise TypeError("layers must be a list of activation names, e.g. ['act1', 'act2']")
        unknown = set(layers) - set(dead)
        if unknown:
            raise ValueError(f"unknown layers {sorted(unknown)}; have {list(dead)}")
        dead = {k: v for k, v in dead.items() if k in layers}
    modules = dict(model.named_modules())
    counts = {}
    # Deepest layer first, so that a shallower layer's zero fan-out columns are written last
    # and survive the fresh fan-in rows of the layer above them.
    for name, mask in reversed(dead.items()):
        if mask.ndim != 1:
            raise ValueError(
                f"layer {name!r} has units of shape {tuple(mask.shape)}; only (units,) is supported"
            )
        if pairs is not None and name in pairs:
            fan_in_name, fan_out_name = pairs[name]
        else:
            fan_in_name, fan_out_name = _neighbouring_linears(model, name)
        fan_in, fan_out = modules.get(fan_in_name), modules.get(fan_out_name)
        if not isinstance(fan_in, nn.Linear) or not isinstance(fan_out, nn.Linear):
            raise ValueError(
                f"pairs[{name!r}] = ({fan_in_name!r}, {fan_out_name!r}) must name nn.Linear "
                "modules of the model"
            )
        if fan_in.out_features != len(mask) or fan_out.in_features != len(mask):
            raise ValueError(
                f"layer {name!r} has {len(mask)} units but {fan_in_name!r} has "
                f"{fan_in.out_features} outputs and {fan_out_name!r} {fan_out.in_features} inputs"
            )
        idx = torch.nonzero(mask).flatten()
        counts[name] = len(idx)
        if not len(idx):
            continue
        std = math.sqrt(2.0 / fan_in.in_features)
        with torch.no_grad():
            fresh = torch.randn(len(idx), fan_in.in_features, generator=generator) * std
            fan_in.weight[idx] = fresh.to(fan_in.weight.dtype)
            if fan_in.bias is not None:
                fan_in.bias[idx] = 0.0
            fan_out.weight[:, idx] = 0.0
    return {name: counts[name] for name in dead}


__all__ = [
    "DEFAULT_THRESHOLD",
    "RELU_LIKE",
    "SATURATING",
    "DeadUnitMonitor",
    "activity",
    "active_fraction",
    "dead_fraction",
    "dead_units",
    "find_activations",
    "plot_monitor",
    "pre_activations",
    "reinit_dead_units",
    "unit_gradient_norms",
]
