"""run.toml and labels (no JVM): n_classes / positive_classes against the label transform's classes, train_on for a
classifier, one-class training labels, the per-type table with the label field as kinds field, run.toml wording."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pytest

from dl4j_bridge.detectors.run import (ConfigError, _check_two_classes, _per_type, build_detector, build_pipeline,
                                       validate, window_truth)
from dl4j_bridge.etl import Label

from test_run_config import BASE, CLASSIFIER, config

LABEL = '[[transforms]]\nkind = "label"\ncolumn = "label"\n'
CLASSES = 'classes = ["normal", "brute_force", "port_scan", "exfiltration"]\n'


def text(label=LABEL, detector=""):
    return (BASE.replace('[sequence]', label + '\n[sequence]')
            .replace('[detectors.ne]', CLASSIFIER + detector + '[detectors.ne]'))


@pytest.mark.parametrize("label, detector, message", [
    # D3: n_classes = 4 was accepted while the label transform gave 0/1 only: classes 2 and 3 never trained
    (LABEL, 'n_classes = 4\n', r'\[detectors.clf\] n_classes = 4, but the label transform \(\[\[transforms\]\] number '
                               r'2 \(label, column .label.\)\) gives 2 classes.* classes = \["normal", "brute_force"'),
    (LABEL + CLASSES, 'n_classes = 3\n', r'\[detectors.clf\] n_classes = 3, but the label transform .* lists 4 classes'),
    (LABEL + CLASSES, 'positive_classes = [0, 1]\n', r'\[detectors.clf\] positive_classes = \[0, 1\]: the anomalous '
                                                     r"classes are 1 to 3 .* class 0 \('normal'\) is the normal one"),
    (LABEL + CLASSES, 'positive_classes = [1, 4]\n', r'\[detectors.clf\] positive_classes = \[1, 4\]'),
    (LABEL + CLASSES, 'positive_classes = [1, 1]\n', r'repeats a class'),
    (LABEL, 'positive_classes = [2]\n', r'To train attack classes, list the label values there'),
    # D4: a classifier trained on normal windows only learns from all-0 labels
    (LABEL, 'train_on = "normal"\n', r'\[detectors.clf\] train_on = "normal" trains a sequence_classifier on normal '
                                     r'windows only.* train_on = "all"'),
    (LABEL + 'classes = ["normal", "Normal"]\n', '', r'\[\[transforms\]\] number 2 \(label\): .*same value'),
])
def test_classes_and_training_settings_are_checked_before_the_jvm_naming_the_table(tmp_path, label, detector,
                                                                                    message):
    with pytest.raises(ConfigError, match=message):
        validate(config(tmp_path, text(label, detector)))


def test_n_classes_and_positive_classes_default_to_the_label_transforms_classes(tmp_path):
    cfg = config(tmp_path, text(LABEL + CLASSES))
    validate(cfg)
    pipeline = build_pipeline(cfg)
    det = build_detector("clf", cfg["detectors"]["clf"], None, 0, pipeline=pipeline)
    assert det.n_classes == 4 and list(det.positive_classes) == [1, 2, 3]
    det = build_detector("clf", {"kind": "sequence_classifier", "n_classes": 4, "positive_classes": [3]}, None, 0,
                         pipeline=pipeline)
    assert det.n_classes == 4 and list(det.positive_classes) == [3]
    binary = build_detector("clf", {"kind": "sequence_classifier"}, None, 0,
                            pipeline=build_pipeline(config(tmp_path, text())))
    assert binary.n_classes == 2 and list(binary.positive_classes) == [1]


def batch(step_labels):
    step_labels = np.asarray(step_labels, np.int32)
    return SimpleNamespace(step_labels=step_labels, mask=np.ones(step_labels.shape, np.float32),
                           labels=step_labels.max(axis=1))


def test_one_class_training_labels_are_refused_naming_the_label_transform_and_what_to_do(tmp_path):
    pipeline = build_pipeline(config(tmp_path, text()))
    det = SimpleNamespace(positive_classes=(1,))
    _check_two_classes("clf", det, batch([[0, 1], [0, 0]]), pipeline, None)   # both classes: fine
    # D2: "BENIGN" counted as anomalous made every line positive, and the report showed F1 = 1.0
    with pytest.raises(ConfigError, match=r'\[detectors.clf\] \(sequence_classifier\): every one of the 4 training '
                                          r'steps is labelled anomalous by \[\[transforms\]\] number 2 \(label, column '
                                          r".label.\).* negative = \[.<the normal value>."):
        _check_two_classes("clf", det, batch([[1, 1], [1, 1]]), pipeline, None)
    with pytest.raises(ConfigError, match=r'no training step is labelled anomalous by \[\[transforms\]\] number 2.*'
                                          r'kind = "next_event"'):
        _check_two_classes("clf", det, batch([[0, 0], [0, 0]]), pipeline, None)
    multi = build_pipeline(config(tmp_path, text(LABEL + CLASSES)))
    with pytest.raises(ConfigError, match=r'of class \[3\], positive_classes'):
        _check_two_classes("clf", SimpleNamespace(positive_classes=(3,)), batch([[0, 1], [0, 2]]), multi, None)


def test_the_label_values_are_named_when_the_training_file_is_at_hand(tmp_path):
    import json
    lines = [json.dumps({"service": "a", "message": f"m {i}", "label": "BENIGN" if i % 4 else "ddos"})
             for i in range(16)]
    (tmp_path / "train.jsonl").write_text("\n".join(lines) + "\n")
    cfg = config(tmp_path, text(LABEL + 'negative = ["normal"]\n'))
    pipeline = build_pipeline(cfg)
    with pytest.raises(ConfigError, match=r"the values of its field 'label' in train.jsonl: 'BENIGN' 12 times, "
                                          r"'ddos' 4 times"):
        _check_two_classes("clf", SimpleNamespace(positive_classes=(1,)), batch([[1, 1]]), pipeline,
                           tmp_path / "train.jsonl")


def test_best_f1_without_both_classes_names_the_run_toml_setting_not_the_python_api():
    import inspect

    from dl4j_bridge.detectors import run
    source = inspect.getsource(run.train)
    assert "validation_fraction" in source and "pass validation=" not in source


class Windows(SimpleNamespace):
    def __len__(self):
        return len(self.line_numbers)


def windows(lines):
    lines = np.asarray(lines, np.int64)
    return Windows(line_numbers=lines, mask=np.ones(lines.shape, np.float32),
                           next_ids=np.full(len(lines), -1))


def test_per_type_treats_the_label_transforms_normal_values_as_normal_and_warns_when_no_type_is_found(caplog):
    b = windows([[1, 2], [3, 4], [5, 6], [7, 8]])
    scores = np.array([0.1, 0.9, 0.2, 0.8])
    # D8: kinds_field = the label field, whose normal value is "normal" / "BENIGN": the table was empty
    kinds = {1: "normal", 2: "normal", 3: "normal", 4: "port_scan", 5: "BENIGN", 6: "normal", 7: "ddos", 8: None}
    assert _per_type(b, scores, kinds) == {"ddos": 1.0, "port_scan": 1.0}
    label = Label("label", classes=["allowed", "port_scan", "ddos"])
    kinds_allowed = {1: "allowed", 2: "allowed", 3: "Allowed", 4: "port_scan", 5: "allowed", 6: None, 7: "ddos",
                     8: None}
    assert _per_type(b, scores, kinds_allowed, label=label) == {"ddos": 1.0, "port_scan": 1.0}
    # a 0/1 label column read with positive = ["1"] beside a kinds column of attack names (UNSW-NB15's
    # attack_cat): the positive list names the label's values only, so the kinds keep the default rule
    attack_cat = {1: "-", 2: None, 3: "", 4: "Exploits", 5: "Normal", 6: None, 7: "Fuzzers", 8: None}
    assert _per_type(b, scores, attack_cat, label=Label("label", positive=["1"])) == {"Exploits": 1.0, "Fuzzers": 1.0}
    # a type is its label class: " Port_Scan " is port_scan, and JSON numbers name classes "0".."2" (they made the
    # report's table fail to join, and a sort of numbers beside strings fail)
    mixed = {1: "allowed", 2: None, 3: None, 4: " Port_Scan ", 5: None, 6: None, 7: "DDOS", 8: "port_scan"}
    assert _per_type(b, scores, mixed, label=label) == {"ddos": 1.0, "port_scan": 1.0}
    numbers = {1: 0, 2: 0, 3: 0, 4: 1, 5: 0, 6: None, 7: 2, 8: "2"}
    assert _per_type(b, scores, numbers, label=Label("label", classes=["0", "1", "2"])) == {"1": 1.0, "2": 1.0}
    assert _per_type(b, scores, {1: 0, 2: 0, 3: 0, 4: 3, 5: 0, 6: 0, 7: "x", 8: 0}) == {"3": 1.0, "x": 1.0}
    with caplog.at_level(logging.WARNING):
        assert _per_type(b, scores, {n: "normal" for n in range(1, 9)}) == {}
    assert "no window holds a line of an anomaly type" in caplog.text and "kinds_field" in caplog.text



def test_per_type_of_the_label_column_read_with_a_positive_list_takes_only_the_listed_values_as_types(caplog):
    # loghub Zookeeper: label = Level with positive = ["ERROR"] and kinds_field = "Level": INFO and WARN are normal
    # lines by the label, yet the report's and evaluate's per-type tables gave them ROC AUCs of their own (0.08 for
    # WARN), judged against windows "without any anomalous line" that held them
    b = windows([[1, 2], [3, 4], [5, 6], [7, 8]])
    scores = np.array([0.1, 0.9, 0.2, 0.8])
    level = {1: "INFO", 2: "WARN", 3: "INFO", 4: "ERROR", 5: "WARN", 6: "INFO", 7: "ERROR", 8: "WARN"}
    label = Label("Level", positive=["ERROR"])
    clean = np.array([True, False, True, False])
    assert _per_type(b, scores, level, label=label, clean=clean, kinds_column="Level") == {"ERROR": 1.0}
    # another column beside the label keeps the default rule (a separate attack_cat column), as before
    assert set(_per_type(b, scores, level, label=label, clean=clean, kinds_column="other")) == {"ERROR", "INFO",
                                                                                                 "WARN"}
    # no window holds an ERROR line (the file's only ones are in the training part): the warning lists the windows'
    # values, not the file's ERROR, which read as if ERROR were a normal value
    level[9] = "ERROR"
    with caplog.at_level(logging.WARNING):
        assert _per_type(b, scores, {n: v for n, v in level.items() if v != "ERROR" or n == 9}, label=label,
                         kinds_column="Level") == {}
    assert "every kinds field value of their lines is missing or normal (2 distinct: INFO, WARN)" in caplog.text

def test_window_truth_reads_the_next_record_by_the_label_transforms_rule():
    b = windows([[1, 2], [3, 4]])
    b.labels = np.array([0, 2])
    assert window_truth(b, None, next_event=False).tolist() == [0, 1]
    b.next_ids = np.array([1, -1])
    label = Label("label", classes=["allowed", "scan"])
    assert window_truth(b, {1: "allowed", 2: "allowed", 3: "scan", 4: "allowed"}, next_event=True,
                        positive=label).tolist() == [1, 1]
    assert window_truth(b, {1: "allowed", 2: "allowed", 3: "BENIGN", 4: "allowed"}, next_event=True,
                        positive=None).tolist() == [0, 1]


def test_the_label_classes_no_test_window_holds_are_named():
    from dl4j_bridge.detectors.run import absent_classes

    label = Label("label", classes=["normal", "brute_force", "port_scan", "exfiltration"])
    assert absent_classes(label, ["brute_force", "exfiltration"]) == (
        "No ROC AUC for the label classes port_scan: no test window holds a line of them.")
    assert absent_classes(label, ["brute_force", "port_scan", "exfiltration"]) is None
    assert absent_classes(Label("label"), ["x"]) is None and absent_classes(None, []) is None


def test_a_positive_list_differing_from_the_test_values_only_in_case_is_refused_naming_the_values(tmp_path):
    """loghub Zookeeper, label = Level with positive = ["error"]: the log writes ERROR, positive values are compared
    exactly, so every line was normal, silently (the next-event detector trained on the error windows, the report
    showed no anomalous test window). The fit refuses it in the training records (test_label_classes); train checks
    the test part too, which the fit does not read: a clean training log and a test log writing ERROR."""
    from dl4j_bridge.detectors.run import _check_positive_values
    from dl4j_bridge.etl import LabelValuesError, Pipeline, Template, TextReader, Windows

    train, test = tmp_path / "train.log", tmp_path / "test.log"
    train.write_text("".join(f"INFO message {i % 3}\n" for i in range(20)))
    test.write_text("".join(f"{'ERROR' if i == 5 else 'INFO'} message {i % 3}\n" for i in range(20)))
    table = "[[transforms]] number 2 (label, column 'Level')"
    for positive, refused in ((["error"], True), ([" Error "], True), (["ERROR"], False), (["FATAL"], False)):
        label = Label("Level", positive=positive)
        pipeline = Pipeline(TextReader("<Level> <Content>"), [Template("Content"), label], sequence=Windows(5))
        pipeline.fit(str(train))
        batches = [pipeline.transform(str(train)), pipeline.transform(str(test))]
        call = lambda: _check_positive_values(table, label, pipeline, batches, [str(train), str(test)])  # noqa: E731
        if refused:
            with pytest.raises(LabelValuesError, match=r"\[\[transforms\]\] number 2 \(label, column 'Level'\): "
                                                       r"positive = .* matches no value of 'Level' as written.*'ERROR' "
                                                       r"\(1 line\) differ only in case or blanks.*write positive = "
                                                       r"\['ERROR'\]"):
                call()
        else:
            call()   # a value that matches, or one the log does not hold at all (clean training logs): no error
    # the exact value is in the log, but its line is in no sequence (here: no window, all-0 batches): no error
    label = Label("Level", positive=["ERROR", "error"])
    pipeline = Pipeline(TextReader("<Level> <Content>"), [Template("Content"), label], sequence=Windows(5))
    pipeline.fit(str(test))
    batch = pipeline.transform(str(test))
    batch.step_labels[:] = 0
    _check_positive_values(table, label, pipeline, [batch], [str(test)])


def _write_case_mismatch_run(tmp_path, train_errors):
    """run.toml with positive = ["error"] over logs writing ERROR: in the test part, and in the training part too
    when ``train_errors``."""
    (tmp_path / "train.log").write_text("".join(f"{'ERROR' if train_errors and i == 5 else 'INFO'} message {i % 3}\n"
                                                for i in range(40)))
    (tmp_path / "test.log").write_text("".join(f"{'ERROR' if i in (5, 9) else 'INFO'} message {i % 3}\n"
                                               for i in range(40)))
    (tmp_path / "run.toml").write_text(
        '[data]\ntrain = "train.log"\ntest = "test.log"\n\n[reader]\nkind = "text"\nlog_format = "<Level> <Content>"'
        '\n\n[[transforms]]\nkind = "template"\ncolumn = "Content"\n\n[[transforms]]\nkind = "label"\n'
        'column = "Level"\npositive = ["error"]\n\n[sequence]\nkind = "windows"\nlength = 4\n\n'
        '[detectors.ne]\nkind = "next_event"\nhidden_sizes = [4]\nepochs = 1\n\n[output]\nreport = "r"\n'
        'models = "m"\n')


@pytest.mark.parametrize("train_errors", [True, False])
def test_run_train_refuses_a_positive_list_differing_only_in_case_as_a_config_error_and_a_label_values_error(
        tmp_path, train_errors, jvm):
    """Python callers of run.train got ConfigError for a positive list differing from the label values only in case;
    since the fit checks it (labels2) it was a LabelValuesError (an EtlError) only, which their except ConfigError
    missed. It is both now, from the fit (training part) and from train's check of the test part, and survives
    pickling as both."""
    import pickle

    from dl4j_bridge.detectors.run import load_config, train
    from dl4j_bridge.etl import EtlError, LabelValuesError

    _write_case_mismatch_run(tmp_path, train_errors)
    with pytest.raises(ConfigError, match=r"^\[\[transforms\]\] number 2 \(label, column 'Level'\): positive = "
                                          r"\['error'\] matches no value of 'Level' as written") as caught:
        train(load_config(tmp_path / "run.toml"))
    error = caught.value
    assert isinstance(error, LabelValuesError) and isinstance(error, EtlError) and isinstance(error, ValueError)
    assert error.near == {"ERROR": 1 if train_errors else 2} and error.positive == ["error"]
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, ConfigError) and isinstance(copy, LabelValuesError) and str(copy) == str(error)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("train_errors", [True, False])
def test_train_refuses_a_positive_list_differing_only_in_case_in_the_training_or_the_test_part(tmp_path, capsys,
                                                                                               train_errors, jvm):
    """The fit's check (training part) and train's (test part) give the same words, exit 3, at the config's line."""
    from dl4j_bridge.cli import main

    _write_case_mismatch_run(tmp_path, train_errors)
    assert main(["train", "--config", str(tmp_path / "run.toml")]) == 3
    lines = "1 line" if train_errors else "2 lines"
    assert (
        f"dl4j-bridge train: {tmp_path / 'run.toml'}:16: [[transforms]] number 2 (label, column 'Level'): positive = "
        f"['error'] matches no value of 'Level' as written, so every line would be normal; 'ERROR' ({lines}) differ "
        "only in case or blanks, and positive values are compared exactly: write positive = ['ERROR']\n") in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_the_per_type_section_is_a_table_or_one_line_saying_why_there_is_none(tmp_path):
    """No kinds field, or no type in the test windows: the report printed an empty table of model names (train) or of
    no type (evaluate); now one line says why. A type with no negative window beside it is n/a, not left out."""
    from dl4j_bridge.detectors.report import Report
    from dl4j_bridge.detectors.run import per_type_section

    def section(per_type, field, **kwargs):
        report = Report(tmp_path / "r", "t")
        per_type_section(report, per_type, kwargs.pop("setting", "[data] kinds_field"), field, **kwargs)
        return "\n".join(report.parts)

    assert section({"ne": None, "PCA": None}, None) == (
        "## ROC AUC per anomaly type\n\nNo ROC AUC per type: no kinds field, so there is no table; set [data] "
        "kinds_field to the field holding each line's anomaly type (the label field itself will do) to get one.\n")
    assert section({"ne": {}, "PCA": {}}, "Level") == (
        "## ROC AUC per anomaly type\n\nNo ROC AUC per type: no test window holds a line of an anomaly type (every "
        "value of [data] kinds_field = 'Level' in the test windows is missing or a normal label value), so there is "
        "no table.\n")
    assert "value of --kinds-field 'note' in" in section({"clf": {}}, "note", setting="--kinds-field", by_model=False)
    assert "| model |" not in section({"ne": {}}, "Level") and "| type |" not in section({"clf": {}}, "x",
                                                                                        by_model=False)
    text = section({"ne": {"ddos": 0.75, "scan": None}, "PCA": {"ddos": 0.5}}, "kind")
    # PCA's windows hold no 'scan' line (only the record after a next-event window does): no entry in results.json,
    # '-' here; n/a (null there) is a type with no clean window beside it
    assert "| model | ddos | scan |\n|---|---|---|\n| ne | 0.7500 | n/a |\n| PCA | 0.5000 | - |" in text
    assert "Positives: test windows holding a line of the type" in text and "n/a: no test window free of" in text
    assert "`-`: none of that model's test windows holds a line of the type" in text
    text = section({"ne": {"ddos": 0.75}, "PCA": {"ddos": 0.5}}, "kind")
    assert "n/a" not in text and "none of that model" not in text
    text = section({"clf": {"brute_force": 0.5}}, "label", setting="--kinds-field", by_model=False,
                   label=Label("label", classes=["normal", "brute_force", "port_scan"]), own_column=True)
    assert "| type | roc_auc |\n|---|---|\n| brute_force | 0.5000 |" in text and "n/a:" not in text
    assert "No ROC AUC for the label classes port_scan: no test window holds a line of them." in text


