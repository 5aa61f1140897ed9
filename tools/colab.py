"""Give every notebook its launch badges and its Colab install lines, from the one repository URL.

    python -m tools.colab notebooks/*.ipynb          # rewrite the badges and install lines
    python -m tools.colab --check notebooks/*.ipynb  # exit 1 if a notebook is not up to date

Each notebook's header carries one line of badges, Binder then Colab (``badge_line``), and
its first code cell starts with ``INSTALL_MARK`` and the lines that install nnlab when, and
only when, the notebook runs in Google Colab (``install_lines``): pinned to this version's
release tag, so Colab runs the nnlab the notebook was written for. Outside Colab (JupyterLab,
Binder, nbval) the lines do nothing. Both come from ``nnlab.course`` (the repository URL and
version in the package's metadata), so a new URL or version is one command away.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from nnlab import course

INSTALL_MARK = "# In Google Colab only: install this course's nnlab"
BADGES = re.compile(r"^\[!\[Launch on Binder\][^\n]*$", re.MULTILINE)


def badge_line(notebook: str) -> str:
    """The header's badge line for ``notebook`` (``notebooks/NN_topic.ipynb``)."""
    return f"{course.binder_badge(notebook)} {course.colab_badge(notebook)}"


def install_lines() -> str:
    """The first lines of every notebook's first code cell (end with a blank line)."""
    requirement = course.colab_install_requirement()
    return (
        f"{INSTALL_MARK} (pinned to {course.release_ref()}).\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        f'    requirement = "{requirement}"\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", requirement], '
        "check=True)\n"
        "\n"
    )


def _strip_install(source: str) -> str:
    if not source.startswith(INSTALL_MARK):
        return source
    body = source.split("requirement], check=True)\n", 1)
    return body[1].lstrip("\n") if len(body) == 2 else source


def update(path: Path) -> bool:
    """Rewrite ``path``'s badge line and install lines; return True when anything changed."""
    nb = nbformat.read(path, as_version=4)
    notebook = f"notebooks/{path.name}"
    header = nb.cells[0]
    changed = False
    new_header, count = BADGES.subn(badge_line(notebook), header.source, count=1)
    if count != 1:
        raise ValueError(f"{path.name}: the header has no '[![Launch on Binder]' badge line")
    if new_header != header.source:
        header.source, changed = new_header, True
    first = next(c for c in nb.cells if c.cell_type == "code")
    new_source = install_lines() + _strip_install(first.source)
    if new_source != first.source:
        first.source, changed = new_source, True
    if changed:
        nbformat.write(nb, path)
    return changed


def up_to_date(path: Path) -> list[str]:
    """What is out of date in ``path`` (empty when its badges and install lines are current)."""
    nb = nbformat.read(path, as_version=4)
    problems = []
    if badge_line(f"notebooks/{path.name}") not in nb.cells[0].source:
        problems.append("the header's badge line (Binder, then Colab)")
    first = next(c for c in nb.cells if c.cell_type == "code")
    if not first.source.startswith(install_lines()):
        problems.append("the Colab install lines at the top of the first code cell")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = 0
    for path in args.notebooks:
        if args.check:
            problems = up_to_date(path)
            for problem in problems:
                print(f"{path.name}: out of date: {problem} (run python -m tools.colab {path})")
            stale += bool(problems)
        elif update(path):
            print(
                f"updated {path.name}: re-run it with `make notebooks` to refresh execution counts"
            )
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
