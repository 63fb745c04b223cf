"""The one JVM of this process: started once, idempotently, with Deeplearning4j on its classpath.

Classpath, ``-D`` options and ``OMP_NUM_THREADS`` are all fixed before the JVM starts; a JVM cannot be
restarted in the same process, so a second :func:`start_jvm` with a different configuration raises
:class:`~dl4j_bridge.errors.JVMConfigurationError` instead of silently keeping the first.

Every use of the JVM passes :func:`require_jvm`, which refuses, with a typed error, a JVM that is not
started, shut down (:func:`shutdown_jvm`; :class:`~dl4j_bridge.errors.JVMShutDownError`) or inherited
through ``fork`` (:class:`~dl4j_bridge.errors.JVMForkedError`). Python threads that call Java are attached
to the JVM by JPype; :func:`require_jvm` detaches each one when it ends, so short-lived threads leak no
Java threads. At interpreter exit, a daemon thread still calling Java is stopped quietly before JPype shuts
the JVM down (Python abandons daemon threads at exit anyway) instead of failing with a traceback.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import glob
import logging
import numbers
import os
import re
import signal
import threading
import time
import weakref
from pathlib import Path
from typing import Iterator, Optional, Sequence, Tuple

from . import cpubuild
from .errors import NEW_PROCESS
from .errors import (
    BuildNotFoundError,
    JavaNotFoundError,
    JVMConfigurationError,
    JVMForkedError,
    JVMNotStartedError,
    JVMShutDownError,
)

log = logging.getLogger(__name__)

BUILD_COMMAND = "make build   (or: gradle installDist, in the dl4j_bridge checkout)"
JAVA_INSTALL = "sudo apt-get install openjdk-17-jdk-headless (Debian/Ubuntu), or set JAVA_HOME to a JDK 11+"
HOME_ENV = "DL4J_BRIDGE_HOME"
_DIST = Path("build") / "install" / "dl4j-bridge"
_MARKER_CLASS = "io.dl4jbridge.NetworkFactory"

_DEFAULT_HEAP = "2g"
#: Environment for ND4J's native code, set before the JVM starts unless the user set it. ND4J's OpenMP
#: threads spin while they wait for work; on a loaded machine (more runnable threads than cores) the
#: spinning made training up to 22x slower (python/bench/scaling.py); passive waiting avoids that.
NATIVE_ENV_DEFAULTS = {"OMP_WAIT_POLICY": "PASSIVE"}

# The state of the process's JVM. Kept when the module is reloaded (importlib.reload, IPython's autoreload after
# an edit): a reload re-runs this file in the same namespace, and starting from None again made the running JVM look
# foreign to start_jvm and unstarted to everything else, for the rest of the process.
if "_running" not in globals():
    _lock = threading.Lock()
    _running: Optional["JVMConfig"] = None
    #: Set by :func:`shutdown_jvm`: the JVM of this process is gone for good.
    _shut_down = False
    #: Why ``jpype.startJVM`` failed in this process (it cannot be retried), or None.
    _failed_start: Optional[str] = None
    #: The pid of the parent, in a process forked after the JVM started (the JVM did not come along).
    _forked_from: Optional[int] = None
    #: Set at interpreter exit, just before JPype shuts the JVM down.
    _exiting = False
    #: Per Python thread: the :class:`_ThreadAttachment` that detaches it from the JVM when the thread ends.
    _threads = threading.local()
    #: Threads inside a call into Java (:func:`dl4j_bridge.javaerrors.java_errors`), and threads parked at exit.
    _busy_threads: "weakref.WeakSet[threading.Thread]" = weakref.WeakSet()
    _parked_threads: "weakref.WeakSet[threading.Thread]" = weakref.WeakSet()
#: How long interpreter exit waits for daemon threads inside Java calls to reach a point where they stop.
EXIT_WAIT_SECONDS = 3.0


@dataclasses.dataclass(frozen=True)
class JVMConfig:
    """What the running JVM was started with.

    Attributes
    ----------
    classpath : tuple of str
        Every jar, in order.
    heap : str
        ``-Xmx`` value, e.g. ``"2g"``.
    max_bytes, max_physical_bytes : str or None
        JavaCPP off-heap limits (``org.bytedeco.javacpp.maxbytes`` / ``maxphysicalbytes``).
    threads : int or None
        ``OMP_NUM_THREADS`` for ND4J's native code; None leaves the environment as it was.
    jvm_options : tuple of str
        Any further JVM options (``-D...``).
    cpu_build : str
        The nd4j-native build asked for (a key of :data:`dl4j_bridge.cpubuild.BUILDS`); the one
        actually loaded is ``jvm_info()["nd4j.cpu.build"]``.
    """

    classpath: Tuple[str, ...]
    heap: str = _DEFAULT_HEAP
    max_bytes: Optional[str] = None
    max_physical_bytes: Optional[str] = None
    threads: Optional[int] = None
    jvm_options: Tuple[str, ...] = ()
    cpu_build: str = "generic"
    #: Started outside the main thread, where Python's SIGTERM handler cannot be put back over the JVM's: the JVM
    #: then runs with ``-Xrs`` (it installs no SIGTERM/SIGINT/SIGHUP handlers; Python's own stay in force).
    reduce_signals: bool = False

    def __repr__(self) -> str:
        """Every setting, the classpath as its jar count and directories: ``start_jvm()`` is often a notebook cell's
        last line, and its dozens of jar paths filled the cell."""
        dirs = sorted({os.path.dirname(j) or "." for j in self.classpath})
        shown = [f"classpath=<{len(self.classpath)} jars in {', '.join(dirs) or 'no directory'}>"]
        shown += [f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.name != "classpath"]
        return f"JVMConfig({', '.join(shown)})"

    def jvm_arguments(self) -> list:
        """The options passed to ``jpype.startJVM``."""
        args = [f"-Xmx{self.heap}"]
        if self.reduce_signals and "-Xrs" not in self.jvm_options:
            args.append("-Xrs")
        if self.max_bytes is not None:
            args.append(f"-Dorg.bytedeco.javacpp.maxbytes={self.max_bytes}")
        if self.max_physical_bytes is not None:
            args.append(f"-Dorg.bytedeco.javacpp.maxphysicalbytes={self.max_physical_bytes}")
        prefix = f"-D{cpubuild.EXTENSION_PROPERTY}="
        if not any(option.startswith(prefix) for option in self.jvm_options):
            args.append(prefix + cpubuild.BUILDS[self.cpu_build][0])
        # deny-by-default Java deserialisation (model_policy.json); a -Djdk.serialFilter of the user's wins
        if not any(option.startswith("-Djdk.serialFilter=") for option in self.jvm_options):
            from .modelfile import SERIAL_FILTER

            args.append(f"-Djdk.serialFilter={SERIAL_FILTER}")
        args.extend(self.jvm_options)
        return args


def find_lib_dir(home: Optional[os.PathLike] = None) -> Path:
    """The directory holding the dl4j-bridge jars.

    Looked for in this order: ``home`` (a dist directory with ``lib/``, a ``lib`` directory, or a
    checkout with ``build/install/dl4j-bridge``), ``$DL4J_BRIDGE_HOME`` likewise, the checkout this
    package lives in, then the current directory.

    Raises
    ------
    BuildNotFoundError
        When no candidate holds the jars; the message names the build command.
    """
    candidates = []
    if home is not None:
        candidates.append(Path(home))
    elif os.environ.get(HOME_ENV):
        candidates.append(Path(os.environ[HOME_ENV]))
    else:
        candidates.append(Path(__file__).resolve().parent.parent)
        candidates.append(Path.cwd())
    tried = []
    for base in candidates:
        for lib in (base / "lib", base, base / _DIST / "lib"):
            tried.append(str(lib))
            if lib.is_dir() and glob.glob(str(lib / "dl4j-bridge-*.jar")):
                return lib
    source = "the home argument" if home is not None else (HOME_ENV if os.environ.get(HOME_ENV) else "the checkout")
    raise BuildNotFoundError(
        "the dl4j-bridge Java build was not found (looked in " + ", ".join(tried) + f", from {source}). "
        f"Build it with: {BUILD_COMMAND}; or point {HOME_ENV} at build/install/dl4j-bridge."
    )


_SIZE = re.compile(r"^([0-9]+)([kmgt]?)$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
#: The smallest heap worth starting: Deeplearning4j's classes alone need more (-Xmx below ~2m makes the JVM
#: print "Too small maximum heap" and end the whole Python process).
_MIN_HEAP_BYTES = 64 << 20


def size_bytes(name: str, value) -> int:
    """Bytes in a JVM size such as ``"4g"``, ``"512m"``, ``"1024k"`` or ``"1073741824"``; a
    :class:`JVMConfigurationError` naming ``name`` for anything else (checked before the JVM starts, since a
    size the JVM refuses ends the process or leaves JPype unable to start one)."""
    match = _SIZE.match(value) if isinstance(value, str) else None
    if match is None:
        raise JVMConfigurationError(
            f"{name} must be a size string such as '4g', '512m' or '1024k' (a number alone is bytes), got "
            f"{value!r}")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


#: The smallest bound on the process's resident memory that can work: the Python process with Deeplearning4j's
#: JVM loaded is already about 120-135 MiB resident, so a smaller max_physical_bytes failed the first fit.
_MIN_PHYSICAL_BYTES = 256 << 20


#: The largest heap worth passing to the JVM: 64-bit Linux gives a process 128 TiB of address space, and a heap
#: the JVM cannot reserve ("Could not reserve enough space for ... object heap") ends the whole Python process
#: with exit 1. A heap above physical memory but within this starts (memory is reserved, not used): a warning.
_MAX_HEAP_BYTES = 64 << 40


def heap_warning(heap) -> Optional[str]:
    """A warning for a heap above this machine's physical memory (the JVM starts; a heap grown that far would
    swap or be killed), or None."""
    memory = physical_memory_bytes()
    if heap is None or not memory:
        return None
    try:
        size = size_bytes("heap", heap)
    except JVMConfigurationError:
        return None
    if size <= memory:
        return None
    return (f"heap={heap!r} is more than this machine's memory ({memory / (1 << 30):.1f} GiB): the JVM starts, but a "
            "heap that grows that far swaps or is killed by the OS; give a smaller heap unless you mean it")


def physical_memory_bytes() -> Optional[int]:
    """This machine's physical memory in bytes, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def jvm_size_problem(name: str, value) -> Optional[str]:
    """What is wrong with the JVM size setting ``name`` (``heap``, ``max_bytes``, ``max_physical_bytes``) set to
    ``value``, as the end of a sentence naming it, or None when nothing is. Shared by :func:`start_jvm` and the
    command line (which names its flags): a size the JVM cannot take ends the whole process (exit 1) before
    Python can say anything."""
    try:
        size = size_bytes(name, value)
    except JVMConfigurationError:
        return "is not a size: give a number with a unit such as '4g', '512m' or '1024k' (a number alone is bytes)"
    unit = re.sub(r"^[0-9]+", "", str(value))
    meant = f"{value}g" if not unit and size < 64 else f"{value}m"   # '4' -> '4g', '512' -> '512m'
    alone = f" (a number alone is bytes: did you mean '{meant}'?)" if not unit else ""
    if name == "heap" and size < _MIN_HEAP_BYTES:
        return f"is too small for Deeplearning4j{alone}: give at least '64m' (default '2g')"
    if name == "heap" and size > _MAX_HEAP_BYTES:
        return (f"is more than the JVM can reserve (at most {_MAX_HEAP_BYTES >> 40} TiB, the address space of a "
                "64-bit process; the JVM would end the whole process): give a smaller heap (default '2g')")
    if name == "max_bytes" and 0 < size < _MIN_HEAP_BYTES:   # 0: no limit
        # JavaCPP retries every allocation over it after a garbage collection and a pause: a fit then crawled for
        # minutes, deaf to Ctrl-C, instead of failing
        return ("is too small: JavaCPP retries each allocation over it after a garbage collection and a pause, so "
                f"a fit crawls for minutes instead of failing{alone}; give at least '64m' (default: the heap size), "
                "or bound the process's memory with max_physical_bytes (0 turns the limit off)")
    if name == "max_physical_bytes" and 0 < size < _MIN_PHYSICAL_BYTES:
        return (f"is too small{alone}: the process with Deeplearning4j loaded is already about 130 MiB "
                "resident; give at least '256m' (0 turns the limit off; default: JavaCPP's, from the heap)")
    return None


