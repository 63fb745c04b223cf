"""The run config, the CLI (train / score / evaluate) and reproducibility, on small generated logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

CONFIG = """
[data]
train = "data/train.jsonl"
test = "data/test.jsonl"
label_field = "label"
kinds_field = "anomaly"

[reader]
kind = "jsonl"
fields = {{ host = "host.name", service = "service", level = "level", message = "message", bytes = "bytes", label = "label", anomaly = "anomaly" }}

[[transforms]]
kind = "template"
column = "message"

[[transforms]]
kind = "categorical"
column = "service"

[[transforms]]
kind = "numeric"
column = "bytes"
log1p = true
missing = "zero"

[[transforms]]
kind = "label"
column = "label"

[sequence]
kind = "windows"
length = 6
next_event = true

[detectors.ne]
kind = "next_event"
score = "nll"
threshold = "k_sigma"
hidden_sizes = [8]
epochs = 2
batch_size = 512

[detectors.clf]
kind = "sequence_classifier"
train_on = "all"
hidden_sizes = [8]
updater = "adam"
learning_rate = 0.02
epochs = 2
batch_size = 512
class_weight = "balanced"
threshold = "best_f1"

[output]
seed = 3
report = "{report}"
models = "models"
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, jvm):
    from dl4j_bridge.etl import LogGenerator

    root = tmp_path_factory.mktemp("run")
    (root / "data").mkdir()
    train = LogGenerator(1, anomaly_rate=0.03).json_lines(1500)
    test = LogGenerator(2, anomaly_rate=0.08).json_lines(800)
    (root / "data" / "train.jsonl").write_text("\n".join(train.lines) + "\n")
    (root / "data" / "test.jsonl").write_text("\n".join(test.lines) + "\n")
    for name in ("a", "b"):
        (root / f"{name}.toml").write_text(CONFIG.format(report=f"reports/{name}"))
    return root


@pytest.fixture(scope="module")
def trained(run_dir):
    from dl4j_bridge.cli import main

    assert main(["train", "--config", str(run_dir / "a.toml")]) == 0
    return run_dir


def test_train_writes_a_report_with_plots_and_one_model_per_detector(trained, capsys):
    report = trained / "reports" / "a" / "report.md"
    text = report.read_text()
    for heading in ("Detector `ne`", "Detector `clf`", "Baseline PCA", "Baseline IsolationForest",
                    "## ROC AUC per anomaly type"):
        assert heading in text
    # the types are those of [data] kinds_field, injected or not (a BGL log's alert categories): as evaluate says
    assert "injected" not in text
    pngs = [line.split("(")[1].rstrip(")") for line in text.splitlines() if line.startswith("![")]
    assert pngs and all((trained / "reports" / "a" / p).is_file() for p in pngs)
    assert (trained / "models" / "ne.zip").is_file() and (trained / "models" / "clf.zip").is_file()
    results = json.loads((trained / "reports" / "a" / "results.json").read_text())
    assert set(results["results"]) == {"ne", "clf", "PCA", "IsolationForest"}
    assert results["results"]["clf"]["metrics"]["roc_auc"] is not None
    # what each file gave is in the report and results.json (a lenient read of mostly bad lines showed only in a log)
    assert results["read"]["train"]["lines"] == 1500 and results["read"]["test"]["lines"] == 800
    assert results["read"]["train"]["records"] == 1500 and results["read"]["test"]["bad_lines"] == 0
    assert "Read: train train.jsonl: 1500 lines, 1500 records, 0 bad; test test.jsonl: 800 lines, 800 records" in text
    # what the figures depend on besides seed and data: the same seed gives other last bits on other thread counts
    import dl4j_bridge as db

    runtime = results["runtime"]
    assert runtime["nd4j_threads"] == db.jvm_info()["nd4j.omp.threads"]
    assert runtime["nd4j_cpu_build"] == db.jvm_info()["nd4j.cpu.build"] != "?"
    assert runtime["dl4j"] == "1.0.0-M2.1" and runtime["dl4j_bridge"].startswith("dl4j_bridge ")
    assert f"{runtime['nd4j_threads']} ND4J threads, its {runtime['nd4j_cpu_build']} CPU build" in text.splitlines()[-1]


