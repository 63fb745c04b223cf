"""macOS and Windows, simulated on Linux: the package imports without POSIX-only modules and functions, files are
written with LF line ends whatever ``os.linesep`` is, no process is signalled to probe it on Windows, and a build
whose ND4J natives are for another platform is refused before the JVM starts, with a message saying so.

Nothing here runs on a real macOS or Windows; the README's 'Platforms' says what is verified.
"""

from __future__ import annotations

import _pyio
import io
import os
import subprocess
import sys

import pytest

from bridge_testing import DIST, assert_ok, missing_resource, run_python
from dl4j_bridge import atomicfile, cli, cpubuild
from dl4j_bridge.etl import SYSLOG_FORMAT, LogGenerator, Pipeline, Template, TextReader, Windows
from dl4j_bridge.etl import readers
from test_cli_score_pipes import _Detector   # scores of 0 and 1, no JVM: these tests are about the bytes written

LINUX_JARS = ["lib/nd4j-native-1.0.0-M2.1.jar", "lib/nd4j-native-1.0.0-M2.1-linux-x86_64.jar",
              "lib/nd4j-native-1.0.0-M2.1-linux-x86_64-avx2.jar", "lib/openblas-0.3.19-1.5.7-linux-x86_64.jar"]


def test_the_package_imports_and_saves_without_posix_only_modules_and_functions(tmp_path):
    """As on Windows: no fcntl/resource/termios/pwd/grp, no os.register_at_fork/sysconf/fork."""
    proc = run_python(f"""
        import os, sys
        for name in ("fcntl", "resource", "termios", "pwd", "grp"):
            sys.modules[name] = None
        for name in ("register_at_fork", "sysconf", "fork", "forkpty", "killpg", "setsid"):
            if hasattr(os, name):
                delattr(os, name)
        import dl4j_bridge, dl4j_bridge.cli, dl4j_bridge.doctor, dl4j_bridge.memory, dl4j_bridge.etl
        import dl4j_bridge.detectors
        from dl4j_bridge import atomicfile, session
        assert session.physical_memory_bytes() is None
        atomicfile.atomic_write_text({str(tmp_path / "saved.txt")!r}, "kept\\n")
        print("imported", dl4j_bridge.__file__)
    """)
    assert "imported" in assert_ok(proc)
    assert (tmp_path / "saved.txt").read_text() == "kept\n"


def test_on_windows_no_process_is_signalled_to_see_whether_it_runs(tmp_path, monkeypatch):
    """Windows' os.kill(pid, 0) sends CTRL_C_EVENT (0) to a process group: never a probe. The temporary file of a
    process that cannot be asked about is left."""
    target = tmp_path / "model.zip"
    stale = tmp_path / f".model.zip.{os.getppid()}@{atomicfile.HOST}.abcdef.tmp"
    stale.write_bytes(b"half")
    signalled = []
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(os, "kill", lambda pid, sig: signalled.append((pid, sig)))
    atomicfile.atomic_write_bytes(target, b"new")
    assert signalled == []
    assert stale.exists()   # no kernel32 here: counted as running, kept
    assert target.read_bytes() == b"new"


def test_on_linux_a_dead_processs_temporary_is_still_removed(tmp_path):
    stale = tmp_path / f".model.zip.{2 ** 22 + 12345}@{atomicfile.HOST}.abcdef.tmp"   # above pid_max's default
    stale.write_bytes(b"half")
    atomicfile.atomic_write_bytes(tmp_path / "model.zip", b"new")
    assert not stale.exists()


@pytest.fixture
def crlf_text_files(monkeypatch):
    """Text files as Windows writes them: ``open`` in text mode turns each '\\n' into os.linesep (the pure-Python
    io reads os.linesep; the C io has LF compiled in on Linux)."""
    monkeypatch.setattr(os, "linesep", "\r\n")
    monkeypatch.setattr(cli, "open", _pyio.open, raising=False)
    monkeypatch.setattr(readers, "open", _pyio.open, raising=False)



    def explain(self, part, *, flagged_only, scores):
        for index, score in enumerate(scores.scores):
            yield {"index": index, "score": float(score), "flagged": bool(score > self.threshold_)}


