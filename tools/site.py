"""Build the course website from the stored notebooks (no re-execution), offline.

    python -m tools.site build [--out build/site]     # stage, then jupyter-book build
    python -m tools.site check [--out build/site]     # every internal link and image resolves

The builder is Jupyter Book 1 (Sphinx, MyST-NB, sphinx-book-theme): it builds offline with
notebook execution off, and ``sphinx-mathjax-offline`` serves MathJax from the site itself.
``build`` stages a book in ``build/site-src/`` and builds it into ``--out``:

- a landing page (what the course is, for whom, the course map with each notebook's time
  estimates read from its header, how to run it: locally, Binder, Colab);
- every numbered notebook as stored, with its outputs, three changes made on the staged copy
  only: each figure gets its caption (the italic line under it) as alt text; each
  Further-reading arXiv id and DOI becomes a link; the header's launch badges stay, and the
  page's own launch buttons (Binder, Colab) come from the one repository URL, pinned as the
  notebooks' Colab badges are (``nnlab.course``);
- the instructor guide and the README's teacher section as pages.

``check`` reads the built HTML (no browser): every internal link points at a file that
exists (and an anchor on it that exists), every ``<img>`` source exists, and every notebook
page's title is the notebook's title. ``tests/test_site.py`` runs the build and this check
in ``make test``, and the real-browser test with ``make test-site``.
"""

from __future__ import annotations

import argparse
import html.parser
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
STAGE = ROOT / "build" / "site-src"
OUT = ROOT / "build" / "site"
TITLE = "nnlab: how neural networks learn, and how they fail to"
ARXIV = re.compile(r"(?<![\w/\[])arXiv:\s?(\d{4}\.\d{4,5})(?![\w\]])")
DOI = re.compile(r"(?<![\w/\[])(?:doi:\s?|DOI\s)(10\.\d{4,9}/[^\s,;)]+?)(?=[.,;)]?(?:\s|$))")
CAPTION = re.compile(r"^\*([^*\n][^*]*?)\*", re.S)
BADGE_LINE = re.compile(r"^\[!\[(Launch on Binder|Open in Colab)\][^\n]*\n(?:[ \t]*\n)?", re.M)
# sphinx-thebe adds its configuration script once per read pass; Jupyter Book runs two, so
# every page declared `const THEBE_JS_URL` twice (a console error). Keep the first of each.
DEDUPE_EXTENSION = """def _dedupe(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files", []):
        # A script added twice may carry filename None once and "" the other time.
        name = getattr(script, "filename", script) or ""
        key = (str(name), tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _dedupe)
    return {"parallel_read_safe": True}
"""
# The course's colour-blind-safe palette (Okabe-Ito, nnlab.COLORS) for the site's accents.
CUSTOM_CSS = """html[data-theme="light"], html[data-theme="dark"] {
  --pst-color-primary: #0072B2;
  --pst-color-secondary: #D55E00;
  --pst-color-link: #0072B2;
  --pst-color-link-hover: #D55E00;
}
html[data-theme="dark"] { --pst-color-primary: #56B4E9; --pst-color-link: #56B4E9; }
"""


# ----------------------------------------------------------------------------- staging


def numbered_notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def link_citations(text: str) -> str:
    """``text`` with arXiv ids and DOIs turned into Markdown links (idempotent)."""
    text = ARXIV.sub(lambda m: f"[arXiv:{m.group(1)}](https://arxiv.org/abs/{m.group(1)})", text)
    return DOI.sub(lambda m: f"[doi:{m.group(1)}](https://doi.org/{m.group(1)})", text)


def caption_of(cell: dict | None) -> str | None:
    """The italic caption that opens a markdown cell, as plain text (None if there is none)."""
    if cell is None or cell["cell_type"] != "markdown":
        return None
    match = CAPTION.match("".join(cell["source"]).strip())
    return " ".join(match.group(1).split()) if match else None


