"""Real Java exceptions, raised through public API paths, come back as typed Python errors with the Java stack.

Each case drives the public API into a genuine failure on the JVM (no hand-thrown exceptions): a setting
DL4J does not know, damaged files loaded with ``trusted=True`` (which skips the Python-side checks, so
DL4J itself meets the damage). The Python type follows the Java root cause, the Java frames are kept in
``java_stacktrace``, and the message says what to do where the bridge can tell.
"""

from __future__ import annotations

import zipfile

import pytest

import dl4j_bridge as db
from dl4j_bridge.errors import JavaError, JavaIllegalArgumentError, JavaIOError


@pytest.mark.parametrize("setting, value, enum, a_valid_value", [
    ("weight_init", "glorot", "WeightInit", "XAVIER"),
    ("activation", "swishy", "Activation", "TANH"),
    ("output_activation", "sigmoidal", "Activation", "SOFTMAX"),
    ("loss", "cross_entropy", "LossFunction", "MCXENT"),
    ("gradient_normalization", "clip", "GradientNormalization", "ClipElementWiseAbsoluteValue"),
])
def test_a_setting_dl4j_does_not_know_names_itself_and_the_values_it_takes(jvm, setting, value, enum, a_valid_value):
    with pytest.raises(JavaIllegalArgumentError) as info:
        db.Network(db.LSTMConfig(n_in=3, n_out=2, **{setting: value}))
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error, db.Dl4jBridgeError)
    assert error.java_class == "java.lang.IllegalArgumentException"
    assert f"{setting} '{value.upper() if 'activation' in setting else value}' is not a DL4J {enum}" in str(error)
    assert "use one of [" in str(error) and a_valid_value in str(error)  # what to do
    assert "\tat io.dl4jbridge.NetworkFactory.build(" in error.java_stacktrace  # the Java frames
    assert "No enum constant" in error.java_stacktrace  # DL4J's own exception is kept (suppressed)


def test_an_unknown_lr_schedule_is_refused_before_the_jvm():
    """Python refuses it when the config is made: a run.toml's first detector used to train, and be saved, before a
    later one's schedule was refused on the JVM (which still refuses it: JUnit NetworkFactoryTest)."""
    with pytest.raises(ValueError, match=r"lr_schedule 'type' must be one of \['step', 'exponential'\] \(any case\), "
                                         r"got 'cosine'"):
        db.LSTMConfig(n_in=3, n_out=2, lr_schedule={"type": "cosine"})


def test_a_diverging_fit_is_a_typed_error_that_says_what_to_change(jvm):
    import numpy as np

    net = db.Network(db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(8,), learning_rate=1e38, updater="sgd",
                                   gradient_normalization="None"))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 10, 3)).astype(np.float32)
    y = rng.integers(0, 2, size=(64, 10))
    with pytest.raises(db.TrainingDivergedError, match="lower the learning rate") as info:
        net.fit(x, y, epochs=5, batch_size=16)
    assert isinstance(info.value, FloatingPointError) and "\tat io.dl4jbridge.Trainer" in info.value.java_stacktrace


@pytest.fixture(scope="module")
def saved(jvm, tmp_path_factory):
    path = tmp_path_factory.mktemp("java_errors") / "model.zip"
    db.Network(db.LSTMConfig(n_in=3, n_out=2)).save(path)
    return path


def damaged(saved, tmp_path, entry, change):
    out = tmp_path / f"damaged-{entry}.zip"
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, change(data) if item.filename == entry else data)
    return out


