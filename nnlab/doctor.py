"""A doctor for networks that do not learn: quick checks on any ``torch.nn`` model and its
data. Introduced in notebook 08 ("why does my network not learn?").

``diagnose(model, X, y, lr=0.1)`` runs a battery of checks on copies of the model and the
data (neither is changed) and returns a ``Report``; ``report.findings`` lists the problems
found, each a ``Finding`` with a ``code`` (one of ``CODES``), a message naming the evidence,
and a suggested fix. A healthy model gets no finding. The checks, and what they read:

- ``input_scale``: the inputs' typical standard deviation (root mean square over features)
  is above 10 or below 0.1, or a feature's mean is above 10 in size.
- ``initial_loss``: the loss before training is far above that of a uniform guess:
  above 1.5 ln C nats for C classes (cross-entropy), or above 4 times the targets'
  variance (squared error). A loss far *below* it is not flagged: a trained model has one.
- ``double_softmax`` (cross-entropy only): every output row is a probability vector (no
  negative entry, rows summing to 1), so the model ends in a softmax and
  ``cross_entropy`` applies a second one.
- ``dead_units``: a ``nn.ReLU`` layer has at least half of its units inactive on every
  row of X (``nnlab.probes.dead_units``, notebook 02).
- ``saturated_units``: a saturating layer (sigmoid, tanh, ...) is in its flat zone (slope
  below 1 % of its slope at 0, ``nnlab.probes.activity``) on at least half of its unit-row
  pairs.
- ``vanishing_gradients`` / ``exploding_gradients``: the loss gradient reaching the first
  activation layer is below 1/100 (above 100) times the one reaching the last
  (``nnlab.probes.unit_gradient_norms``; root mean square over the live units of a layer;
  needs two activation layers whose gradient is not zero; Glorot & Bengio 2010).
- ``labels_unlearnable``: a row's nearest neighbour in input space (Euclidean) shares its
  label hardly more often than chance: (agreement − chance) / (1 − chance) below 0.05,
  chance = Σ p_c²; for squared error, the neighbours' targets correlate below 0.05.
- ``cannot_overfit``: a copy trained with Adam (lr 0.01, up to 150 full-batch steps) on 20
  rows cannot bring their loss below 0.1 ln C (0.1 × the targets' variance for squared error).
- ``lr_too_high`` / ``lr_too_low``: a learning-rate range test (``nnlab.lr_finder``, 200
  steps of plain SGD, mini-batches of 32, rates from lr/1000 to 1000·lr) finds the rate of
  lowest loss, r*; ``lr`` above r* is too high (past the point where a larger rate makes the loss
  worse), below r*/100 too low. With ``lr=None`` both are skipped, and the report says so;
  also when the range test's loss never fell below 0.8 × its start (it then says nothing
  about the rate: shuffled labels, dead units).

Some findings follow from others: large inputs make the initial loss large and the
stable learning rate small (so does a huge output layer); a model that cannot improve
its loss cannot overfit.
``FOLLOWS_FROM`` lists which finding can explain which; a finding with an explaining
finding in the same report records it in ``follows_from``, and ``report.causes`` lists
only the findings that no other explains. It is a rule of thumb: fix the causes first,
then run the doctor again.

The doctor checks a model and its data, not a training loop: a loop that forgets
``optimizer.zero_grad()``, or that evaluates in train mode, is invisible to it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from torch import nn

from . import probes
from ._validate import check_choice, check_float, check_tensor
from .config import resolve_seed
from .lr_finder import _result as _range_result
from .lr_finder import _run as _range_run
from .lr_finder import lr_schedule_exponential
from .plotting import COLORS

CODES = (
    "initial_loss",
    "input_scale",
    "cannot_overfit",
    "lr_too_high",
    "lr_too_low",
    "dead_units",
    "saturated_units",
    "vanishing_gradients",
    "exploding_gradients",
    "labels_unlearnable",
    "double_softmax",
)
LOSSES = ("cross_entropy", "mse")
FOLLOWS_FROM: dict[str, tuple[str, ...]] = {
    "initial_loss": ("input_scale", "exploding_gradients", "saturated_units"),
    "lr_too_high": ("input_scale", "exploding_gradients", "initial_loss"),
    "vanishing_gradients": ("saturated_units",),
    "cannot_overfit": ("double_softmax", "dead_units", "saturated_units", "vanishing_gradients"),
}
OVERFIT_ROWS, OVERFIT_STEPS, OVERFIT_LR = 20, 150, 1e-2
RANGE_STEPS, RANGE_BATCH, RANGE_SPAN = 200, 32, 1000.0
NEIGHBOUR_ROWS, GRADIENT_ROWS = 1000, 512


@dataclass(frozen=True)
class Finding:
    """One problem: ``code`` (one of ``CODES``), ``message`` (the evidence, one line), ``fix``
    (what to try), ``follows_from`` (the code of another finding of the same report that can
    explain this one, or None)."""

    code: str
    message: str
    fix: str
    follows_from: str | None = None

    def __post_init__(self) -> None:
        check_choice("code", self.code, CODES)
        for name in ("message", "fix"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise TypeError(f"{name} must be a non-empty string; got {getattr(self, name)!r}")
        if self.follows_from is not None:
            check_choice("follows_from", self.follows_from, CODES)


@dataclass
class Report:
    """What ``diagnose`` found.

    - ``findings``: list of ``Finding``, in the order of ``CODES``; empty for a healthy model.
    - ``skipped``: one line per check that did not run, saying why.
    - ``measured``: ``{name: float}``, the number each check compared with its threshold.
    """

    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    measured: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.findings, list) or not all(
            isinstance(f, Finding) for f in self.findings
        ):
            raise TypeError(f"findings must be a list of Finding; got {self.findings!r}")
        if not isinstance(self.skipped, list) or not all(isinstance(s, str) for s in self.skipped):
            raise TypeError(f"skipped must be a list of strings; got {self.skipped!r}")
        if not isinstance(self.measured, dict):
            raise TypeError(f"measured must be a dict of numbers; got {self.measured!r}")

    @property
    def codes(self) -> list[str]:
        """The codes of every finding."""
        return [f.code for f in self.findings]

    @property
    def causes(self) -> list[str]:
        """The codes of the findings no other finding of the report explains."""
        return [f.code for f in self.findings if f.follows_from is None]

    def __str__(self) -> str:
        if not self.findings:
            lines = ["no finding: every check passed"]
        else:
            width = max(len(f.code) for f in self.findings)
            lines = []
            for f in self.findings:
                after = f" (may follow from {f.follows_from})" if f.follows_from else ""
                lines.append(f"{f.code:<{width}}  {f.message}{after}")
                lines.append(f"{'':<{width}}  fix: {f.fix}")
        lines += [f"skipped: {line}" for line in self.skipped]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


# --------------------------------------------------------------------------- arguments
def _check_inputs(
    model: object, X: object, y: object, loss: object, lr: object, seed: object
) -> tuple[nn.Module, torch.Tensor, torch.Tensor, str, float | None, int]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("model has no trainable parameter (requires_grad=True): nothing to learn")
    loss = check_choice("loss", loss, LOSSES)
    X = check_tensor("X", X, floating=True)
    if X.ndim < 2:
        raise ValueError(f"X must be (n, features...) with a batch dimension; got {tuple(X.shape)}")
    if loss == "cross_entropy":
        y = check_tensor("y", y, ndim=1, integer=True)
        if int(y.min()) < 0:
            raise ValueError(f"y must hold class indices >= 0; got min {int(y.min())}")
    else:
        y = check_tensor("y", y, floating=True)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows; got {len(X)} and {len(y)}")
    if len(X) < 8:
        raise ValueError(f"X needs at least 8 rows for the checks; got {len(X)}")
    if lr is not None:
        lr = check_float("lr", lr, positive=True)
    seed = resolve_seed(seed)
    return model, X, y, loss, lr, seed


def _loss(out: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    if loss == "cross_entropy":
        return nn.functional.cross_entropy(out, y)
    return nn.functional.mse_loss(out, y)


def _reference(y: torch.Tensor, loss: str, n_out: int) -> float:
    """ln C for cross-entropy; the targets' variance (mean over outputs) for squared error."""
    if loss == "cross_entropy":
        return math.log(n_out)
    return float(y.reshape(len(y), -1).var(0, unbiased=False).mean())


