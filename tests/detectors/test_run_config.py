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

    if not (tmp_path / "train.jsonl").exists():   # validate checks that [data] train is a file
        (tmp_path / "train.jsonl").write_text("")
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
                                                               r"'column', 'onehot', 'missing', 'message_lines', "
                                                               r"'similarity_threshold', 'depth', 'max_children', "
                                                               r"'max_constant_values'\]"),
    ('test_fraction = 0.25', 'test_fractoin = 0.25', r"\[split\] \(kind 'chronological'\): unknown key "
                                                     r"'test_fractoin'; the accepted keys are \['test_fraction'\]"),
    ('kind = "chronological"', 'kind = "chrono"', r"\[split\] kind must be one of \['chronological', 'key'\], got "
                                                  r"'chrono'"),
    ('kind = "chronological"', 'kind = "key"', r"\[split\] needs 'key'"),
    ('seed = 3', 'sede = 3', r"\[output\]: unknown key 'sede'; the accepted keys are \['seed', 'title', 'report', "
                             r"'models', 'jvm_check'\]"),
    ('label_field = "label"', 'label_feild = "label"', r"\[data\]: unknown key 'label_feild'; the accepted keys are "
                                                       r"\['train', 'test', 'label_field', 'kinds_field'\]"),
    ('[sequence]', '[sequences]', r"unknown table \[sequences\] in the config; the accepted tables are \[data\], "
                                  r"\[reader\], \[\[transforms\]\], \[sequence\]"),
    ('[detectors.ne]', '[detector.ne]', r"unknown table \[detector\]"),
    ('[output]', '[baselines]\npca = false\nforest = true\n[output]', r"\[baselines\]: unknown key 'forest'"),
    ('length = 4', 'length = "four"', r"\[sequence\]: length must be an integer, got 'four'"),
    ('test_fraction = 0.25', 'test_fraction = "0.25"', r"\[split\]: test_fraction must be a number, got '0.25'"),
    # the detectors' keys and values, before the ETL reads anything
    ('kind = "next_event"', 'kind = "next_event"\ntop_gg = 5', r"\[detectors.ne\] \(kind 'next_event'\): unknown key "
                                                            r"'top_gg'; the accepted keys are \['kind', 'train_on', "
                                                            r"'top_g', "),
    ('kind = "next_event"', 'kind = "sequence_classifier"\nepoch = 3', r"\[detectors.ne\] \(kind 'sequence_classifier'\): "
                                                                      r"unknown key 'epoch'; the accepted keys are "),
    ('kind = "next_event"', 'kind = "next_event"\nthreshold = "contamination"\ncontamination = 0.7',
     r"\[detectors.ne\]: .*contamination"),
    ('kind = "next_event"', 'kind = "next_event"\nlearning_rate = -1.0', r"\[detectors.ne\]: .*learning_rate"),
    ('kind = "next_event"', 'kind = "next_event"\ntop_g = "five"', r"\[detectors.ne\]: top_g must be an integer, "
                                                                  r"got 'five'"),
    # checked with the other settings, before any detector trains (it was refused on the JVM, after the ones before
    # it had trained and been saved), naming the setting
    ('kind = "next_event"', 'kind = "next_event"\nlr_schedule = { type = "Cosine" }',
     r"\[detectors.ne\]: .*lr_schedule 'type' must be one of \['step', 'exponential'\]"),
    ('kind = "next_event"', 'kind = "next_event"\ndropout = "0.3"',
     r"\[detectors.ne\]: dropout must be a number, got '0.3'"),
    ('kind = "next_event"', 'kind = "next_event"\ntrain_on = "normals"',
     r"\[detectors.ne\] train_on must be 'normal' or 'all', got 'normals'"),
    # the fixed tables' values: a quoted "false" used to run the baseline anyway, a number label_field crashed
    ('[output]', '[baselines]\npca = "false"\n[output]', r"\[baselines\] pca must be true or false \(no quotes\), "
                                                       r"got 'false'"),
    ('label_field = "label"', 'label_field = 5', r"\[data\] label_field must be a string \(in quotes\), got 5"),
    ('seed = 3', 'seed = "x"', r"\[output\] seed must be an integer, got 'x'"),
    ('seed = 3', 'seed = 7.9', r"\[output\] seed must be an integer, got 7.9"),
    ('seed = 3', 'seed = true', r"\[output\] seed must be an integer, got True"),
    ('seed = 3', 'seed = 3\ntitle = 5', r"\[output\] title must be a string \(in quotes\), got 5"),
    # scikit-learn's baselines take seeds in [0, 2**32): refused after the detectors had trained and been saved
    ('seed = 3', 'seed = 5000000000', r"\[output\] seed must be an integer from 0 to 4294967295 .*, got 5000000000"),
    ('seed = 3', 'seed = -1', r"\[output\] seed must be an integer from 0 to 4294967295 .*, got -1"),
    # wrong types reached Python internals (exit 4, "unexpected TypeError: unhashable type: 'list'") or the JVM
    ('column = "message"', 'column = ["message"]', r"\[\[transforms\]\] number 1 \(template\): column must be a "
                                                   r"string \(in quotes\), got \['message'\]"),
    ('kind = "windows"\nlength = 4', 'kind = "sessions"\nkey = ["service"]',
     r"\[sequence\]: key must be a string \(in quotes\), got \['service'\]"),
    ('[sequence]', '[[transforms]]\nkind = "extract"\ncolumn = "message"\npattern = "(\\\\d+)"\ninto = ["n"]\n[sequence]',
     r"\[\[transforms\]\] number 2 \(extract\): into must be a string \(in quotes\), got \['n'\]"),
    ('[sequence]', '[[transforms]]\nkind = "categorical"\ncolumn = "service"\nmax_categories = "10"\n[sequence]',
     r"number 2 \(categorical\): max_categories must be an integer, got '10'"),
    ('[sequence]', '[[transforms]]\nkind = "timestamp"\ncolumn = "service"\nyear = [2026]\n[sequence]',
     r"number 2 \(timestamp\): year must be an integer, got \[2026\]"),
    ('[sequence]', '[[transforms]]\nkind = "timestamp"\ncolumn = "service"\nyear = 2026.7\n[sequence]',
     r"year must be an integer, got 2026.7"),
    ('[sequence]', '[[transforms]]\nkind = "timestamp"\ncolumn = "service"\nyear = true\n[sequence]',
     r"year must be an integer, got True"),
    ('[sequence]', '[[transforms]]\nkind = "timestamp"\ncolumn = ["service", 3]\n[sequence]',
     r"column must be a string \(in quotes\) or a list of strings, got \['service', 3\]"),
    # a string where a list is meant was split into characters: categories ['2', '4', '2', '0', '0'], exit 0
    ('[sequence]', '[[transforms]]\nkind = "categorical"\ncolumn = "service"\ncategories = "24200"\n[sequence]',
     r"categories must be a list of strings, got '24200'"),
    ('[sequence]', '[[transforms]]\nkind = "ip"\ncolumn = "service"\ncategories = "10.0.1.0/24"\n[sequence]',
     r"number 2 \(ip\): categories must be a list of strings"),
    ('[sequence]', '[[transforms]]\nkind = "port"\ncolumn = "service"\ncategories = "22"\n[sequence]',
     r"number 2 \(port\): categories must be a list of strings"),
    ('fields = { service = "service", message = "message", label = "label" }', 'fields = "message"',
     r"\[reader\]: fields must be a table of strings or lists of strings or a list of strings, got 'message'"),
    ('fields = { service = "service", message = "message", label = "label" }', 'fields = { message = 5 }',
     r"\[reader\]: fields must be a table of strings or lists of strings"),
    # a prefix beyond 32 read every address as missing, without a word
    ('[sequence]', '[[transforms]]\nkind = "ip"\ncolumn = "service"\nprefix = 40\n[sequence]',
     r"number 2 \(ip\): prefix must be an integer from 0 to 32 .* every IPv4 address reads as missing"),
    ('mode = "lenient"', 'mode = "lenient"\nchunk_lines = 0', r"\[reader\]: chunk_lines must be an integer >= 1"),
    # the run's own settings of a next-event detector: oov_id = 5 trained template 5 as the unknown event
    ('kind = "next_event"', 'kind = "next_event"\noov_id = 5', r"unknown key 'oov_id'"),
    ('kind = "next_event"', 'kind = "next_event"\nn_events = 3', r"unknown key 'n_events'"),
    ('kind = "next_event"', 'kind = "next_event"\nend_id = 3', r"unknown key 'end_id'"),
    ('[[transforms]]\nkind = "template"', '[[transforms]]\nkind = "template"\ncolumn = "message"\n[[transforms]]\n'
                                          'kind = "template"', r"number 2 \(template\) repeats \[\[transforms\]\] number 1 "
                                                               r"\(one template transform per run\)"),
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
def test_a_transform_column_or_session_key_naming_no_column_is_a_schema_error(tmp_path, old, new, message, jvm):
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


