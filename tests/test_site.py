"""The course website: it builds offline from the stored notebooks, and every page is whole.

Without a browser (part of ``make test``, which installs the ``site`` extra): the build
succeeds with Sphinx warnings as errors; every internal link, anchor and image resolves;
every notebook page has the notebook's title, alt text on every figure and headings in order.

With a browser (``make test-site``: Playwright driving Debian's Chromium, no download): the
site is served on localhost and every page opened; every image loads (naturalWidth > 0),
no page logs a console error, the search finds "dead" on the dead-neurons page, and
screenshots of the landing page and of notebook 02 go to build/site-shots/.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import importlib.util
import os
import threading
from pathlib import Path

import pytest

from tools import site

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "site-shots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
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

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("jupyter_book") is None,
    reason="the site extra is not installed (make test and make site install it)",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    site.build(out)
    return out


class _Article(html.parser.HTMLParser):
    """Headings and images inside a page's main article."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # >0 inside <article>
        self.levels: list[int] = []
        self.images: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.depth += 1
        elif self.depth and len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.levels.append(int(tag[1]))
        elif self.depth and tag == "img":
            self.images.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth -= 1


def _article(path: Path) -> _Article:
    article = _Article()
    article.feed(path.read_text())
    return article


def test_the_site_builds_and_every_link_and_image_resolves(built):
    assert site.problems(built) == []
    pages = {p.relative_to(built).as_posix() for p in site.site_pages(built)}
    for notebook in site.numbered_notebooks():
        assert f"notebooks/{notebook.stem}.html" in pages
    assert {"index.html", "instructor_guide.html", "teaching.html", "search.html"} <= pages


def test_notebook_pages_are_accessible(built):
    for notebook in site.numbered_notebooks():
        article = _article(built / "notebooks" / f"{notebook.stem}.html")
        assert article.levels and article.levels[0] == 1, f"{notebook.name}: one h1 first"
        for before, after in zip(article.levels, article.levels[1:], strict=False):
            assert after <= before + 1, (
                f"{notebook.name}: a heading skips a level ({before}->{after})"
            )
        figures = [i for i in article.images if "_images/" in i.get("src", "")]
        assert figures, f"{notebook.name}: no figures on the page"
        for image in figures:
            assert len(image.get("alt", "")) > 10, f"{notebook.name}: a figure without alt text"


def test_citations_become_links_and_launch_buttons_come_from_the_one_url(built):
    import nnlab

    page = (built / "notebooks" / "02_dead_neurons.html").read_text()
    assert "https://arxiv.org/abs/" in page
    assert nnlab.course.repository_url().removeprefix("https://github.com/") in page
    assert "colab.research.google.com/github/" in page and "mybinder.org/v2/gh/" in page
    assert "mybinder.org/badge_logo.svg" not in page  # remote badge images are not shown
    assert "tag_hide-cell" in page  # solutions are folded away behind a button
    assert site.link_citations("see arXiv:1502.01852.") == (
        "see [arXiv:1502.01852](https://arxiv.org/abs/1502.01852)."
    )
    assert site.link_citations("doi:10.24432/C50P49.") == (
        "[doi:10.24432/C50P49](https://doi.org/10.24432/C50P49)."
    )


# ----------------------------------------------------------------------------- a real browser


@pytest.fixture(scope="module")
def served(built):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # no request log in the test output
            pass

    handler = functools.partial(Quiet, directory=str(built))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.skipif(
    os.environ.get("NNLAB_SITE_BROWSER") != "1",
    reason="the real-browser site test runs with `make test-site` (needs Chromium)",
)
def test_every_page_loads_whole_in_a_real_browser(built, served, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="run `make test-site`")
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make test-site` installs it"
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = [p.relative_to(built).as_posix() for p in site.site_pages(built)]
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = browser.new_page()

            def console(message):
                if message.type == "error":
                    errors.append(f"{page.url}: {message.text}")

            page.on("console", console)
            page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
            for name in pages:
                page.goto(f"{served}/{name}", wait_until="networkidle")
                broken = page.evaluate(
                    "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))"
                    ".map(i => i.src)"
                )
                assert not broken, f"{name}: images that did not load: {broken}"
            for notebook in site.numbered_notebooks():
                page.goto(f"{served}/notebooks/{notebook.stem}.html", wait_until="networkidle")
                header = notebook.read_text().split('"# ', 1)[1].split("\\n", 1)[0]
                assert header.strip() in page.title(), (notebook.name, page.title())
            page.goto(f"{served}/index.html", wait_until="networkidle")
            page.screenshot(path=str(SHOTS / "index.png"), full_page=False)
            page.goto(f"{served}/notebooks/02_dead_neurons.html", wait_until="networkidle")
            page.screenshot(path=str(SHOTS / "02_dead_neurons.png"), full_page=False)
            page.goto(f"{served}/search.html?q=dead", wait_until="networkidle")
            results = page.locator("#search-results a")
            results.first.wait_for(timeout=30_000)
            hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
            assert any("02_dead_neurons" in (h or "") for h in hrefs), hrefs
        finally:
            browser.close()
    assert not errors, "console errors:\n" + "\n".join(errors)


def test_solutions_are_folded_away_on_the_site(tmp_path):
    """A solution cell is staged with hide-cell: the page shows it only when asked."""
    import json

    path = ROOT / "notebooks" / "02_dead_neurons.ipynb"
    site.stage_notebook(path, tmp_path / path.name)
    staged = json.loads((tmp_path / path.name).read_text())["cells"]
    original = json.loads(path.read_text())["cells"]
    solutions = [i for i, c in enumerate(original) if "solution" in c["metadata"].get("tags", [])]
    assert solutions, "notebook 02 has solution cells"
    for i, cell in enumerate(staged):
        hidden = "hide-cell" in cell["metadata"].get("tags", [])
        assert hidden == (i in solutions), (i, cell["metadata"].get("tags"))
        assert cell["source"] == original[i]["source"] or i == 0 or cell["cell_type"] == "markdown"
