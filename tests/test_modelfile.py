"""Untrusted model files: the checks before DL4J reads a zip, the private copy, the manifest."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import stat
import struct
import subprocess
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import dl4j_bridge as db
from bridge_testing import REPO
from dl4j_bridge import modelfile
from dl4j_bridge.detectors import load_detector
from dl4j_bridge.javaerrors import java_errors
from dl4j_bridge.version import build_identity, git_revision

PARITY = REPO / "java" / "src" / "test" / "resources" / "parity"
BEFORE_MANIFEST = REPO / "tests" / "resources" / "detector_saved_before_manifest.zip"


@pytest.fixture(autouse=True)
def _jvm(jvm):
    return jvm


@pytest.fixture(scope="module")
def saved(jvm, tmp_path_factory):
    """A small trained network zip and a detector zip (with its ETL spec), both saved by this version."""
    from dl4j_bridge.toydata import failed_login_bursts

    out = tmp_path_factory.mktemp("saved")
    X, Y = failed_login_bursts(64, 12, seed=3)
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(4,)))
    net.fit(X, Y, epochs=1, batch_size=32, progress=False)
    network = net.save(out / "network.zip")
    detector = load_detector(PARITY / "detector_classifier.zip")
    detector.threshold_ = 0.25
    detector_zip = detector.save(out / "detector.zip")
    return {"network": network, "detector": detector_zip, "X": X, "net": net}


def rewrite(src: Path, dst: Path, *, add=(), drop=(), replace=None, method=zipfile.ZIP_DEFLATED) -> Path:
    """A copy of a zip with entries added ((name, bytes) pairs, duplicates allowed), dropped or replaced."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression=method) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = replace.get(info.filename, zin.read(info.filename))
            zout.writestr(info.filename, data() if callable(data) else data)
        for name, data in add:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # zipfile warns about a duplicate name, which is the point
                zout.writestr(name, data)
    return dst


def java_utf(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">H", len(data)) + data


# -- refused files ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, why", [
    ("preprocessor.bin", "Java-serialised DataSetPreProcessor"),
    ("objects/anything", "Java-serialised objects"),
    ("../outside.json", "path traversal"),
    ("/etc/cron.d/x", "path traversal"),
    ("dir\\x.json", "path traversal"),
    ("subdir/", "path traversal"),
    ("C:/x.json", "path traversal"),
    ("evil.class", "not an entry DL4J or dl4j_bridge writes"),
])
def test_an_unexpected_entry_is_refused_naming_it(saved, tmp_path, name, why):
    crafted = rewrite(saved["network"], tmp_path / "m.zip", add=[(name, b"\xac\xed\x00\x05junk")])
    with pytest.raises(db.UntrustedModelError, match=why) as error:
        db.Network.load(crafted)
    assert repr(name)[1:-1] in str(error.value) and "trusted=True" in str(error.value)


def test_a_duplicated_entry_is_refused(saved, tmp_path):
    crafted = rewrite(saved["network"], tmp_path / "m.zip", add=[("configuration.json", b"{}")])
    with pytest.raises(db.UntrustedModelError, match="'configuration.json': it appears twice"):
        db.Network.load(crafted)


def test_too_many_entries_are_refused_before_anything_is_read(saved, tmp_path):
    extra = [(f"x{i}.json", b"{}") for i in range(modelfile.MAX_ENTRIES)]
    with pytest.raises(db.UntrustedModelError, match=f"more than the limit of {modelfile.MAX_ENTRIES}"):
        db.Network.load(rewrite(saved["network"], tmp_path / "m.zip", add=extra))


def test_a_zip_bomb_entry_is_refused_by_its_ratio(saved, tmp_path):
    size = modelfile.RATIO_GRACE_BYTES + 1
    crafted = rewrite(saved["network"], tmp_path / "m.zip", replace={"updaterState.bin": lambda: bytes(size)})
    assert crafted.stat().st_size < size / 500
    with pytest.raises(db.UntrustedModelError, match=r"'updaterState.bin'.*more than 100:1.*zip bomb"):
        db.Network.load(crafted)


