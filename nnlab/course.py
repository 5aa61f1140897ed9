"""Course metadata: the repository URL and version (declared once, in pyproject.toml, and read
from the installed package's metadata), and the Binder and Colab links built from them."""

from __future__ import annotations

import re
from importlib import metadata
from urllib.parse import quote

BINDER_BADGE = "https://mybinder.org/badge_logo.svg"


def repository_url() -> str:
    """Return the course repository's URL: pyproject.toml's ``[project.urls] Repository``,
    as the installed package's metadata records it (editable or wheel alike)."""
    try:
        entries = metadata.metadata("nnlab").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        raise LookupError(
            "nnlab is not installed, so its metadata (the repository URL) is missing: "
            "install it with `pip install -e .` in a clone, or `make setup`"
        ) from None
    for entry in entries:
        label, _, url = entry.partition(",")
        if label.strip() == "Repository":
            return url.strip().rstrip("/")
    raise LookupError("nnlab's installed metadata has no Repository URL (pyproject.toml)")


def binder_url(notebook: str = "notebooks/00_introduction.ipynb", ref: str = "HEAD") -> str:
    """Return the mybinder.org link that opens ``notebook`` (a repo-relative path) in JupyterLab."""
    ok = isinstance(notebook, str) and re.fullmatch(r"[\w./-]+\.ipynb", notebook)
    if not ok or ".." in notebook or notebook.startswith("/"):
        raise ValueError(
            f"notebook must be a repo-relative path to an .ipynb file; got {notebook!r}"
        )
    if not isinstance(ref, str):
        raise TypeError(f"ref must be a git branch, tag or commit (a string); got {ref!r}")
    if not re.fullmatch(r"[\w.-]+(/[\w.-]+)*", ref):
        raise ValueError(f"ref must be a git branch, tag or commit such as 'main'; got {ref!r}")
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", repository_url())
    if match is None:
        raise ValueError(f"the repository URL must be a GitHub URL; got {repository_url()!r}")
    owner, repo = match.groups()
    return (
        f"https://mybinder.org/v2/gh/{owner}/{repo}/{ref}"
        f"?urlpath={quote('lab/tree/' + notebook, safe='/')}"
    )


def binder_badge(notebook: str = "notebooks/00_introduction.ipynb") -> str:
    """Return the Markdown for a "launch binder" badge that opens ``notebook``."""
    return f"[![Launch on Binder]({BINDER_BADGE})]({binder_url(notebook)})"


COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"


def release_ref() -> str:
    """Return the git tag of this version of the course, ``v<version>`` (e.g. ``v0.1.0``).

    Colab links and Colab's install of nnlab are pinned to it, so a notebook opened in Colab
    runs with the nnlab it was written for. Tag each release so: ``git tag v0.1.0``.
    """
    try:
        version = metadata.version("nnlab")
    except metadata.PackageNotFoundError:
        raise LookupError("nnlab is not installed, so its version is unknown") from None
    return f"v{version}"


def _github(notebook: str) -> tuple[str, str]:
    binder_url(notebook)  # the same checks of the notebook path and the repository URL
    owner, repo = repository_url().removeprefix("https://github.com/").split("/")
    return owner, repo


def colab_url(notebook: str = "notebooks/00_introduction.ipynb", ref: str | None = None) -> str:
    """Return the link that opens ``notebook`` (a repo-relative path) in Google Colab, at the
    git ``ref`` (default: this version's release tag, ``release_ref()``)."""
    ref = release_ref() if ref is None else ref
    binder_url(notebook, ref)  # checks ref as for Binder
    owner, repo = _github(notebook)
    return f"https://colab.research.google.com/github/{owner}/{repo}/blob/{ref}/{notebook}"


def colab_badge(notebook: str = "notebooks/00_introduction.ipynb") -> str:
    """Return the Markdown for an "Open in Colab" badge that opens ``notebook``."""
    return f"[![Open in Colab]({COLAB_BADGE})]({colab_url(notebook)})"


def colab_install_requirement(ref: str | None = None) -> str:
    """Return the pip requirement Colab installs nnlab with: this repository at ``ref``
    (default: the release tag), e.g. ``nnlab @ git+https://github.com/…/nnlab@v0.1.0``."""
    ref = release_ref() if ref is None else ref
    binder_url("notebooks/00_introduction.ipynb", ref)  # checks ref
    return f"nnlab @ git+{repository_url()}@{ref}"
