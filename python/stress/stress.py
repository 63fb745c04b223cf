"""``make stress``: soak (fit / score / save / load cycles, memory tracked) and load (``serve`` under
concurrent requests), figures printed and written to RESULTS.md, non-zero exit when a criterion fails.

    python python/stress/stress.py                      # the full run: 200 cycles, 10,000 requests
    python python/stress/stress.py --cycles 5 --warmup 1 --window 2 --requests 200 --results /tmp/r.md

Criteria: (soak) the loaded model scores exactly like the saved one and every cycle exactly like the
first; RSS, JVM heap in use after a GC and JavaCPP's tracked off-heap bytes grow by less than
``--limit`` percent (median of the ``--window`` cycles after ``--warmup`` against the median of the
last ``--window``). (load) every request answered on its connection with its own request id, the
expected status for its kind (200 valid; 400/404/405/413/415 malformed, with a JSON error), valid
answers identical to the baseline answer for the same body, baseline rows equal to Python's, and the
server's /health counters equal to what was sent and scored.

Exit codes: 0 every criterion met, 1 a criterion failed, 2 usage, 3 the Java build is missing.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
for entry in (str(REPO_ROOT), str(HERE)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from load import LoadResult, kinds_table, latency_summary, run_load  # noqa: E402
from soak import JUDGED, MIB, REPORTED, SoakResult, run_soak  # noqa: E402
from workload import make_detector, make_workload  # noqa: E402

DIST = REPO_ROOT / "build" / "install" / "dl4j-bridge"
log = logging.getLogger("stress")


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", choices=("soak", "load"), help="run one part (default: both)")
    p.add_argument("--cycles", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20, help="cycles before the first median (default 20)")
    p.add_argument("--window", type=int, default=20, help="cycles in each median (default 20)")
    p.add_argument("--limit", type=float, default=5.0, help="allowed growth, percent (default 5)")
    p.add_argument("--train-lines", type=int, default=1500)
    p.add_argument("--test-lines", type=int, default=600)
    p.add_argument("--requests", type=int, default=10_000)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--malformed-share", type=float, default=0.2)
    p.add_argument("--bodies", type=int, default=64, help="distinct valid bodies (each one baseline request)")
    p.add_argument("--max-body-bytes", type=int, default=256 * 1024,
                   help="the server's limit in the load test (default 256 KiB)")
    p.add_argument("--heap", default="2g")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--results", default=str(HERE / "RESULTS.md"), help="Markdown results file ('-': none)")
    p.add_argument("--no-trim", action="store_true",
                   help="read RSS without calling malloc_trim(0) first (see soak.py)")
    p.add_argument("--readings", help="also write every soak cycle's readings (bytes) and seconds to this CSV")
    args = p.parse_args(argv)
    if args.only != "load" and args.warmup + args.window > args.cycles:
        p.error(f"--cycles must be at least --warmup + --window ({args.warmup} + {args.window})")
    if not 0 <= args.malformed_share <= 1:
        p.error("--malformed-share must be in [0, 1]")
    return args


def command_line(argv: Optional[List[str]]) -> str:
    return " ".join(["python", "python/stress/stress.py", *(sys.argv[1:] if argv is None else argv)])


def soak_lines(s: SoakResult) -> List[str]:
    w0, w1 = s.warmup + 1, s.warmup + s.window
    out = [f"Soak: {s.cycles} cycles of fit / score / save / load in one process ({s.n_test_windows} test windows "
           f"per cycle; {statistics.median(s.seconds):.2f} s per cycle median, {sum(s.seconds):.0f} s in all); "
           f"scores: {'identical after every load and in every cycle' if not s.score_failures else 'FAILED'}.",
           "",
           f"| reading | cycle 1 | after warm-up (median of cycles {w0}-{w1}) | end (median of cycles "
           f"{s.cycles - s.window + 1}-{s.cycles}) | growth | criterion |",
           "|---|---|---|---|---|---|"]
    for name in JUDGED + REPORTED:
        g = s.growth(name)
        verdict = (f"< {s.limit_percent:g}%: {'pass' if g['percent'] < s.limit_percent else 'FAIL'}"
                   if name in JUDGED else "reported")
        unit, scale = ("", 1) if name == "classes" else (" MiB", MIB)
        out.append(f"| {name} | {s.readings[name][0] / scale:.1f}{unit} | {g['early'] / scale:.1f}{unit} | "
                   f"{g['late'] / scale:.1f}{unit} | {g['percent']:+.2f}% | {verdict} |")
    return out


def load_lines(r: LoadResult) -> List[str]:
    lat = latency_summary(r.latencies)
    rate = r.requests / r.seconds if r.seconds else float("nan")
    malformed = r.requests - sum(r.by_kind.get("valid", {}).values())
    out = [f"Load: `dl4j-bridge serve` on loopback, {r.requests:,} requests ({malformed:,} malformed) at concurrency "
           f"{r.concurrency} after {r.baseline_requests} baseline requests: {r.answered:,} answered, {r.lost} lost; "
           f"{rate:,.0f} requests/s ({r.seconds:.1f} s); latency p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms, "
           f"p99 {lat['p99']:.1f} ms, max {lat['max']:.1f} ms; {r.sequences_per_valid_request:.1f} windows scored per "
           f"valid request; /health afterwards: requests {r.health.get('requests')}, scored {r.health.get('scored')}, "
           f"flagged {r.health.get('flagged')}.",
           "",
           "| status | requests |", "|---|---|"]
    out += [f"| {status} | {count:,} |" for status, count in sorted(r.by_status.items())]
    out += ["", "| kind | requests | answers by status |", "|---|---|---|"]
    out += [f"| {kind} | {n:,} | {statuses} |" for kind, n, statuses in kinds_table(r)]
    return out


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), {mem / 1024:.1f} GiB; "
            f"Python {platform.python_version()}; {java[0] if java else 'java ?'}")


def write_readings(path: Path, soak: SoakResult) -> None:
    names = list(soak.readings)
    rows = [",".join(["cycle", "seconds"] + names)]
    for i in range(len(soak.seconds)):
        rows.append(",".join([str(i + 1), f"{soak.seconds[i]:.3f}"] + [str(soak.readings[n][i]) for n in names]))
    from dl4j_bridge.etl.pipeline import atomic_write_text

    atomic_write_text(path, "\n".join(rows) + "\n")


def write_results(path: Path, header: List[str], body: List[str]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(header + [""] + body) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    launcher = DIST / "bin" / "dl4j-bridge"
    if not launcher.is_file():
        print(f"stress: the Java build is missing ({launcher}); run: make build", file=sys.stderr)
        return 3
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    t0 = time.perf_counter()

    import dl4j_bridge as db
    from dl4j_bridge.detectors import load_detector

    db.start_jvm(home=DIST, heap=args.heap, threads=args.threads)
    cpu_build = db.jvm_info().get("nd4j.cpu.build")  # now: a later rebuild of the jars hides classes not yet loaded
    work = make_workload(args.train_lines, args.test_lines)
    body: List[str] = []
    failures: List[str] = []
    model: Optional[Path] = None
    if args.only != "load":
        soak = run_soak(work, args.cycles, warmup=args.warmup, window=args.window, limit_percent=args.limit,
                        trim=not args.no_trim)
        body += soak_lines(soak) + [""]
        failures += [f"soak: {f}" for f in soak.failures()]
        model = soak.model_path
        if args.readings:
            write_readings(Path(args.readings), soak)
    if args.only != "soak":
        if model is None:
            model = Path(os.environ.get("TMPDIR", "/tmp")) / f"dl4j_bridge_stress_{os.getpid()}.zip"
            make_detector(work.pipeline.n_template_ids).fit(work.pipeline.transform(work.train_lines)).save(
                model, pipeline=work.pipeline)
        result = run_load(launcher, model, work.test_lines, requests=args.requests, concurrency=args.concurrency,
                          malformed_share=args.malformed_share, distinct_bodies=args.bodies,
                          max_body_bytes=args.max_body_bytes,
                          python_detector=load_detector(model))
        body += load_lines(result) + [""]
        failures += [f"load: {p}" for p in result.problems[:20]]
        if len(result.problems) > 20:
            failures.append(f"load: ... and {len(result.problems) - 20} more problems")
        if result.lost:
            failures.append(f"load: {result.lost} requests lost")
    verdict = "PASS: every criterion met" if not failures else f"FAIL: {len(failures)} criteria failed"
    body += [f"**Verdict: {verdict}.**"] + [f"- {f}" for f in failures]
    load_after = os.getloadavg()
    header = ["# make stress: soak and load results", "",
              f"- command: `{command_line(argv)}` (`make stress` runs it with the defaults)",
              f"- date: {started:%Y-%m-%d %H:%M} UTC; wall time {time.perf_counter() - t0:.0f} s",
              f"- machine: {machine()}",
              f"- load average (1/5/15 min): before {' '.join(f'{v:.2f}' for v in load_before)}, "
              f"after {' '.join(f'{v:.2f}' for v in load_after)} (the machine is shared)",
              f"- JVM in this process: heap {args.heap}, {args.threads} threads, nd4j build "
              f"{cpu_build}; the server: the launcher's defaults"]
    print("\n".join(header + [""] + body))
    if args.results != "-":
        write_results(Path(args.results), header, body)
        print(f"\n(written to {args.results})")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
