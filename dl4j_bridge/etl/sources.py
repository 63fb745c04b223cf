"""Opening log sources: paths (plain or ``.gz``) and in-memory lines.

A *source* is either a filesystem path (``str`` or :class:`os.PathLike`), a
:class:`ByteStream` (standard input, a pipe), or an iterable of strings (one log
line each, with or without the trailing newline).
Files are read in blocks of whole lines so that memory stays bounded no matter
how large the file is.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import logging
import os
import select
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Optional, Union

from .errors import EncodingError, SourceError, TrailingDataError

log = logging.getLogger(__name__)

__all__ = ["Source", "ByteStream", "IdleBlock", "GzipInput", "source_name", "iter_line_blocks", "is_path", "BOM",
           "sniff_gzip"]

Source = Union[str, "os.PathLike[str]", "ByteStream", Iterable[str]]

#: Bytes of text requested per block when reading a file (whole lines).
DEFAULT_BLOCK_BYTES = 8 * 1024 * 1024

#: Byte order mark; removed from the start of a source's first line (editors and Excel write one).
BOM = "\ufeff"

#: Errors while decompressing or reading an open file (truncated or corrupt ``.gz``, I/O errors).
_READ_ERRORS = (EOFError, OSError, zlib.error)


class ByteStream:
    """An open binary stream read once, as a file is: in the reader's encoding, undecodable bytes counted and
    replaced, blocks of whole lines. E.g. ``ByteStream(sys.stdin.buffer, "<stdin>")``.

    Parameters
    ----------
    stream : binary file object
    name : str
        Its name in errors, reports and quarantine records.
    on_idle : callable, optional
        Read the stream live (standard input that is still being written, ``tail -f app.log | ...``): a block
        ends where the input pauses, that is when after a read no byte is waiting (the JVM launcher's test for
        ``--input -``), and once the lines of such a block have gone through the reader, ``on_idle()`` is called
        before the read that waits for more (``dl4j-bridge score --input -`` scores and writes what is complete
        there). Blocks are still of up to ``block_bytes`` while bytes keep coming. Without it (default), blocks of
        about ``block_bytes`` or up to the end.
    """

    def __init__(self, stream: io.RawIOBase | io.BufferedIOBase, name: str = "<stream>", *,
                 on_idle: Optional[Callable[[], None]] = None):
        self.stream = stream
        self.name = name
        self.on_idle = on_idle
        #: The stream's buffer may hold bytes already (:func:`sniff_gzip` peeked at it): a live read does not wait
        #: on the descriptor before its first read, which hands them out.
        self.peeked = False

    def __repr__(self) -> str:
        return f"ByteStream({self.name})"


class GzipInput(gzip.GzipFile):
    """:class:`gzip.GzipFile` over an open binary stream that knows whether the stream starts with a gzip header.

    Python's gzip reads every member of a concatenated file (``cat a.gz b.gz``) and skips zero padding, but data
    after the gzip stream that is not gzip fails with the message a file that is no gzip at all gets
    (``BadGzipFile: Not a gzipped file``). When the stream started with a gzip header, that failure is about the data
    after the gzip stream: the read raises :class:`~dl4j_bridge.etl.errors.TrailingDataError`, in the JVM
    scorer's words.

    Parameters
    ----------
    stream : binary file object
        Read from its start; a buffered stream (``open(path, "rb")``) is peeked at without consuming a byte. When
        the peek holds fewer than 2 bytes (a pipe may hand out 1 byte first), the first 2 bytes (or all there is
        before the end) are read, and handed to gzip before the rest of the stream. Not closed with this object.
    defer_errors : bool
        Hold a read failure back (:attr:`deferred_error`) and end the data there, so that a text layer above
        (whose failed ``readlines`` drops the lines it had gathered) hands out every line before it; the reader
        must then raise :attr:`deferred_error` itself (``iter_line_blocks`` does). Off: reads raise, as gzip's.
    """

    def __init__(self, stream: io.BufferedIOBase, *, defer_errors: bool = False):
        peek = getattr(stream, "peek", None)
        head = peek(2)[:2] if peek is not None else b""
        if peek is not None and len(head) == 1:   # not yet known: wait for the second byte or the end
            head = stream.read(2)
            stream = _Replayed(head, stream)   # type: ignore[assignment]
        self.starts_with_header = head == b"\x1f\x8b"
        #: The read failure (a truncated stream, data after it that is not gzip), held back until every byte
        #: decompressed before it is read: the reads return the end of the data instead, once.
        self.deferred_error: Optional[BaseException] = None
        self._defer_errors = defer_errors
        super().__init__(fileobj=stream, mode="rb")

    # A text layer's read (TextIOWrapper.readlines) that fails drops the lines it had gathered: the failure is
    # held back here, the reads end the data where it came, and the reader raises it after the lines before it.
    def read1(self, size: int = -1) -> bytes:
        return self._deferring(super().read1, size)

    def read(self, size: Optional[int] = -1) -> bytes:
        return self._deferring(super().read, size)

    def _deferring(self, read, size) -> bytes:
        """``read(size)``; with ``defer_errors``, a failure is held back and the data ends (once held, always)."""
        if self.deferred_error is not None:
            return b""
        try:
            return read(size)
        except _READ_ERRORS as error:
            if not self._defer_errors:
                raise
            self.deferred_error = error
            return b""


class _Replayed(io.RawIOBase):
    """A binary stream that hands out ``head`` (bytes read from ``stream`` already) before the rest of ``stream``."""

    def __init__(self, head: bytes, stream: io.BufferedIOBase):
        super().__init__()
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = getattr(self._stream, "read1", self._stream.read)(len(buffer))
        buffer[:len(data)] = data
        return len(data)


#: The first two bytes of a gzip stream.
GZIP_MAGIC = b"\x1f\x8b"


def sniff_gzip(stream: io.BufferedIOBase) -> tuple[bool, io.BufferedIOBase]:
    """Whether ``stream`` starts with gzip's magic number (1f 8b), and the stream to read from its start.

    A buffered stream is peeked at without consuming a byte; when the peek holds only the byte 1f (a pipe may hand
    out 1 byte first), the first 2 bytes are read and handed out again by the returned stream. Input that starts
    with gzip's magic number is decompressed whatever its name (``cat app.log.gz | dl4j-bridge score --input -``),
    as the JVM launcher's ``LogInput`` does: no log line starts with those bytes (1f is a control character).
    """
    peek = getattr(stream, "peek", None)
    if peek is None:
        return False, stream
    _wait_for_bytes(stream)   # Ctrl-C ends the wait for the first bytes of an idle stdin
    head = peek(2)[:2]
    if head == GZIP_MAGIC[:1]:   # not yet known: wait for the second byte or the end
        head = stream.read(2)
        stream = io.BufferedReader(_Replayed(head, stream))   # type: ignore[assignment]
    return head == GZIP_MAGIC, stream


def _read_failure(error: BaseException, name: str, lines_read: int, handle: io.TextIOBase) -> SourceError:
    """The :class:`SourceError` of a read that failed after ``lines_read`` lines."""
    gz = getattr(handle, "buffer", None)
    if (isinstance(error, gzip.BadGzipFile) and str(error).startswith("Not a gzipped file")
            and getattr(gz, "starts_with_header", False)):
        return TrailingDataError(name, lines_read)   # the first header passed this check: a later one failed it
    return SourceError(name, lines_read, f"{type(error).__name__}: {error}")


def is_path(source: object) -> bool:
    """Return True when ``source`` names a file rather than holding lines."""
    return isinstance(source, (str, os.PathLike))


def source_name(source: object) -> str:
    """Name used in error messages and quarantine records."""
    if is_path(source):
        return os.fspath(source)  # type: ignore[arg-type]
    if isinstance(source, ByteStream):
        return source.name
    return "<lines>"


@contextlib.contextmanager
def _open_text(path: str, encoding: str) -> Iterator[io.TextIOBase]:
    # surrogateescape: undecodable bytes survive as lone surrogates, so that _split_block can count the
    # lines holding them before replacing them with U+FFFD exactly as errors="replace" would have
    # a .gz by its name, or any file by gzip's magic number (as the launcher: LogInput)
    with open(path, "rb") as raw:
        gz, stream = (True, raw) if path.endswith(".gz") else sniff_gzip(raw)
        if gz:
            with GzipInput(stream, defer_errors=True) as unzipped:
                _refuse_missing_bom(unzipped, path, encoding)
                with io.TextIOWrapper(unzipped, encoding=encoding, errors="surrogateescape", newline="\n") as handle:
                    yield handle
            return
        _refuse_missing_bom(stream, path, encoding)
        with io.TextIOWrapper(stream, encoding=encoding, errors="surrogateescape", newline="\n") as handle:
            yield handle


def iter_line_blocks(
    source: Source,
    *,
    encoding: str = "utf-8",
    block_lines: int = 100_000,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    on_undecodable: Optional[Callable[[int], None]] = None,
) -> Iterator[list[str]]:
    """Yield blocks of lines, each line without its line terminator.

    Parameters
    ----------
    source : path or iterable of str
        File path (``.gz``, or any file starting with gzip's magic number 1f 8b, is decompressed on the fly) or
        iterable of lines.
    encoding : str
        Text encoding of files; undecodable bytes become U+FFFD (the line is
        kept, never dropped, and counted through ``on_undecodable``).
    block_lines : int
        Maximum lines per block for in-memory input.
    block_bytes : int
        Approximate number of bytes per block for file input.
    on_undecodable : callable, optional
        Called with the number of lines of a block that held undecodable
        bytes (files only; only when there are some).

    Yields
    ------
    list of str
        Consecutive lines; concatenating all blocks gives every line of the
        source in order, so line numbers can be counted across blocks.  A
        byte order mark at the start of the first line is removed.

    Raises
    ------
    SourceError
        A file could not be read to its end (truncated or corrupt ``.gz``,
        I/O error): names the file and the last line read. A ``.gz`` whose
        gzip stream is followed by data that is not gzip raises its subclass
        :class:`~dl4j_bridge.etl.errors.TrailingDataError` (every member of a
        concatenated ``.gz`` is read, zero padding skipped).
    EncodingError
        A file starting with a UTF-16 byte-order mark read with another
        encoding (every line would be garbled): names the encoding to give.
    """
    if is_path(source):
        path = os.fspath(source)  # type: ignore[arg-type]
        with _open_text(path, encoding) as handle:
            yield from _handle_blocks(handle, path, encoding, block_bytes, on_undecodable)
        return
    if isinstance(source, ByteStream):
        if source.on_idle is not None:
            yield from _live_blocks(source, encoding, block_bytes, on_undecodable)
            return
        _refuse_missing_bom(source.stream, source.name, encoding)
        handle = io.TextIOWrapper(source.stream, encoding=encoding, errors="surrogateescape", newline="\n")
        try:
            yield from _handle_blocks(handle, source.name, encoding, block_bytes, on_undecodable)
        finally:
            handle.detach()  # the caller owns the stream
        return
    if isinstance(source, (bytes, bytearray)):
        raise TypeError("pass text lines or a path, not bytes")
    if _is_data_frame(source):   # iterating one yields its column names: they were read as log lines
        raise TypeError("a pandas DataFrame is no source of log lines (iterating it yields its column names): pass "
                        "the column of raw lines, df['line'].tolist(), for a TextReader; its records as JSON lines, "
                        "df.to_json(orient='records', lines=True, date_format='iso').splitlines(), for a "
                        "JsonLinesReader (date_format='iso': datetimes as ISO 8601 times, not milliseconds); or write "
                        "it with df.to_csv(path, index=False) and pass the path to a CsvReader (splitting CSV text "
                        "into lines would cut quoted cells holding line breaks)")
    if isinstance(source, Mapping):
        raise TypeError(f"a {type(source).__name__} is no source of log lines (iterating it yields its keys): pass "
                        "a path or the lines, e.g. [json.dumps(record) for record in records] for a JsonLinesReader")
    block: list[str] = []
    for number, line in enumerate(source, 1):  # type: ignore[arg-type]
        if not isinstance(line, str):
            raise TypeError(f"a source of lines must hold str, got {type(line).__name__} at line {number} "
                            f"({_line_advice(line)})")
        if number == 1:
            line = _strip_bom(line)
        block.append(_strip_eol(line))
        if len(block) >= block_lines:
            yield block
            block = []
    if block:
        yield block
    _warn_bare_cr(source)


def _line_advice(line: object) -> str:
    """What to do with a non-str item of an in-memory source: by what it is (records, bytes, a missing value)."""
    if isinstance(line, Mapping):
        return ("records are no lines: pass them as JSON lines, [json.dumps(record) for record in records], to a "
                "JsonLinesReader")
    if isinstance(line, (bytes, bytearray)):
        return "decode bytes first, or pass the file's path"
    if line is None or (isinstance(line, float) and line != line):
        return ("a missing value, as a pandas column of lines holds for an empty cell: fill it first, "
                "df['line'].fillna('').tolist(), which keeps line N the frame's row N - 1 (an empty line is counted "
                "as a blank line)")
    return "pass a path or the lines as str"


def _warn_bare_cr(source: object) -> None:
    """A text file object opened with universal newlines (``open(path)``) that met a bare CR: Python split its
    lines there too, so its line numbers are not those of the file read by its path (nor the JVM scorer's)."""
    seen = getattr(source, "newlines", None)
    if isinstance(seen, str):
        seen = (seen,)
    if isinstance(seen, tuple) and "\r" in seen:
        log.warning("%s: the file object was opened with universal newlines (open(path) does) and the file holds "
                    "carriage returns without a line feed, which it split lines at: line numbers count those "
                    "splits, unlike the file read by its path or the JVM scorer's (which split at line feeds "
                    "only). Pass the path, or open(path, newline='\\n') for the file's own line numbers",
                    getattr(source, "name", "<file object>"))


def _is_data_frame(source: object) -> bool:
    module = type(source).__module__ or ""
    return type(source).__name__ == "DataFrame" and module.split(".")[0] in ("pandas", "polars", "pyspark", "modin")


#: Characters asked for by each ``readlines`` of a block: when a read fails (a truncated ``.gz``), the lines of the
#: pieces before it are still handed out, as the launcher scores what it read before the failure.
_READ_PIECE = 1 << 16


def _handle_blocks(handle: io.TextIOBase, name: str, encoding: str, block_bytes: int,
                   on_undecodable: Optional[Callable[[int], None]]) -> Iterator[list[str]]:
    lines_read = 0
    while True:
        lines: list[str] = []
        size = 0
        failure: Optional[BaseException] = None
        while size < block_bytes:
            try:
                piece = handle.readlines(min(_READ_PIECE, block_bytes))
            except _READ_ERRORS as error:
                failure = error
                break
            deferred = getattr(getattr(handle, "buffer", None), "deferred_error", None)
            if deferred is not None:   # a GzipInput ended its data at the failure: every line before it is here
                trailing = isinstance(_read_failure(deferred, name, 0, handle), TrailingDataError)
                if piece and not piece[-1].endswith("\n") and not trailing:
                    piece.pop()   # the line a truncation cut short (the launcher drops it too); data after a
                    #               complete gzip stream leaves its last line whole
                lines += piece
                failure = deferred
                break
            if not piece:
                break
            lines += piece
            size += sum(map(len, piece))
        if lines:
            if lines_read == 0:
                _refuse_utf16_bom(lines[0], name, encoding)
            block = _split_block(lines, encoding, on_undecodable)
            if lines_read == 0:
                block[0] = _strip_bom(block[0])
            lines_read += len(block)
            yield block
        if failure is not None:
            raise _read_failure(failure, name, lines_read, handle) from failure
        if size < block_bytes:   # the end of the input
            return


#: Bytes asked for by each read of a live stream (the launcher reads 64 K characters at a time).
_LIVE_READ_BYTES = 65536


class IdleBlock(list):
    """A block of lines of a live :class:`ByteStream` that ends where its input paused: a reader that collects
    records across blocks (CSV) hands out what it has at the end of such a block."""


def _live_blocks(source: ByteStream, encoding: str, block_bytes: int,
                 on_undecodable: Optional[Callable[[int], None]]) -> Iterator[list[str]]:
    """The blocks of a live stream (see ``ByteStream(on_idle=)``): the lines as ``_handle_blocks`` gives them
    (split on ``\\n`` only, undecodable bytes counted and replaced, a UTF-16 byte-order mark refused, a BOM
    dropped), the line still being written kept for the next block."""
    stream = source.stream
    read = getattr(stream, "read1", None) or stream.read   # read1: what is there, without waiting for more
    buffered = source.peeked   # bytes in the stream's buffer: the descriptor would not tell
    if codecs.lookup(encoding).name in _BOM_ENCODINGS:
        if not buffered:
            _wait_for_bytes(stream)   # Ctrl-C ends the wait for the first bytes
        _refuse_missing_bom(stream, source.name, encoding)
        buffered = True   # the peek filled the stream's buffer: the descriptor would not tell
    decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
    carry: list[str] = []   # the line being read: its end has not arrived
    lines_read = 0
    end = False
    while not end:
        chunks: list[bytes] = []
        size = 0
        idle = False
        while True:
            if not buffered:
                _wait_for_bytes(stream)
            buffered = False
            try:
                data = read(_LIVE_READ_BYTES)
            except _READ_ERRORS as error:
                raise SourceError(source.name, lines_read, f"{type(error).__name__}: {error}") from error
            if not data:
                end = True
                break
            chunks.append(data)
            size += len(data)
            if size >= block_bytes:
                break
            if not _bytes_waiting(stream):
                idle = True
                break
        text = decoder.decode(b"".join(chunks), final=end)
        cut = len(text) if end else text.rfind("\n") + 1
        if cut or end:
            complete = "".join(carry) + text[:cut]
            carry = [text[cut:]]
        else:   # no line ended: nothing is joined until one does (a long line arriving in small pieces)
            complete = ""
            carry.append(text)
        if complete:
            if lines_read == 0:
                _refuse_utf16_bom(complete, source.name, encoding)
            block = _split_block([complete], encoding, on_undecodable)
            if lines_read == 0:
                block[0] = _strip_bom(block[0])
            lines_read += len(block)
            yield IdleBlock(block) if idle else block
        if idle:
            source.on_idle()   # type: ignore[misc]


def _wait_for_bytes(stream: object) -> None:
    """Return once a read of ``stream`` would not wait (bytes or its end have arrived), checking every 0.5 s: in
    between Python runs its signal handlers, so Ctrl-C ends a wait on an idle stdin. A blocking ``read`` would
    never see it: the JVM's SIGINT handler (which hands the signal to Python) restarts interrupted reads."""
    try:
        fd = stream.fileno()   # type: ignore[attr-defined]
        while not select.select([fd], [], [], 0.5)[0]:
            pass
    except (AttributeError, OSError, ValueError):
        return


def _bytes_waiting(stream: object) -> bool:
    """True unless a read of ``stream`` would wait for its writer (after ``read1``, a buffered stream holds no
    byte of its own: its descriptor tells). A stream without a descriptor holds everything already: True."""
    try:
        fd = stream.fileno()   # type: ignore[attr-defined]
        ready, _, _ = select.select([fd], [], [], 0)
    except (AttributeError, OSError, ValueError):
        return True
    return bool(ready)


#: A UTF-16 byte-order mark as another codec reads it: undecodable bytes (surrogateescape) or, in a
#: single-byte codec such as latin-1, two characters.
_UTF16_BOMS = {"\udcff\udcfe": "little-endian", "\udcfe\udcff": "big-endian", "\xff\xfe": "little-endian",
               "\xfe\xff": "big-endian"}


def _refuse_utf16_bom(first: str, name: str, encoding: str) -> None:
    """A file that starts with a UTF-16 byte-order mark, read with another encoding, would become one
    garbled line after another: refuse it at once, naming the encoding to give."""
    if "16" in encoding or "32" in encoding:
        return
    for bom, order in _UTF16_BOMS.items():
        if first.startswith(bom):
            raise EncodingError(name, f"the file starts with a UTF-16 ({order}) byte-order mark but is read as "
                                      f"{encoding}, which would garble every line: convert it (iconv -f UTF-16 -t "
                                      "UTF-8 FILE > FILE.utf8), or train a model that reads UTF-16 (encoding='utf-16'; run.toml "
                                      '[reader] encoding = "utf-16"): a saved model reads the encoding it was trained '
                                      "with")


#: The encodings that need a byte-order mark to tell the byte order (their ``-le`` / ``-be`` forms take none).
_BOM_ENCODINGS = {"utf-16": (b"\xff\xfe", b"\xfe\xff"), "utf-32": (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")}


def missing_bom_message(head: bytes, encoding: str) -> Optional[str]:
    """What is wrong when a file read as ``utf-16`` / ``utf-32`` starts with ``head`` and no byte-order mark, with
    what the file probably is (from where its first NUL bytes are) and what to do; None when the mark is there, the
    encoding needs none, or ``head`` is too short to tell. The JVM's ``EncodingException.missingBomMessage`` gives
    the same words.

    Parameters
    ----------
    head : bytes
        The first bytes of the file (2 for UTF-16, 4 for UTF-32 are enough).
    encoding : str
        The reader's encoding (a Python codec name).

    Returns
    -------
    str or None
    """
    name = codecs.lookup(encoding).name
    marks = _BOM_ENCODINGS.get(name)
    width = 2 if name == "utf-16" else 4
    if marks is None or len(head) < width or head.startswith(marks):
        return None
    head = head[:width]
    half = width // 2
    if head[half:] == bytes(half) and head[:half] != bytes(half):
        order, iconv = "little-endian", "le"
    elif head[:half] == bytes(half) and head[half:] != bytes(half):
        order, iconv = "big-endian", "be"
    else:
        order = None
    text = (f"line 1: the file has no byte-order mark, which encoding {name!r} needs to tell the byte order; ")
    if order is None:
        return text + (f"its first bytes do not look like {name.upper()} without one either: it is probably in "
                       "another encoding (UTF-8?). Read it, to train and to score, with its real encoding (run.toml "
                       "[reader] encoding = \"utf-8\", ...): a saved model reads the encoding it was trained with")
    fixed = f"{name}-{iconv}"
    return text + (f"it looks like {name.upper()} {order} without one: convert it (iconv -f {name.upper()}"
                   f"{iconv.upper()} -t UTF-8 "
                   f"FILE > FILE.utf8) and read it as UTF-8, or read it as it is (encoding={fixed!r}; run.toml [reader] "
                   f"encoding = \"{fixed}\"), to train and to score alike: a saved model reads the encoding it was "
                   "trained with")


def _refuse_missing_bom(stream: object, name: str, encoding: str) -> None:
    """A file read as ``utf-16`` / ``utf-32`` without the byte-order mark those need is refused before decoding
    (Python's decoder said only "UTF-16 stream does not start with BOM", naming no file; the JVM read it garbled)."""
    if codecs.lookup(encoding).name not in _BOM_ENCODINGS:
        return
    peek = getattr(stream, "peek", None)
    if peek is None:
        return
    head = peek(4)[:4]   # a pipe may hand out fewer first: too few to tell, the decoder's own error stands
    message = missing_bom_message(head, encoding)
    if message is not None:
        raise EncodingError(name, message)


def _strip_bom(line: str) -> str:
    return line[1:] if line.startswith(BOM) else line


def _split_block(lines: list[str], encoding: str = "utf-8",
                 on_undecodable: Optional[Callable[[int], None]] = None) -> list[str]:
    """Strip line terminators from a block read with ``readlines``; replace undecodable bytes."""
    text = "".join(lines)
    if text.endswith("\n"):
        text = text[:-1]
    parts = text.split("\n")
    if "\r" in text:
        parts = [part[:-1] if part.endswith("\r") else part for part in parts]
    if not text.isascii():
        try:
            text.encode("utf-8")  # fails only on lone surrogates: undecodable bytes (surrogateescape)
        except UnicodeEncodeError:
            replaced = 0
            for index, part in enumerate(parts):
                if _has_surrogate(part):
                    parts[index] = part.encode(encoding, "surrogateescape").decode(encoding, "replace")
                    replaced += 1
            if on_undecodable is not None and replaced:
                on_undecodable(replaced)
    return parts


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _strip_eol(line: str) -> str:
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    return line
