"""Shared fixtures for the ETL tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def data_root() -> Path:
    """``../shared/data`` next to the repo, or ``$DL4J_BRIDGE_DATA``."""
    override = os.environ.get("DL4J_BRIDGE_DATA")
    return Path(override) if override else REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def loghub_2k() -> Path:
    path = data_root() / "loghub_2k"
    if not path.is_dir():
        message = f"loghub_2k data not found at {path} (set DL4J_BRIDGE_DATA)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def syslog_lines() -> list[str]:
    from dl4j_bridge.etl import LogGenerator
    return LogGenerator(seed=11).syslog(6000).lines