# --------------------------------------------------------------------------------------------------
# user trial: mistakes found only after the JVM started (or never), now refused by validate
# --------------------------------------------------------------------------------------------------
CLASSIFIER = '[detectors.clf]\nkind = "sequence_classifier"\n'


@pytest.mark.parametrize("old, new, message", [
    # a classifier without labels trained on all-0 labels and saved a useless model (metrics n/a)
    ('[detectors.ne]', CLASSIFIER + '[detectors.ne]',
     r'\[detectors.clf\] \(kind "sequence_classifier"\) learns from labelled lines, but no \[\[transforms\]\] table '
     r'of kind "label" .* Add \[\[transforms\]\] with kind = "label" and column = "label"'),
    # no test part: the error came after the JVM started, worded for the Python API (split=ChronologicalSplit...)
    ('[split]\nkind = "chronological"\ntest_fraction = 0.25\n', '',
     r'no test data: add \[data\] test = <path of the test logs>, or a \[split\] table'),
    # an empty [split] is the default chronological split (it was taken for no [split] and "add a [split]" said)
    ('[split]\nkind = "chronological"\ntest_fraction = 0.25\n', '[split]\ntest_fraction = 0.0\n',
     r'\[split\] test_fraction = 0 holds out nothing, so there is no test part'),
    ('[detectors.ne]\nkind = "next_event"\n', '', r'at least one \[detectors.<name>\] table'),
    # a threshold setting the chosen method does not read was silently ignored (and recorded in the model)
    ('kind = "next_event"\n', 'kind = "next_event"\nthreshold = "best_f1"\nthreshold_value = 0.3\n',
     r'\[detectors.ne\] threshold_value = 0.3 is used only with threshold = "fixed", but threshold is "best_f1": '
     r'remove threshold_value, or set threshold = "fixed"'),
    ('kind = "next_event"\n', 'kind = "next_event"\nthreshold = "contamination"\nk = 2.0\n',
     r'\[detectors.ne\] k = 2.0 is used only with threshold = "k_sigma", but threshold is "contamination"'),
    ('[detectors.ne]', CLASSIFIER + 'contamination = 0.1\n[detectors.ne]',
     r'\[detectors.clf\] contamination = 0.1 is used only with threshold = "contamination", but threshold is '
     r'"fixed"'),
    # a next-event detector without a template transform (numeric-only data) ran the ETL, then failed in DL4J
    # (nOut=1) in run.toml, or trained a model flagging every window from Python
    ('[[transforms]]\nkind = "template"\ncolumn = "message"\n',
     '[[transforms]]\nkind = "categorical"\ncolumn = "service"\n',
     r'\[detectors.ne\] \(kind "next_event"\) learns which log template follows which, but the \[\[transforms\]\] '
     r'have no template transform'),
    ('train = "train.jsonl"', 'test = "train.jsonl"', r'\[data\] needs train = '),
    ('train = "train.jsonl"', 'train = 3', r'\[data\] train must be a path \(a string\), got 3'),
])
def test_a_config_that_cannot_train_anything_useful_is_refused_naming_the_table_and_key(tmp_path, old, new,
                                                                                        message):
    from dl4j_bridge.detectors.run import ConfigError, validate

    assert old in BASE
    with pytest.raises(ConfigError, match=message):
        validate(config(tmp_path, BASE.replace(old, new, 1)))