def test_a_type_without_a_negative_window_beside_it_is_undefined_not_left_out():
    b = windows([[1, 2], [3, 4]])
    assert _per_type(b, np.array([0.9, 0.1]), {1: "ddos", 2: None, 3: "scan", 4: None},
                     clean=np.array([False, False])) == {"ddos": None, "scan": None}
    assert _per_type(b, np.array([0.9, 0.1]), {1: "ddos", 2: None, 3: None, 4: None},
                     clean=np.array([False, True])) == {"ddos": 1.0}


def test_one_class_test_sequences_are_a_warning_naming_the_undefined_figures_and_what_to_do():
    """A labelled test part holding no anomaly reported precision 0.0000 and '(0 holding an anomalous line)' without
    a word: ROC AUC, average precision, recall and F1 are undefined (None), precision can only be 0."""
    from dl4j_bridge.detectors.evaluation import metrics
    from dl4j_bridge.detectors.run import one_class_line, one_class_text

    scores = np.array([0.9, 0.2, 0.7, 0.1])
    none_anomalous = metrics([0, 0, 0, 0], scores, 0.5)
    assert [none_anomalous[k] for k in ("roc_auc", "pr_auc", "recall", "f1", "precision")] == [None] * 4 + [0.0]
    both = metrics([1, 0, 1, 0], scores, 0.5)
    none_normal = metrics([1, 1, 1, 1], scores, 0.5)
    assert [none_normal[k] for k in ("roc_auc", "pr_auc", "fpr", "precision")] == [None] * 3 + [1.0]
    where, advice = "the [split]'s test part of [data] train (zk.log)", "split elsewhere"
    assert one_class_text(where, {"ne": both, "PCA": both}, advice) is None
    assert one_class_line({"ne": both}) is None
    assert one_class_text(where, {"ne": none_anomalous, "PCA": none_anomalous}, advice) == (
        "the [split]'s test part of [data] train (zk.log) holds no anomalous sequence by the labels (0 of 4 "
        "sequences), so ROC AUC, average precision, recall, F1 and F2 are undefined (n/a) and precision is 0 whenever "
        "anything is flagged (every flag is a false alarm): only fpr and accuracy, the false alarms, mean something. "
        "To measure detection, split elsewhere")
    assert one_class_line({"ne": none_anomalous}) == (
        "no anomalous sequence by the labels: roc_auc, average_precision, recall and f1 are undefined (n/a), "
        "precision only counts false alarms (see the warning)")
    # each model judged by its own truth (a classifier by its positive_classes): those of one class are named
    text = one_class_text(where, {"clf": none_anomalous, "PCA": both, "ne": none_normal}, advice)
    assert text.startswith(f"{where} holds no anomalous sequence by the labels for clf (each model judged by its own "
                           "truth) (0 of 4 sequences)")
    assert f"; and {where} holds no normal sequence by the labels for ne" in text and "fpr are undefined" in text
    assert one_class_line({"clf": none_anomalous, "ne": none_normal}).count("undefined") == 2
    # no labels: nothing is judged, nothing to warn about (the report counts flags instead)
    assert one_class_text(where, {"ne": {**none_anomalous, "labelled": False}}, advice) is None


