"""nnlab's runtime policy, in one place: PyTorch's thread count and glibc's malloc.

- ``set_threads(n)``: the thread count for the rest of the session (a notebook's first cell
  calls ``nnlab.set_threads(1)`` when its tensors are small). ``torch_threads(n)``: the same
  for one block only, then the previous count again (the batched engine, the Hebbian rules).
- ``fit_threads_to_cpu_quota()``: run by ``import nnlab``, see below.
- ``reuse_freed_memory()``: ask glibc's malloc to keep freed memory for reuse (the batched
  engine calls it).

Fitting the thread count to the CPU time a container may use (Binder, JupyterHub). PyTorch
starts one thread per CPU core it can see. In a container with a CPU limit it sees
the host's cores (often 8 to 64) but may use only the time of one or two: many threads then
queue for that time and a notebook can run several times slower than on one thread. The
limit lives in cgroup files; ``import nnlab`` reads it and lowers the thread count to match,
unless ``OMP_NUM_THREADS`` is set (then that choice stands).

README.md, "Settings", says how to choose the count by hand.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import torch

from ._validate import check_int

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


def set_threads(n: int) -> None:
    """Use ``n`` PyTorch threads from now on (``torch.set_num_threads``); ``n >= 1``.

    Small tensors gain nothing from more threads and, on a busy machine, lose time waiting
    for them: a notebook of small networks calls ``nnlab.set_threads(1)`` once, after
    ``import nnlab`` has fitted the count to the machine.
    """
    torch.set_num_threads(check_int("n", n, minimum=1))


@contextmanager
def torch_threads(n: int | None) -> Iterator[int]:
    """Run the enclosed block with ``n`` PyTorch threads (None: the current count), then
    restore the count from before; yields the count in use."""
    before = torch.get_num_threads()
    n = before if n is None else check_int("n", n, minimum=1)
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(before)


MALLOC_TUNED = False


def reuse_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory for reuse (Linux only; once per process).

    By default glibc hands large freed blocks back to the operating system, and the next
    step's tensors then page-fault on fresh memory; on this course's virtual machine that
    was up to half the step time. Blocks up to 32 MB now come from a heap that keeps up to
    256 MB of freed memory. The peak memory of a run does not change.
    """
    global MALLOC_TUNED
    if MALLOC_TUNED or not sys.platform.startswith("linux"):
        return
    MALLOC_TUNED = True
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (e.g. musl): nothing to tune
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 * 2**20)
    libc.mallopt(m_trim_threshold, 256 * 2**20)
