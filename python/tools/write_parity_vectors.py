"""Write the JVM parity vectors: raw lines -> the arrays Python's ETL makes of them (-> scores).

Each vector is one JSON file under ``java/src/test/resources/parity/``, checked by the JUnit test
``io.dl4jbridge.etl.EtlParityTest`` (and, for detectors, ``io.dl4jbridge.scorer.ScorerParityTest``)::

    {"name", "spec": <Pipeline.to_dict()>, "mode", "lines": [raw lines],
     "expected": {"feature_names", "sequences": [{"key", ("session",) ("part",) "line_numbers", "step_ids", "step_labels",
                  "next_id", "label"}], "rows": {"<line number>": [float32 features of that record]}},
     "report": {reader counters}}

Detector vectors (``detector_*.json``) name a committed detector zip (``detector_*.zip``: a small
network trained briefly on the lines of an ETL vector, its normalizer, ETL spec and threshold) and
hold Python's scores and flags for that ETL vector's lines; the zips are only retrained with
``--retrain``, so the scores are reproducible.

``rows`` holds each record's feature row once (a window's ``x`` is the rows of its line numbers),
which keeps the files small while still checking every value of ``x``.  Everything comes from
seeded generators, so the files are reproducible; ``tests/test_parity_vectors.py`` regenerates them
in memory and fails when the committed ones are stale.

    python python/tools/write_parity_vectors.py          # rewrite the committed vectors
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from dl4j_bridge.etl import (SYSLOG_FORMAT, SYSLOG_TIME_FORMAT, Categorical, Extract, IpAddress,  # noqa: E402
                             JsonLinesReader, Label, LogGenerator, Numeric, Pipeline, Port, Sessions,
                             Template, TextReader, Timestamp, Windows, CsvReader)
from dl4j_bridge.etl.pipeline import atomic_write_text  # noqa: E402

VECTOR_DIR = REPO / "java" / "src" / "test" / "resources" / "parity"
log = logging.getLogger("parity")

#: Lines that exercise the edge cases of the text reader, the masking and the timestamp parser.
TEXT_EDGE_LINES = [
    "Mar  4 10:00:00 web-01 sshd[123]: Failed password for root from 10.0.0.1 port 22 ssh2",
    "this line matches no format",
    "",
    "Mar 4 10:00:01 app-01 app-worker[77]: java.lang.IllegalStateException: boom at 0x7f3a",
    "    at com.example.Worker.run(Worker.java:42)",
    "Caused by: java.io.IOException: disk /dev/sda1 full",
    "Mar 4 10:00:02 web-01 nginx[806]: Ünïcödé ٣٤ digits 12ab /var/log/x.log http://x.example/z?q=1 3.5MB",
    "Feb 30 10:00:03 web-01 nginx[806]: impossible date keeps the previous time",
    "Mar 4 10:00:04 web-01 kernel[0]: [UFW BLOCK] IN=eth0 OUT= SRC=10.9.8.7 DST=10.0.0.2 PROTO=TCP",
    "Mar 4 10:00:05 web-01 CRON[2222]: (root) CMD (/usr/bin/logrotate /etc/logrotate.conf)",
    "Mar 4 10:00:06 web-01 sshd[abc]: pid is not a number here",
    "\tindented line continues the record before it",
    "Mar 4 10:00:07 gw-01 systemd[1]: Started nginx.service.",
]

JSON_EDGE_LINES = [
    '{"@timestamp":"2024-03-04T10:00:00+02:00","host":{"name":"web-01"},"service":"sshd","pid":1,'
    '"level":"info","message":"Accepted password for bob from 10.0.0.7 port 50022 ssh2","label":0,'
    '"source":{"ip":"10.0.0.7","port":50022},"destination":{"ip":"10.0.1.10","port":22}}',
    "not json at all",
    "[1, 2, 3]",
    "",
    '{"@timestamp":"2024-03-04T10:00:01Z","host":{"name":"web-01"},"message":"odd types","label":"attack",'
    '"srcIP":"fe80::1","destination":{"ip":"2001:db8::5","port":"443"},"bytes":"12e3","level":["a",1.5]}',
    '{"@timestamp":"garbage","host.name":"literal-dotted-key","message":null,"label":null,"srcIP":"010.0.0.1",'
    '"destination":{"port":70000},"bytes":-5,"level":true}',
    '{"@timestamp":"2024-03-04T10:00:02.123456","message":"Finished apt-daily.service.","pid":2.5,'
    '"label":1,"source":{"ip":"192.168.1.1"},"bytes":1e400}',
]


def _windows_text() -> tuple[Pipeline, list[str], list[str]]:
    generated = LogGenerator(seed=11).syslog(3000).lines
    pipeline = Pipeline(
        reader=TextReader(SYSLOG_FORMAT, mode="lenient", types={"Pid": "int"}),
        transforms=[Template("Content"), Categorical("Service"), Categorical("Host", encoding="index"),
                    Timestamp(["Month", "Day", "Time"], format=SYSLOG_TIME_FORMAT, year=2024),
                    Numeric("Pid", log1p=True, indicator=True)],
        sequence=Windows(length=10, stride=1, next_event=True))
    pipeline.fit(generated[:2800])
    return pipeline, generated[2800:2900] + TEXT_EDGE_LINES + generated[2900:2960], []


def _windows_jsonl() -> tuple[Pipeline, list[str], list[str]]:
    generated = LogGenerator(seed=12, anomaly_rate=0.05).json_lines(3000).lines
    pipeline = Pipeline(
        reader=JsonLinesReader({"time": "@timestamp", "host": ["host.name", "hostname"], "message": "message",
                                "level": "level", "label": "label", "src_ip": ["source.ip", "srcIP"],
                                "dst_ip": "destination.ip", "dst_port": "destination.port", "bytes": "bytes"},
                               mode="lenient"),
        transforms=[Template("message", onehot=False), Categorical("level", missing="category"),
                    IpAddress("src_ip", prefix=16, max_categories=6), IpAddress("dst_ip", prefix=24),
                    Port("dst_port", max_categories=5), Numeric("bytes", log1p=True, scaling="minmax"),
                    Timestamp("time"), Label("label")],
        sequence=Windows(length=6, stride=4, pad_last=True))
    pipeline.fit(generated[:2500])
    return pipeline, generated[2500:2620] + JSON_EDGE_LINES + generated[2620:2660], []


#: Every IPv6 form Python's ipaddress accepts (zone ids after %, a dotted IPv4 in the last 32 bits) and near misses.
IP_FORMS = ["fe80::1%eth0", "::10.0.0.1", "64:ff9b::8.8.8.8", "::ffff:1%x", "::ffff:10.0.0.1%a b", "fe80::%eth0",
            " fe80::1%eth0 ", "fc00::1%x", "1::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7::", "::%0", "fe80::1",
            "10.0.0.1", "192.168.7.9", "2001:db8::5", "::1.2.3.4:5", "fe80::1%", "fe80::1%a%b", "fe80::1%a/64",
            "1.2.3.4%x", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6::1.2.3.4", ":1.2.3.4", "::01.2.3.4"]


def _ip_forms() -> tuple[Pipeline, list[str], list[str]]:
    """IpAddress at prefix 24 (IPv6 /96: zone ids dropped with the host bits) and 32 (/128: zone ids kept)."""
    lines = [json.dumps({"ip": ip, "msg": f"event {i % 3}"}) for i, ip in enumerate(IP_FORMS)]
    pipeline = Pipeline(JsonLinesReader({"a": "ip", "b": "ip", "msg": "msg"}, mode="lenient"),
                        [Template("msg"), IpAddress("a", prefix=24, max_categories=12),
                         IpAddress("b", prefix=32, max_categories=12)], sequence=Windows(length=4, stride=4))
    pipeline.fit(lines)
    return pipeline, lines, []


def _csv_lines(records: list[dict]) -> list[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["timestamp", "host", "service", "message", "bytes", "label"])
    for r in records:
        writer.writerow([r["time"].strftime("%d/%m/%Y %H:%M:%S"), r["host"], r["service"], r["message"],
                         r.get("bytes", ""), r["label"]])
    return out.getvalue().splitlines()


def _sessions_csv(overflow: str = "split", gap: float | None = None) -> tuple[Pipeline, list[str], list[str]]:
    lines = _csv_lines(LogGenerator(seed=13, anomaly_rate=0.05).records(2400))
    edge = ['"05/03/2024 01:00:00",web-01,sshd,"quoted, with comma and ""quotes""\nand a second line",,0',
            "too,few,cells",
            "",
            '05/03/2024 01:00:01,web-01,sshd,"bad "quote,1,0',
            "05/03/2024 01:00:02,db-01,postgres,session without digits,x,1",
            "05/03/2024 00:59:59,web-01,sshd,earlier time sorts first in its session,5,0"]
    if gap is not None:   # a time missing and one that does not parse: they start no session (Sessions gap)
        edge += [",web-01,sshd,no time at all,3,0", "soon,db-01,postgres,a time that does not parse,4,0"]
    pipeline = Pipeline(
        reader=CsvReader({"time": "timestamp", "host": "host", "message": "message", "bytes": "bytes",
                          "label": "label"}, mode="lenient"),
        transforms=[Extract("host", r"^(?P<role>[a-z]+)-", "role"), Template("message"),
                    Numeric("bytes", missing="zero", indicator=True),
                    Timestamp("time", format="%d/%m/%Y %H:%M:%S", delta_by="role"), Label("label")],
        sequence=Sessions("role", max_length=40, overflow=overflow, gap=gap))
    pipeline.fit(lines[:2000])
    return pipeline, [lines[0]] + lines[2000:2150] + edge + lines[2150:2200], []


def _sessions_text_extract() -> tuple[Pipeline, list[str], list[str]]:
    generated = LogGenerator(seed=14).syslog(2000).lines
    pipeline = Pipeline(
        reader=TextReader(regex=r"(?P<stamp>\w+ +\d+ [\d:]+) (?P<host_name>[\w-]+) (?P<svc>[\w-]+)\[(?P<pid>\d+)\]: "
                                r"(?P<msg>.*)", continuation=None, mode="lenient"),
        transforms=[Template("msg"), Extract("msg", r"from (\d+\.\d+\.\d+\.\d+)", "client"),
                    Timestamp("stamp", format="%b %d %H:%M:%S"), Categorical("svc")],
        sequence=Sessions("client"))
    pipeline.fit(generated[:1700])
    return pipeline, generated[1700:2000] + ["Mar 04 23:59:59 gw-01 sshd[1]: Failed password for x from 1.2.3.4 port 1"], []


#: A Java stack trace and lines that line rules 2 read differently from rules 1 (see ``readers.LINE_RULES``).
STACK_TRACE_LINES = [
    "2024-03-04 12:30:00,001 ERROR [DataXceiver] Failed to write block blk_42 to 10.0.1.16",
    "java.io.IOException: Connection reset by peer",
    "    at sun.nio.ch.FileDispatcherImpl.read0(Native Method)",
    "\tat org.apache.hadoop.hdfs.server.datanode.BlockReceiver.receivePacket(BlockReceiver.java:512)",
    "Caused by: java.net.SocketException: Broken pipe",
    "    ... 12 more",
    "   ",
    "ERROR   boom",
    "2024-03-04 12:30:00,002  INFO  [main]   padded columns are one separator each",
    "Exception in thread \"main\" org.apache.spark.SparkException: Job aborted",
    "org.apache.hadoop.ipc.RemoteException(java.io.IOException): File /x could only be replicated to 0 nodes",
    "Traceback (most recent call last):",
    "  File \"job.py\", line 3, in <module>",
    "ValueError: bad value",
]


def _log4j_lines(seed: int, n: int) -> list[str]:
    return [f"{r['time']:%Y-%m-%d %H:%M:%S},{i % 1000:03d} {r['level'].upper()} [{r['service']}] {r['message']}"
            for i, r in enumerate(LogGenerator(seed=seed).records(n))]


def _stack_traces(line_rules: int) -> tuple[Pipeline, list[str], list[str]]:
    lines = _log4j_lines(15, 1400)
    pipeline = Pipeline(
        reader=TextReader("<Date> <Time> <Level> <Content>", mode="lenient", line_rules=line_rules),
        # rules 1 as a model saved before them: the template of a message with its trace mines all of it
        transforms=[Template("Content", message_lines="first" if line_rules == 2 else "all"), Categorical("Level"),
                    Timestamp(["Date", "Time"], format="%Y-%m-%d %H:%M:%S,%f")],
        sequence=Windows(length=5, stride=2, next_event=True))
    pipeline.fit(lines[:1200])
    # the input starts inside a trace (a rotated log, a serve request): rules 2 set those lines aside
    orphans = ["\tat org.example.Orphan.run(Orphan.java:7)", "Caused by: java.lang.IllegalStateException: before any record"]
    return pipeline, orphans + lines[1200:1260] + STACK_TRACE_LINES + lines[1260:1300], []


CASES = {
    "etl_text_windows": _windows_text,
    "etl_jsonl_windows": _windows_jsonl,
    "etl_csv_sessions": _sessions_csv,
    # overflow "truncate" (every spec saved before overflow existed reads so): the db and web sessions keep 40 steps
    "etl_csv_sessions_truncate": lambda: _sessions_csv("truncate"),
    "etl_text_sessions": _sessions_text_extract,
    # gap: a role's records become a new session after 10 minutes without one, then split at max_length
    "etl_csv_sessions_gap": lambda: _sessions_csv(gap=600),
    "etl_text_stack_traces": lambda: _stack_traces(2),
    # line rules 1: how every spec saved before version 3 reads text (stack frames and "ERROR   boom" are records)
    "etl_text_stack_traces_rules1": lambda: _stack_traces(1),
    "etl_jsonl_ip_forms": _ip_forms,
}


def etl_vector(name: str, pipeline: Pipeline, lines: list[str]) -> dict:
    """The vector of ``pipeline.transform(lines)`` (see module docstring)."""
    batch = pipeline.transform(lines)
    report = pipeline.report.to_dict()
    rows: dict[str, list[float]] = {}
    sequences = []
    for b in range(len(batch)):
        real = batch.mask[b] > 0
        numbers = batch.line_numbers[b][real]
        for t, line in enumerate(numbers):
            row = [float(v) for v in batch.x[b, t]]
            previous = rows.setdefault(str(int(line)), row)
            if previous != row:
                raise AssertionError(f"{name}: line {line} has two different feature rows")
        if not np.all(batch.x[b][~real] == 0):
            raise AssertionError(f"{name}: padding is not zero")
        entry = {"key": str(batch.keys[b])}
        if batch.session_of(b) is not None:   # one of a key's sessions separated by a gap
            entry["session"] = batch.session_of(b)
        if batch.part_of(b) is not None:   # a part of a session longer than max_length
            entry["part"] = batch.part_of(b)
        sequences.append({
            **entry,
            "line_numbers": [int(v) for v in numbers],
            "step_ids": [int(v) for v in batch.step_ids[b][real]],
            "step_labels": [int(v) for v in batch.step_labels[b][real]],
            "time": int(batch.x.shape[1]) if pipeline.sequence.kind == "windows" else int(real.sum()),
            "next_id": int(batch.next_ids[b]),
            "next_line": int(batch.next_lines[b]),
            "label": int(batch.labels[b]),
        })
    return {
        "name": name,
        "spec": pipeline.to_dict(),
        "mode": pipeline.reader.mode,
        "lines": lines,
        "expected": {"feature_names": list(pipeline.feature_names), "sequences": sequences, "rows": rows},
        "report": {k: report[k] for k in ("lines", "records", "continuation_lines", "blank_lines", "bad_lines",
                                          "bad_by_reason")},
    }


#: Formats whose linear-time guards (``readers.format_guard``, Java ``TextRecordReader.formatGuard``) must be the
#: same on both sides, under both line rules: loghub's, and runs of spaces next to tabs, literals and the line's ends.
GUARD_FORMATS = [
    "<Date> <Time> <Pid> <Level> <Component>: <Content>",
    r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
    r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>",
    r"<Time>\|<Component>\|<Pid>\|<Content>",
    r"\[<Time>\] \[<Level>\] <Content>",
    "<Date> <Time>, <Level>                  <Component>    <Content>",
    SYSLOG_FORMAT,
    "<A> <B> - <C> end ",
    "<A><B> <C>",
    " x <A>  <B>",
    "<A> \t<B> <C>",
    "<A>\t <B>",
    "<A> <B>: ",
    r"<Component>(\[<PID>\])?: <Content>",
    r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
    r"<A> <B>(?:\[<C>\])?",
    r"<A>(\[<B>\])?(\[<C>\])?: <D>",
    r"<A> \t<B>\t<C>",
    r"<A> \ <B>",
    r"<A> \s<B>",
    r"<A> \| <B> \|",
    r"<A>:<B>=\1",
    r"<A>\\1 <B> ",
    r"<A>\s - <B>",
    r"<A>\s - <B>\s <C>\s ",
    r"<A>\t - <B>",
    "<A>\t - <B>\t  ",
    r"<A> \s- <B>",
    "<A> \t- <B> \\t-",
    r"<A>\s\s - <B>",
    r"<A>\s\s\s - <B>\s\s -<C> end",
    r"<A> \s<B>\t<C>",
    r"<A> \s <B>",
    r"<A>\t\t - <B>",
    r"<A>\s\t - <B>",
    "<A>\t\\s - <B>\t\t",
    r"<A>\s\t\t - <B>\t\t-<C> end",
]


def build_guard_vector() -> str:
    """JSON text of ``format_guards.json``: format -> {"1": guard, "2": guard} (null: no guard), the format's
    regex as a spec saves it, {"regex 1": ..., "regex 2": ...} (Java's ``TextRecordReader.formatToRegex``), its
    atomic capture regex in Java syntax, {"capture 1": ..., "capture 2": ...} (null: none; ``formatCapture``), and
    the regex a reader runs without a capture regex, {"read 1": ..., "read 2": ...} (``formatReadRegex``)."""
    from dl4j_bridge.etl.readers import format_capture, format_guard, format_read_regex, format_to_regex, \
        python_regex_to_java

    def java(found: str | None):
        return None if found is None else python_regex_to_java(found)

    guards = {f: {**{str(rules): format_guard(f, rules) for rules in (1, 2)},
                  **{f"regex {rules}": python_regex_to_java(format_to_regex(f, rules)[1]) for rules in (1, 2)},
                  **{f"capture {rules}": java(format_capture(f, rules)) for rules in (1, 2)},
                  **{f"read {rules}": java(format_read_regex(f, rules)) for rules in (1, 2)}}
              for f in GUARD_FORMATS}
    return json.dumps(guards, ensure_ascii=False, indent=1) + "\n"


def build_etl_vectors() -> dict[str, str]:
    """File name -> JSON text of every ETL vector."""
    out = {}
    for name, case in CASES.items():
        pipeline, lines, _ = case()
        vector = etl_vector(name, pipeline, lines)
        out[f"{name}.json"] = json.dumps(vector, ensure_ascii=False, allow_nan=False, indent=None) + "\n"
        log.info("%s: %d lines -> %d sequences, %d features", name, len(lines), len(vector["expected"]["sequences"]),
                 len(vector["expected"]["feature_names"]))
    return out


# --------------------------------------------------------------------------------------------
# detector vectors: a committed detector zip, the lines of an ETL vector, Python's scores
# --------------------------------------------------------------------------------------------
#: name -> (ETL vector, detector kind, scoring parameters)
DETECTORS = {
    "detector_next_event": ("etl_text_windows", "next_event",
                            {"kind": "next_event", "top_g": 3, "score": "share", "steps": "all", "oov_id": 0}),
    "detector_classifier": ("etl_csv_sessions", "sequence_classifier",
                            {"kind": "sequence_classifier", "positive_classes": [1], "aggregation": "max"}),
    "detector_classifier_jsonl": ("etl_jsonl_windows", "sequence_classifier",
                                  {"kind": "sequence_classifier", "positive_classes": [1], "aggregation": "mean"}),
}


def python_scores(detector_zip: Path, lines) -> tuple[dict, np.ndarray, np.ndarray]:
    """(detector.json, scores, flags) as Python computes them: its ETL's arrays -> DetectorScoring."""
    import zipfile

    import jpype

    import dl4j_bridge as db
    from dl4j_bridge import arrays

    with zipfile.ZipFile(detector_zip) as z:
        spec = json.loads(z.read("dl4j_bridge.etl_spec.json"))
        detector = json.loads(z.read("dl4j_bridge.detector.json"))
    batch = Pipeline.from_dict(spec).transform(lines)
    net = db.Network.load(detector_zip)
    next_event = detector["kind"] == "next_event"
    result = jpype.JClass("io.dl4jbridge.DetectorScoring").score(
        net.java, net.normalizer, arrays.sequences_to_indarray(batch.x), arrays.steps_to_indarray(batch.mask, "mask"),
        arrays.steps_to_indarray(batch.step_ids.astype(np.float32), "step ids") if next_event else None,
        arrays.to_indarray(batch.next_ids.astype(np.float32)) if next_event else None,
        json.dumps(detector["scoring"]), False)
    scores = np.array(list(result.scores), dtype=np.float64)
    return detector, scores, scores > detector["threshold"]


def _train_detector(path: Path, vector: dict, kind: str, scoring: dict) -> None:
    """A small network of the contract's shape, trained briefly on the vector's own lines."""
    import jpype

    import dl4j_bridge as db
    from dl4j_bridge import arrays

    pipeline = Pipeline.from_dict(vector["spec"])
    batch = pipeline.transform(vector["lines"])
    mask = arrays.steps_to_indarray(batch.mask, "mask")
    if kind == "next_event":
        n_out = pipeline.n_template_ids
        targets = jpype.JClass("io.dl4jbridge.DetectorScoring").nextEventTargets(
            mask, arrays.steps_to_indarray(batch.step_ids.astype(np.float32), "ids"),
            arrays.to_indarray(batch.next_ids.astype(np.float32)))
        y = arrays.steps_from_indarray(targets).astype(np.int64)
    else:
        n_out = 2
        y = np.where(batch.mask > 0, batch.step_labels, -1).astype(np.int64)
    net = db.Network(db.LSTMConfig(n_in=len(pipeline.feature_names), n_out=n_out, hidden_sizes=(8,), seed=9,
                                   learning_rate=0.05))
    net.fit_normalizer(batch.x, batch.mask)
    net.fit(batch.x, y, mask=batch.mask, epochs=3, batch_size=64)
    detector = {"format": "dl4j_bridge.detector", "version": 1, "kind": kind, "threshold": 0.0,
                "threshold_method": {"method": "median of the vector's scores (parity fixture)"},
                "scoring": scoring, "feature_names": list(pipeline.feature_names),
                "created_by": "python/tools/write_parity_vectors.py"}
    entries = {"dl4j_bridge.etl_spec.json": json.dumps(vector["spec"]),
               "dl4j_bridge.detector.json": json.dumps(detector)}
    net.save(path, save_updater=False, extra_entries=entries)
    _, scores, _ = python_scores(path, vector["lines"])
    detector["threshold"] = float(np.median(scores))
    entries["dl4j_bridge.detector.json"] = json.dumps(detector)
    net.save(path, save_updater=False, extra_entries=entries)


def build_detector_vectors(directory: Path = VECTOR_DIR, *, retrain: bool = False) -> dict[str, str]:
    """File name -> JSON text of every detector vector (the zips are trained only when missing)."""
    import dl4j_bridge as db

    db.start_jvm()
    out = {}
    for name, (etl_name, kind, scoring) in DETECTORS.items():
        vector = json.loads((directory / f"{etl_name}.json").read_text(encoding="utf-8"))
        model = directory / f"{name}.zip"
        if retrain or not model.is_file():
            _train_detector(model, vector, kind, scoring)
            log.info("trained %s", model)
        detector, scores, flags = python_scores(model, vector["lines"])
        out[f"{name}.json"] = json.dumps({
            "name": name, "model": model.name, "etl_vector": f"{etl_name}.json", "kind": kind,
            "threshold": detector["threshold"], "scores": [float(v) for v in scores],
            "flags": [bool(v) for v in flags]}) + "\n"
        log.info("%s: %d sequences, %d flagged", name, len(scores), int(flags.sum()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(VECTOR_DIR))
    parser.add_argument("--retrain", action="store_true", help="retrain the committed detector zips")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for file_name, text in [*build_etl_vectors().items(), ("format_guards.json", build_guard_vector())]:
        atomic_write_text(out / file_name, text)
        log.info("wrote %s (%d bytes)", out / file_name, len(text))
    for file_name, text in build_detector_vectors(out, retrain=args.retrain).items():
        atomic_write_text(out / file_name, text)
        log.info("wrote %s (%d bytes)", out / file_name, len(text))


if __name__ == "__main__":
    main()