def test_a_classifier_with_a_label_transform_and_a_test_file_instead_of_a_split_are_fine(tmp_path):
    from dl4j_bridge.detectors.run import validate

    (tmp_path / "test.jsonl").write_text("")
    text = BASE.replace('[split]\nkind = "chronological"\ntest_fraction = 0.25\n', '') \
        .replace('train = "train.jsonl"', 'train = "train.jsonl"\ntest = "test.jsonl"') \
        .replace('[sequence]', '[[transforms]]\nkind = "label"\ncolumn = "label"\n\n[sequence]') \
        .replace('[detectors.ne]', CLASSIFIER + '[detectors.ne]')
    validate(config(tmp_path, text))


@pytest.mark.parametrize("key", ["train", "test"])
def test_a_missing_data_file_is_refused_naming_the_key_and_the_resolved_path(tmp_path, monkeypatch, key):
    from dl4j_bridge.detectors.run import ConfigError, validate

    monkeypatch.chdir("/")   # the path is the config file's, not the working directory's
    text = BASE.replace('train = "train.jsonl"', 'train = "train.jsonl"\ntest = "logs/test.jsonl"') if key == "test" \
        else BASE.replace('train = "train.jsonl"', 'train = "logs/train.jsonl"')
    with pytest.raises(ConfigError) as error:
        validate(config(tmp_path, text))
    assert f"[data] {key} = 'logs/{key}.jsonl': no file at {tmp_path / 'logs' / f'{key}.jsonl'}" in str(error.value)
    (tmp_path / "logs" / f"{key}.jsonl").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"is not a regular file"):
        validate(config(tmp_path, text))


