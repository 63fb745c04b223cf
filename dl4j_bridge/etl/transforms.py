"""Column transforms: an ordered, JSON-serialisable process (cf. DataVec).

Every transform reads one or more columns of a record chunk
(:class:`pandas.DataFrame`) and

* learns statistics with :meth:`Transform.partial_fit` on *training* chunks
  only, then :meth:`Transform.finish`;
* produces float32 feature columns with :meth:`Transform.features`
  (``dict`` of name -> array of shape ``(n,)``), or derived columns with
  :meth:`Transform.derive` (e.g. the template id or the session key).

All formulas are deliberately simple so that a Java port can reproduce them
bit for bit in float32 (see each class).  Missing values follow an explicit
per-transform ``missing`` policy; ``"error"`` raises
:class:`~dl4j_bridge.etl.errors.BadRecordError`.
"""

from __future__ import annotations

import functools
import importlib
import ipaddress
import logging
import math
import numbers
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .distinct import exact_codes, exact_key, map_distinct
from .errors import BadRecordError, EtlError, LabelValuesError, NotFittedError, SpecError
from .readers import LINE_NUMBER, compile_regex, java_regex_to_python, python_regex_to_java, to_numbers
from .templates import OOV_ID, TemplateMiner
from .timeparse import epoch_seconds, iso_seconds

log = logging.getLogger(__name__)


__all__ = [
    "Transform",
    "Extract",
    "Categorical",
    "Numeric",
    "Timestamp",
    "Template",
    "IpAddress",
    "Port",
    "Label",
    "transform_from_dict",
    "TEMPLATE_ID",
    "STEP_LABEL",
]

#: Derived column holding the integer template id of each record.
TEMPLATE_ID = "template_id"
#: Derived column holding the 0/1 label of each record.
STEP_LABEL = "step_label"

UNKNOWN = "<unknown>"
MISSING = "<missing>"

#: Largest float32: scaled numeric features are clipped to +-this, never rounded to infinity.
FLOAT32_MAX = float(np.finfo(np.float32).max)

# datetime64[ns] (pandas' default unit) covers 1677-09-21 .. 2262-04-11
_NS_MIN = pd.Timestamp.min
_NS_MAX = pd.Timestamp.max


def _missing_mask(column: pd.Series) -> np.ndarray:
    """True where a value is missing: None, NaN or the empty string."""
    missing = column.isna().to_numpy()
    if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
        missing = missing | (column.to_numpy(dtype=object) == "")
    return missing


#: File name of errors raised on records; the pipeline replaces it with its source's name.
RECORDS = "<records>"


def _raise_missing(frame: pd.DataFrame, column: str, missing: np.ndarray) -> None:
    row = int(np.flatnonzero(missing)[0])
    line = int(frame[LINE_NUMBER].iloc[row]) if LINE_NUMBER in frame else row + 1
    raise BadRecordError(RECORDS, line, column, "missing value (policy 'error')")


class Transform:
    """Base class.  Subclasses set :attr:`kind` and implement the hooks."""

    kind = "base"

    def __init__(self, column: str):
        self.column = column
        self.fitted = False

    def partial_fit(self, frame: pd.DataFrame) -> None:
        """Accumulate statistics from a training chunk."""

    def finish(self) -> None:
        """Freeze statistics after the last training chunk."""
        self.fitted = True

    def derive(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Derived (non-feature) columns, shape ``(n,)`` each."""
        return {}

    def features(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Feature columns, float32 of shape ``(n,)`` each."""
        return {}

    @property
    def feature_names(self) -> list[str]:
        return []

    def write_features(self, frame: pd.DataFrame, out: np.ndarray) -> None:
        """Write the features into ``out`` (float32 view of shape ``(n, k)``)."""
        features = self.features(frame)
        for column, name in enumerate(self.feature_names):
            out[:, column] = features[name]

    def reset_stream(self) -> None:
        """Forget stream state (e.g. previous timestamp) before a new pass."""

    def observe(self, frame: pd.DataFrame) -> None:
        """A chunk of training records, shown by :meth:`Pipeline.fit` to every transform (also to those that
        learn nothing) so that :meth:`observed` can judge whether the transform works on the data."""

    def observed(self) -> None:
        """End of the fit's pass: raise when the training records show the transform cannot work."""

    def pass_warnings(self, source: str) -> list[str]:
        """End of a pass over ``source`` (fit or transform): the warnings about what the pass could not use, for
        the pipeline to log (once: a transform pass repeating what the fit said of the same records is not
        repeated)."""
        return []

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.column}

    def __repr__(self) -> str:
        """``Template('Content')``: the transform and its column, as errors name it."""
        return f"{type(self).__name__}({self.column!r})"

    def _check_fitted(self) -> None:
        if not self.fitted:
            raise NotFittedError(f"{type(self).__name__}({self.column!r}) used before fit")


# ----------------------------------------------------------------------
class Extract(Transform):
    """Derive a column from the first regex match in another column.

    Parameters
    ----------
    column : str
        Source column (e.g. ``"Content"``).
    pattern : str
        Regex; group 1 (or the whole match when there is no group) is kept.
        E.g. ``r"(blk_-?\\d+)"`` for HDFS block ids.
    into : str
        Name of the derived column; rows without a match get ``None``.
    """

    kind = "extract"

    def __init__(self, column: str, pattern: str, into: str):
        super().__init__(column)
        self.pattern = java_regex_to_python(pattern)
        self.into = into
        self._regex = compile_regex(self.pattern, "pattern", given=pattern)
        self.fitted = True

    def derive(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        group = 1 if self._regex.groups else 0
        search = self._regex.search
        out = []
        for value in frame[self.column].to_numpy(dtype=object):
            found = search(value) if isinstance(value, str) else None
            out.append(found.group(group) if found else None)
        return {self.into: np.array(out, dtype=object)}

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "pattern": python_regex_to_java(self.pattern), "into": self.into}


