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


def read_with_java_reader(java_reader, lines, record_of, quarantine=None, mode="lenient"):
    """Feed ``lines`` one by one to a Java ``RecordReader`` through the running JVM, as the launcher does.

    Parameters
    ----------
    java_reader : io.dl4jbridge.etl.RecordReader
        A new reader (CSV, JSON lines or text).
    lines : list of str
        Lines without their terminators.
    record_of : callable
        Java ``Record`` -> what to keep of it.
    quarantine : java.io.Writer, optional
    mode : {"lenient", "strict"}
        The bad-line policy (strict: the first bad line raises its ``EtlException``).

    Returns
    -------
    (list, dict)
        ``record_of`` of each record, and the report's counts in Python's ``ReadReport`` names.
    """
    import jpype

    etl = "io.dl4jbridge.etl."
    report = jpype.JClass(etl + "ReadReport")()
    java_reader.start(report, jpype.JClass(etl + "BadLinePolicy")("<lines>", mode, report, quarantine))
    records = []

    @jpype.JImplements("java.util.function.Consumer")
    class Collect:
        @jpype.JOverride
        def accept(self, record):
            records.append(record_of(record))

    collect = Collect()
    for line in lines:
        java_reader.accept(line, collect)
    java_reader.finish(collect)
    counts = {"lines": int(report.lines), "records": int(report.records),
              "continuation_lines": int(report.continuationLines), "blank_lines": int(report.blankLines),
              "bad_lines": int(report.badLines),
              "bad_by_reason": {str(k): int(v) for k, v in report.badByReason.items()},
              "duplicate_key_lines": int(report.duplicateKeyLines)}
    return records, counts
