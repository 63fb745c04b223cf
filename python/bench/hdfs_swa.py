"""Weight averaging (SWA) for the HDFS next-event detector: the mean of the weights after each of the last epochs
in place of the last epoch's weights, judged on ``hdfs_train`` alone first.

    python python/bench/hdfs_swa.py [--average-from 60] [--parts holdout,test] [--seed 7]

The detector of ``detection.py`` (dropout ``DEEPLOG_DROPOUT``, Adam 0.01, 120 epochs, each distinct window weighted
by its count) changes its test figures from one block of ten epochs to the next by about as much as the FPR goal's
gap (``hdfs_epochs.py``): its weights wander around a plateau. Averaging the weights of every epoch after
``--average-from`` (stochastic weight averaging, Izmailov et al. 2018) gives one network of the same size from the
middle of that plateau. The run here is one fit, as the bench's; the weights are summed on the JVM at each epoch's end
(the fit's progress callback) and their mean is set when the fit returns, before any threshold is chosen.

* ``holdout``: as ``hdfs_holdout.py`` (the test files are never read): per fold, the held-out once-seen sequences
  the headline rule flags, without and with averaging, in the same run.
* ``test``: ``detection.py``'s HDFS and HDFS_100k parts with averaging (their figures without it are the bench's).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import detection as bench  # noqa: E402  (same detector, data root and JVM set-up)
import hdfs_holdout  # noqa: E402

from dl4j_bridge.network import Network  # noqa: E402

_plain_fit = Network.fit


def averaging(average_from: int):
    """A ``Network.fit`` that returns with the mean of the weights after epochs ``average_from + 1`` .. last."""

    def fit(self, *args, callback=None, **kwargs):
        state = {"sum": None, "n": 0}

        def on_progress(event):
            if event.epoch_end and event.epoch + 1 > average_from:
                params = self._net.params()
                if state["sum"] is None:
                    state["sum"] = params.dup()
                else:
                    state["sum"].addi(params)
                state["n"] += 1
            return None if callback is None else callback(event)

        history = _plain_fit(self, *args, callback=on_progress, **kwargs)
        if state["n"]:
            self._net.setParams(state["sum"].divi(state["n"]))
            logging.getLogger(__name__).info("weights averaged over %d epochs", state["n"])
        return history

    return fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--average-from", type=int, default=60)
    parser.add_argument("--parts", default="holdout,test")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("dl4j_bridge.training").setLevel(logging.WARNING)
    root = bench.data_root(args.data)
    bench.start_private_jvm()
    parts = args.parts.split(",")
    start = time.perf_counter()
    if "holdout" in parts:
        train = bench.read_sessions(root / "hdfs_deeplog" / "hdfs_train")
        folds = hdfs_holdout.singleton_folds(train, args.seed)
        totals = {"plain": [0, 0], "averaged": [0, 0]}
        for fold in (0, 1):
            for name in ("plain", "averaged"):
                Network.fit = _plain_fit if name == "plain" else averaging(args.average_from)
                t = time.perf_counter()
                f, n = hdfs_holdout.held_out_flagged(train, folds[fold], bench.DEEPLOG_DROPOUT, args.seed)
                totals[name][0] += f
                totals[name][1] += n
                print(f"{name} fold {fold}: {f} of {n} held-out sequences flagged ({time.perf_counter() - t:.0f}s)",
                      flush=True)
        for name, (f, n) in totals.items():
            print(f"holdout {name}: flagged {f / n:.4f} ({f} of {n})", flush=True)
    if "test" in parts:
        Network.fit = averaging(args.average_from)
        bench.bench_hdfs(root, args.seed)
        bench.bench_hdfs100k(root, args.seed)
    Network.fit = _plain_fit
    print(f"wall time: {time.perf_counter() - start:.0f}s (command: python python/bench/hdfs_swa.py --average-from "
          f"{args.average_from} --parts {args.parts} --seed {args.seed})")


if __name__ == "__main__":
    main()
