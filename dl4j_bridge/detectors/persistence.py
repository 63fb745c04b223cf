"""One file per detector: a ModelSerializer zip holding the network, its normalizer, the ETL spec and the
threshold.

Entries (the contract shared with the JVM scorer):

* DL4J's own ``configuration.json``, ``coefficients.bin``, ``updaterState.bin`` and ``normalizer.bin``
  (restorable with plain ``ModelSerializer.restoreMultiLayerNetwork`` / ``restoreNormalizerFromFile``);
* ``dl4j_bridge.lstm_config.json``: the :class:`~dl4j_bridge.LSTMConfig`;
* ``dl4j_bridge.etl_spec.json``: exactly what :meth:`dl4j_bridge.etl.Pipeline.save` writes (when a pipeline
  was given);
* ``dl4j_bridge.detector.json``: ``{"format": "dl4j_bridge.detector", "version": 2, "kind", "threshold",
  "threshold_method", "scoring", "feature_names", "created_by", "params", "n_events"}``, and for people only (no
  reader scores differently with or without them): ``untrained_ids``, ``updates`` and ``trained_on`` (the ND4J
  thread count and CPU build of the fit);
* ``dl4j_bridge.manifest.json`` (written by every save; see :mod:`dl4j_bridge.modelfile`).

Everything of ours is JSON text, never Java or Python serialisation. Readers refuse an unknown format or
version with an error that says what to do. A version is bumped whenever a reader of the previous one would score
a new file differently (``tests/test_detector_file_content.py`` holds the keys each version writes).
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from pathlib import Path

from ..errors import ModelFileError
from ..modelfile import _DAMAGE_HINT as DAMAGED_HINT
from ..modelfile import json_loads

log = logging.getLogger(__name__)

DETECTOR_ENTRY = "dl4j_bridge.detector.json"
ETL_ENTRY = "dl4j_bridge.etl_spec.json"
FORMAT = "dl4j_bridge.detector"
#: The version written. 2: next-event scoring leaves out ``never_expected`` ids (a version 1 reader would rank
#: them, and score the file differently).
VERSION = 2
#: The versions read: 1 is a file saved before ``never_expected`` (every output ranked, as it was).
VERSIONS_READ = (1, 2)


class DetectorFileError(ModelFileError):
    """A file is not a detector this version can read."""


def pipeline_spec_text(pipeline) -> str:
    """The ETL spec exactly as :meth:`Pipeline.save` writes it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "spec.json")
        pipeline.save(path)
        return Path(path).read_text(encoding="utf-8")


def detector_document(detector) -> dict:
    """The ``dl4j_bridge.detector.json`` object of a fitted detector."""
    from ..version import build_identity

    detector._check_fitted()
    document = {
        "format": FORMAT,
        "version": VERSION,
        "kind": detector.kind,
        "threshold": float(detector.threshold_),
        "threshold_method": detector.threshold_method_,
        "scoring": detector.scoring(),
        "feature_names": list(detector.feature_names_),
        "n_events": int(detector.network_.config.n_out),
        # the training parameters the network was trained with, not those set_params changed for a next fit
        "params": _jsonable({**detector.get_params(), **(getattr(detector, "_trained_with_", None) or {})}),
        "created_by": build_identity(),
    }
    document.update(detector._saved_state())
    if getattr(detector, "updates_", None):
        document["updates"] = _jsonable(detector.updates_)
    if getattr(detector, "trained_on_", None):   # for people, as "updates": no reader scores differently with it
        document["trained_on"] = _jsonable(detector.trained_on_)
    return document


def save_detector(detector, path, *, pipeline=None, jvm_check: bool = True) -> Path:
    """Write the detector's zip atomically (an interrupted save leaves a previous file intact), with a manifest.

    With a pipeline and ``jvm_check`` (the default), the ETL spec is first loaded by the JVM scorer's own reader
    (:func:`dl4j_bridge.jvmcheck.check_spec_text`): a spec the JVM refuses raises
    :class:`~dl4j_bridge.jvmcheck.JVMIncompatibleSpecError` and nothing is written. ``jvm_check=False``: a model
    for Python only."""
    document = detector_document(detector)
    entries = {DETECTOR_ENTRY: json.dumps(document, indent=1, allow_nan=False)}
    n_in = int(detector.network_.config.n_in)
    if pipeline is not None and len(pipeline.feature_names) != n_in:
        raise ValueError(f"the pipeline makes {len(pipeline.feature_names)} features per step but the network takes "
                         f"{n_in}: save the detector with the pipeline it was trained on")
    fitted = list(detector.feature_names_ or [])
    if pipeline is not None and fitted and fitted != [f"f{i}" for i in range(len(fitted))] \
            and list(pipeline.feature_names) != fitted:   # same width, other features: a pipeline refitted since
        at = next(i for i, (a, b) in enumerate(zip(fitted, pipeline.feature_names)) if a != b)
        raise ValueError(f"the pipeline's feature {at} is {pipeline.feature_names[at]!r} where the detector was "
                         f"trained on {fitted[at]!r}: save the detector with the pipeline it was trained on (a "
                         "pipeline refitted on other data makes other features)")
    if pipeline is not None:
        entries[ETL_ENTRY] = pipeline_spec_text(pipeline)
        if jvm_check:
            from ..jvmcheck import check_spec_text

            check_spec_text(entries[ETL_ENTRY])
    manifest = {"features": {"names": document["feature_names"]},
                "detector": {key: document[key] for key in ("kind", "threshold", "threshold_method")}}
    return detector.network_.save(path, save_updater=False, extra_entries=entries, manifest=manifest)


