"""ModelSerializer zips: round trips, resumable training, atomic saves, and restore in plain Java."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import dl4j_bridge as db
from bridge_testing import REPO, missing_resource


@pytest.fixture(autouse=True)
def _jvm(jvm):
    return jvm


@pytest.fixture
def trained(burst_data):
    X, Y = burst_data
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(12, 8), learning_rate=0.05))
    net.fit(X, Y, epochs=2, batch_size=32, progress=False)
    return net


def test_save_and_load_give_the_same_network(trained, burst_data, tmp_path):
    X, _ = burst_data
    path = trained.save(tmp_path / "sub" / "model.zip")
    assert path.is_file()
    entries = set(zipfile.ZipFile(path).namelist())
    assert {"configuration.json", "coefficients.bin", "updaterState.bin", "dl4j_bridge.lstm_config.json"} <= entries
    loaded = db.Network.load(path)
    assert loaded.config == trained.config
    assert np.array_equal(loaded.params(), trained.params())
    assert np.array_equal(loaded.predict_proba(X), trained.predict_proba(X))
    assert loaded.config_json() == trained.config_json()


def test_a_saved_model_gets_a_new_files_permissions_and_a_replaced_one_keeps_its_own(trained, tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        fresh = trained.save(tmp_path / "fresh.zip")
        assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o644   # not 0600: another account may read it
        shared = tmp_path / "shared.zip"
        trained.save(shared)
        os.chmod(shared, 0o640)
        trained.save(shared)
        assert stat.S_IMODE(os.stat(shared).st_mode) == 0o640
    finally:
        os.umask(old)
    assert not [p for p in os.listdir(tmp_path) if ".partial" in p]


def test_a_save_killed_midway_leaves_the_old_file_and_the_next_save_clears_its_debris(trained, tmp_path):
    """SIGKILL (or a Ctrl-C that ends the JVM at once) mid-save: the old file is intact, and the work directory
    the killed save left beside it is removed by the next save of that file."""
    import os
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "big.zip"
    trained.save(target)
    script = (
        "import numpy, sys\n"
        "numpy.linalg.norm(numpy.ones(2))\n"
        "import dl4j_bridge as db\n"
        "db.start_jvm()\n"
        "net = db.Network(db.LSTMConfig(n_in=64, n_out=64, hidden_sizes=(384, 384)))\n"
        "while True:\n"
        "    net.save(sys.argv[1])\n")
    debris = []
    for attempt in range(5):   # a kill that lands between two saves leaves nothing to clear: try again
        child = subprocess.Popen([sys.executable, "-c", script, str(target)],
                                 env=dict(os.environ, OMP_NUM_THREADS="1"), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 240
            while not [p for p in os.listdir(tmp_path) if p.endswith(".partial.d")]:
                assert child.poll() is None, child.stderr.read()[-3000:]
                assert time.monotonic() < deadline, "the child never started a save"
                time.sleep(0.005)
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait(60)
        debris = [p for p in os.listdir(tmp_path) if ".partial" in p]
        if debris:
            break
    assert debris, "five kills all landed between saves"
    # the old file or a complete one from an earlier round of the loop, never a torn one (the manifest is checked)
    assert db.Network.load(target).config in (trained.config, db.LSTMConfig(n_in=64, n_out=64, hidden_sizes=(384, 384)))
    trained.save(target)
    assert sorted(os.listdir(tmp_path)) == ["big.zip"], os.listdir(tmp_path)


def test_a_save_that_cannot_be_made_names_the_file_and_why_not_a_temporary_path(trained, tmp_path):
    from dl4j_bridge.errors import JavaIOError

    (tmp_path / "afile").write_text("")
    target = tmp_path / "afile" / "m.zip"
    with pytest.raises(JavaIOError) as caught:
        trained.save(target)
    assert f"cannot save the model to {target}: {tmp_path / 'afile'} is not a directory (the file there, if any, " \
           "is unchanged)" in str(caught.value)
    assert ".partial" not in str(caught.value)


def test_training_continues_from_the_saved_updater_state(trained, burst_data, tmp_path):
    X, Y = burst_data
    path = trained.save(tmp_path / "m.zip", save_updater=True)
    resumed = db.Network.load(path, load_updater=True)
    fresh_updater = db.Network.load(path, load_updater=False)
    trained.fit(X, Y, epochs=1, batch_size=32, progress=False)
    resumed.fit(X, Y, epochs=1, batch_size=32, progress=False)
    fresh_updater.fit(X, Y, epochs=1, batch_size=32, progress=False)
    assert np.array_equal(resumed.params(), trained.params())        # same momentum, same steps
    assert not np.allclose(fresh_updater.params(), trained.params())  # the state really mattered


def test_save_without_updater_leaves_it_out(trained, tmp_path):
    path = trained.save(tmp_path / "m.zip", save_updater=False)
    assert "updaterState.bin" not in zipfile.ZipFile(path).namelist()
    db.Network.load(path)


def test_extra_entries_are_flat_text(trained, tmp_path):
    path = trained.save(tmp_path / "m.zip", extra_entries={"dl4j_bridge.detector.json": '{"threshold": 0.5}'})
    assert zipfile.ZipFile(path).read("dl4j_bridge.detector.json") == b'{"threshold": 0.5}'
    with pytest.raises(db.JavaError, match="flat file names"):
        trained.save(tmp_path / "m2.zip", extra_entries={"dir/x.json": "{}"})
    # a name the checked loader would refuse is refused at save time, not discovered at load time
    with pytest.raises(db.JavaError, match="would make the file unloadable without trusted=true"):
        trained.save(tmp_path / "m2.zip", extra_entries={"dl4j_bridge.threshold.json": "{}"})
    assert not (tmp_path / "m2.zip").exists()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file"):
        db.Network.load(tmp_path / "absent.zip")


KILLER = """
import sys, numpy as np, dl4j_bridge as db
db.start_jvm(home=sys.argv[2], threads=1)
net = db.Network(db.LSTMConfig(n_in=64, n_out=32, hidden_sizes=(256, 256)))
i = 0
while True:
    net.save(sys.argv[1])
    i += 1
    print("saved", i, flush=True)
