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
            "not by the right amount",
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


# ----------------------------------------------------------------------------- conscience design
def test_conscience_design_passes_a_scaled_strength(capsys):
    from nnlab.exercises.nb05 import check_conscience_design

    check_conscience_design(1800.0)
    check_conscience_design(1000)
    out = capsys.readouterr().out
    assert out.count("Passed") == 2 and "0 dead prototypes" in out


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        (None, "set C to a number"),
        (200.0, "stay dead"),  # section 4's C, unscaled: too weak for data 3 times larger
        (600.0, "stay dead"),  # scaled by 3 instead of 9
        (200_000.0, "swamps the distances"),
        (0.0, "positive"),
        (True, "one number"),
    ],
)
def test_conscience_design_explains_wrong_answers(answer, match):
    from nnlab.exercises.nb05 import check_conscience_design

    with pytest.raises(CheckFailed, match=match):
        check_conscience_design(answer)


def test_conscience_design_second_hint_is_stronger():
    from nnlab.exercises.nb05 import check_conscience_design

    messages = []
    for _ in range(2):
        with pytest.raises(CheckFailed) as err:
            check_conscience_design(300.0)
        messages.append(str(err.value))
    assert "Second hint" not in messages[0] and "squared distance" in messages[1]


# ----------------------------------------------------------------------------- leaky learning
def leaky_right(W, x, lr, leak):
    winner = ((W - x) ** 2).sum(dim=1).argmin()
    new = W + leak * lr * (x - W)
    new[winner] = W[winner] + lr * (x - W[winner])
    return new


def leaky_loop(W, x, lr, leak):
    W = W.clone()
    d = [float(((w - x) ** 2).sum()) for w in W]
    winner = d.index(min(d))
    for j in range(len(W)):
        W[j] = W[j] + (1.0 if j == winner else leak) * lr * (x - W[j])
    return W


def test_leaky_check_passes_right_answers_and_measures(capsys):
    from nnlab.exercises.nb05 import check_leaky_update

    check_leaky_update(leaky_right)
    check_leaky_update(leaky_loop)
    out = capsys.readouterr().out
    assert out.count("Passed") == 2 and out.count("leak 0.01") == 2 and "leak 0.1" in out


def _plain(W, x, lr, leak):
    return wta_right(W, x, lr)


def _all_full(W, x, lr, leak):
    return W + lr * (x - W)


def _all_small(W, x, lr, leak):
    return W + leak * lr * (x - W)


def _winner_leaks(W, x, lr, leak):
    winner = ((W - x) ** 2).sum(dim=1).argmin()
    new = W + lr * (x - W)
    new[winner] = W[winner] + leak * lr * (x - W[winner])
    return new


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        (_plain, "only the winner moved"),
        (_all_full, "winner's full step"),
        (_all_small, "losers' small step"),
        (_winner_leaks, "not right yet"),
        (lambda W, x, lr, leak: W.clone(), "nothing moved"),
        (lambda W, x, lr, leak: None, "returned None"),
    ],
)
def test_leaky_check_explains_wrong_answers(answer, match):
    from nnlab.exercises.nb05 import check_leaky_update

    with pytest.raises(CheckFailed, match=match):
        check_leaky_update(answer)
