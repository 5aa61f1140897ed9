"""A real browser: JupyterLab in headless Chromium runs notebook 00 and moves its slider.

Run with ``make test-browser``: it installs Playwright's Python package (the ``teach-tools``
extra; no browser is downloaded) and Debian's Chromium when /usr/bin/chromium is missing
(apt-get needs root, which is why this test is not part of ``make test``). The test starts
JupyterLab from the venv on a loopback port with a token, in isolated Jupyter folders and on
a copy of the notebook (so no autosave can touch the repository), opens the notebook, runs
all cells through JupyterLab's own command, focuses the width slider, presses ArrowRight,
and checks that the text and the figure the slider drives both change. The screenshot is
saved to build/browser/00_slider.png.

Selectors rely on JupyterLab's and ipywidgets' stable hooks (``window.jupyterapp`` with
``expose_app_in_browser``, the command id ``notebook:run-all-cells``, the output-area class,
the slider's ARIA role) and on the notebook's own printed text, not on menu labels.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import matplotlib.image as mpimg
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "00_introduction.ipynb"
SCREENSHOT = ROOT / "build" / "browser" / "00_slider.png"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Chromium flags for a sandboxed, offline machine: without the background-networking ones
# Chromium's own connections (updates, sync, field trials) are refused and slow it down.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 180_000  # kernel start, torch import and the notebook's training: generous
SLIDER_TEXT = re.compile(r"hidden units: (\d+) -> training accuracy (\d\.\d\d)")

pytestmark = pytest.mark.skipif(
    os.environ.get("NNLAB_BROWSER_TEST") != "1",
    reason="the real-browser test runs with `make test-browser` (needs Chromium)",
)


def _figure(page, widget) -> bytes:
    """Return the PNG of the figure in ``widget`` once the browser has decoded and shown it."""
    image = widget.locator("img")
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 100", arg=image.element_handle()
    )
    assert image.is_visible()
    header, data = image.get_attribute("src").split(",", 1)
    assert header == "data:image/png;base64", header
    return base64.b64decode(data)


def _coloured_fraction(png: bytes) -> float:
    """Return the fraction of pixels of ``png`` that have a colour (not white, grey or black)."""
    image = mpimg.imread(io.BytesIO(png), format="png")[..., :3]
    return float(((image.max(-1) - image.min(-1)) > 0.1).mean())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """Start JupyterLab on a copy of notebook 00; yield (base URL, token); stop it."""
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(NOTEBOOK, served / NOTEBOOK.name)
    config = tmp_path / "config"
    (config / "labconfig").mkdir(parents=True)
    # No news pop-up: it would cover the notebook and it fetches from the network.
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = os.environ | {
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "NNLAB_MODE": "fast",
        "NNLAB_PROGRESS": "0",
        "OMP_WAIT_POLICY": "PASSIVE",  # as in the Makefile's TEST_ENV
    }
    command = [
        str(Path(sys.executable).parent / "jupyter"),
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={served}",
        "--ServerApp.terminals_enabled=False",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if os.getuid() == 0:
        command.append("--allow-root")
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                assert proc.poll() is None, (tmp_path / "lab.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "JupyterLab did not start in 90 s"
                time.sleep(0.5)
        yield base, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_moving_the_width_slider_with_the_keyboard_retrains_and_redraws(lab, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="run `make test-browser`")
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make test-browser` installs it"
    base, token = lab
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # an empty user data dir
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{base}/lab/tree/{NOTEBOOK.name}?token={token}")
            # The notebook is open and its kernel is ready.
            page.wait_for_function(
                """() => {
                    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                    const kernel = w && w.sessionContext && w.sessionContext.session
                        && w.sessionContext.session.kernel;
                    return kernel && kernel.status === 'idle'
                        && w.context.path.endsWith('00_introduction.ipynb');
                }"""
            )
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

            outputs = page.locator(".jp-OutputArea-output")
            # The last check cell prints this when every cell above it has run.
            outputs.filter(has_text="Passed: accuracy_from_logits").first.wait_for()
            widget = page.locator(".widget-vbox").filter(has=page.locator('[role="slider"]'))
            widget.filter(has_text=SLIDER_TEXT).wait_for()
            before_text = SLIDER_TEXT.search(widget.inner_text()).group(0)
            before_image = _figure(page, widget)
            assert before_text.startswith("hidden units: 1 ->"), before_text

            handle = widget.locator('[role="slider"]')
            handle.scroll_into_view_if_needed()
            handle.focus()
            page.keyboard.press("ArrowRight")
            widget.filter(has_text="hidden units: 2 ->").wait_for()
            after_text = SLIDER_TEXT.search(widget.inner_text()).group(0)
            after_image = _figure(page, widget)
            assert float(handle.get_attribute("aria-valuenow")) == 2
            assert after_text != before_text
            assert after_image != before_image, "the figure did not change"
            for png in (before_image, after_image):
                # A finished decision-boundary plot is mostly shaded; a half-drawn one is blank.
                assert _coloured_fraction(png) > 0.3, "the slider drew an unfinished figure"

            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            widget.evaluate("(element) => element.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(500)  # let the notebook finish scrolling
            page.screenshot(path=str(SCREENSHOT))
            SCREENSHOT.with_name("00_slider_figure.png").write_bytes(after_image)
            print(f"slider: {before_text!r} -> {after_text!r}")
            print(f"screenshot: {SCREENSHOT.relative_to(ROOT)}")
        finally:
            browser.close()
