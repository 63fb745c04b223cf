"""Java exceptions become Python ones, in one place (like PySpark's ``captured.py``)."""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Iterator, Optional

from . import memory, session
from .errors import (
    NEW_PROCESS,
    JavaError,
    JavaIllegalArgumentError,
    JavaIOError,
    JavaOutOfMemoryError,
    JVMShutDownError,
    TrainingDivergedError,
)

_BY_JAVA_CLASS = (
    ("io.dl4jbridge.TrainingDivergedException", TrainingDivergedError),
    ("java.lang.IllegalArgumentException", JavaIllegalArgumentError),
    ("org.nd4j.linalg.exception.ND4JIllegalStateException", JavaIllegalArgumentError),
    ("org.deeplearning4j.exception.DL4JInvalidInputException", JavaIllegalArgumentError),
    ("org.deeplearning4j.exception.DL4JInvalidConfigException", JavaIllegalArgumentError),
    ("java.io.IOException", JavaIOError),
    ("java.lang.OutOfMemoryError", JavaOutOfMemoryError),
)


def _root_cause(exc):
    seen = set()
    while exc.getCause() is not None and id(exc.getCause()) not in seen:
        seen.add(id(exc))
        exc = exc.getCause()
    return exc


def convert(java_exception) -> JavaError:
    """The Python exception for a JPype ``java.lang.Throwable``.

    The type follows the root cause: an ``IllegalArgumentException`` deep inside DL4J
    becomes a :class:`JavaIllegalArgumentError` (also a ``ValueError``).
    """
    import jpype

    cause = _root_cause(java_exception)
    cls = jpype.JClass("java.lang.Class")
    sw = jpype.JClass("java.io.StringWriter")()
    java_exception.printStackTrace(jpype.JClass("java.io.PrintWriter")(sw))
    message = str(cause.getMessage()) if cause.getMessage() is not None else ""
    if not message.strip():  # e.g. an EOFException: say at least where it came from
        frames = cause.getStackTrace()
        message = f"(no message) at {frames[0]}" if len(frames) else "(no message)"
    name = str(cause.getClass().getName())
    for java_name, py_type in _BY_JAVA_CLASS:
        if cls.forName(java_name).isInstance(cause):
            if py_type is JavaOutOfMemoryError:
                setting, advice = memory.out_of_memory_advice(str(sw.toString()), session.running_config())
                return JavaOutOfMemoryError(name, message, str(sw.toString()), setting=setting, advice=advice)
            return py_type(name, message, str(sw.toString()))
    trace = str(sw.toString())
    advice = native_library_advice(trace)
    return JavaError(name, message + (f" -- {advice}" if advice else ""), trace)


#: Where JavaCPP unpacks the native libraries (nd4j-native, OpenBLAS) and how to move it, for the advice below.
_CACHE_HOW = ("JavaCPP unpacks ND4J's native libraries into its cache directory (default ~/.javacpp/cache, under "
              "Java's user.home, which $HOME does not change) and loads them from there. ")
_CACHE_MOVE = ("point it at a writable directory with free space: start_jvm(jvm_options=[\"-Dorg.bytedeco.javacpp."
               "cachedir=/path/to/cache\"]), or for the dl4j-bridge command and the JVM launcher "
               "JAVA_TOOL_OPTIONS=-Dorg.bytedeco.javacpp.cachedir=/path/to/cache")


def native_library_advice(stack_trace: str) -> str:
    """What to do about a native library that did not load (JavaCPP's cache), from a Java stack trace; ``""`` when
    the trace is not about that."""
    if "Could not create the cache" in stack_trace:
        return _CACHE_HOW + "It could not create that directory: make it writable, or " + _CACHE_MOVE
    if "UnsatisfiedLinkError" in stack_trace and "java.library.path" in stack_trace:
        return (_CACHE_HOW + "A library was not found there: the cache's disk may be full or the cache damaged (a "
                "process killed while unpacking); free space, or delete the cache directory so that it is unpacked "
                "again, or " + _CACHE_MOVE + " (`dl4j-bridge doctor` checks that the native libraries load)")
    return ""


