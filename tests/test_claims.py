"""nnlab.claims: a failed claim explains itself; the seed scan's log mode records every claim."""

import json

import numpy as np
import pytest
import torch

from nnlab import claims
from nnlab.claims import ClaimFailed, claim, explain


def test_a_true_claim_is_silent(capsys):
    claim("two is more than one", 2 > 1, measured=2)
    claim("a one-element tensor counts", torch.tensor(True), measured=1)
    claim("a numpy bool counts", np.bool_(True))
    assert capsys.readouterr().out == ""


def test_a_false_claim_says_what_was_claimed_and_measured():
    with pytest.raises(ClaimFailed) as failed:
        claim("over half the units die", 0.3 > 0.5, measured="dead fraction 0.30")
    text = str(failed.value)
    assert "over half the units die" in text and "dead fraction 0.30" in text
    assert "NNLAB_SEED=0" in text and "when this notebook was stored" in text
    assert isinstance(failed.value, AssertionError)  # nbval and plain pytest see a failure


def test_under_another_seed_the_message_gives_the_scan_rate(monkeypatch):
    monkeypatch.setattr(claims, "scan_results", lambda: {"c": {"held": 19, "seeds": 20}})
    text = explain("c", 0.1, seed=13)
    assert "held under 19 of 20 fresh seeds" in text and "seed 13" in text
    assert "no record" in explain("unknown claim", 0.1, seed=13)


def test_scan_mode_prints_every_claim_and_raises_none(capsys, monkeypatch):
    monkeypatch.setenv("NNLAB_CLAIMS_SCAN", "1")
    claim("holds", True, measured=1)
    claim("fails", False, measured="0.2")
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line.removeprefix(claims.SCAN_PREFIX)) for line in lines] == [
        {"statement": "holds", "holds": True, "measured": "1"},
        {"statement": "fails", "holds": False, "measured": "0.2"},
    ]


def test_bad_claims_are_refused():
    with pytest.raises(ValueError, match="holds"):
        claim("many values", torch.tensor([True, False]))
    with pytest.raises(TypeError, match="statement"):
        claim("", True)


def test_the_stored_scan_file_is_valid():
    results = claims.scan_results()
    assert isinstance(results, dict)
    for statement, record in results.items():
        assert 0 <= record["held"] <= record["seeds"], statement