def stage_notebook(path: Path, dest: Path) -> dict:
    """Copy ``path`` to ``dest`` with alt texts, linked citations and solutions folded away.

    Returns the notebook's header info. A code cell tagged ``solution`` gets Jupyter Book's
    ``hide-cell`` tag: the page shows the stub and a button, and the solution only on a click.
    """
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    # The page has its own launch buttons; the header's badges are remote images.
    cells[0]["source"] = BADGE_LINE.sub("", "".join(cells[0]["source"]))
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            if "## Further reading" in source or "arXiv:" in source or "doi:" in source:
                cell["source"] = link_citations(source)
            continue
        if cell["cell_type"] != "code":
            continue
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if "solution" in tags and "hide-cell" not in tags:
            tags.append("hide-cell")  # the page shows a solution only when the reader asks
        has_image = any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
        following = cells[index + 1] if index + 1 < len(cells) else None
        alt = caption_of(following)
        if has_image and alt:
            cell.setdefault("metadata", {}).setdefault("mystnb", {})["image"] = {"alt": alt}
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False))
    header = "".join(cells[0]["source"])
    title = re.search(r"^# (.+)$", header, re.M).group(1).strip()
    time_line = next((ln for ln in header.splitlines() if "**Time**" in ln), "")
    time_text = time_line.split("**Time**", 1)[-1].lstrip(": ").strip()
    return {"file": path.name, "title": title, "time": time_text}


def readme_teacher_section() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"^## For teachers\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1).strip() if match else ""


def landing_page(infos: list[dict]) -> str:
    from nnlab import course

    rows = "\n".join(
        f"| [{i['title']}](notebooks/{Path(i['file']).stem}) | {i['time'] or '–'} |" for i in infos
    )
    first = "notebooks/00_introduction.ipynb"
    return f"""# {TITLE}

An open course in numbered Jupyter notebooks, built around one learner's question: *can a
neuron "learn helplessness"? If a unit keeps failing relative to its neighbours, does it
under-weight itself, how long does it take to correct, and can it get stuck forever,
however much fair data it sees?* Each notebook answers part of it with experiments you run
and change. Every number in the text is computed by a cell, and every key claim is checked
in a cell, so the course's tests fail the day a claim stops being true.

**Who it is for.** Students who know a little Python and have met a neural network once;
self-learners who want to see *why* training fails rather than be told; teachers who want a
tested, offline, laptop-sized course. Everything runs on a CPU in seconds.

## The course map

| notebook | time |
|---|---|
{rows}

## How to run it

- **In your browser, nothing to install**: every notebook page has launch buttons at the top
  (the rocket): Binder opens it in JupyterLab, Colab in Google Colab (the first cell installs
  the course's helper package there). [Open notebook 00 on Binder]({course.binder_url(first)})
  or [in Colab]({course.colab_url(first)}).
- **On your own computer** (Linux, macOS or Windows, Python 3.11 to 3.13): clone the
  repository ({course.repository_url()}) and run `make lab`, or without make
  `python course.py lab`: it installs everything into `.venv` and opens the course in
  JupyterLab.
- **With a class**: see [For teachers](teaching) and the [instructor guide](instructor_guide).

The pages here are the notebooks as stored, with their outputs: read them anywhere, then run
them to change the experiments. Interactive controls only work in a running notebook; each
has a static figure of its most telling settings beside it.
"""


def favicon(path: Path) -> None:
    """A 32 px icon: a small network of three units, one of them dead (grey), in the palette."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(0.32, 0.32), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    for (x0, y0), (x1, y1) in [((0.2, 0.5), (0.8, 0.75)), ((0.2, 0.5), (0.8, 0.25))]:
        ax.plot([x0, x1], [y0, y1], color="#0072B2", lw=1.5)
    for (x, y), colour in [
        ((0.2, 0.5), "#0072B2"),
        ((0.8, 0.75), "#D55E00"),
        ((0.8, 0.25), "#999999"),
    ]:
        ax.add_patch(plt.Circle((x, y), 0.17, color=colour))
    fig.savefig(path, transparent=True)
    plt.close(fig)


def config_yml() -> str:
    from nnlab import course

    return f"""title: "nnlab"
author: The nnlab authors
copyright: "2026"
only_build_toc_files: true
exclude_patterns: ["_build", "**.ipynb_checkpoints"]
execute:
  execute_notebooks: "off"
repository:
  url: {course.repository_url()}
  branch: {course.release_ref()}
launch_buttons:
  binderhub_url: "https://mybinder.org"
  colab_url: "https://colab.research.google.com"
  notebook_interface: "jupyterlab"
html:
  use_repository_button: true
  use_issues_button: false
  use_edit_page_button: false
  home_page_in_navbar: true
parse:
  myst_enable_extensions: ["dollarmath", "amsmath", "colon_fence", "deflist", "html_image"]
