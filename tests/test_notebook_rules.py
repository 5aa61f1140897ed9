"""The notebook rules in tests/test_notebooks.py catch what they promise to catch.

Each test here breaks one rule in a copy of notebook 00 and checks that the matching test
fails with a message that says what to fix.
"""

import json
import re
import shutil

import pytest
import test_notebooks as rules

NOTEBOOK = rules.ROOT / "notebooks" / "00_introduction.ipynb"


def _copy(tmp_path, edit, name="00_introduction.ipynb"):
    nb = json.loads(NOTEBOOK.read_text())
    edit(nb["cells"])
    path = tmp_path / name
    path.write_text(json.dumps(nb))
    return path


def _markdown_with(cells, text):
    return next(c for c in cells if c["cell_type"] == "markdown" and text in "".join(c["source"]))


def _replace(cells, old, new):
    cell = _markdown_with(cells, old)
    cell["source"] = "".join(cell["source"]).replace(old, new)


def _first_answer_removed(cells):
    cell = _markdown_with(cells, "<summary>Answers</summary>")
    source = "".join(cell["source"])
    answers = source.split("<summary>Answers</summary>", 1)
    cell["source"] = (
        answers[0]
        + "<summary>Answers</summary>"
        + re.sub(r"\n1\. [^\n]*\n", "\n", answers[1], count=1)
    )


def _questions_cut_to_three(cells):
    cell = _markdown_with(cells, "## Questionnaire")
    source = "".join(cell["source"])
    head, tail = source.split("## Questionnaire", 1)
    tail = re.sub(r"\n[45]\. [^\n]*", "", tail)
    cell["source"] = head + "## Questionnaire" + tail


def _caption_removed(cells):
    cell = _markdown_with(cells, "*Each shaded region")
    cell["source"] = "".join(cell["source"]).replace("*Each shaded region", "Each shaded region")


def _check_not_passed(cells):
    check = next(c for c in cells if "check" in c.get("metadata", {}).get("tags", []))
    check["outputs"] = []


def _solution_used_later(cells):
    later = next(c for c in cells if c["cell_type"] == "code" and "tags" not in c.get("metadata"))
    cells.append({**later, "source": "print(accuracy_from_logits(None, None))", "outputs": []})


def _axes_repr_shown(cells):
    cell = next(c for c in cells if c["cell_type"] == "code" and "mode:" in "".join(c["source"]))
    cell["outputs"].append(
        {
            "output_type": "execute_result",
            "execution_count": cell["execution_count"],
            "metadata": {},
            "data": {"text/plain": "<Axes: title={'center': 'Loss'}>"},
        }
    )


def _sections_swapped(cells):
    cell = _markdown_with(cells, "## Summary")
    source = "".join(cell["source"])
    source = source.replace("## Summary", "## TMP").replace("## Further reading", "## Summary")
    cell["source"] = source.replace("## TMP", "## Further reading")


CASES = [
    (
        "test_further_reading_entries_are_full_citations",
        lambda cells: _replace(cells, "(1998).", "1998."),
        "year in parentheses",
    ),
    (
        "test_further_reading_entries_are_full_citations",
        lambda cells: _replace(cells, "*Optical Recognition of Handwritten Digits.*", "Optical"),
        "italic *Title*",
    ),
    (
        "test_questionnaire_has_numbered_questions_and_as_many_answers",
        _first_answer_removed,
        "one numbered answer per question",
    ),
    (
        "test_questionnaire_has_numbered_questions_and_as_many_answers",
        _questions_cut_to_three,
        "at least 4 numbered questions",
    ),
    ("test_every_figure_has_a_caption_under_it", _caption_removed, "in *italics*"),
    (
        "test_header_has_title_badge_objectives_needs_and_time",
        lambda cells: _replace(cells, "/HEAD?urlpath", "/main?urlpath"),
        "exact Binder badge",
    ),
    (
        "test_header_has_title_badge_objectives_needs_and_time",
        lambda cells: _replace(cells, "**Time**", "**Duration**"),
        "'**Time**: about N minutes'",
    ),
    ("test_exercises_have_hint_stub_solution_and_passing_check", _check_not_passed, "passes"),
    ("test_only_check_cells_depend_on_solutions", _solution_used_later, "student version"),
    ("test_notebook_was_executed_top_to_bottom_without_errors", _axes_repr_shown, "with ';'"),
    ("test_closing_sections_come_in_order", _sections_swapped, "in this order"),
]


def test_the_unchanged_notebook_passes_every_rule(tmp_path):
    path = _copy(tmp_path, lambda cells: None)
    for name, _, _ in CASES:
        getattr(rules, name)(path)


@pytest.mark.parametrize("name, edit, message", CASES, ids=[c[2] for c in CASES])
def test_each_rule_catches_its_mistake(tmp_path, name, edit, message):
    path = _copy(tmp_path, edit)
    with pytest.raises(AssertionError) as failure:
        getattr(rules, name)(path)
    assert message in str(failure.value)


def test_a_notebook_without_a_guide_section_fails_with_instructions(tmp_path):
    path = tmp_path / "97_new_topic.ipynb"
    shutil.copy(NOTEBOOK, path)
    with pytest.raises(AssertionError, match="needs a section '### 97 · Title'"):
        rules.test_instructor_guide_has_a_complete_section_for_the_notebook(path)
