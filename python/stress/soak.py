"""Soak: many fit / score / save / load cycles in one process, memory tracked, scores checked.

Every cycle trains a fresh detector (same seed, same data), scores the test windows, saves the
detector with its pipeline (atomically, over the previous cycle's file), loads it back and scores the
raw test lines again through the loaded pipeline. Checked every cycle: the loaded detector gives
exactly the scores and threshold of the one that was saved, and every cycle gives exactly the scores
of the first (training is reproducible). After each cycle, with the cycle's objects dropped and a
``System.gc()``, it reads:

* ``rss``: the process' resident set (``VmRSS`` in ``/proc/self/status``): Python, the JVM and ND4J's
  native memory together — the figure that catches a leak wherever it is. Read after
  ``malloc_trim(0)`` (``--no-trim`` turns it off), so it counts memory in use rather than what glibc
  keeps after a transient peak; ``untrimmed`` is the reading just before the trim;
* ``heap``: JVM heap live after full collections: the heap pools' usage right after the last GC
  (``MemoryPoolMXBean.getCollectionUsage``; the plain "used" figure also counts the buffers threads
  took for new objects since, ±2 MiB of noise). One collection is not enough: an ND4J buffer the
  collection finds unreachable keeps its bookkeeping (``DeallocatableReference``, ``CpuDeallocator``,
  ``OpaqueDataBuffer``) reachable from ND4J's deallocator map until the deallocator thread has freed it,
  so a single ``System.gc()`` leaves a varying share of the last cycle's buffers counted (up to ~10 MiB
  here on a loaded machine). The probe repeats the collection until one frees less than 64 KiB (at most
  6 rounds);
* reported, not judged: ``codecache`` (the JIT's compiled code) and ``metaspace`` (class metadata and
  the JIT's profiles) — the JIT keeps compiling more of the code each cycle runs for hundreds of cycles,
  a bounded warm-up that RSS includes — and ``classes`` (loaded classes: a count, not bytes);
* ``offheap``: native bytes ND4J and JavaCPP account for: ND4J's memory manager
  (``Nd4j.getMemoryManager().allocatedMemory(0)``) plus JavaCPP's tracked pointers
  (``Pointer.totalBytes()``, 0 here: ND4J 1.0.0-M2.1 frees its buffers through its own deallocator,
  not JavaCPP's), as ``python/bench/memory.py`` reads them; ND4J does not count every allocation
  (e.g. detached arrays), which is why RSS is judged too;
* reported only: ``workspaces`` (DL4J's workspaces of this thread, where training runs),
  ``committed`` (JVM heap committed: RSS follows it), ``malloc`` (bytes in use in glibc's malloc,
  ``mallinfo2``: native allocations of the JVM, ND4J, OpenBLAS and Python, without the free memory
  malloc keeps).

Growth compares the median of the ``window`` cycles after the warm-up with the median of the last
``window`` cycles: medians, so a single garbage-collection blip does not decide the verdict.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from workload import Workload, make_detector

log = logging.getLogger("stress.soak")
MIB = 2**20
JUDGED = ("rss", "heap", "offheap")
REPORTED = ("untrimmed", "codecache", "metaspace", "classes", "workspaces", "committed", "malloc")
#: The live-heap reading: collect until a collection frees less than this, at most HEAP_ROUNDS times.
HEAP_SETTLED_BYTES = 64 * 1024
HEAP_ROUNDS = 6


@dataclass
class SoakResult:
    """Per-cycle readings (bytes), seconds, checks, and the growth of each judged reading."""

    cycles: int
    warmup: int
    window: int
    limit_percent: float
    readings: Dict[str, List[int]] = field(default_factory=dict)
    seconds: List[float] = field(default_factory=list)
    score_failures: List[str] = field(default_factory=list)
    model_path: Optional[Path] = None
    n_test_windows: int = 0

    def growth(self, name: str) -> dict:
        """``early`` and ``late`` medians (bytes) and ``percent`` growth of one reading."""
        values = self.readings[name]
        early = values[self.warmup:self.warmup + self.window]
        late = values[-self.window:]
        e, l = statistics.median(early), statistics.median(late)
        return {"early": e, "late": l, "percent": 100.0 * (l - e) / e if e else 0.0}

    def failures(self) -> List[str]:
        """What failed: score checks, and every judged reading that grew by ``limit_percent`` or more."""
        out = list(self.score_failures)
        for name in JUDGED:
            g = self.growth(name)
            if g["percent"] >= self.limit_percent:
                out.append(f"{name} grew {g['percent']:.2f}% (limit {self.limit_percent}%): "
                           f"{g['early'] / MIB:.1f} -> {g['late'] / MIB:.1f} MiB")
        return out


class _Probe:
    """Reads the process' and the JVM's memory after a full collection."""

    def __init__(self, trim: bool):
        import jpype

        self.trim = trim

        self.system = jpype.JClass("java.lang.System")
        management = jpype.JClass("java.lang.management.ManagementFactory")
        self.memory = management.getMemoryMXBean()
        self.classes = management.getClassLoadingMXBean()
        heap = jpype.JClass("java.lang.management.MemoryType").HEAP
        pools = list(management.getMemoryPoolMXBeans())
        self.heap_pools = [p for p in pools if p.getType() == heap]
        self.code_pools = [p for p in pools if p.getType() != heap and str(p.getName()).startswith("Code")]
        self.meta_pools = [p for p in pools if p.getType() != heap and not str(p.getName()).startswith("Code")]
        self.pointer = jpype.JClass("org.bytedeco.javacpp.Pointer")
        self.nd4j = jpype.JClass("org.nd4j.linalg.factory.Nd4j")
        self.device = jpype.JClass("java.lang.Integer")(0)
        self.workspaces = self.nd4j.getWorkspaceManager()

    def _collect(self) -> int:
        """One full collection; the heap live after it (bytes)."""
        self.system.gc()
        self.pointer.deallocateReferences()
        time.sleep(0.05)  # ND4J's deallocator thread frees what the collection released
        return sum(int(p.getCollectionUsage().getUsed()) for p in self.heap_pools)

    def live_heap(self) -> int:
        """The heap live after collections repeated until one frees less than HEAP_SETTLED_BYTES."""
        live = self._collect()
        for _ in range(HEAP_ROUNDS - 1):
            after = self._collect()
            freed, live = live - after, min(live, after)
            if freed < HEAP_SETTLED_BYTES:
                break
        return live

    def read(self) -> Dict[str, int]:
        gc.collect()  # drop Python's proxies first, so the Java objects they held can go
        heap = self.live_heap()
        untrimmed = _vm_rss()
        if self.trim:
            _malloc_trim()
        return {"rss": _vm_rss(), "untrimmed": untrimmed,
                "heap": heap,
                "classes": int(self.classes.getLoadedClassCount()),
                "offheap": int(self.nd4j.getMemoryManager().allocatedMemory(self.device)) + int(self.pointer.totalBytes()),
                "codecache": sum(int(p.getUsage().getUsed()) for p in self.code_pools),
                "metaspace": sum(int(p.getUsage().getUsed()) for p in self.meta_pools),
                "workspaces": sum(int(w.getCurrentSize()) for w in self.workspaces.getAllWorkspacesForCurrentThread()),
                "committed": int(self.memory.getHeapMemoryUsage().getCommitted()), "malloc": _malloc_in_use()}


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _malloc_in_use() -> int:
    """Bytes glibc's malloc has handed out and not got back (-1 where there is no ``mallinfo2``)."""
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except AttributeError:
        return -1
    mallinfo2.restype = _Mallinfo2
    info = mallinfo2()
    return int(info.uordblks + info.hblkhd)


