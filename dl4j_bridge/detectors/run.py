"""A whole run from a config (the ``run.toml`` of ``dl4j-bridge train``): raw logs -> ETL -> detectors ->
evaluation report with baselines -> one saved zip per detector.

The config format is documented in the README ("Command line"). Paths in it are relative to the config
file's directory.
"""

from __future__ import annotations

import collections.abc
import copy
import inspect
import json
import logging
import os
import re
import types
import typing
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from ..errors import ConfigError
from ..etl import (Categorical, ChronologicalSplit, CsvReader, EtlError, Extract, IpAddress, LabelValuesError,
                   JsonLinesReader, KeySplit, Label, Numeric, Pipeline, Port, SequenceBatch, Sessions, Template,
                   TextReader, Timestamp, Windows)
from ..etl.readers import LINE_NUMBER
from ..etl.templates import TemplateMiner
from ..etl.pipeline import atomic_write_text
from ..etl.transforms import STEP_LABEL, TEMPLATE_ID, step_label
from .baselines import IsolationForestBaseline, PCABaseline
from .base import BaseDetector
from .batches import take
from .classifier import SequenceClassifier
from .next_event import NextEventDetector
from .next_value import NextValueDetector
from .report import Report, explanations_markdown

log = logging.getLogger(__name__)

_READERS = {"text": TextReader, "jsonl": JsonLinesReader, "csv": CsvReader}
_TRANSFORMS = {"template": Template, "categorical": Categorical, "numeric": Numeric, "timestamp": Timestamp,
               "extract": Extract, "ip": IpAddress, "port": Port, "label": Label}
_DETECTORS = {"next_event": NextEventDetector, "sequence_classifier": SequenceClassifier,
              "next_value": NextValueDetector}
#: The detectors that learn normal behaviour alone (trained on the normal windows by default).
_UNSUPERVISED = ("next_event", "next_value")
_SEQUENCES = {"windows": Windows, "sessions": Sessions}
_SPLITS = {"chronological": ChronologicalSplit, "key": KeySplit}

#: The tables of a run config and, for the fixed ones, their keys (see the README, "Command line").
_TABLES = ("data", "reader", "transforms", "sequence", "split", "detectors", "baselines", "output")
_KEYS = {
    "data": ("train", "test", "label_field", "kinds_field"),
    "baselines": ("pca", "isolation_forest"),
    "output": ("seed", "title", "report", "models", "jvm_check"),
}
#: The type of each key of the fixed tables (checked with the keys, before the JVM starts).
_KEY_TYPES = {
    "data": {"train": str, "test": str, "label_field": str, "kinds_field": str},
    "baselines": {"pca": bool, "isolation_forest": bool},
    "output": {"seed": int, "title": str, "report": str, "models": str, "jvm_check": bool},
}
_TYPE_WORDS = {str: "a string (in quotes)", bool: "true or false (no quotes)", int: "an integer"}
#: Constructor parameters that are never config keys: objects a TOML file cannot give (``miner``), and what the run
#: or a saved file sets (``saved_regex``; a next-event detector's event ids: ``n_events`` is the number of template
#: ids the ETL found, ``oov_id`` the unknown template's id 0, ``end_id`` / ``end_min_probability`` the end of a
#: DeepLog-format session, which a run's sessions do not have). Given, they changed the ids a model reads (``oov_id
#: = 5`` trained and scored template 5 as the unknown one) or failed after the ETL without naming the table.
_NOT_CONFIG_KEYS = ("miner", "saved_regex", "n_events", "oov_id", "end_id", "end_min_probability")


def load_config(path) -> dict:
    """Read a TOML run config; relative paths are resolved against its directory (key ``_base``)."""
    import tomllib

    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a config file: give the run's .toml file")
    if not path.is_file():
        raise FileNotFoundError(f"no config file at {path}")
    data = path.read_bytes()
    try:   # TOML is UTF-8; a byte order mark (as Notepad writes) is taken off, where tomllib refused line 1
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line} is not UTF-8 text (byte 0x{data[error.start]:02x}): a TOML file is "
                          f"UTF-8; save it as UTF-8 (e.g. iconv -f latin1 -t utf-8 {path.name} > fixed.toml)") from error
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        twice = any(words in str(error) for words in ("Cannot overwrite", "Cannot declare", "Cannot mutate"))
        single = re.search(r"^[ \t]*\[[ \t]*transforms[ \t]*\]", text, flags=re.MULTILINE)
        hint = ("" if not twice else "; a table or key is given twice there" + (
            ": each [[transforms]] table is written with double brackets, every time (a [transforms] with single "
            "ones is one table, which a later [[transforms]] cannot extend)" if single else ""))
        raise ConfigError(f"{path}: not valid TOML ({error}){hint}") from error
    config["_base"] = str(path.resolve().parent)
    return config


def config_error_text(path, error: Exception) -> str:
    """``error``'s message prefixed with ``path:LINE:``, the line of the table and key it names in the config file
    (:func:`~dl4j_bridge.detectors.configlines.error_line`); ``path:`` alone when it names none the file has (a table
    that is missing), or the file cannot be read again.

    Parameters
    ----------
    path : str or Path
        The config file, as the user gave it.
    error : Exception
        A :class:`ConfigError` raised by :func:`validate` or :func:`train` on the config read from ``path``.

    Returns
    -------
    str
        The message to show, e.g. ``run.toml:24: [sequence] (kind 'windows'): unknown key 'lenght'; ...``.
    """
    line = config_error_line(path, str(error))
    return f"{path}:{line}: {error}" if line is not None else f"{path}: {error}"


def config_error_line(path, message: str) -> Optional[int]:
    """The line of the config file ``path`` that the error ``message`` is about (the table and key it names), or
    None when it names none the file has or the file cannot be read again.

    Parameters
    ----------
    path : str or Path
        The config file.
    message : str
        The error's text.

    Returns
    -------
    int or None
        The line, from 1.
    """
    from .configlines import config_lines, error_line

    try:
        return error_line(message, config_lines(Path(path).read_bytes().decode("utf-8-sig")))
    except (OSError, UnicodeDecodeError):
        return None


def _path(config: dict, value: Optional[str]) -> Optional[Path]:
    if value is None:
        return None
    p = Path(value)
    return (p if p.is_absolute() else Path(config.get("_base", ".")) / p).resolve()


def _section(config: dict, name: str) -> dict:
    if name not in config or not isinstance(config[name], dict):
        raise ConfigError(f"the config needs a [{name}] table")
    return dict(config[name])


#: The template miner's settings a template transform's table takes (TemplateMiner's parameters).
MINER_KEYS = ("similarity_threshold", "depth", "max_children", "max_constant_values")


def _parameters(cls, skip=()) -> list[str]:
    """Keyword parameters of ``cls`` (and of its bases while a constructor passes ``**options`` on)."""
    names: list[str] = []
    for klass in cls.__mro__:
        if klass is object:
            break
        parameters = list(inspect.signature(klass.__init__).parameters.values())[1:]
        for parameter in parameters:
            if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD) \
                    and parameter.name not in names and parameter.name not in skip \
                    and parameter.name not in _NOT_CONFIG_KEYS:
                names.append(parameter.name)
        if not any(p.kind == p.VAR_KEYWORD for p in parameters):
            break
    return names


def _check_keys(table: str, spec: dict, accepted) -> None:
    """Unknown keys (typos) are errors naming the table, the keys and the accepted ones."""
    unknown = [key for key in spec if key not in accepted]
    if unknown:
        raise ConfigError(f"{table}: unknown key{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(repr(k) for k in unknown)}; the accepted keys are {list(accepted)}")


def _construct(table: str, cls, *args, **kwargs):
    """``cls(*args, **kwargs)``; a missing key or a wrong value (type, range) is an error naming the table."""
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1 + len(args):]
    needed = [p.name for p in parameters if p.default is p.empty and p.name not in kwargs
              and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if needed:
        raise ConfigError(f"{table} needs {', '.join(repr(name) for name in needed)}")
    defaults = {p.name: p.default for p in parameters}
    hints = _type_hints(cls)
    given = dict(zip([p.name for p in list(inspect.signature(cls.__init__).parameters.values())[1:]], args))
    for key, value in {**given, **kwargs}.items():
        hint = hints.get(key)
        wrong = (_wrong_type(defaults.get(key), value) if hint is None
                 else None if _matches(value, hint) else _type_words(hint))
        if wrong:
            raise ConfigError(f"{table}: {key} must be {wrong}, got {value!r}")
    try:
        return cls(*args, **kwargs)
    except (TypeError, ValueError, EtlError) as error:
        raise ConfigError(f"{table}: {error}") from error


def _wrong_type(default, value) -> Optional[str]:
    """What ``value`` should be when its type differs from the parameter's default's (None: fine or unknown)."""
    if default is None or default is inspect.Parameter.empty:
        return None
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(default, int):
        return None if isinstance(value, int) and not isinstance(value, bool) else "an integer"
    if isinstance(default, float):
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else "a number"
    if isinstance(default, str):
        return None if isinstance(value, str) else "a string"
    return None


def _type_hints(cls) -> dict:
    """The annotated types of the keyword parameters of ``cls`` and of the bases it passes ``**options`` on to."""
    hints: dict = {}
    for klass in cls.__mro__:
        if klass is object:
            break
        try:
            found = typing.get_type_hints(klass.__init__)
        except Exception:   # an annotation that does not evaluate here: those parameters are checked by the class
            found = {}
        for name, hint in found.items():
            hints.setdefault(name, hint)
        if not any(p.kind == p.VAR_KEYWORD for p in inspect.signature(klass.__init__).parameters.values()):
            break
    hints.pop("return", None)
    return hints


_SEQUENCE_TYPES = (collections.abc.Sequence, collections.abc.Collection, list, tuple)
_MAPPING_TYPES = (collections.abc.Mapping, dict)


def _matches(value, hint) -> bool:
    """Whether a TOML ``value`` is of the annotated type ``hint`` (a type that TOML cannot give, or that this does
    not know, matches: the class checks it). A string is not a list of strings: ``categories = "22"`` had been read
    as the categories ``['2', '2']``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin is Union or origin is types.UnionType:
        return any(_matches(value, option) for option in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if hint is dict:
        return isinstance(value, dict)
    if origin is os.PathLike or hint is os.PathLike:   # a path in a TOML file is a string
        return isinstance(value, str)
    if origin in _SEQUENCE_TYPES:
        return isinstance(value, (list, tuple)) and all(_matches(v, args[0]) for v in value if args)
    if origin in _MAPPING_TYPES:
        return isinstance(value, dict) and (len(args) != 2 or all(
            _matches(k, args[0]) and _matches(v, args[1]) for k, v in value.items()))
    return True


def _type_words(hint, plural: bool = False) -> str:
    """What a value of the annotated type ``hint`` is, in run.toml words."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Union or origin is types.UnionType:
        options = (_type_words(a, plural) for a in args if a is not type(None))
        return " or ".join(dict.fromkeys(o for o in options if o))
    if origin in _SEQUENCE_TYPES:
        return ("lists" if plural else "a list") + (f" of {_type_words(args[0], True)}" if args else "")
    if origin in _MAPPING_TYPES or hint is dict:
        return ("tables" if plural else "a table") + (f" of {_type_words(args[1], True)}" if len(args) == 2 else "")
    words = {str: ("a string (in quotes)", "strings"), int: ("an integer", "integers"),
             float: ("a number", "numbers"), bool: ("true or false (no quotes)", "true or false")}.get(hint)
    return "" if words is None else words[plural]


def _table(config: dict, name: str, default=None) -> dict:
    value = config.get(name, default)
    if not isinstance(value, dict):
        raise ConfigError(f"[{name}] must be a table ([{name}] followed by key = value lines), got {value!r}")
    return dict(value)


def check_config(config: dict) -> None:
    """Tables and keys of a run config: unknown ones (typos) are errors naming them and the accepted ones.

    The ETL tables are checked by :func:`build_pipeline`, the detectors when they are built.
    """
    unknown = [name for name in config if name not in _TABLES and name != "_base"]
    if unknown:
        raise ConfigError(f"unknown table{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(f'[{name}]' for name in unknown)} in the config; the accepted tables are "
                          f"{', '.join('[[transforms]]' if n == 'transforms' else f'[{n}]' for n in _TABLES)} "
                          "(one [detectors.<name>] table per detector)")
    for name, keys in _KEYS.items():
        if name in config:
            _check_keys(f"[{name}]", _table(config, name), keys)
            for key, value in _table(config, name).items():
                wanted = _KEY_TYPES[name][key]
                if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
                    words = "a path (a string)" if key in ("train", "test") else _TYPE_WORDS[wanted]
                    raise ConfigError(f"[{name}] {key} must be {words}, got {value!r}")
    seed = _table(config, "output", {}).get("seed")
    baselines = _table(config, "baselines", {})
    if seed is not None and not 0 <= seed < 2 ** 32 and (baselines.get("pca", True) or
                                                           baselines.get("isolation_forest", True)):
        # DL4J takes any long, scikit-learn's baselines only [0, 2**32): a late failure after a saved model
        raise ConfigError(f"[output] seed must be an integer from 0 to {2 ** 32 - 1} (the range of the baselines' "
                          f"scikit-learn; DL4J alone takes any: with [baselines] pca = false and isolation_forest = "
                          f"false), got {seed!r}")
    if seed is not None and not 0 <= seed < 2 ** 63:   # DL4J's: a Java long >= 0 (else blamed on a detector)
        raise ConfigError(f"[output] seed must be an integer from 0 to {2 ** 63 - 1}, got {seed!r}")
    detectors = _table(config, "detectors", {})
    for name, spec in detectors.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"[detectors] holds one table per detector, [detectors.<name>] with its kind and "
                              f"parameters; got {name} = {spec!r}")


