"""The build identity a model file records (dl4j_bridge.version)."""

import os
import shutil
import subprocess
import sys

import dl4j_bridge
from bridge_testing import REPO, missing_resource
from dl4j_bridge import version


def test_the_package_version_is_the_one_pyproject_declares():
    import tomllib
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as stream:
        assert tomllib.load(stream)["project"]["version"] == dl4j_bridge.__version__ == version.__version__


def test_in_a_checkout_the_identity_names_the_commit():
    if shutil.which("git") is None or not os.path.exists(os.path.join(REPO, ".git")):
        missing_resource("git and a git checkout (CI runs in a clone: it has both)")
    head = subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    revision = version.git_revision()
    assert revision == head[:12]   # uncommitted changes are not recorded: the same commit, the same bytes
    assert version.build_identity() == f"dl4j_bridge {dl4j_bridge.__version__} (git {revision})"


def test_a_copy_outside_a_checkout_records_the_version_alone(tmp_path):
    # the package as pip would install it: no .git beside it
    shutil.copytree(os.path.join(REPO, "dl4j_bridge"), tmp_path / "dl4j_bridge",
                    ignore=shutil.ignore_patterns("__pycache__"))
    out = subprocess.run([sys.executable, "-c", "from dl4j_bridge import version; print(version.build_identity())"],
                         cwd=tmp_path, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)}).stdout.strip()
    assert out == f"dl4j_bridge {dl4j_bridge.__version__}"


def test_git_failing_is_no_revision(monkeypatch, tmp_path):
    monkeypatch.setattr(version, "_CHECKOUT", str(tmp_path))
    (tmp_path / ".git").write_text("gitdir: /nonexistent\n")     # a broken worktree link
    version.git_revision.cache_clear()
    try:
        assert version.git_revision() is None
        assert version.build_identity() == f"dl4j_bridge {dl4j_bridge.__version__}"
    finally:
        version.git_revision.cache_clear()



def test_a_git_repository_above_the_package_is_not_its_checkout(tmp_path):
    """Installed with pip -t into another project's git tree, the package recorded that project's commit."""
    if shutil.which("git") is None:
        missing_resource("git")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copytree(os.path.join(REPO, "dl4j_bridge"), tmp_path / "vendor" / "dl4j_bridge",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "vendor" / ".git").write_text("gitdir: ../.git\n")   # a .git beside it, of another top level
    out = subprocess.run([sys.executable, "-c", "from dl4j_bridge import version; print(version.build_identity())"],
                         cwd=tmp_path, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path / "vendor")}).stdout.strip()
    assert out == f"dl4j_bridge {dl4j_bridge.__version__}"


def test_git_is_asked_without_the_callers_repository_variables_or_the_index_lock(monkeypatch):
    seen = {}

    def fake_run(command, **kwargs):
        seen.update(kwargs["env"])
        raise subprocess.TimeoutExpired(command, 5)

    monkeypatch.setenv("GIT_DIR", "/elsewhere/.git")
    monkeypatch.setattr(version.subprocess, "run", fake_run)
    version.git_revision.cache_clear()
    try:
        assert version.git_revision() is None or not os.path.exists(os.path.join(REPO, ".git"))
    finally:
        version.git_revision.cache_clear()
    if seen:
        assert "GIT_DIR" not in seen and seen["GIT_OPTIONAL_LOCKS"] == "0"