def _malloc_trim() -> None:
    """Give the free memory glibc's malloc keeps (in every arena) back to the system."""
    try:
        ctypes.CDLL(None).malloc_trim(ctypes.c_size_t(0))
    except AttributeError:
        pass


def _vm_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS line in /proc/self/status: the soak needs Linux' /proc")


def run_soak(work: Workload, cycles: int, *, warmup: int, window: int, limit_percent: float = 5.0,
             directory: Optional[Path] = None, trim: bool = True) -> SoakResult:
    """Run the soak in this process (its JVM must be started).

    Parameters
    ----------
    work : Workload
        Logs and the fitted pipeline.
    cycles, warmup, window : int
        Number of cycles; cycles counted as warm-up; cycles in each median.
    limit_percent : float
        A judged reading fails when it grows by this much or more.
    directory : Path, optional
        Where the model file goes (default: a temporary directory); the last cycle's model stays there.
    """
    if warmup + window > cycles:
        raise ValueError(f"cycles ({cycles}) must be at least warmup + window ({warmup} + {window})")
    from dl4j_bridge.detectors import load_detector

    directory = Path(directory or tempfile.mkdtemp(prefix="dl4j_bridge_soak_"))
    path = directory / "soak_model.zip"
    result = SoakResult(cycles, warmup, window, limit_percent, {n: [] for n in JUDGED + REPORTED}, model_path=path)
    probe = _Probe(trim)
    reference: Optional[np.ndarray] = None
    n_events = work.pipeline.n_template_ids
    for cycle in range(1, cycles + 1):
        start = time.perf_counter()
        train = work.pipeline.transform(work.train_lines)
        test = work.pipeline.transform(work.test_lines)
        detector = make_detector(n_events).fit(train)
        before = detector.decision_function(test)
        threshold = detector.threshold_
        detector.save(path, pipeline=work.pipeline)
        loaded = load_detector(path)
        after = loaded.decision_function(loaded.pipeline_.transform(work.test_lines))
        result.n_test_windows = len(before)
        if not np.array_equal(before, after) or loaded.threshold_ != threshold:
            result.score_failures.append(f"cycle {cycle}: the loaded model scores differently from the saved one "
                                         f"(max |diff| {np.max(np.abs(before - after)):.3g}, threshold "
                                         f"{threshold} vs {loaded.threshold_})")
        if reference is None:
            reference = before
        elif not np.array_equal(before, reference):
            result.score_failures.append(f"cycle {cycle}: scores differ from cycle 1's (max |diff| "
                                         f"{np.max(np.abs(before - reference)):.3g}) with the same seed and data")
        del train, test, detector, loaded, before, after
        result.seconds.append(time.perf_counter() - start)
        for name, value in probe.read().items():
            result.readings[name].append(value)
        if cycle == 1 or cycle % 20 == 0 or cycle == cycles:
            log.info("soak cycle %d/%d: %.2f s, rss %.0f MiB, heap %.1f MiB, off-heap %.1f MiB", cycle, cycles,
                     result.seconds[-1], result.readings["rss"][-1] / MIB, result.readings["heap"][-1] / MIB,
                     result.readings["offheap"][-1] / MIB)
    return result