def _checked_arguments(classpath, heap, max_bytes, max_physical_bytes, threads, jvm_options):
    """The arguments of :func:`start_jvm` checked and normalised before anything starts: ``classpath`` as a
    tuple (a string is split at ``os.pathsep``, as Java reads one), ``jvm_options`` as a tuple."""
    if isinstance(classpath, (str, os.PathLike)):
        classpath = [entry for entry in str(classpath).split(os.pathsep) if entry]
    for name, value in (("heap", heap), ("max_bytes", max_bytes), ("max_physical_bytes", max_physical_bytes)):
        if value is not None:
            size_bytes(name, value)   # not a size string: its own error (names the types accepted)
            problem = jvm_size_problem(name, value)
            if problem:
                raise JVMConfigurationError(f"{name}={value!r} {problem}")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, numbers.Integral)
                                or threads < 1):
        raise JVMConfigurationError(f"threads must be an integer >= 1, got {threads!r}")
    if isinstance(jvm_options, (str, bytes)):
        raise JVMConfigurationError(f"jvm_options must be a list of options such as ['-Dkey=value'], got the "
                                    f"string {jvm_options!r}: wrap it in a list")
    options = tuple(jvm_options)
    bad = [o for o in options if not isinstance(o, str) or not o.startswith("-")]
    if bad:
        raise JVMConfigurationError(f"every JVM option must be a string starting with '-' (such as "
                                    f"'-Dkey=value' or '-Xss4m'), got {bad[:3]}")
    return classpath, None if threads is None else int(threads), options


