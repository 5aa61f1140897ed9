"""Safety guards for nnlab's tests and notebook runs: no network, no stray files, no pickles.

- ``block_network()`` makes every connection to a host other than this machine's loopback
  raise ``NetworkAccessError`` (and records it in ``ATTEMPTS``); ``allow_network()`` undoes
  it. The unit tests run under it (``tests/conftest.py``), and so do the notebook kernels of
  ``make test`` (``tools/nbguard.py`` runs this file in each kernel at start-up). It patches
  Python's ``socket`` module: ZeroMQ's own sockets, which Jupyter uses on loopback between a
  kernel and its client, are not Python sockets and are unaffected.
- ``snapshot(root)`` and ``changed(before, after)``: which files of the repository a run
  created, changed or deleted, outside the build folder and caches.
- ``unsafe_loads(source)``: ``np.load`` calls without ``allow_pickle=False``, ``torch.load``
  calls without ``weights_only=True``, and any use of ``pickle`` (or ``dill``, ``joblib``,
  ``shelve``, ``marshal``, ``cloudpickle``): loading a pickle runs code from the file.
- ``file_writes(source)``: calls that write, move or delete files.

Only the standard library is imported: the notebook kernels load this file by path.
"""

from __future__ import annotations

import ast
import ipaddress
import os
import re
import socket
from collections.abc import Iterable
from pathlib import Path

# ----------------------------------------------------------------------------- network


class NetworkAccessError(RuntimeError):
    """A test or notebook tried to reach another machine; nnlab runs offline.

    Not an ``OSError``, so that code which retries or ignores connection errors does not
    swallow it.
    """


ATTEMPTS: list[str] = []  # every blocked attempt, "what: where", in order
_ORIGINAL: dict[str, object] = {}
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_local(address: object) -> bool:
    """Return True for an address on this machine: a loopback host or a Unix socket path."""
    if isinstance(address, str | bytes | bytearray | os.PathLike):
        return True  # AF_UNIX: a path (or an abstract name) on this machine
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    return is_local_host(host)


def is_local_host(host: object) -> bool:
    """Return True when ``host`` (a name or an IP address; None or "" for the local host) is
    this machine's loopback."""
    if host is None or host == "":
        return True
    if not isinstance(host, str):
        return False
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str, where: object) -> None:
    message = f"{what}: {where!r}"
    ATTEMPTS.append(message)
    raise NetworkAccessError(
        f"nnlab runs offline, but something tried to reach another machine ({message}). "
        "Tests and notebooks must not use the network."
    )


def block_network() -> None:
    """Refuse every connection, datagram or name lookup that leaves this machine."""
    if _ORIGINAL:
        return
    _ORIGINAL.update(
        connect=socket.socket.connect,
        connect_ex=socket.socket.connect_ex,
        sendto=socket.socket.sendto,
        getaddrinfo=socket.getaddrinfo,
    )
    connect, connect_ex = _ORIGINAL["connect"], _ORIGINAL["connect_ex"]
    sendto, getaddrinfo = _ORIGINAL["sendto"], _ORIGINAL["getaddrinfo"]

    def guarded_connect(self: socket.socket, address: object) -> None:
        if not is_local(address):
            _refuse("connect", address)
        return connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: object) -> int:
        if not is_local(address):
            _refuse("connect_ex", address)
        return connect_ex(self, address)

    def guarded_sendto(self: socket.socket, data: bytes, *args: object) -> int:
        if args and not is_local(args[-1]):
            _refuse("sendto", args[-1])
        return sendto(self, data, *args)

    def guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
        if not is_local_host(host.decode() if isinstance(host, bytes) else host):
            _refuse("name lookup", host)
        return getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guarded_connect
    socket.socket.connect_ex = guarded_connect_ex
    socket.socket.sendto = guarded_sendto
    socket.getaddrinfo = guarded_getaddrinfo


def allow_network() -> None:
    """Undo ``block_network``."""
    if not _ORIGINAL:
        return
    socket.socket.connect = _ORIGINAL["connect"]
    socket.socket.connect_ex = _ORIGINAL["connect_ex"]
    socket.socket.sendto = _ORIGINAL["sendto"]
    socket.getaddrinfo = _ORIGINAL["getaddrinfo"]
    _ORIGINAL.clear()


# ----------------------------------------------------------------------------- files

