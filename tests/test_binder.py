"""Binder builds the course from environment.yml and runs postBuild.

``repo2docker --no-build --debug .`` (the tool mybinder.org uses) picks a build pack for the
repository and prints the Dockerfile it would build, without building it: it needs no Docker
engine. The test runs it when jupyter-repo2docker is installed (``make binder-check``
installs it with the ``teach-tools`` extra) and checks that the conda build pack was picked,
that it installs environment.yml, and that postBuild runs after the repository is copied in.
The static checks below run always.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
# Files repo2docker would use instead of environment.yml (a Dockerfile, a binder/ folder, the
# files of other build packs that come before the conda one in its order).
PRECEDING = [
    "Dockerfile",
    "binder",
    ".binder",
    "Project.toml",
    "REQUIRE",
    "default.nix",
    "install.R",
    "DESCRIPTION",
]


def test_nothing_takes_precedence_over_environment_yml(root):
    present = [name for name in PRECEDING if (root / name).exists()]
    assert not present, f"repo2docker would use {present} instead of environment.yml"
    assert os.access(root / "postBuild", os.X_OK), "postBuild must be executable"
    assert (root / "postBuild").read_text().startswith("#!/usr/bin/env bash")


@pytest.fixture(scope="module")
def dockerfile():
    repo2docker = shutil.which("repo2docker", path=str(BIN)) or shutil.which("repo2docker")
    if repo2docker is None:
        pytest.skip("jupyter-repo2docker is not installed: run `make binder-check`")
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [repo2docker, "--no-build", "--debug", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout + result.stderr


def test_repo2docker_picks_the_conda_build_pack_with_python_311(dockerfile):
    assert "Building conda environment for python=3.11" in dockerfile


def test_repo2docker_installs_environment_yml(dockerfile):
    assert re.search(r"COPY .*src/environment\.yml \$\{REPO_DIR\}/environment\.yml", dockerfile)
    assert re.search(
        r"env update -p \$\{NB_PYTHON_PREFIX\} --file \"environment\.yml\"", dockerfile
    )


def test_repo2docker_runs_postbuild_after_copying_the_repository(dockerfile):
    copy_repo = dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    run_post = dockerfile.index("RUN ./postBuild")
    env_update = dockerfile.index('--file "environment.yml"')
    assert env_update < copy_repo < run_post