def read_document(path, *, trusted: bool = False) -> dict:
    """The validated ``dl4j_bridge.detector.json`` of a detector zip (checked first unless ``trusted``)."""
    from ..modelfile import open_model

    with open_model(path, trusted=trusted) as model:
        return _document(model)


def _document(model) -> dict:
    path = model.source
    text = model.text(DETECTOR_ENTRY)
    if text is None and model.has("configuration.json") and model.has("coefficients.bin"):
        raise DetectorFileError(f"{path} holds no {DETECTOR_ENTRY}: it is a network, not a detector "
                                "(load it with dl4j_bridge.Network.load)")
    if text is None:   # a zip of another tool (only a network's entries make it a network)
        raise DetectorFileError(f"{path} holds no {DETECTOR_ENTRY} and is not a Deeplearning4j network either: is "
                                "this a detector saved by dl4j_bridge (detector.save or dl4j-bridge train)?")
    try:
        doc = json_loads(str(text))
    except RecursionError:   # (nested 100,000 deep, it was an "unexpected RecursionError", exit 4)
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} nests deeper than Python can parse ({DAMAGED_HINT})") \
            from None
    except ValueError as error:   # invalid JSON, or an integer of more digits than int() takes
        why = "it holds an integer of thousands of digits" if "integer string conversion" in str(error) else error
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} is not valid JSON ({why}) ({DAMAGED_HINT})") from None
    if not isinstance(doc, dict):
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} is not a JSON object ({DAMAGED_HINT})")
    if doc.get("format") != FORMAT:
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} has format {doc.get('format')!r}, expected {FORMAT!r}")
    if type(doc.get("version")) is not int or doc.get("version") not in VERSIONS_READ:   # not 2.0 or true
        raise DetectorFileError(f"{path}: detector file version {doc.get('version')!r} is not supported by this "
                                f"dl4j_bridge (it reads versions {', '.join(map(str, VERSIONS_READ))}); upgrade "
                                "dl4j_bridge (a newer one wrote it) or re-train")
    for key in ("kind", "threshold", "scoring"):
        if key not in doc:
            raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} lacks {key!r}")
    threshold = doc["threshold"]
    try:
        finite = not isinstance(threshold, bool) and isinstance(threshold, (int, float)) and math.isfinite(threshold)
    except OverflowError:   # an integer beyond float64
        finite = False
    if not finite:
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} threshold must be a finite number, got {threshold!r} "
                                f"({DAMAGED_HINT})")
    if not isinstance(doc.get("params") or {}, dict) or not isinstance(doc["scoring"], dict):
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} params and scoring must be JSON objects ({DAMAGED_HINT})")
    return doc


def _construct(cls, params: dict, path):
    """The detector the saved ``params`` describe; a key this version does not know or a value it refuses is
    a :class:`DetectorFileError` naming the file."""
    names = cls()._param_names()
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} params {unknown} are not parameters of this "
                                f"dl4j_bridge's {cls.__name__}: the file was written by a newer dl4j_bridge "
                                "(upgrade it) or edited")
    try:
        return cls(**params)
    except (TypeError, ValueError) as error:
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} params: {error} ({DAMAGED_HINT})") from error


def _check_against_network(detector, doc: dict, path) -> None:
    """What the saved document says against the network it was saved with."""
    network = detector.network_
    n_in, n_out = int(network.config.n_in), int(network.config.n_out)
    if (doc.get("params") or {}).get("normalize") and network.normalizer is None:
        raise DetectorFileError(f"{path}: the detector was trained with normalize=True but the file holds no "
                                f"normalizer.bin, so its inputs would not be scaled as in training ({DAMAGED_HINT})")
    if detector.feature_names_ and len(detector.feature_names_) != n_in:
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} names {len(detector.feature_names_)} features but the "
                                f"network takes {n_in} ({DAMAGED_HINT})")
    never = getattr(detector, "never_expected_", ())
    if any(not 0 <= i < n_out for i in never):
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} never_expected {list(never)} holds ids outside the "
                                f"network's {n_out} event ids ({DAMAGED_HINT})")
    untrained = getattr(detector, "_untrained_ids", ())
    if any(not 0 <= i < n_out for i in untrained):
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} untrained_ids {list(untrained)} holds ids outside the "
                                f"network's {n_out} event ids ({DAMAGED_HINT})")
    if detector.kind == "next_value":
        targets = list(detector.target_indices_)
        if len(targets) != n_out or any(not 0 <= i < n_in for i in targets):
            raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} scoring targets {targets} are not {n_out} of the "
                                    f"network's {n_in} input features ({DAMAGED_HINT})")
    pipeline = detector.pipeline_
    if pipeline is not None and len(pipeline.feature_names) != n_in:
        raise DetectorFileError(f"{path}: the network takes {n_in} features per step, the ETL spec makes "
                                f"{len(pipeline.feature_names)} ({DAMAGED_HINT})")


