#!/usr/bin/env python
"""Template-mining benchmark on loghub-style data (grouping accuracy).

Usage
-----
    python python/bench/parsing.py                       # the 14 loghub_2k systems
    python python/bench/parsing.py --log FILE --structured FILE --format 'FORMAT'

Grouping accuracy follows loghub's ``evaluator.get_accuracy``: a line is
correct when the set of lines sharing its predicted template equals the set of
lines sharing its true ``EventId``.  One miner configuration is used for every
system; only the log format differs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from dl4j_bridge.etl.readers import TextReader  # noqa: E402
from dl4j_bridge.etl.templates import TemplateMiner  # noqa: E402

#: loghub's per-system log formats (logpai/logparser benchmark settings).
LOG_FORMATS = {
    "HDFS": "<Date> <Time> <Pid> <Level> <Component>: <Content>",
    "Hadoop": r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
    "Spark": "<Date> <Time> <Level> <Component>: <Content>",
    "Zookeeper": r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>",
    "HPC": "<LogId> <Node> <Component> <State> <Time> <Flag> <Content>",
    "Windows": "<Date> <Time>, <Level>                  <Component>    <Content>",
    "Linux": r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
    "Android": "<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>",
    "HealthApp": r"<Time>\|<Component>\|<Pid>\|<Content>",
    "Apache": r"\[<Time>\] \[<Level>\] <Content>",
    "Proxifier": r"\[<Time>\] <Program> - <Content>",
    "OpenSSH": r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>",
    "OpenStack": r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>",
    "Mac": r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]( \(<Address>\))?: <Content>",
}

#: Drain's published grouping accuracy (He et al., ICWS 2017 / loghub benchmark).
DRAIN_PUBLISHED = {
    "HDFS": 0.9975, "Hadoop": 0.9475, "Spark": 0.92, "Zookeeper": 0.9665, "HPC": 0.887,
    "Windows": 0.997, "Linux": 0.69, "Android": 0.911, "HealthApp": 0.78, "Apache": 1.0,
    "Proxifier": 0.5265, "OpenSSH": 0.7875, "OpenStack": 0.7325, "Mac": 0.7865,
}


def grouping_accuracy(truth: pd.Series, predicted: pd.Series) -> float:
    """loghub's ``get_accuracy`` grouping accuracy.

    Parameters
    ----------
    truth, predicted : pandas.Series, shape (n,)
        True event ids and predicted template ids, aligned by position.
        Rows with a missing true id are ignored, as in loghub.

    Returns
    -------
    float
        Share of lines whose predicted group equals their true group.
    """
    keep = truth.notna().to_numpy()
    truth = truth[keep].reset_index(drop=True)
    predicted = predicted[keep].reset_index(drop=True)
    frame = pd.DataFrame({"truth": truth, "predicted": predicted})
    truth_sizes = frame["truth"].value_counts()
    correct = 0
    for _, group in frame.groupby("predicted", sort=False):
        true_ids = group["truth"].unique()
        if len(true_ids) == 1 and truth_sizes[true_ids[0]] == len(group):
            correct += len(group)
    return correct / len(frame) if len(frame) else 0.0


def score(log_path: str, structured_path: str, log_format: str,
          miner: TemplateMiner | None = None) -> tuple[float, float, int]:
    """Mine one file and score it.

    Returns
    -------
    accuracy_fit : float
        Grouping accuracy of the ids assigned while mining.
    accuracy_transform : float
        Grouping accuracy of the frozen miner's ``transform`` on the same lines.
    n_templates : int
    """
    reader = TextReader(log_format, continuation=None, mode="lenient", encoding="utf-8")
    frame = reader.read(log_path)
    truth = pd.read_csv(structured_path)
    if len(frame) != len(truth):
        raise SystemExit(f"{log_path}: parsed {len(frame)} records but the structured file has "
                         f"{len(truth)} rows ({reader.report.bad_by_reason})")
    miner = miner or TemplateMiner()
    contents = frame["Content"].tolist()
    fit_ids = miner.fit_predict(contents)
    transform_ids = miner.transform(contents)
    accuracy_fit = grouping_accuracy(truth["EventId"], pd.Series(fit_ids))
    accuracy_transform = grouping_accuracy(truth["EventId"], pd.Series(transform_ids))
    return accuracy_fit, accuracy_transform, miner.n_templates


def default_data_dir() -> Path:
    override = os.environ.get("DL4J_BRIDGE_DATA")
    base = Path(override) if override else REPO_ROOT.parent / "shared" / "data"
    return base / "loghub_2k"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log", help="raw log file")
    parser.add_argument("--structured", help="loghub *_structured.csv with an EventId column")
    parser.add_argument("--format", help="loghub log format of --log")
    parser.add_argument("--data", default=None, help="loghub_2k directory (default ../shared/data/loghub_2k)")
    parser.add_argument("--systems", nargs="*", default=None, help="subset of systems")
    args = parser.parse_args(argv)

    if args.log or args.structured or args.format:
        if not (args.log and args.structured and args.format):
            parser.error("--log, --structured and --format go together")
        accuracy, accuracy_transform, n = score(args.log, args.structured, args.format)
        print(f"templates: {n}  transform-rule grouping accuracy: {accuracy_transform:.4f}")
        print(f"grouping accuracy: {accuracy:.4f}")
        return 0

    data = Path(args.data) if args.data else default_data_dir()
    if not data.is_dir():
        print(f"data directory not found: {data}: pass --data DIR (the loghub_2k folder) or set DL4J_BRIDGE_DATA "
              "(the folder holding loghub_2k); the default is ../shared/data/loghub_2k beside the repository",
              file=sys.stderr)
        return 2
    systems = args.systems or list(LOG_FORMATS)
    print(f"{'system':<10} {'ours':>7} {'Drain':>7} {'delta':>7} {'frozen':>7} {'tmpl':>5} {'sec':>5}")
    ours, theirs = [], []
    for system in systems:
        start = time.perf_counter()
        accuracy, accuracy_transform, n = score(
            str(data / system / f"{system}_2k.log"),
            str(data / system / f"{system}_2k.log_structured.csv"), LOG_FORMATS[system])
        seconds = time.perf_counter() - start
        published = DRAIN_PUBLISHED[system]
        ours.append(accuracy)
        theirs.append(published)
        print(f"{system:<10} {accuracy:7.4f} {published:7.4f} {accuracy - published:+7.4f} "
              f"{accuracy_transform:7.4f} {n:5d} {seconds:5.2f}")
    print(f"{'average':<10} {np.mean(ours):7.4f} {np.mean(theirs):7.4f} {np.mean(ours) - np.mean(theirs):+7.4f}")
    print("(ours = ids assigned while mining; frozen = ids from the saved matching rule on the same lines)")
    print(f"average grouping accuracy: {np.mean(ours):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
