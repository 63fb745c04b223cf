"""Helpers for the dl4j_bridge tests (imported by name; fixtures live in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
DIST = REPO / "build" / "install" / "dl4j-bridge"
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing_resource(what: str) -> None:
    """Skip locally, but fail loudly in CI: CI must never skip real work."""
    if IN_CI:
        pytest.fail(f"CI=true and a needed resource is missing: {what}", pytrace=False)
    pytest.skip(f"missing: {what}")


def run_python(code: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python process (its own JVM) and return the finished process."""
    full_env = dict(os.environ)
    full_env.pop("DL4J_BRIDGE_HOME", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=str(REPO), env=full_env, capture_output=True, text=True, timeout=timeout,
    )


def assert_ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-4000:]}"
    return proc.stdout


def random_sequences(batch=5, time=7, features=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(batch, time, features)).astype(np.float32)
