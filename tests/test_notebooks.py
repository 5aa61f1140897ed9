"""Hygiene and structure of the committed notebooks, checked on the stored files.

nbval (``make notebooks-test``) runs them, with the figure audit on; these tests check what
a learner opens: executed in order and clean; a header with objectives, needs, time and a
Binder badge; prediction prompts; a caption under every figure; exercises with a hint, a
solution and a check that passes; a summary, further reading with full citations and a
questionnaire with answers; and a section in the instructor guide. Every notebook added to
notebooks/ is checked the same way, without changing this file.
"""

import base64
import json
import re
import struct
from pathlib import Path

import nbformat
import pytest

import nnlab
from tools import student

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
GUIDE = ROOT / "docs" / "instructor_guide.md"
ALLOWED_TAGS = {"exercise", "solution", "check", "widget"}
# Machine paths, memory addresses and timings must never reach a stored output.
FORBIDDEN_OUTPUT = [
    (re.compile(r"/(root|tmp|work|home|Users)/"), "a local path"),
    (re.compile(r"0x[0-9a-f]{8,}"), "a memory address"),
    (
        re.compile(r"\d+(\.\d+)?\s*(it/s|s/it)|Wall time|CPU times|\d+\.\d+\s*(s|ms|µs)\b"),
        "a timing",
    ),
]
# The repr of a plotting call's return value, printed because a line did not end with ";".
OBJECT_REPR = re.compile(r"^(<(Axes|Figure|matplotlib)[^>]*>|\[<matplotlib|Text\(|<BarContainer)")
SECTIONS = ("What this says about the question", "Summary", "Further reading", "Questionnaire")
MAX_CAPTION_CHARS = 400
MAX_IMAGE_PX = (1000, 800)  # width, height: about 12 x 10 in at the course's dpi of 80
CITATION_YEAR = re.compile(r"\((1[89]\d\d|20\d\d)[a-z]?\)")


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _markdown(cells: list[dict]) -> str:
    return "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")


