"""nnlab.hebbian against independent references: numpy.linalg.eigh, hand-written loops.

The data here (a 4-D Gaussian with a known spectrum, a constructed competition) is not the
data notebook 05 uses.
"""

import numpy as np
import pytest
import torch

from nnlab.hebbian import (
    bcm,
    bcm_trajectory,
    competitive,
    hebb,
    oja,
    sample_order,
    sanger,
    win_counts,
)


@pytest.fixture(scope="module")
def gaussian4():
    """Centred 4-D Gaussian data with covariance eigenvalues 4, 2, 1, 0.25 in a random basis;
    returns X (3000, 4) float32 and eigh's eigenvectors (columns) of its sample covariance,
    largest first."""
    rng = np.random.default_rng(2024)
    basis, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    Z = rng.standard_normal((3000, 4)) * np.sqrt([4.0, 2.0, 1.0, 0.25])
    X = Z @ basis.T
    X -= X.mean(axis=0)
    evals, evecs = np.linalg.eigh(X.T @ X / len(X))
    return torch.tensor(X, dtype=torch.float32), evecs[:, ::-1].copy(), evals[::-1].copy()


def _abs_cos(w, v):
    w = np.asarray(w, dtype=float)
    return abs(w @ v) / (np.linalg.norm(w) * np.linalg.norm(v))


# ----------------------------------------------------------------------------- order and seeds
def test_sample_order_is_a_permutation_per_epoch_and_seeded(monkeypatch):
    order = sample_order(7, 3, seed=5)
    assert order.shape == (21,) and order.dtype == torch.int64
    for epoch in order.reshape(3, 7):
        assert sorted(epoch.tolist()) == list(range(7))
    assert torch.equal(order, sample_order(7, 3, seed=5))
    assert not torch.equal(order, sample_order(7, 3, seed=6))
    monkeypatch.setenv("NNLAB_SEED", "5")
    assert torch.equal(sample_order(7, 3), order)  # seed=None means NNLAB_SEED


def test_rules_follow_sample_order_like_a_hand_written_loop(gaussian4):
    X = gaussian4[0][:200]
    w0 = torch.tensor([0.3, -0.2, 0.1, 0.5])
    w_hebb, w_oja = w0.clone(), w0.clone()
    for x in X[sample_order(len(X), 2, seed=3)]:
        w_hebb = w_hebb + 0.001 * (w_hebb @ x) * x
        y = w_oja @ x
        w_oja = w_oja + 0.01 * y * (x - y * w_oja)
    assert torch.allclose(hebb(X, 0.001, 2, seed=3, w0=w0), w_hebb, rtol=1e-5)
    assert torch.allclose(oja(X, 0.01, 2, seed=3, w0=w0), w_oja, rtol=1e-5)


def test_same_seed_same_result_other_seed_other_result(gaussian4):
    X = gaussian4[0][:300]
    a, b, c = (sanger(X, 2, 0.01, 1, seed=s) for s in (1, 1, 2))
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


# ----------------------------------------------------------------------------- Hebb
def test_hebb_norm_grows_without_bound_along_the_first_component(gaussian4):
    X, evecs, evals = gaussian4
    lr = 0.002
    w, traj = hebb(X[:1000], lr, 2, seed=0, return_trajectory=True)
    norms = traj.double().norm(dim=1)
    assert traj.shape == (2001, 4)
    assert torch.equal(traj[-1], w)
    assert norms[1000] > 50 * norms[0]  # after one epoch
    assert norms[2000] > 50 * norms[1000]  # and it keeps growing at the same pace
    rate = float(norms[2000].log() - norms[1000].log()) / 1000
    assert rate == pytest.approx(lr * evals[0], rel=0.25)  # about (1 + lr * lambda_1) ** t
    assert _abs_cos(w, evecs[:, 0]) > 0.99


# ----------------------------------------------------------------------------- Oja
def test_oja_finds_the_first_principal_component_with_unit_norm(gaussian4):
    X, evecs, _ = gaussian4
    w = oja(X, 0.001, 4, seed=0)
    assert w.shape == (4,)
    assert float(w.norm()) == pytest.approx(1.0, abs=0.02)
    assert _abs_cos(w, evecs[:, 0]) > 0.997  # within about 4 degrees


def test_oja_with_too_large_a_learning_rate_blows_up(gaussian4):
    w = oja(gaussian4[0], 0.5, 1, seed=0)
    assert not torch.isfinite(w).all() or float(w.norm()) > 1e3


