"""Lines of a TOML run config: where each table, array-of-tables entry and key is written.

``tomllib`` gives values without positions, so a config error could name the table and key but not the line. The
scanner below reads the TOML text again (``tomllib`` has already validated its syntax, so it is lenient) and maps
each path to the line it is defined on; :func:`error_line` finds the line a :class:`ConfigError` message is about.
"""

from __future__ import annotations

import bisect
import re
from typing import Dict, Optional, Tuple

#: A path in the config: table names and keys (str) and array indexes (int), e.g. ``("transforms", 0, "column")``.
Path = Tuple[object, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.lines: Dict[Path, int] = {}
        self.arrays: Dict[Path, int] = {}   # array-of-tables path -> entries so far

    def line(self, index: int) -> int:
        return bisect.bisect_right(self.starts, index)

    def put(self, path: Path, index: int) -> None:
        self.lines.setdefault(path, self.line(index))

    def blank(self, i: int, newlines: bool) -> int:
        """``i`` past spaces, tabs, comments and (if ``newlines``) line ends."""
        text = self.text
        while i < len(text):
            c = text[i]
            if c in " \t\r" or (newlines and c == "\n"):
                i += 1
            elif c == "#":
                end = text.find("\n", i)
                i = len(text) if end < 0 else end
            else:
                break
        return i

    def string(self, i: int) -> Tuple[str, int]:
        """The string starting at ``i`` (any of the four kinds) and the index past it."""
        text = self.text
        for quote in ('"""', "'''"):
            if text.startswith(quote, i):
                j = i + 3
                while True:
                    end = text.find(quote, j)
                    if end < 0:
                        return text[i + 3:], len(text)
                    if quote == '"""' and _escaped(text, end):
                        j = end + 1
                        continue
                    while text.startswith(quote[0], end + 3):   # up to two quotes may end the content
                        end += 1
                    return text[i + 3:end], end + 3
        quote = text[i]
        j = i + 1
        while j < len(text) and text[j] != quote and text[j] != "\n":
            j += 2 if quote == '"' and text[j] == "\\" else 1
        raw = text[i + 1:j]
        if quote == '"':
            try:
                raw = raw.encode("latin-1", "backslashreplace").decode("unicode_escape")
            except UnicodeDecodeError:
                pass
        return raw, j + 1

    def key(self, i: int) -> Tuple[list, int]:
        """A dotted key at ``i``: its parts and the index past it."""
        parts = []
        while True:
            i = self.blank(i, False)
            if i < len(self.text) and self.text[i] in "\"'":
                part, i = self.string(i)
            else:
                match = _BARE.match(self.text, i)
                if not match:
                    return parts, i
                part, i = match.group(), match.end()
            parts.append(part)
            i = self.blank(i, False)
            if i < len(self.text) and self.text[i] == ".":
                i += 1
            else:
                return parts, i

    def value(self, i: int, path: Path) -> int:
        text = self.text
        i = self.blank(i, False)
        if i >= len(text):
            return i
        c = text[i]
        if c in "\"'":
            return self.string(i)[1]
        if c == "[":
            i, index = i + 1, 0
            while True:
                i = self.blank(i, True)
                if i >= len(text) or text[i] == "]":
                    return i + 1
                if text[i] == ",":
                    i += 1
                    continue
                self.put(path + (index,), i)
                i = self.value(i, path + (index,))
                index += 1
        if c == "{":
            i += 1
            while True:
                i = self.blank(i, True)
                if i >= len(text) or text[i] == "}":
                    return i + 1
                if text[i] == ",":
                    i += 1
                    continue
                i = self.pair(i, path)
        match = re.compile(r"[^,\]}\s#]+").match(text, i)
        return match.end() if match else i + 1

    def pair(self, i: int, path: Path) -> int:
        start = i
        parts, i = self.key(i)
        for n in range(1, len(parts) + 1):
            self.put(path + tuple(parts[:n]), start)
        i = self.blank(i, False)
        if i < len(self.text) and self.text[i] == "=":
            i += 1
        return self.value(i, path + tuple(parts))

    def header(self, i: int) -> Tuple[Path, int]:
        array = self.text.startswith("[[", i)
        start = i
        parts, i = self.key(i + (2 if array else 1))
        resolved: list = []
        for n, part in enumerate(parts):
            resolved.append(part)
            last = n == len(parts) - 1
            if tuple(resolved) in self.arrays and not (array and last):
                resolved.append(self.arrays[tuple(resolved)] - 1)
            self.put(tuple(resolved), start)
        if array:
            count = self.arrays.get(tuple(resolved), 0)
            self.arrays[tuple(resolved)] = count + 1
            resolved.append(count)
            self.put(tuple(resolved), start)
        end = self.text.find("\n", i)
        return tuple(resolved), len(self.text) if end < 0 else end

    def scan(self) -> Dict[Path, int]:
        text, i, table = self.text, 0, ()
        while True:
            i = self.blank(i, True)
            if i >= len(text):
                return self.lines
            if text[i] == "[":
                table, i = self.header(i)
            else:
                i = self.pair(i, table)


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def config_lines(text: str) -> Dict[Path, int]:
    """The line (from 1) each table, array-of-tables entry and key of the TOML ``text`` is defined on.

    Parameters
    ----------
    text : str
        A TOML document that ``tomllib`` has read without error.

    Returns
    -------
    dict
        Path -> line. A path holds table names and keys, and for an array-of-tables entry or an array element its
        index (from 0): ``("reader", "mode")``, ``("transforms", 1, "column")``, ``("detectors", "ne")``. A table
        defined only by dotted keys is at the line of its first key.
    """
    return _Scanner(text).scan()


_SUBJECT = re.compile(r"\[\[([^\[\]]+)\]\](?: number (\d+))?|\[([^\[\]]+)\]")
_AFTER_SUBJECT = re.compile(r"(?: \([^()]*\))?:?")


def error_line(message: str, lines: Dict[Path, int]) -> Optional[int]:
    """The config line a config error ``message`` is about, or None.

    The subject is the first ``[table]`` (or ``[[table]] number N``) the message names that the config has; then,
    in the rest of the message, the first of that table's keys it names (and so on into a sub-table or inline
    table): the line of that key, else of the table.

    Parameters
    ----------
    message : str
        A :class:`~dl4j_bridge.detectors.run.ConfigError` message, e.g. ``"[sequence] length must be ..."``.
    lines : dict
        :func:`config_lines` of the config.

    Returns
    -------
    int or None
        The line (from 1); None when the message names no table of the config (e.g. a table that is missing).
    """
    for match in _SUBJECT.finditer(message):
        scanner = _Scanner(match.group(1) or match.group(3))
        parts, _ = scanner.key(0)
        path: Path = tuple(parts)
        if match.group(1) and match.group(2):
            path += (int(match.group(2)) - 1,)
        if path not in lines:
            continue
        rest = message[match.end():]
        rest = rest[_AFTER_SUBJECT.match(rest).end():]   # "(kind 'jsonl'):" names the kind, not the key at fault
        while True:
            children = {p[-1] for p in lines if len(p) == len(path) + 1 and p[:-1] == path and isinstance(p[-1], str)}
            found = None
            for child in children:
                hit = re.search(r"(?<![\w.-])" + re.escape(child) + r"(?![\w-])", rest)
                if hit and (found is None or hit.start() < found[1].start()):
                    found = (child, hit)
            if found is None:
                return lines[path]
            path += (found[0],)
            rest = rest[found[1].end():]
    return None
