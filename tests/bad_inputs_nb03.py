"""Bad-input cases for notebook 03's newer exercise checks (the older ones are in
tests/test_bad_inputs.py)."""

from badinput import check, names

from nnlab.exercises import nb03

CASES = {
    "nnlab.exercises.nb03.check_width_prediction": names(
        check(nb03.check_width_prediction, "unknown option", "options", "z"),
        check(nb03.check_width_prediction, "not chosen", "answer_width", None),
    ),
    "nnlab.exercises.nb03.check_calibration_error": names(
        check(nb03.check_calibration_error, "not a function", "calibration_error", 0.1),
        check(
            nb03.check_calibration_error, "returns text", "calibration_error", lambda c, r, b: "x"
        ),
    ),
}
