"""Course metadata: the repository URL (declared once, in pyproject.toml) and Binder links."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"


def repository_url() -> str:
    """Return the course repository's URL, as pyproject.toml's ``[project.urls] Repository``."""
    pyproject = ROOT / "pyproject.toml"
    if pyproject.is_file():
        urls = tomllib.loads(pyproject.read_text())["project"]["urls"]
        return urls["Repository"].rstrip("/")
    for entry in metadata.metadata("nnlab").get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip() == "Repository":
            return url.strip().rstrip("/")
    raise LookupError("no Repository URL in pyproject.toml or in nnlab's installed metadata")


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