@pytest.mark.parametrize("old, new, message", [
    # a misnamed session key: the error lists the derived columns (the regex-derived block) too
    ('[sequence]\nkind = "windows"\nlength = 4',
     '[[transforms]]\nkind = "extract"\ncolumn = "message"\npattern = "(blk_[0-9]+)"\ninto = "block"\n\n'
     '[sequence]\nkind = "sessions"\nkey = "blok"',
     r"\[sequence\] key = 'blok' names no column: the reader's fields are \['service', 'message', 'label'\] and "
     r"the \[\[transforms\]\] derive \['template_id', 'block'\]: name one of them"),
    ('column = "message"', 'column = "Message"',
     r"\[\[transforms\]\] number 1 \(template\) column = 'Message' names no column: the reader's fields are "
     r"\['service', 'message', 'label'\] and the \[\[transforms\]\] derive \['template_id'\]"),
    ('test_fraction = 0.25', 'key = "host"',
     r"\[split\] key = 'host' names no column"),
])
def test_a_column_the_config_names_must_be_a_field_or_a_derived_column(tmp_path, old, new, message):
    from dl4j_bridge.detectors.run import ConfigError, validate

    assert old in BASE
    text = BASE.replace(old, new, 1)
    if new.startswith("key"):
        text = text.replace('kind = "chronological"', 'kind = "key"')
    with pytest.raises(ConfigError, match=message):
        validate(config(tmp_path, text))
    if "blok" in new:   # the derived column itself is a fine session key
        validate(config(tmp_path, text.replace('key = "blok"', 'key = "block"')))


@pytest.mark.parametrize("old, new, says", [
    ('[detectors.ne]', CLASSIFIER + '[detectors.ne]', 'kind = "label" and column = "label"'),
    ('[split]\nkind = "chronological"\ntest_fraction = 0.25\n', '', "add [data] test"),
    ('train = "train.jsonl"', 'train = "nowhere.jsonl"', "[data] train = 'nowhere.jsonl': no file at"),
])
def test_the_cli_refuses_them_with_exit_3_before_starting_the_jvm(tmp_path, capsys, monkeypatch, old, new, says):
    import dl4j_bridge as db
    from dl4j_bridge.cli import main

    monkeypatch.setattr(db, "start_jvm", lambda *a, **k: pytest.fail("the JVM was started for a config mistake"))
    (tmp_path / "train.jsonl").write_text("")
    path = tmp_path / "run.toml"
    path.write_text(BASE.replace(old, new, 1))
    assert main(["train", "--config", str(path)]) == 3
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


@pytest.mark.parametrize("overflow, message", [
    ('"drop"', r"\[sequence\]: Sessions overflow must be one of \['split', 'truncate'\].*got 'drop'"),
    ('1', r"\[sequence\]: overflow must be"),
])
def test_sequence_overflow_is_split_by_default_truncate_on_request_and_checked(tmp_path, overflow, message):
    from dl4j_bridge.detectors.run import ConfigError, build_pipeline

    sessions = 'kind = "sessions"\nkey = "service"\nmax_length = 8'
    assert build_pipeline(config(tmp_path, BASE.replace('kind = "windows"\nlength = 4', sessions))) \
        .sequence.overflow == "split"
    truncate = build_pipeline(config(tmp_path, BASE.replace('kind = "windows"\nlength = 4',
                                                            sessions + '\noverflow = "truncate"')))
    assert truncate.sequence.overflow == "truncate" and truncate.sequence.to_dict()["overflow"] == "truncate"
    with pytest.raises(ConfigError, match=message):
        build_pipeline(config(tmp_path, BASE.replace('kind = "windows"\nlength = 4',
                                                     sessions + f'\noverflow = {overflow}')))


def test_a_split_beside_a_test_file_is_said_to_be_unused(tmp_path, caplog):
    import logging

    from dl4j_bridge.detectors.run import validate

    (tmp_path / "test.jsonl").write_text("")
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.detectors.run"):
        validate(config(tmp_path, BASE))
    assert "[split] is not used" not in caplog.text
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.detectors.run"):
        validate(config(tmp_path, BASE.replace('train = "train.jsonl"', 'train = "train.jsonl"\ntest = "test.jsonl"')))
    assert "[split] is not used: [data] test is the test part" in caplog.text
    from dl4j_bridge.detectors.run import build_pipeline

    # and it is not: the pipeline fits the whole train file (a split would leave its tail out of the vocabularies)
    both = config(tmp_path, BASE.replace('train = "train.jsonl"', 'train = "train.jsonl"\ntest = "test.jsonl"'))
    assert build_pipeline(both).split is None and build_pipeline(config(tmp_path, BASE)).split is not None


