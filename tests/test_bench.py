"""The benchmark suite's own logic, and one tiny training comparison end to end (Python vs pure Java)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from bridge_testing import REPO

sys.path.insert(0, str(REPO / "python" / "bench"))
import common  # noqa: E402
import memory  # noqa: E402


def test_growth_exponent_recovers_the_power_law():
    sizes = [1000, 2000, 4000, 8000]
    assert common.growth_exponent(sizes, [0.5 * s ** 1.5 for s in sizes]) == pytest.approx(1.5)
    assert common.growth_exponent(sizes, [3e-4 * s for s in sizes]) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        common.growth_exponent([1000], [1.0])


def test_memory_growth_compares_late_cycles_with_settled_early_ones():
    flat = [300.0, 290.0] + [280.0, 281.0, 279.0, 280.0, 282.0] * 3 + [281.0]
    g = memory.growth(flat)
    assert abs(g["growth"]) < 2 and g["noise"] < 2
    leaking = [280.0 + 5 * i for i in range(20)]
    assert memory.growth(leaking)["growth"] == pytest.approx(5 * (17 - 4))


def test_markdown_table_and_deeplog_windows_shapes():
    assert common.markdown_table(["a", "b"], [[1, 2.5]]).splitlines() == ["| a | b |", "|---|---|", "| 1 | 2.5 |"]
    X, Y, source = common.deeplog_windows(50, seed=1)
    assert X.shape == (50, 10, 29) and Y.shape == (50, 10) and X.dtype == np.float32
    assert np.array_equal(X.sum(axis=2), np.ones((50, 10)))            # one-hot keys
    assert np.array_equal(X[:, 1:].argmax(axis=2), Y[:, :-1])            # the label is the next key


def test_python_and_pure_java_train_the_same_network_to_the_same_score(dist, tmp_path):
    import training

    case = dataclasses.replace(training.CASES["reference"], n=96, epochs=1)
    row = training.compare(case, tmp_path, repeats=1)
    assert row["iterations"] == 3
    assert row["same_score"], (row["python_final_score"], row["java_final_score"])
    assert row["python_s"] > 0 and row["java_s"] > 0 and np.isfinite(row["ratio"])


def test_hdfs_holdout_folds_split_the_once_seen_sequences_in_two_seeded_halves():
    import hdfs_holdout

    train = [(1, 2), (1, 2), (3,), (4, 5), (6,), (7, 8, 9), (1, 2), (10,), (11,)]
    held_0, held_1 = hdfs_holdout.singleton_folds(train, seed=7)
    singles = {(3,), (4, 5), (6,), (7, 8, 9), (10,), (11,)}
    assert set(held_0) | set(held_1) == singles and not set(held_0) & set(held_1)
    assert len(held_0) == 3 and len(held_1) == 3
    assert hdfs_holdout.singleton_folds(train, seed=7) == [held_0, held_1]
    assert (1, 2) not in held_0 + held_1   # seen three times: never held out


def test_hdfs_conformal_floor_flags_at_most_alpha_of_the_held_out_sessions_counting_end_flags_first():
    import hdfs_conformal

    key = np.array([0.0, 9.0, 2.0, 7.0, 0.0, 5.0, 1.0, 0.0, 3.0, 8.0])
    end = np.zeros(10, bool)
    for alpha, flagged in ((0.2, 2), (0.3, 3), (0.0, 0), (1.0, 7)):   # 7 sessions have a key outside the top g
        cut = hdfs_conformal.calibrate(key, end, alpha)
        assert int((key > cut).sum()) == flagged
    end[[0, 4]] = True                                    # two sessions already flagged by their end
    cut = hdfs_conformal.calibrate(key, end, 0.3)
    assert int((end | (key > cut)).sum()) == 3 and cut == 8.0
    assert hdfs_conformal.calibrate(key, end, 0.1) == 9.0  # no room left: no key is flagged by the floor


def test_kdd_record_scores_judge_each_record_at_the_end_of_its_own_window():
    import detection

    class LastFeatureOfEachStep:  # stands in for a fitted detector: step score = feature 0, masked steps -1
        def step_scores(self, batch):
            return np.where(batch.mask > 0, batch.x[:, :, 0], -1.0)

    features = np.arange(1, 26, dtype=np.float32).reshape(25, 1) * np.ones((1, 3), np.float32)
    every = detection.record_scores(LastFeatureOfEachStep(), features, length=4, chunk=7)
    assert np.array_equal(every, np.arange(1, 26))     # the last step of record i's window is record i
    some = [24, 0, 3, 11]
    assert np.array_equal(detection.record_scores(LastFeatureOfEachStep(), features, length=4, chunk=3, at=some),
                          every[some])


def test_nab_points_are_labelled_by_their_windows_and_windows_end_at_the_point_they_score(tmp_path):
    import json

    import detection

    (tmp_path / "data" / "cat").mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    times = [f"2014-01-01 00:{m:02d}:00" for m in range(0, 50, 5)]
    (tmp_path / "data" / "cat" / "s.csv").write_text(
        "timestamp,value\n" + "".join(f"{t},{i * 1.5}\n" for i, t in enumerate(times)))
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps(
        {"cat/s.csv": [["2014-01-01 00:10:00.000000", "2014-01-01 00:20:00.000000"]]}))
    minutes, values, labels = detection.read_nab(tmp_path, "cat/s.csv")
    assert labels.tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0] and values[3] == 4.5
    assert (np.diff(minutes) == 5).all()
    features = np.stack([values, values, values], axis=1)
    batch = detection.nab_batch(features, np.array([3, 9]), 4)
    assert batch.x.shape == (2, 4, 3) and batch.x[1, -1, 0] == 13.5 and batch.x[0, 0, 0] == 0.0
    assert batch.line_numbers[0].tolist() == [1, 2, 3, 4] and batch.feature_names == ["value", "day_sin", "day_cos"]


def test_hdfs_normal_test_sequences_are_the_distinct_normal_ones_not_trained_on(tmp_path):
    import detection

    (tmp_path / "robust_log_train.csv").write_text("Sequence,label\n1 2 3,0\n1 2 3,0\n4 5,1\n2 2,0\n")
    (tmp_path / "robust_log_valid.csv").write_text("Sequence,label\n9 9,0\n1 2,0\n")
    assert detection.normal_test_sequences(tmp_path, {(1, 2)}) == [(1, 2, 3), (2, 2), (9, 9)]


def test_hdfs_epochs_curve_prints_one_judged_line_per_block_of_epochs(jvm, capsys):
    import hdfs_epochs
    from dl4j_bridge.detectors.deeplog import KeyVocabulary

    train = [(5, 22, 5, 11, 9, 26, 26)] * 6 + [(5, 5, 22, 11, 9, 26)] * 4 + [(22, 5, 11, 9, 26, 26)] * 2
    held = [(5, 22, 11, 9), (5, 26, 22, 9, 11)]
    hdfs_epochs.curve("tiny", train, {"held": (held, None), "abn": (held, np.array([3, 1]))},
                      KeyVocabulary.fit(train), seed=1, epochs=3, every=1)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(";")[0] for line in lines] == ["tiny epoch 1", "tiny epoch 2", "tiny epoch 3"]
    for line in lines:
        assert "held flagged " in line and " of 2, nll " in line and "abn recall " in line


def test_parsing_bench_without_its_data_says_how_to_point_at_it(tmp_path, monkeypatch, capsys):
    # a clone outside the project's folder (no ../shared beside it) was told only "data directory not found"
    import parsing

    monkeypatch.delenv("DL4J_BRIDGE_DATA", raising=False)
    assert parsing.main(["--data", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert f"data directory not found: {tmp_path / 'nowhere'}" in err
    assert "pass --data DIR (the loghub_2k folder) or set DL4J_BRIDGE_DATA" in err, err


def test_text_parsing_bench_reads_the_same_frame_both_ways_on_both_sides(dist):
    import format_regex

    r = format_regex.run(3000, 1)   # asserts that both paths read the same frame, and the JVM as many records
    assert r["lines"] == 3000 and r["capture_seconds"] > 0 and r["baseline_seconds"] > 0
    assert r["ratio"] == r["capture_seconds"] / r["baseline_seconds"]
    assert r["jvm_capture_seconds"] > 0 and r["jvm_ratio"] == r["jvm_capture_seconds"] / r["jvm_baseline_seconds"]


def test_the_blank_runs_bench_reads_each_case_on_both_sides_in_linear_time(dist):
    import format_regex

    results = format_regex.run_blank_runs([20_000], 1)   # asserts that each side read the matched line alone
    assert [(r["format"], r["line_rules"]) for r in results] == [
        (f, rules) for f, rules, *_ in format_regex.BLANK_RUN_CASES for _ in (20_000, 0)]
    assert {r["format"] for r in results if r["run"] == "tabs"} == {
        r"<A>\t\t - <B>", r"<A>\s\t - <B>", r"<A>\t - <B>"}
    assert {r["blanks"] for r in results} == {20_000, 0}
    assert all(r["capture"] == (r["line_rules"] == 2) for r in results)
    # before, quadratic: 10,000 blanks took 0.24-2.7 s in Python, 0.28-1.4 s on the JVM
    assert all(r["seconds"] < 1 and r["jvm_seconds"] < 1 for r in results if r["blanks"]), results


def test_jvm_scoring_baseline_alternates_the_checkouts_and_times_their_cpu(tmp_path, monkeypatch):
    """``jvm_scoring.py --baseline``: each command of this checkout and of the baseline, the order swapped every
    repeat (the load hits both alike), CPU seconds of the command itself (a pipe's feeder is not counted)."""
    import os

    import jvm_scoring

    log = tmp_path / "in.log"
    log.write_bytes(b"x" * 300_000)
    wall, cpu = jvm_scoring.cold_command(
        [sys.executable, "-c", "import sys, time; n = len(sys.stdin.buffer.read()); t = time.process_time()\n"
                               "while time.process_time() - t < 0.3: pass\nsys.exit(n != 300_000)"],
        dict(os.environ), log)
    assert 0.3 <= cpu <= wall + 0.05   # its own busy loop, the bytes of the pipe all read

    order = []
    monkeypatch.setattr(jvm_scoring, "baseline_commands",
                        lambda checkout, model, path: {"a": (["a", str(checkout)], {}, None),
                                                       "b": (["b", str(checkout)], {}, None)})
    times = {("a", str(jvm_scoring.REPO_ROOT)): (2.0, 1.1), ("a", "old"): (1.0, 1.0),
             ("b", str(jvm_scoring.REPO_ROOT)): (1.0, 0.5), ("b", "old"): (1.0, 1.0)}
    monkeypatch.setattr(jvm_scoring, "cold_command", lambda argv, env, stdin: order.append(tuple(argv))
                        or times[tuple(argv)])
    rows = jvm_scoring.against_baseline(Path("old"), tmp_path / "m.zip", log, repeats=2)
    here = str(jvm_scoring.REPO_ROOT)
    assert order == [("a", here), ("a", "old"), ("b", here), ("b", "old"),
                     ("a", "old"), ("a", here), ("b", "old"), ("b", here)]
    assert [(name, ratio) for name, _, _, ratio in rows] == [("a", (2.0, pytest.approx(1.1))), ("b", (1.0, 0.5))]


def test_the_baselines_bench_gives_the_same_scores_both_ways_and_refuses_a_non_checkout(tmp_path, capsys):
    import baselines

    # both paths in fresh workers of this checkout; main exits 1 when the scores' digests differ
    assert baselines.main(["--windows", "300", "--test", "100", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "scores identical (same SHA-256)" in out and "the standardisations alone" in out
    with pytest.raises(SystemExit):
        baselines.main(["--baseline", str(tmp_path)])
    assert "is no checkout of the project" in capsys.readouterr().err
