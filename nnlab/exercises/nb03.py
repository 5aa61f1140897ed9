"""Checks for notebook 03 (overfitting): early stopping with patience, label noise, and which
training set is memorised slowest."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from . import call_learner, check_multiple_choice, fail, passed


def _early_stopping(val_loss: Sequence[float], patience: int) -> tuple[int, int]:
    """The reference: (best epoch, stop epoch), both 1-based."""
    best, best_epoch = float("inf"), 0
    for epoch, value in enumerate(val_loss, start=1):
        if value < best:
            best, best_epoch = value, epoch
        elif epoch - best_epoch >= patience:
            return best_epoch, epoch
    return best_epoch, len(val_loss)


# A validation curve that falls to epoch 5, rises, then dips lower still at epoch 17: with
# patience 3, training stops at epoch 8 and never sees the later dip.
CURVE = [1.0, 0.8, 0.6, 0.5, 0.45, 0.47, 0.5, 0.52, 0.55, 0.58, 0.6, 0.58, 0.5, 0.45, 0.42]
CURVE += [0.41, 0.40, 0.43, 0.46, 0.5]
# One with a short bump (two worse epochs) that patience 3 rides out.
BUMPY = [0.9, 0.7, 0.6, 0.62, 0.61, 0.55, 0.5, 0.52, 0.53, 0.54, 0.56, 0.6]
FALLING = [1.0, 0.9, 0.8, 0.7, 0.65, 0.6]


def _as_pair(got: object) -> tuple[int, int]:
    if not isinstance(got, tuple | list) or len(got) != 2:
        fail(f"return two numbers, (best_epoch, stop_epoch); got {got!r}")
    pair = []
    for value in got:
        if isinstance(value, torch.Tensor):
            if value.numel() != 1:
                fail(f"each epoch must be one number; got a tensor of shape {tuple(value.shape)}")
            value = value.item()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"epochs are whole numbers (int); got {value!r}")
        pair.append(value)
    return pair[0], pair[1]


def check_early_stopping(func: Callable[[list[float], int], tuple[int, int]]) -> None:
    """Check ``func(val_loss, patience) -> (best_epoch, stop_epoch)`` (1-based epochs)."""
    cases = [(CURVE, 3), (BUMPY, 3), (FALLING, 2), (CURVE, 10)]
    for curve, patience in cases:
        best, stop = _as_pair(call_learner(func, list(curve), patience, name="early_stopping"))
        want_best, want_stop = _early_stopping(curve, patience)
        if (best, stop) == (want_best, want_stop):
            continue
        where = f"on the curve {curve[:6]}... with patience {patience}"
        zero_based = min(range(len(curve)), key=curve.__getitem__)
        if (best, stop) == (want_best - 1, want_stop - 1) or best == want_best - 1:
            fail(f"{where}: epochs count from 1 (the first value is epoch 1), not from 0.")
        if best == max(range(len(curve)), key=curve.__getitem__) + 1:
            fail(
                f"{where}: you picked the epoch of the *highest* loss; early stopping keeps "
                "the lowest."
            )
        if best == zero_based + 1 and best != want_best:
            fail(
                f"{where}: you returned epoch {best}, the lowest loss of the whole curve, but "
                f"training stopped at epoch {want_stop} and never saw it: only look at the "
                "epochs before the stop."
            )
        if best != want_best:
            fail(f"{where}: the best epoch should be {want_best}, got {best}.")
        if stop == best:
            fail(
                f"{where}: you stop at the best epoch itself; you can only know it was the "
                f"best after `patience` epochs without improvement: stop at epoch {want_stop}."
            )
        if abs(stop - want_stop) == 1:
            fail(
                f"{where}: the stop epoch is off by one ({stop} instead of {want_stop}): stop "
                "at the first epoch that is `patience` epochs after the best one."
            )
        if stop > len(curve):
            fail(f"{where}: the curve has {len(curve)} epochs; you cannot stop at epoch {stop}.")
        fail(f"{where}: expected (best, stop) = ({want_best}, {want_stop}); got ({best}, {stop}).")
    passed(
        "with patience 3 the first curve stops at epoch 8 and keeps epoch 5; a lower dip at "
        "epoch 17 is never seen. That is the price of stopping early."
    )


def _noise_case(
    func: Callable, n: int, fraction: float, C: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the learner's function on n balanced labels; return (y, the learner's labels)."""
    y = torch.arange(n) % C
    y = y[torch.randperm(n, generator=torch.Generator().manual_seed(seed + 100))]
    original = y.clone()
    got = call_learner(
        func, y, fraction, C, torch.Generator().manual_seed(seed), name="add_label_noise"
    )
    if not torch.equal(y, original):
        fail("your function changed y in place: work on a copy (y.clone()) and return it.")
    if not isinstance(got, torch.Tensor):
        fail(f"return a torch tensor of labels; got {type(got).__name__}")
    if got.shape != y.shape:
        fail(f"return one label per example, shape {tuple(y.shape)}; got {tuple(got.shape)}")
    if got.is_floating_point() or got.dtype == torch.bool:
        fail(f"labels are integers (int64, like y); got {got.dtype}")
    if got.min() < 0 or got.max() >= C:
        fail(f"labels must lie in 0..{C - 1}; got values from {int(got.min())} to {int(got.max())}")
    return y, got


