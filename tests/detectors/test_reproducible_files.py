"""Same seed and data, same detector file: in another process (another hash seed and time zone), for every detector
kind with dropout, class weights, a validation split and early stopping; and an update, which trains the network a
saved file holds (neither the network's random state nor its updater state), gives the same file every time, whether
the detector was saved and loaded first or not (README: "The detector file", "Online update")."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

import reproducible_fits
from bridge_testing import assert_ok, run_python


def _in_a_new_process(tmp_path, name: str, env: dict) -> dict:
    out = tmp_path / name
    out.mkdir()
    stdout = assert_ok(run_python(f"""
        import json, sys
        sys.path.insert(0, "tests")
        import dl4j_bridge as db
        import reproducible_fits
        db.start_jvm(threads=2)   # the test session's ND4J thread count (see conftest.jvm)
        print("DIGESTS " + json.dumps(reproducible_fits.fit_and_save({str(out)!r})))
        """, env=env))
    return json.loads(next(line for line in stdout.splitlines() if line.startswith("DIGESTS "))[len("DIGESTS "):])


def test_another_process_with_another_hash_seed_and_time_zone_saves_the_same_bytes_for_every_kind(jvm, tmp_path):
    (tmp_path / "here").mkdir()
    here = reproducible_fits.fit_and_save(tmp_path / "here")
    assert set(here) == {"next_event", "next_value", "classifier"}
    assert _in_a_new_process(tmp_path, "one", {"PYTHONHASHSEED": "1", "TZ": "UTC"}) == here
    assert _in_a_new_process(tmp_path, "two", {"PYTHONHASHSEED": "2", "TZ": "Asia/Kolkata"}) == here


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_update_of_a_saved_file_gives_the_same_file_every_time_also_with_dropout(jvm, tmp_path):
    """A loaded network starts from the random and updater state of a network of its configuration and seed right
    after being built, so updating the same file with the same data gives the same bytes, whatever ran between."""
    import dl4j_bridge as db
    from dl4j_bridge.detectors import NextEventDetector, load_detector
    from dl4j_bridge.toydata import failed_login_bursts

    normal, reported = reproducible_fits.batch(120, 1), reproducible_fits.batch(40, 4)
    det = NextEventDetector(n_events=6, dropout=0.3, hidden_sizes=(6,), epochs=3, batch_size=32, seed=5).fit(normal)
    det.save(tmp_path / "model.zip")
    digests = []
    for i in range(2):
        loaded = load_detector(tmp_path / "model.zip")
        loaded.update(reported, epochs=2)
        loaded.save(tmp_path / f"updated{i}.zip")
        digests.append(_digest(tmp_path / f"updated{i}.zip"))
        X, Y = failed_login_bursts(64, 8, seed=i)   # another network with dropout trained in between
        db.Network(db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(4,), seed=9 + i, dropout=0.5)).fit(
            X, Y, epochs=1, progress=False)
    assert digests[0] == digests[1]
    np.testing.assert_array_equal(load_detector(tmp_path / "updated0.zip").decision_function(reported),
                                  load_detector(tmp_path / "updated1.zip").decision_function(reported))
    # the detector updated in memory right after its fit does not train on from the fit's updater (momentum) and
    # random state, which no file holds: the same file
    det.update(reported, epochs=2)
    det.save(tmp_path / "in_memory.zip")
    assert _digest(tmp_path / "in_memory.zip") == digests[0]


def _small_detector(kind: str):
    """A tiny fitted detector of ``kind`` with dropout (random state) and Adam or momentum (updater state)."""
    from dl4j_bridge.detectors import NextEventDetector, NextValueDetector, SequenceClassifier

    small = dict(hidden_sizes=(6,), epochs=3, batch_size=32, seed=5)
    if kind == "next_event":
        return NextEventDetector(n_events=6, dropout=0.3, updater="adam", learning_rate=0.01, **small).fit(
            reproducible_fits.batch(120, 1))
    if kind == "classifier":
        return SequenceClassifier(dropout=0.2, updater="adam", learning_rate=0.02, **small).fit(
            reproducible_fits.batch(120, 2, anomalous=True))
    return NextValueDetector(dropout=0.3, **small).fit(reproducible_fits.batch(120, 1))   # Nesterovs' momentum


@pytest.mark.parametrize("kind", ["next_event", "classifier", "next_value"])
def test_updates_in_memory_right_after_the_fit_give_the_files_of_saving_and_loading_before_each(jvm, tmp_path, kind):
    """One rule (README "Online update"): an update depends only on what the detector file holds and on its data
    and settings. ``fit; update(a); update(b)`` in memory saves the bytes of ``fit; save; load; update(a); save;
    load; update(b)``: neither the fit's updater (Adam's moments, momentum) and random state nor the first update's
    carry over into the second."""
    from dl4j_bridge.detectors import load_detector

    a, b = reproducible_fits.batch(40, 4), reproducible_fits.batch(40, 6)
    det = _small_detector(kind)
    det.save(tmp_path / "fit.zip")
    det.update(a, epochs=2)
    det.save(tmp_path / "memory_a.zip")
    det.update(b, epochs=2)
    det.save(tmp_path / "memory_ab.zip")
    chain = load_detector(tmp_path / "fit.zip")
    chain.update(a, epochs=2)
    chain.save(tmp_path / "chain_a.zip")
    chain = load_detector(tmp_path / "chain_a.zip")
    chain.update(b, epochs=2)
    chain.save(tmp_path / "chain_ab.zip")
    assert _digest(tmp_path / "memory_a.zip") == _digest(tmp_path / "chain_a.zip")
    assert _digest(tmp_path / "memory_ab.zip") == _digest(tmp_path / "chain_ab.zip")
    assert _digest(tmp_path / "memory_ab.zip") != _digest(tmp_path / "memory_a.zip")   # the second update trained
    assert len(det.updates_) == 2 and det.updates_ == load_detector(tmp_path / "chain_ab.zip").updates_


def test_the_file_names_the_nd4j_threads_and_cpu_build_of_the_fit_and_of_each_update(jvm, tmp_path):
    """The same seed trains other last bits on another ND4J thread count or CPU build, and the manifest records only
    versions: the detector document says what the fit (and each update) ran with, so two files that differ say why;
    a file loaded and saved again keeps the fit's, and the JVM scorer reads the file as before."""
    import zipfile

    import dl4j_bridge as db
    from dl4j_bridge.detectors import NextEventDetector, load_detector

    info = db.jvm_info()
    ran = {"nd4j_threads": str(info["nd4j.omp.threads"]), "nd4j_cpu_build": str(info["nd4j.cpu.build"])}
    det = NextEventDetector(n_events=6, hidden_sizes=(4,), epochs=1, batch_size=64, seed=5).fit(
        reproducible_fits.batch(60, 1))
    assert det.trained_on_ == ran and ran["nd4j_threads"] == "2" and ran["nd4j_cpu_build"] not in ("", "?", "none")
    det.update(reproducible_fits.batch(20, 4), epochs=1)
    assert {k: det.updates_[-1][k] for k in ran} == ran
    det.save(tmp_path / "model.zip")
    with zipfile.ZipFile(tmp_path / "model.zip") as z:
        doc = json.loads(z.read("dl4j_bridge.detector.json"))
    assert doc["trained_on"] == ran and {k: doc["updates"][-1][k] for k in ran} == ran
    loaded = load_detector(tmp_path / "model.zip")
    assert loaded.trained_on_ == ran and det.with_params(top_g=2).trained_on_ == ran
    loaded.save(tmp_path / "again.zip")
    assert _digest(tmp_path / "again.zip") == _digest(tmp_path / "model.zip")
    # the JVM scorer's reader takes such a file (readers ignore keys they do not know; it needs an ETL spec)
    import jpype

    from bridge_testing import REPO

    with_spec = load_detector(REPO / "java" / "src" / "test" / "resources" / "parity" / "detector_classifier.zip")
    assert with_spec.trained_on_ is None   # saved before the key existed
    with_spec.trained_on_ = ran
    with_spec.save(tmp_path / "with_spec.zip")
    read = jpype.JClass("io.dl4jbridge.scorer.DetectorFile").read(
        jpype.JClass("java.nio.file.Paths").get(str(tmp_path / "with_spec.zip")), False)
    assert float(read.threshold) == with_spec.threshold_
