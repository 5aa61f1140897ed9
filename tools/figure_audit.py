"""The figure audit: every figure a notebook shows has a title and labelled axes with units.

``figure_problems(fig)`` lists what a figure lacks, in words a notebook author can act on.
The rules (CONTRIBUTING.md, "Figures"):

- the figure has a suptitle, or every axes that shows data has a title (axes drawn on top
  of each other, like a ``twinx`` pair, share one title);
- every axis that shows tick labels has a label, and the label names a unit in
  parentheses ("epoch (passes over the data)", "loss (nats)", "weight (a.u.)"), or names a
  dimensionless quantity and says so plainly: a word of ``DIMENSIONLESS_WORDS``
  ("accuracy", "dead fraction", "cosine") or a coordinate of a toy input ("$x_1$", "x₂").
  Any other label without parentheses ("time", "loss", "epoch") is refused: its unit is
  missing. An axis without tick labels needs no label: an image with ``axis("off")`` or
  hidden ticks, or the inner panels of a shared axis. Categorical axes (names as tick
  labels) need a label but no unit;
- a colorbar's label follows the same rule as an axis label;
- no rainbow colormaps (``jet``, ``hsv``, ...): they mislead colour-blind readers.

The audit is test machinery, not part of the learners' package. It runs inside a notebook's
kernel when the environment variable ``NNLAB_FIGURE_AUDIT=1`` is set (the Makefile and
course.py set it for ``make notebooks``, ``make notebooks-test`` and the student checks):
the runs that start kernels give them an IPython start-up file that loads this module and
calls ``enable()`` (``tools/nbtools.py`` through ``kernel_environment()``, nbval through the
``tools.nbguard`` plugin's start-up folder, ``write_startup``). Every figure is then
recorded as it is drawn, and the cell that showed a faulty figure fails with
``FigureAuditError`` naming what is missing. A learner's JupyterLab never sets the
variable, so learners never see the audit.
"""

from __future__ import annotations

import ast
import atexit
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.category import UnitData
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, NullFormatter

ENV_VAR = "NNLAB_FIGURE_AUDIT"
MODULE = "nnlab_figure_audit"  # the name a kernel imports this file by (see STARTUP)
HOOK = f"{MODULE}:_watch"
# Colormaps whose lightness is not monotonic: they invent edges and mislead colour-blind readers.
RAINBOW_CMAPS = {"jet", "rainbow", "gist_rainbow", "hsv", "nipy_spectral", "gist_ncar", "prism"}
_MATH = re.compile(r"\$[^$]*\$")
_UNIT = re.compile(r"\([^()]*[^\s()][^()]*\)")
# Quantities without a unit: a label naming one of them may say so plainly, without
# parentheses ("accuracy", "dead fraction", "share of wins"). Keep the list to words that
# are dimensionless whatever they qualify; "loss", "time", "weight" or "rate" are not.
DIMENSIONLESS_WORDS = frozenset(
    {
        "accuracy",
        "correlation",
        "cosine",
        "fraction",
        "probability",
        "proportion",
        "ratio",
        "share",
    }
)
# A coordinate of a toy input, with no unit of its own: "$x_1$", "$x_{2}$", "x₁", "x_2".
_COORDINATE = re.compile(r"\$\s*x_\{?\d+\}?\s*\$|x[\u2080-\u2089]+|x_?\d+")
_WORD = re.compile(r"[a-z]+")
_UNIT_HINT = (
    "(like 'loss (nats)', 'time (steps)', 'weight (a.u.)'; a dimensionless quantity may say "
    "so plainly: 'accuracy', 'dead fraction', '$x_1$')"
)