# --------------------------------------------------------------------------- the checks
def _input_scale(X: torch.Tensor, report: Report) -> Finding | None:
    flat = X.reshape(len(X), -1).double()
    spread = float(flat.var(0, unbiased=False).mean().sqrt())
    offset = float(flat.mean(0).abs().max())
    report.measured.update(input_std=spread, input_max_abs_mean=offset)
    if spread > 10 or spread < 0.1 or offset > 10:
        return Finding(
            "input_scale",
            f"inputs' typical standard deviation {spread:.3g}, largest feature mean "
            f"{offset:.3g} (unit scale is about 1 and 0)",
            "standardise the inputs: subtract each feature's mean, divide by its std",
        )
    return None


def _initial_loss(out: torch.Tensor, y: torch.Tensor, loss: str, report: Report):
    value = float(_loss(out, y, loss))
    ref = _reference(y, loss, out.shape[1])
    report.measured.update(initial_loss=value, reference_loss=ref)
    limit = 1.5 * ref if loss == "cross_entropy" else 4 * ref
    if not math.isfinite(value) or value > limit:
        what = f"ln {out.shape[1]} = {ref:.3g}" if loss == "cross_entropy" else f"{ref:.3g}"
        return Finding(
            "initial_loss",
            f"untrained loss {value:.3g}, a uniform guess scores {what}",
            "shrink the output layer's initial weights, scale the inputs, check the init",
        )
    return None


