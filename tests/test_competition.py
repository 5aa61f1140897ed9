"""nnlab.competition: who owns what, checked against plain loops and nnlab.hebbian."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from nnlab.competition import (  # noqa: E402
    clusters_owned,
    dead_counts,
    draw_competition,
    first_win_steps,
    owned_counts,
    quantisation_error,
    ring_clusters,
)
from nnlab.hebbian import competitive, win_counts  # noqa: E402


def _runs(n_runs=3, k=4):
    gen = torch.Generator().manual_seed(5)
    X = torch.randn(n_runs, 40, 2, generator=gen, dtype=torch.float64)
    W = torch.randn(n_runs, k, 2, generator=gen, dtype=torch.float64)
    return X, W


def test_ring_clusters_shape_labels_and_ring():
    X, labels = ring_clusters(torch.Generator().manual_seed(0), n=50, k=5, std=0.0)
    assert X.shape == (50, 2) and labels.tolist() == [i % 5 for i in range(50)]
    # with std 0 every point is a cluster centre, at distance `radius` from the centre
    assert torch.allclose((X - 5.0).norm(dim=1), torch.full((50,), 3.0), atol=1e-5)
    assert len({tuple(p) for p in X.round(decimals=4).tolist()}) == 5
    again, _ = ring_clusters(torch.Generator().manual_seed(0), n=50, k=5, std=0.0)
    assert torch.equal(X, again)


def test_owned_counts_matches_win_counts_run_by_run():
    X, W = _runs()
    counts = owned_counts(X, W)
    assert counts.shape == (3, 4)
    for r in range(3):
        assert torch.equal(counts[r], win_counts(X[r], W[r]))
        assert torch.equal(owned_counts(X[r], W[r]), win_counts(X[r], W[r]))
    assert (counts.sum(dim=1) == 40).all()


def test_dead_counts_and_error_against_a_loop():
    X, W = _runs()
    W[0, 0] = 100.0  # far away from every point: dead
    dead = dead_counts(X, W)
    error = quantisation_error(X, W)
    for r in range(3):
        d2 = [[float(((x - w) ** 2).sum()) for w in W[r]] for x in X[r]]
        nearest = [min(range(4), key=lambda j, row=row: row[j]) for row in d2]
        assert int(dead[r]) == sum(j not in nearest for j in range(4))
        expected = sum(min(row) for row in d2) / len(d2)
        assert abs(float(error[r]) - expected) < 1e-9
    assert dead[0] >= 1
    assert dead_counts(X[0], W[0]).ndim == 0 and quantisation_error(X[0], W[0]).ndim == 0


def test_clusters_owned_counts_distinct_labels():
    X = torch.tensor([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0], [9.0, 9.0]])
    labels = torch.tensor([0, 1, 2, 2, 3])
    W = torch.tensor([[0.0, 0.0], [5.0, 5.0], [-9.0, -9.0], [9.0, 9.0]])
    assert clusters_owned(X, labels, W).tolist() == [2, 1, 0, 1]


def test_first_win_steps_reads_the_trajectory_of_competitive():
    X, _ = ring_clusters(torch.Generator().manual_seed(1), n=30, k=3)
    init = torch.tensor([[5.0, 5.0], [4.0, 4.0], [-50.0, -50.0]])
    _, traj = competitive(X, 3, 0.1, 2, seed=3, init=init, return_trajectory=True)
    first = first_win_steps(traj)
    assert first[2] == -1  # the far prototype never wins
    for j in range(2):
        t = int(first[j])
        assert t >= 1
        assert torch.equal(traj[t - 1, j], traj[0, j]) and not torch.equal(traj[t, j], traj[0, j])


def test_draw_competition_marks_the_dead_with_a_cross():
    X, _ = ring_clusters(torch.Generator().manual_seed(2), n=30, k=3)
    init = torch.tensor([[5.0, 5.0], [4.0, 4.0], [-50.0, -50.0]])
    _, traj = competitive(X, 3, 0.1, 1, seed=3, init=init, return_trajectory=True)
    fig, ax = plt.subplots()
    draw_competition(ax, X, traj, "test")
    markers = [c.get_paths()[0] for c in ax.collections[1:]]
    assert len(markers) == 6 and ax.get_title() == "test"  # a start and an end per prototype
    plt.close(fig)
