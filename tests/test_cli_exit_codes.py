"""`dl4j-bridge` exit codes for failures of the JVM itself: 4 as the launcher's, not 3 ("input error")."""

import pytest

from dl4j_bridge import cli
from dl4j_bridge.errors import (JavaError, JavaIllegalArgumentError, JavaIOError, JavaNotFoundError,
                                JavaOutOfMemoryError, TrainingDivergedError)


@pytest.mark.parametrize("error, code", [
    (JavaError("java.lang.NullPointerException", "boom"), 4),                 # a bug or a DL4J failure
    (JavaOutOfMemoryError("java.lang.OutOfMemoryError", "Java heap space"), 4),
    (JavaNotFoundError("no java on PATH"), 4),
    (JavaIOError("java.io.FileNotFoundException", "x.zip"), 3),              # a file the user names
    (JavaIllegalArgumentError("java.lang.IllegalArgumentException", "nOut"), 3),   # a setting to change
    (TrainingDivergedError("io.dl4jbridge.TrainingDivergedException", "NaN score: lower learning_rate"), 3),
])
def test_a_failure_of_the_jvm_is_4_and_one_of_the_input_or_settings_3(monkeypatch, capsys, error, code):
    def fail(args):
        raise error

    monkeypatch.setattr(cli, "cmd_score", fail)
    assert cli.main(["score", "--model", "m.zip", "--input", "x.log"]) == code
    assert str(error) in capsys.readouterr().err


def test_the_commands_take_the_jvms_heap_physical_limit_and_threads(monkeypatch, capsys, tmp_path):
    """The CLI always started the JVM with start_jvm's defaults, while its out-of-memory advice said to raise
    start_jvm(heap=...): the limits are options of train, score and evaluate now, and the advice names them."""
    import dl4j_bridge as db

    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.log").write_text("a line\n")
    seen = []
    monkeypatch.setattr(db, "start_jvm", lambda **kwargs: seen.append(kwargs))
    monkeypatch.setattr("dl4j_bridge.session.running_config", lambda: None)   # as in a new process

    def load(model, trusted):
        raise JavaOutOfMemoryError("java.lang.OutOfMemoryError", "Java heap space", setting="heap", advice="more")

    monkeypatch.setattr("dl4j_bridge.detectors.load_detector", load)
    assert cli.main(["score", "--model", "m.zip", "--input", "x.log", "--heap", "4g", "--max-physical-bytes", "12g",
                     "--threads", "3"]) == 4
    # -Xrs: the JVM sets no SIGINT / SIGTERM handler, so a signal while it starts is score's (said, 130 / 143)
    assert seen == [{"heap": "4g", "max_physical_bytes": "12g", "threads": 3, "jvm_options": ["-Xrs"]}]
    # called from a script whose JVM already runs: that JVM, as it was started (asking for -Xrs was refused as
    # "a different configuration", exit 3, nothing scored)
    seen.clear()
    monkeypatch.setattr("dl4j_bridge.session.running_config", lambda: object())
    assert cli.main(["score", "--model", "m.zip", "--input", "x.log"]) == 4
    assert seen == [{"heap": None, "max_physical_bytes": None, "threads": None}]
    assert "(on the command line: --heap SIZE)" in capsys.readouterr().err
    for command in (["train", "--config", "run.toml"], ["evaluate", "--model", "m.zip", "--input", "x.log"]):
        args = cli.build_parser().parse_args(command + ["--heap", "1g", "--threads", "2"])
        assert (args.heap, args.max_physical_bytes, args.threads) == ("1g", None, 2)


def test_score_uses_a_jvm_this_process_already_runs(jvm):
    """score asked for -Xrs even when the JVM already ran (main() called after other work in one process): the
    running JVM, started without it, refused the command as a different configuration (exit 3)."""
    args = cli.build_parser().parse_args(["score", "--model", "m.zip", "--input", "x.log"])
    cli.start_jvm(args)   # no JVMConfigurationError


def test_the_cli_logs_its_own_info_and_only_warnings_of_other_libraries(tmp_path):
    """matplotlib's first use logged "generated new fontManager" at INFO into `train`'s and the demo's output:
    the CLI shows dl4j_bridge's INFO messages (DEBUG with -v) and other libraries' from WARNING on."""
    import subprocess
    import sys

    code = ("import logging, sys; from dl4j_bridge import cli\n"
            "cli.main(['score', '--model', 'absent.zip', '--input', 'absent.log'])\n"
            "logging.getLogger('matplotlib.font_manager').info('third-party info')\n"
            "logging.getLogger('matplotlib.font_manager').warning('third-party warning')\n"
            "logging.getLogger('dl4j_bridge.detectors.run').info('our info')\n")
    err = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120).stderr
    assert "our info" in err and "third-party warning" in err, err
    assert "third-party info" not in err, err


def test_evaluate_and_update_take_their_truth_from_the_last_label_transform():
    """With two label transforms, the steps carry the last one's labels (training, the JVM, the rows'
    predicted_label); evaluate and update read their truth from the first one."""
    from dl4j_bridge.etl import JsonLinesReader, Label, Pipeline, Template, Windows

    pipeline = Pipeline(JsonLinesReader({"message": "message", "state": "state", "alert": "alert"}),
                        [Template("message"), Label("state"), Label("alert", classes=["-", "KERNSTOR"])],
                        sequence=Windows(length=2, stride=2))
    assert cli._step_label(pipeline).column == "alert"
    assert cli._step_label(Pipeline(JsonLinesReader({"message": "message"}), [Template("message")],
                                    sequence=Windows(length=2, stride=2))) is None