def _double_softmax(out: torch.Tensor, loss: str, report: Report) -> Finding | None:
    if loss != "cross_entropy":
        return None
    gap = float((out.sum(1) - 1).abs().max())
    report.measured.update(output_row_sum_gap=gap)
    if bool((out >= -1e-6).all()) and gap < 1e-3:
        return Finding(
            "double_softmax",
            "every output row is non-negative and sums to 1: the model ends in a softmax, "
            "and cross_entropy applies another",
            "remove the final softmax: cross_entropy expects raw logits",
        )
    return None


def _units(model: nn.Module, X: torch.Tensor, report: Report) -> list[Finding]:
    modules = probes.find_activations(model)
    found = []
    dead = probes.dead_units(model, X)
    relus = {k: float(v.float().mean()) for k, v in dead.items() if isinstance(modules[k], nn.ReLU)}
    if relus:
        worst = max(relus, key=relus.get)
        report.measured.update(dead_fraction=relus[worst])
        if relus[worst] >= 0.5:
            found.append(
                Finding(
                    "dead_units",
                    f"layer {worst!r}: {relus[worst]:.0%} of its ReLU units are inactive on "
                    "every input",
                    "lower the learning rate, check the biases and the init (He), "
                    "or use Leaky ReLU",
                )
            )
    active = probes.activity(model, X)
    flat = {
        k: 1 - float(v.float().mean())
        for k, v in active.items()
        if isinstance(modules[k], probes.SATURATING)
    }
    if flat:
        worst = max(flat, key=flat.get)
        report.measured.update(saturated_share=flat[worst])
        if flat[worst] >= 0.5:
            found.append(
                Finding(
                    "saturated_units",
                    f"layer {worst!r}: {flat[worst]:.0%} of unit-input pairs sit in the "
                    "activation's flat zone",
                    "shrink the initial weights (Xavier init), standardise the inputs",
                )
            )
    return found


