"""The JVM-only scorer: the launcher and the README's Java example give Python's scores and flags.

Detectors are trained here with ``dl4j_bridge.detectors`` on generated logs and saved with their ETL
pipeline (one zip each). Python's ``dl4j-bridge score`` (``python -m dl4j_bridge score``) and the
JVM-only ``bin/dl4j-bridge score`` score the same raw test log: the same rows (keys and values), scores
and probabilities within 1e-5, identical flags.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bridge_testing import DIST, REPO, missing_resource
from dl4j_bridge.etl.readers import duplicate_key_warning
from dl4j_bridge.etl.sequences import unwindowed_warning

WINDOW = 8


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    from dl4j_bridge.etl import LogGenerator

    directory = tmp_path_factory.mktemp("jvm_scorer")
    generated = LogGenerator(seed=21, anomaly_rate=0.03).syslog(4000).lines
    test_log = directory / "test.log"
    test_log.write_text("\n".join(generated[3000:] + ["a line that matches no format", ""]) + "\n",
                        encoding="utf-8")
    records = LogGenerator(seed=22, anomaly_rate=0.08).json_lines(3000).lines
    test_jsonl = directory / "test.jsonl"
    test_jsonl.write_text("\n".join(records[2200:]) + "\n", encoding="utf-8")
    return {"train": generated[:3000], "test_log": test_log, "train_jsonl": records[:2200],
            "test_jsonl": test_jsonl, "dir": directory}


@pytest.fixture(scope="module")
def detector_zip(jvm, logs):
    """A NextEventDetector on syslog text windows, saved with its pipeline."""
    from dl4j_bridge.detectors import NextEventDetector
    from dl4j_bridge.etl import SYSLOG_FORMAT, SYSLOG_TIME_FORMAT, Categorical, Pipeline, Template, TextReader, \
        Timestamp, Windows

    pipeline = Pipeline(TextReader(SYSLOG_FORMAT, mode="lenient"),
                        [Template("Content"), Categorical("Service"),
                         Timestamp(["Month", "Day", "Time"], format=SYSLOG_TIME_FORMAT, year=2024)],
                        Windows(WINDOW, stride=1, next_event=True))
    pipeline.fit(logs["train"])
    detector = NextEventDetector(top_g=3, score="share", n_events=pipeline.n_template_ids, hidden_sizes=(16,),
                                 epochs=2, batch_size=512, learning_rate=0.02, patience=0, validation_fraction=0.2,
                                 threshold="contamination", contamination=0.1, seed=4)
    detector.fit(pipeline.transform(logs["train"]))
    return detector.save(logs["dir"] / "next_event.zip", pipeline=pipeline)


@pytest.fixture(scope="module")
def classifier_zip(jvm, logs):
    """A SequenceClassifier on JSON-lines windows with labelled records, saved with its pipeline."""
    from dl4j_bridge.detectors import SequenceClassifier
    from dl4j_bridge.etl import Categorical, IpAddress, JsonLinesReader, Label, Numeric, Pipeline, Port, Template, \
        Timestamp, Windows

    pipeline = Pipeline(JsonLinesReader({"time": "@timestamp", "message": "message", "service": "service",
                                         "src_ip": ["source.ip", "srcIP"], "dst_port": "destination.port",
                                         "bytes": "bytes", "label": "label"}),
                        [Template("message"), Categorical("service"), IpAddress("src_ip"), Port("dst_port"),
                         Numeric("bytes", log1p=True, indicator=True), Timestamp("time"), Label("label")],
                        Windows(WINDOW, stride=2))
    pipeline.fit(logs["train_jsonl"])
    detector = SequenceClassifier(hidden_sizes=(8,), epochs=3, batch_size=256, learning_rate=0.02, patience=0,
                                  validation_fraction=0.0, threshold="fixed", threshold_value=0.5, seed=5)
    detector.fit(pipeline.transform(logs["train_jsonl"]))
    return detector.save(logs["dir"] / "classifier.zip", pipeline=pipeline)


def _launcher(*args, stdin=None, timeout=300):
    launcher = DIST / "bin" / "dl4j-bridge"
    if not launcher.is_file():
        missing_resource(f"the launcher {launcher} (run: make build)")
    env = dict(os.environ, OMP_NUM_THREADS="2")
    return subprocess.run([str(launcher), *map(str, args)], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=env)


def _python_cli(model, source, *extra):
    """The rows of Python's ``dl4j-bridge score`` (its own process and JVM)."""
    proc = subprocess.run([sys.executable, "-m", "dl4j_bridge", "score", "--model", str(model), "--input", str(source),
                           *extra], cwd=str(REPO), capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, OMP_NUM_THREADS="2"))
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == (1 if any(row["flagged"] for row in rows) else 0), proc.stderr[-3000:]
    return rows


def _same_rows(java_rows, python_rows):
    """Same keys and values; floats (scores, probabilities) within 1e-5."""
    assert len(java_rows) == len(python_rows)
    for j, p in zip(java_rows, python_rows):
        assert list(j) == list(p), (j, p)
        for name, value in p.items():
            if isinstance(value, float):
                assert abs(j[name] - value) <= 1e-5, (name, j, p)
            elif name == "unexpected_lines":   # probabilities within 1e-5 as the row's own; lines and events exact
                assert [(u["line"], u["event"]) for u in j[name]] == [(u["line"], u["event"]) for u in value], (j, p)
                assert all(abs(a["probability"] - b["probability"]) <= 1e-5 for a, b in zip(j[name], value)), (j, p)
            else:
                assert j[name] == value, (name, j, p)


def _score_both(model, source):
    """``score --all`` of ``source`` by the launcher and by Python's CLI, checked to give the same exit code and rows:
    ``(launcher process, Python process, Python's rows)``."""
    java = _launcher("score", "--model", model, "--input", source, "--all")
    assert java.returncode in (0, 1), java.stderr[-3000:]
    python = subprocess.run([sys.executable, "-m", "dl4j_bridge", "score", "--model", str(model), "--input",
                             str(source), "--all"], cwd=str(REPO), capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, OMP_NUM_THREADS="2"))
    assert python.returncode == java.returncode, python.stderr[-3000:]
    python_rows = _json_lines(python.stdout)
    _same_rows(_json_lines(java.stdout), python_rows)
    return java, python, python_rows


def _json_lines(text: str) -> list:
    """Rows split at newlines only: ``str.splitlines`` also splits at U+2028 and the like, which a JSON string (a
    class name, a key) may hold unescaped (``json.dumps(ensure_ascii=False)`` writes them as they are)."""
    return [json.loads(line) for line in text.split("\n") if line]


def _launcher_against_python(model, source):
    """Scores the raw file with the launcher and with Python's CLI: the same rows, flags and scores."""
    proc = _launcher("score", "--model", model, "--input", source, "--all")
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    python_rows = _python_cli(model, source, "--all")
    _same_rows(results, python_rows)
    flags = np.array([r["flagged"] for r in python_rows])
    assert proc.returncode == (1 if flags.any() else 0)
    return flags, results, proc


def test_launcher_prints_pythons_rows_for_the_next_event_model(detector_zip, logs):
    flags, results, proc = _launcher_against_python(detector_zip, logs["test_log"])
    assert len(results) > 900 and 0 < flags.sum() < len(flags)
    flagged = next(r for r in results if r["flagged"])
    assert len(flagged["expected_events"]) == 3 and flagged["actual_template"] and flagged["line_number"]
    # every unexpected step's line, on both sides alike (compared above): the first is the deciding one
    several = [r for r in results if len(r.get("unexpected_lines", [])) > 1]
    assert several, "no row with several unexpected steps: the comparison would not see the list"
    for r in results:
        assert ("unexpected_lines" in r) == (r["unexpected_steps"] > 0), r
        if r["unexpected_steps"]:
            assert len(r["unexpected_lines"]) == r["unexpected_steps"] and "unexpected_lines_more" not in r
            first = r["unexpected_lines"][0]
            assert (first["line"], first["event"], first["probability"]) == \
                (r["actual_line"], r["actual_event"], r["probability"]), r
            lines = [u["line"] for u in r["unexpected_lines"]]
            assert lines == sorted(set(lines)) and set(lines) <= set(r["line_numbers"][1:]) | {lines[-1]}, r
    summary = json.loads(proc.stderr.strip().splitlines()[-1])
    assert summary["bad_lines"] == 1 and summary["blank_lines"] == 1 and summary["flagged"] == int(flags.sum())
    # without --all both sides print the flagged rows only
    only = [json.loads(line) for line in _launcher("score", "--model", detector_zip, "--input",
                                                    logs["test_log"]).stdout.splitlines()]
    assert [r["index"] for r in only] == [r["index"] for r in results if r["flagged"]]


def test_launcher_prints_pythons_rows_for_the_classifier_on_json_lines(classifier_zip, logs):
    _, results, _ = _launcher_against_python(classifier_zip, logs["test_jsonl"])
    assert len(results) > 300 and all("predicted_class" in r for r in results)


def test_stdin_stream_and_threshold_override(detector_zip, logs):
    text = logs["test_log"].read_text(encoding="utf-8")
    everything = _launcher("score", "--model", detector_zip, "--input", "-", "--threshold", "-1", stdin=text)
    nothing = _launcher("score", "--model", detector_zip, "--input", "-", "--threshold", "2", "--all", stdin=text)
    assert everything.returncode == 1, everything.stderr[-2000:]
    assert nothing.returncode == 0, nothing.stderr[-2000:]
    rows = [json.loads(line) for line in nothing.stdout.splitlines()]
    assert len(rows) > 900 and not any(r["flagged"] for r in rows)
    assert len(everything.stdout.splitlines()) == len(rows)
    assert all(json.loads(line)["flagged"] for line in everything.stdout.splitlines())