def test_the_total_size_limit_holds_for_declared_and_inflated_bytes(saved, tmp_path, monkeypatch):
    total = sum(i.file_size for i in zipfile.ZipFile(saved["network"]).infolist())
    monkeypatch.setattr(modelfile, "MAX_TOTAL_UNCOMPRESSED_BYTES", total - 1)
    with pytest.raises(db.UntrustedModelError, match="declare more than"):
        db.Network.load(saved["network"])
    # a central directory that understates a size: what is really inflated is checked too
    monkeypatch.setattr(modelfile, "MAX_TOTAL_UNCOMPRESSED_BYTES", 10 ** 9)
    lying = tmp_path / "lying.zip"
    data = bytearray(Path(saved["network"]).read_bytes())
    size = zipfile.ZipFile(saved["network"]).getinfo("configuration.json").file_size
    struct.pack_into("<I", data, _central_record(bytes(data), "configuration.json") + 24, size - 100)
    lying.write_bytes(bytes(data))
    with pytest.raises(db.ModelIntegrityError, match="'configuration.json'.*damaged") as refused:
        db.Network.load(lying)
    assert "if you trust this file" not in str(refused.value)   # damage is no reason to skip the checks


def _central_record(data: bytes, name: str) -> int:
    start = 0
    while True:
        offset = data.index(b"PK\x01\x02", start)
        length = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46:offset + 46 + length] == name.encode():
            return offset
        start = offset + 4


def test_another_compression_method_is_refused(saved, tmp_path):
    crafted = rewrite(saved["network"], tmp_path / "m.zip", method=zipfile.ZIP_BZIP2)
    with pytest.raises(db.UntrustedModelError, match="compression method 12"):
        db.Network.load(crafted)


def test_a_custom_normalizer_is_refused(saved, tmp_path):
    custom = java_utf("NORMALIZER") + struct.pack(">i", 1) + java_utf("CUSTOM") + java_utf("com.evil.Strategy")
    crafted = rewrite(saved["detector"], tmp_path / "d.zip", replace={"normalizer.bin": custom},
                      drop={"dl4j_bridge.manifest.json"})
    with pytest.raises(db.UntrustedModelError, match="normalizer type 'CUSTOM'"):
        load_detector(crafted)
    old_format = b"\xac\xed\x00\x05sr\x00\x10com.evil.Gadget"   # a Java-serialised normalizer (DL4J's old format)
    crafted = rewrite(saved["detector"], tmp_path / "d2.zip", replace={"normalizer.bin": old_format},
                      drop={"dl4j_bridge.manifest.json"})
    with pytest.raises(db.UntrustedModelError, match="lacks DL4J's NORMALIZER header"):
        load_detector(crafted)


def _configuration(saved) -> dict:
    return json.loads(zipfile.ZipFile(saved["network"]).read("configuration.json"))


@pytest.mark.parametrize("where", ["@class", "type", "array", "key"])
def test_a_class_outside_the_allow_list_is_refused(saved, tmp_path, where):
    conf = _configuration(saved)
    layer = conf["confs"][0]["layer"]
    if where == "@class":
        layer["activationFn"]["@class"] = "com.evil.Activation"
    elif where == "type":
        layer["weightInitFn"] = {"@class": "org.deeplearning4j.nn.weights.WeightInitDistribution",
                                 "distribution": {"type": "com.evil.Distribution"}}
    elif where == "array":
        layer["activationFn"] = ["com.evil.Activation", {}]
    else:
        layer["activationFn"] = {"com.evil.Activation": {}}
    crafted = rewrite(saved["network"], tmp_path / "m.zip", replace={"configuration.json": json.dumps(conf)},
                      drop={"dl4j_bridge.manifest.json"})
    with pytest.raises(db.UntrustedModelError, match="refused class 'com.evil.Activation'|refused class "
                                                     "'com.evil.Distribution'"):
        db.Network.load(crafted)


def test_a_repeated_class_key_is_refused(saved, tmp_path):
    text = zipfile.ZipFile(saved["network"]).read("configuration.json").decode()
    # Jackson reads the first @class, Python's json the last: either could be the evil one
    evil = text.replace('"@class" : "org.nd4j.linalg.activations.impl.ActivationTanH"',
                        '"@class" : "com.evil.Gadget", "@class" : "org.nd4j.linalg.activations.impl.ActivationTanH"', 1)
    assert evil != text
    crafted = rewrite(saved["network"], tmp_path / "m.zip", replace={"configuration.json": evil},
                      drop={"dl4j_bridge.manifest.json"})
    with pytest.raises(db.UntrustedModelError, match=r"repeats the key\(s\) \['@class'\]"):
        db.Network.load(crafted)


