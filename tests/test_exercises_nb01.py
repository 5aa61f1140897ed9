"""Notebook 01's exercise checks: right answers pass, typical mistakes get a specific hint."""

import numpy as np
import pytest

from nnlab.exercises import CheckFailed
from nnlab.exercises.nb01 import (
    check_output_blame,
    check_sigmoid_slope,
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
