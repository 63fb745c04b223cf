"""Readers: raw text, JSON-lines and CSV logs to pandas chunks.

Every reader turns a source (path, ``.gz`` path, or iterable of lines) into
a stream of :class:`pandas.DataFrame` chunks.  Each chunk has one column per
field plus ``line_number`` (int64, 1-based physical line where the record
starts).  Memory is bounded by the chunk size, not by the file size.

Bad lines follow an explicit policy:

* ``mode="strict"`` raises :class:`~dl4j_bridge.etl.errors.BadRecordError` with
  file, line number, field and reason at the first bad line;
* ``mode="lenient"`` skips the line, counts it per reason in
  :attr:`Reader.report` and, when ``quarantine`` is set, appends it as one JSON
  object per line (``source``, ``line``, ``field``, ``reason``, ``text``) to
  the quarantine file.

The quarantine collects the rejected lines of every source a reader reads: its
first read starts the file afresh, later reads append, and a source already read
to its end (the same file, unchanged; the same in-memory lines) is not written
twice -- a pipeline reads its sources several times.  The "N bad lines" warning
is likewise logged once per source.

Nothing is dropped silently: blank lines are counted in the report too.  In
lenient mode every physical line is accounted for::

    lines == header_lines + records + continuation_lines + blank_lines + bad_lines

(a multi-line record -- a stack trace joined to its text line, a CSV row with
a quoted cell spanning lines -- is one record or one bad line plus its
continuation lines).  Undecodable bytes become U+FFFD; the lines holding them
are kept and counted in ``undecodable_lines``.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import csv
import functools
import hashlib
import json
import logging
import math
import numbers
import os
import re
import sys
import threading
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field as dc_field
from typing import Any

import numpy as np
import pandas as pd

from .distinct import map_distinct
from .errors import (KEY_SAMPLE_RECORDS, AbsentFieldError, BadLineError, BadRecordError, EtlError,
                     QuarantineError, SourceError, SpecError, absent_field_warning)
from .jsonsyntax import INT_MAX_DIGITS, describe_json_error
from .sources import IdleBlock, Source, is_path, iter_line_blocks, source_name

__all__ = [
    "ReadReport",
    "Reader",
    "TextReader",
    "JsonLinesReader",
    "CsvReader",
    "format_to_regex",
    "format_capture",
    "format_read_regex",
    "format_guard",
    "optional_segment",
    "to_numbers",
    "python_regex_to_java",
    "java_regex_to_python",
    "reader_from_dict",
    "DEFAULT_CONTINUATION",
    "LINE_RULES",
    "FIELD_TYPES",
]

logger = logging.getLogger(__name__)

#: Types a reader can check a field against.
FIELD_TYPES = ("str", "int", "float", "bool")

#: Reserved column: the physical line number of each record (never a field name).
RESERVED_FIELDS = ("line_number",)

#: Lines that continue the previous record (stack traces): indented lines, ``Caused by:``, ``Suppressed:``,
#: ``... N more``, ``Exception in thread "..."``, Python's ``Traceback (most recent call last):`` and the lines
#: that chain its exceptions, and an exception's first line (``java.io.IOException: disk full``,
#: ``ValueError: bad``, ``org.apache.hadoop.ipc.RemoteException(java.io.IOException): ...``: a name ending in
#: ``Exception``, ``Error`` or ``Throwable``, perhaps a parenthesis, then a colon or the end of the line).
DEFAULT_CONTINUATION = (r"^(?:[ \t]+|Caused by:|Suppressed:|\.\.\. \d+ more|Exception in thread " '"'
                        r"|Traceback \(most recent call last\):|During handling of the above exception"
                        r"|The above exception was the direct cause"
                        r"|[A-Za-z_$][A-Za-z0-9_$.]*(?:Exception|Error|Throwable)(?:\([^)]*\))?(?::|$))")

#: How text lines are read (``TextReader(line_rules=...)``), 2 unless a spec saved before them says 1.
#: 2: a run of spaces in a format right before a field matches a whole run of blanks (so "ERROR   boom" no
#: longer matches ``<Date> <Time> <Level> <Content>`` with empty Time and Level) and blanks that start a line pad
#: the first field; a line that matches the continuation regex continues the held record even when the format
#: would also match it (an indented stack frame), and with no record before it is a bad line.
#: 1: the format is tried first and a run may be split between empty fields (specs of versions 1 and 2).
LINE_RULES = 2
LINE_RULES_READ = (1, 2)

#: Why a continuation line with no record before it is bad (line rules 2), in both languages' words.
LINE_FEED_IN_LINE = ("the line holds a line feed (an item of an in-memory source spanning several lines, such as a "
                     "record with its stack trace): a source of lines takes one line per item; split the items at "
                     "line feeds first, [part for item in lines for part in item.split('\\n')] (a record's stack "
                     "trace lines then continue it), or pass the file's path; records of a DataFrame are best read "
                     "as JSON lines, df.to_json(orient='records', lines=True, date_format='iso').splitlines() with a "
                     "JsonLinesReader: a field may hold line feeds there, and line N stays the frame's row N - 1")
#: A bad line right after a continuation line: a line of the stack trace the continuation regex does not know?
NO_FORMAT_MATCH_AFTER_CONTINUATION = (
    "line does not match the log format; it comes right after a continuation line, inside a multi-line record (a stack trace?): if it "
    "belongs there, as Spark's 'Driver stacktrace:' does, make the reader's continuation regex match it too (run.toml "
    "[reader] continuation: the default, dl4j_bridge.etl.readers.DEFAULT_CONTINUATION, then |Driver stacktrace:); a "
    "saved model keeps the continuation regex it was trained with (score, evaluate and update read with it): train it "
    "again after the change")
NO_RECORD_TO_CONTINUE = ("the line matches the continuation regex, but no record comes before it to continue: the "
                         "input starts inside a multi-line record (a stack trace?); lenient reading sets such lines "
                         "aside; if your records can start with blanks (a padded first column), set the reader's "
                         "continuation to what only continuation lines start with")

#: The reason category of a text line its format or regex does not match.
NO_FORMAT_MATCH = "no format match"

#: The detail of a ``no format match`` bad line; in lenient mode a ``log_format`` reader adds where the format stops
#: matching the line (:func:`format_mismatch`) to the quarantine reason.
NO_FORMAT_MATCH_DETAIL = "line does not match the log format"

#: Said when a model whose text reader keeps line rules 1 is loaded (the JVM's ``LogAnomalyScorer.loadWarnings``
#: says the same).
OLD_LINE_RULES_WARNING = ("this model reads text with the line rules of models saved before ETL spec version 3 "
                          "(line_rules 1): a line its format matches is a record even where it continues a stack "
                          "trace (an indented frame, 'Caused by: ...'), and a run of blanks may be split between "
                          "empty fields: retrain it to read such lines as continuations (line rules 2)")

#: A run of spaces in a format right before a field, under line rules 2: a whole run of spaces and tabs in the
#: line, so the field after it is never empty or blank-led.  It may start inside a run only where starting at
#: the run's first blank fails too (what follows the run is the same), so no lookbehind is needed: the lines
#: matched and the fields found are those of starting at the first blank.  Elsewhere (before literal text or
#: the end of the line) ``[ \t]+`` ends where the text after it lets it, which is the run's end unless that
#: text can match a blank itself (``\t``): such a run is not made whole, so ``"<A> \t<B>"`` still matches.
_WHOLE_BLANK_RUN = r"[ \t]+(?![ \t])"


#: Before the first field of a format that starts with one, under line rules 2: blanks that start the line are
#: padding (a right-aligned first column), never an empty first field with the columns after it shifted.
_LEADING_BLANKS = r"[ \t]*(?![ \t])"


def _blank_runs(text: str, field_follows: bool, line_rules: int, earliest_end: bool = False,
                line_start: bool = False) -> str:
    """The regex of the text between two fields (a regex fragment), its runs of spaces made blank runs.

    ``line_start``: the text before the first field (line rules 2: :data:`_LEADING_BLANKS` when it is empty).

    ``earliest_end`` (for :func:`format_guard`): each run as short as the text after it allows (under line
    rules 1, a run right before a field is a single blank: the field after it takes the rest; at the end of
    the line, ``[ \\t]+?`` then ``$`` takes every trailing blank).
    """
    if line_rules < 2:
        if not earliest_end:
            return re.sub(" +", lambda _: "[ \\t]+", text)
        separator = re.sub(" +", lambda _: "[ \\t]+?", text)
        return separator[:-len("+?")] if field_follows and separator.endswith("[ \\t]+?") else separator
    if line_start and not text and field_follows:
        return _LEADING_BLANKS
    plain = "[ \\t]+?" if earliest_end else "[ \\t]+"
    return re.sub(" +", lambda run: _WHOLE_BLANK_RUN if field_follows and run.end() == len(text) else plain, text)

LINE_NUMBER = "line_number"


# --------------------------------------------------------------------------
# regex dialect helpers
# --------------------------------------------------------------------------
_PY_NAMED_GROUP = re.compile(r"(?<!\\)\(\?P<(?=[A-Za-z])")
_JAVA_NAMED_GROUP = re.compile(r"(?<!\\)\(\?<(?=[A-Za-z])")


def python_regex_to_java(pattern: str) -> str:
    """Rewrite ``(?P<name>`` groups as ``(?<name>`` (accepted by java.util.regex)."""
    if "(?P=" in pattern:
        raise SpecError("named back-references (?P=name) have no portable form")
    return _PY_NAMED_GROUP.sub("(?<", pattern)


def java_regex_to_python(pattern: str) -> str:
    """Rewrite ``(?<name>`` groups as Python's ``(?P<name>``."""
    return _JAVA_NAMED_GROUP.sub("(?P<", pattern)


def compile_regex(pattern: str, what: str, flags: int = 0, *, given: str | None = None) -> re.Pattern:
    """``re.compile(pattern, flags)``; a regex that does not compile is an :class:`EtlError` naming ``what`` (the
    setting: ``"regex"``, ``"continuation"``, ``"pattern"``), the error and its position in ``given`` (the text as
    written, when ``pattern`` is its Python form), instead of a bare ``re.error``."""
    try:
        return re.compile(pattern, flags)
    except re.error as error:
        written = pattern if given is None else given
        where = f" at position {error.pos}" if error.pos is not None else ""
        if given is not None and given != pattern and error.pos is not None:
            where += f" of its Python form {pattern!r}"
        raise EtlError(f"{what} {written!r} does not compile: {error.msg}{where}") from error


def format_to_regex(log_format: str, line_rules: int = LINE_RULES) -> tuple[list[str], str]:
    """Translate a loghub-style format string into a regex.

    Parameters
    ----------
    log_format : str
        E.g. ``"<Date> <Time> <Pid> <Level> <Component>: <Content>"``.  Text
        between ``<Field>`` markers is a regex fragment (so ``\\[`` is a literal
        bracket); a run of spaces matches one or more spaces or tabs, and right
        before a field a *whole* run of them (so the field is neither empty
        nor led by a blank when a blank run precedes it); blanks that start a
        line are padding before a format's first field.
    line_rules : int
        2: as above.  1 (specs saved before version 3): every run of spaces
        matches one or more spaces or tabs, so a run in the line may be split
        between empty fields.

    Returns
    -------
    headers : list of str
        Field names in order.
    pattern : str
        Anchored Python regex with one named group per field; never matches a
        newline.
    """
    headers: list[str] = []
    pieces = re.split(r"(<[^<>]+>)", log_format)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            out.append(_blank_runs(piece, index < len(pieces) - 1, line_rules, line_start=index == 0))
        else:
            name = piece[1:-1]
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name):
                raise SpecError(f"field name {name!r} must be alphanumeric (Java group rules)")
            if name in headers:
                raise SpecError(f"field {name!r} appears twice in the format")
            headers.append(name)
            out.append(f"(?P<{name}>.*?)")
    if out[-1] == "" and out[-2].endswith(".*?)"):
        # the last field runs to the end of the line: greedy is equivalent and much faster
        out[-2] = out[-2][:-4] + ".*)"
    pattern = "^" + "".join(out) + "$"
    _check_fields_are_groups(log_format, headers, pattern)
    return headers, pattern


def _check_fields_are_groups(log_format: str, headers: list[str], pattern: str) -> None:
    """Every ``<Field>`` of a format must be a group of its regex: text between fields is a regex fragment, so
    an unescaped ``[`` before a field (``sshd[<Pid>]``, syslog's form) makes the field part of a character class,
    and it would vanish from every record."""
    try:
        groups = re.compile(pattern).groupindex
    except re.error:
        return   # the regex error itself is reported where the pattern is compiled, naming the format
    lost = [name for name in headers if name not in groups]
    if lost:
        raise SpecError(
            f"log_format {log_format!r}: the field <{lost[0]}> is not a field of the format's regex, because the "
            "text between <Field> markers is a regex fragment and an unescaped '[' before it opens a character "
            f"class that swallows <{lost[0]}>. Write literal brackets as \\[ and \\] (e.g. 'sshd\\[<Pid>\\]:'; in "
            "run.toml a single-quoted string keeps the backslashes: log_format = 'sshd\\[<Pid>\\]: <Content>')")


_REGEX_META = frozenset(".^$*+?{}[]()|")

#: The text of an optional segment around a field, on either side of it: literal characters or escaped punctuation,
#: no blank, no regex operator (``\\[`` and ``\\]`` of ``(\\[<PID>\\])?``).
_SEGMENT_TEXT = re.compile(r"(?:\\[^A-Za-z0-9 \t]|[^\\ \t.^$*+?{}\[\]()|])*")

#: The text inside an optional segment that comes after literal text (loghub's Mac ``\\]( \\(<Address>\\))?``):
#: as :data:`_SEGMENT_TEXT`, blanks allowed.
_SEGMENT_INNER = re.compile(r"(?:\\[^A-Za-z0-9 \t]|[^\\.^$*+?{}\[\]()|])*")


def _is_plain(text: str) -> bool:
    """Text between fields with no regex operator (escaped characters are literal) and no back-reference
    (``\\1``-``\\9``: it matches what a field took, so a separator no longer matches the same text wherever the
    field ends, which :func:`format_guard` and :func:`format_capture` rely on)."""
    return not _REGEX_META & set(re.sub(r"\\.", "", text)) \
        and not any(escaped in "123456789" for escaped in re.findall(r"\\(.)", text))


def optional_segment(log_format: str) -> tuple[str, str, str, str] | None:
    """The optional segment of a format such as loghub's Linux one, ``<Component>(\\[<PID>\\])?: <Content>``.

    A segment is ``(A<Field>B)?`` (or ``(?:A<Field>B)?``) right after another field, with ``A`` and ``B`` literal
    text without blanks, every other text between fields plain, and one such segment in the format; or, as in
    loghub's Mac format ``\\[<PID>\\]( \\(<Address>\\))?: <Content>``, after literal text ``T`` without blanks
    that follows a field, ``A`` and ``B`` then literal text that may hold blanks, ``B`` not at its end (see
    :func:`format_guard`).

    Returns
    -------
    tuple of str or None
        ``(without, with_, field, before)``: the format without the segment (the lines it matches are the
        format's: the field before the segment can hold it), the format with the segment required, the
        segment's field and the field before it; None when the format has no such segment, or other groups or
        quantifiers between fields.
    """
    pieces = re.split(r"(<[^<>]+>)", log_format)
    found = None
    for index in range(2, len(pieces) - 2, 2):   # a text after a field, and a field and a text after it
        literal = _SEGMENT_TEXT.match(pieces[index]).group()   # T: literal text before the group (Mac's \\])
        text = pieces[index][len(literal):]
        opening = "(?:" if text.startswith("(?:") else "(" if text.startswith("(") else None
        if opening is None:
            continue
        after = pieces[index + 2]
        close = after.find(")?")
        if close < 0 or found is not None:
            return None
        inner, closing, rest = text[len(opening):], after[:close], after[close + 2:]
        # after literal text, blanks inside the segment, but not at its end: there they would make one run
        # with blanks after it in the format with the segment required, which the format's regex does not
        segment_text = _SEGMENT_INNER if literal else _SEGMENT_TEXT
        if not (segment_text.fullmatch(inner) and segment_text.fullmatch(closing) and _is_plain(rest)) \
                or closing.endswith((" ", "\t")):
            return None
        found = index
    if found is None:
        return None
    others = [text for i, text in enumerate(pieces) if i % 2 == 0 and i not in (found, found + 2)]
    if not all(map(_is_plain, others)):
        return None
    after = pieces[found + 2]
    literal = _SEGMENT_TEXT.match(pieces[found]).group()
    text = pieces[found][len(literal):]
    inner = text[3:] if text.startswith("(?:") else text[1:]
    close = after.find(")?")
    head = "".join(pieces[:found]) + literal
    without = head + after[close + 2:] + "".join(pieces[found + 3:])
    with_ = head + inner + pieces[found + 1] + after[:close] + after[close + 2:] + "".join(pieces[found + 3:])
    return without, with_, pieces[found + 1][1:-1], pieces[found - 1][1:-1]


def _split_order(found: re.Match, names: list[str]) -> list[int]:
    """Where a format's regex tries a match among others (:meth:`TextReader._segment_match`): for each field of
    ``names`` in turn, its start (a run of blanks before it as long as it can be: the later first) and its end
    (as short as it can be: the earlier first)."""
    return [bound for name in names for bound in (-found.start(name), found.end(name))]


def _segment_after_text(log_format: str) -> bool:
    """Whether the optional segment of ``log_format`` (see :func:`optional_segment`) comes after literal text."""
    pieces = re.split(r"(<[^<>]+>)", log_format)
    return any(_SEGMENT_TEXT.match(text).group() and text[len(_SEGMENT_TEXT.match(text).group()):].startswith("(")
               for text in pieces[2:-2:2])


def format_guard(log_format: str, line_rules: int = LINE_RULES) -> str | None:
    """A regex that matches the same lines as :func:`format_to_regex`'s (of the same ``line_rules``), in linear time.

    The format's regex (one lazy ``.*?`` group per field) backtracks through
    every way of splitting a line it does *not* match: time grows like the
    number of spaces to the power of the number of fields (an 800-character
    line took 35 s with five fields).  A line can match exactly when each
    separator can be found after the previous one, the earliest first; the
    guard tests that with one atomic step per separator (``(?>.*?SEP)``, or
    ``(?=(.*?SEP))\\1`` before Python 3.11), so a line is rejected without
    backtracking.  Lines it accepts match the format's regex, which finds the
    fields quickly on them.

    A format with an optional segment (``<Component>(\\[<PID>\\])?: <Content>``, see :func:`optional_segment`)
    matches the lines of the format without it (the field before the segment can hold its text): its guard is
    that format's. After literal text (Mac's ``\\]( \\(<Address>\\))?``) it does not (the field cannot hold the
    segment and the literal text again): the guard is either of the two formats' guards, with and without it.

    Returns
    -------
    str or None
        The guard, or None when the text between fields is not plain (a
        group, class or quantifier other than one optional segment, or a back-reference): such
        formats are matched without a guard.
    """
    segment = optional_segment(log_format)
    if segment is not None:
        without = format_guard(segment[0], line_rules)
        if not _segment_after_text(log_format):
            return without
        with_ = format_guard(segment[1], line_rules)   # back-references (before Python 3.11) renumbered
        shift = re.compile(without).groups
        with_ = re.sub(r"\\(\d+)", lambda m: f"\\{int(m.group(1)) + shift}", with_)
        return f"(?:{without}|{with_})"
    texts = re.split(r"<[^<>]+>", log_format)
    for text in texts:
        if not _is_plain(text):
            return None
    # the earliest end of each separator (a whole run before a field: where it starts fixes where it ends)
    separators = [_blank_runs(text, index < len(texts) - 1, line_rules, earliest_end=True, line_start=index == 0)
                  for index, text in enumerate(texts)]
    tail = f".*{separators[-1]}$"
    steps = separators[1:-1]
    # a step's field never ends inside a run of blanks where its separator would match from the blank before
    # (_field_before): the same earliest end, without scanning a long run from each of its blanks
    atomic = "^" + separators[0] + "".join(f"(?>{_field_before(sep)}{sep})" for sep in steps) + tail
    try:
        re.compile(atomic)
        return atomic
    except re.error:  # no atomic groups before Python 3.11: a lookahead is never re-entered either
        return ("^" + separators[0] + "".join(f"(?=({_field_before(sep, possessive=False)}{sep}))\\{group}"
                                              for group, sep in enumerate(steps, 1)) + tail)


def format_read_regex(log_format: str, line_rules: int = LINE_RULES) -> str | None:
    """The format's regex (:func:`format_to_regex`) with each lazy field before a separator that starts with a run
    of blanks, or with ``\\s`` and then a run, written as :func:`_field_before`: the same first match (lines and
    fields), but a long run of blanks in a line is scanned once instead of from each of its blanks.  What a
    reader without a capture regex (:func:`format_capture`) runs on the lines its guard accepts: specs saved with
    line rules 1 and formats such as ``<A> \\s <B>``.

    Returns
    -------
    str or None
        The regex (Python syntax, anchored), or None when the format has no guard (text between fields that is not
        plain, or an optional segment).
    """
    if optional_segment(log_format) is not None or format_guard(log_format, line_rules) is None:
        return None
    headers, pattern = format_to_regex(log_format, line_rules)
    if not headers:
        return None
    texts = re.split(r"<[^<>]+>", log_format)
    last = len(texts) - 1
    separators = [_blank_runs(text, index < last, line_rules, line_start=index == 0)
                  for index, text in enumerate(texts)]
    for possessive in (True, False):   # no possessive quantifiers before Python 3.11
        fields = "".join(f"(?P<{name}>{_field_before(sep, possessive)}){sep}"
                         for name, sep in zip(headers[:-1], separators[1:-1]))
        end = f"(?P<{headers[-1]}>.*)$" if not texts[-1] \
            else f"(?P<{headers[-1]}>{_field_before(separators[-1] + '$', possessive)}){separators[-1]}$"
        read = "^" + separators[0] + fields + end
        try:
            re.compile(read)
            return read
        except re.error:
            continue
    return None


def _runs_end_alike(text: str, field_follows: bool) -> bool:
    """Whether every run of spaces in ``text`` (a plain fragment between fields) that the guard makes lazy
    (``[ \\t]+?``, line rules 2: a run not right before a field) ends where the regex's greedy ``[ \\t]+`` ends: it
    is followed by the end of the line or by a literal that cannot match a blank (not ``\\t``, ``\\s``, a tab)."""
    for run in re.finditer(" +", text):
        if field_follows and run.end() == len(text):
            continue   # a whole run before a field: the same regex on both
        after = text[run.end():run.end() + 2]
        if not after:
            continue   # the end of the line: both take every trailing blank
        if _blank_then_literal(text[run.end():]):
            continue   # \s or a tab, then a literal that is no blank: one end (see _blank_then_literal)
        if after[0] == "\t" or (after[0] == "\\" and (after[1:].isalnum() or after[1:] in ("", " ", "\t"))):
            return False   # a tab, or an escape that may match a blank (\t, \s, \x20, an escaped blank, ...)
    return True


def _blank_then_literal(text: str) -> bool:
    """Whether ``text`` (what follows a run of spaces in a plain fragment) starts with one ``\\s``, ``\\t`` or tab and
    then a literal that matches no blank (a character that is not white space, or escaped punctuation).

    Such a separator (`` \\s- ``: ``[ \\t]+\\s-``) has one end from each start: the literal comes right after the
    blank the ``\\s`` takes, and every character before it is white space, so the greedy run of the regex and the
    lazy run of the guard end alike (and inside a run the separator matches only where it matches from the run's
    first blank, with the same end).  Were it followed by a field, the end of the line or another ``\\s``, the
    regex could end the run earlier when what follows fails (``<A> \\s<B>\\t<C>``), which an atomic group would not.
    """
    if not (text.startswith(("\\s", "\\t")) or text.startswith("\t")):
        return False
    literal = text[1:] if text.startswith("\t") else text[2:]
    if literal.startswith("\\"):
        return len(literal) > 1 and not literal[1].isalnum() and not literal[1].isspace()
    return bool(literal) and not literal[0].isspace()


#: Without possessive quantifiers (Python before 3.11: :func:`_field_before`'s guard steps and read regex; capture
#: regexes need 3.11 and take :data:`_FIELD_BEFORE_WORDS`), a field before a separator that starts with a run of
#: blanks ending before literal text (``[ \\t]+-``, ``[ \\t]+$``): empty, or ending with a character that is not a
#: blank.  Where the line has a run, the separator matches from inside it exactly when it matches from the run's
#: first blank (the greedy run ends at the run's end either way), so the first end the regex finds is never inside a
#: run; a plain ``.*?`` would try the separator from every blank of the run, each attempt scanning the rest of it
#: (quadratic: loghub's Zookeeper format took 6 s on one line with 40,000 blanks).
_FIELD_BEFORE_RUN = "(?:.*?[^ \\t\\n])??"

#: Without possessive quantifiers (see :func:`_field_before_space_classes`), a field before a separator that starts
#: with ``\\s`` and then a run of blanks (``\\s - ``,
#: ``\\s <B>``): empty, or ending with a character that is not a blank or with the last blank of a run.  Where the
#: line has a run, the separator matches from a blank inside it (a blank before it) only if it matches from that
#: blank before it, ending where it ends (``\\s`` takes the earlier blank, the run takes one blank more), so the first
#: end the regex finds is never inside a run; it may be right after one (``\\s`` can take a CR or U+00A0 there).  A
#: plain ``.*?`` tried the separator from every blank of the run, each attempt scanning the rest of it (quadratic:
#: ``<A>\\s - <B>`` took 0.11 s on a line with 10,000 blanks, 11 s with 100,000).
_FIELD_BEFORE_SPACE_RUN = "(?:.*?(?:[^ \\t\\n]|[ \\t](?![ \\t])))??"

def _field_before_space_classes(count: int, possessive: bool = True) -> str:
    """A field before a separator that starts with ``count`` times ``\\s`` and then a run of blanks (``\\s\\s - ``):
    empty, or ending with a character that is not a blank, or with a blank that fewer than ``count`` blanks follow
    (or, in the possessive form, ``count``).  Where the separator matches from a blank inside a run that ``count``
    blanks follow, it matches from the blank before it too, ending where it ends (each ``\\s`` takes the blank before
    the one it took, the run one blank more), so the first end the regex finds is one of these.  A plain ``.*?``
    tried the separator from every blank of a run, each attempt scanning the rest of it (quadratic:
    ``<A>\\s\\s - <B>`` took 0.24 s on a line with 10,000 blanks).

    The possessive form takes each stretch of non-white-space and each run of blanks but its last ``count`` whole,
    then one white-space character at a time (each character by exactly one of the three), so a line of 1,000,000
    non-blanks is scanned once (0.01 s, where ``.*?`` and a test of each character took 0.15 s); without
    possessive quantifiers (Python before 3.11) ``count`` 1 is :data:`_FIELD_BEFORE_SPACE_RUN`."""
    if possessive:
        # (?>(?:...)+), not (?:...)++: the same in a correct engine, but Python 3.11.0-3.11.4 (Debian 12's 3.11.2)
        # match a possessive repeat of a subpattern that backtracks wrongly (CPython gh-106052, fixed in 3.11.5)
        return f"(?:(?:\\S++|(?>(?:[ \\t](?=[ \\t]{{{count}}}))+)|(?![ \\t]{{{count + 1}}})(?!\\n)\\s)*?)"
    if count == 1:
        return _FIELD_BEFORE_SPACE_RUN
    return f"(?:.*?(?:[^ \\t\\n]|[ \\t](?![ \\t]{{{count}}})))??"


def _space_classes(separator: str) -> int:
    """How many ``\\s`` start ``separator`` (a regex fragment) right before a run of blanks (``[ \\t]+``); 0 if none."""
    count = 0
    while separator.startswith("\\s", 2 * count):
        count += 1
    return count if count and separator.startswith("[ \\t]+", 2 * count) else 0


#: A field of :func:`format_capture` before a separator that starts with a tab and then a run of blanks
#: (``\\t - ``): empty or ending with a character that is not a blank, then perhaps spaces (not tabs).  Inside a run
#: the separator matches from a tab only if it matches from the run's first tab (the run after it takes the blanks
#: between), ending where it ends, so the first end the regex finds is at most the run's first tab.
_FIELD_BEFORE_TAB_RUN = "(?:(?:.*?[^ \\t\\n])?? *?)"


#: The single characters a separator may start with before a run of blanks, as :func:`_blank_classes` reads them.
_BLANK_CLASS_TOKENS = ("\\s", "\\t", "\t")


def _blank_classes(separator: str, minimum: int = 2) -> list[str]:
    """The ``\\s``, ``\\t`` and tabs that start ``separator`` (a regex fragment) right before a run of blanks
    (``[ \\t]+``), when they are ``minimum`` or more and one is a tab (``\\t\\t - ``, ``\\s\\t - ``, ``\\t\\s - ``);
    else an empty list (the shapes :func:`_field_before_space_classes` and, in capture regexes,
    :data:`_FIELD_BEFORE_TAB_RUN` take; :func:`_field_before` asks for one or more: ``\\t - `` too)."""
    tokens: list[str] = []
    rest = separator
    while True:
        token = next((token for token in _BLANK_CLASS_TOKENS if rest.startswith(token)), None)
        if token is None:
            break
        tokens.append(token)
        rest = rest[len(token):]
    if len(tokens) >= minimum and any(token != "\\s" for token in tokens) and rest.startswith("[ \\t]+"):
        return tokens
    return []


def _field_before_blank_classes(tokens: list[str]) -> str:
    """A field before a separator that starts with ``tokens`` (:func:`_blank_classes`: ``k`` single-character classes,
    one of them a tab) and then a run of blanks (``\\t\\t - ``, ``\\s\\t - ``): it takes, of the ends from which the
    separator's run would start in the same run of blanks of the line, only the first where the classes match.

    Call an end ``p`` of the field *hot* when the classes match the ``k`` characters from ``p`` and a blank follows
    them.  From two hot ends ``p < q`` whose separator runs start in the same run of blanks (it ends at ``E``), the
    separator's run can end at any of ``p+k+1 .. E`` from ``p`` and at ``q+k+1 .. E`` from ``q``, and the rest of the
    separator is tried at each end alike: it matches from ``q`` only if it matches from ``p`` (the greedy run of the
    regex ending where it ends), so the first end the regex (or a guard step) finds is never such a ``q``.  So at a
    hot end the field goes on, if it must, to ``E - k`` in one step (an end between is such a ``q``, or one from which
    the separator cannot match), one white-space character at a time elsewhere, and a stretch of non-white-space
    whole (no separator starts inside it).  A plain ``.*?`` tried the separator from every tab of a run of tabs, each
    attempt scanning the rest of the run (quadratic: ``<A>\\t\\t - <B>`` took 3 s on a line with 30,000 tabs); this is
    linear in the line."""
    hot = "".join(tokens) + "[ \\t]"
    count = len(tokens)
    # an atomic group, not a possessive repeat of the group: see _field_before_space_classes (CPython gh-106052)
    skip = f"(?>(?:(?=[\\s\\S]{{{count}}}[ \\t])(?!\\n)[\\s\\S])+)"
    return f"(?:(?:\\S++|(?={hot}){skip}|(?!{hot})(?!\\n)\\s)*?)"


def _capture_field(separator: str) -> str:
    """The lazy pattern of a field of :func:`format_capture` followed by ``separator`` (a regex fragment): ``.*?``,
    or where the separator starts with a run of blanks, or with ``\\s`` or a tab and then a run, a pattern that
    takes the same first end without trying the separator from every blank of a long run (linear time)."""
    if separator.startswith("[ \\t]+") and not separator.startswith(_WHOLE_BLANK_RUN):
        return _FIELD_BEFORE_WORDS
    if _space_classes(separator):
        return _field_before_space_classes(_space_classes(separator))
    if separator.startswith(("\\t[ \\t]+", "\t[ \\t]+")):
        return _FIELD_BEFORE_TAB_RUN
    if _blank_classes(separator):
        return _field_before_blank_classes(_blank_classes(separator))
    return ".*?"


#: A field of :func:`format_guard`'s steps and :func:`format_read_regex` before a separator that starts with a run
#: of blanks (``[ \\t]+-``): empty or ending with a word (non-blanks) and then a run's first blank, the only places
#: such a separator can start from without starting from the blank before too.  Each word and run is taken whole
#: (possessive), so a long word or run is scanned once: on a line of 1,000,000 non-blanks it takes a sixth of the
#: time of ``.*?``, where :data:`_FIELD_BEFORE_RUN` took twice as long.  Capture regexes take it too
#: (:func:`_capture_field`).
_FIELD_BEFORE_WORDS = "(?:[^ \\t\\n]*+(?:[ \\t]+[^ \\t\\n]++)*?)"

#: The separators :func:`_field_before` leaves ``.*?`` before: a run of blanks and then a field.
_RUN_BEFORE_FIELD = frozenset({"[ \\t]+", "[ \\t]+?", "[ \\t]", _WHOLE_BLANK_RUN})


def _field_before(separator: str, possessive: bool = True) -> str:
    """The lazy pattern of a field followed by ``separator`` (a plain fragment) in :func:`format_guard`'s steps and
    :func:`format_read_regex` (no atomic group after the field): ``.*?``, or where the separator starts with a run
    of blanks (``[ \\t]+``, ``[ \\t]+?``, a whole run) or with ``\\s`` and then a run, a pattern that never ends
    inside a run where the separator would also match from the blank before (:data:`_FIELD_BEFORE_WORDS`,
    :func:`_field_before_space_classes`).  Whatever follows a start inside a run follows the blank before it too
    (the run, or each ``\\s`` and the run, take one blank more), so the first end of the field after which the rest
    matches is the same, and so are the lines and fields; a long run is scanned once instead of from each blank.
    ``possessive=False`` (before Python 3.11, which has no possessive quantifiers): :data:`_FIELD_BEFORE_RUN`
    instead of :data:`_FIELD_BEFORE_WORDS`, as linear, slower.  Where the separator starts with one or more
    ``\\s``, ``\\t`` or tabs, one a tab, and then a run (``\\t - ``, ``\\t\\t - ``):
    :func:`_field_before_blank_classes` (possessive only; ``.*?`` before Python 3.11, quadratic in a run of tabs).
    A separator that is only a run before the next field (``[ \\t]+``, ``[ \\t]``, a whole run) matches at a run's
    first blank: ``.*?`` finds it as fast (``$`` after the run at the line's end is part of ``separator``)."""
    if separator in _RUN_BEFORE_FIELD:
        return ".*?"
    if separator.startswith("[ \\t]+"):
        return _FIELD_BEFORE_WORDS if possessive else _FIELD_BEFORE_RUN
    if _space_classes(separator):
        return _field_before_space_classes(_space_classes(separator), possessive)
    if possessive and _blank_classes(separator, minimum=1):
        return _field_before_blank_classes(_blank_classes(separator, minimum=1))
    return ".*?"


def format_capture(log_format: str, line_rules: int = LINE_RULES) -> str | None:
    """The format's regex (:func:`format_to_regex`) with each field and the text after it in an atomic group: the
    same lines, the same fields -- one scan where the guard and the regex took two.

    It exists when the text between fields is plain (no operator, no back-reference) and every separator of
    :func:`format_guard` matches where the regex's own does (under line rules 2 the guard's lazy ``[ \\t]+?`` ends
    where the regex's greedy ``[ \\t]+`` ends unless literal text after it can match a blank, e.g. ``\\t``; loghub's
    formats qualify). Then a separator matched from an earlier start never ends later (each run of blanks ends at
    the line's run's end) and matches whatever the fields took, so whatever can follow a later end of a field can
    follow its first end: the regex's own first match takes at every field the first end after which its separator
    matches -- the one choice an atomic group keeps -- and the lines and fields are the regex's.

    Time is linear in the line, also across long runs of blanks where a separator starts with a run
    (:data:`_FIELD_BEFORE_WORDS`), with ``\\s`` (once or more) and a run (:func:`_field_before_space_classes`), with
    a tab and a run (:data:`_FIELD_BEFORE_TAB_RUN`), or with two or more ``\\s``, ``\\t`` or tabs, one a tab, and a
    run (``\\t\\t - ``, ``\\s\\t - ``: :func:`_field_before_blank_classes`; the guard and the read regex too).

    Returns
    -------
    str or None
        The regex (Python syntax, anchored, one named group per field), or None: no atomic groups (Python < 3.11),
        an optional segment, text that is not plain, or a separator of the guard that differs from the regex's.
    """
    if optional_segment(log_format) is not None:
        return None
    names = re.findall(r"<([^<>]+)>", log_format)
    texts = re.split(r"<[^<>]+>", log_format)
    if not names or not all(_is_plain(text) for text in texts):
        return None
    last = len(texts) - 1
    regex_separators = [_blank_runs(text, index < last, line_rules, line_start=index == 0)
                        for index, text in enumerate(texts)]
    guard_separators = [_blank_runs(text, index < last, line_rules, earliest_end=True, line_start=index == 0)
                        for index, text in enumerate(texts)]
    if regex_separators != guard_separators and not (
            line_rules >= 2 and all(_runs_end_alike(text, index < last) for index, text in enumerate(texts))):
        return None
    fields = "".join(f"(?>(?P<{name}>{_capture_field(sep)}){sep})"
                     for name, sep in zip(names[:-1], regex_separators[1:-1]))
    end = f"(?P<{names[-1]}>.*)$" if not texts[-1] \
        else f"(?P<{names[-1]}>{_capture_field(regex_separators[-1])}){regex_separators[-1]}$"
    capture = "^" + regex_separators[0] + fields + end
    try:
        compiled = re.compile(capture)
    except re.error:  # no atomic groups before Python 3.11
        return None
    if list(compiled.groupindex) != format_to_regex(log_format, line_rules)[0]:
        return None
    return capture


# --------------------------------------------------------------------------
# report and base class
# --------------------------------------------------------------------------
#: Characters of a line :func:`format_mismatch` looks at (a diagnosis, not a read: the rest is left out).
MISMATCH_LINE_LIMIT = 2000


def format_mismatch(log_format: str, line: str, line_rules: int = LINE_RULES) -> str | None:
    """Where ``log_format`` stops matching ``line``: the fields it reads up to there, and the part of the format
    that the rest of the line does not match, to tell a user whose format has a field too many or other text
    between fields what to change. Used when a fit meets such a line (``train``; :meth:`Pipeline.fit`), and in
    the quarantine reason of each line a lenient text reader rejects (the JVM's ``FormatMismatch`` says the same).

    Each prefix of the format, through a field and the text after it, is read with the rest of the line as one
    more field, by the same reader rules (guards included) as the whole format; the longest that reads is where
    the format stops matching.

    Parameters
    ----------
    log_format : str
        The text reader's format.
    line : str
        A line the format does not match (its first :data:`MISMATCH_LINE_LIMIT` characters are looked at).
    line_rules : int
        The reader's line rules.

    Returns
    -------
    str or None
        E.g. ``"the format matches the line up to <Host> (Date='Dec', Host='LabSZ'); the format's next part,
        '<Component> sshd\\[', does not match the rest of the line, 'sshd[24200]: ...'"``; None when the whole
        format matches, or the format cannot be cut into prefixes that read (a group spanning fields).
    """
    return _FormatMismatch(log_format, line_rules)(line)


class _FormatMismatch:
    """:func:`format_mismatch` of one format: the readers of its prefixes are made once (a lenient read diagnoses
    every line it rejects with them), each line is then matched without a read."""

    def __init__(self, log_format: str, line_rules: int):
        self.pieces = re.split(r"(<[^<>]+>)", log_format)
        self.names = [piece[1:-1] for piece in self.pieces[1::2]]
        rest_name = "Dl4jRest"
        while rest_name in self.names:
            rest_name += "x"
        self.rest_name = rest_name
        #: (fields read before the rest of the line, the reader of that prefix), the longest first
        self.readers: list[tuple[int, TextReader]] = []
        for fields in range(len(self.names), -1, -1):
            prefix = "".join(self.pieces[:2 * fields + 1])
            if fields == len(self.names):
                candidate = log_format
            elif prefix.strip() == "" and fields == 0:
                continue
            else:
                candidate = prefix + f"<{rest_name}>"
            try:
                self.readers.append((fields, TextReader(candidate, continuation="", line_rules=line_rules)))
            except (EtlError, re.error, ValueError):
                continue

    def __call__(self, line: str) -> str | None:
        pieces, names = self.pieces, self.names
        line = line[:MISMATCH_LINE_LIMIT].rstrip("\r\n")
        best: tuple[int, list[Any], str] | None = None
        for fields, reader in self.readers if line.strip() else []:   # a blank line reads as no record
            values = reader._match_values(line)
            if values is not None:
                best = (fields, values[:fields], "" if fields == len(names) else str(values[-1]))
                break
        if best is not None and best[0] == len(names):
            return None

        def shown(text: str) -> str:
            return repr(text if len(text) <= 60 else text[:60] + "...")
        ask = ": is a field too many or missing there, or the text between the fields different?"
        if best is None:
            first = pieces[0] + (f"<{names[0]}>" + pieces[2] if names else "")
            return (f"not even the format's first part, '{first}', matches the start of the line, {shown(line)}: check "
                    "the first field and the text after it (another separator?)")
        fields, values, rest = best
        following = f"<{names[fields]}>" + pieces[2 * fields + 2]
        if fields == 0:
            return (f"the line starts as the format does, '{pieces[0]}', but the format's next part, '{following}', "
                    f"does not match the rest of the line, {shown(rest)}" + ask)
        read = ", ".join(f"{name}={shown(str(value))}" for name, value in zip(names, values))
        return (f"the format matches the line up to <{names[fields - 1]}> ({read}); the format's next part, "
                f"'{following}', does not match the rest of the line, {shown(rest)}" + ask)


@dataclass
class ReadReport:
    """What happened while reading one source.

    Attributes
    ----------
    source : str
        Path or ``"<lines>"``.
    lines : int
        Physical lines seen.
    records : int
        Records produced (a multi-line record counts once).
    continuation_lines : int
        Lines joined to the record (or bad line) before them: stack-trace
        lines, further lines of a CSV row with a quoted cell spanning lines.
    blank_lines : int
        Empty lines skipped.
    bad_lines : int
        Lines rejected (lenient mode) -- see ``bad_by_reason``.
    bad_by_reason : dict of str to int
        Rejections per reason category.
    quarantine : str or None
        File the rejected lines were written to.
    header_lines : int
        Header lines (CSV: 1).
    undecodable_lines : int
        Lines holding bytes invalid in the encoding (kept, with U+FFFD).
    duplicate_key_lines : int
        JSON lines with an object that names a key twice (at any depth; also when the line is then rejected for
        another reason): read with the key's last value, as
        ``json.loads`` reads them, so the earlier values are lost; counted and warned about (the first line
        named), never silently.
    absent_fields : list of str
        Mapped fields the input does not have, left missing on every row: only fields a read allowed to be
        absent (``optional`` of :meth:`Reader.iter_chunks`; any other is an error).
    """

    source: str = ""
    lines: int = 0
    records: int = 0
    continuation_lines: int = 0
    blank_lines: int = 0
    bad_lines: int = 0
    bad_by_reason: dict[str, int] = dc_field(default_factory=dict)
    quarantine: str | None = None
    header_lines: int = 0
    undecodable_lines: int = 0
    duplicate_key_lines: int = 0
    absent_fields: list[str] = dc_field(default_factory=list)

    @property
    def unaccounted_lines(self) -> int:
        """Physical lines neither read, joined, blank, header nor rejected: 0 after a complete read."""
        return self.lines - (self.header_lines + self.records + self.continuation_lines + self.blank_lines
                             + self.bad_lines)

    def to_dict(self) -> dict[str, Any]:
        """The counts as a new dict (its lists and dicts are copies: a later read does not change them)."""
        return copy.deepcopy(self.__dict__)


def bad_lines_warning(source: str, bad_lines: int, by_reason: Mapping[str, int], first_line: int | None,
                      quarantine: str | None, log_format: bool = False) -> str:
    """The warning of a lenient read's bad lines (the JVM's ``ReadReport.badLinesWarning`` gives the same words).

    Parameters
    ----------
    source : str
        The source's name.
    bad_lines : int
        Bad lines counted.
    by_reason : mapping of str to int
        Bad lines per reason category (printed as a Python dict).
    first_line : int or None
        The first bad line's number (None: not known).
    quarantine : str or None
        The quarantine file, if any.
    log_format : bool
        The lines were read by a text reader with a ``log_format``: its ``no format match`` lines are quarantined
        with where the format stops matching them, which the warning points at.

    Returns
    -------
    str
    """
    mismatches = log_format and NO_FORMAT_MATCH in by_reason
    return (f"{source}: {bad_lines} bad lines {dict(by_reason)}"
            + (f", first at line {first_line}" if first_line is not None else "")
            + (f", quarantined to {quarantine}" if quarantine else "")
            + ((f" (each '{NO_FORMAT_MATCH}' line with where the log format stops matching it)" if quarantine else
                f"; to see where the log format stops matching each '{NO_FORMAT_MATCH}' line, read with a quarantine "
                "file (--quarantine FILE, run.toml [reader] quarantine)") if mismatches else ""))


def carriage_return_warning(source: str, lines: int, first_line: int) -> str:
    """The warning of text lines holding a carriage return that does not end them (the JVM's
    ``ReadReport.carriageReturnWarning`` gives the same words).

    Parameters
    ----------
    source : str
        The source's name.
    lines : int
        Lines holding such a carriage return.
    first_line : int
        The first of them.

    Returns
    -------
    str
    """
    return (f"{source}: {lines} lines hold a carriage return (CR) that does not end them (the first on line "
            f"{first_line}): if the file has CR line endings, its lines were read as one; convert them to LF "
            "(tr '\\r' '\\n' < in.log > out.log)")


class _BadLineSink:
    """Applies the strict / lenient policy to one read.

    ``append``: add to the quarantine file instead of starting it afresh; ``write``: False when this
    source's bad lines are in the quarantine already (it was read to its end before).
    """

    def __init__(self, source: str, mode: str, quarantine: str | None, report: ReadReport, *,
                 append: bool = False, write: bool = True):
        self.source = source
        self.mode = mode
        self.report = report
        self.counter: Counter[str] = Counter()
        self.first_line: dict[str, int] = {}   # per reason, its first bad line: bad_by_reason's order
        self.first_bad: tuple[int, str | None, str] | None = None
        #: lenient mode: the first bad line (the smallest number: a chunk's checks run one after the other)
        self.first_bad_line: int | None = None
        self.handle = None
        self.pending: list[tuple[int, str]] = []   # quarantine records not yet written (see bad)
        if quarantine is not None:
            report.quarantine = os.fspath(quarantine)
            if write:
                directory = os.path.dirname(os.path.abspath(quarantine))
                os.makedirs(directory, exist_ok=True)
                # backslashreplace: a lone surrogate (from in-memory lines) is written as its JSON escape;
                # newline="\n": lines end in LF on every OS, as the JVM writes them (Windows would write CRLF)
                self.handle = open(quarantine, "a" if append else "w", encoding="utf-8", errors="backslashreplace",
                                   newline="\n")

    def bad(self, line: int, field: str | None, category: str, detail: str, text: str) -> None:
        """``text``: the line as read (a multi-line record: its lines joined with ``\\n``), as the JVM writes it."""
        if self.mode == "strict":
            # raised by raise_first once the chunk is checked: the checks run one after the other over a whole
            # chunk (formats, column counts, then each typed field), so the first one to fail need not be the
            # first bad line; the JVM reads line by line and names the first
            if self.first_bad is None or line < self.first_bad[0]:
                self.first_bad = (int(line), field, f"{category}: {detail}")
            return
        self.counter[category] += 1
        if line < self.first_line.get(category, line + 1):
            self.first_line[category] = int(line)
        self.report.bad_lines += 1
        if self.first_bad_line is None or line < self.first_bad_line:
            self.first_bad_line = int(line)
        if self.handle is not None:
            record = {"source": self.source, "line": int(line), "field": field,
                      "reason": f"{category}: {detail}", "text": text}
            # held until the lines before it are final: the type checks of a chunk run after its parse, so the
            # quarantine is written in line order, as the JVM (which reads line by line) writes it
            self.pending.append((int(line), json.dumps(record, ensure_ascii=False) + "\n"))

    def flush(self, upto: int | None = None) -> None:
        """Write the held quarantine records of lines ``<= upto`` (all: None), in line order."""
        if not self.pending or self.handle is None:
            return
        self.pending.sort(key=lambda entry: entry[0])
        if upto is None:
            ready, self.pending = self.pending, []
        else:
            cut = 0
            while cut < len(self.pending) and self.pending[cut][0] <= upto:
                cut += 1
            ready, self.pending = self.pending[:cut], self.pending[cut:]
        if ready:
            try:
                self.handle.write("".join(text for _, text in ready))
                self.handle.flush()   # on disk once final: a live stdin's rejected lines show while it waits for more
            except OSError as error:
                self._failed(error)

    def raise_first(self) -> None:
        """Strict mode: raise the :class:`BadLineError` of the first bad line met so far, if any."""
        if self.first_bad is not None:
            self.close()
            raise BadLineError(self.source, *self.first_bad)

    def _failed(self, error: OSError) -> None:
        handle, self.handle, self.pending = self.handle, None, []
        try:
            handle.close()
        except OSError:
            pass   # the failure below says it
        raise QuarantineError(self.report.quarantine, error) from error

    def close(self) -> None:
        # in the order of each reason's first line, as the JVM (which reads line by line) counts them: the checks of
        # a chunk run one after the other (a wrong type is found after an invalid JSON line below it)
        self.report.bad_by_reason = {reason: self.counter[reason]
                                     for reason in sorted(self.counter, key=self.first_line.__getitem__)}
        if self.handle is not None:
            self.flush()
            try:
                self.handle.close()
            except OSError as error:
                self._failed(error)
            self.handle = None


class Reader:
    """Base class: chunked reading, type checks and the bad-line policy.

    Parameters
    ----------
    types : mapping of str to str, optional
        Declared type per field, one of ``"str"``, ``"int"``, ``"float"``,
        ``"bool"``.  A present value that cannot be read as that type makes
        the line bad.  Missing values (``None``) are allowed -- the missing
        value policy of the transforms decides what they become.
    mode : {"strict", "lenient"}
        Bad-line policy (see module docstring).
    quarantine : str, optional
        Lenient mode: file receiving rejected lines as JSON lines (with ``mode="strict"``: ``EtlError``).
    chunk_lines : int
        Records per in-memory chunk.
    encoding : str
        File encoding.
    """

    kind = "base"

    def __init__(self, *, types: Mapping[str, str] | None = None, mode: str = "strict",
                 quarantine: str | os.PathLike[str] | None = None, chunk_lines: int = 100_000,
                 encoding: str = "utf-8"):
        if mode not in ("strict", "lenient"):
            raise EtlError(f"mode must be 'strict' or 'lenient', not {mode!r}")
        self.types = dict(types or {})
        for name, kind in self.types.items():
            if kind not in FIELD_TYPES:
                raise EtlError(f"type of {name!r} must be one of {FIELD_TYPES}, not {kind!r}")
        if quarantine is not None and mode != "lenient":
            # strict reading stops at the first bad line and quarantines nothing: the file was created empty and
            # the first bad line raised, as run.toml and the command line already refuse
            raise EtlError(f"quarantine={os.fspath(quarantine)!r} needs mode='lenient' (strict reading stops at the "
                           "first bad line and quarantines nothing): pass mode='lenient', or leave out quarantine")
        self.mode = mode
        self.quarantine = os.fspath(quarantine) if quarantine is not None else None
        if isinstance(chunk_lines, bool) or not isinstance(chunk_lines, numbers.Integral) or chunk_lines < 1:
            raise EtlError(f"chunk_lines must be an integer >= 1 (records per chunk), got {chunk_lines!r}")
        self.chunk_lines = int(chunk_lines)
        try:   # the codec's own name: what the saved spec holds and the JVM scorer maps to a Java charset
            self.encoding = codecs.lookup(encoding).name
        except LookupError as error:
            raise EtlError(f"unknown encoding {encoding!r}: give a Python codec name such as 'utf-8' or "
                           "'latin-1'") from error
        self.report = ReadReport()
        self._history: dict[str, Any] = {}
        #: field -> check of a (type-checked) value returning None or ``"<category>: <detail>"``, which makes the
        #: line bad (set by the pipeline: a ``Label`` with ``classes``); not part of the reader's spec
        self.value_checks: dict[str, Any] = {}

    # -- public -----------------------------------------------------------
    @property
    def fields(self) -> list[str]:
        """Output field names (without ``line_number``)."""
        raise NotImplementedError

    def iter_chunks(self, source: Source, *, optional: Collection[str] | None = None) -> Iterator[pd.DataFrame]:
        """Yield DataFrame chunks of at most about ``chunk_lines`` records.

        Parameters
        ----------
        source : path or iterable of str
        optional : collection of str, optional
            A mapped field the input lacks is an :class:`~dl4j_bridge.etl.errors.AbsentFieldError` (a typo in
            ``fields`` or the wrong input): CSV at the header, JSON lines when no record of the read has it.
            ``None`` (default; fitting) allows none. A collection (a fitted pipeline scoring: the label, which
            logs to score lack, and the fields that were missing on some training records, which a small
            batch such as one request to the JVM scorer's ``serve`` may lack on every line) allows those,
            missing on every row, with a warning and ``report.absent_fields``.

        Yields
        ------
        pandas.DataFrame
            Columns :attr:`fields` plus ``line_number`` (int64).  String
            fields hold ``str`` or ``None``; typed fields hold checked values.
        """
        name = source_name(source)
        self.report = ReadReport(source=name)
        self._optional = None if optional is None else frozenset(optional)
        history = self._read_history()
        key: Any = _UNKNOWN
        append = write = False
        if self.quarantine is not None:
            key = _read_key(source)
            append = history["started"]
            write = key is None or key not in history["quarantined"]
            history["started"] = history["started"] or write
        sink = _BadLineSink(name, self.mode, self.quarantine, self.report, append=append, write=write)
        self._sink = sink
        self._start_read()
        try:
            for frame in self._iter_frames(source, sink):
                last_line = int(frame[LINE_NUMBER].iloc[-1]) if len(frame) else 0
                frame = self._check_types(frame, sink)
                sink.raise_first()
                sink.flush(last_line)   # the lines up to this frame's last are final
                self.report.records += len(frame)
                if len(frame):
                    yield frame
            sink.raise_first()   # bad lines after the last frame (a reader yields no frame of bad lines only)
        except SourceError:
            # a truncated or corrupt .gz: what was read up to the failure is counted and said, as the launcher
            # prints its warnings before the error (the read is not complete: not remembered as quarantined)
            sink.close()
            self._log_read_warnings(source, name, key, history, sink.first_bad_line, complete=False)
            raise
        finally:
            sink.close()
        self._log_read_warnings(source, name, key, history, sink.first_bad_line, write=write)
        self._finish_read()

    def _log_read_warnings(self, source: Source, name: str, key: Any, history: dict[str, Any],
                           first_bad_line: int | None, *, write: bool = False, complete: bool = True) -> None:
        """The warnings of a read (bad lines, undecodable bytes, repeated JSON keys): once per source.

        Parameters
        ----------
        source, name : the source read and its name
        key : the source's :func:`_read_key`, or ``_UNKNOWN`` (not computed yet)
        history : :meth:`_read_history`
        first_bad_line : int or None
            The first bad line's number, named in the bad-lines warning.
        write : bool
            This read wrote its bad lines to the quarantine.
        complete : bool
            False when the read ended with an error: its source is not remembered as quarantined.
        """
        first = True   # the warnings below: once per source (a pipeline reads its sources several times)
        if (self.report.bad_lines or self.report.undecodable_lines or self.report.duplicate_key_lines
                or self._cr_lines):
            key = _read_key(source) if key is _UNKNOWN else key
            if complete and write and key is not None and self.report.bad_lines:
                history["quarantined"].add(key)   # complete: its bad lines are all quarantined
            first = key is None or key not in history["warned"]
            if key is not None:
                history["warned"].add(key)
        level = logging.WARNING if first else logging.DEBUG
        if self.report.bad_lines:
            logger.log(level, "%s", bad_lines_warning(name, self.report.bad_lines, self.report.bad_by_reason,
                                                      first_bad_line, self.quarantine,
                                                      getattr(self, "log_format", None) is not None))
        if self.report.undecodable_lines:
            logger.log(level, "%s: %d lines hold bytes that are not valid %s; they were read with U+FFFD in their "
                       "place (pass encoding= if the file has another one)", name,
                       self.report.undecodable_lines, self.encoding)
        if self.report.duplicate_key_lines:
            logger.log(level, "%s", duplicate_key_warning(name, self.report.duplicate_key_lines,
                                                          self._first_duplicate_key_line))
        if self._cr_lines:
            logger.log(level, "%s", carriage_return_warning(name, self._cr_lines, self._first_cr_line))

    #: Absent fields that are expected, not news (a fitted pipeline sets its label columns: logs to score have
    #: none): still listed in ``report.absent_fields``, logged at DEBUG instead of WARNING.
    expected_absent: frozenset = frozenset()

    def _log_absent(self, source: str, name: str) -> None:
        level = logging.DEBUG if name in self.expected_absent else logging.WARNING
        logger.log(level, "%s", absent_field_warning(source, name))

    def reset_quarantine(self) -> None:
        """Forget the sources read so far: the next read starts the quarantine file afresh (a new run)."""
        self._history = {}

    def read(self, source: Source, *, optional: Collection[str] | None = None) -> pd.DataFrame:
        """Read the whole source into one DataFrame (see :meth:`iter_chunks`, also for ``optional``)."""
        frames = list(self.iter_chunks(source, optional=optional))
        if not frames:
            return self._empty_frame()
        return pd.concat(frames, ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (see :func:`reader_from_dict`)."""
        return {"kind": self.kind, "types": dict(self.types), "mode": self.mode,
                "chunk_lines": self.chunk_lines, "encoding": self.encoding}

    def __repr__(self) -> str:
        """``TextReader(log_format='<Date> <Content>', mode='strict')``: what the reader reads, not its address."""
        if getattr(self, "log_format", None):
            what = f"log_format={self.log_format!r}"
        elif isinstance(self, TextReader):
            what = f"regex={self.pattern!r}"
        else:
            what = f"fields={list(self.fields)!r}"
        return f"{type(self).__name__}({what}, mode={self.mode!r})"

    # -- helpers ----------------------------------------------------------
    def _read_history(self) -> dict[str, Any]:
        """Sources read to their end (keys of :func:`_read_key`), kept for the current quarantine file."""
        history = getattr(self, "_history", None) or {}
        if history.get("quarantine", self.quarantine) != self.quarantine or not history:
            history = {"quarantine": self.quarantine, "started": False, "quarantined": set(), "warned": set()}
            self._history = history
        return history

    #: The line of the first record that repeats a JSON key in the current read (JSON lines only).
    _first_duplicate_key_line: int | None = None
    #: Text lines of the current read holding a carriage return that does not end them (a file with CR line
    #: endings reads as one line), and the first of them (text reader only): warned about, never silently.
    _cr_lines: int = 0
    _first_cr_line: int = 0

    def _start_read(self) -> None:
        """Per-read state of subclasses."""

    def _finish_read(self) -> None:
        """Checks at the end of a complete read (JSON lines: fields absent from every record)."""

    def _iter_frames(self, source: Source, sink: _BadLineSink) -> Iterator[pd.DataFrame]:
        raise NotImplementedError

    def _blocks(self, source: Source) -> Iterator[list[str]]:
        sink = getattr(self, "_sink", None)
        for block in iter_line_blocks(source, encoding=self.encoding, block_lines=self.chunk_lines,
                                      on_undecodable=self._count_undecodable):
            yield block
            if sink is not None:   # strict mode stops within a block of the first bad line, frames or not
                sink.raise_first()

    def _count_undecodable(self, lines: int) -> None:
        self.report.undecodable_lines += lines

    def _empty_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in self.fields})
        frame[LINE_NUMBER] = np.array([], dtype=np.int64)
        return frame

    def _record_text(self, frame: pd.DataFrame, row: int) -> str:
        """The raw text of a frame's record, for the quarantine: the line(s) as read (the JVM writes the same).
        Readers override this; the fallback is the record as JSON."""
        return _row_text(frame, row)

    def _check_types(self, frame: pd.DataFrame, sink: _BadLineSink) -> pd.DataFrame:
        frame = self._check_declared_types(frame, sink)
        checks = getattr(self, "value_checks", None)
        if checks and not frame.empty:   # after the types, as the JVM's RecordReader.emit
            bad_rows = np.zeros(len(frame), dtype=bool)
            for name, check in checks.items():
                if name not in frame.columns:
                    continue
                values = frame[name].to_numpy(dtype=object)
                reasons = map_distinct(values, check)   # a label column holds few distinct values
                for row in np.flatnonzero(np.not_equal(reasons, None)):
                    if bad_rows[row]:
                        continue
                    category, _, detail = reasons[row].partition(": ")
                    # the line as read, as the JVM writes it (not the record's fields as JSON)
                    sink.bad(int(frame[LINE_NUMBER].iloc[row]), name, category, detail, self._record_text(frame, row))
                    bad_rows[row] = True
            if bad_rows.any():
                frame = frame.loc[~bad_rows].reset_index(drop=True)
        return frame

    def _check_declared_types(self, frame: pd.DataFrame, sink: _BadLineSink) -> pd.DataFrame:
        if not self.types or frame.empty:
            return frame
        bad_rows = np.zeros(len(frame), dtype=bool)
        converted: dict[str, pd.Series] = {}
        for name, kind in self.types.items():
            if kind == "str" or name not in frame.columns:
                continue
            column = frame[name]
            values, ok = _convert_column(column, kind)
            newly_bad = ~ok & ~bad_rows
            for row in np.flatnonzero(newly_bad):
                raw = column.iloc[row]
                sink.bad(int(frame[LINE_NUMBER].iloc[row]), name, "wrong type",
                         f"expected {kind}, got {raw!r}", self._record_text(frame, row))
            bad_rows |= ~ok
            converted[name] = values
        for name, values in converted.items():
            frame[name] = values
        if bad_rows.any():
            frame = frame.loc[~bad_rows].reset_index(drop=True)
        return frame


_UNKNOWN = object()


def _read_key(source: Source) -> Any:
    """What identifies a source across reads: a file and its version, or the content of in-memory lines.

    None for a one-shot iterable (it cannot be read twice) and for a file that cannot be examined.
    """
    if is_path(source):
        path = os.fspath(source)  # type: ignore[arg-type]
        try:
            stat = os.stat(path)
        except OSError:
            return None
        return ("file", os.path.abspath(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if not isinstance(source, (list, tuple)):
        return None
    digest = hashlib.blake2b(digest_size=20)
    for start in range(0, len(source), 10_000):
        # repr of a list of str is unambiguous (quoted, escaped: lone surrogates included)
        digest.update(repr(list(source[start:start + 10_000])).encode("utf-8"))
    return ("lines", len(source), digest.hexdigest())


def _row_text(frame: pd.DataFrame, row: int) -> str:
    record = {str(k): (None if _is_missing(v) else (v if isinstance(v, (str, int, float, bool)) else str(v)))
              for k, v in frame.iloc[row].items() if k != LINE_NUMBER}
    return json.dumps(record, ensure_ascii=False, default=str)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


_BOOL_WORDS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}

#: A JSON escape of a UTF-16 surrogate; only a pair of them is a character.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

#: Integers must fit in int64 (pandas' nullable Int64, Java's long).
_INT64_LIMIT = 2.0 ** 63


def to_numbers(values: pd.Series) -> pd.Series:
    """``pd.to_numeric(values, errors="coerce")`` that never raises.

    pandas raises ``OverflowError`` on a Python ``int`` beyond float64 (a
    JSON integer with hundreds of digits); such a value becomes ``±inf``, as
    the same text does when parsed as a float (and as Java's
    ``Double.parseDouble`` makes it).  Unreadable values become NaN.
    """
    try:
        parsed = pd.to_numeric(values, errors="coerce")
    except (OverflowError, TypeError, ValueError):
        return pd.Series([_one_number(v) for v in values.astype(object)], index=values.index, dtype="float64")
    if parsed.dtype == np.float64 and values.dtype == object and not _pandas_rounds_text():
        parsed = _rounded_text_numbers(values, parsed)
    return parsed


#: A decimal text pandas < 3 reads one unit in the last place off (its fast parser is off for about one in five
#: 17-digit numbers); CPython's ``float``, Java's ``Double.parseDouble`` and pandas 3 round it correctly.
_ROUNDING_PROBE = "13.700000000000001"


@functools.lru_cache(maxsize=1)
def _pandas_rounds_text() -> bool:
    """Whether ``pd.to_numeric`` reads decimal text as the nearest float64 (pandas >= 3), as the JVM does."""
    return float(pd.to_numeric(pd.Series([_ROUNDING_PROBE], dtype=object)).iloc[0]) == float(_ROUNDING_PROBE)


def _rounded_text_numbers(values: pd.Series, numbers: pd.Series) -> pd.Series:
    """``numbers`` with each text that pandas read as a number read again by ``float`` (correctly rounded, as
    ``Double.parseDouble`` on the JVM): which texts are numbers stays pandas' decision, only the last bits change.

    Parameters
    ----------
    values : pandas.Series
        The values ``numbers`` was read from (dtype object).
    numbers : pandas.Series
        ``pd.to_numeric(values, errors="coerce")``, float64.

    Returns
    -------
    pandas.Series
        float64, the index of ``values``.
    """
    raw = values.to_numpy(dtype=object)
    out = numbers.to_numpy(dtype=np.float64, copy=True)
    for row in np.flatnonzero(~np.isnan(out)):
        text = raw[row]
        if text.__class__ is str:
            try:
                out[row] = float(text)
            except ValueError:   # a text pandas reads and float does not: pandas' value
                pass
    return pd.Series(out, index=values.index, dtype="float64")


def _one_number(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return math.nan if value is None else float(value)
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def _convert_column(column: pd.Series, kind: str) -> tuple[pd.Series, np.ndarray]:
    """Convert to ``kind``; return (values, ok mask).  Missing values are ok."""
    missing = column.isna().to_numpy()
    if kind in ("int", "float"):
        as_object = column.astype(object)
        is_bool = np.array([isinstance(v, bool) for v in as_object], dtype=bool)
        numbers = to_numbers(as_object.where(~is_bool, None))
        # a value that is no finite number ('NaN', 'inf', 1e400 beyond float64) is a wrong type: as a missing
        # value it would silently become the training mean
        as_float = numbers.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(as_float)
        ok = missing | (finite & ~is_bool)
        if kind == "int":
            with np.errstate(invalid="ignore"):
                integral = finite & (as_float == np.round(as_float)) & (np.abs(as_float) < _INT64_LIMIT)
            ok &= missing | integral
            values = numbers.where(ok & ~missing).astype("Int64")
        else:
            values = numbers.where(ok & ~missing).astype("float64")
        return values, ok
    # bool
    out = []
    ok = np.ones(len(column), dtype=bool)
    for index, value in enumerate(column.astype(object)):
        if _is_missing(value):
            out.append(None)
        elif isinstance(value, bool):
            out.append(value)
        elif isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
            out.append(_BOOL_WORDS[value.strip().lower()])
        else:
            out.append(None)
            ok[index] = False
    return pd.Series(out, index=column.index, dtype=object), ok


# --------------------------------------------------------------------------
# text logs
# --------------------------------------------------------------------------
class TextReader(Reader):
    """Text logs described by a format string or a regex with named groups.

    Parameters
    ----------
    log_format : str, optional
        loghub-style format, e.g. ``"<Date> <Time> <Pid> <Level> <Component>: <Content>"``.
    regex : str, optional
        Alternative to ``log_format``: a regex with named groups, in Python
        ``(?P<name>...)`` or Java ``(?<name>...)`` syntax.  It is applied to
        the whole line (``fullmatch``).
    continuation : str or None
        Regex for lines that continue the previous record (stack traces),
        applied at the start of the line.  Such a line (unless blank) is
        appended, after a newline, to the previous record's last field, even
        when the format matches it too; with no record before it (the input
        starts inside a trace), it is a bad line, ``no record to continue``.
        After a bad line it continues that bad line (lenient mode: counted in
        ``continuation_lines`` and quarantined with it), never the record
        before the bad line.
        ``None`` makes every line that the format does not match bad.
    saved_regex : str, optional
        With ``log_format``: the regex a saved spec holds (Java dialect), read
        with instead of the one ``log_format`` gives today, as the JVM reads it
        (``log_format`` still gives the field order and the linear-time guard).
    line_rules : int
        2 (the default): as above.  1: how specs saved before version 3 read
        text (kept so that a model reads logs as it was trained on them): the
        format is tried before the continuation, and a run of spaces in the
        format may match part of a run of blanks in the line (see
        :func:`format_to_regex`).
    **options
        See :class:`Reader`.

    Examples
    --------
    >>> reader = TextReader("<Date> <Time> <Level> <Content>")
    >>> reader.read(["2024-01-01 10:00:00 INFO started"]).loc[0, "Content"]
    'started'
    """

    kind = "text"

    def __init__(self, log_format: str | None = None, *, regex: str | None = None,
                 continuation: str | None = DEFAULT_CONTINUATION, line_rules: int = LINE_RULES,
                 saved_regex: str | None = None, **options: Any):
        super().__init__(**options)
        if (log_format is None) == (regex is None):
            raise EtlError("give exactly one of log_format or regex")
        if saved_regex is not None and log_format is None:
            raise EtlError("saved_regex goes with log_format")
        if type(line_rules) is not int or line_rules not in LINE_RULES_READ:
            raise SpecError(f"line_rules {line_rules!r} is not one of {', '.join(map(str, LINE_RULES_READ))}: leave it "
                            f"out ({LINE_RULES}, the default, reads stack traces as continuations), or upgrade "
                            "dl4j_bridge if a newer one wrote this spec")
        self.line_rules = line_rules
        self.log_format = log_format
        guard = None
        if log_format is not None:
            headers, pattern = format_to_regex(log_format, line_rules)
            guard = format_guard(log_format, line_rules)
            if saved_regex is not None:   # a saved spec's regex is what it reads with, on both sides (the JVM's)
                pattern = java_regex_to_python(saved_regex)
                groups = compile_regex(pattern, "the saved regex of log_format").groupindex
                if any(name not in groups for name in headers):
                    raise SpecError(f"the saved regex {saved_regex!r} lacks fields of log_format {log_format!r}")
        else:
            pattern = java_regex_to_python(regex)  # type: ignore[arg-type]
            compiled = compile_regex(pattern, "regex", given=regex)
            headers = list(compiled.groupindex)
            if not headers:
                raise EtlError(f"regex {regex!r} has no named group: name each field to read with (?<name>...) "
                               "(Java's syntax; Python's (?P<name>...) works too), e.g. "
                               "'(?<Date>\\S+) (?<Content>.*)'")
            if not pattern.startswith("^"):
                pattern = "^(?:" + pattern + ")$"
        for name in headers:
            _check_not_reserved(name, "a text reader field")
        self.pattern = pattern
        self._headers = headers
        what = "regex" if log_format is None else "the regex of log_format"
        self._line_regex = compile_regex(pattern, what)
        # the format's own regex is run as format_read_regex: the same matches, a long run of blanks scanned once
        own = log_format is not None and pattern == format_to_regex(log_format, line_rules)[1]
        read_regex = format_read_regex(log_format, line_rules) if own else None   # type: ignore[arg-type]
        if read_regex is not None:
            self._line_regex = re.compile(read_regex)
        self._block_regex = compile_regex(read_regex or pattern, what, re.MULTILINE)
        # linear-time rejection of lines the format cannot match (see format_guard)
        self._line_guard = re.compile(guard) if guard else None
        self._block_guard = re.compile(guard, re.MULTILINE) if guard else None
        self._ordered_groups = [self._line_regex.groupindex[name] for name in headers]
        # a format with an optional segment (loghub's Linux one): its regex backtracks through every '[' of a
        # long line (quadratic even on lines it matches), so such lines are matched with two plain formats'
        # regexes instead, each behind its linear guard, giving the same fields (see _segment_match)
        # the format's own regex (not a saved regex that differs): one atomic scan gives its lines and fields
        capture = format_capture(log_format, line_rules) if log_format is not None and \
            pattern == format_to_regex(log_format, line_rules)[1] else None
        self._line_capture = re.compile(capture) if capture else None
        self._block_capture = re.compile(capture, re.MULTILINE) if capture else None
        self._segment = None
        segment = optional_segment(log_format) if log_format is not None else None
        if segment is not None and pattern == format_to_regex(log_format, line_rules)[1]:
            without, with_, field, before = segment
            names = re.findall(r"<([^<>]+)>", log_format)
            self._segment = (field, names[:names.index(before) + 1],
                             re.compile(format_to_regex(without, line_rules)[1]),
                             re.compile(format_guard(without, line_rules)),
                             re.compile(format_to_regex(with_, line_rules)[1]),
                             re.compile(format_guard(with_, line_rules)))
        self.continuation = continuation
        self._continuation_regex = compile_regex(continuation, "continuation") if continuation else None
        self._mismatch: _FormatMismatch | None = None   # made at the first line a lenient read rejects

    @property
    def fields(self) -> list[str]:
        return list(self._headers)

    def to_dict(self) -> dict[str, Any]:
        spec = super().to_dict()
        spec.update({"log_format": self.log_format, "regex": python_regex_to_java(self.pattern),
                     "fields": self.fields, "continuation": self.continuation, "line_rules": self.line_rules})
        return spec

    def _iter_frames(self, source: Source, sink: _BadLineSink) -> Iterator[pd.DataFrame]:
        self._pending_raw: tuple[int, str] | None = None   # the held-back record's line, as read
        #: lenient mode: the last bad line, held back with its continuation lines until a record or another bad
        #: line ends it, as ``[line, text, message]`` (its quarantine text: its lines joined by newlines; its detail)
        self._held_bad: list[Any] | None = None
        self._last_continuation = 0   # the line number of the last continuation line read (0: none)
        self._cr_lines, self._first_cr_line = 0, 0
        try:
            yield from self._read_blocks(source, sink)
        except SourceError:   # a truncated or corrupt .gz: a bad line held for its trace lines is counted too
            self._release_bad(sink)
            raise

    def _read_blocks(self, source: Source, sink: _BadLineSink) -> Iterator[pd.DataFrame]:
        """The frames of :meth:`_iter_frames`, block by block (the held-back record and bad line in ``self``)."""
        pending: list[Any] | None = None   # last record, held back for continuations
        pending_line = 0
        next_line = 1
        report = self.report
        for block in self._blocks(source):
            # the quarantine lines before the held-back record (or this block) are final
            sink.flush(pending_line - 1 if pending is not None else next_line - 1)
            first_line = next_line
            next_line += len(block)
            report.lines += len(block)
            if "\r" in "".join(block):   # a CR within a line (its ending's was stripped): CR line endings?
                self._count_carriage_returns(block, first_line)
            self._raw_block = (first_line, block, self._pending_raw)
            rows = self._fast_rows(block)
            if rows is not None:
                self._release_bad(sink)   # the block's first line is a record: it ends a held-back bad line
                line_numbers = np.arange(first_line, first_line + len(rows), dtype=np.int64)
            else:
                rows, numbers = self._slow_rows(block, first_line, sink, pending)
                line_numbers = np.asarray(numbers, dtype=np.int64)
            if pending is not None:
                # continuation lines at the top of this block were appended to
                # the held-back record in place
                rows = [pending] + rows
                line_numbers = np.concatenate([np.array([pending_line], dtype=np.int64), line_numbers])
            if not rows:
                if isinstance(block, IdleBlock):   # a live stream paused: what is final reaches the quarantine now
                    self._release_bad_at_pause(sink)
                    sink.flush(pending_line - 1 if pending is not None else next_line - 1)
                continue
            if self._held_bad is not None and sink.mode != "strict":
                # a bad line after the last record ends it (the lines continuing the bad line are the bad line's):
                # handed on now, as the JVM's reader does, not held back for continuations (a read failure later
                # would lose it)
                yield self._frame(rows, line_numbers)
                pending, self._pending_raw = None, None
                if isinstance(block, IdleBlock):
                    self._release_bad_at_pause(sink)
                    sink.flush(next_line - 1)
                continue
            if sink.mode == "strict" and sink.first_bad is not None:
                # the read ends at this block: the held-back record's types are checked too, before the first
                # bad line is named (the JVM does the same)
                yield self._frame(rows, line_numbers)
                pending = None
                continue
            pending, pending_line = list(rows[-1]), int(line_numbers[-1])
            if pending_line >= first_line:
                self._pending_raw = (pending_line, block[pending_line - first_line])
            if len(rows) > 1:
                yield self._frame(rows[:-1], line_numbers[:-1])
            if isinstance(block, IdleBlock):   # as at the next block's start, without waiting for it
                self._release_bad_at_pause(sink)
                sink.flush(pending_line - 1)
        self._release_bad(sink)
        if pending is not None:
            yield self._frame([pending], np.array([pending_line], dtype=np.int64))

    def _count_carriage_returns(self, block: list[str], first_line: int) -> None:
        for offset, line in enumerate(block):
            if "\r" in line:
                if not self._cr_lines:
                    self._first_cr_line = first_line + offset
                self._cr_lines += 1

    def _release_bad_at_pause(self, sink: _BadLineSink) -> None:
        """A live stream paused: the held-back bad line is counted and quarantined now, not when the next line comes
        (as the JVM launcher's reader does); its continuation lines coming later continue no record (the record
        before the bad line was handed on when the bad line came: nothing is held back for them)."""
        self._release_bad(sink)

    def _release_bad(self, sink: _BadLineSink) -> None:
        """Count and quarantine the held-back bad line, with the continuation lines joined to it."""
        if self._held_bad is not None:
            line, text, message = self._held_bad
            self._held_bad = None
            # the diagnosis only where it is written: a quarantine (computed for rejected lines only), after the
            # continuation hint for a line right after a continuation line (as a strict fit gives both)
            if message == LINE_FEED_IN_LINE or sink.handle is None:
                detail = message
            else:
                detail = self._no_match_detail(text, message)
            sink.bad(line, None, NO_FORMAT_MATCH, detail, text)

    def _frame(self, rows: list[Any], line_numbers: np.ndarray) -> pd.DataFrame:
        frame = pd.DataFrame(rows, columns=self._headers, dtype=object)
        frame[LINE_NUMBER] = line_numbers
        return frame

    def _record_text(self, frame: pd.DataFrame, row: int) -> str:
        """The record's line as read, and its continuation lines (held in its last field after a newline)."""
        line = int(frame[LINE_NUMBER].iloc[row])
        first_line, block, held = self._raw_block
        if first_line <= line < first_line + len(block):
            text = block[line - first_line]
        elif held is not None and held[0] == line:
            text = held[1]
        else:  # not expected: every record of a frame is of this block or the one held back from before
            return _row_text(frame, row)
        last = frame[self._headers[-1]].iloc[row]
        if isinstance(last, str) and "\n" in last:
            text += last[last.index("\n"):]
        return text

    def _fast_rows(self, block: list[str]) -> list[Any] | None:
        """All lines match: one C-level ``findall`` over the joined block."""
        if self._segment is not None:
            return None   # the format's own regex is not run on a format with an optional segment
        if self.line_rules >= 2 and self._continuation_regex is not None \
                and any(map(self._continuation_regex.match, block)):
            return None   # a continuation line, which the format may match too: line by line
        text = "\n".join(block)
        if text.count("\n") != len(block) - 1:
            return None   # an in-memory item holding a line feed: findall would read its lines as the next items'
        if self._block_capture is not None:   # guard and regex in one linear scan (see format_capture)
            found = self._block_capture.findall(text)
        elif self._block_guard is not None and len(self._block_guard.findall(text)) != len(block):
            return None  # some line cannot match: line by line, without running the regex on it
        else:
            found = self._block_regex.findall(text)
        if len(found) != len(block):
            return None
        # findall gives '' for a group that took no part in the match (an optional part of the format) as for
        # one that matched nothing; the line-by-line path and the JVM give None (a missing field): the lines
        # holding an empty value are matched again, so a line reads the same in whatever block it comes
        single = self._line_regex.groups == 1
        for index in [i for i, row in enumerate(found) if (row == "" if single else "" in row)]:
            again = self._line_regex.match(block[index])
            if again is not None:
                found[index] = again.group(1) if single else again.groups()
        if self._line_regex.groups == 1:
            return [[value] for value in found]
        if (self._line_regex.groups != len(self._headers)
                or self._ordered_groups != list(range(1, len(self._headers) + 1))):
            order = [g - 1 for g in self._ordered_groups]
            return [[row[i] for i in order] for row in found]
        if found:
            found[-1] = list(found[-1])  # may be held back and extended in place
        return found

    def _match_values(self, line: str) -> list[Any] | None:
        """The fields of one line in the order of :attr:`fields` (None: the format does not match it): the capture
        regex, or the guard and then the regex, or for a format with an optional segment :meth:`_segment_match`."""
        if self._segment is not None:
            return self._segment_match(line) if self._line_guard.match(line) else None
        if self._line_capture is not None:   # the same lines and fields, in linear time: no guard needed
            found = self._line_capture.match(line)
        elif self._line_guard is None or self._line_guard.match(line):
            found = self._line_regex.match(line)
        else:
            return None
        return None if found is None else [found.group(name) for name in self._headers]

    def _no_match_detail(self, text: str, message: str = NO_FORMAT_MATCH_DETAIL) -> str:
        """The detail of a ``no format match`` bad line in lenient mode: ``message`` and, with a ``log_format``, where it stops
        matching the line (:func:`format_mismatch` of the line's first line; the JVM says the same), computed for
        rejected lines only, with the prefixes' readers made at the first."""
        if self.log_format is None:
            return message
        if self._mismatch is None:
            self._mismatch = _FormatMismatch(self.log_format, self.line_rules)
        diagnosis = self._mismatch(text.split("\n", 1)[0])
        return message + (f"; {diagnosis}" if diagnosis else "")

    def _segment_match(self, line: str) -> list[Any] | None:
        """The fields of a line the guard accepted, for a format with an optional segment, in linear time.

        The format's regex tries the ways to split the line in order -- each field up to the segment as short as
        it can be, each run of blanks before a field as long as it can be, then the segment before its absence --
        and takes the first that fits: the first of the two matches, of the format without the segment (the
        segment's field missing) and of the format with it required, in that order (the segment on a tie). Each
        is tried only when its own guard accepts the line, and then at once at the first place it can start (the
        JVM's ``TextRecordReader`` does the same).
        """
        field, leading, without, without_guard, with_, with_guard = self._segment
        plain = without.match(line) if without_guard.match(line) else None
        grouped = with_.match(line) if with_guard.match(line) else None
        if grouped is not None and (plain is None or _split_order(grouped, leading) <= _split_order(plain, leading)):
            return [grouped.group(name) for name in self._headers]
        if plain is None:   # not expected: the guard accepted the line
            return None
        return [None if name == field else plain.group(name) for name in self._headers]

    def _slow_rows(self, block: list[str], first_line: int, sink: _BadLineSink,
                   pending: list[Any] | None) -> tuple[list[Any], list[int]]:
        """Line by line: continuations, blank lines and bad lines.

        A continuation line after a bad line is joined to that bad line (lenient mode: the bad line is held back
        in ``_held_bad`` and quarantined with it), never to the record before the bad line.
        """
        rows: list[Any] = []
        numbers: list[int] = []
        previous = pending
        match_values = self._match_values
        continuation = self._continuation_regex
        continuation_first = self.line_rules >= 2 and continuation is not None
        for offset, line in enumerate(block):
            number = first_line + offset
            if "\n" in line:
                # an in-memory item of several lines: never read as the record its first line is (the fast path
                # read the lines after its first as the next items' records, and dropped them), but a bad line
                # saying to split the items; the lines continuing it are its own, as a bad line's
                self._release_bad(sink)
                if sink.mode == "strict":
                    sink.bad(number, None, "no format match", LINE_FEED_IN_LINE, line)
                    break
                self._held_bad = [number, line, LINE_FEED_IN_LINE]
                previous = None
                continue
            if continuation_first and continuation.match(line) and line.strip():
                if self._held_bad is not None:
                    self._held_bad[1] += "\n" + line
                    self.report.continuation_lines += 1
                    self._last_continuation = number
                    continue
                if previous is not None:
                    previous[-1] = (previous[-1] or "") + "\n" + line
                    self.report.continuation_lines += 1
                    self._last_continuation = number
                    continue
                sink.bad(number, None, "no record to continue", NO_RECORD_TO_CONTINUE, line)
                if sink.mode == "strict":
                    break
                continue
            values = match_values(line)
            if values is not None:
                self._release_bad(sink)
                previous = values
                rows.append(previous)
                numbers.append(number)
                continue
            if not line.strip():
                self.report.blank_lines += 1
                continue
            if continuation is not None and (previous is not None or self._held_bad is not None) \
                    and continuation.match(line):
                if self._held_bad is not None:
                    self._held_bad[1] += "\n" + line
                else:
                    previous[-1] = (previous[-1] or "") + "\n" + line
                self.report.continuation_lines += 1
                self._last_continuation = number
                continue
            self._release_bad(sink)
            message = NO_FORMAT_MATCH_AFTER_CONTINUATION if self._last_continuation == number - 1 > 0 \
                else NO_FORMAT_MATCH_DETAIL
            if sink.mode == "strict":
                sink.bad(number, None, NO_FORMAT_MATCH, message, line)
                break   # the read ends here: no later line may continue a record before it (as on the JVM)
            # held back: the continuation lines after it are its own (a stack trace of the bad line), not the
            # record's before it; counted and quarantined once a record or another bad line ends it
            self._held_bad = [number, line, message]
            previous = None
        return rows, numbers


# --------------------------------------------------------------------------
# JSON lines
# --------------------------------------------------------------------------
_ABSENT = object()   # a key a record does not have (``None`` is a JSON null)


def _walk(record: dict[str, Any], parts: list[str]) -> Any:
    """The value at the dotted path ``parts`` of a JSON object, or ``_ABSENT``."""
    node: Any = record
    for part in parts:
        if not isinstance(node, dict):
            return _ABSENT
        node = node.get(part, _ABSENT)
        if node is _ABSENT:
            return _ABSENT
    return node


def _resolve_path(record: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    """Look up a dotted path; a literal key containing dots wins."""
    if path in record:
        return True, record[path]
    node: Any = record
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return False, None
    return True, node


def _flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _normalise_aliases(fields: Mapping[str, str | Sequence[str]] | Sequence[str] | None
                       ) -> dict[str, list[str]] | None:
    if fields is None:
        return None
    if isinstance(fields, Mapping):
        aliases = {name: ([paths] if isinstance(paths, str) else list(paths)) for name, paths in fields.items()}
    else:
        aliases = {name: [name] for name in fields}
    for name in aliases:
        _check_not_reserved(name, "fields")
    return aliases


def _check_not_reserved(name: str, where: str) -> None:
    if name in RESERVED_FIELDS:
        raise SpecError(f"{where}: {name!r} {_reserved_message(name, 'input')}")


def duplicate_key_warning(source: str, lines: int, first_line: int | None) -> str:
    """The warning for JSON lines naming a key twice in one object (the launcher's
    ``ReadReport.duplicateKeyWarning``)."""
    return (f"{source}: {lines} JSON lines name a key twice in one object (the first on line {first_line}); each "
            "repeated key was read with its last value, the earlier ones are lost: fix whatever writes these logs, "
            "or rename one of the keys")


def _reserved_message(name: str, what: str) -> str:
    return (f"is reserved for the line number of each record; read that {what} field under another name, e.g. "
            f"fields={{'line': {name!r}, ...}}")


class JsonLinesReader(Reader):
    """JSON lines: one object per line, nested fields, aliases, missing keys.

    Parameters
    ----------
    fields : mapping or sequence, optional
        Output field -> dotted path or list of alternative paths (aliases),
        tried in order, e.g. ``{"src_ip": ["src_ip", "srcIP", "source.ip"]}``.
        A sequence of names means each name is its own path.  ``None`` keeps
        every key, nested objects flattened to dotted names (the columns are
        then the union seen so far, in order of first appearance).
    **options
        See :class:`Reader` (``types`` are checked after alias resolution).

    Notes
    -----
    Missing keys give ``None``; a line that is not valid JSON, or not a JSON
    object, is a bad line.  A mapped field none of whose paths is in any record
    of a read (a typo such as ``"mesg"`` for ``"msg"``) raises
    :class:`~dl4j_bridge.etl.errors.AbsentFieldError` at the end of that read,
    naming the field and the keys the records have; a field some records have
    is kept, missing (``None``) on the others.  ``NaN`` in an ``int`` field is a
    wrong type, as ``1.5`` is (``null`` is a missing value).  A nested object or list where a scalar field is
    expected is a bad value ("wrong type") when that field has a declared
    non-``str`` type, otherwise it is kept as its compact JSON text
    (``json.dumps(value, separators=(",", ":"))``).
    """

    kind = "jsonl"

    def __init__(self, fields: Mapping[str, str | Sequence[str]] | Sequence[str] | None = None,
                 **options: Any):
        super().__init__(**options)
        self.aliases = _normalise_aliases(fields)
        self._seen_fields: list[str] = list(self.aliases) if self.aliases else []
        self._start_read()

    @property
    def fields(self) -> list[str]:
        return list(self._seen_fields)

    def to_dict(self) -> dict[str, Any]:
        spec = super().to_dict()
        spec["fields"] = self.aliases
        return spec

    def _start_read(self) -> None:
        self._objects = 0                      # JSON objects read
        # per mapped field: (path, its dotted parts or None when it has no dot), in the order they are tried
        self._lookups = [(name, [(path, path.split(".") if "." in path else None) for path in paths])
                         for name, paths in (self.aliases or {}).items()]
        self._typed = {name for name, kind in self.types.items() if kind != "str"}
        self._unseen = set(self.aliases or ())  # mapped fields none of whose paths any record had so far
        self._keys: dict[str, None] = {}       # dotted keys of the first records, for the error
        self._int_fields = [name for name, kind in self.types.items() if kind == "int"]
        self._first_duplicate_key_line = None
        #: per field: records whose value was a JSON object or array (read as its JSON text), the first one's line
        #: and a dotted path into it (``msg.text``), for the fit's warning (:meth:`Pipeline.fit`)
        self.nested_as_text: dict[str, list] = {}

    def _finish_read(self) -> None:
        if not self._unseen or not self._objects or self.aliases is None:
            return
        optional = getattr(self, "_optional", None) or frozenset()
        for name in (n for n in self.aliases if n in self._unseen):  # in the mapping's order
            error = AbsentFieldError(self.report.source, name, self.aliases[name], list(self._keys),
                                     records=self._objects)
            if name not in optional:
                raise error
            self.report.absent_fields.append(name)
            self._log_absent(self.report.source, name)

    def _note_fields(self, record: Mapping[str, Any]) -> None:
        """Which mapped fields this record has (any alias path present, even holding null)."""
        if self._objects <= KEY_SAMPLE_RECORDS:
            self._keys.update(dict.fromkeys(_flatten(record)))
        for name in [n for n in self._unseen if any(_resolve_path(record, p)[0] for p in self.aliases[n])]:
            self._unseen.discard(name)

    def _extract(self, record: Mapping[str, Any], number: int) -> dict[str, Any]:
        self._objects += 1
        if self._unseen:
            self._note_fields(record)
        if self.aliases is None:
            flat = _flatten(record)
            for key in flat:
                if key not in self._seen_fields:
                    if key in RESERVED_FIELDS:  # a key of the data, in both modes: no line could be read
                        raise BadRecordError(self.report.source, number, key, _reserved_message(key, "JSON"))
                    self._seen_fields.append(key)
            return flat
        out: dict[str, Any] = {}
        for name, lookups in self._lookups:   # _resolve_path, unrolled: this runs for every record
            value = None
            for path, parts in lookups:
                candidate = record.get(path, _ABSENT)   # a literal key containing dots wins
                if candidate is _ABSENT and parts is not None:
                    candidate = _walk(record, parts)
                if candidate is not _ABSENT and candidate is not None:
                    value = candidate
                    break
            out[name] = value
        return out

    def _iter_frames(self, source: Source, sink: _BadLineSink) -> Iterator[pd.DataFrame]:
        next_line = 1
        repeats = [0]   # objects that named a key twice, so far

        def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            obj = dict(pairs)   # json.loads's own result: the first key's place, the last key's value
            if len(obj) != len(pairs):
                repeats[0] += 1
            return obj

        loads = json.JSONDecoder(object_pairs_hook=unique_keys).decode
        # json.loads refuses integers of more than 4300 digits (int()'s limit, as the JVM side does) unless this
        # interpreter has no such limit or a higher one (before 3.11 and 3.10.7, or set by the user): then a line long
        # enough to hold one is checked after it is read
        limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
        check_long = limit == 0 or limit > INT_MAX_DIGITS
        for block in self._blocks(source):
            records: list[dict[str, Any]] = []
            numbers: list[int] = []
            self._raw_block = (next_line, block)
            for offset, line in enumerate(block):
                number = next_line + offset
                if not line.strip():
                    self.report.blank_lines += 1
                    continue
                text = line
                if "\\u" in line and _SURROGATE_ESCAPE.search(line):
                    text = _replace_lone_surrogates(line)
                    if text is not line and "\ufffd" not in line:
                        # no character: read as U+FFFD, as an undecodable byte is, and counted with those
                        self.report.undecodable_lines += 1
                if _json_too_deep(text):
                    sink.bad(number, None, "invalid JSON", f"nested deeper than {JSON_MAX_DEPTH} levels", line)
                    continue
                try:
                    before = repeats[0]
                    record = loads(text)
                    if check_long and len(text) > INT_MAX_DIGITS:
                        reason = describe_json_error(text)
                        if reason is not None:
                            sink.bad(number, None, "invalid JSON", reason, line)
                            continue
                    if repeats[0] != before and isinstance(record, dict):   # an object lost values (counted even if the
                        # line is then a bad line for another reason, as on the JVM)
                        self.report.duplicate_key_lines += 1
                        if self._first_duplicate_key_line is None:
                            self._first_duplicate_key_line = number
                    extracted = self._extract(record, number) if isinstance(record, dict) else None
                except ValueError as error:  # also integers of more than 4300 digits
                    # the launcher's words and column (json.loads and Jackson word an error each their own way)
                    sink.bad(number, None, "invalid JSON", describe_json_error(text) or str(error), line)
                    continue
                except RecursionError:   # not reached below JSON_MAX_DEPTH, kept for a very deep call stack
                    sink.bad(number, None, "invalid JSON", f"nested deeper than {JSON_MAX_DEPTH} levels", line)
                    continue
                if extracted is None:
                    sink.bad(number, None, "not a JSON object", type(record).__name__, line)
                    continue
                bad_field = self._nested_as_text(extracted, number)
                if bad_field is not None:
                    sink.bad(number, bad_field, "wrong type",
                             f"expected {self.types[bad_field]}, got a JSON "
                             f"{type(extracted[bad_field]).__name__}", line)
                    continue
                for name in self._int_fields:
                    value = extracted.get(name)
                    if value.__class__ is float and value != value:
                        extracted[name] = _JSON_NAN  # a bad int in _check_types, not a missing value
                records.append(extracted)
                numbers.append(number)
            next_line += len(block)
            self.report.lines += len(block)
            if not records:
                sink.flush(next_line - 1)   # no record of this block waits for its type checks
            if records:
                # object columns from the start: a column of ints with one missing value became floats (7 -> 7.0),
                # so its text and groups depended on the chunk, where the JVM keeps 7
                frame = pd.DataFrame(records, columns=self.fields, dtype=object)
                frame = frame.where(frame.notna(), None)
                frame[LINE_NUMBER] = np.asarray(numbers, dtype=np.int64)
                yield frame

    def _record_text(self, frame: pd.DataFrame, row: int) -> str:
        first_line, block = self._raw_block   # a frame holds records of one block
        return block[int(frame[LINE_NUMBER].iloc[row]) - first_line]

    def _nested_as_text(self, extracted: dict[str, Any], number: int = 0) -> str | None:
        """Turn nested objects and lists kept as values into compact JSON text (portable, unlike repr), in place;
        return the first field holding one whose declared type is not ``str`` (a bad value), else ``None``.
        Each field read so is counted in ``nested_as_text`` (with the line ``number`` of the first)."""
        for name, value in extracted.items():
            if value.__class__ is dict or value.__class__ is list:   # what json.loads gives for them
                if name in self._typed:
                    return name
                seen = self.nested_as_text.get(name)
                if seen is None:
                    paths = (self.aliases or {}).get(name) or [name]
                    inner = f"{paths[0]}.{next(iter(value))}" if value.__class__ is dict and value else None
                    self.nested_as_text[name] = [1, number, inner]
                else:
                    seen[0] += 1
                extracted[name] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return None


class _JsonNaN:
    """A JSON ``NaN`` read for an ``int`` field: not a missing value (as ``null`` is) but a wrong type."""

    def __repr__(self) -> str:
        return "nan"

    __str__ = __repr__

    def __float__(self) -> float:
        return math.nan


_JSON_NAN = _JsonNaN()


#: A JSON escaped backslash, a surrogate pair, or a lone surrogate escape (scanned left to right, so that
#: ``\\ud800`` -- an escaped backslash and the text "ud800" -- is no escape).
_ESCAPES = re.compile(r"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
                      r"|\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


#: Deepest nesting of arrays and objects a JSON line may have (both sides, Java's ``JsonValues.MAX_DEPTH``): a
#: deeper line is invalid JSON, whatever the interpreter's recursion limit would allow.
JSON_MAX_DEPTH = 200

_JSON_DEPTH_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


def _json_too_deep(text: str) -> bool:
    """Whether the arrays and objects of a JSON text nest deeper than ``JSON_MAX_DEPTH`` (brackets inside strings
    do not count; an unclosed string runs to the end). Checked on the text, before parsing."""
    if len(text) <= JSON_MAX_DEPTH or text.count("[") + text.count("{") <= JSON_MAX_DEPTH:
        return False
    depth = 0
    for token in _JSON_DEPTH_TOKENS.findall(text):
        if token in ("[", "{"):
            depth += 1
            if depth > JSON_MAX_DEPTH:
                return True
        elif token in ("]", "}"):
            depth -= 1
    return False


def _replace_lone_surrogates(line: str) -> str:
    """The line with each JSON ``\\u`` escape of a lone UTF-16 surrogate (no character: UTF-8 cannot hold it)
    replaced by ``\\ufffd``, as the JVM's reader does; the line itself when it has none."""
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        escape = match.group()
        if len(escape) == 6:
            changed = True
            return "\\ufffd"
        return escape

    text = _ESCAPES.sub(replace, line)
    return text if changed else line


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------
class CsvReader(Reader):
    """CSV with a header row.

    Parameters
    ----------
    fields : mapping or sequence, optional
        Output field -> header name or list of alternative header names
        (aliases).  ``None`` keeps every header column.
    delimiter : str
        Field separator.
    **options
        See :class:`Reader`.

    Notes
    -----
    A field none of whose names is in the header raises
    :class:`~dl4j_bridge.etl.errors.AbsentFieldError` (in both modes), naming
    the header's columns.  A row whose number of cells differs from the header
    is a bad line.
    Quoted cells may span lines; ``line_number`` is where the row starts.
    Empty cells are missing values (``None``).
    """

    kind = "csv"

    def __init__(self, fields: Mapping[str, str | Sequence[str]] | Sequence[str] | None = None,
                 *, delimiter: str = ",", **options: Any):
        super().__init__(**options)
        self.aliases = _normalise_aliases(fields)
        if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
            raise EtlError(f"delimiter must be one character other than a quote or a line break (',', ';', '\\t', "
                           f"'|'), got {delimiter!r}")
        self.delimiter = delimiter
        self._header: list[str] | None = None

    @property
    def fields(self) -> list[str]:
        if self.aliases is not None:
            return list(self.aliases)
        return list(self._header or [])

    def to_dict(self) -> dict[str, Any]:
        spec = super().to_dict()
        spec.update({"fields": self.aliases, "delimiter": self.delimiter})
        return spec

    def _iter_frames(self, source: Source, sink: _BadLineSink) -> Iterator[pd.DataFrame]:
        module = _csv_module()
        if module is not csv:   # a csv parser of our own, with CSV_FIELD_LIMIT: the process's limit is untouched
            yield from self._csv_frames(source, sink, module)
            return
        # no csv parser of our own (the interpreter shares csv's state between instances): csv's process-global
        # field limit is CSV_FIELD_LIMIT while the rows are parsed, and the process's value whenever a frame goes out
        frames = self._csv_frames(source, sink, csv)
        try:
            while True:
                with _csv_field_limit():
                    frame = next(frames, None)
                if frame is None:
                    return
                yield frame
        finally:
            frames.close()

    def _csv_frames(self, source: Source, sink: _BadLineSink, module: Any) -> Iterator[pd.DataFrame]:
        lines = _LineCounter(self._blocks(source), self.report)
        reader = module.reader(lines, dialect=csv.excel, delimiter=self.delimiter, strict=True)
        header = self._read_header(reader, lines, sink)
        if header is None:
            return
        columns = self._column_indexes(header, sink.source)
        cell = [i if i is not None else len(header) for i in columns]  # an absent optional field: a None cell
        # the raw rows, for the quarantine's wrong-type lines and bad values (a label none of the classes)
        keep_text = any(kind != "str" for kind in self.types.values()) or bool(getattr(self, "value_checks", None))
        records: list[list[Any]] = []
        numbers: list[int] = []
        texts: list[str] = []
        self._texts: dict[int, str] = {}
        while True:
            if lines.paused and records:   # a live stream paused: its records go out before the read that waits
                yield self._frame(records, numbers, texts)
                records, numbers, texts = [], [], []
            if not records and sink.pending:
                sink.flush(lines.number)   # no record read so far waits for its type checks
            lines.recent.clear()
            try:
                row = next(reader)
            except StopIteration:
                break
            except module.Error as error:
                number, recent = lines.number - len(lines.recent) + 1, list(lines.recent)
                message = _csv_error_message(error)
                unclosed = _UNCLOSED_QUOTE.get(next((k for k in _UNCLOSED_QUOTE if message.startswith(k)), ""))
                if unclosed is not None and (len(recent) > 1 or message.startswith("unexpected end")):
                    # a quoted cell running to the end of the input, or beyond the field limit: the record that
                    # opened it is the bad line, and the lines after it are read again as records of their own
                    opened = number + _open_quote_offset(recent, self.delimiter)
                    sink.bad(number, None, "malformed CSV", f"quote opened at line {opened} {unclosed}", recent[0])
                    lines.push_back(number + 1, recent[1:])
                else:
                    self.report.continuation_lines += len(recent) - 1
                    sink.bad(number, None, "malformed CSV", message, "\n".join(recent))
                if sink.mode == "strict" and records:   # their types are checked before this line is named
                    yield self._frame(records, numbers, texts)
                    records, numbers, texts = [], [], []
                continue
            number = lines.number - len(lines.recent) + 1
            self.report.continuation_lines += len(lines.recent) - 1  # a quoted cell spanning lines
            if not row:
                self.report.blank_lines += 1
                continue
            if len(row) != len(header):
                sink.bad(number, None, "wrong column count",
                         f"expected {len(header)} cells, got {len(row)}", self.delimiter.join(row))
                if sink.mode == "strict" and records:   # their types are checked before this line is named
                    yield self._frame(records, numbers, texts)
                    records, numbers, texts = [], [], []
                continue
            row.append("")
            records.append([(row[i] if row[i] != "" else None) for i in cell])
            numbers.append(number)
            if keep_text:
                texts.append(lines.recent[0] if len(lines.recent) == 1 else "\n".join(lines.recent))
            if len(records) >= self.chunk_lines:
                yield self._frame(records, numbers, texts)
                records, numbers, texts = [], [], []
        if records:
            yield self._frame(records, numbers, texts)

    def _read_header(self, reader: Any, lines: "_LineCounter", sink: _BadLineSink) -> list[str] | None:
        """The header row, or None for an empty source; a header that cannot be used raises in both modes."""
        try:
            header = next(reader)
        except StopIteration:
            return None
        except (csv.Error, *_private_csv_errors()) as error:
            first = "".join(lines.recent).lstrip("\ufeff \t")
            hint = ("; the line starts like a JSON object: is this JSON lines (read with kind \"jsonl\", a JsonLinesReader)?"
                    if first.startswith("{") else "")
            raise BadRecordError(sink.source, 1, None,
                                 f"malformed CSV header: {_csv_error_message(error)}{hint}") from None
        if reader.line_num != 1:
            raise BadRecordError(sink.source, 1, None, "the CSV header must be one line (a quoted name spans "
                                 f"{reader.line_num} lines)")
        self.report.header_lines = 1
        if not header:
            raise BadRecordError(sink.source, 1, None, "the first line must be the CSV header and it is empty")
        if self.aliases is None:
            repeated = sorted({name for name in header if header.count(name) > 1})
            if repeated:
                raise BadRecordError(sink.source, 1, None, f"the CSV header names {repeated} more than once; "
                                     "pick the columns with fields=")
            if LINE_NUMBER in header:
                raise BadRecordError(sink.source, 1, LINE_NUMBER, _reserved_message(LINE_NUMBER, "CSV header"))
        self._header = header
        return header

    def _frame(self, records: list[list[Any]], numbers: list[int], texts: list[str]) -> pd.DataFrame:
        frame = pd.DataFrame(records, columns=self.fields, dtype=object)
        frame[LINE_NUMBER] = np.asarray(numbers, dtype=np.int64)
        self._texts = dict(zip(numbers, texts))
        return frame

    def _record_text(self, frame: pd.DataFrame, row: int) -> str:
        text = self._texts.get(int(frame[LINE_NUMBER].iloc[row]))
        return text if text is not None else _row_text(frame, row)

    def _column_indexes(self, header: list[str], source: str) -> list[int | None]:
        """The header column of each field; a field none of whose names is in the header is an error, in both
        modes (every row would miss it), unless the read allows it (``optional``): then None, with a warning."""
        if self.aliases is None:
            return list(range(len(header)))
        position = {name: index for index, name in enumerate(header)}
        indexes: list[int | None] = []
        for name, alternatives in self.aliases.items():
            chosen = next((a for a in alternatives if a in position), None)
            index = None if chosen is None else position[chosen]
            if chosen is not None and header.count(chosen) > 1:   # which of them? (read the same way on the JVM)
                raise BadRecordError(source, 1, name, _repeated_column(chosen, header, name))
            if index is None:
                error = AbsentFieldError(source, name, alternatives, header, line=1)
                if name not in (getattr(self, "_optional", None) or ()):
                    raise error
                self.report.absent_fields.append(name)
                self._log_absent(source, name)
            indexes.append(index)
        return indexes


#: Python csv's "new-line character seen in unquoted field" in words a user can act on (Java's
#: ``CsvRecordReader.CR_OUTSIDE_QUOTES``, word for word).
CR_OUTSIDE_QUOTES = ("a carriage return (CR) outside quotes: if the file has CR line endings, convert them to LF "
                     "(tr '\\r' '\\n' < in.csv > out.csv); if a cell holds a CR, quote the cell")


def _csv_error_message(error: Exception) -> str:
    message = str(error)
    return CR_OUTSIDE_QUOTES if message.startswith("new-line character seen in unquoted field") else message


def _repeated_column(name: str, header: list[str], field: str) -> str:
    """The error for a header naming a read field's column more than once (Java's ``repeatedColumn``)."""
    at = ", ".join(str(i + 1) for i, column in enumerate(header) if column == name)
    return (f"the CSV header names {name!r} more than once (columns {at}), so field {field!r} cannot tell which to "
            "read: rename the others")


#: The CSV field limit (Python csv's default ``csv.field_size_limit()``, 131,072 characters), the JVM's too.
CSV_FIELD_LIMIT = 131_072

_field_limit_lock = threading.Lock()
_field_limit_users = 0        # reads parsing now (threads, or interleaved generators)
_field_limit_saved = CSV_FIELD_LIMIT   # the process's own value, back when the last of them pauses
_private_csv: Any = None      # the csv parser of CsvReader: csv's C module loaded once more, or csv itself


def _csv_module() -> Any:
    """The csv parser CsvReader reads with: its own instance of csv's C module ``_csv``, whose field limit is
    CSV_FIELD_LIMIT, or the ``csv`` module itself where the interpreter cannot keep two instances apart.

    ``csv.field_size_limit`` is global to the process. Since Python 3.10, ``_csv`` keeps it in per-instance
    module state, so a second instance has a limit of its own and reading a CSV never touches the value the
    host application (and its other threads) see. Python 3.9 (one shared state) and other interpreters than
    CPython get ``csv`` itself; on CPython 3.10 and later the instance is still probed once (a shared state would
    show the probe value through ``csv.field_size_limit()``, which is then set back).
    """
    global _private_csv
    with _field_limit_lock:
        if _private_csv is None:
            _private_csv = _load_private_csv()
        return _private_csv


def _load_private_csv() -> Any:
    if sys.version_info < (3, 10) or sys.implementation.name != "cpython":
        return csv   # one shared state (CPython 3.9's _csv): a probe would change the process's limit
    try:
        import importlib.util
        spec = importlib.util.find_spec("_csv")
        if spec is None or spec.loader is None:
            return csv
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception:   # pragma: no cover - interpreters without a loadable _csv (the fallback is csv itself)
        logger.debug("no private _csv instance; CsvReader sets csv.field_size_limit while parsing", exc_info=True)
        return csv
    process = csv.field_size_limit()
    probe = 4099 if process != 4099 else 4100
    module.field_size_limit(probe)
    if module is csv or module.field_size_limit() != probe or csv.field_size_limit() != process:
        csv.field_size_limit(process)   # shared state (the probe showed through): the process's value back
        return csv
    module.field_size_limit(CSV_FIELD_LIMIT)
    return module


def _private_csv_errors() -> tuple[type[Exception], ...]:
    """The error class of CsvReader's own csv parser, when it has one."""
    module = _csv_module()
    return () if module is csv else (module.Error,)


@contextlib.contextmanager
def _csv_field_limit() -> Iterator[None]:
    """``csv.field_size_limit(CSV_FIELD_LIMIT)`` while parsing, the previous value back after; used only where
    :func:`_csv_module` found no csv parser of CsvReader's own.

    The limit is global to the process: a host application's ``csv.field_size_limit(sys.maxsize)`` would
    otherwise make a cell beyond 131,072 characters good in Python and bad on the JVM, and a quote never closed
    read to the end of the input (and again from each line after it: quadratic). Nested and concurrent users
    share one override; the last one out restores the value found by the first (unless it was changed since).
    """
    global _field_limit_users, _field_limit_saved
    with _field_limit_lock:
        current = csv.field_size_limit(CSV_FIELD_LIMIT)
        if _field_limit_users == 0 or current != CSV_FIELD_LIMIT:
            _field_limit_saved = current
        _field_limit_users += 1
    try:
        yield
    finally:
        with _field_limit_lock:
            _field_limit_users -= 1
            if _field_limit_users == 0 and csv.field_size_limit() == CSV_FIELD_LIMIT:
                csv.field_size_limit(_field_limit_saved)

#: csv errors of a quoted cell that is never closed: how the bad line's reason ends.
_UNCLOSED_QUOTE = {"unexpected end of data": "is never closed",
                   "field larger than field limit": f"is not closed within {CSV_FIELD_LIMIT} characters"}


def _open_quote_offset(lines: list[str], delimiter: str) -> int:
    """Which of a row's lines (0-based) opened the quoted cell still open after the last of them."""
    opened = 0
    quoted = after_quote = False
    at_start = True
    for index, line in enumerate(lines):
        if not quoted:
            at_start = True
        for char in line:
            if quoted:
                if after_quote:
                    after_quote = False
                    if char != '"':   # the closing quote: a delimiter or an error follows
                        quoted = False
                        at_start = char == delimiter
                elif char == '"':
                    after_quote = True
            elif at_start and char == '"':
                quoted, opened = True, index
            else:
                at_start = char == delimiter
        if after_quote:   # a closing quote ends the line
            quoted = after_quote = False
    return opened


class _LineCounter:
    """Iterator of lines for :mod:`csv`: counts them in the report, keeps those of the current row, and hands
    out again the lines after a record whose quote is never closed (:meth:`push_back`)."""

    def __init__(self, blocks: Iterator[list[str]], report: ReadReport):
        self._blocks = blocks
        self._current: Iterator[str] = iter(())
        self._report = report
        #: Lines handed out since the caller last cleared it (the row being parsed), for the quarantine.
        self.recent: list[str] = []
        #: The line number of the last line handed out.
        self.number = 0
        self._read = 0   # lines read from the source
        self._again: list[tuple[int, str]] = []   # lines to hand out again, last first
        self._paused = False
        self._idle_left = 0   # lines of such a block still to hand out

    @property
    def paused(self) -> bool:
        """The last line handed out ended a block where a live stream paused (``IdleBlock``): no more is there yet."""
        return self._paused and not self._again

    def push_back(self, first: int, lines: list[str]) -> None:
        """Hand out ``lines`` (numbered from ``first``) again, before the rest of the input."""
        self._again.extend(reversed(list(enumerate(lines, first))))

    def __iter__(self) -> "_LineCounter":
        return self

    def __next__(self) -> str:
        if self._again:
            self.number, line = self._again.pop()
            self.recent.append(line)
            return line + "\n"
        while True:
            for line in self._current:
                self._report.lines += 1
                self._read += 1
                self.number = self._read
                self.recent.append(line)
                if self._idle_left:
                    self._idle_left -= 1
                    self._paused = not self._idle_left
                return line + "\n"
            block = next(self._blocks)
            self._paused = False
            self._idle_left = len(block) if isinstance(block, IdleBlock) else 0
            self._current = iter(block)


# --------------------------------------------------------------------------
# spec
# --------------------------------------------------------------------------
def reader_from_dict(spec: Mapping[str, Any]) -> Reader:
    """Rebuild a reader from :meth:`Reader.to_dict` output."""
    kind = spec.get("kind")
    common = {"types": spec.get("types"), "mode": spec.get("mode", "strict"),
              "chunk_lines": spec.get("chunk_lines", 100_000),
              "encoding": spec.get("encoding", "utf-8")}
    if kind == "text":
        # a spec saved before line rules (version 1 or 2) reads lines as it was saved
        text = {"continuation": spec.get("continuation"), "line_rules": spec.get("line_rules", 1)}
        if text["line_rules"] == 1:
            logger.warning("%s", OLD_LINE_RULES_WARNING)
        if spec.get("log_format") is not None:   # read with the saved regex, as the JVM reads it
            return TextReader(spec["log_format"], saved_regex=spec.get("regex"), **text, **common)
        return TextReader(regex=spec["regex"], **text, **common)
    if kind == "jsonl":
        return JsonLinesReader(spec.get("fields"), **common)
    if kind == "csv":
        return CsvReader(spec.get("fields"), delimiter=spec.get("delimiter", ","), **common)
    raise SpecError(f"unknown reader kind {kind!r}")
