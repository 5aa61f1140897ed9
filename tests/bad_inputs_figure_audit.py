"""Bad-input cases for the label checks of nnlab.figure_audit (the rest are in test_bad_inputs)."""

from badinput import bad, names

from nnlab import figure_audit

CASES = {
    "nnlab.figure_audit.has_unit": names(
        bad(figure_audit.has_unit, "not a string", "label", None),
        bad(figure_audit.has_unit, "a number", "label", 3.0),
    ),
    "nnlab.figure_audit.is_dimensionless": names(
        bad(figure_audit.is_dimensionless, "not a string", "label", ["accuracy"]),
    ),
    "nnlab.figure_audit.label_states_its_unit": names(
        bad(figure_audit.label_states_its_unit, "not a string", "label", b"loss (nats)"),
    ),
}
