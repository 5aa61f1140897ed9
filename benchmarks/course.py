"""``make bench``: the course's numbers from one run on this machine, in benchmarks/RESULTS.md.

    python -m benchmarks.course [--notebooks notebooks/00_introduction.ipynb ...]
        [--no-full] [--moves 10] [--output benchmarks/RESULTS.md]

Measures, in this order, and prints as it goes:

1. the machine: CPU model, cores, RAM, Python, torch and numpy versions, load average;
2. ``import nnlab`` in a fresh interpreter (median of ``IMPORT_RUNS``);
3. the batched engine (``benchmarks/engine.py``): its speed-ups and its matmul-rate fraction,
   first, before any notebook kernel starts or stops beside it;
4. every notebook in notebooks/ (found by name, ``NN_topic.ipynb``), each in a fresh kernel
   (``tools/nbtools.py measure``), in fast mode and then in full mode: wall time and the
   kernel's peak memory;
5. every interactive control: each notebook runs again in fast mode, then, in the same
   kernel, every control of every panel is moved ``--moves`` times (``benchmarks/widgets.py``);
   a notebook with a cell tagged ``widget`` whose panel cannot be found fails the bench.

Then writes the report (``benchmarks/report.py``) and exits with status 1 when a budget was
missed. Progress bars are off and the figure audit is off, and OpenMP keeps its default wait
policy: a learner's run, on a quiet machine. (Under ``OMP_WAIT_POLICY=PASSIVE``, which the
tests set for steadiness on a busy machine, small trainings ran 2 to 2.5 times slower: the
engine fell to half the matmul rate and notebook 00's slider to 0.33 s a move.)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import torch

from benchmarks import engine, report
from benchmarks.widgets import MARKER
from tools import nbtools

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
IMPORT_RUNS = 5
PROBE = """\
import sys as _sys

_sys.path.insert(0, {root!r})
from benchmarks.widgets import report_panels as _report_panels

_report_panels(globals(), moves={moves})
"""


def say(message: str) -> None:
    print(message, flush=True)


def course_notebooks() -> list[Path]:
    """Every numbered notebook in notebooks/, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def machine() -> dict[str, str]:
    """A description of this machine and its software, with the load average now."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError, ValueError):
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        ram = f"{pages * size / 2**30:.1f} GB"
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "CPU": cpu,
        "cores (logical)": str(os.cpu_count()),
        "torch threads": str(torch.get_num_threads()),
        "RAM": ram,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "load average at start (1 / 5 / 15 min)": load,
    }


def import_seconds(runs: int = IMPORT_RUNS) -> list[float]:
    """Seconds ``import nnlab`` takes in a fresh interpreter, ``runs`` times."""
    code = "import time; t = time.perf_counter(); import nnlab; print(time.perf_counter() - t)"
    out = []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        )
        out.append(float(result.stdout.strip().splitlines()[-1]))
    return out


@contextlib.contextmanager
def environment(**values: str | None):
    """Set (or, with None, remove) environment variables for the block; kernels inherit them."""
    saved = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_notebook(path: Path, mode: str) -> dict[str, float]:
    """Wall seconds and kernel peak MB of ``path`` in a fresh kernel, in ``mode``."""
    with environment(NNLAB_MODE=mode, NNLAB_FIGURE_AUDIT=None):
        return nbtools.measure(path)


def widget_cells(nb: nbformat.NotebookNode) -> int:
    return sum("widget" in c.get("metadata", {}).get("tags", []) for c in nb.cells)


def widget_latencies(path: Path, moves: int) -> list[dict[str, Any]]:
    """Run ``path`` in fast mode, then time ``moves`` moves of each control of each panel."""
    nb = nbformat.read(path, as_version=4)
    expected = widget_cells(nb)
    if not expected:
        return []
    nb.cells.append(nbformat.v4.new_code_cell(PROBE.format(root=str(ROOT), moves=moves)))
    with environment(NNLAB_MODE="fast", NNLAB_FIGURE_AUDIT=None):
        nbtools.run(nb, path)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("name") == "stdout")
    line = next((x for x in text.splitlines() if x.startswith(MARKER)), None)
    if line is None:
        raise RuntimeError(f"{path.name}: the widget probe printed nothing: {text[-500:]!r}")
    rows = json.loads(line[len(MARKER) :])
    panels = {row["panel"] for row in rows}
    if len(panels) < expected:
        raise RuntimeError(
            f"{path.name} has {expected} cell(s) tagged 'widget' but only {len(panels)} panel(s) "
            f"were found ({sorted(panels)}): a widget cell must assign its live_control(...) "
            "panel to a global whose name ends in '_panel' (CONTRIBUTING.md)"
        )
    return [{"notebook": str(path.relative_to(ROOT))} | row for row in rows]


def engine_ratios() -> dict[str, Any]:
    """The batched engine's headline ratios, and its own printed report."""
    measured = engine.measure()
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        engine.print_report(measured)
    toy = measured["toy"]
    base = toy["engine"][0]
    digits = [
        {
            "h": h,
            "K": K,
            "fraction": rate / measured["peak"],
            "gflops": rate / 1e9,
            "speedup_vmap": vmap_seconds / seconds,
        }
        for (h, K), (rate, seconds, _, vmap_seconds) in measured["digits"].items()
    ]
    return {
        "speedup_lean": toy["lean loop"][0] / base,
        "speedup_vmap": toy["torch.func vmap"][0] / base,
        "speedup_train": toy["nnlab.train loop"][0] / base,
        "digits": digits,
        "report": buffer.getvalue(),
    }


