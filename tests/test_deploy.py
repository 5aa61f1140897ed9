"""deploy/: the JupyterHub configurations parse, agree with each other and with the course's
pins, their limits cover what the load test measured, and the nbgitpuller links are built
from the one repository URL. Offline: nothing here starts a hub or builds an image."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from nnlab import course
from tools import hubload

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
MEASURED = ROOT / "benchmarks" / "hub_load.json"
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
UNITS = {"K": 1 / 1024, "M": 1.0, "G": 1024.0}  # JupyterHub's byte units: powers of 1024


def mib(spec: str) -> float:
    """A JupyterHub / KubeSpawner memory size ('900M', '1G') in MiB."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG])", str(spec))
    assert match, f"{spec!r} is not a size like 900M or 1G"
    return float(match[1]) * UNITS[match[2]]


@pytest.fixture(scope="module")
def z2jh() -> dict:
    return yaml.safe_load((DEPLOY / "z2jh" / "config.yaml").read_text())


@pytest.fixture(scope="module")
def tljh() -> dict[str, str]:
    """``tljh-config set KEY VALUE`` lines of install.sh as {KEY: VALUE}."""
    text = (DEPLOY / "tljh" / "install.sh").read_text()
    return dict(re.findall(r"^sudo tljh-config set (\S+) (\S+)$", text, re.M))


@pytest.fixture(scope="module")
def measured() -> dict:
    return json.loads(MEASURED.read_text())


def test_mib_units():
    assert mib("900M") == 900 and mib("1G") == 1024 and mib("1.5G") == 1536
    with pytest.raises(AssertionError):
        mib("900MB")


def test_memory_limit_covers_the_heaviest_notebook_measured_with_margin(z2jh, measured):
    limit = mib(z2jh["singleuser"]["memory"]["limit"])
    rows = measured["rows"]
    assert {r["notebook"] for r in rows} >= set(NOTEBOOKS), "measure every notebook"
    worst = max(r["kernel_peak_mb"] + r["server_peak_mb"] for r in rows if not r["failures"])
    assert limit >= 1.25 * worst, f"limit {limit} MiB < 1.25 x the measured {worst:.0f} MiB"
    assert limit <= 2 * worst, "the limit wastes more than half of what it reserves"


def test_memory_guarantee_is_the_typical_notebook(z2jh, measured):
    guarantee = mib(z2jh["singleuser"]["memory"]["guarantee"])
    single = [r for r in measured["rows"] if r["students"] == 1 and not r["failures"]]
    typical = statistics.median(r["kernel_peak_mb"] + r["server_peak_mb"] for r in single)
    assert typical <= guarantee <= mib(z2jh["singleuser"]["memory"]["limit"])


def test_cpu_limit_and_threads_agree_and_guarantee_follows_the_sizing(z2jh, measured):
    single = z2jh["singleuser"]
    assert single["cpu"]["limit"] == int(single["extraEnv"]["OMP_NUM_THREADS"])
    assert measured["threads"] == int(single["extraEnv"]["OMP_NUM_THREADS"])
    rule = hubload.sizing(measured["rows"], measured["cores"], hubload.budgets())
    # The class's guaranteed cores must cover the rule's cores for 60 % of it active.
    assert single["cpu"]["guarantee"] * rule["class_size"] >= rule["cores_for_active"][60]
    assert single["cpu"]["guarantee"] <= single["cpu"]["limit"]


def test_z2jh_culls_idle_servers_and_uses_the_course_image(z2jh):
    cull = z2jh["cull"]
    assert cull["enabled"] is True and 600 <= cull["timeout"] <= 4 * 3600
    assert 0 < cull["every"] <= cull["timeout"]
    assert z2jh["singleuser"]["image"]["tag"] == course.release_ref().removeprefix("v")
    assert z2jh["singleuser"]["extraEnv"]["NNLAB_MODE"] == "fast"
    assert z2jh["singleuser"]["defaultUrl"] == "/lab"


def _torch_pin() -> str:
    match = re.search(r'^TORCH = "(torch==[\d.]+)"', (ROOT / "course.py").read_text(), re.M)
    assert match, "course.py pins torch as TORCH = 'torch==X.Y.Z'"
    return match[1]


@pytest.mark.parametrize("path", ["image/Dockerfile", "tljh/install.sh"])
def test_environment_pins_torch_nnlab_and_nbgitpuller(path):
    text = (DEPLOY / path).read_text()
    assert _torch_pin() in text
    assert "https://download.pytorch.org/whl/cpu" in text
    assert f"NNLAB_REPO={course.repository_url()}\n" in text
    assert f"NNLAB_REF={course.release_ref()}\n" in text
    assert "nbgitpuller" in text


