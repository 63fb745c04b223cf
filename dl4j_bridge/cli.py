"""The ``dl4j-bridge`` command line (also ``python -m dl4j_bridge``).

    dl4j-bridge train --config run.toml          ETL, detectors, report, one zip per detector
    dl4j-bridge score --model m.zip --input app.log|- [--output results.jsonl] [--threshold X] [--all]
                      [--strict|--lenient] [--quarantine BAD.jsonl]
    dl4j-bridge evaluate --model m.zip --input test.log [--report DIR] [--kinds-field anomaly]
                         [--strict|--lenient] [--quarantine BAD.jsonl]
    dl4j-bridge update --model m.zip --input reported.log --with-normal train.log --output m2.zip
                       [--epochs N] [--learning-rate X]   train further on sequences found normal (DeepLog's update)
    dl4j-bridge doctor                           check Java, the build, the ND4J backend and memory limits

Exit codes, the same as the JVM launcher's: 0 success (for ``score``: nothing flagged), 1 ``score``
flagged at least one window or session, 2 usage error, 3 input, model or config error (the message says
which file and what to do), 4 anything else.
"""

from __future__ import annotations

import argparse
import codecs
import dataclasses
import difflib
import errno
import io
import json
import logging
import math
import os
import re
import signal
import stat
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

if TYPE_CHECKING:   # numpy is imported where it is used: `dl4j-bridge --help` stays fast
    import numpy as np

log = logging.getLogger("dl4j_bridge.cli")

# The same exit codes as the JVM launcher's (bin/dl4j-bridge): scripts treat both alike.
EXIT_OK = 0        # success; for `score`: nothing flagged
EXIT_FLAGGED = 1   # `score` flagged at least one window or session
EXIT_USAGE = 2     # bad command line (argparse)
EXIT_INPUT = 3     # input, model or config error: the message says which file and what to do
EXIT_OTHER = 4     # anything else
EXIT_INTERRUPTED = 130   # Ctrl-C (128 + SIGINT), as shells and the launcher report it
EXIT_TERMINATED = 143    # `score` stopped by SIGTERM (128 + SIGTERM), as the launcher
EXIT_BROKEN_PIPE = 141   # `score`'s output pipe closed by its reader (128 + SIGPIPE: `| head -1`), as the launcher


class CommandInputError(ValueError):
    """The command's input or model cannot be used as asked (exit code 3)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM while ``score`` runs: handled as Ctrl-C is (the rows written stay whole), exit code 143."""


class OutputClosed(Exception):
    """The reader of ``score``'s output pipe went away (EPIPE, ``| head -1``): exit 141, quietly."""


class OutputError(Exception):
    """``score``'s rows could not be written (disk full, closed standard output, I/O error): exit 4."""


#: Seconds an interrupted ``score`` lets a row write blocked on a reader that does not read go on before it stops
#: it (the launcher's shutdown hook waits as long for such a write: ``RowOutput.interrupted(2000)``).
BLOCKED_WRITE_GRACE = 2.0


def _interruption(signum: int) -> KeyboardInterrupt:
    """The exception ``score`` raises for ``signum``: :class:`Terminated` for SIGTERM, else ``KeyboardInterrupt``."""
    return Terminated() if signum == getattr(signal, "SIGTERM", None) else KeyboardInterrupt()


class ScoreSignals:
    """SIGINT / SIGTERM while ``score`` runs, from before the JVM starts to the summary.

    Outside a held section a signal raises at once (:class:`Terminated` for SIGTERM, ``KeyboardInterrupt`` for
    SIGINT). Inside one (:meth:`hold` ... :meth:`release`: a row handed to the output, a flush, the JVM's start) it
    is kept and raised by :meth:`check` once the section is over, so the rows counted are the rows handed to the
    output: an exception raised inside ``TextIOWrapper.write`` or ``flush`` may drop the bytes it held, or leave a
    row half out. A held section with ``grace`` (a write that can block on a reader that does not read) lasts at
    most ``grace`` seconds after the signal; then, as on a second signal, the signal is raised where the main
    thread is, and the exception's ``blocked`` is True: the rows after the last one known to be out may be missing.

    Parameters
    ----------
    grace : float
        Seconds a held write may go on after a signal (default :data:`BLOCKED_WRITE_GRACE`).
    """

    def __init__(self, grace: float = BLOCKED_WRITE_GRACE):
        self.grace = grace
        self.previous = {}
        self.held = 0
        self.pending: Optional[int] = None
        self.forced = False
        self.timer: Optional[threading.Timer] = None
        self.main_thread = threading.main_thread().ident
        self.watched = False

    def install(self) -> "ScoreSignals":
        """Handle SIGINT and SIGTERM (not outside the main thread: there Python cannot set a handler)."""
        for name in ("SIGINT", "SIGTERM"):
            signum = getattr(signal, name, None)
            if signum is None:
                continue
            try:
                self.previous[signum] = signal.signal(signum, self._handle)
            except (ValueError, OSError):   # not the main thread
                pass
        return self

    def restore(self) -> None:
        """Put the handlers back as they were before :meth:`install`."""
        self._cancel()
        for signum, handler in self.previous.items():
            try:
                signal.signal(signum, signal.SIG_DFL if handler is None else handler)
            except (ValueError, OSError, TypeError) as error:
                log.debug("signal %s handler not restored: %s", signum, error)
        self.previous = {}

    def hold(self, watched: bool = False) -> None:
        """Start a held section; ``watched``: it may block on a slow reader (given ``grace`` seconds)."""
        self.held += 1
        self.watched = watched

    def release(self) -> None:
        """End a held section (the signal it kept is raised by :meth:`check`)."""
        self.held -= 1
        if self.held == 0 and (self.timer is not None or self.forced):   # once per row: no call when no signal
            self._cancel()

    def check(self) -> None:
        """Raise the signal kept during the held sections, if any, once none is open."""
        if self.held == 0 and self.pending is not None:
            signum, self.pending = self.pending, None
            raise _interruption(signum)

    def _handle(self, signum, frame) -> None:
        if self.held == 0:
            raise _interruption(signum)
        if self.forced or self.pending is not None:   # the grace is over, or a second signal: stop at once
            self._cancel()
            self.pending = None
            error = _interruption(signum)
            error.blocked = True
            raise error
        self.pending = signum
        if self.watched:
            self.timer = threading.Timer(self.grace, self._force, (signum,))
            self.timer.daemon = True
            self.timer.start()

    def _force(self, signum: int) -> None:
        """The grace is over and the write still blocked: the signal again, to the main thread (its write)."""
        self.forced = True
        try:
            signal.pthread_kill(self.main_thread, signum)
        except (OSError, ValueError, AttributeError) as error:
            log.debug("blocked write not interrupted: %s", error)

    def _cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.forced = False


class UsageError(ValueError):
    """Options that cannot go together, found once the model is loaded (exit code 2, as argparse's)."""


#: What to do about a bad line in strict mode, per command.
_STRICT_HINTS = {
    "train": "to quarantine such lines instead, set mode = \"lenient\" (and quarantine = \"bad.jsonl\") in "
             "[reader]; or check log_format / fields / encoding against the file",
    "score": "to read on, score with --lenient [--quarantine BAD.jsonl] to count such lines (by reason, in the "
             "summary) and set them aside; or check that the input has the model's log format and encoding",
    "update": "to read on, update with --lenient to count such lines (by reason) and skip them; or check that the "
              "input has the model's log format and encoding",
    "evaluate": "to read on, evaluate with --lenient [--quarantine BAD.jsonl] to count such lines (by reason, in "
                "the report) and set them aside; or check that the input has the model's log format and encoding",
}


