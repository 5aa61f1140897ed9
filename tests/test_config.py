import random

import numpy as np
import pytest
import torch

import nnlab
from nnlab import config


def test_seed_defaults_to_zero_and_reproduces_all_generators():
    assert nnlab.seed() == 0
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    nnlab.seed()
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


def test_seed_reads_environment_and_adds_offset(monkeypatch):
    monkeypatch.setenv("NNLAB_SEED", "7")
    assert nnlab.base_seed() == 7
    assert nnlab.seed(3) == 10
    a = nnlab.generator(2).initial_seed()
    assert a == 9


def test_other_seed_changes_the_numbers(monkeypatch):
    nnlab.seed()
    x0 = torch.rand(3)
    monkeypatch.setenv("NNLAB_SEED", "1")
    nnlab.seed()
    assert not torch.equal(x0, torch.rand(3))


@pytest.mark.parametrize("raw", ["abc", "-1", "1.5"])
def test_bad_seed_environment_is_a_clear_error(monkeypatch, raw):
    monkeypatch.setenv("NNLAB_SEED", raw)
    with pytest.raises(ValueError, match="NNLAB_SEED"):
        nnlab.seed()


def test_seed_offset_must_be_a_nonnegative_int():
    with pytest.raises(ValueError, match="offset"):
        nnlab.seed(-1)
    with pytest.raises(TypeError, match="offset"):
        nnlab.generator(1.5)


def test_mode_and_pick(monkeypatch):
    assert nnlab.mode() == "fast"
    assert nnlab.pick(1, 2) == 1
    monkeypatch.setenv("NNLAB_MODE", "full")
    assert nnlab.mode() == "full"
    assert nnlab.pick(1, 2) == 2
    monkeypatch.setenv("NNLAB_MODE", "turbo")
    with pytest.raises(ValueError, match="NNLAB_MODE"):
        nnlab.mode()


def test_progress_switch(monkeypatch):
    assert not config.progress_enabled()
    monkeypatch.setenv("NNLAB_PROGRESS", "1")
    assert config.progress_enabled()


def test_device_is_cpu_unless_cuda_is_asked_for_and_present(monkeypatch):
    assert nnlab.device() == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert nnlab.device("cuda").type == expected
    monkeypatch.setenv("NNLAB_DEVICE", "cuda")
    assert nnlab.device().type == expected
    with pytest.raises(ValueError, match="prefer must be 'cpu' or 'cuda'"):
        nnlab.device("tpu")
