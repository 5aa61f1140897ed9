"""Bad-input cases for notebook 04's newer exercise checks (the older ones are in
tests/test_bad_inputs.py)."""

from badinput import bad, check, names

from nnlab.exercises import nb04


def _measure(lr):
    return 40.0


CASES = {
    "nnlab.exercises.nb04.check_correction_design": names(
        check(nb04.check_correction_design, "not a number", "my_lr", "fast", 1.0, 40, _measure),
        bad(nb04.check_correction_design, "negative h", "h", 0.02, -1.0, 40, _measure),
        bad(nb04.check_correction_design, "one step", "steps", 0.02, 1.0, 1, _measure),
        bad(nb04.check_correction_design, "no measure", "measure", 0.02, 1.0, 40, None),
    ),
    "nnlab.exercises.nb04.check_bias_curvature_ce": names(
        check(nb04.check_bias_curvature_ce, "not a function", "bias_curvature_ce", 0.1),
        check(nb04.check_bias_curvature_ce, "returns text", "bias_curvature_ce", lambda L, c: "h"),
    ),
}