def _section(markdown: str, heading: str) -> str:
    """Return the text under the level-2 heading ``heading``, up to the next level-2 heading."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, f"missing section: ## {heading}"
    return match.group(1)


def _items(text: str, pattern: str = r"[-*]") -> list[str]:
    """Return the list items of ``text`` (bullets by default), each joined onto one line."""
    items = []
    for line in text.splitlines():
        if re.match(rf"^{pattern}\s+\S", line):
            items.append(line.strip())
        elif items and items[-1] and line.strip() and not line.startswith("#"):
            items[-1] += " " + line.strip()  # a continuation line, indented or not
        elif not line.strip() and items:
            items.append("")
    return [i for i in items if i]


def _numbered(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"^(\d+)\.\s+\S", text, re.M)]


def _shows_figure(cell: dict) -> bool:
    outputs = cell.get("outputs", [])
    return any("image/png" in o.get("data", {}) for o in outputs) or "widget" in _tags(cell)


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_introduction.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_name_size_and_metadata(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name)
    assert path.stat().st_size < 1.5 * 2**20, "keep notebooks light: smaller figures"
    nb = _load(path)
    assert set(nb["metadata"]) <= {"kernelspec", "language_info", "nnlab"}
    assert set(nb["metadata"].get("nnlab", {})) <= {"outputs_from"}
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {})) <= {"tags"}, "run `make clean-notebooks`"
        assert set(_tags(cell)) <= ALLOWED_TAGS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_was_executed_top_to_bottom_without_errors(path):
    code = [c for c in _load(path)["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "re-run with `make notebooks`"
    for cell in code:
        for output in cell["outputs"]:
            assert output["output_type"] != "error", _source(cell)[:80]
            text = json.dumps(
                {k: v for k, v in output.get("data", output).items() if k != "image/png"}
            )
            for pattern, what in FORBIDDEN_OUTPUT:
                assert not pattern.search(text), f"an output shows {what}: {_source(cell)[:60]}"
            if output["output_type"] == "execute_result":
                shown = "".join(output["data"].get("text/plain", ""))
                assert not OBJECT_REPR.match(shown), (
                    f"end the plotting line with ';' (the output shows {shown[:40]!r}): "
                    f"{_source(cell)[:60]}"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_figures_are_small(path):
    for cell in _load(path)["cells"]:
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                png = base64.b64decode(output["data"]["image/png"])
                width, height = struct.unpack(">II", png[16:24])
                assert width <= MAX_IMAGE_PX[0] and height <= MAX_IMAGE_PX[1], (
                    f"a {width}x{height} px figure: use figsize about 6x3.6 in at dpi 80 "
                    f"({_source(cell)[:60]})"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_header_has_title_badge_objectives_needs_and_time(path):
    cells = _load(path)["cells"]
    header = _source(cells[0])
    assert cells[0]["cell_type"] == "markdown"
    assert re.match(rf"# {path.name[:2]} · \S", header), "title: '# NN · Title'"
    assert nnlab.binder_badge(f"notebooks/{path.name}") in header, (
        f"the header needs this exact Binder badge line (from the repository URL): "
        f"{nnlab.binder_badge(f'notebooks/{path.name}')}"
    )
    learn = header.split("**What you will learn**", 1)
    assert len(learn) == 2, "the header needs '**What you will learn**'"
    objectives = _items(learn[1].split("**What you need**", 1)[0])
    assert 3 <= len(objectives) <= 5, (
        f"3-5 objectives under 'What you will learn', got {objectives}"
    )
    assert "**What you need**" in header
    assert re.search(r"\*\*Time\*\*:?.*\d+\s*min", header), "'**Time**: about N minutes'"
    first_code = next(c for c in cells if c["cell_type"] == "code")
    assert "import nnlab" in _source(first_code)
    assert "nnlab.__version__" in _source(first_code)
    assert "nnlab.use_style()" in _source(first_code)
    assert "nnlab.seed()" in _source(first_code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_closing_sections_come_in_order(path):
    markdown = _markdown(_load(path)["cells"])
    positions = []
    for heading in SECTIONS:
        match = re.search(rf"^## {re.escape(heading)}\s*$", markdown, re.M)
        assert match, f"missing section: ## {heading}"
        positions.append(match.start())
    assert positions == sorted(positions), f"sections in this order: {SECTIONS}"
    assert len(_items(_section(markdown, "Summary"))) >= 2, "a summary of at least 2 points"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_further_reading_entries_are_full_citations(path):
    entries = _items(_section(_markdown(_load(path)["cells"]), "Further reading"))
    assert len(entries) >= 2, "at least two further-reading entries"
    for entry in entries:
        year = CITATION_YEAR.search(entry)
        assert year, f"a citation has the year in parentheses after the authors: {entry[:80]}"
        assert re.search(r"[A-Z]", entry[: year.start()]), f"authors before the year: {entry[:80]}"
        title = re.search(r"(?<!\*)\*([^*]{4,})\*(?!\*)|\u201c([^\u201d]{4,})\u201d", entry)
        assert title and title.start() > year.start(), (
            f"an italic *Title* after the year: {entry[:80]}"
        )
        venue = entry[title.end() :].strip(" .")
        assert len(venue) >= 4, f"the venue, DOI, arXiv id or URL after the title: {entry[:80]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_questionnaire_has_numbered_questions_and_as_many_answers(path):
    text = _section(_markdown(_load(path)["cells"]), "Questionnaire")
    match = re.search(r"<details>\s*<summary>Answers</summary>(.*?)</details>", text, re.S)
    assert match, "answers go in <details><summary>Answers</summary> ... </details>"
    questions = _numbered(text[: match.start()])
    answers = _numbered(match.group(1))
    assert len(questions) >= 4, f"at least 4 numbered questions, got {len(questions)}"
    assert questions == list(range(1, len(questions) + 1)), "number the questions 1, 2, 3, ..."
    assert answers == questions, f"one numbered answer per question: {answers} vs {questions}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_predictions_and_asserted_claims(path):
    cells = _load(path)["cells"]
    assert "🤔 **Predict" in _markdown(cells), "at least one '🤔 **Predict**' prompt"
    assert any("assert " in _source(c) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_a_caption_under_it(path):
    cells = _load(path)["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code" or not _shows_figure(cell):
            continue
        following = cells[index + 1] if index + 1 < len(cells) else None
        where = f"the cell drawing a figure ({_source(cell)[:50]!r})"
        assert following and following["cell_type"] == "markdown", (
            f"{where} needs a markdown cell right under it, starting with an *italic caption*"
        )
        # The caption is the first paragraph (its source may wrap over several lines).
        caption = " ".join(_source(following).strip().split("\n\n")[0].split())
        assert re.fullmatch(r"\*[^*\s][^*]*[^*\s]\*", caption), (
            f"{where}: the caption is the first line of the markdown under it, in *italics*; "
            f"got {caption[:60]!r}"
        )
        assert len(caption) <= MAX_CAPTION_CHARS, f"{where}: keep the caption short"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_widgets_follow_the_panel_convention(path):
    for cell in _load(path)["cells"]:
        if "widget" in _tags(cell):
            source = _source(cell)
            assert "live_control(" in source, "a widget cell builds its panel with live_control"
            last = source.strip().splitlines()[-1]
            assert re.fullmatch(r"\w+_panel", last.strip()), (
                f"a widget cell shows its panel (a name ending in _panel) last; got {last!r}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_have_hint_stub_solution_and_passing_check(path):
    cells = _load(path)["cells"]
    tags = [t for c in cells for t in _tags(c)]
    n = tags.count("exercise")
    assert n == tags.count("solution") and n <= tags.count("check")
    code = [c for c in cells if c["cell_type"] == "code"]
    for index, cell in enumerate(cells):
        cell_tags = _tags(cell)
        source = _source(cell)
        if "exercise" in cell_tags:
            assert "NotImplementedError" in source or re.search(r"=\s*None\b", source), (
                "an exercise stub raises NotImplementedError('hint'), or (a choice) sets None"
            )
            task = next(c for c in reversed(cells[:index]) if c["cell_type"] == "markdown")
            assert "<details><summary>Hint</summary>" in _source(task), (
                f"the task above the exercise needs a hint: {source[:50]!r}"
            )
            after = code[code.index(cell) + 1 : code.index(cell) + 3]
            assert [_tags(c) for c in after] == [["solution"], ["check"]], (
                f"an exercise is followed by its solution, then its check: {source[:50]!r}"
            )
        if "check" in cell_tags:
            assert "check_" in source
            shown = "".join(
                "".join(o.get("text", "")) for o in cell["outputs"] if o["output_type"] == "stream"
            )
            assert "\u2705 Passed" in shown, f"the full notebook passes its check: {source[:50]!r}"
    if path.name != "00_introduction.ipynb":
        assert n >= 2, "every topic notebook has at least two exercises"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_only_check_cells_depend_on_solutions(path):
    nb = nbformat.read(path, as_version=4)
    dependent = [nb.cells[i] for i in student.solution_dependents(nb)]
    wrong = [c.source.splitlines()[0] for c in dependent if "check" not in student.tags(c)]
    assert not wrong, (
        "these cells use a name a solution cell defines, so they break in the student version; "
        f"use the notebook's own code or nnlab's instead: {wrong}"
    )


def _guide_sections() -> dict[str, str]:
    text = GUIDE.read_text()
    parts = re.split(r"^### (\d\d) · .*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


GUIDE_FIELDS = (
    "**Objectives**",
    "**Learner time**",
    "**Run time**",
    "**Prerequisites**",
    "**Discussion questions**",
    "**Common mistakes**",
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_instructor_guide_has_a_complete_section_for_the_notebook(path):
    sections = _guide_sections()
    number = path.name[:2]
    assert number in sections, (
        f"docs/instructor_guide.md needs a section '### {number} · Title' for {path.name}, "
        f"with {', '.join(GUIDE_FIELDS)} (copy the section of notebook 00)"
    )
    section = sections[number]
    for field in GUIDE_FIELDS:
        assert field in section, f"the guide's section {number} lacks {field}"
    run_time = re.search(r"\*\*Run time\*\*[^\n]*", section).group(0)
    assert re.search(r"\d+(\.\d+)? s\b", run_time) and "TO MEASURE" not in run_time, (
        f"measure notebook {number} and write its run time into the guide: "
        f"`make guide-times NOTEBOOKS=notebooks/{path.name}` (got {run_time!r})"
    )
    questions = section.split("**Discussion questions**", 1)[1].split("**Common mistakes**")[0]
    assert len(re.findall(r"^\s*\d+\.\s+\S", questions, re.M)) >= 2, "two discussion questions"
