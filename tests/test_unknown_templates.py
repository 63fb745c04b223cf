"""Records whose template the model never saw in training (the unknown-template id 0, ``<OOV>``).

A new user scored loghub's Linux sample with a next-event model trained on its OpenSSH sample: 1990 of 1990 windows
flagged, every event ``<OOV>``, and neither ``score`` said why. Both ``score``s (and ``serve``, ``evaluate``) now
count such records (``unknown_template_records``, same key and number on both sides) and, when they are more than
half of the records, warn in the same words. A pipeline without a Template transform has no such id: no count.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from bridge_testing import DIST, REPO, missing_resource
from dl4j_bridge.etl import SYSLOG_FORMAT, Categorical, LogGenerator, Numeric, Pipeline, Template, TextReader, Windows
from dl4j_bridge.etl.transforms import unknown_template_warning

WINDOW = 6


def _foreign(n: int) -> list[str]:
    """Syslog lines the generator's format reads, with messages no generated template resembles."""
    words = ["quux", "frobnicated", "zorblax", "wibble", "plugh", "xyzzy", "grault", "garply", "waldo", "fred"]
    return [f"Mar 05 10:{i // 60 % 60:02d}:{i % 60:02d} combo oddd[{100 + i}]: {words[i % 10]} {words[(i + 3) % 10]} "
            f"{words[(i + 7) % 10]} zz{i % 7} {words[(i + 1) % 10]} {words[(i + 5) % 10]}" for i in range(n)]


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("unknown_templates")
    generated = LogGenerator(seed=31, anomaly_rate=0.0).syslog(1600).lines
    own = directory / "own.log"
    own.write_text("\n".join(generated[1200:]) + "\n", encoding="utf-8")
    foreign = directory / "app.log"
    foreign.write_text("\n".join(_foreign(300)) + "\n", encoding="utf-8")
    return {"train": generated[:1200], "own": own, "foreign": foreign, "dir": directory}


def _pipeline():
    return Pipeline(TextReader(SYSLOG_FORMAT, mode="lenient"), [Template("Content"), Categorical("Service")],
                    Windows(WINDOW, stride=1, next_event=True))


def test_the_pipeline_counts_unknown_templates_and_warns_when_most_are(logs, caplog):
    pipeline = _pipeline()
    pipeline.fit(logs["train"])
    with caplog.at_level(logging.WARNING):
        pipeline.transform(logs["own"])
    assert pipeline.unknown_template_records < 40   # a few rare templates at most: no warning
    assert "never saw in training" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        pipeline.transform(logs["foreign"])
    assert pipeline.unknown_template_records == 300
    assert unknown_template_warning("app.log", 300, 300) in caplog.text
    assert ("app.log: 300 of 300 records (100%) hold a template the model never saw in training "
            "(unknown_template_records): is this the log the model was trained for?") in caplog.text


def test_the_warning_starts_above_half_of_the_records():
    assert unknown_template_warning("a.log", 5, 10) is None
    assert unknown_template_warning("a.log", 0, 0) is None
    assert unknown_template_warning("a.log", 6, 10).startswith("a.log: 6 of 10 records (60%) hold a template")
    assert "(99%)" in unknown_template_warning("a.log", 1989, 1990)   # rounded down: 100% only when all are


def test_a_pipeline_without_templates_counts_none(caplog):
    lines = [json.dumps({"bytes": i % 17}) for i in range(200)]
    from dl4j_bridge.etl import JsonLinesReader

    pipeline = Pipeline(JsonLinesReader({"bytes": "bytes"}), [Numeric("bytes")], Windows(4, stride=1))
    pipeline.fit(lines)
    with caplog.at_level(logging.WARNING):
        pipeline.transform(lines)
    assert pipeline.unknown_template_records == 0 and "never saw in training" not in caplog.text
    from dl4j_bridge.cli import _value_counts

    assert "unknown_template_records" not in _value_counts(pipeline)


