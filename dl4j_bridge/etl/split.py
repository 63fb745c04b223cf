"""Train / test splits that never leak.

* :class:`ChronologicalSplit` (the default): the first ``1 - test_fraction``
  of the records (in stream order, i.e. time order for logs) are training
  data.  With sessions, a session belongs to the part of its first record.
* :class:`KeySplit`: sessions (or any key) go to the test part at random,
  decided by a seeded hash of the key -- reproducible anywhere
  (:func:`key_hash`: FNV-1a 64 of the UTF-8 bytes of ``"<seed>:<key>"``,
  then MurmurHash3's 64-bit finaliser; test when ``hash / 2**64 <
  test_fraction``).

Statistics are fitted on the training part only, and windows are built per
part, so no window crosses the split.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .distinct import exact_key
from .errors import EtlError, SpecError


def spec_repr(obj) -> str:
    """``Name(key=value, ...)`` from ``obj.to_dict()`` (without its ``kind``): what a notebook shows of a sequence
    or split spec, instead of an object address."""
    items = ", ".join(f"{k}={v!r}" for k, v in obj.to_dict().items() if k not in ("kind", "hash"))
    return f"{type(obj).__name__}({items})"

__all__ = ["ChronologicalSplit", "KeySplit", "split_from_dict", "fnv1a64", "key_hash"]

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK64 = (1 << 64) - 1


def key_hash(text: str) -> int:
    """FNV-1a 64 followed by MurmurHash3's ``fmix64`` (unsigned 64-bit).

    The finaliser spreads small differences (``s1`` vs ``s2``) over the high
    bits, which plain FNV-1a does not.
    """
    value = fnv1a64(text)
    value ^= value >> 33
    value = (value * 0xFF51AFD7ED558CCD) & _MASK64
    value ^= value >> 33
    value = (value * 0xC4CEB9FE1A85EC53) & _MASK64
    value ^= value >> 33
    return value


def fnv1a64(text: str) -> int:
    """64-bit FNV-1a hash of the UTF-8 bytes of ``text`` (unsigned)."""
    value = _FNV_OFFSET
    for byte in text.encode("utf-8"):
        value ^= byte
        value = (value * _FNV_PRIME) & _MASK64
    return value


class ChronologicalSplit:
    """First part of the stream for training, the rest for testing.

    Parameters
    ----------
    test_fraction : float
        Share of records (by count) in the test part; the boundary index is
        ``floor(n_records * (1 - test_fraction))``.
    """

    kind = "chronological"
    needs_count = True

    def __init__(self, test_fraction: float = 0.2):
        if not 0.0 <= test_fraction < 1.0:
            raise EtlError("test_fraction must be in [0, 1)")
        self.test_fraction = float(test_fraction)

    def boundary(self, n_records: int) -> int:
        """Index of the first test record."""
        return int(np.floor(n_records * (1.0 - self.test_fraction)))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "test_fraction": self.test_fraction}

    __repr__ = spec_repr


class KeySplit:
    """Random split by key (e.g. session id), seeded and order-free.

    Parameters
    ----------
    key : str
        Column holding the key.
    test_fraction : float
    seed : int
    """

    kind = "key"
    needs_count = False

    def __init__(self, key: str, test_fraction: float = 0.2, seed: int = 0):
        if not 0.0 <= test_fraction < 1.0:
            raise EtlError("test_fraction must be in [0, 1)")
        self.key = key
        self.test_fraction = float(test_fraction)
        self.seed = int(seed)
        self._cache: dict[Any, bool] = {}

    def is_test_key(self, key: Any) -> bool:
        """True when ``key`` falls in the test part."""
        cached = exact_key(key)   # 1, 1.0 and True hash apart ("1", "1.0", "True"): cached apart
        found = self._cache.get(cached)
        if found is None:
            found = key_hash(f"{self.seed}:{key}") / 2.0**64 < self.test_fraction
            if len(self._cache) < 1_000_000:
                self._cache[cached] = found
        return found

    def is_test(self, keys: np.ndarray) -> np.ndarray:
        """Boolean test mask for an array of keys (missing keys train: None, and NaN, the key of an extract that
        did not match, which was hashed as "nan" and sent every keyless record to the part the seed picked)."""
        return np.fromiter((not _missing_key(k) and self.is_test_key(k) for k in keys), dtype=bool, count=len(keys))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "test_fraction": self.test_fraction, "seed": self.seed,
                "hash": "fmix64(fnv1a64(utf8(seed + ':' + key))) / 2^64 < test_fraction"}

    __repr__ = spec_repr


def _missing_key(key: Any) -> bool:
    return key is None or (isinstance(key, float) and key != key) or key is pd.NA


def split_from_dict(spec: Mapping[str, Any] | None) -> ChronologicalSplit | KeySplit | None:
    if spec is None:
        return None
    if spec.get("kind") == "chronological":
        return ChronologicalSplit(spec["test_fraction"])
    if spec.get("kind") == "key":
        return KeySplit(spec["key"], spec["test_fraction"], spec.get("seed", 0))
    raise SpecError(f"unknown split kind {spec.get('kind')!r}")