@pytest.fixture
def scoring(tmp_path, monkeypatch):
    logs = LogGenerator(seed=5, anomaly_rate=0.03).syslog(600).lines
    pipeline = Pipeline(TextReader(SYSLOG_FORMAT, mode="lenient"), [Template("Content")], Windows(10, stride=10))
    pipeline.fit(logs[:300])
    monkeypatch.setattr(cli, "_load", lambda model, trusted: _Detector(pipeline))
    monkeypatch.setattr(cli, "start_jvm", lambda args: None)
    log = tmp_path / "app.log"
    log.write_text("\n".join(logs[300:]) + "\n")
    return log


def test_score_output_rows_end_in_lf_where_the_os_ends_lines_in_crlf(scoring, tmp_path, crlf_text_files, capsys):
    out = tmp_path / "rows.jsonl"
    code = cli.main(["score", "--model", "m.zip", "--input", str(scoring), "--output", str(out), "--all"])
    assert code == cli.EXIT_FLAGGED, capsys.readouterr().err
    data = out.read_bytes()
    assert data.count(b"\n") == 30 and b"\r" not in data   # the launcher's rows: LF, byte for byte


def test_score_rows_on_standard_output_end_in_lf_where_the_os_ends_lines_in_crlf(scoring, monkeypatch,
                                                                                  crlf_text_files, capsys):
    raw = io.BytesIO()
    stdout = _pyio.TextIOWrapper(raw, encoding="utf-8")   # a Windows pipe or console: newline=None
    monkeypatch.setattr(sys, "stdout", stdout)
    code = cli.main(["score", "--model", "m.zip", "--input", str(scoring), "--all"])
    stdout.flush()
    assert code == cli.EXIT_FLAGGED, capsys.readouterr().err
    data = raw.getvalue()
    assert data.count(b"\n") == 30 and b"\r" not in data


def test_standard_output_is_left_alone_where_lines_end_in_lf():
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="\r\n")
    cli._rows_end_in_lf(stream)   # os.linesep is "\n" here: nothing to change
    stream.write("a\n")
    stream.flush()
    assert stream.buffer.getvalue() == b"a\r\n"


def test_the_quarantine_file_ends_lines_in_lf_where_the_os_ends_them_in_crlf(tmp_path, crlf_text_files):
    quarantine = tmp_path / "bad.jsonl"
    reader = TextReader(SYSLOG_FORMAT, mode="lenient", quarantine=quarantine)
    lines = LogGenerator(seed=1).syslog(20).lines
    reader.read(lines[:5] + ["not a syslog line", "nor this one"] + lines[5:])
    data = quarantine.read_bytes()
    assert data.count(b"\n") == 2 and b"\r\n" not in data, data


@pytest.mark.parametrize("system, machine, expected", [
    ("Linux", "x86_64", "linux-x86_64"), ("Darwin", "arm64", "macosx-arm64"), ("Darwin", "x86_64", "macosx-x86_64"),
    ("Windows", "AMD64", "windows-x86_64"), ("Linux", "aarch64", "linux-arm64")])
def test_this_machines_platform_is_named_as_javacpp_names_its_jars(system, machine, expected):
    assert cpubuild.javacpp_platform(system, machine) == expected


def test_natives_of_another_platform_are_named_with_the_build_option():
    assert cpubuild.native_platforms(LINUX_JARS) == {"linux-x86_64"}
    assert cpubuild.native_platforms(["x/nd4j-cuda-11.6-1.0.0-M2.1-linux-x86_64.jar"]) == {"linux-x86_64"}
    assert cpubuild.native_platform_problem(LINUX_JARS, "linux-x86_64") is None
    assert cpubuild.native_platform_problem(["my/own.jar"], "macosx-arm64") is None   # not ours to judge
    problem = cpubuild.native_platform_problem(LINUX_JARS, "windows-x86_64")
    assert "for linux-x86_64 only" in problem and "this machine is windows-x86_64" in problem
    assert "gradle -PnativeClassifier=windows-x86_64 installDist" in problem


