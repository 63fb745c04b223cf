#!/usr/bin/env python
"""The baselines' phase of a run (``train``): PCA and Isolation Forest fitted on the clean training windows, each
scoring the test windows and those training windows, with the standardisation of before and of now.

    python python/bench/baselines.py [--windows 20000] [--test 8000] [--repeats 3] [--blas-threads N]
    python python/bench/baselines.py --baseline /tmp/old [...]

Each baseline standardises the windows in every call (``fit``, ``decision_function`` of the test and of the
training windows: six ``[windows, time * features]`` float64 arrays for the two). Before, ``(x - mean) / std``
made two temporaries of that size per call; now the fresh float64 copy is standardised in place (the same
operations element by element: the same scores bit for bit).

1. Windows: DeepLog-style one-hot windows of 10 steps of the real HDFS sessions (``hdfs_deeplog/hdfs_train``,
   ``common.deeplog_windows``; seeded keys without the data, said in the output), ``--windows`` for training and
   ``--test`` more for the test part (another seed).
2. Each path runs in a fresh worker process, the two alternating, ``--repeats`` times, calling what ``train``
   calls: per baseline ``fit(train)``, ``decision_function(test)``, ``decision_function(train)``. ``before``:
   this checkout's code with the standardisation of before (``(x - mean_) / std_``) put back, or, with
   ``--baseline CHECKOUT`` (another checkout of the project, e.g. ``git worktree add /tmp/old <commit>``), that
   checkout's code; ``after``: this checkout's.
3. Per path: the median process CPU seconds (``time.process_time``, the measure that holds on a loaded machine)
   and wall seconds of the phase, the CPU seconds of its six standardisations alone (timed again after it), the
   ratios after / before (< 1: faster), the workers' peak RSS (the windows included), and the SHA-256 of every
   score the phase gives: equal, or the script fails.

``--blas-threads N`` limits numpy's and scipy's BLAS threads in the workers (threadpoolctl) for steadier figures:
PCA's SVD is the same work in both paths and, with 2 threads on a loaded 2-core machine, its time varies by
seconds from run to run. Default: as the environment sets them (what a run does).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parents[1]
#: The largest difference of a test score between the two paths, relative to the largest score, taken as rounding:
#: PCA by the scatter matrix's eigenvectors (since 2026-12-05) against scikit-learn's full SVD before it.
TOLERANCE = 1e-9


def command(args) -> str:
    """The command line that reproduces a run with ``args``."""
    return ("python python/bench/baselines.py" + (f" --baseline {args.baseline}" if args.baseline else "")
            + f" --windows {args.windows} --test {args.test} --repeats {args.repeats}"
            + (f" --blas-threads {args.blas_threads}" if args.blas_threads else ""))


def worker(path: str, code: Path, windows: int, test: int, blas_threads: int, scores_out: Path | None = None) -> dict:
    """In a fresh process: the baselines' phase by ``path`` with the code of ``code``; its CPU and wall seconds."""
    sys.path.insert(0, str(BENCH))
    import common   # puts this checkout on sys.path: the measured code goes before it

    sys.path.insert(0, str(code))
    import numpy as np

    import dl4j_bridge
    from dl4j_bridge.detectors import baselines, sequence_batch

    if Path(dl4j_bridge.__file__).resolve().parents[1] != code.resolve():
        raise RuntimeError(f"imported {dl4j_bridge.__file__}, not the code of {code}")
    if blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(blas_threads)

    def batch(n, seed):
        x, y, source = common.deeplog_windows(n, seed=seed)
        ids = np.argmax(x, axis=2).astype(np.int32)
        return sequence_batch(x, step_ids=ids, next_ids=y[:, -1]), source

    train, source = batch(windows, 0)
    test_batch, _ = batch(test, 1)
    if path == "before" and code.resolve() == REPO_ROOT.resolve():
        def standardise_of_before(self, batch, fit=False):   # this checkout's, with the return of before
            if not fit and self.mean_ is None:
                raise RuntimeError("not fitted")
            x = self._vectors(batch, fit)
            if fit:
                self.mean_ = x.mean(axis=0)
                std = x.std(axis=0)
                self.std_ = np.where(std > 1e-9, std, 1.0)
            return (x - self.mean_) / self.std_

        baselines._FlatBaseline._standardise = standardise_of_before
    cpu, wall = time.process_time(), time.perf_counter()
    scores, model_cpu = [], {}
    for cls in (baselines.PCABaseline, baselines.IsolationForestBaseline):   # as train() calls them
        started = time.process_time()
        model = cls(seed=7).fit(train)
        scores += [model.decision_function(test_batch), model.decision_function(train)]
        model_cpu[cls.name] = time.process_time() - started
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # the part that changed alone: the phase's six standardisations (four of the training windows, two of the test)
    standardise = time.process_time()
    for b in (train, train, train, train, test_batch, test_batch):
        model._standardise(b)
    standardise = time.process_time() - standardise
    digest = hashlib.sha256(b"".join(np.ascontiguousarray(s, np.float64).tobytes() for s in scores)).hexdigest()
    if scores_out is not None:
        np.save(scores_out, np.stack([np.asarray(s, np.float64) for s in (scores[0], scores[2])]))
    return {"path": path, "cpu": cpu, "wall": wall, "standardise_cpu": standardise, "sha256": digest, "source": source,
            "pca_cpu": model_cpu["PCA"],
            "code": str(Path(dl4j_bridge.__file__).resolve().parents[1]), "shape": list(train.x.shape),
            "peak_rss_mb": common.peak_rss_mb()}


