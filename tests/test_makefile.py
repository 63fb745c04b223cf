"""The Makefile's stamps and messages, run by real make on a copy of the Makefile in a scratch tree, with a fake
gradle and dry runs for pip: nothing is built or installed."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time

import pytest

from bridge_testing import REPO, missing_resource

_FAKE_GRADLE = """#!/bin/sh
echo "$@" >> "$(dirname "$0")/gradle.calls"
case "$*" in
  *installDist*) mkdir -p build/install/dl4j-bridge/bin build/install/dl4j-bridge/lib
                 touch build/install/dl4j-bridge/bin/dl4j-bridge build/install/dl4j-bridge/lib/dl4j-bridge-0.1.0.jar ;;
esac
"""


def _make():
    make = shutil.which("make")
    if make is None:
        missing_resource("make")
    return make


def _tree(tmp_path, gradle_script=_FAKE_GRADLE):
    """A checkout's skeleton: the Makefile, the files its stamps depend on, and stamps newer than them."""
    tree = tmp_path / "checkout"
    for name in ("pyproject.toml", "build.gradle", "settings.gradle", "dl4j_bridge/model_policy.json",
                 "java/src/main/java/A.java"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text("")
        earlier = time.time() - 120     # the stamps, made now, are newer
        os.utime(tree / name, (earlier, earlier))
    shutil.copy(REPO / "Makefile", tree / "Makefile")
    gradle = tmp_path / "tools" / "gradle"
    gradle.parent.mkdir()
    gradle.write_text(gradle_script)
    gradle.chmod(0o755)
    (tree / ".make").mkdir()
    return tree, gradle


def _stamp(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def _run(tree, *args, env=None):
    return subprocess.run([_make(), "--no-print-directory", *args], cwd=str(tree), capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, **(env or {})))


def test_a_build_stamp_without_the_build_remakes_it_and_only_then(tmp_path):
    """`make build`, which BuildNotFoundError advises, said "nothing to be done" after rm -rf build/install."""
    tree, gradle = _tree(tmp_path)
    _stamp(tree / ".make" / "gradle")
    _stamp(tree / ".make" / "build")
    calls = gradle.parent / "gradle.calls"

    proc = _run(tree, "build", f"GRADLE={gradle}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert calls.read_text().splitlines() == ["--quiet installDist"]
    assert (tree / "build/install/dl4j-bridge/lib/dl4j-bridge-0.1.0.jar").is_file()

    proc = _run(tree, "build", f"GRADLE={gradle}")             # there: nothing twice
    assert proc.returncode == 0 and calls.read_text().splitlines() == ["--quiet installDist"], proc.stdout

    (tree / "build/install/dl4j-bridge/lib/dl4j-bridge-0.1.0.jar").unlink()   # partly gone: remade
    proc = _run(tree, "build", f"GRADLE={gradle}")
    assert proc.returncode == 0 and len(calls.read_text().splitlines()) == 2, proc.stdout + proc.stderr


def test_gradle_that_does_not_run_shows_its_words_and_what_to_do(tmp_path):
    """It said only "gradle does not run: see 'gradle --version'", gradle's own output hidden."""
    tree, gradle = _tree(tmp_path, '#!/bin/sh\necho\necho "ERROR: JAVA_HOME is set to an invalid directory: /nope"\n'
                                   'echo\necho "Please set the JAVA_HOME variable"\nexit 1\n')
    proc = _run(tree, ".make/gradle", f"GRADLE={gradle}", env={"JAVA_HOME": "/nope"})
    assert proc.returncode != 0 and not (tree / ".make" / "gradle").exists()
    assert "ERROR: JAVA_HOME is set to an invalid directory: /nope" in proc.stdout, proc.stdout
    assert "apt-get install openjdk-17-jdk-headless" in proc.stdout and "JAVA_HOME" in proc.stdout
    assert "now: '/nope'" in proc.stdout


def test_the_install_stamp_is_remade_when_a_package_is_gone(tmp_path):
    """The stamp alone kept `make` from reinstalling after `pip uninstall JPype1`: every later step failed."""
    import importlib.util

    for name in ("jpype", "numpy", "pandas", "pytest", "hypothesis", "sklearn", "matplotlib"):
        if importlib.util.find_spec(name) is None:
            pytest.skip(f"{name} is not installed in this Python (make test installs it)")
    tree, _ = _tree(tmp_path)
    stamp = ".make/python-" + hashlib.sha1(sys.prefix.encode()).hexdigest()[:12]
    _stamp(tree / stamp)
    env = {"PIP_BREAK_SYSTEM_PACKAGES": "1"}     # this Python as it is, no project venv
    proc = _run(tree, "-n", stamp, f"PYTHON={sys.executable}", env=env)
    assert proc.returncode == 0 and "pip install" not in proc.stdout, proc.stdout + proc.stderr

    # jpype gone from this Python, as `pip uninstall JPype1` leaves it
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        return None if name.split('.')[0] != 'jpype' else self.gone(name)\n"
        "    def gone(self, name):\n"
        "        raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Block())\n")
    proc = _run(tree, "-n", stamp, f"PYTHON={sys.executable}", env=dict(env, PYTHONPATH=str(blocker)))
    assert proc.returncode == 0 and "pip install" in proc.stdout and "-e \".[dev,report]\"" in proc.stdout, \
        proc.stdout + proc.stderr
