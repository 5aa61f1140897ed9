"""A Colab-like check, offline: nnlab from its wheel, ipywidgets 7, notebooks outside the repo.

    python -m tools.colab_check [--python python3.11] [--ipywidgets 7.7.1] [notebooks ...]

1. builds nnlab's wheel from this tree (no editable install; nothing of the repository is
   importable afterwards but through the wheel);
2. makes a fresh virtual environment in a temporary folder and installs into it
   ``torch==2.13.0``, the wheel, ``ipywidgets==<--ipywidgets>`` (Colab ships 7.7.1) and the
   test tools (pytest, nbval, ipykernel);
3. copies the notebooks to another temporary folder outside the repository and runs each
   under nbval in that environment's kernel, in fast mode: every cell must run and every
   claim hold. (The stored-output comparison of ``make test`` is not part of it: Colab's
   library versions print slightly different numbers.)

Prints each step, the wheel's size and nbval's summary; exit status is nbval's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_TOOLS = ["pytest>=8.0", "nbval>=0.11", "ipykernel>=6.25", "nbformat>=5.9"]


def run(command: list[str], **kwargs) -> None:
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--python", default=sys.executable, help="the Python for the new venv")
    parser.add_argument("--ipywidgets", default="7.7.1")
    parser.add_argument("--torch", default="2.13.0")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

    with tempfile.TemporaryDirectory(prefix="nnlab-colab-") as tmp:
        tmp = Path(tmp)
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--quiet",
                "--wheel-dir",
                str(tmp / "dist"),
                str(ROOT),
            ]
        )
        (wheel,) = (tmp / "dist").glob("nnlab-*.whl")
        print(f"wheel: {wheel.name}, {wheel.stat().st_size / 1024:.0f} KiB", flush=True)

        env_dir = tmp / "venv"
        if Path(args.python).resolve() == Path(sys.executable).resolve():
            venv.create(env_dir, with_pip=True)
        else:
            run([args.python, "-m", "venv", str(env_dir)])
        python = str(env_dir / ("Scripts" if os.name == "nt" else "bin") / "python")
        run([python, "-m", "pip", "install", "--quiet", f"torch=={args.torch}"])
        run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--quiet",
                str(wheel),
                f"ipywidgets=={args.ipywidgets}",
                *TEST_TOOLS,
            ]
        )
        where = subprocess.run(
            [
                python,
                "-c",
                "import ipywidgets, nnlab, torch; print(nnlab.__file__); "
                "print('ipywidgets', ipywidgets.__version__, '| nnlab', nnlab.__version__, "
                "'| torch', torch.__version__)",
            ],
            cwd=tmp,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
        print(f"nnlab imported from {where[0]}\n{where[1]}", flush=True)
        if Path(where[0]).resolve().is_relative_to(ROOT):
            raise SystemExit("nnlab was imported from the repository, not from the wheel")

        work = tmp / "course"
        (work / "notebooks").mkdir(parents=True)
        for path in notebooks:
            shutil.copy(path, work / "notebooks" / path.name)
        env = dict(
            os.environ,
            NNLAB_MODE="fast",
            NNLAB_PROGRESS="0",
            OMP_WAIT_POLICY="PASSIVE",
            IPYTHONDIR=str(tmp / "ipython"),
            JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        )
        env.pop("NNLAB_SEED", None)
        env.pop("PYTHONPATH", None)
        command = [
            python,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "testpaths=",
            "--rootdir",
            str(work),
            *[f"notebooks/{p.name}" for p in notebooks],
        ]
        print("$", " ".join(command), flush=True)
        return subprocess.run(command, cwd=work, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
