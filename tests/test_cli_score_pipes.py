"""``dl4j-bridge score`` (Python): a named pipe's handle is closed, and a truncated .gz or data after the gzip
stream prints the summary of what was read before the error, as the launcher does (exit 3 after its summary).

The detector is a stand-in (scores of 0, no JVM): these are the command's reading and reporting, not scoring.
"""

from __future__ import annotations

import gzip
import os
import signal
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from dl4j_bridge import cli
from dl4j_bridge.etl import SYSLOG_FORMAT, LogGenerator, Pipeline, Template, TextReader, Windows


class _Detector:
    threshold_ = 0.5
    kind = "next_event"

    def __init__(self, pipeline):
        self.pipeline_ = pipeline

    def score_batch(self, part):
        return SimpleNamespace(scores=np.where(np.arange(len(part)) % 3 == 0, 1.0, 0.0), scored_steps=np.ones(len(part)))

    def explain(self, part, *, flagged_only, scores):
        for index, score in enumerate(scores.scores):
            if score > self.threshold_ or not flagged_only:
                yield {"index": index, "score": float(score), "flagged": bool(score > self.threshold_)}


@pytest.fixture(scope="module")
def logs():
    return LogGenerator(seed=5, anomaly_rate=0.03).syslog(3000).lines


@pytest.fixture
def detector(logs, monkeypatch):
    pipeline = Pipeline(TextReader(SYSLOG_FORMAT, mode="lenient"), [Template("Content")], Windows(10, stride=10))
    pipeline.fit(logs[:1000])
    monkeypatch.setattr(cli, "_load", lambda model, trusted: _Detector(pipeline))
    monkeypatch.setattr(cli, "start_jvm", lambda args: None)   # a Python-only detector: no JVM (its descriptors)
    return pipeline


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _through_fifo(path, data: bytes, argv):
    os.mkfifo(path)
    writer = threading.Thread(target=path.write_bytes, args=(data,), daemon=True)
    writer.start()
    code = cli.main(argv)
    writer.join(30)
    return code


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open descriptors in /proc")
def test_a_named_pipe_gz_leaves_no_descriptor_open(detector, logs, tmp_path, capsys):
    data = gzip.compress(("\n".join(logs[1000:2000]) + "\n").encode())
    before = _fds()
    for i, name in enumerate(("a.log.gz", "b.log")):
        payload = data if name.endswith(".gz") else ("\n".join(logs[1000:2000]) + "\n").encode()
        code = _through_fifo(tmp_path / name, payload,
                             ["score", "--model", "m.zip", "--input", str(tmp_path / name), "--output",
                              str(tmp_path / f"out{i}.jsonl"), "--all"])
        assert code == cli.EXIT_FLAGGED, capsys.readouterr().err
        assert _fds() == before, name   # the GzipInput and the pipe's handle are both closed
        assert (tmp_path / f"out{i}.jsonl").read_text().count("\n") == 100


