"""Model zips checked in Python before Deeplearning4j reads them, and the manifest that every save writes.

A ModelSerializer zip is code-adjacent: DL4J Java-deserialises a ``preprocessor.bin`` entry whenever there
is one, restores a ``CUSTOM`` normalizer by instantiating the class the file names, and its Jackson
configuration picks classes by name (``@class``). :func:`open_model` therefore inspects the zip with
:mod:`zipfile` first (``trusted=False``, the default), against the rules of ``model_policy.json`` (shared
with the JVM scorer's ``io.dl4jbridge.ModelCheck``):

* only the entries DL4J and dl4j_bridge write (:data:`ALLOWED_ENTRIES`); no ``preprocessor.bin``, no
  ``objects/*``, no absolute, ``..``, backslash or directory names, no duplicates, no encryption, only
  stored or deflated entries;
* zip-bomb limits: :data:`MAX_ENTRIES`, :data:`MAX_TOTAL_UNCOMPRESSED_BYTES` (declared sizes, and the bytes
  really inflated), and :data:`MAX_ENTRY_RATIO` for entries larger than :data:`RATIO_GRACE_BYTES`;
* ``normalizer.bin`` carries DL4J's ``NORMALIZER`` header and a standard type (not ``CUSTOM``);
* every class name in ``configuration.json`` (``@class``, ``type``, Jackson's ``[class, value]`` array
  form; duplicate keys refused) starts with ``org.deeplearning4j.`` or ``org.nd4j.``;
* the manifest (``dl4j_bridge.manifest.json``) matches every entry byte for byte (SHA-256 and size).

DL4J then reads a private copy (a 0700 temporary directory, a 0400 file, removed afterwards) holding
exactly the entries checked, re-written from the bytes that were hashed: the user's file is only ever opened
for reading, and DL4J never sees an entry that was not checked. ``trusted=True`` skips every check (the
private copy is then a byte copy of the file).

The manifest (format :data:`MANIFEST_FORMAT`, version :data:`MANIFEST_VERSION`)::

    {"format": "dl4j_bridge.manifest", "version": 1,
     "versions": {"dl4j_bridge": "0.1.0", "dl4j_bridge_git": "1609fe8a1b2c", "python": "3.11.2", "numpy": "1.26.4", "dl4j": "1.0.0-M2.1",
                  "java": "17.0.9"},
     "features": {"n_in": 52, "n_out": 2, "names": ["..."]},
     "etl_spec_sha256": "<hex> or null",
     "detector": {"kind": "...", "threshold": 0.5, "threshold_method": {...}} (detectors only),
     "entries": {"configuration.json": {"size": 3184, "sha256": "<hex>"}, "...": {}}}

Python fills ``versions`` (its part; ``dl4j_bridge_git`` only when it runs from a git checkout), ``features.names``
and ``detector``; Java's ``ModelIO.save`` adds the
DL4J and Java versions, ``n_in`` / ``n_out``, the hashes of the bytes it wrote, and writes the manifest last,
in the same atomic save as everything else.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import struct
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, Iterator, Optional

from .errors import ModelFileError, ModelIntegrityError, UntrustedModelError

log = logging.getLogger(__name__)

POLICY_FILE = Path(__file__).with_name("model_policy.json")
#: The rules, as read from ``model_policy.json`` (also packed into the jar for the JVM scorer).
POLICY: dict = json.loads(POLICY_FILE.read_text(encoding="utf-8"))

#: Deepest nesting of arrays and objects a model file's JSON document may have. A deeper one is refused before it
#: is parsed, as ``RecursionError`` (what Python 3.11 and 3.12 raise from about 1,000 levels): Python 3.13 parses
#: 8,000 levels, and with a JVM in the process it crashed (SIGSEGV, the process gone) on 12,000.
JSON_DOCUMENT_MAX_DEPTH = 900

_JSON_DEPTH_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


def json_loads(text: str, **kwargs):
    """``json.loads(text, **kwargs)`` of a model file's document, the same on every Python.

    Parameters
    ----------
    text : str
        The JSON document.
    **kwargs
        Passed to :func:`json.loads` (``object_pairs_hook``).

    Raises
    ------
    RecursionError
        The arrays and objects nest deeper than :data:`JSON_DOCUMENT_MAX_DEPTH` (brackets inside strings do not
        count); checked on the text, before parsing.
    ValueError
        Not valid JSON (:func:`json.loads`).
    """
    if text.count("[") + text.count("{") > JSON_DOCUMENT_MAX_DEPTH:
        depth = 0
        for token in _JSON_DEPTH_TOKENS.findall(text):
            if token in ("[", "{"):
                depth += 1
                if depth > JSON_DOCUMENT_MAX_DEPTH:
                    raise RecursionError(f"JSON nested deeper than {JSON_DOCUMENT_MAX_DEPTH} levels")
            elif token in ("]", "}"):
                depth -= 1
    return json.loads(text, **kwargs)


ALLOWED_ENTRIES = frozenset(POLICY["allowed_entries"])
REFUSED_ENTRIES: Dict[str, str] = dict(POLICY["refused_entries"])
CLASS_NAME_KEYS = frozenset(POLICY["class_name_keys"])
ALLOWED_CLASS_PREFIXES = tuple(POLICY["allowed_class_prefixes"])
NORMALIZER_TYPES = frozenset(POLICY["normalizer_types"])
COMPRESSION_METHODS = {int(k): v for k, v in POLICY["compression_methods"].items()}
MAX_ENTRIES = int(POLICY["max_entries"])
MAX_TOTAL_UNCOMPRESSED_BYTES = int(POLICY["max_total_uncompressed_bytes"])
MAX_ENTRY_RATIO = float(POLICY["max_entry_ratio"])
RATIO_GRACE_BYTES = int(POLICY["ratio_grace_bytes"])
MAX_JSON_DEPTH = int(POLICY["max_json_depth"])
#: Uncompressed size limit of each entry that is read whole into memory (JSON, ``normalizer.bin``).
MAX_ENTRY_BYTES: Dict[str, int] = {k: int(v) for k, v in POLICY["max_entry_bytes"].items()}
#: ND4J's allocation modes and the bytes of the length that follows each (``BaseDataBuffer.readHeader``).
ND4J_ALLOCATION_MODES: Dict[str, int] = {k: int(v) for k, v in POLICY["nd4j_allocation_modes"].items()}
#: Bytes per value of the ND4J data types DL4J's arrays are written in.
ND4J_ELEMENT_BYTES: Dict[str, int] = {k: int(v) for k, v in POLICY["nd4j_element_bytes"].items()}
ND4J_MAX_RANK = int(POLICY["nd4j_max_rank"])
#: ``-Djdk.serialFilter`` value the JVM starts with (deny by default), unless the user gives one.
SERIAL_FILTER: str = POLICY["serial_filter"]

MANIFEST_ENTRY = "dl4j_bridge.manifest.json"
MANIFEST_FORMAT = "dl4j_bridge.manifest"
MANIFEST_VERSION = 1
ETL_ENTRY = "dl4j_bridge.etl_spec.json"
CONFIGURATION_ENTRY = "configuration.json"
NORMALIZER_ENTRY = "normalizer.bin"
#: Entries that are one ND4J array each (``Nd4j.write``), read by DL4J with ``Nd4j.read``.
ARRAY_ENTRIES = ("coefficients.bin", "updaterState.bin")
#: How much of an array entry is kept for its check: its headers and shape (the values are only counted).
_ARRAY_HEAD = 4096

_CHUNK = 1 << 20
_CLASS_NAME = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$")
#: What to do about a damaged file (the JVM's ModelCheck says the same).
_DAMAGE_HINT = ("restore a backup, or save the model again from where it was trained (loading this file with "
                "trusted=True and saving it would keep the damage)")
_TRUST_HINT = "if you trust this file (you made it, or know who did), load it with trusted=True (command line: --trusted)"


@dataclasses.dataclass(frozen=True)
class EntryDigest:
    """Size and SHA-256 of one entry's uncompressed bytes."""

    size: int
    sha256: str