"""


def test_a_save_killed_midway_leaves_the_previous_file_intact(dist, tmp_path):
    target = tmp_path / "model.zip"
    X = np.random.default_rng(0).normal(size=(2, 3, 64)).astype(np.float32)
    for delay in (0.0, 0.013, 0.037, 0.071):
        proc = subprocess.Popen([sys.executable, "-c", KILLER, str(target), str(dist)],
                                stdout=subprocess.PIPE, text=True, cwd=str(REPO))
        assert proc.stdout.readline().startswith("saved"), "the writer never saved"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        size = target.stat().st_size
        assert size > 1_000_000  # ~1.2M parameters, with updater state
        with zipfile.ZipFile(target) as z:
            assert z.testzip() is None
        assert db.Network.load(target).predict_proba(X).shape == (2, 3, 32)


def test_a_model_saved_from_python_restores_in_plain_java(trained, burst_data, dist, tmp_path):
    javac = shutil.which("javac")
    if javac is None:
        missing_resource("javac (a JDK)")
    X, _ = burst_data
    model = trained.save(tmp_path / "m.zip")
    classes = tmp_path / "classes"
    cp = str(dist / "lib" / "*")
    subprocess.run([javac, "-cp", cp, "-d", str(classes), str(REPO / "tests" / "java" / "RestoreAndPredict.java")],
                   check=True, capture_output=True, timeout=300)
    np.save(tmp_path / "x.npy", np.ascontiguousarray(X.transpose(0, 2, 1)))   # DL4J layout
    proc = subprocess.run(["java", "-cp", f"{classes}:{cp}", "RestoreAndPredict", str(model),
                           str(tmp_path / "x.npy"), str(tmp_path / "y.npy")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    java_out = np.load(tmp_path / "y.npy").transpose(0, 2, 1)
    python_out = trained.predict_proba(X)
    assert java_out.shape == python_out.shape
    assert np.abs(java_out - python_out).max() <= 1e-6


def test_the_launcher_predicts_like_python(trained, burst_data, dist, tmp_path):
    X, _ = burst_data
    mask = np.ones(X.shape[:2], np.float32)
    mask[:, 10:] = 0
    model = trained.save(tmp_path / "m.zip")
    np.save(tmp_path / "x.npy", np.ascontiguousarray(X.transpose(0, 2, 1)))
    np.save(tmp_path / "mask.npy", mask)
    proc = subprocess.run([str(dist / "bin" / "dl4j-bridge"), "predict", "--model", str(model), "--input",
                           str(tmp_path / "x.npy"), "--mask", str(tmp_path / "mask.npy"), "--output",
                           str(tmp_path / "y.npy")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    java_out = np.load(tmp_path / "y.npy").transpose(0, 2, 1)
    assert np.abs(java_out - trained.predict_proba(X, mask)).max() <= 1e-6


def test_the_launcher_applies_the_saved_normalizer_as_python_does(burst_data, dist, tmp_path):
    """It ignored normalizer.bin: outputs differed from Network.load(path).predict_proba(X), silently."""
    X, Y = burst_data
    X = X * 5.0 + 2.0   # far from mean 0, std 1: the normalizer matters
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(12,), learning_rate=0.05))
    net.fit(X, Y, epochs=1, batch_size=64, progress=False, fit_normalizer=True)
    model = net.save(tmp_path / "m.zip")
    loaded = db.Network.load(model)
    assert loaded.normalizer is not None
    mask = np.ones(X.shape[:2], np.float32)
    mask[::2, 7:] = 0
    np.save(tmp_path / "mask.npy", mask)
    run = [str(dist / "bin" / "dl4j-bridge"), "predict", "--model", str(model), "--output", str(tmp_path / "y.npy")]
    for dtype in (np.float32, np.float64):   # float64 is converted, as Python converts it
        np.save(tmp_path / "x.npy", np.ascontiguousarray(X.transpose(0, 2, 1)).astype(dtype))
        for with_mask in (False, True):
            extra = ["--mask", str(tmp_path / "mask.npy")] if with_mask else []
            proc = subprocess.run(run + ["--input", str(tmp_path / "x.npy")] + extra, capture_output=True, text=True,
                                  timeout=300)
            assert proc.returncode == 0, proc.stderr[-3000:]
            java_out = np.load(tmp_path / "y.npy").transpose(0, 2, 1)
            python_out = loaded.predict_proba(X, mask if with_mask else None)
            assert np.abs(java_out - python_out).max() <= 1e-6, (dtype, with_mask)
    loaded.normalizer = None   # the test means something: without it the outputs differ
    assert np.abs(java_out - loaded.predict_proba(X, mask)).max() > 1e-3


def test_the_launcher_refuses_a_mask_or_x_that_python_refuses(trained, burst_data, dist, tmp_path):
    """They were accepted and ignored (a bad mask), or failed with a raw Java exception, exit 4 (a bad x)."""
    X, _ = burst_data
    model = trained.save(tmp_path / "m.zip")
    x = np.ascontiguousarray(X[:2, :7].transpose(0, 2, 1))   # [2, 3, 7]
    np.save(tmp_path / "x.npy", x)
    run = [str(dist / "bin" / "dl4j-bridge"), "predict", "--model", str(model), "--output", str(tmp_path / "y.npy")]

    def refused(x_path, mask=None):
        extra = [] if mask is None else ["--mask", str(tmp_path / "m.npy")]
        if mask is not None:
            np.save(tmp_path / "m.npy", mask)
        proc = subprocess.run(run + ["--input", str(x_path)] + extra, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 3, proc.stderr[-3000:]
        assert "Exception" not in proc.stderr, proc.stderr
        return proc.stderr

    for mask, got in [(np.ones((2, 5), np.float32), "got [2, 5]"), (np.ones((3, 7), np.float32), "got [3, 7]"),
                      (np.full((2, 7), 5.0, np.float32), "got 5.0 at [batch 0, step 0]")]:
        with pytest.raises(db.ShapeError):
            trained.predict_proba(X[:2, :7], mask)
        err = refused(tmp_path / "x.npy", mask)
        assert f"{tmp_path / 'm.npy'}: mask must be [batch, time] = [2, 7] of 0/1, {got}" in err
    np.save(tmp_path / "python.npy", X[:2, :7])   # [2, 7, 3]: Python's layout
    err = refused(tmp_path / "python.npy")
    assert f"{tmp_path / 'python.npy'}: x must be [batch, features, time] = [batch, 3, time]" in err
    assert "got [2, 7, 3]" in err and "transpose" in err
    np.save(tmp_path / "flat.npy", x[0])
    assert "got [3, 7] (rank 2)" in refused(tmp_path / "flat.npy")
    (tmp_path / "app.jsonl").write_text('{"msg": "login failed"}\n')
    assert f"{tmp_path / 'app.jsonl'} is not a .npy file (" in refused(tmp_path / "app.jsonl")


def test_the_launchers_predict_output_is_replaced_whole_or_left_alone(trained, burst_data, dist, tmp_path):
    """It was written in place: a failed write destroyed the old file and left half of the new one."""
    X, _ = burst_data
    model = trained.save(tmp_path / "m.zip")
    np.save(tmp_path / "x.npy", np.ascontiguousarray(X[:8].transpose(0, 2, 1)))
    old = tmp_path / "y.npy"
    np.save(old, np.arange(3.0))
    run = [str(dist / "bin" / "dl4j-bridge"), "predict", "--model", str(model), "--input", str(tmp_path / "x.npy")]
    proc = subprocess.run(run + ["--output", str(old)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert np.load(old).ndim == 3 and np.load(old).shape[0] == 8   # [batch, classes, time]: the new file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.zip", "x.npy", "y.npy"]   # no temporary file left
    missing = tmp_path / "no" / "y.npy"
    proc = subprocess.run(run + ["--output", str(missing)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 4, proc.stderr[-3000:]
    assert f"cannot write --output {missing}" in proc.stderr and "does not exist: create it first" in proc.stderr