def _strict_hint(command: str, error) -> str:
    """What to do about a strict-mode bad line: for ``train``, a label value that the label transform's
    ``classes`` do not list is a config to widen (a new alert category, say), not a log format to check."""
    if command == "train" and str(getattr(error, "reason", "")).startswith("unknown label"):
        return (f"add that value to classes in the [[transforms]] table of kind \"label\" (column = {error.field!r}) "
                "if it is a class of its own (a new alert category); or, " + _STRICT_HINTS[command])
    return _STRICT_HINTS[command]


def _finite(text: str) -> float:
    """A finite number for --threshold (as the JVM launcher: no NaN, no infinity, nothing beyond the doubles)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _once(action_class):
    """``action_class`` refusing its option a second time (argparse would silently keep the last value), in the JVM
    launcher's words: ``--threshold 1 ... --threshold 2`` is a usage error, not a threshold of 2."""
    class Once(action_class):
        def __call__(self, parser, namespace, values, option_string=None):
            given = namespace.__dict__.setdefault("_options_given", set())
            if self.dest in given:
                parser.error(f"{option_string} is given more than once: give it once")
            given.add(self.dest)
            super().__call__(parser, namespace, values, option_string)
    return Once


#: The arguments being parsed (for the error of a required option that a typo left out).
_ARGV: list = []

#: Commands of the JVM launcher (build/install/dl4j-bridge/bin/dl4j-bridge), also named dl4j-bridge.
_LAUNCHER_COMMANDS = ("serve", "predict", "info")


class _Parser(argparse.ArgumentParser):
    """argparse with every option taken once (subcommand parsers are of this class too), naming the option meant
    by a mistyped one and the launcher for the launcher's commands."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register("action", None, _once(argparse._StoreAction))
        self.register("action", "store", _once(argparse._StoreAction))
        self.register("action", "store_true", _once(argparse._StoreTrueAction))

    def parse_args(self, args=None, namespace=None):
        global _ARGV
        _ARGV = list(sys.argv[1:] if args is None else args)
        known, extras = self.parse_known_args(args, namespace)
        if extras:   # argparse says "unrecognized arguments" with the top-level usage: the command's, and a guess
            command = self._command_parser(getattr(known, "command", None)) or self
            options = [o for action in command._actions for o in action.option_strings]
            guesses = [g for e in extras if e.startswith("--")
                       for g in difflib.get_close_matches(e.split("=", 1)[0], options, n=1, cutoff=0.6)]
            command.error(f"unrecognized arguments: {' '.join(extras)}"
                          + (f" (did you mean {', '.join(dict.fromkeys(guesses))}?)" if guesses else ""))
        return known

    def _command_parser(self, name):
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and name in action.choices:
                return action.choices[name]
        return None

    def error(self, message):
        if "arguments are required" in message:   # `--modle m.zip`: argparse stops here, before the extras
            options = [o for action in self._actions for o in action.option_strings]
            typos = [t.split("=", 1)[0] for t in _ARGV if t.startswith("--") and t.split("=", 1)[0] not in options]
            guesses = {t: difflib.get_close_matches(t, options, n=1, cutoff=0.6) for t in typos}
            if guesses:
                message += "; " + ", ".join(f"{t} is no option here" + (f" (did you mean {g[0]}?)" if g else "")
                                            for t, g in guesses.items())
        launcher = next((c for c in _LAUNCHER_COMMANDS if f"invalid choice: '{c}'" in message), None)
        if launcher:
            message += (f"; {launcher} is a command of the JVM launcher, also named dl4j-bridge: "
                        f"build/install/dl4j-bridge/bin/dl4j-bridge {launcher} (README, 'Deploy on the JVM')")
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dl4j-bridge", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    commands = parser.add_subparsers(dest="command", required=True)
    doctor = commands.add_parser("doctor", help="check Java, the build, the ND4J backend and memory limits")
    train = commands.add_parser("train", help="train the detectors of a run config (see README, 'Command line')")
    train.add_argument("--config", required=True, help="the run's TOML file")
    score = commands.add_parser("score", help="score raw logs with a saved detector; JSON lines out")
    score.add_argument("--model", required=True, help="a detector zip written by train")
    score.add_argument("--input", required=True,
                       help="raw logs in the format the model was trained on (plain or .gz); - reads standard input")
    score.add_argument("--output", default="-", help="JSON lines file (default: standard output)")
    score.add_argument("--threshold", type=_finite, default=None, help="override the saved threshold")
    score.add_argument("--all", action="store_true", help="one line per sequence, not only the flagged ones")
    score.add_argument("--trusted", action="store_true",
                       help="skip the model file checks (only for files you trust: loading may run code they name)")
    mode = score.add_mutually_exclusive_group()
    mode.add_argument("--strict", action="store_true", help="stop at the first bad line (exit 3, naming it)")
    mode.add_argument("--lenient", action="store_true", help="skip bad lines, counted by reason in the summary")
    score.add_argument("--quarantine", default=None, metavar="FILE",
                       help="lenient mode: write the rejected lines (file, line, field, reason, text) to FILE")
    score.add_argument("--session-idle-lines", default=None, metavar="N",
                       help="sessions: close (score) a session after N lines without a record for its key, every "
                            "line counted (for endless input, --input -); default 0: at the end of the input")
    evaluate = commands.add_parser("evaluate", help="metrics, plots and a report on labelled logs")
    update = commands.add_parser(
        "update", help="train a saved detector further on logs found normal although flagged (false positives), "
                       "keeping its threshold; writes a new model file")
    update.add_argument("--model", required=True, help="a detector zip written by train")
    update.add_argument("--input", required=True,
                        help="raw logs (the model's format) holding the sequences to learn as normal: every sequence "
                             "the model's ETL makes of them is trained on")
    update.add_argument("--output", required=True, help="the updated detector zip (may be --model: written atomically)")
    update.add_argument("--with-normal", required=True, metavar="FILE",
                        help="raw logs of normal activity trained on together with --input, so that the network "
                             "does not forget what it learned (the training log, or a sample of it)")
    update.add_argument("--epochs", type=_positive_int, default=20, help="passes over the sequences (default 20)")
    update.add_argument("--learning-rate", type=_positive_finite, default=None,
                        help="default: the detector's own learning rate")
    update.add_argument("--trusted", action="store_true", help="as for score")
    update_mode = update.add_mutually_exclusive_group()
    update_mode.add_argument("--strict", action="store_true", help="as for score")
    update_mode.add_argument("--lenient", action="store_true", help="as for score")
    update.add_argument("--quarantine", default=None, metavar="FILE", help="as for score")
    for command in (train, score, evaluate, update):   # the JVM's limits, as start_jvm's arguments (fixed when it starts)
        jvm = command.add_argument_group("JVM", "memory and threads of the JVM this command starts (start_jvm's "
                                                "arguments; the launcher takes JAVA_OPTS)")
        jvm.add_argument("--heap", type=_jvm_size("heap"), default=None, metavar="SIZE",
                         help="Java heap, e.g. 4g (default 2g)")
        jvm.add_argument("--max-physical-bytes", type=_jvm_size("max_physical_bytes"), default=None, metavar="SIZE",
                         help="bound on the process's resident memory, e.g. 8g (default: JavaCPP's, from the heap)")
        jvm.add_argument("--threads", type=_positive_int, default=None, metavar="N",
                         help="ND4J's threads (OMP_NUM_THREADS; default: the environment's, else the cores)")
    for command in (doctor, train, score, evaluate, update):   # -v after the command too (`train -v` was refused)
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                             help="log at DEBUG level (as dl4j-bridge -v COMMAND)")
    evaluate.add_argument("--model", required=True, help="a detector zip written by train")
    evaluate.add_argument("--input", required=True, help="labelled raw logs (the ETL spec has a label transform)")
    evaluate.add_argument("--report", default="reports/evaluate",
                          help="directory of report.md, its PNGs and results.json (default reports/evaluate)")
    evaluate.add_argument("--kinds-field", default=None, help="input field naming each line's anomaly type")
    evaluate.add_argument("--threshold", type=_finite, default=None, help="override the saved threshold")
    evaluate.add_argument("--trusted", action="store_true", help="as for score")
    eval_mode = evaluate.add_mutually_exclusive_group()
    eval_mode.add_argument("--strict", action="store_true", help="as for score")
    eval_mode.add_argument("--lenient", action="store_true", help="as for score")
    evaluate.add_argument("--quarantine", default=None, metavar="FILE", help="as for score")
    return parser


def start_jvm(args) -> None:
    """The command's JVM, with its ``--heap``, ``--max-physical-bytes`` and ``--threads``; for ``score`` with
    ``-Xrs``: the JVM installs no SIGINT / SIGTERM handler of its own, so a signal while it starts is
    :class:`ScoreSignals`' (held until the JVM is up, then said), not the JVM's (which ended the process at once,
    exit 143 and no line). When this process's JVM already runs (``main`` called from a script that started it),
    ``-Xrs`` is not asked for: the running JVM is used as it was started, as by the other commands."""
    import dl4j_bridge as db

    from .session import running_config

    score = getattr(args, "command", None) == "score"
    options = {"jvm_options": ["-Xrs"]} if score and running_config() is None else {}
    db.start_jvm(heap=args.heap, max_physical_bytes=args.max_physical_bytes, threads=args.threads, **options)


def _load(model: str, trusted: bool):
    """The detector of ``model`` with its pipeline (the JVM started by the caller: :func:`start_jvm`)."""
    from .detectors import load_detector

    detector = load_detector(model, trusted=trusted)
    if detector.pipeline_ is None:
        raise CommandInputError(f"{model} holds no ETL spec (dl4j_bridge.etl_spec.json); save the detector "
                         "with its pipeline (detector.save(path, pipeline=...)) to score raw logs")
    return detector


def cmd_train(args) -> int:
    from .detectors.run import (ConfigError, config_error_line, config_error_text, load_config, one_class_line,
                                require_report_extras, train, validate)
    from .etl.errors import BadRecordError, EtlError, SchemaError

    config = load_config(args.config)
    require_report_extras("dl4j-bridge train")
    try:
        validate(config)   # typos in the config fail at once, before the JVM starts
        start_jvm(args)
        summary = train(config)
    except ConfigError as error:   # which file and line the table and key are in
        raise ConfigError(config_error_text(args.config, error)) from error
    except EtlError as error:
        # a setting the data refuted while the ETL was fitted ([[transforms]] number 2's format parses no time, a
        # [reader] types name the reader does not read): begin with its line too, as the config's own errors do; a bad
        # line names the data file's line instead, and a column error lists several places a name may come from
        line = None if isinstance(error, (BadRecordError, SchemaError)) else config_error_line(args.config, str(error))
        if line is None:
            raise
        raise ConfigError(f"{args.config}:{line}: {error}") from error
    for name, result in summary["results"].items():
        m = result["metrics"]
        if summary.get("labelled", True):
            print(f"{name}: roc_auc {_f(m['roc_auc'])} f1 {_f(m['f1'])} precision {_f(m['precision'])} "
                  f"recall {_f(m['recall'])}")
        else:   # no labels: nothing tells a right flag from a wrong one
            print(f"{name}: flagged {_whole(m['flagged'])} of {_whole(m['n'])} test sequences (no labels: no "
                  "precision or recall)")
    one_class = one_class_line({n: r["metrics"] for n, r in summary["results"].items()})
    if one_class:   # beside the figures it makes undefined or meaningless (the warning above says it in full)
        print(f"test part: {one_class}")
    if summary.get("unknown_template_records"):   # as score's summary: the test part's records of no known template
        print(f"test part: unknown_template_records {summary['unknown_template_records']} (records whose template "
              "the model never saw in training)")
    for name, path in summary["models"].items():
        print(f"model {name}: {path}")
    print(f"report: {summary['report']}")
    return 0


def _reading_mode(reader, args) -> None:
    """``--strict`` / ``--lenient`` / ``--quarantine`` on the model's reader (``score`` and ``evaluate``): the mode the
    spec was saved with unless overridden, as the JVM launcher does."""
    reader.mode = "strict" if args.strict else "lenient" if args.lenient else reader.mode
    if args.quarantine is not None:
        if reader.mode != "lenient":
            raise UsageError("--quarantine needs lenient mode (--lenient, or a spec saved with mode='lenient')")
        reader.quarantine = args.quarantine


def _session_idle_lines(text: Optional[str]) -> int:
    """``--session-idle-lines``: a whole number >= 0 (0, the default: sessions close at the end of the input); else a
    :class:`UsageError` in the JVM launcher's words."""
    if text is None:
        return 0
    # the launcher's Long.parseLong: a sign and digits, no spaces or underscores, within a long
    value = int(text) if re.fullmatch(r"[+-]?\d+", text) else None
    if value is None or not -2**63 <= value < 2**63:
        raise UsageError(f"--session-idle-lines must be an integer, got '{text}'")
    if value < 0:
        raise UsageError(f"--session-idle-lines must be >= 0, got {value}")
    return value


