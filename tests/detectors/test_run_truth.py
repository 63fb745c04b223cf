"""Which truth train and evaluate judge each model against: a classifier its positive_classes, the per-type
ROC AUC's negatives the label truth; and what the report says about it."""

from __future__ import annotations

import json

import numpy as np
import pytest


KINDS = ["normal", "port_scan", "brute_force", "exfiltration", "hardware_error", "crash_loop"]

CONFIG = """
[data]
train = "train.jsonl"
test = "test.jsonl"
label_field = "label"
kinds_field = "anomaly"

[reader]
kind = "jsonl"
fields = {{ service = "service", message = "message", label = "label", anomaly = "anomaly" }}

[[transforms]]
kind = "template"
column = "message"

[[transforms]]
kind = "categorical"
column = "service"

[[transforms]]
kind = "label"
column = "anomaly"
classes = {classes}

[sequence]
kind = "windows"
length = 6
next_event = true

[detectors.clf]
kind = "sequence_classifier"
hidden_sizes = [4]
updater = "adam"
learning_rate = 0.02
epochs = 1
batch_size = 512
class_weight = "balanced"
positive_classes = [3]

[baselines]
pca = true
isolation_forest = false

[output]
seed = 3
report = "report"
models = "models"
"""


def test_window_truth_reads_a_classifiers_positive_classes_from_the_step_labels():
    from dl4j_bridge.detectors import sequence_batch
    from dl4j_bridge.detectors.run import window_truth

    steps = np.array([[0, 2], [1, 0], [0, 0], [0, 1]])
    mask = np.array([[1, 1], [1, 1], [1, 1], [1, 0]])   # the last window's class-1 step is padding
    batch = sequence_batch(np.zeros((4, 2, 1), np.float32), mask=mask, step_ids=np.ones((4, 2), int),
                           step_labels=steps)
    assert window_truth(batch, None, next_event=False).tolist() == [1, 1, 0, 0]
    assert window_truth(batch, None, next_event=False, classes=[1]).tolist() == [0, 1, 0, 0]
    assert window_truth(batch, None, next_event=False, classes=(1, 2)).tolist() == [1, 1, 0, 0]


def test_per_type_negatives_are_the_windows_without_an_anomalous_line_by_the_labels():
    from dl4j_bridge.detectors import sequence_batch
    from dl4j_bridge.detectors.run import _per_type

    lines = np.array([[1, 2], [3, 4], [5, 6], [7, 8]])
    batch = sequence_batch(np.zeros((4, 2, 1), np.float32), step_ids=np.ones((4, 2), int), line_numbers=lines,
                           labels=np.array([1, 0, 1, 0]))
    kinds = {1: "port_scan", 2: None, 3: None, 4: None, 5: None, 6: None, 7: None, 8: None}
    scores = np.array([0.5, 0.1, 0.9, 0.2])   # window 2: an anomalous line of no type, the highest score
    clean = np.asarray(batch.labels) == 0
    assert _per_type(batch, scores, kinds, clean=clean) == {"port_scan": 1.0}   # windows 1 and 3 negative
    assert _per_type(batch, scores, kinds) == {"port_scan": pytest.approx(2 / 3)}   # without truth: 2 as well
    with pytest.raises(ValueError, match="one flag per window"):
        _per_type(batch, scores, kinds, clean=clean[:3])


def test_per_type_is_undefined_not_nan_when_every_usable_window_holds_the_type():
    """Clean windows (no label marks a line anomalous) that all hold a line of the type too, e.g. a kinds field
    naming a type on lines the labels call normal: one class. scikit-learn >= 1.6 gave NaN (results.json then held
    NaN, which is no JSON), older versions raised ValueError: None (null, n/a in the report) on every version."""
    import json

    from dl4j_bridge.detectors import sequence_batch
    from dl4j_bridge.detectors.run import _per_type

    lines = np.array([[1, 2], [3, 4], [5, 6]])
    batch = sequence_batch(np.zeros((3, 2, 1), np.float32), step_ids=np.ones((3, 2), int), line_numbers=lines,
                           labels=np.array([0, 0, 1]))
    kinds = {1: "port_scan", 2: None, 3: "port_scan", 4: None, 5: None, 6: "port_scan"}
    result = _per_type(batch, np.array([0.1, 0.2, 0.9]), kinds, clean=np.asarray(batch.labels) == 0)
    assert result == {"port_scan": None}
    assert json.loads(json.dumps(result, allow_nan=False)) == result


@pytest.fixture(scope="module")
def multiclass(tmp_path_factory, jvm):
    from dl4j_bridge.cli import main
    from dl4j_bridge.etl import LogGenerator

    root = tmp_path_factory.mktemp("truth")
    for name, seed, n, rate in (("train", 1, 1500, 0.06), ("test", 2, 800, 0.12)):
        (root / f"{name}.jsonl").write_text("\n".join(LogGenerator(seed, anomaly_rate=rate).json_lines(n).lines) + "\n")
    (root / "run.toml").write_text(CONFIG.format(classes=json.dumps(KINDS)))
    assert main(["train", "--config", str(root / "run.toml")]) == 0
    return root


def _windows(root):
    """Test windows as line numbers (by the model's own ETL) and each line's anomaly kind from the raw file."""
    from dl4j_bridge.detectors import load_detector

    det = load_detector(root / "models" / "clf.zip")
    batch = det.pipeline_.transform(str(root / "test.jsonl"))
    kind = [json.loads(line)["anomaly"] for line in (root / "test.jsonl").read_text().splitlines()]
    return [{kind[n - 1] for n, m in zip(row, mask) if m > 0} for row, mask in zip(batch.line_numbers, batch.mask)]