@dataclasses.dataclass
class ModelFile:
    """A checked model zip, readable through its private copy while :func:`open_model`'s block runs.

    Attributes
    ----------
    source : pathlib.Path
        The user's file (never opened for writing).
    path : pathlib.Path
        The private read-only copy DL4J reads.
    entries : dict of str to EntryDigest
        Every entry of the copy (empty when ``trusted``: nothing was read).
    manifest : dict or None
        The verified manifest, or None (trusted, or a file saved before manifests existed).
    """

    source: Path
    path: Path
    entries: Dict[str, EntryDigest]
    manifest: Optional[dict]
    _data: Dict[str, bytes] = dataclasses.field(default_factory=dict, repr=False)

    def has(self, name: str) -> bool:
        """Whether the zip holds an entry ``name``."""
        with zipfile.ZipFile(self.path) as zf:
            return name in zf.namelist()

    def text(self, name: str) -> Optional[str]:
        """The UTF-8 text of entry ``name``, or None when the zip has no such entry."""
        if name not in self._data:
            with zipfile.ZipFile(self.path) as zf:
                if name not in zf.namelist():
                    return None
                self._data[name] = zf.read(name)
        return self._data[name].decode("utf-8")


@contextlib.contextmanager
def open_model(path: os.PathLike, *, trusted: bool = False) -> Iterator[ModelFile]:
    """Check a model zip (unless ``trusted``) and yield a :class:`ModelFile` whose private copy DL4J may read.

    Parameters
    ----------
    path : path-like
        A ModelSerializer zip (a network saved by :meth:`Network.save` or a detector).
    trusted : bool
        Skip every check; the copy is then byte for byte the file.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    UntrustedModelError
        The zip holds something DL4J would run code for, or breaks a zip-bomb limit; the message names the
        entry or class and says how to load a file you trust.
    ModelIntegrityError
        An entry differs from the manifest, or the file is not a readable zip.
    ModelFileError
        The manifest is of a newer format than this dl4j_bridge reads.
    """
    source = Path(path)
    if source.is_dir():
        raise IsADirectoryError(f"{source} is a directory, not a model file: give the .zip a detector or network "
                                "was saved to")
    if not source.is_file():
        raise FileNotFoundError(f"no model file at {source}")
    private_dir = Path(tempfile.mkdtemp(prefix="dl4j_bridge-model-"))
    os.chmod(private_dir, stat.S_IRWXU)
    copy = private_dir / "model.zip"
    try:
        try:
            if trusted:
                shutil.copyfile(source, copy)
                model = ModelFile(source, copy, {}, None)
                _check_trusted_arrays(source, copy)
            else:
                model = _checked_copy(source, copy)
        except OSError as error:   # no room for the private copy: the temporary directory, not the model, is at fault
            if error.errno in _NO_ROOM:
                raise OSError(error.errno, f"cannot copy {source} into the temporary directory {private_dir.parent} "
                              f"to check and load it: {error.strerror}: free space there, or point TMPDIR at a "
                              "directory with room", str(private_dir.parent)) from None
            raise
        os.chmod(copy, stat.S_IRUSR)
        yield model
    finally:
        shutil.rmtree(private_dir, ignore_errors=True)