def test_the_same_seed_gives_the_same_report_and_byte_identical_model_files(trained):
    from dl4j_bridge.cli import main

    models = {name: (trained / "models" / name).read_bytes() for name in ("ne.zip", "clf.zip")}
    assert main(["train", "--config", str(trained / "b.toml")]) == 0
    for name, first in models.items():   # b's run wrote them again, at least seconds later
        assert (trained / "models" / name).read_bytes() == first, name
    a = (trained / "reports" / "a" / "report.md").read_text().replace("reports/a", "")
    b = (trained / "reports" / "b" / "report.md").read_text().replace("reports/b", "")
    assert a == b
    pngs = sorted(p.name for p in (trained / "reports" / "a").glob("*.png"))
    assert pngs and pngs == sorted(p.name for p in (trained / "reports" / "b").glob("*.png"))
    for png in pngs:   # no date or software version in the plots (PNG text chunks)
        assert (trained / "reports" / "a" / png).read_bytes() == (trained / "reports" / "b" / png).read_bytes(), png
    ra = json.loads((trained / "reports" / "a" / "results.json").read_text())["results"]
    rb = json.loads((trained / "reports" / "b" / "results.json").read_text())["results"]
    assert ra == rb


def test_score_prints_flagged_windows_with_their_raw_lines(trained, capsys):
    from dl4j_bridge.cli import main

    out = trained / "scores.jsonl"
    code = main(["score", "--model", str(trained / "models" / "clf.zip"), "--input",
                 str(trained / "data" / "test.jsonl"), "--output", str(out), "--all"])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert code == (1 if any(row["flagged"] for row in rows) else 0)   # the JVM launcher's exit codes
    assert len(rows) == 800 - 6       # every window followed by a next line
    assert rows[0]["line_numbers"] == [1, 2, 3, 4, 5, 6]
    assert {"score", "flagged", "step", "line_number"} <= set(rows[0])
    assert "sequences scored" in capsys.readouterr().err


def test_evaluate_writes_a_report_and_refuses_unlabelled_models(trained, capsys, tmp_path):
    from dl4j_bridge.cli import main

    assert main(["evaluate", "--model", str(trained / "models" / "ne.zip"), "--input",
                 str(trained / "data" / "test.jsonl"), "--report", str(tmp_path / "eval"),
                 "--kinds-field", "anomaly"]) == 0
    assert "roc_auc" in capsys.readouterr().out
    assert "ROC AUC per anomaly type" in (tmp_path / "eval" / "report.md").read_text()
    # its figures in results.json too, as train's (a train run's results.json there was left beside the new report)
    written = json.loads((tmp_path / "eval" / "results.json").read_text())
    trained_ne = json.loads((trained / "reports" / "a" / "results.json").read_text())["results"]["ne"]
    assert written["results"]["next_event"]["metrics"] == trained_ne["metrics"]
    assert written["results"]["next_event"]["per_type"] == trained_ne["per_type"]
    assert written["read"]["lines"] == 800 and written["read"]["bad_lines"] == 0
    assert written["runtime"] == json.loads((trained / "reports" / "a" / "results.json").read_text())["runtime"]
    # a --threshold override is reported as such, beside the saved threshold, not with the saved method's figures
    assert main(["evaluate", "--model", str(trained / "models" / "ne.zip"), "--input",
                 str(trained / "data" / "test.jsonl"), "--report", str(tmp_path / "eval2"), "--threshold", "3.5"]) == 0
    text = (tmp_path / "eval2" / "report.md").read_text()
    assert "Threshold 3.5 (threshold: `{\"name\": \"given with --threshold\", \"saved_method\": " in text