def _check_omp_num_threads(value: Optional[str]) -> None:
    """``$OMP_NUM_THREADS`` as ND4J reads it, one integer >= 1 (it threw ``NumberFormatException: For input
    string: "abc"`` naming no variable); unset is fine."""
    if value is None or value == "":   # ND4J skips an empty value; it parses any other with Integer.parseInt
        return
    if not re.fullmatch(r"[+]?[0-9]+", value, flags=re.ASCII) or int(value) < 1:
        raise JVMConfigurationError(f"OMP_NUM_THREADS={value!r} in the environment is not a thread count: ND4J "
                                    "reads it as one integer >= 1. Set it to one (e.g. export OMP_NUM_THREADS=2), "
                                    "unset it (ND4J then uses the cores), or pass start_jvm(threads=N), which "
                                    "overrides it")


def _classpath(classpath: Optional[Sequence[str]], home) -> Tuple[str, ...]:
    if classpath is not None:
        jars = []
        for entry in classpath:
            jars.extend(sorted(glob.glob(str(entry))) if any(c in str(entry) for c in "*?[") else [str(entry)])
        missing = [j for j in jars if not os.path.exists(j)]
        if missing:
            raise BuildNotFoundError(f"classpath entries do not exist: {missing[:3]}. Build with: {BUILD_COMMAND}")
        return tuple(jars)
    lib = find_lib_dir(home)
    jars = tuple(sorted(str(p) for p in lib.glob("*.jar")))
    _check_install(lib, jars)
    return jars


