"""The notebook 05 checks: a right answer passes, typical wrong answers get their own hint."""

import math

import pytest
import torch

from nnlab.exercises import CheckFailed
from nnlab.exercises.nb05 import check_fixed_point_norm, check_sanger_update, check_wta_update


# ----------------------------------------------------------------------------- winner-take-all
def wta_right(W, x, lr):
    winner = ((W - x) ** 2).sum(dim=1).argmin()
    W = W.clone()
    W[winner] = W[winner] + lr * (x - W[winner])
    return W


def wta_in_place(W, x, lr):
    winner = torch.cdist(x[None], W).argmin()
    W[winner] += lr * (x - W[winner])
    return W


def _move_row(W, x, lr, row, step):
    W = W.clone()
    W[row] = W[row] + step(W[row], x, lr)
    return W


def test_wta_check_passes_right_answers(capsys):
    check_wta_update(wta_right)
    check_wta_update(wta_in_place)
    assert capsys.readouterr().out.count("Passed") == 2


def _nearest(W, x):
    return ((W - x) ** 2).sum(dim=1).argmin()


@pytest.mark.parametrize(
    "answer, match",
    [
        (lambda W, x, lr: W + lr * (x - W), "prototypes moved; in winner-take-all only the winner"),
        (
            lambda W, x, lr: _move_row(
                W, x, lr, ((W - x) ** 2).sum(1).argmax(), lambda w, x, lr: lr * (x - w)
            ),
            "farthest",
        ),
        (
            lambda W, x, lr: _move_row(W, x, lr, (W @ x).argmax(), lambda w, x, lr: lr * (x - w)),
            "largest dot product",
        ),
        (
            lambda W, x, lr: _move_row(W, x, lr, _nearest(W, x), lambda w, x, lr: lr * (w - x)),
            "moved away from x",
        ),
        (
            lambda W, x, lr: _move_row(W, x, lr, _nearest(W, x), lambda w, x, lr: x - w),
            "jumped onto x",
        ),
        (
            lambda W, x, lr: _move_row(W, x, lr, _nearest(W, x), lambda w, x, lr: lr * x),
            r"lr \* x",
        ),
        (
            lambda W, x, lr: _move_row(
                W, x, lr, _nearest(W, x), lambda w, x, lr: 0.5 * lr * (x - w)
            ),
            r"not by lr \* \(x - w\)",
        ),
        (lambda W, x, lr: W, "no prototype moved"),
        (lambda W, x, lr: None, "returned None"),
        (lambda W, x, lr: W[0], "returned shape"),
        (lambda W, x, lr: W.tolist(), "torch tensor"),
        (lambda W, x, lr: (_ for _ in ()).throw(NotImplementedError()), "not written yet"),
    ],
)
def test_wta_check_explains_wrong_answers(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_wta_update(answer)


# ----------------------------------------------------------------------------- fixed-point norm
def test_fixed_point_norm_check_passes_right_answers(capsys):
    check_fixed_point_norm(lambda alpha: 1 / math.sqrt(alpha))
    check_fixed_point_norm(lambda alpha: torch.tensor(alpha) ** -0.5)
    assert capsys.readouterr().out.count("Passed") == 2


@pytest.mark.parametrize(
    "answer, match",
    [
        (lambda alpha: 1 / alpha, "squared norm"),
        (lambda alpha: math.sqrt(alpha), "upside down"),
        (lambda alpha: 1.0, "does not depend on alpha"),
        (lambda alpha: -1 / math.sqrt(alpha), "never negative"),
        (lambda alpha: 2 / math.sqrt(alpha), "for alpha = 4 you return 1"),
        (lambda alpha: torch.ones(2), "one number"),
        (lambda alpha: "half", "should return a number"),
        (lambda alpha: (_ for _ in ()).throw(NotImplementedError()), "not written yet"),
    ],
)
def test_fixed_point_norm_check_explains_wrong_answers(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_fixed_point_norm(answer)


# ----------------------------------------------------------------------------- Sanger
def sanger_right(W, x, lr):
    y = W @ x
    return W + lr * (torch.outer(y, x) - torch.tril(torch.outer(y, y)) @ W)


def sanger_loop(W, x, lr):
    """The same rule written row by row, as in Sanger's paper."""
    W_new = W.clone()
    y = W @ x
    for i in range(len(W)):
        residual = x - (y[: i + 1, None] * W[: i + 1]).sum(dim=0)
        W_new[i] = W[i] + lr * y[i] * residual
    return W_new


def test_sanger_check_passes_right_answers(capsys):
    check_sanger_update(sanger_right)
    check_sanger_update(sanger_loop)
    assert capsys.readouterr().out.count("Passed") == 2


@pytest.mark.parametrize(
    "answer, match",
    [
        (
            lambda W, x, lr: W + lr * (torch.outer(W @ x, x) - torch.outer(W @ x, W @ x) @ W),
            "subspace rule",
        ),
        (
            lambda W, x, lr: (
                W + lr * (torch.outer(W @ x, x) - torch.triu(torch.outer(W @ x, W @ x)) @ W)
            ),
            "upper triangle",
        ),
        (
            lambda W, x, lr: W + lr * (torch.outer(W @ x, x) - torch.diag((W @ x) ** 2) @ W),
            "only the diagonal",
        ),
        (lambda W, x, lr: W + lr * torch.outer(W @ x, x), "plain Hebb"),
        (lambda W, x, lr: 2 * W - sanger_right(W, x, lr), "sign of the update"),
        (lambda W, x, lr: sanger_right(W, x, lr).T, "returned shape"),
        (lambda W, x, lr: sanger_right(W, x, lr) + 0.01, "does not match"),
        (lambda W, x, lr: None, "returned None"),
        (lambda W, x, lr: (_ for _ in ()).throw(NotImplementedError()), "not written yet"),
    ],
)
def test_sanger_check_explains_wrong_answers(answer, match):
    with pytest.raises(CheckFailed, match=match):
        check_sanger_update(answer)
