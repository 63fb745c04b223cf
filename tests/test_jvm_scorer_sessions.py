"""Sessions longer than ``max_length``: the launcher and Python's CLI score every part, with the same rows.

A session of 2.5 x max_length is three sequences (``part`` 0, 1, 2; same key) on both sides; every line of the
file is in exactly one row, and both summaries count the split (``split_sessions``, ``extra_parts``).

With ``overflow = "truncate"`` -- and for a model whose spec was saved without ``overflow`` (before it existed) --
both sides score the session's first ``max_length`` steps only, count what is cut (``truncated_sessions``,
``truncated_records``) and warn how to score every line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from bridge_testing import REPO
from test_jvm_scorer import _launcher, _score_both

from dl4j_bridge.etl.sequences import split_sessions_warning

MAX_LENGTH = 8


def _iso(seconds: int) -> str:
    return f"2026-01-07T08:{seconds // 60:02d}:{seconds % 60:02d}"


def _records(n_sessions_short: int = 6):
    """A long session (20 records, the attack on its last line) among short ones, interleaved."""
    records = []
    t = 0
    for i in range(20):
        for s in range(n_sessions_short if i < 4 else 0):
            t += 1
            records.append({"ts": _iso(t), "ip": f"10.0.0.{s + 2}", "msg": f"accepted login {s}", "bytes": 100 + s,
                            "label": 0})
        t += 1
        attack = i == 19
        records.append({"ts": _iso(t), "ip": "10.0.0.1", "msg": "failed password" if attack else "accepted login 9",
                        "bytes": 9000 if attack else 120, "label": int(attack)})
    return records


def _pipeline(**sessions):
    from dl4j_bridge.etl import JsonLinesReader, Label, Numeric, Pipeline, Sessions, Template, Timestamp

    return Pipeline(JsonLinesReader({"time": "ts", "ip": "ip", "message": "msg", "bytes": "bytes", "label": "label"}),
                    [Template("message"), Numeric("bytes", log1p=True), Timestamp("time"), Label("label")],
                    Sessions("ip", max_length=MAX_LENGTH, **sessions))


def _train_and_score_both(pipeline, batch, lines, tmp_path, name, detector=None):
    """``detector`` (default: a small classifier) fitted on ``batch``, saved with ``pipeline``; the launcher's and
    Python's ``score --all`` of ``lines``: ``(launcher process, Python process, rows)``, after checking both gave
    the same rows."""
    from dl4j_bridge.detectors import SequenceClassifier

    if detector is None:
        detector = SequenceClassifier(hidden_sizes=(4,), epochs=2, batch_size=16, learning_rate=0.05, patience=0,
                                      validation_fraction=0.0, threshold="fixed", threshold_value=0.5, seed=3)
    detector.fit(batch)
    model = detector.save(tmp_path / name, pipeline=pipeline)
    source = tmp_path / "long_session.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    java, python, python_rows = _score_both(model, source)
    return java, python, python_rows, model


def test_long_sessions_are_split_into_parts_and_the_launcher_prints_pythons_rows(jvm, tmp_path):
    lines = [json.dumps(r) for r in _records()]
    pipeline = _pipeline()
    pipeline.fit(lines)
    batch = pipeline.transform(lines)
    assert pipeline.split_sessions == 1 and pipeline.extra_parts == 2
    java, python, python_rows, _ = _train_and_score_both(pipeline, batch, lines, tmp_path, "sessions.zip")

    long_rows = [r for r in python_rows if r["key"] == "10.0.0.1"]
    assert [r["part"] for r in long_rows] == [0, 1, 2]
    assert [r["line_numbers"][-1] for r in long_rows][-1] == len(lines)   # the attack's line is scored
    assert [len(r["line_numbers"]) for r in long_rows] == [8, 8, 4]
    assert all("part" not in r for r in python_rows if r["key"] != "10.0.0.1")
    assert list(python_rows[0])[:3] == ["index", "key", "score"] and list(long_rows[0])[:4] == \
        ["index", "key", "part", "score"]
    scored = sorted(n for r in python_rows for n in r["line_numbers"])
    assert scored == list(range(1, len(lines) + 1))                       # every line, once

    summary = json.loads(java.stderr.strip().splitlines()[-1])
    assert summary["split_sessions"] == 1 and summary["extra_parts"] == 2 and summary["sequences"] == len(python_rows)
    words = split_sessions_warning(1, MAX_LENGTH, 2)   # the same on both sides: retrain after raising max_length
    assert "dl4j-bridge: warning: " + words + "\n" in java.stderr, java.stderr[-3000:]
    assert "split_sessions 1, extra_parts 2" in python.stderr
    assert "WARNING" in python.stderr and words + "\n" in python.stderr and words.endswith(" and retrain")


def test_one_event_sessions_of_a_next_event_model_are_counted_as_unjudged_on_both_sides(jvm, tmp_path):
    from dl4j_bridge.detectors import NextEventDetector

    train = [json.dumps(r) for r in _records()]
    pipeline = _pipeline()
    pipeline.fit(train)
    detector = NextEventDetector(top_g=2, score="count", n_events=pipeline.n_template_ids, hidden_sizes=(4,),
                                 epochs=2, batch_size=16, learning_rate=0.05, patience=0, validation_fraction=0.0,
                                 threshold="fixed", threshold_value=0.5, seed=3)
    lonely = [{"ts": _iso(900 + i), "ip": f"10.9.9.{i}", "msg": "accepted login 1", "bytes": 100, "label": 0}
              for i in range(3)]
    lines = train + [json.dumps(r) for r in lonely]
    java, python, rows, _ = _train_and_score_both(pipeline, pipeline.transform(train), lines, tmp_path, "next.zip",
                                                  detector)
    unjudged = [r for r in rows if r["key"].startswith("10.9.9.")]
    assert len(unjudged) == 3 and all(r["step"] == -1 and r["score"] == 0 and not r["flagged"] for r in unjudged)
    assert all(r["step"] >= 0 for r in rows if not r["key"].startswith("10.9.9."))
    summary = json.loads(java.stderr.strip().splitlines()[-1])
    assert summary["unjudged_sequences"] == 3 and summary["sequences"] == len(rows)
    assert "3 sequence(s) had no step to judge" in java.stderr
    assert "unjudged_sequences 3" in python.stderr and "3 sequence(s) had no step to judge" in python.stderr
    warning = [line for line in java.stderr.splitlines() if "had no step to judge" in line][0]
    assert warning.split("warning: ", 1)[1] in python.stderr   # the same words on both sides

    # without one-event sessions, nothing is said
    java, python, rows, _ = _train_and_score_both(pipeline, pipeline.transform(train), train, tmp_path, "again.zip",
                                                  detector)
    assert "unjudged_sequences" not in json.loads(java.stderr.strip().splitlines()[-1])
    assert "unjudged" not in python.stderr and "no step to judge" not in java.stderr


def test_a_next_value_models_one_record_sessions_and_parts_are_unjudged_in_its_words_on_both_sides(jvm, tmp_path):
    """A next-value model judges nothing across parts: a later part of one record is unjudged as a one-record session
    is (the launcher and Python counted only the sessions, as for a next-event model), and the warning says what a
    next-value model judges (it advised next_event windows)."""
    from dl4j_bridge.cli import unjudged_warning
    from dl4j_bridge.detectors import NextValueDetector

    train = [json.dumps(r) for r in _records()]
    pipeline = _pipeline()
    pipeline.fit(train)
    detector = NextValueDetector(hidden_sizes=(4,), epochs=2, batch_size=16, patience=0, validation_fraction=0.0,
                                 threshold="fixed", threshold_value=50.0, seed=3)
    lonely = [{"ts": _iso(900 + i), "ip": f"10.9.9.{i}", "msg": "accepted login 1", "bytes": 100, "label": 0}
              for i in range(2)]
    # one session of MAX_LENGTH + 1 records: its part 1 holds one record
    session = [{"ts": _iso(1000 + i), "ip": "10.7.7.7", "msg": "accepted login 9", "bytes": 120 + i, "label": 0}
               for i in range(MAX_LENGTH + 1)]
    lines = train + [json.dumps(r) for r in lonely + session]
    java, python, rows, _ = _train_and_score_both(pipeline, pipeline.transform(train), lines, tmp_path, "value.zip",
                                                  detector)
    part = [r for r in rows if r["key"] == "10.7.7.7"]
    assert [r["part"] for r in part] == [0, 1] and part[1]["step"] == -1 and part[1]["score"] == 0
    summary = json.loads(java.stderr.strip().splitlines()[-1])
    assert summary["unjudged_sequences"] == 3 and summary["extra_parts"] == 3   # 2 of the 20-record session
    words = unjudged_warning(3, "next_value")
    assert "dl4j-bridge: warning: " + words + "\n" in java.stderr, java.stderr[-3000:]
    assert "unjudged_sequences 3" in python.stderr and words + "\n" in python.stderr


@pytest.mark.parametrize("boundary", [MAX_LENGTH, MAX_LENGTH + 1])
def test_the_first_event_of_a_later_part_is_judged_by_the_part_before_on_both_sides(jvm, tmp_path, boundary):
    """A never-seen event as the first event of part 1 was judged by nothing (part 1 scored 0, part 0 did not
    count it): now part 0's last step predicts it (``next_ids``), as for an event inside part 0, and the row names
    its line. A later part of one event is not an unjudged sequence: the part before judged its event."""
    from dl4j_bridge.detectors import NextEventDetector

    train = [json.dumps(r) for r in _records()]
    pipeline = _pipeline()
    pipeline.fit(train)
    detector = NextEventDetector(top_g=2, score="count", n_events=pipeline.n_template_ids, hidden_sizes=(8,),
                                 epochs=20, batch_size=16, learning_rate=0.05, patience=0, validation_fraction=0.0,
                                 threshold="fixed", threshold_value=0.5, seed=3)
    # one session of MAX_LENGTH + 1 records: part 1 holds one event; the unseen event is on line `boundary`
    session = [{"ts": _iso(1000 + i), "ip": "10.7.7.7", "msg": "accepted login 9", "bytes": 120, "label": 0}
               for i in range(MAX_LENGTH + 1)]
    session[boundary - 1]["msg"] = "kernel panic never seen in training"
    lines = [json.dumps(r) for r in session]
    java, python, rows, _ = _train_and_score_both(pipeline, pipeline.transform(train), lines, tmp_path,
                                                  f"boundary{boundary}.zip", detector)
    assert [r["part"] for r in rows] == [0, 1] and rows[1]["line_numbers"] == [MAX_LENGTH + 1]
    assert rows[0]["actual_event"] == 0 and rows[0]["actual_line"] == boundary   # the unseen (OOV) event, judged
    assert rows[0]["unexpected_steps"] >= 1 and rows[0]["flagged"]
    # every unexpected step's line (both sides alike, compared above), the unseen event's among them
    assert len(rows[0]["unexpected_lines"]) == rows[0]["unexpected_steps"]
    assert {"line": boundary, "event": 0} in [{k: u[k] for k in ("line", "event")} for u in rows[0]["unexpected_lines"]]
    assert rows[1]["step"] == -1 and rows[1]["score"] == 0
    summary = json.loads(java.stderr.strip().splitlines()[-1])
    assert "unjudged_sequences" not in summary and "no step to judge" not in java.stderr + python.stderr
    assert summary["split_sessions"] == 1 and summary["extra_parts"] == 1


@pytest.mark.parametrize("saved", ["truncate", "without overflow"])
def test_truncating_models_cut_long_sessions_identically_and_say_what_was_not_scored(jvm, tmp_path, monkeypatch,
                                                                                    saved):
    import zipfile

    from dl4j_bridge.etl import Sessions

    if saved == "without overflow":   # what a model saved before overflow existed carries
        monkeypatch.setattr(Sessions, "to_dict", lambda self: {"kind": "sessions", "key": self.key,
                                                               "max_length": self.max_length})
    lines = [json.dumps(r) for r in _records()]
    pipeline = _pipeline(overflow="truncate")
    pipeline.fit(lines)
    batch = pipeline.transform(lines)
    assert pipeline.truncated_sessions == 1 and pipeline.truncated_records == 12
    java, python, python_rows, model = _train_and_score_both(pipeline, batch, lines, tmp_path, "truncating.zip")
    monkeypatch.undo()
    with zipfile.ZipFile(model) as z:
        sequence = json.loads(z.read("dl4j_bridge.etl_spec.json"))["sequence"]
    assert sequence.get("overflow") == (None if saved == "without overflow" else "truncate")

    long_rows = [r for r in python_rows if r["key"] == "10.0.0.1"]
    assert len(long_rows) == 1 and "part" not in long_rows[0]
    first = [n for n, r in enumerate(_records(), 1) if r["ip"] == "10.0.0.1"][:MAX_LENGTH]
    assert long_rows[0]["line_numbers"] == first                              # its first steps in time order
    scored = sorted(n for r in python_rows for n in r["line_numbers"])
    assert len(scored) == len(lines) - 12 and len(lines) not in scored        # the attack's line is cut: counted

    summary = json.loads(java.stderr.strip().splitlines()[-1])
    assert summary["truncated_sessions"] == 1 and summary["truncated_records"] == 12
    assert "split_sessions" not in summary and summary["sequences"] == len(python_rows)
    for stderr in (java.stderr, python.stderr):
        assert "12 record(s) beyond them were not scored" in stderr, stderr[-3000:]
        assert 'retrain with overflow = "split"' in stderr and "larger max_length" in stderr
    assert "dl4j-bridge: warning: 1 session(s) longer than max_length=8" in java.stderr
    assert "truncated_sessions 1, truncated_records 12" in python.stderr and "WARNING" in python.stderr


def key_pattern(bad: dict) -> str:
    """The setting a refusal names: the key of ``bad``, any case (Python and Java spell Sessions differently)."""
    return "(?i)" + next(iter(bad))


@pytest.mark.parametrize("bad", [{"overflow": "drop"}, {"max_length": 2.5}, {"max_length": 0}])
def test_a_saved_spec_with_a_bad_overflow_or_max_length_is_exit_3_on_both_sides(jvm, tmp_path, monkeypatch, bad):
    from dl4j_bridge.detectors import SequenceClassifier
    from dl4j_bridge.etl import JsonLinesReader, Label, Numeric, Pipeline, Sessions, Template

    lines = [json.dumps(r) for r in _records()]
    pipeline = Pipeline(JsonLinesReader({"ip": "ip", "message": "msg", "bytes": "bytes", "label": "label"}),
                        [Template("message"), Numeric("bytes", log1p=True), Label("label")],
                        Sessions("ip", max_length=MAX_LENGTH))
    pipeline.fit(lines)
    detector = SequenceClassifier(hidden_sizes=(2,), epochs=1, batch_size=16, patience=0, validation_fraction=0.0,
                                  threshold="fixed", threshold_value=0.5, seed=3)
    detector.fit(pipeline.transform(lines))
    written = Sessions.to_dict
    monkeypatch.setattr(Sessions, "to_dict", lambda self: {**written(self), **bad})   # a spec Python would not write
    from dl4j_bridge.jvmcheck import JVMIncompatibleSpecError

    with pytest.raises(JVMIncompatibleSpecError, match=key_pattern(bad)):   # save refuses it, naming the setting
        detector.save(tmp_path / "refused.zip", pipeline=pipeline)
    assert not (tmp_path / "refused.zip").exists()
    model = detector.save(tmp_path / "bad.zip", pipeline=pipeline, jvm_check=False)   # written anyway: both refuse it
    monkeypatch.undo()
    source = tmp_path / "long_session.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    key = next(iter(bad))

    java = _launcher("score", "--model", model, "--input", source)
    assert java.returncode == 3, java.stderr[-3000:]
    assert key in java.stderr and str(bad[key]) in java.stderr
    python = subprocess.run([sys.executable, "-m", "dl4j_bridge", "score", "--model", str(model), "--input",
                             str(source)], cwd=str(REPO), capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, OMP_NUM_THREADS="2"))
    assert python.returncode == 3, python.stderr[-3000:]
    assert key in python.stderr and str(bad[key]) in python.stderr


GAP = 300


def _gap_records():
    """Sessions keyed by IP over two hours: each IP goes quiet for longer than GAP (5 minutes) and comes back; one
    comes back for a run longer than max_length; one record has no time and one a time that does not parse."""
    records = []
    for burst, start in enumerate((0, 1800, 5400)):
        for i in range(12 if burst == 1 else 5):
            for s in range(3):
                t = start + 20 * i + s
                attack = burst == 2 and s == 0 and i == 4
                records.append({"ts": _gap_iso(t), "ip": f"10.0.0.{s + 1}",
                                "msg": "failed password" if attack else f"accepted login {i % 3}",
                                "bytes": 9000 if attack else 100 + i, "label": int(attack)})
    records.insert(7, {"ip": "10.0.0.2", "msg": "accepted login 1", "bytes": 100, "label": 0})   # no time
    records.insert(50, {"ts": "soon", "ip": "10.0.0.3", "msg": "accepted login 2", "bytes": 100, "label": 0})
    return records


def _gap_iso(seconds: int) -> str:
    return f"2026-01-07T{8 + seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _serve_rows(model, body: str) -> tuple[str, dict]:
    """The launcher's ``serve`` answer to ``POST /score?all=true`` with ``body``: (rows, headers)."""
    import signal
    import urllib.request

    from test_jvm_scorer import DIST

    server = subprocess.Popen([str(DIST / "bin" / "dl4j-bridge"), "serve", "--model", str(model), "--port", "0"],
                              stderr=subprocess.PIPE, text=True, env=dict(os.environ, OMP_NUM_THREADS="2"))
    try:
        url = None
        for line in server.stderr:
            if "serving" in line and "http://" in line:
                url = line.split("http://", 1)[1].split()[0].rstrip("/")
                break
        assert url, "serve did not start"
        request = urllib.request.Request(f"http://{url}/score?all=true", data=body.encode("utf-8"), method="POST")
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.read().decode("utf-8"), {k.lower(): v for k, v in answer.headers.items()}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def test_sessions_ended_by_a_gap_give_byte_identical_rows_in_python_and_the_launcher(jvm, tmp_path):
    """[sequence] gap: each burst of an IP is a session of its own (``session`` 0, 1, 2 in the rows, same key), the
    long burst split at max_length into parts of that session; the record without a time stays in its session. The
    rows are the same bytes from Python's ``score`` and the launcher's, from a file and from standard input, and
    ``serve`` answers them too."""
    from dl4j_bridge.detectors import NextEventDetector

    lines = [json.dumps(r) for r in _gap_records()]
    pipeline = _pipeline(gap=GAP)
    pipeline.fit(lines)
    batch = pipeline.transform(lines)
    assert pipeline.gap_sessions == 6 and pipeline.split_sessions == 3
    detector = NextEventDetector(top_g=2, score="count", n_events=pipeline.n_template_ids, hidden_sizes=(4,),
                                 epochs=2, batch_size=16, learning_rate=0.05, patience=0, validation_fraction=0.0,
                                 threshold="fixed", threshold_value=0.5, seed=3)
    java, python, rows, model = _train_and_score_both(pipeline, batch, lines, tmp_path, "gap.zip", detector)
    assert java.stdout == python.stdout and java.stdout.count("\n") == len(batch) == len(rows)

    first = [r for r in rows if r["key"] == "10.0.0.1"]
    assert [(r.get("session"), r.get("part")) for r in first] == [(0, None), (1, 0), (1, 1), (2, None)]
    assert list(first[1])[:4] == ["index", "key", "session", "part"]
    no_time = next(r for r in rows if 8 in r["line_numbers"])   # the record without a time: in its IP's first burst
    assert no_time["key"] == "10.0.0.2" and no_time["session"] == 0
    scored = sorted(n for r in rows for n in r["line_numbers"])
    assert scored == list(range(1, len(lines) + 1))   # every line, once
    # the last step of a session's last part has no next event: a new session's first event is judged by nothing
    for r in rows:
        if r.get("part") in (None, 1) and r["step"] == len(r["line_numbers"]) - 1:
            raise AssertionError(f"a session's last step was judged against the next session: {r}")

    summary = json.loads(java.stderr.strip().splitlines()[-1])
    assert summary["gap_sessions"] == 6 and summary["split_sessions"] == 3 and summary["sequences"] == len(rows)
    assert "gap_sessions 6, split_sessions 3" in python.stderr

    # standard input, live: sessions end with the input on both sides, so the rows are the file's
    text = "\n".join(lines) + "\n"
    java_stdin = _launcher("score", "--model", model, "--input", "-", "--all", stdin=text)
    python_stdin = subprocess.run([sys.executable, "-m", "dl4j_bridge", "score", "--model", str(model), "--input", "-",
                                   "--all"], input=text, cwd=str(REPO), capture_output=True, text=True, timeout=600,
                                  env=dict(os.environ, OMP_NUM_THREADS="2"))
    assert java_stdin.returncode == python_stdin.returncode == java.returncode, python_stdin.stderr[-3000:]
    assert java_stdin.stdout == python_stdin.stdout == java.stdout

    served, headers = _serve_rows(model, text)
    assert served == java.stdout and headers["x-gap-sessions"] == "6"