# --------------------------------------------------------------------------------------------------
# user trial 2 (a data engineer writing run.toml for their own logs)
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("old, new, message", [
    # the quarantine file is emptied before reading: it had wiped the training log (0 bytes), or the test log
    ('quarantine = "q/bad.jsonl"', 'quarantine = "train.jsonl"',
     r'\[reader\] quarantine = .*train.jsonl\' is the \[data\] train file: it would be emptied before the logs are '
     r'read'),
    # a detector's name is its model file's: "../../escaped" wrote outside [output] models
    ('[detectors.ne]', '[detectors."../../escaped"]', r"a detector's name is its model file's name"),
    ('[detectors.ne]', '[detectors."sub/ne"]', r"\(no '/' or '.', no '\.\.'\)"),
    ('[detectors.ne]', '[detectors.""]', r"a detector's name is its model file's name"),
    ('[detectors.ne]', '[detectors.".hidden"]', r"starting with a letter, digit or '_'"),
    ('[detectors.ne]', '[detectors."a\\\\b"]', r"a detector's name is its model file's name"),
    # an NLL score with the default top-g threshold failed in fit, after the JVM, the ETL and earlier detectors
    ('kind = "next_event"', 'kind = "next_event"\nscore = "nll"',
     r'\[detectors.ne\] score = \'nll\' needs a threshold on the score, but threshold is "top_g" \(the default\).* '
     r'add threshold = "k_sigma"'),
])
def test_a_config_mistake_that_destroyed_data_or_failed_late_is_refused_by_validate(tmp_path, old, new, message):
    from dl4j_bridge.detectors.run import ConfigError, train, validate

    assert old in BASE
    (tmp_path / "train.jsonl").write_text('{"service": "a", "message": "m", "label": 0}\n')
    with pytest.raises(ConfigError, match=message):
        validate(config(tmp_path, BASE.replace(old, new, 1)))
    if "quarantine" in new:   # train() itself, which reads the logs (refused before the JVM is needed)
        with pytest.raises(ConfigError, match=message):
            train(config(tmp_path, BASE.replace(old, new, 1)))
    assert (tmp_path / "train.jsonl").read_text() == '{"service": "a", "message": "m", "label": 0}\n'


def test_without_the_check_the_quarantine_would_empty_the_log(tmp_path):
    # what the refusal above prevents: a reader with that quarantine empties the file before reading it
    from dl4j_bridge.etl import JsonLinesReader

    (tmp_path / "train.jsonl").write_text('{"message": "m"}\n')
    reader = JsonLinesReader(["message"], mode="lenient", quarantine=tmp_path / "train.jsonl")
    reader.read(str(tmp_path / "train.jsonl"))
    assert (tmp_path / "train.jsonl").read_text() == ""


@pytest.mark.parametrize("old, new", [
    # one-hot ("service=ssh") and index ("service") features of one column do not clash
    ('[sequence]', '[[transforms]]\nkind = "categorical"\ncolumn = "service"\n[[transforms]]\nkind = "categorical"\n'
                   'column = "service"\nencoding = "index"\n[sequence]'),
    # with both baselines off DL4J takes any seed from 0 to 2**63 - 1 (a Java long >= 0)
    ('seed = 3', 'seed = 1099511627776\n[baselines]\npca = false\nisolation_forest = false'),
    ('[detectors.ne]', '[detectors."Modèle 2"]'),
])
def test_configs_the_new_checks_must_not_refuse(tmp_path, old, new):
    from dl4j_bridge.detectors.run import validate

    assert old in BASE
    validate(config(tmp_path, BASE.replace(old, new, 1)))


def test_an_unknown_score_is_named_as_such_not_as_a_threshold_mistake(tmp_path):
    from dl4j_bridge.detectors.run import ConfigError, validate

    with pytest.raises(ConfigError, match=r"score must be one of \('count', 'share', 'nll', 'max_nll'\), got 'foo'"):
        validate(config(tmp_path, BASE.replace('kind = "next_event"', 'kind = "next_event"\nscore = "foo"')))
    with pytest.raises(ConfigError, match=r"\[reader\]: quarantine must be a string \(in quotes\), got 5"):
        validate(config(tmp_path, BASE.replace('quarantine = "q/bad.jsonl"', 'quarantine = 5')))


def test_the_quarantine_may_not_be_the_test_file_either_and_names_with_dots_and_dashes_are_fine(tmp_path):
    from dl4j_bridge.detectors.run import ConfigError, validate

    (tmp_path / "test.jsonl").write_text("x\n")
    with_test = BASE.replace('train = "train.jsonl"', 'train = "train.jsonl"\ntest = "test.jsonl"')
    with pytest.raises(ConfigError, match=r"is the \[data\] test file"):
        validate(config(tmp_path, with_test.replace('quarantine = "q/bad.jsonl"', 'quarantine = "./test.jsonl"')))
    validate(config(tmp_path, BASE.replace("[detectors.ne]", '[detectors."ne-2.v1_a"]')))
    validate(config(tmp_path, BASE.replace('kind = "next_event"', 'kind = "next_event"\nscore = "nll"\n'
                                                                  'threshold = "k_sigma"')))
    validate(config(tmp_path, BASE.replace("[split]\nkind = \"chronological\"\ntest_fraction = 0.25\n", "[split]\n")))


def test_test_equal_to_train_is_a_warning_that_the_metrics_are_training_metrics(tmp_path, caplog):
    from dl4j_bridge.detectors.run import validate

    validate(config(tmp_path, BASE.replace('train = "train.jsonl"', 'train = "train.jsonl"\ntest = "train.jsonl"')))
    assert "the report's test metrics are measured on the training data" in caplog.text


