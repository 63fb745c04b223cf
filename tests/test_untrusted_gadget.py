"""Acceptance: a model zip whose preprocessor.bin holds a serialised gadget is refused by the Python and the
Java loader without deserialising it, and the JVM's serial filter blocks the gadget even past the zip check.

The gadget (tests/java/MarkerGadget.java) writes a marker file from its ``readObject``; it is compiled here
and put on the classpath of each JVM, so only the checks (not a missing class) can keep it from running. A
control run with the filter opened for the gadget shows the marker does appear when it is deserialised.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pytest

from bridge_testing import REPO, assert_ok, missing_resource, run_python

PARITY = REPO / "java" / "src" / "test" / "resources" / "parity"


@pytest.fixture(scope="module")
def gadget(dist, jvm, tmp_path_factory):
    """(classes dir, crafted detector zip, marker path, serialised payload)."""
    from dl4j_bridge.detectors import load_detector

    javac = shutil.which("javac")
    if javac is None:
        missing_resource("javac (a JDK)")
    tmp = tmp_path_factory.mktemp("gadget")
    classes = tmp / "classes"
    subprocess.run([javac, "-d", str(classes), str(REPO / "tests" / "java" / "MarkerGadget.java")], check=True,
                   capture_output=True, timeout=300)
    marker = tmp / "readObject-ran.txt"
    payload = tmp / "gadget.ser"
    subprocess.run(["java", "-cp", str(classes), "MarkerGadget", str(marker), str(payload)], check=True,
                   capture_output=True, timeout=300)
    assert payload.read_bytes()[:2] == b"\xac\xed" and not marker.exists()
    saved = load_detector(PARITY / "detector_classifier.zip").save(tmp / "detector.zip")
    crafted = tmp / "crafted.zip"
    shutil.copyfile(saved, crafted)
    with zipfile.ZipFile(crafted, "a") as z:
        z.writestr("preprocessor.bin", payload.read_bytes())
    return classes, crafted, marker, payload


PYTHON_LOADERS = """
import os, sys, jpype, dl4j_bridge as db
from dl4j_bridge.detectors import load_detector
lib, classes, crafted, marker, payload = {args}
db.start_jvm(classpath=[lib + "/*", classes]{options})
jpype.JClass("MarkerGadget")                     # the gadget is on the classpath: only the checks can stop it
for name, load in (("Network.load", lambda: db.Network.load(crafted, trusted={trusted})),
                   ("load_detector", lambda: load_detector(crafted, trusted={trusted}))):
    try:
        load()
        print(name, "LOADED")
    except db.UntrustedModelError as error:
        print(name, "REFUSED", error)
    except Exception as error:
        print(name, "FAILED", type(error).__name__, str(error)[:300])
    print(name, "MARKER", os.path.exists(marker))
# past the zip check: DL4J itself, then the bytes straight into an ObjectInputStream
def root(error):
    while error.getCause() is not None:
        error = error.getCause()
    return error.getClass().getName(), error.getMessage()

File = jpype.JClass("java.io.File")
try:
    jpype.JClass("org.deeplearning4j.util.ModelSerializer").restoreMultiLayerNetwork(File(crafted), False)
    print("dl4j LOADED")
except jpype.JException as error:
    print("dl4j FAILED", *root(error))
print("dl4j MARKER", os.path.exists(marker))
# (through a library class: an ObjectInputStream made from Python resolves no class of the classpath)
try:
    jpype.JClass("org.apache.commons.lang3.SerializationUtils").deserialize(
        jpype.JClass("java.io.FileInputStream")(payload))
    print("stream READ")
except jpype.JException as error:
    print("stream FAILED", *root(error))
print("stream MARKER", os.path.exists(marker))
"""


def _run(gadget, dist, *, trusted=False, options=""):
    classes, crafted, marker, payload = gadget
    code = PYTHON_LOADERS.replace("{args}", repr([str(dist / "lib"), str(classes), str(crafted), str(marker),
                                                  str(payload)]))
    code = code.replace("{options}", options).replace("{trusted}", str(trusted))
    return assert_ok(run_python(code))


def test_python_refuses_the_gadget_and_the_serial_filter_blocks_it_past_the_check(gadget, dist):
    marker = gadget[2]
    out = _run(gadget, dist)
    assert "Network.load REFUSED" in out and "load_detector REFUSED" in out, out
    assert "refused entry 'preprocessor.bin'" in out
    assert "dl4j FAILED java.io.InvalidClassException filter status: REJECTED" in out, out
    assert "stream FAILED java.io.InvalidClassException filter status: REJECTED" in out, out
    assert "MARKER True" not in out and not marker.exists()


def test_control_the_gadget_runs_when_the_users_filter_lets_it_through(gadget, dist):
    """The user's -Djdk.serialFilter wins over ours, and trusted=True hands the zip to DL4J as it is."""
    marker = gadget[2]
    try:
        out = _run(gadget, dist, trusted=True, options=', jvm_options=["-Djdk.serialFilter=MarkerGadget;!*"]')
        assert "Network.load MARKER True" in out, out
    finally:
        marker.unlink(missing_ok=True)


def test_the_launcher_refuses_the_gadget_and_its_serial_filter_blocks_it(gadget, dist, tmp_path):
    classes, crafted, marker, _ = gadget
    script = (dist / "bin" / "dl4j-bridge").read_text()
    found = re.search(r'"(-Djdk\.serialFilter=[^"]*)"', script)
    assert found, "the launcher's start script sets no jdk.serialFilter"
    log = tmp_path / "app.log"
    log.write_text("")
    command = ["java", found.group(1), "-cp", f"{dist / 'lib' / '*'}:{classes}", "io.dl4jbridge.Main", "score",
               "--model", str(crafted), "--input", str(log)]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 3, refused.stderr[-2000:]
    assert "refused entry 'preprocessor.bin'" in refused.stderr and "--trusted" in refused.stderr
    assert not marker.exists()
    # --trusted skips the check: DL4J deserialises preprocessor.bin, and the filter stops the gadget
    past = subprocess.run(command + ["--trusted"], capture_output=True, text=True, timeout=300)
    assert past.returncode in (3, 4), past.stderr[-2000:]
    assert "filter status: REJECTED" in past.stderr, past.stderr[-2000:]
    assert not marker.exists()
