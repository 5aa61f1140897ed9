"""Notebook 03's generalisation toolkit, gathered from the modules that own each job (kept so
that ``from nnlab.generalization import ...`` goes on working):

- ``noisy_labels``, ``balanced_order``, ``subset_masks``: label noise and nested,
  class-balanced training subsets, in ``nnlab.data``.
- ``epochs_to_reach``, ``StopWhen``: stopping rules, with the history in ``nnlab.batched``.
- ``join_stacks``: one stack of several, beside ``stack_mlps`` in ``nnlab.batched``.
- ``filter_normalized_direction``, ``loss_along_direction``: the loss landscape, in
  ``nnlab.curvature``.
- ``mean_std``, ``format_mean_std``, ``mean_std_table``: tables, in ``nnlab.tables``.
"""

from __future__ import annotations

from .batched import StopWhen, epochs_to_reach, join_stacks
from .curvature import filter_normalized_direction, loss_along_direction
from .data import balanced_order, noisy_labels, subset_masks
from .tables import format_mean_std, mean_std, mean_std_table

__all__ = [
    "StopWhen",
    "balanced_order",
    "epochs_to_reach",
    "filter_normalized_direction",
    "format_mean_std",
    "join_stacks",
    "loss_along_direction",
    "mean_std",
    "mean_std_table",
    "noisy_labels",
    "subset_masks",
]
