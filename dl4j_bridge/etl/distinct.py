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
_NUMBER_TYPES = (bool, np.bool_, int, np.integer, float, np.floating)


def exact_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`pandas.factorize` of raw values grouped by :func:`exact_key` (as the JVM groups them).

    Returns
    -------
    codes : np.ndarray
        intp ``(n,)``: each value's group in order of first appearance; -1 for a missing value (None, NaN).
    uniques : np.ndarray
        object: the first value of each group (its own object: ``1``, ``1.0`` and ``True`` each its own).

    Vectorised where equality is already exact: a column of one type among str, int, bool (with missing values),
    or str with one of them, is factorized as it is; floats alone by their bits (``-0.0`` apart from ``0.0``);
    only a column mixing bool / int / float is keyed value by value.
    """
    values = np.asarray(values, dtype=object)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in _PLAIN_KINDS:
        return pd.factorize(values)
    types = {t for t in set(map(type, values)) if issubclass(t, _NUMBER_TYPES)}
    number_kinds = {bool if issubclass(t, (bool, np.bool_)) else float if issubclass(t, (float, np.floating))
                    else int for t in types}
    if not number_kinds or number_kinds in ({int}, {bool}):   # strings with ints, or with booleans: never equal
        return pd.factorize(values)
    if kind == "floating":   # floats only (and None): by their bits, -0.0 is not 0.0
        numbers_ = np.array([np.nan if v is None else v for v in values], dtype=np.float64) \
            if any(v is None for v in values) else values.astype(np.float64)
        present = ~np.isnan(numbers_)
        codes = np.full(len(values), -1, dtype=np.intp)
        codes[present], _ = pd.factorize(numbers_[present].view(np.int64))
    else:
        keys = np.empty(len(values), dtype=object)
        for row, value in enumerate(values):
            missing = value is None or (isinstance(value, (float, np.floating)) and value != value)
            keys[row] = None if missing else exact_key(value)
        codes, _ = pd.factorize(keys)
    if not len(codes) or codes.max() < 0:
        return codes, np.empty(0, dtype=object)
    first = np.full(int(codes.max()) + 1, -1, dtype=np.int64)
    present = np.flatnonzero(codes >= 0)
    first[codes[present[::-1]]] = present[::-1]   # the first row of each group
    return codes, values[first]