#: Write errors that mean the private copy's directory is full, not that the model file is damaged.
_NO_ROOM = (errno.ENOSPC, errno.EDQUOT)


# -- the checks ----------------------------------------------------------------------------------------
def _checked_copy(source: Path, copy: Path) -> ModelFile:
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise ModelIntegrityError(f"{source} is not a readable zip file ({error}); a model file is the zip that "
                                  "Network.save or detector.save writes; if this is one, it is truncated or damaged: "
                                  + _DAMAGE_HINT) from None
    with zf:
        infos = zf.infolist()
        _check_directory(source, infos)
        entries: Dict[str, EntryDigest] = {}
        kept: Dict[str, bytes] = {}
        heads: Dict[str, tuple] = {}
        inflated = 0
        with zipfile.ZipFile(copy, "w", compression=zipfile.ZIP_STORED) as out:
            for info in infos:
                digest = hashlib.sha256()
                keep = bytearray() if info.filename.endswith(".json") or info.filename == NORMALIZER_ENTRY else None
                head = bytearray() if info.filename in ARRAY_ENTRIES else None
                limit = MAX_ENTRY_BYTES.get(info.filename)
                target = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                size = 0
                try:
                    with zf.open(info) as src, out.open(target, "w", force_zip64=info.file_size > 2**31 - 1) as dst:
                        while True:
                            chunk = src.read(_CHUNK)
                            if not chunk:
                                break
                            size += len(chunk)
                            inflated += len(chunk)
                            if limit is not None and size > limit:
                                raise UntrustedModelError(
                                    f"{source}: entry {info.filename!r} inflates beyond its limit of {limit} bytes "
                                    f"(a real one holds a few KB; a zip bomb?); {_TRUST_HINT}")
                            if inflated > MAX_TOTAL_UNCOMPRESSED_BYTES:
                                raise UntrustedModelError(
                                    f"{source}: entry {info.filename!r} inflates beyond the limit of "
                                    f"{MAX_TOTAL_UNCOMPRESSED_BYTES} bytes (a zip bomb?); {_TRUST_HINT}")
                            digest.update(chunk)
                            dst.write(chunk)
                            if keep is not None:
                                keep += chunk
                            if head is not None and len(head) < _ARRAY_HEAD:
                                head += chunk[:_ARRAY_HEAD - len(head)]
                except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
                    # an entry longer than its declared size ends at that size (zipfile reads no further) and
                    # fails its CRC here: damage, as the JVM's ModelCheck says too
                    if isinstance(error, UntrustedModelError) or (isinstance(error, OSError)
                                                                  and error.errno in _NO_ROOM):
                        raise
                    raise ModelIntegrityError(f"{source}: entry {info.filename!r} cannot be read ({error}); the "
                                              "file is damaged: " + _DAMAGE_HINT) from None
                entries[info.filename] = EntryDigest(size, digest.hexdigest())
                if keep is not None:
                    kept[info.filename] = bytes(keep)
                if head is not None:
                    heads[info.filename] = (bytes(head), size)
    normalizer = kept.pop(NORMALIZER_ENTRY, None)
    _check_normalizer(source, normalizer)
    if CONFIGURATION_ENTRY in kept:
        check_classes(_utf8(source, CONFIGURATION_ENTRY, kept[CONFIGURATION_ENTRY]),
                      where=f"{source}: {CONFIGURATION_ENTRY}")
    manifest_text = _utf8(source, MANIFEST_ENTRY, kept[MANIFEST_ENTRY]) if MANIFEST_ENTRY in kept else None
    manifest = verify_manifest(source, manifest_text, entries)
    check_arrays(source, heads, normalizer)
    return ModelFile(source, copy, entries, manifest, kept)