# ---------------------------------------------------------------------- both scores
@pytest.fixture(scope="module")
def model(jvm, logs):
    from dl4j_bridge.detectors import NextEventDetector

    pipeline = _pipeline()
    pipeline.fit(logs["train"])
    detector = NextEventDetector(top_g=3, score="share", n_events=pipeline.n_template_ids, hidden_sizes=(4,),
                                 epochs=1, batch_size=512, learning_rate=0.02, patience=0, validation_fraction=0.0,
                                 threshold="fixed", threshold_value=0.5, seed=4)
    detector.fit(pipeline.transform(logs["train"]))
    return detector.save(logs["dir"] / "next_event.zip", pipeline=pipeline)


def _launcher(*args):
    launcher = DIST / "bin" / "dl4j-bridge"
    if not launcher.is_file():
        missing_resource(f"the launcher {launcher} (run: make build)")
    return subprocess.run([str(launcher), *map(str, args)], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, OMP_NUM_THREADS="2"))


def _python(*args):
    return subprocess.run([sys.executable, "-m", "dl4j_bridge", *map(str, args)], cwd=str(REPO), capture_output=True,
                          text=True, timeout=600, env=dict(os.environ, OMP_NUM_THREADS="2"))


def _python_summary(stderr: str) -> dict:
    """Python's summary line (``N sequences scored, ...; lines N, records N, ...``) as counts by key."""
    line = stderr.strip().splitlines()[-1]
    counts = {}
    for part in line.split("; ", 1)[1].split(", "):
        key, _, value = part.partition(" ")
        if value.isdigit():
            counts[key] = int(value)
    return counts


def _both_score(model, source):
    """The launcher's and Python's ``score`` of ``source`` (both finished: exit 0 or 1)."""
    java = _launcher("score", "--model", model, "--input", source)
    python = _python("score", "--model", model, "--input", source)
    assert java.returncode in (0, 1) and python.returncode in (0, 1), (java.stderr[-2000:], python.stderr[-2000:])
    return java, python


def test_both_scores_count_unknown_templates_and_warn_in_the_same_words(model, logs):
    """The user's walkthrough: every record of a foreign log unknown, and neither side said so."""
    source = logs["foreign"]
    java, python = _both_score(model, source)
    summary = json.loads(java.stderr.strip().splitlines()[-1])
    assert summary["unknown_template_records"] == 300 == summary["records"], summary
    assert _python_summary(python.stderr)["unknown_template_records"] == 300, python.stderr[-2000:]
    words = unknown_template_warning(str(source), 300, 300)
    assert words in java.stderr and words in python.stderr, (java.stderr[-2000:], python.stderr[-2000:])
    assert java.stdout == python.stdout


def test_neither_score_warns_on_the_models_own_log(model, logs):
    java, python = _both_score(model, logs["own"])
    summary = json.loads(java.stderr.strip().splitlines()[-1])
    assert summary.get("unknown_template_records", 0) == \
        _python_summary(python.stderr).get("unknown_template_records", 0) < summary["records"] / 10
    assert "never saw in training" not in java.stderr and "never saw in training" not in python.stderr


def test_a_mixed_log_counts_the_same_on_both_sides(model, logs, tmp_path):
    """Half foreign: counted on both sides alike, no warning at exactly half (the threshold is more than half)."""
    own = logs["own"].read_text(encoding="utf-8").splitlines()[:150]
    mixed = tmp_path / "mixed.log"
    mixed.write_text("\n".join(line for pair in zip(own, _foreign(150)) for line in pair) + "\n", encoding="utf-8")
    java = _launcher("score", "--model", model, "--input", mixed, "--all")
    python = _python("score", "--model", model, "--input", mixed, "--all")
    summary = json.loads(java.stderr.strip().splitlines()[-1])
    assert summary["unknown_template_records"] == _python_summary(python.stderr)["unknown_template_records"] >= 150
    warned = summary["unknown_template_records"] * 2 > summary["records"]
    words = unknown_template_warning(str(mixed), summary["unknown_template_records"], summary["records"])
    assert (words is not None) == warned
    if warned:
        assert words in java.stderr and words in python.stderr
    else:
        assert "never saw in training" not in java.stderr + python.stderr
    assert java.stdout == python.stdout


