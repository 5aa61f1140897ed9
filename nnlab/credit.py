"""Credit assignment without backpropagation: six learning rules in one harness (notebook 06).

A network here is a stack of K multilayer perceptrons of the same sizes ``[d, h1, ..., k]``
(``tanh`` hidden layers, a linear output layer), held as float64 tensors with a leading run
axis K, so that many seeds or learning rates train at once. The output layer gives logits
for a softmax cross-entropy when the targets are class labels (int64), or outputs for a
squared error ``0.5 * |out - target|^2`` when they are real numbers (float). The loss is
the mean over the samples.

Every rule computes, for each hidden layer i, a *signal* ``s_i`` (n, h_i): its estimate of
the blame dL_n/dh_i of sample n on the layer's activities, then the update of the weights
into layer i as ``h_{i-1}^T (s_i * tanh'(a_i))``. The rules (``RULES``) differ only in the
signal:

- ``"backprop"``: ``s_i = delta_{i+1} W_{i+1}^T``, the exact gradient;
- ``"fa"`` (feedback alignment, Lillicrap et al. 2016): ``s_i = delta_{i+1} B_i`` with a
  fixed random B_i shaped like ``W_{i+1}^T``;
- ``"dfa"`` (direct feedback alignment, Nokland 2016): ``s_i = e B_i``, the output error e
  sent straight to every hidden layer by a fixed random B_i ``(k, h_i)``; with one hidden
  layer it is the same as ``"fa"``;
- ``"kp"`` (Kolen-Pollack; Akrout et al. 2019): as ``"fa"``, but B_i receives the same
  update as ``W_{i+1}^T``, and both decay by ``weight_decay``, so that
  ``W_{i+1}^T - B_i`` shrinks by a factor ``1 - lr * weight_decay`` at every step;
- ``"node_perturbation"``: every unit's output (hidden activities and the output layer's
  pre-activations) is nudged by ``sigma * xi`` (xi standard normal, a fresh draw per sample
  and unit), and ``s_i = (L_n(nudged) - L_n) / sigma * xi_i`` per sample;
- ``"weight_perturbation"``: every weight and bias is nudged by ``sigma * xi`` (one draw per
  step), and the update of every parameter is ``(L(nudged) - L) / sigma * xi``; this rule
  has no per-sample signal.

The output layer learns from its exact gradient under backprop, FA, DFA and KP. The
feedback matrices are drawn from the distribution of the matrix they stand in for
(``N(0, 1/h_i)``, like the forward weights), so their updates have about backprop's size:
a feedback matrix many times larger than ``W^T`` would win races only by taking bigger steps.

Public functions:

- ``init_network(sizes, rule, seeds)`` -> ``Network``: K networks (one per seed);
- ``estimate(net, X, y, sigma=, generators=)`` -> ``Estimate``: one step's updates and
  signals of ``net.rule`` and backprop's, on the same data;
- ``train(rule, sizes, X, y, lr=, steps=, seed=, ...)`` -> ``TrainResult``: gradient steps
  with each rule's estimate, recording the loss and the angles to backprop;
- ``evaluate(net, X, y)`` -> (loss, accuracy), each (K,): the networks on other data;
- ``angle_deg(a, b)``: the angle in degrees between vectors along the last axis;
- ``steps_to_reach(result, fraction)``: the first recorded step at which each run's loss
  is at most ``fraction`` of its starting loss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from numbers import Integral, Real

import torch

from ._validate import check_choice, check_float, check_int, check_tensor
from .streams import stream_seed

RULES = ("backprop", "fa", "dfa", "kp", "node_perturbation", "weight_perturbation")
FEEDBACK_RULES = ("fa", "dfa", "kp")
PERTURBATION_RULES = ("node_perturbation", "weight_perturbation")
DTYPE = torch.float64


@dataclass
class Network:
    """K networks of the same sizes, trained by one rule.

    ``weights[l]``: (K, in_l, out_l); ``biases[l]``: (K, out_l); ``feedback[i]``: the fixed
    (or, for ``"kp"``, learned) matrix that carries blame to hidden layer i, (K, out_{i+1},
    h_i) for ``"fa"``/``"kp"`` (shaped like ``weights[i+1]`` transposed), (K, k, h_i) for
    ``"dfa"``; an empty list for the other rules.
    """

    sizes: list[int]
    rule: str
    weights: list[torch.Tensor]
    biases: list[torch.Tensor]
    feedback: list[torch.Tensor] = field(default_factory=list)

    @property
    def K(self) -> int:
        """The number of networks in the stack."""
        return int(self.weights[0].shape[0])

    def clone(self) -> Network:
        """A deep copy (every tensor cloned)."""
        return replace(
            self,
            sizes=list(self.sizes),
            weights=[w.clone() for w in self.weights],
            biases=[b.clone() for b in self.biases],
            feedback=[B.clone() for B in self.feedback],
        )


@dataclass
class Estimate:
    """One step of a rule on K networks.

    ``weights[l]``, ``biases[l]``: the rule's estimate of the gradient (shaped like the
    network's); ``signals[i]`` (K, n, h_i): its blame on hidden layer i's activities per
    sample (``None`` for weight perturbation); ``true_weights``, ``true_biases``,
    ``true_signals``: backprop's, on the same networks and data; ``loss`` (K,): the loss.
    """

    weights: list[torch.Tensor]
    biases: list[torch.Tensor]
    signals: list[torch.Tensor | None]
    true_weights: list[torch.Tensor]
    true_biases: list[torch.Tensor]
    true_signals: list[torch.Tensor]
    loss: torch.Tensor


@dataclass
class TrainResult:
    """What ``train`` recorded, at the steps ``step`` (R,): 0, every, 2 every, ..., steps.

    With one seed (an int or None) the run axis K is dropped from every array.

    - ``loss`` (K, R): the mean loss on all of X before step ``step[r]`` (the last entry is
      after the last step); inf or NaN for a run that diverged;
    - ``angle`` (K, R, L): per hidden layer, the mean over the samples of the angle in
      degrees between the rule's signal and backprop's (Lillicrap's ``B e`` against
      ``W^T e``); 0 for backprop, NaN for weight perturbation, which has no signal;
    - ``update_angle`` (K, R, L + 1): per layer (the output layer last), the angle between
      the rule's whole update of the layer's weights and biases and backprop's;
    - ``feedback_angle`` (K, R, L): for FA, DFA and KP, the angle between feedback matrix
      ``B_i`` and the matrix backprop would use in its place (``W_{i+1}^T``; for DFA the
      product ``(W_{i+1} ... W_out)^T``); NaN for the other rules;
    - ``feedback_gap`` (K, R, L): ``|W_{i+1}^T - B_i|`` (Frobenius) for FA and KP, else NaN;
    - ``accuracy`` (K, R): for class labels, the share of X classified right, else NaN;
    - ``net``: the trained networks.
    """

    rule: str
    step: torch.Tensor
    loss: torch.Tensor
    angle: torch.Tensor
    update_angle: torch.Tensor
    feedback_angle: torch.Tensor
    feedback_gap: torch.Tensor
    accuracy: torch.Tensor
    net: Network


# ----------------------------------------------------------------------------- checks
def _check_sizes(sizes: object) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a list of layer widths [d, h1, ..., k]; got {sizes!r}")
    if len(sizes) < 2:
        raise ValueError(f"sizes must have at least 2 entries [d, ..., k]; got {list(sizes)}")
    return [check_int(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]


def _check_seeds(seed: object) -> tuple[list[int], bool]:
    """Return (seeds, single): None -> the stream "credit", an int -> one run."""
    if seed is None:
        return [stream_seed("credit")], True
    if isinstance(seed, Integral) and not isinstance(seed, bool):
        return [check_int("seed", seed, minimum=0)], True
    if isinstance(seed, (str, bytes)) or not isinstance(seed, Sequence) or len(seed) == 0:
        raise TypeError(f"seed must be None, an int or a non-empty list of ints; got {seed!r}")
    return [check_int(f"seed[{i}]", s, minimum=0) for i, s in enumerate(seed)], False


def _check_data(X: object, y: object, sizes: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    X = check_tensor("X", X, ndim=2, floating=True)
    if X.shape[1] != sizes[0]:
        raise ValueError(f"X has {X.shape[1]} columns but sizes[0] is {sizes[0]}: they must match")
    y = check_tensor("y", y)
    if len(y) != len(X):
        raise ValueError(f"y must have one row per row of X ({len(X)}); got {len(y)}")
    k = sizes[-1]
    if y.is_floating_point():
        if y.ndim == 1 and k == 1:
            y = y[:, None]
        if y.ndim != 2 or y.shape[1] != k:
            raise ValueError(
                f"real-valued targets y must have shape (n, {k}) to fit sizes[-1] = {k}; "
                f"got {tuple(y.shape)}"
            )
        return X.to(DTYPE), y.to(DTYPE)
    check_tensor("y", y, ndim=1, integer=True)
    if int(y.min()) < 0 or int(y.max()) >= k:
        raise ValueError(f"class labels y must lie in 0..{k - 1} (sizes[-1] = {k} classes)")
    if k < 2:
        raise ValueError("class labels y need sizes[-1] >= 2 (one output per class)")
    return X.to(DTYPE), y.long()


def _check_network(net: object) -> Network:
    if not isinstance(net, Network):
        raise TypeError(f"net must be an nnlab.credit.Network; got {type(net).__name__}")
    return net


def _per_run(name: str, value: object, K: int) -> torch.Tensor:
    """A positive float or a list of K of them -> a (K, 1, 1) tensor."""
    if isinstance(value, Real) and not isinstance(value, bool):
        values = [check_float(name, value, positive=True)] * K
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if len(value) != K:
            raise ValueError(f"{name} must be one number or a list of {K} (one per seed)")
        values = [check_float(f"{name}[{i}]", v, positive=True) for i, v in enumerate(value)]
    else:
        raise TypeError(f"{name} must be a positive number or a list of them; got {value!r}")
    return torch.tensor(values, dtype=DTYPE)[:, None, None]


# ----------------------------------------------------------------------------- the networks
def init_network(sizes: Sequence[int], rule: str, seeds: Sequence[int]) -> Network:
    """K = len(seeds) networks of ``sizes`` for ``rule``; run k drawn from ``seeds[k]``.

    Weights into a layer of fan-in m are N(0, 1/m), biases zero. The forward weights are
    drawn first, so every rule starts from the same network for the same seed; the
    feedback matrices after them, N(0, 1/h_i) for hidden layer i of width h_i.
    """
    sizes = _check_sizes(sizes)
    rule = check_choice("rule", rule, RULES)
    seeds, _ = _check_seeds(list(seeds))
    L = len(sizes) - 2  # hidden layers
    weights = [[] for _ in range(L + 1)]
    feedback = [[] for _ in range(L if rule in FEEDBACK_RULES else 0)]
    for s in seeds:
        gen = torch.Generator().manual_seed(s)
        for i, (m, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            weights[i].append(torch.randn(m, n_out, generator=gen, dtype=DTYPE) / math.sqrt(m))
        for i in range(len(feedback)):
            rows = sizes[-1] if rule == "dfa" else sizes[i + 2]
            h = sizes[i + 1]
            feedback[i].append(torch.randn(rows, h, generator=gen, dtype=DTYPE) / math.sqrt(h))
    K = len(seeds)
    return Network(
        sizes=sizes,
        rule=rule,
        weights=[torch.stack(w) for w in weights],
        biases=[torch.zeros(K, n_out, dtype=DTYPE) for n_out in sizes[1:]],
        feedback=[torch.stack(B) for B in feedback],
    )


def _forward(weights, biases, X, nudges=None):
    """Activities [x, h_1, ..., h_L] and the output; ``nudges`` are added to every unit."""
    hs, h = [X], X
    for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
        a = h @ W + b[:, None, :]
        last = i == len(weights) - 1
        h = a if last else torch.tanh(a)
        if nudges is not None:
            h = h + nudges[i]
        if not last:
            hs.append(h)
    return hs, h


def _sample_losses(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-sample loss (K, n): cross-entropy for labels, 0.5 |out - y|^2 for targets."""
    if y.is_floating_point():
        return 0.5 * ((out - y) ** 2).sum(-1)
    logp = torch.log_softmax(out, dim=-1)
    return -logp.gather(-1, y.expand(out.shape[0], -1)[..., None])[..., 0]


