"""The numpy fast path of ``iso_seconds`` (zones Z / ±HH / ±HHMM / ±HH:MM included) equals the regex path."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from dl4j_bridge.etl import timeparse
from dl4j_bridge.etl.timeparse import iso_seconds

CASES = json.loads((Path(__file__).resolve().parents[1] / "resources" / "iso_times.json").read_text("utf-8"))


def _slow(texts) -> np.ndarray:
    """iso_seconds with the fast path off: every text through the regex."""
    original = timeparse._fast_fields
    timeparse._fast_fields = lambda texts, is_text, fields: np.zeros(len(texts), dtype=bool)
    try:
        return iso_seconds(texts)
    finally:
        timeparse._fast_fields = original


def _fast_mask(texts) -> np.ndarray:
    texts = list(texts)
    is_text = np.array([isinstance(t, str) for t in texts])
    return timeparse._fast_fields(texts, is_text, np.zeros((10, len(texts)), dtype=np.int64))


def _same(a: np.ndarray, b: np.ndarray) -> list[int]:
    return [i for i in range(len(a)) if not (a[i] == b[i] or (np.isnan(a[i]) and np.isnan(b[i])))]


def test_the_table_reads_the_same_on_both_paths():
    texts = [c["text"] for c in CASES["accepted"]] + list(CASES["refused"])
    fast, slow = iso_seconds(texts), _slow(texts)
    assert [texts[i] for i in _same(fast, slow)] == []


def test_numeric_offsets_take_the_fast_path():
    texts = ["2026-01-06T08:00:05+01:00", "2026-01-06T08:00:05.123456789-05:30", "2026-01-06 08:00+0100",
             "2026-01-06T08:00:05,5+01", "2026-01-06t08:00:05-0000", "2026-01-06T08:00:05Z"]
    assert _fast_mask(texts).all()
    got = iso_seconds(texts)
    assert got[0] == 1767686405.0 - 3600
    assert got[1] == (1767686405 + 5 * 3600 + 1800) + 0.123456789
    assert got[2] == 1767686400.0 - 3600
    assert got[3] == 1767686405.5 - 3600
    assert got[4] == 1767686405.0
    assert _same(got, _slow(texts)) == []
    # not the grammar: the fast path leaves them to the regex, which refuses them
    refused = ["2026-01-06+01:00", "2026-01-06T08:00:05+1:00", "2026-01-06T08:00:05+01:0", "2026-01-06T08:00:05+010",
               "2026-01-06T08:00:05 +01:00", "2026-01-06T08:00:05+24:00", "2026-01-06T08:00:05+01:60",
               "2026-01-06T08:00:05.+01", "2026-01-06T08:00:05+01:00Z", "2026-01-06T08:00:05++0100"]
    assert _same(iso_seconds(refused), _slow(refused)) == []
    assert np.isnan(iso_seconds(refused[:4] + refused[5:])).all()


_PIECES = ["2026", "-", "01", "06", "12", "29", "02", "13", "00", "T", "t", " ", ":", "08", "59", "60", "23", "24",
           ".", ",", "5", "123", "123456789", "1234567890", "Z", "z", "+", "-", "01", "0100", "01:00", "05:30", "99",
           "1970-01-01", "2262-04-11T23:47:16", "1677-09-21T00:12:43", "0000-01-01", "9999-12-31"]


def test_fuzz_fast_and_slow_paths_agree():
    rng = random.Random(20261206)
    texts = []
    for _ in range(20_000):
        stem = rng.choice(["2026-01-06", "2024-02-29", "2023-02-29", "1970-01-01", "9999-12-31", "0000-01-01",
                           "2262-04-11", "1677-09-21", "2026-1-06", "2026-01-6"])
        tail = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 6)))
        if rng.random() < 0.6:   # mostly well-formed times with a zone
            tail = (rng.choice("Tt ") + f"{rng.randint(0, 25):02d}:{rng.randint(0, 61):02d}"
                    + (f":{rng.randint(0, 61):02d}" if rng.random() < 0.8 else "")
                    + (rng.choice(".,") + str(rng.randint(0, 10 ** rng.randint(0, 10))) if rng.random() < 0.5 else "")
                    + rng.choice(["", "Z", "z", "+", "-"]) + rng.choice(["", f"{rng.randint(0, 25):02d}"])
                    + rng.choice(["", ":", "::"]) + rng.choice(["", f"{rng.randint(0, 61):02d}", "0"]))
        texts.append(stem + tail)
    fast, slow = iso_seconds(texts), _slow(texts)
    assert [(texts[i], fast[i], slow[i]) for i in _same(fast, slow)] == []
    mask = _fast_mask(texts)
    assert mask.sum() > 1_500   # the fuzz reaches the fast path, zones included
    assert sum(1 for t, m in zip(texts, mask) if m and t[-3] in "+-:") > 500
