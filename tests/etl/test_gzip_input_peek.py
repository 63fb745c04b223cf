"""GzipInput knows a gzip header even when the stream's first read hands out one byte (a pipe may)."""

from __future__ import annotations

import gzip
import io

import pytest

from dl4j_bridge.etl import ByteStream, TextReader, TrailingDataError
from dl4j_bridge.etl.errors import SourceError
from dl4j_bridge.etl.sources import GzipInput

FORMAT = "<Date> <Time> <Level> <Component>: <Content>"
LINES = [f"081109 2035{i:02d} INFO dfs.DataNode: Receiving block blk_{i}" for i in range(5)]


class _Trickle(io.RawIOBase):
    """A raw stream whose reads hand out at most ``sizes[i]`` bytes (then up to 7), as a pipe may."""

    def __init__(self, data: bytes, sizes=(1,)):
        super().__init__()
        self._data, self._sizes, self._reads = data, list(sizes), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = self._sizes[self._reads] if self._reads < len(self._sizes) else 7
        self._reads += 1
        chunk, self._data = self._data[:min(size, len(buffer))], self._data[min(size, len(buffer)):]
        buffer[:len(chunk)] = chunk
        return len(chunk)


def _pipe(data: bytes, sizes=(1,)) -> io.BufferedReader:
    stream = io.BufferedReader(_Trickle(data, sizes))
    assert len(stream.peek(2)) == (1 if data and sizes[0] == 1 else min(2, len(data), sizes[0]))
    return io.BufferedReader(_Trickle(data, sizes))


def test_a_one_byte_first_read_does_not_hide_the_gzip_header():
    packed = gzip.compress(("\n".join(LINES) + "\n").encode())
    gz = GzipInput(_pipe(packed))
    assert gz.starts_with_header
    assert TextReader(FORMAT).read(ByteStream(gz, "pipe.gz"))["Content"].tolist() == \
        [line.split(": ", 1)[1] for line in LINES]
    # data after the gzip stream: named as such, not as a file that is no gzip at all
    with pytest.raises(TrailingDataError, match=r"^pipe\.gz: cannot read past line \d+: the data after the gzip"):
        TextReader(FORMAT).read(ByteStream(GzipInput(_pipe(packed + b"junk")), "pipe.gz"))


def test_short_and_plain_pipes_are_no_gzip_header():
    for data in (b"", b"\x1f", b"\x1fx", LINES[0].encode()):
        gz = GzipInput(_pipe(data))
        assert not gz.starts_with_header
        if data:
            with pytest.raises(SourceError, match=r"cannot read past line 0: BadGzipFile: Not a gzipped file") as raised:
                TextReader(FORMAT).read(ByteStream(gz, "pipe.gz"))
            assert not isinstance(raised.value, TrailingDataError)
        else:   # empty input is empty, as for a file
            assert TextReader(FORMAT).read(ByteStream(gz, "pipe.gz")).empty


def test_a_full_peek_consumes_nothing():
    packed = gzip.compress(b"x\n")
    stream = io.BufferedReader(io.BytesIO(packed))
    gz = GzipInput(stream)
    assert gz.starts_with_header and gz.fileobj is stream and stream.tell() == 0
