"""The JupyterHub load test's arithmetic and configuration (tools/hubload.py), offline.

No hub is started here (``make hub-load`` does that): these check what turns measurements
into the table and the sizing rule, and the configuration the hub is started with.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tools import hubload


@pytest.mark.parametrize("q", [0, 5, 50, 90, 95, 100])
@pytest.mark.parametrize("values", [[3.0], [1.0, 2.0], [0.3, 5.0, 0.1, 0.2, 2.5, 0.05, 1.0]])
def test_percentile_matches_numpy(values, q):
    assert hubload.percentile(values, q) == pytest.approx(np.percentile(values, q))


@pytest.mark.parametrize("values, q", [([], 50), ([1.0], 101), ([1.0], -1), (None, 50)])
def test_percentile_refuses_bad_input(values, q):
    with pytest.raises(ValueError):
        hubload.percentile(values, q)


@pytest.mark.parametrize(
    "cmdline, kind",
    [
        (["/v/bin/python", "-m", "ipykernel_launcher", "-f", "/r/kernel-1.json"], "kernel"),
        (["/v/bin/python", "-m", "jupyterhub.singleuser", "--allow-root"], "server"),
        (["/v/bin/jupyterhub-singleuser"], "server"),
        (["node", "/b/chp/node_modules/.bin/configurable-http-proxy", "--ip", "x"], "proxy"),
        (["/v/bin/python", "-m", "jupyterhub", "-f", "/w/jupyterhub_config.py"], "hub"),
        (["/usr/bin/git", "status"], None),
    ],
)
def test_classify(cmdline, kind):
    assert hubload.classify(cmdline) == kind


def test_owner_from_working_directory():
    homes = "/w/homes"
    assert hubload.owner("/w/homes/student03", homes) == "student03"
    assert hubload.owner("/w/homes/student03/nnlab/notebooks", homes + "/") == "student03"
    assert hubload.owner("/w/homesick/x", homes) is None
    assert hubload.owner("/tmp", homes) is None


def test_loadavg_parses_proc_format():
    assert hubload.loadavg("3.54 1.40 0.53 2/345 6789\n") == (3.54, 1.40, 0.53)
    with pytest.raises(ValueError, match="loadavg"):
        hubload.loadavg("")


def _config(**overrides):
    kwargs = dict(
        workdir="/w",
        port=18000,
        hub_port=18081,
        proxy_api_port=18001,
        chp="/b/chp",
        python="/v/bin/python",
        token="a" * 32,
        environment={"OMP_NUM_THREADS": "1", "NNLAB_MODE": "fast"},
    )
    kwargs.update(overrides)
    return hubload.hub_config(**kwargs)


class _Recorder(dict):
    """Stands in for traitlets' config: c.Section.name = value records {Section: {name: value}}."""

    def __getattr__(self, name):
        return self.setdefault(name, _Section())


class _Section(dict):
    def __setattr__(self, name, value):
        self[name] = value


def _run_config(text: str) -> dict:
    c = _Recorder()
    exec(compile(text, "jupyterhub_config.py", "exec"), {"get_config": lambda: c})
    return c


def test_hub_config_is_loopback_only_with_dummy_auth_and_simple_spawner():
    c = _run_config(_config(allow_root=True))
    assert c["JupyterHub"]["ip"] == "127.0.0.1"
    assert c["JupyterHub"]["hub_ip"] == "127.0.0.1"
    assert c["ConfigurableHTTPProxy"]["api_url"] == "http://127.0.0.1:18001"
    assert c["JupyterHub"]["authenticator_class"] == "dummy"
    assert c["JupyterHub"]["spawner_class"] == "simple"
    assert c["SimpleLocalProcessSpawner"]["home_dir_template"] == "/w/homes/{username}"
    assert c["Spawner"]["environment"]["OMP_NUM_THREADS"] == "1"
    assert c["Spawner"]["args"] == ["--allow-root"]
    assert c["JupyterHub"]["services"] == [{"name": "loadtest", "api_token": "a" * 32}]
    scopes = c["JupyterHub"]["load_roles"][0]["scopes"]
    assert {"admin:users", "admin:servers", "access:servers"} <= set(scopes)
    assert _run_config(_config())["Spawner"]["args"] == []


