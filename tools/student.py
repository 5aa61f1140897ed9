"""Student versions of the notebooks, and the check that they fail cleanly.

    python tools/student.py build notebooks/*.ipynb        # writes build/student/*.ipynb
    python tools/student.py verify build/student/*.ipynb   # runs them; each check must fail cleanly

``build`` removes the cells tagged ``solution``, keeps the ``exercise`` stubs, and clears the
outputs of exercise and check cells (they depend on the solutions). ``verify`` executes each
student notebook in a fresh kernel, going on past errors, and passes only when every check
cell stops with ``CheckFailed`` (the learner sees a one-line hint, not a traceback) and no
other cell fails: the lesson must carry on past an unfinished exercise.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.nbtools import clean, run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "student"
CLEARED_TAGS = {"exercise", "check"}


def tags(cell: nbformat.NotebookNode) -> set[str]:
    """Return the set of tags on ``cell``."""
    return set(cell.get("metadata", {}).get("tags", []))


def to_student(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` without solution cells and with exercise/check outputs cleared."""
    student = copy.deepcopy(nb)
    student.cells = [c for c in student.cells if "solution" not in tags(c)]
    for cell in student.cells:
        if cell.cell_type == "code" and tags(cell) & CLEARED_TAGS:
            cell.outputs = []
            cell.execution_count = None
    return clean(student)


def build(paths: list[Path], out_dir: Path = BUILD) -> list[Path]:
    """Write the student version of each notebook in ``paths`` to ``out_dir``; return them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        target = out_dir / path.name
        nbformat.write(to_student(nbformat.read(path, as_version=4)), target)
        written.append(target)
    return written


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """Return what is wrong with an executed student notebook (empty when all is well)."""
    found = []
    n_checks = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        first_line = cell.source.splitlines()[0] if cell.source else ""
        if "check" in tags(cell):
            n_checks += 1
            if [e.ename for e in errors] != ["CheckFailed"]:
                got = errors[0].ename if errors else "no error"
                found.append(
                    f"cell {index} ({first_line}): check should fail with a hint, got {got}"
                )
        elif errors:
            found.append(f"cell {index} ({first_line}): {errors[0].ename}: {errors[0].evalue}")
    if n_checks == 0:
        found.append("no check cells")
    return found


def verify(paths: list[Path]) -> int:
    """Execute each student notebook and report problems; return the number of failures."""
    failures = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        run(nb, path, allow_errors=True)
        issues = problems(nb)
        status = "ok" if not issues else "FAILED"
        print(f"{status}: {path.name}: {sum('check' in tags(c) for c in nb.cells)} checks")
        for issue in issues:
            print(f"    {issue}")
        failures += bool(issues)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "verify"])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "build":
        for path in build(args.notebooks):
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    return 1 if verify(args.notebooks) else 0


if __name__ == "__main__":
    sys.exit(main())
