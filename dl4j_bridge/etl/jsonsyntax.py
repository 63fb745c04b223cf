"""Where and why a line is not valid JSON, in one wording on both sides.

``json.loads`` and the launcher's Jackson each word a syntax error their own way (``Expecting value: line 1
column 1 (char 0)`` against ``Unrecognized token 'not': ...``), so a bad line's reason differed between Python's
``score`` and the launcher's.  Both readers parse with their own parser (fast) and, only for a line it rejects,
ask this scanner where the line stops being JSON and why: one small fixed set of reasons and a 1-based column
counted in characters (code points), the same algorithm as ``io.dl4jbridge.etl.JsonSyntax`` on the JVM.

The grammar is ``json.loads``'s: standard JSON plus ``NaN``, ``Infinity`` and ``-Infinity``; an integer of more
than :data:`INT_MAX_DIGITS` digits is refused (``int()``'s default limit on Python 3.11 and later), a number with a
fraction or exponent is not.  Nesting depth is not checked here (the readers refuse a line nested deeper than
``JSON_MAX_DEPTH`` before parsing it).
"""

from __future__ import annotations

import re

__all__ = ["INT_MAX_DIGITS", "REASONS", "json_syntax_error", "describe_json_error"]

#: Most digits of an integer (no fraction, no exponent) a JSON line may hold: Python's ``int()`` default limit
#: (``sys.get_int_max_str_digits()``), which ``json.loads`` applies; the JVM side refuses such a line too.
INT_MAX_DIGITS = 4300

EXPECTED_VALUE = "expected a value"
EXPECTED_KEY = "expected a key in double quotes"
EXPECTED_COLON = "expected ':' after a key"
EXPECTED_OBJECT_NEXT = "expected ',' or '}'"
EXPECTED_ARRAY_NEXT = "expected ',' or ']'"
TRAILING_COMMA = "trailing comma"
UNTERMINATED_STRING = "unterminated string"
INVALID_ESCAPE = "invalid escape in a string"
CONTROL_CHARACTER = "unescaped control character in a string"
INVALID_NUMBER = "invalid number"
INTEGER_TOO_LONG = f"integer of more than {INT_MAX_DIGITS} digits"
EXTRA_DATA = "extra data after the value"
END_OF_LINE = "unexpected end of line"

#: Every reason the scanner gives (the JVM's ``JsonSyntax.REASONS``, in the same order).
REASONS = (EXPECTED_VALUE, EXPECTED_KEY, EXPECTED_COLON, EXPECTED_OBJECT_NEXT, EXPECTED_ARRAY_NEXT, TRAILING_COMMA,
           UNTERMINATED_STRING, INVALID_ESCAPE, CONTROL_CHARACTER, INVALID_NUMBER, INTEGER_TOO_LONG, EXTRA_DATA,
           END_OF_LINE)

#: Reasons whose column is a character that is there (named after the reason: ``found 'x'``).
_NAMES_FOUND = frozenset((EXPECTED_VALUE, EXPECTED_KEY, EXPECTED_COLON, EXPECTED_OBJECT_NEXT, EXPECTED_ARRAY_NEXT,
                          CONTROL_CHARACTER, EXTRA_DATA))

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')    # a run of string characters that need no check
_DIGITS = re.compile(r"[0-9]*")
_HEX = frozenset("0123456789abcdefABCDEF")
_ESCAPED = frozenset('"\\/bfnrt')
_LITERALS = ("true", "false", "null", "NaN", "Infinity")


def _string_end(text: str, start: int) -> int | tuple[int, str]:
    """The index after the string opened at ``start`` (a ``"``), or ``(index, reason)`` of its error."""
    n = len(text)
    i = start + 1
    while True:
        i = _PLAIN.match(text, i).end()
        if i >= n:
            return start, UNTERMINATED_STRING
        c = text[i]
        if c == '"':
            return i + 1
        if c == "\\":
            if i + 1 >= n:
                return start, UNTERMINATED_STRING
            escape = text[i + 1]
            if escape == "u":
                digits = text[i + 2:i + 6]
                if len(digits) < 4 or not all(d in _HEX for d in digits):
                    return i, INVALID_ESCAPE
                i += 6
            elif escape in _ESCAPED:
                i += 2
            else:
                return i, INVALID_ESCAPE
        else:   # below U+0020
            return i, CONTROL_CHARACTER


