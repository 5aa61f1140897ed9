"""nnlab.doctor: each finding fires on a network built to have that fault, and a healthy
network (an MLP, a small CNN with batch norm, a regression net) gets no finding."""

import math

import pytest
import torch
from torch import nn

import nnlab
from nnlab.doctor import CODES, FOLLOWS_FROM, Finding, Report, diagnose, layer_gradients

GOOD_LR = 0.1


@pytest.fixture(scope="module")
def digits():
    X, y = nnlab.load_digits()
    return nnlab.stratified_split(X, y)["train"]


def mlp(seed=0, sizes=(64, 64, 64, 10), **kwargs):
    torch.manual_seed(seed)
    return nnlab.MLP(list(sizes), **kwargs)


def cnn(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)),
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 32),
        nn.Tanh(),
        nn.Linear(32, 10),
    )


def negative_biases(seed):
    model = mlp(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") and not name.startswith("out"):
                p.fill_(-3.0)
    return model


def frozen_zero_head(seed):
    model = mlp(seed)
    with torch.no_grad():
        model.out.weight.zero_()
    model.out.weight.requires_grad_(False)
    return model


def large_head(seed):
    model = mlp(seed)
    with torch.no_grad():
        model.out.weight.mul_(20)
    return model


def shuffled(y, seed):
    return y[torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))]


