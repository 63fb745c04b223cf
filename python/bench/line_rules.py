#!/usr/bin/env python
"""Text reading speed under line rules 2 (ETL spec version 3) against line rules 1, in one run.

    python python/bench/line_rules.py [--lines 200000] [--repeats 5]

Line rules 2 (``readers.LINE_RULES``) make a run of spaces before a field a whole run of blanks (a lookahead
per separator) and try the continuation regex on every line before the format (one more ``re.match`` per
line).  This reads the same lines with ``TextReader(line_rules=1)`` (the baseline) and ``line_rules=2``,
alternating, best of ``--repeats`` each, and prints lines/s and the ratio of times, for:

* ``syslog``: generated syslog lines (``LogGenerator.syslog``), no continuation line: both rules give the
  same frame (checked);
* ``log4j+traces``: generated log4j-style lines with a 6-line Java stack trace after every 20th record, read
  with ``<Date> <Time> <Level> <Content>``: rules 1 read frames as records, rules 2 join them (the counts are
  printed).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from dl4j_bridge.etl import SYSLOG_FORMAT, LogGenerator, TextReader  # noqa: E402

log = logging.getLogger("bench.line_rules")

TRACE = ["java.io.IOException: Connection reset by peer", "\tat sun.nio.ch.FileDispatcherImpl.read0(Native Method)",
         "    at org.apache.hadoop.hdfs.server.datanode.BlockReceiver.receivePacket(BlockReceiver.java:512) ~[h.jar:1]",
         "Caused by: java.net.SocketException: Broken pipe", "    at java.net.SocketOutputStream.write(X.java:1)",
         "    ... 12 more"]


def log4j_lines(n: int) -> list[str]:
    out: list[str] = []
    for i, r in enumerate(LogGenerator(seed=3).records(n)):
        out.append(f"{r['time']:%Y-%m-%d %H:%M:%S},{i % 1000:03d} {r['level'].upper()} [{r['service']}] {r['message']}")
        if i % 20 == 19:
            out.extend(TRACE)
    return out[:n]


def best_time(log_format: str, lines: list[str], rules: int) -> tuple[float, TextReader, object]:
    reader = TextReader(log_format, line_rules=rules, mode="lenient")
    start = time.perf_counter()
    frame = reader.read(lines)
    return time.perf_counter() - start, reader, frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cases = {"syslog": (SYSLOG_FORMAT, LogGenerator(seed=2).syslog(args.lines).lines),
             "log4j+traces": ("<Date> <Time> <Level> <Content>", log4j_lines(args.lines))}
    print("| lines | rules 1 lines/s | rules 2 lines/s | time ratio 2/1 | records 1 / 2 | continuation lines 1 / 2 |")
    print("|---|---|---|---|---|---|")
    for name, (log_format, lines) in cases.items():
        times: dict[int, list[float]] = {1: [], 2: []}
        last: dict[int, tuple] = {}
        for repeat in range(args.repeats):
            for rules in ((1, 2) if repeat % 2 == 0 else (2, 1)):
                elapsed, reader, frame = best_time(log_format, lines, rules)
                times[rules].append(elapsed)
                last[rules] = (reader.report, frame)
        if name == "syslog" and not last[1][1].equals(last[2][1]):
            raise SystemExit("syslog: the two line rules read different frames")
        best = {rules: min(t) for rules, t in times.items()}
        reports = {rules: last[rules][0] for rules in (1, 2)}
        print(f"| {name} ({len(lines):,}) | {len(lines) / best[1]:,.0f} | {len(lines) / best[2]:,.0f} | "
              f"{best[2] / best[1]:.3f} | {reports[1].records:,} / {reports[2].records:,} | "
              f"{reports[1].continuation_lines:,} / {reports[2].continuation_lines:,} |")
    print(f"\n`python python/bench/line_rules.py --lines {args.lines} --repeats {args.repeats}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
