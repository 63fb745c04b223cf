import json
import os
import re

import numpy as np
import pandas as pd
import pytest

from dl4j_bridge.etl import (SYSLOG_FORMAT, Categorical, CsvReader, ChronologicalSplit, Extract, JsonLinesReader, KeySplit,
                             Label, LogGenerator, NotFittedError, Numeric, Pipeline, SchemaError, Sessions, SpecError,
                             Template, TextReader, Timestamp, Windows)

TIME = dict(format="%b %d %H:%M:%S", year=2024)


def syslog_pipeline(sequence=None, split=None):
    return Pipeline(reader=TextReader(SYSLOG_FORMAT),
                    transforms=[Template("Content"), Categorical("Service"),
                                Timestamp(["Month", "Day", "Time"], **TIME)],
                    sequence=sequence or Windows(length=8, stride=3, next_event=True), split=split)


def test_windows_shapes_dtypes_next_event_and_line_numbers(syslog_lines):
    pipeline = syslog_pipeline().fit(syslog_lines)
    batch = pipeline.transform(syslog_lines)
    n_windows = (len(syslog_lines) - 8 - 1) // 3 + 1
    assert batch.x.shape == (n_windows, 8, len(pipeline.feature_names))
    assert batch.x.dtype == np.float32 and batch.mask.dtype == np.float32 and batch.mask.min() == 1
    assert batch.line_numbers[1].tolist() == list(range(4, 12))
    ids = pipeline.records(syslog_lines)["template_id"].to_numpy()
    assert np.array_equal(batch.step_ids[5], ids[15:23]) and batch.next_ids[5] == ids[23]
    assert 0 < batch.next_ids.max() < pipeline.n_template_ids
    frame = batch.to_frame()
    assert len(frame) == n_windows * 8 and "template=<OOV>" in frame.columns


def test_chronological_split_fits_on_training_part_only_and_windows_do_not_cross():
    lines = [f"2024-01-01T00:00:{i % 60:02d} value {i}" for i in range(100)]
    pipeline = Pipeline(reader=TextReader(regex=r"(?P<ts>\S+) value (?P<v>\d+)"), transforms=[Numeric("v")],
                        sequence=Windows(length=5, stride=5), split=ChronologicalSplit(test_fraction=0.3))
    train, test = pipeline.fit_split(lines)
    numeric = pipeline.transforms[0]
    assert numeric.count == 70 and numeric.mean == pytest.approx(34.5)  # rows 0..69 only
    assert train.line_numbers.max() <= 70 and test.line_numbers.min() >= 71
    assert len(train) == 14 and len(test) == 6
    # test values scaled with the training statistics
    assert test.x[0, 0, 0] == pytest.approx((70 - 34.5) / numeric.std, rel=1e-6)


def test_key_split_is_seeded_and_sessions_never_straddle():
    lines = [f"2024-01-01T00:{i // 60:02d}:{i % 60:02d} s{i % 40} step {i}" for i in range(400)]
    def build(seed):
        return Pipeline(reader=TextReader(regex=r"(?P<ts>\S+) (?P<s>\S+) step (?P<v>\d+)"),
                        transforms=[Numeric("v"), Timestamp("ts")], sequence=Sessions("s"),
                        split=KeySplit("s", test_fraction=0.25, seed=seed))
    train, test = build(3).fit_split(lines)
    assert set(train.keys).isdisjoint(test.keys) and len(train) + len(test) == 40
    assert 3 <= len(test) <= 20
    again_train, _ = build(3).fit_split(lines)
    assert list(again_train.keys) == list(train.keys)
    other_train, _ = build(4).fit_split(lines)
    assert list(other_train.keys) != list(train.keys)
    assert build(3).fit(lines).transforms[0].count == int(train.mask.sum())


def test_determinism_and_save_load_round_trip(tmp_path, syslog_lines):
    a = syslog_pipeline(split=ChronologicalSplit(0.2))
    b = syslog_pipeline(split=ChronologicalSplit(0.2))
    train_a, test_a = a.fit_split(syslog_lines)
    train_b, test_b = b.fit_split(syslog_lines)
    assert np.array_equal(train_a.x, train_b.x) and np.array_equal(test_a.step_ids, test_b.step_ids)
    path = tmp_path / "spec.json"
    a.save(path)
    spec = json.loads(path.read_text())
    assert spec["format"] == "dl4j_bridge.etl.pipeline" and spec["version"] == 4 and spec["reader"]["line_rules"] == 2
    assert "(?P<" not in path.read_text()
    loaded = Pipeline.load(path)
    new_lines = LogGenerator(seed=99).syslog(1500).lines
    x1, x2 = a.transform(new_lines), loaded.transform(new_lines)
    for name in ("x", "mask", "labels", "step_ids", "next_ids", "line_numbers"):
        assert np.array_equal(getattr(x1, name), getattr(x2, name)), name
    assert loaded.feature_names == a.feature_names