def cmd_score(args) -> int:
    # SIGTERM (timeout, kill, systemd) as Ctrl-C, from before the JVM starts: the rows written stay whole and are
    # the rows counted, the summary and one line say so; before scoring starts, that nothing was written
    signals = ScoreSignals().install()
    try:
        return _score_command(args, signals)
    finally:
        signals.restore()


def _score_command(args, signals: "ScoreSignals") -> int:
    from .etl import ByteStream
    from .etl.errors import SourceError
    from .etl.sources import GzipInput, sniff_gzip

    idle_lines = _session_idle_lines(args.session_idle_lines)   # before any file is read or written, as the launcher
    if args.input != "-" and Path(args.input).is_dir():
        raise CommandInputError(f"{args.input} is a directory: give a log file, or - for standard input")
    if args.input != "-" and not Path(args.input).exists():
        raise CommandInputError(f"no input file at {args.input} (give a log file, or - for standard input)")
    if args.output != "-" and not Path(args.output).resolve().parent.is_dir():
        raise CommandInputError(f"the directory of --output {args.output} does not exist: create it first")
    for option, path in (("--output", args.output), ("--quarantine", args.quarantine)):
        if _same_file(args.input, path):
            raise UsageError(f"{option} {path} is the input file: writing it would destroy the lines being read; "
                             "write it elsewhere")
        _refuse_model_file(args.model, option, path)
    if args.quarantine is not None and args.output != "-" and (
            os.path.abspath(args.output) == os.path.abspath(args.quarantine) or _same_file(args.output, args.quarantine)):
        raise UsageError(f"--output and --quarantine are the same file ({args.quarantine}): give them two files")
    signals.hold()   # the JVM's start is not cut short (Python's handlers are put back over the JVM's after it)
    try:
        start_jvm(args)
    finally:
        signals.release()
    signals.check()
    detector = _load(args.model, args.trusted)
    if args.threshold is not None:
        detector.threshold_ = float(args.threshold)
    _reading_mode(detector.pipeline_.reader, args)
    handle = None
    gz = False
    try:
        # gzip by its name, or by its first two bytes (1f 8b: cat app.log.gz | score --input -), as the launcher
        if args.input == "-":
            if sys.stdin is None:
                raise CommandInputError("standard input is closed (<&-): give --input FILE, or redirect it (< app.log)")
            gz, stream = sniff_gzip(sys.stdin.buffer)
            source = ByteStream(GzipInput(stream, defer_errors=True) if gz else stream, "<stdin>")
            source.peeked = True
        elif not Path(args.input).is_file():   # a pipe such as <(zcat app.log.gz): read once, as standard input is
            handle = open(args.input, "rb")
            try:
                gz, stream = (True, handle) if args.input.endswith(".gz") else sniff_gzip(handle)
                source = ByteStream(GzipInput(stream, defer_errors=True) if gz else stream, args.input)
            except BaseException:
                handle.close()
                raise
        else:
            source = args.input
        counts = _score_stream(detector, source, args.output, flagged_only=not args.all,
                               live=args.input == "-" and not gz,   # compressed stdin reads as a file
                               session_idle_lines=idle_lines, signals=signals)
    except (SourceError, OutputClosed, OutputError, KeyboardInterrupt) as error:
        # a truncated .gz or data after it, an output that cannot be written, Ctrl-C / SIGTERM: the summary of
        # what was scored, then the error
        if hasattr(error, "counts"):
            signals.hold()   # a second signal does not cut the summary short
            try:
                _score_summary(args, detector, error.counts, interrupted=isinstance(error, KeyboardInterrupt))
            finally:
                signals.release()
        raise
    finally:
        if handle is not None:
            try:
                source.stream.close()   # the GzipInput (it leaves the handle open), or the handle itself
            finally:
                handle.close()
    try:   # _score_stream returned holding signals: one summary, then a signal's line
        report = detector.pipeline_.report
        if report.records == 0 and report.bad_lines == 0:   # exit 0 (nothing flagged), but seldom the file meant
            log.warning("%s", no_record_warning(report.source or args.input, report.lines))
        _score_summary(args, detector, counts)
    finally:
        signals.release()
    try:
        signals.check()
    except KeyboardInterrupt as error:
        error.counts = counts
        raise
    if report.records == 0 and report.bad_lines > 0:   # lenient, yet nothing was a record: not "nothing flagged"
        raise CommandInputError(every_line_bad_error(report.source or args.input, report.bad_lines,
                                                     report.bad_by_reason, report.quarantine))
    if counts.scored == 0:
        return 0
    return EXIT_FLAGGED if counts.flagged else EXIT_OK


