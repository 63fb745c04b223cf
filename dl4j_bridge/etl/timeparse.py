"""ISO 8601 times as the ETL reads them (``Timestamp(format=None)``), the same on the JVM (``TimeParser``).

One grammar, on both sides (``tests/resources/iso_times.json`` lists accepted and refused texts; pytest and
JUnit both check it)::

    [space] YYYY-MM-DD [ (T|t|space) HH:MM [:SS [(.|,) fraction]] [spaces] [zone] ] [space]

* the date is the extended form ``YYYY-MM-DD`` (four-digit year, 0000-9999);
* the time needs hours and minutes (``2026-01-06T08`` is refused); seconds are optional; a fraction of
  1 to 9 digits follows a ``.`` or a ``,`` (log4j writes ``08:00:05,123``); ``08:00:19.`` is refused;
* the zone is ``Z`` / ``z``, ``±HH``, ``±HHMM`` or ``±HH:MM`` (hours 00-23, minutes 00-59), after the time
  (a date alone has no zone); a time without a zone is UTC; the time is converted to UTC;
* leading and trailing ASCII whitespace (space, tab, CR, LF, FF, VT) is ignored;
* values are checked: month 01-12, a day the month has (29 February in leap years only), hour 00-23,
  minute and second 00-59 (no leap second 60, no ``24:00``);
* the basic format (``20260106T080005``), week dates and ordinal dates are refused: give such times a
  ``format`` (``"%Y%m%dT%H%M%S"``).

A refused time is an unparsable time (counted and warned about, it takes the previous record's time).

``Timestamp(format="%s")``: seconds since 1970-01-01 UTC (HPC logs, ``1077804742``), read by :func:`epoch_seconds`
here and by the JVM's ``TimeParser`` alike (``tests/resources/epoch_times.json``, checked by pytest and JUnit)::

    [space] digits [. fraction] [space]

* whole seconds are 1 to 18 ASCII digits, the fraction 1 to 9 digits; no sign, no exponent, no comma;
* seconds from 9223372036 on (after 2262-04-11, beyond pandas' datetime64[ns]) are refused, and so are
  millisecond epochs (``1077804742000``: 13 digits) -- divide them or give the seconds only;
* ``%s`` is the whole format: it cannot be combined with other directives nor with ``year``.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["EPOCH_PATTERN", "ISO_PATTERN", "epoch_seconds", "iso_seconds"]

#: The grammar above as a regex (groups: year, month, day, hour, minute, second, fraction, zone); the JVM's
#: ``TimeParser.ISO`` is the same text.
ISO_PATTERN = (r"[ \t\n\r\f\x0b]*(\d{4})-(\d{2})-(\d{2})"
               r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
               r" *(Z|z|[+-]\d{2}(?::?\d{2})?)?)?[ \t\n\r\f\x0b]*")

_ISO = re.compile(ISO_PATTERN, re.ASCII)

#: ``format = "%s"`` (groups: seconds, fraction); the JVM's ``TimeParser.EPOCH`` is the same text.
EPOCH_PATTERN = r"[ \t\n\r\f\x0b]*([0-9]{1,18})(?:\.([0-9]{1,9}))?[ \t\n\r\f\x0b]*"

_EPOCH = re.compile(EPOCH_PATTERN, re.ASCII)

_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)

#: Seconds since the epoch whose nanoseconds fit in int64 (pandas' datetime64[ns]); others count microseconds.
_NS_SECONDS = 9_223_372_036


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm), vectorised."""
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def iso_seconds(texts) -> np.ndarray:
    """Seconds since 1970-01-01 UTC of each text (float64), NaN where it is not a time of the grammar.

    The value is that of pandas' ``datetime64[ns]`` (``int64 ns / 1e9``); a time whose nanoseconds do not fit
    in int64 (before 1677-09-22 or after 2262-04-11) counts microseconds (``int64 us / 1e6``), as the JVM does.
    The common shapes (``YYYY-MM-DD[(T|t| )HH:MM[:SS[(.|,)fraction]][Z|z|±HH|±HHMM|±HH:MM]]``, no spaces) are read
    with numpy on the characters' code points; the others with the regex, one by one.

    Parameters
    ----------
    texts : sequence of str or None
        Distinct time texts (None and non-strings: NaN).
    """
    texts = list(texts)
    n = len(texts)
    out = np.full(n, np.nan)
    if not n:
        return out
    is_text = np.fromiter((isinstance(t, str) for t in texts), dtype=bool, count=n)
    fields = np.zeros((10, n), dtype=np.int64)   # year month day hour minute second nanos sign zone_h zone_m
    parsed = np.zeros(n, dtype=bool)
    fast = _fast_fields(texts, is_text, fields)
    parsed |= fast
    slow = np.flatnonzero(is_text & ~fast)
    if len(slow):
        match = _ISO.fullmatch
        for i in slow:
            m = match(texts[i])
            if m is None:
                continue
            year, month, day, hour, minute, second, fraction, zone = m.groups()
            fields[:6, i] = (int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
            fields[6, i] = 0 if fraction is None else int(fraction.ljust(9, "0"))
            if zone is not None and zone not in "Zz":
                fields[7:, i] = (-1 if zone[0] == "-" else 1, int(zone[1:3]), int(zone[-2:]) if len(zone) > 3 else 0)
            parsed[i] = True
    year, month, day, hour, minute, second, nanos, sign, zone_hours, zone_minutes = fields
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
    valid = (parsed & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days) & (hour <= 23)
             & (minute <= 59) & (second <= 59) & (zone_hours <= 23) & (zone_minutes <= 59))
    seconds = (_days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
               - sign * (zone_hours * 3600 + zone_minutes * 60))
    in_ns = (seconds > -_NS_SECONDS) & (seconds < _NS_SECONDS)
    values = np.where(in_ns, (np.where(in_ns, seconds, 0) * 1_000_000_000 + nanos).astype(np.float64) / 1e9,
                      (seconds * 1_000_000 + nanos // 1000).astype(np.float64) / 1e6)
    out[valid] = values[valid]
    return out


def epoch_seconds(texts) -> np.ndarray:
    """Seconds since 1970-01-01 UTC of each text of :data:`EPOCH_PATTERN` (float64: ``int64 ns / 1e9``, as pandas'
    ``datetime64[ns]`` and the JVM give it), NaN where the text does not match or lies beyond int64 nanoseconds.

    Parameters
    ----------
    texts : sequence of str or None
        Distinct time texts (None and non-strings: NaN).
    """
    texts = list(texts)
    out = np.full(len(texts), np.nan)
    match = _EPOCH.fullmatch
    for i, text in enumerate(texts):
        m = match(text) if isinstance(text, str) else None
        if m is None:
            continue
        seconds = int(m.group(1))
        if seconds >= _NS_SECONDS:
            continue
        nanos = int(m.group(2).ljust(9, "0")) if m.group(2) is not None else 0
        out[i] = float(np.int64(seconds * 1_000_000_000 + nanos)) / 1e9
    return out


_MAX_FAST = 35   # YYYY-MM-DDTHH:MM:SS.123456789+01:00


def _fast_fields(texts: list, is_text: np.ndarray, fields: np.ndarray) -> np.ndarray:
    """The texts of the common shapes, read with numpy into ``fields``; returns which they are."""
    n = len(texts)
    chars = np.array([t if ok and len(t) <= _MAX_FAST else "" for t, ok in zip(texts, is_text)],
                     dtype=f"<U{_MAX_FAST}")
    codes = chars.view(np.uint32).reshape(n, _MAX_FAST)
    length = np.fromiter((len(t) if ok and len(t) <= _MAX_FAST else 0 for t, ok in zip(texts, is_text)),
                         dtype=np.int64, count=n)

    def column(i: int) -> np.ndarray:
        return codes[:, i].astype(np.int64)

    def digit(i: int) -> np.ndarray:
        c = codes[:, i]
        return (c >= 48) & (c <= 57)

    rows = np.arange(n)

    def back(k: int) -> np.ndarray:   # the code point k characters before the end (0 where there is none)
        return np.where(length >= k, codes[rows, np.maximum(length - k, 0)], 0)

    def back_digit(k: int) -> np.ndarray:
        c = back(k)
        return (c >= 48) & (c <= 57)

    def back_sign(k: int) -> np.ndarray:
        c = back(k)
        return (c == 43) | (c == 45)

    last = back(1)
    # the zone ending the text: Z / z, ±HH:MM, ±HHMM or ±HH (mutually exclusive by the character 3 from the end)
    zulu = (last == 90) | (last == 122)
    two_digits = back_digit(2) & back_digit(1)
    colon_zone = back_sign(6) & back_digit(5) & back_digit(4) & (back(3) == 58) & two_digits
    basic_zone = back_sign(5) & back_digit(4) & back_digit(3) & two_digits
    hour_zone = back_sign(3) & two_digits
    zone_width = np.select([zulu, colon_zone, basic_zone, hour_zone], [1, 6, 5, 3], 0)
    end = length - zone_width   # where the time ends
    ok = length >= 10
    for i in (0, 1, 2, 3, 5, 6, 8, 9):
        ok &= digit(i)
    ok &= (codes[:, 4] == 45) & (codes[:, 7] == 45)
    date_only = ok & (length == 10)   # a date alone has no zone
    timed = ok & (end >= 16) & np.isin(codes[:, 10], (84, 116, 32)) & (codes[:, 13] == 58)
    for i in (11, 12, 14, 15):
        timed &= digit(i)
    minutes_only = timed & (end == 16)
    with_seconds = timed & (end >= 19) & (codes[:, 16] == 58) & digit(17) & digit(18)
    whole_seconds = with_seconds & (end == 19)
    fraction = with_seconds & (end >= 21) & (end <= 29) & np.isin(codes[:, 19], (46, 44))
    nanos = np.zeros(n, dtype=np.int64)
    for i in range(20, 29):
        inside = i < end
        fraction &= ~inside | digit(i)
        nanos = nanos * 10 + np.where(inside, column(i) - 48, 0)
    fast = date_only | minutes_only | whole_seconds | fraction
    if not fast.any():
        return fast

    def number(first: int, width: int) -> np.ndarray:
        value = np.zeros(n, dtype=np.int64)
        for i in range(first, first + width):
            value = value * 10 + (column(i) - 48)
        return value

    fields[0] = np.where(fast, number(0, 4), 0)
    fields[1] = np.where(fast, number(5, 2), 0)
    fields[2] = np.where(fast, number(8, 2), 0)
    timed = fast & ~date_only
    fields[3] = np.where(timed, number(11, 2), 0)
    fields[4] = np.where(timed, number(14, 2), 0)
    fields[5] = np.where(fast & (whole_seconds | fraction), number(17, 2), 0)
    fields[6] = np.where(fraction, nanos, 0)
    numeric_zone = timed & (zone_width >= 3)
    if numeric_zone.any():   # ±HH, ±HHMM, ±HH:MM from the sign at ``end``
        start = np.where(numeric_zone, end, 0)

        def zone_digits(offset: np.ndarray | int) -> np.ndarray:
            at = np.minimum(start + offset, _MAX_FAST - 2)
            return (codes[rows, at].astype(np.int64) - 48) * 10 + codes[rows, at + 1].astype(np.int64) - 48

        fields[7] = np.where(numeric_zone, np.where(codes[rows, start] == 45, -1, 1), 0)
        fields[8] = np.where(numeric_zone, zone_digits(1), 0)
        fields[9] = np.where(numeric_zone & (zone_width > 3), zone_digits(np.where(zone_width == 6, 4, 3)), 0)
    return fast
