"""The bad-input audit: every public nnlab function refuses bad input with a clear error.

``public_callables()`` lists every public function and class of every nnlab module (the
names in a module's ``__all__``, else those not starting with ``_``; private modules such as
``nnlab._validate`` are skipped). ``CASES`` gives each of them calls with bad input (wrong
type, wrong shape, NaN, zero or negative sizes and rates, unknown names, empty data,
whichever apply); each must raise ``ValueError`` or ``TypeError`` whose message names the
argument. The exercise checks in ``nnlab.exercises`` are the one exception by design: a
learner's wrong answer (not a function, not an array) gets a ``CheckFailed`` hint naming
the learner's function, as in the notebooks.

``test_every_public_callable_has_a_bad_input_case`` fails when a public function has no
case: a module added later (notebooks 03 and 04 bring theirs) is covered automatically.
Only things with no argument to check go in ``NO_ARGUMENTS``, each with its reason.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
import re
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest
import torch
from badinput import BAD, Bad, bad, check, names  # noqa: F401  (Bad: the type of a case)
from torch import nn

import nnlab
from nnlab import (
    batched,
    config,
    course,
    curvature,
    data,
    diagram,
    exercises,
    generalization,
    gradcheck,
    hebbian,
    lr_finder,
    models,
    plotting,
    probes,
    runtime,
    training,
)
from nnlab import (
    widgets as nnlab_widgets,
)
from nnlab.exercises import nb00, nb01, nb02, nb03, nb04, nb05

NAN = math.nan

# Public callables with no argument to check, and why. Anything else needs a case below.
NO_ARGUMENTS = {
    "nnlab.config.progress_enabled": "no arguments; every NNLAB_PROGRESS value is valid",
    "nnlab.course.repository_url": "no arguments; reads pyproject.toml",
    "nnlab.plotting.use_style": "no arguments",
    "nnlab.runtime.reuse_freed_memory": "no arguments",
    "nnlab.data.DataFileError": "an exception class: any message",
    "nnlab.exercises.CheckFailed": "an exception class: any message",
}


def public_callables() -> dict[str, object]:
    """``{"nnlab.module.name": object}`` for every public function and class of nnlab."""
    found = {}
    for info in pkgutil.walk_packages(nnlab.__path__, "nnlab."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        names = getattr(module, "__all__", None)
        if names is None:
            names = [n for n in vars(module) if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name)
            own = getattr(obj, "__module__", None) == module.__name__
            if own and (inspect.isfunction(obj) or inspect.isclass(obj)):
                found[f"{module.__name__}.{name}"] = obj
    return found


# ----------------------------------------------------------------------------- fixtures
# Small, valid objects; each case spoils one argument.

torch.manual_seed(0)
X = torch.randn(24, 4)
Y = torch.arange(24) % 3
X2, Y2 = nnlab.make_moons(n=20, seed=0)
NET = nnlab.MLP([4, 6, 3])
NET2 = nnlab.MLP([2, 5, 2])
STACK = batched.init_stack([4, 6, 3], [0, 1])
HISTORY = nnlab.train(nnlab.MLP([4, 6, 3]), X, Y, lr=0.1, epochs=2, progress=False)
MONITOR = probes.DeadUnitMonitor(X, Y)
FLOATS = torch.randn(5, 3, dtype=torch.float64)
RANGE = lr_finder.lr_range_test(NET, X, Y, steps=5)
BHIST = batched.train_batched(STACK.clone(), X, Y, lr=0.1, epochs=2, progress=False)


def nan_at(t: torch.Tensor) -> torch.Tensor:
    t = t.clone()
    t.view(-1)[0] = NAN
    return t


def hvp(v: torch.Tensor) -> torch.Tensor:
    return 2.0 * v


def quadratic(t: torch.Tensor) -> torch.Tensor:
    return (t**2).sum()


def render(n: int) -> None:
    return None


def slider() -> widgets.IntSlider:
    return widgets.IntSlider(value=1, min=0, max=3)


# ----------------------------------------------------------------------------- the cases

CASES: dict[str, list[Bad]] = {
    # nnlab.config
    "nnlab.config.base_seed": names(
        bad(config.base_seed, "seed not a number", "NNLAB_SEED", env={"NNLAB_SEED": "seven"}),
        bad(config.base_seed, "negative seed", "NNLAB_SEED", env={"NNLAB_SEED": "-1"}),
    ),
    "nnlab.config.seed": names(
        bad(config.seed, "negative offset", "offset", -1),
        bad(config.seed, "float offset", "offset", 1.5),
        bad(config.seed, "string offset", "offset", "1"),
        bad(config.seed, "bad NNLAB_SEED", "NNLAB_SEED", env={"NNLAB_SEED": "x"}),
    ),
    "nnlab.config.generator": names(
        bad(config.generator, "negative offset", "offset", -2),
        bad(config.generator, "bool offset", "offset", True),
    ),
    "nnlab.config.mode": names(
        bad(config.mode, "unknown mode", "NNLAB_MODE", env={"NNLAB_MODE": "slow"}),
    ),
    "nnlab.config.pick": names(
        bad(config.pick, "unknown mode", "NNLAB_MODE", 1, 2, env={"NNLAB_MODE": "medium"}),
    ),
    "nnlab.config.device": names(
        bad(config.device, "unknown device", "prefer", "tpu"),
        bad(config.device, "not a string", "prefer", 0),
        bad(config.device, "unknown NNLAB_DEVICE", "NNLAB_DEVICE", env={"NNLAB_DEVICE": "gpu"}),
    ),
    # nnlab.course
    "nnlab.course.binder_url": names(
        bad(course.binder_url, "path leaving the repo", "notebook", "../x.ipynb"),
        bad(course.binder_url, "not a notebook", "notebook", "notebooks/x.py"),
        bad(course.binder_url, "not a string", "notebook", 5),
        bad(course.binder_url, "ref not a string", "ref", ref=5),
        bad(course.binder_url, "ref with spaces", "ref", ref="my branch"),
        bad(course.binder_url, "empty ref", "ref", ref=""),
    ),
    "nnlab.course.binder_badge": names(
        bad(course.binder_badge, "absolute path", "notebook", "/etc/x.ipynb"),
    ),
    # nnlab.data
    "nnlab.data.load_digits": names(
        bad(data.load_digits, "path not a path", "path", 5),
        bad(
            data.load_digits, "missing file", "missing.npz", "missing.npz", error=data.DataFileError
        ),
    ),
    "nnlab.data.stratified_split": names(
        bad(data.stratified_split, "X a list", "X", X.tolist(), Y),
        bad(data.stratified_split, "float labels", "y", X, Y.float()),
        bad(data.stratified_split, "2-D labels", "y", X, Y[:, None]),
        bad(data.stratified_split, "lengths differ", "y", X[:10], Y),
        bad(data.stratified_split, "NaN in X", "X", nan_at(X), Y),
        bad(data.stratified_split, "empty X", "X", X[:0], Y[:0]),
        bad(data.stratified_split, "two fractions", "fractions", X, Y, (0.5, 0.5)),
        bad(data.stratified_split, "negative fraction", "fractions", X, Y, (1.2, -0.1, -0.1)),
        bad(
            data.stratified_split, "fractions not summing to 1", "fractions", X, Y, (0.5, 0.2, 0.2)
        ),
        bad(data.stratified_split, "negative seed", "seed", X, Y, seed=-1),
    ),
    **{
        f"nnlab.data.{make.__name__}": names(
            bad(make, "zero samples", "n", n=0),
            bad(make, "float n", "n", n=10.0),
            bad(make, "negative noise", "noise", noise=-0.1),
            bad(make, "NaN noise", "noise", noise=NAN),
            bad(make, "negative seed", "seed", seed=-1),
        )
        for make in (data.make_xor, data.make_moons, data.make_regression_1d)
    },
    "nnlab.data.make_spirals": names(
        bad(data.make_spirals, "one sample", "n", n=1),
        bad(data.make_spirals, "one class", "classes", classes=1),
        bad(data.make_spirals, "zero turns", "turns", turns=0),
        bad(data.make_spirals, "infinite noise", "noise", noise=math.inf),
        bad(data.make_spirals, "string seed", "seed", seed="0"),
    ),
    "nnlab.data.make_blobs": names(
        bad(data.make_blobs, "zero samples", "n", n=0),
        bad(data.make_blobs, "zero centers", "centers", centers=0),
        bad(data.make_blobs, "zero dim", "dim", dim=0),
        bad(data.make_blobs, "negative spread", "spread", spread=-1.0),
        bad(data.make_blobs, "zero box", "box", box=0.0),
    ),
    # nnlab.models
    "nnlab.models.make_activation": names(
        # the argument is the activation's name: the message says "unknown activation"
        bad(models.make_activation, "unknown name", "activation", "swish"),
        bad(models.make_activation, "not a string", "activation", nn.ReLU),
    ),
    "nnlab.models.init_linear": names(
        bad(models.init_linear, "not a Linear", "layer", nn.ReLU()),
        bad(models.init_linear, "unknown init", "init", nn.Linear(2, 3), "kaiming"),
        bad(models.init_linear, "normal without std", "std", nn.Linear(2, 3), "normal"),
        bad(models.init_linear, "negative std", "std", nn.Linear(2, 3), "normal", -1.0),
        bad(models.init_linear, "NaN std", "std", nn.Linear(2, 3), "normal", NAN),
    ),
    "nnlab.models.MLP": names(
        bad(nnlab.MLP, "sizes a string", "sizes", "64,10"),
        bad(nnlab.MLP, "one size", "sizes", [64]),
        bad(nnlab.MLP, "zero width", "sizes", [64, 0, 10]),
        bad(nnlab.MLP, "float width", "sizes", [64, 8.5, 10]),
        bad(nnlab.MLP, "unknown activation", "activation", [2, 3], activation="swish"),
        bad(nnlab.MLP, "unknown init", "init", [2, 3], init="orthogonal"),
        bad(nnlab.MLP, "normal without std", "std", [2, 3], init="normal"),
        bad(nnlab.MLP, "bias not a bool", "bias", [2, 3], bias="yes"),
    ),
    "nnlab.models.count_parameters": names(
        bad(models.count_parameters, "not a module", "model", [torch.zeros(3)]),
    ),
    # nnlab.training
    "nnlab.training.History": names(
        bad(training.History, "loss not a list", "train_loss", train_loss=0.5),
        bad(training.History, "accuracies a tensor", "val_acc", val_acc=torch.zeros(3)),
    ),
    "nnlab.training.StepInfo": names(
        bad(training.StepInfo, "epoch zero", "epoch", 0, 1, 0.5, NET),
        bad(training.StepInfo, "step a float", "step", 1, 1.0, 0.5, NET),
        bad(training.StepInfo, "loss a string", "loss", 1, 1, "0.5", NET),
        bad(training.StepInfo, "model not a module", "model", 1, 1, 0.5, "net"),
    ),
    "nnlab.training.evaluate": names(
        bad(training.evaluate, "model not a module", "model", "net", X, Y),
        bad(training.evaluate, "unknown loss", "loss", NET, X, Y, "hinge"),
        bad(training.evaluate, "integer X", "X", NET, X.long(), Y),
        bad(training.evaluate, "1-D X", "X", NET, X[:, 0], Y),
        bad(training.evaluate, "float labels", "y", NET, X, Y.float()),
        bad(training.evaluate, "lengths differ", "y", NET, X, Y[:5]),
        bad(training.evaluate, "NaN in X", "X", NET, nan_at(X), Y),
    ),
    "nnlab.training.accuracy": names(
        bad(training.accuracy, "model not a module", "model", None, X, Y),
        bad(training.accuracy, "empty X", "X", NET, X[:0], Y[:0]),
        bad(training.accuracy, "X a numpy array", "X", NET, X.numpy(), Y),
    ),
    "nnlab.training.loss_function": names(
        bad(training.loss_function, "unknown loss", "loss", "hinge"),
        bad(training.loss_function, "loss not a string", "loss", 1),
    ),
    "nnlab.training.train": names(
        bad(nnlab.train, "model not a module", "model", "net", X, Y, lr=0.1, epochs=1),
        bad(nnlab.train, "zero lr", "lr", NET, X, Y, lr=0.0, epochs=1),
        bad(nnlab.train, "negative lr", "lr", NET, X, Y, lr=-0.1, epochs=1),
        bad(nnlab.train, "NaN lr", "lr", NET, X, Y, lr=NAN, epochs=1),
        bad(nnlab.train, "lr a string", "lr", NET, X, Y, lr="0.1", epochs=1),
        bad(nnlab.train, "zero epochs", "epochs", NET, X, Y, lr=0.1, epochs=0),
        bad(nnlab.train, "float epochs", "epochs", NET, X, Y, lr=0.1, epochs=2.5),
        bad(
            nnlab.train, "zero batch size", "batch_size", NET, X, Y, lr=0.1, epochs=1, batch_size=0
        ),
        bad(
            nnlab.train,
            "unknown optimizer",
            "optimizer",
            NET,
            X,
            Y,
            lr=0.1,
            epochs=1,
            optimizer="rmsprop",
        ),
        bad(nnlab.train, "unknown loss", "loss", NET, X, Y, lr=0.1, epochs=1, loss="hinge"),
        bad(
            nnlab.train, "negative momentum", "momentum", NET, X, Y, lr=0.1, epochs=1, momentum=-0.5
        ),
        bad(nnlab.train, "momentum above 1", "momentum", NET, X, Y, lr=0.1, epochs=1, momentum=2.0),
        bad(
            nnlab.train,
            "negative weight decay",
            "weight_decay",
            NET,
            X,
            Y,
            lr=0.1,
            epochs=1,
            weight_decay=-1.0,
        ),
        bad(
            nnlab.train,
            "callback not callable",
            "callback",
            NET,
            X,
            Y,
            lr=0.1,
            epochs=1,
            callback=5,
        ),
        bad(nnlab.train, "negative seed", "seed", NET, X, Y, lr=0.1, epochs=1, seed=-3),
        bad(nnlab.train, "X_val without y_val", "y_val", NET, X, Y, lr=0.1, epochs=1, X_val=X),
        bad(nnlab.train, "NaN in X", "X", NET, nan_at(X), Y, lr=0.1, epochs=1),
        bad(nnlab.train, "empty data", "X", NET, X[:0], Y[:0], lr=0.1, epochs=1),
        bad(nnlab.train, "float labels", "y", NET, X, Y.float(), lr=0.1, epochs=1),
        bad(nnlab.train, "lengths differ", "y", NET, X, Y[:3], lr=0.1, epochs=1),
        bad(
            nnlab.train,
            "validation labels float",
            "y",
            NET,
            X,
            Y,
            lr=0.1,
            epochs=1,
            X_val=X,
            y_val=X,
        ),
    ),
    # nnlab.plotting
    "nnlab.plotting.plot_history": names(
        bad(plotting.plot_history, "not a History", "history", {"train_loss": [1.0]}),
        bad(plotting.plot_history, "empty History", "history", training.History()),
    ),
    "nnlab.plotting.plot_decision_boundary": names(
        bad(plotting.plot_decision_boundary, "model not a module", "model", "net", X2, Y2),
        bad(plotting.plot_decision_boundary, "three columns", "X", NET2, X[:, :3], Y[:24]),
        bad(plotting.plot_decision_boundary, "float labels", "y", NET2, X2, Y2.float()),
        bad(plotting.plot_decision_boundary, "lengths differ", "y", NET2, X2, Y2[:4]),
        bad(
            plotting.plot_decision_boundary,
            "resolution 1",
            "resolution",
            NET2,
            X2,
            Y2,
            resolution=1,
        ),
        bad(plotting.plot_decision_boundary, "ax not axes", "ax", NET2, X2, Y2, ax="left"),
    ),
    # nnlab.generalization
    "nnlab.data.noisy_labels": names(
        bad(generalization.noisy_labels, "float labels", "y", Y.float(), 0.2),
        bad(generalization.noisy_labels, "negative labels", "y", Y - 1, 0.2),
        bad(generalization.noisy_labels, "fraction above 1", "fraction", Y, 1.5),
        bad(generalization.noisy_labels, "NaN fraction", "fraction", Y, NAN),
        bad(generalization.noisy_labels, "too few classes", "num_classes", Y, 0.2, num_classes=2),
        bad(generalization.noisy_labels, "generator a seed", "generator", Y, 0.2, generator=3),
    ),
    "nnlab.data.balanced_order": names(
        bad(generalization.balanced_order, "labels a list", "y", Y.tolist()),
        bad(generalization.balanced_order, "empty labels", "y", Y[:0]),
        bad(generalization.balanced_order, "generator a seed", "generator", Y, generator=1),
    ),
    "nnlab.data.subset_masks": names(
        bad(generalization.subset_masks, "float order", "order", torch.arange(5.0), [2]),
        bad(generalization.subset_masks, "one size, not a list", "sizes", torch.arange(5), 2),
        bad(generalization.subset_masks, "zero size", "sizes", torch.arange(5), [0]),
        bad(generalization.subset_masks, "size too large", "sizes", torch.arange(5), [9]),
        bad(generalization.subset_masks, "order out of range", "order", torch.arange(5), [2], n=3),
    ),
    "nnlab.batched.history.epochs_to_reach": names(
        bad(generalization.epochs_to_reach, "1-D curves", "curves", FLOATS[0], 0.5),
        bad(generalization.epochs_to_reach, "NaN threshold", "threshold", FLOATS, NAN),
    ),
    "nnlab.batched.history.StopWhen": names(
        bad(generalization.StopWhen, "metric not callable", "metric", 0.5, 0.1),
        bad(generalization.StopWhen, "threshold text", "threshold", lambda s: s, "low"),
    ),
    "nnlab.batched.stack.join_stacks": names(
        bad(generalization.join_stacks, "nothing to join", "join_stacks"),
        bad(generalization.join_stacks, "not a stack", "stacks", STACK, NET),
        bad(
            generalization.join_stacks,
            "different sizes",
            "stacks",
            STACK,
            batched.init_stack([4, 5, 3], [0]),
        ),
    ),
    "nnlab.curvature.filter_normalized_direction": names(
        bad(generalization.filter_normalized_direction, "a module, not a stack", "stack", NET),
        bad(
            generalization.filter_normalized_direction,
            "generator a seed",
            "generator",
            STACK,
            generator=0,
        ),
    ),
    "nnlab.curvature.loss_along_direction": names(
        bad(
            generalization.loss_along_direction,
            "a module, not a stack",
            "stack",
            NET,
            X,
            Y,
            [],
            [0.0],
        ),
        bad(
            generalization.loss_along_direction,
            "direction of the wrong length",
            "direction",
            STACK,
            X,
            Y,
            [torch.zeros(2, 6, 4)],
            [0.0],
        ),
        bad(
            generalization.loss_along_direction,
            "NaN alpha",
            "alphas",
            STACK,
            X,
            Y,
            generalization.filter_normalized_direction(STACK),
            [NAN],
        ),
        bad(
            generalization.loss_along_direction,
            "unknown loss",
            "loss",
            STACK,
            X,
            Y,
            generalization.filter_normalized_direction(STACK),
            [0.0],
            loss="hinge",
        ),
    ),
    # nnlab.probes
    "nnlab.probes.find_activations": names(
        bad(probes.find_activations, "not a module", "model", "net"),
        bad(probes.find_activations, "no activation modules", "model", nn.Linear(3, 2)),
    ),
    **{
        f"nnlab.probes.{probe.__name__}": names(
            bad(probe, "model not a module", "model", "net", X),
            bad(probe, "integer X", "X", NET, X.long()),
            bad(probe, "1-D X", "X", NET, X[0]),
            bad(probe, "NaN in X", "X", NET, nan_at(X)),
            bad(probe, "empty X", "X", NET, X[:0]),
        )
        + (
            []
            if probe is probes.pre_activations
            else names(
                bad(probe, "threshold 1", "threshold", NET, X, 1.0),
                bad(probe, "negative threshold", "threshold", NET, X, -0.1),
                bad(probe, "NaN threshold", "threshold", NET, X, NAN),
            )
        )
        for probe in (
            probes.pre_activations,
            probes.activity,
            probes.active_fraction,
            probes.dead_units,
            probes.dead_fraction,
        )
    },
    "nnlab.probes.unit_gradient_norms": names(
        bad(probes.unit_gradient_norms, "model not a module", "model", 3, X, Y),
        bad(probes.unit_gradient_norms, "float labels", "y", NET, X, Y.float()),
        bad(probes.unit_gradient_norms, "lengths differ", "y", NET, X, Y[:2]),
        bad(probes.unit_gradient_norms, "unknown loss", "loss", NET, X, Y, "hinge"),
    ),
    "nnlab.probes.DeadUnitMonitor": names(
        bad(probes.DeadUnitMonitor, "X a list", "X", X.tolist()),
        bad(
            probes.DeadUnitMonitor, "zero steps per epoch", "steps_per_epoch", X, steps_per_epoch=0
        ),
        bad(probes.DeadUnitMonitor, "zero every", "every", X, every=0),
        bad(probes.DeadUnitMonitor, "unknown loss", "loss", X, Y, loss="hinge"),
        bad(probes.DeadUnitMonitor, "threshold 2", "threshold", X, threshold=2.0),
        bad(probes.DeadUnitMonitor, "lengths differ", "y", X, Y[:3]),
    ),
    "nnlab.probes.plot_monitor": names(
        bad(probes.plot_monitor, "not a monitor", "monitor", HISTORY),
        bad(probes.plot_monitor, "no records", "monitor", MONITOR),
    ),
    "nnlab.probes.reinit_dead_units": names(
        bad(probes.reinit_dead_units, "model not a module", "model", "net", X),
        bad(probes.reinit_dead_units, "NaN in X", "X", NET, nan_at(X)),
        bad(probes.reinit_dead_units, "threshold 1", "threshold", NET, X, threshold=1.0),
        bad(probes.reinit_dead_units, "layers a string", "layers", NET, X, layers="act1"),
        bad(probes.reinit_dead_units, "unknown layer", "layers", NET, X, layers=["act9"]),
        bad(probes.reinit_dead_units, "pairs a list", "pairs", NET, X, pairs=[("fc1", "out")]),
        bad(
            probes.reinit_dead_units,
            "pairs naming no Linear",
            "pairs",
            NET,
            X,
            pairs={"act1": ("fc9", "out")},
        ),
        bad(probes.reinit_dead_units, "generator a seed", "generator", NET, X, generator=0),
    ),
    # nnlab.widgets
    "nnlab.widgets.live_control": names(
        bad(
            nnlab_widgets.live_control,
            "render not callable",
            "render",
            "draw",
            n=widgets.IntSlider(),
        ),
        bad(nnlab_widgets.live_control, "no control", "control", render),
        bad(nnlab_widgets.live_control, "control not a widget", "n", render, n=3),
    ),
    # nnlab.diagram
    "nnlab.diagram.layer_sizes": names(
        bad(diagram.layer_sizes, "one array, not a list", "weights", np.ones((2, 3))),
        bad(diagram.layer_sizes, "empty list", "weights", []),
        bad(diagram.layer_sizes, "integer matrix", "weights[0]", [np.ones((2, 3), dtype=int)]),
        bad(diagram.layer_sizes, "1-D array", "weights[0]", [np.ones(3)]),
        bad(diagram.layer_sizes, "NaN", "weights[0]", [np.full((2, 3), NAN)]),
        bad(diagram.layer_sizes, "not chaining", "weights[1]", [np.ones((2, 3)), np.ones((2, 3))]),
    ),
    "nnlab.diagram.node_positions": names(
        bad(diagram.node_positions, "a number, not a list", "sizes", 3),
        bad(diagram.node_positions, "zero width", "sizes", [2, 0, 1]),
        bad(diagram.node_positions, "float width", "sizes", [2.5, 1]),
        bad(diagram.node_positions, "empty list", "sizes", []),
    ),
    "nnlab.diagram.plot_network": names(
        bad(diagram.plot_network, "not a list", "weights", np.ones((2, 3))),
        bad(diagram.plot_network, "zero vmax", "vmax", [np.ones((2, 3))], vmax=0.0),
        bad(diagram.plot_network, "NaN vmax", "vmax", [np.ones((2, 3))], vmax=NAN),
        bad(diagram.plot_network, "negative width", "max_width", [np.ones((2, 3))], max_width=-1.0),
        bad(diagram.plot_network, "title not a string", "title", [np.ones((2, 3))], title=1),
        bad(
            diagram.plot_network,
            "wrong number of names",
            "layer_names",
            [np.ones((2, 3))],
            layer_names=["a"],
        ),
        bad(diagram.plot_network, "ax not axes", "ax", [np.ones((2, 3))], ax=1),
    ),
    # nnlab.gradcheck
    "nnlab.gradcheck.numerical_gradients": names(
        bad(gradcheck.numerical_gradients, "func not callable", "func", 1.0, [FLOATS]),
        bad(gradcheck.numerical_gradients, "one array, not a list", "inputs", quadratic, FLOATS),
        bad(gradcheck.numerical_gradients, "empty list", "inputs", quadratic, []),
        bad(
            gradcheck.numerical_gradients,
            "integer input",
            "inputs[0]",
            quadratic,
            [torch.ones(2, dtype=torch.long)],
        ),
        bad(gradcheck.numerical_gradients, "NaN input", "inputs[0]", quadratic, [nan_at(FLOATS)]),
        bad(gradcheck.numerical_gradients, "zero eps", "eps", quadratic, [FLOATS], eps=0.0),
        bad(
            gradcheck.numerical_gradients, "func returning a vector", "func", lambda t: t, [FLOATS]
        ),
    ),
    "nnlab.gradcheck.numerical_gradient": names(
        bad(gradcheck.numerical_gradient, "func not callable", "func", None, FLOATS),
        bad(gradcheck.numerical_gradient, "x a list", "x", quadratic, [1.0, 2.0]),
        bad(gradcheck.numerical_gradient, "integer x", "x", quadratic, np.arange(3)),
        bad(gradcheck.numerical_gradient, "empty x", "x", quadratic, np.zeros(0)),
        bad(gradcheck.numerical_gradient, "negative eps", "eps", quadratic, FLOATS, eps=-1e-5),
    ),
    "nnlab.gradcheck.compare": names(
        bad(gradcheck.compare, "got a list", "got", [1.0], np.ones(1)),
        bad(gradcheck.compare, "expected integer", "expected", np.ones(2), np.ones(2, dtype=int)),
        bad(gradcheck.compare, "shapes differ", "shape", np.ones((2, 3)), np.ones((3, 2))),
        bad(gradcheck.compare, "NaN", "got", np.full(2, NAN), np.ones(2)),
        bad(gradcheck.compare, "name not a string", "name", np.ones(2), np.ones(2), name=3),
        bad(gradcheck.compare, "zero floor", "floor", np.ones(2), np.ones(2), floor=0.0),
    ),
    "nnlab.gradcheck.Comparison": names(
        bad(gradcheck.Comparison, "name not a string", "name", 1, (2,), 0.0, 0.0),
        bad(gradcheck.Comparison, "shape not a tuple", "shape", "a", [2], 0.0, 0.0),
        bad(gradcheck.Comparison, "negative difference", "max_abs", "a", (2,), -1.0, 0.0),
        bad(gradcheck.Comparison, "NaN difference", "max_rel", "a", (2,), 0.0, NAN),
    ),
    # nnlab.hebbian
    **{
        f"nnlab.hebbian.{rule.__name__}": names(
            bad(rule, "X a numpy array", "X", FLOATS.numpy(), 0.1, 1),
            bad(rule, "1-D X", "X", FLOATS[0], 0.1, 1),
            bad(rule, "integer X", "X", FLOATS.long(), 0.1, 1),
            bad(rule, "NaN in X", "X", nan_at(FLOATS), 0.1, 1),
            bad(rule, "zero lr", "lr", FLOATS, 0.0, 1),
            bad(rule, "NaN lr", "lr", FLOATS, NAN, 1),
            bad(rule, "zero epochs", "epochs", FLOATS, 0.1, 0),
            bad(rule, "negative seed", "seed", FLOATS, 0.1, 1, -1),
            bad(
                rule,
                "w0 of the wrong shape",
                "w0",
                FLOATS,
                0.1,
                1,
                w0=torch.ones(4, dtype=torch.float64),
            ),
            bad(
                rule,
                "return_trajectory a string",
                "return_trajectory",
                FLOATS,
                0.1,
                1,
                return_trajectory="yes",
            ),
        )
        for rule in (hebbian.hebb, hebbian.oja)
    },
    "nnlab.hebbian.sanger": names(
        bad(hebbian.sanger, "1-D X", "X", FLOATS[0], 2, 0.1, 1),
        bad(hebbian.sanger, "zero k", "k", FLOATS, 0, 0.1, 1),
        bad(hebbian.sanger, "k above d", "k", FLOATS, 4, 0.1, 1),
        bad(hebbian.sanger, "negative lr", "lr", FLOATS, 2, -0.1, 1),
        bad(hebbian.sanger, "float epochs", "epochs", FLOATS, 2, 0.1, 1.0),
        bad(
            hebbian.sanger,
            "W0 of the wrong shape",
            "W0",
            FLOATS,
            2,
            0.1,
            1,
            W0=torch.ones(3, 3, dtype=torch.float64),
        ),
    ),
    "nnlab.hebbian.competitive": names(
        bad(hebbian.competitive, "empty X", "X", FLOATS[:0], 2, 0.1, 1),
        bad(hebbian.competitive, "zero k", "k", FLOATS, 0, 0.1, 1),
        bad(hebbian.competitive, "k above n", "k", FLOATS, 9, 0.1, 1),
        bad(hebbian.competitive, "lr above 1", "lr", FLOATS, 2, 1.5, 1),
        bad(hebbian.competitive, "zero epochs", "epochs", FLOATS, 2, 0.1, 0),
        bad(
            hebbian.competitive,
            "negative conscience",
            "conscience",
            FLOATS,
            2,
            0.1,
            1,
            conscience=-1.0,
        ),
        bad(hebbian.competitive, "zero beta", "beta", FLOATS, 2, 0.1, 1, beta=0.0),
        bad(
            hebbian.competitive,
            "negative penalty",
            "frequency_penalty",
            FLOATS,
            2,
            0.1,
            1,
            frequency_penalty=-1.0,
        ),
        bad(
            hebbian.competitive,
            "init of the wrong shape",
            "init",
            FLOATS,
            2,
            0.1,
            1,
            init=torch.ones(2, 2),
        ),
    ),
    "nnlab.hebbian.win_counts": names(
        bad(hebbian.win_counts, "X a list", "X", FLOATS.tolist(), FLOATS[:2]),
        bad(hebbian.win_counts, "prototypes 1-D", "prototypes", FLOATS, FLOATS[0]),
        bad(
            hebbian.win_counts,
            "columns differ",
            "prototypes",
            FLOATS,
            torch.ones(2, 4, dtype=torch.float64),
        ),
        bad(hebbian.win_counts, "empty prototypes", "prototypes", FLOATS, FLOATS[:0]),
    ),
    "nnlab.hebbian.bcm": names(
        bad(hebbian.bcm, "integer X", "X", FLOATS.int(), 0.1, 1),
        bad(hebbian.bcm, "zero lr", "lr", FLOATS, 0.0, 1),
        bad(hebbian.bcm, "zero epochs", "epochs", FLOATS, 0.1, 0),
        bad(
            hebbian.bcm, "zero threshold rate", "threshold_rate", FLOATS, 0.1, 1, threshold_rate=0.0
        ),
        bad(hebbian.bcm, "negative theta0", "theta0", FLOATS, 0.1, 1, theta0=-1.0),
        bad(
            hebbian.bcm,
            "w0 of the wrong shape",
            "w0",
            FLOATS,
            0.1,
            1,
            w0=torch.ones(2, dtype=torch.float64),
        ),
    ),
    "nnlab.hebbian.bcm_trajectory": names(
        bad(hebbian.bcm_trajectory, "integer X", "X", FLOATS.int(), 0.1, 1),
        bad(hebbian.bcm_trajectory, "negative theta0", "theta0", FLOATS, 0.1, 1, theta0=-1.0),
    ),
    "nnlab.hebbian.sample_order": names(
        bad(hebbian.sample_order, "zero samples", "n", 0, 1),
        bad(hebbian.sample_order, "zero epochs", "epochs", 5, 0),
        bad(hebbian.sample_order, "negative seed", "seed", 5, 1, -1),
    ),
    # nnlab.lr_finder
    "nnlab.lr_finder.LRRangeResult": names(
        bad(
            lr_finder.LRRangeResult,
            "lrs a list",
            "lrs",
            [0.1, 1.0],
            RANGE.losses[:2],
            RANGE.raw_losses[:2],
            False,
            None,
            0.1,
            0.1,
            0.01,
        ),
        bad(
            lr_finder.LRRangeResult,
            "lengths differ",
            "losses",
            RANGE.lrs,
            RANGE.losses[:1],
            RANGE.raw_losses,
            False,
            None,
            0.1,
            0.1,
            0.01,
        ),
        bad(
            lr_finder.LRRangeResult,
            "zero suggested rate",
            "suggested_lr",
            RANGE.lrs,
            RANGE.losses,
            RANGE.raw_losses,
            False,
            None,
            0.1,
            0.1,
            0.0,
        ),
        bad(
            lr_finder.LRRangeResult,
            "unknown loss",
            "loss",
            RANGE.lrs,
            RANGE.losses,
            RANGE.raw_losses,
            False,
            None,
            0.1,
            0.1,
            0.01,
            loss="hinge",
        ),
    ),
    "nnlab.lr_finder.lr_schedule_exponential": names(
        bad(lr_finder.lr_schedule_exponential, "zero start", "lr_start", 0.0, 1.0, 10),
        bad(lr_finder.lr_schedule_exponential, "end below start", "lr_end", 1.0, 0.1, 10),
        bad(lr_finder.lr_schedule_exponential, "one step", "steps", 0.1, 1.0, 1),
        bad(lr_finder.lr_schedule_exponential, "NaN end", "lr_end", 0.1, NAN, 10),
    ),
    "nnlab.lr_finder.lr_range_test": names(
        bad(lr_finder.lr_range_test, "model not a module", "model", "net", X, Y),
        bad(lr_finder.lr_range_test, "NaN in X", "X", NET, nan_at(X), Y),
        bad(lr_finder.lr_range_test, "float labels", "y", NET, X, Y.float()),
        bad(lr_finder.lr_range_test, "negative start", "lr_start", NET, X, Y, lr_start=-1.0),
        bad(lr_finder.lr_range_test, "one step", "steps", NET, X, Y, steps=1),
        bad(lr_finder.lr_range_test, "zero batch size", "batch_size", NET, X, Y, batch_size=0),
        bad(lr_finder.lr_range_test, "unknown loss", "loss", NET, X, Y, loss="hinge"),
        bad(lr_finder.lr_range_test, "momentum above 1", "momentum", NET, X, Y, momentum=1.5),
        bad(lr_finder.lr_range_test, "smoothing 1", "smoothing", NET, X, Y, smoothing=1.0),
        bad(
            lr_finder.lr_range_test,
            "diverge factor 1",
            "diverge_factor",
            NET,
            X,
            Y,
            diverge_factor=1.0,
        ),
        bad(lr_finder.lr_range_test, "negative seed", "seed", NET, X, Y, seed=-1),
    ),
    "nnlab.lr_finder.plot_lr_range": names(
        bad(lr_finder.plot_lr_range, "not a result", "result", HISTORY),
        bad(lr_finder.plot_lr_range, "ax not axes", "ax", RANGE, ax="top"),
    ),
    # nnlab.curvature
    "nnlab.curvature.power_iteration": names(
        bad(curvature.power_iteration, "hvp not callable", "hvp", 2.0, FLOATS),
        bad(curvature.power_iteration, "1-D v0", "v0", hvp, FLOATS[0]),
        bad(curvature.power_iteration, "NaN in v0", "v0", hvp, nan_at(FLOATS)),
        bad(curvature.power_iteration, "zero iterations", "iters", hvp, FLOATS, iters=0),
        bad(curvature.power_iteration, "zero tolerance", "tol", hvp, FLOATS, tol=0.0),
    ),
    "nnlab.curvature.top_hessian_eigenvalue": names(
        bad(curvature.top_hessian_eigenvalue, "fn not callable", "fn", None, FLOATS[0]),
        bad(curvature.top_hessian_eigenvalue, "2-D theta", "theta", quadratic, FLOATS),
        bad(curvature.top_hessian_eigenvalue, "integer theta", "theta", quadratic, torch.arange(3)),
        bad(
            curvature.top_hessian_eigenvalue,
            "fn returning a vector",
            "fn",
            lambda t: t * 2,
            FLOATS[0],
        ),
        bad(
            curvature.top_hessian_eigenvalue, "negative seed", "seed", quadratic, FLOATS[0], seed=-1
        ),
        bad(
            curvature.top_hessian_eigenvalue,
            "zero iterations",
            "iters",
            quadratic,
            FLOATS[0],
            iters=0,
        ),
    ),
    "nnlab.curvature.sharpness": names(
        bad(curvature.sharpness, "model not a module", "model", "net", X, Y),
        bad(curvature.sharpness, "unknown loss", "loss", NET, X, Y, "hinge"),
        bad(curvature.sharpness, "lengths differ", "y", NET, X, Y[:4]),
        bad(curvature.sharpness, "no parameters", "model", nn.ReLU(), X, Y),
        bad(curvature.sharpness, "zero tolerance", "tol", NET, X, Y, tol=0.0),
    ),
    "nnlab.curvature.stack_sharpness": names(
        bad(curvature.stack_sharpness, "stack not a stack", "stack", NET, X, Y),
        bad(curvature.stack_sharpness, "wrong width", "X", STACK, X[:, :3], Y),
        bad(curvature.stack_sharpness, "labels out of range", "y", STACK, X, Y + 5),
        bad(curvature.stack_sharpness, "unknown loss", "loss", STACK, X, Y, "hinge"),
        bad(
            curvature.stack_sharpness,
            "negative sample weight",
            "sample_weight",
            STACK,
            X,
            Y,
            sample_weight=-torch.ones(24),
        ),
    ),
    "nnlab.curvature.stack_sharpness_with_vectors": names(
        bad(curvature.stack_sharpness_with_vectors, "stack not a stack", "stack", NET, X, Y),
        bad(curvature.stack_sharpness_with_vectors, "wrong width", "X", STACK, X[:, :3], Y),
        bad(curvature.stack_sharpness_with_vectors, "bad start", "v0", STACK, X, Y, v0=X),
    ),
    # nnlab.batched
    "nnlab.batched.stack.StackedMLP": names(
        bad(
            batched.StackedMLP,
            "unknown activation",
            "activation",
            STACK.weights,
            STACK.biases,
            "swish",
        ),
        bad(batched.StackedMLP, "weights a tensor", "weights", STACK.weights[0], STACK.biases),
        bad(batched.StackedMLP, "no layers", "weights", [], []),
        bad(
            batched.StackedMLP,
            "2-D weights",
            "weights[0]",
            [w[0] for w in STACK.weights],
            STACK.biases,
        ),
        bad(
            batched.StackedMLP,
            "biases of the wrong shape",
            "biases",
            STACK.weights,
            [b[:, :1] for b in STACK.biases],
        ),
    ),
    "nnlab.batched.history.BatchedHistory": names(
        bad(
            batched.BatchedHistory,
            "loss a list",
            "train_loss",
            [[0.1]],
            None,
            None,
            None,
            torch.zeros(1, dtype=torch.long),
        ),
        bad(
            batched.BatchedHistory,
            "diverged_at of the wrong length",
            "diverged_at",
            BHIST.train_loss,
            None,
            None,
            None,
            torch.zeros(5, dtype=torch.long),
        ),
        bad(
            batched.BatchedHistory,
            "float diverged_at",
            "diverged_at",
            BHIST.train_loss,
            None,
            None,
            None,
            torch.zeros(2),
        ),
        bad(
            batched.BatchedHistory,
            "accuracy of the wrong shape",
            "train_acc",
            BHIST.train_loss,
            BHIST.train_loss[:1],
            None,
            None,
            BHIST.diverged_at,
        ),
        bad(
            batched.BatchedHistory,
            "extra not a dict",
            "extra",
            BHIST.train_loss,
            None,
            None,
            None,
            BHIST.diverged_at,
            [1],
        ),
    ),
    "nnlab.batched.stack.init_stack": names(
        bad(batched.init_stack, "one seed, not a list", "seeds", [2, 3], 3),
        bad(batched.init_stack, "no seeds", "seeds", [2, 3], []),
        bad(batched.init_stack, "negative seed", "seeds", [2, 3], [-1]),
        bad(batched.init_stack, "zero width", "sizes", [2, 0], [0]),
        bad(batched.init_stack, "unknown init", "init", [2, 3], [0], init="orthogonal"),
        bad(
            batched.init_stack, "unknown activation", "activation", [2, 3], [0], activation="swish"
        ),
        bad(batched.init_stack, "integer dtype", "dtype", [2, 3], [0], dtype=torch.int64),
    ),
    "nnlab.batched.stack.stack_mlps": names(
        bad(batched.stack_mlps, "empty list", "models", []),
        bad(batched.stack_mlps, "one model, not a list", "models", NET),
        bad(batched.stack_mlps, "not an MLP", "models[0]", [nn.Linear(2, 3)]),
        bad(batched.stack_mlps, "sizes differ", "models[1]", [NET, NET2]),
    ),
    "nnlab.batched.stack.grid": names(
        bad(batched.grid, "nothing to combine", "named list"),
        bad(batched.grid, "a number, not a list", "lr", lr=0.1),
        bad(batched.grid, "empty list", "seed", seed=[]),
    ),
    "nnlab.batched.evaluate.hidden_activations": names(
        bad(batched.hidden_activations, "stack not a stack", "stack", NET, X),
        bad(batched.hidden_activations, "wrong width", "X", STACK, X[:, :2]),
        bad(batched.hidden_activations, "NaN in X", "X", STACK, nan_at(X)),
        bad(batched.hidden_activations, "double X for a float stack", "X", STACK, X.double()),
    ),
    "nnlab.batched.evaluate.evaluate_stack": names(
        bad(batched.evaluate_stack, "unknown loss", "loss", STACK, X, Y, "hinge"),
        bad(batched.evaluate_stack, "labels out of range", "y", STACK, X, Y - 1),
        bad(batched.evaluate_stack, "labels of the wrong length", "y", STACK, X, Y[:5]),
        bad(
            batched.evaluate_stack,
            "all-zero weights",
            "sample_weight",
            STACK,
            X,
            Y,
            sample_weight=torch.zeros(24),
        ),
    ),
    "nnlab.batched.train.train_batched": names(
        bad(batched.train_batched, "stack not a stack", "stack", NET, X, Y, lr=0.1, epochs=1),
        bad(batched.train_batched, "negative lr", "lr", STACK, X, Y, lr=-0.1, epochs=1),
        bad(batched.train_batched, "NaN lr", "lr", STACK, X, Y, lr=[0.1, NAN], epochs=1),
        bad(
            batched.train_batched,
            "lr for the wrong number of models",
            "lr",
            STACK,
            X,
            Y,
            lr=[0.1] * 3,
            epochs=1,
        ),
        bad(batched.train_batched, "zero epochs", "epochs", STACK, X, Y, lr=0.1, epochs=0),
        bad(
            batched.train_batched,
            "momentum 1",
            "momentum",
            STACK,
            X,
            Y,
            lr=0.1,
            epochs=1,
            momentum=1.0,
        ),
        bad(
            batched.train_batched,
            "dropout 1",
            "dropout",
            STACK,
            X,
            Y,
            lr=0.1,
            epochs=1,
            dropout=1.0,
        ),
        bad(
            batched.train_batched,
            "negative weight decay",
            "weight_decay",
            STACK,
            X,
            Y,
            lr=0.1,
            epochs=1,
            weight_decay=-1.0,
        ),
        bad(
            batched.train_batched,
            "zero batch size",
            "batch_size",
            STACK,
            X,
            Y,
            lr=0.1,
            epochs=1,
            batch_size=0,
        ),
        bad(
            batched.train_batched,
            "unknown loss",
            "loss",
            STACK,
            X,
            Y,
            lr=0.1,
            epochs=1,
            loss="hinge",
        ),
        bad(
            batched.train_batched,
            "X_val without y_val",
            "y_val",
            STACK,
            X,
            Y,
            lr=0.1,
            epochs=1,
            X_val=X,
        ),
        bad(
            batched.train_batched,
            "lr_schedule not callable",
            "lr_schedule",
            STACK,
            X,
            Y,
            lr=0.1,
            epochs=1,
            lr_schedule=0.5,
        ),
        bad(
            batched.train_batched,
            "callback not callable",
            "callback",
            STACK,
            X,
            Y,
            lr=0.1,
            epochs=1,
            callback="print",
        ),
        bad(
            batched.train_batched,
            "record of a number",
            "record",
            STACK,
            X,
            Y,
            lr=0.1,
            epochs=1,
            record={"w": 3},
        ),
        bad(
            batched.train_batched,
            "zero threads",
            "threads",
            STACK,
            X,
            Y,
            lr=0.1,
            epochs=1,
            threads=0,
        ),
        bad(
            batched.train_batched,
            "zero chunk size",
            "chunk_size",
            STACK,
            X,
            Y,
            lr=0.1,
            epochs=1,
            chunk_size=0,
        ),
        bad(batched.train_batched, "negative seed", "seed", STACK, X, Y, lr=0.1, epochs=1, seed=-1),
        bad(batched.train_batched, "empty data", "X", STACK, X[:0], Y[:0], lr=0.1, epochs=1),
    ),
    # nnlab.runtime
    "nnlab.runtime.set_threads": names(
        bad(runtime.set_threads, "zero threads", "n", 0),
        bad(runtime.set_threads, "a float", "n", 1.5),
    ),
    "nnlab.runtime.torch_threads": names(
        bad(lambda n: runtime.torch_threads(n).__enter__(), "zero threads", "n", 0),
    ),
    "nnlab.runtime.cpu_quota": names(
        bad(runtime.cpu_quota, "root not a path", "cgroup_root", 5),
        bad(runtime.cpu_quota, "root None", "cgroup_root", None),
        bad(runtime.cpu_quota, "proc file not a path", "proc_cgroup", "/sys/fs/cgroup", 3),
    ),
    "nnlab.runtime.fit_threads_to_cpu_quota": names(
        bad(runtime.fit_threads_to_cpu_quota, "root not a path", "cgroup_root", 1.5),
    ),
    # nnlab.exercises: for check authors (their own mistakes raise ValueError/TypeError) ...
    "nnlab.exercises.passed": names(bad(exercises.passed, "not a string", "message", 42)),
    "nnlab.exercises.fail": names(bad(exercises.fail, "not a string", "message", ["x"])),
    "nnlab.exercises.compare_reduction": names(
        bad(
            exercises.compare_reduction,
            "unknown reduction",
            "reduce",
            "m",
            [1.0],
            [[1.0]],
            "median",
            0,
        ),
        bad(
            exercises.compare_reduction, "axis out of range", "axis", "m", [1.0], [[1.0]], "sum", 2
        ),
        check(
            exercises.compare_reduction,
            "learner's value not numbers",
            "m",
            "m",
            "one",
            [[1.0]],
            "sum",
            0,
        ),
    ),
    "nnlab.exercises.learner_rate": names(
        check(exercises.learner_rate, "rate not set", "my_lr", None),
        check(exercises.learner_rate, "rate not a number", "my_lr", "fast"),
        check(exercises.learner_rate, "rate negative", "my_lr", -0.1),
    ),
    "nnlab.exercises.check_multiple_choice": names(
        bad(
            exercises.check_multiple_choice,
            "correct not an option",
            "correct",
            "a",
            "d",
            {"a": "x", "b": "y"},
            options=("a", "b", "c"),
        ),
        bad(
            exercises.check_multiple_choice,
            "a hint missing",
            "hints",
            "a",
            "c",
            {"a": "x"},
            options=("a", "b", "c"),
        ),
    ),
    # ... and for a learner's answer: a CheckFailed hint naming what the learner wrote.
    "nnlab.exercises.call_learner": names(
        check(exercises.call_learner, "not a function", "double", 3, name="double"),
    ),
    "nnlab.exercises.compare_arrays": names(
        check(exercises.compare_arrays, "not numbers", "W_new", "W_new", "abc", [1.0]),
        check(exercises.compare_arrays, "wrong shape", "W_new", "W_new", [1.0, 2.0], [1.0]),
        check(exercises.compare_arrays, "NaN", "W_new", "W_new", [NAN], [1.0]),
    ),
    "nnlab.exercises.compare_scalar": names(
        check(exercises.compare_scalar, "not a number", "rate", "rate", "fast", 1.0),
        check(exercises.compare_scalar, "NaN", "rate", "rate", NAN, 1.0),
    ),
    "nnlab.exercises.nb00.check_accuracy_from_logits": names(
        check(nb00.check_accuracy_from_logits, "not a function", "accuracy_from_logits", 0.9),
    ),
    "nnlab.exercises.nb01.check_sigmoid_slope": names(
        check(nb01.check_sigmoid_slope, "not a function", "sigmoid_slope", 0.25),
        check(nb01.check_sigmoid_slope, "returns text", "sigmoid_slope", lambda z: "slope"),
    ),
    "nnlab.exercises.nb01.check_output_blame": names(
        check(nb01.check_output_blame, "not a function", "output_blame", None),
    ),
    "nnlab.exercises.nb01.check_tanh_layer_backward": names(
        check(nb01.check_tanh_layer_backward, "not a function", "tanh_layer_backward", "dW"),
        check(nb01.check_tanh_layer_backward, "returns one array", "dW", lambda X, W, H, dH: X),
    ),
    "nnlab.exercises.nb02.check_dead_mask": names(
        check(nb02.check_dead_mask, "not a function", "dead_mask", torch.zeros(3)),
        check(nb02.check_dead_mask, "returns a list", "tensor", lambda Z: [True]),
    ),
    "nnlab.exercises.nb02.check_which_layer": names(
        check(nb02.check_which_layer, "not a function", "function", ("act1", "b")),
        check(nb02.check_which_layer, "unknown layer", "layer", lambda: ("act9", "b")),
    ),
    "nnlab.exercises.nb02.check_p_dead": names(
        check(nb02.check_p_dead, "not a function", "p_dead", 0.5),
        check(nb02.check_p_dead, "returns text", "p_dead", lambda n, d: "half"),
    ),
    "nnlab.exercises.nb03.check_add_label_noise": names(
        check(nb03.check_add_label_noise, "not a function", "add_label_noise", Y),
    ),
    "nnlab.exercises.nb03.check_early_stopping": names(
        check(nb03.check_early_stopping, "not a function", "early_stopping", 3),
    ),
    "nnlab.exercises.nb03.check_slowest": names(
        check(nb03.check_slowest, "unknown option", "options", "z"),
    ),
    "nnlab.exercises.nb04.check_critical_rate": names(
        check(nb04.check_critical_rate, "not a function", "critical_rate", 0.2),
        check(nb04.check_critical_rate, "returns text", "critical_rate", lambda A: "fast"),
    ),
    "nnlab.exercises.nb04.check_gd_step": names(
        check(nb04.check_gd_step, "not a function", "gd_step", None),
        check(nb04.check_gd_step, "returns text", "gd_step", lambda w, A, lr: "step"),
    ),
    "nnlab.exercises.nb04.check_correction_steps": names(
        check(nb04.check_correction_steps, "unknown option", "options", "z"),
    ),
    "nnlab.exercises.nb05.check_wta_update": names(
        check(nb05.check_wta_update, "not a function", "wta_update", torch.zeros(2, 2)),
    ),
    "nnlab.exercises.nb05.check_fixed_point_norm": names(
        check(nb05.check_fixed_point_norm, "not a function", "fixed_point_norm", 1.0),
        check(nb05.check_fixed_point_norm, "returns text", "fixed_point_norm", lambda a: "one"),
    ),
    "nnlab.exercises.nb05.check_sanger_update": names(
        check(nb05.check_sanger_update, "not a function", "sanger_update", "W"),
    ),
}

# Cases for newer modules live beside this file, one file per module: tests/bad_inputs_<module>.py
# defines CASES = {"nnlab.<module>.<name>": names(bad(...), ...)} with the helpers of
# tests/badinput.py. Keeping them apart lets modules be added without touching this file.
for _path in sorted(Path(__file__).parent.glob("bad_inputs_*.py")):
    _module = importlib.import_module(_path.stem)
    _extra = _module.CASES
    _twice = sorted(set(_extra) & set(CASES))
    assert not _twice, f"{_path.name} repeats cases defined elsewhere: {_twice}"
    CASES.update(_extra)
    NO_ARGUMENTS.update(getattr(_module, "NO_ARGUMENTS", {}))

ALL_CASES = [(name, case) for name, cases in CASES.items() for case in cases]


def _mentions(message: str, arg: str) -> bool:
    """True when ``message`` names ``arg`` as a word (``n`` is not found inside ``noise``)."""
    return re.search(rf"(?<![\w]){re.escape(arg)}(?![\w])", message) is not None


@pytest.mark.parametrize(
    "name, case", ALL_CASES, ids=[f"{n.removeprefix('nnlab.')}: {c.what}" for n, c in ALL_CASES]
)
def test_bad_input_raises_a_clear_error_naming_the_argument(name, case, monkeypatch):
    for var, value in case.env.items():
        monkeypatch.setenv(var, value)
    with pytest.raises(case.error) as raised:
        case.fn(*case.args, **case.kwargs)
    message = str(raised.value)
    assert _mentions(message, case.arg), (
        f"{name}: the message does not name {case.arg!r}: {message!r}"
    )


def test_every_public_callable_has_a_bad_input_case():
    public = public_callables()
    missing = sorted(set(public) - set(CASES) - set(NO_ARGUMENTS))
    assert not missing, (
        f"public nnlab callables without a bad-input case: {missing}. Add calls with bad input "
        "(wrong type, wrong shape, NaN, zero or negative sizes and rates, unknown names, empty "
        "data) to CASES in tests/test_bad_inputs.py; check the arguments with nnlab._validate "
        "so each raises ValueError/TypeError naming the argument. Only a callable with no "
        "argument to check goes in NO_ARGUMENTS, with its reason."
    )
    stale = sorted((set(CASES) | set(NO_ARGUMENTS)) - set(public))
    assert not stale, f"cases for callables that are not public (renamed? removed?): {stale}"
    both = sorted(set(CASES) & set(NO_ARGUMENTS))
    assert not both, f"in both CASES and NO_ARGUMENTS: {both}"


def test_the_audit_finds_the_public_callables_it_should():
    public = public_callables()
    assert {"nnlab.training.train", "nnlab.models.MLP", "nnlab.batched.train.train_batched"} <= set(
        public
    )
    assert "nnlab._validate.check_int" not in public  # private module
    assert "nnlab.hebbian._check_X" not in public  # private name
    assert "nnlab.curvature.StackedMLP" not in public  # imported, defined elsewhere
    assert len(public) >= 90


def test_no_argument_entries_really_take_no_arguments():
    public = public_callables()
    for name in NO_ARGUMENTS:
        obj = public[name]
        if inspect.isclass(obj):
            assert issubclass(obj, Exception), f"{name} is a class that is not an exception"
        else:
            assert not inspect.signature(obj).parameters, f"{name} takes arguments: give it cases"