def test_evaluate_reads_leniently_on_request_quarantines_and_reports_the_bad_lines(trained, capsys, tmp_path, caplog):
    import json

    from dl4j_bridge.cli import main

    lines = (trained / "data" / "test.jsonl").read_text().splitlines()
    lines[5] = "{not json"
    lines[9] = '{"time": "x"'
    source = tmp_path / "test_bad.jsonl"
    source.write_text("\n".join(lines) + "\n")
    model = str(trained / "models" / "clf.zip")
    quarantine = tmp_path / "bad.jsonl"
    # the model's reader is strict: the first bad line is named, with how to read on
    assert main(["evaluate", "--model", model, "--input", str(source), "--report", str(tmp_path / "e0")]) == 3
    assert ":6:" in capsys.readouterr().err
    assert main(["evaluate", "--model", model, "--input", str(source), "--report", str(tmp_path / "e1"),
                 "--quarantine", str(quarantine)]) == 2   # needs lenient mode
    assert "--quarantine needs lenient mode" in capsys.readouterr().err
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.readers"):
        assert main(["evaluate", "--model", model, "--input", str(source), "--report", str(tmp_path / "e2"),
                     "--lenient", "--quarantine", str(quarantine)]) == 0
    # warned about once, not again by the read of the label field
    assert sum("2 bad lines" in m for m in caplog.messages) == 1, caplog.messages
    out = capsys.readouterr().out
    assert "bad_lines 2" in out and f"quarantine {quarantine}" in out
    assert [json.loads(line)["line"] for line in quarantine.read_text().splitlines()] == [6, 10]
    assert "bad_lines 2" in (tmp_path / "e2" / "report.md").read_text()
    assert main(["evaluate", "--model", model, "--input", str(source), "--report", str(tmp_path / "e3"), "--lenient",
                 "--quarantine", str(source)]) == 2   # never over the input
    assert (tmp_path / "test_bad.jsonl").read_text().count("\n") == len(lines)


def test_a_quarantine_without_lenient_reading_is_refused(tmp_path):
    from dl4j_bridge.detectors.run import ConfigError, build_pipeline, load_config

    path = tmp_path / "strict.toml"
    path.write_text('[reader]\nkind = "jsonl"\nmode = "strict"\nquarantine = "bad.jsonl"\n')
    with pytest.raises(ConfigError, match=r'\[reader\] quarantine = .bad.jsonl. needs mode = "lenient"'):
        build_pipeline(load_config(path))
    path.write_text('[reader]\nkind = "jsonl"\nquarantine = "bad.jsonl"\n')   # strict is the default
    with pytest.raises(ConfigError, match="needs mode"):
        build_pipeline(load_config(path))


def test_config_errors_name_the_section(tmp_path, jvm):
    from dl4j_bridge.detectors.run import ConfigError, build_pipeline, load_config

    path = tmp_path / "bad.toml"
    path.write_text('[reader]\nkind = "xml"\n')
    with pytest.raises(ConfigError, match=r"\[reader\] kind"):
        build_pipeline(load_config(path))
    from dl4j_bridge.cli import main

    assert main(["score", "--model", str(tmp_path / "missing.zip"), "--input", str(path)]) == 3


@pytest.mark.parametrize("names, words", [
    (["PCA"], "[detectors.PCA]: its results and plots (pca_histogram.png, ...) would overwrite those of the PCA "
              "baseline"),
    (["ne", "isolation_forest"], None),
    (["IsolationForest"], "those of the IsolationForest baseline"),
    (["a-b", "a_b"], "[detectors.a_b]: its results and plots (a_b_histogram.png, ...) would overwrite those of "
                     "[detectors.a-b]"),
])
def test_detector_names_that_would_overwrite_other_results_are_refused(names, words):
    from dl4j_bridge.detectors.run import ConfigError, check_detector_names

    if words is None:
        check_detector_names(names)
        return
    with pytest.raises(ConfigError) as caught:
        check_detector_names(names)
    assert words in str(caught.value) and "rename the table" in str(caught.value)