def test_tljh_limits_and_culler_equal_z2jh(z2jh, tljh):
    assert tljh["limits.memory"] == z2jh["singleuser"]["memory"]["limit"]
    assert float(tljh["limits.cpu"]) == z2jh["singleuser"]["cpu"]["limit"]
    assert tljh["services.cull.timeout"] == str(z2jh["cull"]["timeout"])
    assert tljh["services.cull.every"] == str(z2jh["cull"]["every"])
    assert tljh["user_environment.default_app"] == "jupyterlab"


def test_tljh_extra_config_sets_the_same_environment(z2jh):
    class Section(dict):
        def __getattr__(self, name):
            return self.setdefault(name, {})

    c = {"Spawner": Section()}
    ns = {"get_config": lambda: type("C", (), {"Spawner": c["Spawner"]})()}
    exec((DEPLOY / "tljh" / "nnlab_config.py").read_text(), ns)
    assert c["Spawner"]["environment"] == z2jh["singleuser"]["extraEnv"]


@pytest.mark.parametrize("hub", ["https://hub.example.edu", "https://uni.example.edu/jhub/"])
def test_hub_links_open_every_notebook_from_the_one_repository(hub):
    links = hubload.hub_links(hub, branch="term-2027")
    assert sorted(Path(nb).name for nb in links) == NOTEBOOKS
    name = course.repository_url().rsplit("/", 1)[-1]
    for notebook, url in links.items():
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
            hub.rstrip("/") + "/hub/user-redirect/git-pull"
        )
        query = parse_qs(parts.query, strict_parsing=True)
        assert query == {
            "repo": [course.repository_url()],
            "branch": ["term-2027"],
            "urlpath": [f"lab/tree/{name}/{notebook}"],
        }


def test_links_command_prints_one_line_per_notebook(capsys):
    assert hubload.main(["links", "https://hub.example.edu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(NOTEBOOKS)
    assert all(line.startswith("- `") and "git-pull?repo=" in line for line in lines)


def test_guide_shows_the_measured_table_and_rule(measured):
    guide = (ROOT / "docs" / "instructor_guide.md").read_text()
    for line in hubload.format_table(measured["rows"]).splitlines()[2:]:
        assert line in guide, (
            f"the guide's hub table is not the measured one ({line}): "
            "run `python -m tools.hubload guide` after `make hub-load`"
        )
    rule = hubload.sizing(measured["rows"], measured["cores"], hubload.budgets())
    assert hubload.format_sizing(rule) in guide


def test_kernel_culler_config_names_real_jupyter_server_settings():
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager

    config = json.loads((DEPLOY / "image" / "jupyter_server_config.json").read_text())
    traits = MappingKernelManager.class_traits()
    for name, value in config["MappingKernelManager"].items():
        assert name in traits, f"MappingKernelManager has no setting {name}"
        traits[name].validate(MappingKernelManager(), value)  # the right type
    assert config["MappingKernelManager"]["cull_connected"] is False  # open tabs are kept
    dockerfile = (DEPLOY / "image" / "Dockerfile").read_text()
    assert "COPY jupyter_server_config.json /opt/conda/etc/jupyter/jupyter_server_config.d/" in (
        dockerfile
    )
    assert "jupyter_server_config.json" in (DEPLOY / "tljh" / "install.sh").read_text()


def test_make_test_never_starts_a_hub():
    """The load test needs npm and minutes: it is its own target, never part of make test."""
    makefile = (ROOT / "Makefile").read_text()
    test_recipe = re.search(r"^test:.*?\n((?:\t.*\n)+)", makefile, re.M)
    assert test_recipe and "hub" not in test_recipe[1]
    assert "hubload" not in (ROOT / "course.py").read_text()
    assert re.search(r"^hub-load: hub-tools\n", makefile, re.M)
    assert "configurable-http-proxy" in makefile and "build/chp" in makefile


def test_a_notebook_at_the_course_memory_budget_fits_the_limit(z2jh, measured):
    """The course lets a notebook's kernel reach MEMORY_BUDGET_MB in fast mode: with the
    largest measured server it must still fit the per-user limit."""
    from tools.nbtiming import MEMORY_BUDGET_MB

    server = max(r["server_peak_mb"] for r in measured["rows"] if not r["failures"])
    assert mib(z2jh["singleuser"]["memory"]["limit"]) >= MEMORY_BUDGET_MB + server
