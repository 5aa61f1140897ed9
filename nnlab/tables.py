"""Tables of results over seeds: ``mean ± spread``, aligned, in one format for every notebook.

- ``mean_std(values, dim)``: the mean and standard deviation along one axis;
- ``mean_sem(values, dim)``: the mean and its standard error (std / √n);
- ``format_mean_std(values)``: ``"0.951 ± 0.012"`` for a 1-D tensor of per-seed results;
- ``mean_std_table(values, rows, columns)``: a text table of ``mean ± spread`` over the last
  axis of ``values`` ``(R, C, S)``, with ``spread="std"`` (how much runs differ) or
  ``spread="sem"`` (how well the mean is known), to ``print``.

Say in the text which spread a table shows: a standard deviation describes the runs, a
standard error describes the mean.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ._validate import check_choice, check_float, check_int, check_tensor

SPREADS = ("std", "sem")

__all__ = ["SPREADS", "format_mean_std", "mean_sem", "mean_std", "mean_std_table"]


def mean_std(values: torch.Tensor, dim: int = -1) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the mean and the standard deviation (n − 1) of ``values`` along ``dim``.

    ``values`` is a float tensor, typically ``(..., seeds)``; NaN entries propagate. With a
    single entry along ``dim`` the standard deviation is 0.
    """
    check_tensor("values", values, floating=True, finite=False)
    check_int("dim", dim)
    if not -values.ndim <= dim < values.ndim:
        raise ValueError(f"dim must lie in [{-values.ndim}, {values.ndim}); got {dim}")
    mean = values.mean(dim)
    if values.shape[dim] < 2:
        return mean, torch.zeros_like(mean)
    return mean, values.std(dim)


def mean_sem(values: torch.Tensor, dim: int = -1) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the mean of ``values`` along ``dim`` and its standard error, std / √n."""
    mean, std = mean_std(values, dim)
    return mean, std / values.shape[dim] ** 0.5


def _spread(values: torch.Tensor, spread: str) -> tuple[torch.Tensor, torch.Tensor]:
    return mean_std(values) if spread == "std" else mean_sem(values)


def format_mean_std(
    values: torch.Tensor, digits: int = 3, scale: float = 1.0, spread: str = "std"
) -> str:
    """Return ``"mean ± spread"`` of a 1-D tensor of results over seeds: ``"0.951 ± 0.012"``.

    ``scale`` multiplies both (100 for percentages); ``spread`` is ``"std"`` (default) or
    ``"sem"`` (standard error of the mean).
    """
    check_tensor("values", values, ndim=1, floating=True, finite=False)
    digits = check_int("digits", digits, minimum=0)
    scale = check_float("scale", scale, positive=True)
    check_choice("spread", spread, SPREADS)
    m, s = _spread(values * scale, spread)
    return f"{float(m):.{digits}f} ± {float(s):.{digits}f}"


def mean_std_table(
    values: torch.Tensor,
    rows: Sequence[object],
    columns: Sequence[object],
    corner: str = "",
    digits: int | Sequence[int] = 3,
    scale: float = 1.0,
    spread: str = "std",
) -> str:
    """Return a text table of ``mean ± spread`` over the last axis of ``values``.

    ``values`` is ``(R, C, S)``: R rows, C columns, S seeds (or ``(R, S)`` for one column).
    ``rows`` and ``columns`` label them; ``corner`` heads the row labels. ``digits`` is one
    int, or one per column; ``spread`` is ``"std"`` or ``"sem"``. Print the result.
    """
    check_tensor("values", values, floating=True, finite=False)
    if values.ndim == 2:
        values = values.unsqueeze(1)
    if values.ndim != 3:
        raise ValueError(f"values must be (R, C, S) or (R, S); got shape {tuple(values.shape)}")
    rows, columns = list(rows), list(columns)
    if len(rows) != values.shape[0] or len(columns) != values.shape[1]:
        raise ValueError(
            f"values has shape {tuple(values.shape)}: give {values.shape[0]} row labels and "
            f"{values.shape[1]} column labels; got {len(rows)} and {len(columns)}"
        )
    if isinstance(digits, Sequence) and not isinstance(digits, str):
        per_column = [check_int("digits", d, minimum=0) for d in digits]
        if len(per_column) != len(columns):
            raise ValueError(
                f"digits must be one int or one per column ({len(columns)}); got {len(per_column)}"
            )
    else:
        per_column = [check_int("digits", digits, minimum=0)] * len(columns)
    check_choice("spread", spread, SPREADS)
    cells = [
        [
            format_mean_std(values[r, c], per_column[c], scale, spread)
            for c in range(values.shape[1])
        ]
        for r in range(values.shape[0])
    ]
    first = max(len(corner), *(len(str(r)) for r in rows))
    widths = [
        max(len(str(col)), *(len(cells[r][c]) for r in range(len(rows))))
        for c, col in enumerate(columns)
    ]
    header = [corner.ljust(first)] + [str(c).rjust(w) for c, w in zip(columns, widths, strict=True)]
    lines = ["  ".join(header)]
    for label, row in zip(rows, cells, strict=True):
        cells_text = [v.rjust(w) for v, w in zip(row, widths, strict=True)]
        lines.append("  ".join([str(label).ljust(first), *cells_text]))
    return "\n".join(lines)