def test_start_jvm_refuses_natives_of_another_platform_before_the_jvm_starts(tmp_path):
    """On a Mac (simulated: platform.system/machine) with the Linux build: a typed error naming both platforms,
    not JavaCPP's UnsatisfiedLinkError after the JVM started."""
    for name in ("dl4j-bridge-0.1.0.jar",) + tuple(os.path.basename(j) for j in LINUX_JARS):
        (tmp_path / name).write_bytes(b"")
    proc = run_python(f"""
        import platform
        platform.system = lambda: "Darwin"
        platform.machine = lambda: "arm64"
        import jpype
        import dl4j_bridge
        try:
            dl4j_bridge.start_jvm(classpath=[{str(tmp_path / "*.jar")!r}])
        except dl4j_bridge.BuildNotFoundError as error:
            print("refused:", error)
        print("jvm started:", jpype.isJVMStarted())
    """)
    out = assert_ok(proc)
    assert "refused: this dl4j-bridge build ships ND4J's native libraries for linux-x86_64 only" in out
    assert "this machine is macosx-arm64" in out and "-PnativeClassifier=macosx-arm64" in out
    assert "jvm started: False" in out


def _executable(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)


def test_doctor_finds_windows_java_exe_under_java_home(tmp_path, monkeypatch):
    from dl4j_bridge import doctor

    _executable(tmp_path / "bin" / "java.exe")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "win32")
    assert doctor._java_command() == (str(tmp_path / "bin" / "java.exe"), f"JAVA_HOME={tmp_path}")


def test_doctor_finds_java_under_java_home_on_linux_as_before(tmp_path, monkeypatch):
    from dl4j_bridge import doctor

    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    assert doctor._java_command()[0] is None   # no bin/java: said so
    _executable(tmp_path / "bin" / "java.exe")
    assert doctor._java_command()[0] is None   # java.exe is Windows' name only
    _executable(tmp_path / "bin" / "java")
    assert doctor._java_command() == (str(tmp_path / "bin" / "java"), f"JAVA_HOME={tmp_path}")


def test_standard_input_is_scored_where_select_takes_only_sockets(scoring, monkeypatch, capsys):
    """Windows' select.select refuses a pipe (WinError 10038): reading standard input goes on without the wait for
    the first bytes and without pause detection (the rows of a pause come with the next block or the end)."""
    from dl4j_bridge.etl import sources

    calls = []

    def no_pipes(*args):
        calls.append(args)
        raise OSError(10038, "An operation was attempted on something that is not a socket")

    monkeypatch.setattr(sources.select, "select", no_pipes)
    read, write = os.pipe()
    with os.fdopen(write, "wb") as writer:
        writer.write(scoring.read_bytes())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.FileIO(read, "rb"))))
    code = cli.main(["score", "--model", "m.zip", "--input", "-", "--all"])
    captured = capsys.readouterr()
    assert code == cli.EXIT_FLAGGED, captured.err
    assert captured.out.count("\n") == 30
    assert calls   # the stream was asked about, and refused


def test_the_launcher_refuses_natives_of_another_platform_in_pythons_words():
    """JavaCPP's platform property makes the launcher's JVM take this machine for a Mac; it stops before ND4J loads,
    exit 4, with the message start_jvm gives (before: UnsatisfiedLinkError, and advice about JavaCPP's cache)."""
    launcher = DIST / "bin" / "dl4j-bridge"
    if not launcher.exists():
        missing_resource(f"{launcher} (gradle installDist)")
    env = dict(os.environ, JAVA_OPTS="-Dorg.bytedeco.javacpp.platform=macosx-arm64")
    env.pop("DL4J_BRIDGE_OPTS", None)
    proc = subprocess.run([str(launcher), "info"], env=env, capture_output=True, text=True, timeout=300)
    expected = cpubuild.native_platform_problem(sorted(str(p) for p in (DIST / "lib").glob("*.jar")), "macosx-arm64")
    assert expected is not None
    assert proc.returncode == 4, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == f"dl4j-bridge: {expected}"


def test_a_classpath_string_is_split_at_windows_path_separator(monkeypatch):
    """Windows joins a classpath with ';' (drive letters hold ':'); JPype joins the list again with os.pathsep."""
    from dl4j_bridge import session

    monkeypatch.setattr(os, "pathsep", ";")
    classpath, _, _ = session._checked_arguments(r"C:\app\lib\a.jar;C:\app\lib\b.jar;", None, None, None, None, ())
    assert classpath == [r"C:\app\lib\a.jar", r"C:\app\lib\b.jar"]
