"""A pytest plugin for the notebook runs: same outputs as stored, bounded memory, offline.

Loaded by ``make notebooks-test`` and ``make notebooks-seed`` with ``-p tools.nbguard``,
next to ``tools.nbtiming``. For every notebook nbval runs:

- **Same outputs as stored.** The stored notebook is a run made by ``make notebooks`` with
  the default seed; nbval's run is a second one. With the default seed (``NNLAB_SEED``
  unset or 0), every cell's text outputs must equal the stored ones after ``sanitise``
  (memory addresses, widget placeholders): so each ``make test`` runs every notebook twice
  with the same seed and compares, at no extra cost. A difference fails that cell and
  shows it. Under another seed the outputs differ by design and only the asserts count.
  The comparison needs the machine the outputs were stored on: float results differ in
  their last bits between CPU instruction sets and thread counts, and a large-step SGD run
  amplifies that into other printed numbers. ``make notebooks`` records the machine's
  fingerprint in the notebook (``nbtools.fingerprint``); on a machine whose fingerprint
  differs (a learner's laptop) the outputs are not compared, the claims still are, and the
  summary says so. A notebook without a recorded fingerprint is always compared.
- **Peak memory.** After each cell, the kernel's peak resident set size (``VmHWM`` in
  ``/proc/<pid>/status``, Linux); a notebook whose kernel peaked above
  ``nbtiming.MEMORY_BUDGET_MB`` fails the session.
- **Offline.** Each kernel starts with ``IPYTHONDIR`` set to a temporary folder whose
  start-up file runs ``tools/safety.py``'s ``block_network()``: a cell that opens a
  connection to another machine fails with ``NetworkAccessError``. (The kernel's history
  database and connection file go to the same temporary folder, not to the home folder.)
  With ``NNLAB_FIGURE_AUDIT=1`` a second start-up file turns on ``tools/figure_audit.py``.
- **No stray files.** The files under pytest's root folder, the repository (outside
  build/, .git, .venv and caches), must be the same after the session as before; anything
  created, changed or deleted fails the session.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from IPython.core.displayhook import DisplayHook

from tools import figure_audit, nbtiming, nbtools, safety
from tools.nbtools import WIDGET_PLACEHOLDER, WIDGET_VIEW

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
TEXT_TYPES = ("text/plain", "text/markdown", "text/html", "text/latex", "application/json")
STARTUP = """\
def _nnlab_offline():
    import importlib.util

    spec = importlib.util.spec_from_file_location("nnlab_safety", {path!r})
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.block_network()


