"""Sessions in a whole run: baselines on sessions of any length, and next-event detectors on sessions without a
next event to predict (one-event sessions), refused in run.toml's words."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from conftest import cycle_windows
from dl4j_bridge.detectors import sequence_batch, take
from dl4j_bridge.detectors.baselines import IsolationForestBaseline, PCABaseline, flatten
from dl4j_bridge.errors import ShapeError

EVENTS = ["open", "read", "write", "close", "sync", "stat", "seek", "lock", "unlock"]


def sessions(lengths, *, start=0, seed=0, n_features=6):
    """Sessions of one-hot events 0.. padded to the longest, as the ETL pads a batch."""
    rng = np.random.default_rng(seed)
    time = max(lengths)
    ids = np.zeros((len(lengths), time), np.int32)
    mask = np.zeros((len(lengths), time), np.float32)
    for i, n in enumerate(lengths):
        ids[i, :n] = (rng.integers(0, 2) + np.arange(n)) % (n_features - 1) + 1
        mask[i, :n] = 1
    x = np.eye(n_features, dtype=np.float32)[ids] * mask[:, :, None]
    return sequence_batch(x, mask=mask, step_ids=ids, line_numbers=np.arange(ids.size).reshape(ids.shape) + start)


def old_standardised(train, test):
    """What the baselines computed before representations existed (flat windows of the training shape)."""
    a, b = flatten(train), flatten(test)
    mean, std = a.mean(axis=0), a.std(axis=0)
    std = np.where(std > 1e-9, std, 1.0)
    return (a - mean) / std, (b - mean) / std


@pytest.mark.parametrize("cls", [PCABaseline, IsolationForestBaseline])
def test_flat_windows_give_exactly_the_figures_of_before(cls):
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest

    train, test = cycle_windows(60, seed=2), cycle_windows(20, anomalous=True, seed=3)
    za, zb = old_standardised(train, test)
    if cls is PCABaseline:
        pca = PCA(n_components=0.95, svd_solver="full", random_state=4).fit(za)
        expected = ((zb - pca.inverse_transform(pca.transform(zb))) ** 2).sum(axis=1)
    else:
        forest = IsolationForest(n_estimators=200, max_samples=60, random_state=4, n_jobs=1).fit(za)
        expected = -forest.score_samples(zb)
    model = cls(seed=4).fit(train)
    got = model.decision_function(test)
    if cls is PCABaseline:   # its own eigen-decomposition, not scikit-learn's SVD: the same to rounding
        assert model.n_components_ == pca.n_components_
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9 * expected.max())
    else:
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("rows, columns, rank", [(400, 30, 30), (400, 30, 7), (25, 60, 25), (40, 40, 12)])
def test_pca_gives_scikit_learns_components_and_errors_on_either_path(rows, columns, rank):
    """More vectors than values (the scatter matrix's eigenvectors) and fewer (the data's SVD), full rank and
    rank-deficient (components past the rank explain nothing): scikit-learn's full-SVD PCA to rounding."""
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(rows + columns + rank)
    scales = np.geomspace(5.0, 0.05, rank)
    train = (rng.normal(size=(rows, rank)) * scales) @ rng.normal(size=(rank, columns))
    test = (rng.normal(size=(50, rank)) * scales) @ rng.normal(size=(rank, columns)) + rng.normal(size=(50, columns))
    as_batch = lambda x: sequence_batch(x[:, None, :].astype(np.float32))   # noqa: E731 - one step per vector
    model = PCABaseline(variance=0.9).fit(as_batch(train))
    za, zb = old_standardised(as_batch(train), as_batch(test))
    reference = PCA(n_components=0.9, svd_solver="full").fit(za)
    expected = ((zb - reference.inverse_transform(reference.transform(zb))) ** 2).sum(axis=1)
    assert model.n_components_ == reference.n_components_
    np.testing.assert_allclose(model.decision_function(as_batch(test)), expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("cls", [PCABaseline, IsolationForestBaseline])
def test_counts_score_sessions_shorter_and_longer_than_every_training_one(cls):
    train = sessions([3, 4, 5, 6] * 10, seed=1)   # padded to 6
    test = sessions([2, 9, 4], seed=2)            # padded to 9: one shorter, one longer than any training session
    model = cls(seed=0, representation="counts").fit(train)
    scores = model.decision_function(test)
    assert scores.shape == (3,) and np.isfinite(scores).all()
    # a session scores the same whatever the batch it is padded in
    alone = sequence_batch(test.x[2:3, :4], mask=test.mask[2:3, :4], step_ids=test.step_ids[2:3, :4])
    assert model.decision_function(alone)[0] == pytest.approx(scores[2])


def test_flat_pads_a_shorter_batch_cuts_only_padding_and_refuses_longer_sequences():
    train = sessions([3, 4, 5, 6] * 10, seed=1)
    model = PCABaseline(representation="flat").fit(train)
    short = sessions([2, 4], seed=5)             # padded to 4
    wide = sessions([2, 4, 8], seed=5)           # padded to 8; the first two are the same sessions
    # the same two sessions padded to 4 (padded to 6 by the baseline) and to 8 (cut to 6: padding only)
    np.testing.assert_array_equal(model.decision_function(short), model.decision_function(take(wide, [0, 1])))
    cut = sessions([2, 4, 6, 1], seed=5)
    padded = sequence_batch(np.pad(cut.x, ((0, 0), (0, 3), (0, 0))), mask=np.pad(cut.mask, ((0, 0), (0, 3))),
                            step_ids=np.pad(cut.step_ids, ((0, 0), (0, 3))))
    np.testing.assert_array_equal(model.decision_function(padded), model.decision_function(cut))
    with pytest.raises(ShapeError, match=r'sequences of up to 8 steps, the baseline was fitted on sequences of at '
                                         r'most 6 .*representation="counts"'):
        model.decision_function(wide)


def test_pca_on_identical_training_vectors_scores_the_distance_without_a_runtime_warning():
    train = sessions([6] * 40, seed=0)
    train.step_ids[:] = train.step_ids[0]
    train.x[:] = train.x[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = PCABaseline(representation="counts").fit(train)
        assert model.n_components_ == 0
        scores = model.decision_function(sessions([6, 2, 9], seed=3))
    assert scores[0] >= 0 and np.isfinite(scores).all()
    np.testing.assert_array_equal(model.decision_function(train), np.zeros(40))


def test_standardising_makes_no_temporary_of_the_vectors_size_and_leaves_the_batch_alone():
    import tracemalloc

    train, test = cycle_windows(3000, seed=2), cycle_windows(2000, anomalous=True, seed=3)
    kept = test.x.copy()
    model = PCABaseline()
    model._standardise(train, fit=True)
    tracemalloc.start()
    try:
        z = model._standardise(test)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # exactly (vectors - mean) / std, as before
    np.testing.assert_array_equal(z, old_standardised(train, test)[1])
    np.testing.assert_array_equal(test.x, kept)
    # the float32 product and its float64 copy (1.5 x the result) at most: (x - mean) / std made two more (3 x)
    assert peak < 2 * z.nbytes, (peak, z.nbytes)


def test_representation_is_checked():
    with pytest.raises(ValueError, match=r"representation must be one of \['flat', 'counts'\], got 'bag'"):
        PCABaseline(representation="bag")


# -- whole runs -----------------------------------------------------------------------------------------------

RUN = """
[data]
train = "train.log"
test = "test.log"

[reader]
kind = "text"
log_format = "<Time> <Session> <Content>"

[[transforms]]
kind = "template"
column = "Content"

[sequence]
kind = "sessions"
key = "Session"

[detectors.ne]
kind = "next_event"
hidden_sizes = [8]
epochs = 1
{extra}
[output]
report = "report"
models = "models"
"""


def write_log(path, lengths, start):
    with open(path, "w") as f:
        for s, n in enumerate(lengths):
            for j in range(n):
                f.write(f"2024-01-01T00:{(start + s) % 60:02d}:{j:02d} sess{start + s} step {EVENTS[j % 9]} done\n")


def run_config(tmp_path, train_lengths, test_lengths, extra=""):
    from dl4j_bridge.detectors.run import load_config

    write_log(tmp_path / "train.log", train_lengths, 0)
    write_log(tmp_path / "test.log", test_lengths, 100)
    (tmp_path / "run.toml").write_text(RUN.format(extra=extra))
    return load_config(tmp_path / "run.toml")


def test_baselines_run_on_test_sessions_shorter_and_longer_than_the_training_ones(jvm, tmp_path):
    from dl4j_bridge.detectors.run import train

    # D1: training sessions of 3 to 6 events; test sessions of 2 and of 9 (a batch padded to 9, not 6)
    cfg = run_config(tmp_path, [3, 4, 5, 6] * 10, [2, 9, 4, 9, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        summary = train(cfg)
    assert set(summary["results"]) == {"ne", "PCA", "IsolationForest"}
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    assert set(results["results"]) == {"ne", "PCA", "IsolationForest"}
    report = (tmp_path / "report" / "report.md").read_text()
    assert "each session as its feature sums over its events" in report


@pytest.mark.parametrize("train_lengths, extra, message", [
    # D2: the last block of the training sessions holds one-event sessions only (HDFS_2k keyed by block id)
    ([3] * 30 + [1] * 10, "", r"\[detectors.ne\] validation_fraction = 0.1: the validation block \(the last 4 of the "
                              r"40 training sessions\) holds no step with a next event \(10 of the 40 training "
                              r"sessions have no step .*a session of one event gives a next-event detector nothing "
                              r".*raise validation_fraction to 0.28 or more.*validation_fraction = 0"),
    ([1] * 20, "", r"none of the 20 training sessions holds a step with a next event.*nothing to learn"),
    ([1] * 20, "validation_fraction = 0\n", r"none of the 20 training sessions holds a step with a next event"),
    ([1] * 16 + [3] * 4, "validation_fraction = 0.2\n",
     r"the training sessions left beside the validation block \(16\) hold no step with a next event.*lower "
     r"validation_fraction"),
])
def test_a_next_event_detector_without_a_next_event_to_validate_or_learn_names_the_run_toml_setting(
        jvm, tmp_path, train_lengths, extra, message):
    from dl4j_bridge.detectors.run import ConfigError, train

    cfg = run_config(tmp_path, train_lengths, [3] * 5, extra)
    with pytest.raises(ConfigError, match=message):
        train(cfg)
    assert not (tmp_path / "models" / "ne.zip").exists()


def test_an_unlabelled_run_counts_flags_says_what_the_sessions_left_out_and_warns_of_undertraining(
        jvm, tmp_path, caplog, capsys):
    import logging

    from dl4j_bridge.cli import main

    run_config(tmp_path, [3, 4, 5, 6] * 10, [2, 9, 4, 9, 2])
    text = (tmp_path / "run.toml").read_text().replace('key = "Session"', 'key = "Session"\nmax_length = 4') \
        .replace("epochs = 1", "epochs = 3\nlearning_rate = 0.01")
    (tmp_path / "run.toml").write_text(text)
    with caplog.at_level(logging.WARNING):
        assert main(["train", "--config", str(tmp_path / "run.toml")]) == 0
    out = capsys.readouterr().out
    # no labels: flags counted, no precision / recall / FPR as if every test session were known to be normal
    assert "ne: flagged " in out and " of 9 test sequences (no labels" in out and "precision 0" not in out, out
    report = (tmp_path / "report" / "report.md").read_text()
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    assert "(no labels)" in report and "| share flagged |" in report and "No labels (`[data] label_field`" in report
    assert "| precision |" not in report and "| fpr |" not in report
    assert results["labelled"] is False and results["results"]["ne"]["metrics"]["labelled"] is False
    assert results["results"]["ne"]["metrics"]["flagged"] == int(results["results"]["ne"]["metrics"]["flagged"])
    # the two test sessions of 9 events (5 sequences, 9 parts) were split at max_length: said in the Read line and results.json
    assert results["read"]["test"]["split_sessions"] == 2 and results["read"]["train"]["split_sessions"] == 20
    assert "2 sessions longer than [sequence] max_length (split into parts)" in report
    # read apart ([data] test, no [split]), each file's split-sessions warning says which part it is, as a split's do
    said = [r.getMessage() for r in caplog.records if "longer than max_length" in r.getMessage()]
    assert len(said) == 2 and said[0].startswith("train part: 20 session(s)") and \
        said[1].startswith("test part: 2 session(s)"), said
    # three epochs: the loss still fell at the end, said in the report, the log and results.json
    training = results["results"]["ne"]["training"]
    assert training["epochs"] == 3 and training["best_epoch"] == 3 and training["sequences"] > 0
    assert "may be under-trained: its validation loss still fell in its last 1 of 3 epochs" in caplog.text
    assert "may be under-trained" in report and f"On its own {training['sequences']} training sequences" in report


def test_the_flagged_list_names_session_keys_and_lists_one_unexpected_line_once():
    from dl4j_bridge.detectors.report import explanations_markdown

    def row(index, key, lines, actual_line, actual_event=7):
        return {"index": index, "key": key, "score": 1.0, "line_numbers": lines, "unexpected_steps": 1,
                "expected_events": [1, 2], "actual_event": actual_event, "actual_line": actual_line,
                "probability": 0.01}

    rows = [row(0, None, [1, 2, 3], 4), row(1, None, [2, 3, 4], 4), row(2, None, [3, 4, 5], 4),
            row(3, "sshd-25283", [10, 12], 12), row(4, None, [20, 21], 4, actual_event=8),
            {**row(5, "10.0.0.1", [30, 31], 31), "part": 0}, {**row(6, "10.0.0.1", [32, 33], 33), "part": 1}]
    text = explanations_markdown(rows)
    assert text.count("unexpected at line 4") == 2          # event 7 at line 4 once, event 8 at line 4 once
    assert "the unexpected line of 2 more flagged sequence(s)" in text
    assert "key `sshd-25283`, lines 10, 12" in text
    assert "key `10.0.0.1` (part 0), lines 30-31" in text and "key `10.0.0.1` (part 1), lines 32-33" in text


def test_the_flagged_list_names_every_unexpected_line_of_a_session_not_only_the_first():
    """HPC trial: a session with 21 unexpected steps named one line; the list now gives them all (as the row)."""
    from dl4j_bridge.detectors.report import explanations_markdown

    listed = [{"line": 1440 + 3 * k, "event": 5 if k % 2 else 9, "probability": 0.001} for k in range(21)]
    row = {"index": 0, "key": "Interconnect-1N01", "part": 0, "score": 21.0, "line_numbers": list(range(1439, 1510)),
           "unexpected_steps": 21, "expected_events": [1, 2], "actual_event": 9, "actual_line": 1440,
           "probability": 0.001, "unexpected_lines": listed}
    text = explanations_markdown([row])
    assert "unexpected at line 1440" in text
    assert "all 21 unexpected lines: 1440 (event 9), 1443 (event 5), 1446 (event 9)" in text
    assert "1500 (event 9)" in text and "more" not in text
    # beyond the row's 50: the count of the rest; the line after the window named as such
    big = {**row, "unexpected_steps": 60, "unexpected_lines": listed[:20] + [{"line": None, "event": 9,
                                                                              "probability": 0.0}],
           "unexpected_lines_more": 39}
    text = explanations_markdown([big])
    assert "all 60 unexpected lines: 1440 (event 9)" in text and "the line after the window (event 9) and 39 more" \
        in text
    # one unexpected step (steps = "last", or one step only): the deciding line alone, not said twice
    one = {**row, "unexpected_steps": 1, "unexpected_lines": listed[:1]}
    assert "unexpected lines" not in explanations_markdown([one])


def test_the_update_command_trains_a_saved_detector_on_reported_sequences_with_normal_ones(jvm, tmp_path, capsys):
    from dl4j_bridge.cli import main
    from dl4j_bridge.detectors import load_detector
    from dl4j_bridge.detectors.run import train

    train(run_config(tmp_path, [3, 4, 5, 6] * 10, [4, 5]))
    model = tmp_path / "models" / "ne.zip"
    with open(tmp_path / "reported.log", "w") as f:   # sessions in an order training never showed
        for s in range(6):
            for j, event in enumerate(["open", "write", "read", "close"]):
                f.write(f"2024-01-01T01:{s:02d}:{j:02d} new{s} step {event} done\n")
    args = ["update", "--model", str(model), "--input", str(tmp_path / "reported.log"),
            "--with-normal", str(tmp_path / "train.log"), "--output", str(tmp_path / "updated.zip")]
    capsys.readouterr()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "--input " in out and ": 6 sequences" in out and ": 40 sequences" in out, out
    assert "--input sequences flagged: " in out and "--with-normal sequences flagged: " in out and "model: " in out
    updated = load_detector(tmp_path / "updated.zip")
    entry = updated.updates_[-1]
    assert entry["reported"] == 6 and entry["normal"] == 40 and entry["epochs"] == 20 and entry["sequences"] == 46
    assert entry["reported_flagged_for_unknown_events"] == 0
    assert updated.threshold_ == load_detector(model).threshold_ and updated.pipeline_ is not None
    # --lenient is for this command's reads: the updated model keeps the reading mode it was saved with
    mode = load_detector(model).pipeline_.reader.mode
    assert main(args + ["--lenient"]) == 0
    assert load_detector(tmp_path / "updated.zip").pipeline_.reader.mode == mode == "strict"
    # one file for the model and the bad lines is refused (the model would overwrite them)
    assert main(args + ["--lenient", "--quarantine", str(tmp_path / "updated.zip")]) == 2
    # settings are checked before any file is read (usage errors, exit 2)
    for bad in (["--epochs", "0"], ["--learning-rate", "-1"], ["--learning-rate", "1e39"]):
        with pytest.raises(SystemExit) as usage:
            main(args + bad)
        assert usage.value.code == 2
    # the output may not be an input, and normal logs are required (the network forgets without them)
    onto_input = list(args)
    onto_input[onto_input.index("--output") + 1] = str(tmp_path / "reported.log")
    assert main(onto_input) == 2
    at = args.index("--with-normal")
    with pytest.raises(SystemExit) as usage:
        main(args[:at] + args[at + 2:])
    assert usage.value.code == 2 and "--with-normal" in capsys.readouterr().err


def test_a_run_counts_the_sessions_a_gap_started_in_its_read_line(jvm, tmp_path):
    from dl4j_bridge.detectors.run import load_config, train

    for name, base in (("train.log", 0), ("test.log", 100)):
        with open(tmp_path / name, "w") as f:
            for s in range(12):
                for j in range(4):   # key k{s}: 4 events, then 4 more after an hour's silence
                    f.write(f"2024-01-01T00:{s:02d}:{j:02d} k{base + s} step {EVENTS[j]} done\n")
            for s in range(12):
                for j in range(4):
                    f.write(f"2024-01-01T01:{s:02d}:{j:02d} k{base + s} step {EVENTS[j]} done\n")
    text = RUN.format(extra="").replace('key = "Session"', 'key = "Session"\ngap = 600').replace(
        '[sequence]', '[[transforms]]\nkind = "timestamp"\ncolumn = "Time"\n\n[sequence]')
    (tmp_path / "run.toml").write_text(text)
    summary = train(load_config(tmp_path / "run.toml"))
    assert summary["read"]["train"]["gap_sessions"] == 12 and summary["read"]["test"]["gap_sessions"] == 12
    report = (tmp_path / "report" / "report.md").read_text()
    assert "12 more sessions started by [sequence] gap" in report


def test_a_converged_detector_without_validation_is_not_called_under_trained(jvm, caplog):
    # best_epoch is the last one whenever there is no early stopping: that alone warned on every such run
    import logging

    from dl4j_bridge.detectors import NextEventDetector
    from dl4j_bridge.detectors.run import training_check

    det = NextEventDetector(n_events=7, hidden_sizes=(8,), epochs=40, learning_rate=0.1, validation_fraction=0.0,
                            patience=0, progress=False).fit(cycle_windows(200, seed=3))
    assert det.history_.best_epoch + 1 == det.history_.epochs_completed == 40
    with caplog.at_level(logging.WARNING):
        result = training_check("ne", det, cycle_windows(200, seed=3))
    assert result["flagged"] == 0 and "under-trained" not in result["text"] and "under-trained" not in caplog.text


NEXT_VALUE_RUN = """
[data]
train = "train.log"
test = "test.log"

[reader]
kind = "text"
log_format = "<Time> <Session> <Bytes> <Content>"

[[transforms]]
kind = "numeric"
column = "Bytes"

[sequence]
kind = "sessions"
key = "Session"

[detectors.nv]
kind = "next_value"
hidden_sizes = [8]
epochs = 1
{extra}
[output]
report = "report"
models = "models"
"""


def write_value_log(path, lengths, start):
    with open(path, "w") as f:
        for s, n in enumerate(lengths):
            for j in range(n):
                f.write(f"2024-01-01T00:{(start + s) % 60:02d}:{j:02d} sess{start + s} {100 + 7 * j} sent\n")


@pytest.mark.parametrize("train_lengths, extra, message", [
    # the validation block's one-record sessions all score 0: k_sigma chose threshold 0, flagging every session
    ([3] * 30 + [1] * 10, "", r"\[detectors.nv\] validation_fraction = 0.1: the validation block \(the last 4 of the "
                              r"40 training sessions\) holds no step with a next value \(10 of the 40 training "
                              r"sessions have no step .*next-value detector nothing.*validation_fraction = 0"),
    ([1] * 16 + [3] * 4, "validation_fraction = 0.2\n",
     r"the training sessions left beside the validation block \(16\) hold no step with a next value.*lower "
     r"validation_fraction"),
])
def test_a_next_value_detector_without_a_next_value_to_validate_or_learn_names_the_run_toml_setting(
        jvm, tmp_path, train_lengths, extra, message):
    from dl4j_bridge.detectors.run import ConfigError, load_config, train

    write_value_log(tmp_path / "train.log", train_lengths, 0)
    write_value_log(tmp_path / "test.log", [3] * 5, 100)
    (tmp_path / "run.toml").write_text(NEXT_VALUE_RUN.format(extra=extra))
    with pytest.raises(ConfigError, match=message):
        train(load_config(tmp_path / "run.toml"))
    assert not (tmp_path / "models" / "nv.zip").exists()


def test_a_next_value_detectors_one_record_test_sessions_are_counted_as_unjudged_in_the_report(jvm, tmp_path):
    # they scored 0 unsaid: the report and results.json counted a next-event detector's only
    from dl4j_bridge.detectors.run import load_config, train

    write_value_log(tmp_path / "train.log", [3] * 30, 0)
    write_value_log(tmp_path / "test.log", [3] * 5 + [1] * 2, 100)
    (tmp_path / "run.toml").write_text(NEXT_VALUE_RUN.format(extra="")
                                       + "\n[baselines]\npca = false\nisolation_forest = false\n")
    summary = train(load_config(tmp_path / "run.toml"))
    assert summary["results"]["nv"]["unjudged_sequences"] == 2
    report = open(summary["report"], encoding="utf-8").read()
    assert "2 test sequence(s) had no step to judge (sequences of one record)" in report
