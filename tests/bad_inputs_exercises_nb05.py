"""Bad-input cases for the checks of notebook 05 added with its core and stretch exercises."""

from badinput import check, names

from nnlab.exercises import nb05

CASES = {
    "nnlab.exercises.nb05.check_conscience_design": names(
        check(nb05.check_conscience_design, "text", "C", "two hundred"),
        check(nb05.check_conscience_design, "negative", "C", -5.0),
        check(nb05.check_conscience_design, "infinite", "C", float("inf")),
    ),
    "nnlab.exercises.nb05.check_leaky_update": names(
        check(nb05.check_leaky_update, "not a function", "leaky_update", 0.1),
        check(nb05.check_leaky_update, "returns text", "leaky_update", lambda W, x, lr, k: "W"),
    ),
}