#: Manifest attribute of the dl4j-bridge jar listing the file names of every jar it needs (build.gradle's jar task).
RUNTIME_JARS_ATTRIBUTE = "Dl4j-Bridge-Runtime-Jars"


def _check_install(lib: Path, jars: Sequence[str]) -> None:
    """Refuse an install whose ``lib/`` lost or damaged a jar (a partial copy), naming the jar.

    Without this, the JVM starts and the first use fails far away ("no ND4J backend", a class not found). A jar
    is damaged when its zip directory cannot be read (a truncated copy); the check reads only that directory.
    Builds from before the manifest attribute are not checked.
    """
    import zipfile

    damaged = []
    ours = [j for j in jars if re.fullmatch(r"dl4j-bridge-[^/\\]*\.jar", os.path.basename(j))]
    for jar in jars:
        try:
            with zipfile.ZipFile(jar) as archive:
                if jar in ours:
                    manifest = archive.read("META-INF/MANIFEST.MF").decode("utf-8", "replace")
        except (OSError, zipfile.BadZipFile, KeyError) as exc:
            damaged.append(f"{os.path.basename(jar)} ({exc})")
    advice = (f"the install in {lib} is incomplete or damaged. Rebuild it with: {BUILD_COMMAND}; or copy the "
              "whole install (bin/ and lib/) again")
    if damaged:
        raise BuildNotFoundError(f"jars in {lib} cannot be read: {', '.join(damaged[:5])}; {advice}")
    if len(ours) != 1:
        return
    wanted = _manifest_attribute(manifest, RUNTIME_JARS_ATTRIBUTE)
    if wanted is None:
        return
    present = {os.path.basename(j) for j in jars}
    missing = [name for name in wanted.split() if name not in present]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        jars_word = "jar is" if len(missing) == 1 else "jars are"
        raise BuildNotFoundError(f"{len(missing)} {jars_word} missing from {lib}: {shown}; {advice}")


def _manifest_attribute(manifest: str, name: str) -> Optional[str]:
    """One attribute of a JAR manifest (lines of at most 72 bytes; a line starting with a space continues the
    one before), or None."""
    text = re.sub(r"\r?\n ", "", manifest.replace("\r\n", "\n"))
    for line in text.split("\n"):
        key, sep, value = line.partition(": ")
        if sep and key.lower() == name.lower():
            return value.strip()
    return None