def _live_score_with_first_rows(command: str, detector_zip, lines: list, *options, rows: int = 4):
    """``score --input - --all`` by the launcher or Python, fed the first 13 of ``lines`` with stdin left open,
    once its first 4 rows arrived: ``(process, bytes read from its stdout)``. The text reader holds the last
    record back (continuation lines may follow), so 12 records are complete, and windows 1..4 (8 records and
    the one after each) can be scored."""
    import select

    if command == "launcher":
        launcher = DIST / "bin" / "dl4j-bridge"
        if not launcher.is_file():
            missing_resource(f"the launcher {launcher} (run: make build)")
        argv = [str(launcher)]
    else:
        argv = [sys.executable, "-m", "dl4j_bridge"]
    proc = subprocess.Popen(argv + ["score", "--model", str(detector_zip), "--input", "-", "--all", *map(str, options)],
                            cwd=str(REPO),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
                            env=dict(os.environ, OMP_NUM_THREADS="2"))
    try:
        proc.stdin.write(("\n".join(lines[:WINDOW + 5]) + "\n").encode("utf-8"))
        proc.stdin.flush()
        received = b""
        while received.count(b"\n") < rows:
            ready, _, _ = select.select([proc.stdout], [], [], 120)
            assert ready, "no result within 120 s while stdin is open"
            chunk = os.read(proc.stdout.fileno(), 65536)  # the raw pipe: no buffering hides lines from select
            assert chunk, f"{command} ended early: {proc.stderr.read()[-2000:]}"
            received += chunk
    except BaseException:
        proc.kill()
        raise
    return proc, received


@pytest.mark.parametrize("command", ["launcher", "python"])
def test_stdin_results_come_before_the_input_ends(detector_zip, logs, tmp_path, command):
    """A live stream: windows complete so far are scored and printed while stdin stays open, by the launcher and
    by Python's score (which wrote rows only per 4096 sequences, or at the end: nothing while tail -f ran)."""
    lines = logs["test_log"].read_text(encoding="utf-8").splitlines()
    proc, received = _live_score_with_first_rows(command, detector_zip, lines)
    try:
        early = [json.loads(line) for line in received.decode("utf-8").splitlines()]
        assert proc.poll() is None, "the launcher must still be reading stdin"
        assert [r["key"] for r in early] == [1, 2, 3, 4]
        proc.stdin.write(("\n".join(lines[WINDOW + 5:WINDOW + 20]) + "\n").encode("utf-8"))
        proc.stdin.close()
        rest = [json.loads(line) for line in proc.stdout.read().decode("utf-8").splitlines()]
        assert proc.wait(timeout=120) in (0, 1), proc.stderr.read()[-2000:]
        assert [r["key"] for r in early + rest] == list(range(1, 21))  # 28 records, windows of 8 + 1
        assert [r["index"] for r in early + rest] == list(range(20))
        # the rows of the same lines read from a file (scored in one minibatch: scores within 1e-5)
        whole = tmp_path / "28.log"
        whole.write_text("\n".join(lines[:WINDOW + 20]) + "\n", encoding="utf-8")
        run = _launcher if command == "launcher" else _python
        _same_rows(early + rest, [json.loads(line) for line in
                                  run("score", "--model", detector_zip, "--input", whole, "--all").stdout.splitlines()])
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("command", ["launcher", "python"])
def test_a_live_stdins_rejected_lines_reach_the_quarantine_file_while_it_waits(detector_zip, logs, tmp_path, command):
    """``tail -f app.log | score --input - --lenient --quarantine bad.jsonl``: the bad lines read so far are in
    the file while stdin stays open (both sides held them in a buffer until the end)."""
    lines = logs["test_log"].read_text(encoding="utf-8").splitlines()
    junk = "%%% this is not a syslog line %%%"
    quarantine = tmp_path / f"{command}.jsonl"
    proc, _ = _live_score_with_first_rows(command, detector_zip, lines[:2] + [junk] + lines[2:], "--lenient",
                                          "--quarantine", quarantine, rows=3)   # 12 records: 3 windows
    try:
        assert proc.poll() is None, "still reading stdin"
        deadline = time.monotonic() + 30
        while junk not in (quarantine.read_text(encoding="utf-8") if quarantine.exists() else "") \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        records = [json.loads(line) for line in quarantine.read_text(encoding="utf-8").splitlines()]
        assert [(r["line"], r["text"]) for r in records] == [(3, junk)], records
        assert proc.poll() is None
        proc.stdin.close()
        proc.stdout.read()
        assert proc.wait(timeout=120) in (0, 1), proc.stderr.read()[-2000:]
        assert [json.loads(line)["text"] for line in quarantine.read_text(encoding="utf-8").splitlines()] == [junk]
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_lenient_read_where_every_line_is_bad_is_exit_3_on_both_sides_not_nothing_flagged(detector_zip, logs,
                                                                                           tmp_path):
    """The wrong log for the model (JSON lines for a syslog model) in lenient mode used to exit 0, "nothing
    flagged", with no word from the launcher."""
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text("".join(json.dumps({"message": f"hello {i}"}) + "\n" for i in range(40)), encoding="utf-8")
    runs = [run("score", "--model", detector_zip, "--input", wrong, "--lenient") for run in (_launcher, _python)]
    assert [p.returncode for p in runs] == [3, 3], [p.stderr[-2000:] for p in runs]
    errors = [re.search(r"every line was bad \(40 bad line\(s\), no record\): nothing was scored; is this the "
                        r"model for this log[^\n]*", p.stderr) for p in runs]
    assert all(errors) and errors[0].group(0) == errors[1].group(0), [p.stderr[-2000:] for p in runs]
    warnings = [re.search(r"\S*wrong\.jsonl: 40 bad lines \{[^}]*\}", p.stderr) for p in runs]
    assert all(warnings) and warnings[0].group(0) == warnings[1].group(0), warnings   # the same warning
    assert warnings[0].group(0).endswith("40 bad lines {'no format match': 40}")
    # with --quarantine given, the advice points at that file and the reasons, not at --quarantine again
    runs = [run("score", "--model", detector_zip, "--input", wrong, "--lenient", "--quarantine",
                tmp_path / f"bad_{n}.jsonl") for n, run in enumerate((_launcher, _python))]
    assert [p.returncode for p in runs] == [3, 3], [p.stderr[-2000:] for p in runs]
    errors = [re.search(r"every line was bad [^\n]*", p.stderr).group(0) for p in runs]
    assert errors[0].replace("bad_0.jsonl", "bad_1.jsonl") == errors[1], errors
    assert "--quarantine" not in errors[1] and errors[1].endswith(
        f"The bad lines are in {tmp_path / 'bad_1.jsonl'}, each with its reason ({{'no format match': 40}}): compare "
        "one with the fields the model reads, or see the first one's error with --strict"), errors[1]
    # one good line among them: a normal lenient read (no window to score: exit 0)
    good = logs["test_log"].read_text(encoding="utf-8").splitlines()[0]
    wrong.write_text(good + "\n" + wrong.read_text(encoding="utf-8"), encoding="utf-8")
    assert [run("score", "--model", detector_zip, "--input", wrong, "--lenient").returncode
            for run in (_launcher, _python)] == [0, 0]


def _with_old_spec(detector_zip, path, edit):
    """A copy of ``detector_zip`` whose ETL spec ``edit`` changed in place, without its manifest (as a file saved
    before manifests: its digests would no longer match)."""
    import zipfile

    with zipfile.ZipFile(detector_zip) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            if name == "dl4j_bridge.manifest.json":
                continue
            data = src.read(name)
            if name == "dl4j_bridge.etl_spec.json":
                spec = json.loads(data)
                edit(spec)
                data = json.dumps(spec).encode("utf-8")
            dst.writestr(name, data)
    return path


def _warns_on_both_sides(old, detector_zip, logs, caplog, logger, warning):
    """Loading ``old`` logs ``warning`` in Python and the launcher's score prints it; today's model does not."""
    import logging

    from dl4j_bridge.detectors import load_detector

    with caplog.at_level(logging.WARNING, logger=logger):
        load_detector(old)
    assert warning in caplog.text
    java = _launcher("score", "--model", old, "--input", logs["test_log"])
    assert java.returncode in (0, 1), java.stderr[-2000:]
    assert f"dl4j-bridge: warning: {warning}" in java.stderr
    assert warning not in _launcher("score", "--model", detector_zip, "--input", logs["test_log"]).stderr


def test_a_model_with_the_url_rule_of_before_2026_12_02_warns_on_both_sides(detector_zip, logs, tmp_path, caplog):
    """Such models keep the quadratic url rule they were mined with: loading one says so (Python, score, serve)."""
    from dl4j_bridge.etl.templates import OLD_URL_PATTERN, OLD_URL_WARNING

    def old_url(spec):
        rules = [r for t in spec["transforms"] if t["kind"] == "template" for r in t["miner"]["masking"]]
        next(r for r in rules if r["name"] == "url")["pattern"] = OLD_URL_PATTERN

    old = _with_old_spec(detector_zip, tmp_path / "old_url.zip", old_url)
    _warns_on_both_sides(old, detector_zip, logs, caplog, "dl4j_bridge.etl.templates", OLD_URL_WARNING)


def test_a_model_reading_text_with_line_rules_1_warns_on_both_sides(detector_zip, logs, tmp_path, caplog):
    """A model saved before ETL spec version 3 reads stack frames its format matches as records: loading it says so
    (Python, score, serve), and how to get line rules 2."""
    from dl4j_bridge.etl.readers import OLD_LINE_RULES_WARNING

    def version_2(spec):
        assert spec["reader"].pop("line_rules") == 2
        spec["version"] = 2

    old = _with_old_spec(detector_zip, tmp_path / "old_rules.zip", version_2)
    _warns_on_both_sides(old, detector_zip, logs, caplog, "dl4j_bridge.etl.readers", OLD_LINE_RULES_WARNING)