def test_a_report_plot_that_cannot_be_written_leaves_the_old_one_whole(tmp_path, monkeypatch):
    import os

    from dl4j_bridge.detectors.report import Report

    report = Report(tmp_path, "t")
    labels = np.array([0, 0, 1, 1])
    old = report._histogram("ne", labels == 1, np.array([0.1, 0.2, 0.8, 0.9]), 0.5)
    before = (tmp_path / old).read_bytes()

    def full_disk(fd):   # the data reaches the disk at fsync: where a full disk shows
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match=r"cannot write .*ne_histogram.png: No space left on device \(the file there"):
        report._histogram("ne", labels == 1, np.array([0.3, 0.2, 0.7, 0.9]), 0.5)
    monkeypatch.undo()
    assert (tmp_path / old).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ne_histogram.png"]   # no temporary file left


def test_normal_windows_reads_string_labels_and_finds_the_next_record_across_gaps():
    from dl4j_bridge.detectors import sequence_batch
    from dl4j_bridge.detectors.run import normal_windows

    # records on lines 1, 2, 3, 5, 6, 9 (a two-line record at 3-4, a quarantined line 7-8); windows of 2
    lines = np.array([[1, 2], [2, 3], [3, 5], [5, 6]])
    batch = sequence_batch(np.zeros((4, 2, 1), np.float32), step_ids=np.ones((4, 2), int),
                           next_ids=np.ones(4, int), line_numbers=lines, labels=np.array([0, 0, 0, 1]))
    raw = {1: "0", 2: "normal", 3: " - ", 5: "attack", 6: "0", 9: "1"}
    # window 1 is followed by line 5 (an attack), window 2 by 6, window 3 holds an attack itself
    assert normal_windows(batch, raw).tolist() == [0, 2]
    assert normal_windows(batch, {n: "0" for n in raw}).tolist() == [0, 1, 2]
    assert normal_windows(batch).tolist() == [0, 1, 2]
    batch.labels[:] = 0
    batch.next_ids[:] = [1, 1, 1, -1]        # a window without a next record is judged by its own steps only
    assert normal_windows(batch, raw).tolist() == [0, 2, 3]


def test_a_next_event_window_is_judged_with_the_record_after_it():
    from dl4j_bridge.detectors import sequence_batch
    from dl4j_bridge.detectors.run import _per_type, next_record_lines, window_truth

    lines = np.array([[1, 2], [2, 3], [3, 4], [4, 5]])
    batch = sequence_batch(np.zeros((4, 2, 1), np.float32), step_ids=np.ones((4, 2), int),
                           next_ids=np.array([1, 1, 1, -1]), line_numbers=lines, labels=np.array([0, 0, 1, 1]))
    raw = {1: "ok", 2: "ok", 3: "ok", 4: "scan", 5: "ok", 6: "ok"}
    assert next_record_lines(batch, raw.keys()).tolist() == [3, 4, 5, -1]
    # the window (2, 3) predicts line 4, the scan: a true positive for a next-event detector only
    assert window_truth(batch, raw, next_event=True, positive=["scan"]).tolist() == [0, 1, 1, 1]
    assert window_truth(batch, raw, next_event=False, positive=["scan"]).tolist() == [0, 0, 1, 1]
    assert window_truth(batch, None, next_event=True).tolist() == [0, 0, 1, 1]
    kinds = {1: "", 2: "", 3: "", 4: "port_scan", 5: "", 6: ""}   # one value per record, as line_columns gives
    scores = np.array([0.1, 0.9, 0.8, 0.7])
    assert _per_type(batch, scores, kinds, next_event=True) == {"port_scan": 1.0}   # only window 0 is negative
    assert _per_type(batch, scores, kinds) == {"port_scan": 0.5}    # windows 0 and 1 negative: 0.9 is a miss


