"""The benchmark report: Markdown tables with the budgets checked, and a parser to read it back.

``render(results)`` turns what ``benchmarks.course`` measured into benchmarks/RESULTS.md;
``parse(text)`` reads its tables back (``{section title: [row dicts]}``), for tests;
``missed(results)`` lists every budget missed. The budgets come from ``tools/nbtiming.py``
(each notebook's time, the memory, the whole course, a widget move): one source.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tools import nbtiming

OK = "ok"
ENGINE_TARGETS = {
    "lean loop": 10.0,
    "fraction of matmul rate": 0.5,
    "torch.func vmap": 1.0,
}  # benchmarks/engine.py


def _name(path: str) -> str:
    return Path(path).stem


def notebook_verdict(path: str, fast: dict[str, float]) -> str:
    """``ok``, or what the notebook's fast-mode run missed."""
    over = []
    if fast["seconds"] > nbtiming.budget(path):
        over.append(f"{fast['seconds']:.1f} s > {nbtiming.budget(path):.0f} s")
    if fast["peak_mb"] > nbtiming.MEMORY_BUDGET_MB:
        over.append(f"{fast['peak_mb']:.0f} MB > {nbtiming.MEMORY_BUDGET_MB:.0f} MB")
    return "OVER: " + "; ".join(over) if over else OK


def total_seconds(results: dict[str, Any], mode: str) -> float:
    return sum(runs[mode]["seconds"] for runs in results["notebooks"].values() if mode in runs)


def course_verdict(seconds: float) -> str:
    budget = nbtiming.COURSE_BUDGET_SECONDS
    return OK if seconds <= budget else f"OVER: {seconds:.1f} s > {budget:.0f} s"


def widget_verdict(median_s: float) -> str:
    budget = nbtiming.WIDGET_BUDGET_SECONDS
    return OK if median_s <= budget else f"OVER: median {median_s:.2f} s > {budget} s"


def missed(results: dict[str, Any]) -> list[str]:
    """Every budget the results miss, one line each (empty when all are met)."""
    lines = []
    for path, runs in results["notebooks"].items():
        verdict = notebook_verdict(path, runs["fast"])
        if verdict != OK:
            lines.append(f"{_name(path)} (fast mode): {verdict}")
    verdict = course_verdict(total_seconds(results, "fast"))
    if verdict != OK:
        lines.append(f"whole course (fast mode): {verdict}")
    for row in results["widgets"]:
        verdict = widget_verdict(row["median_s"])
        if verdict != OK:
            lines.append(f"{_name(row['notebook'])} {row['panel']}.{row['control']}: {verdict}")
    return lines


def _paragraphs(text: str) -> list[str]:
    """``text``'s lines, with a blank line before each table so that Markdown renders it."""
    lines: list[str] = []
    for line in text.strip().splitlines():
        if line.startswith("|") and lines and lines[-1] and not lines[-1].startswith("|"):
            lines.append("")
        lines.append(line)
    return lines


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _vmap_row(work: str, speedup: float) -> list[str]:
    """A table row: the engine's speed-up over the torch.func vmap recipe on ``work``."""
    target = ENGINE_TARGETS["torch.func vmap"]
    return [
        f"{work}: engine speed-up over torch.func vmap",
        f"{speedup:.1f}x",
        f"≥ {target:.0f}x",
        OK if speedup >= target else "below target",
    ]