def load_detector(path, *, trusted: bool = False, _expected=None):
    """Restore a detector (network, normalizer, threshold, and the ETL pipeline when saved), of any kind.

    ``_expected`` (for ``NextEventDetector.load`` / ``SequenceClassifier.load``): the class the file must
    hold; a file of another kind is a :class:`DetectorFileError`."""
    from ..etl import Pipeline
    from ..network import Network
    from .classifier import SequenceClassifier
    from .next_event import NextEventDetector
    from .next_value import NextValueDetector

    from ..modelfile import open_model
    from ..session import require_jvm

    require_jvm()
    with open_model(path, trusted=trusted) as model:   # checked once; DL4J reads its private copy
        doc = _document(model)
        kinds = {"next_event": NextEventDetector, "sequence_classifier": SequenceClassifier,
                 "next_value": NextValueDetector}
        if doc["kind"] not in kinds:
            raise DetectorFileError(f"{path}: unknown detector kind {doc['kind']!r} (known: {sorted(kinds)})")
        # the class asked for must be of the file's kind: NextEventDetector or a subclass of it (a user's own
        # subclass loads its own files, as that class)
        if _expected is not None and not issubclass(_expected, kinds[doc["kind"]]):
            raise DetectorFileError(f"{path} holds a {kinds[doc['kind']].__name__} (kind {doc['kind']!r}), not a "
                                    f"{_expected.__name__}: load it with {kinds[doc['kind']].__name__}.load or "
                                    "dl4j_bridge.detectors.load_detector, which take any kind")
        params = dict(doc.get("params") or {})
        if doc["kind"] == "next_event" and params and "never_expected" not in params \
                and "never_expected" not in doc["scoring"]:
            params["never_expected"] = None   # saved before never_expected: every output was ranked, and still is
        detector = _construct(_expected or kinds[doc["kind"]], params, path)
        detector._trained_with_ = {k: v for k, v in detector.get_params().items() if k in detector.TRAINING_PARAMS}
        detector.network_ = Network._from_model_file(model, load_updater=False, trusted=trusted)
        spec = model.text(ETL_ENTRY)
    detector.threshold_ = float(doc["threshold"])
    detector.threshold_method_ = doc.get("threshold_method")
    detector.feature_names_ = list(doc.get("feature_names") or [])
    updates = doc.get("updates")
    if updates is not None and not (isinstance(updates, list) and all(isinstance(u, dict) for u in updates)):
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} updates must be a list of JSON objects ({DAMAGED_HINT})")
    detector.updates_ = updates or None
    trained_on = doc.get("trained_on")
    if trained_on is not None and not (isinstance(trained_on, dict) and all(
            isinstance(v, str) for v in trained_on.values())):
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} trained_on must be a JSON object of strings, got "
                                f"{json.dumps(trained_on)[:80]} ({DAMAGED_HINT})")
    detector.trained_on_ = trained_on
    try:
        detector._restore_fitted(doc["scoring"], doc)
    except ValueError as error:
        raise DetectorFileError(f"{path}: {DETECTOR_ENTRY} scoring: {error} ({DAMAGED_HINT})") from error
    if detector.scoring() != doc["scoring"]:
        raise DetectorFileError(f"{path}: the saved scoring {doc['scoring']} does not match the saved parameters")
    try:
        detector.pipeline_ = Pipeline.from_dict(json_loads(spec)) if spec is not None else None
    except RecursionError:
        raise DetectorFileError(f"{path}: {ETL_ENTRY}: nests deeper than Python can parse ({DAMAGED_HINT})") from None
    except (ValueError, KeyError, TypeError) as error:   # SpecError is a ValueError; so is a 5000-digit integer
        raise DetectorFileError(f"{path}: {ETL_ENTRY}: {error}") from error
    if detector.pipeline_ is not None:   # a classifier scoring next-event windows judges no next event
        detector.pipeline_.next_event_scored = detector.kind == "next_event"
    detector._pipeline_names_ = None if detector.pipeline_ is None else list(detector.pipeline_.feature_names)
    _check_against_network(detector, doc, path)
    return detector


def _jsonable(value):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
