"""Bad-input cases for the checks of notebook 09."""

import torch
from badinput import check, names

from nnlab.exercises import nb09

CASES = {
    "nnlab.exercises.nb09.check_bias_rate": names(
        check(nb09.check_bias_rate, "not a function", "bias_rate", 2.0),
        check(nb09.check_bias_rate, "returns text", "bias_rate", lambda v, z: "two"),
    ),
    "nnlab.exercises.nb09.check_died_first": names(
        check(nb09.check_died_first, "not a function", "died_first", 2.0),
        check(nb09.check_died_first, "wrong shape", "died_first", lambda v, f: torch.zeros(3)),
    ),
    "nnlab.exercises.nb09.check_revive": names(
        check(nb09.check_revive, "not a function", "revive", "stack"),
        check(nb09.check_revive, "returns a tensor", "revive", lambda s, u, X: torch.zeros(1)),
    ),
}
