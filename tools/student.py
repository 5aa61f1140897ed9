"""Student versions of the notebooks, the check that they fail cleanly, and grading.

    python tools/student.py build notebooks/*.ipynb          # writes build/student/*.ipynb
    python tools/student.py verify build/student/*.ipynb     # each check must fail cleanly
    python tools/student.py grade handed_in/*.ipynb          # runs a learner's work, scores it
    python tools/student.py handout notebooks/*.ipynb        # build/nnlab-student.zip

``build`` removes the cells tagged ``solution``, keeps the ``exercise`` stubs, clears the
outputs of exercise and check cells and of every other cell that depends on a solution
(found by following the names each cell reads and writes), drops the Binder badge (it opens
the full notebook, solutions included) and adds a note saying what the version is.
``verify`` executes each student notebook in a fresh kernel, going on past errors, and
passes only when every check cell stops with ``CheckFailed`` shown as its one-line hint (no
traceback) and no other cell fails: the lesson must carry on past an unfinished exercise.
``grade`` executes a learner's notebook with the course's own check cells put back in place
(so an edited check cannot pass), and reports each check: passed, or the hint it gave.
``handout`` zips the course with the student versions in place of the full notebooks.
"""

from __future__ import annotations

import argparse
import ast
import copy
import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.nbtools import clean, run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "student"
NOTEBOOKS = ROOT / "notebooks"
CLEARED_TAGS = {"exercise", "check"}
CHECK_FAILED_PREFIX = "\u274c Check failed: "
PASSED_PREFIX = "\u2705 Passed"
MAX_HINT_CHARS = 300
BADGE = re.compile(r"^\[!\[Launch on Binder\][^\n]*\n(?:[ \t]*\n)?", re.MULTILINE)
STUDENT_NOTE = (
    "> **Student version.** The solutions are not in this copy. In each exercise, replace the "
    "`raise NotImplementedError(...)` line (or the `None`) with your answer, run the cell, then "
    "run the check cell below it: it prints \u2705 when your answer is right, and a hint when "
    "it is not. Every other cell runs as it is, whether or not your exercises are finished."
)


def tags(cell: nbformat.NotebookNode) -> set[str]:
    """Return the set of tags on ``cell``."""
    return set(cell.get("metadata", {}).get("tags", []))


# --- which cells depend on a solution ------------------------------------------------------


_TIMING_CELL_MAGIC = re.compile(r"^\s*%%(time|timeit|capture|prun)\b.*$", re.MULTILINE)
_TIMING_LINE_MAGIC = re.compile(
    r"^(\s*)%(time|timeit|prun)\s+(?:-\S+\s+(?:\d+\s+)?)*", re.MULTILINE
)


def _python(source: str) -> str:
    """Return ``source`` as plain Python: the code under ``%time``-like magics is kept, and
    other IPython syntax (``%magic``, ``!cmd``) becomes the calls IPython would make."""
    source = _TIMING_LINE_MAGIC.sub(r"\1", _TIMING_CELL_MAGIC.sub("", source))
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - the course's venv has IPython
        return source
    return TransformerManager().transform_cell(source)