def _number_end(text: str, start: int) -> int | tuple[int, str]:
    """The index after the number at ``start`` (``-`` or a digit), or ``(start, reason)``."""
    n = len(text)
    i = start + 1 if text[start] == "-" else start
    if i >= n or not "0" <= text[i] <= "9":
        return start, INVALID_NUMBER
    first = i
    i = _DIGITS.match(text, i).end()
    if text[first] == "0" and i - first > 1:   # a leading zero
        return start, INVALID_NUMBER
    integer = True
    if i < n and text[i] == ".":
        end = _DIGITS.match(text, i + 1).end()
        if end == i + 1:
            return start, INVALID_NUMBER
        i, integer = end, False
    if i < n and text[i] in "eE":
        i += 1
        if i < n and text[i] in "+-":
            i += 1
        end = _DIGITS.match(text, i).end()
        if end == i:
            return start, INVALID_NUMBER
        i, integer = end, False
    if integer and i - first > INT_MAX_DIGITS:
        return start, INTEGER_TOO_LONG
    return i


def json_syntax_error(text: str) -> tuple[int, str] | None:
    """The first place ``text`` is not one JSON value (``json.loads``'s grammar) and why.

    Parameters
    ----------
    text : str
        One line, without its line break.

    Returns
    -------
    tuple of (int, str) or None
        The 0-based index of the character at fault (``len(text)`` when the line ends early) and one of
        :data:`REASONS`; ``None`` when ``text`` is valid JSON.
    """
    n = len(text)
    stack: list[str] = []   # the "}" or "]" that closes each open object and array
    i = 0
    expect = "value"        # "value", "key" (after "{" or a comma in an object) or "next" (after a value)
    while True:
        i = _WHITESPACE.match(text, i).end()
        if expect == "next":
            if not stack:
                return None if i >= n else (i, EXTRA_DATA)
            close = stack[-1]
            if i >= n:
                return i, END_OF_LINE
            c = text[i]
            if c == close:
                stack.pop()
                i += 1
            elif c == ",":
                after = _WHITESPACE.match(text, i + 1).end()
                if after < n and text[after] == close:
                    return i, TRAILING_COMMA
                i, expect = after, ("key" if close == "}" else "value")
            else:
                return i, (EXPECTED_OBJECT_NEXT if close == "}" else EXPECTED_ARRAY_NEXT)
            continue
        if i >= n:
            return i, END_OF_LINE
        c = text[i]
        if expect == "key":
            if c != '"':
                return i, EXPECTED_KEY
            end = _string_end(text, i)
            if end.__class__ is tuple:
                return end
            i = _WHITESPACE.match(text, end).end()
            if i >= n:
                return i, END_OF_LINE
            if text[i] != ":":
                return i, EXPECTED_COLON
            i, expect = i + 1, "value"
            continue
        # a value
        if c == "{" or c == "[":
            close = "}" if c == "{" else "]"
            i = _WHITESPACE.match(text, i + 1).end()
            if i < n and text[i] == close:
                i, expect = i + 1, "next"
            else:
                stack.append(close)
                expect = "key" if close == "}" else "value"
            continue
        if c == '"':
            end = _string_end(text, i)
        elif c == "-" and text.startswith("-Infinity", i):
            end = i + 9
        elif c == "-" or "0" <= c <= "9":
            end = _number_end(text, i)
        else:
            end = next((i + len(word) for word in _LITERALS if text.startswith(word, i)), None)
            if end is None:
                return i, EXPECTED_VALUE
        if end.__class__ is tuple:
            return end
        i, expect = end, "next"


def _found(character: str) -> str:
    """A character as named in a reason: ``'x'`` when printable ASCII, else its code point (``U+FEFF``)."""
    code = ord(character)
    if character == "'":
        return "\"'\""
    return f"'{character}'" if 0x21 <= code <= 0x7E else f"U+{code:04X}"


def describe_json_error(text: str) -> str | None:
    """A bad JSON line's reason, e.g. ``expected a value at column 1, found 'n'``; ``None`` when it is valid.

    The column is 1-based, counted in characters (code points); ``found`` names the character at it for the
    reasons where one is at fault (not for an unterminated string, whose column is its opening quote)."""
    error = json_syntax_error(text)
    if error is None:
        return None
    index, reason = error
    message = f"{reason} at column {index + 1}"
    if reason in _NAMES_FOUND and index < len(text):
        message += f", found {_found(text[index])}"
    return message
