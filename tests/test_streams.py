"""nnlab.streams: named random streams are stable, distinct, and follow NNLAB_SEED."""

import numpy as np
import torch

import nnlab
from nnlab.streams import np_rng, rng, stream_seed, stream_seeds


def test_a_stream_is_reproducible_and_names_keep_streams_apart():
    a = torch.randn(5, generator=rng("warm-start", 3))
    b = torch.randn(5, generator=rng("warm-start", 3))
    torch.testing.assert_close(a, b)
    seeds = {
        stream_seed(name, i) for name in ("warm-start", "lr-sweep", "teacher") for i in range(50)
    }
    assert len(seeds) == 150  # no two (name, index) pairs share a seed
    assert stream_seed("a", 1, 2) != stream_seed("a", 12) != stream_seed("a", 21)


def test_streams_follow_the_base_seed(monkeypatch):
    first = stream_seed("x", 0)
    monkeypatch.setenv("NNLAB_SEED", "7")
    assert stream_seed("x", 0) != first
    monkeypatch.setenv("NNLAB_SEED", "0")
    assert stream_seed("x", 0) == first


def test_seeds_are_known_values_on_every_machine():
    # BLAKE2b of "0/x/0": independent of Python's per-process hash randomisation.
    import hashlib

    digest = hashlib.blake2b(b"0/x/0", digest_size=8).digest()
    assert stream_seed("x", 0) == int.from_bytes(digest, "little") % 2**31
    assert 0 <= stream_seed("x", 0) < 2**31


def test_stream_seeds_numpy_and_top_level_names():
    assert stream_seeds("runs", 3) == [stream_seed("runs", i) for i in range(3)]
    x = np_rng("noise", 1).normal(size=4)
    y = np.random.default_rng(stream_seed("noise", 1)).normal(size=4)
    np.testing.assert_array_equal(x, y)
    assert nnlab.rng is rng and nnlab.stream_seed is stream_seed


def test_resolve_seed_is_the_one_resolver(monkeypatch):
    monkeypatch.setenv("NNLAB_SEED", "5")
    assert nnlab.config.resolve_seed(None) == 5
    assert nnlab.config.resolve_seed(3) == 3
