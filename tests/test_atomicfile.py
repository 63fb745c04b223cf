"""Atomic saves (dl4j_bridge.atomicfile): a killed save's temporary file is removed by the next save of the file."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from dl4j_bridge import atomicfile
from dl4j_bridge.atomicfile import HOST, atomic_write_bytes, atomic_write_text, remove_stale_temporaries


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_temporary_is_named_after_the_file_this_process_and_this_host(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(os.path.basename(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    atomic_write_text(tmp_path / "report.md", "x")
    assert len(seen) == 1 and seen[0].startswith(f".report.md.{os.getpid()}@{HOST}.") and seen[0].endswith(".tmp")
    assert sorted(os.listdir(tmp_path)) == ["report.md"]


def test_a_save_killed_with_sigkill_leaves_the_old_file_and_the_next_save_removes_its_temporary(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("old")
    # a child that stops for good inside the write, after the temporary file exists and before the rename
    script = textwrap.dedent(f"""
        import os, sys
        from dl4j_bridge import atomicfile
        def stuck(fd):
            sys.stdout.write("writing\\n"); sys.stdout.flush()
            import time; time.sleep(600)
        os.fsync = stuck
        atomicfile.atomic_write_text({str(target)!r}, "new" * 1000)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "writing\n"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    leftovers = [name for name in os.listdir(tmp_path) if name != "results.json"]
    assert len(leftovers) == 1 and leftovers[0].startswith(f".results.json.{child.pid}@{HOST}.")
    assert target.read_text() == "old"

    atomic_write_text(target, "newer")
    assert target.read_text() == "newer"
    assert sorted(os.listdir(tmp_path)) == ["results.json"]


def test_only_temporaries_of_ended_processes_on_this_host_are_removed(tmp_path):
    target = tmp_path / "plot.png"
    ended = f".plot.png.{dead_pid()}@{HOST}.abc123.tmp"
    live = f".plot.png.{os.getppid()}@{HOST}.abc123.tmp"            # a running process (the test runner's parent)
    mine = f".plot.png.{os.getpid()}@{HOST}.abc123.tmp"              # this process: a save in another thread
    other_host = f".plot.png.{dead_pid()}@{HOST}x.abc123.tmp"        # a shared volume: that pid means nothing here
    other_file = f".plot.png.bak.{dead_pid()}@{HOST}.abc123.tmp"     # a temporary of another file
    not_ours = ".plot.png.notes.tmp"
    for name in (ended, live, mine, other_host, other_file, not_ours):
        (tmp_path / name).write_text("partial")
    (tmp_path / f".plot.png.{dead_pid()}@{HOST}.dir.tmp").mkdir()     # not a file: left alone

    removed = remove_stale_temporaries(str(target))
    assert [os.path.basename(name) for name in removed] == [ended]
    assert not (tmp_path / ended).exists()
    for name in (live, mine, other_host, other_file, not_ours):
        assert (tmp_path / name).read_text() == "partial", name


def test_an_unlistable_directory_does_not_stop_the_save(tmp_path, monkeypatch):
    def refuse(path):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(atomicfile.os, "listdir", refuse)
    atomic_write_bytes(tmp_path / "a.bin", b"\x00\x01")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"


def test_the_host_name_is_written_as_the_jvm_side_writes_it():
    assert HOST and all(c.isalnum() or c == "-" for c in HOST)


def test_the_pipeline_module_still_exports_the_writers():
    from dl4j_bridge.etl import pipeline
    assert pipeline.atomic_write_text is atomic_write_text and pipeline.atomic_write_bytes is atomic_write_bytes


@pytest.mark.parametrize("name", ["report.md", "a b.json", "x.tmp"])
def test_names_with_dots_spaces_and_the_suffix_itself(tmp_path, name):
    stale = tmp_path / f".{name}.{dead_pid()}@{HOST}.ff00.tmp"
    stale.write_text("partial")
    atomic_write_text(tmp_path / name, "done")
    assert sorted(os.listdir(tmp_path)) == [name]


def test_the_umask_is_read_without_being_changed(tmp_path, monkeypatch):
    """Setting the umask to read it made a file another thread created at that moment 0644 whatever its umask."""
    calls = []
    real = os.umask
    monkeypatch.setattr(atomicfile.os, "umask", lambda mask: calls.append(mask) or real(mask))
    old = real(0o077)
    real(0o077)
    try:
        atomic_write_text(tmp_path / "new.txt", "x")
    finally:
        real(old)
    assert calls == []                                           # /proc/self/status on Linux
    assert (os.stat(tmp_path / "new.txt").st_mode & 0o777) == 0o600