@pytest.mark.parametrize(
    "overrides, match",
    [
        ({"port": 80}, "port"),
        ({"hub_port": 18000}, "differ"),
        ({"token": "short"}, "token"),
        ({"token": "x" * 20 + "'; import os"}, "token"),
    ],
)
def test_hub_config_refuses_bad_input(overrides, match):
    with pytest.raises(ValueError, match=match):
        _config(**overrides)


def _record(name, kernel=500.0, server=100.0, cpu=6.0, wall=20.0, short=(0.1, 0.2), error=""):
    return {
        "name": name,
        "notebook": "01_backprop.ipynb",
        "spawn_s": 3.0,
        "wall_s": wall,
        "kernel_peak_mb": kernel,
        "kernel_cpu_s": cpu,
        "server_peak_mb": server,
        "cells": 10,
        "short_cell_s": list(short),
        "error": error,
    }


HUB = {"hub_peak_mb": 110.0, "proxy_peak_mb": 60.0, "total_rss_peak_mb": 1500.0}


def test_summarize_takes_the_worst_finished_student_and_pools_short_cells():
    records = [
        _record("s0", kernel=500, wall=20, short=(0.1, 0.3)),
        _record("s1", kernel=560, wall=30, short=(0.2, 5.0)),
        _record("s2", kernel=9999, short=(0.4,), error="TimeoutError: boom"),
    ]
    row = hubload.summarize(3, "01_backprop.ipynb", records, HUB, (1, 2, 3), (4, 5, 6))
    assert row["failures"] == 1
    assert row["kernel_peak_mb"] == 560  # the failed student's number is not used
    assert row["wall_s_max"] == 30 and row["wall_s_mean"] == 25
    pooled = [0.1, 0.3, 0.2, 5.0, 0.4]  # a failed student's short cells were still measured
    assert row["short_cells"] == 5
    assert row["short_p50_s"] == pytest.approx(np.percentile(pooled, 50))
    assert row["short_p95_s"] == pytest.approx(np.percentile(pooled, 95))
    assert math.isnan(row["total_pss_peak_mb"])
    with pytest.raises(ValueError, match="one record per student"):
        hubload.summarize(2, "01_backprop.ipynb", records, HUB, (1, 2, 3), (4, 5, 6))


def _row(n, p95, kernel=500.0, cpu=6.0, failures=0, notebook="01_backprop.ipynb", pss=None):
    return {
        "notebook": notebook,
        "students": n,
        "failures": failures,
        "kernel_peak_mb": kernel,
        "server_peak_mb": 100.0,
        "kernel_cpu_s": cpu,
        "short_p95_s": p95,
        "hub_peak_mb": 110.0,
        "proxy_peak_mb": 60.0,
        "total_pss_peak_mb": float("nan") if pss is None else pss,
    }


BUDGETS = {"00_introduction.ipynb": 30.0, "01_backprop.ipynb": 30.0}


def test_sizing_by_hand():
    rows = [
        _row(1, 0.1, pss=700.0),
        _row(2, 0.2, pss=1100.0),  # one more student adds 400 MB
        _row(4, 1.5, kernel=540.0, pss=1600.0),  # (1600 - 700) / 3 = 300
        _row(8, 3.0, pss=3150.0),  # 350; p95 over 2 s: not acceptable
        _row(1, 0.1, kernel=420.0, cpu=2.0, notebook="00_introduction.ipynb"),
        _row(2, 0.1, kernel=420.0, cpu=2.0, notebook="00_introduction.ipynb", pss=5000.0),
    ]
    s = hubload.sizing(rows, 2, BUDGETS, class_size=100, active=(0.4, 0.6))
    assert s["per_user_peak_mb"] == 640  # 540 + 100, the worst row
    assert s["memory_limit_mb"] == 800  # x 1.25
    assert s["hub_mb"] == 170
    # the largest added PSS per student; notebook 00 has no N = 1 PSS to compare with
    assert s["shared_mb_per_user"] == 400
    assert s["per_core_latency"] == 2.0  # N = 4 on 2 cores
    assert s["per_core_budget"] == pytest.approx(5.0)  # 30 s budget / 6 CPU s
    assert s["students_per_core"] == 2.0
    assert s["cores_for_active"] == {40: 20, 60: 30}
    assert s["ram_gb_k8s"] == math.ceil((100 * 800 + 170) / 1024)
    assert s["ram_gb_tljh"] == math.ceil((100 * 400 * 1.25 + 170) / 1024)
    assert s["nodes"] == max(math.ceil(79 / 32), math.ceil(30 / 8))  # 4: cores decide
    text = hubload.format_sizing(s)
    assert "640 MB" in text and "2.0 students" in text and "4 nodes" in text