#: What to check when no line was a record (the launcher's ``ScoreSummary.everyLineBadAdvice``, word for word).
EVERY_LINE_BAD = ("is this the model for this log (its reader and fields)? Check the first bad line with --strict, "
                  "or list them all with --quarantine BAD.jsonl")


def every_line_bad_error(source: str, bad_lines: int, by_reason=None, quarantine=None) -> str:
    """The error of a lenient read whose every line was bad (exit 3; the launcher's ``everyLineBadError``).

    Parameters
    ----------
    source : str
        The input's name.
    bad_lines : int
        Bad lines counted (all of them).
    by_reason : mapping of str to int, optional
        Bad lines per reason (printed as a Python dict).
    quarantine : str, optional
        The quarantine file the bad lines went to: then the advice points at it rather than at ``--quarantine``.

    Returns
    -------
    str
    """
    text = f"{source}: every line was bad ({bad_lines} bad line(s), no record): nothing was scored; "
    if quarantine is None:
        return text + EVERY_LINE_BAD
    return (text + f"is this the model for this log (its reader and fields)? The bad lines are in {quarantine}, each "
            f"with its reason ({dict(by_reason or {})}): compare one with the fields the model reads, or see the "
            "first one's error with --strict")


def no_record_warning(source: str, lines: int) -> str:
    """``score``'s warning when the input held no record and no bad line: an empty file, or only blank lines or a
    CSV header (exit 0 all the same; the launcher's ``ScoreSummary.noRecordWarning``, word for word).

    Parameters
    ----------
    source : str
        The input's name.
    lines : int
        Its lines (0: an empty input).

    Returns
    -------
    str
    """
    return (f"{source}: the input holds no log line" + ("" if lines == 0 else f" ({lines} line(s), blank or a CSV "
                                                        "header)")
            + ": nothing was scored; is it the log you meant (one rotated away, or not yet written)?")


def unjudged_warning(unjudged: int, kind: str = "next_event") -> str:
    """The warning for sequences with no step to judge (the launcher's ``ScoreSummary.unjudgedWarning``), in the
    words of the model's ``kind``: a next-event model judges each event from the events before it and the record
    after the sequence; a next-value model judges each record's values from the records before it in its
    sequence only, so a one-record sequence -- a session, or a later part of a split one -- has none."""
    if kind == "next_value":
        return (f"{unjudged} sequence(s) had no step to judge (sequences of one record: a next-value model predicts "
                "each record's values from the records before it in its session or part, so a first record is never "
                "judged and a sequence of one has nothing to judge): they score 0, flagged only by a threshold below "
                "0 (unjudged_sequences). To judge every record but the log's first, train on windows ([sequence] "
                'kind = "windows") with a stride shorter than their length')
    return (f"{unjudged} sequence(s) had no step to judge (sessions of one event: nothing predicts a session's "
            "first event, and it has no next one): they score 0, flagged only by a threshold below 0 "
            '(unjudged_sequences). To judge every event, train on windows ([sequence] kind = "windows", '
            "next_event = true)")


def _running_counts(mask) -> list:
    """``[0, mask[:1].sum(), mask[:2].sum(), ...]`` for a bool array ``[n]``, as a list of ``n + 1`` Python ints."""
    import numpy as np

    running = np.zeros(len(mask) + 1, dtype=np.int64)
    np.cumsum(mask, out=running[1:])
    return running.tolist()


def unjudged_sequences(batch, scored_steps, kind: str = "next_event") -> "np.ndarray":
    """Per sequence, bool ``[batch]``: whether it had no step to judge and its events went unjudged (the
    launcher's ``ScoringStream`` rule): ``scored_steps`` (int ``[batch]``) 0, except, for a next-event model
    (``kind``), a later part (1, 2, ...) of a session split at ``max_length``: its one event was judged as the next
    event of the part before it. A next-value model judges nothing across parts: such a part counts."""
    import numpy as np

    out = np.asarray(scored_steps) == 0
    parts = getattr(batch, "parts", None)
    if parts is not None and kind != "next_value":
        out &= ~(np.asarray(parts) >= 1)
    return out


@dataclasses.dataclass
class ScoreCounts:
    """What ``score`` has scored so far: sequences, flagged ones, and unjudged ones (no step to judge)."""
    scored: int = 0
    flagged: int = 0
    unjudged: int = 0
    rows: int = 0   # whole rows handed to the output
    #: a signal stopped a write blocked on the output's reader (after ``BLOCKED_WRITE_GRACE``, or a second signal):
    #: the rows after ``rows`` may be missing, and the last one cut short
    blocked: bool = False
    output: str = "standard output"   # the output's name in messages


#: What an interrupted ``score`` says after "interrupted (SIGTERM)" when the signal came before scoring started (the
#: launcher's ``ScoreCommand.NOTHING_WRITTEN``): the --output file was not opened, not a row was written.
NOTHING_WRITTEN = "before scoring started; nothing was written"


def _rows_held(error: BaseException) -> str:
    """What an interrupted ``score``'s output holds, in the launcher's words: "score output (NAME) holds N whole
    row(s)", or that nothing was written when the signal came before scoring started."""
    counts = getattr(error, "counts", None)
    if counts is None:
        return NOTHING_WRITTEN
    held = f"score output ({counts.output}) holds {counts.rows} whole row(s)"
    if counts.blocked:   # the launcher's words (its shutdown hook waits as long for a blocked write)
        return held + ", and perhaps part of the rows after them (a write was blocked: keep only lines that parse)"
    return held