def test_a_saved_spec_gets_a_new_files_permissions_and_a_replaced_one_keeps_its_own(tmp_path, syslog_lines):
    import stat

    pipeline = syslog_pipeline().fit(syslog_lines[:200])
    old = os.umask(0o027)
    try:
        pipeline.save(tmp_path / "new.json")
        assert stat.S_IMODE(os.stat(tmp_path / "new.json").st_mode) == 0o640   # mkstemp alone gives 0600
        os.chmod(tmp_path / "new.json", 0o644)
        pipeline.save(tmp_path / "new.json")
        assert stat.S_IMODE(os.stat(tmp_path / "new.json").st_mode) == 0o644
    finally:
        os.umask(old)


def test_save_is_atomic(tmp_path, syslog_lines, monkeypatch):
    pipeline = syslog_pipeline().fit(syslog_lines[:500])
    path = tmp_path / "spec.json"
    pipeline.save(path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        pipeline.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.json"]  # no temp file left behind


def test_a_failed_save_names_the_file_not_its_temporary(tmp_path, syslog_lines, monkeypatch):
    pipeline = syslog_pipeline().fit(syslog_lines[:500])
    missing = tmp_path / "no" / "such" / "spec.json"
    with pytest.raises(FileNotFoundError) as caught:
        pipeline.save(missing)
    assert str(caught.value).endswith(f"cannot write {missing}: the directory {missing.parent} does not exist "
                                      f"(create it first): '{missing}'")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError) as caught:
        pipeline.save(tmp_path / "spec.json")
    assert f"cannot write {tmp_path / 'spec.json'}: No space left on device" in str(caught.value)
    assert ".tmp" not in str(caught.value) and not list(tmp_path.glob("*.tmp"))


def test_load_rejects_bad_specs(tmp_path):
    path = tmp_path / "spec.json"
    path.write_text('{"format": "dl4j_bridge.etl.pipeline", "version": 99}')
    with pytest.raises(SpecError):
        Pipeline.load(path)
    path.write_text("{not json")
    with pytest.raises(SpecError):
        Pipeline.load(path)


def test_unfitted_and_missing_columns_raise(syslog_lines):
    with pytest.raises(NotFittedError):
        syslog_pipeline().transform(syslog_lines)
    pipeline = Pipeline(reader=CsvReader(), transforms=[Categorical("host")], sequence=Windows(2))
    pipeline.fit(["host,n", "a,1", "b,2"])
    with pytest.raises(SchemaError, match="host"):
        pipeline.transform(["other,n", "a,1", "b,2"])


def test_per_step_labels_from_generated_json():
    logs = LogGenerator(seed=5, anomaly_rate=0.05).json_lines(4000)
    reader = JsonLinesReader({"time": "@timestamp", "host": "host.name", "service": "service",
                              "message": "message", "src_ip": ["src_ip", "srcIP", "source.ip"],
                              "bytes": "bytes", "label": "label"}, types={"bytes": "int"})
    pipeline = Pipeline(reader=reader,
                        transforms=[Template("message"), Categorical("service"), Numeric("bytes", log1p=True),
                                    Timestamp("time"), Label("label")],
                        sequence=Windows(length=20, stride=20))
    batch = pipeline.fit(logs.lines).transform(logs.lines)
    assert np.array_equal(batch.step_labels.reshape(-1), logs.labels[:len(batch) * 20])
    assert np.array_equal(batch.labels, batch.step_labels.max(axis=1))
    assert 0 < batch.labels.mean() < 1


def test_hdfs_block_sessions_match_structured_grouping(loghub_2k):
    pipeline = Pipeline(
        reader=TextReader("<Date> <Time> <Pid> <Level> <Component>: <Content>"),
        transforms=[Extract("Content", r"(blk_-?\d+)", into="block"), Template("Content", onehot=False),
                    Timestamp(["Date", "Time"], format="%y%m%d %H%M%S", delta_by="block")],
        sequence=Sessions("block"))
    path = str(loghub_2k / "HDFS" / "HDFS_2k.log")
    batch = pipeline.fit(path).transform(path)
    truth = pd.read_csv(loghub_2k / "HDFS" / "HDFS_2k.log_structured.csv")
    real = batch.mask > 0
    assert int(real.sum()) == 2000 and len(set(batch.keys)) == len(batch)
    steps = pd.DataFrame({"line": batch.line_numbers[real], "id": batch.step_ids[real]}).sort_values("line")
    assert steps["line"].tolist() == list(range(1, 2001))
    table = pd.crosstab(truth["EventId"].to_numpy(), steps["id"].to_numpy())
    assert ((table > 0).sum(axis=0) == 1).all() and ((table > 0).sum(axis=1) == 1).all()
    # every session is ordered by time, then line number
    first = batch.line_numbers[0][batch.mask[0] > 0]
    assert np.all(np.diff(first) > 0)