class FigureAuditError(AssertionError):
    """A figure shown by a cell lacks a title, an axis label or a unit (see ``figure_problems``)."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the message says what to fix.
        return [f"Figure audit ({ENV_VAR}=1): {self}"]


def has_unit(label: str) -> bool:
    """Return True when ``label`` names a unit in parentheses, outside any ``$math$``.

    ``"loss (nats)"`` and ``"time ($\\mu$s)"`` have one; ``"epoch"`` and ``"$f(x)$"`` do not.
    """
    if not isinstance(label, str):
        raise TypeError(f"label must be a string; got {type(label).__name__}")
    return bool(_UNIT.search(_MATH.sub("M", label)))


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def is_dimensionless(label: str) -> bool:
    """Return True when ``label`` names a quantity without a unit, which needs no parentheses.

    That is a coordinate of a toy input alone (``"$x_1$"``, ``"x₂"``), or a label with a
    word of ``DIMENSIONLESS_WORDS`` outside any ``$math$`` (``"accuracy"``, ``"dead
    fraction"``, ``"cosine with the gradient"``). ``"time"``, ``"loss"`` and ``"$f(x)$"`` are
    not: they have units the label leaves out.
    """
    if not isinstance(label, str):
        raise TypeError(f"label must be a string; got {type(label).__name__}")
    text = label.strip()
    if _COORDINATE.fullmatch(text):
        return True
    words = _WORD.findall(_MATH.sub(" ", text).lower())
    return any(_singular(word) in DIMENSIONLESS_WORDS for word in words)


def label_states_its_unit(label: str) -> bool:
    """Return True when ``label`` names a unit in parentheses or a dimensionless quantity."""
    return has_unit(label) or is_dimensionless(label)


def figure_name(fig: Figure) -> str:
    """Return a short name for ``fig``: its suptitle, else its first axes title, else its label."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure; got {type(fig).__name__}")
    suptitle = fig.get_suptitle().strip()
    if suptitle:
        return suptitle
    for ax in fig.axes:
        title = _title(ax)
        if title:
            return title
    number = getattr(fig, "number", None)
    return fig.get_label() or ("untitled" if number is None else f"untitled figure {number}")


def figure_problems(fig: Figure) -> list[str]:
    """Return what ``fig`` lacks under the course's figure rules (empty when it is fine).

    Each entry names the figure and the axes (1-based, in ``fig.axes`` order), for example
    ``"figure 'Loss', axes 1 ('Loss'): x label 'epoch' has no unit in parentheses"``.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure; got {type(fig).__name__}")
    name = figure_name(fig)
    colorbars = _colorbars(fig)
    problems = []
    data_axes = [
        ax for ax in fig.axes if ax not in colorbars and ax.get_visible() and ax.has_data()
    ]
    titled_positions = {_position(ax) for ax in fig.axes if _title(ax)}
    has_suptitle = bool(fig.get_suptitle().strip())
    for index, ax in enumerate(fig.axes, start=1):
        title = _title(ax)
        where = f"figure '{name}', axes {index}" + (
            f" ('{title}')" if title not in ("", name) else ""
        )
        if ax in colorbars:
            problems += _colorbar_problems(colorbars[ax], where)
            continue
        if ax not in data_axes:
            continue
        if not has_suptitle and _position(ax) not in titled_positions:
            problems.append(f"{where} has no title (give it one, or give the figure a suptitle)")
        if ax.axison:
            for axis, letter in ((ax.xaxis, "x"), (ax.yaxis, "y")):
                problems += _axis_problems(axis, letter, where)
        problems += _cmap_problems(ax, where)
    return problems


def _title(ax: Axes) -> str:
    return " ".join(ax.get_title(loc).strip() for loc in ("left", "center", "right")).strip()


def _position(ax: Axes) -> tuple[float, ...]:
    return tuple(round(v, 3) for v in ax.get_position().bounds)


def _colorbars(fig: Figure) -> dict[Axes, Any]:
    """Map each colorbar's axes in ``fig`` to its ``Colorbar``."""
    found = {}
    for ax in fig.axes:
        for mappable in [*ax.images, *ax.collections]:
            colorbar = getattr(mappable, "colorbar", None)
            if colorbar is not None:
                found[colorbar.ax] = colorbar
    return found


