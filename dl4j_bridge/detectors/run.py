"""A whole run from a config (the ``run.toml`` of ``dl4j-bridge train``): raw logs -> ETL -> detectors ->
evaluation report with baselines -> one saved zip per detector.

The config format is documented in the README ("Command line"). Paths in it are relative to the config
file's directory.
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any, Optional

import numpy as np

from ..etl import (Categorical, ChronologicalSplit, CsvReader, Extract, IpAddress, JsonLinesReader, KeySplit, Label,
                   Numeric, Pipeline, Port, SequenceBatch, Sessions, Template, TextReader, Timestamp, Windows)
from ..etl.readers import LINE_NUMBER
from .baselines import IsolationForestBaseline, PCABaseline
from .base import BaseDetector
from .batches import take
from .classifier import SequenceClassifier
from .next_event import NextEventDetector
from .report import Report, explanations_markdown

log = logging.getLogger(__name__)

_READERS = {"text": TextReader, "jsonl": JsonLinesReader, "csv": CsvReader}
_TRANSFORMS = {"template": Template, "categorical": Categorical, "numeric": Numeric, "timestamp": Timestamp,
               "extract": Extract, "ip": IpAddress, "port": Port, "label": Label}
_DETECTORS = {"next_event": NextEventDetector, "sequence_classifier": SequenceClassifier}


class ConfigError(ValueError):
    """The run config is incomplete or wrong; the message names the section and key."""


def load_config(path) -> dict:
    """Read a TOML run config; relative paths are resolved against its directory (key ``_base``)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no config file at {path}")
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from error
    config["_base"] = str(path.resolve().parent)
    return config


def _path(config: dict, value: Optional[str]) -> Optional[Path]:
    if value is None:
        return None
    p = Path(value)
    return (p if p.is_absolute() else Path(config.get("_base", ".")) / p).resolve()


def _section(config: dict, name: str) -> dict:
    if name not in config or not isinstance(config[name], dict):
        raise ConfigError(f"the config needs a [{name}] table")
    return dict(config[name])


def build_pipeline(config: dict) -> Pipeline:
    """The unfitted ETL pipeline of ``[reader]``, ``[[transforms]]``, ``[sequence]`` and ``[split]``."""
    reader_spec = _section(config, "reader")
    kind = reader_spec.pop("kind", None)
    if kind not in _READERS:
        raise ConfigError(f"[reader] kind must be one of {sorted(_READERS)}, got {kind!r}")
    reader = _READERS[kind](**reader_spec)
    transforms = []
    for number, spec in enumerate(config.get("transforms", []), 1):
        spec = dict(spec)
        kind = spec.pop("kind", None)
        if kind not in _TRANSFORMS:
            raise ConfigError(f"[[transforms]] number {number}: kind must be one of {sorted(_TRANSFORMS)}, got {kind!r}")
        column = spec.pop("column", None)
        if column is None:
            raise ConfigError(f"[[transforms]] number {number} ({kind}) needs a column")
        transforms.append(_TRANSFORMS[kind](column, **spec))
    seq = dict(config.get("sequence", {"kind": "windows"}))
    seq_kind = seq.pop("kind", "windows")
    sequence = Windows(**seq) if seq_kind == "windows" else Sessions(**seq) if seq_kind == "sessions" else None
    if sequence is None:
        raise ConfigError(f"[sequence] kind must be 'windows' or 'sessions', got {seq_kind!r}")
    split_spec = config.get("split")
    split = None
    if split_spec:
        split_spec = dict(split_spec)
        split_kind = split_spec.pop("kind", "chronological")
        split = ChronologicalSplit(**split_spec) if split_kind == "chronological" else KeySplit(**split_spec)
    return Pipeline(reader, transforms, sequence, split)


def build_detector(name: str, spec: dict, n_events: int, seed: int) -> BaseDetector:
    spec = dict(spec)
    kind = spec.pop("kind", None)
    spec.pop("train_on", None)
    if kind not in _DETECTORS:
        raise ConfigError(f"[detectors.{name}] kind must be one of {sorted(_DETECTORS)}, got {kind!r}")
    spec.setdefault("seed", seed)
    if kind == "next_event":
        spec.setdefault("n_events", n_events)
    if "hidden_sizes" in spec:
        spec["hidden_sizes"] = tuple(spec["hidden_sizes"])
    try:
        return _DETECTORS[kind](**spec)
    except TypeError as error:
        raise ConfigError(f"[detectors.{name}]: {error}") from error


def next_record_lines(batch: SequenceBatch, record_lines) -> np.ndarray:
    """Line number of the record after each window that has a next event (``batch.next_ids >= 0``), -1 for the
    others: the first of ``record_lines`` (every record the reader gave) after the window's last step. After
    multi-line records or quarantined lines that is not simply the next line number."""
    lines = np.unique(np.asarray(list(record_lines), dtype=np.int64))
    out = np.full(len(batch), -1, np.int64)
    if not len(lines) or not len(batch):
        return out
    last = batch.line_numbers[np.arange(len(batch)), np.maximum((batch.mask > 0).sum(axis=1) - 1, 0)]
    after = np.searchsorted(lines, last.astype(np.int64), side="right")
    followed = (np.asarray(batch.next_ids) >= 0) & (after < len(lines))
    out[followed] = lines[after[followed]]
    return out


