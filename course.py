#!/usr/bin/env python3
"""Set up the course and open it, or run every test: on Linux, macOS and Windows, no make needed.

    python course.py lab      set everything up in .venv, then open the course in JupyterLab
    python course.py test     set everything up, then lint, unit tests and every notebook
    python course.py setup    only the install step

`make lab` and `make test` call this script, so the two ways can never drift apart. On
Windows type `py course.py lab` (the Python launcher) or `python course.py lab`.

Options:
  --python PATH     the Python that makes .venv (default: the newest of 3.13, 3.12 and 3.11
                    found; or the PYTHON environment variable)
  --torch-index I   where PyTorch comes from: "cpu" (default on Linux: PyTorch's CPU-only
                    index, about 200 MB instead of several GB of CUDA libraries), "default"
                    (PyPI: what a GPU user wants; the default on macOS and Windows, whose
                    wheels are CPU-only anyway), or an index URL; also NNLAB_TORCH_INDEX.
                    When the CPU-only index cannot be reached within a few seconds (a
                    restricted network, a mirror), setup falls back to the default index.
  --dry-run         print the commands instead of running them

The other maintainer steps run alone too: lint, unit, notebooks-test, notebooks-seed,
student-check (`python course.py unit`), and site (the website, into build/site/).
Settings: NNLAB_MODE, NNLAB_SEED, OTHER_SEED (the second seed `test` runs every notebook
under; default 1), LAB_FLAGS (extra flags for JupyterLab).
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".nnlab-installed"
SUPPORTED = ((3, 13), (3, 12), (3, 11))  # newest first: the one setup picks when it can
TORCH = "torch==2.13.0"  # pinned: an unpinned torch may pull a multi-GB CUDA build
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
INDEX_PROBE_SECONDS = 4.0
LINT_PATHS = ["nnlab", "tests", "tools", "benchmarks", "notebooks", "course.py"]
# Fast mode and no progress bars for every automated run; the figure audit on; idle OpenMP
# threads sleep (on a busy 2-core machine spinning made notebook 00 take 5 to 77 s).
TEST_ENV = {
    "NNLAB_MODE": "fast",
    "NNLAB_PROGRESS": "0",
    "NNLAB_FIGURE_AUDIT": "1",
    "OMP_WAIT_POLICY": "PASSIVE",
}
DRY_RUN = False


# ----------------------------------------------------------------------------- helpers


def say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def venv_python() -> Path:
    """The Python inside .venv (bin/ on Linux and macOS, Scripts/ on Windows)."""
    return (
        VENV
        / ("Scripts" if os.name == "nt" else "bin")
        / ("python.exe" if os.name == "nt" else "python")
    )


def run(command: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> int:
    """Run ``command`` (printing it first); return its exit status."""
    shown = " ".join(f"{k}={v}" for k, v in (env or {}).items())
    say(f"$ {shown + ' ' if shown else ''}{shlex.join(command)}")
    if DRY_RUN:
        return 0
    return subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}).returncode


def must(command: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
    status = run(command, env, cwd)
    if status != 0:
        raise SystemExit(status)


def version_of(python: str) -> tuple[int, int] | None:
    """The (major, minor) of the Python at ``python``, or None if it does not run."""
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
        return int(out[0]), int(out[1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def find_python(requested: str | None) -> str:
    """The Python to make .venv with: ``requested``, else the newest supported one found."""
    names = ", ".join(f"{a}.{b}" for a, b in reversed(SUPPORTED))
    if requested:
        found = version_of(requested)
        if found not in SUPPORTED:
            raise SystemExit(f"{requested} is Python {found}; the course needs one of {names}")
        return requested
    candidates = []
    for major, minor in SUPPORTED:
        candidates.append(shutil.which(f"python{major}.{minor}"))
        if os.name == "nt" and shutil.which("py"):  # the Windows launcher: py -3.12
            candidates.append(f"py -{major}.{minor}")
    candidates.append(sys.executable)
    for candidate in filter(None, candidates):
        if candidate.startswith("py -"):
            probe = subprocess.run(
                [*candidate.split(), "-c", "import sys; print(sys.executable)"],
                capture_output=True,
                text=True,
            )
            if probe.returncode != 0:
                continue
            candidate = probe.stdout.strip()
        if version_of(candidate) in SUPPORTED:
            return candidate
    raise SystemExit(
        f"no Python {names} found. Install one (python.org, your package manager, or "
        "Homebrew), or name it: python course.py lab --python /path/to/python3.12"
    )


def reachable(url: str, seconds: float = INDEX_PROBE_SECONDS) -> bool:
    """True when a TCP connection to ``url``'s host on port 443 opens within ``seconds``."""
    host = url.split("://", 1)[-1].split("/", 1)[0]
    try:
        with socket.create_connection((host, 443), timeout=seconds):
            return True
    except OSError:
        return False


def torch_install(index: str | None) -> list[str]:
    """The pip arguments that install the pinned torch from the chosen index."""
    choice = (
        index
        or os.environ.get("NNLAB_TORCH_INDEX")
        or ("cpu" if sys.platform.startswith("linux") else "default")
    )
    if choice == "default":
        return ["install", "--quiet", TORCH]
    url = CPU_INDEX if choice == "cpu" else choice
    if not DRY_RUN and not reachable(url):
        say(f"{url} cannot be reached: installing {TORCH} from the default index instead")
        return ["install", "--quiet", TORCH]
    # The CPU-only index serves torch; everything else torch needs still comes from PyPI.
    return [
        "install",
        "--quiet",
        "--index-url",
        url,
        "--extra-index-url",
        "https://pypi.org/simple",
        TORCH,
    ]