# --------------------------------------------------------------------------------------------------
# user trial: score's bad-line options and stdin, inputs without a mapped or label field
# --------------------------------------------------------------------------------------------------
def test_score_reads_leniently_with_a_quarantine_or_strictly_with_a_hint_as_the_jvm_launcher(trained, tmp_path,
                                                                                               capsys, monkeypatch):
    import io
    import sys

    from dl4j_bridge.cli import main

    lines = (trained / "data" / "test.jsonl").read_text().splitlines()[:200]
    lines[49] = "not a JSON line"
    data = tmp_path / "test_bad.jsonl"
    data.write_text("\n".join(lines) + "\n")
    model = str(trained / "models" / "clf.zip")   # saved with the reader's default mode, strict
    assert main(["score", "--model", model, "--input", str(data)]) == 3
    err = capsys.readouterr().err
    assert f"{data}:50: invalid JSON" in err
    assert "to read on, score with --lenient [--quarantine BAD.jsonl] to count such lines" in err
    assert main(["score", "--model", model, "--input", str(data), "--quarantine", str(tmp_path / "q.jsonl")]) == 2
    assert "--quarantine needs lenient mode" in capsys.readouterr().err
    with pytest.raises(SystemExit) as both:
        main(["score", "--model", model, "--input", str(data), "--strict", "--lenient"])
    assert both.value.code == 2
    out_file, out_stdin = tmp_path / "file.jsonl", tmp_path / "stdin.jsonl"
    code = main(["score", "--model", model, "--input", str(data), "--lenient", "--all", "--output", str(out_file),
                 "--quarantine", str(tmp_path / "q.jsonl")])
    assert code in (0, 1)
    (row,) = [json.loads(line) for line in (tmp_path / "q.jsonl").read_text().splitlines()]
    assert (row["source"], row["line"], row["text"]) == (str(data), 50, "not a JSON line")
    assert "bad_lines 1" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.read_bytes()), encoding="utf-8"))
    assert main(["score", "--model", model, "--input", "-", "--lenient", "--all", "--output", str(out_stdin)]) == code
    assert out_stdin.read_text() == out_file.read_text() and len(out_file.read_text().splitlines()) == 199 - 6
    assert ("lines 200, records 199, continuation_lines 0, blank_lines 0, bad_lines 1, "
            'bad_by_reason {"invalid JSON": 1}') in capsys.readouterr().err


def test_score_and_evaluate_refuse_input_without_a_mapped_field_or_any_label(trained, tmp_path, capsys):
    from dl4j_bridge.cli import main

    records = [json.loads(line) for line in (trained / "data" / "test.jsonl").read_text().splitlines()[:100]]

    def write(name, change):
        path = tmp_path / name
        path.write_text("".join(json.dumps(change(dict(r))) + "\n" for r in records))
        return str(path)

    renamed = write("renamed.jsonl", lambda r: {("msg" if k == "message" else k): v for k, v in r.items()})
    unlabelled = write("unlabelled.jsonl", lambda r: {k: v for k, v in r.items() if k != "label"})
    null_labels = write("null_labels.jsonl", lambda r: {**r, "label": None})
    model = str(trained / "models" / "ne.zip")
    assert main(["score", "--model", model, "--input", renamed]) == 3
    err = capsys.readouterr().err
    assert "field 'message' (path 'message') is in none of its 100 JSON records" in err and "'msg'" in err
    for path, says in ((unlabelled, "the label field 'label' is absent from the input"),
                       (null_labels, "the label field 'label' has no value in any of its 100 records")):
        assert main(["evaluate", "--model", model, "--input", path, "--report", str(tmp_path / "ev")]) == 3
        assert says in capsys.readouterr().err
    test = str(trained / "data" / "test.jsonl")
    assert main(["evaluate", "--model", model, "--input", test, "--report", str(tmp_path / "ev"),
                 "--kinds-field", "nosuch"]) == 3
    err = capsys.readouterr().err
    # the input's fields, not the reader's names for them
    assert "the input has no field 'nosuch'; its fields are ['@timestamp', 'host.name', 'service', 'pid'" in err
    # a field the model's reader does not map is read under its own name
    assert main(["evaluate", "--model", model, "--input", test, "--report", str(tmp_path / "ev"),
                 "--kinds-field", "service"]) == 0


@pytest.mark.parametrize("threshold", ["nan", "inf", "-inf", "1e400", "high"])
def test_a_threshold_override_must_be_a_finite_number_as_for_the_launcher(threshold, capsys):
    from dl4j_bridge.cli import main

    with pytest.raises(SystemExit) as usage:
        main(["score", "--model", "m.zip", "--input", "x.log", f"--threshold={threshold}"])
    assert usage.value.code == 2 and "must be a finite number" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------------