def test_oja_trajectory_starts_at_w0(gaussian4):
    w0 = torch.tensor([1.0, 0.0, 0.0, 0.0])
    w, traj = oja(gaussian4[0][:50], 0.01, 2, seed=0, w0=w0, return_trajectory=True)
    assert traj.shape == (101, 4)
    assert torch.equal(traj[0], w0) and torch.equal(traj[-1], w)


# ----------------------------------------------------------------------------- Sanger
def test_sanger_finds_the_top_components_in_order_orthonormal(gaussian4):
    X, evecs, _ = gaussian4
    W = sanger(X, 3, 0.002, 4, seed=0)
    assert W.shape == (3, 4)
    for i in range(3):
        assert _abs_cos(W[i], evecs[:, i]) > 0.99, i
    gram = (W @ W.T).double().numpy()
    assert np.allclose(gram, np.eye(3), atol=0.06)


def test_sanger_with_k_equal_one_is_oja(gaussian4):
    X = gaussian4[0][:300]
    w0 = torch.tensor([0.5, 0.5, -0.5, 0.5])
    W = sanger(X, 1, 0.01, 1, seed=4, W0=w0[None])
    assert torch.allclose(W[0], oja(X, 0.01, 1, seed=4, w0=w0), atol=1e-6)


def test_sanger_trajectory_shape(gaussian4):
    W, traj = sanger(gaussian4[0][:40], 2, 0.01, 1, seed=0, return_trajectory=True)
    assert traj.shape == (41, 2, 4) and torch.equal(traj[-1], W)


# ----------------------------------------------------------------------------- competition
@pytest.fixture
def two_clusters_and_a_far_unit():
    """Two tight clusters near (+-1, +-1), one prototype inside the data and one far away."""
    gen = torch.Generator().manual_seed(11)
    centres = torch.tensor([[1.0, 1.0], [-1.0, -1.0]])
    X = centres[torch.arange(200) % 2] + 0.1 * torch.randn(200, 2, generator=gen)
    init = torch.tensor([[0.0, 0.2], [4.0, 4.0]])
    return X, init, centres


def test_competition_without_conscience_leaves_the_far_unit_dead(two_clusters_and_a_far_unit):
    X, init, _ = two_clusters_and_a_far_unit
    W, traj = competitive(X, 2, 0.05, 5, seed=0, init=init, return_trajectory=True)
    assert win_counts(X, W).tolist() == [200, 0]
    assert torch.equal(traj[:, 1], init[1].expand(len(traj), 2))  # it never moved


@pytest.mark.parametrize("fix", [{"conscience": 50.0}, {"frequency_penalty": 1.0}])
def test_a_conscience_revives_the_far_unit(two_clusters_and_a_far_unit, fix):
    X, init, centres = two_clusters_and_a_far_unit
    W = competitive(X, 2, 0.05, 5, seed=0, init=init, **fix)
    assert (win_counts(X, W) > 0).all()
    # each cluster centre has a prototype near it
    assert torch.cdist(centres, W).min(dim=1).values.max() < 0.5


def test_competition_from_data_samples_finds_the_cluster_centres():
    gen = torch.Generator().manual_seed(3)
    centres = torch.tensor([[0.0, 5.0], [5.0, 0.0], [-5.0, -5.0]])
    X = centres[torch.arange(300) % 3] + 0.3 * torch.randn(300, 2, generator=gen)
    W = competitive(X, 3, 0.05, 10, seed=1)
    assert torch.cdist(centres, W).min(dim=1).values.max() < 0.3
    assert sorted(win_counts(X, W).tolist()) == [100, 100, 100]


def test_win_counts_matches_a_numpy_argmin():
    gen = torch.Generator().manual_seed(8)
    X, P = torch.randn(50, 3, generator=gen), torch.randn(4, 3, generator=gen)
    nearest = np.argmin(((X.numpy()[:, None] - P.numpy()[None]) ** 2).sum(-1), axis=1)
    assert win_counts(X, P).tolist() == np.bincount(nearest, minlength=4).tolist()