def test_trusted_skips_the_checks(saved, tmp_path):
    crafted = rewrite(saved["network"], tmp_path / "m.zip", add=[("notes.txt", b"mine")])
    with pytest.raises(db.UntrustedModelError, match="notes.txt"):
        db.Network.load(crafted)
    net = db.Network.load(crafted, trusted=True)
    assert np.array_equal(net.predict_proba(saved["X"]), saved["net"].predict_proba(saved["X"]))


def test_the_cli_refuses_with_exit_code_3_and_says_how_to_trust(saved, tmp_path, capsys):
    from dl4j_bridge import cli

    crafted = rewrite(saved["detector"], tmp_path / "d.zip", add=[("preprocessor.bin", b"\xac\xed")])
    logs = tmp_path / "app.log"   # an input that exists: score checks it before it loads the model
    logs.write_text("")
    assert cli.main(["score", "--model", str(crafted), "--input", str(logs)]) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "refused entry 'preprocessor.bin'" in err and "--trusted" in err


# -- the private copy ---------------------------------------------------------------------------------------
def test_dl4j_reads_a_private_read_only_copy_and_the_file_is_untouched(saved, tmp_path, monkeypatch):
    original = tmp_path / "ro.zip"
    shutil.copyfile(saved["detector"], original)
    os.utime(original, (1_000_000_000, 1_000_000_000))
    original.chmod(0o444)
    before = (original.read_bytes(), original.stat().st_mtime_ns)
    private_root = tmp_path / "tmp"
    private_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_root))
    seen = []
    real = db.Network._from_model_file.__func__

    def spy(cls, model, load_updater, trusted):
        seen.append((model.path, stat.S_IMODE(model.path.stat().st_mode), stat.S_IMODE(model.path.parent.stat().st_mode)))
        return real(cls, model, load_updater, trusted)

    monkeypatch.setattr(db.Network, "_from_model_file", classmethod(spy))
    detector = load_detector(original)
    assert detector.threshold_ == 0.25
    (copy, file_mode, dir_mode), = seen
    assert copy.parent.parent == private_root and copy != original
    assert (file_mode, dir_mode) == (0o400, 0o700)
    assert not copy.exists() and list(private_root.iterdir()) == []   # removed after the load
    assert (original.read_bytes(), original.stat().st_mtime_ns) == before


def test_a_failed_check_leaves_no_private_copy_behind(saved, tmp_path, monkeypatch):
    private_root = tmp_path / "tmp"
    private_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_root))
    crafted = rewrite(saved["network"], tmp_path / "m.zip", add=[("preprocessor.bin", b"x")])
    with pytest.raises(db.UntrustedModelError):
        db.Network.load(crafted)
    assert list(private_root.iterdir()) == []


# -- the manifest -------------------------------------------------------------------------------------------
def test_every_save_carries_a_manifest_of_what_it_wrote(saved):
    with zipfile.ZipFile(saved["detector"]) as z:
        manifest = json.loads(z.read("dl4j_bridge.manifest.json"))
        names = [n for n in z.namelist() if n != "dl4j_bridge.manifest.json"]
        hashes = {n: (len(z.read(n)), hashlib.sha256(z.read(n)).hexdigest()) for n in names}
        etl = z.read("dl4j_bridge.etl_spec.json")
        detector_doc = json.loads(z.read("dl4j_bridge.detector.json"))
    assert (manifest["format"], manifest["version"]) == ("dl4j_bridge.manifest", 1)
    assert set(manifest["versions"]) == {"dl4j_bridge", "python", "numpy", "dl4j", "java"} | (
        {"dl4j_bridge_git"} if git_revision() else set())
    assert manifest["versions"].get("dl4j_bridge_git") == git_revision()
    assert detector_doc["created_by"] == build_identity()
    assert manifest["versions"]["dl4j"] == "1.0.0-M2.1" and manifest["versions"]["dl4j_bridge"] == db.__version__
    assert manifest["versions"]["numpy"] == np.__version__
    assert {n: (e["size"], e["sha256"]) for n, e in manifest["entries"].items()} == hashes
    assert manifest["etl_spec_sha256"] == hashlib.sha256(etl).hexdigest()
    assert manifest["detector"] == {"kind": "sequence_classifier", "threshold": 0.25,
                                    "threshold_method": detector_doc["threshold_method"]}
    assert manifest["features"]["names"] == detector_doc["feature_names"]
    assert manifest["features"]["n_in"] == len(detector_doc["feature_names"]) and manifest["features"]["n_out"] == 2
    net_manifest = json.loads(zipfile.ZipFile(saved["network"]).read("dl4j_bridge.manifest.json"))
    assert net_manifest["etl_spec_sha256"] is None and "detector" not in net_manifest


