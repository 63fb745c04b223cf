"""NextEventDetector: PyOD conventions, the top-g rule, traceability, the detector file."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from conftest import N_EVENTS, cycle_windows


def test_scores_before_fit_raise_not_fitted(jvm):
    from dl4j_bridge import NotFittedError
    from dl4j_bridge.detectors import NextEventDetector

    det = NextEventDetector()
    for call in (det.decision_function, det.predict):
        with pytest.raises(NotFittedError, match="fit"):
            call(cycle_windows(3))


def test_fit_returns_self_and_flags_unexpected_events_only(next_event_detector):
    det = next_event_detector
    assert det.threshold_ == 0.0 and det.threshold_method_["name"] == "top_g"
    normal, anomalous = cycle_windows(40, seed=5), cycle_windows(40, anomalous=True, seed=6)
    assert det.predict(normal).sum() == 0
    assert det.predict(anomalous).sum() == 40
    scores = det.decision_function(anomalous)
    assert scores.dtype == np.float64 and scores.shape == (40,) and scores.min() >= 1


def test_an_event_never_seen_in_training_is_always_unexpected(next_event_detector):
    oov = cycle_windows(10, anomalous=True, oov=True, seed=8)
    s = next_event_detector.score_batch(oov)
    assert (s.unexpected_steps >= 1).all()
    assert (s.detail_actual == 0).all()


def test_explain_lists_raw_lines_the_unexpected_event_and_the_expected_ones(next_event_detector):
    batch = cycle_windows(5, anomalous=True, seed=9)
    rows = next_event_detector.explain(batch)
    assert len(rows) == 5
    for row in rows:
        i = row["index"]
        assert row["line_numbers"] == list(range(100 * i + 1, 100 * i + 11))
        assert row["actual_event"] == 6
        step = row["step"]
        # the unexpected event is the one after the explaining step
        where = int(np.flatnonzero(batch.step_ids[i] == 6)[0]) if (batch.step_ids[i] == 6).any() else 10
        assert step == where - 1
        assert len(row["expected_events"]) == 2 and 6 not in row["expected_events"]
        assert row["probability"] < 0.5


def test_explain_names_the_line_of_the_event_after_the_window_when_the_last_step_decides(next_event_detector):
    """The last step predicts the record after the window (``next_ids``): its line is ``next_lines``, not null
    (with ``steps="last"``, DeepLog's protocol, every row was null), and not guessed as the last line + 1."""
    from dl4j_bridge.detectors import sequence_batch

    normal = cycle_windows(6, seed=21)
    following = np.full(6, 6, np.int32)                      # never seen in training: unexpected everywhere
    after = normal.line_numbers[:, -1] + 3                   # blank, bad or continuation lines in between
    batch = sequence_batch(normal.x, step_ids=normal.step_ids, next_ids=following, line_numbers=normal.line_numbers,
                           next_lines=after)
    last = next_event_detector.with_params(steps="last", threshold="fixed", threshold_value=0.5)
    last.calibrate(normal)
    rows = last.explain(batch)
    assert len(rows) == 6
    for row in rows:
        assert row["step"] == 9 and row["actual_event"] == 6
        assert row["actual_line"] == int(after[row["index"]]) == row["line_numbers"][-1] + 3
    # every step scored: the explaining step is the last one too, the same line
    rows = next_event_detector.explain(batch)
    assert [(r["step"], r["actual_line"]) for r in rows] == [(9, int(after[r["index"]])) for r in rows] and rows
    # where the line is unknown (a batch made without next_lines), it is null rather than guessed
    unknown = sequence_batch(normal.x, step_ids=normal.step_ids, next_ids=following, line_numbers=normal.line_numbers)
    assert unknown.next_lines.tolist() == [-1] * 6
    assert all(r["actual_line"] is None for r in last.explain(unknown))


def _unexpected_batch(ids, next_id, lines, next_line, mask=None):
    from dl4j_bridge.detectors import sequence_batch

    ids = np.asarray(ids)
    return sequence_batch(np.eye(N_EVENTS, dtype=np.float32)[ids], mask=mask, step_ids=ids, next_ids=np.array(next_id),
                          line_numbers=np.asarray(lines), next_lines=np.array(next_line))


def test_explain_lists_the_line_and_event_of_every_unexpected_step_not_only_the_deciding_one(next_event_detector):
    """A session with several unexpected events named only the first (HPC trial: 21 unexpected steps, one line):
    ``unexpected_lines`` gives every unexpected step's line (the line of the event that came there, as
    ``actual_line``), event and probability, in step order; the deciding step's fields stay as they were."""
    cycle = [1, 2, 3, 4] * 3
    ids = np.array([cycle[:10], cycle[1:11]])
    ids[0, [2, 5, 8]] = 6                                    # never seen in training: unexpected wherever it comes
    ids[1, 4] = 6
    lines = np.array([[1, 2, 4, 5, 6, 9, 10, 11, 12, 13], list(range(101, 111))])   # gaps: not step + 1
    batch = _unexpected_batch(ids, [6, 1], lines, [17, 111])
    det = next_event_detector
    s = det.score_batch(batch, with_steps=True)
    rows = det.explain(batch)
    assert len(rows) == 2
    for row in rows:
        i = row["index"]
        steps = np.flatnonzero(s.step_flags[i])
        assert row["unexpected_steps"] == len(steps) == len(row["unexpected_lines"]) >= 1
        targets = list(ids[i, 1:]) + [[6, 1][i]]
        after = list(lines[i, 1:]) + [[17, 111][i]]
        assert [(u["line"], u["event"]) for u in row["unexpected_lines"]] == \
            [(int(after[t]), int(targets[t])) for t in steps]
        first = row["unexpected_lines"][0]   # the deciding step (the first unexpected one): the row's own fields
        assert (first["line"], first["event"], first["probability"]) == \
            (row["actual_line"], row["actual_event"], row["probability"])
        assert all(isinstance(u["probability"], float) for u in row["unexpected_lines"])
        assert "unexpected_lines_more" not in row
    # every line holding the unseen event is named, the one after the window too
    named = [u["line"] for u in rows[0]["unexpected_lines"] if u["event"] == 6]
    assert named == [4, 9, 12, 17]
    # a row without an unexpected step has no list
    normal = det.explain(cycle_windows(3, seed=5), flagged_only=False)
    assert all(r["unexpected_steps"] == 0 and "unexpected_lines" not in r for r in normal)


def test_unexpected_lines_are_bounded_with_a_count_of_the_rest_and_hold_one_entry_for_steps_last(next_event_detector):
    ids = np.full((1, 70), 6)                                # every step unexpected
    lines = np.arange(1, 71)[None, :] * 2
    batch = _unexpected_batch(ids, [6], lines, [999])
    row = next_event_detector.explain(batch)[0]
    assert row["unexpected_steps"] == 70
    assert [u["line"] for u in row["unexpected_lines"]] == list(range(4, 104, 2))   # the first 50
    assert row["unexpected_lines_more"] == 20 and list(row)[-2:] == ["unexpected_lines", "unexpected_lines_more"]
    # steps="last": one judged step, so one entry, the deciding one (written all the same, for one row format)
    last = next_event_detector.with_params(steps="last", threshold="fixed", threshold_value=0.5)
    last.calibrate(cycle_windows(20, seed=3))
    row = last.explain(batch)[0]
    assert row["unexpected_steps"] == 1 and "unexpected_lines_more" not in row
    assert row["unexpected_lines"] == [{"line": 999, "event": 6, "probability": row["probability"]}]
    # the line after the window unknown: null, as actual_line
    unknown = _unexpected_batch(ids, [6], lines, [-1])
    assert last.explain(unknown)[0]["unexpected_lines"][0]["line"] is None


def test_the_share_and_nll_scores_and_k_sigma_threshold(next_event_detector, jvm):
    det = next_event_detector
    det_nll = det.with_params(score="nll", threshold="k_sigma")
    assert det_nll.threshold_ is None and det_nll.network_ is det.network_
    det_nll.calibrate(cycle_windows(60, seed=11))
    normal, anomalous = cycle_windows(30, seed=12), cycle_windows(30, anomalous=True, seed=13)
    assert det_nll.decision_function(anomalous).min() > det_nll.threshold_ > det_nll.decision_function(normal).max()
    assert det_nll.threshold_method_["name"] == "k_sigma"


def test_the_detector_file_holds_every_contract_entry_and_reloads_to_the_same_scores(next_event_detector, tmp_path):
    from dl4j_bridge.detectors import BaseDetector, NextEventDetector

    path = next_event_detector.save(tmp_path / "ne.zip")
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        doc = json.loads(z.read("dl4j_bridge.detector.json"))
    assert {"configuration.json", "coefficients.bin", "normalizer.bin", "dl4j_bridge.lstm_config.json",
            "dl4j_bridge.detector.json"} <= names
    assert doc["format"] == "dl4j_bridge.detector" and doc["version"] == 2 and doc["kind"] == "next_event"
    assert doc["scoring"] == {"kind": "next_event", "top_g": 2, "score": "count", "steps": "all", "oov_id": 0,
                              "never_expected": [0, 5, 6]}
    assert doc["threshold"] == 0.0 and doc["n_events"] == N_EVENTS
    loaded = BaseDetector.load(path)
    assert isinstance(loaded, NextEventDetector) and loaded.threshold_ == next_event_detector.threshold_
    batch = cycle_windows(20, anomalous=True, seed=14)
    np.testing.assert_allclose(loaded.decision_function(batch), next_event_detector.decision_function(batch))
    assert loaded.network_.normalizer is not None


def test_a_plain_dl4j_user_gets_the_normalizer_back(next_event_detector, tmp_path):
    import jpype

    path = next_event_detector.save(tmp_path / "ne.zip")
    restored = jpype.JClass("org.deeplearning4j.util.ModelSerializer").restoreNormalizerFromFile(
        jpype.JClass("java.io.File")(str(path)))
    assert str(restored.getClass().getSimpleName()) == "NormalizerStandardize"


def test_an_unknown_detector_file_version_is_refused_with_a_clear_error(next_event_detector, tmp_path):
    from dl4j_bridge.detectors import DetectorFileError, load_detector
    from dl4j_bridge.detectors.persistence import detector_document

    doc = detector_document(next_event_detector)
    doc["version"] = 99
    path = next_event_detector.network_.save(tmp_path / "future.zip",
                                             extra_entries={"dl4j_bridge.detector.json": json.dumps(doc)})
    with pytest.raises(DetectorFileError, match="version 99 is not supported"):
        load_detector(path)
    bare = next_event_detector.network_.save(tmp_path / "bare.zip")
    with pytest.raises(DetectorFileError, match="not a detector"):
        load_detector(bare)


def test_top_g_can_be_chosen_from_training_data_alone(next_event_detector):
    det = next_event_detector.with_params()
    det.threshold_, det.threshold_method_ = 0.0, {"name": "top_g"}
    train = cycle_windows(100, seed=21)
    g = det.choose_top_g(train, max_share=0.001)
    # the cycle is deterministic: the trained model ranks the true next event first
    assert g == 1 and det.top_g == 1 and det.scoring()["top_g"] == 1
    assert det.threshold_method_["top_g_chosen_on_training_data"]["unexpected_share"] <= 0.001
    assert det.predict(cycle_windows(20, anomalous=True, seed=22)).all()
    assert next_event_detector.top_g == 2          # the original is untouched


def test_chosen_top_g_is_the_smallest_g_within_the_share(next_event_detector):
    batch = cycle_windows(100, anomalous=True, seed=32)   # mostly predictable steps, one odd event each
    n_out = next_event_detector.network_.config.n_out
    ranked = next_event_detector.with_params(never_expected=None)   # every output ranked: more distinct shares
    shares = []
    for g in range(1, n_out + 1):   # the definition, by linear scan
        s = ranked.with_params(top_g=g).score_batch(batch)
        shares.append(s.unexpected_steps.sum() / s.scored_steps.sum())
    assert all(a >= b for a, b in zip(shares, shares[1:]))           # never grows with g
    assert len(set(shares)) > 2                                        # g really matters here
    for max_share in sorted(set(shares)) + [1.0]:
        expected = next(g for g, share in enumerate(shares, start=1) if share <= max_share)
        det = ranked.with_params()
        det.threshold_, det.threshold_method_ = 0.0, {"name": "top_g"}
        assert det.choose_top_g(batch, max_share=max_share) == expected


def test_the_end_of_a_session_is_judged_by_a_probability_floor_chosen_on_training_sessions(jvm):
    from dl4j_bridge.detectors import NextEventDetector
    from dl4j_bridge.detectors.deeplog import KeyVocabulary, session_windows

    normal = [(1, 2, 3, 4, 5, 6)] * 30 + [(1, 2, 3, 4, 7, 5, 6)] * 10
    vocab = KeyVocabulary.fit(normal)
    train = session_windows(normal, vocab, h=3)
    det = NextEventDetector(top_g=vocab.n_events, steps="last", n_events=vocab.n_events, end_id=vocab.end_id,
                            hidden_sizes=(12,), epochs=60, batch_size=64, learning_rate=0.05, patience=0,
                            validation_fraction=0.0, seed=3, normalize=False)
    det.fit(train.batch, sample_weight=train.counts)
    cut_short = session_windows([(1, 2, 3, 4)], vocab, h=3)   # every transition normal, ends too early
    # top_g = every event: without a floor nothing is unexpected
    assert cut_short.session_scores(det.predict(cut_short.batch)).max() == 0
    with pytest.raises(ValueError, match="end_id"):
        det.with_params(end_id=None).choose_end_probability(train.batch)
    floor = det.choose_end_probability(train.batch, sample_weight=train.counts)
    ends = det.network_.predict_proba(train.batch.x)[:, -1, vocab.end_id][train.batch.next_ids == vocab.end_id]
    assert floor == pytest.approx(float(ends.min()))
    assert det.scoring()["end_min_probability"] == floor and det.scoring()["end_id"] == vocab.end_id
    assert det.threshold_method_["end_probability_chosen_on_training_data"]["training_ends"] == 2
    assert train.session_scores(det.predict(train.batch)).max() == 0       # every training session passes
    assert cut_short.session_scores(det.predict(cut_short.batch)).max() == 1
    explained = det.explain(cut_short.batch)
    assert any(row["actual_event"] == vocab.end_id for row in explained)


def test_ids_never_trained_as_a_target_take_no_top_g_place(next_event_detector, tmp_path):
    from dl4j_bridge.detectors import NextEventDetector, load_detector

    det = next_event_detector
    assert det.never_expected == "untrained"
    assert det.never_expected_ == (0, 5, 6)        # the cycle trains only 1..4 as next events
    batch = cycle_windows(60, anomalous=True, seed=41)
    everything = det.with_params(never_expected=None)   # the same network ranked among all its outputs
    assert everything.never_expected_ == () and det.with_params(never_expected=[6]).never_expected_ == (6,)
    actual = np.concatenate([batch.step_ids[:, 1:], batch.next_ids[:, None]], axis=1)   # each step's target
    never = np.isin(actual, [0, 5, 6])
    assert never.any(axis=1).all()                  # every window holds the untrained event 6
    for g in range(1, N_EVENTS + 1):
        kept, plain = det.with_params(top_g=g), everything.with_params(top_g=g)
        assert kept.never_expected_ == (0, 5, 6) and "never_expected" not in plain.scoring()
        a, b = kept.score_batch(batch, with_steps=True), plain.score_batch(batch, with_steps=True)
        # a never-expected event that comes anyway is unexpected, whatever g is
        assert a.step_flags[never].all()
        # for the other events, leaving outputs out of the ranking can only move them up
        assert (a.step_flags[~never] <= b.step_flags[~never]).all()
        assert not np.isin(a.expected, [0, 5, 6]).any()
        if g >= 4:   # 1..4 fill every place: only the never-expected events are unexpected
            np.testing.assert_array_equal(a.step_flags, never)
            assert ((a.expected >= 0).sum(axis=1) == 4).all()
    reloaded = load_detector(det.save(tmp_path / "ne.zip"))
    assert reloaded.never_expected_ == (0, 5, 6) and reloaded.scoring() == det.scoring()
    # saved ranking every output, the file still knows which ids were untrained: switching to "untrained" after
    # loading gives what it gives before saving (it gave () and scored differently)
    everything.threshold_, everything.threshold_method_ = det.threshold_, det.threshold_method_
    loaded_plain = load_detector(everything.save(tmp_path / "plain.zip"))
    assert loaded_plain.never_expected_ == () and loaded_plain._untrained_ids == (0, 5, 6)
    assert everything.with_params(never_expected="untrained").never_expected_ == (0, 5, 6)   # as set_params
    for d in (everything, loaded_plain):
        d.set_params(never_expected="untrained")
    assert loaded_plain.never_expected_ == everything.never_expected_ == (0, 5, 6)
    np.testing.assert_array_equal(loaded_plain.decision_function(batch), everything.decision_function(batch))
    with pytest.raises(ValueError, match="never_expected"):
        NextEventDetector(never_expected="all")
    with pytest.raises(ValueError, match="never_expected"):
        NextEventDetector(never_expected=[-1])
    fixed = NextEventDetector(never_expected=[9, 0], n_events=N_EVENTS, hidden_sizes=(4,), epochs=1, patience=0,
                              validation_fraction=0.0)
    assert fixed.never_expected == (0, 9)
    with pytest.raises(ValueError, match="never_expected id 9"):
        fixed.fit(cycle_windows(20, seed=42))



def test_step_ranks_decide_the_flags_of_every_g_in_one_pass(jvm):
    from dl4j_bridge.detectors import NextEventDetector
    from dl4j_bridge.detectors.deeplog import KeyVocabulary, session_windows

    normal = [(1, 2, 3, 4, 5, 6)] * 30 + [(1, 2, 3, 4, 7, 5, 6)] * 10
    vocab = KeyVocabulary.fit(normal)
    train = session_windows(normal, vocab, h=3)
    det = NextEventDetector(top_g=1, steps="last", n_events=vocab.n_events, end_id=vocab.end_id, hidden_sizes=(8,),
                            epochs=5, batch_size=64, learning_rate=0.05, patience=0, validation_fraction=0.0,
                            seed=3, normalize=False).fit(train.batch, sample_weight=train.counts)
    det.choose_end_probability(train.batch, sample_weight=train.counts)
    odd = session_windows([(1, 2, 3, 4), (2, 1, 9, 3, 4, 5, 6), (1, 7, 7, 2, 3, 4, 5, 6)], vocab, h=3)
    ranks = det.score_batch(odd.batch, with_steps=True).step_ranks
    assert ranks.shape == odd.batch.x.shape[:2] and (ranks[:, -1] >= 0).all() and (ranks[:, :-1] == -1).all()
    assert ranks[odd.batch.next_ids == 0, -1].tolist() == [vocab.n_events] * int((odd.batch.next_ids == 0).sum())
    for g in range(1, vocab.n_events + 1):   # a barely trained network: ranks spread over many g
        flags = det.with_params(top_g=g).score_batch(odd.batch, with_steps=True).step_flags
        np.testing.assert_array_equal(flags[:, -1], ranks[:, -1] >= g)


def test_the_network_is_as_wide_as_every_event_given_even_one_only_held_out(jvm):
    from dl4j_bridge.detectors import NextEventDetector, sequence_batch

    ids = np.tile(np.array([1, 2, 3, 4, 1, 2, 3, 4, 1]), (40, 1))
    ids[17, 8] = 5                                      # the largest id, in one window only
    batch = sequence_batch(np.eye(6, dtype=np.float32)[ids[:, :8]], step_ids=ids[:, :8], next_ids=ids[:, 8])
    det = NextEventDetector(top_g=2, hidden_sizes=(4,), epochs=1, patience=0, validation_fraction=0.2)
    seed = next(s for s in range(100) if 17 in det.with_params(seed=s)._validation_split(batch)[0])
    fitted = det.with_params(seed=seed).fit(batch)
    assert fitted.network_.config.n_out == 6


def test_best_f1_validation_holds_both_classes_or_training_does_not_start(jvm):
    from dl4j_bridge.detectors import SequenceClassifier, sequence_batch

    labels = np.zeros((60, 5), np.int32)
    labels[[4, 30, 55], 2] = 1                          # 3 anomalous sequences of 60
    batch = sequence_batch(np.random.default_rng(0).normal(size=(60, 5, 2)).astype(np.float32),
                           step_labels=labels)
    clf = SequenceClassifier(threshold="best_f1", validation_fraction=0.1, hidden_sizes=(4,), epochs=1, patience=0)
    plain = [s for s in range(50)   # seeds whose plain random draw of 6 holds no anomalous sequence
             if not batch.labels[np.sort(np.random.default_rng(s).permutation(60)[:6])].any()]
    assert plain
    for seed in plain[:3]:
        val_idx, train_idx = clf.with_params(seed=seed)._validation_split(batch)
        assert batch.labels[val_idx].any() and not batch.labels[val_idx].all()
        assert batch.labels[train_idx].any() and len(np.intersect1d(val_idx, train_idx)) == 0
        assert len(val_idx) + len(train_idx) == 60
    normal_only = sequence_batch(batch.x, step_labels=np.zeros_like(labels))
    fresh = clf.with_params()
    with pytest.raises(ValueError, match="both classes"):
        fresh.fit(normal_only)
    assert fresh.network_ is None                        # refused before any training


def test_the_plain_lstm_layer_trains_saves_and_reloads_to_the_same_scores(jvm, tmp_path):
    from dl4j_bridge.detectors import BaseDetector, NextEventDetector

    det = NextEventDetector(top_g=2, hidden_sizes=(12,), layer_type="lstm", epochs=25, batch_size=512,
                            n_events=N_EVENTS, learning_rate=0.05, patience=0, validation_fraction=0.2, seed=1)
    det.fit(cycle_windows(300, seed=1))
    assert det.network_.config.layer_type == "LSTM"
    dl4j_json = det.network_.config_json()
    assert "org.deeplearning4j.nn.conf.layers.LSTM" in dl4j_json and "GravesLSTM" not in dl4j_json
    normal, anomalous = cycle_windows(40, seed=5), cycle_windows(40, anomalous=True, seed=6)
    assert det.predict(normal).sum() == 0 and det.predict(anomalous).sum() == 40
    loaded = BaseDetector.load(det.save(tmp_path / "lstm.zip"))
    assert loaded.get_params()["layer_type"] == "lstm"
    np.testing.assert_array_equal(loaded.decision_function(anomalous), det.decision_function(anomalous))
    with pytest.raises(ValueError, match=r"layer_type must be one of \('GravesLSTM', 'LSTM'\)"):
        NextEventDetector(layer_type="GRU")


def test_training_windows_without_events_are_refused_before_the_network_is_made(jvm, caplog):
    """Numeric-only data (a pipeline without a Template transform) gave every step the unknown-template id 0: the
    detector trained without a word and flagged every test window (a user trial on NAB metrics)."""
    from dl4j_bridge.detectors import NextEventDetector, sequence_batch

    x = np.random.default_rng(1).normal(size=(50, 6, 2)).astype(np.float32)
    numeric_only = sequence_batch(x, step_ids=np.zeros((50, 6), np.int64), next_ids=np.zeros(50, np.int64))
    det = NextEventDetector(hidden_sizes=(4,), epochs=1, patience=0, validation_fraction=0.0)
    with pytest.raises(ValueError, match=r"every event id of the training windows is the unknown-template id 0: .* "
                                         r"Add Template\(<message field>\) to the pipeline; for numeric fields use a "
                                         r"NextValueDetector, .*; or, with labelled data, use a SequenceClassifier"):
        det.fit(numeric_only)
    from dl4j_bridge.errors import NotFittedError
    with pytest.raises(NotFittedError):
        det.decision_function(numeric_only)
    one_event = sequence_batch(x, step_ids=np.full((50, 6), 3), next_ids=np.full(50, 3))
    with caplog.at_level("WARNING", logger="dl4j_bridge.detectors.next_event"):
        det.fit(one_event)
    assert "the training windows hold one event id only (3)" in caplog.text


@pytest.mark.parametrize("call, words", [
    (lambda d, b: d.choose_top_g(b, max_share=2), r"max_share must be a number in \[0, 1\], got 2"),
    (lambda d, b: d.choose_top_g(b, max_share=float("nan")), r"max_share must be a number in \[0, 1\]"),
    (lambda d, b: d.choose_top_g(b, sample_weight=np.ones(3)), r"sample_weight must be \[batch\]"),
    (lambda d, b: d.choose_top_g(b, sample_weight=-np.ones(len(b))), r"sample_weight must be >= 0"),
])
def test_choosing_g_checks_its_arguments(next_event_detector, call, words):
    with pytest.raises(ValueError, match=words):
        call(next_event_detector, cycle_windows(40, seed=1))


def test_windows_and_classes_refuse_fractional_sizes():
    from dl4j_bridge.detectors import SequenceClassifier
    from dl4j_bridge.etl import Windows
    from dl4j_bridge.etl.errors import SpecError

    # beyond Java's int the JVM scorer refuses the spec: refused here when the pipeline is made, not at deployment
    for args in ((2.5,), (10, 1.5), (0,), (True,), (2**31,), (10, 10**400)):
        with pytest.raises(SpecError, match=r"Windows (length|stride) must be a whole number from 1 to 2147483647"):
            Windows(*args)
    assert Windows(2**31 - 1).length == 2**31 - 1
    with pytest.raises(ValueError, match=r"n_classes must be an integer >= 2, got 2.5"):
        SequenceClassifier(n_classes=2.5)
    assert SequenceClassifier(n_classes=np.int64(3)).n_classes == 3


def test_a_refit_interrupted_while_choosing_its_threshold_keeps_the_previous_detector_whole(jvm, monkeypatch):
    """Ctrl-C (or an out-of-memory error) after training, while the threshold was chosen, left the new network
    with no threshold: predict raised NotFittedError and the previous model was gone."""
    from dl4j_bridge.detectors import NextEventDetector

    det = NextEventDetector(n_events=N_EVENTS, hidden_sizes=(4,), epochs=1, patience=0, validation_fraction=0.0,
                            threshold="k_sigma")
    det.fit(cycle_windows(40, seed=3))
    batch = cycle_windows(20, anomalous=True, seed=4)
    state, network, scores = dict(vars(det)), det.network_, det.decision_function(batch)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(NextEventDetector, "_calibrate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        det.set_params(epochs=2).fit(cycle_windows(40, seed=5))
    monkeypatch.undo()
    assert det.network_ is network and det.threshold_ == state["threshold_"] and det.epochs == 2
    assert {k: v for k, v in vars(det).items() if k != "epochs"} == {k: v for k, v in state.items() if k != "epochs"}
    np.testing.assert_array_equal(det.decision_function(batch), scores)
    det.predict(batch)


def _windows_with_a_new_normal_event(n: int, seed: int):
    """Windows of the cycle where a 2 is followed by event 5 about half the time (1 2 5 3 4 ...): event 5 never
    trained the fixture's network, so these normal windows are flagged, as false positives are."""
    from dl4j_bridge.detectors import sequence_batch

    rng = np.random.default_rng(seed)
    stream = []
    while len(stream) < 30 * n + 20:
        stream += [1, 2] + ([5] if rng.random() < 0.5 else []) + [3, 4]
    stream = np.array(stream)
    starts = rng.integers(0, len(stream) - 11, size=n)
    ids = stream[starts[:, None] + np.arange(11)[None, :]]
    x = np.eye(N_EVENTS, dtype=np.float32)[ids[:, :10]]
    return sequence_batch(x, step_ids=ids[:, :10], next_ids=ids[:, 10], labels=np.zeros(n, np.int64))


def test_update_learns_reported_false_positives_keeps_the_threshold_and_leaves_the_original_alone(
        next_event_detector, tmp_path):
    import copy

    from dl4j_bridge.detectors import load_detector

    original = next_event_detector
    det = copy.deepcopy(original)
    reported = _windows_with_a_new_normal_event(200, seed=50)
    fresh = _windows_with_a_new_normal_event(100, seed=51)          # like them, not trained on
    normal, anomalous = cycle_windows(100, seed=52), cycle_windows(100, anomalous=True, seed=53)
    holds_5 = np.isin(np.concatenate([fresh.step_ids, fresh.next_ids[:, None]], axis=1)[:, 1:], 5).any(axis=1)
    before = original.decision_function(fresh)
    assert det.predict(fresh)[holds_5].all()            # event 5 was never trained: flagged
    threshold = det.threshold_
    mixed = _concat(reported, cycle_windows(200, seed=54))   # with normal data, so the network does not forget
    assert det.update(mixed) is det      # the defaults: 20 epochs at the detector's own learning rate
    assert det.threshold_ == threshold and det.network_ is not original.network_
    assert det.predict(fresh).sum() <= 5, det.decision_function(fresh)     # were 100% of those holding 5
    assert det.predict(normal).sum() == 0 and det.predict(anomalous).sum() == 100   # 6 is still unexpected
    assert det.never_expected_ == (0, 6) and det._untrained_ids == (0, 6)
    assert len(det.updates_) == 1 and det.updates_[0]["sequences"] == 400 and det.updates_[0]["epochs"] == 20
    assert det.updates_[0]["flagged_before"] >= 150 and det.updates_[0]["flagged_after"] <= 5, det.updates_
    assert det.updates_[0]["loss_last"] < det.updates_[0]["loss_first"]
    np.testing.assert_array_equal(original.decision_function(fresh), before)   # the original is untouched
    assert original.never_expected_ == (0, 5, 6) and original.updates_ is None
    loaded = load_detector(det.save(tmp_path / "updated.zip"))
    assert loaded.updates_ == det.updates_ and loaded.never_expected_ == (0, 6)
    np.testing.assert_array_equal(loaded.decision_function(fresh), det.decision_function(fresh))
    # the saved network keeps its own training settings, not the update's learning rate
    assert loaded.network_.config.learning_rate == original.network_.config.learning_rate


def _concat(a, b):
    from dl4j_bridge.detectors import sequence_batch

    return sequence_batch(np.concatenate([a.x, b.x]), step_ids=np.concatenate([a.step_ids, b.step_ids]),
                          next_ids=np.concatenate([a.next_ids, b.next_ids]),
                          labels=np.concatenate([a.labels, b.labels]))


def test_an_update_too_short_to_learn_says_so(next_event_detector, caplog):
    import copy
    import logging

    det = copy.deepcopy(next_event_detector)
    with caplog.at_level(logging.WARNING):
        det.update(_windows_with_a_new_normal_event(50, seed=62), epochs=1, learning_rate=1e-5)
    assert det.updates_[0]["flagged_after"] > 0
    assert "still flagged" in caplog.text and "more epochs" in caplog.text


def test_update_checks_before_training_and_an_interrupted_update_changes_nothing(next_event_detector, monkeypatch):
    import copy

    from dl4j_bridge import NotFittedError
    from dl4j_bridge.detectors import NextEventDetector, sequence_batch
    from dl4j_bridge.network import Network

    with pytest.raises(NotFittedError, match="fit"):
        NextEventDetector().update(cycle_windows(5))
    det = copy.deepcopy(next_event_detector)
    batch = cycle_windows(20, seed=60)
    for kwargs, words in ((dict(learning_rate=0), "learning_rate"), (dict(epochs=0), "epochs"),
                          (dict(learning_rate=float("nan")), "learning_rate")):
        with pytest.raises(ValueError, match=words):
            det.update(batch, **kwargs)
    wide = sequence_batch(np.zeros((2, 10, N_EVENTS + 1), np.float32), step_ids=np.ones((2, 10), np.int64),
                          next_ids=np.ones(2, np.int64))
    with pytest.raises(ValueError, match="features"):
        det.update(wide)
    beyond = sequence_batch(batch.x, step_ids=batch.step_ids, next_ids=np.full(len(batch), N_EVENTS))
    with pytest.raises(ValueError, match=str(N_EVENTS)):
        det.update(beyond)
    network, never = det.network_, det.never_expected_

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Network, "fit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        det.update(_windows_with_a_new_normal_event(20, seed=61))
    assert det.network_ is network and det.never_expected_ == never and det.updates_ is None


def test_threads_scoring_while_the_detector_is_refitted_see_the_old_or_the_new_one_whole(jvm):
    """A refit set the new network and unset the threshold before choosing it: threads predicting meanwhile got
    NotFittedError ("has no threshold") and TypeError (a threshold read as None between check and use)."""
    import threading

    from dl4j_bridge.detectors import NextEventDetector

    det = NextEventDetector(n_events=N_EVENTS, hidden_sizes=(4,), epochs=2, patience=0, validation_fraction=0.2,
                            threshold="k_sigma", progress=False)
    det.fit(cycle_windows(60, seed=70))
    batch = cycle_windows(20, anomalous=True, seed=71)
    errors, done, predictions = [], threading.Event(), [0]

    def score():
        while not done.is_set():
            try:
                det.predict(batch)
                predictions[0] += 1
            except Exception as error:   # noqa: BLE001 - every failure is the finding
                errors.append(repr(error))

    threads = [threading.Thread(target=score) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for seed in range(3):
            det.fit(cycle_windows(60, seed=72 + seed))
    finally:
        done.set()
        for t in threads:
            t.join()
    assert not errors, errors[:3]
    assert predictions[0] > 0 and det.threshold_ is not None


def test_an_update_never_teaches_the_unknown_template_id_and_says_why_such_sequences_stay_flagged(
        next_event_detector, caplog):
    import copy
    import logging

    det = copy.deepcopy(next_event_detector)
    with_oov = cycle_windows(30, anomalous=True, oov=True, seed=80)   # each holds the unknown id 0 once
    with caplog.at_level(logging.WARNING):
        det.update(_concat(with_oov, cycle_windows(60, seed=81)), epochs=5)
    assert 0 in det.never_expected_ and 0 in det._untrained_ids   # an update took 0 out: it became "expected"
    assert not np.isin(det.score_batch(with_oov).expected, [0]).any()
    assert det.predict(with_oov).all()
    assert "for an event the ETL does not know" in caplog.text


def test_an_update_that_makes_things_worse_says_to_step_less_far_and_huge_rates_are_refused(next_event_detector,
                                                                                              caplog):
    import copy
    import logging

    det = copy.deepcopy(next_event_detector)
    with pytest.raises(ValueError, match="within float32's range"):
        det.update(cycle_windows(20, seed=82), learning_rate=1e39)   # DL4J's float32: it trained nothing
    with caplog.at_level(logging.WARNING):
        det.update(_concat(_windows_with_a_new_normal_event(40, 84), cycle_windows(40, seed=83)), epochs=3,
                   learning_rate=50.0)
    entry = det.updates_[-1]
    assert entry["flagged_after"] > entry["flagged_before"], entry   # a learning rate of 50 wrecks the network
    assert "went too far" in caplog.text and "fewer epochs or a smaller learning_rate" in caplog.text
    assert "more epochs or a larger" not in caplog.text
