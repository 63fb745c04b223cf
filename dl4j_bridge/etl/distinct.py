"""A function of each value of a column, computed once per distinct value (label columns hold few); raw values
grouped as the JVM tells them apart (:func:`exact_key`, :func:`exact_codes`)."""

from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np
import pandas as pd

__all__ = ["map_distinct", "exact_key", "exact_codes"]

#: Columns whose equal values are the same value (same type, same ``str`` and ``repr``): one call per distinct one.
_EXACT_KINDS = ("string", "integer", "boolean", "empty")


def map_distinct(values: np.ndarray, function: Callable[[Any], Any], dtype: Any = object) -> np.ndarray:
    """``np.array([function(v) for v in values], dtype)``, calling ``function`` once per distinct value.

    Exactly the per-value result: values are grouped (:func:`pandas.factorize`) only when equal values cannot
    differ in what ``function`` sees, i.e. every value that is not ``None`` or a float NaN is of one type among
    str, int, bool (``1``, ``1.0`` and ``True`` are equal but print differently, as are ``0.0`` and ``-0.0``: such
    columns are mapped value by value). Missing values (``None``, NaN) are passed as they are, ``None`` once.
    """
    values = np.asarray(values, dtype=object)
    n = len(values)
    types = set(map(type, values))
    types.discard(type(None))
    exact = (n > 0 and pd.api.types.infer_dtype(values, skipna=True) in _EXACT_KINDS
             and len(types - {float}) <= 1 and not (float in types and len(types) == 1))
    if not exact:
        out = np.empty(n, dtype=dtype)
        for row, value in enumerate(values):   # one by one: a result may be a sequence
            out[row] = function(value)
        return out
    codes, uniques = pd.factorize(values)   # missing values (None, NaN): -1
    table = np.empty(len(uniques) + 1, dtype=dtype)   # the last entry: None's result
    if len(uniques):
        first = np.full(len(uniques), -1, dtype=np.int64)
        present = np.flatnonzero(codes >= 0)
        first[codes[present[::-1]]] = present[::-1]   # the first row of each distinct value (its own object)
        for k, row in enumerate(first):
            table[k] = function(values[row])
    missing = np.flatnonzero(codes < 0)   # None or a float NaN (any other missing value is another type)
    nans = missing[values[missing] != None] if len(missing) else missing   # noqa: E711 - elementwise
    if len(nans) < len(missing):
        table[-1] = function(None)
    out = table[codes]
    if len(nans):
        out[nans] = _same(function(values[nans[0]]), len(nans), dtype)
    return out


def _same(result: Any, n: int, dtype: Any) -> np.ndarray:
    column = np.empty(n, dtype=dtype)
    column.fill(result)
    return column


def exact_key(value: Any) -> Any:
    """A raw value as a dict key that tells apart what the JVM tells apart (its ``HashMap`` of the parsed JSON
    values, or ``PyCompat.str`` of them): by type and text. ``1``, ``1.0`` and ``True`` are equal in Python (one
    dict key, one :func:`pandas.factorize` group) but three keys here, as ``0.0`` and ``-0.0`` are two; every
    NaN is one key. A string and ``None`` are their own keys; numpy scalars are keyed as the Python ones.
    """
    cls = value.__class__
    if cls is str or value is None:
        return value
    if cls is bool or cls is np.bool_:
        return (bool, bool(value))
    if isinstance(value, numbers.Integral):
        return (int, int(value))
    if isinstance(value, (float, np.floating)):
        return (float, repr(float(value)))   # repr: -0.0 and 0.0 apart, every NaN 'nan'
    return (cls, value)


#: inferred kinds (:func:`pandas.api.types.infer_dtype`) of columns whose equal values are exactly equal
_PLAIN_KINDS = ("string", "integer", "boolean", "empty")


def exact_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`pandas.factorize` of raw values grouped by :func:`exact_key` (as the JVM groups them).

    Returns
    -------
    codes : np.ndarray
        intp ``(n,)``: each value's group in order of first appearance; -1 for a missing value (None, NaN).
    uniques : np.ndarray
        object: the first value of each group (its own object: ``1``, ``1.0`` and ``True`` each its own).

    Vectorised: :func:`pandas.factorize` groups values equal in Python, which is exact for a column of one type
    among str, int, bool (with missing values), or strings with one of them; only where it can merge values of
    another type or text (bool / int / float mixed, or a float zero) are its groups split by each value's type
    (and a float zero's sign), with no Python loop over the rows.
    """
    values = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(values)   # None, NaN: -1
    if pd.api.types.infer_dtype(values, skipna=True) in _PLAIN_KINDS:
        return codes, uniques
    kinds = {_number_kind(t) for t in set(map(type, values))} - {None}
    has_zero = _FLOAT in kinds and any(_number_kind(u.__class__) and u == 0 for u in uniques)
    if len(kinds) <= 1 and not has_zero:
        return codes, uniques
    key = codes.astype(np.int64) * 8
    if len(kinds) > 1:   # a group may hold values of several types: 1, 1.0, True
        type_codes, types = pd.factorize(np.fromiter(map(type, values), dtype=object, count=len(values)))
        tags = np.array([_number_kind(t) or 0 for t in types], dtype=np.int64)[type_codes]
        key += tags * 2
    if has_zero:   # -0.0 and 0.0: equal, but two texts (and two keys of the JVM's HashMap)
        zero_groups = [k for k, u in enumerate(uniques) if _number_kind(u.__class__) and u == 0]
        rows = np.flatnonzero(codes == zero_groups[0]) if len(zero_groups) == 1 else \
            np.flatnonzero(np.isin(codes, zero_groups))
        if len(kinds) > 1:
            rows = rows[tags[rows] == _FLOAT]
        key[rows] += np.signbit(values[rows].astype(np.float64))
    present = codes >= 0
    codes = np.full(len(values), -1, dtype=np.intp)
    codes[present], _ = pd.factorize(key[present])   # in order of first appearance, as factorize's own
    if not present.any():
        return codes, np.empty(0, dtype=object)
    first = np.full(int(codes.max()) + 1, -1, dtype=np.int64)
    rows = np.flatnonzero(present)
    first[codes[rows[::-1]]] = rows[::-1]   # the first row of each group
    return codes, values[first]


_BOOL, _INT, _FLOAT = 1, 2, 3


def _number_kind(cls: type) -> int | None:
    """1 for bool, 2 for int, 3 for float (numpy's too); None for every other type."""
    if issubclass(cls, (bool, np.bool_)):
        return _BOOL
    if issubclass(cls, (numbers.Integral, np.integer)):
        return _INT
    if issubclass(cls, (float, np.floating)):
        return _FLOAT
    return None
