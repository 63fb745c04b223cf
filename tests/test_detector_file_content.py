"""What a detector file says, checked against itself and its network by both loaders (Python's load_detector
and the JVM's DetectorFile): an edited or damaged document is refused at load, naming the file and the field,
never scored with a threshold or settings it does not really have."""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from pathlib import Path

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
    return {"classifier": load_detector(PARITY / "detector_classifier.zip").save(out / "classifier.zip"),
            "next_event": next_event.save(out / "next_event.zip")}


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
    with pytest.raises(DetectorFileError, match=r"bad\.zip: dl4j_bridge.detector.json params: top_g must be >= 1"):
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
    spec["version"] = 2
    (tmp_path / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(db.etl.SpecError, match=r"spec\.json: unsupported spec version 2; this dl4j_bridge reads "
                                               r"version 1: upgrade dl4j_bridge"):
        Pipeline.load(tmp_path / "spec.json")


def test_saving_with_a_pipeline_of_other_features_is_refused(saved, tmp_path):
    from dl4j_bridge.etl import Categorical, JsonLinesReader, Pipeline, Windows

    detector = load_detector(saved["classifier"])
    other = Pipeline(JsonLinesReader(), [Categorical("level")], Windows(length=5))
    other.fit(['{"level": "INFO"}', '{"level": "WARN"}'])
    with pytest.raises(ValueError, match=r"the pipeline makes 3 features per step but the network takes 52"):
        detector.save(tmp_path / "mismatch.zip", pipeline=other)
    assert not (tmp_path / "mismatch.zip").exists()
