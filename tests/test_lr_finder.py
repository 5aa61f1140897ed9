"""The learning-rate range test: its record, its suggestions, and where it stops."""

import copy
import math

import numpy as np
import pytest
import torch

import nnlab
from nnlab.lr_finder import LRRangeResult, lr_range_test, lr_schedule_exponential, plot_lr_range


@pytest.fixture
def regression():
    """Noisy linear regression with a known Hessian, 2/n XᵀX, for the mean squared error."""
    gen = torch.Generator().manual_seed(0)
    n, d = 512, 4
    scales = torch.tensor([2.0, 1.0, 0.5, 0.3], dtype=torch.float64)
    X = torch.randn(n, d, generator=gen, dtype=torch.float64) * scales
    y = X @ torch.randn(d, 1, generator=gen, dtype=torch.float64)
    y = y + 0.3 * torch.randn(n, 1, generator=gen, dtype=torch.float64)
    lam_max = np.linalg.eigvalsh((2 / n * X.T @ X).numpy()).max()
    return X, y, lam_max


def linear_model(seed, d=4):
    torch.manual_seed(seed)
    return torch.nn.Linear(d, 1, bias=False).double()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_range_test_stops_just_above_the_stability_limit(regression, seed):
    X, y, lam_max = regression
    limit = 2 / lam_max
    result = lr_range_test(
        linear_model(seed),
        X,
        y,
        loss="mse",
        lr_start=0.01 * limit,
        lr_end=10 * limit,
        steps=400,
        batch_size=64,
        seed=seed,
    )
    assert result.diverged
    assert 0.9 * limit < result.stop_lr < 1.5 * limit, result.stop_lr / limit
    assert result.min_lr < result.stop_lr
    assert result.suggested_lr == pytest.approx(result.min_lr / 10)


def test_record_shapes_rates_and_smoothing(regression):
    X, y, lam_max = regression
    model = linear_model(0)
    before = model.weight.detach().clone()
    result = lr_range_test(
        model, X, y, loss="mse", lr_start=1e-4, lr_end=1e-2, steps=30, smoothing=0.8
    )
    assert isinstance(result, LRRangeResult)
    assert not result.diverged and result.stop_lr is None
    assert result.lrs.shape == result.losses.shape == result.raw_losses.shape == (30,)
    assert result.lrs[0].item() == pytest.approx(1e-4) and result.lrs[-1].item() == pytest.approx(
        1e-2
    )
    ratios = result.lrs[1:] / result.lrs[:-1]
    assert torch.allclose(ratios, ratios[0].expand_as(ratios))
    # Bias-corrected exponential moving average of the raw losses.
    average = 0.0
    for t, raw in enumerate(result.raw_losses.tolist()):
        average = 0.8 * average + 0.2 * raw
        assert result.losses[t].item() == pytest.approx(average / (1 - 0.8 ** (t + 1)))
    # The first raw loss is the untouched model's loss; the model itself is unchanged.
    assert result.raw_losses[0].item() == pytest.approx(
        torch.nn.functional.mse_loss(model(X), y).item()
    )
    assert torch.equal(model.weight, before)
    # Slowly growing small rates: the loss falls all along, so the minimum is at the end.
    assert result.min_lr == pytest.approx(result.lrs[-1].item())


def test_steepest_point_lies_where_the_loss_falls_fastest():
    X, y = nnlab.make_blobs(n=300, centers=3, spread=0.8, seed=0)
    torch.manual_seed(0)
    result = lr_range_test(nnlab.MLP([2, 16, 3]), X, y, batch_size=32, steps=120, seed=0)
    best = int(result.losses.argmin())
    assert result.min_lr == pytest.approx(result.lrs[best].item())
    steep = int((result.lrs - result.steepest_lr).abs().argmin())
    assert steep < best
    assert result.losses[best] < result.losses[0]
    assert result.losses[steep + 1] < result.losses[steep - 1]


def test_plot_has_a_log_axis_title_and_labels_with_units(regression):
    X, y, lam_max = regression
    result = lr_range_test(
        linear_model(0), X, y, loss="mse", lr_start=1e-3, lr_end=10.0, steps=200, batch_size=64
    )
    ax = plot_lr_range(result)
    assert ax.get_xscale() == "log"
    assert ax.get_title()
    assert "(" in ax.get_xlabel() and "(" in ax.get_ylabel()
    assert "squared error" in ax.get_ylabel()
    assert len(ax.get_lines()) == 4  # curve, minimum, minimum / 10, stop


def test_exponential_rates():
    lrs = lr_schedule_exponential(1e-3, 1.0, 4)
    assert lrs.tolist() == pytest.approx([1e-3, 1e-2, 1e-1, 1.0])
    assert math.isclose(float(lrs.log().diff().std()), 0.0, abs_tol=1e-12)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(lr_start=-1.0), ValueError, "lr_start must be > 0"),
        (dict(lr_start=1.0, lr_end=0.1), ValueError, "lr_end must be > lr_start"),
        (dict(steps=1), ValueError, "steps must be an integer >= 2"),
        (dict(smoothing=1.0), ValueError, "smoothing must be < 1"),
        (dict(diverge_factor=1.0), ValueError, "diverge_factor must be > 1"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(loss="hinge"), ValueError, "unknown loss"),
        (dict(momentum=-0.5), ValueError, "momentum must be >= 0"),
        (dict(seed=-1), ValueError, "seed"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, error, match):
    X, y = nnlab.make_blobs(n=20, centers=2, seed=0)
    with pytest.raises(error, match=match):
        lr_range_test(nnlab.MLP([2, 3, 2]), X, y, **kwargs)


def test_bad_model_data_and_result_raise():
    X, y = nnlab.make_blobs(n=20, centers=2, seed=0)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        lr_range_test("net", X, y)
    with pytest.raises(ValueError, match="same number of rows"):
        lr_range_test(nnlab.MLP([2, 3, 2]), X, y[:10])
    with pytest.raises(TypeError, match="result must be an LRRangeResult"):
        plot_lr_range({"lrs": []})


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_written_out_sgd_matches_torch_optim_sgd(momentum):
    """The range test's hand-written SGD step equals torch.optim.SGD's, momentum included."""
    from nnlab.lr_finder import _run

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    X, y = torch.randn(16, 3), torch.randint(0, 2, (16,))
    lrs = torch.logspace(-3, -1, 6, dtype=torch.float64)
    ours = copy.deepcopy(model)
    _run(ours, X, y, lrs, None, "cross_entropy", momentum, 0.0, 1e9, 0)
    opt = torch.optim.SGD(model.parameters(), lr=1.0, momentum=momentum)
    for lr in lrs.tolist():
        opt.param_groups[0]["lr"] = lr
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(X), y).backward()
        opt.step()
    for a, b in zip(ours.parameters(), model.parameters(), strict=True):
        torch.testing.assert_close(a, b)
