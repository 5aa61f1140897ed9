"""Bad-input cases for nnlab.dead_demo (notebook 02's bookkeeping) and notebook 02's new checks."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from badinput import bad, check, names  # noqa: E402

import nnlab  # noqa: E402
from nnlab import dead_demo  # noqa: E402
from nnlab.batched import init_stack  # noqa: E402
from nnlab.exercises import nb02  # noqa: E402

STACK = init_stack([4, 5, 5, 3], seeds=[0])
X = torch.rand(6, 4)
Y = torch.randint(0, 3, (6,))
GEN = [torch.Generator().manual_seed(0)]
MASKS = torch.zeros(3, 4, dtype=torch.bool)
_, AX = plt.subplots()
BARS = AX.bar([0, 1], [1, 2])
plt.close("all")
NET = nnlab.MLP([4, 5, 5, 3])

CASES = {
    "nnlab.dead_demo.lower_hidden_biases": names(
        bad(dead_demo.lower_hidden_biases, "not a stack", "stack", NET, 0.5),
        bad(dead_demo.lower_hidden_biases, "NaN shift", "shift", STACK, float("nan")),
        bad(dead_demo.lower_hidden_biases, "text shift", "shift", STACK, "1"),
    ),
    "nnlab.dead_demo.shuffled_copies": names(
        bad(dead_demo.shuffled_copies, "1-D X", "X", torch.rand(6), Y, GEN),
        bad(dead_demo.shuffled_copies, "fewer labels", "y", X, Y[:4], GEN),
        bad(dead_demo.shuffled_copies, "one generator", "generators", X, Y, GEN[0]),
        bad(dead_demo.shuffled_copies, "no generators", "generators", X, Y, []),
    ),
    "nnlab.dead_demo.dead_in_stack": names(
        bad(dead_demo.dead_in_stack, "not a stack", "stack", NET, X),
        bad(dead_demo.dead_in_stack, "wrong width", "X", STACK, torch.rand(6, 3)),
        bad(dead_demo.dead_in_stack, "integer X", "X", STACK, torch.ones(6, 4).long()),
        bad(
            dead_demo.dead_in_stack,
            "tanh stack",
            "stack",
            init_stack([4, 5, 3], seeds=[0], activation="tanh"),
            X,
        ),
    ),
    "nnlab.dead_demo.transitions": names(
        bad(dead_demo.transitions, "float masks", "masks", MASKS.float()),
        bad(dead_demo.transitions, "one record", "masks", MASKS[:1]),
        bad(dead_demo.transitions, "1-D masks", "masks", MASKS[0]),
    ),
    "nnlab.dead_demo.recovery": names(
        bad(dead_demo.recovery, "no runs", "groups", [], []),
        bad(dead_demo.recovery, "lengths differ", "groups", [MASKS[0]], []),
        bad(dead_demo.recovery, "float group", "groups", [MASKS[0].float()], [MASKS]),
        bad(dead_demo.recovery, "units differ", "masks", [MASKS[0]], [MASKS[:, :3]]),
    ),
    "nnlab.dead_demo.unit_states": names(
        bad(dead_demo.unit_states, "zero tiny", "tiny", NET, X, Y, 0.0),
        bad(dead_demo.unit_states, "not a model", "model", "net", X, Y),
        bad(dead_demo.unit_states, "float labels", "y", NET, X, Y.float()),
    ),
    "nnlab.dead_demo.relative_to_alive": names(
        bad(
            dead_demo.relative_to_alive, "int values", "values", torch.ones(3).long(), MASKS[0, :3]
        ),
        bad(dead_demo.relative_to_alive, "shape differs", "dead", torch.ones(3), MASKS[0]),
        bad(dead_demo.relative_to_alive, "none dead", "dead", torch.ones(4), MASKS[0]),
    ),
    "nnlab.dead_demo.bar_labels": names(
        bad(dead_demo.bar_labels, "not an axes", "ax", None, BARS, [1, 2]),
        bad(dead_demo.bar_labels, "too few values", "values", AX, BARS, [1]),
    ),
    "nnlab.exercises.nb02.check_plain_rate": names(
        bad(nb02.check_plain_rate, "measure not callable", "measure", 0.9, 0.5),
        check(nb02.check_plain_rate, "text rate", "my_lr", "fast", lambda lr: 0.5),
        check(nb02.check_plain_rate, "negative rate", "my_lr", -1.0, lambda lr: 0.5),
    ),
    "nnlab.exercises.nb02.check_reinit_dead": names(
        check(nb02.check_reinit_dead, "not a function", "reinit_dead", 3),
        bad(nb02.check_reinit_dead, "recover not callable", "recover", lambda n, X, g: 0, 3),
    ),
}
