"""``score`` from the launcher and from Python alike: SIGINT / SIGTERM keep the rows written whole and say so
(exit 130 / 143, with the summary), an output pipe closed by its reader ends scoring quietly (exit 141), a write
that fails (a full disk) is exit 4 naming the output (not an input error), and gzip data on standard input is
decompressed by its first bytes: the rows of the plain file.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from bridge_testing import DIST, REPO
from test_jvm_scorer import detector_zip, logs  # noqa: F401 - module fixtures

pytestmark = pytest.mark.filterwarnings("ignore")

COMMANDS = ["launcher", "python"]


def _argv(command):
    return [str(DIST / "bin" / "dl4j-bridge")] if command == "launcher" else [sys.executable, "-m", "dl4j_bridge"]


def _env():
    return dict(os.environ, OMP_NUM_THREADS="2")


@pytest.fixture(scope="module")
def big_log(logs):  # noqa: F811
    """The test log 150 times: scoring takes long enough to be interrupted while rows are written."""
    text = logs["test_log"].read_text(encoding="utf-8")
    path = logs["dir"] / "big.log"
    path.write_text(text * 150, encoding="utf-8")
    return path


def _summary(command, err):
    return '{"summary"' in err if command == "launcher" else "sequences scored" in err


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_leaves_whole_rows_the_summary_and_a_message(detector_zip, big_log, tmp_path, command, sig):  # noqa: F811
    out = tmp_path / "rows.jsonl"
    proc = subprocess.Popen(_argv(command) + ["score", "--model", str(detector_zip), "--input", str(big_log), "--all",
                                              "--output", str(out)], cwd=str(REPO), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=_env())
    try:
        deadline = time.time() + 240
        while not (out.exists() and out.stat().st_size > 100_000):   # rows have started to arrive
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.time() < deadline, "no rows within 240 s"
            time.sleep(0.05)
        proc.send_signal(sig)
        code = proc.wait(timeout=120)
        err = proc.stderr.read().decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 128 + sig, err[-2000:]
    data = out.read_bytes()
    assert data.endswith(b"\n"), data[-300:]
    rows = [json.loads(line) for line in data.decode("utf-8").splitlines()]   # every line a whole row
    assert rows and [row["index"] for row in rows] == list(range(len(rows)))
    said = "interrupted (Ctrl-C)" if sig == signal.SIGINT else "interrupted (SIGTERM)"
    assert said in err and "Traceback" not in err, err[-2000:]
    assert _summary(command, err), err[-2000:]
    # both say how many rows the file holds, in the same words
    assert f"{said}; score output ({out}) holds {len(rows)} whole row(s)\n" in err, err[-2000:]
    # the summary counts the sequences whose rows were written (--all: one row each), not a part scored whole
    # (Python: 81,920 scored, 38,554 rows) or the sequences the launcher's scoring thread scored after the signal
    assert _scored(command, err) == len(rows), err[-2000:]


def _scored(command, err):
    """The summary's count of sequences scored."""
    found = re.search(r'"sequences":(\d+)' if command == "launcher" else r"^(\d+) sequences scored", err, re.M)
    assert found, err[-2000:]
    return int(found.group(1))


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_before_scoring_starts_says_nothing_was_written(detector_zip, logs, tmp_path, command, sig):  # noqa: F811
    """A signal while the JVM started or the model loaded ended both without a word (the JVM's own handling: exit
    143 / 130, or Python killed by SIGTERM); now one line says that nothing was written, with the same codes."""
    out = tmp_path / "rows.jsonl"
    loaded = tmp_path / "classes.log"
    env = _env()
    if command == "launcher":   # the class loading log says when the model is being loaded
        env["JAVA_OPTS"] = f"-Xlog:class+load=info:file={loaded}"
    proc = subprocess.Popen(_argv(command) + ["score", "--model", str(detector_zip), "--input", str(logs["test_log"]),
                                              "--all", "--output", str(out)], cwd=str(REPO),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        if command == "python":   # the JVM is starting (held until it is up, as the JVM runs with -Xrs)
            first = proc.stderr.readline().decode("utf-8", "replace")
            assert "starting JVM" in first, first
        else:
            deadline = time.time() + 120
            while not (loaded.exists() and b"io.dl4jbridge.scorer.LogAnomalyScorer " in loaded.read_bytes()):
                assert proc.poll() is None and time.time() < deadline, proc.stderr.read().decode()[-2000:]
                time.sleep(0.02)
        proc.send_signal(sig)
        code = proc.wait(timeout=120)
        err = proc.stderr.read().decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
    said = "Ctrl-C" if sig == signal.SIGINT else "SIGTERM"
    assert code == 128 + sig, err[-2000:]
    assert f"interrupted ({said}) before scoring started; nothing was written" in err, err[-2000:]
    assert "Traceback" not in err and not out.exists(), err[-2000:]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_signal_while_a_write_blocks_ends_within_the_grace(detector_zip, big_log, command):  # noqa: F811
    """A reader that stops reading (a paused pager) blocks the rows' write: SIGTERM ends both within their grace
    (2 s) all the same; the summary and the line count the rows out for sure and say the rest may be cut short."""
    proc = subprocess.Popen(_argv(command) + ["score", "--model", str(detector_zip), "--input", str(big_log), "--all"],
                            cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    try:
        got = b""
        while len(got) < 200_000:
            chunk = os.read(proc.stdout.fileno(), 65536)
            assert chunk, proc.stderr.read().decode()[-2000:]
            got += chunk
        time.sleep(3)   # not read: the pipe fills, the scorer blocks in a write
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        got += proc.stdout.read()
        err = proc.stderr.read().decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 143, err[-2000:]
    whole = got.decode("utf-8").split("\n")[:-1]
    held = re.search(r"interrupted \(SIGTERM\); score output \(standard output\) holds (\d+) whole row\(s\)(.*)", err)
    assert held, err[-2000:]
    assert held.group(2) == (", and perhaps part of the rows after them (a write was blocked: keep only lines that "
                             "parse)"), err[-2000:]
    assert _scored(command, err) == int(held.group(1)) <= len(whole), err[-2000:]
    assert [json.loads(line)["index"] for line in whole[:int(held.group(1))]] == list(range(int(held.group(1))))


@pytest.mark.parametrize("command", COMMANDS)
def test_a_full_disk_is_exit_4_naming_the_output(detector_zip, logs, command):  # noqa: F811
    base = _argv(command) + ["score", "--model", str(detector_zip), "--input", str(logs["test_log"]), "--all"]
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(base, cwd=str(REPO), stdout=full, stderr=subprocess.PIPE, text=True, timeout=600,
                              env=_env())
    assert proc.returncode == 4, proc.stderr[-2000:]
    assert "cannot write to standard output: No space left on device" in proc.stderr, proc.stderr[-2000:]
    assert _summary(command, proc.stderr) and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    named = subprocess.run(base + ["--output", "/dev/full"], cwd=str(REPO), capture_output=True, text=True,
                           timeout=600, env=_env())
    assert named.returncode == 4, named.stderr[-2000:]
    assert "cannot write to /dev/full: No space left on device" in named.stderr, named.stderr[-2000:]
    assert _summary(command, named.stderr), named.stderr[-2000:]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_pipe_closed_by_its_reader_ends_quietly_with_141(detector_zip, big_log, command):  # noqa: F811
    proc = subprocess.Popen(_argv(command) + ["score", "--model", str(detector_zip), "--input", str(big_log), "--all"],
                            cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    try:
        json.loads(proc.stdout.readline())   # `| head -1`
        proc.stdout.close()
        code = proc.wait(timeout=300)
        err = proc.stderr.read().decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 141, err[-2000:]
    assert "Broken pipe" not in err and "broken pipe" not in err and "Traceback" not in err, err[-2000:]
    assert _summary(command, err), err[-2000:]


@pytest.mark.parametrize("command", COMMANDS)
def test_gzip_on_standard_input_scores_as_the_plain_file(detector_zip, logs, command):  # noqa: F811
    plain = logs["test_log"].read_bytes()
    base = _argv(command) + ["score", "--model", str(detector_zip), "--all"]
    expected = subprocess.run(base + ["--input", str(logs["test_log"])], cwd=str(REPO), capture_output=True,
                              timeout=600, env=_env())
    piped = subprocess.run(base + ["--input", "-"], input=gzip.compress(plain), cwd=str(REPO), capture_output=True,
                           timeout=600, env=_env())
    assert expected.returncode in (0, 1) and expected.stdout.count(b"\n") > 100, expected.stderr[-2000:]
    assert piped.returncode == expected.returncode, piped.stderr[-2000:]
    assert piped.stdout == expected.stdout
    fifo_gz = logs["dir"] / f"fifo-{command}"   # a pipe that is not named .gz: <(cat app.log.gz)
    os.mkfifo(fifo_gz)
    try:
        writer = subprocess.Popen(["sh", "-c", f"gzip -c < '{logs['test_log']}' > '{fifo_gz}'"])
        named = subprocess.run(base + ["--input", str(fifo_gz)], cwd=str(REPO), capture_output=True, timeout=600,
                               env=_env())
        writer.wait(timeout=60)
    finally:
        os.unlink(fifo_gz)
    assert named.returncode == expected.returncode, named.stderr[-2000:]
    assert named.stdout == expected.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_a_closed_standard_input_is_an_input_error(detector_zip, command):  # noqa: F811
    """`--input - <&-`: the launcher's descriptor 0 would be a file the JVM opened itself (read as log lines)."""
    proc = subprocess.run(["sh", "-c", 'exec "$@" <&-', "sh"] + _argv(command)
                          + ["score", "--model", str(detector_zip), "--input", "-"], cwd=str(REPO), capture_output=True,
                          text=True, timeout=600, env=_env())
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "standard input is closed (<&-): give --input FILE" in proc.stderr, proc.stderr[-2000:]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_sigterm_leaves_the_quarantine_of_whole_records(detector_zip, logs, tmp_path, command):  # noqa: F811
    """The launcher's scoring thread runs on after its shutdown hook until the JVM halts: its quarantine used to end
    in half a record (buffers filling mid-record after the hook's flush)."""
    good = logs["test_log"].read_text(encoding="utf-8").splitlines()[:900]
    mixed = "\n".join(f"{line}\n@@ junk {i} {'x' * 60}" for i, line in enumerate(good)) + "\n"
    source = tmp_path / "mixed.log"
    source.write_text(mixed * 60, encoding="utf-8")
    quarantine = tmp_path / "bad.jsonl"
    proc = subprocess.Popen(_argv(command) + ["score", "--model", str(detector_zip), "--input", str(source),
                                              "--lenient", "--quarantine", str(quarantine), "--output",
                                              str(tmp_path / "rows.jsonl")],
                            cwd=str(REPO), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    try:
        deadline = time.time() + 240
        while not (quarantine.exists() and quarantine.stat().st_size > 300_000):   # rejected lines are arriving
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.time() < deadline, "no quarantined lines within 240 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)
        err = proc.stderr.read().decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 143, err[-2000:]
    data = quarantine.read_bytes()
    assert data.endswith(b"\n"), data[-300:]
    records = [json.loads(line) for line in data.decode("utf-8").splitlines()]   # every line a whole record
    assert records and all(r["reason"].startswith("no format match") for r in records)