def start_jvm(
    classpath: Optional[Sequence[str]] = None,
    *,
    home: Optional[os.PathLike] = None,
    heap: Optional[str] = None,
    max_bytes: Optional[str] = None,
    max_physical_bytes: Optional[str] = None,
    threads: Optional[int] = None,
    jvm_options: Sequence[str] = (),
    cpu_build: Optional[str] = None,
) -> JVMConfig:
    """Start the process's JVM with Deeplearning4j, or return the running one's configuration.

    Parameters
    ----------
    classpath : sequence of str or str, optional
        Jars (globs allowed); one string is split at ``os.pathsep`` as Java reads a classpath. Default: every
        jar of the dl4j-bridge build (see :func:`find_lib_dir`).
    home : path, optional
        Where the build is, instead of ``$DL4J_BRIDGE_HOME`` or the checkout.
    heap : str, optional
        Maximum Java heap, e.g. ``"4g"`` or ``"512m"`` (at least 64m). Default ``"2g"``. Sizes are compared as
        bytes: ``"1g"`` and ``"1024m"`` are the same setting.
    max_bytes, max_physical_bytes : str, optional
        Off-heap limits for ND4J's native memory, e.g. ``"8g"``.
    threads : int, optional
        ``OMP_NUM_THREADS`` for ND4J, set in the environment before the JVM starts.
        ``OMP_WAIT_POLICY`` is set to ``PASSIVE`` unless the environment already sets it.
    jvm_options : sequence of str
        Further options such as ``-Dkey=value``.
    cpu_build : str, optional
        nd4j-native build: ``"auto"`` (default, or ``$DL4J_BRIDGE_CPU_BUILD``) loads the fastest
        shipped build this CPU runs (``avx2`` on most x86-64 machines), else the generic one;
        ``"generic"``, ``"avx2"``, ``"avx512"`` ask for one (see :mod:`dl4j_bridge.cpubuild`).

    Returns
    -------
    JVMConfig
        The configuration of the running JVM.

    Raises
    ------
    JVMConfigurationError
        When the JVM already runs and an argument given here differs from how it was started
        (arguments left out are not compared), ``cpu_build`` names a build this CPU cannot run, an argument
        is malformed (checked before the JVM starts: a size the JVM refuses would end the process), or the
        JVM refused to start with these options (JPype cannot try again in the same process).
    BuildNotFoundError
        When the jars are missing, or hold ND4J's native libraries only for other platforms than this
        machine's (macOS, Windows, ARM: :func:`dl4j_bridge.cpubuild.native_platform_problem`); the message
        names the command that builds them.
    """
    global _running, _failed_start
    import jpype

    with _lock:
        _refuse_forked_or_shut_down()
        classpath, threads, jvm_options = _checked_arguments(classpath, heap, max_bytes, max_physical_bytes,
                                                             threads, jvm_options)
        if _failed_start is not None:
            raise JVMConfigurationError(
                f"the JVM of this process failed to start ({_failed_start}); JPype cannot try again in the "
                f"same process: fix the setting and run in {NEW_PROCESS}")
        if _running is not None or jpype.isJVMStarted():
            return _check_same(jpype, classpath, home, heap, max_bytes, max_physical_bytes, threads, jvm_options,
                               cpu_build)
        if threads is None:   # read by ND4J when it starts: a running JVM has read it already
            _check_omp_num_threads(os.environ.get("OMP_NUM_THREADS"))
        warning = heap_warning(heap)
        if warning:
            log.warning("%s", warning)

        jars = _classpath(classpath, home)
        problem = cpubuild.native_platform_problem(jars)   # before the JVM: JavaCPP's own error is a wall of text
        if problem:
            raise BuildNotFoundError(problem)
        try:
            build = cpubuild.choose(cpu_build, jars)
        except ValueError as exc:
            raise JVMConfigurationError(str(exc)) from None
        config = JVMConfig(
            classpath=jars,
            heap=heap or _DEFAULT_HEAP,
            max_bytes=max_bytes,
            max_physical_bytes=max_physical_bytes,
            threads=threads,
            jvm_options=tuple(jvm_options),
            cpu_build=build,
            reduce_signals=threading.current_thread() is not threading.main_thread(),
        )
        if threads is not None:
            os.environ["OMP_NUM_THREADS"] = str(threads)
        for key, value in NATIVE_ENV_DEFAULTS.items():
            os.environ.setdefault(key, value)
        # jpype#808: let numpy's BLAS initialise before the JVM's native libraries load.
        import numpy

        numpy.linalg.det(numpy.eye(2))
        log.info("starting JVM: %s, %d jars", " ".join(config.jvm_arguments()), len(config.classpath))
        library = _jvm_library(jpype)
        sigterm = _python_sigterm_handler()
        try:
            # interrupt=False: Ctrl-C is Python's KeyboardInterrupt (a fit stops after its minibatch, `finally`
            # blocks run), never the JVM's own handler, which ends a script at once (JPype's default outside
            # an interactive session).
            jpype.startJVM(library, *config.jvm_arguments(), classpath=list(config.classpath),
                           convertStrings=False, interrupt=False)
        except Exception as exc:  # the JVM refused an option; JPype cannot start another in this process
            _failed_start = f"{type(exc).__name__}: {exc}; options {' '.join(config.jvm_arguments())}"
            raise JVMConfigurationError(
                f"the JVM did not start with the options {' '.join(config.jvm_arguments())} ({exc}). Check "
                "jvm_options (see `java -X` and the JVM's own message above); JPype cannot start a JVM twice in "
                f"one process, so run again in {NEW_PROCESS}") from None
        _restore_sigterm(sigterm)
        try:
            jpype.JClass(_MARKER_CLASS)
        except Exception as exc:  # the jars were there but are not ours
            raise BuildNotFoundError(
                f"{_MARKER_CLASS} is not on the classpath; rebuild with: {BUILD_COMMAND}"
            ) from exc
        _running = config
        # Registered after JPype's own exit handler, so it runs first (atexit is last in, first out).
        atexit.register(_on_exit)
        _ThreadAttachment.detach = staticmethod(jpype.JClass("java.lang.Thread").detach)
        return config


