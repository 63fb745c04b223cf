"""A JSON line that is not valid JSON gets the same reason and column from Python's reader and the JVM's.

``json.loads`` and Jackson word a syntax error each their own way (``Expecting value: line 1 column 1 (char 0)``
against ``Unrecognized token 'not': ...``), so strict errors and quarantine files differed between Python's
``score`` and the launcher's. Both now describe a rejected line with one scanner (``dl4j_bridge.etl.jsonsyntax``,
Java's ``JsonSyntax``): a reason from a small fixed set and a 1-based column in characters. Jackson also read
``-INF``, ``+INF``, ``+Infinity`` and integers of more than 4300 digits, which ``json.loads`` refuses: bad lines on
both sides now.
"""

from __future__ import annotations

import json
import random

import pytest

from bridge_testing import read_with_java_reader
from dl4j_bridge.etl import JsonLinesReader
from dl4j_bridge.etl.jsonsyntax import INT_MAX_DIGITS, REASONS, describe_json_error, json_syntax_error

GOOD = '{"level": "INFO", "msg": "a", "n": 1}'

#: (line, its reason) for the cases of the new-user walkthrough and the others of the fixed set.
CASES = [
    ("not json", "expected a value at column 1, found 'n'"),
    ('{"a": 1,}', "trailing comma at column 8"),
    ('[1, 2,  ]', "trailing comma at column 6"),
    ('{"a": "x', "unterminated string at column 7"),
    ('{"a": 1', "unexpected end of line at column 8"),
    ("[", "unexpected end of line at column 2"),
    ("{'a': 1}", "expected a key in double quotes at column 2, found \"'\""),
    ("{,}", "expected a key in double quotes at column 2, found ','"),
    ('{"a" 1}', "expected ':' after a key at column 6, found '1'"),
    ('{"a": 1 "b": 2}', "expected ',' or '}' at column 9, found '\"'"),
    ('[1 2]', "expected ',' or ']' at column 4, found '2'"),
    ('{"a": 01}', "invalid number at column 7"),
    ('{"a": 1.}', "invalid number at column 7"),
    ('{"a": 1e+}', "invalid number at column 7"),
    ('{"a": -}', "invalid number at column 7"),
    ('{"a": -INF}', "invalid number at column 7"),
    ('{"a": +INF}', "expected a value at column 7, found '+'"),
    ('{"a": +Infinity}', "expected a value at column 7, found '+'"),
    ('{"a": .5}', "expected a value at column 7, found '.'"),
    ('{"a": tru}', "expected a value at column 7, found 't'"),
    ('{"a": NaNa}', "expected ',' or '}' at column 10, found 'a'"),
    ('{"a": "\\x"}', "invalid escape in a string at column 8"),
    ('{"a": "\\u12"}', "invalid escape in a string at column 8"),
    ('{"a": "\x01"}', "unescaped control character in a string at column 8, found U+0001"),
    ('{"a": 1}}', "extra data after the value at column 9, found '}'"),
    ("{} x", "extra data after the value at column 4, found 'x'"),
    ('{"a": 1}\ufffd', "extra data after the value at column 9, found U+FFFD"),   # an undecodable byte
    ('\ufeff{"a": 1}', "expected a value at column 1, found U+FEFF"),
    ('{"\U0001F600": x}', "expected a value at column 7, found 'x'"),   # one character, two UTF-16 units
    ('{"a": "\U0001F600", "b": \U0001F600}', "expected a value at column 17, found U+1F600"),
    ('{"a": ' + "7" * (INT_MAX_DIGITS + 1) + "}", f"integer of more than {INT_MAX_DIGITS} digits at column 7"),
]

#: Valid for json.loads (the scanner finds nothing): what the set above must not catch.
VALID = ['{"a": [1, -2.5e+3, 0, -0, 1E5, true, false, null, NaN, Infinity, -Infinity, {}, [], "x\\u00e9\\n\\"\\/"]}',
         ' {"a" : { "b" : [ ] } } ', '"s"', "1", "null", '{"a": ' + "7" * INT_MAX_DIGITS + "}",
         '{"a": ' + "7" * (INT_MAX_DIGITS + 1) + ".5}", '{"\U0001F600": "INFO +INF -INF"}']

_ALPHABET = list('{}[]",:.-+eE0123456789 \t\\/ubfnrtxINaf\x01\x7f\ufeff\U0001F600') + [
    "true", "null", "NaN", "Infinity", "-Infinity", "-INF", "+INF", "01", "1.", "\\u12", "\\ud83d"]
_SEEDS = [GOOD, VALID[0], VALID[1],
          '{"@timestamp":"2024-03-04T00:11:58","host":{"name":"gw-01"},"service":"kernel","pid":0,"message":"[UFW '
          'ALLOW] SRC=192.168.1.61","label":0,"anomaly":null,"destination":{"ip":"10.0.1.14","port":25}}']