def _colorbar_problems(colorbar: Any, where: str) -> list[str]:
    axis = colorbar.ax.yaxis if colorbar.orientation == "vertical" else colorbar.ax.xaxis
    label = axis.get_label_text().strip()
    if not label:
        return [f"{where}: the colorbar has no label (e.g. 'activation (a.u.)')"]
    if not label_states_its_unit(label):
        return [f"{where}: colorbar label '{label}' has no unit in parentheses {_UNIT_HINT}"]
    return []


def _shows_tick_labels(axis: Axis) -> bool:
    """Return True when ``axis`` is visible and would draw at least one tick label."""
    if not axis.get_visible() or len(axis.get_majorticklocs()) == 0:
        return False
    formatter = axis.get_major_formatter()
    if isinstance(formatter, NullFormatter):
        return False
    if isinstance(formatter, FixedFormatter) and not any(str(s).strip() for s in formatter.seq):
        return False
    return any(t.label1.get_visible() or t.label2.get_visible() for t in axis.get_major_ticks())


def _is_number(text: str) -> bool:
    text = _MATH.sub("", str(text)).strip().replace("\u2212", "-")
    if not text:  # only math, such as $10^{-3}$
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_categorical(axis: Axis) -> bool:
    """Return True when ``axis`` shows names (categories) rather than numbers."""
    if isinstance(axis.units, UnitData):
        return True
    formatter = axis.get_major_formatter()
    if isinstance(formatter, FixedFormatter):
        return any(str(s).strip() and not _is_number(s) for s in formatter.seq)
    return False


def _axis_problems(axis: Axis, letter: str, where: str) -> list[str]:
    if not _shows_tick_labels(axis):
        return []
    label = axis.get_label_text().strip()
    if not label:
        return [f"{where} has no {letter} label (name the quantity and its unit in parentheses)"]
    if not _is_categorical(axis) and not label_states_its_unit(label):
        return [f"{where}: {letter} label '{label}' has no unit in parentheses {_UNIT_HINT}"]
    return []


def _cmap_problems(ax: Axes, where: str) -> list[str]:
    names = {
        m.get_cmap().name
        for m in [*ax.images, *ax.collections]
        if getattr(m, "get_array", lambda: None)() is not None
    }
    bad = sorted(names & RAINBOW_CMAPS)
    return [f"{where} uses the colormap '{c}': use viridis or RdBu_r" for c in bad]


# --- the automatic audit inside a notebook kernel ---------------------------------------

_found: dict[int, tuple[str, list[str]]] = {}
_state = {"enabled": False}


def enabled_by_env() -> bool:
    """Return True when the environment asks for the figure audit (``NNLAB_FIGURE_AUDIT=1``)."""
    return os.environ.get(ENV_VAR, "").strip().lower() in {"1", "true", "yes", "on"}


def _record(fig: Figure) -> None:
    problems = figure_problems(fig)
    _found[id(fig)] = (figure_name(fig), problems)


def _on_draw(event: Any) -> None:
    if _state["enabled"]:
        _record(event.canvas.figure)


def _watch(fig: Figure) -> None:
    """A ``figure.hooks`` entry: audit ``fig`` each time it is drawn (shown or saved)."""
    fig.canvas.mpl_connect("draw_event", _on_draw)


def start_cell() -> None:
    """Forget the figures of earlier cells (called at the start of each audited cell)."""
    _found.clear()


def end_cell(value: Any = None) -> Any:
    """Audit the figures this cell drew or left open; raise ``FigureAuditError``; return ``value``.

    Figures still open are shown by the inline backend right after the cell, so they are
    audited here, before they are shown.
    """
    from matplotlib import _pylab_helpers

    for manager in _pylab_helpers.Gcf.get_all_fig_managers():
        _record(manager.canvas.figure)
    problems = [p for _, found in _found.values() for p in found]
    _found.clear()
    if problems:
        raise FigureAuditError("\n".join(problems))
    return value