def _python_sigterm_handler():
    """The SIGTERM handler Python has before the JVM starts (``SIG_DFL`` unless the program set one), or None when
    it cannot be set again (not the main thread, no SIGTERM)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        return None
    return signal.getsignal(signal.SIGTERM)


def _restore_sigterm(handler) -> None:
    """Put Python's SIGTERM handler back over the JVM's. The JVM's hands SIGTERM to its own thread, which calls
    into Python through JPype while the main thread runs: ``kill``, ``timeout``, systemd, a ``Pool``'s terminate
    crashed the process with SIGSEGV (exit 134, an ``hs_err_pid*.log`` in the working directory) instead of ending
    it as SIGTERM ends any Python program (exit 143, or the program's own handler)."""
    if handler is None:   # outside the main thread: the JVM was started with -Xrs instead (JVMConfig)
        return
    try:
        signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError, TypeError) as error:   # a handler Python cannot set again
        log.debug("SIGTERM handler not restored: %s", error)


def _jvm_library(jpype) -> str:
    """The path of ``libjvm`` that JPype found, or :class:`JavaNotFoundError` saying what to install."""
    try:
        return jpype.getDefaultJVMPath()
    except (jpype.JVMNotFoundException, jpype.JVMNotSupportedException) as exc:
        raise JavaNotFoundError(
            f"no usable Java runtime was found to start the JVM ({exc}). Install a JDK: {JAVA_INSTALL} "
            "directory (17 is tested)."
        ) from None


def shutdown_jvm() -> None:
    """Shut the process's JVM down, for good.

    JPype cannot start a second JVM in one process: afterwards every JVM-backed call (networks, detectors,
    arrays, :func:`start_jvm`) raises :class:`~dl4j_bridge.errors.JVMShutDownError`. Call it when no other
    thread is using the JVM; it is a no-op when no JVM runs. Exiting the interpreter shuts the JVM down
    without it.

    Raises
    ------
    JVMForkedError
        In a process forked after the JVM started (there is no JVM here to shut down).
    """
    global _running, _shut_down
    import jpype

    with _lock:
        _refuse_forked_or_shut_down(allow_shut_down=True)
        if _running is None:
            return
        log.info("shutting the JVM down; it cannot be restarted in this process")
        jpype.shutdownJVM()
        _running = None
        _shut_down = True


def _refuse_forked_or_shut_down(allow_shut_down: bool = False) -> None:
    if _forked_from is not None:
        raise JVMForkedError(
            f"this process was forked from process {_forked_from} after that process started its JVM, and a JVM "
            "does not survive fork(): using it here would hang or crash. Use the 'spawn' start method "
            "(multiprocessing.get_context('spawn'), or ProcessPoolExecutor(mp_context=...)) and call "
            "dl4j_bridge.start_jvm() in each worker. A child forked anyway must end with os._exit(): JPype's "
            "clean-up at a normal exit waits for the JVM that stayed in the parent."
        )
    if _shut_down and not allow_shut_down:
        raise JVMShutDownError(
            "the JVM of this process was shut down (dl4j_bridge.shutdown_jvm) and a JVM cannot be restarted in "
            f"the same process (a JPype/JNI limit): do this work in {NEW_PROCESS}."
        )


def _after_fork_in_child() -> None:
    global _forked_from, _lock
    _lock = threading.Lock()  # another thread may have held it at the fork
    if _running is None:
        return
    _forked_from = os.getppid()
    # At exit JPype would shut down a JVM this process does not have and wait forever: a child forked after the
    # JVM started hung when it ended normally (sys.exit, the end of its script), even if it never used Java.
    try:
        from jpype import _core

        atexit.unregister(_core._JTerminate)
    except (ImportError, AttributeError):   # another JPype: the child must end with os._exit (README)
        pass
    atexit.unregister(_on_exit)
    # The JVM's SIGTERM/SIGHUP handlers hand the signal to a JVM thread that did not come along: the child
    # would ignore them (multiprocessing's Pool.terminate could not end it). Let them end the process again.
    for name in ("SIGTERM", "SIGHUP"):
        try:
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        except (AttributeError, ValueError, OSError):  # no such signal, or not the main thread
            pass


