"""The seed scan: how many fresh seeds each claim and assert of the notebooks holds under.

    python -m tools.seed_scan notebooks/02_dead_neurons.ipynb [...] [--seeds 11 12 ...]
        [--count 20] [--jobs 2] [--mode fast] [--min-held 0.95]

Runs every notebook under each seed (``NNLAB_SEED``) in a fresh kernel, going on past
failing cells, and reports per notebook, for each ``nnlab.claim(...)`` (by its statement)
and each ``assert`` (by cell and line), how many seeds it held under. Without ``--seeds``
it draws ``--count`` seeds at random from 10–9999 (never the 0–9 the notebooks were
written with) and prints them, so a scan can be repeated with ``--seeds``.

Claims are counted from the lines ``nnlab.claims`` prints when ``NNLAB_CLAIMS_SCAN=1``
(every claim is then evaluated and none raises); asserts from the error each failing cell
stores. An assert in a cell that failed earlier counts as "not reached".

It writes ``nnlab/seed_scan/<notebook>.json`` for each notebook scanned (the counts a
failed claim quotes to the learner; one file per notebook, so scans of different notebooks
never touch the same file) and re-makes ``benchmarks/SEED_SCAN.md`` from all of them
(``--report`` re-makes it without scanning). It runs ``--jobs``
notebooks at once (default: the number of cores, at most 2 here), each with
``OMP_NUM_THREADS`` = cores // jobs, and prints a line per finished run. Exit status 1 when
any claim or assert held under fewer than ``--min-held`` of the seeds it was reached in.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat

from nnlab.claims import SCAN_PREFIX

ROOT = Path(__file__).resolve().parent.parent
JSON_DIR = ROOT / "nnlab" / "seed_scan"  # one <notebook stem>.json per notebook
MD_PATH = ROOT / "benchmarks" / "SEED_SCAN.md"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ARROW = re.compile(r"^-*>\s*(\d+)\s")  # IPython marks the failing line: "----> 12 assert x"
CLAIM_NAMES = {"claim"}


# ----------------------------------------------------------------------------- static reading


def _code(source: str) -> str:
    """Cell source with IPython magics and shell lines blanked, so ``ast`` can parse it."""
    lines = source.split("\n")
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def checks_in(nb: nbformat.NotebookNode) -> list[dict]:
    """Every assert and literal claim of ``nb``: ``{"kind", "key", "cell", "line"}``.

    ``cell`` is the code cell's index among code cells (1-based, as a learner counts them),
    ``line`` the line in the cell; a claim's key is its statement, an assert's key is
    ``"cell C, line L: <source>"``.
    """
    found = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        try:
            tree = ast.parse(_code(cell.source))
        except SyntaxError:
            continue
        lines = cell.source.split("\n")
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert):
                text = lines[node.lineno - 1].strip()
                key = f"cell {number}, line {node.lineno}: {text}"
                found.append({"kind": "assert", "key": key, "cell": number, "line": node.lineno})
            elif isinstance(node, ast.Call) and _is_claim(node.func) and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.append(
                        {"kind": "claim", "key": first.value, "cell": number, "line": node.lineno}
                    )
    return found


def _is_claim(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in CLAIM_NAMES
    return isinstance(func, ast.Attribute) and func.attr in CLAIM_NAMES


# ----------------------------------------------------------------------------- one run


def failing_lines(nb: nbformat.NotebookNode) -> dict[int, tuple[int | None, str]]:
    """``{code cell number: (failing line or None, error name)}`` for cells that raised."""
    failed = {}
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            line = None
            frames = "\n".join(ANSI.sub("", t) for t in output.get("traceback", []))
            # The first frame is the cell itself; its arrow marks the line that raised there.
            first_frame = frames.split("\nFile ", 1)[0]
            for text in first_frame.splitlines():
                match = ARROW.match(text.strip())
                if match:
                    line = int(match.group(1))
            failed[number] = (line, output.get("ename", "Error"))
    return failed


def claim_lines(nb: nbformat.NotebookNode) -> list[dict]:
    """The claims a scan-mode run printed (``NNLAB-CLAIM {json}`` lines), in order."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                for line in "".join(output.get("text", "")).splitlines():
                    if line.startswith(SCAN_PREFIX):
                        found.append(json.loads(line[len(SCAN_PREFIX) :]))
    return found


