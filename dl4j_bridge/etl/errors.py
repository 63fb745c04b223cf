"""Typed errors raised by the ETL.

Every error derives from :class:`EtlError`, so callers can catch the whole
family with one ``except`` clause.
"""

from __future__ import annotations

from ..errors import ConfigError, Dl4jBridgeError
from ..errors import NotFittedError as _PackageNotFittedError

__all__ = [
    "EtlError",
    "BadRecordError",
    "SchemaError",
    "AbsentFieldError",
    "EncodingError",
    "BadLineError",
    "SpecError",
    "SourceError",
    "TrailingDataError",
    "NotFittedError",
    "QuarantineError",
    "LabelValuesError",
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


class TrailingDataError(SourceError):
    """A ``.gz`` whose gzip stream is followed by data that is not gzip (``cat app.log.gz; echo junk``): Python's
    ``gzip`` refuses it (``BadGzipFile: Not a gzipped file``), and so does the JVM scorer, whose
    ``GZIPInputStream`` used to drop such data without a word. Concatenated members (``cat a.gz b.gz``) and
    zero bytes after a member are valid gzip and read on both sides.

    Parameters
    ----------
    file : str
        The file.
    line : int
        Lines read successfully before the failure.
    """

    #: After ``"FILE: cannot read past line N: "``, in the JVM's words (``LogInput.TRAILING_DATA``).
    EXPLANATION = ("the data after the gzip stream is not gzip (something was appended to the compressed file, or it "
                   "is a broken copy), so it cannot be read as log lines: decompress the gzip part with "
                   "'zcat FILE > FILE.txt' (zcat reports the rest as 'trailing garbage ignored'), see what follows "
                   "it, and read each part on its own")

    def __init__(self, file: str, line: int):
        self.file = file
        self.line = line
        self.reason = "the data after the gzip stream is not gzip"
        EtlError.__init__(self, f"{file}: cannot read past line {line}: {self.EXPLANATION}")


class QuarantineError(EtlError):
    """The quarantine file could not be written (disk full, I/O error): not an input error. ``score`` prints its
    summary, then this message, and exits 4, as the launcher does."""

    def __init__(self, path: str, error: OSError):
        self.path = path
        reason = error.strerror or str(error)
        hint = (" (the disk is full: free space, or give --quarantine a file elsewhere)"
                if getattr(error, "errno", None) == 28 else "")
        super().__init__(f"cannot write the quarantine file {path}: {reason}{hint}; the rejected lines before the "
                         "failure were written (the last may be cut short)")


class EncodingError(EtlError):
    """A file read with an encoding it plainly does not have (it starts with a UTF-16 byte-order mark): every
    line would be garbled, so the read is refused in both modes, naming the encoding to give."""

    def __init__(self, file: str, message: str):
        self.file = file
        super().__init__(f"{file}: {message}")


class BadLineError(BadRecordError):
    """A bad line met in strict mode: reading leniently (``mode="lenient"``) would quarantine it instead.

    Unlike the :class:`BadRecordError` of an unusable CSV header or of a missing value under the policy
    ``"error"``, which no reading mode can get past.
    """


class SchemaError(EtlError):
    """Data does not agree with a :class:`~dl4j_bridge.etl.schema.Schema`, or lacks a column the pipeline needs."""


#: JSON lines: the records whose keys an :class:`AbsentFieldError` lists.
KEY_SAMPLE_RECORDS = 1000


class AbsentFieldError(SchemaError):
    """A field the reader maps (``fields=``) is not in the input at all.

    CSV: no header column has any of the field's names. JSON lines: none of the field's paths is in any
    record of the read. Reading on would make the field missing on every record, silently.

    Parameters
    ----------
    file : str
        The source.
    field : str
        The reader's output field.
    names : list of str
        The header names or JSON paths the field is mapped to.
    available : list of str
        The fields the input does have (CSV: the header; JSON lines: the dotted keys of its first
        ``KEY_SAMPLE_RECORDS`` records).
    records : int
        JSON lines: the JSON objects read; CSV: 0.
    line : int or None
        1 for a CSV header, None for JSON lines (the whole input).
    """

    def __init__(self, file: str, field: str, names: list[str], available: list[str], *, records: int = 0,
                 line: int | None = None):
        self.file = file
        self.field = field
        self.names = list(names)
        self.available = list(available)
        self.records = records
        self.line = line
        super().__init__(absent_field_message(file, field, self.names, self.available, records, line))


def absent_field_warning(file: str, field: str) -> str:
    """What scoring says of a field the model allows to be absent (the JVM scorer says the same)."""
    return (f"{file}: the field {field!r} is absent from the input, so it is missing on every row; scored without "
            "it, as the model allows (a label, or a field some training records lacked too)")


#: Separators a CSV header read as one column may hold, in the order :func:`delimiter_hint` tries them.
CSV_DELIMITERS = (",", ";", "\t", "|")


def delimiter_hint(available: list[str], wanted: list[str]) -> str:
    """What to add to a missing-column message when the CSV header was read as one column that another delimiter
    would split into the column wanted (a ``;``-separated file read with ``,``); the JVM reader says the same.

    Parameters
    ----------
    available : list of str
        The header's columns as read.
    wanted : list of str
        The column names looked for.

    Returns
    -------
    str
        ``"; the header splits at ';' into [...]: read the file with delimiter=';' (run.toml [reader] delimiter)"``,
        or ``""``.
    """
    if len(available) != 1:
        return ""
    for delimiter in CSV_DELIMITERS:
        parts = [part.strip() for part in available[0].split(delimiter)]
        if len(parts) > 1 and any(name in parts for name in wanted):
            return (f"; the header splits at {delimiter!r} into {parts}: read the file with delimiter={delimiter!r} "
                    "(run.toml [reader] delimiter)")
    return ""


def absent_field_message(file: str, field: str, names: list[str], available: list[str], records: int,
                         line: int | None) -> str:
    """The message of :class:`AbsentFieldError` (the JVM reader builds the same one)."""
    mapped = names[0] if len(names) == 1 else names
    if line is not None:
        where = f"{file}:{line}: the CSV header has no column {mapped!r} for field {field!r}; its columns are"
    else:
        some = "their" if records <= KEY_SAMPLE_RECORDS else f"the first {KEY_SAMPLE_RECORDS} records'"
        where = f"{file}: field {field!r} (path {mapped!r}) is in none of its {records} JSON records; {some} fields are"
    return (f"{where} {available}: map {field!r} to one of them in the reader's fields "
            "(run.toml [reader] fields), or check that this is the right input"
            + (delimiter_hint(available, list(names)) if line is not None else ""))


class SpecError(EtlError):
    """A saved pipeline spec is malformed or has an unsupported version."""


class LabelValuesError(EtlError, ConfigError):
    """A label transform's ``positive`` list matches no label value of the training records as written, while some
    differ from it only in case or surrounding blanks: every line would be read as normal, silently.

    Raised by the label transform's fit (``Pipeline.fit``) and by :func:`dl4j_bridge.detectors.run.train` for the test
    part. Also a :class:`~dl4j_bridge.detectors.run.ConfigError` (a ``ValueError``): the ``positive`` setting is what
    is wrong, and ``run.train`` callers caught this case as a ``ConfigError`` before the fit checked it.

    Parameters
    ----------
    where : str
        The transform: its run.toml table (``[[transforms]] number 2 (label, column 'Level')``) or
        ``Label('Level')``.
    column : str
        The label column.
    positive : list of str
        The ``positive`` list as given.
    near : dict
        The values that differ from a ``positive`` value only in case or blanks -> their count of lines.
    saved : bool
        The list is a saved model's (``dl4j-bridge evaluate``), which keeps it: the advice is to train again with
        the values found added to it, not to write them.
    """

    def __init__(self, where: str, column: str, positive: list[str], near: dict[str, int], saved: bool = False):
        self.where = where
        self.column = column
        self.positive = list(positive)
        self.near = dict(near)
        self.saved = saved
        found = ", ".join(f"{v!r} ({n:,} line{'s' if n > 1 else ''})" for v, n in sorted(self.near.items()))
        advice = (f"train the model again with positive = {sorted(set(self.positive) | set(self.near))} (a saved "
                  "model keeps the positive list it was trained with)" if saved
                  else f"write positive = {sorted(self.near)}")
        super().__init__(f"{where}: positive = {self.positive} matches no value of {column!r} as written, so every "
                         f"line would be normal; {found} differ only in case or blanks, and positive values are "
                         f"compared exactly: {advice}")


class NotFittedError(EtlError, _PackageNotFittedError):
    """A transform or pipeline was used before ``fit`` (also a :class:`dl4j_bridge.NotFittedError`)."""
