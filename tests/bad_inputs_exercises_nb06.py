"""Bad-input cases for notebook 06's exercise checks: a wrong kind of answer gets a hint."""

from badinput import check, names

from nnlab.exercises import nb06

CASES = {
    "nnlab.exercises.nb06.check_lillicrap_angle": names(
        check(nb06.check_lillicrap_angle, "not a function", "lillicrap_angle", 3.0),
        check(nb06.check_lillicrap_angle, "returns text", "lillicrap_angle", lambda a, b: "x"),
    ),
    "nnlab.exercises.nb06.check_kp_gap": names(
        check(nb06.check_kp_gap, "not a function", "kp_gap", 0.5),
        check(nb06.check_kp_gap, "returns nothing", "kp_gap", lambda g, lr, wd, t: None),
    ),
    "nnlab.exercises.nb06.check_inputs_choice": names(
        check(nb06.check_inputs_choice, "no choice made", "answer", None),
    ),
    "nnlab.exercises.nb06.check_feedback_scale": names(
        check(nb06.check_feedback_scale, "text", "my_scale", "ten"),
        check(nb06.check_feedback_scale, "negative", "my_scale", -1.0),
    ),
}
