"""The Python versions dl4j_bridge claims (pyproject's requires-python) are the ones it refuses below."""

import os
import re
import subprocess
import sys
import tomllib

import pytest

import dl4j_bridge
from bridge_testing import REPO


def test_requires_python_is_the_minimum_the_package_checks():
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as stream:
        declared = tomllib.load(stream)["project"]["requires-python"]
    assert declared == ">=%d.%d" % dl4j_bridge.MINIMUM_PYTHON


@pytest.mark.parametrize("version", [(3, 9, 18, "final", 0), (3, 10, 13, "final", 0)])
def test_an_older_python_is_refused_naming_it_and_what_to_do(version):
    """On 3.9/3.10 a hostile line took a minute to read (no atomic groups in re): the import says so at once."""
    with pytest.raises(ImportError, match=r"needs Python 3\.11 or newer; this is Python 3\.1?[09]\.\d+ \(/x/python\)"
                                          r"\..*python3\.11 -m venv .*pip install"):
        dl4j_bridge._require_python(version, "/x/python")


@pytest.mark.parametrize("version", [(3, 11, 0), (3, 12, 1), (3, 13, 0), (3, 14, 0), (4, 0, 0)])
def test_a_supported_python_imports(version):
    dl4j_bridge._require_python(version, "/x/python")


def _older_pythons() -> list:
    """A python3.9 and a python3.10 that run, from the PATH or pyenv's versions, where there are."""
    import glob
    import shutil

    found = []
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for minor in (9, 10):
        candidates = [shutil.which(f"python3.{minor}")] + sorted(glob.glob(f"{pyenv}/versions/3.{minor}.*/bin/python3"))
        for python in filter(None, candidates):
            if subprocess.run([python, "-c", f"import sys; assert sys.version_info[:2] == (3, {minor})"],
                              capture_output=True, timeout=60).returncode == 0:
                found.append(python)
                break
    return found


def test_a_checkout_on_an_older_pythons_path_is_refused():
    """A real 3.9 or 3.10 (when one is on the PATH) importing the checkout gets the message, not a traceback deep
    in a reader."""
    pythons = _older_pythons()
    if not pythons:
        pytest.skip("no python3.9 or python3.10 here (PATH, pyenv)")
    for python in pythons:
        proc = subprocess.run([python, "-c", "import dl4j_bridge"], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
        assert proc.returncode == 1
        assert re.search(r"ImportError: dl4j_bridge needs Python 3\.11 or newer; this is Python 3\.(9|10)\.",
                         proc.stderr), proc.stderr[-2000:]
