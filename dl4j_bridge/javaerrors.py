"""Java exceptions become Python ones, in one place (like PySpark's ``captured.py``)."""

from __future__ import annotations

import contextlib
from typing import Iterator

from .errors import (
    JavaError,
    JavaIllegalArgumentError,
    JavaIOError,
    JavaOutOfMemoryError,
)

_BY_JAVA_CLASS = (
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
    name = str(cause.getClass().getName())
    for java_name, py_type in _BY_JAVA_CLASS:
        if cls.forName(java_name).isInstance(cause):
            return py_type(name, message, str(sw.toString()))
    return JavaError(name, message, str(sw.toString()))


@contextlib.contextmanager
def java_errors() -> Iterator[None]:
    """Context in which any Java exception is re-raised as a :class:`JavaError` subclass."""
    import jpype

    try:
        yield
    except jpype.JException as exc:
        raise convert(exc) from None