def _score_summary(args, detector, counts: ScoreCounts, interrupted: bool = False) -> None:
    """``score``'s summary line on standard error, also after a read that failed (as the launcher's); interrupted
    (Ctrl-C / SIGTERM), the counts line even when nothing was scored yet (the input was not found wanting)."""
    scored, flagged = counts.scored, counts.flagged
    if scored == 0 and not interrupted:
        print(f"dl4j-bridge: {args.input} yields no complete sequence to score; "
              f"{_read_summary(detector.pipeline_.report)}{_value_counts(detector.pipeline_)}", file=sys.stderr)
        return
    report = detector.pipeline_.report
    without_key = detector.pipeline_.records_without_key
    if counts.unjudged:   # before the summary line, as the launcher prints its warnings
        log.warning("%s", unjudged_warning(counts.unjudged, detector.kind))
    print(f"{scored} sequences scored, {flagged} flagged "
          f"(threshold {detector.threshold_:.6g}); {_read_summary(report)}{_value_counts(detector.pipeline_)}"
          + (f", records_without_key {without_key}" if without_key else "")
          + (f", gap_sessions {detector.pipeline_.gap_sessions}" if getattr(detector.pipeline_, "gap_sessions", 0)
             else "")
          + (f", split_sessions {detector.pipeline_.split_sessions}, extra_parts {detector.pipeline_.extra_parts}"
             if detector.pipeline_.split_sessions else "")
          + (f", truncated_sessions {detector.pipeline_.truncated_sessions}, truncated_records "
             f"{detector.pipeline_.truncated_records}" if detector.pipeline_.truncated_sessions else "")
          + (f", unjudged_sequences {counts.unjudged}" if counts.unjudged else ""), file=sys.stderr)


def _refuse_model_file(model: str, option: str, path: Optional[str]) -> None:
    """Refuse an output option that names the ``--model`` file: the rows (or bad lines) would replace the model.

    Parameters
    ----------
    model : str
        The ``--model`` argument.
    option : str
        The output option's name, for the message (``--output``, ``--quarantine``).
    path : str or None
        Its value; None or ``-`` (standard output) is no file.

    Raises
    ------
    UsageError
        When ``path`` is the model file (by name or by device and inode), in the launcher's words.
    """
    if path in (None, "-"):
        return
    if os.path.abspath(path) == os.path.abspath(model) or _same_file(model, path):
        raise UsageError(f"{option} {path} is the --model file: writing it would destroy the model; "
                         "write it elsewhere")


def _same_file(input_path: str, output_path: Optional[str]) -> bool:
    """``output_path`` names the regular file ``input_path`` reads (``-``: standard input, when it is a file); not a
    device such as /dev/null, and a missing output is no file yet."""
    if output_path in (None, "-"):
        return False
    try:
        if input_path == "-":
            if sys.stdin is None:
                return False
            read = os.fstat(sys.stdin.fileno())
        else:
            read = os.stat(input_path)
        written = os.stat(output_path)
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISREG(written.st_mode) and (read.st_dev, read.st_ino) == (written.st_dev, written.st_ino)


#: Characters of rows handed to ``score``'s output between two flushes (as the launcher's ``RowOutput`` buffer): a
#: write blocked on a reader that does not read leaves at most this much of the rows in doubt.
FLUSH_EVERY = 1 << 16

#: Sequences scored between two returns of freed native memory to the system (``memory.return_freed_memory``):
#: 16 parts of 4096, every few seconds of a stream, a few milliseconds each.
TRIM_EVERY = 65_536