def test_train_and_evaluate_judge_a_classifier_by_its_positive_classes(multiclass, capsys, tmp_path):
    from dl4j_bridge.cli import main

    windows = _windows(multiclass)
    scans = sum("exfiltration" in w for w in windows)                    # positive_classes = [3]
    anomalous = sum(any(k is not None for k in w) for w in windows)      # any class > 0
    assert 0 < scans < anomalous, "the generated test data must hold exfiltration and other anomalies"
    results = json.loads((multiclass / "report" / "results.json").read_text())["results"]
    assert results["clf"]["metrics"]["positives"] == scans
    assert results["clf"]["metrics"]["negatives"] == len(windows) - scans
    assert results["PCA"]["metrics"]["positives"] == anomalous   # the baselines: any anomalous line
    text = (multiclass / "report" / "report.md").read_text()
    assert f"| clf | {scans} | {len(windows) - scans} |" in text and f"| PCA | {anomalous} |" in text
    assert "not all judged against the same truth" in text and "positive_classes" in text
    assert f"({anomalous} holding an anomalous line)" in text
    assert '"quantile": 0.99' in text and '"name": "contamination"' not in text   # the baseline's real threshold
    capsys.readouterr()
    assert main(["evaluate", "--model", str(multiclass / "models" / "clf.zip"), "--input",
                 str(multiclass / "test.jsonl"), "--report", str(tmp_path / "eval")]) == 0
    assert f"{len(windows)} sequences, {scans} anomalous:" in capsys.readouterr().out


def test_evaluate_explains_an_empty_per_type_table(multiclass, capsys, tmp_path):
    from dl4j_bridge.cli import main

    lines = [json.loads(line) for line in (multiclass / "test.jsonl").read_text().splitlines()]
    noted = tmp_path / "noted.jsonl"
    noted.write_text("".join(json.dumps(dict(line, note="normal")) + "\n" for line in lines))
    assert main(["evaluate", "--model", str(multiclass / "models" / "clf.zip"), "--input", str(noted),
                 "--report", str(tmp_path / "eval"), "--kinds-field", "note"]) == 0
    text = (tmp_path / "eval" / "report.md").read_text()
    assert "## ROC AUC per anomaly type\n\nNo ROC AUC per type: no test window holds a line of an anomaly type " \
           "(every value of --kinds-field 'note' in the test windows is missing or a normal label value), so there " \
           "is no table.\n" in text
    assert "| type | roc_auc |" not in text   # one line instead of an empty table


def test_a_split_sessions_part_is_judged_with_the_next_parts_first_record_not_the_files_next_line():
    """Parts of a split session interleave with other sessions: the record after part 0 is part 1's first record
    (``next_lines``), which the truth and the per-type table read, not the file's next record (another session's)."""
    from dl4j_bridge.detectors import sequence_batch
    from dl4j_bridge.detectors.run import _per_type, next_record_lines, window_truth

    lines = np.array([[1, 3], [5, 7], [2, 4]])       # session "a": parts (1, 3) and (5, 7); "b": (2, 4)
    batch = sequence_batch(np.zeros((3, 2, 1), np.float32), step_ids=np.ones((3, 2), int),
                           next_ids=np.array([1, -1, -1]), next_lines=np.array([5, -1, -1]), line_numbers=lines,
                           labels=np.array([0, 0, 1]))
    raw = {1: "ok", 2: "ok", 3: "ok", 4: "scan", 5: "ok", 6: "ok", 7: "ok"}
    assert next_record_lines(batch, raw.keys()).tolist() == [5, -1, -1]   # line 4 (session "b") is not part 0's
    assert window_truth(batch, raw, next_event=True, positive=["scan"]).tolist() == [0, 0, 1]
    kinds = {1: "", 2: "", 3: "", 4: "port_scan", 5: "", 6: "", 7: ""}
    # the port scan is session b's only: part 0 (0.9) is a negative beside part 1 (0.1)
    assert _per_type(batch, np.array([0.9, 0.1, 0.8]), kinds, next_event=True) == {"port_scan": 0.5}


def test_unjudged_sequences_leave_out_a_later_part_whose_one_event_the_part_before_judged():
    from dl4j_bridge.cli import unjudged_sequences
    from dl4j_bridge.detectors import sequence_batch

    batch = sequence_batch(np.zeros((4, 2, 1), np.float32), mask=np.array([[1, 1], [1, 0], [1, 0], [1, 0]]))
    scored = np.array([2, 0, 0, 0])
    assert unjudged_sequences(batch, scored).tolist() == [False, True, True, True]   # not split: all three count
    batch.parts = np.array([0, 1, -1, 0], np.int32)   # a 1-event part 1 (judged by part 0), a 1-event session
    assert unjudged_sequences(batch, scored).tolist() == [False, False, True, True]
    # a next-value model judges nothing across parts: part 1's one record went unjudged too
    assert unjudged_sequences(batch, scored, "next_value").tolist() == [False, True, True, True]


def test_the_unjudged_warning_says_what_a_next_value_model_judges():
    from dl4j_bridge.cli import unjudged_warning

    assert unjudged_warning(3) == unjudged_warning(3, "next_event") and "sessions of one event" in unjudged_warning(3)
    words = unjudged_warning(3, "next_value")
    assert words.startswith("3 sequence(s) had no step to judge (sequences of one record: a next-value model")
    assert 'windows ([sequence] kind = "windows") with a stride shorter than their length' in words
    assert "event" not in words