@contextlib.contextmanager
def java_errors() -> Iterator[None]:
    """Context for calls into Java: checks the JVM first (:func:`~dl4j_bridge.session.require_jvm`), and
    re-raises any Java exception as a :class:`JavaError` subclass.

    After an out-of-memory error, the calling thread's ND4J workspaces are released
    (:func:`~dl4j_bridge.memory.release_after_out_of_memory`) so that a smaller call can succeed.
    """
    import jpype

    session.require_jvm()
    try:
        with session.calling_java():
            yield
    except Exception as exc:
        # At interpreter exit, whatever a daemon thread's call raises comes from the JVM going away (e.g. JPype's
        # "Proxy called during shutdown", a plain RuntimeError): the thread stops here, silently.
        session._park_if_exiting()
        if isinstance(exc, jpype.JException):
            error = convert(exc)
            if isinstance(error, JavaOutOfMemoryError):
                memory.release_after_out_of_memory(error.java_stacktrace)
            raise error from None
        if not isinstance(exc, jpype.JVMNotRunning):
            raise
        raise JVMShutDownError("the JVM shut down while this call was running (dl4j_bridge.shutdown_jvm from "
                               f"another thread?); it cannot be restarted in this process: use {NEW_PROCESS}") from None


def java_call(function):
    """Decorator: run ``function`` inside :func:`java_errors`."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with java_errors():
            return function(*args, **kwargs)

    return wrapper


def _poll() -> None:
    """Called in the calling thread before each chunk of a long Java call (see :func:`interruptible`): Python runs a
    pending signal handler (Ctrl-C's ``KeyboardInterrupt``) when Java calls back into it, here at the latest."""


_stop_class = None


def _stop_supplier():
    """A new ``java.util.function.BooleanSupplier`` for :func:`interruptible` (its class made once per process)."""
    global _stop_class
    if _stop_class is None:
        import jpype

        @jpype.JImplements("java.util.function.BooleanSupplier")
        class _Stop:
            def __init__(self):
                self.raised: list = []

            @jpype.JOverride
            def getAsBoolean(self):
                try:
                    _poll()
                except BaseException as exc:  # noqa: BLE001 - re-raised once the Java call has stopped
                    self.raised.append(exc)
                    return True
                return False

        _stop_class = _Stop
    return _stop_class()


@contextlib.contextmanager
def interruptible() -> Iterator[Optional[object]]:
    """Context for a long call into Java that takes a ``java.util.function.BooleanSupplier`` asked before each chunk
    whether to stop (``DetectorScoring.score``, ``Predictor.predict`` / ``classify``): yields that supplier.

    Python runs its SIGINT handler only in Python code, so a call of one Java method over a large batch used to
    finish before Ctrl-C (a notebook's interrupt) took effect (236,000 windows: 15 s after the interrupt). Asked
    before each chunk, the supplier lets the handler run; when it raises, the call stops before its next chunk
    (Java's ``CancellationException``) and the handler's exception (``KeyboardInterrupt``) is re-raised here,
    whatever Java made of it. Nothing the call would have changed is changed: these calls only read.

    Outside the main thread, where Python delivers no signal, and without a running JVM (the call's own check
    then says why), it yields None: no check.
    """
    import jpype

    if threading.current_thread() is not threading.main_thread() or not jpype.isJVMStarted() \
            or session._shut_down or session._forked_from is not None:
        yield None
        return
    stop = _stop_supplier()
    try:
        yield stop
    except BaseException:
        if stop.raised:
            raise stop.raised[0].with_traceback(None) from None
        raise
    if stop.raised:   # stopped, yet the call returned (it had no chunk left to stop before)
        raise stop.raised[0].with_traceback(None) from None
