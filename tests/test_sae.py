"""Tests of nnlab.sae (notebook 07): the SAE's maps and loss against the formulas, the
training objective's gradient against autograd on the written-out loss, dead latents, the
recovery score against numpy, and class purity against a loop."""

import math

import numpy as np
import pytest
import torch

from nnlab import sae


def _model(d=4, L=6, l1=0.1, seed=0):
    g = torch.Generator().manual_seed(seed)
    dec = torch.randn(d, L, generator=g)
    dec = dec / dec.norm(dim=0)
    return sae.SAE(
        torch.randn(L, d, generator=g),
        torch.randn(L, generator=g),
        dec,
        torch.randn(d, generator=g),
        l1,
    )


def test_encode_decode_and_loss_follow_the_formulas():
    m = _model()
    x = torch.randn(9, 4, generator=torch.Generator().manual_seed(1))
    xs, We, be, Wd, bd = (a.double().numpy() for a in (x, m.W_enc, m.b_enc, m.decoder, m.b_dec))
    z = np.maximum(0, (xs - bd) @ We.T + be)
    assert np.allclose(m.encode(x).numpy(), z, atol=1e-5)
    x_hat = z @ Wd.T + bd
    assert np.allclose(m.decode(torch.from_numpy(z).float()).numpy(), x_hat, atol=1e-5)
    loss = np.mean(((xs - x_hat) ** 2).sum(axis=1) + m.l1 * np.abs(z).sum(axis=1))
    assert math.isclose(m.loss(x), loss, rel_tol=1e-5)


def test_dead_fraction_counts_latents_silent_on_every_row():
    m = _model()
    x = torch.randn(50, 4, generator=torch.Generator().manual_seed(2))
    m.b_enc[:3] = -1e6  # three latents can never fire
    m.b_enc[3:] = 1e6  # the others always fire
    assert m.dead_fraction(x) == 0.5


def test_dead_latent_gets_exactly_zero_gradient():
    m = _model()
    x = torch.randn(50, 4, generator=torch.Generator().manual_seed(3))
    W = m.W_enc.clone().requires_grad_()
    b = m.b_enc.clone()
    b[0] = -1e3
    b.requires_grad_()
    z = torch.relu((x - m.b_dec) @ W.T + b)
    loss = (((z @ m.decoder.T + m.b_dec) - x) ** 2).sum(1).mean() + m.l1 * z.sum(1).mean()
    loss.backward()
    assert float(W.grad[0].abs().max()) == 0 and float(b.grad[0]) == 0
    assert float(W.grad[1:].abs().sum()) > 0


def test_training_keeps_unit_norm_decoder_columns_and_recovers_a_dictionary():
    X, D = sae.sparse_dictionary_data(2048, 8, 12, p_active=0.08, seed=0)
    m = sae.train_sae(X, 16, l1=0.2, steps=1500, lr=1e-2, seed=0)
    assert torch.allclose(m.decoder.norm(dim=0), torch.ones(16), atol=1e-5)
    assert sae.recovery(m.decoder, D) > 0.9
    assert m.dead_history.shape[1] == 2


def test_without_renormalisation_the_decoder_columns_grow():
    X, _ = sae.sparse_dictionary_data(2048, 8, 12, p_active=0.08, seed=0)
    m = sae.train_sae(X, 16, l1=0.3, steps=800, lr=1e-2, renormalise=False, seed=0)
    assert float(m.decoder.norm(dim=0).mean()) > 1.5


def test_train_saes_equals_train_sae_per_coefficient():
    X, _ = sae.sparse_dictionary_data(512, 6, 8, p_active=0.1, seed=1)
    both = sae.train_saes(X, 10, l1=[0.05, 0.5], steps=60, seed=3, resample=False)
    one = sae.train_sae(X, 10, l1=0.5, steps=60, seed=3, resample=False)
    assert torch.allclose(both[1].decoder, one.decoder, atol=1e-5)
    assert both[0].l1 == pytest.approx(0.05) and both[1].l1 == pytest.approx(0.5)


