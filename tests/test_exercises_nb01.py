"""Notebook 01's exercise checks: right answers pass, typical mistakes get a specific hint."""

import re

import numpy as np
import pytest

from nnlab.exercises import _SHOWN, CheckFailed
from nnlab.exercises.nb01 import (
    check_fa_two_hidden,
    check_listening_flip,
    check_output_blame,
    check_sigmoid_slope,
    check_softplus_slope,
    check_tanh_layer_backward,
)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_sigmoid_slope_right_answer_passes(capsys):
    check_sigmoid_slope(lambda z: _sigmoid(z) * (1 - _sigmoid(z)))
    out = capsys.readouterr().out
    assert "Passed" in out and "0.25" in out


def _stub(*args):
    raise NotImplementedError("write me")


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (lambda z: _sigmoid(z), "σ\\(z\\) itself"),
        (lambda z: z * (1 - z), "needs s = σ\\(z\\), not z"),
        (lambda z: 1 - np.tanh(z) ** 2, "slope of tanh"),
        (lambda z: 1 - _sigmoid(z) ** 2, "slope of tanh"),
        (lambda z: np.exp(-z) / (1 + np.exp(-z)), "1 - σ\\(z\\)"),
        (lambda z: -_sigmoid(z) * (1 - _sigmoid(z)), "wrong sign"),
        (lambda z: 2 * _sigmoid(z) * (1 - _sigmoid(z)), "factor of about 2"),
        (lambda z: 0.25, "shape"),
        (lambda z: "slope", "array of numbers"),
        (lambda z: np.log(z), "NaN"),
    ],
)
def test_sigmoid_slope_wrong_answers_get_a_hint(answer, match):
    with np.errstate(all="ignore"), pytest.raises(CheckFailed, match=match):
        check_sigmoid_slope(answer)


def _one_hot(y, k):
    return np.eye(k)[y]