def check_add_label_noise(
    func: Callable[[torch.Tensor, float, int, torch.Generator], torch.Tensor],
) -> None:
    """Check ``func(y, fraction, num_classes, generator) -> y_noisy``: exactly
    ``round(fraction * n)`` labels, at random rows, changed to a uniformly drawn *other* class."""
    n, C = 2000, 10
    for fraction in (1.0, 0.0, 0.2, 0.5):
        y, got = _noise_case(func, n, fraction, C, seed=int(fraction * 10))
        count = int((got != y).sum())
        want = round(fraction * n)
        if count == want:
            continue
        if fraction == 1.0 and abs(count - n * (C - 1) / C) < 0.04 * n:
            fail(
                f"with fraction=1.0 only {count} of {n} labels changed: about 1/{C} of your new "
                f"labels equal the old one. Draw each new label from the {C - 1} *other* "
                f"classes (e.g. add a random shift 1..{C - 1}, modulo {C})."
            )
        if fraction > 0 and abs(count - want) <= 0.05 * n:
            fail(
                f"with fraction={fraction}, {count} of {n} labels changed instead of exactly "
                f"{want}: flip exactly round(fraction * n) rows (pick them with torch.randperm), "
                "not each row with probability `fraction`."
            )
        fail(f"with fraction={fraction}, {count} of {n} labels changed; expected {want}.")
    y, got = _noise_case(func, n, 0.3, C, seed=7)
    rows = torch.nonzero(got != y).flatten()
    if torch.equal(rows, torch.arange(len(rows))):
        fail("you changed the first rows; pick the rows at random (torch.randperm(n)[:k]).")
    shift = (got[rows] - y[rows]) % C
    counts = torch.bincount(shift, minlength=C)[1:].double()
    if (counts == 0).sum() > 0 or counts.max() > 2.0 * counts.mean():
        fail(
            "the wrong labels are not spread over the other classes (e.g. always the next "
            "class): draw each new label uniformly among the other classes."
        )
    y1, got1 = _noise_case(func, n, 0.3, C, seed=11)
    y2, got2 = _noise_case(func, n, 0.3, C, seed=11)
    if not torch.equal(got1, got2):
        fail(
            "two calls with generators seeded alike gave different labels: pass `generator=` "
            "to every random call (torch.randperm, torch.randint)."
        )
    passed(
        f"exactly round(fraction·n) labels change, at random rows, each to one of the "
        f"{C - 1} other classes ({int(counts.min())}-{int(counts.max())} per shift)."
    )


SLOWEST_HINTS = {
    "a": "the real labels have structure to exploit: similar images share a label, so one "
    "update helps many examples at once. That makes them the fastest, not the slowest.",
    "b": "for a fully connected network a fixed permutation of the pixels only renumbers its "
    "inputs: the first layer can learn the permuted weights, and the problem is the same one.",
    "d": "noise images are far apart from each other (no two look alike), so each is easy to "
    "single out. Real digits of different classes can look alike, and random labels force the "
    "network to separate look-alikes.",
}


def check_slowest(answer: object) -> None:
    """Check the prediction: which training set takes longest to fit to 100 %?"""
    check_multiple_choice(
        answer,
        correct="c",
        hints=SLOWEST_HINTS,
        success=(
            "'c': random labels on real images. Nothing carries from one example to the next, "
            "and look-alike images must get different labels. The next cell measures by how much."
        ),
    )