def _score_stream(detector, source, output: str, *, flagged_only: bool,
                  block: Optional[int] = None, live: bool = False, session_idle_lines: int = 0,
                  trim_every: Optional[int] = None, signals: Optional["ScoreSignals"] = None) -> "ScoreCounts":
    """Score ``source`` as it is read and write each part's rows before reading on.

    Memory stays bounded by a block of the reader (megabytes) instead of growing with the input: the batches of
    ``pipeline_.iter_transform`` are scored, explained and written in parts of whole multiples of ``block``
    sequences, the rest carried over to the next batch. Scored in one call, the whole input would reach the JVM
    in minibatches of ``block`` sequences from its start (``DetectorScoring.CHUNK``, as the JVM launcher's
    ``--batch`` default): each part has the same minibatches, so every score and row is byte for byte the same
    as with the whole input at once, whatever the reader's blocks. ``index`` counts sequences across parts.

    Parameters
    ----------
    detector : BaseDetector
        A fitted detector with its pipeline (``pipeline_``).
    source : str or ByteStream
        The input, as ``Pipeline.iter_transform`` reads it.
    output : str
        Path of the JSON lines file, or ``"-"`` for standard output (flushed after each part). The file is
        created, or emptied, before the input is read, as the JVM launcher does: an input that gives no row
        leaves it empty, never holding an earlier run's rows.
    flagged_only : bool
        Write only the flagged sequences' rows (else every sequence's).
    block : int, optional
        Sequences per JVM minibatch; default ``network.PREDICT_CHUNK`` (4096, the JVM's ``DetectorScoring.CHUNK``).
    live : bool
        ``source`` is a :class:`ByteStream` still being written (``--input -``): whenever it pauses (no byte
        waiting after a read), the sequences complete so far are scored in one part and written, and the output
        flushed, before waiting for more, as the JVM launcher does (``tail -f app.log | dl4j-bridge score --input
        -`` shows rows as they come). Those parts are smaller than ``block``: their scores are those of smaller
        minibatches.
    session_idle_lines : int
        Sessions: close a session after this many lines without a record for its key, and score it with the
        next part (``score --session-idle-lines``, as the JVM launcher's); 0 (default): at the end of the input.
    trim_every : int, optional
        Sequences scored between two calls of :func:`~dl4j_bridge.memory.return_freed_memory` (default
        :data:`TRIM_EVERY`): without them glibc keeps more of the memory each part freed (30-55 MiB more resident
        on 5 million streamed syslog lines).
    signals : ScoreSignals, optional
        ``score``'s signal handling (:class:`ScoreSignals`, installed): a signal is raised between rows only, and
        the counts are those of the sequences whose rows were handed to the output (on an interruption the
        summary and the output agree). Without it, Python's own handling. On success the function returns with
        a held section open (the caller's summary comes first), which the caller releases.

    Returns
    -------
    ScoreCounts
        Sequences scored, flagged, and unjudged (no step to judge: one-event sessions of a next-event model).
    """
    from .detectors import take
    from .etl import SequenceBatch
    from .etl.errors import QuarantineError, SourceError
    from .memory import return_freed_memory
    from .network import PREDICT_CHUNK

    block = PREDICT_CHUNK if block is None else int(block)
    signals = ScoreSignals() if signals is None else signals   # not installed: Python's own handling
    counts = ScoreCounts()
    trim_every = TRIM_EVERY if trim_every is None else int(trim_every)
    trimmed_at = 0   # counts.scored at the last return of freed memory
    out = None
    name = "standard output" if output == "-" else output

    def guarded(operation, *arguments):
        """An output operation: EPIPE is OutputClosed, any other failure an OutputError naming the output."""
        try:
            return operation(*arguments)
        except BrokenPipeError as error:
            raise OutputClosed(f"{name} was closed by its reader (broken pipe)") from error
        except OSError as error:
            hint = (" (the disk is full: free space, or write the rows elsewhere with --output)"
                    if error.errno == errno.ENOSPC else "")
            raise OutputError(f"cannot write to {name}: {error.strerror or error}{hint}; the rows before the "
                              "failure were written") from error

    if output != "-":   # emptied now: rows of an earlier run must not pass for this input's
        try:
            # newline="\n": rows end in LF on every OS, byte for byte the launcher's (Windows would write CRLF)
            out = open(output, "w", encoding="utf-8", newline="\n")
        except OSError as error:   # exit 3, as the launcher's (nothing was read or written yet)
            raise CommandInputError(f"cannot write --output {name}: {error.strerror or error}") from error

    def write_row(text: str) -> None:
        """Hand one row to the output (one call: a row is whole or not there) and count it once ``write`` returned.
        A signal raises inside ``write`` only when it was blocked on the output's reader past the grace, or on a
        second signal: then the rows after the last flush may be missing or cut short (``blocked``)."""
        try:
            out.write(text)
        except KeyboardInterrupt:
            counts.blocked = True
            raise
        counts.rows += 1
        unflushed[0] += len(text)

    def flush() -> None:
        """Flush the output, a signal held meanwhile; the rows so far are then out for sure (``flushed``)."""
        signals.hold(watched=True)
        try:
            try:
                guarded(out.flush)
            except KeyboardInterrupt:
                counts.blocked = True
                raise
            flushed[0] = (counts.rows, counts.scored, counts.flagged, counts.unjudged)
            unflushed[0] = 0
        finally:
            signals.release()
        signals.check()

    def write(part) -> None:
        nonlocal out, trimmed_at
        if out is None:
            if output == "-" and sys.stdout is None:   # started with standard output closed (>&-)
                raise OutputError("cannot write to standard output: Bad file descriptor (standard output is "
                                  "closed: redirect it, or give --output FILE)")
            out = sys.stdout
            _rows_end_in_lf(out)
        utf8 = codecs.lookup(getattr(out, "encoding", None) or "ascii").name == "utf-8"
        scores = detector.score_batch(part)   # a signal before the rows are out: none of the part is counted
        # flagged / unjudged sequences among the part's first i, as Python ints: counting a row is then two
        # look-ups, not two numpy reductions (one row per sequence with --all)
        flagged_upto = _running_counts(scores.scores > detector.threshold_)
        unjudged_upto = _running_counts(unjudged_sequences(part, scores.scored_steps, detector.kind))
        first = counts.scored
        flagged_first, unjudged_first = counts.flagged, counts.unjudged

        def commit(upto: int) -> None:
            """Sequences ``[0, upto)`` of the part are done, their rows (if any) handed to the output: counted.
            The summary of an interrupted ``score`` counts only the sequences whose rows were written."""
            counts.scored = first + upto
            counts.flagged = flagged_first + flagged_upto[upto]
            counts.unjudged = unjudged_first + unjudged_upto[upto]

        try:
            write_rows(part, scores, first, commit, utf8)
        except (OutputClosed, OutputError):   # the rows cannot be written: the part was scored (as the launcher's
            commit(len(part))                 # summary counts it), its rows are not all out
            raise
        commit(len(part))
        flush()   # a pipe gets each part's rows as they are scored; a file is out for sure up to here
        if counts.scored - trimmed_at >= trim_every:   # the part's freed memory back to the system, not kept
            trimmed_at = counts.scored
            return_freed_memory()

    def write_rows(part, scores, first: int, commit, utf8: bool) -> None:
        """The part's rows, each handed over (and its sequences counted) with a signal held."""
        for row in detector.explain(part, flagged_only=flagged_only, scores=scores):
            index = int(row["index"])
            row["index"] += first    # the sequence's number in the whole input, as the launcher's
            # UTF-8 as the launcher's rows (escapes where the output is not)
            text = json.dumps(row, default=str, ensure_ascii=not utf8) + "\n"
            signals.hold(watched=True)   # a signal now: raised once the row is handed over and counted
            try:
                guarded(write_row, text)
                commit(index + 1)
            finally:
                signals.release()
            signals.check()
            if unflushed[0] >= FLUSH_EVERY:   # what is out for sure (a write blocked on a reader) stays near
                flush()

    pending = None   # sequences read but not scored yet: fewer than a block
    # what is out for sure: the counts (rows, scored, flagged, unjudged) at the last flush that returned, and the
    # characters handed to the output since
    flushed = [(0, 0, 0, 0)]
    unflushed = [0]

    def paused() -> None:
        nonlocal pending
        if pending is not None:
            write(pending)
            pending = None
        if out is not None:
            flush()

    if live:
        source.on_idle = paused
    try:
        try:
            for batch in detector.pipeline_.iter_transform(source, session_idle_lines=session_idle_lines):
                if pending is not None:
                    batch = SequenceBatch.concat([pending, batch], detector.pipeline_.feature_names)
                ready = len(batch) - len(batch) % block
                if ready:
                    write(batch if ready == len(batch) else take(batch, slice(0, ready)))   # views, no copy
                pending = take(batch, slice(ready, None)) if ready < len(batch) else None
        except SourceError as error:   # a truncated .gz: the complete windows read are scored, as the launcher does
            if pending is not None:
                write(pending)
            error.counts = counts   # for the summary (cmd_score)
            raise
        except QuarantineError as error:   # not an input error: the summary, then exit 4, as the launcher
            raise OutputError(str(error)) from error
        if pending is not None:
            write(pending)
        if out is not None and out is not sys.stdout:
            closing, out = out, None
            signals.hold(watched=True)
            try:
                guarded(closing.close)
            except KeyboardInterrupt:   # a close blocked past the grace (a FIFO not read), or a second signal
                counts.blocked = True
                raise
            finally:
                signals.release()
        signals.hold()   # returned holding: the caller's summary comes before a signal's line (it releases)
    except KeyboardInterrupt as error:   # Ctrl-C / SIGTERM: the rows handed over reach the output, then say so
        if not counts.blocked and out is not None:
            signals.hold(watched=True)   # a write blocked past the grace, or a second signal, stops this too
            try:
                out.flush() if out is sys.stdout else out.close()
            except KeyboardInterrupt:
                counts.blocked = True
            except OSError:   # the output failed too: what is out for sure is what was flushed
                counts.blocked = True
            finally:
                signals.release()
        if counts.blocked:   # the rows handed over since the last flush may not be out: counted as not
            counts.rows, counts.scored, counts.flagged, counts.unjudged = flushed[0]
            if out is sys.stdout:   # the rows left in its buffer would block (or fail) again at exit
                _quiet_stdout()
        counts.output = name
        error.counts = counts   # for the summary (cmd_score)
        raise
    except (OutputClosed, OutputError) as error:
        error.counts = counts   # for the summary (cmd_score)
        raise
    finally:
        if out is not None and out is not sys.stdout:
            try:
                out.close()   # the whole rows written so far reach the file
            except (OSError, KeyboardInterrupt):
                pass
    return counts


def _rows_end_in_lf(stream) -> None:
    """Make a text stream whose lines end in ``os.linesep`` other than LF (Windows' console and pipes: CRLF) end
    them in LF, as the launcher's rows do; a no-op where lines already end in LF (Linux, macOS)."""
    if os.linesep != "\n" and hasattr(stream, "reconfigure"):
        try:
            stream.reconfigure(newline="\n")
        except (OSError, ValueError, io.UnsupportedOperation) as error:   # not a text stream we may change
            log.debug("standard output keeps its line ends: %s", error)


