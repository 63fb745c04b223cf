"""Review fixes: an unknown label's quarantine text is the line as read (as the JVM writes it); the CSV field
limit is 131,072 whatever ``csv.field_size_limit`` the process set; Label maps each distinct value once."""

from __future__ import annotations

import csv
import json
import math
import sys
import time

import numpy as np
import pandas as pd
import pytest

from dl4j_bridge.etl import CsvReader, JsonLinesReader, Label, Pipeline, Template, Windows
from dl4j_bridge.etl.distinct import map_distinct
from dl4j_bridge.etl.readers import CSV_FIELD_LIMIT

CLASSES = ["normal", "brute_force", "port_scan"]


def test_unknown_labels_are_quarantined_as_the_lines_read(tmp_path):
    csv_lines = ["message,label", "event 0,normal", '"disk ""full"" ","ddos"', "event 1,port_scan",
                 "event 2,normal", '"two', 'lines",DDoS', "event 3,normal", "event 4,brute_force"]
    reader = CsvReader({"message": "message", "label": "label"})
    reader.mode, reader.quarantine = "lenient", str(tmp_path / "csv.jsonl")
    pipeline = Pipeline(reader, [Template("message"), Label("label", classes=CLASSES)], Windows(length=2, stride=2))
    pipeline.fit(csv_lines)
    q = [json.loads(line) for line in (tmp_path / "csv.jsonl").read_text("utf-8").splitlines()]
    assert [(r["line"], r["field"], r["text"]) for r in q] == [(3, "label", csv_lines[2]),
                                                                (6, "label", "\n".join(csv_lines[5:7]))]
    json_lines = ['{"message": "event 0", "label": "normal"}', '{"label":"ddos",  "message":"event 1", "x": [1, 2]}',
                  '{"message": "event 2", "label": "port_scan"}', '{"message": "event 3", "label": "normal"}',
                  '{"message": "event 4", "label": "brute_force"}']
    reader = JsonLinesReader({"message": "message", "label": "label"})
    reader.mode, reader.quarantine = "lenient", str(tmp_path / "json.jsonl")
    pipeline = Pipeline(reader, [Template("message"), Label("label", classes=CLASSES)], Windows(length=2, stride=2))
    pipeline.fit(json_lines)
    q = [json.loads(line) for line in (tmp_path / "json.jsonl").read_text("utf-8").splitlines()]
    assert [(r["line"], r["field"], r["reason"].split(":")[0], r["text"]) for r in q] == [(2, "label", "unknown label", json_lines[1])]


@pytest.fixture
def raised_global_limit():
    old = csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def test_the_field_limit_is_131072_whatever_the_process_set(raised_global_limit):
    big = "x" * (CSV_FIELD_LIMIT + 10)
    lines = ["a,b", f"1,{big}", "2,y", f'3,"{"z" * 10}', "4,w", "5,v"]
    reader = CsvReader(mode="lenient")
    frame = reader.read(lines)
    assert frame["a"].tolist() == ["2", "4", "5"]   # the huge cell and the quote never closed are bad lines
    assert reader.report.bad_lines == 2 and reader.report.unaccounted_lines == 0
    assert csv.field_size_limit() == sys.maxsize   # the host's value is back
    csv.field_size_limit(1000)   # a lower one is not applied either
    ok = CsvReader(mode="lenient").read(["a,b", "1," + "y" * 5000])
    assert ok["b"].str.len().tolist() == [5000] and csv.field_size_limit() == 1000


def test_unclosed_quotes_do_not_read_to_the_end_with_a_raised_limit(raised_global_limit):
    lines = ["a,b"]
    for i in range(40):   # 40 stray quotes, each followed by many lines: linear, not quadratic
        lines.append(f'{i},"open')
        lines.extend(f"{i},{'v' * 60}" for _ in range(3000))
    started = time.perf_counter()
    reader = CsvReader(mode="lenient", chunk_lines=50_000)
    frame = reader.read(lines)
    elapsed = time.perf_counter() - started
    assert reader.report.bad_lines == 40 and len(frame) == 120_000
    assert elapsed < 30, elapsed


def test_interleaved_reads_restore_the_global_limit(raised_global_limit):
    lines = ["a,b"] + [f"{i},x" for i in range(50)]
    first = CsvReader(chunk_lines=10).iter_chunks(lines)
    second = CsvReader(chunk_lines=10).iter_chunks(lines)
    next(first)
    assert csv.field_size_limit() == sys.maxsize   # between frames the process has its own value
    next(second)
    list(first)
    list(second)
    assert csv.field_size_limit() == sys.maxsize


