"""The demo: generated network-activity logs -> ETL -> both detectors -> report with metrics and plots ->
saved models.

    python python/examples/detection_demo.py [--train-lines 20000] [--test-lines 8000] [--seed 7]

Writes the logs under reports/demo/data/, trains with python/examples/demo.toml (the same job as
``dl4j-bridge train --config python/examples/demo.toml``) and prints where the report is.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import dl4j_bridge as db  # noqa: E402
from dl4j_bridge.detectors.run import load_config, train  # noqa: E402
from dl4j_bridge.etl import ANOMALY_KINDS, LogGenerator, atomic_write_text  # noqa: E402

log = logging.getLogger("demo")
CONFIG = REPO / "python" / "examples" / "demo.toml"


def generate(data_dir: Path, train_lines: int, test_lines: int, seed: int) -> dict:
    """Training logs (2% anomalous lines) and test logs (6%), each holding every anomaly type (the
    supervised classifier needs labelled examples of each)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    start = datetime(2024, 3, 4)
    train = _with_every_kind(seed * 1000, start, 0.02, train_lines)
    later = start + timedelta(days=1 + train_lines // 200_000)
    test = _with_every_kind(seed * 1000 + 500, later, 0.06, test_lines)
    atomic_write_text(data_dir / "train.jsonl", "\n".join(train.lines) + "\n")
    atomic_write_text(data_dir / "test.jsonl", "\n".join(test.lines) + "\n")
    return {"train_lines": train_lines, "train_anomalous": int(train.labels.sum()), "test_lines": test_lines,
            "test_anomalous": int(test.labels.sum())}


def _with_every_kind(first_seed: int, start: datetime, rate: float, lines: int):
    """Deterministic: the logs of the first seed from ``first_seed`` on whose episodes cover every kind."""
    for seed in range(first_seed, first_seed + 200):
        logs = LogGenerator(seed, start=start, anomaly_rate=rate).json_lines(lines)
        if set(ANOMALY_KINDS) <= set(logs.kinds):
            return logs
    raise RuntimeError(f"no seed in [{first_seed}, {first_seed + 200}) gives every anomaly kind in {lines} lines; "
                       "raise the number of lines")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-lines", type=int, default=20000)
    parser.add_argument("--test-lines", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--config", default=str(CONFIG))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")   # other libraries: warnings only
    for name in ("demo", "dl4j_bridge"):
        logging.getLogger(name).setLevel(logging.INFO)
    logging.getLogger("dl4j_bridge.training").setLevel(logging.WARNING)
    started = time.perf_counter()
    config = load_config(args.config)
    config.setdefault("output", {})["seed"] = args.seed
    data_dir = (Path(config["_base"]) / Path(config["data"]["train"]).parent).resolve()
    counts = generate(data_dir, args.train_lines, args.test_lines, args.seed)
    log.info("generated %s under %s", counts, data_dir)
    db.start_jvm()
    summary = train(config)
    for name, result in summary["results"].items():
        m = result["metrics"]
        per_type = " ".join(f"{k}={'n/a' if v is None else f'{v:.3f}'}" for k, v in (result["per_type"] or {}).items())
        log.info("%-16s roc_auc %.4f f1 %s | ROC AUC per type: %s", name, m["roc_auc"] or float("nan"),
                 "n/a" if m["f1"] is None else f"{m['f1']:.4f}", per_type)
    for name, path in summary["models"].items():
        log.info("model %s: %s", name, path)
    log.info("demo finished in %.0fs", time.perf_counter() - started)
    print(f"report: {summary['report']}")


if __name__ == "__main__":
    main()
