"""nnlab.recovery (notebook 09): retraining a stack against plain torch loops, the unit mask,
the recovery gap and the map."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from nnlab.batched import init_stack, train_batched  # noqa: E402
from nnlab.recovery import draw_map, recovery_gap, retrain, unit_masks  # noqa: E402

X = torch.randn(30, 3, generator=torch.Generator().manual_seed(0))
T = torch.randn(30, 2, generator=torch.Generator().manual_seed(1))


def _torch_reference(stack, lr, steps, optimizer, unit):
    """Each model trained as an nnlab.MLP with torch.optim, gradients masked by hand."""
    losses = []
    for k in range(stack.K):
        model = stack.to_mlp(k)
        params = list(model.parameters())  # W1, b1, W2, b2, ...
        opt = (torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam)(params, lr=lr[k])
        run = []
        for t in range(steps + 1):
            loss = (model(X) - T).square().mean()
            run.append(loss.item())
            if t == steps:
                break
            opt.zero_grad()
            loss.backward()
            if unit is not None:
                j = int(unit[k])
                for i, p in enumerate(params):
                    keep = torch.zeros_like(p)
                    if i == 0:
                        keep[j] = 1
                    elif i == 1:
                        keep[j] = 1
                    elif i == 2:
                        keep[:, j] = 1
                    p.grad *= keep
            opt.step()
        losses.append(run)
    return torch.tensor(losses), [m for m in stack.to_mlps()]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("alone", [False, True])
def test_retrain_matches_torch_optim_model_by_model(optimizer, alone):
    stack = init_stack([3, 5, 4, 2], seeds=[1, 2, 3], activation="tanh")
    lr = [0.05, 0.1, 0.02] if optimizer == "sgd" else [0.01, 0.003, 0.02]
    unit = torch.tensor([0, 4, 2]) if alone else None
    ref_loss, _ = _torch_reference(stack, lr, 15, optimizer, unit)
    start = stack.clone()
    got = retrain(stack, X, T, lr=lr, steps=15, optimizer=optimizer, unit=unit)
    assert got.shape == (3, 16)
    torch.testing.assert_close(got, ref_loss.float(), rtol=1e-4, atol=1e-5)
    if alone:  # every weight outside the unit is exactly where it was
        masks = unit_masks(start, unit)
        for p, p0, m in zip(stack.parameters(), start.parameters(), masks, strict=True):
            assert (p[m == 0] == p0[m == 0]).all()
        assert any(
            (p[m == 1] != p0[m == 1]).any()
            for p, p0, m in zip(stack.parameters(), start.parameters(), masks, strict=True)
        )


def test_retrain_with_sgd_on_every_weight_equals_train_batched():
    a = init_stack([3, 6, 2], seeds=[4, 5])
    b = a.clone()
    loss = retrain(a, X, T, lr=0.1, steps=20)
    hist = train_batched(b, X, T, lr=0.1, epochs=20, loss="mse", progress=False)
    torch.testing.assert_close(loss[:, 1:], hist.train_loss.float(), rtol=1e-4, atol=1e-6)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-6)


def test_a_dead_relu_unit_alone_never_moves_under_sgd_or_adam():
    for optimizer in ("sgd", "adam"):
        stack = init_stack([3, 4, 2], seeds=[7])
        with torch.no_grad():
            stack.biases[0][0, 1] = -100.0  # unit 1 dead on every row of X
        start = stack.clone()
        retrain(stack, X, T, lr=0.1, steps=10, optimizer=optimizer, unit=torch.tensor([1]))
        for p, p0 in zip(stack.parameters(), start.parameters(), strict=True):
            assert torch.equal(p, p0)


def test_unit_masks_select_the_units_row_bias_and_column():
    stack = init_stack([3, 4, 2], seeds=[0, 1])
    m = unit_masks(stack, torch.tensor([2, 0]))
    assert m[0][0, 2].sum() == 3 and m[0].sum() == 6
    assert m[1][0, 2] == 1 and m[1][1, 0] == 1 and m[1].sum() == 2
    assert m[2][0, :, 2].sum() == 2 and m[2].sum() == 4
    assert m[3].sum() == 0


def test_recovery_gap_is_the_root_of_the_extra_loss():
    loss = torch.tensor([[3.0, 2.0, 1.25, 0.9], [1.0, 1.0, 1.0, 1.0]])
    gap = recovery_gap(loss, torch.tensor([1.0, 1.0]))
    torch.testing.assert_close(gap[0], torch.tensor([1.0, math.sqrt(0.5), 0.5 / math.sqrt(2), 0.0]))
    assert gap[1].isnan().all()  # no extra loss at the start: no gap to close


def test_draw_map_marks_never_and_prints_values():
    fig, ax = plt.subplots()
    values = torch.tensor([[3.0, math.nan], [30.0, 300.0]])
    im = draw_map(ax, values, ["a", "b"], [0.1, 0.3], "map")
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["3", "never", "30", "300"]
    assert im.get_clim()[1] == pytest.approx(math.log10(300))
    plt.close(fig)