def test_a_changed_byte_in_any_entry_is_caught_naming_it(saved, tmp_path):
    names = [n for n in zipfile.ZipFile(saved["detector"]).namelist() if n != "dl4j_bridge.manifest.json"]
    assert len(names) == 6
    for name in names:
        data = bytearray(zipfile.ZipFile(saved["detector"]).read(name))
        data[len(data) // 2] ^= 0x01
        tampered = rewrite(saved["detector"], tmp_path / f"{name}.zip", replace={name: bytes(data)})
        with pytest.raises(db.ModelIntegrityError, match=f"entry '{name}' differs from the manifest"):
            load_detector(tampered)
    missing = rewrite(saved["detector"], tmp_path / "missing.zip", drop={"dl4j_bridge.etl_spec.json"})
    with pytest.raises(db.ModelIntegrityError, match=r"\['dl4j_bridge.etl_spec.json'\] are in the manifest"):
        load_detector(missing)


def test_a_file_saved_before_manifests_loads_with_a_warning_saying_how_to_add_one(tmp_path, caplog):
    assert "dl4j_bridge.manifest.json" not in zipfile.ZipFile(BEFORE_MANIFEST).namelist()
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.modelfile"):
        net = db.Network.load(BEFORE_MANIFEST)
    assert "has no dl4j_bridge.manifest.json" in caplog.text and "save it again" in caplog.text
    resaved = net.save(tmp_path / "resaved.zip", save_updater=False)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.modelfile"):
        db.Network.load(resaved)
    assert "manifest" not in caplog.text


def test_a_newer_manifest_version_says_to_upgrade(saved, tmp_path):
    manifest = json.loads(zipfile.ZipFile(saved["network"]).read("dl4j_bridge.manifest.json"))
    manifest["version"] = 2
    newer = rewrite(saved["network"], tmp_path / "m.zip", replace={"dl4j_bridge.manifest.json": json.dumps(manifest)})
    with pytest.raises(db.ModelFileError, match="newer dl4j_bridge .*manifest version 2.*upgrade dl4j_bridge"):
        db.Network.load(newer)


def test_the_java_loader_applies_the_same_checks(saved, tmp_path):
    """ModelCheck (the JVM scorer's loader) on the same crafted files: same refusals, same verdicts."""
    import jpype

    check = jpype.JClass("io.dl4jbridge.ModelCheck")
    path_of = jpype.JClass("java.nio.file.Paths")
    data = bytearray(zipfile.ZipFile(saved["detector"]).read("coefficients.bin"))
    data[7] ^= 1
    cases = {
        "preprocessor": (rewrite(saved["detector"], tmp_path / "p.zip", add=[("preprocessor.bin", b"\xac\xed")]),
                         "refused entry 'preprocessor.bin'"),
        "tampered": (rewrite(saved["detector"], tmp_path / "t.zip", replace={"coefficients.bin": bytes(data)}),
                     "entry 'coefficients.bin' differs from the manifest"),
    }
    for path, message in cases.values():
        with pytest.raises(db.JavaError, match=message), java_errors():
            check.read(path_of.get(str(path)), False)
    # a central directory that understates a size (as a changed byte of compressed data can make an entry
    # inflate past it): damage, not a zip bomb to load with trusted=true
    lying = bytearray(Path(saved["detector"]).read_bytes())
    size = zipfile.ZipFile(saved["detector"]).getinfo("coefficients.bin").file_size
    struct.pack_into("<I", lying, _central_record(bytes(lying), "coefficients.bin") + 24, size - 100)
    (tmp_path / "lying.zip").write_bytes(bytes(lying))
    with pytest.raises(db.JavaError, match=f"ModelIntegrityException.*'coefficients.bin' inflates beyond its declared "
                                           f"size of {size - 100} bytes; the file is damaged") as refused, java_errors():
        check.read(path_of.get(str(tmp_path / "lying.zip")), False)
    assert "if you trust this file" not in str(refused.value) and str(refused.value).count("damaged") == 1
    assert check.POLICY.maxEntries == modelfile.MAX_ENTRIES
    assert str(check.POLICY.serialFilter) == modelfile.SERIAL_FILTER
    assert sorted(str(n) for n in check.POLICY.allowedEntries) == sorted(modelfile.ALLOWED_ENTRIES)
    assert check.read(path_of.get(str(saved["detector"])), False).manifest is not None


def test_the_jvm_starts_with_the_deny_by_default_serial_filter_unless_the_user_gives_one():
    import jpype

    from dl4j_bridge.session import JVMConfig

    assert str(jpype.JClass("java.lang.System").getProperty("jdk.serialFilter")) == modelfile.SERIAL_FILTER == "!*"
    assert "-Djdk.serialFilter=!*" in JVMConfig(classpath=()).jvm_arguments()
    theirs = JVMConfig(classpath=(), jvm_options=("-Djdk.serialFilter=my.Class;!*",)).jvm_arguments()
    assert [a for a in theirs if "serialFilter" in a] == ["-Djdk.serialFilter=my.Class;!*"]


@pytest.mark.parametrize("trusted", [False, True])
def test_a_full_temporary_directory_is_named_as_such_not_as_a_damaged_model(saved, monkeypatch, trusted):
    """Loading copies the file into TMPDIR first: a full TMPDIR read as 'the file is damaged'."""
    import errno
    import shutil
    import zipfile

    from dl4j_bridge.modelfile import open_model

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile._ZipWriteFile, "write", full)
    monkeypatch.setattr(shutil, "copyfile", full)
    with pytest.raises(OSError) as caught:
        with open_model(saved["network"], trusted=trusted):
            pass
    message = str(caught.value)
    assert not isinstance(caught.value, db.ModelFileError)
    assert f"cannot copy {saved['network']} into the temporary directory" in message
    assert "No space left on device: free space there, or point TMPDIR at a directory with room" in message


