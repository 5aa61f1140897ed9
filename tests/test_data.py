import hashlib
import re
import shutil

import numpy as np
import pytest
import torch

import nnlab
from nnlab import data


def test_digits_shapes_dtypes_and_range():
    X, y = nnlab.load_digits()
    assert X.shape == (1797, 64) and X.dtype == torch.float32
    assert y.shape == (1797,) and y.dtype == torch.int64
    assert float(X.min()) == 0.0 and float(X.max()) == 1.0
    assert sorted(torch.unique(y).tolist()) == list(range(10))
    counts = torch.bincount(y)
    assert 174 <= counts.min() and counts.max() <= 183


def test_digits_match_the_raw_file_independently(root):
    with np.load(root / "nnlab" / "datasets" / "digits.npz", allow_pickle=False) as raw:
        X, y = nnlab.load_digits()
        np.testing.assert_allclose(X.numpy() * 16, raw["X"])
        np.testing.assert_array_equal(y.numpy(), raw["y"])


def test_recorded_checksum_matches_file_and_data_readme(root):
    digest = hashlib.sha256((root / "nnlab" / "datasets" / "digits.npz").read_bytes()).hexdigest()
    assert digest == data.DIGITS_SHA256
    assert digest in (root / "nnlab" / "datasets" / "README.md").read_text()


def test_missing_file_names_the_file(tmp_path):
    missing = tmp_path / "digits.npz"
    with pytest.raises(nnlab.DataFileError, match=re.escape(str(missing))):
        nnlab.load_digits(missing)


def test_corrupted_file_is_refused(tmp_path):
    copy = tmp_path / "digits.npz"
    shutil.copy(data.DIGITS_FILE, copy)
    raw = bytearray(copy.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    copy.write_bytes(bytes(raw))
    with pytest.raises(nnlab.DataFileError, match="corrupted"):
        nnlab.load_digits(copy)


def test_stratified_split_keeps_class_mix_and_partitions():
    _, y = nnlab.load_digits()
    index = torch.arange(len(y), dtype=torch.float32)[:, None]  # X = each row's own index
    parts = nnlab.stratified_split(index, y, (0.6, 0.2, 0.2), seed=3)
    sizes = [len(parts[k][1]) for k in ("train", "val", "test")]
    assert abs(sizes[0] - 0.6 * len(y)) <= 10 and abs(sizes[1] - 0.2 * len(y)) <= 10
    overall = torch.bincount(y, minlength=10).float() / len(y)
    for rows, labels in parts.values():
        share = torch.bincount(labels, minlength=10).float() / len(labels)
        assert torch.allclose(share, overall, atol=0.01)
        assert torch.equal(labels, y[rows[:, 0].long()])  # rows keep their labels
    every = torch.cat([parts[k][0][:, 0] for k in parts]).long()
    assert torch.equal(torch.sort(every).values, torch.arange(len(y)))  # a partition


def test_split_is_seeded():
    X, y = nnlab.load_digits()
    a = nnlab.stratified_split(X, y, seed=1)["train"][1]
    b = nnlab.stratified_split(X, y, seed=1)["train"][1]
    c = nnlab.stratified_split(X, y, seed=2)["train"][1]
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize(
    "fractions, error",
    [((0.5, 0.5), ValueError), ((0.5, 0.3, 0.3), ValueError), ((0.8, 0.3, -0.1), ValueError)],
)
def test_split_rejects_bad_fractions(fractions, error):
    X, y = nnlab.load_digits()
    with pytest.raises(error, match="fractions"):
        nnlab.stratified_split(X, y, fractions)


def test_split_rejects_mismatched_and_float_labels():
    X, y = nnlab.load_digits()
    with pytest.raises(ValueError, match="same number of rows"):
        nnlab.stratified_split(X, y[:-1])
    with pytest.raises(TypeError, match="integer dtype"):
        nnlab.stratified_split(X, y.float())
    with pytest.raises(TypeError, match="torch.Tensor"):
        nnlab.stratified_split(X.numpy(), y)


SYNTHETIC = [nnlab.make_xor, nnlab.make_moons, nnlab.make_spirals, nnlab.make_blobs]


@pytest.mark.parametrize("make", SYNTHETIC)
def test_synthetic_sets_are_seeded_classification_sets(make):
    X, y = make(n=120, seed=5)
    assert X.shape == (120, 2) and X.dtype == torch.float32
    assert y.shape == (120,) and y.dtype == torch.int64
    X2, y2 = make(n=120, seed=5)
    X3, _ = make(n=120, seed=6)
    assert torch.equal(X, X2) and torch.equal(y, y2) and not torch.equal(X, X3)
    assert len(torch.unique(y)) >= 2


def test_xor_labels_follow_the_signs():
    X, y = nnlab.make_xor(n=400, noise=0.05, seed=0)
    expected = ((X[:, 0] > 0) != (X[:, 1] > 0)).long()
    assert torch.equal(y, expected)


def test_blobs_cluster_around_their_centres():
    X, y = nnlab.make_blobs(n=600, centers=3, dim=4, spread=0.1, seed=0)
    assert X.shape == (600, 4)
    for k in range(3):
        assert X[y == k].std(0).max() < 0.15


def test_regression_toy_follows_a_sine():
    X, y = nnlab.make_regression_1d(n=500, noise=0.0, seed=0)
    assert X.shape == (500, 1) and y.shape == (500, 1)
    assert torch.all(X[1:] >= X[:-1])
    assert torch.allclose(y, torch.sin(3 * X))


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: nnlab.make_xor(n=0), ValueError, "n"),
        (lambda: nnlab.make_moons(noise=-1), ValueError, "noise"),
        (lambda: nnlab.make_spirals(classes=1), ValueError, "classes"),
        (lambda: nnlab.make_blobs(n="100"), TypeError, "n"),
        (lambda: nnlab.make_regression_1d(noise=float("nan")), ValueError, "noise"),
        (lambda: nnlab.make_xor(seed=-3), ValueError, "seed"),
    ],
)
def test_synthetic_sets_reject_bad_arguments(call, error, name):
    with pytest.raises(error, match=name):
        call()
