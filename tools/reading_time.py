"""How long a notebook takes a learner: reading, running and exercises, core path and everything.

    python -m tools.reading_time notebooks/02_dead_neurons.ipynb [...] [--run-seconds 20 ...]

The estimate, per notebook, in minutes:

- **reading**: the words of the markdown cells at ``WORDS_PER_MINUTE`` (technical prose),
  plus the code a learner reads at ``CODE_LINES_PER_MINUTE``;
- **running**: the notebook's fast-mode run time (``--run-seconds``, else the "Run time"
  line of its section in docs/instructor_guide.md), plus ``SECONDS_PER_CELL`` a code cell
  for reading its output and figure;
- **exercises**: ``EXERCISE_MINUTES`` by level (warm-up, core, stretch; from the exercise
  headings).

"Core path" leaves out the sections whose heading says ``(optional)`` (up to the next
heading of the same or a higher level) and the stretch exercises; "everything" counts all.
Print the two estimates and put them in the header's "**Time**" line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "instructor_guide.md"
WORDS_PER_MINUTE = 150
CODE_LINES_PER_MINUTE = 20
SECONDS_PER_CELL = 15
EXERCISE_MINUTES = {"warm-up": 5, "core": 12, "stretch": 25}
HEADING = re.compile(r"^(#+)\s+(.*)$")


def _optional_flags(cells: list[dict]) -> list[bool]:
    """For each cell, True when it lies inside a section marked (optional)."""
    flags, level = [], None  # level: the heading depth of the optional section we are in
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                match = HEADING.match(line)
                if not match:
                    continue
                depth = len(match.group(1))
                if level is not None and depth <= level:
                    level = None
                if level is None and "(optional)" in match.group(2).lower():
                    level = depth
        flags.append(level is not None)
    return flags


def guide_run_seconds(number: str) -> float | None:
    """The run time (s) in the guide's section for notebook ``number``, if measured."""
    if not GUIDE.exists():
        return None
    text = GUIDE.read_text()
    section = re.search(rf"^### {number} · .*?(?=^### |\Z)", text, re.M | re.S)
    if not section:
        return None
    line = re.search(r"\*\*Run time\*\*[^\n]*?(\d+(?:\.\d+)?) s\b", section.group(0))
    return float(line.group(1)) if line else None


def estimate(path: Path, run_seconds: float | None = None) -> dict[str, float]:
    """Minutes for the core path and for everything, with their parts."""
    cells = json.loads(path.read_text())["cells"]
    optional = _optional_flags(cells)
    parts = {k: 0.0 for k in ("words", "words_opt", "code", "code_opt", "cells", "cells_opt")}
    levels: list[str] = []
    for cell, opt in zip(cells, optional, strict=True):
        text = "".join(cell["source"])
        suffix = "_opt" if opt else ""
        if cell["cell_type"] == "markdown":
            parts["words" + suffix] += len(re.findall(r"[A-Za-z0-9]+", text))
            for line in text.splitlines():
                if re.match(r"^#+ .*Exercise\b", line):
                    levels += [lv for lv in EXERCISE_MINUTES if f"({lv})" in line]
        elif cell["cell_type"] == "code":
            parts["code" + suffix] += len([ln for ln in text.splitlines() if ln.strip()])
            parts["cells" + suffix] += 1
    if run_seconds is None:
        run_seconds = guide_run_seconds(path.name[:2]) or 0.0
    read_core = parts["words"] / WORDS_PER_MINUTE + parts["code"] / CODE_LINES_PER_MINUTE
    read_opt = parts["words_opt"] / WORDS_PER_MINUTE + parts["code_opt"] / CODE_LINES_PER_MINUTE
    look_core = parts["cells"] * SECONDS_PER_CELL / 60
    look_opt = parts["cells_opt"] * SECONDS_PER_CELL / 60
    ex_core = sum(EXERCISE_MINUTES[lv] for lv in levels if lv != "stretch")
    ex_all = sum(EXERCISE_MINUTES[lv] for lv in levels)
    run = run_seconds / 60
    core = read_core + look_core + run + ex_core
    everything = core + read_opt + look_opt + (ex_all - ex_core)
    return {
        "reading_core": round(read_core, 1),
        "reading_optional": round(read_opt, 1),
        "running": round(run + look_core + look_opt, 1),
        "exercises_core": ex_core,
        "exercises_all": ex_all,
        "core": round(core),
        "everything": round(everything),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--run-seconds", nargs="*", type=float, default=None)
    args = parser.parse_args(argv)
    runs = args.run_seconds or [None] * len(args.notebooks)
    if len(runs) != len(args.notebooks):
        parser.error("give one --run-seconds value per notebook")
    for path, seconds in zip(args.notebooks, runs, strict=True):
        e = estimate(path, seconds)
        print(
            f"{path.name}: core path about {e['core']} min, everything about {e['everything']} min"
            f"  (reading {e['reading_core']} + optional {e['reading_optional']} min, running "
            f"{e['running']} min, exercises {e['exercises_core']} core / {e['exercises_all']} all)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
