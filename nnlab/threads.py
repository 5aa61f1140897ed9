"""Fit PyTorch's thread count to the CPU time a container may use (Binder, JupyterHub).

PyTorch starts one thread per CPU core it can see. In a container with a CPU limit it sees
the host's cores (often 8 to 64) but may use only the time of one or two: many threads then
queue for that time and a notebook can run several times slower than on one thread. The
limit lives in cgroup files; ``import nnlab`` reads it and lowers the thread count to match,
unless ``OMP_NUM_THREADS`` is set (then that choice stands).

README.md, "Settings", says how to choose the count by hand.
"""

from __future__ import annotations

import math
import os
from pathlib import Path, PurePosixPath

import torch

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


def _read_words(path: Path) -> list[str] | None:
    try:
        return path.read_text().split()
    except (OSError, UnicodeDecodeError):
        return None


def _cores(quota: str, period: str) -> float | None:
    try:
        cores = float(quota) / float(period)
    except (ValueError, ZeroDivisionError):  # "max" (v2: no limit) or garbage
        return None
    return cores if math.isfinite(cores) and cores > 0 else None  # v1: -1 means no limit


def _limit_at(root: Path, group: PurePosixPath) -> float | None:
    """The limit set on one cgroup, in cores: cgroup v2's cpu.max, else v1's cfs files."""
    relative = str(group).lstrip("/")
    words = _read_words(root / relative / "cpu.max")
    if words is not None:
        return _cores(*(words + ["", ""])[:2])
    for controller in ("cpu", "cpu,cpuacct"):
        folder = root / controller / relative
        quota = _read_words(folder / "cpu.cfs_quota_us")
        period = _read_words(folder / "cpu.cfs_period_us")
        if quota and period:
            return _cores(quota[0], period[0])
    return None


def _own_cgroup(proc_cgroup: Path) -> PurePosixPath:
    """This process's cgroup path ("/" when unknown), from /proc/self/cgroup's lines.

    A line reads ``hierarchy:controllers:path``: cgroup v1's line whose controllers include
    ``cpu`` wins, else cgroup v2's ``0::path``.
    """
    try:
        lines = proc_cgroup.read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    v2 = "/"
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if "cpu" in parts[1].split(","):
            return PurePosixPath(parts[2] or "/")
        if parts[0] == "0" and parts[1] == "":
            v2 = parts[2] or "/"
    return PurePosixPath(v2)


def cpu_quota(
    cgroup_root: str | os.PathLike = CGROUP_ROOT, proc_cgroup: str | os.PathLike = PROC_CGROUP
) -> float | None:
    """Return this process's CPU limit in cores (e.g. 1.0), or None when it has none.

    ``cgroup_root`` is where the cgroup file system is mounted; ``proc_cgroup`` the file that
    names this process's cgroup. The limit is the smallest one set on the process's cgroup
    or any of its parents (cgroup v2 ``cpu.max``: "<quota> <period>" or "max <period>";
    v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``, quota -1 for none). Inside a container
    the process's cgroup is usually the root itself. Missing or unreadable files: None.
    """
    for name, value in (("cgroup_root", cgroup_root), ("proc_cgroup", proc_cgroup)):
        if not isinstance(value, (str, os.PathLike)):
            raise TypeError(
                f"{name} must be a path (str or pathlib.Path); got {type(value).__name__}"
            )
    root, group = Path(cgroup_root), _own_cgroup(Path(proc_cgroup))
    limits = [_limit_at(root, g) for g in (group, *group.parents)]
    found = [limit for limit in limits if limit is not None]
    return min(found) if found else None


def fit_threads_to_cpu_quota(
    cgroup_root: str | os.PathLike = CGROUP_ROOT, proc_cgroup: str | os.PathLike = PROC_CGROUP
) -> int:
    """Lower ``torch``'s thread count to this process's CPU limit; return the count in use.

    The arguments are those of ``cpu_quota``. The new count is the limit rounded down, at
    least 1. Nothing changes when there is no limit, when it is not below the current
    count, or when ``OMP_NUM_THREADS`` is set.
    """
    quota = cpu_quota(cgroup_root, proc_cgroup)
    if quota is None or os.environ.get("OMP_NUM_THREADS", "").strip():
        return torch.get_num_threads()
    wanted = max(1, math.floor(quota))
    if wanted < torch.get_num_threads():
        torch.set_num_threads(wanted)
    return torch.get_num_threads()
