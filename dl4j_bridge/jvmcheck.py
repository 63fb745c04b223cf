"""Will the JVM-only scorer load this ETL spec? Asked of the JVM's own spec reader, before anything is written.

Every detector saved with its pipeline is meant to score again on the JVM alone (``bin/dl4j-bridge score``,
``LogAnomalyScorer``, README "Deploy on the JVM"). Python accepts a few things the JVM cannot run -- regex
constructs ``java.util.regex`` lacks (a conditional group ``(?(name)...)``), ``strftime`` directives the
JVM's ``TimeParser`` does not implement (``%X``, ``%c``, ...) -- and those would only fail at deploy time.
So:

* :func:`check_spec_text` loads a whole saved spec with ``io.dl4jbridge.etl.EtlSpec.parse``, exactly what the
  launcher does; ``save(..., pipeline=)`` calls it before writing the zip;
* :func:`check_pipeline_parts` builds the parts of an unfitted pipeline that need no fitting (the reader, the
  timestamp, extract and label transforms) with ``EtlSpec.checkParts``, the same Java code ``parse`` runs;
  ``dl4j-bridge train`` calls it before training (:func:`check_run_config`), naming the run.toml table.

Both need the JVM (:func:`dl4j_bridge.start_jvm`). Python-only models opt out: ``save(..., jvm_check=False)``,
run.toml ``[output] jvm_check = false``.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from .etl.errors import SpecError

__all__ = ["JVMIncompatibleSpecError", "check_pipeline_parts", "check_run_config", "check_spec_text"]

#: Transforms whose saved form needs no fitting: checked before training.
_UNFITTED_KINDS = ("timestamp", "extract", "label")

_ADVICE = ("Change the setting to one the JVM supports (README, \"Deploy on the JVM\": java.util.regex constructs; "
           "strftime directives %Y %y %m %d %H %I %M %S %f %b %B %a %A %p %j %z %%, or format = \"%s\" alone; "
           "the log encodings the message lists), or, "
           "for a model scored by Python only, turn the check off: save(..., jvm_check=False), "
           "run.toml [output] jvm_check = false.")


class JVMIncompatibleSpecError(SpecError, ValueError):
    """The JVM's spec reader refuses an ETL spec Python accepts: a model saved with it would not score on the
    JVM. The message names the setting (the JVM's words) and what to do."""


def _java_message(error) -> str:
    message = error.getMessage() if hasattr(error, "getMessage") else None
    return str(message) if message is not None else str(error)


def _etl_spec():
    import jpype

    from .session import require_jvm

    require_jvm()
    return jpype.JClass("io.dl4jbridge.etl.EtlSpec")


def _call(function, argument: str, where: str) -> None:
    import jpype

    from .javaerrors import java_errors
    from .session import calling_java

    with java_errors():   # any other Java exception (an Error, ...) becomes a JavaError, never a raw one
        try:
            with calling_java():
                function(argument)
        # what the JVM refuses in a spec: its own checks, a regex or number or time format it cannot take; any
        # other exception (a NullPointerException, ...) is a bug, a JavaError, not advice to rewrite the spec
        except (jpype.JClass("io.dl4jbridge.etl.EtlException"), jpype.JClass("java.lang.IllegalArgumentException"),
                jpype.JClass("java.time.DateTimeException")) as error:
            raise JVMIncompatibleSpecError(f"{where}the JVM scorer cannot load this ETL spec (a model saved with it "
                                           f"would not score on the JVM): {_java_message(error)}. "
                                           + _ADVICE) from None


def check_spec_text(text: str) -> None:
    """Load a saved ETL spec (``Pipeline.save``'s JSON) with the JVM scorer's reader, ``EtlSpec.parse``.

    Raises
    ------
    JVMIncompatibleSpecError
        Naming what the JVM refuses (its message) and how to change it or turn the check off.
    JVMNotStartedError
        Before :func:`dl4j_bridge.start_jvm`.
    """
    _call(_etl_spec().parse, text, "")


def check_pipeline_parts(pipeline, *, tables: bool = False) -> None:
    """Build what the JVM builds of an unfitted pipeline before it is fitted: the reader (regex, log_format,
    continuation) and the timestamp, extract and label transforms, with ``EtlSpec.checkParts`` -- the same code
    ``EtlSpec.parse`` runs when the model is loaded.

    ``tables``: name the run.toml tables (``[reader]``, ``[[transforms]] number N (timestamp)``) in the error.
    """
    check = _etl_spec().checkParts
    reader = pipeline.reader.to_dict()
    if tables:
        key = " log_format" if reader.get("log_format") is not None else " regex" if reader.get("regex") else ""
        where = f"[reader]{key if reader.get('kind') == 'text' else ''}: "
    else:
        where = f"the {reader.get('kind')} reader: "
    _call(check, json.dumps({"reader": reader}, allow_nan=False), where)
    for number, transform in enumerate(getattr(pipeline, "_unfitted", pipeline.transforms), 1):
        if transform.kind not in _UNFITTED_KINDS:
            continue
        where = (f"[[transforms]] number {number} ({transform.kind}): " if tables
                 else f"transform {number} ({transform.kind}): ")
        _call(check, json.dumps({"transforms": [transform.to_dict()]}, allow_nan=False), where)


def jvm_check_setting(output: Optional[dict]) -> bool:
    """run.toml ``[output] jvm_check`` (default true); anything but a boolean is a :class:`ValueError`."""
    value: Any = (output or {}).get("jvm_check", True)
    if not isinstance(value, bool):
        raise ValueError(f"[output] jvm_check must be true or false, got {value!r}")
    return value


def check_run_config(config: dict, pipeline) -> bool:
    """``dl4j-bridge train``'s check before training: unless ``[output] jvm_check = false``, the unfitted
    pipeline's reader and transforms must load on the JVM (:func:`check_pipeline_parts`, naming the table).
    Returns the setting, for ``save(..., jvm_check=)``."""
    enabled = jvm_check_setting(config.get("output"))
    if enabled:
        check_pipeline_parts(pipeline, tables=True)
    return enabled
