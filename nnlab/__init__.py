"""nnlab: helpers for the nnlab course on how neural networks learn and how they fail to.

What a notebook teaches is written in the notebook; nnlab holds the plumbing many notebooks
share. The top level gathers the everyday helpers introduced in notebook 00; topic modules
(``nnlab.probes``, ``nnlab.hebbian``, ...) are imported by name where a notebook needs them.
"""

from importlib import metadata as _metadata

from .claims import ClaimFailed, claim
from .config import base_seed, device, generator, mode, pick, progress_enabled, seed
from .course import binder_badge, binder_url, repository_url
from .data import (
    DataFileError,
    load_digits,
    make_blobs,
    make_moons,
    make_regression_1d,
    make_spirals,
    make_xor,
    stratified_split,
)
from .models import ACTIVATIONS, INITS, MLP, count_parameters, init_linear, make_activation
from .plotting import COLORS, plot_decision_boundary, plot_history, use_style
from .runtime import fit_threads_to_cpu_quota as _fit_threads_to_cpu_quota
from .runtime import set_threads
from .streams import np_rng, rng, stream_seed, stream_seeds
from .training import History, StepInfo, accuracy, evaluate, train

_fit_threads_to_cpu_quota()  # a container limited to 1 core gets 1 thread, not one per host core

try:
    __version__ = _metadata.version("nnlab")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "ACTIVATIONS",
    "ClaimFailed",
    "COLORS",
    "INITS",
    "MLP",
    "DataFileError",
    "History",
    "StepInfo",
    "accuracy",
    "base_seed",
    "binder_badge",
    "binder_url",
    "claim",
    "count_parameters",
    "device",
    "evaluate",
    "generator",
    "init_linear",
    "load_digits",
    "make_activation",
    "make_blobs",
    "make_moons",
    "make_regression_1d",
    "make_spirals",
    "make_xor",
    "mode",
    "np_rng",
    "pick",
    "plot_decision_boundary",
    "plot_history",
    "progress_enabled",
    "repository_url",
    "rng",
    "seed",
    "set_threads",
    "stratified_split",
    "stream_seed",
    "stream_seeds",
    "train",
    "use_style",
]