def layer_gradients(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss: str = "cross_entropy"
) -> dict[str, float]:
    """Return ``{layer: float}``: the root mean square, over a layer's live units, of the
    loss gradient reaching each unit's pre-activation (``probes.unit_gradient_norms``).

    Layers are the activation modules of ``model`` in order; a unit is live unless it is a
    dead ReLU unit on X; a layer with no live unit is left out. Used by ``diagnose`` to
    compare the first layer with the last (notebook 08).
    """
    loss = check_choice("loss", loss, LOSSES)
    grads = probes.unit_gradient_norms(model, X, y, loss)
    modules = probes.find_activations(model)
    dead = probes.dead_units(model, X)
    result = {}
    for name, g in grads.items():
        live = ~dead[name] if isinstance(modules[name], nn.ReLU) else torch.ones_like(dead[name])
        if live.any():
            result[name] = float(g[live].double().pow(2).mean().sqrt())
    return result


def _gradients(model: nn.Module, X, y, loss: str, report: Report) -> list[Finding]:
    per_layer = {k: v for k, v in layer_gradients(model, X, y, loss).items() if v > 0}
    if len(per_layer) < 2:
        report.skipped.append(
            "vanishing/exploding gradients: fewer than two activation layers with live units "
            "and a non-zero gradient"
        )
        return []
    names = list(per_layer)
    ratio = per_layer[names[0]] / per_layer[names[-1]]
    report.measured.update(gradient_ratio=ratio)
    evidence = (
        f"gradient reaching layer {names[0]!r} is {ratio:.2g} × the one reaching "
        f"{names[-1]!r} ({len(names)} layers)"
    )
    if ratio < 1e-2:
        fix = "use ReLU with He init or tanh with Xavier init, add normalisation or skips"
        return [Finding("vanishing_gradients", evidence, fix)]
    if ratio > 1e2:
        fix = "shrink the initial weights (He or Xavier), add normalisation, clip gradients"
        return [Finding("exploding_gradients", evidence, fix)]
    return []


def _labels(X: torch.Tensor, y: torch.Tensor, loss: str, seed: int, report: Report):
    gen = torch.Generator().manual_seed(seed)
    rows = torch.randperm(len(X), generator=gen)[:NEIGHBOUR_ROWS]
    flat = X[rows].reshape(len(rows), -1).double()
    dist = torch.cdist(flat, flat)
    dist.fill_diagonal_(math.inf)
    near = rows[dist.argmin(1)]
    if loss == "cross_entropy":
        agree = float((y[near] == y[rows]).double().mean())
        share = torch.bincount(y[rows]).double() / len(rows)
        chance = float((share**2).sum())
        lift = (agree - chance) / (1 - chance) if chance < 1 else 0.0
        evidence = f"nearest neighbours share a label {agree:.0%} of the time, chance {chance:.0%}"
    else:
        a, b = y[rows].reshape(len(rows), -1).double(), y[near].reshape(len(rows), -1).double()
        a, b = a - a.mean(0), b - b.mean(0)
        corr = (a * b).sum(0) / (a.norm(dim=0) * b.norm(dim=0)).clamp_min(1e-300)
        lift = float(corr.mean())
        evidence = f"nearest neighbours' targets correlate {lift:.2f}"
    report.measured.update(label_lift=lift)
    if lift < 0.05:
        return Finding(
            "labels_unlearnable",
            evidence,
            "check that labels and inputs are aligned (same order, no shuffle of one alone)",
        )
    return None


