"""dl4j_bridge: Deeplearning4j LSTM networks for log anomaly detection, from Python, deployable on the JVM.

Importing this package does not start a JVM; :func:`start_jvm` does, once per process.
"""

from .config import LSTMConfig
from .detectors import NextEventDetector, NextValueDetector, SequenceClassifier
from .errors import (
    BuildNotFoundError,
    Dl4jBridgeError,
    JavaError,
    JavaIllegalArgumentError,
    JavaIOError,
    JavaNotFoundError,
    JavaOutOfMemoryError,
    JVMConfigurationError,
    JVMForkedError,
    JVMNotStartedError,
    JVMShutDownError,
    ModelFileError,
    ModelIntegrityError,
    NotFittedError,
    ShapeError,
    TrainingDivergedError,
    UntrustedModelError,
)
from .network import FitHistory, Network
from .progress import ProgressEvent
from .session import JVMConfig, jvm_info, running_config, shutdown_jvm, start_jvm

from .version import __version__

__all__ = [
    "BuildNotFoundError",
    "Dl4jBridgeError",
    "FitHistory",
    "JavaError",
    "JavaIllegalArgumentError",
    "JavaIOError",
    "JavaNotFoundError",
    "JavaOutOfMemoryError",
    "JVMConfig",
    "JVMConfigurationError",
    "JVMForkedError",
    "JVMNotStartedError",
    "JVMShutDownError",
    "LSTMConfig",
    "ModelFileError",
    "ModelIntegrityError",
    "NextEventDetector",
    "NextValueDetector",
    "Network",
    "NotFittedError",
    "ProgressEvent",
    "SequenceClassifier",
    "ShapeError",
    "TrainingDivergedError",
    "jvm_info",
    "running_config",
    "shutdown_jvm",
    "start_jvm",
    "UntrustedModelError",
]