# ----------------------------------------------------------------------------- BCM
def test_bcm_threshold_tracks_mean_squared_output_and_unit_becomes_selective():
    patterns = torch.tensor([[1.0, 0.3], [0.3, 1.0]])
    gen = torch.Generator().manual_seed(21)
    X = patterns[torch.randint(0, 2, (100,), generator=gen)]
    p_first = float((X[:, 0] == 1.0).float().mean())
    w, theta = bcm(X, 0.02, 40, seed=0, w0=torch.tensor([0.5, 0.55]))
    w_traj, theta_traj = bcm_trajectory(X, 0.02, 40, seed=0, w0=torch.tensor([0.5, 0.55]))
    assert w_traj.shape == (4001, 2) and theta_traj.shape == (4001,)
    assert torch.equal(w_traj[-1], w) and torch.equal(theta_traj[-1], theta)
    # theta is a running average of y^2: over the last 10 epochs they agree on average
    y = (w_traj[:-1] * X[sample_order(100, 40, seed=0)]).sum(dim=1)
    assert float(theta_traj[-1000:].mean()) == pytest.approx(float((y[-1000:] ** 2).mean()), 0.1)
    # selective: one pattern drives the unit, the other barely does
    responses = patterns @ w
    strong, weak = responses.abs().max(), responses.abs().min()
    assert weak < 0.3 and strong > 1.0
    # at the selective fixed point y = theta = E[y^2] = p * y^2, so y = 1/p for that pattern
    p = p_first if int(responses.abs().argmax()) == 0 else 1 - p_first
    assert float(strong) == pytest.approx(1 / p, rel=0.2)


# ----------------------------------------------------------------------------- bad input
GOOD_X = torch.randn(10, 3)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: oja(GOOD_X.numpy(), 0.1, 1), TypeError, "X must be a torch.Tensor"),
        (lambda: oja(torch.ones(10, 3, dtype=torch.int64), 0.1, 1), TypeError, "X must have a fl"),
        (lambda: oja(torch.ones(10), 0.1, 1), ValueError, "X must have 2 dimension"),
        (lambda: oja(torch.full((4, 2), float("nan")), 0.1, 1), ValueError, "X contains NaN"),
        (lambda: oja(torch.ones(0, 3), 0.1, 1), ValueError, "X must not be empty"),
        (lambda: hebb(GOOD_X, 0.0, 1), ValueError, "lr must be > 0"),
        (lambda: hebb(GOOD_X, -0.1, 1), ValueError, "lr must be > 0"),
        (lambda: hebb(GOOD_X, "0.1", 1), TypeError, "lr must be a real number"),
        (lambda: hebb(GOOD_X, float("inf"), 1), ValueError, "lr must be finite"),
        (lambda: hebb(GOOD_X, 0.1, 0), ValueError, "epochs must be an integer >= 1"),
        (lambda: hebb(GOOD_X, 0.1, 2.5), TypeError, "epochs must be an integer"),
        (lambda: hebb(GOOD_X, 0.1, 1, seed=-1), ValueError, "seed must be an integer >= 0"),
        (lambda: oja(GOOD_X, 0.1, 1, w0=torch.ones(4)), ValueError, r"w0 must have shape \(3,\)"),
        (lambda: oja(GOOD_X, 0.1, 1, return_trajectory=1), TypeError, "return_trajectory"),
        (lambda: sanger(GOOD_X, 4, 0.1, 1), ValueError, "k must be at most the number of col"),
        (lambda: sanger(GOOD_X, 0, 0.1, 1), ValueError, "k must be an integer >= 1"),
        (lambda: sanger(GOOD_X, 2, 0.1, 1, W0=torch.ones(3, 2)), ValueError, "W0 must have"),
        (lambda: competitive(GOOD_X, 2, 1.5, 1), ValueError, "lr must be <= 1"),
        (lambda: competitive(GOOD_X, 11, 0.1, 1), ValueError, "k must be at most the number of s"),
        (lambda: competitive(GOOD_X, 2, 0.1, 1, conscience=-1.0), ValueError, "conscience"),
        (lambda: competitive(GOOD_X, 2, 0.1, 1, beta=0.0), ValueError, "beta must be > 0"),
        (
            lambda: competitive(GOOD_X, 2, 0.1, 1, frequency_penalty=-0.5),
            ValueError,
            "frequency_penalty must be >= 0",
        ),
        (lambda: competitive(GOOD_X, 2, 0.1, 1, init=torch.ones(2, 2)), ValueError, "init must"),
        (lambda: win_counts(GOOD_X, torch.ones(2, 2)), ValueError, "prototypes must have 3 col"),
        (lambda: bcm(GOOD_X, 0.1, 1, threshold_rate=0.0), ValueError, "threshold_rate must be >"),
        (lambda: bcm(GOOD_X, 0.1, 1, theta0=-1.0), ValueError, "theta0 must be >= 0"),
        (lambda: sample_order(0, 1), ValueError, "n must be an integer >= 1"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_rules_restore_the_thread_count(gaussian4):
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        oja(gaussian4[0][:20], 0.01, 1, seed=0)
        sanger(gaussian4[0][:20], 2, 0.01, 1, seed=0)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
