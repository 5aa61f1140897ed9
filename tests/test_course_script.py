"""course.py, the cross-platform set-up: which Python, which PyTorch index, which steps."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load():
    spec = importlib.util.spec_from_file_location("course_script", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def course(monkeypatch):
    module = _load()
    monkeypatch.delenv("NNLAB_TORCH_INDEX", raising=False)
    return module


def test_the_pinned_torch_comes_from_the_cpu_index_on_linux(course, monkeypatch):
    monkeypatch.setattr(course.sys, "platform", "linux")
    monkeypatch.setattr(course, "reachable", lambda url, seconds=4.0: True)
    args = course.torch_install(None)
    assert args[-1] == "torch==2.13.0"
    assert args[args.index("--index-url") + 1] == "https://download.pytorch.org/whl/cpu"


def test_an_unreachable_cpu_index_falls_back_to_the_default_one_quickly(course, monkeypatch):
    monkeypatch.setattr(course.sys, "platform", "linux")
    monkeypatch.setattr(course, "reachable", lambda url, seconds=4.0: False)
    assert course.torch_install(None) == ["install", "--quiet", "torch==2.13.0"]


def test_reachable_asks_with_a_short_time_limit_and_says_no_on_failure(course, monkeypatch):
    asked = {}

    def refuse(address, timeout):
        asked.update(address=address, timeout=timeout)
        raise TimeoutError("no answer")

    monkeypatch.setattr(course.socket, "create_connection", refuse)
    assert not course.reachable("https://download.pytorch.org/whl/cpu")
    assert asked == {"address": ("download.pytorch.org", 443), "timeout": 4.0}


def test_macos_windows_and_gpu_users_get_the_default_index(course, monkeypatch):
    for platform in ("darwin", "win32"):
        monkeypatch.setattr(course.sys, "platform", platform)
        assert "--index-url" not in course.torch_install(None)
    monkeypatch.setattr(course.sys, "platform", "linux")
    monkeypatch.setenv("NNLAB_TORCH_INDEX", "default")
    assert "--index-url" not in course.torch_install(None)
    monkeypatch.setattr(course, "reachable", lambda url, seconds=4.0: True)
    args = course.torch_install("https://mirror.example/whl")
    assert args[args.index("--index-url") + 1] == "https://mirror.example/whl"


def test_python_choice_accepts_311_to_313_and_refuses_others(course, monkeypatch):
    assert course.find_python(sys.executable) == sys.executable  # this machine's 3.11
    monkeypatch.setattr(course, "version_of", lambda python: (3, 10))
    with pytest.raises(SystemExit, match="needs one of 3.11, 3.12, 3.13"):
        course.find_python("/usr/bin/python3.10")


def test_the_newest_supported_python_found_is_chosen(course, monkeypatch):
    versions = {"/x/python3.13": None, "/x/python3.12": (3, 12), "/x/python3.11": (3, 11)}
    monkeypatch.setattr(course.shutil, "which", lambda name: f"/x/{name}")
    monkeypatch.setattr(course, "version_of", lambda python: versions.get(python))
    monkeypatch.setattr(course.os, "name", "posix")
    assert course.find_python(None) == "/x/python3.12"  # 3.13's command does not run


def test_the_script_explains_itself_on_bad_words():
    out = subprocess.run(
        [sys.executable, str(ROOT / "course.py"), "frobnicate"], capture_output=True, text=True
    )
    assert out.returncode == 2 and "python course.py lab" in out.stdout