def test_key_hash_matches_reference_vectors():
    from dl4j_bridge.etl.split import fnv1a64, key_hash
    assert fnv1a64("a") == 0xAF63DC4C8601EC8C  # published FNV-1a 64 test vector
    assert fnv1a64("") == 0xCBF29CE484222325
    assert key_hash("3:s0") != key_hash("3:s1") and 0 <= key_hash("x") < 2**64


def test_pipelines_own_their_transforms_and_refit_afresh(syslog_lines):
    shared = [Template("Content"), Categorical("Service")]
    first = Pipeline(TextReader(SYSLOG_FORMAT), shared, sequence=Windows(5, 5)).fit(syslog_lines[:3000])
    second = Pipeline(TextReader(SYSLOG_FORMAT), shared, sequence=Windows(5, 5)).fit(syslog_lines[3000:])
    assert not shared[0].fitted and first.transforms[0] is not second.transforms[0]
    refit = first.fit(syslog_lines[3000:])
    assert refit.feature_names == second.feature_names


@pytest.mark.parametrize("make_reader", [
    lambda: CsvReader({"time": "time", "message": "message", "bytes": "bytes"}, types={"byts": "int"}),
    lambda: CsvReader(None, types={"bytes": "int", "nosuch": "float"}),
    lambda: JsonLinesReader(["time", "message", "bytes"], types={"byts": "int"}),
])
def test_a_declared_type_of_a_field_the_reader_does_not_read_is_refused_at_fit(make_reader):
    """A typo in types left the real field unchecked: 'abc' in a number column became a missing value."""
    from dl4j_bridge.etl.errors import SpecError

    reader = make_reader()
    if isinstance(reader, CsvReader):
        lines = ["time,message,bytes"] + [f"2024-01-01T00:00:{i:02d},m {i % 3},{i}" for i in range(40)]
    else:
        lines = [json.dumps({"time": f"2024-01-01T00:00:{i:02d}", "message": f"m {i % 3}", "bytes": i})
                 for i in range(40)]
    typo = sorted(set(reader.types) - {"bytes"})
    with pytest.raises(SpecError, match=re.escape(f"the reader's types name {typo}, which it does not read")):
        Pipeline(reader, [Template("message")], Windows(length=4)).fit(lines)


def test_a_typed_key_no_training_record_has_is_a_warning_for_json_read_without_fields(caplog):
    """Such a reader takes every key: the typed key may come in logs to score, where it is checked."""
    lines = [json.dumps({"time": f"2024-01-01T00:00:{i:02d}", "message": f"m {i % 3}"}) for i in range(40)]
    with caplog.at_level("WARNING"):
        Pipeline(JsonLinesReader(None, types={"status": "int"}), [Template("message")], Windows(length=4)).fit(lines)
    assert "the reader's types name ['status'], which no training record has" in caplog.text


def test_next_event_windows_keep_the_line_of_the_record_after_each_window_across_chunks():
    """``next_lines`` is the line of the event ``next_ids`` names: the next *record*, which after a bad line or a
    multi-line record is not the window's last line + 1 (the trial: a window ending on line 46, garbage on 47, the
    next event on 48), also when the window and its next record arrive in different chunks."""
    from dl4j_bridge.etl import SequenceBatch
    from dl4j_bridge.etl.sequences import Steps

    lines = np.array([1, 2, 4, 5, 9, 10, 11, 15], np.int64)    # gaps: lines that are no record
    ids = np.array([1, 2, 3, 4, 5, 6, 7, 8], np.int32)
    steps = Steps(np.zeros((8, 1), np.float32), ids, np.zeros(8, np.int8), lines)
    for cut in (8, 3, 5):
        builder = Windows(length=3, stride=1, next_event=True).builder(["f"])
        batches = [builder.add(steps.take(slice(0, cut))), builder.add(steps.take(slice(cut, 8))), builder.finish()]
        batch = SequenceBatch.concat([b for b in batches if b is not None], ["f"])
        assert batch.next_ids.tolist() == [4, 5, 6, 7, 8]
        assert batch.next_lines.dtype == np.int64 and batch.next_lines.tolist() == [5, 9, 10, 11, 15], cut
        assert batch.line_numbers[:, -1].tolist() == [4, 5, 9, 10, 11]
    # windows without a next event, and a padded short input: no next line
    plain = Windows(length=3, stride=1).builder(["f"]).add(steps)
    assert plain.next_ids.tolist() == [-1] * 6 and plain.next_lines.tolist() == [-1] * 6
    padder = Windows(length=20, next_event=True, pad_last=True).builder(["f"])
    assert padder.add(steps) is None
    assert padder.finish().next_lines.tolist() == [-1]
    assert SequenceBatch.empty(1, ["f"]).next_lines.shape == (0,)