def _output_error(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """dL_n/d out per sample (K, n, k)."""
    if y.is_floating_point():
        return out - y
    onehot = torch.nn.functional.one_hot(y, out.shape[-1]).to(out.dtype)
    return torch.softmax(out, dim=-1) - onehot


def _layer_updates(hs, deltas):
    """Weight and bias updates from activities hs[l] and deltas[l] (already divided by n)."""
    return [h.transpose(-1, -2) @ d for h, d in zip(hs, deltas, strict=True)], [
        d.sum(1) for d in deltas
    ]


def _feedback_pass(net, hs, e, n):
    """Signals and deltas of backprop (no feedback), FA/KP or DFA for output errors e."""
    L = len(hs) - 1
    delta = e / n
    deltas, signals = [delta], []
    for i in range(L - 1, -1, -1):  # hidden layer i (hs[i + 1])
        if net.rule in ("fa", "kp"):
            s = deltas[0] @ net.feedback[i]
        elif net.rule == "dfa":
            s = (e / n) @ net.feedback[i]
        else:
            s = deltas[0] @ net.weights[i + 1].transpose(-1, -2)
        signals.insert(0, s * n)  # per sample, undo the mean's 1/n
        deltas.insert(0, s * (1 - hs[i + 1] ** 2))
    return signals, deltas


def estimate(
    net: Network,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    sigma: float = 1e-3,
    generators: Sequence[torch.Generator] | None = None,
) -> Estimate:
    """One step of ``net.rule`` on the data ``X`` (n, d), ``y`` (labels (n,) or targets (n, k)).

    Returns the rule's updates and per-sample signals and backprop's on the same networks
    and data (see ``Estimate``). ``sigma`` is the size of the nudges of the perturbation
    rules; ``generators`` (one per network) draw them (default: seeded from the stream
    "credit-noise").
    """
    net = _check_network(net)
    sigma = check_float("sigma", sigma, positive=True)
    Xc, yc = _check_data(X, y, net.sizes)
    if generators is None:
        generators = [
            torch.Generator().manual_seed(stream_seed("credit-noise", k)) for k in range(net.K)
        ]
    elif len(generators) != net.K or not all(isinstance(g, torch.Generator) for g in generators):
        raise TypeError(f"generators must be a list of {net.K} torch.Generator (one per network)")
    return _estimate(net, Xc, yc, sigma, generators)


def _estimate(net, X, y, sigma, generators, with_true=True):
    """The rule's estimate; backprop's too when ``with_true`` (else the true_* are empty)."""
    n = X.shape[-2]
    hs, out = _forward(net.weights, net.biases, X)
    sample_loss = _sample_losses(out, y)  # (K, n)
    e = _output_error(out, y)
    loss = sample_loss.mean(1)
    true_w, true_b, true_signals = [], [], []
    if with_true or net.rule in ("backprop", *FEEDBACK_RULES):
        true = replace(net, rule="backprop")
        if with_true or net.rule == "backprop":
            true_signals, true_deltas = _feedback_pass(true, hs, e, n)
            true_w, true_b = _layer_updates(hs, true_deltas)
        else:  # the output layer's gradient only
            true_w, true_b = _layer_updates(hs[-1:], [e / n])
            true_w, true_b = [None] * (len(hs) - 1) + true_w, [None] * (len(hs) - 1) + true_b
    if net.rule == "backprop":
        return Estimate(true_w, true_b, true_signals, true_w, true_b, true_signals, loss)
    if net.rule in FEEDBACK_RULES:
        signals, deltas = _feedback_pass(net, hs, e, n)
        w, b = _layer_updates(hs, deltas)
        w[-1], b[-1] = true_w[-1], true_b[-1]  # the output layer's own gradient is local
        return Estimate(w, b, signals, true_w, true_b, true_signals, loss)

    def noise(*shape):
        if isinstance(generators, _Draws):
            return generators.normal(math.prod(shape)).view(-1, *shape)
        return torch.stack([torch.randn(*shape, generator=g, dtype=DTYPE) for g in generators])

    if net.rule == "node_perturbation":
        xis = [noise(n, m) for m in net.sizes[1:]]
        _, out_nudged = _forward(net.weights, net.biases, X, [sigma * xi for xi in xis])
        dl = (_sample_losses(out_nudged, y) - sample_loss)[..., None] / sigma  # (K, n, 1)
        signals = [dl * xi for xi in xis[:-1]]
        deltas = [s / n * (1 - h**2) for s, h in zip(signals, hs[1:], strict=True)]
        w, b = _layer_updates(hs, [*deltas, dl * xis[-1] / n])
        return Estimate(w, b, signals, true_w, true_b, true_signals, loss)
    # weight perturbation: one nudge of every parameter per network
    xw = [noise(*W.shape[1:]) for W in net.weights]
    xb = [noise(*b.shape[1:]) for b in net.biases]
    _, out_nudged = _forward(
        [W + sigma * x for W, x in zip(net.weights, xw, strict=True)],
        [b + sigma * x for b, x in zip(net.biases, xb, strict=True)],
        X,
    )
    dl = (_sample_losses(out_nudged, y).mean(1) - loss) / sigma  # (K,)
    w = [dl[:, None, None] * x for x in xw]
    b = [dl[:, None] * x for x in xb]
    signals = [None] * (len(net.sizes) - 2)
    return Estimate(w, b, signals, true_w, true_b, true_signals, loss)


# ----------------------------------------------------------------------------- angles
def angle_deg(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Angle in degrees (0 to 180) between ``a`` and ``b`` along the last axis.

    ``a`` and ``b`` broadcast against each other; the result drops the last axis. A zero
    vector gives NaN (it has no direction).
    """
    a = check_tensor("a", a, floating=True, finite=False)
    b = check_tensor("b", b, floating=True, finite=False)
    try:
        torch.broadcast_shapes(a.shape, b.shape)
    except RuntimeError:
        raise ValueError(f"a {tuple(a.shape)} and b {tuple(b.shape)} must broadcast") from None
    norms = a.norm(dim=-1) * b.norm(dim=-1)
    cos = (a * b).sum(-1) / norms
    cos = torch.where(norms > 0, cos.clamp(-1.0, 1.0), torch.nan)
    return torch.rad2deg(torch.arccos(cos))


def _flat(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.cat([w.flatten(1), b.flatten(1)], dim=1)


def _angles(net: Network, est: Estimate) -> tuple[torch.Tensor, ...]:
    """(angle (K, L), update_angle (K, L + 1), feedback_angle (K, L), gap (K, L))."""
    K, L = net.K, len(net.sizes) - 2
    nan = torch.full((K, L), torch.nan, dtype=DTYPE)
    if net.rule == "backprop":
        angle = torch.zeros(K, L, dtype=DTYPE)
        update = torch.zeros(K, L + 1, dtype=DTYPE)
    else:
        angle = nan.clone()
        for i, s in enumerate(est.signals):
            if s is not None:
                angle[:, i] = angle_deg(s, est.true_signals[i]).nanmean(1)
        update = torch.stack(
            [
                angle_deg(_flat(w, b), _flat(tw, tb))
                for w, b, tw, tb in zip(
                    est.weights, est.biases, est.true_weights, est.true_biases, strict=True
                )
            ],
            dim=1,
        )
    fb_angle, gap = nan.clone(), nan.clone()
    for i, B in enumerate(net.feedback):
        if net.rule == "dfa":
            M = net.weights[i + 1]
            for W in net.weights[i + 2 :]:
                M = M @ W
            stand_in = M.transpose(-1, -2)
        else:
            stand_in = net.weights[i + 1].transpose(-1, -2)
            gap[:, i] = (stand_in - B).flatten(1).norm(dim=1)
        fb_angle[:, i] = angle_deg(B.flatten(1), stand_in.flatten(1))
    return angle, update, fb_angle, gap


# ----------------------------------------------------------------------------- training
def train(
    rule: str,
    sizes: Sequence[int],
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    lr: float | Sequence[float],
    steps: int,
    seed: int | Sequence[int] | None = None,
    batch_size: int | None = None,
    every: int = 1,
    sigma: float = 1e-3,
    weight_decay: float = 0.0,
    net: Network | None = None,
) -> TrainResult:
    """Train networks of ``sizes`` with ``rule`` on ``(X, y)``; record loss and angles.

    ``X``: (n, d) float; ``y``: class labels int64 (n,) (softmax cross-entropy over
    ``sizes[-1]`` classes) or real targets float (n, k) (squared error). ``lr``: the step
    size applied to the rule's own estimate of the gradient, one number or one per seed.
    ``seed``: None (the stream "credit"), an int (one run; the run axis is dropped from
    the result), or a list of ints (one network per seed, trained at once). ``batch_size``:
    None for full-batch steps, else each step uses that many samples drawn at random (with
    replacement, from each run's own stream). ``every``: record every ``every`` steps (and
    after the last). ``sigma``: the nudge of the perturbation rules. ``weight_decay``:
    shrinks every forward weight (and KP's feedback) by ``lr * weight_decay`` per step.
    ``net``: start from these networks (their rule must be ``rule``) instead of fresh ones.

    A run that diverges shows it as inf or NaN in ``loss``; nothing is raised.
    Returns a ``TrainResult``.
    """
    rule = check_choice("rule", rule, RULES)
    sizes = _check_sizes(sizes)
    X, y = _check_data(X, y, sizes)
    seeds, single = _check_seeds(seed)
    steps = check_int("steps", steps, minimum=1)
    every = check_int("every", every, minimum=1)
    sigma = check_float("sigma", sigma, positive=True)
    weight_decay = check_float("weight_decay", weight_decay, nonnegative=True)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    if net is None:
        net = init_network(sizes, rule, seeds)
    else:
        net = _check_network(net).clone()
        if net.rule != rule or net.sizes != sizes or net.K != len(seeds):
            raise ValueError(
                f"net must be a Network of rule {rule!r}, sizes {sizes} and {len(seeds)} runs"
            )
    K, n = net.K, len(X)
    lrs = _per_run("lr", lr, K)
    gens = _Draws(seeds)
    recorded = sorted({*range(0, steps, every), steps})
    recorded_set = set(recorded)
    records: dict[str, list[torch.Tensor]] = {k: [] for k in ("loss", "a", "u", "f", "g", "acc")}
    with torch.no_grad():
        for t in range(steps + 1):
            est_full = None
            if t in recorded_set:
                est_full = _estimate(net, X, y, sigma, gens)
                a, u, f, g = _angles(net, est_full)
                for key, value in zip("aufg", (a, u, f, g), strict=True):
                    records[key].append(value)
                records["loss"].append(est_full.loss)
                records["acc"].append(_accuracy(net, X, y))
            if t == steps:
                break
            if batch_size is None:
                est = est_full if est_full is not None else _estimate(net, X, y, sigma, gens, False)
            else:
                idx = gens.integers(n, batch_size)
                est = _estimate(net, X[idx], y[idx], sigma, gens, False)
            _apply(net, est, lrs, weight_decay)
    stack = {k: torch.stack(v, dim=1) for k, v in records.items()}
    result = TrainResult(
        rule=rule,
        step=torch.tensor(recorded),
        loss=stack["loss"],
        angle=stack["a"],
        update_angle=stack["u"],
        feedback_angle=stack["f"],
        feedback_gap=stack["g"],
        accuracy=stack["acc"],
        net=net,
    )
    if single:
        for key in ("loss", "angle", "update_angle", "feedback_angle", "feedback_gap", "accuracy"):
            setattr(result, key, getattr(result, key)[0])
    return result


class _Draws:
    """Each run's random draws from its own generator, taken in chunks (fewer calls).

    Run k's draws depend on its seed only, not on the other runs trained beside it.
    """

    CHUNK = 4096

    def __init__(self, seeds: list[int]) -> None:
        self.gens = [torch.Generator().manual_seed(s) for s in seeds]
        for g in self.gens:  # step past the draws of init_network's first number
            torch.randn(1, generator=g)
        self.normals = torch.empty(len(seeds), 0, dtype=DTYPE)
        self.ints: dict[int, torch.Tensor] = {}

    def __len__(self) -> int:
        return len(self.gens)

    def normal(self, count: int) -> torch.Tensor:
        """(K, count) standard normal numbers."""
        if self.normals.shape[1] < count:
            size = max(count, self.CHUNK)
            fresh = torch.stack([torch.randn(size, generator=g, dtype=DTYPE) for g in self.gens])
            self.normals = torch.cat([self.normals, fresh], dim=1)
        out, self.normals = self.normals[:, :count], self.normals[:, count:]
        return out

    def integers(self, n: int, count: int) -> torch.Tensor:
        """(K, count) integers drawn uniformly from 0..n-1."""
        stock = self.ints.get(n, torch.empty(len(self.gens), 0, dtype=torch.long))
        if stock.shape[1] < count:
            size = max(count, self.CHUNK)
            fresh = torch.stack([torch.randint(n, (size,), generator=g) for g in self.gens])
            stock = torch.cat([stock, fresh], dim=1)
        self.ints[n] = stock[:, count:]
        return stock[:, :count]


def evaluate(net: Network, X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean loss (K,) and accuracy (K,) of the K networks on ``(X, y)``.

    The accuracy is the share of samples whose largest output is the label (NaN for
    real-valued targets).
    """
    net = _check_network(net)
    X, y = _check_data(X, y, net.sizes)
    with torch.no_grad():
        _, out = _forward(net.weights, net.biases, X)
        return _sample_losses(out, y).mean(1), _accuracy(net, X, y)


def _accuracy(net: Network, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if y.is_floating_point():
        return torch.full((net.K,), torch.nan, dtype=DTYPE)
    _, out = _forward(net.weights, net.biases, X)
    return (out.argmax(-1) == y).to(DTYPE).mean(1)


def _apply(net: Network, est: Estimate, lrs: torch.Tensor, weight_decay: float) -> None:
    """One step: every parameter minus lr times the rule's estimate (and the decay)."""
    shrink = 1 - lrs * weight_decay  # (K, 1, 1)
    for i, (gw, gb) in enumerate(zip(est.weights, est.biases, strict=True)):
        net.weights[i] = shrink * net.weights[i] - lrs * gw
        net.biases[i] = net.biases[i] - lrs[:, :, 0] * gb
    if net.rule == "kp":  # B_i gets W_{i+1}^T's update and the same decay
        for i in range(len(net.feedback)):
            update = est.weights[i + 1].transpose(-1, -2)
            net.feedback[i] = shrink * net.feedback[i] - lrs * update


def steps_to_reach(result: TrainResult, fraction: float) -> torch.Tensor:
    """The first recorded step at which each run's loss is at most ``fraction`` of its
    loss at step 0; ``inf`` for a run that never gets there (or diverged). Returns (K,),
    or a 0-d tensor for a result of one run."""
    if not isinstance(result, TrainResult):
        raise TypeError(f"result must be a TrainResult from nnlab.credit.train; got {result!r}")
    fraction = check_float("fraction", fraction, positive=True)
    loss = result.loss
    reached = loss <= fraction * loss[..., :1]
    first = torch.where(reached.any(-1), reached.to(torch.int8).argmax(-1), -1)
    steps = result.step.to(DTYPE)[first.clamp(min=0)]
    return torch.where(first >= 0, steps, torch.inf)


# Network, Estimate and TrainResult are the records these functions return (not in __all__).
__all__ = [
    "RULES",
    "angle_deg",
    "estimate",
    "evaluate",
    "init_network",
    "steps_to_reach",
    "train",
]
