"""Array transfer numpy <-> INDArray, against a plain numpy copy of the same bytes in the same run.

    python python/bench/arrays.py [--sizes-mb 1 16 128] [--repeats 7]

For each size it prints the median MB/s of: a numpy copy into a new array, ``x.copy()`` (the
baseline: allocating fresh memory costs page faults, and every conversion produces a new array too),
the same copy into an already-touched array (the memory-bandwidth ceiling), numpy -> INDArray and
INDArray -> numpy as plain copies (same layout), and the sequence conversions that also transpose
[batch, time, features] <-> DL4J's [batch, features, time]; each with its ratio to the baseline.
The "before" rows are the previous two-copy conversions (a transposed numpy copy plus a copy across),
measured in the same run: the library now transposes inside its one copy into or out of ND4J's memory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_seconds  # noqa: E402

import dl4j_bridge as db  # noqa: E402
from dl4j_bridge import arrays  # noqa: E402


def two_copy_to_indarray(x: np.ndarray):
    """The conversion as it was before the one-copy path: a transposed numpy copy, then a copy into ND4J."""
    import jpype
    import jpype.nio

    ncw = np.ascontiguousarray(x.transpose(0, 2, 1), dtype=np.float32)
    return jpype.JClass("io.dl4jbridge.ArrayBridge").fromBuffer(
        jpype.nio.convertToDirectBuffer(ncw), jpype.JArray(jpype.JLong)(list(ncw.shape)))


def two_copy_from_indarray(ind) -> np.ndarray:
    """Before: a copy out of ND4J, then a transposed numpy copy."""
    import jpype
    import jpype.nio

    out = np.empty(tuple(int(s) for s in ind.shape()), dtype=np.float32)
    jpype.JClass("io.dl4jbridge.ArrayBridge").copyTo(ind, jpype.nio.convertToDirectBuffer(out))
    return np.ascontiguousarray(out.transpose(0, 2, 1))


def measure(size_mb: float, repeats: int) -> list:
    features, steps = 64, 50
    batch = max(1, int(size_mb * 2**20 / (4 * features * steps)))
    x = np.random.default_rng(0).normal(size=(batch, steps, features)).astype(np.float32)
    mb = x.nbytes / 2**20
    target = np.empty_like(x)
    ind = arrays.to_indarray(x)
    ind_ncw = arrays.sequences_to_indarray(x)
    cases = [
        ("numpy copy x.copy() (baseline)", lambda: x.copy()),
        ("numpy transpose copy (same bytes)", lambda: np.ascontiguousarray(x.transpose(0, 2, 1))),
        ("numpy copyto, preallocated target", lambda: np.copyto(target, x)),
        ("numpy -> INDArray", lambda: arrays.to_indarray(x)),
        ("INDArray -> numpy", lambda: arrays.to_numpy(ind)),
        ("sequences -> INDArray NCW (transpose)", lambda: arrays.sequences_to_indarray(x)),
        ("INDArray NCW -> sequences (transpose)", lambda: arrays.sequences_from_indarray(ind_ncw)),
        ("  before: numpy transpose + copy to INDArray", lambda: two_copy_to_indarray(x)),
        ("  before: copy from INDArray + numpy transpose", lambda: two_copy_from_indarray(ind_ncw)),
    ]
    rows = []
    base = None
    for name, fn in cases:
        seconds = median_seconds(fn, repeats)
        rate = mb / seconds
        base = base or rate
        rows.append((mb, name, rate, rate / base))
    return rows


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[1, 16, 128])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    db.start_jvm(heap="2g", max_bytes="6g", max_physical_bytes="12g")
    all_rows = []
    print(f"{'MB':>8}  {'transfer':40s} {'MB/s':>10}  {'x numpy copy':>12}")
    for size in args.sizes_mb:
        for mb, name, rate, ratio in measure(size, args.repeats):
            print(f"{mb:8.1f}  {name:40s} {rate:10.0f}  {ratio:12.2f}")
            all_rows.append({"mb": mb, "case": name, "mb_per_s": rate, "ratio": ratio})
    print(f"(median of {args.repeats} runs each; command: python python/bench/arrays.py "
          f"--sizes-mb {' '.join(str(s) for s in args.sizes_mb)} --repeats {args.repeats})")
    return all_rows


if __name__ == "__main__":
    main()
