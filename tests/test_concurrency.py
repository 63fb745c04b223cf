"""Scoring from several Python threads and processes gives what sequential scoring gives (issue 7, point 6).

In-process tests share the session JVM; the fork refusal is in test_session.py (it needs its own process).
A :class:`~dl4j_bridge.Network` (and a detector on it) may be shared between threads: every call into Java
holds the network's lock, so calls on one model run one at a time and never see another call's state.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

N_THREADS = 4
N_EVENTS = 6


def _windows(n: int, seed: int):
    """Windows of the cycle 1 2 3 4 (one-hot events), the next event after each; some with event 5 inside."""
    rng = np.random.default_rng(seed)
    ids = (rng.integers(0, 4, size=n)[:, None] + np.arange(11)[None, :]) % 4 + 1
    odd = rng.random(n) < 0.2
    ids[odd, rng.integers(1, 10, size=odd.sum())] = 5
    return ids


def _batch(ids):
    from dl4j_bridge.detectors import sequence_batch

    return sequence_batch(np.eye(N_EVENTS, dtype=np.float32)[ids[:, :10]], step_ids=ids[:, :10], next_ids=ids[:, 10])


@pytest.fixture(scope="module")
def models(jvm, tmp_path_factory):
    """A trained network and detector, saved; and batches of different sizes to score."""
    import dl4j_bridge as db
    from dl4j_bridge.detectors import NextEventDetector

    rng = np.random.default_rng(7)
    X = rng.normal(size=(64, 12, 3)).astype(np.float32)
    Y = (X[..., 0] + X[..., 1] > 0).astype(np.int64)
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(12,)))
    net.fit(X, Y, epochs=3, batch_size=16, progress=False)
    detector = NextEventDetector(top_g=2, hidden_sizes=(12,), epochs=4, batch_size=64, n_events=N_EVENTS,
                                 learning_rate=0.05, patience=0, seed=1).fit(_batch(_windows(200, 1)))
    folder = tmp_path_factory.mktemp("concurrency")
    net_path, det_path = net.save(folder / "net.zip"), detector.save(folder / "detector.zip")
    xs = [rng.normal(size=(n, 12, 3)).astype(np.float32) for n in (1, 5, 17, 33, 64, 9, 40, 2)]
    id_batches = [_windows(n, 100 + i) for i, n in enumerate((3, 30, 8, 50, 21, 1))]
    return {"net": net, "net_path": net_path, "detector": detector, "det_path": det_path, "xs": xs,
            "id_batches": id_batches}


def _run_threads(work, n=N_THREADS):
    """Run ``work(i)`` in ``n`` threads started together; their results in thread order (errors re-raised)."""
    start = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            start.wait()
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a scoring thread hung"
    if errors:
        raise errors[0]
    return results


def _assert_all_equal(results, reference):
    for per_thread in results:
        assert len(per_thread) == len(reference)
        for got, want in zip(per_thread, reference):
            np.testing.assert_array_equal(got, want)


def test_separate_models_per_thread_score_like_sequential(models):
    import dl4j_bridge as db

    reference = [models["net"].predict_proba(x) for x in models["xs"]]
    # each thread loads its own model from the same file
    results = _run_threads(lambda i: [db.Network.load(models["net_path"]).predict_proba(x) for x in models["xs"]])
    _assert_all_equal(results, reference)


def test_one_shared_model_with_a_user_lock_scores_like_sequential(models):
    net, user_lock = models["net"], threading.Lock()
    reference = [net.predict_proba(x) for x in models["xs"]]

    def work(i):
        out = []
        for x in models["xs"]:
            with user_lock:
                out.append(net.predict_proba(x))
        return out

    _assert_all_equal(_run_threads(work), reference)


def test_one_shared_model_and_detector_without_a_user_lock_score_like_sequential(models):
    net, detector = models["net"], models["detector"]
    batches = [_batch(ids) for ids in models["id_batches"]]
    ref_proba = [net.predict_proba(x) for x in models["xs"]]
    ref_classes = [net.classify(x) for x in models["xs"]]
    ref_scores = [detector.decision_function(b) for b in batches]
    ref_steps = [detector.step_scores(b) for b in batches]

    def work(i):
        rng = np.random.default_rng(i)
        out = {"proba": [], "classes": [], "scores": [], "steps": []}
        for _ in range(3):
            for k in rng.permutation(len(models["xs"])):       # each thread its own order
                out["proba"].append((k, net.predict_proba(models["xs"][k])))
                out["classes"].append((k, net.classify(models["xs"][k])))
            for k in rng.permutation(len(batches)):
                out["scores"].append((k, detector.decision_function(batches[k])))
                out["steps"].append((k, detector.step_scores(batches[k])))
        return out

    for out in _run_threads(work):
        for key, reference in (("proba", ref_proba), ("classes", ref_classes), ("scores", ref_scores),
                               ("steps", ref_steps)):
            assert len(out[key]) == 3 * len(reference)
            for k, got in out[key]:
                np.testing.assert_array_equal(got, reference[k])


def test_scoring_during_a_fit_on_the_same_model_waits_for_the_fit(jvm, models):
    """The network's lock keeps a prediction from seeing half-trained weights: a call made while another
    thread trains the same network returns what the trained network gives."""
    import dl4j_bridge as db

    net = db.Network.load(models["net_path"])
    rng = np.random.default_rng(3)
    X = rng.normal(size=(64, 12, 3)).astype(np.float32)
    Y = (X[..., 0] > 0).astype(np.int64)
    x_test = models["xs"][4]
    before = net.predict_proba(x_test)
    training = threading.Event()

    def on_progress(event):
        training.set()
        return True

    fit = threading.Thread(target=net.fit, args=(X, Y),
                           kwargs=dict(epochs=8, batch_size=4, progress=False, callback=on_progress,
                                       report_every=0.0))
    fit.start()
    assert training.wait(120), "the fit did not start"
    during = _run_threads(lambda i: net.predict_proba(x_test), n=2)   # called while the fit runs
    fit.join(300)
    after = net.predict_proba(x_test)
    assert not np.array_equal(before, after), "training changed nothing: the test would prove nothing"
    for got in during:
        np.testing.assert_array_equal(got, after)


def test_short_lived_threads_leave_no_java_threads_behind(models):
    import jpype

    net, x = models["net"], models["xs"][2]
    mx = jpype.JClass("java.lang.management.ManagementFactory").getThreadMXBean()
    net.predict_proba(x)
    before = int(mx.getThreadCount())
    for _ in range(40):
        t = threading.Thread(target=net.predict_proba, args=(x,))
        t.start()
        t.join()
    with ThreadPoolExecutor(4) as pool:                        # pool threads end at shutdown
        list(pool.map(lambda _: net.predict_proba(x), range(12)))
    after = int(mx.getThreadCount())
    assert after <= before + 2, f"Java threads: {before} before, {after} after 44 Python threads called Java"


def test_short_lived_threads_leave_no_nd4j_workspaces_behind(models):
    # each thread that ended kept its ND4J workspaces (the working memory of its forward pass) for as long as the
    # JVM ran: a thread per request, or a new pool per notebook cell, grew native memory by MiBs per thread
    import jpype

    net = models["net"]
    x = np.repeat(models["xs"][2], 64 // len(models["xs"][2]) + 1, axis=0)[:64]   # a batch whose workspaces count
    manager = jpype.JClass("org.nd4j.linalg.factory.Nd4j").getMemoryManager()

    def native() -> int:
        return int(manager.allocatedMemory(jpype.JInt(0))) + int(jpype.JClass("org.bytedeco.javacpp.Pointer").totalBytes())

    def one_thread():
        t = threading.Thread(target=net.predict_proba, args=(x,))
        t.start()
        t.join()

    one_thread()   # this test's own first thread, and anything the first calls load
    before = native()
    for _ in range(30):
        one_thread()
    grown = native() - before
    # one forward pass's workspaces of this batch: about 100 KiB, kept 30 times about 3 MiB
    assert grown < 512 << 10, f"ND4J native memory grew by {grown} bytes over 30 short-lived threads"


def test_spawn_process_pool_scores_like_in_process(models):
    import scoring_worker

    detector = models["detector"]
    batches = [{"x": np.eye(N_EVENTS, dtype=np.float32)[ids[:, :10]], "step_ids": ids[:, :10],
                "next_ids": ids[:, 10]} for ids in models["id_batches"]]
    reference = [detector.decision_function(_batch(ids)) for ids in models["id_batches"]]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context, initializer=scoring_worker.start,
                             initargs=(str(models["det_path"]),)) as pool:
        results = list(pool.map(scoring_worker.score, batches, timeout=600))
    assert len({pid for pid, _ in results}) >= 1
    for (_, got), want in zip(results, reference):
        np.testing.assert_array_equal(got, want)
