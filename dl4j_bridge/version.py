"""What build of dl4j_bridge this is: the package version and, in a git checkout, the commit.

A model file records it (``created_by`` of ``dl4j_bridge.detector.json``, ``versions`` of the manifest), so a
model deployed on the JVM can be traced to the code that trained it: ``dl4j_bridge 0.1.0 (git 1609fe8a1b2c)``,
``-dirty`` when the checkout had uncommitted changes to tracked files.  An installed package (no ``.git``
beside it) records the version alone.
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


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", _CHECKOUT, *args], check=True, capture_output=True, text=True,
                          timeout=10, stdin=subprocess.DEVNULL).stdout.strip()


@functools.lru_cache(maxsize=1)
def git_revision() -> str | None:
    """The commit of the checkout this package runs from (12 hex digits, ``-dirty`` with uncommitted changes to
    tracked files), or None when it is not a git checkout or git cannot say."""
    if not os.path.exists(os.path.join(_CHECKOUT, ".git")):
        return None
    try:
        revision = _git("rev-parse", "--short=12", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError) as error:
        logger.debug("no git revision for %s: %s", _CHECKOUT, error)
        return None
    return revision + ("-dirty" if dirty else "") if revision else None


def build_identity() -> str:
    """``dl4j_bridge <version>``, followed by `` (git <revision>)`` in a git checkout."""
    revision = git_revision()
    return f"dl4j_bridge {__version__}" + (f" (git {revision})" if revision else "")