def test_serve_counts_unknown_templates_in_headers_and_health(model, logs):
    import http.client
    import re

    proc = subprocess.Popen([str(DIST / "bin" / "dl4j-bridge"), "serve", "--model", str(model), "--port", "0",
                             "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS="2"))
    try:
        port = None
        while port is None:
            line = proc.stderr.readline()
            if not line:
                pytest.fail("serve did not print its address")
            found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None

        def ask(method, path, body=None):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                connection.request(method, path, body=body)
                answer = connection.getresponse()
                return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
            finally:
                connection.close()

        status, _, body = ask("GET", "/health")
        assert status == 200 and json.loads(body)["unknown_template_records"] == 0
        status, headers, _ = ask("POST", "/score", logs["foreign"].read_bytes())
        assert status == 200 and headers["x-unknown-template-records"] == "300", headers
        status, headers, _ = ask("POST", "/score", logs["own"].read_bytes())
        own = int(headers.get("x-unknown-template-records", "0"))
        status, _, body = ask("GET", "/health")
        assert json.loads(body)["unknown_template_records"] == 300 + own
    finally:
        proc.terminate()
        proc.wait(60)
        proc.stderr.close()


def test_evaluate_counts_unknown_templates_in_its_read_line_and_warns(jvm, tmp_path):
    """evaluate's report says what it read ("Input read"): the count is there, and the warning on standard error."""
    from dl4j_bridge.detectors import NextEventDetector
    from dl4j_bridge.etl import JsonLinesReader, Label

    train = LogGenerator(seed=32, anomaly_rate=0.0).json_lines(800).lines
    pipeline = Pipeline(JsonLinesReader({"message": "message", "label": "label"}), [Template("message"), Label("label")],
                        Windows(WINDOW, stride=1, next_event=True))
    pipeline.fit(train)
    detector = NextEventDetector(top_g=3, n_events=pipeline.n_template_ids, hidden_sizes=(4,), epochs=1,
                                 batch_size=512, patience=0, validation_fraction=0.0, threshold="fixed",
                                 threshold_value=0.5, seed=4)
    detector.fit(pipeline.transform(train))
    model = detector.save(tmp_path / "labelled.zip", pipeline=pipeline)
    foreign = tmp_path / "app.jsonl"
    messages = [line.split(": ", 1)[1] for line in _foreign(200)]
    foreign.write_text("".join(json.dumps({"message": m, "label": int(i % 50 == 0)}) + "\n"
                               for i, m in enumerate(messages)), encoding="utf-8")
    proc = _python("evaluate", "--model", model, "--input", foreign, "--report", tmp_path / "report")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert unknown_template_warning(str(foreign), 200, 200) in proc.stderr, proc.stderr[-3000:]
    read = next(line for line in (tmp_path / "report" / "report.md").read_text(encoding="utf-8").splitlines()
                if line.startswith("Input read"))
    assert "unknown_template_records 200" in read, read


# ---------------------------------------------------------------------- train and update
TRAIN_CONFIG = """
[data]
train = "{train}"
{test}

[reader]
kind = "jsonl"
fields = {{ message = "message" }}

[[transforms]]
kind = "template"
column = "message"

[sequence]
kind = "windows"
length = 6
next_event = true
{split}
[detectors.ne]
kind = "next_event"
hidden_sizes = [4]
epochs = 1
batch_size = 512
validation_fraction = 0.0

[baselines]
pca = false
isolation_forest = false

[output]
seed = 3
report = "{report}"
models = "{models}"
"""


def _messages(lines) -> list[str]:
    return [json.dumps({"message": json.loads(line)["message"]}) for line in lines]


@pytest.mark.parametrize("split", [False, True])
def test_train_counts_the_test_parts_unknown_templates_in_its_report_and_results(jvm, tmp_path, split, capsys):
    """Only a warning said so: the report's Read line, results.json and the console count them now, the test part's
    only."""
    from dl4j_bridge.cli import main

    own = _messages(LogGenerator(seed=33, anomaly_rate=0.0).json_lines(900).lines)
    foreign = [json.dumps({"message": line.split(": ", 1)[1]}) for line in _foreign(40)]
    if split:   # one file: its last 30% (foreign lines included) is the test part
        (tmp_path / "all.jsonl").write_text("\n".join(own[:700] + foreign + own[700:]) + "\n", encoding="utf-8")
        data, test, split_table = tmp_path / "all.jsonl", "", '[split]\nkind = "chronological"\ntest_fraction = 0.32\n'
    else:
        (tmp_path / "train.jsonl").write_text("\n".join(own[:600]) + "\n", encoding="utf-8")
        (tmp_path / "test.jsonl").write_text("\n".join(foreign + own[600:]) + "\n", encoding="utf-8")
        data, test, split_table = tmp_path / "train.jsonl", f'test = "{tmp_path / "test.jsonl"}"', ""
    config = tmp_path / "run.toml"
    config.write_text(TRAIN_CONFIG.format(train=data, test=test, split=split_table, report=tmp_path / "report",
                                          models=tmp_path / "models"), encoding="utf-8")
    assert main(["train", "--config", str(config)]) == 0
    results = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))
    unknown = results["unknown_template_records"]
    assert f"test part: unknown_template_records {unknown} (records whose template" in capsys.readouterr().out
    assert 40 <= unknown < 60   # the foreign lines, and maybe a rare template of the rest, never a training record
    read = next(line for line in (tmp_path / "report" / "report.md").read_text(encoding="utf-8").splitlines()
                if line.startswith("Read:"))
    assert f"Test part: unknown_template_records {unknown} (records whose template the model never saw" in read, read