@pytest.mark.parametrize("change", [lambda b: b[: len(b) // 2], lambda b: b"\x00\x01garbage" * 10])
def test_damaged_arrays_are_refused_before_dl4j_reads_them_even_when_trusted(saved, tmp_path, change):
    # DL4J allocates what an array header declares before reading it: a crafted length crashed the process, so the
    # headers are checked on every load (a cut or garbled coefficients.bin was DL4J's EOFException before)
    path = damaged(saved, tmp_path, "coefficients.bin", change)
    for trusted in (False, True):
        with pytest.raises(db.ModelIntegrityError, match="coefficients.bin"):
            db.Network.load(path, trusted=trusted)


@pytest.mark.parametrize("entry, change, error_type, java_class, frames", [
    ("configuration.json", lambda b: b[:200], JavaIOError, "org.nd4j.shade.jackson.databind.JsonMappingException",
     "MultiLayerConfiguration"),
])
def test_a_damaged_model_loaded_as_trusted_fails_in_dl4j_with_a_typed_error(saved, tmp_path, entry, change, error_type,
                                                                            java_class, frames):
    path = damaged(saved, tmp_path, entry, change)
    with pytest.raises(db.ModelFileError):  # the checked load refuses it before DL4J sees it ...
        db.Network.load(path)
    with pytest.raises(db.ModelFileError, match=rf"^{path}: the network \(configuration.json, coefficients.bin\) "
                                                r"cannot be restored: ") as info:
        db.Network.load(path, trusted=True)   # ... trusted=True hands it to DL4J: an error naming the user's file,
    error = info.value.__cause__              # caused by DL4J's exception, which comes back typed
    assert isinstance(error, error_type)
    assert isinstance(error, JavaError) and error.java_class == java_class
    assert frames in error.java_stacktrace and "\tat io.dl4jbridge.ModelIO.load(" in error.java_stacktrace
    assert str(error) != f"{java_class}: "  # a message-less exception says where it was thrown
    if error_type is JavaIOError:
        assert isinstance(error, OSError)


def test_a_missing_entry_is_a_java_error_naming_what_dl4j_did_not_find(saved, tmp_path):
    path = tmp_path / "no-coefficients.zip"
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            if item.filename != "coefficients.bin":
                zout.writestr(item, zin.read(item.filename))
    with pytest.raises(db.ModelFileError, match=r"gotCoefficients: \[false\]") as info:
        db.Network.load(path, trusted=True)
    assert isinstance(info.value.__cause__, JavaError)
    assert "\tat io.dl4jbridge.ModelIO" in info.value.__cause__.java_stacktrace


def test_every_java_call_site_of_the_package_is_guarded():
    """A grep-level audit: each module that calls into Java converts its exceptions (java_errors / java_call)."""
    import pathlib
    import re

    package = pathlib.Path(db.__file__).parent
    unguarded = []
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if not re.search(r"jpype\.JClass\(\"io\.dl4jbridge\.|_java\(\"", text):
            continue
        if "java_errors" not in text and "java_call" not in text and "_calling_java" not in text:
            unguarded.append(str(path.relative_to(package)))
    assert unguarded == [], f"modules calling io.dl4jbridge classes without java_errors(): {unguarded}"


def test_a_javacpp_cache_that_cannot_be_created_says_where_it_is_and_how_to_move_it(dist):
    """It said only 'Could not create the cache: Set the "org.bytedeco.javacpp.cachedir" system property.'"""
    from bridge_testing import assert_ok, run_python

    out = assert_ok(run_python("""
        import dl4j_bridge as db
        db.start_jvm(jvm_options=["-Duser.home=/proc/nope", "-Djava.io.tmpdir=/proc/nope",
                                  "-Dorg.bytedeco.javacpp.cachedir=/proc/nope/cache"])
        try:
            db.Network(db.LSTMConfig(n_in=3, n_out=2))
        except db.JavaError as e:
            print("RAISED |", e)
    """))
    assert "RAISED | java.lang.UnsatisfiedLinkError" in out and "Could not create the cache" in out, out
    assert "~/.javacpp/cache" in out and "JAVA_TOOL_OPTIONS=-Dorg.bytedeco.javacpp.cachedir=" in out


def test_a_native_library_missing_from_the_cache_gets_advice_and_other_errors_none():
    from dl4j_bridge.javaerrors import native_library_advice

    trace = ("java.lang.UnsatisfiedLinkError: no jniopenblas_nolapack in java.library.path: /usr/java/packages/lib\n"
             "\tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2434)")
    assert "the cache's disk may be full" in native_library_advice(trace)
    assert native_library_advice("java.lang.IllegalStateException: boom\n\tat x.y(Z.java:1)") == ""
