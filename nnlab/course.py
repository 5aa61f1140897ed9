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


def hub_link(
    hub_url: str,
    notebook: str = "notebooks/00_introduction.ipynb",
    branch: str = "main",
) -> str:
    """Return the nbgitpuller link that opens ``notebook`` on a JupyterHub at ``hub_url``.

    Clicking it logs the student in, clones the course repository (``repository_url()``) at
    ``branch`` into ``~/<repository name>`` on their server the first time, pulls it every
    later time (the student's own edits win; a file they deleted is restored), and opens the
    notebook in JupyterLab. The hub needs ``nbgitpuller`` installed (``deploy/``).
    ``branch`` must be a branch: nbgitpuller pulls it again on every click, which a tag
    cannot do; for a term, make a branch at the release tag (``git branch term-2027 v0.1.0``).
    """
    if not isinstance(hub_url, str) or not re.fullmatch(
        r"https?://[A-Za-z0-9.-]+(:\d+)?(/[\w.~-]+)*/?", hub_url
    ):
        raise ValueError(
            "hub_url must be the hub's address, http(s)://host[:port][/prefix] without a query, "
            f"e.g. 'https://hub.example.edu'; got {hub_url!r}"
        )
    if not isinstance(branch, str) or not re.fullmatch(r"[\w.-]+(/[\w.-]+)*", branch):
        raise ValueError(f"branch must be a git branch name such as 'main'; got {branch!r}")
    binder_url(notebook, branch)  # the same checks of the notebook path
    repo = repository_url()
    name = repo.rsplit("/", 1)[-1].removesuffix(".git")
    query = "&".join(
        [
            f"repo={quote(repo, safe='')}",
            f"branch={quote(branch, safe='')}",
            f"urlpath={quote(f'lab/tree/{name}/{notebook}', safe='')}",
        ]
    )
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"
