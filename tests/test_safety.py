"""Safety: no network, no files written outside a temp folder or build/, no pickles.

Every unit test runs with the network blocked (``tests/conftest.py``), and so does every
notebook kernel of ``make test`` (``tools/nbguard.py``; tested in test_determinism.py). The
tests here check the guard itself, import all of nnlab with it in a fresh interpreter, and
audit the sources: loads that could unpickle, and file writes in nnlab and the notebooks.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tools import safety

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def provoked():
    """Forget the attempts a test makes on purpose, so the offline fixture does not fail it."""
    start = len(safety.ATTEMPTS)
    yield
    del safety.ATTEMPTS[start:]


# ----------------------------------------------------------------------------- network


@pytest.mark.parametrize(
    "address, local",
    [
        (("127.0.0.1", 80), True),
        (("127.8.9.1", 80), True),
        (("::1", 80, 0, 0), True),
        (("localhost", 8888), True),
        ("/tmp/kernel.sock", True),
        (b"\0abstract", True),
        (("192.0.2.1", 80), False),
        (("8.8.8.8", 53), False),
        (("pypi.org", 443), False),
        (("::ffff:192.0.2.1", 80, 0, 0), False),
    ],
)
def test_only_loopback_and_unix_sockets_count_as_local(address, local):
    assert safety.is_local(address) is local


def test_the_unit_tests_run_offline(provoked):
    with socket.socket() as s, pytest.raises(safety.NetworkAccessError, match="192.0.2.1"):
        s.connect(("192.0.2.1", 80))
    with pytest.raises(safety.NetworkAccessError, match="example.org"):
        socket.create_connection(("example.org", 80), timeout=1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        with pytest.raises(safety.NetworkAccessError, match="sendto"):
            s.sendto(b"x", ("192.0.2.1", 53))
        with pytest.raises(safety.NetworkAccessError):
            s.connect_ex(("192.0.2.1", 53))
    assert len(safety.ATTEMPTS) >= 4


def test_the_error_is_not_an_oserror_so_retry_loops_cannot_swallow_it():
    assert not issubclass(safety.NetworkAccessError, OSError)


def test_loopback_connections_still_work():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5) as client:
            peer, _ = server.accept()
            client.sendall(b"ping")
            assert peer.recv(4) == b"ping"
            peer.close()


def test_allow_network_restores_the_socket_module():
    assert socket.socket.connect.__name__ == "guarded_connect"
    safety.allow_network()
    try:
        assert socket.socket.connect.__name__ == "connect"
        assert socket.getaddrinfo.__name__ == "getaddrinfo"
    finally:
        safety.block_network()
    assert socket.getaddrinfo.__name__ == "guarded_getaddrinfo"


IMPORT_EVERYTHING = textwrap.dedent(
    """
    import importlib, pkgutil, socket, sys
    sys.path.insert(0, {root!r})
    from tools import safety
    safety.block_network()
    import nnlab
    modules = [m.name for m in pkgutil.walk_packages(nnlab.__path__, "nnlab.")]
    for name in modules:
        importlib.import_module(name)
    # a little of everything a notebook does
    X, y = nnlab.load_digits()
    net = nnlab.MLP([64, 16, 10])
    nnlab.train(net, X[:200], y[:200], lr=0.1, epochs=2, progress=True)
    nnlab.use_style()
    nnlab.plot_history(nnlab.train(net, X[:50], y[:50], lr=0.1, epochs=1, progress=False))
    print("imported", len(modules), "modules; blocked attempts:", safety.ATTEMPTS)
    try:
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    except safety.NetworkAccessError:
        print("the guard was on")
    """
)


def test_importing_and_using_nnlab_in_a_fresh_interpreter_touches_no_network(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    env = os.environ | {"MPLBACKEND": "Agg", "MPLCONFIGDIR": str(tmp_path / "mpl")}
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "blocked attempts: []" in result.stdout, result.stdout
    assert "the guard was on" in result.stdout
    assert not list(work.iterdir()), "nnlab wrote into the working folder"


# ----------------------------------------------------------------------------- files


def test_snapshot_sees_created_changed_and_deleted_files_but_not_the_build_folder(tmp_path):
    (tmp_path / "keep.txt").write_text("a")
    (tmp_path / "gone.txt").write_text("b")
    (tmp_path / "build").mkdir()
    before = safety.snapshot(tmp_path)
    (tmp_path / "keep.txt").write_text("changed")
    (tmp_path / "gone.txt").unlink()
    (tmp_path / "new.txt").write_text("c")
    (tmp_path / "build" / "out.png").write_bytes(b"png")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"")
    assert safety.changed(before, safety.snapshot(tmp_path)) == [
        "deleted gone.txt",
        "changed keep.txt",
        "created new.txt",
    ]


@pytest.mark.parametrize(
    "source, found",
    [
        ("from pathlib import Path\nPath('x').write_text('a')", "write_text"),
        ("open('out.csv', 'w')", "mode 'w'"),
        ("with open(path, mode='ab') as f:\n    pass", "mode 'ab'"),
        ("fig.savefig('fig.png')", "savefig"),
        ("import numpy as np\nnp.save('a.npy', x)", "numpy.save"),
        ("import torch\ntorch.save(model.state_dict(), 'm.pt')", "torch.save"),
        ("import shutil\nshutil.rmtree('data')", "shutil.rmtree"),
        ("import os\nos.remove('x')", "os.remove"),
        ("p.open('w')", "mode 'w'"),
        ("%matplotlib inline\nopen(name, flag)", "mode '?'"),
    ],
)
def test_the_write_audit_finds_writes(source, found):
    problems = safety.file_writes(source)
    assert problems and found in problems[0], problems


@pytest.mark.parametrize(
    "source",
    [
        "open('data.txt')",
        "open('data.txt', 'rb')",
        "text.replace('a', 'b')",
        "Path('x').read_text()",
        "np.load('d.npz', allow_pickle=False)",
    ],
)
def test_the_write_audit_lets_reads_through(source):
    assert safety.file_writes(source) == []


def test_nnlab_and_the_notebooks_write_no_files():
    """nnlab and the notebooks draw and print; they never save, move or delete files (the
    runs of make test also check the repository is unchanged afterwards)."""
    sources = safety.python_sources([ROOT / "nnlab", ROOT / "notebooks"])
    assert any("notebooks" in label for label in sources), "no notebook code found"
    problems = [f"{label}: {p}" for label, src in sources.items() for p in safety.file_writes(src)]
    assert not problems, "nnlab and the notebooks must not write files:\n" + "\n".join(problems)


# ----------------------------------------------------------------------------- pickles


@pytest.mark.parametrize(
    "source, found",
    [
        ("import numpy as np\nnp.load('a.npz')", "numpy.load without allow_pickle=False"),
        ("import numpy\nnumpy.load(f, allow_pickle=True)", "numpy.load without"),
        ("from numpy import load\nload(f)", "numpy.load without"),
        ("import torch\ntorch.load('m.pt')", "torch.load without weights_only=True"),
        ("import torch as t\nt.load(f, weights_only=False)", "torch.load without"),
        ("import pickle\npickle.loads(b)", "imports pickle"),
        ("from joblib import load", "imports joblib"),
        ("import dill as d", "imports dill"),
    ],
)
def test_the_load_audit_finds_unsafe_loads(source, found):
    problems = safety.unsafe_loads(source)
    assert problems and found in problems[0], problems


def test_the_load_audit_accepts_safe_loads():
    source = (
        "import numpy as np\nimport torch\n"
        "np.load('d.npz', allow_pickle=False)\ntorch.load('m.pt', weights_only=True)\n"
        "json.load(f)\n"
    )
    assert safety.unsafe_loads(source) == []


def test_no_pickle_anywhere_and_every_load_is_safe():
    """np.load with allow_pickle=False, torch.load with weights_only=True, and no pickle
    modules, in nnlab, the notebooks, tools, benchmarks and tests."""
    folders = [ROOT / f for f in ("nnlab", "notebooks", "tools", "benchmarks", "tests")]
    sources = safety.python_sources(folders)
    assert len(sources) > 50
    problems = [f"{label}: {p}" for label, src in sources.items() for p in safety.unsafe_loads(src)]
    assert not problems, "unsafe loads:\n" + "\n".join(problems)
