"""``score --session-idle-lines N``: Python's ``score`` closes sessions on endless input as the launcher does.

A session is closed (scored, printed) once N lines -- every physical line: blank, bad and continuation lines too --
have passed without a record of its key; a later record of that key starts a new session, whose first step's
``delta_by`` delta is measured from the key's last record read before it; with ``[sequence] gap`` the records a
closed session held are split at the gaps, their ``session`` numbers starting again at 0 after an idle close. The
rows of Python's ``score`` and of the launcher's are the same bytes, from a file and from standard input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from bridge_testing import REPO
from test_jvm_scorer import _launcher
from test_jvm_scorer_sessions import _tiny_next_event

IDLE = 4


def _iso(seconds: int) -> str:
    return f"2026-01-07T{8 + seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


MESSAGES = ("accepted password for user", "session opened", "connection closed by peer")


def _record(t: int, ip: str, i: int) -> str:
    return json.dumps({"ts": _iso(t), "ip": ip, "msg": MESSAGES[i * i % 3], "bytes": 100 + i % 5, "label": 0})


def _python(model, source, *extra, stdin=None):
    return subprocess.run([sys.executable, "-m", "dl4j_bridge", "score", "--model", str(model), "--input", str(source),
                           *map(str, extra)], input=stdin, cwd=str(REPO), capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, OMP_NUM_THREADS="2"))


def _same_bytes_both_sides(model, path, text, *extra):
    """``score --all`` of ``path`` (and of ``text`` on standard input) with ``extra`` options by the launcher and by
    Python: the same exit code and the same row bytes in both modes. Returns the rows."""
    java = _launcher("score", "--model", model, "--input", path, "--all", *extra)
    assert java.returncode in (0, 1), java.stderr[-3000:]
    python = _python(model, path, "--all", *extra)
    assert python.returncode == java.returncode, python.stderr[-3000:]
    assert python.stdout == java.stdout
    java_stdin = _launcher("score", "--model", model, "--input", "-", "--all", *extra, stdin=text)
    python_stdin = _python(model, "-", "--all", *extra, stdin=text)
    assert java_stdin.returncode == python_stdin.returncode == java.returncode, python_stdin.stderr[-3000:]
    assert python_stdin.stdout == java_stdin.stdout == java.stdout
    return [json.loads(line) for line in java.stdout.splitlines()]


def _json_pipeline(**sessions):
    from dl4j_bridge.etl import JsonLinesReader, Label, Numeric, Pipeline, Sessions, Template, Timestamp

    return Pipeline(JsonLinesReader({"time": "ts", "ip": "ip", "message": "msg", "bytes": "bytes", "label": "label"},
                                    mode="lenient"),
                    [Template("message"), Numeric("bytes", log1p=True), Timestamp("time", delta_by="ip"),
                     Label("label")], Sessions("ip", max_length=8, **sessions))


def _idle_rows_both_sides(tmp_path, pipeline, train_lines, lines, name="live.jsonl", *extra):
    """Train ``pipeline`` and a tiny detector on ``train_lines``, then score ``lines`` (a file, and stdin) with
    ``--session-idle-lines IDLE`` (or ``extra``) on both sides: ``(model, path, text, rows)``, the rows the same bytes."""
    model = _save(pipeline, train_lines, tmp_path / (Path(name).stem + ".zip"))
    path = tmp_path / name
    text = "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return model, path, text, _same_bytes_both_sides(model, path, text, *(extra or ("--session-idle-lines", IDLE)))


def _save(pipeline, lines, path):
    pipeline.fit(lines)
    detector = _tiny_next_event(pipeline)
    detector.fit(pipeline.transform(lines))
    return detector.save(path, pipeline=pipeline)


def _idle_lines():
    """JSON lines (IDLE = 4) whose line numbers are their index + 1: keys interleaved without an idle close; a key
    back after IDLE lines of other keys; keys back after blank and bad lines only."""
    lines = []

    def add(ip, t):
        lines.append(_record(t, ip, len(lines)))

    for i in range(3):                       # lines 1-9: a, b, c interleaved, each back within 3 lines
        for k, ip in enumerate(("10.0.0.1", "10.0.0.2", "10.0.0.3")):
            add(ip, 10 * len(lines) + k)
    for _ in range(2):                       # lines 10-13: b, c; a last on line 7
        add("10.0.0.2", 10 * len(lines))
        add("10.0.0.3", 10 * len(lines))
    add("10.0.0.1", 10 * len(lines))         # line 14: a back after lines of b and c only: a new session
    lines += ["", "not json at all", "", "{\"broken\": "]   # lines 15-18: blank and bad lines only
    add("10.0.0.1", 10 * len(lines))         # line 19: a back after 4 lines of no record: its session closed
    add("10.0.0.2", 10 * len(lines))         # line 20: b (last on line 12) and c (13) were closed on line 19
    add("10.0.0.2", 10 * len(lines))         # line 21
    add("10.0.0.1", 10 * len(lines))         # line 22: a within 3 lines of line 19: the same session
    return lines


def test_idle_sessions_close_with_the_launchers_rows_for_interleaved_keys_and_blank_or_bad_lines(jvm, tmp_path):
    lines = _idle_lines()
    clean = [line for line in lines if line.startswith('{"ts"')]
    model, path, text, rows = _idle_rows_both_sides(tmp_path, _json_pipeline(), clean, lines, "idle.jsonl")
    sessions = [(r["key"], r["line_numbers"]) for r in rows]
    assert sessions == [
        ("10.0.0.1", [1, 4, 7]),          # closed on line 11, IDLE lines after line 7 (lines 8-11: b and c)
        ("10.0.0.2", [2, 5, 8, 10, 12]),  # closed on line 19 after blank and bad lines 15-18, least recent first
        ("10.0.0.3", [3, 6, 9, 11, 13]),
        ("10.0.0.1", [14]),
        ("10.0.0.1", [19, 22]),           # at the end of the input, in order of their first record
        ("10.0.0.2", [20, 21]),
    ], sessions
    # without the option a key's records are one session, scored at the end (the rows before this option existed)
    whole = _same_bytes_both_sides(model, path, text)
    assert [(r["key"], len(r["line_numbers"])) for r in whole] == [("10.0.0.1", 6), ("10.0.0.2", 7),
                                                                    ("10.0.0.3", 5)]
    # 0 is the default: sessions close at the end
    assert _python(model, path, "--all", "--session-idle-lines", 0).stdout == _python(model, path, "--all").stdout


def test_a_new_session_measures_its_first_delta_from_the_keys_record_before_the_idle_close(jvm, tmp_path):
    """``Timestamp(delta_by=<the key>)``: the first step of a session opened after an idle close measures its delta
    from the key's last record read before it (line 7's time for line 14), not 0, on both sides."""
    lines = _idle_lines()
    clean = [line for line in lines if line.startswith('{"ts"')]
    pipeline = _json_pipeline()
    pipeline.fit(clean)
    batches = list(pipeline.iter_transform(lines, session_idle_lines=IDLE))
    from dl4j_bridge.etl import SequenceBatch

    batch = SequenceBatch.concat(batches, pipeline.feature_names)
    column = batch.feature_names.index("time_delta_log")
    firsts = {int(batch.line_numbers[i, 0]): float(np.expm1(batch.x[i, 0, column])) for i in range(len(batch))}
    seconds = {n + 1: 10 * n + (n % 3 if n < 9 else 0) for n, line in enumerate(lines) if line.startswith('{"ts"')}
    assert firsts[1] == 0.0                                             # a's first record: nothing before it
    assert abs(firsts[14] - (seconds[14] - seconds[7])) < 1e-2, firsts   # from line 7, a's record before the close
    assert abs(firsts[19] - (seconds[19] - seconds[14])) < 1e-2, firsts
    assert abs(firsts[20] - (seconds[20] - seconds[12])) < 1e-2, firsts
    # the same features reach the launcher: its rows are Python's bytes (the delta changes the scores)
    _idle_rows_both_sides(tmp_path, _json_pipeline(), clean, lines, "delta.jsonl")


GAP = 300


def _gap_lines():
    """Three IPs, every 10 s; silences longer than GAP in time; 10.0.0.1 away for more than IDLE lines in between."""
    lines = []
    t = 0

    def burst(ips, rounds, start):
        nonlocal t
        t = start
        for _ in range(rounds):
            for ip in ips:
                t += 10
                lines.append(_record(t, ip, len(lines)))

    all3 = ("10.0.0.1", "10.0.0.2", "10.0.0.3")
    burst(all3, 3, 0)                        # lines 1-9
    burst(all3, 2, 1000)                     # lines 10-15: a gap for each IP
    burst(all3[1:], 3, 1100)                 # lines 16-21: 10.0.0.1 away (idle close on line 19)
    burst(all3, 2, 3000)                     # lines 22-27: 10.0.0.1 back: a new session; a gap for the others
    burst(all3, 2, 5000)                     # lines 28-33: a gap for every IP
    return lines


def test_a_gap_model_splits_idle_closed_sessions_at_gaps_and_numbers_them_from_0_again(jvm, tmp_path):
    lines = _gap_lines()
    rows = _idle_rows_both_sides(tmp_path, _json_pipeline(gap=GAP), lines, lines, "gap.jsonl")[3]
    first = [(r.get("session"), r["line_numbers"]) for r in rows if r["key"] == "10.0.0.1"]
    assert first == [(0, [1, 4, 7]), (1, [10, 13]), (0, [22, 25]), (1, [28, 31])], first
    second = [r.get("session") for r in rows if r["key"] == "10.0.0.2"]
    assert second == [0, 1, 2, 3], second     # never idle: its sessions are those of the gaps, closed at the end
    assert sorted(n for r in rows for n in r["line_numbers"]) == list(range(1, len(lines) + 1))


def test_continuation_lines_count_as_lines_without_a_record_on_both_sides(jvm, tmp_path):
    """Text records with stack traces: a record's continuation lines and blank lines count toward N, as the launcher
    counts them (a key last seen IDLE lines before a record is closed, even when those lines continue its own
    record)."""
    from dl4j_bridge.etl import Pipeline, Sessions, Template, TextReader, Timestamp

    def record(n, ip, message):
        return f"{_iso(10 * n)} {ip} {message}"

    lines = [record(1, "10.0.0.1", "accepted login 1"), record(2, "10.0.0.2", "accepted login 2"),
             record(3, "10.0.0.1", "java.lang.IllegalStateException: boom"),
             "    at io.example.Login.check(Login.java:10)", "    at io.example.Login.run(Login.java:20)",
             "", "    at io.example.Main.main(Main.java:5)",          # lines 4-7: continuation and blank lines
             record(8, "10.0.0.2", "accepted login 2"),                 # 10.0.0.1 (line 3) closed; 10.0.0.2 too
             record(9, "10.0.0.1", "accepted login 1"), record(10, "10.0.0.2", "accepted login 1"),
             record(11, "10.0.0.1", "accepted login 2")]
    pipeline = Pipeline(TextReader("<Time> <Ip> <Content>", mode="lenient"),
                        [Template("Content"), Timestamp("Time", delta_by="Ip")], Sessions("Ip", max_length=8))
    rows = _idle_rows_both_sides(tmp_path, pipeline, lines, lines, "text.log")[3]
    assert [(r["key"], r["line_numbers"]) for r in rows] == [   # closed on line 8, the least recently fed first
        ("10.0.0.2", [2]), ("10.0.0.1", [1, 3]), ("10.0.0.2", [8, 10]), ("10.0.0.1", [9, 11])], rows


def test_a_negative_or_non_integer_idle_lines_is_a_usage_error_in_the_launchers_words(tmp_path):
    log = tmp_path / "app.jsonl"
    log.write_text("{}\n", encoding="utf-8")
    out = tmp_path / "rows.jsonl"
    for value, words in (("-1", "--session-idle-lines must be >= 0, got -1"),
                         ("x", "--session-idle-lines must be an integer, got 'x'"),
                         ("2.5", "--session-idle-lines must be an integer, got '2.5'")):
        java = _launcher("score", "--model", tmp_path / "none.zip", "--input", log, "--output", out,
                         "--session-idle-lines", value)
        python = _python(tmp_path / "none.zip", log, "--output", out, "--session-idle-lines", value)
        assert java.returncode == python.returncode == 2, (java.stderr, python.stderr)
        assert f"dl4j-bridge: {words}\n" in java.stderr, java.stderr
        assert f"dl4j-bridge score: error: {words}\n" in python.stderr, python.stderr
        assert not out.exists()   # refused before any file is written


def _live(command, first: str, rest: str, timeout: float = 180.0) -> tuple[str, str, str, int]:
    """Run ``command`` with ``first`` on its standard input, the pipe left open; wait for its first row, then send
    ``rest`` and close it. Returns (the first row, the whole standard output, standard error, exit code)."""
    import select

    proc = subprocess.Popen([str(c) for c in command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(REPO), env=dict(os.environ, OMP_NUM_THREADS="2"))
    try:
        proc.stdin.write(first)
        proc.stdin.flush()
        ready = select.select([proc.stdout], [], [], timeout)[0]
        early = proc.stdout.readline() if ready else ""
        proc.stdin.write(rest)
        proc.stdin.close()
        proc.stdin = None   # closed: communicate reads the rest
        out, err = proc.communicate(timeout=timeout)
        return early, early + out, err, proc.returncode
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_session_closed_on_live_input_is_printed_before_the_input_ends_on_both_sides(jvm, tmp_path):
    """``tail -f app.jsonl | score --input - --session-idle-lines N``: the session closed on line 11 is scored and
    printed while standard input stays open, by the launcher and by Python alike, with the same row bytes."""
    from test_jvm_scorer import DIST

    lines = _idle_lines()
    clean = [line for line in lines if line.startswith('{"ts"')]
    model = _save(_json_pipeline(), clean, tmp_path / "live.zip")
    first, rest = "\n".join(lines[:12]) + "\n", "\n".join(lines[12:]) + "\n"
    options = ["score", "--model", model, "--input", "-", "--all", "--session-idle-lines", IDLE]
    java = _live([DIST / "bin" / "dl4j-bridge", *options], first, rest)
    python = _live([sys.executable, "-m", "dl4j_bridge", *options], first, rest)
    assert java[0] and json.loads(java[0])["line_numbers"] == [1, 4, 7], java[2][-3000:]
    assert python[0] == java[0], python[2][-3000:]
    assert python[1] == java[1] and python[3] == java[3] and java[3] in (0, 1), (python[2][-3000:], java[2][-3000:])
    assert len(java[1].splitlines()) == 6


def test_keys_logging_in_turn_every_idle_lines_keep_one_session_each_on_both_sides(jvm, tmp_path):
    """Four keys in turn with IDLE = 4: each key's own record comes IDLE lines after its last one, IDLE - 1 lines
    without a record in between, so it joins its session (both sides made one session per record for a while);
    a key's record IDLE + 1 lines after its last one starts a new session."""
    ips = ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4")
    lines = [_record(10 * i, ips[i % 4], i) for i in range(12)]                      # lines 1-12, in turn
    lines += [_record(200, ips[1], 12), _record(210, ips[2], 13), _record(220, ips[3], 14),
              _record(230, ips[1], 15), _record(240, ips[0], 16)]                  # line 17: 10.0.0.1, 8 after 9
    rows = _idle_rows_both_sides(tmp_path, _json_pipeline(), lines, lines, "turns.jsonl")[3]
    assert [(r["key"], r["line_numbers"]) for r in rows] == [
        ("10.0.0.1", [1, 5, 9]),            # closed on line 13, IDLE lines after line 9
        ("10.0.0.2", [2, 6, 10, 13, 16]),
        ("10.0.0.3", [3, 7, 11, 14]),
        ("10.0.0.4", [4, 8, 12, 15]),
        ("10.0.0.1", [17]),
    ]