def test_update_counts_each_files_unknown_templates_in_its_summary(jvm, tmp_path, capsys):
    from dl4j_bridge.cli import main
    from dl4j_bridge.detectors import NextEventDetector, load_detector
    from dl4j_bridge.etl import JsonLinesReader

    own = _messages(LogGenerator(seed=34, anomaly_rate=0.0).json_lines(700).lines)
    pipeline = Pipeline(JsonLinesReader({"message": "message"}), [Template("message")],
                        Windows(WINDOW, stride=1, next_event=True))
    pipeline.fit(own[:500])
    detector = NextEventDetector(top_g=3, n_events=pipeline.n_template_ids, hidden_sizes=(4,), epochs=1,
                                 batch_size=512, patience=0, validation_fraction=0.0, seed=4)
    detector.fit(pipeline.transform(own[:500]))
    model = detector.save(tmp_path / "ne.zip", pipeline=pipeline)
    reported, normal = tmp_path / "reported.jsonl", tmp_path / "normal.jsonl"
    foreign = [json.dumps({"message": line.split(": ", 1)[1]}) for line in _foreign(7)]
    reported.write_text("\n".join(own[500:530] + foreign) + "\n", encoding="utf-8")
    normal.write_text("\n".join(own[:500]) + "\n", encoding="utf-8")
    assert main(["update", "--model", str(model), "--input", str(reported), "--with-normal", str(normal),
                 "--output", str(tmp_path / "ne2.zip"), "--epochs", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    line = next(l for l in out if l.startswith("--input "))
    counted = int(line.split("unknown_template_records ")[1].split(",")[0])
    assert 7 <= counted < 12, line
    normal_line = next(l for l in out if l.startswith("--with-normal "))
    assert "unknown_template_records" not in normal_line   # its own training log: none unknown, not listed
    entry = load_detector(tmp_path / "ne2.zip").updates_[-1]
    assert entry["reported_unknown_template_records"] == counted and entry["normal_unknown_template_records"] == 0