WIDTH_HINTS = {
    "a": "the data are the same, but the network is not: a wider layer changes what one step of "
    "gradient descent can do. Memorising takes as many epochs as it takes the steps to store "
    "every label.",
    "c": "fewer weights do not mean fewer steps: each step of a narrow layer moves fewer units "
    "at once, so storing 300 arbitrary labels is harder for it, not easier.",
    "d": "2,410 weights for 300 labels is 8 weights per digit: enough to store an arbitrary "
    "label each, given time. Count weights per digit before you rule it out.",
}


def check_width_prediction(answer: object) -> None:
    """Check the prediction: how does width change the epochs random labels need?"""
    check_multiple_choice(
        answer,
        correct="b",
        hints=WIDTH_HINTS,
        success=(
            "'b': narrower networks need more epochs to memorise random labels, wider ones fewer. "
            "The next cell measures it at 32 and 512 hidden units."
        ),
        name="answer_width",
    )


def _calibration_error(confidence: torch.Tensor, correct: torch.Tensor, bins: int) -> float:
    """The reference ECE: bins of equal width on [0, 1], weighted by their share."""
    index = (confidence * bins).long().clamp(max=bins - 1)
    total = 0.0
    for b in range(bins):
        inside = index == b
        if inside.any():
            gap = correct[inside].double().mean() - confidence[inside].double().mean()
            total += float(inside.double().mean() * gap.abs())
    return total


def _calibration_case(seed: int, n: int = 400) -> tuple[torch.Tensor, torch.Tensor]:
    """Confidences spread over (0.1, 1) and outcomes that are over-confident in some bins and
    under-confident in others (so a signed sum would cancel)."""
    g = torch.Generator().manual_seed(seed)
    confidence = 0.1 + 0.899 * torch.rand(n, generator=g)
    truth = torch.where(confidence > 0.6, confidence - 0.25, confidence + 0.2).clamp(0, 1)
    correct = torch.rand(n, generator=g) < truth
    return confidence, correct


def check_calibration_error(func: Callable[[torch.Tensor, torch.Tensor, int], float]) -> None:
    """Check ``func(confidence, correct, bins) -> ECE``: equal-width bins on [0, 1], each bin's
    |accuracy − mean confidence| weighted by its share of the predictions."""
    for seed, bins in ((0, 10), (1, 5), (2, 15)):
        confidence, correct = _calibration_case(seed)
        got = call_learner(
            func, confidence.clone(), correct.clone(), bins, name="calibration_error"
        )
        if isinstance(got, torch.Tensor):
            if got.numel() != 1:
                fail(f"calibration_error returns one number; got shape {tuple(got.shape)}")
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, int | float):
            fail(f"calibration_error returns one number (a float); got {type(got).__name__}")
        want = _calibration_error(confidence, correct, bins)
        if abs(got - want) < 1e-6:
            continue
        index = (confidence * bins).long().clamp(max=bins - 1)
        gaps, shares = [], []
        for b in range(bins):
            inside = index == b
            if inside.any():
                gaps.append(float(correct[inside].double().mean() - confidence[inside].mean()))
                shares.append(float(inside.double().mean()))
        unweighted = sum(abs(x) for x in gaps) / len(gaps)
        signed = sum(s * x for s, x in zip(shares, gaps, strict=True))
        where = f"with {bins} bins"
        if abs(got - unweighted) < 1e-6:
            fail(
                f"{where}: you averaged the bins as equals. A bin holding few predictions should "
                "count little.",
                stronger="multiply each bin's gap by the fraction of all predictions that fall "
                "in it, then add up.",
            )
        if abs(got - abs(signed)) < 1e-6 or abs(got - signed) < 1e-6:  # also: one bin for all
            fail(
                f"{where}: over-confident and under-confident bins cancelled each other out (or "
                "you used one bin for all). A bin is miscalibrated in either direction.",
                stronger="take the size of each bin's gap (without its sign) before weighting.",
            )
        fail(
            f"{where}: expected an ECE of {want:.4f}, got {got:.4f}. Use bins of equal width on "
            "[0, 1] (a confidence of exactly 1 belongs to the last one).",
            stronger="for each non-empty bin: its share of predictions × |its accuracy − its mean "
            "confidence|; the sum over bins is the ECE.",
        )
    passed(
        "your ECE matches on three test sets. A perfectly calibrated network has ECE 0; "
        "one that is 90 % sure and right 70 % of the time has ECE 0.2."
    )