@pytest.mark.parametrize("command", ["launcher", "python"])
def test_a_live_stdin_of_the_wrong_format_fills_the_quarantine_while_it_waits_then_exits_3(detector_zip, tmp_path,
                                                                                         command):
    """``tail -f other.log | score --input - --lenient --quarantine bad.jsonl``: no record ever comes, the rejected
    lines show at once (Python held them until more input came), and the end is exit 3 (every line bad)."""
    quarantine = tmp_path / f"{command}.jsonl"
    argv = ([str(DIST / "bin" / "dl4j-bridge")] if command == "launcher" else [sys.executable, "-m", "dl4j_bridge"])
    proc = subprocess.Popen(argv + ["score", "--model", str(detector_zip), "--input", "-", "--lenient",
                                    "--quarantine", str(quarantine)], cwd=str(REPO), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, OMP_NUM_THREADS="2"))
    try:
        proc.stdin.write(b"%% not syslog 1\n%% not syslog 2\n%% not syslog 3\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not quarantine.exists()
                                               or len(quarantine.read_text(encoding="utf-8").splitlines()) < 3):
            time.sleep(0.1)
        assert proc.poll() is None, "still reading stdin"
        assert [json.loads(line)["line"] for line in quarantine.read_text(encoding="utf-8").splitlines()] == [1, 2, 3]
        # a stack trace line after the pause continues no record: the bad line before it was let go at the pause
        proc.stdin.write(b"    at com.example.Thing.run(Thing.java:1)\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(quarantine.read_text(encoding="utf-8").splitlines()) < 4:
            time.sleep(0.1)
        fourth = json.loads(quarantine.read_text(encoding="utf-8").splitlines()[3])
        assert (fourth["line"], fourth["reason"].split(":")[0]) == (4, "no record to continue"), fourth
        _, err = proc.communicate(timeout=120)   # closes stdin
        assert proc.returncode == 3, err[-2000:]
        assert b"every line was bad (4 bad line(s), no record)" in err
    finally:
        if proc.poll() is None:
            proc.kill()


def test_errors_name_the_problem(detector_zip, logs, tmp_path):
    strict = _launcher("score", "--model", detector_zip, "--input", logs["test_log"], "--strict")
    assert strict.returncode == 3
    assert re.search(r"test\.log:\d+: no format match", strict.stderr), strict.stderr[-2000:]
    assert _launcher("score", "--model", tmp_path / "none.zip", "--input", logs["test_log"]).returncode == 3
    usage = _launcher("score", "--input", logs["test_log"])
    assert usage.returncode == 2 and "missing --model" in usage.stderr


def _python(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "dl4j_bridge", *map(str, args)], cwd=str(REPO), input=stdin,
                          capture_output=True, text=True, timeout=600, env=dict(os.environ, OMP_NUM_THREADS="2"))


def test_python_score_has_the_launchers_strict_lenient_quarantine_and_stdin(detector_zip, logs, tmp_path):
    """--strict, --lenient, --quarantine FILE and --input - mean the same in Python's score as in the launcher's."""
    source = logs["test_log"]
    strict = [run("score", "--model", detector_zip, "--input", source, "--strict") for run in (_launcher, _python)]
    assert [p.returncode for p in strict] == [3, 3], [p.stderr[-2000:] for p in strict]
    (java_error,), (python_error,) = [re.findall(r"test\.log:\d+: no format match[^\n]*", p.stderr) for p in strict]
    assert java_error == python_error
    hints = [re.search(r"to read on, score with --lenient[^\n]*", p.stderr) for p in strict]
    assert all(hints) and hints[0].group(0) == hints[1].group(0)   # both say how to read on, in the same words
    quarantines = []
    for name, run in (("java", _launcher), ("python", _python)):
        quarantine = tmp_path / f"{name}.jsonl"
        proc = run("score", "--model", detector_zip, "--input", "-", "--lenient", "--all", "--quarantine", quarantine,
                   stdin=source.read_text(encoding="utf-8"))
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        quarantines.append(quarantine.read_text(encoding="utf-8").splitlines())
        if name == "java":
            java_rows = [json.loads(line) for line in proc.stdout.splitlines()]
        else:
            _same_rows(java_rows, [json.loads(line) for line in proc.stdout.splitlines()])
    java_bad, python_bad = ([json.loads(line) for line in lines] for lines in quarantines)
    assert java_bad == python_bad and len(python_bad) == 1
    assert (python_bad[0]["source"], python_bad[0]["text"]) == ("<stdin>", "a line that matches no format")
    for run in (_launcher, _python):  # a quarantine needs lenient mode: a usage error on both sides
        assert run("score", "--model", detector_zip, "--input", source, "--strict", "--quarantine",
                   tmp_path / "q.jsonl").returncode == 2


def test_both_refuse_input_without_a_field_the_model_reads(classifier_zip, logs, tmp_path):
    """A mapped field the input lacks (a renamed key) is refused by both, with the same message, not read as
    missing on every record. (Needs a launcher built with the AbsentFieldException change.)"""
    renamed = tmp_path / "renamed.jsonl"
    renamed.write_text(logs["test_jsonl"].read_text(encoding="utf-8").replace('"message":', '"msg":'),
                       encoding="utf-8")
    runs = [run("score", "--model", classifier_zip, "--input", renamed) for run in (_launcher, _python)]
    assert [p.returncode for p in runs] == [3, 3], [p.stderr[-2000:] for p in runs]
    messages = [re.search(r"renamed\.jsonl: field 'message' \(path 'message'\) is in none of its \d+ JSON "
                          r"records[^\n]*", p.stderr) for p in runs]
    assert all(messages), [p.stderr[-2000:] for p in runs]
    assert messages[0].group(0) == messages[1].group(0)


#: Lines of JSON lines input that are no JSON object: json.loads and Jackson worded each reason their own way.
NOT_JSON_LINES = [b"not json", b'{"a": 1,}', b'{"a": "x', b"[1, 2]", b'{"message": NaN}', b'{"message": 1}\xff',
                  b"{}", b'{"a": 01}', b'{"a": "\\x"}', b'{"\xf0\x9f\x98\x80": x}', b'{"a": -INF}', b'{"a": 1}}']


def test_both_give_a_line_that_is_not_json_the_same_reason_and_column(classifier_zip, logs, tmp_path):
    """Quarantine files (byte for byte), bad_by_reason and strict errors are the same on both sides for lines that
    are not valid JSON (the launcher said Jackson's ``Unrecognized token 'not': ...``, Python ``Expecting value: line
    1 column 1 (char 0)``; the launcher read ``-INF``)."""
    good = logs["test_jsonl"].read_bytes().splitlines()[:30]
    data = tmp_path / "mixed.jsonl"
    data.write_bytes(b"\n".join(good[:5] + [line for bad in NOT_JSON_LINES for line in (bad, good[5])] + good[6:])
                     + b"\n")
    runs = []
    for name, run in (("java", _launcher), ("python", _python)):
        proc = run("score", "--model", classifier_zip, "--input", data, "--lenient", "--all", "--quarantine",
                   tmp_path / f"{name}.jsonl")
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        reasons = re.search(r'"?bad_by_reason"?:? ?(\{[^}]*\})', proc.stderr)
        runs.append((proc, json.loads(reasons.group(1)), (tmp_path / f"{name}.jsonl").read_bytes()))
    (java, java_reasons, java_bad), (python, python_reasons, python_bad) = runs
    _same_rows(_json_lines(java.stdout), _json_lines(python.stdout))
    assert java_reasons == python_reasons == {"invalid JSON": 9, "not a JSON object": 1}
    assert java_bad == python_bad
    assert [json.loads(line)["reason"] for line in python_bad.decode("utf-8").splitlines()] == [
        "invalid JSON: expected a value at column 1, found 'n'", "invalid JSON: trailing comma at column 8",
        "invalid JSON: unterminated string at column 7", "not a JSON object: list",
        "invalid JSON: extra data after the value at column 15, found U+FFFD", "invalid JSON: invalid number at column 7",
        "invalid JSON: invalid escape in a string at column 8",
        "invalid JSON: expected a value at column 7, found 'x'", "invalid JSON: invalid number at column 7",
        "invalid JSON: extra data after the value at column 9, found '}'"]
    strict = tmp_path / "strict.jsonl"   # a character beyond U+FFFF: one column, as Python counts
    strict.write_bytes(b"\n".join(good[:3] + [NOT_JSON_LINES[9]]) + b"\n")
    errors = [re.findall(r"strict\.jsonl:\d+: [^\n]*", run("score", "--model", classifier_zip, "--input", strict,
                                                          "--strict").stderr) for run in (_launcher, _python)]
    assert errors[0] == errors[1] == ["strict.jsonl:4: invalid JSON: expected a value at column 7, found 'x'"]


def test_both_score_unlabelled_logs_as_the_labelled_ones_and_say_the_label_is_absent(classifier_zip, logs,
                                                                                       tmp_path):
    """Logs to score have no label: both read on (missing on every row), report it, and give the rows the
    labelled input gets; a directory or an --output in a missing directory is refused before any scoring."""
    records = [json.loads(line) for line in logs["test_jsonl"].read_text(encoding="utf-8").splitlines()]
    unlabelled = tmp_path / "unlabelled.jsonl"
    unlabelled.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "label"}) + "\n" for r in records),
                          encoding="utf-8")
    _, labelled_rows, _ = _launcher_against_python(classifier_zip, logs["test_jsonl"])
    _, rows, proc = _launcher_against_python(classifier_zip, unlabelled)
    _same_rows(rows, labelled_rows)
    summary = json.loads(proc.stderr.strip().splitlines()[-1])
    warning = "the field 'label' is absent from the input"
    # production logs have no labels: listed in the summary, but no warning on every run (a user trial's noise)
    assert summary["absent_fields"] == ["label"] and warning not in proc.stderr, proc.stderr[-2000:]
    python = _python("score", "--model", classifier_zip, "--input", unlabelled)
    assert warning not in python.stderr and "absent_fields ['label']" in python.stderr, python.stderr[-2000:]
    directory = _launcher("score", "--model", classifier_zip, "--input", tmp_path)
    assert directory.returncode == 3 and "is a directory" in directory.stderr
    nowhere = _python("score", "--model", classifier_zip, "--input", unlabelled, "--output", tmp_path / "no" / "x")
    assert nowhere.returncode == 3 and "does not exist: create it first" in nowhere.stderr


def test_both_refuse_a_utf16_file_read_as_utf8_with_the_same_message(detector_zip, logs, tmp_path):
    utf16 = tmp_path / "windows.log"
    utf16.write_text(logs["test_log"].read_text(encoding="utf-8"), encoding="utf-16")
    runs = [run("score", "--model", detector_zip, "--input", utf16) for run in (_launcher, _python)]
    assert [p.returncode for p in runs] == [3, 3], [p.stderr[-2000:] for p in runs]
    messages = [re.search(r"windows\.log: the file starts with a UTF-16 \(little-endian\) byte-order mark[^\n]*",
                          p.stderr) for p in runs]
    assert all(messages), [p.stderr[-2000:] for p in runs]
    assert messages[0].group(0) == messages[1].group(0) and "encoding='utf-16'" in messages[0].group(0)


