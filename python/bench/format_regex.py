#!/usr/bin/env python
r"""Text-log parsing speed: the format's atomic capture regex against the guard-then-regex path it replaced.

    python python/bench/format_regex.py [--lines 200000] [--repeats 3]

1. Generates N seeded syslog lines (``LogGenerator.iter_syslog``, the ETL bench's data) into a temporary file.
2. Reads it with ``TextReader(SYSLOG_FORMAT)`` twice per repeat, alternating, in the same process:
   - baseline: the path of 2026-12-03 to 12-04 -- per block, the linear-time guard (``format_guard``) over the
     joined lines, then the format's regex (``format_to_regex``), two C-level scans;
   - capture: ``format_capture``, the regex with each field and its separator in an atomic group: one scan that
     rejects a non-matching line in linear time and gives the same fields.
   Times are the process's CPU time (``time.process_time``), the median of ``repeats`` runs each.
3. Checks that both read the same frame and prints lines/s of each and the ratio capture / baseline (< 1: faster).
4. The same on the JVM (``io.dl4jbridge.bench.TextReadBench``, the launcher's ``TextRecordReader``, thread CPU time,
   after a warm-up round), on the same file, when the Java build exists (``make build``); ``--no-jvm`` skips it.

    python python/bench/format_regex.py --blank-runs 1000,10000,100000 [--repeats 1]

Long runs of blanks instead: for each format of ``BLANK_RUN_CASES`` (with the line rules it is read with) and
each length, a file of two lines holding such a run (of spaces; of tabs for ``\t\t - `` and ``\s\t - ``), one
the format does not match and one it matches after the run, read by the reader as a spec of the format reads it
(its capture regex, or its guard and read regex) on both sides; then the same two lines with 1,000,000 non-blank
characters instead of the run (the control, where nothing is quadratic). Each should take time linear in the
line: a field before a separator that starts with a run of blanks, or with ``\s`` and then a run, skips the blanks
inside a run (before, each tried the separator from every blank of the run: minutes at 100,000 blanks); one before
two or more ``\s``/tabs, one a tab, and then a run goes on from a run's first possible end to its last ends in one
step (before, it tried the separator from every tab of a run of tabs).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402

import common  # noqa: E402
from dl4j_bridge.etl import SYSLOG_FORMAT, LogGenerator, TextReader  # noqa: E402


#: The formats of ``--blank-runs``: (format, line rules, what the matched line holds after the run, the run's
#: character).  A field then ``\\s``, a run and a literal; a run, ``\\s`` and a literal; two ``\\s`` before a run;
#: specs saved with line rules 1 (the guard and the read regex); two ``\\s``/tabs, one a tab, before a run, on a run
#: of tabs (``\\t\\t - ``, ``\\s\\t - ``; ``\\t - `` under line rules 1).
BLANK_RUN_CASES = [(r"<A>\s - <B>", 2, "y  - z", " "), (r"<A> \s- <B>", 2, "y  - z", " "),
                   (r"<A>\s\s - <B>", 2, "y   - z", " "), (r"<A>\s - <B>", 1, "y  - z", " "),
                   (r"<A> - <B>", 1, "y - z", " "), (r"<A>\t\t - <B>", 2, "y\t\t - z", "\t"),
                   (r"<A>\s\t - <B>", 2, "y \t - z", "\t"), (r"<A>\t\t - <B>", 1, "y\t\t - z", "\t"),
                   (r"<A>\t - <B>", 1, "y\t - z", "\t")]

#: The control line of ``--blank-runs``: this many non-blank characters instead of the run.
CONTROL_CHARACTERS = 1_000_000


def read(path: Path, capture: bool, log_format: str = SYSLOG_FORMAT, **options) -> tuple[pd.DataFrame, float]:
    """The frame ``TextReader(log_format, **options)`` reads, and the CPU seconds it took (``capture=False``: the
    guard and the regex, as before ``format_capture``)."""
    reader = TextReader(log_format, **options)
    if reader._block_capture is None:
        raise RuntimeError(f"{log_format} has no capture regex: nothing to compare")
    if not capture:
        reader._line_capture = reader._block_capture = None
    start = time.process_time()
    frame = reader.read(str(path))
    return frame, time.process_time() - start


def run(lines: int, repeats: int, jvm: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "syslog.log"
        with open(path, "w", encoding="utf-8") as handle:
            for line in LogGenerator(seed=7).iter_syslog(lines):
                handle.write(line + "\n")
        times: dict[bool, list[float]] = {False: [], True: []}
        frames = {}
        for _ in range(repeats):
            for capture in (False, True):
                frames[capture], seconds = read(path, capture)
                times[capture].append(seconds)
        pd.testing.assert_frame_equal(frames[False], frames[True])
        java = common.java_json("io.dl4jbridge.bench.TextReadBench", [str(path), SYSLOG_FORMAT, str(repeats)]) \
            if jvm else None
    baseline, capture = statistics.median(times[False]), statistics.median(times[True])
    result = {"lines": lines, "baseline_seconds": baseline, "capture_seconds": capture,
              "baseline_lines_per_s": lines / baseline, "capture_lines_per_s": lines / capture,
              "ratio": capture / baseline}
    if java is not None:
        if java["records"] != len(frames[True]):
            raise RuntimeError(f"the JVM read {java['records']} records, Python {len(frames[True])}")
        result.update({"jvm_baseline_seconds": java["baseline_seconds"], "jvm_capture_seconds": java["capture_seconds"],
                       "jvm_ratio": java["capture_seconds"] / java["baseline_seconds"]})
    return result


def run_blank_runs(lengths: list[int], repeats: int, jvm: bool = True) -> list[dict]:
    """Per case of :data:`BLANK_RUN_CASES` and blank-run length (0: the control line): the CPU seconds of the
    reader as it reads two lines with such a run, on each side (see the module doc)."""
    results = []
    for log_format, line_rules, tail, blank in BLANK_RUN_CASES:
        for length in [*lengths, 0]:
            head = "x" + (blank * length if length else "x" * CONTROL_CHARACTERS)
            matched = head + (tail if length else tail[1:])
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "blanks.log"
                path.write_text(f"{head}y\n{matched}\n", encoding="utf-8")
                times = []
                for _ in range(repeats):
                    reader = TextReader(log_format, mode="lenient", continuation=None, line_rules=line_rules)
                    start = time.process_time()
                    frame = reader.read(str(path))
                    times.append(time.process_time() - start)
                if frame["line_number"].tolist() != [2]:
                    raise RuntimeError(f"{log_format}: read lines {frame['line_number'].tolist()}, not [2]")
                java = common.java_json("io.dl4jbridge.bench.TextReadBench",
                                        [str(path), log_format, str(repeats), str(line_rules), "reader"]) \
                    if jvm else None
            result = {"format": log_format, "line_rules": line_rules, "blanks": length,
                      "run": "tabs" if blank == "\t" else "blanks",
                      "capture": reader._line_capture is not None, "seconds": statistics.median(times)}
            if java is not None:
                if java["records"] != 1:
                    raise RuntimeError(f"{log_format}: the JVM read {java['records']} records, not 1")
                result["jvm_seconds"] = java["reader_seconds"]
            results.append(result)
    return results


def command(lines: int, repeats: int, jvm: bool = True) -> str:
    return f"python python/bench/format_regex.py --lines {lines} --repeats {repeats}" + ("" if jvm else " --no-jvm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-jvm", action="store_true", help="skip the JVM reader (TextReadBench)")
    parser.add_argument("--blank-runs", help="comma-separated run lengths: time lines with long runs of blanks "
                        "read with the formats of BLANK_RUN_CASES instead")
    args = parser.parse_args()
    if args.blank_runs:
        lengths = [int(length) for length in args.blank_runs.split(",")]
        logging.getLogger("dl4j_bridge").setLevel(logging.ERROR)   # each file's first line is bad on purpose
        print(f"two lines per format and length (0: {CONTROL_CHARACTERS:,} non-blank characters instead), "
              f"CPU s (median of {args.repeats})")
        print("format | line rules | read with | run | Python | JVM")
        for r in run_blank_runs(lengths, args.repeats, jvm=not args.no_jvm):
            path = "capture regex" if r["capture"] else "guard + read regex"
            run = f"{r['blanks']:,} {r['run']}" if r["blanks"] else "control"
            print(f"{r['format']} | {r['line_rules']} | {path} | {run} | {r['seconds']:.4f} | "
                  f"{r.get('jvm_seconds', float('nan')):.4f}")
        print(f"reproduce: python python/bench/format_regex.py --blank-runs {args.blank_runs} --repeats {args.repeats}"
              + (" --no-jvm" if args.no_jvm else ""))
        return
    r = run(args.lines, args.repeats, jvm=not args.no_jvm)
    print(f"lines: {r['lines']}")
    print(f"guard + regex (baseline): {r['baseline_seconds']:.2f} CPU s, {r['baseline_lines_per_s']:,.0f} lines/s")
    print(f"capture regex:            {r['capture_seconds']:.2f} CPU s, {r['capture_lines_per_s']:,.0f} lines/s")
    print(f"ratio capture / baseline: {r['ratio']:.2f}  (same frame read by both)")
    if "jvm_ratio" in r:
        print(f"JVM guard + regex:        {r['jvm_baseline_seconds']:.2f} CPU s, "
              f"{r['lines'] / r['jvm_baseline_seconds']:,.0f} lines/s")
        print(f"JVM capture regex:        {r['jvm_capture_seconds']:.2f} CPU s, "
              f"{r['lines'] / r['jvm_capture_seconds']:,.0f} lines/s")
        print(f"JVM ratio:                {r['jvm_ratio']:.2f}  (same record count)")
    print(f"reproduce: {command(args.lines, args.repeats, jvm=not args.no_jvm)}")


if __name__ == "__main__":
    main()