def _overfit(model: nn.Module, X, y, loss: str, ref: float, seed: int, report: Report):
    gen = torch.Generator().manual_seed(seed)
    rows = torch.randperm(len(X), generator=gen)[:OVERFIT_ROWS]
    work = copy.deepcopy(model).train()
    params = [p for p in work.parameters() if p.requires_grad]
    first = [torch.zeros_like(p) for p in params]  # Adam's moment estimates, written out
    second = [torch.zeros_like(p) for p in params]  # (torch.optim.Adam's first step is slow)
    best, goal, taken = math.inf, 0.1 * ref, 0
    for step in range(1, OVERFIT_STEPS + 1):
        taken = step - 1  # Adam updates made before this loss was measured
        value = _loss(work(X[rows]), y[rows], loss)
        if not torch.isfinite(value):
            break
        best = min(best, float(value.detach()))
        if best <= goal:
            break
        grads = torch.autograd.grad(value, params, allow_unused=True)
        with torch.no_grad():
            for p, g, m, v in zip(params, grads, first, second, strict=True):
                if g is None:
                    continue
                m.mul_(0.9).add_(g, alpha=0.1)
                v.mul_(0.999).addcmul_(g, g, value=0.001)
                denom = (v / (1 - 0.999**step)).sqrt_().add_(1e-8)
                p.addcdiv_(m, denom, value=-OVERFIT_LR / (1 - 0.9**step))
    report.measured.update(overfit_loss=best, overfit_steps=float(taken))
    if best > goal:
        return Finding(
            "cannot_overfit",
            f"best loss {best:.3g} on {len(rows)} examples in {OVERFIT_STEPS} Adam steps "
            f"(lr {OVERFIT_LR:g}); memorising them should reach {goal:.3g}",
            "look for a bug in the model: frozen or detached layers, a bottleneck, a wrong output",
        )
    return None


def _learning_rate(model: nn.Module, X, y, loss: str, lr: float, seed: int, report: Report):
    lrs = lr_schedule_exponential(lr / RANGE_SPAN, lr * RANGE_SPAN, RANGE_STEPS)
    work = copy.deepcopy(model).train()
    batch = min(RANGE_BATCH, len(X))
    raw, smooth = _range_run(work, X, y, lrs, batch, loss, 0.0, 0.9, 4.0, seed)
    result = _range_result(lrs[: len(raw)], torch.tensor(raw), torch.tensor(smooth), 2, loss)
    best = result.min_lr
    fell = float(result.losses[torch.isfinite(result.losses)].min()) / smooth[0]
    report.measured.update(range_test_best_lr=best, range_test_fall=fell)
    if fell > 0.8:
        report.skipped.append(
            f"lr_too_high/lr_too_low: in the range test the loss never fell below {fell:.2f} × "
            "its start, so it says nothing about the rate (look at the other findings first)"
        )
        return None
    evidence = f"lr {lr:.3g}; a range test (SGD) reached its lowest loss at lr {best:.3g}"
    if lr > best:
        return Finding("lr_too_high", evidence, f"try lr about {best / 10:.2g}")
    if lr < best / 100:
        return Finding("lr_too_low", evidence, f"try lr about {best / 10:.2g}")
    return None