def test_output_blame_right_answer_passes(capsys):
    check_output_blame(lambda P, y: (P - _one_hot(y, P.shape[1])) / len(P))
    assert "Passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (lambda P, y: P - _one_hot(y, P.shape[1]), "factor of n = 12"),
        (lambda P, y: (_one_hot(y, P.shape[1]) - P) / len(P), "sign is flipped"),
        (lambda P, y: _one_hot(y, P.shape[1]) - P, "sign is flipped"),
        (lambda P, y: P / len(P), "left out the truth"),
        (lambda P, y: (P[np.arange(len(y)), y] - 1) / len(P), "one-hot"),
        (lambda P, y: ((P - _one_hot(y, P.shape[1])) / len(P)).T, "transposed"),
        (lambda P, y: (P - _one_hot(y, P.shape[1])) / P.size, "constant factor"),
        (lambda P, y: (P - _one_hot(y, P.shape[1]) ** 2) / len(P) + 0.01, "does not match"),
    ],
)
def test_output_blame_wrong_answers_get_a_hint(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_output_blame(answer)


def _layer_backward(X, W, H, dH):
    dZ = dH * (1 - H**2)
    return X.T @ dZ, dZ.sum(axis=0), dZ @ W.T


def test_tanh_layer_backward_right_answer_passes(capsys):
    check_tanh_layer_backward(_layer_backward)
    assert "Passed" in capsys.readouterr().out


def _variant(**changes):
    """The right answer with one output replaced by a typical mistake."""

    def answer(X, W, H, dH):
        dZ = dH * (1 - H**2)
        out = {"dW": X.T @ dZ, "db": dZ.sum(axis=0), "dX": dZ @ W.T}
        local = {"X": X, "W": W, "H": H, "dH": dH, "dZ": dZ}
        out.update({k: fn(local) for k, fn in changes.items()})
        return out["dW"], out["db"], out["dX"]

    return answer


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (lambda X, W, H, dH: X.T @ (dH * (1 - H**2)), "three arrays"),
        (_variant(dW=lambda v: v["X"].T @ v["dH"]), "dW is missing the activation's derivative"),
        (_variant(dX=lambda v: v["dH"] @ v["W"].T), "dX is missing the activation's derivative"),
        (_variant(db=lambda v: v["dH"].sum(axis=0)), "db is missing the activation's derivative"),
        (_variant(dW=lambda v: v["dZ"].T @ v["X"]), "transposed"),
        (_variant(dW=lambda v: -(v["X"].T @ v["dZ"])), "wrong sign"),
        (_variant(db=lambda v: v["dZ"].sum(axis=1)), "wrong axis|axis=0"),
        (_variant(db=lambda v: v["dZ"].mean(axis=0)), "factor 1/n"),
        (_variant(dX=lambda v: v["dZ"] @ v["W"]), "raised ValueError"),
        (_variant(dX=lambda v: v["dZ"]), "dX has shape \\(7, 3\\), expected \\(7, 4\\)"),
        (_variant(dW=lambda v: v["X"].T @ (v["dH"] * (1 - v["H"]) ** 2)), "does not match"),
    ],
)
def test_tanh_layer_backward_wrong_answers_get_a_hint(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_tanh_layer_backward(answer)


# ----------------------------------------------------------------------------- the exercises
# of today's notebook: softplus slope (warm-up), the listening flip (core), feedback alignment
# through two hidden layers (stretch)


@pytest.fixture(autouse=True)
def _fresh_hint_ladder():
    """Each test starts at the first rung of the hint ladder."""
    _SHOWN.clear()
    yield
    _SHOWN.clear()


def test_softplus_slope_right_answer_passes(capsys):
    check_softplus_slope(lambda z: _sigmoid(z))
    out = capsys.readouterr().out
    assert "Passed" in out and "0.50 at z = 0" in out


@pytest.mark.parametrize(
    "answer, match",
    [
        (_stub, "not written yet"),
        (lambda z: np.log1p(np.exp(z)), "softplus\\(z\\) itself"),
        (lambda z: np.exp(z), "only the inner derivative"),
        (lambda z: 1 / (1 + np.exp(z)), "mirrored"),
        (lambda z: _sigmoid(z) * (1 - _sigmoid(z)), "one derivative too far"),
        (lambda z: (z > 0).astype(float), "ReLU's slope"),
        (lambda z: -_sigmoid(z), "wrong sign"),
        (lambda z: 0.5 * _sigmoid(z), "constant factor"),
        (lambda z: _sigmoid(z)[:5], "shape"),
        (lambda z: np.tanh(z), "does not match"),
    ],
)
def test_softplus_slope_wrong_answers_get_a_hint(answer, match):
    with np.errstate(all="ignore"), pytest.raises(CheckFailed, match=match):
        check_softplus_slope(answer)


def test_softplus_hint_ladder_gives_a_stronger_hint_the_second_time():
    with pytest.raises(CheckFailed) as first:
        check_softplus_slope(lambda z: np.exp(z))
    assert "Second hint" not in str(first.value)
    with pytest.raises(CheckFailed, match="Second hint: the derivative of log\\(u\\) is 1/u"):
        check_softplus_slope(lambda z: np.exp(z))


def test_listening_flip_right_answer_passes(capsys):
    check_listening_flip("(B)")
    assert "tanh is odd" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, match",
    [
        (None, "choose one of"),
        ("a", "what does tanh do when its input changes sign"),
        ("c", "output layer only sees activity times vote"),
        ("d", "not one of the options"),
    ],
)
def test_listening_flip_wrong_answers_get_a_hint(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_listening_flip(answer)


def _fa(dZ3, H1, H2, B2, B3):
    dZ2 = (dZ3 @ B3) * (1 - H2**2)
    return (dZ2 @ B2) * (1 - H1**2), dZ2


def test_fa_two_hidden_right_answer_passes_and_aligns_both_layers(capsys):
    check_fa_two_hidden(_fa)
    out = capsys.readouterr().out
    assert "Passed" in out
    angles = [int(a) for a in re.findall(r"(\d+)°", out)]
    early2, late2, early1, late1 = angles
    assert 75 < early2 < 105 and 75 < early1 < 105  # random feedback starts at right angles
    assert late2 < 75 and late1 < 75  # and ends well within 90° in both layers


def _fa_variant(kind):
    def answer(dZ3, H1, H2, B2, B3):
        dZ1, dZ2 = _fa(dZ3, H1, H2, B2, B3)
        raw2 = dZ3 @ B3
        variants = {
            "swapped": lambda: (dZ2, dZ1),
            "no slope 2": lambda: ((raw2 @ B2) * (1 - H1**2), raw2),
            "sigmoid slope": lambda: (
                (raw2 * H2 * (1 - H2)) @ B2 * (1 - H1**2),
                raw2 * H2 * (1 - H2),
            ),
            "no slope 1": lambda: (dZ2 @ B2, dZ2),
            "transposed B": lambda: ((dZ2 @ B2.T) * (1 - H1**2), dZ2),
            "one array": lambda: dZ1,
            "sign": lambda: (-dZ1, -dZ2),
        }
        return variants[kind]()

    return answer


@pytest.mark.parametrize(
    "kind, match",
    [
        ("swapped", "wrong order"),
        ("no slope 2", "before the second hidden layer's slope"),
        ("sigmoid slope", "belongs to a sigmoid"),
        ("no slope 1", "missing the first hidden layer's slope"),
        ("transposed B", "raised ValueError"),
        ("one array", "return two arrays"),
        ("sign", "wrong sign"),
    ],
)
def test_fa_two_hidden_wrong_answers_get_a_hint(kind, match):
    with pytest.raises(CheckFailed, match=match):
        check_fa_two_hidden(_fa_variant(kind))


def test_fa_two_hidden_skipping_layer_two_slope_in_dz1_is_named():
    def answer(dZ3, H1, H2, B2, B3):
        dZ2 = (dZ3 @ B3) * (1 - H2**2)
        return ((dZ3 @ B3) @ B2) * (1 - H1**2), dZ2

    with pytest.raises(CheckFailed, match="before H2's slope"):
        check_fa_two_hidden(answer)