sphinx:
  extra_extensions: ["sphinx-mathjax-offline"]  # MathJax served from the site: no CDN
  local_extensions:
    course_site: _ext
  recursive_update: true  # merge the options below into Jupyter Book's, do not replace them
  config:
    html_favicon: "_static/favicon.png"
    html_context:
      default_mode: "auto"  # an unset mode logs a console error on the first visit
    html_css_files: ["course.css"]
    html_show_sourcelink: false
    html_title: "nnlab"
    suppress_warnings: ["mystnb.unknown_mime_type", "myst.header"]
    nb_render_image_options: {{}}
"""


def toc_yml(infos: list[dict]) -> str:
    chapters = "\n".join(f"  - file: notebooks/{Path(i['file']).stem}" for i in infos)
    return f"""format: jb-book
root: index
parts:
- caption: The course
  chapters:
{chapters}
- caption: Teaching
  chapters:
  - file: teaching
  - file: instructor_guide
"""


def stage() -> list[dict]:
    """Write the book's sources into build/site-src/; return the notebooks' header infos."""
    if STAGE.exists():
        shutil.rmtree(STAGE)
    (STAGE / "notebooks").mkdir(parents=True)
    infos = [stage_notebook(p, STAGE / "notebooks" / p.name) for p in numbered_notebooks()]
    (STAGE / "index.md").write_text(landing_page(infos))
    guide = (ROOT / "docs" / "instructor_guide.md").read_text()
    (STAGE / "instructor_guide.md").write_text(link_citations(guide))
    (STAGE / "teaching.md").write_text("# For teachers\n\n" + readme_teacher_section() + "\n")
    (STAGE / "_ext").mkdir()
    (STAGE / "_ext" / "course_site.py").write_text(DEDUPE_EXTENSION)
    (STAGE / "_static").mkdir()
    (STAGE / "_static" / "course.css").write_text(CUSTOM_CSS)
    favicon(STAGE / "_static" / "favicon.png")
    (STAGE / "_config.yml").write_text(config_yml())
    (STAGE / "_toc.yml").write_text(toc_yml(infos))
    return infos


def build(out: Path) -> float:
    """Stage and build the site into ``out``; return the seconds it took."""
    start = time.perf_counter()
    stage()
    jb = Path(sys.executable).with_name("jupyter-book")
    if not jb.exists():
        raise SystemExit(
            "jupyter-book is not installed: run `make site` (it installs the site extra)"
        )
    built = STAGE / "_build"
    subprocess.run(
        [
            str(jb),
            "build",
            str(STAGE),
            "--builder",
            "html",
            "--warningiserror",
            "--quiet",
            "--keep-going",
        ],
        check=True,
    )
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(built / "html", out)
    return time.perf_counter() - start


# ----------------------------------------------------------------------------- checking


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[str] = []
        self.ids: set[str] = set()
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "img" and a.get("src"):
            self.images.append(a["src"])
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(errors="replace"))
    return page


def site_pages(out: Path) -> list[Path]:
    """The site's HTML pages (the theme's template fragments in _static/ are not pages)."""
    return sorted(p for p in out.rglob("*.html") if "_static" not in p.relative_to(out).parts)


def problems(out: Path) -> list[str]:
    """Broken internal links and images, and notebook pages without the notebook's title."""
    found = []
    pages = {p: parse(p) for p in site_pages(out)}
    for path, page in pages.items():
        where = path.relative_to(out)
        for ref in page.links + page.images:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or ref.startswith(("mailto:", "javascript:")):
                continue
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                found.append(f"{where}: broken link or image {ref!r}")
                continue
            if parts.fragment and target.suffix == ".html" and target in pages:
                if parts.fragment not in pages[target].ids:
                    found.append(f"{where}: no anchor #{parts.fragment} in {target.name}")
    for notebook in numbered_notebooks():
        page = out / "notebooks" / f"{notebook.stem}.html"
        if not page.exists():
            found.append(f"no page for {notebook.name}")
            continue
        title = re.search(
            r"^# (.+)$", "".join(json.loads(notebook.read_text())["cells"][0]["source"]), re.M
        )
        if title and title.group(1).strip() not in " ".join(pages[page].title.split()):
            found.append(f"{page.name}: title {pages[page].title!r} is not the notebook's")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "check", "stage"])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.command == "stage":
        stage()
        print(f"staged {STAGE}")
        return 0
    if args.command == "build":
        seconds = build(args.out)
        pages = len(site_pages(args.out))
        print(f"built {pages} pages into {args.out} in {seconds:.1f} s")
    found = problems(args.out)
    for problem in found:
        print("PROBLEM:", problem)
    print(f"{len(found)} problem(s) in {args.out}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