@pytest.mark.parametrize("codec, says", [
    ("utf-16-le", r"it looks like UTF-16 little-endian without one: convert it \(iconv -f UTF-16LE -t UTF-8 "),
    ("utf-16-be", r"it looks like UTF-16 big-endian without one: convert it \(iconv -f UTF-16BE -t UTF-8 "),
    ("utf-8", r"its first bytes do not look like UTF-16 without one either"),
])
def test_both_refuse_a_file_without_the_byte_order_mark_utf16_needs_saying_what_it_looks_like(
        detector_zip, logs, tmp_path, codec, says):
    """A model reading encoding='utf-16' given a file without a byte-order mark: Python said only "UTF-16 stream does
    not start with BOM" (no file, no advice), the launcher read it garbled (big-endian)."""
    def utf16(spec):
        spec["reader"]["encoding"] = "utf-16"

    model = _with_old_spec(detector_zip, tmp_path / "utf16.zip", utf16)
    unmarked = tmp_path / "unmarked.log"
    unmarked.write_bytes(logs["test_log"].read_text(encoding="utf-8").encode(codec))
    runs = [run("score", "--model", model, "--input", unmarked) for run in (_launcher, _python)]
    assert [p.returncode for p in runs] == [3, 3], [p.stderr[-2000:] for p in runs]
    messages = [re.search(r"unmarked\.log: line 1: the file has no byte-order mark, which encoding 'utf-16' needs "
                          r"to tell the byte order; [^\n]*", p.stderr) for p in runs]
    assert all(messages), [p.stderr[-2000:] for p in runs]
    assert messages[0].group(0) == messages[1].group(0)
    assert re.search(says, messages[0].group(0)), messages[0].group(0)
    # with its mark, the same model reads it
    unmarked.write_text(logs["test_log"].read_text(encoding="utf-8"), encoding="utf-16")
    assert [run("score", "--model", model, "--input", unmarked).returncode for run in (_launcher, _python)] \
        in ([0, 0], [1, 1])


def test_serve_refuses_a_body_without_the_byte_order_mark_utf16_needs_as_score_does(detector_zip, logs, tmp_path):
    """serve read such a body as big-endian UTF-16 (garbled) and answered 422 'every line was bad ... is this the
    model for this log?', where score of the same bytes says the mark is missing and what to do."""
    import urllib.error
    import urllib.request

    def utf16(spec):
        spec["reader"]["encoding"] = "utf-16"

    model = _with_old_spec(detector_zip, tmp_path / "utf16.zip", utf16)
    text = "\n".join(logs["test_log"].read_text(encoding="utf-8").splitlines()[:30]) + "\n"
    unmarked = tmp_path / "unmarked.log"
    unmarked.write_bytes(text.encode("utf-16-le"))
    scored = _launcher("score", "--model", model, "--input", unmarked)
    said = re.search(r"line 1: the file has no byte-order mark[^\n]*", scored.stderr)
    assert scored.returncode == 3 and said, scored.stderr[-2000:]
    server = subprocess.Popen([str(DIST / "bin" / "dl4j-bridge"), "serve", "--model", str(model), "--port", "0"],
                              stderr=subprocess.PIPE, text=True, env=dict(os.environ, OMP_NUM_THREADS="2"))
    try:
        url = next(line.split("http://", 1)[1].split()[0].rstrip("/") for line in server.stderr
                   if "serving" in line and "http://" in line)
        answers = []
        for body in (text.encode("utf-16-le"), text.encode("utf-16")):   # without, then with its mark
            request = urllib.request.Request(f"http://{url}/score", data=body, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=120) as answer:
                    answers.append((answer.status, answer.read()))
            except urllib.error.HTTPError as error:
                answers.append((error.code, error.read()))
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert answers[0][0] == 400, answers[0]
    assert json.loads(answers[0][1])["error"] == "the request body: " + said.group(0), answers[0]
    assert answers[1][0] == 200, answers[1]


@pytest.mark.parametrize("content, says", [
    (b"", "empty.log: the input holds no log line: nothing was scored; is it the log you meant (one rotated away, "
          "or not yet written)?"),
    (b"\n \n", "empty.log: the input holds no log line (2 line(s), blank or a CSV header): nothing was scored"),
])
def test_an_input_without_a_record_is_exit_0_with_a_warning_on_both_sides(detector_zip, tmp_path, content, says):
    """An empty log scored silently (the launcher: only its JSON summary): nothing told a wrong path or a log not
    yet written from a quiet one. Still exit 0: nothing was flagged, and an empty log is no failure."""
    empty = tmp_path / "empty.log"
    empty.write_bytes(content)
    runs = [run("score", "--model", detector_zip, "--input", empty) for run in (_launcher, _python)]
    assert [p.returncode for p in runs] == [0, 0], [p.stderr[-2000:] for p in runs]
    assert all(f"{empty}: " + says.split(": ", 1)[1] in p.stderr for p in runs), [p.stderr[-2000:] for p in runs]
    assert "dl4j-bridge: warning: " + str(empty) in runs[0].stderr and "WARNING" in runs[1].stderr


def test_readme_java_example_compiles_and_runs(detector_zip, logs, tmp_path):
    javac = shutil.which("javac")
    if javac is None:
        missing_resource("javac (a JDK)")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Deploy on the JVM", 1)[1]
    source = re.search(r"```java\n(.*?)```", section, re.S).group(1)
    (tmp_path / "ScoreLogs.java").write_text(source, encoding="utf-8")
    classpath = f"{DIST / 'lib'}/*"
    compiled = subprocess.run([javac, "-cp", classpath, "-d", str(tmp_path), str(tmp_path / "ScoreLogs.java")],
                              capture_output=True, text=True, timeout=120)
    assert compiled.returncode == 0, compiled.stderr
    ran = subprocess.run(["java", "-cp", f"{classpath}:{tmp_path}", "ScoreLogs", str(detector_zip),
                          str(logs["test_log"])], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, OMP_NUM_THREADS="2"))
    assert ran.returncode == 0, ran.stderr[-3000:]
    launcher = _launcher("score", "--model", detector_zip, "--input", logs["test_log"])
    assert ran.stdout.splitlines() == launcher.stdout.splitlines()
    assert len(ran.stdout.splitlines()) > 0
    summary = json.loads(launcher.stderr.strip().splitlines()[-1])   # the report handed to the example
    assert f"{summary['lines']} lines, 1 bad, 0 with undecodable bytes" in ran.stderr, ran.stderr[-2000:]


def test_readme_gradle_dependencies_on_a_copied_lib_build_and_run_the_java_example(detector_zip, logs, tmp_path):
    """README's "In your own build": lib/ copied into a project, the groovy block as its dependencies (Gradle 4.4.1
    here), the README's Java example compiled by that build and run on its runtime classpath gives the launcher's
    rows; slf4j-simple is on it only through the runtimeOnly line."""
    gradle = shutil.which("gradle")
    if gradle is None:
        missing_resource("gradle (make installs it)")
    section = (REPO / "README.md").read_text(encoding="utf-8").split("## Deploy on the JVM", 1)[1]
    dependencies = re.search(r"```groovy\n(.*?)```", section, re.S).group(1)
    project = tmp_path / "service"

    def link_or_copy(source, target):   # a copy (hard links where the file system allows: 226 MB of jars)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    shutil.copytree(DIST / "lib", project / "libs" / "dl4j-bridge", copy_function=link_or_copy)
    (project / "src" / "main" / "java").mkdir(parents=True)
    (project / "src" / "main" / "java" / "ScoreLogs.java").write_text(
        re.search(r"```java\n(.*?)```", section, re.S).group(1), encoding="utf-8")
    (project / "settings.gradle").write_text("rootProject.name = 'service'\n", encoding="utf-8")
    (project / "build.gradle").write_text(
        "apply plugin: 'java'\nsourceCompatibility = 1.8\n" + dependencies
        + "task printRuntimeClasspath { doLast { println sourceSets.main.runtimeClasspath.asPath } }\n",
        encoding="utf-8")
    built = subprocess.run([gradle, "--quiet", "--offline", "classes", "printRuntimeClasspath"], cwd=str(project),
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-3000:]
    classpath = built.stdout.strip().splitlines()[-1]
    jars = [Path(entry).name for entry in classpath.split(os.pathsep) if entry.endswith(".jar")]
    assert sorted(jars) == sorted(p.name for p in (DIST / "lib").glob("*.jar")), jars
    assert all(str(project) in entry for entry in classpath.split(os.pathsep)), classpath   # the copy, not DIST
    ran = subprocess.run(["java", "-cp", classpath, "ScoreLogs", str(detector_zip), str(logs["test_log"])],
                         capture_output=True, text=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS="2"))
    assert ran.returncode == 0, ran.stderr[-3000:]
    launcher = _launcher("score", "--model", detector_zip, "--input", logs["test_log"])
    assert ran.stdout.splitlines() == launcher.stdout.splitlines()
    assert len(ran.stdout.splitlines()) > 0


def test_both_count_the_lines_holding_undecodable_bytes(detector_zip, logs, tmp_path):
    """Bytes that are not UTF-8 become U+FFFD on both sides (the same rows) and the lines holding them are
    counted and named in a warning by both: the launcher used to replace them without a word."""
    lines = logs["test_log"].read_bytes().split(b"\n")
    lines[10] += b" \xff\xfe"          # two bad bytes on one line
    lines[500] = lines[500][:20] + b"\xc3(" + lines[500][20:]
    damaged = tmp_path / "damaged.log"
    damaged.write_bytes(b"\n".join(lines))
    _, results, proc = _launcher_against_python(detector_zip, damaged)
    summary = json.loads(proc.stderr.strip().splitlines()[-1])
    assert summary["undecodable_lines"] == 2, proc.stderr[-2000:]
    assert f"{damaged}: 2 lines hold bytes that are not valid utf-8; they were read with U+FFFD" in proc.stderr
    python = _python("score", "--model", detector_zip, "--input", damaged)
    assert "undecodable_lines 2" in python.stderr and "2 lines hold bytes that are not valid utf-8" in python.stderr
    clean = json.loads(_launcher("score", "--model", detector_zip, "--input", logs["test_log"]).stderr
                       .strip().splitlines()[-1])
    assert "undecodable_lines" not in clean and clean["lines"] == summary["lines"]


