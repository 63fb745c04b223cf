"""Shared fixtures: one session JVM for every in-process test; lifecycle tests spawn subprocesses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bridge_testing import DIST, REPO, missing_resource

try:  # fuzz tests: "ci" (the default) is bounded and derandomized, so CI runs the same examples every time;
    # "thorough" is for long local searches: pytest --hypothesis-profile=thorough tests/etl/test_fuzz_readers.py
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", max_examples=150, derandomize=True, deadline=5000,
                                          print_blob=True)
    _hypothesis_settings.register_profile("thorough", max_examples=5000, deadline=5000)
    _hypothesis_settings.load_profile("ci")
except ImportError:  # a dev dependency (pip install -e ".[dev]"); only the fuzz tests need it
    pass


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


@pytest.fixture
def no_java(monkeypatch):
    """Any array reaching the numpy -> INDArray boundary (dl4j_bridge.arrays) fails the test: checks came first."""
    from dl4j_bridge import arrays

    def reached(*args, **kwargs):
        raise AssertionError("an array reached Java before the shape check")

    for name in ("sequences_to_indarray", "steps_to_indarray", "to_indarray"):
        monkeypatch.setattr(arrays, name, reached)