@pytest.mark.parametrize("damage", ["truncated", "trailing"])
def test_a_damaged_gz_prints_the_summary_then_the_error(detector, logs, tmp_path, capsys, damage):
    packed = gzip.compress(("\n".join(logs[1000:3000]) + "\n").encode())
    data = packed[:len(packed) * 3 // 4] if damage == "truncated" else packed + b"junk\n"
    for kind in ("file", "pipe"):
        path = tmp_path / f"{kind}-{damage}.log.gz"
        argv = ["score", "--model", "m.zip", "--input", str(path), "--all"]
        if kind == "file":
            path.write_bytes(data)
            code = cli.main(argv)
        else:
            code = _through_fifo(path, data, argv)
        captured = capsys.readouterr()
        assert code == cli.EXIT_INPUT, captured.err
        err = captured.err.strip().splitlines()
        rows = captured.out.count("\n")
        assert rows > 0
        # the summary with the same fields as after a whole read, then the error naming the file
        summary = next(i for i, line in enumerate(err) if " sequences scored, " in line)
        assert err[summary].startswith(f"{rows} sequences scored, {(rows + 2) // 3} flagged (threshold 0.5); lines ")
        for field in ("records", "continuation_lines", "blank_lines", "bad_lines"):
            assert f" {field} " in err[summary]
        error = next(i for i, line in enumerate(err) if "cannot read past line" in line)
        assert summary < error and err[error].startswith(f"dl4j-bridge score: {path}: cannot read past line ")
        if damage == "trailing":
            assert "the data after the gzip stream is not gzip" in err[error]
            assert rows > 150   # the lines read before the failure


def test_a_gz_that_is_no_gzip_says_what_was_read(detector, tmp_path, capsys):
    path = tmp_path / "plain.log.gz"
    path.write_bytes(b"not gzip at all\n")
    assert cli.main(["score", "--model", "m.zip", "--input", str(path)]) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert err.index("yields no complete sequence to score; lines 0") < err.index("cannot read past line 0")


def test_an_input_that_gives_no_row_leaves_the_output_empty_not_an_earlier_runs_rows(detector, logs, tmp_path,
                                                                                      capsys):
    """--output used to be created at the first row: a later run with no row (or a strict failure before it) left
    the earlier run's rows in the file, as if they were this input's. It is emptied first, as the launcher does."""
    out = tmp_path / "rows.jsonl"
    (tmp_path / "a.log").write_text("\n".join(logs[1000:2000]) + "\n")
    assert cli.main(["score", "--model", "m.zip", "--input", str(tmp_path / "a.log"), "--output", str(out),
                     "--all"]) == cli.EXIT_FLAGGED
    assert out.read_text().count("\n") == 100
    (tmp_path / "short.log").write_text("\n".join(logs[2000:2005]) + "\n")   # too short for one window
    assert cli.main(["score", "--model", "m.zip", "--input", str(tmp_path / "short.log"), "--output",
                     str(out)]) == 0
    assert out.read_text() == ""
    out.write_text("stale\n")
    (tmp_path / "bad.log").write_text(logs[2000] + "\nnot a log line\n")
    assert cli.main(["score", "--model", "m.zip", "--input", str(tmp_path / "bad.log"), "--output", str(out),
                     "--strict"]) == cli.EXIT_INPUT
    assert out.read_text() == ""
    capsys.readouterr()


@pytest.mark.parametrize("option", ["--output", "--quarantine"])
def test_writing_over_the_input_is_refused_before_it_is_touched(detector, logs, tmp_path, capsys, option):
    log = tmp_path / "app.log"
    text = "\n".join(logs[1000:1100]) + "\n"
    log.write_text(text)
    same = str(tmp_path / "." / "app.log")   # another spelling of the same file
    argv = ["score", "--model", "m.zip", "--input", str(log), option, same]
    assert cli.main(argv + (["--output", str(tmp_path / "rows.jsonl")] if option == "--quarantine" else [])) == cli.EXIT_USAGE
    assert f"{option} {same} is the input file: writing it would destroy the lines being read" in capsys.readouterr().err
    assert log.read_text() == text


class _SignalledOutput:
    """Standard output on which a real SIGTERM arrives during the third row's write (``raise_signal``: the handler
    runs as the write returns), or, ``blocked``, whose third write raises as a write blocked past the grace (or
    stopped by a second signal) does."""
    encoding = "utf-8"

    def __init__(self, blocked=False):
        self.text = []
        self.blocked = blocked

    def write(self, text):
        self.text.append(text)
        if len(self.text) == 3:
            if self.blocked:
                raise cli.Terminated()
            signal.raise_signal(signal.SIGTERM)
        return len(text)

    def flush(self):
        pass


def test_a_signal_during_a_rows_write_comes_after_it_and_the_summary_counts_the_rows(detector, logs, tmp_path,
                                                                                      capsys, monkeypatch):
    """The summary counted a whole part (100 sequences here, 81,920 on a real log) as scored while the output held
    the rows written before the signal (3): the signal now waits for the row being written, and the summary counts
    the sequences whose rows were written."""
    source = tmp_path / "a.log"
    source.write_text("\n".join(logs[1000:2000]) + "\n")
    fake = _SignalledOutput()
    monkeypatch.setattr("sys.stdout", fake)
    assert cli.main(["score", "--model", "m.zip", "--input", str(source), "--all"]) == cli.EXIT_TERMINATED
    err = capsys.readouterr().err
    assert len(fake.text) == 3 and all(line.endswith("\n") for line in fake.text)
    assert "3 sequences scored, 1 flagged" in err, err
    assert err.rstrip().endswith("interrupted (SIGTERM); score output (standard output) holds 3 whole row(s)"), err
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL   # put back


def test_a_write_stopped_while_blocked_counts_what_was_flushed(detector, logs, tmp_path, capsys, monkeypatch):
    """A write stopped inside (blocked on a reader past the grace, or a second signal) may have lost or cut short
    the rows since the last flush: the summary and the line count what was out for sure, and say so."""
    source = tmp_path / "a.log"
    source.write_text("\n".join(logs[1000:2000]) + "\n")
    monkeypatch.setattr("sys.stdout", _SignalledOutput(blocked=True))
    monkeypatch.setattr(cli, "_quiet_stdout", lambda: None)   # pytest's descriptor 1 stays
    assert cli.main(["score", "--model", "m.zip", "--input", str(source), "--all"]) == cli.EXIT_TERMINATED
    err = capsys.readouterr().err
    assert "0 sequences scored, 0 flagged" in err, err
    assert ("interrupted (SIGTERM); score output (standard output) holds 0 whole row(s), and perhaps part of the "
            "rows after them (a write was blocked: keep only lines that parse)") in err, err


def test_a_signal_held_while_a_write_blocks_is_raised_after_the_grace(monkeypatch):
    """A write blocked on a reader that does not read would hold a signal for ever: after the grace the signal is
    sent again to the main thread and raised inside the write, marked ``blocked``."""
    signals = cli.ScoreSignals(grace=0.2).install()
    try:
        signals.hold(watched=True)
        try:
            with pytest.raises(cli.Terminated) as raised:
                signal.raise_signal(signal.SIGTERM)   # held
                deadline = time.time() + 10
                while time.time() < deadline:   # "blocked": the grace runs out, the signal comes again
                    time.sleep(0.01)
        finally:
            signals.release()
        assert getattr(raised.value, "blocked", False)
        signals.check()   # nothing left pending
    finally:
        signals.restore()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_long_stream_hands_freed_memory_back_every_trim_every_sequences(detector, logs, tmp_path, monkeypatch):
    """glibc kept each part's freed memory: on 5 million streamed syslog lines ``score --input -`` held 30-55 MiB
    more than with a trim now and then. The stream trims every ``TRIM_EVERY`` sequences, not after every part."""
    from dl4j_bridge import memory
    from dl4j_bridge.detectors import take

    trims = []
    monkeypatch.setattr(memory, "return_freed_memory", lambda: trims.append(1) or True)
    (tmp_path / "a.log").write_text("\n".join(logs[1000:3000]) + "\n")   # 200 windows of 10
    whole = detector.iter_transform

    def chopped(source, **options):   # the reader's blocks of a long input: batches of 40 windows
        for batch in whole(source, **options):
            for start in range(0, len(batch), 40):
                yield take(batch, slice(start, start + 40))

    monkeypatch.setattr(detector, "iter_transform", chopped)
    counts = cli._score_stream(cli._load("m.zip", False), str(tmp_path / "a.log"), str(tmp_path / "rows.jsonl"),
                               flagged_only=True, block=16, trim_every=64)
    assert counts.scored == 200
    # parts written at 32, 80, 112, 160, 192 and 200 sequences: trimmed at 80 and 160, not after every part
    assert len(trims) == 2
    monkeypatch.setattr(detector, "iter_transform", whole)
    monkeypatch.setattr(cli, "TRIM_EVERY", 100)   # the command's default
    trims.clear()
    assert cli.main(["score", "--model", "m.zip", "--input", str(tmp_path / "a.log"), "--output",
                     str(tmp_path / "rows2.jsonl")]) == cli.EXIT_FLAGGED
    assert len(trims) == 1   # one read block: 192 sequences in one part (trimmed), then the last 8


def test_return_freed_memory_trims_on_glibc():
    import platform

    from dl4j_bridge.memory import return_freed_memory

    assert return_freed_memory() is (platform.libc_ver()[0] == "glibc")


class _CountedSums(np.ndarray):
    """An array that counts the calls of its ``sum`` (the numpy reductions done on the scores' flags)."""
    calls = 0

    def sum(self, *args, **kwargs):
        type(self).calls += 1
        return super().sum(*args, **kwargs)


def test_counting_a_row_is_no_numpy_reduction(detector, logs, tmp_path, monkeypatch):
    """``score --all`` writes a row per sequence and counts it as written: with two numpy reductions per row (the
    flagged and unjudged sequences up to it) the counting took 3-4 % of the command's CPU time. The flags are
    summed once per part; the counts still follow the rows."""
    stand_in = cli._load("m.zip", False)
    plain = stand_in.score_batch

    def score_batch(part):
        scores = plain(part)
        scores.scores = scores.scores.view(_CountedSums)   # its flags (scores > threshold) count their sums
        return scores

    monkeypatch.setattr(stand_in, "score_batch", score_batch)
    (tmp_path / "a.log").write_text("\n".join(logs[1000:3000]) + "\n")   # 200 windows of 10
    _CountedSums.calls = 0
    counts = cli._score_stream(stand_in, str(tmp_path / "a.log"), str(tmp_path / "rows.jsonl"), flagged_only=False,
                               block=64)
    rows = (tmp_path / "rows.jsonl").read_text().splitlines()
    assert (counts.scored, counts.rows, len(rows)) == (200, 200, 200)
    assert counts.flagged == sum('"flagged": true' in row for row in rows) == 67   # every third sequence
    assert _CountedSums.calls <= 4   # not one per row (200 before)