# bug name -> (model builder, transform of (X, y), lr, the code it must be flagged with)
BUGS = {
    "inputs x255": (mlp, lambda X, y, s: (X * 255, y), GOOD_LR, "input_scale"),
    "large output layer": (large_head, None, GOOD_LR, "initial_loss"),
    "lr x100": (mlp, None, GOOD_LR * 100, "lr_too_high"),
    "lr /100": (mlp, None, GOOD_LR / 100, "lr_too_low"),
    "shuffled labels": (mlp, lambda X, y, s: (X, shuffled(y, s)), GOOD_LR, "labels_unlearnable"),
    "negative biases": (negative_biases, None, GOOD_LR, "dead_units"),
    "sigmoid depth 10": (
        lambda s: mlp(s, [64] + [64] * 9 + [10], activation="sigmoid", init="default"),
        None,
        GOOD_LR,
        "vanishing_gradients",
    ),
    "relu depth 10, large init": (
        lambda s: mlp(s, [64] + [64] * 9 + [10], init="normal", std=0.35),
        None,
        GOOD_LR,
        "exploding_gradients",
    ),
    "tanh, large init": (
        lambda s: mlp(s, activation="tanh", init="normal", std=1.0),
        None,
        GOOD_LR,
        "saturated_units",
    ),
    "softmax before the loss": (
        lambda s: nn.Sequential(mlp(s), nn.Softmax(dim=1)),
        None,
        GOOD_LR,
        "double_softmax",
    ),
    "frozen zero output layer": (frozen_zero_head, None, GOOD_LR, "cannot_overfit"),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("build", [mlp, cnn], ids=["mlp", "cnn"])
def test_healthy_models_get_no_finding(digits, build, seed):
    X, y = digits
    report = diagnose(build(seed), X, y, lr=GOOD_LR, seed=seed)
    assert report.findings == [], str(report)
    assert report.skipped == []


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("bug", list(BUGS))
def test_each_planted_bug_is_found_as_the_only_cause(digits, bug, seed):
    build, transform, lr, code = BUGS[bug]
    X, y = digits
    if transform is not None:
        X, y = transform(X, y, seed)
    report = diagnose(build(seed), X, y, lr=lr, seed=seed)
    assert report.causes == [code], str(report)
    for f in report.findings:  # every other finding names a cause the rule table allows
        assert f.follows_from is None or f.follows_from in FOLLOWS_FROM[f.code]


def test_the_bugs_cover_every_code():
    assert {code for *_, code in BUGS.values()} == set(CODES)


def test_model_and_data_are_unchanged(digits):
    X, y = digits
    model = cnn().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    X0, y0 = X.clone(), y.clone()
    diagnose(model, X, y, lr=GOOD_LR)
    assert model.training
    assert all(m.training for m in model.modules())
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k  # batch-norm running statistics included
    assert torch.equal(X, X0) and torch.equal(y, y0)
    assert all(p.grad is None for p in model.parameters())


def test_without_lr_the_rate_checks_are_skipped_and_said_so(digits):
    X, y = digits
    report = diagnose(mlp(), X, y, lr=GOOD_LR * 100)
    assert "lr_too_high" in report.codes
    report = diagnose(mlp(), X, y)
    assert report.codes == []
    assert any("lr" in line for line in report.skipped)
    assert "skipped" in str(report)


def test_log_softmax_output_is_not_a_double_softmax(digits):
    """cross_entropy on log-probabilities equals it on logits: log_softmax(log p) = log p."""
    X, y = digits
    model = nn.Sequential(mlp(), nn.LogSoftmax(dim=1))
    plain = mlp()
    torch.testing.assert_close(
        nn.functional.cross_entropy(model(X), y), nn.functional.cross_entropy(plain(X), y)
    )
    assert diagnose(model, X, y, lr=GOOD_LR).findings == []


def test_regression_healthy_and_shuffled_targets():
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(400, 3, generator=gen)
    T = torch.sin(X[:, :1] * 2) + 0.5 * X[:, 1:2]
    torch.manual_seed(0)
    model = nnlab.MLP([3, 32, 32, 1], activation="tanh", init="xavier")
    report = diagnose(model, X, T, loss="mse", lr=0.05)
    assert report.findings == [], str(report)
    report = diagnose(model, X, T[torch.randperm(400, generator=gen)], loss="mse", lr=0.05)
    assert report.causes == ["labels_unlearnable"], str(report)


def test_model_without_activation_modules_skips_those_checks(digits):
    X, y = digits
    torch.manual_seed(0)
    report = diagnose(nn.Linear(64, 10), X, y, lr=GOOD_LR)
    assert report.findings == [], str(report)
    assert any("no activation modules" in line for line in report.skipped)


def test_layer_gradients_match_autograd_reference(digits):
    """RMS over units of ‖∂L/∂z‖ (norm over rows), computed by hand with retain_grad."""
    X, y = digits
    X, y = X[:200], y[:200]
    model = mlp(3)
    got = layer_gradients(model, X, y)
    h = X
    zs = []
    for name, layer in model.named_children():
        if name.startswith("act"):
            h.retain_grad()
            zs.append(h)
        h = layer(h)
    nn.functional.cross_entropy(h, y).backward()
    for name, z in zip(["act1", "act2"], zs, strict=True):
        live = (z > 0).any(0)
        norms = z.grad.pow(2).sum(0).sqrt()[live]
        assert math.isclose(got[name], float(norms.pow(2).mean().sqrt()), rel_tol=1e-4)


def test_vanishing_ratio_tracks_depth(digits):
    """Sigmoid with default init: each layer shrinks the gradient, so deeper is smaller."""
    X, y = digits
    ratios = []
    for depth in (3, 6, 9):
        g = layer_gradients(
            mlp(0, [64] + [64] * depth + [10], activation="sigmoid", init="default"),
            X[:300],
            y[:300],
        )
        values = list(g.values())
        ratios.append(values[0] / values[-1])
    assert ratios[0] > 10 * ratios[1] > 100 * ratios[2]


def test_report_prints_codes_evidence_and_fixes():
    finding = Finding("input_scale", "inputs' std 70", "standardise", None)
    text = str(Report([finding, Finding("initial_loss", "loss 300", "scale", "input_scale")]))
    assert "input_scale" in text and "fix: standardise" in text
    assert "may follow from input_scale" in text
    assert str(Report()).startswith("no finding")


def test_plot_findings_marks_causes_dark_and_consequences_light():
    import matplotlib

    matplotlib.use("Agg")
    from nnlab.doctor import plot_findings

    cause = Finding("input_scale", "big", "scale")
    after = Finding("initial_loss", "loss 300", "scale", "input_scale")
    ax = plot_findings({"healthy": Report(), "x255": Report([cause, after])})
    grid = ax.images[0].get_array()
    assert grid[0].sum() == 0
    assert grid[1, CODES.index("input_scale")] == 2 and grid[1, CODES.index("initial_loss")] == 1
    assert [t.get_text() for t in ax.get_yticklabels()] == ["healthy", "x255"]