def render(results: dict[str, Any]) -> str:
    """Return the Markdown report of ``results`` (see ``benchmarks.course.measure_all``)."""
    out = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {results['date']}, in one run on the machine below. "
        "Other programs may share its cores: the load average is part of the result. "
        "Budgets (tools/nbtiming.py, CONTRIBUTING.md): each notebook at most "
        f"{nbtiming.DEFAULT_BUDGET_SECONDS:.0f} s ("
        + ", ".join(f"{k}: {v:.0f} s" for k, v in sorted(nbtiming.BUDGET_SECONDS.items()))
        + f") and {nbtiming.MEMORY_BUDGET_MB:.0f} MB in fast mode; the whole course at most "
        f"{nbtiming.COURSE_BUDGET_SECONDS:.0f} s; a widget move at most "
        f"{nbtiming.WIDGET_BUDGET_SECONDS} s.",
        "",
        "## Machine",
        "",
    ]
    out += _table(["item", "value"], [[k, v] for k, v in results["machine"].items()])

    out += ["", "## Notebooks", ""]
    out.append(
        "Each notebook in a fresh kernel (`tools/nbtools.py measure`), progress bars off: "
        "wall time including the kernel's start, and the kernel's peak resident memory."
    )
    out.append("")
    rows = []
    for path, runs in results["notebooks"].items():
        fast, full = runs["fast"], runs.get("full")
        rows.append(
            [
                _name(path),
                f"{fast['seconds']:.1f}",
                f"{fast['peak_mb']:.0f}",
                f"{full['seconds']:.1f}" if full else "not run",
                f"{full['peak_mb']:.0f}" if full else "not run",
                f"{nbtiming.budget(path):.0f} s, {nbtiming.MEMORY_BUDGET_MB:.0f} MB",
                notebook_verdict(path, fast),
            ]
        )
    fast_total = total_seconds(results, "fast")
    full_total = total_seconds(results, "full")
    rows.append(
        [
            "total",
            f"{fast_total:.1f}",
            "",
            f"{full_total:.1f}",
            "",
            f"{nbtiming.COURSE_BUDGET_SECONDS:.0f} s",
            course_verdict(fast_total),
        ]
    )
    header = ["notebook", "fast s", "fast peak MB", "full s", "full peak MB", "budget (fast)"]
    out += _table([*header, "verdict"], rows)

    seconds = sorted(results["import_seconds"])
    median = seconds[len(seconds) // 2]
    out += ["", "## Import", ""]
    out += _table(
        ["measure", "seconds", "runs", "min", "max"],
        [
            [
                "`import nnlab`, fresh interpreter (median)",
                f"{median:.2f}",
                len(seconds),
                f"{seconds[0]:.2f}",
                f"{seconds[-1]:.2f}",
            ]
        ],
    )

    engine = results["engine"]
    out += ["", "## Batched engine", ""]
    out.append(
        "`benchmarks/engine.py` (its docstring says what is timed): the engine against Python "
        "loops of single trainings, against PyTorch's own ensembling recipe (`torch.func`: "
        "`stack_module_state`, `functional_call`, `vmap`) on the same work, and its rate "
        "against the machine's large-matmul rate."
    )
    out.append("")
    rows = [
        [
            "64 toy nets: engine speed-up over the leanest plain-torch loop",
            f"{engine['speedup_lean']:.1f}x",
            f"≥ {ENGINE_TARGETS['lean loop']:.0f}x",
            OK if engine["speedup_lean"] >= ENGINE_TARGETS["lean loop"] else "below target",
        ],
        _vmap_row("64 toy nets", engine["speedup_vmap"]),
        [
            "64 toy nets: engine speed-up over a loop of nnlab.train",
            f"{engine['speedup_train']:.1f}x",
            "",
            "",
        ],
    ]
    target = ENGINE_TARGETS["fraction of matmul rate"]
    for item in engine["digits"]:
        rows.append(
            [
                f"digits nets 64-{item['h']}-{item['h']}-10, K = {item['K']}: fraction of the "
                "matmul rate",
                f"{item['fraction']:.2f}",
                f"≥ {target}",
                OK if item["fraction"] >= target else "below target",
            ]
        )
        rows.append(
            _vmap_row(
                f"digits nets 64-{item['h']}-{item['h']}-10, K = {item['K']}", item["speedup_vmap"]
            )
        )
    out += _table(["ratio", "value", "target", "verdict"], rows)
    out += ["", "### The engine's own report", "", *_paragraphs(engine["report"])]

    out += ["", "## Interactive controls", ""]
    out.append(
        "Each control of each panel (a global named `*_panel`) moved over its range in the "
        "notebook's kernel after a fast-mode run: `panel.update(...)` retrains and redraws, "
        "as a slider move does."
    )
    out.append("")
    rows = [
        [
            _name(row["notebook"]),
            row["panel"],
            row["control"],
            row["values"],
            row["moves"],
            f"{row['median_s']:.3f}",
            f"{row['max_s']:.3f}",
            widget_verdict(row["median_s"]),
        ]
        for row in results["widgets"]
    ]
    out += _table(
        ["notebook", "panel", "control", "values", "moves", "median s", "max s", "verdict"], rows
    )

    out += ["", "## Budgets missed", ""]
    problems = missed(results)
    out += [f"- {line}" for line in problems] if problems else ["None."]
    return "\n".join(out) + "\n"


def parse(text: str) -> dict[str, list[dict[str, str]]]:
    """Read the tables of a report back: ``{"Notebooks": [{"notebook": "00_...", ...}], ...}``.

    Each level-2 section's first table; cells are stripped strings.
    """
    tables: dict[str, list[dict[str, str]]] = {}
    for match in re.finditer(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, re.M | re.S):
        block: list[str] = []
        for line in match.group(2).splitlines():
            if line.startswith("|"):
                block.append(line)
            elif block:
                break
        if len(block) < 2:
            continue
        header = _cells(block[0])
        tables[match.group(1).strip()] = [
            dict(zip(header, _cells(line), strict=True)) for line in block[2:]
        ]
    return tables


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]