def test_both_write_non_ascii_text_in_rows_as_the_same_utf8_bytes(jvm, logs, tmp_path):
    """Python's rows held ``\\u00e9`` where the launcher's held UTF-8 ``é``: the same rows, not the same bytes."""
    from dl4j_bridge.detectors import NextEventDetector
    from dl4j_bridge.etl import SYSLOG_FORMAT, Pipeline, Template, TextReader, Windows

    train = [line.replace("closed", "fermé") for line in logs["train"]]
    pipeline = Pipeline(TextReader(SYSLOG_FORMAT, mode="lenient"), [Template("Content")],
                        Windows(WINDOW, stride=1, next_event=True))
    pipeline.fit(train)
    detector = NextEventDetector(top_g=1, n_events=pipeline.n_template_ids, hidden_sizes=(4,), epochs=1,
                                 batch_size=512, patience=0, validation_fraction=0.0, seed=4)
    model = detector.fit(pipeline.transform(train)).save(tmp_path / "accents.zip", pipeline=pipeline)
    source = tmp_path / "accents.log"
    source.write_text(logs["test_log"].read_text(encoding="utf-8").replace("closed", "fermé"), encoding="utf-8")
    outputs = {}
    for name, run in (("launcher", _launcher), ("python", _python)):
        proc = run("score", "--model", model, "--input", source, "--all", "--output", tmp_path / f"{name}.jsonl")
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        outputs[name] = (tmp_path / f"{name}.jsonl").read_bytes()
        assert "fermé".encode() in outputs[name] and b"\\u00e9" not in outputs[name], name
    assert outputs["python"] == outputs["launcher"]
    # standard output too (UTF-8 here); where it cannot take UTF-8, Python escapes (still the same JSON)
    assert _python("score", "--model", model, "--input", source, "--all").stdout.encode() == outputs["python"]


def test_both_score_a_line_holding_a_huge_token_without_stalling(detector_zip, logs, tmp_path):
    """A 1 MB token (a base64 blob, a run of letters) used to make template masking quadratic: one such line
    stalled the launcher for most of an hour (and serve for every client). Same rows on both sides, in time."""
    lines = logs["test_log"].read_text(encoding="utf-8").split("\n")
    lines[100] = lines[100] + " " + "QmFzZTY0" * 125_000
    lines[200] = lines[200] + " " + "x" * 1_000_000
    long_log = tmp_path / "long.log"
    long_log.write_text("\n".join(lines), encoding="utf-8")
    _, results, proc = _launcher_against_python(detector_zip, long_log)
    assert json.loads(proc.stderr.strip().splitlines()[-1])["lines"] == len(lines) - 1   # the last "" ends the file


def test_both_score_lines_holding_a_deep_url_path_or_a_long_run_of_numbers(detector_zip, logs, tmp_path):
    """java.util.regex recurses once per repetition of a group: the default path rule on a 6 KB URL path and the
    collapse rule on 4000 numbers overflowed the launcher's stack (StackOverflowError: exit 4 for the whole file,
    even --lenient). The JVM runs those rules in proven-equivalent possessive forms: same rows as Python."""
    lines = logs["test_log"].read_text(encoding="utf-8").split("\n")
    lines[100] = lines[100] + " GET " + "/a" * 100_000 + " HTTP/1.1"                  # a 200 KB path
    lines[200] = lines[200] + " dropped ids: " + " ".join(["7"] * 100_000)           # 100k wildcards to collapse
    lines[300] = lines[300] + " ids " + ", ".join(["12"] * 50_000) + " end"
    lines[400] = lines[400] + " GET " + "/seg%20x" * 3200 + "/?q=1 ok"
    long_log = tmp_path / "deep.log"
    long_log.write_text("\n".join(lines), encoding="utf-8")
    _, results, proc = _launcher_against_python(detector_zip, long_log)
    assert "StackOverflowError" not in proc.stderr, proc.stderr[-2000:]
    summary = json.loads(proc.stderr.strip().splitlines()[-1])
    assert summary["lines"] == len(lines) - 1 and summary["bad_lines"] == 1, summary   # as the unchanged file


def test_both_read_standard_input_redirected_from_a_file_as_the_file(detector_zip, logs):
    """``--input - < app.log``: the launcher took the end of the file for a pause of a live stream and scored the
    sequences read by then as a part of their own, apart from the last one (some probabilities differed from
    ``--input app.log`` in the last bits: the minibatches differed); Python never pauses on a regular file. Both now
    read it as the file."""
    inputs = []
    for size in (1000, 1500, 2000, 2500, 3000):   # the rows that differed depend on the minibatches' sizes
        log = logs["dir"] / f"redirected_{size}.log"
        log.write_text("\n".join(logs["train"][:size]) + "\n", encoding="utf-8")
        inputs.append(log)
    for name, argv in (("launcher", [str(DIST / "bin" / "dl4j-bridge")]), ("python", [sys.executable, "-m",
                                                                                       "dl4j_bridge"])):
        for log in inputs if name == "launcher" else inputs[-1:]:
            rows = {}
            for how in ("file", "stdin"):
                with open(log, "rb") as stdin:   # < app.log: standard input is the file
                    proc = subprocess.run(argv + ["score", "--model", str(detector_zip), "--all",
                                                  "--input", "-" if how == "stdin" else str(log)],
                                          stdin=stdin, capture_output=True, text=True, timeout=600, cwd=str(REPO),
                                          env=dict(os.environ, OMP_NUM_THREADS="2"))
                assert proc.returncode in (0, 1), (name, proc.stderr[-2000:])
                rows[how] = proc.stdout
            assert rows["stdin"] == rows["file"] and rows["file"].count("\n") > 900, (name, log.name)


def test_both_read_a_named_pipe_as_the_file_it_carries(detector_zip, logs, tmp_path):
    """--input <(zcat app.log.gz) (a pipe, not a regular file) was refused as 'no such file' by both."""
    import threading

    data = logs["test_log"].read_bytes()
    file_rows = {}
    for name, run in (("launcher", _launcher), ("python", _python)):
        file_rows[name] = run("score", "--model", detector_zip, "--input", logs["test_log"], "--all").stdout
        fifo = tmp_path / f"{name}.fifo"
        os.mkfifo(fifo)
        writer = threading.Thread(target=fifo.write_bytes, args=(data,), daemon=True)
        writer.start()
        proc = run("score", "--model", detector_zip, "--input", fifo, "--all")
        writer.join(60)
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        assert proc.stdout == file_rows[name] and proc.stdout.count("\n") > 900
    directory = _python("score", "--model", detector_zip, "--input", tmp_path)
    assert directory.returncode == 3 and "is a directory" in directory.stderr


def test_both_count_and_name_times_out_of_order(detector_zip, logs, tmp_path):
    """A time earlier than the record before it had its delta clipped to 0 without a word on both sides (a newest
    first export trained on deltas of 0 everywhere). Both now count such times and name the first."""
    lines = logs["test_log"].read_text(encoding="utf-8").split("\n")
    for index in (200, 500):   # each takes the first record's (earlier) time
        month, day, clock, rest = lines[index].split(" ", 3)
        lines[index] = " ".join(lines[0].split(" ", 3)[:3] + [rest])
    odd = tmp_path / "odd_order.log"
    odd.write_text("\n".join(lines), encoding="utf-8")
    _, _, proc = _launcher_against_python(detector_zip, odd)
    summary = json.loads(proc.stderr.strip().splitlines()[-1])
    time_text = " ".join(lines[0].split(" ", 3)[:3])
    words = (f"2 of 1000 times in ['Month', 'Day', 'Time'] are earlier than the record before them (first: line 201, "
             f"{time_text!r}); their delta is taken as 0 (check that the log is in time order")
    assert summary["backward_times"] == 2 and words in proc.stderr, proc.stderr[-2000:]
    python = _python("score", "--model", detector_zip, "--input", odd)
    assert words in python.stderr, python.stderr[-2000:]
    assert ", backward_times 2" in python.stderr.strip().splitlines()[-1]
    plain = _launcher("score", "--model", detector_zip, "--input", logs["test_log"], "--all")
    assert "backward_times" not in plain.stderr, plain.stderr[-2000:]


def test_both_count_and_name_times_that_do_not_parse(detector_zip, logs, tmp_path):
    """A time the saved format cannot parse takes the previous record's time on both sides (same rows); both
    count such times and name the first (the launcher used to say nothing)."""
    lines = logs["test_log"].read_text(encoding="utf-8").split("\n")
    for index in (40, 41, 300):
        month, day, clock, rest = lines[index].split(" ", 3)
        lines[index] = " ".join((month, day, "99:99:99", rest))
    odd = tmp_path / "odd_times.log"
    odd.write_text("\n".join(lines), encoding="utf-8")
    _, _, proc = _launcher_against_python(detector_zip, odd)
    summary = json.loads(proc.stderr.strip().splitlines()[-1])
    words = "3 of 1000 times in ['Month', 'Day', 'Time'] do not parse with the format"
    assert summary["unparsable_times"] == 3 and words in proc.stderr and "(first: line 41, " in proc.stderr, proc.stderr[-2000:]
    python = _python("score", "--model", detector_zip, "--input", odd)
    assert words in python.stderr and "(first: line 41, " in python.stderr, python.stderr[-2000:]
    assert ", unparsable_times 3" in python.stderr.strip().splitlines()[-1]   # in the summary, as the launcher's


