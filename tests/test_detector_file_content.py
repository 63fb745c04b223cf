"""What a detector file says, checked against itself and its network by both loaders (Python's load_detector
and the JVM's DetectorFile): an edited or damaged document is refused at load, naming the file and the field,
never scored with a threshold or settings it does not really have."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import zipfile
from pathlib import Path

import numpy as np

import pytest

from bridge_testing import REPO
from dl4j_bridge.detectors import DetectorFileError, load_detector
from dl4j_bridge.javaerrors import java_errors

PARITY = REPO / "java" / "src" / "test" / "resources" / "parity"
DOC = "dl4j_bridge.detector.json"
MANIFEST = "dl4j_bridge.manifest.json"


@pytest.fixture(scope="module")
def saved(jvm, tmp_path_factory):
    """The parity classifier and next-event detectors saved by this version (with params and a manifest)."""
    from dl4j_bridge.detectors import NextEventDetector
    from dl4j_bridge.detectors.deeplog import KeyVocabulary, session_windows

    out = tmp_path_factory.mktemp("content")
    sessions = [tuple(1 + (i + j) % 5 for j in range(8)) for i in range(40)]
    vocabulary = KeyVocabulary.fit(sessions)
    windows = session_windows(sessions, vocabulary, h=4)
    next_event = NextEventDetector(top_g=3, n_events=vocabulary.n_events, end_id=vocabulary.end_id,
                                   hidden_sizes=(4,), epochs=1, patience=0, validation_fraction=0.0,
                                   normalize=False).fit(windows.batch)
    import copy

    updated = copy.deepcopy(next_event).update(windows.batch, epochs=1)   # writes "updates"
    from dl4j_bridge.detectors import NextValueDetector
    from dl4j_bridge.etl import JsonLinesReader, Numeric, Pipeline, Windows

    records = [json.dumps({"v": round(math.sin(i / 3), 4), "w": i % 7}) for i in range(120)]
    pipeline = Pipeline(JsonLinesReader({"v": "v", "w": "w"}), [Numeric("v"), Numeric("w")], Windows(6))
    pipeline.fit(records)
    next_value = NextValueDetector(hidden_sizes=(4,), epochs=1, patience=0, validation_fraction=0.0).fit(
        pipeline.transform(records), pipeline=pipeline)
    return {"classifier": load_detector(PARITY / "detector_classifier.zip").save(out / "classifier.zip"),
            "next_event": next_event.save(out / "next_event.zip"),
            "updated": updated.save(out / "updated.zip"),
            "next_value": next_value.save(out / "next_value.zip")}


def edited(src: Path, dst: Path, edit, *, drop=(), manifest=True) -> Path:
    """A copy of ``src`` whose detector document went through ``edit(doc)`` (written as JSON with NaN allowed),
    the manifest's entry hashes recomputed so that only the content checks can catch it (``manifest=False``: no
    manifest)."""
    with zipfile.ZipFile(src) as z:
        entries = {n: z.read(n) for n in z.namelist() if n != MANIFEST and n not in drop}
        old_manifest = json.loads(z.read(MANIFEST))
    doc = json.loads(entries[DOC])
    edit(doc)
    entries[DOC] = json.dumps(doc, indent=1).encode("utf-8")
    if manifest:
        old_manifest["entries"] = {n: {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                                   for n, b in entries.items()}
        entries[MANIFEST] = json.dumps(old_manifest, indent=1).encode("utf-8")
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return dst


def java_refusal(path: Path) -> str:
    import jpype

    import dl4j_bridge as db

    with pytest.raises(db.JavaError) as error, java_errors():
        jpype.JClass("io.dl4jbridge.scorer.DetectorFile").read(jpype.JClass("java.nio.file.Paths").get(str(path)),
                                                               False)
    return str(error.value)


def setter(*keys, value):
    def edit(doc):
        target = doc
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return edit


@pytest.mark.parametrize("kind, edit, python_words, java_words", [
    ("classifier", setter("threshold", value="abc"), "threshold must be a finite number, got 'abc'",
     'threshold must be a finite number, got "abc"'),
    ("classifier", setter("threshold", value=float("nan")), "threshold must be a finite number, got nan",
     "threshold must be a finite number, got NaN"),
    ("classifier", setter("threshold", value=True), "threshold must be a finite number, got True",
     "threshold must be a finite number, got true"),
    ("classifier", setter("threshold", value=10 ** 400), "threshold must be a finite number, got 1000",
     "threshold must be a finite number, got Infinity"),
    ("next_event", setter("scoring", "top_g", value=2), r"the saved scoring .* does not match the saved parameters",
     None),   # (the JVM loads only detectors saved with their ETL spec, which this one is not)
    ("classifier", setter("scoring", "aggregation", value="mean"), "does not match the saved parameters",
     'scoring aggregation = "mean" does not match the saved parameter aggregation = "max"'),
    # either way round: a setting only in scoring, or only in params
    ("classifier", setter("scoring", "top_g", value=3), "does not match the saved parameters",
     "scoring top_g = 3 does not match the saved parameter top_g = null"),
    ("classifier", setter("params", "end_id", value=5), r"params \['end_id'\] are not parameters",
     "scoring end_id = null does not match the saved parameter end_id = 5"),
    ("next_value", setter("scoring", "residual_variances", value=[0.5, 0.0]),
     r"scoring: the next-value scoring must hold .* residual_variances \(numbers > 0\)",
     "residual_variances must be finite numbers > 0, got 0.0"),
    ("next_value", setter("scoring", "targets", value=[0, 9]), r"scoring targets \[0, 9\] are not 2 of the network's "
     r"2 input features", "target feature 9 is not one of the network's 2 input features"),
    ("next_value", setter("scoring", "aggregation", value="mean"), "does not match the saved parameters",
     'scoring aggregation = "mean" does not match the saved parameter aggregation = "max"'),
    # for people only, as "updates": Python checks its shape, the JVM does not read it
    ("next_event", setter("trained_on", value=["2 threads"]),
     r'trained_on must be a JSON object of strings, got \["2 threads"\]', None),
])
def test_both_loaders_refuse_an_edited_document_naming_the_file(saved, tmp_path, kind, edit, python_words,
                                                                java_words):
    path = edited(saved[kind], tmp_path / "edited.zip", edit)
    with pytest.raises(DetectorFileError, match=python_words) as error:
        load_detector(path)
    assert str(path) in str(error.value)
    if java_words is not None:
        message = java_refusal(path)
        assert java_words in message and str(path) in message, message


def test_params_a_newer_version_wrote_or_refused_values_are_a_detector_file_error(saved, tmp_path):
    newer = edited(saved["classifier"], tmp_path / "newer.zip", setter("params", "bogus", value=1))
    with pytest.raises(DetectorFileError, match=r"params \['bogus'\] are not parameters of this dl4j_bridge's "
                                                r"SequenceClassifier: the file was written by a newer"):
        load_detector(newer)
    bad = edited(saved["next_event"], tmp_path / "bad.zip", setter("params", "top_g", value=-1))
    with pytest.raises(DetectorFileError, match=r"bad\.zip: dl4j_bridge.detector.json params: top_g must be an integer >= 1"):
        load_detector(bad)


def test_never_expected_ids_outside_the_network_are_refused_at_load(saved, tmp_path):
    path = edited(saved["next_event"], tmp_path / "never.zip", setter("scoring", "never_expected", value=[0, 999]))
    with pytest.raises(DetectorFileError, match=r"never_expected \[0, 999\] holds ids outside the network's"):
        load_detector(path)


def test_a_missing_normalizer_is_refused_when_the_detector_was_trained_with_one(saved, tmp_path, caplog):
    """Without a manifest (a file from before manifests) nothing else would notice the missing normalizer."""
    path = edited(saved["classifier"], tmp_path / "nonorm.zip", lambda doc: None, drop={"normalizer.bin"},
                  manifest=False)
    with caplog.at_level(logging.WARNING), pytest.raises(DetectorFileError,
                                                          match="trained with normalize=True but the file holds no normalizer.bin"):
        load_detector(path)
    assert "trained with normalize=True but the file holds no normalizer.bin" in java_refusal(path)


def test_a_newer_etl_spec_version_names_the_file_and_says_to_upgrade(saved, tmp_path):
    import dl4j_bridge as db
    from dl4j_bridge.etl import Pipeline

    with zipfile.ZipFile(saved["classifier"]) as z:
        spec = json.loads(z.read("dl4j_bridge.etl_spec.json"))
    assert spec["version"] == 4
    spec["version"] = 5
    (tmp_path / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(db.etl.SpecError, match=r"spec\.json: unsupported spec version 5; this dl4j_bridge reads "
                                               r"versions 1, 2, 3, 4: upgrade dl4j_bridge"):
        Pipeline.load(tmp_path / "spec.json")
    spec["version"] = 1   # saved before overflow: read, its long sessions cut as they were
    (tmp_path / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    Pipeline.load(tmp_path / "spec.json")


def test_saving_with_a_pipeline_of_other_features_is_refused(saved, tmp_path):
    from dl4j_bridge.etl import Categorical, JsonLinesReader, Pipeline, Windows

    detector = load_detector(saved["classifier"])
    other = Pipeline(JsonLinesReader(), [Categorical("level")], Windows(length=5))
    other.fit(['{"level": "INFO"}', '{"level": "WARN"}'])
    with pytest.raises(ValueError, match=r"the pipeline makes 3 features per step but the network takes 52"):
        detector.save(tmp_path / "mismatch.zip", pipeline=other)
    assert not (tmp_path / "mismatch.zip").exists()


#: The keys each part of a saved file holds today. Readers ignore keys they do not know, so a key a reader of the
#: previous version would read a file differently without is a new VERSION (persistence.VERSION and
#: DetectorFile.VERSION for the detector document, SPEC_VERSION and EtlSpec.VERSION for the ETL spec; both sides
#: read every older version). Add new keys here once that is decided.
WRITTEN_KEYS = {
    # "updates": what update() did, for people; no reader scores a file differently with or without it; nor with or
    # without "trained_on" (the fit's ND4J thread count and CPU build)
    "detector": {"created_by", "feature_names", "format", "kind", "n_events", "params", "scoring", "threshold",
                 "threshold_method", "trained_on", "untrained_ids", "updates", "version"},
    "scoring:next_event": {"end_id", "end_min_probability", "kind", "never_expected", "oov_id", "score", "steps",
                           "top_g"},
    "scoring:sequence_classifier": {"aggregation", "kind", "positive_classes"},
    # a new kind: readers of before refuse it as an unknown kind (both sides), so no version was needed
    "scoring:next_value": {"aggregation", "kind", "residual_variances", "target_names", "targets"},
    "spec": {"feature_names", "format", "n_fit_records", "output", "reader", "schema", "sequence", "split",
             "transforms", "version"},
    "sequence:sessions": {"gap", "key", "kind", "max_length", "overflow"},
    "sequence:windows": {"kind", "length", "next_event", "pad_last", "stride"},
    "reader:csv": {"chunk_lines", "delimiter", "encoding", "fields", "kind", "mode", "types"},
    "reader:jsonl": {"chunk_lines", "encoding", "fields", "kind", "mode", "types"},
    "reader:text": {"chunk_lines", "continuation", "encoding", "fields", "kind", "line_rules", "log_format", "mode",
                    "regex", "types"},
    "transform:categorical": {"categories", "column", "encoding", "kind", "max_categories", "min_count", "missing",
                              "unknown_index"},
    "transform:extract": {"column", "into", "kind", "pattern"},
    "transform:ip": {"categories", "column", "kind", "max_categories", "missing", "prefix", "private_networks"},
    "transform:label": {"classes", "column", "kind", "negative", "positive"},
    "transform:numeric": {"column", "count", "indicator", "kind", "log1p", "max", "mean", "min", "missing", "scaling",
                          "std"},
    "transform:port": {"buckets", "categories", "column", "kind", "max_categories", "missing"},
    "transform:template": {"column", "kind", "message_lines", "miner", "missing", "onehot", "oov_id"},
    "transform:timestamp": {"column", "delta_by", "format", "kind", "missing", "name", "year"},
}


def test_every_key_a_file_holds_is_one_its_version_was_decided_for(saved):
    """A file read by the previous version's reader must be refused (its version is newer), not read without the
    keys that reader does not know: new keys fail here until their version is decided."""
    from dl4j_bridge.detectors.persistence import VERSION
    from dl4j_bridge.etl.pipeline import SPEC_VERSION

    found: dict = {}
    for path in saved.values():
        with zipfile.ZipFile(path) as z:
            doc = json.loads(z.read(DOC))
        assert doc["version"] == VERSION
        found.setdefault("detector", set()).update(doc)
        found.setdefault(f"scoring:{doc['kind']}", set()).update(doc["scoring"])
    for vector in sorted(PARITY.glob("etl_*.json")):   # the Python ETL's specs of today (test_parity_vectors)
        spec = json.loads(vector.read_text(encoding="utf-8"))["spec"]
        assert spec["version"] == SPEC_VERSION
        found.setdefault("spec", set()).update(spec)
        found.setdefault(f"sequence:{spec['sequence']['kind']}", set()).update(spec["sequence"])
        found.setdefault(f"reader:{spec['reader']['kind']}", set()).update(spec["reader"])
        for transform in spec["transforms"]:
            found.setdefault(f"transform:{transform['kind']}", set()).update(transform)
    for part, keys in sorted(found.items()):
        new = keys - WRITTEN_KEYS.get(part, set())
        assert not new, (f"{part} holds keys {sorted(new)} no version was decided for: if a reader of the current "
                         "version would score a file with them differently, bump the version (Python and JVM), "
                         "then list them in WRITTEN_KEYS")
    assert {"scoring:next_event", "scoring:sequence_classifier", "scoring:next_value", "sequence:sessions",
            "sequence:windows"} <= set(found)


def test_a_version_1_next_event_file_ranks_every_output_as_it_did(saved, tmp_path):
    """Saved before never_expected (version 1: no such key): loaded with never_expected=None, which is what its
    scores were, not the default 'untrained' (which would report, and re-save, another behaviour)."""
    def as_version_1(doc):
        doc["version"] = 1
        del doc["scoring"]["never_expected"]
        del doc["params"]["never_expected"]

    old = edited(saved["next_event"], tmp_path / "v1.zip", as_version_1)
    detector = load_detector(old)
    assert detector.get_params()["never_expected"] is None and detector.never_expected_ == ()
    reference = load_detector(saved["next_event"]).with_params(never_expected=None)
    from dl4j_bridge.detectors.deeplog import KeyVocabulary, session_windows

    sessions = [tuple(1 + (i * 3 + j) % 5 for j in range(8)) for i in range(10)]
    batch = session_windows(sessions, KeyVocabulary.fit(sessions), h=4).batch
    np.testing.assert_array_equal(detector.decision_function(batch), reference.decision_function(batch))
    resaved = detector.save(tmp_path / "resaved.zip")
    with zipfile.ZipFile(resaved) as z:
        doc = json.loads(z.read(DOC))
    assert doc["version"] == 2 and not doc["scoring"].get("never_expected") and doc["params"]["never_expected"] is None
    # the JVM reads version 1 files too (JUnit LogAnomalyScorerTest.unknownDetectorVersionIsRefusedClearly)


SPEC = "dl4j_bridge.etl_spec.json"
DEEP = b'{"a":' * 100000 + b"1" + b"}" * 100000


def with_entry(src: Path, dst: Path, name: str, data: bytes) -> Path:
    """A copy of ``src`` with entry ``name`` replaced by ``data``, its manifest recomputed to match."""
    with zipfile.ZipFile(src) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    entries[name] = data
    manifest = json.loads(entries[MANIFEST])
    manifest["entries"] = {n: {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                           for n, b in entries.items() if n != MANIFEST}
    manifest["etl_spec_sha256"] = hashlib.sha256(entries[SPEC]).hexdigest() if SPEC in entries else None
    entries[MANIFEST] = json.dumps(manifest).encode()
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for n, b in entries.items():
            z.writestr(n, b)
    return dst


def _with_big_integer(text: bytes) -> bytes:
    return b'{"x": ' + b"9" * 5000 + b", " + text.lstrip()[1:]


@pytest.mark.parametrize("entry, damage, says", [
    (DOC, lambda _: DEEP, rf"{DOC} nests deeper than Python can parse \(restore a backup"),
    (DOC, _with_big_integer, rf"{DOC} is not valid JSON \(it holds an integer of thousands of digits\)"),
    (SPEC, lambda _: DEEP, rf"{SPEC}: nests deeper than Python can parse \(restore a backup"),
    (SPEC, _with_big_integer, rf"{SPEC}: .*integer"),
])
def test_a_document_nested_too_deep_or_with_a_huge_integer_is_a_detector_file_error(saved, tmp_path, entry, damage,
                                                                                     says):
    """Nested 100,000 deep it was an 'unexpected RecursionError' (exit 4); a 5000-digit integer a bare ValueError
    about sys.set_int_max_str_digits; neither named the file or the entry."""
    with zipfile.ZipFile(saved["classifier"]) as z:
        text = z.read(entry)
    path = with_entry(saved["classifier"], tmp_path / "tampered.zip", entry, damage(text))
    with pytest.raises(DetectorFileError, match=says) as error:
        load_detector(path)
    assert str(error.value).startswith(f"{path}: ")


@pytest.mark.parametrize("entry, edit, java_words", [
    (DOC, lambda t: t.replace(b'"top_g": 3', b'"top_g": 1099511627776'),
     "top_g must be a whole number from -2147483648 to 2147483647, got 1099511627776"),
    (DOC, lambda t: t.replace(b'"top_g": 3', b'"top_g": ' + b"9" * 5000),
     "top_g must be a whole number from -2147483648 to 2147483647, got 9999999999999999999999999999999999999999"
     "... (5000 characters)"),
    (SPEC, lambda t: t.replace(b'"length": 10', b'"length": 1099511627776'),
     "Windows length must be a whole number from -2147483648 to 2147483647, got 1099511627776"),
])
def test_the_jvm_refuses_an_integer_beyond_int_instead_of_truncating_it(jvm, tmp_path, entry, edit, java_words):
    """asInt read top_g = 2^40 as 0 ('top_g must be >= 1, got 0') and a 5000-digit number as -1."""
    source = PARITY / "detector_next_event.zip"
    with zipfile.ZipFile(source) as z:
        text = z.read(entry)
    changed = edit(text)
    assert changed != text
    message = java_refusal(with_entry(source, tmp_path / "tampered.zip", entry, changed))
    assert java_words in message, message