class _Names(ast.NodeVisitor):
    """Collect the names a cell reads anywhere and the names it binds at top level."""

    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.writes: set[str] = set()
        self.imports: set[str] = set()
        self._depth = 0

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.reads.add(node.id)
        elif self._depth == 0:
            self.writes.add(node.id)

    def _scope(self, node: ast.AST, name: str | None = None) -> None:
        if name is not None and self._depth == 0:
            self.writes.add(name)
        self._depth += 1
        self.generic_visit(node)
        self._depth -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._scope(node, node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._scope(node, node.name)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._scope(node)

    def visit_ListComp(self, node: ast.AST) -> None:
        self._scope(node)

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        if self._depth == 0:
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                self.writes.add(name)
                self.imports.add(name)

    visit_ImportFrom = visit_Import


def _statements(source: str) -> list[_Names]:
    """Return the names each top-level statement of ``source`` reads and binds, in order."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:  # unparsable: assume it reads every identifier in it
        names = _Names()
        names.reads = set(re.findall(r"[A-Za-z_]\w*", source))
        return [names]
    found = []
    for statement in tree.body:
        names = _Names()
        names.visit(statement)
        found.append(names)
    return found


def solution_dependents(nb: nbformat.NotebookNode) -> list[int]:
    """Return the indices of the code cells whose result depends on a ``solution`` cell.

    A name bound by a solution cell is "tainted"; a later cell that reads a tainted name
    depends on the solution, and the names it binds become tainted too; a cell that rebinds
    a name without reading tainted ones cleans it. Imports a solution repeats from an earlier
    cell do not taint. Check cells are normally in the list; other cells should not be.
    """
    tainted: set[str] = set()
    imported: set[str] = set()
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        statements = _statements(cell.source)
        if "solution" in tags(cell):
            for names in statements:
                tainted |= names.writes - (names.imports & imported)
            continue
        depends = False
        for names in statements:  # in order: `y = 3; print(y)` does not read a tainted y
            if names.reads & tainted:
                depends = True
                tainted |= names.writes
            else:
                tainted -= names.writes
                imported |= names.imports
        if depends:
            found.append(index)
    return found


# --- build ----------------------------------------------------------------------------------


def to_student(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the student version of ``nb`` (see the module docstring)."""
    student = copy.deepcopy(nb)
    dependent = {id(student.cells[i]) for i in solution_dependents(student)}
    for cell in student.cells:
        if cell.cell_type == "code" and (tags(cell) & CLEARED_TAGS or id(cell) in dependent):
            cell.outputs = []
            cell.execution_count = None
    student.cells = [c for c in student.cells if "solution" not in tags(c)]
    if student.cells and student.cells[0].cell_type == "markdown":
        student.cells[0].source = BADGE.sub("", student.cells[0].source)
        student.cells.insert(1, new_markdown_cell(STUDENT_NOTE))
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


def handout(notebooks: list[Path], target: Path = ROOT / "build" / "nnlab-student.zip") -> Path:
    """Write a zip of the course for students: the repository's tracked files, with the
    student version of each of ``notebooks`` in place of the full one; return its path."""
    import subprocess
    import zipfile

    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split("\0")
    replaced = {f"notebooks/{p.name}": p for p in notebooks}
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(filter(None, tracked)):
            if not (ROOT / name).is_file():
                continue
            if name in replaced:
                student = to_student(nbformat.read(replaced[name], as_version=4))
                archive.writestr(f"nnlab/{name}", nbformat.writes(student) + "\n")
            elif name.startswith("notebooks/") and name.endswith(".ipynb"):
                continue  # a full notebook that was not asked for stays out
            else:
                archive.write(ROOT / name, f"nnlab/{name}")
    return target


# --- verify ---------------------------------------------------------------------------------


def _first_line(cell: nbformat.NotebookNode) -> str:
    return cell.source.splitlines()[0] if cell.source else ""


def hint_problem(error: nbformat.NotebookNode) -> str | None:
    """Return what is wrong with a check's error output, or None when it is a clean hint.

    Clean: a ``CheckFailed`` whose whole rendered traceback is the one line
    "❌ Check failed: <hint>", with a short, single-line hint.
    """
    if error.ename != "CheckFailed":
        return f"check should fail with a hint, got {error.ename}: {error.evalue}"
    hint = error.evalue.strip()
    if not hint:
        return "the check failed without a hint"
    if "\n" in hint or len(hint) > MAX_HINT_CHARS:
        return f"the hint should be one short line, got {len(hint)} characters"
    if list(error.traceback) != [CHECK_FAILED_PREFIX + error.evalue]:
        return "the learner would see a traceback, not the one-line hint"
    return None


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """Return what is wrong with an executed student notebook (empty when all is well)."""
    found = []
    n_checks = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        where = f"cell {index} ({_first_line(cell)})"
        if "check" in tags(cell):
            n_checks += 1
            if not errors:
                found.append(f"{where}: check should fail with a hint, got no error")
            elif (issue := hint_problem(errors[0])) is not None:
                found.append(f"{where}: {issue}")
        elif errors:
            found.append(f"{where}: {errors[0].ename}: {errors[0].evalue}")
    if n_checks == 0:
        found.append("no check cells")
    return found


def hints(nb: nbformat.NotebookNode) -> list[str]:
    """Return the one-line hint each failing check cell of an executed notebook shows."""
    return [
        o.traceback[0]
        for c in nb.cells
        if "check" in tags(c)
        for o in c.outputs
        if o.output_type == "error" and o.traceback
    ]


def verify(paths: list[Path]) -> int:
    """Execute each student notebook and report problems; return the number of failures."""
    failures = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        run(nb, path, allow_errors=True)
        issues = problems(nb)
        status = "ok" if not issues else "FAILED"
        print(f"{status}: {path.name}: {sum('check' in tags(c) for c in nb.cells)} checks")
        for hint in hints(nb):
            print(f"    shows: {hint}")
        for issue in issues:
            print(f"    {issue}")
        failures += bool(issues)
    return failures


# --- grade ----------------------------------------------------------------------------------


@dataclass
class CheckResult:
    """One check cell of a graded notebook: its number, whether it passed, and what it said."""

    number: int
    passed: bool
    message: str


def restore_checks(
    submission: nbformat.NotebookNode, reference: nbformat.NotebookNode
) -> nbformat.NotebookNode:
    """Return a copy of ``submission`` whose check cells carry ``reference``'s check code.

    Check cells are matched in order; a missing or extra check cell is an error.
    """
    graded = copy.deepcopy(submission)
    theirs = [c for c in graded.cells if "check" in tags(c)]
    ours = [c for c in reference.cells if "check" in tags(c)]
    if len(theirs) != len(ours):
        raise ValueError(
            f"the notebook has {len(theirs)} check cells, the course's has {len(ours)}: "
            "were check cells deleted or copied? Start again from the student version."
        )
    for cell, original in zip(theirs, ours, strict=True):
        cell.source = original.source
    return graded


def check_results(nb: nbformat.NotebookNode) -> list[CheckResult]:
    """Return the outcome of each check cell of an executed notebook."""
    results = []
    for number, cell in enumerate((c for c in nb.cells if "check" in tags(c)), start=1):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        if errors:
            error = errors[0]
            message = (
                error.evalue if error.ename == "CheckFailed" else f"{error.ename}: {error.evalue}"
            )
            first = (message.strip().splitlines() or [error.ename])[0]
            results.append(CheckResult(number, False, first))
        elif PASSED_PREFIX in text:
            line = next(ln for ln in text.splitlines() if PASSED_PREFIX in ln)
            results.append(CheckResult(number, True, line.strip()))
        else:
            results.append(CheckResult(number, False, "the check cell did not run"))
    return results


def grade(paths: list[Path], reference_dir: Path = NOTEBOOKS, csv_path: Path | None = None) -> int:
    """Run each learner's notebook with the course's checks and print each check's result.

    Returns the number of notebooks that could not be graded (failed checks are results,
    not errors). With ``csv_path``, also writes one row per check.
    """
    rows = []
    ungraded = 0
    for path in paths:
        reference_path = reference_dir / path.name
        if not reference_path.is_file():
            print(f"{path}: cannot grade: no course notebook named {path.name} in {reference_dir}")
            ungraded += 1
            continue
        submission = nbformat.read(path, as_version=4)
        try:
            graded = restore_checks(submission, nbformat.read(reference_path, as_version=4))
        except ValueError as err:
            print(f"{path}: cannot grade: {err}")
            ungraded += 1
            continue
        run(graded, path, allow_errors=True)
        results = check_results(graded)
        n_passed = sum(r.passed for r in results)
        print(f"{path}: {n_passed}/{len(results)} checks passed")
        for r in results:
            print(f"    check {r.number}: {'passed' if r.passed else 'FAILED'}: {r.message}")
            rows.append([str(path), r.number, "passed" if r.passed else "failed", r.message])
    if csv_path is not None:
        csv_path.parent.mkdir(parents=True, exist_ok=True)
        with csv_path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["notebook", "check", "result", "message"])
            writer.writerows(rows)
        print(f"wrote {csv_path}")
    return ungraded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "verify", "grade", "handout"])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--csv", type=Path, help="grade: also write the results to this CSV")
    parser.add_argument(
        "--reference", type=Path, default=NOTEBOOKS, help="grade: folder of the course notebooks"
    )
    args = parser.parse_args(argv)
    if args.command == "build":
        for path in build(args.notebooks):
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    if args.command == "handout":
        print(f"wrote {handout(args.notebooks).relative_to(ROOT)}")
        return 0
    if args.command == "grade":
        return 1 if grade(args.notebooks, args.reference, args.csv) else 0  # 1: ungradable
    return 1 if verify(args.notebooks) else 0


if __name__ == "__main__":
    sys.exit(main())
