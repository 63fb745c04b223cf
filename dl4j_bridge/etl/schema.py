"""Schema: typed columns inferred from a sample and checked against new data."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import SchemaError
from .readers import to_numbers

__all__ = ["Column", "Schema", "COLUMN_TYPES"]

COLUMN_TYPES = ("categorical", "integer", "float", "timestamp", "text", "label")

_INTERNAL = ("line_number",)


@dataclass(frozen=True)
class Column:
    """One column: ``name``, ``type`` (see :data:`COLUMN_TYPES`), ``nullable``."""

    name: str
    type: str
    nullable: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "nullable": self.nullable}


class Schema:
    """Ordered typed columns.

    Examples
    --------
    >>> frame = pd.DataFrame({"host": ["a", "b"], "bytes": ["1", "2"]})
    >>> print(Schema.infer(frame))  # doctest: +NORMALIZE_WHITESPACE
    column  type         nullable
    host    categorical  no
    bytes   integer      no
    """

    def __init__(self, columns: Sequence[Column]):
        self.columns = list(columns)
        for column in self.columns:
            if column.type not in COLUMN_TYPES:
                raise SchemaError(f"column {column.name!r}: unknown type {column.type!r}")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @classmethod
    def infer(cls, frame: pd.DataFrame, *, labels: Iterable[str] = ("label",),
              types: Mapping[str, str] | None = None, sample_rows: int = 5000) -> "Schema":
        """Infer column types from (a sample of) ``frame``.

        Parameters
        ----------
        frame : pandas.DataFrame
        labels : iterable of str
            Column names typed ``label``.
        types : mapping, optional
            Types to force for some columns.
        sample_rows : int
            Rows examined (the first ones).
        """
        sample = frame.head(sample_rows)
        labels = set(labels)
        forced = dict(types or {})
        columns = []
        for name in sample.columns:
            if name in _INTERNAL:
                continue
            values = sample[name]
            nullable = bool(values.isna().any()) or bool((values.astype(object) == "").any())
            if name in forced:
                kind = forced[name]
            elif name in labels:
                kind = "label"
            else:
                kind = _infer_type(values)
            columns.append(Column(str(name), kind, nullable))
        return cls(columns)

    def problems(self, frame: pd.DataFrame) -> list[str]:
        """Human-readable disagreements between ``frame`` and the schema."""
        out = []
        for column in self.columns:
            if column.name not in frame.columns:
                out.append(f"{column.name}: missing column")
                continue
            values = frame[column.name]
            present = values[values.notna() & (values.astype(object) != "")]
            if not column.nullable and len(present) < len(values):
                out.append(f"{column.name}: {len(values) - len(present)} missing values in a non-nullable column")
            if column.type in ("integer", "float") and len(present):
                numbers = to_numbers(present)
                bad = int(numbers.isna().sum())
                if bad:
                    out.append(f"{column.name}: {bad} values are not numbers")
                elif column.type == "integer" and not _all_whole(numbers.to_numpy(float)):
                    out.append(f"{column.name}: non-integer values")
        return out

    def check(self, frame: pd.DataFrame) -> None:
        """Raise :class:`SchemaError` listing every problem, if any."""
        problems = self.problems(frame)
        if problems:
            raise SchemaError("; ".join(problems))

    def __str__(self) -> str:
        width = max([len("column")] + [len(c.name) for c in self.columns])
        lines = [f"{'column':<{width}}  {'type':<11}  nullable"]
        for column in self.columns:
            lines.append(f"{column.name:<{width}}  {column.type:<11}  {'yes' if column.nullable else 'no'}")
        return "\n".join(lines)

    __repr__ = __str__

    def to_dict(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self.columns]

    @classmethod
    def from_dict(cls, spec: Sequence[Mapping[str, Any]]) -> "Schema":
        return cls([Column(c["name"], c["type"], c.get("nullable", True)) for c in spec])


def _all_whole(numbers: np.ndarray) -> bool:
    """True when every number is a whole number (NaN and infinities are not)."""
    finite = np.isfinite(numbers)
    return bool(finite.all() and np.all(np.mod(numbers[finite], 1) == 0))


@functools.lru_cache(maxsize=1)
def _pandas_nanoseconds_only() -> bool:
    """Whether pandas gives NaT for a time outside datetime64[ns] (pandas < 3; pandas 3 parses it at microseconds)."""
    return bool(pd.to_datetime(pd.Series(["0001-01-02"]), errors="coerce", format="mixed").isna().iloc[0])


def _parsable_share(text: pd.Series, parsed: pd.Series) -> float:
    """The share of ``text`` that pandas 3 would parse in ``format="mixed"``, for a pandas that gave NaT to the
    times outside datetime64[ns]: a time without a year is in year 1 there (syslog's ``Mar 4 10:00:00``), so a
    column of them was ``text`` with pandas 2 and ``timestamp`` with pandas 3. NaT values are parsed again by
    dateutil (as pandas does, year 1 for a missing year), stopping once more than 5% fail."""
    from dateutil import parser as dateutil_parser

    budget, failed = int(len(text) * 0.05), 0
    for value in text[parsed.isna().to_numpy()]:
        try:
            dateutil_parser.parse(value, default=datetime.datetime(1, 1, 1))
        except (ValueError, OverflowError, TypeError):
            failed += 1
            if failed > budget:
                break
    return 1.0 - failed / len(text)


def _infer_type(values: pd.Series) -> str:
    present = values[values.notna()]
    present = present[present.astype(object) != ""]
    if not len(present):
        return "text"
    if pd.api.types.is_bool_dtype(present):
        return "categorical"
    numbers = to_numbers(present)
    if numbers.notna().all():
        as_float = numbers.to_numpy(dtype=float)
        return "integer" if _all_whole(as_float) else "float"
    text = present.astype(str)
    if text.str.contains(r"\d").all() and text.str.contains(r"[:\-/T]").all():
        parsed = pd.to_datetime(text, errors="coerce", format="mixed")
        share = parsed.notna().mean()
        if share < 0.95 and _pandas_nanoseconds_only():
            share = _parsable_share(text, parsed)
        if share >= 0.95:
            return "timestamp"
    mean_length = text.str.len().mean()
    distinct = text.nunique() / len(text)
    if mean_length > 32 or (distinct > 0.5 and text.str.contains(" ").mean() > 0.5):
        return "text"
    return "categorical"