def run(args) -> dict:
    """Alternate ``before`` and ``after`` workers ``args.repeats`` times; the medians, ratios and digests."""
    sys.path.insert(0, str(BENCH))
    import common

    before_code = Path(args.baseline) if args.baseline else REPO_ROOT
    import tempfile

    import numpy as np

    runs = {"before": [], "after": []}
    load_before = common.load_average()
    with tempfile.TemporaryDirectory() as folder:
        for r in range(args.repeats):
            order = ("before", "after") if r % 2 == 0 else ("after", "before")
            for path in order:
                code = before_code if path == "before" else REPO_ROOT
                runs[path].append(common.run_worker(Path(__file__), [
                    "--worker", path, "--code", str(code), "--windows", str(args.windows), "--test", str(args.test),
                    "--blas-threads", str(args.blas_threads or 0), "--scores-out", f"{folder}/{path}.npy"]))
        first, second = np.load(f"{folder}/before.npy"), np.load(f"{folder}/after.npy")
    digests = {r["sha256"] for rs in runs.values() for r in rs}
    # each test-score vector's largest difference, relative to its largest score (the PCA and the forest's)
    difference = float(max(np.abs(a - b).max() / max(np.abs(a).max(), 1e-300) for a, b in zip(first, second)))
    out = {"command": command(args), "load_average": f"{load_before} before, {common.load_average()} after",
           "source": runs["after"][0]["source"], "shape": runs["after"][0]["shape"], "identical": len(digests) == 1,
           "max_relative_difference": difference, "equal": difference <= TOLERANCE}
    for path, rs in runs.items():
        out[path] = {"cpu": statistics.median(r["cpu"] for r in rs), "wall": statistics.median(r["wall"] for r in rs),
                     "standardise_cpu": statistics.median(r["standardise_cpu"] for r in rs),
                     "cpu_runs": [round(r["cpu"], 2) for r in rs], "code": rs[0]["code"],
                     "pca_cpu": statistics.median(r.get("pca_cpu", float("nan")) for r in rs),
                     "peak_rss_mb": max(r["peak_rss_mb"] for r in rs)}
    out["cpu_ratio"] = common.ratio(out["after"]["cpu"], out["before"]["cpu"])
    out["wall_ratio"] = common.ratio(out["after"]["wall"], out["before"]["wall"])
    out["standardise_ratio"] = common.ratio(out["after"]["standardise_cpu"], out["before"]["standardise_cpu"])
    out["pca_ratio"] = common.ratio(out["after"]["pca_cpu"], out["before"]["pca_cpu"])
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, default=20000, help="training windows (default 20000)")
    parser.add_argument("--test", type=int, default=8000, help="test windows (default 8000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each path, alternating (default 3)")
    parser.add_argument("--blas-threads", type=int, default=0, help="limit BLAS threads in the workers (default: "
                                                                     "as the environment sets them)")
    parser.add_argument("--baseline", type=Path, help="a checkout whose code runs the 'before' path")
    parser.add_argument("--worker", choices=("before", "after"), help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scores-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.code, args.windows, args.test, args.blas_threads, args.scores_out)))
        return 0
    if args.baseline is not None and not (args.baseline / "dl4j_bridge" / "detectors" / "baselines.py").is_file():
        parser.error(f"--baseline {args.baseline} is no checkout of the project (no dl4j_bridge/detectors/baselines.py)")
    r = run(args)
    print(f"command: {r['command']}")
    print(f"windows: {r['shape']} training (flat: {r['shape'][1] * r['shape'][2]} values each), {args.test} test; "
          f"{r['source']}; load average {r['load_average']}; "
          f"BLAS threads {args.blas_threads or os.environ.get('OMP_NUM_THREADS', 'default')}")
    for path in ("before", "after"):
        p = r[path]
        print(f"{path:6s} ({p['code']}): CPU {p['cpu']:.2f} s (runs {p['cpu_runs']}), wall {p['wall']:.2f} s, "
              f"worker peak RSS {p['peak_rss_mb']:.0f} MiB; its six standardisations alone: CPU "
              f"{p['standardise_cpu']:.2f} s; PCA (fit and both scorings): CPU {p['pca_cpu']:.2f} s")
    print(f"ratio after / before: CPU {r['cpu_ratio']:.3f}, wall {r['wall_ratio']:.3f}, the standardisations alone "
          f"{r['standardise_ratio']:.3f}, PCA {r['pca_ratio']:.3f}; scores "
          + ("identical (same SHA-256)" if r["identical"] else
             f"equal to rounding (largest difference {r['max_relative_difference']:.1e} of the largest score)"
             if r["equal"] else f"DIFFER (largest difference {r['max_relative_difference']:.1e} of the largest score)"))
    print(json.dumps(r))
    return 0 if r["identical"] or r["equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