@pytest.mark.parametrize("data, message", [
    ("# caf\xe9\n".encode("latin-1"), r"run.toml: line 1 is not UTF-8 text \(byte 0xe9\): a TOML file is UTF-8; "
                                      r"save it as UTF-8 \(e.g. iconv -f latin1 -t utf-8 run.toml > fixed.toml\)"),
    (b"[data]\ntrain = 'x'\n# \xff\n", r"line 3 is not UTF-8 text \(byte 0xff\)"),
])
def test_a_config_file_that_is_not_utf8_names_the_file_and_line(tmp_path, data, message):
    from dl4j_bridge.detectors.run import ConfigError, load_config

    (tmp_path / "run.toml").write_bytes(data)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "run.toml")


def test_a_byte_order_mark_is_taken_off(tmp_path):
    from dl4j_bridge.detectors.run import load_config, validate

    (tmp_path / "train.jsonl").write_text("")
    (tmp_path / "run.toml").write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    validate(load_config(tmp_path / "run.toml"))


def _train_config_error(tmp_path, capsys, monkeypatch, config_text):
    """``train --config`` on ``config_text``: exit 3 before the JVM starts; returns (the config's path, stderr)."""
    import dl4j_bridge as db
    from dl4j_bridge.cli import main

    monkeypatch.setattr(db, "start_jvm", lambda *a, **k: pytest.fail("the JVM was started for a config mistake"))
    path = tmp_path / "run.toml"
    (tmp_path / "train.jsonl").write_text("")
    path.write_text(config_text)
    assert main(["train", "--config", str(path)]) == 3
    return path, capsys.readouterr().err


def test_the_cli_names_the_config_file_in_a_config_error(tmp_path, capsys, monkeypatch):
    path, err = _train_config_error(tmp_path, capsys, monkeypatch,
                                    BASE.replace('column = "message"', 'column = ["message"]'))
    assert f"dl4j-bridge train: {path}:14: [[transforms]] number 1 (template): column must be" in err


@pytest.mark.parametrize("old, new, line, says", [
    # a wrong type
    ("length = 4", "length = \"4\"", 18, "[sequence]: length must be an integer, got '4'"),
    # an unknown key, with the accepted ones
    ('mode = "lenient"', 'mode = "lenient"\nquarantin = "x"', 9,
     "[reader] (kind 'jsonl'): unknown key 'quarantin'; the accepted keys are ['fields', 'types', 'mode', 'quarantine'"),
    # a value out of range
    ("seed = 3", "seed = -1", 28, "[output] seed must be an integer from 0 to 4294967295"),
    # a key of a nested table: inline, then a sub-table of its own
    ('kind = "next_event"', 'kind = "next_event"\nlr_schedule = { type = "step", decay = 2.0 }', 26,
     "[detectors.ne]: invalid LSTMConfig: lr_schedule 'decay' multiplies the learning rate and must be in (0, 1]"),
    ('kind = "next_event"', 'kind = "next_event"\n\n[detectors.ne.lr_schedule]\ntype = "step"\ndecay = 2.0', 29,
     "[detectors.ne]: invalid LSTMConfig: lr_schedule 'decay' multiplies"),
    # the second [[transforms]] entry, not the first
    ('[[transforms]]\nkind = "template"', '[[transforms]]\nkind = "template"\ncolumn = "message"\n\n[[transforms]]\n'
     'kind = "template"', 16, "[[transforms]] number 2 (template) repeats [[transforms]] number 1"),
    # an unknown table
    ("[output]", "[outptu]", 27, "unknown table [outptu] in the config"),
])
def test_a_config_error_names_the_file_and_line_of_the_key(tmp_path, capsys, monkeypatch, old, new, line, says):
    assert old in BASE
    path, err = _train_config_error(tmp_path, capsys, monkeypatch, BASE.replace(old, new, 1))
    assert f"dl4j-bridge train: {path}:{line}: {says}" in err


def test_a_table_that_is_missing_has_no_line_to_name(tmp_path, capsys, monkeypatch):
    path, err = _train_config_error(tmp_path, capsys, monkeypatch,
                                    BASE.replace('[detectors.ne]\nkind = "next_event"\n', ""))
    assert f"dl4j-bridge train: {path}: the config needs at least one [detectors.<name>] table" in err


