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
