"""The two commands, Binder's files and the README stay consistent with pyproject.toml."""

import re
import tomllib

import yaml

import nnlab

# conda-forge names for the pip packages that are called differently there
CONDA_TO_PIP = {"pytorch-cpu": "torch", "matplotlib-base": "matplotlib"}


def _requirement(spec: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*(.*)", spec)
    return match.group(1).lower(), match.group(2).replace(" ", "")


def _pyproject(root):
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]


def _conda(root):
    env = yaml.safe_load((root / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    specs = [d for d in env["dependencies"] if isinstance(d, str)]
    return dict(_requirement(s) for s in specs)


def test_environment_yml_and_pyproject_name_the_same_packages(root):
    project = _pyproject(root)
    runtime = dict(_requirement(s) for s in project["dependencies"])
    dev = dict(_requirement(s) for s in project["optional-dependencies"]["dev"])
    conda = {CONDA_TO_PIP.get(name, name): bound for name, bound in _conda(root).items()}
    assert conda.pop("python") == "=3.11"
    assert conda.pop("pip") == ""
    conda_runtime = {name: conda[name] for name in runtime if name in conda}
    assert conda_runtime == runtime, "environment.yml must list every runtime dependency"
    extras = {name: bound for name, bound in conda.items() if name not in runtime}
    for name, bound in extras.items():
        assert dev.get(name) == bound, f"{name}{bound} in environment.yml but not in the dev extra"
    for tool in ("jupyterlab", "nbval", "pytest"):
        assert tool in extras


def test_environment_yml_installs_no_local_package(root):
    text = (root / "environment.yml").read_text()
    assert "-e ." not in text and "pip:" not in text  # a local install defeats Binder's cache
    post = (root / "postBuild").read_text()
    assert "python -m pip install --no-deps -e ." in post


def test_setup_pins_the_cpu_torch_and_ci_runs_make_test(root):
    script = (root / "course.py").read_text()
    assert 'TORCH = "torch==2.13.0"' in script
    ci = (root / ".ci" / "run").read_text().strip().splitlines()
    assert [line for line in ci if not line.startswith(("#", "set ", "cd "))] == ["make test"]


def test_readme_shows_the_two_commands_and_the_binder_badge(root):
    readme = (root / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make lab" in quick and "make test" in quick
    assert nnlab.binder_badge("notebooks/00_introduction.ipynb") in readme


def test_repository_url_is_written_once(root):
    url = nnlab.repository_url()
    assert url == _pyproject(root)["urls"]["Repository"]
    for path in ("Makefile", "environment.yml", "postBuild", "nnlab/course.py"):
        assert url not in (root / path).read_text(), f"{path} repeats the repository URL"


def test_binder_url_opens_the_notebook_in_lab():
    url = nnlab.binder_url("notebooks/02_dead_neurons.ipynb")
    assert url.startswith("https://mybinder.org/v2/gh/")
    assert url.endswith("/HEAD?urlpath=lab/tree/notebooks/02_dead_neurons.ipynb")


def test_binder_url_rejects_bad_paths():
    import pytest

    with pytest.raises(ValueError, match="notebook"):
        nnlab.binder_url("../etc/passwd")
    with pytest.raises(ValueError, match="notebook"):
        nnlab.binder_url("../secret.ipynb")
    with pytest.raises(ValueError, match="notebook"):
        nnlab.binder_url(3)


def _build_wheel(root, out):
    """Build nnlab's wheel from the tree into ``out`` (offline: the venv's setuptools)."""
    import subprocess
    import sys

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(out),
            str(root),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = out.glob("nnlab-*.whl")
    return wheel


def test_a_wheel_built_from_the_tree_carries_the_data_and_loads_it(root, tmp_path):
    import subprocess
    import sys
    import zipfile

    build = tmp_path / "build"
    wheel = _build_wheel(root, build)
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("nnlab/datasets/digits.npz", "nnlab/datasets/README.md"):
        assert needed in names, f"the wheel lacks {needed}: check [tool.setuptools.package-data]"
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "tools/"))]
    # Unpack it away from the repository and load the digits from there, with the
    # installed wheel's metadata (the repository URL comes from it, not from pyproject).
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import nnlab, pathlib; X, y = nnlab.load_digits(); "
        "print(pathlib.Path(nnlab.__file__).parent, X.shape[0], nnlab.__version__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "NNLAB_PROGRESS": "0"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert out[0] == str(site / "nnlab"), "the unpacked wheel, not the source tree, was imported"
    assert out[1] == "1797"
    assert out[2] == _pyproject(root)["version"]


def test_nnlab_reads_no_file_outside_the_package(root):
    for path in (root / "nnlab").rglob("*.py"):
        text = path.read_text()
        assert "parent.parent" not in text, f"{path.name} reaches outside the package"
        assert "tomllib" not in text and "open(" not in text.replace("io.open(", ""), (
            f"{path.name} opens a file itself: package data goes through importlib.resources, "
            "the version and URL through importlib.metadata"
        )


def test_colab_links_and_install_are_pinned_to_the_release_tag(root):
    version = _pyproject(root)["version"]
    url = nnlab.course.colab_url("notebooks/02_dead_neurons.ipynb")
    repo = _pyproject(root)["urls"]["Repository"].removeprefix("https://github.com/")
    assert url == (
        f"https://colab.research.google.com/github/{repo}/blob/v{version}/"
        "notebooks/02_dead_neurons.ipynb"
    )
    assert nnlab.course.colab_install_requirement().endswith(f"/{repo}@v{version}")
    assert nnlab.course.colab_url("notebooks/x.ipynb", ref="main").endswith(
        "/blob/main/notebooks/x.ipynb"
    )