def test_a_model_saved_without_gap_keeps_a_keys_records_in_one_session_on_both_sides(jvm, tmp_path, monkeypatch):
    """A spec saved before gap existed (no ``gap`` key): the same rows as before, on both sides."""
    import zipfile

    from dl4j_bridge.etl import Sessions

    written = Sessions.to_dict
    monkeypatch.setattr(Sessions, "to_dict", lambda self: {k: v for k, v in written(self).items() if k != "gap"})
    lines = [json.dumps(r) for r in _gap_records()]
    pipeline = _pipeline()
    pipeline.fit(lines)
    java, python, rows, model = _train_and_score_both(pipeline, pipeline.transform(lines), lines, tmp_path,
                                                      "nogap.zip")
    monkeypatch.undo()
    with zipfile.ZipFile(model) as z:
        assert "gap" not in json.loads(z.read("dl4j_bridge.etl_spec.json"))["sequence"]
    assert java.stdout == python.stdout
    assert all("session" not in r for r in rows) and "gap_sessions" not in java.stderr + python.stderr
    assert [r.get("part") for r in rows if r["key"] == "10.0.0.1"] == [0, 1, 2]


def _out_of_order_records():
    """Three IPs' logins, each IP's records every 7 s, read out of time order (as loghub's HPC sample: several
    writers' clocks): every third record of an IP is written after the one that follows it in time."""
    records = []
    for i in range(12):
        for s in range(3):
            records.append({"ts": _gap_iso(100 + 7 * i + s), "ip": f"10.0.0.{s + 1}", "msg": f"accepted login {i % 3}",
                            "bytes": 100 + i, "label": 0})
    for j in range(0, len(records) - 3, 9):   # swap a record with its IP's next one
        records[j], records[j + 3] = records[j + 3], records[j]
    return records