def _half_the_parameters(data: bytes) -> bytes:
    """A well-formed ND4J array (rank 1) holding the first half of the parameters: not the network's count."""
    assert data[2:18] == b"MIXED_DATA_TYPES" and data[82:98] == b"MIXED_DATA_TYPES" and data[108:113] == b"FLOAT"
    n = struct.unpack_from(">q", data, 40)[0] // 2
    return (data[:40] + struct.pack(">q", n) + data[48:98] + struct.pack(">q", n) + data[106:113]
            + data[113:113 + 4 * n])


def _newer_normalizer(data: bytes) -> bytes:
    """The normalizer with a serializer version DL4J does not read (its arrays are intact)."""
    return data[:12] + struct.pack(">i", 99) + data[16:]


@pytest.mark.parametrize("entry, what, damage", [
    ("coefficients.bin", r"the network \(configuration.json, coefficients.bin\)", _half_the_parameters),
    ("normalizer.bin", r"normalizer.bin", _newer_normalizer)])
def test_damage_dl4j_finds_is_an_error_naming_the_users_file_and_what_to_do(saved, tmp_path, entry, what, damage):
    """Damage in a file loaded with trusted=True gave `JavaIOError: java.io.EOFException: (no message)`, naming no
    file; DL4J's messages named the private copy. (A cut-short entry is now refused before DL4J reads it: see
    test_an_nd4j_array_longer_than_its_entry_is_refused_before_dl4j_reads_it.)"""
    source = saved["detector"]   # it has both entries
    with zipfile.ZipFile(source) as z:
        data = z.read(entry)
    damaged = rewrite(source, tmp_path / "damaged.zip", replace={entry: damage(data)})
    with pytest.raises(db.ModelFileError, match=rf"^{re.escape(str(damaged))}: {what} cannot be restored: \w+: .* "
                                                 r"\(restore a backup, or save the model again") as caught:
        db.Network.load(damaged, trusted=True)
    assert isinstance(caught.value.__cause__, db.JavaError)
    assert "dl4j_bridge-model-" not in str(caught.value)   # not the private copy


