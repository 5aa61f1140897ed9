"""Bad-input cases for the checks of notebook 09."""

import torch
from badinput import check, names

from nnlab.exercises import nb09

CASES = {
    "nnlab.exercises.nb09.check_vote_rate": names(
        check(nb09.check_vote_rate, "not a function", "vote_rate", 2.0),
        check(nb09.check_vote_rate, "returns text", "vote_rate", lambda a: "two"),
    ),
    "nnlab.exercises.nb09.check_flip_reason": names(
        check(nb09.check_flip_reason, "unknown option", "options", "e"),
    ),
    "nnlab.exercises.nb09.check_revive": names(
        check(nb09.check_revive, "not a function", "revive", "stack"),
        check(nb09.check_revive, "returns a tensor", "revive", lambda s, u, X: torch.zeros(1)),
    ),
}