# user trial: score streams (a 1 GB log took 3.1 GB), and its summary accounts for every line
# --------------------------------------------------------------------------------------------------
def _small_chunks(monkeypatch, size: int, batches: list):
    """Make score's ETL give batches of ``size`` sequences (a file is read in blocks of megabytes, so a small
    test file makes one batch) and record each batch's length."""
    import dl4j_bridge.cli as cli
    from dl4j_bridge.detectors import take

    load = cli._load

    def small(model, trusted):
        detector = load(model, trusted)
        iter_transform = detector.pipeline_.iter_transform

        def recorded(source, **kwargs):
            for whole in iter_transform(source, **kwargs):
                for start in range(0, len(whole), size):
                    batch = take(whole, np.arange(start, min(start + size, len(whole))))
                    batches.append(len(batch))
                    yield batch

        detector.pipeline_.iter_transform = recorded
        return detector

    monkeypatch.setattr(cli, "_load", small)


@pytest.mark.parametrize("model, extra", [("ne.zip", ["--all"]), ("ne.zip", []), ("clf.zip", ["--all"])])
def test_score_writes_the_same_rows_batch_by_batch_with_the_index_running_on(trained, tmp_path, monkeypatch,
                                                                            capsys, model, extra):
    from dl4j_bridge.cli import main

    args = ["score", "--model", str(trained / "models" / model), "--input", str(trained / "data" / "test.jsonl")]
    whole, streamed = tmp_path / "whole.jsonl", tmp_path / "streamed.jsonl"
    code = main(args + ["--output", str(whole)] + extra)   # the saved chunk size: one batch of 800 lines
    summary = capsys.readouterr().err.splitlines()[-1]
    batches: list = []
    _small_chunks(monkeypatch, 64, batches)
    assert main(args + ["--output", str(streamed)] + extra) == code
    assert len(batches) > 10 and sum(batches) == 800 - 6
    assert streamed.read_bytes() == whole.read_bytes()      # byte for byte, index and all
    rows = [json.loads(line) for line in streamed.read_text().splitlines()]
    if extra:
        assert [row["index"] for row in rows] == list(range(800 - 6))
    else:
        assert rows and all(row["flagged"] for row in rows) and max(row["index"] for row in rows) > 64
    assert capsys.readouterr().err.splitlines()[-1] == summary   # the same counts, flagged ones included


def test_score_writes_each_parts_rows_before_reading_on(trained, monkeypatch):
    """With parts of 100 sequences (the JVM's minibatch is 4096), the rows of every full part are out before
    the next batch of the ETL is read; the index runs on across parts."""
    import io
    import sys

    import dl4j_bridge.cli as cli
    import dl4j_bridge.network

    monkeypatch.setattr(dl4j_bridge.network, "PREDICT_CHUNK", 100)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    written: list = []
    batches: list = []
    _small_chunks(monkeypatch, 64, batches)
    load = cli._load
    parts: list = []

    def watching(model, trusted):
        detector = load(model, trusted)
        inner, score_batch = detector.pipeline_.iter_transform, detector.score_batch

        def watched(source, **kwargs):
            for batch in inner(source, **kwargs):
                written.append(len(out.getvalue().splitlines()))   # rows out when this batch was read
                yield batch

        def scored(batch, **kwargs):
            parts.append(len(batch))
            return score_batch(batch, **kwargs)

        detector.pipeline_.iter_transform, detector.score_batch = watched, scored
        return detector

    monkeypatch.setattr(cli, "_load", watching)
    cli.main(["score", "--model", str(trained / "models" / "ne.zip"), "--input",
              str(trained / "data" / "test.jsonl"), "--all"])
    read_before = [sum(batches[:i]) for i in range(len(batches))]
    assert written == [n - n % 100 for n in read_before] and len(batches) > 10
    assert parts[-1] == 94 and all(n % 100 == 0 for n in parts[:-1]) and sum(parts) == 794
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["index"] for row in rows] == list(range(794))
    assert [row["line_numbers"][0] for row in rows] == list(range(1, 795))