# ----------------------------------------------------------------------------- steps


def setup(python: str | None = None, index: str | None = None) -> Path:
    """Create .venv when missing; install torch and nnlab when pyproject.toml changed."""
    py = venv_python()
    if py.exists() and not DRY_RUN and version_of(str(py)) not in SUPPORTED:
        raise SystemExit(f"{VENV} was made with an unsupported Python: delete it and run again")
    if not py.exists():
        base = find_python(python)
        say(f"creating .venv with {base} (Python {'.'.join(map(str, version_of(base) or ()))})")
        if not DRY_RUN:
            if Path(base).resolve() == Path(sys.executable).resolve():
                venv.create(VENV, with_pip=True)
            else:
                must([base, "-m", "venv", str(VENV)])
    pyproject = ROOT / "pyproject.toml"
    if STAMP.exists() and STAMP.stat().st_mtime >= pyproject.stat().st_mtime:
        return py
    must([str(py), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    must([str(py), "-m", "pip", *torch_install(index)])
    must([str(py), "-m", "pip", "install", "--quiet", "-e", ".[dev]"])
    if not DRY_RUN:
        STAMP.touch()
    return py


def extra(py: Path, name: str) -> None:
    """Install nnlab's optional extra ``name`` (e.g. "site") when pyproject.toml changed."""
    stamp = VENV / f".nnlab-installed-{name}"
    pyproject = ROOT / "pyproject.toml"
    if stamp.exists() and stamp.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    must([str(py), "-m", "pip", "install", "--quiet", "-e", f".[dev,{name}]"])
    if not DRY_RUN:
        stamp.touch()


def lab(py: Path) -> int:
    flags = shlex.split(os.environ.get("LAB_FLAGS", ""))
    root_flag = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return run(
        [str(py), "-m", "jupyter", "lab", "00_introduction.ipynb", *root_flag, *flags],
        cwd=ROOT / "notebooks",
    )


SELECTED: list[str] = []  # notebooks named on the command line (default: all of them)


def notebooks() -> list[str]:
    """The notebooks to run: those named on the command line, else every numbered one."""
    if SELECTED:
        return SELECTED
    return [f"notebooks/{p.name}" for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]


def nbval(py: Path) -> list[str]:
    return [
        str(py),
        "-m",
        "pytest",
        "-p",
        "tools.nbtiming",
        "-p",
        "tools.nbguard",
        "--nbval-lax",
        "--nbval-current-env",
        "-o",
        "testpaths=",
    ]


def lint(py: Path) -> int:
    return run([str(py), "-m", "ruff", "check", *LINT_PATHS]) or run(
        [str(py), "-m", "ruff", "format", "--check", *LINT_PATHS]
    )


def unit(py: Path) -> int:
    return run([str(py), "-m", "pytest", "tests"], env=TEST_ENV)


def notebooks_test(py: Path) -> int:
    """Every notebook in a fresh kernel; with the default seed, outputs equal the stored ones."""
    return run([*nbval(py), *notebooks()], env=TEST_ENV)


def notebooks_seed(py: Path) -> int:
    """Every notebook once more under another seed: each claim must still hold."""
    seed = os.environ.get("OTHER_SEED", "1")
    return run([*nbval(py), *notebooks()], env={"NNLAB_SEED": seed, **TEST_ENV})


def student_check(py: Path) -> int:
    """Student versions run past their unfinished exercises; each check fails with a hint."""
    built = [f"build/student/{Path(p).name}" for p in notebooks()]
    return run([str(py), "tools/student.py", "build", *notebooks()]) or run(
        [str(py), "tools/student.py", "verify", *built], env=TEST_ENV
    )


def site(py: Path) -> int:
    """Build the course website into build/site/ from the stored notebooks (no execution)."""
    extra(py, "site")
    return run([str(py), "-m", "tools.site", "build"])


def test(py: Path) -> int:
    """What CI runs: lint, unit tests (the website's build and link check among them), every
    notebook twice (two seeds), student versions."""
    extra(py, "site")
    for step in (lint, unit, notebooks_test, notebooks_seed, student_check):
        status = step(py)
        if status != 0:
            say(f"{step.__name__} failed (exit status {status})")
            return status
    say("dry run: the commands above were not run" if DRY_RUN else "all checks passed")
    return 0


STEPS = {
    "lint": lint,
    "unit": unit,
    "notebooks-test": notebooks_test,
    "notebooks-seed": notebooks_seed,
    "student-check": student_check,
    "test": test,
    "lab": lab,
    "site": site,
}


def main(argv: list[str]) -> int:
    global DRY_RUN  # noqa: PLW0603 (one switch for the whole script)
    args, python, index = [], os.environ.get("PYTHON") or None, None
    words = iter(argv)
    for word in words:
        if word == "--python":
            python = next(words, None)
        elif word == "--torch-index":
            index = next(words, None)
        elif word == "--dry-run":
            DRY_RUN = True
        elif word in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            args.append(word)
    if not args or args[0] not in {*STEPS, "setup"}:
        print(__doc__)
        return 2
    SELECTED.extend(args[1:])
    py = setup(python, index)
    return 0 if args[0] == "setup" else STEPS[args[0]](py)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