def _utf8(source: Path, name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UntrustedModelError(f"{source}: entry {name!r} is not UTF-8 text ({error}); {_TRUST_HINT}") from None


def _check_directory(source: Path, infos) -> None:
    """Names, counts, methods and declared sizes, from the central directory, before anything is inflated."""
    if len(infos) > MAX_ENTRIES:
        raise UntrustedModelError(f"{source} has {len(infos)} entries, more than the limit of {MAX_ENTRIES} "
                                  f"(a model zip has at most {len(ALLOWED_ENTRIES)}); {_TRUST_HINT}")
    seen = set()
    total = 0
    for info in infos:
        name = info.filename
        reason = entry_refusal(name)
        if reason is None and name in seen:
            reason = "it appears twice (readers disagree on which copy counts)"
        if reason is None and info.compress_type not in COMPRESSION_METHODS:
            reason = (f"it uses compression method {info.compress_type}; model zips use "
                      + " or ".join(COMPRESSION_METHODS.values()))
        if reason is None and info.flag_bits & 0x1:
            reason = "it is encrypted"
        if reason is None and info.file_size > MAX_ENTRY_BYTES.get(name, info.file_size):
            reason = (f"it declares {info.file_size} bytes uncompressed, more than its limit of "
                      f"{MAX_ENTRY_BYTES[name]} (a real one holds a few KB; a zip bomb?)")
        if reason is None and info.file_size > RATIO_GRACE_BYTES and \
                info.file_size > MAX_ENTRY_RATIO * max(info.compress_size, 1):
            reason = (f"it inflates {info.compress_size} bytes to {info.file_size} (more than {MAX_ENTRY_RATIO:g}:1 "
                      f"beyond {RATIO_GRACE_BYTES} bytes: a zip bomb?)")
        if reason is not None:
            raise UntrustedModelError(f"{source}: refused entry {name!r}: {reason}; {_TRUST_HINT}")
        seen.add(name)
        total += info.file_size
        if total > MAX_TOTAL_UNCOMPRESSED_BYTES:
            raise UntrustedModelError(f"{source}: the entries declare more than {MAX_TOTAL_UNCOMPRESSED_BYTES} bytes "
                                      f"uncompressed (the limit; a zip bomb?); {_TRUST_HINT}")


def entry_refusal(name: str) -> Optional[str]:
    """Why an entry name is refused, or None when it is one of :data:`ALLOWED_ENTRIES`."""
    if name in ALLOWED_ENTRIES:
        return None
    for refused, why in REFUSED_ENTRIES.items():
        if name == refused or (refused.endswith("/") and name.startswith(refused)):
            return why
    if not name or name.startswith("/") or "\\" in name or name.endswith("/") or "\x00" in name \
            or ".." in name.split("/") or re.match(r"^[A-Za-z]:", name):
        return "an absolute, parent-relative, backslash or directory name (path traversal)"
    return ("it is not an entry DL4J or dl4j_bridge writes (expected only: " + ", ".join(sorted(ALLOWED_ENTRIES))
            + ")")


def _check_normalizer(source: Path, raw: Optional[bytes]) -> None:
    if raw is None:
        return
    try:
        header, offset = _read_utf(raw, 0)
        offset += 4  # the serializer version (int)
        kind, _ = _read_utf(raw, offset)
    except (ValueError, struct.error, UnicodeDecodeError):
        header, kind = None, None
    if header != "NORMALIZER":
        raise UntrustedModelError(f"{source}: refused entry 'normalizer.bin': it lacks DL4J's NORMALIZER header (an "
                                  "old Java-serialised normalizer, which DL4J would deserialise and rewrite the file "
                                  f"with); {_TRUST_HINT}")
    if kind not in NORMALIZER_TYPES:
        raise UntrustedModelError(f"{source}: refused entry 'normalizer.bin': normalizer type {kind!r} is not one of "
                                  f"DL4J's standard ones ({', '.join(sorted(NORMALIZER_TYPES))}); restoring a CUSTOM "
                                  f"normalizer instantiates the class the file names; {_TRUST_HINT}")


def _read_utf(raw: bytes, offset: int):
    """Java's ``DataInputStream.readUTF``: a big-endian unsigned short length, then (modified) UTF-8."""
    (length,) = struct.unpack_from(">H", raw, offset)
    end = offset + 2 + length
    if end > len(raw):
        raise ValueError("truncated")
    return raw[offset + 2:end].decode("utf-8"), end


# -- ND4J arrays ---------------------------------------------------------------------------------------
class _ArrayDamage(Exception):
    """Why the bytes of an entry are not the ND4J arrays DL4J expects (internal; see :func:`check_arrays`)."""


class _LengthDamage(_ArrayDamage):
    """A buffer declares more values than the entry holds: what makes DL4J allocate beyond the file."""


class _Bytes:
    """A big-endian cursor over the first ``len(data)`` bytes of an entry of ``size`` bytes."""

    def __init__(self, data: bytes, size: Optional[int] = None, pos: int = 0):
        self.data, self.size, self.pos = data, len(data) if size is None else size, pos

    def left(self) -> int:
        return self.size - self.pos

    def take(self, n: int, what: str) -> bytes:
        if n > self.left():
            raise _ArrayDamage(f"it ends inside {what} (at byte {self.pos})")
        if self.pos + n > len(self.data):   # only an array entry's head is kept: far longer than any header
            raise _ArrayDamage(f"{what} at byte {self.pos} is longer than any ND4J writes")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def skip(self, n: int) -> None:
        self.pos += n

    def number(self, n: int, what: str) -> int:
        return int.from_bytes(self.take(n, what), "big", signed=True)

    def utf(self, what: str) -> str:
        return self.take(self.number(2, what) & 0xFFFF, what).decode("utf-8", "replace")


def _buffer_header(r: _Bytes, what: str):
    """One ``BaseDataBuffer`` header: (length, data type, bytes per value); the length must fit in the entry."""
    mode = r.utf(what)
    if mode not in ND4J_ALLOCATION_MODES:
        raise _ArrayDamage(f"{what} has allocation mode {mode[:40]!r}, not one of ND4J's")
    length = r.number(ND4J_ALLOCATION_MODES[mode], what)
    dtype = r.utf(what)
    if dtype not in ND4J_ELEMENT_BYTES:
        raise _ArrayDamage(f"{what} has data type {dtype[:40]!r}, not one DL4J writes arrays in")
    width = ND4J_ELEMENT_BYTES[dtype]
    if length < 0:
        raise _LengthDamage(f"{what} declares a negative number of values ({length})")
    if length * width > r.left():
        raise _LengthDamage(f"{what} declares {length} {dtype} values ({length * width} bytes) but only {r.left()} "
                           "bytes follow (DL4J would allocate them before reading)")
    return length, dtype, width


def _array(r: _Bytes, what: str) -> None:
    """One ``Nd4j.write`` array: its shape buffer, then its data buffer, whose values the shape must stay within."""
    length, _, width = _buffer_header(r, f"{what}'s shape")
    if not 4 <= length <= 2 * ND4J_MAX_RANK + 4:
        raise _ArrayDamage(f"{what}'s shape holds {length} values, not an ND4J shape of rank 0 to {ND4J_MAX_RANK}")
    info = [r.number(width, f"{what}'s shape") for _ in range(length)]
    rank = info[0]
    if length != 2 * rank + 4:
        raise _ArrayDamage(f"{what}'s shape says rank {rank} in {length} values")
    dims, strides = info[1:1 + rank], info[1 + rank:1 + 2 * rank]
    if any(d < 0 for d in dims):
        raise _ArrayDamage(f"{what} has a negative dimension in its shape {dims}")
    count, _, width = _buffer_header(r, f"{what}'s data")
    reach = 1 + sum((d - 1) * abs(s) for d, s in zip(dims, strides) if d > 0)
    if 0 not in dims and reach > count:
        raise _ArrayDamage(f"{what}'s shape {dims} (strides {strides}) reaches value {reach} of its {count}")
    r.skip(count * width)


def _normalizer_arrays(raw: bytes) -> None:
    """The arrays of a ``normalizer.bin`` (``NormalizerSerializer``): read as its strategy reads them for the
    types whose layout is fixed, else every array header in it (none of a header's bytes can hide elsewhere)."""
    r = _Bytes(raw)
    if r.utf("the header") != "NORMALIZER":
        return   # not NormalizerSerializer's format: refused by _check_normalizer unless trusted
    r.take(4, "the header")
    kind = r.utf("the header")
    if kind in ("STANDARDIZE", "MIN_MAX", "MULTI_STANDARDIZE", "MULTI_MIN_MAX"):
        fit_labels = r.take(1, "the header") != b"\x00"
        inputs = outputs = 1
        if kind.startswith("MULTI_"):
            inputs, outputs = r.number(4, "the header"), r.number(4, "the header")
        if kind.endswith("MIN_MAX"):
            r.take(16, "the header")   # the target range (two doubles)
        count = 2 * max(inputs, 0) + (2 * max(outputs, 0) if fit_labels else 0)
        for i in range(count):
            _array(r, f"array {i + 1}")
    elif kind != "CUSTOM":   # CUSTOM: Java-serialised, the user's own class (trusted only)
        for mode in ND4J_ALLOCATION_MODES:
            needle = struct.pack(">H", len(mode)) + mode.encode()
            at = raw.find(needle)
            while at >= 0:
                header = _Bytes(raw, pos=at)
                try:
                    _buffer_header(header, f"the array header at byte {at}")
                except _LengthDamage:
                    raise
                except _ArrayDamage:   # not a header DL4J reads (it would fail there, allocating nothing)
                    pass
                at = raw.find(needle, at + 1)


def check_arrays(source: Path, heads: Dict[str, tuple], normalizer: Optional[bytes]) -> None:
    """Refuse an ND4J array whose headers are not what DL4J reads safely, before DL4J reads it.

    ``Nd4j.read`` allocates the number of values a header declares before reading any (2^40 of them crashed
    the JVM: a SIGSEGV), so every buffer's declared length times its value size must fit in the bytes left in
    the entry, and the shape must stay within the data. ``heads``: entry name to (its first bytes, its size).
    Applied to every load, trusted ones too: trust does not make such a file loadable.
    """
    checks = [(name, lambda n=name: _array(_Bytes(*heads[n]), "the array")) for name in ARRAY_ENTRIES
              if name in heads]
    if normalizer is not None:
        checks.append((NORMALIZER_ENTRY, lambda: _normalizer_arrays(normalizer)))
    for name, check in checks:
        try:
            check()
        except _ArrayDamage as damage:
            raise ModelIntegrityError(f"{source}: entry {name!r} is not a readable ND4J array: {damage}; the file is "
                                      f"damaged (or was altered): {_DAMAGE_HINT}") from None


def _check_trusted_arrays(source: Path, copy: Path) -> None:
    """:func:`check_arrays` for a trusted load (nothing else is checked); a zip Python cannot read is left to DL4J."""
    heads: Dict[str, tuple] = {}
    normalizer = None
    try:
        with zipfile.ZipFile(copy) as zf:
            names = set(zf.namelist())
            for name in ARRAY_ENTRIES:
                if name in names:
                    with zf.open(name) as src:
                        head = src.read(_ARRAY_HEAD)
                        size = len(head)
                        while True:
                            chunk = src.read(_CHUNK)
                            if not chunk:
                                break
                            size += len(chunk)
                    heads[name] = (head, size)
            if NORMALIZER_ENTRY in names:
                normalizer = zf.read(NORMALIZER_ENTRY)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError):
        return
    check_arrays(source, heads, normalizer)


