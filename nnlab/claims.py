"""Claims: the notebook checks what its prose says, and explains itself when a seed disagrees.

``claim(statement, holds, measured)`` is an ``assert`` that speaks to the learner::

    claim("over half of layer 1 is dead after lr = 2", dead_frac > 0.5,
          measured=f"dead fraction {dead_frac:.2f}")

When ``holds`` is true nothing happens. When it is false, ``ClaimFailed`` (an
``AssertionError``) says what the claim was, the value measured, the seed, and how often
the claim held in the course's last seed scan (``make seed-scan``; the counts are stored
with the package in ``nnlab/seed_scan/``), so a learner who tried their own seed learns
that it is one of the rare ones, not that the notebook is broken.

The seed scan sets ``NNLAB_CLAIMS_SCAN=1``: every claim then prints one line,
``NNLAB-CLAIM {json}``, and none raises, so one run of a notebook reports on all of its
claims (nnlab writes no files; the scan reads the lines from the cells' outputs).
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from typing import Any

from ._validate import check_int
from .config import DEFAULT_SEED, base_seed

SCAN_DIR = "seed_scan"  # one <notebook>.json per notebook, written by make seed-scan
SCAN_ENV = "NNLAB_CLAIMS_SCAN"
SCAN_PREFIX = "NNLAB-CLAIM "


class ClaimFailed(AssertionError):
    """A notebook's claim did not hold for this run; the message says what and why."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing the traceback: the message is the story.
        return [f"\u274c Claim not confirmed. {self}"]


@cache
def scan_results() -> dict[str, dict[str, int]]:
    """Return ``{statement: {"held": h, "seeds": n}}`` from the last seed scans (may be empty)."""
    found: dict[str, dict[str, int]] = {}
    folder = resources.files("nnlab").joinpath(SCAN_DIR)
    if not folder.is_dir():
        return found
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        try:
            data = json.loads(entry.read_text())
        except json.JSONDecodeError as err:
            message = f"nnlab/{SCAN_DIR}/{entry.name} is not valid JSON ({err}); re-run it"
            raise ValueError(message) from err
        claims = data.get("claims", {}) if isinstance(data, dict) else {}
        found.update(claims if isinstance(claims, dict) else {})
    return found


def _check_statement(statement: object) -> None:
    if not isinstance(statement, str) or not statement.strip():
        raise TypeError("statement must be a non-empty string: the claim, in the prose's words")


def _as_bool(holds: object) -> bool:
    try:
        return bool(holds)
    except (TypeError, ValueError, RuntimeError) as err:  # e.g. a tensor with many entries
        raise ValueError(
            f"holds must be a single truth value; got {type(holds).__name__} "
            "(for a tensor or array of many, use .all() or .any())"
        ) from err


def explain(statement: str, measured: Any, seed: int) -> str:
    """Return the message a failed claim shows (statement, value, seed, scan rate)."""
    _check_statement(statement)
    seed = check_int("seed", seed, minimum=0)
    text = f"The notebook says: «{statement}». Measured under NNLAB_SEED={seed}: {measured}."
    record = scan_results().get(statement)
    if seed == DEFAULT_SEED:
        text += (
            " It held when this notebook was stored with the default seed, so something else"
            " changed: an edited cell above, a cell run out of order (restart the kernel and"
            " run all), or a different library version."
        )
    elif record:
        held, seeds = record["held"], record["seeds"]
        text += (
            f" In the course's last seed scan this claim held under {held} of {seeds} fresh"
            f" seeds: seed {seed} is one of the rare runs where it does not. The claim is about"
            " most runs, not every run; unset NNLAB_SEED to see the stored result."
        )
    else:
        text += (
            " The seed scan has no record of this claim yet; try another seed, and if it fails"
            " often, tell the course's maintainers."
        )
    return text


def claim(statement: str, holds: object, measured: Any = None) -> None:
    """Check one claim of the prose; raise ``ClaimFailed`` explaining it when it is false.

    ``statement`` is the claim in the prose's words (unique in the course), ``holds`` its
    truth value for this run (a bool, or a one-element tensor/array), ``measured`` what
    the learner should see if it fails (a number or a short string such as
    ``f"dead fraction {x:.2f}"``).
    """
    _check_statement(statement)
    truth = _as_bool(holds)
    if os.environ.get(SCAN_ENV, "").strip() == "1":
        entry = {"statement": statement, "holds": truth, "measured": str(measured)}
        print(SCAN_PREFIX + json.dumps(entry, ensure_ascii=False))
        return
    if not truth:
        raise ClaimFailed(explain(statement, measured, base_seed()))


__all__ = ["ClaimFailed", "claim", "explain", "scan_results"]
