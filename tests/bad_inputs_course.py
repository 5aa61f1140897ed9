"""Bad-input cases for nnlab.course's Colab links and install requirement."""

from badinput import bad, names

from nnlab import course

NO_ARGUMENTS = {"nnlab.course.release_ref": "no arguments; reads the installed version"}

CASES = {
    "nnlab.course.colab_url": names(
        bad(course.colab_url, "path leaving the repo", "notebook", "../x.ipynb"),
        bad(course.colab_url, "not a notebook", "notebook", "notebooks/x.py"),
        bad(course.colab_url, "ref with spaces", "ref", ref="my tag"),
        bad(course.colab_url, "ref not a string", "ref", ref=3),
    ),
    "nnlab.course.colab_badge": names(
        bad(course.colab_badge, "absolute path", "notebook", "/etc/x.ipynb"),
    ),
    "nnlab.course.hub_link": names(
        bad(course.hub_link, "hub URL without a scheme", "hub_url", "hub.example.edu"),
        bad(course.hub_link, "hub URL with a query", "hub_url", "https://hub.example.edu/?x=1"),
        bad(course.hub_link, "hub URL not a string", "hub_url", None),
        bad(course.hub_link, "hub URL with spaces", "hub_url", "https://my hub"),
        bad(course.hub_link, "path leaving the repo", "notebook", "https://h.edu", "../x.ipynb"),
        bad(course.hub_link, "branch with spaces", "branch", "https://h.edu", branch="my branch"),
    ),
    "nnlab.course.colab_install_requirement": names(
        bad(course.colab_install_requirement, "empty ref", "ref", ""),
    ),
}
