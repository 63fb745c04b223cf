"""Shared fixtures: one session JVM for every in-process test; lifecycle tests spawn subprocesses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bridge_testing import DIST, REPO, missing_resource


@pytest.fixture(scope="session")
def dist() -> Path:
    if not (DIST / "lib").is_dir():
        missing_resource(f"the Java build at {DIST} (run: make build)")
    return DIST


@pytest.fixture(scope="session")
def jvm(dist):
    import dl4j_bridge as db

    return db.start_jvm(home=dist, threads=2)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    root = Path(os.environ.get("DL4J_BRIDGE_DATA", REPO.parent / "shared" / "data"))
    if not root.is_dir():
        missing_resource(f"the shared data directory {root}")
    return root


@pytest.fixture(scope="session")
def burst_data():
    from dl4j_bridge.toydata import failed_login_bursts

    return failed_login_bursts(256, 12, seed=3)