def test_out_of_order_sessions_measure_delta_by_the_key_in_time_order_with_identical_rows_on_both_sides(jvm, tmp_path):
    """``Timestamp(delta_by=<the session key>)`` on a log out of time order: each session's steps are in time order
    and every gap is the step's time minus the step before it (7 s; was: read-order gaps, a backward one clamped to
    0 and warned about), on both sides, with byte-identical rows and no backward times in either summary."""
    from dl4j_bridge.etl import JsonLinesReader, Label, Numeric, Pipeline, Sessions, Template, Timestamp

    lines = [json.dumps(r) for r in _out_of_order_records()]
    pipeline = Pipeline(JsonLinesReader({"time": "ts", "ip": "ip", "message": "msg", "bytes": "bytes",
                                         "label": "label"}),
                        [Template("message"), Numeric("bytes", log1p=True), Timestamp("time", delta_by="ip"),
                         Label("label")], Sessions("ip", max_length=MAX_LENGTH))
    pipeline.fit(lines)
    batch = pipeline.transform(lines)
    column = batch.feature_names.index("time_delta_log")
    real = batch.mask > 0
    gaps = np.expm1(batch.x[:, :, column][real]).round(3)
    first = np.zeros_like(real)
    first[:, 0] = [part in (-1, 0) for part in (batch.parts if batch.parts is not None else [-1] * len(batch))]
    assert set(gaps[first[real]].tolist()) == {0.0} and set(gaps[~first[real]].tolist()) == {7.0}
    assert pipeline.backward_times == 0
    java, python, rows, _ = _train_and_score_both(pipeline, batch, lines, tmp_path, "out_of_order.zip")
    assert java.stdout == python.stdout and len(rows) == len(batch)
    summary = json.loads(java.stderr.strip().splitlines()[-1])
    assert "backward_times" not in summary and "backward_times" not in python.stderr
    assert "earlier than the record before them" not in java.stderr + python.stderr