def run_one(path: Path, seed: int, mode: str, threads: int) -> dict:
    """Run ``path`` under ``seed`` in a fresh kernel; return claims, failures and errors."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="nnlab-scan-") as tmp:
        env = dict(os.environ)
        env.update(
            NNLAB_SEED=str(seed),
            NNLAB_MODE=mode,
            NNLAB_PROGRESS="0",
            NNLAB_CLAIMS_SCAN="1",
            OMP_NUM_THREADS=str(threads),
            OMP_WAIT_POLICY="PASSIVE",
            MPLBACKEND="Agg",
            IPYTHONDIR=tmp,
            JUPYTER_RUNTIME_DIR=tmp,
        )
        client = NotebookClient(
            nb,
            timeout=900,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
            allow_errors=True,
            store_widget_state=True,
        )
        start = time.perf_counter()
        client.execute(env=env)  # the kernel's environment; this process's stays as it was
        seconds = time.perf_counter() - start
    claims: dict[str, bool] = {}
    measured: dict[str, str] = {}
    for entry in claim_lines(nb):
        statement = entry["statement"]
        claims[statement] = claims.get(statement, True) and entry["holds"]
        if not entry["holds"]:
            measured[statement] = entry["measured"]
    failed = failing_lines(nb)
    return {
        "seed": seed,
        "seconds": round(seconds, 1),
        "claims": claims,
        "measured": measured,
        "failed": {str(k): list(v) for k, v in failed.items()},
    }


# ----------------------------------------------------------------------------- tallying


def tally(nb: nbformat.NotebookNode, runs: list[dict]) -> dict[str, dict]:
    """Per check of ``nb``: held / failed / not reached over ``runs``, and the failing seeds."""
    result: dict[str, dict] = {}
    checks = checks_in(nb)
    for check in checks:
        result[check["key"]] = {
            "kind": check["kind"],
            "held": 0,
            "failed": [],
            "not_reached": 0,
            "measured": {},
        }
    for run in runs:
        failed = {int(k): v for k, v in run["failed"].items()}
        for check in checks:
            entry = result[check["key"]]
            if check["kind"] == "claim":
                if check["key"] in run["claims"]:
                    if run["claims"][check["key"]]:
                        entry["held"] += 1
                    else:
                        entry["failed"].append(run["seed"])
                        entry["measured"][str(run["seed"])] = run["measured"].get(check["key"], "")
                else:
                    entry["not_reached"] += 1
                continue
            line, _ = failed.get(check["cell"], (None, None))
            if check["cell"] not in failed:
                entry["held"] += 1
            elif line == check["line"]:
                entry["failed"].append(run["seed"])
            elif line is not None and line > check["line"]:
                entry["held"] += 1
            else:
                entry["not_reached"] += 1
        # Claims whose statement is built at run time (an f-string) are found in the log only.
        for statement, holds in run["claims"].items():
            if statement not in result:
                result[statement] = {
                    "kind": "claim",
                    "held": 0,
                    "failed": [],
                    "not_reached": 0,
                    "measured": {},
                }
            if statement not in {c["key"] for c in checks}:
                if holds:
                    result[statement]["held"] += 1
                else:
                    result[statement]["failed"].append(run["seed"])
    return result


def errors(runs: list[dict], nb: nbformat.NotebookNode) -> list[str]:
    """Cells that raised something other than a failed assert or claim, with their seeds."""
    asserts = {(c["cell"], c["line"]) for c in checks_in(nb) if c["kind"] == "assert"}
    found: dict[str, list[int]] = {}
    for run in runs:
        for cell, (line, name) in run["failed"].items():
            if (int(cell), line) in asserts and name == "AssertionError":
                continue
            found.setdefault(f"cell {cell}: {name}", []).append(run["seed"])
    return [f"{k} (seeds {', '.join(map(str, v))})" for k, v in sorted(found.items())]


# ----------------------------------------------------------------------------- reporting


def load_records() -> dict[str, dict]:
    """``{notebook name: record}`` for every notebook scanned so far."""
    records = {}
    for path in sorted(JSON_DIR.glob("*.json")):
        records[path.stem + ".ipynb"] = json.loads(path.read_text())
    return records


def save(name: str, record: dict) -> None:
    """Write one notebook's record (with the ``claims`` counts nnlab.claims reads)."""
    claims = {}
    for key, entry in record["checks"].items():
        if entry["kind"] == "claim":
            claims[key] = {"held": entry["held"], "seeds": entry["held"] + len(entry["failed"])}
    record = {**record, "claims": dict(sorted(claims.items()))}
    JSON_DIR.mkdir(exist_ok=True)
    path = JSON_DIR / (Path(name).stem + ".json")
    path.write_text(json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def write_report() -> None:
    """Re-make benchmarks/SEED_SCAN.md from every notebook's record."""
    MD_PATH.write_text(markdown({"notebooks": load_records()}))


def markdown(data: dict) -> str:
    """The table of every scanned notebook: one row per claim and assert."""
    lines = [
        "# Seed scan: how many fresh seeds each claim holds under",
        "",
        "Made by `make seed-scan` (`tools/seed_scan.py`); do not edit by hand. Each notebook ran",
        "in a fresh kernel under every seed listed, never the seeds 0–9 it was written with.",
        "*held* counts the seeds the claim or assert held under, of those where it was reached;",
        "*not reached* means a cell above it failed first.",
        "",
    ]
    for name, record in sorted(data["notebooks"].items()):
        seeds = record["seeds"]
        lines += [
            f"## {name}",
            "",
            f"{len(seeds)} seeds, {record['mode']} mode, scanned {record['date']}: "
            + ", ".join(map(str, seeds)),
            "",
            "| kind | claim or assert | held | failed under seeds | not reached |",
            "|---|---|---|---|---|",
        ]
        for key, entry in record["checks"].items():
            reached = entry["held"] + len(entry["failed"])
            text = key.replace("|", "\\|")
            failed = ", ".join(map(str, entry["failed"])) or "–"
            lines.append(
                f"| {entry['kind']} | {text} | {entry['held']} of {reached} | {failed} | "
                f"{entry['not_reached']} |"
            )
        if record.get("errors"):
            lines += ["", "Other errors: " + "; ".join(record["errors"])]
        lines.append("")
    return "\n".join(lines)


def below(record: dict, min_held: float) -> list[str]:
    """Checks of one notebook record that held under fewer than ``min_held`` of their seeds."""
    weak = []
    for key, entry in record["checks"].items():
        reached = entry["held"] + len(entry["failed"])
        if entry["failed"] and entry["held"] < min_held * reached:
            weak.append(f"{key} ({entry['held']} of {reached})")
    return weak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--seeds", nargs="*", type=int, default=None)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--mode", choices=["fast", "full"], default="fast")
    parser.add_argument("--min-held", type=float, default=0.95)
    parser.add_argument("--no-write", action="store_true", help="print only; keep the files")
    parser.add_argument("--report", action="store_true", help="only re-make SEED_SCAN.md")
    parser.add_argument("--_one", nargs=2, metavar=("NOTEBOOK", "SEED"), help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args._one:
        path, seed = Path(args._one[0]), int(args._one[1])
        print(json.dumps(run_one(path, seed, args.mode, args.threads)))
        return 0
    if args.report:
        write_report()
        print(f"wrote {MD_PATH.relative_to(ROOT)}")
        return 0
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    seeds = args.seeds
    if not seeds:
        seeds = sorted(random.SystemRandom().sample(range(10, 10000), args.count))
    print(f"seeds ({len(seeds)}): {' '.join(map(str, seeds))}", flush=True)
    jobs = max(1, args.jobs)
    threads = max(1, (os.cpu_count() or 1) // jobs)
    tasks = [(path, seed) for path in notebooks for seed in seeds]
    runs: dict[Path, list[dict]] = {path: [] for path in notebooks}

    def launch(path: Path, seed: int) -> dict:
        command = [
            sys.executable,
            "-m",
            "tools.seed_scan",
            "--_one",
            str(path),
            str(seed),
            "--mode",
            args.mode,
            "--threads",
            str(threads),
        ]
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if out.returncode != 0:  # the run itself broke (not a cell): report it, go on
            tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"{path.name} under seed {seed} did not run: {tail}")
        return json.loads(out.stdout.strip().splitlines()[-1])

    broken = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(launch, p, s): (p, s) for p, s in tasks}
        for done, future in enumerate(as_completed(futures), start=1):
            path, seed = futures[future]
            try:
                run = future.result()
            except RuntimeError as err:
                broken.append(str(err))
                print(f"[{done}/{len(tasks)}] {err}", flush=True)
                continue
            runs[path].append(run)
            bad = sum(not v for v in run["claims"].values()) + len(run["failed"])
            note = f"{bad} failing claim(s)/cell(s)" if bad else "all held"
            print(f"[{done}/{len(tasks)}] {path.name} seed {seed}: {note}", flush=True)
    if broken:
        print("runs that did not complete (not counted):\n  " + "\n  ".join(broken))

    today = dt.date.today().isoformat()
    weak, records = [], {}
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        ordered = sorted(runs[path], key=lambda r: r["seed"])
        records[path.name] = {
            "seeds": sorted(seeds),
            "mode": args.mode,
            "date": today,
            "checks": tally(nb, ordered),
            "errors": errors(ordered, nb),
        }
        weak += [f"{path.name}: {w}" for w in below(records[path.name], args.min_held)]
    print(markdown({"notebooks": records}))
    if not args.no_write:
        for name, record in records.items():
            save(name, record)
        write_report()
        print(f"wrote {JSON_DIR.relative_to(ROOT)}/ and {MD_PATH.relative_to(ROOT)}")
    if weak:
        print(f"held under fewer than {args.min_held:.0%} of seeds:\n  " + "\n  ".join(weak))
    return 1 if weak or broken else 0


if __name__ == "__main__":
    sys.exit(main())
