"""The label transform: the default normal values (BENIGN, normal., ...), attack classes, unknown class values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dl4j_bridge.etl import JsonLinesReader, Label, Pipeline, Template, Windows
from dl4j_bridge.etl.errors import BadLineError, EtlError
from dl4j_bridge.etl.transforms import STEP_LABEL, transform_from_dict

CLASSES = ["normal", "brute_force", "port_scan", "exfiltration"]


def derive(label: Label, values) -> list[int]:
    return label.derive(pd.DataFrame({"label": pd.Series(values, dtype=object)}))[STEP_LABEL].tolist()


@pytest.mark.parametrize("value", ["BENIGN", "benign", " Benign ", "normal", "NORMAL", "normal.", "0", "false",
                                   "False", "no", "none", "-", "ok", "clean", "legitimate", "n/a", "", None,
                                   float("nan"), 0, False])
def test_the_conventional_normal_spellings_are_normal(value):
    assert derive(Label("label"), [value]) == [0]
    assert Label.is_anomalous(value) == 0


@pytest.mark.parametrize("value", ["attack", "DDoS", "1", 1, "anomaly", "brute_force", True])
def test_anything_else_is_anomalous(value):
    assert derive(Label("label"), [value]) == [1]


def test_negative_lists_the_normal_values_and_a_saved_spec_keeps_its_own():
    assert derive(Label("label", negative=["allowed"]), ["ALLOWED", "benign", None]) == [0, 1, 0]
    # the entries are compared as the values are (blanks stripped, lower case): written as the data spells them
    spelled = Label("label", negative=["BENIGN", " Normal "])
    assert derive(spelled, ["BENIGN", "benign", "Normal", "normal ", "attack"]) == [0, 0, 0, 0, 1]
    assert transform_from_dict(json.loads(json.dumps(spelled.to_dict()))).negative == ("benign", "normal")
    # a spec saved before "benign" was a normal value keeps reading it as anomalous, as the JVM scorer does
    old = {"kind": "label", "column": "label", "positive": None,
           "negative": ["", "0", "0.0", "false", "normal", "-", "none", "null"]}
    assert derive(transform_from_dict(old), ["BENIGN", "normal"]) == [1, 0]
    again = transform_from_dict(json.loads(json.dumps(Label("label").to_dict())))
    assert derive(again, ["BENIGN", "x"]) == [0, 1]


def test_classes_map_values_to_class_ids_case_and_blanks_ignored_missing_is_class_0():
    label = Label("label", classes=CLASSES)
    assert label.n_classes == 4
    assert derive(label, ["normal", "Brute_Force", " port_scan ", "EXFILTRATION", None, ""]) == [0, 1, 2, 3, 0, 0]
    again = transform_from_dict(json.loads(json.dumps(label.to_dict())))
    assert again.classes == CLASSES and derive(again, ["port_scan"]) == [2]
    assert label.value_check("ddos").startswith("unknown label: expected one of the label classes normal, ")
    assert label.value_check("normal") is None and label.value_check(None) is None
    assert label.anomalous("ddos") and label.anomalous("port_scan") and label.normal("NORMAL")


@pytest.mark.parametrize("kwargs, says", [
    ({"classes": ["normal"]}, "2 to 127"),
    ({"classes": ["normal", "Normal "]}, "same value"),
    ({"classes": ["normal", " "]}, "blank"),
    ({"classes": "normal,attack"}, "list of strings"),
    ({"classes": ["normal", "attack"], "positive": ["attack"]}, "not both"),
    ({"positive": ["a"], "negative": ["b"]}, "not both"),
])
def test_wrong_classes_are_refused(kwargs, says):
    with pytest.raises(EtlError, match=says):
        Label("label", **kwargs)


def lines(labels):
    return [json.dumps({"message": f"event {i % 3}", "label": value}) for i, value in enumerate(labels)]


def pipeline(mode="strict", quarantine=None):
    reader = JsonLinesReader({"message": "message", "label": "label"}, mode=mode, quarantine=quarantine)
    return Pipeline(reader, [Template("message"), Label("label", classes=CLASSES)],
                    sequence=Windows(length=2, stride=2))


def test_a_value_that_is_no_class_is_a_bad_line_strict_names_it(tmp_path):
    data = lines(["normal", "port_scan", "normal", "ddos", "normal", "normal"])
    with pytest.raises(BadLineError) as error:
        pipeline().fit(data)
    assert error.value.line == 4 and error.value.field == "label"
    assert "unknown label" in str(error.value) and "'ddos'" in str(error.value)


def test_lenient_counts_and_quarantines_it_never_maps_it(tmp_path):
    data = lines(["normal", "port_scan", "normal", "ddos", "exfiltration", "normal", "brute_force", "normal"])
    p = pipeline("lenient", tmp_path / "bad.jsonl")
    p.fit(data)
    batch = p.transform(data)
    report = p.report
    assert report.bad_lines == 1 and report.bad_by_reason == {"unknown label": 1}
    assert report.unaccounted_lines == 0
    assert batch.step_labels.tolist() == [[0, 2], [0, 3], [0, 1]]   # 7 records: the last one in no window
    assert batch.labels.tolist() == [2, 3, 1]
    assert 4 not in batch.line_numbers
    quarantined = [json.loads(line) for line in (tmp_path / "bad.jsonl").read_text().splitlines()]
    assert [(q["line"], q["field"]) for q in quarantined] == [(4, "label")]
    # a saved pipeline checks the label the same way
    spec = tmp_path / "spec.json"
    p.save(spec)
    loaded = Pipeline.load(spec)
    assert loaded.reader.value_checks and loaded.transform(data).labels.tolist() == [2, 3, 1]


def test_logs_without_the_label_field_score_as_class_0():
    p = pipeline()
    p.fit(lines(["normal", "port_scan", "normal", "normal"]))
    batch = p.transform([json.dumps({"message": "event 1"}), json.dumps({"message": "event 2"})])
    assert np.all(batch.step_labels == 0)


def test_a_positive_list_differing_from_the_training_values_only_in_case_is_refused_by_the_fit(tmp_path):
    """positive = ["error"] on a log writing ERROR made every window normal, silently, for a Python user building the
    Pipeline (only run.toml's train refused it); the label transform's fit now refuses it, naming the values."""
    from dl4j_bridge.etl import LabelValuesError, TextReader

    log = tmp_path / "zk.log"
    log.write_text("".join(f"{'ERROR' if i in (5, 12) else 'INFO'} message {i % 3}\n" for i in range(20)))

    def fitted(positive, chunk_lines=10_000):
        return Pipeline(TextReader("<Level> <Content>", chunk_lines=chunk_lines),
                        [Template("Content"), Label("Level", positive=positive)], sequence=Windows(5)).fit(str(log))

    for positive in (["error"], [" Error ", "FATAL"]):
        with pytest.raises(LabelValuesError) as error:
            fitted(positive)
        assert str(error.value) == (
            f"Label('Level'): positive = {positive} matches no value of 'Level' as written, so every line would be "
            "normal; 'ERROR' (2 lines) differ only in case or blanks, and positive values are compared exactly: "
            "write positive = ['ERROR']")
        assert (error.value.column, error.value.near) == ("Level", {"ERROR": 2})
    # counted over chunks; an exact value in any chunk is a right list; a value the log does not hold is no mismatch
    with pytest.raises(LabelValuesError, match=r"'ERROR' \(2 lines\)"):
        fitted(["error"], chunk_lines=3)
    for positive in (["ERROR"], ["error", "ERROR"], ["FATAL"]):
        for chunk_lines in (3, 10_000):
            fitted(positive, chunk_lines)
    assert fitted(["ERROR"]).transform(str(log)).labels.sum() > 0
    # a saved pipeline scoring or evaluating (no fit) is not checked: it reads as it was trained
    clean = tmp_path / "clean.log"
    clean.write_text("".join(f"INFO message {i % 3}\n" for i in range(20)))
    pipeline = Pipeline(TextReader("<Level> <Content>"), [Template("Content"), Label("Level", positive=["error"])],
                        sequence=Windows(5)).fit(str(clean))
    pipeline.save(tmp_path / "spec.json")
    assert Pipeline.load(tmp_path / "spec.json").transform(str(log)).labels.sum() == 0
