"""What build of dl4j_bridge this is: the package version and, in a git checkout, the commit.

A model file records it (``created_by`` of ``dl4j_bridge.detector.json``, ``versions`` of the manifest), so a
model deployed on the JVM can be traced to the code that trained it: ``dl4j_bridge 0.1.0 (git 1609fe8a1b2c)``.
Uncommitted changes are not recorded: the same commit gives the same bytes, whatever else the working tree holds
(and git is only read: ``rev-parse``, no index refresh, no lock). An installed package (no ``.git`` beside it,
or a ``.git`` of another project whose top level is not the package's parent) records the version alone.
"""

from __future__ import annotations

import functools
import logging
import os
import subprocess

__all__ = ["__version__", "build_identity", "git_revision"]

__version__ = "0.1.0"

logger = logging.getLogger(__name__)

_CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


#: git's environment variables that would point it at another repository than the package's own
_GIT_REPOSITORY_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_CEILING_DIRECTORIES")


def _git(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_REPOSITORY_VARIABLES}
    env["GIT_OPTIONAL_LOCKS"] = "0"   # never take the index lock (a user's git commit must not fail meanwhile)
    return subprocess.run(["git", "-C", _CHECKOUT, *args], check=True, capture_output=True, text=True,
                          timeout=5, stdin=subprocess.DEVNULL, env=env).stdout.strip()


@functools.lru_cache(maxsize=1)
def git_revision() -> str | None:
    """The commit of the checkout this package runs from (12 hex digits), or None when the package is not at
    the top of a git checkout (installed, or copied into another project's tree) or git cannot say."""
    if not os.path.exists(os.path.join(_CHECKOUT, ".git")):
        return None
    try:
        top = _git("rev-parse", "--show-toplevel")
        if os.path.realpath(top) != os.path.realpath(_CHECKOUT):
            return None
        revision = _git("rev-parse", "--short=12", "HEAD")
    except (OSError, subprocess.SubprocessError) as error:
        logger.debug("no git revision for %s: %s", _CHECKOUT, error)
        return None
    return revision or None


def build_identity() -> str:
    """``dl4j_bridge <version>``, followed by `` (git <revision>)`` in a git checkout."""
    revision = git_revision()
    return f"dl4j_bridge {__version__}" + (f" (git {revision})" if revision else "")
