"""A function of each value of a column, computed once per distinct value (label columns hold few)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

__all__ = ["map_distinct"]

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
