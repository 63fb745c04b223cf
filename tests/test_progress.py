"""Progress display: a bar on a terminal, one log line per epoch otherwise (no JVM needed)."""

from __future__ import annotations

import io
import logging

from dl4j_bridge.progress import ProgressDisplay, ProgressEvent


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def _events():
    nan = float("nan")
    return [ProgressEvent(0, 2, 0.9, False, nan), ProgressEvent(0, 4, 0.7, True, 0.8),
            ProgressEvent(1, 6, 0.5, False, nan), ProgressEvent(1, 8, 0.4, True, 0.45)]


def test_a_terminal_gets_a_single_updating_bar():
    term = FakeTerminal()
    display = ProgressDisplay(epochs=2, iterations_per_epoch=4, stream=term)
    for e in _events():
        display(e)
    out = term.getvalue()
    assert out.count("\r") == 4 and out.endswith("\n") and out.count("\n") == 1
    assert "[" + "#" * 15 + "-" * 15 + "] epoch 1/2 score 0.70000 val 0.80000" in out
    assert "[" + "#" * 30 + "] epoch 2/2 score 0.40000 val 0.45000" in out


def test_a_pipe_gets_one_log_line_per_epoch(caplog):
    pipe = io.StringIO()
    display = ProgressDisplay(epochs=2, iterations_per_epoch=4, stream=pipe)
    with caplog.at_level(logging.INFO, logger="dl4j_bridge.training"):
        for e in _events():
            display(e)
    assert pipe.getvalue() == ""
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith("epoch 1/2 score 0.700000 val 0.80000")
    assert lines[1].startswith("epoch 2/2 score 0.400000 val 0.45000")


def test_progress_asked_for_on_a_stream_that_is_no_terminal_writes_a_line_per_epoch_to_it(caplog):
    """A notebook's stderr is no terminal: progress=True logged at INFO there, which logging's default level
    hides, so a user who asked for progress saw nothing."""
    notebook = io.StringIO()
    display = ProgressDisplay(epochs=2, iterations_per_epoch=4, stream=notebook, asked=True)
    with caplog.at_level(logging.INFO, logger="dl4j_bridge.training"):
        for e in _events():
            display(e)
    lines = notebook.getvalue().splitlines()
    assert len(lines) == 2 and caplog.records == []
    assert lines[0].startswith("epoch 1/2 score 0.700000 val 0.80000 (")
    assert lines[1].startswith("epoch 2/2 score 0.400000 val 0.45000 (")
