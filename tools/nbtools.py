"""Execute and clean the course notebooks.

    python tools/nbtools.py execute notebooks/01_backprop.ipynb [...]
    python tools/nbtools.py clean notebooks/*.ipynb

``execute`` runs each notebook top to bottom in a fresh kernel of this Python (working
directory: the notebook's folder), stores the outputs and cleans the file. Run it through
``make notebooks`` so that fast mode and hidden progress bars are set.
``clean`` keeps only what a learner needs: outputs, cell tags and the kernel's name; it drops
execution timings, widget state and any other personal or machine metadata.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info")
KEEP_CELL_METADATA = ("tags",)


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip personal and machine metadata from ``nb`` in place and return it."""
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_NOTEBOOK_METADATA}
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    if "language_info" in nb.metadata:
        info = nb.metadata["language_info"]
        nb.metadata["language_info"] = {k: info[k] for k in ("name", "version") if k in info}
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA}
        cell.pop("id", None)
        if cell.cell_type == "code":
            for output in cell.outputs:
                output.get("metadata", {}).pop("execution", None)
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nb


def execute(path: Path, timeout: int = 600) -> float:
    """Run the notebook at ``path`` in a fresh kernel, store outputs, clean; return seconds."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=False,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(clean(nb), path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["execute", "clean"])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if args.command == "execute":
            seconds = execute(path)
            print(f"executed {path} in {seconds:.1f} s")
        else:
            nbformat.write(clean(nbformat.read(path, as_version=4)), path)
            print(f"cleaned {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