@pytest.mark.skipif(sys.version_info < (3, 10), reason="CPython 3.9's _csv has one shared state")
def test_a_read_never_changes_the_process_limit_other_threads_see(raised_global_limit):
    # CsvReader parses with its own instance of csv's C module (its own field limit): the host's
    # csv.field_size_limit stays as set for the whole read, not only between frames
    seen = []

    def lines():
        yield "a,b"
        for i in range(5):
            seen.append(csv.field_size_limit())   # what any other thread of the process sees mid-read
            yield f"{i},x"
        yield "9," + "x" * (CSV_FIELD_LIMIT + 1)

    reader = CsvReader(mode="lenient")
    frame = reader.read(lines())
    assert set(seen) == {sys.maxsize}
    assert len(frame) == 5 and reader.report.bad_lines == 1   # the limit still applies to the read itself
    assert csv.field_size_limit() == sys.maxsize


def test_without_a_private_csv_module_the_limit_is_set_while_parsing(raised_global_limit, monkeypatch):
    # interpreters that share csv's state between instances: the global override, restored between frames
    from dl4j_bridge.etl import readers
    monkeypatch.setattr(readers, "_private_csv", csv)
    big = "x" * (CSV_FIELD_LIMIT + 10)
    reader = CsvReader(mode="lenient")
    frame = reader.read(["a,b", f"1,{big}", "2,y", f'3,"{"z" * 10}', "4,w"])
    assert frame["a"].tolist() == ["2", "4"] and reader.report.bad_lines == 2
    assert csv.field_size_limit() == sys.maxsize


def _reference(label, values):
    if label.classes is not None:
        return [label.class_of(v) for v in values]
    positive = None if label.positive is None else set(label.positive)
    return [label._binary(v, positive, set(label.negative)) for v in values]


VALUES = ["normal", " Normal ", "BENIGN", "port_scan", "PORT_SCAN ", "", None, math.nan, "0", "1", "attack", "nan",
          "NaN", "None", "brute_force", "-"]


@pytest.mark.parametrize("label", [Label("label"), Label("label", positive=["attack", "1", "nan", "None"]),
                                   Label("label", negative=["Normal", "0"]), Label("label", classes=CLASSES)])
def test_label_derive_maps_each_distinct_value_as_each_value(label):
    rng = np.random.default_rng(3)
    columns = [rng.choice(np.array(VALUES, dtype=object), 5000),
               np.array([1, 0, 1, None, 0, math.nan], dtype=object),            # JSON integers
               np.array([True, False, None, True], dtype=object),              # JSON booleans
               np.array([1, True, 1.0, 0.0, -0.0, 0, False, "1", None, np.int64(1)], dtype=object),   # mixed
               np.array([None] * 7, dtype=object), np.array([], dtype=object)]
    for values in columns:
        frame = pd.DataFrame({"label": pd.Series(values, dtype=object)})   # as readers build frames: None stays
        values = frame["label"].to_numpy(dtype=object)
        want = _reference(label, values)
        if label.classes is not None and any(w is None for w in want):
            first = next(i for i, w in enumerate(want) if w is None)
            with pytest.raises(Exception, match=rf":{first + 1}: field 'label' unknown label: .*got "
                               rf"{repr(values[first]).replace('(', '[(]').replace(')', '[)]')}"):
                label.derive(frame)
            continue
        got = label.derive(frame)["step_label"]
        assert got.dtype == np.int8 and got.tolist() == want
        assert sum(v is None for v in values) == sum(v is None for v in frame["label"])


def test_map_distinct_calls_once_per_distinct_value_and_equals_the_loop():
    calls = []

    def function(value):
        calls.append(value)
        return (type(value).__name__, repr(value))

    values = np.array(["a", "b", None, "a", math.nan, "b", None] * 1000, dtype=object)
    assert map_distinct(values, function).tolist() == [(type(v).__name__, repr(v)) for v in values]
    assert len(calls) == 4   # a, b, None, NaN
    for mixed in ([1, True, 1.0], [0.0, -0.0], [np.int64(2), 2], [pd.NA, "x"]):
        values = np.array(mixed, dtype=object)
        assert map_distinct(values, function).tolist() == [(type(v).__name__, repr(v)) for v in values]