# Once per process, not again at a reload. Windows has no fork (nor os.register_at_fork): nothing to guard there.
if not globals().get("_fork_hook_registered") and hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _after_fork_in_child())   # the function of the latest load
    _fork_hook_registered = True


def _on_exit() -> None:
    """Runs at interpreter exit, before JPype's own shutdown (non-daemon threads have ended by then).

    Daemon threads inside a Java call stop at its end, or at their next progress callback; JPype destroys the
    JVM once they have (or after :data:`EXIT_WAIT_SECONDS`): destroying it while a thread is between JNI calls
    can abort the process ("Fatal error in exception handling").
    """
    global _exiting
    _exiting = True
    deadline = time.monotonic() + EXIT_WAIT_SECONDS
    while any(t.is_alive() and t not in _parked_threads for t in list(_busy_threads)):
        if time.monotonic() > deadline:
            log.debug("daemon threads still inside Java at exit")
            break
        time.sleep(0.002)


def _park_if_exiting() -> None:
    """At interpreter exit, stop a daemon thread here rather than let it call into a JVM being shut down.

    Python abandons daemon threads at exit; this one waits (holding no lock but its own) until the process
    ends, instead of raising a traceback from a JVM that is going away.
    """
    thread = threading.current_thread()
    if _exiting and thread.daemon:
        _parked_threads.add(thread)
        threading.Event().wait()


@contextlib.contextmanager
def calling_java() -> Iterator[None]:
    """Marks the calling thread as inside a call into Java (see :func:`_on_exit`); at interpreter exit, a
    daemon thread stops when the call ends instead of going on with the JVM shutting down."""
    thread = threading.current_thread()
    depth = getattr(_threads, "depth", 0)
    _threads.depth = depth + 1
    _busy_threads.add(thread)
    try:
        yield
    finally:
        _threads.depth = depth
        if _exiting:
            _park_if_exiting()
        if depth == 0:
            _busy_threads.discard(thread)


#: Whether ND4J has been used in this process (set by the first array crossing): only then has a thread
#: workspaces to free when it ends (freeing them first would load ND4J's backend in a thread about to end).
_nd4j_used = False


def nd4j_in_use() -> None:
    """Called once ND4J is in use in this process (see :class:`_ThreadAttachment`)."""
    global _nd4j_used
    _nd4j_used = True


class _ThreadAttachment:
    """Held in a thread-local of every non-main Python thread that calls Java: when the thread ends, Python
    drops it in that same thread, and it frees the thread's ND4J workspaces and detaches the thread from the JVM
    (JPype attaches threads on their first Java call and never detaches them, so each short-lived thread would
    leave a Java thread behind; and ND4J keeps each thread's workspaces, the working memory of its forward passes
    and fits, for as long as the JVM runs: a thread per request or a new pool per notebook cell left about 3 MiB
    of native memory per thread, without bound)."""

    detach = None

    def __init__(self):
        self.thread = threading.get_ident()

    def __del__(self):
        # at interpreter exit CPython clears leftover (daemon) threads' states from the main thread: nothing to
        # free or detach there, and doing it would free the main thread's workspaces and detach it
        if _running is not None and _forked_from is None and self.detach is not None and not _exiting \
                and threading.get_ident() == self.thread:
            if _nd4j_used:
                try:
                    import jpype

                    jpype.JClass("org.nd4j.linalg.factory.Nd4j").getWorkspaceManager() \
                        .destroyAllWorkspacesForCurrentThread()
                except Exception:  # noqa: BLE001 - nothing to report to in a thread that is ending
                    pass
            try:
                self.detach()
            except Exception:  # pragma: no cover - JPype documents detach as unable to fail
                pass


def _track_thread() -> None:
    if getattr(_threads, "attached", None) is None:
        _threads.attached = (_ThreadAttachment() if threading.current_thread() is not threading.main_thread()
                             else True)
        _give_context_class_loader()


def _give_context_class_loader() -> None:
    """JPype attaches a thread with no context class loader (only the thread that started the JVM has one). ND4J
    finds its backend through it: when the JVM was started in another thread, the first use of ND4J in the main
    thread failed with a NullPointerException ("memoryManagerClazz" is null). Such a thread gets the system class
    loader, as the starting thread has."""
    import jpype

    thread = jpype.JClass("java.lang.Thread").currentThread()
    if thread.getContextClassLoader() is None:
        thread.setContextClassLoader(jpype.JClass("java.lang.ClassLoader").getSystemClassLoader())