def _tiny_next_event(pipeline):
    """A small next-event detector whose every sequence is scored (NLL, fixed threshold): rows to compare."""
    from dl4j_bridge.detectors import NextEventDetector

    return NextEventDetector(top_g=1, score="nll", n_events=pipeline.n_template_ids, hidden_sizes=(4,), epochs=2,
                             batch_size=16, learning_rate=0.05, patience=0, validation_fraction=0.0,
                             threshold="fixed", threshold_value=0.5, seed=3)


def test_session_keys_and_categories_equal_in_python_but_apart_on_the_jvm_give_the_same_rows(jvm, tmp_path):
    """JSON 1, 1.0 and true (0, -0.0, 0.0 and false) are equal Python values: Python's ETL made one session of them
    and gave a categorical value the category of the first of them seen, where the launcher keeps three sessions
    (keys printed 1, 1.0, true) and looks each value up by its own text. The rows are now the same bytes."""
    from dl4j_bridge.etl import Categorical, JsonLinesReader, Pipeline, Sessions, Template, Timestamp

    keys = [1, 1.0, True, 0, -0.0, False, "1", 0.0]
    flags = [True, 1.0, 0, False, -0.0, "x", 1]
    messages = ["login ok", "logout", "error x"]
    records = [{"t": _iso(len(keys) * i + k), "host": key, "flag": flags[(i + k) % len(flags)],
                "msg": messages[(i * k + i) % len(messages)]}
               for i in range(4) for k, key in enumerate(keys)]
    lines = [json.dumps(r) for r in records]
    pipeline = Pipeline(JsonLinesReader({"t": "t", "host": "host", "flag": "flag", "msg": "msg"}),
                        [Template("msg"), Categorical("flag"), Timestamp("t", delta_by="host")], Sessions("host"))
    pipeline.fit(lines)
    batch = pipeline.transform(lines)
    detector = _tiny_next_event(pipeline)
    java, python, rows, _ = _train_and_score_both(pipeline, batch, lines, tmp_path, "typed_keys.zip", detector)
    assert java.stdout == python.stdout
    printed = [line.split('"key": ', 1)[1].split(",", 1)[0] for line in python.stdout.splitlines()]
    assert printed == ["1", "1.0", "true", "0", "-0.0", "false", '"1"', "0.0"]
    assert [r["line_numbers"] for r in rows] == [[k + 1 + len(keys) * i for i in range(4)] for k in range(len(keys))]
    assert [f"{type(k).__name__} {k!r}" for k in batch.keys] == [f"{type(k).__name__} {k!r}" for k in keys]
    assert {"flag=True", "flag=1.0", "flag=0", "flag=False", "flag=-0.0", "flag=1"} <= set(pipeline.feature_names)


