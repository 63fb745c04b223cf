"""Every model `train` saves loads on the JVM: a spec the JVM scorer's reader refuses (a Python-only regex
construct, a strftime directive the JVM lacks) is refused before training (CLI) and before saving (save), naming
the setting; `[output] jvm_check = false` / `save(..., jvm_check=False)` opt out. Epoch seconds train and load."""

from __future__ import annotations

import pytest

CONFIG = """
[data]
train = "app.log"

[reader]
kind = "text"
{reader}

[[transforms]]
kind = "template"
column = "Content"

[[transforms]]
kind = "timestamp"
column = {time_column}
format = "{time_format}"

[sequence]
kind = "windows"
length = 5
next_event = true

[split]
kind = "chronological"
test_fraction = 0.3

[detectors.ne]
kind = "next_event"
hidden_sizes = [4]
epochs = 1
batch_size = 256
validation_fraction = 0

[baselines]
pca = false
isolation_forest = false

[output]
report = "report"
models = "models"
{output}
"""

EPOCH_READER = "log_format = \"<Time> <Host> <Component>: <Content>\""
COND_READER = ("regex = '(?P<Time>\\d+) (?P<Host>\\S+) (?P<Component>[^\\[:]+)(?P<br>\\[)?(?(br)\\d+\\]): "
               "(?P<Content>.*)'")


def _write(tmp_path, *, reader=EPOCH_READER, time_format="%s", output="", time_column='"Time"'):
    messages = ["session opened for user root", "connection from 10.0.0.{} closed", "job {} started",
                "job {} finished"]
    # irregular gaps (1 to 9 s): a time read differently on one side would change the time features
    lines = [f"{1077804742 + 5 * i + (7 * i) % 5} node-{i % 3} sshd[{100 + i}]: {messages[i % 4].format(i % 7)}"
             for i in range(240)]
    (tmp_path / "app.log").write_text("\n".join(lines) + "\n")
    config = tmp_path / "run.toml"
    config.write_text(CONFIG.format(reader=reader, time_format=time_format, output=output, time_column=time_column))
    return config


def _train(config, capsys):
    from dl4j_bridge.cli import main

    rc = main(["train", "--config", str(config)])
    return rc, capsys.readouterr().err


def test_a_python_only_regex_is_refused_before_training(tmp_path, capsys, jvm):
    rc, err = _train(_write(tmp_path, reader=COND_READER), capsys)
    assert rc == 3, err
    assert "[reader] regex: the JVM scorer cannot load this ETL spec" in err
    assert "does not compile in java.util.regex" in err and "jvm_check = false" in err
    assert not (tmp_path / "models").exists() and not (tmp_path / "report").exists()


def test_a_directive_the_jvm_lacks_is_refused_before_training(tmp_path, capsys, jvm):
    config = _write(tmp_path, time_format="%s %X", time_column='["Time", "Host"]')
    config.write_text(config.read_text().replace('format = "%s %X"', 'format = "%d %X"\nyear = 2005'))
    rc, err = _train(config, capsys)
    assert rc == 3, err
    assert "[[transforms]] number 2 (timestamp): the JVM scorer cannot load this ETL spec" in err
    assert "%X is not supported on the JVM" in err
    assert not (tmp_path / "models").exists()


def test_opting_out_trains_a_python_only_model_and_save_checks_again(tmp_path, capsys, jvm):
    from dl4j_bridge.detectors import load_detector
    from dl4j_bridge.jvmcheck import JVMIncompatibleSpecError

    rc, err = _train(_write(tmp_path, reader=COND_READER, output="jvm_check = false"), capsys)
    assert rc == 0, err
    det = load_detector(tmp_path / "models" / "ne.zip")
    assert det.pipeline_ is not None
    with pytest.raises(JVMIncompatibleSpecError, match=r"Unknown inline modifier.*jvm_check=False"):
        det.save(tmp_path / "again.zip")
    assert not (tmp_path / "again.zip").exists()
    det.save(tmp_path / "again.zip", jvm_check=False)
    assert (tmp_path / "again.zip").exists()


def test_a_jvm_check_that_is_not_a_boolean_is_a_config_error(tmp_path, capsys, jvm):
    rc, err = _train(_write(tmp_path, output='jvm_check = "no"'), capsys)
    assert rc == 3 and "[output] jvm_check must be true or false" in err


def test_a_jvm_check_that_is_not_a_boolean_is_found_by_the_checks_that_need_no_jvm(tmp_path):
    from dl4j_bridge.detectors.run import ConfigError, load_config, validate

    with pytest.raises(ConfigError, match=r"\[output\] jvm_check must be true or false \(no quotes\), got 'no'"):
        validate(load_config(_write(tmp_path, output='jvm_check = "no"')))
    validate(load_config(_write(tmp_path, output="jvm_check = false")))


def test_epoch_seconds_train_and_the_saved_spec_loads_on_the_jvm(tmp_path, capsys, jvm):
    import jpype

    from dl4j_bridge.detectors.persistence import ETL_ENTRY
    from dl4j_bridge.modelfile import open_model

    rc, err = _train(_write(tmp_path), capsys)
    assert rc == 0, err
    with open_model(tmp_path / "models" / "ne.zip") as model:
        spec = model.text(ETL_ENTRY)
    assert '"format": "%s"' in spec
    jpype.JClass("io.dl4jbridge.etl.EtlSpec").parse(spec)
    # the launcher reads the epoch seconds as Python does: the same rows and scores for every window
    from test_jvm_scorer import _launcher_against_python

    _, rows, _ = _launcher_against_python(tmp_path / "models" / "ne.zip", tmp_path / "app.log")
    assert len(rows) == 240 - 5


def test_a_java_bug_while_checking_is_a_java_error_not_advice_to_rewrite_the_spec(jvm):
    import jpype

    from dl4j_bridge.errors import JavaError
    from dl4j_bridge.jvmcheck import JVMIncompatibleSpecError, _call

    with pytest.raises(JavaError, match="NullPointerException") as caught:
        _call(jpype.JClass("java.util.Objects").requireNonNull, None, "")
    assert not isinstance(caught.value, JVMIncompatibleSpecError)
    with pytest.raises(JVMIncompatibleSpecError, match="the JVM scorer cannot load this ETL spec"):
        _call(jpype.JClass("java.util.regex.Pattern").compile, "(", "")   # a regex the JVM refuses