# --------------------------------------------------------------------------- the doctor
def diagnose(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    loss: str = "cross_entropy",
    lr: float | None = None,
    seed: int | None = None,
) -> Report:
    """Run every check of this module's docstring on ``model`` and ``(X, y)``; return a Report.

    - ``model``: any ``torch.nn.Module`` mapping ``X`` to ``(n, C)`` logits (cross-entropy)
      or to outputs shaped like ``y`` (squared error). It is not changed: the checks work
      on copies. Activation modules (``nn.ReLU()``, not ``torch.relu``) are needed for the
      unit and gradient checks; without them those checks are skipped.
    - ``X``: float ``(n, features...)``, n >= 8; ``y``: int64 labels ``(n,)`` for
      ``loss="cross_entropy"``, float targets for ``"mse"``.
    - ``lr``: the learning rate you train with (plain SGD's scale); None skips the two
      learning-rate checks.
    - ``seed``: for the rows the checks sample and the range test's batches (default
      ``NNLAB_SEED``).
    """
    model, X, y, loss, lr, seed = _check_inputs(model, X, y, loss, lr, seed)
    work = copy.deepcopy(model)
    X, y = X.detach().clone(), y.detach().clone()
    with torch.no_grad():
        out = work.eval()(X)
    if out.ndim != 2:
        raise ValueError(f"model(X) must be (n, outputs); got {tuple(out.shape)}")
    if loss == "cross_entropy" and (out.shape[1] < 2 or int(y.max()) >= out.shape[1]):
        raise ValueError(
            f"for cross_entropy, model(X) must give one logit per class: {out.shape[1]} "
            f"outputs, but y holds classes up to {int(y.max())}"
        )
    if loss == "mse" and out.shape != y.shape:
        raise ValueError(f"for mse, model(X) {tuple(out.shape)} must match y {tuple(y.shape)}")
    report = Report()
    ref = _reference(y, loss, out.shape[1])
    found = [_initial_loss(out, y, loss, report), _input_scale(X, report)]
    found.append(_overfit(work, X, y, loss, ref, seed, report))
    if lr is None:
        report.skipped.append("lr_too_high/lr_too_low: no lr given")
    else:
        found.append(_learning_rate(work, X, y, loss, lr, seed, report))
    try:
        probes.find_activations(work)
    except ValueError:
        report.skipped.append("dead/saturated units and gradients: no activation modules")
    else:
        found += _units(work, X, report)
        rows = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))
        rows = rows[:GRADIENT_ROWS]
        found += _gradients(work, X[rows], y[rows], loss, report)
    found += [_labels(X, y, loss, seed, report), _double_softmax(out, loss, report)]
    findings = sorted((f for f in found if f is not None), key=lambda f: CODES.index(f.code))
    codes = {f.code for f in findings}
    for i, f in enumerate(findings):
        cause = next((c for c in FOLLOWS_FROM.get(f.code, ()) if c in codes), None)
        if cause is not None:
            findings[i] = Finding(f.code, f.message, f.fix, cause)
    report.findings = findings
    return report


def plot_findings(
    reports: Mapping[str, Report], title: str = "What the doctor finds", ax: Axes | None = None
) -> Axes:
    """Draw a grid of models (rows, the keys of ``reports``) × codes (columns): a dark cell
    for a cause, a light one for a finding that may follow from another, blank for none."""
    if not isinstance(reports, Mapping) or not reports:
        raise TypeError("reports must be a non-empty dict {model name: Report}")
    if not all(isinstance(r, Report) for r in reports.values()):
        raise TypeError("reports must map model names to Report objects (from diagnose)")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 0.3 * len(reports) + 2.2), layout="constrained")
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be matplotlib Axes or None; got {type(ax).__name__}")
    grid = torch.zeros(len(reports), len(CODES))
    for i, report in enumerate(reports.values()):
        for f in report.findings:
            grid[i, CODES.index(f.code)] = 1.0 if f.follows_from else 2.0
    cmap = ListedColormap(["white", COLORS["sky"], COLORS["blue"]])
    ax.imshow(grid, cmap=cmap, vmin=0, vmax=2, aspect="auto")
    ax.set_xticks(range(len(CODES)), CODES, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(reports)), list(reports), fontsize=8)
    ax.set_xticks([x - 0.5 for x in range(1, len(CODES))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(reports))], minor=True)
    ax.grid(which="minor", color="0.85", lw=0.6)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="minor", length=0)
    ax.set(xlabel="finding (code)", ylabel="model (bug planted)")
    ax.set_title(title + " (dark: cause; light: may follow from a cause)", fontsize=9)
    return ax


__all__ = [
    "CODES",
    "FOLLOWS_FROM",
    "Finding",
    "Report",
    "diagnose",
    "layer_gradients",
    "plot_findings",
]