def cmd_evaluate(args) -> int:
    from .atomicfile import atomic_write_text
    from .detectors.report import Report, explanations_markdown
    from .detectors.run import (RUNTIME_TEXT, _order, _per_type, check_evaluated_positive_values, check_labelled,
                                line_columns, one_class_line, one_class_text, per_type_section, require_report_extras,
                                runtime, window_truth)

    require_report_extras("dl4j-bridge evaluate")
    if args.quarantine is not None and _same_file(args.input, args.quarantine):
        raise UsageError(f"--quarantine {args.quarantine} is the input file: writing it would destroy the lines being "
                         "read; write it elsewhere")
    _refuse_model_file(args.model, "--quarantine", args.quarantine)
    start_jvm(args)
    detector = _load(args.model, args.trusted)
    _reading_mode(detector.pipeline_.reader, args)
    threshold_method = detector.threshold_method_
    if args.threshold is not None:   # the report says where the threshold came from, not the saved method's figures
        threshold_method = {"name": "given with --threshold", "saved_threshold": detector.threshold_,
                            "saved_method": (detector.threshold_method_ or {}).get("name")}
        detector.threshold_ = float(args.threshold)
    label = _step_label(detector.pipeline_)
    if label is None:
        raise CommandInputError("the model's ETL spec has no label transform, so the input carries no truth "
                         "to evaluate against; use 'score' instead")
    batch = detector.pipeline_.transform(args.input)
    # Logs to score may lack the label (read on, missing on every row, with a warning); here it is the truth.
    if label.column in detector.pipeline_.reader.report.absent_fields:
        raise CommandInputError(f"the label field {label.column!r} is absent from the input, so there is no truth to "
                                "evaluate against (the warning above lists the fields it has): evaluate labelled "
                                "logs, or use 'score'")
    scores = detector.score_batch(batch)
    next_event = detector.kind == "next_event"
    fields = line_columns(detector.pipeline_, args.input, [label.column, args.kinds_field])
    check_labelled(args.input, label.column, fields[label.column])
    # positive = ["ERROR"] saved, 'error' written here: every line would be normal (one class), for a reason to say
    check_evaluated_positive_values(f"--input {Path(args.input).name}", label, batch, fields[label.column])
    # a next-event detector judges the record after each window: its label counts too; a classifier's truth is
    # its positive_classes (README, "Command line")
    classes = detector.positive_classes if detector.kind == "sequence_classifier" else None
    truth = window_truth(batch, fields.get(label.column), next_event=next_event, positive=label, classes=classes)
    report = Report(args.report, f"Evaluation of {Path(args.model).name} on {Path(args.input).name}")
    m = report.model(detector.kind, truth, scores.scores, detector.threshold_, order=_order(batch),
                     threshold_method=threshold_method)
    one_class = one_class_text(f"--input {Path(args.input).name}", {detector.kind: m},
                               "evaluate on logs that hold both anomalous and normal lines (another --input, such as "
                               "a later file)")
    if one_class:
        log.warning("%s", one_class)
        report.parts.insert(0, f"**Warning: {one_class}.**\n")
    report.comparison([detector.kind])
    per_type = None
    if args.kinds_field:
        clean = window_truth(batch, fields.get(label.column), next_event=next_event, positive=label) == 0
        per_type = _per_type(batch, scores.scores, fields[args.kinds_field], next_event=next_event, label=label,
                             clean=clean, kinds_column=args.kinds_field)
    per_type_section(report, {detector.kind: per_type}, "--kinds-field", args.kinds_field or None, label=label,
                     own_column=args.kinds_field == label.column, by_model=False)
    read = _read_summary(detector.pipeline_.report) + _value_counts(detector.pipeline_)
    report.text(f"Input read ({detector.pipeline_.reader.mode}): {read}.")
    report.text("Flagged sequences:\n\n" + explanations_markdown(detector.explain(batch, scores=scores)))
    computed_on = runtime()
    report.text(RUNTIME_TEXT.format(**computed_on))
    path = report.write()
    # as train's: the figures for scripts, and no results.json of an earlier run left beside this report
    atomic_write_text(Path(path).parent / "results.json", json.dumps(
        {"report": str(path), "model": str(args.model), "input": str(args.input),
         "read": detector.pipeline_.report.to_dict(), "runtime": computed_on,
         "results": {detector.kind: {"metrics": m, "per_type": per_type}},
         **({"one_class_warning": one_class} if one_class else {})}, indent=1, sort_keys=True) + "\n")
    print(f"{len(batch)} sequences, {int(truth.sum())} anomalous: roc_auc {_f(m['roc_auc'])} "
          f"f1 {_f(m['f1'])} precision {_f(m['precision'])} recall {_f(m['recall'])}")
    if one_class:   # beside the figures it makes undefined or meaningless (the warning above says it in full)
        print(one_class_line({detector.kind: m}))
    print(f"read: {read}")
    print(f"report: {path}")
    return 0


def cmd_update(args) -> int:
    """``update``: :meth:`~dl4j_bridge.detectors.BaseDetector.update` on the sequences the model's own ETL makes of
    ``--input`` (and ``--with-normal``), saved to ``--output`` with the same pipeline."""
    import numpy as np

    from .detectors import take
    from .etl import SequenceBatch

    for option, path in (("--input", args.input), ("--with-normal", args.with_normal)):
        if path is not None and (path == "-" or not Path(path).is_file()):
            raise CommandInputError(f"{option} {path}: not a file (update reads files, not standard input)")
    for written, option in ((args.output, "--output"), (args.quarantine, "--quarantine")):
        if _same_file(args.input, written) or (args.with_normal and _same_file(args.with_normal, written)):
            raise UsageError(f"{option} {written} is an input file: writing it would destroy the lines being read")
    _refuse_model_file(args.model, "--quarantine", args.quarantine)   # --output may be it: saved atomically
    if args.quarantine is not None and (Path(args.quarantine).resolve() == Path(args.output).resolve()
                                        or _same_file(args.quarantine, args.output)):
        raise UsageError(f"--output and --quarantine name one file ({args.output}): the model would overwrite the "
                         "bad lines; give two files")
    start_jvm(args)
    detector = _load(args.model, args.trusted)
    pipeline = detector.pipeline_
    # --strict / --lenient / --quarantine are for this command's reads: the model keeps the mode it was saved with
    saved_mode = (pipeline.reader.mode, pipeline.reader.quarantine)
    _reading_mode(pipeline.reader, args)
    label = _step_label(pipeline)
    if detector.kind == "sequence_classifier" and label is None:
        raise CommandInputError("a classifier learns classes: its ETL spec needs a label transform, whose field "
                                "the input carries with the right class of each line")
    parts = []
    unknown_records = []   # records of each file whose template the model never saw (score's summary key)
    for option, path in (("--input", args.input), ("--with-normal", args.with_normal)):
        batch = pipeline.transform(path)
        unknown_records.append(int(pipeline.unknown_template_records))
        print(f"{option} {path}: {len(batch)} sequences; read: {_read_summary(pipeline.reader.report)}"
              f"{_value_counts(pipeline)}")
        if not len(batch):
            raise CommandInputError(f"{option} {path} makes no sequence with the model's ETL (the read above says "
                                    "what it held): give more lines")
        if detector.kind == "sequence_classifier" and label.column in pipeline.reader.report.absent_fields:
            raise CommandInputError(f"{option} {path} has no {label.column!r} field: a classifier's update learns "
                                    "each line's class from it (without it every line would be learned as normal); "
                                    "give the lines with their labels")
        parts.append(batch)
    reported, normal = parts
    batch = SequenceBatch.concat(parts, list(pipeline.feature_names))
    # trained on the reported sequences alone, the network forgot the rest (on loghub's OpenSSH sample, 3 reported
    # sessions made it flag 327 of 519); weighting them up to the normal ones' total flagged 10 normal sessions
    # instead of 3: no sequence is weighted up
    # the flags that say whether it worked: of the sequences to find normal (a classifier: those labelled normal)
    y = batch.step_labels if detector.kind == "sequence_classifier" else None
    judged = detector._normal_for_update(batch, y)
    on_reported = np.arange(len(batch)) < len(reported)
    before, after = detector._update(batch, y, epochs=args.epochs, learning_rate=args.learning_rate)
    before, after = before.astype(bool) & judged, after.astype(bool) & judged
    entry = detector.updates_[-1]
    reported_before, normal_before = int(before[on_reported].sum()), int(before[~on_reported].sum())
    reported_after, normal_after = int(after[on_reported].sum()), int(after[~on_reported].sum())
    n_reported, n_normal = int(judged[on_reported].sum()), int(judged[~on_reported].sum())
    unknown = detector._flagged_for_unknown_events(take(reported, np.flatnonzero(judged[on_reported])))
    entry.update({"reported": n_reported, "reported_flagged_before": reported_before,
                  "reported_flagged_after": reported_after, "reported_flagged_for_unknown_events": unknown,
                  "normal": n_normal, "normal_flagged_before": normal_before, "normal_flagged_after": normal_after})
    if pipeline.template_transform is not None:   # as score counts them (kept with the update's record)
        entry.update({"reported_unknown_template_records": unknown_records[0],
                      "normal_unknown_template_records": unknown_records[1]})
    pipeline.reader.mode, pipeline.reader.quarantine = saved_mode
    path = detector.save(args.output, pipeline=pipeline)
    print(f"updated: {entry['epochs']} epochs at learning rate {entry['learning_rate']:g}, loss "
          f"{entry['loss_first']:.4g} -> {entry['loss_last']:.4g} (threshold kept: {detector.threshold_:g})")
    which = " labelled normal" if detector.kind == "sequence_classifier" else ""
    print(f"--input sequences{which} flagged: {reported_before} -> {reported_after} of {n_reported}"
          + (f" ({unknown} of them for an event the model's ETL does not know: no update changes that; train "
             "anew with logs holding it)" if unknown else "")
          + f"; --with-normal sequences{which} flagged: {normal_before} -> {normal_after} of {n_normal}")
    if normal_after > normal_before:
        log.warning("the update made %d more --with-normal sequences%s flagged than before (%d -> %d of %d): check "
                    "the updated model before deploying it (update the previous model with fewer epochs, or a "
                    "smaller --learning-rate)", normal_after - normal_before, which, normal_before, normal_after,
                    n_normal)
    print(f"model: {path}")
    return EXIT_OK


