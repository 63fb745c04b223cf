"""The report's ``Read:`` line (no JVM): every physical line of a file is accounted for."""

from __future__ import annotations

from dl4j_bridge.detectors.run import read_counts_text
from dl4j_bridge.etl import TextReader


def test_the_read_line_names_continuation_and_blank_lines_so_that_the_counts_add_up(tmp_path):
    # loghub Spark with a job failure's stack trace: "2008 lines, 2001 records, 0 bad" left 7 lines unexplained
    log = tmp_path / "spark.log"
    log.write_text("17/06/09 20:10:40 INFO a.B: one\n"
                   "17/06/09 20:11:11 ERROR a.B: boom\n"
                   "org.apache.spark.SparkException: Job aborted\n"
                   "\tat org.apache.spark.scheduler.DAGScheduler.abortStage(DAGScheduler.scala:1423)\n"
                   "\n"
                   "garbage\n"
                   "17/06/09 20:11:12 INFO a.B: three\n")
    reader = TextReader("<Date> <Time> <Level> <Component>: <Content>", mode="lenient")
    reader.read(str(log))
    counts = reader.report.to_dict()
    assert read_counts_text("train (split)", counts) == (
        "train (split) spark.log: 7 lines, 3 records, 2 continuation lines (joined to the record before them), "
        "1 blank lines, 1 bad (no format match 1)")
    # a clean read reads as before
    counts.update(continuation_lines=0, blank_lines=0, bad_lines=0, bad_by_reason={}, lines=3,
                  unwindowed_records=2)
    assert read_counts_text("test", counts) == "test spark.log: 3 lines, 3 records, 0 bad, 2 records in no window " \
                                               "(not scored)"
