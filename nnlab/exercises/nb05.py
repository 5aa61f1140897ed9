"""Checks for notebook 05 (Hebbian rules versus gradient rules).

- ``check_wta_update``: one winner-take-all step, ``wta_update(W, x, lr) -> W_new``.
- ``check_fixed_point_norm``: the norm Oja's rule with decay strength alpha settles at.
- ``check_sanger_update``: one step of Sanger's rule, ``sanger_update(W, x, lr) -> W_new``.
- ``check_conscience_design``: a conscience strength ``C`` that revives every unit on data
  three times larger than section 4's, without swamping the distances (core).
- ``check_leaky_update``: one step of leaky competitive learning, ``leaky_update(W, x, lr,
  leak) -> W_new``; then the check measures what the leak does to dead units (stretch).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..competition import dead_counts, quantisation_error, ring_clusters
from ..hebbian import competitive, sample_order
from . import call_learner, compare_arrays, fail, passed


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=1e-5, atol=1e-6)


def _as_tensor(got: object, name: str, shape: tuple[int, ...]) -> torch.Tensor:
    if got is None:
        fail(f"`{name}` returned None: return the new weights (a tensor of shape {shape}).")
    if not isinstance(got, torch.Tensor):
        fail(f"`{name}` should return a torch tensor of shape {shape}; got {type(got).__name__}.")
    if tuple(got.shape) != shape:
        fail(f"`{name}` returned shape {tuple(got.shape)}; expected {shape}, like W.")
    return got.detach().double()


# ----------------------------------------------------------------------------- winner-take-all
def _wta_cases() -> list[tuple[torch.Tensor, torch.Tensor, float]]:
    # First a case where the nearest, the farthest and the largest-dot-product prototypes
    # are three different rows, so that each classic mix-up gets its own hint.
    W = torch.tensor([[0.9, 0.1], [2.0, 0.0], [-3.0, 3.0]], dtype=torch.float64)
    cases = [(W, torch.tensor([1.0, 0.0], dtype=torch.float64), 0.5)]
    gen = torch.Generator().manual_seed(505)
    for k, d in ((4, 2), (3, 5)):
        W = torch.randn(k, d, generator=gen, dtype=torch.float64)
        x = torch.randn(d, generator=gen, dtype=torch.float64)
        cases.append((W, x, 0.3))
    return cases


def _wta_reference(W: torch.Tensor, x: torch.Tensor, lr: float) -> torch.Tensor:
    winner = ((W - x) ** 2).sum(dim=1).argmin()
    new = W.clone()
    new[winner] += lr * (x - W[winner])
    return new


def check_wta_update(func: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> None:
    """Check ``func(W (k, d), x (d,), lr) -> W_new (k, d)``: only the nearest row moves."""
    for W, x, lr in _wta_cases():
        got = call_learner(func, W.clone(), x.clone(), lr, name="wta_update")
        got = _as_tensor(got, "wta_update", tuple(W.shape))
        expected = _wta_reference(W, x, lr)
        if _close(got, expected):
            continue
        moved = (got - W).abs().sum(dim=1) > 1e-9
        dist = ((W - x) ** 2).sum(dim=1)
        if int(moved.sum()) == 0:
            fail(
                "no prototype moved: the winner should move towards x.",
                stronger="copy W, then change the winner's row by a fraction lr of its gap to x.",
            )
        if int(moved.sum()) > 1:
            fail(
                f"{int(moved.sum())} prototypes moved; in winner-take-all only the winner "
                "(the nearest prototype) moves, the others stay where they are."
            )
        row = int(moved.nonzero()[0])
        nearest = int(dist.argmin())
        if row == int((W @ x).argmax()) and row != nearest:
            fail(
                "you picked the winner by the largest dot product w @ x; here the winner is the "
                "prototype at the smallest distance ||x - w||^2."
            )
        if row == int(dist.argmax()) and row != nearest:
            fail("you moved the farthest prototype: the winner is the nearest (argmin).")
        if row != nearest:
            fail(
                "the prototype that moved is not the nearest one to x.",
                stronger="compare the squared distances of all rows to x and take the smallest.",
            )
        step = got[row] - W[row]
        target = x - W[row]
        if torch.allclose(step, -lr * target, atol=1e-8):
            fail("the winner moved away from x: the step is lr * (x - w), not lr * (w - x).")
        if torch.allclose(got[row], x, atol=1e-8):
            fail("the winner jumped onto x: move it only a fraction lr of the way.")
        if torch.allclose(step, lr * x, atol=1e-8):
            fail("the step is lr * x; it should be lr * (x - w), towards x.")
        fail(
            "the winner moved, but not by the right amount; check the step.",
            stronger="the step is a fraction lr of the way from the winner's row to x.",
        )
    passed("only the nearest prototype moves, by lr * (x - w).")


# ----------------------------------------------------------------------------- fixed-point norm
def check_fixed_point_norm(func: Callable[[float], float]) -> None:
    """Check ``func(alpha) -> float``: the norm at which ``y * (x - alpha * y * w)`` rests."""
    alphas = (0.25, 1.0, 4.0, 9.0)
    got = []
    for alpha in alphas:
        value = call_learner(func, alpha, name="fixed_point_norm")
        if isinstance(value, torch.Tensor):
            if value.numel() != 1:
                fail(f"return one number, not a tensor of shape {tuple(value.shape)}.")
            value = value.item()
        try:
            got.append(float(value))
        except (TypeError, ValueError):
            fail(f"fixed_point_norm should return a number; got {type(value).__name__}.")
    expected = [1 / math.sqrt(a) for a in alphas]

    def matches(candidate: list[float]) -> bool:
        return all(math.isclose(g, c, rel_tol=1e-3) for g, c in zip(got, candidate, strict=True))

    if matches(expected):
        passed("the norm settles at 1 / sqrt(alpha): alpha = 4 gives 0.5.")
        return
    if matches([1 / a for a in alphas]):
        fail("that is the squared norm |w|^2 = 1 / alpha; the norm is its square root.")
    if matches([math.sqrt(a) for a in alphas]):
        fail("upside down: a stronger decay (larger alpha) must give a smaller norm.")
    if len(set(round(g, 9) for g in got)) == 1:
        fail(
            "your answer does not depend on alpha. At the fixed point, C w = alpha (w^T C w) w; "
            "take w = r u with u a unit eigenvector and solve for r."
        )
    if all(g < 0 for g in got):
        fail("a norm is never negative.")
    fail(
        f"for alpha = 4 you return {got[2]:.4g}. Set the average update to zero.",
        stronger="at rest C w = alpha (w^T C w) w; put w = r u with C u = lambda u, |u| = 1, "
        "and solve for r.",
    )


# ----------------------------------------------------------------------------- Sanger
def _sanger_reference(W: torch.Tensor, x: torch.Tensor, lr: float) -> torch.Tensor:
    y = W @ x
    return W + lr * (torch.outer(y, x) - torch.tril(torch.outer(y, y)) @ W)


def check_sanger_update(
    func: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor],
) -> None:
    """Check ``func(W (k, d), x (d,), lr) -> W_new (k, d)``: one step of Sanger's rule."""
    gen = torch.Generator().manual_seed(1989)
    W = torch.randn(3, 5, generator=gen, dtype=torch.float64)
    x = torch.randn(5, generator=gen, dtype=torch.float64)
    lr = 0.1
    got = call_learner(func, W.clone(), x.clone(), lr, name="sanger_update")
    got = _as_tensor(got, "sanger_update", tuple(W.shape))
    expected = _sanger_reference(W, x, lr)
    y = W @ x
    wrong = {
        "you used the full outer(y, y): that is Oja's subspace rule, where every unit "
        "subtracts all the others and the units only span the subspace; Sanger keeps the "
        "lower triangle, torch.tril(outer(y, y)).": W
        + lr * (torch.outer(y, x) - torch.outer(y, y) @ W),
        "you kept the upper triangle: unit i should subtract units 0..i (the ones above it "
        "in the order), torch.tril, not torch.triu.": W
        + lr * (torch.outer(y, x) - torch.triu(torch.outer(y, y)) @ W),
        "you kept only the diagonal: that is k separate Oja units, which all find the same "
        "first component; subtract the earlier units too, torch.tril(outer(y, y)).": W
        + lr * (torch.outer(y, x) - torch.diag(y * y) @ W),
        "this is plain Hebb (lr * outer(y, x)); subtract tril(outer(y, y)) @ W to keep the "
        "rows bounded and different.": W + lr * torch.outer(y, x),
        "the sign of the update is flipped: W + lr * (outer(y, x) - tril(outer(y, y)) @ W).": W
        - lr * (torch.outer(y, x) - torch.tril(torch.outer(y, y)) @ W),
    }
    if not _close(got, expected):
        for hint, candidate in wrong.items():
            if _close(got, candidate):
                fail(hint)
    compare_arrays("W_new", got, expected, rtol=1e-5, atol=1e-6)
    passed("Sanger's step: unit i learns from x minus what units 0..i reconstruct.")


