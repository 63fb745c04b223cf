"""What an analyst's trial on loghub's HPC, Hadoop and OpenStack samples found in `dl4j-bridge train` / `evaluate`
(no JVM): a label derived by an extract transform, keyless records and the split, advice after early stopping,
the template miner's settings in run.toml."""

from __future__ import annotations

import numpy as np
import pytest

from dl4j_bridge.etl import ChronologicalSplit, Extract, Label, Pipeline, Sessions, Template, TextReader

LOG_FORMAT = "<LogId> <Node> <State> <Content>"


def hpc_like(tmp_path, n=40):
    lines = []
    for i in range(1, n + 1):
        state = "psu" if i % 10 == 0 else "ok"
        lines.append(f"{i} node-{i % 3} {state} component {i % 4} changed")
    path = tmp_path / "hpc.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_evaluate_reads_a_label_column_that_an_extract_transform_derives(tmp_path):
    # `evaluate` refused it ("the input has no field 'hwfail'") although `train` had used it
    from dl4j_bridge.detectors.run import is_missing, line_columns

    path = hpc_like(tmp_path)
    pipeline = Pipeline(TextReader(log_format=LOG_FORMAT),
                        [Extract("State", pattern="^(psu|temphigh)$", into="hwfail"),
                         Extract("hwfail", pattern="^(p)", into="first"), Template("Content"), Label("hwfail")])
    pipeline.fit(str(path))
    columns = line_columns(pipeline, str(path), ["hwfail", "first", "Node"])
    assert columns["hwfail"][10] == "psu" and is_missing(columns["hwfail"][9])
    assert columns["first"][20] == "p" and is_missing(columns["first"][21])   # an extract of an extract
    assert columns["Node"][4] == "node-1"
    assert len(columns["hwfail"]) == 40


def test_keyless_records_follow_the_record_boundary_of_a_chronological_split(tmp_path):
    # an extract that does not match gives NaN keys; NaN found itself in the split's dict, so every keyless record
    # took the first one's part (the training part): test-period lines went into the ETL's fit
    lines = [f"{i} n ok " + (f"instance: {i % 3} started" if i % 4 == 0 else "no key here") for i in range(1, 101)]
    path = tmp_path / "keyless.log"
    path.write_text("\n".join(lines) + "\n")
    pipeline = Pipeline(TextReader(log_format=LOG_FORMAT),
                        [Extract("Content", pattern=r"instance: (\d+)", into="instance"), Template("Content")],
                        sequence=Sessions("instance"), split=ChronologicalSplit(0.3))
    pipeline.fit_split(str(path))
    # the fit sees the 53 keyless records before the boundary (record 70) and the 25 records of the three sessions,
    # which all start before it; not the 22 keyless records after it (it saw all 100 before)
    assert pipeline.n_fit_records == 78, pipeline.n_fit_records


class _History:
    def __init__(self, epochs, best, stopped_early):
        self.epochs_completed, self.best_epoch, self.stopped_early, self.cancelled = epochs, best, stopped_early, False
        self.validation_scores = np.linspace(2.0, 1.9, epochs)
        self.epoch_scores = np.linspace(2.0, 1.0, epochs)


class _Detector:
    kind = "next_event"
    epochs = 40
    patience = 3

    def __init__(self, history):
        self.history_ = history

    def predict(self, batch):
        return np.ones(len(batch), dtype=int)   # flags every training sequence


@pytest.mark.parametrize("stopped_early, words, not_words", [
    (True, ["early stopping ended its training (epoch 9, best 2)", "patience (now 3)", "validation_fraction = 0"],
     ["raise [detectors.ne] epochs"]),
    (False, ["may be under-trained", "raise [detectors.ne] epochs (now 40)"], ["early stopping"]),
])
def test_the_advice_for_a_model_flagging_its_own_training_data_fits_how_training_ended(stopped_early, words,
                                                                                          not_words):
    # "raise epochs" was said after early stopping had ended the training at epoch 9 of 40: more epochs change nothing
    from dl4j_bridge.detectors.run import training_check

    epochs = 9 if stopped_early else 40
    out = training_check("ne", _Detector(_History(epochs, 1, stopped_early)), list(range(20)))
    for w in words:
        assert w in out["text"], out["text"]
    for w in not_words:
        assert w not in out["text"], out["text"]


@pytest.mark.parametrize("threshold, looser", [("k_sigma", "or use a larger k (now 2.5: the threshold is the "
                                                             "validation scores' mean + k standard deviations)"),
                                               ("contamination", "or use a higher threshold")])
