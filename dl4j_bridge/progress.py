"""Training progress from the JVM: a bar on a terminal, log lines otherwise, and cancellation."""

from __future__ import annotations

import dataclasses
import logging
import math
import sys
import time
from typing import Callable, Optional

log = logging.getLogger("dl4j_bridge.training")


@dataclasses.dataclass(frozen=True)
class ProgressEvent:
    """One report from the Java training loop.

    Attributes
    ----------
    epoch : int
        0-based epoch.
    iteration : int
        Minibatches done so far in this fit.
    score : float
        Latest minibatch loss, or the epoch's mean loss when ``epoch_end``.
    epoch_end : bool
    validation_score : float
        Mean validation loss at an epoch end; NaN otherwise.
    """

    epoch: int
    iteration: int
    score: float
    epoch_end: bool
    validation_score: float


ProgressFn = Callable[[ProgressEvent], Optional[bool]]


class ProgressDisplay:
    """Shows progress: a one-line bar on a terminal; otherwise a line per epoch, written to the stream when
    progress was asked for (``asked=True``: a notebook's stderr is no terminal, and an INFO log line is hidden at
    logging's default level), else logged at INFO."""

    def __init__(self, epochs: int, iterations_per_epoch: int, stream=None, *, asked: bool = False):
        self.epochs = epochs
        self.per_epoch = max(1, iterations_per_epoch)
        self.stream = stream if stream is not None else sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.asked = asked
        self.start = time.monotonic()

    def __call__(self, e: ProgressEvent) -> None:
        val = "" if math.isnan(e.validation_score) else f" val {e.validation_score:.5f}"
        if self.tty:
            done = min(1.0, e.iteration / (self.epochs * self.per_epoch))
            bar = "#" * int(30 * done) + "-" * (30 - int(30 * done))
            self.stream.write(
                f"\r[{bar}] epoch {e.epoch + 1}/{self.epochs} score {e.score:.5f}{val} "
                f"{time.monotonic() - self.start:6.1f}s"
            )
            if e.epoch_end and e.epoch + 1 == self.epochs:
                self.stream.write("\n")
            self.stream.flush()
        elif e.epoch_end and self.asked:
            self.stream.write(f"epoch {e.epoch + 1}/{self.epochs} score {e.score:.6f}{val} "
                              f"({time.monotonic() - self.start:.1f}s)\n")
            self.stream.flush()
        elif e.epoch_end:
            log.info("epoch %d/%d score %.6f%s (%.1fs)", e.epoch + 1, self.epochs, e.score, val,
                     time.monotonic() - self.start)


def java_callback(user_fn: Optional[ProgressFn], display: Optional[ProgressDisplay]):
    """A Java ``io.dl4jbridge.ProgressCallback`` that forwards to ``display`` and ``user_fn``.

    ``user_fn`` returning ``False`` cancels training after the current minibatch. An exception in it
    is kept and re-raised in Python once the fit has stopped.
    """
    import jpype

    from .session import _park_if_exiting

    @jpype.JImplements("io.dl4jbridge.ProgressCallback")
    class _Callback:
        error: Optional[BaseException] = None

        @jpype.JOverride
        def onProgress(self, epoch, iteration, score, epoch_end, validation_score):
            _park_if_exiting()  # at interpreter exit, a daemon thread training stops here
            event = ProgressEvent(int(epoch), int(iteration), float(score), bool(epoch_end), float(validation_score))
            try:
                if display is not None:
                    display(event)
                if user_fn is not None and user_fn(event) is False:
                    return False
            except BaseException as exc:  # noqa: BLE001 - re-raised after the fit
                self.error = exc
                return False
            return True

    return _Callback()