def test_the_pipelines_windows_carry_next_lines_past_a_bad_line(syslog_lines):
    pipeline = Pipeline(reader=TextReader(SYSLOG_FORMAT, mode="lenient"), transforms=[Template("Content")],
                        sequence=Windows(length=8, stride=3, next_event=True)).fit(syslog_lines)
    lines = syslog_lines[:30]
    lines = lines[:11] + ["a garbage line that matches no format"] + lines[11:]
    batch = pipeline.transform(lines)   # lenient: line 12 is a bad line, the next record is on line 13
    assert pipeline.report.bad_lines == 1
    window = int(np.flatnonzero(batch.line_numbers[:, -1] == 11)[0])
    assert batch.next_lines[window] == 13 and batch.next_ids[window] >= 0
    assert pipeline.to_dict()["output"]["next_lines"].startswith("int64 [batch]")


def _typed(values):
    """Values with their types: 1 == 1.0 == True, so a plain comparison cannot tell them apart."""
    return [(type(v).__name__, repr(v)) for v in values]


KEYS = [1, 1.0, True, 0, -0.0, False, "1"]   # equal in Python (1, 1.0, True; 0, -0.0, False), apart on the JVM


@pytest.mark.parametrize("gap", [None, 300])
def test_session_keys_equal_in_python_but_of_another_type_or_text_are_sessions_of_their_own(gap):
    """JSON keys 1, 1.0 and true (0, -0.0 and false) were one session, keyed by whichever came first
    (pd.factorize merges equal values), where the JVM's SessionAssembler keeps each apart; with a gap, a key's
    other-typed twin an hour later was a gap session of the first key."""
    lines = [json.dumps({"t": f"2024-01-01T{i:02d}:00:00", "host": key, "msg": f"event {i % 2}"})
             for i, key in enumerate(KEYS + [1])]
    transforms = [Template("msg")] + ([Timestamp("t")] if gap else [])
    pipeline = Pipeline(JsonLinesReader({"t": "t", "host": "host", "msg": "msg"}), transforms,
                        Sessions("host", gap=gap)).fit(lines)
    batch = pipeline.transform(lines)
    if gap is None:
        assert _typed(batch.keys) == _typed(KEYS)
        assert batch.line_numbers[:, :2].tolist() == [[1, 8]] + [[n, -1] for n in range(2, 8)]
    else:   # key 1's own records, 7 hours apart, are its two sessions; no other key has a gap
        assert _typed(batch.keys) == _typed([1] + KEYS)
        assert batch.line_numbers.tolist() == [[1], [8]] + [[n] for n in range(2, 8)]
        assert pipeline.gap_sessions == 1 and batch.sessions.tolist() == [0, 1] + [-1] * 6


def test_session_labels_and_a_chronological_split_tell_session_keys_apart_as_the_sessions_are():
    lines = [json.dumps({"host": key, "msg": "event"}) for key in (1, 2, 1.0, True)]
    pipeline = Pipeline(JsonLinesReader({"host": "host", "msg": "msg"}), [Template("msg")], Sessions("host"),
                        split=ChronologicalSplit(0.5))
    train, test = pipeline.fit_split(lines, session_labels={1: 1})   # ({1: 1, True: 0} is {1: 0})
    # 1.0 and true first come in the test part: their own sessions there, not key 1's (train) records
    assert _typed(train.keys) == _typed([1, 2]) and _typed(test.keys) == _typed([1.0, True])
    assert train.labels.tolist() == [1, 0] and test.labels.tolist() == [0, 0]   # the label of 1 is not 1.0's


def test_key_split_decides_each_key_by_its_own_text_whatever_key_equal_in_python_came_first():
    keys = np.array([1, True, 1.0], dtype=object)
    seed = next(s for s in range(1000) if len({KeySplit("k", 0.5, s).is_test_key(k) for k in keys}) > 1)
    alone = [KeySplit("k", 0.5, seed).is_test_key(k) for k in keys]   # each with a fresh cache
    assert KeySplit("k", 0.5, seed).is_test(keys).tolist() == alone
