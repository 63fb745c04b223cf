"""Thresholds, metrics and DeepLog windows: pure Python, no JVM."""

from __future__ import annotations

import numpy as np
import pytest

from dl4j_bridge.detectors import thresholds
from dl4j_bridge.detectors.deeplog import KeyVocabulary, session_windows
from dl4j_bridge.detectors.evaluation import metrics


def test_k_sigma_is_mean_plus_k_std_and_weights_act_as_repeats():
    scores = np.array([1.0, 2.0, 3.0, 4.0])
    t = thresholds.k_sigma(scores, k=3)
    assert t.value == pytest.approx(scores.mean() + 3 * scores.std())
    weighted = thresholds.k_sigma(np.array([1.0, 2.0]), k=2, sample_weight=np.array([3, 1]))
    repeated = thresholds.k_sigma(np.array([1.0, 1.0, 1.0, 2.0]), k=2)
    assert weighted.value == pytest.approx(repeated.value)
    assert t.method["name"] == "k_sigma" and t.method["k"] == 3


def test_contamination_flags_that_share_of_validation_scores():
    scores = np.arange(1000, dtype=float)
    t = thresholds.contamination(scores, 0.05)
    assert (scores > t.value).mean() == pytest.approx(0.05, abs=0.002)


def test_best_f1_finds_a_perfect_cut_and_needs_both_classes():
    scores = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    labels = np.array([0, 0, 0, 1, 1])
    t = thresholds.best_f1(scores, labels)
    assert 0.3 < t.value < 0.8 and t.method["f1"] == 1.0
    with pytest.raises(ValueError, match="both normal and anomalous"):
        thresholds.best_f1(scores, np.zeros(5))


def test_top_g_needs_a_count_score():
    assert thresholds.top_g("count").value == 0.0
    with pytest.raises(ValueError, match="count"):
        thresholds.top_g("nll")


def test_metrics_at_a_threshold_and_with_one_class_only():
    m = metrics([0, 0, 1, 1, 1], [0.1, 0.9, 0.8, 0.7, 0.2], threshold=0.5)
    assert m["confusion_matrix"] == [[1, 1], [1, 2]]
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3) and m["accuracy"] == pytest.approx(0.6)
    assert m["f2"] == pytest.approx(5 * 2 / (5 * 2 + 4 * 1 + 1))
    assert m["roc_auc"] == pytest.approx(3 / 6)   # 3 of the 6 (anomalous, normal) pairs are ordered right
    normal_only = metrics([0, 0, 0], [0.1, 0.9, 0.2], threshold=0.5)
    assert normal_only["recall"] is None and normal_only["roc_auc"] is None and normal_only["pr_auc"] is None
    assert normal_only["fpr"] == pytest.approx(1 / 3) and normal_only["f1"] is None and normal_only["f2"] is None
    anomalous_only = metrics([1, 1], [0.1, 0.9], threshold=0.5)
    assert anomalous_only["recall"] == 0.5 and anomalous_only["fpr"] is None and anomalous_only["roc_auc"] is None


def test_deeplog_windows_pad_with_start_symbols_map_unseen_keys_to_oov_and_count_duplicates():
    vocab = KeyVocabulary.fit([(5, 7, 9)])
    assert vocab.keys == (5, 7, 9) and vocab.start_id == 4 and vocab.end_id == 5 and vocab.n_events == 6
    w = session_windows([(5, 7), (5, 7), (5, 42)], vocab, h=3, end=False)
    # every key of every session is predicted: 6 windows, 3 distinct
    assert len(w.window_row) == 6 and len(w.counts) == 3 and w.counts.sum() == 6
    b = w.batch
    first = np.flatnonzero((b.next_ids == 1) & (b.step_ids[:, -1] == -1))[0]
    assert list(b.step_ids[first]) == [-1, -1, -1]          # all start symbols
    assert b.x[first, :, vocab.start_id].sum() == 3
    assert 0 in set(b.next_ids)                             # key 42 was never seen: OOV
    per_row = np.arange(len(w.counts), dtype=float)
    session_max = w.session_scores(per_row, "max")
    assert session_max.shape == (3,) and session_max[0] == session_max[1]


