"""What an error-message audit found (100 deliberate mistakes): each message must say what is wrong, where, and
what to do, with the exit code the README gives. No JVM starts here: every check runs before one would."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from dl4j_bridge import cli, session
from dl4j_bridge.errors import JVMConfigurationError


def run_cli(*argv, cwd=None):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "dl4j_bridge", *argv], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


@pytest.mark.parametrize("flags, words", [
    # a heap the JVM cannot reserve ended the whole process with exit 1 ("something flagged" for score)
    (["--heap", "100000t"], "more than the JVM can reserve"),
    (["--heap", "4"], "a number alone is bytes: did you mean '4g'?"),
    (["--heap", "4096"], "a number alone is bytes: did you mean '4096m'?"),
    (["--heap", "4gb"], "is not a size"),
    (["--threads", "0"], "argument --threads: must be 1 or more"),
    (["--max-physical-bytes", "10m"], "give at least '256m'"),
])
def test_jvm_flags_are_checked_before_the_jvm_starts_and_named_as_flags(flags, words):
    out = run_cli("score", "--model", "m.zip", "--input", "x.log", *flags)
    assert out.returncode == 2, out
    assert words in out.stderr, out.stderr
    assert "argument --" in out.stderr and "starting JVM" not in out.stderr, out.stderr


def test_start_jvm_refuses_a_heap_it_cannot_reserve_warns_above_the_machine_and_refuses_a_tiny_physical_bound():
    with pytest.raises(JVMConfigurationError, match=r"heap='100000t' is more than the JVM can reserve"):
        session._checked_arguments(None, "100000t", None, None, None, ())
    memory = session.physical_memory_bytes()
    assert memory and memory > 1 << 28
    above = f"{memory // (1 << 20) + 1024}m"   # the JVM starts with it (reserved, not used): a warning only
    session._checked_arguments(None, above, None, None, None, ())
    assert "is more than this machine's memory" in session.heap_warning(above)
    assert session.heap_warning("1g") is None
    with pytest.raises(JVMConfigurationError, match=r"max_physical_bytes='100m' is too small.*'256m'"):
        session._checked_arguments(None, "1g", None, "100m", None, ())
    # what worked stays accepted: 0 turns the physical bound off; a heap within the machine
    session._checked_arguments(None, "1g", "0", "0", 1, ())
    assert session.jvm_size_problem("max_physical_bytes", "700m") is None


def test_a_mistyped_option_names_the_command_and_the_option_meant():
    out = run_cli("score", "--model", "m.zip", "--input", "x.log", "--treshold", "3")
    assert out.returncode == 2
    assert "usage: dl4j-bridge score" in out.stderr, out.stderr
    assert "unrecognized arguments: --treshold 3 (did you mean --threshold?)" in out.stderr, out.stderr


def test_a_launcher_command_given_to_the_python_command_points_at_the_launcher():
    out = run_cli("serve", "--model", "m.zip")
    assert out.returncode == 2
    assert "serve is a command of the JVM launcher" in out.stderr and "bin/dl4j-bridge serve" in out.stderr


def test_directories_given_for_files_are_called_directories(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "x.log").write_text("a line\n")
    out = run_cli("score", "--model", str(tmp_path / "models"), "--input", str(tmp_path / "x.log"))
    assert out.returncode == 3 and "is a directory, not a model file" in out.stderr, out.stderr
    out = run_cli("train", "--config", str(tmp_path / "models"))
    assert out.returncode == 3 and "is a directory, not a config file" in out.stderr, out.stderr


@pytest.mark.parametrize("text, hint", [
    ('[[transforms]]\nkind = "template"\ncolumn = "m"\n[transforms]\nkind = "x"\n', "written with double brackets"),
    ('[transforms]\nkind = "template"\n[[transforms]]\nkind = "x"\n', "written with double brackets"),
    ('[data]\ntrain = "a"\n[data]\ntest = "b"\n', "a table or key is given twice there"),
])
def test_a_table_given_twice_in_the_config_says_so(tmp_path, text, hint):
    from dl4j_bridge.detectors.run import ConfigError, load_config

    path = tmp_path / "run.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="not valid TOML") as caught:
        load_config(path)
    assert hint in str(caught.value)
    if "[data]" in text:
        assert "brackets" not in str(caught.value)


def test_a_zip_of_another_tool_is_not_called_a_network(tmp_path):
    from dl4j_bridge.detectors.persistence import read_document
    from dl4j_bridge.errors import Dl4jBridgeError

    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as z:
        z.writestr("model.pkl", b"not ours")
    with pytest.raises(Dl4jBridgeError) as caught:
        read_document(foreign, trusted=True)
    assert "is not a Deeplearning4j network either" in str(caught.value), caught.value
    assert "Network.load" not in str(caught.value)


def test_a_mistyped_detector_parameter_lists_the_parameters_and_guesses():
    from dl4j_bridge.detectors import NextEventDetector, SequenceClassifier

    for cls in (NextEventDetector, SequenceClassifier):
        with pytest.raises(TypeError) as caught:
            cls(hiden_sizes=(8,))
        text = str(caught.value)
        assert text.startswith(f"{cls.__name__}() has no parameter 'hiden_sizes' (did you mean 'hidden_sizes'?)")
        assert "its parameters are:" in text and "epochs" in text
        assert "unknown" not in cls().get_params()


def test_ragged_sequences_are_refused_with_how_to_pad_them():
    from dl4j_bridge.errors import ShapeError
    from dl4j_bridge.shapes import check_numeric

    with pytest.raises(ShapeError, match="pad each at the end to the longest and pass a mask"):
        check_numeric([[[1.0, 2.0]], [[1.0, 2.0], [3.0, 4.0]]], "X")


def test_a_regex_without_named_groups_shows_the_syntax():
    from dl4j_bridge.etl import EtlError, TextReader

    with pytest.raises(EtlError, match=r"has no named group: name each field to read with \(\?<name>"):
        TextReader(regex=r"a(b)")


def test_a_json_lines_file_read_as_csv_says_it_looks_like_json(tmp_path):
    from dl4j_bridge.etl import CsvReader
    from dl4j_bridge.etl.errors import BadRecordError

    path = tmp_path / "train.jsonl"
    path.write_text('{"@timestamp":"2024-03-04T00:00:01","host":{"name":"app-02"},"service":"sshd"}\n'
                    '{"@timestamp":"2024-03-04T00:02:44","host":{"name":"app-02"},"service":"sshd"}\n')
    with pytest.raises(BadRecordError, match="malformed CSV header") as caught:
        CsvReader().read(str(path))
    assert 'starts like a JSON object: is this JSON lines (read with kind "jsonl"' in str(caught.value)


def test_the_template_miner_settings_are_checked():
    from dl4j_bridge.etl import TemplateMiner

    for settings, words in (({"depth": 1}, "depth must be an integer >= 2"),
                            ({"similarity_threshold": 1.5}, "similarity_threshold must be a number from 0 to 1"),
                            ({"max_constant_values": -1}, "max_constant_values must be an integer >= 0"),
                            ({"max_children": 2.5}, "max_children must be an integer >= 1")):
        with pytest.raises(ValueError, match=words):
            TemplateMiner(**settings)


def test_a_mistyped_required_option_names_the_option_meant():
    # argparse stops at the missing required option before any "unrecognized arguments": no guess was given
    out = run_cli("score", "--modle", "m.zip", "--input", "x.log")
    assert out.returncode == 2
    assert "required: --model; --modle is no option here (did you mean --model?)" in out.stderr, out.stderr


def test_a_saved_miner_loads_as_it_was_saved_even_where_a_new_one_is_refused():
    from dl4j_bridge.etl import TemplateMiner

    miner = TemplateMiner(similarity_threshold=0.5).fit(["a b 1", "a b 2", "c d"]).finish()
    saved = miner.to_dict()
    saved["similarity_threshold"] = 1.5   # as a file saved before the checks may hold
    assert TemplateMiner.from_dict(saved).similarity_threshold == 1.5


def test_train_says_to_add_an_unlisted_label_value_to_the_label_classes(tmp_path, monkeypatch, capsys):
    # BGL-style logs: the first column is the alert category. A category the label transform's classes do not
    # list stopped train with advice about the log format and lenient reading only, not about classes.
    from dl4j_bridge.etl import BadLineError, Label, Pipeline, Template, TextReader, Windows

    log = tmp_path / "bgl.log"
    log.write_text("- a b c\nKERNDTLB d e f\nKERNSTOR g h i\n")
    pipeline = Pipeline(TextReader("<Label> <Content>"),
                        [Template("Content"), Label("Label", classes=["-", "KERNDTLB"])], sequence=Windows(length=2))
    with pytest.raises(BadLineError) as caught:
        pipeline.fit(str(log))
    assert caught.value.reason.startswith("unknown label") and caught.value.line == 3

    def train_raising(args):
        raise caught.value

    monkeypatch.setattr(cli, "cmd_train", train_raising)
    assert cli.main(["train", "--config", str(tmp_path / "run.toml")]) == 3
    err = capsys.readouterr().err
    assert "bgl.log:3: field 'Label' unknown label" in err, err
    assert "add that value to classes in the [[transforms]] table of kind \"label\" (column = 'Label')" in err, err
    assert 'set mode = "lenient"' in err, err   # the general advice stays
    # other bad lines, and other commands, keep their advice
    assert cli._strict_hint("score", caught.value) == cli._STRICT_HINTS["score"]
    other = BadLineError(str(log), 2, "Content", "no match for the log format")
    assert cli._strict_hint("train", other) == cli._STRICT_HINTS["train"]