def test_a_next_value_model_flagging_its_own_training_data_is_warned_in_its_own_words(threshold, looser):
    # it was never warned (the check was the next-event detector's), and the advice it would get named top_g
    from dl4j_bridge.detectors.run import training_check

    det = _Detector(_History(9, 1, True))
    det.kind, det.threshold, det.k = "next_value", threshold, 2.5
    text = training_check("nv", det, list(range(20)))["text"]
    assert "flags 20 of its own 20 training sequences (100%)" in text and looser in text, text
    assert "top_g" not in text


BASE = """
[data]
train = "train.log"

[reader]
kind = "text"
log_format = "<LogId> <Node> <State> <Content>"

[[transforms]]
kind = "template"
column = "Content"
{miner}

[sequence]
kind = "windows"
length = 4

[split]
kind = "chronological"
test_fraction = 0.25

[detectors.ne]
kind = "next_event"

[output]
seed = {seed}

[baselines]
pca = false
isolation_forest = false
"""


def _config(tmp_path, miner="", seed=3):
    from dl4j_bridge.detectors.run import load_config

    (tmp_path / "train.log").write_text("1 n ok a\n")
    path = tmp_path / "run.toml"
    path.write_text(BASE.format(miner=miner, seed=seed))
    return load_config(path)


def test_the_template_miners_settings_are_keys_of_the_template_table(tmp_path):
    from dl4j_bridge.detectors.run import build_pipeline, validate

    config = _config(tmp_path, "max_constant_values = 10\nsimilarity_threshold = 0.7")
    validate(config)
    miner = build_pipeline(config).template_transform.miner
    assert (miner.max_constant_values, miner.similarity_threshold, miner.depth) == (10, 0.7, 4)


def test_a_bad_miner_setting_names_the_table(tmp_path):
    from dl4j_bridge.detectors.run import ConfigError, build_pipeline, validate

    config = _config(tmp_path, "depth = 1")
    with pytest.raises(ConfigError, match=r"\[\[transforms\]\] number 1 \(template\): depth must be an integer >= 2"):
        validate(config)
        build_pipeline(config)


def test_an_output_seed_out_of_range_is_named_as_output_seed_with_the_baselines_off(tmp_path):
    # it was blamed on "[detectors.next_event]: invalid LSTMConfig"
    from dl4j_bridge.detectors.run import ConfigError, validate

    with pytest.raises(ConfigError, match=r"^\[output\] seed must be an integer from 0 to 9223372036854775807, got -1"):
        validate(_config(tmp_path, seed=-1))


def test_a_timestamp_format_that_parses_nothing_names_its_table(tmp_path):
    # it said "Timestamp(['time'])", a Python name, where the user wrote a [[transforms]] table
    from dl4j_bridge.detectors.run import build_pipeline, validate
    from dl4j_bridge.etl import EtlError

    config = _config(tmp_path, '[[transforms]]\nkind = "timestamp"\ncolumn = "LogId"\nformat = "%d/%m/%Y"')
    (tmp_path / "train.log").write_text("".join(f"2024-01-0{i % 9 + 1} n ok a\n" for i in range(20)))
    validate(config)
    with pytest.raises(EtlError, match=r"^\[\[transforms\]\] number 2 \(timestamp\): the format '%d/%m/%Y' parses "
                                       r"none of the 15 training times"):
        build_pipeline(config).fit(str(tmp_path / "train.log"))


def test_an_extract_writing_over_a_reader_field_is_applied_to_the_truth_too(tmp_path):
    # evaluate read the raw 'node-1' where the ETL's records (and labels) hold the extract's '1'
    from dl4j_bridge.detectors.run import line_columns

    path = hpc_like(tmp_path)
    pipeline = Pipeline(TextReader(log_format=LOG_FORMAT),
                        [Extract("Node", pattern=r"node-(\d)", into="Node"), Template("Content")])
    pipeline.fit(str(path))
    assert line_columns(pipeline, str(path), ["Node"])["Node"][4] == "1"


def test_a_key_split_sends_nan_keys_to_the_training_part_as_none_keys():
    # NaN (an extract that did not match) was hashed as "nan": every keyless record went to the part the seed picked
    from dl4j_bridge.etl import KeySplit

    for seed in range(8):
        split = KeySplit("k", 0.5, seed=seed)
        assert split.is_test(np.array([float("nan"), None, float("nan")], dtype=object)).tolist() == [False] * 3
