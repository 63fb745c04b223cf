"""Classifier rows name the predicted class: ``predicted_label`` after ``predicted_class``, the label transform's
``classes[predicted_class]``, the same bytes from Python's ``score``, the launcher's ``score`` and ``serve``; absent
when the classes have no names (a 0/1 label, no pipeline); models saved before the field existed get it too (their
ETL spec holds the names already)."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from bridge_testing import REPO
from test_jvm_scorer import _score_both
from test_jvm_scorer_sessions import _serve_rows

#: Odd names: a quote, non-ASCII, a number, a tab, a backslash, U+2028 and a character outside the BMP.
CLASSES = ["-", 'say "hi"', "KERNSTÖR", "3", "tab\tback\\slash \u2028\U0001f4a5"]
MESSAGES = ["session opened for user ann", "client said hello twice", "storage fault on disk sda",
            "instruction cache parity error", "watchdog restarted worker"]
#: Saved by commit 543f09f (before predicted_label) with ``train_named_classifier``.
SAVED_BEFORE = REPO / "tests" / "resources" / "classifier_named_classes_saved_before_predicted_label.zip"
PARITY = REPO / "java" / "src" / "test" / "resources" / "parity"


def named_class_lines(n_windows: int = 80) -> list:
    """JSON lines in windows of 4: every other window normal, the others with one line of class 1..4 on step 2."""
    out = []
    for w in range(n_windows):
        c = 0 if w % 2 == 0 else 1 + (w // 2) % 4
        for s in range(4):
            out.append(json.dumps({"message": MESSAGES[c] if s == 2 else MESSAGES[0],
                                   "category": CLASSES[c] if s == 2 else "-"}, ensure_ascii=False))
    return out


def train_named_classifier(path):
    """A 5-class classifier whose label transform names its classes :data:`CLASSES`, saved at ``path``."""
    from dl4j_bridge.detectors import SequenceClassifier
    from dl4j_bridge.etl import JsonLinesReader, Label, Pipeline, Template, Windows

    lines = named_class_lines()
    pipeline = Pipeline(JsonLinesReader({"message": "message", "category": "category"}),
                        [Template("message"), Label("category", classes=CLASSES)], Windows(4, stride=4))
    pipeline.fit(lines)
    detector = SequenceClassifier(n_classes=5, hidden_sizes=(8,), epochs=20, batch_size=8, learning_rate=0.05,
                                  patience=0, validation_fraction=0.0, seed=3)
    detector.fit(pipeline.transform(lines), pipeline=pipeline)
    return detector.save(path, pipeline=pipeline)


def _input(tmp_path):
    source = tmp_path / "named.jsonl"
    source.write_text("\n".join(named_class_lines()) + "\n", encoding="utf-8")
    return source


def _check_named_rows(rows):
    for row in rows:
        assert list(row)[-3:] == ["predicted_class", "predicted_label", "probability"], row
        assert row["predicted_label"] == CLASSES[row["predicted_class"]], row
    assert {row["predicted_label"] for row in rows} == set(CLASSES)   # every odd name was written


def test_rows_name_the_predicted_class_in_the_same_bytes_from_python_the_launcher_and_serve(jvm, tmp_path):
    model = train_named_classifier(tmp_path / "named.zip")
    source = _input(tmp_path)
    java, python, rows = _score_both(model, source)
    assert java.stdout == python.stdout and len(rows) == 80
    _check_named_rows(rows)
    # escaped as json.dumps(ensure_ascii=False) escapes: quotes, backslash and tab; non-ASCII (U+2028 too) as is
    assert '"predicted_label": "say \\"hi\\""' in java.stdout and '"predicted_label": "KERNSTÖR"' in java.stdout
    assert '"predicted_label": "3"' in java.stdout   # a name that is a number stays a string
    assert '"predicted_label": "tab\\tback\\\\slash \u2028\U0001f4a5"' in java.stdout
    served, _ = _serve_rows(model, source.read_text(encoding="utf-8"))
    assert served == java.stdout


def test_a_model_saved_before_predicted_label_names_its_classes_on_both_sides(jvm, tmp_path):
    from dl4j_bridge.detectors import load_detector

    spec = json.loads(zipfile.ZipFile(SAVED_BEFORE).read("dl4j_bridge.etl_spec.json"))
    assert [t.get("classes") for t in spec["transforms"] if t["kind"] == "label"] == [CLASSES]
    java, python, rows = _score_both(SAVED_BEFORE, _input(tmp_path))
    assert java.stdout == python.stdout
    _check_named_rows(rows)
    detector = load_detector(SAVED_BEFORE)
    batch = detector.pipeline_.transform(named_class_lines())
    assert detector.explain(batch, flagged_only=False) == rows


def test_classes_without_names_give_rows_without_predicted_label_on_both_sides(jvm, tmp_path):
    """A 0/1 label (here of a model saved before ``classes`` existed): the rows are those of before, no
    ``predicted_label`` key on either side."""
    vector = json.loads((PARITY / "etl_csv_sessions.json").read_text(encoding="utf-8"))
    source = tmp_path / "sessions.csv"
    source.write_text("\n".join(vector["lines"]) + "\n", encoding="utf-8")
    java, python, rows = _score_both(PARITY / "detector_classifier.zip", source)
    assert rows and all(list(r)[-2:] == ["predicted_class", "probability"] for r in rows)
    assert "predicted_label" not in java.stdout


def test_a_classifier_without_a_pipeline_has_no_predicted_label(jvm):
    from dl4j_bridge.detectors import SequenceClassifier, sequence_batch
    from dl4j_bridge.toydata import failed_login_bursts

    X, Y = failed_login_bursts(32, 6, seed=3)
    batch = sequence_batch(X, step_labels=Y, line_numbers=np.arange(32 * 6).reshape(32, 6) + 1)
    detector = SequenceClassifier(hidden_sizes=(4,), epochs=1, batch_size=16, patience=0, validation_fraction=0.0,
                                  seed=3).fit(batch)
    rows = detector.explain(batch, flagged_only=False)
    assert rows and all("predicted_label" not in r and "predicted_class" in r for r in rows)


@pytest.mark.parametrize("label, shown", [("KERNSTÖR", "most probable `KERNSTÖR` (class 3)"),
                                          ("a`b", "most probable `` a`b `` (class 3)"),
                                          (None, "most probable class 3")])
def test_the_reports_flagged_list_names_the_predicted_class(label, shown):
    from dl4j_bridge.detectors.report import explanations_markdown

    row = {"score": 0.9, "line_numbers": [3, 4], "unexpected_steps": 1, "predicted_class": 3, "line_number": 4,
           "probability": 0.9}
    if label is not None:
        row["predicted_label"] = label
    assert f"most anomalous step at line 4: {shown}, P(anomalous)=0.900" in explanations_markdown([row])


def test_the_name_is_that_of_the_last_label_transform_and_null_for_a_class_without_one():
    """Python-API cases the config refuses: two label transforms (the last sets the step label, on the JVM too) and
    an ``n_classes`` above the label's classes (a predicted class no name reaches: null, as ``EtlSpec.classNames``
    with ``LogAnomalyScorer.className`` give)."""
    from types import SimpleNamespace

    from dl4j_bridge.detectors import SequenceClassifier
    from dl4j_bridge.detectors.classifier import class_names
    from dl4j_bridge.etl import Label

    pipeline = SimpleNamespace(transforms=[Label("a", classes=["x", "y", "z"]), Label("b", classes=["-", "KERNSTOR"])])
    assert class_names(pipeline) == ["-", "KERNSTOR"]
    assert class_names(SimpleNamespace(transforms=[pipeline.transforms[0], Label("b")])) is None
    assert class_names(None) is None
    detector = SequenceClassifier(n_classes=4)
    detector.pipeline_ = pipeline
    scores = SimpleNamespace(detail_actual=np.array([1, 3]), detail_probability=np.array([0.5, 0.25]))
    assert detector._explain_step(None, scores, 0, 2) == {"predicted_class": 1, "predicted_label": "KERNSTOR",
                                                          "probability": 0.5}
    assert detector._explain_step(None, scores, 1, 2) == {"predicted_class": 3, "predicted_label": None,
                                                          "probability": 0.25}
    assert detector._explain_step(None, scores, 0, -1) == {"predicted_class": None, "predicted_label": None,
                                                           "probability": None}
