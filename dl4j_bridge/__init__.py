"""dl4j_bridge: Deeplearning4j LSTM networks for log anomaly detection, from Python, deployable on the JVM.

Importing this package does not start a JVM; :func:`start_jvm` does, once per process.
"""

import sys

#: The oldest Python this package runs on (``requires-python`` in pyproject.toml says the same).
MINIMUM_PYTHON = (3, 11)


def _require_python(version_info=sys.version_info, executable: str = sys.executable) -> None:
    """Refuse to import on a Python older than :data:`MINIMUM_PYTHON`, saying why and what to do.

    Parameters
    ----------
    version_info : tuple
        The interpreter's version (``sys.version_info``).
    executable : str
        The interpreter's path, named in the message.

    Raises
    ------
    ImportError
        On Python 3.10 and older: their ``re`` has no atomic groups or possessive quantifiers, without which a
        hostile log line (a long run of blanks) is read in quadratic time (a minute, not milliseconds); on 3.9
        the ``X | None`` annotations that ``run.toml``'s type checks read do not evaluate either. pip refuses such
        an install (``requires-python``); this catches a checkout put on ``PYTHONPATH``.
    """
    if tuple(version_info[:2]) < MINIMUM_PYTHON:
        found = ".".join(str(part) for part in version_info[:3])
        raise ImportError(
            f"dl4j_bridge needs Python {MINIMUM_PYTHON[0]}.{MINIMUM_PYTHON[1]} or newer; this is Python {found} "
            f"({executable}). Create a venv with a newer one (python3.11 -m venv .venv; 3.11, 3.12 and 3.13 are "
            f"tested) and install the package there: pip install -e '.[dev,report]'")


_require_python()

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