# ----------------------------------------------------------------------------- conscience design
SCALE = 3.0  # the new data: section 4's rings, three times larger
IDEAL_ERROR = 2 * (SCALE * 0.4) ** 2  # one prototype per cluster: twice the cluster variance
REFERENCE_C = 200.0 * SCALE**2  # section 4's C, scaled like a squared distance


def _scaled_runs(runs: int = 4) -> list[tuple[torch.Tensor, torch.Tensor, int]]:
    """Fixed runs of section 4's experiment (data and near-origin starts), scaled by SCALE."""
    found = []
    for i in range(runs):
        gen = torch.Generator().manual_seed(2005 + i)
        X, _ = ring_clusters(gen)
        init = torch.randn(5, 2, generator=gen)
        found.append((SCALE * X.double(), SCALE * init.double(), 7000 + i))
    return found


def check_conscience_design(C: object) -> None:
    """Check a conscience strength ``C`` for section 4's rings scaled by 3 (four fixed runs).

    Passes when no prototype is dead at the end of any run and the mean error stays below
    1.4 times the error of one prototype per cluster (a too-large C swamps the distances).
    """
    if C is None:
        fail("set C to a number: the conscience strength you chose.")
    if isinstance(C, bool) or not isinstance(C, (int, float)):
        fail(f"C should be one number; got {type(C).__name__}.")
    C = float(C)
    if not math.isfinite(C) or C <= 0:
        fail(f"C = {C:g}: a conscience strength is a positive number (0 is no conscience).")
    dead, errors = 0, []
    for X, init, seed in _scaled_runs():
        W = competitive(X, 5, 0.05, 5, seed=seed, init=init, conscience=C)
        dead += int(dead_counts(X, W))
        errors.append(float(quantisation_error(X, W)))
    error = sum(errors) / len(errors)
    print(
        f"C = {C:g}: {dead} dead prototypes in 4 runs of 5; "
        f"error {error:.2f} (ideal {IDEAL_ERROR:.2f})"
    )
    weak = C < REFERENCE_C  # below the strength that scales section 4's with the squared distances
    if dead > 0 and weak:
        fail(
            f"{dead} prototypes stay dead: the handicap is too weak for data of this size.",
            stronger="C is a squared distance. Every distance here is 3 times section 4's, so "
            "every squared distance a dead unit must close is 9 times larger; section 4 "
            "worked with C = 200.",
        )
    if dead > 0 or error > 1.4 * IDEAL_ERROR:
        fail(
            f"the error is {error:.1f}, far above {IDEAL_ERROR:.1f}, with {dead} dead: the "
            "handicap swamps the distances.",
            stronger="with a huge C the units win by turns rather than by being near; scale "
            "section 4's C as the squared distances scale, no more.",
        )
    passed(
        "every unit revived and each cluster got its prototype: C scales like a squared "
        "distance, so 9 times section 4's C = 200 (1800) sits in the window that works."
    )


