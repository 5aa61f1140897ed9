"""Execute and clean the course notebooks.

    python tools/nbtools.py execute notebooks/01_backprop.ipynb [...]
    python tools/nbtools.py clean notebooks/*.ipynb
    python tools/nbtools.py measure notebooks/*.ipynb

``execute`` runs each notebook top to bottom in a fresh kernel of this Python (working
directory: the notebook's folder), stores the outputs and cleans the file. Run it through
``make notebooks`` so that fast mode and hidden progress bars are set.
``clean`` keeps only what a learner needs: outputs, cell tags and the kernel's name; it drops
execution timings, widget state and any other personal or machine metadata, and replaces a
widget's output (a random model id) by a one-line note to run the cell.
``measure`` runs each notebook in a fresh kernel without writing it, and prints its wall time
and the kernel's peak memory (resident set size).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

if not __package__:  # run as a script (python tools/nbtools.py): find the tools package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import figure_audit  # noqa: E402

KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info", "nnlab")
# What a notebook's stored outputs depend on besides its code and seed: float results differ
# in their last bits between CPU instruction sets (AVX2, AVX512) and thread counts, and an
# SGD run at a large learning rate turns that into another trajectory.
FINGERPRINT_CODE = (
    "import json, nnlab, numpy, torch; print(json.dumps({'torch': torch.__version__, "
    "'numpy': numpy.__version__, 'cpu': torch.backends.cpu.get_cpu_capability(), "
    "'threads': torch.get_num_threads()}))"
)
KEEP_CELL_METADATA = ("tags",)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_PLACEHOLDER = "[interactive control: run this cell to use it]"


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
                # A widget's model id is random and its state is not stored: keep a stable note.
                if WIDGET_VIEW in output.get("data", {}):
                    output["data"] = {"text/plain": WIDGET_PLACEHOLDER}
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nb


def run(
    nb: nbformat.NotebookNode, path: Path, timeout: int = 600, allow_errors: bool = False
) -> float:
    """Execute ``nb`` (read from ``path``) in a fresh kernel, in place; return seconds.

    With ``allow_errors`` the run goes on past a failing cell and stores its error output.
    """
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        # True only because nbclient's Output-widget hook needs it; clean() drops the state.
        store_widget_state=True,
        allow_errors=allow_errors,
    )
    audit = figure_audit.kernel_environment()  # NNLAB_FIGURE_AUDIT=1: audit the figures
    start = time.perf_counter()
    client.execute(**({"env": {**os.environ, **audit}} if audit else {}))
    return time.perf_counter() - start


def fingerprint(python: str = sys.executable) -> dict[str, object]:
    """The machine's fingerprint as a notebook kernel of ``python`` sees it: torch and NumPy
    versions, torch's CPU instruction set and its thread count after ``import nnlab``."""
    out = subprocess.run(
        [python, "-c", FINGERPRINT_CODE], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def execute(path: Path) -> float:
    """Run the notebook at ``path`` in a fresh kernel, store outputs, clean; return seconds.

    The notebook's metadata records the machine fingerprint its outputs come from
    (``nnlab.outputs_from``): ``make test`` compares outputs only on a matching machine.
    """
    nb = nbformat.read(path, as_version=4)
    seconds = run(nb, path)
    nb = clean(nb)
    nb.metadata["nnlab"] = {"outputs_from": fingerprint()}
    nbformat.write(nb, path)
    return seconds


def measure_one(path: Path) -> dict[str, float]:
    """Run the notebook without writing it; return wall seconds and the kernel's peak MB.

    Call it in a process of its own: the peak is the largest resident set size among this
    process's finished children, and the kernel is the only one.
    """
    seconds = run(nbformat.read(path, as_version=4), path)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": round(seconds, 2), "peak_mb": round(peak_kib / 1024, 1)}


def measure(path: Path) -> dict[str, float]:
    """Measure ``path`` in a fresh Python process (see ``measure_one``)."""
    out = subprocess.run(
        [sys.executable, __file__, "_measure_one", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["execute", "clean", "measure", "_measure_one"])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if args.command == "execute":
            seconds = execute(path)
            print(f"executed {path} in {seconds:.1f} s")
        elif args.command == "measure":
            result = measure(path)
            print(f"{path}: {result['seconds']:.1f} s, kernel peak {result['peak_mb']:.0f} MB")
        elif args.command == "_measure_one":
            print(json.dumps(measure_one(path)))
        else:
            nbformat.write(clean(nbformat.read(path, as_version=4)), path)
            print(f"cleaned {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