def check_classes(text: str, *, where: str) -> None:
    """Refuse a class name outside :data:`ALLOWED_CLASS_PREFIXES` anywhere Jackson would load one by name.

    Class names sit in the values of :data:`CLASS_NAME_KEYS` (``@class``; ``type`` for DL4J's
    distributions), in object keys that look like class names, and in Jackson's ``[class, value]`` array
    form. Duplicate keys are refused (Jackson and Python would pick different ones).
    """
    try:
        doc = json_loads(text, object_pairs_hook=_no_duplicates(where))
    except RecursionError:
        raise UntrustedModelError(f"{where} nests deeper than Python can parse; {_TRUST_HINT}") from None
    except ValueError as error:
        if isinstance(error, UntrustedModelError):
            raise
        raise UntrustedModelError(f"{where} is not valid JSON ({error}); {_TRUST_HINT}") from None
    _walk_classes(doc, where, 0)


def _no_duplicates(where):
    def hook(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            duplicated = sorted({k for k in keys if keys.count(k) > 1})
            raise UntrustedModelError(f"{where} repeats the key(s) {duplicated} in one object (DL4J's reader and "
                                      f"this check could see different values); {_TRUST_HINT}")
        return dict(pairs)

    return hook


def _walk_classes(node, where: str, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise UntrustedModelError(f"{where} nests deeper than {MAX_JSON_DEPTH} levels; {_TRUST_HINT}")
    if isinstance(node, dict):
        for key, value in node.items():
            if key in CLASS_NAME_KEYS and isinstance(value, str):
                _allow_class(value, where, f"'{key}'")
            elif _CLASS_NAME.match(key):
                _allow_class(key, where, "an object key")
            _walk_classes(value, where, depth + 1)
    elif isinstance(node, list):
        if len(node) == 2 and isinstance(node[0], str) and isinstance(node[1], (dict, list)):
            _allow_class(node[0], where, "a [class, value] array")
        for value in node:
            _walk_classes(value, where, depth + 1)


def _allow_class(name: str, where: str, what: str) -> None:
    if not name.startswith(ALLOWED_CLASS_PREFIXES):
        raise UntrustedModelError(f"{where}: refused class {name!r} (in {what}): only classes under "
                                  f"{' or '.join(ALLOWED_CLASS_PREFIXES)} are loaded from an untrusted file, since "
                                  f"DL4J instantiates the classes its configuration names; {_TRUST_HINT}")


# -- the manifest --------------------------------------------------------------------------------------
def verify_manifest(source: Path, text: Optional[str], entries: Dict[str, EntryDigest]) -> Optional[dict]:
    """Check every entry against the manifest; None (and a warning) for a file saved before manifests."""
    if text is None:
        log.warning("%s has no %s: it was saved before dl4j_bridge wrote manifests, or its manifest was removed, so "
                    "its entries cannot be verified (a changed threshold or network would go unnoticed); if you "
                    "made it, load it and save it again (Network.save / detector.save) to add one",
                    source, MANIFEST_ENTRY)
        return None
    try:
        manifest = json_loads(text, object_pairs_hook=_no_duplicates(f"{source}: {MANIFEST_ENTRY}"))
    except ValueError as error:
        if isinstance(error, ModelFileError):
            raise
        raise ModelIntegrityError(f"{source}: {MANIFEST_ENTRY} is not valid JSON ({error}); the file is damaged: "
                                  + _DAMAGE_HINT) from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise ModelIntegrityError(f"{source}: {MANIFEST_ENTRY} is not a dl4j_bridge manifest (format "
                                  f"{manifest.get('format') if isinstance(manifest, dict) else None!r})")
    version = manifest.get("version")
    if not isinstance(version, int) or version < 1:
        raise ModelIntegrityError(f"{source}: {MANIFEST_ENTRY} has no valid version ({version!r})")
    if version > MANIFEST_VERSION:
        raise ModelFileError(f"{source} was written by a newer dl4j_bridge (manifest version {version}; this one "
                             f"reads up to {MANIFEST_VERSION}): upgrade dl4j_bridge (pip install -U dl4j-bridge, or "
                             "pull and rebuild the checkout) to load it")
    listed = manifest.get("entries")
    if not isinstance(listed, dict):
        raise ModelIntegrityError(f"{source}: {MANIFEST_ENTRY} lists no entries")
    for name, digest in entries.items():
        if name == MANIFEST_ENTRY:
            continue
        expected = listed.get(name)
        if expected is None:
            raise ModelIntegrityError(f"{source}: entry {name!r} is not in the manifest: it was added after the file "
                                      "was saved; re-save the model from its source, or remove the entry")
        if expected.get("size") != digest.size or expected.get("sha256") != digest.sha256:
            raise ModelIntegrityError(
                f"{source}: entry {name!r} differs from the manifest (size {digest.size}, expected "
                f"{expected.get('size')}; SHA-256 {digest.sha256[:16]}..., expected {str(expected.get('sha256'))[:16]}"
                "...): the file was changed or damaged after it was saved; " + _DAMAGE_HINT)
    missing = sorted(set(listed) - set(entries))
    if missing:
        raise ModelIntegrityError(f"{source}: entries {missing} are in the manifest but not in the file: it lost them "
                                  "after it was saved; " + _DAMAGE_HINT)
    return manifest


def manifest_fields(*, feature_names=None, detector: Optional[dict] = None) -> dict:
    """The manifest fields Python knows (Java's ``ModelIO.save`` adds the rest), as a dict for JSON."""
    import platform

    import numpy

    from .version import __version__, git_revision

    versions = {"dl4j_bridge": __version__, "python": platform.python_version(), "numpy": numpy.__version__}
    if git_revision() is not None:
        versions["dl4j_bridge_git"] = git_revision()
    fields = {"versions": versions,
              "features": {"names": list(feature_names) if feature_names is not None else None}}
    if detector is not None:
        fields["detector"] = detector
    return fields
