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
    "nnlab.course.colab_install_requirement": names(
        bad(course.colab_install_requirement, "empty ref", "ref", ""),
    ),
}