class _CellTransformer(ast.NodeTransformer):
    """Wrap each cell: ``start_cell()`` first, ``end_cell(...)`` around its last expression.

    Wrapping the last expression (instead of appending a statement) keeps Jupyter's display
    of a cell's last value, and a trailing ``;`` still hides it.
    """

    def visit_Module(self, node: ast.Module) -> ast.Module:
        def call(name: str, args: list[ast.expr]) -> ast.Call:
            module = ast.Call(
                func=ast.Name(id="__import__", ctx=ast.Load()),
                args=[ast.Constant(MODULE)],
                keywords=[ast.keyword(arg="fromlist", value=ast.Constant(("end_cell",)))],
            )
            return ast.Call(
                func=ast.Attribute(value=module, attr=name, ctx=ast.Load()), args=args, keywords=[]
            )

        body = list(node.body)
        first = 0
        while (
            first < len(body)
            and isinstance(body[first], ast.ImportFrom)
            and body[first].module == "__future__"
        ):
            first += 1
        body.insert(first, ast.Expr(call("start_cell", [])))
        if isinstance(body[-1], ast.Expr):
            body[-1] = ast.Expr(call("end_cell", [body[-1].value]))
        else:
            body.append(ast.Expr(call("end_cell", [])))
        node.body = body
        return ast.fix_missing_locations(node)


def enable() -> bool:
    """Turn the audit on in this process; return True when it also guards IPython cells.

    Registers ``figure.hooks`` (every pyplot figure is audited when drawn) and, in an
    IPython kernel, a cell transformer that raises ``FigureAuditError`` in the cell that
    showed a faulty figure. Calling it again does nothing more.
    """
    sys.modules.setdefault(MODULE, sys.modules[__name__])  # for HOOK and the transformer
    hooks = list(mpl.rcParams["figure.hooks"])
    if HOOK not in hooks:
        mpl.rcParams["figure.hooks"] = [*hooks, HOOK]
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the course's Jupyter
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if not any(isinstance(t, _CellTransformer) for t in shell.ast_transformers):
        shell.ast_transformers.append(_CellTransformer())
    _state["enabled"] = True
    return True


STARTUP = """\
# Written by tools/figure_audit.py (write_startup): turn the figure audit on in this kernel.
import importlib.util
import sys

_spec = importlib.util.spec_from_file_location({module!r}, {path!r})
_audit = importlib.util.module_from_spec(_spec)
sys.modules[{module!r}] = _audit
_spec.loader.exec_module(_audit)
_audit.enable()
del _spec, _audit
"""


STARTUP_FILE = "01-nnlab-figure-audit.py"


def write_startup(folder: str | os.PathLike) -> bool:
    """With ``NNLAB_FIGURE_AUDIT=1``, write into the IPython start-up ``folder`` (a profile's
    ``startup``) the file that loads this module and calls ``enable()``; return True when
    written. ``tools.nbguard`` adds it to its kernels' start-up folder."""
    if not enabled_by_env():
        return False
    text = STARTUP.format(module=MODULE, path=str(Path(__file__).resolve()))
    (Path(folder) / STARTUP_FILE).write_text(text)
    return True


def kernel_environment() -> dict[str, str]:
    """The environment variables a kernel needs for the audit, to pass when starting it
    (``tools/nbtools.py`` does): ``{"IPYTHONDIR": folder}``, a fresh temporary folder
    (removed at exit) whose profile's start-up file turns the audit on. ``{}`` unless
    ``NNLAB_FIGURE_AUDIT=1``, or when ``IPYTHONDIR`` already runs the audit. This process's
    own environment is left as it was, so kernels started by others never get the audit."""
    if not enabled_by_env():
        return {}
    current = os.environ.get("IPYTHONDIR")
    if current and (Path(current) / "profile_default" / "startup" / STARTUP_FILE).is_file():
        return {}
    folder = Path(tempfile.mkdtemp(prefix="nnlab-figure-audit-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    startup = folder / "profile_default" / "startup"
    startup.mkdir(parents=True)
    write_startup(startup)
    return {"IPYTHONDIR": str(folder)}


__all__ = [
    "DIMENSIONLESS_WORDS",
    "FigureAuditError",
    "enable",
    "enabled_by_env",
    "figure_name",
    "figure_problems",
    "has_unit",
    "is_dimensionless",
    "kernel_environment",
    "label_states_its_unit",
    "write_startup",
]