# ----------------------------------------------------------------------
class Categorical(Transform):
    """Category -> index or one-hot, with an unknown bucket.

    Parameters
    ----------
    column : str
    encoding : {"onehot", "index"}
        ``"onehot"``: one feature per category plus ``<unknown>`` (first).
        ``"index"``: one feature holding the index as float (0 = unknown).
    max_categories : int, optional
        Keep the most frequent categories (ties broken by value, ascending).
    min_count : int
        Categories seen fewer times at fit time go to the unknown bucket.
    missing : {"unknown", "category", "error"}
        Missing values go to the unknown bucket, to their own ``<missing>``
        category, or raise.

    Notes
    -----
    The category order is explicit and saved: ``categories[i]`` has index
    ``i + 1``; index 0 is the unknown bucket.  A value's category is its
    text (``str``, the JVM's ``PyCompat.str``): JSON ``true`` is ``"True"``,
    ``1.0`` is ``"1.0"`` and ``1`` is ``"1"``, three categories although the
    values are equal in Python.
    """

    kind = "categorical"

    def __init__(self, column: str, *, encoding: str = "onehot", max_categories: int | None = None,
                 min_count: int = 1, missing: str = "unknown", categories: Sequence[str] | None = None):
        super().__init__(column)
        if encoding not in ("onehot", "index"):
            raise EtlError("encoding must be 'onehot' or 'index'")
        if missing not in ("unknown", "category", "error"):
            raise EtlError("missing must be 'unknown', 'category' or 'error'")
        self.encoding = encoding
        self.max_categories = max_categories
        self.min_count = int(min_count)
        self.missing = missing
        self._counts: Counter[str] = Counter()
        self.categories: list[str] = list(categories) if categories is not None else []
        if categories is not None:
            self.finish_from_categories()

    def finish_from_categories(self) -> None:
        self._index = {value: i + 1 for i, value in enumerate(self.categories)}
        self.fitted = True

    def _values(self, frame: pd.DataFrame) -> np.ndarray:
        column = frame[self.column]
        missing = _missing_mask(column)
        if missing.any() and self.missing == "error":
            _raise_missing(frame, self.column, missing)
        values = column.to_numpy(dtype=object).copy()
        values[missing] = MISSING if self.missing == "category" else None
        return values

    def partial_fit(self, frame: pd.DataFrame) -> None:
        values = pd.Series(self._values(frame), dtype=object).dropna().map(str)
        self._counts.update(values.value_counts().to_dict())

    def finish(self) -> None:
        items = [(value, count) for value, count in self._counts.items() if count >= self.min_count]
        items.sort(key=lambda item: (-item[1], item[0]))
        if self.max_categories is not None:
            items = items[: self.max_categories]
        self.categories = [value for value, _ in items]
        self.finish_from_categories()

    def indexes(self, frame: pd.DataFrame) -> np.ndarray:
        """Category index per row, int32 of shape ``(n,)`` (0 = unknown)."""
        self._check_fitted()
        values = self._values(frame)
        # grouped by type and text (factorize alone merged true with 1.0, and 0 with -0.0 and false, each group
        # taking the category of its first value): each value has the category of its own text, as on the JVM
        codes, uniques = exact_codes(values)
        lookup = np.array([self._index.get(str(u), 0) for u in uniques] + [0], dtype=np.int32)
        return lookup[codes]  # code -1 (missing) -> last entry, 0

    def write_features(self, frame: pd.DataFrame, out: np.ndarray) -> None:
        index = self.indexes(frame)
        if self.encoding == "index":
            out[:, 0] = index
            return
        out[:] = 0.0
        out[np.arange(len(index)), index] = 1.0

    def features(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        index = self.indexes(frame)
        if self.encoding == "index":
            return {self.column: index.astype(np.float32)}
        onehot = np.zeros((len(index), len(self.categories) + 1), dtype=np.float32)
        onehot[np.arange(len(index)), index] = 1.0
        return {name: onehot[:, i] for i, name in enumerate(self.feature_names)}

    @property
    def feature_names(self) -> list[str]:
        if self.encoding == "index":
            return [self.column]
        return [f"{self.column}={UNKNOWN}"] + [f"{self.column}={value}" for value in self.categories]

    def to_dict(self) -> dict[str, Any]:
        self._check_fitted()
        return {**super().to_dict(), "encoding": self.encoding, "max_categories": self.max_categories,
                "min_count": self.min_count, "missing": self.missing, "categories": list(self.categories),
                "unknown_index": 0}

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "Categorical":
        return cls(spec["column"], encoding=spec["encoding"], max_categories=spec.get("max_categories"),
                   min_count=spec.get("min_count", 1), missing=spec.get("missing", "unknown"),
                   categories=spec["categories"])


# ----------------------------------------------------------------------
class Numeric(Transform):
    """Numeric column, standardised or min-max scaled with training statistics.

    Parameters
    ----------
    column : str
    scaling : {"standard", "minmax", "none"}
        ``standard``: ``(x - mean) / std`` (population std; 1 if std is 0).
        ``minmax``: ``(x - min) / (max - min)`` (range 1 if it is 0).
    log1p : bool
        Apply ``sign(x) * log(1 + |x|)`` before fitting/scaling (heavy tails,
        e.g. byte counts).
    missing : {"mean", "zero", "error"}
        Missing or non-numeric values become the training mean (after
        ``log1p``), 0, or raise.
    indicator : bool
        Add a ``<column>_missing`` feature (1.0 where the value was missing).
    """

    kind = "numeric"

    def __init__(self, column: str, *, scaling: str = "standard", log1p: bool = False,
                 missing: str = "mean", indicator: bool = False):
        super().__init__(column)
        if scaling not in ("standard", "minmax", "none"):
            raise EtlError("scaling must be 'standard', 'minmax' or 'none'")
        if missing not in ("mean", "zero", "error"):
            raise EtlError("missing must be 'mean', 'zero' or 'error'")
        self.scaling = scaling
        self.log1p = bool(log1p)
        self.missing = missing
        self.indicator = bool(indicator)
        self._n = 0
        # sums of (value - shift), shift = the first training value: E[x^2] - E[x]^2 of the raw values loses every
        # digit of the variance when the mean is large against the spread (1e9 + N(0, 3) gave std 19.6)
        self._shift: float | None = None
        self._sum = 0.0
        self._sum_sq = 0.0
        self._min = math.inf
        self._max = -math.inf
        self.mean = 0.0
        self.std = 1.0
        self.minimum = 0.0
        self.maximum = 1.0
        self.count = 0
        self.reset_stream()

    def reset_stream(self) -> None:
        self.present_values = 0
        #: values given but not numbers ('abc', 'inf'), read as missing, in the last pass (the launcher's summary
        #: ``non_numeric_values``)
        self.non_numbers = 0
        self._first_non_number: tuple[int, str] | None = None

    def pass_warnings(self, source: str) -> list[str]:
        warning = self.non_number_warning(source)
        return [warning] if warning else []

    def non_number_warning(self, source: str) -> str | None:
        """The warning for :attr:`non_numbers` (the launcher's words), or None."""
        if not self.non_numbers:
            return None
        line, text = self._first_non_number
        fill = "the training mean" if self.missing == "mean" else "0"
        return (f"{source}: {self.non_numbers} of {self.present_values} values of {self.column!r} are not numbers "
                f"(first: line {line}, {text!r}); they were read as missing ({fill}): declare the field's type "
                "([reader] types) to make such lines bad lines instead")

    def _raw(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        column = frame[self.column]
        values = to_numbers(column).to_numpy(dtype=np.float64, na_value=np.nan)
        missing = ~np.isfinite(values)
        if missing.any():   # given, yet no number: counted and warned about, never silently a missing value
            given = column.notna().to_numpy()
            not_numbers = missing & given
            self.present_values += int(given.sum())
            if not_numbers.any():
                self.non_numbers += int(not_numbers.sum())
                if self._first_non_number is None:
                    row = int(np.flatnonzero(not_numbers)[0])
                    line = int(frame[LINE_NUMBER].iloc[row]) if LINE_NUMBER in frame else row + 1
                    self._first_non_number = (line, str(column.iloc[row]))
        else:
            self.present_values += len(values)
        if missing.any() and self.missing == "error":
            _raise_missing(frame, self.column, missing)
        if self.log1p:
            values = np.sign(values) * np.log1p(np.abs(values))
        return values, missing

    def partial_fit(self, frame: pd.DataFrame) -> None:
        values, missing = self._raw(frame)
        present = values[~missing]
        if present.size:
            self._n += present.size
            if self._shift is None:
                self._shift = float(present[0])
            with np.errstate(over="ignore", invalid="ignore"):  # huge values: checked in finish
                shifted = present - self._shift
                self._sum += float(shifted.sum())
                self._sum_sq += float(np.square(shifted).sum())
            self._min = min(self._min, float(present.min()))
            self._max = max(self._max, float(present.max()))

    def finish(self) -> None:
        self.count = self._n
        if not self._n:   # a constant feature learned from nothing: a wrong field name or an empty column
            given = (f"; the {self.present_values} values given are no numbers (first: line "
                     f"{self._first_non_number[0]}, {self._first_non_number[1]!r})" if self.non_numbers else "")
            raise EtlError(f"Numeric({self.column!r}): no training record has a number in {self.column!r}{given}. "
                           "Check that the reader maps the field (fields, the CSV header), or leave the transform out")
        # the counts of this pass stay until the next one starts: the pipeline reads them for its warning
        if self._n:
            with np.errstate(over="ignore", invalid="ignore"):
                offset = np.float64(self._sum) / self._n   # mean - shift
                variance = max(np.float64(self._sum_sq) / self._n - offset**2, 0.0)
                mean = self._shift + offset
            self.mean = float(mean)
            self.std = math.sqrt(variance) or 1.0 if math.isfinite(variance) else math.inf
            self.minimum, self.maximum = self._min, self._max
            self._check_finite()
        self.fitted = True

    def _check_finite(self) -> None:
        needed = {"mean": self.mean} if self.missing == "mean" or self.scaling == "standard" else {}
        if self.scaling == "standard":
            needed["std"] = self.std
        if self.scaling == "minmax":
            needed["max - min"] = self.maximum - self.minimum
        overflowed = [name for name, value in needed.items() if not math.isfinite(value)]
        if overflowed:
            largest = max(abs(self.minimum), abs(self.maximum))
            raise EtlError(f"Numeric({self.column!r}): the training values are too large to scale ({', '.join(overflowed)}"
                           f" overflow float64; largest |value| {largest:.3g}): use Numeric({self.column!r}, "
                           "log1p=True), or clean the column")

    def features(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        self._check_fitted()
        values, missing = self._raw(frame)
        fill = self.mean if self.missing == "mean" else 0.0
        values = np.where(missing, fill, values)
        with np.errstate(over="ignore"):
            if self.scaling == "standard":
                values = (values - self.mean) / self.std
            elif self.scaling == "minmax":
                values = (values - self.minimum) / ((self.maximum - self.minimum) or 1.0)
        # a huge (finite) value saturates at the float32 limit instead of becoming infinity
        out = {self.column: np.clip(values, -FLOAT32_MAX, FLOAT32_MAX).astype(np.float32)}
        if self.indicator:
            out[f"{self.column}_missing"] = missing.astype(np.float32)
        return out

    @property
    def feature_names(self) -> list[str]:
        return [self.column] + ([f"{self.column}_missing"] if self.indicator else [])

    def to_dict(self) -> dict[str, Any]:
        self._check_fitted()
        return {**super().to_dict(), "scaling": self.scaling, "log1p": self.log1p, "missing": self.missing,
                "indicator": self.indicator, "count": self.count, "mean": self.mean, "std": self.std,
                "min": self.minimum, "max": self.maximum}

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "Numeric":
        out = cls(spec["column"], scaling=spec["scaling"], log1p=spec.get("log1p", False),
                  missing=spec.get("missing", "mean"), indicator=spec.get("indicator", False))
        out.count, out.mean, out.std = spec["count"], spec["mean"], spec["std"]
        out.minimum, out.maximum = spec["min"], spec["max"]
        out.fitted = True
        return out


# ----------------------------------------------------------------------
#: ``Timestamp(format=EPOCH_FORMAT)``: seconds since the epoch (:func:`.timeparse.epoch_seconds`).
EPOCH_FORMAT = "%s"


#: strftime directives that read a year from the text: ``%Y``, ``%y``, ``%G`` (ISO year), ``%c`` and ``%x`` (the
#: locale's date and time / date, with a year); ``%s`` (seconds since the epoch) is a whole format of its own.
YEAR_DIRECTIVES = frozenset("YyGcx")

#: The year ``strptime`` (and pandas, and the JVM's ``TimeParser``) gives a time whose format has no year.
DEFAULT_YEAR = 1900

#: A leap year: a time that parses in it but not in the assumed year is a 29 February.
_LEAP_YEAR = 2000

#: The format of ``Timestamp(format=None, year=...)``: syslog's, which has no year.
_SYSLOG_TIME_FORMAT = "%b %d %H:%M:%S"


def reads_year(format: str | None) -> bool:
    """Whether times of ``format`` carry their year: ISO 8601 (``None``), ``"%s"``, or a directive of
    :data:`YEAR_DIRECTIVES` (``%%`` is a literal percent sign, ``%%Y`` no year). The JVM's
    ``TimestampTransform.readsYear`` is the same."""
    if format is None or format == EPOCH_FORMAT:
        return True
    return any(d in YEAR_DIRECTIVES for d in re.findall(r"%(.)", format, re.DOTALL))


def _check_time_format(format: Any, year: Any) -> None:
    """A format pandas cannot parse with (a bad directive, a stray ``%``) is an :class:`EtlError` naming it, when
    the transform is built rather than at the first parse."""
    if format is None:
        return
    if not isinstance(format, str):
        raise EtlError(f"format must be a strftime format (a string), got {format!r}")
    if format == EPOCH_FORMAT:
        if year is not None:
            raise EtlError(f"year = {year!r} has no use with format '%s' (seconds since the epoch): remove year")
        return
    if re.search(r"(?<!%)(?:%%)*%s", format):
        raise EtlError(f"format {format!r}: %s (seconds since the epoch) must be the whole format: format = \"%s\"")
    if year is not None and re.search(r"(?<!%)(?:%%)*%Y", format):
        raise EtlError(f"year = {year!r} and format {format!r}: the format reads the year itself; remove year (it is "
                       "for formats without one, such as syslog's '%b %d %H:%M:%S')")
    probe = format if year is None else "%Y " + format
    try:
        pd.to_datetime(pd.Series(["0"], dtype=object), format=probe, errors="coerce", utc=True)
    except ValueError as error:
        raise EtlError(f"format {format!r}: {error}; use the strftime directives of Python's datetime.strptime, "
                       "format = \"%s\" for seconds since the epoch, or no format for ISO 8601") from error
    except re.error as error:   # a directive given twice ('%H:%M:%S %H'): "redefinition of group name"
        raise EtlError(f"format {format!r}: {error}: give each directive once") from error


def _without_leap_seconds(text: pd.Series, parsed: pd.Series, time_format: str) -> pd.Series:
    """``parsed`` with leap seconds (``%S`` of 60 or 61) unparsable, as CPython's ``strptime``, the ISO grammar and
    the JVM have them: pandas 3 rolls them over into the next minute (23:59:60 -> 00:00:00), older pandas refuse
    them. Only times pandas put at second 0 or 1 can be one; for those the ``%S`` field is read with the
    format's own pattern (:func:`_strptime_pattern`)."""
    if "%S" not in time_format or not len(parsed):
        return parsed
    candidates = np.flatnonzero((parsed.notna() & parsed.dt.second.isin([0, 1])).to_numpy())
    if not len(candidates):
        return parsed
    pattern = _strptime_pattern(time_format)
    if pattern is None:   # neither pandas nor CPython compiles the format: nothing was parsed with it
        return parsed
    values = text.tolist()
    leap = [row for row in candidates
            if (found := pattern.match(str(values[row]))) is not None and found.groupdict().get("S") in ("60", "61")]
    if leap:
        parsed = parsed.copy()
        parsed.iloc[leap] = pd.NaT
    return parsed


@functools.lru_cache(maxsize=64)
def _strptime_pattern(time_format: str):
    """The regex pandas parses ``time_format`` with (its groups named by directive; ``%f`` of up to 9 digits),
    else CPython's strptime regex, else None. pandas takes a time when the regex matches all of its text."""
    try:
        from pandas._libs.tslibs.strptime import _TimeRE_cache as pandas_patterns

        return pandas_patterns.compile(time_format)
    except (ImportError, KeyError, ValueError, re.error, AttributeError):
        pass
    import _strptime

    try:
        return _strptime._TimeRE_cache.compile(time_format)
    except (KeyError, ValueError, re.error, AttributeError):
        return None


def _fraction_digits(pattern: re.Pattern, texts: list[str]) -> list[str]:
    """Per text, the digits the ``%f`` group of ``pattern`` (:func:`_strptime_pattern`) takes where the pattern
    matches the whole text, else ``""``.

    One regex pass over the texts joined by NUL, which no directive matches (a Python call per text cost about
    0.24 s per 200,000 times); each match takes one text and its NUL: the format matched whole, or any text.

    Parameters
    ----------
    pattern : re.Pattern
        A strptime regex with a group ``f``.
    texts : list of str
        The times' texts.

    Returns
    -------
    list of str
        One per text.
    """
    joined = "\x00".join(texts) + "\x00"
    if joined.count("\x00") != len(texts):   # a text holds a NUL: matched one by one
        return [found.group("f") if (found := pattern.fullmatch(text)) else "" for text in texts]
    # the other directives' groups not captured (the format's own '(' and '?' are escaped: each '(?P<' is a group's)
    only_f = re.sub(r"\(\?P<(?!f>)\w+>", "(?:", pattern.pattern)
    each = re.compile(rf"(?:(?:{only_f})(?=\x00)|[^\x00]*)\x00", pattern.flags)
    found = each.findall(joined)
    if each.groups > 1:   # unnamed groups (pandas' %z): findall gives tuples
        found = [groups[each.groupindex["f"] - 1] for groups in found]
    return found


def _to_datetime(text: pd.Series, time_format: str) -> pd.Series:
    """``pd.to_datetime(text, format=..., errors="coerce", utc=True)`` without leap seconds; pandas raises
    KeyError (not a NaT) for a ``%b`` / ``%a`` value that only Unicode case folding makes a name ('ſep': long s):
    then each time is parsed alone and such a value is an unparsable time, as on the JVM."""
    try:
        parsed = pd.to_datetime(text, format=time_format, errors="coerce", utc=True)
    except KeyError:
        def one(value):
            try:
                return pd.to_datetime(pd.Series([value], dtype=object), format=time_format, errors="coerce",
                                      utc=True).iloc[0]
            except KeyError:
                return pd.NaT
        parsed = pd.to_datetime(pd.Series([one(v) for v in text], dtype=object, index=text.index), utc=True)
    if _pandas_iso_shortcut(time_format):
        return _outside_iso_shortcut(text, parsed, time_format)
    return _without_leap_seconds(text, parsed, time_format)


@functools.lru_cache(maxsize=64)
def _pandas_iso_shortcut(time_format: str) -> bool:
    """Whether pandas parses ``time_format`` with its ISO 8601 parser instead of the format's regex (an
    ISO-shaped format such as ``%Y-%m-%dT%H:%M:%S%z``); True where pandas does not say (checked then anyway)."""
    for where in ("pandas._libs.tslibs.strptime", "pandas._libs.tslibs.parsing"):
        try:
            return bool(importlib.import_module(where).format_is_iso(time_format))
        except (ImportError, AttributeError):
            continue
    return True


def _outside_iso_shortcut(text: pd.Series, parsed: pd.Series, time_format: str) -> pd.Series:
    """``parsed`` with the times that do not match the whole of the format's regex unparsable, leap seconds too
    (as :func:`_without_leap_seconds`, in the same pass).

    pandas reads an ISO-shaped format with its own ISO parser, which takes more than the format says and more
    than CPython's ``strptime`` and the JVM's ``TimeParser`` take: offsets ``+00``, ``+1``, ``+013`` (read as
    1:03), ``+1:00`` for ``%z``, an empty or 10-digit fraction for ``%f``, a negative year for ``%Y``
    (``-2026-01-06``). Those times are unparsable, as on the JVM (its rows and Python's are the same)."""
    if not len(parsed):
        return parsed
    pattern = _strptime_pattern(time_format)
    if pattern is None:   # neither pandas nor CPython compiles the format: nothing was parsed with it
        return parsed
    fullmatch, seconds = pattern.fullmatch, "S" in pattern.groupindex
    loose = []
    for row, (value, present) in enumerate(zip(text.tolist(), parsed.notna().tolist())):
        if present:
            found = fullmatch(value if isinstance(value, str) else str(value))
            if found is None or (seconds and found.group("S") in ("60", "61")):
                loose.append(row)
    if loose:
        parsed = parsed.copy()
        parsed.iloc[loose] = pd.NaT
    return parsed


def _datetime_seconds(parsed: pd.Series) -> np.ndarray:
    """Seconds since 1970-01-01 (UTC) of parsed times, float64; NaN for NaT. Times outside datetime64[ns]
    (e.g. year 1) are counted in microseconds."""
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    beyond_ns = (parsed.notna() & ((parsed < _NS_MIN) | (parsed > _NS_MAX))).to_numpy()
    in_ns = parsed.where(~beyond_ns) if beyond_ns.any() else parsed
    seconds = in_ns.astype("datetime64[ns]").to_numpy().astype("int64").astype(np.float64) / 1e9
    seconds[in_ns.isna().to_numpy()] = np.nan
    if beyond_ns.any():
        seconds[beyond_ns] = parsed[beyond_ns].astype("datetime64[us]").to_numpy().astype("int64") / 1e6
    return seconds


#: Seconds in 400 Gregorian years: the calendar (leap years, weekdays) repeats after them.
_GREGORIAN_CYCLE_SECONDS = 146_097 * 86_400


def _beyond_ns_seconds(texts: Sequence[str], time_format: str) -> np.ndarray:
    """Seconds since the epoch of times pandas left unparsed because their ``%Y`` lies outside datetime64[ns]
    (1677-09-22 to 2262-04-11), counted in microseconds as :func:`_datetime_seconds` and the JVM count them.

    pandas >= 3 parses such a time at microseconds; pandas 2 parses at nanoseconds only and gives NaT. Each
    time's year is moved by whole 400-year cycles into 1700-2099 (same leap years and weekdays), the text
    parsed with pandas as any other (same regex, same checks), and the cycles added back.

    Parameters
    ----------
    texts : sequence of str
        Times that match the whole of the format's regex and that pandas did not parse.
    time_format : str
        Their strftime format.

    Returns
    -------
    numpy.ndarray
        float64 ``(len(texts),)``: seconds, NaN where the year is within datetime64[ns] (the time is unparsable
        for another reason) or the time does not parse in its moved year either.
    """
    out = np.full(len(texts), np.nan)
    pattern = _strptime_pattern(time_format)
    if pattern is None or "Y" not in pattern.groupindex:
        return out
    rows, moved, cycles = [], [], []
    for row, text in enumerate(texts):
        found = pattern.fullmatch(text)
        if found is None or found.group("Y") is None:
            continue
        year = int(found.group("Y"))
        if _NS_MIN.year < year < _NS_MAX.year:
            continue
        in_range = 1700 + (year - 1700) % 400
        start, end = found.span("Y")
        rows.append(row)
        moved.append(f"{text[:start]}{in_range:0{end - start}d}{text[end:]}")
        cycles.append((year - in_range) // 400)
    if not rows:
        return out
    parsed = _to_datetime(pd.Series(moved, dtype=object), time_format)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    present = parsed.notna().to_numpy()
    nanos = parsed.astype("datetime64[ns]").to_numpy().astype("int64")
    micros = nanos // 1000 + np.asarray(cycles, dtype=np.int64) * (_GREGORIAN_CYCLE_SECONDS * 1_000_000)
    out[np.asarray(rows)[present]] = micros[present] / 1e6
    return out


def _has_sub_microseconds(parsed: pd.Series) -> bool:
    """Whether some parsed time has digits below the microsecond (pandas then parsed the batch at ns)."""
    times = parsed.dropna()
    if not len(times) or getattr(parsed.dt, "unit", "ns") != "ns":
        return False
    return bool((times.dt.nanosecond != 0).any())


def _group_key(value: Any) -> Any:
    """A ``delta_by`` value as a group, as the JVM's HashMap tells them apart: 1, 1.0 and True (equal in Python)
    are three groups, as 0.0 and -0.0 are two; every NaN is one (:func:`.distinct.exact_key`)."""
    return exact_key(value)


def _as_text(values: np.ndarray) -> np.ndarray:
    """Time values as text: strings kept, None and NaN (missing) as None, other values (JSON numbers and
    booleans) as ``str`` gives them, the JVM's ``PyCompat.str``."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values
    out = values.copy()
    for i, value in enumerate(values):
        if value.__class__ is str:
            continue
        missing = value is None or (not isinstance(value, (list, dict)) and bool(pd.isna(value)))
        out[i] = None if missing else str(value)
    return out


_EPOCH_MS = re.compile(r"[ \t]*1\d{12}(?:\.\d+)?[ \t]*")     # 2001-09-09 to 2033-05-18 in milliseconds
_EPOCH_S = re.compile(r"[ \t]*1\d{9}(?:\.\d+)?[ \t]*")       # the same years in seconds


def _epoch_note(text: str, time_format: str | None) -> str:
    """What to add to "parses none of the training times" when the example is a number since the epoch: pandas'
    ``to_json`` writes datetime columns as milliseconds (its default ``date_format='epoch'``), which no format reads
    (``%s`` takes seconds); "" otherwise."""
    if _EPOCH_MS.fullmatch(text):
        return ("; it looks like milliseconds since the epoch (pandas' to_json writes datetimes so): write the times "
                "as ISO 8601, df.to_json(orient='records', lines=True, date_format='iso'), or divide them by 1000 and "
                "give format = '%s'")
    if _EPOCH_S.fullmatch(text) and time_format != "%s":
        return "; it looks like seconds since the epoch: give format = '%s'"
    return ""


class Timestamp(Transform):
    """Timestamp -> inter-arrival delta and cyclic hour-of-day / day-of-week.

    Parameters
    ----------
    column : str or sequence of str
        Column(s) holding the time; several columns are joined with a space
        (e.g. ``["Month", "Day", "Time"]``).
    format : str, optional
        ``strftime`` format of the joined text (fast and unambiguous);
        ``None`` means ISO 8601 (``2024-03-04T10:00:00.123+01:00``).  Times
        with a zone are converted to UTC; times without one are taken as UTC.
        ``"%s"`` (the whole format, without ``year``): seconds since the epoch,
        ``1077804742`` or ``1077804742.25`` (see :mod:`.timeparse`).  A
        directive pandas cannot parse is an :class:`EtlError` naming it.
    year : int, optional
        Year for formats without one (syslog's ``%b %d %H:%M:%S``); default
        1900 as in ``strptime``.  A format without a year (no ``%Y``, ``%y``,
        ``%G``, ``%c``, ``%x``) and no ``year`` is warned about at fit: the
        weekday features are then 1900's and a 29 February does not parse.
    delta_by : str, optional
        Compute the delta within groups of this (derived) column, e.g. the
        session key; otherwise in stream order.  With ``Sessions`` by this
        column, each step's delta is measured from the step before it in the
        session's time order (by the session builder), not in read order.
    missing : {"previous", "error"}
        An unparsable or missing time takes the previous record's time (delta
        0), or raises.

    Notes
    -----
    Features, all float32:

    * ``<name>_delta_log``: ``log(1 + max(0, t_i - t_prev))`` in seconds;
      0 for the first record of the stream / group;
    * ``<name>_hour_sin``, ``<name>_hour_cos``: ``sin/cos(2*pi*h/24)`` with
      ``h = hour + minute/60 + second/3600``;
    * ``<name>_dow_sin``, ``<name>_dow_cos``: ``sin/cos(2*pi*d/7)``, Monday = 0.

    Deltas carry over between chunks of one pass; call
    :meth:`reset_stream` before a new pass (the pipeline does).
    """

    kind = "timestamp"

    def __init__(self, column: str | Sequence[str], *, format: str | None = None, year: int | None = None,
                 delta_by: str | None = None, missing: str = "previous", name: str | None = None):
        columns = [column] if isinstance(column, str) else list(column)
        super().__init__(columns[0])
        if missing not in ("previous", "error"):
            raise EtlError("missing must be 'previous' or 'error'")
        self.columns = columns
        _check_time_format(format, year)
        self.format = format
        self.year = year
        self.delta_by = delta_by
        self.missing = missing
        self.name = name or "time"
        self.fitted = True
        self.last_seconds: np.ndarray | None = None
        #: bool, per record of the last chunk: whether its own time was given and parsed (else ``last_seconds``
        #: holds the previous record's time); ``Sessions(gap=...)`` measures gaps between such records only
        self.last_timed: np.ndarray | None = None
        #: set by the pipeline for a pass whose ``Sessions`` key is ``delta_by``: the session builder measures each
        #: step's delta from the step before it in time order (and counts the times still backward there), so the
        #: delta is not counted backward here in read order; :attr:`last_session_delta` then holds what it needs
        self.session_ordered = False
        #: with :attr:`session_ordered`, per record of the last chunk: ``(before, placeholder, text)`` -- the time of
        #: the ``delta_by`` group's previous record in read order (NaN: none), whether the record is a stand-in
        #: without any time yet (delta 0, no time to measure from) and its time text (None when missing)
        self.last_session_delta: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.reset_stream()

    def reset_stream(self) -> None:
        self._last_time: float | None = None
        self._last_by_key: dict[Any, float] = {}
        self._counts = {"present": 0, "unparsable": 0, "backward": 0}
        self._example: tuple[int, str] | None = None   # (line, text) of the first unparsable time
        self._backward_example: tuple[int, str] | None = None   # (line, text) of the first time before its previous
        #: fit: parsed times by the number of digits their ``%f`` took, and the first with fewer than 3 (line, text, f)
        self._fraction_widths: Counter[int] = Counter()
        self._short_fraction: tuple[int, str, str] | None = None

    def _count(self, frame: pd.DataFrame, seconds: np.ndarray, present: np.ndarray) -> None:
        """Count the times given but not parsed (with the first one, for messages)."""
        bad = present & np.isnan(seconds)
        self._counts["present"] += int(present.sum())
        self._counts["unparsable"] += int(bad.sum())
        if self._example is None and bad.any():
            row = int(np.flatnonzero(bad)[0])
            line = int(frame[LINE_NUMBER].iloc[row]) if LINE_NUMBER in frame else row + 1
            self._example = (line, " ".join(str(frame[c].iloc[row]) for c in self.columns))

    def _how(self) -> str:
        return f"format {self.format!r}" if self.format else "ISO 8601 (format=None)"

    @property
    def assumes_year(self) -> bool:
        """Whether the times carry no year, so that :attr:`year` (default :data:`DEFAULT_YEAR`) is assumed."""
        return (self.format is None and self.year is not None) or not reads_year(self.format)

    def _year_note(self, text: str) -> str:
        """What to add to a message about the time ``text`` that did not parse: the year assumed when the format
        has none, and whether that year is why (a 29 February outside a leap year); "" when times carry their
        year. The JVM's ``TimestampTransform.yearNote`` words it the same."""
        if not self.assumes_year:
            return ""
        if self.year is None:
            note = f"; the format has no year and year is not set, so {DEFAULT_YEAR} is assumed (strptime's default)"
        else:
            note = f"; the format has no year, so year = {int(self.year)} is assumed"
        leap = pd.Series([f"{_LEAP_YEAR} {text}"], dtype=object)
        if not np.isnan(_datetime_seconds(_to_datetime(leap, "%Y " + (self.format or _SYSLOG_TIME_FORMAT)))[0]):
            note += ", which has no 29 February: set year to the log's year"
        return note

    def observe(self, frame: pd.DataFrame) -> None:
        seconds, present = self._parse(frame)
        self._count(frame, seconds, present)
        if self.format and "%f" in self.format:
            self._count_fractions(frame, seconds)

    def _count_fractions(self, frame: pd.DataFrame, seconds: np.ndarray) -> None:
        """Fit: count the parsed times by the digits their ``%f`` took (a count of milliseconds written without zero
        padding, loghub HealthApp's ``22:15:29:98``, reads as a fraction of 0.98 s: see :meth:`fraction_warning`)."""
        pattern = _strptime_pattern(self.format)
        if pattern is None or "f" not in pattern.groupindex:
            return
        rows = np.flatnonzero(~np.isnan(seconds))
        if not len(rows):
            return
        # the parsed times' text as _parse joins it (a missing part: no text)
        parts = [pd.Series(_as_text(frame[c].to_numpy(dtype=object))[rows], dtype=object) for c in self.columns]
        texts = (parts[0].str.cat(parts[1:], sep=" ") if len(parts) > 1 else parts[0]).fillna("").tolist()
        digits = _fraction_digits(pattern, texts)
        widths = np.fromiter(map(len, digits), dtype=np.int64, count=len(digits))   # 0: the format does not match
        self._fraction_widths.update({width: int(n) for width, n in enumerate(np.bincount(widths)) if width and n})
        short = np.flatnonzero((widths > 0) & (widths < 3))
        if len(short) and self._short_fraction is None:
            at = int(short[0])
            row = int(rows[at])
            line = int(frame[LINE_NUMBER].iloc[row]) if LINE_NUMBER in frame else row + 1
            self._short_fraction = (line, texts[at], digits[at])

    def fraction_warning(self) -> str | None:
        """The fit's warning when some times' ``%f`` took fewer than 3 digits while others took 3 or more (None
        otherwise): ``%f`` reads its digits as a decimal fraction, so a count of milliseconds written without zero
        padding (``98`` for 98 ms) reads as 980 ms, and the order and deltas of those times go wrong."""
        widths = self._fraction_widths
        short = sum(count for width, count in widths.items() if width < 3)
        if not short or short == sum(widths.values()):
            return None
        line, text, digits = self._short_fraction
        return (f"Timestamp({self.columns}): {short} of {sum(widths.values())} times have a %f of fewer than 3 digits "
                f"where the others have {max(widths)} (first: line {line}, {text!r}, its %f {digits!r} read as "
                f"0.{digits} s): %f reads its digits as a decimal fraction; if the log writes a count of milliseconds "
                f"without zero padding ({digits!r} for {int(digits) / 1000:.3f} s, as loghub's HealthApp does), these "
                "times, their order and their deltas are wrong: pad the count to 3 digits before reading (e.g. "
                "sed -E 's/:([0-9])\\|/:00\\1|/; s/:([0-9]{2})\\|/:0\\1|/' for HealthApp's 'HH:MM:SS:f|')")

    def observed(self) -> None:
        """A format that parses none of the training times would make every time feature a constant: an
        error, naming an example; some unparsable times are a warning (they take the previous time)."""
        counts, example = self._counts, self._example
        if counts["present"] and counts["unparsable"] == counts["present"]:
            where = getattr(self, "origin", None) or f"Timestamp({self.columns})"   # run.toml: its table
            raise EtlError(f"{where}: the {self._how()} parses none of the {counts['present']} "
                           f"training times, e.g. {example[1]!r} (line {example[0]}), so every time feature would be "
                           "a constant: give the format of these times (strftime codes, e.g. '%y%m%d %H%M%S' for "
                           f"'081109 203615'){self._year_note(example[1])}{_epoch_note(example[1], self.format)}")
        fraction = self.fraction_warning()
        if fraction:
            log.warning("%s", fraction)
        if self.year is None and not reads_year(self.format):
            log.warning("Timestamp(%s): the format %r has no year (%%Y, %%y, %%G, %%c, %%x) and year is not set, so "
                        "every time is read as in %d (strptime's default): the weekday features are that year's, a "
                        "29 February does not parse and a log running into a new year goes back in time. Set year "
                        "to the log's year (run.toml: year = 2024 in the timestamp's [[transforms]] table; Python: "
                        "Timestamp(..., year=2024))", self.columns, self.format, DEFAULT_YEAR)

    def pass_warnings(self, source: str) -> list[str]:
        counts = self._counts
        warnings = []
        if counts["unparsable"]:
            line, text = self._example
            warnings.append(f"{source}: {counts['unparsable']} of {counts['present']} times in {self.columns} do not "
                            f"parse with the {self._how()} (first: line {line}, {text!r}); they take the previous "
                            f"record's time (missing='previous'){self._year_note(text)}")
        backward = self.backward_warning(source)
        if backward:
            warnings.append(backward)
        return warnings

    @property
    def backward_times(self) -> int:
        """Times of the last pass earlier than the previous record's (of the same ``delta_by`` group)."""
        return self._counts["backward"]

    def count_backward(self, count: int, line: int, text: str) -> None:
        """Count ``count`` times earlier than the step before them in session order (the session builder measures
        the deltas of a :attr:`session_ordered` pass), the first of them on ``line`` with time text ``text``."""
        if count:
            self._counts["backward"] += int(count)
            if self._backward_example is None:
                self._backward_example = (int(line), text)

    def backward_warning(self, source: str) -> str | None:
        """The warning for :attr:`backward_times` (the launcher's ``TimestampTransform.backwardWarning``), or None."""
        counts = self._counts
        if not counts["backward"]:
            return None
        line, text = self._backward_example
        group = f" of the same {self.delta_by!r}" if self.delta_by is not None else ""
        rollover = ("; or the log runs into a new year: the format has no year, so 1 January is read as in the year "
                    "of the 31 December before it (year rollover): read each year's lines apart, each with its year"
                    if self.assumes_year else "")
        order = ("more than half of them: is the log newest first? Reverse its lines before reading it, a CSV "
                 "header staying first"
                 if 2 * counts["backward"] > counts["present"] else
                 "check that the log is in time order; a few are usual where several writers' clocks interleave"
                 + rollover)
        return (f"{source}: {counts['backward']} of {counts['present']} times in {self.columns} are earlier than the "
                f"record before them{group} (first: line {line}, {text!r}); their delta is taken as 0 ({order})")

    def seconds(self, frame: pd.DataFrame) -> np.ndarray:
        """Seconds since 1970-01-01 (naive times), float64 of shape ``(n,)``; NaN where there is no time or it
        does not parse."""
        return self._parse(frame)[0]

    def _parse(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`seconds`, and whether each record has a time at all (bool ``(n,)``)."""
        n = len(frame)
        # as text first (JSON numbers: 5 -> "5", as the JVM's PyCompat.str): 1, 1.0 and True are equal Python
        # values but three times, and a number joined with the text of another column was a TypeError
        columns = [_as_text(frame[name].to_numpy(dtype=object)) for name in self.columns]
        # logs are time-ordered: only rows where some time column changes need parsing
        changed = np.ones(n, dtype=bool)
        if n > 1:
            changed[1:] = False
            for values in columns:
                changed[1:] |= values[1:] != values[:-1]
        starts = np.flatnonzero(changed)
        run_of_row = np.cumsum(changed) - 1
        pieces = [pd.Series(values[starts], dtype=object) for values in columns]
        missing = np.zeros(len(starts), dtype=bool)
        for piece in pieces:
            missing |= piece.isna().to_numpy()
        text = pieces[0].where(~missing, "").to_numpy(dtype=object)
        for piece in pieces[1:]:
            text = text + " " + piece.where(~missing, "").to_numpy(dtype=object)
        text = pd.Series(text, dtype=object).where(~missing, None)
        run_codes, uniques = pd.factorize(text)  # parse each distinct time text once
        codes = run_codes[run_of_row] if n else run_codes
        # Numbers (JSON-lines "time": 12345) are parsed as their text, as the JVM does: pandas parses numbers
        # given a format as text today and will take them as epochs in a future version.
        unique_text = pd.Series(uniques, dtype=object).map(lambda v: v if v is None or isinstance(v, str) else str(v))
        time_format = self.format
        if self.year is not None:
            unique_text = str(int(self.year)) + " " + unique_text.astype(str)
            time_format = "%Y " + (time_format or _SYSLOG_TIME_FORMAT)
        if time_format is None:   # ISO 8601: the grammar of dl4j_bridge.etl.timeparse, the JVM's too
            unique_seconds = iso_seconds(unique_text.to_numpy(dtype=object))
        elif time_format == EPOCH_FORMAT:   # seconds since the epoch: timeparse.epoch_seconds, the JVM's too
            unique_seconds = epoch_seconds(unique_text.to_numpy(dtype=object))
        else:
            # utc=True: zone-less times are UTC, zoned times are converted, mixed zones are fine
            try:
                parsed = _to_datetime(unique_text, time_format)
            except ValueError as error:   # a bad directive (checked when built; a format changed since)
                raise EtlError(f"timestamp transform of {self.columns}: format {self.format!r}: {error}") from error
            unique_seconds = _datetime_seconds(parsed)
            # pandas 3 parses a whole batch at nanoseconds once one time has digits below the microsecond, and
            # then has no room for a time outside 1677-2262 that it parses alone (in microseconds), as the JVM
            retry = np.flatnonzero(np.isnan(unique_seconds) & unique_text.notna().to_numpy())
            if len(retry):
                pattern = _strptime_pattern(time_format)   # junk is not parsed again, one time at a time
                if pattern is not None:
                    retry = [row for row in retry if pattern.fullmatch(str(unique_text.iloc[row]))]
                if len(retry) and _has_sub_microseconds(parsed):
                    for row in retry:
                        unique_seconds[row] = _datetime_seconds(_to_datetime(unique_text.iloc[[row]], time_format))[0]
                    retry = [row for row in retry if np.isnan(unique_seconds[row])]
                if len(retry):   # pandas < 3 parses at nanoseconds only: a year outside 1678-2261 is NaT there
                    unique_seconds[retry] = _beyond_ns_seconds([str(unique_text.iloc[row]) for row in retry],
                                                               time_format)
        unique_seconds = np.append(unique_seconds, np.nan)  # code -1 (missing text)
        #: the time text of each record (as the JVM's, without the year), for naming a time in session order
        self._last_texts = (np.append(np.asarray(uniques, dtype=object), None), codes)
        nanos = unique_seconds[codes] * 1e9
        return nanos / 1e9, np.asarray(codes) >= 0

    def features(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        seconds, present = self._parse(frame)
        self._count(frame, seconds, present)
        missing = np.isnan(seconds)
        parsed = ~missing
        self.last_timed = parsed
        # a missing time before any real one of the stream has no previous time to take: 0 (1970) stands in for
        # its hour and weekday, and it is no time to measure a delta from (the first real time's delta is 0, not
        # the seconds since 1970) -- as the JVM, which cannot look ahead
        placeholder = np.zeros(len(seconds), dtype=bool)
        if missing.any():
            if self.missing == "error":
                _raise_missing(frame, self.columns[0], missing)
            filled = pd.Series(seconds).ffill().to_numpy()
            if np.isnan(filled[0]):
                if self._last_time is None:
                    placeholder = np.isnan(filled)
                first = self._last_time if self._last_time is not None else 0.0
                filled = np.where(np.isnan(filled), first, filled)
            seconds = filled
        self.last_seconds = seconds
        if self.delta_by is None:
            previous = np.empty_like(seconds)
            previous[1:] = seconds[:-1]
            previous[0] = seconds[0] if self._last_time is None else self._last_time
            if placeholder.any():
                real = np.flatnonzero(~placeholder)
                if len(real):   # the first real time's previous is a stand-in: delta 0
                    previous[real[0]] = seconds[real[0]]
            delta = seconds - previous
        else:
            keys = [_group_key(k) for k in frame[self.delta_by].to_numpy(dtype=object)]
            delta = np.zeros_like(seconds)
            befores = np.full(len(seconds), np.nan)
            last = self._last_by_key
            for i, (key, value) in enumerate(zip(keys, seconds)):
                if placeholder[i]:   # no time yet: delta 0, and nothing to measure the group's next from
                    continue
                before = last.get(key)
                if before is not None:
                    befores[i] = before
                delta[i] = 0.0 if before is None else value - before
                last[key] = value
            if self.session_ordered:   # the session builder measures the deltas again, in time order
                uniques, codes = self._last_texts
                self.last_session_delta = (befores, placeholder, uniques[codes])
        if len(seconds) and not placeholder[-1]:  # the next chunk's leading missing times take this one
            self._last_time = float(seconds[-1])
        # out of time order: counted and named, the delta taken as 0 (in session order: by the session builder)
        backward = parsed & (delta < 0) & (not self.session_ordered)
        if backward.any():
            self._counts["backward"] += int(backward.sum())
            if self._backward_example is None:
                row = int(np.flatnonzero(backward)[0])
                line = int(frame[LINE_NUMBER].iloc[row]) if LINE_NUMBER in frame else row + 1
                self._backward_example = (line, " ".join(str(frame[c].iloc[row]) for c in self.columns))
        delta = np.log1p(np.maximum(delta, 0.0))
        day_seconds = np.mod(seconds, 86400.0)
        hours = day_seconds / 3600.0
        days = np.floor(seconds / 86400.0)
        weekday = np.mod(days + 3.0, 7.0)  # 1970-01-01 was a Thursday (Monday = 0)
        prefix = self.name
        return {
            f"{prefix}_delta_log": delta.astype(np.float32),
            f"{prefix}_hour_sin": np.sin(2 * np.pi * hours / 24.0).astype(np.float32),
            f"{prefix}_hour_cos": np.cos(2 * np.pi * hours / 24.0).astype(np.float32),
            f"{prefix}_dow_sin": np.sin(2 * np.pi * weekday / 7.0).astype(np.float32),
            f"{prefix}_dow_cos": np.cos(2 * np.pi * weekday / 7.0).astype(np.float32),
        }

    @property
    def feature_names(self) -> list[str]:
        p = self.name
        return [f"{p}_delta_log", f"{p}_hour_sin", f"{p}_hour_cos", f"{p}_dow_sin", f"{p}_dow_cos"]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.columns, "format": self.format, "year": self.year,
                "delta_by": self.delta_by, "missing": self.missing, "name": self.name}

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "Timestamp":
        return cls(spec["column"], format=spec.get("format"), year=spec.get("year"),
                   delta_by=spec.get("delta_by"), missing=spec.get("missing", "previous"),
                   name=spec.get("name"))


# ----------------------------------------------------------------------
def unknown_template_warning(source: str, unknown: int, records: int) -> str | None:
    """The warning of a pass whose records mostly (more than half) hold a template the model never saw in
    training (the unknown-template id :data:`OOV_ID`), or None; the launcher's
    ``TemplateTransform.unknownTemplateWarning``, word for word.

    Parameters
    ----------
    source : str
        The input's name.
    unknown : int
        Records given the unknown-template id.
    records : int
        Records given a template id.

    Returns
    -------
    str or None
        None when ``unknown`` is at most half of ``records``. The share is rounded down to a whole percent
        (100% only when every record's template is unknown).
    """
    if records <= 0 or 2 * unknown <= records:
        return None
    return (f"{source}: {unknown} of {records} records ({100 * unknown // records}%) hold a template the model never "
            "saw in training (unknown_template_records): is this the log the model was trained for? Fit a model on "
            "this log, or check that the reader's log_format or fields give the message field the model was "
            "trained on")


class Template(Transform):
    """Message text -> template id (Drain-style miner), optionally one-hot.

    Parameters
    ----------
    column : str
        Message column (e.g. ``"Content"``).
    miner : TemplateMiner, optional
        Miner configuration (default: :class:`TemplateMiner` defaults).
    onehot : bool
        Emit one-hot features ``template=<OOV>``, ``template=1``, ...
        (vocabulary size ``n_templates + 1``).  The integer ids are always
        available as the derived column ``template_id`` (and as
        ``SequenceBatch.step_ids``), for next-event models.
    missing : {"empty", "error"}
        A missing message is mined as the empty string, or raises.
    message_lines : {"first", "all"}
        What of a message that spans lines (a text record with its stack
        trace, whose continuation lines follow its message after a newline)
        is mined: its first line (the default: the event is the message, the
        trace stays in the record for its explanation), or all of it (every
        distinct trace its own template; specs saved without this key).
    """

    kind = "template"

    def __init__(self, column: str = "Content", *, miner: TemplateMiner | None = None, onehot: bool = True,
                 missing: str = "empty", message_lines: str = "first"):
        super().__init__(column)
        if missing not in ("empty", "error"):
            raise EtlError("missing must be 'empty' or 'error'")
        if message_lines not in ("first", "all"):
            raise EtlError(f"message_lines must be 'first' or 'all', got {message_lines!r}")
        self.miner = miner or TemplateMiner()
        self.onehot = bool(onehot)
        self.missing = missing
        self.message_lines = message_lines
        self.fitted = self.miner.fitted
        self.reset_stream()

    def reset_stream(self) -> None:
        #: records given a template id in the last pass, and those of them given the unknown-template id
        #: (:data:`OOV_ID`: a template the miner never saw in training; the launcher's summary
        #: ``unknown_template_records``)
        self.mined_records = 0
        self.unknown_records = 0

    def pass_warnings(self, source: str) -> list[str]:
        warning = unknown_template_warning(source, self.unknown_records, self.mined_records)
        return [warning] if warning else []

    def _messages(self, frame: pd.DataFrame) -> list[str]:
        column = frame[self.column]
        missing = column.isna().to_numpy()
        if missing.any():
            if self.missing == "error":
                _raise_missing(frame, self.column, missing)
            column = column.where(~missing, "")
        messages = column.tolist()
        if self.message_lines == "first":
            messages = [m[:m.index("\n")] if isinstance(m, str) and "\n" in m else m for m in messages]
        return messages

    def partial_fit(self, frame: pd.DataFrame) -> None:
        self.miner.partial_fit(self._messages(frame))

    def finish(self) -> None:
        if not self.miner.fitted:
            self.miner.finish()
        self.fitted = True

    def derive(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        self._check_fitted()
        ids = self.miner.transform(self._messages(frame))
        self.mined_records += len(ids)
        self.unknown_records += int(np.count_nonzero(ids == OOV_ID))
        return {TEMPLATE_ID: ids}

    def write_features(self, frame: pd.DataFrame, out: np.ndarray) -> None:
        if not self.onehot:
            return
        ids = frame[TEMPLATE_ID].to_numpy(dtype=np.int32) if TEMPLATE_ID in frame else self.derive(frame)[TEMPLATE_ID]
        out[:] = 0.0
        out[np.arange(len(ids)), ids] = 1.0

    def features(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        if not self.onehot:
            return {}
        ids = frame[TEMPLATE_ID].to_numpy(dtype=np.int32) if TEMPLATE_ID in frame else self.derive(frame)[TEMPLATE_ID]
        onehot = np.zeros((len(ids), self.miner.vocabulary_size), dtype=np.float32)
        onehot[np.arange(len(ids)), ids] = 1.0
        return {name: onehot[:, i] for i, name in enumerate(self.feature_names)}

    @property
    def feature_names(self) -> list[str]:
        if not self.onehot:
            return []
        return ["template=<OOV>"] + [f"template={i}" for i in range(1, self.miner.vocabulary_size)]

    def to_dict(self) -> dict[str, Any]:
        self._check_fitted()
        return {**super().to_dict(), "onehot": self.onehot, "missing": self.missing,
                "message_lines": self.message_lines, "oov_id": OOV_ID, "miner": self.miner.to_dict()}

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "Template":
        # a spec saved before message_lines mined every line of a message
        return cls(spec["column"], miner=TemplateMiner.from_dict(spec["miner"]), onehot=spec["onehot"],
                   missing=spec.get("missing", "empty"), message_lines=spec.get("message_lines", "all"))


# ----------------------------------------------------------------------
#: Networks whose addresses count as private: RFC 1918, loopback, link-local, IPv6 unique-local.
PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
                    "::1/128", "fc00::/7", "fe80::/10")


def _network_name(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """A network's name, the same on every Python and on the JVM (``IpAddresses.format``): Python 3.11's
    ``str(network)``. An IPv6 network is written in hex, its longest run (two or more) of zero groups, the first of
    equal ones, as ``::``, its zone id after ``%``: Python 3.13 writes an IPv4-mapped one with a dotted tail
    (``::ffff:10.0.0.0/120``, not ``::ffff:a00:0/120``), which named a model's categories differently from the
    JVM's and from a model trained on 3.11 or 3.12.

    Parameters
    ----------
    network : ipaddress.IPv4Network or ipaddress.IPv6Network

    Returns
    -------
    str
        ``10.0.1.0/24``, ``::ffff:a00:0/120``, ``fe80::1%eth0/128``.
    """
    if network.version == 4:
        return str(network)
    address = network.network_address
    groups = [(int(address) >> (16 * (7 - i))) & 0xFFFF for i in range(8)]
    best_start, best_length, start = -1, 0, -1
    for i, group in enumerate(groups):
        if group:
            start = -1
            continue
        start = i if start < 0 else start
        if i - start + 1 > best_length:
            best_start, best_length = start, i - start + 1
    parts = [format(group, "x") for group in groups]
    if best_length > 1:
        parts[best_start:best_start + best_length] = [""]
        if best_start == 0:
            parts.insert(0, "")
        if best_start + best_length == 8:
            parts.append("")
    scope = getattr(address, "scope_id", None)
    return ":".join(parts) + (f"%{scope}" if scope else "") + f"/{network.prefixlen}"


class IpAddress(Transform):
    """IP address -> network category (one-hot) plus private / missing flags.

    Parameters
    ----------
    column : str
    prefix : int
        IPv4 addresses are bucketed into their ``/prefix`` network (e.g.
        ``10.0.3.0/24``), then treated as a :class:`Categorical` with an
        unknown bucket; ``prefix=32`` keeps single addresses.
    max_categories : int
        Most frequent networks kept.
    missing : {"unknown", "error"}

    Notes
    -----
    Features: one-hot of the network (``<column>_net=<unknown>`` first),
    ``<column>_private`` (1.0 inside ``private_networks``: by default RFC 1918,
    loopback, link-local and IPv6 unique-local -- an explicit, saved list, so
    the flag does not depend on the Python version's ``ipaddress`` tables),
    ``<column>_missing``.  Unparsable text counts as missing.
    """

    kind = "ip"

    def __init__(self, column: str, *, prefix: int = 24, max_categories: int = 32, missing: str = "unknown",
                 categories: Sequence[str] | None = None, private_networks: Sequence[str] = PRIVATE_NETWORKS):
        super().__init__(column)
        if missing not in ("unknown", "error"):
            raise EtlError("missing must be 'unknown' or 'error'")
        if isinstance(prefix, bool) or not isinstance(prefix, numbers.Integral):
            raise EtlError(f"ip {column!r}: prefix must be an integer from 0 to 32, got {prefix!r}")
        if not 0 <= prefix <= 32:
            # ip_network("a.b.c.d/40") raises: every IPv4 address reads as missing (IPv6 ones use min(4 * prefix,
            # 128) bits). A spec saved with it still loads and scores as before; run.toml refuses it.
            log.warning("ip %r: prefix %d is outside 0 to 32, so every IPv4 address reads as missing%s: use 32 for "
                        "single addresses", column, prefix, "" if prefix > 32 else " and so does every IPv6 one")
        self.private_networks = [_network_name(ipaddress.ip_network(n)) for n in private_networks]
        self._private = [ipaddress.ip_network(n) for n in self.private_networks]
        self.prefix = int(prefix)
        self.max_categories = int(max_categories)
        self.missing = missing
        self._networks = Categorical(f"{column}_net", max_categories=max_categories, categories=categories)
        self.fitted = categories is not None

    def _parse(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        values = frame[self.column].to_numpy(dtype=object)
        cache: dict[Any, tuple[Any, float]] = {}
        networks = np.empty(len(values), dtype=object)
        private = np.zeros(len(values), dtype=np.float32)
        missing = np.zeros(len(values), dtype=bool)
        for i, value in enumerate(values):
            found = cache.get(value)
            if found is None:
                found = (None, 0.0)
                if isinstance(value, str) and value:
                    try:
                        address = ipaddress.ip_address(value.strip())
                        bits = self.prefix if address.version == 4 else min(self.prefix * 4, 128)
                        network = ipaddress.ip_network(f"{address}/{bits}", strict=False)
                        found = (_network_name(network), float(any(address in net for net in self._private)))
                    except ValueError:
                        pass
                cache[value] = found
            networks[i], private[i] = found
            missing[i] = found[0] is None
        if missing.any() and self.missing == "error":
            _raise_missing(frame, self.column, missing)
        return networks, private, missing

    def partial_fit(self, frame: pd.DataFrame) -> None:
        networks, _, _ = self._parse(frame)
        self._networks.partial_fit(pd.DataFrame({f"{self.column}_net": networks}))

    def finish(self) -> None:
        self._networks.finish()
        self.fitted = True

    def features(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        self._check_fitted()
        networks, private, missing = self._parse(frame)
        out = self._networks.features(pd.DataFrame({f"{self.column}_net": networks}))
        out[f"{self.column}_private"] = private
        out[f"{self.column}_missing"] = missing.astype(np.float32)
        return out

    @property
    def feature_names(self) -> list[str]:
        return self._networks.feature_names + [f"{self.column}_private", f"{self.column}_missing"]

    def to_dict(self) -> dict[str, Any]:
        self._check_fitted()
        return {**super().to_dict(), "prefix": self.prefix, "max_categories": self.max_categories,
                "missing": self.missing, "categories": list(self._networks.categories),
                "private_networks": list(self.private_networks)}

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "IpAddress":
        return cls(spec["column"], prefix=spec["prefix"], max_categories=spec["max_categories"],
                   missing=spec.get("missing", "unknown"), categories=spec["categories"],
                   private_networks=spec.get("private_networks", PRIVATE_NETWORKS))


# ----------------------------------------------------------------------
#: Port range buckets: well-known, registered, dynamic.
PORT_BUCKETS = (("well_known", 0, 1023), ("registered", 1024, 49151), ("dynamic", 49152, 65535))


class Port(Transform):
    """Port number -> range bucket one-hot plus the most frequent ports one-hot.

    Parameters
    ----------
    column : str
    max_categories : int
        Most frequent ports (at fit time) get their own one-hot feature;
        the rest fall in ``<column>=<unknown>``.
    missing : {"unknown", "error"}

    Notes
    -----
    Features: ``<column>_well_known`` (0-1023), ``<column>_registered``
    (1024-49151), ``<column>_dynamic`` (49152-65535), ``<column>_missing``,
    then the categorical one-hot.
    """

    kind = "port"

    def __init__(self, column: str, *, max_categories: int = 16, missing: str = "unknown",
                 categories: Sequence[str] | None = None):
        super().__init__(column)
        if missing not in ("unknown", "error"):
            raise EtlError("missing must be 'unknown' or 'error'")
        self.max_categories = int(max_categories)
        self.missing = missing
        self._ports = Categorical(column, max_categories=max_categories, categories=categories)
        self.fitted = categories is not None

    def _numbers(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        values = to_numbers(frame[self.column]).to_numpy(dtype=np.float64, na_value=np.nan)
        missing = ~np.isfinite(values) | (values < 0) | (values > 65535)
        if missing.any() and self.missing == "error":
            _raise_missing(frame, self.column, missing)
        return values, missing

    def _as_text(self, frame: pd.DataFrame) -> pd.DataFrame:
        values, missing = self._numbers(frame)
        text = np.array([None if m else str(int(v)) for v, m in zip(values, missing)], dtype=object)
        return pd.DataFrame({self.column: text})

    def partial_fit(self, frame: pd.DataFrame) -> None:
        self._ports.partial_fit(self._as_text(frame))

    def finish(self) -> None:
        self._ports.finish()
        self.fitted = True

    def features(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        self._check_fitted()
        values, missing = self._numbers(frame)
        out = {}
        for name, low, high in PORT_BUCKETS:
            out[f"{self.column}_{name}"] = ((values >= low) & (values <= high) & ~missing).astype(np.float32)
        out[f"{self.column}_missing"] = missing.astype(np.float32)
        out.update(self._ports.features(self._as_text(frame)))
        return out

    @property
    def feature_names(self) -> list[str]:
        return ([f"{self.column}_{name}" for name, _, _ in PORT_BUCKETS] + [f"{self.column}_missing"]
                + self._ports.feature_names)

    def to_dict(self) -> dict[str, Any]:
        self._check_fitted()
        return {**super().to_dict(), "max_categories": self.max_categories, "missing": self.missing,
                "buckets": [list(b) for b in PORT_BUCKETS], "categories": list(self._ports.categories)}

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "Port":
        return cls(spec["column"], max_categories=spec["max_categories"], missing=spec.get("missing", "unknown"),
                   categories=spec["categories"])


# ----------------------------------------------------------------------
class Label(Transform):
    """Record label column -> derived ``step_label`` (int8): 0 / 1, or a class id with ``classes``.

    Parameters
    ----------
    column : str
        The per-line truth field.
    positive : sequence of str, optional
        Values meaning "anomalous" (exactly as ``str(value)``); every other value is 0.
    negative : sequence of str, optional
        Without ``positive`` or ``classes``: the values meaning "normal" (compared with the value's
        blanks stripped and in lower case); every other value that is not missing is 1. Default
        :attr:`NEGATIVE`: ``"0"``, ``"false"``, ``"no"``, ``"normal"``, ``"normal."`` (KDD),
        ``"benign"`` (CIC-IDS), ``"ok"``, ``"clean"``, ``"legitimate"``, ``"-"``, ``"none"``,
        ``"null"``, ``"n/a"`` and the empty string.
    classes : sequence of str, optional
        Multi-class labels: class id ``i`` for the value ``classes[i]`` (blanks stripped, case ignored);
        ``classes[0]`` is the normal class. A missing value is class 0; any other value is a bad value
        (a bad line: strict mode stops naming it, lenient mode counts and quarantines it as
        ``"unknown label"``), never mapped to a class silently.
    """

    kind = "label"
    NEGATIVE = ("", "0", "0.0", "false", "no", "normal", "normal.", "benign", "ok", "clean", "legitimate", "-",
                "none", "null", "n/a")
    #: Largest number of classes (step labels are int8).
    MAX_CLASSES = 127

    def __init__(self, column: str, *, positive: Sequence[str] | None = None,
                 negative: Sequence[str] | None = None, classes: Sequence[str] | None = None):
        super().__init__(column)
        for name, given in (("positive", positive), ("negative", negative), ("classes", classes)):
            if given is not None and (isinstance(given, (str, bytes)) or not all(isinstance(v, str) for v in given)):
                raise EtlError(f"Label({column!r}): {name} must be a list of strings, got {given!r}")
        if classes is not None and (positive is not None or negative is not None):
            raise EtlError(f"Label({column!r}): give classes, or positive / negative, not both: with classes the "
                           "first class is normal and every other listed class anomalous")
        if positive is not None and negative is not None:
            raise EtlError(f"Label({column!r}): give positive or negative, not both")
        self.positive = list(positive) if positive is not None else None
        # compared with the value's blanks stripped and in lower case: so are the entries ("BENIGN" matches benign)
        self.negative = tuple(v.strip().lower() for v in negative) if negative is not None else self.NEGATIVE
        self.classes: list[str] | None = None
        self._class_ids: dict[str, int] = {}
        if classes is not None:
            classes = list(classes)
            if not 2 <= len(classes) <= self.MAX_CLASSES:
                raise EtlError(f"Label({column!r}): classes must list 2 to {self.MAX_CLASSES} label values, the "
                               f"normal one first, got {classes!r}")
            for i, name in enumerate(classes):
                key = name.strip().lower()
                if not key:
                    raise EtlError(f"Label({column!r}): class {i} is blank: a missing label is class 0 already")
                if key in self._class_ids:
                    raise EtlError(f"Label({column!r}): classes {self._class_ids[key]} and {i} are the same value "
                                   f"{name!r} (case and surrounding blanks are ignored)")
                self._class_ids[key] = i
            self.classes = classes
        # what the fit's records held of the positive values: one matched as written, or lines whose value differs
        # from one only in case or blanks (see observed)
        self._positive_matched = False
        self._positive_near: dict[str, int] = {}
        self.fitted = True

    def observe(self, frame: pd.DataFrame) -> None:
        """With ``positive``: count the training values that match a positive value as written, and those that
        differ from one only in case or surrounding blanks (checked by :meth:`observed`)."""
        if self.positive is None or self._positive_matched or self.column not in frame:
            return
        codes, uniques = exact_codes(frame[self.column].to_numpy(dtype=object))
        if not len(uniques):
            return
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        near = self.near_positive(uniques)
        if near is None:
            self._positive_matched = True
            self._positive_near = {}
            return
        for value, count in zip(uniques, counts):
            if str(value) in near:
                self._positive_near[str(value)] = self._positive_near.get(str(value), 0) + int(count)

    def near_positive(self, values) -> set[str] | None:
        """Of raw label ``values``: None when one is a ``positive`` value as written, else the texts of those that
        equal one once case and surrounding blanks are ignored (an empty set without ``positive``)."""
        if self.positive is None:
            return set()
        exact = set(self.positive)
        wanted = {v.strip().lower() for v in self.positive}
        near = set()
        for value in values:
            if _missing_label(value):
                continue
            text = str(value)
            if text in exact:
                return None
            if text.strip().lower() in wanted:
                near.add(text)
        return near

    def observed(self) -> None:
        """End of the fit's pass: a ``positive`` list that matches no training value as written while some differ
        from it only in case or blanks (``["error"]`` on a log writing ``ERROR``) would make every line normal.

        Raises
        ------
        LabelValuesError
            Naming the values to write.
        """
        if self.positive is not None and not self._positive_matched and self._positive_near:
            raise LabelValuesError(self.where, self.column, self.positive, self._positive_near)

    @property
    def where(self) -> str:
        """How errors name this transform: its run.toml table when built from one, else ``Label('column')``."""
        return getattr(self, "origin", None) or f"Label({self.column!r})"

    @property
    def n_classes(self) -> int:
        """Number of label classes: ``len(classes)``, or 2 (normal / anomalous)."""
        return 2 if self.classes is None else len(self.classes)

    def derive(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        values = frame[self.column].to_numpy(dtype=object)
        # a label column holds few distinct values: each is mapped once (map_distinct), not once per record
        if self.classes is not None:
            labels = map_distinct(values, lambda v: _or_unknown(self.class_of(v)), np.int16)
            unknown = np.flatnonzero(labels < 0)
            if len(unknown):   # the reader's check (see value_check) keeps these out of a pipeline
                row = int(unknown[0])
                line = int(frame[LINE_NUMBER].iloc[row]) if LINE_NUMBER in frame else row + 1
                raise BadRecordError(RECORDS, line, self.column, f"unknown label: {self.unknown(values[row])}")
            return {STEP_LABEL: labels.astype(np.int8)}
        positive = None if self.positive is None else set(self.positive)
        negative = set(self.negative)
        return {STEP_LABEL: map_distinct(values, lambda v: self._binary(v, positive, negative), np.int8)}

    def class_of(self, value: Any) -> int | None:
        """The step label of a raw value: its class id with ``classes`` (None for an unlisted value), else 0 / 1."""
        if self.classes is None:
            return self._binary(value, None if self.positive is None else set(self.positive), set(self.negative))
        if _missing_label(value):
            return 0
        key = str(value).strip().lower()
        return 0 if not key else self._class_ids.get(key)

    def anomalous(self, value: Any) -> bool:
        """True when a raw label value means anomalous by this transform's rule (an unlisted class value too)."""
        label = self.class_of(value)
        return label is None or label > 0

    def normal(self, value: Any) -> bool:
        """True when a raw label value means normal by this transform's rule (missing values too)."""
        return self.class_of(value) == 0

    def unknown(self, value: Any) -> str:
        """Why a value is no class: the reason of its bad line."""
        return f"expected one of the label classes {', '.join(self.classes or ())}, got {value!r}"

    def value_check(self, value: Any) -> str | None:
        """The reader's check of the label field (``classes`` only): None, or ``"unknown label: <why>"``."""
        return None if self.class_of(value) is not None else f"unknown label: {self.unknown(value)}"

    @staticmethod
    def _binary(value: Any, positive: Collection[str] | None, negative: Collection[str]) -> int:
        if positive is not None:
            return int(value is not None and str(value) in positive)
        return int(not (_missing_label(value) or str(value).strip().lower() in negative))

    @classmethod
    def is_anomalous(cls, value: Any, positive: Collection[str] | None = None) -> int:
        """1 when a raw label value means anomalous: one of ``positive`` when given, else anything but
        missing, NaN or one of :attr:`NEGATIVE` (case and surrounding blanks ignored)."""
        return cls._binary(value, None if positive is None else set(positive), cls.NEGATIVE)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "positive": self.positive, "negative": list(self.negative),
                "classes": self.classes}

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "Label":
        if spec.get("classes") is not None:
            return cls(spec["column"], classes=spec["classes"])
        if spec.get("positive") is not None:
            return cls(spec["column"], positive=spec["positive"])
        # a saved model keeps the normal values it was trained with
        return cls(spec["column"], negative=spec.get("negative"))


def _or_unknown(label: int | None) -> int:
    """A class id, or -1 for a value that is no class (Label.derive)."""
    return -1 if label is None else label


def _missing_label(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


_KINDS = {cls.kind: cls for cls in (Extract, Categorical, Numeric, Timestamp, Template, IpAddress, Port, Label)}


def step_label(transforms: Sequence[Any]) -> Label | None:
    """The label transform whose labels the steps carry: the last one (each overwrites the step label, in training,
    in ``evaluate`` and on the JVM, whose ``EtlSpec.classNames`` reads the same), or ``None``.

    Parameters
    ----------
    transforms : sequence
        A pipeline's transforms (``Pipeline.transforms``).

    Returns
    -------
    Label or None
    """
    labels = [t for t in transforms if getattr(t, "kind", None) == "label"]
    return labels[-1] if labels else None


def transform_from_dict(spec: Mapping[str, Any]) -> Transform:
    """Rebuild a fitted transform from :meth:`Transform.to_dict` output."""
    kind = spec.get("kind")
    if kind not in _KINDS:
        raise SpecError(f"unknown transform kind {kind!r}")
    if kind == "extract":
        return Extract(spec["column"], spec["pattern"], spec["into"])
    return _KINDS[kind].from_dict(spec)  # type: ignore[attr-defined]