def test_the_line_scanner_reads_what_tomllib_reads():
    import tomllib

    from dl4j_bridge.detectors.configlines import config_lines, error_line

    text = (  # line numbers: 1 ...
        '# [reader]\n'                                   # 1: a comment is no table
        'title = """\n'                                  # 2
        '[sequence]\nlength = 3 """\n'                  # 3-4: nor is a multi-line string's text
        '[data]  # the files\n'                           # 5
        'train = "a.jsonl"\n'                             # 6
        'names = [\n  "x",\n  "[y]",\n]\n'            # 7-10
        '[detectors."my det"]\n'                          # 11
        "kind = 'next_event'\n"                           # 12
        'lr_schedule.type = "step"\n'                     # 13
        '[[transforms]]\nkind = "template"\n'            # 14-15
        '[[transforms]]\n\ncolumn = "m"\n'              # 16-18
    )
    tomllib.loads(text)
    lines = config_lines(text)
    assert ("reader",) not in lines and ("sequence",) not in lines
    assert lines[("data",)] == 5 and lines[("data", "train")] == 6 and lines[("data", "names")] == 7
    assert lines[("data", "names", 1)] == 9
    assert lines[("detectors", "my det", "kind")] == 12 and lines[("detectors", "my det", "lr_schedule", "type")] == 13
    assert lines[("transforms", 0, "kind")] == 15 and lines[("transforms", 1)] == 16
    assert lines[("transforms", 1, "column")] == 18
    assert error_line("[[transforms]] number 2 (template): column must be a string", lines) == 18
    assert error_line('[detectors."my det"]: lr_schedule type must be ...', lines) == 13
    assert error_line("[data] train = 'a.jsonl': no file at /x", lines) == 6
    assert error_line("the config needs a [reader] table", lines) is None


def test_verbose_may_follow_the_command():
    from dl4j_bridge.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["train", "-v", "--config", "x"]).verbose is True
    assert parser.parse_args(["-v", "score", "--model", "m", "--input", "i"]).verbose is True
    assert parser.parse_args(["evaluate", "--model", "m", "--input", "i"]).verbose is False


def test_a_key_split_takes_the_runs_seed_unless_it_sets_its_own(tmp_path):
    """Two runs with other [output] seeds split the sessions differently (the split's own default was 0)."""
    from dl4j_bridge.detectors.run import build_pipeline

    text = BASE.replace('kind = "chronological"', 'kind = "key"\nkey = "service"', 1)
    assert 'key = "service"' in text and "seed = 3" in text
    assert build_pipeline(config(tmp_path, text)).split.seed == 3
    assert build_pipeline(config(tmp_path, text.replace("seed = 3", "seed = 8"))).split.seed == 8
    assert build_pipeline(config(tmp_path, text.replace("[output]\nseed = 3\n", ""))).split.seed == 7   # the default
    own = text.replace('key = "service"', 'key = "service"\nseed = 5', 1)
    assert build_pipeline(config(tmp_path, own)).split.seed == 5


def test_train_without_the_report_extra_is_refused_at_once_with_the_pip_command(tmp_path, capsys, monkeypatch):
    """scikit-learn missing was an "unexpected ModuleNotFoundError" (exit 4) after the first detector's training."""
    from dl4j_bridge.cli import main
    from dl4j_bridge.detectors import run

    path = tmp_path / "run.toml"
    config(tmp_path, BASE)   # writes run.toml and the data file
    monkeypatch.setattr(run, "REPORT_MODULES", {"sklearn": "scikit-learn", "no_such_module_xyz": "no-such-dist"})
    assert main(["train", "--config", str(path)]) == 4
    err = capsys.readouterr().err
    assert "dl4j-bridge train needs no-such-dist (the 'report' extra" in err and "pip install 'dl4j-bridge[report]'" in err
    assert "unexpected" not in err and not (tmp_path / "models").exists()
    assert main(["evaluate", "--model", str(tmp_path / "none.zip"), "--input", str(tmp_path / "train.jsonl")]) == 4
    assert "dl4j-bridge evaluate needs no-such-dist" in capsys.readouterr().err


NEXT_VALUE = '[detectors.nv]\nkind = "next_value"\n'
NUMERIC = '[[transforms]]\nkind = "numeric"\ncolumn = "bytes"\n\n[sequence]'
#: BASE with a bytes field and a numeric transform of it
NV_BASE = BASE.replace('label = "label" }', 'label = "label", bytes = "bytes" }', 1).replace("[sequence]", NUMERIC, 1)


@pytest.mark.parametrize("old, new, message", [
    # nothing numeric to predict: refused before the JVM starts, naming the table and what to add
    ('[detectors.ne]', NEXT_VALUE + '[detectors.ne]',
     r'\[detectors.nv\] \(kind "next_value"\) predicts the next step\'s numeric fields, but the \[\[transforms\]\] '
     r'have no table of kind "numeric"'),
    ('[detectors.ne]', NEXT_VALUE + 'target_columns = "bytes"\n[detectors.ne]',
     r'\[detectors.nv\] target_columns must be a list of feature names \(strings\), e.g. \["bytes"\], got \'bytes\''),
    ('[detectors.ne]', NEXT_VALUE + 'target_columns = ["bytes", "bytes"]\n[detectors.ne]',
     r'\[detectors.nv\] target_columns = .* names a feature twice'),
    ('[detectors.ne]', NEXT_VALUE + 'target_colums = ["bytes"]\n[detectors.ne]',
     r"\[detectors.nv\] \(kind 'next_value'\): unknown key 'target_colums'"),
    ('[detectors.ne]', NEXT_VALUE + 'threshold = "top_g"\n[detectors.ne]', r"NextValueDetector has no top-g rule"),
    ('[detectors.ne]', NEXT_VALUE + 'aggregation = "sum"\n[detectors.ne]', r"aggregation must be max, mean or last"),
])
def test_a_next_value_detector_the_config_cannot_train_is_refused_naming_the_table(tmp_path, old, new, message):
    from dl4j_bridge.detectors.run import ConfigError, validate

    base = BASE if "have no table" in message else NV_BASE
    with pytest.raises(ConfigError, match=message):
        validate(config(tmp_path, base.replace(old, new, 1)))


