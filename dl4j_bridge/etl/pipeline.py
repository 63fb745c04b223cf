"""The pipeline: reader -> transforms -> split -> sequences, saved as JSON.

Examples
--------
>>> from dl4j_bridge.etl import (Pipeline, TextReader, Template, Categorical,
...     Timestamp, Windows, ChronologicalSplit, LogGenerator, SYSLOG_FORMAT)
>>> lines = LogGenerator(seed=1).syslog(5000).lines
>>> pipeline = Pipeline(
...     reader=TextReader(SYSLOG_FORMAT),
...     transforms=[Template("Content"), Categorical("Service"),
...                 Timestamp(["Month", "Day", "Time"], format="%b %d %H:%M:%S", year=2024)],
...     sequence=Windows(length=10, stride=1, next_event=True),
...     split=ChronologicalSplit(test_fraction=0.2))
>>> train, test = pipeline.fit_split(lines)
>>> train.x.dtype, train.x.shape[1:] == (10, len(pipeline.feature_names))
(dtype('float32'), True)
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..atomicfile import atomic_write_bytes, atomic_write_text
from .distinct import exact_key
from .errors import BadLineError, BadRecordError, EtlError, NotFittedError, SchemaError, SpecError, delimiter_hint
from .readers import LINE_NUMBER, Reader, format_mismatch, reader_from_dict
from .schema import Schema
from .sequences import SequenceBatch, SessionDelta, Sessions, Steps, Windows, sequence_from_dict
from .sources import Source, _open_text, is_path
from .templates import OOV_ID
from .split import ChronologicalSplit, KeySplit, split_from_dict
from .transforms import RECORDS, STEP_LABEL, TEMPLATE_ID, Label, Template, Timestamp, Transform, transform_from_dict

__all__ = ["Pipeline", "SPEC_FORMAT", "SPEC_VERSION", "atomic_write_bytes", "atomic_write_text"]

logger = logging.getLogger(__name__)

#: The reason (bad_by_reason key) of a text line its format does not match.
NO_FORMAT_MATCH = "no format match"

SPEC_FORMAT = "dl4j_bridge.etl.pipeline"
#: The version written. 2: sessions longer than ``max_length`` follow ``overflow`` (a version 1 reader would cut
#: them silently). 3: a text reader has ``line_rules`` (a version 2 reader would read stack frames as records).
#: 4: sessions have ``gap`` (a version 3 reader would ignore it and score a key's records as one session).
#: Bump it whenever a reader of the previous version would turn a new spec into other arrays.
SPEC_VERSION = 4
#: The versions read: 1 is a spec saved before ``overflow`` (its sessions are truncated, as they were); 1 and 2
#: read text with line rules 1 (see ``readers.LINE_RULES``); 1 to 3 have no ``gap`` (a key is one session).
SPEC_VERSIONS_READ = (1, 2, 3, 4)


class _PassState:
    """Bookkeeping of one pass over a source (record offset, session parts)."""

    def __init__(self, boundary: int | None):
        self.boundary = boundary
        self.offset = 0
        self.key_is_test: dict[Any, bool] = {}


class Pipeline:
    """Raw logs to model-ready sequences, with a saved, language-neutral spec.

    Parameters
    ----------
    reader : Reader
        :class:`~dl4j_bridge.etl.readers.TextReader`, ``JsonLinesReader`` or
        ``CsvReader``.  The pipeline reads with its own copy: what a read
        counted is :attr:`report` (``pipeline.reader.report``), not the
        report of the reader passed in.
    transforms : sequence of Transform
        Applied in order.  Derived columns (``Extract``, ``Template`` ids,
        ``Label``) are available to the transforms after them.  Feature
        columns are concatenated in order into ``x``.
    sequence : Windows or Sessions, optional
        Default ``Windows(length=10, stride=1)``.
    split : ChronologicalSplit or KeySplit, optional
        How :meth:`fit` picks the training part and :meth:`fit_split`
        separates train from test; ``None``: :meth:`fit` uses all records
        (and :meth:`fit_split` cannot be used).

    Attributes
    ----------
    feature_names : list of str
        Names of the last axis of ``x``.
    schema : Schema or None
        Inferred from the first training chunk at fit time.
    report : ReadReport
        Reader report of the last pass.
    """

    def __init__(self, reader: Reader, transforms: Sequence[Transform], sequence: Windows | Sessions | None = None,
                 split: ChronologicalSplit | KeySplit | None = None):
        # the pipeline owns copies: transforms hold fitted state, so one
        # instance must never be shared by two pipelines
        self.reader = copy.deepcopy(reader)
        self.reader.reset_quarantine()  # this pipeline's reads make one quarantine file
        self._unfitted = [copy.deepcopy(t) for t in transforms]
        # a label value that is none of a Label's classes is a bad value, as a wrong type is (checked by the reader)
        self.reader.value_checks = {t.column: t.value_check for t in self._unfitted
                                    if isinstance(t, Label) and t.classes is not None}
        self.transforms = [copy.deepcopy(t) for t in self._unfitted]
        self.sequence = sequence if sequence is not None else Windows(length=10, stride=1)
        self.split = split
        self.feature_names: list[str] = []
        self.schema: Schema | None = None
        self.fitted = False
        self.n_fit_records = 0
        self._fit_warnings: frozenset[str] = frozenset()   # what the fit's pass warned of, not said again
        #: Sessions: records of the last transforming pass without a session key (in no session, not scored).
        self.records_without_key = 0
        #: Sessions: sessions of the last transforming pass longer than ``max_length`` (split into parts), and the
        #: sequences their parts added.
        self.split_sessions = 0
        self.extra_parts = 0
        #: Sessions with ``overflow="truncate"`` (specs saved before ``overflow``): sessions of the last transforming
        #: pass longer than ``max_length`` (cut to their first steps), and the records cut off (not scored).
        self.truncated_sessions = 0
        self.truncated_records = 0
        #: Sessions with a ``gap``: sessions of the last transforming pass that a gap started (beyond the first
        #: session of each key).
        self.gap_sessions = 0
        #: Windows: records of the last transforming pass in no window (after the last full window, between
        #: windows with a stride longer than one, or an input shorter than one window): not scored.
        self.unwindowed_records = 0
        #: Windows with ``next_event``: whether the model judges each window's next event (a next-event detector
        #: does; a classifier scoring these windows does not, so the record after the last window is in no scored
        #: window). Not part of the spec: a loaded detector sets it for its kind.
        self.next_event_scored = True
        if isinstance(self.sequence, Sessions) and self.sequence.gap is not None \
                and not any(isinstance(t, Timestamp) for t in self.transforms):
            raise SpecError(f"Sessions gap={self.sequence.gap!r} ends a session after that many seconds without a "
                            "record, by the record times, but the pipeline has no timestamp transform: add one "
                            "(run.toml: a [[transforms]] table with kind = \"timestamp\") or leave out gap "
                            "([sequence] gap)")
        if isinstance(self.split, KeySplit) and isinstance(self.sequence, Sessions) \
                and self.split.key != self.sequence.key:
            logger.warning("KeySplit key %r differs from the session key %r", self.split.key, self.sequence.key)

    # ------------------------------------------------------------------
    def __repr__(self) -> str:
        """The reader, transforms, sequence and split it was made with, and whether it is fitted: what a notebook
        shows of a pipeline (it showed an object address)."""
        state = f"fitted: {len(self.feature_names)} features" if self.fitted else "not fitted"
        transforms = getattr(self, "_unfitted", self.transforms)
        return (f"Pipeline({self.reader!r}, {transforms!r}, sequence={self.sequence!r}, split={self.split!r}) "
                f"[{state}]")

    @property
    def report(self):
        return self.reader.report

    @property
    def unparsable_times(self) -> int:
        """Times given but not parsed in the last pass over an input (they took the previous record's time; the
        launcher's summary ``unparsable_times``)."""
        return sum(t._counts["unparsable"] for t in self.transforms if isinstance(t, Timestamp))

    @property
    def backward_times(self) -> int:
        """Times of the last pass over an input earlier than the record before them (their delta taken as 0; the
        launcher's summary ``backward_times``)."""
        return sum(t.backward_times for t in self.transforms if isinstance(t, Timestamp))

    @property
    def non_numeric_values(self) -> int:
        """Values of numeric fields given but not numbers in the last pass over an input (read as missing; the
        launcher's summary ``non_numeric_values``)."""
        return sum(getattr(t, "non_numbers", 0) for t in self.transforms)

    @property
    def unknown_template_records(self) -> int:
        """Records of the last pass over an input whose template the model never saw in training (the
        unknown-template id 0; the launcher's summary ``unknown_template_records``); 0 without a Template
        transform."""
        return sum(getattr(t, "unknown_records", 0) for t in self.transforms if isinstance(t, Template))

    @property
    def unknown_template_records_by_part(self) -> dict:
        """:attr:`unknown_template_records` of the last pass, by part: ``{"train": n, "test": m}`` after
        :meth:`fit_split`, ``{"all": n}`` after :meth:`transform`."""
        return dict(getattr(self, "_unknown_by_part", {}))

    @property
    def template_transform(self) -> Template | None:
        """The first :class:`Template` transform, if any."""
        return next((t for t in self.transforms if isinstance(t, Template)), None)

    @property
    def n_template_ids(self) -> int:
        """Number of template classes including OOV (0 when no Template transform)."""
        template = self.template_transform
        return template.miner.vocabulary_size if template is not None and template.fitted else 0

    # ------------------------------------------------------------------
    # fitting
    # ------------------------------------------------------------------
    def _check_typed_fields(self) -> None:
        """A declared type of a field the reader does not read (a typo) would leave the real field unchecked.

        JSON lines read without ``fields`` take every key: a typed key no training record has may still come in
        logs to score (where it is checked), so that is a warning, not an error."""
        fields = self.reader.fields
        unknown = [name for name in self.reader.types if name not in fields]
        if unknown and getattr(self.reader, "kind", "") == "jsonl" and getattr(self.reader, "aliases", None) is None:
            logger.warning("the reader's types name %s, which no training record has (its keys are %s): check the "
                           "names in types (run.toml: [reader] types)", unknown, fields)
            return
        if unknown:
            raise SpecError(f"the reader's types name {unknown}, which it does not read (its fields are {fields}), so "
                            "no value would be checked: correct the name in types (run.toml: [reader] types), or add "
                            "the field to the reader's fields")

    def fit(self, source: Source) -> "Pipeline":
        """Fit every transform on the training part of ``source``.

        The source is read once (twice with :class:`ChronologicalSplit`,
        which first counts records).  Only training records reach
        ``partial_fit``, so no statistic sees test data.
        """
        self.transforms = [copy.deepcopy(t) for t in self._unfitted]  # refitting starts afresh
        self._fit_warnings = frozenset()
        if self.reader.fields:   # known before reading (a format, or mapped fields)
            self._check_typed_fields()
        try:
            boundary = self._boundary(source)
            state = _PassState(boundary)
            self.schema = None
            n_train = 0
            with self._naming_source():
                n_train = self._fit_pass(source, state)
        except BadLineError as error:   # strict mode: where the format stops matching the line, when it is that
            diagnosis = self._format_mismatch(source, error.line) if error.reason.startswith(NO_FORMAT_MATCH) else None
            if diagnosis is None:
                raise
            raise BadLineError(error.file, error.line, error.field, f"{error.reason}; {diagnosis}") from None
        self._check_typed_fields()   # the fields of a CSV header or of JSON keys are known now
        if n_train == 0:
            quarantine = getattr(self.reader, "quarantine", None)
            why = (f"the rejected lines, each with its reason, are in {quarantine}"
                   if getattr(self.reader, "mode", None) == "lenient" and quarantine is not None
                   else "or read it with mode='lenient' and a quarantine file to see why lines were rejected")
            report = self.reader.report
            diagnosis = (self._format_mismatch(source, None)
                         if report.bad_lines and set(report.bad_by_reason) == {NO_FORMAT_MATCH} else None)
            raise EtlError(f"no training records in {report.source} ({self._report_summary()}): "
                           f"check the reader's format / fields against the data; {why}"
                           + (f"; on its first line, {diagnosis}" if diagnosis else ""))
        for name, (records, first, inner) in sorted((getattr(self.reader, "nested_as_text", None) or {}).items()):
            logger.warning("%s: the field %r held a JSON object or array in %d record(s) (the first on line %d), read "
                           "as its JSON text%s", self.reader.report.source, name, records, first,
                           f": to read a value inside it, map the field to its path, e.g. {inner!r} (run.toml "
                           "[reader] fields)" if inner else "")
        for transform in self.transforms:
            if not transform.fitted:
                transform.finish()
        part = "" if self.split is None else ", training part"
        self._fit_warnings = frozenset(self._log_pass_warnings(f"{self.reader.report.source}{part}"))
        self.feature_names = [name for t in self.transforms for name in t.feature_names]
        self.n_fit_records = n_train
        self.fitted = True
        r = self.reader.report
        logger.info("fitted on %d training records; %d features; read %s: lines %d, records %d, continuation_lines %d, "
                    "blank_lines %d, bad_lines %d%s", n_train, len(self.feature_names), r.source, r.lines, r.records,
                    r.continuation_lines, r.blank_lines, r.bad_lines, f" {r.bad_by_reason}" if r.bad_by_reason else "")
        return self

    def _fit_pass(self, source: Source, state: _PassState) -> int:
        n_train = 0
        for chunk in self.reader.iter_chunks(source):
            self._check_columns(chunk)
            read_columns = [c for c in chunk.columns if c != LINE_NUMBER]
            self._derive(chunk, fitting=True)
            is_test = self._is_test(chunk, state)
            train = chunk.loc[~is_test].reset_index(drop=True) if is_test.any() else chunk
            if not len(train):
                continue
            if self.schema is None:  # types of the reader's columns, from the first training chunk
                self.schema = Schema.infer(train[read_columns],
                                           labels=[t.column for t in self.transforms if isinstance(t, Label)])
            n_train += len(train)
            for transform in self.transforms:
                transform.observe(train)
                if not transform.fitted:
                    transform.partial_fit(train)
        for transform in self.transforms:
            transform.observed()
        return n_train

    def _format_mismatch(self, source: Source, line: int | None) -> str | None:
        """:func:`~dl4j_bridge.etl.readers.format_mismatch` of a text reader's ``log_format`` on line ``line`` of
        ``source`` (None: its first line that is not blank), or None (another reader, a line not found)."""
        log_format = getattr(self.reader, "log_format", None)
        if log_format is None:
            return None
        text = None
        try:
            if is_path(source):
                with _open_text(os.fspath(source), self.reader.encoding) as handle:
                    for number, raw in enumerate(handle, start=1):
                        if (line is None and raw.strip()) or number == line:
                            text = raw
                            break
            elif isinstance(source, (list, tuple)):
                for number, raw in enumerate(source, start=1):
                    if (line is None and str(raw).strip()) or number == line:
                        text = str(raw)
                        break
        except (OSError, EtlError, UnicodeError):
            return None
        if text is None:
            return None
        text = text.encode("utf-8", "replace").decode("utf-8").rstrip("\r\n")   # undecodable bytes: U+FFFD
        if "\n" in text:
            return None   # an in-memory item of several lines: the reader's message says to split it
        return format_mismatch(log_format, text, self.reader.line_rules)

    def _report_summary(self) -> str:
        r = self.reader.report
        return (f"{r.lines} lines: {r.records} records, {r.bad_lines} bad {r.bad_by_reason or ''}, "
                f"{r.blank_lines} blank").replace(" {}", "")

    @contextlib.contextmanager
    def _naming_source(self) -> Iterator[None]:
        """Errors a transform raises on a record name the pipeline's source, not ``<records>``."""
        try:
            yield
        except BadRecordError as error:
            if error.file != RECORDS:
                raise
            raise BadRecordError(self.reader.report.source, error.line, error.field, error.reason) from None

    def _boundary(self, source: Source, optional=None) -> int | None:
        if isinstance(self.split, ChronologicalSplit):
            n = sum(len(chunk) for chunk in self.reader.iter_chunks(source, optional=optional))
            return self.split.boundary(n)
        return None

    # ------------------------------------------------------------------
    # transforming
    # ------------------------------------------------------------------
    def transform(self, source: Source, *, part: str = "all",
                  session_labels: Mapping[Any, int] | None = None, part_name: str | None = None) -> SequenceBatch:
        """Turn ``source`` into one :class:`SequenceBatch`.

        Parameters
        ----------
        source : path or iterable of str
        part : {"all", "train", "test"}
            ``"all"`` (production use) ignores the split.
        session_labels : mapping, optional
            Label per session key (Sessions only), e.g. HDFS block labels.
        part_name : str, optional
            What this source is to the caller (``"train"``, ``"test"``): the sequence warnings of the pass start
            ``"<part_name> part: "``, as those of a split's parts do (``dl4j-bridge train`` with a ``[data] test``
            file, which reads train and test apart). None: no prefix, unless the pass splits.
        """
        batches = list(self.iter_transform(source, part=part, session_labels=session_labels, part_name=part_name))
        return SequenceBatch.concat(batches, self.feature_names)

    def fit_split(self, source: Source, *, session_labels: Mapping[Any, int] | None = None
                  ) -> tuple[SequenceBatch, SequenceBatch]:
        """Fit on the training part, then return ``(train, test)`` batches."""
        if self.split is None:
            raise EtlError("fit_split needs a split: build the pipeline with split=ChronologicalSplit(test_fraction) "
                           "or split=KeySplit(key), or call fit(train_source) and then transform() on a "
                           "separate test source")
        self.fit(source)
        train: list[SequenceBatch] = []
        test: list[SequenceBatch] = []
        for name, batch in self._pass(source, ("train", "test"), session_labels):
            (train if name == "train" else test).append(batch)
        return (SequenceBatch.concat(train, self.feature_names), SequenceBatch.concat(test, self.feature_names))

    def iter_transform(self, source: Source, *, part: str = "all",
                       session_labels: Mapping[Any, int] | None = None,
                       part_name: str | None = None, session_idle_lines: int = 0) -> Iterator[SequenceBatch]:
        """Stream batches chunk by chunk (bounded memory with :class:`Windows`); ``part_name`` as for
        :meth:`transform`.

        ``session_idle_lines`` (:class:`Sessions` only; ``score --session-idle-lines N``, as the JVM's
        ``SessionAssembler``): a session is closed, and yielded, once ``session_idle_lines`` lines (every physical
        line: blank, bad and continuation lines too) have passed without a record of its key; a later record of
        that key starts a new session. 0 (default): sessions close at the end of the input. Windows ignore it."""
        if part not in ("all", "train", "test"):
            raise EtlError("part must be 'all', 'train' or 'test'")
        if isinstance(session_idle_lines, (bool, np.bool_)) or not isinstance(session_idle_lines, (int, np.integer)) \
                or session_idle_lines < 0:
            raise EtlError(f"session_idle_lines must be a whole number >= 0 (0: sessions close at the end of the "
                           f"input), got {session_idle_lines!r}")
        for _, batch in self._pass(source, (part,), session_labels, part_name, int(session_idle_lines)):
            yield batch

    def records(self, source: Source) -> pd.DataFrame:
        """Record-level view: reader columns, derived columns and features."""
        self._check_fitted()
        frames = []
        for transform in self.transforms:
            transform.reset_stream()
        self._order_deltas_in_sessions(False)   # records in read order: deltas in read order
        with self._naming_source():
            for chunk in self._scoring_chunks(source):
                self._check_columns(chunk)
                self._derive(chunk, fitting=False)
                x, _, _ = self._features(chunk)
                frames.append(pd.concat([chunk, pd.DataFrame(x, columns=self.feature_names)], axis=1))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @property
    def optional_fields(self) -> list[str]:
        """Mapped fields a fitted pipeline scores input without, missing on every row with a warning (see
        ``Reader.iter_chunks(optional=)``): the labels, which logs to score do not have, and the fields the
        schema found missing on some training records (a small batch may lack such a field on every line). A
        field every training record had must be in the input; while fitting, every mapped field must be."""
        labels = [t.column for t in self.transforms if isinstance(t, Label)]
        nullable = [c.name for c in self.schema.columns if c.nullable] if self.schema is not None else []
        return list(dict.fromkeys(labels + nullable))

    def _scoring_chunks(self, source: Source):
        """The reader's chunks of ``source`` as a fitted pipeline reads them: the optional fields may be absent,
        and an absent label (logs to score have none) is listed in ``absent_fields`` without a warning."""
        self.reader.expected_absent = frozenset(t.column for t in self.transforms if isinstance(t, Label))
        return self.reader.iter_chunks(source, optional=self.optional_fields)

    def _pass(self, source: Source, parts: tuple[str, ...], session_labels: Mapping[Any, int] | None,
              part_name: str | None = None, idle_lines: int = 0) -> Iterator[tuple[str, SequenceBatch]]:
        self._check_fitted()
        use_split = self.split is not None and parts != ("all",)
        boundary = self._boundary(source, self.optional_fields) if use_split else None
        state = _PassState(boundary)
        for transform in self.transforms:
            transform.reset_stream()
        self._order_deltas_in_sessions(True)
        builders = {name: self._builder(session_labels, idle_lines) for name in parts}
        self._unknown_by_part = dict.fromkeys(parts, 0)
        # their warnings name the part (train, test), as the one of records in no window: a split's, or the caller's
        named = {name: (name if len(builders) > 1 else part_name) for name in builders}
        for name, builder in builders.items():
            if named[name]:
                builder.part = named[name]
        for chunk in self._scoring_chunks(source):
            self._check_schema(chunk)
            with self._naming_source():
                self._derive(chunk, fitting=False)
                x, order, timed = self._features(chunk)
            steps = Steps(
                x=x,
                ids=(chunk[TEMPLATE_ID].to_numpy(dtype=np.int32) if TEMPLATE_ID in chunk
                     else np.zeros(len(chunk), np.int32)),
                labels=(chunk[STEP_LABEL].to_numpy(dtype=np.int8) if STEP_LABEL in chunk
                        else np.zeros(len(chunk), np.int8)),
                line_numbers=chunk[LINE_NUMBER].to_numpy(dtype=np.int64),
                keys=(chunk[self.sequence.key].to_numpy(dtype=object)
                      if isinstance(self.sequence, Sessions) else None),
                order=order, timed=timed, deltas=self._chunk_deltas)
            if use_split:
                is_test = self._is_test(chunk, state)
                routed = {"train": ~is_test, "test": is_test}
            else:
                routed = {parts[0]: None}
            for name, builder in builders.items():
                selection = routed[name]
                part_steps = steps if selection is None else steps.take(selection)
                if TEMPLATE_ID in chunk:
                    self._unknown_by_part[name] += int(np.count_nonzero(part_steps.ids == OOV_ID))
                batch = builder.add(part_steps)
                if batch is not None and len(batch):
                    yield name, batch
        for name, builder in builders.items():
            batch = builder.finish()
            if batch is not None and len(batch):
                yield name, batch
        for name, builder in builders.items():   # records in no window: named by part when the input is split
            warning = builder.warning() if hasattr(builder, "warning") else None
            if warning:
                logger.warning("%s%s", f"{named[name]} part: " if named[name] else "", warning)
        self._log_pass_warnings(self.reader.report.source)
        self.records_without_key = sum(getattr(b, "records_without_key", 0) for b in builders.values())
        self.split_sessions = sum(getattr(b, "split_sessions", 0) for b in builders.values())
        self.extra_parts = sum(getattr(b, "extra_parts", 0) for b in builders.values())
        self.truncated_sessions = sum(getattr(b, "truncated_sessions", 0) for b in builders.values())
        self.truncated_records = sum(getattr(b, "truncated_records", 0) for b in builders.values())
        self.gap_sessions = sum(getattr(b, "gap_sessions", 0) for b in builders.values())
        self.unwindowed_records = sum(getattr(b, "unwindowed_records", 0) for b in builders.values())

    def _log_pass_warnings(self, source: str) -> list[str]:
        """Log what the transforms could not use in the pass just finished (times that do not parse or go
        backwards, values that are no numbers); a warning the fit already gave, word for word (a transform of
        the training source after ``fit``), only at DEBUG. Returns the warnings."""
        warnings = [warning for transform in self.transforms for warning in transform.pass_warnings(source)]
        for warning in warnings:
            logger.log(logging.DEBUG if warning in self._fit_warnings else logging.WARNING, "%s", warning)
        return warnings

    def _builder(self, session_labels: Mapping[Any, int] | None, idle_lines: int = 0):
        if isinstance(self.sequence, Sessions):
            return self.sequence.builder(self.feature_names, session_labels, idle_lines=idle_lines)
        return self.sequence.builder(self.feature_names, next_event_scored=self.next_event_scored)

    def _derive(self, chunk: pd.DataFrame, *, fitting: bool) -> None:
        for transform in self.transforms:
            if fitting and not transform.fitted:
                continue
            for name, values in transform.derive(chunk).items():
                chunk[name] = values

    def _features(self, chunk: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """``x``, and the time (seconds) of the first :class:`Timestamp` and whether each record had its own
        (None without one). The :class:`SessionDelta` of each session-ordered timestamp of the chunk (see
        :meth:`_order_deltas_in_sessions`) is left in ``self._chunk_deltas`` (None: none)."""
        x = np.empty((len(chunk), len(self.feature_names)), dtype=np.float32)
        column = 0
        order = timed = None
        deltas = []
        for transform in self.transforms:
            width = len(transform.feature_names)
            if width:
                transform.write_features(chunk, x[:, column:column + width])
            if isinstance(transform, Timestamp) and order is None:
                order, timed = transform.last_seconds, transform.last_timed
            if isinstance(transform, Timestamp) and transform.session_ordered:
                before, placeholder, text = transform.last_session_delta
                deltas.append(SessionDelta(transform, column, transform.last_seconds, before, placeholder,
                                           transform.last_timed, text))
            column += width
        self._chunk_deltas = deltas or None
        return x, order, timed

    def _order_deltas_in_sessions(self, on: bool) -> None:
        """Sessions put a key's steps in time order: a timestamp whose ``delta_by`` is the session key has its
        deltas measured there, from the step before in that order, not in read order (``on``: a pass building
        sessions; off: :meth:`records`, a read-order view)."""
        sessions = isinstance(self.sequence, Sessions)
        for transform in self.transforms:
            if isinstance(transform, Timestamp):
                transform.session_ordered = bool(on and sessions and transform.delta_by is not None
                                                 and transform.delta_by == self.sequence.key)

    def _is_test(self, chunk: pd.DataFrame, state: _PassState) -> np.ndarray:
        n = len(chunk)
        if self.split is None:
            state.offset += n
            return np.zeros(n, dtype=bool)
        if isinstance(self.split, KeySplit):
            state.offset += n
            return self.split.is_test(chunk[self.split.key].to_numpy(dtype=object))
        index = state.offset + np.arange(n)
        state.offset += n
        by_record = index >= state.boundary
        if not isinstance(self.sequence, Sessions):
            return by_record
        keys = chunk[self.sequence.key].to_numpy(dtype=object)
        out = by_record.copy()
        seen = state.key_is_test
        for i, key in enumerate(keys):
            if key is None or key is pd.NA or (isinstance(key, float) and key != key):
                # no key (an extract that did not match gives NaN): in no session, so split at the record boundary
                # (NaN found itself in the dict: every keyless record took the first one's part)
                continue
            key = exact_key(key)   # 1, 1.0 and true are three sessions: each in the part of its own first record
            decided = seen.get(key)
            if decided is None:
                seen[key] = bool(by_record[i])
            else:
                out[i] = decided
        return out

    def _check_columns(self, chunk: pd.DataFrame) -> None:
        """Every column a transform, the session key or the split key names must be read or derived."""
        derived = {TEMPLATE_ID, STEP_LABEL} | {t.into for t in self.transforms if hasattr(t, "into")}
        needs: list[tuple[str, str]] = []   # (who needs it, column)
        for transform in self.transforms:
            columns = getattr(transform, "columns", [transform.column])
            who = f"{type(transform).__name__}({columns[0] if len(columns) == 1 else columns!r})"
            needs += [(who, name) for name in columns]
            if getattr(transform, "delta_by", None) is not None:
                needs.append((f"{who[:-1]}, delta_by={transform.delta_by!r})", transform.delta_by))
        if isinstance(self.sequence, Sessions):
            needs.append((f"Sessions(key={self.sequence.key!r})", self.sequence.key))
        if isinstance(self.split, KeySplit):
            needs.append((f"KeySplit(key={self.split.key!r})", self.split.key))
        missing = [(who, name) for who, name in needs if name not in derived and name not in chunk.columns]
        if missing:
            have = [c for c in chunk.columns if c != LINE_NUMBER]
            what = "; ".join(f"{who} needs column {name!r}" for who, name in missing)
            raise SchemaError(f"{self.reader.report.source}: {what}, which the input does not have; its columns are "
                              f"{have}: name one of them (in run.toml: the [[transforms]] column, [sequence] key or "
                              "[split] key), or add the field to the reader's fields"
                              + (delimiter_hint(have, [name for _, name in missing])
                                 if getattr(self.reader, "kind", "") == "csv" else ""))

    def _check_schema(self, chunk: pd.DataFrame) -> None:
        """Missing input columns raise; type drift (first 1000 rows of a chunk) is logged."""
        self._check_columns(chunk)
        if self.schema is not None:
            sample = chunk[[c for c in self.schema.names if c in chunk.columns]].head(1000)
            problems = self.schema.problems(sample)
            problems = [p for p in problems if "missing values" not in p]
            if problems:
                logger.warning("%s: schema drift: %s", self.reader.report.source, "; ".join(problems))

    def _check_fitted(self) -> None:
        if not self.fitted:
            raise NotFittedError("Pipeline.fit has not been called")

    # ------------------------------------------------------------------
    # persistence
    # ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The versioned, language-neutral spec."""
        self._check_fitted()
        return {
            "format": SPEC_FORMAT,
            "version": SPEC_VERSION,
            "reader": self.reader.to_dict(),
            "transforms": [t.to_dict() for t in self.transforms],
            "sequence": self.sequence.to_dict(),
            "split": self.split.to_dict() if self.split is not None else None,
            "schema": self.schema.to_dict() if self.schema is not None else None,
            "feature_names": list(self.feature_names),
            "n_fit_records": self.n_fit_records,
            "output": {
                "x": "float32 [batch, time, features]; columns in feature_names order",
                "mask": "float32 [batch, time]; 1 = real step, 0 = padding",
                "labels": "int32 [batch]",
                "step_labels": "int32 [batch, time]",
                "step_ids": "int32 [batch, time]; template ids, 0 = OOV (and padding)",
                "next_ids": "int32 [batch]; -1 when not requested",
                "next_lines": "int64 [batch]; line of the next_ids event, -1 when none",
                "line_numbers": "int64 [batch, time]; 1-based, -1 = padding",
            },
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the spec as JSON, atomically (see :func:`atomic_write_text`)."""
        text = json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False)
        atomic_write_text(path, text + "\n")

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "Pipeline":
        if spec.get("format") != SPEC_FORMAT:
            raise SpecError(f"not a pipeline spec (format {spec.get('format')!r})")
        if type(spec.get("version")) is not int or spec.get("version") not in SPEC_VERSIONS_READ:   # not 2.0 or true
            raise SpecError(f"unsupported spec version {spec.get('version')!r}; this dl4j_bridge reads versions "
                            f"{', '.join(map(str, SPEC_VERSIONS_READ))}: upgrade dl4j_bridge if a newer one wrote it, "
                            "or save the pipeline again from where it was built")
        pipeline = cls(reader_from_dict(spec["reader"]),
                       [transform_from_dict(t) for t in spec["transforms"]],
                       sequence_from_dict(spec["sequence"]), split_from_dict(spec.get("split")))
        pipeline.schema = Schema.from_dict(spec["schema"]) if spec.get("schema") is not None else None
        pipeline.feature_names = [name for t in pipeline.transforms for name in t.feature_names]
        if pipeline.feature_names != list(spec["feature_names"]):
            raise SpecError("feature names rebuilt from the transforms differ from the saved ones")
        pipeline.n_fit_records = int(spec.get("n_fit_records", 0))
        pipeline.fitted = True
        return pipeline

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Pipeline":
        """Read a spec written by :meth:`save`."""
        with open(path, encoding="utf-8") as handle:
            try:
                spec = json.load(handle)
            except json.JSONDecodeError as error:
                raise SpecError(f"{path}: not valid JSON ({error})") from error
        try:
            return cls.from_dict(spec)
        except SpecError as error:
            raise SpecError(f"{path}: {error}") from error