def window_truth(batch: SequenceBatch, line_labels: Optional[dict], *, next_event: bool,
                 positive=None) -> np.ndarray:
    """0/1 truth per window: ``batch.labels`` and, for a next-event detector, the label of the record after the
    window too (the detector judges that record: flagging the window before an attack is a true positive).
    ``line_labels``: raw label value per record line (:func:`line_columns`), read by the ``Label`` rule."""
    truth = (np.asarray(batch.labels) > 0).astype(np.int64)
    if next_event and line_labels is not None and len(line_labels):
        following = next_record_lines(batch, line_labels.keys())
        anomalous = np.array([n >= 0 and Label.is_anomalous(line_labels[int(n)], positive) for n in following],
                             dtype=bool)
        truth |= anomalous.astype(np.int64)
    return truth


def normal_windows(batch: SequenceBatch, line_labels: Optional[dict] = None, positive=None) -> np.ndarray:
    """Indices of sequences with no anomalous step and, for next-event windows, no anomalous next record
    (``line_labels``, ``positive``: see :func:`window_truth`; ``"0"``, ``"normal"``, ``"-"``, ... are normal)."""
    return np.flatnonzero(window_truth(batch, line_labels, next_event=True, positive=positive) == 0)


def line_columns(pipeline: Pipeline, source, columns) -> dict:
    """``{column: {line number: value}}`` of reader fields (e.g. the label and the anomaly type of every
    record), in one read of ``source``; None entries of ``columns`` are skipped."""
    wanted = [c for c in dict.fromkeys(columns) if c is not None]
    if not wanted:
        return {}
    frame = copy.deepcopy(pipeline.reader).read(source)
    for column in wanted:
        if column not in frame:
            raise ConfigError(f"the input has no field {column!r} "
                              f"(fields: {[c for c in frame.columns if c != LINE_NUMBER]})")
    lines = frame[LINE_NUMBER].astype(int)
    return {column: dict(zip(lines, frame[column])) for column in wanted}


def chronological_validation(batch: SequenceBatch, fraction: float = 0.1, *, need_both_classes: bool = False):
    """(train, validation): a contiguous block of ``fraction`` of the sequences held out, the last one by
    default. With ``need_both_classes`` (a threshold chosen by best F1) the latest block holding normal and
    anomalous sequences is used."""
    n = len(batch)
    n_val = max(1, int(round(fraction * n)))
    start = n - n_val
    if need_both_classes:
        for candidate in range(n - n_val, -1, -n_val):
            labels = batch.labels[candidate:candidate + n_val]
            if labels.any() and not labels.all():
                start = candidate
                break
    val_idx = np.arange(start, start + n_val)
    train_idx = np.setdiff1d(np.arange(n), val_idx)
    return take(batch, train_idx), take(batch, val_idx)