def _mutations(count: int, seed: int = 7) -> list[str]:
    """Seeded random edits of valid lines: deletions, insertions, replacements, truncations."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        chars = list(rng.choice(_SEEDS))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randint(0, len(chars))
            op = rng.random()
            if op < 0.33 and chars:
                del chars[min(pos, len(chars) - 1)]
            elif op < 0.66:
                chars.insert(pos, rng.choice(_ALPHABET))
            elif chars:
                chars[min(pos, len(chars) - 1)] = rng.choice(_ALPHABET)
        if rng.random() < 0.2:
            chars = chars[:rng.randint(0, len(chars))]
        out.append("".join(chars))
    return out


def _loads_ok(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_each_case_has_its_reason_and_column():
    assert [describe_json_error(line) for line, _ in CASES] == [reason for _, reason in CASES]
    assert [describe_json_error(line) for line in VALID] == [None] * len(VALID)
    assert {json_syntax_error(line)[1] for line, _ in CASES} == set(REASONS)   # every reason is reached


def test_the_scanner_rejects_exactly_what_json_loads_rejects():
    lines = _mutations(20000) + [line for line, _ in CASES] + VALID
    disagree = [line for line in lines if _loads_ok(line) != (json_syntax_error(line) is None)]
    assert not disagree, disagree[:5]


def test_the_jvm_scanner_gives_pythons_words_and_column_for_every_line(jvm):
    import jpype

    syntax = jpype.JClass("io.dl4jbridge.etl.JsonSyntax")
    assert list(map(str, syntax.REASONS)) == list(REASONS) and int(syntax.INT_MAX_DIGITS) == INT_MAX_DIGITS
    lines = _mutations(5000, seed=11) + [line for line, _ in CASES] + VALID
    java = [syntax.describe(line) for line in lines]
    differ = [(line, str(j) if j is not None else None, describe_json_error(line))
              for line, j in zip(lines, java) if (None if j is None else str(j)) != describe_json_error(line)]
    assert not differ, differ[:5]


def _read_both(lines: list[str], tmp_path):
    import jpype

    quarantine = tmp_path / "python.jsonl"
    reader = JsonLinesReader(["level", "msg"], mode="lenient", quarantine=quarantine)
    frame = reader.read(lines)
    aliases = jpype.java.util.LinkedHashMap({name: jpype.java.util.ArrayList(paths)
                                             for name, paths in reader.aliases.items()})
    written = jpype.java.io.StringWriter()
    records, counts = read_with_java_reader(
        jpype.JClass("io.dl4jbridge.etl.JsonLinesRecordReader")(aliases, jpype.java.util.HashMap()), lines,
        lambda record: int(record.line), written)
    python = [json.loads(line) for line in quarantine.read_text(encoding="utf-8").splitlines()]
    java = [json.loads(line) for line in str(written.toString()).splitlines()]
    return (frame["line_number"].tolist(), reader.report.bad_by_reason, python), (records, counts["bad_by_reason"],
                                                                                  java)


def test_both_readers_quarantine_each_case_with_the_same_reason(jvm, tmp_path):
    lines = [GOOD]
    for line, _ in CASES:
        lines += [line, GOOD]
    lines += ["[1, 2]", "{}", '{"level": NaN}'] + VALID[:2]
    python, java = _read_both(lines, tmp_path)
    assert python == java
    records, by_reason, quarantined = python
    assert by_reason == {"invalid JSON": len(CASES), "not a JSON object": 1}
    assert [record["reason"] for record in quarantined] == (
        [f"invalid JSON: {reason}" for _, reason in CASES] + ["not a JSON object: list"])
    assert records == [n for n in range(1, len(lines) + 1) if n % 2 == 1 and n <= 2 * len(CASES) + 1] + [
        n for n in range(2 * len(CASES) + 3, len(lines) + 1)]   # "{}" and NaN are records, as are the valid lines


def test_both_readers_take_and_refuse_the_same_random_lines_with_the_same_reasons(jvm, tmp_path):
    """Jackson (without non-numeric numbers, then with them only for a line json.loads takes) reads no line that
    json.loads refuses and refuses none it reads."""
    lines = [GOOD] + _mutations(3000, seed=5)
    python, java = _read_both(lines, tmp_path)
    assert python[0] == java[0]
    assert python[1] == java[1]
    assert python[2] == java[2]


@pytest.mark.parametrize("extra", ["-INF", "+INF", "+Infinity", "7" * (INT_MAX_DIGITS + 1)])
def test_what_json_loads_refuses_is_a_bad_line_on_the_jvm_too(jvm, tmp_path, extra):
    """Jackson read these (its non-numeric numbers, any integer); json.loads does not: the same bad line."""
    lines = [GOOD, '{"level": "INFO", "msg": "x", "v": [1, %s]}' % extra, GOOD]
    python, java = _read_both(lines, tmp_path)
    assert python == java and python[0] == [1, 3] and python[1] == {"invalid JSON": 1}


@pytest.mark.skipif(not hasattr(__import__("sys"), "set_int_max_str_digits"), reason="no int() digit limit to lift")
@pytest.mark.parametrize("limit", [0, 100_000])
def test_an_integer_of_more_than_4300_digits_is_bad_whatever_this_interpreters_limit(tmp_path, limit):
    """An interpreter without int()'s limit (before 3.11 / 3.10.7) or with a higher one read such a line, which the
    JVM refuses: it is a bad line with the JVM's reason all the same."""
    import sys

    line = '{"level": "INFO", "msg": "x", "v": %s}' % ("7" * (INT_MAX_DIGITS + 1))
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(limit)
    try:
        assert json.loads(line)   # this interpreter reads it
        quarantine = tmp_path / "bad.jsonl"
        reader = JsonLinesReader(["level", "msg"], mode="lenient", quarantine=quarantine)
        assert reader.read([GOOD, line])["line_number"].tolist() == [1]
    finally:
        sys.set_int_max_str_digits(before)
    assert [json.loads(text)["reason"] for text in quarantine.read_text(encoding="utf-8").splitlines()] == [
        f"invalid JSON: integer of more than {INT_MAX_DIGITS} digits at column 36"]