# -- ND4J array headers: DL4J allocates what they declare before reading ------------------------------------
def recrafted(src: Path, dst: Path, replace: dict) -> Path:
    """A copy of a zip with entries replaced and a manifest recomputed to match (as a crafted file would)."""
    with zipfile.ZipFile(src) as z:
        entries = {i.filename: z.read(i.filename) for i in z.infolist()}
    entries.update(replace)
    manifest = json.loads(entries["dl4j_bridge.manifest.json"])
    manifest["entries"] = {n: {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                           for n, b in entries.items() if n != "dl4j_bridge.manifest.json"}
    if "dl4j_bridge.etl_spec.json" in entries:
        manifest["etl_spec_sha256"] = hashlib.sha256(entries["dl4j_bridge.etl_spec.json"]).hexdigest()
    entries["dl4j_bridge.manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return dst


_MODE = java_utf("MIXED_DATA_TYPES")


def _data_length_at(data: bytes, array: int = 0) -> int:
    """The offset of the data buffer's length field of the array-th array (each array: shape header, data header)."""
    at = -1
    for _ in range(2 * array + 2):
        at = data.index(_MODE, at + 1)
    return at + len(_MODE)


def _set_long(data: bytes, offset: int, value: int) -> bytes:
    return data[:offset] + struct.pack(">q", value) + data[offset + 8:]


@pytest.mark.parametrize("source, entry, damage, says", [
    ("detector", "coefficients.bin", lambda d: _set_long(d, _data_length_at(d), 1 << 40),
     r"the array's data declares 1099511627776 FLOAT values \(4398046511104 bytes\) but only \d+ bytes follow"),
    ("detector", "coefficients.bin", lambda d: _set_long(d, _data_length_at(d), 3 << 30),
     r"the array's data declares 3221225472 FLOAT values \(12884901888 bytes\)"),
    ("detector", "coefficients.bin", lambda d: _set_long(d, _data_length_at(d), -5),
     r"the array's data declares a negative number of values \(-5\)"),
    ("detector", "coefficients.bin", lambda d: d[:len(d) // 2], r"the array's data declares \d+ FLOAT values"),
    ("detector", "coefficients.bin", lambda d: _set_long(d, 40, struct.unpack_from(">q", d, 40)[0] + 1),
     r"the array's shape \[\d+\] \(strides \[1\]\) reaches value \d+ of its \d+"),
    ("detector", "coefficients.bin", lambda d: d[:2] + b"MIXED_DATA_TYPEZ" + d[18:],
     r"the array's shape has allocation mode 'MIXED_DATA_TYPEZ', not one of ND4J's"),
    ("detector", "coefficients.bin", lambda d: d.replace(java_utf("FLOAT"), java_utf("UTF8"), 1)[:-1],
     r"the array's data has data type 'UTF8', not one DL4J writes arrays in"),
    ("network", "updaterState.bin", lambda d: _set_long(d, _data_length_at(d), 1 << 40),
     r"the array's data declares 1099511627776 FLOAT values"),
    ("detector", "normalizer.bin", lambda d: _set_long(d, _data_length_at(d, 1), 1 << 40),
     r"array 2's data declares 1099511627776 FLOAT values"),
    ("detector", "normalizer.bin", lambda d: d[:-8],
     r"array 2's data declares \d+ FLOAT values \(\d+ bytes\) but only \d+ bytes follow"),
])
@pytest.mark.parametrize("trusted", [False, True])
def test_an_nd4j_array_longer_than_its_entry_is_refused_before_dl4j_reads_it(saved, tmp_path, source, entry,
                                                                             damage, says, trusted):
    """A 16 KB file whose coefficients.bin declared 2^40 values crashed the JVM (SIGSEGV in Nd4j.read, the Python
    process with it) and 3 * 2^30 made it allocate 12.7 GB: the headers are checked first, on every load (trust
    does not make such a file loadable), by Python and by the JVM's ModelCheck, with the same message."""
    import jpype

    with zipfile.ZipFile(saved[source]) as z:
        data = z.read(entry)
    crafted = recrafted(saved[source], tmp_path / "crafted.zip", {entry: damage(data)})
    with pytest.raises(db.ModelIntegrityError, match=rf"^{re.escape(str(crafted))}: entry '{re.escape(entry)}' is "
                                                      rf"not a readable ND4J array: {says}.*; the file is damaged \(or "
                                                      r"was altered\): restore a backup") as refused:
        db.Network.load(crafted, trusted=trusted)
    assert "if you trust this file" not in str(refused.value)
    with pytest.raises(db.JavaError) as java, java_errors():
        jpype.JClass("io.dl4jbridge.ModelCheck").read(jpype.JClass("java.nio.file.Paths").get(str(crafted)), trusted)
    assert java.value.java_class.endswith("ModelIntegrityException")
    assert java.value.java_message == str(refused.value)


def test_every_normalizer_layout_is_read_as_dl4j_reads_it(jvm):
    """Every standard normalizer type, written by DL4J's NormalizerSerializer, passes; a declared length beyond the
    entry is refused in each: read as its strategy reads it, or (MULTI_HYBRID) wherever an array header is."""
    import jpype

    nd4j = jpype.JClass("org.nd4j.linalg.factory.Nd4j")
    pp = "org.nd4j.linalg.dataset.api.preprocessor."
    serializer = jpype.JClass(pp + "serializer.NormalizerSerializer").getDefault()
    as_list = jpype.JClass("java.util.Arrays").asList
    dist_stats, minmax_stats = jpype.JClass(pp + "stats.DistributionStats"), jpype.JClass(pp + "stats.MinMaxStats")

    def rand(n):
        return nd4j.rand(jpype.JArray(jpype.JLong)([1, n]))

    def written(normalizer):
        out = jpype.JClass("java.io.ByteArrayOutputStream")()
        serializer.write(normalizer, out)
        return bytes(out.toByteArray())

    standardize = jpype.JClass(pp + "NormalizerStandardize")(rand(5), rand(5).add(1.0))
    standardize.fitLabel(True)
    standardize.setLabelStats(rand(2), rand(2).add(1.0))
    minmax = jpype.JClass(pp + "NormalizerMinMaxScaler")(0.0, 1.0)
    minmax.setFeatureStats(rand(5), rand(5).add(2.0))
    multi = jpype.JClass(pp + "MultiNormalizerStandardize")()
    multi.fitLabel(True)
    multi.setFeatureStats(as_list(dist_stats(rand(3), rand(3).add(1.0)), dist_stats(rand(4), rand(4).add(1.0))))
    multi.setLabelStats(as_list(dist_stats(rand(2), rand(2).add(1.0))))
    multi_minmax = jpype.JClass(pp + "MultiNormalizerMinMaxScaler")(0.0, 1.0)
    multi_minmax.setFeatureStats(as_list(minmax_stats(rand(3), rand(3).add(2.0))))
    hybrid = jpype.JClass(pp + "MultiNormalizerHybrid")()
    hybrid.standardizeAllInputs()
    stats = jpype.JClass("java.util.HashMap")()
    stats.put(jpype.JInt(0), dist_stats(rand(3), rand(3).add(1.0)))
    hybrid.setInputStats(stats)
    hybrid.setOutputStats(jpype.JClass("java.util.HashMap")())
    layouts = {"STANDARDIZE": (written(standardize), 4), "MIN_MAX": (written(minmax), 2),
               "MULTI_STANDARDIZE": (written(multi), 6), "MULTI_MIN_MAX": (written(multi_minmax), 2),
               "MULTI_HYBRID": (written(hybrid), 2),
               "IMAGE_MIN_MAX": (written(jpype.JClass(pp + "ImagePreProcessingScaler")(0.0, 1.0)), 0)}
    for kind, (raw, arrays) in layouts.items():
        assert raw[16:].startswith(java_utf(kind))
        modelfile.check_arrays(Path(kind), {}, raw)
        assert raw.count(_MODE) == 2 * arrays
        for array in range(arrays):
            with pytest.raises(db.ModelIntegrityError, match=rf"^{kind}: entry 'normalizer.bin' is not a readable "
                                                              r"ND4J array: .*declares 1099511627776 FLOAT values"):
                modelfile.check_arrays(Path(kind), {}, _set_long(raw, _data_length_at(raw, array), 1 << 40))


def test_the_launcher_refuses_a_crafted_array_length_with_exit_3_instead_of_crashing(saved, dist, tmp_path):
    with zipfile.ZipFile(saved["detector"]) as z:
        data = z.read("coefficients.bin")
    crafted = recrafted(saved["detector"], tmp_path / "crafted.zip",
                        {"coefficients.bin": _set_long(data, _data_length_at(data), 1 << 40)})
    log = tmp_path / "app.log"
    log.write_text("Jan 12 10:00:01 web1 sshd[123]: Accepted password for bob from 1.2.3.4 port 22\n")
    for trusted in ([], ["--trusted"]):
        run = subprocess.run([str(dist / "bin" / "dl4j-bridge"), "score", "--model", str(crafted), "--input", str(log)]
                             + trusted, capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert run.returncode == 3, run.stderr[-2000:]
        assert "entry 'coefficients.bin' is not a readable ND4J array: the array's data declares 1099511627776" \
               in run.stderr
        assert not list(tmp_path.glob("hs_err*"))


@pytest.mark.parametrize("entry", ["dl4j_bridge.lstm_config.json", "configuration.json", "normalizer.bin"])
def test_an_entry_read_whole_is_refused_beyond_its_size_limit_before_it_is_inflated(saved, tmp_path, entry):
    """A 24 MB zip whose lstm_config.json inflated to 1.15 GB (48:1, under the ratio rule) ran the launcher out of
    memory (advising a bigger heap) and Python to 4.8 GB before it was refused: each entry read whole has a limit
    (model_policy.json's max_entry_bytes; real ones hold a few KB), checked from the central directory."""
    import jpype

    limit = modelfile.MAX_ENTRY_BYTES[entry]
    assert limit == 16 * 2 ** 20
    big = b'{"pad": "' + b" " * limit + b'"}'
    crafted = recrafted(saved["detector"], tmp_path / "big.zip", {entry: big})
    assert crafted.stat().st_size < 2 ** 20
    message = (f"{crafted}: refused entry {entry!r}: it declares {len(big)} bytes uncompressed, more than its limit "
               f"of {limit} (a real one holds a few KB; a zip bomb?); if you trust this file")
    with pytest.raises(db.UntrustedModelError, match=f"^{re.escape(message)}"):
        db.Network.load(crafted)
    check = jpype.JClass("io.dl4jbridge.ModelCheck")
    with pytest.raises(db.JavaError) as java, java_errors():
        check.read(jpype.JClass("java.nio.file.Paths").get(str(crafted)), False)
    assert java.value.java_class.endswith("UntrustedModelException")
    assert java.value.java_message.startswith(message)
    assert {str(k): int(v) for k, v in check.POLICY.maxEntryBytes.items()} == modelfile.MAX_ENTRY_BYTES


def test_a_model_documents_nesting_is_bounded_before_parsing_on_every_python():
    """Python 3.13 with a JVM in the process crashed (SIGSEGV) parsing a detector file's JSON nested 12,000 deep,
    where 3.11 and 3.12 raised RecursionError (a DetectorFileError): the depth is checked on the text first."""
    import pytest

    from dl4j_bridge.modelfile import JSON_DOCUMENT_MAX_DEPTH, json_loads

    deepest = "[" * JSON_DOCUMENT_MAX_DEPTH + "]" * JSON_DOCUMENT_MAX_DEPTH
    assert json_loads(deepest) is not None
    for text in ("[" + deepest + "]", '{"a":' * 100_000 + "1" + "}" * 100_000):
        with pytest.raises(RecursionError, match=f"deeper than {JSON_DOCUMENT_MAX_DEPTH} levels"):
            json_loads(text)
    brackets_in_strings = '{"k": "' + "[{" * 5000 + '\\"", "n": [[1]]}'
    assert json_loads(brackets_in_strings)["n"] == [[1]]