_nnlab_offline()
del _nnlab_offline
"""


# ----------------------------------------------------------------------------- outputs


def sanitise(text: str) -> str:
    """``text`` with memory addresses (``0x7f3a...``) replaced by ``0x…``."""
    return ADDRESS.sub("0x…", text)


def text_outputs(outputs: list, source: str = "") -> list[tuple[str, str]]:
    """Return the comparable text of a cell's outputs: ``[(kind, text), ...]``.

    Streams are joined per stream name (as Jupyter shows them); images are left out (only
    text is compared); a widget counts as ``WIDGET_PLACEHOLDER``. When a cell shows a
    widget, only the widget is compared: what its callback draws and prints goes to the
    widget's own output area in JupyterLab and ``make notebooks``, but reaches nbval, which
    has no frontend to capture it, as ordinary cell outputs. The value of a cell whose last
    line ends with ``;`` is left out: Jupyter hides it, but nbval runs cells without
    history, so the kernel cannot see the ``;`` (nbval issue #194).
    """
    shows_widget = any(_is_widget(o.get("data", {})) for o in outputs)
    quiet = bool(source) and DisplayHook.semicolon_at_end_of_expression(source)
    streams: dict[str, int] = {}
    out: list[tuple[str, str]] = []
    for o in outputs:
        kind = o.get("output_type")
        data = o.get("data", {})
        if shows_widget and not _is_widget(data):
            continue
        if kind == "stream":
            name = o.get("name", "stdout")
            if name in streams:
                index = streams[name]
                out[index] = (out[index][0], out[index][1] + sanitise(_text(o.get("text", ""))))
            else:
                streams[name] = len(out)
                out.append((name, sanitise(_text(o.get("text", "")))))
        elif kind == "error":
            out.append(("error", sanitise(f"{o.get('ename')}: {o.get('evalue')}")))
        elif kind in ("execute_result", "display_data"):
            if kind == "execute_result" and quiet:
                continue
            if _is_widget(data):
                out.append(("widget", WIDGET_PLACEHOLDER))
                continue
            for mime in TEXT_TYPES:
                if mime in data:
                    out.append((mime, sanitise(_text(data[mime]))))
    return out


def _is_widget(data: dict) -> bool:
    """A widget's view, live (nbval) or as the placeholder ``make notebooks`` stores."""
    return WIDGET_VIEW in data or data.get("text/plain") == WIDGET_PLACEHOLDER


def _text(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def difference(stored: list[tuple[str, str]], got: list[tuple[str, str]]) -> str | None:
    """Return a short description of how ``got`` differs from ``stored``, or None."""
    if stored == got:
        return None
    lines = [f"{len(stored)} stored output(s), {len(got)} in this run"]
    for i in range(max(len(stored), len(got))):
        a = stored[i] if i < len(stored) else ("(none)", "")
        b = got[i] if i < len(got) else ("(none)", "")
        if a != b:
            lines.append(f"output {i + 1}: stored {a[0]}: {a[1][:400]!r}")
            lines.append(f"{' ' * len(f'output {i + 1}: ')}run    {b[0]}: {b[1][:400]!r}")
    return "\n".join(lines)


def default_seed() -> bool:
    """True when this run uses the seed the stored outputs were made with."""
    return os.environ.get("NNLAB_SEED", "").strip() in ("", "0")


# ----------------------------------------------------------------------------- memory


def kernel_pid(item: pytest.Item) -> int | None:
    """The process id of the kernel nbval runs ``item`` in, or None if it cannot be found."""
    km = getattr(getattr(item.parent, "kernel", None), "km", None)
    provisioner = getattr(km, "provisioner", None)
    for owner in (provisioner, getattr(provisioner, "process", None)):
        pid = getattr(owner, "pid", None)
        if isinstance(pid, int):
            return pid
    return None


def peak_mb(pid: int) -> float | None:
    """Peak resident set size (MB) of process ``pid`` so far, from /proc; None off Linux."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+)\s+kB", status, re.M)
    return int(match.group(1)) / 1024 if match else None


# ----------------------------------------------------------------------------- the plugin


class NotebookGuard:
    """Collects per-notebook results during the session; see the module docstring."""

    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        self.compare = default_seed()
        self.here: dict[str, object] | None = None  # this machine's fingerprint, when needed
        self.other_machine: dict[str, str] = {}  # notebook -> where its outputs come from
        self.checked_machine: set[str] = set()
        self.peaks: dict[str, float] = {}
        self.unmeasured: set[str] = set()
        self.mismatched: set[str] = set()
        self.before = safety.snapshot(root)
        self.ipython_dir = Path(tempfile.mkdtemp(prefix="nnlab-ipython-"))
        startup = self.ipython_dir / "profile_default" / "startup"
        startup.mkdir(parents=True)
        path = str(Path(safety.__file__).resolve())
        (startup / "00-nnlab-offline.py").write_text(STARTUP.format(path=path))
        figure_audit.write_startup(startup)  # NNLAB_FIGURE_AUDIT=1: kernels audit figures
        env = {"IPYTHONDIR": self.ipython_dir, "JUPYTER_RUNTIME_DIR": self.ipython_dir / "runtime"}
        self.saved_env = {name: os.environ.get(name) for name in env}
        os.environ.update({name: str(value) for name, value in env.items()})

    def close(self) -> None:
        for name, value in self.saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(self.ipython_dir, ignore_errors=True)

    def over_budget(self) -> list[str]:
        return [p for p, mb in self.peaks.items() if mb > nbtiming.MEMORY_BUDGET_MB]

    def stray_files(self) -> list[str]:
        return safety.changed(self.before, safety.snapshot(self.root))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        if call.when != "call" or not hasattr(item, "test_outputs"):
            return
        path = item.nodeid.split("::", 1)[0]
        pid = kernel_pid(item)
        mb = None if pid is None else peak_mb(pid)
        if mb is None:
            self.unmeasured.add(path)
        else:
            self.peaks[path] = max(self.peaks.get(path, 0.0), mb)
        report = outcome.get_result()
        stored_cell = item.cell
        if not self.compare or report.outcome != "passed" or stored_cell.execution_count is None:
            return
        if not self.same_machine(path):
            return
        source = stored_cell.source
        diff = difference(
            text_outputs(stored_cell.outputs, source), text_outputs(item.test_outputs or [], source)
        )
        if diff is not None:
            self.mismatched.add(path)
            report.outcome = "failed"
            report.longrepr = (
                f"Cell {item.cell_num}: its text outputs differ from the stored ones (same "
                f"seed):\n{diff}\n\nEither the notebook is not deterministic (print rounded "
                "values; seed every random draw with nnlab.seed()/nnlab.generator()), or its "
                "stored outputs are stale: re-run `make notebooks NOTEBOOKS=" + path + "`.\n"
                f"--- cell source ---\n{source[:600]}"
            )

    def same_machine(self, path: str) -> bool:
        """True unless ``path``'s outputs were stored on a machine with another fingerprint."""
        if path not in self.checked_machine:
            self.checked_machine.add(path)
            try:
                stored = json.loads((self.root / path).read_text())["metadata"]
            except (OSError, ValueError, KeyError):
                return True
            origin = stored.get("nnlab", {}).get("outputs_from")
            if origin:
                if self.here is None:
                    self.here = nbtools.fingerprint()
                if origin != self.here:
                    self.other_machine[path] = f"stored on {origin}, this machine is {self.here}"
        return path not in self.other_machine

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.stray = self.stray_files()
        if (self.over_budget() or self.stray) and exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:  # noqa: ANN001
        if not self.peaks and not self.unmeasured:
            return
        write = terminalreporter.write_line
        terminalreporter.section("notebook kernels: peak memory, outputs, files")
        budget = nbtiming.MEMORY_BUDGET_MB
        for path, mb in sorted(self.peaks.items()):
            flag = "  OVER budget: release big tensors (del)" if mb > budget else ""
            write(f"{mb:7.0f} MB  {path}  (budget {budget:.0f} MB){flag}")
        for path in sorted(self.unmeasured - set(self.peaks)):
            write(f"   (peak memory not measured: no /proc here)  {path}")
        if self.compare:
            verdict = "match"
            if self.mismatched:
                verdict = "differ in " + ", ".join(sorted(self.mismatched))
            write(f"outputs compared with the stored ones (same seed): they {verdict}")
            for path, where in sorted(self.other_machine.items()):
                write(f"outputs of {path} not compared (claims were): {where}")
        else:
            seed = os.environ.get("NNLAB_SEED")
            write(f"NNLAB_SEED={seed}: outputs not compared (stored ones use the default seed)")
        for line in self.stray:
            write(f"STRAY FILE: {line} (a run may write only to build/ or a temp folder)")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(NotebookGuard(config.rootpath), "nnlab-notebook-guard")


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.pluginmanager.get_plugin("nnlab-notebook-guard")
    if guard is not None:
        guard.close()
        config.pluginmanager.unregister(guard)
