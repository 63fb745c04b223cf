#!/usr/bin/env python
"""JSON-lines reading speed: ``JsonLinesReader`` against the plain loop a user would write.

    python python/bench/json_reader.py [--lines 200000] [--repeats 3]

1. Generates N seeded JSON-lines log records (a timestamp, host, level, message, byte count and a nested
   ``meta.pid``) into a temporary file.
2. Reads it with ``JsonLinesReader`` (six mapped fields, one of them a dotted path, ``bytes`` declared ``int``:
   duplicate-key counting, per-line bad-line handling, type checks, line numbers) and with the baseline,
   ``pandas.DataFrame([json.loads(line) ...])`` plus ``meta.pid`` pulled out (none of those checks), each in
   the same process, alternating, the median of ``repeats`` runs each. Times are the process's CPU time
   (``time.process_time``: both sides are single-threaded Python, and CPU time does not count the time other
   processes on a busy machine take; on an idle machine it is the wall time).
3. Checks that both give the same values and prints lines/s of each and the ratio reader / baseline (1.0 = as
   fast as the unchecked loop).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

import pandas as pd  # noqa: E402

from dl4j_bridge.etl import JsonLinesReader  # noqa: E402

FIELDS = {"ts": "ts", "host": "host", "level": "level", "msg": "msg", "bytes": "bytes", "pid": "meta.pid"}


def write_lines(path: Path, lines: int, seed: int = 1) -> None:
    """``lines`` seeded JSON records, one per line."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(lines):
            handle.write(json.dumps({
                "ts": f"2026-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}", "host": f"h{i % 50}",
                "level": rng.choice(["INFO", "WARN", "ERROR"]),
                "msg": f"user {i % 977} logged in from 10.0.{i % 256}.{i % 13}",
                "bytes": rng.randint(0, 100_000), "meta": {"pid": i % 3000, "app": "sshd"}}) + "\n")


def read_with_reader(path: Path) -> pd.DataFrame:
    return JsonLinesReader(fields=FIELDS, types={"bytes": "int"}).read(str(path))


def read_baseline(path: Path) -> pd.DataFrame:
    with open(path, encoding="utf-8") as handle:
        frame = pd.DataFrame([json.loads(line) for line in handle])
    frame["pid"] = [meta["pid"] for meta in frame.pop("meta")]
    return frame


def run(lines: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.jsonl"
        write_lines(path, lines)
        ours, base = read_with_reader(path), read_baseline(path)   # also the warm-up
        for name in FIELDS:
            if [str(v) for v in ours[name]] != [str(v) for v in base[name]]:
                raise SystemExit(f"field {name}: the reader and the baseline read different values")
        times = {"reader": [], "baseline": []}
        for _ in range(repeats):
            for name, fn in (("reader", read_with_reader), ("baseline", read_baseline)):
                start = time.process_time()
                fn(path)
                times[name].append(time.process_time() - start)
    reader_s, baseline_s = statistics.median(times["reader"]), statistics.median(times["baseline"])
    return {"lines": lines, "reader_s": reader_s, "baseline_s": baseline_s, "ratio": reader_s / baseline_s,
            "reader_lines_per_s": lines / reader_s, "baseline_lines_per_s": lines / baseline_s}


def command(lines: int, repeats: int) -> str:
    return f"python python/bench/json_reader.py --lines {lines} --repeats {repeats}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    r = run(args.lines, args.repeats)
    print(f"json reader: {r['lines']} lines; JsonLinesReader {r['reader_s']:.2f} CPU s ({r['reader_lines_per_s']:,.0f} "
          f"lines/s), baseline json.loads + DataFrame {r['baseline_s']:.2f} CPU s ({r['baseline_lines_per_s']:,.0f} "
          f"lines/s); ratio {r['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
