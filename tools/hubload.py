"""Load-test the course on a real, local JupyterHub, and turn the measurements into sizing.

``python -m tools.hubload run --students 1 2 4 8`` starts JupyterHub (the ``jupyterhub``
package of the ``hub`` extra, ``configurable-http-proxy`` from npm, the dummy authenticator
and the simple local-process spawner, everything on 127.0.0.1) once per N, and simulates N
students at once. Each student gets a single-user server through the hub's REST API, opens a
notebook of the course through the hub's proxy (contents and sessions API), and runs its code
cells top to bottom on a kernel of that server over the kernel's websocket. After every code
cell the student also runs a short cell (``1 + 1``) and times it: the latency a student sees
while everyone else is computing. Measured per student: the kernel's peak resident memory and
CPU seconds (the kernel reports its own ``getrusage``), the single-user server's peak memory,
the notebook's wall time (kernel start to last cell) and failures; per run: the hub's and the
proxy's peak memory, the p50/p95 of the short cell, the load average (``/proc/loadavg``)
before and after. Results go to a JSON file (``benchmarks/hub_load.json``).

The other commands work offline, from that file:

- ``python -m tools.hubload report [--class-size 100 --node-cores 8 --node-gb 32]``: the table
  and the sizing rule for a teacher (``sizing``);
- ``python -m tools.hubload guide``: writes both into ``docs/instructor_guide.md``, between
  the ``hub-load`` markers;
- ``python -m tools.hubload links https://hub.example.edu [--branch main]``: the nbgitpuller
  link of every notebook (``make hub-links``).

Everything that decides a number (percentiles, process classification, the sizing rule, the
hub's configuration text) is a plain function with unit tests (``tests/test_hubload.py``,
offline, no JupyterHub needed). Only ``run`` needs the ``hub`` extra and the proxy.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "hub_load.json"
DEFAULT_WORKDIR = ROOT / "build" / "hubload"
DEFAULT_CHP = ROOT / "build" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
SHORT_CELL = "1 + 1"
ACCEPTABLE_P95_S = 2.0
MB = 1024 * 1024


# ---------------------------------------------------------------- pure helpers (unit-tested)


def percentile(values: list[float], q: float) -> float:
    """Return the ``q``-th percentile (0..100) of ``values``, linear between order statistics
    (numpy's default method), so that no numpy import is needed in the hub's process."""
    if not isinstance(values, list | tuple) or not values:
        raise ValueError(f"values must be a non-empty list of numbers; got {values!r}")
    if not isinstance(q, int | float) or not 0 <= q <= 100:
        raise ValueError(f"q must be a number in [0, 100]; got {q!r}")
    ordered = sorted(float(v) for v in values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def classify(cmdline: list[str]) -> str | None:
    """Return which part of the hub a process is, from its command line: ``"hub"``,
    ``"proxy"``, ``"server"`` (a student's single-user server), ``"kernel"`` or None."""
    text = " ".join(cmdline)
    if "ipykernel" in text:
        return "kernel"
    if "jupyterhub.singleuser" in text or "jupyterhub-singleuser" in text:
        return "server"
    if "configurable-http-proxy" in text:
        return "proxy"
    if "jupyterhub" in text and ("-f" in cmdline or "--config" in text):
        return "hub"
    return None


def owner(cwd: str, homes: str) -> str | None:
    """Return the student a process belongs to from its working directory, which is inside
    ``homes/<student>`` for servers and kernels; None outside ``homes``."""
    prefix = homes.rstrip("/") + "/"
    if not cwd.startswith(prefix):
        return None
    return cwd[len(prefix) :].split("/", 1)[0] or None


def log_errors(text: str, limit: int = 5) -> list[str]:
    """Return the distinct exception lines (``SomeError: message``) of a hub's log, in order,
    at most ``limit``: what went wrong for a failed student, from the servers' own output."""
    seen: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        head = line.split(":", 1)[0]
        name = head.rsplit(".", 1)[-1]
        if ":" in line and head.replace(".", "").isidentifier() and name.endswith("Error"):
            if name == "Error":  # a bare "Error: ..." (the proxy's) names no exception
                continue
            if line not in seen:
                seen.append(line)
    return seen[:limit]


def loadavg(text: str | None = None) -> tuple[float, float, float]:
    """Return the 1, 5 and 15-minute load averages from ``/proc/loadavg`` (or ``text``)."""
    if text is None:
        text = Path("/proc/loadavg").read_text()
    parts = text.split()
    if len(parts) < 3:
        raise ValueError(f"not a /proc/loadavg line: {text!r}")
    return float(parts[0]), float(parts[1]), float(parts[2])


def hub_config(
    *,
    workdir: Path,
    port: int,
    hub_port: int,
    proxy_api_port: int,
    chp: Path,
    python: str,
    token: str,
    environment: dict[str, str],
    allow_root: bool = False,
) -> str:
    """Return the text of a ``jupyterhub_config.py`` for the load test: loopback only, the
    dummy authenticator (any name, no password), the simple local-process spawner with each
    student's home in ``workdir/homes/<name>``, and a ``loadtest`` service whose token may
    create users, start their servers and use them."""
    for name, value in {
        "port": port,
        "hub_port": hub_port,
        "proxy_api_port": proxy_api_port,
    }.items():
        if not isinstance(value, int) or not 1024 <= value <= 65535:
            raise ValueError(f"{name} must be a port number in 1024..65535; got {value!r}")
    if len({port, hub_port, proxy_api_port}) != 3:
        raise ValueError(f"the three ports must differ; got {port}, {hub_port}, {proxy_api_port}")
    if not token.isalnum() or len(token) < 16:
        raise ValueError("token must be at least 16 letters or digits")
    homes = Path(workdir) / "homes"
    lines = [
        "# Written by tools/hubload.py for the local load test; loopback only.",
        "c = get_config()  # noqa: F821",
        "c.JupyterHub.ip = '127.0.0.1'",
        f"c.JupyterHub.port = {port}",
        "c.JupyterHub.hub_ip = '127.0.0.1'",
        f"c.JupyterHub.hub_port = {hub_port}",
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{proxy_api_port}'",
        f"c.ConfigurableHTTPProxy.command = [{str(chp)!r}]",
        f"c.JupyterHub.db_url = {'sqlite:///' + str(Path(workdir) / 'jupyterhub.sqlite')!r}",
        f"c.JupyterHub.cookie_secret_file = {str(Path(workdir) / 'cookie_secret')!r}",
        f"c.JupyterHub.pid_file = {str(Path(workdir) / 'jupyterhub.pid')!r}",
        "c.JupyterHub.cleanup_servers = True",
        "c.JupyterHub.authenticator_class = 'dummy'",
        "c.Authenticator.allow_all = True",
        "c.JupyterHub.spawner_class = 'simple'",
        f"c.SimpleLocalProcessSpawner.home_dir_template = {str(homes) + '/{username}'!r}",
        f"c.Spawner.cmd = [{python!r}, '-m', 'jupyterhub.singleuser']",
        f"c.Spawner.environment = {environment!r}",
        f"c.Spawner.args = {['--allow-root'] if allow_root else []!r}",
        "c.Spawner.start_timeout = 300",
        "c.Spawner.http_timeout = 300",
        f"c.JupyterHub.services = [{{'name': 'loadtest', 'api_token': {token!r}}}]",
        "c.JupyterHub.load_roles = [{'name': 'loadtest', 'services': ['loadtest'], 'scopes': "
        "['admin:users', 'admin:servers', 'access:servers', 'read:users']}]",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Student:
    """One simulated student's measurements (memory in MB, times in seconds)."""

    name: str
    notebook: str
    spawn_s: float = float("nan")
    wall_s: float = float("nan")
    kernel_peak_mb: float = float("nan")
    kernel_cpu_s: float = float("nan")
    server_peak_mb: float = float("nan")
    cells: int = 0
    short_cell_s: list[float] = field(default_factory=list)
    error: str = ""


def summarize(
    n: int, notebook: str, students: list[dict], hub: dict, load_before, load_after
) -> dict:
    """Return one row of the table from a run with ``n`` students on ``notebook``: the worst
    kernel and server peak, the slowest notebook, the short cell's p50/p95 over every
    student, failures, the hub's memory and the load average before and after."""
    if not isinstance(n, int) or n < 1 or len(students) != n:
        raise ValueError(f"need n >= 1 and one record per student; got n={n!r}, {len(students)}")
    ok = [s for s in students if not s["error"]]
    short = [t for s in students for t in s["short_cell_s"]]

    def worst(key: str) -> float:
        vals = [s[key] for s in ok if not math.isnan(s[key])]
        return max(vals) if vals else float("nan")

    return {
        "notebook": notebook,
        "students": n,
        "failures": n - len(ok),
        "kernel_peak_mb": worst("kernel_peak_mb"),
        "server_peak_mb": worst("server_peak_mb"),
        "kernel_cpu_s": worst("kernel_cpu_s"),
        "wall_s_max": worst("wall_s"),
        "wall_s_mean": sum(s["wall_s"] for s in ok) / len(ok) if ok else float("nan"),
        "spawn_s_max": worst("spawn_s"),
        "short_p50_s": percentile(short, 50) if short else float("nan"),
        "short_p95_s": percentile(short, 95) if short else float("nan"),
        "short_cells": len(short),
        "hub_peak_mb": hub.get("hub_peak_mb", float("nan")),
        "proxy_peak_mb": hub.get("proxy_peak_mb", float("nan")),
        "total_rss_peak_mb": hub.get("total_rss_peak_mb", float("nan")),
        "total_pss_peak_mb": hub.get("total_pss_peak_mb", float("nan")),
        "load_before": list(load_before),
        "load_after": list(load_after),
    }


@dataclass(frozen=True)
class Node:
    """A machine to size for: cores and GB of RAM (a Kubernetes node or a TLJH server)."""

    cores: int = 8
    ram_gb: int = 32


def sizing(
    rows: list[dict],
    cores: float,
    budgets: dict[str, float],
    *,
    class_size: int = 100,
    active: tuple[float, float] = (0.4, 0.6),
    p95_limit_s: float = ACCEPTABLE_P95_S,
    memory_margin: float = 1.25,
    node: Node = Node(),
) -> dict:
    """Return the sizing rule for a teacher from the load test's rows (``summarize``),
    measured on a machine with ``cores`` cores.

    Memory (per student, held from the first cell until the idle culler stops the server,
    whether or not the student is computing):

    - ``per_user_peak_mb`` = the worst kernel peak + server peak (resident set size) over all
      rows; the per-user memory *limit* is that times ``memory_margin``. On Kubernetes each
      student's pod must fit its own resident set: RAM = class × limit + hub.
    - ``shared_mb_per_user``: on one server (TLJH) the kernels share the pages of the same
      libraries, so a student costs less than their RSS: what one more student adds to the
      whole hub's PSS, (PSS at N - PSS at 1) / (N - 1) for the same notebook, the largest
      over N > 1 (the hub's own part cancels). RAM = class × that × margin + hub.

    CPU (per student *running a notebook at the same time*), the smaller of:

    - ``per_core_latency``: the largest N with no failure and a short cell's p95 under
      ``p95_limit_s``, divided by ``cores`` (a lower bound when it is the largest N tested);
    - ``per_core_budget``: the course's own promise, a notebook finishes within its fast-mode
      budget (``budgets[notebook]`` seconds): budget / kernel CPU seconds, the worst over rows.

    Cores for the class: ``class_size`` × each ``active`` fraction / students per core; nodes
    of size ``node``: enough for both the RAM and the cores.
    """
    if not isinstance(rows, list) or not rows:
        raise ValueError("rows must be a non-empty list of measured runs (summarize)")
    if not isinstance(cores, int | float) or cores <= 0:
        raise ValueError(f"cores must be a positive number; got {cores!r}")
    missing = sorted({r["notebook"] for r in rows} - set(budgets))
    if missing:
        raise ValueError(f"budgets has no time budget for {missing}")
    if not isinstance(class_size, int) or class_size < 1:
        raise ValueError(f"class_size must be a positive integer; got {class_size!r}")
    lo, hi = active
    if not 0 < lo <= hi <= 1:
        raise ValueError(f"active must be two fractions 0 < low <= high <= 1; got {active!r}")
    if memory_margin < 1:
        raise ValueError(f"memory_margin must be at least 1; got {memory_margin!r}")
    done = [r for r in rows if not math.isnan(r["kernel_peak_mb"])]
    if not done:
        raise ValueError("no row has a measured kernel: every student failed")
    heavy = max(done, key=lambda r: r["kernel_peak_mb"] + r["server_peak_mb"])
    per_user = heavy["kernel_peak_mb"] + heavy["server_peak_mb"]
    hub_mb = max(r["hub_peak_mb"] + r["proxy_peak_mb"] for r in done)
    single_pss = {
        r["notebook"]: r["total_pss_peak_mb"]
        for r in done
        if r["students"] == 1 and not math.isnan(r["total_pss_peak_mb"])
    }
    shared = [
        (r["total_pss_peak_mb"] - single_pss[r["notebook"]]) / (r["students"] - 1)
        for r in done
        if r["students"] > 1
        and r["notebook"] in single_pss
        and not math.isnan(r["total_pss_peak_mb"])
    ]
    good = [r["students"] for r in rows if r["failures"] == 0 and r["short_p95_s"] < p95_limit_s]
    per_core_latency = (max(good) if good else 0) / cores
    cpu_row = max(done, key=lambda r: r["kernel_cpu_s"] / budgets[r["notebook"]])
    per_core_budget = budgets[cpu_row["notebook"]] / cpu_row["kernel_cpu_s"]
    per_core = min(per_core_latency, per_core_budget)
    limit_mb = per_user * memory_margin
    ram_k8s = (class_size * limit_mb + hub_mb) / 1024
    ram_tljh = (class_size * max(shared) * memory_margin + hub_mb) / 1024 if shared else None
    cores_for = {
        round(f * 100): math.ceil(class_size * f / per_core) if per_core else None for f in (lo, hi)
    }
    worst_cores = max(c for c in cores_for.values() if c) if per_core else None
    nodes = (
        max(math.ceil(ram_k8s / node.ram_gb), math.ceil(worst_cores / node.cores))
        if worst_cores
        else None
    )
    return {
        "heaviest_notebook": heavy["notebook"],
        "per_user_peak_mb": round(per_user),
        "memory_limit_mb": round(limit_mb),
        "shared_mb_per_user": round(max(shared)) if shared else None,
        "hub_mb": round(hub_mb),
        "students_per_gb": 1024 / limit_mb,
        "per_core_latency": per_core_latency,
        "per_core_budget": per_core_budget,
        "cpu_notebook": cpu_row["notebook"],
        "cpu_s": cpu_row["kernel_cpu_s"],
        "students_per_core": per_core,
        "class_size": class_size,
        "ram_gb_k8s": math.ceil(ram_k8s),
        "ram_gb_tljh": math.ceil(ram_tljh) if ram_tljh else None,
        "cores_for_active": cores_for,
        "nodes": nodes,
        "node": asdict(node),
        "p95_limit_s": p95_limit_s,
        "cores_measured": cores,
    }


def _fmt(x: float, digits: int = 0) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def format_table(rows: list[dict]) -> str:
    """Return the Markdown table of the load test's rows."""
    lines = [
        "| notebook | N | failures | kernel peak MB | server MB | kernel CPU s | "
        "server start s (max) | notebook wall s (mean / max) | short cell p50 / p95 s | "
        "hub + proxy MB | all processes RSS / PSS MB | load before → after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['notebook'].removesuffix('.ipynb')} | {r['students']} | {r['failures']} | "
            f"{_fmt(r['kernel_peak_mb'])} | {_fmt(r['server_peak_mb'])} | "
            f"{_fmt(r['kernel_cpu_s'], 1)} | {_fmt(r['spawn_s_max'])} | "
            f"{_fmt(r['wall_s_mean'], 1)} / {_fmt(r['wall_s_max'], 1)} | "
            f"{_fmt(r['short_p50_s'], 2)} / {_fmt(r['short_p95_s'], 2)} | "
            f"{_fmt(r['hub_peak_mb'])} + {_fmt(r['proxy_peak_mb'])} | "
            f"{_fmt(r['total_rss_peak_mb'])} / {_fmt(r['total_pss_peak_mb'])} | "
            f"{r['load_before'][0]:.1f} → {r['load_after'][0]:.1f} |"
        )
    return "\n".join(lines)


def format_sizing(s: dict) -> str:
    """Return the sizing rule (``sizing``) in words, for the terminal and the guide."""
    act = ", ".join(f"{v} cores with {k} % active" for k, v in s["cores_for_active"].items())
    tljh = (
        f"; on one server (TLJH) the kernels share library pages: {s['shared_mb_per_user']} MB "
        f"per student (PSS), {s['ram_gb_tljh']} GB for {s['class_size']}"
        if s["ram_gb_tljh"]
        else ""
    )
    return "\n".join(
        [
            f"Memory: {s['per_user_peak_mb']} MB per student at the peak of "
            f"{s['heaviest_notebook']} (kernel + server, RSS); limit with margin "
            f"{s['memory_limit_mb']} MB, {s['students_per_gb']:.1f} students per GB; "
            f"hub + proxy {s['hub_mb']} MB.",
            f"CPU: {s['students_per_core']:.1f} students running a notebook at once per core "
            f"(short-cell p95 under {s['p95_limit_s']:.0f} s: {s['per_core_latency']:.1f} per "
            f"core, measured on {s['cores_measured']} cores; the course's time budget: "
            f"{s['per_core_budget']:.1f} per core, {s['cpu_notebook']} needs "
            f"{s['cpu_s']:.1f} CPU s).",
            f"A class of {s['class_size']}: {s['ram_gb_k8s']} GB of RAM on Kubernetes if every "
            f"student holds a kernel{tljh}; {act}; that is {s['nodes']} nodes of "
            f"{s['node']['cores']} cores and {s['node']['ram_gb']} GB.",
        ]
    )


def hub_links(hub_url: str, branch: str = "main") -> dict[str, str]:
    """Return ``{notebook path: nbgitpuller link}`` for every notebook of the course
    (``notebooks/NN_*.ipynb``), each from ``nnlab.course.hub_link``."""
    from nnlab import course

    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    return {
        f"notebooks/{p.name}": course.hub_link(hub_url, f"notebooks/{p.name}", branch)
        for p in paths
    }


def format_links(links: dict[str, str]) -> str:
    """Return the links (``hub_links``) as a Markdown list, one per notebook."""
    return "\n".join(f"- `{Path(nb).stem}`: {url}" for nb, url in links.items())


GUIDE = ROOT / "docs" / "instructor_guide.md"
START, END = "<!-- hub-load:start -->", "<!-- hub-load:end -->"


def replace_block(text: str, block: str) -> str:
    """Return ``text`` with what lies between the markers ``START`` and ``END`` replaced by
    ``block`` (the markers stay), so ``guide`` can re-write the measured table in place."""
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise ValueError(f"the text must hold {START} once, then {END} once")
    head, rest = text.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{block.strip()}\n{END}{tail}"


# ---------------------------------------------------------------- the live load test


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Hub:
    """A JupyterHub process on 127.0.0.1 with the load test's configuration."""

    def __init__(self, workdir: Path, chp: Path, python: str, environment: dict[str, str]):
        self.workdir = Path(workdir)
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        (self.workdir / "homes").mkdir(parents=True)
        self.port = _free_port()
        self.token = secrets.token_hex(24)
        ports = {self.port}
        while len(ports) < 3:
            ports.add(_free_port())
        hub_port, api_port = sorted(ports - {self.port})
        config = hub_config(
            workdir=self.workdir,
            port=self.port,
            hub_port=hub_port,
            proxy_api_port=api_port,
            chp=chp,
            python=python,
            token=self.token,
            environment=environment,
            allow_root=os.geteuid() == 0,
        )
        (self.workdir / "jupyterhub_config.py").write_text(config)
        self.log = open(self.workdir / "hub.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [python, "-m", "jupyterhub", "-f", str(self.workdir / "jupyterhub_config.py")],
            cwd=self.workdir,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str, **kw):
        import requests

        r = requests.request(
            method,
            f"{self.url}/hub/api{path}",
            headers={"Authorization": f"token {self.token}"},
            timeout=60,
            **kw,
        )
        return r

    def wait_up(self, timeout: float = 120) -> None:
        import requests

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited; see {self.workdir / 'hub.log'}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"the hub did not answer in {timeout} s; see {self.workdir}/hub.log")

    def stop(self) -> None:
        """Stop the hub and everything it started (proxy, servers, kernels)."""
        import psutil

        try:
            tree = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for p in tree:  # only processes that this hub started
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        self.log.close()


class Sampler(threading.Thread):
    """Samples the resident memory of the hub's process tree every ``period`` seconds."""

    def __init__(self, hub_pid: int, homes: str, period: float = 0.5):
        super().__init__(daemon=True)
        self.hub_pid, self.homes, self.period = hub_pid, homes, period
        self.peak: dict[tuple[str, str], float] = {}
        self.total_peak = 0.0
        self.total_pss_peak = 0.0
        self.count = 0
        self.stop_event = threading.Event()

    def sample(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.hub_pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        total = total_pss = 0.0
        with_pss = self.count % 4 == 0  # PSS reads smaps: costly, so every 4th sample
        self.count += 1
        for p in procs:
            try:
                rss = p.memory_info().rss / MB
                if with_pss:
                    total_pss += p.memory_full_info().pss / MB
                kind = classify(p.cmdline()) if p.pid != self.hub_pid else "hub"
                who = owner(p.cwd(), self.homes) or "" if kind in ("server", "kernel") else ""
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            total += rss
            if kind:
                key = (kind, who)
                self.peak[key] = max(self.peak.get(key, 0.0), rss)
        self.total_peak = max(self.total_peak, total)
        self.total_pss_peak = max(self.total_pss_peak, total_pss)

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(self.period)


class Kernel:
    """A kernel's websocket through the hub's proxy; runs code and waits for the reply."""

    def __init__(self, url: str, token: str):
        import websocket

        self.ws = websocket.create_connection(
            url, header=[f"Authorization: token {token}"], timeout=600
        )
        self.session = uuid.uuid4().hex

    def execute(self, code: str, user_expressions: dict | None = None) -> dict:
        msg_id = uuid.uuid4().hex
        self.ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": "student",
                        "session": self.session,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": True,
                        "user_expressions": user_expressions or {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        while True:
            msg = json.loads(self.ws.recv())
            if (
                msg.get("channel") == "shell"
                and msg.get("msg_type") == "execute_reply"
                and msg.get("parent_header", {}).get("msg_id") == msg_id
            ):
                return msg["content"]

    def close(self) -> None:
        self.ws.close()


PEAK_EXPR = (
    "(lambda r: (r.ru_maxrss, r.ru_utime + r.ru_stime))"
    "(__import__('resource').getrusage(__import__('resource').RUSAGE_SELF))"
)


def run_student(hub: Hub, student: Student, notebook_rel: str, start: threading.Barrier) -> None:
    """Spawn the student's server, open the notebook, run it with a short cell after each
    code cell; fill in ``student``. Errors are recorded, not raised."""
    import requests

    headers = {"Authorization": f"token {hub.token}"}
    try:
        hub.api("POST", f"/users/{student.name}").raise_for_status()
        start.wait()
        t0 = time.monotonic()
        hub.api("POST", f"/users/{student.name}/server").raise_for_status()
        while True:
            info = hub.api("GET", f"/users/{student.name}").json()
            server = info.get("servers", {}).get("", {})
            if server.get("ready"):
                break
            if time.monotonic() - t0 > 300:
                raise TimeoutError("the server did not start in 300 s")
            time.sleep(0.5)
        student.spawn_s = time.monotonic() - t0
        base = f"{hub.url}/user/{student.name}"
        nb = requests.get(
            f"{base}/api/contents/{notebook_rel}",
            headers=headers,
            params={"content": 1},
            timeout=60,
        )
        nb.raise_for_status()
        cells = nb.json()["content"]["cells"]
        t1 = time.monotonic()
        sess = requests.post(
            f"{base}/api/sessions",
            headers=headers,
            json={"path": notebook_rel, "type": "notebook", "kernel": {"name": "python3"}},
            timeout=120,
        )
        sess.raise_for_status()
        kid = sess.json()["kernel"]["id"]
        ws_url = base.replace("http://", "ws://") + f"/api/kernels/{kid}/channels"
        kernel = Kernel(ws_url, hub.token)
        try:
            for cell in cells:
                if cell["cell_type"] != "code":
                    continue
                tags = cell.get("metadata", {}).get("tags", [])
                reply = kernel.execute(cell["source"])
                student.cells += 1
                if reply["status"] != "ok" and "raises-exception" not in tags:
                    raise RuntimeError(
                        f"cell {student.cells} failed: {reply.get('ename')}: {reply.get('evalue')}"
                    )
                ts = time.monotonic()
                kernel.execute(SHORT_CELL)
                student.short_cell_s.append(time.monotonic() - ts)
            student.wall_s = time.monotonic() - t1
            reply = kernel.execute("", user_expressions={"peak": PEAK_EXPR})
            text = reply["user_expressions"]["peak"]["data"]["text/plain"]
            kib, cpu = (float(x) for x in text.strip("()").split(","))
            student.kernel_peak_mb = kib / 1024
            student.kernel_cpu_s = cpu
        finally:
            kernel.close()
    except Exception as exc:  # recorded as a failure of this student
        student.error = f"{type(exc).__name__}: {exc}"[:300]


def run_once(
    n: int, notebook: Path, *, chp: Path, python: str, threads: int, workdir: Path
) -> dict:
    """Start a hub, run ``n`` students on ``notebook`` at once, stop the hub; return the
    ``summarize`` row plus each student's record."""
    environment = {
        "PYTHONPATH": str(ROOT),
        "NNLAB_MODE": "fast",
        "NNLAB_PROGRESS": "0",
        "OMP_WAIT_POLICY": "PASSIVE",
        "OMP_NUM_THREADS": str(threads),
    }
    load_before = loadavg()
    hub = Hub(workdir, chp, python, environment)
    sampler = None
    try:
        hub.wait_up()
        homes = str(hub.workdir / "homes")
        rel = f"nnlab/notebooks/{notebook.name}"
        students = [Student(f"student{i:02d}", notebook.name) for i in range(n)]
        for s in students:  # what nbgitpuller would have cloned: the course's notebooks
            shutil.copytree(ROOT / "notebooks", Path(homes) / s.name / "nnlab" / "notebooks")
        sampler = Sampler(hub.proc.pid, homes)
        sampler.start()
        barrier = threading.Barrier(n)
        workers = [
            threading.Thread(target=run_student, args=(hub, s, rel, barrier)) for s in students
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join(1800)
        sampler.sample()
    finally:
        if sampler is not None:
            sampler.stop_event.set()
            sampler.join(5)
        hub.stop()
    load_after = loadavg()
    for s in students:
        s.server_peak_mb = sampler.peak.get(("server", s.name), float("nan"))
    hub_mem = {
        "hub_peak_mb": sampler.peak.get(("hub", ""), float("nan")),
        "proxy_peak_mb": sampler.peak.get(("proxy", ""), float("nan")),
        "total_rss_peak_mb": sampler.total_peak,
        "total_pss_peak_mb": sampler.total_pss_peak,
    }
    records = [asdict(s) for s in students]
    log = Path(workdir) / "hub.log"
    errors = log_errors(log.read_text(errors="replace")) if log.exists() else []
    row = summarize(n, notebook.name, records, hub_mem, load_before, load_after)
    row["records"] = records
    row["log_errors"] = errors
    return row


def budgets() -> dict[str, float]:
    """Return each notebook's fast-mode time budget in seconds (tools/nbtiming.py)."""
    from tools.nbtiming import budget

    return {p.name: budget(str(p)) for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))}


def report(result: dict, class_size: int = 100, node: Node = Node()) -> str:
    """Return the table of every row in ``result`` and the sizing rule drawn from them for
    ``class_size`` students on nodes of size ``node``."""
    dates = sorted(r["date"] for r in result["rows"] if "date" in r)
    when = f"measured {dates[0]} to {dates[-1]}, " if dates else ""
    head = (
        f"{when}{result['cores']} cores, OMP_NUM_THREADS={result['threads']} per kernel, "
        f"Python {result['python']}, torch {result['torch']}, jupyterhub {result['jupyterhub']}"
    )
    text = head + "\n\n" + format_table(result["rows"])
    try:
        s = sizing(result["rows"], result["cores"], budgets(), class_size=class_size, node=node)
    except ValueError as exc:
        return text + f"\n\nNo sizing: {exc}"
    return text + "\n\n" + format_sizing(s)


def _run(args: argparse.Namespace) -> int:
    chp = Path(args.chp)
    if not chp.exists():
        print(
            f"configurable-http-proxy not found at {chp}: "
            "npm install --prefix build/chp configurable-http-proxy",
            file=sys.stderr,
        )
        return 2
    try:
        import jupyterhub
    except ImportError:
        print("jupyterhub is missing: pip install -e '.[hub]' (make hub-tools)", file=sys.stderr)
        return 2
    notebooks = []
    for name in args.notebooks:
        matches = sorted((ROOT / "notebooks").glob(f"{name}*.ipynb"))
        if len(matches) != 1:
            print(f"--notebooks {name!r} must name one notebook; found {matches}", file=sys.stderr)
            return 2
        notebooks.append(matches[0])
    import torch

    out = Path(args.out)
    result = {
        "cores": os.cpu_count(),
        "threads": args.threads,
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "jupyterhub": jupyterhub.__version__,
        "rows": [],
    }
    if args.append and out.exists():
        result["rows"] = json.loads(out.read_text())["rows"]
    for notebook in notebooks:
        for n in args.students:
            print(
                f"== {notebook.name}, {n} student(s), load average {loadavg()[0]:.2f}", flush=True
            )
            row = run_once(
                n,
                notebook,
                chp=chp,
                python=sys.executable,
                threads=args.threads,
                workdir=Path(args.workdir),
            )
            row["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
            for rec in row["records"]:
                if rec["error"]:
                    print(f"   {rec['name']}: {rec['error']}", flush=True)
            for line in row["log_errors"]:
                print(f"   in the hub's log: {line}", flush=True)
            result["rows"].append(row)
            print(format_table([row]).splitlines()[-1], flush=True)
            out.write_text(json.dumps(result, indent=1) + "\n")
            if row["failures"] == n or row["short_p95_s"] > args.stop_p95:
                print(
                    f"stopping {notebook.name} at N = {n}: every student failed or p95 > "
                    f"{args.stop_p95} s",
                    flush=True,
                )
                break
    print(report(result))
    print(f"wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start a local hub and simulate N students (minutes)")
    run.add_argument("--students", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    run.add_argument("--notebooks", nargs="+", default=["01"], help="notebook name prefixes")
    run.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS per kernel")
    run.add_argument("--chp", default=str(DEFAULT_CHP))
    run.add_argument("--workdir", default=str(DEFAULT_WORKDIR))
    run.add_argument("--out", default=str(DEFAULT_OUT))
    run.add_argument("--append", action="store_true", help="add rows to --out's rows")
    run.add_argument(
        "--stop-p95", type=float, default=10.0, help="stop growing N once p95 exceeds this"
    )
    links = sub.add_parser("links", help="print the nbgitpuller link of every notebook")
    links.add_argument("hub_url", help="the hub's address, e.g. https://hub.example.edu")
    links.add_argument("--branch", default="main", help="the branch the links pull")
    guide = sub.add_parser("guide", help="write the table and rule into the instructor guide")
    guide.add_argument("results", nargs="?", default=str(DEFAULT_OUT))
    rep = sub.add_parser("report", help="print the table and the sizing rule of a run")
    rep.add_argument("results", nargs="?", default=str(DEFAULT_OUT))
    rep.add_argument("--class-size", type=int, default=100)
    rep.add_argument("--node-cores", type=int, default=Node().cores)
    rep.add_argument("--node-gb", type=int, default=Node().ram_gb)
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "links":
        print(format_links(hub_links(args.hub_url, args.branch)))
        return 0
    result = json.loads(Path(args.results).read_text())
    if args.command == "guide":
        text = report(result)
        GUIDE.write_text(replace_block(GUIDE.read_text(), text))
        print(f"wrote the measured table and sizing rule into {GUIDE}")
    else:
        node = Node(args.node_cores, args.node_gb)
        print(report(result, args.class_size, node))
    return 0


if __name__ == "__main__":
    sys.exit(main())