def test_sizing_budget_can_be_the_tighter_rule():
    rows = [_row(1, 0.1, cpu=20.0), _row(16, 0.5, cpu=20.0)]
    s = hubload.sizing(rows, 2, BUDGETS)
    assert s["per_core_latency"] == 8.0
    assert s["students_per_core"] == pytest.approx(1.5)  # 30 s / 20 CPU s
    assert s["cores_for_active"] == {40: 27, 60: 40}


def test_sizing_with_no_acceptable_run_gives_no_cores():
    s = hubload.sizing([_row(1, 2.5)], 2, BUDGETS)
    assert s["students_per_core"] == 0 and s["nodes"] is None
    assert s["cores_for_active"] == {40: None, 60: None}


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (([], 2, BUDGETS), {}, "rows"),
        (([_row(1, 0.1)], 0, BUDGETS), {}, "cores"),
        (([_row(1, 0.1, notebook="09_x.ipynb")], 2, BUDGETS), {}, "budget"),
        (([_row(1, 0.1)], 2, BUDGETS), {"active": (0.6, 0.4)}, "active"),
        (([_row(1, 0.1)], 2, BUDGETS), {"memory_margin": 0.5}, "memory_margin"),
        (([_row(1, 0.1)], 2, BUDGETS), {"class_size": 0}, "class_size"),
        (([_row(1, 0.1, kernel=float("nan"), failures=1)], 2, BUDGETS), {}, "failed"),
    ],
)
def test_sizing_refuses_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        hubload.sizing(*args, **kwargs)


def test_format_table_one_line_per_row():
    row = hubload.summarize(
        1,
        "01_backprop.ipynb",
        [_record("s0")],
        {**HUB, "total_pss_peak_mb": 900.0},
        (1.0, 1.0, 1.0),
        (2.0, 1.0, 1.0),
    )
    lines = hubload.format_table([row, row]).splitlines()
    assert len(lines) == 4
    assert lines[2].startswith("| 01_backprop | 1 | 0 | 500 | 100 | 6.0 | 3 | 20.0 / 20.0 |")
    assert lines[2].endswith("| 1500 / 900 | 1.0 → 2.0 |")


def test_budgets_cover_every_notebook():
    b = hubload.budgets()
    assert b and all(name.endswith(".ipynb") and seconds > 0 for name, seconds in b.items())


def test_replace_block_keeps_the_markers_and_the_rest():
    text = f"intro\n{hubload.START}\nold table\n{hubload.END}\nafter\n"
    new = hubload.replace_block(text, "new table\n")
    assert new == f"intro\n{hubload.START}\nnew table\n{hubload.END}\nafter\n"
    assert hubload.replace_block(new, "new table") == new
    for bad in ["no markers", f"{hubload.END} {hubload.START}", f"{hubload.START}{hubload.START}"]:
        with pytest.raises(ValueError, match="must hold"):
            hubload.replace_block(bad, "x")


def test_log_errors_finds_exception_lines_once():
    log = "\n".join(
        [
            "[I 2026-12-06 ServerApp] Kernel started: e8b4",
            "Traceback (most recent call last):",
            '  File "kernelapp.py", line 256, in _try_bind_socket',
            "zmq.error.ZMQError: Address already in use (addr='tcp://127.0.0.1:34321')",
            "zmq.error.ZMQError: Address already in use (addr='tcp://127.0.0.1:34321')",
            "[W 2026-12-06 ServerApp] Kernel e8b4 died, removing from map.",
            "    asyncio.exceptions.InvalidStateError: Exception is not set.",
            "Error: not an exception line",
        ]
    )
    assert hubload.log_errors(log) == [
        "zmq.error.ZMQError: Address already in use (addr='tcp://127.0.0.1:34321')",
        "asyncio.exceptions.InvalidStateError: Exception is not set.",
    ]
    assert hubload.log_errors(log, limit=1) == [hubload.log_errors(log)[0]]
    assert hubload.log_errors("all fine\n") == []