# Folders a run may write to (the build folder) or that tools keep for themselves.
UNWATCHED = {".git", ".venv", "build", "__pycache__", ".pytest_cache", ".ruff_cache"}
UNWATCHED_SUFFIXES = (".egg-info", ".ipynb_checkpoints")


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Return ``{relative path: (size, mtime in ns)}`` for every file of the repository at
    ``root``, except in the build folder, .git, .venv and caches."""
    files = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in UNWATCHED and not d.endswith(UNWATCHED_SUFFIXES)]
        for name in names:
            path = Path(folder) / name
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed while we walked
                continue
            files[path.relative_to(root).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return files


def changed(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """Return "created x", "changed x", "deleted x" for each file that differs, sorted."""
    out = [f"created {p}" for p in after.keys() - before.keys()]
    out += [f"deleted {p}" for p in before.keys() - after.keys()]
    out += [f"changed {p}" for p in before.keys() & after.keys() if before[p] != after[p]]
    return sorted(out, key=lambda line: line.split(" ", 1)[1])


# ----------------------------------------------------------------------------- source audits

PICKLE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "joblib", "shelve", "marshal"}
PICKLE_MODULES |= {"cloudpickle"}


def parse_source(source: str) -> ast.Module:
    """Parse Python ``source``; IPython lines (``%magic``, ``!shell``) become blank lines."""
    lines = ["" if re.match(r"\s*[%!]", line) else line for line in source.splitlines()]
    return ast.parse("\n".join(lines))


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Map each name bound by an import to the dotted thing it names: np -> numpy, ..."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str:
    """The dotted name a call's function refers to, with import aliases resolved."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _keyword_is(call: ast.Call, name: str, value: object) -> bool:
    return any(
        k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is value
        for k in call.keywords
    )


def unsafe_loads(source: str) -> list[str]:
    """Return a line per unsafe load in Python ``source`` ("line 3: np.load without ...")."""
    tree = parse_source(source)
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            for module in modules:
                if module.split(".")[0] in PICKLE_MODULES:
                    found.append(f"line {node.lineno}: imports {module} (pickles run code)")
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func, aliases)
        if name == "numpy.load" and not _keyword_is(node, "allow_pickle", False):
            found.append(f"line {node.lineno}: numpy.load without allow_pickle=False")
        elif name == "torch.load" and not _keyword_is(node, "weights_only", True):
            found.append(f"line {node.lineno}: torch.load without weights_only=True")
        elif name.split(".")[0] in PICKLE_MODULES:
            found.append(f"line {node.lineno}: calls {name}")
    return found


WRITE_CALLS = {
    "write_text",
    "write_bytes",
    "savefig",
    "mkdir",
    "makedirs",
    "touch",
    "to_csv",
    "tofile",
    "unlink",
    "rmdir",
    "rename",
    "replace",
    "symlink_to",
}
WRITE_FUNCTIONS = {
    "numpy.save",
    "numpy.savez",
    "numpy.savez_compressed",
    "numpy.savetxt",
    "torch.save",
    "os.remove",
    "os.unlink",
    "os.rename",
    "os.replace",
    "os.mkdir",
    "os.makedirs",
    "os.rmdir",
}


def _open_mode(call: ast.Call) -> str | None:
    """The mode string of an ``open(...)`` / ``x.open(...)`` call, "r" when not given."""
    for k in call.keywords:
        if k.arg == "mode":
            return k.value.value if isinstance(k.value, ast.Constant) else "?"
    index = 1 if isinstance(call.func, ast.Name) else 0
    if len(call.args) > index:
        arg = call.args[index]
        return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else "?"
    return "r"


def file_writes(source: str) -> list[str]:
    """Return a line per call in Python ``source`` that may write, move or delete a file."""
    tree = parse_source(source)
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func, aliases)
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        is_open = name in {"open", "io.open", "builtins.open"} or attr == "open"
        if is_open:
            mode = _open_mode(node)
            if mode is None or set(mode) & set("wax+?"):
                found.append(f"line {node.lineno}: opens a file with mode {mode!r}")
        elif name in WRITE_FUNCTIONS or name.startswith("shutil."):
            found.append(f"line {node.lineno}: calls {name}")
        elif attr in WRITE_CALLS and not (attr == "replace" and _is_str_replace(node)):
            found.append(f"line {node.lineno}: calls .{attr}()")
    return found


def _is_str_replace(call: ast.Call) -> bool:
    """``s.replace(a, b)`` with two arguments is a string's replace, not ``Path.replace``."""
    return len(call.args) >= 2 or isinstance(call.func.value, ast.Constant)


def python_sources(paths: Iterable[Path]) -> dict[str, str]:
    """Return ``{label: source}`` for .py files and notebooks' code cells under ``paths``."""
    import json

    sources = {}
    for path in paths:
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if any(part in UNWATCHED for part in file.parts):
                continue
            if file.suffix == ".py":
                sources[file.as_posix()] = file.read_text()
            elif file.suffix == ".ipynb":
                nb = json.loads(file.read_text())
                for i, cell in enumerate(nb["cells"]):
                    if cell["cell_type"] == "code":
                        sources[f"{file.as_posix()} cell {i}"] = "".join(cell["source"])
    return sources
