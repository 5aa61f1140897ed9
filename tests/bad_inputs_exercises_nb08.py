"""Bad-input cases for the checks and the mystery models of notebook 08."""

import torch
from badinput import bad, check, names

from nnlab.exercises import nb08

X = torch.rand(10, 64)
Y = torch.randint(0, 10, (10,))
RIGHT = {"A": "labels_unlearnable", "B": "dead_units"}

CASES = {
    "nnlab.exercises.nb08.check_expected_initial_loss": names(
        check(nb08.check_expected_initial_loss, "a number", "expected_initial_loss", 2.3),
    ),
    "nnlab.exercises.nb08.check_mystery": names(
        check(nb08.check_mystery, "a string", "diagnosis", "dead_units"),
        check(nb08.check_mystery, "a list", "diagnosis", ["a", "b", "c"]),
        check(nb08.check_mystery, "a floor as text", "c_floor", RIGHT, "1.46"),
    ),
    "nnlab.exercises.nb08.check_forgets_zero_grad": names(
        check(nb08.check_forgets_zero_grad, "a bool", "forgets_zero_grad", True),
    ),
    "nnlab.exercises.nb08.mystery_models": names(
        bad(nb08.mystery_models, "X as a list", "X", X.tolist(), Y),
        bad(nb08.mystery_models, "X of other width", "X", torch.rand(10, 16), Y),
        bad(nb08.mystery_models, "y too short", "y", X, Y[:5]),
        bad(nb08.mystery_models, "negative seed", "seed", X, Y, -1),
        bad(nb08.mystery_models, "float seed", "seed", X, Y, 1.5),
    ),
}