def test_train_and_evaluate_on_a_test_part_without_anomalies_say_so_in_the_report_and_on_the_console(tmp_path, capsys,
                                                                                                     jvm):
    """loghub Zookeeper split at 70%: every ERROR line falls in the training part; the report said precision 0.0000
    and '(0 holding an anomalous line)' with no word of what that means, and an empty per-type table."""
    import json

    from dl4j_bridge.cli import main

    (tmp_path / "train.log").write_text("".join(f"{'ERROR' if i % 9 == 4 else 'INFO'} message {i % 3}\n"
                                                for i in range(60)))
    (tmp_path / "test.log").write_text("".join(f"INFO message {i % 3}\n" for i in range(30)))
    (tmp_path / "run.toml").write_text(
        '[data]\ntrain = "train.log"\ntest = "test.log"\nkinds_field = "Level"\n\n[reader]\nkind = "text"\n'
        'log_format = "<Level> <Content>"\n\n[[transforms]]\nkind = "template"\ncolumn = "Content"\n\n'
        '[[transforms]]\nkind = "label"\ncolumn = "Level"\npositive = ["ERROR"]\n\n[sequence]\nkind = "windows"\n'
        'length = 4\n\n[detectors.clf]\nkind = "sequence_classifier"\nhidden_sizes = [4]\nepochs = 1\n'
        'validation_fraction = 0\n\n[baselines]\nisolation_forest = false\n\n[output]\nreport = "r"\nmodels = "m"\n')
    assert main(["train", "--config", str(tmp_path / "run.toml")]) == 0
    out = capsys.readouterr().out
    assert ("test part: no anomalous sequence by the labels: roc_auc, average_precision, recall and f1 are undefined "
            "(n/a), precision only counts false alarms (see the warning)\n") in out
    report = (tmp_path / "r" / "report.md").read_text()
    warning = ("[data] test (test.log) holds no anomalous sequence by the labels (0 of 27 sequences), so ROC AUC, "
               "average precision, recall, F1 and F2 are undefined (n/a)")
    assert f"**Warning: {warning}" in report and "give [data] test a later file that holds anomalous lines.**" in report
    assert report.index("**Warning:") < report.index("## Detector `clf`")
    assert json.loads((tmp_path / "r" / "results.json").read_text())["one_class_warning"].startswith(warning)
    assert ("## ROC AUC per anomaly type\n\nNo ROC AUC per type: no test window holds a line of an anomaly type "
            "(every value of [data] kinds_field = 'Level' in the test windows") in report
    assert "| model |\n" not in report
    assert main(["evaluate", "--model", str(tmp_path / "m" / "clf.zip"), "--input", str(tmp_path / "test.log"),
                 "--report", str(tmp_path / "e")]) == 0
    out = capsys.readouterr().out
    assert "27 sequences, 0 anomalous: roc_auc n/a f1 n/a" in out and "no anomalous sequence by the labels: " in out
    report = (tmp_path / "e" / "report.md").read_text()
    assert report.startswith("# Evaluation of clf.zip on test.log\n\n**Warning: --input test.log holds no anomalous "
                             "sequence by the labels (0 of 27 sequences)")
    assert "No ROC AUC per type: no kinds field, so there is no table; set --kinds-field to the field" in report
    assert "one_class_warning" in json.loads((tmp_path / "e" / "results.json").read_text())


