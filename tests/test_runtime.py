"""nnlab.runtime: the CPU limit read from cgroup files, the thread count fitted to it, and the
thread-count helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from nnlab import runtime as threads


def proc_file(tmp_path: Path, text: str = "0::/\n") -> Path:
    """A stand-in for /proc/self/cgroup."""
    path = tmp_path / "proc_self_cgroup"
    path.write_text(text)
    return path


def cgroup_v2(tmp_path: Path, text: str, group: str = "") -> Path:
    """A cgroup v2 tree under tmp_path/fs with ``text`` in the cpu.max of ``group``."""
    folder = tmp_path / "fs" / group
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cpu.max").write_text(text)
    return tmp_path / "fs"


def cgroup_v1(tmp_path: Path, quota: str, period: str, controller: str = "cpu") -> Path:
    folder = tmp_path / "fs" / controller
    folder.mkdir(parents=True)
    (folder / "cpu.cfs_quota_us").write_text(quota + "\n")
    (folder / "cpu.cfs_period_us").write_text(period + "\n")
    return tmp_path / "fs"


@pytest.fixture
def restore_threads(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize(
    "text, cores",
    [("200000 100000\n", 2.0), ("50000 100000", 0.5), ("150000 100000", 1.5), ("max 1", None)],
)
def test_cgroup_v2_limit_in_cores(tmp_path, text, cores):
    assert threads.cpu_quota(cgroup_v2(tmp_path, text), proc_file(tmp_path)) == cores


@pytest.mark.parametrize("controller", ["cpu", "cpu,cpuacct"])
def test_cgroup_v1_limit_in_cores(tmp_path, controller):
    root = cgroup_v1(tmp_path, "250000", "100000", controller)
    assert threads.cpu_quota(root, proc_file(tmp_path, "2:cpu,cpuacct:/\n1:memory:/x\n")) == 2.5


def test_cgroup_v1_without_a_limit(tmp_path):
    root = cgroup_v1(tmp_path, "-1", "100000")
    assert threads.cpu_quota(root, proc_file(tmp_path, "1:cpu:/\n")) is None


@pytest.mark.parametrize("text", ["", "garbage here", "0 100000", "100000 0", "nan 1", "inf 1"])
def test_unreadable_or_nonsense_limits_count_as_none(tmp_path, text):
    assert threads.cpu_quota(cgroup_v2(tmp_path, text), proc_file(tmp_path)) is None


def test_no_cgroup_files_means_no_limit(tmp_path):
    assert threads.cpu_quota(tmp_path, proc_file(tmp_path)) is None
    assert threads.cpu_quota(tmp_path / "missing", tmp_path / "missing too") is None


def test_the_process_own_cgroup_and_its_parents_count(tmp_path):
    root = cgroup_v2(tmp_path, "max 100000")  # the root: no limit
    cgroup_v2(tmp_path, "300000 100000", "jobs")  # a parent: 3 cores
    cgroup_v2(tmp_path, "150000 100000", "jobs/lab")  # the process's own group: 1.5 cores
    assert threads.cpu_quota(root, proc_file(tmp_path, "0::/jobs/lab\n")) == 1.5
    cgroup_v2(tmp_path, "100000 100000", "jobs")  # a stricter parent wins
    assert threads.cpu_quota(root, proc_file(tmp_path, "0::/jobs/lab\n")) == 1.0
    # Inside a container the host's path may not exist below the mount: the root still counts.
    assert threads.cpu_quota(root, proc_file(tmp_path, "0::/docker/abc\n")) is None


def test_a_one_core_limit_gives_one_thread(tmp_path, restore_threads):
    root = cgroup_v2(tmp_path, "100000 100000")
    assert threads.fit_threads_to_cpu_quota(root, proc_file(tmp_path)) == 1
    assert torch.get_num_threads() == 1


def test_a_fraction_of_a_core_still_gets_one_thread(tmp_path, restore_threads):
    root = cgroup_v2(tmp_path, "30000 100000")
    assert threads.fit_threads_to_cpu_quota(root, proc_file(tmp_path)) == 1


def test_a_limit_above_the_thread_count_changes_nothing(tmp_path, restore_threads):
    high = cgroup_v2(tmp_path / "a", "800000 100000")
    assert threads.fit_threads_to_cpu_quota(high, proc_file(tmp_path)) == 2
    none = cgroup_v2(tmp_path / "b", "max 100000")
    assert threads.fit_threads_to_cpu_quota(none, proc_file(tmp_path)) == 2
    assert torch.get_num_threads() == 2


def test_omp_num_threads_wins_over_the_limit(tmp_path, monkeypatch, restore_threads):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    root = cgroup_v2(tmp_path, "100000 100000")
    assert threads.fit_threads_to_cpu_quota(root, proc_file(tmp_path)) == 2
    assert torch.get_num_threads() == 2


def test_torch_threads_sets_the_count_for_the_block_and_restores_it(restore_threads):
    with threads.torch_threads(1) as n:
        assert n == 1 and torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2
    with pytest.raises(RuntimeError), threads.torch_threads(1):
        raise RuntimeError("the block fails")
    assert torch.get_num_threads() == 2  # restored after an error too
    with threads.torch_threads(None) as n:  # None: keep the current count
        assert n == 2 and torch.get_num_threads() == 2


def test_set_threads_sets_the_count(restore_threads):
    threads.set_threads(1)
    assert torch.get_num_threads() == 1
