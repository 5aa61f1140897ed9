"""Bad-input cases for the checks of notebook 00 added with its core and stretch exercises."""

import torch
from badinput import bad, check, names

import nnlab
from nnlab.exercises import nb00

NET = nnlab.MLP([4, 3, 2])
X = torch.rand(6, 4)

CASES = {
    "nnlab.exercises.nb00.check_boundary_pieces": names(
        check(nb00.check_boundary_pieces, "text", "answer", "three"),
        check(nb00.check_boundary_pieces, "a fraction", "answer", 2.5),
    ),
    "nnlab.exercises.nb00.check_kill_unit": names(
        check(nb00.check_kill_unit, "not a function", "kill_unit", 0.5, NET, X),
        bad(nb00.check_kill_unit, "not a model", "model", lambda m, k: m, "net", X),
        bad(nb00.check_kill_unit, "no hidden layer", "model", lambda m, k: m, nnlab.MLP([4, 2]), X),
        bad(nb00.check_kill_unit, "wrong width", "X", lambda m, k: m, NET, torch.rand(6, 3)),
        bad(nb00.check_kill_unit, "integer X", "X", lambda m, k: m, NET, torch.ones(6, 4).long()),
        bad(nb00.check_kill_unit, "unit too large", "unit", lambda m, k: m, NET, X, 3),
        bad(nb00.check_kill_unit, "negative unit", "unit", lambda m, k: m, NET, X, -1),
    ),
}
