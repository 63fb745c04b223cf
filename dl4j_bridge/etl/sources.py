"""Opening log sources: paths (plain or ``.gz``) and in-memory lines.

A *source* is either a filesystem path (``str`` or :class:`os.PathLike`) or an
iterable of strings (one log line each, with or without the trailing newline).
Files are read in blocks of whole lines so that memory stays bounded no matter
how large the file is.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Iterable, Iterator
from typing import Union

__all__ = ["Source", "source_name", "iter_line_blocks", "is_path"]

Source = Union[str, "os.PathLike[str]", Iterable[str]]

#: Bytes of text requested per block when reading a file (whole lines).
DEFAULT_BLOCK_BYTES = 8 * 1024 * 1024


def is_path(source: object) -> bool:
    """Return True when ``source`` names a file rather than holding lines."""
    return isinstance(source, (str, os.PathLike))


def source_name(source: object) -> str:
    """Name used in error messages and quarantine records."""
    if is_path(source):
        return os.fspath(source)  # type: ignore[arg-type]
    return "<lines>"


def _open_text(path: str, encoding: str) -> io.TextIOBase:
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding=encoding, errors="replace", newline="\n")
    return open(path, "r", encoding=encoding, errors="replace", newline="\n")


def iter_line_blocks(
    source: Source,
    *,
    encoding: str = "utf-8",
    block_lines: int = 100_000,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> Iterator[list[str]]:
    """Yield blocks of lines, each line without its line terminator.

    Parameters
    ----------
    source : path or iterable of str
        File path (``.gz`` is decompressed on the fly) or iterable of lines.
    encoding : str
        Text encoding of files; undecodable bytes become U+FFFD (the line is
        kept, never dropped).
    block_lines : int
        Maximum lines per block for in-memory input.
    block_bytes : int
        Approximate number of bytes per block for file input.

    Yields
    ------
    list of str
        Consecutive lines; concatenating all blocks gives every line of the
        source in order, so line numbers can be counted across blocks.
    """
    if is_path(source):
        path = os.fspath(source)  # type: ignore[arg-type]
        with _open_text(path, encoding) as handle:
            while True:
                lines = handle.readlines(block_bytes)
                if not lines:
                    return
                yield _split_block(lines)
        return
    if isinstance(source, (bytes, bytearray)):
        raise TypeError("pass text lines or a path, not bytes")
    block: list[str] = []
    for line in source:  # type: ignore[union-attr]
        block.append(_strip_eol(line))
        if len(block) >= block_lines:
            yield block
            block = []
    if block:
        yield block


def _split_block(lines: list[str]) -> list[str]:
    """Strip line terminators from a block read with ``readlines``."""
    text = "".join(lines)
    if text.endswith("\n"):
        text = text[:-1]
    parts = text.split("\n")
    if "\r" in text:
        parts = [part[:-1] if part.endswith("\r") else part for part in parts]
    return parts


def _strip_eol(line: str) -> str:
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    return line