def test_deeplog_windows_predict_the_end_of_each_session():
    vocab = KeyVocabulary.fit([(5, 7, 9)])
    w = session_windows([(5, 7, 9), (5, 7)], vocab, h=2)
    assert list(w.session_start) == [0, 4, 7]               # one more window per session
    b = w.batch
    ends = np.flatnonzero(b.next_ids == vocab.end_id)
    contexts = {tuple(b.step_ids[i]) for i in ends}
    assert contexts == {(2, 3), (1, 2)}                     # "7 9" ends the first session, "5 7" the second
    assert b.x[:, :, vocab.end_id].sum() == 0               # the end symbol is never an input


def test_contamination_flags_exactly_that_share_despite_float_rounding():
    for n in (50, 100, 300):
        s = np.arange(n, dtype=float)
        for c in np.round(np.arange(0.01, 0.5, 0.01), 2):
            value = thresholds.contamination(s, float(c)).value
            assert int((s > value).sum()) == int(round(c * n)) or abs(c * n - round(c * n)) > 1e-9, (n, c)


def test_best_f1_flags_the_best_cut_even_between_adjacent_doubles():
    upper = float(np.nextafter(1.0, 2.0))
    s = np.array([1.0, upper])
    t = thresholds.best_f1(s, [0, 1]).value
    assert (s > t).tolist() == [False, True]


def test_k_sigma_takes_its_statistics_over_the_normal_labelled_scores_only():
    normal = np.array([0.1, 0.2, 0.3, 0.2])
    scores = np.r_[normal, 0.95, 0.99, 0.97]                 # anomalous probabilities would lift mean + 3 sigma
    labels = np.r_[np.zeros(4), np.ones(3)]
    t = thresholds.k_sigma(scores, k=3, labels=labels)
    assert t.value == pytest.approx(normal.mean() + 3 * normal.std())
    assert t.method["n"] == 4 and t.method["anomalous_left_out"] == 3
    weighted = thresholds.k_sigma(scores, k=3, labels=labels, sample_weight=np.r_[1, 1, 1, 1, 5, 5, 5])
    assert weighted.value == pytest.approx(t.value)         # the weights of anomalous ones do not count either
    assert thresholds.choose("k_sigma", scores, labels=labels, k=3).value == pytest.approx(t.value)
    assert thresholds.k_sigma(scores, k=3).value > 1        # without labels: every score (the trial's defect)


def test_k_sigma_refuses_labels_that_mark_every_sequence_anomalous():
    with pytest.raises(ValueError, match=r"all 3 validation sequences are labelled anomalous"):
        thresholds.k_sigma([0.5, 0.7, 0.9], labels=[1, 1, 1])
    with pytest.raises(ValueError, match=r"labels and scores differ in length: 2 labels for 3 scores"):
        thresholds.k_sigma([0.5, 0.7, 0.9], labels=[0, 1])


def test_contamination_counts_every_score_labelled_or_not():
    t = thresholds.choose("contamination", np.arange(100, dtype=float), labels=np.r_[np.zeros(90), np.ones(10)],
                          contamination_share=0.1)
    assert t.value == 89.0 and t.method["flagged_share"] == pytest.approx(0.1)


def test_contamination_warning_names_too_few_scores_rather_than_ties(caplog):
    scores = np.arange(40, dtype=float)                       # 40 distinct scores: no tie at all
    with caplog.at_level("WARNING", logger="dl4j_bridge.detectors.thresholds"):
        t = thresholds.contamination(scores, 0.024)            # 0.024 x 40 = 0.96 < 1 sequence
    assert t.method["flagged_share"] == 0.0
    text = caplog.text
    assert "too few" in text and "0.96" in text and "at least 42 validation sequences" in text
    assert "tied" not in text
    caplog.clear()
    with caplog.at_level("WARNING", logger="dl4j_bridge.detectors.thresholds"):
        thresholds.contamination(np.r_[np.zeros(90), np.ones(10)], 0.05)   # counts: ties at the cut
    assert "tied scores at the cut" in caplog.text and "too few" not in caplog.text


def test_metrics_refuse_sample_weights_that_do_not_match_the_scores():
    """Weights of another length were broadcast or raised an IndexError far from the cause."""
    with pytest.raises(ValueError, match=r"sample_weight must be \[batch\] = \(3,\)"):
        metrics([0, 1, 1], [0.1, 0.9, 0.4], 0.5, sample_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"sample_weight must be >= 0"):
        metrics([0, 1, 1], [0.1, 0.9, 0.4], 0.5, sample_weight=[1.0, -2.0, 1.0])
    assert metrics([0, 1, 1], [0.1, 0.9, 0.4], 0.5, sample_weight=[1.0, 2.0, 1.0])["recall"] == pytest.approx(2 / 3)