# ----------------------------------------------------------------------------- leaky learning
def _leaky_reference(W: torch.Tensor, x: torch.Tensor, lr: float, leak: float) -> torch.Tensor:
    winner = ((W - x) ** 2).sum(dim=1).argmin()
    new = W + lr * leak * (x - W)
    new[winner] = W[winner] + lr * (x - W[winner])
    return new


def _run_leaky(func: Callable, leak: float, runs: int = 3) -> tuple[float, float]:
    """Mean dead count and error of the learner's rule over fixed runs of section 4."""
    dead, error = 0.0, 0.0
    for i in range(runs):
        gen = torch.Generator().manual_seed(2005 + i)
        X, _ = ring_clusters(gen)
        W = torch.randn(5, 2, generator=gen)
        for x in X[sample_order(len(X), 5, seed=7000 + i)]:
            W = func(W, x, 0.05, leak)
        dead += float(dead_counts(X, W)) / runs
        error += float(quantisation_error(X, W)) / runs
    return dead, error


def check_leaky_update(
    func: Callable[[torch.Tensor, torch.Tensor, float, float], torch.Tensor],
) -> None:
    """Check ``func(W (k, d), x (d,), lr, leak) -> W_new``, then measure three leaks.

    The winner moves by ``lr * (x - w)``, every loser by ``leak * lr * (x - w)``. After the
    step is right, the check runs the learner's rule on three fixed runs of section 4 (five
    passes, near-origin starts) with no leak (the plain rule) and leaks 0.01 and 0.1, and
    prints the dead units and the error.
    """
    gen = torch.Generator().manual_seed(1985)
    W = torch.tensor([[0.9, 0.1], [2.0, 0.0], [-3.0, 3.0]], dtype=torch.float64)
    cases = [(W, torch.tensor([1.0, 0.0], dtype=torch.float64), 0.5, 0.1)]
    cases.append(
        (
            torch.randn(4, 3, generator=gen, dtype=torch.float64),
            torch.randn(3, generator=gen, dtype=torch.float64),
            0.2,
            0.05,
        )
    )
    for W, x, lr, leak in cases:
        got = call_learner(func, W.clone(), x.clone(), lr, leak, name="leaky_update")
        got = _as_tensor(got, "leaky_update", tuple(W.shape))
        expected = _leaky_reference(W, x, lr, leak)
        if _close(got, expected):
            continue
        moved = (got - W).abs().sum(dim=1) > 1e-12
        if _close(got, _leaky_reference(W, x, lr, 0.0)):
            fail(
                "only the winner moved: with a leak, the losers move too, a little.",
                stronger="every loser takes the winner's kind of step, made leak times smaller.",
            )
        if _close(got, W + lr * (x - W)):
            fail(
                "every prototype took the winner's full step: "
                "the losers' step is leak times smaller."
            )
        if _close(got, W + lr * leak * (x - W)):
            fail(
                "every prototype took the losers' small step: "
                "the winner's step is not scaled by the leak."
            )
        if int(moved.sum()) == 0:
            fail("nothing moved: the winner and, a little, the losers move towards x.")
        fail(
            "the step is not right yet; check the winner's and the losers' moves separately.",
            stronger="all steps go towards x; the winner's is lr times its gap to x, a loser's "
            "leak times that.",
        )
    results = {leak: _run_leaky(func, leak) for leak in (0.0, 0.01, 0.1)}
    for leak, (dead, error) in results.items():
        name = "plain" if leak == 0.0 else f"leak {leak}"
        print(f"{name:<9}: {dead:.1f} dead prototypes of 5, error {error:.2f} (mean of 3 runs)")
    passed(
        "the leaky step is right. Read the measurements: which leak revives the dead, and what "
        "does too large a leak do to the prototypes?"
    )