def validate(config: dict) -> None:
    """Every check that needs no JVM and reads no log: tables, keys and kinds, the ETL's and the detectors'
    parameters, the columns the config names, the data files and what the detectors need of them.

    ``dl4j-bridge train`` runs it before starting the JVM, so that a mistake in ``run.toml`` is exit 3 at once
    instead of an error after the JVM started (or a useless model).

    Parameters
    ----------
    config : dict
        A run config from :func:`load_config`.

    Raises
    ------
    ConfigError
        Naming the table and key at fault, and what to write instead.
    """
    check_config(config)
    if "split" in config and (_table(config, "data", {}) or {}).get("test") is not None:
        log.warning("[split] is not used: [data] test is the test part, and the whole [data] train file is fitted "
                    "and trained on (leave out [split], or [data] test, to choose)")
    pipeline = build_pipeline(config)
    check_columns(pipeline)
    for name, spec in (_table(config, "detectors", {}) or {}).items():
        build_detector(name, spec, None, 0, pipeline=pipeline)
    check_detector_names(list(_table(config, "detectors", {}) or {}))
    check_data(config, pipeline)


def check_detector_names(names: list) -> None:
    """Each detector's results, plots and summary line are keyed by its name: a name of a baseline (``PCA``,
    ``IsolationForest``), or two names that make the same plot file names, would overwrite another's."""
    from .report import _slug

    taken = {_slug(b.name): f"the {b.name} baseline" for b in (PCABaseline, IsolationForestBaseline)}
    for name in names:
        if not re.fullmatch(r"\w[\w .-]*", name) or name.endswith((".", " ")) or ".." in name:
            # the name is the model file's (models/<name>.zip): "../x" had written outside [output] models
            raise ConfigError(f"[detectors.{json.dumps(name, ensure_ascii=False)}]: a detector's name is its model "
                              "file's name (<models>/<name>.zip): use letters, digits, '_', '-', '.' and spaces, "
                              "starting with a letter, digit or '_' (no '/' or '\\', no '..')")
        slug = _slug(name)
        if slug in taken:
            raise ConfigError(f"[detectors.{name}]: its results and plots ({slug}_histogram.png, ...) would overwrite "
                              f"those of {taken[slug]}: rename the table")
        taken[slug] = f"[detectors.{name}]"


