"""Typed errors raised by the ETL.

Every error derives from :class:`EtlError`, so callers can catch the whole
family with one ``except`` clause.
"""

from __future__ import annotations

from ..errors import Dl4jBridgeError
from ..errors import NotFittedError as _PackageNotFittedError

__all__ = [
    "EtlError",
    "BadRecordError",
    "SchemaError",
    "SpecError",
    "SourceError",
    "NotFittedError",
]


class EtlError(Dl4jBridgeError):
    """Base class of every error raised by :mod:`dl4j_bridge.etl`."""


class BadRecordError(EtlError):
    """A record could not be read or did not match its declared type.

    Parameters
    ----------
    file : str
        Name of the source (a path, or ``"<lines>"`` for in-memory input).
    line : int
        1-based physical line number where the record starts.
    field : str or None
        Field that was wrong, or ``None`` when the whole line is bad
        (no format match, invalid JSON, wrong number of CSV columns).
    reason : str
        Human-readable reason.
    """

    def __init__(self, file: str, line: int, field: str | None, reason: str):
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
        where = f"{file}:{line}"
        what = f" field {field!r}" if field else ""
        super().__init__(f"{where}:{what} {reason}")


class SourceError(EtlError):
    """A file could not be read to its end: a truncated or corrupt ``.gz``, or an I/O error.

    Parameters
    ----------
    file : str
        The file.
    line : int
        Lines read successfully before the failure (the records up to there were delivered).
    reason : str
        What failed.
    """

    def __init__(self, file: str, line: int, reason: str):
        self.file = file
        self.line = line
        self.reason = reason
        super().__init__(f"{file}: cannot read past line {line}: {reason}. The file is truncated or corrupt "
                         "(a .gz still being written, or a broken copy): read a complete copy, or decompress "
                         "what is readable with 'zcat FILE > FILE.txt' and read that")


class SchemaError(EtlError):
    """Data does not agree with a :class:`~dl4j_bridge.etl.schema.Schema`."""


class SpecError(EtlError):
    """A saved pipeline spec is malformed or has an unsupported version."""


class NotFittedError(EtlError, _PackageNotFittedError):
    """A transform or pipeline was used before ``fit`` (also a :class:`dl4j_bridge.NotFittedError`)."""
