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

    def load(model, trusted):
        raise JavaOutOfMemoryError("java.lang.OutOfMemoryError", "Java heap space", setting="heap", advice="more")

    monkeypatch.setattr("dl4j_bridge.detectors.load_detector", load)
    assert cli.main(["score", "--model", "m.zip", "--input", "x.log", "--heap", "4g", "--max-physical-bytes", "12g",
                     "--threads", "3"]) == 4
    assert seen == [{"heap": "4g", "max_physical_bytes": "12g", "threads": 3}]
    assert "(on the command line: --heap SIZE)" in capsys.readouterr().err
    for command in (["train", "--config", "run.toml"], ["evaluate", "--model", "m.zip", "--input", "x.log"]):
        args = cli.build_parser().parse_args(command + ["--heap", "1g", "--threads", "2"])
        assert (args.heap, args.max_physical_bytes, args.threads) == ("1g", None, 2)
