"""The run config's checks (no JVM): typos in tables, keys and kinds, columns that name nothing, paths."""

from __future__ import annotations

import pytest

BASE = """
[data]
train = "train.jsonl"
label_field = "label"

[reader]
kind = "jsonl"
mode = "lenient"
quarantine = "q/bad.jsonl"
fields = { service = "service", message = "message", label = "label" }

[[transforms]]
kind = "template"
column = "message"

[sequence]
kind = "windows"
length = 4

[split]
kind = "chronological"
test_fraction = 0.25

[detectors.ne]
kind = "next_event"

[output]
seed = 3
"""


def config(tmp_path, text: str):
    from dl4j_bridge.detectors.run import load_config

    path = tmp_path / "run.toml"
    path.write_text(text)
    return load_config(path)


@pytest.mark.parametrize("old, new, message", [
    ('length = 4', 'lenght = 4', r"\[sequence\] \(kind 'windows'\): unknown key 'lenght'; the accepted keys are "
                                 r"\['length', 'stride', 'next_event', 'pad_last'\]"),
    ('mode = "lenient"', 'mode = "lenient"\nquarantin = "x"', r"\[reader\] \(kind 'jsonl'\): unknown key 'quarantin'; "
                                                              r"the accepted keys are \['fields', 'types', 'mode', "
                                                              r"'quarantine'"),
    ('kind = "jsonl"', 'kind = "text"\nlog_fromat = "<A>"', r"unknown keys 'log_fromat', 'fields'; the accepted "
                                                           r"keys are \['log_format', 'regex'"),
    ('column = "message"', 'column = "message"\nmin_sim = 0.5', r"\[\[transforms\]\] number 1 \(template\): unknown "
                                                               r"key 'min_sim'; the accepted keys are \['kind', "
                                                               r"'column', 'onehot', 'missing'\]"),
    ('test_fraction = 0.25', 'test_fractoin = 0.25', r"\[split\] \(kind 'chronological'\): unknown key "
                                                     r"'test_fractoin'; the accepted keys are \['test_fraction'\]"),
    ('kind = "chronological"', 'kind = "chrono"', r"\[split\] kind must be one of \['chronological', 'key'\], got "
                                                  r"'chrono'"),
    ('kind = "chronological"', 'kind = "key"', r"\[split\] needs 'key'"),
    ('seed = 3', 'sede = 3', r"\[output\]: unknown key 'sede'; the accepted keys are \['seed', 'title', 'report', "
                             r"'models'\]"),
    ('label_field = "label"', 'label_feild = "label"', r"\[data\]: unknown key 'label_feild'; the accepted keys are "
                                                       r"\['train', 'test', 'label_field', 'kinds_field'\]"),
    ('[sequence]', '[sequences]', r"unknown table \[sequences\] in the config; the accepted tables are \[data\], "
                                  r"\[reader\], \[\[transforms\]\], \[sequence\]"),
    ('[detectors.ne]', '[detector.ne]', r"unknown table \[detector\]"),
    ('[output]', '[baselines]\npca = false\nforest = true\n[output]', r"\[baselines\]: unknown key 'forest'"),
    ('length = 4', 'length = "four"', r"\[sequence\]: length must be an integer, got 'four'"),
    ('test_fraction = 0.25', 'test_fraction = "0.25"', r"\[split\]: test_fraction must be a number, got '0.25'"),
    # the detectors' keys and values, before the ETL reads anything
    ('kind = "next_event"', 'kind = "next_event"\ntop_gg = 5', r"\[detectors.ne\]: .*top_gg"),
    ('kind = "next_event"', 'kind = "next_event"\nthreshold = "contamination"\ncontamination = 0.7',
     r"\[detectors.ne\]: .*contamination"),
    ('kind = "next_event"', 'kind = "next_event"\nlearning_rate = -1.0', r"\[detectors.ne\]: .*learning_rate"),
    ('kind = "next_event"', 'kind = "next_event"\ntop_g = "five"', r"\[detectors.ne\]: top_g must be an integer, "
                                                                  r"got 'five'"),
    ('kind = "next_event"', 'kind = "next_event"\ntrain_on = "normals"',
     r"\[detectors.ne\] train_on must be 'normal' or 'all', got 'normals'"),
])
def test_a_typo_in_the_config_is_an_error_naming_the_table_the_key_and_the_accepted_keys(tmp_path, old, new,
                                                                                       message):
    from dl4j_bridge.detectors.run import ConfigError, validate

    assert old in BASE
    validate(config(tmp_path, BASE))   # the base config is fine
    with pytest.raises(ConfigError, match=message):
        validate(config(tmp_path, BASE.replace(old, new, 1)))


def test_the_cli_refuses_a_config_typo_with_exit_3_before_starting_the_jvm(tmp_path, capsys, monkeypatch):
    import dl4j_bridge as db
    from dl4j_bridge.cli import main

    monkeypatch.setattr(db, "start_jvm", lambda *a, **k: pytest.fail("the JVM was started for a config typo"))
    path = tmp_path / "run.toml"
    path.write_text(BASE.replace("length = 4", "lenght = 4"))
    assert main(["train", "--config", str(path)]) == 3
    assert "unknown key 'lenght'" in capsys.readouterr().err


def test_the_quarantine_path_is_relative_to_the_config_file(tmp_path, monkeypatch):
    from dl4j_bridge.detectors.run import build_pipeline

    monkeypatch.chdir("/")
    pipeline = build_pipeline(config(tmp_path, BASE))
    assert pipeline.reader.quarantine == str(tmp_path / "q" / "bad.jsonl")


@pytest.mark.parametrize("old, new, message", [
    ('column = "message"', 'column = "Message"', r"Template\('Message'\) needs column 'Message', which the input does "
                                                 r"not have; its columns are \['service', 'message', 'label'\]"),
    ('length = 4', 'key = "host"', None),
])
def test_a_transform_column_or_session_key_naming_no_column_is_a_schema_error(tmp_path, old, new, message):
    from dl4j_bridge.detectors.run import train
    from dl4j_bridge.etl import LogGenerator, SchemaError

    (tmp_path / "train.jsonl").write_text("\n".join(LogGenerator(1).json_lines(200).lines) + "\n")
    text = BASE.replace(old, new, 1)
    if new.startswith("key"):
        text = text.replace('kind = "windows"', 'kind = "sessions"')
        message = r"Sessions\(key='host'\) needs column 'host'"
    with pytest.raises(SchemaError, match=message):
        train(config(tmp_path, text))   # fails in the ETL, before any detector (no JVM)


def test_a_detector_table_may_give_hidden_sizes_as_one_number(tmp_path):
    from dl4j_bridge.detectors.run import build_detector, validate

    validate(config(tmp_path, BASE.replace('kind = "next_event"', 'kind = "next_event"\nhidden_sizes = 8')))
    assert build_detector("ne", {"kind": "next_event", "hidden_sizes": 8}, 5, 0).hidden_sizes in (8, (8,), [8])