def test_both_name_a_truncated_or_corrupt_gz_and_the_lines_read(detector_zip, logs, tmp_path):
    """The launcher said only 'Unexpected end of ZLIB input stream' (no file, no line, no summary)."""
    import gzip

    packed = gzip.compress(logs["test_log"].read_bytes() * 20)
    truncated = tmp_path / "cut.log.gz"
    truncated.write_bytes(packed[:len(packed) // 2])
    not_gzip = tmp_path / "plain.log.gz"
    not_gzip.write_bytes(logs["test_log"].read_bytes())
    for path in (truncated, not_gzip):
        for run in (_launcher, _python):
            proc = run("score", "--model", detector_zip, "--input", path)
            assert proc.returncode == 3, (run.__name__, proc.stderr[-2000:])
            assert re.search(rf"{re.escape(str(path))}: cannot read past line \d+: .*The file is truncated or corrupt",
                             proc.stderr), (run.__name__, proc.stderr[-2000:])
    proc = _launcher("score", "--model", detector_zip, "--input", truncated, "--all")
    summary = json.loads([line for line in proc.stderr.splitlines() if line.startswith("{")][-1])
    read = int(re.search(r"cannot read past line (\d+)", proc.stderr).group(1))
    assert summary["lines"] == read > 1000 and summary["sequences"] > 0   # what was read was scored and said
    # every complete window read was scored (windows of 10: all but the open ones at the cut)
    assert summary["sequences"] == len(proc.stdout.splitlines()) >= summary["records"] - 10
    # Python scores every complete line read before the failure too (it said "line 0" and scored nothing, then
    # lost the lines of the 64 K piece it was reading): the same lines, the same rows as the launcher
    py = _python("score", "--model", detector_zip, "--input", truncated, "--all")
    py_read = int(re.search(r"cannot read past line (\d+)", py.stderr).group(1))
    assert py_read == read
    _same_rows([json.loads(line) for line in py.stdout.splitlines()],
               [json.loads(line) for line in proc.stdout.splitlines()])
    empty = tmp_path / "empty.log.gz"
    empty.write_bytes(b"")
    for run in (_launcher, _python):   # an empty .gz is empty input on both sides, not a truncated file
        assert run("score", "--model", detector_zip, "--input", empty).returncode == 0
    import threading

    for run in (_launcher, _python):   # a pipe named .gz carries gzip data: decompressed by both
        fifo = tmp_path / f"pipe-{run.__name__}.log.gz"
        os.mkfifo(fifo)
        writer = threading.Thread(target=fifo.write_bytes, args=(gzip.compress(logs["test_log"].read_bytes()),),
                                  daemon=True)
        writer.start()
        proc = run("score", "--model", detector_zip, "--input", fifo, "--all")
        writer.join(60)
        assert proc.returncode in (0, 1) and proc.stdout.count("\n") > 900, proc.stderr[-2000:]


def test_a_bad_line_held_for_its_trace_when_a_gz_read_fails_is_counted_on_both_sides(detector_zip, logs, tmp_path):
    """A bad line waits for the stack trace lines that may continue it; a .gz whose data fails right after them
    left it uncounted on both sides (the counts fell one short of the lines)."""
    import gzip

    data = logs["test_log"].read_bytes().rstrip(b"\n") + b"\n%% a bad line\n    at com.example.Thing.run(Thing.java:1)\n"
    junk = tmp_path / "held.log.gz"
    junk.write_bytes(gzip.compress(data) + b"junk\n")
    for run in (_launcher, _python):
        quarantine = tmp_path / f"{run.__name__}.jsonl"
        proc = run("score", "--model", detector_zip, "--input", junk, "--lenient", "--quarantine", quarantine)
        assert proc.returncode == 3, (run.__name__, proc.stderr[-2000:])
        last = json.loads(quarantine.read_text(encoding="utf-8").splitlines()[-1])
        assert last["line"] == data.count(b"\n") - 1 and last["text"].endswith("Thing.java:1)"), (run.__name__, last)
        if run is _launcher:
            summary = json.loads([line for line in proc.stderr.splitlines() if line.startswith("{")][-1])
            assert summary["lines"] == (summary["records"] + summary["continuation_lines"] + summary["blank_lines"]
                                        + summary["bad_lines"]), summary


def test_both_read_every_gz_member_and_refuse_data_after_the_gzip_stream(detector_zip, logs, tmp_path):
    """``cat a.gz b.gz`` is valid gzip: both read every member, from a file and from a pipe whose second member
    comes later (the launcher's GZIPInputStream ended after the first there, asking available()). ``cat a.gz;
    printf junk``: Python refused it while the launcher dropped the junk without a word; both refuse it now, exit 3,
    naming the file, in the same words."""
    import gzip
    import threading
    import time

    data = logs["test_log"].read_bytes()
    cut = len(data) // 2   # mid-line: the members join into one byte stream
    first, second = gzip.compress(data[:cut]), gzip.compress(data[cut:])
    members = tmp_path / "members.log.gz"
    members.write_bytes(first + gzip.compress(b"") + second + b"\0" * 8)   # zero padding is valid too
    junk = tmp_path / "junk.log.gz"
    junk.write_bytes(gzip.compress(data * 3) + b"junk\n")   # more than one 64 K read piece
    explanations, junk_rows = [], []
    for run in (_launcher, _python):
        plain = run("score", "--model", detector_zip, "--input", logs["test_log"], "--all")
        assert plain.returncode in (0, 1) and plain.stdout.count("\n") > 900, plain.stderr[-2000:]
        proc = run("score", "--model", detector_zip, "--input", members, "--all")
        assert (proc.returncode, proc.stdout) == (plain.returncode, plain.stdout), (run.__name__, proc.stderr[-2000:])
        fifo = tmp_path / f"members-{run.__name__}.log.gz"
        os.mkfifo(fifo)

        def write_slowly(fifo=fifo):
            with open(fifo, "wb") as pipe:
                pipe.write(first)
                pipe.flush()
                time.sleep(1.5)   # the reader has inflated the first member and waits for more
                pipe.write(second)

        writer = threading.Thread(target=write_slowly, daemon=True)
        writer.start()
        proc = run("score", "--model", detector_zip, "--input", fifo, "--all")
        writer.join(60)
        assert (proc.returncode, proc.stdout) == (plain.returncode, plain.stdout), (run.__name__, proc.stderr[-2000:])
        proc = run("score", "--model", detector_zip, "--input", junk, "--all")
        assert proc.returncode == 3, (run.__name__, proc.stderr[-2000:])
        said = re.search(rf"{re.escape(str(junk))}: cannot read past line (\d+): (the data after the gzip stream is "
                         r"not gzip[^\n]*)", proc.stderr)
        assert said, (run.__name__, proc.stderr[-2000:])
        # every line of the gzip stream was read and scored before the refusal (Python lost its last 64 K piece)
        assert int(said.group(1)) == 3 * data.count(b"\n"), (run.__name__, said.group(1))
        explanations.append(said.group(2))
        junk_rows.append([json.loads(line) for line in proc.stdout.splitlines()])
    assert explanations[0] == explanations[1] and "zcat FILE > FILE.txt" in explanations[0]
    _same_rows(junk_rows[0], junk_rows[1])
    # a complete gzip stream whose last line has no newline: that line is whole, read before the refusal (a
    # truncation's last line is cut short and dropped)
    unterminated = tmp_path / "unterminated.log.gz"
    text = data.rstrip(b"\n")
    unterminated.write_bytes(gzip.compress(text) + b"junk\n")
    for run in (_launcher, _python):
        proc = run("score", "--model", detector_zip, "--input", unterminated, "--all")
        read = re.search(r"cannot read past line (\d+)", proc.stderr)
        assert proc.returncode == 3 and read and int(read.group(1)) == text.count(b"\n") + 1, (run.__name__,
                                                                                              proc.stderr[-2000:])


@pytest.mark.parametrize("command", ["launcher", "python"])
def test_ctrl_c_while_scoring_stdin_exits_130_with_the_rows_so_far(detector_zip, logs, command):
    """SIGINT ends both scorers with the shell's code 130 (Python: a one-line message, no traceback)."""
    import signal

    lines = logs["test_log"].read_text(encoding="utf-8").splitlines()
    proc, _ = _live_score_with_first_rows(command, detector_zip, lines)   # scoring, and waiting for more input
    try:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130
        err = proc.stderr.read().decode("utf-8", "replace")
        if command == "python":
            assert "interrupted (Ctrl-C)" in err and "Traceback" not in err, err
    finally:
        if proc.poll() is None:
            proc.kill()


def test_both_refuse_an_option_given_twice_with_the_same_words(detector_zip, logs):
    """argparse kept the last value (--threshold 1 --threshold 2 scored at 2); the launcher refused it."""
    for run in (_launcher, _python):
        proc = run("score", "--model", detector_zip, "--input", logs["test_log"], "--threshold", "1",
                   "--threshold", "2")
        assert proc.returncode == 2, (run.__name__, proc.stderr[-2000:])
        assert "--threshold is given more than once: give it once" in proc.stderr, (run.__name__, proc.stderr)
        flag = run("score", "--model", detector_zip, "--input", logs["test_log"], "--all", "--all")
        assert flag.returncode == 2 and "--all is given more than once" in flag.stderr, (run.__name__, flag.stderr)


def test_both_refuse_to_write_over_the_input_and_both_empty_an_earlier_output(detector_zip, logs, tmp_path):
    """``--output`` (or ``--quarantine``) naming the input emptied it (the launcher opens its outputs first) or
    cut it mid-read (Python opened its output at the first row); Python also left an earlier run's rows in an
    output the new input gave no row for."""
    log = tmp_path / "app.log"
    text = open(logs["test_log"], encoding="utf-8").read()
    log.write_text(text)
    for run in (_launcher, _python):
        for option in ("--output", "--quarantine"):
            proc = run("score", "--model", detector_zip, "--input", log, option, tmp_path / "." / "app.log",
                       "--lenient")
            assert proc.returncode == 2, (run.__name__, proc.stderr[-2000:])
            assert f"{option} {tmp_path / '.' / 'app.log'} is the input file: writing it would destroy" in proc.stderr
            assert log.read_text() == text
        # standard input that is the file, and --output beside --quarantine
        argv = ([str(DIST / "bin" / "dl4j-bridge")] if run is _launcher else [sys.executable, "-m", "dl4j_bridge"])
        with open(log, "rb") as stdin:   # < app.log: standard input is the file
            proc = subprocess.run(argv + ["score", "--model", str(detector_zip), "--input", "-", "--output", str(log)],
                                  stdin=stdin, capture_output=True, text=True, timeout=600, cwd=str(REPO),
                                  env=dict(os.environ, OMP_NUM_THREADS="2"))
        assert proc.returncode == 2 and "is the input file" in proc.stderr, (run.__name__, proc.stderr[-2000:])
        assert log.read_text() == text
        proc = run("score", "--model", detector_zip, "--input", log, "--lenient", "--output", tmp_path / "same.jsonl",
                   "--quarantine", tmp_path / "." / "same.jsonl")
        assert proc.returncode == 2 and "--output and --quarantine are the same file" in proc.stderr, (
            run.__name__, proc.stderr[-2000:])
        # a device is no file to protect: /dev/null in and out is fine
        assert run("score", "--model", detector_zip, "--input", "/dev/null", "--output", "/dev/null").returncode == 0
        rows = tmp_path / f"rows_{run.__name__}.jsonl"
        rows.write_text('{"earlier": "run"}\n')
        short = tmp_path / "short.log"
        short.write_text("".join(text.splitlines(keepends=True)[:3]))   # fewer lines than one window
        proc = run("score", "--model", detector_zip, "--input", short, "--output", rows)
        assert proc.returncode == 0, (run.__name__, proc.stderr[-2000:])
        assert rows.read_text() == "", run.__name__


def test_both_refuse_to_write_over_the_model_file(detector_zip, logs, tmp_path):
    """``score --output model.zip`` (or ``--quarantine``) replaced the model with rows on both sides: the input was
    protected, the model, often the only copy, was not."""
    model = tmp_path / "model.zip"
    model.write_bytes(open(detector_zip, "rb").read())
    saved = model.read_bytes()
    same = tmp_path / "." / "model.zip"   # another spelling of the same file
    for run in (_launcher, _python):
        for option in ("--output", "--quarantine"):
            proc = run("score", "--model", model, "--input", logs["test_log"], "--lenient", option, same,
                       *(["--output", tmp_path / "rows.jsonl"] if option == "--quarantine" else []))
            assert proc.returncode == 2, (run.__name__, option, proc.stderr[-2000:])
            assert f"{option} {same} is the --model file: writing it would destroy the model; write it elsewhere" \
                in proc.stderr, (run.__name__, proc.stderr[-2000:])
            assert model.read_bytes() == saved, (run.__name__, option)
    npy = tmp_path / "x.npy"
    np.save(npy, np.zeros((1, 3, 2), dtype=np.float32))
    proc = _launcher("predict", "--model", model, "--input", npy, "--output", same)
    assert proc.returncode == 2 and "--output " + str(same) + " is the --model file" in proc.stderr, proc.stderr[-2000:]
    for command in (["evaluate", "--input", logs["test_log"], "--lenient"],
                    ["update", "--input", logs["test_log"], "--with-normal", logs["test_log"], "--lenient",
                     "--output", tmp_path / "updated.zip"]):
        proc = _python(command[0], "--model", model, *command[1:], "--quarantine", same)
        assert proc.returncode == 2, (command[0], proc.stderr[-2000:])
        assert f"--quarantine {same} is the --model file" in proc.stderr, (command[0], proc.stderr[-2000:])
        assert model.read_bytes() == saved, command[0]


def test_both_name_a_missing_or_wrong_path_in_the_same_words(detector_zip, logs, tmp_path):
    """The launcher said ``no such file: x`` (model or input alike), ``x is a directory: give a file`` and, for an
    --output in a missing directory, Java's ``x (No such file or directory)``, where Python says which path is wrong
    and what to give: the words now match, after each side's prefix, and the launcher checks --output before the
    model is read, as Python does."""
    missing = tmp_path / "nope"
    cases = [(["--model", missing / "m.zip", "--input", logs["test_log"]], f"no model file at {missing / 'm.zip'}"),
             (["--model", tmp_path, "--input", logs["test_log"]],
              f"{tmp_path} is a directory, not a model file: give the .zip a detector or network was saved to"),
             (["--model", detector_zip, "--input", missing / "a.log"],
              f"no input file at {missing / 'a.log'} (give a log file, or - for standard input)"),
             (["--model", detector_zip, "--input", tmp_path],
              f"{tmp_path} is a directory: give a log file, or - for standard input"),
             (["--model", detector_zip, "--input", logs["test_log"], "--output", missing / "rows.jsonl"],
              f"the directory of --output {missing / 'rows.jsonl'} does not exist: create it first")]
    for argv, words in cases:
        for run in (_launcher, _python):
            proc = run("score", *argv)
            assert proc.returncode == 3, (run.__name__, argv, proc.stderr[-2000:])
            assert proc.stderr.strip().splitlines()[-1].endswith(": " + words), (run.__name__, proc.stderr[-2000:])
    assert not missing.exists()


def test_output_dash_is_standard_output_on_both_sides(detector_zip, logs, tmp_path):
    """Python's ``--output -`` is standard output; the launcher wrote a file named ``-`` in the working directory."""
    outputs = []
    for run in (_launcher, _python):
        argv = [str(DIST / "bin" / "dl4j-bridge")] if run is _launcher else [sys.executable, "-m", "dl4j_bridge"]
        proc = subprocess.run(argv + ["score", "--model", str(detector_zip), "--input", str(logs["test_log"]),
                                      "--output", "-", "--all"], capture_output=True, text=True, timeout=600,
                              cwd=str(tmp_path), env=dict(os.environ, OMP_NUM_THREADS="2",
                                                          PYTHONPATH=str(REPO)))
        assert proc.returncode in (0, 1), (run.__name__, proc.stderr[-2000:])
        assert not (tmp_path / "-").exists(), run.__name__
        outputs.append(proc.stdout)
    assert outputs[0] and outputs[0] == outputs[1]


def test_a_quarantine_that_cannot_be_written_is_exit_4_after_the_summary_on_both_sides(detector_zip, logs):
    """Both said only 'No space left on device' (no file named), exit 3 (an input error), without a summary."""
    if not os.path.exists("/dev/full"):
        missing_resource("/dev/full (a device whose every write fails with ENOSPC)")
    for run in (_launcher, _python):
        proc = run("score", "--model", detector_zip, "--input", logs["test_log"], "--lenient", "--quarantine",
                   "/dev/full")
        assert proc.returncode == 4, proc.stderr[-3000:]
        last = proc.stderr.strip().splitlines()[-1]
        assert "cannot write the quarantine file /dev/full: No space left on device (the disk is full" in last
        assert "bad_lines" in proc.stderr   # the summary came first


def test_an_output_that_cannot_be_opened_leaves_an_earlier_quarantine_whole(detector_zip, logs, tmp_path):
    quarantine = tmp_path / "bad.jsonl"
    quarantine.write_text('{"line": 1}\n')
    for run in (_launcher, _python):
        proc = run("score", "--model", detector_zip, "--input", logs["test_log"], "--lenient", "--quarantine",
                   quarantine, "--output", tmp_path / "no" / "rows.jsonl")
        assert proc.returncode == 3, proc.stderr[-3000:]
        assert quarantine.read_text() == '{"line": 1}\n'


def test_both_count_and_name_json_records_that_repeat_a_key(classifier_zip, logs, tmp_path):
    """A repeated key took its last value on both sides without a word: the earlier values were lost silently.
    Both now count such records, name the first, and still score them with the last value."""
    lines = logs["test_jsonl"].read_text(encoding="utf-8").splitlines()
    for index in (40, 41, 300):
        record = json.loads(lines[index])
        key, value = next(iter(record.items()))
        lines[index] = lines[index][:-1] + f", {json.dumps(key)}: {json.dumps(value)}}}"   # the same key again
    odd = tmp_path / "repeats.jsonl"
    odd.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, results, proc = _launcher_against_python(classifier_zip, odd)
    summary = json.loads(proc.stderr.strip().splitlines()[-1])
    words = duplicate_key_warning(str(odd), 3, 41)
    assert summary["duplicate_key_lines"] == 3 and words in proc.stderr, proc.stderr[-2000:]
    python = _python("score", "--model", classifier_zip, "--input", odd)
    assert words in python.stderr, python.stderr[-2000:]
    assert ", duplicate_key_lines 3" in python.stderr.strip().splitlines()[-1]


def test_both_count_and_name_the_records_after_the_last_full_window(classifier_zip, logs, tmp_path):
    """The classifier's windows have stride 2: with one record more, the last one is in no window. Both sides
    scored it nowhere without a word; both now count it (unwindowed_records) and name its line."""
    lines = logs["test_jsonl"].read_text(encoding="utf-8").splitlines()
    if (len(lines) - WINDOW) % 2 == 0:
        lines = lines[:-1]
    odd = tmp_path / "odd_tail.jsonl"
    odd.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, results, proc = _launcher_against_python(classifier_zip, odd)
    summary = json.loads(proc.stderr.strip().splitlines()[-1])
    words = unwindowed_warning(1, len(lines), WINDOW, 2, False, len(results))
    assert summary["unwindowed_records"] == 1 and words in proc.stderr, proc.stderr[-2000:]
    assert max(line for r in results for line in r["line_numbers"]) == len(lines) - 1
    python = _python("score", "--model", classifier_zip, "--input", odd)
    assert words in python.stderr, python.stderr[-2000:]
    assert ", unwindowed_records 1" in python.stderr.strip().splitlines()[-1]
    even = tmp_path / "even_tail.jsonl"
    even.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    proc = _launcher("score", "--model", classifier_zip, "--input", even, "--all")
    assert "unwindowed_records" not in proc.stderr, proc.stderr[-2000:]


def test_a_classifier_on_next_event_windows_counts_the_last_record_it_never_scores(jvm, logs, tmp_path):
    """One run.toml training both kinds shares next_event windows: a classifier never scores a window's next
    event, so each input's last record was in no scored window, with unwindowed_records 0 on both sides."""
    from dl4j_bridge.detectors import SequenceClassifier
    from dl4j_bridge.etl import Categorical, JsonLinesReader, Label, Pipeline, Template, Windows

    pipeline = Pipeline(JsonLinesReader({"message": "message", "service": "service", "label": "label"}),
                        [Template("message"), Categorical("service"), Label("label")],
                        Windows(WINDOW, stride=1, next_event=True))
    pipeline.fit(logs["train_jsonl"])
    detector = SequenceClassifier(hidden_sizes=(4,), epochs=1, batch_size=256, patience=0, validation_fraction=0.0,
                                  seed=5).fit(pipeline.transform(logs["train_jsonl"]))
    model = detector.save(tmp_path / "classifier_next_event.zip", pipeline=pipeline)
    lines = logs["test_jsonl"].read_text(encoding="utf-8").splitlines()[:40]
    source = tmp_path / "forty.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, results, proc = _launcher_against_python(model, source)
    assert max(line for r in results for line in r["line_numbers"]) == 39 and len(results) == 40 - WINDOW
    summary = json.loads(proc.stderr.strip().splitlines()[-1])
    assert summary["unwindowed_records"] == 1 and "the first on line 40" in proc.stderr, proc.stderr[-2000:]
    python = _python("score", "--model", model, "--input", source)
    assert ", unwindowed_records 1" in python.stderr.strip().splitlines()[-1], python.stderr[-2000:]


def test_both_count_and_name_values_of_a_numeric_field_that_are_not_numbers(classifier_zip, logs, tmp_path):
    """An untyped numeric field's 'abc' became a missing value: Python said so only in a schema-drift warning of
    the first rows of a chunk, the launcher not at all. Both now count them and name the first."""
    records = [json.loads(line) for line in logs["test_jsonl"].read_text(encoding="utf-8").splitlines()]
    for index, value in ((30, "abc"), (31, "12 kB"), (200, "inf")):
        records[index]["bytes"] = value
    odd = tmp_path / "odd_bytes.jsonl"
    odd.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    _, _, proc = _launcher_against_python(classifier_zip, odd)
    summary = json.loads(proc.stderr.strip().splitlines()[-1])
    given = sum(1 for r in records if r.get("bytes") is not None)
    words = (f"odd_bytes.jsonl: 3 of {given} values of 'bytes' are not numbers (first: line 31, 'abc'); they were "
             "read as missing (the training mean): declare the field's type ([reader] types) to make such lines bad "
             "lines instead")
    assert summary["non_numeric_values"] == 3 and words in proc.stderr, proc.stderr[-2000:]
    python = _python("score", "--model", classifier_zip, "--input", odd)
    assert words in python.stderr, python.stderr[-2000:]
    assert ", non_numeric_values 3" in python.stderr.strip().splitlines()[-1]


def test_both_name_the_record_after_the_window_when_its_last_step_decides(detector_zip, logs, tmp_path):
    """With ``steps = "last"`` (DeepLog's protocol) every row is decided by the window's last step, whose event is the
    record after the window: both sides name its line (``actual_line`` was null in every row), which after a bad
    line is not the window's last line + 1."""
    from dl4j_bridge.detectors import load_detector

    det = load_detector(detector_zip)
    last = det.with_params(steps="last", threshold="fixed", threshold_value=-1.0)   # every row flagged
    last.calibrate(det.pipeline_.transform(logs["train"][:400]))
    model = last.save(tmp_path / "last.zip", pipeline=det.pipeline_)
    lines = []
    for i, line in enumerate(logs["train"][:300]):
        lines.append(line)
        if i % 23 == 11:
            lines.append("a garbage line that matches no format")
    source = tmp_path / "gaps.log"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    flags, rows, _ = _launcher_against_python(model, source)
    records = [n for n, line in enumerate(lines, 1) if not line.startswith("a garbage")]
    assert len(rows) == len(records) - WINDOW and flags.all()
    for row in rows:
        assert row["step"] == WINDOW - 1
        assert row["actual_line"] == records[records.index(row["line_numbers"][-1]) + 1], row
    assert sum(r["actual_line"] == r["line_numbers"][-1] + 2 for r in rows) >= 10   # past a bad line


def _session_model(directory, encoding, *, jvm_check=True):
    """A tiny NextEventDetector on '<Host> <Msg>' text in ``encoding``, sessions keyed by the (decoded) host."""
    from dl4j_bridge.detectors import NextEventDetector
    from dl4j_bridge.etl import Pipeline, Sessions, Template, TextReader

    pipeline = Pipeline(TextReader("<Host> <Msg>", mode="lenient", encoding=encoding, continuation=None),
                        [Template("Msg")], Sessions("Host"))
    train = directory / f"train_{encoding}.log"
    train.write_bytes("".join(f"h{i % 3} {['login ok', 'logout', 'err x'][i % 3]}\n" for i in range(30))
                      .encode(encoding))
    pipeline.fit(str(train))
    detector = NextEventDetector(top_g=1, score="count", n_events=pipeline.n_template_ids, hidden_sizes=(3,), epochs=1,
                                 patience=0, validation_fraction=0.0, threshold="fixed", threshold_value=0.5, seed=1)
    detector.fit(pipeline.transform(str(train)))
    return detector.save(directory / f"model_{encoding}.zip", pipeline=pipeline, jvm_check=jvm_check)


@pytest.mark.parametrize("encoding", ["cp1252", "koi8-r", "cp874", "mac-roman"])
def test_a_legacy_single_byte_encoding_gives_pythons_keys_for_every_byte(jvm, tmp_path, encoding):
    """Every byte (and invalid ones, U+FFFD) in a session key decodes to the same key on both sides."""
    model = _session_model(tmp_path, encoding)
    data = b"".join(b"k" + bytes([b]) + b"\x80" + bytes([b, 0xff]) + b" login ok\n"
                    for b in range(256) if b not in b"\n\r \t\x0b\x0c\x1c\x1d\x1e\x1f\x85")
    test = tmp_path / "bytes.log"
    test.write_bytes(data)
    _, rows, _ = _launcher_against_python(model, test)
    assert len(rows) > 200


@pytest.mark.parametrize("encoding", ["shift_jis", "cp932", "euc_jp", "cp949", "gbk", "big5", "cp037"])
def test_an_encoding_the_jvm_decodes_differently_is_refused_naming_it(jvm, tmp_path, encoding):
    """Java's decoders for these map or replace bytes unlike Python's codecs (Java's cp932 is IBM-942C, not
    Microsoft's; euc_jp takes the line feed after an invalid byte; ...): saving with the JVM check is refused,
    and a zip saved without it is refused by the launcher (exit 3), naming the encoding and the supported ones."""
    from dl4j_bridge.jvmcheck import JVMIncompatibleSpecError

    with pytest.raises(JVMIncompatibleSpecError, match=rf"encoding '{encoding}' is not supported by the JVM scorer"):
        _session_model(tmp_path, encoding)
    model = _session_model(tmp_path, encoding, jvm_check=False)
    test = tmp_path / "test.log"
    test.write_bytes("k login ok\n".encode(encoding))
    proc = _launcher("score", "--model", model, "--input", test)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert f"encoding '{encoding}' is not supported by the JVM scorer" in proc.stderr, proc.stderr[-2000:]
    assert "utf-8, " in proc.stderr and "iconv -f" in proc.stderr


@pytest.fixture(scope="module")
def next_value_zip(jvm, logs):
    """A NextValueDetector predicting bytes on JSON-lines windows, saved with its pipeline."""
    from dl4j_bridge.detectors import NextValueDetector
    from dl4j_bridge.etl import Categorical, JsonLinesReader, Numeric, Pipeline, Template, Timestamp, Windows

    pipeline = Pipeline(JsonLinesReader({"time": "@timestamp", "message": "message", "service": "service",
                                         "bytes": "bytes"}),
                        [Template("message"), Categorical("service"), Numeric("bytes", log1p=True, indicator=True),
                         Timestamp("time")],
                        Windows(WINDOW, stride=1, next_event=True))
    pipeline.fit(logs["train_jsonl"])
    detector = NextValueDetector(hidden_sizes=(8,), epochs=2, batch_size=256, patience=0, validation_fraction=0.2,
                                 threshold="contamination", contamination=0.1, seed=6)
    detector.fit(pipeline.transform(logs["train_jsonl"]), pipeline=pipeline)
    return detector.save(logs["dir"] / "next_value.zip", pipeline=pipeline)


def test_launcher_writes_pythons_rows_byte_for_byte_for_the_next_value_model(next_value_zip, logs):
    java, python, rows = _score_both(next_value_zip, logs["test_jsonl"])
    assert java.stdout.encode("utf-8") == python.stdout.encode("utf-8")
    assert len(rows) > 300 and 0 < sum(r["flagged"] for r in rows) < len(rows)
    for r in rows:
        assert list(r)[-5:] == ["actual_line", "feature", "actual_value", "predicted_value", "deviation"], r
        assert r["feature"] == "bytes" and r["step"] < WINDOW - 1 and r["unexpected_steps"] <= WINDOW - 1
        assert r["actual_line"] == r["line_numbers"][r["step"] + 1] and r["line_number"] == r["line_numbers"][r["step"]]
    assert any(r["unexpected_steps"] for r in rows)


def test_launcher_scores_next_value_sessions_with_padding_as_python_does(jvm, logs, tmp_path):
    """Sessions of several lengths (padded in one batch, one of one record: no step to judge), split at max_length:
    the same bytes on both sides."""
    from dl4j_bridge.detectors import NextValueDetector
    from dl4j_bridge.etl import JsonLinesReader, Numeric, Pipeline, Sessions, Template

    pipeline = Pipeline(JsonLinesReader({"message": "message", "host": "host.name", "bytes": "bytes"}),
                        [Template("message"), Numeric("bytes", log1p=True)], Sessions("host", max_length=12))
    pipeline.fit(logs["train_jsonl"])
    detector = NextValueDetector(hidden_sizes=(4,), epochs=1, batch_size=64, patience=0, validation_fraction=0.0,
                                 threshold="fixed", threshold_value=2.0, aggregation="mean", seed=2)
    detector.fit(pipeline.transform(logs["train_jsonl"]), pipeline=pipeline)
    model = detector.save(tmp_path / "sessions.zip", pipeline=pipeline)
    source = tmp_path / "sessions.jsonl"
    lone = json.dumps({"@timestamp": "2024-03-04T00:00:00", "message": "hello", "host": {"name": "lone-01"},
                       "bytes": 5})
    source.write_text("\n".join(logs["test_jsonl"].read_text(encoding="utf-8").splitlines()[:200] + [lone]) + "\n",
                      encoding="utf-8")
    java, python, rows = _score_both(model, source)
    assert java.stdout.encode("utf-8") == python.stdout.encode("utf-8")
    assert len({r["line_numbers"].__len__() for r in rows}) > 1
    unjudged = [r for r in rows if r["key"] == "lone-01"]
    assert unjudged and unjudged[0]["step"] == -1 and unjudged[0]["feature"] is None and unjudged[0]["score"] == 0.0