def measure_all(paths: list[Path], full: bool = True, moves: int = 10) -> dict[str, Any]:
    """Everything ``make bench`` reports, as a dict for ``benchmarks.report.render``."""
    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "notebooks": {},
        "widgets": [],
    }
    for key, value in results["machine"].items():
        say(f"{key}: {value}")
    results["import_seconds"] = import_seconds()
    say(f"import nnlab: median {statistics.median(results['import_seconds']):.2f} s")
    say("batched engine (a minute or two) ...")
    results["engine"] = engine_ratios()
    say(results["engine"]["report"])
    for mode in ("fast", "full") if full else ("fast",):
        for path in paths:
            run = run_notebook(path, mode)
            results["notebooks"].setdefault(str(path.relative_to(ROOT)), {})[mode] = run
            say(
                f"{path.name} ({mode}): {run['seconds']:.1f} s, kernel peak {run['peak_mb']:.0f} MB"
            )
    for path in paths:
        rows = widget_latencies(path, moves)
        results["widgets"] += rows
        for row in rows:
            say(
                f"{path.name} {row['panel']}.{row['control']}: median {row['median_s']:.3f} s, "
                f"max {row['max_s']:.3f} s over {row['moves']} moves"
            )
    load_end = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    results["machine"]["load average at end (1 / 5 / 15 min)"] = load_end
    results["machine"]["bench duration"] = f"{(time.perf_counter() - started) / 60:.1f} min"
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", nargs="*", type=Path, default=None)
    parser.add_argument("--no-full", action="store_true", help="skip the full-mode runs")
    parser.add_argument("--moves", type=int, default=10, help="moves per control")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] if args.notebooks else course_notebooks()
    results = measure_all(paths, full=not args.no_full, moves=args.moves)
    text = report.render(results)
    print(text)
    args.output.write_text(text)
    raw = ROOT / "build" / "bench-results.json"
    raw.parent.mkdir(exist_ok=True)
    raw.write_text(json.dumps(results, indent=1))
    say(f"wrote {args.output} (and the raw numbers to {raw.relative_to(ROOT)})")
    problems = report.missed(results)
    for line in problems:
        say(f"BUDGET MISSED: {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
