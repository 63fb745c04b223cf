"""Typed errors of dl4j_bridge. Every error says what to do next."""

from __future__ import annotations

#: Where the errors that need another JVM send the user: a JVM cannot be restarted in one process, and in Jupyter or
#: IPython the process is the kernel ("run in a new process" told a notebook user nothing they could do).
NEW_PROCESS = "a new process (in a notebook: restart the kernel)"


class Dl4jBridgeError(Exception):
    """Base class of every error this package raises on purpose.

    Every one pickles with its message and attributes (``java_class``, ``line``, ``setting``, ...), whatever its
    constructor takes, so that it crosses from a worker process (``multiprocessing``, ``concurrent.futures``,
    joblib) to the parent as itself: an error whose constructor needs more than its message failed to unpickle,
    which hung a ``multiprocessing.Pool`` for good.
    """

    def __reduce__(self):
        return _rebuild_error, (type(self), self.args, dict(vars(self)))


_HEAP_TYPE = 1 << 9   # Py_TPFLAGS_HEAPTYPE: a class defined in Python


def _rebuild_error(cls, args, state):
    """Unpickle a :class:`Dl4jBridgeError` without calling its constructor (which may take other arguments
    than ``args``)."""
    # the __new__ that calling the class uses: that of its first built-in base along __base__ (OSError's for
    # JavaIOError); cls.__new__ may be another one (MemoryError's for JavaOutOfMemoryError), which Python refuses
    static = cls
    while static.__flags__ & _HEAP_TYPE:
        static = static.__base__
    error = static.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigError(Dl4jBridgeError, ValueError):
    """The run config is incomplete or wrong; the message names the section and key.

    Importable as ``dl4j_bridge.detectors.run.ConfigError`` too. Defined here so that an ETL error that is also a
    wrong setting (:class:`~dl4j_bridge.etl.LabelValuesError`) can derive from it.
    """


class BuildNotFoundError(Dl4jBridgeError):
    """The Java side (jars under ``build/install/dl4j-bridge/lib``) was not found."""


class JVMConfigurationError(Dl4jBridgeError):
    """``start_jvm`` was called again with a configuration different from the running JVM's."""


class JVMNotStartedError(Dl4jBridgeError):
    """A JVM-backed object was used before :func:`dl4j_bridge.start_jvm`."""


class JVMShutDownError(JVMNotStartedError):
    """The JVM was shut down (:func:`dl4j_bridge.shutdown_jvm`); it cannot be restarted in this process."""


class JVMForkedError(Dl4jBridgeError, RuntimeError):
    """The JVM was used in a process forked after it started; a JVM does not survive ``fork``."""


class MissingExtraError(Dl4jBridgeError, ImportError):
    """An optional dependency a command needs is not installed (the ``report`` extra: scikit-learn and matplotlib
    for metrics, baselines and plots); the message names the modules and the pip command."""


class JavaNotFoundError(Dl4jBridgeError):
    """No Java runtime was found to start the JVM with."""


class ShapeError(Dl4jBridgeError, ValueError):
    """An array has the wrong rank, shape or dtype for the call."""


class NotFittedError(Dl4jBridgeError, RuntimeError, ValueError, AttributeError):
    """A model was asked to score before it was fitted (or before it has a threshold).

    Also a ``ValueError`` and an ``AttributeError``, like scikit-learn's ``NotFittedError``, so code written
    for scikit-learn or PyOD estimators catches it.
    """


class JavaError(Dl4jBridgeError):
    """An exception raised on the JVM, with its Java class name and stack trace.

    Attributes
    ----------
    java_class : str
        Fully qualified name of the Java exception.
    java_message : str
        Its message.
    java_stacktrace : str
        The Java stack trace, for bug reports.
    """

    def __init__(self, java_class: str, java_message: str, java_stacktrace: str = ""):
        self.java_class = java_class
        self.java_message = java_message
        self.java_stacktrace = java_stacktrace
        super().__init__(f"{java_class}: {java_message}")


class JavaIllegalArgumentError(JavaError, ValueError):
    """The JVM rejected an argument (``IllegalArgumentException``)."""


class TrainingDivergedError(JavaError, FloatingPointError):
    """Training produced a loss or parameters that are not finite numbers (NaN or infinite): the message says
    what to change (learning rate, gradient clipping, feature scaling).

    The network keeps those parameters, so it refuses every later fit, prediction, score and save with this
    error again (:attr:`dl4j_bridge.Network.diverged`); a detector whose fit diverged stays as it was before.
    """


class JavaIOError(JavaError, OSError):
    """The JVM failed to read or write a file (``IOException``)."""


class JavaOutOfMemoryError(JavaError, MemoryError):
    """The JVM ran out of heap or off-heap memory; the message names the :func:`~dl4j_bridge.start_jvm`
    setting to raise.

    Attributes
    ----------
    setting : str or None
        ``"heap"``, ``"max_bytes"`` or ``"max_physical_bytes"``: the limit that was hit, when known.
    """

    def __init__(self, java_class: str, java_message: str, java_stacktrace: str = "", *,
                 setting: str = None, advice: str = ""):
        super().__init__(java_class, java_message, java_stacktrace)
        self.setting = setting
        if advice:
            self.args = (f"{self.args[0]}. {advice}",)


class ModelFileError(Dl4jBridgeError, ValueError):
    """A model or detector zip cannot be loaded as it is (the message says why and what to do)."""


class UntrustedModelError(ModelFileError):
    """A model zip holds something that would run code or exhaust memory when DL4J reads it.

    Raised by loads with ``trusted=False`` (the default): an unexpected entry (``preprocessor.bin``,
    ``objects/*``, path traversal), a zip-bomb limit, a ``CUSTOM`` normalizer, or a class name outside
    ``org.deeplearning4j.`` / ``org.nd4j.``. Load a file you trust with ``trusted=True``.
    """


class ModelIntegrityError(ModelFileError):
    """A model zip is damaged or was changed after it was saved: an entry differs from its manifest."""