def check_data(config: dict, pipeline: Pipeline) -> None:
    """What training needs beyond well-formed tables: the ``[data]`` files, a test part, detectors, labels.

    Parameters
    ----------
    config : dict
        A run config from :func:`load_config`.
    pipeline : Pipeline
        Its unfitted pipeline (:func:`build_pipeline`).

    Raises
    ------
    ConfigError
        ``[data]`` without ``train``; a ``train`` or ``test`` path that is no file (the resolved path is
        named); neither ``[data] test`` nor a ``[split]`` (no test part); no ``[detectors.<name>]`` table; a
        ``sequence_classifier`` detector while no ``[[transforms]]`` table of kind ``label`` gives labels (it would
        learn from all-0 labels and save a useless model).
    """
    data = _section(config, "data")
    if data.get("train") is None:
        raise ConfigError("[data] needs train = <path of the training logs> (relative to the config file)")
    for key in ("train", "test"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ConfigError(f"[data] {key} must be a path (a string), got {value!r}")
        path = _path(config, value)
        if not path.exists():
            raise ConfigError(f"[data] {key} = {value!r}: no file at {path} (paths are relative to the config "
                              f"file's directory, {config.get('_base', '.')}): fix the path")
        if not path.is_file():
            raise ConfigError(f"[data] {key} = {value!r}: {path} is not a regular file (a directory, or a pipe, "
                              "which training would have to read more than once): give a log file")
    paths = {key: _path(config, data[key]) for key in ("train", "test") if data.get(key) is not None}
    quarantine = getattr(pipeline.reader, "quarantine", None)
    for key, path in paths.items():
        if quarantine is not None and Path(quarantine).resolve() == path:
            # the quarantine file is created (emptied) before the data is read: it had wiped the log
            raise ConfigError(f"[reader] quarantine = {quarantine!r} is the [data] {key} file: it would be emptied "
                              "before the logs are read. Give the quarantine its own file (e.g. bad_lines.jsonl)")
    if len(paths) == 2 and paths["train"] == paths["test"]:
        log.warning("[data] test is the [data] train file (%s): the report's test metrics are measured on the "
                    "training data and say nothing of unseen logs; give other logs, or a [split] without [data] "
                    "test", paths["test"])
    if data.get("test") is None and pipeline.split is None:
        raise ConfigError("the config gives no test data: add [data] test = <path of the test logs>, or a [split] "
                          "table (kind = \"chronological\" with test_fraction = 0.2, or kind = \"key\" with key) to "
                          "hold out part of [data] train")
    detectors = _table(config, "detectors", {})
    if not detectors:
        raise ConfigError("the config needs at least one [detectors.<name>] table (kind = \"next_event\", "
                          "\"next_value\" or \"sequence_classifier\")")
    labelled = any(isinstance(t, Label) for t in pipeline.transforms)
    for name, spec in detectors.items():
        if spec.get("kind") == "sequence_classifier" and not labelled:
            field = data.get("label_field")
            column = f"\"{field}\"" if isinstance(field, str) else "\"<the per-line label field>\""
            raise ConfigError(
                f"[detectors.{name}] (kind \"sequence_classifier\") learns from labelled lines, but no "
                "[[transforms]] table of kind \"label\" gives the pipeline labels: every label would be 0 and the "
                f"saved model useless (metrics n/a). Add [[transforms]] with kind = \"label\" and column = {column} "
                "(the field holding each line's truth; [data] label_field alone only judges the report), or use "
                "kind = \"next_event\", which learns from normal logs without labels")


def check_columns(pipeline: Pipeline) -> None:
    """Columns named in the config (a transform's ``column`` or ``delta_by``, the ``[sequence]`` or ``[split]``
    ``key``) must be a field of the reader or a column a ``[[transforms]]`` table derives (``extract``'s
    ``into``, the template id, the step label).

    Checked only when the reader's fields are known before reading (a text reader, a JSON-lines or CSV reader
    with ``fields``); otherwise the ETL checks them against the input's columns.

    Parameters
    ----------
    pipeline : Pipeline
        The unfitted pipeline of the config (:func:`build_pipeline`).

    Raises
    ------
    ConfigError
        Naming the table and key, the reader's fields and the derived columns.
    """
    reader = pipeline.reader
    if not isinstance(reader, TextReader) and getattr(reader, "aliases", None) is None:
        return   # the fields are the input's: known once it is read
    fields = list(reader.fields)
    derived = derived_columns(pipeline.transforms)
    known = set(fields) | set(derived)
    needs: list[tuple[str, str]] = []   # (table and key, column)
    for number, transform in enumerate(pipeline.transforms, 1):
        table = f"[[transforms]] number {number} ({transform.kind})"
        needs += [(f"{table} column", name) for name in getattr(transform, "columns", [transform.column])]
        if getattr(transform, "delta_by", None) is not None:
            needs.append((f"{table} delta_by", transform.delta_by))
    if isinstance(pipeline.sequence, Sessions):
        needs.append(("[sequence] key", pipeline.sequence.key))
    if isinstance(pipeline.split, KeySplit):
        needs.append(("[split] key", pipeline.split.key))
    for where, name in needs:
        if name not in known:
            raise ConfigError(f"{where} = {name!r} names no column: the reader's fields are {fields}"
                              + (f" and the [[transforms]] derive {derived}" if derived else
                                 " (no [[transforms]] table derives a column)")
                              + ": name one of them, or add the field to [reader] "
                              + ("fields" if not isinstance(reader, TextReader) else "log_format / regex"))


def derived_columns(transforms) -> list[str]:
    """Columns the transforms add to each record, in order: ``extract``'s ``into``, the template id of a
    ``template``, the step label of a ``label`` transform.

    Parameters
    ----------
    transforms : sequence of Transform
        The pipeline's transforms.

    Returns
    -------
    list of str
        The derived column names, each once.
    """
    names: list[str] = []
    for transform in transforms:
        if isinstance(transform, Template):
            names.append(TEMPLATE_ID)
        elif isinstance(transform, Label):
            names.append(STEP_LABEL)
        if getattr(transform, "into", None) is not None:
            names.append(transform.into)
    return list(dict.fromkeys(names))


def build_pipeline(config: dict) -> Pipeline:
    """The unfitted ETL pipeline of ``[reader]``, ``[[transforms]]``, ``[sequence]`` and ``[split]``.

    Unknown keys and kinds (typos) are :class:`ConfigError` naming the table, the key and the accepted keys; paths
    (the reader's ``quarantine``) are relative to the config file.
    """
    reader_spec = _section(config, "reader")
    kind = reader_spec.pop("kind", None)
    if kind not in _READERS:
        raise ConfigError(f"[reader] needs kind = one of {sorted(_READERS)}" if kind is None else
                          f"[reader] kind must be one of {sorted(_READERS)}, got {kind!r}")
    _check_keys(f"[reader] (kind {kind!r})", reader_spec, _parameters(_READERS[kind]))
    if reader_spec.get("quarantine") is not None and not isinstance(reader_spec["quarantine"], str):
        raise ConfigError(f"[reader]: quarantine must be a string (in quotes), got {reader_spec['quarantine']!r}")
    if reader_spec.get("quarantine") is not None:
        if reader_spec.get("mode", "strict") != "lenient":   # strict reading stops at the first bad line instead
            raise ConfigError(f"[reader] quarantine = {reader_spec['quarantine']!r} needs mode = \"lenient\" (strict "
                              "reading stops at the first bad line and quarantines nothing): add mode = \"lenient\", "
                              "or leave out quarantine")
        reader_spec["quarantine"] = str(_path(config, reader_spec["quarantine"]))
    reader = _construct("[reader]", _READERS[kind], **reader_spec)
    transforms = []
    specs = config.get("transforms", [])
    if not isinstance(specs, list) or not all(isinstance(spec, dict) for spec in specs):
        raise ConfigError("[[transforms]] must be an array of tables: one [[transforms]] table per transform")
    for number, spec in enumerate(specs, 1):
        spec = dict(spec)
        kind = spec.pop("kind", None)
        if kind not in _TRANSFORMS:
            raise ConfigError(f"[[transforms]] number {number}: kind must be one of {sorted(_TRANSFORMS)}, got {kind!r}")
        table = f"[[transforms]] number {number} ({kind})"
        _check_keys(table, spec, ["kind", "column"] + _parameters(_TRANSFORMS[kind], skip=("column",))
                    + (list(MINER_KEYS) if kind == "template" else []))
        column = spec.pop("column", None)
        if column is None:
            raise ConfigError(f"{table} needs a column")
        if kind == "ip" and isinstance(spec.get("prefix"), int) and not 0 <= spec["prefix"] <= 32:
            raise ConfigError(f"{table}: prefix must be an integer from 0 to 32 (the IPv4 network's bits; IPv6 "
                              f"addresses use 4 * prefix bits, at most 128), got {spec['prefix']!r}: with it every "
                              "IPv4 address reads as missing")
        if kind == "template":   # the miner's settings, keys of the template's table
            miner = {key: spec.pop(key) for key in MINER_KEYS if key in spec}
            if miner:
                spec["miner"] = _construct(table, TemplateMiner, **miner)
        transforms.append(_construct(table, _TRANSFORMS[kind], column, **spec))
        new = transforms[-1]
        # named by a failure when the ETL is fitted (not saved); a label transform as label_transform names it
        new.origin = table if kind != "label" else f"[[transforms]] number {number} (label, column {column!r})"
        earlier = next((n for n, t in enumerate(transforms[:-1], 1) if t.kind == kind and kind != "extract" and (
            kind in ("template", "label") or _feature_key(t) == _feature_key(new))), None)
        if earlier is not None:
            # both would write the same feature names (or the one template id / step label column)
            raise ConfigError(f"{table} repeats [[transforms]] number {earlier}"
                              + (f" (one {kind} transform per run)" if kind in ("template", "label")
                                 else f" on column {new.column!r}")
                              + ": their features would have the same names. Remove one of them")
    seq = _table(config, "sequence", {"kind": "windows"})
    seq_kind = seq.pop("kind", "windows")
    if seq_kind not in _SEQUENCES:
        raise ConfigError(f"[sequence] kind must be one of {list(_SEQUENCES)}, got {seq_kind!r}")
    _check_keys(f"[sequence] (kind {seq_kind!r})", seq, _parameters(_SEQUENCES[seq_kind]))
    sequence = _construct("[sequence]", _SEQUENCES[seq_kind], **seq)
    if getattr(sequence, "gap", None) is not None and not any(isinstance(t, Timestamp) for t in transforms):
        raise ConfigError(f"[sequence] gap = {seq['gap']!r} ends a session after that many seconds without a record "
                          "of its key, measured by the record times, but no [[transforms]] table has kind = "
                          "\"timestamp\": add one (its column: the time field), or leave out gap")
    split = None
    if "split" in config:   # an empty [split] table is the default chronological split, not no split
        split_spec = _table(config, "split")
        split_kind = split_spec.pop("kind", "chronological")
        if split_kind not in _SPLITS:
            raise ConfigError(f"[split] kind must be one of {list(_SPLITS)}, got {split_kind!r}")
        _check_keys(f"[split] (kind {split_kind!r})", split_spec, _parameters(_SPLITS[split_kind]))
        if "seed" in _parameters(_SPLITS[split_kind]) and "seed" not in split_spec:
            # the run's one seed, as the detectors' and the baselines' (a key split's own default is 0)
            split_spec["seed"] = int((_table(config, "output", {}) or {}).get("seed", 7))
        split = _construct("[split]", _SPLITS[split_kind], **split_spec)
        if split.test_fraction == 0 and (_table(config, "data", {}) or {}).get("test") is None:
            raise ConfigError("[split] test_fraction = 0 holds out nothing, so there is no test part: give a "
                              "fraction such as 0.2, or [data] test = <path of the test logs>")
    if (_table(config, "data", {}) or {}).get("test") is not None:
        split = None   # [data] test is the test part: the whole train file is fitted and trained on (validate warns)
    return Pipeline(reader, transforms, sequence, split)


def _feature_key(transform) -> tuple:
    """What a transform's feature names depend on besides its kind: its column, a timestamp's ``name``, a
    categorical's ``encoding`` (one-hot ``service=ssh`` or index ``service``)."""
    return transform.column, getattr(transform, "name", None), getattr(transform, "encoding", None)


def label_transform(pipeline: Optional[Pipeline]) -> tuple[Optional[str], Optional[Label]]:
    """The ``[[transforms]]`` table (``"[[transforms]] number N (label, column 'c')"``) and the ``Label`` whose step
    labels the sequences carry (the last one: each overwrites the step label), or ``(None, None)``."""
    if pipeline is None:
        return None, None
    label = step_label(pipeline._unfitted)
    if label is None:
        return None, None
    number = next(n for n, t in enumerate(pipeline._unfitted, 1) if t is label)
    return f"[[transforms]] number {number} (label, column {label.column!r})", label


def _check_classes(name: str, spec: dict, pipeline: Optional[Pipeline]) -> None:
    """A classifier's ``n_classes`` and ``positive_classes`` against the label transform's classes (defaults from
    them when not given): class 0 is normal, the others anomalous."""
    table, label = label_transform(pipeline)
    if label is None:
        return   # check_data refuses a classifier without labels
    n = label.n_classes
    given = spec.get("n_classes")
    if given is not None and given != n:
        if label.classes is None:
            raise ConfigError(
                f"[detectors.{name}] n_classes = {given!r}, but the label transform ({table}) gives 2 classes: 0 "
                "normal, 1 anomalous. To train attack classes, list the label values in that table, the normal one "
                "first: classes = [\"normal\", \"brute_force\", ...] (then n_classes may be left out); else drop "
                "n_classes")
        raise ConfigError(f"[detectors.{name}] n_classes = {given!r}, but the label transform ({table}) lists {n} "
                          f"classes {label.classes}: set n_classes = {n}, or leave it out")
    spec["n_classes"] = n
    positive = spec.get("positive_classes")
    if positive is None:
        spec["positive_classes"] = list(range(1, n))
        return
    listed = [positive] if isinstance(positive, int) else positive
    names = label.classes or ["normal", "anomalous"]
    if not isinstance(listed, list) or not listed or not all(isinstance(c, int) and not isinstance(c, bool)
                                                                 for c in listed):
        raise ConfigError(f"[detectors.{name}] positive_classes must be a list of class ids, got {positive!r}")
    if len(set(listed)) != len(listed):
        raise ConfigError(f"[detectors.{name}] positive_classes = {positive!r} repeats a class: list each anomalous "
                          "class once")
    wrong = [c for c in listed if not 1 <= c < n]
    if wrong:
        raise ConfigError(f"[detectors.{name}] positive_classes = {positive!r}: the anomalous classes are 1 to {n - 1} "
                          f"of the label transform ({table}: {', '.join(f'{i} {c!r}' for i, c in enumerate(names))}); "
                          f"class 0 ({names[0]!r}) is the normal one"
                          + ("" if label.classes is not None else
                             ". To train attack classes, list the label values there: classes = [...]"))
    spec["positive_classes"] = listed


def build_detector(name: str, spec: dict, n_events: Optional[int], seed: int, *,
                   pipeline: Optional[Pipeline] = None) -> BaseDetector:
    """The detector of ``[detectors.<name>]``; a wrong key or value is a :class:`ConfigError` naming the table.
    ``n_events`` None (checking the config before the ETL ran) leaves the network's width to the data.
    ``pipeline``: the run's (unfitted) pipeline, whose label transform a classifier's ``n_classes`` and
    ``positive_classes`` must match (their defaults when not given)."""
    spec = dict(spec)
    kind = spec.pop("kind", None)
    train_on = spec.pop("train_on", None)
    if kind not in _DETECTORS:
        raise ConfigError(f"[detectors.{name}] kind must be one of {sorted(_DETECTORS)}, got {kind!r}")
    if train_on not in (None, "normal", "all"):
        raise ConfigError(f"[detectors.{name}] train_on must be 'normal' or 'all', got {train_on!r}")
    if kind == "sequence_classifier" and train_on == "normal":
        raise ConfigError(f"[detectors.{name}] train_on = \"normal\" trains a sequence_classifier on normal "
                          "windows only: every label would be 0, and the classifier learns to tell normal from "
                          "anomalous steps. Use train_on = \"all\" (the classifier's default), or kind = "
                          "\"next_event\" to learn from normal logs alone")
    if kind == "next_value":
        _check_next_value(name, spec, pipeline)
    if kind == "sequence_classifier":
        _check_classes(name, spec, pipeline)
    if kind == "next_event" and pipeline is not None and pipeline.template_transform is None:
        raise ConfigError(f"[detectors.{name}] (kind \"next_event\") learns which log template follows which, but "
                          "the [[transforms]] have no template transform: every step would be the unknown event "
                          "and every window flagged. Add a [[transforms]] table with kind = \"template\" and the "
                          "message column; for numeric fields (metrics) use kind = \"next_value\", which predicts "
                          "the next step's values; or, with labelled data, use kind = \"sequence_classifier\"")
    spec.setdefault("seed", seed)
    if isinstance(spec.get("hidden_sizes"), list):
        spec["hidden_sizes"] = tuple(spec["hidden_sizes"])
    _check_keys(f"[detectors.{name}] (kind {kind!r})", spec, ["kind", "train_on"] + _parameters(_DETECTORS[kind]))
    _check_threshold_keys(name, spec, _DETECTORS[kind])
    if kind == "next_event" and spec.get("threshold", "top_g") == "top_g" and spec.get("score") in ("nll", "max_nll"):
        # else refused by the fit, after the JVM, the ETL and the other detectors' training
        raise ConfigError(f"[detectors.{name}] score = {spec['score']!r} needs a threshold on the score, but threshold "
                          f"is \"top_g\"{'' if 'threshold' in spec else ' (the default)'}, which flags a window with "
                          "any unexpected step (scores \"count\" and \"share\" only): add threshold = \"k_sigma\" "
                          "(mean + k sigma of the training windows' scores), \"contamination\", \"best_f1\" or "
                          "\"fixed\", or use score = \"count\"")
    if kind == "next_event" and n_events is not None:
        spec["n_events"] = n_events   # the ETL's template ids (not a config key)
    return _construct(f"[detectors.{name}]", _DETECTORS[kind], **spec)


def _check_next_value(name: str, spec: dict, pipeline: Optional[Pipeline]) -> None:
    """A next-value detector's ``target_columns`` (a list of feature names, each a column of a numeric transform or
    another feature the pipeline makes), or, without them, a numeric transform to predict: a ConfigError naming the
    table, before any work."""
    targets = spec.get("target_columns")
    if targets is not None:
        if not isinstance(targets, list) or not targets or not all(isinstance(c, str) and c for c in targets):
            raise ConfigError(f"[detectors.{name}] target_columns must be a list of feature names (strings), e.g. "
                              f"[\"bytes\"], got {targets!r}")
        if len(set(targets)) != len(targets):
            raise ConfigError(f"[detectors.{name}] target_columns = {targets!r} names a feature twice")
        spec["target_columns"] = tuple(targets)
    if pipeline is None:
        return
    numeric = [t.column for t in pipeline.transforms if isinstance(t, Numeric)]
    if targets is None and not numeric:
        raise ConfigError(f"[detectors.{name}] (kind \"next_value\") predicts the next step's numeric fields, but the "
                          "[[transforms]] have no table of kind \"numeric\": add one for each field to predict (e.g. "
                          "kind = \"numeric\", column = \"bytes\"), or name the features with target_columns = [...]")
    if targets is not None:
        known = [n for t in pipeline.transforms if not isinstance(t, (Template, Categorical, Label))
                 for n in _transform_names(t)]
        unknown = [c for c in targets if known and c not in known]
        if unknown:
            raise ConfigError(f"[detectors.{name}] target_columns {unknown} are not numeric features of the "
                              f"[[transforms]] (those are {known}): name the column of a [[transforms]] table of "
                              "kind \"numeric\"")


def _transform_names(transform) -> list:
    """The features a transform makes, when known before the ETL is fitted (none otherwise)."""
    try:
        return list(transform.feature_names)
    except Exception:   # noqa: BLE001 - a transform whose features depend on its fit
        return []


#: The settings each threshold method reads; given with another method they were silently ignored.
_THRESHOLD_KEYS = {"threshold_value": "fixed", "k": "k_sigma", "contamination": "contamination"}


def _check_threshold_keys(name: str, spec: dict, cls) -> None:
    """A threshold setting given with a method that does not read it is a ConfigError (``threshold =
    "best_f1"`` with ``threshold_value = 0.3`` trained with the best-F1 threshold and recorded 0.3)."""
    method = spec.get("threshold", _default(cls, "threshold"))
    for key, reader in _THRESHOLD_KEYS.items():
        if key in spec and method != reader:
            raise ConfigError(f"[detectors.{name}] {key} = {spec[key]!r} is used only with threshold = \"{reader}\", "
                              f"but threshold is \"{method}\": remove {key}, or set threshold = \"{reader}\"")


def _default(cls, parameter: str):
    """The default of a constructor keyword of ``cls`` or of a base it passes ``**options`` on to."""
    for klass in cls.__mro__:
        if klass is object:
            break
        found = inspect.signature(klass.__init__).parameters.get(parameter)
        if found is not None and found.default is not inspect.Parameter.empty:
            return found.default
    return None


def next_record_lines(batch: SequenceBatch, record_lines) -> np.ndarray:
    """Line number of the record after each sequence that has a next event (``batch.next_ids >= 0``), -1 for the
    others: int64 ``[batch]``. The ETL keeps it (``batch.next_lines``: a window's next record, or the first record
    of a split session's next part); where that is unknown (-1, e.g. ``sequence_batch`` without ``next_lines``),
    the first of ``record_lines`` (every record the reader gave) after the sequence's last step. After multi-line
    records or quarantined lines that is not simply the next line number."""
    out = np.full(len(batch), -1, np.int64)
    if not len(batch):
        return out
    has_next = np.asarray(batch.next_ids) >= 0
    kept = getattr(batch, "next_lines", None)   # a batch-like object without it: every line unknown, searched
    kept = np.full(len(batch), -1, np.int64) if kept is None else np.asarray(kept, dtype=np.int64)
    known = has_next & (kept >= 0)
    out[known] = kept[known]
    lines = np.unique(np.asarray(list(record_lines), dtype=np.int64))
    search = has_next & ~known
    if not len(lines) or not search.any():
        return out
    last = batch.line_numbers[np.arange(len(batch)), np.maximum((batch.mask > 0).sum(axis=1) - 1, 0)]
    after = np.searchsorted(lines, last.astype(np.int64), side="right")
    followed = search & (after < len(lines))
    out[followed] = lines[after[followed]]
    return out


def window_truth(batch: SequenceBatch, line_labels: Optional[dict], *, next_event: bool,
                 positive=None, classes=None) -> np.ndarray:
    """0/1 truth per window: ``batch.labels`` (a class id > 0 is anomalous) and, for a next-event detector, the
    label of the record after the window too (the detector judges that record: flagging the window before an
    attack is a true positive). ``line_labels``: raw label value per record line (:func:`line_columns`), read by
    ``positive``: the label transform (a ``Label``: its rule, classes included), or its positive values (the
    default ``Label`` rule when None).

    ``classes``: the step classes that are anomalous, a classifier's ``positive_classes`` (whose probability its
    score is): a window is then anomalous when one of its real steps (``batch.step_labels``) is of one of them,
    as :meth:`SequenceClassifier.fit` reads ``y``. None: any class > 0 (``batch.labels``)."""
    if classes is None:
        truth = (np.asarray(batch.labels) > 0).astype(np.int64)
    else:
        steps = np.isin(np.asarray(batch.step_labels), [int(c) for c in classes]) & (np.asarray(batch.mask) > 0)
        truth = steps.any(axis=1).astype(np.int64)
    if next_event and line_labels is not None and len(line_labels):
        following = next_record_lines(batch, line_labels.keys())
        if isinstance(positive, Label):
            anomalous_value = positive.anomalous
        else:
            def anomalous_value(value):
                return Label.is_anomalous(value, positive)
        anomalous = np.array([n >= 0 and bool(anomalous_value(line_labels[int(n)])) for n in following], dtype=bool)
        truth |= anomalous.astype(np.int64)
    return truth


def normal_windows(batch: SequenceBatch, line_labels: Optional[dict] = None, positive=None) -> np.ndarray:
    """Indices of sequences with no anomalous step and, for next-event windows, no anomalous next record
    (``line_labels``, ``positive``: see :func:`window_truth`; ``"0"``, ``"normal"``, ``"-"``, ... are normal)."""
    return np.flatnonzero(window_truth(batch, line_labels, next_event=True, positive=positive) == 0)


def line_columns(pipeline: Pipeline, source, columns) -> dict:
    """``{column: {line number: value}}`` of input fields (e.g. the label and the anomaly type of every
    record), in one read of ``source``; None entries of ``columns`` are skipped. A JSON-lines or CSV field the
    model's reader does not map is read under its own name (path or header column). A field the input does not
    have is a :class:`ConfigError` listing the input's fields."""
    asked = [c for c in dict.fromkeys(columns) if c is not None]
    if not asked:
        return {}
    # a column an extract transform derives (e.g. the label's) is derived here too, from the field it reads
    extracts = [t for t in pipeline.transforms if isinstance(t, Extract)]
    derived = {t.into: t for t in extracts}
    wanted, todo, followed = [], list(asked), set()
    while todo:
        column = todo.pop(0)
        if column in derived and column not in followed:   # (also a reader field an extract writes over)
            followed.add(column)
            read_from = derived[column].column
            if read_from == column:   # an extract writing over the field it reads: the field is read
                wanted.append(column)
            else:
                todo.append(read_from)
        elif column not in followed and column not in wanted:
            wanted.append(column)
    reader = copy.deepcopy(pipeline.reader)
    reader.quarantine = None   # the scoring read quarantined the bad lines already
    # and warned about them: this read of the same files does not warn again (it warned twice per file)
    warned = set((getattr(pipeline.reader, "_history", None) or {}).get("warned", ()))
    reader._history = {"quarantine": None, "started": False, "quarantined": set(), "warned": warned}
    # a field asked for here and absent is the ConfigError below, not also a warning that it was "scored without it"
    reader.expected_absent = frozenset(reader.expected_absent) | set(wanted)
    mapped = list(reader.fields)
    extra = [c for c in wanted if c not in mapped] if getattr(reader, "aliases", None) is not None else []
    for column in extra:
        reader.aliases[column] = [column]
        if hasattr(reader, "_seen_fields"):
            reader._seen_fields.append(column)
    # Read as the input is scored (the fields a scoring input may lack are allowed to be absent), and the
    # fields asked for here too, so that their absence is reported below with the input's own fields.
    frame = reader.read(source, optional=list(pipeline.optional_fields) + wanted)
    for column in wanted:
        if column in reader.report.absent_fields:
            available = getattr(reader, "_header", None) if isinstance(reader, CsvReader) else None
            raise ConfigError(_no_field(source, column, list(available or getattr(reader, "_keys", ())), mapped))
    for column in wanted:
        if column not in frame:
            raise ConfigError(_no_field(source, column, [c for c in frame.columns if c != LINE_NUMBER], mapped))
    for transform in extracts:   # in the pipeline's order, as the ETL derives them (an extract of an extract too,
        if transform.column in frame:   # and one writing over the field it reads)
            frame[transform.into] = transform.derive(frame)[transform.into]
    lines = frame[LINE_NUMBER].astype(int)
    return {column: dict(zip(lines, frame[column])) for column in asked}


def _no_field(source, column: str, available, mapped) -> str:
    names = f"its fields are {list(available)}"
    if list(mapped) != list(available):
        names += f" (the reader's fields: {list(mapped)})"
    return (f"{source}: the input has no field {column!r}; {names}: name one of them (run.toml [data] label_field / "
            "kinds_field; evaluate --kinds-field)")


def is_missing(value) -> bool:
    """None or NaN: a record without a value (an empty CSV cell, an absent or null JSON key)."""
    return value is None or (isinstance(value, float) and value != value)


def check_labelled(source, field: str, values: dict) -> None:
    """Evaluation needs truth: a label field with no value in any record of ``source`` is an error."""
    if values and all(is_missing(v) for v in values.values()):
        raise ConfigError(f"{source}: the label field {field!r} has no value in any of its {len(values)} records "
                          "(absent or null in every one), so there is no truth to evaluate against: give labelled "
                          "logs, or check the label field's name")


def _label_values(pipeline: Pipeline, source, column: Optional[str]) -> str:
    """`` (the values of its field 'c' in <source>: 'BENIGN' 9,000 times, ...)`` for an error message (one read)."""
    if column is None or source is None:
        return ""
    try:
        values = line_columns(pipeline, str(source), [column]).get(column) or {}
    except Exception:   # noqa: BLE001 - only an error message's detail
        return ""
    counts: dict[str, int] = {}
    for value in values.values():
        key = "<missing>" if is_missing(value) else repr(value)
        counts[key] = counts.get(key, 0) + 1
    common = sorted(counts.items(), key=lambda item: -item[1])
    listed = ", ".join(f"{value} {n:,} time{'s' if n > 1 else ''}" for value, n in common[:6])
    return f" (the values of its field {column!r} in {Path(str(source)).name}: {listed}{', ...' if len(common) > 6 else ''})"


def _check_positive_values(table: str, label: Label, pipeline: Pipeline, batches: list, sources: list) -> None:
    """A ``positive`` list that names no value of the label column as written, when one read otherwise matches.

    The fit checks the training records (:meth:`Label.observed`); this checks the test part too (a separate test
    file, or a split's test part), which the fit does not read: ``positive = ["error"]`` on a ``Level`` column
    holding ``ERROR`` there made every test line normal, silently.

    Raises
    ------
    LabelValuesError
        No step of ``batches`` is labelled anomalous, and a value of the label column in ``sources`` equals a
        ``positive`` value once case and surrounding blanks are ignored: names the values to write.
    """
    if any(bool(np.any(np.asarray(b.step_labels)[np.asarray(b.mask) > 0] > 0)) for b in batches):
        return
    columns = []
    for source in sources:
        try:
            columns.append(line_columns(pipeline, str(source), [label.column]).get(label.column) or {})
        except Exception:   # noqa: BLE001 - the check is a hint; the read itself succeeded before
            return
    near = near_positive_counts(label, columns)
    if near:
        raise LabelValuesError(table, label.column, label.positive, near)


def near_positive_counts(label: Label, columns: list) -> dict:
    """The values of the label column that differ from a ``positive`` value only in case or blanks -> their count of
    lines, when no value matches one as written ({} otherwise).

    Parameters
    ----------
    label : Label
        A label transform with a ``positive`` list.
    columns : list of dict
        Per source read, line -> the label column's value (:func:`line_columns`).

    Returns
    -------
    dict
        Value as written -> its count of lines; empty when a value matches as written (its lines are in no
        sequence: the list is right) or none is near.
    """
    near: dict[str, int] = {}
    for values in columns:
        texts = label.near_positive(values.values())
        if texts is None:
            return {}
        for value in values.values():
            if not is_missing(value) and str(value) in texts:
                near[str(value)] = near.get(str(value), 0) + 1
    return near


def check_evaluated_positive_values(where: str, label: Label, batch: SequenceBatch, values: dict) -> None:
    """``dl4j-bridge evaluate``: the saved model's ``positive`` list against the label values of the evaluated input,
    read already for the truth (no cost to ``score``), in the words of the fit's check.

    Parameters
    ----------
    where : str
        The input, e.g. ``"--input test.log"``.
    label : Label
        The model's label transform.
    batch : SequenceBatch
        The input's sequences.
    values : dict
        Line -> the label column's value in the input.

    Raises
    ------
    LabelValuesError
        No step of ``batch`` is labelled anomalous, no value matches a ``positive`` value as written and some differ
        from one only in case or blanks: a saved model keeps its list, so it says to train again with them.
    """
    if label.positive is None or bool(np.any(np.asarray(batch.step_labels)[np.asarray(batch.mask) > 0] > 0)):
        return
    near = near_positive_counts(label, [values])
    if near:
        raise LabelValuesError(f"{where}: the model's label transform (column {label.column!r})", label.column,
                               label.positive, near, saved=True)


def _normal_advice(table: Optional[str], label: Optional[Label]) -> str:
    """What to write when the normal lines are not read as normal."""
    if label is None:
        return ("add a [[transforms]] table with kind = \"label\" and column = the per-line truth field, or set "
                "train_on = \"all\"")
    where = f"{table}"
    if label.classes is not None:
        return (f"{where} lists classes {label.classes}, the normal one first: put the value of the normal lines "
                "first")
    if label.positive is not None:
        return f"{where} counts as anomalous exactly the values positive = {label.positive}: correct that list"
    return (f"{where} counts as normal only missing values and {list(label.negative)} (blanks and case ignored); if "
            "the normal lines are labelled otherwise, say so in that table: negative = [\"<the normal value>\", ...] "
            "(the normal values), positive = [...] (the anomalous ones), or classes = [\"<the normal value>\", "
            "\"<attack 1>\", ...]")


def _check_two_classes(name: str, det, batch: SequenceBatch, pipeline: Pipeline, source) -> None:
    """A classifier trained on labels of one class learns nothing useful (and reports a perfect F1 on labels of
    that class): refused before training, naming the label transform and what to do."""
    steps = np.asarray(batch.step_labels)[np.asarray(batch.mask) > 0]
    positive = set(int(c) for c in det.positive_classes)
    has_normal = bool(np.any(steps == 0))
    has_anomalous = bool(np.isin(steps, list(positive)).any())
    if has_normal and has_anomalous:
        return
    table, label = label_transform(pipeline)
    values = _label_values(pipeline, source, label.column if label is not None else None)
    if not len(steps):
        raise ConfigError(f"[detectors.{name}]: no training step to learn from")
    if not has_normal:
        raise ConfigError(
            f"[detectors.{name}] (sequence_classifier): every one of the {len(steps):,} training steps is labelled "
            f"anomalous by {table}{values}, so the classifier would learn that everything is an attack (and its "
            f"report would show a perfect F1): {_normal_advice(table, label)}")
    raise ConfigError(
        f"[detectors.{name}] (sequence_classifier): no training step is labelled anomalous"
        + (f" (of class {sorted(positive)}, positive_classes)" if label is not None and label.classes is not None
           else "") + f" by {table}{values}, so the classifier has no attack to learn from: give training logs with "
        "labelled attacks, list the anomalous values in that table (positive = [...] or classes = [...]), or use "
        "kind = \"next_event\", which learns from normal logs without labels")


def chronological_validation(batch: SequenceBatch, fraction: float = 0.1, *, need_both_classes: bool = False,
                             labels: Optional[np.ndarray] = None):
    """(train, validation): a contiguous block of ``fraction`` of the sequences held out, the last one by
    default. With ``need_both_classes`` (a threshold chosen by best F1) the latest block holding normal and
    anomalous sequences is used, by ``labels`` (0/1 per sequence; default ``batch.labels > 0``; a classifier's are
    those of its ``positive_classes``)."""
    n = len(batch)
    n_val = max(1, int(round(fraction * n)))
    start = n - n_val
    truth = (np.asarray(batch.labels) > 0) if labels is None else np.asarray(labels) > 0
    if need_both_classes:
        for candidate in range(n - n_val, -1, -n_val):
            block = truth[candidate:candidate + n_val]
            if block.any() and not block.all():
                start = candidate
                break
    val_idx = np.arange(start, start + n_val)
    train_idx = np.setdiff1d(np.arange(n), val_idx)
    return take(batch, train_idx), take(batch, val_idx)


def with_next_event(batch: SequenceBatch) -> np.ndarray:
    """Per sequence: whether any real step has a next event to predict (a later real step of the sequence, or,
    at its last step, the event after it: ``next_ids``), i.e. whether a next-event detector can learn from or be
    validated on it. A session of one event has none: its only step is also its last."""
    real = (np.asarray(batch.mask) > 0).sum(axis=1)
    after = np.asarray(batch.next_ids) >= 0 if batch.next_ids is not None else np.zeros(len(batch), bool)
    return (real >= 2) | ((real >= 1) & after)


def _with_next_step(batch: SequenceBatch) -> np.ndarray:
    """Per sequence, whether it holds two real steps: a next-value model predicts a step's values from the steps
    before it (next_ids, an event id, is no value to predict)."""
    return (np.asarray(batch.mask) > 0).sum(axis=1) >= 2


def _check_next_event_parts(name: str, fraction: float, fit_batch: SequenceBatch, fit_part: SequenceBatch,
                            val_part: Optional[SequenceBatch], unit: str, kind: str = "next_event") -> None:
    """A next-event (``kind``: or next-value) detector's training and validation parts must hold a step with a
    next event (next value: two steps), else ``ConfigError`` in run.toml's words (a next-event fit would stop with a
    Python-argument error; a next-value one chose its threshold on validation scores all 0: every sequence flagged)."""
    has_next = with_next_event if kind == "next_event" else _with_next_step
    what = "a next event" if kind == "next_event" else "a next value"
    has = has_next(fit_batch)
    n = len(fit_batch)
    one = f"{int((~has).sum()):,} of the {n:,} training {unit} have no step with {what} to predict"
    cause = (f" ({one}: a session's last event has no next one, so a session of one event gives a "
             f"{kind.replace('_', '-')} detector nothing to learn from or validate on)" if unit == "sessions"
             else f" ({one})")
    if not has.any():
        raise ConfigError(
            f"[detectors.{name}] ({kind}): none of the {n:,} training {unit} holds a step with {what}"
            f"{cause}, so there is nothing to learn: key sessions so that they hold several events ([sequence] key), "
            "or use [sequence] kind = \"windows\" (length, next_event = true) over the log")
    if val_part is not None and not has_next(val_part).any():
        last = int(np.flatnonzero(has)[-1])
        needed = int(np.ceil(100.0 * (n - last) / n)) / 100.0   # the block then reaches the last usable sequence
        keeps = needed < 1 and has[:n - max(1, int(round(needed * n)))].any()
        raise ConfigError(
            f"[detectors.{name}] validation_fraction = {fraction:g}: the validation block (the last {len(val_part):,} "
            f"of the {n:,} training {unit}) holds no step with {what}{cause}, so there is nothing to validate "
            "on: " + (f"raise validation_fraction to {needed:g} or more, so that the block reaches {unit} of several "
                      "events, or " if keeps else "")
            + "set validation_fraction = 0 (no validation: no early stopping, the threshold chosen on the training "
            f"{unit})" + (", or key sessions so that they hold several events" if unit == "sessions" else ""))
    if not has_next(fit_part).any():
        raise ConfigError(
            f"[detectors.{name}] validation_fraction = {fraction:g}: the training {unit} left beside the validation "
            f"block ({len(fit_part):,}) hold no step with {what}{cause}, so there is nothing to learn: lower "
            "validation_fraction (0: no validation)")


def train(config: dict) -> dict:
    """Run the whole job; returns ``{"report": path, "models": {name: path}, "results": {...}}``."""
    check_config(config)
    data = _section(config, "data")
    output = dict(config.get("output", {}))
    seed = int(output.get("seed", 7))
    pipeline = build_pipeline(config)
    check_detector_names(list(_table(config, "detectors", {}) or {}))
    check_data(config, pipeline)   # files, a test part, labels for a classifier: before any work
    from ..jvmcheck import check_run_config
    jvm_check = check_run_config(config, pipeline)   # the JVM scorer can run the reader and transforms: before work
    train_source = _path(config, data.get("train"))
    test_source = _path(config, data.get("test"))
    reads: dict[str, dict] = {}   # what each file gave: in the report and results.json, not only in a log line
    if test_source is None:
        train_batch, test_batch = pipeline.fit_split(str(train_source))
        reads["train (split)"] = {**pipeline.report.to_dict(), **sequence_counts(pipeline)}
    else:
        pipeline.fit(str(train_source))
        train_batch = pipeline.transform(str(train_source), part_name="train")   # warnings say which file
        reads["train"] = {**pipeline.report.to_dict(), **sequence_counts(pipeline)}
        test_batch = pipeline.transform(str(test_source), part_name="test")
        reads["test"] = {**pipeline.report.to_dict(), **sequence_counts(pipeline)}
    # records of the test part whose template the model never saw in training (each the unknown event, id 0), as
    # score, evaluate and serve count them; None without a template transform (no such id)
    test_unknown = None if pipeline.template_transform is None else (
        pipeline.unknown_template_records if test_source is not None
        else pipeline.unknown_template_records_by_part.get("test", 0))
    log.info("ETL: %d training and %d test sequences of %s", len(train_batch), len(test_batch),
             train_batch.x.shape[1:])
    for part, counts in reads.items():
        if counts["bad_lines"] > counts["records"]:
            log.warning("[data] %s: %d of %d lines were bad and only %d records read (%s): check [reader] (the "
                        "format, fields, encoding) before trusting this model; the bad lines are %s", part,
                        counts["bad_lines"], counts["lines"], counts["records"], counts["bad_by_reason"],
                        f"in {counts['quarantine']}" if counts["quarantine"] else "not kept (no [reader] quarantine)")
    if len(test_batch) == 0:
        sequence = pipeline.sequence
        need = (f"a window needs {sequence.length + int(sequence.next_event)} records ([sequence] length"
                + (" + 1 for the next event)" if sequence.next_event else ")") if isinstance(sequence, Windows)
                else "a session needs a record with its key")
        where = (f"[data] test ({test_source})" if test_source is not None
                 else f"the [split]'s test part of [data] train ({train_source})")
        if test_source is None and isinstance(sequence, Sessions) and isinstance(pipeline.split, ChronologicalSplit) \
                and len(train_batch):
            # a larger test_fraction cannot help when one session (one key: a single Pid) spans the whole log
            need = ("a session belongs to the part of its first record, and every session of this log starts in the "
                    "training part")
            advice = ("cut a key's records into sessions with [sequence] gap, use [sequence] kind = \"windows\", "
                      "raise [split] test_fraction, or give [data] test")
        else:
            advice = ("give a test file with more records" if test_source is not None
                      else "raise [split] test_fraction, or give [data] test")
        raise ConfigError(f"{where} makes no sequence to test on ({need}; the log above says what was read): "
                          + advice)
    label_field, kinds_field = data.get("label_field"), data.get("kinds_field")
    # the test source's labels and anomaly types in one read (and the training labels too when it is the same file)
    test_fields = line_columns(pipeline, str(test_source or train_source), [label_field, kinds_field])
    test_labels, test_kinds = test_fields.get(label_field), test_fields.get(kinds_field)
    if label_field is not None:
        check_labelled(test_source or train_source, label_field, test_labels)
    train_labels = test_labels if test_source is None else \
        line_columns(pipeline, str(train_source), [label_field]).get(label_field)
    # read label_field as the label transform of the same field does (its values, classes or positive ones)
    positive = next((t for t in pipeline.transforms if isinstance(t, Label) and t.column == label_field), None)
    label_table, label = label_transform(pipeline)
    if label is not None and label.positive is not None:
        _check_positive_values(label_table, label, pipeline, [train_batch, test_batch],
                               [src for src in (train_source, test_source) if src is not None])

    # without labels every truth below is 0 by default, not by knowledge: the report then counts flags only
    labelled = label_field is not None or label is not None
    report = Report(_path(config, output.get("report", "reports/run")), output.get("title", "dl4j_bridge run"))
    report.text(f"Training: {len(train_batch)} sequences; test: {len(test_batch)} sequences "
                + (f"({int((test_batch.labels > 0).sum())} holding an anomalous line)" if labelled else "(no labels)")
                + f"; {train_batch.x.shape[1]} steps x {train_batch.x.shape[2]} features. Seed {seed}. "
                + (TRUTHS + " " if labelled else "") + test_part_text(test_batch, test_source is None))
    report.text("Read: " + "; ".join(read_counts_text(part, c) for part, c in reads.items()) + "."
                + ("" if test_unknown is None else f" Test part: unknown_template_records {test_unknown}"
                   + (" (records whose template the model never saw in training: each is the unknown event, id 0, "
                      "which a next-event model always finds unexpected)" if test_unknown else "") + "."))
    warning_at = len(report.parts)   # a test part of one class is said under the lines above (see one_class_text)
    models_dir = _path(config, output.get("models", "models/run"))
    results: dict[str, Any] = {}
    models = {}
    names = []
    detectors = config.get("detectors") or {}
    if not detectors:
        raise ConfigError("the config needs at least one [detectors.<name>] table")
    for name, spec in detectors.items():
        det = build_detector(name, spec, pipeline.n_template_ids or int(train_batch.step_ids.max()) + 1, seed,
                             pipeline=pipeline)
        if spec.get("train_on", "normal" if det.kind in _UNSUPERVISED else "all") == "normal":
            fit_batch = take(train_batch, normal_windows(train_batch, train_labels, positive))
            if not len(fit_batch):
                raise ConfigError(
                    f"[detectors.{name}] (train_on = \"normal\"): none of the {len(train_batch)} training windows "
                    "is normal by the labels" + _label_values(pipeline, train_source, label_field or
                                                             (label.column if label is not None else None))
                    + ": " + _normal_advice(label_table, label))
        else:
            fit_batch = train_batch
        if det.kind == "sequence_classifier":
            _check_two_classes(name, det, fit_batch, pipeline, train_source)
        fraction = float(spec.get("validation_fraction", 0.1))
        if fraction > 0:
            fit_part, val_part = chronological_validation(fit_batch, fraction,
                                                          need_both_classes=det.threshold == "best_f1",
                                                          labels=det._sequence_labels(fit_batch, None))
        else:   # no validation: no early stopping, the threshold chosen on the training sequences
            fit_part, val_part = fit_batch, None
        if det.kind in ("next_event", "next_value"):   # before the training it would stop, in run.toml's words
            _check_next_event_parts(name, fraction, fit_batch, fit_part, val_part,
                                    "sessions" if isinstance(pipeline.sequence, Sessions) else "windows", det.kind)
        if det.threshold == "best_f1":   # before the training it would end, in run.toml's words
            # judged as the fit judges them: a classifier by its positive_classes
            labels = det._sequence_labels(fit_part if val_part is None else val_part, None) > 0
            if not (labels.any() and not labels.all()):
                part = ("training" if val_part is None else
                        f"validation ({len(val_part)} of the {len(fit_batch)} training windows)")
                raise ConfigError(
                    f"[detectors.{name}] threshold = \"best_f1\" needs validation windows of both classes, but every "
                    f"{part} window is {'anomalous' if labels.all() else 'normal'}: raise [detectors.{name}] "
                    f"validation_fraction (now {fraction:g}) so that the validation block holds both, or choose "
                    "another threshold (\"k_sigma\", \"contamination\", or \"fixed\" with threshold_value)")
        log.info("training %s (%s) on %d sequences", name, det.kind, len(fit_part))
        det.fit(fit_part, validation=val_part, pipeline=pipeline)
        models[name] = str(det.save(models_dir / f"{name}.zip", pipeline=pipeline, jvm_check=jvm_check))
        scores = det.score_batch(test_batch)
        training = training_check(name, det, fit_part)
        report.parts.append(f"## Detector `{name}` ({det.kind})\n\nModel file: `{Path(models[name]).name}`; "
                            f"{det.history_.epochs_completed} epochs, best {det.history_.best_epoch + 1}. "
                            + training["text"] + "\n")
        next_event = det.kind == "next_event"
        classes = det.positive_classes if det.kind == "sequence_classifier" else None
        truth = window_truth(test_batch, test_labels, next_event=next_event, positive=positive, classes=classes)
        m = report.model(name, truth, scores.scores, det.threshold_, order=_order(test_batch),
                         threshold_method=det.threshold_method_, labelled=labelled)
        from ..cli import unjudged_sequences

        unjudged = int(unjudged_sequences(test_batch, scores.scored_steps, det.kind).sum()) \
            if det.kind in ("next_event", "next_value") else 0
        if unjudged:
            what = "sequences of one record" if det.kind == "next_value" else "sessions of one event"
            report.text(f"{unjudged} test sequence(s) had no step to judge ({what}): they score 0 and are counted "
                        "above (unjudged_sequences).")
        report.text("Flagged sequences (traceability):\n\n" + explanations_markdown(det.explain(test_batch, scores=scores)))
        clean = None if test_kinds is None else (truth == 0) if classes is None else \
            window_truth(test_batch, test_labels, next_event=next_event, positive=positive) == 0
        results[name] = {"metrics": m, "per_type": _per_type(test_batch, scores.scores, test_kinds,
                                                             next_event=next_event, label=label,
                                                             warn=not names, clean=clean,
                                                             kinds_column=kinds_field),
                         "training": {k: v for k, v in training.items() if k != "text"},
                         "unjudged_sequences": unjudged}
        names.append(name)
    baseline_spec = config.get("baselines", {"pca": True, "isolation_forest": True})
    clean_train = take(train_batch, normal_windows(train_batch, train_labels, positive))
    # windows: each window's steps one after the other; sessions (of any length): the per-feature sums over a
    # session's steps, the event count vector for one-hot templates (README, "Detectors": baselines)
    sessions = isinstance(pipeline.sequence, Sessions)
    representation = "counts" if sessions else "flat"
    for key, cls in (("pca", PCABaseline), ("isolation_forest", IsolationForestBaseline)):
        if baseline_spec.get(key, True):
            model = cls(seed=seed, representation=representation).fit(clean_train)
            scores = model.decision_function(test_batch)
            threshold = float(np.quantile(model.decision_function(clean_train), 0.99))
            report.parts.append(f"## Baseline {cls.name}\n\nFitted on the normal training windows"
                                + (" (each session as its feature sums over its events: event counts, in any "
                                   "order)" if sessions else "") + "; threshold: the 99th percentile of their "
                                "scores.\n")
            truth = window_truth(test_batch, None, next_event=False)
            m = report.model(cls.name, truth, scores, threshold, order=_order(test_batch),
                             threshold_method={"name": "quantile of the normal training windows' scores",
                                               "quantile": 0.99, "n": len(clean_train)}, labelled=labelled)
            results[cls.name] = {"metrics": m, "per_type": _per_type(test_batch, scores, test_kinds, label=label,
                                                                     warn=not names, clean=truth == 0,
                                                                     kinds_column=kinds_field)}
            names.append(cls.name)
    one_class = one_class_text(
        f"[data] test ({Path(str(test_source)).name})" if test_source is not None
        else f"the [split]'s test part of [data] train ({Path(str(train_source)).name})",
        {n: results[n]["metrics"] for n in names},
        "give [data] test a later file that holds anomalous lines" if test_source is not None
        else "split so that the test part holds anomalous lines (another [split] test_fraction, or kind = \"key\"), "
             "or give [data] test a later file that holds them") if labelled else None
    if one_class:
        log.warning("%s", one_class)
        report.parts.insert(warning_at, f"**Warning: {one_class}.**\n")
    report.comparison(names)
    if labelled or kinds_field is not None:   # the table, or why there is none
        per_type_section(report, {n: results[n]["per_type"] for n in names}, "[data] kinds_field", kinds_field,
                         label=positive, own_column=kinds_field == label_field)
    computed_on = runtime()
    report.text(RUNTIME_TEXT.format(**computed_on))
    path = report.write()
    summary = {"report": str(path), "models": models, "read": reads, "runtime": computed_on, "labelled": labelled,
               "results": {n: {k: v for k, v in r.items()} for n, r in results.items()}}
    if one_class:
        summary["one_class_warning"] = one_class
    if test_unknown is not None:   # the test part's, as score's summary counts them
        summary["unknown_template_records"] = int(test_unknown)
    atomic_write_text(Path(path).parent / "results.json", json.dumps(summary, indent=1, sort_keys=True) + "\n")
    return summary


def sequence_counts(pipeline: Pipeline) -> dict:
    """What the last transforming pass left out of the sequences or cut (nonzero counts only), for the report's
    "Read" line and results.json: ``records_without_key`` (sessions: in no session, not scored), ``split_sessions``
    / ``extra_parts`` (longer than ``max_length``), ``truncated_sessions`` / ``truncated_records``,
    ``unwindowed_records`` (windows: in no window, not scored), ``gap_sessions`` (sessions a ``gap`` started)."""
    names = ("records_without_key", "split_sessions", "extra_parts", "truncated_sessions", "truncated_records",
             "unwindowed_records", "gap_sessions")
    return {name: int(getattr(pipeline, name, 0)) for name in names if getattr(pipeline, name, 0)}


def sequence_counts_text(counts: dict) -> str:
    """The words for :func:`sequence_counts` in the report's "Read" line ("" when none)."""
    words = {"records_without_key": "records without a session key (in no session: not scored)",
             "split_sessions": "sessions longer than [sequence] max_length (split into parts)",
             "truncated_sessions": "sessions cut at max_length",
             "truncated_records": "records cut off with them (not scored)",
             "unwindowed_records": "records in no window (not scored)",
             "gap_sessions": "more sessions started by [sequence] gap (a key idle longer than gap)"}
    return "".join(f", {counts[k]} {text}" for k, text in words.items() if counts.get(k))


def one_class_line(figures: dict) -> Optional[str]:
    """The console's line beside the figures when a model's test sequences are of one class only by the labels
    (:func:`one_class_text` gives the warning in full), or None.

    Parameters
    ----------
    figures : dict
        Model name -> its :func:`~dl4j_bridge.detectors.evaluation.metrics`.
    """
    labelled = [m for m in figures.values() if m.get("labelled", True)]
    said = []
    if any(m["positives"] == 0 and m["negatives"] > 0 for m in labelled):
        said.append("no anomalous sequence by the labels: roc_auc, average_precision, recall and f1 are undefined "
                    "(n/a), precision only counts false alarms")
    if any(m["negatives"] == 0 and m["positives"] > 0 for m in labelled):
        said.append("no normal sequence by the labels: roc_auc, average_precision and fpr are undefined (n/a)")
    return "; ".join(said) + " (see the warning)" if said else None


def one_class_text(where: str, figures: dict, advice: str) -> Optional[str]:
    """The warning for test sequences of one class only by the labels, or None (both classes, or no labels).

    With no anomalous test sequence, ROC AUC, average precision, recall, F1 and F2 are undefined (the metrics give
    None, shown ``n/a``) and precision is 0 whenever anything is flagged (every flag is a false alarm); with no
    normal one, ROC AUC, average precision and FPR are undefined and precision is 1. The figures then say nothing
    of how well anomalies are told from normal behaviour.

    Parameters
    ----------
    where : str
        The test sequences, e.g. ``"the test part ([split] of app.log: lines 1401 to 1999)"`` or ``"--input x.log"``.
    figures : dict
        Model name -> its :func:`~dl4j_bridge.detectors.evaluation.metrics` (each judged against its own truth).
    advice : str
        What to do, e.g. ``"test on logs holding anomalous lines"``.

    Returns
    -------
    str or None
    """
    labelled = {n: m for n, m in figures.items() if m.get("labelled", True)}
    parts = []
    for key, other, what, undefined in (
            ("positives", "negatives", "anomalous", "ROC AUC, average precision, recall, F1 and F2 are undefined (n/a) "
                                                    "and precision is 0 whenever anything is flagged (every flag is a "
                                                    "false alarm): only fpr and accuracy, the false alarms, mean "
                                                    "something"),
            ("negatives", "positives", "normal", "ROC AUC, average precision and fpr are undefined (n/a) and "
                                                 "precision is 1 whenever anything is flagged: only recall, the "
                                                 "anomalies found, means something")):
        names = [n for n, m in labelled.items() if m[key] == 0 and m[other] > 0]
        if not names:
            continue
        n = float(labelled[names[0]][other])
        n = int(n) if n.is_integer() else n
        whose = "" if len(names) == len(figures) else f" for {', '.join(names)} (each model judged by its own truth)"
        parts.append(f"{where} holds no {what} sequence by the labels{whose} (0 of {n:,} sequences), so "
                     f"{undefined}")
    if not parts:
        return None
    return "; and ".join(parts) + f". To measure detection, {advice}"


def test_part_text(test_batch: SequenceBatch, split: bool) -> str:
    """Where the test sequences are in the raw input (with a split of one file, where the split fell)."""
    lines = np.asarray(test_batch.line_numbers) if test_batch.line_numbers is not None else np.zeros(0)
    real = lines[lines > 0]
    if not len(real):
        return ""
    where = f"lines {int(real.min())} to {int(real.max())}"
    return (f"The test sequences hold {where} of the file" + (" ([split])" if split else "") + ".")


#: A next-event or next-value detector flagging more of its own training sequences than this share is reported as
#: likely under-trained (a model of normal behaviour should find its training data normal).
TRAINING_FLAG_WARNING_SHARE = 0.1
#: A loss whose last tenth of epochs made more than this share of its whole fall is reported as still falling.
STILL_FALLING = 0.05


def training_check(name: str, det, fit_part: SequenceBatch) -> dict:
    """How the fitted detector judges its own training sequences, and whether its loss had stopped falling:
    ``{"epochs", "best_epoch" (counted from 1, as the report says it), "sequences", "flagged", "text"}``; logs a
    warning for a likely under-trained model: a loss (the validation loss, else the training loss) whose last tenth
    of the epochs (at least one) made more than :data:`STILL_FALLING` of its whole fall when they ran out, or a
    next-event or next-value detector (models of normal data) flagging more than :data:`TRAINING_FLAG_WARNING_SHARE`
    of its own training sequences. The advice is the kind's own: a larger ``top_g`` for a next-event detector, a
    larger ``k`` (``k_sigma``) or another threshold for a next-value one."""
    history = det.history_
    flagged = int(det.predict(fit_part).sum())
    n = len(fit_part)
    out = {"epochs": int(history.epochs_completed), "best_epoch": int(history.best_epoch) + 1, "sequences": n,
           "flagged": flagged}
    text = f"On its own {n} training sequences it flags {flagged} ({flagged / max(n, 1):.1%})."
    which = "validation" if len(history.validation_scores) else "training"
    losses = np.asarray(history.validation_scores if which == "validation" else history.epoch_scores, np.float64)
    k = max(1, len(losses) // 10)
    # the share of the loss's whole fall made in the last k epochs: about k / epochs while it falls steadily, near 0
    # once it has levelled off (a share of the last value itself is large for a loss near 0 however flat it is)
    whole = losses[0] - losses[-1] if len(losses) else 0.0
    fell = (losses[-1 - k] - losses[-1]) / whole if len(losses) > k and whole > 0 else 0.0
    still_falling = (history.epochs_completed == det.epochs and not history.stopped_early and not history.cancelled
                     and fell > STILL_FALLING)
    many = det.kind in ("next_event", "next_value") and n and flagged / n > TRAINING_FLAG_WARNING_SHARE
    if det.kind == "next_value":   # its threshold, not a top-g rule, decides what it flags
        looser = (f"a larger k (now {det.k:g}: the threshold is the validation scores' mean + k standard deviations)"
                  if det.threshold == "k_sigma" else "a higher threshold")
    else:
        looser = "a larger top_g"
    advice = []
    if still_falling:
        advice.append(f"its {which} loss still fell in its last {k} of {det.epochs} epochs ({fell:.0%} of its "
                      "whole fall)")
    if many:
        advice.append(f"it flags {flagged} of its own {n} training sequences ({flagged / n:.0%}), which it should "
                      "find normal")
    if advice and history.stopped_early:
        # more epochs change nothing here: early stopping ended the training at epoch best + patience
        warning = (f"[detectors.{name}] flags many of its own training sequences although early stopping ended its "
                   f"training (epoch {out['epochs']}, best {out['best_epoch']}): " + "; and ".join(advice)
                   + ": its validation part (the last validation_fraction of the training sequences) may be unlike "
                   f"the rest; raise [detectors.{name}] patience (now {det.patience}) or set validation_fraction = 0, "
                   f"or use {looser}")   # (only "many" can be said then: a next-event or next-value detector)
    elif advice:
        warning = (f"[detectors.{name}] may be under-trained: " + "; and ".join(advice) + f": raise "
                   f"[detectors.{name}] epochs (now {det.epochs})" + (" or learning_rate" if many else ""))
    if advice:
        log.warning("%s", warning)
        text += " **" + warning + ".**"
    out["text"] = text
    return out


#: The modules of the ``report`` extra (pyproject.toml): import name -> distribution name.
REPORT_MODULES = {"sklearn": "scikit-learn", "matplotlib": "matplotlib"}


def require_report_extras(command: str) -> None:
    """Refuse at once, before the JVM starts and any model is trained, when the ``report`` extra is missing: the
    metrics, baselines and plots of ``train`` / ``evaluate`` need it (it failed after the first detector's training,
    as an "unexpected ModuleNotFoundError").

    Raises
    ------
    MissingExtraError
        Naming the missing distributions and the pip command.
    """
    import importlib.util

    from ..errors import MissingExtraError

    missing = []
    for module, distribution in REPORT_MODULES.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(distribution)
    if missing:
        raise MissingExtraError(f"{command} needs {' and '.join(missing)} (the 'report' extra: metrics, baselines "
                                "and plots), which this Python does not have: pip install 'dl4j-bridge[report]' "
                                "(in a checkout: pip install -e '.[report]', which make demo and make test run)")


def runtime() -> dict:
    """What the run's figures depend on besides the seed and the data: ``{"dl4j_bridge", "dl4j", "nd4j_threads",
    "nd4j_cpu_build", "numpy_blas_threads"}`` (strings; the thread counts as the libraries report them).

    The same seed and data give the same weights, scores and report bit for bit only with the same ND4J thread count
    and CPU build (the order of a parallel sum changes the last bits, and epochs carry them on); the PCA baseline's
    figures depend on numpy's BLAS threads likewise.
    """
    from ..session import jvm_info
    from ..version import build_identity

    info = jvm_info()
    return {"dl4j_bridge": build_identity(), "dl4j": info.get("dl4j.version", "?"),
            "nd4j_threads": info.get("nd4j.omp.threads", "?"), "nd4j_cpu_build": info.get("nd4j.cpu.build", "?"),
            "numpy_blas_threads": _numpy_blas_threads()}


def _numpy_blas_threads() -> str:
    """The thread count of numpy's BLAS, or ``"?"`` when threadpoolctl is not installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "?"
    counts = sorted({str(pool.get("num_threads")) for pool in threadpool_info() if pool.get("user_api") == "blas"})
    return ",".join(counts) or "?"


#: The report's last line: what the figures depend on besides the seed and the data (see :func:`runtime`).
RUNTIME_TEXT = ("Computed by {dl4j_bridge} on Deeplearning4j {dl4j}, {nd4j_threads} ND4J threads, its "
                "{nd4j_cpu_build} CPU build (numpy BLAS threads: {numpy_blas_threads}). The same seed and data give "
                "the same figures bit for bit with the same thread counts and CPU build; other thread counts or "
                "builds can change the last bits of the weights and scores, and with them the figures slightly.")


#: How ``train`` judges each model (the report says it once; the tables give each model's positives).
TRUTHS = ("Truth: a test window is anomalous when one of its lines is labelled anomalous (a label class > 0); for "
          "a sequence classifier, when one of its lines is of one of its positive_classes (the classes whose "
          "probability its score is); for a next-event detector, also when the record after the window is "
          "anomalous (it judges that record). The baselines are judged by the first rule.")

#: What the per-type ROC AUC compares (``train`` and ``dl4j-bridge evaluate``).
PER_TYPE_HEADING = ("Positives: test windows holding a line of the type (for a next-event detector, or followed by "
                    "one); negatives: windows without any anomalous line by the labels (nor, for a next-event "
                    "detector, followed by one).\n")


def absent_classes(label: Optional[Label], types) -> Optional[str]:
    """The report's sentence naming the label transform's anomalous classes that no per-type column shows (no test
    window holds them), or None: a class missing from the test file had left the table without a word."""
    if label is None or label.classes is None:
        return None
    missing = [c for c in label.classes[1:] if c not in set(types)]
    return None if not missing else (f"No ROC AUC for the label classes {', '.join(missing)}: no test window holds a "
                                     "line of them.")


def read_counts_text(part: str, counts: dict) -> str:
    """The report's ``Read:`` text of one file: every physical line accounted for.

    Parameters
    ----------
    part : str
        What the file is to the run (``train``, ``train (split)``, ``test``).
    counts : dict
        The read's counts (``ReadReport.to_dict()`` plus the sequences' counts).

    Returns
    -------
    str
        ``<part> <file>: <lines> lines, <records> records, ...``: the lines that are no record of their own
        (continuation lines joined to their record, blank lines, a CSV header) are named when there are any, so
        that lines, records and bad lines add up (2,008 lines, 2,001 records and 0 bad read as 7 lines lost).
    """
    c = counts
    text = f"{part} {Path(c['source']).name}: {c['lines']} lines, {c['records']} records"
    for key, words in (("continuation_lines", "continuation lines (joined to the record before them)"),
                       ("blank_lines", "blank lines"), ("header_lines", "header lines")):
        if c.get(key):
            text += f", {c[key]} {words}"
    text += f", {c['bad_lines']} bad"
    if c["bad_lines"]:
        text += f" ({', '.join(f'{reason} {n}' for reason, n in c['bad_by_reason'].items())})"
        if c["quarantine"]:
            text += f", quarantined in {c['quarantine']}"
    return text + sequence_counts_text(c)


def no_type_text(field: str) -> str:
    """The report's line when no test window holds a line of an anomaly type; ``field`` names the setting
    (run.toml or CLI)."""
    return (f"No ROC AUC per type: no test window holds a line of an anomaly type (every value of {field} in the "
            "test windows is missing or a normal label value), so there is no table.")


def per_type_section(report: Report, per_type: dict, setting: str, field: Optional[str], *,
                     label: Optional[Label] = None, own_column: bool = False, by_model: bool = True) -> None:
    """Append the report's "ROC AUC per anomaly type" section: the table, or one line saying why there is none.

    Parameters
    ----------
    report : Report
        The report to append to.
    per_type : dict
        Model name -> its :func:`_per_type` result (None when no kinds field was read).
    setting : str
        How the user names the kinds field: ``"[data] kinds_field"`` (train) or ``"--kinds-field"`` (evaluate).
    field : str or None
        The kinds field, or None when none was given.
    label : Label, optional
        The label transform (its classes that no column shows are named).
    own_column : bool
        The kinds field is the label's own column.
    by_model : bool
        One row per model, one column per type (train); else one row per type of the one model (evaluate).
    """
    report.parts.append("## ROC AUC per anomaly type\n")
    if field is None or all(result is None for result in per_type.values()):
        report.text(f"No ROC AUC per type: no kinds field, so there is no table; set {setting} to the field holding "
                    "each line's anomaly type (the label field itself will do) to get one.")
        return
    kinds = sorted({k for result in per_type.values() for k in (result or {})})
    if not kinds:
        report.text(no_type_text(f"{setting} {field!r}" if setting.startswith("--") else f"{setting} = {field!r}"))
        return
    report.parts.append(PER_TYPE_HEADING)
    if by_model:   # a type none of a model's windows holds (results.json: no entry) is '-', not n/a (null there)
        report.table(["model"] + kinds,
                     [[n] + [(result or {}).get(k, "-") for k in kinds] for n, result in per_type.items()])
    else:
        (result,) = per_type.values()
        report.table(["type", "roc_auc"], sorted(result.items()))
    if any(value is None for result in per_type.values() for value in (result or {}).values()):
        report.text("n/a: no test window free of anomalous lines to serve as a negative beside that type's windows.")
    if by_model and any(k not in (result or {}) for result in per_type.values() for k in kinds):
        report.text("`-`: none of that model's test windows holds a line of the type (a next-event detector's windows "
                    "count the record after them too).")
    missing = absent_classes(label, kinds) if own_column else None
    if missing:
        report.text(missing)


def _order(batch: SequenceBatch) -> np.ndarray:
    return batch.line_numbers[:, 0].astype(np.float64)


def _per_type(batch: SequenceBatch, scores: np.ndarray, line_kinds: Optional[dict], *,
              next_event: bool = False, label: Optional[Label] = None, warn: bool = True,
              clean: Optional[np.ndarray] = None, kinds_column: Optional[str] = None) -> Optional[dict]:
    """ROC AUC per anomaly type: windows holding that type's lines (for a next-event detector, or followed by
    one) against windows without anomalous lines: ``clean``, per window True when the labels mark none of its
    lines anomalous (e.g. ``window_truth(...) == 0``; a line that is anomalous but has no type is not
    clean). Without ``clean`` (no label truth), the windows holding no line of a type are the negatives.

    A kind value is no type (a normal line) when it is missing, ``"None"`` or a normal label value: by
    ``label``'s rule when given (the run's label transform: its first class, its normal values; a ``positive``
    list only when ``kinds_column`` is the label's own column, since it names that column's anomalous values: with
    ``positive = ["ERROR"]`` on a ``Level`` column, ``INFO`` and ``WARN`` are normal lines, not types), else by the
    default ``Label`` rule (``"normal"``, ``"benign"``, ``"0"``, ``"-"``, ...), so that the label field itself
    works as the kinds field. When no window holds a type, a warning says so (``warn``) and the result is empty.
    """
    if line_kinds is None:
        return None
    from sklearn.metrics import roc_auc_score

    def is_type(kind) -> bool:
        if kind is None or kind != kind or kind in ("", "None"):
            return False
        if label is not None and (label.positive is None or kinds_column == label.column):
            # classes or normal words: every other value is a type; the label's own column read with a positive
            # list: its listed values are the types, every other value is a normal line
            value = label.class_of(kind)
            return value is None or value > 0
        # the default rule; also with positive = [...], which names the label column's anomalous values only: the
        # values of a separate kinds column (attack_cat beside a 0/1 label) would all be normal by that list
        return bool(Label.is_anomalous(kind))

    def name_of(kind) -> str:
        """A type's name: the label class it is (" Brute_Force " and "brute_force" are one type, a JSON 3 is class
        3's name), else its text (JSON numbers beside strings made the report's table and sort fail)."""
        value = label.class_of(kind) if label is not None and label.classes is not None else None
        return label.classes[value] if value is not None else str(kind)

    following = next_record_lines(batch, line_kinds.keys()) if next_event else np.full(len(batch), -1)
    kinds_of = []
    in_windows = set()   # the kinds field's values of the windows' lines (not of the whole file: the training part's)
    for row, mask, after in zip(batch.line_numbers, batch.mask, following):
        found = {line_kinds.get(int(n)) for n, m in zip(row, mask) if m > 0} | {line_kinds.get(int(after))}
        in_windows |= found
        kinds_of.append({name_of(k) for k in found if is_type(k)})
    if warn and not any(kinds_of):
        seen = sorted({str(v) for v in in_windows if v is not None and v == v})
        log.warning("ROC AUC per type: no window holds a line of an anomaly type; every kinds field value of their "
                    "lines is missing or normal (%d distinct: %s): check the kinds field (run.toml [data] "
                    "kinds_field, evaluate --kinds-field), or test on logs holding anomalies", len(seen),
                    ", ".join(seen[:10]) + (", ..." if len(seen) > 10 else ""))
    normal = np.array([not k for k in kinds_of], dtype=bool) if clean is None else np.asarray(clean, dtype=bool)
    if normal.shape != (len(kinds_of),):
        raise ValueError(f"clean must be one flag per window, shape ({len(kinds_of)},), got {normal.shape}")
    out = {}
    for kind in sorted({k for ks in kinds_of for k in ks}):
        positive = np.array([kind in ks for ks in kinds_of])
        use = positive | normal
        # no window free of anomalous lines: undefined (None, n/a in the report), not left out of the table
        if not normal.any() or positive[use].all():
            # every usable window holds the type (clean windows holding it too): one class, undefined as well;
            # scikit-learn >= 1.6 gives NaN (not JSON), older versions raised ValueError (the command failed)
            out[kind] = None
        else:
            out[kind] = float(roc_auc_score(positive[use], scores[use]))
    return out
