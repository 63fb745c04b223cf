"""Pure-Python log ETL: raw logs -> normalised time-step tensors, with a saved spec.

Nothing here imports a JVM.  The main entry point is :class:`Pipeline`::

    pipeline = Pipeline(reader=TextReader(SYSLOG_FORMAT),
                        transforms=[Template("Content"), Categorical("Service")],
                        sequence=Windows(length=10, stride=1),
                        split=ChronologicalSplit(test_fraction=0.2))
    train, test = pipeline.fit_split("syslog.log.gz")
    pipeline.save("spec.json")
    batch = Pipeline.load("spec.json").transform(new_lines)
"""

from .errors import (AbsentFieldError, BadLineError, BadRecordError, EncodingError, EtlError, LabelValuesError,
                     NotFittedError, SchemaError, SourceError, SpecError, TrailingDataError)
from .generator import ANOMALY_KINDS, SYSLOG_FORMAT, SYSLOG_TIME_FORMAT, GeneratedLogs, LogGenerator
from .pipeline import SPEC_FORMAT, SPEC_VERSION, Pipeline, atomic_write_text
from .readers import CsvReader, JsonLinesReader, ReadReport, Reader, TextReader, format_to_regex
from .schema import Column, Schema
from .sequences import SequenceBatch, Sessions, Windows
from .sources import ByteStream
from .split import ChronologicalSplit, KeySplit
from .templates import DEFAULT_MASKING, OOV_ID, OPTIONAL_MASKING, MaskingRule, TemplateMiner
from .transforms import (STEP_LABEL, TEMPLATE_ID, Categorical, Extract, IpAddress, Label, Numeric, Port,
                         Template, Timestamp, Transform)

__all__ = [
    "EtlError", "BadRecordError", "BadLineError", "SchemaError", "AbsentFieldError", "EncodingError", "SpecError", "SourceError",
    "TrailingDataError", "NotFittedError", "LabelValuesError",
    "Reader", "TextReader", "JsonLinesReader", "CsvReader", "ReadReport", "format_to_regex", "ByteStream",
    "Schema", "Column",
    "Transform", "Extract", "Categorical", "Numeric", "Timestamp", "Template", "IpAddress", "Port", "Label",
    "TEMPLATE_ID", "STEP_LABEL",
    "TemplateMiner", "MaskingRule", "DEFAULT_MASKING", "OPTIONAL_MASKING", "OOV_ID",
    "Windows", "Sessions", "SequenceBatch",
    "ChronologicalSplit", "KeySplit",
    "Pipeline", "SPEC_FORMAT", "SPEC_VERSION", "atomic_write_text",
    "LogGenerator", "GeneratedLogs", "ANOMALY_KINDS", "SYSLOG_FORMAT", "SYSLOG_TIME_FORMAT",
]
