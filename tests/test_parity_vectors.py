"""The committed JVM parity vectors are what the Python ETL makes today (else: regenerate them).

The vectors (``java/src/test/resources/parity/``) are checked against the Java ETL by JUnit
(``EtlParityTest``); this test keeps them honest on the Python side.
"""

from __future__ import annotations

import importlib.util
import json
import math

from bridge_testing import REPO

TOOL = REPO / "python" / "tools" / "write_parity_vectors.py"


def _tool():
    spec = importlib.util.spec_from_file_location("write_parity_vectors", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _same(have, want) -> bool:
    """Equal, floats within 1e-12 relative: numpy's log1p / sin / cos differ in the last bit between numpy
    versions and builds (numpy 1.x: a trained std 3.686949276147663 where numpy 2 gives ...637), which is no
    change of the ETL; the JVM side checks the features with its own tolerance (EtlParityTest)."""
    if isinstance(have, float) and isinstance(want, float):
        return math.isclose(have, want, rel_tol=1e-12, abs_tol=0.0) or (math.isnan(have) and math.isnan(want))
    if isinstance(have, dict) and isinstance(want, dict):
        return have.keys() == want.keys() and all(_same(have[k], want[k]) for k in have)
    if isinstance(have, list) and isinstance(want, list):
        return len(have) == len(want) and all(_same(a, b) for a, b in zip(have, want))
    return type(have) is type(want) and have == want


def test_committed_vectors_match_the_python_etl():
    tool = _tool()
    fresh = tool.build_etl_vectors()
    assert len(fresh) >= 4
    kinds = set()
    for name, text in fresh.items():
        committed = tool.VECTOR_DIR / name
        assert committed.is_file(), f"{committed} is missing: run python {TOOL.relative_to(REPO)}"
        want = json.loads(text)
        have = json.loads(committed.read_text(encoding="utf-8"))
        if not _same(have, want):
            assert have == want, (f"{committed.name} is stale (the Python ETL changed): run "
                                  f"python {TOOL.relative_to(REPO)} and commit the vectors")
        kinds.add((want["spec"]["reader"]["kind"], want["spec"]["sequence"]["kind"]))
        assert want["expected"]["sequences"], f"{name}: no sequences"
    assert {("text", "windows"), ("jsonl", "windows"), ("csv", "sessions"), ("text", "sessions")} <= kinds


def test_committed_format_guards_are_what_python_makes():
    """``format_guards.json`` (checked against Java's guards by JUnit ``ReaderFuzzTest``) is today's."""
    tool = _tool()
    committed = tool.VECTOR_DIR / "format_guards.json"
    assert committed.is_file(), f"{committed} is missing: run python {TOOL.relative_to(REPO)}"
    fresh = json.loads(tool.build_guard_vector())
    assert json.loads(committed.read_text(encoding="utf-8")) == fresh, (
        f"{committed.name} is stale: run python {TOOL.relative_to(REPO)} and commit it")
    assert sum(g["1"] != g["2"] for g in fresh.values()) >= 5 and any(g["2"] is None for g in fresh.values())


def test_vectors_exercise_the_bad_line_policy_and_continuations():
    fresh = {name: json.loads(text) for name, text in _tool().build_etl_vectors().items()}
    reports = [v["report"] for v in fresh.values()]
    assert sum(r["bad_lines"] for r in reports) >= 6
    assert sum(r["continuation_lines"] for r in reports) >= 3
    assert sum(r["blank_lines"] for r in reports) >= 3
    reasons = set().union(*(r["bad_by_reason"] for r in reports))
    assert {"no format match", "wrong type", "invalid JSON", "not a JSON object", "wrong column count",
            "malformed CSV"} <= reasons


def test_committed_detector_scores_are_what_python_computes(jvm):
    """Python re-scores the committed detector zips on the vectors' lines: same scores, same flags."""
    tool = _tool()
    fresh = tool.build_detector_vectors(tool.VECTOR_DIR)
    assert {json.loads(t)["kind"] for t in fresh.values()} == {"next_event", "sequence_classifier"}
    for name, text in fresh.items():
        want = json.loads(text)
        committed = tool.VECTOR_DIR / name
        assert committed.is_file(), f"{committed} is missing: run python {TOOL.relative_to(REPO)}"
        have = json.loads(committed.read_text(encoding="utf-8"))
        assert have["flags"] == want["flags"], f"{name} is stale: run python {TOOL.relative_to(REPO)}"
        assert max(abs(a - b) for a, b in zip(have["scores"], want["scores"])) <= 1e-6
        assert 0 < sum(want["flags"]) < len(want["flags"])


def test_the_jvms_codec_table_names_pythons_codecs_and_aliases():
    """``PythonCodecs.java``: each codec is a Python codec name, and each alias resolves to it in Python."""
    import codecs
    import re

    source = (REPO / "java" / "src" / "main" / "java" / "io" / "dl4jbridge" / "etl" / "PythonCodecs.java").read_text(
        encoding="utf-8")
    entries = re.findall(r'codec\("([^"]+)", "([^"]+)", "([^"]*)"\);', source)
    assert len(entries) > 40
    for python, _, aliases in entries:
        assert codecs.lookup(python).name == python
        for alias in aliases.split():
            assert codecs.lookup(alias).name == python, alias
