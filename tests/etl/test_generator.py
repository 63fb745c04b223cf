import json

import numpy as np
import pytest

from dl4j_bridge.etl import ANOMALY_KINDS, SYSLOG_FORMAT, LogGenerator, TextReader


def test_generator_is_seeded_and_labelled():
    a = LogGenerator(seed=1, anomaly_rate=0.05).syslog(3000)
    b = LogGenerator(seed=1, anomaly_rate=0.05).syslog(3000)
    c = LogGenerator(seed=2, anomaly_rate=0.05).syslog(3000)
    assert a.lines == b.lines and a.lines != c.lines
    assert len(a.lines) == 3000 and a.labels.dtype == np.int8
    assert abs(a.labels.mean() - 0.05) < 0.01
    assert all((label == 1) == bool(kind) for label, kind in zip(a.labels, a.kinds))
    frame = TextReader(SYSLOG_FORMAT).read(a.lines)  # every line parses
    assert len(frame) == 3000


def test_all_anomaly_kinds_appear_and_episodes_are_bursts():
    logs = LogGenerator(seed=3, anomaly_rate=0.1).syslog(20000)
    assert set(k for k in logs.kinds if k) == set(ANOMALY_KINDS)
    starts = np.flatnonzero(np.diff(np.concatenate([[0], logs.labels])) == 1)
    assert len(starts) < logs.labels.sum() / 10  # long contiguous runs, not scattered lines


def test_daily_rhythm_and_json_field_aliases():
    logs = LogGenerator(seed=4, lines_per_day=20000).json_lines(40000)
    records = [json.loads(line) for line in logs.lines]
    hours = np.array([int(r["@timestamp"][11:13]) for r in records])
    by_hour = np.bincount(hours, minlength=24)
    assert by_hour[13:17].mean() > 3 * by_hour[0:4].mean()
    keys = set().union(*(r.keys() for r in records))
    assert {"srcIP", "src_ip", "source"} <= keys
    assert any("port" in r.get("source", {}) for r in records)


def test_any_size_and_write_gzip(tmp_path):
    import gzip
    path = tmp_path / "x.log.gz"
    labels = LogGenerator(seed=5).write(path, 777, kind="jsonl")
    with gzip.open(path, "rt") as handle:
        assert sum(1 for _ in handle) == 777 == len(labels)
    assert len(list(LogGenerator(seed=5).iter_syslog(2500, chunk=1000))) == 2500


def test_write_is_atomic_and_reproducible(tmp_path, monkeypatch):
    """The generated log was written in place: a failure left half a log where the previous one was."""
    import os

    from dl4j_bridge.etl import LogGenerator

    path = tmp_path / "train.log.gz"
    LogGenerator(seed=5).write(path, 300)
    before = path.read_bytes()
    LogGenerator(seed=5).write(tmp_path / "again.log.gz", 300)
    assert (tmp_path / "again.log.gz").read_bytes() == before   # same seed, same bytes (gzip without a clock)

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match=r"cannot write .*train.log.gz: No space left on device"):
        LogGenerator(seed=6).write(path, 300)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.log.gz", "train.log.gz"]