def test_training_gradient_is_the_gradient_of_the_written_loss():
    """One Adam step from the start moves each parameter by -lr * sign(grad) (Adam's first
    step); the sign must be that of autograd on the loss written out here."""
    X, _ = sae.sparse_dictionary_data(64, 5, 6, p_active=0.3, seed=2)
    lr = 1e-4
    m = sae.train_sae(
        X, 7, l1=0.1, steps=1, lr=lr, batch_size=len(X), seed=5, resample=False, renormalise=False
    )
    # rebuild the start: the same draws as train_saes
    g = torch.Generator().manual_seed(5)
    dec = torch.randn(5, 7, generator=g)
    dec = dec / dec.norm(dim=0, keepdim=True)
    idx = torch.randint(len(X), (len(X),), generator=g)
    x = X[idx]
    W_enc = dec.T.clone().requires_grad_()
    b_enc = torch.zeros(7, requires_grad=True)
    W_dec = dec.clone().requires_grad_()
    b_dec = X.mean(0).clone().requires_grad_()
    z = torch.relu((x - b_dec) @ W_enc.T + b_enc)
    loss = (((z @ W_dec.T + b_dec) - x) ** 2).sum(1).mean() + 0.1 * z.abs().sum(1).mean()
    loss.backward()
    for before, after, p in ((dec, m.decoder, W_dec), (dec.T, m.W_enc, W_enc)):
        moved = after - before
        big = p.grad.abs() > 1e-6
        assert torch.allclose(moved[big], -lr * p.grad[big].sign(), rtol=1e-2, atol=1e-7)


def test_resampling_points_dead_latents_at_badly_reconstructed_inputs():
    """_resample re-initialises exactly the dead latents, which then fire; live ones stay."""
    X, _ = sae.sparse_dictionary_data(256, 6, 8, p_active=0.2, seed=4)
    m = _model(d=6, L=5, seed=7)
    b_enc = m.b_enc.clone()
    b_enc[[1, 3]] = -1e4  # two dead latents
    params = [t.unsqueeze(0).clone().requires_grad_() for t in (m.W_enc, b_enc, m.decoder, m.b_dec)]
    opt = torch.optim.Adam(params, lr=1e-3)
    sum(p.sum() for p in params).backward()
    opt.step()  # creates Adam's state
    dead = torch.tensor([[False, True, False, True, False]])
    before = [p.detach().clone() for p in params]
    with torch.no_grad():
        sae._resample(X, params, opt, dead, torch.Generator().manual_seed(0))
    W_enc, b, W_dec, b_dec = (p.detach()[0] for p in params)
    revived = sae.SAE(W_enc, b, W_dec, b_dec, 0.1)
    z = revived.encode(X)
    assert (z[:, [1, 3]].amax(dim=0) > 0).all()  # they fire again
    assert torch.equal(W_enc[[0, 2, 4]], before[0][0][[0, 2, 4]])  # the live ones untouched
    assert torch.allclose(W_dec[:, [1, 3]].norm(dim=0), torch.ones(2))
    # each new decoder column points at an input (centred by b_dec)
    cols = W_dec[:, [1, 3]].T
    dirs = (X - b_dec) / (X - b_dec).norm(dim=1, keepdim=True)
    assert ((cols @ dirs.T).amax(dim=1) > 1 - 1e-5).all()
    state = opt.state[params[0]]
    assert float(state["exp_avg"][0, [1, 3]].abs().max()) == 0


def test_recovery_against_numpy():
    g = np.random.default_rng(5)
    dec, true = g.normal(size=(4, 9)), g.normal(size=(4, 6))
    cos = (true / np.linalg.norm(true, axis=0)).T @ (dec / np.linalg.norm(dec, axis=0))
    got = sae.recovery(torch.from_numpy(dec), torch.from_numpy(true))
    assert math.isclose(got, cos.max(axis=1).mean(), rel_tol=1e-9)
    assert sae.recovery(torch.from_numpy(true), torch.from_numpy(true)) == pytest.approx(1.0)


def test_class_purity_against_a_loop():
    g = torch.Generator().manual_seed(6)
    acts = torch.rand(100, 3, generator=g)
    acts[:, 2] = 0
    acts[:5, 2] = 1.0  # fires on 5 rows only: too few for top=10
    labels = torch.randint(4, (100,), generator=g)
    got = sae.class_purity(acts, labels, top=10)
    for u in range(2):
        top = np.argsort(-acts[:, u].numpy())[:10]
        counts = np.bincount(labels[top].numpy(), minlength=4)
        assert math.isclose(float(got[u]), counts.max() / 10, rel_tol=1e-6)
    assert math.isnan(float(got[2]))


def test_resampled_marks_the_latents_each_resampling_touched():
    X, _ = sae.sparse_dictionary_data(1024, 8, 12, p_active=0.08, seed=0)
    off = sae.train_sae(X, 16, l1=0.2, steps=200, lr=1e-2, resample=False, seed=0)
    assert off.resampled is None
    weak, strong = sae.train_saes(X, 16, l1=[0.0, 20.0], steps=200, lr=1e-2, seed=0)
    assert weak.resampled.shape == (len(sae.RESAMPLE_AT), 16)
    assert weak.resampled.dtype == torch.bool
    assert not weak.resampled[0].any()  # no penalty, tied start: every latent fires early on
    assert strong.resampled.any()  # a huge penalty silences some latents for a tenth of the run