def test_evaluate_refuses_an_input_whose_label_values_differ_from_the_saved_positive_list_only_in_case(tmp_path,
                                                                                                        capsys, jvm):
    """A model saved with positive = ["ERROR"], evaluated on a log writing 'error': every line was normal and the
    one-class warning ('holds no anomalous sequence') hid why. Now exit 3 in the fit's words, with what a saved model
    needs (train again with both values); an input writing ERROR still evaluates."""
    import pickle

    from dl4j_bridge.cli import main
    from dl4j_bridge.detectors.run import check_evaluated_positive_values
    from dl4j_bridge.etl import LabelValuesError

    (tmp_path / "train.log").write_text("".join(f"{'ERROR' if i % 9 == 4 else 'INFO'} message {i % 3}\n"
                                                for i in range(60)))
    (tmp_path / "lower.log").write_text("".join(f"{'error' if i % 9 == 4 else 'INFO'} message {i % 3}\n"
                                                for i in range(30)))
    (tmp_path / "run.toml").write_text(
        '[data]\ntrain = "train.log"\ntest = "train.log"\n\n[reader]\nkind = "text"\n'
        'log_format = "<Level> <Content>"\n\n[[transforms]]\nkind = "template"\ncolumn = "Content"\n\n'
        '[[transforms]]\nkind = "label"\ncolumn = "Level"\npositive = ["ERROR"]\n\n[sequence]\nkind = "windows"\n'
        'length = 4\n\n[detectors.ne]\nkind = "next_event"\nhidden_sizes = [4]\nepochs = 1\n\n'
        '[baselines]\nisolation_forest = false\npca = false\n\n[output]\nreport = "r"\nmodels = "m"\n')
    assert main(["train", "--config", str(tmp_path / "run.toml")]) == 0
    model = str(tmp_path / "m" / "ne.zip")
    capsys.readouterr()
    assert main(["evaluate", "--model", model, "--input", str(tmp_path / "lower.log"),
                 "--report", str(tmp_path / "e")]) == 3
    err = capsys.readouterr().err
    assert ("dl4j-bridge evaluate: --input lower.log: the model's label transform (column 'Level'): positive = "
            "['ERROR'] matches no value of 'Level' as written, so every line would be normal; 'error' (3 lines) differ "
            "only in case or blanks, and positive values are compared exactly: train the model again with positive = "
            "['ERROR', 'error'] (a saved model keeps the positive list it was trained with)\n") in err
    assert "holds no anomalous sequence" not in err and not (tmp_path / "e").exists()
    assert main(["evaluate", "--model", model, "--input", str(tmp_path / "train.log"),
                 "--report", str(tmp_path / "ok")]) == 0
    # the Python path the command takes: the same error, a LabelValuesError (and ConfigError) that pickles as itself
    from dl4j_bridge.detectors import load_detector
    from dl4j_bridge.detectors.run import line_columns
    from dl4j_bridge.etl.transforms import step_label

    detector = load_detector(model)
    label = step_label(detector.pipeline_.transforms)
    batch = detector.pipeline_.transform(str(tmp_path / "lower.log"))
    values = line_columns(detector.pipeline_, str(tmp_path / "lower.log"), ["Level"])["Level"]
    with pytest.raises(ConfigError) as caught:
        check_evaluated_positive_values("--input lower.log", label, batch, values)
    assert isinstance(caught.value, LabelValuesError) and caught.value.saved
    assert str(pickle.loads(pickle.dumps(caught.value))) == str(caught.value)
    batch = detector.pipeline_.transform(str(tmp_path / "train.log"))
    check_evaluated_positive_values("--input train.log", label, batch,
                                    line_columns(detector.pipeline_, str(tmp_path / "train.log"), ["Level"])["Level"])
