"""Atomic replacement of a file: write a temporary file beside it, then rename it over the file.

A save that fails or is interrupted leaves the previous file as it was.  The temporary file is named after
the file, this process and this host (``.<name>.<pid>@<host>.<random>.tmp``), like the JVM side's work
directories (``ModelIO.removeStaleWork``): one left by a process killed mid-save (``kill -9``, a power cut
after the rename was not yet made) is removed by the next save of the same file, once no process of that
id runs on this host.  A temporary file of a live process, or of another host sharing the directory, is
never touched.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import socket
import stat
import sys

__all__ = ["atomic_write_bytes", "atomic_write_text"]

logger = logging.getLogger(__name__)

_SUFFIX = ".tmp"


def _host_name() -> str:
    """This machine's name as the JVM side writes it (``ModelIO.HOST``): letters, digits and ``-`` only."""
    try:
        with open("/proc/sys/kernel/hostname", encoding="utf-8") as stream:
            name = stream.read().strip()
    except OSError:
        name = os.environ.get("HOSTNAME") or socket.gethostname()
    return re.sub(r"[^A-Za-z0-9-]", "-", name or "localhost")


HOST = _host_name()


def _umask() -> int:
    """This process's umask, read without changing it (Linux's ``/proc/self/status``); elsewhere by setting it
    and back, which another thread creating a file at that moment could see."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _file_mode(path: str) -> int:
    """Permission bits for a file written at ``path``: those of the file there, else 0666 less the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _process_runs(pid: int) -> bool:
    """Whether a process with this id runs on this host (one of another user's counts as running).

    On Windows ``os.kill(pid, 0)`` is no probe: signal 0 is ``CTRL_C_EVENT`` there, sent to a process group, and
    any other number ends the process. The process is asked for by handle instead; when that cannot be done it
    counts as running (its temporary file is left, never a process touched)."""
    if sys.platform == "win32":
        return _windows_process_runs(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _windows_process_runs(pid: int) -> bool:
    """Whether process ``pid`` runs, on Windows (``OpenProcess`` and ``GetExitCodeProcess``); True when unsure."""
    try:
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)   # type: ignore[attr-defined]
        kernel32.OpenProcess.restype = ctypes.c_void_p   # a HANDLE: pointer-sized
        kernel32.OpenProcess.argtypes = [ctypes.c_ulong, ctypes.c_int, ctypes.c_ulong]
        kernel32.GetExitCodeProcess.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_ulong)]
        kernel32.CloseHandle.argtypes = [ctypes.c_void_p]
        handle = kernel32.OpenProcess(0x1000, False, pid)   # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() != 87   # ERROR_INVALID_PARAMETER: no such process
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259   # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    except (AttributeError, OSError, ValueError):   # no kernel32 here: keep the file
        return True


def remove_stale_temporaries(path: str) -> list[str]:
    """Remove the temporary files that earlier, killed saves of ``path`` left beside it.

    Only files named ``.<name>.<pid>@<this host>.<random>.tmp`` whose process no longer runs are removed;
    anything that cannot be listed or removed is left (best effort: it never stops a save).

    Returns
    -------
    list of str
        The paths removed.
    """
    directory = os.path.dirname(os.path.abspath(path))
    prefix = "." + os.path.basename(path) + "."
    owned = re.compile(r"(\d+)@" + re.escape(HOST) + r"\.[A-Za-z0-9_-]+" + re.escape(_SUFFIX))
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(prefix):
            continue
        match = owned.fullmatch(name, len(prefix))
        if match is None or int(match.group(1)) == os.getpid() or _process_runs(int(match.group(1))):
            continue
        candidate = os.path.join(directory, name)
        try:
            if stat.S_ISREG(os.lstat(candidate).st_mode):
                os.unlink(candidate)
                removed.append(candidate)
        except OSError:
            continue
    if removed:
        logger.info("removed %d temporary file(s) an interrupted save of %s left: %s", len(removed), path,
                    ", ".join(os.path.basename(name) for name in removed))
    return removed


def _create_temporary(path: str, directory: str) -> tuple[int, str]:
    prefix = "." + os.path.basename(path) + "." + str(os.getpid()) + "@" + HOST + "."
    for _ in range(100):
        temporary = os.path.join(directory, prefix + secrets.token_hex(6) + _SUFFIX)
        try:
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600), \
                temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"no free temporary file name beside {path}", path)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8); see :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically.

    The data goes to a temporary file in the same directory, which is flushed,
    fsynced and then renamed over ``path`` with :func:`os.replace`; an
    interrupted or failing write leaves any previous file untouched and no
    temporary file behind (one left by a killed process is removed by the next
    save of ``path``: see the module's description).  A failure is an
    :class:`OSError` naming ``path`` (not the temporary file).  A symbolic link
    at ``path`` is replaced by the file, as ``os.replace`` does: its target
    keeps its old content.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, f"cannot write {path}: the directory {directory} does not exist "
                                "(create it first)", path)
    remove_stale_temporaries(path)
    try:
        handle, temporary = _create_temporary(path, directory)
    except OSError as error:
        raise type(error)(error.errno, f"cannot write {path}: {error.strerror}", path) from error
    try:
        # the temporary file is 0600: give it what the file it replaces had, else what a new file gets here
        os.chmod(temporary, _file_mode(path))
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        if isinstance(error, OSError) and error.errno is not None:
            raise type(error)(error.errno, f"cannot write {path}: {error.strerror} (the file there, if any, is "
                              "unchanged)", path) from error
        raise
    try:  # make the rename itself durable where the platform allows it
        directory_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)
    except OSError:
        pass