def test_the_score_summary_accounts_for_every_line(trained, tmp_path, capsys):
    from dl4j_bridge.cli import main

    lines = (trained / "data" / "test.jsonl").read_text().splitlines()[:100]
    lines[10:10] = ["", "   "]
    lines[50] = "{broken"
    lines.append("")
    data = tmp_path / "blank.jsonl"
    data.write_text("\n".join(lines) + "\n")
    main(["score", "--model", str(trained / "models" / "ne.zip"), "--input", str(data), "--lenient",
          "--output", str(tmp_path / "out.jsonl")])
    summary = capsys.readouterr().err.splitlines()[-1]
    counts = {key: int(value) for key, value in
              (part.split(" ", 1) for part in summary.split("; ", 1)[1].split(", ") if part[:3] != "bad" or
               part.startswith("bad_lines"))}
    # records whose template the model never saw: a count of records, not of lines (at most half here: no warning)
    unknown = counts.pop("unknown_template_records", 0)
    assert unknown * 2 <= counts["records"]
    assert counts == {"lines": 103, "records": 99, "continuation_lines": 0, "blank_lines": 3, "bad_lines": 1}
    assert counts["lines"] == sum(v for k, v in counts.items() if k != "lines")
    assert 'bad_by_reason {"invalid JSON": 1}' in summary


def test_update_of_the_same_file_with_the_same_data_gives_byte_identical_files(trained, tmp_path):
    """The model file holds neither the random state nor the updater state: each ``update`` of it starts from the same
    ones (README, "Command line"), so the same file, data and settings give the same bytes."""
    from dl4j_bridge.cli import main

    lines = (trained / "data" / "test.jsonl").read_text().splitlines()
    reported, normal = tmp_path / "reported.jsonl", tmp_path / "normal.jsonl"
    reported.write_text("\n".join(lines[:60]) + "\n")
    normal.write_text("\n".join(lines[60:400]) + "\n")
    for name in ("ne", "clf"):
        outputs = [tmp_path / f"{name}{i}.zip" for i in range(2)]
        for output in outputs:
            assert main(["update", "--model", str(trained / "models" / f"{name}.zip"), "--input", str(reported),
                         "--with-normal", str(normal), "--output", str(output), "--epochs", "2"]) == 0
        assert outputs[0].read_bytes() == outputs[1].read_bytes(), name


def test_update_of_a_classifier_counts_flags_among_normal_lines_and_needs_the_label_field(trained, tmp_path, capsys):
    import json as _json

    from dl4j_bridge.cli import main
    from dl4j_bridge.detectors import load_detector

    lines = (trained / "data" / "test.jsonl").read_text().splitlines()
    reported, normal = tmp_path / "reported.jsonl", tmp_path / "normal.jsonl"
    reported.write_text("\n".join(lines[:120]) + "\n")
    normal.write_text("\n".join(lines[120:600]) + "\n")
    model = str(trained / "models" / "clf.zip")
    args = ["update", "--model", model, "--input", str(reported), "--with-normal", str(normal), "--output",
            str(tmp_path / "clf2.zip"), "--epochs", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "--input sequences labelled normal flagged: " in out and "--with-normal sequences labelled normal" in out
    entry = load_detector(tmp_path / "clf2.zip").updates_[-1]
    n_normal = int((load_detector(model).pipeline_.transform(str(normal)).labels == 0).sum())
    assert entry["normal"] == n_normal and entry["normal_flagged_after"] <= n_normal
    # without the label field every line would be learned as normal: refused
    unlabelled = tmp_path / "unlabelled.jsonl"
    unlabelled.write_text("\n".join(_json.dumps({k: v for k, v in _json.loads(line).items() if k != "label"})
                                    for line in lines[:120]) + "\n")
    args[args.index("--input") + 1] = str(unlabelled)
    assert main(args) == 3
    assert "has no 'label' field" in capsys.readouterr().err
