"""The JVM-only scorer: the launcher and the README's Java example give Python's scores and flags.

A detector zip following the detector file contract is built here from generated logs (ETL spec,
DL4J normalizer, network, detector.json); Python scores it through ``io.dl4jbridge.DetectorScoring``
on the arrays of the Python ETL, and ``bin/dl4j-bridge score`` scores the raw test log on its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from bridge_testing import DIST, REPO, missing_resource

WINDOW = 8


def _python_scores(detector_zip, lines_or_path):
    """Scores as the Python side computes them: Python ETL arrays -> DetectorScoring (one call)."""
    import zipfile

    import jpype

    import dl4j_bridge as db
    from dl4j_bridge import arrays
    from dl4j_bridge.etl import Pipeline

    with zipfile.ZipFile(detector_zip) as z:
        spec = json.loads(z.read("dl4j_bridge.etl_spec.json"))
        detector = json.loads(z.read("dl4j_bridge.detector.json"))
    pipeline = Pipeline.from_dict(spec)
    batch = pipeline.transform(lines_or_path)
    net = db.Network.load(detector_zip)
    scores = jpype.JClass("io.dl4jbridge.DetectorScoring").score(
        net.java, net.normalizer, arrays.sequences_to_indarray(batch.x), arrays.steps_to_indarray(batch.mask, "mask"),
        arrays.steps_to_indarray(batch.step_ids.astype(np.float32), "step ids"),
        arrays.to_indarray(batch.next_ids.astype(np.float32)), json.dumps(detector["scoring"]), False)
    values = np.array(list(scores.scores), dtype=np.float64)
    return batch, values, values > detector["threshold"]


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    from dl4j_bridge.etl import LogGenerator

    generated = LogGenerator(seed=21, anomaly_rate=0.03).syslog(4000).lines
    directory = tmp_path_factory.mktemp("jvm_scorer")
    test_log = directory / "test.log"
    test_lines = generated[3000:] + ["a line that matches no format", ""]
    test_log.write_text("\n".join(test_lines) + "\n", encoding="utf-8")
    return {"train": generated[:3000], "test_log": test_log, "dir": directory}


@pytest.fixture(scope="module")
def detector_zip(jvm, logs):
    """A next-event detector zip per the contract, trained briefly on the generated training logs."""
    import jpype

    import dl4j_bridge as db
    from dl4j_bridge import arrays
    from dl4j_bridge.etl import SYSLOG_FORMAT, SYSLOG_TIME_FORMAT, Categorical, Pipeline, Template, TextReader, \
        Timestamp, Windows

    pipeline = Pipeline(TextReader(SYSLOG_FORMAT, mode="lenient"),
                        [Template("Content"), Categorical("Service"),
                         Timestamp(["Month", "Day", "Time"], format=SYSLOG_TIME_FORMAT, year=2024)],
                        Windows(WINDOW, stride=1, next_event=True))
    pipeline.fit(logs["train"])
    batch = pipeline.transform(logs["train"])
    n_out = pipeline.n_template_ids
    net = db.Network(db.LSTMConfig(n_in=len(pipeline.feature_names), n_out=n_out, hidden_sizes=(16,), seed=4,
                                   learning_rate=0.05))
    net.fit_normalizer(batch.x, batch.mask)
    targets = jpype.JClass("io.dl4jbridge.DetectorScoring").nextEventTargets(
        arrays.steps_to_indarray(batch.mask, "mask"), arrays.steps_to_indarray(batch.step_ids.astype(np.float32), "ids"),
        arrays.to_indarray(batch.next_ids.astype(np.float32)))
    net.fit(batch.x, arrays.steps_from_indarray(targets).astype(np.int64), epochs=2, batch_size=512)
    scoring = {"kind": "next_event", "top_g": 3, "score": "share", "steps": "all", "oov_id": 0}
    detector = {"format": "dl4j_bridge.detector", "version": 1, "kind": "next_event", "threshold": 0.0,
                "threshold_method": {"method": "median of the training scores (test fixture)"}, "scoring": scoring,
                "feature_names": list(pipeline.feature_names), "created_by": "tests/test_jvm_scorer.py"}
    path = logs["dir"] / "next_event.zip"
    entries = {"dl4j_bridge.etl_spec.json": json.dumps(pipeline.to_dict()),
               "dl4j_bridge.detector.json": json.dumps(detector)}
    net.save(path, extra_entries=entries)
    _, train_scores, _ = _python_scores(path, logs["train"])
    detector["threshold"] = float(np.median(train_scores))  # some windows flagged, most not
    entries["dl4j_bridge.detector.json"] = json.dumps(detector)
    net.save(path, extra_entries=entries)
    return path


def _launcher(*args, stdin=None, timeout=300):
    launcher = DIST / "bin" / "dl4j-bridge"
    if not launcher.is_file():
        missing_resource(f"the launcher {launcher} (run: make build)")
    env = dict(os.environ, OMP_NUM_THREADS="2")
    return subprocess.run([str(launcher), *map(str, args)], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_launcher_gives_pythons_scores_and_flags(detector_zip, logs):
    batch, scores, flags = _python_scores(detector_zip, logs["test_log"])
    proc = _launcher("score", "--model", detector_zip, "--input", logs["test_log"])
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == len(batch) > 900
    got = np.array([r["score"] for r in results])
    assert np.abs(got - scores).max() <= 1e-5
    assert [r["anomaly"] for r in results] == flags.tolist()
    assert 0 < flags.sum() < len(flags)
    assert proc.returncode == 1  # something was flagged
    assert [r["window"] for r in results] == [int(k) for k in batch.keys]
    for r, lines in zip(results, batch.line_numbers):
        assert r["lines"] == [int(v) for v in lines]
    flagged = next(r for r in results if r["anomaly"])
    detail = flagged["detail"]
    assert detail["unexpected"] and len(detail["expected"]) == 3 and detail["template"]
    assert detail["line"] in flagged["lines"] or detail["line"] == flagged["lines"][-1] + 1
    summary = json.loads(proc.stderr.strip().splitlines()[-1])
    assert summary["bad_lines"] == 1 and summary["blank_lines"] == 1 and summary["flagged"] == int(flags.sum())


def test_stdin_stream_and_threshold_override(detector_zip, logs):
    text = logs["test_log"].read_text(encoding="utf-8")
    everything = _launcher("score", "--model", detector_zip, "--input", "-", "--threshold", "-1", stdin=text)
    nothing = _launcher("score", "--model", detector_zip, "--input", "-", "--threshold", "2",
                        "--only-anomalies", stdin=text)
    assert everything.returncode == 1, everything.stderr[-2000:]
    assert nothing.returncode == 0, nothing.stderr[-2000:]
    assert nothing.stdout == ""
    assert all(json.loads(line)["anomaly"] for line in everything.stdout.splitlines())


def test_errors_name_the_problem(detector_zip, logs, tmp_path):
    strict = _launcher("score", "--model", detector_zip, "--input", logs["test_log"], "--strict")
    assert strict.returncode == 3
    assert re.search(r"test\.log:\d+: no format match", strict.stderr), strict.stderr[-2000:]
    assert _launcher("score", "--model", tmp_path / "none.zip", "--input", logs["test_log"]).returncode == 3
    usage = _launcher("score", "--input", logs["test_log"])
    assert usage.returncode == 2 and "missing --model" in usage.stderr


def test_readme_java_example_compiles_and_runs(detector_zip, logs, tmp_path):
    javac = shutil.which("javac")
    if javac is None:
        missing_resource("javac (a JDK)")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Deploy on the JVM", 1)[1]
    source = re.search(r"```java\n(.*?)```", section, re.S).group(1)
    (tmp_path / "ScoreLogs.java").write_text(source, encoding="utf-8")
    classpath = f"{DIST / 'lib'}/*"
    compiled = subprocess.run([javac, "-cp", classpath, "-d", str(tmp_path), str(tmp_path / "ScoreLogs.java")],
                              capture_output=True, text=True, timeout=120)
    assert compiled.returncode == 0, compiled.stderr
    ran = subprocess.run(["java", "-cp", f"{classpath}:{tmp_path}", "ScoreLogs", str(detector_zip),
                          str(logs["test_log"])], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, OMP_NUM_THREADS="2"))
    assert ran.returncode == 0, ran.stderr[-3000:]
    launcher = _launcher("score", "--model", detector_zip, "--input", logs["test_log"], "--only-anomalies")
    assert ran.stdout.splitlines() == launcher.stdout.splitlines()
    assert len(ran.stdout.splitlines()) > 0
