"""Every error of the package crosses a process boundary as itself (pickle: multiprocessing, joblib)."""

from __future__ import annotations

import pickle

import pytest

import dl4j_bridge as db
from dl4j_bridge.etl import errors as etl_errors

OOM = db.JavaOutOfMemoryError("java.lang.OutOfMemoryError", "Java heap space", "at X", setting="heap",
                              advice="raise heap")


@pytest.mark.parametrize("error", [
    db.JavaError("java.lang.IllegalStateException", "boom", "at Foo.bar(Foo.java:1)"),
    db.JavaIllegalArgumentError("java.lang.IllegalArgumentException", "bad", "trace"),
    db.TrainingDivergedError("io.dl4jbridge.TrainingDivergedException", "NaN loss", ""),
    db.JavaIOError("java.io.IOException", "gone", ""),
    OOM,
    etl_errors.BadLineError("app.log", 12, "Pid", "not a number"),
    etl_errors.SourceError("app.log", 3, "truncated"),
    etl_errors.TrailingDataError("app.log.gz", 7),
    etl_errors.EncodingError("app.log", "not UTF-8 at byte 4"),
    etl_errors.QuarantineError("bad.jsonl", PermissionError(13, "denied")),
    etl_errors.LabelValuesError("Label('Level')", "Level", ["error"], {"ERROR": 3}),
    etl_errors.LabelValuesError("--input a.log: the model's label transform (column 'Level')", "Level", ["ERROR"],
                                {"error": 2}, saved=True),
    etl_errors.AbsentFieldError("app.log", "Pid", ["Pid"], ["Time", "Content"], records=5, line=1),
    db.ShapeError("x must be [batch, time, features]"),
    db.JVMForkedError("forked"),
])
def test_an_error_survives_pickling_with_its_message_type_and_attributes(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error) and copy.args == error.args
    assert vars(copy) == vars(error)
    if isinstance(error, db.JavaError):
        assert (copy.java_class, copy.java_message, copy.java_stacktrace) == \
            (error.java_class, error.java_message, error.java_stacktrace)


def test_the_out_of_memory_advice_and_setting_come_along():
    copy = pickle.loads(pickle.dumps(OOM))
    assert copy.setting == "heap" and "raise heap" in str(copy) and isinstance(copy, MemoryError)


def test_a_java_error_raised_in_a_pool_worker_reaches_the_parent_as_itself():
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result = pool.apply_async(_raise_java_error)
        with pytest.raises(db.TrainingDivergedError, match="NaN loss") as caught:
            result.get(timeout=120)
    assert caught.value.java_class == "io.dl4jbridge.TrainingDivergedException"


def _raise_java_error():
    raise db.TrainingDivergedError("io.dl4jbridge.TrainingDivergedException", "NaN loss", "trace")
