"""The model and the logs that the soak and the load test share.

A small ``NextEventDetector`` on generated JSON-lines logs (``dl4j_bridge.etl.LogGenerator``): template
ids, service and log bytes per record, windows of 10 predicting the next event, one GravesLSTM layer.
The reader is strict, so a line that is not JSON or lacks a field is an error naming the line and
field (the load test relies on it: such a request must get HTTP 400). Scores are mean negative
log-likelihoods (``score="nll"``): continuous values, so "the same scores" is a sharp check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

FIELDS = {"time": "@timestamp", "service": "service", "message": "message", "bytes": "bytes"}
WINDOW = 10


@dataclass
class Workload:
    """Training lines, test lines and the fitted ETL pipeline (``pipeline.fit`` done once)."""

    train_lines: List[str]
    test_lines: List[str]
    pipeline: object


def make_workload(train_lines: int, test_lines: int, seed: int = 7) -> Workload:
    """Generate logs and fit the ETL pipeline on the training part.

    Parameters
    ----------
    train_lines, test_lines : int
        Sizes of the two parts (the test part is generated with its own seed, more anomalies).
    seed : int
        Seed of the generator.
    """
    from dl4j_bridge.etl import Categorical, JsonLinesReader, LogGenerator, Numeric, Pipeline, Template, Windows

    train = LogGenerator(seed=seed, anomaly_rate=0.02).json_lines(train_lines).lines
    test = LogGenerator(seed=seed + 1, anomaly_rate=0.06).json_lines(test_lines).lines
    pipeline = Pipeline(JsonLinesReader(FIELDS, types={"bytes": "float"}, mode="strict"),
                        [Template("message"), Categorical("service"),
                         Numeric("bytes", log1p=True, indicator=True)],
                        Windows(WINDOW, stride=1, next_event=True))
    pipeline.fit(train)
    return Workload(train, test, pipeline)


def make_detector(n_events: int):
    """An untrained detector, small enough that one fit takes well under a second here."""
    from dl4j_bridge.detectors import NextEventDetector

    return NextEventDetector(top_g=3, score="nll", n_events=n_events, hidden_sizes=(16,), epochs=2,
                             batch_size=256, learning_rate=0.02, patience=0, validation_fraction=0.2,
                             threshold="k_sigma", seed=11)
