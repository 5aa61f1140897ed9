"""Keep the instructor guide's measured run times up to date.

    python tools/guide.py times notebooks/01_backprop.ipynb [...]   # measure, then write
    python tools/guide.py missing notebooks/*.ipynb                 # which notebooks lack a section

``times`` runs each notebook in a fresh kernel (as ``tools/nbtools.py measure`` does), then
rewrites the "**Run time**" line of that notebook's section in docs/instructor_guide.md with
the wall time, the kernel's peak memory, the date and the load average at the time (other
work on the machine slows a run down). Run it through ``make guide-times`` so that fast mode
is set. A section is a level-3 heading "### NN · Title".
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.nbtools import measure  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "instructor_guide.md"
RUN_TIME = re.compile(r"^(- \*\*Run time\*\*).*$", re.MULTILINE)


def section_span(text: str, number: str) -> tuple[int, int]:
    """Return the start and end offsets in ``text`` of the section "### ``number`` · ..."."""
    start = re.search(rf"^### {re.escape(number)} · .*$", text, re.MULTILINE)
    if start is None:
        raise LookupError(f"the guide has no section '### {number} · Title'")
    end = re.search(r"^#{2,3} ", text[start.end() :], re.MULTILINE)
    return start.start(), start.end() + (end.start() if end else len(text) - start.end())


def run_time_line(seconds: float, peak_mb: float, when: datetime.date, load: float) -> str:
    """Return the guide's "Run time" line for one measurement."""
    return (
        f"- **Run time** (fast mode, fresh kernel, 2 cores): {seconds:.1f} s, kernel peak "
        f"{peak_mb:.0f} MB (measured {when.isoformat()}, load average {load:.1f})"
    )


def write_run_time(text: str, number: str, line: str) -> str:
    """Return ``text`` with the "Run time" line of section ``number`` replaced by ``line``."""
    start, end = section_span(text, number)
    section, count = RUN_TIME.subn(line, text[start:end], count=1)
    if count == 0:
        raise LookupError(f"section {number} of the guide has no '- **Run time**' line")
    return text[:start] + section + text[end:]


def times(paths: list[Path], guide: Path = GUIDE) -> None:
    """Measure each notebook and write its run time into ``guide``."""
    for path in paths:
        number = path.name[:2]
        section_span(guide.read_text(), number)  # fail before a long run, not after
        load = os.getloadavg()[0]
        result = measure(path)
        line = run_time_line(result["seconds"], result["peak_mb"], datetime.date.today(), load)
        guide.write_text(write_run_time(guide.read_text(), number, line))
        print(f"{path.name}: {line[2:]}")


def missing(paths: list[Path], guide: Path = GUIDE) -> list[str]:
    """Return the names of the notebooks in ``paths`` that have no section in ``guide``."""
    text = guide.read_text()
    absent = []
    for path in paths:
        try:
            section_span(text, path.name[:2])
        except LookupError:
            absent.append(path.name)
    return absent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["times", "missing"])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "times":
        times(args.notebooks)
        return 0
    absent = missing(args.notebooks)
    for name in absent:
        print(f"no section in {GUIDE.relative_to(ROOT)}: {name}")
    return 1 if absent else 0


if __name__ == "__main__":
    sys.exit(main())