def train(config: dict) -> dict:
    """Run the whole job; returns ``{"report": path, "models": {name: path}, "results": {...}}``."""
    data = _section(config, "data")
    output = dict(config.get("output", {}))
    seed = int(output.get("seed", 7))
    train_source = _path(config, data.get("train"))
    if train_source is None:
        raise ConfigError("[data] needs train = <path of the training logs>")
    test_source = _path(config, data.get("test"))
    pipeline = build_pipeline(config)
    if test_source is None:
        train_batch, test_batch = pipeline.fit_split(str(train_source))
    else:
        pipeline.fit(str(train_source))
        train_batch = pipeline.transform(str(train_source))
        test_batch = pipeline.transform(str(test_source))
    log.info("ETL: %d training and %d test sequences of %s", len(train_batch), len(test_batch),
             train_batch.x.shape[1:])
    if len(test_batch) == 0:
        raise ConfigError("the test part is empty: give [data] test or a [split]")
    label_field, kinds_field = data.get("label_field"), data.get("kinds_field")
    # the test source's labels and anomaly types in one read (and the training labels too when it is the same file)
    test_fields = line_columns(pipeline, str(test_source or train_source), [label_field, kinds_field])
    test_labels, test_kinds = test_fields.get(label_field), test_fields.get(kinds_field)
    train_labels = test_labels if test_source is None else \
        line_columns(pipeline, str(train_source), [label_field]).get(label_field)
    # read label_field as the label transform of the same field does (its positive values, if it lists them)
    positive = next((t.positive for t in pipeline.transforms if getattr(t, "kind", "") == "label"
                     and t.column == label_field), None)

    report = Report(_path(config, output.get("report", "reports/run")), output.get("title", "dl4j_bridge run"))
    report.text(f"Training: {len(train_batch)} sequences; test: {len(test_batch)} sequences "
                f"({int(test_batch.labels.sum())} anomalous); {train_batch.x.shape[1]} steps x "
                f"{train_batch.x.shape[2]} features. Seed {seed}.")
    models_dir = _path(config, output.get("models", "models/run"))
    results: dict[str, Any] = {}
    models = {}
    names = []
    detectors = config.get("detectors") or {}
    if not detectors:
        raise ConfigError("the config needs at least one [detectors.<name>] table")
    for name, spec in detectors.items():
        det = build_detector(name, spec, pipeline.n_template_ids or int(train_batch.step_ids.max()) + 1, seed)
        if spec.get("train_on", "normal" if det.kind == "next_event" else "all") == "normal":
            fit_batch = take(train_batch, normal_windows(train_batch, train_labels, positive))
        else:
            fit_batch = train_batch
        fraction = float(spec.get("validation_fraction", 0.1))
        if fraction > 0:
            fit_part, val_part = chronological_validation(fit_batch, fraction,
                                                          need_both_classes=det.threshold == "best_f1")
        else:   # no validation: no early stopping, the threshold chosen on the training sequences
            fit_part, val_part = fit_batch, None
        log.info("training %s (%s) on %d sequences", name, det.kind, len(fit_part))
        det.fit(fit_part, validation=val_part, pipeline=pipeline)
        models[name] = str(det.save(models_dir / f"{name}.zip", pipeline=pipeline))
        scores = det.score_batch(test_batch)
        report.parts.append(f"## Detector `{name}` ({det.kind})\n\nModel file: `{Path(models[name]).name}`; "
                            f"{det.history_.epochs_completed} epochs, best {det.history_.best_epoch + 1}.\n")
        next_event = det.kind == "next_event"
        truth = window_truth(test_batch, test_labels, next_event=next_event, positive=positive)
        m = report.model(name, truth, scores.scores, det.threshold_, order=_order(test_batch),
                         threshold_method=det.threshold_method_)
        report.text("Flagged sequences (traceability):\n\n" + explanations_markdown(det.explain(test_batch, scores=scores)))
        results[name] = {"metrics": m, "per_type": _per_type(test_batch, scores.scores, test_kinds,
                                                             next_event=next_event)}
        names.append(name)
    baseline_spec = config.get("baselines", {"pca": True, "isolation_forest": True})
    clean_train = take(train_batch, normal_windows(train_batch, train_labels, positive))
    for key, cls in (("pca", PCABaseline), ("isolation_forest", IsolationForestBaseline)):
        if baseline_spec.get(key, True):
            model = cls(seed=seed).fit(clean_train)
            scores = model.decision_function(test_batch)
            threshold = float(np.quantile(model.decision_function(clean_train), 0.99))
            report.parts.append(f"## Baseline {cls.name}\n\nFitted on the normal training windows; threshold: "
                                f"the 99th percentile of their scores.\n")
            m = report.model(cls.name, test_batch.labels, scores, threshold, order=_order(test_batch),
                             threshold_method={"name": "contamination", "contamination": 0.01})
            results[cls.name] = {"metrics": m, "per_type": _per_type(test_batch, scores, test_kinds)}
            names.append(cls.name)
    report.comparison(names)
    if test_kinds is not None:
        kinds = sorted({k for r in results.values() for k in (r["per_type"] or {})})
        report.parts.append("## ROC AUC per injected anomaly type\n\nPositives: test windows holding a line of the "
                            "type; negatives: windows without any anomalous line.\n")
        report.table(["model"] + kinds, [[n] + [results[n]["per_type"].get(k) for k in kinds] for n in names])
    path = report.write()
    summary = {"report": str(path), "models": models,
               "results": {n: {"metrics": r["metrics"], "per_type": r["per_type"]} for n, r in results.items()}}
    (Path(path).parent / "results.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    return summary


def _order(batch: SequenceBatch) -> np.ndarray:
    return batch.line_numbers[:, 0].astype(np.float64)


def _per_type(batch: SequenceBatch, scores: np.ndarray, line_kinds: Optional[dict], *,
              next_event: bool = False) -> Optional[dict]:
    """ROC AUC per anomaly type: windows holding that type's lines (for a next-event detector, or followed by
    one) against windows without anomalous lines."""
    if line_kinds is None:
        return None
    from sklearn.metrics import roc_auc_score

    following = next_record_lines(batch, line_kinds.keys()) if next_event else np.full(len(batch), -1)
    kinds_of = []
    for row, mask, after in zip(batch.line_numbers, batch.mask, following):
        found = {line_kinds.get(int(n)) for n, m in zip(row, mask) if m > 0} | {line_kinds.get(int(after))}
        kinds_of.append({k for k in found if k not in (None, "", "None") and k == k})
    normal = np.array([not k for k in kinds_of])
    out = {}
    for kind in sorted({k for ks in kinds_of for k in ks}):
        positive = np.array([kind in ks for ks in kinds_of])
        use = positive | normal
        if positive.any() and normal.any():
            out[kind] = float(roc_auc_score(positive[use], scores[use]))
    return out