def _check_same(jpype, classpath, home, heap, max_bytes, max_physical_bytes, threads, jvm_options,
                cpu_build) -> JVMConfig:
    if _running is None:
        raise JVMConfigurationError(
            "a JVM was started outside dl4j_bridge (jpype.startJVM) and cannot be reconfigured; "
            "start it with dl4j_bridge.start_jvm() before anything else uses JPype"
        )
    asked = {
        "classpath": _classpath(classpath, home) if (classpath is not None or home is not None) else None,
        "heap": heap,
        "max_bytes": max_bytes,
        "max_physical_bytes": max_physical_bytes,
        "threads": threads,
        "jvm_options": tuple(jvm_options) if jvm_options else None,
        "cpu_build": None if cpu_build in (None, "auto") else str(cpu_build).lower(),
    }
    def same(name, value, running) -> bool:
        if name in ("heap", "max_bytes", "max_physical_bytes") and running is not None:
            return size_bytes(name, value) == size_bytes(name, running)   # '1g' is '1024m'
        return value == running

    differ = [
        _classpath_difference(getattr(_running, name), value) if name == "classpath"
        else f"{name}: running {getattr(_running, name)!r}, asked {value!r}"
        for name, value in asked.items()
        if value is not None and not same(name, value, getattr(_running, name))
    ]
    if differ:
        raise JVMConfigurationError(
            "the JVM is already running with a different configuration (" + "; ".join(differ) + "). "
            f"A JVM cannot be restarted in one process: use {NEW_PROCESS} and call start_jvm() with these "
            "settings first, before anything else uses the JVM."
        )
    return _running


def _classpath_difference(running: Sequence[str], asked: Sequence[str]) -> str:
    """Two classpaths, told apart by their directories and the jars in one only (not listed in full: a build has
    dozens of jars)."""
    def where(jars) -> str:
        dirs = sorted({os.path.dirname(j) or "." for j in jars})
        return f"{len(jars)} jars in {', '.join(dirs[:3])}" + (f" and {len(dirs) - 3} more places" if len(dirs) > 3
                                                               else "")

    def some(names) -> str:
        names = sorted(names)
        return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")

    text = f"classpath: running {where(running)}, asked {where(asked)}"
    only_running = {os.path.basename(j) for j in running} - {os.path.basename(j) for j in asked}
    only_asked = {os.path.basename(j) for j in asked} - {os.path.basename(j) for j in running}
    if only_running:
        text += f"; only in the running one: {some(only_running)}"
    if only_asked:
        text += f"; only in the one asked: {some(only_asked)}"
    if not only_running and not only_asked:
        same_dirs = {os.path.dirname(j) for j in running} == {os.path.dirname(j) for j in asked}
        text += "; the same jars in another order" if same_dirs else "; the same jar names in other directories"
    return text


def running_config() -> Optional[JVMConfig]:
    """The running JVM's configuration, or None before :func:`start_jvm`."""
    return _running


def require_jvm() -> None:
    """Check that this process's JVM is usable; every JVM-backed call passes here first.

    Raises
    ------
    JVMNotStartedError
        Before :func:`start_jvm`.
    JVMShutDownError
        After :func:`shutdown_jvm` (a subclass of :class:`JVMNotStartedError`).
    JVMForkedError
        In a process forked after the JVM started.
    """
    if _exiting:
        _park_if_exiting()
    if _running is None or _forked_from is not None:
        _refuse_forked_or_shut_down()
        raise JVMNotStartedError(_not_started_message())
    _track_thread()


def _not_started_message() -> str:
    import sys

    jpype = sys.modules.get("jpype")
    if jpype is not None and jpype.isJVMStarted():
        return ("this process's JVM was started outside dl4j_bridge (jpype.startJVM), without its settings, and "
                "start_jvm() cannot adopt or restart it: call dl4j_bridge.start_jvm() before anything else starts "
                f"JPype's JVM, or run in {NEW_PROCESS}")
    return "the JVM is not started: call dl4j_bridge.start_jvm() first"


def jvm_info() -> dict:
    """Versions, ND4J backend, native build and memory limits of the running JVM, as ``{key: str}``.

    ``nd4j.cpu.build`` is the nd4j-native build really loaded (``generic``, ``avx2``, ...),
    ``nd4j.cpu.build.requested`` the one :func:`start_jvm` asked for.
    """
    require_jvm()
    import jpype

    from .javaerrors import java_errors  # here: javaerrors imports this module

    with java_errors():
        info = {str(k): str(v) for k, v in jpype.JClass("io.dl4jbridge.RuntimeInfo").describe().items()}
    library = info.get("nd4j.native.library", "")
    info["nd4j.cpu.build"] = cpubuild.loaded_build(library) if library.endswith(".so") else "none"
    info["nd4j.cpu.build.requested"] = _running.cpu_build
    return info
