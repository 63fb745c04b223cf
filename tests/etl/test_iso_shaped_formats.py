"""An ISO-shaped strftime format (``%Y-%m-%dT%H:%M:%S%z``) takes what its regex takes, as CPython's strptime and the
JVM's TimeParser do: pandas reads such formats with its own ISO parser, which took more (parity: JVM cases in
``tests/test_timestamp_order_parity.py``)."""

import numpy as np
import pandas as pd
import pytest

from dl4j_bridge.etl import Timestamp


def _seconds(time_format, texts):
    return Timestamp("t", format=time_format).seconds(pd.DataFrame({"t": pd.Series(texts, dtype=object)}))


@pytest.mark.parametrize("time_format, text", [
    ("%Y-%m-%dT%H:%M:%S%z", "2026-01-06T08:00:05+00"),      # %z is +HHMM or +HH:MM (or Z)
    ("%Y-%m-%dT%H:%M:%S%z", "2026-01-06T08:00:05+1"),
    ("%Y-%m-%dT%H:%M:%S%z", "2026-01-06T08:00:05+013"),     # pandas read it as +01:03
    ("%Y-%m-%dT%H:%M:%S%z", "2026-01-06T08:00:05+1:00"),
    ("%Y-%m-%dT%H:%M:%S%z", "2026-01-06T08:00:05+01:0"),
    ("%Y-%m-%dT%H:%M:%S%z", "-2026-01-06T08:00:05+01:00"),  # %Y is four digits, no sign
    ("%Y-%m-%d", "-26-01-06"),
    ("%Y-%m-%dT%H:%M:%S.%f", "2026-01-06T08:00:05."),        # %f is 1 to 9 digits
    ("%Y-%m-%dT%H:%M:%S.%f", "2026-01-06T08:00:05.1234567891"),
    ("%Y-%m-%d %H:%M:%S", "2016-12-31 23:59:60"),            # leap seconds stay unparsable
])
def test_what_the_format_does_not_say_is_unparsable(time_format, text):
    good = "2026-01-06T08:00:05+01:00" if "%z" in time_format else None
    seconds = _seconds(time_format, [text] + ([good] if good else []))
    assert np.isnan(seconds[0])
    if good:
        assert seconds[1] == 1767682805.0   # the same batch's regular times still parse


@pytest.mark.parametrize("time_format, text, expected", [
    ("%Y-%m-%dT%H:%M:%S%z", "2026-01-06T08:00:05+0100", 1767682805.0),
    ("%Y-%m-%dT%H:%M:%S%z", "2026-01-06T08:00:05Z", 1767686405.0),
    ("%Y-%m-%dT%H:%M:%S.%f", "2026-01-06T08:00:05.123456789", 1767686405.123456789),
    ("%Y-%m-%d %H:%M:%S", "2026-1-6 8:0:5", 1767686405.0),     # the regex takes one digit
    ("%Y-%m-%d", "2026-01-06", 1767657600.0),
])
def test_what_the_format_says_still_parses(time_format, text, expected):
    assert _seconds(time_format, [text])[0] == expected
