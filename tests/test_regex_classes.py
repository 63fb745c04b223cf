"""Python's ``\\d \\w \\s \\b`` on the JVM: the committed tables are this Python's, and the launcher reads as Python.

``python/tools/write_regex_classes.py`` writes Python's classes as tables for ``PortableRegex`` (Java source) and
for the JUnit test that checks every code point (``PythonRegexClassesTest``); here the tables are regenerated in
memory and compared with the committed ones, and the differential fuzzer's findings (a ``\\x1c`` that is a blank
for Python's ``\\S``; a combining accent that is no word character for Python's ``\\w``) are scored by both sides.
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata

import pytest

from bridge_testing import REPO
from test_jvm_scorer import _score_both

TOOL = REPO / "python" / "tools" / "write_regex_classes.py"


def _tool():
    spec = importlib.util.spec_from_file_location("write_regex_classes", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_tables_are_this_pythons_classes():
    tool = _tool()
    committed = tool.JAVA_FILE.read_text(encoding="utf-8")
    if f'UNICODE_VERSION = "{unicodedata.unidata_version}"' not in committed:
        pytest.skip(f"the tables are Python 3.11's (Unicode 14.0.0), the reference; this Python has Unicode "
                    f"{unicodedata.unidata_version}: its \\w and \\d differ from the JVM's")
    found = tool.tables()
    stale = f"stale: run python {TOOL.relative_to(REPO)} and commit both files"

    def strip(text: str) -> str:   # all but the lines naming the Python version (3.11.x: the same tables)
        return "\n".join(line for line in text.splitlines() if "Python 3." not in line and "PYTHON_VERSION" not in line)

    assert strip(tool.render_java(found)) == strip(committed), f"{tool.JAVA_FILE.name} is {stale}"
    assert strip(tool.render_table(found)) == strip(tool.TABLE_FILE.read_text(encoding="utf-8")), \
        f"{tool.TABLE_FILE.name} is {stale}"
    assert len(found["SPACE"]) == 10 and (0x1C, 0x20) in found["SPACE"]


def _repro_host_regex():
    from dl4j_bridge.etl import Pipeline, Template, TextReader, Windows

    return Pipeline(TextReader(regex=r"(?P<Host>\S+) (?P<Msg>.*)", continuation=None, mode="lenient"),
                    [Template("Msg")], Windows(length=1, next_event=True))


def _repro_extract_word():
    from dl4j_bridge.etl import Categorical, Extract, Pipeline, Template, TextReader, Windows

    return Pipeline(TextReader("<Host> <Msg>", mode="lenient"),
                    [Template("Msg"), Extract("Msg", r"user (\w+)", "user"), Categorical("user")],
                    Windows(length=1, next_event=True))


def _masking_word_boundary():
    from dl4j_bridge.etl import MaskingRule, Pipeline, Template, TemplateMiner, TextReader, Windows

    miner = TemplateMiner([MaskingRule(r"\b\w+=\S*", name="key=value"), MaskingRule(r"\d+", name="digits")])
    return Pipeline(TextReader("<Host> <Msg>", mode="lenient"), [Template("Msg", miner=miner)],
                    Windows(length=1, next_event=True))


E = "e\u0301"   # e and a combining acute accent (decomposed): the accent is no word character for Python
CASES = {
    # fuzzer repro 3: Python's \S stops at U+001C, so the line does not match (a bad line)
    "repro3_S_and_x1c": (_repro_host_regex, ["web login ok", "db logout", "web error x"] * 10,
                         ["web login ok", "web\x1cfront logout", "web error x", "web login ok"]),
    # fuzzer repro 4: Python's \w+ stops before U+0301: the extracted user is "ren", which training saw
    "repro4_w_and_combining_mark": (_repro_extract_word, [f"web login ok user ren{E}", "web logout user bob",
                                                          f"web error x user ren{E}"] * 10,
                                    [f"web login ok user ren{E}", "web logout user bob", f"web error x user ren{E}",
                                     "web login ok user bob"]),
    # a masking rule with \b and \w: a word boundary between the accent and "x"; ² is a word character; \x1d a blank
    "masking_b_w": (_masking_word_boundary, [f"web set {E}x=1 ok", "web set y\u00b2=2 ok", "web get a\x1db ok"] * 10,
                    [f"web set {E}x=1 ok", "web set y\u00b2=2 ok", "web get a\x1db ok", f"web set {E}x=3 ok"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_launcher_scores_as_python_where_java_classes_differ(jvm, tmp_path, case):
    from dl4j_bridge.detectors import NextEventDetector

    build, train, test = CASES[case]
    pipeline = build()
    pipeline.fit(train)
    detector = NextEventDetector(top_g=1, score="nll", n_events=pipeline.n_template_ids, hidden_sizes=(4,), epochs=1,
                                 batch_size=16, learning_rate=0.05, patience=0, validation_fraction=0.0,
                                 threshold="fixed", threshold_value=0.0, seed=3)
    detector.fit(pipeline.transform(train))
    model = detector.save(tmp_path / "model.zip", pipeline=pipeline)
    source = tmp_path / "test.log"
    source.write_text("\n".join(test) + "\n", encoding="utf-8")
    java, python, python_rows = _score_both(model, source)
    summary = json.loads(java.stderr.strip().splitlines()[-1])
    bad = 1 if case == "repro3_S_and_x1c" else 0
    assert summary["bad_lines"] == bad and f"bad_lines {bad}" in python.stderr, (summary, python.stderr[-500:])