def _read_summary(report) -> str:
    """The reader's counts for the summary line, every one that accounts for the lines read.

    ``lines`` = ``header_lines`` + ``records`` + ``continuation_lines`` + ``blank_lines`` + ``bad_lines``, as in
    the JVM launcher's JSON summary (``header_lines``, CSV's one line, and the rarer counts only when not 0).

    Parameters
    ----------
    report : ReadReport
        The pipeline's reader report after the read.

    Returns
    -------
    str
        ``"lines N, records N, continuation_lines N, blank_lines N, bad_lines N"`` and, when there are any,
        ``header_lines``, ``bad_by_reason``, ``quarantine``, ``undecodable_lines``, ``duplicate_key_lines`` and
        ``absent_fields``.
    """
    if report is None:   # nothing read yet
        return ""
    d = report.to_dict()
    always = ("lines", "records", "continuation_lines", "blank_lines", "bad_lines")
    order = ("lines", "header_lines", "records", "continuation_lines", "blank_lines", "bad_lines", "bad_by_reason",
             "quarantine", "undecodable_lines", "duplicate_key_lines", "absent_fields")
    keys = [k for k in order if k in d and (d.get(k) or k in always)]
    return ", ".join(f"{k} {json.dumps(d[k]) if k == 'bad_by_reason' else d[k]}" for k in keys)


def _value_counts(pipeline) -> str:
    """What the last pass read as missing or left unscored, when there was any (the launcher's summary keys, in its
    order): ``", unparsable_times N, backward_times N, non_numeric_values N, unknown_template_records N,
    unwindowed_records N"``."""
    counts = (("unparsable_times", pipeline.unparsable_times), ("backward_times", pipeline.backward_times),
              ("non_numeric_values", pipeline.non_numeric_values),
              ("unknown_template_records", pipeline.unknown_template_records),
              ("unwindowed_records", pipeline.unwindowed_records))
    return "".join(f", {name} {value}" for name, value in counts if value)


def _f(value) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (exit 2 for anything else, before any file is read)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _jvm_size(name: str):
    """argparse type of a JVM size flag (``heap``, ``max_physical_bytes``): the checks of ``start_jvm``, run before
    the JVM starts and named by the flag (exit 2; a heap the JVM cannot reserve ended the process with exit 1, the
    exit code of a score that flagged something)."""
    def size(text: str) -> str:
        from .session import jvm_size_problem

        problem = jvm_size_problem(name, text)
        if problem:
            raise argparse.ArgumentTypeError(f"{text!r} {problem}")
        return text
    return size


def _positive_finite(text: str) -> float:
    """argparse type: a number > 0 within float32's range (DL4J's: 1e39 trained nothing)."""
    value = _finite(text)
    if value <= 0 or value > 3.4028234663852886e38:
        raise argparse.ArgumentTypeError(f"must be a number > 0 within float32's range, got {text}")
    return value


def _step_label(pipeline):
    """The label transform whose labels the steps carry: the last one (each overwrites the step label, as in
    training and on the JVM), or ``None``."""
    from .etl.transforms import step_label

    return step_label(pipeline.transforms)


def _whole(value) -> str:
    """A (weighted) count: ``311``, not ``311.0``."""
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    # our own messages at INFO (DEBUG with -v); other libraries' only from WARNING (matplotlib's first use says
    # "generated new fontManager" at INFO)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("dl4j_bridge").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    logging.getLogger("dl4j_bridge.training").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    if args.command == "doctor":
        from . import doctor

        try:
            return doctor.run()
        except BrokenPipeError:   # `doctor | head -3`: quietly, as score
            _quiet_stdout()
            return EXIT_BROKEN_PIPE
    from .errors import (Dl4jBridgeError, JavaError, JavaIOError, JavaNotFoundError, MissingExtraError,
                         TrainingDivergedError)
    from .etl import BadLineError
    from .etl.errors import QuarantineError

    commands = {"train": cmd_train, "score": cmd_score, "evaluate": cmd_evaluate, "update": cmd_update}
    try:
        return commands[args.command](args)
    except UsageError as error:
        print(f"usage: dl4j-bridge {args.command} ...\ndl4j-bridge {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BadLineError as error:
        print(f"dl4j-bridge {args.command}: {error}\n  {_strict_hint(args.command, error)}", file=sys.stderr)
        return EXIT_INPUT
    except QuarantineError as error:   # evaluate / train: the bad lines could not be written, not an input error
        print(f"dl4j-bridge {args.command}: {error}", file=sys.stderr)
        return EXIT_OTHER
    except MissingExtraError as error:   # this Python lacks a package: not the input's fault
        print(f"dl4j-bridge {args.command}: {error}", file=sys.stderr)
        return EXIT_OTHER
    except (JavaError, JavaNotFoundError, MemoryError) as error:
        if isinstance(error, (JavaIOError, TrainingDivergedError, ValueError)):   # a file or a setting to change
            print(f"dl4j-bridge {args.command}: {error}", file=sys.stderr)
            return EXIT_INPUT
        # the JVM failed (out of memory, a DL4J error, no Java): not the input's fault, as the launcher says (4)
        flag = {"heap": "--heap", "max_physical_bytes": "--max-physical-bytes"}.get(getattr(error, "setting", None))
        print(f"dl4j-bridge {args.command}: {error}"
              + (f" (on the command line: {flag} SIZE)" if flag and hasattr(args, "heap") else ""), file=sys.stderr)
        return EXIT_OTHER
    except (Dl4jBridgeError, OSError, ValueError) as error:
        print(f"dl4j-bridge {args.command}: {error}", file=sys.stderr)
        return EXIT_INPUT
    except OutputClosed:   # `score | head -1`: quietly, as any command whose reader went away (summary printed)
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except OutputError as error:   # the rows could not be written: not an input error
        if args.command == "score" and args.output == "-":
            _quiet_stdout()
        print(f"dl4j-bridge {args.command}: {error}", file=sys.stderr)
        return EXIT_OTHER
    except KeyboardInterrupt as error:   # Ctrl-C / SIGTERM: the shell's codes for them, as the launcher (the JVM)
        said = "SIGTERM" if isinstance(error, Terminated) else "Ctrl-C"
        if args.command == "score":   # the launcher's line, word for word after the prefix
            held = _rows_held(error)
            print(f"dl4j-bridge {args.command}: interrupted ({said}){' ' if held == NOTHING_WRITTEN else '; '}{held}",
                  file=sys.stderr)
        else:
            print(f"dl4j-bridge {args.command}: interrupted (Ctrl-C); a model or report file is the previous one or "
                  "the new one, never half-written (saves are atomic)", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(error, Terminated) else EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the exit code says "unexpected"; -v shows the traceback
        log.debug("unexpected failure", exc_info=True)
        print(f"dl4j-bridge {args.command}: unexpected {type(error).__name__}: {error} "
              f"(rerun with -v for the traceback)", file=sys.stderr)
        return EXIT_OTHER


def _quiet_stdout() -> None:
    """Points standard output at /dev/null: the rows left in its buffer would fail again at exit (a traceback
    and exit code 120) once its pipe is closed or its disk full."""
    try:
        if sys.stdout is not None:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