def test_a_next_value_detector_with_a_numeric_transform_or_named_targets_is_accepted(tmp_path):
    from dl4j_bridge.detectors.run import ConfigError, build_detector, validate

    text = NV_BASE.replace("[detectors.ne]", NEXT_VALUE + "[detectors.ne]", 1)
    validate(config(tmp_path, text))
    named = text.replace('kind = "next_value"\n', 'kind = "next_value"\ntarget_columns = ["bytes"]\n', 1)
    validate(config(tmp_path, named))
    det = build_detector("nv", {"kind": "next_value", "target_columns": ["bytes"]}, 5, 0)
    assert det.target_columns == ("bytes",) and det.threshold == "k_sigma" and det.k == 3.0
    wrong = text.replace('kind = "next_value"\n', 'kind = "next_value"\ntarget_columns = ["byte"]\n', 1)
    with pytest.raises(ConfigError, match=r"target_columns \['byte'\] are not numeric features of the \[\[transforms\]\] "
                                          r"\(those are \['bytes'\]\)"):
        validate(config(tmp_path, wrong))


@pytest.mark.parametrize("old, new, line, says", [
    # a format that parses none of the training times: found by the fit, not by validate
    ('[[transforms]]\nkind = "template"\ncolumn = "message"\n',
     '[[transforms]]\nkind = "template"\ncolumn = "message"\n\n[[transforms]]\nkind = "timestamp"\ncolumn = "time"\n'
     'format = "%d/%m/%Y %H:%M"\n', 19, "[[transforms]] number 2 (timestamp): the format '%d/%m/%Y %H:%M' parses none"),
    # a types name the reader does not read
    ('mode = "lenient"', 'mode = "lenient"\ntypes = { mesage = "str" }', 9,
     "the reader's types name ['mesage'], which it does not read"),
])
def test_a_setting_the_fit_refutes_names_the_file_and_line_too(tmp_path, capsys, monkeypatch, old, new, line, says):
    """Errors the ETL's fit raises about a run.toml setting began with the setting's table but without the file and
    line that every other config error begins with (README: "Command line")."""
    import dl4j_bridge as db
    from dl4j_bridge.cli import main

    monkeypatch.setattr(db, "start_jvm", lambda *a, **k: None)   # the ETL fails before any detector needs it
    lines = [f'{{"time": "2026-12-04 08:00:{i:02d}", "service": "a", "message": "m {i % 3}", "label": 0}}'
             for i in range(40)]
    (tmp_path / "train.jsonl").write_text("\n".join(lines) + "\n")
    path = tmp_path / "run.toml"
    text = BASE.replace(old, new, 1).replace('message = "message", label', 'message = "message", time = "time", label')
    text = text.replace("seed = 3", "seed = 3\njvm_check = false")   # no JVM: the fit fails first
    path.write_text(text)
    assert main(["train", "--config", str(path)]) == 3
    err = capsys.readouterr().err
    assert f"dl4j-bridge train: {path}:{line}: {says}" in err, err


def test_one_session_over_the_whole_log_is_told_why_no_test_part_can_come_of_it(tmp_path, capsys, monkeypatch):
    """loghub's HealthApp sample has one Pid: sessions by it with a chronological split put the one session in the
    training part, and 'raise [split] test_fraction' could never help; the message now says why and what can."""
    import dl4j_bridge as db
    from dl4j_bridge.cli import main

    monkeypatch.setattr(db, "start_jvm", lambda *a, **k: None)   # the ETL fails before any detector needs it
    lines = [f'{{"service": "a", "message": "m {i % 3}", "label": 0}}' for i in range(40)]
    (tmp_path / "train.jsonl").write_text("\n".join(lines) + "\n")
    path = tmp_path / "run.toml"
    path.write_text(BASE.replace('kind = "windows"\nlength = 4', 'kind = "sessions"\nkey = "service"')
                    .replace("seed = 3", "seed = 3\njvm_check = false"))
    assert main(["train", "--config", str(path)]) == 3
    err = capsys.readouterr().err
    assert ("makes no sequence to test on (a session belongs to the part of its first record, and every session of "
            "this log starts in the training part; the log above says what was read): cut a key's records into "
            "sessions with [sequence] gap, use [sequence] kind = \"windows\", raise [split] test_fraction, or give "
            "[data] test") in err, err