def test_categories_of_values_equal_in_python_give_the_same_rows_in_windows(jvm, tmp_path):
    """Without sessions: a window of true after one of 1.0 had 1.0's category in Python (the first value seen of
    the group factorize made), true's on the launcher, so their probabilities differed."""
    from dl4j_bridge.etl import Categorical, JsonLinesReader, Pipeline, Template, Windows

    flags = [1.0, True, 0, False, -0.0, "x", 1, 0.0]
    messages = ["login ok", "logout", "error x"]
    lines = [json.dumps({"flag": flags[i % len(flags)], "msg": messages[i * i % 3]}) for i in range(24)]
    pipeline = Pipeline(JsonLinesReader({"flag": "flag", "msg": "msg"}), [Template("msg"), Categorical("flag")],
                        Windows(length=1, next_event=True))
    pipeline.fit(lines)
    batch = pipeline.transform(lines)
    detector = _tiny_next_event(pipeline)
    java, python, rows, _ = _train_and_score_both(pipeline, batch, lines, tmp_path, "typed_flags.zip", detector)
    assert java.stdout == python.stdout and len(rows) == len(lines) - 1
    x = batch.x[:, 0, :]
    names = pipeline.feature_names
    for row, flag in enumerate(flags):   # each value its own category's feature
        assert x[row, names.index(f"flag={flag}")] == 1.0, (flag, names)
