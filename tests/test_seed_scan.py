"""tools.seed_scan: finds every claim and assert, runs a notebook under seeds, counts right."""

import json

import nbformat

from tools import seed_scan

SOURCE = [
    "import os\nfrom nnlab import claim\nseed = int(os.environ.get('NNLAB_SEED', '0'))",
    "claim('the seed is even', seed % 2 == 0, measured=seed)\nx = 1",
    "assert seed != 12, seed\ny = 2\nassert seed != 13",
    "if seed == 14: raise RuntimeError('boom')\nassert True",
]


def _notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# t")] + [
        nbformat.v4.new_code_cell(s) for s in SOURCE
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "99_scan.ipynb"
    nbformat.write(nb, path)
    return path, nb


def test_checks_are_found_with_cell_and_line(tmp_path):
    _, nb = _notebook(tmp_path)
    found = seed_scan.checks_in(nb)
    assert [(c["kind"], c["cell"], c["line"]) for c in found] == [
        ("claim", 2, 1),
        ("assert", 3, 1),
        ("assert", 3, 3),
        ("assert", 4, 2),
    ]
    assert found[0]["key"] == "the seed is even"
    assert found[2]["key"] == "cell 3, line 3: assert seed != 13"


def test_a_real_scan_counts_held_failed_and_not_reached(tmp_path):
    path, nb = _notebook(tmp_path)
    runs = [seed_scan.run_one(path, seed, "fast", 1) for seed in (11, 12, 13, 14)]
    table = seed_scan.tally(nb, runs)
    assert table["the seed is even"]["held"] == 2 and table["the seed is even"]["failed"] == [
        11,
        13,
    ]
    first, second = (
        table["cell 3, line 1: assert seed != 12, seed"],
        table["cell 3, line 3: assert seed != 13"],
    )
    assert (first["held"], first["failed"]) == (3, [12])
    assert (second["held"], second["failed"], second["not_reached"]) == (2, [13], 1)
    assert table["cell 4, line 2: assert True"]["not_reached"] == 1  # the cell raised first
    assert seed_scan.errors(runs, nb) == ["cell 4: RuntimeError (seeds 14)"]
    record = {"checks": table}
    weak = seed_scan.below(record, 0.95)
    assert any("the seed is even (2 of 4)" in w for w in weak)


def test_saving_writes_the_claims_nnlab_reads(tmp_path, monkeypatch):
    monkeypatch.setattr(seed_scan, "JSON_DIR", tmp_path / "scan")
    monkeypatch.setattr(seed_scan, "MD_PATH", tmp_path / "SCAN.md")
    entry = {"kind": "claim", "held": 19, "failed": [4711], "not_reached": 0, "measured": {}}
    record = {"seeds": [1], "mode": "fast", "date": "d", "checks": {"c": entry}, "errors": []}
    seed_scan.save("99_x.ipynb", record)
    seed_scan.write_report()
    saved = json.loads((tmp_path / "scan" / "99_x.json").read_text())
    assert saved["claims"] == {"c": {"held": 19, "seeds": 20}}
    assert "| claim | c | 19 of 20 | 4711 | 0 |" in (tmp_path / "SCAN.md").read_text()
